// SPDX-License-Identifier: MIT
/* Stage-1 permissions (AP, PXN, UXN, WXN, PAN, hierarchical table bits),
 * the Access flag (AFFD, HA), ASID/nG tagging, and CD.A / CD.R. */
#include "test_xlate_util.h"

/* Accesses, in the order of the expectation strings below. */
static const unsigned acc[6] = {
    VSMMU_ACC_READ | VSMMU_ACC_PRIV, VSMMU_ACC_WRITE | VSMMU_ACC_PRIV,
    VSMMU_ACC_READ | VSMMU_ACC_EXEC | VSMMU_ACC_PRIV,
    VSMMU_ACC_READ, VSMMU_ACC_WRITE, VSMMU_ACC_READ | VSMMU_ACC_EXEC,
};

/* Allowed accesses "PR PW PX UR UW UX" as a 6-char mask ('1' = allowed),
 * from the Direct Permission Scheme tables, worked out by hand. */
static const struct {
    unsigned ap;
    bool pxn, uxn, wxn, pan;
    const char *allow;
} ptab[] = {
    /* AP  PXN UXN WXN PAN   PR PW PX UR UW UX */
    { 0, 0, 0, 0, 0, "111001" },   /* priv RW; unpriv execute-only */
    { 1, 0, 0, 0, 0, "110111" },   /* unpriv-writable implies PXN */
    { 2, 0, 0, 0, 0, "101001" },
    { 3, 0, 0, 0, 0, "101101" },
    { 0, 1, 1, 0, 0, "110000" },
    { 1, 1, 1, 0, 0, "110110" },
    { 2, 1, 1, 0, 0, "100000" },
    { 3, 1, 1, 0, 0, "100100" },
    { 3, 1, 0, 0, 0, "100101" },
    { 3, 0, 1, 0, 0, "101100" },
    { 0, 0, 0, 1, 0, "110001" },   /* WXN: priv-writable is not priv-executable */
    { 1, 0, 0, 1, 0, "110110" },   /* WXN: unpriv-writable not unpriv-executable */
    { 2, 0, 0, 1, 0, "101001" },
    { 3, 0, 0, 1, 0, "101101" },
    { 1, 0, 0, 0, 1, "000111" },   /* PAN: no privileged data access */
    { 3, 0, 0, 0, 1, "001101" },   /* PAN does not affect execute */
    { 0, 0, 0, 0, 1, "111001" },
};

TEST(s1_permission_matrix)
{
    struct xt x;
    xt_init(&x, NULL, NULL);
    for (unsigned i = 0; i < sizeof(ptab) / sizeof(ptab[0]); i++) {
        struct pt p;
        uint64_t cd[8], va = 0x10000 + 0x1000ull * i;
        uint64_t extra = (ptab[i].pxn ? fld_mask(PTE_PXN) : 0) | (ptab[i].uxn ? fld_mask(PTE_UXN) : 0);

        pt_new(&p, &x, 12, 1, 39, 0);
        pt_set(&p, va, 3, s1_leaf_ap(3, 0x7000000ull + 0x1000ull * i, ptab[i].ap, extra), 0);
        cd_make(cd, p.root, 25, 0, 1 + i);
        st_set(cd, CD_WXN, ptab[i].wxn);
        st_set(cd, CD_PAN, ptab[i].pan);
        xt_s1_stream(&x, 1 + i, cd);
        for (unsigned a = 0; a < 6; a++) {
            struct vsmmu_xlate_result r = xt_tr(&x, 1 + i, VSMMU_NO_SSID, va + 8, acc[a]);
            bool want = ptab[i].allow[a] == '1';
            CHECK_MSG((r.status == VSMMU_XLATE_OK) == want,
                      "row %u access %u: status %d event 0x%x", i, a, r.status, r.event_type);
            if (want) {
                CHECK_EQ(r.addr, 0x7000008ull + 0x1000ull * i);
                /* perm reports this privilege level's column. */
                unsigned base = a < 3 ? 0 : 3, pm = 0;
                for (unsigned k = 0; k < 3; k++)
                    if (ptab[i].allow[base + k] == '1')
                        pm |= 1u << k;
                CHECK_MSG(r.perm == pm, "row %u access %u: perm 0x%x want 0x%x", i, a, r.perm, pm);
            } else {
                struct xev e = { .type = EVT_F_PERMISSION, .sid = 1 + i,
                                 .rnw = !(acc[a] & VSMMU_ACC_WRITE),
                                 .ind = (acc[a] & VSMMU_ACC_EXEC) != 0,
                                 .pnu = (acc[a] & VSMMU_ACC_PRIV) != 0,
                                 .class_ = EVT_CLASS_IN, .input = va + 8 };
                CHECK_EQ(r.event_type, EVT_F_PERMISSION);
                xt_expect_event(&x, &e);
            }
        }
    }
    xt_fini(&x);
}

/* APTable, PXNTable and UXNTable restrict everything below them, also in
 * cached entries: a read that fills the TLB must not let a later write
 * through a no-write APTable. */
TEST(s1_hierarchical_table_bits)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    /* Three level-2 tables (one per 1 GB region) with different bits. */
    pt_set(&p, 0x00001000, 3, s1_leaf(3, 0x100000, 0), fld_set(0, PTE_APTABLE, 2));
    pt_set(&p, 0x40001000, 3, s1_leaf(3, 0x200000, 0), fld_set(0, PTE_APTABLE, 1));
    pt_set(&p, 0x80001000, 3, s1_leaf_ap(3, 0x300000, 0, 0),
           fld_mask(PTE_PXNTABLE) | fld_mask(PTE_UXNTABLE));
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);

    /* APTable 10: no write below. */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x100000, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_X);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE);   /* after a cached read */
    CHECK_FAULT(r, EVT_F_PERMISSION);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE | VSMMU_ACC_PRIV);
    CHECK_FAULT(r, EVT_F_PERMISSION);
    /* APTable 01: no unprivileged access below. */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x40001000, VSMMU_ACC_WRITE | VSMMU_ACC_PRIV);
    CHECK_OK(r, 0x200000, 0x1000);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x40001000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_F_PERMISSION);
    /* PXNTable + UXNTable: no execute at all; data still fine. */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x80001000, VSMMU_ACC_READ | VSMMU_ACC_PRIV);
    CHECK_OK(r, 0x300000, 0x1000);
    CHECK_EQ(r.perm, VSMMU_PERM_R | VSMMU_PERM_W);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x80001000, VSMMU_ACC_READ | VSMMU_ACC_EXEC | VSMMU_ACC_PRIV);
    CHECK_FAULT(r, EVT_F_PERMISSION);

    /* CD.HAD0 (IDR3.HAD is advertised) disables the table bits. */
    CHECK(fld_get(tb_readl(&x.tb, R_IDR3), IDR3_HAD));
    st_set(cd, CD_HAD0, 1);
    cd[0] = fld_set(cd[0], 63, 48, 2);
    xt_s1_stream(&x, 2, cd);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE);
    CHECK_OK(r, 0x100000, 0x1000);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x40001000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x200000, 0x1000);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x80001000, VSMMU_ACC_READ | VSMMU_ACC_EXEC | VSMMU_ACC_PRIV);
    CHECK_OK(r, 0x300000, 0x1000);
    xt_fini(&x);
}

/* Access flag: F_ACCESS (exact record), AFFD, hardware update with HA. */
TEST(s1_access_flag)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    uint64_t cd[8], slot;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    vsmmu_config_default(&cfg);
    cfg.httu_af = true;
    xt_init(&x, &cfg, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    slot = pt_slot(&p, 0x5000, 3, 0);
    tb_w64(&x.tb, slot, s1_leaf(3, 0x9000, 0) & ~fld_mask(PTE_AF));
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x5004, VSMMU_ACC_WRITE);
    CHECK_FAULT(r, EVT_F_ACCESS);
    {
        struct xev e = { .type = EVT_F_ACCESS, .sid = 1, .class_ = EVT_CLASS_IN, .input = 0x5004 };
        xt_expect_event(&x, &e);
    }
    /* AFFD: AF treated as 1, descriptor left alone. */
    st_set(cd, CD_AFFD, 1);
    xt_s1_stream(&x, 2, cd);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x5004, VSMMU_ACC_WRITE);
    CHECK_OK(r, 0x9004, 0x1000);
    CHECK(!(tb_r64(&x.tb, slot) & fld_mask(PTE_AF)));
    /* HA: the SMMU sets AF in the descriptor. */
    st_set(cd, CD_AFFD, 0);
    st_set(cd, CD_HA, 1);
    cd[0] = fld_set(cd[0], 63, 48, 3);
    xt_s1_stream(&x, 3, cd);
    r = xt_tr(&x, 3, VSMMU_NO_SSID, 0x5004, VSMMU_ACC_READ);
    CHECK_OK(r, 0x9004, 0x1000);
    CHECK(tb_r64(&x.tb, slot) & fld_mask(PTE_AF));
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* CD.HA without advertised HTTU is ILLEGAL. */
TEST(s1_ha_without_httu_is_bad_cd)
{
    struct xt x;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    cd_make(cd, RAM + 0x10000, 25, 0, 1);
    st_set(cd, CD_HA, 1);
    xt_s1_stream(&x, 1, cd);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_CD);
    xt_fini(&x);
}

/* nG entries are tagged by ASID; global entries match every ASID. */
TEST(s1_asid_and_global_tagging)
{
    struct xt x;
    struct pt pa, pb;
    uint64_t cd[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&pa, &x, 12, 1, 39, 0);
    pt_new(&pb, &x, 12, 1, 39, 0);
    pt_set(&pa, 0x1000, 3, s1_leaf(3, 0xA1000, fld_mask(PTE_NG)), 0);
    pt_set(&pb, 0x1000, 3, s1_leaf(3, 0xB1000, fld_mask(PTE_NG)), 0);
    pt_set(&pa, 0x2000, 3, s1_leaf(3, 0xA2000, 0), 0);     /* global */
    pt_set(&pb, 0x2000, 3, s1_leaf(3, 0xB2000, 0), 0);     /* global */
    cd_make(cd, pa.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    cd_make(cd, pb.root, 25, 0, 2);
    xt_s1_stream(&x, 2, cd);

    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0xA1000, 0x1000);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0xB1000, 0x1000);       /* own ASID: no cross hit */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0xA1000, 0x1000);
    /* A global entry cached through ASID 1 serves ASID 2 as well (as on
     * hardware, global entries are shared: software keeps them equal). */
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ);
    CHECK_OK(r, 0xA2000, 0x1000);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ);
    CHECK_OK(r, 0xA2000, 0x1000);
    xt_fini(&x);
}

/* CD.A = 0: RAZ/WI termination (with R: recorded); CD.R = 0: nothing
 * recorded; configuration errors always abort. */
TEST(s1_cd_a_and_r)
{
    struct xt x;
    uint64_t cd[8];
    struct pt p;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    cd_make(cd, p.root, 25, 0, 1);
    st_set(cd, CD_A, 0);
    xt_s1_stream(&x, 1, cd);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_RAZWI);
    CHECK_EQ(r.event_type, EVT_F_TRANSLATION);
    CHECK(r.recorded);
    {
        struct xev e = { .type = EVT_F_TRANSLATION, .sid = 1, .rnw = true,
                         .class_ = EVT_CLASS_IN, .input = 0x3000 };
        xt_expect_event(&x, &e);
    }
    st_set(cd, CD_R, 0);
    xt_s1_stream(&x, 2, cd);
    r = xt_tr(&x, 2, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_RAZWI);
    CHECK_EQ(r.event_type, 0);
    CHECK(!r.recorded);
    st_set(cd, CD_A, 1);
    xt_s1_stream(&x, 3, cd);
    r = xt_tr(&x, 3, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&x);
    /* The event queue disabled: the event is generated but not recorded. */
    tb_writel(&x.tb, R_CR0, tb_readl(&x.tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x3000, VSMMU_ACC_READ);
    CHECK_EQ(r.event_type, EVT_F_TRANSLATION);
    CHECK(!r.recorded);
    xt_fini(&x);
}

/* The hit path's table of required permissions agrees with the full
 * classification for every access type. */
TEST(access_need_table_matches_classify)
{
    for (unsigned access = 1; access < 16; access++) {
        struct acc a;
        if (!(access & 7))
            continue;
        classify(access, 0, 0, &a);
        CHECK_MSG(access_need(access) == a.need, "access 0x%x: 0x%x vs 0x%x", access,
                  access_need(access), a.need);
        CHECK_EQ(a.priv, (access & VSMMU_ACC_PRIV) != 0);
    }
    /* api_perm picks the column of the privilege level. */
    CHECK_EQ(api_perm(XP_PR | XP_PX | XP_UW, true), VSMMU_PERM_R | VSMMU_PERM_X);
    CHECK_EQ(api_perm(XP_PR | XP_PX | XP_UW, false), VSMMU_PERM_W);
}
