// SPDX-License-Identifier: MIT
/*
 * vEVENTQ allocation rules, its file descriptor, vEVENT delivery from the
 * selftest mock device, raw read() semantics, and vsmmu's vEVENTQ reader
 * (vsmmu_vevent_reader_drain) on that fd: several records per read, a
 * buffer smaller than a record, overflow with the lost-events header and
 * its sequence number, recovery after it, an empty queue.  One source for
 * both transports (see kernel/ktest.h).
 */
#include "kernel/ktest.h"

TEST(veventq_alloc_depth_limits)
{
    struct kt k;
    uint32_t id = 0;
    int fd = -1;

    kt_setup_viommu(&k);
    CHECK_RC(vsmmu_iommufd_veventq_alloc(k.t, k.viommu, VSMMU_VEVENTQ_TYPE_SELFTEST, 0,
                                         &id, &fd), EINVAL);
    CHECK_RC(vsmmu_iommufd_veventq_alloc(k.t, k.viommu, VSMMU_VEVENTQ_TYPE_SELFTEST,
                                         VSMMU_VEVENTQ_MAX_DEPTH + 1, &id, &fd), EINVAL);
    CHECK_RC(vsmmu_iommufd_veventq_alloc(k.t, k.viommu, VSMMU_VEVENTQ_TYPE_SELFTEST,
                                         0xffffffffu, &id, &fd), EINVAL);
    CHECK_EQ(fd, -1);
    /* The largest depth is accepted, and so is 1. */
    CHECK_OK(kt_veventq_alloc(&k, VSMMU_VEVENTQ_MAX_DEPTH));
    CHECK_OK(vsmmu_iommufd_veventq_close(k.t, k.evfd));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.veventq));
    CHECK_OK(kt_veventq_alloc(&k, 1));
    kt_teardown(&k);
}

TEST(veventq_alloc_type_rules)
{
    struct kt k;
    uint32_t id = 0, smmu_q = 0;
    int fd = -1, smmu_fd = -1;

    kt_setup_viommu(&k);
    /* Type DEFAULT (0): EOPNOTSUPP. */
    CHECK_RC(vsmmu_iommufd_veventq_alloc(k.t, k.viommu, 0, 4, &id, &fd), EOPNOTSUPP);
    CHECK_OK(kt_veventq_alloc(&k, 2));
    /* A second queue of the same type: EEXIST; the depth is checked first. */
    CHECK_RC(vsmmu_iommufd_veventq_alloc(k.t, k.viommu, VSMMU_VEVENTQ_TYPE_SELFTEST, 2,
                                         &id, &fd), EEXIST);
    CHECK_RC(vsmmu_iommufd_veventq_alloc(k.t, k.viommu, VSMMU_VEVENTQ_TYPE_SELFTEST, 0,
                                         &id, &fd), EINVAL);
    /* Another type coexists (the type is not checked against the driver). */
    CHECK_OK(vsmmu_iommufd_veventq_alloc(k.t, k.viommu, VSMMU_VEVENTQ_TYPE_ARM_SMMUV3, 2,
                                         &smmu_q, &smmu_fd));
    CHECK(smmu_fd >= 0 && smmu_fd != k.evfd && smmu_q != k.veventq);
    /* Unknown vIOMMU, or an id that is not one: ENOENT. */
    CHECK_RC(vsmmu_iommufd_veventq_alloc(k.t, 0x7777, VSMMU_VEVENTQ_TYPE_SELFTEST, 2,
                                         &id, &fd), ENOENT);
    CHECK_RC(vsmmu_iommufd_veventq_alloc(k.t, k.parent, VSMMU_VEVENTQ_TYPE_SELFTEST, 2,
                                         &id, &fd), ENOENT);
    CHECK_OK(vsmmu_iommufd_veventq_close(k.t, smmu_fd));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, smmu_q));
    /* Once destroyed, a type can be allocated again. */
    CHECK_OK(vsmmu_iommufd_veventq_close(k.t, k.evfd));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.veventq));
    CHECK_OK(kt_veventq_alloc(&k, 2));
    kt_teardown(&k);
}

TEST(veventq_fd_cloexec_and_destroy_busy_while_open)
{
    struct kt k;

    kt_setup_viommu(&k);
    CHECK_OK(kt_veventq_alloc(&k, 4));
    CHECK(k.evfd >= 0);
    CHECK(fcntl(k.evfd, F_GETFD) & FD_CLOEXEC);
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.veventq), EBUSY);
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.viommu), EBUSY);
    CHECK_OK(vsmmu_iommufd_veventq_close(k.t, k.evfd));
    k.evfd = -1;
    CHECK_OK(vsmmu_iommufd_destroy(k.t, k.veventq));
    CHECK_RC(vsmmu_iommufd_destroy(k.t, k.veventq), ENOENT);
    k.veventq = 0;
    kt_teardown(&k);
}

TEST(vevent_needs_nested_attachment_and_queue)
{
    struct kt k;
    uint8_t buf[64];

    kt_setup_viommu(&k);
    CHECK_OK(kt_nested_alloc(&k, &k.nested));
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, KT_VIRT_ID, &k.vdev));
    /* Attached to the nested HWPT but no vEVENTQ: EOPNOTSUPP. */
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.nested));
    CHECK_RC(vsmmu_iommufd_mock_trigger_vevent(k.t, k.dev.dev_id), EOPNOTSUPP);
    CHECK_OK(kt_veventq_alloc(&k, 4));
    /* Not attached to a nested HWPT of the vIOMMU: ENOENT. */
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.ioas));
    CHECK_RC(vsmmu_iommufd_mock_trigger_vevent(k.t, k.dev.dev_id), ENOENT);
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.parent));
    CHECK_RC(vsmmu_iommufd_mock_trigger_vevent(k.t, k.dev.dev_id), ENOENT);
    /* Unknown device: ENOENT. */
    CHECK_RC(vsmmu_iommufd_mock_trigger_vevent(k.t, 0x7777), ENOENT);
    /* Nothing was queued by the failures. */
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 0);
    /* Attached: the event arrives with sequence 0 and the virt_id. */
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.nested));
    kt_trigger(&k, 1);
    CHECK(kt_readable(k.evfd, 1000));
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), KT_RECORD);
    kt_check_record(buf, 0, 0, "first event");
    kt_teardown(&k);
}

TEST(vevent_read_several_records_per_read)
{
    struct kt k;
    uint8_t buf[64];

    kt_setup_full(&k, 8);
    kt_trigger(&k, 3);
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 3 * KT_RECORD);
    kt_check_record(buf, 0, 0, "record 0");
    kt_check_record(buf + KT_RECORD, 0, 1, "record 1");
    kt_check_record(buf + 2 * KT_RECORD, 0, 2, "record 2");
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 0);
    kt_teardown(&k);
}

TEST(vevent_read_buffer_smaller_than_a_record)
{
    struct kt k;
    uint8_t buf[64];

    kt_setup_full(&k, 8);
    kt_trigger(&k, 2);
    /* Below the header size, or too small for the first record: EINVAL,
     * and the record stays queued. */
    CHECK_RC(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, 4), EINVAL);
    CHECK_RC(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, 8), EINVAL);
    CHECK_RC(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, KT_RECORD - 1), EINVAL);
    /* Room for one and a half records: one record; the next stays. */
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, KT_RECORD + KT_RECORD / 2),
             KT_RECORD);
    kt_check_record(buf, 0, 0, "record 0");
    CHECK(kt_readable(k.evfd, 0));
    /* Exactly one record's room: exactly that record. */
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, KT_RECORD), KT_RECORD);
    kt_check_record(buf, 0, 1, "record 1");
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 0);
    kt_teardown(&k);
}

TEST(vevent_empty_queue)
{
    struct kt k;
    struct vsmmu_vevent_reader r;
    uint8_t buf[64];

    kt_setup_full(&k, 8);
    CHECK(!kt_readable(k.evfd, 0));
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 0);
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, k.t, k.evfd, NULL, NULL, NULL), 0);
    CHECK_EQ(r.records, 0);
    CHECK_EQ(r.lost, 0);
    CHECK_EQ(r.malformed, 0);
    /* Readable while something is queued, not after it is drained. */
    kt_trigger(&k, 1);
    CHECK(kt_readable(k.evfd, 1000));
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), KT_RECORD);
    CHECK(!kt_readable(k.evfd, 0));
    kt_teardown(&k);
}

TEST(vevent_overflow_lost_header_and_recovery_raw)
{
    struct kt k;
    uint8_t buf[128];

    /* Depth 2, five events: sequences 0 and 1 are queued, 2..4 are lost
     * and the lost-events header carries the last lost sequence, 4. */
    kt_setup_full(&k, 2);
    kt_trigger(&k, 5);
    CHECK(kt_readable(k.evfd, 1000));
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 2 * KT_RECORD + 8);
    kt_check_record(buf, 0, 0, "record 0");
    kt_check_record(buf + KT_RECORD, 0, 1, "record 1");
    kt_check_record(buf + 2 * KT_RECORD, VSMMU_VEVENT_FLAG_LOST_EVENTS, 4, "lost header");
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 0);
    /* Recovered: the next event follows the header's sequence. */
    kt_trigger(&k, 2);
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 2 * KT_RECORD);
    kt_check_record(buf, 0, 5, "record 5");
    kt_check_record(buf + KT_RECORD, 0, 6, "record 6");
    kt_teardown(&k);
}

TEST(vevent_lost_header_dropped_when_a_record_follows)
{
    struct kt k;
    uint8_t buf[128];

    /* Full at depth 2 with one lost (header sequence 2); reading one record
     * makes room, and the next event replaces the trailing header: the gap
     * 1 -> 3 is all that tells of the loss. */
    kt_setup_full(&k, 2);
    kt_trigger(&k, 3);
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, KT_RECORD), KT_RECORD);
    kt_check_record(buf, 0, 0, "record 0");
    kt_trigger(&k, 1);
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 2 * KT_RECORD);
    kt_check_record(buf, 0, 1, "record 1");
    kt_check_record(buf + KT_RECORD, 0, 3, "record 3");
    kt_teardown(&k);
}

struct seen {
    uint32_t seq[16];
    unsigned n;
    uint64_t lost;
    unsigned lost_calls;
    int bad_payload;
};

static void on_record(void *arg, const uint8_t *payload, uint32_t seq)
{
    struct seen *s = arg;

    if (kt_le32(payload) != KT_VIRT_ID)
        s->bad_payload++;
    if (s->n < 16)
        s->seq[s->n] = seq;
    s->n++;
}

static void on_lost(void *arg, uint64_t nlost)
{
    struct seen *s = arg;

    s->lost += nlost;
    s->lost_calls++;
}

TEST(reader_drains_several_records)
{
    struct kt k;
    struct vsmmu_vevent_reader r;
    struct seen s = {0};

    kt_setup_full(&k, 16);
    kt_trigger(&k, 5);
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, k.t, k.evfd, on_record, on_lost, &s), 5);
    CHECK_EQ(s.n, 5);
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ(s.seq[i], i);
    CHECK_EQ(s.bad_payload, 0);
    CHECK_EQ(s.lost_calls, 0);
    CHECK_EQ(r.records, 5);
    CHECK_EQ(r.lost, 0);
    CHECK_EQ(r.last_seq, 4);
    CHECK(!kt_readable(k.evfd, 0));
    kt_teardown(&k);
}

TEST(reader_overflow_counts_lost_and_recovers)
{
    struct kt k;
    struct vsmmu_vevent_reader r;
    struct seen s = {0};

    kt_setup_full(&k, 2);
    kt_trigger(&k, 5);
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, k.t, k.evfd, on_record, on_lost, &s), 2);
    CHECK_EQ(s.n, 2);
    CHECK_EQ(s.seq[0], 0);
    CHECK_EQ(s.seq[1], 1);
    /* The header's sequence 4 after record 1: three events lost. */
    CHECK_EQ(s.lost, 3);
    CHECK_EQ(r.lost, 3);
    CHECK_EQ(r.last_seq, 4);
    /* Recovery: the next records follow without another loss. */
    kt_trigger(&k, 2);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, k.t, k.evfd, on_record, on_lost, &s), 2);
    CHECK_EQ(s.n, 4);
    CHECK_EQ(s.seq[2], 5);
    CHECK_EQ(s.seq[3], 6);
    CHECK_EQ(r.lost, 3);
    CHECK_EQ(r.records, 4);
    CHECK_EQ(s.bad_payload, 0);
    kt_teardown(&k);
}

TEST(reader_counts_a_sequence_gap)
{
    struct kt k;
    struct vsmmu_vevent_reader r;
    struct seen s = {0};
    uint8_t buf[KT_RECORD];

    kt_setup_full(&k, 2);
    kt_trigger(&k, 3);
    /* Take record 0 by hand, then a new event drops the trailing header. */
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), KT_RECORD);
    kt_trigger(&k, 1);
    vsmmu_vevent_reader_init(&r, 4);
    r.last_seq = 0;
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, k.t, k.evfd, on_record, on_lost, &s), 2);
    CHECK_EQ(s.seq[0], 1);
    CHECK_EQ(s.seq[1], 3);
    CHECK_EQ(r.lost, 1);
    CHECK_EQ(s.lost, 1);
    kt_teardown(&k);
}

TEST(reader_rejects_records_of_the_wrong_size)
{
    struct kt k;
    struct vsmmu_vevent_reader r;
    struct seen s = {0};
    uint8_t buf[64];
    int rc;

    /* A reader expecting 32-byte SMMUv3 payloads on a selftest queue sees
     * 12-byte records: none is delivered, each is counted as malformed,
     * and the queue is drained. */
    kt_setup_full(&k, 8);
    kt_trigger(&k, 2);
    vsmmu_vevent_reader_init(&r, 32);
    rc = vsmmu_vevent_reader_drain(&r, k.t, k.evfd, on_record, on_lost, &s);
    CHECK_MSG(rc >= 0, "drain: %d", rc);
    CHECK_EQ(rc, 0);
    CHECK_EQ(s.n, 0);
    CHECK_EQ(r.records, 0);
    CHECK(r.malformed >= 1);
    CHECK_EQ(vsmmu_iommufd_veventq_read(k.t, k.evfd, buf, sizeof(buf)), 0);
    kt_teardown(&k);
}
