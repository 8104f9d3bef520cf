// SPDX-License-Identifier: MIT
/*
 * Re-entrancy: a host callback that calls back into the instance it was
 * called from gets -EDEADLK (void entry points: nothing happens, an error
 * is logged) instead of deadlocking, for every callback the model makes
 * with its lock held: mem_read, mem_write, irq, msi, log, the invalidation
 * notifier, the trace callback and the event-fd notifier; and for those a
 * translation miss makes with only the translation cache lock held
 * (mem_read, mem_write, trace).  An MSI that the
 * VMM routes back into the SMMU's own register frame is an aborted MSI
 * (GERROR.MSI_*_ABT_ERR), as a write the SMMU cannot complete.
 */
#include "test_accel.h"
#include "test_xlate_util.h"
#include "vsmmu_state.h"
#include "vsmmu_trace.h"

enum cb { CB_NONE, CB_MEM_READ, CB_MEM_WRITE, CB_IRQ, CB_MSI, CB_LOG, CB_INVAL, CB_TRACE,
          CB_FD };

struct rx {
    struct xt xt;           /* the test bed and the guest */
    struct vsmmu_host_ops inner;
    enum cb armed;
    unsigned probes, bad;
    bool held_lock, held_xlock; /* the locks the probing thread held */
    /* MSI routing into the frame: the frame's guest address, 0 for none */
    uint64_t mmio_base;
    int routed_rc;
    unsigned routed;        /* MSIs and writes that reached the frame */
};
static struct rx *cur;

/* Call the instance from inside a callback: each call must be refused. */
static void probe(void)
{
    struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    vsmmu_t *s = cur->xt.tb.s;
    uint64_t v = 0;
    static uint8_t state[4096];

    cur->armed = CB_NONE;       /* one probe per test */
    cur->probes++;
    cur->held_lock = vsmmu_lock_held(s);
    cur->held_xlock = vsmmu_xl_lock_held(s);
    cur->bad += vsmmu_mmio_read(s, R_CR0, 4, &v) != -EDEADLK;
    cur->bad += vsmmu_mmio_write(s, R_GBPA, 4, 0x80100000u) != -EDEADLK;
    cur->bad += vsmmu_get_stats(s, &st) != -EDEADLK;
    cur->bad += vsmmu_set_ram(s, NULL, 0) != -EDEADLK;
    cur->bad += vsmmu_translate(s, 0xfff0, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ, &res) !=
                -EDEADLK;
    cur->bad += vsmmu_accel_process_events(s) != -EDEADLK;
    cur->bad += vsmmu_accel_detach(s, 1) != -EDEADLK;
    cur->bad += vsmmu_accel_event_fd(s) != -EDEADLK;
    cur->bad += vsmmu_state_save(s, state, sizeof(state), NULL) != -EDEADLK;
    cur->bad += vsmmu_state_load(s, state, sizeof(state)) != -EDEADLK;
    vsmmu_reset(s);                         /* refused: nothing happens */
    vsmmu_set_inval_notifier(s, NULL, NULL);
    vsmmu_set_trace(s, NULL, NULL);
    vsmmu_destroy(s);                       /* refused, not freed */
}

static int w_mem_read(void *o, uint64_t addr, void *buf, size_t len)
{
    (void)o;
    if (cur->armed == CB_MEM_READ)
        probe();
    return cur->inner.mem_read(cur->inner.opaque, addr, buf, len);
}

static int w_mem_write(void *o, uint64_t addr, const void *buf, size_t len)
{
    (void)o;
    if (cur->armed == CB_MEM_WRITE)
        probe();
    if (cur->mmio_base && addr >= cur->mmio_base && addr - cur->mmio_base < VSMMU_MMIO_SIZE) {
        cur->routed++;
        return -1;
    }
    return cur->inner.mem_write(cur->inner.opaque, addr, buf, len);
}

static void w_irq(void *o, enum vsmmu_irq line)
{
    (void)o;
    if (cur->armed == CB_IRQ)
        probe();
    cur->inner.irq(cur->inner.opaque, line);
}

static int w_msi(void *o, uint64_t addr, uint32_t data)
{
    (void)o;
    if (cur->armed == CB_MSI)
        probe();
    /* A VMM that routes a write to the SMMU's frame back into the model. */
    if (cur->mmio_base && addr >= cur->mmio_base && addr - cur->mmio_base < VSMMU_MMIO_SIZE) {
        cur->routed++;
        cur->routed_rc = vsmmu_mmio_write(cur->xt.tb.s, addr - cur->mmio_base, 4, data);
        return cur->routed_rc;
    }
    return cur->inner.msi(cur->inner.opaque, addr, data);
}

static void w_log(void *o, enum vsmmu_log_level level, const char *msg)
{
    (void)o;
    if (cur->armed == CB_LOG)
        probe();
    cur->inner.log(cur->inner.opaque, level, msg);
}

static void w_inval(void *o, const struct vsmmu_inval *inv)
{
    (void)o;
    (void)inv;
    if (cur->armed == CB_INVAL)
        probe();
}

static void w_trace(void *o, const struct vsmmu_trace_event *ev)
{
    (void)o;
    (void)ev;
    if (cur->armed == CB_TRACE)
        probe();
}

static void w_fd(void *o, int old_fd, int new_fd)
{
    (void)o;
    (void)old_fd;
    (void)new_fd;
    if (cur->armed == CB_FD)
        probe();
}

/* The test bed's instance, recreated with the wrapping callbacks
 * (@httu_af: with hardware Access flag updates). */
static void rx_init_cfg(struct rx *x, bool msi, uint64_t mmio_base, bool httu_af)
{
    struct vsmmu_host_ops ops;
    struct vsmmu_config cfg;

    memset(x, 0, sizeof(*x));
    cur = x;
    vsmmu_config_default(&cfg);
    cfg.log_level = VSMMU_LOG_INFO;
    cfg.httu_af = httu_af;
    x->xt.tb.msi_via_callback = true;
    tb_init(&x->xt.tb, &cfg);
    vsmmu_destroy(x->xt.tb.s);
    x->inner = tb_ops(&x->xt.tb);
    ops = x->inner;
    ops.mem_read = w_mem_read;
    ops.mem_write = w_mem_write;
    ops.irq = w_irq;
    ops.msi = w_msi;
    ops.log = w_log;
    ops.opaque = x;
    CHECK_EQ(vsmmu_create(&x->xt.tb.cfg, &ops, &x->xt.tb.s), 0);
    CHECK_EQ(vsmmu_set_mmio_base(x->xt.tb.s, mmio_base), 0);
    guest_init(&x->xt.g, &x->xt.tb, &(struct guest_opts){ .msi = msi });
    vsmmu_set_inval_notifier(x->xt.tb.s, w_inval, x);
    tb_clear_irqs(&x->xt.tb);
    tb_clear_logs(&x->xt.tb);
}

static void rx_init_base(struct rx *x, bool msi, uint64_t mmio_base)
{
    rx_init_cfg(x, msi, mmio_base, false);
}

static void rx_init(struct rx *x, bool msi)
{
    rx_init_base(x, msi, 0);
}

/* The probe ran once, every call was refused, the instance is intact. */
static void rx_check(struct rx *x)
{
    CHECK_EQ(x->probes, 1);
    CHECK_EQ(x->bad, 0);
    CHECK(fld_get(tb_readl(&x->xt.tb, R_CR0), CR0_SMMUEN));    /* no reset happened */
    CHECK(tb_log_contains(&x->xt.tb, "refused"));
}

static void rx_fini(struct rx *x)
{
    tb_fini(&x->xt.tb);
    cur = NULL;
}

/* An event: a StreamID beyond the stream table (C_BAD_STREAMID). */
static void make_event(struct rx *x)
{
    struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);

    CHECK_EQ(vsmmu_translate(x->xt.tb.s, 0xffffff, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ, &res),
             0);
    CHECK_EQ(res.status, VSMMU_XLATE_FAULT);
}

TEST(reentry_from_mem_read_in_command_fetch)
{
    struct rx x;

    rx_init(&x, false);
    x.armed = CB_MEM_READ;
    CHECK_EQ(guest_cfgi_all(&x.xt.g), 0);
    rx_check(&x);
    rx_fini(&x);
}

TEST(reentry_from_mem_read_in_translation_miss)
{
    struct rx x;
    struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);

    rx_init(&x, false);
    x.armed = CB_MEM_READ;
    CHECK_EQ(vsmmu_translate(x.xt.tb.s, 3, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ, &res), 0);
    CHECK_EQ(res.status, VSMMU_XLATE_FAULT);     /* the STE aborts */
    rx_check(&x);
    rx_fini(&x);
}

TEST(reentry_from_mem_write)
{
    struct rx x;

    rx_init(&x, false);
    x.armed = CB_MEM_WRITE;
    make_event(&x);
    rx_check(&x);
    CHECK_EQ(guest_pending_events(&x.xt.g), 1);
    rx_fini(&x);
}

/* An event of a translation is recorded under both locks (the miss is
 * done again under the instance lock). */
TEST(reentry_from_irq)
{
    struct rx x;

    rx_init(&x, false);
    x.armed = CB_IRQ;
    make_event(&x);
    rx_check(&x);
    CHECK(x.held_lock && x.held_xlock);
    CHECK_EQ(tb_count_irq(&x.xt.tb, VSMMU_IRQ_EVENTQ), 1);
    rx_fini(&x);
}

/* StreamID 1: stage 1, VA 0x5000 -> PA 0x9000, the leaf's Access flag 0
 * with @clear_af, CD.HA = @cd_ha; the walk of a miss reads the tables. */
static void rx_s1_stream(struct rx *x, bool clear_af, bool cd_ha)
{
    struct pt p;
    uint64_t cd[8], leaf;

    pt_new(&p, &x->xt, 12, 1, 39, 0);
    leaf = s1_leaf(3, 0x9000, 0);
    if (clear_af)
        leaf &= ~fld_mask(PTE_AF);
    pt_set(&p, 0x5000, 3, leaf, 0);
    cd_make(cd, p.root, 25, 0, 1);
    st_set(cd, CD_HA, cd_ha);
    xt_s1_stream(&x->xt, 1, cd);
}

/* A miss that succeeds holds the cache lock only: the callbacks @cb it
 * makes are refused all the same, and the translation completes. */
static void lock_free_miss(struct rx *x, enum cb cb)
{
    struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);

    x->armed = cb;
    CHECK_EQ(vsmmu_translate(x->xt.tb.s, 1, VSMMU_NO_SSID, 0x5004, VSMMU_ACC_READ, &res), 0);
    CHECK_OK(res, 0x9004, 0x1000);
    rx_check(x);
    CHECK(x->held_xlock && !x->held_lock);
    rx_fini(x);
}

TEST(reentry_from_mem_read_in_lock_free_miss)
{
    struct rx x;

    rx_init(&x, false);
    rx_s1_stream(&x, false, false);
    lock_free_miss(&x, CB_MEM_READ);
}

/* The walk sets the Access flag (HTTU): a write without the instance lock. */
TEST(reentry_from_mem_write_in_lock_free_miss)
{
    struct rx x;

    rx_init_cfg(&x, false, 0, true);
    rx_s1_stream(&x, true, true);
    lock_free_miss(&x, CB_MEM_WRITE);
}

/* The tlb_fill trace event of a miss. */
TEST(reentry_from_trace_in_lock_free_miss)
{
    struct rx x;

    rx_init(&x, false);
    rx_s1_stream(&x, false, false);
    vsmmu_set_trace(x.xt.tb.s, w_trace, &x);
    lock_free_miss(&x, CB_TRACE);
}

TEST(reentry_from_msi)
{
    struct rx x;

    rx_init(&x, true);
    x.armed = CB_MSI;
    make_event(&x);
    rx_check(&x);
    CHECK_EQ(tb_r32(&x.xt.tb, GUEST_MSI_EVENTQ_ADDR), GUEST_MSI_EVENTQ_DATA);
    rx_fini(&x);
}

TEST(reentry_from_log)
{
    struct rx x;

    rx_init(&x, false);
    x.armed = CB_LOG;
    tb_writel(&x.xt.tb, R_GBPA, 0);    /* without Update: a GUEST message */
    CHECK_EQ(x.probes, 1);
    CHECK_EQ(x.bad, 0);
    CHECK(fld_get(tb_readl(&x.xt.tb, R_CR0), CR0_SMMUEN));
    /* the refusal messages, caused by the log callback itself, are dropped */
    CHECK(!tb_log_contains(&x.xt.tb, "refused"));
    CHECK(tb_log_contains(&x.xt.tb, "GBPA"));
    /* and the logger still works afterwards */
    vsmmu_reset(x.xt.tb.s);
    rx_fini(&x);
}

TEST(reentry_from_inval_notifier)
{
    struct rx x;

    rx_init(&x, false);
    x.armed = CB_INVAL;
    CHECK_EQ(guest_tlbi_nsnh_all(&x.xt.g), 0);
    rx_check(&x);
    rx_fini(&x);
}

TEST(reentry_from_trace)
{
    struct rx x;

    rx_init(&x, false);
    vsmmu_set_trace(x.xt.tb.s, w_trace, &x);
    x.armed = CB_TRACE;
    tb_writel(&x.xt.tb, R_GERRORN, tb_readl(&x.xt.tb, R_GERROR));
    rx_check(&x);
    rx_fini(&x);
}

/* The event-fd notifier runs when the vEVENTQ is allocated (accel mode). */
TEST(reentry_from_event_fd_notifier)
{
    struct at a;
    struct rx x;

    memset(&x, 0, sizeof(x));
    cur = &x;
    at_init(&a, NULL, 1);
    x.xt.tb.s = a.tb.s;
    vsmmu_accel_set_event_fd_notifier(a.tb.s, w_fd, &x);
    guest_init(&a.g, &a.tb, NULL);
    x.armed = CB_FD;
    CHECK_EQ(at_attach(&a, 0, 4), 0);     /* vIOMMU + vEVENTQ: (-1, fd) */
    CHECK_EQ(x.probes, 1);
    CHECK_EQ(x.bad, 0);
    CHECK(fld_get(tb_readl(&a.tb, R_CR0), CR0_SMMUEN));
    CHECK(vsmmu_accel_event_fd(a.tb.s) >= 0);
    at_fini(&a);
    cur = NULL;
}

/* The guest aims its event-queue MSI at @addr (data 0). */
static void aim_eventq_msi(struct rx *x, uint64_t addr)
{
    tb_writel(&x->xt.tb, R_IRQ_CTRL, 0);
    tb_writeq(&x->xt.tb, R_EVENTQ_IRQ_CFG0, addr);
    tb_writel(&x->xt.tb, R_EVENTQ_IRQ_CFG1, 0);
    tb_writel(&x->xt.tb, R_IRQ_CTRL, (uint32_t)(fld_mask(IRQ_CTRL_EVENTQ_IRQEN) |
                                             fld_mask(IRQ_CTRL_GERROR_IRQEN)));
}

/*
 * A hostile guest aims its event-queue MSI at the SMMU's own CR0 with data
 * 0 (which would turn the SMMU off); the VMM routes writes to the frame back
 * into vsmmu_mmio_write().  The routed write is refused, the MSI aborts:
 * GERROR.MSI_EVENTQ_ABT_ERR, and CR0 is untouched.
 */
TEST(msi_into_own_frame_aborts)
{
    struct rx x;
    const uint64_t base = 0x09050000;

    rx_init(&x, true);
    x.mmio_base = base;
    aim_eventq_msi(&x, base + R_CR0);
    make_event(&x);
    CHECK_EQ(x.routed_rc, -EDEADLK);
    CHECK(fld_get(tb_readl(&x.xt.tb, R_GERROR) ^ tb_readl(&x.xt.tb, R_GERRORN),
                  GERROR_MSI_EVENTQ_ABT_ERR));
    CHECK(fld_get(tb_readl(&x.xt.tb, R_CR0), CR0_SMMUEN));
    CHECK_EQ(guest_pending_events(&x.xt.g), 1);
    rx_fini(&x);
}

/* With vsmmu_set_mmio_base() the model knows its frame: the MSI aborts
 * without reaching the VMM at all. */
TEST(msi_into_known_own_frame_aborts_without_host)
{
    struct rx x;
    const uint64_t base = 0x09050000;

    rx_init_base(&x, true, base);
    x.mmio_base = base;     /* the VMM would route it: it must not get it */
    aim_eventq_msi(&x, base + VSMMU_MMIO_SIZE - 4);     /* the last word of page 1 */
    make_event(&x);
    CHECK_EQ(x.routed, 0);
    CHECK(fld_get(tb_readl(&x.xt.tb, R_GERROR) ^ tb_readl(&x.xt.tb, R_GERRORN),
                  GERROR_MSI_EVENTQ_ABT_ERR));
    CHECK(fld_get(tb_readl(&x.xt.tb, R_CR0), CR0_SMMUEN));
    rx_fini(&x);
}

/* Just outside the frame is ordinary memory (here: the VMM's, reached). */
TEST(msi_next_to_own_frame_is_delivered)
{
    struct rx x;
    const uint64_t base = TB_RAM_BASE + 0x200000;

    rx_init_base(&x, true, base);
    aim_eventq_msi(&x, base + VSMMU_MMIO_SIZE);
    make_event(&x);
    CHECK(!fld_get(tb_readl(&x.xt.tb, R_GERROR) ^ tb_readl(&x.xt.tb, R_GERRORN),
                   GERROR_MSI_EVENTQ_ABT_ERR));
    CHECK_EQ(tb_r32(&x.xt.tb, base + VSMMU_MMIO_SIZE), 0);
    CHECK_EQ(x.xt.tb.msi_count, 1);
    rx_fini(&x);
}

/* An event queue the guest placed over the frame: the record write aborts
 * (EVENTQ_ABT_ERR) without reaching the host. */
TEST(event_queue_in_own_frame_aborts_without_host)
{
    struct rx x;
    const uint64_t base = 0x09050000;

    rx_init_base(&x, false, base);
    x.mmio_base = base;
    tb_writel(&x.xt.tb, R_CR0, tb_readl(&x.xt.tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    tb_writeq(&x.xt.tb, R_EVENTQ_BASE, base | 4);
    tb_writel(&x.xt.tb, R_EVENTQ_PROD, 0);
    tb_writel(&x.xt.tb, R_EVENTQ_CONS, 0);
    tb_writel(&x.xt.tb, R_CR0, tb_readl(&x.xt.tb, R_CR0) | (uint32_t)fld_mask(CR0_EVENTQEN));
    make_event(&x);
    CHECK_EQ(x.routed, 0);
    CHECK(fld_get(tb_readl(&x.xt.tb, R_GERROR) ^ tb_readl(&x.xt.tb, R_GERRORN),
                  GERROR_EVENTQ_ABT_ERR));
    rx_fini(&x);
}

TEST(mmio_base_must_be_aligned)
{
    struct testbed tb;

    memset(&tb, 0, sizeof(tb));
    tb_init(&tb, NULL);
    CHECK_EQ(vsmmu_set_mmio_base(tb.s, 0x09050800), -EINVAL);
    CHECK_EQ(vsmmu_set_mmio_base(tb.s, ~0ull << 16), -EINVAL);
    CHECK_EQ(vsmmu_set_mmio_base(NULL, 0x09050000), -EINVAL);
    CHECK_EQ(vsmmu_set_mmio_base(tb.s, 0x09050000), 0);
    CHECK_EQ(vsmmu_set_mmio_base(tb.s, (~0ull << 16) - 0x10000), -EINVAL);
    CHECK_EQ(vsmmu_set_mmio_base(tb.s, (~0ull << 16) - 0x20000), 0);   /* the last one */
    CHECK_EQ(vsmmu_set_mmio_base(tb.s, 0), 0);      /* unknown again */
    tb_fini(&tb);
}
