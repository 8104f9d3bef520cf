// SPDX-License-Identifier: MIT
/*
 * The extensible-struct rule (docs/abi.md) at every entry point that takes
 * or fills a public struct: callers with an older (smaller) struct get
 * defaults for what they lack and nothing written beyond their struct;
 * callers with a newer (larger) struct get -E2BIG for non-zero unknown
 * input bytes and zeroed unknown output bytes; struct_size 0 is -EINVAL.
 * Callers are simulated with byte buffers around the real structs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testbed.h"
#include "test_sim.h"
#include "vsmmu_iommufd.h"

#define EXTRA 32   /* bytes a "newer caller" appends */

/* A caller's struct of @size bytes in @buf: @init (a library struct of
 * @init_len bytes) cut to @size, zeros up to @size, then @fill up to the end
 * of @buf (what lies beyond the caller's struct). */
static void caller_struct(void *buf, size_t buflen, const void *init, size_t init_len,
                          uint32_t size, uint8_t fill)
{
    memset(buf, fill, buflen);
    memset(buf, 0, size);
    memcpy(buf, init, size < init_len ? size : init_len);
    memcpy(buf, &size, sizeof(size));
}

/* An output struct of a caller: @buf all 0xa5, struct_size = @size. */
static void caller_out(void *buf, size_t buflen, uint32_t size)
{
    memset(buf, 0xa5, buflen);
    memcpy(buf, &size, sizeof(size));
}

/* Every byte of @buf in [@from, @to) is @v. */
static void check_bytes(const void *buf, size_t from, size_t to, uint8_t v)
{
    for (size_t i = from; i < to; i++)
        CHECK_MSG(((const uint8_t *)buf)[i] == v, "byte %zu is 0x%x, not 0x%x", i,
                  ((const uint8_t *)buf)[i], v);
}

TEST(version_matches_header)
{
    char want[32];
    CHECK_EQ(vsmmu_version(), VSMMU_VERSION);
    CHECK_EQ(VSMMU_VERSION, (VSMMU_VERSION_MAJOR << 16) | (VSMMU_VERSION_MINOR << 8) |
                            VSMMU_VERSION_PATCH);
    snprintf(want, sizeof(want), "%d.%d.%d", VSMMU_VERSION_MAJOR, VSMMU_VERSION_MINOR,
             VSMMU_VERSION_PATCH);
    CHECK(strcmp(vsmmu_version_string(), want) == 0);
}

TEST(config_init_fills_only_the_callers_size)
{
    _Alignas(8) uint8_t buf[sizeof(struct vsmmu_config) + EXTRA];
    struct vsmmu_config *c = (struct vsmmu_config *)buf;
    uint32_t small = offsetof(struct vsmmu_config, tlb_entries);

    memset(buf, 0xa5, sizeof(buf));
    CHECK_EQ(vsmmu_config_init(c, small), 0);
    CHECK_EQ(c->struct_size, small);
    CHECK(c->stage1 && c->stage2);
    CHECK_EQ(c->oas_bits, 48);
    check_bytes(buf, small, sizeof(buf), 0xa5);
    /* a newer caller: its unknown tail is zeroed */
    memset(buf, 0xa5, sizeof(buf));
    CHECK_EQ(vsmmu_config_init(c, sizeof(buf)), 0);
    CHECK_EQ(c->struct_size, sizeof(buf));
    CHECK_EQ(c->tlb_entries, 4096);
    check_bytes(buf, sizeof(struct vsmmu_config), sizeof(buf), 0);
    CHECK_EQ(vsmmu_config_init(c, 3), -EINVAL);
    CHECK_EQ(vsmmu_config_init(NULL, sizeof(*c)), -EINVAL);
}

TEST(create_older_config_and_ops_get_defaults)
{
    struct testbed tb = {0};
    struct vsmmu_config def;
    struct vsmmu_host_ops ops = tb_ops(&tb);
    _Alignas(8) uint8_t cbuf[sizeof(def) + EXTRA], obuf[sizeof(ops) + EXTRA];
    vsmmu_t *s;

    vsmmu_config_default(&def);
    def.sidsize = 5;
    def.two_level_strtab = false;
    /* an older caller without the cache sizes and flags: garbage beyond its
     * struct must not be read (0xff flags, 0 cache sizes would be refused) */
    caller_struct(cbuf, sizeof(cbuf), &def, sizeof(def),
                  offsetof(struct vsmmu_config, tlb_entries), 0xff);
    caller_struct(obuf, sizeof(obuf), &ops, sizeof(ops),
                  offsetof(struct vsmmu_host_ops, msi), 0xff);
    CHECK_EQ(vsmmu_create((struct vsmmu_config *)cbuf, (struct vsmmu_host_ops *)obuf, &s), 0);
    CHECK_EQ(vsmmu_mmio_write(s, 0x44, 4, 0), 0);     /* GBPA: bypass */
    uint64_t idr1;
    CHECK_EQ(vsmmu_mmio_read(s, 0x4, 4, &idr1), 0);
    CHECK_EQ(idr1 & 0x3f, 5);                          /* IDR1.SIDSIZE */
    /* defaulted flags: no VSMMU_FLAG_TRACE, log NULL: nothing logged */
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    CHECK_EQ(vsmmu_translate(s, 1, VSMMU_NO_SSID, 0x1234, VSMMU_ACC_READ, &r), 0);
    CHECK_EQ(r.status, VSMMU_XLATE_OK);
    CHECK_EQ(r.addr, 0x1234);
    CHECK_EQ(tb.nlogs, 0);
    vsmmu_destroy(s);
    free(tb.ram);
}

TEST(create_newer_structs_zero_tail_ok_nonzero_e2big)
{
    struct testbed tb = {0};
    struct vsmmu_config def;
    struct vsmmu_host_ops ops = tb_ops(&tb);
    _Alignas(8) uint8_t cbuf[sizeof(def) + EXTRA], obuf[sizeof(ops) + EXTRA];
    vsmmu_t *s = NULL;

    vsmmu_config_default(&def);
    caller_struct(cbuf, sizeof(cbuf), &def, sizeof(def), sizeof(cbuf), 0);
    caller_struct(obuf, sizeof(obuf), &ops, sizeof(ops), sizeof(obuf), 0);
    CHECK_EQ(vsmmu_create((struct vsmmu_config *)cbuf, (struct vsmmu_host_ops *)obuf, &s), 0);
    vsmmu_destroy(s);
    cbuf[sizeof(cbuf) - 1] = 1;                        /* a field we don't know */
    CHECK_EQ(vsmmu_create((struct vsmmu_config *)cbuf, (struct vsmmu_host_ops *)obuf, &s),
             -E2BIG);
    CHECK(s == NULL);
    cbuf[sizeof(cbuf) - 1] = 0;
    obuf[sizeof(ops)] = 1;
    CHECK_EQ(vsmmu_create((struct vsmmu_config *)cbuf, (struct vsmmu_host_ops *)obuf, &s),
             -E2BIG);
    /* struct_size not set */
    ops.struct_size = 0;
    CHECK_EQ(vsmmu_create(&def, &ops, &s), -EINVAL);
    ops = tb_ops(&tb);
    def.struct_size = 2;
    CHECK_EQ(vsmmu_create(&def, &ops, &s), -EINVAL);
    def.struct_size = 0xa5a5a5a5;
    CHECK_EQ(vsmmu_create(&def, &ops, &s), -EINVAL);
    CHECK_EQ(vsmmu_create(NULL, &ops, &s), -EINVAL);
    CHECK_EQ(vsmmu_create(&def, NULL, &s), -EINVAL);
    free(tb.ram);
}

TEST(stats_out_older_and_newer_callers)
{
    struct testbed tb = {0};
    _Alignas(8) uint8_t buf[sizeof(struct vsmmu_stats) + EXTRA];
    struct vsmmu_stats *st = (struct vsmmu_stats *)buf;
    uint32_t small = offsetof(struct vsmmu_stats, tlb_hits);

    tb_init(&tb, NULL);
    tb_writel(&tb, 0x44, 0);
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    CHECK_EQ(vsmmu_translate(tb.s, 0, VSMMU_NO_SSID, 0, VSMMU_ACC_READ, &r), 0);
    caller_out(buf, sizeof(buf), small);
    CHECK_EQ(vsmmu_get_stats(tb.s, st), 0);
    CHECK_EQ(st->struct_size, small);
    CHECK_EQ(st->commands, 0);
    check_bytes(buf, small, sizeof(buf), 0xa5);
    caller_out(buf, sizeof(buf), sizeof(buf));
    CHECK_EQ(vsmmu_get_stats(tb.s, st), 0);
    CHECK_EQ(st->struct_size, sizeof(buf));
    check_bytes(buf, sizeof(*st), sizeof(buf), 0);
    st->struct_size = 0;
    CHECK_EQ(vsmmu_get_stats(tb.s, st), -EINVAL);
    st->struct_size = 0xa5a5a5a5;
    CHECK_EQ(vsmmu_get_stats(tb.s, st), -EINVAL);
    CHECK_EQ(vsmmu_get_stats(tb.s, NULL), -EINVAL);
    tb_fini(&tb);
}

TEST(translate_result_older_and_newer_callers)
{
    struct testbed tb = {0};
    _Alignas(8) uint8_t buf[sizeof(struct vsmmu_xlate_result) + EXTRA];
    struct vsmmu_xlate_result *r = (struct vsmmu_xlate_result *)buf;
    uint32_t small = offsetof(struct vsmmu_xlate_result, perm);

    tb_init(&tb, NULL);
    tb_writel(&tb, 0x44, 0);                           /* GBPA: bypass */
    for (int round = 0; round < 2; round++) {          /* miss, then hit */
        caller_out(buf, sizeof(buf), small);
        CHECK_EQ(vsmmu_translate(tb.s, 0, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ, r), 0);
        CHECK_EQ(r->struct_size, small);
        CHECK_EQ(r->status, VSMMU_XLATE_OK);
        CHECK_EQ(r->addr, 0x5000);
        check_bytes(buf, small, sizeof(buf), 0xa5);
        caller_out(buf, sizeof(buf), sizeof(buf));
        CHECK_EQ(vsmmu_translate(tb.s, 0, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ, r), 0);
        CHECK_EQ(r->struct_size, sizeof(buf));
        CHECK_EQ(r->perm, VSMMU_PERM_R | VSMMU_PERM_W | VSMMU_PERM_X);
        check_bytes(buf, sizeof(*r), sizeof(buf), 0);
        /* the library's own size: struct_size survives the translation */
        caller_out(buf, sizeof(buf), sizeof(*r));
        CHECK_EQ(vsmmu_translate(tb.s, 0, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ, r), 0);
        CHECK_EQ(r->struct_size, sizeof(*r));
        CHECK_EQ(r->addr, 0x5000);
        CHECK_EQ(r->event_type, 0);
    }
    r->struct_size = 0;
    CHECK_EQ(vsmmu_translate(tb.s, 0, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ, r), -EINVAL);
    r->struct_size = 0xa5a5a5a5;           /* never set: stack garbage */
    CHECK_EQ(vsmmu_translate(tb.s, 0, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ, r), -EINVAL);
    CHECK_EQ(vsmmu_translate(tb.s, 0, VSMMU_NO_SSID, 0x5000, VSMMU_ACC_READ, NULL), -EINVAL);
    tb_fini(&tb);
}

static uint32_t seen_size;
static void inval_cb(void *opaque, const struct vsmmu_inval *inv)
{
    (void)opaque;
    seen_size = inv->struct_size;
    CHECK(VSMMU_HAS_FIELD(inv, struct vsmmu_inval, size));
}

TEST(inval_carries_library_size)
{
    struct testbed tb = {0};
    uint64_t base = TB_RAM_BASE + 0x100000;

    tb_init(&tb, NULL);
    vsmmu_set_inval_notifier(tb.s, inval_cb, NULL);
    /* a command queue with CMD_TLBI_NSNH_ALL (0x30) */
    tb_w64(&tb, base, 0x30);
    tb_w64(&tb, base + 8, 0);
    tb_writeq(&tb, 0x90, base | 4);                    /* CMDQ_BASE, 16 entries */
    tb_writel(&tb, 0x20, 1u << 3);                     /* CR0.CMDQEN */
    tb_writel(&tb, 0x98, 1);                           /* CMDQ_PROD */
    CHECK_EQ(seen_size, sizeof(struct vsmmu_inval));
    tb_fini(&tb);
}

TEST(accel_objects_and_dev_structs)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    _Alignas(8) uint8_t buf[sizeof(struct vsmmu_iommufd_dev) + EXTRA];
    struct vsmmu_iommufd_dev d = { .struct_size = sizeof(d), .dev_id = 1, .vfio_fd = -1 };
    vsmmu_iommufd_t *t;

    vsmmu_config_default(&cfg);
    cfg.accel = true;
    cfg.stage2 = false;
    tb_init(&tb, &cfg);
    CHECK_EQ(vsmmu_accel_get_objects(tb.s, &o), 0);
    CHECK_EQ(o.viommu + o.hwpt + o.vdevice + o.veventq, 0);
    o.struct_size = 0;
    CHECK_EQ(vsmmu_accel_get_objects(tb.s, &o), -EINVAL);
    /* device descriptions: unknown non-zero bytes, struct_size unset */
    caller_struct(buf, sizeof(buf), &d, sizeof(d), sizeof(buf), 0);
    buf[sizeof(buf) - 1] = 1;
    CHECK_EQ(vsmmu_accel_attach(tb.s, 1, (struct vsmmu_iommufd_dev *)buf, 2), -E2BIG);
    d.struct_size = 0;
    CHECK_EQ(vsmmu_accel_attach(tb.s, 1, &d, 2), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_iommufd_attach(t, &d, 1), -EINVAL);
    CHECK_EQ(vsmmu_iommufd_attach(t, (struct vsmmu_iommufd_dev *)buf, 1), -E2BIG);
    /* out: a newer caller's tail is zeroed, an older caller's is kept */
    caller_out(buf, sizeof(buf), sizeof(buf));
    uint32_t s2;
    CHECK_EQ(vsmmu_sim_add_device(t, NULL, (struct vsmmu_iommufd_dev *)buf, &s2), 0);
    CHECK_EQ(((struct vsmmu_iommufd_dev *)buf)->vfio_fd, -1);
    check_bytes(buf, sizeof(d), sizeof(buf), 0);
    caller_out(buf, sizeof(buf), offsetof(struct vsmmu_iommufd_dev, vfio_fd));
    uint32_t ioas, hwpt;
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(t, &ioas), 0);
    CHECK_EQ(vsmmu_iommufd_mock_device(t, ioas, (struct vsmmu_iommufd_dev *)buf, &hwpt), 0);
    CHECK(((struct vsmmu_iommufd_dev *)buf)->dev_id != 0);
    check_bytes(buf, offsetof(struct vsmmu_iommufd_dev, vfio_fd), sizeof(buf), 0xa5);
    /* an older caller's device (no vfio_fd, no stdev_id): attach works */
    CHECK_EQ(vsmmu_iommufd_attach(t, (struct vsmmu_iommufd_dev *)buf, ioas), 0);
    vsmmu_iommufd_close(t);
    tb_fini(&tb);
}
