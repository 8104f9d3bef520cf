// SPDX-License-Identifier: MIT
/*
 * The simulated iommufd kernel: the object table (u32 ids, lowest free id
 * first, as the kernel's xarray allocates them), the type checks and errno
 * of each operation, device attachment and IOMMU_DESTROY.  The transport
 * wrapping (locking, call counts, fault injection) is sim_transport.c.
 *
 * The rules are those of Linux 7.3 (its iommufd core, SMMUv3 driver and
 * selftest mock driver), where kernel versions differ:
 *  - Attaching to a nested HWPT of an SMMUv3 vIOMMU without a vDEVICE:
 *    abort and bypass vSTEs may attach (what the GBPA proxies need), an S1
 *    vSTE gives ENOENT.  vsmmu_simx_set_attach_v615() selects Linux 6.15's
 *    rule instead (every such attach gives ENOENT).  The selftest mock
 *    driver always needs the vDEVICE (ENOENT).
 *  - The vSID events are reported with is recorded by the driver when the
 *    device attaches to a nested HWPT while it has a vDEVICE in that
 *    vIOMMU; it stays (even if the vDEVICE is destroyed) until the next
 *    attach.  The SMMUv3 driver records it at every attach (none without a
 *    vDEVICE); the mock driver only when the attach changes the vIOMMU.
 *  - A device's second vDEVICE is EEXIST; unbinding a mock device
 *    (destroying its selftest object) destroys its vDEVICE and leaves the
 *    id as a tombstone until the iommufd is closed.
 *  - Driver data (HWPT_ALLOC) shorter than the driver's minimum or longer
 *    than its struct is EINVAL; invalidation arrays copied whole take a
 *    shorter entry zero-extended and a longer one with a zero tail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch_fields.h"
#include "sim/sim.h"

#define HWPT_FLAG_NEST_PARENT    (1u << 0)
#define HWPT_FLAG_DIRTY_TRACKING (1u << 1)
#define HWPT_FLAG_FAULT_ID_VALID (1u << 2)
#define HWPT_FLAG_ALLOC_PASID    (1u << 3)
#define HW_CAP_DIRTY_TRACKING    (1ull << 0)
#define HW_CAP_PCI_ATS_NOT_SUPPORTED (1ull << 3)
#define INVALIDATE_ENTRY_NUM_MAX (1u << 19)
#define INVALIDATE_ENTRY_LEN_MAX 4096u   /* the host's page size */
#define SELFTEST_HW_INFO_REGVAL  0xdeadbeefu   /* iommu_test_hw_info.test_reg */
#define IDR0_HTTU_HA_HD          2u

/* ---- object table ----------------------------------------------------- */
struct sim_obj *sim_get_any(struct vsmmu_sim *sim, uint32_t id)
{
    if (id == 0 || id >= sim->cap || !sim->objs[id] || sim->objs[id]->kind == SIM_TOMBSTONE)
        return NULL;
    return sim->objs[id];
}

struct sim_obj *sim_get(struct vsmmu_sim *sim, uint32_t id, enum sim_kind kind)
{
    struct sim_obj *o = sim_get_any(sim, id);
    return o && o->kind == kind ? o : NULL;
}

struct sim_obj *sim_new(struct vsmmu_sim *sim, enum sim_kind kind)
{
    uint32_t id;
    for (id = 1; id < sim->cap && sim->objs[id]; id++)
        ;
    if (id >= sim->cap) {
        uint32_t ncap = sim->cap ? sim->cap * 2 : 64;
        struct sim_obj **n = realloc(sim->objs, ncap * sizeof(*n));
        if (!n)
            return NULL;
        memset(n + sim->cap, 0, (ncap - sim->cap) * sizeof(*n));
        sim->objs = n;
        sim->cap = ncap;
    }
    struct sim_obj *o = calloc(1, sizeof(*o));
    if (!o)
        return NULL;
    o->kind = kind;
    o->id = id;
    o->rfd = o->wfd = -1;
    sim->objs[id] = o;
    return o;
}

void sim_free(struct vsmmu_sim *sim, struct sim_obj *o)
{
    sim->objs[o->id] = NULL;
    free(o);
}

struct sim_obj *sim_dev_vdevice(struct vsmmu_sim *sim, const struct sim_obj *dev,
                                uint32_t viommu_id)
{
    struct sim_obj *vd = sim_get(sim, dev->vdev, SIM_VDEVICE);
    return vd && vd->viommu == viommu_id ? vd : NULL;
}

struct sim_obj *sim_dev_vmaster(struct vsmmu_sim *sim, const struct sim_obj *dev)
{
    return dev->vmaster ? sim_get(sim, dev->vmaster, SIM_VIOMMU) : NULL;
}

/* ---- IOMMU instances and devices ------------------------------------ */
void sim_default_idr(uint32_t idr[6])
{
    memset(idr, 0, 6 * sizeof(idr[0]));
    uint64_t v = 0;
    v = fld_set(v, IDR0_S2P, 1);
    v = fld_set(v, IDR0_S1P, 1);
    v = fld_set(v, IDR0_TTF, IDR0_TTF_AARCH64);
    v = fld_set(v, IDR0_COHACC, 1);
    v = fld_set(v, IDR0_ASID16, 1);
    v = fld_set(v, IDR0_MSI, 1);
    v = fld_set(v, IDR0_VMID16, 1);
    v = fld_set(v, IDR0_CD2L, 1);
    v = fld_set(v, IDR0_TTENDIAN, IDR0_TTENDIAN_LE);
    v = fld_set(v, IDR0_ST_LEVEL, 1);
    idr[0] = (uint32_t)v;
    v = 0;
    v = fld_set(v, IDR1_SIDSIZE, 16);
    v = fld_set(v, IDR1_SSIDSIZE, 20);
    v = fld_set(v, IDR1_EVENTQS, 19);
    v = fld_set(v, IDR1_CMDQS, 19);
    idr[1] = (uint32_t)v;
    idr[3] = (uint32_t)(fld_set(0, IDR3_RIL, 1) | fld_set(0, IDR3_FWB, 1));
    v = 0;
    v = fld_set(v, IDR5_OAS, 5);   /* 48 bits */
    v = fld_set(v, IDR5_GRAN4K, 1);
    v = fld_set(v, IDR5_GRAN16K, 1);
    v = fld_set(v, IDR5_GRAN64K, 1);
    idr[5] = (uint32_t)v;
}

/* The SMMUv3 instance with these ID registers (created on first use). */
int sim_smmu_instance(struct vsmmu_sim *sim, const uint32_t idr[6], unsigned *out)
{
    for (unsigned i = 0; i < sim->n_iommus; i++) {
        if (sim->iommus[i].smmuv3 && !memcmp(sim->iommus[i].idr, idr, 6 * sizeof(idr[0]))) {
            *out = i;
            return 0;
        }
    }
    struct sim_iommu *n = realloc(sim->iommus, (sim->n_iommus + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    sim->iommus = n;
    memset(&n[sim->n_iommus], 0, sizeof(n[0]));
    n[sim->n_iommus].smmuv3 = true;
    memcpy(n[sim->n_iommus].idr, idr, 6 * sizeof(idr[0]));
    n[sim->n_iommus].aidr = (uint32_t)fld_set(0, AIDR_MINOR, 1);
    *out = sim->n_iommus++;
    return 0;
}

bool sim_is_smmuv3(const struct vsmmu_sim *sim, const struct sim_obj *o)
{
    return sim->iommus[o->iommu].smmuv3;
}

/* The SMMU driver's features, from the ID registers. */
static bool smmu_nesting(const struct sim_iommu *mmu)
{
    return fld_get(mmu->idr[0], IDR0_S1P) && fld_get(mmu->idr[0], IDR0_S2P);
}

/* The SMMUv3 vIOMMU also needs stage-2 forced write-back (Linux 7.3 offers
 * it otherwise only to CANWBS masters, an ACPI IORT flag the simulated
 * devices never have): make arm-check's x-fwb=off control on the real
 * driver gets EOPNOTSUPP from IOMMU_VIOMMU_ALLOC. */
static bool smmu_viommu_capable(const struct sim_iommu *mmu)
{
    return smmu_nesting(mmu) && fld_get(mmu->idr[3], IDR3_FWB);
}

static bool smmu_dirty_capable(const struct sim_iommu *mmu)
{
    return fld_get(mmu->idr[0], IDR0_HTTU) == IDR0_HTTU_HA_HD &&
           fld_get(mmu->idr[0], IDR0_COHACC);
}

/* ---- attach ----------------------------------------------------------- */
/* Attach (or replace) @dev to @pt_id; @out_hwpt gets the HWPT used. */
int sim_attach_dev(struct vsmmu_sim *sim, struct sim_obj *dev, uint32_t pt_id,
                   uint32_t *out_hwpt)
{
    struct sim_obj *pt = sim_get_any(sim, pt_id);
    struct sim_obj *target = NULL, *vdev = NULL;
    if (!pt)
        return -ENOENT;
    switch (pt->kind) {
    case SIM_IOAS:
        /* reuse an automatic domain of this IOAS on the same IOMMU */
        for (uint32_t i = 1; i < sim->cap; i++) {
            struct sim_obj *h = sim_get(sim, i, SIM_HWPT_PAGING);
            if (h && h->auto_domain && h->ioas == pt_id && h->iommu == dev->iommu) {
                target = h;
                break;
            }
        }
        break;
    case SIM_HWPT_PAGING:
        if (pt->iommu != dev->iommu)
            return -EINVAL;
        target = pt;
        break;
    case SIM_HWPT_NESTED:
        if (pt->iommu != dev->iommu)
            return -EINVAL;
        if (pt->viommu) {
            vdev = sim_dev_vdevice(sim, dev, pt->viommu);
            if (!vdev && (!sim_is_smmuv3(sim, dev) || sim->attach_v615 ||
                          !sim_smmuv3_vste_proxy(pt->vste)))
                return -ENOENT;
        }
        target = pt;
        break;
    default:
        return -EINVAL;
    }
    if (target && target->id == dev->hwpt) {
        if (out_hwpt)
            *out_hwpt = target->id;
        return 0;
    }
    if (!target) {
        target = sim_new(sim, SIM_HWPT_PAGING);
        if (!target)
            return -ENOMEM;
        target->ioas = pt_id;
        target->auto_domain = true;
        target->iommu = dev->iommu;
    }
    struct sim_obj *old = sim_get_any(sim, dev->hwpt);
    dev->hwpt = target->id;
    target->users++;
    /* the driver records the vIOMMU and vSID that events are reported with:
     * SMMUv3 at every attach (none without a vDEVICE), the mock driver
     * only when the vIOMMU changes */
    uint32_t new_v = target->kind == SIM_HWPT_NESTED ? target->viommu : 0;
    if (sim_is_smmuv3(sim, dev)) {
        dev->vmaster = vdev ? new_v : 0;
        dev->vsid = vdev ? vdev->virt_id : 0;
    } else if (new_v != dev->vmaster) {
        dev->vmaster = new_v;
        dev->vsid = vdev ? vdev->virt_id : 0;
    }
    if (old) {
        old->users--;
        if (old->auto_domain && !old->users)
            sim_free(sim, old);
    }
    if (out_hwpt)
        *out_hwpt = target->id;
    return 0;
}

static void sim_detach_dev(struct vsmmu_sim *sim, struct sim_obj *dev)
{
    struct sim_obj *old = sim_get_any(sim, dev->hwpt);
    dev->hwpt = 0;
    dev->vmaster = 0;
    if (old) {
        old->users--;
        if (old->auto_domain && !old->users)
            sim_free(sim, old);
    }
}

int sim_resolve_dev(struct vsmmu_sim *sim, const struct vsmmu_iommufd_dev *d,
                    struct sim_obj **out)
{
    if (!d)
        return -EINVAL;
    uint32_t id = d->dev_id;
    if (d->stdev_id) {
        struct sim_obj *s = sim_get(sim, d->stdev_id, SIM_SELFTEST);
        if (!s)
            return -ENOENT;
        id = s->dev;
    }
    *out = sim_get(sim, id, SIM_DEVICE);
    return *out ? 0 : -ENOENT;
}

/* ---- operations (lock held) ---------------------------------------- */
static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int sim_do_get_hw_info(struct vsmmu_sim *sim, uint32_t dev_id, void *data,
                       uint32_t *data_len, uint32_t *out_type, uint64_t *out_caps)
{
    struct sim_obj *dev = sim_get(sim, dev_id, SIM_DEVICE);
    uint8_t info[40];
    uint32_t klen, type;
    uint64_t caps = 0;
    if (!dev)
        return -ENOENT;
    memset(info, 0, sizeof(info));
    if (sim_is_smmuv3(sim, dev)) {
        const struct sim_iommu *mmu = &sim->iommus[dev->iommu];
        for (int i = 0; i < 6; i++)
            put_le32(info + 8 + 4 * i, mmu->idr[i]);
        put_le32(info + 32, mmu->iidr);
        put_le32(info + 36, mmu->aidr);
        klen = 40;
        type = VSMMU_HW_INFO_TYPE_ARM_SMMUV3;
        if (smmu_dirty_capable(mmu))
            caps |= HW_CAP_DIRTY_TRACKING;
        if (!fld_get(mmu->idr[0], IDR0_ATS))
            caps |= HW_CAP_PCI_ATS_NOT_SUPPORTED;
    } else {
        put_le32(info + 4, SELFTEST_HW_INFO_REGVAL);
        klen = 8;
        type = VSMMU_HW_INFO_TYPE_SELFTEST;
        caps |= HW_CAP_DIRTY_TRACKING | HW_CAP_PCI_ATS_NOT_SUPPORTED;
    }
    uint32_t ulen = data_len ? *data_len : 0;
    if (ulen && !data)
        return -EFAULT;
    if (ulen) {
        uint32_t n = ulen < klen ? ulen : klen;
        memcpy(data, info, n);
        memset((uint8_t *)data + n, 0, ulen - n);
    }
    if (data_len)
        *data_len = klen;
    if (out_type)
        *out_type = type;
    if (out_caps)
        *out_caps = caps;
    return 0;
}

int sim_do_ioas_alloc(struct vsmmu_sim *sim, uint32_t *out)
{
    struct sim_obj *o = sim_new(sim, SIM_IOAS);
    if (!o)
        return -ENOMEM;
    if (out)
        *out = o->id;
    return 0;
}

struct sim_obj *sim_new_paging(struct vsmmu_sim *sim, const struct sim_obj *dev,
                               uint32_t ioas, bool nest_parent)
{
    struct sim_obj *h = sim_new(sim, SIM_HWPT_PAGING);
    if (!h)
        return NULL;
    h->ioas = ioas;
    h->iommu = dev->iommu;
    h->nest_parent = nest_parent;
    if (nest_parent && sim_is_smmuv3(sim, dev))
        h->vmid = sim->next_vmid++;
    return h;
}

static uint64_t rd_le32(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

/* The selftest driver's HWPT data {u32 iotlb, u32 pagetable_type}: type
 * 0xdead, 4 to 8 bytes; a paging HWPT knows page-table types 0 and 1. */
#define MOCK_PAGETABLE_TYPES 2u

static int mock_hwpt_data(uint32_t data_type, const void *data, uint32_t data_len,
                          bool paging, uint64_t vste[2])
{
    uint8_t raw[8];
    if (data_type != VSMMU_HWPT_DATA_SELFTEST)
        return -EOPNOTSUPP;
    int rc = sim_copy_struct(raw, sizeof(raw), 4, data, data_len);
    if (rc)
        return rc;
    if (paging && rd_le32(raw + 4) >= MOCK_PAGETABLE_TYPES)
        return -EOPNOTSUPP;
    vste[0] = rd_le32(raw);
    vste[1] = rd_le32(raw + 4);
    return 0;
}

/* The SMMUv3 driver's nested-domain data: a 16-byte vSTE, checked. */
static int smmu_hwpt_data(uint32_t flags, uint32_t data_type, const void *data,
                          uint32_t data_len, uint64_t vste[2])
{
    uint8_t raw[16];
    if (flags)
        return -EOPNOTSUPP;
    if (data_type != VSMMU_HWPT_DATA_ARM_SMMUV3)
        return -EINVAL;
    int rc = sim_copy_struct(raw, sizeof(raw), sizeof(raw), data, data_len);
    if (rc)
        return rc;
    return sim_smmuv3_vste(raw, vste);
}

/* A paging HWPT on an IOAS (core checks, then the driver's). */
static int paging_alloc(struct vsmmu_sim *sim, const struct sim_obj *dev, uint32_t ioas,
                        uint32_t flags, uint32_t data_type, const void *data,
                        uint32_t data_len, struct sim_obj **out)
{
    const uint32_t valid = HWPT_FLAG_NEST_PARENT | HWPT_FLAG_DIRTY_TRACKING |
                           HWPT_FLAG_FAULT_ID_VALID | HWPT_FLAG_ALLOC_PASID;
    const struct sim_iommu *mmu = &sim->iommus[dev->iommu];
    uint32_t dflags = flags & ~HWPT_FLAG_FAULT_ID_VALID;
    uint64_t iotlb[2];

    if (flags & ~valid)
        return -EOPNOTSUPP;
    if ((flags & HWPT_FLAG_DIRTY_TRACKING) && mmu->smmuv3 && !smmu_dirty_capable(mmu))
        return -EOPNOTSUPP;
    if ((flags & HWPT_FLAG_FAULT_ID_VALID) && (flags & HWPT_FLAG_NEST_PARENT))
        return -EOPNOTSUPP;
    if (mmu->smmuv3) {
        if (data_len)
            return -EOPNOTSUPP;
        bool s1 = fld_get(mmu->idr[0], IDR0_S1P);
        switch (dflags) {
        case 0:
            break;
        case HWPT_FLAG_NEST_PARENT:
            if (!smmu_nesting(mmu))
                return -EOPNOTSUPP;
            break;
        case HWPT_FLAG_DIRTY_TRACKING:
        case HWPT_FLAG_DIRTY_TRACKING | HWPT_FLAG_ALLOC_PASID:
        case HWPT_FLAG_ALLOC_PASID:
            if (!s1)
                return -EOPNOTSUPP;
            break;
        default:
            return -EOPNOTSUPP;
        }
    } else if (data_len) {
        int rc = mock_hwpt_data(data_type, data, data_len, true, iotlb);
        if (rc)
            return rc;
    }
    if (flags & HWPT_FLAG_FAULT_ID_VALID)
        return -ENOENT;   /* the API passes no fault object (id 0) */
    *out = sim_new_paging(sim, dev, ioas, flags & HWPT_FLAG_NEST_PARENT);
    return *out ? 0 : -ENOMEM;
}

int sim_do_hwpt_alloc(struct vsmmu_sim *sim, uint32_t dev_id, uint32_t pt_id,
                      uint32_t flags, uint32_t data_type, const void *data,
                      uint32_t data_len, uint32_t *out)
{
    const uint32_t nested_flags = HWPT_FLAG_FAULT_ID_VALID | HWPT_FLAG_ALLOC_PASID;
    struct sim_obj *dev, *pt, *h = NULL;
    uint64_t vste[2] = { 0, 0 };
    int rc;

    if ((data_type == 0 && data_len) || (data_type != 0 && !data_len))
        return -EINVAL;
    dev = sim_get(sim, dev_id, SIM_DEVICE);
    if (!dev)
        return -ENOENT;
    /* the kernel reports a failed pt_id lookup as EINVAL here */
    pt = sim_get_any(sim, pt_id);
    if (!pt)
        return -EINVAL;
    switch (pt->kind) {
    case SIM_IOAS:
        rc = paging_alloc(sim, dev, pt_id, flags, data_type, data, data_len, &h);
        if (rc)
            return rc;
        break;
    case SIM_HWPT_PAGING:
    case SIM_VIOMMU:
        if (pt->kind == SIM_HWPT_PAGING) {
            /* nesting directly on a parent: only the selftest driver has it */
            if ((flags & ~nested_flags) || !data_len || sim_is_smmuv3(sim, dev))
                return -EOPNOTSUPP;
            if (pt->auto_domain || !pt->nest_parent || pt->iommu != dev->iommu)
                return -EINVAL;
        } else {
            if (pt->iommu != dev->iommu)
                return -EINVAL;
            if ((flags & ~nested_flags) || !data_len)
                return -EOPNOTSUPP;
        }
        if (sim_is_smmuv3(sim, dev))
            rc = smmu_hwpt_data(flags & ~HWPT_FLAG_FAULT_ID_VALID, data_type, data,
                                data_len, vste);
        else
            rc = mock_hwpt_data(data_type, data, data_len, false, vste);
        if (rc)
            return rc;
        if (flags & HWPT_FLAG_FAULT_ID_VALID)
            return -ENOENT;   /* the API passes no fault object (id 0) */
        h = sim_new(sim, SIM_HWPT_NESTED);
        if (!h)
            return -ENOMEM;
        if (pt->kind == SIM_VIOMMU)
            h->viommu = pt_id;
        else
            h->parent = pt_id;
        h->iommu = dev->iommu;
        memcpy(h->vste, vste, sizeof(vste));
        break;
    default:
        return -EINVAL;
    }
    if (out)
        *out = h->id;
    return 0;
}

int sim_do_viommu_alloc(struct vsmmu_sim *sim, uint32_t type, uint32_t dev_id,
                        uint32_t hwpt_id, uint32_t *out)
{
    if (type == 0)
        return -EOPNOTSUPP;
    struct sim_obj *dev = sim_get(sim, dev_id, SIM_DEVICE);
    if (!dev)
        return -ENOENT;
    const struct sim_iommu *mmu = &sim->iommus[dev->iommu];
    uint32_t supported = mmu->smmuv3 ? VSMMU_VIOMMU_TYPE_ARM_SMMUV3
                                     : VSMMU_VIOMMU_TYPE_SELFTEST;
    /* an SMMU without nesting (S1 and S2) or without S2FWB offers no vIOMMU */
    if (type != supported || (mmu->smmuv3 && !smmu_viommu_capable(mmu)))
        return -EOPNOTSUPP;
    struct sim_obj *hw = sim_get(sim, hwpt_id, SIM_HWPT_PAGING);
    if (!hw)
        return -ENOENT;
    if (!hw->nest_parent || hw->iommu != dev->iommu)
        return -EINVAL;
    struct sim_obj *v = sim_new(sim, SIM_VIOMMU);
    if (!v)
        return -ENOMEM;
    v->type = type;
    v->iommu = dev->iommu;
    v->parent = hwpt_id;
    if (out)
        *out = v->id;
    return 0;
}

int sim_do_vdevice_alloc(struct vsmmu_sim *sim, uint32_t viommu_id, uint32_t dev_id,
                         uint64_t virt_id, uint32_t *out)
{
    if ((unsigned long)virt_id != virt_id)
        return -EINVAL;
    struct sim_obj *v = sim_get(sim, viommu_id, SIM_VIOMMU);
    if (!v)
        return -ENOENT;
    struct sim_obj *dev = sim_get(sim, dev_id, SIM_DEVICE);
    if (!dev)
        return -ENOENT;
    if (v->iommu != dev->iommu)
        return -EINVAL;
    if (sim_get(sim, dev->vdev, SIM_VDEVICE))
        return -EEXIST;
    for (uint32_t i = 1; i < sim->cap; i++) {
        struct sim_obj *vd = sim_get(sim, i, SIM_VDEVICE);
        if (vd && vd->viommu == viommu_id && vd->virt_id == virt_id)
            return -EEXIST;
    }
    struct sim_obj *vd = sim_new(sim, SIM_VDEVICE);
    if (!vd)
        return -ENOMEM;
    vd->viommu = viommu_id;
    vd->virt_id = virt_id;
    vd->dev = dev_id;
    vd->iommu = dev->iommu;
    dev->vdev = vd->id;
    if (out)
        *out = vd->id;
    return 0;
}

/* Does any live object hold a reference on @o? */
static bool sim_busy(struct vsmmu_sim *sim, const struct sim_obj *o)
{
    if (o->kind == SIM_VEVENTQ)
        return o->rfd >= 0;
    if (o->kind == SIM_DEVICE)
        return true;    /* owned by its binding (VFIO or the selftest object) */
    for (uint32_t i = 1; i < sim->cap; i++) {
        const struct sim_obj *x = sim_get_any(sim, i);
        if (!x)
            continue;
        switch (o->kind) {
        case SIM_IOAS:
            if (x->kind == SIM_HWPT_PAGING && x->ioas == o->id)
                return true;
            break;
        case SIM_HWPT_PAGING:
        case SIM_HWPT_NESTED:
            if ((x->kind == SIM_DEVICE && x->hwpt == o->id) ||
                (x->kind == SIM_VIOMMU && x->parent == o->id) ||
                (x->kind == SIM_HWPT_NESTED && x->parent == o->id))
                return true;
            break;
        case SIM_VIOMMU:
            if ((x->kind == SIM_HWPT_NESTED || x->kind == SIM_VDEVICE ||
                 x->kind == SIM_VEVENTQ) && x->viommu == o->id)
                return true;
            break;
        default:
            break;
        }
    }
    return false;
}

/* A vDEVICE goes away.  What a driver recorded at attach time (the vSID
 * events are reported with) stays until the device's next attach. */
static void sim_vdevice_gone(struct vsmmu_sim *sim, struct sim_obj *vd)
{
    struct sim_obj *dev = sim_get(sim, vd->dev, SIM_DEVICE);
    if (dev && dev->vdev == vd->id)
        dev->vdev = 0;
}

int sim_do_destroy(struct vsmmu_sim *sim, uint32_t id)
{
    struct sim_obj *o = sim_get_any(sim, id);
    if (!o)
        return -ENOENT;
    if (sim_busy(sim, o))
        return -EBUSY;
    switch (o->kind) {
    case SIM_VDEVICE:
        sim_vdevice_gone(sim, o);
        break;
    case SIM_VEVENTQ:
        sim_veventq_release(o);
        break;
    case SIM_SELFTEST: {
        /* unbind the mock device: detach it, its vDEVICE becomes a tombstone */
        struct sim_obj *dev = sim_get(sim, o->dev, SIM_DEVICE);
        if (dev) {
            struct sim_obj *vd = sim_get(sim, dev->vdev, SIM_VDEVICE);
            if (vd) {
                uint32_t vid = vd->id;
                sim_vdevice_gone(sim, vd);
                memset(vd, 0, sizeof(*vd));
                vd->kind = SIM_TOMBSTONE;
                vd->id = vid;
                vd->rfd = vd->wfd = -1;
            }
            sim_detach_dev(sim, dev);
            sim_free(sim, dev);
        }
        break;
    }
    default:
        break;
    }
    sim_free(sim, o);
    return 0;
}

int sim_do_mock_device(struct vsmmu_sim *sim, uint32_t pt_id,
                       struct vsmmu_iommufd_dev *out_dev, uint32_t *out_hwpt)
{
    struct sim_obj *s = sim_new(sim, SIM_SELFTEST);
    if (!s)
        return -ENOMEM;
    struct sim_obj *dev = sim_new(sim, SIM_DEVICE);
    if (!dev) {
        sim_free(sim, s);
        return -ENOMEM;
    }
    dev->iommu = SIM_MOCK_IOMMU;
    dev->stdev = s->id;
    s->dev = dev->id;
    uint32_t hwpt = 0;
    int rc = sim_attach_dev(sim, dev, pt_id, &hwpt);
    if (rc) {
        sim_free(sim, dev);
        sim_free(sim, s);
        return rc;
    }
    if (out_dev) {
        out_dev->dev_id = dev->id;
        out_dev->vfio_fd = -1;
        out_dev->stdev_id = s->id;
    }
    if (out_hwpt)
        *out_hwpt = hwpt;
    return 0;
}

int sim_do_mock_trigger(struct vsmmu_sim *sim, uint32_t dev_id)
{
    struct sim_obj *dev = sim_get(sim, dev_id, SIM_DEVICE);
    if (!dev)
        return -ENOENT;
    if (sim_is_smmuv3(sim, dev))
        return -EINVAL;     /* not a mock device */
    struct sim_obj *v = sim_dev_vmaster(sim, dev);
    if (!v || !dev->vsid)
        return -ENOENT;
    uint8_t payload[4];
    put_le32(payload, (uint32_t)dev->vsid);
    int rc = sim_report_event(sim, v, VSMMU_VEVENTQ_TYPE_SELFTEST, payload, sizeof(payload));
    return rc;
}

int sim_do_invalidate(struct vsmmu_sim *sim, uint32_t id, uint32_t data_type,
                      const void *entries, uint32_t entry_len, uint32_t *entry_num)
{
    uint32_t n = *entry_num;
    *entry_num = 0;
    if (n && (!entries || !entry_len || entry_len > INVALIDATE_ENTRY_LEN_MAX ||
              n > INVALIDATE_ENTRY_NUM_MAX))
        return -EINVAL;
    struct sim_obj *o = sim_get_any(sim, id);
    if (!o)
        return -ENOENT;
    *entry_num = n;
    if (o->kind == SIM_HWPT_NESTED) {
        if (sim_is_smmuv3(sim, o)) {
            *entry_num = 0;
            return -EOPNOTSUPP;   /* SMMUv3 nested domains invalidate via the vIOMMU */
        }
        return sim_mock_invalidate_hwpt(data_type, entries, entry_len, entry_num);
    }
    if (o->kind == SIM_VIOMMU) {
        if (sim_is_smmuv3(sim, o))
            return sim_smmuv3_invalidate(sim, o, data_type, entries, entry_len, entry_num);
        return sim_mock_invalidate_viommu(sim, o, data_type, entries, entry_len, entry_num);
    }
    *entry_num = 0;
    return -EINVAL;
}
