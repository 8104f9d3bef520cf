// SPDX-License-Identifier: MIT
/* Register, guest-memory, interrupt, translate, reset and stats commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define MAX_MEM_LEN (1u << 20)   /* bytes per read/write command */

bool arg_u64(const char *s, const char *what, uint64_t max, uint64_t *v, struct sbuf *out)
{
    if (parse_u64(s, v)) {
        sb_printf(out, "bad %s '%s': expected a decimal or 0x-prefixed number", what, s);
        return false;
    }
    if (*v > max) {
        sb_printf(out, "%s %s out of range (maximum 0x%llx)", what, s,
                  (unsigned long long)max);
        return false;
    }
    return true;
}

/* ---- errno names -------------------------------------------------------- */

static const struct { int err; const char *name; } errnos[] = {
    { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { EIO, "EIO" },
    { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
    { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
    { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" },
    { EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
    { ENOSYS, "ENOSYS" }, { EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
    { ETIMEDOUT, "ETIMEDOUT" }, { ENOTSUP, "ENOTSUP" }, { EPROTO, "EPROTO" },
    { EBADMSG, "EBADMSG" },
};

const char *errno_name(int err)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (errnos[i].err == err)
            return errnos[i].name;
    return NULL;
}

int errno_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (!strcmp(errnos[i].name, name))
            return errnos[i].err;
    return 0;
}

void sb_errno(struct sbuf *b, int neg_err)
{
    const char *n = errno_name(-neg_err);
    if (n)
        sb_printf(b, "%s (%s)", n, strerror(-neg_err));
    else
        sb_printf(b, "error %d", neg_err);
}

/* ---- registers ---------------------------------------------------------- */

static bool reg_offset(const char *s, unsigned size, uint64_t *off, struct sbuf *out)
{
    if (parse_u64(s, off)) {
        sb_printf(out, "bad offset '%s': expected a decimal or 0x-prefixed number", s);
        return false;
    }
    if (*off > VSMMU_MMIO_SIZE - size) {
        sb_printf(out, "offset %s is outside the 128 KiB register frame", s);
        return false;
    }
    if (*off % size) {
        sb_printf(out, "offset %s is not aligned to the %u-byte access", s, size);
        return false;
    }
    return true;
}

static enum answer do_write(struct tool *t, int argc, char **argv, struct sbuf *out,
                            unsigned size)
{
    uint64_t off, v;
    int rc;

    (void)argc;
    if (!reg_offset(argv[0], size, &off, out) ||
        !arg_u64(argv[1], "value", size == 4 ? UINT32_MAX : UINT64_MAX, &v, out))
        return ANS_ERR;
    rc = vsmmu_mmio_write(t->s, off, size, v);
    if (rc) {
        sb_printf(out, "register write refused: ");
        sb_errno(out, rc);
        return ANS_ERR;
    }
    return ANS_OK;
}

static enum answer do_read(struct tool *t, int argc, char **argv, struct sbuf *out,
                           unsigned size)
{
    uint64_t off, v = 0;
    int rc;

    (void)argc;
    if (!reg_offset(argv[0], size, &off, out))
        return ANS_ERR;
    rc = vsmmu_mmio_read(t->s, off, size, &v);
    if (rc) {
        sb_printf(out, "register read refused: ");
        sb_errno(out, rc);
        return ANS_ERR;
    }
    if (size == 4)
        sb_printf(out, "0x%08llx", (unsigned long long)(v & UINT32_MAX));
    else
        sb_printf(out, "0x%016llx", (unsigned long long)v);
    return ANS_OK;
}

static enum answer cmd_writel(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    return do_write(t, argc, argv, out, 4);
}

static enum answer cmd_writeq(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    return do_write(t, argc, argv, out, 8);
}

static enum answer cmd_readl(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    return do_read(t, argc, argv, out, 4);
}

static enum answer cmd_readq(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    return do_read(t, argc, argv, out, 8);
}

/* ---- guest memory ------------------------------------------------------- */

static bool mem_range(struct tool *t, const char *a, const char *l, uint64_t *addr,
                      uint64_t *len, struct sbuf *out)
{
    if (!arg_u64(a, "address", UINT64_MAX, addr, out) ||
        !arg_u64(l, "length", MAX_MEM_LEN, len, out))
        return false;
    if (*len == 0) {
        sb_printf(out, "length must be at least 1");
        return false;
    }
    if (!tool_in_ram(t, *addr, *len)) {
        sb_printf(out, "0x%llx+%llu is outside guest RAM [0x%llx, 0x%llx)",
                  (unsigned long long)*addr, (unsigned long long)*len,
                  (unsigned long long)t->ram_base,
                  (unsigned long long)(t->ram_base + t->ram_size));
        return false;
    }
    return true;
}

static enum answer cmd_write(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    uint64_t addr, len;
    uint8_t *buf;

    (void)argc;
    if (!mem_range(t, argv[0], argv[1], &addr, &len, out))
        return ANS_ERR;
    buf = malloc(len);
    if (!buf) {
        sb_printf(out, "out of memory");
        return ANS_ERR;
    }
    if (parse_hex_bytes(argv[2], buf, len)) {
        free(buf);
        sb_printf(out, "data must be 0x followed by exactly %llu hex digits",
                  (unsigned long long)(2 * len));
        return ANS_ERR;
    }
    memcpy(t->ram + (addr - t->ram_base), buf, len);
    tool_ram_written(t, addr, len);
    free(buf);
    return ANS_OK;
}

/* Extension: little-endian 64-bit values at consecutive addresses. */
static enum answer cmd_mem64(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    uint64_t addr, v[8];

    if (!arg_u64(argv[0], "address", UINT64_MAX, &addr, out))
        return ANS_ERR;
    for (int i = 1; i < argc; i++)
        if (!arg_u64(argv[i], "value", UINT64_MAX, &v[i - 1], out))
            return ANS_ERR;
    if (!tool_in_ram(t, addr, 8u * (unsigned)(argc - 1))) {
        sb_printf(out, "0x%llx+%u is outside guest RAM", (unsigned long long)addr,
                  8u * (unsigned)(argc - 1));
        return ANS_ERR;
    }
    for (int i = 0; i < argc - 1; i++)
        for (unsigned j = 0; j < 8; j++)
            t->ram[addr - t->ram_base + 8u * (unsigned)i + j] = (uint8_t)(v[i] >> (8 * j));
    tool_ram_written(t, addr, 8u * (unsigned)(argc - 1));
    return ANS_OK;
}

static enum answer cmd_read(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t addr, len;
    const uint8_t *p;

    (void)argc;
    if (!mem_range(t, argv[0], argv[1], &addr, &len, out))
        return ANS_ERR;
    p = t->ram + (addr - t->ram_base);
    sb_printf(out, "0x");
    for (uint64_t i = 0; i < len; i++) {
        sb_putc(out, hex[p[i] >> 4]);
        sb_putc(out, hex[p[i] & 15]);
    }
    return ANS_OK;
}

/* ---- interrupts, reset, stats ------------------------------------------- */

static enum answer cmd_irqs(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    (void)argc;
    (void)argv;
    tool_take_irqs(t, out);
    /* the answer is "OK" followed by the tokens: drop the leading space */
    if (out->len && out->p[0] == ' ') {
        memmove(out->p, out->p + 1, out->len);
        out->len--;
    }
    return ANS_OK;
}

static enum answer cmd_reset(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    (void)argc;
    (void)argv;
    (void)out;
    vsmmu_reset(t->s);
    return ANS_OK;
}

static enum answer cmd_stats(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    (void)argc;
    (void)argv;
    vsmmu_get_stats(t->s, &st);
    sb_printf(out, "delivered=%llu host-lost=%llu dropped=%llu commands=%llu events=%llu "
              "events-dropped=%llu tlb-hits=%llu tlb-misses=%llu",
              (unsigned long long)st.delivered, (unsigned long long)st.host_lost,
              (unsigned long long)st.dropped, (unsigned long long)st.commands,
              (unsigned long long)st.events, (unsigned long long)st.events_dropped,
              (unsigned long long)st.tlb_hits, (unsigned long long)st.tlb_misses);
    return ANS_OK;
}

/* ---- translate ---------------------------------------------------------- */

/* ACCESS is [r|w|x][p][t|q]: t a Translated transaction, q an ATS
 * Translation Request (which implies read: the r/w/x letter may be left
 * out before q only). */
static bool parse_access(const char *s, unsigned *acc)
{
    *acc = 0;
    switch (*s) {
    case 'r': *acc = VSMMU_ACC_READ; s++; break;
    case 'w': *acc = VSMMU_ACC_WRITE; s++; break;
    case 'x': *acc = VSMMU_ACC_READ | VSMMU_ACC_EXEC; s++; break;
    default: break;
    }
    if (*s == 'p') {
        *acc |= VSMMU_ACC_PRIV;
        s++;
    }
    if (*s == 't') {
        *acc |= VSMMU_ACC_ATS_TRANSLATED;
        s++;
    } else if (*s == 'q') {
        *acc |= VSMMU_ACC_ATS_REQUEST;
        s++;
    }
    if (*s)
        return false;
    if (!(*acc & (VSMMU_ACC_READ | VSMMU_ACC_WRITE))) {
        if (!(*acc & VSMMU_ACC_ATS_REQUEST))
            return false;
        *acc |= VSMMU_ACC_READ;
    }
    return true;
}

/* The event type's name, or @none when there is no event. */
static void sb_event(struct sbuf *out, uint8_t type, const char *none)
{
    const char *name = vsmmu_event_name(type);

    if (type == 0)
        sb_printf(out, "%s", none);
    else if (name)
        sb_printf(out, "%s", name);
    else
        sb_printf(out, "EVENT_0x%02x", type);
}

static enum answer cmd_translate(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    const unsigned ats = VSMMU_ACC_ATS_TRANSLATED | VSMMU_ACC_ATS_REQUEST;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t sid, ssid = VSMMU_NO_SSID, iova;
    unsigned acc;
    int rc;

    (void)argc;
    if (!arg_u64(argv[0], "StreamID", UINT32_MAX, &sid, out))
        return ANS_ERR;
    if (strcmp(argv[1], "-") && !arg_u64(argv[1], "SubstreamID", 0xfffff, &ssid, out))
        return ANS_ERR;
    if (!arg_u64(argv[2], "IOVA", UINT64_MAX, &iova, out))
        return ANS_ERR;
    if (!parse_access(argv[3], &acc)) {
        sb_printf(out, "bad access '%s': expected r, w or x, optionally followed by p, "
                  "then optionally t (ATS Translated) or q (ATS Translation Request; "
                  "q alone reads)", argv[3]);
        return ANS_ERR;
    }
    rc = vsmmu_translate(t->s, (uint32_t)sid, (uint32_t)ssid, iova, acc, &r);
    if (rc) {
        sb_printf(out, "translate failed: ");
        sb_errno(out, rc);
        if ((acc & ats) && !t->cfg.ats)
            sb_printf(out, ": ATS accesses need --set ats=on");
        return ANS_ERR;
    }
    switch (r.status) {
    case VSMMU_XLATE_OK:
        sb_printf(out, "0x%llx %c%c%c 0x%llx", (unsigned long long)r.addr,
                  r.perm & VSMMU_PERM_R ? 'r' : '-', r.perm & VSMMU_PERM_W ? 'w' : '-',
                  r.perm & VSMMU_PERM_X ? 'x' : '-', (unsigned long long)r.size);
        return ANS_OK;
    case VSMMU_XLATE_ATS_UR:
        sb_event(out, r.event_type, "UR");
        return ANS_FAULT;
    case VSMMU_XLATE_ATS_CA:
        sb_printf(out, "CA");
        return ANS_FAULT;
    default:
        sb_event(out, r.event_type, "ABORT");
        return ANS_FAULT;
    }
}

/* Every command of `vsmmu run`, in the order of docs/tool.md. */
static const struct command commands[] = {
    { "writel", 2, 2, "OFF VALUE", cmd_writel },
    { "writeq", 2, 2, "OFF VALUE", cmd_writeq },
    { "readl", 1, 1, "OFF", cmd_readl },
    { "readq", 1, 1, "OFF", cmd_readq },
    { "write", 3, 3, "ADDR LEN 0xHEX", cmd_write },
    { "read", 2, 2, "ADDR LEN", cmd_read },
    { "mem64", 2, 9, "ADDR VALUE [VALUE...] (up to 8)", cmd_mem64 },
    { "irqs", 0, 0, "", cmd_irqs },
    { "translate", 4, 4, "SID SSID|- IOVA [r|w|x][p][t|q]", cmd_translate },
    { "reset", 0, 0, "", cmd_reset },
    { "stats", 0, 0, "", cmd_stats },
    /* accel mode (accel_cmds.c) */
    { "accel-attach", 1, 1, "VSID", cmd_accel_attach },
    { "accel-detach", 1, 1, "VSID", cmd_accel_detach },
    { "host-event", 2, 2, "VSID 0xHEX", cmd_host_event },
    { "poll", 0, 0, "", cmd_poll },
    { "host-objects", 0, 0, "", cmd_host_objects },
    { "host-fail", 1, 3, "OP [NTH [ERRNO]]", cmd_host_fail },
    { "save", 1, 1, "FILE", cmd_save },
    { "load", 1, 1, "FILE", cmd_load },
};

const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}
