// SPDX-License-Identifier: MIT
/* Regressions from other models' translation bugs (docs/regressions.md
 * R17-R27), one test each, named after the bug. */
#include "test_xlate_util.h"

/* R19: QEMU asserts on S2AA64 = 0; the architecture says ILLEGAL -> C_BAD_STE. */
TEST(anchor_s2aa64_zero_is_c_bad_ste_not_a_crash)
{
    struct xt x;
    uint64_t ste[8] = {0};
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_NESTED);
    ste_s2(ste, 1, 24, 1, 0, guest_alloc(&x.g, 0x2000, 0x2000));
    st_set(ste, STE_S2AA64, 0);
    guest_write_ste(&x.g, 3, ste);
    r = xt_tr(&x, 3, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, EVT_C_BAD_STE);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STE, .sid = 3 });
    xt_fini(&x);
}

/* R20: QEMU's TBI1 helper reads TBI0. */
TEST(anchor_tbi1_is_read_from_bit_39)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0xFFFFFF8000002000ull, 3, s1_leaf(3, 0x77000, 0), 0);
    cd_make(cd, 0, 25, 0, 1);
    st_set(cd, CD_EPD0, 1);
    st_set(cd, CD_EPD1, 0);
    st_set(cd, CD_T1SZ, 25);
    st_set(cd, CD_TG1, 2);
    cd[2] |= p.root & fld_mask(55, 4);
    st_set(cd, CD_TBI1, 1);         /* TBI0 stays 0 */
    xt_s1_stream(&x, 1, cd);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x12FFFF8000002468ull, VSMMU_ACC_READ), 0x77468, 0x1000);
    xt_fini(&x);
}

/* R21: QEMU 7.2 uses a 4K level-0 block as a 512 GB block. */
TEST(anchor_level0_block_is_translation_fault)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    tb_w64(&x.tb, p.root, s1_leaf(1, 0, 0));        /* L0 entry 0: 0b01 */
    cd_make(cd, p.root, 16, 0, 1);
    xt_s1_stream(&x, 1, cd);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1234000, VSMMU_ACC_READ), EVT_F_TRANSLATION);
    xt_fini(&x);
}

/* R22: QEMU 7.2: no output address-size check at stage 1. */
TEST(anchor_stage1_output_beyond_ips_is_addr_size)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 0x10000000000ull, 0), 0);  /* 2^40 */
    cd_make(cd, p.root, 25, 0, 1);
    st_set(cd, CD_IPS, 2);          /* 40 bits */
    xt_s1_stream(&x, 1, cd);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), EVT_F_ADDR_SIZE);
    xt_fini(&x);
}

/* R23: QEMU 7.2: IOVAs at or above 2^48 never reach the SMMU; the architecture
 * gives F_TRANSLATION with the full InputAddr. */
TEST(anchor_iova_above_48_bits_is_translation_fault)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    cd_make(cd, p.root, 16, 0, 1);
    xt_s1_stream(&x, 1, cd);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 1ull << 48, VSMMU_ACC_READ), EVT_F_TRANSLATION);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 1, .rnw = true,
                                       .class_ = EVT_CLASS_IN, .input = 1ull << 48 });
    xt_fini(&x);
}

/* R24: QEMU: L2 taken as 2^Span STEs, and the error reported as C_BAD_STE. */
TEST(anchor_l1std_span_holds_2_pow_span_minus_1)
{
    struct guest_opts o = { .split = 6 };
    struct xt x;
    uint64_t l2, ste[8] = {0};

    xt_init(&x, NULL, &o);
    l2 = guest_alloc(&x.g, 8 * 64, 8 * 64);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_BYPASS);
    for (unsigned i = 0; i < 16; i++)           /* valid STEs beyond the span too */
        for (unsigned q = 0; q < 8; q++)
            tb_w64(&x.tb, l2 + 64 * i + 8 * q, ste[q]);
    tb_w64(&x.tb, x.g.strtab, fld_set(0, L1STD_SPAN, 4) | l2);   /* 8 STEs */
    CHECK_EQ(guest_cfgi_all(&x.g), 0);
    CHECK_OK(xt_tr(&x, 7, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x1000, 1ull << 48);
    CHECK_FAULT(xt_tr(&x, 8, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), EVT_C_BAD_STREAMID);
    xt_fini(&x);
}

/* R17: QEMU put the F_STE_FETCH and F_CD_FETCH addresses in the wrong words:
 * FetchAddr is dword 3 [55:3]; dword 2 (InputAddr) stays 0. */
TEST(anchor_fetch_addresses_in_dword3)
{
    struct xt x;
    uint64_t ste[8], rec[4];

    xt_init(&x, NULL, NULL);
    ste_s1(ste, 0x20000040ull);
    guest_write_ste(&x.g, 2, ste);
    CHECK_FAULT(xt_tr(&x, 2, VSMMU_NO_SSID, 0xABC000, VSMMU_ACC_READ), EVT_F_CD_FETCH);
    CHECK(guest_pop_event(&x.g, rec));
    CHECK_EQ(rec[2], 0);
    CHECK_EQ(rec[3], 0x20000040ull);
    tb_w64(&x.tb, x.g.strtab + 8 * 3, fld_set(0, L1STD_SPAN, 9) | 0x30000000ull);
    CHECK_FAULT(xt_tr(&x, 0x305, VSMMU_NO_SSID, 0xABC000, VSMMU_ACC_READ), EVT_F_STE_FETCH);
    CHECK(guest_pop_event(&x.g, rec));
    CHECK_EQ(rec[2], 0);
    CHECK_EQ(rec[3], 0x30000000ull + 5 * 64);
    xt_fini(&x);
}

/* R25: QEMU 7.2 keeps a cached entry's write permission from a walk whose
 * APTable forbade writes. */
TEST(anchor_aptable_survives_in_cached_entries)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 0x5000, 0), fld_set(0, PTE_APTABLE, 2));
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    for (unsigned i = 0; i < 3; i++)
        CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x5000, 0x1000);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE), EVT_F_PERMISSION);
    xt_fini(&x);
}

/* R18: QEMU's 2024 nested fixes: CLASS encoding and the IPA in stage-2 events
 * (CLASS = TT with the descriptor IPA, CLASS = IN with the output IPA). */
TEST(anchor_stage2_event_class_and_ipa)
{
    struct xt x;
    struct pt s2, s1;
    uint64_t ste[8], cd[8], cdpa, rec[4];
    const uint64_t off = 0x100000000ull;

    xt_init(&x, NULL, NULL);
    pt_new(&s2, &x, 12, 1, 40, 0);
    pt_set(&s2, off + RAM, 1, s2_leaf(1, RAM, 0), 0);
    pt_new(&s1, &x, 12, 1, 39, off);
    pt_set(&s1, 0x1000, 3, s1_leaf(3, 0x80001000ull, 0), 0);
    cd_make(cd, s1.root + off, 25, 0, 1);
    cdpa = guest_alloc(&x.g, 64, 64);
    cd_write(&x, cdpa, cd);
    ste_s1(ste, cdpa + off);
    st_set(ste, STE_CONFIG, STE_CFG_NESTED);
    ste_s2(ste, 1, 24, 1, 0, s2.root);
    guest_write_ste(&x.g, 1, ste);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1234, VSMMU_ACC_READ), EVT_F_TRANSLATION);
    CHECK(guest_pop_event(&x.g, rec));
    CHECK_EQ(st_get(rec, EVT_S2), 1);
    CHECK_EQ(st_get(rec, EVT_CLASS), EVT_CLASS_IN);
    CHECK_EQ(st_get(rec, EVT_IPA), 0x80001000ull >> 12);
    CHECK_EQ(rec[2], 0x1234);
    /* Unmap the stage-1 level-3 table's IPA page at stage 2 -> CLASS TT. */
    {
        uint64_t l3 = (tb_r64(&x.tb, pt_slot(&s1, 0x1000, 2, 0)) & fld_mask(47, 12));
        pt_set(&s2, l3, 1, 0, 0);           /* the whole 1 GB: invalid */
        CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
        CHECK_EQ(guest_cfgi_all(&x.g), 0);
        CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1234, VSMMU_ACC_READ), EVT_F_TRANSLATION);
        CHECK(guest_pop_event(&x.g, rec));
        CHECK_EQ(st_get(rec, EVT_S2), 1);
        /* The CD lives in the same 1 GB, so the first stage-2 fault is the
         * CD fetch: CLASS = CD with the CD's IPA. */
        CHECK_EQ(st_get(rec, EVT_CLASS), EVT_CLASS_CD);
        CHECK_EQ(st_get(rec, EVT_IPA), (cdpa + off) >> 12);
    }
    xt_fini(&x);
}

/* R26: The CD valid bit is bit 31 (QEMU once used another bit). */
TEST(anchor_cd_valid_is_bit_31)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 0x5000, 0), 0);
    cd_make(cd, p.root, 25, 0, 1);
    cd[0] &= ~(1ull << 31);
    xt_s1_stream(&x, 1, cd);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), EVT_C_BAD_CD);
    cd[0] |= 1ull << 31;
    xt_s1_stream(&x, 2, cd);
    CHECK_OK(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x5000, 0x1000);
    xt_fini(&x);
}

/* R27: The linear stream table base is aligned to the table size by the SMMU
 * (QEMU once did not mask or align it). */
TEST(anchor_linear_strtab_base_aligned)
{
    struct guest_opts o = { .linear = true, .sid_bits = 4, .no_smmuen = true };
    struct xt x;
    uint64_t ste[8] = {0};
    uint32_t cr0;

    xt_init(&x, NULL, &o);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_BYPASS);
    for (unsigned q = 0; q < 8; q++)
        tb_w64(&x.tb, x.g.strtab + 64 * 1 + 8 * q, ste[q]);
    /* Base with bits below the 1 KB table size set: ignored. */
    tb_writeq(&x.tb, R_STRTAB_BASE, x.g.strtab | 0x340);
    cr0 = tb_readl(&x.tb, R_CR0) | (uint32_t)fld_mask(CR0_SMMUEN);
    tb_writel(&x.tb, R_CR0, cr0);
    CHECK_EQ(tb_readl(&x.tb, R_CR0ACK), cr0);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x1000, 1ull << 48);
    xt_fini(&x);
}
