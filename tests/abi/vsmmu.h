/* SPDX-License-Identifier: MIT */
/*
 * FROZEN: the part of include/vsmmu.h that tests/abi/caller.c uses, as a
 * caller built against another release sees it.  Never update it to follow
 * include/vsmmu.h: its point is to differ.
 *
 * ABI_CALLER_OLDER: the structs as a release before 0.2.0 would have laid
 * them out, without the fields 0.2.0 has at their ends (they count as
 * appended since).  ABI_CALLER_NEWER: the 0.2.0 structs with a field a
 * later release appends.  Neither: exactly 0.2.0.
 */
#ifndef VSMMU_H
#define VSMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSMMU_VERSION_MAJOR 0
#define VSMMU_VERSION_MINOR 2
#define VSMMU_VERSION_PATCH 0
#define VSMMU_VERSION ((VSMMU_VERSION_MAJOR << 16) | (VSMMU_VERSION_MINOR << 8) | \
                       VSMMU_VERSION_PATCH)
uint32_t vsmmu_version(void);

#define VSMMU_STRUCT_INIT(var) { .struct_size = (uint32_t)sizeof(var) }

typedef struct vsmmu vsmmu_t;

enum vsmmu_irq { VSMMU_IRQ_EVENTQ, VSMMU_IRQ_PRIQ, VSMMU_IRQ_CMDQ_SYNC, VSMMU_IRQ_GERROR };
enum vsmmu_log_level { VSMMU_LOG_ERROR, VSMMU_LOG_GUEST, VSMMU_LOG_INFO, VSMMU_LOG_TRACE };

struct vsmmu_host_ops {
    uint32_t struct_size;
    int (*mem_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    int (*mem_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
#ifndef ABI_CALLER_OLDER
    void (*irq)(void *opaque, enum vsmmu_irq line);
    int (*msi)(void *opaque, uint64_t addr, uint32_t data);
    void (*log)(void *opaque, enum vsmmu_log_level level, const char *msg);
    void *opaque;
#endif
#ifdef ABI_CALLER_NEWER
    void (*future_cb)(void *opaque);
#endif
};

struct vsmmu_config {
    uint32_t struct_size;
    bool stage1, stage2;
    unsigned oas_bits, sidsize, ssidsize, cmdqs, eventqs, priqs;
    bool two_level_strtab, cd2l, ril, msi, sev, hyp, ats, pri, asid16, vmid16, httu_af;
    bool gran4k, gran16k, gran64k;
    bool accel;
    unsigned aidr_minor;
#ifndef ABI_CALLER_OLDER
    unsigned tlb_entries, cfg_entries;
    uint32_t flags;
    enum vsmmu_log_level log_level;
#endif
#ifdef ABI_CALLER_NEWER
    uint32_t future_knob;
#endif
};

int vsmmu_config_init(struct vsmmu_config *cfg, size_t size);
static inline void vsmmu_config_default(struct vsmmu_config *cfg)
{
    vsmmu_config_init(cfg, sizeof(*cfg));
}
int vsmmu_create(const struct vsmmu_config *cfg, const struct vsmmu_host_ops *ops,
                 vsmmu_t **out);
void vsmmu_destroy(vsmmu_t *s);
int vsmmu_mmio_read(vsmmu_t *s, uint64_t offset, unsigned size, uint64_t *val);
int vsmmu_mmio_write(vsmmu_t *s, uint64_t offset, unsigned size, uint64_t val);

enum vsmmu_access { VSMMU_ACC_READ = 1, VSMMU_ACC_WRITE = 2 };
enum vsmmu_xlate_status { VSMMU_XLATE_OK, VSMMU_XLATE_FAULT };
#define VSMMU_NO_SSID UINT32_MAX

struct vsmmu_xlate_result {
    uint32_t struct_size;
    enum vsmmu_xlate_status status;
    uint64_t addr, size;
#ifndef ABI_CALLER_OLDER
    unsigned perm;
    uint8_t event_type;
    bool recorded;
#endif
#ifdef ABI_CALLER_NEWER
    uint64_t future_info;
#endif
};
int vsmmu_translate(vsmmu_t *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                    unsigned access, struct vsmmu_xlate_result *res);

struct vsmmu_stats {
    uint32_t struct_size, reserved0;
    uint64_t commands, events, events_dropped, tlb_hits, tlb_misses;
#ifndef ABI_CALLER_OLDER
    uint64_t delivered, host_lost, dropped;
#endif
#ifdef ABI_CALLER_NEWER
    uint64_t future_count;
#endif
};
int vsmmu_get_stats(vsmmu_t *s, struct vsmmu_stats *st);

#endif
