// SPDX-License-Identifier: MIT
/* STUB: translation (to be written by the translation work). */
#include <errno.h>
#include "internal.h"

int vsmmu_xlate_init(struct vsmmu *s) { (void)s; return 0; }
void vsmmu_xlate_fini(struct vsmmu *s) { (void)s; }
void vsmmu_xlate_reset(struct vsmmu *s) { (void)s; }
void vsmmu_xlate_command(struct vsmmu *s, const uint64_t cmd[2]) { (void)s; (void)cmd; }
int vsmmu_ste_fetch(struct vsmmu *s, uint32_t sid, uint64_t ste[STE_DWORDS], uint64_t *fetch_addr)
{ (void)s; (void)sid; (void)ste; (void)fetch_addr; return EVT_C_BAD_STREAMID; }
int vsmmu_translate(vsmmu_t *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                    unsigned access, struct vsmmu_xlate_result *res)
{ (void)s; (void)sid; (void)ssid; (void)iova; (void)access; (void)res; return -ENOSYS; }
