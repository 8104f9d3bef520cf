// SPDX-License-Identifier: MIT
/* Stage-1 translation: granules, start levels, blocks, TTB0/TTB1, TBI,
 * address-size checks, invalid descriptors and hostile tables. */
#include "test_xlate_util.h"

/* 4K granule, T0SZ 16 (48-bit VA): a 4-level walk to a page. */
TEST(s1_4k_4level_page)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    pt_set(&p, 0x123456789000ull, 3, s1_leaf(3, 0x40abc000ull, 0), 0);
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

/* Hand-computed vectors: every granule, every start level reachable
 * without STT/DS, every legal leaf level (page and block sizes).  OA base
 * 0x123400000000 (aligned to every block size). */
static const struct {
    unsigned g, tg0, t0sz, start, leaf;
    uint64_t va, out, size;
} vec[] = {
    { 12, 0, 16, 0, 3, 0x5a5a5a5a5a5aull, 0x123400000a5aull, 0x1000ull },
    { 12, 0, 16, 0, 1, 0x5a5a5a5a5a5aull, 0x12341a5a5a5aull, 0x40000000ull },
    { 12, 0, 16, 0, 2, 0x5a5a5a5a5a5aull, 0x1234001a5a5aull, 0x200000ull },
    { 12, 0, 25, 1, 3, 0x5a5a5a5a5aull, 0x123400000a5aull, 0x1000ull },
    { 12, 0, 25, 1, 1, 0x5a5a5a5a5aull, 0x12341a5a5a5aull, 0x40000000ull },
    { 12, 0, 25, 1, 2, 0x5a5a5a5a5aull, 0x1234001a5a5aull, 0x200000ull },
    { 12, 0, 34, 2, 3, 0x1a5a5a5aull, 0x123400000a5aull, 0x1000ull },
    { 12, 0, 34, 2, 2, 0x1a5a5a5aull, 0x1234001a5a5aull, 0x200000ull },
    { 12, 0, 39, 2, 3, 0x5a5a5aull, 0x123400000a5aull, 0x1000ull },
    { 12, 0, 39, 2, 2, 0x5a5a5aull, 0x1234001a5a5aull, 0x200000ull },
    { 14, 2, 16, 0, 3, 0x5a5a5a5a5a5aull, 0x123400001a5aull, 0x4000ull },
    { 14, 2, 16, 0, 2, 0x5a5a5a5a5a5aull, 0x1234005a5a5aull, 0x2000000ull },
    { 14, 2, 17, 1, 3, 0x5a5a5a5a5a5aull, 0x123400001a5aull, 0x4000ull },
    { 14, 2, 17, 1, 2, 0x5a5a5a5a5a5aull, 0x1234005a5a5aull, 0x2000000ull },
    { 14, 2, 28, 2, 3, 0xa5a5a5a5aull, 0x123400001a5aull, 0x4000ull },
    { 14, 2, 28, 2, 2, 0xa5a5a5a5aull, 0x1234005a5a5aull, 0x2000000ull },
    { 14, 2, 39, 3, 3, 0x5a5a5aull, 0x123400001a5aull, 0x4000ull },
    { 16, 1, 16, 1, 3, 0x5a5a5a5a5a5aull, 0x123400005a5aull, 0x10000ull },
    { 16, 1, 16, 1, 2, 0x5a5a5a5a5a5aull, 0x12341a5a5a5aull, 0x20000000ull },
    { 16, 1, 22, 2, 3, 0x25a5a5a5a5aull, 0x123400005a5aull, 0x10000ull },
    { 16, 1, 22, 2, 2, 0x25a5a5a5a5aull, 0x12341a5a5a5aull, 0x20000000ull },
    { 16, 1, 35, 3, 3, 0x1a5a5a5aull, 0x123400005a5aull, 0x10000ull },
};

TEST(s1_granule_level_block_vectors)
{
    struct xt x;
    xt_init(&x, NULL, NULL);
    for (unsigned i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        struct pt p;
        uint64_t cd[8];
        unsigned sh;
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

        CHECK_EQ(xl_s1_start_level(64 - vec[i].t0sz, vec[i].g), vec[i].start);
        pt_new(&p, &x, vec[i].g, vec[i].start, 64 - vec[i].t0sz, 0);
        sh = pt_shift(&p, vec[i].leaf);
        pt_set(&p, vec[i].va, vec[i].leaf,
               s1_leaf(vec[i].leaf, 0x123400000000ull & ~((1ull << sh) - 1), 0), 0);
        cd_make(cd, p.root, vec[i].t0sz, vec[i].tg0, i);
        xt_s1_stream(&x, 10 + i, cd);
        r = xt_tr(&x, 10 + i, VSMMU_NO_SSID, vec[i].va, VSMMU_ACC_READ | VSMMU_ACC_PRIV);
        CHECK_MSG(r.status == VSMMU_XLATE_OK, "vector %u: status %d event 0x%x", i, r.status,
                  r.event_type);
        CHECK_MSG(r.addr == vec[i].out && r.size == vec[i].size,
                  "vector %u: 0x%llx/0x%llx", i, (unsigned long long)r.addr,
                  (unsigned long long)r.size);
        /* Again from the TLB. */
        r = xt_tr(&x, 10 + i, VSMMU_NO_SSID, vec[i].va, VSMMU_ACC_READ | VSMMU_ACC_PRIV);
        CHECK_EQ(r.addr, vec[i].out);
        /* The last byte of the region. */
        r = xt_tr(&x, 10 + i, VSMMU_NO_SSID, vec[i].va | (vec[i].size - 1), VSMMU_ACC_READ);
        CHECK_EQ(r.addr, vec[i].out | (vec[i].size - 1));
    }
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* Blocks where the granule has none, and a reserved level-3 encoding, give
 * F_TRANSLATION (never a translation). */
TEST(s1_blocks_at_illegal_levels)
{
    static const struct { unsigned g, tg0, t0sz, level; } bad[] = {
        { 12, 0, 16, 0 },   /* 4K level-0 block */
        { 14, 2, 17, 1 },   /* 16K level-1 block */
        { 16, 1, 16, 1 },   /* 64K level-1 block without 52-bit PA */
    };
    struct xt x;
    xt_init(&x, NULL, NULL);
    for (unsigned i = 0; i < 3; i++) {
        struct pt p;
        uint64_t cd[8];
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
        unsigned start = xl_s1_start_level(64 - bad[i].t0sz, bad[i].g);

        pt_new(&p, &x, bad[i].g, start, 64 - bad[i].t0sz, 0);
        pt_set(&p, 0, bad[i].level, s1_leaf(1, 0, 0), 0);
        cd_make(cd, p.root, bad[i].t0sz, bad[i].tg0, 1);
        xt_s1_stream(&x, 1 + i, cd);
        r = xt_tr(&x, 1 + i, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_F_TRANSLATION);
        {
            struct xev e = { .type = EVT_F_TRANSLATION, .sid = 1 + i, .rnw = true,
                             .class_ = EVT_CLASS_IN, .input = 0x1000 };
            xt_expect_event(&x, &e);
        }
    }
    /* Level 3 with type bits 0b01 is reserved. */
    {
        struct pt p;
        uint64_t cd[8];
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
        pt_new(&p, &x, 12, 0, 48, 0);
        pt_set(&p, 0x5000, 3, s1_leaf(3, 0x7000, 0) & ~2ull, 0);
        cd_make(cd, p.root, 16, 0, 1);
        xt_s1_stream(&x, 9, cd);
        r = xt_tr(&x, 9, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_F_TRANSLATION);
    }
    xt_fini(&x);
}

/* With a 52-bit OAS the 64K granule has 4 TB level-1 blocks. */
TEST(s1_64k_level1_block_with_52bit_pa)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    vsmmu_config_default(&cfg);
    cfg.oas_bits = 52;
    xt_init(&x, &cfg, NULL);
    pt_new(&p, &x, 16, 1, 48, 0);
    pt_set(&p, 0x5a5a5a5a5a5aull, 1, s1_leaf(1, 0x80000000000ull, 0), 0);
    cd_make(cd, p.root, 16, 1, 1);
    st_set(cd, CD_IPS, 6);
    xt_s1_stream(&x, 1, cd);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x5a5a5a5a5a5aull, VSMMU_ACC_READ);
    CHECK_OK(r, 0xa5a5a5a5a5aull, 1ull << 42);
    xt_fini(&x);
}

/* TTB1 with TBI1 read from its own bit (39), not TBI0's. */
TEST(s1_ttb1_and_tbi_each_half)
{
    struct xt x;
    struct pt p0, p1;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    const uint64_t va0 = 0x0000000012345000ull, va1 = 0xFFFFFFFF80001000ull;

    xt_init(&x, NULL, NULL);
    pt_new(&p0, &x, 12, 0, 48, 0);
    pt_new(&p1, &x, 12, 1, 39, 0);
    pt_set(&p0, va0, 3, s1_leaf(3, 0x11000, 0), 0);
    pt_set(&p1, va1, 3, s1_leaf(3, 0x22000, 0), 0);
    for (unsigned which = 0; which < 2; which++) {
        uint32_t sid = 1 + which;
        cd_make(cd, p0.root, 16, 0, 1 + which);
        st_set(cd, CD_EPD1, 0);
        st_set(cd, CD_T1SZ, 25);
        st_set(cd, CD_TG1, 2);          /* TG1 encoding: 10 = 4K */
        cd[2] |= p1.root & fld_mask(55, 4);
        if (which)
            st_set(cd, CD_TBI0, 1);
        else
            st_set(cd, CD_TBI1, 1);
        xt_s1_stream(&x, sid, cd);

        r = xt_tr(&x, sid, VSMMU_NO_SSID, va0 | 0x10, VSMMU_ACC_READ);
        CHECK_OK(r, 0x11010, 0x1000);
        r = xt_tr(&x, sid, VSMMU_NO_SSID, va1 | 0x20, VSMMU_ACC_READ);
        CHECK_OK(r, 0x22020, 0x1000);
        /* Tagged addresses: the top byte replaced by 0x5A (TTB0 half) or
         * 0xA5 (TTB1 half, bit 55 still set). */
        r = xt_tr(&x, sid, VSMMU_NO_SSID, 0x5A00000012345010ull, VSMMU_ACC_READ);
        if (which) {
            CHECK_OK(r, 0x11010, 0x1000);
        } else {
            struct xev e = { .type = EVT_F_TRANSLATION, .sid = sid, .rnw = true,
                             .class_ = EVT_CLASS_IN, .input = 0x5A00000012345010ull };
            CHECK_FAULT(r, EVT_F_TRANSLATION);
            xt_expect_event(&x, &e);
        }
        r = xt_tr(&x, sid, VSMMU_NO_SSID, 0xA5FFFFFF80001020ull, VSMMU_ACC_READ);
        if (!which) {
            CHECK_OK(r, 0x22020, 0x1000);
        } else {
            struct xev e = { .type = EVT_F_TRANSLATION, .sid = sid, .rnw = true,
                             .class_ = EVT_CLASS_IN, .input = 0xA5FFFFFF80001020ull };
            CHECK_FAULT(r, EVT_F_TRANSLATION);
            xt_expect_event(&x, &e);
        }
    }
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* Input range: outside T0SZ, in the gap, through a disabled half (EPD). */
TEST(s1_input_range_and_epd)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    static const uint64_t bad[] = {
        0x8000000000ull,            /* bit 39 with T0SZ 25 */
        0x0080000000000000ull,      /* bit 55: TTB1, EPD1 = 1 */
        0x8000000000001000ull,      /* bit 63 without TBI */
        0xFFFFFFFFFFFFF000ull,      /* TTB1 region, EPD1 */
    };

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 0x1000, 0), 0);
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    for (unsigned i = 0; i < 4; i++) {
        struct xev e = { .type = EVT_F_TRANSLATION, .sid = 1, .rnw = false, .pnu = true,
                         .class_ = EVT_CLASS_IN, .input = bad[i] };
        r = xt_tr(&x, 1, VSMMU_NO_SSID, bad[i], VSMMU_ACC_WRITE | VSMMU_ACC_PRIV);
        CHECK_FAULT(r, EVT_F_TRANSLATION);
        xt_expect_event(&x, &e);
    }
    /* EPD0: TTB0 walks disabled, even with valid tables behind it. */
    st_set(cd, CD_EPD0, 1);
    st_set(cd, CD_EPD1, 0);
    st_set(cd, CD_T1SZ, 25);
    st_set(cd, CD_TG1, 2);
    cd[2] |= p.root & fld_mask(55, 4);
    xt_s1_stream(&x, 2, cd);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    xt_fini(&x);
}

/* The stage-1 input range check as docs/spec-notes.md 8.5 states it, bit
 * by bit: a one-range regime (EL2) always uses half 0; with two ranges bit
 * 55 picks the half; the half must be enabled (EPDx = 0) and every bit
 * from the top (55 under that half's TBI, else 63) down to the input size
 * (64 - TxSZ) must equal the half. */
static bool ref_input_ok(bool one_range, const bool en[2], const bool tbi[2],
                         const unsigned ia[2], uint64_t va, unsigned *half)
{
    unsigned h = one_range ? 0 : (unsigned)(va >> 55) & 1, top;

    *half = h;
    if (!en[h])
        return false;
    top = tbi[h] ? 55 : 63;
    if (ia[h] > top)
        return false;
    for (unsigned b = ia[h]; b <= top; b++)
        if (((va >> b) & 1) != h)
            return false;
    return true;
}

/* xl_s1_input_ok() (the configuration's precomputed masks) against the
 * rule bit by bit: both regimes kinds, every EPD and TBI combination, input
 * sizes from 25 to 52 bits (and one beyond a TBI top, which the CD decode
 * never produces), addresses at and around every boundary. */
TEST(s1_input_check_table_equals_rule)
{
    static const unsigned sizes[] = { 25, 39, 42, 48, 52, 56 };
    unsigned checked = 0;

    for (unsigned reg = 0; reg < 2; reg++)
        for (unsigned m = 0; m < 16; m++)
            for (unsigned i0 = 0; i0 < 6; i0++)
                for (unsigned i1 = 0; i1 < 6; i1++) {
                    struct xl_cfg c;
                    bool en[2] = { m & 1, (m >> 1) & 1 }, tbi[2] = { (m >> 2) & 1, (m >> 3) & 1 };
                    unsigned ia[2] = { sizes[i0], sizes[i1] };

                    memset(&c, 0, sizeof(c));
                    c.regime = reg ? XR_EL2 : XR_NSEL1;
                    for (unsigned h = 0; h < 2; h++) {
                        c.tt[h].en = en[h];
                        c.tt[h].tbi = tbi[h];
                        c.tt[h].ia_bits = (uint8_t)ia[h];
                    }
                    xl_s1_input_table(&c);
                    for (unsigned b = 0; b < 64; b++)
                        for (unsigned v = 0; v < 6; v++) {
                            uint64_t bit = 1ull << b, va;
                            unsigned hr = 9, hx = 9;

                            switch (v) {
                            case 0: va = bit; break;
                            case 1: va = bit - 1; break;
                            case 2: va = ~bit; break;
                            case 3: va = ~(bit - 1); break;
                            case 4: va = bit | 0x0080000000000000ull; break;
                            default: va = (bit - 1) | 0xFF80000000000000ull; break;
                            }
                            CHECK_EQ(xl_s1_input_ok(&c, va, &hx),
                                     ref_input_ok(reg, en, tbi, ia, va, &hr));
                            CHECK_EQ(hx, hr);
                            checked++;
                        }
                }
    CHECK(checked > 100000);
}

/* IPS and OAS bound every descriptor output: leaf and table pointers. */
TEST(s1_output_address_size)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    vsmmu_config_default(&cfg);
    cfg.oas_bits = 40;
    xt_init(&x, &cfg, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 1ull << 40, 0), 0);            /* beyond OAS */
    pt_set(&p, 0x2000, 3, s1_leaf(3, 0xFF00000000ull, 0), 0);      /* within 40 bits */
    pt_set(&p, 0x3000, 3, s1_leaf(3, 0x100000000ull, 0), 0);       /* beyond IPS 32 */
    /* A table pointer beyond 32 bits, at level 2 for VA 0x40000000. */
    pt_set(&p, 0x40000000, 2, 0x100000000ull | 3, 0);
    cd_make(cd, p.root, 16, 0, 1);          /* IPS 48, effective MIN(48, 40) */
    xt_s1_stream(&x, 1, cd);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ADDR_SIZE);
    {
        struct xev e = { .type = EVT_F_ADDR_SIZE, .sid = 1, .rnw = true,
                         .class_ = EVT_CLASS_IN, .input = 0x1000 };
        xt_expect_event(&x, &e);
    }
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ);
    CHECK_OK(r, 0xFF00000000ull, 0x1000);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x100000000ull, 0x1000);

    st_set(cd, CD_IPS, 0);                  /* 32 bits */
    cd_write(&x, guest_alloc(&x.g, 64, 64), cd);
    xt_s1_stream(&x, 2, cd);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ADDR_SIZE);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x40000000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ADDR_SIZE);
    xt_fini(&x);
}

/* Tables in unbacked memory: F_WALK_EABT with the descriptor's PA. */
TEST(s1_walk_external_abort)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    /* Level-1 table pointer to 0x10000000 (no RAM there). */
    pt_set(&p, 0x8040201000ull, 1, 0x10000000ull | 3, 0);
    cd_make(cd, p.root, 16, 0, 1);
    xt_s1_stream(&x, 4, cd);
    r = xt_tr(&x, 4, VSMMU_NO_SSID, 0x8040201000ull, VSMMU_ACC_READ | VSMMU_ACC_EXEC);
    CHECK_FAULT(r, EVT_F_WALK_EABT);
    {
        /* L2 index of VA 0x8040201000 is 1: descriptor at 0x10000008. */
        struct xev e = { .type = EVT_F_WALK_EABT, .sid = 4, .rnw = true, .ind = true,
                         .class_ = EVT_CLASS_TT, .input = 0x8040201000ull,
                         .fetch = 0x10000008ull };
        xt_expect_event(&x, &e);
    }
    /* A TTB0 outside RAM. */
    cd_make(cd, 0x20000000ull, 16, 0, 1);
    xt_s1_stream(&x, 5, cd);
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x8000000000ull, VSMMU_ACC_WRITE);
    CHECK_FAULT(r, EVT_F_WALK_EABT);
    {
        struct xev e = { .type = EVT_F_WALK_EABT, .sid = 5, .class_ = EVT_CLASS_TT,
                         .input = 0x8000000000ull, .fetch = 0x20000008ull };
        xt_expect_event(&x, &e);
    }
    xt_fini(&x);
}

/* Self-referencing tables end in an architected fault, not a loop. */
TEST(s1_self_referencing_tables)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    for (unsigned i = 0; i < 512; i++)
        tb_w64(&x.tb, p.root + 8 * i, p.root | 3);
    cd_make(cd, p.root, 16, 0, 1);
    xt_s1_stream(&x, 1, cd);
    /* Every level points back at the root; at level 3 the entry reads as
     * a page with AF = 0. */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x123456789000ull, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ACCESS);
    /* With AF set in the looping entries the walk yields the root page. */
    for (unsigned i = 0; i < 512; i++)
        tb_w64(&x.tb, p.root + 8 * i, p.root | 3 | fld_mask(PTE_AF));
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x123456789000ull, VSMMU_ACC_READ | VSMMU_ACC_PRIV);
    CHECK_OK(r, p.root, 0x1000);
    xt_fini(&x);
}

/* Illegal CD sizes and granules: C_BAD_CD, exact record. */
TEST(s1_illegal_cd_sizes)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    unsigned sid = 1;

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    for (unsigned k = 0; k < 6; k++, sid++) {
        cd_make(cd, p.root, 16, 0, 1);
        switch (k) {
        case 0: st_set(cd, CD_T0SZ, 15); break;          /* below 16 */
        case 1: st_set(cd, CD_T0SZ, 40); break;          /* above 39 (no STT) */
        case 2: st_set(cd, CD_TG0, 3); break;            /* reserved granule */
        case 3: st_set(cd, CD_EPD1, 0); st_set(cd, CD_TG1, 0); break; /* TG1 00 reserved */
        case 4: st_set(cd, CD_IPS, 0); cd[1] |= 1ull << 40; break;    /* TTB0 beyond IPS */
        case 5: st_set(cd, CD_AA64, 0); break;           /* VMSAv8-32 */
        }
        xt_s1_stream(&x, sid, cd);
        r = xt_tr(&x, sid, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
        CHECK_MSG(r.event_type == EVT_C_BAD_CD, "case %u: event 0x%x", k, r.event_type);
        CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
        {
            struct xev e = { .type = EVT_C_BAD_CD, .sid = sid };
            xt_expect_event(&x, &e);
        }
    }
    /* EPD1 = 1 makes TTB1's fields ignored: no C_BAD_CD for a bad T1SZ. */
    cd_make(cd, p.root, 16, 0, 1);
    st_set(cd, CD_T1SZ, 3);
    st_set(cd, CD_TG1, 0);
    xt_s1_stream(&x, 20, cd);
    r = xt_tr(&x, 20, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    xt_fini(&x);
}

/* TG1 has its own encoding (01 = 16K, 10 = 4K, 11 = 64K). */
TEST(s1_ttb1_granule_encodings)
{
    /* Output 0x555500000000 plus the page offset, checked below. */
    static const struct { unsigned g, tg1, t1sz; uint64_t va, size; } v[] = {
        { 14, 1, 28, 0xFFFFFFFA5A5A5A5Aull, 0x4000 },     /* 36-bit TTB1 region */
        { 16, 3, 22, 0xFFFFFC25A5A5A5A5ull, 0x10000 },    /* 42-bit */
        { 12, 2, 25, 0xFFFFFFDA5A5A5A5Aull, 0x1000 },     /* 39-bit */
    };
    struct xt x;
    xt_init(&x, NULL, NULL);
    for (unsigned i = 0; i < 3; i++) {
        struct pt p;
        uint64_t cd[8], oa = 0x55550000ull * 0x10000ull;   /* 0x555500000000 */
        unsigned ia = 64 - v[i].t1sz;
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

        pt_new(&p, &x, v[i].g, xl_s1_start_level(ia, v[i].g), ia, 0);
        pt_set(&p, v[i].va, 3, s1_leaf(3, oa, 0), 0);
        cd_make(cd, 0, 25, 0, 1);
        st_set(cd, CD_EPD0, 1);
        st_set(cd, CD_EPD1, 0);
        st_set(cd, CD_T1SZ, v[i].t1sz);
        st_set(cd, CD_TG1, v[i].tg1);
        cd[2] |= p.root & fld_mask(55, 4);
        xt_s1_stream(&x, 1 + i, cd);
        r = xt_tr(&x, 1 + i, VSMMU_NO_SSID, v[i].va, VSMMU_ACC_READ);
        CHECK_OK(r, oa | (v[i].va & (v[i].size - 1)), v[i].size);
    }
    xt_fini(&x);
}
