/* SPDX-License-Identifier: MIT */
/*
 * The extensible-struct rule of the public API (docs/abi.md): every struct
 * crossing the boundary starts with uint32_t struct_size, the size the
 * other side was compiled with.  These helpers do the size arithmetic once
 * for every entry point.  They are header-only so that the test doubles of
 * libvsmmu-sim follow the same rule without linking the library's
 * internals.
 */
#ifndef VSMMU_ABI_H
#define VSMMU_ABI_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Largest struct_size taken: anything above is an unset field, not a
 * struct from a later release. */
#define VSMMU_ABI_MAX_STRUCT 4096u

/* The struct_size a struct starts with (it may be unaligned in a caller's
 * byte buffer, so it is read with memcpy). */
static inline uint32_t vsmmu_abi_struct_size(const void *p)
{
    uint32_t n;
    memcpy(&n, p, sizeof(n));
    return n;
}

/** Whether the struct_size @p starts with is plausible (4..4096 bytes). */
static inline bool vsmmu_abi_size_ok(const void *p)
{
    uint32_t n = vsmmu_abi_struct_size(p);
    return n >= sizeof(uint32_t) && n <= VSMMU_ABI_MAX_STRUCT;
}

/**
 * Copy a caller's input struct @src into the library's @dst (@dst_size
 * bytes, already holding the defaults for every field): min(caller, library)
 * bytes are copied, the rest of @dst keeps its defaults, and dst's
 * struct_size becomes @dst_size.  Returns 0; -EINVAL for a NULL @src or a
 * struct_size that vsmmu_abi_size_ok() refuses; -E2BIG when the caller's
 * struct is larger and a byte the library does not know is not zero (@dst
 * is then unchanged).
 */
static inline int vsmmu_abi_copy_in(void *dst, size_t dst_size, const void *src)
{
    const unsigned char *from = src;
    uint32_t n, lib = (uint32_t)dst_size;

    if (!src || !vsmmu_abi_size_ok(src))
        return -EINVAL;
    n = vsmmu_abi_struct_size(src);
    for (size_t i = dst_size; i < n; i++)
        if (from[i])
            return -E2BIG;
    memcpy((unsigned char *)dst + sizeof(uint32_t), from + sizeof(uint32_t),
           (n < dst_size ? n : dst_size) - sizeof(uint32_t));
    memcpy(dst, &lib, sizeof(lib));
    return 0;
}

/**
 * Copy the library's output struct @src (@src_size bytes) to the caller's
 * @dst, whose struct_size says how big it is: min(caller, library) bytes
 * are written, caller bytes beyond the library's struct are zeroed, and
 * dst's struct_size is left as the caller set it.  Returns 0, or -EINVAL for
 * a NULL @dst or a struct_size that vsmmu_abi_size_ok() refuses (nothing
 * written).
 */
static inline int vsmmu_abi_copy_out(void *dst, const void *src, size_t src_size)
{
    unsigned char *to = dst;
    uint32_t n;

    if (!dst || !vsmmu_abi_size_ok(dst))
        return -EINVAL;
    n = vsmmu_abi_struct_size(dst);
    memcpy(to + sizeof(uint32_t), (const unsigned char *)src + sizeof(uint32_t),
           (n < src_size ? n : src_size) - sizeof(uint32_t));
    if (n > src_size)
        memset(to + src_size, 0, n - src_size);
    return 0;
}

#endif
