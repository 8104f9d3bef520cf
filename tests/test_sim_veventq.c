// SPDX-License-Identifier: MIT
/* Simulated iommufd kernel: vEVENTQ allocation, fd, read rules, overflow,
 * sequence numbers, and the selftest mock's TRIGGER_VEVENT. */
#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "test_sim.h"

static unsigned open_fds(void)
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

TEST(veventq_alloc_rules)
{
    struct mock_env m;
    uint32_t q, q2;
    int fd, fd2;
    mock_env_init(&m);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0, 2, &q, &fd), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 0, &q, &fd), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, (1u << 19) + 1, &q, &fd),
             -EINVAL);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, 99, 0xbeefbeef, 2, &q, &fd), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.parent, 0xbeefbeef, 2, &q, &fd), -ENOENT);
    CHECK_EQ(vsmmu_sim_count(m.t, "veventq"), 0);
    CHECK_EQ(vsmmu_sim_count(m.t, "fd"), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 1u << 19, &q, &fd), 0);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 2, &q2, &fd2), -EEXIST);
    /* the depth is checked before the one-per-type rule */
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 0, &q2, &fd2), -EINVAL);
    /* another type may coexist (never fed by the mock driver) */
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 7, 1, &q2, &fd2), 0);
    CHECK_EQ(vsmmu_sim_count(m.t, "veventq"), 2);
    CHECK_EQ(vsmmu_sim_count(m.t, "fd"), 2);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

TEST(veventq_destroy_busy_while_fd_open)
{
    struct mock_env m;
    uint32_t q;
    int fd;
    uint8_t buf[16];
    mock_env_init(&m);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 2, &q, &fd), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, q), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.viommu), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_veventq_close(m.t, fd), 0);
    CHECK_EQ(vsmmu_sim_count(m.t, "fd"), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_close(m.t, fd), -EBADF);
    CHECK_EQ(vsmmu_iommufd_veventq_read(m.t, fd, buf, sizeof(buf)), -EBADF);
    /* still a dependent of the vIOMMU until destroyed */
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.viommu), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, q), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, q), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.viommu), 0);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

TEST(veventq_read_rules_and_poll)
{
    struct mock_vq x;
    uint8_t buf[64];
    mock_vq_init(&x, 8);
    CHECK(!fd_readable(x.fd));
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 0);   /* empty */
    CHECK_EQ(mock_vq_read(&x, buf, 7), -EINVAL);
    mock_vq_trigger(&x, 3);
    CHECK(fd_readable(x.fd));
    CHECK_EQ(vsmmu_simx_queued(x.m.t, x.q), 3);
    /* count below 8, and a first record that does not fit: EINVAL, it stays */
    CHECK_EQ(mock_vq_read(&x, buf, 7), -EINVAL);
    CHECK_EQ(mock_vq_read(&x, buf, 11), -EINVAL);
    CHECK_EQ(vsmmu_simx_queued(x.m.t, x.q), 3);
    /* exactly one record */
    memset(buf, 0xcc, sizeof(buf));
    CHECK_EQ(mock_vq_read(&x, buf, 12), 12);
    CHECK_EQ(rd32le(buf), 0);
    CHECK_EQ(rd32le(buf + 4), 0);
    CHECK_EQ(rd32le(buf + 8), 0x99);
    CHECK_EQ(buf[12], 0xcc);
    CHECK_EQ(vsmmu_simx_queued(x.m.t, x.q), 2);
    /* a later record that does not fit ends the read */
    CHECK_EQ(mock_vq_read(&x, buf, 20), 12);
    CHECK_EQ(rd32le(buf + 4), 1);
    CHECK(fd_readable(x.fd));
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 12);
    CHECK_EQ(rd32le(buf + 4), 2);
    CHECK(!fd_readable(x.fd));
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 0);
    /* several records per read, back to back */
    mock_vq_trigger(&x, 4);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 48);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(rd32le(buf + 12 * i), 0);
        CHECK_EQ(rd32le(buf + 12 * i + 4), 3 + i);
        CHECK_EQ(rd32le(buf + 12 * i + 8), 0x99);
    }
    CHECK_EQ(mock_vq_read(&x, NULL, 64), -EFAULT);
    CHECK_EQ(vsmmu_iommufd_veventq_read(x.m.t, 0, buf, 64), -EBADF);
    mock_vq_fini(&x);
}

/* Bytes waiting in the pipe behind a simulated vEVENTQ fd. */
static int pipe_bytes(int fd)
{
    int n = -1;
    CHECK_EQ(ioctl(fd, FIONREAD, &n), 0);
    return n;
}

/* The fd's readiness costs the simulated kernel a system call only when
 * the queue turns non-empty or empty: the pipe holds one byte however
 * many records are queued (and none while empty), so queueing into a
 * non-empty queue and a read that leaves records behind touch it not. */
TEST(veventq_fd_ready_only_on_transitions)
{
    struct mock_vq x;
    uint8_t buf[64];
    mock_vq_init(&x, 8);
    CHECK_EQ(pipe_bytes(x.fd), 0);
    mock_vq_trigger(&x, 5);
    CHECK_EQ(pipe_bytes(x.fd), 1);
    CHECK_EQ(mock_vq_read(&x, buf, 24), 24);
    CHECK_EQ(pipe_bytes(x.fd), 1);
    mock_vq_trigger(&x, 1);
    CHECK_EQ(pipe_bytes(x.fd), 1);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 48);
    CHECK_EQ(pipe_bytes(x.fd), 0);
    CHECK(!fd_readable(x.fd));
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 0);
    CHECK_EQ(pipe_bytes(x.fd), 0);
    mock_vq_fini(&x);
}

/* Reads of two queues in turn each find their own queue (the simulated
 * kernel remembers the last queue it used and must check it is the fd's). */
TEST(veventq_two_queues_read_in_turn)
{
    struct mock_vq x;
    uint8_t buf[64];
    uint32_t q2;
    int fd2;
    mock_vq_init(&x, 8);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(x.m.t, x.m.viommu, 7, 4, &q2, &fd2), 0);
    mock_vq_trigger(&x, 2);
    CHECK_EQ(mock_vq_read(&x, buf, 12), 12);
    CHECK_EQ(vsmmu_iommufd_veventq_read(x.m.t, fd2, buf, sizeof(buf)), 0);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 12);
    CHECK_EQ(rd32le(buf + 4), 1);
    mock_vq_trigger(&x, 1);   /* reported to the selftest-type queue, not to q2 */
    CHECK_EQ(vsmmu_iommufd_veventq_read(x.m.t, fd2, buf, sizeof(buf)), 0);
    CHECK(!fd_readable(fd2));
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 12);
    CHECK_EQ(rd32le(buf + 4), 2);
    CHECK_EQ(vsmmu_iommufd_veventq_close(x.m.t, fd2), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_read(x.m.t, fd2, buf, sizeof(buf)), -EBADF);
    CHECK_EQ(vsmmu_iommufd_destroy(x.m.t, q2), 0);
    mock_vq_fini(&x);
}

/* The overflow observed on a real kernel (docs/iommufd.md §4.4): depth 2,
 * five events after sequence 2. */
TEST(veventq_overflow_lost_header)
{
    struct mock_vq x;
    uint8_t buf[128];
    mock_vq_init(&x, 2);
    mock_vq_trigger(&x, 2);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 24);
    mock_vq_trigger(&x, 1);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 12);
    CHECK_EQ(rd32le(buf + 4), 2);
    mock_vq_trigger(&x, 5);   /* returns 0 even when full */
    CHECK_EQ(vsmmu_simx_queued(x.m.t, x.q), 2);   /* the header takes no slot */
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 32);
    CHECK_EQ(rd32le(buf + 4), 3);
    CHECK_EQ(rd32le(buf + 16), 4);
    CHECK_EQ(rd32le(buf + 24), VSMMU_VEVENT_FLAG_LOST_EVENTS);
    CHECK_EQ(rd32le(buf + 28), 7);
    CHECK(!fd_readable(x.fd));
    mock_vq_trigger(&x, 1);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 12);
    CHECK_EQ(rd32le(buf), 0);
    CHECK_EQ(rd32le(buf + 4), 8);
    mock_vq_fini(&x);
}

/* The selftest's sequence: 3 events with depth 2, read 3 x 12 bytes. */
TEST(veventq_selftest_overflow_sequence)
{
    struct mock_vq x;
    uint8_t buf[36];
    mock_vq_init(&x, 2);
    mock_vq_trigger(&x, 3);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 32);
    CHECK_EQ(rd32le(buf + 24), VSMMU_VEVENT_FLAG_LOST_EVENTS);
    CHECK_EQ(rd32le(buf + 28), 2);
    mock_vq_trigger(&x, 1);
    CHECK_EQ(mock_vq_read(&x, buf, 12), 12);
    CHECK_EQ(rd32le(buf + 4), 3);   /* exactly previous + 1 */
    mock_vq_fini(&x);
}

TEST(veventq_lost_header_dropped_by_next_event)
{
    struct mock_vq x;
    uint8_t buf[128];
    mock_vq_init(&x, 2);
    mock_vq_trigger(&x, 5);   /* 0, 1 queued; 2, 3, 4 lost (header seq 4) */
    CHECK_EQ(mock_vq_read(&x, buf, 12), 12);   /* frees a slot */
    mock_vq_trigger(&x, 1);   /* seq 5 replaces the trailing header */
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 24);
    CHECK_EQ(rd32le(buf), 0);
    CHECK_EQ(rd32le(buf + 4), 1);
    CHECK_EQ(rd32le(buf + 12), 0);
    CHECK_EQ(rd32le(buf + 16), 5);   /* the gap carries the loss */
    CHECK(!fd_readable(x.fd));
    mock_vq_fini(&x);
}

TEST(veventq_lost_header_alone_readable_and_fits_8)
{
    struct mock_vq x;
    uint8_t buf[64];
    mock_vq_init(&x, 1);
    mock_vq_trigger(&x, 3);   /* 0 queued; 1, 2 lost */
    CHECK_EQ(mock_vq_read(&x, buf, 12), 12);
    CHECK(fd_readable(x.fd));   /* the header alone keeps it readable */
    CHECK_EQ(mock_vq_read(&x, buf, 8), 8);
    CHECK_EQ(rd32le(buf), 1);
    CHECK_EQ(rd32le(buf + 4), 2);
    CHECK(!fd_readable(x.fd));
    mock_vq_fini(&x);
}

TEST(veventq_sequence_wraps)
{
    struct mock_vq x;
    uint8_t buf[64];
    mock_vq_init(&x, 8);
    CHECK_EQ(vsmmu_simx_set_seq(x.m.t, x.q, 0x7ffffffe), 0);
    CHECK_EQ(vsmmu_simx_set_seq(x.m.t, 99, 0), -ENOENT);
    mock_vq_trigger(&x, 3);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 36);
    CHECK_EQ(rd32le(buf + 4), 0x7ffffffe);
    CHECK_EQ(rd32le(buf + 16), 0x7fffffff);
    CHECK_EQ(rd32le(buf + 28), 0);
    mock_vq_fini(&x);
}

TEST(veventq_lost_header_sequence_wraps)
{
    struct mock_vq x;
    uint8_t buf[64];
    mock_vq_init(&x, 1);
    CHECK_EQ(vsmmu_simx_set_seq(x.m.t, x.q, 0x7fffffff), 0);
    mock_vq_trigger(&x, 2);   /* 0x7fffffff queued, 0 lost */
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 20);
    CHECK_EQ(rd32le(buf + 4), 0x7fffffff);
    CHECK_EQ(rd32le(buf + 12), VSMMU_VEVENT_FLAG_LOST_EVENTS);
    CHECK_EQ(rd32le(buf + 16), 0);
    mock_vq_fini(&x);
}

TEST(veventq_fresh_queue_sequence_starts_at_zero)
{
    struct mock_vq x;
    uint8_t buf[64];
    uint32_t q2;
    int fd2;
    mock_vq_init(&x, 4);
    mock_vq_trigger(&x, 2);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 24);
    /* a new queue on the same vIOMMU starts from 0 again */
    CHECK_EQ(vsmmu_iommufd_veventq_close(x.m.t, x.fd), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(x.m.t, x.q), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(x.m.t, x.m.viommu, 0xbeefbeef, 4, &q2, &fd2), 0);
    mock_vq_trigger(&x, 1);
    CHECK_EQ(vsmmu_iommufd_veventq_read(x.m.t, fd2, buf, sizeof(buf)), 12);
    CHECK_EQ(rd32le(buf + 4), 0);
    mock_vq_fini(&x);
}

TEST(veventq_events_queue_after_fd_closed_and_destroy_frees)
{
    struct mock_vq x;
    mock_vq_init(&x, 4);
    CHECK_EQ(vsmmu_iommufd_veventq_close(x.m.t, x.fd), 0);
    mock_vq_trigger(&x, 3);
    CHECK_EQ(vsmmu_simx_queued(x.m.t, x.q), 3);
    CHECK_EQ(vsmmu_iommufd_destroy(x.m.t, x.q), 0);   /* pending records freed */
    /* no vEVENTQ of the type now */
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(x.m.t, x.m.dev.dev_id), -EOPNOTSUPP);
    mock_vq_fini(&x);
}

TEST(veventq_close_transport_frees_fds)
{
    unsigned before = open_fds();
    struct mock_vq x;
    mock_vq_init(&x, 4);
    mock_vq_trigger(&x, 2);
    CHECK(open_fds() > before);   /* the queue's fd (and its pipe pair) */
    vsmmu_iommufd_close(x.m.t);
    CHECK_EQ(open_fds(), before);
}

TEST(mock_trigger_rules)
{
    struct mock_env m;
    uint32_t nested, q, vd, vd0;
    int fd;
    mock_env_init(&m);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, 99), -ENOENT);
    /* not attached to a nested HWPT */
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), -ENOENT);
    CHECK_EQ(mock_nested(&m, &nested), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0x99, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, nested), 0);
    /* no vEVENTQ of the selftest type */
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 1, &q, &fd), 0);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), 0);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), 0);   /* full: 0 */
    /* moved off the nested HWPT */
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, m.ioas), 0);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), -ENOENT);
    /* virt_id 0 never reports */
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, vd), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0, &vd0), 0);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, nested), 0);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), -ENOENT);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

/* The mock driver records the vIOMMU and virt_id at attach, and updates
 * them only when an attach changes the vIOMMU. */
TEST(mock_trigger_uses_virt_id_recorded_at_attach)
{
    struct mock_vq x;
    uint8_t buf[64];
    uint32_t vd2, nested2;
    mock_vq_init(&x, 8);
    CHECK_EQ(vsmmu_iommufd_destroy(x.m.t, x.vdev), 0);
    mock_vq_trigger(&x, 1);   /* still attached: the recorded 0x99 */
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(x.m.t, x.m.viommu, x.m.dev.dev_id, 0x88, &vd2), 0);
    CHECK_EQ(mock_nested(&x.m, &nested2), 0);
    CHECK_EQ(vsmmu_iommufd_attach(x.m.t, &x.m.dev, nested2), 0);   /* same vIOMMU */
    mock_vq_trigger(&x, 1);
    CHECK_EQ(vsmmu_iommufd_attach(x.m.t, &x.m.dev, x.m.ioas), 0);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(x.m.t, x.m.dev.dev_id), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_attach(x.m.t, &x.m.dev, nested2), 0);
    mock_vq_trigger(&x, 1);
    CHECK_EQ(mock_vq_read(&x, buf, sizeof(buf)), 36);
    CHECK_EQ(rd32le(buf + 8), 0x99);
    CHECK_EQ(rd32le(buf + 20), 0x99);
    CHECK_EQ(rd32le(buf + 32), 0x88);
    mock_vq_fini(&x);
}

/* TEST_F(iommufd_viommu, vdevice_alloc) of the kernel selftest, step by step. */
TEST(mock_selftest_vdevice_alloc_flow)
{
    struct mock_env m;
    uint32_t nested, q, q2, vd, vd2;
    int fd, fd2;
    uint8_t buf[36];
    mock_env_init(&m);
    CHECK_EQ(mock_nested(&m, &nested), 0);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, nested), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 2, &q, &fd), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 2, &q2, &fd2), -EEXIST);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0x99, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, nested), 0);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), 0);
    CHECK(fd_readable(fd));
    CHECK_EQ(vsmmu_iommufd_veventq_read(m.t, fd, buf, 12), 12);
    CHECK_EQ(rd32le(buf + 4), 0);
    CHECK_EQ(rd32le(buf + 8), 0x99);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0x99, &vd2), -EEXIST);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, m.ioas), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, vd), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0x88, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, nested), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_read(m.t, fd, buf, 36), 32);
    CHECK_EQ(rd32le(buf + 8), 0x88);
    CHECK_EQ(rd32le(buf + 24), 1);
    uint32_t prev = rd32le(buf + 28);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_read(m.t, fd, buf, 12), 12);
    CHECK_EQ(rd32le(buf + 4), prev + 1);
    /* teardown in the kernel's accepted order, leaving nothing */
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, m.ioas), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_close(m.t, fd), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, vd), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, q), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, nested), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.viommu), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.parent), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.dev.stdev_id), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.ioas), 0);
    CHECK_EQ(vsmmu_sim_count(m.t, "all"), 0);
    CHECK_EQ(vsmmu_sim_count(m.t, "fd"), 0);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

TEST(mock_viommu_destroy_busy_with_only_nested)
{
    struct mock_env m;
    uint32_t nested;
    mock_env_init(&m);
    CHECK_EQ(mock_nested(&m, &nested), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.viommu), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, nested), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.viommu), 0);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

/* Events raised on another thread while the queue is drained: every record
 * arrives once, in order, and the fd's readability follows the queue. */
struct raiser {
    vsmmu_iommufd_t *t;
    uint32_t dev_id;
    int n;
};

static void *raise_events(void *arg)
{
    struct raiser *r = arg;
    for (int i = 0; i < r->n; i++)
        if (vsmmu_iommufd_mock_trigger_vevent(r->t, r->dev_id))
            return (void *)1;
    return NULL;
}

TEST(veventq_concurrent_report_and_read)
{
    struct mock_vq x;
    uint8_t buf[12 * 64];
    uint32_t expect = 0;
    pthread_t th;
    void *res;
    mock_vq_init(&x, 1u << 19);
    struct raiser r = { x.m.t, x.m.dev.dev_id, 20000 };
    CHECK_EQ(pthread_create(&th, NULL, raise_events, &r), 0);
    while (expect < (uint32_t)r.n) {
        struct pollfd p = { .fd = x.fd, .events = POLLIN };
        CHECK(poll(&p, 1, 5000) == 1);
        long n = mock_vq_read(&x, buf, sizeof(buf));
        CHECK(n > 0 && n % 12 == 0);
        for (long off = 0; off < n; off += 12) {
            CHECK_EQ(rd32le(buf + off), 0);
            CHECK_EQ(rd32le(buf + off + 4), expect);
            expect++;
        }
    }
    CHECK_EQ(pthread_join(th, &res), 0);
    CHECK(res == NULL);
    CHECK(!fd_readable(x.fd));
    mock_vq_fini(&x);
}
