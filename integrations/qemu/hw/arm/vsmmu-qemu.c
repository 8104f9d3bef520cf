/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vsmmu-smmuv3: the virt machine's SMMUv3 implemented by libvsmmu.
 *
 * The register frame, the guest-memory accesses, the wired interrupts and
 * MSIs are forwarded between QEMU and the library; every PCI device behind
 * the primary bus gets an IOMMU memory region whose translate callback asks
 * the library (StreamID = requester ID).  The library's invalidation
 * notifier is turned into UNMAP notifications for the regions that have
 * IOMMU notifiers.  At exit the device prints the library's counters and
 * its own (translations, commands by opcode, events) on stderr, one
 * "vsmmu-stats:" line each, for test harnesses.
 *
 * Copyright (c) 2026 The vsmmu authors
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "qemu/atomic.h"
#include "qapi/error.h"
#include "hw/irq.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "migration/vmstate.h"
#include "system/system.h"
#include "exec/address-spaces.h"
#include "hw/arm/vsmmu-qemu.h"

#include <vsmmu.h>
#include <vsmmu_trace.h>

OBJECT_DECLARE_SIMPLE_TYPE(VsmmuQemuState, VSMMU_SMMUV3)

#define TYPE_VSMMU_IOMMU_MR "vsmmu-iommu-memory-region"
#define VSMMU_NUM_IRQS 4
#define VSMMU_FAULT_LOG 8

/* One translated PCI function (bus, devfn). */
typedef struct VsmmuPciDev {
    IOMMUMemoryRegion iommu;
    AddressSpace as;
    VsmmuQemuState *s;
    PCIBus *bus;
    int devfn;
    bool has_notifiers;
    QLIST_ENTRY(VsmmuPciDev) next;
} VsmmuPciDev;

typedef struct VsmmuFault {
    uint64_t sid, iova, type, recorded;
} VsmmuFault;

struct VsmmuQemuState {
    SysBusDevice parent_obj;

    MemoryRegion iomem;
    qemu_irq irq[VSMMU_NUM_IRQS];
    PCIBus *primary_bus;
    vsmmu_t *v;
    QLIST_HEAD(, VsmmuPciDev) devs;
    Notifier exit_notifier;

    /* properties */
    bool msi;
    uint32_t msi_devid;
    bool two_level;
    bool ril;
    bool stage2;
    bool stats;

    /* counters (updated from any thread that translates) */
    uint64_t xlate_calls, xlate_ok, xlate_faults, xlate_ns;
    uint64_t cmds[256];
    uint64_t tlbi_range;
    uint64_t events_by_type[256];
    uint64_t msis, msi_aborts, irqs[VSMMU_NUM_IRQS];
    uint64_t unmap_notifies;
    uint64_t strtab_cfg;
    bool strtab_cfg_seen;
    uint64_t evtq_msi_addr, gerror_msi_addr;
    unsigned nfaults;
    VsmmuFault faults[VSMMU_FAULT_LOG];
};

/* ---------------------------------------------------------------------- */
/* Host callbacks                                                          */

static int vsmmu_qemu_mem_read(void *opaque, uint64_t addr, void *buf,
                               size_t len)
{
    MemTxResult r = address_space_read(&address_space_memory, addr,
                                       MEMTXATTRS_UNSPECIFIED, buf, len);
    return r == MEMTX_OK ? 0 : -1;
}

static int vsmmu_qemu_mem_write(void *opaque, uint64_t addr, const void *buf,
                                size_t len)
{
    MemTxResult r = address_space_write(&address_space_memory, addr,
                                        MEMTXATTRS_UNSPECIFIED, buf, len);
    return r == MEMTX_OK ? 0 : -1;
}

static void vsmmu_qemu_irq(void *opaque, enum vsmmu_irq line)
{
    VsmmuQemuState *s = opaque;

    if ((unsigned)line < VSMMU_NUM_IRQS) {
        qatomic_inc(&s->irqs[line]);
        qemu_irq_pulse(s->irq[line]);
    }
}

/*
 * MSIs carry the device ID the firmware description gives the SMMU
 * (msi-parent = <&its msi-devid>): a GICv3 ITS takes it from the
 * transaction's requester ID.
 */
static int vsmmu_qemu_msi(void *opaque, uint64_t addr, uint32_t data)
{
    VsmmuQemuState *s = opaque;
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    MemTxResult r = MEMTX_OK;

    attrs.requester_id = s->msi_devid;
    address_space_stl_le(&address_space_memory, addr, data, attrs, &r);
    return r == MEMTX_OK ? 0 : -1;
}

static void vsmmu_qemu_log(void *opaque, enum vsmmu_log_level level,
                           const char *msg)
{
    switch (level) {
    case VSMMU_LOG_ERROR:
        error_report("vsmmu: %s", msg);
        break;
    case VSMMU_LOG_GUEST:
        qemu_log_mask(LOG_GUEST_ERROR, "vsmmu: %s\n", msg);
        break;
    default:
        qemu_log_mask(LOG_UNIMP, "vsmmu: %s\n", msg);
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* Trace events: counters for the exit report                              */

static uint64_t trace_arg(const struct vsmmu_trace_event *ev, const char *name)
{
    for (unsigned i = 0; i < ev->nargs; i++) {
        if (!strcmp(ev->args[i].name, name)) {
            return ev->args[i].value;
        }
    }
    return 0;
}

static bool is_va_tlbi(unsigned op)
{
    /* TLBI_NH_VA, TLBI_NH_VAA, TLBI_EL2_VA, TLBI_EL2_VAA, TLBI_S2_IPA */
    return op == 0x12 || op == 0x13 || op == 0x22 || op == 0x23 || op == 0x2a;
}

static void vsmmu_qemu_trace(void *opaque, const struct vsmmu_trace_event *ev)
{
    VsmmuQemuState *s = opaque;

    switch (ev->id) {
    case VSMMU_TRACE_CMD_EXEC: {
        unsigned op = trace_arg(ev, "op") & 0xff;
        uint64_t dw1 = trace_arg(ev, "dw1");

        qatomic_inc(&s->cmds[op]);
        /* a range invalidation has a non-zero TG (CMD dword 1, bits 11:10) */
        if (is_va_tlbi(op) && ((dw1 >> 10) & 3)) {
            qatomic_inc(&s->tlbi_range);
        }
        break;
    }
    case VSMMU_TRACE_EVENT_RECORD:
        if (trace_arg(ev, "result") == VSMMU_TRACE_EVQ_WRITTEN) {
            qatomic_inc(&s->events_by_type[trace_arg(ev, "event") & 0xff]);
        }
        break;
    case VSMMU_TRACE_XLATE_FAULT: {
        unsigned n = qatomic_fetch_inc(&s->nfaults);

        if (n < VSMMU_FAULT_LOG) {
            s->faults[n].sid = trace_arg(ev, "sid");
            s->faults[n].iova = trace_arg(ev, "iova");
            s->faults[n].type = trace_arg(ev, "event");
            s->faults[n].recorded = trace_arg(ev, "recorded");
        }
        break;
    }
    case VSMMU_TRACE_MSI:
        qatomic_inc(&s->msis);
        if (trace_arg(ev, "aborted")) {
            qatomic_inc(&s->msi_aborts);
        }
        break;
    case VSMMU_TRACE_REG_WRITE:
        if (trace_arg(ev, "effect") != VSMMU_TRACE_REG_APPLIED) {
            break;
        }
        switch (trace_arg(ev, "offset")) {
        case 0x88: /* SMMU_STRTAB_BASE_CFG */
            s->strtab_cfg = trace_arg(ev, "value");
            s->strtab_cfg_seen = true;
            break;
        case 0x68: /* SMMU_GERROR_IRQ_CFG0 */
            if (trace_arg(ev, "value")) {
                s->gerror_msi_addr = trace_arg(ev, "value");
            }
            break;
        case 0xb0: /* SMMU_EVENTQ_IRQ_CFG0 */
            if (trace_arg(ev, "value")) {
                s->evtq_msi_addr = trace_arg(ev, "value");
            }
            break;
        }
        break;
    default:
        break;
    }
}

static const char *cmd_name(unsigned op)
{
    switch (op) {
    case 0x01: return "PREFETCH_CONFIG";
    case 0x02: return "PREFETCH_ADDR";
    case 0x03: return "CFGI_STE";
    case 0x04: return "CFGI_STE_RANGE";
    case 0x05: return "CFGI_CD";
    case 0x06: return "CFGI_CD_ALL";
    case 0x07: return "CFGI_VMS_PIDM";
    case 0x10: return "TLBI_NH_ALL";
    case 0x11: return "TLBI_NH_ASID";
    case 0x12: return "TLBI_NH_VA";
    case 0x13: return "TLBI_NH_VAA";
    case 0x18: return "TLBI_EL3_ALL";
    case 0x1a: return "TLBI_EL3_VA";
    case 0x20: return "TLBI_EL2_ALL";
    case 0x21: return "TLBI_EL2_ASID";
    case 0x22: return "TLBI_EL2_VA";
    case 0x23: return "TLBI_EL2_VAA";
    case 0x28: return "TLBI_S12_VMALL";
    case 0x2a: return "TLBI_S2_IPA";
    case 0x30: return "TLBI_NSNH_ALL";
    case 0x40: return "ATC_INV";
    case 0x41: return "PRI_RESP";
    case 0x44: return "RESUME";
    case 0x45: return "STALL_TERM";
    case 0x46: return "CMD_SYNC";
    default: return NULL;
    }
}

static void vsmmu_qemu_print_stats(VsmmuQemuState *s)
{
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    GString *line = g_string_new(NULL);

    if (!s->v || vsmmu_get_stats(s->v, &st)) {
        g_string_free(line, true);
        return;
    }
    fprintf(stderr, "vsmmu-stats: translations=%" PRIu64 " translate_ok=%"
            PRIu64 " translate_faults=%" PRIu64 " translate_ns=%" PRIu64
            " tlb_hits=%" PRIu64 " tlb_misses=%" PRIu64 " commands=%" PRIu64
            " events=%" PRIu64 " events_dropped=%" PRIu64 "\n",
            qatomic_read(&s->xlate_calls), qatomic_read(&s->xlate_ok),
            qatomic_read(&s->xlate_faults), qatomic_read(&s->xlate_ns),
            st.tlb_hits, st.tlb_misses, st.commands, st.events,
            st.events_dropped);

    g_string_append(line, "vsmmu-stats: cmds");
    for (unsigned op = 0; op < 256; op++) {
        if (s->cmds[op]) {
            const char *n = cmd_name(op);
            if (n) {
                g_string_append_printf(line, " %s=%" PRIu64, n, s->cmds[op]);
            } else {
                g_string_append_printf(line, " op_0x%02x=%" PRIu64, op,
                                       s->cmds[op]);
            }
        }
    }
    fprintf(stderr, "%s\n", line->str);
    g_string_truncate(line, 0);

    g_string_append(line, "vsmmu-stats: events");
    for (unsigned t = 0; t < 256; t++) {
        if (s->events_by_type[t]) {
            const char *n = vsmmu_event_name(t);
            g_string_append_printf(line, " %s=%" PRIu64, n ? n : "?",
                                   s->events_by_type[t]);
        }
    }
    fprintf(stderr, "%s\n", line->str);
    g_string_free(line, true);

    fprintf(stderr, "vsmmu-stats: tlbi_range=%" PRIu64 " strtab=%s"
            " msis=%" PRIu64 " msi_aborts=%" PRIu64 " evtq_msi_addr=0x%"
            PRIx64 " gerror_msi_addr=0x%" PRIx64 " irqs=%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 " unmap_notifies=%" PRIu64 "\n",
            s->tlbi_range,
            !s->strtab_cfg_seen ? "unset" :
            ((s->strtab_cfg >> 16) & 3) == 1 ? "2-level" : "linear",
            s->msis, s->msi_aborts, s->evtq_msi_addr, s->gerror_msi_addr,
            s->irqs[0], s->irqs[1], s->irqs[2], s->irqs[3],
            s->unmap_notifies);
    for (unsigned i = 0; i < MIN(s->nfaults, VSMMU_FAULT_LOG); i++) {
        const char *n = vsmmu_event_name(s->faults[i].type);
        fprintf(stderr, "vsmmu-fault: sid=0x%" PRIx64 " iova=0x%" PRIx64
                " event=%s recorded=%" PRIu64 "\n", s->faults[i].sid,
                s->faults[i].iova, n ? n : "none", s->faults[i].recorded);
    }
}

static void vsmmu_qemu_exit(Notifier *n, void *data)
{
    VsmmuQemuState *s = container_of(n, VsmmuQemuState, exit_notifier);

    vsmmu_qemu_print_stats(s);
}

/* ---------------------------------------------------------------------- */
/* Invalidation: UNMAP notifications for regions with notifiers            */

static void notify_unmap_range(IOMMUMemoryRegion *mr, uint64_t addr,
                               uint64_t size)
{
    IOMMUTLBEvent event = { .type = IOMMU_NOTIFIER_UNMAP };

    event.entry.target_as = &address_space_memory;
    event.entry.perm = IOMMU_NONE;
    while (size) {
        /* the largest naturally aligned power of two that fits */
        uint64_t chunk = addr ? (addr & -addr) : (1ULL << 63);
        while (chunk > size) {
            chunk >>= 1;
        }
        event.entry.iova = addr;
        event.entry.translated_addr = 0;
        event.entry.addr_mask = chunk - 1;
        memory_region_notify_iommu(mr, 0, event);
        addr += chunk;
        size -= chunk;
        if (!addr) {
            break;
        }
    }
}

static void vsmmu_qemu_inval(void *opaque, const struct vsmmu_inval *inv)
{
    VsmmuQemuState *s = opaque;
    VsmmuPciDev *d;

    QLIST_FOREACH(d, &s->devs, next) {
        IOMMUMemoryRegion *mr = &d->iommu;
        IOMMUNotifier *n;
        bool ranged = (inv->kind == VSMMU_INVAL_RANGE ||
                       inv->kind == VSMMU_INVAL_IPA) &&
                      inv->size && inv->addr + inv->size > inv->addr;

        if (!d->has_notifiers) {
            continue;
        }
        if (inv->kind == VSMMU_INVAL_STREAM) {
            uint32_t sid = PCI_BUILD_BDF(pci_bus_num(d->bus), d->devfn);
            if (sid < inv->sid || sid - inv->sid >= inv->num) {
                continue;
            }
        }
        qatomic_inc(&s->unmap_notifies);
        if (ranged) {
            notify_unmap_range(mr, inv->addr, inv->size);
        } else {
            IOMMU_NOTIFIER_FOREACH(n, mr) {
                memory_region_unmap_iommu_notifier_range(n);
            }
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Translation                                                             */

static IOMMUTLBEntry vsmmu_qemu_translate(IOMMUMemoryRegion *mr, hwaddr addr,
                                          IOMMUAccessFlags flag, int iommu_idx)
{
    VsmmuPciDev *d = container_of(mr, VsmmuPciDev, iommu);
    VsmmuQemuState *s = d->s;
    struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);
    uint32_t sid = PCI_BUILD_BDF(pci_bus_num(d->bus), d->devfn);
    unsigned access = 0;
    IOMMUTLBEntry entry = {
        .target_as = &address_space_memory,
        .iova = addr & ~(hwaddr)0xfff,
        .translated_addr = 0,
        .addr_mask = 0xfff,
        .perm = IOMMU_NONE,
    };
    int64_t t0;
    int rc;

    if (flag & IOMMU_RO) {
        access |= VSMMU_ACC_READ;
    }
    if (flag & IOMMU_WO) {
        access |= VSMMU_ACC_WRITE;
    }
    if (!access) {
        access = VSMMU_ACC_READ;
    }

    t0 = get_clock();
    rc = vsmmu_translate(s->v, sid, VSMMU_NO_SSID, addr, access, &res);
    qatomic_add(&s->xlate_ns, get_clock() - t0);
    qatomic_inc(&s->xlate_calls);

    if (rc == 0 && res.status == VSMMU_XLATE_OK) {
        uint64_t size = res.size;

        /* QEMU wants a power-of-two page that contains addr */
        if (size < 0x1000 || (size & (size - 1))) {
            size = 0x1000;
        }
        entry.addr_mask = size - 1;
        entry.iova = addr & ~entry.addr_mask;
        entry.translated_addr = res.addr & ~entry.addr_mask;
        entry.perm = ((res.perm & VSMMU_PERM_R) ? IOMMU_RO : IOMMU_NONE) |
                     ((res.perm & VSMMU_PERM_W) ? IOMMU_WO : IOMMU_NONE);
        qatomic_inc(&s->xlate_ok);
    } else {
        qatomic_inc(&s->xlate_faults);
    }
    return entry;
}

static int vsmmu_qemu_notify_flag_changed(IOMMUMemoryRegion *mr,
                                          IOMMUNotifierFlag old,
                                          IOMMUNotifierFlag new,
                                          Error **errp)
{
    VsmmuPciDev *d = container_of(mr, VsmmuPciDev, iommu);

    if (new & (IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_DEVIOTLB_UNMAP)) {
        error_setg(errp, "vsmmu-smmuv3: device %02x:%02x.%x needs MAP or "
                   "device-IOTLB notifications, which are not supported",
                   pci_bus_num(d->bus), PCI_SLOT(d->devfn),
                   PCI_FUNC(d->devfn));
        return -EINVAL;
    }
    d->has_notifiers = new != IOMMU_NOTIFIER_NONE;
    return 0;
}

static AddressSpace *vsmmu_qemu_get_as(PCIBus *bus, void *opaque, int devfn)
{
    VsmmuQemuState *s = opaque;
    VsmmuPciDev *d;
    char *name;

    QLIST_FOREACH(d, &s->devs, next) {
        if (d->bus == bus && d->devfn == devfn) {
            return &d->as;
        }
    }
    d = g_new0(VsmmuPciDev, 1);
    d->s = s;
    d->bus = bus;
    d->devfn = devfn;
    name = g_strdup_printf("vsmmu-%p-%d", bus, devfn);
    memory_region_init_iommu(&d->iommu, sizeof(d->iommu), TYPE_VSMMU_IOMMU_MR,
                             OBJECT(s), name, UINT64_MAX);
    address_space_init(&d->as, MEMORY_REGION(&d->iommu), name);
    g_free(name);
    QLIST_INSERT_HEAD(&s->devs, d, next);
    return &d->as;
}

static const PCIIOMMUOps vsmmu_qemu_pci_ops = {
    .get_address_space = vsmmu_qemu_get_as,
};

/* ---------------------------------------------------------------------- */
/* Register frame                                                          */

static uint64_t vsmmu_qemu_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    VsmmuQemuState *s = opaque;
    uint64_t val = 0;

    if (vsmmu_mmio_read(s->v, addr, size, &val)) {
        qemu_log_mask(LOG_GUEST_ERROR, "vsmmu: bad read at 0x%" HWADDR_PRIx
                      " size %u\n", addr, size);
        return 0;
    }
    return val;
}

static void vsmmu_qemu_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                                  unsigned size)
{
    VsmmuQemuState *s = opaque;

    if (vsmmu_mmio_write(s->v, addr, size, val)) {
        qemu_log_mask(LOG_GUEST_ERROR, "vsmmu: bad write at 0x%" HWADDR_PRIx
                      " size %u\n", addr, size);
    }
}

static const MemoryRegionOps vsmmu_qemu_mmio_ops = {
    .read = vsmmu_qemu_mmio_read,
    .write = vsmmu_qemu_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---------------------------------------------------------------------- */
/* Device                                                                  */

static void vsmmu_qemu_realize(DeviceState *dev, Error **errp)
{
    VsmmuQemuState *s = VSMMU_SMMUV3(dev);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops = VSMMU_STRUCT_INIT(ops);
    int rc;

    if (!s->primary_bus) {
        error_setg(errp, "vsmmu-smmuv3: primary-bus is not set");
        return;
    }
    vsmmu_config_default(&cfg);
    cfg.msi = s->msi;
    cfg.two_level_strtab = s->two_level;
    cfg.ril = s->ril;
    cfg.stage2 = s->stage2;
    cfg.oas_bits = 44;

    ops.mem_read = vsmmu_qemu_mem_read;
    ops.mem_write = vsmmu_qemu_mem_write;
    ops.irq = vsmmu_qemu_irq;
    ops.msi = vsmmu_qemu_msi;
    ops.log = vsmmu_qemu_log;
    ops.opaque = s;

    rc = vsmmu_create(&cfg, &ops, &s->v);
    if (rc) {
        error_setg_errno(errp, -rc, "vsmmu-smmuv3: vsmmu_create failed");
        return;
    }
    vsmmu_set_inval_notifier(s->v, vsmmu_qemu_inval, s);
    vsmmu_set_trace(s->v, vsmmu_qemu_trace, s);

    memory_region_init_io(&s->iomem, OBJECT(s), &vsmmu_qemu_mmio_ops, s,
                          "vsmmu-smmuv3", VSMMU_MMIO_SIZE);
    sysbus_init_mmio(sbd, &s->iomem);
    for (int i = 0; i < VSMMU_NUM_IRQS; i++) {
        sysbus_init_irq(sbd, &s->irq[i]);
    }
    pci_setup_iommu(s->primary_bus, &vsmmu_qemu_pci_ops, s);

    if (s->stats) {
        s->exit_notifier.notify = vsmmu_qemu_exit;
        qemu_add_exit_notifier(&s->exit_notifier);
    }
}

static void vsmmu_qemu_reset(DeviceState *dev)
{
    VsmmuQemuState *s = VSMMU_SMMUV3(dev);

    if (s->v) {
        vsmmu_reset(s->v);
    }
}

static const VMStateDescription vmstate_vsmmu_qemu = {
    .name = "vsmmu-smmuv3",
    .unmigratable = 1,
};

static const Property vsmmu_qemu_properties[] = {
    DEFINE_PROP_LINK("primary-bus", VsmmuQemuState, primary_bus,
                     TYPE_PCI_BUS, PCIBus *),
    /* IDR0.MSI: the event queue and GERROR may signal with MSIs */
    DEFINE_PROP_BOOL("msi", VsmmuQemuState, msi, true),
    /* the ITS device ID of the SMMU's own MSIs (msi-parent's argument) */
    DEFINE_PROP_UINT32("msi-devid", VsmmuQemuState, msi_devid, 0xffff),
    DEFINE_PROP_BOOL("two-level", VsmmuQemuState, two_level, true),
    DEFINE_PROP_BOOL("ril", VsmmuQemuState, ril, true),
    DEFINE_PROP_BOOL("stage2", VsmmuQemuState, stage2, true),
    /* print the counters on stderr at exit */
    DEFINE_PROP_BOOL("stats", VsmmuQemuState, stats, true),
};

static void vsmmu_qemu_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "Arm SMMUv3 implemented by libvsmmu";
    dc->vmsd = &vmstate_vsmmu_qemu;
    dc->realize = vsmmu_qemu_realize;
    dc->user_creatable = false;
    device_class_set_legacy_reset(dc, vsmmu_qemu_reset);
    device_class_set_props(dc, vsmmu_qemu_properties);
}

static void vsmmu_qemu_iommu_mr_class_init(ObjectClass *klass, void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = vsmmu_qemu_translate;
    imrc->notify_flag_changed = vsmmu_qemu_notify_flag_changed;
}

static const TypeInfo vsmmu_qemu_info = {
    .name = TYPE_VSMMU_SMMUV3,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(VsmmuQemuState),
    .class_init = vsmmu_qemu_class_init,
};

static const TypeInfo vsmmu_qemu_iommu_mr_info = {
    .name = TYPE_VSMMU_IOMMU_MR,
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .class_init = vsmmu_qemu_iommu_mr_class_init,
};

static void vsmmu_qemu_register_types(void)
{
    type_register_static(&vsmmu_qemu_info);
    type_register_static(&vsmmu_qemu_iommu_mr_info);
}

type_init(vsmmu_qemu_register_types)
