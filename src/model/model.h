/* SPDX-License-Identifier: MIT */
/*
 * Internal state of a vsmmu instance and the interfaces between the
 * model's parts:
 *   core.c      create/destroy/reset, logging, guest-memory access
 *   regs.c      the register frame (MMIO)
 *   cmdq.c      command queue: fetch, decode, validate, dispatch
 *   eventq.c    event records: encoders and the event queue
 *   irq.c       GERROR, wired interrupts and MSIs
 *   trace.c     trace events: the table of names, the callback
 * and the hooks through which it calls translation (src/xlate/, the
 * vsmmu_xlate_* functions) and accel mode (src/accel/, vsmmu_accel_*).
 */
#ifndef VSMMU_INTERNAL_H
#define VSMMU_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "vsmmu.h"
#include "vsmmu_trace.h"
#include "arch/arch_fields.h"

struct vsmmu_xlate;  /* translation state: translate.c */
struct xl_slots;     /* per-thread slots: src/xlate/xlate.h */

/*
 * Rate limiting of log messages (core.c).  Each vsmmu_log() call site has
 * a static const site descriptor; its address keys a slot in the
 * instance's fixed table (open addressing; when every slot is taken, the
 * last one is shared).  A slot lets VSMMU_LOG_BURST messages through in a
 * window of VSMMU_LOG_WINDOW_NS starting at the first of them, counts the
 * rest without formatting them, and reports the count when the site fires
 * after the window or at reset/destroy.
 */
#define VSMMU_LOG_SLOTS 64
#define VSMMU_LOG_BURST 5
#define VSMMU_LOG_WINDOW_NS 1000000000ull
#define VSMMU_LOG_LAST 96
struct vsmmu_log_site { const char *file; int line; };
struct vsmmu_log_slot {
    const struct vsmmu_log_site *site;  /* NULL: free */
    enum vsmmu_log_level level;
    unsigned passed;        /* messages delivered in this window */
    uint64_t suppressed;    /* messages counted, not delivered */
    uint64_t start_ns;      /* window start (CLOCK_MONOTONIC) */
    char last[VSMMU_LOG_LAST];  /* the last delivered message, truncated */
};
struct vsmmu_logger {
    pthread_mutex_t lock;   /* the slots; taken after the instance lock */
    uintptr_t owner;        /* the thread holding lock (delivering), or 0 */
    int max_level;          /* threshold in effect */
    struct vsmmu_log_slot slot[VSMMU_LOG_SLOTS];
};
struct vsmmu_accel;  /* accel state: accel.c */

/** One queue's registers (values as the guest reads them). */
struct vsmmu_queue {
    uint64_t base;      /* *_BASE */
    uint32_t prod;      /* *_PROD (with OVFLG for output queues) */
    uint32_t cons;      /* *_CONS (with ERR / OVACKFLG) */
    uint64_t irq_cfg0;
    uint32_t irq_cfg1;
    uint32_t irq_cfg2;
};

/* A lock that knows its owner: the thread holding it (vsmmu_self()), 0
 * when none, taken with a compare-and-swap.  A thread that finds it held
 * and has to sleep does so on cv (under mx, counted in sleepers) until an
 * unlock wakes it.  Both locks of an instance are of this kind.  Threads
 * that found it held count themselves in waiters, and bump epoch once they
 * have it: command processing, the one long user of both locks, lets them
 * in (cmdq.c, vsmmu_xl_lock_plain).  Those of them that spin for the
 * instance lock (vsmmu_lock_spin: a translation recording its fault) also
 * count in urgent: processing lets them in at the next command boundary
 * (within bounds), not only between chunks; while retake is set (processing
 * taking the lock back after a hand-off) they leave it free for it. */
struct vsmmu_olock {
    uintptr_t owner;
    uint32_t sleepers;
    uint32_t waiters;
    uint32_t urgent;
    uint32_t retake;
    uint32_t epoch;
    pthread_mutex_t mx;
    pthread_cond_t cv;
};

struct vsmmu {
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops;
    /* The instance lock (MMIO, commands, events, accel; vsmmu_lock): a
     * host callback that calls back into the instance gets -EDEADLK, not
     * a deadlock. */
    struct vsmmu_olock lock;
    /* The translation cache lock (vsmmu_xl_lock): the TLB, the config and
     * walk caches and the generation of the front caches.  Taken after the
     * instance lock, never before it, and held for bounded work: one
     * translation miss (without the instance lock), or the cache work of
     * one command, reset, state load or SMMUEN change (under it). */
    struct vsmmu_olock xlock;

    /* ID registers, computed from cfg at create time */
    uint32_t idr[6];
    uint32_t iidr, aidr;

    /* registers */
    uint32_t cr0, cr0ack, cr1, cr2;
    uint32_t gbpa, agbpa;
    uint32_t irq_ctrl, irq_ctrlack;
    uint32_t gerror, gerrorn;
    uint64_t gerror_irq_cfg0;
    uint32_t gerror_irq_cfg1, gerror_irq_cfg2;
    uint64_t strtab_base;
    uint32_t strtab_base_cfg;
    struct vsmmu_queue cmdq, eventq, priq;

    bool in_cmdq;           /* re-entrancy guard for command processing */
    uint64_t mmio_base;     /* the frame's guest address, 0: unknown (atomic) */
    /* guest RAM the VMM mapped (vsmmu_set_ram(), ram.c), or NULL: replaced
     * under both locks (an atomic store), used under either */
    const struct vsmmu_ram *ram;
    bool cmdq_kick;         /* PROD/CR0 write while processing ran elsewhere */
    uint32_t cmdq_epoch;    /* bumped by reset: a yielding processor stops */
    uint64_t cmdq_yields;   /* times processing let them in (tests) */
    /* Measurements for bench/qstall.c: the longest time from command
     * processing first seeing a thread wait for the lock to letting it in,
     * wall-clock and thread CPU ns (wall far above CPU: the processing
     * thread was preempted meanwhile), and hand-offs after which no waiter
     * got the lock within the yields allowed (it was not scheduled). */
    uint64_t cmdq_hold_max_ns, cmdq_hold_max_cpu_ns, cmdq_handoff_missed;
    /* ... and the times a thread waiting for the cache lock gave up
     * spinning and slept, and command processing's give-ways that timed
     * out (atomics). */
    uint64_t xl_sleeps, xl_give_way_missed;
    /* ... and the times a thread spinning for the instance lock
     * (vsmmu_lock_spin) gave up and slept (atomic). */
    uint64_t lock_sleeps;

    struct vsmmu_stats stats;   /* updated under lock (tlb counters: atomics) */

    void (*inval_fn)(void *opaque, const struct vsmmu_inval *inv);
    void *inval_opaque;

    /* Read by every translation of every thread and written only at create
     * and destroy: a cache line of their own (the instance is allocated
     * line-aligned), so that the writes of the fields around them (counters,
     * the MMIO write's effect, the log's lock) do not take the line away
     * from the translating CPUs. */
    struct vsmmu_xlate *xl __attribute__((aligned(64)));
    struct xl_slots *xl_slots;  /* xl's per-thread slots (the hit path's
                                   one pointer; translate.c) */
    struct vsmmu_accel *accel;

    /* trace callback (trace.c): set under both locks, used under either
     * (a translation miss traces under the cache lock alone) */
    vsmmu_trace_fn trace_fn __attribute__((aligned(64)));
    void *trace_opaque;
    uint8_t wr_effect;      /* enum vsmmu_trace_reg_effect of the MMIO write */

    /* logging (core.c), last: large and off the translation fast path */
    struct vsmmu_logger log;
};

/* ---- the instance lock ------------------------------------------------- */
/* The calling thread's identity, never 0 and unique among live threads
 * (the instance lock's owner, the translation slots' owners): the thread
 * pointer where the compiler reads it (one instruction, no call), else
 * pthread_self(). */
static inline uintptr_t vsmmu_self(void)
{
#if defined(__has_builtin)
#if __has_builtin(__builtin_thread_pointer)
    return (uintptr_t)__builtin_thread_pointer();
#define VSMMU_SELF_DONE
#endif
#endif
#ifndef VSMMU_SELF_DONE
    return (uintptr_t)pthread_self();
#endif
}
/** Whether the calling thread holds the instance lock. */
static inline bool vsmmu_lock_held(const struct vsmmu *s)
{
    return __atomic_load_n(&s->lock.owner, __ATOMIC_RELAXED) == vsmmu_self();
}
/** Whether the calling thread holds the translation cache lock (it is in
 *  a host callback of a translation miss). */
static inline bool vsmmu_xl_lock_held(const struct vsmmu *s)
{
    return __atomic_load_n(&s->xlock.owner, __ATOMIC_RELAXED) == vsmmu_self();
}
/** Whether the calling thread holds either lock: it is inside a host
 *  callback when it asks from an entry point. */
static inline bool vsmmu_in_callback(const struct vsmmu *s)
{
    return vsmmu_lock_held(s) || vsmmu_xl_lock_held(s);
}
/* The blocking halves of an owner lock (core.c).  vsmmu_olock_sleep: sleep
 * until @l is the calling thread's (true), or with @once until the first
 * wake-up (false if @l is still held); vsmmu_olock_wake: wake a sleeper. */
int vsmmu_olock_init(struct vsmmu_olock *l);
void vsmmu_olock_fini(struct vsmmu_olock *l);
bool vsmmu_olock_sleep(struct vsmmu_olock *l, bool once);
void vsmmu_olock_wake(struct vsmmu_olock *l);
/** Take @l if it is free. */
static inline bool vsmmu_olock_try(struct vsmmu_olock *l, uintptr_t me)
{
    uintptr_t cur = 0;

    return __atomic_compare_exchange_n(&l->owner, &cur, me, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}
static inline void vsmmu_olock_release(struct vsmmu_olock *l)
{
    /* Sequentially consistent with the sleeper's count-then-retry
     * (vsmmu_olock_sleep): either its retry sees the lock free or this
     * sees it counted and wakes it. */
    __atomic_store_n(&l->owner, 0, __ATOMIC_SEQ_CST);
    if (__builtin_expect(__atomic_load_n(&l->sleepers, __ATOMIC_SEQ_CST) != 0, 0))
        vsmmu_olock_wake(l);
}
/* The fast half of vsmmu_lock and vsmmu_xl_lock: take @l for @me unless
 * the calling thread holds @l or @other already.  0: taken; -EDEADLK:
 * refused; 1: another thread holds @l (the caller waits). */
static inline int vsmmu_olock_enter(struct vsmmu_olock *l, const struct vsmmu_olock *other,
                                    uintptr_t me)
{
    uintptr_t cur = 0;

    if (__builtin_expect(__atomic_load_n(&other->owner, __ATOMIC_RELAXED) == me, 0))
        return -EDEADLK;
    if (__builtin_expect(__atomic_compare_exchange_n(&l->owner, &cur, me, false,
                                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 1))
        return 0;
    /* Held: by this thread (only it stores its own identity), or another. */
    return cur == me ? -EDEADLK : 1;
}
/* Sleep until the instance lock is the calling thread's; @waiter: count it
 * in lock.waiters and lock.epoch (a thread command processing lets in). */
void vsmmu_lock_wait(struct vsmmu *s, bool waiter);
/** Take the instance lock: 0, or -EDEADLK when the calling thread holds it
 *  already or holds the translation cache lock (a host callback calling
 *  back into the same instance; the cache lock is taken after this one,
 *  never before). */
static inline int vsmmu_lock(struct vsmmu *s)
{
    int rc = vsmmu_olock_enter(&s->lock, &s->xlock, vsmmu_self());

    if (__builtin_expect(rc <= 0, 1))
        return rc;
    /* A thread that has to wait says so: command processing, which may
     * hold the lock for a whole queue, lets it in between chunks. */
    vsmmu_lock_wait(s, true);
    return 0;
}
/* Take the instance lock spinning first, as the cache lock's waiters do
 * (core.c): for threads whose wait must stay short.  @urgent: count it in
 * lock.waiters, lock.urgent and lock.epoch (a thread that records a
 * translation's fault, which command processing lets in at the next
 * command boundary); else not at all (command processing taking the lock
 * back after a hand-off).  The calling thread holds neither lock. */
void vsmmu_lock_spin(struct vsmmu *s, bool urgent);
/** CLOCK_MONOTONIC and the calling thread's CPU time, in ns (core.c; the
 *  lock's spin budgets and command processing's hand-off timing). */
uint64_t vsmmu_now_ns(void);
uint64_t vsmmu_thread_cpu_ns(void);
/* After command processing released the instance lock to let urgent
 * waiters in: spin, for at most 20 us of CPU time, until the lock is free
 * again, a waiter has had it since lock.epoch was @seen and no urgent
 * waiter is left (true), so that processing need not yield its CPU to the
 * spinning waiters (a yield to a busy thread costs a scheduler slice) nor
 * sleep. */
bool vsmmu_lock_give_way(struct vsmmu *s, uint32_t seen);
/** Take the instance lock without counting as a waiter (teardown).  Not
 *  re-entrant. */
static inline void vsmmu_lock_plain(struct vsmmu *s)
{
    if (!vsmmu_olock_try(&s->lock, vsmmu_self()))
        vsmmu_lock_wait(s, false);
}
static inline void vsmmu_unlock(struct vsmmu *s)
{
    vsmmu_olock_release(&s->lock);
}
/* The slow half of the cache lock (core.c): spin, then sleep.  With
 * @give_way, first let a thread that waits for it have it. */
void vsmmu_xl_lock_wait(struct vsmmu *s, bool give_way);
/** Take the translation cache lock under the instance lock (command
 *  processing, reset, state load, SMMUEN, ATS): the calling thread cannot
 *  hold it already (vsmmu_lock refuses a thread that does).  A miss waiting
 *  for it goes first: command processing takes it once per command, and
 *  would otherwise take it back before a waiter saw it free. */
static inline void vsmmu_xl_lock_plain(struct vsmmu *s)
{
    if (__builtin_expect(__atomic_load_n(&s->xlock.waiters, __ATOMIC_RELAXED) != 0 ||
                         !vsmmu_olock_try(&s->xlock, vsmmu_self()), 0))
        vsmmu_xl_lock_wait(s, true);
}
/** Take the translation cache lock without the instance lock (a
 *  translation miss): 0, or -EDEADLK when the calling thread holds either
 *  lock (a host callback calling back into the same instance). */
static inline int vsmmu_xl_lock(struct vsmmu *s)
{
    int rc = vsmmu_olock_enter(&s->xlock, &s->lock, vsmmu_self());

    if (__builtin_expect(rc <= 0, 1))
        return rc;
    vsmmu_xl_lock_wait(s, false);
    return 0;
}
static inline void vsmmu_xl_unlock(struct vsmmu *s)
{
    vsmmu_olock_release(&s->xlock);
}
/** Store a register the lock-free translation path reads (CR0, CR2, GBPA,
 *  STRTAB_BASE, STRTAB_BASE_CFG): written under the lock, read outside it
 *  with atomic loads. */
#define VSMMU_STORE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELEASE)

/* ---- core.c ------------------------------------------------------------ */
/** Report a message from call site @site (see vsmmu_log). */
void vsmmu_log_at(struct vsmmu *s, const struct vsmmu_log_site *site,
                  enum vsmmu_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Report a message: filtered by the threshold (before formatting), then,
 *  below TRACE, rate-limited per call site.  Any thread, any lock state. */
#define vsmmu_log(s, level, ...)                                              \
    do {                                                                      \
        static const struct vsmmu_log_site vsmmu_site_ = { __FILE__, __LINE__ }; \
        vsmmu_log_at((s), &vsmmu_site_, (level), __VA_ARGS__);               \
    } while (0)
/** Whether messages at @level would be delivered. */
static inline bool vsmmu_log_on(const struct vsmmu *s, enum vsmmu_log_level level)
{
    return (int)level <= s->log.max_level;
}
#define vsmmu_trace(s, ...) \
    do { if (vsmmu_log_on((s), VSMMU_LOG_TRACE)) vsmmu_log((s), VSMMU_LOG_TRACE, __VA_ARGS__); } while (0)
/** Deliver trace event @id with the @n values of its arguments (in the
 *  order of its table entry).  Either lock held. */
void vsmmu_trace_emit(struct vsmmu *s, enum vsmmu_trace_id id, const uint64_t *v, unsigned n);
/** Trace point: vsmmu_tr(s, VSMMU_TRACE_x, arg values...).  Either lock held;
 *  without a callback the values are not even computed. */
#define vsmmu_tr(s, id, ...)                                                  \
    do {                                                                      \
        if (__builtin_expect((s)->trace_fn != NULL, 0)) {                     \
            const uint64_t vsmmu_tv_[] = { __VA_ARGS__ };                     \
            vsmmu_trace_emit((s), (id), vsmmu_tv_,                            \
                             (unsigned)(sizeof(vsmmu_tv_) / sizeof(vsmmu_tv_[0]))); \
        }                                                                     \
    } while (0)
/** vsmmu_lock() for an entry point without an error return: false (and
 *  an error message naming @fn) when the call is refused. */
bool vsmmu_lock_void(struct vsmmu *s, const char *fn);
/** Report the suppressed counts of every site and start afresh (reset,
 *  destroy). */
void vsmmu_log_flush(struct vsmmu *s);
/** Guest memory; 0 or -EIO (external abort).  Address beyond OAS aborts. */
int vsmmu_dma_read(struct vsmmu *s, uint64_t addr, void *buf, size_t len);
int vsmmu_dma_write(struct vsmmu *s, uint64_t addr, const void *buf, size_t len);
/** Read @n little-endian dwords. */
int vsmmu_dma_read_dwords(struct vsmmu *s, uint64_t addr, uint64_t *dw, unsigned n);
int vsmmu_dma_write_dwords(struct vsmmu *s, uint64_t addr, const uint64_t *dw, unsigned n);
/* ---- guest RAM the VMM mapped (ram.c) ---------------------------------- */
struct vsmmu_ram_ent {
    uint64_t gpa, last;     /* first and last guest-physical byte */
    /* The aligned dwords a walk may load directly: those at gpa8 +
     * [0, span8], inside the region and below the OAS; gpa8 = ~0 (no
     * aligned address matches) when there are none. */
    uint64_t gpa8, span8;
    unsigned char *host;    /* where gpa is mapped */
    bool readonly;          /* VSMMU_RAM_READONLY: writes via mem_write */
};
struct vsmmu_ram {
    unsigned n;                     /* >= 1 */
    struct vsmmu_ram_ent e[];       /* sorted by gpa, disjoint */
};
/** The region of @r that holds all of [addr, addr + len) (len >= 1), or
 *  NULL.  Overflow-safe for any addr and len. */
static inline __attribute__((always_inline)) const struct vsmmu_ram_ent *
vsmmu_ram_at(const struct vsmmu_ram *r, uint64_t addr)
{
    const struct vsmmu_ram_ent *e = r->e;
    unsigned n = r->n;

    while (n > 1) {         /* the last region starting at or below addr */
        unsigned half = n / 2;
        if (e[half].gpa <= addr) {
            e += half;
            n -= half;
        } else {
            n = half;
        }
    }
    return e;               /* (or the first) */
}
static inline __attribute__((always_inline)) const struct vsmmu_ram_ent *
vsmmu_ram_find(const struct vsmmu_ram *r, uint64_t addr, size_t len)
{
    const struct vsmmu_ram_ent *e = vsmmu_ram_at(r, addr);

    if (addr < e->gpa || addr > e->last || len - 1 > e->last - addr)
        return NULL;
    return e;
}
/** One little-endian dword of guest RAM at @p (any alignment; one load
 *  when aligned: guest vCPUs may be writing it). */
static inline __attribute__((always_inline)) uint64_t vsmmu_ram_load64(const unsigned char *p)
{
    uint8_t b[8];

    if (__builtin_expect(((uintptr_t)p & 7) == 0, 1)) {
        uint64_t v = __atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_RELAXED);
        memcpy(b, &v, sizeof(v));
    } else {
        for (unsigned i = 0; i < 8; i++)
            b[i] = __atomic_load_n(p + i, __ATOMIC_RELAXED);
    }
    return vsmmu_le64(b);
}
/** Guest RAM access for vsmmu_dma_read()/write(): 1 when [addr, addr +
 *  len) lies in one region (writable for @write) and was copied, 0 when
 *  the callback must do it.  The calling thread holds either lock. */
int vsmmu_ram_copy(struct vsmmu *s, uint64_t addr, void *buf, size_t len, bool write);
/** vsmmu_ram_copy() when there is a map (without one, no call). */
static inline int vsmmu_ram_try(struct vsmmu *s, uint64_t addr, void *buf, size_t len,
                                bool write)
{
    if (__builtin_expect(__atomic_load_n(&s->ram, __ATOMIC_RELAXED) == NULL, 0))
        return 0;
    return vsmmu_ram_copy(s, addr, buf, len, write);
}
/** Free a map vsmmu_set_ram() built (destroy). */
void vsmmu_ram_free(const struct vsmmu_ram *r);

/** Read one little-endian dword (a table descriptor: one access).  An
 *  aligned dword away from the register frame is loaded from the VMM's
 *  RAM map when a region holds it (below the OAS: the regions' dword
 *  windows are), else, below the OAS (oas_bits <= 52), goes straight to
 *  the VMM's mem_read, inline (a walk's common case); anything else
 *  through vsmmu_dma_read() (the _slow half).  The calling thread holds
 *  the cache lock or the instance lock (every walk does). */
int vsmmu_dma_read_u64_slow(struct vsmmu *s, uint64_t addr, uint64_t *v);
static inline __attribute__((always_inline)) int vsmmu_dma_read_u64(struct vsmmu *s, uint64_t addr,
                                                                  uint64_t *v)
{
    uint64_t base = __atomic_load_n(&s->mmio_base, __ATOMIC_RELAXED);
    const struct vsmmu_ram *ram = s->ram;
    uint8_t buf[8];

    if ((addr & 7) || (base && addr + 7 >= base && addr <= base + (VSMMU_MMIO_SIZE - 1)))
        return vsmmu_dma_read_u64_slow(s, addr, v);
    if (ram) {
        const struct vsmmu_ram_ent *e = vsmmu_ram_at(ram, addr);
        if (__builtin_expect(addr - e->gpa8 <= e->span8, 1)) {
            *v = vsmmu_ram_load64(e->host + (addr - e->gpa));
            return 0;
        }
    }
    if (addr >> s->cfg.oas_bits)
        return vsmmu_dma_read_u64_slow(s, addr, v);
    if (s->ops.mem_read(s->ops.opaque, addr, buf, sizeof(buf))) {
        *v = 0;
        return -EIO;
    }
    *v = vsmmu_le64(buf);
    return 0;
}
/** Whether [addr, addr + len) touches the instance's own register frame
 *  (vsmmu_set_mmio_base(); never when unknown): such an access aborts. */
bool vsmmu_own_frame(struct vsmmu *s, uint64_t addr, size_t len);
/** OAS in bits, from cfg. */
unsigned vsmmu_oas_bits(const struct vsmmu *s);
/** Encode a PA size in bits as the IDR5.OAS/IPS/S2PS encoding, and back. */
unsigned vsmmu_pa_bits_decode(unsigned enc);   /* 0..7 -> 32..56 */
int vsmmu_pa_bits_encode(unsigned bits);       /* -1 if not a legal size */

static inline bool vsmmu_cr0(const struct vsmmu *s, unsigned hi, unsigned lo)
{
    return fld_get(s->cr0, hi, lo) != 0;
}

/* ---- queues (inline arithmetic, spec §3.5.1) ------------------------- */
/** Effective log2 size: MIN(BASE.LOG2SIZE, advertised maximum). */
static inline unsigned q_log2(uint64_t base, unsigned max_log2)
{
    unsigned l = (unsigned)fld_get(base, Q_BASE_LOG2SIZE);
    return l < max_log2 ? l : max_log2;
}
/** Base address aligned to MAX(queue bytes, 32). */
static inline uint64_t q_addr(uint64_t base, unsigned log2, unsigned entry_size)
{
    uint64_t bytes = (uint64_t)entry_size << log2;
    if (bytes < 32)
        bytes = 32;
    return (base & fld_mask(Q_BASE_ADDR)) & ~(bytes - 1);
}
static inline uint32_t q_wrmask(unsigned log2) { return (2u << log2) - 1; }
static inline uint32_t q_index(uint32_t v, unsigned log2) { return v & ((1u << log2) - 1); }
static inline bool q_wrap(uint32_t v, unsigned log2) { return (v >> log2) & 1; }
static inline bool q_empty(uint32_t prod, uint32_t cons, unsigned log2)
{
    return ((prod ^ cons) & q_wrmask(log2)) == 0;
}
static inline bool q_full(uint32_t prod, uint32_t cons, unsigned log2)
{
    return q_index(prod, log2) == q_index(cons, log2) && q_wrap(prod, log2) != q_wrap(cons, log2);
}
static inline uint32_t q_inc(uint32_t v, unsigned log2)
{
    return (v + 1) & q_wrmask(log2);
}

/* ---- regs.c ---------------------------------------------------------- */
void vsmmu_regs_reset(struct vsmmu *s);
void vsmmu_regs_init_idr(struct vsmmu *s);
/** The bits register @off (an R_* offset) can hold in this configuration:
 *  a value with other bits set is not a state the model can reach (used to
 *  check loaded states). */
uint64_t vsmmu_reg_storable(const struct vsmmu *s, uint64_t off);

/* ---- irq.c ----------------------------------------------------------- */
enum vsmmu_irq_src { IRQ_SRC_EVENTQ, IRQ_SRC_PRIQ, IRQ_SRC_GERROR };
/** Activate GERROR bit @bit (a GERROR_* field's low bit) if inactive; raises
 *  the GERROR interrupt (wired + MSI) when enabled.  Returns true if it was
 *  activated now. */
bool vsmmu_gerror_raise(struct vsmmu *s, unsigned bit);
bool vsmmu_gerror_active(const struct vsmmu *s, unsigned bit);
/** Signal a queue/GERROR interrupt: wired pulse and MSI per IRQ_CTRL. */
void vsmmu_irq_signal(struct vsmmu *s, enum vsmmu_irq_src src);
/** Perform an MSI write; returns 0 or -EIO (abort). */
int vsmmu_msi_write(struct vsmmu *s, uint64_t addr, uint32_t data);
void vsmmu_irq_pulse(struct vsmmu *s, enum vsmmu_irq line);

/* ---- cmdq.c ---------------------------------------------------------- */
/** Consume commands while possible.  Lock held. */
void vsmmu_cmdq_process(struct vsmmu *s);

/* ---- eventq.c -------------------------------------------------------- */
/** A decoded event; vsmmu_event_encode() places each field where the
 *  record format of its type has it. */
struct vsmmu_event {
    uint8_t type;
    bool ssv;
    uint32_t ssid;
    uint32_t sid;
    bool stall;
    uint16_t stag;
    bool pnu, ind, rnw;
    bool s2;
    uint8_t class_;     /* EVT_CLASS_* */
    bool ttrnw;
    uint64_t input_addr;
    uint64_t ipa;       /* S2 faults */
    uint64_t fetch_addr;/* F_*_FETCH, F_WALK_EABT */
    uint16_t reason;    /* IMPDEF reason (0) */
    /* F_BAD_ATS_TREQ */
    uint8_t ats_span;
    bool ats_r, ats_w, ats_x, ats_p;
};
void vsmmu_event_encode(const struct vsmmu_event *ev, uint64_t rec[4]);

enum vsmmu_evq_result {
    EVQ_WRITTEN = 0,
    EVQ_DISABLED,   /* EVENTQEN = 0: dropped silently */
    EVQ_OVERFLOW,   /* full: dropped, OVFLG toggled (or QEMU compat)  */
    EVQ_UNWRITABLE, /* EVENTQ_ABT_ERR active (or SFM): dropped       */
    EVQ_ABORT,      /* write aborted: EVENTQ_ABT_ERR raised          */
};
/** Write a raw 32-byte record (4 dwords) to the guest event queue, with its
 *  interrupt.  Lock held. */
enum vsmmu_evq_result vsmmu_eventq_push(struct vsmmu *s, const uint64_t rec[4]);
/** Encode and record @ev.  Lock held. */
enum vsmmu_evq_result vsmmu_event_record_locked(struct vsmmu *s, const struct vsmmu_event *ev);
/** Same, taking the lock. */
enum vsmmu_evq_result vsmmu_event_record(struct vsmmu *s, const struct vsmmu_event *ev);
/** Toggle EVENTQ_PROD.OVFLG if no overflow is flagged (host-side loss). */
void vsmmu_eventq_flag_overflow(struct vsmmu *s);

/* ---- translation hooks (translate.c and friends) --------------------- */
int vsmmu_xlate_init(struct vsmmu *s);
void vsmmu_xlate_fini(struct vsmmu *s);
/** Drop every cached structure and translation (reset, state load).
 *  Instance lock held; takes the cache lock. */
void vsmmu_xlate_reset(struct vsmmu *s);
/** Under the instance lock: CR0.SMMUEN changed (translate.c; takes the
 *  cache lock). */
void vsmmu_xlate_smmuen_changed(struct vsmmu *s);
/**
 * Cache effects of a validated CFGI_* / TLBI_* command (and the
 * invalidation notifier).  Instance lock held; the cache work takes the
 * cache lock, the trace and notifier callbacks run without it.
 */
void vsmmu_xlate_command(struct vsmmu *s, const uint64_t cmd[2]);
/** TLB hits so far, exact: stats.tlb_hits (threads without a per-thread
 *  slot) plus every slot's counter.  Any thread, lock optional. */
uint64_t vsmmu_xlate_hits(struct vsmmu *s);
/** Fetch the STE of @sid from the guest stream table (used by accel).
 *  Returns 0, or the event type that a fetch failure gives
 *  (C_BAD_STREAMID, F_STE_FETCH). */
int vsmmu_ste_fetch(struct vsmmu *s, uint32_t sid, uint64_t ste[STE_DWORDS],
                    uint64_t *fetch_addr);

/* ---- accel hooks (accel.c) ------------------------------------------- */
int vsmmu_accel_init(struct vsmmu *s);
/** Detach every device and free every host object. */
void vsmmu_accel_fini(struct vsmmu *s);
/** After a register reset: re-attach devices per GBPA.  Lock held. */
void vsmmu_accel_reset(struct vsmmu *s);
/** After a CR0 write (and its command processing).  Reports its own
 *  errors.  Lock held. */
void vsmmu_accel_cr0_written(struct vsmmu *s, uint32_t old_cr0);
/** After a GBPA update.  Lock held. */
void vsmmu_accel_gbpa_written(struct vsmmu *s);
/**
 * Accel effect of a validated command at queue index @idx (after its local
 * effect).  Batchable commands are queued.  Returns 0 or a CERROR code.
 */
int vsmmu_accel_cmd(struct vsmmu *s, const uint64_t cmd[2], uint32_t idx);
/** Whether deferred work (forwarded invalidations, STE re-installs) is
 *  pending: a CMD_SYNC waits for vsmmu_accel_flush(). */
bool vsmmu_accel_pending(const struct vsmmu *s);
/**
 * Do the deferred work of the commands since queue index @start (indices
 * compared modulo @wrmask + 1): send the queued invalidations, re-install
 * the devices CFGI_STE* named.  Returns 0, or CERROR_ILL with *fail_idx set
 * to the queue index of the earliest command whose work failed (the work
 * of every command before it is done).
 */
int vsmmu_accel_flush(struct vsmmu *s, uint32_t start, uint32_t wrmask, uint32_t *fail_idx);

#endif /* VSMMU_INTERNAL_H */
