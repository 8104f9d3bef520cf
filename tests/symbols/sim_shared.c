// SPDX-License-Identifier: MIT
/*
 * libvsmmu-sim.a on top of libvsmmu.so: the simulated kernel needs only
 * the library's exported functions.  Built from the public headers alone
 * (test_sim_shared), it hot-plugs a device of the simulated kernel into an
 * accelerated instance.
 */
#include <vsmmu.h>
#include <vsmmu_iommufd.h>
#include <vsmmu_sim.h>

#include "client.h"

int main(void)
{
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = mem_read,
                                  .mem_write = mem_write };
    struct vsmmu_config cfg;
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    vsmmu_iommufd_t *t = NULL;
    vsmmu_t *s = NULL;
    uint32_t s2 = 0;

    client_name = "test_sim_shared";
    result("sim_create", vsmmu_iommufd_sim_create(&t) == 0 && vsmmu_iommufd_is_sim(t));
    vsmmu_config_default(&cfg);
    cfg.accel = true;
    cfg.stage2 = false;
    result("accel_instance", vsmmu_create(&cfg, &ops, &s) == 0 &&
                                 vsmmu_accel_set_iommufd(s, t) == 0);
    result("sim_add_device", vsmmu_sim_add_device(t, NULL, &dev, &s2) == 0);
    result("accel_attach", vsmmu_accel_attach(s, 3, &dev, s2) == 0);
    result("host_objects_made", vsmmu_accel_get_objects(s, &o) == 0 && o.viommu == 1 && o.vdevice == 1 &&
                                    vsmmu_sim_count(t, "viommu") == 1);
    result("accel_detach", vsmmu_accel_detach(s, 3) == 0 && vsmmu_sim_count(t, "viommu") == 0);
    vsmmu_destroy(s);
    vsmmu_iommufd_close(t);
    return summary();
}
