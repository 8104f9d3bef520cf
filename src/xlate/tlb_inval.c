// SPDX-License-Identifier: MIT
/*
 * TLB invalidation: scope-wide in O(1) through the scope words, by address
 * bounded by the credit (cache.h explains both).
 */
#include <stdlib.h>
#include <string.h>

#include "xlate/cache.h"

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
            size_t x0;
            unsigned ns = tlb_sets(xc, tag, p->lo >> s << s, s, sets, false, &x0);
            for (unsigned k = 0; k < ns; k++)
                prefetch_set(sets[k]);
        }
    for (uint64_t m = xc->shifts_seen; m; m &= m - 1) {
        unsigned s = (unsigned)__builtin_ctzll(m);
        for (uint64_t a = p->lo >> s; a <= p->hi >> s; a++) {
            struct tlb_ent *sets[2];
            size_t x0;
            unsigned ns = tlb_sets(xc, tag, a << s, s, sets, false, &x0);
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

