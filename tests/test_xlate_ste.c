// SPDX-License-Identifier: MIT
/* Stream table (linear, 2-level), STE fetch and validation, Config abort
 * and bypass, SMMUEN = 0 (GBPA). */
#include "test_xlate_util.h"

static void ste_bypass(uint64_t ste[8])
{
    memset(ste, 0, 64);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_BYPASS);
}

TEST(ste_linear_table_range)
{
    struct guest_opts o = { .linear = true, .sid_bits = 6 };
    struct xt x;
    uint64_t ste[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, &o);
    ste_bypass(ste);
    guest_write_ste(&x.g, 63, ste);
    r = xt_tr(&x, 63, VSMMU_NO_SSID, 0x1234567, VSMMU_ACC_WRITE);
    CHECK_OK(r, 0x1234567, 1ull << 48);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X);
    /* Default STE (all zero): V = 0 -> C_BAD_STE. */
    r = xt_tr(&x, 62, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_STE);
    {
        struct xev e = { .type = EVT_C_BAD_STE, .sid = 62 };
        xt_expect_event(&x, &e);
    }
    /* SID 64 is beyond LOG2SIZE = 6: C_BAD_STREAMID (RECINVSID = 1). */
    r = xt_tr(&x, 64, 0, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_STREAMID);
    CHECK(r.recorded);
    {
        struct xev e = { .type = EVT_C_BAD_STREAMID, .sid = 64, .ssv = true, .ssid = 0 };
        xt_expect_event(&x, &e);
    }
    r = xt_tr(&x, 0xFFFFFFFFu, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_STREAMID);
    {
        struct xev e = { .type = EVT_C_BAD_STREAMID, .sid = 0xFFFFFFFFu };
        xt_expect_event(&x, &e);
    }
    xt_fini(&x);
}

TEST(ste_bad_streamid_needs_recinvsid)
{
    struct guest_opts o = { .linear = true, .sid_bits = 4, .no_recinvsid = true };
    struct xt x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, &o);
    r = xt_tr(&x, 16, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    CHECK(!r.recorded);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* L1STD.Span: the L2 array holds 2^(Span-1) STEs; SIDs past it, Span 0,
 * reserved Spans and Span > SPLIT+1 give C_BAD_STREAMID. */
TEST(ste_2level_span_rules)
{
    struct guest_opts o = { .split = 8, .sid_bits = 16 };
    struct xt x;
    uint64_t ste[8], l2, l1a;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, &o);
    CHECK(x.g.two_level);
    l1a = x.g.strtab + 1 * L1STD_SIZE;          /* SIDs 0x100..0x1FF */
    l2 = guest_alloc(&x.g, 4 * STE_SIZE, 4 * STE_SIZE);
    ste_bypass(ste);
    for (unsigned i = 0; i < 8; i++)
        tb_w64(&x.tb, l2 + 3 * STE_SIZE + 8 * i, ste[i]);
    tb_w64(&x.tb, l1a, fld_set(0, L1STD_SPAN, 3) | l2);
    CHECK_EQ(guest_cfgi_all(&x.g), 0);
    r = xt_tr(&x, 0x103, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x5000, 1ull << 48);
    r = xt_tr(&x, 0x104, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_STREAMID);
    {
        struct xev e = { .type = EVT_C_BAD_STREAMID, .sid = 0x104 };
        xt_expect_event(&x, &e);
    }
    static const unsigned spans[] = { 0, 12, 31, 10 /* > SPLIT + 1 */ };
    for (unsigned k = 0; k < 4; k++) {
        tb_w64(&x.tb, l1a, fld_set(0, L1STD_SPAN, spans[k]) | l2);
        CHECK_EQ(guest_cfgi_all(&x.g), 0);
        r = xt_tr(&x, 0x103, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ);
        CHECK_MSG(r.event_type == EVT_C_BAD_STREAMID, "span %u: event 0x%x", spans[k], r.event_type);
        xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STREAMID, .sid = 0x103 });
    }
    /* L2Ptr bits below the array size are ignored: Span 3 aligns to 256. */
    tb_w64(&x.tb, l1a, fld_set(0, L1STD_SPAN, 3) | l2 | 0xC0);
    CHECK_EQ(guest_cfgi_all(&x.g), 0);
    r = xt_tr(&x, 0x103, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x5000, 1ull << 48);
    xt_fini(&x);
}

/* An unreadable L1STD or STE: F_STE_FETCH with the fetch address. */
TEST(ste_fetch_abort_records_fetch_addr)
{
    struct guest_opts o = { .split = 8, .sid_bits = 16 };
    struct xt x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t ste[8], fa;

    xt_init(&x, NULL, &o);
    /* L2 table in unbacked memory. */
    tb_w64(&x.tb, x.g.strtab + 2 * L1STD_SIZE, fld_set(0, L1STD_SPAN, 9) | 0x10000000ull);
    r = xt_tr(&x, 0x205, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_STE_FETCH);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_STE_FETCH, .sid = 0x205,
                                       .fetch = 0x10000000ull + 5 * 64 });
    CHECK_EQ(vsmmu_ste_fetch(x.tb.s, 0x205, ste, &fa), EVT_F_STE_FETCH);
    CHECK_EQ(fa, 0x10000000ull + 5 * 64);
    /* The L1 table itself aborts. */
    x.tb.abort_lo = x.g.strtab + 3 * L1STD_SIZE;
    x.tb.abort_hi = x.tb.abort_lo + 8;
    r = xt_tr(&x, 0x301, 7, 0x5000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_STE_FETCH);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_STE_FETCH, .sid = 0x301, .ssv = true,
                                       .ssid = 7, .fetch = x.g.strtab + 3 * L1STD_SIZE });
    /* A failed fetch is not cached: once readable, the STE is used. */
    x.tb.abort_lo = x.tb.abort_hi = 0;
    ste_bypass(ste);
    guest_write_ste(&x.g, 0x301, ste);
    r = xt_tr(&x, 0x301, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x5000, 1ull << 48);
    CHECK_EQ(vsmmu_ste_fetch(x.tb.s, 0x301, ste, &fa), 0);
    CHECK_EQ(st_get(ste, STE_CONFIG), STE_CFG_BYPASS);
    CHECK_EQ(vsmmu_ste_fetch(x.tb.s, 0x10000, ste, &fa), EVT_C_BAD_STREAMID);
    xt_fini(&x);
}

/* A valid stage-2 STE to be broken one field at a time. */
static void ste_s2_base(struct xt *x, uint64_t ste[8])
{
    uint64_t ttb = guest_alloc(&x->g, 0x2000, 0x2000);
    memset(ste, 0, 64);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S2);
    ste_s2(ste, 1, 24, 1, 0, ttb);      /* 40-bit IPA, level 1, 2 tables */
}

TEST(ste_illegal_fields_give_c_bad_ste)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    unsigned sid = 1;

    vsmmu_config_default(&cfg);
    cfg.ssidsize = 4;
    cfg.vmid16 = false;
    xt_init(&x, &cfg, NULL);
    /* The base STE is good (a stage-2 translation fault, not C_BAD_STE). */
    ste_s2_base(&x, ste);
    guest_write_ste(&x.g, 99, ste);
    r = xt_tr(&x, 99, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    CHECK(guest_pop_event(&x.g, (uint64_t[4]){0}));

    for (unsigned k = 0; k < 15; k++, sid++) {
        ste_s2_base(&x, ste);
        switch (k) {
        case 0: st_set(ste, STE_S2AA64, 0); break;         /* anchor: no assert */
        case 1: st_set(ste, STE_S2TG, 3); break;
        case 2: st_set(ste, STE_S2T0SZ, 15); break;
        case 3: st_set(ste, STE_S2T0SZ, 40); break;
        case 4: st_set(ste, STE_S2SL0, 3); break;
        case 5: st_set(ste, STE_S2SL0, 0); break;          /* L2 start cannot reach 40 bits */
        case 6: st_set(ste, STE_S2T0SZ, 33); st_set(ste, STE_S2SL0, 2); break; /* L0 for 31 bits */
        case 7: st_set(ste, STE_S2PS, 0); ste[3] |= 1ull << 33; break; /* S2TTB beyond S2PS */
        case 8: st_set(ste, STE_S2S, 1); break;            /* no stall model */
        case 9: st_set(ste, STE_S2HD, 1); break;
        case 10: st_set(ste, STE_S2HA, 1); break;          /* HTTU not advertised */
        case 11: st_set(ste, STE_S2VMID, 0x100); break;    /* 8-bit VMIDs */
        case 12: st_set(ste, STE_S2ENDI, 1); break;        /* little-endian only */
        case 13: st_set(ste, STE_V, 0); break;
        case 14: /* stage 1 with S1CDMax > SSIDSIZE */
            st_set(ste, STE_CONFIG, STE_CFG_NESTED);
            st_set(ste, STE_S1CDMAX, 5);
            break;
        }
        guest_write_ste(&x.g, sid, ste);
        r = xt_tr(&x, sid, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
        CHECK_MSG(r.event_type == EVT_C_BAD_STE && r.status == VSMMU_XLATE_FAULT,
                  "case %u: status %d event 0x%x", k, r.status, r.event_type);
        xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STE, .sid = sid });
    }
    /* Stage-1 fields are ignored with Config = 110 (S1STALLD, S1CDMax). */
    ste_s2_base(&x, ste);
    st_set(ste, STE_S1STALLD, 1);
    st_set(ste, STE_S1CDMAX, 31);
    guest_write_ste(&x.g, 50, ste);
    r = xt_tr(&x, 50, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    xt_fini(&x);
}

TEST(ste_stage1_illegal_fields)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    vsmmu_config_default(&cfg);
    cfg.hyp = true;
    cfg.oas_bits = 40;
    xt_init(&x, &cfg, NULL);
    for (unsigned k = 0; k < 3; k++) {
        ste_s1(ste, RAM + 0x1000);
        if (k == 0) st_set(ste, STE_S1STALLD, 1);
        if (k == 1) st_set(ste, STE_STRW, 1);              /* reserved StreamWorld */
        if (k == 2) ste[0] = fld_set(ste[0], 55, 6, (1ull << 40) >> 6); /* beyond OAS */
        guest_write_ste(&x.g, 5 + k, ste);
        r = xt_tr(&x, 5 + k, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
        CHECK_MSG(r.event_type == EVT_C_BAD_STE, "case %u: event 0x%x", k, r.event_type);
        xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STE, .sid = 5 + k });
    }
    xt_fini(&x);
}

TEST(ste_config_abort_and_bypass)
{
    struct xt x;
    uint64_t ste[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    for (unsigned cfgv = 0; cfgv < 4; cfgv++) {
        memset(ste, 0, 64);
        st_set(ste, STE_V, 1);
        st_set(ste, STE_CONFIG, cfgv);
        guest_write_ste(&x.g, 10 + cfgv, ste);
        r = xt_tr(&x, 10 + cfgv, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
        CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
        CHECK_EQ(r.event_type, 0);
        r = xt_tr(&x, 10 + cfgv, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);   /* cached */
        CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    }
    xt_expect_no_event(&x);
    ste_bypass(ste);
    guest_write_ste(&x.g, 20, ste);
    r = xt_tr(&x, 20, VSMMU_NO_SSID, 0xFFFFFFFFFFFFull, VSMMU_ACC_READ | VSMMU_ACC_EXEC);
    CHECK_OK(r, 0xFFFFFFFFFFFFull, 1ull << 48);
    /* Bypass with a SubstreamID: C_BAD_SUBSTREAMID (SSID, no SSV). */
    r = xt_tr(&x, 20, 3, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_SUBSTREAMID);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_SUBSTREAMID, .sid = 20, .ssid = 3 });
    /* Input beyond the OAS: F_ADDR_SIZE, stage 1, CLASS = IN, recorded. */
    r = xt_tr(&x, 20, VSMMU_NO_SSID, 1ull << 48, VSMMU_ACC_WRITE | VSMMU_ACC_PRIV);
    CHECK_FAULT(r, EVT_F_ADDR_SIZE);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_ADDR_SIZE, .sid = 20, .pnu = true,
                                       .class_ = EVT_CLASS_IN, .input = 1ull << 48 });
    xt_fini(&x);
}

TEST(ste_smmuen_0_follows_gbpa)
{
    struct guest_opts o = { .no_smmuen = true };
    struct guest_opts oa = { .no_smmuen = true, .gbpa_abort = true };
    struct xt x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, &o);
    /* guest_init stops before SMMUEN; program GBPA bypass. */
    tb_writel(&x.tb, R_GBPA, (uint32_t)fld_mask(GBPA_UPDATE));
    r = xt_tr(&x, 77, VSMMU_NO_SSID, 0xABCDE123ull, VSMMU_ACC_WRITE);
    CHECK_OK(r, 0xABCDE123ull, 1ull << 48);
    r = xt_tr(&x, 77, 5, 1ull << 48, VSMMU_ACC_READ);   /* beyond OAS: abort */
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&x);
    xt_fini(&x);

    xt_init(&x, NULL, &oa);
    tb_writel(&x.tb, R_GBPA, (uint32_t)(fld_mask(GBPA_UPDATE) | fld_mask(GBPA_ABORT)));
    r = xt_tr(&x, 77, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

TEST(translate_rejects_bad_arguments)
{
    struct xt x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    xt_init(&x, NULL, NULL);
    CHECK_EQ(vsmmu_translate(x.tb.s, 0, VSMMU_NO_SSID, 0, 0, &r), -EINVAL);
    CHECK_EQ(vsmmu_translate(x.tb.s, 0, VSMMU_NO_SSID, 0, 0x10 | VSMMU_ACC_READ, &r), -EINVAL);
    CHECK_EQ(vsmmu_translate(x.tb.s, 0, 1u << 20, 0, VSMMU_ACC_READ, &r), -EINVAL);
    CHECK_EQ(vsmmu_translate(x.tb.s, 0, VSMMU_NO_SSID, 0, VSMMU_ACC_READ, NULL), -EINVAL);
    xt_fini(&x);
}

/* With VSMMU_FLAG_TRACE the reason for C_BAD_STE reaches the log. */
TEST(ste_illegal_reason_is_traced)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8];

    vsmmu_config_default(&cfg);
    cfg.flags |= VSMMU_FLAG_TRACE;
    xt_init(&x, &cfg, NULL);
    ste_s2_base(&x, ste);
    st_set(ste, STE_S2AA64, 0);
    guest_write_ste(&x.g, 1, ste);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), EVT_C_BAD_STE);
    CHECK(tb_log_contains(&x.tb, "S2AA64 = 0"));
    CHECK(tb_log_contains(&x.tb, "C_BAD_STE"));
    xt_fini(&x);
}

/* S2TTB above 48 bits: legal with the 64K granule and a 52-bit S2PS,
 * ILLEGAL with 4K. */
TEST(ste_s2ttb_52bit_with_64k)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8] = {0};

    vsmmu_config_default(&cfg);
    cfg.oas_bits = 52;
    xt_init(&x, &cfg, NULL);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S2);
    ste_s2(ste, 1, 22, 1, 1, 1ull << 49);       /* 64K, 42-bit IPA, level 2 */
    st_set(ste, STE_S2PS, 6);
    guest_write_ste(&x.g, 1, ste);
    /* Valid STE: the walk reads unbacked memory at 2^49. */
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x10000, VSMMU_ACC_READ), EVT_F_WALK_EABT);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_WALK_EABT, .sid = 1, .rnw = true, .s2 = true,
                                       .class_ = EVT_CLASS_IN, .input = 0x10000,
                                       .fetch = 1ull << 49 });
    st_set(ste, STE_S2TG, 0);
    st_set(ste, STE_S2T0SZ, 24);
    guest_write_ste(&x.g, 2, ste);
    CHECK_FAULT(xt_tr(&x, 2, VSMMU_NO_SSID, 0x10000, VSMMU_ACC_READ), EVT_C_BAD_STE);
    xt_fini(&x);
}
