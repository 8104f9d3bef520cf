// SPDX-License-Identifier: MIT
/*
 * The real iommufd transport: each operation is exactly one ioctl on the
 * /dev/iommu file descriptor (or, for attach through VFIO, on the VFIO
 * cdev), a read(2) or a close(2), and returns 0 or -errno as the kernel
 * gave it.  Struct layouts come from iommufd_uapi.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "iommufd/iommufd_priv.h"
#include "vsmmu_sim.h"
#include "iommufd/iommufd_uapi.h"

static int do_ioctl(int fd, unsigned long req, void *arg)
{
    int rc;

    do {
        rc = ioctl(fd, req, arg);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

static uint64_t uptr(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static int io_get_hw_info(vsmmu_iommufd_t *t, uint32_t dev_id, void *data,
                          uint32_t *data_len, uint32_t *out_type, uint64_t *out_caps)
{
    struct vsmmu_uapi_hw_info c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.dev_id = dev_id;
    c.data_len = data_len ? *data_len : 0;
    c.data_uptr = c.data_len ? uptr(data) : 0;
    rc = do_ioctl(t->fd, VSMMU_IOC_GET_HW_INFO, &c);
    if (rc)
        return rc;
    if (data_len)
        *data_len = c.data_len;
    if (out_type)
        *out_type = c.data_type;
    if (out_caps)
        *out_caps = c.out_capabilities;
    return 0;
}

static int io_ioas_alloc(vsmmu_iommufd_t *t, uint32_t *out_ioas_id)
{
    struct vsmmu_uapi_ioas_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    rc = do_ioctl(t->fd, VSMMU_IOC_IOAS_ALLOC, &c);
    if (!rc)
        *out_ioas_id = c.out_ioas_id;
    return rc;
}

static int io_hwpt_alloc(vsmmu_iommufd_t *t, uint32_t dev_id, uint32_t pt_id,
                         uint32_t flags, uint32_t data_type, const void *data,
                         uint32_t data_len, uint32_t *out_hwpt_id)
{
    struct vsmmu_uapi_hwpt_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.flags = flags;
    c.dev_id = dev_id;
    c.pt_id = pt_id;
    c.data_type = data_type;
    c.data_len = data_len;
    c.data_uptr = uptr(data);
    rc = do_ioctl(t->fd, VSMMU_IOC_HWPT_ALLOC, &c);
    if (!rc)
        *out_hwpt_id = c.out_hwpt_id;
    return rc;
}

static int io_hwpt_invalidate(vsmmu_iommufd_t *t, uint32_t id, uint32_t data_type,
                              const void *entries, uint32_t entry_len,
                              uint32_t *entry_num)
{
    struct vsmmu_uapi_hwpt_invalidate c;
    int rc;

    if (!entry_num)
        return -EINVAL;
    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.hwpt_id = id;
    c.data_uptr = uptr(entries);
    c.data_type = data_type;
    c.entry_len = entry_len;
    c.entry_num = *entry_num;
    rc = do_ioctl(t->fd, VSMMU_IOC_HWPT_INVALIDATE, &c);
    /* The kernel writes entry_num back on success and on failure. */
    *entry_num = c.entry_num;
    return rc;
}

static int io_viommu_alloc(vsmmu_iommufd_t *t, uint32_t type, uint32_t dev_id,
                           uint32_t hwpt_id, uint32_t *out_viommu_id)
{
    struct vsmmu_uapi_viommu_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.type = type;
    c.dev_id = dev_id;
    c.hwpt_id = hwpt_id;
    rc = do_ioctl(t->fd, VSMMU_IOC_VIOMMU_ALLOC, &c);
    if (!rc)
        *out_viommu_id = c.out_viommu_id;
    return rc;
}

static int io_vdevice_alloc(vsmmu_iommufd_t *t, uint32_t viommu_id, uint32_t dev_id,
                            uint64_t virt_id, uint32_t *out_vdevice_id)
{
    struct vsmmu_uapi_vdevice_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.viommu_id = viommu_id;
    c.dev_id = dev_id;
    c.virt_id = virt_id;
    rc = do_ioctl(t->fd, VSMMU_IOC_VDEVICE_ALLOC, &c);
    if (!rc)
        *out_vdevice_id = c.out_vdevice_id;
    return rc;
}

static int io_veventq_alloc(vsmmu_iommufd_t *t, uint32_t viommu_id, uint32_t type,
                            uint32_t depth, uint32_t *out_veventq_id, int *out_fd)
{
    struct vsmmu_uapi_veventq_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.viommu_id = viommu_id;
    c.type = type;
    c.veventq_depth = depth;
    rc = do_ioctl(t->fd, VSMMU_IOC_VEVENTQ_ALLOC, &c);
    if (!rc) {
        *out_veventq_id = c.out_veventq_id;
        *out_fd = (int)c.out_veventq_fd;
    }
    return rc;
}

static long io_veventq_read(vsmmu_iommufd_t *t, int fd, void *buf, size_t len)
{
    ssize_t n;

    (void)t;
    do {
        n = read(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (long)n;
}

static int io_veventq_close(vsmmu_iommufd_t *t, int fd)
{
    (void)t;
    /* No retry on EINTR: the fd is released either way on Linux. */
    return close(fd) < 0 ? -errno : 0;
}

static int test_cmd(vsmmu_iommufd_t *t, struct vsmmu_uapi_test_cmd *c)
{
    c->size = sizeof(*c);
    return do_ioctl(t->fd, VSMMU_IOC_TEST_CMD, c);
}

static int io_attach(vsmmu_iommufd_t *t, const struct vsmmu_iommufd_dev *dev,
                     uint32_t pt_id)
{
    if (dev->vfio_fd >= 0) {
        struct vsmmu_uapi_vfio_attach_pt a;

        memset(&a, 0, sizeof(a));
        a.argsz = sizeof(a);
        a.pt_id = pt_id;
        return do_ioctl(dev->vfio_fd, VSMMU_IOC_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
    } else {
        struct vsmmu_uapi_test_cmd c;

        memset(&c, 0, sizeof(c));
        c.op = VSMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
        c.id = dev->stdev_id;
        c.u.mock_domain_replace.pt_id = pt_id;
        return test_cmd(t, &c);
    }
}

static int io_destroy(vsmmu_iommufd_t *t, uint32_t id)
{
    struct vsmmu_uapi_destroy c;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.id = id;
    return do_ioctl(t->fd, VSMMU_IOC_DESTROY, &c);
}

static int io_mock_device(vsmmu_iommufd_t *t, uint32_t pt_id,
                          struct vsmmu_iommufd_dev *out_dev, uint32_t *out_hwpt_id)
{
    struct vsmmu_uapi_test_cmd c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.op = VSMMU_TEST_OP_MOCK_DOMAIN;
    c.id = pt_id;
    rc = test_cmd(t, &c);
    if (rc)
        return rc;
    out_dev->dev_id = c.u.mock_domain.out_idev_id;
    out_dev->stdev_id = c.u.mock_domain.out_stdev_id;
    out_dev->vfio_fd = -1;
    if (out_hwpt_id)
        *out_hwpt_id = c.u.mock_domain.out_hwpt_id;
    return 0;
}

static int io_mock_trigger_vevent(vsmmu_iommufd_t *t, uint32_t dev_id)
{
    struct vsmmu_uapi_test_cmd c;

    memset(&c, 0, sizeof(c));
    c.op = VSMMU_TEST_OP_TRIGGER_VEVENT;
    c.u.trigger_vevent.dev_id = dev_id;
    return test_cmd(t, &c);
}

static void io_close(vsmmu_iommufd_t *t)
{
    if (t->own_fd && t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

static const struct vsmmu_iommufd_ops ioctl_ops = {
    .get_hw_info = io_get_hw_info,
    .ioas_alloc = io_ioas_alloc,
    .hwpt_alloc = io_hwpt_alloc,
    .hwpt_invalidate = io_hwpt_invalidate,
    .viommu_alloc = io_viommu_alloc,
    .vdevice_alloc = io_vdevice_alloc,
    .veventq_alloc = io_veventq_alloc,
    .veventq_read = io_veventq_read,
    .veventq_close = io_veventq_close,
    .attach = io_attach,
    .destroy = io_destroy,
    .mock_device = io_mock_device,
    .mock_trigger_vevent = io_mock_trigger_vevent,
    .close = io_close,
};

static int wrap(int fd, bool own, vsmmu_iommufd_t **out)
{
    vsmmu_iommufd_t *t = calloc(1, sizeof(*t));

    if (!t)
        return -ENOMEM;
    t->ops = &ioctl_ops;
    t->fd = fd;
    t->own_fd = own;
    t->sim = NULL;
    *out = t;
    return 0;
}

int vsmmu_iommufd_wrap_fd(int fd, vsmmu_iommufd_t **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (fd < 0)
        return -EBADF;
    return wrap(fd, false, out);
}

int vsmmu_iommufd_open(const char *path, vsmmu_iommufd_t **out)
{
    int fd, rc;

    if (!out)
        return -EINVAL;
    *out = NULL;
    fd = open(path ? path : "/dev/iommu", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = wrap(fd, true, out);
    if (rc)
        close(fd);
    return rc;
}
