// SPDX-License-Identifier: MIT
/*
 * The register frame (spec §6; docs/spec-notes.md §1): ID registers, reset
 * values and the MMIO access rules.
 *
 * Choices made where the architecture leaves freedom (also summarised in
 * vsmmu.h):
 *  - Every field update completes at once: CR0ACK and IRQ_CTRLACK always
 *    equal CR0 and IRQ_CTRL, and GBPA.Update always reads 0.
 *  - "Guarded" writes (a field changed while its enable, or the enable's
 *    ACK copy, is 1) are IGNORED as SMMUv3.2 specifies, whatever AIDR
 *    advertises (for v3.0/v3.1 that is one of the permitted outcomes), and
 *    logged at VSMMU_LOG_GUEST.
 *  - Registers whose reset value is UNKNOWN (CR1, CR2, the bases, the queue
 *    indexes, *_IRQ_CFGn) reset to 0.  GBPA resets to ABORT=0, SHCFG=01
 *    (use incoming): no default deny.
 *  - *_BASE.LOG2SIZE and STRTAB_BASE_CFG read back as written; the
 *    effective (clamped) size is applied when the queue or table is used.
 *  - Indexes the software owns (CMDQ_PROD, EVENTQ_CONS, PRIQ_CONS) store
 *    bits [19:0] as written; indexes the SMMU owns read back with the bits
 *    above the wrap bit as written by software until the SMMU next updates
 *    them (it then writes them as 0).
 *  - CMDQ_CONS.ERR written while the queue is disabled is stored.
 *  - GERRORN stores every implemented GERROR bit.  Toggling the bit of an
 *    inactive error (CONSTRAINED UNPREDICTABLE) makes GERROR != GERRORN, and
 *    the model then treats that error as active (e.g. commands stop for
 *    CMDQ_ERR) until GERRORN is written back; no interrupt is raised.
 *    Acknowledging CMDQ_ERR restarts command processing.
 *  - *_IRQ_CFG0 keeps ADDR[55:2]; an MSI to an address beyond the OAS
 *    aborts (GERROR.MSI_*_ABT_ERR).  Without IDR0.MSI the *_IRQ_CFGn
 *    registers are RAZ/WI; without IDR0.PRI every PRIQ register is RAZ/WI.
 *  - AGBPA is not implemented (RAZ/WI); STATUSR reads 0 (no DORMHINT).
 *  - A 64-bit access to a pair of 32-bit registers acts as two 32-bit
 *    accesses, low offset first.  The page-0 aliases of the page-1
 *    registers are RAZ/WI, and so is everything else on page 1.
 */
#include <errno.h>

#include "model/model.h"

/* IIDR: no JEP106 implementer code (0), so drivers apply no errata. */
#define VSMMU_IIDR_PRODUCTID 0x5A1
#define VSMMU_IIDR_VALUE ((uint32_t)VSMMU_IIDR_PRODUCTID << 20)

/* CoreSight-style identification registers at 0xFD0..0xFFC (PIDR4-7,
 * PIDR0-3, CIDR0-3).  Component class 0xF (CIDR1[7:4]); PIDR4 says the
 * component occupies one 4 KB block; part number 0x5A1 with no JEDEC
 * designer code. */
static const uint8_t id_regs[12] = {
    0x04, 0x00, 0x00, 0x00,   /* PIDR4..PIDR7 */
    0xA1, 0x05, 0x00, 0x00,   /* PIDR0..PIDR3 */
    0x0D, 0xF0, 0x05, 0xB1,   /* CIDR0..CIDR3 */
};

void vsmmu_regs_init_idr(struct vsmmu *s)
{
    const struct vsmmu_config *c = &s->cfg;
    uint32_t v;

    v = 0;
    v = fld_set(v, IDR0_S2P, c->stage2);
    v = fld_set(v, IDR0_S1P, c->stage1);
    v = fld_set(v, IDR0_TTF, IDR0_TTF_AARCH64);
    v = fld_set(v, IDR0_COHACC, 1);
    v = fld_set(v, IDR0_HTTU, c->httu_af ? 1 : 0);
    v = fld_set(v, IDR0_HYP, c->hyp && c->stage1 && c->stage2);
    v = fld_set(v, IDR0_ATS, c->ats);
    v = fld_set(v, IDR0_ASID16, c->asid16);
    v = fld_set(v, IDR0_MSI, c->msi);
    v = fld_set(v, IDR0_SEV, c->sev);
    v = fld_set(v, IDR0_PRI, c->pri && c->ats);
    v = fld_set(v, IDR0_VMID16, c->vmid16 && c->stage2);
    v = fld_set(v, IDR0_CD2L, c->cd2l && c->stage1);
    v = fld_set(v, IDR0_TTENDIAN, IDR0_TTENDIAN_LE);
    /* No stalls: RESUME/STALL_TERM are illegal, CD.S and STE.S2S must be 0. */
    v = fld_set(v, IDR0_STALL_MODEL, IDR0_STALL_NONE);
    /* TERM_MODEL = 0: CD.A chooses abort or RAZ/WI for terminated accesses. */
    v = fld_set(v, IDR0_TERM_MODEL, 0);
    v = fld_set(v, IDR0_ST_LEVEL, c->two_level_strtab ? 1 : 0);
    s->idr[0] = v;

    v = 0;
    v = fld_set(v, IDR1_SIDSIZE, c->sidsize);
    v = fld_set(v, IDR1_SSIDSIZE, c->stage1 ? c->ssidsize : 0);
    v = fld_set(v, IDR1_PRIQS, (c->pri && c->ats) ? c->priqs : 0);
    v = fld_set(v, IDR1_EVENTQS, c->eventqs);
    v = fld_set(v, IDR1_CMDQS, c->cmdqs);
    s->idr[1] = v;

    s->idr[2] = 0;

    v = 0;
    v = fld_set(v, IDR3_RIL, c->ril);
    /* Mandatory from v3.1: HAD with stage 1, XNX with stage 2. */
    v = fld_set(v, IDR3_HAD, c->stage1 && c->aidr_minor >= 1);
    v = fld_set(v, IDR3_XNX, c->stage2 && c->aidr_minor >= 1);
    s->idr[3] = v;

    s->idr[4] = 0;

    v = 0;
    v = fld_set(v, IDR5_OAS, (unsigned)vsmmu_pa_bits_encode(c->oas_bits));
    v = fld_set(v, IDR5_GRAN4K, c->gran4k);
    v = fld_set(v, IDR5_GRAN16K, c->gran16k);
    v = fld_set(v, IDR5_GRAN64K, c->gran64k);
    s->idr[5] = v;

    s->iidr = VSMMU_IIDR_VALUE;
    s->aidr = (uint32_t)fld_set(0, AIDR_MINOR, c->aidr_minor);
}

void vsmmu_regs_reset(struct vsmmu *s)
{
    VSMMU_STORE(s->cr0, 0);
    VSMMU_STORE(s->cr0ack, 0);
    s->cr1 = 0;
    VSMMU_STORE(s->cr2, 0);
    VSMMU_STORE(s->gbpa, (uint32_t)fld_set(0, GBPA_SHCFG, GBPA_SHCFG_INCOMING));
    s->agbpa = 0;
    s->irq_ctrl = s->irq_ctrlack = 0;
    VSMMU_STORE(s->gerror, 0);
    s->gerrorn = 0;
    s->gerror_irq_cfg0 = 0;
    s->gerror_irq_cfg1 = s->gerror_irq_cfg2 = 0;
    VSMMU_STORE(s->strtab_base, 0);
    VSMMU_STORE(s->strtab_base_cfg, 0);
    /* CMDQ_CONS is read without the lock: an atomic store, not a copy. */
    s->cmdq.base = s->cmdq.irq_cfg0 = 0;
    s->cmdq.prod = s->cmdq.irq_cfg1 = s->cmdq.irq_cfg2 = 0;
    VSMMU_STORE(s->cmdq.cons, 0);
    s->eventq = (struct vsmmu_queue){0};
    s->priq = (struct vsmmu_queue){0};
    s->in_cmdq = false;
    s->cmdq_epoch++;
}

/* ---- masks of the implemented bits ------------------------------------- */

static bool has_msi(const struct vsmmu *s) { return fld_get(s->idr[0], IDR0_MSI) != 0; }
static bool has_pri(const struct vsmmu *s) { return fld_get(s->idr[0], IDR0_PRI) != 0; }

static uint32_t cr0_mask(const struct vsmmu *s)
{
    uint64_t m = fld_mask(CR0_SMMUEN) | fld_mask(CR0_EVENTQEN) | fld_mask(CR0_CMDQEN);
    if (has_pri(s))
        m |= fld_mask(CR0_PRIQEN);
    if (fld_get(s->idr[0], IDR0_ATS))
        m |= fld_mask(CR0_ATSCHK);
    if (fld_get(s->idr[0], IDR0_VMW))
        m |= fld_mask(CR0_VMW);
    if (fld_get(s->idr[3], IDR3_DPT))
        m |= fld_mask(CR0_DPT_WALK_EN);
    return (uint32_t)m;
}

static uint32_t cr2_mask(const struct vsmmu *s)
{
    uint64_t m = fld_mask(CR2_RECINVSID);
    if (fld_get(s->idr[0], IDR0_HYP))
        m |= fld_mask(CR2_E2H);
    if (fld_get(s->idr[0], IDR0_BTM))
        m |= fld_mask(CR2_PTM);
    if (fld_get(s->idr[0], IDR0_ATSRECERR))
        m |= fld_mask(CR2_REC_CFG_ATS);
    return (uint32_t)m;
}

static uint32_t gbpa_mask(void)
{
    return (uint32_t)(fld_mask(GBPA_MEMATTR) | fld_mask(GBPA_MTCFG) | fld_mask(GBPA_ALLOCCFG) |
                      fld_mask(GBPA_SHCFG) | fld_mask(GBPA_PRIVCFG) | fld_mask(GBPA_INSTCFG) |
                      fld_mask(GBPA_ABORT));
}

static uint32_t irq_ctrl_mask(const struct vsmmu *s)
{
    uint64_t m = fld_mask(IRQ_CTRL_GERROR_IRQEN) | fld_mask(IRQ_CTRL_EVENTQ_IRQEN);
    if (has_pri(s))
        m |= fld_mask(IRQ_CTRL_PRIQ_IRQEN);
    return (uint32_t)m;
}

/** The GERROR bits this configuration can activate (and GERRORN stores). */
static uint32_t gerror_mask(const struct vsmmu *s)
{
    uint64_t m = fld_mask(GERROR_CMDQ_ERR) | fld_mask(GERROR_EVENTQ_ABT_ERR) |
                 fld_mask(GERROR_SFM_ERR);
    if (has_pri(s))
        m |= fld_mask(GERROR_PRIQ_ABT_ERR);
    if (has_msi(s)) {
        m |= fld_mask(GERROR_MSI_CMDQ_ABT_ERR) | fld_mask(GERROR_MSI_EVENTQ_ABT_ERR) |
             fld_mask(GERROR_MSI_GERROR_ABT_ERR);
        if (has_pri(s))
            m |= fld_mask(GERROR_MSI_PRIQ_ABT_ERR);
    }
    return (uint32_t)m;
}

static uint64_t q_base_mask(void)
{
    return fld_mask(Q_BASE_RA_WA) | fld_mask(Q_BASE_ADDR) | fld_mask(Q_BASE_LOG2SIZE);
}

static uint64_t strtab_base_mask(void)
{
    return fld_mask(STRTAB_BASE_RA) | fld_mask(STRTAB_BASE_ADDR);
}

static uint32_t strtab_cfg_mask(void)
{
    return (uint32_t)(fld_mask(STRTAB_CFG_FMT) | fld_mask(STRTAB_CFG_SPLIT) |
                      fld_mask(STRTAB_CFG_LOG2SIZE));
}

/* ---- register reads ------------------------------------------------------ */

/* Is @off a 64-bit register (its low half)? */
static bool is_reg64(const struct vsmmu *s, uint64_t off)
{
    switch (off) {
    case R_STRTAB_BASE:
    case R_CMDQ_BASE:
    case R_EVENTQ_BASE:
        return true;
    case R_GERROR_IRQ_CFG0:
    case R_EVENTQ_IRQ_CFG0:
        return has_msi(s);
    case R_PRIQ_BASE:
        return has_pri(s);
    case R_PRIQ_IRQ_CFG0:
        return has_pri(s) && has_msi(s);
    default:
        return false;
    }
}

/* Read a 64-bit register by its base offset; false if @off is none. */
static bool read64(struct vsmmu *s, uint64_t off, uint64_t *v)
{
    if (!is_reg64(s, off))
        return false;
    switch (off) {
    case R_STRTAB_BASE: *v = s->strtab_base; break;
    case R_CMDQ_BASE: *v = s->cmdq.base; break;
    case R_EVENTQ_BASE: *v = s->eventq.base; break;
    case R_PRIQ_BASE: *v = s->priq.base; break;
    case R_GERROR_IRQ_CFG0: *v = s->gerror_irq_cfg0; break;
    case R_EVENTQ_IRQ_CFG0: *v = s->eventq.irq_cfg0; break;
    case R_PRIQ_IRQ_CFG0: *v = s->priq.irq_cfg0; break;
    default: return false;
    }
    return true;
}

static uint32_t read32(struct vsmmu *s, uint64_t off)
{
    uint64_t v64;

    if (off >= R_ID_REGS_FIRST && off <= R_ID_REGS_LAST)
        return id_regs[(off - R_ID_REGS_FIRST) / 4];
    if (read64(s, off & ~7ull, &v64))
        return (uint32_t)(off & 4 ? v64 >> 32 : v64);

    switch (off) {
    case R_IDR0: case R_IDR1: case R_IDR2: case R_IDR3: case R_IDR4: case R_IDR5:
        return s->idr[off / 4];
    case R_IIDR: return s->iidr;
    case R_AIDR: return s->aidr;
    case R_CR0: return s->cr0;
    case R_CR0ACK: return s->cr0ack;
    case R_CR1: return s->cr1;
    case R_CR2: return s->cr2;
    case R_STATUSR: return 0;
    case R_GBPA: return s->gbpa;
    case R_AGBPA: return s->agbpa;
    case R_IRQ_CTRL: return s->irq_ctrl;
    case R_IRQ_CTRLACK: return s->irq_ctrlack;
    case R_GERROR: return s->gerror;
    case R_GERRORN: return s->gerrorn;
    case R_GERROR_IRQ_CFG1: return has_msi(s) ? s->gerror_irq_cfg1 : 0;
    case R_GERROR_IRQ_CFG2: return has_msi(s) ? s->gerror_irq_cfg2 : 0;
    case R_STRTAB_BASE_CFG: return s->strtab_base_cfg;
    case R_CMDQ_PROD: return s->cmdq.prod;
    case R_CMDQ_CONS: return s->cmdq.cons;
    case R_EVENTQ_IRQ_CFG1: return has_msi(s) ? s->eventq.irq_cfg1 : 0;
    case R_EVENTQ_IRQ_CFG2: return has_msi(s) ? s->eventq.irq_cfg2 : 0;
    case R_PRIQ_IRQ_CFG1: return has_msi(s) && has_pri(s) ? s->priq.irq_cfg1 : 0;
    case R_PRIQ_IRQ_CFG2: return has_msi(s) && has_pri(s) ? s->priq.irq_cfg2 : 0;
    case R_EVENTQ_PROD: return s->eventq.prod;
    case R_EVENTQ_CONS: return s->eventq.cons;
    case R_PRIQ_PROD: return has_pri(s) ? s->priq.prod : 0;
    case R_PRIQ_CONS: return has_pri(s) ? s->priq.cons : 0;
    default: return 0;
    }
}

/* ---- register writes ------------------------------------------------------ */

static bool guarded(struct vsmmu *s, const char *reg, uint32_t enable_mask, const char *en)
{
    if (!((s->cr0 | s->cr0ack) & enable_mask))
        return false;
    s->wr_effect = VSMMU_TRACE_REG_IGNORED;
    vsmmu_log(s, VSMMU_LOG_GUEST, "write to %s ignored while %s is set", reg, en);
    return true;
}

static bool irq_guarded(struct vsmmu *s, const char *reg, uint64_t en_mask)
{
    if (!((s->irq_ctrl | s->irq_ctrlack) & en_mask))
        return false;
    s->wr_effect = VSMMU_TRACE_REG_IGNORED;
    vsmmu_log(s, VSMMU_LOG_GUEST, "write to %s ignored while its IRQ_CTRL enable is set", reg);
    return true;
}

static void write_cr0(struct vsmmu *s, uint32_t v)
{
    uint32_t old = s->cr0;

    if (v & ~cr0_mask(s)) {
        s->wr_effect = VSMMU_TRACE_REG_IGNORED;
        vsmmu_log(s, VSMMU_LOG_GUEST, "CR0: reserved bits 0x%08x written as 1 (ignored)",
                  v & ~cr0_mask(s));
    }
    VSMMU_STORE(s->cr0, v & cr0_mask(s));
    VSMMU_STORE(s->cr0ack, s->cr0);
    if ((old ^ s->cr0) & fld_mask(CR0_SMMUEN))
        vsmmu_xlate_smmuen_changed(s);
    vsmmu_trace(s, "CR0 = 0x%08x (SMMUEN=%u CMDQEN=%u EVENTQEN=%u PRIQEN=%u)", s->cr0,
                (unsigned)fld_get(s->cr0, CR0_SMMUEN), (unsigned)fld_get(s->cr0, CR0_CMDQEN),
                (unsigned)fld_get(s->cr0, CR0_EVENTQEN), (unsigned)fld_get(s->cr0, CR0_PRIQEN));
    if (vsmmu_cr0(s, CR0_CMDQEN))
        vsmmu_cmdq_process(s);
    /* Always called, even when command processing stopped with an error:
     * accel mode reports its own failures. */
    vsmmu_accel_cr0_written(s, old);
}

static void write_cr1(struct vsmmu *s, uint32_t v)
{
    uint32_t table = (uint32_t)(fld_mask(CR1_TABLE_IC) | fld_mask(CR1_TABLE_OC) |
                                fld_mask(CR1_TABLE_SH));
    uint32_t queue = (uint32_t)(fld_mask(CR1_QUEUE_IC) | fld_mask(CR1_QUEUE_OC) |
                                fld_mask(CR1_QUEUE_SH));
    uint32_t qen = (uint32_t)(fld_mask(CR0_CMDQEN) | fld_mask(CR0_EVENTQEN) |
                              fld_mask(CR0_PRIQEN));

    if (!guarded(s, "CR1.TABLE_*", (uint32_t)fld_mask(CR0_SMMUEN), "SMMUEN"))
        s->cr1 = (s->cr1 & ~table) | (v & table);
    if (!guarded(s, "CR1.QUEUE_*", qen, "a queue enable"))
        s->cr1 = (s->cr1 & ~queue) | (v & queue);
}

static void write_gbpa(struct vsmmu *s, uint32_t v)
{
    if (!fld_get(v, GBPA_UPDATE)) {
        s->wr_effect = VSMMU_TRACE_REG_IGNORED;
        vsmmu_log(s, VSMMU_LOG_GUEST, "GBPA write without Update ignored");
        return;
    }
    VSMMU_STORE(s->gbpa, v & gbpa_mask());
    vsmmu_trace(s, "GBPA = 0x%08x (ABORT=%u)", s->gbpa, (unsigned)fld_get(s->gbpa, GBPA_ABORT));
    vsmmu_accel_gbpa_written(s);
}

static void write_gerrorn(struct vsmmu *s, uint32_t v)
{
    bool cmdq_err = vsmmu_gerror_active(s, fld_lo(GERROR_CMDQ_ERR));
    uint32_t was_active = s->gerror ^ s->gerrorn;
    uint32_t now_active;

    s->gerrorn = v & gerror_mask(s);
    now_active = s->gerror ^ s->gerrorn;
    if (now_active & ~was_active)
        vsmmu_log(s, VSMMU_LOG_GUEST,
                  "GERRORN toggles inactive errors 0x%08x: treated as active until acknowledged",
                  now_active & ~was_active);
    vsmmu_trace(s, "GERRORN = 0x%08x (active errors 0x%08x)", s->gerrorn, now_active & was_active);
    if (cmdq_err && !vsmmu_gerror_active(s, fld_lo(GERROR_CMDQ_ERR)) &&
        vsmmu_cr0(s, CR0_CMDQEN))
        vsmmu_cmdq_process(s);
}

/* Write a 64-bit register (by its base offset) with its new full value. */
static void write64(struct vsmmu *s, uint64_t off, uint64_t v)
{
    uint64_t cfg0_mask = fld_mask(IRQ_CFG0_ADDR);

    switch (off) {
    case R_STRTAB_BASE:
        if (!guarded(s, "STRTAB_BASE", (uint32_t)fld_mask(CR0_SMMUEN), "SMMUEN"))
            VSMMU_STORE(s->strtab_base, v & strtab_base_mask());
        break;
    case R_CMDQ_BASE:
        if (!guarded(s, "CMDQ_BASE", (uint32_t)fld_mask(CR0_CMDQEN), "CMDQEN"))
            s->cmdq.base = v & q_base_mask();
        break;
    case R_EVENTQ_BASE:
        if (!guarded(s, "EVENTQ_BASE", (uint32_t)fld_mask(CR0_EVENTQEN), "EVENTQEN"))
            s->eventq.base = v & q_base_mask();
        break;
    case R_PRIQ_BASE:
        if (!guarded(s, "PRIQ_BASE", (uint32_t)fld_mask(CR0_PRIQEN), "PRIQEN"))
            s->priq.base = v & q_base_mask();
        break;
    case R_GERROR_IRQ_CFG0:
        if (!irq_guarded(s, "GERROR_IRQ_CFG0", fld_mask(IRQ_CTRL_GERROR_IRQEN)))
            s->gerror_irq_cfg0 = v & cfg0_mask;
        break;
    case R_EVENTQ_IRQ_CFG0:
        if (!irq_guarded(s, "EVENTQ_IRQ_CFG0", fld_mask(IRQ_CTRL_EVENTQ_IRQEN)))
            s->eventq.irq_cfg0 = v & cfg0_mask;
        break;
    case R_PRIQ_IRQ_CFG0:
        if (!irq_guarded(s, "PRIQ_IRQ_CFG0", fld_mask(IRQ_CTRL_PRIQ_IRQEN)))
            s->priq.irq_cfg0 = v & cfg0_mask;
        break;
    default:
        s->wr_effect = VSMMU_TRACE_REG_IGNORED;
        break;
    }
}

/* A register that the configuration leaves out: the write is ignored. */
static bool present(struct vsmmu *s, bool is)
{
    if (!is)
        s->wr_effect = VSMMU_TRACE_REG_IGNORED;
    return is;
}

static void write32(struct vsmmu *s, uint64_t off, uint32_t v)
{
    uint32_t cfg2_mask = (uint32_t)(fld_mask(IRQ_CFG2_SH) | fld_mask(IRQ_CFG2_MEMATTR));
    uint32_t idx = (uint32_t)fld_mask(Q_IDX_WR);
    uint64_t v64;

    if (read64(s, off & ~7ull, &v64)) {
        if (off & 4)
            v64 = (v64 & 0xffffffffull) | ((uint64_t)v << 32);
        else
            v64 = (v64 & ~0xffffffffull) | v;
        write64(s, off & ~7ull, v64);
        return;
    }

    switch (off) {
    case R_CR0:
        write_cr0(s, v);
        break;
    case R_CR1:
        write_cr1(s, v);
        break;
    case R_CR2:
        if (!guarded(s, "CR2", (uint32_t)fld_mask(CR0_SMMUEN), "SMMUEN"))
            VSMMU_STORE(s->cr2, v & cr2_mask(s));
        break;
    case R_GBPA:
        write_gbpa(s, v);
        break;
    case R_IRQ_CTRL:
        s->irq_ctrl = s->irq_ctrlack = v & irq_ctrl_mask(s);
        vsmmu_trace(s, "IRQ_CTRL = 0x%08x", s->irq_ctrl);
        break;
    case R_GERRORN:
        write_gerrorn(s, v);
        break;
    case R_GERROR_IRQ_CFG1:
        if (present(s, has_msi(s)) &&
            !irq_guarded(s, "GERROR_IRQ_CFG1", fld_mask(IRQ_CTRL_GERROR_IRQEN)))
            s->gerror_irq_cfg1 = v;
        break;
    case R_GERROR_IRQ_CFG2:
        if (present(s, has_msi(s)) &&
            !irq_guarded(s, "GERROR_IRQ_CFG2", fld_mask(IRQ_CTRL_GERROR_IRQEN)))
            s->gerror_irq_cfg2 = v & cfg2_mask;
        break;
    case R_STRTAB_BASE_CFG:
        if (!guarded(s, "STRTAB_BASE_CFG", (uint32_t)fld_mask(CR0_SMMUEN), "SMMUEN"))
            VSMMU_STORE(s->strtab_base_cfg, v & strtab_cfg_mask());
        break;
    case R_CMDQ_PROD:
        s->cmdq.prod = v & idx;
        if (vsmmu_cr0(s, CR0_CMDQEN))
            vsmmu_cmdq_process(s);
        break;
    case R_CMDQ_CONS:
        if (!guarded(s, "CMDQ_CONS", (uint32_t)fld_mask(CR0_CMDQEN), "CMDQEN"))
            VSMMU_STORE(s->cmdq.cons, v & (idx | (uint32_t)fld_mask(CMDQ_CONS_ERR)));
        break;
    case R_EVENTQ_IRQ_CFG1:
        if (present(s, has_msi(s)) &&
            !irq_guarded(s, "EVENTQ_IRQ_CFG1", fld_mask(IRQ_CTRL_EVENTQ_IRQEN)))
            s->eventq.irq_cfg1 = v;
        break;
    case R_EVENTQ_IRQ_CFG2:
        if (present(s, has_msi(s)) &&
            !irq_guarded(s, "EVENTQ_IRQ_CFG2", fld_mask(IRQ_CTRL_EVENTQ_IRQEN)))
            s->eventq.irq_cfg2 = v & cfg2_mask;
        break;
    case R_PRIQ_IRQ_CFG1:
        if (present(s, has_msi(s) && has_pri(s)) &&
            !irq_guarded(s, "PRIQ_IRQ_CFG1", fld_mask(IRQ_CTRL_PRIQ_IRQEN)))
            s->priq.irq_cfg1 = v;
        break;
    case R_PRIQ_IRQ_CFG2:
        if (present(s, has_msi(s) && has_pri(s)) &&
            !irq_guarded(s, "PRIQ_IRQ_CFG2", fld_mask(IRQ_CTRL_PRIQ_IRQEN)))
            s->priq.irq_cfg2 = v & (cfg2_mask | (uint32_t)fld_mask(PRIQ_IRQ_CFG2_LO));
        break;
    case R_EVENTQ_PROD:
        if (!guarded(s, "EVENTQ_PROD", (uint32_t)fld_mask(CR0_EVENTQEN), "EVENTQEN"))
            s->eventq.prod = v & (idx | (uint32_t)fld_mask(Q_OVFLG));
        break;
    case R_EVENTQ_CONS:
        s->eventq.cons = v & (idx | (uint32_t)fld_mask(Q_OVACKFLG));
        break;
    case R_PRIQ_PROD:
        if (present(s, has_pri(s)) &&
            !guarded(s, "PRIQ_PROD", (uint32_t)fld_mask(CR0_PRIQEN), "PRIQEN"))
            s->priq.prod = v & (idx | (uint32_t)fld_mask(Q_OVFLG));
        break;
    case R_PRIQ_CONS:
        if (present(s, has_pri(s)))
            s->priq.cons = v & (idx | (uint32_t)fld_mask(Q_OVACKFLG));
        break;
    default:
        /* read-only, reserved or unimplemented: write ignored */
        s->wr_effect = VSMMU_TRACE_REG_IGNORED;
        break;
    }
}

/* ---- MMIO entry points ------------------------------------------------- */

static int check_access(vsmmu_t *s, uint64_t offset, unsigned size, const char *what)
{
    if ((size == 4 || size == 8) && (offset & (size - 1)) == 0 && offset < VSMMU_MMIO_SIZE)
        return 0;
    vsmmu_log(s, VSMMU_LOG_GUEST, "unsupported MMIO %s: offset 0x%llx size %u (RAZ/WI)",
              what, (unsigned long long)offset, size);
    return -EINVAL;
}

/*
 * Registers read without the lock: the ID registers (constant after
 * create) and those every writer stores with VSMMU_STORE (CR0, CR0ACK,
 * CR2, GBPA, GERROR, STRTAB_BASE, STRTAB_BASE_CFG, CMDQ_CONS), so that
 * another vCPU polling them never waits for command processing.  False
 * for any other register.
 */
static bool read32_lockfree(const struct vsmmu *s, uint64_t off, uint32_t *v)
{
    uint64_t v64;

    if (off >= R_ID_REGS_FIRST && off <= R_ID_REGS_LAST) {
        *v = id_regs[(off - R_ID_REGS_FIRST) / 4];
        return true;
    }
    switch (off) {
    case R_IDR0: case R_IDR1: case R_IDR2: case R_IDR3: case R_IDR4: case R_IDR5:
        *v = s->idr[off / 4];
        return true;
    case R_IIDR: *v = s->iidr; return true;
    case R_AIDR: *v = s->aidr; return true;
    case R_CR0: *v = __atomic_load_n(&s->cr0, __ATOMIC_ACQUIRE); return true;
    case R_CR0ACK: *v = __atomic_load_n(&s->cr0ack, __ATOMIC_ACQUIRE); return true;
    case R_CR2: *v = __atomic_load_n(&s->cr2, __ATOMIC_ACQUIRE); return true;
    case R_GBPA: *v = __atomic_load_n(&s->gbpa, __ATOMIC_ACQUIRE); return true;
    case R_GERROR: *v = __atomic_load_n(&s->gerror, __ATOMIC_ACQUIRE); return true;
    case R_STRTAB_BASE_CFG:
        *v = __atomic_load_n(&s->strtab_base_cfg, __ATOMIC_ACQUIRE);
        return true;
    case R_CMDQ_CONS: *v = __atomic_load_n(&s->cmdq.cons, __ATOMIC_ACQUIRE); return true;
    case R_STRTAB_BASE: case R_STRTAB_BASE + 4:
        v64 = __atomic_load_n(&s->strtab_base, __ATOMIC_ACQUIRE);
        *v = (uint32_t)(off & 4 ? v64 >> 32 : v64);
        return true;
    default:
        return false;
    }
}

/* A read of registers read32_lockfree() takes (a 64-bit one: both halves,
 * STRTAB_BASE in one load). */
static bool read_lockfree(const struct vsmmu *s, uint64_t off, unsigned size, uint64_t *val)
{
    uint32_t lo, hi;

    if ((size != 4 && size != 8) || (off & (size - 1)) || off >= VSMMU_MMIO_SIZE)
        return false;
    if (size == 8 && off == R_STRTAB_BASE) {
        *val = __atomic_load_n(&s->strtab_base, __ATOMIC_ACQUIRE);
        return true;
    }
    if (!read32_lockfree(s, off, &lo) || (size == 8 && !read32_lockfree(s, off + 4, &hi)))
        return false;
    *val = size == 8 ? lo | (uint64_t)hi << 32 : lo;
    return true;
}

int vsmmu_mmio_read(vsmmu_t *s, uint64_t offset, unsigned size, uint64_t *val)
{
    uint64_t v = 0;
    int rc;

    if (!s || !val)
        return -EINVAL;
    *val = 0;
    /* The re-entrancy rule holds for lock-free reads too. */
    if (vsmmu_in_callback(s))
        return -EDEADLK;
    if (read_lockfree(s, offset, size, &v)) {
        *val = v;
        return 0;
    }
    if (vsmmu_lock(s))
        return -EDEADLK;
    rc = check_access(s, offset, size, "read");
    if (rc == 0) {
        if (size == 8 && !read64(s, offset, &v))
            v = read32(s, offset) | (uint64_t)read32(s, offset + 4) << 32;
        else if (size == 4)
            v = read32(s, offset);
        *val = v;
    }
    vsmmu_unlock(s);
    return rc;
}

int vsmmu_mmio_write(vsmmu_t *s, uint64_t offset, unsigned size, uint64_t val)
{
    int rc;

    if (!s)
        return -EINVAL;
    if (vsmmu_lock(s))
        return -EDEADLK;
    s->wr_effect = VSMMU_TRACE_REG_APPLIED;
    rc = check_access(s, offset, size, "write");
    if (rc)
        s->wr_effect = VSMMU_TRACE_REG_INVALID;
    if (rc == 0) {
        if (size == 8 && is_reg64(s, offset)) {
            write64(s, offset, val);
        } else if (size == 8) {
            write32(s, offset, (uint32_t)val);
            write32(s, offset + 4, (uint32_t)(val >> 32));
        } else {
            write32(s, offset, (uint32_t)val);
        }
    }
    vsmmu_tr(s, VSMMU_TRACE_REG_WRITE, offset, size, val, s->wr_effect);
    vsmmu_unlock(s);
    return rc;
}

/* ---- saved states ------------------------------------------------------- */

uint64_t vsmmu_reg_storable(const struct vsmmu *s, uint64_t off)
{
    uint64_t idx = fld_mask(Q_IDX_WR), cfg0 = fld_mask(IRQ_CFG0_ADDR);
    uint64_t cfg2 = fld_mask(IRQ_CFG2_SH) | fld_mask(IRQ_CFG2_MEMATTR);
    bool msi = has_msi(s), pri = has_pri(s);

    switch (off) {
    case R_CR0: case R_CR0ACK: return cr0_mask(s);
    case R_CR1:
        return fld_mask(CR1_TABLE_IC) | fld_mask(CR1_TABLE_OC) | fld_mask(CR1_TABLE_SH) |
               fld_mask(CR1_QUEUE_IC) | fld_mask(CR1_QUEUE_OC) | fld_mask(CR1_QUEUE_SH);
    case R_CR2: return cr2_mask(s);
    case R_GBPA: return gbpa_mask();
    case R_IRQ_CTRL: case R_IRQ_CTRLACK: return irq_ctrl_mask(s);
    case R_GERROR: case R_GERRORN: return gerror_mask(s);
    case R_GERROR_IRQ_CFG0: case R_EVENTQ_IRQ_CFG0: return msi ? cfg0 : 0;
    case R_GERROR_IRQ_CFG1: case R_EVENTQ_IRQ_CFG1: return msi ? 0xffffffffull : 0;
    case R_GERROR_IRQ_CFG2: case R_EVENTQ_IRQ_CFG2: return msi ? cfg2 : 0;
    case R_STRTAB_BASE: return strtab_base_mask();
    case R_STRTAB_BASE_CFG: return strtab_cfg_mask();
    case R_CMDQ_BASE: case R_EVENTQ_BASE: return q_base_mask();
    case R_CMDQ_PROD: return idx;
    case R_CMDQ_CONS: return idx | fld_mask(CMDQ_CONS_ERR);
    case R_EVENTQ_PROD: return idx | fld_mask(Q_OVFLG);
    case R_EVENTQ_CONS: return idx | fld_mask(Q_OVACKFLG);
    case R_PRIQ_BASE: return pri ? q_base_mask() : 0;
    case R_PRIQ_PROD: return pri ? idx | fld_mask(Q_OVFLG) : 0;
    case R_PRIQ_CONS: return pri ? idx | fld_mask(Q_OVACKFLG) : 0;
    case R_PRIQ_IRQ_CFG0: return pri && msi ? cfg0 : 0;
    case R_PRIQ_IRQ_CFG1: return pri && msi ? 0xffffffffull : 0;
    case R_PRIQ_IRQ_CFG2: return pri && msi ? cfg2 | fld_mask(PRIQ_IRQ_CFG2_LO) : 0;
    default: return 0;   /* AGBPA and everything read-only */
    }
}
