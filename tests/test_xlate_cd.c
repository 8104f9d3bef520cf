// SPDX-License-Identifier: MIT
/* Context descriptors: S1Fmt linear and 2-level, S1CDMax, SubstreamID
 * checks, S1DSS, F_CD_FETCH, L1CD validity. */
#include "test_xlate_util.h"

static void cfg_ssid(struct vsmmu_config *cfg)
{
    vsmmu_config_default(cfg);
    cfg->ssidsize = 16;
}

/* A tree mapping VA 0x1000 to @oa, and its CD with @asid. */
static void cd_for(struct xt *x, uint64_t cd[8], uint64_t oa, unsigned asid)
{
    struct pt p;
    pt_new(&p, x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, oa, 0), 0);
    cd_make(cd, p.root, 25, 0, asid);
}

static void ste_cds(uint64_t ste[8], uint64_t ptr, unsigned fmt, unsigned cdmax, unsigned s1dss)
{
    ste_s1(ste, ptr);
    st_set(ste, STE_S1FMT, fmt);
    st_set(ste, STE_S1CDMAX, cdmax);
    st_set(ste, STE_S1DSS, s1dss);
}

TEST(cd_linear_table_and_ssid_checks)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8], cd[8], tab;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    cfg_ssid(&cfg);
    xt_init(&x, &cfg, NULL);
    tab = guest_alloc_cd_table(&x.g, 3);
    for (unsigned i = 0; i < 8; i++) {
        cd_for(&x, cd, 0x100000 * (i + 1), 10 + i);
        cd_write(&x, tab + 64 * i, cd);
    }
    ste_cds(ste, tab, S1FMT_LINEAR, 3, S1DSS_SSID0);
    guest_write_ste(&x.g, 2, ste);
    for (unsigned i = 1; i < 8; i++) {
        r = xt_tr(&x, 2, i, 0x1010, VSMMU_ACC_READ);
        CHECK_OK(r, 0x100010 * 0 + 0x100000ull * (i + 1) + 0x10, 0x1000);
    }
    /* No SSID with S1DSS = 10: CD 0.  SSID 0 is then refused. */
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x1010, VSMMU_ACC_READ);
    CHECK_OK(r, 0x100010, 0x1000);
    r = xt_tr(&x, 2, 0, 0x1010, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_STREAM_DISABLED);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_STREAM_DISABLED, .sid = 2, .ssv = true });
    /* SSID >= 2^S1CDMax: C_BAD_SUBSTREAMID. */
    r = xt_tr(&x, 2, 8, 0x1010, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_SUBSTREAMID);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_SUBSTREAMID, .sid = 2, .ssid = 8 });

    /* S1DSS = 00: no SSID -> F_STREAM_DISABLED; SSID 0 uses CD 0. */
    ste_cds(ste, tab, S1FMT_LINEAR, 3, S1DSS_TERMINATE);
    guest_write_ste(&x.g, 3, ste);
    r = xt_tr(&x, 3, VSMMU_NO_SSID, 0x1010, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_STREAM_DISABLED);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_STREAM_DISABLED, .sid = 3 });
    r = xt_tr(&x, 3, 0, 0x1010, VSMMU_ACC_READ);
    CHECK_OK(r, 0x100010, 0x1000);
    /* S1DSS = 01: no SSID bypasses stage 1 (no CD fetch). */
    ste_cds(ste, tab, S1FMT_LINEAR, 3, S1DSS_BYPASS);
    guest_write_ste(&x.g, 4, ste);
    r = xt_tr(&x, 4, VSMMU_NO_SSID, 0x7777, VSMMU_ACC_READ);
    CHECK_OK(r, 0x7777, 1ull << 48);
    r = xt_tr(&x, 4, 5, 0x1010, VSMMU_ACC_READ);
    CHECK_OK(r, 0x600010, 0x1000);
    /* S1CDMax = 0: one CD; any SSID is C_BAD_SUBSTREAMID. */
    ste_cds(ste, tab + 64 * 6, S1FMT_LINEAR, 0, 0);
    guest_write_ste(&x.g, 5, ste);
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1010, VSMMU_ACC_READ);
    CHECK_OK(r, 0x700010, 0x1000);
    r = xt_tr(&x, 5, 0, 0x1010, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_SUBSTREAMID);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_SUBSTREAMID, .sid = 5 });
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* Without substream support any SSID is C_BAD_SUBSTREAMID, and S1CDMax is
 * ignored. */
TEST(cd_no_ssid_support)
{
    struct xt x;
    uint64_t ste[8], cd[8], a;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    cd_for(&x, cd, 0x300000, 1);
    a = guest_alloc(&x.g, 64, 64);
    cd_write(&x, a, cd);
    ste_cds(ste, a, S1FMT_LINEAR, 5, 0);
    guest_write_ste(&x.g, 1, ste);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x300000, 0x1000);
    r = xt_tr(&x, 1, 0, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_SUBSTREAMID);
    xt_fini(&x);
}

/* 2-level CD tables with 4K (64 CDs) and 64K (1024 CDs) leaves. */
TEST(cd_two_level_tables)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8], cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    cfg_ssid(&cfg);
    xt_init(&x, &cfg, NULL);
    for (unsigned fmt = S1FMT_2LVL_4K; fmt <= S1FMT_2LVL_64K; fmt++) {
        unsigned l2bits = fmt == S1FMT_2LVL_4K ? 6 : 10;
        uint64_t leaf = 1ull << (l2bits + 6);
        uint64_t l1 = guest_alloc(&x.g, 8ull << (16 - l2bits), 8ull << (16 - l2bits));
        uint64_t l2 = guest_alloc(&x.g, leaf, leaf);
        uint32_t ssid = (5u << l2bits) | 3;     /* L1 index 5, L2 index 3 */
        uint32_t sid = 10 + fmt;

        tb_w64(&x.tb, l1 + 5 * 8, l2 | fld_mask(L1CD_V));
        cd_for(&x, cd, 0x400000 + 0x100000ull * fmt, 7);
        cd_write(&x, l2 + 3 * 64, cd);
        ste_cds(ste, l1, fmt, 16, 0);
        guest_write_ste(&x.g, sid, ste);
        r = xt_tr(&x, sid, ssid, 0x1008, VSMMU_ACC_READ);
        CHECK_OK(r, 0x400008 + 0x100000ull * fmt, 0x1000);
        /* L1 index 6: L1CD invalid -> C_BAD_SUBSTREAMID. */
        r = xt_tr(&x, sid, (6u << l2bits) | 3, 0x1008, VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_C_BAD_SUBSTREAMID);
        xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_SUBSTREAMID, .sid = sid,
                                           .ssid = (6u << l2bits) | 3 });
        /* L2 index 4: the CD is all zero -> C_BAD_CD. */
        r = xt_tr(&x, sid, (5u << l2bits) | 4, 0x1008, VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_C_BAD_CD);
        xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_CD, .sid = sid, .ssv = true,
                                           .ssid = (5u << l2bits) | 4 });
        /* L1CD whose L2Ptr is unbacked: F_CD_FETCH with the CD address. */
        tb_w64(&x.tb, l1 + 7 * 8, 0x10000000ull | fld_mask(L1CD_V));
        r = xt_tr(&x, sid, (7u << l2bits) | 2, 0x1008, VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_F_CD_FETCH);
        xt_expect_event(&x, &(struct xev){ .type = EVT_F_CD_FETCH, .sid = sid, .ssv = true,
                                           .ssid = (7u << l2bits) | 2,
                                           .fetch = 0x10000000ull + 2 * 64 });
        /* L1CD L2Ptr beyond the OAS: C_BAD_SUBSTREAMID. */
        tb_w64(&x.tb, l1 + 8 * 8, (1ull << 50) | fld_mask(L1CD_V));
        r = xt_tr(&x, sid, 8u << l2bits, 0x1008, VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_C_BAD_SUBSTREAMID);
        CHECK(guest_pop_event(&x.g, (uint64_t[4]){0}));
    }
    xt_fini(&x);
}

/* F_CD_FETCH for a single CD and for the L1CD, FetchAddr in dword 3. */
TEST(cd_fetch_abort)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    cfg_ssid(&cfg);
    xt_init(&x, &cfg, NULL);
    ste_s1(ste, 0x30000000ull);
    guest_write_ste(&x.g, 1, ste);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE);
    CHECK_FAULT(r, EVT_F_CD_FETCH);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_CD_FETCH, .sid = 1, .fetch = 0x30000000ull });
    ste_cds(ste, 0x30000000ull, S1FMT_2LVL_64K, 12, 0);
    guest_write_ste(&x.g, 2, ste);
    r = xt_tr(&x, 2, 0x803, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_CD_FETCH);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_CD_FETCH, .sid = 2, .ssv = true,
                                       .ssid = 0x803, .fetch = 0x30000000ull + 2 * 8 });
    xt_fini(&x);
}

/* A translation fault of a transaction with a SubstreamID records SSV and
 * the SubstreamID. */
TEST(cd_fault_records_ssid)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8], cd[8], tab;

    cfg_ssid(&cfg);
    xt_init(&x, &cfg, NULL);
    tab = guest_alloc_cd_table(&x.g, 4);
    cd_for(&x, cd, 0x100000, 1);
    cd_write(&x, tab + 64 * 9, cd);
    ste_cds(ste, tab, S1FMT_LINEAR, 4, 0);
    guest_write_ste(&x.g, 6, ste);
    CHECK_OK(xt_tr(&x, 6, 9, 0x1004, VSMMU_ACC_READ), 0x100004, 0x1000);
    CHECK_FAULT(xt_tr(&x, 6, 9, 0x5004, VSMMU_ACC_WRITE | VSMMU_ACC_PRIV), EVT_F_TRANSLATION);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 6, .ssv = true, .ssid = 9,
                                       .pnu = true, .class_ = EVT_CLASS_IN, .input = 0x5004 });
    xt_fini(&x);
}
