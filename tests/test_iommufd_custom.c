// SPDX-License-Identifier: MIT
/* Custom transports (vsmmu_iommufd_custom): dispatch, the size rule, the
 * identity accessor and the iommufd accessor. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"

struct rec {
    unsigned calls, closes;
    uint32_t last_id;
};

static int r_destroy(void *priv, uint32_t id)
{
    struct rec *r = priv;
    r->calls++;
    r->last_id = id;
    return id == 7 ? -ENOENT : 0;
}

static int r_ioas_alloc(void *priv, uint32_t *out)
{
    struct rec *r = priv;
    r->calls++;
    *out = 42;
    return 0;
}

static int r_viommu_alloc(void *priv, uint32_t type, uint32_t dev_id, uint32_t hwpt_id,
                          uint32_t *out)
{
    struct rec *r = priv;
    (void)type;
    (void)dev_id;
    (void)hwpt_id;
    r->calls++;
    *out = 9;
    return 0;
}

static void r_close(void *priv)
{
    ((struct rec *)priv)->closes++;
}

static const struct vsmmu_iommufd_ops rec_ops = {
    .struct_size = sizeof(struct vsmmu_iommufd_ops),
    .ioas_alloc = r_ioas_alloc, .viommu_alloc = r_viommu_alloc,
    .destroy = r_destroy, .close = r_close,
};

TEST(custom_dispatches_with_priv_and_closes_once)
{
    struct rec r = { 0 };
    vsmmu_iommufd_t *t = NULL;
    uint32_t id = 0;

    CHECK_EQ(vsmmu_iommufd_custom(&rec_ops, &r, &t), 0);
    CHECK(t != NULL);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &id), 0);
    CHECK_EQ(id, 42);
    CHECK_EQ(vsmmu_iommufd_destroy(t, 3), 0);
    CHECK_EQ(r.last_id, 3);
    CHECK_EQ(vsmmu_iommufd_destroy(t, 7), -ENOENT);
    CHECK_EQ(r.calls, 3);
    CHECK_EQ(r.closes, 0);
    vsmmu_iommufd_close(t);
    CHECK_EQ(r.closes, 1);
}

TEST(custom_missing_op_is_eopnotsupp)
{
    struct rec r = { 0 };
    vsmmu_iommufd_t *t = NULL;
    uint32_t n = 1, out;
    int fd;

    CHECK_EQ(vsmmu_iommufd_custom(&rec_ops, &r, &t), 0);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(t, 1, 2, 0, 0, NULL, 0, &out), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(t, 1, 0, NULL, 16, &n), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(t, 1, 1, 8, &out, &fd), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_veventq_read(t, 3, &out, 4), -EOPNOTSUPP);
    /* no selftest mock driver behind a custom transport */
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    CHECK_EQ(vsmmu_iommufd_mock_device(t, 1, &dev, NULL), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_mock_trigger_vevent(t, 1), -EOPNOTSUPP);
    CHECK_EQ(r.calls, 0);
    vsmmu_iommufd_close(t);
    CHECK_EQ(vsmmu_iommufd_destroy(NULL, 1), -EINVAL);
    /* close may be NULL */
    static const struct vsmmu_iommufd_ops bare = {
        .struct_size = sizeof(struct vsmmu_iommufd_ops), .destroy = r_destroy,
    };
    CHECK_EQ(vsmmu_iommufd_custom(&bare, &r, &t), 0);
    vsmmu_iommufd_close(t);
}

TEST(custom_shorter_table_ignores_later_callbacks)
{
    struct rec r = { 0 };
    struct vsmmu_iommufd_ops older = rec_ops;
    vsmmu_iommufd_t *t = NULL;
    uint32_t out = 0;

    /* A caller built when the table ended before viommu_alloc. */
    older.struct_size = offsetof(struct vsmmu_iommufd_ops, viommu_alloc);
    CHECK_EQ(vsmmu_iommufd_custom(&older, &r, &t), 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &out), 0);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, 2, 3, &out), -EOPNOTSUPP);
    CHECK_EQ(vsmmu_iommufd_destroy(t, 1), -EOPNOTSUPP);
    CHECK_EQ(r.calls, 1);
    vsmmu_iommufd_close(t);
    CHECK_EQ(r.closes, 0);   /* close was beyond the table too */
}

TEST(custom_longer_table_needs_zero_tail)
{
    struct {
        struct vsmmu_iommufd_ops ops;
        void (*future)(void *priv);
    } big;
    struct rec r = { 0 };
    vsmmu_iommufd_t *t = (vsmmu_iommufd_t *)&r;

    memset(&big, 0, sizeof(big));
    big.ops = rec_ops;
    big.ops.struct_size = sizeof(big);
    CHECK_EQ(vsmmu_iommufd_custom(&big.ops, &r, &t), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(t, 1), 0);
    vsmmu_iommufd_close(t);
    big.future = r_close;
    CHECK_EQ(vsmmu_iommufd_custom(&big.ops, &r, &t), -E2BIG);
    CHECK(t == NULL);
    big.ops.struct_size = 0;
    CHECK_EQ(vsmmu_iommufd_custom(&big.ops, &r, &t), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_custom(NULL, &r, &t), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_custom(&rec_ops, &r, NULL), -EINVAL);
}

TEST(priv_and_fd_accessors_tell_transports_apart)
{
    struct rec r = { 0 };
    vsmmu_iommufd_t *c = NULL, *w = NULL, *s = NULL;
    int p[2];

    CHECK_EQ(vsmmu_iommufd_custom(&rec_ops, &r, &c), 0);
    CHECK(vsmmu_iommufd_priv(c, &rec_ops) == &r);
    CHECK(vsmmu_iommufd_priv(c, NULL) == NULL);
    CHECK(vsmmu_iommufd_priv(NULL, &rec_ops) == NULL);
    CHECK_EQ(vsmmu_iommufd_fd(c), -1);
    CHECK(!vsmmu_iommufd_is_sim(c));

    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(vsmmu_iommufd_wrap_fd(p[0], &w), 0);
    CHECK_EQ(vsmmu_iommufd_fd(w), p[0]);
    CHECK(vsmmu_iommufd_priv(w, &rec_ops) == NULL);
    CHECK(!vsmmu_iommufd_is_sim(w));
    vsmmu_iommufd_close(w);
    CHECK_EQ(close(p[0]), 0);     /* wrap_fd did not take the fd */
    CHECK_EQ(close(p[1]), 0);

    CHECK_EQ(vsmmu_iommufd_sim_create(&s), 0);
    CHECK(vsmmu_iommufd_is_sim(s));
    CHECK_EQ(vsmmu_iommufd_fd(s), -1);
    CHECK(vsmmu_iommufd_priv(s, &rec_ops) == NULL);
    CHECK_EQ(vsmmu_iommufd_fd(NULL), -1);
    vsmmu_iommufd_close(s);
    vsmmu_iommufd_close(c);
}
