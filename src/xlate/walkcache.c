// SPDX-License-Identifier: MIT
/*
 * The walk cache: table descriptors read above the last level of a walk,
 * so that a miss on a page whose neighbours were walked reads only the
 * last level (docs/architecture.md, "Walk cache"; the invalidation rules
 * in docs/spec-notes.md 8.9).
 *
 * An entry says: under walk context K (TLB tag, start table address and
 * the table parameters of the walk), the descriptor at level L for input
 * addresses [blk << shift, (blk + 1) << shift) is a table descriptor
 * pointing at table @next, with the hierarchical restrictions @attrs
 * accumulated down to it.  Entries are keyed by the level and the exact
 * input block, so a table that points back at itself or at another level
 * only ever yields what a fresh walk of that same address would read.
 *
 * Set-associative (WC_WAYS per set, fixed size), used under the
 * translation cache lock only.  Entries carry a stamp of the TLB's invalidation clock and
 * die with the TLB's scope words of their tag (regime, VMID, ASID: every
 * scope-wide TLBI is O(1) for the walk cache too), with the walk cache's
 * own per-regime and per-VMID words (by-address TLBIs that would need too
 * many probes), or when a by-address TLBI probes their set.
 */
#include <stdlib.h>
#include <string.h>

#include "xlate/wcache.h"

struct xl_wc *xl_wc_new(const uint64_t *clock)
{
    struct xl_wc *wc = calloc(1, sizeof(struct xl_wc));

    if (wc)
        wc->clock = clock;
    return wc;
}

void xl_wc_free(struct xl_wc *wc)
{
    free(wc);
}

void xl_wc_clear(struct xl_wc *wc)
{
    bool off = wc->off;
    const uint64_t *clock = wc->clock;

    memset(wc, 0, sizeof(*wc));
    wc->off = off;
    wc->clock = clock;
}

static inline uint64_t *wc_vm_word(struct xl_wc *wc, uint64_t regime_vmid)
{
    uint64_t h = (regime_vmid + 1) * 0x9E3779B97F4A7C15ull;
    return &wc->vm_inv[h >> (64 - WC_VM_LOG2)];
}

__attribute__((noinline))
uint64_t xl_wc_thr_slow(struct xl_cache *xc, struct xl_wc *wc, uint64_t tag, uint64_t clock)
{
    uint64_t g, t, r, v;
    unsigned m = xl_tag_regime(tag) == XR_S2ONLY;

    tlb_thr(xc, tag, &g, &t);
    r = wc->reg_inv[xl_tag_regime(tag) & (WC_NREG - 1)];
    v = *wc_vm_word(wc, wc_vm_of(tag));
    if (r > t)
        t = r;
    t = v > t ? v : t;
    wc->memo[m].tag = tag;
    wc->memo[m].clock = clock;
    wc->memo[m].thr = t;
    return t;
}

/* xl_wc_lookup() from level @top (a constant for each caller). */
static inline __attribute__((always_inline))
unsigned lookup(struct xl_cache *xc, struct xl_wc *wc, struct xl_wc_key *k, int top, uint64_t ia,
                uint64_t *table, unsigned *attrs)
{
    uint64_t tag = WC_VALID | k->tag, rv = wc_vm_of(k->tag);
    unsigned min = xl_wc_min_level(k->flags);
    int low = (int)(k->start > min ? k->start : min);

    for (int l = 0; l <= top; l++)      /* (the caller sets those below) */
        k->set[l] = k->way[l] = NULL;
    if (wc->off)
        goto none;
    /* The deepest level first: its hit skips the most reads. */
    for (int level = top; level >= low; level--) {
        unsigned shift = xl_level_shift((unsigned)level, k->gshift);
        uint8_t flags = (uint8_t)(k->flags | level << XL_WC_LEVEL_SHIFT);
        uint64_t blk = ia >> shift;
        struct wc_ent *set, *way = NULL;

        if (!(wc->shifts_seen & (1ull << shift)))
            continue;
        set = wc_set(wc, rv, blk, shift);
        /* A set holds at most one entry of a key (the insert refills the
         * entry of its key, found here). */
        for (unsigned i = 0; i < WC_WAYS; i++) {
            struct wc_ent *e = &set[i];
            if (e->blk != blk || e->tag != tag || e->params != k->params || e->ttb != k->ttb ||
                e->flags != flags || e->shift != shift) {
                if (!e->tag && !way)
                    way = e;
                continue;
            }
            if (e->stamp > wc_thr(xc, wc, k->tag)) {
                *table = e->next;
                *attrs = e->attrs;
                return (unsigned)level + 1;
            }
            way = e;
            break;
        }
        k->set[level] = set;
        k->way[level] = way;
    }
none:
    *table = k->ttb;
    *attrs = 0;
    return k->start;
}

unsigned xl_wc_lookup(struct xl_cache *xc, struct xl_wc_key *k, uint64_t ia,
                      uint64_t *table, unsigned *attrs)
{
    return lookup(xc, xc->wc, k, 2, ia, table, attrs);
}

/*
 * xl_wc_lookup() for a plain stage-1 walk (no stage 2) with the 4K granule
 * starting above level 3, after xl_wc_s1_4k_l2() (wcache.h) missed level 2:
 * *k is made for xl_wc_insert(), with the set and way that probe left, and
 * level 1 is probed the general way.
 */
unsigned xl_wc_lookup_s1_4k(struct xl_cache *xc, const struct xl_cfg *c, const struct xl_tt *t,
                            uint64_t ia, struct xl_wc_key *k, uint64_t *table, unsigned *attrs)
{
    struct xl_wc *wc = xc->wc;

    xl_wc_key_make(c, t, false, false, k);
    k->set[2] = wc->l2_set;
    k->way[2] = wc->l2_way;
    return lookup(xc, wc, k, 1, ia, table, attrs);
}

void xl_wc_insert(struct xl_cache *xc, const struct xl_wc_key *k, unsigned level, uint64_t ia,
                  uint64_t next, unsigned attrs)
{
    struct xl_wc *wc = xc->wc;
    unsigned shift = xl_level_shift(level, k->gshift);
    uint64_t blk = ia >> shift;
    struct wc_ent *e = k->way[level], *set = k->set[level];

    if (wc->off)
        return;
    /* The way the lookup chose, unless a nested walk's stage-2 walks have
     * filled it since (an eviction either way: only a matter of which
     * entry goes), else round robin in the set. */
    if (e && e->tag && e->blk != blk)
        e = NULL;
    if (!e) {
        uint8_t *hand;

        if (!set)
            set = wc_set(wc, wc_vm_of(k->tag), blk, shift);
        hand = &wc->hand[(size_t)(set - wc->ent) / WC_WAYS];
        e = &set[*hand % WC_WAYS];
        *hand = (uint8_t)(*hand + 1);
    }
    if (e == wc->l2_last)
        wc->l2_last = NULL;     /* (it no longer holds the key it hit) */
    *e = (struct wc_ent){
        .tag = WC_VALID | k->tag, .ttb = k->ttb, .blk = blk, .next = next,
        .stamp = *wc->clock, .params = k->params,
        .flags = (uint8_t)(k->flags | level << XL_WC_LEVEL_SHIFT),
        .shift = (uint8_t)shift, .attrs = (uint8_t)attrs,
    };
    wc->shifts_seen |= 1ull << shift;
}

/* Kill, in the sets a by-address TLBI of one regime and VMID names, the
 * entries of that regime and VMID (any ASID) whose block meets [lo, hi]. */
static void wc_probe(struct xl_wc *wc, uint64_t regime_vmid, uint64_t lo, uint64_t hi)
{
    for (uint64_t m = wc->shifts_seen; m; m &= m - 1) {
        unsigned s = (unsigned)__builtin_ctzll(m);
        for (uint64_t b = lo >> s; b <= hi >> s; b++) {
            struct wc_ent *set = wc_set(wc, regime_vmid, b, s);
            for (unsigned i = 0; i < WC_WAYS; i++)
                if (set[i].tag && wc_vm_of(set[i].tag & ~WC_VALID) == regime_vmid &&
                    set[i].shift == s && set[i].blk == b) {
                    set[i].tag = 0;
                    if (&set[i] == wc->l2_last)
                        wc->l2_last = NULL;
                }
            if (b == UINT64_MAX >> s)
                break;
        }
    }
}

/* Set probes wc_probe() would make, or UINT64_MAX beyond WC_PROBE_MAX. */
static uint64_t wc_probes(const struct xl_wc *wc, uint64_t lo, uint64_t hi)
{
    uint64_t n = 0;

    for (uint64_t m = wc->shifts_seen; m; m &= m - 1) {
        unsigned s = (unsigned)__builtin_ctzll(m);
        uint64_t blocks = (hi >> s) - (lo >> s);
        if (blocks >= WC_PROBE_MAX || (n += blocks + 1) > WC_PROBE_MAX)
            return UINT64_MAX;
    }
    return n;
}

void xl_wc_inval(struct xl_cache *xc, const struct xl_tlbi *p)
{
    struct xl_wc *wc = xc->wc;
    bool marked = false;
    unsigned r;

    /* Scope-wide TLBIs kill walk entries through the TLB's scope words. */
    if (!(p->by_addr || p->by_ipa))
        return;
    /* Stage-1 walk entries of nested walks hold IPAs read through stage 2:
     * TLBI_S2_IPA drops those of its VMID too (conservative, O(1)). */
    if (p->by_ipa && p->match_vmid) {
        *wc_vm_word(wc, xl_tag(XR_NSEL1, p->vmid, 0) >> XT_VMID_SHIFT) = xc->clock;
        marked = true;
    }
    /* The TG/TTL hints and the leaf-only hint name the leaf: walk entries
     * are dropped whatever they say (conservative). */
    if (p->match_vmid && p->regime_mask && !(p->regime_mask & (p->regime_mask - 1)) &&
        wc_probes(wc, p->lo, p->hi) != UINT64_MAX) {
        r = (unsigned)__builtin_ctz(p->regime_mask);
        wc_probe(wc, xl_tag(r, p->vmid, 0) >> XT_VMID_SHIFT, p->lo, p->hi);
    } else {
        /* Too many probes, several regimes or any VMID: the whole scope. */
        for (r = 0; r < WC_NREG; r++) {
            if (!(p->regime_mask & (1u << r)))
                continue;
            if (p->match_vmid)
                *wc_vm_word(wc, xl_tag(r, p->vmid, 0) >> XT_VMID_SHIFT) = xc->clock;
            else
                wc->reg_inv[r] = xc->clock;
            marked = true;
        }
    }
    if (marked)
        clock_tick(xc);
}

void xl_wc_disable(struct xl_cache *xc)
{
    xc->wc->off = true;
    xc->wc->l2_last = NULL;
}

unsigned xl_wc_count(struct xl_cache *xc)
{
    struct xl_wc *wc = xc->wc;
    unsigned n = 0;

    for (size_t i = 0; i < (size_t)WC_WAYS << WC_SETS_LOG2; i++)
        n += wc->ent[i].tag && wc->ent[i].stamp > wc_thr(xc, wc, wc->ent[i].tag & ~WC_VALID);
    return n;
}
