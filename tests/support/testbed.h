/* SPDX-License-Identifier: MIT */
/*
 * Test bed: a vsmmu instance wired to a flat guest RAM window, with every
 * interrupt, MSI and log message recorded for the test to inspect.
 */
#ifndef VSMMU_TESTBED_H
#define VSMMU_TESTBED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsmmu.h"

#define TB_RAM_BASE 0x40000000ull
#define TB_RAM_SIZE (64ull << 20)
#define TB_MAX_IRQS 4096
#define TB_MAX_LOGS 256

struct tb_irq {
    int line;          /* enum vsmmu_irq, or -1 for an MSI */
    uint64_t addr;     /* MSI */
    uint32_t data;     /* MSI */
};

struct testbed {
    vsmmu_t *s;
    struct vsmmu_config cfg;
    uint64_t ram_base, ram_size;
    uint8_t *ram;
    /* guest accesses that abort: [abort_lo, abort_hi) inside RAM too */
    uint64_t abort_lo, abort_hi;
    unsigned mem_reads, mem_writes;
    /* called first by every mem_read (any thread), if set */
    void (*read_hook)(struct testbed *tb, uint64_t addr, size_t len);
    struct tb_irq irqs[TB_MAX_IRQS];
    unsigned nirqs;
    unsigned irq_count[4];
    unsigned msi_count;
    bool msi_via_callback;  /* set before tb_init: use ops.msi */
    char logs[TB_MAX_LOGS][256];
    int log_level[TB_MAX_LOGS];
    unsigned nlogs, nerrors;
    bool print_logs;        /* echo log messages to stderr */
};

/** Create the instance (cfg NULL: defaults). Aborts the test on failure. */
void tb_init(struct testbed *tb, const struct vsmmu_config *cfg);
void tb_fini(struct testbed *tb);
struct vsmmu_host_ops tb_ops(struct testbed *tb);

uint32_t tb_readl(struct testbed *tb, uint64_t off);
uint64_t tb_readq(struct testbed *tb, uint64_t off);
void tb_writel(struct testbed *tb, uint64_t off, uint32_t v);
void tb_writeq(struct testbed *tb, uint64_t off, uint64_t v);

/** Guest memory helpers (little-endian); abort the test if outside RAM. */
void tb_write(struct testbed *tb, uint64_t addr, const void *buf, size_t len);
void tb_read(struct testbed *tb, uint64_t addr, void *buf, size_t len);
void tb_w64(struct testbed *tb, uint64_t addr, uint64_t v);
uint64_t tb_r64(struct testbed *tb, uint64_t addr);
void tb_w32(struct testbed *tb, uint64_t addr, uint32_t v);
uint32_t tb_r32(struct testbed *tb, uint64_t addr);

/** Register (map true) or remove (false) the whole RAM window with
 *  vsmmu_set_ram(): the model then reads and writes it directly, bypassing
 *  mem_read/mem_write, their counters and the abort window.  Aborts the
 *  test on failure. */
void tb_map_ram(struct testbed *tb, bool map);

/** Forget recorded interrupts / logs. */
void tb_clear_irqs(struct testbed *tb);
void tb_clear_logs(struct testbed *tb);
/** Does any recorded log message (of any level) contain @needle? */
bool tb_log_contains(const struct testbed *tb, const char *needle);
unsigned tb_count_irq(const struct testbed *tb, enum vsmmu_irq line);
/**
 * Messages of one rate-limited call site: those recorded that contain
 * @needle and are not a suppression summary, and (in *suppressed) the
 * total N of the "N similar messages suppressed (last: ...@needle...)"
 * summaries.  Returns the number of messages delivered.
 */
unsigned tb_log_site(const struct testbed *tb, const char *needle, uint64_t *suppressed);

#endif
