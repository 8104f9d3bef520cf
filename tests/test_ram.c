// SPDX-License-Identifier: MIT
/* vsmmu_set_ram(): the guest RAM map.  Its argument checks; that it is
 * used (no mem_read for a walk inside it) and not used outside it (the
 * callbacks, their abort windows); read-only regions written through
 * mem_write; the same translations, faults, events and memory as without
 * it for hostile tables pointing into, across and out of the regions; and
 * the map replaced while other threads translate (run under TSan). */
#include <pthread.h>
#include <stdlib.h>

#include "test_xlate_util.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
    return t_xorshift(&rng_state);
}

static struct vsmmu_ram_region region(uint64_t gpa, uint64_t size, void *host, uint32_t flags)
{
    struct vsmmu_ram_region r = VSMMU_STRUCT_INIT(r);
    r.gpa = gpa;
    r.size = size;
    r.host = host;
    r.flags = flags;
    return r;
}

/* A region of the test bed's RAM: [gpa, gpa + size). */
static struct vsmmu_ram_region tb_region(struct testbed *tb, uint64_t gpa, uint64_t size,
                                         uint32_t flags)
{
    return region(gpa, size, tb->ram + (gpa - tb->ram_base), flags);
}

TEST(ram_arguments)
{
    struct testbed tb = {0};
    struct vsmmu_ram_region r[3];
    static unsigned char big[64];
    struct vsmmu_ram_region many[VSMMU_RAM_MAX_REGIONS + 1];
    struct { struct vsmmu_ram_region r; uint64_t later; } ext[2];

    tb_init(&tb, NULL);
    CHECK_EQ(vsmmu_set_ram(NULL, NULL, 0), -EINVAL);
    CHECK_EQ(vsmmu_set_ram(tb.s, NULL, 1), -EINVAL);
    CHECK_EQ(vsmmu_set_ram(tb.s, NULL, 0), 0);          /* nothing to remove */
    r[0] = region(0x1000, 0x1000, big, 0);
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), 0);
    r[0].struct_size = 0;
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), -EINVAL);
    r[0].struct_size = 5000;
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), -EINVAL);
    r[0] = region(0x1000, 0x1000, big, 0);
    r[1] = region(0x3000, 0x1000, big, 0);
    r[1].struct_size = sizeof(r[1]) - 8;                 /* differs from r[0]'s */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 2), -EINVAL);
    r[0].flags = 0x2;                                    /* unknown flag */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), -EINVAL);
    r[0] = region(0x1000, 0, big, 0);                    /* zero size */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), -EINVAL);
    r[0] = region(0x1000, 0x1000, NULL, 0);              /* no host pointer */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), -EINVAL);
    r[0] = region(~0ull - 0xFFE, 0x1000, big, 0);        /* guest range wraps */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), -EINVAL);
    r[0] = region(~0ull - 0xFFF, 0x1000, big, 0);        /* ends at the last byte */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), 0);
    r[0] = region(0, ~0ull, big, 0);                     /* host range wraps */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), -EINVAL);
    r[0] = region(0, 1, (void *)~(uintptr_t)0, 0);      /* the host's last byte */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), 0);
    r[0] = region(0, 2, (void *)~(uintptr_t)0, 0);
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), -EINVAL);

    /* Overlaps, in either order and against a region between them. */
    r[0] = region(0x10000, 0x2000, big, 0);
    r[1] = region(0x11FFF, 0x10, big, 0);
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 2), -EINVAL);
    CHECK_EQ(vsmmu_set_ram(tb.s, (struct vsmmu_ram_region[]){ r[1], r[0] }, 2), -EINVAL);
    r[1] = region(0x12000, 0x10, big, 0);               /* adjacent: fine */
    r[2] = region(0x8000, 0x8001, big, 0);              /* reaches 0x10000 */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 2), 0);
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 3), -EINVAL);
    r[2].size = 0x8000;
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 3), 0);

    for (unsigned i = 0; i <= VSMMU_RAM_MAX_REGIONS; i++)
        many[i] = region(0x1000ull * i, 0x1000, big, 0);
    CHECK_EQ(vsmmu_set_ram(tb.s, many, VSMMU_RAM_MAX_REGIONS + 1), -E2BIG);
    CHECK_EQ(vsmmu_set_ram(tb.s, many, VSMMU_RAM_MAX_REGIONS), 0);

    /* A newer caller's larger element: taken when what the library does
     * not know is zero, the elements struct_size apart. */
    memset(ext, 0, sizeof(ext));
    ext[0].r = region(0x1000, 0x1000, big, 0);
    ext[1].r = region(0x3000, 0x1000, big, 0);
    ext[0].r.struct_size = ext[1].r.struct_size = sizeof(ext[0]);
    CHECK_EQ(vsmmu_set_ram(tb.s, &ext[0].r, 2), 0);
    ext[1].later = 1;
    CHECK_EQ(vsmmu_set_ram(tb.s, &ext[0].r, 2), -E2BIG);
    CHECK_EQ(vsmmu_set_ram(tb.s, NULL, 0), 0);
    tb_fini(&tb);
}

/* The walk's dword read (vsmmu_dma_read_u64, under the cache lock as in a
 * walk) and vsmmu_dma_read(): a region straddling the OAS is read below it
 * only; a region of fewer than 8 bytes, or the last bytes of one, never
 * give a whole dword; outside, the callback (the test bed: outside its RAM
 * an abort). */
TEST(ram_dword_window)
{
    struct testbed tb = {0};
    static uint64_t host[0x400];
    const uint64_t top = 1ull << 48;
    struct vsmmu_ram_region r[2];
    uint64_t v, buf;

    for (unsigned i = 0; i < 0x400; i++)
        host[i] = 0x1111111111111111ull * (i & 0xF) + i;
    tb_init(&tb, NULL);
    CHECK_EQ(vsmmu_oas_bits(tb.s), 48);
    r[0] = region(top - 0x1000, 0x2000, host, 0);                   /* across the OAS */
    r[1] = region(top - 0x3000, 12, (unsigned char *)host + 4, 0);  /* a dword and a half */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 2), 0);
    CHECK_EQ(vsmmu_xl_lock(tb.s), 0);
    CHECK_EQ(vsmmu_dma_read_u64(tb.s, top - 0x1000, &v), 0);
    CHECK_EQ(v, host[0]);
    CHECK_EQ(vsmmu_dma_read_u64(tb.s, top - 8, &v), 0);
    CHECK_EQ(v, host[0x1FF]);
    CHECK_EQ(vsmmu_dma_read_u64(tb.s, top, &v), -EIO);              /* beyond the OAS */
    CHECK_EQ(v, 0);
    CHECK_EQ(vsmmu_dma_read(tb.s, top - 4, &buf, 8), -EIO);
    CHECK_EQ(vsmmu_dma_read(tb.s, top - 8, &buf, 8), 0);
    CHECK_EQ(buf, host[0x1FF]);
    v = 1;
    CHECK_EQ(vsmmu_dma_read_u64(tb.s, top - 0x3000, &v), 0);        /* whole dword */
    CHECK_EQ(v, (host[0] >> 32) | (host[1] << 32));
    CHECK_EQ(vsmmu_dma_read_u64(tb.s, top - 0x3000 + 8, &v), -EIO); /* 4 of its bytes */
    vsmmu_xl_unlock(tb.s);

    r[0] = region(top - 0x1000, 4, host, 0);                        /* fewer than 8 bytes */
    CHECK_EQ(vsmmu_set_ram(tb.s, r, 1), 0);
    CHECK_EQ(vsmmu_xl_lock(tb.s), 0);
    CHECK_EQ(vsmmu_dma_read_u64(tb.s, top - 0x1000, &v), -EIO);
    vsmmu_xl_unlock(tb.s);
    tb_fini(&tb);
}

/* A 4-level 4K stage-1 stream (SID 1) mapping @va to @oa, its tables
 * allocated in the test bed's RAM. */
static struct pt s1_world(struct xt *x, uint64_t va, uint64_t oa)
{
    struct pt p;
    uint64_t cd[8];

    pt_new(&p, x, 12, 0, 48, 0);
    pt_set(&p, va, 3, s1_leaf(3, oa, 0), 0);
    cd_make(cd, p.root, 16, 0, 1);
    xt_s1_stream(x, 1, cd);
    return p;
}

/* Inside a region no mem_read; outside it (or in a region removed
 * again) the callbacks, with their abort window. */
TEST(ram_used_inside_callbacks_outside)
{
    struct xt x;
    struct pt p;
    struct vsmmu_ram_region r;
    unsigned reads;
    uint64_t leaf;

    xt_init(&x, NULL, NULL);
    p = s1_world(&x, 0x12345000, 0x80000000);
    leaf = pt_slot(&p, 0x12345000, 3, 0);
    r = tb_region(&x.tb, RAM, TB_RAM_SIZE, 0);
    CHECK_EQ(vsmmu_set_ram(x.tb.s, &r, 1), 0);
    reads = x.tb.mem_reads;
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x12345000, VSMMU_ACC_READ), 0x80000000, 0x1000);
    CHECK_EQ(x.tb.mem_reads, reads);

    /* The leaf's page left out of the map: it alone is read through the
     * callback, and the callback's abort window applies there. */
    {
        struct vsmmu_ram_region two[2] = {
            tb_region(&x.tb, RAM, (leaf & ~0xFFFull) - RAM, 0),
            tb_region(&x.tb, (leaf & ~0xFFFull) + 0x1000,
                      RAM + TB_RAM_SIZE - (leaf & ~0xFFFull) - 0x1000, 0),
        };
        CHECK_EQ(vsmmu_set_ram(x.tb.s, two, 2), 0);
    }
    CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
    reads = x.tb.mem_reads;
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x12345000, VSMMU_ACC_READ), 0x80000000, 0x1000);
    CHECK_EQ(x.tb.mem_reads, reads + 1);
    x.tb.abort_lo = leaf;
    x.tb.abort_hi = leaf + 8;
    CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x12345000, VSMMU_ACC_READ), EVT_F_WALK_EABT);

    /* A region ending just before the window, or mid-way through the
     * leaf (the window holding its other half): the callback reads the
     * leaf, and aborts. */
    for (unsigned half = 0; half < 2; half++) {
        struct vsmmu_ram_region cut = tb_region(&x.tb, RAM, leaf + 4 * half - RAM, 0);
        x.tb.abort_lo = leaf + 4 * half;
        CHECK_EQ(vsmmu_set_ram(x.tb.s, &cut, 1), 0);
        CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
        CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x12345000, VSMMU_ACC_READ), EVT_F_WALK_EABT);
    }
    x.tb.abort_lo = leaf;

    /* The window inside a region: the map wins (documented). */
    CHECK_EQ(vsmmu_set_ram(x.tb.s, &r, 1), 0);
    CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
    CHECK_OK(xt_tr(&x, 1, VSMMU_NO_SSID, 0x12345000, VSMMU_ACC_READ), 0x80000000, 0x1000);
    /* Removed: the callbacks again. */
    CHECK_EQ(vsmmu_set_ram(x.tb.s, NULL, 0), 0);
    CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
    CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x12345000, VSMMU_ACC_READ), EVT_F_WALK_EABT);
    xt_fini(&x);
}

/* Writes: an event record goes to a writable region directly and to a
 * read-only one through mem_write. */
TEST(ram_readonly_writes_through_callback)
{
    struct xt x;
    struct vsmmu_ram_region r;
    uint64_t rec[4];
    unsigned writes;

    xt_init(&x, NULL, NULL);
    s1_world(&x, 0x12345000, 0x80000000);
    for (unsigned ro = 0; ro < 2; ro++) {
        r = tb_region(&x.tb, RAM, TB_RAM_SIZE, ro ? VSMMU_RAM_READONLY : 0);
        CHECK_EQ(vsmmu_set_ram(x.tb.s, &r, 1), 0);
        writes = x.tb.mem_writes;
        CHECK_FAULT(xt_tr(&x, 1, VSMMU_NO_SSID, 0x22345000, VSMMU_ACC_READ), EVT_F_TRANSLATION);
        CHECK_EQ(x.tb.mem_writes, writes + ro);
        CHECK(guest_pop_event(&x.g, rec));
        CHECK_EQ(rec[0] & 0xFF, EVT_F_TRANSLATION);
        CHECK(!guest_pop_event(&x.g, rec));
    }
    xt_fini(&x);
}

/* Instance a without a map, b with regions cut to end mid-dword, a gap
 * read through the callbacks, an abort window outside every region and a
 * read-only region: every translation, event and byte of RAM alike. */
TEST(ram_differential_hostile)
{
    struct vsmmu_config cfg;
    struct xt a, b;
    const uint64_t size = 0x40000;
    uint64_t area;
    unsigned ok = 0, faults = 0;

    xt_hostile_cfg(&cfg);
    xt_init(&a, &cfg, NULL);
    xt_init(&b, &cfg, NULL);
    area = guest_alloc(&a.g, size, 0x10000);
    CHECK_EQ(guest_alloc(&b.g, size, 0x10000), area);
    for (struct xt *x = &a; x; x = x == &a ? &b : NULL) {
        x->tb.abort_lo = area + size / 2;
        x->tb.abort_hi = area + size / 2 + 0x2000;
    }
    {
        uint64_t mid = area + size / 4 + 4, gap = mid + 0x1000;
        struct vsmmu_ram_region r[4] = {
            tb_region(&b.tb, RAM, mid - RAM, 0),
            tb_region(&b.tb, gap, b.tb.abort_lo - gap, 0),
            tb_region(&b.tb, b.tb.abort_hi, area + size - 3 - b.tb.abort_hi,
                      VSMMU_RAM_READONLY),
            tb_region(&b.tb, area + size - 3, RAM + TB_RAM_SIZE - (area + size - 3), 0),
        };
        CHECK_EQ(vsmmu_set_ram(b.tb.s, r, 4), 0);
    }
    for (unsigned round = 0; round < 30; round++) {
        /* the same random world in both */
        xt_random_world(&a, area, size, &rng_state);
        memcpy(b.tb.ram + (area - RAM), a.tb.ram + (area - RAM), size);
        for (uint32_t sid = 0; sid < 16; sid++) {
            uint64_t ste[8];
            for (unsigned q = 0; q < 8; q++)
                ste[q] = tb_r64(&a.tb, area + 64 * ((sid * 37 + round) % (size / 64)) + 8 * q);
            ste[0] |= 1;
            if (rnd() & 1)
                ste[0] |= 0x8;
            if (rnd() & 1)
                st_set(ste, STE_S2AA64, 1);
            guest_write_ste(&a.g, sid, ste);
            guest_write_ste(&b.g, sid, ste);
        }
        CHECK_EQ(guest_tlbi_nsnh_all(&a.g), 0);
        CHECK_EQ(guest_tlbi_nsnh_all(&b.g), 0);
        for (unsigned i = 0; i < 300; i++) {
            uint32_t sid = (uint32_t)(rnd() % 18);
            uint32_t ssid = rnd() & 1 ? VSMMU_NO_SSID : (uint32_t)(rnd() % 300);
            uint64_t va = rnd();
            unsigned acc = (1 + (unsigned)(rnd() % 7)) | (rnd() & 1 ? VSMMU_ACC_PRIV : 0);
            struct vsmmu_xlate_result ra, rb;

            if (rnd() & 1)
                va &= 0x7FFFFFFFFFull;
            ra = xt_tr(&a, sid, ssid, va, acc);
            rb = xt_tr(&b, sid, ssid, va, acc);
            CHECK_EQ(ra.status, rb.status);
            CHECK_EQ(ra.event_type, rb.event_type);
            CHECK_EQ(ra.addr, rb.addr);
            CHECK_EQ(ra.size, rb.size);
            CHECK_EQ(ra.perm, rb.perm);
            if (ra.status == VSMMU_XLATE_OK)
                ok++;
            else
                faults++;
        }
        {
            uint64_t ea[4], eb[4];
            bool ha, hb;
            do {
                ha = guest_pop_event(&a.g, ea);
                hb = guest_pop_event(&b.g, eb);
                CHECK_EQ(ha, hb);
                if (ha)
                    CHECK(!memcmp(ea, eb, sizeof(ea)));
            } while (ha && hb);
        }
        CHECK(!memcmp(a.tb.ram, b.tb.ram, TB_RAM_SIZE));
    }
    CHECK(ok > 0 && faults > 0);
    CHECK(b.tb.mem_reads < a.tb.mem_reads / 4);     /* the map was used */
    xt_fini(&a);
    xt_fini(&b);
}

/* ---- the map replaced while other threads translate --------------------- */

struct race {
    struct xt *x;
    unsigned npages;
    int stop;
    unsigned bad, calls;
    uint64_t leaf, leaf_val;    /* a descriptor the "guest" keeps rewriting */
};

/* A guest vCPU rewriting a descriptor (with its own value) while the
 * model reads it through the map: atomic on both sides, so TSan is
 * quiet, and the translation stays right. */
static void *guest_writer(void *arg)
{
    struct race *r = arg;

    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
        tb_w64(&r->x->tb, r->leaf, r->leaf_val);
    return NULL;
}

static void *translator(void *arg)
{
    struct race *r = arg;
    unsigned i = 0;

    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
        struct vsmmu_xlate_result res = VSMMU_STRUCT_INIT(res);
        unsigned pg = (i & 1) ? 0 : i % r->npages;   /* page 0: the rewritten leaf */

        i++;
        __atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
        if (vsmmu_translate(r->x->tb.s, 1, VSMMU_NO_SSID, 0x10000000ull + ((uint64_t)pg << 12),
                            VSMMU_ACC_READ, &res) ||
            res.status != VSMMU_XLATE_OK || res.addr != 0x80000000ull + ((uint64_t)pg << 12))
            __atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

TEST(ram_replaced_while_translating)
{
    struct xt x;
    struct pt p;
    uint64_t cd[8];
    struct race r = { .x = &x, .npages = 4096 };   /* more than the TLB keeps */
    pthread_t th[2], wr;

    xt_init(&x, NULL, NULL);
    pt_new(&p, &x, 12, 0, 48, 0);
    for (unsigned i = 0; i < r.npages; i++)
        pt_set(&p, 0x10000000ull + ((uint64_t)i << 12), 3,
               s1_leaf(3, 0x80000000ull + ((uint64_t)i << 12), 0), 0);
    cd_make(cd, p.root, 16, 0, 1);
    xt_s1_stream(&x, 1, cd);
    r.leaf = pt_slot(&p, 0x10000000ull, 3, 0);
    r.leaf_val = tb_r64(&x.tb, r.leaf);
    for (unsigned t = 0; t < 2; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, translator, &r), 0);
    CHECK_EQ(pthread_create(&wr, NULL, guest_writer, &r), 0);
    /* (until the translators have made enough calls, whatever the
     * scheduling) */
    for (unsigned k = 0; k < 300 || __atomic_load_n(&r.calls, __ATOMIC_RELAXED) < 20000; k++) {
        /* whole, split in two at a random page, or none; each time a
         * freshly allocated copy of the region list */
        uint64_t cut = RAM + ((rnd() % (TB_RAM_SIZE >> 12)) << 12) + 8;
        struct vsmmu_ram_region *rs = calloc(2, sizeof(*rs));
        unsigned n = k % 3;
        CHECK(rs != NULL);
        rs[0] = tb_region(&x.tb, RAM, n == 1 ? TB_RAM_SIZE : cut - RAM, 0);
        rs[1] = tb_region(&x.tb, cut, RAM + TB_RAM_SIZE - cut, 0);
        CHECK_EQ(vsmmu_set_ram(x.tb.s, rs, n), 0);
        free(rs);
        if (k % 4 == 0)
            CHECK_EQ(guest_tlbi_nsnh_all(&x.g), 0);
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
    for (unsigned t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    pthread_join(wr, NULL);
    CHECK_EQ(r.bad, 0);
    xt_fini(&x);
}
