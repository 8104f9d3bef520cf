// SPDX-License-Identifier: MIT
/*
 * Translation misses without the instance lock (docs/architecture.md,
 * "Threading model"): a miss that records no event holds only the
 * translation cache lock, so it completes while another thread holds the
 * instance lock in command processing; a miss whose fault must be recorded
 * is done again under the instance lock, records its event exactly once,
 * and is let in by command processing between two commands of a long
 * queue (not only between chunks); and the CMD_SYNC rule holds for misses
 * and faults racing invalidations (make check runs this under
 * ThreadSanitizer too).
 *
 * The gate: the invalidation notifier, which command processing calls with
 * the instance lock held, waits for the other thread's translation (up to
 * GATE_WAIT_S seconds, so that a translation that needs the instance lock
 * makes the test fail instead of hang).  With a long queue (gate.ncmds
 * commands) the first notifier call only waits until the other thread
 * waits for the instance lock, and the last one waits for it to finish.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "test_xlate_util.h"

#define VA_HOT 0x4000ull        /* mapped and translated before: cached */
#define VA_COLD 0x5000ull       /* mapped, never translated: a miss */
#define VA_NONE 0x6000ull       /* not mapped: F_TRANSLATION */
#define PA_HOT 0x80004000ull
#define PA_COLD 0x80005000ull
#define GATE_WAIT_S 2
/* Commands of the long queue: fewer than cmdq.c's CMDQ_POLL (16), so that
 * processing that lets waiters in only between chunks never does here. */
#define LONG_CMDS 15u

struct gate {
    struct xt x;
    pthread_mutex_t mx;
    pthread_cond_t cv;
    uint64_t va;            /* what the other thread translates */
    bool armed;             /* the next notifier call waits */
    bool in_gate;           /* the processing thread waits in the notifier */
    bool done;              /* the other thread's translation returned */
    bool timed_out;         /* the notifier gave up waiting */
    bool done_in_gate;      /* done was seen before the notifier returned */
    bool lock_held;         /* the instance lock was held when it translated */
    unsigned ncmds;         /* 0: one command; else the long queue's length */
    unsigned calls;         /* notifier calls (long queue) */
    unsigned done_at;       /* the call that first saw done (long queue) */
    int rc;
    struct vsmmu_xlate_result res;
};

static void deadline(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

/* Wait (mx held) until *@flag, at most @ms milliseconds: false on timeout. */
static bool wait_for(struct gate *g, const bool *flag, long ms)
{
    struct timespec ts;

    deadline(&ts, ms);
    while (!*flag)
        if (pthread_cond_timedwait(&g->cv, &g->mx, &ts))
            return *flag;
    return true;
}

/* The long queue's first call: wait until the other thread waits for the
 * instance lock (the processing thread holds it), then 1 ms more, so that
 * the processing time command processing owes before it lets that thread
 * in (cmdq.c, CMDQ_URGENT_NS) has passed. */
static void long_first(struct gate *g)
{
    struct vsmmu *s = g->x.tb.s;
    struct timespec ms = { 0, 1000000 };

    for (unsigned i = 0; i < GATE_WAIT_S * 1000 &&
                         !__atomic_load_n(&s->lock.waiters, __ATOMIC_RELAXED); i++)
        nanosleep(&ms, NULL);
    nanosleep(&ms, NULL);
}

/* A notifier call of the long queue (mx held). */
static void long_call(struct gate *g)
{
    unsigned n = ++g->calls;

    if (n == 1) {
        g->in_gate = true;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mx);
        long_first(g);
        pthread_mutex_lock(&g->mx);
    } else if (n == g->ncmds) {
        g->timed_out = !wait_for(g, &g->done, GATE_WAIT_S * 1000);
    }
    if (g->done && !g->done_at)
        g->done_at = n;
}

/* The notifier: under the instance lock, in the processing thread. */
static void notifier(void *opaque, const struct vsmmu_inval *inv)
{
    struct gate *g = opaque;
    (void)inv;

    pthread_mutex_lock(&g->mx);
    if (g->armed && g->ncmds) {
        long_call(g);
    } else if (g->armed) {
        g->armed = false;
        g->in_gate = true;
        pthread_cond_broadcast(&g->cv);
        g->timed_out = !wait_for(g, &g->done, g->va == VA_NONE ? 50 : GATE_WAIT_S * 1000);
        g->done_in_gate = g->done;
    }
    pthread_mutex_unlock(&g->mx);
}

/* The other thread: once processing waits in the gate, translate g->va. */
static void *translator(void *arg)
{
    struct gate *g = arg;
    vsmmu_t *s = g->x.tb.s;
    bool in;

    pthread_mutex_lock(&g->mx);
    in = wait_for(g, &g->in_gate, GATE_WAIT_S * 1000);
    pthread_mutex_unlock(&g->mx);
    g->lock_held = in && __atomic_load_n(&s->lock.owner, __ATOMIC_RELAXED) != 0;
    g->res = (struct vsmmu_xlate_result)VSMMU_STRUCT_INIT(g->res);
    g->rc = vsmmu_translate(s, 1, VSMMU_NO_SSID, g->va, VSMMU_ACC_READ, &g->res);
    pthread_mutex_lock(&g->mx);
    g->done = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mx);
    return NULL;
}

/* StreamID 1 (ASID 1): VA_HOT and VA_COLD mapped, VA_NONE not; VA_HOT
 * cached. */
static void gate_init(struct gate *g)
{
    struct pt p;
    uint64_t cd[8];

    memset(g, 0, sizeof(*g));
    xt_init(&g->x, NULL, NULL);
    pthread_mutex_init(&g->mx, NULL);
    pthread_cond_init(&g->cv, NULL);
    pt_new(&p, &g->x, 12, 1, 39, 0);
    pt_set(&p, VA_HOT, 3, s1_leaf(3, PA_HOT, fld_mask(PTE_NG)), 0);
    pt_set(&p, VA_COLD, 3, s1_leaf(3, PA_COLD, fld_mask(PTE_NG)), 0);
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&g->x, 1, cd);
    CHECK_OK(xt_tr(&g->x, 1, VSMMU_NO_SSID, VA_HOT, VSMMU_ACC_READ), PA_HOT, 0x1000);
    vsmmu_set_inval_notifier(g->x.tb.s, notifier, g);
}

static void gate_fini(struct gate *g)
{
    vsmmu_set_inval_notifier(g->x.tb.s, NULL, NULL);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mx);
    xt_fini(&g->x);
}

/* Queue @n TLBIs of another ASID, then a CMD_SYNC, in one CMDQ_PROD write. */
static void queue_tlbis(struct gate *g, unsigned n)
{
    struct guest *gu = &g->x.g;
    uint64_t c[2];

    for (unsigned i = 0; i <= n; i++) {
        uint64_t slot = gu->cmdq + (uint64_t)q_index(gu->cmdq_prod, gu->cmdq_log2) * CMD_SIZE;

        guest_cmd_op(c, i < n ? OP_TLBI_NH_ASID : OP_SYNC);
        if (i < n)
            st_set(c, CMD_ASID, 7);
        tb_w64(&g->x.tb, slot, c[0]);
        tb_w64(&g->x.tb, slot + 8, c[1]);
        gu->cmdq_prod = q_inc(gu->cmdq_prod, gu->cmdq_log2);
    }
    tb_writel(&g->x.tb, R_CMDQ_PROD, gu->cmdq_prod);
    CHECK_EQ(tb_readl(&g->x.tb, R_CMDQ_CONS), gu->cmdq_prod);
}

/* A TLBI of another ASID (+ CMD_SYNC), or with @ncmds the long queue of
 * that many, while the other thread translates @va; the gate holds command
 * processing meanwhile. */
static void gate_run(struct gate *g, uint64_t va, unsigned ncmds)
{
    pthread_t th;

    g->va = va;
    g->ncmds = ncmds;
    g->armed = true;
    CHECK_EQ(pthread_create(&th, NULL, translator, g), 0);
    queue_tlbis(g, ncmds ? ncmds : 1);
    pthread_join(th, NULL);
    CHECK_EQ(g->calls, ncmds);
    CHECK(g->in_gate);
    CHECK(g->lock_held);
    CHECK_EQ(g->rc, 0);
}

/* The other thread's translation of VA_NONE faulted and recorded its event,
 * once. */
static void check_fault_recorded(struct gate *g)
{
    struct xev e = { .type = EVT_F_TRANSLATION, .sid = 1, .rnw = true,
                     .class_ = EVT_CLASS_IN, .input = VA_NONE };

    CHECK_EQ(g->res.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(g->res.event_type, EVT_F_TRANSLATION);
    CHECK(g->res.recorded);
    xt_expect_event(&g->x, &e);
    xt_expect_no_event(&g->x);
}

TEST(miss_completes_while_commands_hold_the_instance_lock)
{
    static struct gate g;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    gate_init(&g);
    gate_run(&g, VA_COLD, 0);
    CHECK_MSG(!g.timed_out, "the miss waited for command processing");
    CHECK(g.done_in_gate);
    CHECK_OK(g.res, PA_COLD, 0x1000);
    CHECK_EQ(vsmmu_get_stats(g.x.tb.s, &st), 0);
    CHECK_EQ(st.tlb_misses, 2);         /* VA_HOT before, VA_COLD now */
    /* And the translation is now cached like any other. */
    CHECK_OK(xt_tr(&g.x, 1, VSMMU_NO_SSID, VA_COLD, VSMMU_ACC_READ), PA_COLD, 0x1000);
    xt_expect_no_event(&g.x);
    gate_fini(&g);
}

/* A miss that faults needs the instance lock to record its event: it cannot
 * complete while processing holds the lock inside one command (the
 * notifier), and records it once after. */
TEST(fault_miss_records_its_event_once_under_the_lock)
{
    static struct gate g;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    gate_init(&g);
    gate_run(&g, VA_NONE, 0);
    CHECK(!g.done_in_gate);
    check_fault_recorded(&g);
    CHECK_EQ(vsmmu_get_stats(g.x.tb.s, &st), 0);
    CHECK_EQ(st.tlb_misses, 2);         /* counted once, though walked twice */
    CHECK_EQ(st.events, 1);
    gate_fini(&g);
}

/* A fault to record waits for the instance lock, but command processing
 * lets it in between two commands, long before the end of the queue.  A
 * hand-off the waiting thread was not scheduled for in time (counted in
 * cmdq_handoff_missed: the scheduler's doing, on a loaded host) makes the
 * attempt inconclusive, and it is run again, LONG_TRIES times at most; a
 * fault left waiting without such a hand-off fails at once. */
#define LONG_TRIES 4
TEST(fault_miss_completes_inside_a_long_queue)
{
    static struct gate g;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint64_t cmds0, missed = 0;
    bool in_time = false;

    for (unsigned t = 0; t < LONG_TRIES && !in_time; t++) {
        gate_init(&g);
        CHECK_EQ(vsmmu_get_stats(g.x.tb.s, &st), 0);
        cmds0 = st.commands;
        gate_run(&g, VA_NONE, LONG_CMDS);
        in_time = !g.timed_out && g.done_at && g.done_at <= LONG_CMDS;
        missed = g.x.tb.s->cmdq_handoff_missed;
        CHECK_MSG(in_time || missed, "the fault waited for the end of the queue (seen at "
                  "call %u of %u) and was never offered the lock", g.done_at, LONG_CMDS);
        check_fault_recorded(&g);
        CHECK_EQ(vsmmu_get_stats(g.x.tb.s, &st), 0);
        CHECK_EQ(st.events, 1);
        CHECK_EQ(st.commands - cmds0, LONG_CMDS + 1);
        gate_fini(&g);
    }
    CHECK_MSG(in_time, "%u tries, the last with %llu hand-offs not taken in time", LONG_TRIES,
              (unsigned long long)missed);
}

/*
 * Misses and faults racing invalidation: the guest cycles VA_COLD through
 * mapped (step k % 3 == 0), unmapped (1) and mapped elsewhere (2), each
 * with TLBI_NH_VA + CMD_SYNC, and publishes the step whose CMD_SYNC
 * completed.  A translation that starts after step k is published and ends
 * before step k + 1 is sees step k, or step k + 1 (whose descriptor the
 * guest may have written already), never step k - 1: after an unmap no
 * old address, after a remap no fault.  Every fault reported recorded is
 * in the event queue, once.
 */
#define RACE_STEPS 300
#define RACE_WORKERS 2
#define RACE_FAULTS_MAX 2000    /* per worker: the event queue holds them all */

struct race {
    struct xt x;
    struct pt p;
    unsigned published, stop, started;
    unsigned long checked, bad, recorded, errors;
};

static uint64_t race_pa(unsigned k)
{
    return 0x90000000ull + 0x1000ull * k;
}

static bool race_mapped(unsigned k)
{
    return k % 3 != 1;
}

/* Whether @res is what step @k leaves. */
static bool race_sees(const struct vsmmu_xlate_result *res, unsigned k)
{
    if (!race_mapped(k))
        return res->status == VSMMU_XLATE_FAULT;
    return res->status == VSMMU_XLATE_OK && res->addr == race_pa(k);
}

static void race_step(struct race *r, unsigned k)
{
    uint64_t c[2];

    pt_set(&r->p, VA_COLD, 3, race_mapped(k) ? s1_leaf(3, race_pa(k), fld_mask(PTE_NG)) : 0, 0);
    guest_cmd_op(c, OP_TLBI_NH_VA);
    st_set(c, CMD_ASID, 1);
    c[1] |= VA_COLD;
    xt_cmd(&r->x, c);
    __atomic_store_n(&r->published, k, __ATOMIC_RELEASE);
}

static void *race_worker(void *arg)
{
    struct race *r = arg;
    unsigned long checked = 0, bad = 0, recorded = 0, errors = 0, faults = 0;

    __atomic_add_fetch(&r->started, 1, __ATOMIC_ACQ_REL);
    while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) && faults < RACE_FAULTS_MAX) {
        struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);
        unsigned k0 = __atomic_load_n(&r->published, __ATOMIC_ACQUIRE);
        int rc = vsmmu_translate(r->x.tb.s, 1, VSMMU_NO_SSID, VA_COLD, VSMMU_ACC_READ, &res);
        unsigned k1 = __atomic_load_n(&r->published, __ATOMIC_ACQUIRE);

        if (rc) {
            errors++;
            continue;
        }
        if (res.status != VSMMU_XLATE_OK) {
            faults++;
            recorded += res.recorded;
            bad += res.status != VSMMU_XLATE_FAULT || res.event_type != EVT_F_TRANSLATION;
        }
        if (k0 != k1)
            continue;       /* overlapped a step: either state */
        checked++;
        bad += !race_sees(&res, k0) && !race_sees(&res, k0 + 1);
    }
    __atomic_add_fetch(&r->checked, checked, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->bad, bad, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->recorded, recorded, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->errors, errors, __ATOMIC_RELAXED);
    return NULL;
}

TEST(misses_and_faults_racing_invalidation_keep_the_sync_rule)
{
    static struct race r;
    struct guest_opts o = { .evtq_log2 = 13 };
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    pthread_t th[RACE_WORKERS];
    uint64_t cd[8];

    memset(&r, 0, sizeof(r));
    xt_init(&r.x, NULL, &o);
    CHECK_EQ(r.x.g.evtq_log2, 13);
    pt_new(&r.p, &r.x, 12, 1, 39, 0);
    pt_set(&r.p, VA_COLD, 3, s1_leaf(3, race_pa(0), fld_mask(PTE_NG)), 0);
    cd_make(cd, r.p.root, 25, 0, 1);
    xt_s1_stream(&r.x, 1, cd);
    for (unsigned t = 0; t < RACE_WORKERS; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, race_worker, &r), 0);
    while (__atomic_load_n(&r.started, __ATOMIC_ACQUIRE) < RACE_WORKERS)
        sched_yield();
    for (unsigned k = 1; k <= RACE_STEPS; k++) {
        race_step(&r, k);
        if (k % 8 == 0)
            sched_yield();      /* let the workers see each state */
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
    for (unsigned t = 0; t < RACE_WORKERS; t++)
        pthread_join(th[t], NULL);
    if (getenv("VSMMU_TEST_VERBOSE"))
        printf("checked %lu, faults recorded %lu\n", r.checked, r.recorded);
    CHECK_MSG(r.bad == 0, "%lu wrong results of %lu checked", r.bad, r.checked);
    CHECK_EQ(r.errors, 0);
    CHECK(r.checked > 0);
    /* Every recorded fault is in the queue, none twice. */
    CHECK_EQ(vsmmu_get_stats(r.x.tb.s, &st), 0);
    CHECK_EQ(st.events, r.recorded);
    CHECK_EQ(guest_pending_events(&r.x.g), r.recorded);
    xt_fini(&r.x);
}
