// SPDX-License-Identifier: MIT
/*
 * Batches of the command queue (src/model/cmdq.c): what is coalesced or
 * deferred inside one batch must not change any result.  Local effects
 * of invalidations stay exact across a batch; in accel mode a device named
 * by several CFGI_STE* is re-installed once, a CMD_SYNC completes only
 * after the deferred host work of the commands before it, and a failure
 * (a command the host refuses, or a deferred re-install) gets CERROR_ILL
 * at exactly its command, with every command before it done and nothing
 * after it sent.  Also: register reads that need no lock return while
 * command processing holds it.
 */
#include <pthread.h>
#include <sched.h>

#include "test_accel.h"
#include "test_xlate_util.h"

#define MSI_TARGET (TB_RAM_BASE + 0x3000)

static void sync_msi(uint64_t c[2], uint32_t data)
{
    guest_cmd_op(c, OP_SYNC);
    st_set(c, CMD_SYNC_CS, SYNC_CS_IRQ);
    st_set(c, CMD_SYNC_MSIDATA, data);
    st_set(c, CMD_SYNC_MSIADDR, MSI_TARGET >> 2);
}

/* ---- local effects ---------------------------------------------------- */

/* Commands written while CMDQEN = 0, consumed in one run when it is set. */
static void q_hold(struct testbed *tb)
{
    tb_writel(tb, R_CR0, tb_readl(tb, R_CR0) & ~(uint32_t)fld_mask(CR0_CMDQEN));
}

static void q_release(struct testbed *tb)
{
    tb_writel(tb, R_CR0, tb_readl(tb, R_CR0) | (uint32_t)fld_mask(CR0_CMDQEN));
}

static void q_put(struct guest *g, uint8_t op, uint32_t sid)
{
    uint64_t c[2];
    guest_cmd_op(c, op);
    st_set(c, CMD_SID, sid);
    CHECK_EQ(guest_cmd(g, c), 0);
}

/* Two stage-1 streams (SIDs 1 and 2, ASIDs 1 and 2) mapping VA 0x1000. */
struct two {
    struct xt x;
    struct pt p[2];
    uint64_t cd[2][8], cdpa[2];
};

static void two_init(struct two *t)
{
    xt_init(&t->x, NULL, NULL);
    for (unsigned i = 0; i < 2; i++) {
        pt_new(&t->p[i], &t->x, 12, 0, 48, 0);
        pt_set(&t->p[i], 0x1000, 3, s1_leaf(3, 0x50000000ull + 0x100000ull * i, fld_mask(PTE_NG)), 0);
        cd_make(t->cd[i], t->p[i].root, 16, 0, 1 + i);
        t->cdpa[i] = xt_s1_stream(&t->x, 1 + i, t->cd[i]);
        CHECK_OK(xt_tr(&t->x, 1 + i, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x50000000ull + 0x100000ull * i, 0x1000);
    }
}

/* CFGI_STE, then a TLBI, then CMD_SYNC in one batch: the new CD (another
 * ASID, other tables) and the remapped page are both seen. */
TEST(coalesce_cfgi_ste_then_tlbi_then_sync)
{
    static struct two t;
    struct pt np;
    uint64_t c[2];

    two_init(&t);
    pt_new(&np, &t.x, 12, 0, 48, 0);
    pt_set(&np, 0x1000, 3, s1_leaf(3, 0x60000000ull, fld_mask(PTE_NG)), 0);
    cd_make(t.cd[0], np.root, 16, 0, 7);
    cd_write(&t.x, t.cdpa[0], t.cd[0]);
    pt_set(&t.p[1], 0x1000, 3, s1_leaf(3, 0x61000000ull, fld_mask(PTE_NG)), 0);
    q_hold(&t.x.tb);
    q_put(&t.x.g, OP_CFGI_STE, 1);
    guest_cmd_op(c, OP_TLBI_NH_VA);
    st_set(c, CMD_ASID, 2);
    st_set(c, CMD_ADDR, 0x1000 >> 12);
    CHECK_EQ(guest_cmd(&t.x.g, c), 0);
    sync_msi(c, 5);
    CHECK_EQ(guest_cmd(&t.x.g, c), 0);
    q_release(&t.x.tb);
    CHECK_EQ(tb_readl(&t.x.tb, R_CMDQ_CONS), t.x.g.cmdq_prod);
    CHECK_EQ(tb_r32(&t.x.tb, MSI_TARGET), 5);
    CHECK_OK(xt_tr(&t.x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x60000000ull, 0x1000);
    CHECK_OK(xt_tr(&t.x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x61000000ull, 0x1000);
    xt_fini(&t.x);
}

/* CFGI_ALL, a translation refilling stream 2's configuration is not
 * possible meanwhile (the lock), and a CFGI_CD of stream 2 after it in the
 * same batch still drops what stream 2 uses. */
TEST(coalesce_cfgi_all_then_cfgi_cd_other_stream)
{
    static struct two t;
    struct pt np;

    two_init(&t);
    pt_new(&np, &t.x, 12, 0, 48, 0);
    pt_set(&np, 0x1000, 3, s1_leaf(3, 0x62000000ull, fld_mask(PTE_NG)), 0);
    cd_make(t.cd[1], np.root, 16, 0, 9);
    q_hold(&t.x.tb);
    q_put(&t.x.g, OP_CFGI_STE_RANGE, 0);    /* Range 0: SIDs 0-1 */
    {
        uint64_t c[2];
        guest_cmd_op(c, OP_CFGI_STE_RANGE);
        st_set(c, CMD_RANGE, CFGI_RANGE_ALL);
        CHECK_EQ(guest_cmd(&t.x.g, c), 0);
    }
    q_put(&t.x.g, OP_CFGI_CD, 2);
    q_release(&t.x.tb);
    /* Stream 2's CD changes after the batch, then one more CFGI_CD + SYNC:
     * nothing cached from before may survive. */
    cd_write(&t.x, t.cdpa[1], t.cd[1]);
    {
        uint64_t c[2];
        guest_cmd_op(c, OP_CFGI_CD);
        st_set(c, CMD_SID, 2);
        xt_cmd(&t.x, c);
    }
    CHECK_OK(xt_tr(&t.x, 2, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x62000000ull, 0x1000);
    CHECK_OK(xt_tr(&t.x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x50000000ull, 0x1000);
    CHECK_EQ(tb_readl(&t.x.tb, R_GERROR), 0);
    xt_fini(&t.x);
}

/* ---- accel mode --------------------------------------------------------- */

#define CDPTR_A 0x40080000ull
#define CDPTR_B 0x40090000ull

/* Devices vSID 0x10 and 0x11 on nested HWPTs; the log emptied. */
static void accel_setup(struct at *x)
{
    uint64_t ste[8];

    at_init(x, NULL, 2);
    CHECK_EQ(at_attach(x, 0, 0x10), 0);
    CHECK_EQ(at_attach(x, 1, 0x11), 0);
    guest_init(&x->g, &x->tb, NULL);
    at_s1_ste(ste, CDPTR_A);
    guest_write_ste(&x->g, 0x10, ste);
    guest_write_ste(&x->g, 0x11, ste);
    ac_reset_log();
}

static void put_asid(struct at *x, uint32_t asid, bool refused)
{
    uint64_t c[2];
    guest_cmd_op(c, OP_TLBI_NH_ASID);
    st_set(c, CMD_ASID, asid);
    if (refused)
        st_set(c, CMD_LEAF, 1);     /* not a field of TLBI_NH_ASID: the host refuses it */
    CHECK_EQ(guest_cmd(&x->g, c), 0);
}

static void put_sync(struct at *x, uint32_t data)
{
    uint64_t c[2];
    sync_msi(c, data);
    CHECK_EQ(guest_cmd(&x->g, c), 0);
}

/* The STE of @sid in memory only (no CFGI). */
static void poke_s1(struct at *x, uint32_t sid, uint64_t cdptr)
{
    uint64_t ste[8];
    at_s1_ste(ste, cdptr);
    at_poke_ste(x, sid, ste);
}

/* Host invalidation entries sent, and their ASIDs in @asid. */
static unsigned sent_asids(uint32_t *asid, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ac_log.ninv && n < max; i++)
        asid[n++] = (uint32_t)st_get(ac_log.inv[i], CMD_ASID);
    return ac_log.ninv;
}

/* Several CFGI_STE* naming the same devices in one batch (across
 * CMD_SYNCs): one STE install per changed device, the last CMD_SYNC done. */
TEST(coalesce_accel_one_install_per_device)
{
    struct at x;
    uint64_t c[2];

    accel_setup(&x);
    poke_s1(&x, 0x10, CDPTR_B);
    poke_s1(&x, 0x11, CDPTR_B);
    q_hold(&x.tb);
    guest_cmd_op(c, OP_CFGI_STE_RANGE);
    st_set(c, CMD_RANGE, CFGI_RANGE_ALL);
    CHECK_EQ(guest_cmd(&x.g, c), 0);
    q_put(&x.g, OP_CFGI_STE, 0x10);
    guest_cmd_op(c, OP_CFGI_STE_RANGE);
    st_set(c, CMD_SID, 0x10);
    st_set(c, CMD_RANGE, 3);
    CHECK_EQ(guest_cmd(&x.g, c), 0);
    put_sync(&x, 1);
    guest_cmd_op(c, OP_CFGI_STE_RANGE);
    st_set(c, CMD_RANGE, CFGI_RANGE_ALL);
    CHECK_EQ(guest_cmd(&x.g, c), 0);
    put_sync(&x, 2);
    q_release(&x.tb);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS), x.g.cmdq_prod);
    CHECK_EQ(tb_readl(&x.tb, R_GERROR), 0);
    CHECK_EQ(ac_count(AC_HWPT_ALLOC), 2);
    CHECK_EQ(tb_r32(&x.tb, MSI_TARGET), 2);
    for (unsigned i = 0; i < ac_log.n; i++) {
        const struct ac_call *a = &ac_log.calls[i];
        if (a->kind != AC_HWPT_ALLOC)
            continue;
        CHECK_EQ(a->d0 & fld_mask(STE_S1CTXPTR), CDPTR_B);
        CHECK(at_attached(&x, 0) == (long)a->out || at_attached(&x, 1) == (long)a->out);
    }
    at_fini(&x);
}

/* What the host had been told when each MSI was written. */
struct order {
    unsigned msis, alloc_at_msi[4], inval_at_msi[4];
};

static void order_trace(void *opaque, const struct vsmmu_trace_event *ev)
{
    struct order *o = opaque;
    if (ev->id != VSMMU_TRACE_MSI || o->msis >= 4)
        return;
    o->alloc_at_msi[o->msis] = ac_count(AC_HWPT_ALLOC);
    o->inval_at_msi[o->msis++] = ac_log.ninv;
}

/* A CMD_SYNC completes after the deferred host work of the commands
 * before it: the re-install and the forwarded TLBI come first. */
TEST(coalesce_accel_sync_after_deferred_work)
{
    struct at x;
    struct order o = { 0 };

    accel_setup(&x);
    vsmmu_set_trace(x.tb.s, order_trace, &o);
    poke_s1(&x, 0x10, CDPTR_B);
    q_hold(&x.tb);
    q_put(&x.g, OP_CFGI_STE, 0x10);
    put_asid(&x, 4, false);
    put_sync(&x, 1);
    q_release(&x.tb);
    vsmmu_set_trace(x.tb.s, NULL, NULL);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS), x.g.cmdq_prod);
    CHECK_EQ(o.msis, 1);
    CHECK_EQ(o.alloc_at_msi[0], 1);
    CHECK_EQ(o.inval_at_msi[0], 1);
    CHECK_EQ(tb_r32(&x.tb, MSI_TARGET), 1);
    at_fini(&x);
}

/* The guest's queue stopped with CERROR_ILL at command @at. */
static void check_cerror_ill_at(struct at *x, uint32_t at)
{
    uint32_t cons = tb_readl(&x->tb, R_CMDQ_CONS);
    uint32_t m = q_wrmask(x->g.cmdq_log2);

    CHECK_EQ(cons & m, at & m);
    CHECK_EQ(fld_get(cons, CMDQ_CONS_ERR), CERROR_ILL);
}

/* A command the host would refuse, after coalesced ones: CERROR_ILL at
 * exactly its index; the re-install, the TLBI and the CMD_SYNC before it
 * are done, nothing after it is sent and the CMD_SYNC after it does not
 * complete. */
TEST(coalesce_accel_refused_command_exact_index)
{
    struct at x;
    uint32_t start, asid[4];

    accel_setup(&x);
    poke_s1(&x, 0x10, CDPTR_B);
    q_hold(&x.tb);
    start = x.g.cmdq_prod;
    q_put(&x.g, OP_CFGI_STE, 0x10);     /* start + 0 */
    put_asid(&x, 1, false);              /* + 1 */
    put_sync(&x, 1);                     /* + 2 */
    put_asid(&x, 3, true);               /* + 3: refused */
    put_asid(&x, 2, false);              /* + 4 */
    put_sync(&x, 2);                     /* + 5 */
    q_release(&x.tb);
    check_cerror_ill_at(&x, start + 3);
    CHECK(guest_gerror_active(&x.g) & fld_mask(GERROR_CMDQ_ERR));
    CHECK_EQ(ac_count(AC_HWPT_ALLOC), 1);
    CHECK_EQ(sent_asids(asid, 4), 1);
    CHECK_EQ(asid[0], 1);
    CHECK_EQ(tb_r32(&x.tb, MSI_TARGET), 1);
    at_fini(&x);
}

/* A deferred re-install that fails (stage-2 Config: refused) gets
 * CERROR_ILL at its CFGI_STE, after a CMD_SYNC that completes; the TLBI
 * before it is sent, the one after it is not. */
TEST(coalesce_accel_deferred_install_failure_exact_index)
{
    struct at x;
    uint64_t ste[8];
    uint32_t start, asid[4];
    long before;

    accel_setup(&x);
    before = at_attached(&x, 0);
    at_cfg_ste(ste, STE_CFG_S2, true);
    at_poke_ste(&x, 0x10, ste);
    q_hold(&x.tb);
    start = x.g.cmdq_prod;
    put_asid(&x, 1, false);              /* start + 0 */
    put_sync(&x, 1);                     /* + 1 */
    q_put(&x.g, OP_CFGI_STE, 0x10);     /* + 2: fails */
    put_asid(&x, 2, false);              /* + 3 */
    put_sync(&x, 2);                     /* + 4 */
    q_release(&x.tb);
    check_cerror_ill_at(&x, start + 2);
    CHECK_EQ(at_attached(&x, 0), before);
    CHECK_EQ(sent_asids(asid, 4), 1);
    CHECK_EQ(asid[0], 1);
    CHECK_EQ(tb_r32(&x.tb, MSI_TARGET), 1);
    at_fini(&x);
}

/* CFGI_ALL then a CFGI_CD of another device in one batch: the re-install
 * of the changed device and the forwarded CFGI_CD both happen. */
TEST(coalesce_accel_cfgi_all_then_cfgi_cd_other_device)
{
    struct at x;
    uint64_t c[2];

    accel_setup(&x);
    poke_s1(&x, 0x10, CDPTR_B);
    q_hold(&x.tb);
    guest_cmd_op(c, OP_CFGI_STE_RANGE);
    st_set(c, CMD_RANGE, CFGI_RANGE_ALL);
    CHECK_EQ(guest_cmd(&x.g, c), 0);
    q_put(&x.g, OP_CFGI_CD, 0x11);
    put_sync(&x, 3);
    q_release(&x.tb);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS), x.g.cmdq_prod);
    CHECK_EQ(ac_count(AC_HWPT_ALLOC), 1);
    CHECK_EQ(ac_log.ninv, 1);
    CHECK_EQ(st_get(ac_log.inv[0], CMD_OP), OP_CFGI_CD);
    CHECK_EQ(st_get(ac_log.inv[0], CMD_SID), 0x11);
    CHECK_EQ(tb_r32(&x.tb, MSI_TARGET), 3);
    at_fini(&x);
}

static void put_va(struct at *x, uint32_t asid, uint64_t va)
{
    uint64_t c[2];
    guest_cmd_op(c, OP_TLBI_NH_VA);
    st_set(c, CMD_ASID, asid);
    st_set(c, CMD_ADDR, va >> 12);
    CHECK_EQ(guest_cmd(&x->g, c), 0);
}

/* Forwarded commands are coalesced: a repeat of one queued already is not
 * sent again, and TLBI_NH_ALL covers the stage-1 TLBIs before it (not the
 * CFGI_CD between them, nor the TLBI after it). */
TEST(coalesce_accel_nh_all_covers_earlier_tlbis)
{
    struct at x;

    accel_setup(&x);
    q_hold(&x.tb);
    put_va(&x, 1, 0x5000);
    put_va(&x, 1, 0x5000);
    q_put(&x.g, OP_CFGI_CD, 0x10);
    put_asid(&x, 3, false);
    q_put(&x.g, OP_TLBI_NH_ALL, 0);
    put_va(&x, 1, 0x6000);
    q_put(&x.g, OP_CFGI_CD, 0x10);      /* a repeat, not adjacent */
    put_va(&x, 1, 0x6000);
    put_sync(&x, 4);
    q_release(&x.tb);
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS), x.g.cmdq_prod);
    CHECK_EQ(ac_count(AC_INVAL), 1);
    CHECK_EQ(ac_log.ninv, 3);
    CHECK_EQ(st_get(ac_log.inv[0], CMD_OP), OP_CFGI_CD);
    CHECK_EQ(st_get(ac_log.inv[1], CMD_OP), OP_TLBI_NH_ALL);
    CHECK_EQ(st_get(ac_log.inv[2], CMD_OP), OP_TLBI_NH_VA);
    CHECK_EQ(st_get(ac_log.inv[2], CMD_ADDR), 0x6000 >> 12);
    CHECK_EQ(tb_r32(&x.tb, MSI_TARGET), 4);
    at_fini(&x);
}

/* The host fails the entry at position 1 of a call (handled: 1). */
static int reject_second(const void *entries, uint32_t *entry_num)
{
    (void)entries;
    if (*entry_num > 1) {
        *entry_num = 1;
        return -EIO;
    }
    return 0;
}

/* If the host fails a TLBI_NH_ALL that covered earlier TLBIs, the error
 * lands on the earliest covered command: every command before the one
 * reported is done, as without coalescing; the CMD_SYNC does not complete. */
TEST(coalesce_accel_failed_cover_reported_at_first_covered)
{
    struct at x;
    uint32_t start;

    accel_setup(&x);
    q_hold(&x.tb);
    start = x.g.cmdq_prod;
    put_asid(&x, 1, false);              /* start + 0: covered */
    q_put(&x.g, OP_CFGI_CD, 0x10);      /* + 1 */
    put_asid(&x, 2, false);              /* + 2: covered */
    q_put(&x.g, OP_TLBI_NH_ALL, 0);     /* + 3: sent, rejected */
    put_sync(&x, 5);                     /* + 4 */
    ac_log.inval_override = reject_second;
    q_release(&x.tb);
    ac_log.inval_override = NULL;
    check_cerror_ill_at(&x, start);
    CHECK(tb_r32(&x.tb, MSI_TARGET) != 5);
    at_fini(&x);
}

/* ---- reads without the lock --------------------------------------------- */

struct lf {
    struct testbed tb;
    struct guest g;
    volatile int go, done;
    uint32_t idr0, cons;
    int rc;
};

static void *lf_reader(void *arg)
{
    struct lf *l = arg;
    uint64_t v;

    while (!l->go)
        sched_yield();
    l->rc = vsmmu_mmio_read(l->tb.s, R_IDR0, 4, &v);
    l->idr0 = (uint32_t)v;
    l->rc |= vsmmu_mmio_read(l->tb.s, R_CMDQ_CONS, 4, &v);
    l->cons = (uint32_t)v;
    __atomic_store_n(&l->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Called under the lock while the queue is processed: the other thread's
 * reads of IDR0 and CMDQ_CONS complete meanwhile (bounded wait). */
static void lf_notifier(void *opaque, const struct vsmmu_inval *inv)
{
    struct lf *l = opaque;
    (void)inv;
    if (l->go)
        return;
    l->go = 1;
    for (unsigned k = 0; k < 20000000 && !__atomic_load_n(&l->done, __ATOMIC_ACQUIRE); k++)
        sched_yield();
}

TEST(register_reads_need_no_lock)
{
    static struct lf l;
    pthread_t th;
    uint64_t c[2];
    uint32_t prod;

    memset(&l, 0, sizeof(l));
    tb_init(&l.tb, NULL);
    guest_init(&l.g, &l.tb, NULL);
    vsmmu_set_inval_notifier(l.tb.s, lf_notifier, &l);
    CHECK_EQ(pthread_create(&th, NULL, lf_reader, &l), 0);
    prod = l.g.cmdq_prod;
    guest_cmd_op(c, OP_TLBI_NH_ALL);
    CHECK_EQ(guest_cmd(&l.g, c), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(l.rc, 0);
    CHECK(__atomic_load_n(&l.done, __ATOMIC_ACQUIRE));
    CHECK_EQ(l.idr0, tb_readl(&l.tb, R_IDR0));
    CHECK_EQ(l.cons & q_wrmask(l.g.cmdq_log2), prod);     /* the command being run */
    vsmmu_set_inval_notifier(l.tb.s, NULL, NULL);
    tb_fini(&l.tb);
}
