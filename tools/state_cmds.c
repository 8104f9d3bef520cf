// SPDX-License-Identifier: MIT
/*
 * `save FILE` and `load FILE` of `vsmmu run`: what a VMM does to migrate a
 * guest whose SMMU is vsmmu (docs/tool.md, docs/state.md).
 *
 * The file holds what a migration stream holds: guest RAM (the pages ever
 * written, which the tool tracks like a VMM's dirty log), the interrupts
 * signalled but not yet listed by `irqs` (the interrupt controller's state),
 * the vsmmu_state_save() blob, and in accel mode the VMM's passthrough
 * devices (their vSIDs) and the host failures armed with `host-fail` that
 * have not happened yet (so that a scenario continues the same way).
 *
 * save: in accel mode the VMM's last drain (vsmmu_accel_process_events())
 * first, then the state.  load: a new instance and, in accel mode, a new
 * simulated kernel; guest RAM and interrupts restored, vsmmu_state_load(),
 * then each device is added to the new kernel and re-attached with
 * vsmmu_accel_attach(), and the armed failures are armed again.
 *
 * File layout (little-endian, private to the tool): "VSMMUTL\0", u32
 * version 1, u64 RAM base, u64 RAM size, u32 pages {u64 offset, data up to
 * TOOL_PAGE bytes}, u32 irqs {u32 line, u64 addr, u32 data}, u32 overflow,
 * u32 devices {u32 vsid}, u32 failures {u32 op, u32 nth, u32 errno},
 * u64 state length, state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "vsmmu_state.h"

#define FILE_MAGIC "VSMMUTL"
#define FILE_VERSION 1u
#define FILE_MAX (1ull << 30)

void tool_ram_written(struct tool *t, uint64_t addr, uint64_t len)
{
    uint64_t first, last;

    if (!t->dirty || !len || !tool_in_ram(t, addr, len))
        return;
    first = (addr - t->ram_base) / TOOL_PAGE;
    last = (addr - t->ram_base + len - 1) / TOOL_PAGE;
    for (uint64_t p = first; p <= last; p++)
        t->dirty[p / 8] |= (uint8_t)(1u << (p % 8));
}

static bool page_dirty(const struct tool *t, uint64_t p)
{
    return (t->dirty[p / 8] >> (p % 8)) & 1;
}

static uint64_t npages(const struct tool *t)
{
    return (t->ram_size + TOOL_PAGE - 1) / TOOL_PAGE;
}

static uint64_t page_len(const struct tool *t, uint64_t p)
{
    uint64_t off = p * TOOL_PAGE;
    return t->ram_size - off < TOOL_PAGE ? t->ram_size - off : TOOL_PAGE;
}

void tool_note_fail(struct tool *t, int op, unsigned nth, int err)
{
    if (op < 0 || op >= VSMMU_SIM_NR_OPS)
        return;
    t->fail_at[op] = vsmmu_sim_calls(t->sim, (enum vsmmu_sim_op)op) + nth;
    t->fail_err[op] = err;
}

/* ---- a growable byte buffer ---------------------------------------------- */

struct bbuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
};

static void bb_put(struct bbuf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        uint8_t *p;
        while (cap - b->len < n)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void bb_le(struct bbuf *b, uint64_t v, unsigned bytes)
{
    uint8_t x[8];
    for (unsigned i = 0; i < bytes; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    bb_put(b, x, bytes);
}

/* ---- save ------------------------------------------------------------------ */

enum answer cmd_save(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    struct bbuf b = { 0 };
    size_t need = 0;
    uint32_t n = 0;
    void *blob;
    FILE *f;
    int rc;

    (void)argc;
    if (t->sim) {
        rc = vsmmu_accel_process_events(t->s);
        if (rc < 0) {
            sb_printf(out, "draining the vEVENTQ failed: ");
            sb_errno(out, rc);
            return ANS_ERR;
        }
    }
    vsmmu_state_save(t->s, NULL, 0, &need);
    blob = malloc(need ? need : 1);
    if (!blob) {
        sb_printf(out, "out of memory");
        return ANS_ERR;
    }
    rc = vsmmu_state_save(t->s, blob, need, &need);
    if (rc) {
        free(blob);
        sb_printf(out, "vsmmu_state_save failed: ");
        sb_errno(out, rc);
        return ANS_ERR;
    }

    bb_put(&b, FILE_MAGIC, 8);
    bb_le(&b, FILE_VERSION, 4);
    bb_le(&b, t->ram_base, 8);
    bb_le(&b, t->ram_size, 8);
    for (uint64_t p = 0; p < npages(t); p++)
        n += page_dirty(t, p);
    bb_le(&b, n, 4);
    for (uint64_t p = 0; p < npages(t); p++) {
        if (!page_dirty(t, p))
            continue;
        bb_le(&b, p * TOOL_PAGE, 8);
        bb_put(&b, t->ram + p * TOOL_PAGE, page_len(t, p));
    }
    bb_le(&b, t->nirqs, 4);
    for (size_t i = 0; i < t->nirqs; i++) {
        bb_le(&b, (uint32_t)t->irqs[i].line, 4);
        bb_le(&b, t->irqs[i].addr, 8);
        bb_le(&b, t->irqs[i].data, 4);
    }
    bb_le(&b, t->irq_overflow, 4);
    bb_le(&b, t->ndevs, 4);
    for (size_t i = 0; i < t->ndevs; i++)
        bb_le(&b, t->devs[i].vsid, 4);
    n = 0;
    for (int op = 0; t->sim && op < VSMMU_SIM_NR_OPS; op++)
        n += t->fail_at[op] > vsmmu_sim_calls(t->sim, (enum vsmmu_sim_op)op);
    bb_le(&b, n, 4);
    for (int op = 0; t->sim && op < VSMMU_SIM_NR_OPS; op++) {
        unsigned calls = vsmmu_sim_calls(t->sim, (enum vsmmu_sim_op)op);
        if (t->fail_at[op] <= calls)
            continue;
        bb_le(&b, (uint32_t)op, 4);
        bb_le(&b, t->fail_at[op] - calls, 4);
        bb_le(&b, (uint32_t)t->fail_err[op], 4);
    }
    bb_le(&b, need, 8);
    bb_put(&b, blob, need);
    free(blob);
    if (b.oom) {
        free(b.p);
        sb_printf(out, "out of memory");
        return ANS_ERR;
    }
    f = fopen(argv[0], "wb");
    if (!f || fwrite(b.p, 1, b.len, f) != b.len) {
        rc = -errno;
        sb_printf(out, "cannot write '%s': ", argv[0]);
        sb_errno(out, rc ? rc : -EIO);
        if (f)
            fclose(f);
        free(b.p);
        return ANS_ERR;
    }
    free(b.p);
    if (fclose(f)) {
        rc = -errno;
        sb_printf(out, "cannot write '%s': ", argv[0]);
        sb_errno(out, rc);
        return ANS_ERR;
    }
    return ANS_OK;
}

/* ---- load ------------------------------------------------------------------ */

struct cur {
    const uint8_t *p;
    size_t n;
    bool bad;
};

static uint64_t take_le(struct cur *c, unsigned bytes)
{
    uint64_t v = 0;
    if (c->n < bytes) {
        c->bad = true;
        c->n = 0;
        return 0;
    }
    for (unsigned i = bytes; i > 0; i--)
        v = (v << 8) | c->p[i - 1];
    c->p += bytes;
    c->n -= bytes;
    return v;
}

static const uint8_t *take_bytes(struct cur *c, size_t len)
{
    const uint8_t *p = c->p;
    if (c->n < len) {
        c->bad = true;
        c->n = 0;
        return NULL;
    }
    c->p += len;
    c->n -= len;
    return p;
}

/* The parsed file: pointers into its bytes. */
struct saved {
    struct cur pages;   uint32_t npages;
    struct cur irqs;    uint32_t nirqs;
    uint32_t overflow;
    struct cur devs;    uint32_t ndevs;
    struct cur fails;   uint32_t nfails;
    const uint8_t *state;
    size_t state_len;
};

static uint8_t *read_file(const char *path, size_t *len, struct sbuf *out)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, r;

    if (!f) {
        sb_printf(out, "cannot open '%s': ", path);
        sb_errno(out, -errno);
        return NULL;
    }
    do {
        if (cap - n < 65536) {
            uint8_t *p;
            cap = cap ? 2 * cap : 1u << 20;
            if (cap > FILE_MAX || !(p = realloc(buf, cap))) {
                sb_printf(out, "'%s' is too large", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    if (ferror(f)) {
        sb_printf(out, "cannot read '%s'", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Check the whole file before anything changes; false with the reason. */
static bool parse_file(const struct tool *t, const uint8_t *b, size_t len, struct saved *sv,
                       struct sbuf *out)
{
    struct cur c = { .p = b, .n = len };
    const uint8_t *magic = take_bytes(&c, 8);
    uint64_t base, size;

    if (!magic || memcmp(magic, FILE_MAGIC, 8) || take_le(&c, 4) != FILE_VERSION) {
        sb_printf(out, "not a vsmmu tool save file (version %u)", FILE_VERSION);
        return false;
    }
    base = take_le(&c, 8);
    size = take_le(&c, 8);
    if (!c.bad && (base != t->ram_base || size != t->ram_size)) {
        sb_printf(out, "saved with guest RAM 0x%llx+0x%llx, this run has 0x%llx+0x%llx",
                  (unsigned long long)base, (unsigned long long)size,
                  (unsigned long long)t->ram_base, (unsigned long long)t->ram_size);
        return false;
    }
    sv->npages = (uint32_t)take_le(&c, 4);
    sv->pages = c;
    for (uint32_t i = 0; i < sv->npages && !c.bad; i++) {
        uint64_t off = take_le(&c, 8);
        if (c.bad || off % TOOL_PAGE || off >= t->ram_size)
            c.bad = true;
        else
            take_bytes(&c, page_len(t, off / TOOL_PAGE));
    }
    sv->nirqs = (uint32_t)take_le(&c, 4);
    sv->irqs = c;
    for (uint32_t i = 0; i < sv->nirqs && !c.bad; i++) {
        int32_t line = (int32_t)take_le(&c, 4);
        take_le(&c, 12);
        if (line != TOOL_MSI && (line < 0 || line > VSMMU_IRQ_GERROR))
            c.bad = true;
    }
    sv->overflow = (uint32_t)take_le(&c, 4);
    sv->ndevs = (uint32_t)take_le(&c, 4);
    sv->devs = c;
    take_bytes(&c, 4ull * sv->ndevs);
    sv->nfails = (uint32_t)take_le(&c, 4);
    sv->fails = c;
    for (uint32_t i = 0; i < sv->nfails && !c.bad; i++)
        if (take_le(&c, 4) >= VSMMU_SIM_NR_OPS || take_le(&c, 4) == 0 || take_le(&c, 4) == 0)
            c.bad = true;
    if (!c.bad && (sv->ndevs || sv->nfails) && !t->sim) {
        sb_printf(out, "the file has passthrough devices: run with --set accel=on");
        return false;
    }
    sv->state_len = (size_t)take_le(&c, 8);
    sv->state = take_bytes(&c, sv->state_len);
    if (c.bad || c.n) {
        sb_printf(out, "malformed save file");
        return false;
    }
    return true;
}

enum answer cmd_load(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    struct saved sv;
    size_t len = 0;
    uint8_t *file;
    int rc;

    (void)argc;
    file = read_file(argv[0], &len, out);
    if (!file)
        return ANS_ERR;
    if (!parse_file(t, file, len, &sv, out)) {
        free(file);
        return ANS_ERR;
    }

    /* The destination: a fresh instance (and simulated kernel), guest RAM
     * and the interrupt controller as the source left them. */
    tool_instance_destroy(t);
    for (uint64_t p = 0; p < npages(t); p++)
        if (page_dirty(t, p))
            memset(t->ram + p * TOOL_PAGE, 0, page_len(t, p));
    memset(t->dirty, 0, (npages(t) + 7) / 8);
    for (uint32_t i = 0; i < sv.npages; i++) {
        uint64_t off = take_le(&sv.pages, 8), n = page_len(t, off / TOOL_PAGE);
        memcpy(t->ram + off, take_bytes(&sv.pages, n), n);
        tool_ram_written(t, t->ram_base + off, n);
    }
    t->nirqs = 0;
    for (uint32_t i = 0; i < sv.nirqs; i++) {
        struct tool_irq q;
        q.line = (int32_t)take_le(&sv.irqs, 4);
        q.addr = take_le(&sv.irqs, 8);
        q.data = (uint32_t)take_le(&sv.irqs, 4);
        tool_record_irq(t, q);
    }
    t->irq_overflow = sv.overflow != 0;
    rc = tool_instance_create(t);
    if (rc) {
        free(file);
        sb_printf(out, "cannot create the destination instance");
        return ANS_ERR;
    }
    rc = vsmmu_state_load(t->s, sv.state, sv.state_len);
    if (rc) {
        free(file);
        sb_printf(out, "vsmmu_state_load failed: ");
        sb_errno(out, rc);
        return ANS_ERR;
    }
    /* The VMM re-attaches its passthrough devices on the new host. */
    for (uint32_t i = 0; i < sv.ndevs; i++) {
        uint32_t vsid = (uint32_t)take_le(&sv.devs, 4);
        if (tool_attach(t, vsid, out) != ANS_OK) {
            free(file);
            return ANS_ERR;
        }
    }
    for (uint32_t i = 0; i < sv.nfails; i++) {
        int op = (int)take_le(&sv.fails, 4);
        unsigned nth = (unsigned)take_le(&sv.fails, 4);
        int err = (int)take_le(&sv.fails, 4);
        vsmmu_sim_fail(t->sim, (enum vsmmu_sim_op)op, nth, err);
        tool_note_fail(t, op, nth, err);
    }
    free(file);
    return ANS_OK;
}
