/* SPDX-License-Identifier: MIT */
/*
 * Inside the config cache and the TLB: their entries, the cache structure,
 * the sequence counters of lock-free readers, the scope words of O(1)
 * invalidation and the helpers the three files share (tlb.c: creation,
 * insertion and lookup; cfgcache.c: the config cache; tlb_inval.c: TLB
 * invalidation).  Private to those files, to fast.h (the lock-free lookup)
 * and to translate.c, whose miss path inlines the TLB insert and the
 * config lookup.
 */
#ifndef VSMMU_XLATE_CACHE_H
#define VSMMU_XLATE_CACHE_H

#include <stddef.h>

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
    unsigned tlb_hash_shift;    /* 64 - tlb_sets_log2; 63 for one set */
    uint64_t tlb_set_mask;      /* sets - 1 */
    struct cfg_ent *cfg;
    unsigned cfg_sets_log2;
    /* Scope invalidation words (written under the lock, read by hits). */
    uint64_t reg_inv[NREG];
    uint64_t cfg_inv;
    uint64_t *vm_inv, *as_inv, *sid_inv;
    /* TLB inserts so far: stored with release after the entry, read with
     * acquire by the shared-TLB probe before it reads a set (xl_probe.ins:
     * an insert that finds it unchanged knows no translation was added
     * since the probe found none).  A line of its own: every insert
     * writes it, every probe reads it. */
    uint64_t inserts __attribute__((aligned(64)));
    /* Used under the lock only. */
    uint64_t shifts_seen __attribute__((aligned(64)));   /* sizes ever inserted */
    uint64_t clock;     /* stamp of new entries; > every scope word */
    uint64_t last_fill; /* stamp of the newest entry (0: none yet) */
    uint64_t credit;    /* cost units by-address invalidation may spend */
    uint64_t decodes;   /* the last xl_cfg.decode_id given (never reset) */
    unsigned probe_cost;    /* units of one random set probe */
    uint8_t *tlb_hand;
    uint8_t *tlb_ovf;   /* per set: a page whose first set it is went to its
                           second set (read by hits too; never cleared) */
    struct xl_cfg *cfg_full;
    uint8_t *cfg_hand;
    struct xl_wc *wc;   /* the walk cache (walkcache.c) */
    struct cfg_ent *hint_ent;   /* config entry the last TLB insert hinted */
    struct xl_cfg *hint_full;   /* ... and its full decode */
};

/* xl_cache_of() finds the cache through its slots. */
_Static_assert(offsetof(struct xl_cache, slots) == 0, "the slots are the cache's first member");

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

/* Pick a way of the set at @set (WAYS entries of @stride bytes, each with
 * a uint32_t reference bit at @ref_off): the first one in @dead (bit per
 * way: empty or invalidated), else clock.  Both caches use it through
 * VICTIM(). */
static inline unsigned victim(uint8_t *hand, unsigned dead, void *set, size_t stride, size_t ref_off)
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
static inline uint64_t hash_mul(uint64_t x)
{
    return x * 0x9E3779B97F4A7C15ull;
}

static inline size_t hash_idx(uint64_t x, unsigned log2)
{
    uint64_t h = hash_mul(x);
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

/* Remove every entry and reset every word (tlb.c).  Lock held. */
void xc_clock_rebase(struct xl_cache *xc);

/* Invalidate the scope of word @w: entries filled so far die.  Call
 * clock_tick() once after the marks of one command. */
static inline void mark(struct xl_cache *xc, uint64_t *w)
{
    ST(w, xc->clock);
}

static inline void clock_tick(struct xl_cache *xc)
{
    if (++xc->clock >= CLOCK_LIMIT)
        xc_clock_rebase(xc);
}

/* Credit for one invalidation command. */
static inline void credit_add(struct xl_cache *xc)
{
    xc->credit += CREDIT_PER_CMD;
    if (xc->credit > CREDIT_MAX)
        xc->credit = CREDIT_MAX;
}

/* Spend @n cost units if there is that much credit (a few are free). */
static inline bool credit_take(struct xl_cache *xc, uint64_t n)
{
    if (n <= FREE_COST)
        return true;
    if (n > xc->credit)
        return false;
    xc->credit -= n;
    return true;
}

/* Invalidate one TLB entry (seqlock-protected against lock-free readers). */
static inline void tlb_kill(struct tlb_ent *e)
{
    wr_begin(&e->seq);
    ST(&e->tag, 0);
    wr_end(&e->seq);
}

static inline void gen_bump(struct xl_cache *xc)
{
    __atomic_store_n(&xc->slots.gen, xc->slots.gen + 1, __ATOMIC_RELEASE);
}

static inline void cfg_kill(struct cfg_ent *e)
{
    wr_begin(&e->seq);
    ST(&e->key, 0);
    wr_end(&e->seq);
}

/* ---- config cache sets ------------------------------------------------- */

static inline uint64_t cfg_key(uint32_t sid, uint32_t ssid)
{
    return xl_cfg_key(sid, ssid);
}

static inline struct cfg_ent *cfg_set(struct xl_cache *xc, uint64_t key)
{
    return &xc->cfg[hash_idx(key ^ (key >> 29), xc->cfg_sets_log2) * WAYS];
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

/* The full decode of entry @e. */
static inline struct xl_cfg *full(struct xl_cache *xc, const struct cfg_ent *e)
{
    return &xc->cfg_full[e - xc->cfg];
}

/* Under the lock: the live configuration of @key in its set, or NULL
 * (cfgcache.c). */
const struct xl_cfg *xl_cfg_lookup_set(struct xl_cache *xc, uint64_t key);

/* xl_cfg_lookup(), inline in the miss path: the entry the last TLB insert
 * gave a size hint first, usually this configuration's, found without
 * hashing.  (It is an entry of the cache; the set scan would find the same
 * one, as a set holds at most one entry of a key.) */
static inline const struct xl_cfg *cfg_lookup(struct xl_cache *xc, uint32_t sid, uint32_t ssid)
{
    uint64_t key = cfg_key(sid, ssid);
    struct cfg_ent *h = xc->hint_ent;

    if (h && h->key == key && cfg_live(xc, h)) {
        ST(&h->ref, 1);
        return xc->hint_full;
    }
    return xl_cfg_lookup_set(xc, key);
}

/* ---- TLB sets --------------------------------------------------------------- */

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
 * pages that fit probe one set.  *@x0: the index of set[0].
 */
static inline size_t tlb_set0(const struct xl_cache *xc, uint64_t tag, uint64_t va,
                              unsigned shift)
{
    unsigned l = xc->tlb_sets_log2;
    /* (regime, VMID: 20 bits; size: 6 bits) */
    uint64_t page = va >> shift, scope = (tag >> XT_VMID_SHIFT) | (uint64_t)shift << 20;
    /* Within each aligned block of 2^(2l) pages, (page ^ page >> l) maps
     * every aligned run of 2^l pages onto all 2^l sets; the hash (the top
     * l bits of a multiplicative hash, as hash_idx() but with the shift
     * and mask precomputed: no test for one set) moves each block and each
     * scope elsewhere.  (l <= 30, so 2l < 64.) */
    uint64_t h = hash_mul((page >> 2 * l) ^ scope << 38);

    return (size_t)((page ^ (page >> l) ^ (h >> xc->tlb_hash_shift)) & xc->tlb_set_mask);
}

static inline size_t tlb_set1(const struct xl_cache *xc, uint64_t tag, uint64_t va,
                              unsigned shift)
{
    uint64_t page = va >> shift, scope = (tag >> XT_VMID_SHIFT) | (uint64_t)shift << 20;
    uint64_t y = page ^ scope << 20;

    y ^= y >> 37;
    return (size_t)(hash_mul(y) >> xc->tlb_hash_shift & xc->tlb_set_mask);
}

static inline unsigned tlb_sets(struct xl_cache *xc, uint64_t tag, uint64_t va, unsigned shift,
                                struct tlb_ent *set[2], bool both, size_t *x0)
{
    size_t x = tlb_set0(xc, tag, va, shift);

    *x0 = x;
    set[0] = &xc->tlb[x * WAYS];
    if (!both && !LD(&xc->tlb_ovf[x]))
        return 1;
    set[1] = &xc->tlb[tlb_set1(xc, tag, va, shift) * WAYS];
    return set[0] == set[1] ? 1 : 2;
}

/* Referenced ways of @set (the clock's bits). */
static inline unsigned tlb_refs(const struct tlb_ent *set)
{
    unsigned n = 0;
    for (unsigned i = 0; i < WAYS; i++)
        n += LD(&set[i].ref) != 0;
    return n;
}

static inline bool tag_hit(uint64_t etag, uint64_t tag)
{
    const uint64_t upper = ~(XT_ASID_MASK | VALID | GLOBAL);
    if (!(etag & VALID) || ((etag ^ tag) & upper))
        return false;
    return (etag & GLOBAL) || ((etag ^ tag) & XT_ASID_MASK) == 0;
}

/* Under the lock: @e holds a translation that is not invalidated. */
static inline bool tlb_live(struct xl_cache *xc, const struct tlb_ent *e)
{
    uint64_t g, ng;

    if (!(e->tag & VALID))
        return false;
    tlb_thr(xc, e->tag, &g, &ng);
    return e->stamp > ((e->tag & GLOBAL) ? g : ng);
}

/* ---- TLB insert ------------------------------------------------------------ */

/* One pass over @set for xl_tlb_insert(): the way holding the same
 * translation (@tag, @va, @shift) in *same (left alone: none), and the dead
 * ways (empty or invalidated) as bits.  *@last: a tag (xl_tag bits; 0:
 * none) whose stamps *@g and *@ng, for global and non-global entries, are
 * known; the scope words of other tags are read (and remembered there).
 * @fresh: the set cannot hold the translation (the probe found none and
 * nothing was inserted since): no match is looked for, and the first dead
 * way ends the pass (0: every way is live). */
static inline __attribute__((always_inline))
unsigned tlb_scan(struct xl_cache *xc, const struct tlb_ent *set, uint64_t tag, uint64_t va,
                  unsigned shift, unsigned *same, uint64_t *last, uint64_t *g, uint64_t *ng,
                  bool fresh)
{
    unsigned dead = 0;

#pragma GCC unroll 4
    for (unsigned i = 0; i < WAYS; i++) {
        uint64_t et = set[i].tag, t = et & ~(VALID | GLOBAL);

        if (!(et & VALID)) {
            dead |= 1u << i;
            if (fresh)
                break;
            continue;
        }
        if (!fresh && et == tag && set[i].va == va && (set[i].meta & 0xFF) == shift)
            *same = i;
        if (t != *last) {   /* (a live tag is never 0: its regime is not) */
            tlb_thr(xc, t, g, ng);
            *last = t;
        }
        if (set[i].stamp <= ((et & GLOBAL) ? *g : *ng)) {
            dead |= 1u << i;
            if (fresh)
                break;
        }
    }
    return dead;
}

/*
 * Insert the translation of 2^@shift bytes at input @in_va (TLB key
 * address), output @oa, IPA @ipa, of configuration tag @etag (xl_tag
 * bits; @global: nG = 0), from a walk that ended at @level with granule
 * 2^@gshift, permissions @perm (XP_*); record the size in the config hint
 * of (@sid, @ssid).  @pr: the calling thread's record of its probe for
 * this miss (xl_fast), or NULL.  Under the lock.  Inline in the miss path
 * (translate.c), which then builds the entry in place; xl_tlb_insert() is
 * the same out of line.
 */
static inline __attribute__((always_inline))
void tlb_insert(struct xl_cache *xc, uint64_t etag, bool global, uint64_t in_va, uint64_t oa,
                uint64_t ipa, unsigned shift, unsigned level, unsigned gshift, uint8_t perm,
                uint32_t sid, uint32_t ssid, const struct xl_probe *pr)
{
    uint64_t tag = VALID | (global ? GLOBAL : 0) | etag;
    uint64_t va = in_va & ~((1ull << shift) - 1);
    bool hit = pr && pr->vkey == (va | shift) && pr->tag == etag;
    /* The probe found no such translation and nothing was inserted since
     * (the count it read before reading the set is unchanged): no set can
     * hold one now (invalidations only remove entries). */
    bool fresh = hit && pr->ins == xc->inserts;
    size_t x0 = hit ? pr->set0 : tlb_set0(xc, etag, va, shift);
    /* The stamps entries of the tag must exceed, as the probe read them:
     * they only choose the victim (a stale value makes a worse choice,
     * never a wrong translation). */
    uint64_t last = hit ? etag : 0, g = hit ? pr->thr_g : 0, ng = hit ? pr->thr_ng : 0;
    struct tlb_ent *set0 = &xc->tlb[x0 * WAYS], *set1 = NULL, *set;
    uint8_t *ovf = &xc->tlb_ovf[x0];
    unsigned w = WAYS, dead, dead1 = 0;

    /* The same translation in either set (the second only after an
     * overflow), else a dead way in the first set that has one, else the
     * clock of the set with fewer referenced ways.  The second set is
     * computed only when needed. */
    set = set0;
    if (fresh && (dead = tlb_scan(xc, set0, tag, va, shift, &w, &last, &g, &ng, true)) != 0) {
        w = (unsigned)__builtin_ctz(dead);  /* the first dead way, as below */
    } else {
        if (!fresh)
            dead = tlb_scan(xc, set0, tag, va, shift, &w, &last, &g, &ng, false);
        if (w == WAYS && (*ovf || !dead)) {
            set1 = &xc->tlb[tlb_set1(xc, etag, va, shift) * WAYS];
            if (set1 == set0) {
                set1 = NULL;
            } else {
                unsigned w1 = WAYS;

                dead1 = tlb_scan(xc, set1, tag, va, shift, &w1, &last, &g, &ng, false);
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
    }
    if (set != set0 && !*ovf)
        ST(ovf, 1);     /* before the entry is written (its sequence counter) */
    struct tlb_ent *e = &set[w];
    uint64_t clock = xc->clock;
    /* (wr_begin() and wr_end() with the counter kept: the only writer) */
    uint32_t sq = e->seq + 1;
    ST(&e->seq, sq);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ST(&e->tag, tag);
    ST(&e->va, va);
    ST(&e->oa, (oa & ~0xFFFull) | (perm & 0x3F));
    ST(&e->meta, (uint64_t)shift | (uint64_t)level << 8 | (uint64_t)gshift << 16);
    ST(&e->ipa, ipa);
    ST(&e->ref, 0);
    ST(&e->stamp, clock);
    __atomic_store_n(&e->seq, sq + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&xc->inserts, xc->inserts + 1, __ATOMIC_RELEASE);
    xc->last_fill = clock;

    if (!(xc->shifts_seen & (1ull << shift)))
        xc->shifts_seen |= 1ull << shift;
    /* Size hint for the configuration that made it (at most one entry
     * holds a key; the one found last is tried first). */
    {
        uint64_t key = cfg_key(sid, ssid), bit = 1ull << shift;
        struct cfg_ent *ce = xc->hint_ent;

        if (!ce || ce->key != key) {
            struct cfg_ent *cs = cfg_set(xc, key);
            ce = NULL;
            for (unsigned i = 0; i < WAYS && !ce; i++)
                if (cs[i].key == key)
                    ce = &cs[i];
            xc->hint_ent = ce;
            xc->hint_full = ce ? full(xc, ce) : NULL;
        }
        if (ce && !(LD(&ce->shifts) & bit))
            __atomic_fetch_or(&ce->shifts, bit, __ATOMIC_RELAXED);
    }
}

#endif
