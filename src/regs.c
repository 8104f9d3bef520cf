// SPDX-License-Identifier: MIT
/* STUB: the register frame (to be written by the core work). */
#include <errno.h>
#include "internal.h"

void vsmmu_regs_init_idr(struct vsmmu *s) { (void)s; }
void vsmmu_regs_reset(struct vsmmu *s) { (void)s; }
int vsmmu_mmio_read(vsmmu_t *s, uint64_t offset, unsigned size, uint64_t *val)
{ (void)s; (void)offset; (void)size; *val = 0; return -ENOSYS; }
int vsmmu_mmio_write(vsmmu_t *s, uint64_t offset, unsigned size, uint64_t val)
{ (void)s; (void)offset; (void)size; (void)val; return -ENOSYS; }
