// SPDX-License-Identifier: MIT
/*
 * Regression cases for the register, queue and event-record items of
 * docs/regressions.md (other models' bugs), R1-R17.
 * Each test names the item it pins down.
 */
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "testbed.h"

static void up(struct testbed *tb, struct guest *g, void (*tweak)(struct vsmmu_config *),
               const struct guest_opts *o)
{
    struct vsmmu_config cfg;
    vsmmu_config_default(&cfg);
    if (tweak)
        tweak(&cfg);
    tb_init(tb, &cfg);
    guest_init(g, tb, o);
    tb_clear_irqs(tb);
    tb_clear_logs(tb);
}

/* R1: FreeBSD's smmu_sync asks for an MSI write of 0 over the CMD_SYNC's
 * own slot and polls it; a model without CMD_SYNC MSIs makes it spin. */
TEST(anchor_sync_msi_over_own_slot_freebsd_style)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2], slot;
    up(&tb, &g, NULL, NULL);
    slot = g.cmdq + 16u * (g.cmdq_prod & 0xff);
    guest_cmd_op(cmd, OP_SYNC);
    st_set(cmd, CMD_SYNC_CS, SYNC_CS_IRQ);
    st_set(cmd, CMD_SYNC_MSIDATA, 0);
    st_set(cmd, CMD_SYNC_MSIADDR, slot >> 2);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_r32(&tb, slot), 0);   /* the poll ends at once */
    tb_fini(&tb);
}

/* R2: CMD_SYNC ignores SEV in QEMU; here SIG_SEV completes (CONS passes
 * it) with no interrupt and no memory write. */
TEST(anchor_sync_sev_completes)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    up(&tb, &g, NULL, NULL);
    tb.mem_writes = 0;
    guest_cmd_op(cmd, OP_SYNC);
    st_set(cmd, CMD_SYNC_CS, SYNC_CS_SEV);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), g.cmdq_prod);
    CHECK_EQ(tb.nirqs, 0);
    CHECK_EQ(tb.mem_writes, 0);   /* the model wrote no memory */
    tb_fini(&tb);
}

/* R3: QEMU treats CS = 11 as SIG_IRQ. */
TEST(anchor_sync_cs_11_is_illegal_and_signals_nothing)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    up(&tb, &g, NULL, NULL);
    guest_cmd_op(cmd, OP_SYNC);
    st_set(cmd, CMD_SYNC_CS, 3);
    CHECK_EQ(guest_cmd(&g, cmd), 0);
    CHECK_EQ(guest_cmdq_err(&g), CERROR_ILL);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_CMDQ_SYNC), 0);
    tb_fini(&tb);
}

/* R4: QEMU pulses the cmdq-sync line before advancing CONS. */
static struct testbed *peek_tb;
static uint32_t cons_at_pulse = 0xffffffff;
static void peek_irq(void *opaque, enum vsmmu_irq line)
{
    (void)opaque;
    if (line == VSMMU_IRQ_CMDQ_SYNC)
        cons_at_pulse = peek_tb->s->cmdq.cons;
}

TEST(anchor_sync_cons_before_pulse)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops;
    uint64_t base = TB_RAM_BASE + 0x10000;
    tb_init(&tb, NULL);
    vsmmu_destroy(tb.s);
    vsmmu_config_default(&cfg);
    ops = tb_ops(&tb);
    ops.irq = peek_irq;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &tb.s), 0);
    peek_tb = &tb;
    tb_writeq(&tb, R_CMDQ_BASE, base | 3);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    tb_w64(&tb, base, OP_SYNC | (uint64_t)fld_set(0, CMD_SYNC_CS, SYNC_CS_IRQ));
    tb_writel(&tb, R_CMDQ_PROD, 1);
    CHECK_EQ(cons_at_pulse, 1);
    tb_fini(&tb);
}

/* R8: queue bases are aligned to MAX(size, 32): bit 5 is kept
 * for a 1-entry event queue and a 2-entry command queue (QEMU drops it). */
TEST(anchor_queue_base_bit5_kept_for_32_byte_queues)
{
    struct testbed tb = {0};
    uint64_t q = TB_RAM_BASE + 0x10000;
    struct vsmmu_event ev = { .type = EVT_C_BAD_STE, .sid = 0x77 };
    tb_init(&tb, NULL);
    /* Command queue, 2 entries (32 bytes) at base + 0x20. */
    tb_writeq(&tb, R_CMDQ_BASE, (q + 0x20) | 1);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    tb_w64(&tb, q, 0xff);                 /* illegal, must not be read */
    tb_w64(&tb, q + 0x20, OP_TLBI_NSNH_ALL);
    tb_writel(&tb, R_CMDQ_PROD, 1);
    CHECK_EQ(tb_readl(&tb, R_GERROR), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 1);
    /* Event queue, 1 entry (32 bytes) at base + 0x60. */
    tb_writeq(&tb, R_EVENTQ_BASE, (q + 0x60) | 0);
    tb_writel(&tb, R_CR0, (uint32_t)(fld_mask(CR0_CMDQEN) | fld_mask(CR0_EVENTQEN)));
    CHECK_EQ(vsmmu_event_record(tb.s, &ev), EVQ_WRITTEN);
    CHECK_EQ(tb_r64(&tb, q + 0x60), EVT_C_BAD_STE | 0x77ull << 32);
    CHECK_EQ(tb_r64(&tb, q + 0x40), 0);
    tb_fini(&tb);
}

/* R9: queue bases not checked for alignment in QEMU: low address bits
 * below the queue size are ignored. */
TEST(anchor_queue_base_aligned_to_queue_size)
{
    struct testbed tb = {0};
    uint64_t q = TB_RAM_BASE + 0x10000;
    struct vsmmu_event ev = { .type = EVT_C_BAD_STE, .sid = 0x55 };
    tb_init(&tb, NULL);
    tb_writeq(&tb, R_EVENTQ_BASE, (q + 0x1e0) | 4);   /* 16 records = 512 bytes */
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_EVENTQEN));
    CHECK_EQ(vsmmu_event_record(tb.s, &ev), EVQ_WRITTEN);
    CHECK_EQ(tb_r64(&tb, q), EVT_C_BAD_STE | 0x55ull << 32);
    tb_fini(&tb);
}

/* R10: STRTAB_BASE keeps ADDR[55:6] only. */
TEST(anchor_strtab_base_mask)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writeq(&tb, R_STRTAB_BASE, 0x00ff00004000003full | 1ull << 63);
    CHECK_EQ(tb_readq(&tb, R_STRTAB_BASE), 0x00ff000040000000ull);
    tb_fini(&tb);
}

/* R11: QEMU's CR0 mask lets RES0 bit 9 reach CR0ACK. */
TEST(anchor_cr0_res0_bits_5_and_9)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_CR0, 1u << 9 | 1u << 5 | 1u << 31);
    CHECK_EQ(tb_readl(&tb, R_CR0), 0);
    CHECK_EQ(tb_readl(&tb, R_CR0ACK), 0);
    tb_fini(&tb);
}

/* R5: EL2 and EL3 TLBIs silently accepted by QEMU. */
static void hyp(struct vsmmu_config *c) { c->hyp = true; }

TEST(anchor_el2_el3_tlbi_illegal)
{
    static const uint8_t el2[] = { OP_TLBI_EL2_ALL, OP_TLBI_EL2_ASID, OP_TLBI_EL2_VA,
                                   OP_TLBI_EL2_VAA };
    for (unsigned i = 0; i < 4; i++) {
        struct testbed tb = {0};
        struct guest g;
        uint64_t cmd[2];
        up(&tb, &g, NULL, NULL);
        guest_cmd_op(cmd, el2[i]);
        CHECK_EQ(guest_cmd_sync(&g, cmd), CERROR_ILL);
        tb_fini(&tb);
    }
    for (unsigned op = OP_TLBI_EL3_ALL; op <= OP_TLBI_EL3_VA; op += 2) {
        struct testbed tb = {0};
        struct guest g;
        uint64_t cmd[2];
        up(&tb, &g, hyp, NULL);
        guest_cmd_op(cmd, (uint8_t)op);
        CHECK_EQ(guest_cmd_sync(&g, cmd), CERROR_ILL);
        tb_fini(&tb);
    }
}

/* R6: other QEMU command leniencies. */
TEST(anchor_stall_model_resume_tlbi_reserved_range_cfgi_all)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    up(&tb, &g, NULL, NULL);
    guest_cmd_op(cmd, OP_CFGI_STE_RANGE);          /* CFGI_ALL */
    st_set(cmd, CMD_RANGE, CFGI_RANGE_ALL);
    CHECK_EQ(guest_cmd_sync(&g, cmd), 0);
    guest_cmd_op(cmd, OP_CFGI_VMS_PIDM);           /* 0x07 is not CFGI_ALL */
    CHECK_EQ(guest_cmd_sync(&g, cmd), CERROR_ILL);
    tb_fini(&tb);

    up(&tb, &g, NULL, NULL);
    guest_cmd_op(cmd, OP_RESUME);
    CHECK_EQ(guest_cmd_sync(&g, cmd), CERROR_ILL);
    tb_fini(&tb);

    up(&tb, &g, NULL, NULL);
    guest_cmd_op(cmd, OP_TLBI_NH_VA);
    st_set(cmd, CMD_TG, 3);
    CHECK_EQ(guest_cmd_sync(&g, cmd), CERROR_ILL);
    tb_fini(&tb);
}

/* R7: PRI_RESP.Resp is at [77:76], not QEMU's [76:75]. */
static void pri(struct vsmmu_config *c)
{
    c->ats = c->pri = true;
    c->priqs = 4;
}

TEST(anchor_pri_resp_field_position)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t cmd[2];
    up(&tb, &g, pri, NULL);
    guest_cmd_op(cmd, OP_PRI_RESP);
    cmd[1] = 3ull << 11;    /* bits 76:75 set: Resp[77:76] = 01 */
    CHECK_EQ(guest_cmd_sync(&g, cmd), 0);
    cmd[1] = 3ull << 12;    /* Resp = 11 */
    CHECK_EQ(guest_cmd_sync(&g, cmd), CERROR_ILL);
    tb_fini(&tb);
}

/* R12: the eventq interrupt fires on empty -> non-empty only. */
TEST(anchor_eventq_irq_edge_only)
{
    struct testbed tb = {0};
    struct guest g;
    struct vsmmu_event ev = { .type = EVT_F_TRANSLATION };
    up(&tb, &g, NULL, NULL);
    for (int i = 0; i < 10; i++)
        CHECK_EQ(vsmmu_event_record(tb.s, &ev), EVQ_WRITTEN);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_EVENTQ), 1);
    tb_fini(&tb);
}

/* R13: a full event queue overflows via OVFLG, not GERROR. */
TEST(anchor_eventq_full_is_ovflg_not_gerror)
{
    struct testbed tb = {0};
    struct guest g;
    struct guest_opts o = { .evtq_log2 = 1 };
    struct vsmmu_event ev = { .type = EVT_F_TRANSLATION };
    up(&tb, &g, NULL, &o);
    for (int i = 0; i < 3; i++)
        vsmmu_event_record(tb.s, &ev);
    CHECK_EQ(fld_get(tb_readl(&tb, R_EVENTQ_PROD), Q_OVFLG), 1);
    CHECK_EQ(tb_readl(&tb, R_GERROR), 0);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_GERROR), 0);
    tb_fini(&tb);
}

/* R14: SFM_ERR (bit 8) is a GERROR bit (Xen's mask leaves it out). */
TEST(anchor_gerror_mask_includes_sfm)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_GERRORN, 1u << 8);
    CHECK_EQ(tb_readl(&tb, R_GERRORN), 1u << 8);
    tb_writel(&tb, R_GERRORN, 0);
    tb_writel(&tb, R_IRQ_CTRL, (uint32_t)fld_mask(IRQ_CTRL_GERROR_IRQEN));
    vsmmu_lock_plain(tb.s);
    CHECK(vsmmu_gerror_raise(tb.s, fld_lo(GERROR_SFM_ERR)));
    vsmmu_unlock(tb.s);
    CHECK_EQ(tb_readl(&tb, R_GERROR), 1u << 8);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_GERROR), 1);
    /* SFM: no more events and no more commands. */
    {
        struct vsmmu_event ev = { .type = EVT_F_TRANSLATION };
        uint64_t q = TB_RAM_BASE + 0x10000;
        tb_writeq(&tb, R_EVENTQ_BASE, q | 3);
        tb_writeq(&tb, R_CMDQ_BASE, (q + 0x1000) | 3);
        tb_w64(&tb, q + 0x1000, OP_TLBI_NSNH_ALL);
        tb_writel(&tb, R_CR0, (uint32_t)(fld_mask(CR0_EVENTQEN) | fld_mask(CR0_CMDQEN)));
        CHECK_EQ(vsmmu_event_record(tb.s, &ev), EVQ_UNWRITABLE);
        tb_writel(&tb, R_CMDQ_PROD, 1);
        CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0);
    }
    tb_fini(&tb);
}

/* R15: QEMU guards no register; v3.2 ignores guarded writes. */
TEST(anchor_guarded_writes_ignored)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t strtab, cmdq, evtq;
    uint32_t cfg;
    up(&tb, &g, NULL, NULL);
    strtab = tb_readq(&tb, R_STRTAB_BASE);
    cfg = tb_readl(&tb, R_STRTAB_BASE_CFG);
    cmdq = tb_readq(&tb, R_CMDQ_BASE);
    evtq = tb_readq(&tb, R_EVENTQ_BASE);
    tb_writeq(&tb, R_STRTAB_BASE, 0);
    tb_writel(&tb, R_STRTAB_BASE_CFG, 0);
    tb_writeq(&tb, R_CMDQ_BASE, 0);
    tb_writeq(&tb, R_EVENTQ_BASE, 0);
    tb_writel(&tb, R_CMDQ_CONS, 0);
    tb_writel(&tb, R_EVENTQ_PROD, 5);
    CHECK_EQ(tb_readq(&tb, R_STRTAB_BASE), strtab);
    CHECK_EQ(tb_readl(&tb, R_STRTAB_BASE_CFG), cfg);
    CHECK_EQ(tb_readq(&tb, R_CMDQ_BASE), cmdq);
    CHECK_EQ(tb_readq(&tb, R_EVENTQ_BASE), evtq);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), g.cmdq_prod);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0);
    tb_fini(&tb);
}

/* R16: GBPA ignores writes without Update (v3.2) and Update reads 0. */
TEST(anchor_gbpa_update_rule)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_GBPA, 1u << 20);
    CHECK_EQ(fld_get(tb_readl(&tb, R_GBPA), GBPA_ABORT), 0);
    tb_writel(&tb, R_GBPA, 1u << 31 | 1u << 20);
    CHECK_EQ(tb_readl(&tb, R_GBPA), 1u << 20);
    tb_fini(&tb);
}

/* R17: the F_CD_FETCH address goes to dw3 FetchAddr. */
TEST(anchor_cd_fetch_address_in_dw3)
{
    struct vsmmu_event ev = { .type = EVT_F_CD_FETCH, .sid = 1, .fetch_addr = 0x40005040 };
    uint64_t rec[4];
    vsmmu_event_encode(&ev, rec);
    CHECK_EQ(rec[2], 0);
    CHECK_EQ(rec[3], 0x40005040);
    ev.type = EVT_F_STE_FETCH;   /* R17: F_STE_FETCH address word */
    vsmmu_event_encode(&ev, rec);
    CHECK_EQ(rec[2], 0);
    CHECK_EQ(rec[3], 0x40005040);
}
