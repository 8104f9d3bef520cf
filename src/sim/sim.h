/* SPDX-License-Identifier: MIT */
/*
 * The simulated iommufd kernel: internal state shared by sim_kernel.c
 * (object table, ids, type checks, attach, destroy), sim_transport.c (the
 * transport's operations table, controls, test hooks),
 * sim_smmuv3.c (the SMMUv3 driver: vSTE checks, invalidation, host events),
 * sim_veventq.c (vEVENTQ objects, their fds, the record queue) and
 * sim_mock.c (the selftest mock driver's controls on any transport).
 * The simulator uses only the public headers (a transport of
 * vsmmu_iommufd_custom) and the constants of src/arch and src/iommufd's
 * uAPI header, so libvsmmu-sim links with libvsmmu.a or libvsmmu.so.
 *
 * The rules follow the real kernel as docs/iommufd.md records them; the
 * choices where kernel versions differ are listed with the functions that
 * make them.  Test hooks (vsmmu_simx_*) are at the end.
 */
#ifndef VSMMU_SRC_SIM_H
#define VSMMU_SRC_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"

/* The simulated kernel's transport operations (sim_transport.c). */
extern const struct vsmmu_iommufd_ops sim_transport_ops;

/** The simulated kernel behind a transport (NULL: not a simulated one). */
static inline struct vsmmu_sim *sim_of(const vsmmu_iommufd_t *t)
{
    return vsmmu_iommufd_priv(t, &sim_transport_ops);
}

enum sim_kind {
    SIM_TOMBSTONE = 1,  /* id of a vDEVICE destroyed by its device's unbind */
    SIM_IOAS,
    SIM_DEVICE,         /* a bound device (iommufd_device) */
    SIM_SELFTEST,       /* the selftest's stdev object owning a mock device */
    SIM_HWPT_PAGING,
    SIM_HWPT_NESTED,
    SIM_VIOMMU,
    SIM_VDEVICE,
    SIM_VEVENTQ,
};

/* An IOMMU instance: index 0 is the selftest mock IOMMU, the others are
 * simulated SMMUv3s (devices added with the same ID registers share one). */
struct sim_iommu {
    bool smmuv3;
    uint32_t idr[6], iidr, aidr;
};
#define SIM_MOCK_IOMMU 0u
/* Physical StreamIDs of simulated SMMUv3 devices start here. */
#define SIM_FIRST_PSID 0x100u

/* One queued normal vEVENT (the lost-events header is kept apart). */
struct sim_vevent {
    struct sim_vevent *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

struct sim_obj {
    enum sim_kind kind;
    uint32_t id;
    unsigned iommu;         /* device, HWPT, vIOMMU: the IOMMU instance */

    /* SIM_DEVICE */
    uint32_t psid;          /* SMMUv3: the physical StreamID */
    uint32_t hwpt;          /* attached HWPT (0: none) */
    uint32_t vdev;          /* its vDEVICE (0: none) */
    uint32_t vmaster;       /* vIOMMU recorded at a nested attach with a vDEVICE */
    uint64_t vsid;          /* the vDEVICE's virt_id recorded with it */
    uint32_t stdev;         /* mock device: its selftest object */

    /* SIM_SELFTEST */
    uint32_t dev;

    /* SIM_HWPT_PAGING */
    uint32_t ioas;
    bool nest_parent, auto_domain;
    uint16_t vmid;          /* SMMUv3 nest parent: its VMID */
    unsigned users;         /* HWPT: devices attached */

    /* SIM_HWPT_NESTED, SIM_VDEVICE, SIM_VEVENTQ: the vIOMMU;
     * SIM_VIOMMU, legacy nested HWPT: the nest-parent HWPT */
    uint32_t viommu;
    uint32_t parent;
    uint64_t vste[2];       /* nested: the accepted vSTE, or {iotlb} (mock) */

    /* SIM_VDEVICE */
    uint64_t virt_id;

    /* SIM_VIOMMU, SIM_VEVENTQ */
    uint32_t type;

    /* SIM_VEVENTQ */
    uint32_t depth, num_events, next_seq;
    bool lost_queued;       /* the lost-events header is queued (always last) */
    uint32_t lost_seq;
    bool pipe_ready;        /* one byte sits in the pipe */
    int rfd, wfd;           /* the fd handed out (-1: closed) and its pair */
    struct sim_vevent *head, *tail;
};

#define SIM_ISSUED_MAX 1024u

struct vsmmu_sim {
    pthread_mutex_t lock;
    struct sim_obj **objs;  /* indexed by id; NULL = free */
    uint32_t cap;
    struct sim_iommu *iommus;
    unsigned n_iommus;
    uint32_t next_psid;
    uint16_t next_vmid;
    bool attach_v615;       /* every nested attach needs a vDEVICE */
    /* the vEVENTQ last read or reported to, tried before the scan of the
     * table (a real kernel finds the queue from the fd in constant time) */
    uint32_t vq_hint;
    unsigned calls[VSMMU_SIM_NR_OPS];
    unsigned fail_at[VSMMU_SIM_NR_OPS];  /* call number that fails; 0 none */
    int fail_err[VSMMU_SIM_NR_OPS];
    /* commands "issued" to the host SMMU by vIOMMU invalidations */
    uint64_t issued[SIM_ISSUED_MAX][2];
    unsigned n_issued;
};

/* ---- sim_kernel.c: object table ------------------------------------- */
struct sim_obj *sim_get(struct vsmmu_sim *sim, uint32_t id, enum sim_kind kind);
struct sim_obj *sim_get_any(struct vsmmu_sim *sim, uint32_t id);
/** A new object with the lowest free id, or NULL (out of memory). */
struct sim_obj *sim_new(struct vsmmu_sim *sim, enum sim_kind kind);
void sim_free(struct vsmmu_sim *sim, struct sim_obj *o);
/** The vDEVICE of device @dev on vIOMMU @viommu_id, or NULL. */
struct sim_obj *sim_dev_vdevice(struct vsmmu_sim *sim, const struct sim_obj *dev,
                                uint32_t viommu_id);
/** The vIOMMU a device currently reports events to (the vSID is
 *  dev->vsid), or NULL. */
struct sim_obj *sim_dev_vmaster(struct vsmmu_sim *sim, const struct sim_obj *dev);

/** The default host SMMU's ID registers (a capable SMMUv3). */
void sim_default_idr(uint32_t idr[6]);
/** The SMMUv3 instance with these ID registers (made on first use). */
int sim_smmu_instance(struct vsmmu_sim *sim, const uint32_t idr[6], unsigned *out);
bool sim_is_smmuv3(const struct vsmmu_sim *sim, const struct sim_obj *o);
struct sim_obj *sim_new_paging(struct vsmmu_sim *sim, const struct sim_obj *dev,
                               uint32_t ioas, bool nest_parent);
/** Attach (or replace) @dev to @pt_id; @out_hwpt (may be NULL) gets the HWPT. */
int sim_attach_dev(struct vsmmu_sim *sim, struct sim_obj *dev, uint32_t pt_id,
                   uint32_t *out_hwpt);
/** The device an API device handle names (stdev_id first, else dev_id). */
int sim_resolve_dev(struct vsmmu_sim *sim, const struct vsmmu_iommufd_dev *d,
                    struct sim_obj **out);

/* The operations proper (lock held, call counted; sim_transport.c wraps). */
int sim_do_get_hw_info(struct vsmmu_sim *sim, uint32_t dev_id, void *data,
                       uint32_t *data_len, uint32_t *out_type, uint64_t *out_caps);
int sim_do_ioas_alloc(struct vsmmu_sim *sim, uint32_t *out);
int sim_do_hwpt_alloc(struct vsmmu_sim *sim, uint32_t dev_id, uint32_t pt_id,
                      uint32_t flags, uint32_t data_type, const void *data,
                      uint32_t data_len, uint32_t *out);
int sim_do_invalidate(struct vsmmu_sim *sim, uint32_t id, uint32_t data_type,
                      const void *entries, uint32_t entry_len, uint32_t *entry_num);
int sim_do_viommu_alloc(struct vsmmu_sim *sim, uint32_t type, uint32_t dev_id,
                        uint32_t hwpt_id, uint32_t *out);
int sim_do_vdevice_alloc(struct vsmmu_sim *sim, uint32_t viommu_id, uint32_t dev_id,
                         uint64_t virt_id, uint32_t *out);
int sim_do_destroy(struct vsmmu_sim *sim, uint32_t id);
int sim_do_mock_device(struct vsmmu_sim *sim, uint32_t pt_id,
                       struct vsmmu_iommufd_dev *out_dev, uint32_t *out_hwpt);
int sim_do_mock_trigger(struct vsmmu_sim *sim, uint32_t dev_id);

/* ---- sim_smmuv3.c: the SMMUv3 driver ---------------------------------- */
/** Check a vSTE (16 bytes, little-endian) as the kernel does; @ste gets the
 *  value the kernel keeps (V=0 zeroed, EATS stripped).  0 or -EIO. */
int sim_smmuv3_vste(const uint8_t data[16], uint64_t ste[2]);
/** True if an accepted vSTE is abort or bypass (V=0, Config 0 or 4). */
bool sim_smmuv3_vste_proxy(const uint64_t ste[2]);
/** IOMMU_HWPT_INVALIDATE on an SMMUv3 vIOMMU (after the core checks). */
int sim_smmuv3_invalidate(struct vsmmu_sim *sim, struct sim_obj *viommu,
                          uint32_t data_type, const uint8_t *entries,
                          uint32_t entry_len, uint32_t *entry_num);
/** The selftest driver's invalidation of a vIOMMU / a nested HWPT. */
int sim_mock_invalidate_viommu(struct vsmmu_sim *sim, struct sim_obj *viommu,
                               uint32_t data_type, const uint8_t *entries,
                               uint32_t entry_len, uint32_t *entry_num);
int sim_mock_invalidate_hwpt(uint32_t data_type, const uint8_t *entries,
                             uint32_t entry_len, uint32_t *entry_num);
/** Copy user entry @i of @entry_len bytes into @dst (@size bytes) the way
 *  the kernel's whole-array copy does: a shorter entry is zero-extended, a
 *  longer one must have a zero tail (else -E2BIG). */
int sim_copy_entry(void *dst, size_t size, const uint8_t *entries, uint32_t entry_len,
                   uint32_t i);
/** Copy driver data of @len bytes into @dst (@size bytes) the way the
 *  kernel's driver-data copy does: @len below @min_len or above @size is
 *  -EINVAL; a shorter one is zero-extended. */
int sim_copy_struct(void *dst, size_t size, size_t min_len, const uint8_t *src,
                    uint32_t len);
/** The driver's check of one vIOMMU invalidation command (SMMUv3): the
 *  fields each opcode may set, as the host's ID registers allow; 0 or -EIO. */
int sim_smmuv3_check_cmd(const struct sim_iommu *mmu, const uint64_t cmd[2]);

/* ---- sim_veventq.c ---------------------------------------------------- */
int sim_veventq_alloc(struct vsmmu_sim *sim, uint32_t viommu_id, uint32_t type,
                      uint32_t depth, uint32_t *out_id, int *out_fd);
long sim_veventq_read(struct vsmmu_sim *sim, int fd, void *buf, size_t len);
int sim_veventq_close(struct vsmmu_sim *sim, int fd);
/** Release a vEVENTQ's fds and pending records (destroy and close). */
void sim_veventq_release(struct sim_obj *q);
/** The kernel's event report: EOPNOTSUPP without a vEVENTQ of @type on the
 *  vIOMMU; 0 when queued or when the queue overflowed (lost header);
 *  -ENOMEM (lost header queued) if a record could not be allocated. */
int sim_report_event(struct vsmmu_sim *sim, struct sim_obj *viommu, uint32_t type,
                     const void *data, uint32_t len);

/* ---- test hooks ------------------------------------------------------- */
/** Set the sequence number the vEVENTQ @id gives its next record. */
int vsmmu_simx_set_seq(vsmmu_iommufd_t *t, uint32_t veventq_id, uint32_t seq);
/** Queued normal records (the depth accounting) of vEVENTQ @id; -ENOENT. */
int vsmmu_simx_queued(vsmmu_iommufd_t *t, uint32_t veventq_id);
/**
 * Choose the attach rule for nested HWPTs of an SMMUv3 vIOMMU.  Default
 * (false): the newer kernels' rule, abort and bypass vSTEs attach without a
 * vDEVICE and S1 needs one.  true: Linux 6.15's rule, every nested attach
 * without a vDEVICE fails with ENOENT.
 */
void vsmmu_simx_set_attach_v615(vsmmu_iommufd_t *t, bool v615);
/** Commands issued to the host SMMU so far (vIOMMU invalidations after the
 *  kernel's rewriting); copies the @idx-th (0 = first, if still kept, the
 *  last SIM_ISSUED_MAX are) into @cmd. */
unsigned vsmmu_simx_issued(vsmmu_iommufd_t *t, unsigned idx, uint64_t cmd[2]);
/** The vSTE the kernel kept for nested HWPT @id (0 or -ENOENT). */
int vsmmu_simx_vste(vsmmu_iommufd_t *t, uint32_t hwpt_id, uint64_t ste[2]);
/** The physical StreamID of SMMUv3 device @dev_id (-ENOENT if none). */
long vsmmu_simx_psid(vsmmu_iommufd_t *t, uint32_t dev_id);
/** The VMID the host uses for vIOMMU @id (its nest parent's); -ENOENT. */
long vsmmu_simx_vmid(vsmmu_iommufd_t *t, uint32_t viommu_id);
/** The HWPT device @dev_id is attached to (0: none; -ENOENT). */
long vsmmu_simx_attached(vsmmu_iommufd_t *t, uint32_t dev_id);

#endif /* VSMMU_SRC_SIM_H */
