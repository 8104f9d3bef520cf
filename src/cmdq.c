// SPDX-License-Identifier: MIT
/* STUB: command queue (to be written by the core work). */
#include "internal.h"

void vsmmu_cmdq_process(struct vsmmu *s) { (void)s; }
