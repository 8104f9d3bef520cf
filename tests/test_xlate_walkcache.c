// SPDX-License-Identifier: MIT
/* The walk cache (src/xlate/walkcache.c): a neighbour's walk reads only
 * the last level; results equal those of an instance whose walk cache is
 * off, for every granule and stage combination, random invalidations and
 * hostile tables; every invalidation scope drops the table descriptors it
 * covers (a guest that changes an intermediate entry and invalidates sees
 * the new table on the next translation). */
#include "test_xlate_util.h"

#define OFF 0x100000000ull      /* nested: IPA of guest RAM = PA + OFF */
#define S2OUT 0x80000000ull     /* nested: IPA of stage-1 outputs, 1 GB block */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    return t_xorshift(&rng_state);
}

enum mode { M_S1, M_S2, M_NESTED };

/* One translation world: granule @g for the walk under test, stage 1,
 * stage 2 or nested (stage 1 of granule @g over a 4K stage 2). */
struct world {
    struct xt x;
    struct pt p, s2;
    enum mode m;
    unsigned g;
};

static unsigned tg_s1(unsigned g) { return g == 12 ? 0 : g == 16 ? 1 : 2; }
static unsigned tg_s2(unsigned g) { return g == 12 ? 0 : g == 16 ? 1 : 2; }

/* The base of cluster @c: clusters are level-2 blocks apart (so that
 * they share some upper tables) and below 2^40. */
static uint64_t cluster(unsigned g, unsigned c)
{
    return (0x12ull + c * 0x1F1ull) << (g + (g - 3));
}

static void world_init(struct world *w, enum mode m, unsigned g, bool wc_off)
{
    uint64_t ste[8] = {0}, cd[8];
    unsigned ia = m == M_S2 ? 40 : 48;

    xt_init(&w->x, NULL, NULL);
    if (wc_off)
        xl_wc_disable(xl_cache_of(w->x.tb.s));
    w->m = m;
    w->g = g;
    if (m == M_NESTED) {
        pt_new(&w->s2, &w->x, 12, 1, 40, 0);
        pt_set(&w->s2, OFF + RAM, 1, s2_leaf(1, RAM, 0), 0);
        pt_set(&w->s2, S2OUT, 1, s2_leaf(1, 0xC0000000ull, 0), 0);
    }
    if (m == M_S2) {
        /* 40 bits: 4K from level 1 (2 tables), 16K from level 1, 64K from 2. */
        pt_new(&w->p, &w->x, g, g == 16 ? 2 : 1, ia, 0);
        st_set(ste, STE_V, 1);
        st_set(ste, STE_CONFIG, STE_CFG_S2);
        ste_s2(ste, 3, 64 - ia, g == 12 ? 1 : g == 14 ? 2 : 1, tg_s2(g), w->p.root);
        guest_write_ste(&w->x.g, 1, ste);
        return;
    }
    pt_new(&w->p, &w->x, g, xl_s1_start_level(ia, g), ia, m == M_NESTED ? OFF : 0);
    cd_make(cd, w->p.root + (m == M_NESTED ? OFF : 0), 64 - ia, tg_s1(g), 5);
    if (m == M_S1) {
        xt_s1_stream(&w->x, 1, cd);
        return;
    }
    {
        uint64_t cdpa = guest_alloc(&w->x.g, 64, 64);
        cd_write(&w->x, cdpa, cd);
        ste_s1(ste, cdpa + OFF);
        st_set(ste, STE_CONFIG, STE_CFG_NESTED);
        ste_s2(ste, 4, 24, 1, 0, w->s2.root);
        guest_write_ste(&w->x.g, 1, ste);
    }
}

/* Random pages and blocks in four clusters (same in both worlds: the
 * caller seeds the generator the same way). */
static void world_map(struct world *w, unsigned n)
{
    unsigned g = w->g;
    uint64_t out = w->m == M_NESTED ? S2OUT : 0x200000000ull;

    for (unsigned i = 0; i < n; i++) {
        unsigned c = (unsigned)(rnd() % 4);
        uint64_t va = cluster(g, c) + (rnd() % 256) * (1ull << g);
        uint64_t oa = out + ((rnd() % 1024) << g);
        uint64_t extra = rnd() & 1 ? fld_mask(PTE_NG) : 0;

        if (w->m == M_S2) {
            pt_set(&w->p, va, 3, s2_leaf(3, oa, 0), 0);
        } else if (c == 3) {    /* cluster 3: level-2 blocks only */
            unsigned sh = pt_shift(&w->p, 2);
            pt_set(&w->p, va, 2, s1_leaf(2, oa & ~((1ull << sh) - 1), extra), 0);
        } else {
            pt_set(&w->p, va, 3, s1_leaf_ap(3, oa, (unsigned)(rnd() % 4), extra), 0);
        }
    }
}

static uint64_t world_addr(const struct world *w)
{
    return cluster(w->g, (unsigned)(rnd() % 5)) + (rnd() % 300) * (1ull << w->g) +
           (rnd() & 0xFF8);
}

/* A random invalidation, the same in both worlds. */
static void random_inval(struct world *a, struct world *b)
{
    uint64_t c[2];
    static const uint8_t ops[] = { OP_TLBI_NH_ALL, OP_TLBI_NH_ASID, OP_TLBI_NH_VA,
                                   OP_TLBI_NH_VAA, OP_TLBI_S12_VMALL, OP_TLBI_S2_IPA,
                                   OP_TLBI_NSNH_ALL };
    uint64_t addr = world_addr(a) & ~0xFFFull;

    guest_cmd_op(c, ops[rnd() % sizeof(ops)]);
    st_set(c, CMD_VMID, rnd() & 1 ? 4 : 3);
    st_set(c, CMD_ASID, rnd() & 1 ? 5 : 6);
    if ((c[0] & 0xFF) == OP_TLBI_S2_IPA)
        c[1] |= addr & fld_mask(51, 12);
    else
        c[1] |= addr & fld_mask(63, 12);
    xt_cmd(&a->x, c);
    xt_cmd(&b->x, c);
}

TEST(walkcache_same_results_as_no_cache)
{
    static const enum mode modes[] = { M_S1, M_S2, M_NESTED };
    static const unsigned grans[] = { 12, 14, 16 };
    unsigned compared = 0, ok = 0;

    for (unsigned mi = 0; mi < 3; mi++) {
        for (unsigned gi = 0; gi < 3; gi++) {
            static struct world on, off;
            uint64_t seed = 0x5EED0000ull + mi * 16 + gi;

            world_init(&on, modes[mi], grans[gi], false);
            world_init(&off, modes[mi], grans[gi], true);
            rng_state = seed;
            world_map(&on, 96);
            rng_state = seed;
            world_map(&off, 96);
            for (unsigned i = 0; i < 3000; i++) {
                uint64_t va = world_addr(&on);
                unsigned acc = (1 + (unsigned)(rnd() % 3)) | (rnd() & 1 ? VSMMU_ACC_PRIV : 0);
                struct vsmmu_xlate_result r1 = xt_tr(&on.x, 1, VSMMU_NO_SSID, va, acc);
                struct vsmmu_xlate_result r2 = xt_tr(&off.x, 1, VSMMU_NO_SSID, va, acc);

                CHECK_MSG(r1.status == r2.status && r1.addr == r2.addr && r1.size == r2.size &&
                          r1.perm == r2.perm && r1.event_type == r2.event_type,
                          "mode %u granule %u va 0x%llx: %d/0x%x 0x%llx vs %d/0x%x 0x%llx", mi,
                          grans[gi], (unsigned long long)va, r1.status, r1.event_type,
                          (unsigned long long)r1.addr, r2.status, r2.event_type,
                          (unsigned long long)r2.addr);
                compared++;
                ok += r1.status == VSMMU_XLATE_OK;
                if (rnd() % 64 == 0)
                    random_inval(&on, &off);
            }
            CHECK(xl_wc_count(xl_cache_of(on.x.tb.s)) > 0);
            CHECK_EQ(xl_wc_count(xl_cache_of(off.x.tb.s)), 0u);
            xt_fini(&on.x);
            xt_fini(&off.x);
        }
    }
    CHECK(ok > compared / 8 && ok < compared);      /* both outcomes */
}

/* The plain stage-1 4K walk's inline path (level-2 entry from the walk
 * cache, its last hit first, the page read in place) against the same
 * translations with the walk cache off, around the boundaries of that
 * path: either half (TTB0, TTB1), TBI on and off (tagged addresses), start
 * levels 0, 1 and 2, STE.PRIVCFG/INSTCFG overrides, level-2 blocks beside
 * pages, addresses outside the range or in the disabled half, and random
 * invalidations by address and by scope. */
struct fp_variant {
    unsigned half, tsz, tbi, privcfg, instcfg;
};

static void fp_world(struct world *w, const struct fp_variant *v, bool wc_off)
{
    uint64_t cd[8], ste[8];
    unsigned ia = 64 - v->tsz;

    xt_init(&w->x, NULL, NULL);
    if (wc_off)
        xl_wc_disable(xl_cache_of(w->x.tb.s));
    w->m = M_S1;
    w->g = 12;
    pt_new(&w->p, &w->x, 12, xl_s1_start_level(ia, 12), ia, 0);
    if (v->half) {
        cd_make(cd, 0, 16, 0, 5);
        st_set(cd, CD_EPD0, 1);
        st_set(cd, CD_EPD1, 0);
        st_set(cd, CD_T1SZ, v->tsz);
        st_set(cd, CD_TG1, 2);          /* TG1 encoding: 10 = 4K */
        st_set(cd, CD_TBI1, v->tbi);
        cd[2] |= w->p.root & fld_mask(55, 4);
    } else {
        cd_make(cd, w->p.root, v->tsz, 0, 5);
        st_set(cd, CD_TBI0, v->tbi);
    }
    ste_s1(ste, xt_s1_stream(&w->x, 1, cd));
    st_set(ste, STE_PRIVCFG, v->privcfg);
    st_set(ste, STE_INSTCFG, v->instcfg);
    guest_write_ste(&w->x.g, 1, ste);
}

/* An address of cluster @c (0..2 mapped, 3 beyond the mapped ones) of the
 * variant's half, page @pg; a random top byte under TBI. */
static uint64_t fp_addr(const struct fp_variant *v, unsigned c, unsigned pg)
{
    unsigned ia = 64 - v->tsz;
    uint64_t low = ((0x3ull + c * 0x15ull) << 21) + ((uint64_t)pg << 12);
    uint64_t va = low & ((1ull << ia) - 1);

    if (v->half)
        va |= ~0ull << ia;
    if (v->tbi)
        va = (va & 0x00FFFFFFFFFFFFFFull) | (rnd() & 0xFF00000000000000ull) |
             (v->half ? 0x0080000000000000ull : 0);
    return va;
}

TEST(walkcache_s1_4k_inline_path_boundaries)
{
    static const struct fp_variant vars[] = {
        { 0, 16, 0, 0, 0 }, { 0, 25, 1, 0, 0 }, { 0, 34, 0, 3, 0 }, { 1, 16, 1, 0, 3 },
        { 1, 25, 0, 2, 2 }, { 1, 34, 1, 0, 0 },
    };
    unsigned compared = 0, ok = 0;

    for (unsigned vi = 0; vi < sizeof(vars) / sizeof(vars[0]); vi++) {
        const struct fp_variant *v = &vars[vi];
        static struct world on, off;

        fp_world(&on, v, false);
        fp_world(&off, v, true);
        rng_state = 0xFA57ull + vi;
        for (unsigned i = 0; i < 200; i++) {
            unsigned c = (unsigned)(rnd() % 3), pg = (unsigned)(rnd() % 512);
            uint64_t va = fp_addr(v, c, pg), oa = 0x200000000ull + ((rnd() % 4096) << 12);
            uint64_t extra = (rnd() & 1 ? fld_mask(PTE_NG) : 0) |
                             (rnd() & 1 ? fld_mask(PTE_UXN) : 0);

            if (c == 2) {               /* cluster 2: one level-2 block */
                pt_set(&on.p, va, 2, s1_leaf(2, oa & ~0x1FFFFFull, extra), 0);
                pt_set(&off.p, va, 2, s1_leaf(2, oa & ~0x1FFFFFull, extra), 0);
            } else {
                unsigned ap = (unsigned)(rnd() % 4);
                pt_set(&on.p, va, 3, s1_leaf_ap(3, oa, ap, extra), 0);
                pt_set(&off.p, va, 3, s1_leaf_ap(3, oa, ap, extra), 0);
            }
        }
        for (unsigned i = 0; i < 4000; i++) {
            unsigned c = (unsigned)(rnd() % 4), pg = (unsigned)(rnd() % 600);
            uint64_t va = fp_addr(v, c, pg) | (rnd() & 0xFF8);
            unsigned acc = (1 + (unsigned)(rnd() % 7)) | (rnd() & 1 ? VSMMU_ACC_PRIV : 0);
            struct vsmmu_xlate_result r1, r2;

            if (rnd() % 16 == 0)        /* the other half, or beyond the range */
                va ^= rnd() & 1 ? 0x0080000000000000ull : 1ull << (63 - v->tsz);
            r1 = xt_tr(&on.x, 1, VSMMU_NO_SSID, va, acc);
            r2 = xt_tr(&off.x, 1, VSMMU_NO_SSID, va, acc);
            CHECK_MSG(r1.status == r2.status && r1.addr == r2.addr && r1.size == r2.size &&
                      r1.perm == r2.perm && r1.event_type == r2.event_type,
                      "variant %u va 0x%llx acc %u: %d/0x%x 0x%llx vs %d/0x%x 0x%llx", vi,
                      (unsigned long long)va, acc, r1.status, r1.event_type,
                      (unsigned long long)r1.addr, r2.status, r2.event_type,
                      (unsigned long long)r2.addr);
            compared++;
            ok += r1.status == VSMMU_XLATE_OK;
            if (rnd() % 128 == 0) {
                uint64_t cmd[2];

                guest_cmd_op(cmd, rnd() & 1 ? OP_TLBI_NH_VA : OP_TLBI_NH_ALL);
                st_set(cmd, CMD_ASID, 5);
                cmd[1] |= fp_addr(v, (unsigned)(rnd() % 3), (unsigned)(rnd() % 512)) &
                          fld_mask(63, 12);
                xt_cmd(&on.x, cmd);
                xt_cmd(&off.x, cmd);
            }
        }
        CHECK(xl_wc_count(xl_cache_of(on.x.tb.s)) > 0);
        xt_fini(&on.x);
        xt_fini(&off.x);
    }
    CHECK(ok > compared / 8 && ok < compared);      /* both outcomes */
}

/* 4K, 4 levels: a neighbour's walk reads one descriptor. */
TEST(walkcache_neighbour_reads_last_level)
{
    struct world w;
    struct vsmmu_xlate_result r;
    unsigned before;

    world_init(&w, M_S1, 12, false);
    for (unsigned i = 0; i < 4; i++)
        pt_set(&w.p, 0x7000000000ull + 0x1000ull * i, 3,
               s1_leaf(3, 0x90000000ull + 0x1000ull * i, 0), 0);
    CHECK_OK(xt_tr(&w.x, 1, VSMMU_NO_SSID, 0x7000000000ull, VSMMU_ACC_READ), 0x90000000ull, 0x1000);
    before = w.x.tb.mem_reads;
    r = xt_tr(&w.x, 1, VSMMU_NO_SSID, 0x7000001000ull, VSMMU_ACC_READ);
    CHECK_OK(r, 0x90001000ull, 0x1000);
    CHECK_EQ(w.x.tb.mem_reads - before, 1u);
    CHECK_EQ(xl_wc_count(xl_cache_of(w.x.tb.s)), 2u);     /* levels 1 and 2 */
    xt_fini(&w.x);

    world_init(&w, M_S2, 12, false);
    for (unsigned i = 0; i < 4; i++)
        pt_set(&w.p, 0x7000000000ull + 0x1000ull * i, 3,
               s2_leaf(3, 0x90000000ull + 0x1000ull * i, 0), 0);
    CHECK_OK(xt_tr(&w.x, 1, VSMMU_NO_SSID, 0x7000000000ull, VSMMU_ACC_READ), 0x90000000ull, 0x1000);
    before = w.x.tb.mem_reads;
    CHECK_OK(xt_tr(&w.x, 1, VSMMU_NO_SSID, 0x7000002000ull, VSMMU_ACC_READ), 0x90002000ull, 0x1000);
    CHECK_EQ(w.x.tb.mem_reads - before, 1u);
    xt_fini(&w.x);
}

/* ---- every invalidation scope drops the walk cache ---------------------------- */

#define VA0 0x7000000000ull
#define OA_OLD 0x90000000ull
#define OA_NEW 0xA0000000ull

enum change { CH_L1, CH_L2 };

/* Map VA0 and its neighbour, fill the walk cache, then point the level-1
 * or level-2 descriptor of VA0 at a new subtree mapping VA0 to OA_NEW. */
static void change_table(struct world *w, enum change ch)
{
    uint64_t slot, t3, t2;
    bool s2 = w->m == M_S2;
    uint64_t leaf_new = s2 ? s2_leaf(3, OA_NEW, 0) : s1_leaf(3, OA_NEW, fld_mask(PTE_NG));

    pt_set(&w->p, VA0, 3, s2 ? s2_leaf(3, OA_OLD, 0) : s1_leaf(3, OA_OLD, fld_mask(PTE_NG)), 0);
    pt_set(&w->p, VA0 + 0x1000, 3, s2 ? s2_leaf(3, OA_OLD + 0x1000, 0) :
           s1_leaf(3, OA_OLD + 0x1000, fld_mask(PTE_NG)), 0);
    CHECK_OK(xt_tr(&w->x, 1, VSMMU_NO_SSID, VA0 + 0x1000, VSMMU_ACC_READ), OA_OLD + 0x1000, 0x1000);
    CHECK_OK(xt_tr(&w->x, 1, VSMMU_NO_SSID, VA0, VSMMU_ACC_READ), OA_OLD, 0x1000);
    t3 = guest_alloc(&w->x.g, 0x1000, 0x1000);
    tb_w64(&w->x.tb, t3 + ((VA0 >> 12) & 511) * 8, leaf_new);
    if (ch == CH_L2) {
        slot = pt_slot(&w->p, VA0, 2, 0);
        tb_w64(&w->x.tb, slot, t3 | 3);
        return;
    }
    t2 = guest_alloc(&w->x.g, 0x1000, 0x1000);
    tb_w64(&w->x.tb, t2 + ((VA0 >> 21) & 511) * 8, t3 | 3);
    slot = pt_slot(&w->p, VA0, 1, 0);
    tb_w64(&w->x.tb, slot, t2 | 3);
}

struct scope_case {
    const char *name;
    uint8_t op;
    enum mode m;
    bool range;         /* a RIL range of 2^20 pages (too many probes) */
    bool ttl3;          /* TG = 4K, TTL = 3: a leaf-level hint */
};

static void scope_cmd(const struct scope_case *sc, uint64_t c[2])
{
    guest_cmd_op(c, sc->op);
    st_set(c, CMD_VMID, sc->m == M_S1 ? 0 : 3);
    st_set(c, CMD_ASID, 5);
    if (sc->op == OP_TLBI_S2_IPA)
        c[1] |= VA0 & fld_mask(51, 12);
    else
        c[1] |= VA0;
    if (sc->range) {
        st_set(c, CMD_TG, 1);
        st_set(c, CMD_SCALE, 20);
        st_set(c, CMD_NUM, 0);
    } else if (sc->ttl3) {
        st_set(c, CMD_TG, 1);
        st_set(c, CMD_TTL, 3);
    }
}

TEST(walkcache_every_scope_drops_tables)
{
    static const struct scope_case cases[] = {
        { "NH_ALL", OP_TLBI_NH_ALL, M_S1, false, false },
        { "NH_ASID", OP_TLBI_NH_ASID, M_S1, false, false },
        { "NH_VA", OP_TLBI_NH_VA, M_S1, false, false },
        { "NH_VA leaf hint", OP_TLBI_NH_VA, M_S1, false, true },
        { "NH_VA range", OP_TLBI_NH_VA, M_S1, true, false },
        { "NH_VAA", OP_TLBI_NH_VAA, M_S1, false, false },
        { "S12_VMALL", OP_TLBI_S12_VMALL, M_S2, false, false },
        { "S2_IPA", OP_TLBI_S2_IPA, M_S2, false, false },
        { "S2_IPA leaf hint", OP_TLBI_S2_IPA, M_S2, false, true },
        { "S2_IPA range", OP_TLBI_S2_IPA, M_S2, true, false },
        { "NSNH_ALL", OP_TLBI_NSNH_ALL, M_S2, false, false },
        { "NSNH_ALL s1", OP_TLBI_NSNH_ALL, M_S1, false, false },
    };

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (unsigned ch = CH_L1; ch <= CH_L2; ch++) {
            static struct world w;
            uint64_t c[2];
            struct vsmmu_xlate_result r;

            world_init(&w, cases[i].m, 12, false);
            change_table(&w, (enum change)ch);
            scope_cmd(&cases[i], c);
            xt_cmd(&w.x, c);
            r = xt_tr(&w.x, 1, VSMMU_NO_SSID, VA0, VSMMU_ACC_READ);
            CHECK_MSG(r.status == VSMMU_XLATE_OK && r.addr == OA_NEW,
                      "%s, level-%u change: status %d addr 0x%llx", cases[i].name,
                      ch == CH_L1 ? 1u : 2u, r.status, (unsigned long long)r.addr);
            xt_fini(&w.x);
        }
    }
}

/* A TLBI by address elsewhere, or of another VMID, keeps the tables. */
TEST(walkcache_other_scopes_keep_tables)
{
    struct world w;
    uint64_t c[2];
    unsigned before;

    world_init(&w, M_S1, 12, false);
    for (unsigned i = 0; i < 3; i++)
        pt_set(&w.p, VA0 + 0x1000ull * i, 3, s1_leaf(3, OA_OLD + 0x1000ull * i, 0), 0);
    CHECK_OK(xt_tr(&w.x, 1, VSMMU_NO_SSID, VA0, VSMMU_ACC_READ), OA_OLD, 0x1000);
    guest_cmd_op(c, OP_TLBI_NH_VA);
    st_set(c, CMD_ASID, 5);
    c[1] |= 0x123456789000ull;
    xt_cmd(&w.x, c);
    guest_cmd_op(c, OP_TLBI_S12_VMALL);
    st_set(c, CMD_VMID, 7);
    xt_cmd(&w.x, c);
    before = w.x.tb.mem_reads;
    CHECK_OK(xt_tr(&w.x, 1, VSMMU_NO_SSID, VA0 + 0x2000, VSMMU_ACC_READ), OA_OLD + 0x2000, 0x1000);
    CHECK_EQ(w.x.tb.mem_reads - before, 1u);
    xt_fini(&w.x);
}

/* A new CD (CFGI_CD) with another TTB under the same ASID: the walk
 * starts from the new TTB, not from tables cached under the old one. */
TEST(walkcache_config_change_new_ttb)
{
    struct world w;
    struct pt p2;
    uint64_t cd[8], ste[8], cdpa;

    world_init(&w, M_S1, 12, false);
    pt_set(&w.p, VA0, 3, s1_leaf(3, OA_OLD, 0), 0);
    CHECK_OK(xt_tr(&w.x, 1, VSMMU_NO_SSID, VA0, VSMMU_ACC_READ), OA_OLD, 0x1000);
    pt_new(&p2, &w.x, 12, 0, 48, 0);
    pt_set(&p2, VA0 + 0x1000, 3, s1_leaf(3, OA_NEW + 0x1000, 0), 0);
    cd_make(cd, p2.root, 16, 0, 5);
    cdpa = guest_alloc(&w.x.g, 64, 64);
    cd_write(&w.x, cdpa, cd);
    ste_s1(ste, cdpa);
    guest_write_ste(&w.x.g, 1, ste);
    CHECK_EQ(guest_cfgi_ste(&w.x.g, 1), 0);
    CHECK_OK(xt_tr(&w.x, 1, VSMMU_NO_SSID, VA0 + 0x1000, VSMMU_ACC_READ), OA_NEW + 0x1000, 0x1000);
    xt_fini(&w.x);
}

/* Streams of one ASID, each with its own tables for the same level-2
 * block: their level-2 entries share a walk-cache set, and the later
 * streams' walks overwrite the entry that the first stream's neighbour
 * hit last.  The first stream's next neighbour still walks its own tables
 * (the remembered last hit is forgotten with the entry it named). */
TEST(walkcache_last_hit_overwritten_by_other_stream)
{
    enum { NS = 9 };
    struct world w;
    struct pt p[NS];
    uint64_t cd[8];

    world_init(&w, M_S1, 12, false);
    for (unsigned i = 0; i < NS; i++) {
        pt_new(&p[i], &w.x, 12, 0, 48, 0);
        for (unsigned pg = 0; pg < NS + 3; pg++)
            pt_set(&p[i], VA0 + 0x1000ull * pg, 3,
                   s1_leaf(3, OA_NEW + 0x100000ull * i + 0x1000ull * pg, 0), 0);
        cd_make(cd, p[i].root, 16, 0, 5);
        xt_s1_stream(&w.x, 2 + i, cd);
    }
    /* Stream 2 walks, then hits its level-2 entry (the last hit). */
    CHECK_OK(xt_tr(&w.x, 2, VSMMU_NO_SSID, VA0, VSMMU_ACC_READ), OA_NEW, 0x1000);
    CHECK_OK(xt_tr(&w.x, 2, VSMMU_NO_SSID, VA0 + 0x1000, VSMMU_ACC_READ), OA_NEW + 0x1000,
             0x1000);
    /* The others' walks fill that set's ways (pages the TLB has not seen:
     * the TLB is shared by ASID). */
    for (unsigned i = 1; i < NS; i++)
        CHECK_OK(xt_tr(&w.x, 2 + i, VSMMU_NO_SSID, VA0 + 0x1000ull * (i + 2), VSMMU_ACC_READ),
                 OA_NEW + 0x100000ull * i + 0x1000ull * (i + 2), 0x1000);
    CHECK_OK(xt_tr(&w.x, 2, VSMMU_NO_SSID, VA0 + 0x1000ull * (NS + 2), VSMMU_ACC_READ),
             OA_NEW + 0x1000ull * (NS + 2), 0x1000);
    xt_fini(&w.x);
}

/* ---- hostile tables -------------------------------------------------------------- */

/* Every entry of the root points at the root itself, and reads as a page
 * at level 3: each level walks the same table, the walk cache keeps them
 * apart by level and input range, and the answer is the root's address. */
TEST(walkcache_self_referencing_stage1)
{
    static struct world on, off;

    world_init(&on, M_S1, 12, false);
    world_init(&off, M_S1, 12, true);
    for (unsigned i = 0; i < 512; i++) {
        uint64_t d = on.p.root | 3 | fld_mask(PTE_AF) | fld_set(0, PTE_AP, 1);
        tb_w64(&on.x.tb, on.p.root + 8 * i, d);
        tb_w64(&off.x.tb, off.p.root + 8 * i, d);
    }
    rng_state = 0xABCDEF;
    for (unsigned i = 0; i < 2000; i++) {
        uint64_t va = rnd() & 0x0000FFFFFFFFFFFFull;
        struct vsmmu_xlate_result r1 = xt_tr(&on.x, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ);
        struct vsmmu_xlate_result r2 = xt_tr(&off.x, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ);

        CHECK_OK(r1, on.p.root | (va & 0xFFF), 0x1000);
        CHECK_EQ(r1.addr, r2.addr);
        if (i % 97 == 0) {
            uint64_t c[2];
            guest_cmd_op(c, OP_TLBI_NH_VA);
            st_set(c, CMD_ASID, 5);
            c[1] |= va & ~0xFFFull;
            xt_cmd(&on.x, c);
            xt_cmd(&off.x, c);
        }
    }
    xt_fini(&on.x);
    xt_fini(&off.x);
}

/* Random tables whose entries point back into themselves at every level
 * (stage 1 over stage 2), walked with and without the cache. */
TEST(walkcache_hostile_tables_differential)
{
    static struct world on, off;
    const uint64_t size = 0x40000;
    uint64_t region;

    world_init(&on, M_NESTED, 12, false);
    world_init(&off, M_NESTED, 12, true);
    region = guest_alloc(&on.x.g, size, 0x10000);
    CHECK_EQ(guest_alloc(&off.x.g, size, 0x10000), region);
    rng_state = 0x1234567;
    for (uint64_t a = 0; a < size; a += 8) {
        uint64_t v = rnd();
        if (rnd() % 2)
            v = (v & 0xFFF0000000000FFFull) | ((OFF + region + (rnd() % size)) & ~0xFFFull) | 3;
        tb_w64(&on.x.tb, region + a, v);
        tb_w64(&off.x.tb, region + a, v);
    }
    /* The root's entries lead into the region. */
    for (unsigned i = 0; i < 512; i++) {
        uint64_t d = (OFF + region + ((rnd() % (size / 0x1000)) << 12)) | 3;
        tb_w64(&on.x.tb, on.p.root + 8 * i, d);
        tb_w64(&off.x.tb, off.p.root + 8 * i, d);
    }
    for (unsigned i = 0; i < 4000; i++) {
        uint64_t va = rnd() & 0x0000FFFFFFFFF000ull;
        struct vsmmu_xlate_result r1 = xt_tr(&on.x, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ);
        struct vsmmu_xlate_result r2 = xt_tr(&off.x, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ);

        CHECK_MSG(r1.status == r2.status && r1.addr == r2.addr && r1.size == r2.size &&
                  r1.event_type == r2.event_type, "va 0x%llx: %d/0x%x vs %d/0x%x",
                  (unsigned long long)va, r1.status, r1.event_type, r2.status, r2.event_type);
        if (rnd() % 128 == 0)
            random_inval(&on, &off);
    }
    xt_fini(&on.x);
    xt_fini(&off.x);
}

/* Nested, stage 2 from level 0 with 1 GB blocks at level 1: the stage-2
 * level-0 entry is the walk cache's.  The guest points it at a new level-1
 * table that moves the output block; TLBI_S2_IPA of the output address
 * (and TLBI_NH_ALL for the combined TLB entry) must make the next
 * translation use it. */
TEST(walkcache_nested_stage2_table_change)
{
    struct xt x;
    struct pt s1, s2;
    uint64_t cd[8], ste[8], cdpa, t1, c[2];

    xt_init(&x, NULL, NULL);
    pt_new(&s2, &x, 12, 0, 48, 0);
    pt_set(&s2, OFF + RAM, 1, s2_leaf(1, RAM, 0), 0);
    pt_set(&s2, S2OUT, 1, s2_leaf(1, 0xC0000000ull, 0), 0);
    pt_new(&s1, &x, 12, 0, 48, OFF);
    pt_set(&s1, VA0, 3, s1_leaf(3, S2OUT + 0x5000, 0), 0);
    cd_make(cd, s1.root + OFF, 16, 0, 5);
    cdpa = guest_alloc(&x.g, 64, 64);
    cd_write(&x, cdpa, cd);
    ste_s1(ste, cdpa + OFF);
    st_set(ste, STE_CONFIG, STE_CFG_NESTED);
    ste_s2(ste, 4, 16, 2, 0, s2.root);
    guest_write_ste(&x.g, 1, ste);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, VA0, VSMMU_ACC_READ), 0xC0005000ull, 0x1000);

    t1 = guest_alloc(&x.g, 0x1000, 0x1000);
    tb_w64(&x.tb, t1 + (((OFF + RAM) >> 30) & 511) * 8, s2_leaf(1, RAM, 0));
    tb_w64(&x.tb, t1 + ((S2OUT >> 30) & 511) * 8, s2_leaf(1, 0x100000000ull, 0));
    tb_w64(&x.tb, s2.root, t1 | 3);
    guest_cmd_op(c, OP_TLBI_S2_IPA);
    st_set(c, CMD_VMID, 4);
    c[1] |= (S2OUT + 0x5000) & fld_mask(51, 12);
    xt_cmd(&x, c);
    guest_cmd_op(c, OP_TLBI_NH_ALL);
    st_set(c, CMD_VMID, 4);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, VA0, VSMMU_ACC_READ), 0x100005000ull, 0x1000);
    xt_fini(&x);
}
