// SPDX-License-Identifier: MIT
/*
 * Concurrency stress (make check runs it under ThreadSanitizer too): worker
 * threads translate while the guest, on this thread, rewrites the tables
 * (a leaf, or the whole tree behind a new CD) with invalidation and
 * CMD_SYNC, toggles SMMUEN and GBPA, and resets the SMMU; another thread
 * reads registers and statistics meanwhile.
 *
 * The property checked: a translation that starts after the CMD_SYNC of a
 * remap completed sees that mapping or a later one, never an earlier one.
 * The guest publishes the step whose CMD_SYNC completed (release), a worker
 * reads it before translating (acquire).  Translations that overlap an
 * SMMUEN/GBPA toggle or a reset (a seqcount, odd while it runs) may see
 * bypass, an abort or a fault; they only have to return.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "test_xlate_util.h"

#define VA 0x7000ull
#define OA(k) (0x80000000ull + 0x1000ull * (k))
#define WORKERS 3
#define STEPS 240

struct stress {
    struct xt x;
    struct pt p;
    unsigned published;     /* the last step whose CMD_SYNC completed */
    unsigned phase;         /* odd while SMMUEN/GBPA toggle or reset */
    unsigned stop, started, reader_ran;
    unsigned long checked, skipped, bad, errors, reads;
    uint64_t bad_addr;
    unsigned bad_from;
};

/* Map VA to OA(k) through a fresh table tree and CD, or the current one. */
static void map_step(struct stress *st, unsigned k, bool new_tree)
{
    uint64_t cd[8], c[2];

    if (new_tree) {
        pt_new(&st->p, &st->x, 12, 1, 39, 0);
        pt_set(&st->p, VA, 3, s1_leaf(3, OA(k), fld_mask(PTE_NG)), 0);
        cd_make(cd, st->p.root, 25, 0, 1);
        xt_s1_stream(&st->x, 1, cd);           /* STE + CFGI_STE + SYNC */
        CHECK_EQ(guest_cfgi_cd(&st->x.g, 1, 0), 0);
        guest_cmd_op(c, OP_TLBI_NH_ASID);
        st_set(c, CMD_ASID, 1);
    } else {
        pt_set(&st->p, VA, 3, s1_leaf(3, OA(k), fld_mask(PTE_NG)), 0);
        guest_cmd_op(c, OP_TLBI_NH_VA);
        st_set(c, CMD_ASID, 1);
        c[1] |= VA;
    }
    xt_cmd(&st->x, c);                           /* + CMD_SYNC */
    __atomic_store_n(&st->published, k, __ATOMIC_RELEASE);
}

static void phase_begin(struct stress *st)
{
    __atomic_add_fetch(&st->phase, 1, __ATOMIC_ACQ_REL);
}

static void phase_end(struct stress *st)
{
    __atomic_add_fetch(&st->phase, 1, __ATOMIC_ACQ_REL);
}

/* SMMUEN off, GBPA abort then bypass (each checked), SMMUEN back on. */
static void toggle(struct stress *st)
{
    struct testbed *tb = &st->x.tb;
    uint32_t cr0 = tb_readl(tb, R_CR0);
    struct vsmmu_xlate_result r;

    phase_begin(st);
    tb_writel(tb, R_CR0, cr0 & ~(uint32_t)fld_mask(CR0_SMMUEN));
    tb_writel(tb, R_GBPA, (uint32_t)(fld_mask(GBPA_UPDATE) | fld_mask(GBPA_ABORT)));
    r = xt_tr(&st->x, 1, VSMMU_NO_SSID, VA, VSMMU_ACC_READ);
    CHECK(r.status != VSMMU_XLATE_OK);
    tb_writel(tb, R_GBPA, (uint32_t)fld_mask(GBPA_UPDATE));
    CHECK_OK(xt_tr(&st->x, 1, VSMMU_NO_SSID, VA, VSMMU_ACC_READ), VA, 1ull << tb->cfg.oas_bits);
    tb_writel(tb, R_CR0, cr0);
    CHECK_EQ(tb_readl(tb, R_CR0ACK), cr0);
    phase_end(st);
}

/* Reset, then the guest brings the SMMU up again and maps step @k. */
static void reset(struct stress *st, unsigned k)
{
    phase_begin(st);
    vsmmu_reset(st->x.tb.s);
    guest_init(&st->x.g, &st->x.tb, NULL);
    map_step(st, k, true);
    phase_end(st);
}

static void *translator(void *arg)
{
    struct stress *st = arg;
    vsmmu_t *s = st->x.tb.s;
    unsigned long checked = 0, skipped = 0, bad = 0, errors = 0;

    __atomic_add_fetch(&st->started, 1, __ATOMIC_ACQ_REL);
    while (!__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE)) {
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
        unsigned p0 = __atomic_load_n(&st->phase, __ATOMIC_ACQUIRE);
        unsigned from = __atomic_load_n(&st->published, __ATOMIC_ACQUIRE);
        int rc = vsmmu_translate(s, 1, VSMMU_NO_SSID, VA + 8, VSMMU_ACC_READ, &r);
        unsigned p1 = __atomic_load_n(&st->phase, __ATOMIC_ACQUIRE);

        if (rc) {
            errors++;
        } else if ((p0 & 1) || p0 != p1) {
            skipped++;
        } else if (r.status != VSMMU_XLATE_OK || r.addr < OA(from) + 8 ||
                   r.addr > OA(STEPS) + 8 || ((r.addr - 8) & 0xfff)) {
            if (!bad++) {
                __atomic_store_n(&st->bad_addr, r.addr, __ATOMIC_RELAXED);
                __atomic_store_n(&st->bad_from, from, __ATOMIC_RELAXED);
            }
        } else {
            checked++;
        }
    }
    __atomic_add_fetch(&st->checked, checked, __ATOMIC_RELAXED);
    __atomic_add_fetch(&st->skipped, skipped, __ATOMIC_RELAXED);
    __atomic_add_fetch(&st->bad, bad, __ATOMIC_RELAXED);
    __atomic_add_fetch(&st->errors, errors, __ATOMIC_RELAXED);
    return NULL;
}

/* Another vCPU: register reads and statistics while all this goes on. */
static void *reader(void *arg)
{
    struct stress *st = arg;
    vsmmu_t *s = st->x.tb.s;
    unsigned long n = 0, errors = 0;

    while (!__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE)) {
        struct vsmmu_stats stats = VSMMU_STRUCT_INIT(stats);
        uint64_t v;
        errors += vsmmu_mmio_read(s, R_CR0, 4, &v) != 0;
        errors += vsmmu_mmio_read(s, R_GBPA, 4, &v) != 0;
        errors += vsmmu_mmio_read(s, R_STRTAB_BASE, 8, &v) != 0;
        errors += vsmmu_get_stats(s, &stats) != 0;
        n++;
        __atomic_store_n(&st->reader_ran, 1, __ATOMIC_RELEASE);
        sched_yield();
    }
    __atomic_add_fetch(&st->reads, n, __ATOMIC_RELAXED);
    __atomic_add_fetch(&st->errors, errors, __ATOMIC_RELAXED);
    return NULL;
}

TEST(translate_during_remap_toggle_reset_sync)
{
    static struct stress st;
    pthread_t th[WORKERS + 1];

    memset(&st, 0, sizeof(st));
    xt_init(&st.x, NULL, NULL);
    map_step(&st, 0, true);
    for (unsigned t = 0; t < WORKERS; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, translator, &st), 0);
    CHECK_EQ(pthread_create(&th[WORKERS], NULL, reader, &st), 0);
    /* Every thread runs before the guest starts (a loaded machine). */
    while (__atomic_load_n(&st.started, __ATOMIC_ACQUIRE) < WORKERS)
        sched_yield();
    for (unsigned k = 1; k <= STEPS; k++) {
        if (k % 60 == 30)
            reset(&st, k);
        else
            map_step(&st, k, k % 10 == 3);
        if (k % 10 == 7)
            toggle(&st);
        if (k % 16 == 0)
            sched_yield();      /* let the workers see each state */
    }
    /* The reader too has run at least once (on a loaded machine it may
     * not have been scheduled during the steps; bounded). */
    for (unsigned k = 0; k < 10000000 && !__atomic_load_n(&st.reader_ran, __ATOMIC_ACQUIRE); k++)
        sched_yield();
    __atomic_store_n(&st.stop, 1, __ATOMIC_RELEASE);
    for (unsigned t = 0; t <= WORKERS; t++)
        pthread_join(th[t], NULL);
    CHECK_MSG(st.bad == 0, "%lu stale or wrong results of %lu (first: 0x%llx, step >= %u)",
              st.bad, st.checked + st.bad, (unsigned long long)st.bad_addr, st.bad_from);
    CHECK_EQ(st.errors, 0);
    CHECK(st.checked > 0);
    if (getenv("VSMMU_TEST_VERBOSE"))
        printf("checked %lu skipped %lu reads %lu\n", st.checked, st.skipped, st.reads);
    CHECK(st.reads > 0);
    /* After the last step everyone sees it. */
    CHECK_OK(xt_tr(&st.x, 1, VSMMU_NO_SSID, VA, VSMMU_ACC_READ), OA(STEPS), 0x1000);
    xt_fini(&st.x);
}

/* Several instances translated by the same threads at once stay apart
 * (no global state): each thread alternates between two instances that map
 * the same VA differently. */
struct pair {
    struct xt *a, *b;
    unsigned long bad;
};

static void *alternate(void *arg)
{
    struct pair *p = arg;
    unsigned long bad = 0;

    for (unsigned i = 0; i < 2000; i++) {
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
        struct xt *x = (i & 1) ? p->b : p->a;
        if (vsmmu_translate(x->tb.s, 1, VSMMU_NO_SSID, VA, VSMMU_ACC_READ, &r) ||
            r.status != VSMMU_XLATE_OK || r.addr != ((i & 1) ? OA(2) : OA(1)))
            bad++;
    }
    __atomic_add_fetch(&p->bad, bad, __ATOMIC_RELAXED);
    return NULL;
}

TEST(two_instances_several_threads)
{
    static struct stress a, b;
    struct pair p = { .a = &a.x, .b = &b.x };
    pthread_t th[WORKERS];

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    xt_init(&a.x, NULL, NULL);
    xt_init(&b.x, NULL, NULL);
    map_step(&a, 1, true);
    map_step(&b, 2, true);
    for (unsigned t = 0; t < WORKERS; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, alternate, &p), 0);
    for (unsigned t = 0; t < WORKERS; t++)
        pthread_join(th[t], NULL);
    CHECK_EQ(p.bad, 0);
    xt_fini(&a.x);
    xt_fini(&b.x);
}
