// SPDX-License-Identifier: MIT
/*
 * The simulated kernel's drivers: the SMMUv3 driver (vSTE checks for a
 * nested HWPT, invalidation through the vIOMMU with vSID translation and
 * VMID forcing, host event forwarding) and the selftest mock driver's
 * invalidation entries.
 */
#include <errno.h>
#include <string.h>

#include "arch/arch_fields.h"
#include "sim/sim.h"

/* The kernel issues a vIOMMU's commands in batches of this many (each
 * followed by its own CMD_SYNC). */
#define SIM_CMD_BATCH 63u

/* Mock driver limits and flags (iommufd_test.h). */
#define MOCK_INVALIDATE_FLAG_ALL   (1u << 0)
#define MOCK_DEV_CACHE_ID_MAX      3u
#define MOCK_NESTED_IOTLB_ID_MAX   3u

/* A field of STE word @w (absolute bit numbers) as a mask within its word. */
static uint64_t dw_mask(unsigned hi, unsigned lo)
{
    return fld_mask(hi % 64, lo % 64);
}

/* The vSTE bits the kernel lets the guest control in a nested STE: word 0
 * V, Config, S1Fmt, S1ContextPtr[51:6], S1CDMax; word 1 S1DSS, S1CIR,
 * S1COR, S1CSH, S1STALLD, EATS. */
static uint64_t vste_allowed0(void)
{
    return dw_mask(STE_V) | dw_mask(STE_CONFIG) | dw_mask(STE_S1FMT) |
           fld_mask(51, 6) | dw_mask(STE_S1CDMAX);
}

static uint64_t vste_allowed1(void)
{
    return dw_mask(STE_S1DSS) | dw_mask(STE_S1CIR) | dw_mask(STE_S1COR) |
           dw_mask(STE_S1CSH) | dw_mask(STE_S1STALLD) | dw_mask(STE_EATS);
}

int sim_smmuv3_vste(const uint8_t data[16], uint64_t ste[2])
{
    ste[0] = vsmmu_le64(data);
    ste[1] = vsmmu_le64(data + 8);
    if (!st_get(ste, STE_V)) {
        ste[0] = ste[1] = 0;
        return 0;
    }
    if ((ste[0] & ~vste_allowed0()) || (ste[1] & ~vste_allowed1()))
        return -EIO;
    uint64_t cfg = st_get(ste, STE_CONFIG);
    if (cfg != STE_CFG_ABORT && cfg != STE_CFG_BYPASS && cfg != STE_CFG_S1)
        return -EIO;
    uint64_t eats = st_get(ste, STE_EATS);
    st_set(ste, STE_EATS, 0);
    if (eats > 1)   /* only abort (0) and full ATS (1) */
        return -EIO;
    return 0;
}

bool sim_smmuv3_vste_proxy(const uint64_t ste[2])
{
    uint64_t cfg = st_get(ste, STE_CONFIG);
    return !st_get(ste, STE_V) || cfg == STE_CFG_ABORT || cfg == STE_CFG_BYPASS;
}

int sim_copy_struct(void *dst, size_t size, size_t min_len, const uint8_t *src,
                    uint32_t len)
{
    if (len < min_len || len > size)
        return -EINVAL;
    if (!src)
        return -EFAULT;
    memcpy(dst, src, len);
    memset((uint8_t *)dst + len, 0, size - len);
    return 0;
}

int sim_copy_entry(void *dst, size_t size, const uint8_t *entries, uint32_t entry_len,
                   uint32_t i)
{
    const uint8_t *src = entries + (size_t)i * entry_len;
    if (entry_len >= size) {
        memcpy(dst, src, size);
        for (size_t k = size; k < entry_len; k++)
            if (src[k])
                return -E2BIG;
    } else {
        memcpy(dst, src, entry_len);
        memset((uint8_t *)dst + entry_len, 0, size - entry_len);
    }
    return 0;
}

/* The device whose vDEVICE in @viommu has virt_id @vid, or NULL. */
static struct sim_obj *vdev_lookup(struct vsmmu_sim *sim, const struct sim_obj *viommu,
                                   uint64_t vid)
{
    for (uint32_t i = 1; i < sim->cap; i++) {
        struct sim_obj *vd = sim_get(sim, i, SIM_VDEVICE);
        if (vd && vd->viommu == viommu->id && vd->virt_id == vid)
            return sim_get(sim, vd->dev, SIM_DEVICE);
    }
    return NULL;
}

/* TLBI range fields: NUM, SCALE (bit 25 only with IDR5.DS), TTL, TG. */
#define CMD_SCALE_HOST 25, 20

static int check_range(const uint64_t cmd[2], bool ds)
{
    bool range = (cmd[0] & (dw_mask(CMD_NUM) | fld_mask(CMD_SCALE_HOST))) != 0;
    uint64_t ttl = st_get(cmd, CMD_TTL), tg = st_get(cmd, CMD_TG);
    if (!tg)
        return range || ttl ? -EIO : 0;   /* RES0 without a granule */
    if (tg == 2 && ttl == 1 && !ds)
        return -EIO;
    if (!range && !ttl)
        return -EIO;                       /* a reserved combination */
    return 0;
}

int sim_smmuv3_check_cmd(const struct sim_iommu *mmu, const uint64_t cmd[2])
{
    uint64_t allowed[2] = { dw_mask(CMD_OP), 0 };
    unsigned asid_bits = fld_get(mmu->idr[0], IDR0_ASID16) ? 16 : 8;
    uint64_t asid = fld_mask(48 + asid_bits - 1, 48);
    bool ds = fld_get(mmu->idr[5], IDR5_DS);
    bool ssids = fld_get(mmu->idr[1], IDR1_SSIDSIZE) != 0;

    switch (fld_get(cmd[0], CMD_OP)) {
    case OP_TLBI_NSNH_ALL:
        break;
    case OP_TLBI_NH_VA:
        allowed[0] |= asid;
        /* fall through */
    case OP_TLBI_NH_VAA:
        if (fld_get(mmu->idr[3], IDR3_RIL)) {
            if (check_range(cmd, ds))
                return -EIO;
            allowed[0] |= dw_mask(CMD_NUM) | fld_mask(CMD_SCALE_HOST);
            allowed[1] |= dw_mask(CMD_TG) | dw_mask(CMD_TTL);
            if (!ds)
                allowed[0] &= ~fld_mask(25, 25);
        }
        allowed[0] |= dw_mask(CMD_VMID);
        allowed[1] |= dw_mask(CMD_LEAF) | dw_mask(CMD_ADDR);
        break;
    case OP_TLBI_NH_ASID:
        allowed[0] |= asid;
        /* fall through */
    case OP_TLBI_NH_ALL:
        allowed[0] |= dw_mask(CMD_VMID);
        break;
    case OP_ATC_INV:
        if (!fld_get(mmu->idr[0], IDR0_ATS) || st_get(cmd, CMD_ATC_SIZE) > 52)
            return -EIO;
        if (ssids)
            allowed[0] |= dw_mask(CMD_SSV) | dw_mask(CMD_SSID) | dw_mask(CMD_GLOBAL);
        allowed[0] |= dw_mask(CMD_SID);
        allowed[1] |= dw_mask(CMD_ATC_SIZE) | dw_mask(CMD_ADDR);
        break;
    case OP_CFGI_CD:
        if (ssids)
            allowed[0] |= dw_mask(CMD_SSID);
        allowed[1] |= dw_mask(CMD_LEAF);
        /* fall through */
    case OP_CFGI_CD_ALL:
        allowed[0] |= dw_mask(CMD_SID);
        break;
    default:
        return -EIO;
    }
    return (cmd[0] & ~allowed[0]) || (cmd[1] & ~allowed[1]) ? -EIO : 0;
}

/* Check and rewrite one guest command as the kernel does, or -EIO. */
static int convert_cmd(struct vsmmu_sim *sim, const struct sim_obj *viommu, uint16_t vmid,
                       uint64_t cmd[2])
{
    struct sim_obj *dev;
    if (sim_smmuv3_check_cmd(&sim->iommus[viommu->iommu], cmd))
        return -EIO;
    switch (fld_get(cmd[0], CMD_OP)) {
    case OP_TLBI_NSNH_ALL:
        cmd[0] = fld_set(fld_set(0, CMD_OP, OP_TLBI_NH_ALL), CMD_VMID, vmid);
        cmd[1] = 0;
        return 0;
    case OP_TLBI_NH_ALL:
    case OP_TLBI_NH_ASID:
    case OP_TLBI_NH_VA:
    case OP_TLBI_NH_VAA:
        cmd[0] = fld_set(cmd[0], CMD_VMID, vmid);
        return 0;
    case OP_ATC_INV:
    case OP_CFGI_CD:
    case OP_CFGI_CD_ALL:
        dev = vdev_lookup(sim, viommu, fld_get(cmd[0], CMD_SID));
        if (!dev)
            return -EIO;
        cmd[0] = fld_set(cmd[0], CMD_SID, dev->psid);
        return 0;
    default:
        return -EIO;
    }
}

static void issue(struct vsmmu_sim *sim, const uint64_t (*cmds)[2], unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        sim->issued[sim->n_issued % SIM_ISSUED_MAX][0] = cmds[i][0];
        sim->issued[sim->n_issued % SIM_ISSUED_MAX][1] = cmds[i][1];
        sim->n_issued++;
    }
}

int sim_smmuv3_invalidate(struct vsmmu_sim *sim, struct sim_obj *viommu,
                          uint32_t data_type, const uint8_t *entries,
                          uint32_t entry_len, uint32_t *entry_num)
{
    uint32_t n = *entry_num;
    uint64_t batch[SIM_CMD_BATCH][2];
    unsigned nb = 0;
    uint8_t raw[16];
    int rc;

    *entry_num = 0;
    if (data_type != VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3 || n == 0)
        return -EINVAL;
    /* the whole array is copied in before anything is converted */
    for (uint32_t i = 0; i < n; i++) {
        rc = sim_copy_entry(raw, sizeof(raw), entries, entry_len, i);
        if (rc)
            return rc;
    }
    struct sim_obj *parent = sim_get(sim, viommu->parent, SIM_HWPT_PAGING);
    uint16_t vmid = parent ? parent->vmid : 0;
    for (uint32_t i = 0; i < n; i++) {
        sim_copy_entry(raw, sizeof(raw), entries, entry_len, i);
        batch[nb][0] = vsmmu_le64(raw);
        batch[nb][1] = vsmmu_le64(raw + 8);
        if (convert_cmd(sim, viommu, vmid, batch[nb])) {
            *entry_num = i;   /* the converted part of this batch is not issued */
            return -EIO;
        }
        if (++nb == SIM_CMD_BATCH || i + 1 == n) {
            issue(sim, (const uint64_t (*)[2])batch, nb);
            nb = 0;
        }
    }
    *entry_num = n;
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int sim_mock_invalidate_viommu(struct vsmmu_sim *sim, struct sim_obj *viommu,
                               uint32_t data_type, const uint8_t *entries,
                               uint32_t entry_len, uint32_t *entry_num)
{
    uint32_t n = *entry_num, i;
    uint8_t raw[12];   /* {u32 flags, u32 vdev_id, u32 cache_id} */
    int rc = 0;

    *entry_num = 0;
    if (data_type != VSMMU_VIOMMU_INVALIDATE_SELFTEST)
        return -EINVAL;
    for (i = 0; i < n; i++) {
        rc = sim_copy_entry(raw, sizeof(raw), entries, entry_len, i);
        if (rc)
            return rc;
    }
    for (i = 0; i < n; i++) {
        sim_copy_entry(raw, sizeof(raw), entries, entry_len, i);
        if (le32(raw) & ~MOCK_INVALIDATE_FLAG_ALL) {
            rc = -EOPNOTSUPP;
            break;
        }
        if (le32(raw + 8) > MOCK_DEV_CACHE_ID_MAX) {
            rc = -EINVAL;
            break;
        }
        if (!vdev_lookup(sim, viommu, le32(raw + 4))) {
            rc = -EINVAL;
            break;
        }
    }
    *entry_num = i;
    return rc;
}

int sim_mock_invalidate_hwpt(uint32_t data_type, const uint8_t *entries,
                             uint32_t entry_len, uint32_t *entry_num)
{
    uint32_t n = *entry_num, i;
    uint8_t raw[8];    /* {u32 flags, u32 iotlb_id} */
    int rc = 0;

    *entry_num = 0;
    if (data_type != VSMMU_VIOMMU_INVALIDATE_SELFTEST)
        return -EINVAL;
    for (i = 0; i < n; i++) {
        rc = sim_copy_struct(raw, sizeof(raw), sizeof(raw),
                             entries + (size_t)i * entry_len, entry_len);
        if (rc)
            break;
        if (le32(raw) & ~MOCK_INVALIDATE_FLAG_ALL) {
            rc = -EOPNOTSUPP;
            break;
        }
        if (le32(raw + 4) > MOCK_NESTED_IOTLB_ID_MAX) {
            rc = -EINVAL;
            break;
        }
    }
    *entry_num = i;
    return rc;
}

/* ---- host events ------------------------------------------------------ */
static bool forwarded_id(unsigned id)
{
    switch (id) {
    case EVT_C_BAD_STE:
    case EVT_F_STREAM_DISABLED:
    case EVT_C_BAD_SUBSTREAMID:
    case EVT_C_BAD_CD:
    case EVT_F_TRANSLATION:
    case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS:
    case EVT_F_PERMISSION:
        return true;
    default:
        return false;
    }
}

int vsmmu_sim_host_event(vsmmu_iommufd_t *t, uint32_t dev_id, const uint8_t rec[32])
{
    struct vsmmu_sim *sim = sim_of(t);
    uint64_t evt[4];
    uint8_t out[32];
    int rc = 0;

    if (!sim || !rec)
        return -EINVAL;
    for (int i = 0; i < 4; i++)
        evt[i] = vsmmu_le64(rec + 8 * i);
    pthread_mutex_lock(&sim->lock);
    struct sim_obj *dev = sim_get(sim, dev_id, SIM_DEVICE);
    if (!dev) {
        rc = -ENOENT;
    } else if (!sim->iommus[dev->iommu].smmuv3) {
        rc = -EINVAL;   /* the mock device has no SMMU: use mock_trigger_vevent */
    } else if (forwarded_id((unsigned)st_get(evt, EVT_TYPE)) && !st_get(evt, EVT_STALL) &&
               !st_get(evt, EVT_S2)) {
        struct sim_obj *v = sim_dev_vmaster(sim, dev);
        if (v) {
            st_set(evt, EVT_SID, (uint32_t)dev->vsid);
            for (int i = 0; i < 4; i++)
                vsmmu_put_le64(out + 8 * i, evt[i]);
            rc = sim_report_event(sim, v, VSMMU_VEVENTQ_TYPE_ARM_SMMUV3, out, sizeof(out));
            /* no vEVENTQ: the kernel logs the event instead */
            rc = rc == -EOPNOTSUPP ? 0 : rc == 0 ? 1 : rc;
        }
    }
    pthread_mutex_unlock(&sim->lock);
    return rc;
}
