// SPDX-License-Identifier: MIT
/*
 * Worst-case command queues: the time one CMDQ_PROD write takes to consume
 * a full queue (2^19 commands) of one command kind or of a mix of every
 * invalidation scope and CMD_SYNCs with MSI, with the default TLB and with
 * a 1M-entry TLB holding translations, and the longest wait of another
 * thread's register read and translation misses meanwhile.
 * Reports only (wall-clock and thread CPU time); asserts nothing about time.
 *
 * QSTALL_ALONE=1 leaves the other threads out (for callgrind);
 * QSTALL_TLB=n runs only the TLB size n.
 *
 *   build/plain/bench/qstall [case]    (case: all, nh_all, nh_asid, nh_va, nh_va_range,
 *                                       cfgi_all, cfgi_ste, mix, accel_mix)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/test_accel.h"
#include "../tests/test_xlate_util.h"

#define QLOG2 19u
#define NFILL 4096u

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One command of kind @k (index @i in the queue). */
static void make_cmd(const char *k, unsigned i, uint64_t c[2])
{
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

struct bg {
    struct testbed *tb;
    volatile int stop;
    double worst_read, worst_xlate;
    unsigned long reads, xlates;
};

static void *reader(void *arg)
{
    struct bg *b = arg;
    while (!b->stop) {
        double t0 = now();
        (void)tb_readl(b->tb, R_IDR0);
        double d = now() - t0;
        if (d > b->worst_read)
            b->worst_read = d;
        b->reads++;
    }
    return NULL;
}

static void *xlater(void *arg)
{
    struct bg *b = arg;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    unsigned i = 0;
    while (!b->stop) {
        double t0 = now();
        /* Beyond the filled pages: a miss (walk) every time. */
        vsmmu_translate(b->tb->s, 1, VSMMU_NO_SSID,
                        0x200000000000ull + ((uint64_t)(i++ % 64) << 12), VSMMU_ACC_READ | VSMMU_ACC_PRIV, &r);
        double d = now() - t0;
        if (d > b->worst_xlate)
            b->worst_xlate = d;
        b->xlates++;
    }
    return NULL;
}

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* @bg: run the register reader and the translating thread meanwhile. */
static void run(const char *kind, unsigned tlb_entries, bool bg)
{
    struct xt x;
    struct vsmmu_config cfg;
    struct guest_opts o = { .cmdq_log2 = QLOG2 };
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    struct testbed *tbp;
    struct guest *gp;
    struct pt p;
    uint64_t cd[8], c[2];
    pthread_t th[2];
    struct bg b = { 0 };
    double t0, c0, wall;
    uint32_t cons;

    vsmmu_config_default(&cfg);
    cfg.tlb_entries = tlb_entries;
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

    /* The full queue: CONS = 0, PROD = index 0 with the wrap bit. */
    for (unsigned i = 0; i < (1u << QLOG2); i++) {
        make_cmd(kind, i, c);
        tb_w64(tbp, gp->cmdq + 16ull * i, c[0]);
        tb_w64(tbp, gp->cmdq + 16ull * i + 8, c[1]);
    }
    b.tb = tbp;
    if (bg) {
        pthread_create(&th[0], NULL, reader, &b);
        pthread_create(&th[1], NULL, xlater, &b);
    }
    t0 = now();
    c0 = cpu();
    tb_writel(tbp, R_CMDQ_PROD, 1u << QLOG2);
    c0 = cpu() - c0;
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
    if (bg) {
        pthread_join(th[0], NULL);
        pthread_join(th[1], NULL);
        printf("%-12s tlb %8u: full queue %7.1f ms wall, %7.1f ms CPU; worst wait: IDR0 read "
               "%7.3f ms, translate miss %7.3f ms (%lu reads, %lu misses)\n",
               kind, tlb_entries, wall * 1e3, c0 * 1e3, b.worst_read * 1e3,
               b.worst_xlate * 1e3, b.reads, b.xlates);
    } else {
        printf("%-12s tlb %8u: full queue %7.1f ms wall, %7.1f ms CPU (no other threads)\n",
               kind, tlb_entries, wall * 1e3, c0 * 1e3);
    }
    xt_fini(&x);
}

/* Accel mode on the simulated kernel: AT_MAX_DEVS (8) passthrough devices with nested
 * STEs, a full queue of CFGI_ALL, CFGI_STE, CFGI_CD, TLBI_NH_VA and
 * TLBI_NH_ASID (forwarded to the host in batches) and CMD_SYNCs with MSI. */
#define ACCEL_DEVS AT_MAX_DEVS
static void run_accel(void)
{
    static struct at x;
    struct guest_opts o = { .cmdq_log2 = QLOG2 };
    uint64_t ste[8], c[2];
    double t0, c0;

    at_init(&x, NULL, ACCEL_DEVS);
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
    for (unsigned i = 0; i < (1u << QLOG2); i++) {
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
        tb_w64(&x.tb, x.g.cmdq + 16ull * i, c[0]);
        tb_w64(&x.tb, x.g.cmdq + 16ull * i + 8, c[1]);
    }
    t0 = now();
    c0 = cpu();
    tb_writel(&x.tb, R_CMDQ_PROD, 1u << QLOG2);
    c0 = cpu() - c0;
    t0 = now() - t0;
    if (tb_readl(&x.tb, R_CMDQ_CONS) != (1u << QLOG2)) {
        fprintf(stderr, "accel: stopped at 0x%x (GERROR 0x%x)\n", tb_readl(&x.tb, R_CMDQ_CONS),
                tb_readl(&x.tb, R_GERROR));
        exit(1);
    }
    printf("%-12s %2u devs: full queue %7.1f ms wall, %7.1f ms CPU (simulated kernel)\n",
           "accel_mix", ACCEL_DEVS, t0 * 1e3, c0 * 1e3);
    at_fini(&x);
}

int main(int argc, char **argv)
{
    static const char *const kinds[] = { "nh_all", "nh_asid", "nh_va", "nh_va_range",
                                         "cfgi_all", "cfgi_ste", "mix" };
    const char *want = argc > 1 ? argv[1] : "all";
    bool bg = !getenv("QSTALL_ALONE");

    if (!strcmp(want, "all") || !strcmp(want, "accel_mix"))
        run_accel();
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
