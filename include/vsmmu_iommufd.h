/* SPDX-License-Identifier: MIT */
/*
 * vsmmu iommufd layer: typed iommufd operations over a transport (a real
 * /dev/iommu file descriptor; the simulated kernel of vsmmu_sim.h is a test
 * double with the same rules), the vEVENTQ record reader, and the accel-mode
 * API that attaches passthrough devices to a vsmmu instance.
 *
 * All functions return 0 or a negative errno (the kernel's errno for the
 * real transport; the same errno the real kernel would give for the
 * simulated one).  Object ids are the kernel's u32 ids.  Structs start with
 * struct_size and follow the rules of vsmmu.h (docs/abi.md).
 */
#ifndef VSMMU_IOMMUFD_H
#define VSMMU_IOMMUFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsmmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* uAPI values the API takes (the full uAPI is in the project's src/). */
#define VSMMU_HW_INFO_TYPE_ARM_SMMUV3        2u
#define VSMMU_HWPT_DATA_ARM_SMMUV3           2u
#define VSMMU_HWPT_ALLOC_NEST_PARENT         (1u << 0)
#define VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3   1u
#define VSMMU_VIOMMU_TYPE_ARM_SMMUV3         1u
#define VSMMU_VEVENTQ_TYPE_ARM_SMMUV3        1u
#define VSMMU_VEVENT_FLAG_LOST_EVENTS        (1u << 0)
#define VSMMU_VEVENTQ_MAX_DEPTH              (1u << 19)

/** A transport: a real iommufd, the simulated kernel or a custom one. */
typedef struct vsmmu_iommufd vsmmu_iommufd_t;

/** Open @path (NULL: "/dev/iommu") as a real transport. */
int vsmmu_iommufd_open(const char *path, vsmmu_iommufd_t **out);
/** Wrap an iommufd the caller owns (not closed by vsmmu_iommufd_close). */
int vsmmu_iommufd_wrap_fd(int fd, vsmmu_iommufd_t **out);
/** Close a transport.  The simulated kernel frees every object. */
void vsmmu_iommufd_close(vsmmu_iommufd_t *t);

/**
 * A host device bound to the iommufd.  dev_id is the iommufd device id
 * (VFIO_DEVICE_BIND_IOMMUFD's out_devid, or the mock device's idev id).
 * Attachment goes through vfio_fd (VFIO_DEVICE_ATTACH_IOMMUFD_PT) when it is
 * >= 0; the test transports of vsmmu_sim.h use the other fields.
 */
struct vsmmu_iommufd_dev {
    uint32_t struct_size; /**< sizeof(struct vsmmu_iommufd_dev)           */
    uint32_t dev_id;
    int vfio_fd;          /**< default (older callers): -1                */
    uint32_t stdev_id;
};

/* ---- typed operations ------------------------------------------------- */
/**
 * IOMMU_GET_HW_INFO for @dev_id.  @data/@data_len: the driver data buffer
 * (in: its size; out: the kernel's length).  @out_type, @out_caps may be
 * NULL.
 */
int vsmmu_iommufd_get_hw_info(vsmmu_iommufd_t *t, uint32_t dev_id, void *data,
                              uint32_t *data_len, uint32_t *out_type,
                              uint64_t *out_caps);
int vsmmu_iommufd_ioas_alloc(vsmmu_iommufd_t *t, uint32_t *out_ioas_id);
/** IOMMU_HWPT_ALLOC: @pt_id an IOAS, HWPT or vIOMMU; @data_type 0 = none. */
int vsmmu_iommufd_hwpt_alloc(vsmmu_iommufd_t *t, uint32_t dev_id, uint32_t pt_id,
                             uint32_t flags, uint32_t data_type,
                             const void *data, uint32_t data_len,
                             uint32_t *out_hwpt_id);
/**
 * IOMMU_HWPT_INVALIDATE on a nested HWPT or a vIOMMU with @*entry_num
 * entries of @entry_len bytes.  On return (success or not) @*entry_num is
 * the number of entries the kernel handled.
 */
int vsmmu_iommufd_hwpt_invalidate(vsmmu_iommufd_t *t, uint32_t id,
                                  uint32_t data_type, const void *entries,
                                  uint32_t entry_len, uint32_t *entry_num);
int vsmmu_iommufd_viommu_alloc(vsmmu_iommufd_t *t, uint32_t type, uint32_t dev_id,
                               uint32_t hwpt_id, uint32_t *out_viommu_id);
int vsmmu_iommufd_vdevice_alloc(vsmmu_iommufd_t *t, uint32_t viommu_id,
                                uint32_t dev_id, uint64_t virt_id,
                                uint32_t *out_vdevice_id);
/** IOMMU_VEVENTQ_ALLOC.  The returned fd is O_CLOEXEC; close it with
 *  vsmmu_iommufd_veventq_close() before destroying the object. */
int vsmmu_iommufd_veventq_alloc(vsmmu_iommufd_t *t, uint32_t viommu_id,
                                uint32_t type, uint32_t depth,
                                uint32_t *out_veventq_id, int *out_fd);
/** read() a vEVENTQ fd: returns bytes read (0 = empty) or -errno.  As the
 *  kernel's read, it returns every whole queued record that fits in @len
 *  (the readers rely on it; a custom transport must do the same). */
long vsmmu_iommufd_veventq_read(vsmmu_iommufd_t *t, int fd, void *buf, size_t len);
int vsmmu_iommufd_veventq_close(vsmmu_iommufd_t *t, int fd);
/** Attach (or atomically replace) @dev's attachment to @pt_id. */
int vsmmu_iommufd_attach(vsmmu_iommufd_t *t, const struct vsmmu_iommufd_dev *dev,
                         uint32_t pt_id);
int vsmmu_iommufd_destroy(vsmmu_iommufd_t *t, uint32_t id);

/* ---- vEVENTQ reader --------------------------------------------------- */
/** Reader state (opaque: it can grow without the caller knowing). */
typedef struct vsmmu_vevent_reader vsmmu_vevent_reader_t;
/**
 * A reader of records with @payload_len bytes of payload (32 for SMMUv3,
 * 4 for the selftest type).  -EINVAL for 0, -ENOMEM.
 */
int vsmmu_vevent_reader_new(uint32_t payload_len, vsmmu_vevent_reader_t **out);
void vsmmu_vevent_reader_free(vsmmu_vevent_reader_t *r);

/** A reader's counters (vsmmu_vevent_reader_counts()). */
struct vsmmu_vevent_counts {
    uint32_t struct_size;  /**< set by the caller (VSMMU_STRUCT_INIT)       */
    uint32_t last_seq;     /**< starts at 0x7fffffff (a fresh queue gives 0) */
    uint64_t records;      /**< full records delivered                      */
    uint64_t lost;         /**< events lost (lost headers and gaps)         */
    uint64_t malformed;    /**< records dropped as malformed                */
};
int vsmmu_vevent_reader_counts(const vsmmu_vevent_reader_t *r,
                               struct vsmmu_vevent_counts *c);
/**
 * Drain @fd: read until the queue is empty, several records per read();
 * a read that leaves room for another record took all that was queued
 * (the kernel returns every whole record that fits), so it is the last.
 * @cb is called for each full record with its payload and sequence number;
 * @lost_cb (may be NULL) whenever a loss is detected, with the count.
 * Returns the number of records delivered, or -errno on a read error.
 * Bounded: after 2 * VSMMU_VEVENTQ_MAX_DEPTH records (a host refilling the
 * queue as fast as it is read) it stops and returns -EAGAIN: the records
 * were delivered, the fd may still be readable, call again.
 */
int vsmmu_vevent_reader_drain(struct vsmmu_vevent_reader *r, vsmmu_iommufd_t *t,
                              int fd,
                              void (*cb)(void *arg, const uint8_t *payload,
                                         uint32_t seq),
                              void (*lost_cb)(void *arg, uint64_t nlost),
                              void *arg);

/* ---- accel mode on a vsmmu instance ----------------------------------- */
/**
 * Use @t for the instance's accel objects (once, before the first attach;
 * the instance must have been created with cfg.accel).  The transport is
 * not owned by the instance.
 */
int vsmmu_accel_set_iommufd(vsmmu_t *s, vsmmu_iommufd_t *t);
/**
 * Hot-plug a passthrough device with virtual StreamID @vsid.  @s2_hwpt_id
 * is the device's nest-parent HWPT (the guest's stage 2, owned by the VMM).
 * The first attach creates the vIOMMU (and the vEVENTQ if the guest's event
 * queue is enabled).
 */
int vsmmu_accel_attach(vsmmu_t *s, uint32_t vsid,
                       const struct vsmmu_iommufd_dev *dev, uint32_t s2_hwpt_id);
/** Unplug; the last detach tears down the vIOMMU and its objects. */
int vsmmu_accel_detach(vsmmu_t *s, uint32_t vsid);
/** The vEVENTQ fd to poll for POLLIN, or -1 when there is none. */
int vsmmu_accel_event_fd(vsmmu_t *s);
/**
 * Register @fn, called whenever the vEVENTQ fd changes: (-1, fd) right after
 * a vEVENTQ is allocated (add fd to the event loop), (fd, -1) right before
 * it is closed (stop polling fd now).  Called with the instance mutex held:
 * it must not call back into the instance.  One notifier; NULL removes it.
 */
void vsmmu_accel_set_event_fd_notifier(vsmmu_t *s,
                                       void (*fn)(void *opaque, int old_fd, int new_fd),
                                       void *opaque);
/**
 * Drain the vEVENTQ into the guest's event queue: read until a read finds
 * the queue empty, or takes all that was queued (it left room for another
 * record: the kernel returns every whole record that fits), so an
 * edge-triggered event loop needs nothing more; a wake-up with one event
 * costs one read().  Returns the number of records delivered (0 without a
 * vEVENTQ), or -errno.  The instance mutex is taken per read(), so MMIO is
 * not held off by a long drain.  Bounded: a call handles at most twice the vEVENTQ's depth in
 * records (a full queue always drains in one call); a host that refills
 * the queue as fast as it is drained makes the call return -EAGAIN after
 * delivering that many: call again (e.g. after serving other work).
 */
int vsmmu_accel_process_events(vsmmu_t *s);

/** Objects the instance made in the host kernel (for checks and tests). */
struct vsmmu_accel_objects {
    uint32_t struct_size;   /**< set by the caller (VSMMU_STRUCT_INIT) */
    unsigned viommu, hwpt, vdevice, veventq;
    uint32_t veventq_depth; /**< 0 without a vEVENTQ */
};
/** Fill @o (up to o->struct_size); 0, or -EINVAL for bad arguments. */
int vsmmu_accel_get_objects(vsmmu_t *s, struct vsmmu_accel_objects *o);

/* ---- custom transports ------------------------------------------------ */
/**
 * A transport's operations, for a VMM that carries iommufd calls some other
 * way (a broker process, record and replay, a test double).  Each callback
 * gets the @priv given to vsmmu_iommufd_custom() and the arguments of the
 * vsmmu_iommufd_* call of the same name, and returns 0 or -errno with the
 * kernel's meaning.  A NULL callback makes its call fail with -EOPNOTSUPP;
 * close (may be NULL) is called once by vsmmu_iommufd_close().  The real
 * /dev/iommu transport is built the same way.
 *
 * New callbacks are only ever added at the end (docs/abi.md): set
 * struct_size to sizeof() of the struct you compiled against, and the
 * callbacks beyond it count as NULL.
 */
struct vsmmu_iommufd_ops {
    uint32_t struct_size; /**< sizeof(struct vsmmu_iommufd_ops)            */
    int (*get_hw_info)(void *priv, uint32_t dev_id, void *data, uint32_t *data_len,
                       uint32_t *out_type, uint64_t *out_caps);
    int (*ioas_alloc)(void *priv, uint32_t *out_ioas_id);
    int (*hwpt_alloc)(void *priv, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
                      uint32_t data_type, const void *data, uint32_t data_len,
                      uint32_t *out_hwpt_id);
    int (*hwpt_invalidate)(void *priv, uint32_t id, uint32_t data_type,
                           const void *entries, uint32_t entry_len,
                           uint32_t *entry_num);
    int (*viommu_alloc)(void *priv, uint32_t type, uint32_t dev_id, uint32_t hwpt_id,
                        uint32_t *out_viommu_id);
    int (*vdevice_alloc)(void *priv, uint32_t viommu_id, uint32_t dev_id,
                         uint64_t virt_id, uint32_t *out_vdevice_id);
    int (*veventq_alloc)(void *priv, uint32_t viommu_id, uint32_t type, uint32_t depth,
                         uint32_t *out_veventq_id, int *out_fd);
    long (*veventq_read)(void *priv, int fd, void *buf, size_t len);
    int (*veventq_close)(void *priv, int fd);
    int (*attach)(void *priv, const struct vsmmu_iommufd_dev *dev, uint32_t pt_id);
    int (*destroy)(void *priv, uint32_t id);
    void (*close)(void *priv);
};

/**
 * Make a transport from @ops (the table is copied) and @priv.  -EINVAL for
 * a NULL argument or an unset struct_size; -E2BIG if ops->struct_size is
 * larger than this library knows and the extra part is not all zero (a
 * callback this version cannot call).
 */
int vsmmu_iommufd_custom(const struct vsmmu_iommufd_ops *ops, void *priv,
                         vsmmu_iommufd_t **out);
/** The @priv of a transport made from the table at @ops (the same pointer
 *  given to vsmmu_iommufd_custom()), or NULL for any other transport. */
void *vsmmu_iommufd_priv(const vsmmu_iommufd_t *t, const struct vsmmu_iommufd_ops *ops);
/** The iommufd of a real transport (vsmmu_iommufd_open, _wrap_fd), or -1. */
int vsmmu_iommufd_fd(const vsmmu_iommufd_t *t);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_IOMMUFD_H */
