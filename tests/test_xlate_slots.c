// SPDX-License-Identifier: MIT
/* The per-thread slots of the translation cache: each thread's front cache
 * and hit counter live in the instance (no thread-local or global state).
 * Threads with their own slots, more threads than slots (the rest use the
 * shared TLB), exact hit counts, two instances used alternately by one
 * thread, and instances created where a freed one was. */
#include <pthread.h>
#include <sched.h>

#include "test_xlate_util.h"

#define PAGE(t) (0x100000ull + 0x1000ull * (t))      /* VA of thread t's page */
#define OUT(t) (0x80000000ull + 0x3000ull * (t))     /* its output page */

/* One stage-1 stream (sid 1) mapping @n pages PAGE(t) -> OUT(t). */
static void map_pages(struct xt *x, unsigned n)
{
    struct pt p;
    uint64_t cd[8];

    pt_new(&p, x, 12, 1, 39, 0);
    for (unsigned t = 0; t < n; t++)
        pt_set(&p, PAGE(t), 3, s1_leaf(3, OUT(t), 0), 0);
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(x, 1, cd);
}

struct worker {
    struct xt *x;
    pthread_barrier_t *start, *warm;    /* warm: NULL when the page is warm */
    unsigned t, iters;
    int slot;                   /* vsmmu_xlate_thread_slot() at the end */
    uint64_t own_hits;          /* vsmmu_xlate_thread_hits() at the end */
    unsigned long bad;
};

/* Translate page t (@iters times, every offset step), counting wrong
 * results; the first call is the miss when @warm is given. */
static void *worker(void *arg)
{
    struct worker *w = arg;
    vsmmu_t *s = w->x->tb.s;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    pthread_barrier_wait(w->start);
    if (w->warm) {
        if (vsmmu_translate(s, 1, VSMMU_NO_SSID, PAGE(w->t), VSMMU_ACC_READ, &r) ||
            r.status != VSMMU_XLATE_OK || r.addr != OUT(w->t))
            w->bad++;
        pthread_barrier_wait(w->warm);
    }
    for (unsigned i = 0; i < w->iters; i++) {
        uint64_t off = (i * 8u) & 0xFF8;
        if (vsmmu_translate(s, 1, VSMMU_NO_SSID, PAGE(w->t) + off, VSMMU_ACC_READ, &r) ||
            r.status != VSMMU_XLATE_OK || r.addr != OUT(w->t) + off || r.size != 0x1000)
            w->bad++;
    }
    w->slot = vsmmu_xlate_thread_slot(s);
    w->own_hits = vsmmu_xlate_thread_hits(s);
    return NULL;
}

/* Two threads: each claims its own slot, every result is right and the
 * hit count is exact (per slot and in the stats). */
TEST(two_threads_have_own_slots_and_exact_hits)
{
    enum { N = 5000 };
    struct xt x;
    struct worker w[2];
    pthread_t th[2];
    pthread_barrier_t start, warm;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    xt_init(&x, NULL, NULL);
    map_pages(&x, 2);
    pthread_barrier_init(&start, NULL, 2);
    pthread_barrier_init(&warm, NULL, 2);
    for (unsigned t = 0; t < 2; t++) {
        w[t] = (struct worker){ .x = &x, .start = &start, .warm = &warm, .t = t, .iters = N };
        CHECK_EQ(pthread_create(&th[t], NULL, worker, &w[t]), 0);
    }
    for (unsigned t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&warm);
    for (unsigned t = 0; t < 2; t++) {
        CHECK_EQ(w[t].bad, 0);
        CHECK_MSG(w[t].slot >= 0 && w[t].slot < (int)XL_SLOTS, "thread %u: slot %d", t, w[t].slot);
        CHECK_EQ(w[t].own_hits, N);
    }
    CHECK(w[0].slot != w[1].slot);
    /* This thread never translated: it owns no slot. */
    CHECK_EQ(vsmmu_xlate_thread_slot(x.tb.s), -1);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.tlb_hits, 2 * N);
    CHECK_EQ(st.tlb_misses, 2);
    xt_fini(&x);
}

/* More threads than slots, all alive at once: at most XL_SLOTS of them get
 * a slot, the others translate through the shared TLB; every result is
 * right and the total hit count is exact. */
TEST(more_threads_than_slots_use_the_shared_tlb)
{
    enum { T = XL_SLOTS + 16, N = 400 };
    struct xt x;
    struct worker w[T];
    pthread_t th[T];
    pthread_attr_t attr;
    pthread_barrier_t start;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    unsigned slotless = 0;
    uint64_t owned = 0;

    xt_init(&x, NULL, NULL);
    map_pages(&x, T);
    /* Warm the shared TLB from this thread (it takes a slot too). */
    for (unsigned t = 0; t < T; t++)
        CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, PAGE(t), VSMMU_ACC_READ), OUT(t), 0x1000);
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), T);     /* nothing evicted */
    CHECK(vsmmu_xlate_thread_slot(x.tb.s) >= 0);
    pthread_barrier_init(&start, NULL, T);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (unsigned t = 0; t < T; t++) {
        w[t] = (struct worker){ .x = &x, .start = &start, .t = t, .iters = N };
        CHECK_EQ(pthread_create(&th[t], &attr, worker, &w[t]), 0);
    }
    for (unsigned t = 0; t < T; t++)
        pthread_join(th[t], NULL);
    pthread_attr_destroy(&attr);
    pthread_barrier_destroy(&start);
    for (unsigned t = 0; t < T; t++) {
        CHECK_MSG(w[t].bad == 0, "thread %u: %lu wrong results", t, w[t].bad);
        if (w[t].slot < 0) {
            slotless++;
            CHECK_EQ(w[t].own_hits, 0);
            continue;
        }
        CHECK_EQ(w[t].own_hits, N);
        CHECK_MSG(!(owned >> w[t].slot & 1), "slot %d owned twice", w[t].slot);
        owned |= 1ull << w[t].slot;
    }
    /* This thread holds one slot; T distinct live threads share the rest. */
    CHECK_MSG(slotless >= T + 1 - XL_SLOTS, "only %u of %u threads without a slot", slotless, T);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.tlb_hits, (uint64_t)T * N);
    CHECK_EQ(st.tlb_misses, T);
    xt_fini(&x);
}

/* ---- more threads than slots while mappings change ----------------------- */

struct flip {
    struct xt *x;
    pthread_barrier_t *start;
    volatile int stop;
    uint64_t final[8];          /* output base of each page at the end */
    unsigned long bad, n, stale;
    unsigned started;           /* threads that have translated once */
};

/* Pages 0..7 map to either 0xA0000000 + (i & 1) * 4K or 0xB0000000 + the
 * same: any other answer is a stale or torn entry. */
static void *flip_thread(void *arg)
{
    struct flip *f = arg;
    unsigned long n = 0;

    pthread_barrier_wait(f->start);
    while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
        uint64_t va = 0x1000ull * (n % 8) + (n & 0xFF8), base;
        if (vsmmu_translate(f->x->tb.s, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ, &r) ||
            r.status != VSMMU_XLATE_OK)
            base = 0;
        else
            base = r.addr - 0x1000ull * ((va >> 12) & 1) - (va & 0xFFF);
        if (base != XT_FLIP_A && base != XT_FLIP_B)
            __atomic_add_fetch(&f->bad, 1, __ATOMIC_RELAXED);
        if (n == 0)
            __atomic_add_fetch(&f->started, 1, __ATOMIC_RELEASE);
        if (++n % 64 == 0)
            sched_yield();      /* let the invalidating thread run */
    }
    /* After the last invalidation (stop is set after it, with release):
     * this thread's own slot must not answer with an older mapping. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < 8; i++) {
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
        if (vsmmu_translate(f->x->tb.s, 1, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ, &r) ||
            r.status != VSMMU_XLATE_OK || r.addr != f->final[i])
            __atomic_add_fetch(&f->stale, 1, __ATOMIC_RELAXED);
    }
    __atomic_add_fetch(&f->n, n, __ATOMIC_RELAXED);
    return NULL;
}

/* Threads with and without slots translate while this thread remaps and
 * invalidates (TLBI_NH_VA, and CFGI_ALL now and then): every answer is one
 * of the two mappings, and after the last invalidation every thread sees
 * the final one. */
TEST(slot_and_slotless_threads_during_invalidation)
{
    enum { T = XL_SLOTS + 8 };
    struct xt x;
    struct pt p;
    struct flip f = { .x = &x };
    pthread_t th[T];
    pthread_attr_t attr;
    pthread_barrier_t start;

    xt_init(&x, NULL, NULL);
    xt_flip_setup(&x, &p);
    pthread_barrier_init(&start, NULL, T + 1);
    f.start = &start;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (unsigned t = 0; t < T; t++)
        CHECK_EQ(pthread_create(&th[t], &attr, flip_thread, &f), 0);
    pthread_barrier_wait(&start);
    for (unsigned k = 0; k < 400; k++) {
        xt_flip_step(&x, &p, k);
        if (k % 50 == 49)
            CHECK_EQ(guest_cfgi_all(&x.g), 0);
        /* On a loaded machine the workers may not have run yet: the last
         * steps wait until every one of them translates during the flips. */
        while (k >= 390 && __atomic_load_n(&f.started, __ATOMIC_ACQUIRE) < T)
            sched_yield();
    }
    for (unsigned i = 0; i < 8; i++)
        f.final[i] = xt_flip_final(400, i);
    __atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
    for (unsigned t = 0; t < T; t++)
        pthread_join(th[t], NULL);
    pthread_attr_destroy(&attr);
    pthread_barrier_destroy(&start);
    CHECK_MSG(f.bad == 0, "%lu bad results of %lu", f.bad, f.n);
    CHECK(f.n > 0);
    CHECK_MSG(f.stale == 0, "%lu stale results after the last invalidation", f.stale);
    for (unsigned i = 0; i < 8; i++)
        CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ), f.final[i], 0x1000);
    xt_fini(&x);
}

/* ---- what a slot's front cache is keyed by --------------------------------- */

/* StreamIDs 1 and 513 share a front cache index for the same address but
 * map it differently (non-global pages, ASIDs 1 and 2): alternate
 * translations never answer with the other stream's entry. */
TEST(front_cache_entries_are_per_stream)
{
    struct xt x;
    struct pt p1, p9;
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p1, &x, 12, 1, 39, 0);
    pt_set(&p1, 0x1000, 3, s1_leaf(3, 0x5000, fld_mask(PTE_NG)), 0);     /* ASID 1 */
    cd_make(cd, p1.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    pt_new(&p9, &x, 12, 1, 39, 0);
    pt_set(&p9, 0x1000, 3, s1_leaf(3, 0x9000, fld_mask(PTE_NG)), 0);     /* ASID 2 */
    cd_make(cd, p9.root, 25, 0, 2);
    xt_s1_stream(&x, 513, cd);
    CHECK_EQ(xl_fc_idx(1, 0x1000), xl_fc_idx(513, 0x1000));
    for (unsigned i = 0; i < 100; i++) {
        CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000 + 8 * i, VSMMU_ACC_READ), 0x5000 + 8 * i, 0x1000);
        CHECK_OK(xt_tr(&x, 513, VSMMU_NO_SSID, 0x1000 + 8 * i, VSMMU_ACC_READ), 0x9000 + 8 * i, 0x1000);
    }
    xt_fini(&x);
}

/* ---- several instances ----------------------------------------------------- */

/* One thread alternates between two instances with the same StreamID and
 * address mapped differently (and with different permissions): each answer
 * comes from its own instance, and each instance counts its own hits. */
TEST(two_instances_used_alternately_stay_apart)
{
    enum { N = 1000 };
    struct xt a, b;
    struct pt pa, pb;
    uint64_t cd[8];
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    xt_init(&a, NULL, NULL);
    xt_init(&b, NULL, NULL);
    pt_new(&pa, &a, 12, 1, 39, 0);
    pt_set(&pa, 0x1000, 3, s1_leaf(3, 0x5000, 0), 0);                  /* RW */
    cd_make(cd, pa.root, 25, 0, 1);
    xt_s1_stream(&a, 1, cd);
    pt_new(&pb, &b, 12, 1, 39, 0);
    pt_set(&pb, 0x1000, 3, s1_leaf_ap(3, 0x9000, 3, 0), 0);            /* RO */
    cd_make(cd, pb.root, 25, 0, 1);
    xt_s1_stream(&b, 1, cd);

    for (unsigned i = 0; i < N; i++) {
        uint64_t off = (i * 8u) & 0xFF8;
        CHECK_OK(xt_tr(&a, 1, VSMMU_NO_SSID, 0x1000 + off, VSMMU_ACC_READ), 0x5000 + off, 0x1000);
        CHECK_OK(xt_tr(&b, 1, VSMMU_NO_SSID, 0x1000 + off, VSMMU_ACC_READ), 0x9000 + off, 0x1000);
        CHECK_OK(xt_tr(&a, 1, VSMMU_NO_SSID, 0x1000 + off, VSMMU_ACC_WRITE), 0x5000 + off, 0x1000);
    }
    /* B's page is read-only whatever A's front cache holds. */
    CHECK_FAULT(xt_tr(&b, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE), EVT_F_PERMISSION);
    /* The same thread, the same slot index in both: separate slots. */
    CHECK(vsmmu_xlate_thread_slot(a.tb.s) >= 0);
    CHECK_EQ(vsmmu_xlate_thread_slot(a.tb.s), vsmmu_xlate_thread_slot(b.tb.s));
    vsmmu_get_stats(a.tb.s, &st);
    CHECK_EQ(st.tlb_hits, 2 * N - 1);
    CHECK_EQ(st.tlb_misses, 1);
    vsmmu_get_stats(b.tb.s, &st);
    CHECK_EQ(st.tlb_hits, N - 1);
    CHECK_EQ(st.tlb_misses, 2);         /* the first read, the faulting write */
    xt_fini(&b);
    xt_fini(&a);
}

/* Instances created and destroyed in turn (a new one often where the last
 * one was): each round maps the same address elsewhere, read-only on odd
 * rounds.  No round sees a translation or permission of an earlier one. */
TEST(new_instance_never_returns_stale_translations)
{
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    for (unsigned round = 0; round < 16; round++) {
        struct xt x;
        struct pt p;
        uint64_t cd[8], oa = 0x100000ull * (round + 1);

        xt_init(&x, NULL, NULL);
        pt_new(&p, &x, 12, 1, 39, 0);
        pt_set(&p, 0x1000, 3, round & 1 ? s1_leaf_ap(3, oa, 3, 0) : s1_leaf(3, oa, 0), 0);
        cd_make(cd, p.root, 25, 0, 1);
        xt_s1_stream(&x, 1, cd);
        /* Nothing is cached before the first translation. */
        CHECK_EQ(vsmmu_xlate_thread_slot(x.tb.s), -1);
        vsmmu_get_stats(x.tb.s, &st);
        CHECK_EQ(st.tlb_hits, 0);
        for (unsigned i = 0; i < 8; i++)
            CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1008, VSMMU_ACC_READ), oa + 8, 0x1000);
        if (round & 1)
            CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1008, VSMMU_ACC_WRITE), EVT_F_PERMISSION);
        else
            CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1008, VSMMU_ACC_WRITE), oa + 8, 0x1000);
        vsmmu_get_stats(x.tb.s, &st);
        CHECK_EQ(st.tlb_hits, round & 1 ? 7 : 8);
        xt_fini(&x);
    }
}

/* The pointers every translation reads first (struct vsmmu: xl, xl_slots)
 * sit on a cache line that nothing written after create shares: the
 * instance is line-aligned, the line starts at xl and the next field
 * (trace_fn) starts the next one.  Several instances, as malloc would
 * place them anywhere. */
TEST(hit_path_pointers_have_a_line_of_their_own)
{
    struct xt x[4];

    CHECK_EQ(offsetof(struct vsmmu, xl) % 64, 0);
    CHECK_EQ(offsetof(struct vsmmu, trace_fn) - offsetof(struct vsmmu, xl), 64);
    CHECK(offsetof(struct vsmmu, xl_slots) < offsetof(struct vsmmu, trace_fn));
    CHECK(offsetof(struct vsmmu, accel) < offsetof(struct vsmmu, trace_fn));
    for (unsigned i = 0; i < 4; i++) {
        xt_init(&x[i], NULL, NULL);
        CHECK_EQ((uintptr_t)x[i].tb.s % 64, 0);
        CHECK_EQ((uintptr_t)&x[i].tb.s->xl % 64, 0);
    }
    for (unsigned i = 0; i < 4; i++)
        xt_fini(&x[i]);
}
