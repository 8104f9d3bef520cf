// SPDX-License-Identifier: MIT
/* STUB: the simulated iommufd kernel (to be written by the accel work). */
#include <errno.h>
#include "iommufd_priv.h"

int vsmmu_iommufd_sim_create(vsmmu_iommufd_t **out) { *out = NULL; return -ENOSYS; }
const char *vsmmu_sim_op_name(enum vsmmu_sim_op op) { (void)op; return NULL; }
int vsmmu_sim_fail(vsmmu_iommufd_t *t, enum vsmmu_sim_op op, unsigned nth, int err)
{ (void)t; (void)op; (void)nth; (void)err; return -ENOSYS; }
int vsmmu_sim_add_device(vsmmu_iommufd_t *t, const uint32_t *idr, struct vsmmu_iommufd_dev *d, uint32_t *s2)
{ (void)t; (void)idr; (void)d; (void)s2; return -ENOSYS; }
int vsmmu_sim_host_event(vsmmu_iommufd_t *t, uint32_t dev_id, const uint8_t rec[32])
{ (void)t; (void)dev_id; (void)rec; return -ENOSYS; }
unsigned vsmmu_sim_count(vsmmu_iommufd_t *t, const char *kind) { (void)t; (void)kind; return 0; }
unsigned vsmmu_sim_calls(vsmmu_iommufd_t *t, enum vsmmu_sim_op op) { (void)t; (void)op; return 0; }
