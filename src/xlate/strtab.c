// SPDX-License-Identifier: MIT
/*
 * Stream table walk, STE validation and decode, CD table walk, CD
 * validation and decode (Arm IHI 0070 §3.3, §5.2, §5.4).
 */
#include <string.h>

#include "xlate/xlate.h"

/* ---- advertised features ------------------------------------------------ */

static unsigned stall_model(const struct vsmmu *s)
{
    return (unsigned)fld_get(s->idr[0], IDR0_STALL_MODEL);
}

static unsigned ttendian(const struct vsmmu *s)
{
    return (unsigned)fld_get(s->idr[0], IDR0_TTENDIAN);
}

static bool gran_ok(const struct vsmmu *s, unsigned gshift)
{
    switch (gshift) {
    case 12: return s->cfg.gran4k;
    case 14: return s->cfg.gran16k;
    case 16: return s->cfg.gran64k;
    default: return false;
    }
}

unsigned xl_ias_bits(const struct vsmmu *s)
{
    /* VMSAv8-64 only: IAS = OAS. */
    return vsmmu_oas_bits(s);
}

/* An ILLEGAL structure: the reason goes to the trace log. */
static int bad_ste(struct vsmmu *s, const char *why)
{
    vsmmu_trace(s, "ILLEGAL STE: %s -> C_BAD_STE", why);
    return EVT_C_BAD_STE;
}

static int bad_cd(struct vsmmu *s, const char *why)
{
    vsmmu_trace(s, "ILLEGAL CD: %s -> C_BAD_CD", why);
    return EVT_C_BAD_CD;
}

static unsigned min_u(unsigned a, unsigned b) { return a < b ? a : b; }

static bool beyond(uint64_t addr, unsigned bits)
{
    return bits < 64 && (addr >> bits) != 0;
}

/* ---- stream table -------------------------------------------------------- */

int vsmmu_ste_fetch(struct vsmmu *s, uint32_t sid, uint64_t ste[STE_DWORDS], uint64_t *fetch_addr)
{
    uint64_t base = __atomic_load_n(&s->strtab_base, __ATOMIC_RELAXED);
    uint32_t cfg = __atomic_load_n(&s->strtab_base_cfg, __ATOMIC_RELAXED);
    unsigned log2size = (unsigned)fld_get(cfg, STRTAB_CFG_LOG2SIZE);
    unsigned eff = min_u(log2size, s->cfg.sidsize);
    uint64_t addr = base & fld_mask(STRTAB_BASE_ADDR), ste_addr;

    *fetch_addr = 0;
    if (eff < 32 && (uint64_t)sid >> eff)
        return EVT_C_BAD_STREAMID;

    if (fld_get(cfg, STRTAB_CFG_FMT) == STRTAB_FMT_2LVL && s->cfg.two_level_strtab) {
        unsigned split = (unsigned)fld_get(cfg, STRTAB_CFG_SPLIT);
        unsigned algn, span;
        uint64_t l1, l1addr, l2ptr, l2idx;

        if (split != 6 && split != 8 && split != 10)
            split = 6;
        /* ADDR[MAX(5, LOG2SIZE - SPLIT - 1 + 3):0] are zero (literal LOG2SIZE). */
        algn = log2size > split ? log2size - split + 2 : 5;
        if (algn < 5)
            algn = 5;
        if (algn > 55)
            algn = 55;
        addr &= ~fld_mask(algn, 0);
        l1addr = addr + ((uint64_t)(sid >> split)) * L1STD_SIZE;
        if (vsmmu_dma_read_dwords(s, l1addr, &l1, 1)) {
            *fetch_addr = l1addr;
            return EVT_F_STE_FETCH;
        }
        span = (unsigned)fld_get(l1, L1STD_SPAN);
        l2idx = sid & ((1u << split) - 1);
        if (span == 0 || span > 11 || span > split + 1 || l2idx >= (1ull << (span - 1)))
            return EVT_C_BAD_STREAMID;
        l2ptr = l1 & fld_mask(L1STD_L2PTR);
        l2ptr &= ~fld_mask(5 + (span - 1), 0);
        ste_addr = l2ptr + l2idx * STE_SIZE;
    } else {
        unsigned algn = log2size + 5 > 55 ? 55 : log2size + 5;
        addr &= ~fld_mask(algn, 0);
        ste_addr = addr + (uint64_t)sid * STE_SIZE;
    }
    if (vsmmu_dma_read_dwords(s, ste_addr, ste, STE_DWORDS)) {
        *fetch_addr = ste_addr;
        return EVT_F_STE_FETCH;
    }
    return 0;
}

/* ---- STE ----------------------------------------------------------------- */

/* Stage-2 start level from S2SL0 and the granule; -1 if reserved. */
static int s2_start_level(unsigned sl0, unsigned gshift)
{
    if (sl0 == 3)
        return -1;  /* needs FEAT_TTST (4K) or DS (16K): not advertised */
    if (gshift == 12)
        return 2 - (int)sl0;
    return 3 - (int)sl0;
}

static int decode_s2(struct vsmmu *s, const uint64_t *ste, struct xl_cfg *c)
{
    unsigned tg = (unsigned)st_get(ste, STE_S2TG);
    unsigned ias = xl_ias_bits(s), oas = vsmmu_oas_bits(s);
    unsigned g, stride, ia, tsz, minsz, maxsz, ps, levels, min_ia, max_ia, sbits;
    int start;
    uint64_t ttb;

    if (stall_model(s) == IDR0_STALL_NONE && st_get(ste, STE_S2S))
        return bad_ste(s, "S2S = 1 without stall support");
    if (stall_model(s) == IDR0_STALL_FORCE && !st_get(ste, STE_S2S))
        return bad_ste(s, "S2S = 0 with stalls forced");
    if (!st_get(ste, STE_S2AA64))
        return bad_ste(s, "S2AA64 = 0 (VMSAv8-32 not supported)");
    if (st_get(ste, STE_S2HD) || (st_get(ste, STE_S2HA) && !s->cfg.httu_af))
        return bad_ste(s, "S2HA/S2HD without HTTU support");
    if (tg == 3)
        return bad_ste(s, "S2TG reserved");
    g = tg == 0 ? 12 : tg == 1 ? 16 : 14;
    if (!gran_ok(s, g))
        return bad_ste(s, "S2TG granule not supported");
    ps = min_u(vsmmu_pa_bits_decode((unsigned)st_get(ste, STE_S2PS)), oas);
    ttb = st_raw(ste, STE_S2TTB);
    if (beyond(ttb, ps) || (g != 16 && beyond(ttb, 48)))
        return bad_ste(s, "S2TTB beyond S2PS or 48 bits");
    tsz = (unsigned)st_get(ste, STE_S2T0SZ);
    minsz = 64 - ias > 16 ? 64 - ias : 16;
    maxsz = fld_get(s->idr[3], IDR3_STT) ? (g == 16 ? 47 : 48) : 39;
    if (tsz < minsz || tsz > maxsz)
        return bad_ste(s, "S2T0SZ out of range");
    start = s2_start_level((unsigned)st_get(ste, STE_S2SL0), g);
    if (start < 0)
        return bad_ste(s, "S2SL0 reserved");
    ia = 64 - tsz;
    stride = g - 3;
    levels = 3 - (unsigned)start;
    min_ia = levels * stride + g + 1;
    max_ia = min_ia + (stride - 1) + 4;
    if (ia < min_ia || ia > max_ia)
        return bad_ste(s, "S2SL0 inconsistent with S2T0SZ");
    if ((ttendian(s) == 2 && st_get(ste, STE_S2ENDI)) ||
        (ttendian(s) == 3 && !st_get(ste, STE_S2ENDI)))
        return bad_ste(s, "S2ENDI against IDR0.TTENDIAN");

    c->st2.en = true;
    c->st2.gshift = (uint8_t)g;
    c->st2.ia_bits = (uint8_t)ia;
    c->st2.start = (uint8_t)start;
    c->st2.oa_bits = (uint8_t)ps;
    c->st2.be = st_get(ste, STE_S2ENDI) != 0;
    sbits = ia - (g + (3 - (unsigned)start) * stride);   /* bits at the start level */
    c->st2.ttb = ttb & ~((8ull << sbits) - 1);
    c->s2affd = st_get(ste, STE_S2AFFD) != 0;
    c->s2ha = st_get(ste, STE_S2HA) != 0;
    c->s2ptw = st_get(ste, STE_S2PTW) != 0;
    c->s2r = st_get(ste, STE_S2R) != 0;
    return 0;
}

int xl_ste_decode(struct vsmmu *s, const uint64_t ste[STE_DWORDS], struct xl_cfg *c)
{
    unsigned config, vmid;
    bool s1en, s2en;

    memset(c, 0, sizeof(*c));
    c->cd_index = -1;
    if (!st_get(ste, STE_V))
        return bad_ste(s, "V = 0");
    config = (unsigned)st_get(ste, STE_CONFIG);
    if (config < STE_CFG_BYPASS) {
        c->kind = XK_ABORT;
        return 0;
    }
    if (fld_get(s->idr[1], IDR1_ATTR_PERMS_OVR)) {
        c->privcfg = (uint8_t)st_get(ste, STE_PRIVCFG);
        c->instcfg = (uint8_t)st_get(ste, STE_INSTCFG);
    }
    if (config == STE_CFG_BYPASS) {
        c->kind = XK_BYPASS;
        return 0;
    }
    s1en = config & 1;
    s2en = (config & 2) != 0;
    if ((s1en && !s->cfg.stage1) || (s2en && !s->cfg.stage2))
        return bad_ste(s, "Config needs a stage not implemented");

    if (s->cfg.ats) {
        unsigned eats = (unsigned)st_get(ste, STE_EATS);
        bool s2s = st_get(ste, STE_S2S) != 0;
        if (eats == 2 && (config != STE_CFG_NESTED || s2s || fld_get(s->idr[0], IDR0_NS1ATS)))
            return bad_ste(s, "EATS = 10 not allowed");
        if (eats == 1 && s2s && s2en)
            return bad_ste(s, "EATS = 01 with S2S = 1");
        /* EATS = 11 (DPT checks) is reserved and behaves as 00 without DPT. */
        if (eats == 3 && !fld_get(s->idr[3], IDR3_DPT))
            eats = 0;
        c->eats = (uint8_t)eats;
    }

    c->kind = XK_XLATE;
    c->s1 = s1en;
    c->s2 = s2en;
    c->regime = s2en && !s1en ? XR_S2ONLY : XR_NSEL1;
    if (s1en && !s2en && s->cfg.hyp) {
        unsigned strw = (unsigned)st_get(ste, STE_STRW);
        if (strw & 1)
            return bad_ste(s, "STRW reserved");
        if (strw == STRW_EL2)
            c->regime = fld_get(__atomic_load_n(&s->cr2, __ATOMIC_RELAXED), CR2_E2H) ? XR_EL2E2H : XR_EL2;
        else if (strw != STRW_NSEL1)
            return bad_ste(s, "STRW reserved");
    }
    if (s1en) {
        unsigned cdmax = (unsigned)st_get(ste, STE_S1CDMAX);
        unsigned fmt = (unsigned)st_get(ste, STE_S1FMT);
        uint64_t ptr = st_raw(ste, STE_S1CTXPTR);
        if (st_get(ste, STE_S1STALLD) && stall_model(s) != 0)
            return bad_ste(s, "S1STALLD = 1 without stall support");
        if (s->cfg.ssidsize && cdmax > s->cfg.ssidsize)
            return bad_ste(s, "S1CDMax > SSIDSIZE");
        if (s->cfg.ssidsize && cdmax && !s->cfg.cd2l && (fmt == S1FMT_2LVL_4K || fmt == S1FMT_2LVL_64K))
            return bad_ste(s, "2-level CD table without CD2L");
        if (beyond(ptr, s2en ? xl_ias_bits(s) : vsmmu_oas_bits(s)))
            return bad_ste(s, "S1ContextPtr out of range");
    }
    if (s2en) {
        int rc = decode_s2(s, ste, c);
        if (rc)
            return rc;
    }
    vmid = (unsigned)st_get(ste, STE_S2VMID);
    if (s->cfg.stage2 && c->regime != XR_EL2 && c->regime != XR_EL2E2H) {
        if (!s->cfg.vmid16 && (vmid >> 8))
            return bad_ste(s, "S2VMID[15:8] without 16-bit VMIDs");
        c->vmid = (uint16_t)vmid;
    }
    c->tag = xl_tag(c->regime, c->vmid, 0);
    return 0;
}

/* ---- CD -------------------------------------------------------------------- */

/* Read a CD or L1CD at @ipa (an IPA when stage 2 translates). */
static int cd_read(struct vsmmu *s, const struct xl_cfg *c, uint64_t addr, uint64_t *dw,
                   unsigned n, struct xl_fault *f)
{
    uint64_t pa = addr;
    if (c->s2) {
        int rc = xl_s2_fetch_addr(s, c, addr, EVT_CLASS_CD, false, &pa, f);
        if (rc)
            return rc;
    }
    if (vsmmu_dma_read_dwords(s, pa, dw, n)) {
        memset(f, 0, sizeof(*f));
        f->type = EVT_F_CD_FETCH;
        f->fetch_addr = pa;
        return f->type;
    }
    return 0;
}

unsigned xl_s1_start_level(unsigned ia_bits, unsigned gshift)
{
    unsigned stride = gshift - 3;
    /* start = 3 - floor((ia - 1 - g) / stride) */
    unsigned n = (ia_bits - 1 - gshift) / stride;
    return n > 3 ? 0 : 3 - n;
}

static int decode_half(struct vsmmu *s, const uint64_t *cd, unsigned half, unsigned ips,
                       struct xl_tt *t)
{
    unsigned tsz = (unsigned)(half ? st_get(cd, CD_T1SZ) : st_get(cd, CD_T0SZ));
    unsigned tg = (unsigned)(half ? st_get(cd, CD_TG1) : st_get(cd, CD_TG0));
    uint64_t ttb = half ? st_raw(cd, CD_TTB1) : st_raw(cd, CD_TTB0);
    unsigned g, minsz = 16, maxsz, start, sbits;
    bool stt = fld_get(s->idr[3], IDR3_STT) != 0;

    if (half)
        g = tg == 1 ? 14 : tg == 2 ? 12 : tg == 3 ? 16 : 0;
    else
        g = tg == 0 ? 12 : tg == 1 ? 16 : tg == 2 ? 14 : 0;
    if (!g || !gran_ok(s, g))
        return bad_cd(s, "TGx reserved or not supported");
    if (g == 16 && fld_get(s->idr[5], IDR5_VAX) >= 1)
        minsz = 12;
    maxsz = stt ? (g == 16 ? 47 : 48) : 39;
    if (tsz < minsz || tsz > maxsz)
        return bad_cd(s, "TxSZ out of range");
    if (beyond(ttb, ips) || (g != 16 && beyond(ttb, 48)))
        return bad_cd(s, "TTBx beyond IPS or 48 bits");
    t->en = true;
    t->gshift = (uint8_t)g;
    t->ia_bits = (uint8_t)(64 - tsz);
    start = xl_s1_start_level(64 - tsz, g);
    t->start = (uint8_t)start;
    t->oa_bits = (uint8_t)ips;
    sbits = (64 - tsz) - (g + (3 - start) * (g - 3));
    t->ttb = ttb & ~((8ull << sbits) - 1);
    return 0;
}

static int cd_decode(struct vsmmu *s, const uint64_t ste[STE_DWORDS], const uint64_t *cd,
                     struct xl_cfg *c)
{
    bool one_range = c->regime == XR_EL2;
    bool en[2];
    unsigned ips, asid;

    if (!st_get(cd, CD_V))
        return bad_cd(s, "V = 0");
    if (st_get(ste, STE_S1STALLD) && st_get(cd, CD_S))
        return bad_cd(s, "S = 1 with S1STALLD");
    if (fld_get(s->idr[0], IDR0_TERM_MODEL) && !st_get(cd, CD_A))
        return bad_cd(s, "A = 0 with TERM_MODEL = 1");
    if ((stall_model(s) == IDR0_STALL_NONE && st_get(cd, CD_S)) ||
        (stall_model(s) == IDR0_STALL_FORCE && !st_get(cd, CD_S)))
        return bad_cd(s, "S against the stall model");
    if (!st_get(cd, CD_AA64))
        return bad_cd(s, "AA64 = 0 (VMSAv8-32 not supported)");
    if (st_get(cd, CD_HD) || (st_get(cd, CD_HA) && !s->cfg.httu_af))
        return bad_cd(s, "HA/HD without HTTU support");
    asid = (unsigned)st_get(cd, CD_ASID);
    if (!one_range && !s->cfg.asid16 && (asid >> 8))
        return bad_cd(s, "ASID[15:8] without 16-bit ASIDs");

    en[0] = one_range || !st_get(cd, CD_EPD0);
    en[1] = !one_range && !st_get(cd, CD_EPD1);
    if ((en[0] || en[1]) && ((ttendian(s) == 2 && st_get(cd, CD_ENDI)) ||
                             (ttendian(s) == 3 && !st_get(cd, CD_ENDI))))
        return bad_cd(s, "ENDI against IDR0.TTENDIAN");
    ips = min_u(vsmmu_pa_bits_decode((unsigned)st_get(cd, CD_IPS)), vsmmu_oas_bits(s));
    for (unsigned h = 0; h < 2; h++) {
        memset(&c->tt[h], 0, sizeof(c->tt[h]));
        if (en[h]) {
            int rc = decode_half(s, cd, h, ips, &c->tt[h]);
            if (rc)
                return rc;
        }
        c->tt[h].tbi = (h ? st_get(cd, CD_TBI1) : st_get(cd, CD_TBI0)) != 0;
        c->tt[h].had = fld_get(s->idr[3], IDR3_HAD) &&
                       (h ? st_get(cd, CD_HAD1) : st_get(cd, CD_HAD0));
        c->tt[h].be = st_get(cd, CD_ENDI) != 0;
    }
    if (one_range)
        c->tt[1].tbi = false;
    c->affd = st_get(cd, CD_AFFD) != 0;
    c->ha = st_get(cd, CD_HA) != 0;
    c->wxn = st_get(cd, CD_WXN) != 0;
    c->pan = !one_range && st_get(cd, CD_PAN);
    c->rec = st_get(cd, CD_R) != 0 || st_get(cd, CD_S) != 0;
    c->abort_term = st_get(cd, CD_A) != 0;
    c->asid = (c->regime == XR_EL2) ? 0 : (uint16_t)asid;
    c->tag = xl_tag(c->regime, c->vmid, c->asid);
    xl_s1_perm_table(c);
    xl_s1_input_table(c);
    c->s1_ng = c->regime == XR_EL2 ? 0 : fld_mask(PTE_NG);
    return 0;
}

static int sub_fault(struct xl_fault *f, uint8_t type)
{
    memset(f, 0, sizeof(*f));
    f->type = type;
    return type;
}

int xl_cd_resolve(struct vsmmu *s, const uint64_t ste[STE_DWORDS], struct xl_cfg *c,
                  uint32_t ssid, struct xl_fault *f)
{
    unsigned cdmax = s->cfg.ssidsize ? (unsigned)st_get(ste, STE_S1CDMAX) : 0;
    unsigned s1dss = (unsigned)st_get(ste, STE_S1DSS);
    unsigned fmt = (unsigned)st_get(ste, STE_S1FMT);
    uint64_t ptr = st_raw(ste, STE_S1CTXPTR), cd_addr;
    uint64_t cd[CD_DWORDS];
    uint32_t index;
    int rc;

    if (ssid != VSMMU_NO_SSID) {
        if (cdmax == 0 || (uint64_t)ssid >> cdmax)
            return sub_fault(f, EVT_C_BAD_SUBSTREAMID);
        if (s1dss == S1DSS_SSID0 && ssid == 0)
            return sub_fault(f, EVT_F_STREAM_DISABLED);
        index = ssid;
    } else if (cdmax == 0) {
        index = 0;
    } else if (s1dss == S1DSS_BYPASS) {
        /* Stage 1 bypassed for traffic without a SubstreamID. */
        c->s1 = false;
        c->regime = c->s2 ? XR_S2ONLY : XR_NSEL1;
        c->tag = xl_tag(c->regime, c->vmid, 0);
        if (!c->s2)
            c->kind = XK_BYPASS;
        return 0;
    } else if (s1dss == S1DSS_SSID0) {
        index = 0;
    } else {
        return sub_fault(f, EVT_F_STREAM_DISABLED);
    }

    if (cdmax == 0) {
        cd_addr = ptr;
    } else if (fmt == S1FMT_2LVL_4K || fmt == S1FMT_2LVL_64K) {
        unsigned l2bits = fmt == S1FMT_2LVL_4K ? 6 : 10;
        unsigned l1bits = cdmax > l2bits ? cdmax - l2bits : 0;
        uint64_t l1size = 8ull << l1bits, l1, l2ptr;
        uint64_t base = ptr & ~((l1size < 64 ? 64 : l1size) - 1);
        rc = cd_read(s, c, base + (uint64_t)(index >> l2bits) * L1CD_SIZE, &l1, 1, f);
        if (rc)
            return rc;
        if (!fld_get(l1, L1CD_V))
            return sub_fault(f, EVT_C_BAD_SUBSTREAMID);
        l2ptr = l1 & fld_mask(L1CD_L2PTR);
        if (l2bits == 10)
            l2ptr &= ~0xFFFFull;
        if (beyond(l2ptr, c->s2 ? xl_ias_bits(s) : vsmmu_oas_bits(s)))
            return sub_fault(f, EVT_C_BAD_SUBSTREAMID);
        cd_addr = l2ptr + (uint64_t)(index & ((1u << l2bits) - 1)) * CD_SIZE;
    } else {
        cd_addr = (ptr & ~((64ull << cdmax) - 1)) + (uint64_t)index * CD_SIZE;
    }
    rc = cd_read(s, c, cd_addr, cd, CD_DWORDS, f);
    if (rc)
        return rc;
    c->cd_index = (int32_t)index;
    if (cd_decode(s, ste, cd, c))
        return sub_fault(f, EVT_C_BAD_CD);
    return 0;
}
