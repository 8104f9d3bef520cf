// SPDX-License-Identifier: MIT
/*
 * The controls of the kernel's selftest mock driver (vsmmu_sim.h) on either
 * kind of transport: the simulated kernel's own mock driver, or the
 * IOMMU_TEST_CMD ioctl on a real iommufd (a kernel built with
 * CONFIG_IOMMUFD_TEST).  Other transports have no mock driver.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/abi.h"
#include "sim/sim.h"
#include "iommufd/iommufd_uapi.h"

/* IOMMU_TEST_CMD on the iommufd @fd. */
static int test_cmd(int fd, struct vsmmu_uapi_test_cmd *c)
{
    int rc;

    c->size = sizeof(*c);
    do {
        rc = ioctl(fd, VSMMU_IOC_TEST_CMD, c);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int vsmmu_iommufd_mock_device(vsmmu_iommufd_t *t, uint32_t pt_id,
                              struct vsmmu_iommufd_dev *out_dev, uint32_t *out_hwpt_id)
{
    struct vsmmu_sim *sim = sim_of(t);
    int fd = vsmmu_iommufd_fd(t);
    struct vsmmu_uapi_test_cmd c;
    int rc;

    struct vsmmu_iommufd_dev d = { .struct_size = sizeof(d), .vfio_fd = -1 };

    if (!t || !out_dev || !vsmmu_abi_size_ok(out_dev))
        return -EINVAL;
    if (sim) {
        pthread_mutex_lock(&sim->lock);
        rc = sim_do_mock_device(sim, pt_id, &d, out_hwpt_id);
        pthread_mutex_unlock(&sim->lock);
    } else if (fd < 0) {
        return -EOPNOTSUPP;
    } else {
        memset(&c, 0, sizeof(c));
        c.op = VSMMU_TEST_OP_MOCK_DOMAIN;
        c.id = pt_id;
        rc = test_cmd(fd, &c);
        if (!rc) {
            d.dev_id = c.u.mock_domain.out_idev_id;
            d.stdev_id = c.u.mock_domain.out_stdev_id;
            if (out_hwpt_id)
                *out_hwpt_id = c.u.mock_domain.out_hwpt_id;
        }
    }
    return rc ? rc : vsmmu_abi_copy_out(out_dev, &d, sizeof(d));
}

int vsmmu_iommufd_mock_trigger_vevent(vsmmu_iommufd_t *t, uint32_t dev_id)
{
    struct vsmmu_sim *sim = sim_of(t);
    int fd = vsmmu_iommufd_fd(t);
    struct vsmmu_uapi_test_cmd c;
    int rc;

    if (!t)
        return -EINVAL;
    if (sim) {
        pthread_mutex_lock(&sim->lock);
        rc = sim_do_mock_trigger(sim, dev_id);
        pthread_mutex_unlock(&sim->lock);
        return rc;
    }
    if (fd < 0)
        return -EOPNOTSUPP;
    memset(&c, 0, sizeof(c));
    c.op = VSMMU_TEST_OP_TRIGGER_VEVENT;
    c.u.trigger_vevent.dev_id = dev_id;
    return test_cmd(fd, &c);
}
