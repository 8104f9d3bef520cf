// SPDX-License-Identifier: MIT
/*
 * vEVENTQ record reader: drains a vEVENTQ fd through the iommufd layer,
 * several records per read(), checks each record, and tracks the 31-bit
 * sequence numbers to count lost events.  A drain ends with a read that
 * returns nothing or one that left room for another record: the kernel
 * returns every whole queued record that fits (docs/iommufd.md 4.3), so
 * such a read took all there was.
 *
 * What a read returns is a run of records, each an 8-byte header
 * {u32 flags, u32 sequence} followed by the queue type's payload, or a
 * bare header with LOST_EVENTS (events were lost after the previous
 * record).  Loss counting (sequence arithmetic modulo 2^31):
 *  - lost-events header with sequence s: (s - last) events were lost (the
 *    header carries the sequence of the last lost event);
 *  - record with sequence s: (s - last - 1) events were lost before it;
 *    the wrap from 0x7fffffff to 0 is not a loss.
 * Anything else (unknown flags, a sequence above 0x7fffffff, a truncated
 * record) is counted as malformed; the rest of that read's buffer is
 * dropped because the record boundaries can no longer be trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "iommufd/iommufd_priv.h"

#define HDR_SIZE      8u
#define SEQ_MASK      0x7fffffffu
#define READ_BUF      VSMMU_VEVENT_READ_BUF
/* Work per drain call, in records plus reads that delivered none: twice
 * the deepest queue the kernel allows, so a full queue always drains in one
 * call, while a producer that refills it as fast as it is read cannot keep
 * the caller forever (the call returns -EAGAIN: call again). */
#define DRAIN_BUDGET  (2ull * VSMMU_VEVENTQ_MAX_DEPTH)

void vsmmu_vevent_reader_init(struct vsmmu_vevent_reader *r, uint32_t payload_len)
{
    if (!r)
        return;
    memset(r, 0, sizeof(*r));
    r->payload_len = payload_len;
    r->last_seq = SEQ_MASK;
}

int vsmmu_vevent_reader_new(uint32_t payload_len, vsmmu_vevent_reader_t **out)
{
    struct vsmmu_vevent_reader *r;

    if (!out)
        return -EINVAL;
    *out = NULL;
    if (payload_len == 0 || payload_len > READ_BUF - HDR_SIZE)
        return -EINVAL;
    r = malloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    vsmmu_vevent_reader_init(r, payload_len);
    *out = r;
    return 0;
}

void vsmmu_vevent_reader_free(vsmmu_vevent_reader_t *r)
{
    free(r);
}

int vsmmu_vevent_reader_counts(const vsmmu_vevent_reader_t *r, struct vsmmu_vevent_counts *out)
{
    struct vsmmu_vevent_counts c;

    if (!r)
        return -EINVAL;
    c = (struct vsmmu_vevent_counts){
        .struct_size = sizeof(c), .last_seq = r->last_seq,
        .records = r->records, .lost = r->lost, .malformed = r->malformed,
    };
    return vsmmu_abi_copy_out(out, &c, sizeof(c));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parse one read's bytes; returns the records delivered. */
static int parse(struct vsmmu_vevent_reader *r, const uint8_t *buf, size_t n,
                 void (*cb)(void *, const uint8_t *, uint32_t),
                 void (*lost_cb)(void *, uint64_t), void *arg)
{
    size_t off = 0;
    int delivered = 0;
    while (off < n) {
        size_t rem = n - off;
        if (rem < HDR_SIZE) {
            r->malformed++;
            break;
        }
        uint32_t flags = rd32(buf + off), seq = rd32(buf + off + 4);
        if (seq & ~SEQ_MASK) {
            r->malformed++;
            break;
        }
        if (flags == VSMMU_VEVENT_FLAG_LOST_EVENTS) {
            uint32_t nlost = (seq - r->last_seq) & SEQ_MASK;
            r->last_seq = seq;
            if (nlost) {
                r->lost += nlost;
                if (lost_cb)
                    lost_cb(arg, nlost);
            }
            off += HDR_SIZE;
            continue;
        }
        if (flags != 0 || rem < HDR_SIZE + (size_t)r->payload_len) {
            r->malformed++;
            break;
        }
        uint32_t gap = (seq - r->last_seq - 1) & SEQ_MASK;
        if (gap) {
            r->lost += gap;
            if (lost_cb)
                lost_cb(arg, gap);
        }
        r->last_seq = seq;
        r->records++;
        delivered++;
        if (cb)
            cb(arg, buf + off + HDR_SIZE, seq);
        off += HDR_SIZE + r->payload_len;
    }
    return delivered;
}

int vsmmu_vevent_reader_step(struct vsmmu_vevent_reader *r, vsmmu_iommufd_t *t, int fd,
                             uint8_t *buf, bool *emptied,
                             void (*cb)(void *arg, const uint8_t *payload, uint32_t seq),
                             void (*lost_cb)(void *arg, uint64_t nlost), void *arg)
{
    uint64_t malformed = r->malformed;
    long n;
    int delivered;

    *emptied = false;
    n = vsmmu_iommufd_veventq_read(t, fd, buf, READ_BUF);
    if (n == 0 || n == -EAGAIN)
        return -EAGAIN;
    if (n < 0)
        return (int)n;
    if (n > READ_BUF)       /* a transport that overran the buffer */
        return -EIO;
    delivered = parse(r, buf, (size_t)n, cb, lost_cb, arg);
    /* Room left for a whole record (a lost-events header is smaller): had
     * anything still been queued, the read would have returned it too.
     * After a malformed record the sizes are not to be trusted: read on. */
    *emptied = READ_BUF - (size_t)n >= HDR_SIZE + r->payload_len && r->malformed == malformed;
    return delivered;
}

int vsmmu_vevent_reader_drain(struct vsmmu_vevent_reader *r, vsmmu_iommufd_t *t, int fd,
                              void (*cb)(void *arg, const uint8_t *payload, uint32_t seq),
                              void (*lost_cb)(void *arg, uint64_t nlost), void *arg)
{
    uint64_t work = 0;
    int delivered = 0, n;
    bool emptied;

    if (!r || !t || fd < 0 || r->payload_len == 0 ||
        r->payload_len > READ_BUF - HDR_SIZE)
        return -EINVAL;
    uint8_t *buf = malloc(READ_BUF);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (work >= DRAIN_BUDGET) {
            n = -EAGAIN;    /* still readable, perhaps: call again */
            break;
        }
        n = vsmmu_vevent_reader_step(r, t, fd, buf, &emptied, cb, lost_cb, arg);
        if (n == -EINTR) {
            work++;
            continue;
        }
        if (n < 0) {
            if (n == -EAGAIN)
                n = 0;      /* read empty */
            break;
        }
        delivered += n;
        work += n ? (uint64_t)n : 1;
        if (emptied) {
            n = 0;          /* the read took the rest */
            break;
        }
    }
    free(buf);
    return n ? n : delivered;
}
