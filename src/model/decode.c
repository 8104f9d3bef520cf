// SPDX-License-Identifier: MIT
/*
 * Text for people: event records, commands, STEs, CDs and register values
 * (include/vsmmu_decode.h).  Field positions come from src/arch/arch_fields.h;
 * the formats are summarised in docs/spec-notes.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>

#include "vsmmu.h"
#include "vsmmu_decode.h"
#include "arch/arch_fields.h"

/* An snprintf-like text under construction: @need counts every byte asked
 * for, whether or not it fitted. */
struct text {
    char *buf;
    size_t len;
    size_t need;
};

__attribute__((format(printf, 2, 3)))
static void put(struct text *t, const char *fmt, ...)
{
    size_t room = t->need < t->len ? t->len - t->need : 0;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(room ? t->buf + t->need : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->need += (size_t)n;
}

static int start(struct text *t, const void *in, char *buf, size_t len)
{
    if (!in || (!buf && len))
        return -EINVAL;
    t->buf = buf;
    t->len = len;
    t->need = 0;
    if (len)
        buf[0] = '\0';
    return 0;
}

static int finish(const struct text *t)
{
    return t->need > (size_t)0x7fffffff ? 0x7fffffff : (int)t->need;
}

static void le_dwords(const uint8_t *b, uint64_t *dw, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        dw[i] = 0;
        for (unsigned j = 8; j-- > 0;)
            dw[i] = dw[i] << 8 | b[8 * i + j];
    }
}

#define GET(dw, f) ((unsigned long long)st_get(dw, f))
#define RAW(dw, f) ((unsigned long long)st_raw(dw, f))

/* ---- event records ------------------------------------------------------ */

static const char *class_name(unsigned c)
{
    static const char *const n[] = { "CD (CD fetch)", "TT (translation table walk)",
                                     "IN (input address)", "reserved" };
    return n[c & 3];
}

int vsmmu_decode_event(const uint8_t rec[32], char *buf, size_t len)
{
    struct text t;
    uint64_t dw[4];
    unsigned type;
    const char *name;

    if (start(&t, rec, buf, len))
        return -EINVAL;
    le_dwords(rec, dw, 4);
    type = (unsigned)GET(dw, EVT_TYPE);
    name = vsmmu_event_name((uint8_t)type);
    put(&t, "event 0x%02x %s\n", type, name ? name : "(unknown type)");
    put(&t, "StreamID 0x%llx", GET(dw, EVT_SID));
    if (GET(dw, EVT_SSV) || type == EVT_C_BAD_SUBSTREAMID)
        put(&t, ", SubstreamID 0x%llx\n", GET(dw, EVT_SSID));
    else
        put(&t, ", no SubstreamID\n");
    switch (type) {
    case EVT_F_UUT: case EVT_F_STREAM_DISABLED: case EVT_F_TRANSL_FORBIDDEN:
    case EVT_F_WALK_EABT: case EVT_F_TRANSLATION: case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS: case EVT_F_PERMISSION: case EVT_F_TLB_CONFLICT:
        put(&t, "access: %s, %s, %s\n", GET(dw, EVT_RNW) ? "read" : "write",
            GET(dw, EVT_IND) ? "instruction" : "data",
            GET(dw, EVT_PNU) ? "privileged" : "unprivileged");
        put(&t, "InputAddr 0x%llx\n", (unsigned long long)dw[2]);
        break;
    case EVT_F_BAD_ATS_TREQ:
        put(&t, "ATS request:%s%s%s%s, Span %llu\n", GET(dw, EVT_ATS_R) ? " R" : "",
            GET(dw, EVT_ATS_W) ? " W" : "", GET(dw, EVT_ATS_X) ? " X" : "",
            GET(dw, EVT_ATS_P) ? " P" : "", GET(dw, EVT_ATS_SPAN));
        /* this record carries InputAddr[63:12] only */
        put(&t, "InputAddr 0x%llx\n", (unsigned long long)(dw[2] & ~0xfffull));
        break;
    default:
        break;
    }
    switch (type) {
    case EVT_F_WALK_EABT: case EVT_F_TRANSLATION: case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS: case EVT_F_PERMISSION:
        if (GET(dw, EVT_S2))
            put(&t, "stage 2, CLASS %s, IPA 0x%llx\n", class_name((unsigned)GET(dw, EVT_CLASS)),
                RAW(dw, EVT_IPA));
        else
            put(&t, "stage 1\n");
        break;
    default:
        break;
    }
    switch (type) {
    case EVT_F_STE_FETCH: case EVT_F_CD_FETCH: case EVT_F_WALK_EABT: case EVT_F_VMS_FETCH:
        put(&t, "FetchAddr 0x%llx\n", RAW(dw, EVT_FETCHADDR));
        break;
    default:
        break;
    }
    return finish(&t);
}

/* ---- commands ----------------------------------------------------------- */

static const struct { unsigned op; const char *name; } opnames[] = {
    { OP_PREFETCH_CONFIG, "PREFETCH_CONFIG" }, { OP_PREFETCH_ADDR, "PREFETCH_ADDR" },
    { OP_CFGI_STE, "CFGI_STE" }, { OP_CFGI_STE_RANGE, "CFGI_STE_RANGE" },
    { OP_CFGI_CD, "CFGI_CD" }, { OP_CFGI_CD_ALL, "CFGI_CD_ALL" },
    { OP_CFGI_VMS_PIDM, "CFGI_VMS_PIDM" }, { OP_TLBI_NH_ALL, "TLBI_NH_ALL" },
    { OP_TLBI_NH_ASID, "TLBI_NH_ASID" }, { OP_TLBI_NH_VA, "TLBI_NH_VA" },
    { OP_TLBI_NH_VAA, "TLBI_NH_VAA" }, { OP_TLBI_EL3_ALL, "TLBI_EL3_ALL" },
    { OP_TLBI_EL3_VA, "TLBI_EL3_VA" }, { OP_TLBI_EL2_ALL, "TLBI_EL2_ALL" },
    { OP_TLBI_EL2_ASID, "TLBI_EL2_ASID" }, { OP_TLBI_EL2_VA, "TLBI_EL2_VA" },
    { OP_TLBI_EL2_VAA, "TLBI_EL2_VAA" }, { OP_TLBI_S12_VMALL, "TLBI_S12_VMALL" },
    { OP_TLBI_S2_IPA, "TLBI_S2_IPA" }, { OP_TLBI_NSNH_ALL, "TLBI_NSNH_ALL" },
    { OP_ATC_INV, "ATC_INV" }, { OP_PRI_RESP, "PRI_RESP" }, { OP_RESUME, "RESUME" },
    { OP_STALL_TERM, "STALL_TERM" }, { OP_SYNC, "CMD_SYNC" },
};

int vsmmu_decode_command(const uint8_t cmd[16], char *buf, size_t len)
{
    static const char *const cs[] = { "none", "SIG_IRQ", "SIG_SEV", "reserved" };
    struct text t;
    uint64_t dw[2];
    unsigned op;
    const char *name = NULL;

    if (start(&t, cmd, buf, len))
        return -EINVAL;
    le_dwords(cmd, dw, 2);
    op = (unsigned)GET(dw, CMD_OP);
    for (size_t i = 0; i < sizeof(opnames) / sizeof(opnames[0]); i++)
        if (opnames[i].op == op)
            name = opnames[i].name;
    put(&t, "command 0x%02x %s", op, name ? name : "(illegal opcode)");
    switch (op) {
    case OP_CFGI_STE: case OP_PREFETCH_CONFIG: case OP_CFGI_CD_ALL:
        put(&t, " StreamID 0x%llx", GET(dw, CMD_SID));
        break;
    case OP_CFGI_STE_RANGE:
        if (GET(dw, CMD_RANGE) == CFGI_RANGE_ALL)
            put(&t, " (CFGI_ALL)");
        else
            put(&t, " StreamID 0x%llx Range %llu", GET(dw, CMD_SID), GET(dw, CMD_RANGE));
        break;
    case OP_CFGI_CD:
        put(&t, " StreamID 0x%llx SubstreamID 0x%llx Leaf %llu", GET(dw, CMD_SID),
            GET(dw, CMD_SSID), GET(dw, CMD_LEAF));
        break;
    case OP_TLBI_NH_ASID:
        put(&t, " VMID 0x%llx ASID 0x%llx", GET(dw, CMD_VMID), GET(dw, CMD_ASID));
        break;
    case OP_TLBI_NH_ALL: case OP_TLBI_S12_VMALL:
        put(&t, " VMID 0x%llx", GET(dw, CMD_VMID));
        break;
    case OP_TLBI_NH_VA: case OP_TLBI_NH_VAA: case OP_TLBI_S2_IPA:
    case OP_TLBI_EL2_VA: case OP_TLBI_EL2_VAA:
        put(&t, " VMID 0x%llx ASID 0x%llx Addr 0x%llx Leaf %llu NUM %llu SCALE %llu TG %llu "
            "TTL %llu", GET(dw, CMD_VMID), GET(dw, CMD_ASID), RAW(dw, CMD_ADDR),
            GET(dw, CMD_LEAF), GET(dw, CMD_NUM), GET(dw, CMD_SCALE), GET(dw, CMD_TG),
            GET(dw, CMD_TTL));
        break;
    case OP_SYNC:
        put(&t, " CS %s", cs[GET(dw, CMD_SYNC_CS) & 3]);
        if (st_raw(dw, CMD_SYNC_MSIADDR))
            put(&t, " MSIAddr 0x%llx MSIData 0x%llx", RAW(dw, CMD_SYNC_MSIADDR),
                GET(dw, CMD_SYNC_MSIDATA));
        break;
    default:
        break;
    }
    put(&t, "\n");
    return finish(&t);
}

/* ---- STE and CD --------------------------------------------------------- */

int vsmmu_decode_ste(const uint8_t ste[64], char *buf, size_t len)
{
    static const char *const cfg[8] = { "abort", "abort", "abort", "abort", "bypass",
                                        "stage 1", "stage 2", "nested (stage 1 + 2)" };
    struct text t;
    uint64_t dw[8];

    if (start(&t, ste, buf, len))
        return -EINVAL;
    le_dwords(ste, dw, 8);
    put(&t, "STE V=%llu Config=%llu (%s)\n", GET(dw, STE_V), GET(dw, STE_CONFIG),
        cfg[GET(dw, STE_CONFIG) & 7]);
    if (GET(dw, STE_CONFIG) & 1)
        put(&t, "  S1ContextPtr 0x%llx S1Fmt %llu S1CDMax %llu S1DSS %llu\n",
            RAW(dw, STE_S1CTXPTR), GET(dw, STE_S1FMT), GET(dw, STE_S1CDMAX), GET(dw, STE_S1DSS));
    if (GET(dw, STE_CONFIG) & 2)
        put(&t, "  S2VMID 0x%llx S2T0SZ %llu S2SL0 %llu S2TG %llu S2PS %llu S2AA64 %llu "
            "S2TTB 0x%llx\n", GET(dw, STE_S2VMID), GET(dw, STE_S2T0SZ), GET(dw, STE_S2SL0),
            GET(dw, STE_S2TG), GET(dw, STE_S2PS), GET(dw, STE_S2AA64), RAW(dw, STE_S2TTB));
    return finish(&t);
}

int vsmmu_decode_cd(const uint8_t cd[64], char *buf, size_t len)
{
    static const char *const tg0[] = { "4K", "64K", "16K", "reserved" };
    static const char *const tg1[] = { "reserved", "16K", "4K", "64K" };
    struct text t;
    uint64_t dw[8];

    if (start(&t, cd, buf, len))
        return -EINVAL;
    le_dwords(cd, dw, 8);
    put(&t, "CD V=%llu AA64=%llu ASID 0x%llx IPS %llu A=%llu R=%llu S=%llu WXN=%llu AFFD=%llu\n",
        GET(dw, CD_V), GET(dw, CD_AA64), GET(dw, CD_ASID), GET(dw, CD_IPS), GET(dw, CD_A),
        GET(dw, CD_R), GET(dw, CD_S), GET(dw, CD_WXN), GET(dw, CD_AFFD));
    put(&t, "  TTB0 0x%llx T0SZ %llu (%llu-bit input) TG0 %s EPD0=%llu TBI0=%llu\n",
        RAW(dw, CD_TTB0), GET(dw, CD_T0SZ), 64 - GET(dw, CD_T0SZ), tg0[GET(dw, CD_TG0) & 3],
        GET(dw, CD_EPD0), GET(dw, CD_TBI0));
    put(&t, "  TTB1 0x%llx T1SZ %llu TG1 %s EPD1=%llu TBI1=%llu\n", RAW(dw, CD_TTB1),
        GET(dw, CD_T1SZ), tg1[GET(dw, CD_TG1) & 3], GET(dw, CD_EPD1), GET(dw, CD_TBI1));
    put(&t, "  MAIR 0x%016llx\n", GET(dw, CD_MAIR));
    return finish(&t);
}

/* ---- registers ---------------------------------------------------------- */

/* A field of a register: a one-bit field is printed by name when set, a
 * wider one as NAME=value. */
struct reg_field {
    const char *name;
    unsigned hi, lo;
};
#define FLD(name, f) { name, f }
#define BIT(name, b) { name, b, b }
#define END { NULL, 0, 0 }

static const struct reg_field cr0_fields[] = {
    BIT("SMMUEN", 0), BIT("PRIQEN", 1), BIT("EVENTQEN", 2), BIT("CMDQEN", 3),
    BIT("ATSCHK", 4), END };
static const struct reg_field irq_ctrl_fields[] = {
    BIT("GERROR_IRQEN", 0), BIT("PRIQ_IRQEN", 1), BIT("EVENTQ_IRQEN", 2), END };
static const struct reg_field gerror_fields[] = {
    BIT("CMDQ_ERR", 0), BIT("EVENTQ_ABT_ERR", 2), BIT("PRIQ_ABT_ERR", 3),
    BIT("MSI_CMDQ_ABT_ERR", 4), BIT("MSI_EVENTQ_ABT_ERR", 5), BIT("MSI_PRIQ_ABT_ERR", 6),
    BIT("MSI_GERROR_ABT_ERR", 7), BIT("SFM_ERR", 8), END };
static const struct reg_field gbpa_fields[] = { BIT("ABORT", 20), BIT("UPDATE", 31), END };
static const struct reg_field idr0_fields[] = {
    FLD("S2P", IDR0_S2P), FLD("S1P", IDR0_S1P), FLD("TTF", IDR0_TTF),
    FLD("COHACC", IDR0_COHACC), FLD("BTM", IDR0_BTM), FLD("HTTU", IDR0_HTTU),
    FLD("Hyp", IDR0_HYP), FLD("ATS", IDR0_ATS), FLD("ASID16", IDR0_ASID16),
    FLD("MSI", IDR0_MSI), FLD("SEV", IDR0_SEV), FLD("PRI", IDR0_PRI),
    FLD("VMID16", IDR0_VMID16), FLD("CD2L", IDR0_CD2L), FLD("TTENDIAN", IDR0_TTENDIAN),
    FLD("STALL_MODEL", IDR0_STALL_MODEL), FLD("TERM_MODEL", IDR0_TERM_MODEL),
    FLD("ST_LEVEL", IDR0_ST_LEVEL), END };
static const struct reg_field idr1_fields[] = {
    FLD("SIDSIZE", IDR1_SIDSIZE), FLD("SSIDSIZE", IDR1_SSIDSIZE), FLD("PRIQS", IDR1_PRIQS),
    FLD("EVENTQS", IDR1_EVENTQS), FLD("CMDQS", IDR1_CMDQS), END };
static const struct reg_field idr5_fields[] = {
    FLD("OAS", IDR5_OAS), FLD("GRAN4K", IDR5_GRAN4K), FLD("GRAN16K", IDR5_GRAN16K),
    FLD("GRAN64K", IDR5_GRAN64K), END };
#undef FLD
#undef BIT
#undef END

enum reg_kind { REG_FIELDS, REG_FLAGS, REG_QUEUE_PROD, REG_QUEUE_CONS, REG_CMDQ_CONS };

static const struct reg_desc {
    const char *name;
    uint64_t offset;
    enum reg_kind kind;
    const struct reg_field *fields;
} regs[] = {
    { "IDR0", R_IDR0, REG_FIELDS, idr0_fields },
    { "IDR1", R_IDR1, REG_FIELDS, idr1_fields },
    { "IDR5", R_IDR5, REG_FIELDS, idr5_fields },
    { "CR0", R_CR0, REG_FLAGS, cr0_fields },
    { "CR0ACK", R_CR0ACK, REG_FLAGS, cr0_fields },
    { "GBPA", R_GBPA, REG_FLAGS, gbpa_fields },
    { "IRQ_CTRL", R_IRQ_CTRL, REG_FLAGS, irq_ctrl_fields },
    { "IRQ_CTRLACK", R_IRQ_CTRLACK, REG_FLAGS, irq_ctrl_fields },
    { "GERROR", R_GERROR, REG_FLAGS, gerror_fields },
    { "GERRORN", R_GERRORN, REG_FLAGS, gerror_fields },
    { "CMDQ_PROD", R_CMDQ_PROD, REG_QUEUE_PROD, NULL },
    { "CMDQ_CONS", R_CMDQ_CONS, REG_CMDQ_CONS, NULL },
    { "EVENTQ_PROD", R_EVENTQ_PROD, REG_QUEUE_PROD, NULL },
    { "EVENTQ_CONS", R_EVENTQ_CONS, REG_QUEUE_CONS, NULL },
};

static void put_fields(struct text *t, uint64_t v, const struct reg_field *f, bool flags_only)
{
    const char *sep = "";

    for (; f->name; f++) {
        unsigned long long x = fld_get(v, f->hi, f->lo);

        if (f->hi != f->lo)
            put(t, "%s%s=%llu", sep, f->name, x);
        else if (x)
            put(t, "%s%s", sep, f->name);
        else
            continue;
        sep = " ";
    }
    if (!*sep && flags_only)
        put(t, "(none set)");
}

int vsmmu_decode_register(uint64_t offset, uint64_t value, char *buf, size_t len)
{
    static const char *const cerr[] = { "none", "CERROR_ILL", "CERROR_ABT",
                                        "CERROR_ATC_INV_SYNC" };
    const struct reg_desc *r = NULL;
    struct text t;

    if (start(&t, "", buf, len))
        return -EINVAL;
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        if (regs[i].offset == offset)
            r = &regs[i];
    if (!r)
        return -ENOENT;
    switch (r->kind) {
    case REG_FIELDS:
    case REG_FLAGS:
        put_fields(&t, value, r->fields, r->kind == REG_FLAGS);
        break;
    case REG_QUEUE_PROD:
    case REG_QUEUE_CONS:
    case REG_CMDQ_CONS:
        put(&t, "index/wrap 0x%llx", (unsigned long long)fld_get(value, Q_IDX_WR));
        if (r->kind == REG_CMDQ_CONS) {
            unsigned e = (unsigned)fld_get(value, CMDQ_CONS_ERR);
            put(&t, ", ERR %s", e < 4 ? cerr[e] : "reserved");
        } else if (fld_get(value, Q_OVFLG)) {
            put(&t, r->kind == REG_QUEUE_PROD ? ", OVFLG" : ", OVACKFLG");
        }
        break;
    }
    return finish(&t);
}

int64_t vsmmu_decode_register_offset(const char *name)
{
    if (!name)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        if (!strcasecmp(regs[i].name, name))
            return (int64_t)regs[i].offset;
    return -ENOENT;
}
