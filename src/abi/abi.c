// SPDX-License-Identifier: MIT
/* Extensible structs (abi.h) and the library's version. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "abi/abi.h"
#include "vsmmu.h"

#define STR_(x) #x
#define STR(x) STR_(x)

uint32_t vsmmu_version(void)
{
    return VSMMU_VERSION;
}

const char *vsmmu_version_string(void)
{
    return STR(VSMMU_VERSION_MAJOR) "." STR(VSMMU_VERSION_MINOR) "." STR(VSMMU_VERSION_PATCH);
}

/* The struct_size a struct starts with (it may be unaligned in a caller's
 * byte buffer, so it is read with memcpy). */
static uint32_t struct_size_of(const void *p)
{
    uint32_t n;
    memcpy(&n, p, sizeof(n));
    return n;
}

bool vsmmu_abi_size_ok(const void *p)
{
    uint32_t n = struct_size_of(p);
    return n >= sizeof(uint32_t) && n <= VSMMU_ABI_MAX_STRUCT;
}

int vsmmu_abi_copy_in(void *dst, size_t dst_size, const void *src)
{
    const unsigned char *from = src;
    uint32_t n, lib = (uint32_t)dst_size;

    if (!src || !vsmmu_abi_size_ok(src))
        return -EINVAL;
    n = struct_size_of(src);
    for (size_t i = dst_size; i < n; i++)
        if (from[i])
            return -E2BIG;
    memcpy((unsigned char *)dst + sizeof(uint32_t), from + sizeof(uint32_t),
           (n < dst_size ? n : dst_size) - sizeof(uint32_t));
    memcpy(dst, &lib, sizeof(lib));
    return 0;
}

int vsmmu_abi_copy_out(void *dst, const void *src, size_t src_size)
{
    unsigned char *to = dst;
    uint32_t n;

    if (!dst || !vsmmu_abi_size_ok(dst))
        return -EINVAL;
    n = struct_size_of(dst);
    memcpy(to + sizeof(uint32_t), (const unsigned char *)src + sizeof(uint32_t),
           (n < src_size ? n : src_size) - sizeof(uint32_t));
    if (n > src_size)
        memset(to + src_size, 0, n - src_size);
    return 0;
}
