// SPDX-License-Identifier: MIT
/*
 * A VMM built against the frozen header tests/abi/vsmmu.h (an older or a
 * newer release's struct layouts, see there) and linked with the shared
 * library of this tree: it brings an SMMU up and translates, and checks
 * what the library did with the fields one side does not know.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "vsmmu.h"   /* tests/abi/vsmmu.h, not include/ */

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000u
static uint8_t ram[RAM_SIZE];

static int mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    (void)opaque;
    if (addr < RAM_BASE || addr - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (addr - RAM_BASE))
        return -1;
    memcpy(buf, ram + (addr - RAM_BASE), len);
    return 0;
}

static int mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    (void)opaque;
    if (addr < RAM_BASE || addr - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (addr - RAM_BASE))
        return -1;
    memcpy(ram + (addr - RAM_BASE), buf, len);
    return 0;
}

static vsmmu_t *create(void)
{
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = mem_read,
                                  .mem_write = mem_write };
    vsmmu_t *s = NULL;

    vsmmu_config_default(&cfg);
    CHECK_EQ(cfg.struct_size, sizeof(cfg));
    CHECK_EQ(cfg.oas_bits, 48);
    cfg.two_level_strtab = false;
    cfg.sidsize = 4;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), 0);
    return s;
}

/* A linear stream table of 4 STEs at RAM_BASE: STE 0 bypass, the others
 * invalid; SMMUEN set. */
static void bring_up(vsmmu_t *s)
{
    uint64_t ack;

    memset(ram, 0, sizeof(ram));
    ram[0] = 0x9;                                           /* V, Config bypass */
    CHECK_EQ(vsmmu_mmio_write(s, 0x80, 8, RAM_BASE), 0);    /* STRTAB_BASE */
    CHECK_EQ(vsmmu_mmio_write(s, 0x88, 4, 2), 0);           /* linear, 2^2 STEs */
    CHECK_EQ(vsmmu_mmio_write(s, 0x20, 4, 1), 0);           /* CR0.SMMUEN */
    CHECK_EQ(vsmmu_mmio_read(s, 0x24, 4, &ack), 0);
    CHECK_EQ(ack, 1);
}

TEST(version_same_major_not_older)
{
    CHECK_EQ(vsmmu_version() >> 16, VSMMU_VERSION_MAJOR);
    CHECK(vsmmu_version() >= VSMMU_VERSION);
}

TEST(bring_up_and_translate)
{
    vsmmu_t *s = create();
    struct {
        struct vsmmu_xlate_result r;
        uint8_t canary[16];
    } x;

    bring_up(s);
    memset(&x, 0xa5, sizeof(x));
    x.r.struct_size = sizeof(x.r);
    CHECK_EQ(vsmmu_translate(s, 0, VSMMU_NO_SSID, 0x1234000, VSMMU_ACC_READ, &x.r), 0);
    CHECK_EQ(x.r.struct_size, sizeof(x.r));
    CHECK_EQ(x.r.status, VSMMU_XLATE_OK);
    CHECK_EQ(x.r.addr, 0x1234000);
    for (size_t i = 0; i < sizeof(x.canary); i++)
        CHECK_EQ(x.canary[i], 0xa5);       /* nothing beyond the caller's struct */
#ifdef ABI_CALLER_NEWER
    CHECK_EQ(x.r.future_info, 0);           /* the library does not know it */
#endif
    memset(&x, 0xa5, sizeof(x));
    x.r.struct_size = sizeof(x.r);
    CHECK_EQ(vsmmu_translate(s, 1, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_WRITE, &x.r), 0);
    CHECK_EQ(x.r.status, VSMMU_XLATE_FAULT);  /* STE 1 invalid: C_BAD_STE */
#ifndef ABI_CALLER_OLDER
    CHECK_EQ(x.r.event_type, 0x04);
#endif
    CHECK_EQ(x.canary[0], 0xa5);
    vsmmu_destroy(s);
}

TEST(stats_fill_the_callers_struct)
{
    vsmmu_t *s = create();
    struct {
        struct vsmmu_stats st;
        uint8_t canary[16];
    } x;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    bring_up(s);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(vsmmu_translate(s, 0, VSMMU_NO_SSID, 0x2000, VSMMU_ACC_READ, &r), 0);
    memset(&x, 0xa5, sizeof(x));
    x.st.struct_size = sizeof(x.st);
    CHECK_EQ(vsmmu_get_stats(s, &x.st), 0);
    CHECK(x.st.tlb_misses >= 1);
    CHECK_EQ(x.canary[0], 0xa5);
#ifdef ABI_CALLER_NEWER
    CHECK_EQ(x.st.future_count, 0);
#endif
    vsmmu_destroy(s);
}

#ifdef ABI_CALLER_NEWER
static void future_cb(void *opaque)
{
    (void)opaque;
}

/* A field this library does not know: zero is fine, anything else -E2BIG. */
TEST(newer_fields_set_are_refused)
{
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = mem_read,
                                  .mem_write = mem_write };
    vsmmu_t *s = NULL;

    vsmmu_config_default(&cfg);
    CHECK_EQ(cfg.future_knob, 0);
    cfg.future_knob = 1;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), -E2BIG);
    CHECK(s == NULL);
    cfg.future_knob = 0;
    ops.future_cb = future_cb;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), -E2BIG);
    ops.future_cb = NULL;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), 0);
    vsmmu_destroy(s);
}
#endif
