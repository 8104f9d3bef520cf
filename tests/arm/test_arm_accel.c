// SPDX-License-Identifier: MIT
/*
 * make arm-check: accel mode on Linux's own arm-smmu-v3 driver.
 *
 * Runs in an arm64 Linux guest under QEMU (tests/arm/boot.sh) whose
 * emulated SMMUv3 (stage=nested, x-fwb=on) really walks stage 1 and stage
 * 2, with QEMU's edu PCI device bound to vfio-pci as the passthrough device.
 * Each test plays a VMM that embeds vsmmu:
 *   - opens /dev/iommu and the edu's VFIO cdev, binds it, allocates an IOAS
 *     and maps one buffer of this process (the guest's RAM, the test bed's)
 *     at the guest-physical addresses vsmmu's memory callbacks use, then a
 *     nest-parent HWPT on it: the guest's stage 2;
 *   - creates vsmmu in accel mode on the real transport; the Linux-style
 *     test guest driver (tests/support/guest.c) brings it up in that RAM;
 *   - attaches the device with vsmmu_accel_attach on its cdev.
 * From there on only vsmmu acts on the kernel: the guest's STEs, CDs and
 * page tables (in the shared RAM) drive real edu DMA through the host SMMU.
 *
 * Environment: ARM_VFIO_DEV (default /dev/vfio/devices/vfio0),
 * ARM_EXPECT_FWB_OFF=1 (the control boot with x-fwb=off, which runs only
 * arm_viommu_needs_fwb: it then expects the vIOMMU refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../test_xlate_util.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_state.h"

#define VSID        0x21u     /* the guest's StreamID of the edu */
#define EDU_BUF     0x40000u  /* edu's internal DMA buffer (device side) */
#define IOVA_A      0x100000u /* edu DMA addresses are 28-bit */
#define IOVA_B      0x101000u
#define IOVA_HOLE   0x200000u
#define ASID        7u

struct vmm {
    struct xt x;              /* test bed (guest RAM, vsmmu) + guest driver */
    int iommufd, devfd;
    uint32_t dev_id, ioas, s2;
    uint64_t bar0;
    vsmmu_iommufd_t *t;
    struct vsmmu_iommufd_dev dev;
    struct pt pt;             /* the guest's stage-1 tables */
    uint64_t page_a, page_b, page_c; /* guest pages (IPA) */
    uint64_t cdpa;
};

static bool fwb_off_boot(void)
{
    const char *e = getenv("ARM_EXPECT_FWB_OFF");
    return e && *e == '1';
}


/* ---- the edu device through VFIO ----------------------------------------- */
static uint32_t edu_rd(struct vmm *v, uint64_t off)
{
    uint32_t val = 0;
    CHECK_EQ(pread(v->devfd, &val, 4, (off_t)(v->bar0 + off)), 4);
    return val;
}

static void edu_wr(struct vmm *v, uint64_t off, uint32_t val)
{
    CHECK_EQ(pwrite(v->devfd, &val, 4, (off_t)(v->bar0 + off)), 4);
}

#define EDU_TO_RAM 2u         /* DMA direction: edu buffer -> memory */

/* One edu DMA (edu completes it from a 100 ms timer); waits for the end. */
static void edu_dma(struct vmm *v, uint32_t src, uint32_t dst, uint32_t len, uint32_t dir)
{
    edu_wr(v, 0x80, src);
    edu_wr(v, 0x88, dst);
    edu_wr(v, 0x90, len);
    edu_wr(v, 0x98, dir | 1u);
    for (int i = 0; i < 400; i++) {
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        if (!(edu_rd(v, 0x98) & 1u))
            return;
    }
    CHECK_MSG(0, "edu DMA did not finish");
}

/* Memory -> edu buffer (a device read of @iova), then edu buffer -> @dst. */
static void edu_copy(struct vmm *v, uint32_t iova_src, uint32_t iova_dst, uint32_t len)
{
    edu_dma(v, iova_src, EDU_BUF, len, 0);
    edu_dma(v, EDU_BUF, iova_dst, len, EDU_TO_RAM);
}

/* An edu bound to @iommufd through its VFIO cdev @path, with Bus Master
 * Enable set through the VFIO config region. */
struct edu {
    int fd;
    uint32_t dev_id;
    uint64_t bar0;
};

static void edu_open(int iommufd, const char *path, struct edu *e)
{
    e->fd = open(path, O_RDWR | O_CLOEXEC);
    CHECK_MSG(e->fd >= 0, "%s: %s", path, strerror(errno));
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
    CHECK_MSG(!ioctl(e->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), "bind: %s", strerror(errno));
    e->dev_id = bind.out_devid;
    struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX };
    CHECK(!ioctl(e->fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
    e->bar0 = ri.offset;
    ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX };
    CHECK(!ioctl(e->fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
    uint16_t cmd = 0;
    CHECK_EQ(pread(e->fd, &cmd, 2, (off_t)(ri.offset + 4)), 2);
    cmd |= 0x6;               /* memory space + bus master */
    CHECK_EQ(pwrite(e->fd, &cmd, 2, (off_t)(ri.offset + 4)), 2);
}

static void edu_attach_s2(int fd, uint32_t s2)
{
    struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = s2 };
    CHECK_MSG(!ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), "attach to the nest parent: %s",
              strerror(errno));
}

/* ---- the VMM's own setup ------------------------------------------------- */
static void vmm_config(struct vsmmu_config *c)
{
    vsmmu_config_default(c);
    c->accel = true;
    c->stage2 = false;
    c->oas_bits = 44;         /* QEMU's SMMU: OAS 44, no SSIDs, no ATS */
    c->ssidsize = 0;
    c->sidsize = 16;
    c->ats = false;
    c->pri = false;
}

/* Everything up to a running guest driver; the device is not attached. */
static void vmm_up(struct vmm *v, const struct guest_opts *go)
{
    struct vsmmu_config c;
    const char *path = getenv("ARM_VFIO_DEV");

    memset(v, 0, sizeof(*v));
    v->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    CHECK_MSG(v->iommufd >= 0, "/dev/iommu: %s", strerror(errno));
    struct edu e;
    edu_open(v->iommufd, path ? path : "/dev/vfio/devices/vfio0", &e);
    v->devfd = e.fd;
    v->dev_id = e.dev_id;
    v->bar0 = e.bar0;
    CHECK_EQ(edu_rd(v, 0) & 0xff, 0xed);

    /* The guest's RAM: the test bed's buffer, page aligned, mapped at the
     * guest-physical addresses of the memory callbacks. */
    vmm_config(&c);
    tb_init(&v->x.tb, &c);
    free(v->x.tb.ram);
    v->x.tb.ram = mmap(NULL, TB_RAM_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(v->x.tb.ram != MAP_FAILED);

    struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
    CHECK(!ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &ia));
    v->ioas = ia.out_ioas_id;
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
        .ioas_id = v->ioas, .user_va = (uintptr_t)v->x.tb.ram,
        .length = TB_RAM_SIZE, .iova = TB_RAM_BASE,
    };
    CHECK_MSG(!ioctl(v->iommufd, IOMMU_IOAS_MAP, &map), "IOAS_MAP: %s", strerror(errno));
    struct iommu_hwpt_alloc hp = {
        .size = sizeof(hp), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
        .dev_id = v->dev_id, .pt_id = v->ioas, .data_type = IOMMU_HWPT_DATA_NONE,
    };
    CHECK_MSG(!ioctl(v->iommufd, IOMMU_HWPT_ALLOC, &hp), "nest parent: %s", strerror(errno));
    v->s2 = hp.out_hwpt_id;
    edu_attach_s2(v->devfd, v->s2);   /* as docs/accel.md asks */

    CHECK_EQ(vsmmu_iommufd_wrap_fd(v->iommufd, &v->t), 0);
    CHECK_EQ(vsmmu_accel_set_iommufd(v->x.tb.s, v->t), 0);
    v->dev = (struct vsmmu_iommufd_dev){ .struct_size = sizeof(v->dev), .dev_id = v->dev_id,
                                         .vfio_fd = v->devfd };
    if (go)
        guest_init(&v->x.g, &v->x.tb, go);
}

static int vmm_attach(struct vmm *v)
{
    return vsmmu_accel_attach(v->x.tb.s, VSID, &v->dev, v->s2);
}

static struct vsmmu_accel_objects vmm_objects(struct vmm *v)
{
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    CHECK_EQ(vsmmu_accel_get_objects(v->x.tb.s, &o), 0);
    return o;
}

/* Is iommufd object @id still there?  (IOMMU_DESTROY of a missing id is
 * ENOENT; of a live one it destroys it, so only ask about freed ones.) */
static bool gone(struct vmm *v, uint32_t id)
{
    struct iommu_destroy d = { .size = sizeof(d), .id = id };
    return ioctl(v->iommufd, IOMMU_DESTROY, &d) && errno == ENOENT;
}

/* Tear down: vsmmu first (it destroys what it made), then the VMM's own
 * objects; every one of them must go, and the device must be reusable. */
static void vmm_down(struct vmm *v)
{
    vsmmu_destroy(v->x.tb.s);   /* NULL: already destroyed */
    v->x.tb.s = NULL;
    if (v->t)
        vsmmu_iommufd_close(v->t);
    /* Only the VMM's device attachment may pin the nest parent now. */
    struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };
    (void)ioctl(v->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &dt);
    struct iommu_destroy d = { .size = sizeof(d), .id = v->s2 };
    CHECK_MSG(!ioctl(v->iommufd, IOMMU_DESTROY, &d), "destroy nest parent: %s (still in use?)",
              strerror(errno));
    d.id = v->ioas;
    CHECK_MSG(!ioctl(v->iommufd, IOMMU_DESTROY, &d), "destroy IOAS: %s", strerror(errno));
    /* Objects ids are small integers: nothing but the device may remain. */
    for (uint32_t id = 1; id < 64; id++)
        if (id != v->dev_id)
            CHECK_MSG(gone(v, id), "iommufd object %u left behind", id);
    close(v->devfd);
    close(v->iommufd);
    munmap(v->x.tb.ram, TB_RAM_SIZE);
    v->x.tb.ram = NULL;
}

/* The guest's stage 1: a CD with a 48-bit 4K table tree; IOVA_A -> page A,
 * IOVA_B -> page B; the STE of VSID translates through it. */
static void guest_s1(struct vmm *v)
{
    uint64_t cd[8], ste[8];

    v->page_a = guest_alloc(&v->x.g, 4096, 4096);
    v->page_b = guest_alloc(&v->x.g, 4096, 4096);
    v->page_c = guest_alloc(&v->x.g, 4096, 4096);
    pt_new(&v->pt, &v->x, 12, 0, 48, 0);
    pt_set(&v->pt, IOVA_A, 3, s1_leaf(3, v->page_a, 0), 0);
    pt_set(&v->pt, IOVA_B, 3, s1_leaf(3, v->page_b, 0), 0);
    cd_make(cd, v->pt.root, 16, 0, ASID);
    st_set(cd, CD_IPS, 4);    /* 44 bits, the host's OAS */
    v->cdpa = guest_alloc(&v->x.g, 64, 64);
    cd_write(&v->x, v->cdpa, cd);
    ste_s1(ste, v->cdpa);
    guest_write_ste(&v->x.g, VSID, ste);
}

static void fill(struct vmm *v, uint64_t pa, uint8_t seed, size_t len)
{
    for (size_t i = 0; i < len; i++)
        v->x.tb.ram[pa - TB_RAM_BASE + i] = (uint8_t)(seed + i * 7);
}

static bool same(struct vmm *v, uint64_t pa, uint8_t seed, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (v->x.tb.ram[pa - TB_RAM_BASE + i] != (uint8_t)(seed + i * 7))
            return false;
    return true;
}

static bool zero(struct vmm *v, uint64_t pa, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (v->x.tb.ram[pa - TB_RAM_BASE + i])
            return false;
    return true;
}

/* Deliver host events until @want records reached the guest (or 2 s). */
static unsigned pump_events(struct vmm *v, unsigned want)
{
    unsigned got = 0;
    for (int i = 0; i < 200 && got < want; i++) {
        struct pollfd p = { .fd = vsmmu_accel_event_fd(v->x.tb.s), .events = POLLIN };
        if (p.fd < 0)
            break;
        if (poll(&p, 1, 10) > 0) {
            int n = vsmmu_accel_process_events(v->x.tb.s);
            CHECK_MSG(n >= 0, "process_events: %d", n);
            got += (unsigned)n;
        }
    }
    return got;
}

/* ---- tests --------------------------------------------------------------- */

TEST(arm_s1_dma)
{
    struct vmm v;
    vmm_up(&v, NULL);
    /* cold plug: attached before the guest enables its queues */
    CHECK_EQ(vmm_attach(&v), 0);
    CHECK_EQ(vmm_objects(&v).veventq, 0);
    guest_init(&v.x.g, &v.x.tb, NULL);
    struct vsmmu_accel_objects o = vmm_objects(&v);
    CHECK_EQ(o.viommu, 1);
    CHECK_EQ(o.vdevice, 1);
    CHECK_EQ(o.veventq, 1);
    guest_s1(&v);
    fill(&v, v.page_a, 0x11, 256);
    edu_copy(&v, IOVA_A, IOVA_B + 0x800, 256);
    CHECK(same(&v, v.page_b + 0x800, 0x11, 256));
    CHECK(zero(&v, v.page_b, 0x800));
    CHECK_EQ(guest_pending_events(&v.x.g), 0);
    vmm_down(&v);
}

/* Pop @n events from the guest's queue: each must be, byte for byte, the
 * F_TRANSLATION record of a 4-byte edu read at @iova + 4 * i. */
static void check_read_faults(struct vmm *v, uint64_t iova, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t rec[4], want[4] = { 0, 0, 0, 0 };
        CHECK(guest_pop_event(&v->x.g, rec));
        st_set(want, EVT_TYPE, EVT_F_TRANSLATION);
        st_set(want, EVT_SID, VSID);
        st_set(want, EVT_RNW, 1);
        st_set(want, EVT_CLASS, EVT_CLASS_IN);
        st_set(want, EVT_INPUTADDR, iova + 4 * i);
        for (unsigned w = 0; w < 4; w++)
            CHECK_MSG(rec[w] == want[w], "event %u word %u: 0x%016llx, want 0x%016llx", i, w,
                      (unsigned long long)rec[w], (unsigned long long)want[w]);
    }
}

TEST(arm_fault_event_exact)
{
    struct vmm v;
    vmm_up(&v, NULL);
    guest_init(&v.x.g, &v.x.tb, NULL);
    CHECK_EQ(vmm_attach(&v), 0);         /* hot plug: vEVENTQ now */
    CHECK_EQ(vmm_objects(&v).veventq, 1);
    guest_s1(&v);
    tb_clear_irqs(&v.x.tb);
    edu_dma(&v, IOVA_HOLE, EDU_BUF, 64, 0);   /* device reads unmapped IOVA */
    CHECK_EQ(pump_events(&v, 16), 16);
    CHECK_EQ(guest_pending_events(&v.x.g), 16);
    CHECK(tb_count_irq(&v.x.tb, VSMMU_IRQ_EVENTQ) > 0);
    check_read_faults(&v, IOVA_HOLE, 16);
    vmm_down(&v);
}

TEST(arm_inval_new_mapping)
{
    struct vmm v;
    uint64_t cmd[2];
    vmm_up(&v, NULL);
    guest_init(&v.x.g, &v.x.tb, NULL);
    CHECK_EQ(vmm_attach(&v), 0);
    guest_s1(&v);
    fill(&v, v.page_a, 0x21, 128);
    fill(&v, v.page_c, 0x42, 128);
    edu_copy(&v, IOVA_A, IOVA_B, 128);      /* warms the host's TLB */
    CHECK(same(&v, v.page_b, 0x21, 128));

    /* IOVA_A -> page C.  Before any invalidation the SMMU may still use
     * the translation it cached (page A) or may walk again (page C): the
     * architecture allows both, nothing else. */
    pt_set(&v.pt, IOVA_A, 3, s1_leaf(3, v.page_c, 0), 0);
    memset(v.x.tb.ram + (v.page_b - TB_RAM_BASE), 0, 128);
    edu_copy(&v, IOVA_A, IOVA_B, 128);
    bool stale = same(&v, v.page_b, 0x21, 128);
    CHECK(stale || same(&v, v.page_b, 0x42, 128));
    printf("# before TLBI_NH_VA the DMA used the %s mapping\n", stale ? "old (cached)" : "new");

    /* TLBI_NH_VA + SYNC: the next DMA reads page C. */
    memset(cmd, 0, sizeof(cmd));
    st_set(cmd, CMD_OP, OP_TLBI_NH_VA);
    st_set(cmd, CMD_ASID, ASID);
    st_set(cmd, CMD_ADDR, IOVA_A >> 12);
    st_set(cmd, CMD_LEAF, 1);
    CHECK_EQ(guest_cmd_sync(&v.x.g, cmd), 0);
    edu_copy(&v, IOVA_A, IOVA_B, 128);
    CHECK(same(&v, v.page_b, 0x42, 128));

    /* back to page A; TLBI_NH_ASID */
    pt_set(&v.pt, IOVA_A, 3, s1_leaf(3, v.page_a, 0), 0);
    memset(cmd, 0, sizeof(cmd));
    st_set(cmd, CMD_OP, OP_TLBI_NH_ASID);
    st_set(cmd, CMD_ASID, ASID);
    CHECK_EQ(guest_cmd_sync(&v.x.g, cmd), 0);
    edu_copy(&v, IOVA_A, IOVA_B, 128);
    CHECK(same(&v, v.page_b, 0x21, 128));

    /* A new table tree (the CD's TTB0 changes): CFGI_CD + TLBI_NH_ASID. */
    struct pt p2;
    uint64_t cd[8];
    pt_new(&p2, &v.x, 12, 0, 48, 0);
    pt_set(&p2, IOVA_A, 3, s1_leaf(3, v.page_c, 0), 0);
    pt_set(&p2, IOVA_B, 3, s1_leaf(3, v.page_a, 0), 0);
    cd_make(cd, p2.root, 16, 0, ASID);
    st_set(cd, CD_IPS, 4);
    cd_write(&v.x, v.cdpa, cd);
    CHECK_EQ(guest_cfgi_cd(&v.x.g, VSID, 0), 0);
    CHECK_EQ(guest_cmd_sync(&v.x.g, cmd), 0);
    memset(v.x.tb.ram + (v.page_a - TB_RAM_BASE), 0, 4096);
    edu_copy(&v, IOVA_A, IOVA_B, 128);      /* page C -> page A */
    CHECK(same(&v, v.page_a, 0x42, 128));
    CHECK_EQ(guest_pending_events(&v.x.g), 0);
    vmm_down(&v);
}

/* Stage-2-only DMA (STE bypass, GBPA bypass) uses IPAs, and the guest RAM
 * at 1 GiB is beyond edu's 28-bit DMA reach: the VMM also maps 1 MiB of
 * that RAM (at RAM + ALIAS_OFF) at the low IPA ALIAS_IPA, as a VMM maps a
 * second RAM bank. */
#define ALIAS_IPA 0x0f000000u
#define ALIAS_OFF (32u << 20)

static void vmm_alias(struct vmm *v)
{
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
        .ioas_id = v->ioas, .user_va = (uintptr_t)(v->x.tb.ram + ALIAS_OFF),
        .length = 1u << 20, .iova = ALIAS_IPA,
    };
    CHECK_MSG(!ioctl(v->iommufd, IOMMU_IOAS_MAP, &map), "alias map: %s", strerror(errno));
}

#define ALIAS_PA(off) (TB_RAM_BASE + ALIAS_OFF + (off))

/* Copy 64 bytes alias+0 -> alias+0x800 with stage 2 only: did it happen? */
static bool s2_only_copy(struct vmm *v, uint8_t seed)
{
    fill(v, ALIAS_PA(0), seed, 64);
    memset(v->x.tb.ram + ALIAS_OFF + 0x800, 0, 64);
    edu_copy(v, ALIAS_IPA, ALIAS_IPA + 0x800, 64);
    if (same(v, ALIAS_PA(0x800), seed, 64))
        return true;
    CHECK(zero(v, ALIAS_PA(0x800), 64));
    return false;
}

static void gbpa_set(struct vmm *v, bool abort)
{
    uint32_t g = tb_readl(&v->x.tb, R_GBPA);
    g = (uint32_t)fld_set(g, GBPA_ABORT, abort);
    tb_writel(&v->x.tb, R_GBPA, g | (uint32_t)fld_mask(GBPA_UPDATE));
    CHECK_EQ(fld_get(tb_readl(&v->x.tb, R_GBPA), GBPA_UPDATE), 0);
}

static void smmuen_set(struct vmm *v, bool on)
{
    uint32_t cr0 = tb_readl(&v->x.tb, R_CR0);
    cr0 = (uint32_t)fld_set(cr0, CR0_SMMUEN, on);
    tb_writel(&v->x.tb, R_CR0, cr0);
    CHECK_EQ(tb_readl(&v->x.tb, R_CR0ACK), cr0);
}

/* The usual start: the VMM with the alias, the guest up, the edu attached
 * (hot plug) and translating through the guest's stage 1. */
static void vmm_ready(struct vmm *v)
{
    vmm_up(v, NULL);
    vmm_alias(v);
    guest_init(&v->x.g, &v->x.tb, NULL);
    CHECK_EQ(vmm_attach(v), 0);
    guest_s1(v);
}

TEST(arm_abort_bypass_gbpa)
{
    struct vmm v;
    uint64_t ste[8];
    vmm_ready(&v);
    /* stage 1 does not map the alias IPAs: the device cannot reach them */
    CHECK(!s2_only_copy(&v, 0x50));
    CHECK_EQ(pump_events(&v, 32), 32);       /* 16 read + 16 write faults */
    while (guest_pop_event(&v.x.g, ste))
        ;

    /* STE bypass: the device's addresses are IPAs, stage 2 only */
    memset(ste, 0, sizeof(ste));
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_BYPASS);
    guest_write_ste(&v.x.g, VSID, ste);
    CHECK(s2_only_copy(&v, 0x51));

    /* STE abort: nothing moves, and the guest hears of nothing */
    st_set(ste, STE_CONFIG, STE_CFG_ABORT);
    guest_write_ste(&v.x.g, VSID, ste);
    CHECK(!s2_only_copy(&v, 0x52));
    fill(&v, v.page_a, 0x53, 64);
    memset(v.x.tb.ram + (v.page_b - TB_RAM_BASE), 0, 4096);
    edu_copy(&v, IOVA_A, IOVA_B, 64);
    CHECK(zero(&v, v.page_b, 4096));

    /* SMMUEN = 0: GBPA decides.  Bypass: stage 2 only; abort: nothing. */
    smmuen_set(&v, false);
    gbpa_set(&v, false);
    CHECK(s2_only_copy(&v, 0x54));
    gbpa_set(&v, true);
    CHECK(!s2_only_copy(&v, 0x55));
    gbpa_set(&v, false);
    CHECK(s2_only_copy(&v, 0x56));

    /* SMMUEN = 1 again with the S1 STE: translation is back */
    smmuen_set(&v, true);
    guest_s1(&v);
    fill(&v, v.page_a, 0x57, 64);
    edu_copy(&v, IOVA_A, IOVA_B, 64);
    CHECK(same(&v, v.page_b, 0x57, 64));
    CHECK_EQ(pump_events(&v, 1), 0);
    CHECK_EQ(guest_pending_events(&v.x.g), 0);
    vmm_down(&v);
}

/* A vEVENTQ as deep as the guest's event queue (8 records) and a burst of
 * 16 faults: the kernel drops what does not fit and says so with a
 * lost-events header; the guest sees the first records in order and
 * EVENTQ_PROD.OVFLG. */
TEST(arm_event_flood_overflow)
{
    struct vmm v;
    struct guest_opts go = { .evtq_log2 = 3 };
    vmm_up(&v, &go);
    CHECK_EQ(vmm_attach(&v), 0);
    CHECK_EQ(vmm_objects(&v).veventq_depth, 8);
    guest_s1(&v);
    uint32_t ovf0 = (uint32_t)fld_get(tb_readl(&v.x.tb, R_EVENTQ_PROD), Q_OVFLG);
    edu_dma(&v, IOVA_HOLE, EDU_BUF, 64, 0);
    unsigned got = pump_events(&v, 16);
    CHECK(got >= 1 && got <= 8);
    CHECK_EQ(guest_pending_events(&v.x.g), got);
    CHECK(fld_get(tb_readl(&v.x.tb, R_EVENTQ_PROD), Q_OVFLG) != ovf0);
    for (unsigned i = 0; i < got; i++) {
        uint64_t rec[4];
        CHECK(guest_pop_event(&v.x.g, rec));
        CHECK_EQ(fld_get(rec[0], EVT_TYPE), EVT_F_TRANSLATION);
        CHECK_EQ(rec[0] >> 32, VSID);
        CHECK_EQ(rec[2], IOVA_HOLE + 4 * i);
    }
    vmm_down(&v);
}

/* Swap the device the edu helpers drive (call again to swap back). */
static void edu_swap(struct vmm *v, struct edu *e)
{
    int fd = v->devfd;
    uint64_t bar0 = v->bar0;
    v->devfd = e->fd;
    v->bar0 = e->bar0;
    e->fd = fd;
    e->bar0 = bar0;
}

#define VSID2 0x22u

TEST(arm_two_devices)
{
    struct vmm v;
    struct edu e;
    vmm_ready(&v);
    edu_open(v.iommufd, "/dev/vfio/devices/vfio1", &e);   /* hot plug */
    edu_attach_s2(e.fd, v.s2);
    struct vsmmu_iommufd_dev d2 = { .struct_size = sizeof(d2), .dev_id = e.dev_id,
                                    .vfio_fd = e.fd };
    struct vsmmu_accel_objects o0 = vmm_objects(&v);
    /* refused: a vSID in use, a device attached twice; nothing changes */
    CHECK_EQ(vsmmu_accel_attach(v.x.tb.s, VSID, &d2, v.s2), -EEXIST);
    CHECK_EQ(vsmmu_accel_attach(v.x.tb.s, VSID2, &v.dev, v.s2), -EEXIST);
    struct vsmmu_accel_objects o1 = vmm_objects(&v);
    CHECK_EQ(o1.vdevice, o0.vdevice);
    CHECK_EQ(o1.hwpt, o0.hwpt);
    /* hot plug of the second device: the guest has no STE for VSID2 (SMMUEN
     * is 1), so the device must not reach memory, not even by stage 2 */
    CHECK_EQ(vsmmu_accel_attach(v.x.tb.s, VSID2, &d2, v.s2), 0);
    CHECK_EQ(vmm_objects(&v).vdevice, 2);
    edu_swap(&v, &e);
    CHECK_MSG(!s2_only_copy(&v, 0x61), "hot-plugged device reached memory without an STE");
    /* its own STE (same CD): DMA through the guest's stage 1 */
    uint64_t ste[8];
    ste_s1(ste, v.cdpa);
    guest_write_ste(&v.x.g, VSID2, ste);
    fill(&v, v.page_a, 0x62, 128);
    memset(v.x.tb.ram + (v.page_b - TB_RAM_BASE), 0, 4096);
    edu_copy(&v, IOVA_A, IOVA_B, 128);
    CHECK(same(&v, v.page_b, 0x62, 128));
    edu_swap(&v, &e);
    /* the first device still works, and its faults carry its own vSID */
    fill(&v, v.page_a, 0x63, 128);
    edu_copy(&v, IOVA_A, IOVA_B, 128);
    CHECK(same(&v, v.page_b, 0x63, 128));
    while (guest_pop_event(&v.x.g, ste))
        ;
    edu_swap(&v, &e);
    edu_dma(&v, IOVA_HOLE, EDU_BUF, 4, 0);
    edu_swap(&v, &e);
    CHECK_EQ(pump_events(&v, 1), 1);
    CHECK(guest_pop_event(&v.x.g, ste));
    CHECK_EQ(ste[0] >> 32, VSID2);
    /* unplug the second: its vDEVICE goes, the first keeps working */
    CHECK_EQ(vsmmu_accel_detach(v.x.tb.s, VSID2), 0);
    CHECK_EQ(vmm_objects(&v).vdevice, 1);
    struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };
    CHECK(!ioctl(e.fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &dt));
    close(e.fd);
    fill(&v, v.page_a, 0x64, 128);
    edu_copy(&v, IOVA_A, IOVA_B, 128);
    CHECK(same(&v, v.page_b, 0x64, 128));
    vmm_down(&v);
}

/* A VMM that carries vsmmu's iommufd calls itself (a custom transport that
 * forwards each to the real one) and so learns the vIOMMU's id. */
static uint32_t fw_viommu;
#define FW(call) vsmmu_iommufd_##call
static int fw_hw_info(void *p, uint32_t dev, void *d, uint32_t *l, uint32_t *t, uint64_t *c)
{
    return FW(get_hw_info)(p, dev, d, l, t, c);
}
static int fw_ioas(void *p, uint32_t *o) { return FW(ioas_alloc)(p, o); }
static int fw_hwpt(void *p, uint32_t dev, uint32_t pt, uint32_t f, uint32_t ty, const void *d,
                   uint32_t l, uint32_t *o)
{
    return FW(hwpt_alloc)(p, dev, pt, f, ty, d, l, o);
}
static int fw_inv(void *p, uint32_t id, uint32_t ty, const void *e, uint32_t l, uint32_t *n)
{
    return FW(hwpt_invalidate)(p, id, ty, e, l, n);
}
static int fw_viommu_alloc(void *p, uint32_t ty, uint32_t dev, uint32_t hwpt, uint32_t *o)
{
    int rc = FW(viommu_alloc)(p, ty, dev, hwpt, o);
    if (!rc)
        fw_viommu = *o;
    return rc;
}
static int fw_vdev(void *p, uint32_t vi, uint32_t dev, uint64_t virt, uint32_t *o)
{
    return FW(vdevice_alloc)(p, vi, dev, virt, o);
}
static int fw_vevq(void *p, uint32_t vi, uint32_t ty, uint32_t depth, uint32_t *o, int *fd)
{
    return FW(veventq_alloc)(p, vi, ty, depth, o, fd);
}
static long fw_read(void *p, int fd, void *b, size_t l) { return FW(veventq_read)(p, fd, b, l); }
static int fw_vclose(void *p, int fd) { return FW(veventq_close)(p, fd); }
static int fw_attach(void *p, const struct vsmmu_iommufd_dev *d, uint32_t pt)
{
    return FW(attach)(p, d, pt);
}
static int fw_destroy(void *p, uint32_t id) { return FW(destroy)(p, id); }
static void fw_close(void *p) { vsmmu_iommufd_close(p); }
static const struct vsmmu_iommufd_ops fw_ops = {
    .struct_size = sizeof(fw_ops), .get_hw_info = fw_hw_info, .ioas_alloc = fw_ioas,
    .hwpt_alloc = fw_hwpt, .hwpt_invalidate = fw_inv, .viommu_alloc = fw_viommu_alloc,
    .vdevice_alloc = fw_vdev, .veventq_alloc = fw_vevq, .veventq_read = fw_read,
    .veventq_close = fw_vclose, .attach = fw_attach, .destroy = fw_destroy, .close = fw_close,
};

/* Cold plug, then the real kernel refuses vsmmu's vEVENTQ (the VMM took the
 * vIOMMU's only slot first: EEXIST): the guest's CR0 write completes, no
 * vEVENTQ is left half-made, and the next CR0 write with EVENTQEN=1 makes
 * it once the slot is free; events then flow. */
TEST(arm_veventq_refused_then_retried)
{
    struct vmm v;
    vsmmu_iommufd_t *fw;
    uint32_t mine;
    int fd;
    vmm_up(&v, NULL);
    CHECK_EQ(vsmmu_iommufd_custom(&fw_ops, v.t, &fw), 0);
    CHECK_EQ(vsmmu_accel_set_iommufd(v.x.tb.s, fw), 0);
    CHECK_EQ(vmm_attach(&v), 0);
    CHECK(fw_viommu != 0);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(v.t, fw_viommu, VSMMU_VEVENTQ_TYPE_ARM_SMMUV3, 8,
                                         &mine, &fd), 0);
    guest_init(&v.x.g, &v.x.tb, NULL);        /* EVENTQEN=1: refused by the kernel */
    CHECK(tb_log_contains(&v.x.tb, "IOMMU_VEVENTQ_ALLOC"));
    CHECK_EQ(vmm_objects(&v).veventq, 0);
    CHECK_EQ(vsmmu_accel_event_fd(v.x.tb.s), -1);
    CHECK_EQ(vsmmu_iommufd_veventq_close(v.t, fd), 0);
    CHECK_EQ(vsmmu_iommufd_destroy(v.t, mine), 0);
    tb_writel(&v.x.tb, R_CR0, tb_readl(&v.x.tb, R_CR0));   /* retried here */
    CHECK_EQ(vmm_objects(&v).veventq, 1);
    guest_s1(&v);
    edu_dma(&v, IOVA_HOLE, EDU_BUF, 4, 0);
    CHECK_EQ(pump_events(&v, 1), 1);
    uint64_t rec[4];
    CHECK(guest_pop_event(&v.x.g, rec));
    CHECK_EQ(rec[0] >> 32, VSID);
    vsmmu_destroy(v.x.tb.s);
    v.x.tb.s = NULL;
    vsmmu_iommufd_close(fw);                 /* closes v.t through fw_close */
    v.t = NULL;
    vmm_down(&v);
}

/* What the guest's command queue makes of a command (CERROR_ILL exactly
 * at it, the command before it done) must be what the real kernel makes of
 * it: vsmmu never forwards what the kernel would refuse, so the kernel's
 * verdict is asked directly, on vsmmu's vIOMMU, next to the guest's. */
struct inv_case {
    const char *name;
    uint8_t op;
    uint32_t ssid;
    bool range_no_tg, atc, kernel_refuses;   /* kernel_refuses: the known facts */
};

static const struct inv_case inv_cases[] = {
    { "TLBI_NH_ASID", OP_TLBI_NH_ASID, 0, false, false, false },
    { "TLBI_NH_VA", OP_TLBI_NH_VA, 0, false, false, false },
    { "CFGI_CD", OP_CFGI_CD, 0, false, false, false },
    { "CFGI_CD_ALL", OP_CFGI_CD_ALL, 0, false, false, false },
    { "CFGI_CD with SSID 1", OP_CFGI_CD, 1, false, false, true },
    { "ATC_INV", OP_ATC_INV, 0, false, true, true },
    { "TLBI_NH_VA range without TG", OP_TLBI_NH_VA, 0, true, false, true },
};

static void inv_make(const struct inv_case *c, uint64_t cmd[2])
{
    memset(cmd, 0, 16);
    st_set(cmd, CMD_OP, c->op);
    if (c->op == OP_TLBI_NH_ASID || c->op == OP_TLBI_NH_VA)
        st_set(cmd, CMD_ASID, ASID);
    if (c->op == OP_TLBI_NH_VA) {
        st_set(cmd, CMD_ADDR, IOVA_A >> 12);
        if (c->range_no_tg)
            st_set(cmd, CMD_NUM, 1);
    }
    if (c->op == OP_CFGI_CD || c->op == OP_CFGI_CD_ALL || c->atc)
        st_set(cmd, CMD_SID, VSID);
    if (c->op == OP_CFGI_CD) {
        st_set(cmd, CMD_SSID, c->ssid);
        st_set(cmd, CMD_LEAF, 1);
    }
}

TEST(arm_refused_commands_cerror_ill)
{
    struct vmm v;
    vsmmu_iommufd_t *fw;
    uint64_t good[2];
    vmm_up(&v, NULL);
    CHECK_EQ(vsmmu_iommufd_custom(&fw_ops, v.t, &fw), 0);
    CHECK_EQ(vsmmu_accel_set_iommufd(v.x.tb.s, fw), 0);
    guest_init(&v.x.g, &v.x.tb, NULL);
    CHECK_EQ(vmm_attach(&v), 0);
    guest_s1(&v);
    memset(good, 0, sizeof(good));
    st_set(good, CMD_OP, OP_TLBI_NH_ASID);
    st_set(good, CMD_ASID, ASID);
    for (size_t i = 0; i < sizeof(inv_cases) / sizeof(inv_cases[0]); i++) {
        const struct inv_case *c = &inv_cases[i];
        uint64_t e[2][2], cmd[2];
        uint32_t n = 2;
        unsigned mask = (1u << v.x.g.cmdq_log2) - 1;

        inv_make(c, cmd);
        memcpy(e[0], good, 16);
        memcpy(e[1], cmd, 16);
        int rc = vsmmu_iommufd_hwpt_invalidate(v.t, fw_viommu,
                                               VSMMU_VIOMMU_INVALIDATE_ARM_SMMUV3, e, 16, &n);
        bool kernel_ok = rc == 0;
        CHECK_MSG(kernel_ok ? n == 2 : rc == -EIO && n == 1,
                  "%s: kernel rc %d entry_num %u", c->name, rc, n);
        CHECK_MSG(kernel_ok != c->kernel_refuses, "%s: kernel rc %d", c->name, rc);

        uint32_t at = v.x.g.cmdq_prod;
        CHECK_EQ(guest_cmd(&v.x.g, good), 0);
        CHECK_EQ(guest_cmd(&v.x.g, cmd), 0);
        int r = guest_sync(&v.x.g);
        CHECK_MSG(r == 0 || r == CERROR_ILL, "%s: guest_sync %d", c->name, r);
        CHECK_MSG((r == 0) == kernel_ok, "%s: the guest got %s, the kernel %s", c->name,
                  r ? "CERROR_ILL" : "success", kernel_ok ? "accepts it" : "refuses it");
        if (r) {
            /* CONS stops at the refused command: the one before it is done */
            CHECK_EQ(tb_readl(&v.x.tb, R_CMDQ_CONS) & mask, (at + 1) & mask);
            /* as Linux: replace it with CMD_SYNC, acknowledge, go on */
            tb_w64(&v.x.tb, v.x.g.cmdq + 16u * ((at + 1) & mask), OP_SYNC);
            guest_gerror_ack(&v.x.g);
            CHECK_EQ(guest_sync(&v.x.g), 0);
        }
    }
    vsmmu_destroy(v.x.tb.s);
    v.x.tb.s = NULL;
    vsmmu_iommufd_close(fw);
    v.t = NULL;
    vmm_down(&v);
}

/* The vIOMMU needs S2FWB: with x-fwb=on the attach makes it; in the control
 * boot (x-fwb=off, ARM_EXPECT_FWB_OFF=1) Linux refuses it (EOPNOTSUPP) and
 * vsmmu's attach fails with nothing left behind. */
TEST(arm_viommu_needs_fwb)
{
    struct vmm v;
    vmm_up(&v, NULL);
    guest_init(&v.x.g, &v.x.tb, NULL);
    int rc = vmm_attach(&v);
    struct vsmmu_accel_objects o = vmm_objects(&v);
    if (fwb_off_boot()) {
        CHECK_MSG(rc == -EOPNOTSUPP, "attach without FWB: %d", rc);
        CHECK(tb_log_contains(&v.x.tb, "IOMMU_VIOMMU_ALLOC"));
        CHECK_EQ(o.viommu + o.hwpt + o.vdevice + o.veventq, 0);
    } else {
        CHECK_EQ(rc, 0);
        CHECK_EQ(o.viommu, 1);
    }
    vmm_down(&v);
}

/* Issue #12 on the real kernel: save with the edu attached through a nested
 * (Config S1) STE, the vEVENTQ live and 16 host events delivered to the
 * guest's queue but not consumed; tear the source down completely; bring up
 * a destination on a new /dev/iommu context (new IOAS, S2, the other edu
 * bound), load, re-attach; the host objects, registers and the guest's
 * queue are the source's, and new faults and good DMA work through the
 * rebuilt nested HWPT. */
TEST(arm_state_save_load)
{
    static struct vmm src, dst;   /* large: keep them off the stack */
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    size_t need = 0, len = 0;

    vmm_up(&src, NULL);
    guest_init(&src.x.g, &src.x.tb, NULL);
    CHECK_EQ(vmm_attach(&src), 0);
    guest_s1(&src);
    fill(&src, src.page_a, 0x71, 128);
    edu_copy(&src, IOVA_A, IOVA_B, 128);
    CHECK(same(&src, src.page_b, 0x71, 128));
    /* a real fault: 16 host events; the VMM's last drain (docs/state.md,
     * step 2) writes them to the guest's queue, which does not consume them */
    edu_dma(&src, IOVA_HOLE, EDU_BUF, 64, 0);
    CHECK_EQ(pump_events(&src, 16), 16);
    CHECK_EQ(guest_pending_events(&src.x.g), 16);
    uint32_t prod = tb_readl(&src.x.tb, R_EVENTQ_PROD);
    uint32_t cons = tb_readl(&src.x.tb, R_EVENTQ_CONS);
    uint32_t cr0 = tb_readl(&src.x.tb, R_CR0);
    uint32_t gerror = tb_readl(&src.x.tb, R_GERROR);

    CHECK_EQ(vsmmu_state_save(src.x.tb.s, NULL, 0, &need), -ENOSPC);
    CHECK(need > 0);
    uint8_t *blob = malloc(need);
    CHECK(blob != NULL);
    CHECK_EQ(vsmmu_state_save(src.x.tb.s, blob, need, &len), 0);
    CHECK_EQ(len, need);
    /* everything was drained: nothing lost, no overflow signalled */
    CHECK_EQ(tb_readl(&src.x.tb, R_EVENTQ_PROD), prod);
    CHECK_EQ(vsmmu_get_stats(src.x.tb.s, &st), 0);
    CHECK_EQ(st.host_lost, 0);
    CHECK_EQ(st.delivered, 16);
    struct vsmmu_accel_objects so = vmm_objects(&src);
    CHECK_EQ(so.viommu, 1);
    CHECK_EQ(so.vdevice, 1);
    CHECK_EQ(so.veventq, 1);
    CHECK(so.hwpt >= 1);

    /* guest RAM and the guest driver's own state go to the destination */
    uint8_t *ram = malloc(TB_RAM_SIZE);
    CHECK(ram != NULL);
    memcpy(ram, src.x.tb.ram, TB_RAM_SIZE);
    struct guest g = src.x.g;
    struct pt pt = src.pt;
    uint64_t page_a = src.page_a, page_b = src.page_b, page_c = src.page_c, cdpa = src.cdpa;
    vmm_down(&src);   /* vsmmu_destroy, then every iommufd object must be gone */

    /* the destination: a new iommufd context, IOAS, S2 and binding, of the
     * other edu (another device on another host); an unrelated IOAS first,
     * so that vsmmu's host objects get other ids than on the source */
    const char *env = getenv("ARM_VFIO_DEV");
    char *keep = env ? strdup(env) : NULL;
    setenv("ARM_VFIO_DEV", "/dev/vfio/devices/vfio1", 1);
    vmm_up(&dst, NULL);
    if (keep)
        setenv("ARM_VFIO_DEV", keep, 1);
    else
        unsetenv("ARM_VFIO_DEV");
    free(keep);
    struct iommu_ioas_alloc other = { .size = sizeof(other) };
    CHECK(!ioctl(dst.iommufd, IOMMU_IOAS_ALLOC, &other));
    memcpy(dst.x.tb.ram, ram, TB_RAM_SIZE);
    free(ram);
    dst.x.g = g;
    dst.x.g.tb = &dst.x.tb;
    dst.pt = pt;
    dst.pt.x = &dst.x;
    dst.page_a = page_a;
    dst.page_b = page_b;
    dst.page_c = page_c;
    dst.cdpa = cdpa;
    CHECK_EQ(vsmmu_state_load(dst.x.tb.s, blob, len), 0);
    free(blob);
    CHECK_EQ(vmm_objects(&dst).viommu, 0);    /* nothing until the attach */
    CHECK_EQ(vmm_attach(&dst), 0);
    struct vsmmu_accel_objects doo = vmm_objects(&dst);
    CHECK_EQ(doo.viommu, so.viommu);
    CHECK_EQ(doo.hwpt, so.hwpt);
    CHECK_EQ(doo.vdevice, so.vdevice);
    CHECK_EQ(doo.veventq, so.veventq);
    CHECK_EQ(doo.veventq_depth, so.veventq_depth);
    CHECK_EQ(tb_readl(&dst.x.tb, R_EVENTQ_PROD), prod);
    CHECK_EQ(tb_readl(&dst.x.tb, R_EVENTQ_CONS), cons);
    CHECK_EQ(tb_readl(&dst.x.tb, R_CR0), cr0);
    CHECK_EQ(tb_readl(&dst.x.tb, R_GERROR), gerror);
    struct vsmmu_stats dst_st = VSMMU_STRUCT_INIT(dst_st);
    CHECK_EQ(vsmmu_get_stats(dst.x.tb.s, &dst_st), 0);
    CHECK_EQ(dst_st.delivered, 16);

    /* good DMA through the guest's stage 1 (the rebuilt nested HWPT) */
    fill(&dst, dst.page_a, 0x72, 128);
    memset(dst.x.tb.ram + (dst.page_b - TB_RAM_BASE), 0, 4096);
    edu_copy(&dst, IOVA_A, IOVA_B, 128);
    CHECK(same(&dst, dst.page_b, 0x72, 128));
    CHECK_EQ(guest_pending_events(&dst.x.g), 16);

    /* a new real fault on the destination lands after the source's events */
    edu_dma(&dst, IOVA_HOLE + 0x1000, EDU_BUF, 64, 0);
    CHECK_EQ(pump_events(&dst, 16), 16);
    CHECK_EQ(guest_pending_events(&dst.x.g), 32);
    check_read_faults(&dst, IOVA_HOLE, 16);          /* the source's */
    check_read_faults(&dst, IOVA_HOLE + 0x1000, 16); /* the destination's */
    CHECK_EQ(guest_pending_events(&dst.x.g), 0);
    struct iommu_destroy d = { .size = sizeof(d), .id = other.out_ioas_id };
    CHECK(!ioctl(dst.iommufd, IOMMU_DESTROY, &d));
    vmm_down(&dst);
}
