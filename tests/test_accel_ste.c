// SPDX-License-Identifier: MIT
/*
 * Accel mode: STE install (docs/accel.md rules 26-31), SMMUEN transitions,
 * GBPA updates (docs/accel.md rule 41, vsmmu's choice), and fault injection at every
 * backend call of an install.
 */
#include "test_accel.h"

#define CDPTR 0x40080000ull

/* Two devices (vSIDs 0x10, 0x11), guest up with SMMUEN=1. */
static void setup2(struct at *x, const struct guest_opts *o)
{
    at_init(x, NULL, 2);
    CHECK_EQ(at_attach(x, 0, 0x10), 0);
    CHECK_EQ(at_attach(x, 1, 0x11), 0);
    guest_init(&x->g, &x->tb, o);
}

static uint64_t data_field(const struct ac_call *c, unsigned hi, unsigned lo)
{
    uint64_t w[2] = { c->d0, c->d1 };
    return st_get(w, hi, lo);
}

static int cfgi_ste(struct at *x, uint32_t sid)
{
    return guest_cfgi_ste(&x->g, sid);
}

/* docs/accel.md rule 28: V=0 and Config 0-3 -> abort, 4 -> bypass, 5 -> nested. */
TEST(accel_ste_install_by_config)
{
    struct at x;
    uint64_t ste[8];
    uint32_t abort_id, bypass_id;

    setup2(&x, NULL);
    abort_id = AC_ABORT_PROXY;
    bypass_id = AC_BYPASS_PROXY;
    for (unsigned cfg = 0; cfg < 4; cfg++) {
        at_cfg_ste(ste, STE_CFG_BYPASS, true);
        guest_write_ste(&x.g, 0x10, ste);
        CHECK_EQ(at_attached(&x, 0), bypass_id);
        at_cfg_ste(ste, cfg, true);
        guest_write_ste(&x.g, 0x10, ste);
        CHECK_EQ(at_attached(&x, 0), abort_id);
    }
    at_cfg_ste(ste, STE_CFG_BYPASS, true);
    guest_write_ste(&x.g, 0x10, ste);
    at_cfg_ste(ste, STE_CFG_S1, false);            /* V=0: abort whatever Config */
    guest_write_ste(&x.g, 0x10, ste);
    CHECK_EQ(at_attached(&x, 0), abort_id);
    at_s1_ste(ste, CDPTR);
    guest_write_ste(&x.g, 0x10, ste);
    CHECK_EQ(at_attached(&x, 0), ac_last(AC_HWPT_ALLOC)->out);
    CHECK(ac_last(AC_HWPT_ALLOC)->out != abort_id && ac_last(AC_HWPT_ALLOC)->out != bypass_id);
    CHECK_EQ(ac_last(AC_HWPT_ALLOC)->b, ac_last(AC_VIOMMU)->out);
    /* The other device was not touched: SMMUEN 0->1 found no STE for it
     * (no L2 table yet), so it is on the abort proxy. */
    CHECK_EQ(at_attached(&x, 1), abort_id);
    at_fini(&x);
}

/* docs/accel.md rule 28: Config 6/7 fail the command with CERROR_ILL; nothing changes. */
TEST(accel_ste_stage2_config_is_ill)
{
    for (unsigned cfg = STE_CFG_S2; cfg <= STE_CFG_NESTED; cfg++) {
        struct at x;
        uint64_t ste[8];
        long before;

        setup2(&x, NULL);
        at_cfg_ste(ste, STE_CFG_BYPASS, true);
        guest_write_ste(&x.g, 0x10, ste);
        before = at_attached(&x, 0);
        at_cfg_ste(ste, cfg, true);
        at_poke_ste(&x, 0x10, ste);
        CHECK_EQ(cfgi_ste(&x, 0x10), CERROR_ILL);
        CHECK(guest_gerror_active(&x.g) & fld_mask(GERROR_CMDQ_ERR));
        CHECK_EQ(at_attached(&x, 0), before);
        CHECK(tb_log_contains(&x.tb, "stage 2"));
        at_fini(&x);
    }
}

/* docs/accel.md rule 29: only the fields the host accepts, S1ContextPtr up to bit 51. */
TEST(accel_ste_nested_data_masked)
{
    struct at x;
    uint64_t ste[8], kept[2];
    struct ac_call *c;

    setup2(&x, NULL);
    at_s1_ste(ste, CDPTR);
    st_set(ste, STE_S1FMT, 1);
    st_set(ste, STE_S1CDMAX, 0);
    ste[0] |= 1ull << 53;                      /* S1ContextPtr above bit 51 */
    st_set(ste, STE_SHCFG, 1);                 /* Linux sets it */
    st_set(ste, STE_S1STALLD, 1);
    st_set(ste, STE_S1DSS, 1);
    st_set(ste, STE_STRW, 2);
    st_set(ste, STE_MEMATTR, 0xf);
    st_set(ste, STE_MEV, 1);
    st_set(ste, STE_S2VMID, 0x77);
    ste[3] = ~0ull;
    guest_write_ste(&x.g, 0x10, ste);
    c = ac_last(AC_HWPT_ALLOC);
    CHECK_EQ(c->rc, 0);
    CHECK_EQ(c->d0, ste[0] & 0xF80FFFFFFFFFFFFFull);
    CHECK_EQ(c->d0 & (1ull << 53), 0);
    CHECK_EQ(c->d1, ste[1] & 0x380000ffull);
    CHECK_EQ(data_field(c, STE_CONFIG), STE_CFG_S1);
    CHECK_EQ(vsmmu_simx_vste(x.sim, c->out, kept), 0);
    CHECK_EQ(kept[0], c->d0);
    at_fini(&x);
}

/* EATS: without ATS it is ignored (stripped); with ATS, S1CHK (2) is not
 * something the host takes: CERROR_ILL without a host call. */
TEST(accel_ste_eats_handling)
{
    struct vsmmu_config cfg;
    struct at x;
    uint64_t ste[8];
    unsigned n;

    setup2(&x, NULL);
    at_s1_ste(ste, CDPTR);
    st_set(ste, STE_EATS, 2);
    guest_write_ste(&x.g, 0x10, ste);
    CHECK_EQ(data_field(ac_last(AC_HWPT_ALLOC), STE_EATS), 0);
    at_fini(&x);

    at_config(&cfg);
    cfg.ats = true;
    at_init(&x, &cfg, 1);
    at_add_device_like(&x, 1);
    CHECK_EQ(at_attach(&x, 1, 0x10), 0);
    guest_init(&x.g, &x.tb, NULL);
    st_set(ste, STE_EATS, 1);
    guest_write_ste(&x.g, 0x10, ste);
    CHECK_EQ(data_field(ac_last(AC_HWPT_ALLOC), STE_EATS), 1);
    n = ac_count(AC_HWPT_ALLOC);
    st_set(ste, STE_EATS, 2);
    at_poke_ste(&x, 0x10, ste);
    CHECK_EQ(cfgi_ste(&x, 0x10), CERROR_ILL);
    CHECK_EQ(ac_count(AC_HWPT_ALLOC), n);
    at_fini(&x);
}

/* docs/accel.md rule 30: allocate, replace, then destroy the old one. */
TEST(accel_ste_nested_replace_order)
{
    struct at x;
    uint64_t ste[8];
    uint32_t first, second;
    int alloc, attach, destroy;

    setup2(&x, NULL);
    at_s1_ste(ste, CDPTR);
    guest_write_ste(&x.g, 0x10, ste);
    first = ac_last(AC_HWPT_ALLOC)->out;
    ac_reset_log();
    at_s1_ste(ste, CDPTR + 0x1000);
    guest_write_ste(&x.g, 0x10, ste);
    alloc = ac_find(AC_HWPT_ALLOC, 0);
    attach = ac_find(AC_ATTACH, 0);
    destroy = ac_find(AC_DESTROY, 0);
    CHECK(alloc >= 0 && alloc < attach && attach < destroy);
    second = ac_log.calls[alloc].out;
    CHECK_EQ(ac_log.calls[attach].b, second);
    CHECK_EQ(ac_log.calls[destroy].a, first);
    CHECK_EQ(at_attached(&x, 0), second);
    at_fini(&x);
}

/* docs/accel.md rule 30: a failed replace destroys the new HWPT, keeps the old
 * attachment, and fails the command. */
TEST(accel_ste_failed_replace_keeps_old)
{
    struct at x;
    uint64_t ste[8];
    uint32_t first;
    unsigned hwpts;

    setup2(&x, NULL);
    at_s1_ste(ste, CDPTR);
    guest_write_ste(&x.g, 0x10, ste);
    first = ac_last(AC_HWPT_ALLOC)->out;
    hwpts = vsmmu_sim_count(x.sim, "hwpt");
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_ATTACH, 1, EINVAL), 0);
    at_s1_ste(ste, CDPTR + 0x1000);
    at_poke_ste(&x, 0x10, ste);
    CHECK_EQ(cfgi_ste(&x, 0x10), CERROR_ILL);
    CHECK_EQ(at_attached(&x, 0), first);
    CHECK_EQ(vsmmu_sim_count(x.sim, "hwpt"), hwpts);
    CHECK_EQ(ac_last(AC_DESTROY)->a, ac_last(AC_HWPT_ALLOC)->out);
    CHECK(tb_log_contains(&x.tb, "attach to its new nested HWPT"));
    at_fini(&x);
}

/* Fault injection at each backend call of an install: the command fails
 * (or, for the final destroy, the HWPT is kept for a retry), nothing leaks. */
TEST(accel_ste_install_fault_injection_leaves_nothing)
{
    static const enum vsmmu_sim_op ops[] = {
        VSMMU_SIM_HWPT_ALLOC, VSMMU_SIM_ATTACH, VSMMU_SIM_DESTROY,
    };
    for (size_t i = 0; i < 3; i++) {
        struct at x;
        uint64_t ste[8];
        unsigned objs;
        int rc;

        setup2(&x, NULL);
        at_s1_ste(ste, CDPTR);
        guest_write_ste(&x.g, 0x10, ste);
        objs = vsmmu_sim_count(x.sim, "all");
        CHECK_EQ(vsmmu_sim_fail(x.sim, ops[i], 1, EIO), 0);
        at_s1_ste(ste, CDPTR + 0x2000);
        at_poke_ste(&x, 0x10, ste);
        rc = cfgi_ste(&x, 0x10);
        if (ops[i] == VSMMU_SIM_DESTROY) {
            CHECK_EQ(rc, 0);
            CHECK_EQ(vsmmu_sim_count(x.sim, "all"), objs + 1);
        } else {
            CHECK_EQ(rc, CERROR_ILL);
            CHECK_EQ(vsmmu_sim_count(x.sim, "all"), objs);
        }
        CHECK(tb_log_contains(&x.tb, "Input/output error"));
        at_fini(&x);
    }
}

/* docs/accel.md rule 26: an unfetchable STE leaves the attachment unchanged, and the
 * command succeeds. */
TEST(accel_ste_unfetchable_leaves_attachment)
{
    struct at x;
    uint64_t ste[8];
    long before;

    /* SID beyond the guest's stream table (4 bits of SID). */
    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 0x30), 0);
    guest_init(&x.g, &x.tb, &(struct guest_opts){ .sid_bits = 4, .linear = true });
    before = at_attached(&x, 0);
    CHECK_EQ(cfgi_ste(&x, 0x30), 0);
    CHECK_EQ(at_attached(&x, 0), before);
    at_fini(&x);

    /* 2-level table, L1 descriptor of the SID with span 0. */
    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 0x4321), 0);
    guest_init(&x.g, &x.tb, NULL);
    before = at_attached(&x, 0);
    CHECK_EQ(cfgi_ste(&x, 0x4321), 0);
    CHECK_EQ(at_attached(&x, 0), before);
    at_fini(&x);

    /* DMA error reading the STE. */
    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 0x12), 0);
    guest_init(&x.g, &x.tb, NULL);
    at_s1_ste(ste, CDPTR);
    guest_write_ste(&x.g, 0x12, ste);
    before = at_attached(&x, 0);
    x.tb.abort_lo = guest_ste_addr(&x.g, 0x12);
    x.tb.abort_hi = x.tb.abort_lo + STE_SIZE;
    CHECK_EQ(cfgi_ste(&x, 0x12), 0);
    CHECK_EQ(at_attached(&x, 0), before);
    x.tb.abort_lo = x.tb.abort_hi = 0;
    at_fini(&x);
}

/* docs/accel.md rule 27: with SMMUEN=0 a CFGI_STE attaches the GBPA proxy. */
TEST(accel_ste_smmuen0_attaches_gbpa_proxy)
{
    struct at x;
    uint64_t ste[8];

    at_init(&x, NULL, 2);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    guest_init(&x.g, &x.tb, &(struct guest_opts){ .no_smmuen = true });
    tb_writel(&x.tb, R_GBPA, (uint32_t)(fld_mask(GBPA_UPDATE) | fld_mask(GBPA_ABORT)));
    CHECK_EQ(at_attach(&x, 1, 2), 0);
    CHECK_EQ(at_attached(&x, 1), AC_ABORT_PROXY);   /* GBPA.ABORT at once */
    at_s1_ste(ste, CDPTR);
    at_poke_ste(&x, 2, ste);
    CHECK_EQ(cfgi_ste(&x, 2), 0);
    CHECK_EQ(at_attached(&x, 1), AC_ABORT_PROXY);
    tb_writel(&x.tb, R_GBPA, (uint32_t)fld_mask(GBPA_UPDATE));
    CHECK_EQ(at_attached(&x, 1), AC_BYPASS_PROXY);
    at_fini(&x);
}

/* docs/accel.md rule 31: CFGI_STE_RANGE and CFGI_ALL install every device in the aligned
 * range, even after one fails (then CERROR_ILL). */
TEST(accel_ste_range_and_all)
{
    struct at x;
    uint64_t ste[8], cmd[2];
    static const uint32_t vsids[4] = { 0x20, 0x21, 0x23, 0x24 };
    long before3;

    at_init(&x, NULL, 4);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(at_attach(&x, i, vsids[i]), 0);
    guest_init(&x.g, &x.tb, NULL);
    at_cfg_ste(ste, STE_CFG_BYPASS, true);
    for (unsigned i = 0; i < 4; i++)
        at_poke_ste(&x, vsids[i], ste);
    at_cfg_ste(ste, STE_CFG_S2, true);
    at_poke_ste(&x, 0x20, ste);             /* this one fails */
    before3 = at_attached(&x, 3);
    /* SID 0x22 with Range 1: [0x20, 0x23]. */
    guest_cmd_op(cmd, OP_CFGI_STE_RANGE);
    st_set(cmd, CMD_SID, 0x22);
    st_set(cmd, CMD_RANGE, 1);
    CHECK_EQ(guest_cmd_sync(&x.g, cmd), CERROR_ILL);
    CHECK_EQ(at_attached(&x, 1), AC_BYPASS_PROXY);
    CHECK_EQ(at_attached(&x, 2), AC_BYPASS_PROXY);
    CHECK_EQ(at_attached(&x, 3), before3);          /* outside: unchanged */
    CHECK_EQ(at_attached(&x, 0), before3);          /* failed: unchanged */
    /* CFGI_ALL reaches 0x24 too. */
    at_cfg_ste(ste, STE_CFG_BYPASS, true);
    at_poke_ste(&x, 0x20, ste);
    at_s1_ste(ste, CDPTR);
    at_poke_ste(&x, 0x24, ste);
    /* Acknowledging resumes the queue at the range command. */
    guest_gerror_ack(&x.g);
    CHECK_EQ(guest_cfgi_all(&x.g), 0);
    CHECK_EQ(at_attached(&x, 0), AC_BYPASS_PROXY);
    CHECK_EQ(at_attached(&x, 3), ac_last(AC_HWPT_ALLOC)->out);
    at_fini(&x);
}

/* vsmmu's choice: SMMUEN 0->1 installs the STEs in memory; 1->0 moves
 * every device to the GBPA proxy. */
TEST(accel_ste_smmuen_transitions)
{
    struct at x;
    uint64_t ste[8];
    uint32_t cr0, abort_id;
    unsigned h;

    at_init(&x, NULL, 2);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    CHECK_EQ(at_attach(&x, 1, 2), 0);
    guest_init(&x.g, &x.tb, &(struct guest_opts){ .no_smmuen = true });
    CHECK_EQ(at_attached(&x, 0), AC_BYPASS_PROXY);
    abort_id = AC_ABORT_PROXY;
    at_s1_ste(ste, CDPTR);
    at_poke_ste(&x, 1, ste);
    at_cfg_ste(ste, STE_CFG_ABORT, false);
    at_poke_ste(&x, 2, ste);
    cr0 = tb_readl(&x.tb, R_CR0);
    tb_writel(&x.tb, R_CR0, cr0 | (uint32_t)fld_mask(CR0_SMMUEN));
    CHECK_EQ(at_attached(&x, 0), ac_last(AC_HWPT_ALLOC)->out);
    CHECK_EQ(at_attached(&x, 1), AC_ABORT_PROXY);
    /* A CR0 write that leaves SMMUEN=1 re-installs nothing. */
    ac_reset_log();
    tb_writel(&x.tb, R_CR0, cr0 | (uint32_t)fld_mask(CR0_SMMUEN));
    CHECK_EQ(ac_count(AC_ATTACH) + ac_count(AC_HWPT_ALLOC), 0);
    /* GBPA while enabled changes nothing... */
    tb_writel(&x.tb, R_GBPA, (uint32_t)fld_mask(GBPA_UPDATE));
    CHECK_EQ(ac_count(AC_ATTACH), 0);
    h = vsmmu_sim_count(x.sim, "hwpt");
    /* ...1->0 applies it: everything to the bypass proxy, nested one freed. */
    tb_writel(&x.tb, R_CR0, cr0);
    CHECK_EQ(at_attached(&x, 0), at_attached(&x, 1));
    CHECK(at_attached(&x, 0) != abort_id && at_attached(&x, 0) > 0);
    CHECK_EQ(vsmmu_sim_count(x.sim, "hwpt"), h - 1);
    at_fini(&x);
}

/* docs/accel.md rule 41, vsmmu's choice: GBPA re-attaches only while SMMUEN=0. */
TEST(accel_ste_gbpa_ignored_while_enabled)
{
    struct at x;
    uint64_t ste[8];
    long before;

    setup2(&x, NULL);
    at_s1_ste(ste, CDPTR);
    guest_write_ste(&x.g, 0x10, ste);
    before = at_attached(&x, 0);
    ac_reset_log();
    tb_writel(&x.tb, R_GBPA, (uint32_t)(fld_mask(GBPA_UPDATE) | fld_mask(GBPA_ABORT)));
    CHECK_EQ(ac_count(AC_ATTACH), 0);
    CHECK_EQ(at_attached(&x, 0), before);
    at_fini(&x);
}

/* A stage-2 Config met at SMMUEN 0->1 is the guest's doing: logged at
 * VSMMU_LOG_GUEST (never ERROR), and rate-limited however often the guest
 * toggles SMMUEN. */
TEST(accel_ste_stage2_config_at_enable_is_guest_level)
{
    struct at x;
    uint64_t ste[8], suppressed;
    uint32_t cr0;
    unsigned errors, n;
    bool seen = false;

    setup2(&x, NULL);
    at_cfg_ste(ste, STE_CFG_S2, true);
    at_poke_ste(&x, 0x10, ste);
    cr0 = tb_readl(&x.tb, R_CR0);
    errors = x.tb.nerrors;
    tb_clear_logs(&x.tb);
    for (unsigned i = 0; i < 1000; i++) {
        tb_writel(&x.tb, R_CR0, cr0 & ~(uint32_t)fld_mask(CR0_SMMUEN));
        tb_writel(&x.tb, R_CR0, cr0);
    }
    CHECK_EQ(at_attached(&x, 0), AC_ABORT_PROXY);
    CHECK_EQ(x.tb.nerrors, errors);
    for (unsigned i = 0; i < x.tb.nlogs; i++) {
        if (strstr(x.tb.logs[i], "Config 6")) {
            CHECK_EQ(x.tb.log_level[i], VSMMU_LOG_GUEST);
            seen = true;
        }
    }
    CHECK(seen);
    vsmmu_reset(x.tb.s);
    n = tb_log_site(&x.tb, "Config 6", &suppressed);
    CHECK_MSG(n <= 10 && n + suppressed == 1000, "%u delivered, %llu suppressed", n,
              (unsigned long long)suppressed);
    at_fini(&x);
}

/* docs/accel.md rule 45: CFGI_ALL and CFGI_STE over STEs that did not
 * change keep the installed nested HWPT (no host call); a changed STE is
 * installed again. */
TEST(accel_ste_unchanged_not_reinstalled)
{
    struct at x;
    uint64_t ste[8];
    uint32_t first, abort_id;

    setup2(&x, NULL);
    abort_id = AC_ABORT_PROXY;
    at_s1_ste(ste, CDPTR);
    guest_write_ste(&x.g, 0x10, ste);
    first = ac_last(AC_HWPT_ALLOC)->out;
    CHECK_EQ(at_attached(&x, 0), first);
    ac_reset_log();
    for (unsigned i = 0; i < 50; i++)
        CHECK_EQ(guest_cfgi_all(&x.g), 0);
    CHECK_EQ(cfgi_ste(&x, 0x10), 0);
    CHECK_EQ(ac_find(AC_HWPT_ALLOC, 0), -1);
    CHECK_EQ(ac_find(AC_ATTACH, 0), -1);
    CHECK_EQ(ac_find(AC_DESTROY, 0), -1);
    CHECK_EQ(at_attached(&x, 0), first);
    /* A changed STE is a new nested HWPT. */
    at_s1_ste(ste, CDPTR + 0x1000);
    at_poke_ste(&x, 0x10, ste);
    CHECK_EQ(guest_cfgi_all(&x.g), 0);
    CHECK(ac_find(AC_HWPT_ALLOC, 0) >= 0);
    CHECK(at_attached(&x, 0) != first);
    /* Moved away (abort) and back with the first words: installed again. */
    first = at_attached(&x, 0);
    at_cfg_ste(ste, STE_CFG_ABORT, true);
    at_poke_ste(&x, 0x10, ste);
    CHECK_EQ(cfgi_ste(&x, 0x10), 0);
    CHECK_EQ(at_attached(&x, 0), abort_id);
    at_s1_ste(ste, CDPTR + 0x1000);
    at_poke_ste(&x, 0x10, ste);
    ac_reset_log();
    CHECK_EQ(cfgi_ste(&x, 0x10), 0);
    CHECK(ac_find(AC_HWPT_ALLOC, 0) >= 0);
    CHECK(at_attached(&x, 0) != abort_id);
    at_fini(&x);
}
