/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the iommufd backend tests (tests/test_iommufd*.c).
 *
 * The same test source runs on two transports, chosen at run time by the
 * environment variable VSMMU_IOMMUFD:
 *   unset, "" or "sim"   the simulated kernel (what `make check` runs)
 *   "real"               the real kernel's /dev/iommu
 *   "/some/path"         the real kernel through that device node
 * `make kernel-check` boots each test binary under a Linux kernel built
 * with CONFIG_IOMMUFD_TEST=y and sets VSMMU_IOMMUFD=real on the kernel
 * command line (the kernel hands unknown key=value words to init as
 * environment variables, and our init passes them on).
 *
 * The fixture mirrors how a VMM uses the selftest mock driver: an IOAS, a
 * mock device in it, a nest-parent HWPT, a selftest vIOMMU, a nested HWPT
 * (data type 0xdead), a vDEVICE, a vEVENTQ, the device attached to the
 * nested HWPT.  Every step is one backend operation checked with CHECK_EQ
 * so the failing step and errno are printed.
 */
#ifndef VSMMU_TESTS_KTEST_H
#define VSMMU_TESTS_KTEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"
#include "iommufd/iommufd_priv.h"
#include "iommufd/iommufd_uapi.h"

#define KT_VIRT_ID        0x99u    /* never 0: the kernel ignores virt_id 0 */
#define KT_RECORD         12u      /* header (8) + selftest payload (4) */

/* Make a negative errno readable in CHECK_EQ output: compare -rc. */
#define CHECK_RC(call, want)                                                  \
    do {                                                                      \
        int rc_ = (int)(call);                                                \
        if (rc_ != -(want))                                                   \
            t_fail(__FILE__, __LINE__, "%s: got %d (%s), want %d (%s)", #call, \
                   rc_, rc_ < 0 ? strerror(-rc_) : "ok", -(want),              \
                   (want) ? strerror(want) : "ok");                           \
    } while (0)
#define CHECK_OK(call) CHECK_RC(call, 0)

static inline const char *kt_transport_name(void)
{
    const char *e = getenv("VSMMU_IOMMUFD");

    if (!e || !*e || !strcmp(e, "sim"))
        return NULL;
    return strcmp(e, "real") ? e : "/dev/iommu";
}

static inline bool kt_is_real(void)
{
    return kt_transport_name() != NULL;
}

/* Say once per test binary which transport it runs on (kernel-check
 * insists on seeing "real" here, so a lost setting cannot pass silently). */
__attribute__((constructor)) static void kt_announce(void)
{
    const char *path = kt_transport_name();

    printf("iommufd transport: %s%s\n", path ? "real " : "simulated", path ? path : "");
    fflush(stdout);
}

/* Open the transport this run uses; fails the test if it cannot. */
static inline vsmmu_iommufd_t *kt_open(void)
{
    const char *path = kt_transport_name();
    vsmmu_iommufd_t *t = NULL;
    int rc;

    if (path)
        rc = vsmmu_iommufd_open(path, &t);
    else
        rc = vsmmu_iommufd_sim_create(&t);
    CHECK_MSG(rc == 0 && t, "cannot open the %s transport: %s",
              path ? path : "simulated", strerror(-rc));
    CHECK(vsmmu_iommufd_is_sim(t) == !path);
    return t;
}

struct kt {
    vsmmu_iommufd_t *t;
    uint32_t ioas;
    struct vsmmu_iommufd_dev dev;
    uint32_t dev_hwpt;         /* the HWPT MOCK_DOMAIN attached the device to */
    uint32_t parent;           /* nest-parent HWPT */
    uint32_t viommu;
    uint32_t nested;
    uint32_t vdev;
    uint32_t veventq;
    int evfd;
};

/* IOAS, mock device, nest-parent HWPT, selftest vIOMMU. */
static inline void kt_setup_viommu(struct kt *k)
{
    memset(k, 0, sizeof(*k));
    k->evfd = -1;
    k->t = kt_open();
    CHECK_OK(vsmmu_iommufd_ioas_alloc(k->t, &k->ioas));
    k->dev.struct_size = sizeof(k->dev);
    CHECK_OK(vsmmu_iommufd_mock_device(k->t, k->ioas, &k->dev, &k->dev_hwpt));
    CHECK_OK(vsmmu_iommufd_hwpt_alloc(k->t, k->dev.dev_id, k->ioas,
                                      VSMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL, 0,
                                      &k->parent));
    CHECK_OK(vsmmu_iommufd_viommu_alloc(k->t, VSMMU_VIOMMU_TYPE_SELFTEST,
                                        k->dev.dev_id, k->parent, &k->viommu));
}

/* A nested HWPT of the selftest type on the vIOMMU. */
static inline int kt_nested_alloc(struct kt *k, uint32_t *out)
{
    struct vsmmu_uapi_hwpt_selftest d = { .iotlb = VSMMU_TEST_IOTLB_DEFAULT };

    return vsmmu_iommufd_hwpt_alloc(k->t, k->dev.dev_id, k->viommu, 0,
                                    VSMMU_HWPT_DATA_SELFTEST, &d, sizeof(d), out);
}

static inline int kt_veventq_alloc(struct kt *k, uint32_t depth)
{
    return vsmmu_iommufd_veventq_alloc(k->t, k->viommu, VSMMU_VEVENTQ_TYPE_SELFTEST,
                                       depth, &k->veventq, &k->evfd);
}

/* Everything: the device attached to the nested HWPT with vDEVICE
 * KT_VIRT_ID and a selftest vEVENTQ of @depth. */
static inline void kt_setup_full(struct kt *k, uint32_t depth)
{
    kt_setup_viommu(k);
    CHECK_OK(kt_nested_alloc(k, &k->nested));
    CHECK_OK(kt_veventq_alloc(k, depth));
    /* A vEVENTQ fd is close-on-exec; anything else (say stdin from a
     * misplaced field) would make the reads below block. */
    CHECK(k->evfd >= 0 && (fcntl(k->evfd, F_GETFD) & FD_CLOEXEC));
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k->t, k->viommu, k->dev.dev_id, KT_VIRT_ID,
                                         &k->vdev));
    CHECK_OK(vsmmu_iommufd_attach(k->t, &k->dev, k->nested));
}

/* Raise @n vEVENTs for the mock device; each must be accepted. */
static inline void kt_trigger(struct kt *k, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        CHECK_OK(vsmmu_iommufd_mock_trigger_vevent(k->t, k->dev.dev_id));
}

static inline uint32_t kt_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Check the record at @p: flags @flags, sequence @seq and, for a normal
 * record, the selftest payload (the vDEVICE's virt_id). */
static inline void kt_check_record(const uint8_t *p, uint32_t flags, uint32_t seq,
                                   const char *what)
{
    CHECK_MSG(kt_le32(p) == flags, "%s: flags 0x%x, want 0x%x", what, kt_le32(p), flags);
    CHECK_MSG(kt_le32(p + 4) == seq, "%s: sequence %u, want %u", what, kt_le32(p + 4), seq);
    if (!(flags & VSMMU_VEVENT_FLAG_LOST_EVENTS))
        CHECK_MSG(kt_le32(p + 8) == KT_VIRT_ID, "%s: virt_id 0x%x, want 0x%x", what,
                  kt_le32(p + 8), KT_VIRT_ID);
}

static inline bool kt_readable(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };

    return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/*
 * Prove that no object is left: ids are handed out lowest-free first from
 * 1, so when the highest id we saw issued is M, fresh IOAS allocations
 * must get exactly 1..M+8.  Any leftover object would hold one of them
 * (the +8 covers objects the kernel made on its own, such as the HWPT an
 * attach to an IOAS creates).
 */
static inline void kt_check_empty(vsmmu_iommufd_t *t, const uint32_t *ids, unsigned n)
{
    uint32_t max = 0, id;

    for (unsigned i = 0; i < n; i++)
        max = ids[i] > max ? ids[i] : max;
    CHECK(max > 0 && max < 64);
    max += 8;
    for (uint32_t want = 1; want <= max; want++) {
        CHECK_OK(vsmmu_iommufd_ioas_alloc(t, &id));
        CHECK_MSG(id == want, "fresh IOAS got id %u, want %u: an object was left behind",
                  id, want);
    }
    for (uint32_t i = 1; i <= max; i++)
        CHECK_OK(vsmmu_iommufd_destroy(t, i));
    if (vsmmu_iommufd_is_sim(t))
        CHECK_EQ(vsmmu_sim_count(t, "all"), 0);
}

/* The teardown order the kernel accepts; each step must succeed, and then
 * every id is gone (a second destroy gives ENOENT). */
static inline void kt_teardown(struct kt *k)
{
    uint32_t ids[12];
    unsigned n = 0;

    /* The device back on the IOAS (off any nested or parent HWPT). */
    CHECK_OK(vsmmu_iommufd_attach(k->t, &k->dev, k->ioas));
    if (k->vdev) {
        CHECK_OK(vsmmu_iommufd_destroy(k->t, k->vdev));
        ids[n++] = k->vdev;
    }
    if (k->evfd >= 0)
        CHECK_OK(vsmmu_iommufd_veventq_close(k->t, k->evfd));
    if (k->veventq) {
        CHECK_OK(vsmmu_iommufd_destroy(k->t, k->veventq));
        ids[n++] = k->veventq;
    }
    if (k->nested) {
        CHECK_OK(vsmmu_iommufd_destroy(k->t, k->nested));
        ids[n++] = k->nested;
    }
    CHECK_OK(vsmmu_iommufd_destroy(k->t, k->viommu));
    ids[n++] = k->viommu;
    CHECK_OK(vsmmu_iommufd_destroy(k->t, k->parent));
    ids[n++] = k->parent;
    CHECK_OK(vsmmu_iommufd_destroy(k->t, k->dev.stdev_id));
    ids[n++] = k->dev.stdev_id;
    CHECK_OK(vsmmu_iommufd_destroy(k->t, k->ioas));
    ids[n++] = k->ioas;
    ids[n++] = k->dev.dev_id;
    ids[n++] = k->dev_hwpt;
    for (unsigned i = 0; i < n; i++)
        CHECK_RC(vsmmu_iommufd_destroy(k->t, ids[i]), ENOENT);
    kt_check_empty(k->t, ids, n);
    vsmmu_iommufd_close(k->t);
    k->t = NULL;
}

#endif
