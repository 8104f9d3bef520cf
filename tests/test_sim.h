/* SPDX-License-Identifier: MIT */
/* Helpers shared by the simulated-kernel tests (tests/test_sim*.c). */
#ifndef VSMMU_TEST_SIM_H
#define VSMMU_TEST_SIM_H

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "harness.h"
#include "model/model.h"
#include "iommufd/iommufd_priv.h"
#include "sim/sim.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"

/* The harness ends each test with _exit(), which skips LeakSanitizer's
 * exit check; tests call SIM_NO_LEAKS() after closing the transport. */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif
#ifdef SIM_ASAN
#include <sanitizer/lsan_interface.h>
#define SIM_NO_LEAKS() CHECK_MSG(__lsan_do_recoverable_leak_check() == 0, "memory leaked")
#else
#define SIM_NO_LEAKS() do { } while (0)
#endif

/* A simulated SMMUv3 host device with a vIOMMU on its nest parent. */
struct smmu_env {
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev;
    uint32_t s2, viommu;
};

/* @idr NULL: the simulator's default host SMMU. */
static inline void smmu_env_init_idr(struct smmu_env *e, const uint32_t *idr)
{
    memset(e, 0, sizeof(*e));
    CHECK_EQ(vsmmu_iommufd_sim_create(&e->t), 0);
    e->dev.struct_size = sizeof(e->dev);
    CHECK_EQ(vsmmu_sim_add_device(e->t, idr, &e->dev, &e->s2), 0);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(e->t, VSMMU_VIOMMU_TYPE_ARM_SMMUV3, e->dev.dev_id,
                                        e->s2, &e->viommu), 0);
}

static inline void smmu_env_init(struct smmu_env *e)
{
    smmu_env_init_idr(e, NULL);
}

/* The default host SMMU's ID registers (read back through GET_HW_INFO). */
static inline void sim_default_idrs(uint32_t idr[6])
{
    struct smmu_env e;
    uint8_t info[40];
    uint32_t len = sizeof(info);
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_iommufd_get_hw_info(e.t, e.dev.dev_id, info, &len, NULL, NULL), 0);
    for (int i = 0; i < 6; i++)
        idr[i] = (uint32_t)info[8 + 4 * i] | (uint32_t)info[9 + 4 * i] << 8 |
                 (uint32_t)info[10 + 4 * i] << 16 | (uint32_t)info[11 + 4 * i] << 24;
    vsmmu_iommufd_close(e.t);
}

/* HWPT_ALLOC of a nested HWPT with vSTE words @w0, @w1. */
static inline int nested_ste(vsmmu_iommufd_t *t, uint32_t dev_id, uint32_t viommu,
                             uint64_t w0, uint64_t w1, uint32_t *out)
{
    uint8_t d[16];
    vsmmu_put_le64(d, w0);
    vsmmu_put_le64(d + 8, w1);
    return vsmmu_iommufd_hwpt_alloc(t, dev_id, viommu, 0, VSMMU_HWPT_DATA_ARM_SMMUV3,
                                    d, sizeof(d), out);
}

/* vSTE word 0 of a valid STE with @cfg (and an S1 context pointer). */
static inline uint64_t ste0(unsigned cfg)
{
    uint64_t w = fld_set(0, STE_V, 1);
    w = fld_set(w, STE_CONFIG, cfg);
    if (cfg == STE_CFG_S1)
        w |= 0x40001000ull;   /* S1ContextPtr */
    return w;
}

/* The selftest recipe: IOAS, mock device, nest parent, vIOMMU. */
struct mock_env {
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev;
    uint32_t ioas, hwpt, parent, viommu;
};

static inline void mock_env_init(struct mock_env *m)
{
    memset(m, 0, sizeof(*m));
    CHECK_EQ(vsmmu_iommufd_sim_create(&m->t), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(m->t, &m->ioas), 0);
    m->dev.struct_size = sizeof(m->dev);
    CHECK_EQ(vsmmu_iommufd_mock_device(m->t, m->ioas, &m->dev, &m->hwpt), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(m->t, m->dev.dev_id, m->ioas, VSMMU_HWPT_ALLOC_NEST_PARENT,
                                      0, NULL, 0, &m->parent), 0);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(m->t, VSMMU_VIOMMU_TYPE_SELFTEST, m->dev.dev_id,
                                        m->parent, &m->viommu), 0);
}

static inline int mock_nested(struct mock_env *m, uint32_t *out)
{
    uint8_t d[4] = { 0xef, 0xbe, 0xad, 0x0b };   /* iotlb 0xbadbeef */
    return vsmmu_iommufd_hwpt_alloc(m->t, m->dev.dev_id, m->viommu, 0,
                                    VSMMU_HWPT_DATA_SELFTEST, d, sizeof(d), out);
}

/* The mock setup plus a vDEVICE (virt_id 0x99) attached to a nested HWPT
 * and a selftest vEVENTQ of @depth (id @q, fd @fd). */
struct mock_vq {
    struct mock_env m;
    uint32_t nested, vdev, q;
    int fd;
};

static inline void mock_vq_init(struct mock_vq *x, uint32_t depth)
{
    mock_env_init(&x->m);
    CHECK_EQ(mock_nested(&x->m, &x->nested), 0);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(x->m.t, x->m.viommu, VSMMU_VEVENTQ_TYPE_SELFTEST,
                                         depth, &x->q, &x->fd), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(x->m.t, x->m.viommu, x->m.dev.dev_id, 0x99,
                                         &x->vdev), 0);
    CHECK_EQ(vsmmu_iommufd_attach(x->m.t, &x->m.dev, x->nested), 0);
}

/* @n selftest vEVENTs (TRIGGER_VEVENT) for the mock device. */
static inline void mock_vq_trigger(struct mock_vq *x, int n)
{
    for (int i = 0; i < n; i++)
        CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(x->m.t, x->m.dev.dev_id), 0);
}

/* read(2) of the vEVENTQ fd through the transport: bytes or -errno. */
static inline long mock_vq_read(struct mock_vq *x, void *buf, size_t len)
{
    return vsmmu_iommufd_veventq_read(x->m.t, x->fd, buf, len);
}

/* Close the mock iommufd; nothing the test allocated may leak. */
static inline void mock_vq_fini(struct mock_vq *x)
{
    vsmmu_iommufd_close(x->m.t);
    SIM_NO_LEAKS();
}

/* A 32-byte host event record: @id, StreamID @sid, dword 1 @w1, address @addr. */
static inline void host_rec(uint8_t rec[32], unsigned id, uint32_t sid, uint64_t w1,
                            uint64_t addr)
{
    uint64_t w0 = fld_set(0, 7, 0, id);
    w0 = fld_set(w0, 63, 32, sid);
    w0 = fld_set(w0, 31, 12, 0x5a5a5);   /* SSID: passed through */
    vsmmu_put_le64(rec, w0);
    vsmmu_put_le64(rec + 8, w1);
    vsmmu_put_le64(rec + 16, addr);
    vsmmu_put_le64(rec + 24, 0x1234000ull);
}

static inline bool fd_readable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static inline uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
