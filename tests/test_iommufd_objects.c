// SPDX-License-Identifier: MIT
/*
 * iommufd backend operations with the kernel's selftest types: IOAS and
 * mock device, nest-parent HWPT, vIOMMU, nested HWPT, vDEVICE, attach and
 * replace, invalidation, destroy; the success path and each error the
 * kernel gives.  One source for both transports (see kernel/ktest.h):
 * `make check` runs it on the simulated kernel, `make kernel-check` on a
 * real Linux kernel.
 */
#include "kernel/ktest.h"

TEST(full_setup_and_teardown_leaves_nothing)
{
    struct kt k;

    kt_setup_full(&k, 8);
    /* Distinct ids for distinct objects. */
    CHECK(k.ioas != k.parent && k.parent != k.viommu && k.viommu != k.nested);
    CHECK(k.nested != k.vdev && k.vdev != k.veventq && k.veventq != k.ioas);
    kt_teardown(&k);
}

TEST(setup_without_events_teardown_leaves_nothing)
{
    struct kt k;

    kt_setup_viommu(&k);
    kt_teardown(&k);
}

TEST(get_hw_info_of_mock_device)
{
    struct kt k;
    uint8_t buf[16];
    struct vsmmu_uapi_test_hw_info info;
    uint32_t len, type = 0;
    uint64_t caps = ~0ull;

    kt_setup_viommu(&k);
    /* A larger buffer: the kernel's 8 bytes, the rest zeroed, the real
     * length returned. */
    memset(buf, 0xa5, sizeof(buf));
    len = sizeof(buf);
    CHECK_OK(vsmmu_iommufd_get_hw_info(k.t, k.dev.dev_id, buf, &len, &type, &caps));
    CHECK_EQ(len, sizeof(info));
    CHECK_EQ(type, VSMMU_HW_INFO_TYPE_SELFTEST);
    memcpy(&info, buf, sizeof(info));
    CHECK_EQ(info.flags, 0);
    CHECK_EQ(info.test_reg, VSMMU_TEST_HW_INFO_REGVAL);
    for (size_t i = sizeof(info); i < sizeof(buf); i++)
        CHECK_EQ(buf[i], 0);
    /* A shorter buffer: only what fits is written; the length says 8. */
    memset(buf, 0xa5, sizeof(buf));
    len = 4;
    CHECK_OK(vsmmu_iommufd_get_hw_info(k.t, k.dev.dev_id, buf, &len, NULL, NULL));
    CHECK_EQ(len, sizeof(info));
    CHECK_EQ(kt_le32(buf), 0);
    CHECK_EQ(buf[4], 0xa5);
    /* No buffer at all: just the length. */
    len = 0;
    CHECK_OK(vsmmu_iommufd_get_hw_info(k.t, k.dev.dev_id, NULL, &len, &type, NULL));
    CHECK_EQ(len, sizeof(info));
    CHECK_EQ(type, VSMMU_HW_INFO_TYPE_SELFTEST);
    /* An id that is not a device. */
    len = sizeof(buf);
    CHECK_RC(vsmmu_iommufd_get_hw_info(k.t, 0x7777, buf, &len, NULL, NULL), ENOENT);
    CHECK_RC(vsmmu_iommufd_get_hw_info(k.t, k.ioas, buf, &len, NULL, NULL), ENOENT);
    kt_teardown(&k);
}

TEST(hwpt_alloc_paging_errors)
{
    struct kt k;
    uint32_t id = 0;
    uint8_t junk[4] = { 1, 2, 3, 4 };

    kt_setup_viommu(&k);
    /* Unknown device: ENOENT; an unknown pt_id: EINVAL (the kernel maps a
     * failed page-table lookup to EINVAL). */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, 0x7777, k.ioas, VSMMU_HWPT_ALLOC_NEST_PARENT,
                                      0, NULL, 0, &id), ENOENT);
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, 0x7777,
                                      VSMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL, 0, &id),
             EINVAL);
    /* Data type NONE with data: EINVAL. */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas,
                                      VSMMU_HWPT_ALLOC_NEST_PARENT, 0, junk,
                                      sizeof(junk), &id), EINVAL);
    /* A non-NONE data type without data: EINVAL. */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas, 0,
                                      VSMMU_HWPT_DATA_SELFTEST, NULL, 0, &id), EINVAL);
    /* An unknown allocation flag: EOPNOTSUPP. */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas, 1u << 30, 0, NULL, 0,
                                      &id), EOPNOTSUPP);
    /* A plain (not nest-parent) paging HWPT works and is destroyable. */
    CHECK_OK(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas, 0, 0, NULL, 0, &id));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, id));
    kt_teardown(&k);
}

TEST(viommu_alloc_errors)
{
    struct kt k;
    uint32_t plain, id = 0;

    kt_setup_viommu(&k);
    /* Type DEFAULT (0) and a type the driver lacks: EOPNOTSUPP. */
    CHECK_RC(vsmmu_iommufd_viommu_alloc(k.t, 0, k.dev.dev_id, k.parent, &id), EOPNOTSUPP);
    CHECK_RC(vsmmu_iommufd_viommu_alloc(k.t, VSMMU_VIOMMU_TYPE_ARM_SMMUV3, k.dev.dev_id,
                                        k.parent, &id), EOPNOTSUPP);
    /* A paging HWPT without NEST_PARENT: EINVAL; hwpt 0 / not a HWPT: ENOENT. */
    CHECK_OK(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas, 0, 0, NULL, 0, &plain));
    CHECK_RC(vsmmu_iommufd_viommu_alloc(k.t, VSMMU_VIOMMU_TYPE_SELFTEST, k.dev.dev_id,
                                        plain, &id), EINVAL);
    CHECK_RC(vsmmu_iommufd_viommu_alloc(k.t, VSMMU_VIOMMU_TYPE_SELFTEST, k.dev.dev_id,
                                        0, &id), ENOENT);
    CHECK_RC(vsmmu_iommufd_viommu_alloc(k.t, VSMMU_VIOMMU_TYPE_SELFTEST, k.dev.dev_id,
                                        k.ioas, &id), ENOENT);
    /* Unknown device: ENOENT. */
    CHECK_RC(vsmmu_iommufd_viommu_alloc(k.t, VSMMU_VIOMMU_TYPE_SELFTEST, 0x7777,
                                        k.parent, &id), ENOENT);
    /* A second vIOMMU on the same parent is allowed. */
    CHECK_OK(vsmmu_iommufd_viommu_alloc(k.t, VSMMU_VIOMMU_TYPE_SELFTEST, k.dev.dev_id,
                                        k.parent, &id));
    CHECK(id != k.viommu);
    /* The vIOMMUs hold the parent: EBUSY. */
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.parent), EBUSY);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, id));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, plain));
    kt_teardown(&k);
}

TEST(nested_hwpt_alloc_and_errors)
{
    struct kt k;
    struct vsmmu_uapi_hwpt_selftest d = { .iotlb = VSMMU_TEST_IOTLB_DEFAULT };
    uint32_t id = 0;

    kt_setup_viommu(&k);
    CHECK_OK(kt_nested_alloc(&k, &k.nested));
    /* Only the iotlb word is required (4 bytes). */
    CHECK_OK(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 0,
                                      VSMMU_HWPT_DATA_SELFTEST, &d, 4, &id));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, id));
    /* A data type the driver does not know: EOPNOTSUPP. */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 0,
                                      VSMMU_HWPT_DATA_ARM_SMMUV3, &d, sizeof(d), &id),
             EOPNOTSUPP);
    /* No data on a vIOMMU: EOPNOTSUPP. */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 0, 0, NULL, 0, &id),
             EOPNOTSUPP);
    /* NEST_PARENT makes no sense for a nested HWPT: EOPNOTSUPP. */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu,
                                      VSMMU_HWPT_ALLOC_NEST_PARENT,
                                      VSMMU_HWPT_DATA_SELFTEST, &d, sizeof(d), &id),
             EOPNOTSUPP);
    kt_teardown(&k);
}

TEST(vdevice_alloc_and_errors)
{
    struct kt k;
    struct vsmmu_iommufd_dev dev2 = VSMMU_STRUCT_INIT(dev2);
    uint32_t hwpt2, id = 0, id2 = 0;

    kt_setup_viommu(&k);
    CHECK_OK(vsmmu_iommufd_mock_device(k.t, k.ioas, &dev2, &hwpt2));
    CHECK(dev2.dev_id != k.dev.dev_id && dev2.stdev_id != k.dev.stdev_id);
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, KT_VIRT_ID, &k.vdev));
    /* The same device again, even with another virt_id: EEXIST. */
    CHECK_RC(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, KT_VIRT_ID + 1, &id),
             EEXIST);
    /* Another device with the same virt_id: EEXIST. */
    CHECK_RC(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, dev2.dev_id, KT_VIRT_ID, &id),
             EEXIST);
    /* Unknown vIOMMU, or an id that is not one: ENOENT; unknown device: ENOENT. */
    CHECK_RC(vsmmu_iommufd_vdevice_alloc(k.t, 0x7777, dev2.dev_id, 5, &id), ENOENT);
    CHECK_RC(vsmmu_iommufd_vdevice_alloc(k.t, k.parent, dev2.dev_id, 5, &id), ENOENT);
    CHECK_RC(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, 0x7777, 5, &id), ENOENT);
    /* A fresh virt_id for the other device works; then both go away, and
     * the first device can get a new virt_id. */
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, dev2.dev_id, KT_VIRT_ID + 1, &id2));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, id2));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.vdev));
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, 0x88, &k.vdev));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, dev2.stdev_id));
    CHECK_RC(vsmmu_iommufd_destroy(k.t, dev2.stdev_id), ENOENT);
    kt_teardown(&k);
}

TEST(attach_nested_needs_vdevice_and_replace_works)
{
    struct kt k;

    kt_setup_viommu(&k);
    CHECK_OK(kt_nested_alloc(&k, &k.nested));
    /* No vDEVICE of the device in that vIOMMU yet: ENOENT. */
    CHECK_RC(vsmmu_iommufd_attach(k.t, &k.dev, k.nested), ENOENT);
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, KT_VIRT_ID, &k.vdev));
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.nested));
    /* Replace among the nest parent, the IOAS and the nested HWPT again. */
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.parent));
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.ioas));
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.nested));
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.nested));
    /* Attached HWPTs cannot be destroyed. */
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.nested), EBUSY);
    /* Not a page table: EINVAL; unknown: ENOENT. */
    CHECK_RC(vsmmu_iommufd_attach(k.t, &k.dev, k.viommu), EINVAL);
    CHECK_RC(vsmmu_iommufd_attach(k.t, &k.dev, 0x7777), ENOENT);
    kt_teardown(&k);
}

TEST(invalidate_viommu_entries)
{
    struct kt k;
    struct vsmmu_uapi_viommu_invalidate_selftest e[3];
    const uint32_t elen = sizeof(e[0]);
    uint32_t n;

    kt_setup_viommu(&k);
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, KT_VIRT_ID, &k.vdev));
    memset(e, 0, sizeof(e));
    for (unsigned i = 0; i < 3; i++) {
        e[i].vdev_id = KT_VIRT_ID;
        e[i].cache_id = i;
    }
    e[2].flags = VSMMU_TEST_INVALIDATE_FLAG_ALL;
    n = 3;
    CHECK_OK(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, VSMMU_VIOMMU_INVALIDATE_SELFTEST,
                                           e, elen, &n));
    CHECK_EQ(n, 3);
    /* An empty array checks the type only. */
    n = 0;
    CHECK_OK(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, VSMMU_VIOMMU_INVALIDATE_SELFTEST,
                                           NULL, elen, &n));
    CHECK_EQ(n, 0);
    /* The second entry names no vDEVICE: EINVAL after one handled. */
    e[1].vdev_id = KT_VIRT_ID + 1;
    n = 3;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, VSMMU_VIOMMU_INVALIDATE_SELFTEST,
                                           e, elen, &n), EINVAL);
    CHECK_EQ(n, 1);
    e[1].vdev_id = KT_VIRT_ID;
    /* A cache id out of range: EINVAL; an unknown flag: EOPNOTSUPP. */
    e[0].cache_id = VSMMU_TEST_CACHE_ID_MAX + 1;
    n = 3;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, VSMMU_VIOMMU_INVALIDATE_SELFTEST,
                                           e, elen, &n), EINVAL);
    CHECK_EQ(n, 0);
    e[0].cache_id = 0;
    e[2].flags = 0x80;
    n = 3;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, VSMMU_VIOMMU_INVALIDATE_SELFTEST,
                                           e, elen, &n), EOPNOTSUPP);
    CHECK_EQ(n, 2);
    e[2].flags = 0;
    /* A wrong data type: EINVAL, nothing handled. */
    n = 3;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3,
                                           e, elen, &n), EINVAL);
    CHECK_EQ(n, 0);
    /* Entries but no entry length, or no array: EINVAL. */
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, VSMMU_VIOMMU_INVALIDATE_SELFTEST,
                                           e, 0, &n), EINVAL);
    CHECK_EQ(n, 0);
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, VSMMU_VIOMMU_INVALIDATE_SELFTEST,
                                           NULL, elen, &n), EINVAL);
    CHECK_EQ(n, 0);
    kt_teardown(&k);
}

TEST(invalidate_nested_hwpt_and_wrong_targets)
{
    struct kt k;
    struct vsmmu_uapi_hwpt_invalidate_selftest e[2];
    const uint32_t elen = sizeof(e[0]);
    uint32_t n;

    kt_setup_viommu(&k);
    CHECK_OK(kt_nested_alloc(&k, &k.nested));
    memset(e, 0, sizeof(e));
    e[0].iotlb_id = 1;
    e[1].flags = VSMMU_TEST_INVALIDATE_FLAG_ALL;
    n = 2;
    CHECK_OK(vsmmu_iommufd_hwpt_invalidate(k.t, k.nested, VSMMU_TEST_HWPT_INVALIDATE_DATA,
                                           e, elen, &n));
    CHECK_EQ(n, 2);
    e[1].flags = 0;
    e[1].iotlb_id = VSMMU_TEST_IOTLB_ID_MAX + 1;
    n = 2;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.nested, VSMMU_TEST_HWPT_INVALIDATE_DATA,
                                           e, elen, &n), EINVAL);
    CHECK_EQ(n, 1);
    n = 2;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.nested, VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3,
                                           e, elen, &n), EINVAL);
    CHECK_EQ(n, 0);
    /* Neither a nested HWPT nor a vIOMMU: EINVAL; no object: ENOENT. */
    e[1].iotlb_id = 0;
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.parent, VSMMU_TEST_HWPT_INVALIDATE_DATA,
                                           e, elen, &n), EINVAL);
    CHECK_EQ(n, 0);
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.ioas, VSMMU_TEST_HWPT_INVALIDATE_DATA,
                                           e, elen, &n), EINVAL);
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, 0x7777, VSMMU_TEST_HWPT_INVALIDATE_DATA,
                                           e, elen, &n), ENOENT);
    CHECK_EQ(n, 0);
    kt_teardown(&k);
}

TEST(destroy_viommu_busy_with_each_dependent)
{
    struct kt k;

    kt_setup_viommu(&k);
    /* Only a nested HWPT. */
    CHECK_OK(kt_nested_alloc(&k, &k.nested));
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.viommu), EBUSY);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.nested));
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.nested), ENOENT);
    k.nested = 0;
    /* Only a vDEVICE. */
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, KT_VIRT_ID, &k.vdev));
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.viommu), EBUSY);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.vdev));
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.vdev), ENOENT);
    k.vdev = 0;
    /* Only a vEVENTQ, with its fd open and after it is closed. */
    CHECK_OK(kt_veventq_alloc(&k, 4));
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.viommu), EBUSY);
    CHECK_OK(vsmmu_iommufd_veventq_close(k.t, k.evfd));
    k.evfd = -1;
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.viommu), EBUSY);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.veventq));
    k.veventq = 0;
    /* The parent is held by the vIOMMU, the IOAS by its HWPTs. */
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.parent), EBUSY);
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.ioas), EBUSY);
    /* Id 0 is never an object. */
    CHECK_RC(vsmmu_iommufd_destroy(k.t, 0), ENOENT);
    kt_teardown(&k);
}

TEST(freed_ids_are_reused)
{
    struct kt k;
    uint32_t id;

    kt_setup_viommu(&k);
    CHECK_OK(kt_nested_alloc(&k, &k.nested));
    id = k.nested;
    CHECK_OK(vsmmu_iommufd_destroy(k.t, id));
    CHECK_OK(kt_nested_alloc(&k, &k.nested));
    CHECK_EQ(k.nested, id);
    /* A failed allocation consumes no id. */
    CHECK_RC(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, 0x7777, 5, &id), ENOENT);
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, KT_VIRT_ID, &k.vdev));
    CHECK_EQ(k.vdev, k.nested + 1);
    kt_teardown(&k);
}
