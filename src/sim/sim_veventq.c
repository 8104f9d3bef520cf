// SPDX-License-Identifier: MIT
/*
 * The simulated kernel's vEVENTQ: allocation rules, the record queue with
 * its depth accounting, the single lost-events header and the 31-bit
 * sequence numbers, and a real file descriptor per queue.
 *
 * The fd is the read end of a non-blocking pipe that holds one byte exactly
 * while something (a record or the lost-events header) is queued, so it
 * polls readable (POLLIN) then and only then.  Records are read through
 * vsmmu_iommufd_veventq_read(), never with read(2) on the fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim.h"

#define SEQ_MASK     0x7fffffffu
#define HDR_SIZE     8u

int sim_veventq_alloc(struct vsmmu_sim *sim, uint32_t viommu_id, uint32_t type,
                      uint32_t depth, uint32_t *out_id, int *out_fd)
{
    int p[2];
    if (type == 0)
        return -EOPNOTSUPP;
    if (depth == 0 || depth > VSMMU_VEVENTQ_MAX_DEPTH)
        return -EINVAL;
    struct sim_obj *v = sim_get(sim, viommu_id, SIM_VIOMMU);
    if (!v)
        return -ENOENT;
    for (uint32_t i = 1; i < sim->cap; i++) {
        struct sim_obj *q = sim_get(sim, i, SIM_VEVENTQ);
        if (q && q->viommu == viommu_id && q->type == type)
            return -EEXIST;
    }
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
        return -errno;
    struct sim_obj *q = sim_new(sim, SIM_VEVENTQ);
    if (!q) {
        close(p[0]);
        close(p[1]);
        return -ENOMEM;
    }
    q->viommu = viommu_id;
    q->iommu = v->iommu;
    q->type = type;
    q->depth = depth;
    q->rfd = p[0];
    q->wfd = p[1];
    if (out_id)
        *out_id = q->id;
    if (out_fd)
        *out_fd = q->rfd;
    return 0;
}

/* Make the pipe readable exactly while something is queued. */
static void sync_ready(struct sim_obj *q)
{
    bool want = q->head || q->lost_queued;
    if (q->rfd < 0 || want == q->pipe_ready)
        return;
    uint8_t b = 0;
    ssize_t n = want ? write(q->wfd, &b, 1) : read(q->rfd, &b, 1);
    if (n == 1)
        q->pipe_ready = want;
}

static struct sim_obj *queue_of_fd(struct vsmmu_sim *sim, int fd)
{
    struct sim_obj *q = sim_get(sim, sim->vq_hint, SIM_VEVENTQ);

    if (fd < 0)
        return NULL;
    if (q && q->rfd == fd)
        return q;
    for (uint32_t i = 1; i < sim->cap; i++) {
        q = sim_get(sim, i, SIM_VEVENTQ);
        if (q && q->rfd == fd) {
            sim->vq_hint = i;
            return q;
        }
    }
    return NULL;
}

long sim_veventq_read(struct vsmmu_sim *sim, int fd, void *buf, size_t len)
{
    struct sim_obj *q = queue_of_fd(sim, fd);
    uint8_t *out = buf;
    size_t done = 0;
    long rc = 0;

    if (!q)
        return -EBADF;
    if (len < HDR_SIZE)
        return -EINVAL;
    if (!buf)
        return -EFAULT;
    for (;;) {
        struct sim_vevent *e = q->head;
        uint32_t flags, seq, dlen;
        if (e) {
            flags = 0;
            seq = e->seq;
            dlen = e->len;
        } else if (q->lost_queued) {
            flags = VSMMU_VEVENT_FLAG_LOST_EVENTS;
            seq = q->lost_seq;
            dlen = 0;
        } else {
            break;
        }
        if (HDR_SIZE + dlen > len - done) {
            if (!done)
                rc = -EINVAL;   /* the first record does not fit: it stays */
            break;
        }
        for (int i = 0; i < 4; i++) {
            out[done + i] = (uint8_t)(flags >> (8 * i));
            out[done + 4 + i] = (uint8_t)(seq >> (8 * i));
        }
        if (dlen)
            memcpy(out + done + HDR_SIZE, e->data, dlen);
        done += HDR_SIZE + dlen;
        if (e) {
            q->head = e->next;
            if (!q->head)
                q->tail = NULL;
            q->num_events--;
            free(e);
        } else {
            q->lost_queued = false;
        }
    }
    sync_ready(q);
    return done ? (long)done : rc;
}

int sim_veventq_close(struct vsmmu_sim *sim, int fd)
{
    struct sim_obj *q = queue_of_fd(sim, fd);
    if (!q)
        return -EBADF;
    close(q->rfd);
    close(q->wfd);
    q->rfd = q->wfd = -1;
    q->pipe_ready = false;
    return 0;
}

void sim_veventq_release(struct sim_obj *q)
{
    if (q->rfd >= 0) {
        close(q->rfd);
        close(q->wfd);
        q->rfd = q->wfd = -1;
    }
    while (q->head) {
        struct sim_vevent *e = q->head;
        q->head = e->next;
        free(e);
    }
    q->tail = NULL;
    q->num_events = 0;
    q->lost_queued = false;
}

static uint32_t next_seq(struct sim_obj *q)
{
    uint32_t s = q->next_seq;
    q->next_seq = (s + 1) & SEQ_MASK;
    return s;
}

int sim_report_event(struct vsmmu_sim *sim, struct sim_obj *viommu, uint32_t type,
                     const void *data, uint32_t len)
{
    struct sim_obj *q = sim_get(sim, sim->vq_hint, SIM_VEVENTQ);
    if (!q || q->viommu != viommu->id || q->type != type) {
        q = NULL;
        for (uint32_t i = 1; i < sim->cap && !q; i++) {
            struct sim_obj *x = sim_get(sim, i, SIM_VEVENTQ);
            if (x && x->viommu == viommu->id && x->type == type) {
                q = x;
                sim->vq_hint = i;
            }
        }
    }
    if (!q)
        return -EOPNOTSUPP;
    struct sim_vevent *e = NULL;
    int rc = 0;
    if (q->num_events < q->depth) {
        e = malloc(sizeof(*e) + len);
        if (!e)
            rc = -ENOMEM;
    }
    if (e) {
        /* a normal record drops a trailing lost-events header */
        q->lost_queued = false;
        e->next = NULL;
        e->len = len;
        memcpy(e->data, data, len);
        e->seq = next_seq(q);
        if (q->tail)
            q->tail->next = e;
        else
            q->head = e;
        q->tail = e;
        q->num_events++;
    } else {
        /* full (or out of memory): the lost header moves to the tail */
        q->lost_queued = true;
        q->lost_seq = next_seq(q);
    }
    sync_ready(q);
    return rc;
}

/* ---- test hooks ------------------------------------------------------- */
int vsmmu_simx_set_seq(vsmmu_iommufd_t *t, uint32_t veventq_id, uint32_t seq)
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim)
        return -EINVAL;
    pthread_mutex_lock(&sim->lock);
    struct sim_obj *q = sim_get(sim, veventq_id, SIM_VEVENTQ);
    if (q)
        q->next_seq = seq & SEQ_MASK;
    pthread_mutex_unlock(&sim->lock);
    return q ? 0 : -ENOENT;
}

int vsmmu_simx_queued(vsmmu_iommufd_t *t, uint32_t veventq_id)
{
    struct vsmmu_sim *sim = sim_of(t);
    if (!sim)
        return -EINVAL;
    pthread_mutex_lock(&sim->lock);
    struct sim_obj *q = sim_get(sim, veventq_id, SIM_VEVENTQ);
    int r = q ? (int)q->num_events : -ENOENT;
    pthread_mutex_unlock(&sim->lock);
    return r;
}
