// SPDX-License-Identifier: MIT
/* Stage 2 (start levels, concatenation, S2AP, XN) and nested translation
 * (stage-2 faults on CD and table fetches, CLASS and IPA fields). */
#include <pthread.h>

#include "test_xlate_util.h"

static void s2_only_ste(struct xt *x, uint32_t sid, const struct pt *p, unsigned tg,
                        unsigned t0sz, unsigned sl0, unsigned vmid)
{
    uint64_t ste[8] = {0};
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S2);
    ste_s2(ste, vmid, t0sz, sl0, tg, p->root);
    guest_write_ste(&x->g, sid, ste);
}

/* Hand-computed vectors: each granule, each S2SL0 start level, start
 * tables concatenated 1, 2, 4 and 16 times, every block size. */
static const struct {
    unsigned g, tg, t0sz, sl0, start, leaf;
    uint64_t ipa, out, size;
} vec[] = {
    /* 2 concatenated level-1 tables */
    { 12, 0, 24, 1, 1, 3, 0x5a5a5a5a5aull, 0x123400000a5aull, 0x1000ull },
    { 12, 0, 24, 1, 1, 1, 0x5a5a5a5a5aull, 0x12341a5a5a5aull, 0x40000000ull },
    { 12, 0, 24, 1, 1, 2, 0x5a5a5a5a5aull, 0x1234001a5a5aull, 0x200000ull },
    { 12, 0, 16, 2, 0, 3, 0x5a5a5a5a5a5aull, 0x123400000a5aull, 0x1000ull },
    { 12, 0, 16, 2, 0, 1, 0x5a5a5a5a5a5aull, 0x12341a5a5a5aull, 0x40000000ull },
    { 12, 0, 16, 2, 0, 2, 0x5a5a5a5a5a5aull, 0x1234001a5a5aull, 0x200000ull },
    { 12, 0, 34, 0, 2, 3, 0x1a5a5a5aull, 0x123400000a5aull, 0x1000ull },
    { 12, 0, 34, 0, 2, 2, 0x1a5a5a5aull, 0x1234001a5a5aull, 0x200000ull },
    /* 16 concatenated level-2 tables */
    { 12, 0, 30, 0, 2, 3, 0x25a5a5a5aull, 0x123400000a5aull, 0x1000ull },
    { 12, 0, 30, 0, 2, 2, 0x25a5a5a5aull, 0x1234001a5a5aull, 0x200000ull },
    { 14, 2, 28, 1, 2, 3, 0xa5a5a5a5aull, 0x123400001a5aull, 0x4000ull },
    { 14, 2, 28, 1, 2, 2, 0xa5a5a5a5aull, 0x1234005a5a5aull, 0x2000000ull },
    { 14, 2, 22, 2, 1, 3, 0x25a5a5a5a5aull, 0x123400001a5aull, 0x4000ull },
    { 14, 2, 22, 2, 1, 2, 0x25a5a5a5a5aull, 0x1234005a5a5aull, 0x2000000ull },
    { 14, 2, 39, 0, 3, 3, 0x5a5a5aull, 0x123400001a5aull, 0x4000ull },
    { 16, 1, 22, 1, 2, 3, 0x25a5a5a5a5aull, 0x123400005a5aull, 0x10000ull },
    { 16, 1, 22, 1, 2, 2, 0x25a5a5a5a5aull, 0x12341a5a5a5aull, 0x20000000ull },
    /* 4 concatenated level-2 tables */
    { 16, 1, 20, 1, 2, 3, 0xa5a5a5a5a5aull, 0x123400005a5aull, 0x10000ull },
    { 16, 1, 20, 1, 2, 2, 0xa5a5a5a5a5aull, 0x12341a5a5a5aull, 0x20000000ull },
    { 16, 1, 16, 2, 1, 3, 0x5a5a5a5a5a5aull, 0x123400005a5aull, 0x10000ull },
    { 16, 1, 16, 2, 1, 2, 0x5a5a5a5a5a5aull, 0x12341a5a5a5aull, 0x20000000ull },
};

TEST(s2_granule_level_concat_vectors)
{
    struct xt x;
    xt_init(&x, NULL, NULL);
    for (unsigned i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        struct pt p;
        unsigned sh;
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

        pt_new(&p, &x, vec[i].g, vec[i].start, 64 - vec[i].t0sz, 0);
        sh = pt_shift(&p, vec[i].leaf);
        pt_set(&p, vec[i].ipa, vec[i].leaf, s2_leaf(vec[i].leaf, 0x123400000000ull & ~((1ull << sh) - 1), 0), 0);
        s2_only_ste(&x, 10 + i, &p, vec[i].tg, vec[i].t0sz, vec[i].sl0, 1 + i);
        r = xt_tr(&x, 10 + i, VSMMU_NO_SSID, vec[i].ipa, VSMMU_ACC_WRITE);
        CHECK_MSG(r.status == VSMMU_XLATE_OK && r.addr == vec[i].out && r.size == vec[i].size,
                  "vector %u: status %d event 0x%x addr 0x%llx size 0x%llx", i, r.status,
                  r.event_type, (unsigned long long)r.addr, (unsigned long long)r.size);
        r = xt_tr(&x, 10 + i, VSMMU_NO_SSID, vec[i].ipa ^ 0x8, VSMMU_ACC_READ);
        CHECK_EQ(r.addr, vec[i].out ^ 0x8);
        /* Beyond the stage-2 input size (below IAS): F_TRANSLATION, S2,
         * CLASS = IN. */
        if (vec[i].t0sz == 16)
            continue;
        r = xt_tr(&x, 10 + i, VSMMU_NO_SSID, 1ull << (64 - vec[i].t0sz), VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_F_TRANSLATION);
        xt_expect_event(&x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 10 + i, .rnw = true,
                                           .s2 = true, .class_ = EVT_CLASS_IN,
                                           .input = 1ull << (64 - vec[i].t0sz),
                                           .ipa = 1ull << (64 - vec[i].t0sz) });
    }
    xt_fini(&x);
}

/* S2AP and XN[1:0] (IDR3.XNX is advertised). */
TEST(s2_permissions)
{
    struct xt x;
    struct pt p;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    /* allowed: R W PX UX for (S2AP, XN) */
    static const struct { unsigned ap, xn; const char *allow; } t[] = {
        { 0, 0, "0011" }, { 1, 0, "1011" }, { 2, 0, "0111" }, { 3, 0, "1111" },
        { 3, 1, "1101" }, { 3, 2, "1100" }, { 3, 3, "1110" },
    };
    static const unsigned acc[4] = {
        VSMMU_ACC_READ, VSMMU_ACC_WRITE, VSMMU_ACC_READ | VSMMU_ACC_EXEC | VSMMU_ACC_PRIV,
        VSMMU_ACC_READ | VSMMU_ACC_EXEC,
    };

    xt_init(&x, NULL, NULL);
    CHECK(fld_get(tb_readl(&x.tb, R_IDR3), IDR3_XNX));
    pt_new(&p, &x, 12, 1, 40, 0);
    for (unsigned i = 0; i < 7; i++) {
        uint64_t d = s2_leaf(3, 0x50000000ull + 0x1000ull * i, 0);
        d = fld_set(d, PTE_S2AP, t[i].ap);
        d = fld_set(d, PTE_S2XN, t[i].xn);
        pt_set(&p, 0x1000ull * (i + 1), 3, d, 0);
    }
    s2_only_ste(&x, 1, &p, 0, 24, 1, 5);
    for (unsigned i = 0; i < 7; i++)
        for (unsigned a = 0; a < 4; a++) {
            uint64_t ipa = 0x1000ull * (i + 1) + 0x40;
            bool want = t[i].allow[a] == '1';
            r = xt_tr(&x, 1, VSMMU_NO_SSID, ipa, acc[a]);
            CHECK_MSG((r.status == VSMMU_XLATE_OK) == want, "row %u access %u: status %d", i, a,
                      r.status);
            if (!want) {
                CHECK_EQ(r.status, VSMMU_XLATE_FAULT);   /* stage 2 always aborts */
                xt_expect_event(&x, &(struct xev){ .type = EVT_F_PERMISSION, .sid = 1,
                                    .rnw = !(acc[a] & VSMMU_ACC_WRITE),
                                    .ind = (acc[a] & VSMMU_ACC_EXEC) != 0,
                                    .pnu = (acc[a] & VSMMU_ACC_PRIV) != 0, .s2 = true,
                                    .class_ = EVT_CLASS_IN, .input = ipa, .ipa = ipa });
            }
        }
    xt_fini(&x);
}

/* Stage-2 AF, S2AFFD, S2PS address size, S2R. */
TEST(s2_access_flag_address_size_and_s2r)
{
    struct xt x;
    struct pt p;
    uint64_t ste[8] = {0};
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 40, 0);
    pt_set(&p, 0x1000, 3, s2_leaf(3, 0x9000, 0) & ~fld_mask(PTE_AF), 0);
    pt_set(&p, 0x2000, 3, s2_leaf(3, 1ull << 40, 0), 0);    /* beyond S2PS 40 */
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S2);
    ste_s2(ste, 3, 24, 1, 0, p.root);
    st_set(ste, STE_S2PS, 2);
    guest_write_ste(&x.g, 1, ste);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ACCESS);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_ACCESS, .sid = 1, .rnw = true, .s2 = true,
                                       .class_ = EVT_CLASS_IN, .input = 0x1000, .ipa = 0x1000 });
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ADDR_SIZE);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_ADDR_SIZE, .sid = 1, .rnw = true, .s2 = true,
                                       .class_ = EVT_CLASS_IN, .input = 0x2000, .ipa = 0x2000 });
    st_set(ste, STE_S2AFFD, 1);
    st_set(ste, STE_S2R, 0);
    guest_write_ste(&x.g, 2, ste);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x9000, 0x1000);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);      /* S2R = 0: not recorded */
    /* Stage 1 bypassed, stage 2 on: input beyond IAS is a stage-1 F_ADDR_SIZE. */
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 1ull << 48, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ADDR_SIZE);
    xt_expect_event(&x, &(struct xev){ .type = EVT_F_ADDR_SIZE, .sid = 2, .rnw = true,
                                       .class_ = EVT_CLASS_IN, .input = 1ull << 48 });
    /* Stage 2 only with a SubstreamID: C_BAD_SUBSTREAMID. */
    r = xt_tr(&x, 2, 1, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_SUBSTREAMID);
    xt_fini(&x);
}

/* ---- nested ----------------------------------------------------------------- */

#define OFF 0x100000000ull      /* IPA of guest RAM = PA + OFF */

struct nest {
    struct xt x;
    struct pt s2, s1;
    uint64_t ste[8], cd[8], cdpa;
};

/* Stage 2: 4K, 40-bit IPA, level-1 start (2 tables):
 *   IPA [OFF + RAM, +1G) -> RAM (1 GB block)
 *   IPA [0x80000000, +1G) -> PA 0xC0000000 (1 GB block)
 *   IPA 0x100000000 + n*4K -> 0xD0000000 + n*4K (pages, n < 4)
 * Stage 1: 4K, T0SZ 25, tables in RAM reached by IPA:
 *   VA 0x1000 -> IPA 0x80001000;  VA 0x400000 (2 MB block) -> IPA 0x100000000. */
static void nest_init(struct nest *n, const struct vsmmu_config *cfg)
{
    xt_init(&n->x, cfg, NULL);
    pt_new(&n->s2, &n->x, 12, 1, 40, 0);
    pt_set(&n->s2, OFF + RAM, 1, s2_leaf(1, RAM, 0), 0);
    pt_set(&n->s2, 0x80000000ull, 1, s2_leaf(1, 0xC0000000ull, 0), 0);
    for (unsigned i = 0; i < 4; i++)
        pt_set(&n->s2, 0x100000000ull + 0x1000ull * i, 3, s2_leaf(3, 0xD0000000ull + 0x1000ull * i, 0), 0);
    pt_new(&n->s1, &n->x, 12, 1, 39, OFF);
    pt_set(&n->s1, 0x1000, 3, s1_leaf(3, 0x80001000ull, 0), 0);
    pt_set(&n->s1, 0x400000, 2, s1_leaf(2, 0x100000000ull, 0), 0);
    cd_make(n->cd, n->s1.root + OFF, 25, 0, 9);
    n->cdpa = guest_alloc(&n->x.g, 64, 64);
    cd_write(&n->x, n->cdpa, n->cd);
    ste_s1(n->ste, n->cdpa + OFF);
    st_set(n->ste, STE_CONFIG, STE_CFG_NESTED);
    ste_s2(n->ste, 4, 24, 1, 0, n->s2.root);
    guest_write_ste(&n->x.g, 1, n->ste);
}

TEST(nested_translation)
{
    struct nest n;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    nest_init(&n, NULL);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x1010, VSMMU_ACC_WRITE);
    CHECK_OK(r, 0xC0001010ull, 0x1000);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x1018, VSMMU_ACC_READ);      /* TLB hit */
    CHECK_OK(r, 0xC0001018ull, 0x1000);
    /* A 2 MB stage-1 block over 4K stage-2 pages: the entry is 4K. */
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x403010, VSMMU_ACC_READ);
    CHECK_OK(r, 0xD0003010ull, 0x1000);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x401010, VSMMU_ACC_READ);
    CHECK_OK(r, 0xD0001010ull, 0x1000);
    /* Final IPA unmapped at stage 2: S2 = 1, CLASS = IN, IPA. */
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x404010, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 1, .rnw = true,
                                         .s2 = true, .class_ = EVT_CLASS_IN, .input = 0x404010,
                                         .ipa = 0x100004010ull });
    /* Stage-1 fault: S2 = 0. */
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 1, .rnw = true,
                                         .class_ = EVT_CLASS_IN, .input = 0x2000 });
    xt_fini(&n.x);
}

/* A CD at an IPA that stage 2 does not map: S2 = 1, CLASS = CD, IPA = the
 * CD's IPA (priority over F_CD_FETCH). */
TEST(nested_s2_fault_on_cd_fetch)
{
    struct nest n;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    nest_init(&n, NULL);
    n.ste[0] = fld_set(n.ste[0], STE_S1CTXPTR, 0x200000040ull >> 6);
    guest_write_ste(&n.x.g, 2, n.ste);
    r = xt_tr(&n.x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE | VSMMU_ACC_PRIV);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 2, .pnu = true,
                                         .s2 = true, .class_ = EVT_CLASS_CD, .input = 0x1000,
                                         .ipa = 0x200000040ull });
    /* The CD IPA maps to unbacked PA: F_CD_FETCH with the PA. */
    pt_set(&n.s2, 0x300000000ull, 1, s2_leaf(1, 0, 0), 0);
    n.ste[0] = fld_set(n.ste[0], STE_S1CTXPTR, 0x300000040ull >> 6);
    guest_write_ste(&n.x.g, 3, n.ste);
    r = xt_tr(&n.x, 3, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_CD_FETCH);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_CD_FETCH, .sid = 3, .fetch = 0x40 });
    /* S2R = 0 suppresses the stage-2 fault on the CD fetch. */
    n.ste[0] = fld_set(n.ste[0], STE_S1CTXPTR, 0x200000040ull >> 6);
    st_set(n.ste, STE_S2R, 0);
    guest_write_ste(&n.x.g, 4, n.ste);
    r = xt_tr(&n.x, 4, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&n.x);
    xt_fini(&n.x);
}

/* Stage-1 table fetches: stage-2 faults (CLASS = TT, IPA = descriptor
 * IPA), F_WALK_EABT on the final PA (S2 = 0, CLASS = TT), S2PTW. */
TEST(nested_s2_fault_on_table_fetch)
{
    struct nest n;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    nest_init(&n, NULL);
    /* TTB0 at IPA 0x300000000 (not mapped); VA 0x40001000 uses L1 index 1. */
    n.cd[1] = fld_set(n.cd[1], 55, 4, 0x300000000ull >> 4);
    cd_write(&n.x, n.cdpa, n.cd);
    CHECK_EQ(guest_cfgi_cd(&n.x.g, 1, 0), 0);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x40001000ull, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 1, .rnw = true,
                                         .s2 = true, .class_ = EVT_CLASS_TT, .input = 0x40001000ull,
                                         .ipa = 0x300000008ull });
    /* Map it to PA 0 (unbacked): F_WALK_EABT, S2 = 0, FetchAddr = 0x8. */
    pt_set(&n.s2, 0x300000000ull, 1, s2_leaf(1, 0, 0), 0);
    CHECK_EQ(guest_tlbi_nsnh_all(&n.x.g), 0);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x40001000ull, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_WALK_EABT);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_WALK_EABT, .sid = 1, .rnw = true,
                                         .class_ = EVT_CLASS_TT, .input = 0x40001000ull,
                                         .fetch = 0x8 });
    /* Write-only at stage 2: reading the descriptor is a stage-2
     * permission fault with TTRnW = 1 (read). */
    pt_set(&n.s2, 0x300000000ull, 1, fld_set(s2_leaf(1, RAM, 0), PTE_S2AP, 2), 0);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x40001000ull, VSMMU_ACC_WRITE);
    CHECK_FAULT(r, EVT_F_PERMISSION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_PERMISSION, .sid = 1, .s2 = true,
                                         .class_ = EVT_CLASS_TT, .ttrnw = true,
                                         .input = 0x40001000ull, .ipa = 0x300000008ull });
    /* S2PTW with the tables in stage-2 Device memory. */
    pt_set(&n.s2, 0x300000000ull, 1, fld_set(s2_leaf(1, RAM, 0), PTE_S2_MEMATTR, 1), 0);
    st_set(n.ste, STE_S2PTW, 1);
    guest_write_ste(&n.x.g, 1, n.ste);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x40001000ull, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_PERMISSION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_PERMISSION, .sid = 1, .rnw = true,
                                         .s2 = true, .class_ = EVT_CLASS_TT, .ttrnw = true,
                                         .input = 0x40001000ull, .ipa = 0x300000008ull });
    st_set(n.ste, STE_S2PTW, 0);
    guest_write_ste(&n.x.g, 1, n.ste);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x40001000ull, VSMMU_ACC_READ);
    /* Walked: the descriptor at RAM + 8 is zero, a stage-1 fault. */
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 1, .rnw = true,
                                         .class_ = EVT_CLASS_IN, .input = 0x40001000ull });
    xt_fini(&n.x);
}

/* Stage-1 output beyond IPS: stage-1 F_ADDR_SIZE before stage 2; L1CD
 * fetches go through stage 2 too. */
TEST(nested_s1_address_size_and_l1cd)
{
    struct vsmmu_config cfg;
    struct nest n;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t l1;

    vsmmu_config_default(&cfg);
    cfg.ssidsize = 8;
    nest_init(&n, &cfg);
    pt_set(&n.s1, 0x3000, 3, s1_leaf(3, 1ull << 40, 0), 0);
    st_set(n.cd, CD_IPS, 2);            /* 40 bits */
    cd_write(&n.x, n.cdpa, n.cd);
    CHECK_EQ(guest_cfgi_cd(&n.x.g, 1, 0), 0);
    r = xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_ADDR_SIZE);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_ADDR_SIZE, .sid = 1, .rnw = true,
                                         .class_ = EVT_CLASS_IN, .input = 0x3000 });
    /* 2-level CD table (64K leaves): the L1 table at an unmapped IPA. */
    l1 = 0x280000000ull;
    n.ste[0] = fld_set(n.ste[0], STE_S1CTXPTR, l1 >> 6);
    st_set(n.ste, STE_S1FMT, S1FMT_2LVL_64K);
    st_set(n.ste, STE_S1CDMAX, 8);
    guest_write_ste(&n.x.g, 5, n.ste);
    r = xt_tr(&n.x, 5, 3, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_TRANSLATION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_TRANSLATION, .sid = 5, .ssv = true,
                                         .ssid = 3, .rnw = true, .s2 = true,
                                         .class_ = EVT_CLASS_CD, .input = 0x1000, .ipa = l1 });
    xt_fini(&n.x);
}

/* S1DSS = bypass in a nested STE: stage 2 only for non-SSID traffic. */
TEST(nested_s1dss_bypass)
{
    struct vsmmu_config cfg;
    struct nest n;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    vsmmu_config_default(&cfg);
    cfg.ssidsize = 8;
    nest_init(&n, &cfg);
    st_set(n.ste, STE_S1CDMAX, 2);
    st_set(n.ste, STE_S1DSS, S1DSS_BYPASS);
    guest_write_ste(&n.x.g, 6, n.ste);
    r = xt_tr(&n.x, 6, VSMMU_NO_SSID, 0x80005000ull, VSMMU_ACC_READ);
    CHECK_OK(r, 0xC0005000ull, 0x40000000ull);
    xt_fini(&n.x);
}

/* S2HA (with HTTU advertised): the SMMU sets AF in the stage-2 leaf. */
TEST(s2_hardware_access_flag)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    uint64_t ste[8] = {0}, slot;

    vsmmu_config_default(&cfg);
    cfg.httu_af = true;
    xt_init(&x, &cfg, NULL);
    pt_new(&p, &x, 12, 1, 40, 0);
    slot = pt_slot(&p, 0x3000, 3, 0);
    tb_w64(&x.tb, slot, s2_leaf(3, 0x7000, 0) & ~fld_mask(PTE_AF));
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S2);
    ste_s2(ste, 1, 24, 1, 0, p.root);
    st_set(ste, STE_S2HA, 1);
    guest_write_ste(&x.g, 1, ste);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x3008, VSMMU_ACC_WRITE), 0x7008, 0x1000);
    CHECK(tb_r64(&x.tb, slot) & fld_mask(PTE_AF));
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* Without IDR3.XNX (SMMUv3.0): only bit 54 is XN, bit 53 is ignored. */
TEST(s2_xn_without_xnx)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;

    vsmmu_config_default(&cfg);
    cfg.aidr_minor = 0;
    xt_init(&x, &cfg, NULL);
    CHECK(!fld_get(tb_readl(&x.tb, R_IDR3), IDR3_XNX));
    pt_new(&p, &x, 12, 1, 40, 0);
    pt_set(&p, 0x1000, 3, fld_set(s2_leaf(3, 0x5000, 0), PTE_S2XN, 1), 0);
    pt_set(&p, 0x2000, 3, fld_set(s2_leaf(3, 0x6000, 0), PTE_S2XN, 2), 0);
    s2_only_ste(&x, 1, &p, 0, 24, 1, 1);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | VSMMU_ACC_EXEC | VSMMU_ACC_PRIV),
             0x5000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | VSMMU_ACC_EXEC), 0x5000, 0x1000);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ | VSMMU_ACC_EXEC), EVT_F_PERMISSION);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ | VSMMU_ACC_EXEC | VSMMU_ACC_PRIV),
                EVT_F_PERMISSION);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ), 0x6000, 0x1000);
    xt_fini(&x);
}

/* Nested: an external abort while walking stage 2 for a stage-1 table
 * fetch is a stage-2 F_WALK_EABT with CLASS = TT and the stage-2
 * descriptor's PA. */
TEST(nested_s2_walk_abort_on_table_fetch)
{
    struct nest n;
    uint64_t l2;

    nest_init(&n, NULL);
    /* IPA 0x300000000 (L1 index 12 of stage 2): a table pointer to
     * unbacked PA 0x10000000. */
    pt_set(&n.s2, 0x300000000ull, 1, 0x10000000ull | 3, 0);
    n.cd[1] = fld_set(n.cd[1], 55, 4, 0x300000000ull >> 4);
    cd_write(&n.x, n.cdpa, n.cd);
    CHECK_EQ(guest_cfgi_cd(&n.x.g, 1, 0), 0);
    CHECK_FAULT(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), EVT_F_WALK_EABT);
    l2 = 0x10000000ull;     /* stage-2 level-2 index of IPA 0x300000000 is 0 */
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_WALK_EABT, .sid = 1, .rnw = true, .s2 = true,
                                         .class_ = EVT_CLASS_TT, .input = 0x1000, .fetch = l2 });
    xt_fini(&n.x);
}

/* Nested with CD.HA: the Access-flag update writes the stage-1 descriptor,
 * which needs stage-2 write permission; read-only stage-2 tables give a
 * stage-2 F_PERMISSION with CLASS = TT and TTRnW = 0 (a write). */
TEST(nested_af_update_needs_s2_write)
{
    struct vsmmu_config cfg;
    struct nest n;
    uint64_t slot;

    vsmmu_config_default(&cfg);
    cfg.httu_af = true;
    nest_init(&n, &cfg);
    slot = pt_slot(&n.s1, 0x7000, 3, 0);
    tb_w64(&n.x.tb, slot, s1_leaf(3, 0x80007000ull, 0) & ~fld_mask(PTE_AF));
    st_set(n.cd, CD_HA, 1);
    cd_write(&n.x, n.cdpa, n.cd);
    CHECK_EQ(guest_cfgi_cd(&n.x.g, 1, 0), 0);
    /* Writable stage 2: the update happens. */
    CHECK_OK(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x7010, VSMMU_ACC_READ), 0xC0007010ull, 0x1000);
    CHECK(tb_r64(&n.x.tb, slot) & fld_mask(PTE_AF));
    /* Read-only stage 2 over RAM: the next update faults. */
    tb_w64(&n.x.tb, slot, s1_leaf(3, 0x80007000ull, 0) & ~fld_mask(PTE_AF));
    pt_set(&n.s2, OFF + RAM, 1, fld_set(s2_leaf(1, RAM, 0), PTE_S2AP, 1), 0);
    CHECK_EQ(guest_tlbi_nsnh_all(&n.x.g), 0);
    CHECK_FAULT(xt_tr(&n.x, 1, VSMMU_NO_SSID, 0x7010, VSMMU_ACC_READ), EVT_F_PERMISSION);
    xt_expect_event(&n.x, &(struct xev){ .type = EVT_F_PERMISSION, .sid = 1, .rnw = true,
                                         .s2 = true, .class_ = EVT_CLASS_TT, .ttrnw = false,
                                         .input = 0x7010, .ipa = (slot + OFF) & ~0xFFFull });
    CHECK(!(tb_r64(&n.x.tb, slot) & fld_mask(PTE_AF)));
    xt_fini(&n.x);
}

/* ---- nested coherence against a cold walk ----------------------------- */

static uint64_t nrng = 0x13198A2E03707344ull;
static uint64_t nrnd(void)
{
    nrng ^= nrng << 13;
    nrng ^= nrng >> 7;
    nrng ^= nrng << 17;
    return nrng;
}

static struct vsmmu_xlate_result ncold(struct xt *x, uint64_t va, unsigned acc)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    vsmmu_lock_plain(x->tb.s);
    vsmmu_xlate_reset(x->tb.s);
    vsmmu_unlock(x->tb.s);
    vsmmu_xlate_forget_thread(x->tb.s);
    CHECK_EQ(vsmmu_translate(x->tb.s, 1, VSMMU_NO_SSID, va, acc, &r), 0);
    return r;
}

/* Random stage-1 and stage-2 remaps, each followed by the invalidation
 * Linux would send (TLBI_NH_VA for stage 1; TLBI_S2_IPA then TLBI_NH_ALL,
 * or TLBI_S12_VMALL, for stage 2): cached answers equal cold walks. */
TEST(nested_cached_results_match_cold_walks)
{
    struct nest n;
    uint64_t c[2];
    unsigned checks = 0;

    nest_init(&n, NULL);
    for (unsigned i = 0; i < 32; i++)
        pt_set(&n.s1, 0x10000ull + 0x1000ull * i, 3, s1_leaf(3, 0x100000000ull + 0x1000ull * (i % 4),
                                                            fld_mask(PTE_NG)), 0);
    for (unsigned step = 0; step < 2000; step++) {
        unsigned what = (unsigned)(nrnd() % 10);
        if (what < 2) {
            unsigned i = (unsigned)(nrnd() % 32);
            pt_set(&n.s1, 0x10000ull + 0x1000ull * i, 3,
                   s1_leaf(3, 0x100000000ull + 0x1000ull * (nrnd() % 6), fld_mask(PTE_NG)), 0);
            guest_cmd_op(c, OP_TLBI_NH_VA);
            st_set(c, CMD_VMID, 4);
            st_set(c, CMD_ASID, 9);
            c[1] |= 0x10000ull + 0x1000ull * i;
            xt_cmd(&n.x, c);
        } else if (what < 4) {
            unsigned j = (unsigned)(nrnd() % 4);
            uint64_t d = nrnd() % 6 ? fld_set(s2_leaf(3, 0xD0000000ull + 0x1000ull * (nrnd() % 64), 0),
                                              PTE_S2AP, 1 + nrnd() % 3)
                                    : 0;
            pt_set(&n.s2, 0x100000000ull + 0x1000ull * j, 3, d, 0);
            if (nrnd() & 1) {
                guest_cmd_op(c, OP_TLBI_S2_IPA);
                st_set(c, CMD_VMID, 4);
                c[1] |= 0x100000000ull + 0x1000ull * j;
                xt_cmd(&n.x, c);
                guest_cmd_op(c, OP_TLBI_NH_ALL);
                st_set(c, CMD_VMID, 4);
            } else {
                guest_cmd_op(c, OP_TLBI_S12_VMALL);
                st_set(c, CMD_VMID, 4);
            }
            xt_cmd(&n.x, c);
        } else {
            uint64_t va = 0x10000ull + 0x1000ull * (nrnd() % 32) + (nrnd() % 0x1000);
            unsigned acc = 1 + (unsigned)(nrnd() % 3);
            struct vsmmu_xlate_result r = xt_tr(&n.x, 1, VSMMU_NO_SSID, va, acc), k;
            if (nrnd() % 4 == 0) {
                k = ncold(&n.x, va, acc);
                CHECK_MSG(r.status == k.status && r.addr == k.addr && r.size == k.size &&
                          r.perm == k.perm && r.event_type == k.event_type,
                          "step %u va 0x%llx: cached %d/0x%llx/0x%x cold %d/0x%llx/0x%x", step,
                          (unsigned long long)va, r.status, (unsigned long long)r.addr,
                          r.event_type, k.status, (unsigned long long)k.addr, k.event_type);
                checks++;
            }
        }
        {
            uint64_t rec[4];
            while (guest_pop_event(&n.x.g, rec))
                ;
        }
    }
    CHECK(checks > 100);
    xt_fini(&n.x);
}
