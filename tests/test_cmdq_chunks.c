// SPDX-License-Identifier: MIT
/* Command processing lets other threads have the instance lock between
 * chunks (src/model/cmdq.c): a register read from another thread returns
 * in the middle of a long queue (without the lock, src/model/regs.c), a
 * PROD write waits for one chunk, commands still run in queue order, each
 * CMD_SYNC completes after the commands before it and before those after
 * it, and commands a PROD write adds meanwhile are consumed too. */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "testbed.h"

#define N 2048u         /* commands in the first PROD write */
#define M 50u           /* commands the other thread adds */
#define TRIGGER 300u    /* the other thread starts at this command */
#define MSI_TARGET (TB_RAM_BASE + 0x2000)

struct ctx {
    struct testbed tb;
    struct guest g;
    volatile int go;
    unsigned seen, next, bad_order, bad_sync;
    uint32_t b_cons, first_bad;
    uint32_t start;     /* queue index of command 0 (after the guest's own) */
};

static bool is_sync(unsigned i)
{
    return i % 100 == 99 && i < N;
}

/* The data of the last CMD_SYNC before command @i (0: none yet). */
static uint32_t sync_before(unsigned i)
{
    uint32_t v = 0;
    for (unsigned j = 0; j < i; j++)
        if (is_sync(j))
            v = j;
    return v;
}

static void make(unsigned i, uint64_t c[2])
{
    if (is_sync(i)) {
        guest_cmd_op(c, OP_SYNC);
        st_set(c, CMD_SYNC_CS, SYNC_CS_IRQ);
        st_set(c, CMD_SYNC_MSIDATA, i);
        st_set(c, CMD_SYNC_MSIADDR, MSI_TARGET >> 2);
    } else {
        guest_cmd_op(c, OP_TLBI_NH_ASID);
        st_set(c, CMD_ASID, i);
    }
}

static void put(struct ctx *x, unsigned i)
{
    uint64_t c[2], a = x->g.cmdq + 16ull * (x->start + i);
    make(i, c);
    tb_w64(&x->tb, a, c[0]);
    tb_w64(&x->tb, a + 8, c[1]);
}

/* Called under the lock for every TLBI, in the processing thread. */
static void notifier(void *opaque, const struct vsmmu_inval *inv)
{
    struct ctx *x = opaque;
    unsigned i = (unsigned)inv->asid;

    x->seen++;
    while (x->next < N + M && is_sync(x->next))
        x->next++;
    if (i != x->next && !x->bad_order++)
        x->first_bad = x->next << 16 | i;
    x->next = i + 1;
    if (tb_r32(&x->tb, MSI_TARGET) != sync_before(i))
        x->bad_sync++;
    if (i == TRIGGER) {
        x->go = 1;
        /* Until the other thread waits for the lock (bounded). */
        for (unsigned k = 0; k < 2000000 &&
                             !__atomic_load_n(&x->tb.s->lock.waiters, __ATOMIC_RELAXED); k++)
            sched_yield();
    }
}

static void *other(void *arg)
{
    struct ctx *x = arg;

    while (!x->go)
        sched_yield();
    x->b_cons = tb_readl(&x->tb, R_CMDQ_CONS);
    for (unsigned i = N; i < N + M; i++)
        put(x, i);
    tb_writel(&x->tb, R_CMDQ_PROD, x->start + N + M);
    return NULL;
}

TEST(cmdq_chunks_let_others_in_keep_order)
{
    static struct ctx x;
    struct vsmmu_config cfg;
    struct guest_opts o = { .cmdq_log2 = 12 };
    pthread_t th;

    memset(&x, 0, sizeof(x));
    vsmmu_config_default(&cfg);
    cfg.msi = true;
    tb_init(&x.tb, &cfg);
    guest_init(&x.g, &x.tb, &o);
    CHECK_EQ(x.g.cmdq_log2, 12);
    vsmmu_set_inval_notifier(x.tb.s, notifier, &x);
    x.start = x.g.cmdq_prod;
    CHECK(x.start + N + M < 4096);
    for (unsigned i = 0; i < N; i++)
        put(&x, i);
    CHECK_EQ(pthread_create(&th, NULL, other, &x), 0);
    tb_writel(&x.tb, R_CMDQ_PROD, x.start + N);
    CHECK_EQ(pthread_join(th, NULL), 0);

    /* The other thread's read came in the middle of the queue (CONS is
     * read without the lock: it shows the command being executed). */
    CHECK_MSG(x.b_cons >= x.start + TRIGGER && x.b_cons < x.start + N, "CONS read by the other thread: %u",
              x.b_cons);
    CHECK(x.tb.s->cmdq_yields >= 1);
    /* Everything consumed, in order, SYNCs in between. */
    CHECK_EQ(tb_readl(&x.tb, R_CMDQ_CONS), x.start + N + M);
    CHECK_MSG(x.seen == N + M - N / 100, "seen %u next %u bad order %u (0x%x) sync %u", x.seen, x.next, x.bad_order, x.first_bad, x.bad_sync);
    CHECK_EQ(x.next, N + M);
    CHECK_EQ(x.bad_order, 0);
    CHECK_EQ(x.bad_sync, 0);
    CHECK_EQ(tb_r32(&x.tb, MSI_TARGET), sync_before(N));
    CHECK_EQ(tb_readl(&x.tb, R_GERROR), 0);
    tb_fini(&x.tb);
}
