// SPDX-License-Identifier: MIT
/*
 * VMSAv8-64 translation-table walks: stage 1, stage 2, and stage 1 with
 * every table access translated by stage 2 (nested).  Walks are bounded by
 * the four levels, so hostile (self-referencing) tables cannot loop.
 */
#include <stddef.h>
#include <string.h>

#include "xlate/wcache.h"

static int fault(struct xl_fault *f, uint8_t type, bool s2, unsigned class_, uint64_t ipa)
{
    memset(f, 0, sizeof(*f));
    f->type = type;
    f->s2 = s2;
    f->class_ = (uint8_t)class_;
    f->ipa = ipa;
    f->ttrnw = true;
    return type;
}

static uint64_t bswap64(uint64_t v)
{
    return __builtin_bswap64(v);
}

/* Read one descriptor at PA @pa as one little-endian (@be: big-endian)
 * word; returns false on an external abort. */
static inline __attribute__((always_inline))
bool read_desc(struct vsmmu *s, uint64_t pa, bool be, uint64_t *d)
{
    uint64_t v;
    if (vsmmu_dma_read_u64(s, pa, &v))
        return false;
    *d = be ? bswap64(v) : v;
    return true;
}

static bool write_desc(struct vsmmu *s, uint64_t pa, bool be, uint64_t d)
{
    uint64_t v = be ? bswap64(d) : d;
    return vsmmu_dma_write_dwords(s, pa, &v, 1) == 0;
}

/* Output address held by a table, block or page descriptor at @level. */
static uint64_t desc_oa(uint64_t d, unsigned gshift, unsigned oa_bits, unsigned shift)
{
    uint64_t oa = d & fld_mask(47, shift);
    if (gshift == 16 && oa_bits >= 52)
        oa |= fld_get(d, 15, 12) << 48;
    return oa;
}

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

/* Table restrictions accumulated down a stage-1 walk, packed for the walk
 * cache: APTable in bits 1:0, PXNTable bit 2, UXNTable bit 3. */
#define ATTR_PXNT (1u << 2)
#define ATTR_UXNT (1u << 3)
#define ATTR_APT_MASK 3u

/* Stage-2 permissions (XP_*) of a leaf descriptor. */
static uint8_t s2_perm(const struct vsmmu *s, uint64_t d)
{
    unsigned ap = (unsigned)fld_get(d, PTE_S2AP);
    unsigned xn = (unsigned)fld_get(d, PTE_S2XN);
    uint8_t p = 0;
    bool px, ux;

    if (ap & 1)
        p |= XP_PR | XP_UR;
    if (ap & 2)
        p |= XP_PW | XP_UW;
    if (fld_get(s->idr[3], IDR3_XNX)) {
        px = xn == 0 || xn == 3;
        ux = xn == 0 || xn == 1;
    } else {
        px = ux = !(xn & 2);
    }
    if (px)
        p |= XP_PX;
    if (ux)
        p |= XP_UX;
    return p;
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

/* The index of c->s1perm for leaf @d under the table restrictions @attrs
 * (ATTR_*): APTable[0] takes unprivileged access away (AP[1], index bit
 * 0, cleared), APTable[1] write (AP[2], index bit 1, set); PXNTable and
 * UXNTable add PXN and UXN, which are the same bits in both words. */
_Static_assert(ATTR_PXNT == XL_S1P_PXN && ATTR_UXNT == XL_S1P_UXN && XL_S1P_AP_MASK == 3u &&
               ATTR_APT_MASK == 3u, "table restrictions and s1perm index bits");
static inline unsigned s1_perm_idx(uint64_t d, unsigned attrs)
{
    unsigned idx = (unsigned)fld_get(d, PTE_AP) | (unsigned)fld_get(d, PTE_PXN) * XL_S1P_PXN |
                   (unsigned)fld_get(d, PTE_UXN) * XL_S1P_UXN;

    return (idx & ~(attrs & 1u)) | (attrs & ~1u);
}

/* A leaf descriptor @d at @level (mapping 2^@shift bytes), read from
 * @daddr (PA @pa), with the table restrictions @attrs (ATTR_*): the
 * output, Access flag and permission checks of walk(). */
static inline __attribute__((always_inline))
int leaf(struct vsmmu *s, const struct xl_cfg *c, const struct xl_tt *t, bool st2, bool nested,
         uint64_t ia, unsigned class_, unsigned level, unsigned shift, uint64_t d,
         uint64_t daddr, uint64_t pa, unsigned attrs, struct xl_walk *w, struct xl_fault *f)
{
    uint64_t base = desc_oa(d, t->gshift, t->oa_bits, shift);
    uint64_t fipa = st2 ? ia : 0;
    bool af_hw = st2 ? c->s2ha : c->ha;
    bool affd = st2 ? c->s2affd : c->affd;
    int rc;

    if (t->oa_bits < 64 && (base >> t->oa_bits))
        return fault(f, EVT_F_ADDR_SIZE, st2, class_, fipa);
    if (!fld_get(d, PTE_AF)) {
        if (af_hw) {
            /* Hardware Access flag update. */
            if (nested) {
                rc = xl_s2_fetch_addr(s, c, daddr, EVT_CLASS_TT, true, &pa, f);
                if (rc)
                    return rc;
            }
            if (!write_desc(s, pa, t->be, d | fld_mask(PTE_AF))) {
                fault(f, EVT_F_WALK_EABT, st2, st2 ? class_ : EVT_CLASS_TT, fipa);
                f->fetch_addr = pa;
                return f->type;
            }
        } else if (!affd) {
            return fault(f, EVT_F_ACCESS, st2, class_, fipa);
        }
    }
    w->shift = (uint8_t)shift;
    w->level = (uint8_t)level;
    w->oa = base | (ia & ((1ull << shift) - 1));
    if (st2) {
        w->perm = s2_perm(s, d);
        w->device = fld_get(d, 5, 4) == 0;
        w->global = true;
    } else {
        w->perm = c->s1perm[s1_perm_idx(d, attrs)];
        w->device = false;
        w->global = c->regime == XR_EL2 || !fld_get(d, PTE_NG);
    }
    return 0;
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

/* The faults of s1_4k_page(), out of line. */
__attribute__((noinline, cold))
static int s1_page_fault(uint64_t daddr, bool eabt, struct xl_fault *f)
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
    const struct xl_tt *t = &c->tt[half];
    struct xl_cache *xc;
    uint64_t table, daddr, d;
    unsigned attrs;

    if (c->s2)
        return walk_s1_nested(s, c, t, va, w, f);
    /* The 4K granule: level 2 probed inline; its hit leaves one page
     * descriptor to read: walk_from() at level 3 (the same checks, the
     * same leaf()), without a call beyond the descriptor read.  (A level-3
     * start table has fewer index bits: not here.) */
    if (t->gshift != 12 || t->start >= 3)
        return walk_s1_plain(s, c, t, va, w, f);
    xc = xl_cache_of(s);
    if (!xl_wc_s1_4k_l2(xc, xc->wc, c, t, va, &table, &attrs))
        return walk_s1_plain(s, c, t, va, w, f);
    daddr = table + ((va >> 12) & 511) * 8;
    if (!read_desc(s, daddr, t->be, &d))
        return s1_page_fault(daddr, true, f);
    if (!(d & 1) || !fld_get(d, PTE_TYPE))
        return s1_page_fault(daddr, false, f);
    return leaf(s, c, t, false, false, va, EVT_CLASS_IN, 3, 12, d, daddr, daddr, attrs, w, f);
}
