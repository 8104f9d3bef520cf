// SPDX-License-Identifier: MIT
/* The register frame: ID registers, reset values, write rules, access sizes. */
#include <errno.h>
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "testbed.h"

static void init_cfg(struct testbed *tb, void (*tweak)(struct vsmmu_config *))
{
    struct vsmmu_config cfg;
    vsmmu_config_default(&cfg);
    if (tweak)
        tweak(&cfg);
    tb_init(tb, &cfg);
}

/* ---- ID registers ----------------------------------------------------- */

TEST(idr_defaults)
{
    struct testbed tb = {0};
    uint32_t idr0, idr1, idr3, idr5;
    tb_init(&tb, NULL);
    idr0 = tb_readl(&tb, R_IDR0);
    CHECK_EQ(fld_get(idr0, IDR0_S1P), 1);
    CHECK_EQ(fld_get(idr0, IDR0_S2P), 1);
    CHECK_EQ(fld_get(idr0, IDR0_TTF), IDR0_TTF_AARCH64);
    CHECK_EQ(fld_get(idr0, IDR0_COHACC), 1);
    CHECK_EQ(fld_get(idr0, IDR0_MSI), 1);
    CHECK_EQ(fld_get(idr0, IDR0_SEV), 1);
    CHECK_EQ(fld_get(idr0, IDR0_ASID16), 1);
    CHECK_EQ(fld_get(idr0, IDR0_VMID16), 1);
    CHECK_EQ(fld_get(idr0, IDR0_CD2L), 1);
    CHECK_EQ(fld_get(idr0, IDR0_HYP), 0);
    CHECK_EQ(fld_get(idr0, IDR0_ATS), 0);
    CHECK_EQ(fld_get(idr0, IDR0_PRI), 0);
    CHECK_EQ(fld_get(idr0, IDR0_TTENDIAN), IDR0_TTENDIAN_LE);
    CHECK_EQ(fld_get(idr0, IDR0_STALL_MODEL), IDR0_STALL_NONE);
    CHECK_EQ(fld_get(idr0, IDR0_ST_LEVEL), 1);
    idr1 = tb_readl(&tb, R_IDR1);
    CHECK_EQ(fld_get(idr1, IDR1_SIDSIZE), 16);
    CHECK_EQ(fld_get(idr1, IDR1_SSIDSIZE), 0);
    CHECK_EQ(fld_get(idr1, IDR1_CMDQS), 19);
    CHECK_EQ(fld_get(idr1, IDR1_EVENTQS), 19);
    CHECK_EQ(fld_get(idr1, IDR1_PRIQS), 0);
    CHECK_EQ(fld_get(idr1, IDR1_TABLES_PRESET), 0);
    CHECK_EQ(fld_get(idr1, IDR1_QUEUES_PRESET), 0);
    CHECK_EQ(tb_readl(&tb, R_IDR2), 0);
    idr3 = tb_readl(&tb, R_IDR3);
    CHECK_EQ(fld_get(idr3, IDR3_RIL), 1);
    CHECK_EQ(fld_get(idr3, IDR3_MPAM), 0);
    CHECK_EQ(tb_readl(&tb, R_IDR4), 0);
    idr5 = tb_readl(&tb, R_IDR5);
    CHECK_EQ(fld_get(idr5, IDR5_OAS), 5);   /* 48 bits */
    CHECK_EQ(fld_get(idr5, IDR5_GRAN4K), 1);
    CHECK_EQ(fld_get(idr5, IDR5_GRAN16K), 1);
    CHECK_EQ(fld_get(idr5, IDR5_GRAN64K), 1);
    CHECK_EQ(fld_get(idr5, IDR5_DS), 0);
    CHECK_EQ(fld_get(tb_readl(&tb, R_AIDR), AIDR_MINOR), 2);
    CHECK_EQ(fld_get(tb_readl(&tb, R_AIDR), AIDR_MAJOR), 0);
    tb_fini(&tb);
}

static void cfg_small(struct vsmmu_config *c)
{
    c->stage2 = false;
    c->oas_bits = 40;
    c->sidsize = 6;
    c->ssidsize = 8;
    c->cmdqs = 5;
    c->eventqs = 3;
    c->two_level_strtab = false;
    c->ril = false;
    c->msi = false;
    c->sev = false;
    c->ats = true;
    c->pri = true;
    c->priqs = 4;
    c->gran16k = false;
    c->aidr_minor = 1;
}

TEST(idr_follow_config)
{
    struct testbed tb = {0};
    uint32_t idr0, idr1, idr5;
    init_cfg(&tb, cfg_small);
    idr0 = tb_readl(&tb, R_IDR0);
    CHECK_EQ(fld_get(idr0, IDR0_S1P), 1);
    CHECK_EQ(fld_get(idr0, IDR0_S2P), 0);
    CHECK_EQ(fld_get(idr0, IDR0_MSI), 0);
    CHECK_EQ(fld_get(idr0, IDR0_SEV), 0);
    CHECK_EQ(fld_get(idr0, IDR0_ATS), 1);
    CHECK_EQ(fld_get(idr0, IDR0_PRI), 1);
    CHECK_EQ(fld_get(idr0, IDR0_VMID16), 0);   /* no stage 2 */
    CHECK_EQ(fld_get(idr0, IDR0_ST_LEVEL), 0);
    idr1 = tb_readl(&tb, R_IDR1);
    CHECK_EQ(fld_get(idr1, IDR1_SIDSIZE), 6);
    CHECK_EQ(fld_get(idr1, IDR1_SSIDSIZE), 8);
    CHECK_EQ(fld_get(idr1, IDR1_CMDQS), 5);
    CHECK_EQ(fld_get(idr1, IDR1_EVENTQS), 3);
    CHECK_EQ(fld_get(idr1, IDR1_PRIQS), 4);
    CHECK_EQ(fld_get(tb_readl(&tb, R_IDR3), IDR3_RIL), 0);
    idr5 = tb_readl(&tb, R_IDR5);
    CHECK_EQ(fld_get(idr5, IDR5_OAS), 2);     /* 40 bits */
    CHECK_EQ(fld_get(idr5, IDR5_GRAN16K), 0);
    CHECK_EQ(fld_get(tb_readl(&tb, R_AIDR), AIDR_MINOR), 1);
    tb_fini(&tb);
}

TEST(id_regs_are_read_only_constants)
{
    struct testbed tb = {0};
    uint32_t before[8];
    tb_init(&tb, NULL);
    CHECK_EQ(tb_readl(&tb, 0xFF0), 0x0D);
    CHECK_EQ(tb_readl(&tb, 0xFF4), 0xF0);
    CHECK_EQ(tb_readl(&tb, 0xFF8), 0x05);
    CHECK_EQ(tb_readl(&tb, 0xFFC), 0xB1);
    CHECK_EQ(tb_readl(&tb, 0xFD0), 0x04);
    for (unsigned i = 0; i < 8; i++)
        before[i] = tb_readl(&tb, 4 * i);
    for (unsigned i = 0; i < 8; i++)
        tb_writel(&tb, 4 * i, 0xffffffff);
    tb_writel(&tb, 0xFF0, 0);
    for (unsigned i = 0; i < 8; i++)
        CHECK_EQ(tb_readl(&tb, 4 * i), before[i]);
    CHECK_EQ(tb_readl(&tb, 0xFF0), 0x0D);
    tb_fini(&tb);
}

/* ---- reset values ------------------------------------------------------ */

static void check_reset_values(struct testbed *tb)
{
    CHECK_EQ(tb_readl(tb, R_CR0), 0);
    CHECK_EQ(tb_readl(tb, R_CR0ACK), 0);
    CHECK_EQ(tb_readl(tb, R_CR1), 0);
    CHECK_EQ(tb_readl(tb, R_CR2), 0);
    CHECK_EQ(tb_readl(tb, R_STATUSR), 0);
    CHECK_EQ(tb_readl(tb, R_GBPA), 0x1000);     /* SHCFG = use incoming, ABORT = 0 */
    CHECK_EQ(tb_readl(tb, R_AGBPA), 0);
    CHECK_EQ(tb_readl(tb, R_IRQ_CTRL), 0);
    CHECK_EQ(tb_readl(tb, R_IRQ_CTRLACK), 0);
    CHECK_EQ(tb_readl(tb, R_GERROR), 0);
    CHECK_EQ(tb_readl(tb, R_GERRORN), 0);
    CHECK_EQ(tb_readq(tb, R_GERROR_IRQ_CFG0), 0);
    CHECK_EQ(tb_readl(tb, R_GERROR_IRQ_CFG1), 0);
    CHECK_EQ(tb_readl(tb, R_GERROR_IRQ_CFG2), 0);
    CHECK_EQ(tb_readq(tb, R_STRTAB_BASE), 0);
    CHECK_EQ(tb_readl(tb, R_STRTAB_BASE_CFG), 0);
    CHECK_EQ(tb_readq(tb, R_CMDQ_BASE), 0);
    CHECK_EQ(tb_readl(tb, R_CMDQ_PROD), 0);
    CHECK_EQ(tb_readl(tb, R_CMDQ_CONS), 0);
    CHECK_EQ(tb_readq(tb, R_EVENTQ_BASE), 0);
    CHECK_EQ(tb_readl(tb, R_EVENTQ_PROD), 0);
    CHECK_EQ(tb_readl(tb, R_EVENTQ_CONS), 0);
    CHECK_EQ(tb_readq(tb, R_EVENTQ_IRQ_CFG0), 0);
}

TEST(reset_values)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    check_reset_values(&tb);
    tb_fini(&tb);
}

TEST(reset_restores_reset_values)
{
    struct testbed tb = {0};
    struct guest g;
    struct guest_opts o = { .msi = true, .gbpa_abort = true };
    tb_init(&tb, NULL);
    guest_init(&g, &tb, &o);
    tb_writel(&tb, R_GERRORN, 1);   /* toggle: stored */
    CHECK(tb_readl(&tb, R_CR0) != 0);
    vsmmu_reset(tb.s);
    check_reset_values(&tb);
    /* The ID registers survive. */
    CHECK_EQ(fld_get(tb_readl(&tb, R_IDR1), IDR1_SIDSIZE), 16);
    tb_fini(&tb);
}

/* ---- CR0 --------------------------------------------------------------- */

TEST(cr0_ack_updates_at_once)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_CR0, 0x5);   /* SMMUEN | EVENTQEN */
    CHECK_EQ(tb_readl(&tb, R_CR0), 0x5);
    CHECK_EQ(tb_readl(&tb, R_CR0ACK), 0x5);
    tb_writel(&tb, R_CR0, 0x8);
    CHECK_EQ(tb_readl(&tb, R_CR0ACK), 0x8);
    tb_writel(&tb, R_CR0, 0);
    CHECK_EQ(tb_readl(&tb, R_CR0ACK), 0);
    tb_fini(&tb);
}

TEST(cr0_reserved_bits_masked)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    /* Default config: no ATS (ATSCHK RES0), no PRI (PRIQEN RES0), no VMW, no DPT. */
    tb_writel(&tb, R_CR0, 0xffffffff & ~(uint32_t)fld_mask(CR0_CMDQEN));
    CHECK_EQ(tb_readl(&tb, R_CR0), 0x5);
    CHECK_EQ(tb_readl(&tb, R_CR0ACK), 0x5);
    CHECK(tb_log_contains(&tb, "reserved"));
    tb_fini(&tb);
}

static void cfg_ats_pri(struct vsmmu_config *c)
{
    c->ats = true;
    c->pri = true;
    c->priqs = 4;
}

TEST(cr0_feature_bits_follow_idr)
{
    struct testbed tb = {0};
    init_cfg(&tb, cfg_ats_pri);
    tb_writel(&tb, R_CR0, 0xffffffff & ~(uint32_t)fld_mask(CR0_CMDQEN));
    CHECK_EQ(tb_readl(&tb, R_CR0), 0x17);   /* ATSCHK, EVENTQEN, PRIQEN, SMMUEN */
    tb_fini(&tb);
}

/* ---- CR1, CR2 ----------------------------------------------------------- */

TEST(cr1_guards)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_CR1, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_CR1), 0xfff);
    tb_writel(&tb, R_CR1, 0);
    /* QUEUE_* guarded by a queue enable, TABLE_* by SMMUEN. */
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_EVENTQEN));
    tb_writel(&tb, R_CR1, 0xfff);
    CHECK_EQ(tb_readl(&tb, R_CR1), 0xfc0);
    CHECK(tb_log_contains(&tb, "CR1.QUEUE"));
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_SMMUEN));
    tb_writel(&tb, R_CR1, 0x03f);
    CHECK_EQ(tb_readl(&tb, R_CR1), 0xfff);   /* TABLE_* kept, QUEUE_* written */
    tb_writel(&tb, R_CR0, 0);
    tb_writel(&tb, R_CR1, 0);
    CHECK_EQ(tb_readl(&tb, R_CR1), 0);
    tb_fini(&tb);
}

TEST(cr2_guarded_by_smmuen_and_masked)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_CR2, 0xffffffff);
    /* No Hyp, BTM or ATSRECERR: only RECINVSID is implemented. */
    CHECK_EQ(tb_readl(&tb, R_CR2), fld_mask(CR2_RECINVSID));
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_SMMUEN));
    tb_writel(&tb, R_CR2, 0);
    CHECK_EQ(tb_readl(&tb, R_CR2), fld_mask(CR2_RECINVSID));
    CHECK(tb_log_contains(&tb, "CR2"));
    tb_writel(&tb, R_CR0, 0);
    tb_writel(&tb, R_CR2, 0);
    CHECK_EQ(tb_readl(&tb, R_CR2), 0);
    tb_fini(&tb);
}

static void cfg_hyp(struct vsmmu_config *c) { c->hyp = true; }

TEST(cr2_e2h_with_hyp)
{
    struct testbed tb = {0};
    init_cfg(&tb, cfg_hyp);
    tb_writel(&tb, R_CR2, 0x3);
    CHECK_EQ(tb_readl(&tb, R_CR2), 0x3);
    tb_fini(&tb);
}

/* ---- GBPA ---------------------------------------------------------------- */

TEST(gbpa_update_handshake)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    /* Update = 0: ignored. */
    tb_writel(&tb, R_GBPA, (uint32_t)fld_mask(GBPA_ABORT));
    CHECK_EQ(tb_readl(&tb, R_GBPA), 0x1000);
    CHECK(tb_log_contains(&tb, "GBPA"));
    /* Update = 1: takes effect, Update reads back 0. */
    tb_writel(&tb, R_GBPA, (uint32_t)(fld_mask(GBPA_UPDATE) | fld_mask(GBPA_ABORT)));
    CHECK_EQ(tb_readl(&tb, R_GBPA), fld_mask(GBPA_ABORT));
    /* RES0 bits are not stored. */
    tb_writel(&tb, R_GBPA, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_GBPA), 0x1f3f1f);
    tb_fini(&tb);
}

TEST(agbpa_raz_wi)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_AGBPA, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_AGBPA), 0);
    tb_fini(&tb);
}

/* ---- IRQ_CTRL and *_IRQ_CFGn --------------------------------------------- */

TEST(irq_ctrl_ack)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_IRQ_CTRL, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_IRQ_CTRL), 0x5);     /* no PRI: PRIQ_IRQEN RES0 */
    CHECK_EQ(tb_readl(&tb, R_IRQ_CTRLACK), 0x5);
    tb_writel(&tb, R_IRQ_CTRL, 0);
    CHECK_EQ(tb_readl(&tb, R_IRQ_CTRLACK), 0);
    tb_fini(&tb);
}

TEST(irq_cfg_guarded_by_enable)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writeq(&tb, R_GERROR_IRQ_CFG0, 0xffffffffffffffffull);
    CHECK_EQ(tb_readq(&tb, R_GERROR_IRQ_CFG0), fld_mask(IRQ_CFG0_ADDR));
    tb_writel(&tb, R_GERROR_IRQ_CFG1, 0x12345678);
    tb_writel(&tb, R_GERROR_IRQ_CFG2, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_GERROR_IRQ_CFG1), 0x12345678);
    CHECK_EQ(tb_readl(&tb, R_GERROR_IRQ_CFG2), 0x3f);
    tb_writeq(&tb, R_EVENTQ_IRQ_CFG0, 0x40001000);
    tb_writel(&tb, R_EVENTQ_IRQ_CFG1, 7);

    tb_writel(&tb, R_IRQ_CTRL, (uint32_t)fld_mask(IRQ_CTRL_GERROR_IRQEN));
    tb_writeq(&tb, R_GERROR_IRQ_CFG0, 0x40000000);
    tb_writel(&tb, R_GERROR_IRQ_CFG1, 0);
    tb_writel(&tb, R_GERROR_IRQ_CFG2, 0);
    CHECK_EQ(tb_readq(&tb, R_GERROR_IRQ_CFG0), fld_mask(IRQ_CFG0_ADDR));
    CHECK_EQ(tb_readl(&tb, R_GERROR_IRQ_CFG1), 0x12345678);
    CHECK_EQ(tb_readl(&tb, R_GERROR_IRQ_CFG2), 0x3f);
    /* The event queue's triplet is not guarded by the GERROR enable. */
    tb_writeq(&tb, R_EVENTQ_IRQ_CFG0, 0x40002000);
    CHECK_EQ(tb_readq(&tb, R_EVENTQ_IRQ_CFG0), 0x40002000);
    tb_writel(&tb, R_IRQ_CTRL, (uint32_t)fld_mask(IRQ_CTRL_EVENTQ_IRQEN));
    tb_writel(&tb, R_EVENTQ_IRQ_CFG1, 9);
    tb_writel(&tb, R_EVENTQ_IRQ_CFG0, 0);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_IRQ_CFG1), 7);
    CHECK_EQ(tb_readq(&tb, R_EVENTQ_IRQ_CFG0), 0x40002000);
    tb_fini(&tb);
}

static void cfg_nomsi(struct vsmmu_config *c) { c->msi = false; }

TEST(irq_cfg_res0_without_msi)
{
    struct testbed tb = {0};
    init_cfg(&tb, cfg_nomsi);
    tb_writeq(&tb, R_GERROR_IRQ_CFG0, 0x40000000);
    tb_writel(&tb, R_GERROR_IRQ_CFG1, 1);
    tb_writel(&tb, R_GERROR_IRQ_CFG2, 1);
    tb_writeq(&tb, R_EVENTQ_IRQ_CFG0, 0x40000000);
    tb_writel(&tb, R_EVENTQ_IRQ_CFG1, 1);
    tb_writel(&tb, R_EVENTQ_IRQ_CFG2, 1);
    CHECK_EQ(tb_readq(&tb, R_GERROR_IRQ_CFG0), 0);
    CHECK_EQ(tb_readl(&tb, R_GERROR_IRQ_CFG1), 0);
    CHECK_EQ(tb_readl(&tb, R_GERROR_IRQ_CFG2), 0);
    CHECK_EQ(tb_readq(&tb, R_EVENTQ_IRQ_CFG0), 0);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_IRQ_CFG1), 0);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_IRQ_CFG2), 0);
    tb_fini(&tb);
}

/* ---- GERROR / GERRORN ------------------------------------------------- */

TEST(gerror_read_only_gerrorn_stores)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_GERROR, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_GERROR), 0);
    /* GERRORN stores the implemented bits (SFM_ERR included). */
    tb_writel(&tb, R_GERRORN, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_GERRORN), 0x1b5);   /* no PRI: no MSI_PRIQ/PRIQ bits */
    CHECK(tb_log_contains(&tb, "GERRORN toggles inactive"));
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_GERROR), 0);
    tb_fini(&tb);
}

/* ---- stream table and queue bases -------------------------------------- */

TEST(strtab_guarded_by_smmuen)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writeq(&tb, R_STRTAB_BASE, 0xffffffffffffffffull);
    CHECK_EQ(tb_readq(&tb, R_STRTAB_BASE),
             fld_mask(STRTAB_BASE_RA) | fld_mask(STRTAB_BASE_ADDR));
    tb_writel(&tb, R_STRTAB_BASE_CFG, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_STRTAB_BASE_CFG), 0x307ff);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_SMMUEN));
    tb_writeq(&tb, R_STRTAB_BASE, 0x40000000);
    tb_writel(&tb, R_STRTAB_BASE + 4, 0);
    tb_writel(&tb, R_STRTAB_BASE_CFG, 0);
    CHECK_EQ(tb_readq(&tb, R_STRTAB_BASE),
             fld_mask(STRTAB_BASE_RA) | fld_mask(STRTAB_BASE_ADDR));
    CHECK_EQ(tb_readl(&tb, R_STRTAB_BASE_CFG), 0x307ff);
    CHECK(tb_log_contains(&tb, "STRTAB_BASE"));
    tb_writel(&tb, R_CR0, 0);
    tb_writeq(&tb, R_STRTAB_BASE, 0x40000040);
    CHECK_EQ(tb_readq(&tb, R_STRTAB_BASE), 0x40000040);
    tb_fini(&tb);
}

TEST(queue_bases_guarded_by_their_enable)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writeq(&tb, R_CMDQ_BASE, 0xffffffffffffffffull);
    CHECK_EQ(tb_readq(&tb, R_CMDQ_BASE),
             fld_mask(Q_BASE_RA_WA) | fld_mask(Q_BASE_ADDR) | fld_mask(Q_BASE_LOG2SIZE));
    tb_writeq(&tb, R_CMDQ_BASE, 0x40000000 | 4);
    tb_writeq(&tb, R_EVENTQ_BASE, 0x40001000 | 3);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_CMDQEN));
    tb_writeq(&tb, R_CMDQ_BASE, 0x40002000);
    CHECK_EQ(tb_readq(&tb, R_CMDQ_BASE), 0x40000004);
    tb_writeq(&tb, R_EVENTQ_BASE, 0x40003000);      /* EVENTQEN = 0: written */
    CHECK_EQ(tb_readq(&tb, R_EVENTQ_BASE), 0x40003000);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_EVENTQEN));
    tb_writeq(&tb, R_EVENTQ_BASE, 0x40004000);
    CHECK_EQ(tb_readq(&tb, R_EVENTQ_BASE), 0x40003000);
    tb_writeq(&tb, R_CMDQ_BASE, 0x40002000);         /* CMDQEN = 0 now */
    CHECK_EQ(tb_readq(&tb, R_CMDQ_BASE), 0x40002000);
    tb_fini(&tb);
}

TEST(queue_indexes_write_rules)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_CMDQ_CONS, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0x7f0fffff);   /* ERR + RD */
    tb_writel(&tb, R_CMDQ_CONS, 0);
    tb_writel(&tb, R_CMDQ_PROD, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_PROD), 0xfffff);
    tb_writel(&tb, R_CMDQ_PROD, 0);
    tb_writel(&tb, R_EVENTQ_PROD, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0x800fffff);  /* OVFLG + WR */
    tb_writel(&tb, R_EVENTQ_CONS, 0xffffffff);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_CONS), 0x800fffff);  /* OVACKFLG + RD */
    tb_writel(&tb, R_EVENTQ_PROD, 0);
    tb_writel(&tb, R_EVENTQ_CONS, 0);

    /* Enabled: CMDQ_CONS and EVENTQ_PROD are the SMMU's; PROD/CONS of
     * software stay writable. */
    tb_writeq(&tb, R_CMDQ_BASE, 0x40000000 | 4);
    tb_writeq(&tb, R_EVENTQ_BASE, 0x40001000 | 4);
    tb_writel(&tb, R_CR0, (uint32_t)(fld_mask(CR0_CMDQEN) | fld_mask(CR0_EVENTQEN)));
    tb_writel(&tb, R_CMDQ_CONS, 5);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 0);
    tb_writel(&tb, R_EVENTQ_PROD, 5);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0);
    CHECK(tb_log_contains(&tb, "EVENTQ_PROD"));
    tb_writel(&tb, R_EVENTQ_CONS, 3);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_CONS), 3);
    tb_fini(&tb);
}

/* ---- PRI queue ----------------------------------------------------------- */

TEST(priq_raz_wi_without_pri)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writeq(&tb, R_PRIQ_BASE, 0x40000004);
    tb_writel(&tb, R_PRIQ_PROD, 3);
    tb_writel(&tb, R_PRIQ_CONS, 3);
    tb_writeq(&tb, R_PRIQ_IRQ_CFG0, 0x40000000);
    tb_writel(&tb, R_PRIQ_IRQ_CFG1, 3);
    tb_writel(&tb, R_PRIQ_IRQ_CFG2, 3);
    CHECK_EQ(tb_readq(&tb, R_PRIQ_BASE), 0);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_PROD), 0);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_CONS), 0);
    CHECK_EQ(tb_readq(&tb, R_PRIQ_IRQ_CFG0), 0);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_IRQ_CFG1), 0);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_IRQ_CFG2), 0);
    tb_fini(&tb);
}

TEST(priq_registers_with_pri)
{
    struct testbed tb = {0};
    init_cfg(&tb, cfg_ats_pri);
    tb_writeq(&tb, R_PRIQ_BASE, 0x40000004);
    tb_writel(&tb, R_PRIQ_PROD, 0x80000003);
    tb_writel(&tb, R_PRIQ_CONS, 0x80000002);
    tb_writeq(&tb, R_PRIQ_IRQ_CFG0, 0x40000100);
    tb_writel(&tb, R_PRIQ_IRQ_CFG1, 3);
    tb_writel(&tb, R_PRIQ_IRQ_CFG2, 0xffffffff);
    CHECK_EQ(tb_readq(&tb, R_PRIQ_BASE), 0x40000004);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_PROD), 0x80000003);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_CONS), 0x80000002);
    CHECK_EQ(tb_readq(&tb, R_PRIQ_IRQ_CFG0), 0x40000100);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_IRQ_CFG1), 3);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_IRQ_CFG2), 0x8000003f);   /* LO, SH, MemAttr */
    /* PRIQ_BASE and PRIQ_PROD guarded by PRIQEN. */
    tb_writel(&tb, R_CR0, (uint32_t)(fld_mask(CR0_PRIQEN) | fld_mask(CR0_SMMUEN)));
    tb_writeq(&tb, R_PRIQ_BASE, 0x40002004);
    tb_writel(&tb, R_PRIQ_PROD, 0);
    CHECK_EQ(tb_readq(&tb, R_PRIQ_BASE), 0x40000004);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_PROD), 0x80000003);
    tb_writel(&tb, R_PRIQ_CONS, 1);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_CONS), 1);
    /* PRIQ_IRQ_CFGn guarded by PRIQ_IRQEN. */
    tb_writel(&tb, R_IRQ_CTRL, 0x7);
    CHECK_EQ(tb_readl(&tb, R_IRQ_CTRLACK), 0x7);
    tb_writel(&tb, R_PRIQ_IRQ_CFG1, 9);
    CHECK_EQ(tb_readl(&tb, R_PRIQ_IRQ_CFG1), 3);
    tb_fini(&tb);
}

/* ---- access sizes and offsets ---------------------------------------- */

TEST(halves_of_64bit_registers)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_STRTAB_BASE, 0x40000040);
    tb_writel(&tb, R_STRTAB_BASE + 4, 0x00000001);
    CHECK_EQ(tb_readq(&tb, R_STRTAB_BASE), 0x0000000140000040ull);
    CHECK_EQ(tb_readl(&tb, R_STRTAB_BASE + 4), 1);
    CHECK_EQ(tb_readl(&tb, R_STRTAB_BASE), 0x40000040);
    tb_writel(&tb, R_STRTAB_BASE + 4, 0x40000000);   /* RA */
    CHECK_EQ(tb_readq(&tb, R_STRTAB_BASE), 0x4000000040000040ull);
    tb_writel(&tb, R_CMDQ_BASE + 4, 0x12);
    tb_writel(&tb, R_CMDQ_BASE, 0x80000007);
    CHECK_EQ(tb_readq(&tb, R_CMDQ_BASE), 0x0000001280000007ull);
    tb_fini(&tb);
}

TEST(qword_access_to_register_pair)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    /* CMDQ_PROD (0x98) and CMDQ_CONS (0x9C): two 32-bit writes. */
    tb_writeq(&tb, R_CMDQ_PROD, 0x0000000500000003ull);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_PROD), 3);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 5);
    CHECK_EQ(tb_readq(&tb, R_CMDQ_PROD), 0x0000000500000003ull);
    /* IDR0/IDR1 pair. */
    CHECK_EQ(tb_readq(&tb, R_IDR0),
             tb_readl(&tb, R_IDR0) | (uint64_t)tb_readl(&tb, R_IDR1) << 32);
    tb_fini(&tb);
}

TEST(bad_accesses_raz_wi)
{
    struct testbed tb = {0};
    uint64_t v = 1;
    tb_init(&tb, NULL);
    tb_writel(&tb, R_CR2, 2);
    CHECK_EQ(vsmmu_mmio_read(tb.s, R_CR0, 2, &v), -EINVAL);
    CHECK_EQ(v, 0);
    CHECK_EQ(vsmmu_mmio_read(tb.s, R_CR0, 1, &v), -EINVAL);
    CHECK_EQ(vsmmu_mmio_read(tb.s, R_CR0 + 2, 4, &v), -EINVAL);
    CHECK_EQ(vsmmu_mmio_read(tb.s, R_CR0, 8, &v), 0);   /* aligned qword: fine */
    CHECK_EQ(vsmmu_mmio_read(tb.s, R_CR0ACK, 8, &v), -EINVAL);
    CHECK_EQ(vsmmu_mmio_read(tb.s, VSMMU_MMIO_SIZE, 4, &v), -EINVAL);
    CHECK_EQ(vsmmu_mmio_read(tb.s, UINT64_MAX - 3, 4, &v), -EINVAL);
    CHECK_EQ(vsmmu_mmio_read(tb.s, 0, 3, &v), -EINVAL);
    CHECK_EQ(vsmmu_mmio_write(tb.s, R_CR2, 1, 0), -EINVAL);
    CHECK_EQ(vsmmu_mmio_write(tb.s, R_CR2, 2, 0), -EINVAL);
    CHECK_EQ(vsmmu_mmio_write(tb.s, R_CR2 + 1, 4, 0), -EINVAL);
    CHECK_EQ(vsmmu_mmio_write(tb.s, R_CR2, 8, 0), -EINVAL);   /* misaligned qword */
    CHECK_EQ(vsmmu_mmio_write(tb.s, VSMMU_MMIO_SIZE + 0x2C, 4, 0), -EINVAL);
    CHECK_EQ(tb_readl(&tb, R_CR2), 2);
    tb_fini(&tb);
}

TEST(reserved_offsets_raz_wi)
{
    struct testbed tb = {0};
    static const uint32_t offs[] = { 0x030, 0x034, 0x038, 0x03C, 0x04C, 0x058, 0x05C,
                                     0x078, 0x07C, 0x08C, 0x0C0, 0x0D0, 0x100, 0x200,
                                     0xE00, 0xFCC, 0x4000, 0x8000, 0xFFFC };
    tb_init(&tb, NULL);
    for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        tb_writel(&tb, offs[i], 0xffffffff);
        CHECK_EQ(tb_readl(&tb, offs[i]), 0);
    }
    tb_fini(&tb);
}

TEST(page0_aliases_and_other_page1_offsets_raz_wi)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_EVENTQ_CONS, 7);
    tb_writel(&tb, R_EVENTQ_PROD, 9);
    /* Page-0 aliases read 0 and ignore writes. */
    CHECK_EQ(tb_readl(&tb, 0xA8), 0);
    CHECK_EQ(tb_readl(&tb, 0xAC), 0);
    tb_writel(&tb, 0xAC, 1);
    tb_writel(&tb, 0xA8, 1);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_CONS), 7);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 9);
    /* Page 1 does not alias page 0. */
    CHECK_EQ(tb_readl(&tb, R_PAGE1 + R_IDR0), 0);
    tb_writel(&tb, R_PAGE1 + R_CR2, 2);
    CHECK_EQ(tb_readl(&tb, R_CR2), 0);
    CHECK_EQ(tb_readl(&tb, R_PAGE1 + R_CR2), 0);
    tb_fini(&tb);
}

TEST(guarded_write_logs_at_guest_level)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_SMMUEN));
    tb_clear_logs(&tb);
    tb_writel(&tb, R_STRTAB_BASE_CFG, 1);
    CHECK(tb.nlogs >= 1);
    CHECK_EQ(tb.log_level[0], VSMMU_LOG_GUEST);
    CHECK_EQ(tb.nerrors, 0);
    tb_fini(&tb);
}

TEST(read_only_registers_ignore_writes)
{
    struct testbed tb = {0};
    uint32_t iidr, aidr;
    tb_init(&tb, NULL);
    iidr = tb_readl(&tb, R_IIDR);
    aidr = tb_readl(&tb, R_AIDR);
    tb_writel(&tb, R_CR0ACK, 0xf);
    tb_writel(&tb, R_IRQ_CTRLACK, 0x7);
    tb_writel(&tb, R_STATUSR, 1);
    tb_writel(&tb, R_GERROR, 0x1ff);
    tb_writel(&tb, R_IIDR, ~iidr);
    tb_writel(&tb, R_AIDR, ~aidr);
    CHECK_EQ(tb_readl(&tb, R_CR0ACK), 0);
    CHECK_EQ(tb_readl(&tb, R_IRQ_CTRLACK), 0);
    CHECK_EQ(tb_readl(&tb, R_STATUSR), 0);
    CHECK_EQ(tb_readl(&tb, R_GERROR), 0);
    CHECK_EQ(tb_readl(&tb, R_IIDR), iidr);
    CHECK_EQ(tb_readl(&tb, R_AIDR), aidr);
    CHECK_EQ(tb_readl(&tb, R_CR0), 0);
    tb_fini(&tb);
}
