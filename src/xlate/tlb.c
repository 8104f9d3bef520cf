// SPDX-License-Identifier: MIT
/*
 * The config cache (decoded STE + CD per StreamID/SubstreamID; its
 * lookups and inserts are in cfgcache.c) and the TLB (its invalidation is
 * in tlb_inval.c; the structures they share are in cache.h).  Both are
 * set-associative hash tables (4 ways per set) with clock eviction inside
 * a set, so they never hold more than their configured
 * capacity and never flush everything to make room.
 *
 * Readers (the translate hit path) take no lock: every entry is guarded by
 * a sequence counter.  Writers hold the translation cache lock: they make the
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

#include "xlate/cache.h"

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

/* Remove every entry and reset every word (before the clock gets near
 * wrapping: never in practice, but cheap to get right).  Lock held. */
void xc_clock_rebase(struct xl_cache *xc)
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

/* ---- TLB ------------------------------------------------------------------ */

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

/*
 * The end of a TLB hit in xl_fast: the result and the front-cache fill,
 * from values the probe loop keeps live anyway, the slot's memo and one
 * packed word, so that a miss spills less for the hit.  The translation is entry output @oa (address
 * and XP_* bits) of size 1 << @shift for input address @in_va (as
 * presented: its offset bits are those of the TLB key, every size being
 * below the top byte); @acc_hot: the access in bits 0-7, the
 * configuration's PRIVCFG and INSTCFG overrides (hot bits 16-31) above.
 * With a slot, its memo holds the configuration key and the generation the
 * lookup ran under (xl_fast set both before the probe).
 */
static inline __attribute__((always_inline)) int fast_hit(struct xl_slot *sl, struct vsmmu_xlate_result *res, uint64_t in_va,
                    unsigned shift, uint64_t oa, uint32_t acc_hot)
{
    unsigned access = acc_hot & 0xFF, privcfg = acc_hot >> 8 & 0xFF, instcfg = acc_hot >> 16;
    uint64_t off = (1ull << shift) - 1;
    bool priv;

    if (privcfg | instcfg) {
        struct acc a;

        classify(access, privcfg, instcfg, &a);
        priv = a.priv;
    } else {
        priv = (access & VSMMU_ACC_PRIV) != 0;
    }
    res->status = VSMMU_XLATE_OK;
    res->addr = (oa & ~0xFFFull & ~off) | (in_va & off);
    res->size = off + 1;
    res->perm = api_perm((uint8_t)(oa & 0x3F), priv);
    /* Keep it in this thread's front cache (under the generation read
     * before the lookup). */
    if (sl) {
        uint64_t key = sl->ckey;
        uint32_t sid = (uint32_t)(key >> 21), ssid = (uint32_t)(key & 0x1FFFFF) - 1;

        xl_fc_fill(&sl->fc[xl_fc_idx(sid, in_va)], sid, ssid, sl->gen, in_va, shift,
                   res->addr, (unsigned)(oa & 0x3F), privcfg, instcfg);
    }
    return XF_HIT;
}

int xl_fast(struct xl_cache *xc, struct xl_slot *sl, uint64_t gen, uint32_t sid, uint32_t ssid,
            uint64_t va, unsigned access, unsigned oas_bits, struct vsmmu_xlate_result *res)
{
    uint64_t key = cfg_key(sid, ssid), hot = 0, tag = 0, shifts = 0, k, thr_g, thr_ng;
    uint64_t in_va = va;
    struct tlb_ent *sets[2] = { NULL, NULL };
    unsigned shift = 0;
    struct cfg_ent *cset;
    struct acc a;
    uint32_t acc_hot;
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
        a.need = access_need(access);
    acc_hot = access | (uint32_t)(hot >> 16 & 0xFFFF) << 8;
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
            return fast_hit(sl, res, in_va, shift, oa, acc_hot);
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
