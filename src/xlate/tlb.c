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
 * xlate.h): a thread claims one with a CAS on first use and keeps it; in it
 * a tiny direct-mapped micro-TLB of the translations that thread used
 * last, a memo of the hot part of the configuration it used last, and its
 * hit counter.  Every invalidation bumps the cache's generation; a slot
 * filled under another generation is emptied before use.  Slots live and
 * die with the cache, so nothing outlives an instance and nothing is
 * shared between instances: there is no thread-local or global state.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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
};

struct tlb_ent {
    uint32_t seq;
    uint32_t ref;
    uint64_t tag;       /* VALID | GLOBAL | xl_tag */
    uint64_t va;
    uint64_t oa;        /* output base | perm (bits 5:0) */
    uint64_t meta;      /* shift | level << 8 | gshift << 16 */
    uint64_t ipa;
};

struct xl_cache {
    /* Per-thread slots (first: the allocation is cache-line aligned). */
    struct xl_slots slots;
    /* Read by every hit: the generation and the table geometry.  The
     * generation is bumped (release) by every invalidation: slots filled
     * under an older value are emptied before their next use. */
    uint64_t gen __attribute__((aligned(64)));
    struct tlb_ent *tlb;
    unsigned tlb_sets_log2;
    struct cfg_ent *cfg;
    unsigned cfg_sets_log2;
    /* Used under the lock only. */
    uint64_t shifts_seen __attribute__((aligned(64)));   /* sizes ever inserted */
    uint8_t *tlb_hand;
    struct xl_cfg *cfg_full;
    uint8_t *cfg_hand;
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
    c->cfg_hand = calloc((size_t)1 << c->cfg_sets_log2, 1);
    if (!c->tlb || !c->cfg || !c->cfg_full || !c->tlb_hand || !c->cfg_hand) {
        xl_cache_free(c);
        return NULL;
    }
    memset(c->tlb, 0, nt * sizeof(struct tlb_ent));
    memset(c->cfg, 0, nc * sizeof(struct cfg_ent));
    return c;
}

void xl_cache_free(struct xl_cache *c)
{
    if (!c)
        return;
    free(c->tlb);
    free(c->cfg);
    free(c->cfg_full);
    free(c->tlb_hand);
    free(c->cfg_hand);
    free(c);
}

/* Pick a way of the set at @set (WAYS entries of @stride bytes, each with
 * a uint32_t reference bit at @ref_off and a word carrying VALID at
 * @valid_off): the first invalid one, else clock.  Both caches use it
 * through VICTIM(). */
static unsigned victim(uint8_t *hand, void *set, size_t stride, size_t ref_off, size_t valid_off)
{
    char *base = set;

    for (unsigned i = 0; i < WAYS; i++)
        if (!(*(const uint64_t *)(base + i * stride + valid_off) & VALID))
            return i;
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
#define VICTIM(hand, set, type, valid_field) \
    victim(hand, set, sizeof(type), offsetof(type, ref), offsetof(type, valid_field))

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

/* Multiplicative hashing: the top bits of the product depend on every
 * input bit. */
static inline size_t hash_idx(uint64_t x, unsigned log2)
{
    uint64_t h = x * 0x9E3779B97F4A7C15ull;
    return log2 ? (size_t)(h >> (64 - log2)) : 0;
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

const struct xl_cfg *xl_cfg_lookup(struct xl_cache *xc, uint32_t sid, uint32_t ssid)
{
    uint64_t key = cfg_key(sid, ssid);
    struct cfg_ent *set = cfg_set(xc, key);
    for (unsigned i = 0; i < WAYS; i++)
        if (set[i].key == key) {
            ST(&set[i].ref, 1);
            return full(xc, &set[i]);
        }
    return NULL;
}

void xl_cfg_insert(struct xl_cache *xc, const struct xl_cfg *c)
{
    uint64_t key = cfg_key(c->sid, c->ssid);
    struct cfg_ent *set = cfg_set(xc, key);
    unsigned w = WAYS;

    for (unsigned i = 0; i < WAYS; i++)
        if (set[i].key == key)
            w = i;
    if (w == WAYS)
        w = VICTIM(&xc->cfg_hand[(size_t)(set - xc->cfg) / WAYS], set, struct cfg_ent, key);
    struct cfg_ent *e = &set[w];
    wr_begin(&e->seq);
    ST(&e->key, key);
    ST(&e->hot, hot_pack(c));
    ST(&e->tag, c->tag);
    ST(&e->shifts, 0);
    ST(&e->ref, 0);
    *full(xc, e) = *c;
    wr_end(&e->seq);
}

static void gen_bump(struct xl_cache *xc)
{
    __atomic_store_n(&xc->gen, xc->gen + 1, __ATOMIC_RELEASE);
}

static void cfg_kill(struct cfg_ent *e)
{
    wr_begin(&e->seq);
    ST(&e->key, 0);
    wr_end(&e->seq);
}

unsigned xl_cfg_inval(struct xl_cache *xc, uint64_t sid, uint64_t num, bool cd_only, uint32_t cd_index)
{
    size_t n = (size_t)WAYS << xc->cfg_sets_log2;
    unsigned count = 0;
    for (size_t i = 0; i < n; i++) {
        struct cfg_ent *e = &xc->cfg[i];
        uint64_t esid;
        if (!(e->key & VALID))
            continue;
        esid = full(xc, e)->sid;
        if (num && (esid < sid || esid - sid >= num))
            continue;
        if (cd_only && (full(xc, e)->cd_index < 0 || (uint32_t)full(xc, e)->cd_index != cd_index))
            continue;
        cfg_kill(e);
        count++;
    }
    gen_bump(xc);
    return count;
}

unsigned xl_cfg_count(struct xl_cache *xc)
{
    size_t n = (size_t)WAYS << xc->cfg_sets_log2;
    unsigned count = 0;
    for (size_t i = 0; i < n; i++)
        count += (xc->cfg[i].key & VALID) != 0;
    return count;
}

/* ---- TLB ------------------------------------------------------------------ */

static inline struct tlb_ent *tlb_set(struct xl_cache *xc, uint64_t tag, uint64_t va, unsigned shift)
{
    /* The ASID is not hashed, so global entries are found with any ASID. */
    uint64_t x = (va >> shift) ^ ((tag >> XT_VMID_SHIFT) << 44) ^ ((uint64_t)shift << 58);
    return &xc->tlb[hash_idx(x ^ (x >> 37), xc->tlb_sets_log2) * WAYS];
}

static bool tag_hit(uint64_t etag, uint64_t tag)
{
    const uint64_t upper = ~(XT_ASID_MASK | VALID | GLOBAL);
    if (!(etag & VALID) || ((etag ^ tag) & upper))
        return false;
    return (etag & GLOBAL) || ((etag ^ tag) & XT_ASID_MASK) == 0;
}

void xl_tlb_insert(struct xl_cache *xc, const struct xl_tlbe *te, uint32_t sid, uint32_t ssid)
{
    uint64_t tag = VALID | (te->global ? GLOBAL : 0) | te->tag;
    uint64_t va = te->va & ~((1ull << te->shift) - 1);
    struct tlb_ent *set = tlb_set(xc, te->tag, va, te->shift);
    unsigned w = WAYS;

    for (unsigned i = 0; i < WAYS; i++)
        if (set[i].tag == tag && set[i].va == va && (set[i].meta & 0xFF) == te->shift)
            w = i;
    if (w == WAYS)
        w = VICTIM(&xc->tlb_hand[(size_t)(set - xc->tlb) / WAYS], set, struct tlb_ent, tag);
    struct tlb_ent *e = &set[w];
    wr_begin(&e->seq);
    ST(&e->tag, tag);
    ST(&e->va, va);
    ST(&e->oa, (te->oa & ~0xFFFull) | (te->perm & 0x3F));
    ST(&e->meta, (uint64_t)te->shift | (uint64_t)te->level << 8 | (uint64_t)te->gshift << 16);
    ST(&e->ipa, te->ipa);
    ST(&e->ref, 0);
    wr_end(&e->seq);

    if (!(xc->shifts_seen & (1ull << te->shift)))
        xc->shifts_seen |= 1ull << te->shift;
    /* Size hint for the configuration that made it. */
    {
        uint64_t key = cfg_key(sid, ssid);
        struct cfg_ent *cs = cfg_set(xc, key);
        for (unsigned i = 0; i < WAYS; i++)
            if (cs[i].key == key)
                __atomic_fetch_or(&cs[i].shifts, 1ull << te->shift, __ATOMIC_RELAXED);
    }
}

static bool tlbi_match(const struct tlb_ent *e, const struct xl_tlbi *p)
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
    return true;
}

static unsigned kill_if(struct tlb_ent *e, const struct xl_tlbi *p)
{
    if (!tlbi_match(e, p))
        return 0;
    tlb_kill(e);
    return 1;
}

/* By-address invalidation of one regime and VMID over a small range:
 * probe only the sets the matching entries can live in (every size ever
 * inserted, every aligned block of that size in the range).  Returns
 * false when that would take more probes than scanning is worth. */
#define TARGETED_MAX_PROBES 64
static bool inval_targeted(struct xl_cache *xc, const struct xl_tlbi *p, unsigned *count)
{
    uint64_t shifts = xc->shifts_seen, probes = 0, tag;

    if (!(p->by_addr || p->by_ipa) || !p->match_vmid || !p->regime_mask ||
        (p->regime_mask & (p->regime_mask - 1)))
        return false;
    for (uint64_t m = shifts; m; m &= m - 1) {
        unsigned s = (unsigned)__builtin_ctzll(m);
        uint64_t n = (p->hi >> s) - (p->lo >> s);
        if (n >= TARGETED_MAX_PROBES || (probes += n + 1) > TARGETED_MAX_PROBES)
            return false;
    }
    tag = xl_tag((unsigned)__builtin_ctz(p->regime_mask), p->vmid, 0);
    for (uint64_t m = shifts; m; m &= m - 1) {
        unsigned s = (unsigned)__builtin_ctzll(m);
        for (uint64_t a = p->lo >> s; a <= p->hi >> s; a++) {
            struct tlb_ent *set = tlb_set(xc, tag, a << s, s);
            for (unsigned i = 0; i < WAYS; i++)
                *count += kill_if(&set[i], p);
        }
    }
    return true;
}

unsigned xl_tlb_inval(struct xl_cache *xc, const struct xl_tlbi *p)
{
    size_t n = (size_t)WAYS << xc->tlb_sets_log2;
    unsigned count = 0;

    if (!inval_targeted(xc, p, &count))
        for (size_t i = 0; i < n; i++)
            count += kill_if(&xc->tlb[i], p);
    gen_bump(xc);
    return count;
}

void xl_cache_flush(struct xl_cache *xc)
{
    size_t nt = (size_t)WAYS << xc->tlb_sets_log2, nc = (size_t)WAYS << xc->cfg_sets_log2;
    for (size_t i = 0; i < nt; i++) {
        if (xc->tlb[i].tag & VALID)
            tlb_kill(&xc->tlb[i]);
    }
    for (size_t i = 0; i < nc; i++)
        if (xc->cfg[i].key & VALID)
            cfg_kill(&xc->cfg[i]);
    gen_bump(xc);
}

unsigned xl_tlb_count(struct xl_cache *xc)
{
    size_t n = (size_t)WAYS << xc->tlb_sets_log2;
    unsigned count = 0;
    for (size_t i = 0; i < n; i++)
        count += (xc->tlb[i].tag & VALID) != 0;
    return count;
}

/* ---- per-thread slots ------------------------------------------------- */

struct xl_slots *xl_cache_slots(struct xl_cache *xc)
{
    return &xc->slots;
}

struct xl_slot *xl_slot_find(struct xl_slots *ss, uintptr_t me)
{
    unsigned idx = xl_slot_idx(me);

    for (unsigned k = 0; k < 2; k++)
        if (LD(&ss->owner[idx ^ k]) == me)
            return &ss->slot[idx ^ k];
    return NULL;
}

struct xl_slot *xl_slot_claim(struct xl_slots *ss, uintptr_t me)
{
    unsigned idx = xl_slot_idx(me);

    for (unsigned k = 0; k < 2; k++) {
        uintptr_t owner = LD(&ss->owner[idx ^ k]), zero = 0;
        if (owner == me)
            return &ss->slot[idx ^ k];
        /* A slot is claimed once and kept: a new owner finds the zeroes of
         * the allocation (no entries, no memo, no hits). */
        if (!owner && __atomic_compare_exchange_n(&ss->owner[idx ^ k], &zero, me, false,
                                                  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return &ss->slot[idx ^ k];
    }
    return NULL;
}

uint64_t xl_slot_hits(const struct xl_slots *ss)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < XL_SLOTS; i++)
        n += LD(&ss->slot[i].hits);
    return n;
}

/* ---- the hit path ------------------------------------------------------ */

uint64_t *xl_cache_genp(struct xl_cache *xc)
{
    return &xc->gen;
}

int xl_fast(struct xl_cache *xc, struct xl_slot *sl, uint32_t sid, uint32_t ssid, uint64_t va,
            unsigned access, unsigned oas_bits, struct vsmmu_xlate_result *res)
{
    uint64_t key = cfg_key(sid, ssid), hot = 0, tag = 0, shifts = 0, k;
    uint64_t gen = __atomic_load_n(&xc->gen, __ATOMIC_ACQUIRE), in_va = va;
    struct cfg_ent *cset;
    struct acc a;
    unsigned i;

    /* The caller probed the micro-TLB (xl_utlb_hit); the slot is emptied
     * and taken to this generation here, before the lookup. */
    if (sl && __builtin_expect(sl->gen != gen, 0)) {
        memset(sl->e, 0, sizeof(sl->e));
        sl->ckey = 0;
        sl->gen = gen;
    }

    if (sl && sl->ckey == key) {
        /* The configuration this thread used last (same generation). */
        hot = sl->chot;
        tag = sl->ctag;
        shifts = sl->cshifts;
    } else {
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
            if (rd_retry(&e->seq, sq) || k != key)
                continue;
            if (!LD(&e->ref))
                ST(&e->ref, 1);
            break;
        }
        if (i == WAYS)
            return XF_MISS;
        if (sl) {
            sl->ckey = key;
            sl->chot = hot;
            sl->ctag = tag;
            sl->cshifts = shifts;
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
        unsigned shift = (unsigned)__builtin_ctzll(shifts);
        struct tlb_ent *set = tlb_set(xc, tag, va, shift);
        shifts &= shifts - 1;
        for (i = 0; i < WAYS; i++) {
            struct tlb_ent *e = &set[i];
            uint64_t et, eva, oa, meta;
            uint32_t sq;

            if ((LD(&e->va) ^ va) >> shift)
                continue;
            sq = rd_begin(&e->seq);
            et = LD(&e->tag);
            eva = LD(&e->va);
            oa = LD(&e->oa);
            meta = LD(&e->meta);
            if (rd_retry(&e->seq, sq))
                continue;
            if (!tag_hit(et, tag) || (meta & 0xFF) != shift || ((va ^ eva) >> shift))
                continue;
            if ((oa & a.need) != a.need)
                return XF_MISS;     /* the slow path reports the fault */
            if (!LD(&e->ref))
                ST(&e->ref, 1);
            res->status = VSMMU_XLATE_OK;
            res->addr = (oa & ~0xFFFull & ~((1ull << shift) - 1)) | (va & ((1ull << shift) - 1));
            res->size = 1ull << shift;
            res->perm = api_perm((uint8_t)(oa & 0x3F), a.priv);
            /* Keep it in this thread's micro-TLB (under generation @gen,
             * read before the lookup). */
            if (sl) {
                struct xl_utlb_ent *ue = &sl->e[xl_utlb_idx(sid, in_va)];
                ue->key = key;
                ue->va = in_va & ~((1ull << shift) - 1);
                ue->oa = (res->addr & ~((1ull << shift) - 1)) | (oa & 0x3F);
                ue->meta = (uint32_t)(shift | ((hot >> 16) & 0xFF) << 8 |
                                      ((hot >> 24) & 0xFF) << 16);
            }
            return XF_HIT;
        }
    }
    return XF_MISS;
}
