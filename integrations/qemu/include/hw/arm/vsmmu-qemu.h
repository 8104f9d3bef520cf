/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vsmmu-smmuv3: an SMMUv3 for the virt machine backed by libvsmmu.
 * Only the type name is public: virt.c creates it by name, so that it
 * builds without the library's headers.
 */
#ifndef HW_ARM_VSMMU_QEMU_H
#define HW_ARM_VSMMU_QEMU_H

#define TYPE_VSMMU_SMMUV3 "vsmmu-smmuv3"

#endif
