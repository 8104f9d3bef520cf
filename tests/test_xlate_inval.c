// SPDX-License-Identifier: MIT
/* Invalidation: every CFGI/TLBI command removes exactly its scope (and the
 * invalidation notifier hears of it); caching is observable as on
 * hardware. */
#include "test_xlate_util.h"

/* Streams:  SID 1: ASID 1 VMID 1   SID 2: ASID 2 VMID 1
 *           SID 3: ASID 1 VMID 2   SID 4: stage 2 only, VMID 1
 * Each maps the probes below to OA base + VA; rewriting the leaves moves
 * them to base2 + VA. */
struct probe { uint32_t sid; uint64_t va; };
static const struct probe P[] = {
    { 1, 0x1000 },      /* 0: ASID 1 VMID 1 nG */
    { 1, 0x2000 },      /* 1: ASID 1 VMID 1 nG */
    { 2, 0x1000 },      /* 2: ASID 2 VMID 1 nG */
    { 3, 0x1000 },      /* 3: ASID 1 VMID 2 nG */
    { 4, 0x1000 },      /* 4: stage 2, VMID 1 */
    { 1, 0x9000 },      /* 5: VMID 1 global */
    { 1, 0x200000 },    /* 6: ASID 1 VMID 1 nG, 2 MB block (level 2) */
    { 1, 0x10000000 },  /* 7: ASID 1 VMID 1 nG, another level-2 table */
};
#define NP (sizeof(P) / sizeof(P[0]))

struct world {
    struct xt x;
    struct pt t[5];
    struct vsmmu_inval inv[16];
    unsigned ninv;
};

static uint64_t oa_of(unsigned sid, uint64_t va, unsigned gen)
{
    return 0x100000000ull * (gen + 1) + 0x10000000ull * sid + va;
}

static void map_all(struct world *w, unsigned gen)
{
    for (unsigned i = 0; i < NP; i++) {
        unsigned sid = P[i].sid;
        bool blk = P[i].va == 0x200000;
        uint64_t oa = oa_of(sid, P[i].va, gen);
        uint64_t d = sid == 4 ? s2_leaf(blk ? 2 : 3, oa, 0)
                              : s1_leaf(blk ? 2 : 3, oa, P[i].va == 0x9000 ? 0 : fld_mask(PTE_NG));
        pt_set(&w->t[sid], P[i].va, blk ? 2 : 3, d, 0);
    }
}

static void notifier(void *opaque, const struct vsmmu_inval *inv)
{
    struct world *w = opaque;
    if (w->ninv < 16)
        w->inv[w->ninv++] = *inv;
}

static bool world_live;

static void world_init(struct world *w, const struct vsmmu_config *cfg)
{
    uint64_t ste[8], cd[8];
    if (world_live)
        xt_fini(&w->x);
    world_live = true;
    memset(w, 0, sizeof(*w));
    xt_init(&w->x, cfg, NULL);
    for (unsigned sid = 1; sid <= 4; sid++) {
        if (sid == 4) {
            pt_new(&w->t[sid], &w->x, 12, 1, 40, 0);
            memset(ste, 0, sizeof(ste));
            st_set(ste, STE_V, 1);
            st_set(ste, STE_CONFIG, STE_CFG_S2);
            ste_s2(ste, 1, 24, 1, 0, w->t[sid].root);
            guest_write_ste(&w->x.g, sid, ste);
            continue;
        }
        pt_new(&w->t[sid], &w->x, 12, 1, 39, 0);
        cd_make(cd, w->t[sid].root, 25, 0, sid == 2 ? 2 : 1);
        uint64_t cdpa = guest_alloc(&w->x.g, 64, 64);
        cd_write(&w->x, cdpa, cd);
        ste_s1(ste, cdpa);
        st_set(ste, STE_S2VMID, sid == 3 ? 2 : 1);
        guest_write_ste(&w->x.g, sid, ste);
    }
    map_all(w, 0);
    vsmmu_set_inval_notifier(w->x.tb.s, notifier, w);
}

static unsigned gen_seen(struct world *w, unsigned i)
{
    struct vsmmu_xlate_result r = xt_tr(&w->x, P[i].sid, VSMMU_NO_SSID, P[i].va,
                                        VSMMU_ACC_READ | VSMMU_ACC_PRIV);
    CHECK_MSG(r.status == VSMMU_XLATE_OK, "probe %u: status %d event 0x%x", i, r.status, r.event_type);
    if (r.addr == oa_of(P[i].sid, P[i].va, 0))
        return 0;
    CHECK_MSG(r.addr == oa_of(P[i].sid, P[i].va, 1), "probe %u: unexpected 0x%llx", i,
              (unsigned long long)r.addr);
    return 1;
}

/* Fill the TLB, remap everything without invalidation (old translations
 * stay), run @cmd, and check that exactly the probes in @scope (bit mask)
 * see the new tables. */
static void check_scope(const struct vsmmu_config *cfg, const uint64_t cmd[2], unsigned scope,
                        struct world *out)
{
    struct world *w = out;
    world_init(w, cfg);
    for (unsigned i = 0; i < NP; i++)
        CHECK_EQ(gen_seen(w, i), 0);
    map_all(w, 1);
    for (unsigned i = 0; i < NP; i++)
        CHECK_MSG(gen_seen(w, i) == 0, "probe %u not cached", i);
    w->ninv = 0;
    xt_cmd(&w->x, cmd);
    for (unsigned i = 0; i < NP; i++)
        CHECK_MSG(gen_seen(w, i) == ((scope >> i) & 1), "command 0x%02x: probe %u %s",
                  (unsigned)(cmd[0] & 0xFF), i, (scope >> i) & 1 ? "still cached" : "dropped");
}

static void tlbi(uint64_t c[2], unsigned op, unsigned vmid, unsigned asid, uint64_t addr)
{
    guest_cmd_op(c, (uint8_t)op);
    st_set(c, CMD_VMID, vmid);
    st_set(c, CMD_ASID, asid);
    c[1] |= addr & fld_mask(63, 12);
}

static void range(uint64_t c[2], unsigned tg, unsigned num, unsigned scale, unsigned ttl)
{
    st_set(c, CMD_TG, tg);
    st_set(c, CMD_NUM, num);
    st_set(c, CMD_SCALE, scale);
    st_set(c, CMD_TTL, ttl);
}

static struct world W;

TEST(tlbi_nh_all)
{
    uint64_t c[2];
    tlbi(c, OP_TLBI_NH_ALL, 1, 0, 0);
    check_scope(NULL, c, 0xE7, &W);     /* 0,1,2,5,6,7 */
    CHECK_EQ(W.ninv, 1);
    CHECK_EQ(W.inv[0].kind, VSMMU_INVAL_VMID);
    CHECK_EQ(W.inv[0].vmid, 1);
}

TEST(tlbi_nh_asid_keeps_global)
{
    uint64_t c[2];
    tlbi(c, OP_TLBI_NH_ASID, 1, 1, 0);
    check_scope(NULL, c, 0xC3, &W);     /* 0,1,6,7 */
    CHECK_EQ(W.inv[0].kind, VSMMU_INVAL_ASID);
    CHECK_EQ(W.inv[0].asid, 1);
    CHECK_EQ(W.inv[0].vmid, 1);
}

TEST(tlbi_nh_va)
{
    uint64_t c[2];
    tlbi(c, OP_TLBI_NH_VA, 1, 1, 0x1000);
    st_set(c, CMD_LEAF, 1);
    check_scope(NULL, c, 0x01, &W);
    CHECK_EQ(W.inv[0].kind, VSMMU_INVAL_RANGE);
    CHECK_EQ(W.inv[0].addr, 0x1000);
    CHECK_EQ(W.inv[0].size, 0x1000);
    /* A global entry is hit by VA in any ASID. */
    tlbi(c, OP_TLBI_NH_VA, 1, 7, 0x9000);
    check_scope(NULL, c, 0x20, &W);
    /* Any address inside a block invalidates the block. */
    tlbi(c, OP_TLBI_NH_VA, 1, 1, 0x3FF000);
    check_scope(NULL, c, 0x40, &W);
}

TEST(tlbi_nh_vaa)
{
    uint64_t c[2];
    tlbi(c, OP_TLBI_NH_VAA, 1, 0, 0x1000);
    check_scope(NULL, c, 0x05, &W);     /* 0 and 2 */
    CHECK_EQ(W.inv[0].asid, -1);
}

TEST(tlbi_s12_vmall)
{
    uint64_t c[2];
    tlbi(c, OP_TLBI_S12_VMALL, 1, 0, 0);
    check_scope(NULL, c, 0xF7, &W);     /* all of VMID 1 incl. stage 2 */
}

TEST(tlbi_s2_ipa)
{
    uint64_t c[2];
    tlbi(c, OP_TLBI_S2_IPA, 1, 0, 0x1000);
    check_scope(NULL, c, 0x10, &W);
    CHECK_EQ(W.inv[0].kind, VSMMU_INVAL_IPA);
    CHECK_EQ(W.inv[0].addr, 0x1000);
    tlbi(c, OP_TLBI_S2_IPA, 2, 0, 0x1000);     /* other VMID: nothing */
    check_scope(NULL, c, 0x00, &W);
}

TEST(tlbi_nsnh_all)
{
    uint64_t c[2];
    guest_cmd_op(c, OP_TLBI_NSNH_ALL);
    check_scope(NULL, c, 0xFF, &W);
    CHECK_EQ(W.inv[0].kind, VSMMU_INVAL_ALL);
}

/* Range invalidation: (NUM+1) * 2^SCALE pages of granule TG from Addr;
 * TTL restricts to leaves of that level. */
TEST(tlbi_range_arithmetic)
{
    uint64_t c[2];
    /* 2 pages from 0x1000: 0x1000 and 0x2000. */
    tlbi(c, OP_TLBI_NH_VA, 1, 1, 0x1000);
    range(c, 1, 1, 0, 3);
    check_scope(NULL, c, 0x03, &W);
    CHECK_EQ(W.inv[0].addr, 0x1000);
    CHECK_EQ(W.inv[0].size, 0x2000);
    /* (3+1) * 2^1 = 8 pages: [0x1000, 0x9000) stops short of 0x9000. */
    tlbi(c, OP_TLBI_NH_VAA, 1, 0, 0x1000);
    range(c, 1, 3, 1, 0);
    check_scope(NULL, c, 0x07, &W);     /* 0, 1, 2; not 5 */
    CHECK_EQ(W.inv[0].size, 0x8000);
    /* 9 pages reach 0x9000. */
    tlbi(c, OP_TLBI_NH_VAA, 1, 0, 0x1000);
    range(c, 1, 8, 0, 0);
    check_scope(NULL, c, 0x27, &W);
    /* 512 pages at 0x200000 with TTL = 2: the 2 MB block only. */
    tlbi(c, OP_TLBI_NH_VA, 1, 1, 0x200000);
    range(c, 1, 0, 9, 2);
    check_scope(NULL, c, 0x40, &W);
    /* Same range with TTL = 3: no level-3 leaf there, the block stays. */
    tlbi(c, OP_TLBI_NH_VA, 1, 1, 0x200000);
    range(c, 1, 0, 9, 3);
    check_scope(NULL, c, 0x00, &W);
    /* TG = 64K: entries of the 4K granule are not in scope. */
    tlbi(c, OP_TLBI_NH_VA, 1, 1, 0x0);
    range(c, 3, 0, 0, 0);
    st_set(c, CMD_NUM, 1);
    check_scope(NULL, c, 0x00, &W);
    /* Large SCALE: 31 -> 2^31 pages of 64K covers everything of ASID 1. */
    tlbi(c, OP_TLBI_NH_VA, 1, 1, 0x0);
    range(c, 1, 0, 31, 0);
    check_scope(NULL, c, 0xE3, &W);
}

/* Without IDR3.RIL the range fields are ignored: one address. */
TEST(tlbi_no_ril_single_address)
{
    struct vsmmu_config cfg;
    uint64_t c[2];
    vsmmu_config_default(&cfg);
    cfg.ril = false;
    tlbi(c, OP_TLBI_NH_VA, 1, 1, 0x1000);
    check_scope(&cfg, c, 0x01, &W);
}

/* ---- configuration cache ----------------------------------------------- */

/* Break the STE of every SID 1..4 in memory (Config abort) without CFGI,
 * then run @cmd: exactly the SIDs in @scope abort afterwards. */
static void check_cfgi(const uint64_t cmd[2], unsigned scope)
{
    struct world *w = &W;
    world_init(w, NULL);
    for (unsigned sid = 1; sid <= 4; sid++) {
        struct vsmmu_xlate_result r = xt_tr(&w->x, sid, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | VSMMU_ACC_PRIV);
        CHECK_EQ(r.status, VSMMU_XLATE_OK);
        tb_w64(&w->x.tb, guest_ste_addr(&w->x.g, sid),
               fld_set(tb_r64(&w->x.tb, guest_ste_addr(&w->x.g, sid)), STE_CONFIG, 0));
    }
    for (unsigned sid = 1; sid <= 4; sid++)
        CHECK_EQ(xt_tr(&w->x, sid, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | VSMMU_ACC_PRIV).status,
                 VSMMU_XLATE_OK);      /* cached STE */
    w->ninv = 0;
    xt_cmd(&w->x, cmd);
    for (unsigned sid = 1; sid <= 4; sid++) {
        struct vsmmu_xlate_result r = xt_tr(&w->x, sid, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | VSMMU_ACC_PRIV);
        CHECK_MSG((r.status != VSMMU_XLATE_OK) == ((scope >> sid) & 1), "sid %u: status %d", sid,
                  r.status);
    }
}

TEST(cfgi_ste)
{
    uint64_t c[2];
    guest_cmd_op(c, OP_CFGI_STE);
    st_set(c, CMD_SID, 2);
    st_set(c, CMD_LEAF, 1);
    check_cfgi(c, 1u << 2);
    CHECK_EQ(W.ninv, 1);
    CHECK_EQ(W.inv[0].kind, VSMMU_INVAL_STREAM);
    CHECK_EQ(W.inv[0].sid, 2);
    CHECK_EQ(W.inv[0].num, 1);
}

TEST(cfgi_ste_range)
{
    uint64_t c[2];
    /* Range 0: 2 SIDs, aligned: SID 3 -> {2, 3}. */
    guest_cmd_op(c, OP_CFGI_STE_RANGE);
    st_set(c, CMD_SID, 3);
    st_set(c, CMD_RANGE, 0);
    check_cfgi(c, 1u << 2 | 1u << 3);
    CHECK_EQ(W.inv[0].sid, 2);
    CHECK_EQ(W.inv[0].num, 2);
    /* Range 1: 4 SIDs {4..7}. */
    st_set(c, CMD_SID, 6);
    st_set(c, CMD_RANGE, 1);
    check_cfgi(c, 1u << 4);
    /* Range 2: 8 SIDs {0..7}. */
    st_set(c, CMD_RANGE, 2);
    check_cfgi(c, 0x1E);
    /* Range 31: CFGI_ALL, SID ignored. */
    st_set(c, CMD_SID, 0x12345);
    st_set(c, CMD_RANGE, 31);
    check_cfgi(c, 0x1E);
    CHECK_EQ(W.inv[0].num, 1ull << 32);
}

TEST(cfgi_cd_and_cd_all)
{
    struct vsmmu_config cfg;
    struct xt x;
    uint64_t ste[8], cd[8], tab, c[2];
    struct pt a, b;

    vsmmu_config_default(&cfg);
    cfg.ssidsize = 4;
    xt_init(&x, &cfg, NULL);
    pt_new(&a, &x, 12, 1, 39, 0);
    pt_new(&b, &x, 12, 1, 39, 0);
    pt_set(&a, 0x1000, 3, s1_leaf(3, 0xA000, fld_mask(PTE_NG)), 0);
    pt_set(&b, 0x1000, 3, s1_leaf(3, 0xB000, fld_mask(PTE_NG)), 0);
    tab = guest_alloc_cd_table(&x.g, 2);
    for (unsigned i = 0; i < 4; i++) {
        cd_make(cd, a.root, 25, 0, 1 + i);
        cd_write(&x, tab + 64 * i, cd);
    }
    ste_s1(ste, tab);
    st_set(ste, STE_S1CDMAX, 2);
    st_set(ste, STE_S1DSS, S1DSS_SSID0);
    guest_write_ste(&x.g, 1, ste);
    for (unsigned i = 0; i < 4; i++)
        CHECK_OK(xt_tr(&x, 1, i ? i : VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    /* Point every CD at tree b (new ASIDs), no CFGI: cached CDs stay. */
    for (unsigned i = 0; i < 4; i++) {
        cd_make(cd, b.root, 25, 0, 10 + i);
        cd_write(&x, tab + 64 * i, cd);
    }
    CHECK_OK(xt_tr(&x, 1, 2, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    /* CFGI_CD (1, 2): only CD 2. */
    guest_cmd_op(c, OP_CFGI_CD);
    st_set(c, CMD_SID, 1);
    st_set(c, CMD_SSID, 2);
    st_set(c, CMD_LEAF, 1);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, 2, 0x1000, VSMMU_ACC_READ), 0xB000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, 1, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    /* CFGI_CD (1, 0) also covers non-SSID traffic through CD 0. */
    st_set(c, CMD_SSID, 0);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xB000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, 3, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    /* CFGI_CD_ALL (1): the rest. */
    guest_cmd_op(c, OP_CFGI_CD_ALL);
    st_set(c, CMD_SID, 1);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, 3, 0x1000, VSMMU_ACC_READ), 0xB000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, 1, 0x1000, VSMMU_ACC_READ), 0xB000, 0x1000);
    xt_fini(&x);
}

/* EL2 StreamWorld (IDR0.Hyp): tagged apart from NS-EL1; TLBI_EL2_* reach
 * it and TLBI_NH_ALL / NSNH_ALL do not. */
TEST(tlbi_el2)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    uint64_t ste[8], cd[8], c[2], cdpa;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    vsmmu_config_default(&cfg);
    cfg.hyp = true;
    xt_init(&x, &cfg, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf_ap(3, 0xA000, 0, 0), 0);
    cd_make(cd, p.root, 25, 0, 0);
    cdpa = guest_alloc(&x.g, 64, 64);
    cd_write(&x, cdpa, cd);
    ste_s1(ste, cdpa);
    st_set(ste, STE_STRW, STRW_EL2);
    guest_write_ste(&x.g, 1, ste);
    /* EL2: every access is privileged, AP[1] ignored. */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE);
    CHECK_OK(r, 0xA000, 0x1000);
    pt_set(&p, 0x1000, 3, s1_leaf_ap(3, 0xB000, 0, 0), 0);
    guest_cmd_op(c, OP_TLBI_NH_ALL);
    xt_cmd(&x, c);
    guest_cmd_op(c, OP_TLBI_NSNH_ALL);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    tlbi(c, OP_TLBI_EL2_VA, 0, 0, 0x2000);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    tlbi(c, OP_TLBI_EL2_VA, 0, 0, 0x1000);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xB000, 0x1000);
    pt_set(&p, 0x1000, 3, s1_leaf_ap(3, 0xC000, 0, 0), 0);
    guest_cmd_op(c, OP_TLBI_EL2_ALL);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xC000, 0x1000);
    xt_fini(&x);
}

/* Reset drops every cached structure and translation. */
TEST(reset_flushes_caches)
{
    struct world *w = &W;
    world_init(w, NULL);
    for (unsigned i = 0; i < NP; i++)
        gen_seen(w, i);
    CHECK(vsmmu_xlate_tlb_count(w->x.tb.s) >= NP);
    CHECK(vsmmu_xlate_cfg_count(w->x.tb.s) >= 4);
    vsmmu_reset(w->x.tb.s);
    CHECK_EQ(vsmmu_xlate_tlb_count(w->x.tb.s), 0);
    CHECK_EQ(vsmmu_xlate_cfg_count(w->x.tb.s), 0);
}

/* EL2-E2H StreamWorld (CR2.E2H = 1): ASID-tagged, TLBI_EL2_ASID drops
 * its non-global entries only. */
TEST(tlbi_el2_asid_with_e2h)
{
    struct vsmmu_config cfg;
    struct guest_opts o = { .no_smmuen = true };
    struct xt x;
    struct pt p;
    uint64_t ste[8], cd[8], c[2], cdpa;
    uint32_t cr0;

    vsmmu_config_default(&cfg);
    cfg.hyp = true;
    xt_init(&x, &cfg, &o);
    tb_writel(&x.tb, R_CR2, (uint32_t)(fld_mask(CR2_E2H) | fld_mask(CR2_RECINVSID)));
    cr0 = tb_readl(&x.tb, R_CR0) | (uint32_t)fld_mask(CR0_SMMUEN);
    tb_writel(&x.tb, R_CR0, cr0);
    CHECK_EQ(tb_readl(&x.tb, R_CR0ACK), cr0);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 0xA000, fld_mask(PTE_NG)), 0);
    pt_set(&p, 0x2000, 3, s1_leaf(3, 0xA2000, 0), 0);
    cd_make(cd, p.root, 25, 0, 5);
    cdpa = guest_alloc(&x.g, 64, 64);
    cd_write(&x, cdpa, cd);
    ste_s1(ste, cdpa);
    st_set(ste, STE_STRW, STRW_EL2);
    guest_write_ste(&x.g, 1, ste);
    /* Two ranges and AP[1] as in EL1: unprivileged access allowed. */
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ), 0xA2000, 0x1000);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 0xB000, fld_mask(PTE_NG)), 0);
    pt_set(&p, 0x2000, 3, s1_leaf(3, 0xB2000, 0), 0);
    guest_cmd_op(c, OP_TLBI_EL2_ASID);
    st_set(c, CMD_ASID, 4);                 /* another ASID: nothing */
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    st_set(c, CMD_ASID, 5);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xB000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ), 0xA2000, 0x1000); /* global */
    guest_cmd_op(c, OP_TLBI_EL2_VAA);
    c[1] |= 0x2000;
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ), 0xB2000, 0x1000);
    xt_fini(&x);
}

/* A stage-1-only SMMU: entries carry no VMID; TLBI_NH_VA still finds them
 * (by the targeted probe), and only the page asked for goes. */
TEST(tlbi_nh_va_without_stage2)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    uint64_t cd[8], c[2];

    vsmmu_config_default(&cfg);
    cfg.stage2 = false;
    xt_init(&x, &cfg, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    for (unsigned i = 1; i <= 3; i++)
        pt_set(&p, 0x1000ull * i, 3, s1_leaf(3, 0xA000ull * i, fld_mask(PTE_NG)), 0);
    pt_set(&p, 0x40000000ull, 2, s1_leaf(2, 0x80000000ull, fld_mask(PTE_NG)), 0);
    cd_make(cd, p.root, 25, 0, 3);
    xt_s1_stream(&x, 1, cd);
    for (unsigned i = 1; i <= 3; i++)
        CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ), 0xA000ull * i, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x40001000ull, VSMMU_ACC_READ), 0x80001000ull, 0x200000);
    for (unsigned i = 1; i <= 3; i++)
        pt_set(&p, 0x1000ull * i, 3, s1_leaf(3, 0xB000ull * i, fld_mask(PTE_NG)), 0);
    pt_set(&p, 0x40000000ull, 2, s1_leaf(2, 0xC0000000ull, fld_mask(PTE_NG)), 0);
    tlbi(c, OP_TLBI_NH_VA, 0, 3, 0x2000);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ), 0x16000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ), 0x1E000, 0x1000);
    tlbi(c, OP_TLBI_NH_VA, 0, 3, 0x40123000ull);     /* inside the 2 MB block */
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x40001000ull, VSMMU_ACC_READ), 0xC0001000ull, 0x200000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ), 0x1E000, 0x1000);
    xt_fini(&x);
}
