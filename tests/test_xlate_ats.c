// SPDX-License-Identifier: MIT
/* PCIe ATS: Translated transactions (F_TRANSL_FORBIDDEN, CR0.ATSCHK,
 * STE.EATS, split-stage stage-2 translation), Translation Requests
 * (F_BAD_ATS_TREQ, UR / CA / R = W = 0 completions, permissions granted,
 * split-stage IPA answers) and the STE EATS legality checks, with ATS
 * advertised and not.  Event records are checked to all 32 bytes. */
#include "test_xlate_util.h"

#define TRD VSMMU_ACC_ATS_TRANSLATED
#define TRQ VSMMU_ACC_ATS_REQUEST
#define OFF 0x100000000ull      /* nested: IPA of guest RAM = PA + OFF */

static void cfg_ats(struct vsmmu_config *cfg)
{
    vsmmu_config_default(cfg);
    cfg->ats = true;
    cfg->ssidsize = 8;
}

/* A test bed with ATS advertised (cfg_ats) and a guest brought up with @o. */
static void ats_init(struct xt *x, const struct guest_opts *o)
{
    struct vsmmu_config cfg;

    cfg_ats(&cfg);
    xt_init(x, &cfg, o);
}

static void set_atschk(struct xt *x, bool on)
{
    uint32_t v = tb_readl(&x->tb, R_CR0);
    v = on ? v | (uint32_t)fld_mask(CR0_ATSCHK) : v & ~(uint32_t)fld_mask(CR0_ATSCHK);
    tb_writel(&x->tb, R_CR0, v);
    CHECK_EQ(tb_readl(&x->tb, R_CR0ACK), v);
}

/* Pop one record and compare its 4 dwords. */
static void expect_rec(struct xt *x, uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3)
{
    uint64_t got[4], want[4] = { d0, d1, d2, d3 };
    CHECK_MSG(guest_pop_event(&x->g, got), "no event recorded (expected type 0x%llx)",
              (unsigned long long)(d0 & 0xFF));
    for (int i = 0; i < 4; i++)
        CHECK_MSG(got[i] == want[i], "event dw%d: got 0x%016llx want 0x%016llx", i,
                  (unsigned long long)got[i], (unsigned long long)want[i]);
}

/* F_TRANSL_FORBIDDEN: StreamID, RnW, InputAddr; nothing else. */
static void expect_forbidden(struct xt *x, uint32_t sid, bool rnw, uint64_t addr)
{
    uint64_t r[4] = { 0 };
    st_set(r, EVT_TYPE, EVT_F_TRANSL_FORBIDDEN);
    st_set(r, EVT_SID, sid);
    st_set(r, EVT_RNW, rnw);
    r[2] = addr;
    expect_rec(x, r[0], r[1], r[2], r[3]);
}

/* F_BAD_ATS_TREQ: SSV/SubstreamID, InputAddr[63:12], R/W/X/P, Span = 1. */
static void expect_bad_treq(struct xt *x, uint32_t sid, uint32_t ssid, uint64_t addr, bool w,
                            bool xx, bool p)
{
    uint64_t r[4] = { 0 };
    st_set(r, EVT_TYPE, EVT_F_BAD_ATS_TREQ);
    st_set(r, EVT_SID, sid);
    if (ssid != VSMMU_NO_SSID) {
        st_set(r, EVT_SSV, 1);
        st_set(r, EVT_SSID, ssid);
    }
    st_set(r, EVT_ATS_SPAN, 1);
    st_set(r, EVT_ATS_R, 1);
    st_set(r, EVT_ATS_W, w);
    st_set(r, EVT_ATS_X, xx);
    st_set(r, EVT_ATS_P, p);
    r[2] = addr & ~0xFFFull;
    expect_rec(x, r[0], r[1], r[2], r[3]);
}

/* A stage-1 stream: 4K granule, T0SZ 25 (tables from @p), one CD or, with
 * @cdmax, a linear table of 2^cdmax CDs all equal. */
static void s1_stream(struct xt *x, uint32_t sid, const struct pt *p, unsigned eats,
                      unsigned cdmax, unsigned s1dss)
{
    uint64_t cd[8], ste[8], cdpa;

    cd_make(cd, p->root, 25, 0, 3);
    cdpa = guest_alloc(&x->g, 64ull << cdmax, 64ull << cdmax);
    for (unsigned i = 0; i < (1u << cdmax); i++)
        cd_write(x, cdpa + 64ull * i, cd);
    ste_s1(ste, cdpa);
    st_set(ste, STE_EATS, eats);
    st_set(ste, STE_S1CDMAX, cdmax);
    st_set(ste, STE_S1DSS, s1dss);
    guest_write_ste(&x->g, sid, ste);
}

static void plain_ste(struct xt *x, uint32_t sid, unsigned config, unsigned eats)
{
    uint64_t ste[8] = { 0 };
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, config);
    st_set(ste, STE_EATS, eats);
    guest_write_ste(&x->g, sid, ste);
}

/* Stage-1 tables: VA 0x1000 -> 0x5000 RW (both levels), 0x2000 RO,
 * 0x3000 privileged RW only (AP = 00), 0x200000 2 MB block -> 0x800000. */
static void s1_tables(struct xt *x, struct pt *p)
{
    pt_new(p, x, 12, 1, 39, 0);
    pt_set(p, 0x1000, 3, s1_leaf(3, 0x5000, 0), 0);
    pt_set(p, 0x2000, 3, s1_leaf_ap(3, 0x6000, 3, 0), 0);
    pt_set(p, 0x3000, 3, s1_leaf_ap(3, 0x7000, 0, 0), 0);
    pt_set(p, 0x200000, 2, s1_leaf(2, 0x800000, 0), 0);
}

/* ---- arguments ------------------------------------------------------------------ */

TEST(ats_flags_need_ats_advertised)
{
    struct xt x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);        /* ATS not advertised */
    CHECK_EQ(fld_get(tb_readl(&x.tb, R_IDR0), IDR0_ATS), 0);
    CHECK_EQ(vsmmu_translate(x.tb.s, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD, &r), -EINVAL);
    CHECK_EQ(vsmmu_translate(x.tb.s, 1, VSMMU_NO_SSID, 0x1000, TRQ, &r), -EINVAL);
    xt_expect_no_event(&x);
    xt_fini(&x);

    ats_init(&x, NULL);
    CHECK_EQ(fld_get(tb_readl(&x.tb, R_IDR0), IDR0_ATS), 1);
    /* Both kinds at once, unknown bits, a Translated access without R/W/X. */
    CHECK_EQ(vsmmu_translate(x.tb.s, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD | TRQ, &r),
             -EINVAL);
    CHECK_EQ(vsmmu_translate(x.tb.s, 1, VSMMU_NO_SSID, 0x1000, TRQ | (1u << 6), &r), -EINVAL);
    CHECK_EQ(vsmmu_translate(x.tb.s, 1, VSMMU_NO_SSID, 0x1000, TRD, &r), -EINVAL);
    CHECK_EQ(vsmmu_translate(x.tb.s, 1, 0x100000, 0x1000, TRQ, &r), -EINVAL);
    /* A request needs no access bit (read is implied). */
    CHECK_EQ(vsmmu_translate(x.tb.s, 1, VSMMU_NO_SSID, 0x1000, TRQ, &r), 0);
    xt_fini(&x);
}

/* ---- STE.EATS legality (ATS advertised) and IGNORED (not advertised) ---------------- */

TEST(ats_ste_eats_legality)
{
    struct xt x;
    struct pt p;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    ats_init(&x, NULL);
    s1_tables(&x, &p);
    /* EATS = 10 needs Config = 111: stage 1 only is ILLEGAL. */
    s1_stream(&x, 1, &p, 2, 0, 0);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_STE);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STE, .sid = 1 });
    /* EATS = 01 and 11 (reserved without DPT, behaves as 00) are legal. */
    s1_stream(&x, 2, &p, 1, 0, 0);
    CHECK_OK(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x5000, 0x1000);
    s1_stream(&x, 3, &p, 3, 0, 0);
    CHECK_OK(xt_tr(&x, 3, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x5000, 0x1000);
    /* Config bypass and abort ignore EATS. */
    plain_ste(&x, 4, STE_CFG_BYPASS, 2);
    CHECK_OK(xt_tr(&x, 4, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x1000, 1ull << 48);
    plain_ste(&x, 5, STE_CFG_ABORT, 2);
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, 0);
    xt_expect_no_event(&x);
    xt_fini(&x);

    /* Without ATS the field is IGNORED: the same STE translates. */
    xt_init(&x, NULL, NULL);
    s1_tables(&x, &p);
    s1_stream(&x, 1, &p, 2, 0, 0);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x5000, 0x1000);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* ---- Translated transactions ---------------------------------------------------------- */

/* SMMUEN = 0: F_TRANSL_FORBIDDEN whatever GBPA says (it says bypass here,
 * which ordinary traffic gets). */
TEST(ats_translated_smmuen0_forbidden)
{
    struct guest_opts o = { .no_smmuen = true };
    struct xt x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    ats_init(&x, &o);
    CHECK_OK(xt_tr(&x, 4, VSMMU_NO_SSID, 0x123456, VSMMU_ACC_READ), 0x123456, 1ull << 48);
    r = xt_tr(&x, 4, 7, 0x123456, VSMMU_ACC_WRITE | TRD);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, EVT_F_TRANSL_FORBIDDEN);
    CHECK(r.recorded);
    /* By hand: type 0x07, StreamID 4, RnW = 0 (write), InputAddr. No SSV. */
    expect_rec(&x, 0x0000000400000007ull, 0, 0x123456, 0);
    r = xt_tr(&x, 0xFFFF, VSMMU_NO_SSID, 0xFFFFFFFFFFFFF001ull, VSMMU_ACC_READ | TRD);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    expect_rec(&x, 0x0000FFFF00000007ull, 1ull << 35, 0xFFFFFFFFFFFFF001ull, 0);
    /* With the event queue disabled the transaction still aborts. */
    tb_writel(&x.tb, R_CR0, tb_readl(&x.tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    r = xt_tr(&x, 4, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, EVT_F_TRANSL_FORBIDDEN);
    CHECK(!r.recorded);
    xt_fini(&x);
}

/* ATSCHK = 0: Translated traffic passes with no STE lookup at all, even for
 * invalid, abort or out-of-range streams; above the OAS it aborts silently. */
TEST(ats_translated_atschk0_passes)
{
    struct xt x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    unsigned reads;

    ats_init(&x, NULL);
    plain_ste(&x, 2, STE_CFG_ABORT, 0);
    reads = x.tb.mem_reads;
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x40001234ull, VSMMU_ACC_WRITE | TRD);   /* V = 0 */
    CHECK_OK(r, 0x40001234ull, 1ull << 48);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X);
    CHECK_OK(xt_tr(&x, 2, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ | TRD), 0x5000, 1ull << 48);
    CHECK_OK(xt_tr(&x, 1u << 20, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ | TRD), 0x5000,
             1ull << 48);
    CHECK_EQ(x.tb.mem_reads, reads);        /* the stream table was not read */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 1ull << 48, VSMMU_ACC_READ | TRD);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&x);
    /* The same invalid STE with ordinary traffic: C_BAD_STE. */
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ), EVT_C_BAD_STE);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STE, .sid = 1 });
    xt_fini(&x);
}

/* ATSCHK = 1: the STE decides. */
TEST(ats_translated_atschk1_checks_ste)
{
    struct xt x;
    struct pt p;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    ats_init(&x, NULL);
    set_atschk(&x, true);
    s1_tables(&x, &p);
    /* Config bypass: F_TRANSL_FORBIDDEN, whatever EATS says. */
    plain_ste(&x, 1, STE_CFG_BYPASS, 1);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x9000, VSMMU_ACC_READ | TRD);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, EVT_F_TRANSL_FORBIDDEN);
    expect_forbidden(&x, 1, true, 0x9000);
    /* ... while ordinary traffic of that stream bypasses. */
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x9000, VSMMU_ACC_READ), 0x9000, 1ull << 48);
    /* EATS = 00 and 11 (no DPT): F_TRANSL_FORBIDDEN; the SubstreamID is not
     * presented (no IDR3.PASIDTT). */
    s1_stream(&x, 2, &p, 0, 0, 0);
    r = xt_tr(&x, 2, 5, 0xABC123ull, VSMMU_ACC_WRITE | VSMMU_ACC_PRIV | TRD);
    CHECK_EQ(r.event_type, EVT_F_TRANSL_FORBIDDEN);
    expect_forbidden(&x, 2, false, 0xABC123ull);
    s1_stream(&x, 3, &p, 3, 0, 0);
    CHECK_EQ(xt_tr(&x, 3, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD).event_type,
             EVT_F_TRANSL_FORBIDDEN);
    expect_forbidden(&x, 3, true, 0x1000);
    /* EATS = 01: the address is a PA and passes untranslated. */
    s1_stream(&x, 4, &p, 1, 0, 0);
    r = xt_tr(&x, 4, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE | TRD);
    CHECK_OK(r, 0x1000, 1ull << 48);
    r = xt_tr(&x, 4, VSMMU_NO_SSID, 1ull << 50, VSMMU_ACC_WRITE | TRD);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    /* Config abort, an invalid STE, an out-of-range StreamID: abort with
     * no event (REC_CFG_ATS = 0; RECINVSID does not apply). */
    plain_ste(&x, 5, STE_CFG_ABORT, 1);
    CHECK_FAULT(xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD), 0);
    CHECK_FAULT(xt_tr(&x, 6, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD), 0);
    CHECK_FAULT(xt_tr(&x, 1u << 20, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD), 0);
    /* S1CDMax > 0 with S1DSS = terminate: F_STREAM_DISABLED, not recorded;
     * S1DSS = bypass passes. */
    s1_stream(&x, 7, &p, 1, 1, S1DSS_TERMINATE);
    CHECK_FAULT(xt_tr(&x, 7, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD), 0);
    s1_stream(&x, 8, &p, 1, 1, S1DSS_BYPASS);
    CHECK_OK(xt_tr(&x, 8, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD), 0x1000, 1ull << 48);
    xt_expect_no_event(&x);
    /* A cached configuration gives the same answers. */
    CHECK_OK(xt_tr(&x, 4, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x5000, 0x1000);
    CHECK_OK(xt_tr(&x, 4, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD), 0x1000, 1ull << 48);
    CHECK_OK(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x5000, 0x1000);
    CHECK_EQ(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD).event_type,
             EVT_F_TRANSL_FORBIDDEN);
    expect_forbidden(&x, 2, true, 0x1000);
    /* Back to ATSCHK = 0: no checks. */
    set_atschk(&x, false);
    CHECK_OK(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | TRD), 0x1000, 1ull << 48);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* ---- nested streams for split-stage ATS ------------------------------------------------ */

struct nest {
    struct xt x;
    struct pt s2, s1;
    uint64_t ste[8], cd[8], cdpa;
};

/* Stage 2: IPA [OFF + RAM, +1G) -> RAM, [0x80000000, +1G) -> 0xC0000000
 * (1 GB blocks), 0x100000000 + n*4K -> 0xD0000000 + n*4K (n < 4).
 * Stage 1: VA 0x1000 -> IPA 0x80001000 (page), 0x400000 -> IPA
 * 0x100000000 (2 MB block over stage-2 pages), 0x600000 -> IPA 0x80200000
 * (2 MB block inside a stage-2 1 GB block), 0x5000 -> IPA 0x300000000
 * (stage 2 unmapped), 0x6000 privileged-only -> IPA 0x80006000. */
static void nest_init(struct nest *n, unsigned eats)
{
    ats_init(&n->x, NULL);
    pt_new(&n->s2, &n->x, 12, 1, 40, 0);
    pt_set(&n->s2, OFF + RAM, 1, s2_leaf(1, RAM, 0), 0);
    pt_set(&n->s2, 0x80000000ull, 1, s2_leaf(1, 0xC0000000ull, 0), 0);
    for (unsigned i = 0; i < 4; i++)
        pt_set(&n->s2, 0x100000000ull + 0x1000ull * i, 3,
               s2_leaf(3, 0xD0000000ull + 0x1000ull * i, 0), 0);
    pt_new(&n->s1, &n->x, 12, 1, 39, OFF);
    pt_set(&n->s1, 0x1000, 3, s1_leaf(3, 0x80001000ull, 0), 0);
    pt_set(&n->s1, 0x400000, 2, s1_leaf(2, 0x100000000ull, 0), 0);
    pt_set(&n->s1, 0x600000, 2, s1_leaf(2, 0x80200000ull, 0), 0);
    pt_set(&n->s1, 0x5000, 3, s1_leaf(3, 0x300000000ull, 0), 0);
    pt_set(&n->s1, 0x6000, 3, s1_leaf_ap(3, 0x300001000ull, 0, 0), 0);
    cd_make(n->cd, n->s1.root + OFF, 25, 0, 9);
    n->cdpa = guest_alloc(&n->x.g, 64, 64);
    cd_write(&n->x, n->cdpa, n->cd);
    ste_s1(n->ste, n->cdpa + OFF);
    st_set(n->ste, STE_CONFIG, STE_CFG_NESTED);
    ste_s2(n->ste, 4, 24, 1, 0, n->s2.root);
    st_set(n->ste, STE_EATS, eats);
    guest_write_ste(&n->x.g, 1, n->ste);
}

/* EATS = 10 with ATSCHK = 1: a Translated address is an IPA that stage 2
 * translates; its faults are recorded as for ordinary traffic (SSV = 0,
 * PnU = InD = 0, S2 = 1, CLASS = IN, IPA). */
TEST(ats_translated_split_stage2)
{
    struct nest n;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    nest_init(&n, 2);
    /* With ATSCHK = 0, EATS = 10 behaves as 00, but ATSCHK = 0 checks nothing. */
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x80001010ull, VSMMU_ACC_READ | TRD), 0x80001010ull,
             1ull << 48);
    set_atschk(&n.x, true);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x80001010ull, VSMMU_ACC_WRITE | TRD);
    CHECK_OK(r, 0xC0001010ull, 0x40000000ull);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X);
    CHECK_OK(xt_tr(&n.x, 1, 3, 0x100002008ull, VSMMU_ACC_READ | VSMMU_ACC_PRIV | TRD),
             0xD0002008ull, 0x1000);
    /* Unmapped at stage 2. */
    r = xt_tr(&n.x, 1, 3, 0x300000010ull, VSMMU_ACC_READ | VSMMU_ACC_PRIV | VSMMU_ACC_EXEC | TRD);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    CHECK(r.recorded);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 1, .rnw = true,
                                         .s2 = true, .class_ = EVT_CLASS_IN,
                                         .input = 0x300000010ull, .ipa = 0x300000010ull });
    /* Read-only at stage 2: a write is a stage-2 permission fault. */
    pt_set(&n.s2, 0x80000000ull, 1, fld_set(s2_leaf(1, 0xC0000000ull, 0), PTE_S2AP, 1), 0);
    CHECK_EQ(guest_tlbi_nsnh_all(&n.x.g), 0);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x80001010ull, VSMMU_ACC_WRITE | TRD);
    CHECK_FAULT(r, EVT_F_PERMISSION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_PERMISSION, .sid = 1, .s2 = true,
                                         .class_ = EVT_CLASS_IN, .input = 0x80001010ull,
                                         .ipa = 0x80001010ull });
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x80001010ull, VSMMU_ACC_READ | TRD);
    CHECK_OK(r, 0xC0001010ull, 0x40000000ull);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_X);
    /* Beyond the IAS (48 bits): stage-1 F_ADDR_SIZE, CLASS = IN. */
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 1ull << 48, VSMMU_ACC_READ | TRD);
    CHECK_FAULT(r, EVT_F_ADDR_SIZE);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_ADDR_SIZE, .sid = 1, .rnw = true,
                                         .class_ = EVT_CLASS_IN, .input = 1ull << 48 });
    /* S2R = 0 suppresses the stage-2 fault record. */
    st_set(n.ste, STE_S2R, 0);
    guest_write_ste(&n.x.g, 1, n.ste);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x300000010ull, VSMMU_ACC_READ | TRD);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&n.x);
    xt_fini(&n.x);
}

/* EATS = 01 nested: Translated addresses are PAs, stage 2 is not applied. */
TEST(ats_translated_full_nested_is_pa)
{
    struct nest n;

    nest_init(&n, 1);
    set_atschk(&n.x, true);
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x300000010ull, VSMMU_ACC_READ | TRD),
             0x300000010ull, 1ull << 48);
    xt_expect_no_event(&n.x);
    xt_fini(&n.x);
}

/* ---- Translation Requests --------------------------------------------------------------- */

/* SMMUEN = 0: UR and F_BAD_ATS_TREQ (R/W/X/P as requested, Span 1,
 * InputAddr[63:12]). */
TEST(ats_request_smmuen0_bad_treq)
{
    struct guest_opts o = { .no_smmuen = true };
    struct xt x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    ats_init(&x, &o);
    r = xt_tr(&x, 3, 5, 0x12345678ull, VSMMU_ACC_WRITE | VSMMU_ACC_EXEC | VSMMU_ACC_PRIV | TRQ);
    CHECK_EQ(r.status, VSMMU_XLATE_ATS_UR);
    CHECK_EQ(r.event_type, EVT_F_BAD_ATS_TREQ);
    CHECK(r.recorded);
    /* By hand: type 5, SSV, SubstreamID 5, StreamID 3; Span 1 and R, W, X,
     * P at bits 95..92; InputAddr with bits 11:0 clear. */
    expect_rec(&x, 0x0000000300005805ull, 0xF0000001ull, 0x12345000ull, 0);
    /* Without a PASID, Exe and Priv are not part of the request. */
    r = xt_tr(&x, 3, VSMMU_NO_SSID, 0xFFFFFFFFFFFFFFFFull,
              VSMMU_ACC_EXEC | VSMMU_ACC_PRIV | TRQ);
    CHECK_EQ(r.status, VSMMU_XLATE_ATS_UR);
    expect_rec(&x, 0x0000000300000005ull, 0x80000001ull, 0xFFFFFFFFFFFFF000ull, 0);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

TEST(ats_request_refusals)
{
    struct xt x;
    struct pt p;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    ats_init(&x, NULL);
    s1_tables(&x, &p);
    /* Config abort: UR, no event. */
    plain_ste(&x, 1, STE_CFG_ABORT, 1);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, TRQ);
    CHECK_EQ(r.status, VSMMU_XLATE_ATS_UR);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&x);
    /* Config bypass (EATS IGNORED): UR + F_BAD_ATS_TREQ, before the
     * SubstreamID check an ordinary transaction would make. */
    plain_ste(&x, 2, STE_CFG_BYPASS, 1);
    r = xt_tr(&x, 2, 9, 0x2345ull, VSMMU_ACC_READ | VSMMU_ACC_WRITE | TRQ);
    CHECK_EQ(r.status, VSMMU_XLATE_ATS_UR);
    CHECK_EQ(r.event_type, EVT_F_BAD_ATS_TREQ);
    expect_bad_treq(&x, 2, 9, 0x2345ull, true, false, false);
    /* EATS = 00 and 11 (no DPT). */
    s1_stream(&x, 3, &p, 0, 0, 0);
    CHECK_EQ(xt_tr(&x, 3, VSMMU_NO_SSID, 0x1000, TRQ).status, VSMMU_XLATE_ATS_UR);
    expect_bad_treq(&x, 3, VSMMU_NO_SSID, 0x1000, false, false, false);
    s1_stream(&x, 4, &p, 3, 0, 0);
    CHECK_EQ(xt_tr(&x, 4, VSMMU_NO_SSID, 0x1000, TRQ).status, VSMMU_XLATE_ATS_UR);
    expect_bad_treq(&x, 4, VSMMU_NO_SSID, 0x1000, false, false, false);
    /* Configuration errors: CA, no event (REC_CFG_ATS = 0), RECINVSID set. */
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, TRQ);                  /* V = 0 */
    CHECK_EQ(r.status, VSMMU_XLATE_ATS_CA);
    CHECK_EQ(r.event_type, 0);
    CHECK_EQ(xt_tr(&x, 1u << 20, VSMMU_NO_SSID, 0x1000, TRQ).status, VSMMU_XLATE_ATS_CA);
    s1_stream(&x, 6, &p, 1, 0, 0);
    CHECK_EQ(xt_tr(&x, 6, 1, 0x1000, TRQ).status, VSMMU_XLATE_ATS_CA);  /* C_BAD_SUBSTREAMID */
    s1_stream(&x, 7, &p, 1, 1, S1DSS_TERMINATE);
    CHECK_EQ(xt_tr(&x, 7, VSMMU_NO_SSID, 0x1000, TRQ).status, VSMMU_XLATE_ATS_CA);
    {
        uint64_t ste[8], cd[8], cdpa = guest_alloc(&x.g, 64, 64);
        cd_make(cd, p.root, 25, 0, 3);
        st_set(cd, CD_V, 0);
        cd_write(&x, cdpa, cd);
        ste_s1(ste, cdpa);
        st_set(ste, STE_EATS, 1);
        guest_write_ste(&x.g, 8, ste);                            /* C_BAD_CD */
        CHECK_EQ(xt_tr(&x, 8, VSMMU_NO_SSID, 0x1000, TRQ).status, VSMMU_XLATE_ATS_CA);
        ste_s1(ste, 0x10000000ull);                               /* F_CD_FETCH */
        st_set(ste, STE_EATS, 1);
        guest_write_ste(&x.g, 9, ste);
        CHECK_EQ(xt_tr(&x, 9, VSMMU_NO_SSID, 0x1000, TRQ).status, VSMMU_XLATE_ATS_CA);
    }
    xt_expect_no_event(&x);
    /* The same streams with ordinary traffic do record. */
    CHECK_FAULT(xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), EVT_C_BAD_STE);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STE, .sid = 5 });
    /* EATS = 10 is ILLEGAL for Config 101: CA, no event. */
    s1_stream(&x, 10, &p, 2, 0, 0);
    CHECK_EQ(xt_tr(&x, 10, VSMMU_NO_SSID, 0x1000, TRQ).status, VSMMU_XLATE_ATS_CA);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* Full ATS, stage 1 only: the completion grants what the translation
 * allows the requester; faults give R = W = 0 with no event. */
TEST(ats_request_stage1_permissions)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    ats_init(&x, NULL);
    s1_tables(&x, &p);
    s1_stream(&x, 1, &p, 1, 1, S1DSS_SSID0);
    /* RW page: W is granted even with NW = 1; no X without Exe. */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1234, TRQ);
    CHECK_OK(r, 0x5234, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W);
    /* With a PASID, Exe is granted where executable. */
    r = xt_tr(&x, 1, 1, 0x1234, VSMMU_ACC_EXEC | TRQ);
    CHECK_OK(r, 0x5234, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X);
    /* Not executable (UXN): Exe requested, R and W granted, X not. */
    pt_set(&p, 0x8000, 3, s1_leaf(3, 0xA000, fld_mask(PTE_UXN)), 0);
    r = xt_tr(&x, 1, 1, 0x8000, VSMMU_ACC_EXEC | TRQ);
    CHECK_OK(r, 0xA000, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W);
    /* Read-only page, write intended: R only. */
    r = xt_tr(&x, 1, 1, 0x2000, VSMMU_ACC_WRITE | TRQ);
    CHECK_OK(r, 0x6000, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R);
    /* Privileged-only page: nothing for an unprivileged request, RW (and
     * X: PXN = 0) for a privileged one (Priv needs a PASID). */
    r = xt_tr(&x, 1, 1, 0x3000, VSMMU_ACC_WRITE | TRQ);
    CHECK_OK(r, 0, 0x1000);
    CHECK_EQ(r.perm, 0);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_PRIV | TRQ);     /* Priv ignored */
    CHECK_EQ(r.perm, 0);
    r = xt_tr(&x, 1, 1, 0x3000, VSMMU_ACC_PRIV | VSMMU_ACC_EXEC | TRQ);
    CHECK_OK(r, 0x7000, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X);
    /* 2 MB block: the translation size is the block. */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x2ABCDEull, TRQ);
    CHECK_OK(r, 0x8ABCDEull, 0x200000);
    /* Unmapped, beyond T0SZ, access flag 0: Success with R = W = 0, size
     * = STU (4K), no event even with CD.R = 1. */
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x9000, VSMMU_ACC_WRITE | TRQ), 0, 0x1000);
    CHECK_OK(xt_tr(&x, 1, 1, 1ull << 40, TRQ), 0, 0x1000);
    pt_set(&p, 0x4000, 3, s1_leaf(3, 0x9000, 0) & ~fld_mask(PTE_AF), 0);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x4000, TRQ);
    CHECK_OK(r, 0, 0x1000);
    CHECK_EQ(r.perm, 0);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&x);
    /* The ordinary access to 0x4000 records F_ACCESS. */
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x4000, VSMMU_ACC_READ), EVT_F_ACCESS);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_ACCESS, .sid = 1, .rnw = true,
                                       .class_ = EVT_CLASS_IN, .input = 0x4000 });
    /* An unreadable table: F_WALK_EABT gives CA, no event. */
    pt_set(&p, 0x40000000ull, 2, 0x10000000ull | 3, 0);
    CHECK_EQ(xt_tr(&x, 1, VSMMU_NO_SSID, 0x40000000ull, TRQ).status, VSMMU_XLATE_ATS_CA);
    xt_expect_no_event(&x);
    /* The STU follows the smallest granule advertised. */
    xt_fini(&x);
    cfg_ats(&cfg);
    cfg.gran4k = false;
    xt_init(&x, &cfg, NULL);
    {
        uint64_t ste[8], cd[8], cdpa = guest_alloc(&x.g, 64, 64);
        cd_make(cd, guest_alloc(&x.g, 0x4000, 0x4000), 25, 2, 3);  /* 16K, all invalid */
        cd_write(&x, cdpa, cd);
        ste_s1(ste, cdpa);
        st_set(ste, STE_EATS, 1);
        guest_write_ste(&x.g, 1, ste);
    }
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, TRQ), 0, 0x4000);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* S1DSS skips the only stage (Config 101): an identity answer, R = W = 1,
 * no X, the whole OAS. */
TEST(ats_request_s1dss_bypass_identity)
{
    struct xt x;
    struct pt p;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    ats_init(&x, NULL);
    s1_tables(&x, &p);
    s1_stream(&x, 1, &p, 1, 1, S1DSS_BYPASS);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x76543210ull, VSMMU_ACC_WRITE | TRQ);
    CHECK_OK(r, 0x76543210ull, 1ull << 48);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 1ull << 48, TRQ), 0, 0x1000);     /* F_ADDR_SIZE */
    /* With a SubstreamID, stage 1 translates. */
    CHECK_OK(xt_tr(&x, 1, 1, 0x1000, TRQ), 0x5000, 0x1000);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* Nested, full ATS: the PA of both stages, the smaller page; split-stage:
 * the IPA; stage-2 faults deny; nothing granted at stage 1 skips stage 2. */
TEST(ats_request_nested_full_and_split)
{
    struct nest n;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    nest_init(&n, 1);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x1010, VSMMU_ACC_WRITE | TRQ);
    CHECK_OK(r, 0xC0001010ull, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W);
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x403010, TRQ), 0xD0003010ull, 0x1000);
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x612345, TRQ), 0xC0212345ull, 0x200000);
    /* Final IPA unmapped at stage 2: R = W = 0, no event. */
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x5010, TRQ);
    CHECK_OK(r, 0, 0x1000);
    CHECK_EQ(r.perm, 0);
    /* Read-only at stage 2: W is not granted. */
    pt_set(&n.s2, 0x80000000ull, 1, fld_set(s2_leaf(1, 0xC0000000ull, 0), PTE_S2AP, 1), 0);
    CHECK_EQ(guest_tlbi_nsnh_all(&n.x.g), 0);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x1010, VSMMU_ACC_WRITE | TRQ);
    CHECK_OK(r, 0xC0001010ull, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R);
    /* A stage-2 walk that aborts: CA.  But when stage 1 grants the
     * requester nothing (0x6000 is privileged-only), stage 2 is not
     * consulted: R = W = 0 instead. */
    pt_set(&n.s2, 0x300000000ull, 1, 0x10000000ull | 3, 0);
    CHECK_EQ(guest_tlbi_nsnh_all(&n.x.g), 0);
    CHECK_EQ(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x5010, TRQ).status, VSMMU_XLATE_ATS_CA);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x6010, TRQ);
    CHECK_OK(r, 0, 0x1000);
    CHECK_EQ(r.perm, 0);
    /* A stage-2 fault on the CD fetch (CD at an unmapped IPA): R = W = 0,
     * where ordinary traffic records it (S2 = 1, CLASS = CD). */
    n.ste[0] = fld_set(n.ste[0], STE_S1CTXPTR, 0x200000040ull >> 6);
    guest_write_ste(&n.x.g, 2, n.ste);
    r = xt_tr(&n.x, 2, VSMMU_NO_SSID, 0x1010, TRQ);
    CHECK_OK(r, 0, 0x1000);
    CHECK_EQ(r.perm, 0);
    xt_expect_no_event(&n.x);
    CHECK_FAULT(xt_tr(&n.x, 2, VSMMU_NO_SSID, 0x1010, VSMMU_ACC_READ), EVT_F_TRANSLATION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 2, .rnw = true,
                                         .s2 = true, .class_ = EVT_CLASS_CD, .input = 0x1010,
                                         .ipa = 0x200000040ull });
    xt_fini(&n.x);

    /* Split-stage: refused while ATSCHK = 0 (EATS 10 behaves as 00). */
    nest_init(&n, 2);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x1010, TRQ);
    CHECK_EQ(r.status, VSMMU_XLATE_ATS_UR);
    expect_bad_treq(&n.x, 1, VSMMU_NO_SSID, 0x1010, false, false, false);
    set_atschk(&n.x, true);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x1010, VSMMU_ACC_WRITE | TRQ);
    CHECK_OK(r, 0x80001010ull, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W);
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x612345, TRQ), 0x80212345ull, 0x200000);
    /* A 2 MB stage-1 block over 4K stage-2 pages: a 4K answer. */
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x403010, TRQ), 0x100003010ull, 0x1000);
    /* Stage 2 still decides the permissions: unmapped -> R = W = 0. */
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x5010, TRQ), 0, 0x1000);
    xt_expect_no_event(&n.x);
    /* The answer, used as a Translated address, reaches the same PA. */
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x80212345ull, VSMMU_ACC_READ | TRD), 0xC0212345ull,
             0x40000000ull);
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x612345, VSMMU_ACC_READ), 0xC0212345ull, 0x200000);
    xt_fini(&n.x);
}

/* Split-stage with S1DSS skipping stage 1: the identity IPA with stage-2
 * permissions and the stage-2 size. */
TEST(ats_request_split_s1dss_bypass)
{
    struct nest n;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    nest_init(&n, 2);
    set_atschk(&n.x, true);
    st_set(n.ste, STE_S1CDMAX, 1);
    st_set(n.ste, STE_S1DSS, S1DSS_BYPASS);
    guest_write_ste(&n.x.g, 2, n.ste);
    r = xt_tr(&n.x, 2, VSMMU_NO_SSID, 0x80005010ull, VSMMU_ACC_WRITE | TRQ);
    CHECK_OK(r, 0x80005010ull, 0x40000000ull);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W);
    CHECK_OK(xt_tr(&n.x, 2, VSMMU_NO_SSID, 0x100001010ull, TRQ), 0x100001010ull, 0x1000);
    CHECK_OK(xt_tr(&n.x, 2, VSMMU_NO_SSID, 0x200000000ull, TRQ), 0, 0x1000);
    xt_expect_no_event(&n.x);
    xt_fini(&n.x);
}
