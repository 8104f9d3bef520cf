/* SPDX-License-Identifier: MIT */
/*
 * vsmmu save and restore: live migration and snapshots of an instance.
 *
 * vsmmu_state_save() writes everything the guest can observe (every
 * register, including those only the SMMU writes, a command-queue error
 * waiting for GERRORN, the counters of vsmmu_get_stats() and, in accel mode,
 * the vSID of each passthrough device and what it is attached to) as a
 * versioned, little-endian binary blob; vsmmu_state_load() restores it on an
 * instance created with the same configuration.  Caches are not state: after
 * a load they are empty.  docs/state.md describes the format, its version
 * policy, what the VMM must quiesce and how to wire the blob into a
 * migration stream.
 *
 * Rules for the VMM:
 *  - save with the vCPUs stopped and no vsmmu_translate() in flight; in
 *    accel mode stop the passthrough devices' DMA and call
 *    vsmmu_accel_process_events() (the last drain, which writes the guest's
 *    event queue: do it before the final copy of guest RAM).  Host events
 *    that are still in the vEVENTQ when vsmmu_state_save() runs are lost:
 *    the save reads them, counts them (host_lost) and toggles
 *    EVENTQ_PROD.OVFLG so that the guest sees an overflow, never a silent
 *    gap;
 *  - load with the vCPUs stopped, before the guest runs again; guest RAM
 *    must already hold the source's content when a passthrough device is
 *    re-attached (its nested HWPT is rebuilt from the guest STE);
 *  - in accel mode, call vsmmu_accel_set_iommufd() with the destination's
 *    iommufd and (before or after the load) vsmmu_accel_attach() every
 *    passthrough device with its vSID, its new dev_id and S2 HWPT: the
 *    attach rebuilds the host objects and re-attaches the device to what it
 *    was attached to on the source.
 */
#ifndef VSMMU_STATE_H
#define VSMMU_STATE_H

#include <stddef.h>

#include "vsmmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The format version this library writes (docs/state.md). */
#define VSMMU_STATE_VERSION_MAJOR 1
#define VSMMU_STATE_VERSION_MINOR 0

/**
 * Save the state of @s into @buf (@len bytes).  *@needed (may be NULL) is
 * set to the size of the state.  Returns 0, -ENOSPC when @buf is NULL or
 * @len is smaller than *@needed (nothing is written, nothing changes), or
 * -EINVAL.  In accel mode a successful save first reads the vEVENTQ: records
 * still there are lost and flagged as described above.
 */
int vsmmu_state_save(vsmmu_t *s, void *buf, size_t len, size_t *needed);

/**
 * Load a state saved by vsmmu_state_save() (on this or another host) into
 * @s, which must have been created with the same configuration (the ID
 * registers, accel mode and the behaviour flags must match).  The blob is
 * untrusted input: it is checked completely before anything changes, and a
 * refused blob leaves @s as it was.  Returns 0, or:
 *  - -EBADMSG: not a vsmmu state, truncated, checksum mismatch, malformed
 *    or missing section;
 *  - -EPROTO: a format version or a mandatory feature this library does not
 *    know (a newer major version);
 *  - -EINVAL: made with another configuration, or a register value the
 *    instance cannot hold (reserved bits, ...);
 *  - -ENOMEM.
 * The reason is reported through the log callback at VSMMU_LOG_ERROR.
 * Caches are emptied (and the invalidation notifier told VSMMU_INVAL_ALL);
 * no command is processed and no interrupt is signalled by the load.
 */
int vsmmu_state_load(vsmmu_t *s, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_STATE_H */
