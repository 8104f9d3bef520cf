// SPDX-License-Identifier: MIT
/*
 * `vsmmu decode`: event records, commands, STEs, CDs and a few registers, decoded
 * for a human (used by the narrated demo).  Field positions come from
 * src/fields.h, the project's single definition of every field.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tool.h"
#include "arch/arch_fields.h"

static void le_dwords(const uint8_t *b, uint64_t *dw, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        dw[i] = 0;
        for (int j = 7; j >= 0; j--)
            dw[i] = dw[i] << 8 | b[8 * i + (unsigned)j];
    }
}

#define GET(dw, f) ((unsigned long long)st_get(dw, f))

/* ---- event records ------------------------------------------------------ */

static const char *class_name(unsigned c)
{
    static const char *const n[] = { "CD (CD fetch)", "TT (translation table walk)",
                                     "IN (input address)", "reserved" };
    return n[c & 3];
}

void decode_event(FILE *f, const uint8_t rec[32], const char *in)
{
    uint64_t dw[4];
    unsigned type;
    const char *name;

    le_dwords(rec, dw, 4);
    type = (unsigned)GET(dw, EVT_TYPE);
    name = vsmmu_event_name((uint8_t)type);
    fprintf(f, "%sevent 0x%02x %s\n", in, type, name ? name : "(unknown type)");
    fprintf(f, "%sStreamID 0x%llx", in, GET(dw, EVT_SID));
    if (GET(dw, EVT_SSV) || type == EVT_C_BAD_SUBSTREAMID)
        fprintf(f, ", SubstreamID 0x%llx\n", GET(dw, EVT_SSID));
    else
        fprintf(f, ", no SubstreamID\n");
    switch (type) {
    case EVT_F_UUT: case EVT_F_STREAM_DISABLED: case EVT_F_TRANSL_FORBIDDEN:
    case EVT_F_WALK_EABT: case EVT_F_TRANSLATION: case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS: case EVT_F_PERMISSION: case EVT_F_TLB_CONFLICT:
        fprintf(f, "%saccess: %s, %s, %s\n", in, GET(dw, EVT_RNW) ? "read" : "write",
                GET(dw, EVT_IND) ? "instruction" : "data",
                GET(dw, EVT_PNU) ? "privileged" : "unprivileged");
        fprintf(f, "%sInputAddr 0x%llx\n", in, (unsigned long long)dw[2]);
        break;
    case EVT_F_BAD_ATS_TREQ:
        fprintf(f, "%sATS request:%s%s%s%s, Span %llu\n", in, GET(dw, EVT_ATS_R) ? " R" : "",
                GET(dw, EVT_ATS_W) ? " W" : "", GET(dw, EVT_ATS_X) ? " X" : "",
                GET(dw, EVT_ATS_P) ? " P" : "", GET(dw, EVT_ATS_SPAN));
        /* the record carries InputAddr[63:12] */
        fprintf(f, "%sInputAddr 0x%llx\n", in, (unsigned long long)(dw[2] & ~0xfffull));
        break;
    default:
        break;
    }
    switch (type) {
    case EVT_F_WALK_EABT: case EVT_F_TRANSLATION: case EVT_F_ADDR_SIZE:
    case EVT_F_ACCESS: case EVT_F_PERMISSION:
        if (GET(dw, EVT_S2))
            fprintf(f, "%sstage 2, CLASS %s, IPA 0x%llx\n", in,
                    class_name((unsigned)GET(dw, EVT_CLASS)),
                    (unsigned long long)st_raw(dw, EVT_IPA));
        else
            fprintf(f, "%sstage 1\n", in);
        break;
    default:
        break;
    }
    switch (type) {
    case EVT_F_STE_FETCH: case EVT_F_CD_FETCH: case EVT_F_WALK_EABT: case EVT_F_VMS_FETCH:
        fprintf(f, "%sFetchAddr 0x%llx\n", in, (unsigned long long)st_raw(dw, EVT_FETCHADDR));
        break;
    default:
        break;
    }
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

static void decode_cmd(FILE *f, const uint8_t raw[16])
{
    uint64_t dw[2];
    unsigned op;
    const char *name = NULL;

    le_dwords(raw, dw, 2);
    op = (unsigned)GET(dw, CMD_OP);
    for (size_t i = 0; i < sizeof(opnames) / sizeof(opnames[0]); i++)
        if (opnames[i].op == op)
            name = opnames[i].name;
    fprintf(f, "command 0x%02x %s", op, name ? name : "(illegal opcode)");
    switch (op) {
    case OP_CFGI_STE: case OP_PREFETCH_CONFIG:
        fprintf(f, " StreamID 0x%llx", GET(dw, CMD_SID));
        break;
    case OP_CFGI_STE_RANGE:
        if (GET(dw, CMD_RANGE) == CFGI_RANGE_ALL)
            fprintf(f, " (CFGI_ALL)");
        else
            fprintf(f, " StreamID 0x%llx Range %llu", GET(dw, CMD_SID), GET(dw, CMD_RANGE));
        break;
    case OP_CFGI_CD:
        fprintf(f, " StreamID 0x%llx SubstreamID 0x%llx Leaf %llu", GET(dw, CMD_SID),
                GET(dw, CMD_SSID), GET(dw, CMD_LEAF));
        break;
    case OP_CFGI_CD_ALL:
        fprintf(f, " StreamID 0x%llx", GET(dw, CMD_SID));
        break;
    case OP_TLBI_NH_ASID:
        fprintf(f, " VMID 0x%llx ASID 0x%llx", GET(dw, CMD_VMID), GET(dw, CMD_ASID));
        break;
    case OP_TLBI_NH_ALL: case OP_TLBI_S12_VMALL:
        fprintf(f, " VMID 0x%llx", GET(dw, CMD_VMID));
        break;
    case OP_TLBI_NH_VA: case OP_TLBI_NH_VAA: case OP_TLBI_S2_IPA:
    case OP_TLBI_EL2_VA: case OP_TLBI_EL2_VAA:
        fprintf(f, " VMID 0x%llx ASID 0x%llx Addr 0x%llx Leaf %llu NUM %llu SCALE %llu "
                "TG %llu TTL %llu", GET(dw, CMD_VMID), GET(dw, CMD_ASID),
                (unsigned long long)st_raw(dw, CMD_ADDR), GET(dw, CMD_LEAF),
                GET(dw, CMD_NUM), GET(dw, CMD_SCALE), GET(dw, CMD_TG), GET(dw, CMD_TTL));
        break;
    case OP_SYNC: {
        static const char *const cs[] = { "none", "SIG_IRQ", "SIG_SEV", "reserved" };
        fprintf(f, " CS %s", cs[GET(dw, CMD_SYNC_CS) & 3]);
        if (st_raw(dw, CMD_SYNC_MSIADDR))
            fprintf(f, " MSIAddr 0x%llx MSIData 0x%llx",
                    (unsigned long long)st_raw(dw, CMD_SYNC_MSIADDR),
                    GET(dw, CMD_SYNC_MSIDATA));
        break;
    }
    default:
        break;
    }
    fputc('\n', f);
}

/* ---- STE ---------------------------------------------------------------- */

static void decode_ste(FILE *f, const uint8_t raw[64])
{
    static const char *const cfg[8] = { "abort", "abort", "abort", "abort", "bypass",
                                        "stage 1", "stage 2", "nested (stage 1 + 2)" };
    uint64_t dw[8];

    le_dwords(raw, dw, 8);
    fprintf(f, "STE V=%llu Config=%llu (%s)\n", GET(dw, STE_V), GET(dw, STE_CONFIG),
            cfg[GET(dw, STE_CONFIG) & 7]);
    if (GET(dw, STE_CONFIG) & 1)
        fprintf(f, "  S1ContextPtr 0x%llx S1Fmt %llu S1CDMax %llu S1DSS %llu\n",
                (unsigned long long)st_raw(dw, STE_S1CTXPTR), GET(dw, STE_S1FMT),
                GET(dw, STE_S1CDMAX), GET(dw, STE_S1DSS));
    if (GET(dw, STE_CONFIG) & 2)
        fprintf(f, "  S2VMID 0x%llx S2T0SZ %llu S2SL0 %llu S2TG %llu S2PS %llu "
                "S2AA64 %llu S2TTB 0x%llx\n", GET(dw, STE_S2VMID), GET(dw, STE_S2T0SZ),
                GET(dw, STE_S2SL0), GET(dw, STE_S2TG), GET(dw, STE_S2PS), GET(dw, STE_S2AA64),
                (unsigned long long)st_raw(dw, STE_S2TTB));
}

/* ---- CD ----------------------------------------------------------------- */

static void decode_cd(FILE *f, const uint8_t raw[64])
{
    static const char *const tg0[] = { "4K", "64K", "16K", "reserved" };
    static const char *const tg1[] = { "reserved", "16K", "4K", "64K" };
    uint64_t dw[8];

    le_dwords(raw, dw, 8);
    fprintf(f, "CD V=%llu AA64=%llu ASID 0x%llx IPS %llu A=%llu R=%llu S=%llu WXN=%llu "
            "AFFD=%llu\n", GET(dw, CD_V), GET(dw, CD_AA64), GET(dw, CD_ASID), GET(dw, CD_IPS),
            GET(dw, CD_A), GET(dw, CD_R), GET(dw, CD_S), GET(dw, CD_WXN), GET(dw, CD_AFFD));
    fprintf(f, "  TTB0 0x%llx T0SZ %llu (%llu-bit input) TG0 %s EPD0=%llu TBI0=%llu\n",
            (unsigned long long)st_raw(dw, CD_TTB0), GET(dw, CD_T0SZ), 64 - GET(dw, CD_T0SZ),
            tg0[GET(dw, CD_TG0) & 3], GET(dw, CD_EPD0), GET(dw, CD_TBI0));
    fprintf(f, "  TTB1 0x%llx T1SZ %llu TG1 %s EPD1=%llu TBI1=%llu\n",
            (unsigned long long)st_raw(dw, CD_TTB1), GET(dw, CD_T1SZ),
            tg1[GET(dw, CD_TG1) & 3], GET(dw, CD_EPD1), GET(dw, CD_TBI1));
    fprintf(f, "  MAIR 0x%016llx\n", GET(dw, CD_MAIR));
}

/* ---- registers ---------------------------------------------------------- */

struct bitname { unsigned bit; const char *name; };

static const struct bitname cr0_bits[] = {
    { 0, "SMMUEN" }, { 1, "PRIQEN" }, { 2, "EVENTQEN" }, { 3, "CMDQEN" }, { 4, "ATSCHK" },
    { 0, NULL } };
static const struct bitname irq_ctrl_bits[] = {
    { 0, "GERROR_IRQEN" }, { 1, "PRIQ_IRQEN" }, { 2, "EVENTQ_IRQEN" }, { 0, NULL } };
static const struct bitname gerror_bits[] = {
    { 0, "CMDQ_ERR" }, { 2, "EVENTQ_ABT_ERR" }, { 3, "PRIQ_ABT_ERR" },
    { 4, "MSI_CMDQ_ABT_ERR" }, { 5, "MSI_EVENTQ_ABT_ERR" }, { 6, "MSI_PRIQ_ABT_ERR" },
    { 7, "MSI_GERROR_ABT_ERR" }, { 8, "SFM_ERR" }, { 0, NULL } };
static const struct bitname gbpa_bits[] = {
    { 20, "ABORT" }, { 31, "UPDATE" }, { 0, NULL } };

static void print_bits(FILE *f, const char *reg, uint64_t v, const struct bitname *b)
{
    bool any = false;
    fprintf(f, "%s 0x%llx:", reg, (unsigned long long)v);
    for (; b->name; b++)
        if (v >> b->bit & 1) {
            fprintf(f, " %s", b->name);
            any = true;
        }
    fprintf(f, "%s\n", any ? "" : " (none set)");
}

/* Multi-bit fields of the ID registers: name, hi, lo. */
struct fieldname { const char *name; unsigned hi, lo; };
#define F(name, f) { name, f }
static const struct fieldname idr0_fields[] = {
    F("S2P", IDR0_S2P), F("S1P", IDR0_S1P), F("TTF", IDR0_TTF), F("COHACC", IDR0_COHACC),
    F("BTM", IDR0_BTM), F("HTTU", IDR0_HTTU), F("Hyp", IDR0_HYP), F("ATS", IDR0_ATS),
    F("ASID16", IDR0_ASID16), F("MSI", IDR0_MSI), F("SEV", IDR0_SEV), F("PRI", IDR0_PRI),
    F("VMID16", IDR0_VMID16), F("CD2L", IDR0_CD2L), F("TTENDIAN", IDR0_TTENDIAN),
    F("STALL_MODEL", IDR0_STALL_MODEL), F("TERM_MODEL", IDR0_TERM_MODEL),
    F("ST_LEVEL", IDR0_ST_LEVEL), { NULL, 0, 0 } };
static const struct fieldname idr1_fields[] = {
    F("SIDSIZE", IDR1_SIDSIZE), F("SSIDSIZE", IDR1_SSIDSIZE), F("PRIQS", IDR1_PRIQS),
    F("EVENTQS", IDR1_EVENTQS), F("CMDQS", IDR1_CMDQS), { NULL, 0, 0 } };
static const struct fieldname idr5_fields[] = {
    F("OAS", IDR5_OAS), F("GRAN4K", IDR5_GRAN4K), F("GRAN16K", IDR5_GRAN16K),
    F("GRAN64K", IDR5_GRAN64K), { NULL, 0, 0 } };
#undef F

static void print_fields(FILE *f, const char *reg, uint64_t v, const struct fieldname *fl)
{
    fprintf(f, "%s 0x%llx:", reg, (unsigned long long)v);
    for (; fl->name; fl++) {
        unsigned long long x = fld_get(v, fl->hi, fl->lo);
        if (fl->hi == fl->lo) {
            if (x)
                fprintf(f, " %s", fl->name);
        } else {
            fprintf(f, " %s=%llu", fl->name, x);
        }
    }
    fputc('\n', f);
}

static void decode_queue_ptr(FILE *f, const char *reg, uint64_t v, bool prod)
{
    static const char *const cerr[] = { "none", "CERROR_ILL", "CERROR_ABT",
                                        "CERROR_ATC_INV_SYNC" };
    unsigned long long wr = fld_get(v, Q_IDX_WR);
    fprintf(f, "%s 0x%llx: index/wrap 0x%llx", reg, (unsigned long long)v, wr);
    if (!strcasecmp(reg, "cmdq_cons")) {
        unsigned e = (unsigned)fld_get(v, CMDQ_CONS_ERR);
        fprintf(f, ", ERR %s", e < 4 ? cerr[e] : "reserved");
    } else if (fld_get(v, Q_OVFLG)) {
        fprintf(f, prod ? ", OVFLG" : ", OVACKFLG");
    }
    fputc('\n', f);
}

static void decode_usage(FILE *f)
{
    fputs("Usage: vsmmu decode event 0xHEX     32-byte event record (64 digits, memory order)\n"
          "       vsmmu decode cmd 0xHEX       16-byte command (32 digits)\n"
          "       vsmmu decode ste 0xHEX       64-byte stream table entry (128 digits)\n"
          "       vsmmu decode cd 0xHEX        64-byte context descriptor (128 digits)\n"
          "       vsmmu decode REG VALUE       REG: idr0 idr1 idr5 cr0 cr0ack irq_ctrl\n"
          "                                    irq_ctrlack gerror gerrorn gbpa\n"
          "                                    cmdq_prod cmdq_cons eventq_prod eventq_cons\n", f);
}

int decode_main(int argc, char **argv)
{
    uint8_t buf[64];
    uint64_t v;

    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        decode_usage(stdout);
        return 0;
    }
    if (argc != 3) {
        decode_usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "event") || !strcmp(argv[1], "cmd") || !strcmp(argv[1], "ste") ||
        !strcmp(argv[1], "cd")) {
        size_t len = argv[1][0] == 'e' ? 32 : !strcmp(argv[1], "cmd") ? 16 : 64;
        if (parse_hex_bytes(argv[2], buf, len)) {
            fprintf(stderr, "vsmmu: decode %s needs 0x and %zu hex digits (memory order)\n",
                    argv[1], 2 * len);
            return 2;
        }
        if (len == 32)
            decode_event(stdout, buf, "");
        else if (len == 16)
            decode_cmd(stdout, buf);
        else if (!strcmp(argv[1], "cd"))
            decode_cd(stdout, buf);
        else
            decode_ste(stdout, buf);
        return 0;
    }
    if (parse_u64(argv[2], &v)) {
        fprintf(stderr, "vsmmu: bad value '%s'\n", argv[2]);
        return 2;
    }
    if (!strcasecmp(argv[1], "cr0") || !strcasecmp(argv[1], "cr0ack"))
        print_bits(stdout, argv[1], v, cr0_bits);
    else if (!strcasecmp(argv[1], "irq_ctrl") || !strcasecmp(argv[1], "irq_ctrlack"))
        print_bits(stdout, argv[1], v, irq_ctrl_bits);
    else if (!strcasecmp(argv[1], "gerror") || !strcasecmp(argv[1], "gerrorn"))
        print_bits(stdout, argv[1], v, gerror_bits);
    else if (!strcasecmp(argv[1], "idr0"))
        print_fields(stdout, argv[1], v, idr0_fields);
    else if (!strcasecmp(argv[1], "idr1"))
        print_fields(stdout, argv[1], v, idr1_fields);
    else if (!strcasecmp(argv[1], "idr5"))
        print_fields(stdout, argv[1], v, idr5_fields);
    else if (!strcasecmp(argv[1], "gbpa"))
        print_bits(stdout, argv[1], v, gbpa_bits);
    else if (!strcasecmp(argv[1], "cmdq_prod") || !strcasecmp(argv[1], "cmdq_cons") ||
             !strcasecmp(argv[1], "eventq_prod") || !strcasecmp(argv[1], "eventq_cons"))
        decode_queue_ptr(stdout, argv[1], v, strstr(argv[1], "prod") != NULL);
    else {
        fprintf(stderr, "vsmmu: cannot decode '%s'\n", argv[1]);
        decode_usage(stderr);
        return 2;
    }
    return 0;
}
