/* SPDX-License-Identifier: MIT */
/*
 * Pieces both libFuzzer targets use: a cursor over the fuzz input, its
 * little-endian fields, the guest-RAM bounds check and a log sink that
 * drops messages.  Header-only, so each target still builds from its one
 * fuzz/<target>.c.
 */
#ifndef VSMMU_FUZZ_COMMON_H
#define VSMMU_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vsmmu.h"
#include "vsmmu_trace.h"

/* The unread rest of the fuzz input. */
struct rd {
    const uint8_t *p;
    size_t n;
};

/* Copy the next @len input bytes to @out; false (nothing consumed) when
 * fewer remain. */
static inline bool take(struct rd *r, void *out, size_t len)
{
    if (r->n < len)
        return false;
    memcpy(out, r->p, len);
    r->p += len;
    r->n -= len;
    return true;
}

/* The little-endian value of the @len (<= 8) bytes at @b. */
static inline uint64_t le(const uint8_t *b, unsigned len)
{
    uint64_t v = 0;
    for (unsigned i = len; i > 0; i--)
        v = (v << 8) | b[i - 1];
    return v;
}

/* [@addr, @addr + @len) lies inside the RAM of @size bytes at @base
 * (written so that no sum can wrap). */
static inline bool fuzz_in_ram(uint64_t addr, size_t len, uint64_t base, uint64_t size)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

/* Guest RAM for the mem_read/mem_write callbacks below (their opaque). */
struct fuzz_ram {
    uint8_t *p;
    uint64_t base, size;
};

static inline int fuzz_ram_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    const struct fuzz_ram *r = opaque;
    if (!fuzz_in_ram(addr, len, r->base, r->size))
        return -1;
    memcpy(buf, r->p + (addr - r->base), len);
    return 0;
}

static inline int fuzz_ram_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    const struct fuzz_ram *r = opaque;
    if (!fuzz_in_ram(addr, len, r->base, r->size))
        return -1;
    memcpy(r->p + (addr - r->base), buf, len);
    return 0;
}

/* Log callback: the targets check behaviour, not messages. */
static inline void fuzz_log_discard(void *opaque, enum vsmmu_log_level level, const char *msg)
{
    (void)opaque;
    (void)level;
    (void)msg;
}

/* A trace callback that checks each event against the published table. */
static inline void fuzz_trace_check(void *opaque, const struct vsmmu_trace_event *ev)
{
    const char *const *names;
    unsigned n;

    (void)opaque;
    if (vsmmu_trace_args(ev->id, &names, &n) || n != ev->nargs ||
        strcmp(ev->name, vsmmu_trace_name(ev->id)))
        abort();
    for (unsigned i = 0; i < n; i++)
        if (strcmp(ev->args[i].name, names[i]))
            abort();
}

#endif
