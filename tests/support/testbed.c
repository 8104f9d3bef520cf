// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testbed.h"

static bool in_ram(struct testbed *tb, uint64_t addr, size_t len)
{
    return addr >= tb->ram_base && len <= tb->ram_size &&
           addr - tb->ram_base <= tb->ram_size - len;
}

static bool aborts(struct testbed *tb, uint64_t addr, size_t len)
{
    if (!in_ram(tb, addr, len))
        return true;
    return tb->abort_hi > tb->abort_lo && addr < tb->abort_hi && addr + len > tb->abort_lo;
}

/*
 * Guest RAM is shared between the guest (this thread) and the model's
 * translating threads, as in a VM: every access is a relaxed atomic copy,
 * so ThreadSanitizer sees no data race on RAM itself, and no ordering is
 * added that could hide a missing one in the model.
 */
static void ram_copy(uint8_t *dst, const uint8_t *src, size_t len, bool to_ram)
{
    uint8_t *ram = to_ram ? dst : (uint8_t *)src;

    if ((((uintptr_t)ram | len) & 7) == 0) {
        for (size_t i = 0; i < len; i += 8) {
            uint64_t v;
            if (to_ram) {
                memcpy(&v, src + i, 8);
                __atomic_store_n((uint64_t *)(void *)(dst + i), v, __ATOMIC_RELAXED);
            } else {
                v = __atomic_load_n((const uint64_t *)(const void *)(src + i), __ATOMIC_RELAXED);
                memcpy(dst + i, &v, 8);
            }
        }
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (to_ram)
            __atomic_store_n(dst + i, src[i], __ATOMIC_RELAXED);
        else
            dst[i] = __atomic_load_n(src + i, __ATOMIC_RELAXED);
    }
}

/* A read of guest RAM (after the count and the hook). */
static inline __attribute__((always_inline)) int ram_read(struct testbed *tb, uint64_t addr,
                                                          void *buf, size_t len)
{
    const uint8_t *src;

    if (aborts(tb, addr, len))
        return -1;
    src = tb->ram + (addr - tb->ram_base);
    /* One aligned dword (a table descriptor: the model's walk reads one
     * at a time) is one load, as a VMM's RAM read would be. */
    if (len == 8 && !((uintptr_t)src & 7)) {
        uint64_t v = __atomic_load_n((const uint64_t *)(const void *)src, __ATOMIC_RELAXED);
        memcpy(buf, &v, 8);
        return 0;
    }
    ram_copy(buf, src, len, false);
    return 0;
}

/* The read with the test's hook first; out of line, so that mem_read
 * (counted by the bench as the VMM's cost) makes no call of its own. */
static __attribute__((noinline, cold)) int mem_read_hooked(struct testbed *tb, uint64_t addr,
                                                           void *buf, size_t len)
{
    tb->read_hook(tb, addr, len);
    return ram_read(tb, addr, buf, len);
}

static int mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    struct testbed *tb = opaque;

    __atomic_add_fetch(&tb->mem_reads, 1, __ATOMIC_RELAXED);
    if (__builtin_expect(tb->read_hook != NULL, 0))
        return mem_read_hooked(tb, addr, buf, len);
    return ram_read(tb, addr, buf, len);
}

static int mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    struct testbed *tb = opaque;
    __atomic_add_fetch(&tb->mem_writes, 1, __ATOMIC_RELAXED);
    if (aborts(tb, addr, len))
        return -1;
    ram_copy(tb->ram + (addr - tb->ram_base), buf, len, true);
    return 0;
}

static void irq(void *opaque, enum vsmmu_irq line)
{
    struct testbed *tb = opaque;
    if ((unsigned)line < 4)
        tb->irq_count[line]++;
    if (tb->nirqs < TB_MAX_IRQS)
        tb->irqs[tb->nirqs++] = (struct tb_irq){ .line = (int)line };
}

static int msi(void *opaque, uint64_t addr, uint32_t data)
{
    struct testbed *tb = opaque;
    uint8_t b[4] = { (uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
                     (uint8_t)(data >> 24) };
    tb->msi_count++;
    if (tb->nirqs < TB_MAX_IRQS)
        tb->irqs[tb->nirqs++] = (struct tb_irq){ .line = -1, .addr = addr, .data = data };
    return mem_write(opaque, addr, b, 4);
}

static void logfn(void *opaque, enum vsmmu_log_level level, const char *msg)
{
    struct testbed *tb = opaque;
    if (level == VSMMU_LOG_ERROR)
        tb->nerrors++;
    if (tb->print_logs || getenv("VSMMU_TEST_LOG"))
        fprintf(stderr, "[log %d] %s\n", (int)level, msg);
    if (tb->nlogs < TB_MAX_LOGS) {
        snprintf(tb->logs[tb->nlogs], sizeof(tb->logs[0]), "%s", msg);
        tb->log_level[tb->nlogs] = (int)level;
        tb->nlogs++;
    }
}

void tb_map_ram(struct testbed *tb, bool map)
{
    struct vsmmu_ram_region r = VSMMU_STRUCT_INIT(r);

    r.gpa = tb->ram_base;
    r.size = tb->ram_size;
    r.host = tb->ram;
    if (vsmmu_set_ram(tb->s, &r, map ? 1 : 0)) {
        fprintf(stderr, "tb_map_ram: vsmmu_set_ram failed\n");
        abort();
    }
}

struct vsmmu_host_ops tb_ops(struct testbed *tb)
{
    struct vsmmu_host_ops ops = {
        .struct_size = sizeof(ops),
        .mem_read = mem_read, .mem_write = mem_write, .irq = irq,
        .msi = tb->msi_via_callback ? msi : NULL, .log = logfn, .opaque = tb,
    };
    return ops;
}

void tb_init(struct testbed *tb, const struct vsmmu_config *cfg)
{
    bool via_cb = tb->msi_via_callback, pr = tb->print_logs;
    struct vsmmu_host_ops ops;
    int rc;

    memset(tb, 0, sizeof(*tb));
    tb->msi_via_callback = via_cb;
    tb->print_logs = pr;
    tb->ram_base = TB_RAM_BASE;
    tb->ram_size = TB_RAM_SIZE;
    tb->ram = calloc(1, tb->ram_size);
    CHECK(tb->ram != NULL);
    if (cfg)
        tb->cfg = *cfg;
    else
        vsmmu_config_default(&tb->cfg);
    ops = tb_ops(tb);
    rc = vsmmu_create(&tb->cfg, &ops, &tb->s);
    CHECK_MSG(rc == 0, "vsmmu_create: %d", rc);
}

void tb_fini(struct testbed *tb)
{
    vsmmu_destroy(tb->s);
    tb->s = NULL;
    free(tb->ram);
    tb->ram = NULL;
}

uint32_t tb_readl(struct testbed *tb, uint64_t off)
{
    uint64_t v = 0;
    CHECK_EQ(vsmmu_mmio_read(tb->s, off, 4, &v), 0);
    return (uint32_t)v;
}

uint64_t tb_readq(struct testbed *tb, uint64_t off)
{
    uint64_t v = 0;
    CHECK_EQ(vsmmu_mmio_read(tb->s, off, 8, &v), 0);
    return v;
}

void tb_writel(struct testbed *tb, uint64_t off, uint32_t v)
{
    CHECK_EQ(vsmmu_mmio_write(tb->s, off, 4, v), 0);
}

void tb_writeq(struct testbed *tb, uint64_t off, uint64_t v)
{
    CHECK_EQ(vsmmu_mmio_write(tb->s, off, 8, v), 0);
}

void tb_write(struct testbed *tb, uint64_t addr, const void *buf, size_t len)
{
    CHECK_MSG(in_ram(tb, addr, len), "tb_write outside RAM: 0x%llx", (unsigned long long)addr);
    ram_copy(tb->ram + (addr - tb->ram_base), buf, len, true);
}

void tb_read(struct testbed *tb, uint64_t addr, void *buf, size_t len)
{
    CHECK_MSG(in_ram(tb, addr, len), "tb_read outside RAM: 0x%llx", (unsigned long long)addr);
    ram_copy(buf, tb->ram + (addr - tb->ram_base), len, false);
}

void tb_w64(struct testbed *tb, uint64_t addr, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    tb_write(tb, addr, b, 8);
}

uint64_t tb_r64(struct testbed *tb, uint64_t addr)
{
    uint8_t b[8];
    uint64_t v = 0;
    tb_read(tb, addr, b, 8);
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

void tb_w32(struct testbed *tb, uint64_t addr, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    tb_write(tb, addr, b, 4);
}

uint32_t tb_r32(struct testbed *tb, uint64_t addr)
{
    uint8_t b[4];
    tb_read(tb, addr, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void tb_clear_irqs(struct testbed *tb)
{
    tb->nirqs = 0;
    tb->msi_count = 0;
    memset(tb->irq_count, 0, sizeof(tb->irq_count));
}

void tb_clear_logs(struct testbed *tb)
{
    tb->nlogs = 0;
    tb->nerrors = 0;
}

bool tb_log_contains(const struct testbed *tb, const char *needle)
{
    for (unsigned i = 0; i < tb->nlogs; i++)
        if (strstr(tb->logs[i], needle))
            return true;
    return false;
}

unsigned tb_count_irq(const struct testbed *tb, enum vsmmu_irq line)
{
    return (unsigned)line < 4 ? tb->irq_count[line] : 0;
}

unsigned tb_log_site(const struct testbed *tb, const char *needle, uint64_t *suppressed)
{
    unsigned n = 0;

    *suppressed = 0;
    for (unsigned i = 0; i < tb->nlogs; i++) {
        unsigned long long k;
        int end = 0;

        if (!strstr(tb->logs[i], needle))
            continue;
        if (sscanf(tb->logs[i], "%llu similar messages suppressed (last: %n", &k, &end) == 1 &&
            end > 0)
            *suppressed += k;
        else
            n++;
    }
    return n;
}
