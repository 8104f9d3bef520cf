// SPDX-License-Identifier: MIT
/*
 * Event records and the event queue (spec §7.2-7.4; docs/spec-notes.md §4).
 *
 * vsmmu_event_encode() places each field only where the record format of
 * the event's type has it (docs/spec-notes.md §4.3); fields a type does
 * not have stay 0, and so do the IMPDEF Reason fields.
 *
 * vsmmu_eventq_push() is the one path that writes a record to the guest:
 *  - EVENTQEN = 0: dropped silently (no overflow);
 *  - GERROR.EVENTQ_ABT_ERR or SFM_ERR active: the queue is unwritable, the
 *    record is dropped;
 *  - full: dropped, and EVENTQ_PROD.OVFLG toggled if no overflow is already
 *    flagged (OVFLG == EVENTQ_CONS.OVACKFLG); with
 *    VSMMU_FLAG_QEMU_EVENTQ_FULL, GERROR.EVENTQ_ABT_ERR instead;
 *  - the record write aborts: GERROR.EVENTQ_ABT_ERR, PROD not advanced;
 *  - otherwise the record is written, then PROD advanced, then the event
 *    queue interrupt signalled, but only when the queue went from empty to
 *    non-empty.
 */
#include <stddef.h>
#include <string.h>

#include "model/model.h"

static const char *const event_names[256] = {
    [EVT_F_UUT] = "F_UUT",
    [EVT_C_BAD_STREAMID] = "C_BAD_STREAMID",
    [EVT_F_STE_FETCH] = "F_STE_FETCH",
    [EVT_C_BAD_STE] = "C_BAD_STE",
    [EVT_F_BAD_ATS_TREQ] = "F_BAD_ATS_TREQ",
    [EVT_F_STREAM_DISABLED] = "F_STREAM_DISABLED",
    [EVT_F_TRANSL_FORBIDDEN] = "F_TRANSL_FORBIDDEN",
    [EVT_C_BAD_SUBSTREAMID] = "C_BAD_SUBSTREAMID",
    [EVT_F_CD_FETCH] = "F_CD_FETCH",
    [EVT_C_BAD_CD] = "C_BAD_CD",
    [EVT_F_WALK_EABT] = "F_WALK_EABT",
    [EVT_F_TRANSLATION] = "F_TRANSLATION",
    [EVT_F_ADDR_SIZE] = "F_ADDR_SIZE",
    [EVT_F_ACCESS] = "F_ACCESS",
    [EVT_F_PERMISSION] = "F_PERMISSION",
    [EVT_F_TLB_CONFLICT] = "F_TLB_CONFLICT",
    [EVT_F_CFG_CONFLICT] = "F_CFG_CONFLICT",
    [EVT_E_PAGE_REQUEST] = "E_PAGE_REQUEST",
    [EVT_F_VMS_FETCH] = "F_VMS_FETCH",
};

const char *vsmmu_event_name(uint8_t type)
{
    return event_names[type];
}

/* Which optional field groups a record type carries. */
enum {
    P_SSID = 1u << 0,     /* SSV + SubstreamID */
    P_STALL = 1u << 1,    /* Stall + STAG */
    P_ACCESS = 1u << 2,   /* PnU, InD, RnW */
    P_RNW = 1u << 3,      /* RnW only */
    P_S2 = 1u << 4,       /* S2 */
    P_CLASS = 1u << 5,    /* CLASS */
    P_INPUT = 1u << 6,    /* InputAddr */
    P_IPA = 1u << 7,      /* IPA (when S2 = 1) */
    P_FETCH = 1u << 8,    /* FetchAddr */
    P_TTRNW = 1u << 9,    /* TTRnW */
    P_ATS = 1u << 10,     /* F_BAD_ATS_TREQ: R/W/X/P, Span, InputAddr[63:12] */
    P_SSID_NOSSV = 1u << 11, /* SubstreamID always valid, no SSV */
};

static unsigned presence(uint8_t type)
{
    switch (type) {
    case EVT_F_UUT: return P_SSID | P_ACCESS | P_INPUT;
    case EVT_C_BAD_STREAMID: return P_SSID;
    case EVT_F_STE_FETCH: return P_SSID | P_FETCH;
    case EVT_C_BAD_STE: return P_SSID;
    case EVT_F_BAD_ATS_TREQ: return P_SSID | P_ATS;
    case EVT_F_STREAM_DISABLED: return P_SSID;
    case EVT_F_TRANSL_FORBIDDEN: return P_SSID | P_RNW | P_INPUT;
    case EVT_C_BAD_SUBSTREAMID: return P_SSID_NOSSV;
    case EVT_F_CD_FETCH: return P_SSID | P_FETCH;
    case EVT_C_BAD_CD: return P_SSID;
    case EVT_F_WALK_EABT: return P_SSID | P_ACCESS | P_S2 | P_CLASS | P_INPUT | P_FETCH;
    case EVT_F_TRANSLATION:
    case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS:
        return P_SSID | P_STALL | P_ACCESS | P_S2 | P_CLASS | P_INPUT | P_IPA;
    case EVT_F_PERMISSION:
        return P_SSID | P_STALL | P_ACCESS | P_S2 | P_CLASS | P_INPUT | P_IPA | P_TTRNW;
    case EVT_F_TLB_CONFLICT: return P_SSID | P_ACCESS | P_S2 | P_INPUT | P_IPA;
    case EVT_F_CFG_CONFLICT: return P_SSID;
    case EVT_E_PAGE_REQUEST: return P_SSID | P_INPUT;
    case EVT_F_VMS_FETCH: return P_SSID | P_FETCH;
    default: return P_SSID;   /* IMPDEF and reserved types: common fields */
    }
}

void vsmmu_event_encode(const struct vsmmu_event *ev, uint64_t rec[4])
{
    unsigned p = presence(ev->type);

    rec[0] = rec[1] = rec[2] = rec[3] = 0;
    st_set(rec, EVT_TYPE, ev->type);
    st_set(rec, EVT_SID, ev->sid);
    if ((p & P_SSID) && ev->ssv) {
        st_set(rec, EVT_SSV, 1);
        st_set(rec, EVT_SSID, ev->ssid);
    }
    if (p & P_SSID_NOSSV)
        st_set(rec, EVT_SSID, ev->ssid);
    if ((p & P_STALL) && ev->stall) {
        st_set(rec, EVT_STALL, 1);
        st_set(rec, EVT_STAG, ev->stag);
    }
    if (p & P_ACCESS) {
        st_set(rec, EVT_PNU, ev->pnu);
        /* InD is 0 for writes. */
        st_set(rec, EVT_IND, ev->ind && ev->rnw);
    }
    if (p & (P_ACCESS | P_RNW))
        st_set(rec, EVT_RNW, ev->rnw);
    if (p & P_S2)
        st_set(rec, EVT_S2, ev->s2);
    if (p & P_CLASS)
        st_set(rec, EVT_CLASS, ev->class_);
    if ((p & P_TTRNW) && ev->class_ == EVT_CLASS_TT)
        st_set(rec, EVT_TTRNW, ev->ttrnw);
    if (p & P_INPUT)
        rec[2] = ev->input_addr;
    if ((p & P_IPA) && ev->s2)
        st_set(rec, EVT_IPA, ev->ipa >> 12);
    if (p & P_FETCH)
        st_set(rec, EVT_FETCHADDR, ev->fetch_addr >> 3);
    if (p & P_ATS) {
        rec[2] = ev->input_addr & ~(uint64_t)0xfff;   /* InputAddr[63:12] */
        st_set(rec, EVT_ATS_SPAN, ev->ats_span);
        st_set(rec, EVT_ATS_R, ev->ats_r);
        st_set(rec, EVT_ATS_W, ev->ats_w);
        st_set(rec, EVT_ATS_X, ev->ats_x);
        st_set(rec, EVT_ATS_P, ev->ats_p);
    }
}

static void drop(struct vsmmu *s, const uint64_t rec[4], const char *why)
{
    s->stats.events_dropped++;
    vsmmu_trace(s, "event %s (0x%02x) sid 0x%x dropped: %s",
                vsmmu_event_name((uint8_t)rec[0]) ? vsmmu_event_name((uint8_t)rec[0]) : "?",
                (unsigned)(rec[0] & 0xff), (unsigned)(rec[0] >> 32), why);
}

static enum vsmmu_evq_result push(struct vsmmu *s, const uint64_t rec[4])
{
    unsigned log2;
    uint32_t prod, cons;
    uint64_t addr;

    if (!vsmmu_cr0(s, CR0_EVENTQEN)) {
        drop(s, rec, "event queue disabled");
        return EVQ_DISABLED;
    }
    if (vsmmu_gerror_active(s, fld_lo(GERROR_EVENTQ_ABT_ERR)) ||
        vsmmu_gerror_active(s, fld_lo(GERROR_SFM_ERR))) {
        drop(s, rec, "event queue unwritable (GERROR active)");
        return EVQ_UNWRITABLE;
    }
    log2 = q_log2(s->eventq.base, s->cfg.eventqs);
    prod = s->eventq.prod & q_wrmask(log2);
    cons = s->eventq.cons & q_wrmask(log2);
    if (q_full(prod, cons, log2)) {
        drop(s, rec, "event queue full");
        if (s->cfg.flags & VSMMU_FLAG_QEMU_EVENTQ_FULL) {
            vsmmu_gerror_raise(s, fld_lo(GERROR_EVENTQ_ABT_ERR));
        } else if (fld_get(s->eventq.prod, Q_OVFLG) == fld_get(s->eventq.cons, Q_OVACKFLG)) {
            s->eventq.prod ^= (uint32_t)fld_mask(Q_OVFLG);
            vsmmu_log(s, VSMMU_LOG_GUEST, "event queue overflow: EVENTQ_PROD.OVFLG toggled");
        }
        return EVQ_OVERFLOW;
    }
    addr = q_addr(s->eventq.base, log2, EVT_SIZE) + (uint64_t)q_index(prod, log2) * EVT_SIZE;
    if (vsmmu_dma_write_dwords(s, addr, rec, 4)) {
        drop(s, rec, "event queue write aborted");
        vsmmu_log(s, VSMMU_LOG_GUEST, "event queue write to 0x%llx aborted: EVENTQ_ABT_ERR",
                  (unsigned long long)addr);
        vsmmu_gerror_raise(s, fld_lo(GERROR_EVENTQ_ABT_ERR));
        return EVQ_ABORT;
    }
    /* Record first, then PROD, then the interrupt. */
    s->eventq.prod = (s->eventq.prod & (uint32_t)fld_mask(Q_OVFLG)) | q_inc(prod, log2);
    s->stats.events++;
    vsmmu_trace(s, "event %s (0x%02x) sid 0x%x recorded at 0x%llx",
                vsmmu_event_name((uint8_t)rec[0]) ? vsmmu_event_name((uint8_t)rec[0]) : "?",
                (unsigned)(rec[0] & 0xff), (unsigned)(rec[0] >> 32), (unsigned long long)addr);
    vsmmu_tr(s, VSMMU_TRACE_EVENT_RECORD, rec[0] & 0xff, rec[0] >> 32, EVQ_WRITTEN);
    if (q_empty(prod, cons, log2))
        vsmmu_irq_signal(s, IRQ_SRC_EVENTQ);
    return EVQ_WRITTEN;
}

enum vsmmu_evq_result vsmmu_eventq_push(struct vsmmu *s, const uint64_t rec[4])
{
    enum vsmmu_evq_result r = push(s, rec);

    /* a written record is traced before its interrupt, in push() */
    if (r != EVQ_WRITTEN)
        vsmmu_tr(s, VSMMU_TRACE_EVENT_RECORD, rec[0] & 0xff, rec[0] >> 32, r);
    return r;
}

enum vsmmu_evq_result vsmmu_event_record_locked(struct vsmmu *s, const struct vsmmu_event *ev)
{
    uint64_t rec[4];

    vsmmu_event_encode(ev, rec);
    return vsmmu_eventq_push(s, rec);
}

enum vsmmu_evq_result vsmmu_event_record(struct vsmmu *s, const struct vsmmu_event *ev)
{
    enum vsmmu_evq_result r;

    if (vsmmu_lock(s))
        return EVQ_UNWRITABLE;
    r = vsmmu_event_record_locked(s, ev);
    vsmmu_unlock(s);
    return r;
}

void vsmmu_eventq_flag_overflow(struct vsmmu *s)
{
    if (fld_get(s->eventq.prod, Q_OVFLG) != fld_get(s->eventq.cons, Q_OVACKFLG))
        return;
    s->eventq.prod ^= (uint32_t)fld_mask(Q_OVFLG);
    vsmmu_log(s, VSMMU_LOG_GUEST, "events lost: EVENTQ_PROD.OVFLG toggled");
}
