// SPDX-License-Identifier: MIT
/*
 * Accel mode: the vEVENTQ lifecycle (docs/accel.md rules 1-12) and error
 * reporting on the CR0 path (both a command failure and a vEVENTQ failure of
 * one CR0 write are reported).
 */
#include "test_accel.h"

#define CR0_Q(x) ((uint32_t)fld_mask(x))

/* Event queue registers without the guest driver (no CR0 write). */
static void evtq_regs(struct at *x, unsigned log2)
{
    uint64_t base = TB_RAM_BASE + 0x80000;
    tb_writeq(&x->tb, R_EVENTQ_BASE, base | log2);
    tb_writel(&x->tb, R_EVENTQ_PROD, 0);
    tb_writel(&x->tb, R_EVENTQ_CONS, 0);
}

/* docs/accel.md rule 1: no passthrough device, no vEVENTQ. */
TEST(accel_veventq_none_without_viommu)
{
    struct at x;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    CHECK_EQ(ac_count(AC_VEVQ), 0);
    CHECK_EQ(vsmmu_sim_count(x.sim, "veventq"), 0);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), -1);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 0);
    at_fini(&x);
}

/* docs/accel.md rule 2: EVENTQEN=0: nothing, at vIOMMU creation or on CR0 writes. */
TEST(accel_veventq_none_while_eventqen_clear)
{
    struct at x;

    at_init(&x, NULL, 1);
    evtq_regs(&x, 4);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    tb_writel(&x.tb, R_CR0, CR0_Q(CR0_CMDQEN));
    tb_writel(&x.tb, R_CR0, CR0_Q(CR0_CMDQEN) | CR0_Q(CR0_SMMUEN));
    tb_writel(&x.tb, R_CR0, 0);
    CHECK_EQ(ac_count(AC_VEVQ), 0);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), -1);
    at_fini(&x);
}

/* docs/accel.md rules 3-5: cold-plug on the first CR0 write that leaves EVENTQEN=1, with
 * the right arguments, at most once, kept while EVENTQEN is cleared. */
TEST(accel_veventq_cold_plug_once)
{
    struct at x;
    struct ac_call *c;
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    uint32_t viommu;

    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    viommu = ac_last(AC_VIOMMU)->out;
    evtq_regs(&x, 5);
    tb_writel(&x.tb, R_CR0, CR0_Q(CR0_EVENTQEN));
    CHECK_EQ(ac_count(AC_VEVQ), 1);
    c = ac_last(AC_VEVQ);
    CHECK_EQ(c->rc, 0);
    CHECK_EQ(c->a, viommu);
    CHECK_EQ(c->b, VSMMU_VEVENTQ_TYPE_ARM_SMMUV3);
    CHECK_EQ(c->c, 32);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), c->fd);
    /* Again with EVENTQEN=1, then 1 -> 0 (not destroyed), a new size while
     * disabled, 0 -> 1 (not re-allocated). */
    tb_writel(&x.tb, R_CR0, CR0_Q(CR0_EVENTQEN) | CR0_Q(CR0_CMDQEN));
    tb_writel(&x.tb, R_CR0, 0);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), c->fd);
    evtq_regs(&x, 9);
    tb_writel(&x.tb, R_CR0, CR0_Q(CR0_EVENTQEN));
    CHECK_EQ(ac_count(AC_VEVQ), 1);
    CHECK_EQ(ac_count(AC_VEVQ_CLOSE) + ac_count(AC_DESTROY), 0);
    vsmmu_accel_get_objects(x.tb.s, &o);
    CHECK_EQ(o.veventq, 1);
    CHECK_EQ(o.veventq_depth, 32);
    at_fini(&x);
}

/* docs/accel.md rule 3: depth = 1 << MIN(EVENTQ_BASE.LOG2SIZE, IDR1.EVENTQS). */
TEST(accel_veventq_depth_clamped_to_eventqs)
{
    struct vsmmu_config cfg;
    struct at x;

    at_config(&cfg);
    cfg.eventqs = 4;
    at_init(&x, &cfg, 1);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    evtq_regs(&x, 10);
    tb_writel(&x.tb, R_CR0, CR0_Q(CR0_EVENTQEN));
    CHECK_EQ(ac_last(AC_VEVQ)->c, 16);
    at_fini(&x);
}

/* docs/accel.md rule 6: first hot-plug with EVENTQEN=1: inside vIOMMU creation, after the
 * abort and bypass HWPTs, before the GBPA attach. */
TEST(accel_veventq_hot_plug_inside_viommu_creation)
{
    struct at x;
    int viommu, hwpt1, hwpt2, vevq, attach;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, &(struct guest_opts){ .evtq_log2 = 6 });
    ac_reset_log();
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    viommu = ac_find(AC_VIOMMU, 0);
    hwpt1 = ac_find(AC_HWPT_ALLOC, 0);
    hwpt2 = ac_find(AC_HWPT_ALLOC, (unsigned)hwpt1 + 1);
    vevq = ac_find(AC_VEVQ, 0);
    attach = ac_find(AC_ATTACH, 0);
    CHECK(viommu >= 0 && viommu < hwpt1 && hwpt1 < hwpt2 && hwpt2 < vevq && vevq < attach);
    CHECK_EQ(ac_log.calls[vevq].c, 64);
    CHECK_EQ(ac_count(AC_VEVQ), 1);
    CHECK(vsmmu_accel_event_fd(x.tb.s) >= 0);
    /* Later attaches and CR0 writes do not allocate another. */
    tb_writel(&x.tb, R_CR0, tb_readl(&x.tb, R_CR0));
    CHECK_EQ(ac_count(AC_VEVQ), 1);
    at_fini(&x);
}

/* docs/accel.md rule 7: a failing allocation inside vIOMMU creation fails the attach and
 * destroys the bypass and abort HWPTs and the vIOMMU, in that order. */
TEST(accel_veventq_failure_in_creation_unwinds)
{
    struct at x;
    int i;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    ac_reset_log();
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_VEVENTQ_ALLOC, 1, EINVAL), 0);
    CHECK_EQ(at_attach(&x, 0, 1), -EINVAL);
    i = ac_find(AC_VEVQ, 0);
    CHECK(i > 0);
    CHECK(ac_log.calls[i + 1].kind == AC_DESTROY && ac_log.calls[i + 1].a == AC_BYPASS_PROXY);
    CHECK(ac_log.calls[i + 2].kind == AC_DESTROY && ac_log.calls[i + 2].a == AC_ABORT_PROXY);
    CHECK(ac_log.calls[i + 3].kind == AC_DESTROY &&
          ac_log.calls[i + 3].a == ac_last(AC_VIOMMU)->out);
    CHECK_EQ(ac_count(AC_ATTACH) + ac_count(AC_VDEV), 0);
    CHECK_EQ(vsmmu_sim_count(x.sim, "all"), x.base_objs);
    CHECK(tb_log_contains(&x.tb, "IOMMU_VEVENTQ_ALLOC"));
    at_fini(&x);
}

/* docs/accel.md rule 8: on the CR0 path a failure completes the write, is reported, and
 * the next CR0 write with EVENTQEN=1 retries. */
TEST(accel_veventq_cr0_failure_reported_and_retried)
{
    struct at x;

    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    evtq_regs(&x, 4);
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_VEVENTQ_ALLOC, 1, ENOMEM), 0);
    tb_clear_logs(&x.tb);
    tb_writel(&x.tb, R_CR0, CR0_Q(CR0_EVENTQEN));
    CHECK_EQ(tb_readl(&x.tb, R_CR0), CR0_Q(CR0_EVENTQEN));
    CHECK_EQ(tb_readl(&x.tb, R_CR0ACK), CR0_Q(CR0_EVENTQEN));
    CHECK(tb_log_contains(&x.tb, "IOMMU_VEVENTQ_ALLOC"));
    CHECK(tb_log_contains(&x.tb, "Cannot allocate memory"));
    CHECK(tb_log_contains(&x.tb, "retried at the next CR0 write"));
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), -1);
    CHECK_EQ(vsmmu_sim_count(x.sim, "veventq"), 0);
    /* A CR0 write with EVENTQEN=0 does not retry; one with EVENTQEN=1 does. */
    tb_writel(&x.tb, R_CR0, 0);
    CHECK_EQ(ac_count(AC_VEVQ), 1);
    tb_writel(&x.tb, R_CR0, CR0_Q(CR0_EVENTQEN));
    CHECK_EQ(ac_count(AC_VEVQ), 2);
    CHECK(vsmmu_accel_event_fd(x.tb.s) >= 0);
    at_fini(&x);
}

/* docs/accel.md rule 9 and the both-errors rule: one CR0 write whose command processing
 * fails (the host rejects a forwarded invalidation) and whose vEVENTQ
 * allocation fails reports both, and each has its effect. */
TEST(accel_cr0_write_reports_command_and_veventq_errors)
{
    struct at x;
    uint64_t cmd[2];
    uint32_t cr0, bad;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    /* Event queue off, then the device: a vIOMMU without a vEVENTQ. */
    cr0 = tb_readl(&x.tb, R_CR0) & ~CR0_Q(CR0_EVENTQEN);
    tb_writel(&x.tb, R_CR0, cr0);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), -1);
    /* Commands queued while the command queue is off. */
    tb_writel(&x.tb, R_CR0, cr0 & ~CR0_Q(CR0_CMDQEN));
    bad = x.g.cmdq_prod;
    guest_cmd_op(cmd, OP_TLBI_NH_ASID);
    st_set(cmd, CMD_ASID, 5);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    guest_cmd_op(cmd, OP_SYNC);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_HWPT_INVALIDATE, 1, EIO), 0);
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_VEVENTQ_ALLOC, 1, ENOMEM), 0);
    tb_clear_logs(&x.tb);
    tb_writel(&x.tb, R_CR0, cr0 | CR0_Q(CR0_EVENTQEN));
    /* The command error. */
    CHECK(tb_log_contains(&x.tb, "IOMMU_HWPT_INVALIDATE"));
    CHECK_EQ(guest_cmdq_err(&x.g), CERROR_ILL);
    CHECK(guest_gerror_active(&x.g) & fld_mask(GERROR_CMDQ_ERR));
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS) & q_wrmask(x.g.cmdq_log2), bad);
    /* The vEVENTQ error. */
    CHECK(tb_log_contains(&x.tb, "IOMMU_VEVENTQ_ALLOC"));
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), -1);
    CHECK(x.tb.nerrors >= 2);
    /* Each recovers independently. */
    tb_writel(&x.tb, R_CR0, cr0 | CR0_Q(CR0_EVENTQEN));
    CHECK(vsmmu_accel_event_fd(x.tb.s) >= 0);
    at_fini(&x);
}

/* docs/accel.md rule 9 the other way round: a failing vEVENTQ does not skip commands. */
TEST(accel_cr0_veventq_failure_does_not_skip_commands)
{
    struct at x;
    uint64_t cmd[2];
    uint32_t cr0;
    unsigned inv;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    cr0 = tb_readl(&x.tb, R_CR0) & ~CR0_Q(CR0_EVENTQEN) & ~CR0_Q(CR0_CMDQEN);
    tb_writel(&x.tb, R_CR0, cr0);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    guest_cmd_op(cmd, OP_TLBI_NH_ALL);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    guest_cmd_op(cmd, OP_SYNC);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    inv = ac_count(AC_INVAL);
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_VEVENTQ_ALLOC, 1, ENOMEM), 0);
    tb_writel(&x.tb, R_CR0, cr0 | CR0_Q(CR0_CMDQEN) | CR0_Q(CR0_EVENTQEN));
    CHECK_EQ(ac_count(AC_INVAL), inv + 1);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS), x.g.cmdq_prod);
    CHECK_EQ(guest_cmdq_err(&x.g), 0);
    CHECK(tb_log_contains(&x.tb, "IOMMU_VEVENTQ_ALLOC"));
    at_fini(&x);
}

/* docs/accel.md rule 10: the fd is non-blocking, its other flags kept. */
TEST(accel_veventq_fd_nonblocking)
{
    struct at x;
    int fd, fl;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    fd = vsmmu_accel_event_fd(x.tb.s);
    CHECK(fd >= 0);
    fl = fcntl(fd, F_GETFL);
    CHECK(fl >= 0);
    CHECK(fl & O_NONBLOCK);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    at_fini(&x);
}

/* docs/accel.md rule 10: if the fd cannot be made non-blocking, it is closed and the
 * vEVENTQ destroyed before the error is returned (here: fails the attach). */
TEST(accel_veventq_nonblock_failure_unwinds)
{
    struct at x;
    int close_i, destroy_i;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    ac_log.fake_veventq_fd = true;
    CHECK(at_attach(&x, 0, 1) < 0);
    CHECK(tb_log_contains(&x.tb, "non-blocking"));
    close_i = ac_find(AC_VEVQ_CLOSE, 0);
    destroy_i = ac_find(AC_DESTROY, (unsigned)close_i);
    CHECK(close_i > 0 && destroy_i > close_i);
    CHECK_EQ(ac_log.calls[destroy_i].a, ac_last(AC_VEVQ)->out);
    CHECK_EQ(ac_log.calls[destroy_i].rc, 0);
    CHECK_EQ(vsmmu_sim_count(x.sim, "all"), x.base_objs);
    CHECK_EQ(vsmmu_sim_count(x.sim, "fd"), 0);
    ac_log.fake_veventq_fd = false;
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    at_fini(&x);
}

/* docs/accel.md rule 12: freed with the vIOMMU at the last detach; a new vIOMMU gets a new
 * vEVENTQ with fresh sequence tracking (a new queue starts at sequence 0:
 * no loss is counted although the old one had reached 3). */
TEST(accel_veventq_fresh_after_new_viommu)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint64_t ste[8], rec[4];
    uint8_t hrec[32];

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x.g, 1, ste);
    for (unsigned i = 0; i < 4; i++) {
        at_host_rec(hrec, EVT_F_TRANSLATION, 0x1000 * i, (uint8_t)i);
        CHECK_EQ(vsmmu_sim_host_event(x.sim, x.dev[0].dev_id, hrec), 1);
    }
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 4);
    while (guest_pop_event(&x.g, rec))
        ;
    CHECK_EQ(vsmmu_accel_detach(x.tb.s, 1), 0);
    CHECK_EQ(vsmmu_sim_count(x.sim, "veventq"), 0);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), -1);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    CHECK_EQ(ac_count(AC_VEVQ), 2);
    guest_write_ste(&x.g, 1, ste);
    at_host_rec(hrec, EVT_F_PERMISSION, 0x5000, 9);
    CHECK_EQ(vsmmu_sim_host_event(x.sim, x.dev[0].dev_id, hrec), 1);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.host_lost, 0);
    CHECK_EQ(st.delivered, 5);
    CHECK(guest_pop_event(&x.g, rec));
    CHECK_EQ(st_get(rec, EVT_TYPE), EVT_F_PERMISSION);
    CHECK_EQ(fld_get(tb_readl(&x.tb, R_EVENTQ_PROD), Q_OVFLG), 0);
    at_fini(&x);
}
