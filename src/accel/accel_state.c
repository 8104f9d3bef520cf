// SPDX-License-Identifier: MIT
/*
 * Accelerated mode in saved states (docs/state.md, "Accel mode").
 *
 * The state records host-independent facts only: for each passthrough
 * device its vSID and what it is attached to (its S2 HWPT, the abort or
 * bypass proxy, or a nested HWPT made from its guest STE), and whether a
 * vEVENTQ existed.  Host object ids mean nothing on the destination.
 *
 * On the destination the VMM attaches its devices (new iommufd, dev_ids,
 * S2 HWPTs) with vsmmu_accel_attach(), before or after the load.  The
 * attach does the fresh bring-up (vIOMMU, proxies, vEVENTQ when the guest's
 * event queue is enabled, vDEVICE, with their unwinding) and then
 * accel_state_reattach() moves the device to its recorded attachment; a
 * nested HWPT is rebuilt from the STE words the source's was made from (the
 * guest may have rewritten its STE in memory since, without a CFGI_STE yet:
 * the destination then installs what the source had installed, and the
 * guest's next CFGI_STE installs the new one on both alike).
 *
 * Payload: u32 device count, u32 flags (bit 0: a vEVENTQ existed), u32 the
 * vEVENTQ's depth (0 without), u32 0, then per device u32 vSID, u32
 * attachment (enum accel_att), and the two STE words of its nested HWPT
 * (u64 each; 0 unless the attachment is nested).  The destination makes its vEVENTQ with the
 * same depth (accel_veventq_depth), even if the guest has since changed
 * EVENTQ_BASE (the source's kept its depth).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel_priv.h"
#include "model/state.h"

#define ACCEL_ST_VEVENTQ 1u
#define ACCEL_ST_DEV 24u        /* bytes per device */

static const char *const att_names[] = {
    [ATT_S2] = "its S2 HWPT", [ATT_ABORT] = "the abort proxy",
    [ATT_BYPASS] = "the bypass proxy", [ATT_NESTED] = "a nested HWPT",
};

size_t vsmmu_accel_state_size(const struct vsmmu *s)
{
    return 16 + ACCEL_ST_DEV * (size_t)s->accel->ndevs;
}

static uint32_t att_of(const struct vsmmu_accel *a, const struct accel_dev *d)
{
    if (d->has_s1 && d->cur_pt == d->s1_hwpt)
        return ATT_NESTED;
    if (a->has_viommu && d->cur_pt == a->abort_hwpt)
        return ATT_ABORT;
    if (a->has_viommu && d->cur_pt == a->bypass_hwpt)
        return ATT_BYPASS;
    return ATT_S2;
}

void vsmmu_accel_state_write(const struct vsmmu *s, struct st_out *o)
{
    const struct vsmmu_accel *a = s->accel;

    st_put(o, a->ndevs, 4);
    st_put(o, a->has_veventq ? ACCEL_ST_VEVENTQ : 0, 4);
    st_put(o, a->has_veventq ? a->veventq_depth : 0, 4);
    st_put(o, 0, 4);
    for (unsigned i = 0; i < a->ndevs; i++) {
        const struct accel_dev *d = &a->devs[i];
        uint32_t att = att_of(a, d);
        st_put(o, d->vsid, 4);
        st_put(o, att, 4);
        st_put(o, att == ATT_NESTED ? d->s1_data[0] : 0, 8);
        st_put(o, att == ATT_NESTED ? d->s1_data[1] : 0, 8);
    }
}

void vsmmu_accel_state_free(struct accel_restore *r)
{
    if (r) {
        free(r->devs);
        free(r);
    }
}

static int cmp_vsid(const void *x, const void *y)
{
    uint32_t a = ((const struct accel_restore_dev *)x)->vsid;
    uint32_t b = ((const struct accel_restore_dev *)y)->vsid;
    return a < b ? -1 : a > b;
}

#define REFUSE(rc, ...) \
    do { vsmmu_log(s, VSMMU_LOG_ERROR, "state load refused: accel section: " __VA_ARGS__); \
         vsmmu_accel_state_free(r); return (rc); } while (0)

int vsmmu_accel_state_parse(struct vsmmu *s, struct st_in *in, struct accel_restore **out)
{
    struct accel_restore *r = NULL;
    uint32_t n = (uint32_t)st_take(in, 4), flags = (uint32_t)st_take(in, 4);
    uint32_t depth = (uint32_t)st_take(in, 4), rsvd = (uint32_t)st_take(in, 4);
    uint32_t max_depth = 1u << fld_get(s->idr[1], IDR1_EVENTQS);

    *out = NULL;
    if (in->bad)
        REFUSE(-EBADMSG, "too short");
    if (n > in->n / ACCEL_ST_DEV)
        REFUSE(-EBADMSG, "%u devices do not fit in %zu bytes", n, in->n);
    if ((flags & ~ACCEL_ST_VEVENTQ) || rsvd)
        REFUSE(-EINVAL, "reserved bits set (flags 0x%x, word 0x%x)", flags, rsvd);
    if (max_depth > VSMMU_VEVENTQ_MAX_DEPTH)
        max_depth = VSMMU_VEVENTQ_MAX_DEPTH;
    if ((flags & ACCEL_ST_VEVENTQ) ? depth == 0 || (depth & (depth - 1)) || depth > max_depth
                                   : depth != 0)
        REFUSE(-EINVAL, "vEVENTQ depth %u", depth);
    r = calloc(1, sizeof(*r));
    if (!r || (n && !(r->devs = calloc(n, sizeof(*r->devs)))))
        REFUSE(-ENOMEM, "out of memory");
    r->n = n;
    r->veventq = flags & ACCEL_ST_VEVENTQ;
    r->veventq_depth = depth;
    for (uint32_t i = 0; i < n; i++) {
        r->devs[i].vsid = (uint32_t)st_take(in, 4);
        r->devs[i].att = (uint32_t)st_take(in, 4);
        r->devs[i].s1_data[0] = st_take(in, 8);
        r->devs[i].s1_data[1] = st_take(in, 8);
        if (s->cfg.sidsize < 32 && (r->devs[i].vsid >> s->cfg.sidsize) != 0)
            REFUSE(-EINVAL, "vSID 0x%x beyond SIDSIZE", r->devs[i].vsid);
        if (r->devs[i].att > ATT_NESTED)
            REFUSE(-EINVAL, "vSID 0x%x: unknown attachment %u", r->devs[i].vsid,
                   r->devs[i].att);
        if (r->devs[i].att == ATT_NESTED ? !accel_nested_words_ok(s, r->devs[i].s1_data)
                                         : (r->devs[i].s1_data[0] | r->devs[i].s1_data[1]))
            REFUSE(-EINVAL, "vSID 0x%x: STE words 0x%llx 0x%llx", r->devs[i].vsid,
                   (unsigned long long)r->devs[i].s1_data[0],
                   (unsigned long long)r->devs[i].s1_data[1]);
    }
    if (n > 1) {
        qsort(r->devs, n, sizeof(*r->devs), cmp_vsid);
        for (uint32_t i = 1; i < n; i++)
            if (r->devs[i].vsid == r->devs[i - 1].vsid)
                REFUSE(-EINVAL, "vSID 0x%x appears twice", r->devs[i].vsid);
    }
    *out = r;
    return 0;
}
#undef REFUSE

bool accel_state_pending(const struct vsmmu_accel *a, uint32_t vsid)
{
    for (unsigned i = 0; a->restore && i < a->restore->n; i++)
        if (a->restore->devs[i].vsid == vsid)
            return true;
    return false;
}

void accel_state_forget(struct vsmmu_accel *a)
{
    vsmmu_accel_state_free(a->restore);
    a->restore = NULL;
}

/* A vEVENTQ is made with the vIOMMU when the guest's event queue is enabled
 * (viommu_create, vsmmu_accel_cr0_written); the source may also have had one
 * made earlier that outlived EVENTQEN = 0. */
static void ensure_veventq(struct vsmmu *s, bool had)
{
    struct vsmmu_accel *a = s->accel;

    if (!a->has_viommu || a->has_veventq || !(had || vsmmu_cr0(s, CR0_EVENTQEN)))
        return;
    if (accel_veventq_create(s))
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: state load: no vEVENTQ, so host events cannot reach the guest; "
                  "retried at the next CR0 write with EVENTQEN=1");
}

int accel_state_reattach(struct vsmmu *s, struct accel_dev *d)
{
    struct vsmmu_accel *a = s->accel;
    struct accel_restore *r = a->restore;
    uint32_t att;
    unsigned i;
    int rc = 0;

    if (!r)
        return 0;
    ensure_veventq(s, r->veventq);
    if (a->has_veventq)
        r->veventq = false;    /* made again: later ones take the usual depth */
    for (i = 0; i < r->n && r->devs[i].vsid != d->vsid; i++)
        ;
    if (i == r->n)
        return 0;
    att = r->devs[i].att;
    switch (att) {
    case ATT_ABORT:
        rc = accel_dev_move(s, d, a->abort_hwpt, "state load");
        break;
    case ATT_BYPASS:
        rc = accel_dev_move(s, d, a->bypass_hwpt, "state load");
        break;
    case ATT_NESTED:
        /* The host refused the nested HWPT: the device's traffic aborts, as
         * after a fresh fetch of a bad STE; the attach fails only if even
         * the abort proxy cannot be attached. */
        if (accel_install_nested_words(s, d, r->devs[i].s1_data) == 0)
            break;
        rc = accel_dev_move(s, d, a->abort_hwpt, "state load");
        break;
    default:
        rc = accel_dev_move(s, d, d->s2_hwpt, "state load");
        break;
    }
    if (rc)
        return rc;     /* the record stays for the VMM's next attach */
    r->devs[i] = r->devs[--r->n];
    vsmmu_trace(s, "accel: state load: vSID 0x%x re-attached to %s", d->vsid,
                att_names[att]);
    return 0;
}

void vsmmu_accel_state_commit(struct vsmmu *s, struct accel_restore *r)
{
    struct vsmmu_accel *a = s->accel;

    accel_state_forget(a);
    a->restore = r;
    if (!r)
        return;
    /* Devices the VMM attached before the load. */
    for (unsigned i = 0; i < a->ndevs; i++)
        if (accel_state_reattach(s, &a->devs[i]))
            vsmmu_log(s, VSMMU_LOG_ERROR,
                      "accel: state load: vSID 0x%x keeps its attachment (see above)",
                      a->devs[i].vsid);
    ensure_veventq(s, r->veventq);
    if (a->has_veventq)
        r->veventq = false;
}

/* ---- the last records of the vEVENTQ at save time ------------------------- */

struct lost_count {
    uint64_t n;
};

static void count_record(void *arg, const uint8_t *payload, uint32_t seq)
{
    (void)payload;
    (void)seq;
    ((struct lost_count *)arg)->n++;
}

static void count_lost(void *arg, uint64_t n)
{
    ((struct lost_count *)arg)->n += n;
}

void vsmmu_accel_state_drain_lost(struct vsmmu *s)
{
    struct vsmmu_accel *a = s->accel;
    struct lost_count c = { 0 };
    int rc;

    if (!a->has_veventq)
        return;
    rc = vsmmu_vevent_reader_drain(&a->rd, a->t, a->veventq_fd, count_record, count_lost, &c);
    if (rc < 0)
        accel_fail(s, rc, "state save: reading the vEVENTQ fd %d", a->veventq_fd);
    if (!c.n)
        return;
    s->stats.host_lost += c.n;
    vsmmu_eventq_flag_overflow(s);
    vsmmu_log(s, VSMMU_LOG_ERROR,
              "accel: state save: %llu host event(s) still in the vEVENTQ are lost (drain "
              "with vsmmu_accel_process_events() before saving); EVENTQ_PROD.OVFLG signals "
              "it to the guest", (unsigned long long)c.n);
}
