// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: translations through a brought-up SMMU whose guest
 * memory (stream table, L1STDs, CDs, L1CDs, page tables of every level,
 * queues) is built from the fuzz input, interleaved with invalidation
 * commands and register writes.  The caches are small so eviction is
 * exercised.  Invariants checked after every operation (abort() on a
 * violation, which libFuzzer reports as a crash):
 *  - vsmmu_translate() returns 0 for valid arguments, -EINVAL otherwise;
 *  - the status is OK, FAULT or RAZWI;
 *  - OK: size is a power of two >= 4 KiB, the output address keeps the
 *    input address's offset inside that size and lies inside the OAS, a
 *    write is granted W, and there is no event;
 *  - an event is recorded only for a fault (event_type != 0), and then it
 *    is exactly one record at the old EVENTQ_PROD, of that type and
 *    StreamID; otherwise EVENTQ_PROD's index does not move;
 *  - EVENTQ_PROD never runs more than a queue's worth ahead of CONS;
 *  - repeating a translation that wrote no guest memory gives the same
 *    status, and a second repeat exactly the first repeat's result (the
 *    hit path agrees with what the miss path cached);
 *  - the caches never hold more entries than configured, and are empty
 *    after a reset;
 *  - invalidation notifications describe non-empty, non-wrapping ranges;
 *  - ATS: a Translation Request is answered OK (R=W=0 with address 0, or
 *    a translation as above), UR (F_BAD_ATS_TREQ recorded, or nothing) or
 *    CA (nothing recorded) and leaves the TLB alone; a Translated
 *    transaction and ordinary ones never get UR/CA.
 *
 * Input layout:
 *   4 header bytes (see make_config / bring_up), then records: one
 *   operation byte (low 3 bits: the operation of run_op) and its operand
 *   bytes.  fuzz/make_corpus.py writes seeds in this format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsmmu.h"
#include "model/model.h"
#include "xlate/xlate.h"
#include "fuzz_common.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x100000ull
#define ST_OFF 0x0ull          /* stream table (linear) or L1 table */
#define CMDQ_OFF 0x10000ull    /* 32 commands */
#define EVTQ_OFF 0x11000ull    /* up to 128 records */
#define MSI_OFF 0x12000ull
#define CD_OFF 0x14000ull      /* 4 CD tables (or L1CD tables), 4 KiB each */
#define ROOT_OFF 0x20000ull    /* 4 translation-table roots, 64 KiB each */
#define POOL_OFF 0x60000ull    /* bump allocator (wraps) */
#define ABORT_OFF 0xF0000ull   /* reads/writes here abort when 'aborting' */
#define CMDQ_LOG2 5
#define MAX_OPS 512

static uint8_t ram[RAM_SIZE];
static int verbose = -1;        /* FUZZ_VERBOSE=1: print each translation */
static uint64_t pool_next;
static bool aborting;
static unsigned writes;         /* mem_write calls (and MSIs) */

#define FAIL(...) do { fprintf(stderr, "fuzz_translate: invariant: " __VA_ARGS__); \
                       fputc('\n', stderr); abort(); } while (0)

static bool in_ram(uint64_t addr, size_t len)
{
    return fuzz_in_ram(addr, len, RAM_BASE, RAM_SIZE);
}

static int f_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    (void)opaque;
    if (!in_ram(addr, len) || (aborting && addr + len > RAM_BASE + ABORT_OFF))
        return -1;
    memcpy(buf, ram + (addr - RAM_BASE), len);
    return 0;
}

static int f_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    (void)opaque;
    writes++;
    if (!in_ram(addr, len) || (aborting && addr + len > RAM_BASE + ABORT_OFF))
        return -1;
    memcpy(ram + (addr - RAM_BASE), buf, len);
    return 0;
}

static uint64_t r64(uint64_t off)
{
    uint64_t v = 0;
    if (off <= RAM_SIZE - 8)
        for (int i = 7; i >= 0; i--)
            v = (v << 8) | ram[off + (unsigned)i];
    return v;
}

static void w64(uint64_t off, uint64_t v)
{
    if (off > RAM_SIZE - 8)
        return;
    for (unsigned i = 0; i < 8; i++)
        ram[off + i] = (uint8_t)(v >> (8 * i));
}

/* Allocate @size bytes aligned to @align (powers of two) from the pool;
 * wraps around when exhausted (tables then overlap: hostile, allowed). */
static uint64_t pool_alloc(uint64_t size, uint64_t align)
{
    uint64_t a = (pool_next + align - 1) & ~(align - 1);
    if (a < POOL_OFF || a + size > ABORT_OFF)
        a = (POOL_OFF + align - 1) & ~(align - 1);
    pool_next = a + size;
    memset(ram + a, 0, size);
    return a;
}

/* ---- the instance ---------------------------------------------------- */

struct fz {
    vsmmu_t *s;
    struct vsmmu_config cfg;
    unsigned evq_log2;
    bool evq_sane;          /* CONS/PROD/BASE as this driver set them */
    uint64_t last_va;
    uint8_t h[4];           /* the header, for a bring-up after reset */
};

/* Invalidation notifications describe a non-empty, non-wrapping range. */
static void f_inval(void *opaque, const struct vsmmu_inval *inv)
{
    (void)opaque;
    switch (inv->kind) {
    case VSMMU_INVAL_STREAM:
        if (!inv->num || inv->sid + inv->num < inv->sid || inv->sid + inv->num > (1ull << 32))
            FAIL("stream invalidation 0x%llx+0x%llx", (unsigned long long)inv->sid,
                 (unsigned long long)inv->num);
        break;
    case VSMMU_INVAL_RANGE:
    case VSMMU_INVAL_IPA:
        if (!inv->size || inv->addr + (inv->size - 1) < inv->addr)
            FAIL("range invalidation 0x%llx+0x%llx", (unsigned long long)inv->addr,
                 (unsigned long long)inv->size);
        break;
    case VSMMU_INVAL_ALL:
    case VSMMU_INVAL_ASID:
    case VSMMU_INVAL_VMID:
        break;
    default:
        FAIL("invalidation kind %d", (int)inv->kind);
    }
    if (inv->vmid < -1 || inv->vmid > 0xFFFF || inv->asid < -1 || inv->asid > 0xFFFF)
        FAIL("invalidation vmid %d asid %d", inv->vmid, inv->asid);
}

static void make_config(const uint8_t h[4], struct vsmmu_config *c)
{
    static const unsigned tlb[4] = { 16, 32, 64, 4096 }, cfgs[4] = { 4, 8, 16, 256 };

    vsmmu_config_default(c);
    switch (h[0] & 3) {
    case 1: c->stage2 = false; break;
    case 2: c->stage1 = false; break;
    case 3: c->hyp = true; break;
    default: break;
    }
    c->two_level_strtab = (h[0] & 4) != 0;
    c->sidsize = c->two_level_strtab ? 8 : 6;
    c->ssidsize = (h[0] & 8) ? 6 : 0;
    c->cd2l = (h[0] & 0x10) != 0;
    c->ril = (h[0] & 0x20) != 0;
    c->httu_af = (h[0] & 0x40) != 0;
    c->oas_bits = (h[0] & 0x80) ? 52 : 48;
    if (h[1] & 7) {
        c->gran4k = h[1] & 1;
        c->gran16k = (h[1] & 2) != 0;
        c->gran64k = (h[1] & 4) != 0;
    }
    c->asid16 = (h[1] & 8) != 0;
    c->vmid16 = (h[1] & 0x10) != 0;
    c->ats = (h[1] & 0x20) != 0;
    c->msi = (h[1] & 0x40) != 0;
    if (h[1] & 0x80)
        c->flags |= VSMMU_FLAG_QEMU_EVENTQ_FULL;
    c->cmdqs = CMDQ_LOG2;
    c->eventqs = 7;
    c->tlb_entries = tlb[(h[3] >> 3) & 3];
    c->cfg_entries = cfgs[(h[3] >> 5) & 3];
}

static void mmio_w(struct fz *z, uint64_t off, unsigned size, uint64_t v)
{
    if (vsmmu_mmio_write(z->s, off, size, v))
        FAIL("mmio write 0x%llx failed", (unsigned long long)off);
}

static uint64_t mmio_r(struct fz *z, uint64_t off, unsigned size)
{
    uint64_t v;
    if (vsmmu_mmio_read(z->s, off, size, &v))
        FAIL("mmio read 0x%llx failed", (unsigned long long)off);
    return v;
}

static void bring_up(struct fz *z, const uint8_t h[4])
{
    static const unsigned splits[4] = { 6, 8, 10, 7 };
    uint32_t stcfg = (uint32_t)fld_set(0, STRTAB_CFG_FMT, h[2] & 1);

    stcfg = (uint32_t)fld_set(stcfg, STRTAB_CFG_SPLIT, splits[(h[2] >> 1) & 3]);
    stcfg = (uint32_t)fld_set(stcfg, STRTAB_CFG_LOG2SIZE, h[2] >> 3);
    z->evq_log2 = h[3] & 7;
    mmio_w(z, R_STRTAB_BASE, 8, RAM_BASE + ST_OFF);
    mmio_w(z, R_STRTAB_BASE_CFG, 4, stcfg);
    mmio_w(z, R_CMDQ_BASE, 8, (RAM_BASE + CMDQ_OFF) | CMDQ_LOG2);
    mmio_w(z, R_EVENTQ_BASE, 8, (RAM_BASE + EVTQ_OFF) | z->evq_log2);
    mmio_w(z, R_GERROR_IRQ_CFG0, 8, RAM_BASE + MSI_OFF);
    mmio_w(z, R_EVENTQ_IRQ_CFG0, 8, RAM_BASE + MSI_OFF + 4);
    mmio_w(z, R_IRQ_CTRL, 4, 5);
    mmio_w(z, R_CR2, 4, (h[3] & 0x80) ? 3 : 2);
    mmio_w(z, R_CR0, 4, 0xC);
    mmio_w(z, R_CR0, 4, 0xD);
    z->evq_sane = true;
}

/* ---- guest structures ------------------------------------------------ */

/* Guest RAM offset of the STE of @sid as the current registers place it
 * (creating the L2 table of a 2-level table); false if outside RAM. */
static bool ste_slot(struct fz *z, uint32_t sid, uint64_t *off)
{
    uint64_t base = mmio_r(z, R_STRTAB_BASE, 8) & fld_mask(STRTAB_BASE_ADDR);
    uint32_t cfg = (uint32_t)mmio_r(z, R_STRTAB_BASE_CFG, 4);
    uint64_t a;

    if (fld_get(cfg, STRTAB_CFG_FMT) == STRTAB_FMT_2LVL) {
        unsigned split = (unsigned)fld_get(cfg, STRTAB_CFG_SPLIT);
        uint64_t l1, l1off;
        if (split != 6 && split != 8 && split != 10)
            split = 6;
        l1off = base - RAM_BASE + (uint64_t)(sid >> split) * 8;
        if (!in_ram(base + (uint64_t)(sid >> split) * 8, 8))
            return false;
        l1 = r64(l1off);
        if (!(l1 & fld_mask(L1STD_SPAN))) {
            uint64_t l2 = pool_alloc(64ull << split, 64ull << split);
            l1 = (RAM_BASE + l2) | fld_set(0, L1STD_SPAN, split + 1);
            w64(l1off, l1);
        }
        a = (l1 & fld_mask(L1STD_L2PTR)) + (uint64_t)(sid & ((1u << split) - 1)) * STE_SIZE;
    } else {
        a = base + (uint64_t)sid * STE_SIZE;
    }
    if (!in_ram(a, STE_SIZE))
        return false;
    *off = a - RAM_BASE;
    return true;
}

/* Apply an optional XOR to one dword of a structure. */
static void mangle(uint64_t *dw, unsigned ndw, const uint8_t *b)
{
    if (b[0] & 0x80)
        dw[b[0] % ndw] ^= le(b + 1, 8);
}

/* STE: sid, config, CD/stage-2 parameters, optional XOR (16 bytes). */
static void op_ste(struct fz *z, const uint8_t *b)
{
    uint64_t ste[STE_DWORDS] = { 0 }, off;

    st_set(ste, STE_V, !(b[1] & 8));
    st_set(ste, STE_CONFIG, b[1] & 7);
    st_set(ste, STE_S1FMT, (b[1] >> 4) & 3);
    st_set(ste, STE_S1DSS, (b[1] >> 6) & 3);
    st_set(ste, STE_S1CDMAX, b[2] & 0x1F);
    st_set(ste, STE_STRW, (b[2] >> 5) & 3);
    st_set(ste, STE_S2R, b[2] >> 7);
    st_set(ste, STE_S2T0SZ, b[3] & 0x3F);
    st_set(ste, STE_S2SL0, b[3] >> 6);
    st_set(ste, STE_S2TG, b[4] & 3);
    st_set(ste, STE_S2PS, (b[4] >> 2) & 7);
    st_set(ste, STE_S2AA64, !(b[4] & 0x20));
    st_set(ste, STE_S2HA, (b[4] >> 6) & 1);
    st_set(ste, STE_S2PTW, b[4] >> 7);
    st_set(ste, STE_S2VMID, b[5]);
    ste[0] |= (RAM_BASE + CD_OFF + (b[15] & 3) * 0x1000ull) & fld_mask(STE_S1CTXPTR);
    ste[3] |= (RAM_BASE + ROOT_OFF + ((b[15] >> 2) & 3) * 0x10000ull) & fld_mask(51, 4);
    if (!(b[6] & 0x80))
        st_set(ste, STE_EATS, b[6] & 3);
    mangle(ste, STE_DWORDS, b + 6);
    if (b[15] & 0x80)
        st_set(ste, STE_PRIVCFG, (b[15] >> 4) & 3), st_set(ste, STE_INSTCFG, (b[15] >> 5) & 3);
    if (ste_slot(z, b[0], &off))
        for (unsigned i = 0; i < STE_DWORDS; i++)
            w64(off + 8 * i, ste[i]);
}

/* CD: table slot, format and SSID, translation parameters, XOR (16 bytes). */
static void op_cd(struct fz *z, const uint8_t *b)
{
    uint64_t cd[CD_DWORDS] = { 0 }, off = CD_OFF + (b[0] & 3) * 0x1000ull;
    unsigned fmt = (b[0] >> 2) & 3, idx = b[1] & 0x3F;

    (void)z;
    if (fmt == S1FMT_2LVL_4K || fmt == S1FMT_2LVL_64K) {
        unsigned l2bits = fmt == S1FMT_2LVL_4K ? 6 : 10;
        uint64_t l1off = off + (uint64_t)(idx >> l2bits) * 8, l1 = r64(l1off);
        if (!(l1 & 1)) {
            uint64_t sz = 64ull << l2bits;
            l1 = (RAM_BASE + pool_alloc(sz, l2bits == 10 ? 0x10000 : 0x1000)) | 1;
            w64(l1off, l1);
        }
        off = (l1 & fld_mask(L1CD_L2PTR)) - RAM_BASE;
        if (l2bits == 10)
            off &= ~0xFFFFull;
        off += (uint64_t)(idx & ((1u << l2bits) - 1)) * CD_SIZE;
    } else {
        off += (uint64_t)idx * CD_SIZE;
    }
    st_set(cd, CD_V, !(b[0] & 0x10));
    st_set(cd, CD_EPD0, (b[0] >> 5) & 1);
    st_set(cd, CD_EPD1, (b[0] >> 6) & 1);
    st_set(cd, CD_HA, b[0] >> 7);
    st_set(cd, CD_AA64, !(b[1] & 0x40));
    st_set(cd, CD_A, b[1] >> 7);
    st_set(cd, CD_T0SZ, b[2] & 0x3F);
    st_set(cd, CD_TG0, b[2] >> 6);
    st_set(cd, CD_T1SZ, b[3] & 0x3F);
    st_set(cd, CD_TG1, b[3] >> 6);
    st_set(cd, CD_IPS, b[4] & 7);
    st_set(cd, CD_TBI0, (b[4] >> 3) & 1);
    st_set(cd, CD_TBI1, (b[4] >> 4) & 1);
    st_set(cd, CD_WXN, (b[4] >> 5) & 1);
    st_set(cd, CD_PAN, (b[4] >> 6) & 1);
    st_set(cd, CD_AFFD, b[4] >> 7);
    st_set(cd, CD_ASID, b[5] | (uint64_t)(b[6] >> 4) << 8);
    st_set(cd, CD_R, b[6] & 1);
    st_set(cd, CD_S, (b[6] >> 1) & 1);
    st_set(cd, CD_HAD0, (b[6] >> 2) & 1);
    st_set(cd, CD_HAD1, (b[6] >> 3) & 1);
    cd[1] |= (RAM_BASE + ROOT_OFF + (b[7] & 3) * 0x10000ull) & fld_mask(51, 4);
    cd[2] |= (RAM_BASE + ROOT_OFF + ((b[7] >> 2) & 3) * 0x10000ull) & fld_mask(51, 4);
    mangle(cd, CD_DWORDS, b + 7);
    if (off <= RAM_SIZE - CD_SIZE)
        for (unsigned i = 0; i < CD_DWORDS; i++)
            w64(off + 8 * i, cd[i]);
}

/* Map: build the path to @va in tree @r down to a level, then a leaf
 * (or an invalid / table / raw descriptor).  15 bytes. */
static void op_map(struct fz *z, const uint8_t *b)
{
    static const unsigned grans[4] = { 12, 14, 16, 12 };
    unsigned g = grans[(b[0] >> 2) & 3], target = (b[0] >> 4) & 3, start = b[0] >> 6;
    unsigned ia = 25 + b[1] % 28, stride = g - 3;
    uint64_t va = le(b + 2, 8), table = ROOT_OFF + (b[0] & 3) * 0x10000ull;
    uint64_t attrs = (le(b + 11, 2) & 0xFFC) | (uint64_t)(b[12] >> 4) << 51;
    uint64_t oa = RAM_BASE + (le(b + 13, 2) << 12), d;
    unsigned kind = b[10] & 3;

    z->last_va = va;
    if (target < start)
        target = start;
    for (unsigned l = start;; l++) {
        unsigned shift = g + (3 - l) * stride;
        unsigned nbits = l == start ? (ia > shift ? ia - shift : 1) : stride;
        uint64_t slot = table + ((va >> shift) & ((1ull << (nbits > 20 ? 20 : nbits)) - 1)) * 8;
        if (slot > RAM_SIZE - 8)
            return;
        if (l == target) {
            if (kind == 0) {
                d = attrs & ~1ull;
            } else if (kind == 2) {
                d = (RAM_BASE + table) | 3 | attrs;     /* points back at itself */
            } else {
                oa &= ~((1ull << shift) - 1);
                if (b[10] & 4)
                    oa ^= (uint64_t)b[10] << 44;       /* beyond RAM / OAS */
                d = oa | attrs | (l == 3 ? 3 : 1) | (kind == 3 ? fld_mask(PTE_AF) : 0);
            }
            w64(slot, d);
            return;
        }
        d = r64(slot);
        if ((d & 3) != 3 || !in_ram(d & fld_mask(47, g), 8)) {
            uint64_t t = pool_alloc(1ull << g, 1ull << g);
            d = (RAM_BASE + t) | 3 | ((uint64_t)(b[10] >> 3) << 59);
            w64(slot, d);
        }
        table = (d & fld_mask(47, g)) - RAM_BASE;
    }
}

/* ---- translation and its invariants ------------------------------------ */

static uint32_t evq_prod(struct fz *z) { return (uint32_t)mmio_r(z, R_EVENTQ_PROD, 4); }
static uint32_t evq_cons(struct fz *z) { return (uint32_t)mmio_r(z, R_EVENTQ_CONS, 4); }

static bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

static void check_queue(struct fz *z)
{
    uint32_t prod = evq_prod(z), cons = evq_cons(z), m = q_wrmask(z->evq_log2);
    if (z->evq_sane && ((prod - cons) & m) > (1u << z->evq_log2))
        FAIL("event queue PROD 0x%x more than a queue ahead of CONS 0x%x", prod, cons);
}

static void translate_checked(struct fz *z, uint32_t sid, uint32_t ssid, uint64_t va,
                              unsigned acc, struct vsmmu_xlate_result *res)
{
    struct vsmmu_stats st0 = VSMMU_STRUCT_INIT(st0), st1 = VSMMU_STRUCT_INIT(st1);
    uint32_t p0, p1, m = q_wrmask(z->evq_log2);
    bool request = (acc & VSMMU_ACC_ATS_REQUEST) != 0;
    unsigned tlb0 = vsmmu_xlate_tlb_count(z->s);
    int rc;

    vsmmu_get_stats(z->s, &st0);
    p0 = evq_prod(z);
    memset(res, 0xA5, sizeof(*res));     /* every field must be written */
    res->struct_size = sizeof(*res);
    rc = vsmmu_translate(z->s, sid, ssid, va, acc, res);
    p1 = evq_prod(z);
    vsmmu_get_stats(z->s, &st1);
    if (verbose)
        fprintf(stderr, "translate sid 0x%x ssid 0x%x va 0x%llx acc 0x%x: rc %d status %d "
                "addr 0x%llx size 0x%llx perm %u event 0x%x%s\n", sid, ssid,
                (unsigned long long)va, acc, rc, (int)res->status, (unsigned long long)res->addr,
                (unsigned long long)res->size, res->perm, res->event_type,
                res->recorded ? " (recorded)" : "");
    if (rc)
        FAIL("translate returned %d", rc);
    switch (res->status) {
    case VSMMU_XLATE_OK:
        if (!is_pow2(res->size) || res->size < 0x1000)
            FAIL("OK with size 0x%llx", (unsigned long long)res->size);
        if (request && !res->perm && res->addr)
            FAIL("ATS R=W=0 completion with address 0x%llx", (unsigned long long)res->addr);
        if ((!request || res->perm) && ((res->addr ^ va) & (res->size - 1)))
            FAIL("OK: address 0x%llx not aligned like iova 0x%llx (size 0x%llx)",
                 (unsigned long long)res->addr, (unsigned long long)va,
                 (unsigned long long)res->size);
        if (res->addr >> z->cfg.oas_bits)
            FAIL("OK: address 0x%llx beyond the OAS", (unsigned long long)res->addr);
        if (!request && (acc & VSMMU_ACC_WRITE) && !(res->perm & VSMMU_PERM_W))
            FAIL("OK write without W permission (perm 0x%x)", res->perm);
        if (res->perm & ~7u)
            FAIL("OK with perm 0x%x", res->perm);
        if (res->event_type || res->recorded || p0 != p1 || st0.events != st1.events)
            FAIL("event with an OK translation");
        break;
    case VSMMU_XLATE_RAZWI:
        if (request)
            FAIL("RAZ/WI answer to an ATS request");
        if (res->event_type && res->event_type != EVT_F_TRANSLATION &&
            res->event_type != EVT_F_ADDR_SIZE && res->event_type != EVT_F_ACCESS &&
            res->event_type != EVT_F_PERMISSION)
            FAIL("RAZ/WI after event 0x%x", res->event_type);
        break;
    case VSMMU_XLATE_FAULT:
        if (request)
            FAIL("FAULT answer to an ATS request");
        break;
    case VSMMU_XLATE_ATS_UR:
    case VSMMU_XLATE_ATS_CA:
        if (!request)
            FAIL("ATS status %d for a transaction", (int)res->status);
        if (res->recorded && (res->status == VSMMU_XLATE_ATS_CA ||
                              res->event_type != EVT_F_BAD_ATS_TREQ))
            FAIL("ATS status %d recorded event 0x%x", (int)res->status, res->event_type);
        break;
    default:
        FAIL("status %d", (int)res->status);
    }
    if (res->recorded != (st1.events == st0.events + 1))
        FAIL("recorded %d but %llu events written", res->recorded,
             (unsigned long long)(st1.events - st0.events));
    if (res->recorded) {
        uint64_t a = EVTQ_OFF + (uint64_t)q_index(p0, z->evq_log2) * EVT_SIZE, rec[4];
        if (!res->event_type)
            FAIL("event recorded without a type");
        if (((p1 & m) != q_inc(p0 & m, z->evq_log2)))
            FAIL("recorded: PROD 0x%x -> 0x%x", p0, p1);
        for (unsigned i = 0; i < 4; i++)
            rec[i] = r64(a + 8 * i);
        if (z->evq_sane && (st_get(rec, EVT_TYPE) != res->event_type || st_get(rec, EVT_SID) != sid))
            FAIL("record type 0x%x sid 0x%x, expected 0x%x sid 0x%x",
                 (unsigned)st_get(rec, EVT_TYPE), (unsigned)st_get(rec, EVT_SID),
                 res->event_type, sid);
    } else if ((p0 & m) != (p1 & m)) {
        FAIL("PROD moved (0x%x -> 0x%x) without a recorded event", p0, p1);
    }
    if (request && vsmmu_xlate_tlb_count(z->s) != tlb0)
        FAIL("an ATS request changed the TLB (%u -> %u entries)", tlb0,
             vsmmu_xlate_tlb_count(z->s));
    if (vsmmu_xlate_tlb_count(z->s) > z->cfg.tlb_entries ||
        vsmmu_xlate_cfg_count(z->s) > z->cfg.cfg_entries)
        FAIL("cache over capacity");
}

static void op_translate(struct fz *z, const uint8_t *b)
{
    struct vsmmu_xlate_result r1 = VSMMU_STRUCT_INIT(r1), r2 = VSMMU_STRUCT_INIT(r2);
    uint32_t sid = b[0], ssid = (b[1] & 0x80) ? VSMMU_NO_SSID : (b[1] & 0x3F);
    unsigned acc = b[2] & 0xF, w0;
    uint64_t va;

    if (b[1] & 0x40)
        sid |= (uint32_t)b[3] << 24;
    switch ((b[2] >> 4) & 3) {
    case 0: va = z->last_va + le(b + 3, 2); break;
    case 1: va = le(b + 3, 8); break;
    case 2: va = (z->last_va & 0x00FFFFFFFFFFFFFFull) | (uint64_t)b[3] << 56; break;
    default: va = z->last_va ^ ((uint64_t)1 << (b[3] & 63)); break;
    }
    if (b[2] & 0x80) {
        /* Bad arguments are refused without effect. */
        if (vsmmu_translate(z->s, sid, 0x100000 + b[4], va, VSMMU_ACC_READ, &r1) != -EINVAL ||
            vsmmu_translate(z->s, sid, ssid, va, 0x40 | acc, &r1) != -EINVAL ||
            vsmmu_translate(z->s, sid, ssid, va, acc & VSMMU_ACC_PRIV, &r1) != -EINVAL)
            FAIL("bad arguments accepted");
    }
    if (!(acc & (VSMMU_ACC_READ | VSMMU_ACC_WRITE | VSMMU_ACC_EXEC)))
        acc |= VSMMU_ACC_READ;
    if ((b[2] & 0x40) && z->cfg.ats)
        acc |= (b[4] & 1) ? VSMMU_ACC_ATS_TRANSLATED : VSMMU_ACC_ATS_REQUEST;
    w0 = writes;
    translate_checked(z, sid, ssid, va, acc, &r1);
    if (writes != w0)
        return;     /* guest memory changed (AF update, event, MSI) */
    /* The first repeat has the status of the first call; it may use a
     * different (stale, not yet invalidated) TLB entry that the first call's
     * walk did not replace, so only the second repeat must match it exactly. */
    translate_checked(z, sid, ssid, va, acc, &r2);
    if (r1.status != r2.status || r1.event_type != r2.event_type)
        FAIL("repeat differs: status %d/%d event 0x%x/0x%x", r1.status, r2.status,
             r1.event_type, r2.event_type);
    if (writes != w0)
        return;
    translate_checked(z, sid, ssid, va, acc, &r1);
    if (r1.status != r2.status || r1.event_type != r2.event_type ||
        (r1.status == VSMMU_XLATE_OK &&
         (r1.addr != r2.addr || r1.size != r2.size || r1.perm != r2.perm)))
        FAIL("second repeat differs: status %d/%d ev 0x%x/0x%x addr 0x%llx/0x%llx "
             "size 0x%llx/0x%llx perm %u/%u", r2.status, r1.status, r2.event_type,
             r1.event_type, (unsigned long long)r2.addr, (unsigned long long)r1.addr,
             (unsigned long long)r2.size, (unsigned long long)r1.size, r2.perm, r1.perm);
}

/* ---- commands ---------------------------------------------------------- */

/* Submit one command the way a driver does; on a command error replace
 * the faulting command with CMD_SYNC and acknowledge. */
static void submit(struct fz *z, uint64_t dw0, uint64_t dw1)
{
    uint32_t prod = (uint32_t)mmio_r(z, R_CMDQ_PROD, 4), gerror, gerrorn;
    uint64_t qb = mmio_r(z, R_CMDQ_BASE, 8);
    unsigned log2 = q_log2(qb, CMDQ_LOG2);
    uint64_t a = q_addr(qb, log2, CMD_SIZE) + (uint64_t)q_index(prod, log2) * CMD_SIZE;

    if (in_ram(a, CMD_SIZE)) {
        w64(a - RAM_BASE, dw0);
        w64(a - RAM_BASE + 8, dw1);
    }
    mmio_w(z, R_CMDQ_PROD, 4, q_inc(prod, log2));
    gerror = (uint32_t)mmio_r(z, R_GERROR, 4);
    gerrorn = (uint32_t)mmio_r(z, R_GERRORN, 4);
    if ((gerror ^ gerrorn) & 1) {
        uint32_t cons = (uint32_t)mmio_r(z, R_CMDQ_CONS, 4);
        a = q_addr(qb, log2, CMD_SIZE) + (uint64_t)q_index(cons, log2) * CMD_SIZE;
        if (in_ram(a, CMD_SIZE)) {
            w64(a - RAM_BASE, OP_SYNC);
            w64(a - RAM_BASE + 8, 0);
        }
        mmio_w(z, R_GERRORN, 4, gerrorn ^ 1);
    }
}

static const uint8_t cmd_ops[16] = {
    OP_CFGI_STE, OP_CFGI_STE_RANGE, OP_CFGI_CD, OP_CFGI_CD_ALL, OP_TLBI_NH_ALL,
    OP_TLBI_NH_ASID, OP_TLBI_NH_VA, OP_TLBI_NH_VAA, OP_TLBI_EL2_ALL, OP_TLBI_EL2_ASID,
    OP_TLBI_EL2_VA, OP_TLBI_EL2_VAA, OP_TLBI_S12_VMALL, OP_TLBI_S2_IPA, OP_TLBI_NSNH_ALL,
    OP_SYNC,
};

/* Command: opcode selector, 16 bytes of fields.  17 bytes. */
static void op_cmd(struct fz *z, const uint8_t *b)
{
    uint64_t dw0 = le(b + 1, 8), dw1 = le(b + 9, 8);
    uint8_t op = cmd_ops[b[0] & 15];

    if (b[0] & 0x10) {
        /* Address from the last mapping, so invalidations hit. */
        dw1 = (dw1 & 0xFFF) | (z->last_va & ~0xFFFull);
    }
    if (b[0] & 0x20)
        dw0 &= ~fld_mask(31, 12);   /* SSID / NUM / SCALE 0 */
    if (b[0] & 0x40)
        dw0 = (dw0 & 0xFFFFFFFFull) | (uint64_t)(b[1] & 0xFF) << 32;  /* small SID / VMID */
    dw0 = (dw0 & ~(fld_mask(CMD_OP) | fld_mask(CMD_SSEC))) | op;
    if (b[0] & 0x80)
        dw0 = le(b + 1, 8);         /* raw, opcode and all */
    submit(z, dw0, dw1);
}

/* ---- registers, memory, events ------------------------------------------ */

static const uint32_t wregs[8] = {
    R_CR0, R_CR2, R_GBPA, R_STRTAB_BASE_CFG, R_STRTAB_BASE, R_EVENTQ_CONS, R_GERRORN,
    R_EVENTQ_BASE,
};

/* Register write: register, 4-byte value.  5 bytes. */
static void op_reg(struct fz *z, const uint8_t *b)
{
    uint32_t off = wregs[b[0] & 7], v = (uint32_t)le(b + 1, 4);

    if (off == R_STRTAB_BASE || off == R_EVENTQ_BASE) {
        uint64_t a = RAM_BASE + ((uint64_t)v & 0xFFFC0) + (b[0] & 0x80 ? (uint64_t)v << 32 : 0);
        if (off == R_EVENTQ_BASE)
            a = (a & ~0x1Full) | (v & 7);
        mmio_w(z, off, 8, a);
    } else {
        if (off == R_GBPA)
            v |= 1u << 31;
        mmio_w(z, off, 4, v);
    }
    if (off == R_CR0 || off == R_EVENTQ_CONS || off == R_EVENTQ_BASE)
        z->evq_sane = false;
}

/* Drain the event queue: CONS = PROD (with the overflow acknowledged). */
static void op_drain(struct fz *z)
{
    uint64_t qb = mmio_r(z, R_EVENTQ_BASE, 8);
    uint32_t prod = evq_prod(z);

    mmio_w(z, R_EVENTQ_CONS, 4, prod);
    z->evq_sane = qb == ((RAM_BASE + EVTQ_OFF) | z->evq_log2) &&
                  (mmio_r(z, R_CR0, 4) & fld_mask(CR0_EVENTQEN));
}

static void run_op(struct fz *z, uint8_t op, struct rd *r)
{
    uint8_t b[17];

    switch (op & 7) {
    case 0:     /* raw guest memory: 3-byte dword index, 8 bytes */
        if (take(r, b, 11))
            w64((le(b, 3) * 8) % RAM_SIZE, le(b + 3, 8));
        break;
    case 1:
        if (take(r, b, 16))
            op_ste(z, b);
        break;
    case 2:
        if (take(r, b, 16))
            op_cd(z, b);
        break;
    case 3:
        if (take(r, b, 15))
            op_map(z, b);
        break;
    case 4:
        if (take(r, b, 11))
            op_translate(z, b);
        break;
    case 5:
        if (take(r, b, 17))
            op_cmd(z, b);
        break;
    case 6:
        if (take(r, b, 5))
            op_reg(z, b);
        break;
    case 7:
        if (op & 0x10) {
            vsmmu_reset(z->s);
            if (vsmmu_xlate_tlb_count(z->s) || vsmmu_xlate_cfg_count(z->s))
                FAIL("caches not empty after reset");
            bring_up(z, z->h);
        } else if (op & 8) {
            aborting = !aborting;
        } else {
            op_drain(z);
        }
        break;
    }
    check_queue(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = f_read,
                                  .mem_write = f_write, .log = fuzz_log_discard };
    struct rd r = { data, size };
    struct fz z;
    uint8_t h[4];

    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (!take(&r, h, 4))
        return 0;
    memset(&z, 0, sizeof(z));
    memset(ram, 0, sizeof(ram));
    pool_next = POOL_OFF;
    aborting = false;
    writes = 0;
    memcpy(z.h, h, sizeof(h));
    make_config(h, &z.cfg);
    if (vsmmu_create(&z.cfg, &ops, &z.s))
        return 0;
    vsmmu_set_inval_notifier(z.s, f_inval, NULL);
    bring_up(&z, h);
    for (unsigned i = 0; i < MAX_OPS && r.n; i++) {
        uint8_t op;
        take(&r, &op, 1);
        if (verbose) {
            fprintf(stderr, "op %u: 0x%02x", i, op);
            for (size_t k = 0; k < 17 && k < r.n; k++)
                fprintf(stderr, " %02x", r.p[k]);
            fputc('\n', stderr);
        }
        run_op(&z, op, &r);
    }
    vsmmu_destroy(z.s);
    return 0;
}
