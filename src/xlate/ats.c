// SPDX-License-Identifier: MIT
/*
 * PCIe ATS (Arm IHI 0070 §3.9.1.2, §3.9.1.3, §13.6, §13.7.1): Translated
 * transactions and Translation Requests, for vsmmu_translate() with
 * VSMMU_ACC_ATS_TRANSLATED or VSMMU_ACC_ATS_REQUEST (vsmmu.h lists every
 * outcome).
 *
 * Both run under the instance lock and the translation cache lock (rare:
 * unlike a plain miss, they may wait for command processing).  They use
 * and fill the configuration cache as ordinary transactions do, but
 * neither the TLB nor the per-thread slots: a Translation Request always
 * walks the tables, and a split-stage Translated transaction always walks
 * stage 2.
 *
 * The model does not advertise IDR0.ATSRECERR (so CR2.REC_CFG_ATS is 0,
 * the base set of events) nor IDR3.PASIDTT (Translated transactions carry
 * no SubstreamID, PnU or InD).  CR0.ATSCHK is read when a transaction
 * arrives, never cached with the STE (the architecture permits either).
 */
#include <errno.h>
#include <string.h>

#include "xlate/xlate.h"

static bool atschk(const struct vsmmu *s)
{
    return fld_get(__atomic_load_n(&s->cr0, __ATOMIC_RELAXED), CR0_ATSCHK) != 0;
}

static bool smmuen(const struct vsmmu *s)
{
    return fld_get(__atomic_load_n(&s->cr0, __ATOMIC_RELAXED), CR0_SMMUEN) != 0;
}

/* The effective EATS: split-stage (and DPT) need ATSCHK = 1, else 00. */
static unsigned eff_eats(const struct vsmmu *s, const struct xl_cfg *c)
{
    return (c->eats >= 2 && !atschk(s)) ? 0 : c->eats;
}

static const char *ev_name(uint8_t type)
{
    const char *n = vsmmu_event_name(type);
    return n ? n : "fault";
}

/* ---- Translated transactions ----------------------------------------------- */

/* Abort with F_TRANSL_FORBIDDEN (RnW and InputAddr; no SubstreamID). */
static void forbid(struct vsmmu *s, uint32_t sid, uint64_t va, bool rnw, const char *why,
                   struct vsmmu_xlate_result *res)
{
    struct vsmmu_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = EVT_F_TRANSL_FORBIDDEN;
    ev.sid = sid;
    ev.rnw = rnw;
    ev.input_addr = va;
    res->status = VSMMU_XLATE_FAULT;
    res->event_type = ev.type;
    res->recorded = vsmmu_event_record_locked(s, &ev) == EVQ_WRITTEN;
    vsmmu_tr(s, VSMMU_TRACE_XLATE_FAULT, sid, VSMMU_NO_SSID, va, ev.type, res->recorded);
    vsmmu_trace(s, "ATS translated sid %u pa 0x%llx: %s -> F_TRANSL_FORBIDDEN%s", sid,
                (unsigned long long)va, why,
                res->recorded ? "" : " (not recorded: event queue unwritable)");
}

static void abort_silent(struct vsmmu *s, uint32_t sid, uint64_t va, const char *why,
                         struct vsmmu_xlate_result *res)
{
    res->status = VSMMU_XLATE_FAULT;
    vsmmu_trace(s, "ATS translated sid %u pa 0x%llx: %s -> abort, no event", sid,
                (unsigned long long)va, why);
}

/* Pass into the system untranslated; bits above the OAS abort silently. */
static void pass(struct vsmmu *s, uint32_t sid, uint64_t va, struct vsmmu_xlate_result *res)
{
    if (xl_beyond(va, vsmmu_oas_bits(s))) {
        abort_silent(s, sid, va, "address beyond the OAS", res);
        return;
    }
    xl_set_bypass(s, va, res);
}

/* Without a SubstreamID, Config 1x1 with S1CDMax > 0 and S1DSS terminate
 * (00, or reserved 11) disables the stream (F_STREAM_DISABLED). */
static bool nossid_disabled(const struct vsmmu *s, const struct xl_cfg *c,
                            const uint64_t ste[STE_DWORDS])
{
    unsigned s1dss = (unsigned)st_get(ste, STE_S1DSS);

    return c->s1 && s->cfg.ssidsize && st_get(ste, STE_S1CDMAX) != 0 &&
           s1dss != S1DSS_BYPASS && s1dss != S1DSS_SSID0;
}

static void translated(struct vsmmu *s, uint32_t sid, uint64_t va, unsigned access,
                       struct vsmmu_xlate_result *res)
{
    const struct xl_cfg *cp;
    uint64_t ste[STE_DWORDS];
    struct xl_cfg c;
    struct xl_fault f;
    struct xl_walk w;
    struct acc a;
    bool rnw = !(access & VSMMU_ACC_WRITE);
    unsigned eats;
    int rc;

    if (!smmuen(s)) {
        forbid(s, sid, va, rnw, "SMMUEN = 0", res);
        return;
    }
    if (!atschk(s)) {
        pass(s, sid, va, res);      /* ATSCHK = 0: no checks at all */
        return;
    }
    cp = xl_cfg_lookup(xl_cache_of(s), sid, VSMMU_NO_SSID);
    if (cp) {
        c = *cp;
    } else {
        memset(&c, 0, sizeof(c));
        rc = xl_load_ste(s, sid, VSMMU_NO_SSID, ste, &c, &f);
        if (rc) {
            abort_silent(s, sid, va, ev_name(f.type), res);
            return;
        }
    }
    if (c.kind == XK_ABORT) {
        abort_silent(s, sid, va, "STE.Config abort", res);
        return;
    }
    eats = eff_eats(s, &c);
    if (eats == 0) {
        forbid(s, sid, va, rnw, "ATS disabled (EATS, Config bypass or ATSCHK)", res);
        return;
    }
    if (!cp && nossid_disabled(s, &c, ste)) {
        abort_silent(s, sid, va, "F_STREAM_DISABLED", res);
        return;
    }
    if (eats != 2) {
        pass(s, sid, va, res);      /* full ATS: the address is a PA */
        return;
    }

    /* Split-stage: the address is an IPA that stage 2 translates, with the
     * STE overrides applied to a Data, Unprivileged access. */
    classify(access & (VSMMU_ACC_READ | VSMMU_ACC_WRITE), c.privcfg, c.instcfg, &a);
    if (xl_beyond(va, xl_ias_bits(s))) {
        memset(&f, 0, sizeof(f));
        f.type = EVT_F_ADDR_SIZE;
        f.class_ = EVT_CLASS_IN;
        xl_terminate(s, &c, false, sid, VSMMU_NO_SSID, va, &a, &f, res);
        return;
    }
    rc = xl_s2_input(s, &c, va, a.need, &w, &f);
    if (rc) {
        xl_terminate(s, &c, false, sid, VSMMU_NO_SSID, va, &a, &f, res);
        return;
    }
    res->status = VSMMU_XLATE_OK;
    res->addr = w.oa;
    res->size = 1ull << w.shift;
    res->perm = api_perm(w.perm, a.priv);
}

/* ---- Translation Requests ------------------------------------------------------ */

/* Unsupported Request; with @record, F_BAD_ATS_TREQ with the requested
 * permissions (before the STE overrides) and Span = 1 STU. */
static void refuse(struct vsmmu *s, uint32_t sid, uint32_t ssid, uint64_t va, unsigned access,
                   bool record, const char *why, struct vsmmu_xlate_result *res)
{
    struct vsmmu_event ev;
    bool pasid = ssid != VSMMU_NO_SSID;

    res->status = VSMMU_XLATE_ATS_UR;
    if (!record) {
        vsmmu_trace(s, "ATS request sid %u va 0x%llx: %s -> UR, no event", sid,
                    (unsigned long long)va, why);
        return;
    }
    memset(&ev, 0, sizeof(ev));
    ev.type = EVT_F_BAD_ATS_TREQ;
    ev.sid = sid;
    ev.ssv = pasid;
    ev.ssid = pasid ? ssid : 0;
    ev.input_addr = va;
    ev.ats_span = 1;
    ev.ats_r = true;
    ev.ats_w = (access & VSMMU_ACC_WRITE) != 0;
    ev.ats_x = pasid && (access & VSMMU_ACC_EXEC);
    ev.ats_p = pasid && (access & VSMMU_ACC_PRIV);
    res->event_type = ev.type;
    res->recorded = vsmmu_event_record_locked(s, &ev) == EVQ_WRITTEN;
    vsmmu_tr(s, VSMMU_TRACE_XLATE_FAULT, sid, ssid, va, ev.type, res->recorded);
    vsmmu_trace(s, "ATS request sid %u va 0x%llx: %s -> UR, F_BAD_ATS_TREQ%s", sid,
                (unsigned long long)va, why,
                res->recorded ? "" : " (not recorded: event queue unwritable)");
}

/* The Smallest Translation Unit: the smallest granule advertised. */
static unsigned stu_shift(const struct vsmmu *s)
{
    return s->cfg.gran4k ? 12 : s->cfg.gran16k ? 14 : 16;
}

/* A Success completion granting nothing (R = W = 0), no event. */
static void deny(struct vsmmu *s, uint32_t sid, uint64_t va, uint8_t why,
                 struct vsmmu_xlate_result *res)
{
    res->status = VSMMU_XLATE_OK;
    res->addr = 0;
    res->size = 1ull << stu_shift(s);
    res->perm = 0;
    vsmmu_trace(s, "ATS request sid %u va 0x%llx: %s -> Success, R = W = 0", sid,
                (unsigned long long)va, ev_name(why));
}

/* A fault met while serving a request: translation-related faults deny
 * access, configuration errors and external aborts give CA. */
static void request_fault(struct vsmmu *s, uint32_t sid, uint64_t va, const struct xl_fault *f,
                          struct vsmmu_xlate_result *res)
{
    switch (f->type) {
    case EVT_F_TRANSLATION:
    case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS:
    case EVT_F_PERMISSION:
        deny(s, sid, va, f->type, res);
        return;
    default:
        res->status = VSMMU_XLATE_ATS_CA;
        vsmmu_trace(s, "ATS request sid %u va 0x%llx: %s -> CA, no event", sid,
                    (unsigned long long)va, ev_name(f->type));
    }
}

/* R/W/X granted to a request (§13.7.1): @p is the combined XP_* of the
 * stages, @priv the effective privilege, @exe the request's Exe. */
static unsigned grant(uint8_t p, bool priv, bool exe, unsigned instcfg)
{
    bool r = (p & (priv ? XP_PR : XP_UR)) != 0;
    bool w = (p & (priv ? XP_PW : XP_UW)) != 0;
    bool x = (p & (priv ? XP_PX : XP_UX)) != 0;
    bool gr, gx;

    if (instcfg == 3) {             /* every read is an instruction fetch */
        gr = x;
        gx = exe && x;
    } else if (instcfg == 2) {      /* every read is data: X follows R */
        gr = r;
        gx = exe && r;
    } else {                        /* incoming: X implies R; XO grants nothing */
        gr = r;
        gx = exe && r && x;
    }
    return (gr ? VSMMU_PERM_R : 0) | (w ? VSMMU_PERM_W : 0) | (gx ? VSMMU_PERM_X : 0);
}

static void request(struct vsmmu *s, uint32_t sid, uint32_t ssid, uint64_t va, unsigned access,
                    struct vsmmu_xlate_result *res)
{
    struct xl_cache *xc = xl_cache_of(s);
    const struct xl_cfg *cp;
    uint64_t ste[STE_DWORDS];
    struct xl_cfg c;
    struct xl_fault f;
    struct xl_walk w1, w2;
    bool pasid = ssid != VSMMU_NO_SSID;
    bool exe = pasid && (access & VSMMU_ACC_EXEC);
    bool priv = pasid && (access & VSMMU_ACC_PRIV);
    unsigned eats, shift = 64, half, perm;
    uint8_t p = XP_ALL;
    uint64_t ipa = va, out;
    int rc;

    if (!smmuen(s)) {
        refuse(s, sid, ssid, va, access, true, "SMMUEN = 0", res);
        return;
    }
    cp = xl_cfg_lookup(xc, sid, ssid);
    if (cp) {
        c = *cp;
    } else {
        memset(&c, 0, sizeof(c));
        rc = xl_load_ste(s, sid, ssid, ste, &c, &f);
        if (rc) {
            request_fault(s, sid, va, &f, res);
            return;
        }
    }
    if (c.kind == XK_ABORT) {
        refuse(s, sid, ssid, va, access, false, "STE.Config abort", res);
        return;
    }
    eats = eff_eats(s, &c);
    if (eats == 0) {
        refuse(s, sid, ssid, va, access, true, "ATS disabled (EATS, Config bypass or ATSCHK)",
               res);
        return;
    }
    if (!cp) {
        rc = xl_load_cd(s, ste, &c, ssid, &f);
        if (rc) {
            request_fault(s, sid, va, &f, res);
            return;
        }
        xl_cfg_insert(xc, &c);
    }
    if (c.privcfg >= 2)
        priv = c.privcfg == 3;

    if (c.kind == XK_BYPASS) {
        /* S1DSS skips the only stage: an identity answer, R = W = 1. */
        if (xl_beyond(va, vsmmu_oas_bits(s))) {
            deny(s, sid, va, EVT_F_ADDR_SIZE, res);
            return;
        }
        xl_set_bypass(s, va, res);
        res->perm = VSMMU_PERM_R | VSMMU_PERM_W;
        return;
    }
    if (c.s1) {
        if (!xl_s1_input_ok(&c, va, &half)) {
            deny(s, sid, va, EVT_F_TRANSLATION, res);
            return;
        }
        rc = xl_walk_s1(s, &c, half, tlb_key(va, true, c.regime != XR_EL2, c.tt[0].tbi,
                                             c.tt[1].tbi), &w1, &f);
        if (rc) {
            request_fault(s, sid, va, &f, res);
            return;
        }
        /* Nothing granted at stage 1: stage 2 is not consulted. */
        if (!grant(w1.perm, priv, exe, c.instcfg)) {
            deny(s, sid, va, EVT_F_PERMISSION, res);
            return;
        }
        p = w1.perm;
        shift = w1.shift;
        ipa = w1.oa;
    } else if (xl_beyond(va, xl_ias_bits(s))) {
        deny(s, sid, va, EVT_F_ADDR_SIZE, res);
        return;
    }
    out = ipa;
    if (c.s2) {
        rc = xl_walk_s2(s, &c, ipa, EVT_CLASS_IN, &w2, &f);
        if (rc) {
            request_fault(s, sid, va, &f, res);
            return;
        }
        p &= w2.perm;
        if (w2.shift < shift)
            shift = w2.shift;
        out = w2.oa;
    }
    perm = grant(p, priv, exe, c.instcfg);
    if (!perm) {
        deny(s, sid, va, EVT_F_PERMISSION, res);
        return;
    }
    res->status = VSMMU_XLATE_OK;
    res->addr = eats == 2 ? ipa : out;      /* split-stage: the IPA */
    res->size = 1ull << shift;
    res->perm = perm;
}

/* ---- entry ------------------------------------------------------------------------ */

int xl_translate_ats(struct vsmmu *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                     unsigned access, struct vsmmu_xlate_result *res)
{
    unsigned kind = access & (VSMMU_ACC_ATS_TRANSLATED | VSMMU_ACC_ATS_REQUEST);

    if (!fld_get(s->idr[0], IDR0_ATS) || (access & ~0x3Fu) ||
        (kind != VSMMU_ACC_ATS_TRANSLATED && kind != VSMMU_ACC_ATS_REQUEST))
        return -EINVAL;
    if (kind == VSMMU_ACC_ATS_TRANSLATED &&
        !(access & (VSMMU_ACC_READ | VSMMU_ACC_WRITE | VSMMU_ACC_EXEC)))
        return -EINVAL;
    memset(res, 0, sizeof(*res));
    if (vsmmu_lock(s))
        return -EDEADLK;
    vsmmu_xl_lock_plain(s);
    if (kind == VSMMU_ACC_ATS_TRANSLATED)
        translated(s, sid, iova, access, res);
    else
        request(s, sid, ssid, iova, access, res);
    vsmmu_xl_unlock(s);
    vsmmu_unlock(s);
    return 0;
}
