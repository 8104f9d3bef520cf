/* SPDX-License-Identifier: MIT */
/*
 * Saved states (vsmmu_state.h, docs/state.md): the little-endian cursors of
 * the format and the hooks through which state.c saves and restores the
 * accel part (src/accel/accel_state.c).  Everything runs with the instance lock held.
 */
#ifndef VSMMU_STATE_PRIV_H
#define VSMMU_STATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/** Writing: @p advances; the caller sized the buffer. */
struct st_out {
    uint8_t *p;
};
static inline void st_put(struct st_out *o, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        *o->p++ = (uint8_t)(v >> (8 * i));
}

/** Reading: never past @n; @bad is set instead. */
struct st_in {
    const uint8_t *p;
    size_t n;
    bool bad;
};
static inline uint64_t st_take(struct st_in *in, unsigned bytes)
{
    uint64_t v = 0;

    if (in->n < bytes) {
        in->bad = true;
        in->n = 0;
        return 0;
    }
    for (unsigned i = bytes; i > 0; i--)
        v = (v << 8) | in->p[i - 1];
    in->p += bytes;
    in->n -= bytes;
    return v;
}

/* ---- accel section (accel_state.c) -------------------------------------- */
struct accel_restore;
/** Payload size of the accel section. */
size_t vsmmu_accel_state_size(const struct vsmmu *s);
void vsmmu_accel_state_write(const struct vsmmu *s, struct st_out *o);
/** Parse and check the accel section into *@out (allocated).  Returns 0,
 *  -EBADMSG, -EINVAL or -ENOMEM, with a log message; nothing changes. */
int vsmmu_accel_state_parse(struct vsmmu *s, struct st_in *in, struct accel_restore **out);
/** Adopt a parsed accel section (ownership passes): devices attached now
 *  are re-attached as recorded, the others when the VMM attaches them. */
void vsmmu_accel_state_commit(struct vsmmu *s, struct accel_restore *r);
/** Free a parsed accel section that is not committed. */
void vsmmu_accel_state_free(struct accel_restore *r);
/** Before a save: records still in the vEVENTQ are lost (OVFLG). */
void vsmmu_accel_state_drain_lost(struct vsmmu *s);

#endif /* VSMMU_STATE_PRIV_H */
