// SPDX-License-Identifier: MIT
/*
 * The NULL rule (include/vsmmu.h): every public function of the product
 * headers, called with NULL for an instance, a handle or a pointer it
 * needs, returns -EINVAL (int), -1 (an fd), NULL (a pointer) or does
 * nothing (void); it never crashes.  Pointers documented as optional keep
 * working as NULL.  One test per function (or per family).
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "vsmmu.h"
#include "vsmmu_decode.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"
#include "vsmmu_state.h"
#include "vsmmu_trace.h"

static int mem_read(void *o, uint64_t a, void *b, size_t l)
{
    (void)o;
    (void)a;
    memset(b, 0, l);
    return 0;
}

static int mem_write(void *o, uint64_t a, const void *b, size_t l)
{
    (void)o;
    (void)a;
    (void)b;
    (void)l;
    return 0;
}

static vsmmu_t *mk(void)
{
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = mem_read,
                                  .mem_write = mem_write };
    struct vsmmu_config cfg;
    vsmmu_t *s = NULL;

    vsmmu_config_default(&cfg);
    cfg.accel = true;
    cfg.stage2 = false;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), 0);
    return s;
}

TEST(null_version)
{
    CHECK(vsmmu_version() != 0);
    CHECK(vsmmu_version_string() != NULL);
}

TEST(null_config_init)
{
    CHECK_EQ(vsmmu_config_init(NULL, sizeof(struct vsmmu_config)), -EINVAL);
    vsmmu_config_default(NULL);
}

TEST(null_create)
{
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = mem_read,
                                  .mem_write = mem_write };
    struct vsmmu_config cfg;
    vsmmu_t *s = (vsmmu_t *)&cfg;

    vsmmu_config_default(&cfg);
    CHECK_EQ(vsmmu_create(&cfg, &ops, NULL), -EINVAL);
    CHECK_EQ(vsmmu_create(&cfg, NULL, &s), -EINVAL);
    CHECK(s == NULL);
    CHECK_EQ(vsmmu_create(NULL, &ops, &s), -EINVAL);
    ops.mem_read = NULL;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), -EINVAL);
}

TEST(null_destroy_reset)
{
    vsmmu_destroy(NULL);
    vsmmu_reset(NULL);
}

TEST(null_mmio)
{
    vsmmu_t *s = mk();
    uint64_t v = 1;

    CHECK_EQ(vsmmu_mmio_read(NULL, 0, 4, &v), -EINVAL);
    CHECK_EQ(vsmmu_mmio_read(s, 0, 4, NULL), -EINVAL);
    CHECK_EQ(vsmmu_mmio_write(NULL, 0x20, 4, 1), -EINVAL);
    CHECK_EQ(vsmmu_mmio_read(s, 0, 4, &v), 0);
    vsmmu_destroy(s);
}

TEST(null_translate)
{
    struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);
    vsmmu_t *s = mk();

    CHECK_EQ(vsmmu_translate(NULL, 0, VSMMU_NO_SSID, 0, VSMMU_ACC_READ, &res), -EINVAL);
    CHECK_EQ(vsmmu_translate(s, 0, VSMMU_NO_SSID, 0, VSMMU_ACC_READ, NULL), -EINVAL);
    CHECK_EQ(vsmmu_translate(NULL, 0, VSMMU_NO_SSID, 0, VSMMU_ACC_READ, NULL), -EINVAL);
    vsmmu_destroy(s);
}

static void inval_fn(void *o, const struct vsmmu_inval *inv)
{
    (void)o;
    (void)inv;
}

TEST(null_set_inval_notifier)
{
    vsmmu_t *s = mk();

    vsmmu_set_inval_notifier(NULL, inval_fn, NULL);
    vsmmu_set_inval_notifier(s, inval_fn, NULL);
    vsmmu_set_inval_notifier(s, NULL, NULL);    /* removes it */
    vsmmu_destroy(s);
}

TEST(null_set_mmio_base)
{
    CHECK_EQ(vsmmu_set_mmio_base(NULL, 0), -EINVAL);
}

TEST(null_set_ram)
{
    CHECK_EQ(vsmmu_set_ram(NULL, NULL, 0), -EINVAL);
}

TEST(null_get_stats)
{
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    vsmmu_t *s = mk();

    CHECK_EQ(vsmmu_get_stats(NULL, &st), -EINVAL);
    CHECK_EQ(vsmmu_get_stats(s, NULL), -EINVAL);
    CHECK_EQ(vsmmu_get_stats(NULL, NULL), -EINVAL);
    vsmmu_destroy(s);
}

TEST(null_state)
{
    vsmmu_t *s = mk();
    size_t need = 0;
    uint8_t b[8] = { 0 };

    CHECK_EQ(vsmmu_state_save(NULL, b, sizeof(b), &need), -EINVAL);
    CHECK_EQ(vsmmu_state_save(s, NULL, 0, &need), -ENOSPC);
    CHECK(need > 0);
    CHECK_EQ(vsmmu_state_save(s, NULL, 0, NULL), -ENOSPC);
    CHECK_EQ(vsmmu_state_load(NULL, b, sizeof(b)), -EINVAL);
    CHECK_EQ(vsmmu_state_load(s, NULL, sizeof(b)), -EINVAL);
    CHECK(vsmmu_state_load(s, NULL, 0) < 0);
    vsmmu_destroy(s);
}

TEST(null_event_name)
{
    CHECK(vsmmu_event_name(0) == NULL || vsmmu_event_name(0) != NULL);
    CHECK(vsmmu_event_name(0x10) != NULL);
}

static void trace_fn(void *o, const struct vsmmu_trace_event *ev)
{
    (void)o;
    (void)ev;
}

TEST(null_trace)
{
    const char *const *names = NULL;
    unsigned n = 0;
    vsmmu_t *s = mk();

    vsmmu_set_trace(NULL, trace_fn, NULL);
    vsmmu_set_trace(s, NULL, NULL);
    CHECK(vsmmu_trace_name(~0u) == NULL);
    CHECK_EQ(vsmmu_trace_args(0, NULL, &n), -EINVAL);
    CHECK_EQ(vsmmu_trace_args(0, &names, NULL), -EINVAL);
    CHECK_EQ(vsmmu_trace_args(1, &names, &n), 0);
    vsmmu_destroy(s);
}

TEST(null_decode)
{
    uint8_t b[64] = { 0 };
    char buf[256];

    CHECK_EQ(vsmmu_decode_event(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_event(b, NULL, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_command(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_command(b, NULL, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_ste(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_ste(b, NULL, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_cd(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_cd(b, NULL, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_register(0x20, 1, NULL, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_register_offset(NULL), -EINVAL);
}

TEST(null_iommufd_open_wrap_close)
{
    CHECK_EQ(vsmmu_iommufd_open("/dev/null", NULL), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_wrap_fd(0, NULL), -EINVAL);
    vsmmu_iommufd_close(NULL);
}

TEST(null_iommufd_custom)
{
    struct vsmmu_iommufd_ops ops = { .struct_size = sizeof(ops) };
    vsmmu_iommufd_t *t = NULL;

    CHECK_EQ(vsmmu_iommufd_custom(NULL, NULL, &t), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_custom(&ops, NULL, NULL), -EINVAL);
    CHECK(vsmmu_iommufd_priv(NULL, &ops) == NULL);
    CHECK_EQ(vsmmu_iommufd_custom(&ops, &ops, &t), 0);
    CHECK(vsmmu_iommufd_priv(t, NULL) == NULL);
    CHECK_EQ(vsmmu_iommufd_fd(NULL), -1);
    vsmmu_iommufd_close(t);
}

/* Each typed operation: NULL transport, then each required pointer NULL
 * on the simulated kernel (which would otherwise write through it). */
TEST(null_iommufd_typed_operations)
{
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    vsmmu_iommufd_t *t;
    uint32_t id = 0, len = 0, n = 1;
    uint8_t buf[64];
    int fd = -1;

    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_iommufd_get_hw_info(NULL, 1, buf, &len, NULL, NULL), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_get_hw_info(t, 1, buf, NULL, NULL, NULL), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(NULL, &id), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, NULL), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(NULL, 1, 2, 0, 0, NULL, 0, &id), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_hwpt_alloc(t, 1, 2, 0, 0, NULL, 0, NULL), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(NULL, 1, 1, buf, 16, &n), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(t, 1, 1, buf, 16, NULL), -EINVAL);
    /* buffers the kernel itself reads or writes get the kernel's answer */
    n = 1;
    CHECK_EQ(vsmmu_iommufd_hwpt_invalidate(t, 1, 1, NULL, 16, &n), -EINVAL);
    CHECK_EQ(n, 0);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(NULL, 1, 1, 1, &id), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_viommu_alloc(t, 1, 1, 1, NULL), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(NULL, 1, 1, 0, &id), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(t, 1, 1, 0, NULL), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(NULL, 1, 1, 8, &id, &fd), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(t, 1, 1, 8, NULL, &fd), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(t, 1, 1, 8, &id, NULL), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_veventq_read(NULL, 3, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_veventq_read(t, 3, NULL, sizeof(buf)), -EBADF);
    CHECK_EQ(vsmmu_iommufd_veventq_close(NULL, 3), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_attach(NULL, &dev, 1), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_attach(t, NULL, 1), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_destroy(NULL, 1), -EINVAL);
    vsmmu_iommufd_close(t);
}

static void rec_cb(void *arg, const uint8_t *payload, uint32_t seq)
{
    (void)arg;
    (void)payload;
    (void)seq;
}

TEST(null_vevent_reader)
{
    struct vsmmu_vevent_counts c = VSMMU_STRUCT_INIT(c);
    vsmmu_vevent_reader_t *r = NULL;
    vsmmu_iommufd_t *t;

    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_vevent_reader_new(32, NULL), -EINVAL);
    CHECK_EQ(vsmmu_vevent_reader_new(32, &r), 0);
    vsmmu_vevent_reader_free(NULL);
    CHECK_EQ(vsmmu_vevent_reader_counts(NULL, &c), -EINVAL);
    CHECK_EQ(vsmmu_vevent_reader_counts(r, NULL), -EINVAL);
    CHECK_EQ(vsmmu_vevent_reader_drain(NULL, t, 3, rec_cb, NULL, NULL), -EINVAL);
    CHECK_EQ(vsmmu_vevent_reader_drain(r, NULL, 3, rec_cb, NULL, NULL), -EINVAL);
    vsmmu_vevent_reader_free(r);
    vsmmu_iommufd_close(t);
}

static void fd_fn(void *o, int a, int b)
{
    (void)o;
    (void)a;
    (void)b;
}

TEST(null_accel)
{
    struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    vsmmu_iommufd_t *t;
    vsmmu_t *s = mk();

    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_accel_set_iommufd(NULL, t), -EINVAL);
    CHECK_EQ(vsmmu_accel_set_iommufd(s, NULL), -EINVAL);
    CHECK_EQ(vsmmu_accel_set_iommufd(s, t), 0);
    CHECK_EQ(vsmmu_accel_attach(NULL, 1, &dev, 1), -EINVAL);
    CHECK_EQ(vsmmu_accel_attach(s, 1, NULL, 1), -EINVAL);
    CHECK_EQ(vsmmu_accel_detach(NULL, 1), -EINVAL);
    CHECK_EQ(vsmmu_accel_event_fd(NULL), -1);
    vsmmu_accel_set_event_fd_notifier(NULL, fd_fn, NULL);
    vsmmu_accel_set_event_fd_notifier(s, NULL, NULL);
    CHECK_EQ(vsmmu_accel_process_events(NULL), -EINVAL);
    CHECK_EQ(vsmmu_accel_get_objects(NULL, &o), -EINVAL);
    CHECK_EQ(vsmmu_accel_get_objects(s, NULL), -EINVAL);
    vsmmu_destroy(s);
    vsmmu_iommufd_close(t);
}
