// SPDX-License-Identifier: MIT
/* Simulated iommufd kernel, SMMUv3 driver: vSTE checks, nested attach,
 * invalidation through the vIOMMU, host event forwarding. */
#include "test_sim.h"

TEST(smmuv3_vste_v0_accepted_and_zeroed)
{
    struct smmu_env e;
    uint32_t h;
    uint64_t v[2];
    smmu_env_init(&e);
    /* V=0 with garbage elsewhere: accepted, kept as all zero (abort) */
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, 0xfffffffffffffffeull, ~0ull, &h), 0);
    CHECK_EQ(vsmmu_simx_vste(e.t, h, v), 0);
    CHECK_EQ(v[0], 0);
    CHECK_EQ(v[1], 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_vste_allowed_masks)
{
    struct smmu_env e;
    uint32_t h;
    uint64_t v[2];
    smmu_env_init(&e);
    /* every allowed bit with Config = S1 and EATS = 1 */
    uint64_t w0 = 0xF80FFFFFFFFFFFFFull, w1 = 0x00000000380000FFull;
    w0 = fld_set(w0, STE_CONFIG, STE_CFG_S1);
    w1 = fld_set(w1, 93 - 64, 92 - 64, 1);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, w0, w1, &h), 0);
    CHECK_EQ(vsmmu_simx_vste(e.t, h, v), 0);
    CHECK_EQ(v[0], w0);
    CHECK_EQ(v[1], w1 & ~fld_mask(93 - 64, 92 - 64));   /* EATS stripped */
    /* each disallowed bit alone gives EIO */
    unsigned before = vsmmu_sim_count(e.t, "hwpt");
    for (unsigned b = 0; b < 64; b++) {
        if (!((0xF80FFFFFFFFFFFFFull >> b) & 1)) {
            CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_S1) | (1ull << b), 0,
                                &h), -EIO);
        }
        if (!((0x00000000380000FFull >> b) & 1)) {
            CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_S1), 1ull << b, &h),
                     -EIO);
        }
    }
    CHECK_EQ(vsmmu_sim_count(e.t, "hwpt"), before);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_vste_config_and_eats)
{
    struct smmu_env e;
    uint32_t h;
    smmu_env_init(&e);
    for (unsigned cfg = 0; cfg < 8; cfg++) {
        int want = cfg == 0 || cfg == 4 || cfg == 5 ? 0 : -EIO;
        CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(cfg), 0, &h), want);
    }
    for (unsigned eats = 0; eats < 4; eats++) {
        uint64_t w1 = fld_set(0, 93 - 64, 92 - 64, eats);
        CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_S1), w1, &h),
                 eats <= 1 ? 0 : -EIO);
    }
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_nested_alloc_argument_rules)
{
    struct smmu_env e;
    uint32_t h;
    uint8_t d[24];
    smmu_env_init(&e);
    memset(d, 0, sizeof(d));
    vsmmu_put_le64(d, ste0(STE_CFG_BYPASS));
    /* ALLOC_PASID reaches the driver, which takes no flags; FAULT_ID_VALID is
     * stripped before the driver and then fault object 0 is not found */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.viommu, 1u << 3, 2, d, 16, &h),
             -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.viommu, 1u << 2, 2, d, 16, &h),
             -ENOENT);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.viommu, 1u << 0, 2, d, 16, &h),
             -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.viommu, 0, 0xdead, d, 16, &h),
             -EINVAL);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.viommu, 0, 2, d, 8, &h), -EINVAL);
    /* longer than the driver's struct: EINVAL even with a zero tail */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.viommu, 0, 2, d, 24, &h), -EINVAL);
    CHECK_EQ(vsmmu_sim_count(e.t, "hwpt"), 1);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.viommu, 0, 2, d, 16, &h), 0);
    /* nesting on the parent HWPT directly is not an SMMUv3 feature */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.s2, 0, 2, d, 16, &h), -EOPNOTSUPP);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_attach_proxy_without_vdevice_s1_needs_one)
{
    struct smmu_env e;
    uint32_t abort_h, bypass_h, v0_h, s1_h, vd;
    smmu_env_init(&e);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_ABORT), 0, &abort_h), 0);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_BYPASS), 0, &bypass_h), 0);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, 0, 0, &v0_h), 0);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_S1), 0, &s1_h), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, abort_h), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, bypass_h), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, v0_h), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, s1_h), -ENOENT);
    CHECK_EQ(vsmmu_simx_attached(e.t, e.dev.dev_id), v0_h);   /* unchanged */
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 0x10, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, s1_h), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, s1_h), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, bypass_h), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_attach_v615_rule)
{
    struct smmu_env e;
    uint32_t bypass_h, vd;
    smmu_env_init(&e);
    vsmmu_simx_set_attach_v615(e.t, true);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_BYPASS), 0, &bypass_h), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, bypass_h), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 0x10, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, bypass_h), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

/* ---- invalidation ----------------------------------------------------- */
static int inv(struct smmu_env *e, const uint64_t (*cmds)[2], uint32_t n, uint32_t *done)
{
    uint8_t buf[16 * 80];
    for (uint32_t i = 0; i < n; i++) {
        vsmmu_put_le64(buf + 16 * i, cmds[i][0]);
        vsmmu_put_le64(buf + 16 * i + 8, cmds[i][1]);
    }
    *done = n;
    return vsmmu_iommufd_hwpt_invalidate(e->t, e->viommu, VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3,
                                         buf, 16, done);
}

static uint64_t cmd0(unsigned op)
{
    return fld_set(0, CMD_OP, op);
}

TEST(smmuv3_invalidate_accepted_opcodes_rewritten)
{
    struct smmu_env e;
    uint32_t vd, n, idr[6];
    uint64_t c[2];
    sim_default_idrs(idr);
    idr[0] |= (uint32_t)fld_mask(IDR0_ATS);
    smmu_env_init_idr(&e, idr);
    long vmid = vsmmu_simx_vmid(e.t, e.viommu);
    long psid = vsmmu_simx_psid(e.t, e.dev.dev_id);
    CHECK(vmid > 0);
    CHECK(psid > 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 0x21, &vd), 0);
    vmid = vsmmu_simx_vmid(e.t, e.viommu);
    psid = vsmmu_simx_psid(e.t, e.dev.dev_id);
    const uint64_t cmds[][2] = {
        { fld_set(cmd0(OP_TLBI_NH_ALL), CMD_VMID, 0x77), 0 },
        { fld_set(fld_set(cmd0(OP_TLBI_NH_ASID), CMD_VMID, 0x77), CMD_ASID, 5), 0 },
        { fld_set(cmd0(OP_TLBI_NH_VA), CMD_ASID, 5), 0xabc000 },
        { cmd0(OP_TLBI_NH_VAA), 0xdef000 },
        { cmd0(OP_TLBI_NSNH_ALL), 0 },
        { fld_set(cmd0(OP_ATC_INV), CMD_SID, 0x21), 0x5000 | 12 },
        { fld_set(fld_set(cmd0(OP_CFGI_CD), CMD_SID, 0x21), CMD_SSID, 3), 1 },
        { fld_set(cmd0(OP_CFGI_CD_ALL), CMD_SID, 0x21), 0 },
    };
    CHECK_EQ(inv(&e, cmds, 8, &n), 0);
    CHECK_EQ(n, 8);
    CHECK_EQ(vsmmu_simx_issued(e.t, 0, c), 8);
    CHECK_EQ(c[0], fld_set(cmds[0][0], CMD_VMID, (uint64_t)vmid));
    vsmmu_simx_issued(e.t, 1, c);
    CHECK_EQ(fld_get(c[0], CMD_VMID), vmid);
    CHECK_EQ(fld_get(c[0], CMD_ASID), 5);
    vsmmu_simx_issued(e.t, 2, c);
    CHECK_EQ(fld_get(c[0], CMD_VMID), vmid);
    CHECK_EQ(c[1], 0xabc000);
    vsmmu_simx_issued(e.t, 4, c);   /* NSNH_ALL -> NH_ALL with the VMID only */
    CHECK_EQ(c[0], fld_set(cmd0(OP_TLBI_NH_ALL), CMD_VMID, (uint64_t)vmid));
    CHECK_EQ(c[1], 0);
    vsmmu_simx_issued(e.t, 5, c);
    CHECK_EQ(c[0], fld_set(cmd0(OP_ATC_INV), CMD_SID, (uint64_t)psid));
    CHECK_EQ(c[1], 0x5000 | 12);
    vsmmu_simx_issued(e.t, 6, c);
    CHECK_EQ(fld_get(c[0], CMD_SID), psid);
    CHECK_EQ(fld_get(c[0], CMD_SSID), 3);
    vsmmu_simx_issued(e.t, 7, c);
    CHECK_EQ(fld_get(c[0], CMD_SID), psid);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_invalidate_rejected_opcodes_eio)
{
    struct smmu_env e;
    uint32_t n;
    smmu_env_init(&e);
    static const unsigned bad[] = { OP_CFGI_STE, OP_CFGI_STE_RANGE, OP_PREFETCH_CONFIG,
                                    OP_PREFETCH_ADDR, OP_TLBI_EL2_ALL, OP_TLBI_EL2_VA,
                                    OP_TLBI_S12_VMALL, OP_TLBI_S2_IPA, OP_PRI_RESP,
                                    OP_RESUME, OP_SYNC, 0x00, 0xff };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const uint64_t c[1][2] = { { cmd0(bad[i]), 0 } };
        CHECK_EQ(inv(&e, c, 1, &n), -EIO);
        CHECK_EQ(n, 0);
    }
    CHECK_EQ(vsmmu_simx_issued(e.t, 0, NULL), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_invalidate_unknown_vsid_and_entry_num)
{
    struct smmu_env e;
    uint32_t n, vd;
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 0x21, &vd), 0);
    const uint64_t c[4][2] = {
        { cmd0(OP_TLBI_NH_ALL), 0 },
        { fld_set(cmd0(OP_CFGI_CD_ALL), CMD_SID, 0x21), 0 },
        { fld_set(cmd0(OP_CFGI_CD), CMD_SID, 0x22), 0 },   /* unknown vSID */
        { cmd0(OP_TLBI_NH_ALL), 0 },
    };
    CHECK_EQ(inv(&e, c, 4, &n), -EIO);
    CHECK_EQ(n, 2);   /* handled before the failing one */
    /* the failing command's batch was not issued */
    CHECK_EQ(vsmmu_simx_issued(e.t, 0, NULL), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_invalidate_batches_of_63)
{
    struct smmu_env e;
    uint64_t c[70][2];
    uint32_t n;
    smmu_env_init(&e);
    for (int i = 0; i < 70; i++) {
        c[i][0] = cmd0(OP_TLBI_NH_ASID);
        c[i][1] = 0;
    }
    c[65][0] = cmd0(OP_CFGI_STE);
    CHECK_EQ(inv(&e, (const uint64_t (*)[2])c, 70, &n), -EIO);
    CHECK_EQ(n, 65);
    CHECK_EQ(vsmmu_simx_issued(e.t, 0, NULL), 63);   /* the first full batch only */
    c[65][0] = cmd0(OP_TLBI_NH_ASID);
    CHECK_EQ(inv(&e, (const uint64_t (*)[2])c, 70, &n), 0);
    CHECK_EQ(n, 70);
    CHECK_EQ(vsmmu_simx_issued(e.t, 0, NULL), 133);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_invalidate_core_rules)
{
    struct smmu_env e;
    uint8_t buf[64];
    uint32_t n, h, vd;
    smmu_env_init(&e);
    memset(buf, 0, sizeof(buf));
    vsmmu_put_le64(buf, cmd0(OP_TLBI_NH_ALL));
    n = 0;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, buf, 16, &n), -EINVAL);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, NULL, 16, &n), -EINVAL);
    CHECK_EQ(n, 0);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, buf, 0, &n), -EINVAL);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 0xdeadbeef, buf, 16, &n), -EINVAL);
    CHECK_EQ(n, 0);
    /* the core bounds entry_len (a page) and entry_num (2^19) */
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, buf, 4097, &n), -EINVAL);
    n = (1u << 19) + 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, buf, 16, &n), -EINVAL);
    CHECK_EQ(n, 0);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, 99, 1, buf, 16, &n), -ENOENT);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.s2, 1, buf, 16, &n), -EINVAL);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_BYPASS), 0, &h), 0);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, h, 1, buf, 16, &n), -EOPNOTSUPP);
    CHECK_EQ(n, 0);
    /* a shorter entry is zero-extended; a longer one needs a zero tail */
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, buf, 8, &n), 0);
    CHECK_EQ(n, 1);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, buf, 24, &n), 0);
    buf[20] = 1;
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, buf, 24, &n), -E2BIG);
    CHECK_EQ(n, 0);
    (void)vd;
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(mock_invalidate_rules)
{
    struct mock_env m;
    uint32_t nested, vd, n;
    uint8_t e[24];
    mock_env_init(&m);
    CHECK_EQ(mock_nested(&m, &nested), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0x99, &vd), 0);
    memset(e, 0, sizeof(e));
    /* vIOMMU: {flags, vdev_id, cache_id} */
    e[4] = 0x99;
    e[12 + 4] = 0x99;
    e[12 + 8] = 4;   /* cache_id beyond the mock's maximum */
    n = 2;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, m.viommu, 0xdeadbeef, e, 12, &n), -EINVAL);
    CHECK_EQ(n, 1);
    e[12 + 8] = 3;
    n = 2;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, m.viommu, 0xdeadbeef, e, 12, &n), 0);
    CHECK_EQ(n, 2);
    e[12] = 2;   /* unknown flag */
    n = 2;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, m.viommu, 0xdeadbeef, e, 12, &n), -EOPNOTSUPP);
    CHECK_EQ(n, 1);
    e[12] = 0;
    e[4] = 0x98;     /* no such vDEVICE */
    n = 2;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, m.viommu, 0xdeadbeef, e, 12, &n), -EINVAL);
    CHECK_EQ(n, 0);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, m.viommu, 0xdadbeef, e, 12, &n), -EINVAL);
    n = 0;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, m.viommu, 0xdeadbeef, e, 12, &n), 0);
    /* nested HWPT: {flags, iotlb_id} */
    memset(e, 0, sizeof(e));
    e[4] = 3;
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, nested, 0xdeadbeef, e, 8, &n), 0);
    CHECK_EQ(n, 1);
    e[4] = 4;
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, nested, 0xdeadbeef, e, 8, &n), -EINVAL);
    CHECK_EQ(n, 0);
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, nested, 0xdeadbeef, e, 4, &n), -EINVAL);
    /* per-entry copy of the driver struct: longer is EINVAL too */
    e[4] = 0;
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(m.t, nested, 0xdeadbeef, e, 12, &n), -EINVAL);
    CHECK_EQ(n, 0);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

/* ---- host events ------------------------------------------------------ */
struct ev_env {
    struct smmu_env e;
    uint32_t vd, s1, q;
    int fd;
    long psid;
};

static void ev_init(struct ev_env *x, uint32_t depth)
{
    smmu_env_init(&x->e);
    x->psid = vsmmu_simx_psid(x->e.t, x->e.dev.dev_id);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(x->e.t, x->e.viommu, VSMMU_VEVENTQ_TYPE_ARM_SMMUV3,
                                         depth, &x->q, &x->fd), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(x->e.t, x->e.viommu, x->e.dev.dev_id, 0x31, &x->vd),
             0);
    CHECK_EQ(nested_ste(x->e.t, x->e.dev.dev_id, x->e.viommu, ste0(STE_CFG_S1), 0, &x->s1), 0);
    CHECK_EQ(vsmmu_iommufd_attach(x->e.t, &x->e.dev, x->s1), 0);
}

TEST(host_event_forwarded_with_vsid)
{
    struct ev_env x;
    uint8_t rec[32], buf[80];
    ev_init(&x, 8);
    CHECK(!fd_readable(x.fd));
    host_rec(rec, EVT_F_TRANSLATION, (uint32_t)x.psid, 0x0000000300000012ull, 0xdead000);
    CHECK_EQ(vsmmu_sim_host_event(x.e.t, x.e.dev.dev_id, rec), 1);
    CHECK(fd_readable(x.fd));
    CHECK_EQ(vsmmu_iommufd_veventq_read(x.e.t, x.fd, buf, sizeof(buf)), 40);
    CHECK_EQ(rd32le(buf), 0);
    CHECK_EQ(rd32le(buf + 4), 0);
    /* StreamID replaced by the vSID, every other byte unchanged */
    CHECK_EQ(rd32le(buf + 8 + 4), 0x31);
    CHECK(!memcmp(buf + 8, rec, 4));
    CHECK(!memcmp(buf + 16, rec + 8, 24));
    vsmmu_iommufd_close(x.e.t);
    SIM_NO_LEAKS();
}

TEST(host_event_forwarded_ids_only)
{
    struct ev_env x;
    uint8_t rec[32];
    ev_init(&x, 512);
    unsigned queued = 0;
    for (unsigned id = 0; id < 256; id++) {
        host_rec(rec, id, (uint32_t)x.psid, 0, 0);
        int r = vsmmu_sim_host_event(x.e.t, x.e.dev.dev_id, rec);
        bool want = id == 0x04 || id == 0x06 || id == 0x08 || id == 0x0a ||
                    (id >= 0x10 && id <= 0x13);
        CHECK_MSG(r == (want ? 1 : 0), "event 0x%x: %d", id, r);
        queued += want;
    }
    CHECK_EQ(vsmmu_simx_queued(x.e.t, x.q), queued);
    vsmmu_iommufd_close(x.e.t);
    SIM_NO_LEAKS();
}

TEST(host_event_stall_and_s2_filtered)
{
    struct ev_env x;
    uint8_t rec[32];
    ev_init(&x, 8);
    host_rec(rec, EVT_F_PERMISSION, (uint32_t)x.psid, 1ull << 31, 0);   /* stall */
    CHECK_EQ(vsmmu_sim_host_event(x.e.t, x.e.dev.dev_id, rec), 0);
    host_rec(rec, EVT_F_PERMISSION, (uint32_t)x.psid, 1ull << 39, 0);   /* stage 2 */
    CHECK_EQ(vsmmu_sim_host_event(x.e.t, x.e.dev.dev_id, rec), 0);
    host_rec(rec, EVT_F_PERMISSION, (uint32_t)x.psid, (1ull << 31) - 1, 0);
    CHECK_EQ(vsmmu_sim_host_event(x.e.t, x.e.dev.dev_id, rec), 1);
    CHECK_EQ(vsmmu_simx_queued(x.e.t, x.q), 1);
    vsmmu_iommufd_close(x.e.t);
    SIM_NO_LEAKS();
}

TEST(host_event_needs_vdevice_and_nested_attach)
{
    struct smmu_env e;
    uint8_t rec[32];
    uint32_t q, vd, byp, s1;
    int fd;
    smmu_env_init(&e);
    host_rec(rec, EVT_F_TRANSLATION, 0, 0, 0);
    CHECK_EQ(vsmmu_sim_host_event(e.t, 99, rec), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(e.t, e.viommu, 1, 4, &q, &fd), 0);
    /* on its S2 only */
    CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 0);
    /* a bypass proxy attached without a vDEVICE: no vSID known */
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_BYPASS), 0, &byp), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, byp), 0);
    CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 0);
    /* a vDEVICE made after the attach: the vSID was recorded at attach */
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 0x31, &vd), 0);
    CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 0);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_S1), 0, &s1), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, s1), 0);
    CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 1);
    /* back on the S2: filtered again */
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, e.s2), 0);
    CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 0);
    /* vDEVICE destroyed while attached: the vSID recorded at attach stays */
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, s1), 0);
    CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 1);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, vd), 0);
    CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 1);
    /* until the next attach: S1 now needs a vDEVICE, bypass records none */
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, byp), 0);
    CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, s1), -ENOENT);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(host_event_without_veventq_filtered_and_full_counts_lost)
{
    struct ev_env x;
    uint8_t rec[32], buf[200];
    ev_init(&x, 2);
    host_rec(rec, EVT_C_BAD_CD, (uint32_t)x.psid, 0, 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(vsmmu_sim_host_event(x.e.t, x.e.dev.dev_id, rec), 1);
    CHECK_EQ(vsmmu_iommufd_veventq_read(x.e.t, x.fd, buf, sizeof(buf)), 88);
    CHECK_EQ(rd32le(buf + 80), VSMMU_VEVENT_FLAG_LOST_EVENTS);
    CHECK_EQ(rd32le(buf + 84), 3);
    CHECK_EQ(vsmmu_iommufd_veventq_close(x.e.t, x.fd), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(x.e.t, x.q), 0);
    CHECK_EQ(vsmmu_sim_host_event(x.e.t, x.e.dev.dev_id, rec), 0);
    vsmmu_iommufd_close(x.e.t);
    SIM_NO_LEAKS();
}

TEST(host_event_mock_device_einval)
{
    struct mock_env m;
    uint8_t rec[32];
    mock_env_init(&m);
    host_rec(rec, EVT_F_TRANSLATION, 0, 0, 0);
    CHECK_EQ(vsmmu_sim_host_event(m.t, m.dev.dev_id, rec), -EINVAL);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

/* ---- the driver's per-opcode field checks ------------------------------ */
static int chk(const uint32_t idr[6], uint64_t w0, uint64_t w1)
{
    struct sim_iommu mmu;
    const uint64_t c[2] = { w0, w1 };
    memset(&mmu, 0, sizeof(mmu));
    mmu.smmuv3 = true;
    memcpy(mmu.idr, idr, sizeof(mmu.idr));
    return sim_smmuv3_check_cmd(&mmu, c);
}

TEST(smmuv3_cmd_fields_tlbi)
{
    uint32_t idr[6];
    sim_default_idrs(idr);   /* ASID16, RIL, no DS */
    /* NSNH_ALL: the opcode only */
    CHECK_EQ(chk(idr, cmd0(OP_TLBI_NSNH_ALL), 0), 0);
    CHECK_EQ(chk(idr, fld_set(cmd0(OP_TLBI_NSNH_ALL), CMD_VMID, 1), 0), -EIO);
    CHECK_EQ(chk(idr, cmd0(OP_TLBI_NSNH_ALL), 1), -EIO);
    /* NH_ALL: VMID (overwritten later) allowed, anything else not */
    CHECK_EQ(chk(idr, fld_set(cmd0(OP_TLBI_NH_ALL), CMD_VMID, 0xffff), 0), 0);
    CHECK_EQ(chk(idr, fld_set(cmd0(OP_TLBI_NH_ALL), CMD_ASID, 1), 0), -EIO);
    CHECK_EQ(chk(idr, cmd0(OP_TLBI_NH_ALL) | (1ull << 8), 0), -EIO);
    /* NH_ASID: ASID limited to the host's ASID size */
    CHECK_EQ(chk(idr, fld_set(cmd0(OP_TLBI_NH_ASID), CMD_ASID, 0xffff), 0), 0);
    CHECK_EQ(chk(idr, cmd0(OP_TLBI_NH_ASID), 1), -EIO);
    uint32_t a8[6];
    memcpy(a8, idr, sizeof(a8));
    a8[0] &= ~(uint32_t)fld_mask(IDR0_ASID16);
    CHECK_EQ(chk(a8, fld_set(cmd0(OP_TLBI_NH_ASID), CMD_ASID, 0xff), 0), 0);
    CHECK_EQ(chk(a8, fld_set(cmd0(OP_TLBI_NH_ASID), CMD_ASID, 0x100), 0), -EIO);
    CHECK_EQ(chk(a8, fld_set(cmd0(OP_TLBI_NH_VA), CMD_ASID, 0x100), 0x1000), -EIO);
    /* NH_VA / NH_VAA: address and Leaf; no ASID on VAA */
    CHECK_EQ(chk(idr, fld_set(cmd0(OP_TLBI_NH_VA), CMD_ASID, 3), 0xfffffffffffff001ull), 0);
    CHECK_EQ(chk(idr, cmd0(OP_TLBI_NH_VA), 0x1002), -EIO);   /* RES0 bit in word 1 */
    CHECK_EQ(chk(idr, fld_set(cmd0(OP_TLBI_NH_VAA), CMD_ASID, 3), 0x1000), -EIO);
    CHECK_EQ(chk(idr, cmd0(OP_TLBI_NH_VAA) | (1ull << 11), 0x1000), -EIO);
}

TEST(smmuv3_cmd_fields_tlbi_range)
{
    uint32_t idr[6], noril[6], ds[6];
    sim_default_idrs(idr);
    memcpy(noril, idr, sizeof(noril));
    noril[3] &= ~(uint32_t)fld_mask(IDR3_RIL);
    memcpy(ds, idr, sizeof(ds));
    ds[5] |= (uint32_t)fld_mask(IDR5_DS);
    const uint64_t va = cmd0(OP_TLBI_NH_VA);
    const uint64_t tg4k = fld_set(0, 75 - 64, 74 - 64, 1), tg16k = fld_set(0, 11, 10, 2);
    const uint64_t ttl3 = fld_set(0, 9, 8, 3), ttl1 = fld_set(0, 9, 8, 1);
    /* TG = 0: NUM, SCALE and TTL are RES0 */
    CHECK_EQ(chk(idr, fld_set(va, CMD_NUM, 1), 0x1000), -EIO);
    CHECK_EQ(chk(idr, va, 0x1000 | ttl3), -EIO);
    /* TG set: a range or a TTL; neither is reserved */
    CHECK_EQ(chk(idr, va, 0x1000 | tg4k), -EIO);
    CHECK_EQ(chk(idr, va, 0x1000 | tg4k | ttl3), 0);
    CHECK_EQ(chk(idr, fld_set(fld_set(va, CMD_NUM, 3), CMD_SCALE, 2), 0x1000 | tg4k), 0);
    /* 16K granule with TTL 1 needs DS; so does SCALE bit 25 */
    CHECK_EQ(chk(idr, va, 0x4000 | tg16k | ttl1), -EIO);
    CHECK_EQ(chk(ds, va, 0x4000 | tg16k | ttl1), 0);
    CHECK_EQ(chk(idr, va | (1ull << 25), 0x1000 | tg4k), -EIO);
    CHECK_EQ(chk(ds, va | (1ull << 25), 0x1000 | tg4k), 0);
    /* without RIL the range fields are not the guest's to set */
    CHECK_EQ(chk(noril, va, 0x1000 | tg4k | ttl3), -EIO);
    CHECK_EQ(chk(noril, fld_set(va, CMD_NUM, 1), 0x1000), -EIO);
    CHECK_EQ(chk(noril, va, 0x1000), 0);
}

TEST(smmuv3_cmd_fields_atc_and_cfgi)
{
    uint32_t idr[6], ats[6], nossid[6];
    sim_default_idrs(idr);
    memcpy(ats, idr, sizeof(ats));
    ats[0] |= (uint32_t)fld_mask(IDR0_ATS);
    memcpy(nossid, ats, sizeof(nossid));
    nossid[1] &= ~(uint32_t)fld_mask(IDR1_SSIDSIZE);
    const uint64_t atc = fld_set(cmd0(OP_ATC_INV), CMD_SID, 5);
    CHECK_EQ(chk(idr, atc, 0), -EIO);                     /* host has no ATS */
    CHECK_EQ(chk(ats, atc, 52), 0);
    CHECK_EQ(chk(ats, atc, 53), -EIO);                    /* Size above 52 */
    CHECK_EQ(chk(ats, atc, 0xabc000 | 3), 0);
    CHECK_EQ(chk(ats, atc, 0x40), -EIO);                  /* RES0 in word 1 */
    uint64_t ssv = fld_set(fld_set(fld_set(atc, CMD_SSV, 1), CMD_SSID, 9), CMD_GLOBAL, 1);
    CHECK_EQ(chk(ats, ssv, 0), 0);
    CHECK_EQ(chk(nossid, ssv, 0), -EIO);                  /* no substreams */
    CHECK_EQ(chk(ats, atc | (1ull << 10), 0), -EIO);      /* SSEC */
    const uint64_t cd = fld_set(cmd0(OP_CFGI_CD), CMD_SID, 5);
    CHECK_EQ(chk(idr, fld_set(cd, CMD_SSID, 7), 1), 0);
    CHECK_EQ(chk(nossid, fld_set(cd, CMD_SSID, 7), 0), -EIO);
    CHECK_EQ(chk(idr, fld_set(cd, CMD_SSV, 1), 0), -EIO); /* no SSV for CFGI_CD */
    CHECK_EQ(chk(idr, cd, 2), -EIO);
    const uint64_t cdall = fld_set(cmd0(OP_CFGI_CD_ALL), CMD_SID, 5);
    CHECK_EQ(chk(idr, cdall, 0), 0);
    CHECK_EQ(chk(idr, cdall, 1), -EIO);                   /* no Leaf */
    CHECK_EQ(chk(idr, fld_set(cdall, CMD_SSID, 1), 0), -EIO);
}

TEST(smmuv3_invalidate_rejects_illegal_fields)
{
    struct smmu_env e;
    uint32_t n;
    smmu_env_init(&e);
    const uint64_t c[2][2] = {
        { cmd0(OP_TLBI_NH_ALL), 0 },
        { cmd0(OP_TLBI_NSNH_ALL) | (1ull << 12), 0 },
    };
    CHECK_EQ(inv(&e, c, 2, &n), -EIO);
    CHECK_EQ(n, 1);
    CHECK_EQ(vsmmu_simx_issued(e.t, 0, NULL), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(smmuv3_viommu_needs_nesting_host)
{
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    uint32_t s2, v, idr[6];
    sim_default_idrs(idr);
    idr[0] &= ~(uint32_t)fld_mask(IDR0_S1P);
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_sim_add_device(t, idr, &dev, &s2), 0);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, dev.dev_id, s2, &v), -EOPNOTSUPP);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}
