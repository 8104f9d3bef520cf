// SPDX-License-Identifier: MIT
/*
 * vsmmu benchmark (issue #11 item 6; method in docs/performance.md).
 *
 * Translation cases, each repeated BENCH_REPS times and reported as min and
 * median ns per vsmmu_translate() call, in wall time and in the calling
 * thread's CPU time:
 *   hit256     256 pages resident in the TLB, cycled
 *   hit1       one page (the thread's micro-TLB)
 *   miss       cold 4-level 4K stage-1 walk: batches of 256 fresh pages,
 *              the TLB emptied by TLBI_NH_ALL (untimed) before each batch
 *              (the walk cache keeps the upper levels between neighbours)
 *   missfar    the same with 256 pages 512 GB apart: every level read,
 *              no walk-cache hit (the full walk)
 *   cycle4096  4096 pages cycled through the default TLB (miss % reported)
 *   cycle2048  2048 pages cycled (half the default TLB: conflict misses)
 *   scatter2048  2048 pages spread over 64 MB, cycled (the same, irregular)
 *   nested     nested miss (S1 4-level, every table access through S2)
 *   threads    hit256 from 1 and from 2 threads (one instance, and two)
 *   hitmmio    hit256 while another thread writes a register in a loop
 * Command queue: one CMDQ_PROD write publishing a full queue (2^19 commands)
 * of one invalidation scope, with the default TLB and with a 1M-entry TLB,
 * while another thread reads IDR0 and records its longest wait; in accel
 * mode a queue of CFGI_ALL with 16 devices on the simulated kernel.  Cases
 * that would take too long are run on a smaller queue (doubled until the
 * run takes BENCH_QUEUE_MS) and the full-queue time is extrapolated and
 * marked so.  Host events: vsmmu_accel_process_events() delivering one
 * event per call (events1d: the deliveries timed alone; events1: with the
 * host's queueing) and batches of 64.
 *
 * Modes:
 *   bench                 everything, table with targets (BENCH_QUICK=1: fewer
 *                         repetitions and smaller budgets)
 *   bench hit             hit costs only (for profiling)
 *   bench events          the host-event cases only (for strace or a profiler)
 *   bench threads         hit256 from 1 and 2 threads only (their ratio)
 *   bench callgrind       the translate cases once each, for
 *                         valgrind --tool=callgrind --collect-atstart=no
 *                         --toggle-collect=vsmmu_translate: one dump per case
 *                         ("case=<id> calls=<n>"), see bench/run.sh
 * Lines starting with "@" are machine-readable (bench/run.sh and
 * bench/qemu72/compare.sh read them): "@ <id> <wall min> <wall median>
 * <cpu min> <cpu median>" in ns per call.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "guest.h"
#include "model/model.h"
#include "testbed.h"
#include "xlate/xlate.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif

#define NPAGES 16384u           /* pages mapped at MISS_VA (> default TLB) */
#define HIT_VA 0x10000000ull    /* 256 pages for the hit cases */
#define MISS_VA 0x100000000000ull
#define OFF 0x100000000ull      /* nested: IPA = PA + OFF */
#define MAX_REPS 31

static unsigned reps = 7;
static double scale = 1.0;      /* iteration multiplier */
static double queue_ms = 400;   /* budget of one measured queue run */

/* ---- time and statistics ------------------------------------------------ */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: time spent descheduled is not counted. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct meas {
    double wall[MAX_REPS], cpu[MAX_REPS];
    unsigned n;
    double wmin, wmed, cmin, cmed;
};

static void meas_add(struct meas *m, double wall_ns, double cpu_ns)
{
    if (m->n < MAX_REPS) {
        m->wall[m->n] = wall_ns;
        m->cpu[m->n++] = cpu_ns;
    }
}

static void meas_done(struct meas *m, const char *id)
{
    qsort(m->wall, m->n, sizeof(double), cmp_d);
    qsort(m->cpu, m->n, sizeof(double), cmp_d);
    m->wmin = m->wall[0];
    m->wmed = m->wall[m->n / 2];
    m->cmin = m->cpu[0];
    m->cmed = m->cpu[m->n / 2];
    printf("@ %s %.2f %.2f %.2f %.2f\n", id, m->wmin, m->wmed, m->cmin, m->cmed);
}

static void must(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "bench: %s failed\n", what);
        exit(1);
    }
}

/* ---- guest page tables ---------------------------------------------------- */

/* Map @va (4K page, 4-level, T0SZ 16) in the tree at @root (PA); table
 * pointers are written as PA + @off. */
static void map4k(struct guest *g, uint64_t root, uint64_t off, uint64_t va, uint64_t oa)
{
    uint64_t table = root;
    for (unsigned l = 0; l < 3; l++) {
        unsigned sh = 39 - 9 * l;
        uint64_t a = table + ((va >> sh) & 511) * 8, d = tb_r64(g->tb, a);
        if (!(d & 1)) {
            uint64_t t = guest_alloc(g, 4096, 4096);
            d = (t + off) | 3;
            tb_w64(g->tb, a, d);
        }
        table = (d & fld_mask(47, 12)) - off;
    }
    tb_w64(g->tb, table + ((va >> 12) & 511) * 8,
           oa | 3 | fld_mask(PTE_AF) | fld_set(0, PTE_AP, 1) | fld_mask(PTE_NG));
}

static void cd_4k48(uint64_t cd[8], uint64_t ttb)
{
    memset(cd, 0, 64);
    st_set(cd, CD_V, 1);
    st_set(cd, CD_T0SZ, 16);
    st_set(cd, CD_EPD1, 1);
    st_set(cd, CD_IPS, 5);
    st_set(cd, CD_AA64, 1);
    st_set(cd, CD_R, 1);
    st_set(cd, CD_A, 1);
    st_set(cd, CD_ASID, 1);
    cd[1] |= ttb & fld_mask(55, 4);
}

static uint64_t put_cd(struct guest *g, const uint64_t cd[8])
{
    uint64_t a = guest_alloc(g, 64, 64);
    for (unsigned i = 0; i < 8; i++)
        tb_w64(g->tb, a + 8 * i, cd[i]);
    return a;
}

/* Stream @sid: stage 1, one CD, 4K 4-level tables at @root. */
static void s1_stream(struct guest *g, uint32_t sid, uint64_t root)
{
    uint64_t cd[8], ste[8] = {0};
    cd_4k48(cd, root);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S1);
    ste[0] |= put_cd(g, cd) & fld_mask(STE_S1CTXPTR);
    guest_write_ste(g, sid, ste);
}

static uint64_t hit_va(unsigned i)      /* 256 pages, each with an offset */
{
    return HIT_VA + ((uint64_t)(i & 255) << 12) + ((i * 8) & 0xFF8);
}

static uint64_t miss_va(unsigned i)
{
    return MISS_VA + ((uint64_t)(i % NPAGES) << 12) + ((i * 8) & 0xFF8);
}

/* Page @i (< 256) of the missfar case: its own level-0 entry. */
#define FAR_SHIFT 39
static uint64_t far_va(unsigned i)
{
    return ((uint64_t)(1 + (i & 255)) << FAR_SHIFT) + ((i * 8) & 0xFF8);
}

static uint64_t far_oa(unsigned i)
{
    return 0xA0000000ull + ((uint64_t)(i & 255) << 12);
}

/* ---- translation cases ---------------------------------------------------- */

struct s1bed {
    struct testbed tb;
    struct guest g;
};

static void s1bed_init(struct s1bed *b)
{
    struct vsmmu_config cfg;
    uint64_t root;

    vsmmu_config_default(&cfg);
    memset(b, 0, sizeof(*b));
    tb_init(&b->tb, &cfg);
    tb_map_ram(&b->tb, true);      /* as a VMM would (vsmmu_set_ram) */
    guest_init(&b->g, &b->tb, NULL);
    root = guest_alloc(&b->g, 4096, 4096);
    for (unsigned i = 0; i < 256; i++)
        map4k(&b->g, root, 0, HIT_VA + ((uint64_t)i << 12), 0x80000000ull + ((uint64_t)i << 12));
    for (unsigned i = 0; i < NPAGES; i++)
        map4k(&b->g, root, 0, MISS_VA + ((uint64_t)i << 12), 0x90000000ull + ((uint64_t)i << 12));
    for (unsigned i = 0; i < 256; i++)
        map4k(&b->g, root, 0, far_va(i) & ~0xFFFull, far_oa(i));
    s1_stream(&b->g, 1, root);
}

/* The measured loops: one vsmmu_translate() per iteration. */
static __attribute__((noinline)) uint64_t run_hit(vsmmu_t *s, unsigned long n, unsigned mask,
                                                  unsigned start)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t sum = 0;
    for (unsigned long i = 0; i < n; i++) {
        vsmmu_translate(s, 1, VSMMU_NO_SSID, hit_va((unsigned)(i + start) & mask),
                        VSMMU_ACC_READ, &r);
        sum += r.addr;
    }
    must(r.status == VSMMU_XLATE_OK, "hit translation");
    return sum;
}

static __attribute__((noinline)) uint64_t run_miss(vsmmu_t *s, unsigned first, unsigned n)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        vsmmu_translate(s, 1, VSMMU_NO_SSID, miss_va(first + i), VSMMU_ACC_READ, &r);
        sum += r.addr;
    }
    must(r.status == VSMMU_XLATE_OK &&
         r.addr == 0x90000000ull + ((uint64_t)((first + n - 1) % NPAGES) << 12) +
                   (((first + n - 1) * 8) & 0xFF8), "miss translation");
    return sum;
}

static __attribute__((noinline)) uint64_t run_far(vsmmu_t *s)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t sum = 0;
    for (unsigned i = 0; i < 256; i++) {
        vsmmu_translate(s, 1, VSMMU_NO_SSID, far_va(i), VSMMU_ACC_READ, &r);
        sum += r.addr;
    }
    must(r.status == VSMMU_XLATE_OK && r.addr == (far_oa(255) | (far_va(255) & 0xFFF)),
         "far miss translation");
    return sum;
}

static void tlbi_all(struct guest *g)
{
    uint64_t cmd[2];
    guest_cmd_op(cmd, OP_TLBI_NH_ALL);
    must(guest_cmd_sync(g, cmd) == 0, "TLBI_NH_ALL");
}

static volatile uint64_t sink;
static const char *yn(bool ok);

static void case_hit(vsmmu_t *s, struct meas *m, unsigned mask, const char *id)
{
    unsigned long n = (unsigned long)(2000000 * scale);
    run_hit(s, 256, 255, 0);        /* resident */
    for (unsigned r = 0; r < reps; r++) {
        double w = now(), c = cpu();
        sink += run_hit(s, n, mask, 0);
        meas_add(m, (now() - w) * 1e9 / n, (cpu() - c) * 1e9 / n);
    }
    meas_done(m, id);
}

static void case_miss(struct s1bed *b, struct meas *m, const char *id)
{
    unsigned batches = (unsigned)(64 * scale) + 1;
    unsigned long misses = 0;
    struct vsmmu_stats st0 = VSMMU_STRUCT_INIT(st0), st1 = VSMMU_STRUCT_INIT(st1);

    for (unsigned r = 0; r < reps; r++) {
        double w = 0, c = 0;
        for (unsigned k = 0; k < batches; k++) {
            tlbi_all(&b->g);
            vsmmu_get_stats(b->tb.s, &st0);
            double w0 = now(), c0 = cpu();
            sink += run_miss(b->tb.s, (k * 256) % NPAGES, 256);
            c += cpu() - c0;
            w += now() - w0;
            vsmmu_get_stats(b->tb.s, &st1);
            misses += st1.tlb_misses - st0.tlb_misses;
        }
        meas_add(m, w * 1e9 / (batches * 256.0), c * 1e9 / (batches * 256.0));
    }
    if (misses != (unsigned long)reps * batches * 256)
        printf("note: the miss case counted %lu TLB misses for %lu calls\n", misses,
               (unsigned long)reps * batches * 256);
    meas_done(m, id);
}

static void case_far(struct s1bed *b, struct meas *m, const char *id)
{
    unsigned batches = (unsigned)(64 * scale) + 1;

    for (unsigned r = 0; r < reps; r++) {
        double w = 0, c = 0;
        for (unsigned k = 0; k < batches; k++) {
            tlbi_all(&b->g);
            double w0 = now(), c0 = cpu();
            sink += run_far(b->tb.s);
            c += cpu() - c0;
            w += now() - w0;
        }
        meas_add(m, w * 1e9 / (batches * 256.0), c * 1e9 / (batches * 256.0));
    }
    meas_done(m, id);
}

/* @n of the NPAGES pages at MISS_VA, spread pseudo-randomly (a shuffle by
 * xorshift, fixed seed): a working set without the regularity of
 * consecutive pages, which the set index spreads perfectly. */
#define SCATTER_N 2048u
static uint64_t scatter_va[SCATTER_N];

static void scatter_init(void)
{
    static uint32_t perm[NPAGES];
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (unsigned i = 0; i < NPAGES; i++)
        perm[i] = i;
    for (unsigned i = 0; i < SCATTER_N; i++) {
        unsigned j;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        j = i + (unsigned)(x % (NPAGES - i));
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        scatter_va[i] = MISS_VA + ((uint64_t)perm[i] << 12) + ((i * 8) & 0xFF8);
    }
}

static __attribute__((noinline)) uint64_t run_scatter(vsmmu_t *s, unsigned n)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        vsmmu_translate(s, 1, VSMMU_NO_SSID, scatter_va[i], VSMMU_ACC_READ, &r);
        sum += r.addr;
    }
    must(r.status == VSMMU_XLATE_OK, "scattered translation");
    return sum;
}

/* One pass over the working set of a cycle case: @pages consecutive pages
 * from MISS_VA, or (@scattered) the first @pages of scatter_va. */
static uint64_t cycle_pass(vsmmu_t *s, unsigned pages, bool scattered)
{
    return scattered ? run_scatter(s, pages) : run_miss(s, 0, pages);
}

/* @pages cycled @reps times; returns the miss rate (%) after a first pass. */
static double case_cycle(struct s1bed *b, struct meas *m, unsigned pages, bool scattered,
                         const char *id)
{
    unsigned long n = (unsigned long)(400000 * scale), hits = 0, misses = 0;
    struct vsmmu_stats st0 = VSMMU_STRUCT_INIT(st0), st1 = VSMMU_STRUCT_INIT(st1);

    tlbi_all(&b->g);
    sink += cycle_pass(b->tb.s, pages, scattered);
    for (unsigned r = 0; r < reps; r++) {
        vsmmu_get_stats(b->tb.s, &st0);
        double w = now(), c = cpu();
        for (unsigned long done = 0; done < n; done += pages)
            sink += cycle_pass(b->tb.s, pages, scattered);
        double calls = (double)((n + pages - 1) / pages * pages);
        meas_add(m, (now() - w) * 1e9 / calls, (cpu() - c) * 1e9 / calls);
        vsmmu_get_stats(b->tb.s, &st1);
        hits += st1.tlb_hits - st0.tlb_hits;
        misses += st1.tlb_misses - st0.tlb_misses;
    }
    meas_done(m, id);
    return hits + misses ? 100.0 * (double)misses / (double)(hits + misses) : 0;
}

/* Nested: stage-1 tables and CD behind stage 2 (4K, 48-bit IPA, 2 MB
 * blocks for RAM, 1 GB blocks for the output). */
static void nested_bed(struct s1bed *b)
{
    struct vsmmu_config cfg;
    uint64_t cd[8], ste[8] = {0}, root, sroot, l1;

    vsmmu_config_default(&cfg);
    memset(b, 0, sizeof(*b));
    tb_init(&b->tb, &cfg);
    tb_map_ram(&b->tb, true);      /* as a VMM would (vsmmu_set_ram) */
    guest_init(&b->g, &b->tb, NULL);
    sroot = guest_alloc(&b->g, 4096, 4096);
    for (uint64_t a = 0; a < TB_RAM_SIZE; a += 0x200000) {
        uint64_t ipa = OFF + TB_RAM_BASE + a, table = sroot;
        for (unsigned l = 0; l < 2; l++) {
            unsigned sh = 39 - 9 * l;
            uint64_t sa = table + ((ipa >> sh) & 511) * 8, d = tb_r64(&b->tb, sa);
            if (!(d & 1)) {
                d = guest_alloc(&b->g, 4096, 4096) | 3;
                tb_w64(&b->tb, sa, d);
            }
            table = d & fld_mask(47, 12);
        }
        tb_w64(&b->tb, table + ((ipa >> 21) & 511) * 8,
               (TB_RAM_BASE + a) | 1 | fld_mask(PTE_AF) | fld_set(0, PTE_S2AP, 3) |
               fld_set(0, PTE_S2_MEMATTR, 0xF));
    }
    l1 = tb_r64(&b->tb, sroot) & fld_mask(47, 12);
    for (unsigned i = 2; i < 4; i++)
        tb_w64(&b->tb, l1 + 8 * i, ((uint64_t)i << 30) | 1 | fld_mask(PTE_AF) |
               fld_set(0, PTE_S2AP, 3) | fld_set(0, PTE_S2_MEMATTR, 0xF));
    root = guest_alloc(&b->g, 4096, 4096);
    for (unsigned i = 0; i < NPAGES; i++)
        map4k(&b->g, root, OFF, MISS_VA + ((uint64_t)i << 12), 0x90000000ull + ((uint64_t)i << 12));
    cd_4k48(cd, root + OFF);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_NESTED);
    ste[0] |= (put_cd(&b->g, cd) + OFF) & fld_mask(STE_S1CTXPTR);
    st_set(ste, STE_S2VMID, 1);
    st_set(ste, STE_S2T0SZ, 16);
    st_set(ste, STE_S2SL0, 2);
    st_set(ste, STE_S2PS, 5);
    st_set(ste, STE_S2AA64, 1);
    st_set(ste, STE_S2R, 1);
    ste[3] |= sroot & fld_mask(55, 4);
    guest_write_ste(&b->g, 1, ste);
}

static void case_nested(struct s1bed *b, struct meas *m)
{
    unsigned batches = (unsigned)(16 * scale) + 1;
    for (unsigned r = 0; r < reps; r++) {
        double w = 0, c = 0;
        for (unsigned k = 0; k < batches; k++) {
            must(guest_tlbi_nsnh_all(&b->g) == 0, "TLBI_NSNH_ALL");
            double w0 = now(), c0 = cpu();
            sink += run_miss(b->tb.s, (k * 256) % NPAGES, 256);
            c += cpu() - c0;
            w += now() - w0;
        }
        meas_add(m, w * 1e9 / (batches * 256.0), c * 1e9 / (batches * 256.0));
    }
    meas_done(m, "nested");
}

/* ---- threads -------------------------------------------------------------- */

/* The CPUs the threads are pinned to (hit256, 1 / 2 threads): the first two
 * this process may run on; ncpus < 2: not pinned. */
static int pin_cpu[2];
static unsigned ncpus;

static void pick_cpus(void)
{
    cpu_set_t set;

    ncpus = 0;
    if (sched_getaffinity(0, sizeof(set), &set))
        return;
    for (int c = 0; c < CPU_SETSIZE && ncpus < 2; c++)
        if (CPU_ISSET(c, &set))
            pin_cpu[ncpus++] = c;
}

/* Pin the calling thread to @cpu (-1: leave it). */
static void pin_self(int cpu)
{
    cpu_set_t set;

    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    must(pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0,
         "pthread_setaffinity_np");
}

struct thr {
    vsmmu_t *s;
    unsigned long n;
    unsigned start;
    int cpu;                /* pin to this CPU (-1: not pinned) */
    pthread_barrier_t *bar;
    double cpu_s, t0, t1;   /* thread CPU seconds; wall clock at start, end */
    bool first_slot;        /* hits answered from the first candidate slot */
};

static void *hit_thread(void *arg)
{
    struct thr *t = arg;
    pin_self(t->cpu);
    run_hit(t->s, 256, 255, t->start);  /* claim the slot, fill its front cache */
    pthread_barrier_wait(t->bar);
    t->t0 = now();
    double c = cpu();
    uint64_t sum = run_hit(t->s, t->n, 255, t->start);
    t->cpu_s = cpu() - c;
    t->t1 = now();
    /* A thread whose first candidate slot index is another's takes the
     * longer path on every hit (translate.c): say so rather than hide it. */
    uintptr_t me = vsmmu_self();
    t->first_slot = __atomic_load_n(&t->s->xl_slots->owner[xl_slot_idx(me)],
                                    __ATOMIC_RELAXED) == me;
    __atomic_fetch_add(&sink, sum, __ATOMIC_RELAXED);
    return NULL;
}

/* hit256 from @nt threads at once (the second on instance @s2), each
 * pinned to its own CPU when there are two, started together by a
 * barrier: wall ns per call per thread,
 * and thread CPU ns per call (the threads' CPU time over their calls);
 * *tput = calls per wall second.  The wall span runs from the first
 * thread's start to the last one's end, as the threads themselves read
 * the clock (the main thread may be descheduled around the barrier and
 * the joins).  *slow: threads not on their first candidate slot. */
static void threads_once(vsmmu_t *s, vsmmu_t *s2, unsigned nt, unsigned long n,
                         double *wall_ns, double *cpu_ns, double *tput, unsigned *slow)
{
    pthread_t th[2];
    struct thr t[2];
    pthread_barrier_t bar;
    double w, c = 0;

    pthread_barrier_init(&bar, NULL, nt);
    for (unsigned i = 0; i < nt; i++) {
        t[i] = (struct thr){ .s = i ? s2 : s, .n = n, .start = 128 * i, .bar = &bar,
                             .cpu = ncpus >= 2 ? pin_cpu[i] : -1 };
        must(pthread_create(&th[i], NULL, hit_thread, &t[i]) == 0, "pthread_create");
    }
    for (unsigned i = 0; i < nt; i++) {
        pthread_join(th[i], NULL);
        c += t[i].cpu_s;
        *slow += !t[i].first_slot;
    }
    double t0 = t[0].t0, t1 = t[0].t1;
    for (unsigned i = 1; i < nt; i++) {
        t0 = t[i].t0 < t0 ? t[i].t0 : t0;
        t1 = t[i].t1 > t1 ? t[i].t1 : t1;
    }
    w = t1 - t0;
    pthread_barrier_destroy(&bar);
    *wall_ns = w * 1e9 / n;
    *cpu_ns = c * 1e9 / ((double)n * nt);
    *tput = (double)n * nt / w;
}

/* hit256 on one CPU while a thread on the other writes a register in a
 * loop (GERRORN, unchanged: the write takes the instance lock and records
 * its effect): what another vCPU's MMIO costs the translating one.  The
 * hit path writes nothing shared, and what it reads of the instance lies
 * on a cache line no MMIO write touches. */
static volatile int mmio_stop;

static void *mmio_writer(void *arg)
{
    struct thr *t = arg;
    unsigned long k = 0;

    pin_self(t->cpu);
    pthread_barrier_wait(t->bar);
    while (!mmio_stop) {
        vsmmu_mmio_write(t->s, R_GERRORN, 4, 0);
        k++;
    }
    t->n = k;
    return NULL;
}

static void case_hit_mmio(vsmmu_t *s, struct meas *m, double *writes_per_us)
{
    unsigned long n = (unsigned long)(4000000 * scale), writes = 0;
    double span = 0;

    pick_cpus();
    for (unsigned r = 0; r < reps; r++) {
        pthread_t th, tw;
        pthread_barrier_t bar;
        struct thr h = { .s = s, .n = n, .cpu = ncpus >= 2 ? pin_cpu[0] : -1, .bar = &bar };
        struct thr w = { .s = s, .cpu = ncpus >= 2 ? pin_cpu[1] : -1, .bar = &bar };

        pthread_barrier_init(&bar, NULL, 2);
        mmio_stop = 0;
        must(pthread_create(&tw, NULL, mmio_writer, &w) == 0, "pthread_create");
        must(pthread_create(&th, NULL, hit_thread, &h) == 0, "pthread_create");
        pthread_join(th, NULL);
        mmio_stop = 1;
        pthread_join(tw, NULL);
        pthread_barrier_destroy(&bar);
        meas_add(m, (h.t1 - h.t0) * 1e9 / n, h.cpu_s * 1e9 / n);
        writes += w.n;
        span += h.t1 - h.t0;
    }
    meas_done(m, "hitmmio");
    *writes_per_us = writes / span * 1e-6;
}

/* The 2-thread ratio as the target states it, throughput per CPU second:
 * 2 x CPU per call (1 thread) / CPU per call (per thread of 2).  Each
 * repetition runs, in turn, 1 thread, 2 threads on the instance, and 2
 * threads on two instances (nothing shared at all: what the machine gives
 * two busy CPUs, e.g. when the host runs both vCPUs on one core's two
 * hardware threads), so that a slow spell of the host (which thread CPU
 * time counts: the guest cannot see a vCPU taken away) weighs on all three;
 * each repetition gives a ratio for one instance and one for two. */
struct ratio {
    double one[MAX_REPS], two[MAX_REPS];   /* per repetition, sorted */
    unsigned n, slow;
    double tput1, tput2;
};

static void case_threads(vsmmu_t *s, vsmmu_t *other, struct meas *m1, struct meas *m2,
                         struct ratio *q)
{
    unsigned long n = (unsigned long)(4000000 * scale);
    unsigned nrep = reps < 9 ? 9 : reps;

    memset(q, 0, sizeof(*q));
    pick_cpus();
    for (unsigned r = 0; r < nrep; r++) {
        double w1, c1, tp1, w2, c2, tp2, w3, c3, tp3;
        threads_once(s, s, 1, n, &w1, &c1, &tp1, &q->slow);
        threads_once(s, s, 2, n, &w2, &c2, &tp2, &q->slow);
        threads_once(s, other, 2, n, &w3, &c3, &tp3, &q->slow);
        meas_add(m1, w1, c1);
        meas_add(m2, w2, c2);
        q->one[q->n] = 2 * c1 / c2;
        q->two[q->n++] = 2 * c1 / c3;
        q->tput1 = tp1 > q->tput1 ? tp1 : q->tput1;
        q->tput2 = tp2 > q->tput2 ? tp2 : q->tput2;
    }
    meas_done(m1, "threads1");
    meas_done(m2, "threads2");
    qsort(q->one, q->n, sizeof(double), cmp_d);
    qsort(q->two, q->n, sizeof(double), cmp_d);
}

static void threads_report(const struct meas *t1, const struct meas *t2, const struct ratio *q)
{
    unsigned h = q->n / 2, e = q->n - 1;

    printf("2 threads / 1 thread, per CPU second (2 x CPU per call of 1 / of 2), %u "
           "repetitions: one instance min %.2fx, median %.2fx, max %.2fx [target >=1.9x, "
           "median: %s]; two instances (nothing shared) min %.2fx, median %.2fx, max %.2fx; "
           "from the CPU minima %.2fx; best wall throughput %.2fx\n", q->n, q->one[0],
           q->one[h], q->one[e], yn(q->one[h] >= 1.9), q->two[0], q->two[h], q->two[e],
           2 * t1->cmin / t2->cmin, q->tput2 / q->tput1);
    if (ncpus >= 2)
        printf("(threads pinned to CPUs %d and %d", pin_cpu[0], pin_cpu[1]);
    else
        printf("(threads not pinned: this process may run on %u CPU", ncpus);
    printf("; %u thread runs not on their first slot)\n", q->slow);
    printf("@ ratio_threads %.3f %.3f %.3f %.3f %.3f\n", q->tput2 / q->tput1, q->one[h],
           q->one[0], q->one[e], q->two[h]);
}

/* ---- command queue -------------------------------------------------------- */

enum scope { SC_NH_ALL, SC_NH_ASID, SC_NH_VA, SC_S12_VMALL, SC_CFGI_ALL, SC_STE_RANGE,
             SC_MIX, SC_N };
static const char *const scope_name[SC_N] = {
    "TLBI_NH_ALL", "TLBI_NH_ASID", "TLBI_NH_VA (range)", "TLBI_S12_VMALL", "CFGI_ALL",
    "CFGI_STE_RANGE", "mix + CMD_SYNC/MSI",
};
static const char *const scope_id[SC_N] = {
    "q_nh_all", "q_nh_asid", "q_nh_va", "q_s12_vmall", "q_cfgi_all", "q_ste_range", "q_mix",
};

#define QLOG2 19
#define QFULL (1u << QLOG2)

/* The @i-th command of a queue of scope @sc. */
static void scope_cmd(enum scope sc, unsigned i, uint64_t cmd[2])
{
    cmd[0] = cmd[1] = 0;
    switch (sc) {
    case SC_NH_ALL:
        st_set(cmd, CMD_OP, OP_TLBI_NH_ALL);
        break;
    case SC_NH_ASID:
        st_set(cmd, CMD_OP, OP_TLBI_NH_ASID);
        st_set(cmd, CMD_ASID, 1);
        break;
    case SC_NH_VA:      /* range: 4K granule, NUM 31, SCALE 20 (2^106 pages) */
        st_set(cmd, CMD_OP, OP_TLBI_NH_VA);
        st_set(cmd, CMD_ASID, 1);
        st_set(cmd, CMD_TG, 1);
        st_set(cmd, CMD_NUM, 31);
        st_set(cmd, CMD_SCALE, 20);
        break;
    case SC_S12_VMALL:
        st_set(cmd, CMD_OP, OP_TLBI_S12_VMALL);
        break;
    case SC_CFGI_ALL:
        st_set(cmd, CMD_OP, OP_CFGI_STE_RANGE);
        st_set(cmd, CMD_RANGE, 31);
        break;
    case SC_STE_RANGE:  /* 1024 StreamIDs */
        st_set(cmd, CMD_OP, OP_CFGI_STE_RANGE);
        st_set(cmd, CMD_RANGE, 9);
        break;
    case SC_MIX:
        switch (i % 8) {
        case 0: case 4:
            st_set(cmd, CMD_OP, OP_TLBI_NH_VA);
            st_set(cmd, CMD_ASID, 1);
            st_set(cmd, CMD_ADDR, (MISS_VA >> 12) + i % NPAGES);
            break;
        case 1:
            st_set(cmd, CMD_OP, OP_CFGI_STE);
            st_set(cmd, CMD_SID, 1);
            break;
        case 2:
            st_set(cmd, CMD_OP, OP_CFGI_CD);
            st_set(cmd, CMD_SID, 1);
            break;
        case 3: case 5:
            st_set(cmd, CMD_OP, OP_TLBI_NH_ASID);
            st_set(cmd, CMD_ASID, 1);
            break;
        case 6:
            st_set(cmd, CMD_OP, OP_TLBI_S12_VMALL);
            break;
        default:        /* CMD_SYNC completing with an MSI write to RAM */
            st_set(cmd, CMD_OP, OP_SYNC);
            st_set(cmd, CMD_SYNC_CS, SYNC_CS_IRQ);
            st_set(cmd, CMD_SYNC_MSIDATA, i);
            st_set(cmd, CMD_SYNC_MSIADDR, (TB_RAM_BASE + 0x200) >> 2);
            break;
        }
        break;
    default:
        break;
    }
}

struct prober {
    vsmmu_t *s;
    atomic_int state;           /* 0 wait, 1 probe, 2 stop */
    atomic_int ready;
    double max_read;            /* longest IDR0 read, whatever the cause */
    double max_wait;            /* longest read that waited for the model */
};

/* Another vCPU thread: reads IDR0 in a loop.  A slow read (> 20 us) counts
 * as waiting for the model when the thread slept in it (a voluntary
 * context switch: blocked on a lock) or ran for most of it (spinning);
 * otherwise it was only preempted by other load on the machine. */
static void *probe_thread(void *arg)
{
    struct prober *p = arg;
    struct rusage ru;
    long nvcsw;
    uint64_t v;

    getrusage(RUSAGE_THREAD, &ru);
    nvcsw = ru.ru_nvcsw;
    atomic_store(&p->ready, 1);
    while (atomic_load(&p->state) == 0)
        ;
    while (atomic_load(&p->state) == 1) {
        double t = now(), c = cpu();
        vsmmu_mmio_read(p->s, R_IDR0, 4, &v);
        t = now() - t;
        if (t > p->max_read)
            p->max_read = t;
        if (t > 20e-6) {
            bool spun = cpu() - c > 0.5 * t;
            getrusage(RUSAGE_THREAD, &ru);
            if ((ru.ru_nvcsw != nvcsw || spun) && t > p->max_wait)
                p->max_wait = t;
            nvcsw = ru.ru_nvcsw;
        }
    }
    return NULL;
}

struct qbed {
    struct testbed tb;
    struct guest g;
    unsigned fill;              /* pages put in the TLB before each run */
    uint64_t root;
};

/* Queue of 2^19 commands; stream 1 with @fill pages mapped (at MISS_VA). */
static void qbed_init(struct qbed *q, const struct vsmmu_config *cfg, unsigned fill)
{
    struct guest_opts o = { .cmdq_log2 = QLOG2, .msi = true };
    memset(q, 0, sizeof(*q));
    tb_init(&q->tb, cfg);
    guest_init(&q->g, &q->tb, &o);
    q->root = guest_alloc(&q->g, 4096, 4096);
    q->fill = fill;
    for (unsigned i = 0; i < fill; i++)
        map4k(&q->g, q->root, 0, MISS_VA + ((uint64_t)i << 12), 0x90000000ull + ((uint64_t)(i % 65536) << 12));
    s1_stream(&q->g, 1, q->root);
}

static void qbed_fill_tlb(struct qbed *q)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    for (unsigned i = 0; i < q->fill; i++)
        vsmmu_translate(q->tb.s, 1, VSMMU_NO_SSID, MISS_VA + ((uint64_t)i << 12), VSMMU_ACC_READ, &r);
}

/* Publish @n commands of @sc with one CMDQ_PROD write; returns its wall
 * time (s), *wait the longest IDR0 read of the probe thread meanwhile that
 * waited for the model, *read its longest read. */
static double queue_run(struct testbed *tb, struct guest *g, enum scope sc, unsigned n,
                        double *wait, double *read)
{
    uint32_t prod = tb_readl(tb, R_CMDQ_PROD), cons = tb_readl(tb, R_CMDQ_CONS), np;
    struct prober p = { .s = tb->s };
    pthread_t th;
    uint64_t cmd[2];
    double t;

    must(prod == cons, "empty command queue");
    for (unsigned i = 0; i < n; i++) {
        uint32_t idx = q_index(prod + i, QLOG2);
        scope_cmd(sc, i, cmd);
        tb_w64(tb, g->cmdq + (uint64_t)idx * 16, cmd[0]);
        tb_w64(tb, g->cmdq + (uint64_t)idx * 16 + 8, cmd[1]);
    }
    np = (prod + n) & q_wrmask(QLOG2);
    must(pthread_create(&th, NULL, probe_thread, &p) == 0, "pthread_create");
    while (!atomic_load(&p.ready))
        ;
    atomic_store(&p.state, 1);
    t = now();
    tb_writel(tb, R_CMDQ_PROD, np);
    t = now() - t;
    atomic_store(&p.state, 2);
    pthread_join(th, NULL);
    g->cmdq_prod = np;
    must(tb_readl(tb, R_CMDQ_CONS) == np, "the whole queue was consumed");
    *wait = p.max_wait;
    *read = p.max_read;
    return t;
}

struct qres {
    double full_ms;     /* measured or extrapolated time of a full queue */
    double wait_ms;     /* longest IDR0 read that waited for the model */
    double read_ms;     /* longest IDR0 read (preemption included) */
    unsigned n;         /* commands in the measured run */
};

/* Double the queue from 64 commands until the run takes queue_ms or the
 * queue is full; extrapolate linearly to 2^19 commands.  @prep (may be
 * NULL) runs before every run. */
static struct qres queue_case(struct testbed *tb, struct guest *g, enum scope sc,
                              void (*prep)(void *), void *arg)
{
    struct qres r = {0};
    unsigned n = 64;
    for (;;) {
        double wait, read, t;
        if (prep)
            prep(arg);
        t = queue_run(tb, g, sc, n, &wait, &read);
        r.n = n;
        r.wait_ms = wait * 1e3;
        r.read_ms = read * 1e3;
        r.full_ms = t * 1e3 * QFULL / n;
        if (n == QFULL || t * 1e3 * 2 >= queue_ms)
            break;
        n = t * 1e3 * QFULL / n <= queue_ms ? QFULL : n * 2;
    }
    return r;
}

static void prep_fill(void *arg)
{
    qbed_fill_tlb(arg);
}

/* ---- accel mode ----------------------------------------------------------- */

#define ACCEL_DEVS 16

struct abed {
    struct testbed tb;
    struct guest g;
    vsmmu_iommufd_t *sim;
    struct vsmmu_iommufd_dev dev[ACCEL_DEVS];
};

static void abed_init(struct abed *a, unsigned ndev, unsigned cmdq_log2)
{
    struct vsmmu_config cfg;
    struct guest_opts o = { .cmdq_log2 = cmdq_log2, .evtq_log2 = 12 };
    uint32_t s2[ACCEL_DEVS];

    memset(a, 0, sizeof(*a));
    vsmmu_config_default(&cfg);
    cfg.accel = true;
    cfg.stage2 = false;
    tb_init(&a->tb, &cfg);
    must(vsmmu_iommufd_sim_create(&a->sim) == 0, "vsmmu_iommufd_sim_create");
    for (unsigned i = 0; i < ndev; i++) {
        a->dev[i].struct_size = sizeof(a->dev[i]);
        must(vsmmu_sim_add_device(a->sim, NULL, &a->dev[i], &s2[i]) == 0, "vsmmu_sim_add_device");
    }
    must(vsmmu_accel_set_iommufd(a->tb.s, a->sim) == 0, "vsmmu_accel_set_iommufd");
    guest_init(&a->g, &a->tb, &o);
    for (unsigned i = 0; i < ndev; i++) {
        uint64_t ste[8] = {0};
        must(vsmmu_accel_attach(a->tb.s, 0x10 + i, &a->dev[i], s2[i]) == 0, "vsmmu_accel_attach");
        st_set(ste, STE_V, 1);
        st_set(ste, STE_CONFIG, STE_CFG_S1);
        ste[0] |= 0x40080000ull & fld_mask(STE_S1CTXPTR);
        st_set(ste, STE_S1CIR, 1);
        st_set(ste, STE_S1COR, 1);
        st_set(ste, STE_S1CSH, 3);
        guest_write_ste(&a->g, 0x10 + i, ste);
    }
}

static unsigned sim_calls(vsmmu_iommufd_t *t)
{
    unsigned n = 0;
    for (unsigned op = 0; op < VSMMU_SIM_NR_OPS; op++)
        n += vsmmu_sim_calls(t, (enum vsmmu_sim_op)op);
    return n;
}

static void abed_fini(struct abed *a)
{
    vsmmu_destroy(a->tb.s);
    a->tb.s = NULL;
    vsmmu_iommufd_close(a->sim);
    free(a->tb.ram);
    a->tb.ram = NULL;
}

static void host_rec(uint8_t rec[32], unsigned i)
{
    uint64_t w[4] = { 0, 0, 0x8000000ull + 0x1000ull * (i & 255), 0 };
    st_set(w, EVT_TYPE, EVT_F_TRANSLATION);
    st_set(w, EVT_RNW, 1);
    st_set(w, EVT_CLASS, EVT_CLASS_TT);
    for (unsigned k = 0; k < 4; k++)
        vsmmu_put_le64(rec + 8 * k, w[k]);
}

/* Host events delivered by vsmmu_accel_process_events(), @batch per call:
 * ns per event (only process_events is timed; the guest's queue is
 * emptied between calls). */
static void case_events(struct abed *a, unsigned batch, struct meas *m, const char *id)
{
    unsigned long total = (unsigned long)(20000 * scale) / batch * batch + batch;
    uint8_t rec[32];

    for (unsigned r = 0; r < reps; r++) {
        double w = 0, c = 0;
        for (unsigned long done = 0; done < total; done += batch) {
            if (batch == 1) {
                /* One event per read: 64 rounds of (the host queues one,
                 * vsmmu reads and delivers it) timed together, so that the
                 * clocks are not read around every event (a thread-CPU clock
                 * read is a system call, dearer than the event); the
                 * simulated kernel's queueing is inside the time. */
                unsigned n = total - done < 64 ? (unsigned)(total - done) : 64;
                double w0 = now(), c0 = cpu();
                for (unsigned k = 0; k < n; k++) {
                    host_rec(rec, k);
                    must(vsmmu_sim_host_event(a->sim, a->dev[0].dev_id, rec) == 1, "host event");
                    must(vsmmu_accel_process_events(a->tb.s) == 1, "event delivered");
                }
                c += cpu() - c0;
                w += now() - w0;
                done += n - 1;
                tb_writel(&a->tb, R_EVENTQ_CONS, tb_readl(&a->tb, R_EVENTQ_PROD));
                continue;
            }
            for (unsigned k = 0; k < batch; k++) {
                host_rec(rec, k);
                must(vsmmu_sim_host_event(a->sim, a->dev[0].dev_id, rec) == 1, "host event");
            }
            double w0 = now(), c0 = cpu();
            int got = 0, rc;
            while (got < (int)batch && (rc = vsmmu_accel_process_events(a->tb.s)) > 0)
                got += rc;
            c += cpu() - c0;
            w += now() - w0;
            must(got == (int)batch, "events delivered");
            tb_writel(&a->tb, R_EVENTQ_CONS, tb_readl(&a->tb, R_EVENTQ_PROD));
        }
        meas_add(m, w * 1e9 / total, c * 1e9 / total);
    }
    meas_done(m, id);
}

/* One event per read, deliveries only: what the VMM pays per event.  The
 * host queues one event (the simulated kernel's work, untimed: a real
 * kernel does it in its own context), then the one
 * vsmmu_accel_process_events() call that delivers it is timed alone with
 * CLOCK_MONOTONIC (the vDSO clock, no system call; a thread-CPU clock read
 * is a system call dearer than the event).  The clock pair's own cost,
 * measured in the same repetition with empty windows, is subtracted.
 * wall: every window; cpu column: windows over DESCHED_NS left out (the
 * thread was descheduled or the host took the vCPU, which the thread's CPU
 * time would not count either; the number left out is printed). */
#define DESCHED_NS 20000.0

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void case_events_deliver(struct abed *a, struct meas *m, const char *id)
{
    unsigned long total = (unsigned long)(20000 * scale), left_out = 0;
    uint8_t rec[32];
    double clk_min = 1e9;

    for (unsigned r = 0; r < reps; r++) {
        double all = 0, kept = 0, clk = 0;
        unsigned long nkept = 0, nclk = 0;
        for (unsigned long i = 0; i < total; i++) {
            double d = -now_ns();
            d += now_ns();
            if (d < DESCHED_NS) {
                clk += d;
                nclk++;
            }
        }
        clk = nclk ? clk / nclk : 0;
        clk_min = clk < clk_min ? clk : clk_min;
        for (unsigned long i = 0; i < total; i++) {
            host_rec(rec, (unsigned)i);
            must(vsmmu_sim_host_event(a->sim, a->dev[0].dev_id, rec) == 1, "host event");
            double d = -now_ns();
            int rc = vsmmu_accel_process_events(a->tb.s);
            d += now_ns();
            must(rc == 1, "event delivered");
            all += d;
            if (d < DESCHED_NS) {
                kept += d;
                nkept++;
            }
            if ((i & 63) == 63)
                tb_writel(&a->tb, R_EVENTQ_CONS, tb_readl(&a->tb, R_EVENTQ_PROD));
        }
        tb_writel(&a->tb, R_EVENTQ_CONS, tb_readl(&a->tb, R_EVENTQ_PROD));
        left_out += total - nkept;
        meas_add(m, all / total - clk, (nkept ? kept / nkept : all / total) - clk);
    }
    meas_done(m, id);
    printf("@ %s_clock %.1f %lu\n", id, clk_min, left_out);
}

/* ---- callgrind mode ------------------------------------------------------- */

#ifdef HAVE_CALLGRIND
/* The miss and missfar cases: the last batch of each counted. */
static void cg_misses(struct s1bed *b, const char *near, const char *far)
{
    for (unsigned k = 0; k < 16; k++) {
        tlbi_all(&b->g);
        CALLGRIND_ZERO_STATS;   /* only the last batch's calls count */
        run_miss(b->tb.s, k * 256, 256);
    }
    CALLGRIND_DUMP_STATS_AT(near);
    for (unsigned k = 0; k < 4; k++) {
        tlbi_all(&b->g);
        CALLGRIND_ZERO_STATS;
        run_far(b->tb.s);
    }
    CALLGRIND_DUMP_STATS_AT(far);
}

static void callgrind_mode(void)
{
    static struct s1bed b, n;
    static struct abed a;
    char desc[64];
    const unsigned hit_calls = 20000;

    s1bed_init(&b);
    run_hit(b.tb.s, 256, 0, 0);
    CALLGRIND_ZERO_STATS;
    run_hit(b.tb.s, hit_calls, 0, 0);
    snprintf(desc, sizeof(desc), "case=hit1 calls=%u", hit_calls);
    CALLGRIND_DUMP_STATS_AT(desc);

    run_hit(b.tb.s, 256, 255, 0);
    CALLGRIND_ZERO_STATS;
    run_hit(b.tb.s, hit_calls, 255, 0);
    snprintf(desc, sizeof(desc), "case=hit256 calls=%u", hit_calls);
    CALLGRIND_DUMP_STATS_AT(desc);

    cg_misses(&b, "case=miss calls=256", "case=missfar calls=256");
    /* The same two without the RAM map: every table read a mem_read call. */
    tb_map_ram(&b.tb, false);
    cg_misses(&b, "case=misscb calls=256", "case=missfarcb calls=256");
    tb_map_ram(&b.tb, true);

    run_miss(b.tb.s, 0, 4096);
    CALLGRIND_ZERO_STATS;
    run_miss(b.tb.s, 0, 8192);
    CALLGRIND_DUMP_STATS_AT("case=cycle4096 calls=8192");

    tlbi_all(&b.g);
    run_miss(b.tb.s, 0, 2048);
    CALLGRIND_ZERO_STATS;
    run_miss(b.tb.s, 0, 2048);
    run_miss(b.tb.s, 0, 2048);
    CALLGRIND_DUMP_STATS_AT("case=cycle2048 calls=4096");

    tlbi_all(&b.g);
    run_scatter(b.tb.s, SCATTER_N);
    CALLGRIND_ZERO_STATS;
    run_scatter(b.tb.s, SCATTER_N);
    run_scatter(b.tb.s, SCATTER_N);
    CALLGRIND_DUMP_STATS_AT("case=scatter2048 calls=4096");
    tb_fini(&b.tb);

    nested_bed(&n);
    for (unsigned k = 0; k < 4; k++) {
        must(guest_tlbi_nsnh_all(&n.g) == 0, "TLBI_NSNH_ALL");
        CALLGRIND_ZERO_STATS;
        run_miss(n.tb.s, k * 256, 256);
    }
    CALLGRIND_DUMP_STATS_AT("case=nested calls=256");
    tb_fini(&n.tb);

    /* Host events (counted inside vsmmu_accel_process_events: run.sh
     * toggles collection there too), per event delivered. */
    abed_init(&a, 1, 8);
    for (unsigned round = 0; round < 2; round++) {
        uint8_t rec[32];
        CALLGRIND_ZERO_STATS;
        for (unsigned k = 0; k < 64; k++) {
            host_rec(rec, k);
            must(vsmmu_sim_host_event(a.sim, a.dev[0].dev_id, rec) == 1, "host event");
            if (round == 0)
                must(vsmmu_accel_process_events(a.tb.s) == 1, "event delivered");
        }
        if (round == 1) {
            int got = 0, rc;
            while (got < 64 && (rc = vsmmu_accel_process_events(a.tb.s)) > 0)
                got += rc;
            must(got == 64, "events delivered");
        }
        CALLGRIND_DUMP_STATS_AT(round ? "case=events64 calls=64" : "case=events1 calls=64");
        tb_writel(&a.tb, R_EVENTQ_CONS, tb_readl(&a.tb, R_EVENTQ_PROD));
    }
    abed_fini(&a);
}
#endif

/* ---- report --------------------------------------------------------------- */

static void row(const char *name, const struct meas *m, const char *target, const char *met)
{
    printf("| %-40s | %8.1f | %8.1f | %8.1f | %8.1f | %-18s | %-7s |\n", name, m->wmin,
           m->wmed, m->cmin, m->cmed, target, met);
}

static const char *yn(bool ok)
{
    return ok ? "met" : "NOT met";
}

static void line(void)
{
    printf("+------------------------------------------+----------+----------+----------+----------+--------------------+---------+\n");
}

static void qline(void)
{
    printf("+------------------------------------------+-----------------+--------------+--------------+---------+---------+---------+\n");
}

static void qheader(void)
{
    qline();
    printf("| scope                                    | full queue      | IDR0 wait    | longest read | cmds run| <50 ms  | <=1 ms  |\n");
    qline();
}

static void queue_row(const char *name, const char *id, struct qres r)
{
    bool ext = r.n < QFULL;
    char t[32];
    snprintf(t, sizeof(t), "%s%.1f", ext ? "~" : "", r.full_ms);
    printf("| %-40s | %12s ms | %9.3f ms | %9.3f ms | %7u | %-7s | %-7s |\n", name, t,
           r.wait_ms, r.read_ms, r.n, yn(r.full_ms < 50),
           r.wait_ms <= 1 ? (ext ? "met?" : "met") : "NOT met");
    printf("@ %s %.3f %.3f %.3f %u\n", id, r.full_ms, r.wait_ms, r.read_ms, r.n);
}

static void queue_table(void)
{
    struct vsmmu_config cfg;
    static struct qbed q;
    static struct abed a;
    const unsigned tlbs[2] = { 0, 1u << 20 };

    printf("\nFull command queue (2^19 commands, one CMDQ_PROD write).  \"~\": extrapolated\n"
           "linearly from the largest run that fitted the budget (%.0f ms, BENCH_QUEUE_MS);\n"
           "IDR0 wait: longest IDR0 read by another thread during that run that waited\n"
           "for the model (slept or spun in it; met?: only a partial queue was run);\n"
           "longest read: the same, preemption by other load included.\n", queue_ms);
    for (unsigned t = 0; t < 2; t++) {
        vsmmu_config_default(&cfg);
        if (tlbs[t])
            cfg.tlb_entries = tlbs[t];
        qbed_init(&q, &cfg, cfg.tlb_entries < (1u << 18) ? cfg.tlb_entries : 1u << 18);
        printf("\nTLB %u entries, %u pages resident before each run\n", cfg.tlb_entries, q.fill);
        qheader();
        for (unsigned sc = 0; sc < SC_N; sc++) {
            char id[32];
            snprintf(id, sizeof(id), "%s_%s", scope_id[sc], t ? "1m" : "def");
            queue_row(scope_name[sc], id, queue_case(&q.tb, &q.g, (enum scope)sc, prep_fill, &q));
            fflush(stdout);
        }
        qline();
        tb_fini(&q.tb);
    }
    abed_init(&a, ACCEL_DEVS, QLOG2);
    {
        unsigned c0 = sim_calls(a.sim);
        struct qres r = queue_case(&a.tb, &a.g, SC_CFGI_ALL, NULL, NULL);
        unsigned calls = sim_calls(a.sim) - c0;
        printf("\nAccel mode, 16 devices on the simulated kernel\n");
        qheader();
        queue_row("accel CFGI_ALL, 16 devices", "q_accel_cfgi_all", r);
        qline();
        printf("(%u calls into the simulated kernel in all runs of %u commands)\n", calls, r.n);
    }
    abed_fini(&a);
}

int main(int argc, char **argv)
{
    static struct s1bed b, b2, n;
    static struct abed a;
    struct meas hit256 = {0}, hit1 = {0}, miss = {0}, far = {0}, misscb = {0}, farcb = {0}, cyc = {0}, cyc2 = {0},
                scat = {0}, nest = {0}, t1 = {0}, t2 = {0}, ev1 = {0}, ev1d = {0},
                ev64 = {0}, hmm = {0};
    double mmio_rate;
    double miss_pct, miss2_pct, scat_pct;
    struct ratio rt;
    bool quick = getenv("BENCH_QUICK") && atoi(getenv("BENCH_QUICK"));
    const char *mode = argc > 1 ? argv[1] : "all";

    if (quick) {
        reps = 3;
        scale = 0.25;
        queue_ms = 100;
    }
    if (getenv("BENCH_REPS"))
        reps = (unsigned)atoi(getenv("BENCH_REPS"));
    if (reps < 1 || reps > MAX_REPS)
        reps = 7;
    if (getenv("BENCH_SCALE"))
        scale = atof(getenv("BENCH_SCALE"));
    if (getenv("BENCH_QUEUE_MS"))
        queue_ms = atof(getenv("BENCH_QUEUE_MS"));

    scatter_init();
    if (!strcmp(mode, "callgrind")) {
#ifdef HAVE_CALLGRIND
        callgrind_mode();
        return 0;
#else
        fprintf(stderr, "bench: built without valgrind/callgrind.h\n");
        return 2;
#endif
    }

    if (!strcmp(mode, "events")) {
        abed_init(&a, 1, 8);
        case_events(&a, 1, &ev1, "events1");
        case_events_deliver(&a, &ev1d, "events1d");
        case_events(&a, 64, &ev64, "events64");
        abed_fini(&a);
        printf("host events: %.2f M/s one per read (deliveries), %.2f M/s with the host's "
               "queueing, %.2f M/s batched (CPU, min)\n", 1e3 / ev1d.cmin, 1e3 / ev1.cmin,
               1e3 / ev64.cmin);
        return 0;
    }
    s1bed_init(&b);
    s1bed_init(&b2);
    if (!strcmp(mode, "threads")) {
        case_threads(b.tb.s, b2.tb.s, &t1, &t2, &rt);
        threads_report(&t1, &t2, &rt);
        case_hit_mmio(b.tb.s, &hmm, &mmio_rate);
        printf("hit256 while another thread writes MMIO (%.1f writes/us): %.2f ns per hit "
               "(thread CPU, min; alone: %.2f)\n", mmio_rate, hmm.cmin, t1.cmin);
        return 0;
    }
    case_hit(b.tb.s, &hit1, 0, "hit1");
    case_hit(b.tb.s, &hit256, 255, "hit256");
    if (!strcmp(mode, "hit")) {
        printf("TLB hit: %.1f ns (one page), %.1f ns (256 pages), thread CPU, median\n",
               hit1.cmed, hit256.cmed);
        return 0;
    }
    case_miss(&b, &miss, "miss");
    case_far(&b, &far, "missfar");
    tb_map_ram(&b.tb, false);       /* the same through mem_read */
    case_miss(&b, &misscb, "misscb");
    case_far(&b, &farcb, "missfarcb");
    tb_map_ram(&b.tb, true);
    miss_pct = case_cycle(&b, &cyc, 4096, false, "cycle4096");
    miss2_pct = case_cycle(&b, &cyc2, 2048, false, "cycle2048");
    scat_pct = case_cycle(&b, &scat, SCATTER_N, true, "scatter2048");
    case_threads(b.tb.s, b2.tb.s, &t1, &t2, &rt);
    tb_fini(&b2.tb);
    case_hit_mmio(b.tb.s, &hmm, &mmio_rate);
    nested_bed(&n);
    case_nested(&n, &nest);
    tb_fini(&n.tb);
    abed_init(&a, 1, 8);
    case_events(&a, 1, &ev1, "events1");
    case_events_deliver(&a, &ev1d, "events1d");
    case_events(&a, 64, &ev64, "events64");
    abed_fini(&a);

    printf("\nvsmmu benchmark: ns per call, %u repetitions%s (BENCH_QUICK=%d)\n", reps,
           quick ? " (quick)" : "", quick);
    line();
    printf("| %-40s | %8s | %8s | %8s | %8s | %-18s | %-7s |\n", "case", "wall min", "wall med",
           "cpu min", "cpu med", "target", "");
    line();
    row("hit, 256 pages resident", &hit256, "<10 ns", yn(hit256.cmin < 10));
    row("hit, one page", &hit1, "", "");
    row("miss, cold 4-level 4K walk", &miss, "<100 ns", yn(miss.cmin < 100));
    row("miss, cold walk, no walk-cache hit", &far, "", "");
    row("miss, tables through mem_read", &misscb, "", "");
    row("miss, no walk-cache hit, mem_read", &farcb, "", "");
    {
        char name[64];
        snprintf(name, sizeof(name), "4096 pages cycled (%.1f%% misses)", miss_pct);
        row(name, &cyc, "", "");
        snprintf(name, sizeof(name), "2048 pages cycled (%.2f%% misses)", miss2_pct);
        row(name, &cyc2, "<1% misses", yn(miss2_pct < 1));
        snprintf(name, sizeof(name), "2048 scattered pages (%.2f%% misses)", scat_pct);
        row(name, &scat, "<1% misses", yn(scat_pct < 1));
    }
    row("hit256, 1 thread (per call)", &t1, "", "");
    row("hit256, 2 threads (per call, per thread)", &t2, "", "");
    row("hit256, another thread writing MMIO", &hmm, "", "");
    row("nested miss (S1 4-level, S2 3-level)", &nest, "", "");
    row("host event, one per read (deliveries) *", &ev1d, ">=2 M events/s",
        yn(1e3 / ev1d.cmin >= 2));
    row("host event, one per read, with queueing", &ev1, "", "");
    row("host event, 64 per process_events", &ev64, ">=2 M events/s", yn(1e3 / ev64.cmin >= 2));
    line();
    threads_report(&t1, &t2, &rt);
    printf("hit256 while another thread writes MMIO: %.1f writes/us\n", mmio_rate);
    printf("host events: %.2f M/s one per read (deliveries), %.2f M/s with the host's queueing, "
           "%.2f M/s batched (CPU, min)\n", 1e3 / ev1d.cmin, 1e3 / ev1.cmin, 1e3 / ev64.cmin);
    printf("(*) each delivery timed alone with CLOCK_MONOTONIC, the clock's cost subtracted; "
           "cpu columns: windows over %.0f us (descheduled) left out\n", DESCHED_NS / 1e3);
    printf("@ miss_pct_cycle4096 %.2f\n", miss_pct);
    printf("@ miss_pct_cycle2048 %.2f\n", miss2_pct);
    printf("@ miss_pct_scatter2048 %.2f\n", scat_pct);
    printf("(targets are checked on thread CPU time, min; instructions per call: bench/run.sh)\n");
    fflush(stdout);
    tb_fini(&b.tb);

    if (strcmp(mode, "noqueue"))
        queue_table();
    return 0;
}
