// SPDX-License-Identifier: MIT
/* Simulated iommufd kernel: object ids, type checks, attach, destroy. */
#include <fcntl.h>

#include "test_sim.h"

TEST(sim_create_close_empty)
{
    vsmmu_iommufd_t *t = NULL;
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK(vsmmu_iommufd_is_sim(t));
    CHECK_EQ(vsmmu_sim_count(t, "all"), 0);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

TEST(sim_ids_lowest_free_reused)
{
    vsmmu_iommufd_t *t;
    uint32_t a, b, c, d;
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &a), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &b), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &c), 0);
    CHECK_EQ(a, 1);
    CHECK_EQ(b, 2);
    CHECK_EQ(c, 3);
    CHECK_EQ(vsmmu_iommufd_destroy(t, b), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(t, b), -ENOENT);   /* double destroy */
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &d), 0);
    CHECK_EQ(d, b);                                    /* freed id reused */
    CHECK_EQ(vsmmu_iommufd_destroy(t, 0), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_destroy(t, 999), -ENOENT);
    CHECK_EQ(vsmmu_sim_count(t, "ioas"), 3);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

TEST(sim_add_device_defaults)
{
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    uint32_t s2, type = 0, len;
    uint64_t caps = 7;
    uint8_t info[48];
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_sim_add_device(t, NULL, &dev, &s2), 0);
    CHECK_EQ(dev.vfio_fd, -1);
    CHECK_EQ(vsmmu_sim_count(t, "device"), 1);
    CHECK_EQ(vsmmu_sim_count(t, "ioas"), 1);
    CHECK_EQ(vsmmu_sim_count(t, "hwpt"), 1);
    CHECK_EQ(vsmmu_simx_attached(t, dev.dev_id), s2);
    memset(info, 0xcc, sizeof(info));
    len = sizeof(info);
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, dev.dev_id, info, &len, &type, &caps), 0);
    CHECK_EQ(type, VSMMU_HW_INFO_TYPE_ARM_SMMUV3);
    CHECK_EQ(len, 40);
    CHECK_EQ(caps, 1u << 3);   /* PCI_ATS_NOT_SUPPORTED: IDR0.ATS is 0 */
    CHECK_EQ(rd32le(info), 0);       /* flags */
    CHECK_EQ(rd32le(info + 4), 0);   /* reserved */
    uint32_t idr0 = rd32le(info + 8), idr1 = rd32le(info + 12), idr3 = rd32le(info + 20);
    uint32_t idr5 = rd32le(info + 28);
    CHECK_EQ(fld_get(idr0, IDR0_ST_LEVEL), 1);
    CHECK_EQ(fld_get(idr0, IDR0_S1P), 1);
    CHECK_EQ(fld_get(idr0, IDR0_S2P), 1);
    CHECK_EQ(fld_get(idr0, IDR0_TTF), IDR0_TTF_AARCH64);
    CHECK_EQ(fld_get(idr0, IDR0_TTENDIAN), IDR0_TTENDIAN_LE);
    CHECK_EQ(fld_get(idr1, IDR1_SIDSIZE), 16);
    CHECK_EQ(fld_get(idr1, IDR1_SSIDSIZE), 20);
    CHECK_EQ(fld_get(idr3, IDR3_RIL), 1);
    CHECK_EQ(fld_get(idr5, IDR5_OAS), 5);
    CHECK_EQ(fld_get(idr5, IDR5_GRAN4K), 1);
    CHECK_EQ(fld_get(idr5, IDR5_GRAN16K), 1);
    CHECK_EQ(fld_get(idr5, IDR5_GRAN64K), 1);
    CHECK_EQ(info[40], 0);           /* zero-filled beyond the kernel's size */
    CHECK_EQ(info[47], 0);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

TEST(sim_hw_info_given_idrs_and_short_buffer)
{
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    const uint32_t idr[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    uint8_t info[12];
    uint32_t len = sizeof(info), s2;
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_sim_add_device(t, idr, &dev, &s2), 0);
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, dev.dev_id, info, &len, NULL, NULL), 0);
    CHECK_EQ(len, 40);                 /* the kernel's length */
    CHECK_EQ(rd32le(info + 8), 0x11);  /* idr[0]; copy stopped at 12 bytes */
    len = 0;
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, dev.dev_id, NULL, &len, NULL, NULL), 0);
    CHECK_EQ(len, 40);
    len = 40;
    uint8_t full[40];
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, dev.dev_id, full, &len, NULL, NULL), 0);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(rd32le(full + 8 + 4 * i), idr[i]);
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, s2, full, &len, NULL, NULL), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, 77, full, &len, NULL, NULL), -ENOENT);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

TEST(sim_hwpt_alloc_paging_rules)
{
    struct smmu_env e;
    uint32_t h, ioas;
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(e.t, &ioas), 0);
    /* data type NONE with data, or a type without data */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 0, 0, "x", 1, &h), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 0, 2, NULL, 0, &h), -EINVAL);
    /* unknown flag */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 1u << 7, 0, NULL, 0, &h),
             -EOPNOTSUPP);
    /* dirty tracking without HTTU */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 1u << 1, 0, NULL, 0, &h),
             -EOPNOTSUPP);
    /* missing device: ENOENT; missing pt: EINVAL (as the kernel maps it) */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, 99, ioas, 0, 0, NULL, 0, &h), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, 99, 0, 0, NULL, 0, &h), -EINVAL);
    /* a device id as pt: wrong type */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, e.dev.dev_id, 0, 0, NULL, 0, &h),
             -EINVAL);
    /* an IOAS as the device: not a device */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, ioas, ioas, 0, 0, NULL, 0, &h), -ENOENT);
    unsigned before = vsmmu_sim_count(e.t, "hwpt");
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, VSMMU_HWPT_ALLOC_NEST_PARENT,
                                      0, NULL, 0, &h), 0);
    CHECK_EQ(vsmmu_sim_count(e.t, "hwpt"), before + 1);
    /* an IOAS with a HWPT is busy */
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, ioas), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, h), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, ioas), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(sim_nest_parent_needs_nesting_idrs)
{
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    uint32_t s2, ioas, h, idr[6] = { 0 };
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    idr[0] = (uint32_t)fld_set(0, IDR0_S2P, 1);   /* no stage 1 */
    CHECK_EQ(vsmmu_sim_add_device(t, idr, &dev, &s2), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &ioas), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(t, dev.dev_id, ioas, VSMMU_HWPT_ALLOC_NEST_PARENT, 0,
                                      NULL, 0, &h), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(t, dev.dev_id, ioas, 0, 0, NULL, 0, &h), 0);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

TEST(sim_viommu_alloc_rules)
{
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    uint32_t s2, v, plain, ioas;
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_sim_add_device(t, NULL, &dev, &s2), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &ioas), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(t, dev.dev_id, ioas, 0, 0, NULL, 0, &plain), 0);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 0, dev.dev_id, s2, &v), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, VSMMU_VIOMMU_TYPE_SELFTEST, dev.dev_id, s2, &v),
             -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, 99, s2, &v), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, dev.dev_id, 0, &v), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, dev.dev_id, ioas, &v), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, dev.dev_id, plain, &v), -EINVAL);
    CHECK_EQ(vsmmu_sim_count(t, "viommu"), 0);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, dev.dev_id, s2, &v), 0);
    CHECK_EQ(vsmmu_sim_count(t, "viommu"), 1);
    /* the vIOMMU holds its nest parent */
    CHECK_EQ(vsmmu_iommufd_destroy(t, s2), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_destroy(t, v), 0);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

TEST(sim_viommu_other_smmu_parent_einval)
{
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev a = VSMMU_STRUCT_INIT(a), b = VSMMU_STRUCT_INIT(b);
    uint32_t s2a, s2b, v, idr[6];
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_sim_add_device(t, NULL, &a, &s2a), 0);
    vsmmu_sim_add_device(t, NULL, &b, &s2b);
    /* a second SMMU instance: different ID registers */
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, a.dev_id, NULL, &(uint32_t){0}, NULL, NULL), 0);
    uint8_t info[40];
    uint32_t len = 40;
    vsmmu_iommufd_get_hw_info(t, a.dev_id, info, &len, NULL, NULL);
    for (int i = 0; i < 6; i++)
        idr[i] = rd32le(info + 8 + 4 * i);
    idr[4] ^= 1;
    struct vsmmu_iommufd_dev c = VSMMU_STRUCT_INIT(c);
    uint32_t s2c, vc, vd;
    CHECK_EQ(vsmmu_sim_add_device(t, idr, &c, &s2c), 0);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, c.dev_id, s2a, &v), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, a.dev_id, s2a, &v), 0);
    /* same instance: b may join a's vIOMMU; c may not */
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(t, v, b.dev_id, 0x20, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(t, v, c.dev_id, 0x30, &vc), -EINVAL);
    uint32_t h;
    CHECK_EQ(nested_ste(t, c.dev_id, v, ste0(STE_CFG_BYPASS), 0, &h), -EINVAL);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

TEST(sim_vdevice_rules)
{
    struct smmu_env e;
    struct vsmmu_iommufd_dev b = VSMMU_STRUCT_INIT(b);
    uint32_t s2b, vd, vd2, ioas;
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_sim_add_device(e.t, NULL, &b, &s2b), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(e.t, &ioas), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, 99, e.dev.dev_id, 8, &vd), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, ioas, e.dev.dev_id, 8, &vd), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, 99, 8, &vd), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 8, &vd), 0);
    /* second vDEVICE of the same device, and a duplicate virt_id */
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 9, &vd2), -EEXIST);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, b.dev_id, 8, &vd2), -EEXIST);
    CHECK_EQ(vsmmu_sim_count(e.t, "vdevice"), 1);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, b.dev_id, 9, &vd2), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, e.viommu), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, vd), 0);
    /* the virt_id is free again */
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 8, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, vd), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, vd2), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, e.viommu), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(sim_device_not_destroyable)
{
    struct smmu_env e;
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, e.dev.dev_id), -EBUSY);
    CHECK_EQ(vsmmu_sim_count(e.t, "device"), 1);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(sim_attach_and_busy_hwpts)
{
    struct smmu_env e;
    uint32_t ioas, plain, auto1;
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(e.t, &ioas), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 0, 0, NULL, 0, &plain), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, 99), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, e.viommu), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, plain), 0);
    CHECK_EQ(vsmmu_simx_attached(e.t, e.dev.dev_id), plain);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, plain), -EBUSY);
    /* attaching to an IOAS makes an automatic domain, freed on detach */
    unsigned h = vsmmu_sim_count(e.t, "hwpt");
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, ioas), 0);
    auto1 = (uint32_t)vsmmu_simx_attached(e.t, e.dev.dev_id);
    CHECK(auto1 != plain && auto1 != 0);
    CHECK_EQ(vsmmu_sim_count(e.t, "hwpt"), h + 1);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, auto1), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, ioas), 0);   /* same: no change */
    CHECK_EQ(vsmmu_simx_attached(e.t, e.dev.dev_id), auto1);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, e.s2), 0);
    CHECK_EQ(vsmmu_sim_count(e.t, "hwpt"), h);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, plain), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(e.t, ioas), 0);
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

TEST(sim_mock_device_recipe_ids)
{
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    uint32_t ioas, hwpt, type = 0, len = 8;
    uint8_t info[8];
    uint64_t caps = 0;
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &ioas), 0);
    CHECK_EQ(vsmmu_iommufd_mock_device(t, 99, &dev, &hwpt), -ENOENT);
    CHECK_EQ(vsmmu_sim_count(t, "all"), 1);
    CHECK_EQ(vsmmu_iommufd_mock_device(t, ioas, &dev, &hwpt), 0);
    /* selftest object, then the device, then the automatic domain */
    CHECK_EQ(dev.stdev_id, ioas + 1);
    CHECK_EQ(dev.dev_id, ioas + 2);
    CHECK_EQ(hwpt, ioas + 3);
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, dev.dev_id, info, &len, &type, &caps), 0);
    CHECK_EQ(type, VSMMU_HW_INFO_TYPE_SELFTEST);
    CHECK_EQ(len, 8);
    CHECK_EQ(rd32le(info + 4), 0xdeadbeef);
    CHECK_EQ(caps, 1u | 1u << 3);   /* dirty tracking; no ATS */
    /* a second mock device on the same IOAS shares the automatic domain */
    struct vsmmu_iommufd_dev dev2 = VSMMU_STRUCT_INIT(dev2);
    uint32_t hwpt2;
    CHECK_EQ(vsmmu_iommufd_mock_device(t, ioas, &dev2, &hwpt2), 0);
    CHECK_EQ(hwpt2, hwpt);
    CHECK_EQ(vsmmu_iommufd_destroy(t, dev.stdev_id), 0);
    CHECK_EQ(vsmmu_sim_count(t, "hwpt"), 1);
    CHECK_EQ(vsmmu_iommufd_destroy(t, dev2.stdev_id), 0);
    CHECK_EQ(vsmmu_sim_count(t, "all"), 1);   /* the IOAS */
    CHECK_EQ(vsmmu_iommufd_destroy(t, ioas), 0);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

TEST(sim_mock_nested_needs_vdevice)
{
    struct mock_env m;
    uint32_t nested, vd;
    mock_env_init(&m);
    CHECK_EQ(mock_nested(&m, &nested), 0);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, nested), -ENOENT);
    CHECK_EQ(vsmmu_simx_attached(m.t, m.dev.dev_id), m.hwpt);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0x99, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, nested), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, nested), -EBUSY);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.viommu), -EBUSY);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

TEST(sim_mock_nested_data_rules)
{
    struct mock_env m;
    uint32_t h;
    uint8_t d[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
    mock_env_init(&m);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 0, 0, NULL, 0, &h),
             -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 0, 2, d, 4, &h),
             -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 0, 0xdead, d, 2, &h),
             -EINVAL);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 1, 0xdead, d, 4, &h),
             -EOPNOTSUPP);
    /* {iotlb, pagetable_type}: 4 to 8 bytes; longer is EINVAL, even zero */
    uint8_t d12[12] = { 0 };
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 0, 0xdead, d12, 12, &h),
             -EINVAL);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 0, 0xdead, d12, 8, &h), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, h), 0);
    /* ALLOC_PASID is allowed; FAULT_ID_VALID looks up fault object 0 */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 1u << 2, 0xdead, d, 4,
                                      &h), -ENOENT);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 1u << 3, 0xdead, d, 4,
                                      &h), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, h), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.viommu, 0, 0xdead, d, 4, &h), 0);
    uint64_t v[2];
    CHECK_EQ(vsmmu_simx_vste(m.t, h, v), 0);
    CHECK_EQ(v[0], 1);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

TEST(sim_mock_unbind_leaves_vdevice_tombstone)
{
    struct mock_env m;
    uint32_t vd, ioas2;
    mock_env_init(&m);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0x99, &vd), 0);
    /* move off the nest parent's users: the mock device is on the auto domain */
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.dev.stdev_id), 0);
    CHECK_EQ(vsmmu_sim_count(m.t, "vdevice"), 0);
    CHECK_EQ(vsmmu_sim_count(m.t, "device"), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, vd), -ENOENT);
    /* the vIOMMU is free to go; the tombstone id is not reused */
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.viommu), 0);
    for (int i = 0; i < 10; i++) {
        CHECK_EQ(vsmmu_iommufd_ioas_alloc(m.t, &ioas2), 0);
        CHECK(ioas2 != vd);
    }
    CHECK(ioas2 > vd);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}

TEST(sim_close_frees_everything)
{
    struct mock_env m;
    uint32_t nested, vd, q;
    int fd;
    mock_env_init(&m);
    CHECK_EQ(mock_nested(&m, &nested), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(m.t, m.viommu, m.dev.dev_id, 0x99, &vd), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(m.t, m.viommu, 0xbeefbeef, 8, &q, &fd), 0);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, nested), 0);
    for (int i = 0; i < 12; i++)   /* records and the lost header pending */
        CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(m.t, m.dev.dev_id), 0);
    struct smmu_env e;
    smmu_env_init(&e);
    vsmmu_iommufd_close(e.t);
    vsmmu_iommufd_close(m.t);
    CHECK(fcntl(fd, F_GETFD) < 0);   /* the fd is closed */
    SIM_NO_LEAKS();
}

TEST(sim_paging_flags_and_data_per_driver)
{
    struct smmu_env e;
    struct mock_env m;
    uint32_t ioas, h;
    uint8_t d[4] = { 1, 0, 0, 0 };
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(e.t, &ioas), 0);
    /* SMMUv3: one flag combination at a time, no driver data */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 1u << 0 | 1u << 3, 0, NULL, 0,
                                      &h), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 1u << 0 | 1u << 2, 0, NULL, 0,
                                      &h), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 1u << 2, 0, NULL, 0, &h),
             -ENOENT);   /* fault object 0 */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 0, 0xdead, d, 4, &h),
             -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(e.t, e.dev.dev_id, ioas, 1u << 3, 0, NULL, 0, &h), 0);
    vsmmu_iommufd_close(e.t);
    /* the mock takes its {iotlb} data on a paging HWPT too */
    mock_env_init(&m);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.ioas, 0, 0xdead, d, 4, &h), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.ioas, 0, 2, d, 4, &h),
             -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.ioas, 0, 0xdead, d, 3, &h),
             -EINVAL);
    uint8_t pt[8] = { 0, 0, 0, 0, 2, 0, 0, 0 };   /* unknown page-table type */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.ioas, 0, 0xdead, pt, 8, &h),
             -EOPNOTSUPP);
    pt[4] = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.ioas, 0, 0xdead, pt, 8, &h), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.ioas, 1u << 1, 0, NULL, 0, &h), 0);
    /* nesting directly on a nest parent (the mock's legacy nesting) */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.hwpt, 0, 0xdead, d, 4, &h),
             -EINVAL);   /* an automatic domain is no parent */
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m.t, m.dev.dev_id, m.parent, 0, 0xdead, d, 4, &h), 0);
    CHECK_EQ(vsmmu_iommufd_attach(m.t, &m.dev, h), 0);   /* no vIOMMU: no vDEVICE needed */
    CHECK_EQ(vsmmu_iommufd_destroy(m.t, m.parent), -EBUSY);
    vsmmu_iommufd_close(m.t);
    SIM_NO_LEAKS();
}
