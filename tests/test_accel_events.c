// SPDX-License-Identifier: MIT
/*
 * Accel mode: host events through the vEVENTQ into the guest's event queue
 * (docs/accel.md rules 14-24): byte-exact delivery with the interrupt,
 * several records per read, lost-events headers, sequence gaps, the 2^31
 * wrap, malformed records, a full or disabled guest queue, counters.
 */
#include "test_accel.h"

/* One device (vSID @vsid) on a nested HWPT, the guest's event queue of
 * 2^@evtq_log2 records enabled (the vEVENTQ has the same depth). */
static void setup_cfg(struct at *x, const struct vsmmu_config *cfg, uint32_t vsid,
                      const struct guest_opts *o)
{
    uint64_t ste[8];

    at_init(x, cfg, 1);
    guest_init(&x->g, &x->tb, o);
    CHECK_EQ(at_attach(x, 0, vsid), 0);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x->g, vsid, ste);
    tb_clear_irqs(&x->tb);
}

static void setup(struct at *x, uint32_t vsid, const struct guest_opts *o)
{
    setup_cfg(x, NULL, vsid, o);
}

static void inject(struct at *x, uint8_t type, uint8_t salt)
{
    uint8_t rec[32];
    at_host_rec(rec, type, 0x8000000ull + 0x1000ull * salt, salt);
    CHECK_EQ(vsmmu_sim_host_event(x->sim, x->dev[0].dev_id, rec), 1);
}

static uint32_t veventq_id(void)
{
    return ac_last(AC_VEVQ)->out;
}

static bool ovflg(struct at *x)
{
    return fld_get(tb_readl(&x->tb, R_EVENTQ_PROD), Q_OVFLG) != 0;
}

/* docs/accel.md rules 19 and 21: the record arrives byte for byte (the host put the vSID
 * in the StreamID field), PROD advances, the interrupt fires. */
TEST(accel_event_delivered_byte_exact_with_irq)
{
    struct at x;
    uint8_t host[32], guest_bytes[32];
    uint64_t rec[4], expect[4];
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint32_t prod;

    setup(&x, 0x2a, NULL);
    at_host_rec(host, EVT_F_PERMISSION, 0xdead0000beef000ull, 7);
    /* Every payload byte distinct, fields the kernel passes unchanged. */
    for (unsigned i = 8; i < 32; i++)
        host[i] = (uint8_t)(0x40 + i);
    host[13] &= 0x7f;   /* no stall */
    host[12] &= 0x7f;   /* not stage 2 (bit 103 is byte 12 bit 7) */
    CHECK_EQ(vsmmu_sim_host_event(x.sim, x.dev[0].dev_id, host), 1);
    prod = tb_readl(&x.tb, R_EVENTQ_PROD);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s) >= 0, 1);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    CHECK_EQ(tb_readl(&x.tb, R_EVENTQ_PROD), q_inc(prod, x.g.evtq_log2));
    tb_read(&x.tb, x.g.evtq + (uint64_t)q_index(prod, x.g.evtq_log2) * EVT_SIZE,
            guest_bytes, 32);
    for (unsigned i = 0; i < 4; i++)
        expect[i] = vsmmu_le64(host + 8 * i);
    st_set(expect, EVT_SID, 0x2a);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(vsmmu_le64(guest_bytes + 8 * i), expect[i]);
    CHECK(guest_pop_event(&x.g, rec));
    CHECK_EQ(tb_count_irq(&x.tb, VSMMU_IRQ_EVENTQ), 1);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.delivered, 1);
    CHECK_EQ(st.host_lost, 0);
    CHECK_EQ(st.dropped, 0);
    /* Drained: nothing more. */
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 0);
    at_fini(&x);
}

TEST(accel_event_interrupt_as_msi)
{
    struct at x;

    setup(&x, 3, &(struct guest_opts){ .msi = true });
    inject(&x, EVT_F_TRANSLATION, 1);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    CHECK_EQ(tb_r32(&x.tb, GUEST_MSI_EVENTQ_ADDR), GUEST_MSI_EVENTQ_DATA);
    at_fini(&x);
}

/* Reads of the vEVENTQ since the log was reset. */
static unsigned vevq_reads(void)
{
    unsigned reads = 0;

    for (unsigned i = 0; i < ac_log.n; i++)
        reads += ac_log.calls[i].kind == AC_READ;
    return reads;
}

/* docs/accel.md rule 14: everything readable is drained, several records
 * per read; a read that left room for another record took all there was,
 * so 20 records (800 bytes) take one read, not a second one to see the
 * queue empty. */
TEST(accel_events_drained_several_per_read)
{
    struct at x;
    uint64_t rec[4];

    setup(&x, 5, NULL);
    for (unsigned i = 0; i < 20; i++)
        inject(&x, EVT_F_TRANSLATION, (uint8_t)i);
    ac_reset_log();
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 20);
    CHECK_EQ(vevq_reads(), 1);
    CHECK(ac_last(AC_READ)->c >= 20 * 40);
    CHECK_EQ(ac_last(AC_READ)->rc, 20 * 40);
    for (unsigned i = 0; i < 20; i++) {
        CHECK(guest_pop_event(&x.g, rec));
        CHECK_EQ(rec[2], 0x8000000ull + 0x1000ull * i);   /* in order */
    }
    CHECK(!guest_pop_event(&x.g, rec));
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 0);   /* nothing was left */
    CHECK_EQ(ac_last(AC_READ)->rc, 0);
    /* one event, one read */
    inject(&x, EVT_F_TRANSLATION, 1);
    ac_reset_log();
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    CHECK_EQ(vevq_reads(), 1);
    at_fini(&x);
}

/* The boundary: a 4 KiB read holds 102 records (4080 bytes).  101 leave
 * room for another record: one read.  102 fill it but for 16 bytes, too
 * few for a record, so the next could have been left behind: read again. */
TEST(accel_events_full_read_reads_again)
{
    static const struct { unsigned n, reads; long last; } c[] = {
        { 101, 1, 101 * 40 }, { 102, 2, 0 }, { 103, 2, 40 },
    };
    struct at x;

    setup(&x, 8, &(struct guest_opts){ .evtq_log2 = 10 });
    for (unsigned k = 0; k < 3; k++) {
        for (unsigned i = 0; i < c[k].n; i++)
            inject(&x, EVT_F_TRANSLATION, (uint8_t)i);
        ac_reset_log();
        CHECK_EQ(vsmmu_accel_process_events(x.tb.s), (int)c[k].n);
        CHECK_EQ(vevq_reads(), c[k].reads);
        CHECK_EQ(ac_last(AC_READ)->rc, c[k].last);
    }
    CHECK_EQ(guest_pending_events(&x.g), 101 + 102 + 103);
    at_fini(&x);
}

/* docs/accel.md rule 16: a lost-events header: the loss is counted and EVENTQ_PROD.OVFLG
 * toggled; the next record continues from the header's sequence. */
TEST(accel_events_lost_header_counts_and_toggles_ovflg)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint64_t rec[4];

    setup(&x, 6, &(struct guest_opts){ .evtq_log2 = 2 });   /* vEVENTQ depth 4 */
    CHECK_EQ(ac_last(AC_VEVQ)->c, 4);
    for (unsigned i = 0; i < 7; i++) {      /* 4 queued, 3 lost */
        uint8_t r[32];
        at_host_rec(r, EVT_F_TRANSLATION, 0x1000ull * i, (uint8_t)i);
        vsmmu_sim_host_event(x.sim, x.dev[0].dev_id, r);
    }
    CHECK(!ovflg(&x));
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 4);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.delivered, 4);
    CHECK_EQ(st.host_lost, 3);
    CHECK(ovflg(&x));
    CHECK(tb_log_contains(&x.tb, "host lost 3 events"));
    /* The guest acknowledges the overflow while draining. */
    while (guest_pop_event(&x.g, rec))
        ;
    inject(&x, EVT_F_ACCESS, 9);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.host_lost, 3);
    CHECK_EQ(fld_get(tb_readl(&x.tb, R_EVENTQ_PROD), Q_OVFLG),
             fld_get(tb_readl(&x.tb, R_EVENTQ_CONS), Q_OVACKFLG));
    at_fini(&x);
}

/* docs/accel.md rule 18: a sequence gap is a loss of (seq - last - 1) mod 2^31. */
TEST(accel_events_sequence_gap_counted)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    setup(&x, 7, NULL);
    inject(&x, EVT_F_TRANSLATION, 0);                 /* seq 0 */
    CHECK_EQ(vsmmu_simx_set_seq(x.sim, veventq_id(), 10), 0);
    inject(&x, EVT_F_TRANSLATION, 1);                 /* seq 10: 9 lost */
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 2);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.host_lost, 9);
    CHECK_EQ(st.delivered, 2);
    CHECK(ovflg(&x));
    at_fini(&x);
}

/* docs/accel.md rule 18: the wrap 0x7fffffff -> 0 is not a loss; a gap across it is
 * counted modulo 2^31. */
TEST(accel_events_sequence_wrap_is_not_a_loss)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint64_t rec[4];
    uint64_t lost0;
    bool ov;

    setup(&x, 8, NULL);
    /* A fresh queue starts at 0: tracking starts as if 0x7fffffff had been
     * seen, so a first record at 0x7ffffffe counts as a (huge) gap. */
    CHECK_EQ(vsmmu_simx_set_seq(x.sim, veventq_id(), 0x7ffffffe), 0);
    inject(&x, EVT_F_TRANSLATION, 0);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    vsmmu_get_stats(x.tb.s, &st);
    lost0 = st.host_lost;
    CHECK_EQ(lost0, 0x7ffffffe);
    while (guest_pop_event(&x.g, rec))
        ;
    ov = ovflg(&x);
    inject(&x, EVT_F_TRANSLATION, 1);                 /* 0x7fffffff */
    inject(&x, EVT_F_TRANSLATION, 2);                 /* 0 */
    inject(&x, EVT_F_TRANSLATION, 3);                 /* 1 */
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 3);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.host_lost, lost0);
    CHECK_EQ(ovflg(&x), ov);
    /* 1 -> 0x7ffffffe -> (skip 0x7fffffff, 0) -> 1: two lost across the wrap. */
    CHECK_EQ(vsmmu_simx_set_seq(x.sim, veventq_id(), 0x7ffffffe), 0);
    inject(&x, EVT_F_TRANSLATION, 4);
    CHECK_EQ(vsmmu_simx_set_seq(x.sim, veventq_id(), 1), 0);
    inject(&x, EVT_F_TRANSLATION, 5);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 2);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.host_lost, lost0 + 0x7ffffffc + 2);
    at_fini(&x);
}

static long short_record_read(int fd, void *buf, size_t len)
{
    static int calls;
    uint8_t *b = buf;
    (void)fd;
    if (calls++ || len < 28)
        return 0;
    memset(b, 0, 28);
    b[8] = EVT_F_TRANSLATION;   /* a header, then 20 of the 32 bytes */
    return 28;
}

/* docs/accel.md rule 17: a short record is dropped with a diagnostic and no
 * guest effect. */
TEST(accel_events_malformed_record_dropped)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint32_t prod;

    setup(&x, 9, NULL);
    prod = tb_readl(&x.tb, R_EVENTQ_PROD);
    ac_log.read_override = short_record_read;
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 0);
    ac_log.read_override = NULL;
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.dropped, 1);
    CHECK_EQ(st.delivered, 0);
    CHECK_EQ(st.host_lost, 0);
    CHECK(tb_log_contains(&x.tb, "malformed"));
    CHECK_EQ(tb_readl(&x.tb, R_EVENTQ_PROD), prod);
    CHECK_EQ(tb_count_irq(&x.tb, VSMMU_IRQ_EVENTQ), 0);
    at_fini(&x);
}

static long eintr_then_empty(int fd, void *buf, size_t len)
{
    static int calls;
    (void)fd;
    (void)buf;
    (void)len;
    return calls++ == 0 ? -EINTR : -EAGAIN;
}

/* docs/accel.md rule 15: EINTR / EAGAIN / 0 change nothing. */
TEST(accel_events_empty_reads_change_nothing)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint32_t prod;

    setup(&x, 10, NULL);
    prod = tb_readl(&x.tb, R_EVENTQ_PROD);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 0);
    ac_log.read_override = eintr_then_empty;
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 0);
    ac_log.read_override = NULL;
    vsmmu_get_stats(x.tb.s, &st);
    CHECK(st.delivered == 0 && st.dropped == 0 && st.host_lost == 0);
    CHECK_EQ(tb_readl(&x.tb, R_EVENTQ_PROD), prod);
    CHECK_EQ(x.tb.nerrors, 0);
    at_fini(&x);
}

/* Architected full queue (vsmmu's choice): dropped, OVFLG toggled, no
 * GERROR; counted. */
TEST(accel_events_guest_queue_full_overflows)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint64_t rec[4];

    setup(&x, 11, &(struct guest_opts){ .evtq_log2 = 1 });
    inject(&x, EVT_F_TRANSLATION, 0);
    inject(&x, EVT_F_TRANSLATION, 1);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 2);
    inject(&x, EVT_F_TRANSLATION, 2);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.delivered, 2);
    CHECK_EQ(st.dropped, 1);
    CHECK_EQ(st.host_lost, 0);
    CHECK(ovflg(&x));
    CHECK_EQ(guest_gerror_active(&x.g) & fld_mask(GERROR_EVENTQ_ABT_ERR), 0);
    CHECK(guest_pop_event(&x.g, rec));
    CHECK_EQ(rec[2], 0x8000000ull);
    at_fini(&x);
}

/* docs/accel.md rule 23: EVENTQEN=0: dropped silently. */
TEST(accel_events_guest_queue_disabled_drops_silently)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint32_t prod;

    setup(&x, 12, NULL);
    tb_writel(&x.tb, R_CR0, tb_readl(&x.tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    prod = tb_readl(&x.tb, R_EVENTQ_PROD);
    tb_clear_irqs(&x.tb);
    inject(&x, EVT_F_TRANSLATION, 0);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.delivered, 0);
    CHECK_EQ(st.dropped, 1);
    CHECK_EQ(tb_readl(&x.tb, R_EVENTQ_PROD), prod);
    CHECK_EQ(x.tb.nirqs, 0);
    CHECK_EQ(guest_gerror_active(&x.g), 0);
    at_fini(&x);
}

/* Losses are reported, but not without bound: the first few, then a count
 * (the rate limit of every call site, docs/logging.md). */
TEST(accel_events_loss_reports_rate_limited)
{
    struct at x;
    unsigned before, n;
    uint64_t suppressed;

    setup(&x, 13, NULL);
    before = x.tb.nerrors;
    for (uint32_t i = 0; i < 40; i++) {
        CHECK_EQ(vsmmu_simx_set_seq(x.sim, veventq_id(), 3 * i + 2), 0);
        inject(&x, EVT_F_TRANSLATION, (uint8_t)i);
        CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    }
    /* 5 per second at most */
    CHECK(x.tb.nerrors - before >= 5);
    CHECK(x.tb.nerrors - before <= 10);
    /* the reset reports the rest: every loss is accounted for */
    vsmmu_reset(x.tb.s);
    n = tb_log_site(&x.tb, "accel: the host lost", &suppressed);
    CHECK_MSG(n + suppressed == 40, "%u delivered + %llu suppressed", n,
              (unsigned long long)suppressed);
    CHECK(suppressed > 0);
    at_fini(&x);
}

/* docs/accel.md rules 22 and 23, QEMU's variant on request: a full or disabled queue
 * raises GERROR.EVENTQ_ABT_ERR instead. */
TEST(accel_events_qemu_compat_full_and_disabled)
{
    struct vsmmu_config cfg;
    struct at x;

    at_config(&cfg);
    cfg.flags |= VSMMU_FLAG_QEMU_EVENTQ_FULL;
    setup_cfg(&x, &cfg, 14, &(struct guest_opts){ .evtq_log2 = 1 });
    inject(&x, EVT_F_TRANSLATION, 0);
    inject(&x, EVT_F_TRANSLATION, 1);
    inject(&x, EVT_F_TRANSLATION, 2);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 2);   /* vEVENTQ depth 2 */
    inject(&x, EVT_F_TRANSLATION, 3);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    CHECK(guest_gerror_active(&x.g) & fld_mask(GERROR_EVENTQ_ABT_ERR));
    at_fini(&x);

    setup_cfg(&x, &cfg, 14, NULL);
    tb_writel(&x.tb, R_CR0, tb_readl(&x.tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    inject(&x, EVT_F_TRANSLATION, 0);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    CHECK(guest_gerror_active(&x.g) & fld_mask(GERROR_EVENTQ_ABT_ERR));
    at_fini(&x);
}

/* docs/accel.md rule 24: a DMA abort writing the record: GERROR.EVENTQ_ABT_ERR, PROD does
 * not advance, the record is counted as dropped. */
TEST(accel_events_queue_write_abort)
{
    struct at x;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint32_t prod;

    setup(&x, 15, NULL);
    prod = tb_readl(&x.tb, R_EVENTQ_PROD);
    x.tb.abort_lo = x.g.evtq;
    x.tb.abort_hi = x.g.evtq + ((uint64_t)EVT_SIZE << x.g.evtq_log2);
    inject(&x, EVT_F_TRANSLATION, 0);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    CHECK(guest_gerror_active(&x.g) & fld_mask(GERROR_EVENTQ_ABT_ERR));
    CHECK_EQ(tb_readl(&x.tb, R_EVENTQ_PROD), prod);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.dropped, 1);
    CHECK_EQ(st.delivered, 0);
    x.tb.abort_lo = x.tb.abort_hi = 0;
    at_fini(&x);
}

struct producer {
    struct at *x;
    unsigned n;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (unsigned i = 0; i < p->n; i++) {
        uint8_t r[32];
        at_host_rec(r, EVT_F_TRANSLATION, 0x8000000ull + 0x1000ull * i, (uint8_t)i);
        vsmmu_sim_host_event(p->x->sim, p->x->dev[0].dev_id, r);
        vsmmu_accel_process_events(p->x->tb.s);
    }
    return NULL;
}

/* docs/accel.md rule 20: injection runs under the instance lock, so a VMM thread
 * processing host events while the guest consumes its queue through MMIO
 * on another thread loses or reorders nothing. */
TEST(accel_events_concurrent_with_guest_mmio)
{
    struct at x;
    struct producer p = { &x, 200 };
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    pthread_t th;
    uint64_t rec[4];
    unsigned got = 0;

    setup(&x, 16, &(struct guest_opts){ .evtq_log2 = 9 });
    CHECK_EQ(pthread_create(&th, NULL, produce, &p), 0);
    while (got < p.n) {
        if (guest_pop_event(&x.g, rec)) {
            CHECK_EQ(rec[2], 0x8000000ull + 0x1000ull * got);
            got++;
        } else {
            vsmmu_accel_process_events(x.tb.s);
        }
    }
    pthread_join(th, NULL);
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.delivered, p.n);
    CHECK_EQ(st.dropped + st.host_lost, 0);
    at_fini(&x);
}
