// SPDX-License-Identifier: MIT
/* STUB: event records and the event queue (to be written by the core work). */
#include "internal.h"

void vsmmu_event_encode(const struct vsmmu_event *ev, uint64_t rec[4]) { (void)ev; rec[0] = rec[1] = rec[2] = rec[3] = 0; }
enum vsmmu_evq_result vsmmu_eventq_push(struct vsmmu *s, const uint64_t rec[4]) { (void)s; (void)rec; return EVQ_DISABLED; }
enum vsmmu_evq_result vsmmu_event_record_locked(struct vsmmu *s, const struct vsmmu_event *ev) { (void)s; (void)ev; return EVQ_DISABLED; }
enum vsmmu_evq_result vsmmu_event_record(struct vsmmu *s, const struct vsmmu_event *ev) { (void)s; (void)ev; return EVQ_DISABLED; }
void vsmmu_eventq_flag_overflow(struct vsmmu *s) { (void)s; }
const char *vsmmu_event_name(uint8_t type) { (void)type; return NULL; }
