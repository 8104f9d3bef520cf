// SPDX-License-Identifier: MIT
/* STUB: GERROR, wired interrupts and MSIs (to be written by the core work). */
#include "internal.h"

bool vsmmu_gerror_raise(struct vsmmu *s, unsigned bit) { (void)s; (void)bit; return false; }
bool vsmmu_gerror_active(const struct vsmmu *s, unsigned bit) { (void)s; (void)bit; return false; }
void vsmmu_irq_signal(struct vsmmu *s, enum vsmmu_irq_src src) { (void)s; (void)src; }
int vsmmu_msi_write(struct vsmmu *s, uint64_t addr, uint32_t data) { (void)s; (void)addr; (void)data; return 0; }
void vsmmu_irq_pulse(struct vsmmu *s, enum vsmmu_irq line) { (void)s; (void)line; }
