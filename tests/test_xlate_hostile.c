// SPDX-License-Identifier: MIT
/* Hostile configurations: random STEs, CDs and tables must end in an
 * architected outcome (translation, fault with a known event, silent
 * abort), never a crash, hang or out-of-bounds access (run under ASan and
 * UBSan by `make check`). */
#include "test_xlate_util.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    return t_xorshift(&rng_state);
}

static bool known_event(uint8_t t)
{
    switch (t) {
    case 0: case EVT_C_BAD_STREAMID: case EVT_F_STE_FETCH: case EVT_C_BAD_STE:
    case EVT_F_STREAM_DISABLED: case EVT_C_BAD_SUBSTREAMID: case EVT_F_CD_FETCH:
    case EVT_C_BAD_CD: case EVT_F_WALK_EABT: case EVT_F_TRANSLATION: case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS: case EVT_F_PERMISSION:
        return true;
    default:
        return false;
    }
}

TEST(hostile_random_structures)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t region;
    const uint64_t size = 0x40000;
    unsigned ok = 0, faults = 0;

    xt_hostile_cfg(&cfg);
    xt_init(&x, &cfg, NULL);
    region = guest_alloc(&x.g, size, 0x10000);
    for (unsigned round = 0; round < 40; round++) {
        xt_random_world(&x, region, size, &rng_state);
        for (uint32_t sid = 0; sid < 16; sid++) {
            uint64_t ste[8];
            for (unsigned q = 0; q < 8; q++)
                ste[q] = tb_r64(&x.tb, region + 64 * ((sid + round) % (size / 64)) + 8 * q);
            /* Bias towards the valid translating configurations. */
            ste[0] |= 1;
            if (rnd() & 1)
                ste[0] |= 0x8;
            if (rnd() & 1)
                st_set(ste, STE_S2AA64, 1);
            guest_write_ste(&x.g, sid, ste);
        }
        CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
        for (unsigned i = 0; i < 400; i++) {
            struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
            uint32_t sid = (uint32_t)(rnd() % 18);
            uint32_t ssid = rnd() & 1 ? VSMMU_NO_SSID : (uint32_t)(rnd() % 300);
            uint64_t va = rnd();
            unsigned acc = (1 + (unsigned)(rnd() % 7)) | (rnd() & 1 ? VSMMU_ACC_PRIV : 0);

            if (rnd() & 1)
                va &= 0x0000FFFFFFFFFFFFull;
            if (rnd() & 1)
                va &= 0x7FFFFFFFFFull;
            CHECK_EQ(vsmmu_translate(x.tb.s, sid, ssid, va, acc, &r), 0);
            CHECK(r.status == VSMMU_XLATE_OK || r.status == VSMMU_XLATE_FAULT ||
                  r.status == VSMMU_XLATE_RAZWI);
            CHECK_MSG(known_event(r.event_type), "event 0x%x", r.event_type);
            if (r.status == VSMMU_XLATE_OK) {
                CHECK(r.size >= 0x1000 && (r.size & (r.size - 1)) == 0);
                ok++;
            } else {
                faults++;
            }
        }
        /* Drain the event queue: every record has a known type. */
        {
            uint64_t rec[4];
            while (guest_pop_event(&x.g, rec))
                CHECK_MSG(known_event((uint8_t)(rec[0] & 0xFF)), "record type 0x%x",
                          (unsigned)(rec[0] & 0xFF));
        }
    }
    CHECK(faults > 0);
    CHECK(ok > 0);     /* the seed gives both outcomes */
    xt_fini(&x);
}

/* Stage-2 tables that point at themselves at every level. */
TEST(hostile_self_referencing_stage2)
{
    struct xt x;
    struct pt p;
    uint64_t ste[8] = {0};
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    for (unsigned i = 0; i < 512; i++)
        tb_w64(&x.tb, p.root + 8 * i, p.root | 3);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S2);
    ste_s2(ste, 1, 16, 2, 0, p.root);
    guest_write_ste(&x.g, 1, ste);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x123456789000ull, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ACCESS);     /* level 3 reads the entry as a page, AF = 0 */
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_ACCESS, .sid = 1, .rnw = true, .s2 = true,
                                       .class_ = EVT_CLASS_IN, .input = 0x123456789000ull,
                                       .ipa = 0x123456789000ull });
    xt_fini(&x);
}
