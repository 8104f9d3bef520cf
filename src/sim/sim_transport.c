// SPDX-License-Identifier: MIT
/*
 * The simulated iommufd kernel as a transport: the operations table
 * (each op takes the simulator's lock, counts the call and applies an
 * injected failure before any side effect), creation and close, the
 * controls of include/vsmmu_sim.h and the test hooks of sim.h.  It uses
 * only the public transport interface (vsmmu_iommufd_custom).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "sim/sim.h"

/* Count a call of @op and apply a pending injected failure (lock held). */
static int sim_enter(struct vsmmu_sim *sim, enum vsmmu_sim_op op)
{
    sim->calls[op]++;
    if (sim->fail_at[op] && sim->calls[op] == sim->fail_at[op]) {
        sim->fail_at[op] = 0;
        return -sim->fail_err[op];
    }
    return 0;
}

/* ---- the transport ---------------------------------------------------- */
static int op_get_hw_info(void *priv, uint32_t dev_id, void *data,
                          uint32_t *data_len, uint32_t *out_type, uint64_t *out_caps)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_enter(sim, VSMMU_SIM_GET_HW_INFO);
    if (!rc)
        rc = sim_do_get_hw_info(sim, dev_id, data, data_len, out_type, out_caps);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_ioas_alloc(void *priv, uint32_t *out)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_do_ioas_alloc(sim, out);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_hwpt_alloc(void *priv, uint32_t dev_id, uint32_t pt_id,
                         uint32_t flags, uint32_t data_type, const void *data,
                         uint32_t data_len, uint32_t *out)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_enter(sim, VSMMU_SIM_HWPT_ALLOC);
    if (!rc)
        rc = sim_do_hwpt_alloc(sim, dev_id, pt_id, flags, data_type, data, data_len, out);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_hwpt_invalidate(void *priv, uint32_t id, uint32_t data_type,
                              const void *entries, uint32_t entry_len, uint32_t *entry_num)
{
    struct vsmmu_sim *sim = priv;
    uint32_t dummy = 0;
    if (!entry_num)
        entry_num = &dummy;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_enter(sim, VSMMU_SIM_HWPT_INVALIDATE);
    if (rc)
        *entry_num = 0;
    else
        rc = sim_do_invalidate(sim, id, data_type, entries, entry_len, entry_num);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_viommu_alloc(void *priv, uint32_t type, uint32_t dev_id,
                           uint32_t hwpt_id, uint32_t *out)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_enter(sim, VSMMU_SIM_VIOMMU_ALLOC);
    if (!rc)
        rc = sim_do_viommu_alloc(sim, type, dev_id, hwpt_id, out);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_vdevice_alloc(void *priv, uint32_t viommu_id, uint32_t dev_id,
                            uint64_t virt_id, uint32_t *out)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_enter(sim, VSMMU_SIM_VDEVICE_ALLOC);
    if (!rc)
        rc = sim_do_vdevice_alloc(sim, viommu_id, dev_id, virt_id, out);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_veventq_alloc(void *priv, uint32_t viommu_id, uint32_t type,
                            uint32_t depth, uint32_t *out_id, int *out_fd)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_enter(sim, VSMMU_SIM_VEVENTQ_ALLOC);
    if (!rc)
        rc = sim_veventq_alloc(sim, viommu_id, type, depth, out_id, out_fd);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static long op_veventq_read(void *priv, int fd, void *buf, size_t len)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    long rc = sim_veventq_read(sim, fd, buf, len);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_veventq_close(void *priv, int fd)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_veventq_close(sim, fd);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_attach(void *priv, const struct vsmmu_iommufd_dev *d, uint32_t pt_id)
{
    struct vsmmu_sim *sim = priv;
    struct sim_obj *dev = NULL;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_enter(sim, VSMMU_SIM_ATTACH);
    if (!rc)
        rc = sim_resolve_dev(sim, d, &dev);
    if (!rc)
        rc = sim_attach_dev(sim, dev, pt_id, NULL);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static int op_destroy(void *priv, uint32_t id)
{
    struct vsmmu_sim *sim = priv;
    pthread_mutex_lock(&sim->lock);
    int rc = sim_enter(sim, VSMMU_SIM_DESTROY);
    if (!rc)
        rc = sim_do_destroy(sim, id);
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

static void op_close(void *priv)
{
    struct vsmmu_sim *sim = priv;
    for (uint32_t i = 1; i < sim->cap; i++) {
        struct sim_obj *o = sim->objs[i];
        if (!o)
            continue;
        if (o->kind == SIM_VEVENTQ)
            sim_veventq_release(o);
        free(o);
    }
    free(sim->objs);
    free(sim->iommus);
    pthread_mutex_destroy(&sim->lock);
    free(sim);
}

const struct vsmmu_iommufd_ops sim_transport_ops = {
    .struct_size = sizeof(struct vsmmu_iommufd_ops),
    .get_hw_info = op_get_hw_info,
    .ioas_alloc = op_ioas_alloc,
    .hwpt_alloc = op_hwpt_alloc,
    .hwpt_invalidate = op_hwpt_invalidate,
    .viommu_alloc = op_viommu_alloc,
    .vdevice_alloc = op_vdevice_alloc,
    .veventq_alloc = op_veventq_alloc,
    .veventq_read = op_veventq_read,
    .veventq_close = op_veventq_close,
    .attach = op_attach,
    .destroy = op_destroy,
    .close = op_close,
};

int vsmmu_iommufd_sim_create(vsmmu_iommufd_t **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    struct vsmmu_sim *sim = calloc(1, sizeof(*sim));
    struct sim_iommu *mock = calloc(1, sizeof(*mock));
    if (!sim || !mock) {
        free(sim);
        free(mock);
        return -ENOMEM;
    }
    pthread_mutex_init(&sim->lock, NULL);
    sim->iommus = mock;
    sim->n_iommus = 1;
    sim->next_psid = SIM_FIRST_PSID;
    sim->next_vmid = 1;
    int rc = vsmmu_iommufd_custom(&sim_transport_ops, sim, out);
    if (rc)
        op_close(sim);
    return rc;
}

bool vsmmu_iommufd_is_sim(const vsmmu_iommufd_t *t)
{
    return vsmmu_iommufd_priv(t, &sim_transport_ops) != NULL;
}

/* ---- controls --------------------------------------------------------- */
static const char *const op_names[VSMMU_SIM_NR_OPS] = {
    [VSMMU_SIM_GET_HW_INFO] = "get_hw_info",
    [VSMMU_SIM_HWPT_ALLOC] = "hwpt_alloc",
    [VSMMU_SIM_HWPT_INVALIDATE] = "hwpt_invalidate",
    [VSMMU_SIM_VIOMMU_ALLOC] = "viommu_alloc",
    [VSMMU_SIM_VDEVICE_ALLOC] = "vdevice_alloc",
    [VSMMU_SIM_VEVENTQ_ALLOC] = "veventq_alloc",
    [VSMMU_SIM_ATTACH] = "attach",
    [VSMMU_SIM_DESTROY] = "destroy",
};

const char *vsmmu_sim_op_name(enum vsmmu_sim_op op)
{
    return (unsigned)op < VSMMU_SIM_NR_OPS ? op_names[op] : NULL;
}

int vsmmu_sim_fail(vsmmu_iommufd_t *t, enum vsmmu_sim_op op, unsigned nth, int err)
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim || (unsigned)op >= VSMMU_SIM_NR_OPS || nth == 0 || err <= 0)
        return -EINVAL;
    pthread_mutex_lock(&sim->lock);
    sim->fail_at[op] = sim->calls[op] + nth;
    sim->fail_err[op] = err;
    pthread_mutex_unlock(&sim->lock);
    return 0;
}

unsigned vsmmu_sim_calls(vsmmu_iommufd_t *t, enum vsmmu_sim_op op)
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim || (unsigned)op >= VSMMU_SIM_NR_OPS)
        return 0;
    pthread_mutex_lock(&sim->lock);
    unsigned n = sim->calls[op];
    pthread_mutex_unlock(&sim->lock);
    return n;
}

unsigned vsmmu_sim_count(vsmmu_iommufd_t *t, const char *kind)
{
    struct vsmmu_sim *sim = sim_of(t);
    static const struct { const char *name; enum sim_kind k1, k2; } kinds[] = {
        { "ioas", SIM_IOAS, SIM_IOAS },
        { "hwpt", SIM_HWPT_PAGING, SIM_HWPT_NESTED },
        { "viommu", SIM_VIOMMU, SIM_VIOMMU },
        { "vdevice", SIM_VDEVICE, SIM_VDEVICE },
        { "veventq", SIM_VEVENTQ, SIM_VEVENTQ },
        { "device", SIM_DEVICE, SIM_DEVICE },
    };
    if (!sim || !kind)
        return 0;
    bool all = !strcmp(kind, "all"), fds = !strcmp(kind, "fd");
    int which = -1;
    for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (!strcmp(kind, kinds[i].name))
            which = (int)i;
    if (!all && !fds && which < 0)
        return 0;
    unsigned n = 0;
    pthread_mutex_lock(&sim->lock);
    for (uint32_t i = 1; i < sim->cap; i++) {
        const struct sim_obj *o = sim_get_any(sim, i);
        if (!o)
            continue;
        if (fds)
            n += o->kind == SIM_VEVENTQ && o->rfd >= 0;
        else if (all)
            n++;
        else
            n += o->kind == kinds[which].k1 || o->kind == kinds[which].k2;
    }
    pthread_mutex_unlock(&sim->lock);
    return n;
}

int vsmmu_sim_add_device(vsmmu_iommufd_t *t, const uint32_t *idr,
                         struct vsmmu_iommufd_dev *out_dev, uint32_t *out_s2_hwpt_id)
{
    struct vsmmu_sim *sim = sim_of(t);
    uint32_t def[6];
    unsigned inst;
    if (!sim || !out_dev || !vsmmu_abi_size_ok(out_dev))
        return -EINVAL;
    if (!idr) {
        sim_default_idr(def);
        idr = def;
    }
    pthread_mutex_lock(&sim->lock);
    int rc = sim_smmu_instance(sim, idr, &inst);
    struct sim_obj *ioas = NULL, *dev = NULL, *s2 = NULL;
    if (!rc) {
        ioas = sim_new(sim, SIM_IOAS);
        dev = ioas ? sim_new(sim, SIM_DEVICE) : NULL;
        if (dev)
            dev->iommu = inst;
        s2 = dev ? sim_new_paging(sim, dev, ioas->id, true) : NULL;
        if (!s2) {
            if (dev)
                sim_free(sim, dev);
            if (ioas)
                sim_free(sim, ioas);
            rc = -ENOMEM;
        }
    }
    if (!rc) {
        dev->psid = sim->next_psid++;
        rc = sim_attach_dev(sim, dev, s2->id, NULL);   /* cannot fail */
        struct vsmmu_iommufd_dev d = { .struct_size = sizeof(d), .dev_id = dev->id,
                                       .vfio_fd = -1 };
        vsmmu_abi_copy_out(out_dev, &d, sizeof(d));
        if (out_s2_hwpt_id)
            *out_s2_hwpt_id = s2->id;
    }
    pthread_mutex_unlock(&sim->lock);
    return rc;
}

/* ---- test hooks ------------------------------------------------------- */
void vsmmu_simx_set_attach_v615(vsmmu_iommufd_t *t, bool v615)
{
    struct vsmmu_sim *sim = sim_of(t);
    if (sim)
        sim->attach_v615 = v615;
}

unsigned vsmmu_simx_issued(vsmmu_iommufd_t *t, unsigned idx, uint64_t cmd[2])
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim)
        return 0;
    pthread_mutex_lock(&sim->lock);
    unsigned n = sim->n_issued;
    if (cmd && idx < n && n - idx <= SIM_ISSUED_MAX) {
        cmd[0] = sim->issued[idx % SIM_ISSUED_MAX][0];
        cmd[1] = sim->issued[idx % SIM_ISSUED_MAX][1];
    }
    pthread_mutex_unlock(&sim->lock);
    return n;
}

int vsmmu_simx_vste(vsmmu_iommufd_t *t, uint32_t hwpt_id, uint64_t ste[2])
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim)
        return -EINVAL;
    pthread_mutex_lock(&sim->lock);
    struct sim_obj *h = sim_get(sim, hwpt_id, SIM_HWPT_NESTED);
    if (h) {
        ste[0] = h->vste[0];
        ste[1] = h->vste[1];
    }
    pthread_mutex_unlock(&sim->lock);
    return h ? 0 : -ENOENT;
}

long vsmmu_simx_psid(vsmmu_iommufd_t *t, uint32_t dev_id)
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim)
        return -EINVAL;
    pthread_mutex_lock(&sim->lock);
    struct sim_obj *d = sim_get(sim, dev_id, SIM_DEVICE);
    long r = d && sim_is_smmuv3(sim, d) ? (long)d->psid : -ENOENT;
    pthread_mutex_unlock(&sim->lock);
    return r;
}

long vsmmu_simx_vmid(vsmmu_iommufd_t *t, uint32_t viommu_id)
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim)
        return -EINVAL;
    pthread_mutex_lock(&sim->lock);
    struct sim_obj *v = sim_get(sim, viommu_id, SIM_VIOMMU);
    struct sim_obj *p = v ? sim_get(sim, v->parent, SIM_HWPT_PAGING) : NULL;
    long r = p ? (long)p->vmid : -ENOENT;
    pthread_mutex_unlock(&sim->lock);
    return r;
}

long vsmmu_simx_attached(vsmmu_iommufd_t *t, uint32_t dev_id)
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim)
        return -EINVAL;
    pthread_mutex_lock(&sim->lock);
    struct sim_obj *d = sim_get(sim, dev_id, SIM_DEVICE);
    long r = d ? (long)d->hwpt : -ENOENT;
    pthread_mutex_unlock(&sim->lock);
    return r;
}
