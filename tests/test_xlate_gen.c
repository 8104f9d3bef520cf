// SPDX-License-Identifier: MIT
/* Scope invalidation by generation (src/xlate/tlb_inval.c): by-address
 * invalidation removes exactly the named pages among many, scope-wide
 * invalidation is exact across the clock's rebase (no false hit ever),
 * and a guest that exhausts the probe credit gets over-invalidation,
 * never a stale translation. */
#include "test_xlate_util.h"

#define NPAGES 256u
#define OA_A 0x80000000ull
#define OA_B 0xC0000000ull

static uint64_t oa_of(uint64_t base, unsigned i)
{
    return base + 0x1000ull * i;
}

/* SID 1, ASID 1, VMID 0: NPAGES non-global 4K pages at VA 0x1000 * i. */
static void setup(struct xt *x, struct pt *p, const struct vsmmu_config *cfg)
{
    uint64_t cd[8];

    xt_init(x, cfg, NULL);
    pt_new(p, x, 12, 1, 39, 0);
    for (unsigned i = 0; i < NPAGES; i++)
        pt_set(p, 0x1000ull * i, 3, s1_leaf(3, oa_of(OA_A, i), fld_mask(PTE_NG)), 0);
    cd_make(cd, p->root, 25, 0, 1);
    xt_s1_stream(x, 1, cd);
}

static void remap(struct pt *p, uint64_t base)
{
    for (unsigned i = 0; i < NPAGES; i++)
        pt_set(p, 0x1000ull * i, 3, s1_leaf(3, oa_of(base, i), fld_mask(PTE_NG)), 0);
}

static uint64_t tr(struct xt *x, unsigned i)
{
    struct vsmmu_xlate_result r = xt_tr(x, 1, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_OK);
    return r.addr;
}

static void tlbi_va(uint64_t c[2], uint64_t va, unsigned num, unsigned scale)
{
    guest_cmd_op(c, OP_TLBI_NH_VA);
    st_set(c, CMD_ASID, 1);
    c[1] |= va & fld_mask(63, 12);
    if (num || scale) {
        st_set(c, CMD_TG, 1);
        st_set(c, CMD_NUM, num);
        st_set(c, CMD_SCALE, scale);
    }
}

/* Among NPAGES cached pages, TLBI_NH_VA of one page and of a 32-page range
 * remove exactly those entries. */
TEST(gen_va_inval_exact)
{
    struct xt x;
    struct pt p;
    uint64_t c[2];
    unsigned n;

    setup(&x, &p, NULL);
    for (unsigned i = 0; i < NPAGES; i++)
        CHECK_EQ(tr(&x, i), oa_of(OA_A, i));
    n = vsmmu_xlate_tlb_count(x.tb.s);
    CHECK_EQ(n, NPAGES);
    remap(&p, OA_B);
    tlbi_va(c, 0x1000ull * 17, 0, 0);
    xt_cmd(&x, c);
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), n - 1);
    tlbi_va(c, 0x1000ull * 32, 31, 0);
    xt_cmd(&x, c);
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), n - 33);
    for (unsigned i = 0; i < NPAGES; i++)
        CHECK_EQ(tr(&x, i), oa_of(i == 17 || (i >= 32 && i < 64) ? OA_B : OA_A, i));
    xt_fini(&x);
}

/* Scope-wide commands with the clock just below its limit (and where a
 * 64-bit counter would wrap): every invalidation takes effect across the
 * rebase, and caching resumes after it (a remap without invalidation is
 * not seen). */
static void rebase_run(uint64_t start)
{
    static const uint8_t ops[] = { OP_TLBI_NH_ALL, OP_TLBI_NH_ASID, OP_TLBI_NSNH_ALL,
                                   OP_CFGI_STE, OP_TLBI_NH_ASID, OP_TLBI_NH_ALL };
    struct xt x;
    struct pt p;
    uint64_t c[2];

    setup(&x, &p, NULL);
    vsmmu_xlate_set_inval_clock(x.tb.s, start);
    for (unsigned k = 0; k < 12; k++) {
        uint64_t base = k & 1 ? OA_B : OA_A;
        for (unsigned i = 0; i < 8; i++)
            CHECK_MSG(tr(&x, i) == oa_of(base, i), "k %u page %u after invalidation", k, i);
        remap(&p, k & 1 ? OA_A : OA_B);
        for (unsigned i = 0; i < 8; i++)
            CHECK_MSG(tr(&x, i) == oa_of(base, i), "k %u page %u still cached", k, i);
        guest_cmd_op(c, ops[k % sizeof(ops)]);
        if (ops[k % sizeof(ops)] == OP_CFGI_STE)
            st_set(c, CMD_SID, 1);      /* (the field VMID sits in) */
        else
            st_set(c, CMD_ASID, 1);
        xt_cmd(&x, c);
        if (ops[k % sizeof(ops)] == OP_CFGI_STE) {
            /* The configuration is fetched again; then the TLB. */
            guest_cmd_op(c, OP_TLBI_NH_ALL);
            xt_cmd(&x, c);
        }
    }
    xt_fini(&x);
}

TEST(gen_clock_rebase_no_false_hit)
{
    rebase_run((1ull << 62) - 3);
    rebase_run(UINT64_MAX - 3);
}

/* A guest issuing whole-space range invalidations without end runs out of
 * probe credit; from then on each one drops its whole VMID (O(1)) and
 * the named pages are always gone. */
TEST(gen_credit_exhausted_over_invalidates)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    uint64_t c[2];
    unsigned k;

    vsmmu_config_default(&cfg);
    cfg.tlb_entries = 1u << 16;     /* 16K sets: few scans fit the credit */
    setup(&x, &p, &cfg);
    for (k = 0; k < 40; k++) {
        uint64_t base = k & 1 ? OA_A : OA_B;
        CHECK_EQ(tr(&x, 3), oa_of(k & 1 ? OA_B : OA_A, 3));
        CHECK_EQ(tr(&x, 200), oa_of(k & 1 ? OA_B : OA_A, 200));
        remap(&p, base);
        /* 2^37 pages from page 0: includes 3 and 200. */
        tlbi_va(c, 0, 31, 31);
        xt_cmd(&x, c);
        CHECK_EQ(tr(&x, 3), oa_of(base, 3));
        CHECK_EQ(tr(&x, 200), oa_of(base, 200));
    }
    /* Out of credit: a range that does not name page 3 drops it too. */
    CHECK_EQ(tr(&x, 3), oa_of(OA_A, 3));
    remap(&p, OA_B);
    tlbi_va(c, 0x1000ull * 201, 31, 31);
    xt_cmd(&x, c);
    CHECK_EQ(tr(&x, 3), oa_of(OA_B, 3));
    /* Single pages stay exact (each command earns their probes). */
    CHECK_EQ(tr(&x, 5), oa_of(OA_B, 5));
    CHECK_EQ(tr(&x, 6), oa_of(OA_B, 6));
    remap(&p, OA_A);
    tlbi_va(c, 0x5000, 0, 0);
    xt_cmd(&x, c);
    CHECK_EQ(tr(&x, 5), oa_of(OA_A, 5));
    CHECK_EQ(tr(&x, 6), oa_of(OA_B, 6));
    xt_fini(&x);
}

/* STE.PRIVCFG = privileged: an unprivileged access to a privileged-only
 * page is allowed, on the walk and on every later hit from the thread's
 * front cache (whose entries remember the override). */
TEST(gen_front_privcfg_override)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8], ste[8], cdpa;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint64_t hits;

    xt_init(&x, NULL, NULL);
    /* No configuration advertises IDR1.ATTR_PERMS_OVR yet: set it here so
     * that the decode takes PRIVCFG (the cache paths must handle it). */
    x.tb.s->idr[1] |= (uint32_t)fld_mask(IDR1_ATTR_PERMS_OVR);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf_ap(3, OA_A, 0, fld_mask(PTE_NG)), 0);
    cd_make(cd, p.root, 25, 0, 1);
    /* SID 1: overrides; SID 2: the same tables without. */
    cdpa = guest_alloc(&x.g, 64, 64);
    cd_write(&x, cdpa, cd);
    ste_s1(ste, cdpa);
    st_set(ste, STE_PRIVCFG, 3);
    guest_write_ste(&x.g, 1, ste);
    xt_s1_stream(&x, 2, cd);
    for (unsigned i = 0; i < 4; i++) {
        struct vsmmu_xlate_result r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1008, VSMMU_ACC_READ);
        CHECK_EQ(r.status, VSMMU_XLATE_OK);
        CHECK_EQ(r.addr, OA_A + 8);
        CHECK(r.perm & VSMMU_PERM_R);
        CHECK(r.perm & VSMMU_PERM_W);
    }
    CHECK_EQ(vsmmu_get_stats(x.tb.s, &st), 0);
    hits = st.tlb_hits;
    CHECK(hits >= 3);
    /* Without the override the unprivileged read is refused, hit or not. */
    for (unsigned i = 0; i < 2; i++)
        CHECK(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1008, VSMMU_ACC_READ).status != VSMMU_XLATE_OK);
    CHECK_EQ(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1008, VSMMU_ACC_READ | VSMMU_ACC_PRIV).status,
             VSMMU_XLATE_OK);
    /* And a privileged write through SID 1 still hits. */
    CHECK_EQ(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1008, VSMMU_ACC_WRITE).status, VSMMU_XLATE_OK);
    xt_fini(&x);
}

/* Invalidated entries are the first to be replaced: with the TLB full of
 * two ASIDs' pages, refilling one ASID after TLBI_NH_ASID keeps every
 * entry of the other. */
TEST(gen_dead_entries_replaced_first)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p, q;
    uint64_t cd[8], c[2];

    vsmmu_config_default(&cfg);
    cfg.tlb_entries = 16;
    xt_init(&x, &cfg, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_new(&q, &x, 12, 1, 39, 0);
    for (unsigned i = 0; i < 8; i++) {
        pt_set(&p, 0x1000ull * i, 3, s1_leaf(3, oa_of(OA_A, i), fld_mask(PTE_NG)), 0);
        pt_set(&q, 0x1000ull * i, 3, s1_leaf(3, oa_of(OA_A, 16 + i), fld_mask(PTE_NG)), 0);
    }
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    cd_make(cd, q.root, 25, 0, 2);
    xt_s1_stream(&x, 2, cd);
    for (unsigned i = 0; i < 8; i++) {
        CHECK_EQ(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ).addr, oa_of(OA_A, i));
        CHECK_EQ(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ).addr,
                 oa_of(OA_A, 16 + i));
    }
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), 16);
    /* Remap both without invalidation; then drop ASID 1 only. */
    for (unsigned i = 0; i < 8; i++) {
        pt_set(&p, 0x1000ull * i, 3, s1_leaf(3, oa_of(OA_B, i), fld_mask(PTE_NG)), 0);
        pt_set(&q, 0x1000ull * i, 3, s1_leaf(3, oa_of(OA_B, 16 + i), fld_mask(PTE_NG)), 0);
    }
    guest_cmd_op(c, OP_TLBI_NH_ASID);
    st_set(c, CMD_ASID, 1);
    xt_cmd(&x, c);
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), 8);
    for (unsigned i = 0; i < 8; i++)
        CHECK_EQ(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ).addr, oa_of(OA_B, i));
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), 16);
    for (unsigned i = 0; i < 8; i++)
        CHECK_EQ(xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ).addr,
                 oa_of(OA_A, 16 + i));      /* still cached */
    xt_fini(&x);
}
