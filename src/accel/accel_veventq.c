// SPDX-License-Identifier: MIT
/*
 * Accelerated mode: the vEVENTQ.  It exists only with a vIOMMU, is
 * allocated at most once per vIOMMU (inside vIOMMU creation when the guest's
 * event queue is already enabled, else on the first CR0 write that leaves
 * EVENTQEN=1), and is freed with the vIOMMU.  vsmmu_accel_process_events()
 * drains it into the guest's event queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "accel/accel_priv.h"

uint32_t accel_veventq_depth(const struct vsmmu *s)
{
    const struct accel_restore *r = s->accel->restore;
    uint32_t depth;
    unsigned log2;

    /* after a state load, the depth the source's vEVENTQ had */
    if (r && r->veventq)
        return r->veventq_depth;
    log2 = q_log2(s->eventq.base, (unsigned)fld_get(s->idr[1], IDR1_EVENTQS));
    depth = 1u << log2;
    return depth > VSMMU_VEVENTQ_MAX_DEPTH ? VSMMU_VEVENTQ_MAX_DEPTH : depth;
}

static void notify_fd(struct vsmmu *s, int old_fd, int new_fd)
{
    if (s->accel->fd_fn)
        s->accel->fd_fn(s->accel->fd_opaque, old_fd, new_fd);
}

int accel_veventq_create(struct vsmmu *s)
{
    struct vsmmu_accel *a = s->accel;
    uint32_t depth = accel_veventq_depth(s), id = 0;
    int fd = -1, rc, fl;

    rc = vsmmu_iommufd_veventq_alloc(a->t, a->viommu_id, VSMMU_VEVENTQ_TYPE_ARM_SMMUV3,
                                     depth, &id, &fd);
    if (rc) {
        accel_fail(s, rc, "IOMMU_VEVENTQ_ALLOC (vIOMMU %u, depth %u)", a->viommu_id,
                   depth);
        return rc;
    }
    vsmmu_tr(s, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_VEVENTQ, id);
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        rc = -errno;
        accel_fail(s, rc, "making the vEVENTQ fd %d non-blocking", fd);
        vsmmu_iommufd_veventq_close(a->t, fd);
        accel_destroy(s, VSMMU_TRACE_OBJ_VEVENTQ, id, "the vEVENTQ");
        return rc;
    }
    a->has_veventq = true;
    a->veventq_id = id;
    a->veventq_fd = fd;
    a->veventq_depth = depth;
    vsmmu_vevent_reader_init(&a->rd, EVT_SIZE);
    vsmmu_trace(s, "accel: vEVENTQ %u allocated (depth %u, fd %d)", id, depth, fd);
    notify_fd(s, -1, fd);
    return 0;
}

/* Stop polling (the notifier, and event_fd reports -1), close the fd, and
 * only then destroy the object: the open fd holds it. */
void accel_veventq_destroy(struct vsmmu *s)
{
    struct vsmmu_accel *a = s->accel;
    int fd = a->veventq_fd, rc;

    if (!a->has_veventq)
        return;
    a->has_veventq = false;
    a->veventq_fd = -1;
    a->veventq_depth = 0;
    notify_fd(s, fd, -1);
    rc = vsmmu_iommufd_veventq_close(a->t, fd);
    if (rc)
        accel_fail(s, rc, "closing the vEVENTQ fd %d", fd);
    accel_destroy(s, VSMMU_TRACE_OBJ_VEVENTQ, a->veventq_id, "the vEVENTQ");
}

/* ---- propagation -------------------------------------------------------- */

static void on_record(void *arg, const uint8_t *payload, uint32_t seq)
{
    struct vsmmu *s = arg;
    uint64_t rec[4];
    enum vsmmu_evq_result r;

    for (unsigned i = 0; i < 4; i++)
        rec[i] = vsmmu_le64(payload + 8 * i);
    r = vsmmu_eventq_push(s, rec);
    vsmmu_tr(s, VSMMU_TRACE_HOST_EVENT, st_get(rec, EVT_TYPE), st_get(rec, EVT_SID), seq,
             r == EVQ_WRITTEN);
    if (r == EVQ_WRITTEN) {
        s->stats.delivered++;
        vsmmu_trace(s, "accel: host event 0x%02x (seq %u) for vSID 0x%x delivered",
                    (unsigned)st_get(rec, EVT_TYPE), seq, (unsigned)st_get(rec, EVT_SID));
    } else {
        s->stats.dropped++;
        /* QEMU compatibility: a host event for a disabled queue raises
         * GERROR.EVENTQ_ABT_ERR too (a full one does in vsmmu_eventq_push). */
        if (r == EVQ_DISABLED && (s->cfg.flags & VSMMU_FLAG_QEMU_EVENTQ_FULL))
            vsmmu_gerror_raise(s, fld_lo(GERROR_EVENTQ_ABT_ERR));
        vsmmu_trace(s, "accel: host event 0x%02x (seq %u) dropped: guest event queue %s",
                    (unsigned)st_get(rec, EVT_TYPE), seq,
                    r == EVQ_DISABLED ? "disabled" :
                    r == EVQ_OVERFLOW ? "full" : "not writable");
    }
}

/* Reported (rate-limited like every message). */
static void on_lost(void *arg, uint64_t n)
{
    struct vsmmu *s = arg;

    s->stats.host_lost += n;
    vsmmu_tr(s, VSMMU_TRACE_HOST_LOST, n, s->stats.host_lost);
    vsmmu_eventq_flag_overflow(s);
    vsmmu_log(s, VSMMU_LOG_ERROR,
              "accel: the host lost %llu events of the vEVENTQ (%llu lost in total); "
              "EVENTQ_PROD.OVFLG signals it to the guest",
              (unsigned long long)n, (unsigned long long)s->stats.host_lost);
}

/* One read of the vEVENTQ, its records delivered; *emptied as
 * vsmmu_vevent_reader_step() sets it.  Lock held. */
static int process_one_read(struct vsmmu *s, uint8_t *buf, bool *emptied)
{
    struct vsmmu_accel *a = s->accel;
    uint64_t malformed = a->rd.malformed;
    int rc = vsmmu_vevent_reader_step(&a->rd, a->t, a->veventq_fd, buf, emptied, on_record,
                                      on_lost, s);

    if (a->rd.malformed != malformed) {
        uint64_t n = a->rd.malformed - malformed;
        s->stats.dropped += n;
        vsmmu_log(s, VSMMU_LOG_ERROR,
                  "accel: dropped %llu malformed vEVENTQ record(s) (neither a lost-events "
                  "header nor a %u-byte SMMUv3 record)", (unsigned long long)n,
                  8 + EVT_SIZE);
    }
    if (rc < 0 && rc != -EAGAIN && rc != -EINTR)
        accel_fail(s, rc, "reading the vEVENTQ fd %d", a->veventq_fd);
    return rc;
}

/*
 * Read until a read shows the queue empty: it returned nothing, or it left
 * room for another record (the kernel fills the buffer with every whole
 * record queued, so one read per wake-up is the common case, not a second
 * read just to see it empty).  The lock is taken per read, so MMIO and
 * the other entry points wait at most for one read's records.  Bounded:
 * twice the vEVENTQ depth in records (plus reads that delivered nothing)
 * drains a full queue in one call; a host that refills it as fast as it is
 * drained ends the call with -EAGAIN (call again).
 */
int vsmmu_accel_process_events(vsmmu_t *s)
{
    uint8_t buf[VSMMU_VEVENT_READ_BUF];
    uint64_t work = 0;
    int delivered = 0, rc;
    bool emptied = false;

    if (!s)
        return -EINVAL;
    for (;;) {
        if (vsmmu_lock(s))
            return -EDEADLK;    /* only possible on the first pass */
        if (!s->accel->has_veventq) {
            rc = 0;
        } else if (work >= 2ull * s->accel->veventq_depth) {
            rc = -EAGAIN;
        } else {
            rc = process_one_read(s, buf, &emptied);
            if (rc == -EAGAIN)
                rc = 0;         /* read empty: done */
            else if (rc >= 0 && emptied) {
                delivered += rc;
                rc = 0;         /* the read took the rest: done */
            } else if (rc >= 0 || rc == -EINTR) {
                delivered += rc > 0 ? rc : 0;
                work += rc > 0 ? (uint64_t)rc : 1;
                vsmmu_unlock(s);
                continue;
            }
        }
        vsmmu_unlock(s);
        return rc ? rc : delivered;
    }
}

int vsmmu_accel_event_fd(vsmmu_t *s)
{
    int fd;

    if (!s)
        return -1;
    if (vsmmu_lock(s))
        return -EDEADLK;
    fd = s->accel->has_veventq ? s->accel->veventq_fd : -1;
    vsmmu_unlock(s);
    return fd;
}

void vsmmu_accel_set_event_fd_notifier(vsmmu_t *s,
                                       void (*fn)(void *opaque, int old_fd, int new_fd),
                                       void *opaque)
{
    if (!s || !vsmmu_lock_void(s, __func__))
        return;
    s->accel->fd_fn = fn;
    s->accel->fd_opaque = opaque;
    vsmmu_unlock(s);
}
