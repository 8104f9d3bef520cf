// SPDX-License-Identifier: MIT
/*
 * The cache effects of the CFGI_* and TLBI_* commands (vsmmu_xlate_command):
 * the scope a command names, the cache work under the translation cache
 * lock, then the trace and the VMM's invalidation notifier under the
 * instance lock only.
 */
#include "xlate/xlate.h"

static void notify(struct vsmmu *s, struct vsmmu_inval *inv)
{
    inv->struct_size = sizeof(*inv);   /* what the notifier may read */
    if (s->inval_fn)
        s->inval_fn(s->inval_opaque, inv);
}

/* Address scope of a TLBI by address: [lo, hi], and the TG/TTL filters. */
static void tlbi_range(const struct vsmmu *s, const uint64_t cmd[2], bool ipa,
                       struct xl_tlbi *p, struct vsmmu_inval *inv)
{
    uint64_t addr = ipa ? st_raw(cmd, CMD_IPA) : st_raw(cmd, CMD_ADDR);
    unsigned tg = s->cfg.ril ? (unsigned)st_get(cmd, CMD_TG) : 0;

    p->by_addr = !ipa;
    p->by_ipa = ipa;
    if (tg == 0) {
        p->lo = p->hi = addr;
        inv->addr = addr & ~0xFFFull;
        inv->size = 0x1000;
        return;
    }
    {
        unsigned g = 10 + 2 * tg;
        unsigned num = (unsigned)st_get(cmd, CMD_NUM);
        unsigned scale = (unsigned)st_get(cmd, CMD_SCALE);
        unsigned ttl = (unsigned)st_get(cmd, CMD_TTL);
        uint64_t pages = (uint64_t)(num + 1) << scale;    /* <= 2^36 */
        uint64_t bytes = g + scale + 5 >= 64 ? UINT64_MAX : pages << g;

        p->gshift = (uint8_t)g;
        p->level = (uint8_t)ttl;
        p->lo = addr;
        p->hi = (bytes == UINT64_MAX || addr + (bytes - 1) < addr) ? UINT64_MAX : addr + (bytes - 1);
        inv->addr = addr;
        inv->size = p->hi - p->lo + 1;
        if (!inv->size)
            inv->size = UINT64_MAX;
    }
}

/* The cache work of a command, under the cache lock (the callbacks after
 * it, trace and notifier, run under the instance lock only). */
static unsigned cfg_inval(struct vsmmu *s, uint64_t sid, uint64_t num, bool cd_only,
                          uint32_t cd_index)
{
    unsigned n;

    vsmmu_xl_lock_plain(s);
    n = xl_cfg_inval(xl_cache_of(s), sid, num, cd_only, cd_index);
    vsmmu_xl_unlock(s);
    return n;
}

static unsigned tlb_inval(struct vsmmu *s, const struct xl_tlbi *p)
{
    unsigned n;

    vsmmu_xl_lock_plain(s);
    n = xl_tlb_inval(xl_cache_of(s), p);
    vsmmu_xl_unlock(s);
    return n;
}

void vsmmu_xlate_command(struct vsmmu *s, const uint64_t cmd[2])
{
    unsigned op = (unsigned)st_get(cmd, CMD_OP);
    uint32_t sid = (uint32_t)st_get(cmd, CMD_SID);
    uint16_t vmid = (uint16_t)st_get(cmd, CMD_VMID);
    uint16_t asid = (uint16_t)st_get(cmd, CMD_ASID);
    bool use_vmid = s->cfg.stage2;
    bool e2h = fld_get(__atomic_load_n(&s->cr2, __ATOMIC_RELAXED), CR2_E2H) != 0;
    struct vsmmu_inval inv = { .vmid = use_vmid ? vmid : -1, .asid = -1 };
    /* Without stage 2 every entry has VMID 0: matching it is exact. */
    struct xl_tlbi p = { .match_vmid = true, .vmid = use_vmid ? vmid : 0 };
    unsigned n;

    switch (op) {
    case OP_CFGI_STE:
    case OP_CFGI_CD_ALL:
        n = cfg_inval(s, sid, 1, false, 0);
        inv = (struct vsmmu_inval){ .kind = VSMMU_INVAL_STREAM, .vmid = -1, .asid = -1,
                                    .sid = sid, .num = 1 };
        vsmmu_tr(s, VSMMU_TRACE_CFG_INVAL, op, sid, 1, VSMMU_NO_SSID, n);
        vsmmu_trace(s, "CFGI sid %u: %u config entries dropped", sid, n);
        notify(s, &inv);
        return;
    case OP_CFGI_STE_RANGE: {
        unsigned range = (unsigned)st_get(cmd, CMD_RANGE);
        uint64_t num = range >= CFGI_RANGE_ALL ? 1ull << 32 : 2ull << range;
        uint64_t base = range >= CFGI_RANGE_ALL ? 0 : sid & ~(num - 1);
        n = cfg_inval(s, base, num, false, 0);
        inv = (struct vsmmu_inval){ .kind = VSMMU_INVAL_STREAM, .vmid = -1, .asid = -1,
                                    .sid = base, .num = num };
        vsmmu_tr(s, VSMMU_TRACE_CFG_INVAL, op, base, num, VSMMU_NO_SSID, n);
        vsmmu_trace(s, "CFGI_STE_RANGE sid 0x%llx+0x%llx: %u config entries dropped",
                    (unsigned long long)base, (unsigned long long)num, n);
        notify(s, &inv);
        return;
    }
    case OP_CFGI_CD:
        n = cfg_inval(s, sid, 1, true, (uint32_t)st_get(cmd, CMD_SSID));
        inv = (struct vsmmu_inval){ .kind = VSMMU_INVAL_STREAM, .vmid = -1, .asid = -1,
                                    .sid = sid, .num = 1 };
        vsmmu_tr(s, VSMMU_TRACE_CFG_INVAL, op, sid, 1, st_get(cmd, CMD_SSID), n);
        vsmmu_trace(s, "CFGI_CD sid %u ssid %u: %u config entries dropped", sid,
                    (unsigned)st_get(cmd, CMD_SSID), n);
        notify(s, &inv);
        return;
    case OP_TLBI_NH_ALL:
        p.regime_mask = 1u << XR_NSEL1;
        inv.kind = VSMMU_INVAL_VMID;
        break;
    case OP_TLBI_NH_ASID:
        p.regime_mask = 1u << XR_NSEL1;
        p.match_asid = p.keep_global = true;
        p.asid = asid;
        inv.kind = VSMMU_INVAL_ASID;
        inv.asid = asid;
        break;
    case OP_TLBI_NH_VA:
    case OP_TLBI_NH_VAA:
        p.regime_mask = 1u << XR_NSEL1;
        if (op == OP_TLBI_NH_VA) {
            p.match_asid = true;
            p.asid = asid;
            inv.asid = asid;
        }
        inv.kind = VSMMU_INVAL_RANGE;
        tlbi_range(s, cmd, false, &p, &inv);
        break;
    case OP_TLBI_EL2_ALL:
        p.regime_mask = 1u << XR_EL2 | 1u << XR_EL2E2H;
        p.vmid = 0;     /* EL2 entries carry no VMID */
        inv = (struct vsmmu_inval){ .kind = VSMMU_INVAL_ALL, .vmid = -1, .asid = -1 };
        break;
    case OP_TLBI_EL2_ASID:
        p.regime_mask = 1u << XR_EL2E2H;
        p.vmid = 0;
        p.match_asid = p.keep_global = true;
        p.asid = asid;
        inv = (struct vsmmu_inval){ .kind = VSMMU_INVAL_ASID, .vmid = -1, .asid = asid };
        break;
    case OP_TLBI_EL2_VA:
    case OP_TLBI_EL2_VAA:
        p.regime_mask = 1u << (e2h ? XR_EL2E2H : XR_EL2);
        p.vmid = 0;
        inv = (struct vsmmu_inval){ .kind = VSMMU_INVAL_RANGE, .vmid = -1, .asid = -1 };
        if (op == OP_TLBI_EL2_VA && e2h) {
            p.match_asid = true;
            p.asid = asid;
            inv.asid = asid;
        }
        tlbi_range(s, cmd, false, &p, &inv);
        break;
    case OP_TLBI_S12_VMALL:
        p.regime_mask = 1u << XR_NSEL1 | 1u << XR_S2ONLY;
        p.match_vmid = true;
        inv.kind = VSMMU_INVAL_VMID;
        inv.vmid = vmid;
        break;
    case OP_TLBI_S2_IPA:
        p.regime_mask = 1u << XR_S2ONLY;
        p.match_vmid = true;
        inv.kind = VSMMU_INVAL_IPA;
        inv.vmid = vmid;
        tlbi_range(s, cmd, true, &p, &inv);
        break;
    case OP_TLBI_NSNH_ALL:
        p.regime_mask = 1u << XR_NSEL1 | 1u << XR_S2ONLY;
        p.match_vmid = false;
        inv = (struct vsmmu_inval){ .kind = VSMMU_INVAL_ALL, .vmid = -1, .asid = -1 };
        break;
    default:
        return;
    }
    n = tlb_inval(s, &p);
    vsmmu_tr(s, VSMMU_TRACE_TLB_INVAL, op, inv.kind, (uint64_t)(int64_t)inv.vmid,
             (uint64_t)(int64_t)inv.asid, inv.addr, inv.size, n);
    vsmmu_trace(s, "TLBI op 0x%02x: %u TLB entries dropped", op, n);
    notify(s, &inv);
}
