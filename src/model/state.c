// SPDX-License-Identifier: MIT
/*
 * Save and restore (vsmmu_state.h).  The format (docs/state.md):
 *
 *   header, 32 bytes:  magic "VSMMUST\0", u16 major, u16 minor,
 *                      u32 header length (32), u32 total length, u32 flags,
 *                      u32 CRC-32 of the whole blob with this field as 0,
 *                      u32 0
 *   sections:          u16 id, u16 flags, u32 payload length, payload
 *
 * All little-endian.  A reader takes the sections it knows (a longer
 * payload than it knows: the extra tail is a newer minor version's fields
 * and is ignored), skips unknown ones unless their MANDATORY flag is set,
 * and refuses a newer major version.  A load is atomic: the whole blob is
 * parsed and checked into locals first, then committed under the lock.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model/state.h"
#include "vsmmu_state.h"

#define ST_MAGIC "VSMMUST"      /* with its NUL: 8 bytes */
#define ST_HDR_LEN 32u
#define ST_SEC_HDR_LEN 8u
#define ST_SEC_MANDATORY 1u     /* section flag: a reader must know the id */

enum {
    SEC_CONFIG = 1,
    SEC_REGS = 2,
    SEC_COUNTERS = 3,
    SEC_ACCEL = 4,
};

/* ---- the registers, in their order in the REGS section ------------------ */

struct reg_desc {
    const char *name;
    uint32_t off;       /* R_* (for vsmmu_reg_storable) */
    uint8_t bytes;      /* 4 or 8 */
    size_t field;       /* offset in struct vsmmu */
};
#define R4(n, f) { #n, R_##n, 4, offsetof(struct vsmmu, f) }
#define R8(n, f) { #n, R_##n, 8, offsetof(struct vsmmu, f) }
/* Append only: the order is the format. */
static const struct reg_desc regs[] = {
    R4(CR0, cr0), R4(CR0ACK, cr0ack), R4(CR1, cr1), R4(CR2, cr2),
    R4(GBPA, gbpa), R4(AGBPA, agbpa), R4(IRQ_CTRL, irq_ctrl), R4(IRQ_CTRLACK, irq_ctrlack),
    R4(GERROR, gerror), R4(GERRORN, gerrorn), R8(GERROR_IRQ_CFG0, gerror_irq_cfg0),
    R4(GERROR_IRQ_CFG1, gerror_irq_cfg1), R4(GERROR_IRQ_CFG2, gerror_irq_cfg2),
    R8(STRTAB_BASE, strtab_base), R4(STRTAB_BASE_CFG, strtab_base_cfg),
    R8(CMDQ_BASE, cmdq.base), R4(CMDQ_PROD, cmdq.prod), R4(CMDQ_CONS, cmdq.cons),
    R8(EVENTQ_BASE, eventq.base), R4(EVENTQ_PROD, eventq.prod), R4(EVENTQ_CONS, eventq.cons),
    R8(EVENTQ_IRQ_CFG0, eventq.irq_cfg0), R4(EVENTQ_IRQ_CFG1, eventq.irq_cfg1),
    R4(EVENTQ_IRQ_CFG2, eventq.irq_cfg2),
    R8(PRIQ_BASE, priq.base), R4(PRIQ_PROD, priq.prod), R4(PRIQ_CONS, priq.cons),
    R8(PRIQ_IRQ_CFG0, priq.irq_cfg0), R4(PRIQ_IRQ_CFG1, priq.irq_cfg1),
    R4(PRIQ_IRQ_CFG2, priq.irq_cfg2),
};
#undef R4
#undef R8
#define NREGS (sizeof(regs) / sizeof(regs[0]))

static uint64_t reg_get(const struct vsmmu *s, const struct reg_desc *r)
{
    const char *p = (const char *)s + r->field;
    return r->bytes == 8 ? *(const uint64_t *)(const void *)p : *(const uint32_t *)(const void *)p;
}

/* Atomic stores: some of these registers (CR0, GBPA, the stream table
 * base) are read by the lock-free translation path (VSMMU_STORE). */
static void reg_set(struct vsmmu *s, const struct reg_desc *r, uint64_t v)
{
    char *p = (char *)s + r->field;
    if (r->bytes == 8)
        VSMMU_STORE(*(uint64_t *)(void *)p, v);
    else
        VSMMU_STORE(*(uint32_t *)(void *)p, (uint32_t)v);
}

static size_t regs_size(void)
{
    size_t n = 0;
    for (size_t i = 0; i < NREGS; i++)
        n += regs[i].bytes;
    return n;
}

/* ---- the configuration fingerprint -------------------------------------- */

/* Behaviour flags that must match (VSMMU_FLAG_TRACE is the VMM's choice). */
#define FP_FLAGS ((uint32_t)VSMMU_FLAG_QEMU_EVENTQ_FULL)
#define FP_WORDS 10

static void fingerprint(const struct vsmmu *s, uint32_t fp[FP_WORDS])
{
    for (unsigned i = 0; i < 6; i++)
        fp[i] = s->idr[i];
    fp[6] = s->iidr;
    fp[7] = s->aidr;
    fp[8] = s->cfg.accel ? 1 : 0;
    fp[9] = s->cfg.flags & FP_FLAGS;
}

static const char *const fp_names[FP_WORDS] = {
    "IDR0", "IDR1", "IDR2", "IDR3", "IDR4", "IDR5", "IIDR", "AIDR", "accel mode", "flags",
};

/* ---- counters ------------------------------------------------------------ */

#define NCOUNTERS 8

static void counters_get(struct vsmmu *s, uint64_t c[NCOUNTERS])
{
    c[0] = s->stats.commands;
    c[1] = s->stats.events;
    c[2] = s->stats.events_dropped;
    c[3] = vsmmu_xlate_hits(s);
    c[4] = __atomic_load_n(&s->stats.tlb_misses, __ATOMIC_RELAXED);
    c[5] = s->stats.delivered;
    c[6] = s->stats.host_lost;
    c[7] = s->stats.dropped;
}

static void counters_set(struct vsmmu *s, const uint64_t c[NCOUNTERS])
{
    /* vsmmu_xlate_hits() adds the per-thread slots to stats.tlb_hits: set
     * the base so that the sum is the saved value (unsigned arithmetic). */
    uint64_t slots = vsmmu_xlate_hits(s) - __atomic_load_n(&s->stats.tlb_hits, __ATOMIC_RELAXED);

    s->stats.commands = c[0];
    s->stats.events = c[1];
    s->stats.events_dropped = c[2];
    __atomic_store_n(&s->stats.tlb_hits, c[3] - slots, __ATOMIC_RELAXED);
    __atomic_store_n(&s->stats.tlb_misses, c[4], __ATOMIC_RELAXED);
    s->stats.delivered = c[5];
    s->stats.host_lost = c[6];
    s->stats.dropped = c[7];
}

/* ---- CRC-32 (IEEE 802.3, reflected 0xEDB88320) ---------------------------- */

#define ST_CRC_OFF 24u

static uint32_t crc32_add(uint32_t c, const uint8_t *p, size_t n)
{
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c;
}

/* The blob's CRC: every byte, the CRC field counted as zero. */
static uint32_t blob_crc(const uint8_t *b, size_t len)
{
    static const uint8_t zero[4];
    uint32_t c = 0xffffffffu;

    c = crc32_add(c, b, ST_CRC_OFF);
    c = crc32_add(c, zero, sizeof(zero));
    c = crc32_add(c, b + ST_CRC_OFF + 4, len - ST_CRC_OFF - 4);
    return ~c;
}

/* ---- save ------------------------------------------------------------------ */

static size_t state_size(const struct vsmmu *s)
{
    size_t n = ST_HDR_LEN;

    n += ST_SEC_HDR_LEN + 4u * FP_WORDS;
    n += ST_SEC_HDR_LEN + regs_size();
    n += ST_SEC_HDR_LEN + 8u * NCOUNTERS;
    if (s->cfg.accel)
        n += ST_SEC_HDR_LEN + vsmmu_accel_state_size(s);
    return n;
}

static void sec_header(struct st_out *o, unsigned id, unsigned flags, size_t len)
{
    st_put(o, id, 2);
    st_put(o, flags, 2);
    st_put(o, len, 4);
}

int vsmmu_state_save(vsmmu_t *s, void *buf, size_t len, size_t *needed)
{
    struct st_out o;
    uint32_t fp[FP_WORDS];
    uint64_t c[NCOUNTERS];
    size_t size;
    uint8_t *b = buf;

    if (!s)
        return -EINVAL;
    if (vsmmu_lock(s))
        return -EDEADLK;
    size = state_size(s);
    if (needed)
        *needed = size;
    if (!buf || len < size || size > UINT32_MAX) {
        vsmmu_unlock(s);
        return -ENOSPC;
    }
    if (s->cfg.accel)
        vsmmu_accel_state_drain_lost(s);

    o.p = b + ST_HDR_LEN;
    fingerprint(s, fp);
    sec_header(&o, SEC_CONFIG, ST_SEC_MANDATORY, 4u * FP_WORDS);
    for (unsigned i = 0; i < FP_WORDS; i++)
        st_put(&o, fp[i], 4);
    sec_header(&o, SEC_REGS, ST_SEC_MANDATORY, regs_size());
    for (size_t i = 0; i < NREGS; i++)
        st_put(&o, reg_get(s, &regs[i]), regs[i].bytes);
    counters_get(s, c);
    sec_header(&o, SEC_COUNTERS, 0, 8u * NCOUNTERS);
    for (unsigned i = 0; i < NCOUNTERS; i++)
        st_put(&o, c[i], 8);
    if (s->cfg.accel) {
        sec_header(&o, SEC_ACCEL, ST_SEC_MANDATORY, vsmmu_accel_state_size(s));
        vsmmu_accel_state_write(s, &o);
    }
    vsmmu_unlock(s);

    o.p = b;
    memcpy(o.p, ST_MAGIC, 8);
    o.p += 8;
    st_put(&o, VSMMU_STATE_VERSION_MAJOR, 2);
    st_put(&o, VSMMU_STATE_VERSION_MINOR, 2);
    st_put(&o, ST_HDR_LEN, 4);
    st_put(&o, size, 4);
    st_put(&o, 0, 4);                                   /* flags */
    st_put(&o, 0, 4);                                   /* CRC, below */
    st_put(&o, 0, 4);
    o.p = b + ST_CRC_OFF;
    st_put(&o, blob_crc(b, size), 4);
    return 0;
}

/* ---- load ------------------------------------------------------------------ */

/* The sections of a blob, found by parse_sections(). */
struct sections {
    struct st_in sec[SEC_ACCEL + 1];
    bool have[SEC_ACCEL + 1];
};

#define REFUSE(s, rc, ...) \
    do { vsmmu_log((s), VSMMU_LOG_ERROR, "state load refused: " __VA_ARGS__); return (rc); } while (0)

static int parse_header(struct vsmmu *s, const uint8_t *b, size_t len, struct st_in *body)
{
    struct st_in in = { .p = b, .n = len };
    unsigned major, minor;
    uint32_t hdr_len, total, flags, crc, rsvd;

    if (len < ST_HDR_LEN)
        REFUSE(s, -EBADMSG, "%zu bytes are too few for a vsmmu state", len);
    if (memcmp(b, ST_MAGIC, 8))
        REFUSE(s, -EBADMSG, "not a vsmmu state (bad magic)");
    in.p += 8;
    in.n -= 8;
    major = (unsigned)st_take(&in, 2);
    minor = (unsigned)st_take(&in, 2);
    hdr_len = (uint32_t)st_take(&in, 4);
    total = (uint32_t)st_take(&in, 4);
    flags = (uint32_t)st_take(&in, 4);
    crc = (uint32_t)st_take(&in, 4);
    rsvd = (uint32_t)st_take(&in, 4);
    if (major != VSMMU_STATE_VERSION_MAJOR)
        REFUSE(s, -EPROTO, "format version %u.%u; this library reads %u.x", major, minor,
               VSMMU_STATE_VERSION_MAJOR);
    if (total != len)
        REFUSE(s, -EBADMSG, "the header says %u bytes, the blob has %zu (truncated or padded)",
               total, len);
    if (blob_crc(b, len) != crc)
        REFUSE(s, -EBADMSG, "checksum mismatch (corrupted)");
    if (hdr_len != ST_HDR_LEN || flags || rsvd)
        REFUSE(s, -EPROTO, "header length %u, flags 0x%x, reserved 0x%x: a newer format",
               hdr_len, flags, rsvd);
    body->p = b + hdr_len;
    body->n = total - hdr_len;
    body->bad = false;
    return 0;
}

static int parse_sections(struct vsmmu *s, struct st_in body, struct sections *secs)
{
    memset(secs, 0, sizeof(*secs));
    while (body.n) {
        unsigned id = (unsigned)st_take(&body, 2), flags = (unsigned)st_take(&body, 2);
        uint32_t plen = (uint32_t)st_take(&body, 4);

        if (body.bad)
            REFUSE(s, -EBADMSG, "truncated section header");
        if (plen > body.n)
            REFUSE(s, -EBADMSG, "section %u: %u bytes, only %zu left", id, plen, body.n);
        if (id >= 1 && id <= SEC_ACCEL) {
            if (secs->have[id])
                REFUSE(s, -EBADMSG, "section %u appears twice", id);
            secs->have[id] = true;
            secs->sec[id] = (struct st_in){ .p = body.p, .n = plen };
        } else if (flags & ST_SEC_MANDATORY) {
            REFUSE(s, -EPROTO, "mandatory section %u is unknown to this version", id);
        }
        body.p += plen;
        body.n -= plen;
    }
    if (!secs->have[SEC_CONFIG] || !secs->have[SEC_REGS] || !secs->have[SEC_COUNTERS])
        REFUSE(s, -EBADMSG, "a required section (config, registers, counters) is missing");
    if (secs->have[SEC_ACCEL] != s->cfg.accel)
        REFUSE(s, -EINVAL, "the accel section is %s, but the instance is %sin accel mode",
               secs->have[SEC_ACCEL] ? "present" : "missing", s->cfg.accel ? "" : "not ");
    return 0;
}

static int check_config(struct vsmmu *s, struct st_in in)
{
    uint32_t mine[FP_WORDS];

    fingerprint(s, mine);
    for (unsigned i = 0; i < FP_WORDS; i++) {
        uint32_t v = (uint32_t)st_take(&in, 4);
        if (in.bad)
            REFUSE(s, -EBADMSG, "config section too short");
        if (v != mine[i])
            REFUSE(s, -EINVAL, "saved with another configuration: %s 0x%08x, this instance "
                   "0x%08x", fp_names[i], v, mine[i]);
    }
    return 0;
}

static int parse_regs(struct vsmmu *s, struct st_in in, uint64_t val[NREGS])
{
    for (size_t i = 0; i < NREGS; i++) {
        uint64_t bad;

        val[i] = st_take(&in, regs[i].bytes);
        if (in.bad)
            REFUSE(s, -EBADMSG, "register section too short");
        bad = val[i] & ~vsmmu_reg_storable(s, regs[i].off);
        if (bad)
            REFUSE(s, -EINVAL, "%s = 0x%llx has bits 0x%llx this SMMU cannot hold",
                   regs[i].name, (unsigned long long)val[i], (unsigned long long)bad);
    }
    /* Every update completes at once (regs.c). */
    if (val[1] != val[0])
        REFUSE(s, -EINVAL, "CR0ACK 0x%llx differs from CR0 0x%llx", (unsigned long long)val[1],
               (unsigned long long)val[0]);
    if (val[7] != val[6])
        REFUSE(s, -EINVAL, "IRQ_CTRLACK 0x%llx differs from IRQ_CTRL 0x%llx",
               (unsigned long long)val[7], (unsigned long long)val[6]);
    return 0;
}

int vsmmu_state_load(vsmmu_t *s, const void *buf, size_t len)
{
    struct sections secs;
    struct st_in body;
    struct accel_restore *ar = NULL;
    uint64_t val[NREGS], c[NCOUNTERS];
    int rc;

    if (!s || (!buf && len))
        return -EINVAL;
    if (vsmmu_lock(s))
        return -EDEADLK;
    rc = parse_header(s, buf, len, &body);
    if (!rc)
        rc = parse_sections(s, body, &secs);
    if (!rc)
        rc = check_config(s, secs.sec[SEC_CONFIG]);
    if (!rc)
        rc = parse_regs(s, secs.sec[SEC_REGS], val);
    if (!rc) {
        struct st_in in = secs.sec[SEC_COUNTERS];
        for (unsigned i = 0; i < NCOUNTERS; i++)
            c[i] = st_take(&in, 8);
        if (in.bad) {
            vsmmu_log(s, VSMMU_LOG_ERROR, "state load refused: counter section too short");
            rc = -EBADMSG;
        }
    }
    if (!rc && s->cfg.accel)
        rc = vsmmu_accel_state_parse(s, &secs.sec[SEC_ACCEL], &ar);
    if (rc) {
        vsmmu_unlock(s);
        return rc;
    }

    /* Commit: nothing below can fail. */
    for (size_t i = 0; i < NREGS; i++)
        reg_set(s, &regs[i], val[i]);
    s->in_cmdq = false;
    counters_set(s, c);
    vsmmu_xlate_reset(s);
    if (s->inval_fn) {
        struct vsmmu_inval inv = { .struct_size = sizeof(inv), .kind = VSMMU_INVAL_ALL,
                                   .vmid = -1, .asid = -1 };
        s->inval_fn(s->inval_opaque, &inv);
    }
    if (s->cfg.accel)
        vsmmu_accel_state_commit(s, ar);
    vsmmu_trace(s, "state loaded: CR0=0x%08x GERROR=0x%08x GERRORN=0x%08x CMDQ_CONS=0x%08x "
                "EVENTQ_PROD=0x%08x", s->cr0, s->gerror, s->gerrorn, s->cmdq.cons,
                s->eventq.prod);
    vsmmu_unlock(s);
    return 0;
}
