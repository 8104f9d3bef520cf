// SPDX-License-Identifier: MIT
/*
 * The real iommufd transport: each operation is exactly one ioctl on the
 * /dev/iommu file descriptor (or, for attach through VFIO, on the VFIO
 * cdev), a read(2) or a close(2), and returns 0 or -errno as the kernel
 * gave it.  Struct layouts come from iommufd_uapi.h.  It is a transport of
 * vsmmu_iommufd_custom() like any other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vsmmu_iommufd.h"
#include "iommufd/iommufd_uapi.h"

/* The private part of a real transport. */
struct io {
    int fd;         /* the iommufd */
    bool own_fd;    /* close fd in vsmmu_iommufd_close */
};

static int do_ioctl(int fd, unsigned long req, void *arg)
{
    int rc;

    do {
        rc = ioctl(fd, req, arg);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

/* An ioctl on the transport's iommufd. */
static int io_ioctl(void *priv, unsigned long req, void *arg)
{
    return do_ioctl(((struct io *)priv)->fd, req, arg);
}

static uint64_t uptr(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static int io_get_hw_info(void *priv, uint32_t dev_id, void *data,
                          uint32_t *data_len, uint32_t *out_type, uint64_t *out_caps)
{
    struct vsmmu_uapi_hw_info c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.dev_id = dev_id;
    c.data_len = data_len ? *data_len : 0;
    c.data_uptr = c.data_len ? uptr(data) : 0;
    rc = io_ioctl(priv, VSMMU_IOC_GET_HW_INFO, &c);
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

static int io_ioas_alloc(void *priv, uint32_t *out_ioas_id)
{
    struct vsmmu_uapi_ioas_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    rc = io_ioctl(priv, VSMMU_IOC_IOAS_ALLOC, &c);
    if (!rc)
        *out_ioas_id = c.out_ioas_id;
    return rc;
}

static int io_hwpt_alloc(void *priv, uint32_t dev_id, uint32_t pt_id,
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
    rc = io_ioctl(priv, VSMMU_IOC_HWPT_ALLOC, &c);
    if (!rc)
        *out_hwpt_id = c.out_hwpt_id;
    return rc;
}

static int io_hwpt_invalidate(void *priv, uint32_t id, uint32_t data_type,
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
    rc = io_ioctl(priv, VSMMU_IOC_HWPT_INVALIDATE, &c);
    /* The kernel writes entry_num back on success and on failure. */
    *entry_num = c.entry_num;
    return rc;
}

static int io_viommu_alloc(void *priv, uint32_t type, uint32_t dev_id,
                           uint32_t hwpt_id, uint32_t *out_viommu_id)
{
    struct vsmmu_uapi_viommu_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.type = type;
    c.dev_id = dev_id;
    c.hwpt_id = hwpt_id;
    rc = io_ioctl(priv, VSMMU_IOC_VIOMMU_ALLOC, &c);
    if (!rc)
        *out_viommu_id = c.out_viommu_id;
    return rc;
}

static int io_vdevice_alloc(void *priv, uint32_t viommu_id, uint32_t dev_id,
                            uint64_t virt_id, uint32_t *out_vdevice_id)
{
    struct vsmmu_uapi_vdevice_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.viommu_id = viommu_id;
    c.dev_id = dev_id;
    c.virt_id = virt_id;
    rc = io_ioctl(priv, VSMMU_IOC_VDEVICE_ALLOC, &c);
    if (!rc)
        *out_vdevice_id = c.out_vdevice_id;
    return rc;
}

static int io_veventq_alloc(void *priv, uint32_t viommu_id, uint32_t type,
                            uint32_t depth, uint32_t *out_veventq_id, int *out_fd)
{
    struct vsmmu_uapi_veventq_alloc c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.viommu_id = viommu_id;
    c.type = type;
    c.veventq_depth = depth;
    rc = io_ioctl(priv, VSMMU_IOC_VEVENTQ_ALLOC, &c);
    if (!rc) {
        *out_veventq_id = c.out_veventq_id;
        *out_fd = (int)c.out_veventq_fd;
    }
    return rc;
}

static long io_veventq_read(void *priv, int fd, void *buf, size_t len)
{
    ssize_t n;

    (void)priv;
    do {
        n = read(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (long)n;
}

static int io_veventq_close(void *priv, int fd)
{
    (void)priv;
    /* No retry on EINTR: the fd is released either way on Linux. */
    return close(fd) < 0 ? -errno : 0;
}

static int test_cmd(void *priv, struct vsmmu_uapi_test_cmd *c)
{
    c->size = sizeof(*c);
    return io_ioctl(priv, VSMMU_IOC_TEST_CMD, c);
}

static int io_attach(void *priv, const struct vsmmu_iommufd_dev *dev,
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
        return test_cmd(priv, &c);
    }
}

static int io_destroy(void *priv, uint32_t id)
{
    struct vsmmu_uapi_destroy c;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.id = id;
    return io_ioctl(priv, VSMMU_IOC_DESTROY, &c);
}

static void io_close(void *priv)
{
    struct io *io = priv;

    if (io->own_fd)
        close(io->fd);
    free(io);
}

static const struct vsmmu_iommufd_ops ioctl_ops = {
    .struct_size = sizeof(struct vsmmu_iommufd_ops),
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
    .close = io_close,
};

static int wrap(int fd, bool own, vsmmu_iommufd_t **out)
{
    struct io *io = malloc(sizeof(*io));
    int rc;

    if (!io)
        return -ENOMEM;
    io->fd = fd;
    io->own_fd = own;
    rc = vsmmu_iommufd_custom(&ioctl_ops, io, out);
    if (rc)
        free(io);
    return rc;
}

int vsmmu_iommufd_fd(const vsmmu_iommufd_t *t)
{
    const struct io *io = vsmmu_iommufd_priv(t, &ioctl_ops);

    return io ? io->fd : -1;
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
