// SPDX-License-Identifier: MIT
/*
 * Accelerated mode: passthrough devices attached through iommufd, the vIOMMU
 * created at the first attach (with its abort and bypass proxy HWPTs and,
 * when the guest's event queue is enabled, the vEVENTQ), a vDEVICE per
 * device, and the public accel API.  See docs/accel.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "accel/accel_priv.h"

/* ---- helpers ------------------------------------------------------------ */

void accel_fail(struct vsmmu *s, int rc, const char *fmt, ...)
{
    char what[320];
    va_list ap;
    int e = rc < 0 ? -rc : rc;

    if (s->accel)
        s->accel->last_fail = -e;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    vsmmu_log(s, VSMMU_LOG_ERROR, "accel: %s failed: %s (errno %d)", what, strerror(e), e);
}

struct accel_dev *accel_find(struct vsmmu_accel *a, uint32_t vsid)
{
    for (unsigned i = 0; i < a->ndevs; i++)
        if (a->devs[i].vsid == vsid)
            return &a->devs[i];
    return NULL;
}

static void orphan_add(struct vsmmu *s, uint32_t id)
{
    struct vsmmu_accel *a = s->accel;
    if (a->norphans == a->orphans_cap) {
        unsigned cap = a->orphans_cap ? 2 * a->orphans_cap : 8;
        uint32_t *n = realloc(a->orphans, cap * sizeof(*n));
        if (!n) {
            vsmmu_log(s, VSMMU_LOG_ERROR,
                      "accel: out of memory: host object %u is leaked", id);
            return;
        }
        a->orphans = n;
        a->orphans_cap = cap;
    }
    a->orphans[a->norphans++] = id;
}

void accel_destroy(struct vsmmu *s, enum vsmmu_trace_obj kind, uint32_t id, const char *what)
{
    int rc = vsmmu_iommufd_destroy(s->accel->t, id);

    vsmmu_tr(s, VSMMU_TRACE_ACCEL_FREE, kind, id);
    if (rc) {
        accel_fail(s, rc, "IOMMU_DESTROY of %s (id %u); retried later", what, id);
        orphan_add(s, id);
    }
}

/* Objects are retried in the order they failed, pass after pass while some
 * destroy succeeds (a child must go before its vIOMMU). */
void accel_orphans_retry(struct vsmmu *s)
{
    struct vsmmu_accel *a = s->accel;
    bool progress = true;

    while (a->norphans && progress) {
        progress = false;
        for (unsigned i = 0; i < a->norphans;) {
            if (vsmmu_iommufd_destroy(a->t, a->orphans[i]) == 0) {
                memmove(&a->orphans[i], &a->orphans[i + 1],
                        (a->norphans - i - 1) * sizeof(a->orphans[0]));
                a->norphans--;
                progress = true;
            } else {
                i++;
            }
        }
    }
}

/* ---- host compatibility ------------------------------------------------ */

struct idr_check {
    const char *name;
    unsigned reg, hi, lo;
    enum { MUST_EQ, HOST_GE, HOST_LE } rule;
};

/* docs/accel.md, "Host compatibility check" (rule 37). */
static const struct idr_check idr_checks[] = {
    { "ST_LEVEL", 0, IDR0_ST_LEVEL, MUST_EQ },
    { "TTENDIAN", 0, IDR0_TTENDIAN, HOST_LE },
    { "TTF", 0, IDR0_TTF, HOST_GE },
    { "SIDSIZE", 1, IDR1_SIDSIZE, HOST_GE },
    { "SSIDSIZE", 1, IDR1_SSIDSIZE, HOST_GE },
    { "RIL", 3, IDR3_RIL, HOST_GE },
    { "ATS", 0, IDR0_ATS, HOST_GE },
    /* Not in QEMU's list: the host refuses TLBIs with ASIDs wider than its
     * own, so a vSMMU with 16-bit ASIDs needs a host with them. */
    { "ASID16", 0, IDR0_ASID16, HOST_GE },
    { "GRAN4K", 5, IDR5_GRAN4K, MUST_EQ },
    { "GRAN16K", 5, IDR5_GRAN16K, MUST_EQ },
    { "GRAN64K", 5, IDR5_GRAN64K, MUST_EQ },
};

static int check_host(struct vsmmu *s, uint32_t vsid, uint32_t dev_id)
{
    uint8_t info[40];
    uint32_t len = sizeof(info), type = 0, host[6];
    int rc;

    memset(info, 0, sizeof(info));
    rc = vsmmu_iommufd_get_hw_info(s->accel->t, dev_id, info, &len, &type, NULL);
    if (rc) {
        accel_fail(s, rc, "attach of vSID 0x%x: IOMMU_GET_HW_INFO for dev_id %u",
                   vsid, dev_id);
        return rc;
    }
    if (type != VSMMU_HW_INFO_TYPE_ARM_SMMUV3) {
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: attach of vSID 0x%x refused: the host IOMMU of dev_id %u "
                  "reports type %u, not ARM SMMUv3 (%u)",
                  vsid, dev_id, type, VSMMU_HW_INFO_TYPE_ARM_SMMUV3);
        return -EOPNOTSUPP;
    }
    if (len < 8 + sizeof(host)) {
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: attach of vSID 0x%x refused: IOMMU_GET_HW_INFO returned "
                  "%u bytes of SMMUv3 data, fewer than the 32 with IDR0-5", vsid, len);
        return -EINVAL;
    }
    for (unsigned i = 0; i < 6; i++)
        host[i] = (uint32_t)info[8 + 4 * i] | (uint32_t)info[9 + 4 * i] << 8 |
                  (uint32_t)info[10 + 4 * i] << 16 | (uint32_t)info[11 + 4 * i] << 24;

    for (size_t i = 0; i < sizeof(idr_checks) / sizeof(idr_checks[0]); i++) {
        const struct idr_check *c = &idr_checks[i];
        uint64_t h = fld_get(host[c->reg], c->hi, c->lo);
        uint64_t v = fld_get(s->idr[c->reg], c->hi, c->lo);
        bool ok = c->rule == MUST_EQ ? h == v : c->rule == HOST_GE ? h >= v : h <= v;
        if (!ok) {
            vsmmu_log(s, VSMMU_LOG_ERROR,
                      "accel: attach of vSID 0x%x refused: host SMMU IDR%u.%s is %llu, "
                      "the vSMMU's is %llu (the host's must be %s)",
                      vsid, c->reg, c->name, (unsigned long long)h, (unsigned long long)v,
                      c->rule == MUST_EQ ? "equal" :
                      c->rule == HOST_GE ? "at least as large" : "at most as large");
            return -EINVAL;
        }
    }
    {
        unsigned h = vsmmu_pa_bits_decode((unsigned)fld_get(host[5], IDR5_OAS));
        unsigned v = vsmmu_pa_bits_decode((unsigned)fld_get(s->idr[5], IDR5_OAS));
        if (h < v) {
            vsmmu_log(s, VSMMU_LOG_ERROR,
                      "accel: attach of vSID 0x%x refused: host SMMU OAS is %u bits, "
                      "less than the vSMMU's %u bits", vsid, h, v);
            return -EINVAL;
        }
    }
    return 0;
}

/* ---- the vIOMMU ---------------------------------------------------------- */

/* Word 0 of a proxy STE: V=1 and @config; word 1 is zero. */
static uint64_t proxy_w0(unsigned config)
{
    uint64_t w[1] = { 0 };
    st_set(w, STE_V, 1);
    st_set(w, STE_CONFIG, config);
    return w[0];
}

static int alloc_proxy(struct vsmmu *s, uint32_t dev_id, uint64_t w0, const char *name,
                       uint32_t *out)
{
    uint8_t data[16];
    int rc;

    memset(data, 0, sizeof(data));
    vsmmu_put_le64(data, w0);
    rc = vsmmu_iommufd_hwpt_alloc(s->accel->t, dev_id, s->accel->viommu_id, 0,
                                  VSMMU_HWPT_DATA_ARM_SMMUV3, data, sizeof(data), out);
    if (rc)
        accel_fail(s, rc, "IOMMU_HWPT_ALLOC of the %s proxy HWPT", name);
    else
        vsmmu_tr(s, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_HWPT, *out);
    return rc;
}

/* The last device is gone (or the creation failed): free everything in the
 * order the kernel accepts.  The vEVENTQ goes first (polling stopped, fd
 * closed, then destroyed), then the bypass and abort proxies, the vIOMMU. */
static void viommu_teardown(struct vsmmu *s)
{
    struct vsmmu_accel *a = s->accel;

    accel_inv_discard(a);
    accel_veventq_destroy(s);
    accel_destroy(s, VSMMU_TRACE_OBJ_HWPT, a->bypass_hwpt, "the bypass proxy HWPT");
    accel_destroy(s, VSMMU_TRACE_OBJ_HWPT, a->abort_hwpt, "the abort proxy HWPT");
    accel_orphans_retry(s);
    accel_destroy(s, VSMMU_TRACE_OBJ_VIOMMU, a->viommu_id, "the vIOMMU");
    a->has_viommu = false;
    vsmmu_trace(s, "accel: vIOMMU torn down");
}

static int viommu_create(struct vsmmu *s, const struct vsmmu_iommufd_dev *dev,
                         uint32_t s2_hwpt)
{
    struct vsmmu_accel *a = s->accel;
    int rc;

    rc = vsmmu_iommufd_viommu_alloc(a->t, VSMMU_VIOMMU_TYPE_ARM_SMMUV3, dev->dev_id,
                                    s2_hwpt, &a->viommu_id);
    if (rc) {
        accel_fail(s, rc, "IOMMU_VIOMMU_ALLOC (dev_id %u, nest parent %u)",
                   dev->dev_id, s2_hwpt);
        return rc;
    }
    vsmmu_tr(s, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_VIOMMU, a->viommu_id);
    rc = alloc_proxy(s, dev->dev_id, proxy_w0(STE_CFG_ABORT), "abort",
                     &a->abort_hwpt);
    if (rc)
        goto free_viommu;
    rc = alloc_proxy(s, dev->dev_id, proxy_w0(STE_CFG_BYPASS), "bypass",
                     &a->bypass_hwpt);
    if (rc)
        goto free_abort;
    a->has_viommu = true;
    if (vsmmu_cr0(s, CR0_EVENTQEN)) {
        rc = accel_veventq_create(s);
        if (rc)
            goto free_bypass;
    }
    return 0;

free_bypass:
    a->has_viommu = false;
    accel_destroy(s, VSMMU_TRACE_OBJ_HWPT, a->bypass_hwpt, "the bypass proxy HWPT");
free_abort:
    accel_destroy(s, VSMMU_TRACE_OBJ_HWPT, a->abort_hwpt, "the abort proxy HWPT");
free_viommu:
    accel_destroy(s, VSMMU_TRACE_OBJ_VIOMMU, a->viommu_id, "the vIOMMU");
    return rc;
}

/* ---- public API ---------------------------------------------------------- */

int vsmmu_accel_init(struct vsmmu *s)
{
    s->accel = calloc(1, sizeof(*s->accel));
    if (!s->accel)
        return -ENOMEM;
    s->accel->veventq_fd = -1;
    return 0;
}

static int detach_locked(struct vsmmu *s, uint32_t vsid, bool force);

void vsmmu_accel_fini(struct vsmmu *s)
{
    struct vsmmu_accel *a = s->accel;

    if (!a)
        return;
    vsmmu_lock_plain(s);    /* vsmmu_destroy() refused a callback */
    while (a->ndevs)
        detach_locked(s, a->devs[a->ndevs - 1].vsid, true);
    if (a->t)
        accel_orphans_retry(s);
    if (a->norphans)
        vsmmu_log(s, VSMMU_LOG_ERROR, "accel: %u host objects could not be destroyed",
                  a->norphans);
    accel_state_forget(a);
    vsmmu_unlock(s);
    free(a->devs);
    free(a->orphans);
    free(a);
    s->accel = NULL;
}

int vsmmu_accel_set_iommufd(vsmmu_t *s, vsmmu_iommufd_t *t)
{
    int rc = 0;

    if (!s || !t)
        return -EINVAL;
    if (vsmmu_lock(s))
        return -EDEADLK;
    if (!s->cfg.accel) {
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: set_iommufd: the instance was not created in accel mode");
        rc = -EINVAL;
    } else if (s->accel->ndevs && s->accel->t != t) {
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: set_iommufd: passthrough devices are attached through another "
                  "iommufd");
        rc = -EBUSY;
    } else {
        s->accel->t = t;
    }
    vsmmu_unlock(s);
    return rc;
}

/* Attach a new device where the guest's configuration puts it: with
 * SMMUEN=1 its STE (abort without a usable one), with SMMUEN=0 the GBPA
 * proxy.  0, or -errno when the kernel refused an attach or the vSTE (then
 * the device is still on its S2 HWPT and has no nested HWPT). */
static int attach_install(struct vsmmu *s, struct accel_dev *d)
{
    int r;

    s->accel->last_fail = 0;
    r = accel_install_ste(s, d, true);
    if (d->cur_pt != d->s2_hwpt)
        return 0;
    if (r == CERROR_ILL)    /* a failed attach or a refused vSTE: reported */
        return s->accel->last_fail ? s->accel->last_fail : -EIO;
    /* a vSTE vsmmu does not forward (EATS): abort, as at SMMUEN 0->1 */
    return accel_dev_move(s, d, s->accel->abort_hwpt, "attach");
}

static int attach_locked(struct vsmmu *s, uint32_t vsid,
                         const struct vsmmu_iommufd_dev *dev, uint32_t s2_hwpt)
{
    struct vsmmu_accel *a = s->accel;
    struct accel_dev d = { .vsid = vsid, .dev = *dev, .s2_hwpt = s2_hwpt, .cur_pt = s2_hwpt };
    bool created = false;
    int rc;

    if (!s->cfg.accel) {
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: attach of vSID 0x%x refused: the instance is not in accel mode",
                  vsid);
        return -EINVAL;
    }
    if (!a->t) {
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: attach of vSID 0x%x refused: no iommufd (call "
                  "vsmmu_accel_set_iommufd first)", vsid);
        return -EINVAL;
    }
    if (s->cfg.sidsize < 32 && (vsid >> s->cfg.sidsize) != 0) {
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: attach of vSID 0x%x refused: beyond SIDSIZE (%u bits)",
                  vsid, s->cfg.sidsize);
        return -EINVAL;
    }
    if (accel_find(a, vsid)) {
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: attach of vSID 0x%x refused: a device is already attached "
                  "with that vSID", vsid);
        return -EEXIST;
    }
    for (unsigned i = 0; i < a->ndevs; i++) {
        if (a->devs[i].dev.dev_id == dev->dev_id) {
            vsmmu_log(s, VSMMU_LOG_ERROR,
                      "accel: attach of vSID 0x%x refused: dev_id %u is already attached "
                      "as vSID 0x%x", vsid, dev->dev_id, a->devs[i].vsid);
            return -EEXIST;
        }
    }
    if (a->ndevs == a->cap) {
        unsigned cap = a->cap ? 2 * a->cap : 4;
        struct accel_dev *n = realloc(a->devs, cap * sizeof(*n));
        if (!n) {
            vsmmu_log(s, VSMMU_LOG_ERROR, "accel: attach of vSID 0x%x: out of memory",
                      vsid);
            return -ENOMEM;
        }
        a->devs = n;
        a->cap = cap;
    }

    rc = check_host(s, vsid, dev->dev_id);
    if (rc)
        return rc;
    if (!a->has_viommu) {
        rc = viommu_create(s, dev, s2_hwpt);
        if (rc)
            return rc;
        created = true;
    }
    rc = vsmmu_iommufd_vdevice_alloc(a->t, a->viommu_id, dev->dev_id, vsid, &d.vdev_id);
    if (rc) {
        accel_fail(s, rc, "IOMMU_VDEVICE_ALLOC for vSID 0x%x (dev_id %u)%s", vsid,
                   dev->dev_id, !created && rc == -EINVAL ?
                   " (a device behind another host SMMU than the vIOMMU's needs its own "
                   "vSMMU instance)" : "");
        goto fail;
    }
    d.has_vdev = true;
    vsmmu_tr(s, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_VDEVICE, d.vdev_id);
    /* From now on the device follows the guest's configuration (its STE, or
     * GBPA while SMMUEN=0), never its S2 HWPT alone: the guest did not allow
     * stage-2-only DMA for a device it has not configured yet. */
    rc = accel_state_pending(a, vsid)
             /* a loaded state decides (accel_state_reattach below); until
              * then the device does no DMA */
             ? accel_dev_move(s, &d, a->abort_hwpt, "attach (state load)")
             : attach_install(s, &d);
    if (rc) {
        accel_destroy(s, VSMMU_TRACE_OBJ_VDEVICE, d.vdev_id, "a vDEVICE");
        goto fail;
    }
    a->devs[a->ndevs++] = d;
    vsmmu_trace(s, "accel: vSID 0x%x attached (dev_id %u)", vsid, dev->dev_id);
    /* after a state load: back to what it was attached to on the source */
    rc = accel_state_reattach(s, &a->devs[a->ndevs - 1]);
    if (rc)
        detach_locked(s, vsid, true);
    return rc;

fail:
    if (created)
        viommu_teardown(s);
    return rc;
}

int vsmmu_accel_attach(vsmmu_t *s, uint32_t vsid, const struct vsmmu_iommufd_dev *dev,
                       uint32_t s2_hwpt_id)
{
    struct vsmmu_iommufd_dev d;
    int rc;

    if (!s)
        return -EINVAL;
    rc = vsmmu_iommufd_dev_in(&d, dev);
    if (rc)
        return rc;
    if (vsmmu_lock(s))
        return -EDEADLK;
    rc = attach_locked(s, vsid, &d, s2_hwpt_id);
    vsmmu_unlock(s);
    return rc;
}

/* @force (teardown at destroy): carry on even if the device cannot be moved
 * back to its S2 HWPT. */
static int detach_locked(struct vsmmu *s, uint32_t vsid, bool force)
{
    struct vsmmu_accel *a = s->accel;
    struct accel_dev *d = accel_find(a, vsid);
    int rc;

    if (!d) {
        vsmmu_log(s, VSMMU_LOG_ERROR, "accel: detach of vSID 0x%x: no such device", vsid);
        return -ENOENT;
    }
    if (d->cur_pt != d->s2_hwpt) {
        rc = vsmmu_iommufd_attach(a->t, &d->dev, d->s2_hwpt);
        if (rc) {
            accel_fail(s, rc, "detach of vSID 0x%x: re-attach to its S2 HWPT %u", vsid,
                       d->s2_hwpt);
            if (!force)
                return rc;
        }
        d->cur_pt = d->s2_hwpt;
        vsmmu_tr(s, VSMMU_TRACE_ACCEL_ATTACH, vsid, d->s2_hwpt);
    }
    if (d->has_s1)
        accel_destroy(s, VSMMU_TRACE_OBJ_HWPT, d->s1_hwpt, "a nested HWPT");
    if (d->has_vdev)
        accel_destroy(s, VSMMU_TRACE_OBJ_VDEVICE, d->vdev_id, "a vDEVICE");
    *d = a->devs[--a->ndevs];
    if (a->ndevs == 0 && a->has_viommu)
        viommu_teardown(s);
    vsmmu_trace(s, "accel: vSID 0x%x detached", vsid);
    return 0;
}

int vsmmu_accel_detach(vsmmu_t *s, uint32_t vsid)
{
    int rc;

    if (!s)
        return -EINVAL;
    if (vsmmu_lock(s))
        return -EDEADLK;
    rc = detach_locked(s, vsid, false);
    vsmmu_unlock(s);
    return rc;
}

int vsmmu_accel_get_objects(vsmmu_t *s, struct vsmmu_accel_objects *out)
{
    struct vsmmu_accel_objects objs = { .struct_size = sizeof(objs) }, *o = &objs;
    struct vsmmu_accel *a;

    if (!s || !out)
        return -EINVAL;
    a = s->accel;
    if (vsmmu_lock(s))
        return -EDEADLK;
    if (a->has_viommu) {
        o->viommu = 1;
        o->hwpt = 2;
    }
    for (unsigned i = 0; i < a->ndevs; i++) {
        o->hwpt += a->devs[i].has_s1;
        o->vdevice += a->devs[i].has_vdev;
    }
    if (a->has_veventq) {
        o->veventq = 1;
        o->veventq_depth = a->veventq_depth;
    }
    vsmmu_unlock(s);
    return vsmmu_abi_copy_out(out, o, sizeof(*o));
}
