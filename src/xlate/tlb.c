// SPDX-License-Identifier: MIT
/*
 * The config cache (decoded STE + CD per StreamID/SubstreamID) and the
 * TLB.  Both are set-associative hash tables (4 ways per set) with clock
 * eviction inside a set, so they never hold more than their configured
 * capacity and never flush everything to make room.
 *
 * Readers (the translate hit path) take no lock: every entry is guarded by
 * a sequence counter.  Writers hold the instance lock: they make the
 * counter odd, update the entry, and make it even again; a reader that
 * sees an odd or changed counter treats the probe as a miss.
 *
 * In front of the TLB the cache holds per-thread slots (struct xl_slots in
 * xlate.h, slots.c): a thread claims one with a CAS on first use and keeps
 * it; in it a direct-mapped front cache of the translations that thread
 * used, a memo of the hot part of the configuration it used last, and its
 * hit counter.  Every invalidation bumps the cache's generation; front
 * cache entries and memos filled under another generation are dead.  Slots
 * live and die with the cache, so nothing outlives an instance and nothing
 * is shared between instances: there is no thread-local or global state.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xlate/xlate.h"

#define WAYS 4
#define VALID (1ull << 63)
#define GLOBAL (1ull << 62)

/* The hot part of a config entry (what the hit path reads); the full
 * decode lives in a parallel array (cfg_full), read under the lock only. */
struct cfg_ent {
    uint32_t seq;
    uint32_t ref;
    uint64_t key;       /* xl_cfg_key(sid, ssid), 0 when empty */
    uint64_t hot;       /* kind, TBI, range and override bits (hot_pack) */
    uint64_t tag;
    uint64_t shifts;    /* hint: sizes inserted in the TLB */
    uint64_t stamp;     /* invalidation clock when filled (see below) */
};

struct tlb_ent {
    uint32_t seq;
    uint32_t ref;
    uint64_t tag;       /* VALID | GLOBAL | xl_tag */
    uint64_t va;
    uint64_t oa;        /* output base | perm (bits 5:0) */
    uint64_t meta;      /* shift | level << 8 | gshift << 16 */
    uint64_t ipa;
    uint64_t stamp;     /* invalidation clock when filled (see below) */
};

/*
 * Scope-wide invalidation in O(1): an entry carries the value of the
 * invalidation clock when it was filled (its stamp); an invalidation of a
 * whole scope records the clock's value in that scope's word and advances
 * the clock.  An entry is live only while its stamp is above the words of
 * every scope it belongs to: its regime (reg_inv), its regime and VMID
 * (vm_inv), for a non-global entry its regime, VMID and ASID (as_inv), and
 * for a configuration every configuration (cfg_inv) and its StreamID
 * (sid_inv).  The per-VMID, per-ASID and per-StreamID words are fixed-size
 * tables indexed by a hash: scopes that share a word invalidate each other
 * (an architecturally allowed over-invalidation), never the reverse.  Dead
 * entries are never matched again and are the first victims of an insert.
 * The clock is 64 bits and starts at 1; before it could reach 2^62 every
 * entry is removed and every word reset (clock_rebase), so it never wraps.
 *
 * Work per invalidation command is bounded: by-address commands probe the
 * sets the named pages map to (or scan the TLB once when that is cheaper).
 * The work is paid in cost units: a random set probe costs PROBE_COST, or
 * PROBE_COST_BIG when the TLB is larger than CHEAP_TLB_BYTES (it does not
 * stay in the CPU caches, so each probe misses to memory: about ten times
 * dearer); a set of a scan costs 1 unit (sequential, prefetched).  Up to
 * FREE_COST units per command are free (one probe of a small TLB); more
 * are paid from a credit that each command adds CREDIT_PER_CMD to, capped
 * at CREDIT_MAX (which also caps the work of any one command).  Without
 * enough credit the command invalidates its regime and VMID instead (O(1),
 * an over-invalidation the architecture allows); the same holds for large
 * CFGI_STE_RANGEs, which otherwise scan the config cache.  So a command
 * costs at most FREE_COST + CREDIT_PER_CMD units amortised, 1.5 probes of
 * a small TLB or 1/16 of a probe of a big one: a queue of single-page TLBIs
 * is exact while the credit lasts (a burst of 8192 probes of a small TLB,
 * 1024 of a big one), then exact where the rate allows and VMID-wide for
 * the rest.  bench/qstall.c measures the resulting bound.
 */
#define VM_LOG2 12
#define AS_LOG2 12
#define SID_LOG2 10
#define NREG 8
#define CLOCK_LIMIT (1ull << 62)
#define PROBE_COST 2u
#define PROBE_COST_BIG 16u
#define FREE_COST 2u
#define CREDIT_PER_CMD 1u
#define CREDIT_MAX 16384u
#define CHEAP_TLB_BYTES (4u << 20)
#define SID_DIRECT_MAX 64u
#define HUGE_TLB_BYTES (2u << 20)

struct xl_cache {
    /* Per-thread slots and the generation (first: the allocation is
     * cache-line aligned).  The generation is bumped (release) by every
     * invalidation: slot contents filled under an older value are dead. */
    struct xl_slots slots;
    /* Read by every shared-TLB hit: the table geometry. */
    struct tlb_ent *tlb __attribute__((aligned(64)));
    unsigned tlb_sets_log2;
    struct cfg_ent *cfg;
    unsigned cfg_sets_log2;
    /* Scope invalidation words (written under the lock, read by hits). */
    uint64_t reg_inv[NREG];
    uint64_t cfg_inv;
    uint64_t *vm_inv, *as_inv, *sid_inv;
    /* Used under the lock only. */
    uint64_t shifts_seen __attribute__((aligned(64)));   /* sizes ever inserted */
    uint64_t clock;     /* stamp of new entries; > every scope word */
    uint64_t last_fill; /* stamp of the newest entry (0: none yet) */
    uint64_t credit;    /* cost units by-address invalidation may spend */
    unsigned probe_cost;    /* units of one random set probe */
    uint8_t *tlb_hand;
    uint8_t *tlb_ovf;   /* per set: a page whose first set it is went to its
                           second set (read by hits too; never cleared) */
    struct xl_cfg *cfg_full;
    uint8_t *cfg_hand;
    struct xl_wc *wc;   /* the walk cache (walkcache.c) */
    struct cfg_ent *hint_ent;   /* config entry the last TLB insert hinted */
};

/* ---- sequence counters ----------------------------------------------- */

static inline uint32_t rd_begin(const uint32_t *seq)
{
    return __atomic_load_n(seq, __ATOMIC_ACQUIRE);
}

static inline bool rd_retry(const uint32_t *seq, uint32_t start)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return (start & 1) || __atomic_load_n(seq, __ATOMIC_RELAXED) != start;
}

static inline void wr_begin(uint32_t *seq)
{
    __atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void wr_end(uint32_t *seq)
{
    __atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

#define LD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ST(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

static unsigned log2_floor(unsigned v)
{
    unsigned l = 0;
    while ((2u << l) <= v)
        l++;
    return l;
}

struct xl_cache *xl_cache_new(unsigned tlb_entries, unsigned cfg_entries)
{
    struct xl_cache *c = aligned_alloc(64, sizeof(*c));   /* a multiple of 64 */
    size_t nt, nc;

    if (!c)
        return NULL;
    memset(c, 0, sizeof(*c));
    c->tlb_sets_log2 = log2_floor(tlb_entries < WAYS ? 1 : tlb_entries / WAYS);
    c->cfg_sets_log2 = log2_floor(cfg_entries < WAYS ? 1 : cfg_entries / WAYS);
    nt = (size_t)WAYS << c->tlb_sets_log2;
    nc = (size_t)WAYS << c->cfg_sets_log2;
    c->tlb = aligned_alloc(64, ((nt * sizeof(struct tlb_ent)) + 63) & ~(size_t)63);
    c->cfg = aligned_alloc(64, ((nc * sizeof(struct cfg_ent)) + 63) & ~(size_t)63);
    c->cfg_full = calloc(nc, sizeof(struct xl_cfg));
    c->tlb_hand = calloc((size_t)1 << c->tlb_sets_log2, 1);
    c->tlb_ovf = calloc((size_t)1 << c->tlb_sets_log2, 1);
    c->cfg_hand = calloc((size_t)1 << c->cfg_sets_log2, 1);
    c->vm_inv = calloc((size_t)1 << VM_LOG2, sizeof(uint64_t));
    c->as_inv = calloc((size_t)1 << AS_LOG2, sizeof(uint64_t));
    c->sid_inv = calloc((size_t)1 << SID_LOG2, sizeof(uint64_t));
    c->clock = 1;
    c->wc = xl_wc_new(&c->clock);
    c->credit = CREDIT_MAX;
    c->probe_cost = nt * sizeof(struct tlb_ent) > CHEAP_TLB_BYTES ? PROBE_COST_BIG : PROBE_COST;
    c->slots.gen = 1;   /* never the 0 of an unfilled memo */
    xl_slots_init(&c->slots);
    if (!c->tlb || !c->cfg || !c->cfg_full || !c->tlb_hand || !c->tlb_ovf || !c->cfg_hand ||
        !c->vm_inv || !c->as_inv || !c->sid_inv || !c->wc) {
        xl_cache_free(c);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    /* A big TLB in huge pages where the kernel offers them: a probe of a
     * random set (by-address invalidation, misses) then costs one
     * cache miss, not also a page walk. */
    if (nt * sizeof(struct tlb_ent) >= HUGE_TLB_BYTES) {
        uintptr_t lo = ((uintptr_t)c->tlb + HUGE_TLB_BYTES - 1) & ~(uintptr_t)(HUGE_TLB_BYTES - 1);
        uintptr_t hi = ((uintptr_t)c->tlb + nt * sizeof(struct tlb_ent)) & ~(uintptr_t)(HUGE_TLB_BYTES - 1);
        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#endif
    memset(c->tlb, 0, nt * sizeof(struct tlb_ent));
    memset(c->cfg, 0, nc * sizeof(struct cfg_ent));
    return c;
}

void xl_cache_free(struct xl_cache *c)
{
    if (!c)
        return;
    xl_slots_fini(&c->slots);
    free(c->tlb);
    free(c->cfg);
    free(c->cfg_full);
    free(c->tlb_hand);
    free(c->tlb_ovf);
    free(c->cfg_hand);
    free(c->vm_inv);
    free(c->as_inv);
    free(c->sid_inv);
    xl_wc_free(c->wc);
    free(c);
}

/* Pick a way of the set at @set (WAYS entries of @stride bytes, each with
 * a uint32_t reference bit at @ref_off): the first one in @dead (bit per
 * way: empty or invalidated), else clock.  Both caches use it through
 * VICTIM(). */
static unsigned victim(uint8_t *hand, unsigned dead, void *set, size_t stride, size_t ref_off)
{
    char *base = set;

    if (dead)
        return (unsigned)__builtin_ctz(dead);
    for (unsigned n = 0; n < 2 * WAYS; n++) {
        unsigned i = *hand % WAYS;
        uint32_t *ref = (uint32_t *)(base + i * stride + ref_off);

        *hand = (uint8_t)((i + 1) % WAYS);
        if (!LD(ref))
            return i;
        ST(ref, 0);
    }
    return *hand % WAYS;
}
#define VICTIM(hand, dead, set, type) \
    victim(hand, dead, set, sizeof(type), offsetof(type, ref))

/* ---- scope words ---------------------------------------------------------- */

/* Multiplicative hashing: the top bits of the product depend on every
 * input bit. */
static inline size_t hash_idx(uint64_t x, unsigned log2)
{
    uint64_t h = x * 0x9E3779B97F4A7C15ull;
    return log2 ? (size_t)(h >> (64 - log2)) : 0;
}

/* Word of (regime, VMID): exact for VMIDs below 2^(VM_LOG2 - 2). */
static inline uint64_t *vm_word(struct xl_cache *xc, unsigned regime, unsigned vmid)
{
    return &xc->vm_inv[((size_t)vmid << 2 | (regime & 3)) & (((size_t)1 << VM_LOG2) - 1)];
}

/* Word of (regime, VMID, ASID): @tag as xl_tag() makes it. */
static inline uint64_t *as_word(struct xl_cache *xc, uint64_t tag)
{
    return &xc->as_inv[hash_idx(tag & ((1ull << 36) - 1), AS_LOG2)];
}

/* Word of a StreamID: exact for SID_LOG2 consecutive StreamIDs. */
static inline uint64_t *sid_word(struct xl_cache *xc, uint32_t sid)
{
    return &xc->sid_inv[sid & ((1u << SID_LOG2) - 1)];
}

static inline uint64_t max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* The stamps a TLB entry of @tag (xl_tag bits) must exceed to be live:
 * *g for a global entry, *ng for a non-global one.  Any thread. */
static inline void tlb_thr(struct xl_cache *xc, uint64_t tag, uint64_t *g, uint64_t *ng)
{
    unsigned r = xl_tag_regime(tag) & (NREG - 1);
    uint64_t t = max64(LD(&xc->reg_inv[r]), LD(vm_word(xc, r, xl_tag_vmid(tag))));

    *g = t;
    *ng = max64(t, LD(as_word(xc, tag)));
}

/* The stamp a config entry of @sid must exceed to be live.  Any thread. */
static inline uint64_t cfg_thr(struct xl_cache *xc, uint32_t sid)
{
    return max64(LD(&xc->cfg_inv), LD(sid_word(xc, sid)));
}

static void tlb_kill(struct tlb_ent *e);
static void cfg_kill(struct cfg_ent *e);

/* Remove every entry and reset every word (before the clock gets near
 * wrapping: never in practice, but cheap to get right).  Lock held. */
static void clock_rebase(struct xl_cache *xc)
{
    size_t nt = (size_t)WAYS << xc->tlb_sets_log2, nc = (size_t)WAYS << xc->cfg_sets_log2;

    for (size_t i = 0; i < nt; i++)
        if (xc->tlb[i].tag & VALID)
            tlb_kill(&xc->tlb[i]);
    for (size_t i = 0; i < nc; i++)
        if (xc->cfg[i].key & VALID)
            cfg_kill(&xc->cfg[i]);
    for (unsigned i = 0; i < NREG; i++)
        ST(&xc->reg_inv[i], 0);
    ST(&xc->cfg_inv, 0);
    for (size_t i = 0; i < (size_t)1 << VM_LOG2; i++)
        ST(&xc->vm_inv[i], 0);
    for (size_t i = 0; i < (size_t)1 << AS_LOG2; i++)
        ST(&xc->as_inv[i], 0);
    for (size_t i = 0; i < (size_t)1 << SID_LOG2; i++)
        ST(&xc->sid_inv[i], 0);
    xl_wc_clear(xc->wc);
    xc->clock = 1;
    xc->last_fill = 0;
}

/* Invalidate the scope of word @w: entries filled so far die.  Call
 * clock_tick() once after the marks of one command. */
static void mark(struct xl_cache *xc, uint64_t *w)
{
    ST(w, xc->clock);
}

static void clock_tick(struct xl_cache *xc)
{
    if (++xc->clock >= CLOCK_LIMIT)
        clock_rebase(xc);
}

/* Credit for one invalidation command. */
static void credit_add(struct xl_cache *xc)
{
    xc->credit += CREDIT_PER_CMD;
    if (xc->credit > CREDIT_MAX)
        xc->credit = CREDIT_MAX;
}

/* Spend @n cost units if there is that much credit (a few are free). */
static bool credit_take(struct xl_cache *xc, uint64_t n)
{
    if (n <= FREE_COST)
        return true;
    if (n > xc->credit)
        return false;
    xc->credit -= n;
    return true;
}

/* Invalidate one TLB entry (seqlock-protected against lock-free readers). */
static void tlb_kill(struct tlb_ent *e)
{
    wr_begin(&e->seq);
    ST(&e->tag, 0);
    wr_end(&e->seq);
}

/* ---- config cache ------------------------------------------------------- */

static inline uint64_t cfg_key(uint32_t sid, uint32_t ssid)
{
    return xl_cfg_key(sid, ssid);
}

static inline struct cfg_ent *cfg_set(struct xl_cache *xc, uint64_t key)
{
    return &xc->cfg[hash_idx(key ^ (key >> 29), xc->cfg_sets_log2) * WAYS];
}

static struct xl_cfg *full(struct xl_cache *xc, const struct cfg_ent *e)
{
    return &xc->cfg_full[e - xc->cfg];
}

static uint64_t hot_pack(const struct xl_cfg *c)
{
    uint64_t v = c->kind;
    v |= (uint64_t)c->tt[0].tbi << 8;
    v |= (uint64_t)c->tt[1].tbi << 9;
    v |= (uint64_t)(c->regime != XR_EL2) << 10;
    v |= (uint64_t)c->s1 << 11;
    v |= (uint64_t)c->privcfg << 16;
    v |= (uint64_t)c->instcfg << 24;
    return v;
}

static inline uint32_t key_sid(uint64_t key)
{
    return (uint32_t)(key >> 21);
}

/* Under the lock: @e holds a configuration that is not invalidated. */
static inline bool cfg_live(struct xl_cache *xc, const struct cfg_ent *e)
{
    return (e->key & VALID) && e->stamp > cfg_thr(xc, key_sid(e->key));
}

const struct xl_cfg *xl_cfg_lookup(struct xl_cache *xc, uint32_t sid, uint32_t ssid)
{
    uint64_t key = cfg_key(sid, ssid);
    struct cfg_ent *set, *h = xc->hint_ent;

    /* The entry the last TLB insert gave a size hint: usually this
     * configuration's, found without hashing.  (It is an entry of the
     * cache; the scan below would find the same one, as a set holds at
     * most one entry of a key.) */
    if (h && h->key == key && cfg_live(xc, h)) {
        ST(&h->ref, 1);
        return full(xc, h);
    }
    set = cfg_set(xc, key);
    for (unsigned i = 0; i < WAYS; i++)
        if (set[i].key == key && cfg_live(xc, &set[i])) {
            ST(&set[i].ref, 1);
            return full(xc, &set[i]);
        }
    return NULL;
}

void xl_cfg_insert(struct xl_cache *xc, const struct xl_cfg *c)
{
    uint64_t key = cfg_key(c->sid, c->ssid);
    struct cfg_ent *set = cfg_set(xc, key);
    unsigned w = WAYS, dead = 0;

    for (unsigned i = 0; i < WAYS; i++) {
        if (set[i].key == key)
            w = i;
        if (!cfg_live(xc, &set[i]))
            dead |= 1u << i;
    }
    if (w == WAYS)
        w = VICTIM(&xc->cfg_hand[(size_t)(set - xc->cfg) / WAYS], dead, set, struct cfg_ent);
    struct cfg_ent *e = &set[w];
    wr_begin(&e->seq);
    ST(&e->key, key);
    ST(&e->hot, hot_pack(c));
    ST(&e->tag, c->tag);
    ST(&e->shifts, 0);
    ST(&e->ref, 0);
    ST(&e->stamp, xc->clock);
    *full(xc, e) = *c;
    wr_end(&e->seq);
}

static void gen_bump(struct xl_cache *xc)
{
    __atomic_store_n(&xc->slots.gen, xc->slots.gen + 1, __ATOMIC_RELEASE);
}

static void cfg_kill(struct cfg_ent *e)
{
    wr_begin(&e->seq);
    ST(&e->key, 0);
    wr_end(&e->seq);
}

/* Kill the live configuration of @key if it uses CD @cd_index. */
static unsigned cfg_kill_cd(struct xl_cache *xc, uint64_t key, uint32_t cd_index)
{
    struct cfg_ent *set = cfg_set(xc, key);
    unsigned count = 0;

    for (unsigned i = 0; i < WAYS; i++) {
        const struct xl_cfg *f = full(xc, &set[i]);
        if (set[i].key == key && cfg_live(xc, &set[i]) && f->cd_index >= 0 &&
            (uint32_t)f->cd_index == cd_index) {
            cfg_kill(&set[i]);
            count++;
        }
    }
    return count;
}

unsigned xl_cfg_inval(struct xl_cache *xc, uint64_t sid, uint64_t num, bool cd_only, uint32_t cd_index)
{
    size_t n = (size_t)WAYS << xc->cfg_sets_log2;
    unsigned count = 0;

    credit_add(xc);
    if (cd_only) {
        /* Only (sid, cd_index) and (sid, no SubstreamID) can use that CD. */
        count = cfg_kill_cd(xc, cfg_key((uint32_t)sid, cd_index), cd_index);
        count += cfg_kill_cd(xc, cfg_key((uint32_t)sid, VSMMU_NO_SSID), cd_index);
    } else if (num == 0 || num >= 1ull << 32 || (num > SID_DIRECT_MAX &&
                                                 !credit_take(xc, n / WAYS))) {
        mark(xc, &xc->cfg_inv);
        clock_tick(xc);
    } else if (num <= SID_DIRECT_MAX) {
        for (uint64_t i = 0; i < num; i++)
            mark(xc, sid_word(xc, (uint32_t)(sid + i)));
        clock_tick(xc);
    } else {
        for (size_t i = 0; i < n; i++) {
            struct cfg_ent *e = &xc->cfg[i];
            uint64_t esid = key_sid(e->key);
            if (!cfg_live(xc, e) || esid < sid || esid - sid >= num)
                continue;
            cfg_kill(e);
            count++;
        }
    }
    gen_bump(xc);
    return count;
}

unsigned xl_cfg_count(struct xl_cache *xc)
{
    size_t n = (size_t)WAYS << xc->cfg_sets_log2;
    unsigned count = 0;
    for (size_t i = 0; i < n; i++)
        count += cfg_live(xc, &xc->cfg[i]);
    return count;
}

/* ---- TLB ------------------------------------------------------------------ */

/*
 * The two sets a translation may live in ("two choices": an insert takes
 * one with room, so an irregular working set of half the TLB fits; with one
 * set per page about 14% of 2048 scattered pages collide in a 4096-entry
 * TLB).  set[0]: the page number with its upper bits folded onto the index
 * bits, so consecutive pages fill the sets evenly, XOR a hash of the
 * regime, VMID and size; set[1]: a multiplicative hash of the same.  The
 * ASID is not hashed, so global entries are found with any ASID.  Returns
 * how many distinct sets there are (1 or 2); without @both, 1 as long as
 * no page of set[0] ever went to its second set (tlb_ovf), so lookups of
 * pages that fit probe one set.
 */
static inline size_t tlb_set0(const struct xl_cache *xc, uint64_t tag, uint64_t va,
                              unsigned shift)
{
    unsigned l = xc->tlb_sets_log2;
    /* (regime, VMID: 20 bits; size: 6 bits) */
    uint64_t page = va >> shift, scope = (tag >> XT_VMID_SHIFT) | (uint64_t)shift << 20;
    /* Within each aligned block of 2^(2l) pages, (page ^ page >> l) maps
     * every aligned run of 2^l pages onto all 2^l sets; the hash moves
     * each block and each scope elsewhere.  (l <= 30, so 2l < 64.) */
    return (size_t)((page ^ (page >> l) ^ hash_idx((page >> 2 * l) ^ scope << 38, l)) &
                    (((uint64_t)1 << l) - 1));
}

static inline size_t tlb_set1(const struct xl_cache *xc, uint64_t tag, uint64_t va,
                              unsigned shift)
{
    uint64_t page = va >> shift, scope = (tag >> XT_VMID_SHIFT) | (uint64_t)shift << 20;
    uint64_t y = page ^ scope << 20;

    return hash_idx(y ^ (y >> 37), xc->tlb_sets_log2);
}

static inline unsigned tlb_sets(struct xl_cache *xc, uint64_t tag, uint64_t va, unsigned shift,
                                struct tlb_ent *set[2], bool both)
{
    size_t x = tlb_set0(xc, tag, va, shift);

    set[0] = &xc->tlb[x * WAYS];
    if (!both && !LD(&xc->tlb_ovf[x]))
        return 1;
    set[1] = &xc->tlb[tlb_set1(xc, tag, va, shift) * WAYS];
    return set[0] == set[1] ? 1 : 2;
}

/* Referenced ways of @set (the clock's bits). */
static unsigned tlb_refs(const struct tlb_ent *set)
{
    unsigned n = 0;
    for (unsigned i = 0; i < WAYS; i++)
        n += LD(&set[i].ref) != 0;
    return n;
}

static bool tag_hit(uint64_t etag, uint64_t tag)
{
    const uint64_t upper = ~(XT_ASID_MASK | VALID | GLOBAL);
    if (!(etag & VALID) || ((etag ^ tag) & upper))
        return false;
    return (etag & GLOBAL) || ((etag ^ tag) & XT_ASID_MASK) == 0;
}

/* Under the lock: @e holds a translation that is not invalidated. */
static bool tlb_live(struct xl_cache *xc, const struct tlb_ent *e)
{
    uint64_t g, ng;

    if (!(e->tag & VALID))
        return false;
    tlb_thr(xc, e->tag, &g, &ng);
    return e->stamp > ((e->tag & GLOBAL) ? g : ng);
}

/* One pass over @set for xl_tlb_insert(): the way holding the same
 * translation (@tag, @va, @shift) in *same (left alone: none), and the dead
 * ways (empty or invalidated) as bits.  *@last: a tag (xl_tag bits; 0:
 * none) whose stamps *@g and *@ng, for global and non-global entries, are
 * known; the scope words of other tags are read (and remembered there). */
static inline __attribute__((always_inline))
unsigned tlb_scan(struct xl_cache *xc, const struct tlb_ent *set, uint64_t tag, uint64_t va,
                  unsigned shift, unsigned *same, uint64_t *last, uint64_t *g, uint64_t *ng)
{
    unsigned dead = 0;

    for (unsigned i = 0; i < WAYS; i++) {
        uint64_t et = set[i].tag, t = et & ~(VALID | GLOBAL);

        if (!(et & VALID)) {
            dead |= 1u << i;
            continue;
        }
        if (et == tag && set[i].va == va && (set[i].meta & 0xFF) == shift)
            *same = i;
        if (t != *last) {   /* (a live tag is never 0: its regime is not) */
            tlb_thr(xc, t, g, ng);
            *last = t;
        }
        if (set[i].stamp <= ((et & GLOBAL) ? *g : *ng))
            dead |= 1u << i;
    }
    return dead;
}

void xl_tlb_insert(struct xl_cache *xc, const struct xl_tlbe *te, uint32_t sid, uint32_t ssid,
                   const struct xl_probe *pr)
{
    uint64_t tag = VALID | (te->global ? GLOBAL : 0) | te->tag;
    uint64_t va = te->va & ~((1ull << te->shift) - 1);
    bool hit = pr && pr->ok && pr->shift == te->shift && pr->page == va >> te->shift &&
               pr->tag == te->tag;
    size_t x0 = hit ? pr->set0 : tlb_set0(xc, te->tag, va, te->shift);
    /* The stamps entries of the tag must exceed, as the probe read them:
     * they only choose the victim (a stale value makes a worse choice,
     * never a wrong translation). */
    uint64_t last = hit ? te->tag : 0, g = hit ? pr->thr_g : 0, ng = hit ? pr->thr_ng : 0;
    struct tlb_ent *set0 = &xc->tlb[x0 * WAYS], *set1 = NULL, *set;
    uint8_t *ovf = &xc->tlb_ovf[x0];
    unsigned w = WAYS, dead, dead1 = 0;

    /* The same translation in either set (the second only after an
     * overflow), else a dead way in the first set that has one, else the
     * clock of the set with fewer referenced ways.  The second set is
     * computed only when needed. */
    set = set0;
    dead = tlb_scan(xc, set0, tag, va, te->shift, &w, &last, &g, &ng);
    if (w == WAYS && (*ovf || !dead)) {
        set1 = &xc->tlb[tlb_set1(xc, te->tag, va, te->shift) * WAYS];
        if (set1 == set0) {
            set1 = NULL;
        } else {
            unsigned w1 = WAYS;

            dead1 = tlb_scan(xc, set1, tag, va, te->shift, &w1, &last, &g, &ng);
            if (w1 != WAYS && *ovf)
                set = set1, w = w1;
        }
    }
    if (w == WAYS) {
        if (!dead && dead1) {
            set = set1;
            dead = dead1;
        } else if (!dead && set1 && tlb_refs(set1) < tlb_refs(set0)) {
            set = set1;
        }
        w = VICTIM(&xc->tlb_hand[(size_t)(set - xc->tlb) / WAYS], dead, set, struct tlb_ent);
    }
    if (set != set0 && !*ovf)
        ST(ovf, 1);     /* before the entry is written (its sequence counter) */
    struct tlb_ent *e = &set[w];
    wr_begin(&e->seq);
    ST(&e->tag, tag);
    ST(&e->va, va);
    ST(&e->oa, (te->oa & ~0xFFFull) | (te->perm & 0x3F));
    ST(&e->meta, (uint64_t)te->shift | (uint64_t)te->level << 8 | (uint64_t)te->gshift << 16);
    ST(&e->ipa, te->ipa);
    ST(&e->ref, 0);
    ST(&e->stamp, xc->clock);
    wr_end(&e->seq);
    xc->last_fill = xc->clock;

    if (!(xc->shifts_seen & (1ull << te->shift)))
        xc->shifts_seen |= 1ull << te->shift;
    /* Size hint for the configuration that made it (at most one entry
     * holds a key; the one found last is tried first). */
    {
        uint64_t key = cfg_key(sid, ssid), bit = 1ull << te->shift;
        struct cfg_ent *ce = xc->hint_ent;

        if (!ce || ce->key != key) {
            struct cfg_ent *cs = cfg_set(xc, key);
            ce = NULL;
            for (unsigned i = 0; i < WAYS && !ce; i++)
                if (cs[i].key == key)
                    ce = &cs[i];
            xc->hint_ent = ce;
        }
        if (ce && !(LD(&ce->shifts) & bit))
            __atomic_fetch_or(&ce->shifts, bit, __ATOMIC_RELAXED);
    }
}

static bool tlbi_match(struct xl_cache *xc, const struct tlb_ent *e, const struct xl_tlbi *p)
{
    uint64_t t = e->tag;
    unsigned shift = (unsigned)(e->meta & 0xFF);
    uint64_t lo, hi;

    if (!(t & VALID))
        return false;
    if (!(p->regime_mask & (1u << xl_tag_regime(t))))
        return false;
    if (p->match_vmid && xl_tag_vmid(t) != p->vmid)
        return false;
    if (p->keep_global && (t & GLOBAL))
        return false;
    if (p->match_asid && !(t & GLOBAL) && xl_tag_asid(t) != p->asid)
        return false;
    if (p->gshift && ((e->meta >> 16) & 0xFF) != p->gshift)
        return false;
    if (p->level && ((e->meta >> 8) & 0xFF) != p->level)
        return false;
    if (p->by_addr || p->by_ipa) {
        lo = p->by_ipa ? e->ipa : e->va;
        hi = lo + ((1ull << shift) - 1);
        if (hi < p->lo || lo > p->hi)
            return false;
    }
    return tlb_live(xc, e);
}

static unsigned kill_if(struct xl_cache *xc, struct tlb_ent *e, const struct xl_tlbi *p)
{
    if (!tlbi_match(xc, e, p))
        return 0;
    tlb_kill(e);
    return 1;
}

/* Set probes a by-address invalidation of one regime and VMID takes (every
 * size ever inserted, every aligned block of that size in the range), or
 * UINT64_MAX when it must scan (several regimes, any VMID) or when that
 * would be more than the sets in the TLB. */
static uint64_t targeted_probes(struct xl_cache *xc, const struct xl_tlbi *p)
{
    uint64_t sets = 1ull << xc->tlb_sets_log2, probes = 0;

    if (!p->match_vmid || !p->regime_mask || (p->regime_mask & (p->regime_mask - 1)))
        return UINT64_MAX;
    for (uint64_t m = xc->shifts_seen; m; m &= m - 1) {
        unsigned s = (unsigned)__builtin_ctzll(m);
        uint64_t n = (p->hi >> s) - (p->lo >> s);
        if (n >= sets || (probes += 2 * (n + 1)) > sets)     /* two sets a page */
            return UINT64_MAX;
    }
    return probes;
}

static void prefetch_set(const struct tlb_ent *set)
{
    const char *b = (const char *)set;
    for (size_t off = 0; off < WAYS * sizeof(struct tlb_ent); off += 64)
        __builtin_prefetch(b + off, 0, 3);
    __builtin_prefetch(b + WAYS * sizeof(struct tlb_ent) - 1, 0, 3);
}

static unsigned inval_targeted(struct xl_cache *xc, const struct xl_tlbi *p)
{
    uint64_t tag = xl_tag((unsigned)__builtin_ctz(p->regime_mask), p->vmid, 0);
    unsigned count = 0;

    /* The sets of a small invalidation are fetched in parallel first. */
    if (p->lo == p->hi)
        for (uint64_t m = xc->shifts_seen; m; m &= m - 1) {
            unsigned s = (unsigned)__builtin_ctzll(m);
            struct tlb_ent *sets[2];
            unsigned ns = tlb_sets(xc, tag, p->lo >> s << s, s, sets, false);
            for (unsigned k = 0; k < ns; k++)
                prefetch_set(sets[k]);
        }
    for (uint64_t m = xc->shifts_seen; m; m &= m - 1) {
        unsigned s = (unsigned)__builtin_ctzll(m);
        for (uint64_t a = p->lo >> s; a <= p->hi >> s; a++) {
            struct tlb_ent *sets[2];
            unsigned ns = tlb_sets(xc, tag, a << s, s, sets, false);
            for (unsigned k = 0; k < ns; k++)
                for (unsigned i = 0; i < WAYS; i++)
                    count += kill_if(xc, &sets[k][i], p);
            if (a == UINT64_MAX >> s)
                break;
        }
    }
    return count;
}

/* Whether nothing @p could match is live: the words of its regimes (and
 * VMID) are at or above the stamp of the newest entry, so every entry of
 * that scope is dead already (after a scope-wide invalidation or a
 * fallback, until a walk fills the TLB again).  Then a by-address
 * invalidation has nothing to probe. */
static bool scope_dead(struct xl_cache *xc, const struct xl_tlbi *p)
{
    for (unsigned r = 0; r < NREG; r++) {
        if (!(p->regime_mask & (1u << r)))
            continue;
        if (xc->reg_inv[r] < xc->last_fill &&
            (!p->match_vmid || *vm_word(xc, r, p->vmid) < xc->last_fill))
            return false;
    }
    return true;
}

/* The scope words of @p without its address and ASID: every regime of
 * the mask, its VMID when it names one. */
static void mark_vmids(struct xl_cache *xc, const struct xl_tlbi *p)
{
    for (unsigned r = 0; r < NREG; r++) {
        if (!(p->regime_mask & (1u << r)))
            continue;
        mark(xc, p->match_vmid ? vm_word(xc, r, p->vmid) : &xc->reg_inv[r]);
    }
}

unsigned xl_tlb_inval(struct xl_cache *xc, const struct xl_tlbi *p)
{
    size_t n = (size_t)WAYS << xc->tlb_sets_log2;
    unsigned count = 0;
    uint64_t probes;

    xl_wc_inval(xc, p);
    credit_add(xc);
    if (!(p->by_addr || p->by_ipa)) {
        /* Scope-wide: O(1) whatever the TLB holds. */
        if (p->match_asid && p->keep_global && p->match_vmid) {
            for (unsigned r = 0; r < NREG; r++)
                if (p->regime_mask & (1u << r))
                    mark(xc, as_word(xc, xl_tag(r, p->vmid, p->asid)));
        } else {
            mark_vmids(xc, p);
        }
        clock_tick(xc);
    } else if (scope_dead(xc, p)) {
        /* Nothing to probe (the generation is still bumped below). */
    } else if ((probes = targeted_probes(xc, p)) != UINT64_MAX &&
               probes <= CREDIT_MAX && credit_take(xc, probes * xc->probe_cost)) {
        count = inval_targeted(xc, p);
    } else if (credit_take(xc, n / WAYS)) {
        for (size_t i = 0; i < n; i++)
            count += kill_if(xc, &xc->tlb[i], p);
    } else {
        /* Out of credit: the whole regime and VMID (over-invalidation). */
        mark_vmids(xc, p);
        clock_tick(xc);
    }
    gen_bump(xc);
    return count;
}

void xl_cache_flush(struct xl_cache *xc)
{
    for (unsigned r = 0; r < NREG; r++)
        mark(xc, &xc->reg_inv[r]);
    mark(xc, &xc->cfg_inv);
    clock_tick(xc);
    gen_bump(xc);
}

unsigned xl_tlb_count(struct xl_cache *xc)
{
    size_t n = (size_t)WAYS << xc->tlb_sets_log2;
    unsigned count = 0;
    for (size_t i = 0; i < n; i++)
        count += tlb_live(xc, &xc->tlb[i]);
    return count;
}

void xl_cache_set_clock(struct xl_cache *xc, uint64_t clock)
{
    if (clock > xc->clock)
        xc->clock = clock;
}

struct xl_wc *xl_cache_wc(struct xl_cache *xc)
{
    return xc->wc;
}

uint64_t xl_cache_clock(const struct xl_cache *xc)
{
    return xc->clock;
}

void xl_cache_tick(struct xl_cache *xc)
{
    clock_tick(xc);
}

uint64_t xl_cache_thr(struct xl_cache *xc, uint64_t tag)
{
    uint64_t g, ng;

    tlb_thr(xc, tag, &g, &ng);
    return ng;
}

/* ---- per-thread slots (slots.c) ------------------------------------- */

struct xl_slots *xl_cache_slots(struct xl_cache *xc)
{
    return &xc->slots;
}

void xl_cache_gen_bump(struct xl_cache *xc)
{
    gen_bump(xc);
}

void xl_cache_set_gen(struct xl_cache *xc, uint64_t gen)
{
    __atomic_store_n(&xc->slots.gen, gen, __ATOMIC_RELEASE);
}

/* ---- the hit path ------------------------------------------------------ */

int xl_fast(struct xl_cache *xc, struct xl_slot *sl, uint64_t gen, uint32_t sid, uint32_t ssid,
            uint64_t va, unsigned access, unsigned oas_bits, struct vsmmu_xlate_result *res)
{
    uint64_t key = cfg_key(sid, ssid), hot = 0, tag = 0, shifts = 0, k, thr_g, thr_ng;
    uint64_t in_va = va;
    struct tlb_ent *sets[2] = { NULL, NULL };
    unsigned shift = 0;
    struct cfg_ent *cset;
    struct acc a;
    unsigned i;

    /* The caller probed the front cache; the memo is dropped and taken to
     * this generation here, before the lookup. */
    if (sl && __builtin_expect(sl->gen != gen, 0)) {
        sl->ckey = 0;
        sl->gen = gen;
    }

    if (sl && sl->ckey == key) {
        /* The configuration this thread used last (same generation). */
        hot = sl->chot;
        tag = sl->ctag;
        shifts = sl->cshifts;
        thr_g = sl->cthr_g;
        thr_ng = sl->cthr_ng;
    } else {
        uint64_t cthr = cfg_thr(xc, sid), stamp;

        cset = cfg_set(xc, key);
        for (i = 0; i < WAYS; i++) {
            struct cfg_ent *e = &cset[i];
            uint32_t sq;
            if (LD(&e->key) != key)
                continue;
            sq = rd_begin(&e->seq);
            k = LD(&e->key);
            hot = LD(&e->hot);
            tag = LD(&e->tag);
            shifts = LD(&e->shifts);
            stamp = LD(&e->stamp);
            if (rd_retry(&e->seq, sq) || k != key || stamp <= cthr)
                continue;
            if (!LD(&e->ref))
                ST(&e->ref, 1);
            break;
        }
        if (i == WAYS)
            return XF_MISS;
        tlb_thr(xc, tag, &thr_g, &thr_ng);
        if (sl) {
            sl->ckey = key;
            sl->chot = hot;
            sl->ctag = tag;
            sl->cshifts = shifts;
            sl->cthr_g = thr_g;
            sl->cthr_ng = thr_ng;
        }
    }
    switch (hot & 0xFF) {
    case XK_ABORT:
        res->status = VSMMU_XLATE_FAULT;
        res->addr = res->size = 0;
        res->perm = 0;
        return XF_DONE;
    case XK_BYPASS:
        if (oas_bits < 64 && (va >> oas_bits))
            return XF_MISS;
        res->status = VSMMU_XLATE_OK;
        res->addr = va;
        res->size = 1ull << oas_bits;
        res->perm = VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X;
        return XF_DONE;
    default:
        break;
    }

    va = tlb_key(va, (hot >> 11) & 1, (hot >> 10) & 1, (hot >> 8) & 1, (hot >> 9) & 1);
    if (hot >> 16)
        classify(access, (unsigned)(hot >> 16) & 0xFF, (unsigned)(hot >> 24) & 0xFF, &a);
    else
        a.need = access_need(access), a.priv = (access & VSMMU_ACC_PRIV) != 0;
    while (shifts) {
        unsigned ns;

        shift = (unsigned)__builtin_ctzll(shifts);
        ns = tlb_sets(xc, tag, va, shift, sets, false);
        shifts &= shifts - 1;
        for (struct tlb_ent *e = sets[0], *end = e + WAYS;; e++) {
            uint64_t et, eva, oa, meta, stamp;
            uint32_t sq;

            if (e == end) {
                if (--ns == 0)
                    break;
                e = sets[1];
                end = e + WAYS;
            }
            if ((LD(&e->va) ^ va) >> shift)
                continue;
            sq = rd_begin(&e->seq);
            et = LD(&e->tag);
            eva = LD(&e->va);
            oa = LD(&e->oa);
            meta = LD(&e->meta);
            stamp = LD(&e->stamp);
            if (rd_retry(&e->seq, sq))
                continue;
            if (!tag_hit(et, tag) || (meta & 0xFF) != shift || ((va ^ eva) >> shift) ||
                stamp <= ((et & GLOBAL) ? thr_g : thr_ng))
                continue;
            if ((oa & a.need) != a.need)
                return XF_MISS;     /* the slow path reports the fault */
            if (!LD(&e->ref))
                ST(&e->ref, 1);
            res->status = VSMMU_XLATE_OK;
            res->addr = (oa & ~0xFFFull & ~((1ull << shift) - 1)) | (va & ((1ull << shift) - 1));
            res->size = 1ull << shift;
            res->perm = api_perm((uint8_t)(oa & 0x3F), a.priv);
            /* Keep it in this thread's front cache (under generation
             * @gen, read before the lookup). */
            if (sl)
                xl_fc_fill(&sl->fc[xl_fc_idx(sid, in_va)], sid, ssid, gen, in_va, shift,
                           res->addr, (unsigned)(oa & 0x3F), (unsigned)(hot >> 16) & 0xFF,
                           (unsigned)(hot >> 24) & 0xFF);
            return XF_HIT;
        }
    }
    /* The last (largest) size probed: usually the only one, the 4K page;
     * the insert after the miss can use its set. */
    if (sl && sets[0])
        sl->probe = (struct xl_probe){ .ok = true, .shift = (uint8_t)shift, .tag = tag,
                                       .page = va >> shift,
                                       .set0 = (size_t)(sets[0] - xc->tlb) / WAYS,
                                       .thr_g = thr_g, .thr_ng = thr_ng };
    return XF_MISS;
}
