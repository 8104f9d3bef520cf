// SPDX-License-Identifier: MIT
/*
 * Translation benchmark: cost per vsmmu_translate() call on a TLB hit (in
 * the thread's micro-TLB, in the shared TLB, and for a thread that found
 * no free per-thread slot), on a miss with a 4-level 4K stage-1 walk, on a
 * nested miss (stage 1 + every table access through stage 2), and hit
 * throughput with 1 and 2 threads.
 * Runs on the test bed (a vsmmu instance with guest RAM in host memory).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest.h"
#include "model/model.h"
#include "testbed.h"
#include "xlate/xlate.h"

#define NPAGES 16384u           /* pages mapped for the miss runs (> TLB) */
#define OFF 0x100000000ull      /* nested: IPA = PA + OFF */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: per-call costs stay meaningful on a
 * loaded machine (time spent descheduled is not counted). */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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

static void must(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "bench: %s failed\n", what);
        exit(1);
    }
}

struct thr {
    vsmmu_t *s;
    double secs, cpu;
    unsigned long n;
    pthread_barrier_t *bar;
};

static void *hit_thread(void *arg)
{
    struct thr *t = arg;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    unsigned long n = 0;
    double end, c0;

    pthread_barrier_wait(t->bar);
    end = now() + t->secs;
    c0 = cpu();
    do {
        for (unsigned i = 0; i < 4096; i++) {
            uint64_t va = 0x10000000ull + ((uint64_t)(i & 63) << 12) + (i & 0xFF8);
            vsmmu_translate(t->s, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ, &r);
        }
        n += 4096;
    } while (now() < end);
    must(r.status == VSMMU_XLATE_OK, "hit translation");
    t->cpu = cpu() - c0;
    t->n = n;
    return NULL;
}

/* Hit throughput of @nthreads threads: total calls per wall second, and
 * the sum of each thread's calls per CPU second in *@per_cpu. */
static double throughput(vsmmu_t *s, unsigned nthreads, double secs, double *per_cpu)
{
    pthread_t th[8];
    struct thr t[8];
    pthread_barrier_t bar;
    unsigned long total = 0;
    double t0, t1;

    pthread_barrier_init(&bar, NULL, nthreads + 1);
    for (unsigned i = 0; i < nthreads; i++) {
        t[i] = (struct thr){ .s = s, .secs = secs, .bar = &bar };
        pthread_create(&th[i], NULL, hit_thread, &t[i]);
    }
    pthread_barrier_wait(&bar);
    t0 = now();
    *per_cpu = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        total += t[i].n;
        *per_cpu += (double)t[i].n / t[i].cpu;
    }
    t1 = now();
    pthread_barrier_destroy(&bar);
    return (double)total / (t1 - t0);
}

/* ---- a thread without a slot ---------------------------------------------- */

struct slotless {
    vsmmu_t *s;
    pthread_barrier_t *claimed, *release;
    unsigned iters;
    double ns;
    int slot;
};

/* Takes a slot (if one of its two is free) and holds its identity until
 * released, so no later thread can be the same thread. */
static void *hold_slot(void *arg)
{
    struct slotless *h = arg;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    vsmmu_translate(h->s, 1, VSMMU_NO_SSID, 0x10000000ull, VSMMU_ACC_READ, &r);
    pthread_barrier_wait(h->claimed);
    pthread_barrier_wait(h->release);
    return NULL;
}

static void *slotless_thread(void *arg)
{
    struct slotless *m = arg;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    double t0;

    vsmmu_translate(m->s, 1, VSMMU_NO_SSID, 0x10000000ull, VSMMU_ACC_READ, &r);
    m->slot = vsmmu_xlate_thread_slot(m->s);
    t0 = cpu();
    for (unsigned i = 0; i < m->iters; i++)
        vsmmu_translate(m->s, 1, VSMMU_NO_SSID, 0x10000000ull + (i & 0xFF8), VSMMU_ACC_READ, &r);
    m->ns = (cpu() - t0) * 1e9 / m->iters;
    must(r.status == VSMMU_XLATE_OK, "slotless hit");
    return NULL;
}

/* Same-page hits of a thread that finds every slot taken (2 * XL_SLOTS
 * threads claim first and stay alive): the shared TLB answers and the hit
 * goes to the shared counter.  Returns -1 if the thread got a slot. */
static double slotless_hit(vsmmu_t *s, unsigned iters)
{
    enum { H = 2 * XL_SLOTS };
    pthread_t th[H], mt;
    pthread_attr_t attr;
    pthread_barrier_t claimed, release;
    struct slotless h = { .s = s }, m = { .s = s, .iters = iters };

    pthread_barrier_init(&claimed, NULL, H + 1);
    pthread_barrier_init(&release, NULL, H + 1);
    h.claimed = &claimed;
    h.release = &release;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (unsigned i = 0; i < H; i++)
        must(pthread_create(&th[i], &attr, hold_slot, &h) == 0, "pthread_create");
    pthread_barrier_wait(&claimed);
    must(pthread_create(&mt, &attr, slotless_thread, &m) == 0, "pthread_create");
    pthread_join(mt, NULL);
    pthread_barrier_wait(&release);
    for (unsigned i = 0; i < H; i++)
        pthread_join(th[i], NULL);
    pthread_attr_destroy(&attr);
    pthread_barrier_destroy(&claimed);
    pthread_barrier_destroy(&release);
    return m.slot < 0 ? m.ns : -1;
}

int main(int argc, char **argv)
{
    struct testbed tb = {0}, tn = {0};
    struct guest g, gn;
    struct vsmmu_config cfg;
    uint64_t cd[8], ste[8], root, sroot;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    double t0, hit_ns, hit64_ns, miss_ns, nested_ns, tp1, tp2, cp1, cp2, noslot_ns;
    unsigned hit_iters = 20000000;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    if (getenv("BENCH_ITERS"))     /* shorter runs, e.g. under a profiler */
        hit_iters = (unsigned)strtoul(getenv("BENCH_ITERS"), NULL, 0);

    /* ---- stage 1: one stream, 4-level 4K tables --------------------- */
    vsmmu_config_default(&cfg);
    tb_init(&tb, &cfg);
    guest_init(&g, &tb, NULL);
    root = guest_alloc(&g, 4096, 4096);
    for (unsigned i = 0; i < 64; i++)
        map4k(&g, root, 0, 0x10000000ull + ((uint64_t)i << 12), 0x80000000ull + ((uint64_t)i << 12));
    for (unsigned i = 0; i < NPAGES; i++)
        map4k(&g, root, 0, 0x100000000000ull + ((uint64_t)i << 12),
              0x90000000ull + ((uint64_t)i << 12));
    cd_4k48(cd, root);
    memset(ste, 0, sizeof(ste));
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S1);
    ste[0] |= put_cd(&g, cd) & fld_mask(STE_S1CTXPTR);
    guest_write_ste(&g, 1, ste);

    /* Hit: one page, warmed. */
    must(vsmmu_translate(tb.s, 1, VSMMU_NO_SSID, 0x10000000ull, VSMMU_ACC_READ, &r) == 0 &&
         r.status == VSMMU_XLATE_OK && r.addr == 0x80000000ull, "warm-up");
    t0 = cpu();
    for (unsigned i = 0; i < hit_iters; i++)
        vsmmu_translate(tb.s, 1, VSMMU_NO_SSID, 0x10000000ull + (i & 0xFF8), VSMMU_ACC_READ, &r);
    hit_ns = (cpu() - t0) * 1e9 / hit_iters;
    must(r.status == VSMMU_XLATE_OK, "hit");
    /* Hit in the shared TLB: 64 pages in turn defeat the thread's
     * micro-TLB (8 entries). */
    t0 = cpu();
    for (unsigned i = 0; i < hit_iters / 4; i++)
        vsmmu_translate(tb.s, 1, VSMMU_NO_SSID, 0x10000000ull + ((uint64_t)(i & 63) << 12) + (i & 0xFF8),
                        VSMMU_ACC_READ, &r);
    hit64_ns = (cpu() - t0) * 1e9 / (hit_iters / 4);
    must(r.status == VSMMU_XLATE_OK, "hit 64");
    if (argc > 1 && !strcmp(argv[1], "hit")) {     /* for profiling the hit path */
        printf("TLB hit: %.1f ns (micro-TLB), %.1f ns (shared TLB)\n", hit_ns, hit64_ns);
        tb_fini(&tb);
        return 0;
    }

    /* Miss: NPAGES distinct pages, more than the TLB holds, in order:
     * every call walks 4 levels (there is no walk cache). */
    vsmmu_get_stats(tb.s, &st);
    {
        unsigned long m0 = st.tlb_misses;
        t0 = cpu();
        for (unsigned i = 0; i < NPAGES; i++) {
            uint64_t va = 0x100000000000ull + ((uint64_t)i << 12);
            vsmmu_translate(tb.s, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ, &r);
        }
        miss_ns = (cpu() - t0) * 1e9 / NPAGES;
        must(r.status == VSMMU_XLATE_OK && r.addr == 0x90000000ull + ((uint64_t)(NPAGES - 1) << 12),
             "miss");
        vsmmu_get_stats(tb.s, &st);
        must(st.tlb_misses - m0 == NPAGES, "every walk was a miss");
    }

    tp1 = throughput(tb.s, 1, 0.5, &cp1);
    tp2 = throughput(tb.s, 2, 0.5, &cp2);
    noslot_ns = slotless_hit(tb.s, hit_iters / 4);

    /* ---- nested: stage-1 tables behind stage 2 ------------------------ */
    tb_init(&tn, &cfg);
    guest_init(&gn, &tn, NULL);
    /* Stage 2: 4K, T0SZ 16 (48-bit IPA), level 0 start, 2 MB blocks:
     * IPA OFF + RAM -> RAM; IPA 0x1_0000_0000_0000.. -> 0x90000000.. */
    sroot = guest_alloc(&gn, 4096, 4096);
    for (uint64_t a = 0; a < TB_RAM_SIZE; a += 0x200000) {
        uint64_t ipa = OFF + TB_RAM_BASE + a, table = sroot;
        for (unsigned l = 0; l < 2; l++) {
            unsigned sh = 39 - 9 * l;
            uint64_t sa = table + ((ipa >> sh) & 511) * 8, d = tb_r64(&tn, sa);
            if (!(d & 1)) {
                d = guest_alloc(&gn, 4096, 4096) | 3;
                tb_w64(&tn, sa, d);
            }
            table = d & fld_mask(47, 12);
        }
        tb_w64(&tn, table + ((ipa >> 21) & 511) * 8,
               (TB_RAM_BASE + a) | 1 | fld_mask(PTE_AF) | fld_set(0, PTE_S2AP, 3) |
               fld_set(0, PTE_S2_MEMATTR, 0xF));
    }
    {
        /* Output IPAs 0x90000000.. -> PA identical, 1 GB blocks at level 1. */
        uint64_t l1 = tb_r64(&tn, sroot) & fld_mask(47, 12);   /* made above */
        for (unsigned i = 2; i < 4; i++)
            tb_w64(&tn, l1 + 8 * i, ((uint64_t)i << 30) | 1 | fld_mask(PTE_AF) |
                   fld_set(0, PTE_S2AP, 3) | fld_set(0, PTE_S2_MEMATTR, 0xF));
    }
    root = guest_alloc(&gn, 4096, 4096);
    for (unsigned i = 0; i < NPAGES; i++)
        map4k(&gn, root, OFF, 0x100000000000ull + ((uint64_t)i << 12),
              0x90000000ull + ((uint64_t)i << 12));
    cd_4k48(cd, root + OFF);
    memset(ste, 0, sizeof(ste));
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_NESTED);
    ste[0] |= (put_cd(&gn, cd) + OFF) & fld_mask(STE_S1CTXPTR);
    st_set(ste, STE_S2VMID, 1);
    st_set(ste, STE_S2T0SZ, 16);
    st_set(ste, STE_S2SL0, 2);
    st_set(ste, STE_S2PS, 5);
    st_set(ste, STE_S2AA64, 1);
    st_set(ste, STE_S2R, 1);
    ste[3] |= sroot & fld_mask(55, 4);
    guest_write_ste(&gn, 1, ste);
    t0 = cpu();
    for (unsigned i = 0; i < NPAGES; i++) {
        uint64_t va = 0x100000000000ull + ((uint64_t)i << 12);
        vsmmu_translate(tn.s, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ, &r);
    }
    nested_ns = (cpu() - t0) * 1e9 / (NPAGES);
    must(r.status == VSMMU_XLATE_OK && r.addr == 0x90000000ull + ((uint64_t)(NPAGES - 1) << 12),
         "nested miss");

    printf("vsmmu translate benchmark (TLB %u entries, config cache %u)\n",
           cfg.tlb_entries, cfg.cfg_entries);
    printf("+--------------------------------------------+--------------+\n");
    printf("| case                                       | cost         |\n");
    printf("+--------------------------------------------+--------------+\n");
    printf("| TLB hit, same page (thread's micro-TLB)    | %8.1f ns  |\n", hit_ns);
    printf("| TLB hit, 64 pages in turn (shared TLB)     | %8.1f ns  |\n", hit64_ns);
    if (noslot_ns >= 0)
        printf("| TLB hit, same page, thread without a slot  | %8.1f ns  |\n", noslot_ns);
    else
        printf("| TLB hit, same page, thread without a slot  |      n/a     |\n");
    printf("| TLB miss, stage 1 4K 4-level walk          | %8.1f ns  |\n", miss_ns);
    printf("| TLB miss, nested (S1 4-level, S2 3-level)  | %8.1f ns  |\n", nested_ns);
    printf("| hit throughput, 1 thread (wall)            | %8.1f M/s |\n", tp1 / 1e6);
    printf("| hit throughput, 2 threads (wall)           | %8.1f M/s |\n", tp2 / 1e6);
    printf("| hit throughput, 1 thread (per CPU second)  | %8.1f M/s |\n", cp1 / 1e6);
    printf("| hit throughput, 2 threads (per CPU second) | %8.1f M/s |\n", cp2 / 1e6);
    printf("+--------------------------------------------+--------------+\n");
    printf("throughput threads cycle through 64 pages (shared-TLB hits)\n");
    printf("scaling 2 threads / 1 thread: %.2fx wall, %.2fx per CPU second\n", tp2 / tp1, cp2 / cp1);
    printf("(per-call costs are thread CPU time; wall throughput depends on machine load)\n");
    tb_fini(&tn);
    tb_fini(&tb);
    return 0;
}
