/* SPDX-License-Identifier: MIT */
/*
 * A test guest driver on top of the test bed: it allocates queues and
 * tables in guest RAM (bump allocator) and brings the SMMU up the way
 * Linux's arm-smmu-v3 driver does:
 *   CR0 = 0 (disable) -> CR1/CR2 -> STRTAB_BASE/CFG (linear or 2-level)
 *   -> CMDQ_BASE/PROD/CONS -> CMDQEN -> CFGI_ALL + TLBI_NSNH_ALL + SYNC
 *   -> EVENTQ_BASE/PROD/CONS -> EVENTQEN -> IRQ_CTRL (MSI config first)
 *   -> SMMUEN -> GBPA (Update handshake).
 *
 * Typical scenario test:
 *
 *     struct testbed tb = {0};
 *     struct guest g;
 *     tb_init(&tb, NULL);
 *     guest_init(&g, &tb, NULL);               // SMMU up, every STE abort
 *     uint64_t ste[8] = {0};
 *     st_set(ste, STE_V, 1); st_set(ste, STE_CONFIG, STE_CFG_BYPASS);
 *     guest_write_ste(&g, 5, ste);             // + CFGI_STE + SYNC
 *     ... vsmmu_translate(tb.s, 5, ...) ...
 *     uint64_t ev[4];
 *     CHECK(!guest_pop_event(&g, ev));
 *
 * Memory: the allocator hands out guest RAM from TB_RAM_BASE + 1 MiB
 * upward; the first MiB (minus the MSI targets below) is the test's own.
 *
 * Every function CHECKs what it relies on (it ends the test on failure),
 * except those documented to return an error.
 */
#ifndef VSMMU_TEST_GUEST_H
#define VSMMU_TEST_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "testbed.h"

/** Bring-up options; a zeroed struct (or NULL) gives the defaults. */
struct guest_opts {
    unsigned cmdq_log2;     /**< 0: 8 (256 commands)                      */
    unsigned evtq_log2;     /**< 0: 8 (256 records)                       */
    unsigned sid_bits;      /**< 0: MIN(IDR1.SIDSIZE, 16)                 */
    bool linear;            /**< linear stream table (default: 2-level if
                                 IDR0.ST_LEVEL allows it)                 */
    unsigned split;         /**< 2-level SPLIT, 0: 8 (as Linux)           */
    bool msi;               /**< program GERROR/EVENTQ MSIs (IDR0.MSI)    */
    bool msi_sync;          /**< Linux-style MSI-polling CMD_SYNC         */
    bool no_irqs;           /**< leave IRQ_CTRL = 0                       */
    bool no_smmuen;         /**< stop before SMMUEN                       */
    bool gbpa_abort;        /**< GBPA.ABORT = 1 (default: bypass)         */
    bool no_recinvsid;      /**< CR2.RECINVSID = 0 (default 1, as Linux)  */
};

/* MSI targets used when opts.msi is set (inside guest RAM). */
#define GUEST_MSI_GERROR_ADDR  (TB_RAM_BASE + 0x100)
#define GUEST_MSI_EVENTQ_ADDR  (TB_RAM_BASE + 0x104)
#define GUEST_MSI_GERROR_DATA  0x6e6e0001u
#define GUEST_MSI_EVENTQ_DATA  0x6e6e0002u

struct guest {
    struct testbed *tb;
    struct guest_opts o;
    uint64_t next;          /* bump allocator: next free guest PA */
    uint64_t cmdq, evtq;    /* queue bases (PA) */
    unsigned cmdq_log2, evtq_log2;
    uint64_t strtab;        /* stream table (linear) or L1 table (2-level) */
    unsigned sid_bits, split;
    bool two_level;
    uint32_t cmdq_prod;     /* shadow of CMDQ_PROD (index | wrap) */
};

/** Bring the SMMU up (see above).  @o may be NULL. */
void guest_init(struct guest *g, struct testbed *tb, const struct guest_opts *o);
/** Initialise the zeroed test bed @tb (default configuration) to deliver
 *  MSIs through its callback, then guest_init() with opts.msi set. */
void guest_init_msi(struct guest *g, struct testbed *tb);
/** Allocate @size zeroed bytes of guest RAM aligned to @align (power of 2). */
uint64_t guest_alloc(struct guest *g, uint64_t size, uint64_t align);

/* ---- commands -------------------------------------------------------- */
/** Write one command at PROD and advance CMDQ_PROD (the model consumes it
 *  at once).  Returns 0, or -1 if the queue is full (command error active
 *  or queue disabled). */
int guest_cmd(struct guest *g, const uint64_t cmd[2]);
/** Issue CMD_SYNC (SIG_SEV, or Linux's MSI polling with opts.msi_sync) and
 *  wait for it.  Returns 0 when every command up to it was consumed, else
 *  the CMDQ_CONS.ERR code of the active command error (or -1 if the queue
 *  did not drain for another reason). */
int guest_sync(struct guest *g);
/** guest_cmd() + guest_sync(). */
int guest_cmd_sync(struct guest *g, const uint64_t cmd[2]);
int guest_cfgi_ste(struct guest *g, uint32_t sid);        /**< + SYNC */
int guest_cfgi_cd(struct guest *g, uint32_t sid, uint32_t ssid); /**< + SYNC */
int guest_cfgi_all(struct guest *g);                      /**< + SYNC */
int guest_tlbi_nsnh_all(struct guest *g);                 /**< + SYNC */
/** Build a command with only the opcode set. */
void guest_cmd_op(uint64_t cmd[2], uint8_t op);

/* ---- configuration structures ---------------------------------------- */
/** PA of the STE of @sid; with a 2-level table allocates and installs the
 *  L2 table (and its L1 descriptor) on first use. */
uint64_t guest_ste_addr(struct guest *g, uint32_t sid);
/** Write the STE of @sid (dwords 1..7, then dword 0, as Linux does), then
 *  CFGI_STE + SYNC.  CHECKs that the commands complete. */
void guest_write_ste(struct guest *g, uint32_t sid, const uint64_t ste[8]);
/** Allocate a linear CD table of 2^@log2_entries CDs (64-byte aligned). */
uint64_t guest_alloc_cd_table(struct guest *g, unsigned log2_entries);
/** Write CD @ssid of the linear CD table at @cdtab, then CFGI_CD(sid, ssid)
 *  + SYNC. */
void guest_write_cd(struct guest *g, uint64_t cdtab, uint32_t sid, uint32_t ssid,
                    const uint64_t cd[8]);

/* ---- events and errors ----------------------------------------------- */
/** Pop the next event record: returns false if the queue is empty; else
 *  copies it to @rec and advances EVENTQ_CONS (acknowledging any overflow,
 *  OVACKFLG = OVFLG). */
bool guest_pop_event(struct guest *g, uint64_t rec[4]);
/** Number of records between EVENTQ_CONS and EVENTQ_PROD. */
unsigned guest_pending_events(struct guest *g);
/** Active global errors: GERROR ^ GERRORN. */
uint32_t guest_gerror_active(struct guest *g);
/** Acknowledge every active global error (GERRORN = GERROR). */
void guest_gerror_ack(struct guest *g);
/** CMDQ_CONS.ERR. */
unsigned guest_cmdq_err(struct guest *g);

#endif
