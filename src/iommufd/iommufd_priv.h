/* SPDX-License-Identifier: MIT */
/*
 * A transport handle: the operations table of vsmmu_iommufd_custom() (the
 * real ioctl backend in iommufd_ioctl.c is one such table) and its private
 * pointer.  iommufd.c dispatches the public vsmmu_iommufd_* calls.
 */
#ifndef VSMMU_IOMMUFD_PRIV_H
#define VSMMU_IOMMUFD_PRIV_H

#include <stdbool.h>

#include "vsmmu_iommufd.h"

struct vsmmu_iommufd {
    struct vsmmu_iommufd_ops ops;       /* the caller's table, zero-extended */
    const struct vsmmu_iommufd_ops *id; /* the caller's pointer (identity) */
    void *priv;
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
/* Bytes of one read(): room for many records. */
#define VSMMU_VEVENT_READ_BUF 4096u
/* One read of @fd into @buf (VSMMU_VEVENT_READ_BUF bytes), its records
 * parsed and delivered.  Returns the records delivered (>= 0), -EAGAIN when
 * the fd had nothing (it reads empty), -EINTR (read again) or another
 * -errno.  *@emptied is set when the read itself shows that it took all
 * that was queued: it returned well-formed records and left room for
 * another record (the kernel returns every whole record that fits,
 * docs/iommufd.md 4.3), so a further read would only find the queue
 * empty. */
int vsmmu_vevent_reader_step(struct vsmmu_vevent_reader *r, vsmmu_iommufd_t *t, int fd,
                             uint8_t *buf, bool *emptied,
                             void (*cb)(void *arg, const uint8_t *payload, uint32_t seq),
                             void (*lost_cb)(void *arg, uint64_t nlost), void *arg);

/* A caller's device description as the library's struct (vfio_fd defaults
 * to -1 for callers without it); the vsmmu_abi_copy_in() errors. */
int vsmmu_iommufd_dev_in(struct vsmmu_iommufd_dev *dst, const struct vsmmu_iommufd_dev *src);

#endif /* VSMMU_IOMMUFD_PRIV_H */
