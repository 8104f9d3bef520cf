// SPDX-License-Identifier: MIT
/* Stage-1 translation: granules, start levels, blocks, TTB0/TTB1, TBI. */
#include "test_xlate_util.h"

/* 4K granule, T0SZ 16 (48-bit VA): a 4-level walk to a page. */
TEST(s1_4k_4level_page)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r;

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    pt_set(&p, 0x123456789000ull, 3, s1_leaf(3, 0x40abc000ull, fld_set(0, PTE_AP, 1)), 0);
    cd_make(cd, p.root, 16, 0, 7);
    xt_s1_stream(&x, 3, cd);

    r = xt_tr(&x, 3, VSMMU_NO_SSID, 0x123456789abcull, VSMMU_ACC_READ);
    CHECK_OK(r, 0x40abcabcull, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X); /* AP=01, UXN=0 */
    /* Second time: a TLB hit, same answer. */
    r = xt_tr(&x, 3, VSMMU_NO_SSID, 0x123456789ff8ull, VSMMU_ACC_WRITE);
    CHECK_OK(r, 0x40abcff8ull, 0x1000);
    /* Unmapped neighbour page: F_TRANSLATION, exact record. */
    r = xt_tr(&x, 3, VSMMU_NO_SSID, 0x12345678a010ull, VSMMU_ACC_WRITE);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    CHECK(r.recorded);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    {
        struct xev e = { .type = EVT_F_TRANSLATION, .sid = 3, .rnw = false,
                         .class_ = EVT_CLASS_IN, .input = 0x12345678a010ull };
        xt_expect_event(&x, &e);
    }
    xt_expect_no_event(&x);
    xt_fini(&x);
}
