// SPDX-License-Identifier: MIT
/* The per-thread front cache (src/xlate/slots.c): every invalidation scope
 * and SMMUEN kill its entries, the generation may wrap, an entry's access
 * table (permitted, permissions reported) is what classify() says for every
 * access,
 * and a working set of hundreds of pages is answered from it. */
#include <stdint.h>

#include "test_xlate_util.h"

#define VA 0x1000ull
#define OA_A 0x80000000ull
#define OA_B 0xC0000000ull

/* SID 1: one CD (ASID 1) whose tables map VA (non-global 4K) to OA_A. */
struct bed {
    struct xt x;
    struct pt p;
    uint64_t cdpa;
};

static void bed_init(struct bed *b)
{
    uint64_t cd[8];

    xt_init(&b->x, NULL, NULL);
    pt_new(&b->p, &b->x, 12, 1, 39, 0);
    pt_set(&b->p, VA, 3, s1_leaf(3, OA_A, fld_mask(PTE_NG)), 0);
    cd_make(cd, b->p.root, 25, 0, 1);
    b->cdpa = xt_s1_stream(&b->x, 1, cd);
}

static struct vsmmu_stats stats(struct bed *b)
{
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    CHECK_EQ(vsmmu_get_stats(b->x.tb.s, &st), 0);
    return st;
}

/* Translate VA three times: the page is then in the front cache, and the
 * last two calls were hits. */
static void warm(struct bed *b, uint64_t oa)
{
    struct vsmmu_stats st0 = stats(b), st1;

    for (unsigned i = 0; i < 3; i++)
        CHECK_OK(xt_tr(&b->x, 1, VSMMU_NO_SSID, VA + 8 * i, VSMMU_ACC_READ), oa + 8 * i, 0x1000);
    st1 = stats(b);
    CHECK(st1.tlb_hits - st0.tlb_hits >= 2);
}

enum scope { S_NH_VA, S_NH_VAA, S_NH_ASID, S_NH_ALL, S_S12_VMALL, S_NSNH_ALL, S_CFGI_STE,
             S_CFGI_ALL, S_CFGI_CD, S_N };

/* Remap VA to OA_B (for the CFGI scopes: through a new CD, ASID 2, with
 * new tables), then issue the scope's command (+ SYNC). */
static void change(struct bed *b, enum scope sc)
{
    uint64_t c[2];

    if (sc >= S_CFGI_STE) {
        struct pt q;
        uint64_t cd[8];
        pt_new(&q, &b->x, 12, 1, 39, 0);
        pt_set(&q, VA, 3, s1_leaf(3, OA_B, fld_mask(PTE_NG)), 0);
        cd_make(cd, q.root, 25, 0, 2);
        cd_write(&b->x, b->cdpa, cd);
    } else {
        pt_set(&b->p, VA, 3, s1_leaf(3, OA_B, fld_mask(PTE_NG)), 0);
    }
    switch (sc) {
    case S_NH_VA:
        guest_cmd_op(c, OP_TLBI_NH_VA);
        st_set(c, CMD_ASID, 1);
        c[1] |= VA;
        break;
    case S_NH_VAA:
        guest_cmd_op(c, OP_TLBI_NH_VAA);
        c[1] |= VA;
        break;
    case S_NH_ASID:
        guest_cmd_op(c, OP_TLBI_NH_ASID);
        st_set(c, CMD_ASID, 1);
        break;
    case S_NH_ALL:
        guest_cmd_op(c, OP_TLBI_NH_ALL);
        break;
    case S_S12_VMALL:
        guest_cmd_op(c, OP_TLBI_S12_VMALL);
        break;
    case S_NSNH_ALL:
        guest_cmd_op(c, OP_TLBI_NSNH_ALL);
        break;
    case S_CFGI_STE:
        guest_cmd_op(c, OP_CFGI_STE);
        st_set(c, CMD_SID, 1);
        break;
    case S_CFGI_ALL:
        guest_cmd_op(c, OP_CFGI_STE_RANGE);
        st_set(c, CMD_RANGE, 31);
        break;
    default:
        guest_cmd_op(c, OP_CFGI_CD);
        st_set(c, CMD_SID, 1);
        st_set(c, CMD_SSID, 0);
        break;
    }
    xt_cmd(&b->x, c);
}

/* Every TLBI and CFGI scope that covers the page kills this thread's
 * front cache entry: the next call sees the new mapping. */
TEST(front_entries_die_with_every_scope)
{
    for (unsigned sc = 0; sc < S_N; sc++) {
        struct bed b;
        bed_init(&b);
        warm(&b, OA_A);
        change(&b, (enum scope)sc);
        CHECK_MSG(xt_tr(&b.x, 1, VSMMU_NO_SSID, VA, VSMMU_ACC_READ).addr == OA_B,
                  "scope %u: stale front cache entry", sc);
        warm(&b, OA_B);
        xt_fini(&b.x);
    }
}

/* Clearing SMMUEN kills the entries too (the hit path does not read CR0):
 * the next call is a GBPA bypass; after setting it again, a translation. */
TEST(front_entries_die_with_smmuen)
{
    struct bed b;
    uint32_t cr0;

    bed_init(&b);
    warm(&b, OA_A);
    cr0 = tb_readl(&b.x.tb, R_CR0);
    tb_writel(&b.x.tb, R_CR0, cr0 & ~(uint32_t)fld_mask(CR0_SMMUEN));
    for (unsigned i = 0; i < 3; i++)
        CHECK_OK(xt_tr(&b.x, 1, VSMMU_NO_SSID, VA, VSMMU_ACC_READ), VA,
                 1ull << vsmmu_oas_bits(b.x.tb.s));
    tb_writel(&b.x.tb, R_CR0, cr0);
    warm(&b, OA_A);
    xt_fini(&b.x);
}

/* The generation goes through 2^64 - 1 and 0: entries of each generation
 * hit, and die at the next one. */
TEST(front_generation_wraps)
{
    struct bed b;
    uint64_t c[2], oa = OA_A;

    bed_init(&b);
    vsmmu_xlate_set_gen(b.x.tb.s, UINT64_MAX - 1);
    for (unsigned k = 0; k < 4; k++) {
        warm(&b, oa);
        oa = oa == OA_A ? OA_B : OA_A;
        pt_set(&b.p, VA, 3, s1_leaf(3, oa, fld_mask(PTE_NG)), 0);
        guest_cmd_op(c, OP_TLBI_NH_VA);
        st_set(c, CMD_ASID, 1);
        c[1] |= VA;
        xt_cmd(&b.x, c);
        CHECK_MSG(xt_tr(&b.x, 1, VSMMU_NO_SSID, VA, VSMMU_ACC_READ).addr == oa,
                  "stale entry at step %u", k);
    }
    xt_fini(&b.x);
}

/* An entry's access table (permitted, permissions reported) equals the full path's
 * classification for every permission set, PRIVCFG, INSTCFG and access
 * value; no entry allows an access without READ, WRITE or EXEC. */
TEST(front_access_table_matches_classify)
{
    struct xl_fc_ent e;

    for (unsigned xp = 0; xp <= XP_ALL; xp++)
        for (unsigned pc = 0; pc < 4; pc++)
            for (unsigned ic = 0; ic < 4; ic++) {
                xl_fc_fill(&e, 1, VSMMU_NO_SSID, 5, 0x12345678, 12, 0x9000, xp, pc, ic);
                CHECK_EQ(e.vaoff, 0x12345FFFull);
                CHECK_EQ(e.pa, 0x9000ull);
                for (unsigned a = 0; a < 16; a++) {
                    struct acc c;
                    bool ok;
                    classify(a, pc, ic, &c);
                    ok = (a & 7) && (xp & c.need) == c.need;
                    CHECK_MSG((e.acc[a] != 0) == ok, "xp %u privcfg %u instcfg %u access %u",
                              xp, pc, ic, a);
                    if (ok)
                        CHECK_EQ(e.acc[a], XL_FC_OK | api_perm((uint8_t)xp, c.priv));
                }
            }
}

/* 256 consecutive pages stay in the front cache: after one pass, every
 * call is a hit counted in this thread's slot. */
TEST(front_cache_holds_256_pages)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8], h0;
    struct vsmmu_stats st0 = VSMMU_STRUCT_INIT(st0), st1 = VSMMU_STRUCT_INIT(st1);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    for (unsigned i = 0; i < 256; i++)
        pt_set(&p, 0x100000ull + 0x1000ull * i, 3, s1_leaf(3, OA_A + 0x1000ull * i, 0), 0);
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    for (unsigned i = 0; i < 256; i++)
        CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x100000ull + 0x1000ull * i, VSMMU_ACC_READ),
                 OA_A + 0x1000ull * i, 0x1000);
    vsmmu_get_stats(x.tb.s, &st0);
    h0 = vsmmu_xlate_thread_hits(x.tb.s);
    for (unsigned k = 0; k < 4; k++)
        for (unsigned i = 0; i < 256; i++)
            CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x100000ull + 0x1000ull * i + 8 * k,
                           VSMMU_ACC_READ), OA_A + 0x1000ull * i + 8 * k, 0x1000);
    vsmmu_get_stats(x.tb.s, &st1);
    CHECK_EQ(st1.tlb_misses, st0.tlb_misses);
    CHECK_EQ(st1.tlb_hits - st0.tlb_hits, 1024);
    CHECK_EQ(vsmmu_xlate_thread_hits(x.tb.s) - h0, 1024);
    xt_fini(&x);
}

/* Any aligned run of XL_FC_N consecutive 4K, 16K or 64K pages or 2 MB
 * blocks of one stream takes XL_FC_N distinct front cache entries (so the
 * front cache holds such a working set whatever the granule). */
TEST(front_index_spreads_every_granule)
{
    static const unsigned shifts[] = { 12, 14, 16, 21 };

    for (unsigned k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++)
        for (uint64_t base = 0; base < 3; base++) {
            uint8_t seen[XL_FC_N] = {0};
            unsigned distinct = 0;
            for (uint64_t i = 0; i < XL_FC_N; i++) {
                unsigned idx = xl_fc_idx(7, ((base * XL_FC_N + i) << shifts[k]) + 0x123);
                distinct += !seen[idx];
                seen[idx] = 1;
            }
            CHECK_MSG(distinct == XL_FC_N, "size 2^%u, block %llu: %u distinct entries",
                      shifts[k], (unsigned long long)base, distinct);
        }
}
