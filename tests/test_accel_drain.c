// SPDX-License-Identifier: MIT
/*
 * Accel mode: vsmmu_accel_process_events() drains the vEVENTQ until a read
 * shows it empty (nothing, or room left for another record), and a host that
 * refills the queue as fast as it is drained ends the call with -EAGAIN
 * (call again) instead of keeping the caller forever.
 */
#include "iommufd/iommufd_priv.h"
#include "test_accel.h"

static void setup(struct at *x, unsigned evtq_log2)
{
    uint64_t ste[8];

    at_init(x, NULL, 1);
    guest_init(&x->g, &x->tb, &(struct guest_opts){ .evtq_log2 = evtq_log2 });
    CHECK_EQ(at_attach(x, 0, 7), 0);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x->g, 7, ste);
    tb_clear_irqs(&x->tb);
}

static void inject_n(struct at *x, unsigned n)
{
    uint8_t rec[32];

    for (unsigned i = 0; i < n; i++) {
        at_host_rec(rec, EVT_F_TRANSLATION, (uint64_t)i << 12, (uint8_t)i);
        CHECK_EQ(vsmmu_sim_host_event(x->sim, x->dev[0].dev_id, rec), 1);
    }
}

/* Every record in order, then the queue is empty. */
static void check_guest_queue(struct at *x, unsigned n)
{
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint64_t rec[4];

    CHECK_EQ(guest_pending_events(&x->g), n);
    for (unsigned i = 0; i < n; i++) {
        CHECK(guest_pop_event(&x->g, rec));
        CHECK_EQ(rec[2], (uint64_t)i << 12);
    }
    CHECK(!guest_pop_event(&x->g, rec));
    CHECK_EQ(vsmmu_get_stats(x->tb.s, &st), 0);
    CHECK_EQ(st.delivered, n);
    CHECK_EQ(st.dropped, 0);
    CHECK_EQ(st.host_lost, 0);
}

/* More records than the 256 reads of 102 records the first version stopped
 * after (26,112): all of them arrive in one call. */
TEST(accel_events_beyond_old_cap_in_one_call)
{
    struct at x;
    const unsigned n = 40000;

    setup(&x, 16);
    inject_n(&x, n);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), (int)n);
    CHECK_EQ(vsmmu_sim_count(x.sim, "fd"), 1);
    check_guest_queue(&x, n);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 0);
    at_fini(&x);
}

/* A transport that returns one record per read although more would fit
 * breaks the kernel's rule (a read returns every whole record that fits,
 * include/vsmmu_iommufd.h): the read left room for another record, so each
 * call ends after it.  Nothing is lost: the fd stays readable and every
 * call delivers the next record. */
static long one_per_read(int fd, void *buf, size_t len)
{
    (void)len;
    return vsmmu_iommufd_veventq_read(ac_log.inner, fd, buf, 8 + EVT_SIZE);
}

TEST(accel_events_one_per_read_one_per_call)
{
    struct at x;
    const unsigned n = 3000;
    unsigned calls = 0, got = 0;
    int rc;

    setup(&x, 12);
    inject_n(&x, n);
    ac_log.read_override = one_per_read;
    while ((rc = vsmmu_accel_process_events(x.tb.s)) > 0) {
        CHECK_EQ(rc, 1);
        got += (unsigned)rc;
        calls++;
    }
    ac_log.read_override = NULL;
    CHECK_EQ(rc, 0);
    CHECK_EQ(got, n);
    CHECK_EQ(calls, n);
    check_guest_queue(&x, n);
    at_fini(&x);
}

/* A full vEVENTQ at the depth the guest's queue allows drains in one call. */
TEST(accel_events_full_veventq_in_one_call)
{
    struct at x;
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    unsigned n;

    setup(&x, 15);
    CHECK_EQ(vsmmu_accel_get_objects(x.tb.s, &o), 0);
    n = o.veventq_depth;
    CHECK_EQ(n, 1u << 15);
    inject_n(&x, n - 1);   /* the guest queue holds 2^15 - 1 */
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), (int)(n - 1));
    check_guest_queue(&x, n - 1);
    at_fini(&x);
}

/* A host that always has more records: every read finds the queue full
 * (as many records as fit, the kernel's rule).  The call ends with -EAGAIN
 * after a bounded amount of work, and the next call carries on. */
static uint32_t flood_seq;
static long endless(int fd, void *buf, size_t len)
{
    uint8_t *b = buf;
    uint8_t rec[32];
    size_t done = 0;

    (void)fd;
    if (len < 8 + EVT_SIZE)
        return -EINVAL;
    for (; len - done >= 8 + EVT_SIZE; done += 8 + EVT_SIZE) {
        memset(b + done, 0, 8);
        vsmmu_put_le64(b + done, (uint64_t)flood_seq << 32);
        at_host_rec(rec, EVT_F_TRANSLATION, (uint64_t)flood_seq << 12, 1);
        st_set((uint64_t *)(void *)rec, EVT_SID, 7);    /* the vSID, as the kernel puts it */
        memcpy(b + done + 8, rec, 32);
        flood_seq++;
    }
    return (long)done;
}

/* Records a call of the flood delivers: reads of whole buffers until the
 * bound of @bound records is reached. */
static uint32_t flood_call(uint64_t bound)
{
    const uint32_t per_read = VSMMU_VEVENT_READ_BUF / (8 + EVT_SIZE);

    return (uint32_t)((bound + per_read - 1) / per_read * per_read);
}

TEST(accel_events_endless_host_bounded_call_again)
{
    struct at x;
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    setup(&x, 4);
    CHECK_EQ(vsmmu_accel_get_objects(x.tb.s, &o), 0);
    flood_seq = 0;
    ac_log.read_override = endless;
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), -EAGAIN);
    CHECK_EQ(flood_seq, flood_call(2 * o.veventq_depth));
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), -EAGAIN);
    CHECK_EQ(flood_seq, 2 * flood_call(2 * o.veventq_depth));
    ac_log.read_override = NULL;
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 0);
    CHECK_EQ(vsmmu_get_stats(x.tb.s, &st), 0);
    CHECK_EQ(st.delivered + st.dropped, flood_seq);
    CHECK_EQ(st.host_lost, 0);
    CHECK_EQ(x.tb.nerrors, 0);
    at_fini(&x);
}

/* The reader on its own: the same bound, -EAGAIN. */
static unsigned drained;
static void count_rec(void *arg, const uint8_t *payload, uint32_t seq)
{
    (void)arg;
    (void)payload;
    (void)seq;
    drained++;
}

TEST(reader_drain_endless_host_bounded)
{
    struct at x;
    vsmmu_vevent_reader_t *r;

    setup(&x, 4);
    CHECK_EQ(vsmmu_vevent_reader_new(EVT_SIZE, &r), 0);
    flood_seq = 0;
    drained = 0;
    ac_log.read_override = endless;
    CHECK_EQ(vsmmu_vevent_reader_drain(r, x.t, 3, count_rec, NULL, NULL), -EAGAIN);
    ac_log.read_override = NULL;
    CHECK_EQ(drained, flood_call(2 * VSMMU_VEVENTQ_MAX_DEPTH));
    vsmmu_vevent_reader_free(r);
    at_fini(&x);
}
