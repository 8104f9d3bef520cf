/* SPDX-License-Identifier: MIT */
/*
 * vsmmu test doubles: the simulated iommufd kernel and the controls of the
 * Linux kernel's iommufd selftest mock driver.  Not part of the product
 * API: a VMM needs only vsmmu.h and vsmmu_iommufd.h.  These functions live
 * in libvsmmu-sim.a, which the vsmmu tool and the test suite link before
 * libvsmmu; the installed copy is for projects that test their own
 * integration of vsmmu without /dev/iommu.
 *
 * The simulated kernel follows the real kernel's rules and error codes (see
 * docs/iommufd.md); a transport made by vsmmu_iommufd_sim_create() is used
 * with every vsmmu_iommufd_* call and with vsmmu_accel_set_iommufd().
 */
#ifndef VSMMU_SIM_H
#define VSMMU_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "vsmmu_iommufd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's selftest mock driver's types. */
#define VSMMU_HW_INFO_TYPE_SELFTEST          0xfeedbeefu
#define VSMMU_HWPT_DATA_SELFTEST             0xdeadu
#define VSMMU_VIOMMU_TYPE_SELFTEST           0xdeadbeefu
#define VSMMU_VIOMMU_INVALIDATE_SELFTEST     0xdeadbeefu
#define VSMMU_VEVENTQ_TYPE_SELFTEST          0xbeefbeefu

/** Create a simulated iommufd kernel (in-process, no /dev/iommu needed). */
int vsmmu_iommufd_sim_create(vsmmu_iommufd_t **out);
/** Whether @t is a simulated kernel. */
bool vsmmu_iommufd_is_sim(const vsmmu_iommufd_t *t);

/* ---- the kernel's selftest mock driver (real kernel with
 *      CONFIG_IOMMUFD_TEST, or the simulated kernel; -EOPNOTSUPP on a
 *      custom transport) --------------------------------------------------- */
/** IOMMU_TEST_OP_MOCK_DOMAIN: a mock device attached to @pt_id. */
int vsmmu_iommufd_mock_device(vsmmu_iommufd_t *t, uint32_t pt_id,
                              struct vsmmu_iommufd_dev *out_dev,
                              uint32_t *out_hwpt_id);
/** IOMMU_TEST_OP_TRIGGER_VEVENT for the mock device @dev_id. */
int vsmmu_iommufd_mock_trigger_vevent(vsmmu_iommufd_t *t, uint32_t dev_id);

/* ---- simulated kernel controls ---------------------------------------- */
enum vsmmu_sim_op {
    VSMMU_SIM_GET_HW_INFO, VSMMU_SIM_HWPT_ALLOC, VSMMU_SIM_HWPT_INVALIDATE,
    VSMMU_SIM_VIOMMU_ALLOC, VSMMU_SIM_VDEVICE_ALLOC, VSMMU_SIM_VEVENTQ_ALLOC,
    VSMMU_SIM_ATTACH, VSMMU_SIM_DESTROY, VSMMU_SIM_NR_OPS
};
/** Name as in the `host-fail` command ("hwpt_alloc"), or NULL. */
const char *vsmmu_sim_op_name(enum vsmmu_sim_op op);
/** Make the @nth next call (1 = the next) of @op fail with -@err. */
int vsmmu_sim_fail(vsmmu_iommufd_t *t, enum vsmmu_sim_op op, unsigned nth, int err);
/**
 * Add a host device behind a simulated SMMUv3 (GET_HW_INFO returns
 * @idr[0..5]; NULL: a capable default) attached to a fresh IOAS, with a
 * nest-parent HWPT; returns the device and the nest-parent HWPT id.
 */
int vsmmu_sim_add_device(vsmmu_iommufd_t *t, const uint32_t *idr,
                         struct vsmmu_iommufd_dev *out_dev,
                         uint32_t *out_s2_hwpt_id);
/**
 * The host SMMU raises the 32-byte event @rec for @dev_id.  Returns 1 if
 * the record was queued to a vEVENTQ, 0 if the kernel filtered it (type not
 * forwarded, stall, stage 2, no vDEVICE/nested attachment, no vEVENTQ).
 */
int vsmmu_sim_host_event(vsmmu_iommufd_t *t, uint32_t dev_id, const uint8_t rec[32]);
/** Live objects of a kind: "ioas", "hwpt", "viommu", "vdevice", "veventq",
 *  "device", or "all"; and the open vEVENTQ fds with "fd". */
unsigned vsmmu_sim_count(vsmmu_iommufd_t *t, const char *kind);
/** Calls of @op made so far (successful or not). */
unsigned vsmmu_sim_calls(vsmmu_iommufd_t *t, enum vsmmu_sim_op op);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_SIM_H */
