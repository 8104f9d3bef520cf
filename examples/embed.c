// SPDX-License-Identifier: MIT
/*
 * Embedding vsmmu in a VMM, in one page: guest RAM callbacks, MMIO
 * forwarding and a device DMA through the SMMU.
 *
 *   cc embed.c $(pkg-config --cflags --libs vsmmu) -o embed
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu.h>

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (1ull << 20)

struct vm {
    uint8_t ram[RAM_SIZE];
};

/* Guest memory as the SMMU sees it; a non-zero return is an external abort. */
static int mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    struct vm *vm = opaque;
    if (addr < RAM_BASE || len > RAM_SIZE || addr - RAM_BASE > RAM_SIZE - len)
        return -1;
    memcpy(buf, vm->ram + (addr - RAM_BASE), len);
    return 0;
}

static int mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    struct vm *vm = opaque;
    if (addr < RAM_BASE || len > RAM_SIZE || addr - RAM_BASE > RAM_SIZE - len)
        return -1;
    memcpy(vm->ram + (addr - RAM_BASE), buf, len);
    return 0;
}

/* Wired interrupts: a real VMM raises its interrupt controller's line here. */
static void irq(void *opaque, enum vsmmu_irq line)
{
    (void)opaque;
    printf("SMMU interrupt line %d\n", (int)line);
}

int main(void)
{
    struct vm *vm = calloc(1, sizeof(*vm));
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops = {
        .struct_size = sizeof(ops),
        .mem_read = mem_read, .mem_write = mem_write, .irq = irq,
        .opaque = vm,   /* .log = NULL: errors go to stderr */
    };
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    vsmmu_t *smmu;
    uint64_t idr0 = 0;

    if (!vm)
        return 1;
    vsmmu_config_default(&cfg);     /* what IDR0-IDR5 advertise */
    cfg.sidsize = 8;
    if (vsmmu_create(&cfg, &ops, &smmu)) {
        free(vm);
        return 1;
    }

    /* The VMM's MMIO handler forwards the guest's accesses to the frame. */
    vsmmu_mmio_read(smmu, 0x0 /* IDR0 */, 4, &idr0);
    printf("IDR0 = 0x%08llx\n", (unsigned long long)idr0);
    /* The guest selects bypass while the SMMU is disabled: GBPA.UPDATE=1. */
    vsmmu_mmio_write(smmu, 0x44 /* GBPA */, 4, 1u << 31);

    /* An emulated device (StreamID 3) reads guest memory at 0x40001000. */
    if (vsmmu_translate(smmu, 3, VSMMU_NO_SSID, 0x40001000, VSMMU_ACC_READ, &r) == 0 &&
        r.status == VSMMU_XLATE_OK)
        printf("DMA 0x40001000 -> 0x%llx (%s)\n", (unsigned long long)r.addr,
               r.perm & VSMMU_PERM_W ? "read/write" : "read-only");
    else
        printf("DMA 0x40001000 terminated: %s\n",
               vsmmu_event_name(r.event_type) ? vsmmu_event_name(r.event_type) : "abort");

    vsmmu_destroy(smmu);
    free(vm);
    return 0;
}
