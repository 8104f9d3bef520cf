// SPDX-License-Identifier: MIT
/* Event records (encoders) and the event queue. */
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "testbed.h"

/* ---- encoders: positions checked against docs/spec-notes.md §4.2 with
 * literal bit numbers (an independent oracle). ---------------------------- */

static struct vsmmu_event full_event(uint8_t type)
{
    struct vsmmu_event ev = {
        .type = type, .ssv = true, .ssid = 0x12345, .sid = 0xabcdef01, .stall = true,
        .stag = 0x5a5a, .pnu = true, .ind = true, .rnw = true, .s2 = true,
        .class_ = EVT_CLASS_IN, .ttrnw = true, .input_addr = 0x1122334455667788ull,
        .ipa = 0x0000123456789abcull, .fetch_addr = 0x00fedcba98765438ull, .reason = 0x77,
        .ats_span = 9, .ats_r = true, .ats_w = true, .ats_x = true, .ats_p = true,
    };
    return ev;
}

#define DW0_COMMON(type) ((uint64_t)(type) | 1ull << 11 | 0x12345ull << 12 | 0xabcdef01ull << 32)
#define DW1_STALL (0x5a5aull | 1ull << 31)
#define DW1_PNU_IND_RNW (1ull << 33 | 1ull << 34 | 1ull << 35)
#define DW1_S2 (1ull << 39)
#define DW1_CLASS(c) ((uint64_t)(c) << 40)

static void check_rec(uint8_t type, const struct vsmmu_event *ev, uint64_t d0, uint64_t d1,
                      uint64_t d2, uint64_t d3)
{
    uint64_t rec[4];
    memset(rec, 0xa5, sizeof(rec));
    vsmmu_event_encode(ev, rec);
    CHECK_MSG(rec[0] == d0, "type 0x%02x dw0 0x%016llx != 0x%016llx", type,
              (unsigned long long)rec[0], (unsigned long long)d0);
    CHECK_MSG(rec[1] == d1, "type 0x%02x dw1 0x%016llx != 0x%016llx", type,
              (unsigned long long)rec[1], (unsigned long long)d1);
    CHECK_MSG(rec[2] == d2, "type 0x%02x dw2 0x%016llx != 0x%016llx", type,
              (unsigned long long)rec[2], (unsigned long long)d2);
    CHECK_MSG(rec[3] == d3, "type 0x%02x dw3 0x%016llx != 0x%016llx", type,
              (unsigned long long)rec[3], (unsigned long long)d3);
}

TEST(encode_translation_faults)
{
    static const uint8_t types[] = { EVT_F_TRANSLATION, EVT_F_ADDR_SIZE, EVT_F_ACCESS };
    for (unsigned i = 0; i < sizeof(types); i++) {
        struct vsmmu_event ev = full_event(types[i]);
        check_rec(types[i], &ev, DW0_COMMON(types[i]),
                  DW1_STALL | DW1_PNU_IND_RNW | DW1_S2 | DW1_CLASS(2),
                  0x1122334455667788ull, 0x0000123456789000ull);
        /* Stage-1 fault: IPA not written. */
        ev.s2 = false;
        check_rec(types[i], &ev, DW0_COMMON(types[i]),
                  DW1_STALL | DW1_PNU_IND_RNW | DW1_CLASS(2), 0x1122334455667788ull, 0);
        /* No stall: no STAG. */
        ev.stall = false;
        check_rec(types[i], &ev, DW0_COMMON(types[i]), DW1_PNU_IND_RNW | DW1_CLASS(2),
                  0x1122334455667788ull, 0);
    }
}

TEST(encode_permission_with_ttrnw)
{
    struct vsmmu_event ev = full_event(EVT_F_PERMISSION);
    ev.class_ = EVT_CLASS_TT;
    check_rec(EVT_F_PERMISSION, &ev, DW0_COMMON(0x13),
              DW1_STALL | DW1_PNU_IND_RNW | DW1_S2 | DW1_CLASS(1) | 1ull << 44,
              0x1122334455667788ull, 0x0000123456789000ull);
    ev.class_ = EVT_CLASS_IN;   /* TTRnW only for CLASS = TT */
    check_rec(EVT_F_PERMISSION, &ev, DW0_COMMON(0x13),
              DW1_STALL | DW1_PNU_IND_RNW | DW1_S2 | DW1_CLASS(2),
              0x1122334455667788ull, 0x0000123456789000ull);
}

TEST(encode_ind_zero_for_writes)
{
    struct vsmmu_event ev = full_event(EVT_F_TRANSLATION);
    ev.rnw = false;
    ev.s2 = false;
    ev.stall = false;
    check_rec(EVT_F_TRANSLATION, &ev, DW0_COMMON(0x10), 1ull << 33 | DW1_CLASS(2),
              0x1122334455667788ull, 0);
}

TEST(encode_walk_eabt)
{
    struct vsmmu_event ev = full_event(EVT_F_WALK_EABT);
    ev.class_ = EVT_CLASS_TT;
    /* No Stall/STAG; FetchAddr[55:3] in dw3. */
    check_rec(EVT_F_WALK_EABT, &ev, DW0_COMMON(0x0b),
              DW1_PNU_IND_RNW | DW1_S2 | DW1_CLASS(1), 0x1122334455667788ull,
              0x00fedcba98765438ull);
}

TEST(encode_fetch_faults_put_address_in_dw3)
{
    static const uint8_t types[] = { EVT_F_STE_FETCH, EVT_F_CD_FETCH, EVT_F_VMS_FETCH };
    for (unsigned i = 0; i < sizeof(types); i++) {
        struct vsmmu_event ev = full_event(types[i]);
        ev.fetch_addr = 0x40001237;   /* low 3 bits RES0 */
        check_rec(types[i], &ev, DW0_COMMON(types[i]), 0, 0, 0x40001230);
    }
}

TEST(encode_configuration_errors)
{
    static const uint8_t types[] = { EVT_C_BAD_STREAMID, EVT_C_BAD_STE, EVT_C_BAD_CD,
                                     EVT_F_STREAM_DISABLED, EVT_F_CFG_CONFLICT };
    for (unsigned i = 0; i < sizeof(types); i++) {
        struct vsmmu_event ev = full_event(types[i]);
        check_rec(types[i], &ev, DW0_COMMON(types[i]), 0, 0, 0);
        ev.ssv = false;
        check_rec(types[i], &ev, (uint64_t)types[i] | 0xabcdef01ull << 32, 0, 0, 0);
    }
}

TEST(encode_bad_substreamid_has_no_ssv)
{
    struct vsmmu_event ev = full_event(EVT_C_BAD_SUBSTREAMID);
    ev.ssv = false;
    check_rec(EVT_C_BAD_SUBSTREAMID, &ev, 0x08 | 0x12345ull << 12 | 0xabcdef01ull << 32, 0, 0, 0);
}

TEST(encode_uut_forbidden_tlb_conflict_page_request)
{
    struct vsmmu_event ev = full_event(EVT_F_UUT);
    check_rec(EVT_F_UUT, &ev, DW0_COMMON(0x01), DW1_PNU_IND_RNW, 0x1122334455667788ull, 0);
    ev = full_event(EVT_F_TRANSL_FORBIDDEN);
    check_rec(EVT_F_TRANSL_FORBIDDEN, &ev, DW0_COMMON(0x07), 1ull << 35,
              0x1122334455667788ull, 0);
    ev = full_event(EVT_F_TLB_CONFLICT);
    check_rec(EVT_F_TLB_CONFLICT, &ev, DW0_COMMON(0x20), DW1_PNU_IND_RNW | DW1_S2,
              0x1122334455667788ull, 0x0000123456789000ull);
    ev = full_event(EVT_E_PAGE_REQUEST);
    check_rec(EVT_E_PAGE_REQUEST, &ev, DW0_COMMON(0x24), 0, 0x1122334455667788ull, 0);
}

TEST(encode_bad_ats_treq)
{
    struct vsmmu_event ev = full_event(EVT_F_BAD_ATS_TREQ);
    check_rec(EVT_F_BAD_ATS_TREQ, &ev, DW0_COMMON(0x05),
              9ull | 1ull << 28 | 1ull << 29 | 1ull << 30 | 1ull << 31,
              0x1122334455667000ull, 0);
}

TEST(event_names)
{
    static const struct { uint8_t t; const char *n; } names[] = {
        { 0x01, "F_UUT" }, { 0x02, "C_BAD_STREAMID" }, { 0x03, "F_STE_FETCH" },
        { 0x04, "C_BAD_STE" }, { 0x05, "F_BAD_ATS_TREQ" }, { 0x06, "F_STREAM_DISABLED" },
        { 0x07, "F_TRANSL_FORBIDDEN" }, { 0x08, "C_BAD_SUBSTREAMID" }, { 0x09, "F_CD_FETCH" },
        { 0x0a, "C_BAD_CD" }, { 0x0b, "F_WALK_EABT" }, { 0x10, "F_TRANSLATION" },
        { 0x11, "F_ADDR_SIZE" }, { 0x12, "F_ACCESS" }, { 0x13, "F_PERMISSION" },
        { 0x20, "F_TLB_CONFLICT" }, { 0x21, "F_CFG_CONFLICT" }, { 0x24, "E_PAGE_REQUEST" },
        { 0x25, "F_VMS_FETCH" },
    };
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        CHECK(vsmmu_event_name(names[i].t) != NULL);
        CHECK_MSG(strcmp(vsmmu_event_name(names[i].t), names[i].n) == 0, "0x%02x", names[i].t);
    }
    CHECK(vsmmu_event_name(0) == NULL);
    CHECK(vsmmu_event_name(0x0c) == NULL);
    CHECK(vsmmu_event_name(0xff) == NULL);
}

/* ---- the queue ---------------------------------------------------------- */

static void env(struct testbed *tb, struct guest *g, unsigned evtq_log2, uint32_t flags)
{
    struct vsmmu_config cfg;
    struct guest_opts o = { .evtq_log2 = evtq_log2 };
    vsmmu_config_default(&cfg);
    cfg.flags = flags;
    tb_init(tb, &cfg);
    guest_init(g, tb, &o);
    tb_clear_irqs(tb);
    tb_clear_logs(tb);
}

static enum vsmmu_evq_result push(struct testbed *tb, uint32_t sid)
{
    struct vsmmu_event ev = { .type = EVT_C_BAD_STE, .sid = sid };
    return vsmmu_event_record(tb->s, &ev);
}

static struct vsmmu_stats stats(struct testbed *tb)
{
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    vsmmu_get_stats(tb->s, &st);
    return st;
}

TEST(eventq_record_written_and_prod_advanced)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t rec[4];
    env(&tb, &g, 0, 0);
    CHECK_EQ(push(&tb, 7), EVQ_WRITTEN);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 1);
    CHECK_EQ(tb_r64(&tb, g.evtq), EVT_C_BAD_STE | 7ull << 32);
    CHECK(guest_pop_event(&g, rec));
    CHECK_EQ(rec[0], EVT_C_BAD_STE | 7ull << 32);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_CONS), 1);
    CHECK(!guest_pop_event(&g, rec));
    CHECK_EQ(stats(&tb).events, 1);
    CHECK_EQ(stats(&tb).events_dropped, 0);
    tb_fini(&tb);
}

TEST(eventq_disabled_drops)
{
    struct testbed tb = {0};
    struct guest g;
    env(&tb, &g, 0, 0);
    tb_writel(&tb, R_CR0, tb_readl(&tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    tb.mem_writes = 0;
    CHECK_EQ(push(&tb, 7), EVQ_DISABLED);
    CHECK_EQ(tb.mem_writes, 0);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0);
    CHECK_EQ(tb.nirqs, 0);
    CHECK_EQ(stats(&tb).events_dropped, 1);
    /* No overflow for records dropped while disabled. */
    CHECK_EQ(fld_get(tb_readl(&tb, R_EVENTQ_PROD), Q_OVFLG), 0);
    tb_fini(&tb);
}

TEST(eventq_wrap)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t rec[4];
    env(&tb, &g, 2, 0);   /* 4 records */
    for (uint32_t i = 0; i < 11; i++) {
        CHECK_EQ(push(&tb, i), EVQ_WRITTEN);
        CHECK(guest_pop_event(&g, rec));
        CHECK_EQ(rec[0] >> 32, i);
    }
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 11 & 7);   /* index 3, wrap 0 */
    tb_fini(&tb);
}

TEST(eventq_interrupt_on_empty_to_nonempty_only)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t rec[4];
    env(&tb, &g, 3, 0);
    CHECK_EQ(push(&tb, 1), EVQ_WRITTEN);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_EVENTQ), 1);
    CHECK_EQ(push(&tb, 2), EVQ_WRITTEN);
    CHECK_EQ(push(&tb, 3), EVQ_WRITTEN);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_EVENTQ), 1);
    /* Consume one: still non-empty, a new record does not interrupt. */
    CHECK(guest_pop_event(&g, rec));
    CHECK_EQ(push(&tb, 4), EVQ_WRITTEN);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_EVENTQ), 1);
    /* Drain: the next record interrupts again. */
    while (guest_pop_event(&g, rec))
        ;
    CHECK_EQ(push(&tb, 5), EVQ_WRITTEN);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_EVENTQ), 2);
    tb_fini(&tb);
}

TEST(eventq_interrupt_gated_by_irq_ctrl)
{
    struct testbed tb = {0};
    struct guest g;
    env(&tb, &g, 3, 0);
    tb_writel(&tb, R_IRQ_CTRL, (uint32_t)fld_mask(IRQ_CTRL_GERROR_IRQEN));
    CHECK_EQ(push(&tb, 1), EVQ_WRITTEN);
    CHECK_EQ(tb.nirqs, 0);
    tb_fini(&tb);
}

TEST(eventq_full_toggles_ovflg_and_drops)
{
    struct testbed tb = {0};
    struct guest g;
    uint64_t rec[4];
    env(&tb, &g, 1, 0);   /* 2 records */
    CHECK_EQ(push(&tb, 1), EVQ_WRITTEN);
    CHECK_EQ(push(&tb, 2), EVQ_WRITTEN);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 2);   /* full: index 0, wrap 1 */
    tb.mem_writes = 0;
    CHECK_EQ(push(&tb, 3), EVQ_OVERFLOW);
    CHECK_EQ(tb.mem_writes, 0);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0x80000002);
    CHECK_EQ(guest_gerror_active(&g), 0);     /* not GERROR (QEMU's bug) */
    /* Already flagged: a second loss does not toggle again. */
    CHECK_EQ(push(&tb, 4), EVQ_OVERFLOW);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0x80000002);
    CHECK_EQ(stats(&tb).events_dropped, 2);
    /* Recording resumes when space frees, even before the acknowledge. */
    tb_writel(&tb, R_EVENTQ_CONS, 1);          /* OVACKFLG still 0 */
    CHECK_EQ(push(&tb, 5), EVQ_WRITTEN);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0x80000003);
    CHECK_EQ(push(&tb, 6), EVQ_OVERFLOW);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0x80000003);   /* still flagged once */
    /* Acknowledge (OVACKFLG = OVFLG) with the CONS update; overflow again toggles back. */
    CHECK(guest_pop_event(&g, rec));
    CHECK(guest_pop_event(&g, rec));
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_CONS), 0x80000003);
    CHECK_EQ(push(&tb, 7), EVQ_WRITTEN);
    CHECK_EQ(push(&tb, 8), EVQ_WRITTEN);
    CHECK_EQ(push(&tb, 9), EVQ_OVERFLOW);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0x00000001);
    tb_fini(&tb);
}

TEST(eventq_full_qemu_compat_raises_eventq_abt_err)
{
    struct testbed tb = {0};
    struct guest g;
    env(&tb, &g, 1, VSMMU_FLAG_QEMU_EVENTQ_FULL);   /* 2 records */
    CHECK_EQ(push(&tb, 1), EVQ_WRITTEN);
    CHECK_EQ(push(&tb, 2), EVQ_WRITTEN);
    CHECK_EQ(push(&tb, 3), EVQ_OVERFLOW);
    CHECK_EQ(fld_get(tb_readl(&tb, R_EVENTQ_PROD), Q_OVFLG), 0);
    CHECK_EQ(guest_gerror_active(&g), fld_mask(GERROR_EVENTQ_ABT_ERR));
    tb_fini(&tb);
}

TEST(eventq_write_abort_sets_eventq_abt_err)
{
    struct testbed tb = {0};
    struct guest g;
    env(&tb, &g, 3, 0);
    tb.abort_lo = g.evtq;
    tb.abort_hi = g.evtq + 32;
    CHECK_EQ(push(&tb, 1), EVQ_ABORT);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0);   /* not advanced */
    CHECK_EQ(guest_gerror_active(&g), fld_mask(GERROR_EVENTQ_ABT_ERR));
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_GERROR), 1);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_EVENTQ), 0);
    /* Unwritable until acknowledged, even with the memory back. */
    tb.abort_lo = tb.abort_hi = 0;
    CHECK_EQ(push(&tb, 2), EVQ_UNWRITABLE);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0);
    guest_gerror_ack(&g);
    CHECK_EQ(push(&tb, 3), EVQ_WRITTEN);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 1);
    CHECK_EQ(stats(&tb).events_dropped, 2);
    tb_fini(&tb);
}

TEST(eventq_in_unbacked_memory)
{
    struct testbed tb = {0};
    struct guest g;
    env(&tb, &g, 3, 0);
    tb_writel(&tb, R_CR0, tb_readl(&tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    tb_writeq(&tb, R_EVENTQ_BASE, 0x2000 | 3);
    tb_writel(&tb, R_CR0, tb_readl(&tb, R_CR0) | (uint32_t)fld_mask(CR0_EVENTQEN));
    CHECK_EQ(push(&tb, 1), EVQ_ABORT);
    CHECK_EQ(guest_gerror_active(&g), fld_mask(GERROR_EVENTQ_ABT_ERR));
    tb_fini(&tb);
}

TEST(eventq_msi)
{
    struct testbed tb = {0};
    struct guest g;
    guest_init_msi(&g, &tb);
    tb_clear_irqs(&tb);
    CHECK_EQ(push(&tb, 1), EVQ_WRITTEN);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_EVENTQ), 1);
    CHECK_EQ(tb.msi_count, 1);
    CHECK_EQ(tb.irqs[1].addr, GUEST_MSI_EVENTQ_ADDR);
    CHECK_EQ(tb.irqs[1].data, GUEST_MSI_EVENTQ_DATA);
    CHECK_EQ(tb_r32(&tb, GUEST_MSI_EVENTQ_ADDR), GUEST_MSI_EVENTQ_DATA);
    tb_fini(&tb);
}

TEST(eventq_msi_abort_sets_msi_eventq_abt_err)
{
    struct testbed tb = {0};
    struct guest g;
    env(&tb, &g, 3, 0);
    tb_writel(&tb, R_IRQ_CTRL, 0);
    tb_writeq(&tb, R_EVENTQ_IRQ_CFG0, 0x3000);   /* not RAM */
    tb_writel(&tb, R_IRQ_CTRL, (uint32_t)(fld_mask(IRQ_CTRL_EVENTQ_IRQEN) |
                                          fld_mask(IRQ_CTRL_GERROR_IRQEN)));
    CHECK_EQ(push(&tb, 1), EVQ_WRITTEN);   /* the record itself is fine */
    CHECK_EQ(guest_gerror_active(&g), fld_mask(GERROR_MSI_EVENTQ_ABT_ERR));
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_GERROR), 1);
    tb_fini(&tb);
}

TEST(eventq_flag_overflow_for_host_loss)
{
    struct testbed tb = {0};
    struct guest g;
    env(&tb, &g, 3, 0);
    vsmmu_lock_plain(tb.s);
    vsmmu_eventq_flag_overflow(tb.s);
    vsmmu_eventq_flag_overflow(tb.s);   /* already flagged: no second toggle */
    vsmmu_unlock(tb.s);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0x80000000);
    tb_writel(&tb, R_EVENTQ_CONS, 0x80000000);   /* acknowledge */
    vsmmu_lock_plain(tb.s);
    vsmmu_eventq_flag_overflow(tb.s);
    vsmmu_unlock(tb.s);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0);
    tb_fini(&tb);
}

static void cfg_evq2(struct vsmmu_config *c) { c->eventqs = 1; }

TEST(eventq_log2size_clamped)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    vsmmu_config_default(&cfg);
    cfg_evq2(&cfg);
    tb_init(&tb, &cfg);
    tb_writeq(&tb, R_EVENTQ_BASE, (TB_RAM_BASE + 0x10000) | 8);   /* 256 asked, 2 given */
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_EVENTQEN));
    CHECK_EQ(push(&tb, 1), EVQ_WRITTEN);
    CHECK_EQ(push(&tb, 2), EVQ_WRITTEN);
    CHECK_EQ(push(&tb, 3), EVQ_OVERFLOW);
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD), 0x80000002);
    tb_fini(&tb);
}

TEST(eventq_record_locked_variant)
{
    struct testbed tb = {0};
    struct guest g;
    struct vsmmu_event ev = { .type = EVT_F_TRANSLATION, .sid = 3, .input_addr = 0x1000 };
    uint64_t rec[4];
    env(&tb, &g, 3, 0);
    vsmmu_lock_plain(tb.s);
    CHECK_EQ(vsmmu_event_record_locked(tb.s, &ev), EVQ_WRITTEN);
    vsmmu_unlock(tb.s);
    CHECK(guest_pop_event(&g, rec));
    CHECK_EQ(rec[0] & 0xff, EVT_F_TRANSLATION);
    CHECK_EQ(rec[2], 0x1000);
    tb_fini(&tb);
}

/* Threading model: MMIO and event recording from several threads. */
struct thr_arg {
    struct testbed *tb;
    unsigned n;
};

static void *recorder(void *p)
{
    struct thr_arg *a = p;
    for (unsigned i = 0; i < a->n; i++) {
        struct vsmmu_event ev = { .type = EVT_F_TRANSLATION, .sid = i };
        uint64_t v;
        vsmmu_event_record(a->tb->s, &ev);
        vsmmu_mmio_read(a->tb->s, R_EVENTQ_PROD, 4, &v);
        vsmmu_mmio_write(a->tb->s, R_CR2, 4, i & 2);   /* guarded: ignored */
    }
    return NULL;
}

TEST(eventq_concurrent_records_and_mmio)
{
    struct testbed tb = {0};
    struct guest g;
    pthread_t th[4];
    struct thr_arg a = { &tb, 500 };
    uint64_t rec[4];
    unsigned popped = 0;
    env(&tb, &g, 12, 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, recorder, &a), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    while (guest_pop_event(&g, rec)) {
        CHECK_EQ(rec[0] & 0xff, EVT_F_TRANSLATION);
        popped++;
    }
    CHECK_EQ(popped, 2000);
    CHECK_EQ(stats(&tb).events, 2000);
    CHECK_EQ(tb_count_irq(&tb, VSMMU_IRQ_EVENTQ), 1);
    tb_fini(&tb);
}

/* Hostile indexes: garbage CONS never makes the model write outside the
 * queue, and the record lands at PROD's slot. */
TEST(eventq_garbage_cons_stays_inside_queue)
{
    struct testbed tb = {0};
    uint64_t q = TB_RAM_BASE + 0x10000;
    struct vsmmu_event ev = { .type = EVT_C_BAD_STE, .sid = 9 };
    uint8_t guard[256];
    tb_init(&tb, NULL);
    memset(tb.ram + (q - TB_RAM_BASE) - 256, 0xcc, 256);
    memset(tb.ram + (q - TB_RAM_BASE) + 128, 0xcc, 256);
    tb_writeq(&tb, R_EVENTQ_BASE, q | 2);            /* 4 records, 128 bytes */
    tb_writel(&tb, R_EVENTQ_CONS, 0x7ffff);          /* index 3, wrap 1, junk above */
    tb_writel(&tb, R_EVENTQ_PROD, 0xfff02);          /* index 2, junk above */
    tb_writel(&tb, R_CR0, (uint32_t)fld_mask(CR0_EVENTQEN));
    for (int i = 0; i < 8; i++)
        vsmmu_event_record(tb.s, &ev);
    tb_read(&tb, q - 256, guard, 256);
    for (int i = 0; i < 256; i++)
        CHECK_EQ(guard[i], 0xcc);
    tb_read(&tb, q + 128, guard, 256);
    for (int i = 0; i < 256; i++)
        CHECK_EQ(guard[i], 0xcc);
    CHECK_EQ(tb_r64(&tb, q + 2 * 32), EVT_C_BAD_STE | 9ull << 32);
    /* PROD 2 -> 3 -> (full against CONS 7 = index 3 wrap 1) */
    CHECK_EQ(tb_readl(&tb, R_EVENTQ_PROD) & 0x7, 3);
    CHECK_EQ(fld_get(tb_readl(&tb, R_EVENTQ_PROD), Q_OVFLG), 1);
    tb_fini(&tb);
}
