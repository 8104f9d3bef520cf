/* SPDX-License-Identifier: MIT */
/*
 * Accelerated mode: state shared by the accel modules.
 *   accel.c         attach/detach, the vIOMMU and its proxies, the public API
 *   accel_veventq.c the vEVENTQ lifecycle and event propagation
 *   accel_ste.c     STE install (CFGI_STE*, CR0, GBPA, reset)
 *   accel_inv.c     invalidation forwarding in batches
 * Everything here runs with the instance lock held.
 */
#ifndef VSMMU_ACCEL_PRIV_H
#define VSMMU_ACCEL_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "iommufd/iommufd_priv.h"
#include "vsmmu_iommufd.h"

/** One passthrough device. */
struct accel_dev {
    uint32_t vsid;
    struct vsmmu_iommufd_dev dev;
    uint32_t s2_hwpt;       /* its nest-parent HWPT (owned by the VMM) */
    bool has_vdev;
    uint32_t vdev_id;       /* its vDEVICE (virt_id = vsid) */
    bool has_s1;
    uint32_t s1_hwpt;       /* nested HWPT made from its guest STE */
    uint64_t s1_data[2];    /* the STE words it was made from (nested_data) */
    uint32_t cur_pt;        /* what it is attached to now */
    /* a CFGI_STE* named it in the current batch: re-installed at its end */
    bool cfgi_pending;
    uint32_t cfgi_idx;      /* queue index of the first such command */
};

/** Invalidation commands forwarded in one IOMMU_HWPT_INVALIDATE at most. */
#define ACCEL_BATCH_MAX 64

struct vsmmu_accel {
    vsmmu_iommufd_t *t;

    struct accel_dev *devs;
    unsigned ndevs, cap;
    int last_fail;          /* -errno of the last accel_fail() */

    /* the vIOMMU and its proxy HWPTs: they exist exactly while ndevs > 0 */
    bool has_viommu;
    uint32_t viommu_id, abort_hwpt, bypass_hwpt;

    /* the vEVENTQ (only with a vIOMMU) */
    bool has_veventq;
    uint32_t veventq_id, veventq_depth;
    int veventq_fd;
    struct vsmmu_vevent_reader rd;
    void (*fd_fn)(void *opaque, int old_fd, int new_fd);
    void *fd_opaque;

    /* forwarded invalidations not sent yet */
    uint64_t batch[ACCEL_BATCH_MAX][2];
    uint32_t batch_idx[ACCEL_BATCH_MAX];
    /* the command to fail if an entry fails: its own, or the earliest one
     * it absorbed (coalescing, accel_inv.c) */
    uint32_t batch_from[ACCEL_BATCH_MAX];
    /* positions + 1 of queued entries by hash of their words (a hint:
     * checked against the entry, so a stale slot only misses a repeat) */
    uint8_t batch_hash[2 * ACCEL_BATCH_MAX];
    /* the fields the host accepts per forwarded opcode (accel_inv.c) */
    uint64_t host_ok[8][2];
    uint8_t host_ok_set;
    unsigned nbatch;
    bool batch_failed;      /* a send failed: reported by the next flush */
    uint32_t batch_fail_idx;
    unsigned ncfgi;         /* devices with cfgi_pending */

    /* host objects whose destroy failed: retried before the vIOMMU goes */
    uint32_t *orphans;
    unsigned norphans, orphans_cap;

    /* a loaded state's devices the VMM has not re-attached yet */
    struct accel_restore *restore;
};

/* accel.c */
void accel_fail(struct vsmmu *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct accel_dev *accel_find(struct vsmmu_accel *a, uint32_t vsid);
/** Destroy a host object; a failure is reported and the id kept for a retry. */
void accel_destroy(struct vsmmu *s, enum vsmmu_trace_obj kind, uint32_t id,
                   const char *what);
void accel_orphans_retry(struct vsmmu *s);

/* accel_veventq.c */
uint32_t accel_veventq_depth(const struct vsmmu *s);
int accel_veventq_create(struct vsmmu *s);
void accel_veventq_destroy(struct vsmmu *s);

/* accel_ste.c */
uint32_t accel_gbpa_proxy(const struct vsmmu *s);
/** Attach @d to @pt (a proxy or its S2); frees its S1 HWPT after a move. */
int accel_dev_move(struct vsmmu *s, struct accel_dev *d, uint32_t pt, const char *why);
/** accel_install_ste(): the guest's STE cannot be used in accel mode (a
 *  guest condition, logged at VSMMU_LOG_GUEST); a command fails with
 *  CERROR_ILL. */
#define ACCEL_STE_REFUSED 0x100
/** Install @d's guest STE (@enabling: on SMMUEN 0->1, where an unusable
 *  STE gives the abort proxy).  Returns 0, CERROR_ILL (a host failure,
 *  reported) or ACCEL_STE_REFUSED. */
int accel_install_ste(struct vsmmu *s, struct accel_dev *d, bool enabling);
/** CFGI_STE / CFGI_STE_RANGE / CFGI_ALL.  Returns 0 or CERROR_ILL. */
int accel_cfgi_ste(struct vsmmu *s, const uint64_t cmd[2], uint32_t idx);
/** Re-install the devices with cfgi_pending, except those first named
 *  after a failure at *@fail (when @failed); the earliest failure goes to
 *  *@fail.  Returns whether there was a failure. */
bool accel_cfgi_flush(struct vsmmu *s, uint32_t start, uint32_t wrmask, bool failed,
                      uint32_t *fail);

/* accel_inv.c */
int accel_inv_queue(struct vsmmu *s, const uint64_t cmd[2], uint32_t idx);
void accel_inv_discard(struct vsmmu_accel *a);

/* accel_state.c: save and restore (model/state.h) */
/** What a device is attached to, as a saved state records it. */
enum accel_att { ATT_S2 = 0, ATT_ABORT = 1, ATT_BYPASS = 2, ATT_NESTED = 3 };
struct accel_restore {
    bool veventq;           /* the source had a vEVENTQ, not made again yet */
    uint32_t veventq_depth; /* its depth */
    unsigned n;
    struct accel_restore_dev {
        uint32_t vsid;
        uint32_t att;
        uint64_t s1_data[2];    /* ATT_NESTED: the STE words installed */
    } *devs;
};
/** Whether @w are STE words a nested HWPT can be made from (what
 *  nested_data() keeps of a valid Config-5 STE). */
bool accel_nested_words_ok(const struct vsmmu *s, const uint64_t w[2]);
/** Attach @d to a nested HWPT made from the STE words @w (already masked):
 *  0, or CERROR_ILL after a host failure (the old attachment stays). */
int accel_install_nested_words(struct vsmmu *s, struct accel_dev *d, const uint64_t w[2]);
/** After @d was attached (and is in a->devs): if the loaded state records
 *  its vSID, attach it to what it was attached to.  0 or -errno. */
int accel_state_reattach(struct vsmmu *s, struct accel_dev *d);
/** Whether a loaded state records where the device with @vsid goes. */
bool accel_state_pending(const struct vsmmu_accel *a, uint32_t vsid);
/** Forget the loaded state's pending devices (reset, destroy). */
void accel_state_forget(struct vsmmu_accel *a);

#endif /* VSMMU_ACCEL_PRIV_H */
