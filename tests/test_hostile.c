// SPDX-License-Identifier: MIT
/*
 * Hostile guest input at the extremes of its fields: address arithmetic at
 * the top of the ranges, the largest LOG2SIZE / Span / S1CDMax / range
 * encodings, invalidations over the whole StreamID and address spaces, and
 * self-referencing tables.  Each case must end in the architected response
 * (an event, a command completion) with bounded work and nothing written
 * outside guest RAM.
 */
#include "test_xlate_util.h"

static uint64_t inv_sid, inv_num, inv_addr, inv_size;
static int inv_kind = -1;
static unsigned inv_calls;

static void record_inval(void *opaque, const struct vsmmu_inval *inv)
{
    (void)opaque;
    inv_kind = (int)inv->kind;
    inv_sid = inv->sid;
    inv_num = inv->num;
    inv_addr = inv->addr;
    inv_size = inv->size;
    inv_calls++;
}

static void cfg_big_sids(struct vsmmu_config *c)
{
    vsmmu_config_default(c);
    c->sidsize = 32;
}

static void bypass_ste(uint64_t ste[8])
{
    memset(ste, 0, 64);
    st_set(ste, STE_V, 1);
    st_set(ste, STE_CONFIG, STE_CFG_BYPASS);
}

/* A linear stream table with the largest LOG2SIZE: the STE address of the
 * top StreamID lies far beyond memory; the fetch aborts with its address. */
TEST(hostile_linear_strtab_top_sid)
{
    struct vsmmu_config c;
    struct xt x;
    struct xev e = { .type = EVT_F_STE_FETCH, .sid = 0xFFFFFFFFu };
    uint64_t base = RAM + 0x40000;

    cfg_big_sids(&c);
    xt_init(&x, &c, NULL);
    tb_writel(&x.tb, R_CR0, 0);
    tb_writeq(&x.tb, R_STRTAB_BASE, base);
    tb_writel(&x.tb, R_STRTAB_BASE_CFG, (uint32_t)fld_set(0, STRTAB_CFG_LOG2SIZE, 63));
    tb_writel(&x.tb, R_CR0, (uint32_t)(fld_mask(CR0_SMMUEN) | fld_mask(CR0_EVENTQEN) |
                                       fld_mask(CR0_CMDQEN)));
    CHECK_FAULT(xt_tr(&x, 0xFFFFFFFFu, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), EVT_F_STE_FETCH);
    /* ADDR is aligned to the (clamped) table size: 2^(32 + 6) bytes. */
    e.fetch = (base & ~((1ull << 38) - 1)) + 0xFFFFFFFFull * STE_SIZE;
    xt_expect_event(&x, &e);
    xt_fini(&x);
}

/* L1STD.Span above 11 (or above SPLIT + 1) is an invalid descriptor:
 * C_BAD_STREAMID, no L2 fetch. */
TEST(hostile_l1std_span_too_large)
{
    struct vsmmu_config c;
    struct xt x;
    struct xev e = { .type = EVT_C_BAD_STREAMID, .sid = 0x105 };
    uint64_t l2 = RAM + 0x200000;

    cfg_big_sids(&c);
    xt_init(&x, &c, NULL);
    CHECK(x.g.two_level);
    for (unsigned span = 12; span < 32; span++) {
        tb_w64(&x.tb, x.g.strtab + (0x105u >> x.g.split) * L1STD_SIZE,
               l2 | fld_set(0, L1STD_SPAN, span));
        CHECK_EQ(guest_cfgi_ste(&x.g, 0x105), 0);
        CHECK_FAULT(xt_tr(&x, 0x105, VSMMU_NO_SSID, 0, VSMMU_ACC_READ), EVT_C_BAD_STREAMID);
        xt_expect_event(&x, &e);
    }
    xt_fini(&x);
}

/* S1CDMax beyond SSIDSIZE is an ILLEGAL STE, whatever the CD table. */
TEST(hostile_s1cdmax_above_ssidsize)
{
    struct vsmmu_config c;
    struct xt x;
    struct xev e = { .type = EVT_C_BAD_STE, .sid = 3, .ssv = true, .ssid = 0xFFFFF };
    uint64_t ste[8];

    vsmmu_config_default(&c);
    c.ssidsize = 20;
    xt_init(&x, &c, NULL);
    ste_s1(ste, RAM + 0x10000);
    st_set(ste, STE_S1CDMAX, 31);
    guest_write_ste(&x.g, 3, ste);
    CHECK_FAULT(xt_tr(&x, 3, 0xFFFFF, 0, VSMMU_ACC_READ), EVT_C_BAD_STE);
    xt_expect_event(&x, &e);
    xt_fini(&x);
}

/* CFGI_ALL with 32-bit StreamIDs drops the configuration of the lowest and
 * the highest StreamID, and says so for all 2^32 StreamIDs. */
TEST(hostile_cfgi_all_full_sid_space)
{
    struct vsmmu_config c;
    struct xt x;
    uint64_t ste[8], cmd[2], l1 = RAM, l2a = RAM + 0x10000, l2b = RAM + 0x20000;
    uint32_t cr0;

    cfg_big_sids(&c);
    xt_init(&x, &c, NULL);
    vsmmu_set_inval_notifier(x.tb.s, record_inval, NULL);
    /* A 2-level table for 2^32 StreamIDs (SPLIT 10): L1 at the start of RAM,
     * only the first and the last L1 descriptors valid. */
    cr0 = tb_readl(&x.tb, R_CR0);
    tb_writel(&x.tb, R_CR0, cr0 & ~(uint32_t)fld_mask(CR0_SMMUEN));
    tb_writeq(&x.tb, R_STRTAB_BASE, l1);
    tb_writel(&x.tb, R_STRTAB_BASE_CFG,
              (uint32_t)(fld_set(0, STRTAB_CFG_FMT, STRTAB_FMT_2LVL) |
                         fld_set(0, STRTAB_CFG_SPLIT, 10) | fld_set(0, STRTAB_CFG_LOG2SIZE, 32)));
    tb_writel(&x.tb, R_CR0, cr0);
    tb_w64(&x.tb, l1, l2a | 11);
    tb_w64(&x.tb, l1 + (0xFFFFFFFFull >> 10) * L1STD_SIZE, l2b | 11);
    bypass_ste(ste);
    for (unsigned i = 0; i < 8; i++) {
        tb_w64(&x.tb, l2a + 8 * i, ste[i]);
        tb_w64(&x.tb, l2b + 1023 * STE_SIZE + 8 * i, ste[i]);
    }
    CHECK_OK(xt_tr(&x, 0, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x1000, 1ull << 48);
    CHECK_OK(xt_tr(&x, 0xFFFFFFFFu, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x1000, 1ull << 48);
    CHECK_EQ(vsmmu_xlate_cfg_count(x.tb.s), 2);

    guest_cmd_op(cmd, OP_CFGI_STE_RANGE);
    st_set(cmd, CMD_SID, 0xFFFFFFFFu);
    st_set(cmd, CMD_RANGE, CFGI_RANGE_ALL);
    xt_cmd(&x, cmd);
    CHECK_EQ(vsmmu_xlate_cfg_count(x.tb.s), 0);
    CHECK_EQ(inv_kind, VSMMU_INVAL_STREAM);
    CHECK_EQ(inv_sid, 0);
    CHECK_EQ(inv_num, 1ull << 32);

    /* Range 30 around the top StreamID: the upper half only. */
    CHECK_OK(xt_tr(&x, 0, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x1000, 1ull << 48);
    CHECK_OK(xt_tr(&x, 0xFFFFFFFFu, VSMMU_NO_SSID, 0x1000, VSMMU_ACC_READ), 0x1000, 1ull << 48);
    st_set(cmd, CMD_RANGE, 30);
    xt_cmd(&x, cmd);
    CHECK_EQ(vsmmu_xlate_cfg_count(x.tb.s), 1);
    CHECK_EQ(inv_sid, 0x80000000u);
    CHECK_EQ(inv_num, 0x80000000u);
    xt_fini(&x);
}

/* A stage-1 stream mapping a 4K page at @va (4K granule, 48-bit VA). */
static void s1_page(struct xt *x, struct pt *p, uint32_t sid, uint64_t va, uint64_t oa)
{
    uint64_t cd[8];

    pt_new(p, x, 12, 0, 48, 0);
    cd_make(cd, p->root, 16, 0, 1);
    st_set(cd, CD_EPD1, 0);
    st_set(cd, CD_T1SZ, 16);
    st_set(cd, CD_TG1, 2);
    cd[2] |= p->root & fld_mask(55, 4);
    xt_s1_stream(x, sid, cd);
    pt_set(p, va, 3, s1_leaf(3, oa, 0), 0);
}

/* The largest range a TLBI can encode for the 4K granule (NUM = SCALE = 31:
 * 2^48 bytes), also at the top of the address space: entries are dropped
 * and the notified range does not wrap. */
TEST(hostile_tlbi_range_whole_space)
{
    struct xt x;
    struct pt p;
    uint64_t cmd[2], top = 0xFFFFFFFFFFFFF000ull;

    xt_init(&x, NULL, NULL);
    vsmmu_set_inval_notifier(x.tb.s, record_inval, NULL);
    s1_page(&x, &p, 1, top, RAM + 0x300000);
    pt_set(&p, 0x5000, 3, s1_leaf(3, RAM + 0x301000, 0), 0);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, top + 8, VSMMU_ACC_READ), RAM + 0x300008, 0x1000);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x5008, VSMMU_ACC_READ), RAM + 0x301008, 0x1000);
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), 2);

    guest_cmd_op(cmd, OP_TLBI_NH_VA);
    st_set(cmd, CMD_ASID, 1);
    st_set(cmd, CMD_TG, 1);
    st_set(cmd, CMD_NUM, 31);
    st_set(cmd, CMD_SCALE, 31);
    st_set(cmd, CMD_ADDR, 0x5000 >> 12);
    xt_cmd(&x, cmd);
    CHECK_EQ(inv_kind, VSMMU_INVAL_RANGE);
    CHECK_EQ(inv_addr, 0x5000);
    CHECK_EQ(inv_size, 1ull << 48);
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), 1);     /* the top page is outside */

    /* The same at the last page: the range is clipped at 2^64. */
    st_set(cmd, CMD_ADDR, top >> 12);
    xt_cmd(&x, cmd);
    CHECK_EQ(inv_addr, top);
    CHECK_EQ(inv_size, 0x1000);
    CHECK_EQ(vsmmu_xlate_tlb_count(x.tb.s), 0);
    xt_fini(&x);
}

/* Stage-1 tables whose table descriptors point back at their own table at
 * every level: the walk is bounded by the levels and ends in an
 * architected outcome (here the level-3 "page" is the table itself, with
 * AF = 0: F_ACCESS). */
TEST(hostile_self_referencing_stage1)
{
    struct xt x;
    struct pt p;
    struct xev e = { .type = EVT_F_ACCESS, .sid = 2, .rnw = true, .class_ = EVT_CLASS_IN };
    uint64_t cd[8];

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    cd_make(cd, p.root, 16, 0, 4);
    xt_s1_stream(&x, 2, cd);
    tb_w64(&x.tb, p.root, p.root | 3);
    CHECK_FAULT(xt_tr(&x, 2, VSMMU_NO_SSID, 0, VSMMU_ACC_READ), EVT_F_ACCESS);
    xt_expect_event(&x, &e);
    /* With AF set in the looping descriptor the "page" is the table. */
    tb_w64(&x.tb, p.root, p.root | 3 | fld_mask(PTE_AF) | fld_set(0, PTE_AP, 1));
    CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
    CHECK_OK(xt_tr(&x, 2, VSMMU_NO_SSID, 0x10, VSMMU_ACC_READ), p.root + 0x10, 0x1000);
    xt_expect_no_event(&x);
    xt_fini(&x);
}
