// SPDX-License-Identifier: MIT
/*
 * Trace events (include/vsmmu_trace.h): the ids, names and argument names
 * are pinned; each model decision emits its event with its arguments; a
 * TLB hit emits nothing.
 */
#include <errno.h>
#include <stdio.h>

#include "test_trace.h"
#include "test_xlate_util.h"

/* ---- the ABI: ids, names and arguments never change ------------------- */

static void expect_desc(unsigned id, const char *name, const char *args)
{
    const char *const *names;
    char joined[256] = "";
    unsigned n;

    CHECK_MSG(vsmmu_trace_name(id) && !strcmp(vsmmu_trace_name(id), name),
              "id %u is %s, not %s", id, vsmmu_trace_name(id), name);
    CHECK_EQ(vsmmu_trace_args(id, &names, &n), 0);
    for (unsigned i = 0; i < n; i++) {
        strcat(joined, i ? " " : "");
        strcat(joined, names[i]);
    }
    CHECK_MSG(!strcmp(joined, args), "%s: args '%s', not '%s'", name, joined, args);
}

TEST(trace_ids_pinned)
{
    CHECK_EQ(VSMMU_TRACE_REG_WRITE, 1);
    CHECK_EQ(VSMMU_TRACE_CMD_EXEC, 2);
    CHECK_EQ(VSMMU_TRACE_XLATE_FAULT, 3);
    CHECK_EQ(VSMMU_TRACE_TLB_FILL, 4);
    CHECK_EQ(VSMMU_TRACE_TLB_INVAL, 5);
    CHECK_EQ(VSMMU_TRACE_CFG_INVAL, 6);
    CHECK_EQ(VSMMU_TRACE_EVENT_RECORD, 7);
    CHECK_EQ(VSMMU_TRACE_IRQ, 8);
    CHECK_EQ(VSMMU_TRACE_MSI, 9);
    CHECK_EQ(VSMMU_TRACE_GERROR, 10);
    CHECK_EQ(VSMMU_TRACE_ACCEL_NEW, 11);
    CHECK_EQ(VSMMU_TRACE_ACCEL_FREE, 12);
    CHECK_EQ(VSMMU_TRACE_ACCEL_ATTACH, 13);
    CHECK_EQ(VSMMU_TRACE_HOST_EVENT, 14);
    CHECK_EQ(VSMMU_TRACE_HOST_LOST, 15);
    CHECK_EQ(VSMMU_TRACE_ID_END, 16);
    CHECK_EQ(VSMMU_TRACE_REG_APPLIED, 0);
    CHECK_EQ(VSMMU_TRACE_REG_IGNORED, 1);
    CHECK_EQ(VSMMU_TRACE_REG_INVALID, 2);
    CHECK_EQ(VSMMU_TRACE_EVQ_WRITTEN, 0);
    CHECK_EQ(VSMMU_TRACE_EVQ_DISABLED, 1);
    CHECK_EQ(VSMMU_TRACE_EVQ_OVERFLOW, 2);
    CHECK_EQ(VSMMU_TRACE_EVQ_UNWRITABLE, 3);
    CHECK_EQ(VSMMU_TRACE_EVQ_ABORT, 4);
    CHECK_EQ(VSMMU_TRACE_OBJ_VIOMMU, 1);
    CHECK_EQ(VSMMU_TRACE_OBJ_HWPT, 2);
    CHECK_EQ(VSMMU_TRACE_OBJ_VDEVICE, 3);
    CHECK_EQ(VSMMU_TRACE_OBJ_VEVENTQ, 4);
}

TEST(trace_names_and_args_pinned)
{
    const char *const *names;
    unsigned n;

    expect_desc(1, "reg_write", "offset size value effect");
    expect_desc(2, "cmd_exec", "op idx cerror dw0 dw1");
    expect_desc(3, "xlate_fault", "sid ssid iova event recorded");
    expect_desc(4, "tlb_fill", "sid ssid vmid asid iova oa size perm");
    expect_desc(5, "tlb_inval", "op scope vmid asid addr size dropped");
    expect_desc(6, "cfg_inval", "op sid num ssid dropped");
    expect_desc(7, "event_record", "event sid result");
    expect_desc(8, "irq", "line");
    expect_desc(9, "msi", "addr data aborted");
    expect_desc(10, "gerror", "bit");
    expect_desc(11, "accel_new", "kind id");
    expect_desc(12, "accel_free", "kind id");
    expect_desc(13, "accel_attach", "vsid hwpt");
    expect_desc(14, "host_event", "event vsid seq delivered");
    expect_desc(15, "host_lost", "count total");
    CHECK(vsmmu_trace_name(0) == NULL);
    CHECK(vsmmu_trace_name(VSMMU_TRACE_ID_END) == NULL);
    CHECK(vsmmu_trace_name(~0u) == NULL);
    CHECK_EQ(vsmmu_trace_args(0, &names, &n), -1);
    CHECK_EQ(vsmmu_trace_args(VSMMU_TRACE_ID_END, &names, &n), -1);
    CHECK_EQ(vsmmu_trace_args(1, NULL, &n), -EINVAL);   /* the NULL rule */
}

/* ---- registers, commands, interrupts --------------------------------- */

TEST(trace_reg_write_effects)
{
    struct testbed tb = { 0 };
    struct trace_rec tr = { 0 };
    const struct tr_ev *e;

    tb_init(&tb, NULL);
    vsmmu_set_trace(tb.s, tr_record, &tr);
    tb_writel(&tb, R_GBPA, 0x80000000u);                      /* Update: applied */
    e = tr_find(&tr, VSMMU_TRACE_REG_WRITE, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "offset"), R_GBPA);
    CHECK_EQ(tr_arg(e, "size"), 4);
    CHECK_EQ(tr_arg(e, "value"), 0x80000000u);
    CHECK_EQ(tr_arg(e, "effect"), VSMMU_TRACE_REG_APPLIED);
    tr_clear(&tr);
    tb_writel(&tb, R_GBPA, 0x100000);                         /* no Update */
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_REG_WRITE, 0), "effect"),
             VSMMU_TRACE_REG_IGNORED);
    tr_clear(&tr);
    tb_writel(&tb, R_IDR0, 0);                                /* read-only */
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_REG_WRITE, 0), "effect"),
             VSMMU_TRACE_REG_IGNORED);
    tr_clear(&tr);
    CHECK_EQ(vsmmu_mmio_write(tb.s, R_CR0 + 1, 4, 0), -EINVAL);
    e = tr_find(&tr, VSMMU_TRACE_REG_WRITE, 0);
    CHECK_EQ(tr_arg(e, "effect"), VSMMU_TRACE_REG_INVALID);
    CHECK_EQ(tr_arg(e, "offset"), R_CR0 + 1);
    tr_clear(&tr);
    tb_writeq(&tb, R_STRTAB_BASE, 0x40001000u);               /* 64-bit */
    e = tr_find(&tr, VSMMU_TRACE_REG_WRITE, 0);
    CHECK_EQ(tr_arg(e, "size"), 8);
    CHECK_EQ(tr_arg(e, "value"), 0x40001000u);
    CHECK_EQ(tr.n, 1);
    /* removed: nothing more */
    vsmmu_set_trace(tb.s, NULL, NULL);
    tb_writel(&tb, R_GBPA, 0x80000000u);
    CHECK_EQ(tr.n, 1);
    tb_fini(&tb);
}

/* A register the configuration leaves out (no MSIs): ignored. */
TEST(trace_absent_register_ignored)
{
    struct vsmmu_config cfg;
    struct testbed tb = { 0 };
    struct trace_rec tr = { 0 };

    vsmmu_config_default(&cfg);
    cfg.msi = false;
    tb_init(&tb, &cfg);
    vsmmu_set_trace(tb.s, tr_record, &tr);
    tb_writel(&tb, R_GERROR_IRQ_CFG1, 0x1234);
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_REG_WRITE, 0), "effect"),
             VSMMU_TRACE_REG_IGNORED);
    tb_fini(&tb);
}

TEST(trace_guarded_write_ignored)
{
    struct xt x;
    struct trace_rec tr = { 0 };

    xt_init(&x, NULL, NULL);                                  /* SMMUEN = 1 */
    vsmmu_set_trace(x.tb.s, tr_record, &tr);
    tb_writeq(&x.tb, R_STRTAB_BASE, 0x40001000u);
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_REG_WRITE, 0), "effect"),
             VSMMU_TRACE_REG_IGNORED);
    xt_fini(&x);
}

TEST(trace_cmd_exec_sync_irq)
{
    struct xt x;
    struct trace_rec tr = { 0 };
    const struct tr_ev *e;
    uint64_t cmd[2];
    unsigned k;

    xt_init(&x, NULL, NULL);
    vsmmu_set_trace(x.tb.s, tr_record, &tr);
    guest_cmd_op(cmd, OP_CFGI_STE_RANGE);
    st_set(cmd, CMD_RANGE, CFGI_RANGE_ALL);                   /* CFGI_ALL */
    xt_cmd(&x, cmd);
    e = tr_find(&tr, VSMMU_TRACE_CMD_EXEC, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "op"), OP_CFGI_STE_RANGE);
    CHECK_EQ(tr_arg(e, "cerror"), 0);
    CHECK_EQ(tr_arg(e, "dw0"), cmd[0]);
    CHECK_EQ(tr_arg(e, "dw1"), cmd[1]);
    k = tr_arg(e, "idx");
    e = tr_find(&tr, VSMMU_TRACE_CMD_EXEC, 1);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "op"), OP_SYNC);
    CHECK_EQ(tr_arg(e, "idx"), k + 1);
    /* CFGI_ALL is a CFGI_STE_RANGE over every StreamID */
    e = tr_find(&tr, VSMMU_TRACE_CFG_INVAL, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "op"), OP_CFGI_STE_RANGE);
    CHECK_EQ(tr_arg(e, "sid"), 0);
    CHECK_EQ(tr_arg(e, "num"), 1ull << 32);
    /* and the CMD_SYNC's interrupt, after it */
    CHECK(tr_index(&tr, VSMMU_TRACE_IRQ, 0) > tr_index(&tr, VSMMU_TRACE_CMD_EXEC, 1) ||
          tr_find(&tr, VSMMU_TRACE_IRQ, 0) == NULL);
    xt_fini(&x);
}

TEST(trace_cmd_error_and_gerror)
{
    struct xt x;
    struct trace_rec tr = { 0 };
    const struct tr_ev *e;
    uint64_t cmd[2] = { 0xff, 0 };                            /* reserved opcode */

    xt_init(&x, NULL, NULL);
    vsmmu_set_trace(x.tb.s, tr_record, &tr);
    guest_cmd(&x.g, cmd);
    e = tr_find(&tr, VSMMU_TRACE_CMD_EXEC, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "op"), 0xff);
    CHECK_EQ(tr_arg(e, "cerror"), CERROR_ILL);
    e = tr_find(&tr, VSMMU_TRACE_GERROR, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "bit"), fld_lo(GERROR_CMDQ_ERR));
    e = tr_find(&tr, VSMMU_TRACE_IRQ, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "line"), VSMMU_IRQ_GERROR);
    xt_fini(&x);
}

TEST(trace_msi)
{
    struct xt x;
    struct trace_rec tr = { 0 };
    const struct tr_ev *e;
    uint64_t cmd[2] = { 0xff, 0 };

    memset(&x, 0, sizeof(x));
    tb_init(&x.tb, NULL);
    guest_init(&x.g, &x.tb, &(struct guest_opts){ .msi = true });
    vsmmu_set_trace(x.tb.s, tr_record, &tr);
    guest_cmd(&x.g, cmd);
    e = tr_find(&tr, VSMMU_TRACE_MSI, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "addr"), GUEST_MSI_GERROR_ADDR);
    CHECK_EQ(tr_arg(e, "data"), GUEST_MSI_GERROR_DATA);
    CHECK_EQ(tr_arg(e, "aborted"), 0);
    xt_fini(&x);
}

/* ---- translation ------------------------------------------------------ */

/* One stage-1 stream (sid 3, ASID 7) mapping 0x123456789000 to 0x40abc000;
 * events recorded in @tr from then on (NULL: none). */
static void s1_setup(struct xt *x, struct pt *p, struct trace_rec *tr)
{
    uint64_t cd[8];

    xt_init(x, NULL, NULL);
    pt_new(p, x, 12, 0, 48, 0);
    pt_set(p, 0x123456789000ull, 3, s1_leaf(3, 0x40abc000ull, 0), 0);
    cd_make(cd, p->root, 16, 0, 7);
    xt_s1_stream(x, 3, cd);
    if (tr)
        vsmmu_set_trace(x->tb.s, tr_record, tr);
}

TEST(trace_tlb_fill_then_hit_is_silent)
{
    struct xt x;
    struct pt p;
    struct trace_rec tr = { 0 };
    const struct tr_ev *e;

    s1_setup(&x, &p, &tr);
    CHECK_OK(xt_tr(&x, 3, VSMMU_NO_SSID, 0x123456789abcull, VSMMU_ACC_READ), 0x40abcabcull,
             0x1000);
    CHECK_EQ(tr.n, 1);
    e = tr_find(&tr, VSMMU_TRACE_TLB_FILL, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "sid"), 3);
    CHECK_EQ(tr_arg(e, "ssid"), VSMMU_NO_SSID);
    CHECK_EQ(tr_arg(e, "asid"), 7);
    CHECK_EQ(tr_arg(e, "iova"), 0x123456789000ull);
    CHECK_EQ(tr_arg(e, "oa"), 0x40abc000ull);
    CHECK_EQ(tr_arg(e, "size"), 0x1000);
    CHECK_EQ(tr_arg(e, "perm"), VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X);
    /* hits: no event at all */
    for (unsigned i = 0; i < 100; i++)
        CHECK_OK(xt_tr(&x, 3, VSMMU_NO_SSID, 0x123456789000ull + 8 * i, VSMMU_ACC_READ),
                 0x40abc000ull + 8 * i, 0x1000);
    CHECK_EQ(tr.n, 1);
    xt_fini(&x);
}

TEST(trace_xlate_fault_and_event_record)
{
    struct xt x;
    struct pt p;
    struct trace_rec tr = { 0 };
    const struct tr_ev *e;

    s1_setup(&x, &p, &tr);
    CHECK_FAULT(xt_tr(&x, 3, VSMMU_NO_SSID, 0x12345678a010ull, VSMMU_ACC_WRITE),
                EVT_F_TRANSLATION);
    e = tr_find(&tr, VSMMU_TRACE_XLATE_FAULT, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "sid"), 3);
    CHECK_EQ(tr_arg(e, "ssid"), VSMMU_NO_SSID);
    CHECK_EQ(tr_arg(e, "iova"), 0x12345678a010ull);
    CHECK_EQ(tr_arg(e, "event"), EVT_F_TRANSLATION);
    CHECK_EQ(tr_arg(e, "recorded"), 1);
    e = tr_find(&tr, VSMMU_TRACE_EVENT_RECORD, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "event"), EVT_F_TRANSLATION);
    CHECK_EQ(tr_arg(e, "sid"), 3);
    CHECK_EQ(tr_arg(e, "result"), VSMMU_TRACE_EVQ_WRITTEN);
    /* the record is traced before its interrupt */
    CHECK(tr_index(&tr, VSMMU_TRACE_EVENT_RECORD, 0) < tr_index(&tr, VSMMU_TRACE_IRQ, 0));
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_IRQ, 0), "line"), VSMMU_IRQ_EVENTQ);
    /* a disabled queue: dropped */
    tr_clear(&tr);
    tb_writel(&x.tb, R_CR0, tb_readl(&x.tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    CHECK_FAULT(xt_tr(&x, 3, VSMMU_NO_SSID, 0x12345678a010ull, VSMMU_ACC_WRITE),
                EVT_F_TRANSLATION);
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_EVENT_RECORD, 0), "result"),
             VSMMU_TRACE_EVQ_DISABLED);
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_XLATE_FAULT, 0), "recorded"), 0);
    xt_fini(&x);
}

TEST(trace_tlb_inval)
{
    struct xt x;
    struct pt p;
    struct trace_rec tr = { 0 };
    const struct tr_ev *e;
    uint64_t cmd[2];

    s1_setup(&x, &p, NULL);
    CHECK_OK(xt_tr(&x, 3, VSMMU_NO_SSID, 0x123456789abcull, VSMMU_ACC_READ), 0x40abcabcull,
             0x1000);
    vsmmu_set_trace(x.tb.s, tr_record, &tr);
    guest_cmd_op(cmd, OP_TLBI_NH_VA);
    st_set(cmd, CMD_ASID, 7);
    st_set(cmd, CMD_VMID, 0);
    cmd[1] = 0x123456789000ull;
    xt_cmd(&x, cmd);
    e = tr_find(&tr, VSMMU_TRACE_TLB_INVAL, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "op"), OP_TLBI_NH_VA);
    CHECK_EQ(tr_arg(e, "scope"), VSMMU_INVAL_RANGE);
    CHECK_EQ(tr_arg(e, "asid"), 7);
    CHECK_EQ(tr_arg(e, "vmid"), 0);
    CHECK_EQ(tr_arg(e, "addr"), 0x123456789000ull);
    CHECK_EQ(tr_arg(e, "size"), 0x1000);
    CHECK_EQ(tr_arg(e, "dropped"), 1);
    /* the command that caused it */
    CHECK(tr_index(&tr, VSMMU_TRACE_TLB_INVAL, 0) < tr_index(&tr, VSMMU_TRACE_CMD_EXEC, 0));
    xt_fini(&x);
}

/* The callback sees every instance's events only through its own setter. */
TEST(trace_per_instance)
{
    struct testbed a = { 0 }, b = { 0 };
    struct trace_rec ta = { 0 }, tb_ = { 0 };

    tb_init(&a, NULL);
    tb_init(&b, NULL);
    vsmmu_set_trace(a.s, tr_record, &ta);
    tb_writel(&b, R_GBPA, 0x80000000u);
    CHECK_EQ(ta.n, 0);
    vsmmu_set_trace(b.s, tr_record, &tb_);
    tb_writel(&b, R_GBPA, 0x80000000u);
    CHECK_EQ(ta.n, 0);
    CHECK_EQ(tb_.n, 1);
    vsmmu_set_trace(NULL, tr_record, &ta);                    /* ignored */
    tb_fini(&a);
    tb_fini(&b);
}
