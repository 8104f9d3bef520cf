// SPDX-License-Identifier: MIT
/* Instance lifecycle, configuration, logging and guest-memory access. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi/abi.h"
#include "model/model.h"

/* The defaults of every field this library knows. */
static void config_defaults(struct vsmmu_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->struct_size = sizeof(*cfg);
    cfg->stage1 = true;
    cfg->stage2 = true;
    cfg->oas_bits = 48;
    cfg->sidsize = 16;
    cfg->ssidsize = 0;
    cfg->cmdqs = QUEUE_LOG2_MAX;
    cfg->eventqs = QUEUE_LOG2_MAX;
    cfg->priqs = 0;
    cfg->two_level_strtab = true;
    cfg->cd2l = true;
    cfg->ril = true;
    cfg->msi = true;
    cfg->sev = true;
    cfg->asid16 = true;
    cfg->vmid16 = true;
    cfg->gran4k = cfg->gran16k = cfg->gran64k = true;
    cfg->aidr_minor = 2;
    cfg->tlb_entries = 4096;
    cfg->cfg_entries = 256;
    cfg->log_level = VSMMU_LOG_INFO;
}

int vsmmu_config_init(struct vsmmu_config *cfg, size_t size)
{
    struct vsmmu_config def;

    if (!cfg || size < sizeof(uint32_t) || size > VSMMU_ABI_MAX_STRUCT)
        return -EINVAL;
    config_defaults(&def);
    cfg->struct_size = (uint32_t)size;
    return vsmmu_abi_copy_out(cfg, &def, sizeof(def));
}

unsigned vsmmu_pa_bits_decode(unsigned enc)
{
    static const unsigned bits[8] = { 32, 36, 40, 42, 44, 48, 52, 56 };
    return bits[enc & 7];
}

int vsmmu_pa_bits_encode(unsigned b)
{
    for (unsigned e = 0; e < 8; e++)
        if (vsmmu_pa_bits_decode(e) == b)
            return (int)e;
    return -1;
}

unsigned vsmmu_oas_bits(const struct vsmmu *s)
{
    return s->cfg.oas_bits;
}

/* ---- logging ------------------------------------------------------------- */

static void deliver(struct vsmmu *s, enum vsmmu_log_level level, const char *msg)
{
    if (s->ops.log)
        s->ops.log(s->ops.opaque, level, msg);
    else
        fprintf(stderr, "vsmmu: error: %s\n", msg);
}

static void deliver_fmt(struct vsmmu *s, enum vsmmu_log_level level, char *buf, size_t len,
                        const char *fmt, va_list ap)
{
    vsnprintf(buf, len, fmt, ap);
    deliver(s, level, buf);
}

static uint64_t clock_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vsmmu_now_ns(void)
{
    return clock_now(CLOCK_MONOTONIC);
}

uint64_t vsmmu_thread_cpu_ns(void)
{
    return clock_now(CLOCK_THREAD_CPUTIME_ID);
}

/* The slot of @site: found, claimed, or the shared last one. */
static struct vsmmu_log_slot *log_slot(struct vsmmu_logger *lg, const struct vsmmu_log_site *site)
{
    unsigned h = (unsigned)(((uintptr_t)site >> 3) * 0x9E3779B1u) % (VSMMU_LOG_SLOTS - 1);

    for (unsigned i = 0; i < VSMMU_LOG_SLOTS - 1; i++) {
        struct vsmmu_log_slot *sl = &lg->slot[(h + i) % (VSMMU_LOG_SLOTS - 1)];
        if (sl->site == site)
            return sl;
        if (!sl->site) {
            sl->site = site;
            return sl;
        }
    }
    return &lg->slot[VSMMU_LOG_SLOTS - 1];
}

/* Report what @sl suppressed, if anything.  Logger lock held. */
static void slot_report(struct vsmmu *s, struct vsmmu_log_slot *sl)
{
    char buf[64 + VSMMU_LOG_LAST];

    if (sl->suppressed) {
        snprintf(buf, sizeof(buf), "%llu similar messages suppressed (last: %s)",
                 (unsigned long long)sl->suppressed, sl->last);
        deliver(s, sl->level, buf);
    }
    sl->suppressed = 0;
    sl->passed = 0;
}

void vsmmu_log_at(struct vsmmu *s, const struct vsmmu_log_site *site,
                  enum vsmmu_log_level level, const char *fmt, ...)
{
    struct vsmmu_logger *lg = &s->log;
    struct vsmmu_log_slot *sl;
    char buf[512];
    va_list ap;
    uint64_t now;

    if ((int)level > lg->max_level)
        return;
    /* A message the log callback itself causes (calling back into the
     * instance) is dropped: the logger lock is the caller's. */
    if (__atomic_load_n(&lg->owner, __ATOMIC_RELAXED) == vsmmu_self())
        return;
    if (level == VSMMU_LOG_TRACE) {
        va_start(ap, fmt);
        deliver_fmt(s, level, buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return;
    }
    pthread_mutex_lock(&lg->lock);
    __atomic_store_n(&lg->owner, vsmmu_self(), __ATOMIC_RELAXED);
    sl = log_slot(lg, site);
    now = vsmmu_now_ns();
    if (sl->passed && now - sl->start_ns >= VSMMU_LOG_WINDOW_NS)
        slot_report(s, sl);
    if (sl->passed == 0)
        sl->start_ns = now;
    if (sl->passed < VSMMU_LOG_BURST) {
        sl->passed++;
        sl->level = level;
        va_start(ap, fmt);
        deliver_fmt(s, level, buf, sizeof(buf), fmt, ap);
        va_end(ap);
        {
            size_t n = strnlen(buf, sizeof(sl->last) - 1);
            memcpy(sl->last, buf, n);
            sl->last[n] = '\0';
        }
    } else {
        sl->suppressed++;
    }
    __atomic_store_n(&lg->owner, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&lg->lock);
}

void vsmmu_log_flush(struct vsmmu *s)
{
    struct vsmmu_logger *lg = &s->log;

    if (__atomic_load_n(&lg->owner, __ATOMIC_RELAXED) == vsmmu_self())
        return;
    pthread_mutex_lock(&lg->lock);
    __atomic_store_n(&lg->owner, vsmmu_self(), __ATOMIC_RELAXED);
    for (unsigned i = 0; i < VSMMU_LOG_SLOTS; i++)
        slot_report(s, &lg->slot[i]);
    __atomic_store_n(&lg->owner, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&lg->lock);
}

/* The threshold: the configured level (FLAG_TRACE raises it to TRACE);
 * without a log callback only errors reach standard error.  Returns 0 or
 * -ENOMEM. */
static int log_init(struct vsmmu *s)
{
    int lvl = (int)s->cfg.log_level;

    if (lvl < VSMMU_LOG_ERROR)
        lvl = VSMMU_LOG_ERROR;
    if (lvl > VSMMU_LOG_TRACE)
        lvl = VSMMU_LOG_TRACE;
    if (s->cfg.flags & VSMMU_FLAG_TRACE)
        lvl = VSMMU_LOG_TRACE;
    if (!s->ops.log)
        lvl = VSMMU_LOG_ERROR;
    s->log.max_level = lvl;
    return pthread_mutex_init(&s->log.lock, NULL) ? -ENOMEM : 0;
}

static void log_fini(struct vsmmu *s)
{
    vsmmu_log_flush(s);
    pthread_mutex_destroy(&s->log.lock);
}

static int check_config(struct vsmmu *s, const struct vsmmu_config *c)
{
#define BAD(...) do { vsmmu_log(s, VSMMU_LOG_ERROR, "invalid configuration: " __VA_ARGS__); return -EINVAL; } while (0)
    if (!c->stage1 && !c->stage2)
        BAD("neither stage 1 nor stage 2 is implemented");
    if (vsmmu_pa_bits_encode(c->oas_bits) < 0 || c->oas_bits > 52)
        BAD("oas %u is not one of 32, 36, 40, 42, 44, 48, 52", c->oas_bits);
    if (c->sidsize > 32)
        BAD("sidsize %u > 32", c->sidsize);
    if (c->ssidsize > 20)
        BAD("ssidsize %u > 20", c->ssidsize);
    if (c->cmdqs > QUEUE_LOG2_MAX || c->eventqs > QUEUE_LOG2_MAX || c->priqs > QUEUE_LOG2_MAX)
        BAD("queue size above 2^19");
    if (c->sidsize >= 7 && !c->two_level_strtab)
        BAD("sidsize >= 7 requires the 2-level stream table");
    if (!c->gran4k && !c->gran16k && !c->gran64k)
        BAD("no translation granule");
    if (c->hyp && !(c->stage1 && c->stage2))
        BAD("hyp needs stage 1 and stage 2");
    if (c->pri && !c->ats)
        BAD("pri needs ats");
    if (c->aidr_minor > 4)
        BAD("aidr_minor %u > 4", c->aidr_minor);
    if (c->accel && c->stage2)
        BAD("accel mode advertises stage 1 only (set stage2 off)");
    if (c->accel && !c->stage1)
        BAD("accel mode needs stage 1");
    if (c->accel && c->oas_bits != 44 && c->oas_bits != 48)
        BAD("accel mode supports oas 44 or 48, not %u", c->oas_bits);
    if (c->tlb_entries < 16 || c->cfg_entries < 4)
        BAD("cache sizes too small");
    if ((unsigned)c->log_level > VSMMU_LOG_TRACE)
        BAD("log_level %u is not a vsmmu_log_level", (unsigned)c->log_level);
#undef BAD
    return 0;
}

int vsmmu_create(const struct vsmmu_config *cfg, const struct vsmmu_host_ops *ops,
                 vsmmu_t **out)
{
    struct vsmmu_config c;
    struct vsmmu_host_ops o = { .struct_size = sizeof(o) };
    struct vsmmu *s;
    int rc;

    if (!out)
        return -EINVAL;
    *out = NULL;
    /* The caller's structs may be older (smaller) or newer than ours. */
    config_defaults(&c);
    rc = vsmmu_abi_copy_in(&c, sizeof(c), cfg);
    if (!rc)
        rc = vsmmu_abi_copy_in(&o, sizeof(o), ops);
    if (rc)
        return rc;
    if (!o.mem_read || !o.mem_write)
        return -EINVAL;
    s = aligned_alloc(_Alignof(struct vsmmu), sizeof(*s));  /* a multiple of it */
    if (!s)
        return -ENOMEM;
    memset(s, 0, sizeof(*s));
    s->cfg = c;
    s->ops = o;
    if (log_init(s)) {
        free(s);
        return -ENOMEM;
    }
    rc = check_config(s, &s->cfg);
    if (rc)
        goto fail_log;
    rc = vsmmu_olock_init(&s->lock);
    if (rc)
        goto fail_log;
    rc = vsmmu_olock_init(&s->xlock);
    if (rc) {
        vsmmu_olock_fini(&s->lock);
        goto fail_log;
    }
    vsmmu_regs_init_idr(s);
    rc = vsmmu_xlate_init(s);
    if (rc)
        goto fail_lock;
    rc = vsmmu_accel_init(s);
    if (rc)
        goto fail_xlate;
    vsmmu_regs_reset(s);
    *out = s;
    return 0;

fail_xlate:
    vsmmu_xlate_fini(s);
fail_lock:
    vsmmu_olock_fini(&s->xlock);
    vsmmu_olock_fini(&s->lock);
fail_log:
    log_fini(s);
    free(s);
    return rc;
}

int vsmmu_olock_init(struct vsmmu_olock *l)
{
    if (pthread_mutex_init(&l->mx, NULL))
        return -ENOMEM;
    if (pthread_cond_init(&l->cv, NULL)) {
        pthread_mutex_destroy(&l->mx);
        return -ENOMEM;
    }
    return 0;
}

void vsmmu_olock_fini(struct vsmmu_olock *l)
{
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mx);
}

bool vsmmu_olock_sleep(struct vsmmu_olock *l, bool once)
{
    uintptr_t me = vsmmu_self();
    bool got;

    pthread_mutex_lock(&l->mx);
    /* Counted before each retry (sequentially consistent, as the unlock's
     * release and check): an unlock after a failed retry wakes this
     * thread, and it cannot signal before the wait (mx). */
    __atomic_fetch_add(&l->sleepers, 1, __ATOMIC_SEQ_CST);
    for (unsigned waits = 0;; waits++) {
        uintptr_t cur = 0;

        got = __atomic_compare_exchange_n(&l->owner, &cur, me, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST);
        if (got || (once && waits))
            break;
        pthread_cond_wait(&l->cv, &l->mx);
    }
    __atomic_fetch_sub(&l->sleepers, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&l->mx);
    return got;
}

void vsmmu_olock_wake(struct vsmmu_olock *l)
{
    /* Under mx: a sleeper between its count and its wait holds it. */
    pthread_mutex_lock(&l->mx);
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mx);
}

void vsmmu_lock_wait(struct vsmmu *s, bool waiter)
{
    if (waiter)
        __atomic_fetch_add(&s->lock.waiters, 1, __ATOMIC_RELAXED);
    vsmmu_olock_sleep(&s->lock, false);
    if (waiter) {
        __atomic_fetch_sub(&s->lock.waiters, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->lock.epoch, 1, __ATOMIC_RELEASE);
    }
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* The cache lock is held for microseconds (one miss's walk, one command's
 * cache work): a thread that finds it held spins for it, counted as a
 * waiter.  For XL_SPIN_ALONE_NS it only spins (its holder is most likely
 * running on another CPU); after that it yields the CPU every
 * XL_SPIN_CHECK tries too (the holder may be waiting for this CPU).  Once
 * it has spent XL_SPIN_CPU_NS of its own CPU time so (not wall time: a
 * thread that yielded may get the CPU back only milliseconds later, and
 * must not then go to sleep at once), it sleeps until the next unlock
 * (waking a sleeper can take 0.1 - 1 ms on a busy host) and spins again.
 * With @give_way (command processing) the caller first waits, for at most
 * XL_GIVE_WAY_NS of CPU time, until a waiter has had the lock. */
#define XL_SPIN_CHECK 64u
#define XL_SPIN_ALONE_NS 50000u
#define XL_SPIN_CPU_NS 1000000u
#define XL_GIVE_WAY_NS 5000u
/* Command processing's spin for an urgent waiter to have had the instance
 * lock (vsmmu_lock_give_way): one faulting translation, with its event. */
#define LOCK_GIVE_WAY_NS 20000u

/* Spin until @l is free and, with @seen, until a waiter took it since epoch
 * @seen was read, and with @defer, until command processing is not taking
 * it back (l->retake); false after @cpu_ns of this thread's CPU time. */
static bool spin_for(struct vsmmu_olock *l, const uint32_t *seen, bool defer, uint64_t cpu_ns)
{
    uint64_t t0 = 0, c0 = 0;

    for (unsigned i = 1;; i++) {
        if (!__atomic_load_n(&l->owner, __ATOMIC_RELAXED) &&
            (!seen || !__atomic_load_n(&l->waiters, __ATOMIC_RELAXED) ||
             __atomic_load_n(&l->epoch, __ATOMIC_RELAXED) != *seen) &&
            (!defer || !__atomic_load_n(&l->retake, __ATOMIC_RELAXED)))
            return true;
        if (i % XL_SPIN_CHECK) {
            cpu_relax();
            continue;
        }
        if (!t0) {
            t0 = vsmmu_now_ns();
            c0 = vsmmu_thread_cpu_ns();
            continue;
        }
        if (vsmmu_thread_cpu_ns() - c0 >= cpu_ns)
            return false;
        if (vsmmu_now_ns() - t0 >= XL_SPIN_ALONE_NS)
            sched_yield();
    }
}

/* Spin for @l (spin_for with @defer) and take it for @me: true, or false
 * once XL_SPIN_CPU_NS of this thread's CPU time has gone without it. */
static bool spin_take(struct vsmmu_olock *l, uintptr_t me, bool defer)
{
    while (spin_for(l, NULL, defer, XL_SPIN_CPU_NS))
        if (vsmmu_olock_try(l, me))
            return true;
    return false;
}

void vsmmu_xl_lock_wait(struct vsmmu *s, bool give_way)
{
    struct vsmmu_olock *l = &s->xlock;
    uintptr_t me = vsmmu_self();

    if (give_way) {
        uint32_t seen = __atomic_load_n(&l->epoch, __ATOMIC_RELAXED);
        if (!spin_for(l, &seen, false, XL_GIVE_WAY_NS))
            __atomic_fetch_add(&s->xl_give_way_missed, 1, __ATOMIC_RELAXED);
        if (vsmmu_olock_try(l, me))
            return;
    }
    for (;;) {
        bool got;

        if (!give_way)
            __atomic_fetch_add(&l->waiters, 1, __ATOMIC_RELAXED);
        got = spin_take(l, me, false);
        if (!give_way) {
            __atomic_fetch_sub(&l->waiters, 1, __ATOMIC_RELAXED);
            if (got)
                __atomic_fetch_add(&l->epoch, 1, __ATOMIC_RELAXED);
        }
        if (got)
            return;
        __atomic_fetch_add(&s->xl_sleeps, 1, __ATOMIC_RELAXED);
        if (vsmmu_olock_sleep(l, true))
            return;
    }
}

/* The instance lock, for a thread whose wait must stay short (see
 * model.h): spun for like the cache lock (a sleeping waiter can take a
 * millisecond to be woken and run), for XL_SPIN_CPU_NS of CPU time at a
 * time, sleeping until the next unlock in between.  Command processing
 * lets an urgent waiter in at the next command boundary, so the spin is
 * short unless the holder is itself slow (a host callback) or off the CPU.
 * An urgent waiter leaves the lock to processing taking it back after a
 * hand-off (lock.retake): with several faulting threads, the one let in
 * would otherwise hand it straight to the next, and processing, racing
 * them all for it, could wait long for its turn. */
void vsmmu_lock_spin(struct vsmmu *s, bool urgent)
{
    struct vsmmu_olock *l = &s->lock;
    uintptr_t me = vsmmu_self();
    bool got = false;

    if (vsmmu_olock_try(l, me))
        return;
    if (urgent) {
        __atomic_fetch_add(&l->waiters, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&l->urgent, 1, __ATOMIC_RELAXED);
    }
    while (!got) {
        got = spin_take(l, me, urgent);
        if (!got) {
            __atomic_fetch_add(&s->lock_sleeps, 1, __ATOMIC_RELAXED);
            got = vsmmu_olock_sleep(l, true);
        }
    }
    if (urgent) {
        __atomic_fetch_sub(&l->urgent, 1, __ATOMIC_RELAXED);
        __atomic_fetch_sub(&l->waiters, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&l->epoch, 1, __ATOMIC_RELEASE);
    }
}

bool vsmmu_lock_give_way(struct vsmmu *s, uint32_t seen)
{
    uint64_t c0 = vsmmu_thread_cpu_ns(), spent = 0;

    /* One waiter after the other, while urgent ones remain. */
    do {
        if (!spin_for(&s->lock, &seen, false, LOCK_GIVE_WAY_NS - spent))
            return false;
        seen = __atomic_load_n(&s->lock.epoch, __ATOMIC_ACQUIRE);
        spent = vsmmu_thread_cpu_ns() - c0;
    } while (__atomic_load_n(&s->lock.urgent, __ATOMIC_RELAXED) && spent < LOCK_GIVE_WAY_NS);
    return true;
}

bool vsmmu_lock_void(struct vsmmu *s, const char *fn)
{
    if (!vsmmu_lock(s))
        return true;
    vsmmu_log(s, VSMMU_LOG_ERROR, "%s() called from a host callback of the same instance: "
              "refused (it would deadlock)", fn);
    return false;
}

void vsmmu_destroy(vsmmu_t *s)
{
    if (!s)
        return;
    if (vsmmu_in_callback(s)) {
        vsmmu_log(s, VSMMU_LOG_ERROR, "vsmmu_destroy() called from a host callback of the "
                  "same instance: refused");
        return;
    }
    vsmmu_accel_fini(s);
    vsmmu_xlate_fini(s);
    vsmmu_ram_free(s->ram);
    vsmmu_olock_fini(&s->xlock);
    vsmmu_olock_fini(&s->lock);
    log_fini(s);
    free(s);
}

void vsmmu_reset(vsmmu_t *s)
{
    if (!s || !vsmmu_lock_void(s, __func__))
        return;
    vsmmu_regs_reset(s);
    vsmmu_xlate_reset(s);
    vsmmu_accel_reset(s);
    vsmmu_log_flush(s);
    vsmmu_unlock(s);
}

void vsmmu_set_inval_notifier(vsmmu_t *s,
                              void (*fn)(void *opaque, const struct vsmmu_inval *inv),
                              void *opaque)
{
    if (!s || !vsmmu_lock_void(s, __func__))
        return;
    s->inval_fn = fn;
    s->inval_opaque = opaque;
    vsmmu_unlock(s);
}

int vsmmu_set_mmio_base(vsmmu_t *s, uint64_t base)
{
    if (!s || (base & 0xffff) || base > UINT64_MAX - VSMMU_MMIO_SIZE)
        return -EINVAL;
    if (vsmmu_lock(s))
        return -EDEADLK;
    __atomic_store_n(&s->mmio_base, base, __ATOMIC_RELAXED);
    vsmmu_unlock(s);
    return 0;
}

int vsmmu_get_stats(vsmmu_t *s, struct vsmmu_stats *out)
{
    struct vsmmu_stats stats, *st = &stats;

    if (!s || !out)
        return -EINVAL;
    /* Everything but the TLB counters changes under the lock; those are
     * updated by lock-free translations and read atomically.  A new counter
     * must be added here. */
    memset(st, 0, sizeof(*st));
    if (vsmmu_lock(s))
        return -EDEADLK;
    st->commands = s->stats.commands;
    st->events = s->stats.events;
    st->events_dropped = s->stats.events_dropped;
    st->delivered = s->stats.delivered;
    st->host_lost = s->stats.host_lost;
    st->dropped = s->stats.dropped;
    vsmmu_unlock(s);
    st->tlb_hits = vsmmu_xlate_hits(s);
    st->tlb_misses = __atomic_load_n(&s->stats.tlb_misses, __ATOMIC_RELAXED);
    return vsmmu_abi_copy_out(out, st, sizeof(*st));
}

/* ---- guest memory ------------------------------------------------------ */

bool vsmmu_own_frame(struct vsmmu *s, uint64_t addr, size_t len)
{
    uint64_t base = __atomic_load_n(&s->mmio_base, __ATOMIC_RELAXED);

    if (!base || len == 0 || addr + len - 1 < base || addr > base + (VSMMU_MMIO_SIZE - 1))
        return false;
    vsmmu_trace(s, "access of %zu bytes at 0x%llx targets the SMMU's own register frame: "
                "aborted", len, (unsigned long long)addr);
    return true;
}

/* Out of the physical address size, or the SMMU's own frame: aborts. */
static bool beyond_oas(struct vsmmu *s, uint64_t addr, size_t len)
{
    unsigned oas = vsmmu_oas_bits(s);
    uint64_t end = addr + len - 1;
    return end < addr || (oas < 64 && (end >> oas) != 0) || vsmmu_own_frame(s, addr, len);
}

int vsmmu_dma_read(struct vsmmu *s, uint64_t addr, void *buf, size_t len)
{
    if (beyond_oas(s, addr, len) ||
        (!vsmmu_ram_try(s, addr, buf, len, false) &&
         s->ops.mem_read(s->ops.opaque, addr, buf, len))) {
        memset(buf, 0, len);
        return -EIO;
    }
    return 0;
}

int vsmmu_dma_write(struct vsmmu *s, uint64_t addr, const void *buf, size_t len)
{
    if (beyond_oas(s, addr, len) ||
        (!vsmmu_ram_try(s, addr, (void *)buf, len, true) &&
         s->ops.mem_write(s->ops.opaque, addr, buf, len)))
        return -EIO;
    return 0;
}

int vsmmu_dma_read_dwords(struct vsmmu *s, uint64_t addr, uint64_t *dw, unsigned n)
{
    uint8_t buf[64];
    if (n > 8)
        return -EINVAL;
    if (vsmmu_dma_read(s, addr, buf, 8u * n)) {
        memset(dw, 0, 8u * n);
        return -EIO;
    }
    for (unsigned i = 0; i < n; i++)
        dw[i] = vsmmu_le64(buf + 8 * i);
    return 0;
}

int vsmmu_dma_read_u64_slow(struct vsmmu *s, uint64_t addr, uint64_t *v)
{
    uint8_t buf[8];

    if (vsmmu_dma_read(s, addr, buf, sizeof(buf))) {
        *v = 0;
        return -EIO;
    }
    *v = vsmmu_le64(buf);
    return 0;
}

int vsmmu_dma_write_dwords(struct vsmmu *s, uint64_t addr, const uint64_t *dw, unsigned n)
{
    uint8_t buf[64];
    if (n > 8)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        vsmmu_put_le64(buf + 8 * i, dw[i]);
    return vsmmu_dma_write(s, addr, buf, 8u * n);
}
