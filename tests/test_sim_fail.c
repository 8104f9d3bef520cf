// SPDX-License-Identifier: MIT
/* Simulated iommufd kernel: fault injection and call counting. */
#include "test_sim.h"

TEST(sim_op_names)
{
    static const char *const names[] = { "get_hw_info", "hwpt_alloc", "hwpt_invalidate",
                                         "viommu_alloc", "vdevice_alloc", "veventq_alloc",
                                         "attach", "destroy" };
    for (int i = 0; i < VSMMU_SIM_NR_OPS; i++)
        CHECK(!strcmp(vsmmu_sim_op_name((enum vsmmu_sim_op)i), names[i]));
    CHECK(vsmmu_sim_op_name(VSMMU_SIM_NR_OPS) == NULL);
    CHECK(vsmmu_sim_op_name((enum vsmmu_sim_op)-1) == NULL);
}

TEST(sim_fail_bad_arguments)
{
    vsmmu_iommufd_t *t;
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_sim_fail(t, VSMMU_SIM_NR_OPS, 1, EIO), -EINVAL);
    CHECK_EQ(vsmmu_sim_fail(t, VSMMU_SIM_ATTACH, 0, EIO), -EINVAL);
    CHECK_EQ(vsmmu_sim_fail(t, VSMMU_SIM_ATTACH, 1, 0), -EINVAL);
    CHECK_EQ(vsmmu_sim_fail(NULL, VSMMU_SIM_ATTACH, 1, EIO), -EINVAL);
    CHECK_EQ(vsmmu_sim_count(NULL, "all"), 0);
    CHECK_EQ(vsmmu_sim_count(t, "nonsense"), 0);
    CHECK_EQ(vsmmu_sim_calls(t, VSMMU_SIM_NR_OPS), 0);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

/* Everything one SMMUv3 accel bring-up makes, for the checks below. */
struct snap {
    unsigned all, fd, hwpt;
    long attached;
};

static struct snap snap_of(vsmmu_iommufd_t *t, uint32_t dev_id)
{
    struct snap s = { vsmmu_sim_count(t, "all"), vsmmu_sim_count(t, "fd"),
                      vsmmu_sim_count(t, "hwpt"), vsmmu_simx_attached(t, dev_id) };
    return s;
}

static void same(struct snap a, struct snap b)
{
    CHECK_EQ(a.all, b.all);
    CHECK_EQ(a.fd, b.fd);
    CHECK_EQ(a.hwpt, b.hwpt);
    CHECK_EQ(a.attached, b.attached);
}

/* Call @op once in a state where it would succeed. */
static int call_op(struct smmu_env *e, enum vsmmu_sim_op op, uint32_t victim, uint32_t proxy)
{
    uint32_t id, n = 1, len = 40;
    uint8_t info[40], cmd[16];
    int fd = -1;
    switch (op) {
    case VSMMU_SIM_GET_HW_INFO:
        return vsmmu_iommufd_get_hw_info(e->t, e->dev.dev_id, info, &len, NULL, NULL);
    case VSMMU_SIM_HWPT_ALLOC:
        return nested_ste(e->t, e->dev.dev_id, e->viommu, ste0(STE_CFG_BYPASS), 0, &id);
    case VSMMU_SIM_HWPT_INVALIDATE:
        vsmmu_put_le64(cmd, fld_set(0, CMD_OP, OP_TLBI_NH_ALL));
        vsmmu_put_le64(cmd + 8, 0);
        return vsmmu_iommufd_hwpt_invalidate(e->t, e->viommu, 1, cmd, 16, &n);
    case VSMMU_SIM_VIOMMU_ALLOC:
        return vsmmu_iommufd_viommu_alloc(e->t, 1, e->dev.dev_id, e->s2, &id);
    case VSMMU_SIM_VDEVICE_ALLOC:
        return vsmmu_iommufd_vdevice_alloc(e->t, e->viommu, e->dev.dev_id, 0x40, &id);
    case VSMMU_SIM_VEVENTQ_ALLOC:
        return vsmmu_iommufd_veventq_alloc(e->t, e->viommu, 1, 16, &id, &fd);
    case VSMMU_SIM_ATTACH:
        return vsmmu_iommufd_attach(e->t, &e->dev, proxy);
    case VSMMU_SIM_DESTROY:
        return vsmmu_iommufd_destroy(e->t, victim);
    default:
        return -EINVAL;
    }
}

TEST(sim_fail_each_op_no_side_effect)
{
    for (int op = 0; op < VSMMU_SIM_NR_OPS; op++) {
        struct smmu_env e;
        uint32_t victim, proxy;
        smmu_env_init(&e);
        CHECK_EQ(vsmmu_iommufd_ioas_alloc(e.t, &victim), 0);
        CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, 0, 0, &proxy), 0);
        struct snap before = snap_of(e.t, e.dev.dev_id);
        unsigned calls = vsmmu_sim_calls(e.t, (enum vsmmu_sim_op)op);
        unsigned issued = vsmmu_simx_issued(e.t, 0, NULL);
        CHECK_EQ(vsmmu_sim_fail(e.t, (enum vsmmu_sim_op)op, 1, ENOSPC), 0);
        CHECK_MSG(call_op(&e, (enum vsmmu_sim_op)op, victim, proxy) == -ENOSPC, "op %s",
                  vsmmu_sim_op_name((enum vsmmu_sim_op)op));
        CHECK_EQ(vsmmu_sim_calls(e.t, (enum vsmmu_sim_op)op), calls + 1);
        same(before, snap_of(e.t, e.dev.dev_id));
        CHECK_EQ(vsmmu_simx_issued(e.t, 0, NULL), issued);
        /* the failure is consumed: the next call succeeds and changes state */
        CHECK_MSG(call_op(&e, (enum vsmmu_sim_op)op, victim, proxy) == 0, "op %s retry",
                  vsmmu_sim_op_name((enum vsmmu_sim_op)op));
        CHECK_EQ(vsmmu_sim_calls(e.t, (enum vsmmu_sim_op)op), calls + 2);
        vsmmu_iommufd_close(e.t);
    }
    SIM_NO_LEAKS();
}

TEST(sim_fail_nth_call)
{
    struct smmu_env e;
    uint32_t a, b, c;
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_sim_fail(e.t, VSMMU_SIM_HWPT_ALLOC, 3, ENOMEM), 0);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, 0, 0, &a), 0);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, 0, 0, &b), 0);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, 0, 0, &c), -ENOMEM);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, 0, 0, &c), 0);
    /* other ops are not affected */
    CHECK_EQ(vsmmu_sim_fail(e.t, VSMMU_SIM_DESTROY, 1, EIO), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, a), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, b), -EIO);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, b), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(sim_fail_invalidate_reports_zero_handled)
{
    struct smmu_env e;
    uint8_t cmd[32];
    uint32_t n = 2;
    smmu_env_init(&e);
    memset(cmd, 0, sizeof(cmd));
    cmd[0] = OP_TLBI_NH_ALL;
    cmd[16] = OP_TLBI_NH_ALL;
    CHECK_EQ(vsmmu_sim_fail(e.t, VSMMU_SIM_HWPT_INVALIDATE, 1, EIO), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(e.t, e.viommu, 1, cmd, 16, &n), -EIO);
    CHECK_EQ(n, 0);
    CHECK_EQ(vsmmu_simx_issued(e.t, 0, NULL), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(sim_calls_count_failures_too)
{
    struct smmu_env e;
    uint32_t id;
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_sim_calls(e.t, VSMMU_SIM_VIOMMU_ALLOC), 1);   /* the env's */
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(e.t, 0, e.dev.dev_id, e.s2, &id), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_sim_calls(e.t, VSMMU_SIM_VIOMMU_ALLOC), 2);
    CHECK_EQ(vsmmu_sim_calls(e.t, VSMMU_SIM_ATTACH), 0);   /* add_device is not counted */
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

/* The accel bring-up in order with a failure injected at every step: after
 * unwinding what was made, nothing is left behind. */
TEST(sim_fail_bringup_unwind_leaves_nothing)
{
    for (unsigned step = 0; step < 6; step++) {
        struct smmu_env e;
        memset(&e, 0, sizeof(e));
        e.dev.struct_size = sizeof(e.dev);
        CHECK_EQ(vsmmu_iommufd_sim_create(&e.t), 0);
        CHECK_EQ(vsmmu_sim_add_device(e.t, NULL, &e.dev, &e.s2), 0);
        unsigned base = vsmmu_sim_count(e.t, "all");
        static const enum vsmmu_sim_op order[] = {
            VSMMU_SIM_VIOMMU_ALLOC, VSMMU_SIM_HWPT_ALLOC, VSMMU_SIM_HWPT_ALLOC,
            VSMMU_SIM_VEVENTQ_ALLOC, VSMMU_SIM_VDEVICE_ALLOC, VSMMU_SIM_ATTACH };
        unsigned nth = step == 2 ? 2 : 1;
        CHECK_EQ(vsmmu_sim_fail(e.t, order[step], nth, EIO), 0);
        uint32_t v = 0, ab = 0, by = 0, q = 0, vd = 0;
        int fd = -1, rc;
        rc = vsmmu_iommufd_viommu_alloc(e.t, 1, e.dev.dev_id, e.s2, &v);
        if (!rc)
            rc = nested_ste(e.t, e.dev.dev_id, v, ste0(STE_CFG_ABORT), 0, &ab);
        if (!rc)
            rc = nested_ste(e.t, e.dev.dev_id, v, ste0(STE_CFG_BYPASS), 0, &by);
        if (!rc)
            rc = vsmmu_iommufd_veventq_alloc(e.t, v, 1, 64, &q, &fd);
        if (!rc)
            rc = vsmmu_iommufd_vdevice_alloc(e.t, v, e.dev.dev_id, 0x8, &vd);
        if (!rc)
            rc = vsmmu_iommufd_attach(e.t, &e.dev, by);
        CHECK_EQ(rc, -EIO);
        if (fd >= 0)
            CHECK_EQ(vsmmu_iommufd_veventq_close(e.t, fd), 0);
        uint32_t undo[] = { vd, q, by, ab, v };
        for (unsigned i = 0; i < 5; i++)
            if (undo[i])
                CHECK_EQ(vsmmu_iommufd_destroy(e.t, undo[i]), 0);
        CHECK_EQ(vsmmu_sim_count(e.t, "all"), base);
        CHECK_EQ(vsmmu_sim_count(e.t, "fd"), 0);
        CHECK_EQ(vsmmu_simx_attached(e.t, e.dev.dev_id), e.s2);
        vsmmu_iommufd_close(e.t);
    }
    SIM_NO_LEAKS();
}
