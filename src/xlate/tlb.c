// SPDX-License-Identifier: MIT
/*
 * The config cache (decoded STE + CD per StreamID/SubstreamID; its
 * lookups and inserts are in cfgcache.c) and the TLB (its invalidation is
 * in tlb_inval.c; the structures they share are in cache.h).  Both are
 * set-associative hash tables (4 ways per set) with clock eviction inside
 * a set, so they never hold more than their configured
 * capacity and never flush everything to make room.
 *
 * Readers (the translate hit path, fast.h) take no lock: every entry is
 * guarded by a sequence counter.  Writers hold the translation cache lock:
 * they make the counter odd, update the entry, and make it even again; a
 * reader that sees an odd or changed counter treats the probe as a miss.
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
    c->tlb_hash_shift = c->tlb_sets_log2 ? 64 - c->tlb_sets_log2 : 63;
    c->tlb_set_mask = ((uint64_t)1 << c->tlb_sets_log2) - 1;
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

void xl_tlb_insert(struct xl_cache *xc, const struct xl_tlbe *te, uint32_t sid, uint32_t ssid,
                   const struct xl_probe *pr)
{
    tlb_insert(xc, te->tag, te->global, te->va, te->oa, te->ipa, te->shift, te->level,
               te->gshift, te->perm, sid, ssid, pr);
}

void xl_cache_set_clock(struct xl_cache *xc, uint64_t clock)
{
    if (clock > xc->clock)
        xc->clock = clock;
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
