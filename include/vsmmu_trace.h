/* SPDX-License-Identifier: MIT */
/*
 * vsmmu tracing: an optional callback that receives each decision of the
 * model as a machine-readable event, for a VMM to map onto its own
 * tracing (QEMU trace events, ftrace, Rust tracing, ...).
 *
 * Each event has a stable numeric id (enum vsmmu_trace_id: the values are
 * never renumbered or reused; new events get new values), a name, and
 * named 64-bit arguments whose names, order and meaning are fixed per id.
 * docs/logging.md lists every event with its arguments.
 *
 * Threading: the callback is called with the instance's mutex held, from
 * whichever thread makes the decision (the MMIO thread, a thread whose
 * vsmmu_translate() missed the TLB, the thread that runs accel event
 * processing).  Calls of one instance are therefore serialised; the
 * callback must not call back into the instance.  The event and its
 * arguments are valid during the call only.
 *
 * Cost: without a callback, each trace point is one predictable branch
 * off the fast paths; a translation that hits the TLB has no trace point
 * at all (a TLB fill is on the miss path).
 */
#ifndef VSMMU_TRACE_H
#define VSMMU_TRACE_H

#include <stdint.h>

#include "vsmmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Event ids: stable, never renumbered.  Arguments in order. */
enum vsmmu_trace_id {
    /** offset, size, value, effect (enum vsmmu_trace_reg_effect) */
    VSMMU_TRACE_REG_WRITE = 1,
    /** op, idx (CMDQ_CONS index), cerror (0: executed), dw0, dw1 */
    VSMMU_TRACE_CMD_EXEC = 2,
    /** sid, ssid (0xffffffff: none), iova, event (type), recorded (0/1) */
    VSMMU_TRACE_XLATE_FAULT = 3,
    /** sid, ssid, vmid, asid, iova, oa, size, perm (VSMMU_PERM_*) */
    VSMMU_TRACE_TLB_FILL = 4,
    /** op, scope (vsmmu_inval kind), vmid, asid, addr, size, dropped */
    VSMMU_TRACE_TLB_INVAL = 5,
    /** op, sid, num, ssid, dropped */
    VSMMU_TRACE_CFG_INVAL = 6,
    /** event (type), sid, result (enum vsmmu_trace_evq_result) */
    VSMMU_TRACE_EVENT_RECORD = 7,
    /** line (enum vsmmu_irq) */
    VSMMU_TRACE_IRQ = 8,
    /** addr, data, aborted (0/1) */
    VSMMU_TRACE_MSI = 9,
    /** bit (GERROR bit number activated) */
    VSMMU_TRACE_GERROR = 10,
    /** kind (enum vsmmu_trace_obj), id (iommufd object id) */
    VSMMU_TRACE_ACCEL_NEW = 11,
    /** kind, id */
    VSMMU_TRACE_ACCEL_FREE = 12,
    /** vsid, hwpt (the HWPT the passthrough device is now attached to) */
    VSMMU_TRACE_ACCEL_ATTACH = 13,
    /** event (type), vsid, seq, delivered (0/1) */
    VSMMU_TRACE_HOST_EVENT = 14,
    /** count (events the host lost), total */
    VSMMU_TRACE_HOST_LOST = 15,
};
/** One more than the largest id. */
#define VSMMU_TRACE_ID_END 16

/** VSMMU_TRACE_REG_WRITE effect. */
enum vsmmu_trace_reg_effect {
    VSMMU_TRACE_REG_APPLIED = 0,  /**< the write took effect                */
    VSMMU_TRACE_REG_IGNORED = 1,  /**< ignored in whole or part: a guarded
                                       field while its enable is set, GBPA
                                       without Update, a read-only,
                                       reserved or absent register         */
    VSMMU_TRACE_REG_INVALID = 2,  /**< unsupported access (size, alignment,
                                       range): RAZ/WI, -EINVAL             */
};

/** VSMMU_TRACE_EVENT_RECORD result: what became of the record. */
enum vsmmu_trace_evq_result {
    VSMMU_TRACE_EVQ_WRITTEN = 0,     /**< written to the guest queue        */
    VSMMU_TRACE_EVQ_DISABLED = 1,    /**< EVENTQEN = 0: dropped             */
    VSMMU_TRACE_EVQ_OVERFLOW = 2,    /**< queue full: dropped (overflow)    */
    VSMMU_TRACE_EVQ_UNWRITABLE = 3,  /**< EVENTQ_ABT_ERR active: dropped    */
    VSMMU_TRACE_EVQ_ABORT = 4,       /**< the write aborted                 */
};

/** VSMMU_TRACE_ACCEL_NEW / _FREE kind. */
enum vsmmu_trace_obj {
    VSMMU_TRACE_OBJ_VIOMMU = 1,
    VSMMU_TRACE_OBJ_HWPT = 2,      /**< a proxy or nested HWPT              */
    VSMMU_TRACE_OBJ_VDEVICE = 3,
    VSMMU_TRACE_OBJ_VEVENTQ = 4,
};

/** One named argument.  Used in arrays, so this struct never grows. */
struct vsmmu_trace_arg {
    const char *name;   /**< static string, e.g. "sid"                     */
    uint64_t value;
};

/** What the callback gets; struct_size is set by the library (a later
 *  release may append fields: check with VSMMU_HAS_FIELD). */
struct vsmmu_trace_event {
    uint32_t struct_size;
    enum vsmmu_trace_id id;
    const char *name;                    /**< e.g. "cmd_exec", static         */
    unsigned nargs;
    const struct vsmmu_trace_arg *args;  /**< nargs entries               */
};

typedef void (*vsmmu_trace_fn)(void *opaque, const struct vsmmu_trace_event *ev);

/**
 * Set the trace callback of @s (NULL: none, the default).  Takes effect
 * for the next decision; safe at any time, from any thread.
 */
void vsmmu_set_trace(vsmmu_t *s, vsmmu_trace_fn fn, void *opaque);

/** The name of event @id ("cmd_exec"), or NULL for an unknown id. */
const char *vsmmu_trace_name(unsigned id);

/**
 * The names of event @id's arguments, in order: *@names points to *@n
 * static strings.  Lets a VMM declare its own trace events up front.
 * Returns 0, -1 for an unknown id, or -EINVAL for a NULL pointer.
 */
int vsmmu_trace_args(unsigned id, const char *const **names, unsigned *n);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_TRACE_H */
