// SPDX-License-Identifier: MIT
/* STUB: the real /dev/iommu ioctl transport (to be written). */
#include <errno.h>
#include "iommufd_priv.h"

int vsmmu_iommufd_open(const char *path, vsmmu_iommufd_t **out) { (void)path; *out = NULL; return -ENOSYS; }
int vsmmu_iommufd_wrap_fd(int fd, vsmmu_iommufd_t **out) { (void)fd; *out = NULL; return -ENOSYS; }
