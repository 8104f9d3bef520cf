// SPDX-License-Identifier: MIT
/*
 * The ioctl encoding itself, with raw ioctls built from src/iommufd_uapi.h:
 * the kernel accepts each struct at our size and at its documented
 * minimum, and rejects a size below the minimum (EINVAL), a larger struct
 * with a non-zero tail (E2BIG), non-zero flags or reserved fields
 * (EOPNOTSUPP) and a wrongly encoded request number (ENOTTY).  With a
 * field at the wrong offset or a wrong struct size these tests fail, so
 * they prove our layouts against the kernel, not just against themselves.
 *
 * This needs a real kernel: on the simulated transport (no ioctl at all)
 * each test prints "SKIP (real kernel only)" and passes.
 */
#include "kernel/ktest.h"

static bool skip_on_sim(const char *name)
{
    if (kt_is_real())
        return false;
    printf("SKIP (real kernel only: raw ioctl encoding) %s\n", name);
    return true;
}

static int raw(vsmmu_iommufd_t *t, unsigned long req, void *arg)
{
    return ioctl(vsmmu_iommufd_fd(t), req, arg) < 0 ? -errno : 0;
}

/* A struct image with room for a tail beyond our size. */
union big {
    uint8_t b[128];
    uint32_t w[32];
    uint64_t q[16];
};

TEST(encoding_sizes_accepted_at_ours_and_at_minimum)
{
    struct kt k;
    union big u;
    struct vsmmu_uapi_veventq_alloc *q = (void *)&u;
    struct vsmmu_uapi_ioas_alloc *a = (void *)&u;
    struct vsmmu_uapi_viommu_alloc *v = (void *)&u;
    uint32_t id;

    if (skip_on_sim(__func__))
        return;
    kt_setup_viommu(&k);
    /* IOAS_ALLOC: exactly our size. */
    memset(&u, 0, sizeof(u));
    a->size = sizeof(*a);
    CHECK_OK(raw(k.t, VSMMU_IOC_IOAS_ALLOC, a));
    CHECK(a->out_ioas_id != 0);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, a->out_ioas_id));
    /* VEVENTQ_ALLOC at its minimum (up to out_veventq_fd): the fd lands
     * at offset 0x18 and the id at 0x14. */
    memset(&u, 0, sizeof(u));
    q->size = VSMMU_UAPI_MIN_VEVENTQ_ALLOC;
    q->viommu_id = k.viommu;
    q->type = VSMMU_VEVENTQ_TYPE_SELFTEST;
    q->veventq_depth = 2;
    CHECK_OK(raw(k.t, VSMMU_IOC_VEVENTQ_ALLOC, q));
    CHECK(fcntl((int)q->out_veventq_fd, F_GETFD) & FD_CLOEXEC);
    CHECK_RC(vsmmu_iommufd_destroy(k.t, q->out_veventq_id), EBUSY);
    CHECK_OK(close((int)q->out_veventq_fd));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, q->out_veventq_id));
    /* VIOMMU_ALLOC at its minimum (up to out_viommu_id). */
    memset(&u, 0, sizeof(u));
    v->size = VSMMU_UAPI_MIN_VIOMMU_ALLOC;
    v->type = VSMMU_VIOMMU_TYPE_SELFTEST;
    v->dev_id = k.dev.dev_id;
    v->hwpt_id = k.parent;
    CHECK_OK(raw(k.t, VSMMU_IOC_VIOMMU_ALLOC, v));
    id = v->out_viommu_id;
    CHECK(id != 0 && id != k.viommu);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, id));
    /* A larger struct with a zero tail is accepted too. */
    memset(&u, 0, sizeof(u));
    a->size = sizeof(*a) + 16;
    CHECK_OK(raw(k.t, VSMMU_IOC_IOAS_ALLOC, a));
    CHECK_OK(vsmmu_iommufd_destroy(k.t, a->out_ioas_id));
    kt_teardown(&k);
}

TEST(encoding_size_below_minimum_is_einval)
{
    struct kt k;
    union big u;
    struct {
        unsigned long req;
        uint32_t size;
    } cases[] = {
        { VSMMU_IOC_DESTROY, VSMMU_UAPI_MIN_DESTROY - 4 },
        { VSMMU_IOC_IOAS_ALLOC, VSMMU_UAPI_MIN_IOAS_ALLOC - 4 },
        { VSMMU_IOC_GET_HW_INFO, VSMMU_UAPI_MIN_HW_INFO - 4 },
        { VSMMU_IOC_HWPT_ALLOC, VSMMU_UAPI_MIN_HWPT_ALLOC - 4 },
        { VSMMU_IOC_HWPT_INVALIDATE, VSMMU_UAPI_MIN_HWPT_INVALIDATE - 4 },
        { VSMMU_IOC_VIOMMU_ALLOC, VSMMU_UAPI_MIN_VIOMMU_ALLOC - 4 },
        { VSMMU_IOC_VDEVICE_ALLOC, VSMMU_UAPI_MIN_VDEVICE_ALLOC - 8 },
        { VSMMU_IOC_VEVENTQ_ALLOC, VSMMU_UAPI_MIN_VEVENTQ_ALLOC - 4 },
        { VSMMU_IOC_TEST_CMD, VSMMU_UAPI_MIN_TEST_CMD - 4 },
        { VSMMU_IOC_IOAS_ALLOC, 0 },
    };

    if (skip_on_sim(__func__))
        return;
    kt_setup_viommu(&k);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&u, 0, sizeof(u));
        u.w[0] = cases[i].size;
        int rc = raw(k.t, cases[i].req, &u);
        CHECK_MSG(rc == -EINVAL, "ioctl 0x%lx with size %u: %d, want -EINVAL",
                  cases[i].req, cases[i].size, rc);
    }
    kt_teardown(&k);
}

TEST(encoding_nonzero_tail_is_e2big)
{
    struct kt k;
    union big u;
    struct vsmmu_uapi_veventq_alloc *q = (void *)&u;
    struct vsmmu_uapi_vdevice_alloc *d = (void *)&u;
    struct vsmmu_uapi_test_cmd *c = (void *)&u;

    if (skip_on_sim(__func__))
        return;
    kt_setup_viommu(&k);
    memset(&u, 0, sizeof(u));
    q->size = sizeof(*q) + 8;
    q->viommu_id = k.viommu;
    q->type = VSMMU_VEVENTQ_TYPE_SELFTEST;
    q->veventq_depth = 2;
    u.b[sizeof(*q) + 3] = 1;
    CHECK_RC(raw(k.t, VSMMU_IOC_VEVENTQ_ALLOC, q), E2BIG);
    memset(&u, 0, sizeof(u));
    d->size = sizeof(*d) + 8;
    d->viommu_id = k.viommu;
    d->dev_id = k.dev.dev_id;
    d->virt_id = KT_VIRT_ID;
    u.b[sizeof(*d)] = 0x80;
    CHECK_RC(raw(k.t, VSMMU_IOC_VDEVICE_ALLOC, d), E2BIG);
    memset(&u, 0, sizeof(u));
    c->size = sizeof(*c) + 8;
    c->op = VSMMU_TEST_OP_MOCK_DOMAIN;
    c->id = k.ioas;
    u.b[sizeof(*c) + 7] = 1;
    CHECK_RC(raw(k.t, VSMMU_IOC_TEST_CMD, c), E2BIG);
    /* Nothing was created by the rejected calls. */
    CHECK_OK(kt_veventq_alloc(&k, 2));
    CHECK_OK(vsmmu_iommufd_vdevice_alloc(k.t, k.viommu, k.dev.dev_id, KT_VIRT_ID, &k.vdev));
    kt_teardown(&k);
}

TEST(encoding_reserved_and_flags_fields_are_checked)
{
    struct kt k;
    union big u;
    struct vsmmu_uapi_veventq_alloc *q = (void *)&u;
    struct vsmmu_uapi_hwpt_alloc *h = (void *)&u;
    struct vsmmu_uapi_hwpt_invalidate *inv = (void *)&u;
    struct vsmmu_uapi_hw_info *hi = (void *)&u;
    struct vsmmu_uapi_viommu_alloc *v = (void *)&u;

    if (skip_on_sim(__func__))
        return;
    kt_setup_viommu(&k);
    /* VEVENTQ_ALLOC: reserved @0x1c, flags @0x04. */
    for (int which = 0; which < 2; which++) {
        memset(&u, 0, sizeof(u));
        q->size = sizeof(*q);
        q->viommu_id = k.viommu;
        q->type = VSMMU_VEVENTQ_TYPE_SELFTEST;
        q->veventq_depth = 2;
        if (which)
            q->flags = 1;
        else
            q->reserved = 1;
        CHECK_RC(raw(k.t, VSMMU_IOC_VEVENTQ_ALLOC, q), EOPNOTSUPP);
    }
    /* HWPT_ALLOC: reserved @0x14. */
    memset(&u, 0, sizeof(u));
    h->size = sizeof(*h);
    h->dev_id = k.dev.dev_id;
    h->pt_id = k.ioas;
    h->reserved = 1;
    CHECK_RC(raw(k.t, VSMMU_IOC_HWPT_ALLOC, h), EOPNOTSUPP);
    /* HWPT_INVALIDATE: reserved @0x1c (entry_num is written back as 0). */
    memset(&u, 0, sizeof(u));
    inv->size = sizeof(*inv);
    inv->hwpt_id = k.viommu;
    inv->data_type = VSMMU_VIOMMU_INVALIDATE_SELFTEST;
    inv->entry_num = 5;
    inv->reserved = 1;
    CHECK_RC(raw(k.t, VSMMU_IOC_HWPT_INVALIDATE, inv), EOPNOTSUPP);
    CHECK_EQ(inv->entry_num, 0);
    /* GET_HW_INFO: each of the three reserved bytes @0x1d, and flags. */
    for (int i = 0; i < 4; i++) {
        memset(&u, 0, sizeof(u));
        hi->size = sizeof(*hi);
        hi->dev_id = k.dev.dev_id;
        if (i < 3)
            hi->reserved[i] = 1;
        else
            hi->flags = 1u << 7;
        CHECK_RC(raw(k.t, VSMMU_IOC_GET_HW_INFO, hi), EOPNOTSUPP);
    }
    /* ... and with them clear the type lands at 0x18. */
    memset(&u, 0, sizeof(u));
    hi->size = sizeof(*hi);
    hi->dev_id = k.dev.dev_id;
    CHECK_OK(raw(k.t, VSMMU_IOC_GET_HW_INFO, hi));
    CHECK_EQ(hi->data_type, VSMMU_HW_INFO_TYPE_SELFTEST);
    CHECK_EQ(hi->data_len, sizeof(struct vsmmu_uapi_test_hw_info));
    /* VIOMMU_ALLOC: flags @0x04. */
    memset(&u, 0, sizeof(u));
    v->size = sizeof(*v);
    v->flags = 1;
    v->type = VSMMU_VIOMMU_TYPE_SELFTEST;
    v->dev_id = k.dev.dev_id;
    v->hwpt_id = k.parent;
    CHECK_RC(raw(k.t, VSMMU_IOC_VIOMMU_ALLOC, v), EOPNOTSUPP);
    kt_teardown(&k);
}

TEST(encoding_request_number_must_match)
{
    struct kt k;
    union big u;

    if (skip_on_sim(__func__))
        return;
    kt_setup_viommu(&k);
    /* The same nr with a direction and size encoded (_IOWR) is not the
     * iommufd ioctl: ENOTTY. */
    memset(&u, 0, sizeof(u));
    u.w[0] = sizeof(struct vsmmu_uapi_ioas_alloc);
    CHECK_RC(raw(k.t, _IOWR(VSMMU_IOMMUFD_TYPE, 0x81, struct vsmmu_uapi_ioas_alloc), &u),
             ENOTTY);
    /* The VFIO attach number on an iommufd is not an iommufd command. */
    CHECK_RC(raw(k.t, VSMMU_IOC_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &u), ENOTTY);
    /* The mock-domain test command lays out its outputs where we read
     * them: the idev id from 0x18 is a device GET_HW_INFO accepts. */
    struct vsmmu_uapi_test_cmd *c = (void *)&u;
    memset(&u, 0, sizeof(u));
    c->size = sizeof(*c);
    c->op = VSMMU_TEST_OP_MOCK_DOMAIN;
    c->id = k.ioas;
    CHECK_OK(raw(k.t, VSMMU_IOC_TEST_CMD, c));
    uint32_t stdev = c->u.mock_domain.out_stdev_id, idev = c->u.mock_domain.out_idev_id;
    uint32_t len = 0;
    CHECK_OK(vsmmu_iommufd_get_hw_info(k.t, idev, NULL, &len, NULL, NULL));
    CHECK_RC(vsmmu_iommufd_get_hw_info(k.t, stdev, NULL, &len, NULL, NULL), ENOENT);
    CHECK_OK(vsmmu_iommufd_destroy(k.t, stdev));
    kt_teardown(&k);
}

TEST(attach_with_a_vfio_fd_issues_the_vfio_ioctl)
{
    struct kt k;
    struct vsmmu_iommufd_dev d = VSMMU_STRUCT_INIT(d);

    if (skip_on_sim(__func__))
        return;
    kt_setup_viommu(&k);
    /* With vfio_fd set, attach is VFIO_DEVICE_ATTACH_IOMMUFD_PT on that fd,
     * not the mock replace: aimed at the iommufd itself (which has no
     * such ioctl) it must fail with ENOTTY while the replace succeeds. */
    d = k.dev;
    d.vfio_fd = vsmmu_iommufd_fd(k.t);
    CHECK_RC(vsmmu_iommufd_attach(k.t, &d, k.parent), ENOTTY);
    CHECK_OK(vsmmu_iommufd_attach(k.t, &k.dev, k.parent));
    kt_teardown(&k);
}
