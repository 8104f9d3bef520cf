// SPDX-License-Identifier: MIT
/* STUB: accelerated mode (to be written by the accel work). */
#include <errno.h>
#include "internal.h"
#include "vsmmu_iommufd.h"

int vsmmu_accel_init(struct vsmmu *s) { (void)s; return 0; }
void vsmmu_accel_fini(struct vsmmu *s) { (void)s; }
void vsmmu_accel_reset(struct vsmmu *s) { (void)s; }
void vsmmu_accel_cr0_written(struct vsmmu *s, uint32_t old_cr0) { (void)s; (void)old_cr0; }
void vsmmu_accel_gbpa_written(struct vsmmu *s) { (void)s; }
bool vsmmu_accel_batchable(const struct vsmmu *s, uint8_t op) { (void)s; (void)op; return false; }
int vsmmu_accel_cmd(struct vsmmu *s, const uint64_t cmd[2], uint32_t idx) { (void)s; (void)cmd; (void)idx; return 0; }
int vsmmu_accel_flush(struct vsmmu *s, uint32_t *fail_idx) { (void)s; (void)fail_idx; return 0; }
int vsmmu_accel_set_iommufd(vsmmu_t *s, vsmmu_iommufd_t *t) { (void)s; (void)t; return -ENOSYS; }
int vsmmu_accel_attach(vsmmu_t *s, uint32_t vsid, const struct vsmmu_iommufd_dev *dev, uint32_t s2)
{ (void)s; (void)vsid; (void)dev; (void)s2; return -ENOSYS; }
int vsmmu_accel_detach(vsmmu_t *s, uint32_t vsid) { (void)s; (void)vsid; return -ENOSYS; }
int vsmmu_accel_event_fd(vsmmu_t *s) { (void)s; return -1; }
int vsmmu_accel_process_events(vsmmu_t *s) { (void)s; return 0; }
void vsmmu_accel_objects(vsmmu_t *s, struct vsmmu_accel_objects *o) { (void)s; *o = (struct vsmmu_accel_objects){0}; }
