// SPDX-License-Identifier: MIT
/*
 * `vsmmu run`: options, the guest RAM and host callbacks, and the script
 * loop (one answer line per command, in order).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "tool.h"

#define DEFAULT_RAM_BASE 0x40000000ull
#define DEFAULT_RAM_SIZE (256ull << 20)
#define MAX_TOKENS 16
#define MAX_PENDING_IRQS (1u << 20)

void run_usage(FILE *f)
{
    fputs(
"Usage: vsmmu run [OPTIONS] [FILE]\n"
"\n"
"Drive one SMMUv3 instance from a script read from FILE (standard input when\n"
"FILE is '-' or absent).  Each command is one line and gets exactly one answer\n"
"line on standard output: 'OK [values]', 'FAULT NAME' (translate only) or\n"
"'ERR <reason>'.  '#' starts a comment; blank lines get no answer.  Numbers are\n"
"decimal or 0x-prefixed hexadecimal; sizes may end in K, M or G.\n"
"\n"
"Options:\n"
"  --ram-base ADDR   guest-physical base of guest RAM (default 0x40000000)\n"
"  --ram-size SIZE   guest RAM size (default 256M); memory outside it aborts\n"
"  --set KEY=VALUE   configuration (repeatable); keys:\n"
"      stage1=on|off  stage2=on|off  oas=32|36|40|42|44|48|52\n"
"      sidsize=0..32  ssidsize=0..20  cmdqs=0..19  eventqs=0..19  priqs=0..19\n"
"      ril=on|off  msi=on|off  sev=on|off  ats=on|off  pri=on|off  hyp=on|off\n"
"      strtab-2lvl=on|off  cd2l=on|off  httu-af=on|off  asid16=on|off\n"
"      vmid16=on|off  gran4k=on|off  gran16k=on|off  gran64k=on|off\n"
"      aidr-minor=0..4  tlb-entries=N  cfg-entries=N  qemu-eventq-full=on|off\n"
"      accel=on|off   accelerated mode on the simulated iommufd kernel;\n"
"                     accel=on implies stage2=off unless stage2 is also set\n"
"  --trace           the model's trace events (register writes, commands,\n"
"                    faults, TLB fills and invalidations, events, interrupts,\n"
"                    accel objects, host events) and its guest and info\n"
"                    messages, on standard error\n"
"  -h, --help        this help\n"
"\n"
"Commands (OFF is relative to the register frame: page 1 at 0x10000):\n"
"  writel OFF VALUE | writeq OFF VALUE          -> OK\n"
"  readl OFF                                    -> OK 0x%08x\n"
"  readq OFF                                    -> OK 0x%016x\n"
"  write ADDR LEN 0xHEX     guest memory, first byte first -> OK\n"
"  read ADDR LEN            -> OK 0xHEX (2*LEN digits, first byte first)\n"
"  mem64 ADDR VALUE...      write up to 8 little-endian 64-bit values -> OK\n"
"  irqs                     -> OK [eventq|priq|cmdq-sync|gerror|msi:ADDR=DATA]...\n"
"                              interrupts since the previous irqs, in order\n"
"  translate SID SSID|- IOVA ACCESS   ACCESS: [r|w|x][p][t|q]\n"
"                           -> OK 0xADDR PERM 0xSIZE | FAULT EVENT_NAME | FAULT ABORT\n"
"                           p privileged; with --set ats=on (else ERR):\n"
"                           t an ATS Translated transaction (rt, wt, ...);\n"
"                           q an ATS Translation Request (q = rq, wq, xq, rpq...)\n"
"                             -> OK 0xADDR PERM 0xSIZE (OK 0x0 --- 0xSIZE: R=W=0)\n"
"                              | FAULT F_BAD_ATS_TREQ | FAULT UR | FAULT CA\n"
"  reset                    -> OK (architected reset)\n"
"  stats                    -> OK delivered=N host-lost=N dropped=N commands=N ...\n"
"  save FILE                state, guest RAM, pending interrupts (and accel\n"
"                           devices) to FILE, after draining host events -> OK\n"
"  load FILE                continue from FILE on a new instance -> OK\n"
"With --set accel=on (simulated iommufd kernel):\n"
"  accel-attach VSID        hot-plug a passthrough device with virtual StreamID\n"
"  accel-detach VSID        unplug it\n"
"  host-event VSID 0xHEX    host SMMU raises a 32-byte event -> OK | OK filtered\n"
"  poll                     run the event loop once -> OK N (records delivered)\n"
"  host-objects             -> OK viommu=N hwpt=N vdevice=N veventq=N [veventq-depth=D]\n"
"  host-fail OP [NTH [ERRNO]]  the NTH next call of OP fails (default 1, EIO);\n"
"                           OP: get_hw_info hwpt_alloc hwpt_invalidate viommu_alloc\n"
"                               vdevice_alloc veventq_alloc attach destroy\n"
"\n"
"Errors the model reports go to standard error as 'vsmmu: error: ...'.\n"
"Exit status: 0 all commands succeeded, 1 some command answered ERR,\n"
"2 usage error (bad option, unreadable file, invalid configuration).\n"
"The protocol is described in docs/tool.md.\n", f);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "vsmmu: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'vsmmu run --help'.\n");
    return 2;
}

/* ---- configuration keys ------------------------------------------------- */

enum key_kind { K_BOOL, K_UINT, K_FLAG };
struct cfg_key {
    const char *name;
    enum key_kind kind;
    size_t off;        /* offset in struct vsmmu_config */
    unsigned max;      /* K_UINT */
    uint32_t flag;     /* K_FLAG */
};
#define B(n, f) { n, K_BOOL, offsetof(struct vsmmu_config, f), 0, 0 }
#define U(n, f, m) { n, K_UINT, offsetof(struct vsmmu_config, f), m, 0 }
static const struct cfg_key cfg_keys[] = {
    B("stage1", stage1), B("stage2", stage2), U("oas", oas_bits, 64),
    U("sidsize", sidsize, 64), U("ssidsize", ssidsize, 64), U("cmdqs", cmdqs, 64),
    U("eventqs", eventqs, 64), U("priqs", priqs, 64), B("ril", ril), B("msi", msi),
    B("sev", sev), B("ats", ats), B("pri", pri), B("hyp", hyp),
    B("strtab-2lvl", two_level_strtab), B("cd2l", cd2l), B("httu-af", httu_af),
    B("asid16", asid16), B("vmid16", vmid16), B("gran4k", gran4k),
    B("gran16k", gran16k), B("gran64k", gran64k), U("aidr-minor", aidr_minor, 64),
    U("tlb-entries", tlb_entries, 1u << 24), U("cfg-entries", cfg_entries, 1u << 24),
    B("accel", accel),
    { "qemu-eventq-full", K_FLAG, 0, 0, VSMMU_FLAG_QEMU_EVENTQ_FULL },
};
#undef B
#undef U

/* Apply KEY=VALUE; 0, or 2 after printing a usage error. */
static int apply_set(struct vsmmu_config *cfg, const char *arg, bool *stage2_set)
{
    char key[32];
    const char *eq = strchr(arg, '=');
    size_t klen;

    if (!eq)
        return usage_error("--set needs KEY=VALUE, got '%s'", arg);
    klen = (size_t)(eq - arg);
    if (klen == 0 || klen >= sizeof(key))
        return usage_error("unknown configuration key in '%s'", arg);
    memcpy(key, arg, klen);
    key[klen] = '\0';
    for (char *p = key; *p; p++)
        if (*p == '_')
            *p = '-';
    for (size_t i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
        const struct cfg_key *k = &cfg_keys[i];
        bool b;
        uint64_t v;

        if (strcmp(k->name, key))
            continue;
        switch (k->kind) {
        case K_BOOL:
            if (parse_bool(eq + 1, &b))
                return usage_error("'%s': expected on or off", arg);
            *(bool *)((char *)cfg + k->off) = b;
            break;
        case K_FLAG:
            if (parse_bool(eq + 1, &b))
                return usage_error("'%s': expected on or off", arg);
            cfg->flags = b ? cfg->flags | k->flag : cfg->flags & ~k->flag;
            break;
        case K_UINT:
            if (parse_u64(eq + 1, &v) || v > k->max)
                return usage_error("'%s': bad number", arg);
            *(unsigned *)((char *)cfg + k->off) = (unsigned)v;
            break;
        }
        if (!strcmp(key, "stage2"))
            *stage2_set = true;
        return 0;
    }
    return usage_error("unknown configuration key in '%s'", arg);
}

/* ---- host callbacks ----------------------------------------------------- */

bool tool_in_ram(const struct tool *t, uint64_t addr, uint64_t len)
{
    return addr >= t->ram_base && len <= t->ram_size &&
           addr - t->ram_base <= t->ram_size - len;
}

static int cb_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    struct tool *t = opaque;
    if (!tool_in_ram(t, addr, len))
        return -1;
    memcpy(buf, t->ram + (addr - t->ram_base), len);
    return 0;
}

static int cb_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    struct tool *t = opaque;
    if (!tool_in_ram(t, addr, len))
        return -1;
    memcpy(t->ram + (addr - t->ram_base), buf, len);
    tool_ram_written(t, addr, len);
    return 0;
}

static const char *const irq_names[] = { "eventq", "priq", "cmdq-sync", "gerror" };

static void record_irq(struct tool *t, struct tool_irq irq)
{
    if (t->nirqs == t->irq_cap) {
        size_t cap = t->irq_cap ? 2 * t->irq_cap : 64;
        struct tool_irq *p;
        if (cap > MAX_PENDING_IRQS || !(p = realloc(t->irqs, cap * sizeof(*p)))) {
            t->irq_overflow = true;
            return;
        }
        t->irqs = p;
        t->irq_cap = cap;
    }
    t->irqs[t->nirqs++] = irq;
}

void tool_record_irq(struct tool *t, struct tool_irq irq)
{
    record_irq(t, irq);
}

static void cb_irq(void *opaque, enum vsmmu_irq line)
{
    struct tool *t = opaque;
    if ((unsigned)line >= 4)
        return;
    record_irq(t, (struct tool_irq){ .line = (int)line });
}

static int cb_msi(void *opaque, uint64_t addr, uint32_t data)
{
    struct tool *t = opaque;
    uint8_t b[4] = { (uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
                     (uint8_t)(data >> 24) };

    if (cb_mem_write(opaque, addr, b, sizeof(b))) {
        if (t->trace)
            fprintf(stderr, "vsmmu: vmm: MSI write of 0x%x to 0x%llx is outside guest RAM: abort\n",
                    data, (unsigned long long)addr);
        return -1;
    }
    record_irq(t, (struct tool_irq){ .line = TOOL_MSI, .addr = addr, .data = data });
    return 0;
}

/* Only the messages up to the configured log_level arrive (errors
 * without --trace, up to info with it). */
static void cb_log(void *opaque, enum vsmmu_log_level level, const char *msg)
{
    static const char *const names[] = { "error", "guest", "info", "trace" };

    (void)opaque;
    fprintf(stderr, "vsmmu: %s: %s\n", (unsigned)level < 4 ? names[level] : "log", msg);
}

/* Names of enumerated trace arguments, shown after the value. */
static const char *trace_value_name(const struct vsmmu_trace_event *ev,
                                    const struct vsmmu_trace_arg *a)
{
    static const char *const effects[] = { "applied", "ignored", "invalid" };
    static const char *const results[] = { "written", "disabled", "overflow",
                                           "unwritable", "abort" };
    static const char *const kinds[] = { NULL, "viommu", "hwpt", "vdevice", "veventq" };
    uint64_t v = a->value;

    if (!strcmp(a->name, "event"))
        return v <= 0xff ? vsmmu_event_name((uint8_t)v) : NULL;
    if (ev->id == VSMMU_TRACE_IRQ)
        return v < 4 ? irq_names[v] : NULL;
    if (ev->id == VSMMU_TRACE_REG_WRITE && !strcmp(a->name, "effect"))
        return v < 3 ? effects[v] : NULL;
    if (ev->id == VSMMU_TRACE_EVENT_RECORD && !strcmp(a->name, "result"))
        return v < 5 ? results[v] : NULL;
    if (!strcmp(a->name, "kind"))
        return v < 5 ? kinds[v] : NULL;
    return NULL;
}

/* One line per trace event: "vsmmu: trace: NAME ARG=0xVALUE...", the
 * value of an enumerated argument followed by its name in parentheses. */
static void cb_trace(void *opaque, const struct vsmmu_trace_event *ev)
{
    struct sbuf *b = &((struct tool *)opaque)->trace_line;

    sb_reset(b);
    sb_printf(b, "vsmmu: trace: %s", ev->name);
    for (unsigned i = 0; i < ev->nargs; i++) {
        const struct vsmmu_trace_arg *a = &ev->args[i];
        const char *name = trace_value_name(ev, a);

        sb_printf(b, " %s=0x%llx", a->name, (unsigned long long)a->value);
        if (name)
            sb_printf(b, "(%s)", name);
    }
    if (!b->oom)
        fprintf(stderr, "%s\n", sb_str(b));
}

void tool_take_irqs(struct tool *t, struct sbuf *out)
{
    for (size_t i = 0; i < t->nirqs; i++) {
        const struct tool_irq *q = &t->irqs[i];
        if (q->line == TOOL_MSI)
            sb_printf(out, " msi:0x%llx=0x%x", (unsigned long long)q->addr, q->data);
        else
            sb_printf(out, " %s", irq_names[q->line]);
    }
    if (t->irq_overflow)
        fprintf(stderr, "vsmmu: more than %u interrupts since the last irqs: "
                "later ones not listed\n", MAX_PENDING_IRQS);
    t->nirqs = 0;
    t->irq_overflow = false;
}

/* ---- the script loop ---------------------------------------------------- */

static bool run_line(struct tool *t, char *line, struct sbuf *ans)
{
    char *tok[MAX_TOKENS];
    int n = tok_split(line, tok, MAX_TOKENS);
    const struct command *c;
    enum answer a;

    if (n == 0)
        return true;
    sb_reset(ans);
    c = find_command(tok[0]);
    if (!c) {
        sb_printf(ans, "unknown command '%s'", tok[0]);
        a = ANS_ERR;
    } else if (n - 1 < c->min_args || n - 1 > c->max_args) {
        sb_printf(ans, "usage: %s%s%s", c->name, c->usage[0] ? " " : "", c->usage);
        a = ANS_ERR;
    } else {
        a = c->fn(t, n - 1, tok + 1, ans);
    }
    if (ans->oom) {
        sb_reset(ans);
        sb_printf(ans, "out of memory");
        a = ANS_ERR;
    }
    switch (a) {
    case ANS_OK:
        printf(ans->len ? "OK %s\n" : "OK\n", sb_str(ans));
        break;
    case ANS_FAULT:
        printf("FAULT %s\n", sb_str(ans));
        break;
    case ANS_ERR:
        printf("ERR %s\n", sb_str(ans));
        break;
    }
    /* an outside tool may drive us line by line through a pipe */
    fflush(stdout);
    return a != ANS_ERR;
}

static int setup(struct tool *t)
{
    /* zero pages on demand, and cheap under ASan (unlike a large calloc) */
    t->ram = mmap(NULL, t->ram_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (t->ram == MAP_FAILED)
        t->ram = NULL;
    t->dirty = calloc(1, (t->ram_size + TOOL_PAGE - 1) / TOOL_PAGE / 8 + 1);
    if (!t->ram || !t->dirty) {
        fprintf(stderr, "vsmmu: cannot allocate %llu bytes of guest RAM\n",
                (unsigned long long)t->ram_size);
        return 2;
    }
    return tool_instance_create(t);
}

int tool_instance_create(struct tool *t)
{
    struct vsmmu_host_ops ops = {
        .struct_size = sizeof(ops),
        .mem_read = cb_mem_read, .mem_write = cb_mem_write, .irq = cb_irq,
        .msi = cb_msi, .log = cb_log, .opaque = t,
    };
    int rc;

    rc = vsmmu_create(&t->cfg, &ops, &t->s);
    if (rc) {
        fprintf(stderr, "vsmmu: cannot create the SMMU: %s\n", strerror(-rc));
        return 2;
    }
    if (t->trace)
        vsmmu_set_trace(t->s, cb_trace, t);
    if (t->cfg.accel) {
        rc = vsmmu_iommufd_sim_create(&t->sim);
        if (!rc)
            rc = vsmmu_accel_set_iommufd(t->s, t->sim);
        if (rc) {
            fprintf(stderr, "vsmmu: cannot set up accel mode on the simulated "
                    "iommufd kernel: %s\n", strerror(-rc));
            return 2;
        }
    }
    return 0;
}

void tool_instance_destroy(struct tool *t)
{
    vsmmu_destroy(t->s);
    t->s = NULL;
    if (t->sim)
        vsmmu_iommufd_close(t->sim);
    t->sim = NULL;
    t->ndevs = 0;
    memset(t->fail_at, 0, sizeof(t->fail_at));
}

static void teardown(struct tool *t)
{
    tool_instance_destroy(t);
    if (t->ram)
        munmap(t->ram, t->ram_size);
    free(t->dirty);
    free(t->irqs);
    free(t->devs);
    sb_free(&t->trace_line);
}

int run_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "ram-base", required_argument, NULL, 'b' },
        { "ram-size", required_argument, NULL, 's' },
        { "set", required_argument, NULL, 'S' },
        { "trace", no_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct tool t;
    bool stage2_set = false, all_ok = true;
    const char *path = NULL;
    FILE *in = stdin;
    struct sbuf ans = { 0 };
    char *line = NULL;
    size_t cap = 0;
    int opt, rc;

    memset(&t, 0, sizeof(t));
    vsmmu_config_default(&t.cfg);
    t.ram_base = DEFAULT_RAM_BASE;
    t.ram_size = DEFAULT_RAM_SIZE;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b':
            if (parse_u64(optarg, &t.ram_base))
                return usage_error("bad --ram-base '%s'", optarg);
            break;
        case 's':
            if (parse_size(optarg, &t.ram_size) || t.ram_size == 0)
                return usage_error("bad --ram-size '%s'", optarg);
            break;
        case 'S':
            if ((rc = apply_set(&t.cfg, optarg, &stage2_set)))
                return rc;
            break;
        case 't':
            t.trace = true;
            break;
        case 'h':
            run_usage(stdout);
            return 0;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return usage_error("more than one script file ('%s')", argv[optind + 1]);
    if (t.ram_base + t.ram_size - 1 < t.ram_base)
        return usage_error("guest RAM wraps around the address space%s", "");
    /* accel mode advertises stage 1 only */
    if (t.cfg.accel && !stage2_set)
        t.cfg.stage2 = false;
    t.cfg.log_level = t.trace ? VSMMU_LOG_INFO : VSMMU_LOG_ERROR;
    if (optind < argc && strcmp(argv[optind], "-")) {
        path = argv[optind];
        in = fopen(path, "r");
        if (!in) {
            fprintf(stderr, "vsmmu: cannot open '%s': %s\n", path, strerror(errno));
            return 2;
        }
    }
    rc = setup(&t);
    while (!rc && getline(&line, &cap, in) >= 0)
        all_ok &= run_line(&t, line, &ans);
    if (!rc && ferror(in)) {
        fprintf(stderr, "vsmmu: error reading '%s'\n", path ? path : "standard input");
        rc = 2;
    }
    free(line);
    sb_free(&ans);
    teardown(&t);
    if (path)
        fclose(in);
    if (rc)
        return rc;
    return all_ok ? 0 : 1;
}
