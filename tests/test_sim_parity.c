// SPDX-License-Identifier: MIT
/*
 * Rules the simulated kernel takes from Linux 7.3's iommufd core and
 * selftest mock driver, written against the backend API so that the same
 * source runs on the simulator (make check) and on a real kernel
 * (VSMMU_IOMMUFD=real, see tests/kernel/ktest.h): where the two disagree,
 * the simulator is wrong.  These are the finer points the backend tests
 * (tests/test_iommufd*.c) do not cover.
 */
#include "kernel/ktest.h"

static void close_kt(struct kt *k)
{
    if (k->evfd >= 0)
        vsmmu_iommufd_veventq_close(k->t, k->evfd);
    vsmmu_iommufd_close(k->t);
}

TEST(parity_device_object_not_destroyable)
{
    struct kt k;
    kt_setup_viommu(&k);
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.dev.dev_id), EBUSY);
    close_kt(&k);
}

TEST(parity_hwpt_alloc_unknown_pt_is_einval_attach_unknown_is_enoent)
{
    struct kt k;
    uint32_t h;
    kt_setup_viommu(&k);
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, 0x7777, 0, 0, NULL, 0, &h), EINVAL);
    CHECK_RC(vsmmu_iommufd_attach(k.t, &k.dev, 0x7777), ENOENT);
    CHECK_RC(vsmmu_iommufd_attach(k.t, &k.dev, k.viommu), EINVAL);
    close_kt(&k);
}

TEST(parity_mock_hwpt_data_lengths)
{
    struct kt k;
    uint32_t h;
    uint8_t d[12];
    kt_setup_viommu(&k);
    memset(d, 0, sizeof(d));
    d[0] = 0xef;
    /* {iotlb, pagetable_type}: 4 to 8 bytes; longer is EINVAL even if zero */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 0, 0xdead, d, 3, &h),
             EINVAL);
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 0, 0xdead, d, 12, &h),
             EINVAL);
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 0, 2, d, 4, &h),
             EOPNOTSUPP);
    CHECK_OK(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 0, 0xdead, d, 8, &h));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, h));
    /* a paging HWPT takes the same data; page-table types 0 and 1 only */
    d[4] = 2;
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas, 0, 0xdead, d, 8, &h),
             EOPNOTSUPP);
    d[4] = 1;
    CHECK_OK(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas, 0, 0xdead, d, 8, &h));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, h));
    close_kt(&k);
}

TEST(parity_hwpt_alloc_flag_rules)
{
    struct kt k;
    uint32_t h;
    uint8_t d[4] = { 1, 0, 0, 0 };
    kt_setup_viommu(&k);
    /* FAULT_ID_VALID with fault id 0: no such fault object */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 1u << 2, 0xdead, d, 4,
                                      &h), ENOENT);
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas, 1u << 2, 0, NULL, 0, &h),
             ENOENT);
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.ioas, 1u << 2 | 1u << 0, 0, NULL,
                                      0, &h), EOPNOTSUPP);
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 1u << 0, 0xdead, d, 4,
                                      &h), EOPNOTSUPP);
    /* ALLOC_PASID is accepted on a nested HWPT of the mock */
    CHECK_OK(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.viommu, 1u << 3, 0xdead, d, 4,
                                      &h));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, h));
    /* nesting on an automatic domain: EINVAL */
    CHECK_RC(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, k.dev_hwpt, 0, 0xdead, d, 4, &h),
             EINVAL);
    close_kt(&k);
}

TEST(parity_mock_hw_info_capabilities)
{
    struct kt k;
    uint32_t len = 0, type = 0;
    uint64_t caps = 0;
    kt_setup_viommu(&k);
    CHECK_OK(vsmmu_iommufd_get_hw_info(k.t, k.dev.dev_id, NULL, &len, &type, &caps));
    CHECK_EQ(caps, 1u | 1u << 3);   /* dirty tracking; ATS not supported */
    close_kt(&k);
}

/* The mock records the virt_id at attach; destroying the vDEVICE does not
 * take it back, and a re-attach within the same vIOMMU keeps it. */
TEST(parity_trigger_uses_virt_id_recorded_at_attach)
{
    struct kt k;
    uint8_t buf[64];
    uint32_t vd2, nested2;
    kt_setup_full(&k, 8);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.vdev));
    k.vdev = 0;
    kt_trigger(&k, 1);
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, 0x88, &vd2));
    CHECK_OK(kt_nested_alloc(&k, &nested2));
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, nested2));
    kt_trigger(&k, 1);
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.ioas));
    CHECK_RC(vsmmu_iommufd_mock_trigger_vevent(k.t, k.dev.dev_id), ENOENT);
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, nested2));
    kt_trigger(&k, 1);
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 36);
    CHECK_EQ(kt_le32(buf + 8), 0x99);
    CHECK_EQ(kt_le32(buf + 20), 0x99);
    CHECK_EQ(kt_le32(buf + 32), 0x88);
    close_kt(&k);
}

TEST(parity_unbind_leaves_vdevice_id_as_tombstone)
{
    struct kt k;
    uint32_t vd, id;
    kt_setup_viommu(&k);
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, 0x99, &vd));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.dev.stdev_id));
    CHECK_RC(vsmmu_iommufd_destroy(k.t, vd), ENOENT);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.viommu));   /* no vDEVICE holds it now */
    for (int i = 0; i < 12; i++) {
        CHECK_OK(vsmmu_iommufd_ioas_alloc(k.t, &id));
        CHECK_MSG(id != vd, "the tombstoned id %u was reused", vd);
    }
    close_kt(&k);
}

TEST(parity_mock_devices_share_the_automatic_domain)
{
    struct kt k;
    struct vsmmu_iommufd_dev d2 = VSMMU_STRUCT_INIT(d2);
    uint32_t h2;
    kt_setup_viommu(&k);
    CHECK_OK(vsmmu_iommufd_mock_device(k.t, k.ioas, &d2, &h2));
    CHECK_EQ(h2, k.dev_hwpt);
    CHECK_RC(vsmmu_iommufd_destroy(k.t, h2), EBUSY);
    close_kt(&k);
}

TEST(parity_mock_viommu_invalidate_rules)
{
    struct kt k;
    struct vsmmu_uapi_viommu_invalidate_selftest e[2];
    uint32_t n;
    kt_setup_full(&k, 2);
    memset(e, 0, sizeof(e));
    e[0].vdev_id = KT_VIRT_ID;
    e[1].vdev_id = KT_VIRT_ID;
    n = 0;   /* an empty array of the right type probes the type */
    CHECK_OK(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdeadbeef, e, sizeof(e[0]), &n));
    n = 0;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdadbeef, e, sizeof(e[0]), &n),
             EINVAL);
    n = 2;
    CHECK_OK(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdeadbeef, e, sizeof(e[0]), &n));
    CHECK_EQ(n, 2);
    e[1].vdev_id = 0x98;
    n = 2;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdeadbeef, e, sizeof(e[0]), &n),
             EINVAL);
    CHECK_EQ(n, 1);
    e[1].vdev_id = KT_VIRT_ID;
    e[1].cache_id = 4;
    n = 2;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdeadbeef, e, sizeof(e[0]), &n),
             EINVAL);
    CHECK_EQ(n, 1);
    e[1].cache_id = 0;
    e[0].flags = 2;
    n = 2;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdeadbeef, e, sizeof(e[0]), &n),
             EOPNOTSUPP);
    CHECK_EQ(n, 0);
    e[0].flags = 0;
    /* a shorter entry is zero-extended */
    n = 1;
    CHECK_OK(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdeadbeef, e, 8, &n));
    /* the core's bounds */
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdeadbeef, e, 4097, &n), EINVAL);
    n = (1u << 19) + 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.viommu, 0xdeadbeef, e, sizeof(e[0]), &n),
             EINVAL);
    CHECK_EQ(n, 0);
    close_kt(&k);
}

TEST(parity_mock_nested_invalidate_entry_len)
{
    struct kt k;
    uint8_t e[16];
    uint32_t n;
    kt_setup_full(&k, 2);
    memset(e, 0, sizeof(e));
    n = 1;
    CHECK_OK(vsmmu_iommufd_hwpt_invalidate(k.t, k.nested, 0xdeadbeef, e, 8, &n));
    CHECK_EQ(n, 1);
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.nested, 0xdeadbeef, e, 12, &n), EINVAL);
    CHECK_EQ(n, 0);
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.nested, 0xdeadbeef, e, 4, &n), EINVAL);
    e[4] = 4;   /* iotlb_id beyond the mock's maximum */
    n = 1;
    CHECK_RC(vsmmu_iommufd_hwpt_invalidate(k.t, k.nested, 0xdeadbeef, e, 8, &n), EINVAL);
    n = 0;
    CHECK_OK(vsmmu_iommufd_hwpt_invalidate(k.t, k.nested, 0xdeadbeef, e, 8, &n));
    close_kt(&k);
}

TEST(parity_lost_header_alone_reads_in_8_bytes)
{
    struct kt k;
    uint8_t buf[32];
    kt_setup_full(&k, 1);
    kt_trigger(&k, 3);   /* 0 kept; 1 and 2 lost */
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, 12), 12);
    CHECK(kt_readable(k.evfd, 0));
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, 8), 8);
    CHECK_EQ(kt_le32(buf), VSMMU_VEVENT_FLAG_LOST_EVENTS);
    CHECK_EQ(kt_le32(buf + 4), 2);
    CHECK(!kt_readable(k.evfd, 0));
    close_kt(&k);
}
