// SPDX-License-Identifier: MIT
/*
 * VMSAv8-64 translation-table walks: stage 1, stage 2, and stage 1 with
 * every table access translated by stage 2 (nested).  Walks are bounded by
 * the four levels, so hostile (self-referencing) tables cannot loop.
 */
#include <stddef.h>
#include <string.h>

#include "xlate/ptw.h"

static bool block_allowed(const struct vsmmu *s, unsigned level, unsigned gshift)
{
    switch (gshift) {
    case 12: return level == 1 || level == 2;
    case 14: return level == 2;
    default: return level == 2 || (level == 1 && vsmmu_oas_bits(s) >= 52);
    }
}

static unsigned level_shift(unsigned level, unsigned gshift)
{
    return xl_level_shift(level, gshift);
}

/* Stage-1 permissions (XP_*) of a leaf with AP[2:1] = @ap (table
 * restrictions applied) and the effective PXN, UXN. */
static uint8_t s1_perm(const struct xl_cfg *c, unsigned ap, bool pxn, bool uxn)
{
    bool pr, pw, ur, uw, px, ux;
    uint8_t p = 0;

    if (c->regime == XR_EL2) {
        /* One range: AP[1] as 1, every access privileged, bit 54 is XN. */
        pr = true;
        pw = !(ap & 2);
        px = !uxn && !(c->wxn && pw);
        return (uint8_t)((pr ? XP_PR | XP_UR : 0) | (pw ? XP_PW | XP_UW : 0) |
                         (px ? XP_PX | XP_UX : 0));
    }
    pr = true;
    pw = !(ap & 2);
    ur = (ap & 1) != 0;
    uw = ur && pw;
    px = !pxn && !uw && !(c->wxn && pw);
    ux = !uxn && !(c->wxn && uw);
    if (c->pan && ur)
        pr = pw = false;
    if (pr) p |= XP_PR;
    if (pw) p |= XP_PW;
    if (px) p |= XP_PX;
    if (ur) p |= XP_UR;
    if (uw) p |= XP_UW;
    if (ux) p |= XP_UX;
    return p;
}

void xl_s1_perm_table(struct xl_cfg *c)
{
    for (unsigned i = 0; i < sizeof(c->s1perm); i++)
        c->s1perm[i] = s1_perm(c, i & XL_S1P_AP_MASK, (i & XL_S1P_PXN) != 0,
                               (i & XL_S1P_UXN) != 0);
}

/*
 * The common walk from @level, whose table is at @table, with the table
 * restrictions @attrs accumulated above it (ATTR_*); @k: the walk-cache
 * key as xl_wc_lookup() left it.  @nested: stage-1 walk whose table
 * accesses go through stage 2.  Faults are filled as stage @st2 faults
 * with CLASS @class_ (and for stage 2 IPA @ia).
 */
static inline __attribute__((always_inline))
int walk_from(struct vsmmu *s, const struct xl_cfg *c, const struct xl_tt *t, bool st2,
              bool nested, uint64_t ia, unsigned class_, const struct xl_wc_key *k,
              unsigned level, uint64_t table, unsigned attrs, struct xl_walk *w,
              struct xl_fault *f)
{
    unsigned g = t->gshift, stride = g - 3;
    unsigned aptable = attrs & ATTR_APT_MASK;
    bool pxnt = (attrs & ATTR_PXNT) != 0, uxnt = (attrs & ATTR_UXNT) != 0;
    uint64_t fipa = st2 ? ia : 0;
    struct xl_cache *xc = xl_cache_of(s);

    memset(w, 0, sizeof(*w));
    for (;;) {
        unsigned shift = level_shift(level, g);
        unsigned nbits = level == t->start ? t->ia_bits - shift : stride;
        uint64_t idx = (ia >> shift) & ((1ull << nbits) - 1);
        uint64_t daddr = table + idx * 8, pa = daddr, d;
        int rc;

        if (nested) {
            rc = xl_s2_fetch_addr(s, c, daddr, EVT_CLASS_TT, false, &pa, f);
            if (rc)
                return rc;
        }
        if (!read_desc(s, pa, t->be, &d)) {
            fault(f, EVT_F_WALK_EABT, st2, st2 ? class_ : EVT_CLASS_TT, fipa);
            f->fetch_addr = pa;
            return f->type;
        }
        if (!(d & 1))
            return fault(f, EVT_F_TRANSLATION, st2, class_, fipa);
        if (level < 3 && fld_get(d, PTE_TYPE)) {
            uint64_t next = desc_oa(d, g, t->oa_bits, g);
            if (t->oa_bits < 64 && (next >> t->oa_bits))
                return fault(f, EVT_F_ADDR_SIZE, st2, class_, fipa);
            if (!st2 && !t->had) {
                aptable |= (unsigned)fld_get(d, PTE_APTABLE);
                pxnt |= fld_get(d, PTE_PXNTABLE) != 0;
                uxnt |= fld_get(d, PTE_UXNTABLE) != 0;
            }
            if (level >= xl_wc_min_level(k->flags))
                xl_wc_insert(xc, k, level, ia, next,
                             aptable | (pxnt ? ATTR_PXNT : 0) | (uxnt ? ATTR_UXNT : 0));
            table = next;
            level++;
            continue;
        }
        if (level == 3 ? !fld_get(d, PTE_TYPE) : !block_allowed(s, level, g))
            return fault(f, EVT_F_TRANSLATION, st2, class_, fipa);

        return leaf(s, c, t, st2, nested, ia, class_, level, shift, d, daddr, pa,
                    aptable | (pxnt ? ATTR_PXNT : 0) | (uxnt ? ATTR_UXNT : 0), w, f);
    }
}

/* The walk of @ia: from below the deepest table descriptor the walk cache
 * holds, else from the start table. */
static inline __attribute__((always_inline))
int walk(struct vsmmu *s, const struct xl_cfg *c, const struct xl_tt *t, bool st2, bool nested,
         uint64_t ia, unsigned class_, struct xl_walk *w, struct xl_fault *f)
{
    struct xl_wc_key k;
    uint64_t table;
    unsigned level, attrs;

    xl_wc_key_make(c, t, st2, nested, &k);
    level = xl_wc_lookup(xl_cache_of(s), &k, ia, &table, &attrs);
    return walk_from(s, c, t, st2, nested, ia, class_, &k, level, table, attrs, w, f);
}

int xl_walk_s2(struct vsmmu *s, const struct xl_cfg *c, uint64_t ipa, unsigned class_,
               struct xl_walk *w, struct xl_fault *f)
{
    const struct xl_tt *t = &c->st2;
    if (t->ia_bits < 64 && (ipa >> t->ia_bits))
        return fault(f, EVT_F_TRANSLATION, true, class_, ipa);
    return walk(s, c, t, true, false, ipa, class_, w, f);
}

int xl_s2_fetch_addr(struct vsmmu *s, const struct xl_cfg *c, uint64_t ipa, unsigned class_,
                     bool write, uint64_t *pa, struct xl_fault *f)
{
    struct xl_walk w;
    int rc = xl_walk_s2(s, c, ipa, class_, &w, f);
    if (rc)
        return rc;
    if (!(w.perm & (write ? XP_PW : XP_PR)) || (c->s2ptw && w.device)) {
        fault(f, EVT_F_PERMISSION, true, class_, ipa);
        f->ttrnw = !write;
        return f->type;
    }
    *pa = w.oa;
    return 0;
}

/* The stage-1 walks in their two kinds, each compiled with its constants. */
__attribute__((noinline))
static int walk_s1_nested(struct vsmmu *s, const struct xl_cfg *c, const struct xl_tt *t,
                          uint64_t va, struct xl_walk *w, struct xl_fault *f)
{
    return walk(s, c, t, false, true, va, EVT_CLASS_IN, w, f);
}

/* A plain stage-1 walk (not nested) from the deepest table the walk cache
 * holds.  With the 4K granule and a start level above 3, xl_walk_s1() has
 * just probed level 2 and missed it. */
__attribute__((noinline))
static int walk_s1_plain(struct vsmmu *s, const struct xl_cfg *c, const struct xl_tt *t,
                         uint64_t va, struct xl_walk *w, struct xl_fault *f)
{
    struct xl_cache *xc = xl_cache_of(s);
    struct xl_wc_key k;
    uint64_t table;
    unsigned level, attrs;

    if (t->gshift == 12 && t->start < 3) {
        level = xl_wc_lookup_s1_4k(xc, c, t, va, &k, &table, &attrs);
    } else {
        xl_wc_key_make(c, t, false, false, &k);
        level = xl_wc_lookup(xc, &k, va, &table, &attrs);
    }
    return walk_from(s, c, t, false, false, va, EVT_CLASS_IN, &k, level, table, attrs, w, f);
}

int xl_walk_s1_slow(struct vsmmu *s, const struct xl_cfg *c, const struct xl_tt *t, uint64_t va,
                    struct xl_walk *w, struct xl_fault *f)
{
    if (c->s2)
        return walk_s1_nested(s, c, t, va, w, f);
    return walk_s1_plain(s, c, t, va, w, f);
}

__attribute__((noinline, cold))
int xl_s1_page_fault(uint64_t daddr, bool eabt, struct xl_fault *f)
{
    if (eabt) {
        fault(f, EVT_F_WALK_EABT, false, EVT_CLASS_TT, 0);
        f->fetch_addr = daddr;
        return f->type;
    }
    return fault(f, EVT_F_TRANSLATION, false, EVT_CLASS_IN, 0);
}

int xl_walk_s1(struct vsmmu *s, const struct xl_cfg *c, unsigned half, uint64_t va,
               struct xl_walk *w, struct xl_fault *f)
{
    return xl_walk_s1_fast(s, c, half, va, w, f);
}
