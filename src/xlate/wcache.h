/* SPDX-License-Identifier: MIT */
/*
 * Inside the walk cache (walkcache.c): its entries and structure, and the
 * inline level-2 probe that the plain stage-1 4K walk (ptw.c) makes
 * without a call.  Private to those two files and to translate.c (through
 * ptw.h, for its inline miss), which see the cache's internals through it
 * too; used under the translation cache lock only.
 */
#ifndef VSMMU_XLATE_WCACHE_H
#define VSMMU_XLATE_WCACHE_H

#include "xlate/cache.h"

#define WC_WAYS 4
#define WC_SETS_LOG2 8                  /* 256 sets: 1024 entries */
#define WC_VM_LOG2 8
#define WC_NREG 8
#define WC_VALID (1ull << 63)
#define WC_PROBE_MAX 32u                /* set probes per by-address TLBI */

struct wc_ent {
    uint64_t tag;       /* WC_VALID | xl_tag of the walk; 0: empty */
    uint64_t ttb;       /* start table of the walk */
    uint64_t blk;       /* input address >> shift */
    uint64_t next;      /* table the descriptor points at */
    uint64_t stamp;     /* invalidation clock when filled */
    uint64_t params;    /* walk parameters (xl_wc_key.params) */
    uint8_t flags;      /* xl_wc_key.flags | level << XL_WC_LEVEL_SHIFT */
    uint8_t shift;      /* log2 of the input range of the descriptor */
    uint8_t attrs;      /* accumulated APTable / PXNTable / UXNTable */
};

struct xl_wc {
    struct wc_ent ent[WC_WAYS << WC_SETS_LOG2];
    uint8_t hand[1u << WC_SETS_LOG2];
    uint64_t reg_inv[WC_NREG];          /* own scope words (see file comment) */
    uint64_t vm_inv[1u << WC_VM_LOG2];
    uint64_t shifts_seen;               /* entry shifts ever inserted */
    /* The last threshold computed (wc_thr) for a stage-1 and for a
     * stage-2 tag: valid while the clock has not moved, as every scope
     * word is marked with the clock's value and the clock then advanced
     * (a word only changes with the clock). */
    struct { uint64_t tag, clock, thr; } memo[2];   /* [1]: stage-2 tags */
    bool off;                           /* tests: every walk reads every level */
    const uint64_t *clock;              /* the TLB's invalidation clock */
    /* What the last xl_wc_s1_4k_l2() that missed found (its set, NULL:
     * none, and the way to fill), for xl_wc_lookup_s1_4k() of the same
     * walk, which follows it under the same hold of the lock. */
    struct wc_ent *l2_set, *l2_way;
    /* The entry the last xl_wc_s1_4k_l2() hit (NULL: none), and the
     * decode_id | half of the configuration and table half it hit for:
     * tried first, as neighbouring pages share it.  The entry still holds
     * the key it matched (an insert over it or a by-address TLBI's kill of
     * it forgets it), and the same decode_id means the same tag, tables
     * and table parameters: the block and liveness are all left to test.
     * Only a cached configuration's hit (decode_id not 0) is kept. */
    struct wc_ent *l2_last;
    uint64_t l2_last_id;
};

static inline uint64_t wc_vm_of(uint64_t tag)
{
    return tag >> XT_VMID_SHIFT;        /* regime and VMID: no ASID */
}

/* The set of a block: the hash leaves the ASID out, so that a TLBI by
 * address finds the entries of every ASID. */
static inline struct wc_ent *wc_set(struct xl_wc *wc, uint64_t regime_vmid, uint64_t blk,
                                    unsigned shift)
{
    uint64_t x = blk ^ regime_vmid << 40 ^ (uint64_t)shift << 58;
    uint64_t h = (x ^ (x >> 29)) * 0x9E3779B97F4A7C15ull;
    return &wc->ent[(h >> (64 - WC_SETS_LOG2)) * WC_WAYS];
}

/* The stamp an entry of @tag must exceed to be live: wc_thr() below, when
 * its memo does not hold it. */
uint64_t xl_wc_thr_slow(struct xl_cache *xc, struct xl_wc *wc, uint64_t tag, uint64_t clock);

/* The stamp an entry of @tag must exceed to be live, from memo @m if it
 * holds it (any memo gives a right answer: it is checked against the tag;
 * xl_wc_thr_slow() fills the tag's own). */
static inline __attribute__((always_inline))
uint64_t wc_thr_memo(struct xl_cache *xc, struct xl_wc *wc, uint64_t tag, unsigned m)
{
    uint64_t clock = xc->clock;     /* (the clock wc->clock points at) */

    if (wc->memo[m].clock == clock && wc->memo[m].tag == tag)
        return wc->memo[m].thr;
    return xl_wc_thr_slow(xc, wc, tag, clock);
}

/* The stamp an entry of @tag must exceed to be live. */
static inline __attribute__((always_inline))
uint64_t wc_thr(struct xl_cache *xc, struct xl_wc *wc, uint64_t tag)
{
    return wc_thr_memo(xc, wc, tag, xl_tag_regime(tag) == XR_S2ONLY);
}

/*
 * The level-2 probe of a plain stage-1 walk (no stage 2) of @ia with the
 * 4K granule from table t = c->tt[@half] of @c (t->start < 3), without
 * building the key (its fields are known: xl_wc_key_make() gives the
 * configuration's tag, t's start table and parameter word, flags 0); the
 * same entries match, with the same liveness test as lookup() in
 * walkcache.c.  A hit: true, with the level-3 table and the restrictions
 * accumulated above it.  A miss: false, with the set probed and the way
 * to fill left in wc->l2_set and wc->l2_way for xl_wc_lookup_s1_4k().
 */
static inline __attribute__((always_inline))
bool xl_wc_s1_4k_l2(struct xl_cache *xc, struct xl_wc *wc, const struct xl_cfg *c,
                    unsigned half, uint64_t ia, uint64_t *table, unsigned *attrs)
{
    const struct xl_tt *t = &c->tt[half];
    const unsigned shift = 21;      /* xl_level_shift(2, 12) */
    const uint8_t flags = 2 << XL_WC_LEVEL_SHIFT;
    uint64_t tag = c->tag, vtag = WC_VALID | tag, blk = ia >> shift, params;
    struct wc_ent *set = NULL, *way = NULL, *e = wc->l2_last;

    /* (a stage-1 tag: its memo is the first) */
    if (e && e->blk == blk && wc->l2_last_id == (c->decode_id | half) &&
        e->stamp > wc_thr_memo(xc, wc, tag, 0)) {
        *table = e->next;
        *attrs = e->attrs;
        return true;
    }
    memcpy(&params, t, sizeof(params));
    if (!wc->off && (wc->shifts_seen & (1ull << shift))) {
        set = wc_set(wc, wc_vm_of(tag), blk, shift);
        for (unsigned i = 0; i < WC_WAYS; i++) {
            e = &set[i];
            if (e->blk != blk || e->tag != vtag || e->params != params || e->ttb != t->ttb ||
                e->flags != flags || e->shift != shift) {
                if (!e->tag && !way)
                    way = e;
                continue;
            }
            if (e->stamp > wc_thr_memo(xc, wc, tag, 0)) {
                *table = e->next;
                *attrs = e->attrs;
                wc->l2_last = c->decode_id ? e : NULL;
                wc->l2_last_id = c->decode_id | half;
                return true;
            }
            way = e;
            break;
        }
    }
    wc->l2_set = set;
    wc->l2_way = way;
    return false;
}

#endif
