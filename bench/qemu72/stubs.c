/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stand-ins for the parts of QEMU 7.2 that hw/arm/smmuv3.c and
 * hw/arm/smmu-common.c link against but that a translate benchmark does
 * not need: the memory core (guest RAM is one flat array), QOM type
 * registration and casts (as in a release build: a cast returns its
 * argument), qdev/sysbus/PCI plumbing and migration descriptors.
 * Written for vsmmu's comparison harness; compiled with QEMU's headers.
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "hw/sysbus.h"
#include "hw/irq.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "exec/memory.h"
#include "exec/address-spaces.h"
#include "exec/page-vary.h"
#include "sysemu/dma.h"
#include "migration/vmstate.h"
#include "stubs.h"

/* ---- memory ---- */

uint8_t *q72_ram;
AddressSpace address_space_memory;
const MemoryRegionOps *q72_mmio_ops;
void *q72_mmio_opaque;

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write)
{
    if (addr < Q72_RAM_BASE || addr - Q72_RAM_BASE > Q72_RAM_SIZE ||
        len > Q72_RAM_SIZE - (addr - Q72_RAM_BASE)) {
        return MEMTX_DECODE_ERROR;
    }
    if (is_write) {
        memcpy(q72_ram + (addr - Q72_RAM_BASE), buf, len);
    } else {
        memcpy(buf, q72_ram + (addr - Q72_RAM_BASE), len);
    }
    return MEMTX_OK;
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    as->root = root;
    as->name = g_strdup(name);
}

void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    mr->ops = ops;
    mr->opaque = opaque;
    mr->name = g_strdup(name);
    q72_mmio_ops = ops;
    q72_mmio_opaque = opaque;
}

void memory_region_init_iommu(void *_iommu_mr, size_t instance_size,
                              const char *mrtypename, Object *owner,
                              const char *name, uint64_t size)
{
    IOMMUMemoryRegion *mr = _iommu_mr;

    mr->parent_obj.name = g_strdup(name);
    mr->parent_obj.size = int128_make64(size);
}

void memory_region_notify_iommu_one(IOMMUNotifier *n, IOMMUTLBEvent *e)
{
}

uint64_t dma_aligned_pow2_mask(uint64_t start, uint64_t end, int max_addr_bits)
{
    abort();        /* only reached by notifier paths the bench never uses */
}

const TargetPageBits target_page = { .decided = true, .bits = 12, .mask = ~0xfffULL };

/* ---- QOM ---- */

static const TypeInfo *types[32];
static unsigned ntypes;

Type type_register(const TypeInfo *info)
{
    g_assert(ntypes < G_N_ELEMENTS(types));
    types[ntypes++] = info;
    return (Type)info;
}

Type type_register_static(const TypeInfo *info)
{
    return type_register(info);
}

const TypeInfo *q72_type(const char *name)
{
    for (unsigned i = 0; i < ntypes; i++) {
        if (!strcmp(types[i]->name, name)) {
            return types[i];
        }
    }
    return NULL;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line, const char *func)
{
    return obj;
}

ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass, const char *typename,
                                              const char *file, int line,
                                              const char *func)
{
    return klass;
}

ObjectClass *object_get_class(Object *obj)
{
    return obj->class;
}

ObjectProperty *object_class_property_add(ObjectClass *klass, const char *name,
                                          const char *type, ObjectPropertyAccessor *get,
                                          ObjectPropertyAccessor *set,
                                          ObjectPropertyRelease *release, void *opaque)
{
    return NULL;
}

const char *object_get_canonical_path_component(const Object *obj)
{
    abort();
}

/* ---- qdev, sysbus, irq, migration ---- */

void device_class_set_props(DeviceClass *dc, Property *props)
{
    dc->props_ = props;
}

void device_class_set_parent_reset(DeviceClass *dc, DeviceReset reset,
                                   DeviceReset *parent)
{
    *parent = dc->reset;
    dc->reset = reset;
}

void device_class_set_parent_realize(DeviceClass *dc, DeviceRealize realize,
                                     DeviceRealize *parent)
{
    *parent = dc->realize;
    dc->realize = realize;
}

void sysbus_init_irq(SysBusDevice *dev, qemu_irq *p)
{
    *p = NULL;
}

void sysbus_init_mmio(SysBusDevice *dev, MemoryRegion *mr)
{
}

void qemu_set_irq(qemu_irq irq, int level)
{
}

const PropertyInfo qdev_prop_uint8 = { .name = "uint8" };
const PropertyInfo qdev_prop_link = { .name = "link" };
const VMStateInfo vmstate_info_uint8 = { .name = "uint8" };
const VMStateInfo vmstate_info_uint32 = { .name = "uint32" };
const VMStateInfo vmstate_info_uint64 = { .name = "uint64" };

/* ---- PCI ---- */

PCIIOMMUFunc q72_iommu_fn;
void *q72_iommu_opaque;

void pci_setup_iommu(PCIBus *bus, PCIIOMMUFunc fn, void *opaque)
{
    q72_iommu_fn = fn;
    q72_iommu_opaque = opaque;
}

static int root_bus_num(PCIBus *bus)
{
    return (bus->flags & PCI_BUS_IS_ROOT) ? 0 : bus->parent_dev->config[PCI_SECONDARY_BUS];
}

PCIBus *q72_root_bus(void)
{
    PCIBusClass *k = g_new0(PCIBusClass, 1);
    PCIBus *bus = g_new0(PCIBus, 1);

    k->bus_num = root_bus_num;
    OBJECT(bus)->class = (ObjectClass *)k;
    bus->flags = PCI_BUS_IS_ROOT;
    return bus;
}

/* The shape of QEMU's own: class lookup, checked cast, indirect call. */
int pci_bus_num(PCIBus *s)
{
    PCIBusClass *k = (PCIBusClass *)object_class_dynamic_cast_assert(
        object_get_class(OBJECT(s)), TYPE_PCI_BUS, __FILE__, __LINE__, __func__);

    return k->bus_num(s);
}
