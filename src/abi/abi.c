// SPDX-License-Identifier: MIT
/* The library's version (the struct size rule is inline in abi.h). */
#include <stdint.h>

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
