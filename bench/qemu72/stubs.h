/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the stand-ins of stubs.c hand over to driver.c.  Part of the QEMU
 * 7.2 comparison harness of vsmmu (docs/performance.md, LICENSE here).
 */
#ifndef VSMMU_Q72_STUBS_H
#define VSMMU_Q72_STUBS_H

#define Q72_RAM_BASE 0x40000000ULL      /* flat guest RAM */
#define Q72_RAM_SIZE (64ULL << 20)

extern uint8_t *q72_ram;

/* Types registered by the type_init() constructors. */
const TypeInfo *q72_type(const char *name);

/* Captured from smmu_realize() / smmu_base_realize(). */
extern const MemoryRegionOps *q72_mmio_ops;
extern void *q72_mmio_opaque;
extern PCIIOMMUFunc q72_iommu_fn;
extern void *q72_iommu_opaque;

/* A root PCI bus whose class answers bus_num(). */
PCIBus *q72_root_bus(void);

#endif
