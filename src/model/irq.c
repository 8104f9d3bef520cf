// SPDX-License-Identifier: MIT
/*
 * GERROR activation, wired interrupt pulses and MSIs (spec §7).
 *
 * Every function here runs with the instance lock held.
 *
 * Rules implemented:
 *  - an error is active while GERROR[x] != GERRORN[x]; activation toggles
 *    GERROR[x] only when x is inactive, so a repeat is not signalled again;
 *  - activation raises the GERROR interrupt (wired pulse, and an MSI when
 *    IDR0.MSI and GERROR_IRQ_CFG0.ADDR != 0) if IRQ_CTRL.GERROR_IRQEN,
 *    except for MSI_GERROR_ABT_ERR, which raises nothing;
 *  - a queue interrupt is gated by its IRQ_CTRL enable (both the wired
 *    line and the MSI); an aborted MSI activates the matching
 *    GERROR.MSI_*_ABT_ERR.
 * The model applies IRQ_CTRL changes at once, so IRQ_CTRL and IRQ_CTRLACK
 * are always equal and the enable is read from IRQ_CTRL.
 */
#include <errno.h>

#include "model/model.h"

static const char *const line_names[] = {
    [VSMMU_IRQ_EVENTQ] = "eventq",
    [VSMMU_IRQ_PRIQ] = "priq",
    [VSMMU_IRQ_CMDQ_SYNC] = "cmdq-sync",
    [VSMMU_IRQ_GERROR] = "gerror",
};

bool vsmmu_gerror_active(const struct vsmmu *s, unsigned bit)
{
    return (((s->gerror ^ s->gerrorn) >> bit) & 1) != 0;
}

bool vsmmu_gerror_raise(struct vsmmu *s, unsigned bit)
{
    if (bit > 31 || vsmmu_gerror_active(s, bit))
        return false;
    VSMMU_STORE(s->gerror, s->gerror ^ 1u << bit);
    vsmmu_trace(s, "GERROR bit %u activated (GERROR=0x%08x GERRORN=0x%08x)",
                bit, s->gerror, s->gerrorn);
    vsmmu_tr(s, VSMMU_TRACE_GERROR, bit);
    /* The bit flip is visible (it is stored) before the interrupt. */
    if (bit != fld_lo(GERROR_MSI_GERROR_ABT_ERR))
        vsmmu_irq_signal(s, IRQ_SRC_GERROR);
    return true;
}

void vsmmu_irq_pulse(struct vsmmu *s, enum vsmmu_irq line)
{
    vsmmu_trace(s, "interrupt: %s", (unsigned)line < 4 ? line_names[line] : "?");
    vsmmu_tr(s, VSMMU_TRACE_IRQ, (unsigned)line);
    if (s->ops.irq)
        s->ops.irq(s->ops.opaque, line);
}

int vsmmu_msi_write(struct vsmmu *s, uint64_t addr, uint32_t data)
{
    unsigned oas = vsmmu_oas_bits(s);
    int rc;

    vsmmu_trace(s, "MSI: write 0x%08x to 0x%llx", data, (unsigned long long)addr);
    if ((oas < 64 && ((addr + 3) >> oas) != 0) || vsmmu_own_frame(s, addr, 4)) {
        rc = -EIO;
    } else if (s->ops.msi) {
        rc = s->ops.msi(s->ops.opaque, addr, data) ? -EIO : 0;
    } else {
        uint8_t b[4] = { (uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
                         (uint8_t)(data >> 24) };
        rc = vsmmu_dma_write(s, addr, b, sizeof(b));
    }
    vsmmu_tr(s, VSMMU_TRACE_MSI, addr, data, rc != 0);
    if (rc)
        vsmmu_log(s, VSMMU_LOG_GUEST, "MSI write of 0x%08x to 0x%llx aborted",
                  data, (unsigned long long)addr);
    return rc;
}

void vsmmu_irq_signal(struct vsmmu *s, enum vsmmu_irq_src src)
{
    unsigned en_bit, abt_bit;
    enum vsmmu_irq line;
    uint64_t cfg0;
    uint32_t data;

    switch (src) {
    case IRQ_SRC_EVENTQ:
        en_bit = fld_lo(IRQ_CTRL_EVENTQ_IRQEN);
        abt_bit = fld_lo(GERROR_MSI_EVENTQ_ABT_ERR);
        line = VSMMU_IRQ_EVENTQ;
        cfg0 = s->eventq.irq_cfg0;
        data = s->eventq.irq_cfg1;
        break;
    case IRQ_SRC_PRIQ:
        en_bit = fld_lo(IRQ_CTRL_PRIQ_IRQEN);
        abt_bit = fld_lo(GERROR_MSI_PRIQ_ABT_ERR);
        line = VSMMU_IRQ_PRIQ;
        cfg0 = s->priq.irq_cfg0;
        data = s->priq.irq_cfg1;
        break;
    case IRQ_SRC_GERROR:
    default:
        en_bit = fld_lo(IRQ_CTRL_GERROR_IRQEN);
        abt_bit = fld_lo(GERROR_MSI_GERROR_ABT_ERR);
        line = VSMMU_IRQ_GERROR;
        cfg0 = s->gerror_irq_cfg0;
        data = s->gerror_irq_cfg1;
        break;
    }
    if (!((s->irq_ctrl >> en_bit) & 1))
        return;
    vsmmu_irq_pulse(s, line);
    if (!fld_get(s->idr[0], IDR0_MSI))
        return;
    cfg0 &= fld_mask(IRQ_CFG0_ADDR);
    if (cfg0 == 0)
        return;
    if (vsmmu_msi_write(s, cfg0, data))
        vsmmu_gerror_raise(s, abt_bit);
}
