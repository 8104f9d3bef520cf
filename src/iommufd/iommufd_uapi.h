/* SPDX-License-Identifier: MIT */
/*
 * vsmmu's own definitions of the Linux iommufd uAPI it uses: ioctl numbers,
 * argument structs, enum values, the VFIO cdev attach ioctl and the kernel's
 * selftest command (IOMMU_TEST_CMD, CONFIG_IOMMUFD_TEST=y kernels only).
 *
 * Written from the documented ABI (see docs/real-kernel.md), not copied from
 * kernel headers: the build machine may have headers too old to know these
 * ioctls.  Every struct carries its exact byte layout as compile-time
 * checks below, so a layout mistake fails the build; tests/kernel/ also
 * cross-checks each offset against the uAPI headers of the kernel the
 * tests boot, and the encoding tests show the real kernel accepting the
 * sizes and rejecting a wrong size or a non-zero reserved field.
 *
 * Names carry a vsmmu_uapi_ / VSMMU_IOC_ prefix so this header can be used
 * next to the kernel's own <linux/iommufd.h>.  All u64 fields are 8-byte
 * aligned as the uAPI requires (i386 would otherwise align them to 4).
 * Multi-byte payloads marked "little-endian" (STE words, commands, event
 * records) are raw little-endian bytes on the wire.
 */
#ifndef VSMMU_IOMMUFD_UAPI_H
#define VSMMU_IOMMUFD_UAPI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#define VSMMU_UAPI_U64 _Alignas(8) uint64_t

/* ---- ioctl numbers ---------------------------------------------------- */
/* iommufd: _IO(';', nr), the real struct size travels in the first u32. */
#define VSMMU_IOMMUFD_TYPE         ';'
#define VSMMU_IOMMUFD_CMD_BASE     0x80
#define VSMMU_IOC_DESTROY          _IO(VSMMU_IOMMUFD_TYPE, 0x80)
#define VSMMU_IOC_IOAS_ALLOC       _IO(VSMMU_IOMMUFD_TYPE, 0x81)
#define VSMMU_IOC_HWPT_ALLOC       _IO(VSMMU_IOMMUFD_TYPE, 0x89)
#define VSMMU_IOC_GET_HW_INFO      _IO(VSMMU_IOMMUFD_TYPE, 0x8a)
#define VSMMU_IOC_HWPT_INVALIDATE  _IO(VSMMU_IOMMUFD_TYPE, 0x8d)
#define VSMMU_IOC_VIOMMU_ALLOC     _IO(VSMMU_IOMMUFD_TYPE, 0x90)
#define VSMMU_IOC_VDEVICE_ALLOC    _IO(VSMMU_IOMMUFD_TYPE, 0x91)
#define VSMMU_IOC_VEVENTQ_ALLOC    _IO(VSMMU_IOMMUFD_TYPE, 0x93)
/* The selftest command: CMD_BASE + 32. */
#define VSMMU_IOC_TEST_CMD         _IO(VSMMU_IOMMUFD_TYPE, 0xa0)
/* VFIO cdev: _IO(';', 100 + 19) on /dev/vfio/devices/vfioN. */
#define VSMMU_IOC_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VSMMU_IOMMUFD_TYPE, 100 + 19)

/* ---- enum and flag values -------------------------------------------- */
/* Values also exported by include/vsmmu_iommufd.h are not repeated here:
 * VSMMU_HWPT_ALLOC_NEST_PARENT, the *_ARM_SMMUV3 and *_SELFTEST types,
 * VSMMU_VEVENT_FLAG_LOST_EVENTS, VSMMU_VEVENTQ_MAX_DEPTH. */
#define VSMMU_UAPI_HW_INFO_FLAG_INPUT_TYPE   (1u << 0)
#define VSMMU_UAPI_HW_INFO_TYPE_DEFAULT      0u
#define VSMMU_UAPI_HWPT_DATA_NONE            0u
#define VSMMU_UAPI_HWPT_ALLOC_DIRTY_TRACKING (1u << 1)
#define VSMMU_UAPI_HWPT_ALLOC_FAULT_ID_VALID (1u << 2)
#define VSMMU_UAPI_VIOMMU_TYPE_DEFAULT       0u
#define VSMMU_UAPI_VEVENTQ_TYPE_DEFAULT      0u

/* ---- core structs ----------------------------------------------------- */
struct vsmmu_uapi_destroy {             /* 8 bytes */
    uint32_t size;
    uint32_t id;
};

struct vsmmu_uapi_ioas_alloc {          /* 12 bytes */
    uint32_t size;
    uint32_t flags;
    uint32_t out_ioas_id;
};

struct vsmmu_uapi_hw_info {             /* 40 bytes */
    uint32_t size;
    uint32_t flags;
    uint32_t dev_id;
    uint32_t data_len;
    VSMMU_UAPI_U64 data_uptr;
    uint32_t data_type;                 /* in (with FLAG_INPUT_TYPE) / out */
    uint8_t out_max_pasid_log2;
    uint8_t reserved[3];
    VSMMU_UAPI_U64 out_capabilities;
};

struct vsmmu_uapi_hwpt_alloc {          /* 48 bytes */
    uint32_t size;
    uint32_t flags;
    uint32_t dev_id;
    uint32_t pt_id;
    uint32_t out_hwpt_id;
    uint32_t reserved;
    uint32_t data_type;
    uint32_t data_len;
    VSMMU_UAPI_U64 data_uptr;
    uint32_t fault_id;
    uint32_t reserved2;
};

struct vsmmu_uapi_hwpt_invalidate {     /* 32 bytes */
    uint32_t size;
    uint32_t hwpt_id;                   /* a nested HWPT or a vIOMMU */
    VSMMU_UAPI_U64 data_uptr;
    uint32_t data_type;
    uint32_t entry_len;
    uint32_t entry_num;                 /* in: count; out: entries handled */
    uint32_t reserved;
};

struct vsmmu_uapi_viommu_alloc {        /* 40 bytes */
    uint32_t size;
    uint32_t flags;
    uint32_t type;
    uint32_t dev_id;
    uint32_t hwpt_id;                   /* the nest-parent HWPT */
    uint32_t out_viommu_id;
    uint32_t data_len;
    uint32_t reserved;
    VSMMU_UAPI_U64 data_uptr;
};

struct vsmmu_uapi_vdevice_alloc {       /* 24 bytes */
    uint32_t size;
    uint32_t viommu_id;
    uint32_t dev_id;
    uint32_t out_vdevice_id;
    VSMMU_UAPI_U64 virt_id;             /* the vSID for SMMUv3 */
};

struct vsmmu_uapi_veventq_alloc {       /* 32 bytes */
    uint32_t size;
    uint32_t flags;
    uint32_t viommu_id;
    uint32_t type;
    uint32_t veventq_depth;
    uint32_t out_veventq_id;
    uint32_t out_veventq_fd;
    uint32_t reserved;
};

/* Each record read from a vEVENTQ fd: this header, then the type's payload
 * (none when flags has LOST_EVENTS). */
struct vsmmu_uapi_vevent_header {       /* 8 bytes */
    uint32_t flags;
    uint32_t sequence;                  /* 0..0x7fffffff, wraps to 0 */
};

/* ---- ARM SMMUv3 driver data ------------------------------------------ */
struct vsmmu_uapi_hw_info_arm_smmuv3 {  /* 40 bytes */
    uint32_t flags;
    uint32_t reserved;
    uint32_t idr[6];
    uint32_t iidr;
    uint32_t aidr;
};

struct vsmmu_uapi_hwpt_arm_smmuv3 {     /* 16 bytes: STE words 0-1, LE */
    VSMMU_UAPI_U64 ste[2];
};

struct vsmmu_uapi_viommu_arm_smmuv3_invalidate { /* 16 bytes: one command, LE */
    VSMMU_UAPI_U64 cmd[2];
};

struct vsmmu_uapi_vevent_arm_smmuv3 {   /* 32 bytes: one event record, LE */
    VSMMU_UAPI_U64 evt[4];
};

/* ---- VFIO cdev -------------------------------------------------------- */
struct vsmmu_uapi_vfio_attach_pt {      /* 16 bytes */
    uint32_t argsz;
    uint32_t flags;
    uint32_t pt_id;                     /* in: target; out: the attached HWPT */
    uint32_t pasid;
};

/* ---- the kernel's selftest mock driver (CONFIG_IOMMUFD_TEST) ---------- */
enum {
    VSMMU_TEST_OP_MOCK_DOMAIN = 2,
    VSMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10,
    VSMMU_TEST_OP_DEV_CHECK_CACHE = 16,
    VSMMU_TEST_OP_TRIGGER_VEVENT = 17,
};

struct vsmmu_uapi_test_cmd {            /* 72 bytes */
    uint32_t size;
    uint32_t op;
    uint32_t id;                        /* MOCK_DOMAIN: pt; REPLACE: stdev */
    uint32_t reserved;
    union {                             /* 48 bytes at 0x10 */
        struct {
            uint32_t out_stdev_id;
            uint32_t out_hwpt_id;
            uint32_t out_idev_id;       /* the iommufd device id */
        } mock_domain;
        struct {
            uint32_t pt_id;             /* in: target; out: attached HWPT */
        } mock_domain_replace;
        struct {
            uint32_t id;                /* the idev id */
            uint32_t cache;
        } check_dev_cache;
        struct {
            uint32_t dev_id;            /* the idev id */
        } trigger_vevent;
        VSMMU_UAPI_U64 raw[6];
    } u;
    uint32_t last;
};

#define VSMMU_TEST_HW_INFO_REGVAL        0xdeadbeefu
#define VSMMU_TEST_IOTLB_DEFAULT         0xbadbeefu
#define VSMMU_TEST_DEV_CACHE_DEFAULT     0xbaddadu
#define VSMMU_TEST_HWPT_INVALIDATE_DATA  0xdeadbeefu /* nested-HWPT entries */
#define VSMMU_TEST_INVALIDATE_FLAG_ALL   (1u << 0)
#define VSMMU_TEST_CACHE_ID_MAX          3u   /* device caches 0..3 */
#define VSMMU_TEST_IOTLB_ID_MAX          3u   /* nested-domain IOTLBs 0..3 */

/* GET_HW_INFO data of the mock device (type 0xfeedbeef). */
struct vsmmu_uapi_test_hw_info {        /* 8 bytes */
    uint32_t flags;
    uint32_t test_reg;                  /* VSMMU_TEST_HW_INFO_REGVAL */
};

/* HWPT_ALLOC data of type 0xdead (the kernel needs at least iotlb). */
struct vsmmu_uapi_hwpt_selftest {       /* 8 bytes */
    uint32_t iotlb;                     /* VSMMU_TEST_IOTLB_DEFAULT */
    uint32_t pagetable_type;            /* 0: default */
};

/* HWPT_INVALIDATE entry for a selftest nested HWPT (type 0xdeadbeef). */
struct vsmmu_uapi_hwpt_invalidate_selftest { /* 8 bytes */
    uint32_t flags;
    uint32_t iotlb_id;
};

/* HWPT_INVALIDATE entry for a selftest vIOMMU (type 0xdeadbeef). */
struct vsmmu_uapi_viommu_invalidate_selftest { /* 12 bytes */
    uint32_t flags;
    uint32_t vdev_id;                   /* a vDEVICE's virt_id */
    uint32_t cache_id;
};

/* vEVENTQ payload of type 0xbeefbeef. */
struct vsmmu_uapi_vevent_selftest {     /* 4 bytes */
    uint32_t virt_id;
};

/* ---- layout checks ---------------------------------------------------- */
#define VSMMU_UAPI_AT(s, f, off) \
    _Static_assert(offsetof(struct vsmmu_uapi_##s, f) == (off), #s "." #f " offset")
#define VSMMU_UAPI_SIZE(s, n) \
    _Static_assert(sizeof(struct vsmmu_uapi_##s) == (n), #s " size")

VSMMU_UAPI_SIZE(destroy, 8);
VSMMU_UAPI_AT(destroy, id, 0x04);

VSMMU_UAPI_SIZE(ioas_alloc, 12);
VSMMU_UAPI_AT(ioas_alloc, flags, 0x04);
VSMMU_UAPI_AT(ioas_alloc, out_ioas_id, 0x08);

VSMMU_UAPI_SIZE(hw_info, 40);
VSMMU_UAPI_AT(hw_info, flags, 0x04);
VSMMU_UAPI_AT(hw_info, dev_id, 0x08);
VSMMU_UAPI_AT(hw_info, data_len, 0x0c);
VSMMU_UAPI_AT(hw_info, data_uptr, 0x10);
VSMMU_UAPI_AT(hw_info, data_type, 0x18);
VSMMU_UAPI_AT(hw_info, out_max_pasid_log2, 0x1c);
VSMMU_UAPI_AT(hw_info, reserved, 0x1d);
VSMMU_UAPI_AT(hw_info, out_capabilities, 0x20);

VSMMU_UAPI_SIZE(hwpt_alloc, 48);
VSMMU_UAPI_AT(hwpt_alloc, flags, 0x04);
VSMMU_UAPI_AT(hwpt_alloc, dev_id, 0x08);
VSMMU_UAPI_AT(hwpt_alloc, pt_id, 0x0c);
VSMMU_UAPI_AT(hwpt_alloc, out_hwpt_id, 0x10);
VSMMU_UAPI_AT(hwpt_alloc, reserved, 0x14);
VSMMU_UAPI_AT(hwpt_alloc, data_type, 0x18);
VSMMU_UAPI_AT(hwpt_alloc, data_len, 0x1c);
VSMMU_UAPI_AT(hwpt_alloc, data_uptr, 0x20);
VSMMU_UAPI_AT(hwpt_alloc, fault_id, 0x28);
VSMMU_UAPI_AT(hwpt_alloc, reserved2, 0x2c);

VSMMU_UAPI_SIZE(hwpt_invalidate, 32);
VSMMU_UAPI_AT(hwpt_invalidate, hwpt_id, 0x04);
VSMMU_UAPI_AT(hwpt_invalidate, data_uptr, 0x08);
VSMMU_UAPI_AT(hwpt_invalidate, data_type, 0x10);
VSMMU_UAPI_AT(hwpt_invalidate, entry_len, 0x14);
VSMMU_UAPI_AT(hwpt_invalidate, entry_num, 0x18);
VSMMU_UAPI_AT(hwpt_invalidate, reserved, 0x1c);

VSMMU_UAPI_SIZE(viommu_alloc, 40);
VSMMU_UAPI_AT(viommu_alloc, flags, 0x04);
VSMMU_UAPI_AT(viommu_alloc, type, 0x08);
VSMMU_UAPI_AT(viommu_alloc, dev_id, 0x0c);
VSMMU_UAPI_AT(viommu_alloc, hwpt_id, 0x10);
VSMMU_UAPI_AT(viommu_alloc, out_viommu_id, 0x14);
VSMMU_UAPI_AT(viommu_alloc, data_len, 0x18);
VSMMU_UAPI_AT(viommu_alloc, reserved, 0x1c);
VSMMU_UAPI_AT(viommu_alloc, data_uptr, 0x20);

VSMMU_UAPI_SIZE(vdevice_alloc, 24);
VSMMU_UAPI_AT(vdevice_alloc, viommu_id, 0x04);
VSMMU_UAPI_AT(vdevice_alloc, dev_id, 0x08);
VSMMU_UAPI_AT(vdevice_alloc, out_vdevice_id, 0x0c);
VSMMU_UAPI_AT(vdevice_alloc, virt_id, 0x10);

VSMMU_UAPI_SIZE(veventq_alloc, 32);
VSMMU_UAPI_AT(veventq_alloc, flags, 0x04);
VSMMU_UAPI_AT(veventq_alloc, viommu_id, 0x08);
VSMMU_UAPI_AT(veventq_alloc, type, 0x0c);
VSMMU_UAPI_AT(veventq_alloc, veventq_depth, 0x10);
VSMMU_UAPI_AT(veventq_alloc, out_veventq_id, 0x14);
VSMMU_UAPI_AT(veventq_alloc, out_veventq_fd, 0x18);
VSMMU_UAPI_AT(veventq_alloc, reserved, 0x1c);

VSMMU_UAPI_SIZE(vevent_header, 8);
VSMMU_UAPI_AT(vevent_header, sequence, 0x04);

VSMMU_UAPI_SIZE(hw_info_arm_smmuv3, 40);
VSMMU_UAPI_AT(hw_info_arm_smmuv3, idr, 0x08);
VSMMU_UAPI_AT(hw_info_arm_smmuv3, iidr, 0x20);
VSMMU_UAPI_AT(hw_info_arm_smmuv3, aidr, 0x24);
VSMMU_UAPI_SIZE(hwpt_arm_smmuv3, 16);
VSMMU_UAPI_SIZE(viommu_arm_smmuv3_invalidate, 16);
VSMMU_UAPI_SIZE(vevent_arm_smmuv3, 32);

VSMMU_UAPI_SIZE(vfio_attach_pt, 16);
VSMMU_UAPI_AT(vfio_attach_pt, flags, 0x04);
VSMMU_UAPI_AT(vfio_attach_pt, pt_id, 0x08);
VSMMU_UAPI_AT(vfio_attach_pt, pasid, 0x0c);

VSMMU_UAPI_SIZE(test_cmd, 72);
VSMMU_UAPI_AT(test_cmd, op, 0x04);
VSMMU_UAPI_AT(test_cmd, id, 0x08);
VSMMU_UAPI_AT(test_cmd, reserved, 0x0c);
VSMMU_UAPI_AT(test_cmd, u.mock_domain.out_stdev_id, 0x10);
VSMMU_UAPI_AT(test_cmd, u.mock_domain.out_hwpt_id, 0x14);
VSMMU_UAPI_AT(test_cmd, u.mock_domain.out_idev_id, 0x18);
VSMMU_UAPI_AT(test_cmd, u.mock_domain_replace.pt_id, 0x10);
VSMMU_UAPI_AT(test_cmd, u.check_dev_cache.cache, 0x14);
VSMMU_UAPI_AT(test_cmd, u.trigger_vevent.dev_id, 0x10);
VSMMU_UAPI_AT(test_cmd, last, 0x40);
VSMMU_UAPI_SIZE(test_hw_info, 8);
VSMMU_UAPI_SIZE(hwpt_selftest, 8);
VSMMU_UAPI_SIZE(hwpt_invalidate_selftest, 8);
VSMMU_UAPI_SIZE(viommu_invalidate_selftest, 12);
VSMMU_UAPI_AT(viommu_invalidate_selftest, vdev_id, 0x04);
VSMMU_UAPI_AT(viommu_invalidate_selftest, cache_id, 0x08);
VSMMU_UAPI_SIZE(vevent_selftest, 4);

/* The kernel's minimum accepted sizes: the end of the named field. */
#define VSMMU_UAPI_MIN_DESTROY        8u   /* id */
#define VSMMU_UAPI_MIN_IOAS_ALLOC     12u  /* out_ioas_id */
#define VSMMU_UAPI_MIN_HW_INFO        32u  /* reserved */
#define VSMMU_UAPI_MIN_HWPT_ALLOC     24u  /* reserved */
#define VSMMU_UAPI_MIN_HWPT_INVALIDATE 32u /* reserved */
#define VSMMU_UAPI_MIN_VIOMMU_ALLOC   24u  /* out_viommu_id */
#define VSMMU_UAPI_MIN_VDEVICE_ALLOC  24u  /* virt_id */
#define VSMMU_UAPI_MIN_VEVENTQ_ALLOC  28u  /* out_veventq_fd */
#define VSMMU_UAPI_MIN_TEST_CMD       68u  /* last */

/* asm-generic _IO: direction and size 0, so the value is 0x3B00 | nr
 * on x86 and arm64 (not on powerpc, mips, sparc, alpha). */
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
_Static_assert(VSMMU_IOC_DESTROY == 0x3B80, "IOMMU_DESTROY value");
_Static_assert(VSMMU_IOC_VEVENTQ_ALLOC == 0x3B93, "IOMMU_VEVENTQ_ALLOC value");
_Static_assert(VSMMU_IOC_TEST_CMD == 0x3BA0, "IOMMU_TEST_CMD value");
_Static_assert(VSMMU_IOC_VFIO_DEVICE_ATTACH_IOMMUFD_PT == 0x3B77,
               "VFIO_DEVICE_ATTACH_IOMMUFD_PT value");
#endif

#endif /* VSMMU_IOMMUFD_UAPI_H */
