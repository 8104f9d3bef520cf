// SPDX-License-Identifier: MIT
/*
 * Accel mode: invalidation forwarding (docs/accel.md rules 32-36): the raw
 * commands in batches that span CMD_SYNCs and end with the command batch or
 * a full buffer, SID-based
 * commands skipped without a vDEVICE, what is never forwarded, and the
 * exact command that gets CERROR_ILL when the host rejects one.
 */
#include "test_accel.h"

/* Device vSID 0x10 on a nested HWPT (and a second, 0x11, attached). */
static void setup(struct at *x, const struct vsmmu_config *cfg)
{
    uint64_t ste[8];

    at_init(x, cfg, 2);
    CHECK_EQ(at_attach(x, 0, 0x10), 0);
    CHECK_EQ(at_attach(x, 1, 0x11), 0);
    guest_init(&x->g, &x->tb, NULL);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x->g, 0x10, ste);
    ac_reset_log();
}

/* Commands written while the queue is off are consumed in one run when it
 * is turned back on (as when a driver writes several before moving PROD). */
static void cmdq_hold(struct at *x)
{
    tb_writel(&x->tb, R_CR0, tb_readl(&x->tb, R_CR0) & ~(uint32_t)fld_mask(CR0_CMDQEN));
}

static void cmdq_release(struct at *x)
{
    tb_writel(&x->tb, R_CR0, tb_readl(&x->tb, R_CR0) | (uint32_t)fld_mask(CR0_CMDQEN));
}

static void mk(uint64_t cmd[2], uint8_t op, uint32_t sid_or_asid)
{
    guest_cmd_op(cmd, op);
    switch (op) {
    case OP_CFGI_CD:
    case OP_CFGI_CD_ALL:
    case OP_ATC_INV:
        st_set(cmd, CMD_SID, sid_or_asid);
        break;
    case OP_TLBI_NH_ASID:
    case OP_TLBI_NH_VA:
        st_set(cmd, CMD_ASID, sid_or_asid);
        break;
    default:
        break;
    }
    if (op == OP_TLBI_NH_VA || op == OP_TLBI_NH_VAA)
        st_set(cmd, CMD_ADDR, 0x12345);
}

/* docs/accel.md rule 32: each forwarded command goes as its raw 16 bytes, id = vIOMMU,
 * type ARM_SMMUV3, entry_len 16, in order, one batch up to the CMD_SYNC.
 * (TLBI_NSNH_ALL first and TLBI_NH_ALL in a batch of its own: either
 * covers the stage-1 TLBIs queued before it, which are then not sent;
 * see test_cmdq_coalesce.c.) */
TEST(accel_inv_forwarded_raw_in_one_batch)
{
    static const uint8_t ops[] = {
        OP_TLBI_NSNH_ALL, OP_CFGI_CD, OP_CFGI_CD_ALL, OP_TLBI_NH_ASID,
        OP_TLBI_NH_VA, OP_TLBI_NH_VAA, OP_ATC_INV,
    };
    struct vsmmu_config cfg;
    struct at x;
    uint64_t cmds[8][2];
    struct ac_call *c;

    at_config(&cfg);
    cfg.ats = true;
    at_init(&x, &cfg, 0);
    at_add_device_like(&x, 0);
    CHECK_EQ(at_attach(&x, 0, 0x10), 0);
    guest_init(&x.g, &x.tb, NULL);
    {
        uint64_t ste[8];
        at_s1_ste(ste, 0x40080000);
        guest_write_ste(&x.g, 0x10, ste);
    }
    ac_reset_log();
    cmdq_hold(&x);
    for (unsigned i = 0; i < 7; i++) {
        mk(cmds[i], ops[i], ops[i] == OP_TLBI_NH_ASID || ops[i] == OP_TLBI_NH_VA ? 7 : 0x10);
        CHECK_EQ(guest_cmd(&x.g, cmds[i]), 0);
    }
    cmdq_release(&x);
    CHECK_EQ(guest_sync(&x.g), 0);
    CHECK_EQ(ac_count(AC_INVAL), 1);
    c = ac_last(AC_INVAL);
    CHECK_EQ(c->rc, 0);
    CHECK_EQ(c->b, VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3);
    CHECK_EQ(c->d0, 16);
    CHECK_EQ(c->c, 7);
    CHECK_EQ(c->out, 7);
    CHECK_EQ(ac_log.ninv, 7);
    for (unsigned i = 0; i < 7; i++) {
        CHECK_EQ(ac_log.inv[i][0], cmds[i][0]);
        CHECK_EQ(ac_log.inv[i][1], cmds[i][1]);
    }
    mk(cmds[7], OP_TLBI_NH_ALL, 0);
    CHECK_EQ(guest_cmd_sync(&x.g, cmds[7]), 0);
    CHECK_EQ(ac_log.ninv, 8);
    CHECK_EQ(ac_log.inv[7][0], cmds[7][0]);
    CHECK_EQ(ac_log.inv[7][1], cmds[7][1]);
    at_fini(&x);
}

TEST(accel_inv_batch_targets_the_viommu)
{
    struct at x;
    uint64_t cmd[2];
    uint32_t viommu;

    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 0x10), 0);
    viommu = ac_last(AC_VIOMMU)->out;
    guest_init(&x.g, &x.tb, NULL);
    mk(cmd, OP_TLBI_NH_ALL, 0);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    CHECK_EQ(ac_last(AC_INVAL)->a, viommu);
    at_fini(&x);
}

/* A batch spans CMD_SYNCs (they are held until it is sent) and ends when
 * the buffer is full; order kept. */
TEST(accel_inv_batches_span_syncs_and_end_when_full)
{
    struct at x;
    uint64_t cmd[2];
    unsigned first;

    setup(&x, NULL);
    cmdq_hold(&x);
    mk(cmd, OP_TLBI_NH_ASID, 1);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    mk(cmd, OP_TLBI_NH_ASID, 2);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    guest_cmd_op(cmd, OP_SYNC);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    mk(cmd, OP_TLBI_NH_ASID, 3);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    guest_cmd_op(cmd, OP_SYNC);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    cmdq_release(&x);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS), x.g.cmdq_prod);
    CHECK_EQ(ac_count(AC_INVAL), 1);
    CHECK_EQ(ac_last(AC_INVAL)->c, 3);
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(st_get(ac_log.inv[i], CMD_ASID), 1 + i);
    /* 100 commands then one SYNC: a full batch of 64, then 36. */
    ac_reset_log();
    cmdq_hold(&x);
    for (unsigned i = 0; i < 100; i++) {
        mk(cmd, OP_TLBI_NH_ASID, 100 + i);
        CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    }
    guest_cmd_op(cmd, OP_SYNC);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    cmdq_release(&x);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS), x.g.cmdq_prod);
    CHECK_EQ(ac_count(AC_INVAL), 2);
    first = (unsigned)ac_find(AC_INVAL, 0);
    CHECK_EQ(ac_log.calls[first].c, 64);
    CHECK_EQ(ac_last(AC_INVAL)->c, 36);
    for (unsigned i = 0; i < 100; i++)
        CHECK_EQ(st_get(ac_log.inv[i], CMD_ASID), 100 + i);
    at_fini(&x);
}

/* A forwarded command is sent even without a CMD_SYNC, at the end of the
 * processing run. */
TEST(accel_inv_sent_at_end_of_run)
{
    struct at x;
    uint64_t cmd[2];

    setup(&x, NULL);
    mk(cmd, OP_TLBI_NH_ALL, 0);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    CHECK_EQ(ac_count(AC_INVAL), 1);
    at_fini(&x);
}

/* docs/accel.md rule 32: SID-based commands for a SID without a vDEVICE are skipped with
 * success. */
TEST(accel_inv_sid_without_vdevice_skipped)
{
    struct at x;
    uint64_t cmd[2];

    setup(&x, NULL);
    mk(cmd, OP_CFGI_CD, 0x55);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    mk(cmd, OP_CFGI_CD_ALL, 0x56);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    CHECK_EQ(ac_count(AC_INVAL), 0);
    /* The attached device not on a nested HWPT has its vDEVICE: sent. */
    mk(cmd, OP_CFGI_CD, 0x11);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    CHECK_EQ(ac_count(AC_INVAL), 1);
    at_fini(&x);
}

/* docs/accel.md rule 34: never forwarded: CFGI_STE*, PREFETCH_*, CMD_SYNC. */
TEST(accel_inv_never_forwarded)
{
    struct at x;
    uint64_t cmd[2];

    setup(&x, NULL);
    guest_cmd_op(cmd, OP_PREFETCH_CONFIG);
    st_set(cmd, CMD_SID, 0x10);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    guest_cmd_op(cmd, OP_PREFETCH_ADDR);
    st_set(cmd, CMD_SID, 0x10);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    CHECK_EQ(guest_cfgi_ste(&x.g, 0x10), 0);
    CHECK_EQ(guest_cfgi_all(&x.g), 0);
    CHECK_EQ(guest_sync(&x.g), 0);
    CHECK_EQ(ac_count(AC_INVAL), 0);
    at_fini(&x);
}

/* docs/accel.md rule 34: stage-2 and EL2/EL3 invalidations are CERROR_ILL. */
TEST(accel_inv_stage2_and_el2_ill)
{
    static const uint8_t ops[] = {
        OP_TLBI_S12_VMALL, OP_TLBI_S2_IPA, OP_TLBI_EL2_ALL, OP_TLBI_EL2_ASID,
        OP_TLBI_EL2_VA, OP_TLBI_EL2_VAA, OP_TLBI_EL3_ALL, OP_TLBI_EL3_VA,
    };
    for (size_t i = 0; i < sizeof(ops); i++) {
        struct at x;
        uint64_t cmd[2];

        setup(&x, NULL);
        guest_cmd_op(cmd, ops[i]);
        CHECK_MSG(guest_cmd_sync(&x.g, cmd) == CERROR_ILL, "op 0x%02x", ops[i]);
        CHECK_EQ(ac_count(AC_INVAL), 0);
        at_fini(&x);
    }
}

/* docs/accel.md rule 36: without a vIOMMU nothing is forwarded and all succeed. */
TEST(accel_inv_without_viommu_is_noop)
{
    struct at x;
    uint64_t cmd[2];

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    mk(cmd, OP_TLBI_NH_ASID, 3);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    mk(cmd, OP_CFGI_CD, 0x10);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    CHECK_EQ(ac_log.n, 0);
    at_fini(&x);
}

static uint32_t cons_at_inval;

static int reject_third(const void *entries, uint32_t *entry_num)
{
    (void)entries;
    cons_at_inval = ac_log.s->cmdq.cons;
    if (*entry_num > 2) {
        *entry_num = 2;
        return -EIO;
    }
    return 0;
}

/* docs/accel.md rules 33 and 35 with batching: the host rejects the third command of a
 * batch; that command, and no other, gets CERROR_ILL, CONS stays on it,
 * GERROR.CMDQ_ERR is raised, and the two before it are sent again on their
 * own (a kernel may have refused the batch as a whole).  The batch went to
 * the host before the CMD_SYNC completed. */
TEST(accel_inv_host_rejection_fails_exact_command)
{
    struct at x;
    uint64_t cmd[2];
    uint32_t idx[5];
    struct ac_call *c;
    int first;

    setup(&x, NULL);
    cmdq_hold(&x);
    for (unsigned i = 0; i < 4; i++) {
        idx[i] = x.g.cmdq_prod;
        mk(cmd, OP_TLBI_NH_ASID, 10 + i);
        CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    }
    idx[4] = x.g.cmdq_prod;
    guest_cmd_op(cmd, OP_SYNC);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    ac_reset_log();
    tb_clear_logs(&x.tb);
    ac_log.inval_override = reject_third;
    cmdq_release(&x);
    ac_log.inval_override = NULL;
    CHECK_EQ(guest_cmdq_err(&x.g), CERROR_ILL);
    CHECK(guest_gerror_active(&x.g) & fld_mask(GERROR_CMDQ_ERR));
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS) & q_wrmask(x.g.cmdq_log2), idx[2]);
    CHECK_EQ(cons_at_inval & q_wrmask(x.g.cmdq_log2), idx[4]);
    CHECK_EQ(ac_count(AC_INVAL), 2);
    first = ac_find(AC_INVAL, 0);
    CHECK_EQ(ac_log.calls[first].c, 4);
    c = ac_last(AC_INVAL);
    CHECK_EQ(c->c, 2);
    CHECK_EQ(st_get(ac_log.inv[4], CMD_ASID), 10);
    CHECK_EQ(st_get(ac_log.inv[5], CMD_ASID), 11);
    CHECK(tb_log_contains(&x.tb, "IOMMU_HWPT_INVALIDATE"));
    at_fini(&x);
}

/* The simulator failing the call outright (nothing handled): the first
 * command of the batch fails. */
TEST(accel_inv_host_failure_fails_first_of_batch)
{
    struct at x;
    uint64_t cmd[2];
    uint32_t first;

    setup(&x, NULL);
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_HWPT_INVALIDATE, 1, EIO), 0);
    cmdq_hold(&x);
    first = x.g.cmdq_prod;
    mk(cmd, OP_TLBI_NH_ALL, 0);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    mk(cmd, OP_TLBI_NH_ASID, 4);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    guest_cmd_op(cmd, OP_SYNC);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    cmdq_release(&x);
    CHECK_EQ(guest_cmdq_err(&x.g), CERROR_ILL);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS) & q_wrmask(x.g.cmdq_log2), first);
    CHECK(tb_log_contains(&x.tb, "Input/output error"));
    /* After the guest's acknowledgement the commands go through. */
    guest_gerror_ack(&x.g);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS) & q_wrmask(x.g.cmdq_log2), x.g.cmdq_prod);
    CHECK_EQ(ac_last(AC_INVAL)->rc, 0);
    at_fini(&x);
}

/* What the host would refuse is failed locally: ATC_INV without ATS.  The
 * commands before it are sent first. */
TEST(accel_inv_host_refusals_mirrored_locally)
{
    struct at x;
    uint64_t cmd[2];
    uint32_t bad;

    setup(&x, NULL);
    cmdq_hold(&x);
    mk(cmd, OP_TLBI_NH_ASID, 4);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    bad = x.g.cmdq_prod;
    mk(cmd, OP_ATC_INV, 0x10);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    guest_cmd_op(cmd, OP_SYNC);
    CHECK_EQ(guest_cmd(&x.g, cmd), 0);
    cmdq_release(&x);
    CHECK_EQ(guest_cmdq_err(&x.g), CERROR_ILL);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS) & q_wrmask(x.g.cmdq_log2), bad);
    CHECK_EQ(ac_count(AC_INVAL), 1);
    CHECK_EQ(ac_log.ninv, 1);
    CHECK_EQ(st_get(ac_log.inv[0], CMD_OP), OP_TLBI_NH_ASID);
    at_fini(&x);
}

/* 8-bit ASIDs: an ASID above 255 is not forwarded. */
TEST(accel_inv_asid_beyond_8_bits_ill)
{
    struct vsmmu_config cfg;
    struct at x;
    uint64_t cmd[2];

    at_config(&cfg);
    cfg.asid16 = false;
    at_init(&x, &cfg, 1);
    at_add_device_like(&x, 1);
    CHECK_EQ(at_attach(&x, 1, 0x10), 0);
    guest_init(&x.g, &x.tb, NULL);
    mk(cmd, OP_TLBI_NH_ASID, 0x100);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), CERROR_ILL);
    CHECK_EQ(ac_count(AC_INVAL), 1);     /* only guest_init's TLBI_NSNH_ALL */
    at_fini(&x);
}

/* As Linux does after CERROR_ILL: replace the failed command with a
 * CMD_SYNC, then acknowledge (the queue resumes there). */
static void skip_failed(struct at *x)
{
    uint32_t cons = tb_readl(&x->tb, R_CMDQ_CONS) & q_wrmask(x->g.cmdq_log2);
    uint64_t slot = x->g.cmdq + (uint64_t)q_index(cons, x->g.cmdq_log2) * CMD_SIZE;
    uint64_t cmd[2];

    guest_cmd_op(cmd, OP_SYNC);
    tb_w64(&x->tb, slot, cmd[0]);
    tb_w64(&x->tb, slot + 8, cmd[1]);
    guest_gerror_ack(&x->g);
    CHECK_EQ(tb_readl(&x->tb, R_CMDQ_CONS) & q_wrmask(x->g.cmdq_log2), x->g.cmdq_prod);
}

/* Reserved fields the host refuses are caught before sending; a valid
 * range invalidation (RIL) goes through. */
TEST(accel_inv_reserved_fields_ill)
{
    struct at x;
    uint64_t cmd[2];

    setup(&x, NULL);
    mk(cmd, OP_TLBI_NH_ASID, 3);
    cmd[1] = 1;                                 /* Leaf: not in NH_ASID */
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), CERROR_ILL);
    CHECK(tb_log_contains(&x.tb, "fields the host does not accept"));
    skip_failed(&x);
    CHECK_EQ(ac_count(AC_INVAL), 0);
    mk(cmd, OP_CFGI_CD_ALL, 0x10);
    st_set(cmd, CMD_LEAF, 1);                   /* not in CFGI_CD_ALL */
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), CERROR_ILL);
    skip_failed(&x);
    mk(cmd, OP_TLBI_NH_VA, 3);                  /* TG 4K, NUM 3: a range */
    st_set(cmd, CMD_TG, 1);
    st_set(cmd, CMD_NUM, 3);
    st_set(cmd, CMD_TTL, 3);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), 0);
    CHECK_EQ(ac_count(AC_INVAL), 1);
    CHECK_EQ(ac_last(AC_INVAL)->rc, 0);
    at_fini(&x);
}
