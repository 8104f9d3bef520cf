// SPDX-License-Identifier: MIT
/*
 * Accelerated mode: what each passthrough device is attached to.
 *  - SMMUEN=0: the GBPA proxy (abort if GBPA.ABORT, else bypass).
 *  - SMMUEN=1: its guest STE: abort proxy (V=0 or Config 0-3), bypass proxy
 *    (Config 4), or a nested HWPT made from the STE (Config 5).
 * Installed on CFGI_STE/CFGI_STE_RANGE/CFGI_ALL, on SMMUEN transitions, on
 * GBPA updates while SMMUEN=0 and at reset.
 */
#include <errno.h>
#include <string.h>

#include "accel/accel_priv.h"

uint32_t accel_gbpa_proxy(const struct vsmmu *s)
{
    return fld_get(s->gbpa, GBPA_ABORT) ? s->accel->abort_hwpt : s->accel->bypass_hwpt;
}

static const char *pt_name(const struct vsmmu *s, const struct accel_dev *d, uint32_t pt)
{
    if (pt == s->accel->abort_hwpt)
        return "the abort proxy HWPT";
    if (pt == s->accel->bypass_hwpt)
        return "the bypass proxy HWPT";
    if (pt == d->s2_hwpt)
        return "its S2 HWPT";
    return "a nested HWPT";
}

int accel_dev_move(struct vsmmu *s, struct accel_dev *d, uint32_t pt, const char *why)
{
    int rc;

    if (d->cur_pt != pt) {
        rc = vsmmu_iommufd_attach(s->accel->t, &d->dev, pt);
        if (rc) {
            accel_fail(s, rc, "%s: attach of vSID 0x%x to %s (id %u)", why, d->vsid,
                       pt_name(s, d, pt), pt);
            return rc;
        }
        d->cur_pt = pt;
        vsmmu_tr(s, VSMMU_TRACE_ACCEL_ATTACH, d->vsid, pt);
        vsmmu_trace(s, "accel: %s: vSID 0x%x attached to %s", why, d->vsid,
                    pt_name(s, d, pt));
    }
    if (d->has_s1 && d->s1_hwpt != pt) {
        d->has_s1 = false;
        accel_destroy(s, VSMMU_TRACE_OBJ_HWPT, d->s1_hwpt, "a nested HWPT");
    }
    return 0;
}

/*
 * The nested HWPT data: the STE fields the host kernel accepts, nothing else
 * (docs/accel.md rule 29; S1ContextPtr only up to bit 51).
 */
static void mask_add(uint64_t m[2], unsigned hi, unsigned lo)
{
    m[lo / 64] |= fld_mask(hi % 64, lo % 64);
}

static void nested_data(const struct vsmmu *s, const uint64_t ste[STE_DWORDS],
                        uint64_t out[2])
{
    uint64_t m[2] = { 0, 0 };

    mask_add(m, STE_V);
    mask_add(m, STE_CONFIG);
    mask_add(m, STE_S1FMT);
    mask_add(m, 51, 6);             /* S1ContextPtr, as far as the host takes it */
    mask_add(m, STE_S1CDMAX);
    mask_add(m, STE_S1DSS);
    mask_add(m, STE_S1CIR);
    mask_add(m, STE_S1COR);
    mask_add(m, STE_S1CSH);
    mask_add(m, STE_S1STALLD);
    mask_add(m, STE_EATS);
    out[0] = ste[0] & m[0];
    out[1] = ste[1] & m[1];
    /* EATS is ignored when the vSMMU does not advertise ATS. */
    if (!s->cfg.ats)
        st_set(out, STE_EATS, 0);
}

bool accel_nested_words_ok(const struct vsmmu *s, const uint64_t w[2])
{
    uint64_t ste[STE_DWORDS] = { w[0], w[1] }, m[2];

    nested_data(s, ste, m);
    return m[0] == w[0] && m[1] == w[1] && st_get(w, STE_V) &&
           st_get(w, STE_CONFIG) == STE_CFG_S1 && st_get(w, STE_EATS) <= 1;
}

static int install_nested(struct vsmmu *s, struct accel_dev *d,
                          const uint64_t ste[STE_DWORDS])
{
    uint64_t w[2];

    nested_data(s, ste, w);
    if (st_get(w, STE_EATS) > 1) {
        /* The host refuses S1CHK and the reserved value: never forward it. */
        vsmmu_log(s, VSMMU_LOG_GUEST,
                  "accel: STE of vSID 0x%x: EATS %u is not supported in accel mode",
                  d->vsid, (unsigned)st_get(w, STE_EATS));
        return ACCEL_STE_REFUSED;
    }
    return accel_install_nested_words(s, d, w);
}

int accel_install_nested_words(struct vsmmu *s, struct accel_dev *d, const uint64_t w[2])
{
    struct vsmmu_accel *a = s->accel;
    uint8_t data[16];
    uint32_t id;
    int rc;

    /* Already attached to a nested HWPT made from these very words: the
     * host has nothing new to learn (docs/accel.md rule 45), so a queue of
     * CFGI_ALL over unchanged STEs costs no host call. */
    if (d->has_s1 && d->cur_pt == d->s1_hwpt && d->s1_data[0] == w[0] && d->s1_data[1] == w[1])
        return 0;
    vsmmu_put_le64(data, w[0]);
    vsmmu_put_le64(data + 8, w[1]);
    rc = vsmmu_iommufd_hwpt_alloc(a->t, d->dev.dev_id, a->viommu_id, 0,
                                  VSMMU_HWPT_DATA_ARM_SMMUV3, data, sizeof(data), &id);
    if (rc) {
        accel_fail(s, rc, "STE install of vSID 0x%x: IOMMU_HWPT_ALLOC of a nested HWPT",
                   d->vsid);
        return CERROR_ILL;
    }
    vsmmu_tr(s, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_HWPT, id);
    rc = vsmmu_iommufd_attach(a->t, &d->dev, id);
    if (rc) {
        accel_fail(s, rc, "STE install of vSID 0x%x: attach to its new nested HWPT %u",
                   d->vsid, id);
        accel_destroy(s, VSMMU_TRACE_OBJ_HWPT, id, "a nested HWPT");
        return CERROR_ILL;
    }
    if (d->has_s1)
        accel_destroy(s, VSMMU_TRACE_OBJ_HWPT, d->s1_hwpt, "a nested HWPT");
    d->has_s1 = true;
    d->s1_hwpt = id;
    d->s1_data[0] = w[0];
    d->s1_data[1] = w[1];
    d->cur_pt = id;
    vsmmu_tr(s, VSMMU_TRACE_ACCEL_ATTACH, d->vsid, id);
    vsmmu_trace(s, "accel: vSID 0x%x attached to nested HWPT %u", d->vsid, id);
    return 0;
}

int accel_install_ste(struct vsmmu *s, struct accel_dev *d, bool enabling)
{
    struct vsmmu_accel *a = s->accel;
    uint64_t ste[STE_DWORDS], fetch_addr = 0;
    const char *why = enabling ? "SMMUEN 0->1" : "STE install";
    unsigned config;
    int ev;

    if (!vsmmu_cr0(s, CR0_SMMUEN))
        return accel_dev_move(s, d, accel_gbpa_proxy(s), "STE install (SMMUEN=0)")
                   ? CERROR_ILL : 0;
    ev = vsmmu_ste_fetch(s, d->vsid, ste, &fetch_addr);
    if (ev) {
        /* CFGI_STE: the host attachment stays (docs/accel.md rule 26).  Enabling the SMMU
         * without a usable STE: the device's transactions would abort. */
        vsmmu_trace(s, "accel: STE of vSID 0x%x not fetched (event 0x%02x)%s", d->vsid,
                    (unsigned)ev, enabling ? ": abort" : ": attachment unchanged");
        if (enabling)
            return accel_dev_move(s, d, a->abort_hwpt, why) ? CERROR_ILL : 0;
        return 0;
    }
    config = (unsigned)st_get(ste, STE_CONFIG);
    if (!st_get(ste, STE_V) || config < STE_CFG_BYPASS)
        return accel_dev_move(s, d, a->abort_hwpt, why) ? CERROR_ILL : 0;
    if (config == STE_CFG_BYPASS)
        return accel_dev_move(s, d, a->bypass_hwpt, why) ? CERROR_ILL : 0;
    if (config == STE_CFG_S1)
        return install_nested(s, d, ste);
    vsmmu_log(s, VSMMU_LOG_GUEST,
              "accel: STE of vSID 0x%x has Config %u (stage 2), which accel mode does not "
              "support%s", d->vsid, config, enabling ? ": abort" : "");
    if (enabling && accel_dev_move(s, d, a->abort_hwpt, why))
        return CERROR_ILL;
    return ACCEL_STE_REFUSED;
}

/* ---- hooks ---------------------------------------------------------------- */

void vsmmu_accel_cr0_written(struct vsmmu *s, uint32_t old_cr0)
{
    struct vsmmu_accel *a = s->accel;
    bool was_en = fld_get(old_cr0, CR0_SMMUEN), en = vsmmu_cr0(s, CR0_SMMUEN);

    if (!a || !a->has_viommu)
        return;
    if (!was_en && en) {
        for (unsigned i = 0; i < a->ndevs; i++)
            if (accel_install_ste(s, &a->devs[i], true) == CERROR_ILL)
                vsmmu_log(s, VSMMU_LOG_ERROR,
                          "accel: SMMUEN 0->1: installing the STE of vSID 0x%x failed "
                          "(see above)", a->devs[i].vsid);
    } else if (was_en && !en) {
        for (unsigned i = 0; i < a->ndevs; i++)
            accel_dev_move(s, &a->devs[i], accel_gbpa_proxy(s), "SMMUEN 1->0");
    }
    if (vsmmu_cr0(s, CR0_EVENTQEN) && !a->has_veventq &&
        accel_veventq_create(s) != 0)
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: CR0 write: no vEVENTQ, so host events cannot reach the guest; "
                  "retried at the next CR0 write with EVENTQEN=1");
}

void vsmmu_accel_gbpa_written(struct vsmmu *s)
{
    struct vsmmu_accel *a = s->accel;

    if (!a || !a->has_viommu || vsmmu_cr0(s, CR0_SMMUEN))
        return;
    for (unsigned i = 0; i < a->ndevs; i++)
        accel_dev_move(s, &a->devs[i], accel_gbpa_proxy(s), "GBPA update");
}

void vsmmu_accel_reset(struct vsmmu *s)
{
    struct vsmmu_accel *a = s->accel;

    if (!a)
        return;
    accel_inv_discard(a);
    accel_state_forget(a);
    if (!a->has_viommu)
        return;
    for (unsigned i = 0; i < a->ndevs; i++)
        accel_dev_move(s, &a->devs[i], accel_gbpa_proxy(s), "reset");
}

/* CFGI_STE, CFGI_STE_RANGE and CFGI_ALL at queue index @idx: every device in
 * the range is re-installed at the end of the batch (vsmmu_accel_flush), so
 * that any number of them in one batch costs one STE fetch per device. */
int accel_cfgi_ste(struct vsmmu *s, const uint64_t cmd[2], uint32_t idx)
{
    struct vsmmu_accel *a = s->accel;
    uint64_t sid = st_get(cmd, CMD_SID), mask = 0;

    if (st_get(cmd, CMD_OP) == OP_CFGI_STE_RANGE)
        mask = (2ull << st_get(cmd, CMD_RANGE)) - 1;
    sid &= ~mask;
    for (unsigned i = 0; i < a->ndevs && a->ncfgi < a->ndevs; i++) {
        struct accel_dev *d = &a->devs[i];
        if (d->vsid >= sid && d->vsid - sid <= mask && !d->cfgi_pending) {
            d->cfgi_pending = true;
            d->cfgi_idx = idx;
            a->ncfgi++;
        }
    }
    return 0;
}

bool accel_cfgi_flush(struct vsmmu *s, uint32_t start, uint32_t wrmask, bool failed,
                      uint32_t *fail)
{
    struct vsmmu_accel *a = s->accel;

    for (unsigned i = 0; i < a->ndevs && a->ncfgi; i++) {
        struct accel_dev *d = &a->devs[i];
        if (!d->cfgi_pending)
            continue;
        d->cfgi_pending = false;
        a->ncfgi--;
        /* Devices named after the failing command keep their attachment
         * (those named by it too are installed: every device of a range,
         * even after one fails). */
        if (failed && ((d->cfgi_idx - start) & wrmask) > ((*fail - start) & wrmask))
            continue;
        if (accel_install_ste(s, d, false) &&
            (!failed || ((d->cfgi_idx - start) & wrmask) < ((*fail - start) & wrmask))) {
            failed = true;
            *fail = d->cfgi_idx;
        }
    }
    a->ncfgi = 0;
    return failed;
}
