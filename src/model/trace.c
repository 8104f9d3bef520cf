// SPDX-License-Identifier: MIT
/*
 * Trace events (include/vsmmu_trace.h): the table of names and argument
 * names, the callback setter and the emitter behind vsmmu_tr().
 */
#include <stddef.h>

#include "model/model.h"

#define MAX_ARGS 8

struct trace_desc {
    const char *name;
    unsigned nargs;
    const char *args[MAX_ARGS];
};

/* Indexed by id.  Append only: names and argument lists are part of the
 * ABI (docs/logging.md). */
static const struct trace_desc descs[VSMMU_TRACE_ID_END] = {
    [VSMMU_TRACE_REG_WRITE] = { "reg_write", 4, { "offset", "size", "value", "effect" } },
    [VSMMU_TRACE_CMD_EXEC] = { "cmd_exec", 5, { "op", "idx", "cerror", "dw0", "dw1" } },
    [VSMMU_TRACE_XLATE_FAULT] = { "xlate_fault", 5,
                                  { "sid", "ssid", "iova", "event", "recorded" } },
    [VSMMU_TRACE_TLB_FILL] = { "tlb_fill", 8,
                               { "sid", "ssid", "vmid", "asid", "iova", "oa", "size", "perm" } },
    [VSMMU_TRACE_TLB_INVAL] = { "tlb_inval", 7,
                                { "op", "scope", "vmid", "asid", "addr", "size", "dropped" } },
    [VSMMU_TRACE_CFG_INVAL] = { "cfg_inval", 5, { "op", "sid", "num", "ssid", "dropped" } },
    [VSMMU_TRACE_EVENT_RECORD] = { "event_record", 3, { "event", "sid", "result" } },
    [VSMMU_TRACE_IRQ] = { "irq", 1, { "line" } },
    [VSMMU_TRACE_MSI] = { "msi", 3, { "addr", "data", "aborted" } },
    [VSMMU_TRACE_GERROR] = { "gerror", 1, { "bit" } },
    [VSMMU_TRACE_ACCEL_NEW] = { "accel_new", 2, { "kind", "id" } },
    [VSMMU_TRACE_ACCEL_FREE] = { "accel_free", 2, { "kind", "id" } },
    [VSMMU_TRACE_ACCEL_ATTACH] = { "accel_attach", 2, { "vsid", "hwpt" } },
    [VSMMU_TRACE_HOST_EVENT] = { "host_event", 4, { "event", "vsid", "seq", "delivered" } },
    [VSMMU_TRACE_HOST_LOST] = { "host_lost", 2, { "count", "total" } },
};

_Static_assert((int)VSMMU_TRACE_EVQ_WRITTEN == (int)EVQ_WRITTEN &&
               (int)VSMMU_TRACE_EVQ_DISABLED == (int)EVQ_DISABLED &&
               (int)VSMMU_TRACE_EVQ_OVERFLOW == (int)EVQ_OVERFLOW &&
               (int)VSMMU_TRACE_EVQ_UNWRITABLE == (int)EVQ_UNWRITABLE &&
               (int)VSMMU_TRACE_EVQ_ABORT == (int)EVQ_ABORT,
               "event_record result values are the vsmmu_evq_result values");

static const struct trace_desc *desc(unsigned id)
{
    return id < VSMMU_TRACE_ID_END && descs[id].name ? &descs[id] : NULL;
}

const char *vsmmu_trace_name(unsigned id)
{
    const struct trace_desc *d = desc(id);
    return d ? d->name : NULL;
}

int vsmmu_trace_args(unsigned id, const char *const **names, unsigned *n)
{
    const struct trace_desc *d = desc(id);

    if (!names || !n)
        return -EINVAL;
    if (!d)
        return -1;
    *names = d->args;
    *n = d->nargs;
    return 0;
}

void vsmmu_set_trace(vsmmu_t *s, vsmmu_trace_fn fn, void *opaque)
{
    if (!s || !vsmmu_lock_void(s, __func__))
        return;
    /* The cache lock too: a translation miss traces under it alone. */
    vsmmu_xl_lock_plain(s);
    s->trace_fn = fn;
    s->trace_opaque = opaque;
    vsmmu_xl_unlock(s);
    vsmmu_unlock(s);
}

void vsmmu_trace_emit(struct vsmmu *s, enum vsmmu_trace_id id, const uint64_t *v, unsigned n)
{
    const struct trace_desc *d = desc((unsigned)id);
    struct vsmmu_trace_arg args[MAX_ARGS];
    struct vsmmu_trace_event ev;

    if (!d || !s->trace_fn)
        return;
    if (n > d->nargs)
        n = d->nargs;
    for (unsigned i = 0; i < n; i++)
        args[i] = (struct vsmmu_trace_arg){ d->args[i], v[i] };
    ev = (struct vsmmu_trace_event){ .struct_size = sizeof(ev), .id = id, .name = d->name, .nargs = n, .args = args };
    s->trace_fn(s->trace_opaque, &ev);
}
