// SPDX-License-Identifier: MIT
/*
 * Edge cases of the iommufd rules where a simulated kernel could easily
 * drift from the real one: virt_id 0, the vSID a device keeps after its
 * vDEVICE goes, one vDEVICE per device across vIOMMUs, a destroyed
 * vEVENTQ, the lost-events header read on its own, depth 1.  One source for
 * both transports (see kernel/ktest.h).
 */
#include "kernel/ktest.h"

TEST(vevent_for_virt_id_zero_is_enoent)
{
    struct kt k;

    kt_setup_viommu(&k);
    CHECK_OK(kt_nested_alloc(&k, &k.nested));
    CHECK_OK(kt_veventq_alloc(&k, 4));
    /* virt_id 0 is a valid vDEVICE, but the mock reports no event for it. */
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, 0, &k.vdev));
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.nested));
    CHECK_RC(vsmmu_iommufd_mock_trigger_vevent(k.t, k.dev.dev_id), ENOENT);
    kt_teardown(&k);
}

TEST(vdevice_destroyed_while_attached)
{
    struct kt k;
    uint8_t buf[64];
    int rc;

    kt_setup_full(&k, 8);
    /* The vDEVICE may go while the device stays on the nested HWPT... */
    rc = vsmmu_iommufd_destroy(k.t, k.vdev);
    CHECK_MSG(rc == 0, "destroy vDEVICE while attached: %d", rc);
    k.vdev = 0;
    /* ...and the device keeps the vSID it was attached with. */
    kt_trigger(&k, 1);
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), KT_RECORD);
    kt_check_record(buf, 0, 0, "event after vDEVICE destroy");
    /* Re-attaching to a nested HWPT needs a vDEVICE again. */
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.parent));
    CHECK_RC(vsmmu_iommufd_attach(k.t, &k.dev, k.nested), ENOENT);
    kt_teardown(&k);
}

TEST(one_vdevice_per_device_across_viommus)
{
    struct kt k;
    uint32_t viommu2, nested2, id = 0;
    struct vsmmu_uapi_hwpt_selftest d = { .iotlb = VSMMU_TEST_IOTLB_DEFAULT };

    kt_setup_full(&k, 4);
    CHECK_OK(vsmmu_iommufd_viommu_alloc(k.t, VSMMU_VIOMMU_TYPE_SELFTEST, k.dev.dev_id,
                                        k.parent, &viommu2));
    CHECK_RC(vsmmu_iommufd_vdevice_alloc(k.t, viommu2, k.dev.dev_id, 0x42, &id), EEXIST);
    CHECK_OK(vsmmu_iommufd_hwpt_alloc(k.t, k.dev.dev_id, viommu2, 0,
                                      VSMMU_HWPT_DATA_SELFTEST, &d, sizeof(d), &nested2));
    /* No vDEVICE of the device in the second vIOMMU: ENOENT, and the
     * device stays where it was (events still reach the first queue). */
    CHECK_RC(vsmmu_iommufd_attach(k.t, &k.dev, nested2), ENOENT);
    kt_trigger(&k, 1);
    CHECK(kt_readable(k.evfd, 1000));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, nested2));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, viommu2));
    kt_teardown(&k);
}

TEST(vevent_after_veventq_destroyed_is_eopnotsupp)
{
    struct kt k;

    kt_setup_full(&k, 4);
    kt_trigger(&k, 2);
    /* Pending events go with the queue. */
    CHECK_OK(vsmmu_iommufd_veventq_close(k.t, k.evfd));
    k.evfd = -1;
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.veventq));
    k.veventq = 0;
    CHECK_RC(vsmmu_iommufd_mock_trigger_vevent(k.t, k.dev.dev_id), EOPNOTSUPP);
    /* A new queue starts again at sequence 0. */
    CHECK_OK(kt_veventq_alloc(&k, 4));
    kt_trigger(&k, 1);
    uint8_t buf[64];
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), KT_RECORD);
    kt_check_record(buf, 0, 0, "first event of the new queue");
    kt_teardown(&k);
}

TEST(vevent_events_after_fd_closed_are_dropped_with_the_queue)
{
    struct kt k;

    kt_setup_full(&k, 2);
    CHECK_OK(vsmmu_iommufd_veventq_close(k.t, k.evfd));
    k.evfd = -1;
    /* The queue object still exists: events (and overflow) are accepted. */
    kt_trigger(&k, 5);
    kt_teardown(&k);
}

TEST(lost_header_read_on_its_own)
{
    struct kt k;
    uint8_t buf[64];

    kt_setup_full(&k, 1);
    kt_trigger(&k, 3);
    /* Depth 1: record 0, then the header with sequence 2. */
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, KT_RECORD), KT_RECORD);
    kt_check_record(buf, 0, 0, "record 0");
    /* The header alone fits in 8 bytes. */
    CHECK(kt_readable(k.evfd, 0));
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, 8), 8);
    kt_check_record(buf, VSMMU_VEVENT_FLAG_LOST_EVENTS, 2, "lost header");
    CHECK(!kt_readable(k.evfd, 0));
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 0);
    kt_trigger(&k, 1);
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), KT_RECORD);
    kt_check_record(buf, 0, 3, "record 3");
    kt_teardown(&k);
}

TEST(lost_header_stays_last_while_full)
{
    struct kt k;
    uint8_t buf[64];

    kt_setup_full(&k, 1);
    kt_trigger(&k, 2);
    /* Full: reading the record frees the slot but the header stays queued
     * behind it; a buffer with room for the record and the header gets
     * both. */
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, KT_RECORD + 8), KT_RECORD + 8);
    kt_check_record(buf, 0, 0, "record 0");
    kt_check_record(buf + KT_RECORD, VSMMU_VEVENT_FLAG_LOST_EVENTS, 1, "lost header");
    kt_teardown(&k);
}

TEST(several_devices_share_one_queue)
{
    struct kt k;
    struct vsmmu_iommufd_dev dev2 = VSMMU_STRUCT_INIT(dev2);
    uint32_t hwpt2, vdev2;
    uint8_t buf[64];

    kt_setup_full(&k, 8);
    CHECK_OK(vsmmu_iommufd_mock_device(k.t, k.ioas, &dev2, &hwpt2));
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, dev2.dev_id, 0x77, &vdev2));
    CHECK_OK(vsmmu_iommufd_attach(k.t, &dev2, k.nested));
    kt_trigger(&k, 1);
    CHECK_OK(vsmmu_iommufd_mock_trigger_vevent(k.t, dev2.dev_id));
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 2 * KT_RECORD);
    kt_check_record(buf, 0, 0, "device 1");
    CHECK_EQ(kt_le32(buf + KT_RECORD + 4), 1);
    CHECK_EQ(kt_le32(buf + KT_RECORD + 8), 0x77);
    CHECK_OK(vsmmu_iommufd_attach(k.t, &dev2, k.ioas));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, vdev2));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, dev2.stdev_id));
    kt_teardown(&k);
}
