/* SPDX-License-Identifier: MIT */
/*
 * The extensible-struct rule of the public API (docs/abi.md): every struct
 * crossing the boundary starts with uint32_t struct_size, the size the
 * other side was compiled with.  These helpers do the size arithmetic once
 * for every entry point.
 */
#ifndef VSMMU_ABI_H
#define VSMMU_ABI_H

#include <stdbool.h>
#include <stddef.h>

/* Largest struct_size taken: anything above is an unset field, not a
 * struct from a later release. */
#define VSMMU_ABI_MAX_STRUCT 4096u

/** Whether the struct_size @p starts with is plausible (4..4096 bytes). */
bool vsmmu_abi_size_ok(const void *p);

/**
 * Copy a caller's input struct @src into the library's @dst (@dst_size
 * bytes, already holding the defaults for every field): min(caller, library)
 * bytes are copied, the rest of @dst keeps its defaults, and dst's
 * struct_size becomes @dst_size.  Returns 0; -EINVAL for a NULL @src or a
 * struct_size that vsmmu_abi_size_ok() refuses; -E2BIG when the caller's
 * struct is larger and a byte the library does not know is not zero (@dst
 * is then unchanged).
 */
int vsmmu_abi_copy_in(void *dst, size_t dst_size, const void *src);

/**
 * Copy the library's output struct @src (@src_size bytes) to the caller's
 * @dst, whose struct_size says how big it is: min(caller, library) bytes
 * are written, caller bytes beyond the library's struct are zeroed, and
 * dst's struct_size is left as the caller set it.  Returns 0, or -EINVAL for
 * a NULL @dst or a struct_size that vsmmu_abi_size_ok() refuses (nothing
 * written).
 */
int vsmmu_abi_copy_out(void *dst, const void *src, size_t src_size);

#endif
