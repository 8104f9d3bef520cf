// SPDX-License-Identifier: MIT
/* Public typed iommufd operations: dispatch to the transport. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "iommufd/iommufd_priv.h"

#define DISPATCH(t, op, ...) \
    (!(t) ? -EINVAL : (t)->ops.op ? (t)->ops.op((t)->priv, __VA_ARGS__) : -EOPNOTSUPP)
/* The same, -EINVAL unless @ok (the pointers the call needs are there). */
#define DISPATCH_IF(ok, t, op, ...) \
    (!(t) ? -EINVAL : !(t)->ops.op ? -EOPNOTSUPP : !(ok) ? -EINVAL : \
     (t)->ops.op((t)->priv, __VA_ARGS__))

int vsmmu_iommufd_custom(const struct vsmmu_iommufd_ops *ops, void *priv,
                         vsmmu_iommufd_t **out)
{
    struct vsmmu_iommufd_ops copy = { 0 };
    vsmmu_iommufd_t *t;
    int rc;

    if (!out)
        return -EINVAL;
    *out = NULL;
    /* A caller built against a newer table may pass more, as long as it
     * asks for nothing this version cannot do; callbacks beyond an older
     * caller's table stay NULL. */
    rc = vsmmu_abi_copy_in(&copy, sizeof(copy), ops);
    if (rc)
        return rc;
    t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->ops = copy;
    t->id = ops;
    t->priv = priv;
    *out = t;
    return 0;
}

void *vsmmu_iommufd_priv(const vsmmu_iommufd_t *t, const struct vsmmu_iommufd_ops *ops)
{
    return t && ops && t->id == ops ? t->priv : NULL;
}

void vsmmu_iommufd_close(vsmmu_iommufd_t *t)
{
    if (!t)
        return;
    if (t->ops.close)
        t->ops.close(t->priv);
    free(t);
}

int vsmmu_iommufd_get_hw_info(vsmmu_iommufd_t *t, uint32_t dev_id, void *data,
                              uint32_t *data_len, uint32_t *out_type, uint64_t *out_caps)
{
    return DISPATCH_IF(data_len, t, get_hw_info, dev_id, data, data_len, out_type,
                       out_caps);
}

int vsmmu_iommufd_ioas_alloc(vsmmu_iommufd_t *t, uint32_t *out_ioas_id)
{
    return DISPATCH_IF(out_ioas_id, t, ioas_alloc, out_ioas_id);
}

int vsmmu_iommufd_hwpt_alloc(vsmmu_iommufd_t *t, uint32_t dev_id, uint32_t pt_id,
                             uint32_t flags, uint32_t data_type, const void *data,
                             uint32_t data_len, uint32_t *out_hwpt_id)
{
    return DISPATCH_IF(out_hwpt_id, t, hwpt_alloc, dev_id, pt_id, flags, data_type, data,
                       data_len, out_hwpt_id);
}

int vsmmu_iommufd_hwpt_invalidate(vsmmu_iommufd_t *t, uint32_t id, uint32_t data_type,
                                  const void *entries, uint32_t entry_len,
                                  uint32_t *entry_num)
{
    return DISPATCH_IF(entry_num, t, hwpt_invalidate, id, data_type, entries, entry_len,
                       entry_num);
}

int vsmmu_iommufd_viommu_alloc(vsmmu_iommufd_t *t, uint32_t type, uint32_t dev_id,
                               uint32_t hwpt_id, uint32_t *out_viommu_id)
{
    return DISPATCH_IF(out_viommu_id, t, viommu_alloc, type, dev_id, hwpt_id,
                       out_viommu_id);
}

int vsmmu_iommufd_vdevice_alloc(vsmmu_iommufd_t *t, uint32_t viommu_id, uint32_t dev_id,
                                uint64_t virt_id, uint32_t *out_vdevice_id)
{
    return DISPATCH_IF(out_vdevice_id, t, vdevice_alloc, viommu_id, dev_id, virt_id,
                       out_vdevice_id);
}

int vsmmu_iommufd_veventq_alloc(vsmmu_iommufd_t *t, uint32_t viommu_id, uint32_t type,
                                uint32_t depth, uint32_t *out_veventq_id, int *out_fd)
{
    return DISPATCH_IF(out_veventq_id && out_fd, t, veventq_alloc, viommu_id, type, depth,
                       out_veventq_id, out_fd);
}

long vsmmu_iommufd_veventq_read(vsmmu_iommufd_t *t, int fd, void *buf, size_t len)
{
    return DISPATCH(t, veventq_read, fd, buf, len);
}

int vsmmu_iommufd_veventq_close(vsmmu_iommufd_t *t, int fd)
{
    return DISPATCH(t, veventq_close, fd);
}

int vsmmu_iommufd_dev_in(struct vsmmu_iommufd_dev *dst, const struct vsmmu_iommufd_dev *src)
{
    *dst = (struct vsmmu_iommufd_dev){ .struct_size = sizeof(*dst), .vfio_fd = -1 };
    return vsmmu_abi_copy_in(dst, sizeof(*dst), src);
}

int vsmmu_iommufd_attach(vsmmu_iommufd_t *t, const struct vsmmu_iommufd_dev *dev,
                         uint32_t pt_id)
{
    struct vsmmu_iommufd_dev d;
    int rc = vsmmu_iommufd_dev_in(&d, dev);

    if (rc)
        return rc;
    return DISPATCH(t, attach, &d, pt_id);
}

int vsmmu_iommufd_destroy(vsmmu_iommufd_t *t, uint32_t id)
{
    return DISPATCH(t, destroy, id);
}
