/* SPDX-License-Identifier: MIT */
/*
 * Pieces of the table walk (ptw.c) that the miss path (translate.c)
 * inlines: the descriptor read, the leaf checks and the plain stage-1 4K
 * walk whose level-2 table the walk cache holds.  Private to those two
 * files; used under the translation cache lock.
 */
#ifndef VSMMU_XLATE_PTW_H
#define VSMMU_XLATE_PTW_H

#include <string.h>

#include "xlate/wcache.h"

static inline int fault(struct xl_fault *f, uint8_t type, bool s2, unsigned class_, uint64_t ipa)
{
    memset(f, 0, sizeof(*f));
    f->type = type;
    f->s2 = s2;
    f->class_ = (uint8_t)class_;
    f->ipa = ipa;
    f->ttrnw = true;
    return type;
}

static inline uint64_t bswap64(uint64_t v)
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

static inline bool write_desc(struct vsmmu *s, uint64_t pa, bool be, uint64_t d)
{
    uint64_t v = be ? bswap64(d) : d;
    return vsmmu_dma_write_dwords(s, pa, &v, 1) == 0;
}

/* Output address held by a table, block or page descriptor at @level. */
static inline uint64_t desc_oa(uint64_t d, unsigned gshift, unsigned oa_bits, unsigned shift)
{
    uint64_t oa = d & fld_mask(47, shift);
    if (gshift == 16 && oa_bits >= 52)
        oa |= fld_get(d, 15, 12) << 48;
    return oa;
}

/* Table restrictions accumulated down a stage-1 walk, packed for the walk
 * cache: APTable in bits 1:0, PXNTable bit 2, UXNTable bit 3. */
#define ATTR_PXNT (1u << 2)
#define ATTR_UXNT (1u << 3)
#define ATTR_APT_MASK 3u

/* Stage-2 permissions (XP_*) of a leaf descriptor. */
static inline uint8_t s2_perm(const struct vsmmu *s, uint64_t d)
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

/* The index of c->s1perm for leaf @d under the table restrictions @attrs
 * (ATTR_*): APTable[0] takes unprivileged access away (AP[1], index bit
 * 0, cleared), APTable[1] write (AP[2], index bit 1, set); PXNTable and
 * UXNTable add PXN and UXN, which are the same bits in both words. */
_Static_assert(ATTR_PXNT == XL_S1P_PXN && ATTR_UXNT == XL_S1P_UXN && XL_S1P_AP_MASK == 3u &&
               ATTR_APT_MASK == 3u, "table restrictions and s1perm index bits");
#define S1P_FLD_LO_(hi, lo) (lo)
#define S1P_FLD_LO(f) S1P_FLD_LO_(f)
/* PXN and UXN are adjacent descriptor bits in the order of XL_S1P_PXN and
 * XL_S1P_UXN: one shift moves both into the index. */
_Static_assert(S1P_FLD_LO(PTE_UXN) == S1P_FLD_LO(PTE_PXN) + 1 && XL_S1P_PXN == 4u &&
               XL_S1P_UXN == 8u, "PXN, UXN and their s1perm index bits");
static inline __attribute__((always_inline))
unsigned s1_perm_idx(uint64_t d, unsigned attrs)
{
    unsigned idx = (unsigned)fld_get(d, PTE_AP) |
                   (unsigned)((d & (fld_mask(PTE_PXN) | fld_mask(PTE_UXN))) >>
                              (S1P_FLD_LO(PTE_PXN) - 2));

    /* (idx & ~(attrs & 1)) | (attrs & ~1): attrs' bit 0 only clears */
    return (idx | attrs) & ~(attrs & 1u);
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
        w->global = !(d & c->s1_ng);
    }
    return 0;
}

/* The stage-1 walk of @va with table parameters @t (xl_walk_s1()) but
 * for the inline case below: nested, another granule, a level-2 miss. */
int xl_walk_s1_slow(struct vsmmu *s, const struct xl_cfg *c, const struct xl_tt *t, uint64_t va,
                    struct xl_walk *w, struct xl_fault *f);
/* The faults of the inline page read: F_WALK_EABT at @daddr (@eabt),
 * else F_TRANSLATION.  Returns the type. */
int xl_s1_page_fault(uint64_t daddr, bool eabt, struct xl_fault *f);

/* xl_walk_s1(), inline: a plain stage-1 walk with the 4K granule probes
 * the walk cache's level 2 itself and, on a hit, reads the page
 * descriptor and runs leaf() in place, as walk_from() would at level 3
 * (the same checks, the same leaf()), without a call beyond the
 * descriptor read; everything else goes to xl_walk_s1_slow(). */
static inline __attribute__((always_inline))
int xl_walk_s1_fast(struct vsmmu *s, const struct xl_cfg *c, unsigned half, uint64_t va,
                    struct xl_walk *w, struct xl_fault *f)
{
    const struct xl_tt *t = &c->tt[half];
    struct xl_cache *xc;
    uint64_t table, daddr, d;
    unsigned attrs;

    /* (A level-3 start table has fewer index bits: not here.) */
    if (c->s2 || t->gshift != 12 || t->start >= 3)
        return xl_walk_s1_slow(s, c, t, va, w, f);
    xc = xl_cache_of(s);
    if (!xl_wc_s1_4k_l2(xc, xc->wc, c, half, va, &table, &attrs))
        return xl_walk_s1_slow(s, c, t, va, w, f);
    daddr = table + ((va >> 12) & 511) * 8;
    if (!read_desc(s, daddr, t->be, &d))
        return xl_s1_page_fault(daddr, true, f);
    if (!(d & 1) || !fld_get(d, PTE_TYPE))
        return xl_s1_page_fault(daddr, false, f);
    return leaf(s, c, t, false, false, va, EVT_CLASS_IN, 3, 12, d, daddr, daddr, attrs, w, f);
}

#endif
