/* SPDX-License-Identifier: MIT */
/*
 * The lock-free shared-TLB lookup of vsmmu_translate() (translate.c, its
 * only includer): the configuration memo or config cache, then the TLB
 * sets of each size the configuration has inserted.  Inline in the
 * translate path, so that a shared-TLB hit and a miss make no call of
 * their own before the miss path.  cache.h has the structures.
 */
#ifndef VSMMU_XLATE_FAST_H
#define VSMMU_XLATE_FAST_H

#include "xlate/cache.h"

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
    xl_res_perm(res, api_perm((uint8_t)(oa & 0x3F), priv));
    /* Keep it in this thread's front cache (under the generation read
     * before the lookup). */
    if (sl) {
        uint64_t key = sl->ckey;
        uint32_t sid = (uint32_t)(key >> 21), ssid = (uint32_t)(key & 0x1FFFFF) - 1;

        xl_fc_fill(&sl->fc[sl->fcx], sid, ssid, sl->gen, in_va, shift,
                   res->addr, (unsigned)(oa & 0x3F), privcfg, instcfg);
    }
    return XF_HIT;
}

/* The way of @set holding a live translation of @va (a TLB key) of size
 * 1 << @shift under @tag (@thr_g, @thr_ng: its scope stamps), its output
 * in *@oa; NULL for none.  The ways unrolled: one load and compare per
 * way that cannot match. */
static inline __attribute__((always_inline))
struct tlb_ent *probe_set(struct tlb_ent *set, uint64_t tag, uint64_t va, unsigned shift,
                          uint64_t thr_g, uint64_t thr_ng, uint64_t *oa)
{
    /* (a mask, not a shift by a variable count: one register and no flag
     * test of its own per way) */
    uint64_t page_mask = ~((1ull << shift) - 1);

#pragma GCC unroll 4
    for (unsigned w = 0; w < WAYS; w++) {
        struct tlb_ent *e = &set[w];
        uint64_t et, eva, meta, stamp;
        uint32_t sq;

        if ((LD(&e->va) ^ va) & page_mask)
            continue;
        sq = rd_begin(&e->seq);
        et = LD(&e->tag);
        eva = LD(&e->va);
        *oa = LD(&e->oa);
        meta = LD(&e->meta);
        stamp = LD(&e->stamp);
        if (rd_retry(&e->seq, sq))
            continue;
        if (!tag_hit(et, tag) || (meta & 0xFF) != shift || ((va ^ eva) & page_mask) ||
            stamp <= ((et & GLOBAL) ? thr_g : thr_ng))
            continue;
        return e;
    }
    return NULL;
}

/* The shared-TLB lookup (XF_* in xlate.h).  @gen: the cache generation,
 * read before CR0 was checked.  @sl: the calling thread's slot (memo and
 * front cache), or NULL; on XF_MISS its probe record is what the insert
 * after the walk may use. */
static inline __attribute__((always_inline))
int xl_fast(struct xl_cache *xc, struct xl_slot *sl, uint64_t gen, uint32_t sid, uint32_t ssid,
            uint64_t va, unsigned access, unsigned oas_bits, struct vsmmu_xlate_result *res)
{
    uint64_t key = cfg_key(sid, ssid), hot = 0, tag = 0, shifts = 0, k, thr_g, thr_ng;
    uint64_t in_va = va, ins;
    size_t x0 = 0;
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
        tag = sl->probe.tag;
        shifts = sl->cshifts;
        thr_g = sl->probe.thr_g;
        thr_ng = sl->probe.thr_ng;
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
            sl->cshifts = shifts;
            /* (the probe record's page was of the old tag) */
            sl->probe = (struct xl_probe){ .tag = tag, .thr_g = thr_g, .thr_ng = thr_ng };
        }
    }
    switch (hot & 0xFF) {
    case XK_ABORT:
        res->status = VSMMU_XLATE_FAULT;
        res->addr = res->size = 0;
        xl_res_perm(res, 0);
        return XF_DONE;
    case XK_BYPASS:
        if (oas_bits < 64 && (va >> oas_bits))
            return XF_MISS;
        res->status = VSMMU_XLATE_OK;
        res->addr = va;
        res->size = 1ull << oas_bits;
        xl_res_perm(res, VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X);
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
    /* (before any set is read: see xl_cache.inserts) */
    ins = __atomic_load_n(&xc->inserts, __ATOMIC_ACQUIRE);
    if (!shifts)
        return XF_MISS;
    do {
        struct tlb_ent *e, *set1;
        uint64_t oa;

        shift = (unsigned)__builtin_ctzll(shifts);
        shifts &= shifts - 1;
        /* The page's first set, then its second if the first ever
         * overflowed (tlb_sets() without the array). */
        x0 = tlb_set0(xc, tag, va, shift);
        e = probe_set(&xc->tlb[x0 * WAYS], tag, va, shift, thr_g, thr_ng, &oa);
        if (!e && LD(&xc->tlb_ovf[x0]) &&
            (set1 = &xc->tlb[tlb_set1(xc, tag, va, shift) * WAYS]) != &xc->tlb[x0 * WAYS])
            e = probe_set(set1, tag, va, shift, thr_g, thr_ng, &oa);
        if (!e)
            continue;
        if ((oa & a.need) != a.need)
            return XF_MISS;     /* the slow path reports the fault */
        if (!LD(&e->ref))
            ST(&e->ref, 1);
        return fast_hit(sl, res, in_va, shift, oa, acc_hot);
    } while (shifts);
    /* The last (largest) size probed: usually the only one, the 4K page;
     * the insert after the miss can use its set. */
    if (sl) {
        sl->probe.vkey = (va & ~((1ull << shift) - 1)) | shift;
        sl->probe.set0 = x0;
        sl->probe.ins = ins;
    }
    return XF_MISS;
}

#endif
