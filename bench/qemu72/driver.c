/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU 7.2 side of vsmmu's `make bench-qemu`: the same translate cases as
 * bench/bench.c, run against QEMU 7.2's SMMUv3 (hw/arm/smmuv3.c and
 * hw/arm/smmu-common.c from Debian's qemu source, compiled unmodified by
 * QEMU's build), through its IOMMUMemoryRegionClass->translate callback
 * (smmuv3_translate).  The device is set up through QEMU's own class_init,
 * realize and reset hooks and programmed through its MMIO write handler.
 *
 * Output: the same "@ <case> <wall min> <wall median> <cpu min> <cpu
 * median>" lines (ns per call) as bench/bench.c; "callgrind" mode dumps
 * one profile per case ("case=<id> calls=<n>") for bench/run.sh.
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "hw/qdev-core.h"
#include "hw/arm/smmuv3.h"
#include "hw/arm/smmu-common.h"
#include "exec/memory.h"
#include <pthread.h>
#include <time.h>
#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#endif
#include "stubs.h"

#define NPAGES   16384
#define IOVA     0x100000000000ULL   /* as bench.c's MISS_VA */
#define OUT_PA   0x90000000ULL
#define STRTAB   (Q72_RAM_BASE + 0x0)
#define CDADDR   (Q72_RAM_BASE + 0x10000)
#define TABLES   (Q72_RAM_BASE + 0x100000)
#define SID      8                   /* bus 0, devfn 8 */
#define MAX_REPS 31

typedef IOMMUTLBEntry (*xlate_fn)(IOMMUMemoryRegion *, hwaddr, IOMMUAccessFlags, int);

static xlate_fn xlate;
static SMMUv3State *smmu;
static SMMUDevice *sdev;
static unsigned reps = 7;
static double scale = 1.0;
static volatile uint64_t sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void w64(uint64_t pa, uint64_t v)
{
    v = cpu_to_le64(v);
    memcpy(q72_ram + (pa - Q72_RAM_BASE), &v, 8);
}

static uint64_t r64(uint64_t pa)
{
    uint64_t v;
    memcpy(&v, q72_ram + (pa - Q72_RAM_BASE), 8);
    return le64_to_cpu(v);
}

/* bench.c's address patterns: 256 consecutive pages, NPAGES pages in
 * order, each address with an in-page offset. */
static uint64_t hit_va(unsigned i)
{
    return IOVA + ((uint64_t)(i & 255) << 12) + ((i * 8) & 0xff8);
}

static uint64_t miss_va(unsigned i)
{
    return IOVA + ((uint64_t)(i % NPAGES) << 12) + ((i * 8) & 0xff8);
}

static uint64_t next_table = TABLES;

/* 4K granule, 4 levels (T0SZ 16), like bench.c's map4k(). */
static void map4k(uint64_t root, uint64_t va, uint64_t pa)
{
    uint64_t t = root;

    for (int l = 0; l < 3; l++) {
        uint64_t a = t + ((va >> (39 - 9 * l)) & 511) * 8, d = r64(a);
        if (!(d & 1)) {
            d = next_table | 3;
            next_table += 4096;
            w64(a, d);
        }
        t = d & 0xfffffffff000ULL;
    }
    /* AF, AP = 01 (EL0 RW), nG, page */
    w64(t + ((va >> 12) & 511) * 8, pa | (1 << 10) | (1 << 6) | (1 << 11) | 3);
}

static void mmio(hwaddr off, uint64_t v, unsigned size)
{
    if (q72_mmio_ops->write_with_attrs(q72_mmio_opaque, off, v, size,
                                       MEMTXATTRS_UNSPECIFIED) != MEMTX_OK) {
        fprintf(stderr, "qemu72-bench: MMIO write 0x%x failed\n", (unsigned)off);
        exit(1);
    }
}

static void realize_noop(DeviceState *dev, Error **errp)
{
}

static void setup(void)
{
    const TypeInfo *base, *v3, *mrt;
    IOMMUMemoryRegionClass *mrc;
    ObjectClass *oc;
    DeviceClass *dc;
    Error *err = NULL;
    uint64_t root, ste = STRTAB + SID * 64;

    q72_ram = g_malloc0(Q72_RAM_SIZE);
    module_call_init(MODULE_INIT_QOM);      /* runs the type_init()s */
    base = q72_type(TYPE_ARM_SMMU);
    v3 = q72_type(TYPE_ARM_SMMUV3);
    mrt = q72_type(TYPE_SMMUV3_IOMMU_MEMORY_REGION);
    g_assert(base && v3 && mrt);
    oc = g_malloc0(v3->class_size);
    dc = DEVICE_CLASS(oc);
    dc->realize = realize_noop;         /* the sysbus parent's */
    base->class_init(oc, NULL);
    v3->class_init(oc, NULL);
    mrc = g_malloc0(sizeof(*mrc));
    mrt->class_init(OBJECT_CLASS(mrc), NULL);
    xlate = mrc->translate;

    smmu = g_malloc0(v3->instance_size);
    OBJECT(smmu)->class = oc;
    if (v3->instance_init) {
        v3->instance_init(OBJECT(smmu));
    }
    smmu->smmu_state.primary_bus = q72_root_bus();
    dc->realize(DEVICE(smmu), &err);
    if (err) {
        error_report_err(err);
        exit(1);
    }
    dc->reset(DEVICE(smmu));

    root = next_table;
    next_table += 4096;
    for (unsigned i = 0; i < NPAGES; i++) {
        map4k(root, IOVA + ((uint64_t)i << 12), OUT_PA + ((uint64_t)i << 12));
    }
    /* STE: valid, Config S1 translate + S2 bypass, S1ContextPtr */
    w64(ste, 1 | (5 << 1) | (CDADDR & 0xffffffffffc0ULL));
    /* CD: T0SZ 16, TG0 4K, EPD1, valid, IPS 48 bit, AA64, R, A, ASID 1, TTB0 */
    w64(CDADDR, 16 | (1ULL << 30) | (1ULL << 31) | (5ULL << 32) | (1ULL << 41) |
                (1ULL << 45) | (1ULL << 46) | (1ULL << 48));
    w64(CDADDR + 8, root);
    mmio(0x80, STRTAB, 8);             /* STRTAB_BASE */
    mmio(0x88, 8, 4);                  /* STRTAB_BASE_CFG: linear, 256 */
    mmio(0x20, 1, 4);                  /* CR0.SMMUEN */

    sdev = container_of(q72_iommu_fn(smmu->smmu_state.primary_bus, q72_iommu_opaque, SID),
                        SMMUDevice, as);
    OBJECT(&sdev->iommu)->class = OBJECT_CLASS(mrc);
}

static void check(uint64_t va)
{
    IOMMUTLBEntry e = xlate(&sdev->iommu, va, IOMMU_RO, 0);
    uint64_t want = OUT_PA + (va - IOVA);

    if (e.translated_addr != want || !(e.perm & IOMMU_RO)) {
        fprintf(stderr, "qemu72-bench: 0x%" PRIx64 " -> 0x%" PRIx64 ", want 0x%" PRIx64 "\n",
                va, (uint64_t)e.translated_addr, want);
        exit(1);
    }
}

static void tlbi_all(void)
{
    smmu_iotlb_inv_all(&smmu->smmu_state);  /* what CMD_TLBI_NH_ALL does */
}

static __attribute__((noinline)) uint64_t run_hit(unsigned long n, unsigned mask, unsigned start)
{
    uint64_t sum = 0;
    for (unsigned long i = 0; i < n; i++) {
        sum += xlate(&sdev->iommu, hit_va((unsigned)(i + start) & mask), IOMMU_RO, 0).translated_addr;
    }
    return sum;
}

static __attribute__((noinline)) uint64_t run_miss(unsigned first, unsigned n)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        sum += xlate(&sdev->iommu, miss_va(first + i), IOMMU_RO, 0).translated_addr;
    }
    return sum;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *id, double *w, double *c, unsigned n)
{
    qsort(w, n, sizeof(double), cmp_d);
    qsort(c, n, sizeof(double), cmp_d);
    printf("@ %s %.2f %.2f %.2f %.2f\n", id, w[0], w[n / 2], c[0], c[n / 2]);
    fflush(stdout);
}

static void case_hit(unsigned mask, const char *id)
{
    unsigned long n = 2000000 * scale;
    double w[MAX_REPS], c[MAX_REPS];

    tlbi_all();
    run_hit(256, 255, 0);
    for (unsigned r = 0; r < reps; r++) {
        double w0 = now(), c0 = cpu();
        sink += run_hit(n, mask, 0);
        c[r] = (cpu() - c0) * 1e9 / n;
        w[r] = (now() - w0) * 1e9 / n;
    }
    g_assert(g_hash_table_size(smmu->smmu_state.iotlb) == 256);
    report(id, w, c, reps);
}

static void case_miss(void)
{
    unsigned batches = 64 * scale + 1;
    double w[MAX_REPS], c[MAX_REPS];

    for (unsigned r = 0; r < reps; r++) {
        double ws = 0, cs = 0;
        for (unsigned k = 0; k < batches; k++) {
            tlbi_all();
            double w0 = now(), c0 = cpu();
            sink += run_miss((k * 256) % NPAGES, 256);
            cs += cpu() - c0;
            ws += now() - w0;
        }
        w[r] = ws * 1e9 / (batches * 256.0);
        c[r] = cs * 1e9 / (batches * 256.0);
    }
    report("miss", w, c, reps);
}

static void case_cycle(void)
{
    unsigned long n = 400000 * scale;
    unsigned long calls = (n + 4095) / 4096 * 4096;
    double w[MAX_REPS], c[MAX_REPS];

    run_miss(0, 4096);
    for (unsigned r = 0; r < reps; r++) {
        double w0 = now(), c0 = cpu();
        for (unsigned long d = 0; d < n; d += 4096) {
            sink += run_miss(0, 4096);
        }
        c[r] = (cpu() - c0) * 1e9 / calls;
        w[r] = (now() - w0) * 1e9 / calls;
    }
    report("cycle4096", w, c, reps);
}

struct thr {
    pthread_barrier_t *bar;
    unsigned long n;
    unsigned start;
    double cpu;
};

static void *thr_main(void *p)
{
    struct thr *t = p;
    pthread_barrier_wait(t->bar);
    double c0 = cpu();
    sink += run_hit(t->n, 255, t->start);
    t->cpu = cpu() - c0;
    return NULL;
}

static void case_threads(unsigned nt, double *best_tput)
{
    unsigned long n = 1000000 * scale;
    double w[MAX_REPS], c[MAX_REPS];

    *best_tput = 0;
    tlbi_all();
    run_hit(256, 255, 0);
    for (unsigned r = 0; r < reps; r++) {
        pthread_t th[2];
        struct thr t[2];
        pthread_barrier_t bar;
        double w0, cs = 0;

        pthread_barrier_init(&bar, NULL, nt + 1);
        for (unsigned i = 0; i < nt; i++) {
            t[i] = (struct thr){ .bar = &bar, .n = n, .start = 128 * i };
            pthread_create(&th[i], NULL, thr_main, &t[i]);
        }
        pthread_barrier_wait(&bar);
        w0 = now();
        for (unsigned i = 0; i < nt; i++) {
            pthread_join(th[i], NULL);
            cs += t[i].cpu;
        }
        w0 = now() - w0;
        pthread_barrier_destroy(&bar);
        w[r] = w0 * 1e9 / n;
        c[r] = cs * 1e9 / ((double)n * nt);
        if (n * nt / w0 > *best_tput) {
            *best_tput = n * nt / w0;
        }
    }
    report(nt == 1 ? "threads1" : "threads2", w, c, reps);
}

#ifdef HAVE_CALLGRIND_H
/* Run under valgrind --tool=callgrind --collect-atstart=no
 * --toggle-collect=smmuv3_translate (see bench/run.sh). */
static void callgrind_mode(void)
{
    char d[64];

    tlbi_all();
    run_hit(256, 0, 0);
    CALLGRIND_ZERO_STATS;
    run_hit(20000, 0, 0);
    CALLGRIND_DUMP_STATS_AT("case=hit1 calls=20000");
    tlbi_all();
    run_hit(256, 255, 0);
    CALLGRIND_ZERO_STATS;
    run_hit(20000, 255, 0);
    CALLGRIND_DUMP_STATS_AT("case=hit256 calls=20000");
    for (unsigned k = 0; k < 16; k++) {
        tlbi_all();
        CALLGRIND_ZERO_STATS;
        run_miss(k * 256, 256);
    }
    CALLGRIND_DUMP_STATS_AT("case=miss calls=256");
    run_miss(0, 4096);
    CALLGRIND_ZERO_STATS;
    run_miss(0, 8192);
    snprintf(d, sizeof(d), "case=cycle4096 calls=%u", 8192);
    CALLGRIND_DUMP_STATS_AT(d);
}
#endif

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";
    double tp1, tp2;

    if (getenv("BENCH_QUICK") && atoi(getenv("BENCH_QUICK"))) {
        reps = 3;
        scale = 0.25;
    }
    if (getenv("BENCH_REPS")) {
        reps = atoi(getenv("BENCH_REPS"));
    }
    if (reps < 1 || reps > MAX_REPS) {
        reps = 7;
    }
    if (getenv("BENCH_SCALE")) {
        scale = atof(getenv("BENCH_SCALE"));
    }
    setup();
    tlbi_all();
    for (unsigned i = 0; i < NPAGES; i++) {
        check(miss_va(i));
    }
    for (unsigned i = 0; i < 512; i++) {
        check(hit_va(i));
    }
    if (!strcmp(mode, "callgrind")) {
#ifdef HAVE_CALLGRIND_H
        callgrind_mode();
        return 0;
#else
        fprintf(stderr, "qemu72-bench: built without valgrind/callgrind.h\n");
        return 2;
#endif
    }
    printf("QEMU %s smmuv3_translate, %u repetitions\n", QEMU_VERSION, reps);
    case_hit(0, "hit1");
    case_hit(255, "hit256");
    case_miss();
    case_cycle();
    case_threads(1, &tp1);
    case_threads(2, &tp2);
    printf("@ ratio_threads %.3f\n", tp2 / tp1);
    return 0;
}
