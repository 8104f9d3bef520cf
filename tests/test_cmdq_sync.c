// SPDX-License-Identifier: MIT
/* CMD_SYNC completion: SIG_NONE, SIG_IRQ (wired + MSI), SIG_SEV. */
#include <stdlib.h>
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "testbed.h"

#define MSI_TARGET (TB_RAM_BASE + 0x2000)

static void env(struct testbed *tb, struct guest *g, bool msi, bool msi_cb)
{
    struct vsmmu_config cfg;
    vsmmu_config_default(&cfg);
    cfg.msi = msi;
    cfg.flags |= VSMMU_FLAG_TRACE;
    tb->msi_via_callback = msi_cb;
    tb_init(tb, &cfg);
    guest_init(g, tb, NULL);
    tb_clear_irqs(tb);
    tb_clear_logs(tb);
}

static void sync_cmd(uint64_t cmd[2], unsigned cs, uint64_t addr, uint32_t data)
{
    guest_cmd_op(cmd, OP_SYNC);
    st_set(cmd, CMD_SYNC_CS, cs);
    st_set(cmd, CMD_SYNC_MSIDATA, data);
    st_set(cmd, CMD_SYNC_MSIADDR, addr >> 2);
}

TEST(sync_cs_none_signals_nothing)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    env(&tb, &g, true, false);
    sync_cmd(cmd, SYNC_CS_NONE, MSI_TARGET, 0x1234);
    tb_w32(&tb, MSI_TARGET, 0xdead);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), g.cmdq_prod);
    CHECK_EQ(tb.nirqs, 0);
    CHECK_EQ(tb_r32(&tb, MSI_TARGET), 0xdead);
    tb_fini(&tb);
}

TEST(sync_irq_without_msi_address_pulses_line)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    env(&tb, &g, true, true);
    sync_cmd(cmd, SYNC_CS_IRQ, 0, 0x1234);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_CMDQ_SYNC), 1);
    CHECK_EQ(tb.msi_count, 0);
    CHECK_EQ(tb.nirqs, 1);
    tb_fini(&tb);
}

static void check_sync_msi(bool via_cb)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    env(&tb, &g, true, via_cb);
    sync_cmd(cmd, SYNC_CS_IRQ, MSI_TARGET, 0xcafef00d);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_r32(&tb, MSI_TARGET), 0xcafef00d);
    /* The wired line pulses whatever MSIAddress says. */
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_CMDQ_SYNC), 1);
    if (via_cb) {
        CHECK_EQ(tb.msi_count, 1);
        CHECK_EQ(tb.irqs[1].line, -1);
        CHECK_EQ(tb.irqs[1].addr, MSI_TARGET);
        CHECK_EQ(tb.irqs[1].data, 0xcafef00d);
    }
    CHECK_EQ(guest_gerror_active(&g), 0);
    tb_fini(&tb);
}

TEST(sync_irq_msi_through_mem_write) { check_sync_msi(false); }
TEST(sync_irq_msi_through_msi_callback) { check_sync_msi(true); }

TEST(sync_irq_no_msi_when_not_advertised)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    env(&tb, &g, false, true);
    sync_cmd(cmd, SYNC_CS_IRQ, MSI_TARGET, 0x1234);
    tb_w32(&tb, MSI_TARGET, 0xdead);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_CMDQ_SYNC), 1);
    CHECK_EQ(tb.msi_count, 0);
    CHECK_EQ(tb_r32(&tb, MSI_TARGET), 0xdead);
    tb_fini(&tb);
}

TEST(sync_sev_traces_only)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    env(&tb, &g, true, true);
    sync_cmd(cmd, SYNC_CS_SEV, MSI_TARGET, 0x1234);
    tb_w32(&tb, MSI_TARGET, 0xdead);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), g.cmdq_prod);
    CHECK_EQ(tb.nirqs, 0);
    CHECK_EQ(tb_r32(&tb, MSI_TARGET), 0xdead);
    CHECK(tb_log_contains(&tb, "SEV"));
    tb_fini(&tb);
}

TEST(sync_msi_abort_sets_msi_cmdq_abt_err)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    env(&tb, &g, true, false);
    sync_cmd(cmd, SYNC_CS_IRQ, 0x1000, 1);    /* no RAM there */
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    /* The SYNC is consumed; the abort is recorded in GERROR. */
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), g.cmdq_prod);
    CHECK_EQ(guest_gerror_active(&g), fld_mask(GERROR_MSI_CMDQ_ABT_ERR));
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_GERROR), 1);
    /* Not CMDQ_ERR: processing goes on. */
    CHECK_EQ(guest_sync(&g), 0);
    tb_fini(&tb);
}

TEST(sync_msi_abort_via_callback)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    env(&tb, &g, true, true);
    sync_cmd(cmd, SYNC_CS_IRQ, TB_RAM_BASE + TB_RAM_SIZE, 1);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb.msi_count, 1);
    CHECK_EQ(guest_gerror_active(&g), fld_mask(GERROR_MSI_CMDQ_ABT_ERR));
    tb_fini(&tb);
}

TEST(sync_linux_msi_polling)
{
    struct testbed tb = {0};
    struct guest g;
    struct guest_opts o = { .msi_sync = true };
    uint64_t cmd[2];
    tb_init(&tb, NULL);
    guest_init(&g, &tb, &o);   /* bring-up SYNC already uses MSI polling */
    guest_cmd_op(cmd, OP_TLBI_NSNH_ALL);
    for (int i = 0; i < 300; i++)   /* wraps the 256-entry queue */
        CHECK_EQ(guest_cmd_sync(&g, cmd), 0);
    tb_fini(&tb);
}

/* CONS passes the SYNC before its interrupt or MSI is observable. */
static struct testbed *peek_tb;
static uint32_t cons_at_irq, cons_at_msi;
static void peek_irq(void *opaque, enum vsmmu_irq line)
{
    (void)opaque;
    if (line == VSMMU_IRQ_CMDQ_SYNC)
        cons_at_irq = peek_tb->s->cmdq.cons;
}
static int peek_msi(void *opaque, uint64_t addr, uint32_t data)
{
    (void)opaque; (void)addr; (void)data;
    cons_at_msi = peek_tb->s->cmdq.cons;
    return 0;
}

TEST(sync_cons_published_before_signal)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops;
    uint64_t base = TB_RAM_BASE + 0x10000;
    vsmmu_t *s;

    tb_init(&tb, NULL);
    vsmmu_destroy(tb.s);
    vsmmu_config_default(&cfg);
    ops = tb_ops(&tb);
    ops.irq = peek_irq;
    ops.msi = peek_msi;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), 0);
    tb.s = s;
    peek_tb = &tb;
    tb_writeq(&tb, R_CMDQ_BASE, base | 4);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    tb_w64(&tb, base, OP_TLBI_NSNH_ALL);
    tb_w64(&tb, base + 16, OP_SYNC | (uint64_t)fld_set(0, CMD_SYNC_CS, SYNC_CS_IRQ));
    tb_w64(&tb, base + 24, MSI_TARGET);   /* MSIAddress in place: PA[55:2] */
    tb_writel(&tb, R_CMDQ_PROD, 2);
    CHECK_EQ(cons_at_irq, 2);
    CHECK_EQ(cons_at_msi, 2);
    vsmmu_destroy(s);
    free(tb.ram);
}

TEST(sync_after_error_is_not_completed)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t bad[2], cmd[2];
    env(&tb, &g, true, false);
    guest_cmd_op(bad, 0x3b);
    sync_cmd(cmd, SYNC_CS_IRQ, MSI_TARGET, 5);
    CHECK_EQ(guest_cmd(&g, bad), 0);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_CMDQ_SYNC), 0);
    CHECK_EQ(tb_r32(&tb, MSI_TARGET), 0);
    tb_fini(&tb);
}
