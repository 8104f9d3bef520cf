/* SPDX-License-Identifier: MIT */
/*
 * vsmmu: an embeddable model of the Arm SMMUv3 (Arm IHI 0070) for virtual
 * machine monitors.
 *
 * The VMM creates one instance per virtual SMMU, forwards the guest's
 * accesses to the 128 KiB register frame (page 0 and page 1) to
 * vsmmu_mmio_read()/vsmmu_mmio_write(), and supplies callbacks through which
 * the model reads and writes guest memory, raises interrupts and reports
 * errors.  Emulated devices call vsmmu_translate() for every DMA; passthrough
 * devices are attached with the accel API (see vsmmu_iommufd.h) and run on
 * the host SMMU with the guest's own stage-1 tables.
 *
 * Threading model:
 *  - Every entry point may be called from any thread.  MMIO, reset, accel
 *    calls and event processing of one instance are serialised by a mutex
 *    inside the instance.
 *  - vsmmu_translate() may be called concurrently from any number of threads;
 *    a translation that hits the TLB takes no lock.  A miss takes a second,
 *    short-held lock that guards the translation caches, not the instance
 *    mutex, so it never waits for command processing beyond one command's
 *    cache work; a miss that ends in a fault whose event must be recorded
 *    takes the mutex too, but spins for it and command processing lets it
 *    in between two commands (within about 20 us of processing), so it
 *    does not wait for the queue either.  ATS translations
 *    (VSMMU_ACC_ATS_*) take the mutex like an MMIO access.
 *  - Host callbacks are called with the instance's mutex held, except
 *    mem_read, mem_write (an Access flag update), log and the trace
 *    callback during a translation miss that records no event, which run
 *    without it (so at the same time as callbacks of command processing on
 *    another thread): they must not call back into the same instance.
 *    Accesses to guest RAM registered with vsmmu_set_ram() call neither
 *    mem_read nor mem_write.
 *  - Re-entrancy rule: a call into an instance from inside one of its own
 *    callbacks (mem_read, mem_write, irq, msi, log, the invalidation
 *    notifier, the trace callback, the event-fd notifier), with or without
 *    the mutex, is refused, never a deadlock: functions returning int return
 *    -EDEADLK (vsmmu_translate() too, unless it hits the TLB, which needs no
 *    lock), void ones do nothing and log an error.  A VMM whose msi
 *    callback routes a write aimed at the SMMU's own register frame back
 *    into vsmmu_mmio_write() therefore gets -EDEADLK: return it, and the
 *    model treats the MSI as aborted (GERROR.MSI_*_ABT_ERR), as for any
 *    write it cannot complete.
 *
 * NULL rule: a NULL instance, handle or pointer a function needs makes it
 * return -EINVAL (functions returning int), -1 (vsmmu_accel_event_fd,
 * vsmmu_iommufd_fd), NULL (functions returning a pointer) or do nothing
 * (void functions); it never crashes.  Pointers documented as optional
 * ("may be NULL") are optional; callbacks may be set to NULL to remove them.
 * Buffers the iommufd transport hands to the kernel unchanged (the data of
 * HWPT allocation and invalidation, vEVENTQ read buffers) get the kernel's
 * own answer (-EINVAL, -EFAULT).
 *  - Instances are independent; there is no global state.
 *
 * Errors: functions returning int return 0 on success or a negative errno
 * value.  Every error the model detects (host failures, guest
 * misprogramming worth a message) is also reported through the log callback,
 * filtered by vsmmu_config.log_level and rate-limited per call site.  The
 * model's decisions are also available as trace events with stable ids
 * (vsmmu_trace.h).  docs/logging.md describes both.
 *
 * Extensible structs (docs/abi.md): every struct that crosses the library
 * boundary starts with `uint32_t struct_size`, which the caller sets to
 * sizeof of its struct (VSMMU_STRUCT_INIT(var), or vsmmu_config_default()
 * for the configuration).  Later releases append fields at the end only.
 * The library reads or writes min(caller's size, its own size) bytes: a
 * field an older caller does not know gets its default (input) or is not
 * written (output); output bytes a newer caller has beyond the library's
 * struct are zeroed; an input struct larger than the library's is refused
 * with -E2BIG unless every byte the library does not know is zero.  A
 * struct_size below 4 or above 4096 (not set) is -EINVAL.
 */
#ifndef VSMMU_H
#define VSMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VSMMU_VERSION_MAJOR 0
#define VSMMU_VERSION_MINOR 3
#define VSMMU_VERSION_PATCH 0
/** The header's version, (major << 16) | (minor << 8) | patch. */
#define VSMMU_VERSION ((VSMMU_VERSION_MAJOR << 16) | (VSMMU_VERSION_MINOR << 8) | \
                       VSMMU_VERSION_PATCH)

/** The library's version at run time, encoded as VSMMU_VERSION. */
uint32_t vsmmu_version(void);
/** The library's version at run time as a string ("0.2.0"). */
const char *vsmmu_version_string(void);

/**
 * Initialiser (C, C++20) for an extensible struct variable: sets
 * struct_size to the size the caller was compiled with and zeroes the rest,
 * e.g. `struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);`.
 */
#define VSMMU_STRUCT_INIT(var) { .struct_size = (uint32_t)sizeof(var) }
/**
 * Whether a struct the library hands to a callback (struct vsmmu_inval)
 * covers @field: fields beyond ptr->struct_size were not filled in by an
 * older library.
 */
#define VSMMU_HAS_FIELD(ptr, type, field) \
    (offsetof(type, field) + sizeof(((type *)0)->field) <= (ptr)->struct_size)

/** Size of the register frame: page 0 (0x00000) and page 1 (0x10000). */
#define VSMMU_MMIO_SIZE 0x20000u

typedef struct vsmmu vsmmu_t;

/** Wired interrupt lines, in the order of QEMU's virt machine. */
enum vsmmu_irq {
    VSMMU_IRQ_EVENTQ = 0,
    VSMMU_IRQ_PRIQ = 1,
    VSMMU_IRQ_CMDQ_SYNC = 2,
    VSMMU_IRQ_GERROR = 3,
};

enum vsmmu_log_level {
    VSMMU_LOG_ERROR = 0,  /**< a failure: host error, lost data            */
    VSMMU_LOG_GUEST = 1,  /**< guest misprogramming (architected response)  */
    VSMMU_LOG_INFO = 2,   /**< informational                                */
    VSMMU_LOG_TRACE = 3,  /**< decoded model actions (very verbose)         */
};

/**
 * Host callbacks.  Only mem_read and mem_write are mandatory.
 */
struct vsmmu_host_ops {
    uint32_t struct_size; /**< sizeof(struct vsmmu_host_ops)              */
    /**
     * Read @len bytes of guest physical memory at @addr into @buf.
     * Return 0 on success; any other value is an external abort for the
     * model (F_STE_FETCH, CERROR_ABT, F_WALK_EABT, ... as the spec says).
     */
    int (*mem_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    /** Write guest memory; non-zero return is an external abort. */
    int (*mem_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    /**
     * Pulse a wired interrupt line (edge).  Optional.  The line is pulsed
     * whenever its source fires, whether or not an MSI is also sent for it
     * (an SMMU with both outputs; docs/spec-notes.md section 5.3): leave
     * this NULL for an MSI-only SMMU.
     */
    void (*irq)(void *opaque, enum vsmmu_irq line);
    /**
     * Perform an MSI: a 32-bit write of @data to guest physical @addr.
     * Optional: when NULL, the model writes the 4 bytes (little-endian)
     * through mem_write.  Non-zero return is an abort and sets the matching
     * GERROR MSI_*_ABT_ERR bit.
     */
    int (*msi)(void *opaque, uint64_t addr, uint32_t data);
    /**
     * Report a message.  Optional: when NULL, ERROR messages go to
     * standard error prefixed "vsmmu: error: " and everything else is
     * dropped.  @msg has no trailing newline.  Only messages up to
     * vsmmu_config.log_level arrive, rate-limited per call site (see
     * log_level); a suppressed run is reported as "N similar messages
     * suppressed (last: ...)" at the level of that site.
     */
    void (*log)(void *opaque, enum vsmmu_log_level level, const char *msg);
    /** Passed to every callback. */
    void *opaque;
};

/** Behaviour options (vsmmu_config.flags). */
enum vsmmu_flag {
    /**
     * QEMU compatibility: a full event queue (or, for accel events, a
     * disabled one) raises GERROR.EVENTQ_ABT_ERR instead of the architected
     * EVENTQ_PROD.OVFLG overflow.  Off by default.
     */
    VSMMU_FLAG_QEMU_EVENTQ_FULL = 1u << 0,
    /**
     * Log decoded model actions at VSMMU_LOG_TRACE: the same as log_level =
     * VSMMU_LOG_TRACE (kept from 0.1; the threshold is the larger of the
     * two).
     */
    VSMMU_FLAG_TRACE = 1u << 1,
};

/**
 * What the SMMU advertises in IDR0-IDR5 and how big its caches are.
 * Initialise with vsmmu_config_default() and change what you need.
 */
struct vsmmu_config {
    uint32_t struct_size; /**< sizeof(struct vsmmu_config)                */
    bool stage1;          /**< IDR0.S1P                                   */
    bool stage2;          /**< IDR0.S2P                                   */
    unsigned oas_bits;    /**< IDR5.OAS: 32, 36, 40, 42, 44, 48 or 52     */
    unsigned sidsize;     /**< IDR1.SIDSIZE, 0..32                        */
    unsigned ssidsize;    /**< IDR1.SSIDSIZE, 0..20                       */
    unsigned cmdqs;       /**< IDR1.CMDQS, log2 max entries, 0..19        */
    unsigned eventqs;     /**< IDR1.EVENTQS, 0..19                        */
    unsigned priqs;       /**< IDR1.PRIQS, 0..19 (only with pri)          */
    bool two_level_strtab;/**< IDR0.ST_LEVEL = 01                         */
    bool cd2l;            /**< IDR0.CD2L                                  */
    bool ril;             /**< IDR3.RIL: range invalidation               */
    bool msi;             /**< IDR0.MSI                                   */
    bool sev;             /**< IDR0.SEV                                   */
    bool hyp;             /**< IDR0.Hyp (needs stage1 and stage2)         */
    bool ats;             /**< IDR0.ATS                                   */
    bool pri;             /**< IDR0.PRI (needs ats)                       */
    bool asid16;          /**< IDR0.ASID16                                */
    bool vmid16;          /**< IDR0.VMID16                                */
    bool httu_af;         /**< IDR0.HTTU >= 01: hardware Access flag      */
    bool gran4k, gran16k, gran64k; /**< IDR5.GRAN*                        */
    bool accel;           /**< accelerated mode (stage 1 only)            */
    unsigned aidr_minor;  /**< AIDR.ArchMinorRev (0..4)                   */
    unsigned tlb_entries; /**< TLB capacity (entries), >= 16              */
    unsigned cfg_entries; /**< config cache capacity (entries), >= 4      */
    uint32_t flags;       /**< VSMMU_FLAG_*                               */
    /**
     * Log threshold: messages of a higher level are neither formatted nor
     * delivered.  Default VSMMU_LOG_INFO (TRACE only when asked for);
     * VSMMU_LOG_ERROR messages are always delivered.  Messages at ERROR,
     * GUEST and INFO are rate-limited per call site (docs/logging.md):
     * at most 5 per site in a 1 s window, then a count of the suppressed
     * ones.
     */
    enum vsmmu_log_level log_level;
};

/**
 * Fill the first @size bytes of @cfg with the defaults (stage 1 + stage 2,
 * OAS 48, SIDSIZE 16, queues 2^19, 2-level tables, RIL, MSI, all granules,
 * SMMUv3.2) and set cfg->struct_size = @size; bytes beyond the library's
 * struct are zeroed.  -EINVAL for a NULL @cfg or @size not in 4..4096.
 */
int vsmmu_config_init(struct vsmmu_config *cfg, size_t size);
/** vsmmu_config_init() with the size the caller was compiled with. */
static inline void vsmmu_config_default(struct vsmmu_config *cfg)
{
    vsmmu_config_init(cfg, sizeof(*cfg));
}

/**
 * Create an instance.  The configuration and callbacks are copied (fields
 * the caller's structs do not have get their defaults: those of
 * vsmmu_config_init(), NULL callbacks).  Returns 0, -EINVAL for an
 * inconsistent configuration (reported through the log callback) or a
 * struct_size that is not set, -E2BIG for non-zero fields this library does
 * not know, or -ENOMEM.
 */
int vsmmu_create(const struct vsmmu_config *cfg,
                 const struct vsmmu_host_ops *ops, vsmmu_t **out);
/** Destroy an instance (detaches every passthrough device first). */
void vsmmu_destroy(vsmmu_t *s);
/** The architected reset.  Accel objects follow accel mode's rules. */
void vsmmu_reset(vsmmu_t *s);

/**
 * Register access.  @offset is relative to the frame base
 * (0..VSMMU_MMIO_SIZE-1); @size is 4 or 8.
 *
 * Behaviour (documented choices where the architecture leaves them open):
 *  - aligned 32-bit accesses to any register and aligned 64-bit accesses
 *    to 64-bit registers work as the spec says;
 *  - a 64-bit access to a pair of 32-bit registers acts as two 32-bit
 *    accesses (low offset first);
 *  - other sizes (1, 2 bytes), unaligned accesses and offsets beyond the
 *    frame are RAZ/WI and return -EINVAL (the VMM may inject an abort);
 *  - reserved and unimplemented offsets are RAZ/WI and return 0;
 *  - page 1 offsets without a page-1 register are RAZ/WI; the page-0
 *    aliases of EVENTQ_PROD/CONS and PRIQ_PROD/CONS are RAZ/WI;
 *  - every update completes at once (CR0ACK = CR0, IRQ_CTRLACK = IRQ_CTRL,
 *    GBPA.Update reads 0); writes to guarded fields while their enable is
 *    set are ignored (the SMMUv3.2 rule) and logged at VSMMU_LOG_GUEST;
 *  - UNKNOWN reset values are 0; GBPA resets to ABORT = 0, SHCFG = use
 *    incoming; queue LOG2SIZE reads back as written and is clamped to the
 *    IDR1 maximum when used;
 *  - commands are processed synchronously inside the MMIO write that
 *    prompts them (CMDQ_PROD, CR0, GERRORN), at most one queue's worth per
 *    write.  docs/registers.md lists every choice.
 *
 * Bound on the work of one write, and what other threads wait for:
 *  - A write consumes at most one queue's worth of commands (2^CMDQS,
 *    2^19 by default), and each command costs a bounded amount of work
 *    whatever the TLB and configuration cache sizes: scope-wide
 *    invalidation is O(1); by-address invalidation probes the sets the
 *    named pages map to, paid from a per-command credit (about 1.5 set
 *    probes per command amortised with a TLB that fits the CPU caches,
 *    1/16 with a bigger one; beyond the credit the command drops its whole
 *    VMID instead, an over-invalidation the architecture allows), and one
 *    command never spends more than the credit's cap (about 0.2 - 0.3 ms).
 *    A full queue of the worst mix measured (every TLBI and CFGI scope,
 *    PREFETCHes, CMD_SYNCs with MSI and with a wired interrupt, a full TLB
 *    with four page sizes) takes 10 - 35 ms of CPU on a 2-vCPU 2026 x86
 *    machine, with the default and with a 1M-entry TLB; in accel mode, with
 *    16 devices on the simulated kernel, 25 - 45 ms (bench/qstall.c,
 *    docs/performance.md).  Host calls of accel mode come on top: devices
 *    named by CFGI_STE* are re-installed once per batch of up to 256
 *    commands, forwarded invalidations go in one IOMMU_HWPT_INVALIDATE of
 *    up to 64 coalesced commands.
 *  - Register reads of the ID registers, CR0, CR0ACK, CR2, GBPA, GERROR,
 *    STRTAB_BASE(_CFG) and CMDQ_CONS take no lock and never wait for
 *    command processing.  Translation misses take only the translation
 *    cache lock, which processing holds for one command's cache work at a
 *    time (microseconds; a waiting miss goes before the next command), so
 *    they do not wait for the queue either; a miss that records an event
 *    needs the instance lock, but spins for it, and processing lets it in
 *    at the next command boundary once it has done 4 commands and run
 *    20 us since it last let a waiter in (a stream of faults cannot stop
 *    it).  Other accesses that need the instance lock sleep: processing
 *    looks for a thread waiting for the instance lock every 16 commands
 *    and lets it in once 100 us (wall clock; or 4096 commands) have passed
 *    since it last did, then waits, without using the CPU, until the
 *    waiter has the lock (at most 1 ms).  Measured: at most 0.13 ms from
 *    seeing the waiter to letting it in (threads waiting 0.1 - 0.9 ms
 *    on a lightly loaded 2-vCPU host); translation misses wait for
 *    microseconds.  A longer wait means the processing thread was
 *    descheduled while it held a lock (an overloaded host).
 *  - A CMDQ_PROD write made while another thread is consuming the queue
 *    returns at once; that thread consumes the new commands too.
 */
int vsmmu_mmio_read(vsmmu_t *s, uint64_t offset, unsigned size, uint64_t *val);
int vsmmu_mmio_write(vsmmu_t *s, uint64_t offset, unsigned size, uint64_t val);

/* ---------------------------------------------------------------------- */
/* Translation for emulated devices                                        */

/** Access types for vsmmu_translate(). */
enum vsmmu_access {
    VSMMU_ACC_READ = 1u << 0,   /**< data read (or instruction fetch)      */
    VSMMU_ACC_WRITE = 1u << 1,  /**< write                                 */
    VSMMU_ACC_EXEC = 1u << 2,   /**< instruction fetch (with READ)         */
    VSMMU_ACC_PRIV = 1u << 3,   /**< privileged                            */
    /**
     * PCIe ATS (only when vsmmu_config.ats is advertised, IDR0.ATS;
     * otherwise vsmmu_translate() returns -EINVAL).  At most one of the two.
     *
     * VSMMU_ACC_ATS_TRANSLATED: a Translated transaction, the device presents
     * an address it obtained through ATS.  READ or WRITE gives RnW; EXEC,
     * PRIV and @ssid are ignored (the model does not advertise
     * IDR3.PASIDTT: Translated traffic is Data, Unprivileged, without a
     * SubstreamID).  Outcome (Arm IHI 0070 §3.9.1.3):
     *  - SMMUEN = 0: FAULT, F_TRANSL_FORBIDDEN recorded (GBPA is not used);
     *  - CR0.ATSCHK = 0: passes untranslated (OK, addr = iova, size =
     *    2^OAS, perm RWX), no STE lookup;
     *  - ATSCHK = 1: the STE is checked.  Config abort: FAULT, no event.
     *    Config bypass, or effective EATS = 00 (EATS 11 without DPT):
     *    FAULT, F_TRANSL_FORBIDDEN recorded.  Configuration errors
     *    (C_BAD_STREAMID, F_STE_FETCH, C_BAD_STE, F_STREAM_DISABLED): FAULT
     *    with no event (CR2.REC_CFG_ATS is not implemented).  EATS = 01:
     *    passes untranslated as above.  EATS = 10 (split-stage): the
     *    address is an IPA translated by stage 2, faults recorded as for an
     *    ordinary transaction (STE.PRIVCFG/INSTCFG apply);
     *  - an address beyond the OAS where it would pass untranslated: FAULT
     *    with no event (the choice §3.9.1.1 allows, instead of truncating).
     *
     * VSMMU_ACC_ATS_REQUEST: an ATS Translation Request for the translation
     * the device may cache in its ATC.  Read is implied; WRITE means NW = 0
     * (write intended); EXEC (Exe) and PRIV (Priv) count only with a
     * SubstreamID (PASID) and are ignored without one.  Outcome (§3.9.1.2,
     * §13.6, §13.7.1); no TLB entry is used or made:
     *  - OK: a Success completion.  addr = the translated address of @iova
     *    (with EATS = 10, split-stage, the stage-1 IPA), size = the
     *    translation size (the smaller of the stages' pages; 2^OAS for an
     *    identity answer when S1DSS skips the only stage), perm = R/W/X
     *    granted to the requesting privilege (W whenever the translation
     *    allows it; X only when Exe was requested).  perm = 0 (R = W = 0)
     *    answers translation, address-size, access and permission faults,
     *    which record no event; then addr = 0 and size = the STU (the
     *    smallest granule advertised);
     *  - VSMMU_XLATE_ATS_UR: Unsupported Request.  SMMUEN = 0, Config
     *    bypass or effective EATS = 00 (EATS 1x with ATSCHK = 0) record
     *    F_BAD_ATS_TREQ; Config abort records nothing (event_type 0);
     *  - VSMMU_XLATE_ATS_CA: Completer Abort for configuration errors and
     *    external aborts (C_BAD_*, F_*_FETCH, F_STREAM_DISABLED,
     *    F_WALK_EABT): no event is recorded (REC_CFG_ATS not implemented).
     */
    VSMMU_ACC_ATS_TRANSLATED = 1u << 4,
    VSMMU_ACC_ATS_REQUEST = 1u << 5,
};

/** Permission bits in vsmmu_xlate_result.perm. */
enum vsmmu_perm {
    VSMMU_PERM_R = 1u << 0,
    VSMMU_PERM_W = 1u << 1,
    VSMMU_PERM_X = 1u << 2,
};

#define VSMMU_NO_SSID UINT32_MAX

/** Outcome of a translation. */
enum vsmmu_xlate_status {
    VSMMU_XLATE_OK = 0,      /**< translated: see addr, size, perm          */
    VSMMU_XLATE_FAULT = 1,   /**< terminated with abort; event_type is the
                                  event recorded (0: a silent abort)     */
    VSMMU_XLATE_RAZWI = 2,   /**< terminated, read-as-zero/write-ignored     */
    VSMMU_XLATE_ATS_UR = 3,  /**< ATS Translation Request: Unsupported Request */
    VSMMU_XLATE_ATS_CA = 4,  /**< ATS Translation Request: Completer Abort   */
};

struct vsmmu_xlate_result {
    uint32_t struct_size; /**< set by the caller (VSMMU_STRUCT_INIT); kept */
    enum vsmmu_xlate_status status;
    uint64_t addr;       /**< output address (OK)                           */
    uint64_t size;       /**< size of the page/block/bypass region (OK)     */
    unsigned perm;       /**< VSMMU_PERM_* granted (OK)                     */
    uint8_t event_type;  /**< event type the architecture records for the
                              access (0: none); set even when the queue
                              could not take it                           */
    bool recorded;       /**< the event was recorded in the guest queue     */
};

/**
 * Translate one access of the device with StreamID @sid.  @ssid is a
 * SubstreamID or VSMMU_NO_SSID; @access is a mask of VSMMU_ACC_*.
 * A fault also records the architected event in the guest's event queue.
 * Returns 0 (see @res), or a negative errno for bad arguments (-EINVAL also
 * for a res->struct_size that is not set; nothing is translated then).
 */
int vsmmu_translate(vsmmu_t *s, uint32_t sid, uint32_t ssid, uint64_t iova,
                    unsigned access, struct vsmmu_xlate_result *res);

/** What a struct vsmmu_inval covers. */
enum vsmmu_inval_kind {
    VSMMU_INVAL_ALL,      /**< everything                               */
    VSMMU_INVAL_STREAM,   /**< configuration of StreamIDs [sid, sid+num) */
    VSMMU_INVAL_ASID,     /**< all addresses of (vmid, asid)            */
    VSMMU_INVAL_VMID,     /**< all addresses of vmid                    */
    VSMMU_INVAL_RANGE,    /**< [addr, addr+size) of (vmid, asid or -1)  */
    VSMMU_INVAL_IPA,      /**< [addr, addr+size) of stage 2 of vmid     */
};

/**
 * Invalidation notification, for VMMs that cache translations.  Filled in
 * by the library: struct_size is the library's size (check later fields
 * with VSMMU_HAS_FIELD()).
 */
struct vsmmu_inval {
    uint32_t struct_size;
    enum vsmmu_inval_kind kind;
    int32_t vmid;   /**< -1: any                                           */
    int32_t asid;   /**< -1: any                                           */
    uint64_t sid, num;
    uint64_t addr, size;
};
/**
 * Register a notifier called (with the instance mutex held) for every
 * invalidation the guest performs; a VMM that caches translations drops
 * whatever overlaps.  One notifier per instance; NULL removes it.
 */
void vsmmu_set_inval_notifier(vsmmu_t *s,
                              void (*fn)(void *opaque, const struct vsmmu_inval *inv),
                              void *opaque);

/* ---------------------------------------------------------------------- */
/* Counters                                                                */

struct vsmmu_stats {
    uint32_t struct_size;     /**< set by the caller (VSMMU_STRUCT_INIT)    */
    uint32_t reserved0;       /**< written as 0                             */
    uint64_t commands;        /**< commands consumed                        */
    uint64_t events;          /**< event records written to the guest queue */
    uint64_t events_dropped;  /**< events dropped (queue disabled/full/abort) */
    uint64_t tlb_hits, tlb_misses;
    /* accel mode */
    uint64_t delivered;       /**< host events written to the guest queue   */
    uint64_t host_lost;       /**< events the host reported lost            */
    uint64_t dropped;         /**< host records dropped (malformed, queue)  */
};
/** Fill @st (up to st->struct_size); 0, or -EINVAL for bad arguments. */
int vsmmu_get_stats(vsmmu_t *s, struct vsmmu_stats *st);

/**
 * Tell the model the guest physical address of its register frame (64 KiB
 * aligned; 0, the default, means unknown).  When known, an access the
 * model would make to its own frame (an MSI, an event record, a table or
 * queue the guest placed there) is aborted without calling the host:
 * GERROR.MSI_*_ABT_ERR for an MSI, the access's own abort otherwise
 * (EVENTQ_ABT_ERR, F_STE_FETCH, ...).  Without it, a host callback that
 * routes such an access back into the instance gets -EDEADLK (the
 * re-entrancy rule above), to the same effect.  0, or -EINVAL for an
 * unaligned @base or a frame that would wrap.
 */
int vsmmu_set_mmio_base(vsmmu_t *s, uint64_t base);

/**
 * A range of guest RAM the VMM has mapped in its own address space
 * (vsmmu_set_ram()).
 */
struct vsmmu_ram_region {
    uint32_t struct_size; /**< sizeof(struct vsmmu_ram_region); the same in
                               every element of one call's array           */
    uint32_t flags;       /**< VSMMU_RAM_* (others: -EINVAL)               */
    uint64_t gpa;         /**< guest-physical address of the first byte    */
    uint64_t size;        /**< bytes, > 0; the range must not wrap         */
    void *host;           /**< where the VMM mapped the first byte         */
};
/** The model reads the region directly but writes it through mem_write
 *  (e.g. while the VMM tracks dirty pages for a migration). */
#define VSMMU_RAM_READONLY 0x1u
/** Most regions one vsmmu_set_ram() call takes. */
#define VSMMU_RAM_MAX_REGIONS 256u

/**
 * Tell the model where guest RAM is mapped in the VMM's address space, so
 * that it reads its tables (STEs, CDs, page-table descriptors) and command
 * queue, and writes its event queue, Access flag updates and MSIs, with
 * plain loads and stores instead of calling mem_read/mem_write.  @regions
 * (@n elements, each struct_size bytes apart) replaces the whole previous
 * map; @n = 0 (@regions may then be NULL) removes it.  An access not
 * wholly inside one region still goes through the callbacks, so MMIO-backed
 * or unregistered memory works as before; an abort the VMM's callback
 * makes for an address inside a region no longer happens (the access
 * succeeds).  The model's own checks come first: an address beyond the
 * OAS or in its register frame aborts whatever the map says.
 *
 * Guest vCPUs may write the memory at any time: the model reads aligned
 * dwords with single 8-byte loads (a table descriptor is read whole) and
 * copies the rest byte by byte.
 *
 * The call waits for in-flight translation misses and command processing
 * (it takes the instance mutex and the translation cache lock), and the
 * model keeps no pointer into a region after it returns.  So the VMM must
 * call it, replacing or removing a region, before it unmaps or remaps that
 * memory.  Not called from inside a host callback of the same instance
 * (-EDEADLK).  The map survives vsmmu_reset() and is not part of the saved
 * state.
 *
 * 0; -EINVAL for a NULL @s, a NULL @regions with @n > 0, a struct_size
 * that is not set or differs between elements, unknown flags, a zero size,
 * a guest or host range that wraps, a NULL host pointer or two regions
 * that overlap; -E2BIG for @n above VSMMU_RAM_MAX_REGIONS or an element
 * larger than the library's with non-zero bytes it does not know; -ENOMEM.
 * Since 0.3 (symbol version VSMMU_0.3).
 */
int vsmmu_set_ram(vsmmu_t *s, const struct vsmmu_ram_region *regions, unsigned n);

/** Human-readable name of an event type ("F_TRANSLATION"), or NULL. */
const char *vsmmu_event_name(uint8_t type);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_H */
