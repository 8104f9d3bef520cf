// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: vsmmu_state_load() on hostile blobs, then the model
 * run on what was loaded.
 *
 * Input layout:
 *   byte 0   bit 0: accel mode (on the simulated kernel, with one host
 *                   device attached as vSID 8 after the load);
 *            bit 1: repair the header (total length and CRC) so that the
 *                   fuzzer reaches the sections;
 *            bit 2: guest RAM from the input (see below)
 *   then     the state blob (the rest of the input; with bit 2 the first
 *            half of it is copied to guest RAM instead)
 *
 * The instance has vsmmu_config_default() (stage 2 off in accel mode): the
 * configuration `vsmmu run` uses, so states the tool saved load here.
 * After a successful load the model runs: every register is read, errors
 * acknowledged, CR0 and CMDQ_PROD written, a few translations, host events
 * processed; then the state is saved and must load into a fresh instance
 * (and save again identically, outside accel mode).  A refused load must leave the registers as
 * they were.  Violations abort().
 *
 * fuzz/make_state_corpus.py writes the seed corpus from states the tool
 * saved.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsmmu.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"
#include "vsmmu_state.h"
#include "model/model.h"
#include "fuzz_common.h"
#include "state_blob.h"

#define FUZZ_RAM_BASE 0x40000000ull
#define FUZZ_RAM_SIZE 0x10000ull
#define FUZZ_MAX_BLOB (1u << 16)

static uint8_t ram[FUZZ_RAM_SIZE];

static struct fuzz_ram fram = { ram, FUZZ_RAM_BASE, FUZZ_RAM_SIZE };

struct inst {
    vsmmu_t *s;
    vsmmu_iommufd_t *sim;
};

static void make(struct inst *in, bool accel)
{
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = fuzz_ram_read,
                                  .mem_write = fuzz_ram_write, .log = fuzz_log_discard,
                                  .opaque = &fram };

    vsmmu_config_default(&cfg);
    if (accel) {
        cfg.accel = true;
        cfg.stage2 = false;
    }
    in->sim = NULL;
    if (vsmmu_create(&cfg, &ops, &in->s))
        abort();
    if (accel && (vsmmu_iommufd_sim_create(&in->sim) || vsmmu_accel_set_iommufd(in->s, in->sim)))
        abort();
}

static void unmake(struct inst *in)
{
    vsmmu_destroy(in->s);
    if (in->sim)
        vsmmu_iommufd_close(in->sim);
}

static uint32_t rd32(vsmmu_t *s, uint64_t off)
{
    uint64_t v;
    if (vsmmu_mmio_read(s, off, 4, &v))
        abort();
    return (uint32_t)v;
}

static void regs(vsmmu_t *s, uint32_t out[0x100 / 4 + 4])
{
    for (unsigned i = 0; i < 0x100 / 4; i++)
        out[i] = rd32(s, 4u * i);
    out[0x40] = rd32(s, R_EVENTQ_PROD);
    out[0x41] = rd32(s, R_EVENTQ_CONS);
    out[0x42] = rd32(s, R_PRIQ_PROD);
    out[0x43] = rd32(s, R_PRIQ_CONS);
}

static uint8_t *save(vsmmu_t *s, size_t *len)
{
    size_t need = 0;
    uint8_t *b;

    if (vsmmu_state_save(s, NULL, 0, &need) != -ENOSPC || need < 32)
        abort();
    b = malloc(need);
    if (!b || vsmmu_state_save(s, b, need, len) || *len != need)
        abort();
    return b;
}

static void run_model(struct inst *in)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint32_t r0[0x44];

    regs(in->s, r0);
    if (r0[R_CR0 / 4] != r0[R_CR0ACK / 4] || r0[R_IRQ_CTRL / 4] != r0[R_IRQ_CTRLACK / 4])
        abort();
    vsmmu_mmio_write(in->s, R_GERRORN, 4, r0[R_GERROR / 4]);
    vsmmu_mmio_write(in->s, R_CMDQ_PROD, 4, r0[R_CMDQ_PROD / 4] + 1);
    for (uint32_t sid = 0; sid < 4; sid++)
        vsmmu_translate(in->s, sid * 8, VSMMU_NO_SSID, 0x1000ull * sid,
                        VSMMU_ACC_READ | (sid & 1 ? VSMMU_ACC_WRITE : 0), &r);
    if (in->sim) {
        struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
        uint32_t s2;
        uint8_t rec[32] = { 0x10 };
        if (vsmmu_sim_add_device(in->sim, NULL, &dev, &s2) == 0 &&
            vsmmu_accel_attach(in->s, 8, &dev, s2) == 0) {
            vsmmu_sim_host_event(in->sim, dev.dev_id, rec);
            vsmmu_accel_process_events(in->s);
        }
    }
    vsmmu_mmio_write(in->s, R_CR0, 4, r0[R_CR0 / 4] ^ 1);
    vsmmu_mmio_write(in->s, R_CR0, 4, r0[R_CR0 / 4]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct inst a, b;
    uint32_t before[0x44], after[0x44];
    uint8_t *blob, *s1, *s2;
    const uint8_t *p;
    size_t len, l1 = 0, l2 = 0;
    uint8_t mode;
    bool accel;
    int rc;

    if (size < 1 || size - 1 > FUZZ_MAX_BLOB)
        return 0;
    mode = data[0];
    accel = mode & 1;
    p = data + 1;
    len = size - 1;
    memset(ram, 0, sizeof(ram));
    if (mode & 4) {
        size_t half = len / 2 < FUZZ_RAM_SIZE ? len / 2 : FUZZ_RAM_SIZE;
        memcpy(ram, p, half);
        p += half;
        len -= half;
    }
    blob = malloc(len ? len : 1);
    if (!blob)
        return 0;
    memcpy(blob, p, len);
    if (mode & 2)
        sb_reseal(blob, len);

    make(&a, accel);
    regs(a.s, before);
    rc = vsmmu_state_load(a.s, blob, len);
    free(blob);
    if (rc) {
        if (rc != -EBADMSG && rc != -EPROTO && rc != -EINVAL && rc != -ENOMEM)
            abort();
        regs(a.s, after);
        if (memcmp(before, after, sizeof(before)))
            abort();
        unmake(&a);
        return 0;
    }
    run_model(&a);

    /* What was saved loads again and (without accel devices, which the
     * VMM re-attaches) saves the same. */
    s1 = save(a.s, &l1);
    make(&b, accel);
    if (vsmmu_state_load(b.s, s1, l1))
        abort();
    s2 = save(b.s, &l2);
    if (!accel && (l1 != l2 || memcmp(s1, s2, l1)))
        abort();
    free(s1);
    free(s2);
    unmake(&b);
    unmake(&a);
    return 0;
}
