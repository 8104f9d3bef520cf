// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: MMIO sequences against one vsmmu instance with fuzzed
 * guest memory (queues, tables, command contents).
 *
 * Input layout:
 *   byte 0        configuration selector (see make_config)
 *   bytes 1..2    little-endian length N of the initial guest-memory image
 *   N bytes       copied to the start of guest RAM (FUZZ_RAM_SIZE at
 *                 FUZZ_RAM_BASE; everything else aborts)
 *   then records, one per operation; the low 3 bits of the first byte
 *   choose the operation (see run_op).  Register operands are an index
 *   into the table of defined registers; with bit 3 of the operation byte
 *   set, a 64-bit value is made to point into guest RAM (keeping its low
 *   five bits, e.g. a queue LOG2SIZE).
 *
 * After every operation the register invariants are checked (abort() on a
 * violation, which libFuzzer reports as a crash): the ID registers never
 * change, CR0ACK == CR0, IRQ_CTRLACK == IRQ_CTRL, GBPA.Update reads 0, and
 * aligned 32-bit reads of the frame always succeed.
 *
 * fuzz/make_corpus.py writes the seed corpus in this format.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsmmu.h"
#include "model/model.h"
#include "fuzz_common.h"

#define FUZZ_RAM_BASE 0x40000000ull
#define FUZZ_RAM_SIZE 0x10000ull
#define FUZZ_MAX_OPS 2048

static uint8_t ram[FUZZ_RAM_SIZE];
static uint8_t msi_fail;

static struct fuzz_ram fram = { ram, FUZZ_RAM_BASE, FUZZ_RAM_SIZE };

static void f_irq(void *opaque, enum vsmmu_irq line)
{
    (void)opaque;
    (void)line;
}

static int f_msi(void *opaque, uint64_t addr, uint32_t data)
{
    uint8_t b[4] = { (uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
                     (uint8_t)(data >> 24) };
    if (msi_fail)
        return -1;
    return fuzz_ram_write(opaque, addr, b, 4);
}

static const uint32_t regs[] = {
    R_IDR0, R_IDR1, R_IDR2, R_IDR3, R_IDR4, R_IDR5, R_IIDR, R_AIDR,
    R_CR0, R_CR0ACK, R_CR1, R_CR2, R_STATUSR, R_GBPA, R_AGBPA, R_IRQ_CTRL, R_IRQ_CTRLACK,
    R_GERROR, R_GERRORN, R_GERROR_IRQ_CFG0, R_GERROR_IRQ_CFG0 + 4, R_GERROR_IRQ_CFG1,
    R_GERROR_IRQ_CFG2, R_STRTAB_BASE, R_STRTAB_BASE + 4, R_STRTAB_BASE_CFG,
    R_CMDQ_BASE, R_CMDQ_BASE + 4, R_CMDQ_PROD, R_CMDQ_CONS,
    R_EVENTQ_BASE, R_EVENTQ_BASE + 4, R_EVENTQ_IRQ_CFG0, R_EVENTQ_IRQ_CFG0 + 4,
    R_EVENTQ_IRQ_CFG1, R_EVENTQ_IRQ_CFG2, R_PRIQ_BASE, R_PRIQ_BASE + 4,
    R_PRIQ_IRQ_CFG0, R_PRIQ_IRQ_CFG0 + 4, R_PRIQ_IRQ_CFG1, R_PRIQ_IRQ_CFG2,
    R_EVENTQ_PROD, R_EVENTQ_CONS, R_PRIQ_PROD, R_PRIQ_CONS, 0xA8, 0xAC, 0xFD0, 0xFFC,
};
#define NREGS (sizeof(regs) / sizeof(regs[0]))

static void make_config(uint8_t sel, struct vsmmu_config *c)
{
    vsmmu_config_default(c);
    c->msi = !(sel & 0x01);
    if (sel & 0x02) {
        c->ats = true;
        c->pri = true;
        c->priqs = 3;
    }
    switch ((sel >> 2) & 3) {
    case 1: c->stage2 = false; break;
    case 2: c->stage1 = false; break;
    case 3: c->hyp = true; break;
    default: break;
    }
    c->ril = !(sel & 0x10);
    if (sel & 0x20)
        c->flags |= VSMMU_FLAG_QEMU_EVENTQ_FULL;
    if (sel & 0x40) {
        c->sidsize = 6;
        c->two_level_strtab = false;
        c->cmdqs = 4;
        c->eventqs = 3;
    }
    c->ssidsize = (sel & 0x80) ? 8 : 0;
    /* Small caches: cheap to create, and eviction gets exercised. */
    c->tlb_entries = 16;
    c->cfg_entries = 4;
}

static uint64_t ram_ptr(uint64_t v)
{
    return FUZZ_RAM_BASE + (v & (FUZZ_RAM_SIZE - 1) & ~0x1full) + (v & 0x1f);
}

static void run_op(vsmmu_t *s, uint8_t op, struct rd *r)
{
    uint8_t b[16];
    uint64_t v = 0;

    switch (op & 7) {
    case 0:   /* write32 reg */
        if (take(r, b, 5))
            vsmmu_mmio_write(s, regs[b[0] % NREGS], 4, le(b + 1, 4));
        break;
    case 1:   /* write64 reg (optionally RAM-relative) */
        if (take(r, b, 9)) {
            v = le(b + 1, 8);
            if (op & 8)
                v = ram_ptr(v);
            vsmmu_mmio_write(s, regs[b[0] % NREGS] & ~7u, 8, v);
        }
        break;
    case 2:   /* read reg */
        if (take(r, b, 1))
            vsmmu_mmio_read(s, regs[b[0] % NREGS], (op & 8) ? 8 : 4, &v);
        break;
    case 3:
        if (op & 8) {
            /* submit a command the way a driver does: at PROD, then PROD+1 */
            uint64_t qb = 0, prod = 0, a;
            unsigned log2;
            if (!take(r, b, 16))
                break;
            vsmmu_mmio_read(s, R_CMDQ_BASE, 8, &qb);
            vsmmu_mmio_read(s, R_CMDQ_PROD, 4, &prod);
            log2 = q_log2(qb, QUEUE_LOG2_MAX);
            a = q_addr(qb, log2, CMD_SIZE) + (uint64_t)q_index((uint32_t)prod, log2) * CMD_SIZE;
            if (a >= FUZZ_RAM_BASE && a - FUZZ_RAM_BASE <= FUZZ_RAM_SIZE - CMD_SIZE)
                memcpy(ram + (a - FUZZ_RAM_BASE), b, CMD_SIZE);
            vsmmu_mmio_write(s, R_CMDQ_PROD, 4, q_inc((uint32_t)prod, log2));
        } else if (take(r, b, 10)) {
            /* guest memory write: 2-byte offset, 8 bytes */
            uint64_t off = le(b, 2) & (FUZZ_RAM_SIZE - 8);
            memcpy(ram + off, b + 2, 8);
        }
        break;
    case 4: { /* record an event */
        struct vsmmu_event ev;
        if (!take(r, b, 14))
            break;
        memset(&ev, 0, sizeof(ev));
        ev.type = b[0];
        ev.sid = (uint32_t)le(b + 1, 4);
        ev.ssv = b[5] & 1;
        ev.stall = b[5] & 2;
        ev.s2 = b[5] & 4;
        ev.rnw = b[5] & 8;
        ev.class_ = (uint8_t)(b[5] >> 4) & 3;
        ev.input_addr = le(b + 6, 8);
        ev.ipa = ev.fetch_addr = ev.input_addr;
        vsmmu_event_record(s, &ev);
        break;
    }
    case 5: { /* translate */
        struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);
        if (take(r, b, 13))
            vsmmu_translate(s, (uint32_t)le(b, 2), (b[2] & 0x80) ? VSMMU_NO_SSID : b[2],
                            le(b + 3, 8), b[11] & 0xf, &res);
        break;
    }
    case 6:   /* reset, or toggle MSI failure */
        if (op & 8)
            vsmmu_reset(s);
        else
            msi_fail ^= 1;
        break;
    case 7:   /* raw access: any offset and size */
        if (take(r, b, 12)) {
            uint64_t off = le(b, 3);
            unsigned size = b[3] & 0xf;
            if (op & 8)
                vsmmu_mmio_write(s, off, size, le(b + 4, 8));
            else
                vsmmu_mmio_read(s, off, size, &v);
        }
        break;
    }
}

static uint32_t rd32(vsmmu_t *s, uint32_t off)
{
    uint64_t v;
    if (vsmmu_mmio_read(s, off, 4, &v) || (v >> 32)) {
        fprintf(stderr, "fuzz_mmio: invariant: read of 0x%x failed\n", off);
        abort();
    }
    return (uint32_t)v;
}

static void check_regs(vsmmu_t *s, const uint32_t idr[8])
{
    const char *why = NULL;

    for (unsigned i = 0; i < 8; i++)
        if (rd32(s, R_IDR0 + 4 * i) != idr[i])
            why = "an ID register changed";
    if (rd32(s, R_CR0ACK) != rd32(s, R_CR0))
        why = "CR0ACK != CR0";
    if (rd32(s, R_IRQ_CTRLACK) != rd32(s, R_IRQ_CTRL))
        why = "IRQ_CTRLACK != IRQ_CTRL";
    if (fld_get(rd32(s, R_GBPA), GBPA_UPDATE))
        why = "GBPA.Update reads 1";
    if (why) {
        fprintf(stderr, "fuzz_mmio: invariant: %s\n", why);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops = {
        .struct_size = sizeof(ops),
        .mem_read = fuzz_ram_read, .mem_write = fuzz_ram_write, .irq = f_irq,
        .log = fuzz_log_discard, .opaque = &fram,
    };
    struct rd r = { data, size };
    uint8_t hdr[3];
    uint32_t idr[8];
    size_t img;
    vsmmu_t *s;

    if (!take(&r, hdr, 3))
        return 0;
    make_config(hdr[0], &cfg);
    ops.msi = (hdr[0] & 0x01) ? NULL : f_msi;
    memset(ram, 0, sizeof(ram));
    msi_fail = 0;
    img = (size_t)le(hdr + 1, 2);
    if (img > r.n)
        img = r.n;
    memcpy(ram, r.p, img);
    r.p += img;
    r.n -= img;
    if (vsmmu_create(&cfg, &ops, &s))
        return 0;
    vsmmu_set_trace(s, fuzz_trace_check, NULL);
    for (unsigned i = 0; i < 8; i++)
        idr[i] = rd32(s, R_IDR0 + 4 * i);
    for (unsigned i = 0; i < FUZZ_MAX_OPS && r.n; i++) {
        uint8_t op;
        take(&r, &op, 1);
        run_op(s, op, &r);
        check_regs(s, idr);
    }
    vsmmu_destroy(s);
    return 0;
}
