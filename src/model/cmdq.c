// SPDX-License-Identifier: MIT
/*
 * The command queue (spec §4; docs/spec-notes.md §3): fetch, decode, validate,
 * dispatch and CMD_SYNC completion.
 *
 * Processing runs under the instance lock, prompted by a CMDQ_PROD write,
 * by a CR0 write with CMDQEN = 1 and by GERRORN acknowledging CMDQ_ERR.  It
 * consumes commands while the queue is enabled, non-empty and CMDQ_ERR is
 * inactive, at most one queue's worth (2^LOG2SIZE commands) per call, so a
 * hostile PROD can never make one MMIO write run unbounded.  Commands are
 * read from guest memory up to CMDQ_FETCH at a time, within PROD, and the
 * read-ahead is dropped whenever processing stops or lets others in, so
 * after an error the faulting slot is re-read when processing resumes.
 *
 * Batches (struct cmdq_batch): the local effect of each command (TLB and
 * configuration cache invalidation, src/xlate/) is immediate and CONS is
 * published after it, but accel mode defers host work to the end of the
 * batch: forwarded invalidations are sent together, and the devices that
 * CFGI_STE/CFGI_STE_RANGE/CFGI_ALL named are re-installed once each,
 * however many such commands named them.  A CMD_SYNC met while such work
 * is pending is held, and CONS with it (CONS never passes a CMD_SYNC that
 * is not complete), until the batch ends: after CMDQ_CHUNK commands, after
 * CMDQ_SYNC_MAX held CMD_SYNCs, before the lock is handed to a waiting
 * thread, before a command error and at the end of the run.  Then the
 * deferred work is done, CONS is published and the held CMD_SYNCs complete
 * in order.  A failure of the deferred work stops CONS at the earliest
 * command whose work failed, with CERROR_ILL there; the CMD_SYNCs before
 * it complete, those after it do not.
 *
 * Errors: CMDQ_CONS.ERR is written (CONS.RD left on the faulting command)
 * before GERROR.CMDQ_ERR is activated; processing then stops until GERRORN
 * acknowledges the error.  An aborted fetch gives CERROR_ABT, an illegal
 * command CERROR_ILL.  ERR reads back until processing next runs after the
 * acknowledge, which clears it.
 *
 * Choices where the architecture leaves freedom:
 *  - Bit 10 (SSec, or RES0 in the commands without it) set is CERROR_ILL
 *    for every command.
 *  - Without IDR3.RIL the range fields of the TLBI-by-address commands
 *    (NUM, SCALE, TTL128, TTL, TG) are RES0 and a non-zero value is
 *    CERROR_ILL; with RIL and TG = 0 they are ignored.  So a command that
 *    reaches vsmmu_xlate_command() with TG != 0 is a legal range operation.
 *  - ATC_INV with Size > 52 is CERROR_ILL.
 *  - IMPLEMENTATION DEFINED opcodes (0x80-0x8F) are not implemented:
 *    CERROR_ILL.  Other RES0 fields are not checked.
 *
 * Accel protocol (model/model.h): every validated command except CMD_SYNC
 * goes to vsmmu_accel_cmd() after its local effect, with its CONS.RD value
 * (queue index with the wrap bit); a non-zero return is its CERROR (a
 * command the host would refuse is failed there, at its own index).
 * vsmmu_accel_flush() does the deferred work at the end of a batch.
 */
#include <sched.h>
#include <time.h>

#include "model/model.h"

/*
 * Batches and chunks.  A batch ends after CMDQ_CHUNK commands (or
 * CMDQ_SYNC_MAX held CMD_SYNCs).  Every CMDQ_POLL commands processing
 * looks for threads waiting for the lock; when there are, it lets them in
 * once CMDQ_CHUNK_NS or CMDQ_HANDOFF_CMDS commands have passed since it
 * last did, whichever comes first (a command's work is itself bounded: see
 * src/xlate/tlb_inval.c).  By time, not every few commands: a thread that keeps
 * missing would otherwise make every 256 commands pay a hand-off.
 * A hand-off waits for a waiter to take the lock: CMDQ_YIELD_MAX yields,
 * then naps of CMDQ_NAP_NS, CMDQ_HANDOFF_WAIT_NS at most.
 *
 * An urgent waiter (lock.urgent: a translation recording its fault, which
 * spins for the lock) is let in sooner, at the next command boundary, once
 * processing has done CMDQ_URGENT_CMDS commands and run CMDQ_URGENT_NS
 * since it last let waiters in: so it waits about CMDQ_URGENT_NS at most,
 * and a steady stream of faulting translations still leaves processing
 * that much time (and that many commands) between hand-offs.  After any
 * hand-off processing takes the lock back spinning (vsmmu_lock_spin):
 * waiters hold it briefly (one translation, one register access), and
 * sleeping for it would cost a wake-up each time.
 */
#define CMDQ_CHUNK 256u
#define CMDQ_CHUNK_NS 100000u
#define CMDQ_HANDOFF_CMDS 4096u
#define CMDQ_POLL 16u
#define CMDQ_SYNC_MAX 64u
#define CMDQ_YIELD_MAX 16u
#define CMDQ_NAP_NS 10000
#define CMDQ_HANDOFF_WAIT_NS 1000000u
#define CMDQ_URGENT_CMDS 4u
#define CMDQ_URGENT_NS 20000u
/* Commands read from guest memory in one access. */
#define CMDQ_FETCH 16u

/* Commands read ahead: slots [first, first + n) of the queue. */
struct cmdq_fetch {
    uint32_t first;     /* queue index (with the wrap bit) of buf[0] */
    unsigned n;
    uint8_t buf[CMDQ_FETCH * CMD_SIZE];
};

/*
 * Command at @cons into @cmd, from the read-ahead buffer, refilled with up
 * to CMDQ_FETCH commands (not beyond PROD or the end of the queue) in one
 * guest-memory read.  The SMMU may read any slot between CONS and PROD at
 * any time; a failed read is retried for the one command, so an abort is
 * reported at exactly the slot that aborts.  Returns 0 or -EIO.
 */
static int cmdq_fetch(struct vsmmu *s, struct cmdq_fetch *f, uint64_t base, uint32_t cons,
                      uint32_t prod, unsigned log2, uint64_t cmd[2])
{
    uint32_t k = (cons - f->first) & q_wrmask(log2);

    if (k >= f->n) {
        uint32_t idx = q_index(cons, log2), avail = (prod - cons) & q_wrmask(log2);
        uint32_t n = CMDQ_FETCH;
        uint64_t addr = base + (uint64_t)idx * CMD_SIZE;

        if (n > avail)
            n = avail;
        if (n > (1u << log2) - idx)
            n = (1u << log2) - idx;
        f->first = cons;
        f->n = 0;
        k = 0;
        if (n > 1 && vsmmu_dma_read(s, addr, f->buf, (size_t)n * CMD_SIZE) == 0) {
            f->n = n;
        } else {
            if (vsmmu_dma_read(s, addr, f->buf, CMD_SIZE))
                return -EIO;
            f->n = 1;
        }
    }
    cmd[0] = vsmmu_le64(f->buf + k * CMD_SIZE);
    cmd[1] = vsmmu_le64(f->buf + k * CMD_SIZE + 8);
    return 0;
}

static const char *op_name(uint8_t op)
{
    switch (op) {
    case OP_PREFETCH_CONFIG: return "PREFETCH_CONFIG";
    case OP_PREFETCH_ADDR: return "PREFETCH_ADDR";
    case OP_CFGI_STE: return "CFGI_STE";
    case OP_CFGI_STE_RANGE: return "CFGI_STE_RANGE";
    case OP_CFGI_CD: return "CFGI_CD";
    case OP_CFGI_CD_ALL: return "CFGI_CD_ALL";
    case OP_CFGI_VMS_PIDM: return "CFGI_VMS_PIDM";
    case OP_TLBI_NH_ALL: return "TLBI_NH_ALL";
    case OP_TLBI_NH_ASID: return "TLBI_NH_ASID";
    case OP_TLBI_NH_VA: return "TLBI_NH_VA";
    case OP_TLBI_NH_VAA: return "TLBI_NH_VAA";
    case OP_TLBI_EL3_ALL: return "TLBI_EL3_ALL";
    case OP_TLBI_EL3_VA: return "TLBI_EL3_VA";
    case OP_TLBI_EL2_ALL: return "TLBI_EL2_ALL";
    case OP_TLBI_EL2_ASID: return "TLBI_EL2_ASID";
    case OP_TLBI_EL2_VA: return "TLBI_EL2_VA";
    case OP_TLBI_EL2_VAA: return "TLBI_EL2_VAA";
    case OP_TLBI_S12_VMALL: return "TLBI_S12_VMALL";
    case OP_TLBI_S2_IPA: return "TLBI_S2_IPA";
    case OP_TLBI_NSNH_ALL: return "TLBI_NSNH_ALL";
    case OP_ATC_INV: return "ATC_INV";
    case OP_PRI_RESP: return "PRI_RESP";
    case OP_RESUME: return "RESUME";
    case OP_STALL_TERM: return "STALL_TERM";
    case OP_SYNC: return "SYNC";
    default: return "reserved";
    }
}

/* Range fields of a TLBI by address (docs/spec-notes.md §3.4).  NULL if legal. */
static const char *check_range(const struct vsmmu *s, const uint64_t cmd[2])
{
    uint64_t tg = st_get(cmd, CMD_TG), ttl = st_get(cmd, CMD_TTL);
    uint64_t num = st_get(cmd, CMD_NUM), scale = st_get(cmd, CMD_SCALE);
    uint64_t ttl128 = st_get(cmd, CMD_TTL128);

    if (!fld_get(s->idr[3], IDR3_RIL)) {
        if (tg || ttl || num || scale || ttl128)
            return "range fields set without IDR3.RIL";
        return NULL;
    }
    if (tg == 0)
        return NULL;
    if (num == 0 && scale == 0 && ttl == 0)
        return "TG != 0 with NUM = SCALE = TTL = 0 (reserved)";
    if (tg == 2 && ttl == 1 && !fld_get(s->idr[5], IDR5_DS))
        return "16K granule with TTL = 01 without IDR5.DS";
    return NULL;
}

/* Validate @cmd.  Returns NULL when legal, else why it is illegal. */
static const char *check_command(const struct vsmmu *s, const uint64_t cmd[2])
{
    uint8_t op = (uint8_t)st_get(cmd, CMD_OP);
    bool s1p = fld_get(s->idr[0], IDR0_S1P), s2p = fld_get(s->idr[0], IDR0_S2P);

    if (st_get(cmd, CMD_SSEC))
        return "SSec = 1 on the Non-secure command queue";
    switch (op) {
    case OP_PREFETCH_CONFIG:
    case OP_PREFETCH_ADDR:
    case OP_CFGI_STE:
    case OP_CFGI_STE_RANGE:
    case OP_TLBI_NSNH_ALL:
        return NULL;
    case OP_CFGI_CD:
    case OP_CFGI_CD_ALL:
        return s1p ? NULL : "CFGI_CD* without stage 1";
    case OP_CFGI_VMS_PIDM:
        return fld_get(s->idr[3], IDR3_MPAM) ? NULL : "CFGI_VMS_PIDM without MPAM";
    case OP_TLBI_NH_ALL:
    case OP_TLBI_NH_ASID:
        return s1p ? NULL : "stage-1 TLBI without stage 1";
    case OP_TLBI_NH_VA:
    case OP_TLBI_NH_VAA:
        return s1p ? check_range(s, cmd) : "stage-1 TLBI without stage 1";
    case OP_TLBI_EL3_ALL:
    case OP_TLBI_EL3_VA:
        return "EL3 TLBI on the Non-secure command queue";
    case OP_TLBI_EL2_ALL:
    case OP_TLBI_EL2_ASID:
        return fld_get(s->idr[0], IDR0_HYP) ? NULL : "EL2 TLBI without IDR0.Hyp";
    case OP_TLBI_EL2_VA:
    case OP_TLBI_EL2_VAA:
        return fld_get(s->idr[0], IDR0_HYP) ? check_range(s, cmd) : "EL2 TLBI without IDR0.Hyp";
    case OP_TLBI_S12_VMALL:
        return s2p ? NULL : "stage-2 TLBI without stage 2";
    case OP_TLBI_S2_IPA:
        return s2p ? check_range(s, cmd) : "stage-2 TLBI without stage 2";
    case OP_ATC_INV:
        if (!fld_get(s->idr[0], IDR0_ATS))
            return "ATC_INV without ATS";
        return st_get(cmd, CMD_ATC_SIZE) > 52 ? "ATC_INV Size > 52" : NULL;
    case OP_PRI_RESP:
        if (!fld_get(s->idr[0], IDR0_PRI))
            return "PRI_RESP without PRI";
        return st_get(cmd, CMD_PRI_RESP) == 3 ? "PRI_RESP Resp = 11 (reserved)" : NULL;
    case OP_RESUME:
    case OP_STALL_TERM:
        return fld_get(s->idr[0], IDR0_STALL_MODEL) == IDR0_STALL_NONE
                   ? "RESUME/STALL_TERM with STALL_MODEL = 01 (no stalls)" : NULL;
    case OP_SYNC:
        return st_get(cmd, CMD_SYNC_CS) == 3 ? "CMD_SYNC CS = 11 (reserved)" : NULL;
    default:
        return "reserved opcode";
    }
}

/* Stop with a command error at @rd (CONS.RD value). */
static void cmdq_error(struct vsmmu *s, uint32_t rd, unsigned code, const uint64_t *cmd,
                       const char *why)
{
    VSMMU_STORE(s->cmdq.cons, (uint32_t)fld_set(rd, CMDQ_CONS_ERR, code));
    vsmmu_tr(s, VSMMU_TRACE_CMD_EXEC, cmd ? cmd[0] & 0xff : 0, rd, code, cmd ? cmd[0] : 0,
             cmd ? cmd[1] : 0);
    if (cmd)
        vsmmu_log(s, VSMMU_LOG_GUEST,
                  "command error %u at CONS 0x%x: %s (op 0x%02x %s, 0x%016llx 0x%016llx)",
                  code, rd, why, (unsigned)(cmd[0] & 0xff), op_name((uint8_t)cmd[0]),
                  (unsigned long long)cmd[0], (unsigned long long)cmd[1]);
    else
        vsmmu_log(s, VSMMU_LOG_GUEST, "command error %u at CONS 0x%x: %s", code, rd, why);
    vsmmu_gerror_raise(s, fld_lo(GERROR_CMDQ_ERR));
}

static void publish_cons(struct vsmmu *s, uint32_t rd)
{
    VSMMU_STORE(s->cmdq.cons, (s->cmdq.cons & (uint32_t)fld_mask(CMDQ_CONS_ERR)) | rd);
}

/* CMD_SYNC completion, after CONS has passed it. */
static void sync_complete(struct vsmmu *s, const uint64_t cmd[2])
{
    unsigned cs = (unsigned)st_get(cmd, CMD_SYNC_CS);
    uint64_t msi_addr = st_raw(cmd, CMD_SYNC_MSIADDR);   /* PA[55:2] in place */
    uint32_t msi_data = (uint32_t)st_get(cmd, CMD_SYNC_MSIDATA);

    if (cs == SYNC_CS_IRQ) {
        vsmmu_irq_pulse(s, VSMMU_IRQ_CMDQ_SYNC);
        if (fld_get(s->idr[0], IDR0_MSI) && msi_addr != 0 &&
            vsmmu_msi_write(s, msi_addr, msi_data))
            vsmmu_gerror_raise(s, fld_lo(GERROR_MSI_CMDQ_ABT_ERR));
    } else if (cs == SYNC_CS_SEV) {
        vsmmu_trace(s, "CMD_SYNC: %s", fld_get(s->idr[0], IDR0_SEV) ? "send event (SEV)"
                                                                    : "SIG_SEV without SEV: none");
    }
}

static bool is_cfgi_or_tlbi(uint8_t op)
{
    return (op >= OP_CFGI_STE && op <= OP_CFGI_VMS_PIDM) ||
           (op >= OP_TLBI_NH_ALL && op <= OP_TLBI_NSNH_ALL);
}

static bool cmdq_runnable(const struct vsmmu *s)
{
    return vsmmu_cr0(s, CR0_CMDQEN) && !vsmmu_gerror_active(s, fld_lo(GERROR_CMDQ_ERR)) &&
           !vsmmu_gerror_active(s, fld_lo(GERROR_SFM_ERR));
}

/*
 * Let threads blocked in vsmmu_lock() in: drop the lock until one of them
 * has had it (or a bounded number of yields passed), then take it again.
 * Returns false when a reset happened meanwhile (processing must stop
 * without touching in_cmdq, which the reset cleared).
 */
static bool cmdq_yield(struct vsmmu *s)
{
    uint32_t epoch = s->cmdq_epoch;
    uint32_t seen = __atomic_load_n(&s->lock.epoch, __ATOMIC_ACQUIRE);
    uint64_t t0 = 0;
    bool missed;

    vsmmu_unlock(s);
    /* An urgent waiter spins for the lock, on another CPU if it is running
     * at all: wait for it spinning too. */
    if (__atomic_load_n(&s->lock.urgent, __ATOMIC_RELAXED))
        (void)vsmmu_lock_give_way(s, seen);
    /* A few yields (a waiter on this CPU runs at once), then short sleeps,
     * so that this CPU goes idle and a waiter queued behind another busy
     * thread elsewhere is moved here: without them a waiter may not run
     * before this thread takes the lock again, hand-off after hand-off. */
    for (unsigned i = 0; __atomic_load_n(&s->lock.epoch, __ATOMIC_ACQUIRE) == seen &&
                         __atomic_load_n(&s->lock.waiters, __ATOMIC_RELAXED); i++) {
        if (i < CMDQ_YIELD_MAX) {
            sched_yield();
        } else {
            struct timespec nap = { 0, CMDQ_NAP_NS };
            if (!t0)
                t0 = vsmmu_now_ns();
            else if (vsmmu_now_ns() - t0 >= CMDQ_HANDOFF_WAIT_NS)
                break;
            nanosleep(&nap, NULL);
        }
    }
    missed = __atomic_load_n(&s->lock.epoch, __ATOMIC_ACQUIRE) == seen;
    /* Not vsmmu_lock(): this thread is not a waiter to be let in.  Urgent
     * waiters still spinning leave the lock to it meanwhile (retake). */
    __atomic_store_n(&s->lock.retake, 1, __ATOMIC_RELAXED);
    vsmmu_lock_spin(s, false);
    __atomic_store_n(&s->lock.retake, 0, __ATOMIC_RELAXED);
    s->cmdq_handoff_missed += missed;
    s->cmdq_yields++;
    return s->cmdq_epoch == epoch;
}

/*
 * A batch: the commands between two points where the model's progress
 * becomes visible (CONS, CMD_SYNC completions).  Deferred accel work
 * (forwarded invalidations, STE re-installs) is done at its end; a
 * CMD_SYNC met while such work is pending is held, with CONS, until then.
 */
struct cmdq_batch {
    uint32_t start;     /* CONS.RD of its first command */
    unsigned n;         /* commands in it */
    unsigned nsync;     /* CMD_SYNCs held */
    uint64_t sync[CMDQ_SYNC_MAX][2];
    uint32_t sync_rd[CMDQ_SYNC_MAX];
};

/* Position of queue index @rd in batch @b (queue of 2^@log2). */
static uint32_t batch_off(const struct cmdq_batch *b, uint32_t rd, unsigned log2)
{
    return (rd - b->start) & q_wrmask(log2);
}

/*
 * End batch @b at @cons (the next command): do the deferred accel work,
 * publish CONS, complete the held CMD_SYNCs in order.  When the deferred
 * work fails, CONS stops at the failing command (the earliest one), the
 * CMD_SYNCs before it complete and it gets the command error: the same
 * outcome as doing the work at each command.  Returns false then.
 */
static bool batch_end(struct vsmmu *s, struct cmdq_batch *b, uint32_t cons, unsigned log2)
{
    uint32_t fail = 0, end = cons;
    int rc = vsmmu_accel_flush(s, b->start, q_wrmask(log2), &fail);

    if (rc) {
        end = fail & q_wrmask(log2);
        /* The work flushed is the batch's: an index outside it cannot
         * happen; should it, the batch's first command takes the error
         * (never a command after the ones done). */
        if (batch_off(b, end, log2) >= b->n)
            end = b->start;
    }
    publish_cons(s, end);
    for (unsigned i = 0; i < b->nsync && batch_off(b, b->sync_rd[i], log2) < batch_off(b, end, log2); i++)
        sync_complete(s, b->sync[i]);
    b->nsync = 0;
    b->n = 0;
    b->start = end;
    if (rc) {
        cmdq_error(s, end, (unsigned)rc, NULL, "the host rejected a forwarded command");
        return false;
    }
    return true;
}

/* A hand-off @t0 (wall) / @c0 (thread CPU) after a waiter was first seen:
 * record the longest. */
static void hold_note(struct vsmmu *s, uint64_t t0, uint64_t c0)
{
    uint64_t d = vsmmu_now_ns() - t0;

    if (d > s->cmdq_hold_max_ns) {
        s->cmdq_hold_max_ns = d;
        s->cmdq_hold_max_cpu_ns = vsmmu_thread_cpu_ns() - c0;
    }
}

void vsmmu_cmdq_process(struct vsmmu *s)
{
    unsigned log2, since_yield = 0;
    uint32_t prod, cons, budget;
    uint64_t base, chunk_t0, seen_t0 = 0, seen_c0 = 0;
    struct cmdq_batch b;
    struct cmdq_fetch f;

    if (s->in_cmdq) {
        s->cmdq_kick = true;    /* the running processor picks it up */
        return;
    }
    if (!cmdq_runnable(s))
        return;
    s->in_cmdq = true;
    s->cmdq_kick = false;

    log2 = q_log2(s->cmdq.base, s->cfg.cmdqs);
    base = q_addr(s->cmdq.base, log2, CMD_SIZE);
    prod = s->cmdq.prod & q_wrmask(log2);
    cons = s->cmdq.cons & q_wrmask(log2);
    /* The SMMU owns CONS: bits above the wrap bit read as 0 from now on,
     * and ERR (meaningful only while CMDQ_ERR is active) is cleared. */
    VSMMU_STORE(s->cmdq.cons, cons);
    b.start = cons;
    b.n = b.nsync = 0;
    f.n = 0;
    chunk_t0 = vsmmu_now_ns();

    for (budget = 1u << log2; budget && !q_empty(prod, cons, log2); budget--) {
        uint64_t cmd[2];
        const char *why;
        bool urgent;
        uint8_t op;
        int rc;

        if (b.n >= CMDQ_CHUNK && !batch_end(s, &b, cons, log2))
            goto out;
        urgent = ++since_yield > CMDQ_URGENT_CMDS &&
                 __atomic_load_n(&s->lock.urgent, __ATOMIC_RELAXED);
        if (urgent || (since_yield % CMDQ_POLL == 0 &&
                       __atomic_load_n(&s->lock.waiters, __ATOMIC_RELAXED))) {
            uint64_t t = vsmmu_now_ns();
            if (!seen_t0) {
                seen_t0 = t;
                seen_c0 = vsmmu_thread_cpu_ns();
            }
            if (since_yield >= CMDQ_HANDOFF_CMDS || t - chunk_t0 >= CMDQ_CHUNK_NS ||
                (urgent && t - chunk_t0 >= CMDQ_URGENT_NS)) {
                /* Between chunks: the batch ends, others get the lock, and
                 * everything is read again from the registers they may
                 * have written. */
                if (!batch_end(s, &b, cons, log2))
                    goto out;
                hold_note(s, seen_t0, seen_c0);
                seen_t0 = 0;
                if (!cmdq_yield(s))
                    return;
                since_yield = 0;
                chunk_t0 = vsmmu_now_ns();
                if (!cmdq_runnable(s))
                    goto out;
                if (s->cmdq_kick) {
                    /* A PROD write returned while we held the queue: its
                     * share of work is done here. */
                    s->cmdq_kick = false;
                    budget = 1u << log2;
                }
                log2 = q_log2(s->cmdq.base, s->cfg.cmdqs);
                base = q_addr(s->cmdq.base, log2, CMD_SIZE);
                prod = s->cmdq.prod & q_wrmask(log2);
                cons = s->cmdq.cons & q_wrmask(log2);
                b.start = cons;
                f.n = 0;
                if (budget > 1u << log2)
                    budget = 1u << log2;
                if (q_empty(prod, cons, log2))
                    break;
            }
        }
        if (cmdq_fetch(s, &f, base, cons, prod, log2, cmd)) {
            if (batch_end(s, &b, cons, log2))
                cmdq_error(s, cons, CERROR_ABT, NULL, "command fetch aborted");
            goto out;
        }
        op = (uint8_t)st_get(cmd, CMD_OP);
        why = check_command(s, cmd);
        if (why) {
            if (batch_end(s, &b, cons, log2))
                cmdq_error(s, cons, CERROR_ILL, cmd, why);
            goto out;
        }
        vsmmu_trace(s, "command %s (0x%016llx 0x%016llx) at CONS 0x%x", op_name(op),
                    (unsigned long long)cmd[0], (unsigned long long)cmd[1], cons);

        if (is_cfgi_or_tlbi(op))
            vsmmu_xlate_command(s, cmd);
        rc = op == OP_SYNC ? 0 : vsmmu_accel_cmd(s, cmd, cons);
        if (rc) {
            if (batch_end(s, &b, cons, log2))
                cmdq_error(s, cons, (unsigned)rc, cmd, "accel mode rejected the command");
            goto out;
        }
        vsmmu_tr(s, VSMMU_TRACE_CMD_EXEC, op, cons, 0, cmd[0], cmd[1]);
        b.n++;
        s->stats.commands++;
        if (op == OP_SYNC && (b.nsync || vsmmu_accel_pending(s))) {
            /* Completes when the work before it is done: at the batch's end. */
            b.sync[b.nsync][0] = cmd[0];
            b.sync[b.nsync][1] = cmd[1];
            b.sync_rd[b.nsync++] = cons;
            cons = q_inc(cons, log2);
            if (b.nsync == CMDQ_SYNC_MAX && !batch_end(s, &b, cons, log2))
                goto out;
            continue;
        }
        cons = q_inc(cons, log2);
        if (!b.nsync)
            publish_cons(s, cons);
        if (op == OP_SYNC)
            sync_complete(s, cmd);
    }
    batch_end(s, &b, cons, log2);
out:
    s->in_cmdq = false;
}
