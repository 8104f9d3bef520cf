// SPDX-License-Identifier: MIT
/*
 * Compile-time cross-check of src/iommufd_uapi.h against the uAPI headers
 * of the kernel `make kernel-check` boots (its installed <linux/iommufd.h>
 * and <linux/vfio.h>, and the selftest's iommufd_test.h from its source
 * tree).  Compiled only, never run: any size, offset, ioctl number or
 * constant of ours that differs from that kernel's fails the build.
 */
#include <stddef.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "iommufd_test.h"

#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"
#include "iommufd/iommufd_uapi.h"

#define SAME_SIZE(ours, theirs) \
    _Static_assert(sizeof(struct ours) == sizeof(struct theirs), #ours " size")
#define SAME_FIELD(ours, of, theirs, tf)                                        \
    _Static_assert(offsetof(struct ours, of) == offsetof(struct theirs, tf) &&  \
                   sizeof(((struct ours *)0)->of) == sizeof(((struct theirs *)0)->tf), \
                   #ours "." #of " offset/size")
#define SAME_VALUE(ours, theirs) \
    _Static_assert((long long)(ours) == (long long)(theirs), #ours " value")

/* ioctl numbers */
SAME_VALUE(VSMMU_IOC_DESTROY, IOMMU_DESTROY);
SAME_VALUE(VSMMU_IOC_IOAS_ALLOC, IOMMU_IOAS_ALLOC);
SAME_VALUE(VSMMU_IOC_HWPT_ALLOC, IOMMU_HWPT_ALLOC);
SAME_VALUE(VSMMU_IOC_GET_HW_INFO, IOMMU_GET_HW_INFO);
SAME_VALUE(VSMMU_IOC_HWPT_INVALIDATE, IOMMU_HWPT_INVALIDATE);
SAME_VALUE(VSMMU_IOC_VIOMMU_ALLOC, IOMMU_VIOMMU_ALLOC);
SAME_VALUE(VSMMU_IOC_VDEVICE_ALLOC, IOMMU_VDEVICE_ALLOC);
SAME_VALUE(VSMMU_IOC_VEVENTQ_ALLOC, IOMMU_VEVENTQ_ALLOC);
SAME_VALUE(VSMMU_IOC_TEST_CMD, IOMMU_TEST_CMD);
SAME_VALUE(VSMMU_IOC_VFIO_DEVICE_ATTACH_IOMMUFD_PT, VFIO_DEVICE_ATTACH_IOMMUFD_PT);

/* enum and flag values (ours and the public header's) */
SAME_VALUE(VSMMU_HW_INFO_TYPE_ARM_SMMUV3, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
SAME_VALUE(VSMMU_HWPT_DATA_ARM_SMMUV3, IOMMU_HWPT_DATA_ARM_SMMUV3);
SAME_VALUE(VSMMU_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_ALLOC_NEST_PARENT);
SAME_VALUE(VSMMU_UAPI_HWPT_ALLOC_DIRTY_TRACKING, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
SAME_VALUE(VSMMU_UAPI_HWPT_ALLOC_FAULT_ID_VALID, IOMMU_HWPT_FAULT_ID_VALID);
SAME_VALUE(VSMMU_UAPI_HW_INFO_FLAG_INPUT_TYPE, IOMMU_HW_INFO_FLAG_INPUT_TYPE);
SAME_VALUE(VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3);
SAME_VALUE(VSMMU_VIOMMU_TYPE_ARM_SMMUV3, IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
SAME_VALUE(VSMMU_VEVENTQ_TYPE_ARM_SMMUV3, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3);
SAME_VALUE(VSMMU_VEVENT_FLAG_LOST_EVENTS, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
SAME_VALUE(VSMMU_HW_INFO_TYPE_SELFTEST, IOMMU_HW_INFO_TYPE_SELFTEST);
SAME_VALUE(VSMMU_HWPT_DATA_SELFTEST, IOMMU_HWPT_DATA_SELFTEST);
SAME_VALUE(VSMMU_VIOMMU_TYPE_SELFTEST, IOMMU_VIOMMU_TYPE_SELFTEST);
SAME_VALUE(VSMMU_VIOMMU_INVALIDATE_SELFTEST, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST);
SAME_VALUE(VSMMU_TEST_HWPT_INVALIDATE_DATA, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST);
SAME_VALUE(VSMMU_VEVENTQ_TYPE_SELFTEST, IOMMU_VEVENTQ_TYPE_SELFTEST);
SAME_VALUE(VSMMU_TEST_OP_MOCK_DOMAIN, IOMMU_TEST_OP_MOCK_DOMAIN);
SAME_VALUE(VSMMU_TEST_OP_MOCK_DOMAIN_REPLACE, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE);
SAME_VALUE(VSMMU_TEST_OP_DEV_CHECK_CACHE, IOMMU_TEST_OP_DEV_CHECK_CACHE);
SAME_VALUE(VSMMU_TEST_OP_TRIGGER_VEVENT, IOMMU_TEST_OP_TRIGGER_VEVENT);
SAME_VALUE(VSMMU_TEST_HW_INFO_REGVAL, IOMMU_HW_INFO_SELFTEST_REGVAL);
SAME_VALUE(VSMMU_TEST_IOTLB_DEFAULT, IOMMU_TEST_IOTLB_DEFAULT);
SAME_VALUE(VSMMU_TEST_DEV_CACHE_DEFAULT, IOMMU_TEST_DEV_CACHE_DEFAULT);
SAME_VALUE(VSMMU_TEST_INVALIDATE_FLAG_ALL, IOMMU_TEST_INVALIDATE_FLAG_ALL);
SAME_VALUE(VSMMU_TEST_CACHE_ID_MAX, MOCK_DEV_CACHE_ID_MAX);
SAME_VALUE(VSMMU_TEST_IOTLB_ID_MAX, MOCK_NESTED_DOMAIN_IOTLB_ID_MAX);

/* structs */
SAME_SIZE(vsmmu_uapi_destroy, iommu_destroy);
SAME_FIELD(vsmmu_uapi_destroy, id, iommu_destroy, id);

SAME_SIZE(vsmmu_uapi_ioas_alloc, iommu_ioas_alloc);
SAME_FIELD(vsmmu_uapi_ioas_alloc, flags, iommu_ioas_alloc, flags);
SAME_FIELD(vsmmu_uapi_ioas_alloc, out_ioas_id, iommu_ioas_alloc, out_ioas_id);

SAME_SIZE(vsmmu_uapi_hw_info, iommu_hw_info);
SAME_FIELD(vsmmu_uapi_hw_info, flags, iommu_hw_info, flags);
SAME_FIELD(vsmmu_uapi_hw_info, dev_id, iommu_hw_info, dev_id);
SAME_FIELD(vsmmu_uapi_hw_info, data_len, iommu_hw_info, data_len);
SAME_FIELD(vsmmu_uapi_hw_info, data_uptr, iommu_hw_info, data_uptr);
SAME_FIELD(vsmmu_uapi_hw_info, data_type, iommu_hw_info, out_data_type);
SAME_FIELD(vsmmu_uapi_hw_info, out_max_pasid_log2, iommu_hw_info, out_max_pasid_log2);
SAME_FIELD(vsmmu_uapi_hw_info, reserved, iommu_hw_info, __reserved);
SAME_FIELD(vsmmu_uapi_hw_info, out_capabilities, iommu_hw_info, out_capabilities);

SAME_SIZE(vsmmu_uapi_hwpt_alloc, iommu_hwpt_alloc);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, flags, iommu_hwpt_alloc, flags);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, dev_id, iommu_hwpt_alloc, dev_id);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, pt_id, iommu_hwpt_alloc, pt_id);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, out_hwpt_id, iommu_hwpt_alloc, out_hwpt_id);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, reserved, iommu_hwpt_alloc, __reserved);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, data_type, iommu_hwpt_alloc, data_type);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, data_len, iommu_hwpt_alloc, data_len);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, data_uptr, iommu_hwpt_alloc, data_uptr);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, fault_id, iommu_hwpt_alloc, fault_id);
SAME_FIELD(vsmmu_uapi_hwpt_alloc, reserved2, iommu_hwpt_alloc, __reserved2);

SAME_SIZE(vsmmu_uapi_hwpt_invalidate, iommu_hwpt_invalidate);
SAME_FIELD(vsmmu_uapi_hwpt_invalidate, hwpt_id, iommu_hwpt_invalidate, hwpt_id);
SAME_FIELD(vsmmu_uapi_hwpt_invalidate, data_uptr, iommu_hwpt_invalidate, data_uptr);
SAME_FIELD(vsmmu_uapi_hwpt_invalidate, data_type, iommu_hwpt_invalidate, data_type);
SAME_FIELD(vsmmu_uapi_hwpt_invalidate, entry_len, iommu_hwpt_invalidate, entry_len);
SAME_FIELD(vsmmu_uapi_hwpt_invalidate, entry_num, iommu_hwpt_invalidate, entry_num);
SAME_FIELD(vsmmu_uapi_hwpt_invalidate, reserved, iommu_hwpt_invalidate, __reserved);

SAME_SIZE(vsmmu_uapi_viommu_alloc, iommu_viommu_alloc);
SAME_FIELD(vsmmu_uapi_viommu_alloc, flags, iommu_viommu_alloc, flags);
SAME_FIELD(vsmmu_uapi_viommu_alloc, type, iommu_viommu_alloc, type);
SAME_FIELD(vsmmu_uapi_viommu_alloc, dev_id, iommu_viommu_alloc, dev_id);
SAME_FIELD(vsmmu_uapi_viommu_alloc, hwpt_id, iommu_viommu_alloc, hwpt_id);
SAME_FIELD(vsmmu_uapi_viommu_alloc, out_viommu_id, iommu_viommu_alloc, out_viommu_id);
SAME_FIELD(vsmmu_uapi_viommu_alloc, data_len, iommu_viommu_alloc, data_len);
SAME_FIELD(vsmmu_uapi_viommu_alloc, reserved, iommu_viommu_alloc, __reserved);
SAME_FIELD(vsmmu_uapi_viommu_alloc, data_uptr, iommu_viommu_alloc, data_uptr);

SAME_SIZE(vsmmu_uapi_vdevice_alloc, iommu_vdevice_alloc);
SAME_FIELD(vsmmu_uapi_vdevice_alloc, viommu_id, iommu_vdevice_alloc, viommu_id);
SAME_FIELD(vsmmu_uapi_vdevice_alloc, dev_id, iommu_vdevice_alloc, dev_id);
SAME_FIELD(vsmmu_uapi_vdevice_alloc, out_vdevice_id, iommu_vdevice_alloc, out_vdevice_id);
SAME_FIELD(vsmmu_uapi_vdevice_alloc, virt_id, iommu_vdevice_alloc, virt_id);

SAME_SIZE(vsmmu_uapi_veventq_alloc, iommu_veventq_alloc);
SAME_FIELD(vsmmu_uapi_veventq_alloc, flags, iommu_veventq_alloc, flags);
SAME_FIELD(vsmmu_uapi_veventq_alloc, viommu_id, iommu_veventq_alloc, viommu_id);
SAME_FIELD(vsmmu_uapi_veventq_alloc, type, iommu_veventq_alloc, type);
SAME_FIELD(vsmmu_uapi_veventq_alloc, veventq_depth, iommu_veventq_alloc, veventq_depth);
SAME_FIELD(vsmmu_uapi_veventq_alloc, out_veventq_id, iommu_veventq_alloc, out_veventq_id);
SAME_FIELD(vsmmu_uapi_veventq_alloc, out_veventq_fd, iommu_veventq_alloc, out_veventq_fd);
SAME_FIELD(vsmmu_uapi_veventq_alloc, reserved, iommu_veventq_alloc, __reserved);

SAME_SIZE(vsmmu_uapi_vevent_header, iommufd_vevent_header);
SAME_FIELD(vsmmu_uapi_vevent_header, flags, iommufd_vevent_header, flags);
SAME_FIELD(vsmmu_uapi_vevent_header, sequence, iommufd_vevent_header, sequence);

SAME_SIZE(vsmmu_uapi_hw_info_arm_smmuv3, iommu_hw_info_arm_smmuv3);
SAME_FIELD(vsmmu_uapi_hw_info_arm_smmuv3, flags, iommu_hw_info_arm_smmuv3, flags);
SAME_FIELD(vsmmu_uapi_hw_info_arm_smmuv3, idr, iommu_hw_info_arm_smmuv3, idr);
SAME_FIELD(vsmmu_uapi_hw_info_arm_smmuv3, iidr, iommu_hw_info_arm_smmuv3, iidr);
SAME_FIELD(vsmmu_uapi_hw_info_arm_smmuv3, aidr, iommu_hw_info_arm_smmuv3, aidr);
SAME_SIZE(vsmmu_uapi_hwpt_arm_smmuv3, iommu_hwpt_arm_smmuv3);
SAME_FIELD(vsmmu_uapi_hwpt_arm_smmuv3, ste, iommu_hwpt_arm_smmuv3, ste);
SAME_SIZE(vsmmu_uapi_viommu_arm_smmuv3_invalidate, iommu_viommu_arm_smmuv3_invalidate);
SAME_FIELD(vsmmu_uapi_viommu_arm_smmuv3_invalidate, cmd,
           iommu_viommu_arm_smmuv3_invalidate, cmd);
SAME_SIZE(vsmmu_uapi_vevent_arm_smmuv3, iommu_vevent_arm_smmuv3);
SAME_FIELD(vsmmu_uapi_vevent_arm_smmuv3, evt, iommu_vevent_arm_smmuv3, evt);

SAME_SIZE(vsmmu_uapi_vfio_attach_pt, vfio_device_attach_iommufd_pt);
SAME_FIELD(vsmmu_uapi_vfio_attach_pt, argsz, vfio_device_attach_iommufd_pt, argsz);
SAME_FIELD(vsmmu_uapi_vfio_attach_pt, flags, vfio_device_attach_iommufd_pt, flags);
SAME_FIELD(vsmmu_uapi_vfio_attach_pt, pt_id, vfio_device_attach_iommufd_pt, pt_id);
SAME_FIELD(vsmmu_uapi_vfio_attach_pt, pasid, vfio_device_attach_iommufd_pt, pasid);

SAME_SIZE(vsmmu_uapi_test_cmd, iommu_test_cmd);
SAME_FIELD(vsmmu_uapi_test_cmd, op, iommu_test_cmd, op);
SAME_FIELD(vsmmu_uapi_test_cmd, id, iommu_test_cmd, id);
SAME_FIELD(vsmmu_uapi_test_cmd, reserved, iommu_test_cmd, __reserved);
SAME_FIELD(vsmmu_uapi_test_cmd, u.mock_domain.out_stdev_id, iommu_test_cmd,
           mock_domain.out_stdev_id);
SAME_FIELD(vsmmu_uapi_test_cmd, u.mock_domain.out_hwpt_id, iommu_test_cmd,
           mock_domain.out_hwpt_id);
SAME_FIELD(vsmmu_uapi_test_cmd, u.mock_domain.out_idev_id, iommu_test_cmd,
           mock_domain.out_idev_id);
SAME_FIELD(vsmmu_uapi_test_cmd, u.mock_domain_replace.pt_id, iommu_test_cmd,
           mock_domain_replace.pt_id);
SAME_FIELD(vsmmu_uapi_test_cmd, u.check_dev_cache.id, iommu_test_cmd, check_dev_cache.id);
SAME_FIELD(vsmmu_uapi_test_cmd, u.check_dev_cache.cache, iommu_test_cmd,
           check_dev_cache.cache);
SAME_FIELD(vsmmu_uapi_test_cmd, u.trigger_vevent.dev_id, iommu_test_cmd,
           trigger_vevent.dev_id);
SAME_FIELD(vsmmu_uapi_test_cmd, last, iommu_test_cmd, last);
SAME_SIZE(vsmmu_uapi_test_hw_info, iommu_test_hw_info);
SAME_FIELD(vsmmu_uapi_test_hw_info, test_reg, iommu_test_hw_info, test_reg);
SAME_SIZE(vsmmu_uapi_hwpt_selftest, iommu_hwpt_selftest);
SAME_FIELD(vsmmu_uapi_hwpt_selftest, iotlb, iommu_hwpt_selftest, iotlb);
SAME_FIELD(vsmmu_uapi_hwpt_selftest, pagetable_type, iommu_hwpt_selftest, pagetable_type);
SAME_SIZE(vsmmu_uapi_hwpt_invalidate_selftest, iommu_hwpt_invalidate_selftest);
SAME_FIELD(vsmmu_uapi_hwpt_invalidate_selftest, iotlb_id, iommu_hwpt_invalidate_selftest,
           iotlb_id);
SAME_SIZE(vsmmu_uapi_viommu_invalidate_selftest, iommu_viommu_invalidate_selftest);
SAME_FIELD(vsmmu_uapi_viommu_invalidate_selftest, vdev_id,
           iommu_viommu_invalidate_selftest, vdev_id);
SAME_FIELD(vsmmu_uapi_viommu_invalidate_selftest, cache_id,
           iommu_viommu_invalidate_selftest, cache_id);
SAME_SIZE(vsmmu_uapi_vevent_selftest, iommu_viommu_event_selftest);

/* The kernel's minimum sizes (offsetofend of the last required field). */
#define END(s, f) (offsetof(struct s, f) + sizeof(((struct s *)0)->f))
SAME_VALUE(VSMMU_UAPI_MIN_DESTROY, END(iommu_destroy, id));
SAME_VALUE(VSMMU_UAPI_MIN_IOAS_ALLOC, END(iommu_ioas_alloc, out_ioas_id));
SAME_VALUE(VSMMU_UAPI_MIN_HW_INFO, END(iommu_hw_info, __reserved));
SAME_VALUE(VSMMU_UAPI_MIN_HWPT_ALLOC, END(iommu_hwpt_alloc, __reserved));
SAME_VALUE(VSMMU_UAPI_MIN_HWPT_INVALIDATE, END(iommu_hwpt_invalidate, __reserved));
SAME_VALUE(VSMMU_UAPI_MIN_VIOMMU_ALLOC, END(iommu_viommu_alloc, out_viommu_id));
SAME_VALUE(VSMMU_UAPI_MIN_VDEVICE_ALLOC, END(iommu_vdevice_alloc, virt_id));
SAME_VALUE(VSMMU_UAPI_MIN_VEVENTQ_ALLOC, END(iommu_veventq_alloc, out_veventq_fd));
SAME_VALUE(VSMMU_UAPI_MIN_TEST_CMD, END(iommu_test_cmd, last));
