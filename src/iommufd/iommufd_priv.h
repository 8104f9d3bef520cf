/* SPDX-License-Identifier: MIT */
/*
 * The iommufd transport: an operations table implemented by the real
 * ioctl backend (iommufd_ioctl.c) and by the simulated kernel
 * (src/sim/).  iommufd.c dispatches the public vsmmu_iommufd_* calls.
 * Every op returns 0 or -errno exactly as the kernel would.
 */
#ifndef VSMMU_IOMMUFD_PRIV_H
#define VSMMU_IOMMUFD_PRIV_H

#include "vsmmu_iommufd.h"

struct vsmmu_sim;

struct vsmmu_iommufd_ops {
    int (*get_hw_info)(vsmmu_iommufd_t *t, uint32_t dev_id, void *data,
                       uint32_t *data_len, uint32_t *out_type, uint64_t *out_caps);
    int (*ioas_alloc)(vsmmu_iommufd_t *t, uint32_t *out_ioas_id);
    int (*hwpt_alloc)(vsmmu_iommufd_t *t, uint32_t dev_id, uint32_t pt_id,
                      uint32_t flags, uint32_t data_type, const void *data,
                      uint32_t data_len, uint32_t *out_hwpt_id);
    int (*hwpt_invalidate)(vsmmu_iommufd_t *t, uint32_t id, uint32_t data_type,
                           const void *entries, uint32_t entry_len, uint32_t *entry_num);
    int (*viommu_alloc)(vsmmu_iommufd_t *t, uint32_t type, uint32_t dev_id,
                        uint32_t hwpt_id, uint32_t *out_viommu_id);
    int (*vdevice_alloc)(vsmmu_iommufd_t *t, uint32_t viommu_id, uint32_t dev_id,
                         uint64_t virt_id, uint32_t *out_vdevice_id);
    int (*veventq_alloc)(vsmmu_iommufd_t *t, uint32_t viommu_id, uint32_t type,
                         uint32_t depth, uint32_t *out_veventq_id, int *out_fd);
    long (*veventq_read)(vsmmu_iommufd_t *t, int fd, void *buf, size_t len);
    int (*veventq_close)(vsmmu_iommufd_t *t, int fd);
    int (*attach)(vsmmu_iommufd_t *t, const struct vsmmu_iommufd_dev *dev, uint32_t pt_id);
    int (*destroy)(vsmmu_iommufd_t *t, uint32_t id);
    int (*mock_device)(vsmmu_iommufd_t *t, uint32_t pt_id,
                       struct vsmmu_iommufd_dev *out_dev, uint32_t *out_hwpt_id);
    int (*mock_trigger_vevent)(vsmmu_iommufd_t *t, uint32_t dev_id);
    void (*close)(vsmmu_iommufd_t *t);
};

struct vsmmu_iommufd {
    const struct vsmmu_iommufd_ops *ops;
    int fd;                 /* real transport: the iommufd */
    bool own_fd;            /* close fd in vsmmu_iommufd_close */
    struct vsmmu_sim *sim;  /* simulated transport */
};

/* The vEVENTQ reader's state (opaque in the API; embedded by accel mode). */
struct vsmmu_vevent_reader {
    uint32_t payload_len;  /* 32 for SMMUv3, 4 for the selftest type       */
    uint32_t last_seq;     /* starts at 0x7fffffff (a fresh queue gives 0)  */
    uint64_t records;      /* full records delivered                        */
    uint64_t lost;         /* events lost (lost headers and gaps)           */
    uint64_t malformed;    /* records dropped as malformed                  */
};
/* Reset @r for records of @payload_len bytes. */
void vsmmu_vevent_reader_init(struct vsmmu_vevent_reader *r, uint32_t payload_len);

/* A caller's device description as the library's struct (vfio_fd defaults
 * to -1 for callers without it); the vsmmu_abi_copy_in() errors. */
int vsmmu_iommufd_dev_in(struct vsmmu_iommufd_dev *dst, const struct vsmmu_iommufd_dev *src);

#endif /* VSMMU_IOMMUFD_PRIV_H */
