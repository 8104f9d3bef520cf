/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the translation tests: a guest with the SMMU up,
 * translation-table builders (stage 1 and stage 2, with an IPA offset for
 * tables that live behind stage 2), STE/CD builders and event-record
 * expectations built field by field from src/arch/arch_fields.h.
 */
#ifndef VSMMU_TEST_XLATE_UTIL_H
#define VSMMU_TEST_XLATE_UTIL_H

#include <errno.h>
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "testbed.h"
#include "xlate/xlate.h"

#define RAM TB_RAM_BASE

struct xt {
    struct testbed tb;
    struct guest g;
};

static inline void xt_init(struct xt *x, const struct vsmmu_config *cfg, const struct guest_opts *o)
{
    memset(x, 0, sizeof(*x));
    tb_init(&x->tb, cfg);
    guest_init(&x->g, &x->tb, o);
}

static inline void xt_fini(struct xt *x)
{
    tb_fini(&x->tb);
}

/* ---- translation tables ------------------------------------------------ */

/* A table tree: pointers written into descriptors are PA + off (IPA when
 * the tables sit behind stage 2 with IPA = PA + off). */
struct pt {
    struct xt *x;
    unsigned g;         /* granule shift */
    unsigned start;     /* start level */
    unsigned ia;        /* input bits */
    uint64_t root;      /* PA of the start table */
    uint64_t off;
};

static inline unsigned pt_shift(const struct pt *p, unsigned level)
{
    return p->g + (3 - level) * (p->g - 3);
}

static inline uint64_t pt_idx(const struct pt *p, unsigned level, uint64_t va)
{
    unsigned sh = pt_shift(p, level);
    unsigned bits = level == p->start ? p->ia - sh : p->g - 3;
    return (va >> sh) & ((1ull << bits) - 1);
}

/* A new tree; @concat start tables (stage 2), root aligned to its size. */
static inline void pt_new(struct pt *p, struct xt *x, unsigned g, unsigned start, unsigned ia,
                          uint64_t off)
{
    unsigned sh;
    uint64_t bytes;

    memset(p, 0, sizeof(*p));
    p->x = x;
    p->g = g;
    p->start = start;
    p->ia = ia;
    p->off = off;
    sh = pt_shift(p, start);
    bytes = 8ull << (ia - sh);
    if (bytes < 64)
        bytes = 64;
    p->root = guest_alloc(&x->g, bytes, bytes);
}

/* The PA of the descriptor for @va at @level, creating tables with
 * @tattr (table attribute bits) on the way. */
static inline uint64_t pt_slot(struct pt *p, uint64_t va, unsigned level, uint64_t tattr)
{
    uint64_t table = p->root;
    for (unsigned l = p->start; l < level; l++) {
        uint64_t a = table + pt_idx(p, l, va) * 8, d = tb_r64(&p->x->tb, a);
        if (!(d & 1)) {
            uint64_t t = guest_alloc(&p->x->g, 1ull << p->g, 1ull << p->g);
            d = (t + p->off) | 3 | tattr;
            tb_w64(&p->x->tb, a, d);
        }
        table = (d & fld_mask(47, p->g)) - p->off;
    }
    return table + pt_idx(p, level, va) * 8;
}

static inline void pt_set(struct pt *p, uint64_t va, unsigned level, uint64_t desc, uint64_t tattr)
{
    tb_w64(&p->x->tb, pt_slot(p, va, level, tattr), desc);
}

/* Stage-1 leaf with AP[2:1] = @ap: OA, AF = 1, page (L3) or block type. */
static inline uint64_t s1_leaf_ap(unsigned level, uint64_t oa, unsigned ap, uint64_t extra)
{
    return oa | fld_mask(PTE_AF) | fld_set(0, PTE_AP, ap) | (level == 3 ? 3 : 1) | extra;
}

/* Stage-1 leaf readable and writable at both privilege levels (AP = 01). */
static inline uint64_t s1_leaf(unsigned level, uint64_t oa, uint64_t extra)
{
    return s1_leaf_ap(level, oa, 1, extra);
}

/* Stage-2 leaf: OA, AF = 1, S2AP = RW, Normal WB memory. */
static inline uint64_t s2_leaf(unsigned level, uint64_t oa, uint64_t extra)
{
    return oa | fld_mask(PTE_AF) | fld_set(0, PTE_S2AP, 3) | fld_set(0, PTE_S2_MEMATTR, 0xF) |
           (level == 3 ? 3 : 1) | extra;
}

/* ---- STE / CD ---------------------------------------------------------------- */

static inline void ste_s1(uint64_t ste[8], uint64_t cdptr)
{
    memset(ste, 0, 64);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S1);
    ste[0] |= cdptr & fld_mask(STE_S1CTXPTR);
}

/* Stage 2 fields: 4K granule unless @tg given, S2PS 48, S2R = 1. */
static inline void ste_s2(uint64_t ste[8], unsigned vmid, unsigned t0sz, unsigned sl0, unsigned tg,
                          uint64_t s2ttb)
{
    st_set(ste, STE_S2VMID, vmid);
    st_set(ste, STE_S2T0SZ, t0sz);
    st_set(ste, STE_S2SL0, sl0);
    st_set(ste, STE_S2TG, tg);
    st_set(ste, STE_S2PS, 5);
    st_set(ste, STE_S2AA64, 1);
    st_set(ste, STE_S2R, 1);
    ste[3] |= s2ttb & fld_mask(55, 4);
}

/* A CD: TTB0 with T0SZ/TG0 (encoded), EPD1, IPS 48, AA64, R, A, ASID. */
static inline void cd_make(uint64_t cd[8], uint64_t ttb0, unsigned t0sz, unsigned tg0, unsigned asid)
{
    memset(cd, 0, 64);
    st_set(cd, CD_V, 1);
    st_set(cd, CD_T0SZ, t0sz);
    st_set(cd, CD_TG0, tg0);
    st_set(cd, CD_EPD1, 1);
    st_set(cd, CD_IPS, 5);
    st_set(cd, CD_AA64, 1);
    st_set(cd, CD_R, 1);
    st_set(cd, CD_A, 1);
    st_set(cd, CD_ASID, asid);
    cd[1] |= ttb0 & fld_mask(55, 4);
}

static inline void cd_write(struct xt *x, uint64_t pa, const uint64_t cd[8])
{
    for (int i = 0; i < 8; i++)
        tb_w64(&x->tb, pa + 8u * (unsigned)i, cd[i]);
}

/* A stage-1 stream: one CD (S1CDMax 0) at a fresh address. */
static inline uint64_t xt_s1_stream(struct xt *x, uint32_t sid, const uint64_t cd[8])
{
    uint64_t ste[8], cdpa = guest_alloc(&x->g, 64, 64);
    cd_write(x, cdpa, cd);
    ste_s1(ste, cdpa);
    guest_write_ste(&x->g, sid, ste);
    return cdpa;
}

/* ---- hostile worlds ------------------------------------------------------------ */

/* The configuration of the hostile tests: defaults with substreams,
 * Access flag updates and EL2. */
static inline void xt_hostile_cfg(struct vsmmu_config *cfg)
{
    vsmmu_config_default(cfg);
    cfg->ssidsize = 8;
    cfg->httu_af = true;
    cfg->hyp = true;
}

/* Fill [base, base + size) of guest RAM with random dwords (xorshift
 * state @rng), a quarter of them valid-looking pointers back into the
 * region, a quarter leaf or table descriptors into it, to be used as
 * STEs, CDs and tables. */
static inline void xt_random_world(struct xt *x, uint64_t base, uint64_t size, uint64_t *rng)
{
    for (uint64_t a = 0; a < size; a += 8) {
        uint64_t v = t_xorshift(rng);
        switch (t_xorshift(rng) % 4) {
        case 0:
            v = (base + (t_xorshift(rng) % size)) | (v & 0xFFF) | 1;
            break;
        case 1:
            v = (v & 0xFFF0000000000FFFull) | ((base + (t_xorshift(rng) % size)) & ~0xFFFull);
            break;
        default:
            break;
        }
        tb_w64(&x->tb, base + a, v);
    }
}

/* ---- translate helpers ---------------------------------------------------------- */

static inline struct vsmmu_xlate_result xt_tr(struct xt *x, uint32_t sid, uint32_t ssid,
                                              uint64_t va, unsigned acc)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    CHECK_EQ(vsmmu_translate(x->tb.s, sid, ssid, va, acc, &r), 0);
    return r;
}

/* Each macro evaluates @r once (it may be a translate call). */
#define CHECK_OK(r, a, sz) do { \
    struct vsmmu_xlate_result r_ = (r); \
    CHECK_MSG(r_.status == VSMMU_XLATE_OK, "status %d event 0x%x", (int)r_.status, r_.event_type); \
    CHECK_EQ(r_.addr, (a)); CHECK_EQ(r_.size, (sz)); } while (0)

#define CHECK_FAULT(r, ev) do { \
    struct vsmmu_xlate_result r_ = (r); \
    CHECK_MSG(r_.status != VSMMU_XLATE_OK, "expected a fault, got OK 0x%llx", \
              (unsigned long long)r_.addr); \
    CHECK_EQ(r_.event_type, (ev)); } while (0)

/* Expected event record, built from the fields. */
struct xev {
    uint8_t type;
    uint32_t sid;
    bool ssv;
    uint32_t ssid;
    bool rnw, ind, pnu, s2, ttrnw;
    unsigned class_;
    uint64_t input, ipa, fetch;
};

static inline void xev_rec(const struct xev *e, uint64_t r[4])
{
    memset(r, 0, 32);
    st_set(r, EVT_TYPE, e->type);
    st_set(r, EVT_SID, e->sid);
    if (e->type == EVT_C_BAD_SUBSTREAMID) {
        st_set(r, EVT_SSID, e->ssid);
    } else if (e->ssv) {
        st_set(r, EVT_SSV, 1);
        st_set(r, EVT_SSID, e->ssid);
    }
    switch (e->type) {
    case EVT_F_STE_FETCH:
    case EVT_F_CD_FETCH:
        st_set(r, EVT_FETCHADDR, e->fetch >> 3);
        break;
    case EVT_F_WALK_EABT:
        st_set(r, EVT_PNU, e->pnu);
        st_set(r, EVT_IND, e->ind);
        st_set(r, EVT_RNW, e->rnw);
        st_set(r, EVT_S2, e->s2);
        st_set(r, EVT_CLASS, e->class_);
        r[2] = e->input;
        st_set(r, EVT_FETCHADDR, e->fetch >> 3);
        break;
    case EVT_F_TRANSLATION:
    case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS:
    case EVT_F_PERMISSION:
        st_set(r, EVT_PNU, e->pnu);
        st_set(r, EVT_IND, e->ind);
        st_set(r, EVT_RNW, e->rnw);
        st_set(r, EVT_S2, e->s2);
        st_set(r, EVT_CLASS, e->class_);
        if (e->type == EVT_F_PERMISSION)
            st_set(r, EVT_TTRNW, e->ttrnw);
        r[2] = e->input;
        if (e->s2)
            st_set(r, EVT_IPA, e->ipa >> 12);
        break;
    default:
        break;
    }
}

/* Pop one event and compare all 32 bytes. */
static inline void xt_expect_event(struct xt *x, const struct xev *e)
{
    uint64_t got[4], want[4];
    CHECK_MSG(guest_pop_event(&x->g, got), "no event recorded (expected type 0x%x)", e->type);
    xev_rec(e, want);
    for (int i = 0; i < 4; i++)
        CHECK_MSG(got[i] == want[i], "event dw%d: got 0x%016llx want 0x%016llx (type 0x%x)", i,
                  (unsigned long long)got[i], (unsigned long long)want[i], e->type);
}

static inline void xt_expect_no_event(struct xt *x)
{
    uint64_t got[4];
    CHECK_MSG(!guest_pop_event(&x->g, got), "unexpected event type 0x%llx",
              (unsigned long long)(got[0] & 0xFF));
}

/* Issue one command + SYNC and CHECK it completed. */
static inline void xt_cmd(struct xt *x, const uint64_t cmd[2])
{
    int rc = guest_cmd_sync(&x->g, cmd);
    CHECK_MSG(rc == 0, "command 0x%02llx failed: %d", (unsigned long long)(cmd[0] & 0xFF), rc);
}

/* ---- the flip workload: translations racing remap + invalidation ---- */
/* StreamID 1 (ASID 1, non-global 4K pages) maps the eight pages at VA
 * 0x1000 * i to XT_FLIP_A or XT_FLIP_B, + 0x1000 for odd i.  Step k remaps
 * page k % 8 to the target of block k / 8 (A, B, A, ...) and invalidates
 * it with TLBI_NH_VA + SYNC. */
#define XT_FLIP_A 0xA0000000ull
#define XT_FLIP_B 0xB0000000ull

/* The output address of page @i as step @k leaves it. */
static inline uint64_t xt_flip_oa(unsigned k, unsigned i)
{
    return ((k / 8) & 1 ? XT_FLIP_B : XT_FLIP_A) + 0x1000ull * (i & 1);
}

/* The output address of page @i after steps 0 .. @steps - 1 (its last
 * remap is the last step k < @steps with k % 8 == i). */
static inline uint64_t xt_flip_final(unsigned steps, unsigned i)
{
    return xt_flip_oa(steps - 1 - ((steps - 1 - i) % 8), i);
}

/* Tables and STE/CD for StreamID 1, every page at its step-0 target. */
static inline void xt_flip_setup(struct xt *x, struct pt *p)
{
    uint64_t cd[8];

    pt_new(p, x, 12, 1, 39, 0);
    for (unsigned i = 0; i < 8; i++)
        pt_set(p, 0x1000ull * i, 3, s1_leaf(3, xt_flip_oa(0, i), fld_mask(PTE_NG)), 0);
    cd_make(cd, p->root, 25, 0, 1);
    xt_s1_stream(x, 1, cd);
}

/* Step @k: remap page k % 8, then TLBI_NH_VA (VMID 0, ASID 1) + SYNC. */
static inline void xt_flip_step(struct xt *x, struct pt *p, unsigned k)
{
    unsigned i = k % 8;
    uint64_t c[2];

    pt_set(p, 0x1000ull * i, 3, s1_leaf(3, xt_flip_oa(k, i), fld_mask(PTE_NG)), 0);
    guest_cmd_op(c, OP_TLBI_NH_VA);
    st_set(c, CMD_VMID, 0);
    st_set(c, CMD_ASID, 1);
    c[1] |= 0x1000ull * i;
    xt_cmd(x, c);
}

#endif
