// SPDX-License-Identifier: MIT
/* Command errors: every illegal encoding, error reporting and recovery. */
#include <stdlib.h>
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "testbed.h"

enum feat {
    F_DEFAULT = 0,
    F_NO_S1 = 1 << 0,
    F_NO_S2 = 1 << 1,
    F_HYP = 1 << 2,
    F_ATS_PRI = 1 << 3,
    F_NO_RIL = 1 << 4,
};

struct env {
    struct testbed tb;
    struct guest g;
};

static void env_init(struct env *e, unsigned feat)
{
    struct vsmmu_config cfg;
    vsmmu_config_default(&cfg);
    if (feat & F_NO_S1)
        cfg.stage1 = false;
    if (feat & F_NO_S2)
        cfg.stage2 = false;
    if (feat & F_HYP)
        cfg.hyp = true;
    if (feat & F_ATS_PRI) {
        cfg.ats = cfg.pri = true;
        cfg.priqs = 4;
    }
    if (feat & F_NO_RIL)
        cfg.ril = false;
    memset(e, 0, sizeof(*e));
    tb_init(&e->tb, &cfg);
    guest_init(&e->g, &e->tb, NULL);
    tb_clear_irqs(&e->tb);
    tb_clear_logs(&e->tb);
}

/* Submit @cmd then a SYNC; expect CERROR_ILL at @cmd with everything the
 * architecture requires. */
static void expect_ill(unsigned feat, const uint64_t cmd[2], const char *what)
{
    struct env e;
    uint32_t at;
    uint64_t before;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    env_init(&e, feat);
    at = e.g.cmdq_prod;
    vsmmu_get_stats(e.tb.s, &st);
    before = st.commands;
    CHECK_EQ(guest_cmd(&e.g, cmd), 0);
    CHECK_MSG(guest_sync(&e.g) == CERROR_ILL, "%s: not CERROR_ILL", what);
    CHECK_MSG((tb_readl(&e.tb, R_CMDQ_CONS) & 0xfffff) == at, "%s: CONS moved", what);
    CHECK_EQ(guest_gerror_active(&e.g), fld_mask(GERROR_CMDQ_ERR));
    CHECK_EQ(tb_count_irq(&e.tb, VSMMU_IRQ_GERROR), 1);
    CHECK(tb_log_contains(&e.tb, "command error"));
    vsmmu_get_stats(e.tb.s, &st);
    CHECK_EQ(st.commands, before);
    tb_fini(&e.tb);
}

static void expect_ok(unsigned feat, const uint64_t cmd[2], const char *what)
{
    struct env e;
    int rc;
    env_init(&e, feat);
    rc = guest_cmd_sync(&e.g, cmd);
    CHECK_MSG(rc == 0, "%s: rejected (%d)", what, rc);
    CHECK_EQ(guest_gerror_active(&e.g), 0);
    tb_fini(&e.tb);
}

static void op_cmd(uint64_t cmd[2], uint8_t op)
{
    guest_cmd_op(cmd, op);
}

TEST(ill_reserved_opcodes)
{
    static const uint8_t ops[] = {
        0x00, 0x08, 0x0F, 0x14, 0x17, 0x19, 0x1B, 0x1F, 0x24, 0x27, 0x29, 0x2B, 0x2F, 0x31,
        0x3F, 0x42, 0x43, 0x47, 0x4F, 0x50, 0x51, 0x52, 0x53, 0x58, 0x5A, 0x60, 0x70, 0x73,
        0x7F, 0x80, 0x8F, 0x90, 0xFF,
    };
    for (unsigned i = 0; i < sizeof(ops); i++) {
        uint64_t cmd[2];
        char what[32];
        op_cmd(cmd, ops[i]);
        snprintf(what, sizeof(what), "opcode 0x%02x", ops[i]);
        expect_ill(F_HYP | F_ATS_PRI, cmd, what);
    }
}

TEST(ill_ssec_set)
{
    static const uint8_t ops[] = { OP_PREFETCH_CONFIG, OP_PREFETCH_ADDR, OP_CFGI_STE,
                                   OP_CFGI_STE_RANGE, OP_CFGI_CD, OP_CFGI_CD_ALL,
                                   OP_TLBI_NSNH_ALL, OP_SYNC };
    for (unsigned i = 0; i < sizeof(ops); i++) {
        uint64_t cmd[2];
        op_cmd(cmd, ops[i]);
        st_set(cmd, CMD_SSEC, 1);
        expect_ill(F_DEFAULT, cmd, "SSec = 1");
    }
}

TEST(ill_el3_tlbi_always)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_TLBI_EL3_ALL);
    expect_ill(F_HYP, cmd, "TLBI_EL3_ALL");
    op_cmd(cmd, OP_TLBI_EL3_VA);
    expect_ill(F_HYP, cmd, "TLBI_EL3_VA");
}

TEST(ill_el2_tlbi_without_hyp)
{
    static const uint8_t ops[] = { OP_TLBI_EL2_ALL, OP_TLBI_EL2_ASID, OP_TLBI_EL2_VA,
                                   OP_TLBI_EL2_VAA };
    for (unsigned i = 0; i < sizeof(ops); i++) {
        uint64_t cmd[2];
        op_cmd(cmd, ops[i]);
        expect_ill(F_DEFAULT, cmd, "EL2 TLBI without Hyp");
        expect_ok(F_HYP, cmd, "EL2 TLBI with Hyp");
    }
}

TEST(ill_stage1_commands_without_s1)
{
    static const uint8_t ops[] = { OP_TLBI_NH_ALL, OP_TLBI_NH_ASID, OP_TLBI_NH_VA,
                                   OP_TLBI_NH_VAA, OP_CFGI_CD, OP_CFGI_CD_ALL };
    for (unsigned i = 0; i < sizeof(ops); i++) {
        uint64_t cmd[2];
        op_cmd(cmd, ops[i]);
        expect_ill(F_NO_S1, cmd, "stage-1 command without S1P");
        expect_ok(F_NO_S2, cmd, "stage-1 command with S1P");
    }
}

TEST(ill_stage2_tlbi_without_s2)
{
    static const uint8_t ops[] = { OP_TLBI_S12_VMALL, OP_TLBI_S2_IPA };
    for (unsigned i = 0; i < sizeof(ops); i++) {
        uint64_t cmd[2];
        op_cmd(cmd, ops[i]);
        expect_ill(F_NO_S2, cmd, "stage-2 TLBI without S2P");
        expect_ok(F_NO_S1, cmd, "stage-2 TLBI with S2P");
    }
}

TEST(nsnh_all_legal_on_either_stage)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_TLBI_NSNH_ALL);
    expect_ok(F_NO_S1, cmd, "NSNH_ALL S2 only");
    expect_ok(F_NO_S2, cmd, "NSNH_ALL S1 only");
}

TEST(ill_atc_inv)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_ATC_INV);
    expect_ill(F_DEFAULT, cmd, "ATC_INV without ATS");
    st_set(cmd, CMD_ATC_SIZE, 52);
    expect_ok(F_ATS_PRI, cmd, "ATC_INV Size 52");
    st_set(cmd, CMD_ATC_SIZE, 53);
    expect_ill(F_ATS_PRI, cmd, "ATC_INV Size 53");
}

TEST(ill_pri_resp)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_PRI_RESP);
    st_set(cmd, CMD_PRI_RESP, 2);
    expect_ill(F_DEFAULT, cmd, "PRI_RESP without PRI");
    expect_ok(F_ATS_PRI, cmd, "PRI_RESP Success");
    st_set(cmd, CMD_PRI_RESP, 3);
    expect_ill(F_ATS_PRI, cmd, "PRI_RESP Resp = 11");
}

TEST(ill_resume_and_stall_term_without_stalls)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_RESUME);
    expect_ill(F_DEFAULT, cmd, "RESUME with STALL_MODEL = 01");
    op_cmd(cmd, OP_STALL_TERM);
    expect_ill(F_DEFAULT, cmd, "STALL_TERM with STALL_MODEL = 01");
}

TEST(ill_cfgi_vms_pidm_without_mpam)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_CFGI_VMS_PIDM);
    expect_ill(F_DEFAULT, cmd, "CFGI_VMS_PIDM");
}

TEST(ill_sync_cs_11)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_SYNC);
    st_set(cmd, CMD_SYNC_CS, 3);
    expect_ill(F_DEFAULT, cmd, "CMD_SYNC CS = 11");
}

static const uint8_t va_ops[] = { OP_TLBI_NH_VA, OP_TLBI_NH_VAA, OP_TLBI_EL2_VA,
                                  OP_TLBI_EL2_VAA, OP_TLBI_S2_IPA };

TEST(ill_tlbi_range_reserved_num_scale_ttl_zero)
{
    for (unsigned i = 0; i < sizeof(va_ops); i++) {
        uint64_t cmd[2];
        op_cmd(cmd, va_ops[i]);
        st_set(cmd, CMD_TG, 1);
        expect_ill(F_HYP, cmd, "TG != 0 with NUM = SCALE = TTL = 0");
        st_set(cmd, CMD_NUM, 1);
        expect_ok(F_HYP, cmd, "TG = 4K, NUM = 1");
        st_set(cmd, CMD_NUM, 0);
        st_set(cmd, CMD_SCALE, 3);
        expect_ok(F_HYP, cmd, "TG = 4K, SCALE = 3");
        st_set(cmd, CMD_SCALE, 0);
        st_set(cmd, CMD_TTL, 3);
        expect_ok(F_HYP, cmd, "TG = 4K, TTL = 3");
    }
}

TEST(ill_tlbi_16k_ttl1_without_ds)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_TLBI_NH_VA);
    st_set(cmd, CMD_TG, 2);
    st_set(cmd, CMD_TTL, 1);
    expect_ill(F_DEFAULT, cmd, "16K TTL = 01 without DS");
    st_set(cmd, CMD_TTL, 2);
    expect_ok(F_DEFAULT, cmd, "16K TTL = 10");
    st_set(cmd, CMD_TG, 1);
    st_set(cmd, CMD_TTL, 1);
    expect_ok(F_DEFAULT, cmd, "4K TTL = 01");
}

TEST(ill_tlbi_range_fields_without_ril)
{
    for (unsigned i = 0; i < sizeof(va_ops); i++) {
        uint64_t cmd[2];
        op_cmd(cmd, va_ops[i]);
        expect_ok(F_HYP | F_NO_RIL, cmd, "plain TLBI by address without RIL");
        st_set(cmd, CMD_TG, 1);
        st_set(cmd, CMD_NUM, 1);
        expect_ill(F_HYP | F_NO_RIL, cmd, "range TLBI without RIL");
        op_cmd(cmd, va_ops[i]);
        st_set(cmd, CMD_TTL, 2);
        expect_ill(F_HYP | F_NO_RIL, cmd, "TTL hint without RIL");
        op_cmd(cmd, va_ops[i]);
        st_set(cmd, CMD_SCALE, 2);
        expect_ill(F_HYP | F_NO_RIL, cmd, "SCALE without RIL");
    }
}

TEST(tlbi_tg0_ignores_range_fields_with_ril)
{
    uint64_t cmd[2];
    op_cmd(cmd, OP_TLBI_NH_VA);
    st_set(cmd, CMD_NUM, 5);
    st_set(cmd, CMD_SCALE, 2);
    expect_ok(F_DEFAULT, cmd, "TG = 0 with NUM/SCALE");
}

/* ---- error reporting and recovery ------------------------------------- */

/* The GERROR interrupt sees CMDQ_CONS.ERR already written. */
static uint32_t cons_seen_at_irq;
static struct testbed *irq_tb;
static void irq_peek(void *opaque, enum vsmmu_irq line)
{
    (void)opaque;
    if (line == VSMMU_IRQ_GERROR)
        cons_seen_at_irq = irq_tb->s->cmdq.cons;
}

TEST(cmdq_err_written_before_gerror)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops;
    vsmmu_t *s;
    uint64_t base = TB_RAM_BASE + 0x10000;

    tb_init(&tb, NULL);
    /* A second instance on the same RAM with an IRQ hook that peeks. */
    vsmmu_config_default(&cfg);
    ops = tb_ops(&tb);
    ops.irq = irq_peek;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), 0);
    irq_tb = &tb;
    vsmmu_destroy(tb.s);
    tb.s = s;
    tb_writeq(&tb, R_CMDQ_BASE, base | 4);
    tb_writel(&tb, R_IRQ_CTRL, (uint32_t)fld_mask(IRQ_CTRL_GERROR_IRQEN));
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    tb_w64(&tb, base, OP_TLBI_NSNH_ALL);
    tb_w64(&tb, base + 16, 0x3b);   /* reserved */
    tb_writel(&tb, R_CMDQ_PROD, 2);
    CHECK_EQ(cons_seen_at_irq, (uint32_t)fld_set(1, CMDQ_CONS_ERR, CERROR_ILL));
    CHECK_EQ(tb_readl(&tb, R_GERROR), 1);
    vsmmu_destroy(s);
    free(tb.ram);
}

TEST(cmdq_error_stops_until_acknowledged_and_refetches)
{
    struct env e;
    uint64_t bad[2], ok[2];
    uint32_t at, slot;

    env_init(&e, F_DEFAULT);
    at = e.g.cmdq_prod;
    op_cmd(bad, 0x3b);
    op_cmd(ok, OP_TLBI_NSNH_ALL);
    CHECK_EQ(guest_cmd(&e.g, bad), 0);
    CHECK_EQ(guest_cmd(&e.g, ok), 0);
    CHECK_EQ(guest_cmd(&e.g, ok), 0);
    CHECK_EQ(tb_readl(&e.tb, R_CMDQ_CONS), (uint32_t)fld_set(at, CMDQ_CONS_ERR, CERROR_ILL));
    /* More PROD writes and CMDQEN rewrites do not resume. */
    tb_writel(&e.tb, R_CMDQ_PROD, e.g.cmdq_prod);
    tb_writel(&e.tb, R_CR0, tb_readl(&e.tb, R_CR0));
    CHECK_EQ(tb_readl(&e.tb, R_CMDQ_CONS) & 0xfffff, at);
    /* Acknowledge without fixing: the same command fails again (re-fetched). */
    guest_gerror_ack(&e.g);
    CHECK_EQ(tb_readl(&e.tb, R_CMDQ_CONS), (uint32_t)fld_set(at, CMDQ_CONS_ERR, CERROR_ILL));
    CHECK_EQ(guest_gerror_active(&e.g), 1);
    CHECK_EQ(tb_count_irq(&e.tb, VSMMU_IRQ_GERROR), 2);
    /* Fix the slot in memory like Linux (CMD_SYNC), acknowledge: resumes. */
    slot = at & ((1u << e.g.cmdq_log2) - 1);
    tb_w64(&e.tb, e.g.cmdq + 16u * slot, OP_SYNC);
    guest_gerror_ack(&e.g);
    CHECK_EQ(guest_gerror_active(&e.g), 0);
    CHECK_EQ(tb_readl(&e.tb, R_CMDQ_CONS), e.g.cmdq_prod);   /* ERR cleared */
    CHECK_EQ(guest_sync(&e.g), 0);
    tb_fini(&e.tb);
}

TEST(cmdq_error_ack_while_disabled_resumes_on_enable)
{
    struct env e;
    uint64_t bad[2];
    uint32_t at;

    env_init(&e, F_DEFAULT);
    at = e.g.cmdq_prod;
    op_cmd(bad, 0x3b);
    CHECK_EQ(guest_cmd(&e.g, bad), 0);
    tb_writel(&e.tb, R_CR0, tb_readl(&e.tb, R_CR0) & ~(uint32_t)fld_mask(CR0_CMDQEN));
    tb_w64(&e.tb, e.g.cmdq + 16u * (at & ((1u << e.g.cmdq_log2) - 1)), OP_TLBI_NSNH_ALL);
    guest_gerror_ack(&e.g);
    CHECK_EQ(tb_readl(&e.tb, R_CMDQ_CONS) & 0xfffff, at);
    tb_writel(&e.tb, R_CR0, tb_readl(&e.tb, R_CR0) | (uint32_t)fld_mask(CR0_CMDQEN));
    CHECK_EQ(tb_readl(&e.tb, R_CMDQ_CONS) & 0xfffff, at + 1);
    tb_fini(&e.tb);
}

TEST(cmdq_prod_moved_back_during_error)
{
    struct env e;
    uint64_t bad[2], ok[2];
    uint32_t at;

    env_init(&e, F_DEFAULT);
    at = e.g.cmdq_prod;
    op_cmd(bad, 0x3b);
    op_cmd(ok, OP_TLBI_NSNH_ALL);
    CHECK_EQ(guest_cmd(&e.g, bad), 0);
    CHECK_EQ(guest_cmd(&e.g, ok), 0);
    /* Software moves PROD back to CONS (drops the bad command). */
    e.g.cmdq_prod = at;
    tb_writel(&e.tb, R_CMDQ_PROD, at);
    guest_gerror_ack(&e.g);
    CHECK_EQ(guest_gerror_active(&e.g), 0);
    CHECK_EQ(tb_readl(&e.tb, R_CMDQ_CONS) & 0xfffff, at);
    CHECK_EQ(guest_cmd_sync(&e.g, ok), 0);
    tb_fini(&e.tb);
}

TEST(cmdq_gerrorn_toggle_of_inactive_cmdq_err_stops_processing)
{
    struct env e;
    uint64_t ok[2];
    env_init(&e, F_DEFAULT);
    op_cmd(ok, OP_TLBI_NSNH_ALL);
    tb_writel(&e.tb, R_GERRORN, 1);   /* CONSTRAINED UNPREDICTABLE: treated as active */
    CHECK_EQ(guest_cmd(&e.g, ok), 0);
    CHECK((tb_readl(&e.tb, R_CMDQ_CONS) & 0xfffff) != e.g.cmdq_prod);
    tb_writel(&e.tb, R_GERRORN, 0);
    CHECK_EQ(tb_readl(&e.tb, R_CMDQ_CONS) & 0xfffff, e.g.cmdq_prod);
    CHECK_EQ(tb_count_irq(&e.tb, VSMMU_IRQ_GERROR), 0);
    tb_fini(&e.tb);
}
