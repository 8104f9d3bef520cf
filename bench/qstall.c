// SPDX-License-Identifier: MIT
/*
 * Worst-case command queues: the time one CMDQ_PROD write takes to consume
 * a full queue (2^19 commands) of one command kind or of a mix of every
 * invalidation scope and CMD_SYNCs with MSI, with the default TLB and with
 * a 1M-entry TLB holding translations, and the longest wait of another
 * thread's register read and translation misses meanwhile.
 * Reports only (wall-clock and thread CPU time); asserts nothing about time.
 *
 * The worst cases ("worst", "va_pages", "accel_worst") fill the whole TLB
 * first (through the internal insert, with translations of four page
 * sizes, so that every single-page TLBI probes four sets: the most the
 * model ever probes without spending credit) and name random pages, so
 * that with the 1M-entry TLB each probe misses the CPU caches.
 *
 * QSTALL_ALONE=1 leaves the other threads out (for callgrind);
 * QSTALL_TLB=n runs only the TLB size n; QSTALL_FAULT=1 makes the other
 * thread's translations fault instead (an unmapped page, CD.R = 1: each
 * records an F_TRANSLATION event, which takes the instance lock; the
 * thread empties the event queue every FAULT_DRAIN faults, outside the
 * measured calls, so that it never fills); QSTALL_FAULT=n adds n - 1
 * threads that fault too, unmeasured (processing's cost with several).
 *
 *   build/plain/bench/qstall [case]    (case: all, nh_all, nh_asid, nh_va, nh_va_range,
 *                                       cfgi_all, cfgi_ste, mix, worst, va_pages,
 *                                       accel_mix, accel_worst)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include "../tests/test_accel.h"
#include "../tests/test_xlate_util.h"
#include "xlate/xlate.h"

#define QLOG2 19u
#define NFILL 4096u
#define FAULT_DRAIN 64u
#define MAX_FAULTERS 7u
#define FAULT_VA 0x300000000000ull      /* not mapped */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A page address spread over 2^48 bytes (a different set for every @i). */
static uint64_t rnd_page(unsigned i)
{
    uint64_t h = ((uint64_t)i + 1) * 0x9E3779B97F4A7C15ull;
    return (h >> 16) & fld_mask(47, 12);
}

static void tlbi_page(uint64_t c[2], uint8_t op, unsigned asid, uint64_t va)
{
    guest_cmd_op(c, op);
    st_set(c, CMD_ASID, asid);
    st_set(c, CMD_ADDR, va >> 12);
}

/* The worst mix: every invalidation scope, PREFETCHes and CMD_SYNCs (MSI
 * and wired IRQ), mostly single-page TLBIs of random pages (the costly
 * kind with a big TLB), period 32.  @accel: only what accel mode takes
 * (no stage 2, no EL2); @devs device StreamIDs from 0x10. */
static void worst_cmd(unsigned i, uint64_t c[2], bool accel, unsigned devs)
{
    uint64_t va = rnd_page(i);
    unsigned sid = accel ? 0x10 + i % devs : 1;

    memset(c, 0, 16);
    switch (i % 32) {
    case 1: tlbi_page(c, OP_TLBI_NH_VAA, 0, va); break;
    case 3:     /* four pages: four probes per size, free */
        tlbi_page(c, OP_TLBI_NH_VA, 1, va);
        st_set(c, CMD_TG, 1);
        st_set(c, CMD_NUM, 3);
        break;
    case 5:     /* the largest range */
        tlbi_page(c, OP_TLBI_NH_VA, 1, 0);
        st_set(c, CMD_TG, 1);
        st_set(c, CMD_NUM, 31);
        st_set(c, CMD_SCALE, 31);
        break;
    case 7: guest_cmd_op(c, OP_TLBI_NH_ASID); st_set(c, CMD_ASID, 1); break;
    case 9: guest_cmd_op(c, OP_TLBI_NH_ALL); break;
    case 11:
        if (accel)
            tlbi_page(c, OP_TLBI_NH_VA, 2, va);
        else
            guest_cmd_op(c, OP_TLBI_S12_VMALL);
        break;
    case 12:
        if (accel) {
            tlbi_page(c, OP_TLBI_NH_VA, 1, va);
        } else {
            guest_cmd_op(c, OP_TLBI_S2_IPA);
            st_set(c, CMD_IPA, va >> 12);
        }
        break;
    case 13:
        if (accel) {
            tlbi_page(c, OP_TLBI_NH_VAA, 0, va);
        } else {
            guest_cmd_op(c, OP_TLBI_S2_IPA);
            st_set(c, CMD_IPA, va >> 12);
            st_set(c, CMD_TG, 1);
            st_set(c, CMD_NUM, 1);
        }
        break;
    case 14: guest_cmd_op(c, OP_TLBI_NSNH_ALL); break;
    case 15:
        if (accel)
            tlbi_page(c, OP_TLBI_NH_VA, 1, va);
        else
            guest_cmd_op(c, OP_TLBI_EL2_ALL);
        break;
    case 16:
        if (accel) {
            tlbi_page(c, OP_TLBI_NH_VA, 1, va);
        } else {
            guest_cmd_op(c, OP_TLBI_EL2_ASID);
            st_set(c, CMD_ASID, 1);
        }
        break;
    case 17: tlbi_page(c, accel ? OP_TLBI_NH_VA : OP_TLBI_EL2_VA, 1, va); break;
    case 18: tlbi_page(c, accel ? OP_TLBI_NH_VAA : OP_TLBI_EL2_VAA, 0, va); break;
    case 19: guest_cmd_op(c, OP_CFGI_STE); st_set(c, CMD_SID, sid); break;
    case 20:
        guest_cmd_op(c, OP_CFGI_STE_RANGE);
        st_set(c, CMD_SID, sid);
        st_set(c, CMD_RANGE, 10);
        break;
    case 21: guest_cmd_op(c, OP_CFGI_STE_RANGE); st_set(c, CMD_RANGE, CFGI_RANGE_ALL); break;
    case 22:
        guest_cmd_op(c, OP_CFGI_CD);
        st_set(c, CMD_SID, sid);
        st_set(c, CMD_SSID, accel ? 0 : i & 0xFFFFF);
        break;
    case 23: guest_cmd_op(c, OP_CFGI_CD_ALL); st_set(c, CMD_SID, sid); break;
    case 24: guest_cmd_op(c, OP_PREFETCH_CONFIG); st_set(c, CMD_SID, sid); break;
    case 25:
        guest_cmd_op(c, OP_PREFETCH_ADDR);
        st_set(c, CMD_SID, sid);
        st_set(c, CMD_ADDR, va >> 12);
        break;
    case 28:    /* CMD_SYNC with MSI */
        guest_cmd_op(c, OP_SYNC);
        st_set(c, CMD_SYNC_CS, SYNC_CS_IRQ);
        st_set(c, CMD_SYNC_MSIDATA, i);
        c[1] |= (TB_RAM_BASE + 0x200) & fld_mask(55, 2);
        break;
    case 31:    /* CMD_SYNC, wired interrupt */
        guest_cmd_op(c, OP_SYNC);
        st_set(c, CMD_SYNC_CS, SYNC_CS_IRQ);
        break;
    default: tlbi_page(c, OP_TLBI_NH_VA, 1, va); break;
    }
}

/* Single-page TLBI_NH_VA of random pages, a CMD_SYNC with MSI every 64. */
static void va_pages_cmd(unsigned i, uint64_t c[2])
{
    memset(c, 0, 16);
    if (i % 64 == 63) {
        guest_cmd_op(c, OP_SYNC);
        st_set(c, CMD_SYNC_CS, SYNC_CS_IRQ);
        st_set(c, CMD_SYNC_MSIDATA, i);
        c[1] |= (TB_RAM_BASE + 0x200) & fld_mask(55, 2);
    } else {
        tlbi_page(c, OP_TLBI_NH_VA, 1, rnd_page(i));
    }
}

/* Fill every way of the TLB (under the lock, as a walk would): four page
 * sizes, ASID 1 and 2 and global entries, random addresses. */
static void fill_tlb(vsmmu_t *s, unsigned entries)
{
    static const uint8_t shifts[] = { 12, 16, 21, 30 };
    struct xl_cache *xc = xl_cache_of(s);
    unsigned nsh = getenv("QSTALL_SIZES") ? (unsigned)atoi(getenv("QSTALL_SIZES")) : 4;

    if (nsh < 1 || nsh > 4)
        nsh = 4;

    vsmmu_lock(s);
    for (unsigned i = 0; i < 2 * entries; i++) {
        struct xl_tlbe te = { 0 };
        te.shift = shifts[i % nsh];
        te.tag = xl_tag(XR_NSEL1, 0, 1 + i % 2);
        te.global = i % 8 == 7;
        te.va = rnd_page(i * 7 + 3) & ~((1ull << te.shift) - 1);
        te.oa = 0x41000000ull;
        te.level = 3;
        te.perm = 0x3F;
        xl_tlb_insert(xc, &te, 1, VSMMU_NO_SSID, NULL);
    }
    vsmmu_unlock(s);
}

/* One command of kind @k (index @i in the queue). */
static void make_cmd(const char *k, unsigned i, uint64_t c[2])
{
    if (!strcmp(k, "worst")) {
        worst_cmd(i, c, false, 0);
        return;
    }
    if (!strcmp(k, "va_pages")) {
        va_pages_cmd(i, c);
        return;
    }
    static const char *const mix[] = { "nh_all", "nh_asid", "nh_va", "nh_va_range", "nh_vaa",
                                       "cfgi_all", "cfgi_ste", "cfgi_cd", "nsnh_all", "sync" };
    if (!strcmp(k, "mix"))
        k = mix[i % (sizeof(mix) / sizeof(mix[0]))];
    if (!strcmp(k, "nh_all")) {
        guest_cmd_op(c, OP_TLBI_NH_ALL);
    } else if (!strcmp(k, "nh_asid")) {
        guest_cmd_op(c, OP_TLBI_NH_ASID);
        st_set(c, CMD_ASID, i & 0xFFFF);
    } else if (!strcmp(k, "nh_va") || !strcmp(k, "nh_vaa")) {
        guest_cmd_op(c, !strcmp(k, "nh_va") ? OP_TLBI_NH_VA : OP_TLBI_NH_VAA);
        st_set(c, CMD_ASID, 1);
        c[1] |= 0x100000000000ull + ((uint64_t)(i % NFILL) << 12);
    } else if (!strcmp(k, "nh_va_range")) {
        guest_cmd_op(c, OP_TLBI_NH_VA);
        st_set(c, CMD_ASID, 1);
        st_set(c, CMD_TG, 1);
        st_set(c, CMD_NUM, 31);
        st_set(c, CMD_SCALE, 31);
    } else if (!strcmp(k, "cfgi_all")) {
        guest_cmd_op(c, OP_CFGI_STE_RANGE);
        st_set(c, CMD_RANGE, CFGI_RANGE_ALL);
    } else if (!strcmp(k, "cfgi_ste")) {
        guest_cmd_op(c, OP_CFGI_STE);
        st_set(c, CMD_SID, i);
    } else if (!strcmp(k, "cfgi_cd")) {
        guest_cmd_op(c, OP_CFGI_CD);
        st_set(c, CMD_SID, 1);
        st_set(c, CMD_SSID, i & 0xFFFFF);
    } else if (!strcmp(k, "nsnh_all")) {
        guest_cmd_op(c, OP_TLBI_NSNH_ALL);
    } else {    /* sync with MSI */
        guest_cmd_op(c, OP_SYNC);
        st_set(c, CMD_SYNC_CS, SYNC_CS_IRQ);
        st_set(c, CMD_SYNC_MSIDATA, i);
        c[1] |= (TB_RAM_BASE + 0x200) & fld_mask(55, 2);
    }
}

/* The longest call of a background thread and how it spent that time:
 * voluntary context switches (it slept: blocked on the lock), involuntary
 * ones (preempted by other load) and its CPU time in it; and the calls
 * that took over 0.1 ms, by how (slept, only preempted, ran), and over
 * 1 ms. */
struct worst {
    double wall, cpu;
    long vcsw, ivcsw;
    unsigned long slept, preempted, ran;
    unsigned long over_1[3];    /* > 1 ms: slept, preempted, ran */
};

struct bg {
    struct testbed *tb;
    volatile int stop;
    bool fault;         /* QSTALL_FAULT: translations fault */
    bool extra;         /* an unmeasured faulting thread's copy */
    struct worst read, xlate;
    unsigned long reads, xlates, recorded;
};

static double tcpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

struct probe {
    double t, c;
    struct rusage ru;
};

static void probe_start(struct probe *p)
{
    getrusage(RUSAGE_THREAD, &p->ru);
    p->c = tcpu();
    p->t = now();
}

static void probe_end(const struct probe *p, struct worst *w)
{
    double d = now() - p->t, c = tcpu() - p->c;
    struct rusage ru;

    if (d <= 1e-4 && d <= w->wall)
        return;
    getrusage(RUSAGE_THREAD, &ru);
    if (d > 1e-4) {
        unsigned how = ru.ru_nvcsw != p->ru.ru_nvcsw ? 0 : ru.ru_nivcsw != p->ru.ru_nivcsw ? 1 : 2;

        w->slept += how == 0;
        w->preempted += how == 1;
        w->ran += how == 2;
        w->over_1[how] += d > 1e-3;
    }
    if (d <= w->wall)
        return;
    w->wall = d;
    w->cpu = c;
    w->vcsw = ru.ru_nvcsw - p->ru.ru_nvcsw;
    w->ivcsw = ru.ru_nivcsw - p->ru.ru_nivcsw;
}

static void *reader(void *arg)
{
    struct bg *b = arg;
    struct probe p;
    while (!b->stop) {
        probe_start(&p);
        (void)tb_readl(b->tb, R_IDR0);
        probe_end(&p, &b->read);
        b->reads++;
    }
    return NULL;
}

static void *xlater(void *arg)
{
    struct bg *b = arg;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    struct probe p;
    unsigned i = 0;
    while (!b->stop) {
        /* Beyond the filled pages: a miss (walk) every time; or a page
         * that is not mapped: a fault with an event. */
        uint64_t va = (b->fault ? FAULT_VA : 0x200000000000ull) + ((uint64_t)(i++ % 64) << 12);

        probe_start(&p);
        vsmmu_translate(b->tb->s, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ | VSMMU_ACC_PRIV, &r);
        probe_end(&p, &b->xlate);
        b->xlates++;
        b->recorded += r.recorded;
        if (b->fault && !b->extra && i % FAULT_DRAIN == 0)   /* CONS = PROD, OVACKFLG = OVFLG */
            tb_writel(b->tb, R_EVENTQ_CONS, tb_readl(b->tb, R_EVENTQ_PROD));
    }
    return NULL;
}

/* "1.234 ms (slept, 0.010 ms CPU; > 0.1 ms: 2 slept, 1 preempted, 0 ran;
 * > 1 ms: 1 slept, 0 preempted, 0 ran)": slept = a voluntary context
 * switch (blocked on a lock), preempted = only involuntary ones (other
 * load, or a spinning waiter's own sched_yield). */
static const char *wait_str(const struct worst *w, char *buf, size_t n)
{
    snprintf(buf, n, "%7.3f ms (%s, %.3f ms CPU; > 0.1 ms: %lu slept, %lu preempted, %lu ran; "
             "> 1 ms: %lu slept, %lu preempted, %lu ran)", w->wall * 1e3,
             w->vcsw ? "slept" : w->ivcsw ? "preempted" : "ran", w->cpu * 1e3, w->slept,
             w->preempted, w->ran, w->over_1[0], w->over_1[1], w->over_1[2]);
    return buf;
}

static double cpu(void)
{
    return tcpu();
}

/* @bg: run the register reader and the translating thread meanwhile. */
static void run(const char *kind, unsigned tlb_entries, bool bg)
{
    struct xt x;
    struct vsmmu_config cfg;
    struct guest_opts o = { .cmdq_log2 = QLOG2, .evtq_log2 = 12 };
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    struct testbed *tbp;
    struct guest *gp;
    struct pt p;
    uint64_t cd[8], c[2];
    pthread_t th[2], xth[MAX_FAULTERS];
    struct bg b = { 0 }, xb[MAX_FAULTERS];
    unsigned nx = 0;
    double t0, c0, wall;
    uint32_t cons;
    struct rusage ru0, ru1;

    vsmmu_config_default(&cfg);
    cfg.tlb_entries = tlb_entries;
    cfg.hyp = true;     /* the EL2 scopes too */
    xt_init(&x, &cfg, &o);
    tbp = &x.tb;
    gp = &x.g;
    if (gp->cmdq_log2 != QLOG2) {
        fprintf(stderr, "queue of 2^%u only\n", gp->cmdq_log2);
        exit(1);
    }
    /* SID 1, ASID 1: 4K pages, 48-bit VA, 4 levels. */
    pt_new(&p, &x, 12, 0, 48, 0);
    for (unsigned i = 0; i < NFILL; i++)
        pt_set(&p, 0x100000000000ull + ((uint64_t)i << 12), 3,
               s1_leaf(3, 0x41000000ull + ((uint64_t)i << 12), fld_mask(PTE_NG)), 0);
    for (unsigned i = 0; i < 64; i++)
        pt_set(&p, 0x200000000000ull + ((uint64_t)i << 12), 3,
               s1_leaf(3, 0x41000000ull, fld_mask(PTE_NG)), 0);
    cd_make(cd, p.root, 16, 0, 1);
    xt_s1_stream(&x, 1, cd);
    for (unsigned i = 0; i < NFILL; i++)
        vsmmu_translate(tbp->s, 1, VSMMU_NO_SSID, 0x100000000000ull + ((uint64_t)i << 12),
                        VSMMU_ACC_READ | VSMMU_ACC_PRIV, &r);
    if (r.status != VSMMU_XLATE_OK) {
        fprintf(stderr, "setup: translation failed\n");
        exit(1);
    }
    if (!strcmp(kind, "worst") || !strcmp(kind, "va_pages"))
        fill_tlb(tbp->s, tlb_entries);

    /* The full queue: CONS = 0, PROD = index 0 with the wrap bit. */
    for (unsigned i = 0; i < (1u << QLOG2); i++) {
        make_cmd(kind, i, c);
        tb_w64(tbp, gp->cmdq + 16ull * i, c[0]);
        tb_w64(tbp, gp->cmdq + 16ull * i + 8, c[1]);
    }
    b.tb = tbp;
    b.fault = getenv("QSTALL_FAULT") != NULL;
    if (b.fault && atoi(getenv("QSTALL_FAULT")) > 1)
        nx = (unsigned)atoi(getenv("QSTALL_FAULT")) - 1;
    if (nx > MAX_FAULTERS)
        nx = MAX_FAULTERS;
    if (bg) {
        pthread_create(&th[0], NULL, reader, &b);
        pthread_create(&th[1], NULL, xlater, &b);
        for (unsigned t = 0; t < nx; t++) {
            xb[t] = b;
            xb[t].extra = true;
            pthread_create(&xth[t], NULL, xlater, &xb[t]);
        }
    }
    getrusage(RUSAGE_THREAD, &ru0);
    t0 = now();
    c0 = cpu();
    tb_writel(tbp, R_CMDQ_PROD, 1u << QLOG2);
    c0 = cpu() - c0;
    getrusage(RUSAGE_THREAD, &ru1);
    /* Wait until every command is consumed (processing may continue
     * outside the PROD write if it is ever made asynchronous). */
    while ((cons = tb_readl(tbp, R_CMDQ_CONS)) != (1u << QLOG2)) {
        if (tb_readl(tbp, R_GERROR) & fld_mask(GERROR_CMDQ_ERR)) {
            fprintf(stderr, "%s: command error at 0x%x\n", kind, cons);
            exit(1);
        }
    }
    wall = now() - t0;
    b.stop = 1;
    for (unsigned t = 0; t < nx; t++)
        xb[t].stop = 1;
    if (bg) {
        pthread_join(th[0], NULL);
        pthread_join(th[1], NULL);
        for (unsigned t = 0; t < nx; t++)
            pthread_join(xth[t], NULL);
        char w1[192], w2[192];
        printf("%-12s tlb %8u: full queue %7.1f ms wall, %7.1f ms CPU; longest IDR0 read "
               "%s, translate %s %s (%lu reads, %lu %s, %lu events recorded); processing: "
               "preempted %ld times, waiter seen to hand-off at most %.3f ms (%.3f ms CPU), "
               "%llu hand-offs, %llu not taken in time; cache lock: %llu sleeps, %llu "
               "give-ways timed out; instance lock: %llu spinners slept\n",
               kind, tlb_entries, wall * 1e3, c0 * 1e3, wait_str(&b.read, w1, sizeof(w1)),
               b.fault ? "fault" : "miss", wait_str(&b.xlate, w2, sizeof(w2)), b.reads,
               b.xlates, b.fault ? "faults" : "misses", b.recorded,
               ru1.ru_nivcsw - ru0.ru_nivcsw, (double)tbp->s->cmdq_hold_max_ns * 1e-6,
               (double)tbp->s->cmdq_hold_max_cpu_ns * 1e-6,
               (unsigned long long)tbp->s->cmdq_yields,
               (unsigned long long)tbp->s->cmdq_handoff_missed,
               (unsigned long long)tbp->s->xl_sleeps,
               (unsigned long long)tbp->s->xl_give_way_missed,
               (unsigned long long)tbp->s->lock_sleeps);
    } else {
        printf("%-12s tlb %8u: full queue %7.1f ms wall, %7.1f ms CPU (no other threads)\n",
               kind, tlb_entries, wall * 1e3, c0 * 1e3);
    }
    xt_fini(&x);
}

/* Accel mode on the simulated kernel: ACCEL_DEVS passthrough devices with
 * nested STEs.  accel_mix: a full queue of CFGI_ALL, CFGI_STE, CFGI_CD,
 * TLBI_NH_VA and TLBI_NH_ASID (forwarded to the host in batches) and
 * CMD_SYNCs with MSI; accel_worst: worst_cmd() in accel mode (every scope
 * accel mode takes, PREFETCHes, CMD_SYNCs with MSI and IRQ). */
#define ACCEL_DEVS AT_MAX_DEVS
static void run_accel(const char *kind, unsigned tlb_entries)
{
    static struct at x;
    struct guest_opts o = { .cmdq_log2 = QLOG2 };
    struct vsmmu_config cfg;
    uint64_t ste[8], c[2];
    bool worst = !strcmp(kind, "accel_worst");
    double t0, c0;

    at_config(&cfg);
    cfg.tlb_entries = tlb_entries;
    at_init(&x, &cfg, ACCEL_DEVS);
    for (unsigned i = 0; i < ACCEL_DEVS; i++)
        if (at_attach(&x, i, 0x10 + i)) {
            fprintf(stderr, "accel attach failed\n");
            exit(1);
        }
    guest_init(&x.g, &x.tb, &o);
    for (unsigned i = 0; i < ACCEL_DEVS; i++) {
        at_s1_ste(ste, 0x40080000ull + 0x1000ull * i);
        guest_write_ste(&x.g, 0x10 + i, ste);
    }
    if (worst)
        fill_tlb(x.tb.s, tlb_entries);
    for (unsigned i = 0; i < (1u << QLOG2); i++) {
        if (worst) {
            worst_cmd(i, c, true, ACCEL_DEVS);
        } else {
            switch (i % 6) {
            case 0: make_cmd("cfgi_all", i, c); break;
            case 1:
                guest_cmd_op(c, OP_CFGI_STE);
                st_set(c, CMD_SID, 0x10 + i % ACCEL_DEVS);
                break;
            case 2:
                guest_cmd_op(c, OP_CFGI_CD);
                st_set(c, CMD_SID, 0x10 + i % ACCEL_DEVS);
                break;
            case 3: make_cmd("nh_va", i, c); break;
            case 4: make_cmd("nh_asid", i, c); break;
            default: make_cmd("sync", i, c); break;
            }
        }
        tb_w64(&x.tb, x.g.cmdq + 16ull * i, c[0]);
        tb_w64(&x.tb, x.g.cmdq + 16ull * i + 8, c[1]);
    }
    ac_log.time_host = true;
    ac_log.host_ns = 0;
    t0 = now();
    c0 = cpu();
    tb_writel(&x.tb, R_CMDQ_PROD, 1u << QLOG2);
    c0 = cpu() - c0;
    t0 = now() - t0;
    ac_log.time_host = false;
    if (tb_readl(&x.tb, R_CMDQ_CONS) != (1u << QLOG2)) {
        fprintf(stderr, "accel: stopped at 0x%x (GERROR 0x%x)\n", tb_readl(&x.tb, R_CMDQ_CONS),
                tb_readl(&x.tb, R_GERROR));
        exit(1);
    }
    printf("%-12s tlb %8u: full queue %7.1f ms wall, %7.1f ms CPU (%u devices; of which "
           "%.1f ms CPU in the simulated kernel)\n", kind, tlb_entries, t0 * 1e3, c0 * 1e3,
           ACCEL_DEVS, (double)ac_log.host_ns * 1e-6);
    at_fini(&x);
}

int main(int argc, char **argv)
{
    static const char *const kinds[] = { "nh_all", "nh_asid", "nh_va", "nh_va_range",
                                         "cfgi_all", "cfgi_ste", "mix", "worst", "va_pages" };
    static const char *const akinds[] = { "accel_mix", "accel_worst" };
    const char *want = argc > 1 ? argv[1] : "all";
    bool bg = !getenv("QSTALL_ALONE");

    for (unsigned k = 0; k < sizeof(akinds) / sizeof(akinds[0]); k++) {
        if (strcmp(want, "all") && strcmp(want, akinds[k]))
            continue;
        if (getenv("QSTALL_TLB")) {
            run_accel(akinds[k], (unsigned)strtoul(getenv("QSTALL_TLB"), NULL, 0));
            continue;
        }
        run_accel(akinds[k], 4096);
        run_accel(akinds[k], 1u << 20);
    }
    for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        if (strcmp(want, "all") && strcmp(want, kinds[k]))
            continue;
        if (getenv("QSTALL_TLB")) {
            run(kinds[k], (unsigned)strtoul(getenv("QSTALL_TLB"), NULL, 0), bg);
            continue;
        }
        run(kinds[k], 4096, bg);
        run(kinds[k], 1u << 20, bg);
    }
    return 0;
}
