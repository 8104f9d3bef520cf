// SPDX-License-Identifier: MIT
/* Command queue: consumption, wrap, full/empty, prompts, bounds. */
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "testbed.h"

#define QBASE (TB_RAM_BASE + 0x10000)

/* Program only the command queue (no guest driver): base, PROD = CONS = 0. */
static void raw_cmdq(struct testbed *tb, uint64_t base, unsigned log2, bool enable)
{
    tb_writeq(tb, R_CMDQ_BASE, base | log2);
    tb_writel(tb, R_CMDQ_PROD, 0);
    tb_writel(tb, R_CMDQ_CONS, 0);
    if (enable)
        tb_writel(tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
}

static void put_cmd(struct testbed *tb, uint64_t base, unsigned idx, uint8_t op)
{
    tb_w64(tb, base + 16u * idx, op);
    tb_w64(tb, base + 16u * idx + 8, 0);
}

static uint64_t ncommands(struct testbed *tb)
{
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    vsmmu_get_stats(tb->s, &st);
    return st.commands;
}

TEST(cmdq_bringup_linux_style)
{
    struct testbed tb = {0};
    struct guest g;
    tb_init(&tb, NULL);
    guest_init(&g, &tb, NULL);
    CHECK_EQ(tb_readl(&tb, R_CR0ACK), 0xd);
    CHECK_EQ(guest_gerror_active(&g), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 3);   /* CFGI_ALL, TLBI_NSNH_ALL, SYNC */
    CHECK_EQ(ncommands(&tb), 3);
    tb_fini(&tb);
}

static void cfg_hyp(struct vsmmu_config *c) { c->hyp = true; }

TEST(cmdq_bringup_with_hyp_and_linear_table)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    struct guest g;
    struct guest_opts o = { .linear = true, .sid_bits = 6 };
    vsmmu_config_default(&cfg);
    cfg_hyp(&cfg);
    tb_init(&tb, &cfg);
    guest_init(&g, &tb, &o);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 4);   /* + TLBI_EL2_ALL */
    CHECK_EQ(tb_readl(&tb, R_STRTAB_BASE_CFG), 6);
    tb_fini(&tb);
}

TEST(cmdq_consumed_on_prod_write)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 4, true);
    put_cmd(&tb, QBASE, 0, OP_TLBI_NSNH_ALL);
    put_cmd(&tb, QBASE, 1, OP_SYNC);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0);
    tb_writel(&tb, R_CMDQ_PROD, 2);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 2);
    CHECK_EQ(ncommands(&tb), 2);
    tb_fini(&tb);
}

TEST(cmdq_not_consumed_while_disabled_then_on_enable)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 4, false);
    put_cmd(&tb, QBASE, 0, OP_TLBI_NSNH_ALL);
    put_cmd(&tb, QBASE, 1, OP_TLBI_NSNH_ALL);
    tb_writel(&tb, R_CMDQ_PROD, 2);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 2);
    /* Disable: later commands wait. */
    tb_writel(&tb, R_CR0, 0);
    put_cmd(&tb, QBASE, 2, OP_TLBI_NSNH_ALL);
    tb_writel(&tb, R_CMDQ_PROD, 3);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 2);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 3);
    tb_fini(&tb);
}

TEST(cmdq_empty_reads_nothing)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 4, true);
    tb.mem_reads = 0;
    tb_writel(&tb, R_CMDQ_PROD, 0);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    CHECK_EQ(tb.mem_reads, 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0);
    tb_fini(&tb);
}

TEST(cmdq_wrap)
{
    struct testbed tb = {0};
    struct guest g;
    struct guest_opts o = { .cmdq_log2 = 2 };
    uint64_t cmd[2];
    tb_init(&tb, NULL);
    guest_init(&g, &tb, &o);
    /* 3 commands consumed by bring-up: CONS index 3, wrap 0. */
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 3);
    guest_cmd_op(cmd, OP_TLBI_NSNH_ALL);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 4);   /* index 0, wrap 1 */
    for (int i = 0; i < 5; i++)
        CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 1);   /* 9 = 8 + 1: index 1, wrap 0 */
    CHECK_EQ(guest_sync(&g), 0);
    CHECK_EQ(ncommands(&tb), 10);
    tb_fini(&tb);
}

TEST(cmdq_full_queue_consumed_whole)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 2, false);
    for (unsigned i = 0; i < 4; i++)
        put_cmd(&tb, QBASE, i, OP_TLBI_NSNH_ALL);
    tb_writel(&tb, R_CMDQ_PROD, 4);   /* index 0 wrap 1: full */
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 4);
    CHECK_EQ(ncommands(&tb), 4);
    tb_fini(&tb);
}

TEST(cmdq_one_entry_queue)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 0, true);
    put_cmd(&tb, QBASE, 0, OP_TLBI_NSNH_ALL);
    tb_writel(&tb, R_CMDQ_PROD, 1);   /* wrap bit at bit 0 */
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 1);
    tb_writel(&tb, R_CMDQ_PROD, 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0);
    CHECK_EQ(ncommands(&tb), 2);
    tb_fini(&tb);
}

static void cfg_cmdqs2(struct vsmmu_config *c) { c->cmdqs = 2; }

TEST(cmdq_log2size_clamped_to_cmdqs)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    vsmmu_config_default(&cfg);
    cfg_cmdqs2(&cfg);
    tb_init(&tb, &cfg);
    raw_cmdq(&tb, QBASE, 5, true);   /* asks for 32 entries; 4 are advertised */
    CHECK_EQ(fld_get(tb_readq(&tb, R_CMDQ_BASE), Q_BASE_LOG2SIZE), 5);
    for (unsigned i = 0; i < 4; i++)
        put_cmd(&tb, QBASE, i, OP_TLBI_NSNH_ALL);
    put_cmd(&tb, QBASE, 4, 0x00);   /* would be illegal if it were read */
    tb_writel(&tb, R_CMDQ_PROD, 3);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 3);
    tb_writel(&tb, R_CMDQ_PROD, 5);   /* 4-entry queue: slots 3 then 0 (wrap) */
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 5);
    CHECK_EQ(tb_readl(&tb, R_GERROR), 0);
    CHECK_EQ(ncommands(&tb), 5);
    tb_fini(&tb);
}

TEST(cmdq_prod_high_bits_ignored_and_cons_high_bits_raz)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 2, false);
    tb_writel(&tb, R_CMDQ_CONS, 0xff0);    /* bits above the wrap bit: stored */
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0xff0);
    put_cmd(&tb, QBASE, 0, OP_TLBI_NSNH_ALL);
    tb_writel(&tb, R_CMDQ_PROD, 0xff1);    /* index 1, wrap 0, junk above */
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    /* The SMMU owns CONS now: bits above the wrap bit read 0. */
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 1);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_PROD), 0xff1);
    tb_fini(&tb);
}

TEST(cmdq_base_low_bits_aligned_to_queue_size)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    /* 4 entries = 64 bytes: ADDR bits [5:5] are ignored. */
    raw_cmdq(&tb, QBASE | 0x20, 2, true);
    put_cmd(&tb, QBASE, 0, OP_TLBI_NSNH_ALL);
    tb_w64(&tb, QBASE + 0x20, 0xff);     /* an illegal command at base+0x20 */
    tb_writel(&tb, R_CMDQ_PROD, 1);
    CHECK_EQ(tb_readl(&tb, R_GERROR), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 1);
    tb_fini(&tb);
}

TEST(cmdq_stats_count_commands)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    tb_init(&tb, NULL);
    guest_init(&g, &tb, NULL);
    guest_cmd_op(cmd, OP_PREFETCH_CONFIG);
    for (int i = 0; i < 7; i++)
        CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(ncommands(&tb), 10);
    tb_fini(&tb);
}

TEST(cmdq_every_legal_opcode_consumed)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    struct guest g;
    static const uint8_t ops[] = {
        OP_PREFETCH_CONFIG, OP_PREFETCH_ADDR, OP_CFGI_STE, OP_CFGI_STE_RANGE, OP_CFGI_CD,
        OP_CFGI_CD_ALL, OP_TLBI_NH_ALL, OP_TLBI_NH_ASID, OP_TLBI_NH_VA, OP_TLBI_NH_VAA,
        OP_TLBI_EL2_ALL, OP_TLBI_EL2_ASID, OP_TLBI_EL2_VA, OP_TLBI_EL2_VAA,
        OP_TLBI_S12_VMALL, OP_TLBI_S2_IPA, OP_TLBI_NSNH_ALL, OP_ATC_INV, OP_PRI_RESP, OP_SYNC,
    };
    vsmmu_config_default(&cfg);
    cfg.hyp = cfg.ats = cfg.pri = true;
    cfg.priqs = 4;
    tb_init(&tb, &cfg);
    guest_init(&g, &tb, NULL);
    for (unsigned i = 0; i < sizeof(ops); i++) {
        uint64_t cmd[2];
        guest_cmd_op(cmd, ops[i]);
        CHECK_MSG(guest_cmd_sync(&g, cmd) == 0, "opcode 0x%02x not consumed", ops[i]);
    }
    CHECK_EQ(guest_gerror_active(&g), 0);
    tb_fini(&tb);
}

/* ---- hostile queues --------------------------------------------------- */

TEST(cmdq_prod_far_ahead_is_bounded)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 3, true);
    for (unsigned i = 0; i < 8; i++)
        put_cmd(&tb, QBASE, i, OP_TLBI_NSNH_ALL);
    /* Inconsistent: PROD "behind" CONS with the other wrap: 2^n - 1 ahead
     * at most; everything beyond the index and wrap bits is ignored. */
    tb_writel(&tb, R_CMDQ_PROD, 0xfffff);
    /* One MMIO write consumes at most one queue's worth (8 commands). */
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 8);
    CHECK_EQ(ncommands(&tb), 8);
    tb_writel(&tb, R_CMDQ_PROD, 0xfffff);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0xf);   /* 15 & mask: index 7, wrap 1 */
    CHECK_EQ(ncommands(&tb), 15);
    CHECK_EQ(tb_readl(&tb, R_GERROR), 0);
    tb_fini(&tb);
}

TEST(cmdq_huge_queue_full_of_commands_terminates)
{
    struct testbed tb = {0};
    const unsigned log2 = 16;
    const uint64_t base = TB_RAM_BASE + (1u << 20);   /* aligned to the 1 MiB queue */
    tb_init(&tb, NULL);
    raw_cmdq(&tb, base, log2, false);
    for (unsigned i = 0; i < (1u << log2); i++)
        put_cmd(&tb, base, i, OP_PREFETCH_CONFIG);
    tb_writel(&tb, R_CMDQ_PROD, 1u << log2);   /* full */
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 1u << log2);
    CHECK_EQ(ncommands(&tb), 1u << log2);
    tb_fini(&tb);
}

TEST(cmdq_garbage_commands_end_in_errors)
{
    struct testbed tb = {0};
    uint32_t seed = 12345;
    unsigned acks = 0;
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 6, true);
    for (unsigned i = 0; i < 64 * 16; i++) {
        seed = seed * 1103515245u + 12345u;
        tb.ram[QBASE - TB_RAM_BASE + i] = (uint8_t)(seed >> 16);
    }
    tb_writel(&tb, R_CMDQ_PROD, 64);   /* full */
    /* Each error stops processing; acknowledging resumes at the same
     * command, which (unchanged) fails again: a guest that never fixes
     * its queue makes no progress, but every step is bounded. */
    for (int round = 0; round < 200; round++) {
        uint32_t act = tb_readl(&tb, R_GERROR) ^ tb_readl(&tb, R_GERRORN);
        if (!(act & 1))
            break;
        CHECK_EQ(fld_get(tb_readl(&tb, R_CMDQ_CONS), CMDQ_CONS_ERR), CERROR_ILL);
        /* Skip the bad command like Linux: overwrite it with a CMD_SYNC. */
        {
            uint32_t rd = tb_readl(&tb, R_CMDQ_CONS) & 0x3f;
            put_cmd(&tb, QBASE, rd, OP_SYNC);
        }
        tb_writel(&tb, R_GERRORN, tb_readl(&tb, R_GERROR));
        acks++;
    }
    CHECK(acks > 0);
    CHECK_EQ((tb_readl(&tb, R_GERROR) ^ tb_readl(&tb, R_GERRORN)) & 1, 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS) & 0x7f, 64);
    tb_fini(&tb);
}

TEST(cmdq_in_unbacked_memory_is_cerror_abt)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, 0x1000, 4, true);   /* below RAM */
    tb_writel(&tb, R_CMDQ_PROD, 3);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), (uint32_t)fld_set(0, CMDQ_CONS_ERR, CERROR_ABT));
    CHECK_EQ(tb_readl(&tb, R_GERROR), fld_mask(GERROR_CMDQ_ERR));
    tb_fini(&tb);
}

TEST(cmdq_beyond_oas_is_cerror_abt)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, 1ull << 50, 4, true);   /* OAS is 48 bits */
    tb_writel(&tb, R_CMDQ_PROD, 1);
    CHECK_EQ(fld_get(tb_readl(&tb, R_CMDQ_CONS), CMDQ_CONS_ERR), CERROR_ABT);
    tb_fini(&tb);
}

TEST(cmdq_abort_midway_stops_at_that_command)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    raw_cmdq(&tb, QBASE, 4, true);
    for (unsigned i = 0; i < 4; i++)
        put_cmd(&tb, QBASE, i, OP_TLBI_NSNH_ALL);
    tb.abort_lo = QBASE + 2 * 16;
    tb.abort_hi = QBASE + 3 * 16;
    tb_writel(&tb, R_CMDQ_PROD, 4);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), (uint32_t)fld_set(2, CMDQ_CONS_ERR, CERROR_ABT));
    CHECK_EQ(ncommands(&tb), 2);
    /* The memory comes back; acknowledging re-fetches slot 2. */
    tb.abort_lo = tb.abort_hi = 0;
    tb_writel(&tb, R_GERRORN, tb_readl(&tb, R_GERROR));
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS) & 0xfffff, 4);
    CHECK_EQ(ncommands(&tb), 4);
    tb_fini(&tb);
}
