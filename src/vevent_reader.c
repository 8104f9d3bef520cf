// SPDX-License-Identifier: MIT
/* STUB: vEVENTQ record reader (to be written by the accel work). */
#include <errno.h>
#include <string.h>
#include "iommufd_priv.h"

void vsmmu_vevent_reader_init(struct vsmmu_vevent_reader *r, uint32_t payload_len)
{ memset(r, 0, sizeof(*r)); r->payload_len = payload_len; r->last_seq = 0x7fffffff; }
int vsmmu_vevent_reader_drain(struct vsmmu_vevent_reader *r, vsmmu_iommufd_t *t, int fd,
                              void (*cb)(void *, const uint8_t *, uint32_t),
                              void (*lost_cb)(void *, uint64_t), void *arg)
{ (void)r; (void)t; (void)fd; (void)cb; (void)lost_cb; (void)arg; return -ENOSYS; }
