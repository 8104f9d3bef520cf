// SPDX-License-Identifier: MIT
/* vEVENTQ reader: draining, record checks, loss counting, wrap. */
#include "test_sim.h"

struct got {
    unsigned n;
    uint32_t seq[64];
    uint32_t first_word[64];
    unsigned nlost_calls;
    uint64_t lost[16];
};

static void on_rec(void *arg, const uint8_t *payload, uint32_t seq)
{
    struct got *g = arg;
    if (g->n < 64) {
        g->seq[g->n] = seq;
        g->first_word[g->n] = rd32le(payload);
    }
    g->n++;
}

static void on_lost(void *arg, uint64_t n)
{
    struct got *g = arg;
    if (g->nlost_calls < 16)
        g->lost[g->nlost_calls] = n;
    g->nlost_calls++;
}

/* ---- a scripted transport: each read returns the next chunk ---------- */
struct script {
    const uint8_t *chunk[8];
    long len[8];   /* bytes, or a negative errno */
    int n, pos, reads;
};
static struct script *cur_script;

static long script_read(void *priv, int fd, void *buf, size_t len)
{
    (void)priv;
    (void)fd;
    struct script *s = cur_script;
    s->reads++;
    if (s->pos >= s->n)
        return 0;
    long r = s->len[s->pos];
    if (r > 0) {
        CHECK((size_t)r <= len);
        memcpy(buf, s->chunk[s->pos], (size_t)r);
    }
    s->pos++;
    return r;
}

static const struct vsmmu_iommufd_ops script_ops = {
    .struct_size = sizeof(struct vsmmu_iommufd_ops), .veventq_read = script_read,
};

/* A custom transport that only reads, from cur_script. */
static vsmmu_iommufd_t *script_transport(void)
{
    vsmmu_iommufd_t *t = NULL;
    CHECK_EQ(vsmmu_iommufd_custom(&script_ops, NULL, &t), 0);
    return t;
}

static void hdr(uint8_t *p, uint32_t flags, uint32_t seq)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(flags >> (8 * i));
        p[4 + i] = (uint8_t)(seq >> (8 * i));
    }
}

TEST(reader_init_and_bad_args)
{
    struct vsmmu_vevent_reader r;
    vsmmu_iommufd_t *t;
    vsmmu_vevent_reader_init(&r, 32);
    CHECK_EQ(r.payload_len, 32);
    CHECK_EQ(r.last_seq, 0x7fffffff);
    CHECK_EQ(r.records + r.lost + r.malformed, 0);
    CHECK_EQ(vsmmu_iommufd_sim_create(&t), 0);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, t, -1, on_rec, NULL, NULL), -EINVAL);
    CHECK_EQ(vsmmu_vevent_reader_drain(NULL, t, 3, on_rec, NULL, NULL), -EINVAL);
    vsmmu_vevent_reader_init(&r, 0);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, t, 3, on_rec, NULL, NULL), -EINVAL);
    /* an fd that is not a vEVENTQ: the read error comes back, no change */
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, t, 0, on_rec, NULL, NULL), -EBADF);
    CHECK_EQ(r.last_seq, 0x7fffffff);
    vsmmu_iommufd_close(t);
    SIM_NO_LEAKS();
}

/* Drain the mock queue through @r into @g (both callbacks). */
static int drain(struct mock_vq *x, struct vsmmu_vevent_reader *r, struct got *g)
{
    return vsmmu_vevent_reader_drain(r, x->m.t, x->fd, on_rec, on_lost, g);
}

TEST(reader_drains_all_first_seq_zero_no_loss)
{
    struct mock_vq x;
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    mock_vq_init(&x, 64);
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(drain(&x, &r, &g), 0);   /* empty */
    mock_vq_trigger(&x, 20);
    CHECK_EQ(drain(&x, &r, &g), 20);
    CHECK_EQ(g.n, 20);
    for (unsigned i = 0; i < 20; i++) {
        CHECK_EQ(g.seq[i], i);
        CHECK_EQ(g.first_word[i], 0x99);
    }
    CHECK_EQ(g.nlost_calls, 0);
    CHECK_EQ(r.records, 20);
    CHECK_EQ(r.lost, 0);
    CHECK_EQ(r.malformed, 0);
    CHECK_EQ(r.last_seq, 19);
    CHECK(!fd_readable(x.fd));
    mock_vq_fini(&x);
}

TEST(reader_several_records_per_read)
{
    struct script s = { .n = 0 };
    uint8_t buf[3 * 12];
    for (int i = 0; i < 3; i++) {
        hdr(buf + 12 * i, 0, (uint32_t)i);
        buf[12 * i + 8] = (uint8_t)(0x10 + i);
        buf[12 * i + 9] = buf[12 * i + 10] = buf[12 * i + 11] = 0;
    }
    s.chunk[0] = buf;
    s.len[0] = sizeof(buf);
    s.n = 1;
    cur_script = &s;
    vsmmu_iommufd_t *fake = script_transport();
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, fake, 5, on_rec, on_lost, &g), 3);
    /* one read with all three; it left room for another record, so it
     * took all there was: no second read to see the queue empty */
    CHECK_EQ(s.reads, 1);
    CHECK_EQ(g.first_word[2], 0x12);
    CHECK_EQ(r.malformed, 0);
    vsmmu_iommufd_close(fake);
}

TEST(reader_lost_header_counts_and_recovers)
{
    struct mock_vq x;
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    mock_vq_init(&x, 2);
    vsmmu_vevent_reader_init(&r, 4);
    mock_vq_trigger(&x, 2);
    CHECK_EQ(drain(&x, &r, &g), 2);
    mock_vq_trigger(&x, 1);
    CHECK_EQ(drain(&x, &r, &g), 1);
    /* depth 2, five events after sequence 2: 3 and 4 kept, 5..7 lost */
    mock_vq_trigger(&x, 5);
    CHECK_EQ(drain(&x, &r, &g), 2);
    CHECK_EQ(g.nlost_calls, 1);
    CHECK_EQ(g.lost[0], 3);
    CHECK_EQ(r.lost, 3);
    CHECK_EQ(r.last_seq, 7);
    mock_vq_trigger(&x, 1);
    CHECK_EQ(drain(&x, &r, &g), 1);
    CHECK_EQ(g.seq[5], 8);
    CHECK_EQ(g.nlost_calls, 1);   /* 7 -> 8 is no loss */
    CHECK_EQ(r.records, 6);
    mock_vq_fini(&x);
}

TEST(reader_gap_counts_loss_when_header_dropped)
{
    struct mock_vq x;
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    uint8_t one[12];
    mock_vq_init(&x, 2);
    vsmmu_vevent_reader_init(&r, 4);
    mock_vq_trigger(&x, 5);   /* 0, 1 kept; 2..4 lost */
    /* someone consumed record 0 (frees a slot); record 5 then drops the header */
    CHECK_EQ(mock_vq_read(&x, one, sizeof(one)), 12);
    r.last_seq = 0;
    mock_vq_trigger(&x, 1);
    CHECK_EQ(drain(&x, &r, &g), 2);
    CHECK_EQ(g.seq[0], 1);
    CHECK_EQ(g.seq[1], 5);
    CHECK_EQ(g.nlost_calls, 1);
    CHECK_EQ(g.lost[0], 3);
    CHECK_EQ(r.lost, 3);
    mock_vq_fini(&x);
}

TEST(reader_wrap_is_not_a_loss)
{
    struct mock_vq x;
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    mock_vq_init(&x, 16);
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_simx_set_seq(x.m.t, x.q, 0x7ffffffd), 0);
    r.last_seq = 0x7ffffffc;
    mock_vq_trigger(&x, 5);
    CHECK_EQ(drain(&x, &r, &g), 5);
    CHECK_EQ(g.seq[2], 0x7fffffff);
    CHECK_EQ(g.seq[3], 0);
    CHECK_EQ(g.seq[4], 1);
    CHECK_EQ(r.lost, 0);
    CHECK_EQ(g.nlost_calls, 0);
    mock_vq_fini(&x);
}

TEST(reader_loss_across_wrap)
{
    struct mock_vq x;
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    uint8_t junk[64];
    mock_vq_init(&x, 16);
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_simx_set_seq(x.m.t, x.q, 0x7ffffffe), 0);
    mock_vq_trigger(&x, 1);
    CHECK_EQ(drain(&x, &r, &g), 1);
    CHECK_EQ(r.lost, 0x7ffffffe);   /* from a fresh reader: 0..0x7ffffffd missed */
    r.lost = 0;
    g.nlost_calls = 0;
    mock_vq_trigger(&x, 2);   /* 0x7fffffff and 0: consumed behind the reader's back */
    CHECK_EQ(mock_vq_read(&x, junk, sizeof(junk)), 24);
    mock_vq_trigger(&x, 1);   /* 1 */
    CHECK_EQ(drain(&x, &r, &g), 1);
    CHECK_EQ(g.seq[1], 1);
    CHECK_EQ(r.lost, 2);
    CHECK_EQ(g.lost[0], 2);
    mock_vq_fini(&x);
}

TEST(reader_lost_header_across_wrap)
{
    struct mock_vq x;
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    mock_vq_init(&x, 1);
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_simx_set_seq(x.m.t, x.q, 0x7fffffff), 0);
    r.last_seq = 0x7ffffffe;
    mock_vq_trigger(&x, 3);   /* 0x7fffffff kept; 0 and 1 lost, header seq 1 */
    CHECK_EQ(drain(&x, &r, &g), 1);
    CHECK_EQ(r.lost, 2);
    CHECK_EQ(r.last_seq, 1);
    mock_vq_fini(&x);
}

TEST(reader_wrong_payload_size_is_malformed)
{
    struct mock_vq x;
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    mock_vq_init(&x, 4);
    vsmmu_vevent_reader_init(&r, 32);   /* expects SMMUv3 records; gets 12 bytes */
    mock_vq_trigger(&x, 1);
    CHECK_EQ(drain(&x, &r, &g), 0);
    CHECK_EQ(r.malformed, 1);
    CHECK_EQ(r.records, 0);
    CHECK_EQ(g.n, 0);
    CHECK(!fd_readable(x.fd));   /* dropped, the queue is drained */
    mock_vq_fini(&x);
}

TEST(reader_malformed_records_scripted)
{
    uint8_t a[12], b[20], c[5], d[12];
    hdr(a, 4, 0);             /* unknown flag */
    a[8] = a[9] = a[10] = a[11] = 0;
    hdr(b, 0, 0x80000000u);   /* sequence out of range */
    hdr(b + 8, 0, 0);
    hdr(d, 0, 0);             /* a good record after the bad reads */
    d[8] = 0x77;
    d[9] = d[10] = d[11] = 0;
    memset(c, 0, sizeof(c));  /* shorter than a header */
    struct script s = { .chunk = { a, b, c, d }, .len = { 12, 20, 5, 12 }, .n = 4 };
    cur_script = &s;
    vsmmu_iommufd_t *fake = script_transport();
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, fake, 5, on_rec, on_lost, &g), 1);
    CHECK_EQ(s.reads, 4);   /* short reads, but malformed ones do not end the drain */
    CHECK_EQ(r.malformed, 3);
    CHECK_EQ(g.n, 1);
    CHECK_EQ(g.first_word[0], 0x77);
    CHECK_EQ(r.lost, 0);
    vsmmu_iommufd_close(fake);
}

/* A read of 341 12-byte records leaves 4 bytes of the 4 KiB buffer: too
 * few for another record, so the reader reads again. */
#define FULL_READ_RECS (4096 / 12)
static uint8_t full_read[FULL_READ_RECS * 12];
static void fill_full_read(void)
{
    for (uint32_t i = 0; i < FULL_READ_RECS; i++) {
        hdr(full_read + 12 * i, 0, i);
        memset(full_read + 12 * i + 8, 0, 4);
    }
}

TEST(reader_eagain_eintr_and_errors_scripted)
{
    fill_full_read();
    struct script s = { .chunk = { NULL, full_read, NULL },
                        .len = { -EINTR, sizeof(full_read), -EAGAIN }, .n = 3 };
    cur_script = &s;
    vsmmu_iommufd_t *fake = script_transport();
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, fake, 5, on_rec, on_lost, &g), FULL_READ_RECS);
    CHECK_EQ(s.reads, 3);   /* EINTR retried, a full read read on, EAGAIN ends the drain */
    CHECK_EQ(r.last_seq, FULL_READ_RECS - 1);
    struct script s2 = { .chunk = { NULL }, .len = { -EIO }, .n = 1 };
    cur_script = &s2;
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, fake, 5, on_rec, on_lost, &g), -EIO);
    CHECK_EQ(r.last_seq, FULL_READ_RECS - 1);
    CHECK_EQ(r.records, FULL_READ_RECS);
    vsmmu_iommufd_close(fake);
}

TEST(reader_lost_header_first_from_fresh_reader)
{
    uint8_t a[8];
    hdr(a, VSMMU_VEVENT_FLAG_LOST_EVENTS, 4);   /* events 0..4 all lost */
    struct script s = { .chunk = { a }, .len = { 8 }, .n = 1 };
    cur_script = &s;
    vsmmu_iommufd_t *fake = script_transport();
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    vsmmu_vevent_reader_init(&r, 4);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, fake, 5, on_rec, NULL, &g), 0);
    CHECK_EQ(r.lost, 5);
    CHECK_EQ(r.last_seq, 4);
    vsmmu_iommufd_close(fake);
}

TEST(reader_smmuv3_records_40_bytes)
{
    struct smmu_env e;
    uint32_t q, vd, s1;
    int fd;
    uint8_t rec[32];
    struct vsmmu_vevent_reader r;
    struct got g = { 0 };
    smmu_env_init(&e);
    CHECK_EQ(vsmmu_iommufd_veventq_alloc(e.t, e.viommu, 1, 128, &q, &fd), 0);
    CHECK_EQ(vsmmu_iommufd_vdevice_alloc(e.t, e.viommu, e.dev.dev_id, 0x31, &vd), 0);
    CHECK_EQ(nested_ste(e.t, e.dev.dev_id, e.viommu, ste0(STE_CFG_S1), 0, &s1), 0);
    CHECK_EQ(vsmmu_iommufd_attach(e.t, &e.dev, s1), 0);
    host_rec(rec, EVT_F_TRANSLATION, 0x1234, 0, 0x1000);
    for (int i = 0; i < 120; i++)   /* more than one 4 KiB read's worth */
        CHECK_EQ(vsmmu_sim_host_event(e.t, e.dev.dev_id, rec), 1);
    vsmmu_vevent_reader_init(&r, 32);
    CHECK_EQ(vsmmu_vevent_reader_drain(&r, e.t, fd, on_rec, on_lost, &g), 120);
    CHECK_EQ(g.first_word[0], EVT_F_TRANSLATION | (0x5a5a5u << 12));
    CHECK_EQ(r.lost + r.malformed, 0);
    CHECK(!fd_readable(fd));
    vsmmu_iommufd_close(e.t);
    SIM_NO_LEAKS();
}

/* The opaque reader of the API: the same drain, counters through
 * vsmmu_vevent_reader_counts() (which honours the caller's struct_size). */
TEST(reader_public_new_counts_free)
{
    struct mock_vq x;
    vsmmu_vevent_reader_t *r;
    struct got g = { 0 };
    struct vsmmu_vevent_counts c = VSMMU_STRUCT_INIT(c);
    _Alignas(8) uint8_t small[sizeof(c)];

    CHECK_EQ(vsmmu_vevent_reader_new(0, &r), -EINVAL);
    CHECK(r == NULL);
    CHECK_EQ(vsmmu_vevent_reader_new(4, NULL), -EINVAL);
    mock_vq_init(&x, 64);
    CHECK_EQ(vsmmu_vevent_reader_new(4, &r), 0);
    CHECK_EQ(vsmmu_vevent_reader_counts(r, &c), 0);
    CHECK_EQ(c.last_seq, 0x7fffffff);
    mock_vq_trigger(&x, 5);
    CHECK_EQ(vsmmu_vevent_reader_drain(r, x.m.t, x.fd, on_rec, on_lost, &g), 5);
    CHECK_EQ(vsmmu_vevent_reader_counts(r, &c), 0);
    CHECK_EQ(c.records, 5);
    CHECK_EQ(c.lost + c.malformed, 0);
    CHECK_EQ(c.last_seq, 4);
    CHECK_EQ(c.struct_size, sizeof(c));
    /* an older caller that knows only struct_size and last_seq */
    memset(small, 0xa5, sizeof(small));
    small[0] = 8;
    small[1] = small[2] = small[3] = 0;
    CHECK_EQ(vsmmu_vevent_reader_counts(r, (struct vsmmu_vevent_counts *)small), 0);
    CHECK_EQ(small[4], 4);
    CHECK_EQ(small[8], 0xa5);
    c.struct_size = 0;
    CHECK_EQ(vsmmu_vevent_reader_counts(r, &c), -EINVAL);
    CHECK_EQ(vsmmu_vevent_reader_counts(NULL, &c), -EINVAL);
    vsmmu_vevent_reader_free(r);
    vsmmu_vevent_reader_free(NULL);
    mock_vq_fini(&x);
}
