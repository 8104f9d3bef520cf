/* SPDX-License-Identifier: MIT */
/*
 * Accel-mode test fixture: a test bed in accel mode on the simulated
 * iommufd kernel, seen through a recording transport that logs every
 * backend call (kind, arguments, result) in order, so tests can check what
 * the model asked the kernel and in which order.  Fault injection uses the
 * simulator's own vsmmu_sim_fail().
 */
#ifndef VSMMU_TEST_ACCEL_H
#define VSMMU_TEST_ACCEL_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "sim/sim.h"
#include "testbed.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"

/* The harness ends each test with _exit(), which skips LeakSanitizer's
 * exit-time check: at_fini() runs it explicitly in the ASan build. */
#if defined(__SANITIZE_ADDRESS__)
#define AT_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AT_LSAN 1
#endif
#endif
#ifdef AT_LSAN
#include <sanitizer/lsan_interface.h>
#endif

enum ac_kind {
    AC_HW_INFO = 1, AC_HWPT_ALLOC, AC_INVAL, AC_VIOMMU, AC_VDEV, AC_VEVQ, AC_VEVQ_CLOSE,
    AC_READ, AC_ATTACH, AC_DESTROY,
};

struct ac_call {
    enum ac_kind kind;
    uint32_t a, b, c;    /* arguments, see each wrapper */
    uint64_t d0, d1;     /* HWPT data words; virt_id */
    uint32_t out;        /* returned id / entry_num out */
    int fd;
    long rc;
};

#define AC_MAX_CALLS 4096
#define AC_MAX_INV 4096

struct ac_log {
    struct ac_call calls[AC_MAX_CALLS];
    unsigned n;
    uint64_t inv[AC_MAX_INV][2];    /* every invalidation entry sent */
    unsigned ninv;
    vsmmu_iommufd_t *inner;
    /* optional replacements of the kernel's answer (NULL: the simulator's) */
    long (*read_override)(int fd, void *buf, size_t len);
    int (*inval_override)(const void *entries, uint32_t *entry_num);
    /* hand the model an fd it cannot make non-blocking (an O_PATH fd that
     * stands for the real one) */
    bool fake_veventq_fd;
    int fake_fd, real_fd;
    /* the instance, for tests that look at model state during a call */
    struct vsmmu *s;
    /* bench: thread CPU ns spent in the simulated kernel (AC_FWD) */
    bool time_host;
    uint64_t host_ns;
};
static struct ac_log ac_log;

static inline struct ac_call *ac_rec(enum ac_kind k)
{
    static struct ac_call dummy;
    if (ac_log.n >= AC_MAX_CALLS)
        return &dummy;
    ac_log.calls[ac_log.n] = (struct ac_call){ .kind = k, .fd = -1 };
    return &ac_log.calls[ac_log.n++];
}

#define AC_INNER ac_log.inner
/* Thread CPU time in the simulated kernel, when ac_log.time_host is set
 * (bench/qstall.c: the model's own share of a queue's time). */
static inline uint64_t ac_cpu_ns(void)
{
    struct timespec t;
    if (!ac_log.time_host)
        return 0;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
#define AC_FWD(op, ...)                                                        \
    __extension__({                                                           \
        uint64_t ac_t0_ = ac_cpu_ns();                                        \
        int ac_r_ = vsmmu_iommufd_##op(AC_INNER, __VA_ARGS__);                \
        if (ac_log.time_host)                                                 \
            ac_log.host_ns += ac_cpu_ns() - ac_t0_;                           \
        ac_r_;                                                                \
    })

static inline int ac_get_hw_info(void *priv, uint32_t dev_id, void *data,
                                 uint32_t *data_len, uint32_t *out_type, uint64_t *out_caps)
{
    struct ac_call *c = ac_rec(AC_HW_INFO);
    (void)priv;
    c->a = dev_id;
    c->rc = AC_FWD(get_hw_info, dev_id, data, data_len, out_type, out_caps);
    return (int)c->rc;
}

static inline int ac_ioas_alloc(void *priv, uint32_t *out)
{
    (void)priv;
    return AC_FWD(ioas_alloc, out);
}

static inline int ac_hwpt_alloc(void *priv, uint32_t dev_id, uint32_t pt_id,
                                uint32_t flags, uint32_t data_type, const void *data,
                                uint32_t data_len, uint32_t *out)
{
    struct ac_call *c = ac_rec(AC_HWPT_ALLOC);
    (void)priv;
    c->a = dev_id;
    c->b = pt_id;
    c->c = flags;
    if (data && data_len >= 16) {
        c->d0 = vsmmu_le64(data);
        c->d1 = vsmmu_le64((const uint8_t *)data + 8);
    }
    c->rc = AC_FWD(hwpt_alloc, dev_id, pt_id, flags, data_type, data, data_len, out);
    if (!c->rc)
        c->out = *out;
    return (int)c->rc;
}

static inline int ac_hwpt_invalidate(void *priv, uint32_t id, uint32_t data_type,
                                     const void *entries, uint32_t entry_len,
                                     uint32_t *entry_num)
{
    struct ac_call *c = ac_rec(AC_INVAL);
    (void)priv;
    c->a = id;
    c->b = data_type;
    c->c = *entry_num;
    c->d0 = entry_len;
    for (uint32_t i = 0; i < *entry_num && entry_len == 16 && ac_log.ninv < AC_MAX_INV; i++) {
        ac_log.inv[ac_log.ninv][0] = vsmmu_le64((const uint8_t *)entries + 16 * i);
        ac_log.inv[ac_log.ninv][1] = vsmmu_le64((const uint8_t *)entries + 16 * i + 8);
        ac_log.ninv++;
    }
    if (ac_log.inval_override)
        c->rc = ac_log.inval_override(entries, entry_num);
    else
        c->rc = AC_FWD(hwpt_invalidate, id, data_type, entries, entry_len, entry_num);
    c->out = *entry_num;
    return (int)c->rc;
}

static inline int ac_viommu_alloc(void *priv, uint32_t type, uint32_t dev_id,
                                  uint32_t hwpt_id, uint32_t *out)
{
    struct ac_call *c = ac_rec(AC_VIOMMU);
    (void)priv;
    c->a = type;
    c->b = dev_id;
    c->c = hwpt_id;
    c->rc = AC_FWD(viommu_alloc, type, dev_id, hwpt_id, out);
    if (!c->rc)
        c->out = *out;
    return (int)c->rc;
}

static inline int ac_vdevice_alloc(void *priv, uint32_t viommu_id, uint32_t dev_id,
                                   uint64_t virt_id, uint32_t *out)
{
    struct ac_call *c = ac_rec(AC_VDEV);
    (void)priv;
    c->a = viommu_id;
    c->b = dev_id;
    c->d0 = virt_id;
    c->rc = AC_FWD(vdevice_alloc, viommu_id, dev_id, virt_id, out);
    if (!c->rc)
        c->out = *out;
    return (int)c->rc;
}

static inline int ac_veventq_alloc(void *priv, uint32_t viommu_id, uint32_t type,
                                   uint32_t depth, uint32_t *out_id, int *out_fd)
{
    struct ac_call *c = ac_rec(AC_VEVQ);
    (void)priv;
    c->a = viommu_id;
    c->b = type;
    c->c = depth;
    c->rc = AC_FWD(veventq_alloc, viommu_id, type, depth, out_id, out_fd);
    if (!c->rc && ac_log.fake_veventq_fd) {
        ac_log.real_fd = *out_fd;
        ac_log.fake_fd = open("/", O_PATH | O_CLOEXEC);
        *out_fd = ac_log.fake_fd;
    }
    if (!c->rc) {
        c->out = *out_id;
        c->fd = *out_fd;
    }
    return (int)c->rc;
}

static inline long ac_veventq_read(void *priv, int fd, void *buf, size_t len)
{
    struct ac_call *c = ac_rec(AC_READ);
    (void)priv;
    c->fd = fd;
    c->c = (uint32_t)len;
    if (ac_log.read_override)
        c->rc = ac_log.read_override(fd, buf, len);
    else
        c->rc = AC_FWD(veventq_read, fd, buf, len);
    return c->rc;
}

static inline int ac_veventq_close(void *priv, int fd)
{
    struct ac_call *c = ac_rec(AC_VEVQ_CLOSE);
    (void)priv;
    c->fd = fd;
    if (ac_log.fake_veventq_fd && fd == ac_log.fake_fd) {
        close(fd);
        fd = ac_log.real_fd;
    }
    c->rc = AC_FWD(veventq_close, fd);
    return (int)c->rc;
}

static inline int ac_attach(void *priv, const struct vsmmu_iommufd_dev *dev,
                            uint32_t pt_id)
{
    struct ac_call *c = ac_rec(AC_ATTACH);
    (void)priv;
    c->a = dev->dev_id;
    c->b = pt_id;
    c->rc = AC_FWD(attach, dev, pt_id);
    return (int)c->rc;
}

static inline int ac_destroy(void *priv, uint32_t id)
{
    struct ac_call *c = ac_rec(AC_DESTROY);
    (void)priv;
    c->a = id;
    c->rc = AC_FWD(destroy, id);
    return (int)c->rc;
}

static inline void ac_close(void *priv)
{
    (void)priv;
    vsmmu_iommufd_close(ac_log.inner);
    ac_log.inner = NULL;
}

static const struct vsmmu_iommufd_ops ac_ops = {
    .struct_size = sizeof(struct vsmmu_iommufd_ops),
    .get_hw_info = ac_get_hw_info, .ioas_alloc = ac_ioas_alloc,
    .hwpt_alloc = ac_hwpt_alloc, .hwpt_invalidate = ac_hwpt_invalidate,
    .viommu_alloc = ac_viommu_alloc, .vdevice_alloc = ac_vdevice_alloc,
    .veventq_alloc = ac_veventq_alloc, .veventq_read = ac_veventq_read,
    .veventq_close = ac_veventq_close, .attach = ac_attach, .destroy = ac_destroy,
    .close = ac_close,
};

/* ---- fixture --------------------------------------------------------------- */

#define AT_MAX_DEVS 16

struct at {
    struct testbed tb;
    struct guest g;
    vsmmu_iommufd_t *t;      /* the recording transport given to the model */
    vsmmu_iommufd_t *sim;    /* the simulated kernel behind it */
    struct vsmmu_iommufd_dev dev[AT_MAX_DEVS];
    uint32_t s2[AT_MAX_DEVS];
    unsigned ndev;
    unsigned base_objs;      /* sim objects before the model made any */
};

/** Accel-mode configuration: stage 1 only (IDRs compatible with the
 *  simulator's default host). */
static inline void at_config(struct vsmmu_config *cfg)
{
    vsmmu_config_default(cfg);
    cfg->accel = true;
    cfg->stage2 = false;
}

/** Test bed (@cfg NULL: at_config()) with @ndev simulated host devices. */
static inline void at_init(struct at *x, const struct vsmmu_config *cfg, unsigned ndev)
{
    struct vsmmu_config c;
    int rc;

    memset(x, 0, sizeof(*x));
    memset(&ac_log, 0, sizeof(ac_log));
    if (cfg)
        c = *cfg;
    else
        at_config(&c);
    tb_init(&x->tb, &c);
    ac_log.s = x->tb.s;
    rc = vsmmu_iommufd_sim_create(&x->sim);
    CHECK_MSG(rc == 0, "vsmmu_iommufd_sim_create: %d", rc);
    rc = vsmmu_iommufd_custom(&ac_ops, &ac_log, &x->t);
    CHECK_MSG(rc == 0, "vsmmu_iommufd_custom: %d", rc);
    ac_log.inner = x->sim;
    for (unsigned i = 0; i < ndev; i++) {
        x->dev[i].struct_size = sizeof(x->dev[i]);
        rc = vsmmu_sim_add_device(x->sim, NULL, &x->dev[i], &x->s2[i]);
        CHECK_MSG(rc == 0, "vsmmu_sim_add_device: %d", rc);
    }
    x->ndev = ndev;
    x->base_objs = vsmmu_sim_count(x->sim, "all");
    CHECK_EQ(vsmmu_accel_set_iommufd(x->tb.s, x->t), 0);
}

/** Destroy the instance, then check that the model left nothing behind in
 *  the simulated kernel, then close it. */
static inline void at_fini(struct at *x)
{
    vsmmu_destroy(x->tb.s);
    x->tb.s = NULL;
    CHECK_EQ(vsmmu_sim_count(x->sim, "all"), x->base_objs);
    CHECK_EQ(vsmmu_sim_count(x->sim, "fd"), 0);
    vsmmu_iommufd_close(x->t);   /* closes the simulator too */
    free(x->tb.ram);
    x->tb.ram = NULL;
#ifdef AT_LSAN
    CHECK_MSG(__lsan_do_recoverable_leak_check() == 0, "memory leaked (see above)");
#endif
}

/** The instance's ID registers with stage 1 and stage 2 added: a host
 *  SMMU the instance can be accelerated on. */
static inline void at_host_idr_like(struct at *x, uint32_t idr[6])
{
    for (unsigned i = 0; i < 6; i++)
        idr[i] = tb_readl(&x->tb, R_IDR0 + 4 * i);
    idr[0] = (uint32_t)fld_set(idr[0], IDR0_S1P, 1);
    idr[0] = (uint32_t)fld_set(idr[0], IDR0_S2P, 1);
    /* S2FWB: Linux offers the SMMUv3 vIOMMU only with it (or CANWBS) */
    idr[3] = (uint32_t)fld_set(idr[3], IDR3_FWB, 1);
}

/** Add simulated host device @i behind a host SMMU with ID registers @idr
 *  (NULL: the simulator's default) and take the kernel object count after
 *  it as the baseline at_fini() checks. */
static inline void at_add_device(struct at *x, unsigned i, const uint32_t idr[6])
{
    x->dev[i].struct_size = sizeof(x->dev[i]);
    CHECK_EQ(vsmmu_sim_add_device(x->sim, idr, &x->dev[i], &x->s2[i]), 0);
    if (x->ndev <= i)
        x->ndev = i + 1;
    x->base_objs = vsmmu_sim_count(x->sim, "all");
}

/** Add simulated host device @i behind a host SMMU like the instance
 *  (at_host_idr_like()), as at_add_device() does. */
static inline void at_add_device_like(struct at *x, unsigned i)
{
    uint32_t idr[6];

    at_host_idr_like(x, idr);
    at_add_device(x, i, idr);
}

static inline int at_attach(struct at *x, unsigned i, uint32_t vsid)
{
    return vsmmu_accel_attach(x->tb.s, vsid, &x->dev[i], x->s2[i]);
}

static inline long at_attached(struct at *x, unsigned i)
{
    return vsmmu_simx_attached(x->sim, x->dev[i].dev_id);
}

/** Number of recorded calls of @kind. */
static inline unsigned ac_count(enum ac_kind k)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ac_log.n; i++)
        n += ac_log.calls[i].kind == k;
    return n;
}

/** Index of the first call of @kind at or after @from, or -1. */
static inline int ac_find(enum ac_kind k, unsigned from)
{
    for (unsigned i = from; i < ac_log.n; i++)
        if (ac_log.calls[i].kind == k)
            return (int)i;
    return -1;
}

/** The last call of @kind, or NULL. */
static inline struct ac_call *ac_last(enum ac_kind k)
{
    for (unsigned i = ac_log.n; i-- > 0;)
        if (ac_log.calls[i].kind == k)
            return &ac_log.calls[i];
    return NULL;
}

static inline void ac_reset_log(void)
{
    ac_log.n = 0;
    ac_log.ninv = 0;
}

/* The proxy HWPT ids: the first two successful HWPT allocations on the vIOMMU
 * (abort, then bypass) since @from. */
static inline uint32_t ac_proxy(unsigned which)
{
    unsigned seen = 0;
    for (unsigned i = 0; i < ac_log.n; i++) {
        struct ac_call *c = &ac_log.calls[i];
        if (c->kind == AC_HWPT_ALLOC && c->rc == 0 && seen++ == which)
            return c->out;
    }
    return 0;
}
#define AC_ABORT_PROXY  ac_proxy(0)
#define AC_BYPASS_PROXY ac_proxy(1)

/** A Config-5 STE (S1 translate) with its CD table pointer @cdptr, and
 *  extra bits the host never gets (SHCFG, a high S1ContextPtr bit). */
static inline void at_s1_ste(uint64_t ste[8], uint64_t cdptr)
{
    memset(ste, 0, 8 * sizeof(uint64_t));
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_S1);
    ste[0] |= cdptr & fld_mask(STE_S1CTXPTR);
    st_set(ste, STE_S1CIR, 1);
    st_set(ste, STE_S1COR, 1);
    st_set(ste, STE_S1CSH, 3);
}

static inline void at_cfg_ste(uint64_t ste[8], unsigned config, bool valid)
{
    memset(ste, 0, 8 * sizeof(uint64_t));
    st_set(ste, STE_V, valid);
    st_set(ste, STE_CONFIG, config);
}

/** Guest-memory STE write without the CFGI. */
static inline void at_poke_ste(struct at *x, uint32_t sid, const uint64_t ste[8])
{
    uint64_t a = guest_ste_addr(&x->g, sid);
    for (int i = 7; i >= 0; i--)
        tb_w64(&x->tb, a + 8u * (unsigned)i, ste[i]);
}

/** A host event record of @type for the device (the SID field is the
 *  physical one; the kernel puts the vSID there). */
static inline void at_host_rec(uint8_t rec[32], uint8_t type, uint64_t addr, uint8_t salt)
{
    uint64_t w[4] = { 0, 0, 0, 0 };
    st_set(w, EVT_TYPE, type);
    st_set(w, EVT_SSID, 0x12u + salt);
    st_set(w, EVT_RNW, 1);
    st_set(w, EVT_CLASS, EVT_CLASS_TT);
    w[2] = addr;
    w[3] = 0xabcd000ull ^ ((uint64_t)salt << 40);
    for (unsigned i = 0; i < 4; i++)
        vsmmu_put_le64(rec + 8 * i, w[i]);
}

#endif
