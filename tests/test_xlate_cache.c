// SPDX-License-Identifier: MIT
/* Cache bounds, counters, concurrent translation during invalidation, and
 * multi-step STE/CD updates replayed the way Linux writes them. */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "test_xlate_util.h"
#include "xlate/cache.h"

TEST(tlb_and_config_cache_stay_bounded)
{
    struct vsmmu_config cfg;
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    unsigned n;

    vsmmu_config_default(&cfg);
    cfg.tlb_entries = 64;
    cfg.cfg_entries = 8;
    xt_init(&x, &cfg, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    for (unsigned i = 0; i < 1024; i++)
        pt_set(&p, 0x1000ull * i, 3, s1_leaf(3, 0x80000000ull + 0x3000ull * i, 0), 0);
    cd_make(cd, p.root, 25, 0, 1);
    for (unsigned sid = 0; sid < 32; sid++)
        xt_s1_stream(&x, sid, cd);
    for (unsigned round = 0; round < 2; round++)
        for (unsigned i = 0; i < 1024; i++) {
            struct vsmmu_xlate_result r = xt_tr(&x, i % 32, VSMMU_NO_SSID, 0x1000ull * i + 4,
                                                VSMMU_ACC_READ);
            CHECK_OK(r, 0x80000004ull + 0x3000ull * i, 0x1000);
            CHECK(vsmmu_xlate_tlb_count(x.tb.s) <= 64);
            CHECK(vsmmu_xlate_cfg_count(x.tb.s) <= 8);
        }
    /* Eviction replaces single entries: the cache stays (nearly) full. */
    n = vsmmu_xlate_tlb_count(x.tb.s);
    CHECK_MSG(n >= 48, "TLB holds only %u entries after 2048 inserts", n);
    CHECK(vsmmu_xlate_cfg_count(x.tb.s) >= 6);
    xt_fini(&x);
}

TEST(hit_and_miss_counters)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 0x5000, 0), 0);
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x5000, 0x1000);
    for (unsigned i = 0; i < 200; i++) {
        CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000 + i, VSMMU_ACC_READ), 0x5000 + i, 0x1000);
        /* Exact at every point: no batching. */
        vsmmu_get_stats(x.tb.s, &st);
        CHECK_EQ(st.tlb_hits, i + 1);
        CHECK_EQ(st.tlb_misses, 1);
    }
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ), EVT_F_TRANSLATION);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.tlb_hits, 200);
    CHECK_EQ(st.tlb_misses, 2);
    xt_fini(&x);
}

/* ---- concurrency -------------------------------------------------------- */

struct race {
    struct xt *x;
    volatile int stop;
    unsigned started;
    unsigned long bad, n;
};

static void *race_thread(void *arg)
{
    struct race *rc = arg;
    unsigned long n = 0;
    while (!__atomic_load_n(&rc->stop, __ATOMIC_RELAXED)) {
        struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
        uint64_t va = 0x1000ull * (n % 8) + (n & 0xFF8);
        if (vsmmu_translate(rc->x->tb.s, 1, VSMMU_NO_SSID, va, VSMMU_ACC_READ, &r) ||
            r.status != VSMMU_XLATE_OK ||
            ((r.addr & ~0x1FFFull) != XT_FLIP_A && (r.addr & ~0x1FFFull) != XT_FLIP_B) ||
            (r.addr & 0xFFF) != (va & 0xFFF))
        {
            if (__atomic_add_fetch(&rc->bad, 1, __ATOMIC_RELAXED) == 1)
                fprintf(stderr, "first bad: va 0x%llx status %d event 0x%x addr 0x%llx\n",
                        (unsigned long long)va, r.status, r.event_type, (unsigned long long)r.addr);
        }
        if (++n == 1)
            __atomic_add_fetch(&rc->started, 1, __ATOMIC_RELEASE);
    }
    __atomic_add_fetch(&rc->n, n, __ATOMIC_RELAXED);
    return NULL;
}

/* Two threads translate while the guest flips the mapping between two
 * targets with TLBI_NH_VA + SYNC (and occasionally CFGI_ALL): every result
 * is one of the valid translations. */
TEST(concurrent_translate_during_invalidation)
{
    struct xt x;
    struct pt p;
    struct race rc = { .x = &x };
    pthread_t th[2];

    xt_init(&x, NULL, NULL);
    xt_flip_setup(&x, &p);
    for (int t = 0; t < 2; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, race_thread, &rc), 0);
    while (__atomic_load_n(&rc.started, __ATOMIC_ACQUIRE) < 2)
        sched_yield();
    for (unsigned k = 0; k < 2000; k++) {
        xt_flip_step(&x, &p, k);
        if (k % 100 == 99)
            CHECK_EQ(guest_cfgi_all(&x.g), 0);
    }
    __atomic_store_n(&rc.stop, 1, __ATOMIC_RELAXED);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    CHECK_MSG(rc.bad == 0, "%lu bad results of %lu", rc.bad, rc.n);
    CHECK(rc.n > 0);
    /* After the last invalidation every page gives the final mapping. */
    for (unsigned i = 0; i < 8; i++) {
        struct vsmmu_xlate_result r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000ull * i, VSMMU_ACC_READ);
        CHECK_OK(r, xt_flip_final(2000, i), 0x1000);
    }
    xt_fini(&x);
}

/* ---- Linux-style multi-step updates -------------------------------------- */

static void write_qword(struct xt *x, uint64_t pa, unsigned q, uint64_t v)
{
    tb_w64(&x->tb, pa + 8 * q, v);
}

/* bypass -> stage 1 -> abort, each step as Linux's entry writer does it:
 * qwords unused by the current config first, SYNC, the critical qword,
 * SYNC, then the leftover clean-up; a change of more than one used qword
 * goes through V = 0. */
TEST(linux_style_ste_updates)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8], cdpa, ste_a, tgt[8];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf(3, 0x7000, 0), 0);
    cd_make(cd, p.root, 25, 0, 1);
    cdpa = guest_alloc(&x.g, 64, 64);
    cd_write(&x, cdpa, cd);
    ste_a = guest_ste_addr(&x.g, 5);

    /* Initial: bypass with SHCFG = incoming. */
    memset(tgt, 0, sizeof(tgt));
    st_set(tgt, STE_V, 1);
    st_set(tgt, STE_CONFIG, STE_CFG_BYPASS);
    st_set(tgt, STE_SHCFG, 1);
    guest_write_ste(&x.g, 5, tgt);
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x1000, 1ull << 48);

    /* To stage 1.  Step 1: qword 1 (S1DSS/S1CIR...: unused under bypass). */
    ste_s1(tgt, cdpa);
    st_set(tgt, STE_S1CIR, 1);
    st_set(tgt, STE_S1COR, 1);
    st_set(tgt, STE_S1CSH, 3);
    write_qword(&x, ste_a, 1, tgt[1] | fld_set(0, 109 - 64, 108 - 64, 1));
    CHECK_EQ(guest_cfgi_ste(&x.g, 5), 0);
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x1000, 1ull << 48);           /* still bypass */
    /* Step 2: qword 0 (critical): now stage 1. */
    write_qword(&x, ste_a, 0, tgt[0]);
    CHECK_EQ(guest_cfgi_ste(&x.g, 5), 0);
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x7000, 0x1000);
    /* Step 3: clean-up of qword 1 (SHCFG unused now). */
    write_qword(&x, ste_a, 1, tgt[1]);
    CHECK_EQ(guest_cfgi_ste(&x.g, 5), 0);
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x7000, 0x1000);

    /* Stage 1 -> stage 2 (two used qwords change): breaking update. */
    {
        struct pt s2;
        uint64_t n2[8] = {0};
        pt_new(&s2, &x, 12, 1, 40, 0);
        pt_set(&s2, 0x1000, 3, s2_leaf(3, 0x9000, 0), 0);
        st_set(n2, STE_V, 1);
        st_set(n2, STE_CONFIG, STE_CFG_S2);
        ste_s2(n2, 3, 24, 1, 0, s2.root);
        /* Step 1: V = 0. */
        write_qword(&x, ste_a, 0, tgt[0] & ~1ull);
        CHECK_EQ(guest_cfgi_ste(&x.g, 5), 0);
        r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_C_BAD_STE);
        xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STE, .sid = 5 });
        /* Step 2: qwords 1..3 while invalid. */
        for (unsigned q = 1; q < 4; q++)
            write_qword(&x, ste_a, q, n2[q]);
        CHECK_EQ(guest_cfgi_ste(&x.g, 5), 0);
        r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
        CHECK_FAULT(r, EVT_C_BAD_STE);
        xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_STE, .sid = 5 });
        /* Step 3: qword 0 with V = 1. */
        write_qword(&x, ste_a, 0, n2[0]);
        CHECK_EQ(guest_cfgi_ste(&x.g, 5), 0);
        r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
        CHECK_OK(r, 0x9000, 0x1000);
    }
    /* Stage 2 -> abort: only qword 0's Config changes (hitless). */
    write_qword(&x, ste_a, 0, fld_set(tb_r64(&x.tb, ste_a), STE_CONFIG, STE_CFG_ABORT));
    /* Before the CFGI the cached STE may still be used... */
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_OK(r, 0x9000, 0x1000);
    CHECK_EQ(guest_cfgi_ste(&x.g, 5), 0);
    /* ...and after it must not be. */
    r = xt_tr(&x, 5, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_EQ(r.status, VSMMU_XLATE_FAULT);
    CHECK_EQ(r.event_type, 0);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* A live CD replaced with a new table and ASID: V = 0, SYNC, the other
 * qwords, SYNC, qword 0.  No step mixes the old ASID with the new table. */
TEST(linux_style_cd_updates)
{
    struct xt x;
    struct pt a, b;
    uint64_t cd[8], nd[8], cdpa, c[2];
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    xt_init(&x, NULL, NULL);
    pt_new(&a, &x, 12, 1, 39, 0);
    pt_new(&b, &x, 12, 1, 39, 0);
    pt_set(&a, 0x1000, 3, s1_leaf(3, 0xA000, fld_mask(PTE_NG)), 0);
    pt_set(&b, 0x1000, 3, s1_leaf(3, 0xB000, fld_mask(PTE_NG)), 0);
    pt_set(&b, 0x2000, 3, s1_leaf(3, 0xB2000, fld_mask(PTE_NG)), 0);
    cd_make(cd, a.root, 25, 0, 1);
    cdpa = xt_s1_stream(&x, 1, cd);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xA000, 0x1000);
    cd_make(nd, b.root, 25, 0, 2);

    write_qword(&x, cdpa, 0, cd[0] & ~fld_mask(CD_V));
    CHECK_EQ(guest_cfgi_cd(&x.g, 1, 0), 0);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_CD);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_CD, .sid = 1 });
    for (unsigned q = 1; q < 4; q++)
        write_qword(&x, cdpa, q, nd[q]);
    CHECK_EQ(guest_cfgi_cd(&x.g, 1, 0), 0);
    r = xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ);
    CHECK_FAULT(r, EVT_C_BAD_CD);
    xt_expect_event(&x, &(struct xev){ .type = EVT_C_BAD_CD, .sid = 1 });
    write_qword(&x, cdpa, 0, nd[0]);
    CHECK_EQ(guest_cfgi_cd(&x.g, 1, 0), 0);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xB000, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ), 0xB2000, 0x1000);
    /* The old ASID's entries are still cached until TLBI_NH_ASID (1). */
    guest_cmd_op(c, OP_TLBI_NH_ASID);
    st_set(c, CMD_ASID, 1);
    xt_cmd(&x, c);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0xB000, 0x1000);
    xt_expect_no_event(&x);
    xt_fini(&x);
}

/* A new instance (possibly at a freed one's address) never sees the
 * translations this thread's front cache held for the old one. */
TEST(front_cache_does_not_outlive_instance)
{
    for (unsigned round = 0; round < 4; round++) {
        struct xt x;
        struct pt p;
        uint64_t cd[8];
        xt_init(&x, NULL, NULL);
        pt_new(&p, &x, 12, 1, 39, 0);
        pt_set(&p, 0x1000, 3, s1_leaf(3, 0x100000ull * (round + 1), 0), 0);
        cd_make(cd, p.root, 25, 0, 1);
        xt_s1_stream(&x, 1, cd);
        for (unsigned i = 0; i < 4; i++)
            CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1008, VSMMU_ACC_READ),
                     0x100008ull + 0x100000ull * round, 0x1000);
        xt_fini(&x);
    }
}

/* The front cache keeps the permission check: a read fills it, a write to
 * the read-only page still faults. */
TEST(front_cache_checks_permissions)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    pt_set(&p, 0x1000, 3, s1_leaf_ap(3, 0x9000, 3, fld_mask(PTE_PXN)), 0);   /* RO, PXN */
    cd_make(cd, p.root, 25, 0, 1);
    xt_s1_stream(&x, 1, cd);
    for (unsigned i = 0; i < 3; i++)
        CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x9000, 0x1000);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE), EVT_F_PERMISSION);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | VSMMU_ACC_EXEC | VSMMU_ACC_PRIV),
                EVT_F_PERMISSION);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ | VSMMU_ACC_EXEC), 0x9000, 0x1000);
    xt_fini(&x);
}

/* ---- coherence against a cold walk -------------------------------------- */

static uint64_t crng = 0x243F6A8885A308D3ull;
static uint64_t crnd(void)
{
    crng ^= crng << 13;
    crng ^= crng >> 7;
    crng ^= crng << 17;
    return crng;
}

/* Translate with every cache emptied first: the architected answer for the
 * tables as they are in memory. */
static struct vsmmu_xlate_result cold(struct xt *x, uint32_t sid, uint64_t va, unsigned acc)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    vsmmu_lock_plain(x->tb.s);
    vsmmu_xlate_reset(x->tb.s);
    vsmmu_unlock(x->tb.s);
    vsmmu_xlate_forget_thread(x->tb.s);    /* independent of the generation logic */
    CHECK_EQ(vsmmu_translate(x->tb.s, sid, VSMMU_NO_SSID, va, acc, &r), 0);
    return r;
}

/* Random table changes, each followed by an invalidation that covers it
 * (by VA, by range, by ASID or all); at random points the cached answer
 * must equal a cold walk's. */
TEST(cached_results_match_cold_walks)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8], c[2];
    unsigned checks = 0;

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 1, 39, 0);
    for (unsigned i = 0; i < 64; i++)
        pt_set(&p, 0x1000ull * i, 3, s1_leaf(3, 0x100000ull * i, fld_mask(PTE_NG)), 0);
    for (unsigned b = 1; b < 4; b++)
        pt_set(&p, 0x40000000ull * b, 2, s1_leaf(2, 0x200000ull * (b + 8), fld_mask(PTE_NG)), 0);
    cd_make(cd, p.root, 25, 0, 7);
    xt_s1_stream(&x, 1, cd);
    for (unsigned step = 0; step < 3000; step++) {
        unsigned what = (unsigned)(crnd() % 10);
        if (what < 3) {
            /* Remap a page (new OA, AP, maybe invalid) and invalidate it. */
            unsigned i = (unsigned)(crnd() % 64);
            uint64_t d = crnd() % 8 ? s1_leaf_ap(3, 0x1000ull * (crnd() % 4096), (unsigned)(crnd() % 4),
                                                 fld_mask(PTE_NG))
                                    : 0;
            pt_set(&p, 0x1000ull * i, 3, d, 0);
            switch (crnd() % 4) {
            case 0:         /* by VA, any address in the page */
                guest_cmd_op(c, OP_TLBI_NH_VA);
                st_set(c, CMD_ASID, 7);
                c[1] |= (0x1000ull * i) & fld_mask(63, 12);
                break;
            case 1: {       /* a range of 1..8 pages containing it */
                unsigned lo = i - (unsigned)(crnd() % (i + 1 < 4 ? i + 1 : 4));
                guest_cmd_op(c, OP_TLBI_NH_VA);
                st_set(c, CMD_ASID, 7);
                c[1] |= (0x1000ull * lo) & fld_mask(63, 12);
                st_set(c, CMD_TG, 1);
                st_set(c, CMD_NUM, (i - lo) + (unsigned)(crnd() % 4));
                st_set(c, CMD_TTL, 3);      /* level-3 leaves (NUM = 0 needs TTL) */
                break;
            }
            case 2:
                guest_cmd_op(c, OP_TLBI_NH_ASID);
                st_set(c, CMD_ASID, 7);
                break;
            default:
                guest_cmd_op(c, OP_TLBI_NH_ALL);
                break;
            }
            xt_cmd(&x, c);
        } else if (what == 3) {
            /* Remap a 2 MB block; invalidate by an address inside it. */
            unsigned b = 1 + (unsigned)(crnd() % 3);
            pt_set(&p, 0x40000000ull * b, 2,
                   s1_leaf(2, 0x200000ull * (crnd() % 1024), fld_mask(PTE_NG)), 0);
            guest_cmd_op(c, OP_TLBI_NH_VAA);
            c[1] |= (0x40000000ull * b + (crnd() % 0x200000)) & fld_mask(63, 12);
            xt_cmd(&x, c);
        } else {
            /* Translate; sometimes compare with a cold walk. */
            bool blk = crnd() % 4 == 0;
            uint64_t va = blk ? 0x40000000ull * (1 + crnd() % 3) + (crnd() % 0x200000)
                              : 0x1000ull * (crnd() % 64) + (crnd() % 0x1000);
            unsigned acc = (1 + (unsigned)(crnd() % 3)) | (crnd() & 1 ? VSMMU_ACC_PRIV : 0);
            struct vsmmu_xlate_result r = xt_tr(&x, 1, VSMMU_NO_SSID, va, acc), k;
            if (crnd() % 5 == 0) {
                k = cold(&x, 1, va, acc);
                CHECK_MSG(r.status == k.status && r.addr == k.addr && r.size == k.size &&
                          r.perm == k.perm && r.event_type == k.event_type,
                          "step %u va 0x%llx acc %u: cached %d/0x%llx cold %d/0x%llx", step,
                          (unsigned long long)va, acc, r.status, (unsigned long long)r.addr,
                          k.status, (unsigned long long)k.addr);
                checks++;
            }
        }
        {
            uint64_t rec[4];
            while (guest_pop_event(&x.g, rec))
                ;
        }
    }
    CHECK(checks > 100);
    xt_fini(&x);
}

/* ---- an insert between another thread's probe and its insert ------------ */

/* Thread B walks page P and, in its leaf read (holding the cache lock),
 * waits until thread A, which has probed the TLB for P and found nothing,
 * waits for the lock; B then inserts P.  A's insert after its own walk
 * must find B's entry (the insert count moved since A's probe), not put a
 * second copy of P beside it.  The wait is bounded (DUP_WAIT_S, so that a
 * host that does not run A meanwhile gives an attempt without the
 * interleaving rather than a hang); up to DUP_TRIES attempts, on fresh
 * pages, until one has it. */
#define DUP_WAIT_S 10
#define DUP_TRIES 5

struct dup_race {
    struct xt x;
    uint64_t va, leaf;
    int phase;              /* 0: B not in its walk yet; 1: it is; 2: done */
    bool a_waited;          /* A was seen waiting for the cache lock */
};

static struct dup_race *dup_cur;

static double dup_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void dup_hook(struct testbed *tb, uint64_t addr, size_t len)
{
    struct dup_race *d = dup_cur;
    double t0 = dup_now();
    uint64_t sleeps;

    (void)len;
    if (addr != d->leaf || __atomic_load_n(&d->phase, __ATOMIC_ACQUIRE) != 0)
        return;
    sleeps = __atomic_load_n(&tb->s->xl_sleeps, __ATOMIC_RELAXED);
    __atomic_store_n(&d->phase, 1, __ATOMIC_RELEASE);
    /* A waits spinning (counted in waiters), then asleep (xl_sleeps). */
    while (!d->a_waited && dup_now() - t0 < DUP_WAIT_S) {
        d->a_waited = __atomic_load_n(&tb->s->xlock.waiters, __ATOMIC_RELAXED) != 0 ||
                      __atomic_load_n(&tb->s->xl_sleeps, __ATOMIC_RELAXED) != sleeps;
        sched_yield();
    }
    __atomic_store_n(&d->phase, 2, __ATOMIC_RELEASE);
}

static void *dup_b(void *arg)
{
    struct dup_race *d = arg;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    vsmmu_translate(d->x.tb.s, 1, VSMMU_NO_SSID, d->va, VSMMU_ACC_READ, &r);
    return NULL;
}

static unsigned tlb_copies(struct vsmmu *s, uint64_t va)
{
    struct xl_cache *xc = xl_cache_of(s);
    size_t n = ((size_t)1 << xc->tlb_sets_log2) * WAYS;
    unsigned c = 0;

    for (size_t i = 0; i < n; i++)
        c += (xc->tlb[i].tag & VALID) && xc->tlb[i].va == va;
    return c;
}

TEST(insert_after_another_threads_insert_keeps_one_copy)
{
    static struct dup_race d;
    struct pt p;
    uint64_t cd[8];
    unsigned raced = 0;

    memset(&d, 0, sizeof(d));
    xt_init(&d.x, NULL, NULL);
    pt_new(&p, &d.x, 12, 0, 48, 0);
    for (unsigned k = 0; k <= DUP_TRIES; k++)
        pt_set(&p, 0x6000 + 0x1000ull * k, 3, s1_leaf(3, 0x80006000 + 0x1000ull * k, 0), 0);
    cd_make(cd, p.root, 16, 0, 1);
    xt_s1_stream(&d.x, 1, cd);
    /* A (this thread) owns a slot and the configuration is cached. */
    CHECK_OK(xt_tr(&d.x, 1, VSMMU_NO_SSID, 0x6000, VSMMU_ACC_READ), 0x80006000, 0x1000);
    dup_cur = &d;
    for (unsigned k = 1; k <= DUP_TRIES && !raced; k++) {
        pthread_t b;

        d.va = 0x6000 + 0x1000ull * k;
        d.leaf = pt_slot(&p, d.va, 3, 0);
        d.phase = 0;
        d.a_waited = false;
        d.x.tb.read_hook = dup_hook;
        CHECK_EQ(pthread_create(&b, NULL, dup_b, &d), 0);
        while (__atomic_load_n(&d.phase, __ATOMIC_ACQUIRE) == 0)
            sched_yield();
        CHECK_OK(xt_tr(&d.x, 1, VSMMU_NO_SSID, d.va, VSMMU_ACC_READ), 0x80006000 + 0x1000ull * k,
                 0x1000);
        pthread_join(b, NULL);
        d.x.tb.read_hook = NULL;
        CHECK_EQ(tlb_copies(d.x.tb.s, d.va), 1);
        raced += d.a_waited;
    }
    CHECK(raced > 0);       /* the interleaving under test happened */
    xt_fini(&d.x);
}
