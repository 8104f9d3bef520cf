// SPDX-License-Identifier: MIT
/*
 * Accel-mode commands of `vsmmu run`: passthrough devices on the simulated
 * iommufd kernel, host events, the VMM's event loop, host objects and
 * failure injection.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static bool need_accel(struct tool *t, struct sbuf *out)
{
    if (t->sim)
        return true;
    sb_printf(out, "accel mode is off (run with --set accel=on)");
    return false;
}

static struct tool_dev *find_dev(struct tool *t, uint32_t vsid)
{
    for (size_t i = 0; i < t->ndevs; i++)
        if (t->devs[i].vsid == vsid)
            return &t->devs[i];
    return NULL;
}

static bool arg_vsid(const char *s, uint32_t *vsid, struct sbuf *out)
{
    uint64_t v;
    if (!arg_u64(s, "VSID", UINT32_MAX, &v, out))
        return false;
    *vsid = (uint32_t)v;
    return true;
}

/* The attached device the VSID argument names, or NULL with the ERR reason. */
static struct tool_dev *arg_dev(struct tool *t, const char *s, struct sbuf *out)
{
    struct tool_dev *d;
    uint32_t vsid;

    if (!need_accel(t, out) || !arg_vsid(s, &vsid, out))
        return NULL;
    d = find_dev(t, vsid);
    if (!d)
        sb_printf(out, "no passthrough device with VSID 0x%x", vsid);
    return d;
}

enum answer cmd_accel_attach(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    uint32_t vsid;

    (void)argc;
    if (!need_accel(t, out) || !arg_vsid(argv[0], &vsid, out))
        return ANS_ERR;
    return tool_attach(t, vsid, out);
}

enum answer tool_attach(struct tool *t, uint32_t vsid, struct sbuf *out)
{
    struct tool_dev d = { .vsid = vsid };
    int rc;

    if (find_dev(t, d.vsid)) {
        sb_printf(out, "VSID 0x%x is already attached", d.vsid);
        return ANS_ERR;
    }
    if (t->ndevs == t->dev_cap) {
        size_t cap = t->dev_cap ? 2 * t->dev_cap : 8;
        struct tool_dev *p = realloc(t->devs, cap * sizeof(*p));
        if (!p) {
            sb_printf(out, "out of memory");
            return ANS_ERR;
        }
        t->devs = p;
        t->dev_cap = cap;
    }
    /* the VMM's side: a host device bound to the iommufd, on its own S2 */
    d.dev.struct_size = sizeof(d.dev);
    rc = vsmmu_sim_add_device(t->sim, NULL, &d.dev, &d.s2_hwpt);
    if (rc) {
        sb_printf(out, "cannot add a host device to the simulated kernel: ");
        sb_errno(out, rc);
        return ANS_ERR;
    }
    rc = vsmmu_accel_attach(t->s, d.vsid, &d.dev, d.s2_hwpt);
    if (rc) {
        sb_printf(out, "attach of VSID 0x%x failed: ", d.vsid);
        sb_errno(out, rc);
        return ANS_ERR;
    }
    t->devs[t->ndevs++] = d;
    return ANS_OK;
}

enum answer cmd_accel_detach(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    struct tool_dev *d = arg_dev(t, argv[0], out);
    uint32_t vsid;
    int rc;

    (void)argc;
    if (!d)
        return ANS_ERR;
    vsid = d->vsid;
    rc = vsmmu_accel_detach(t->s, vsid);
    if (rc) {
        sb_printf(out, "detach of VSID 0x%x failed: ", vsid);
        sb_errno(out, rc);
        return ANS_ERR;
    }
    *d = t->devs[--t->ndevs];
    return ANS_OK;
}

enum answer cmd_host_event(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    struct tool_dev *d = arg_dev(t, argv[0], out);
    uint8_t rec[32];
    int rc;

    (void)argc;
    if (!d)
        return ANS_ERR;
    if (parse_hex_bytes(argv[1], rec, sizeof(rec))) {
        sb_printf(out, "event record must be 0x followed by exactly 64 hex digits");
        return ANS_ERR;
    }
    rc = vsmmu_sim_host_event(t->sim, d->dev.dev_id, rec);
    if (rc < 0) {
        sb_printf(out, "host event injection failed: ");
        sb_errno(out, rc);
        return ANS_ERR;
    }
    if (rc == 0)
        sb_printf(out, "filtered");
    return ANS_OK;
}

enum answer cmd_poll(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    struct pollfd pfd;
    int fd, rc;

    (void)argc;
    (void)argv;
    if (!need_accel(t, out))
        return ANS_ERR;
    /* what a VMM's event loop does: wait (here: not at all) for the vEVENTQ
     * fd to become readable, then let the model drain it */
    fd = vsmmu_accel_event_fd(t->s);
    if (fd < 0) {
        sb_printf(out, "0");
        return ANS_OK;
    }
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    rc = poll(&pfd, 1, 0);
    if (rc < 0) {
        sb_printf(out, "poll on the vEVENTQ fd failed: ");
        sb_errno(out, -errno);
        return ANS_ERR;
    }
    if (rc == 0) {
        sb_printf(out, "0");
        return ANS_OK;
    }
    rc = vsmmu_accel_process_events(t->s);
    if (rc < 0) {
        sb_printf(out, "event processing failed: ");
        sb_errno(out, rc);
        return ANS_ERR;
    }
    sb_printf(out, "%d", rc);
    return ANS_OK;
}

enum answer cmd_host_objects(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);

    (void)argc;
    (void)argv;
    if (!need_accel(t, out))
        return ANS_ERR;
    vsmmu_accel_get_objects(t->s, &o);
    sb_printf(out, "viommu=%u hwpt=%u vdevice=%u veventq=%u", o.viommu, o.hwpt, o.vdevice,
              o.veventq);
    if (o.veventq)
        sb_printf(out, " veventq-depth=%u", o.veventq_depth);
    return ANS_OK;
}

enum answer cmd_host_fail(struct tool *t, int argc, char **argv, struct sbuf *out)
{
    int op = -1, err = EIO, rc;
    uint64_t nth = 1;

    if (!need_accel(t, out))
        return ANS_ERR;
    for (int i = 0; i < VSMMU_SIM_NR_OPS; i++) {
        const char *n = vsmmu_sim_op_name((enum vsmmu_sim_op)i);
        if (n && !strcmp(n, argv[0]))
            op = i;
    }
    if (op < 0) {
        sb_printf(out, "unknown operation '%s' (one of", argv[0]);
        for (int i = 0; i < VSMMU_SIM_NR_OPS; i++) {
            const char *n = vsmmu_sim_op_name((enum vsmmu_sim_op)i);
            if (n)
                sb_printf(out, " %s", n);
        }
        sb_printf(out, ")");
        return ANS_ERR;
    }
    if (argc > 1 && !arg_u64(argv[1], "NTH", 1u << 20, &nth, out))
        return ANS_ERR;
    if (nth == 0) {
        sb_printf(out, "NTH counts from 1 (the next call)");
        return ANS_ERR;
    }
    if (argc > 2) {
        uint64_t v;
        err = errno_by_name(argv[2]);
        if (!err && !parse_u64(argv[2], &v) && v > 0 && v < 4096)
            err = (int)v;
        if (!err) {
            sb_printf(out, "unknown errno '%s' (a name such as ENOMEM, or a number)",
                      argv[2]);
            return ANS_ERR;
        }
    }
    rc = vsmmu_sim_fail(t->sim, (enum vsmmu_sim_op)op, (unsigned)nth, err);
    if (rc) {
        sb_printf(out, "cannot arm the failure: ");
        sb_errno(out, rc);
        return ANS_ERR;
    }
    tool_note_fail(t, op, (unsigned)nth, err);
    return ANS_OK;
}
