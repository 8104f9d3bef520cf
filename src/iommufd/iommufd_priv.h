/* SPDX-License-Identifier: MIT */
/*
 * A transport handle: the operations table of vsmmu_iommufd_custom() (the
 * real ioctl backend in iommufd_ioctl.c is one such table) and its private
 * pointer.  iommufd.c dispatches the public vsmmu_iommufd_* calls.
 */
#ifndef VSMMU_IOMMUFD_PRIV_H
#define VSMMU_IOMMUFD_PRIV_H

#include "vsmmu_iommufd.h"

struct vsmmu_iommufd {
    struct vsmmu_iommufd_ops ops;       /* the caller's table, zero-extended */
    const struct vsmmu_iommufd_ops *id; /* the caller's pointer (identity) */
    void *priv;
};

#endif /* VSMMU_IOMMUFD_PRIV_H */
