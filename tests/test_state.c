// SPDX-License-Identifier: MIT
/*
 * vsmmu_state_save()/vsmmu_state_load() (vsmmu_state.h, docs/state.md).
 *
 * Twin runs: a scenario runs once without migration and once migrated
 * (saved, the instance destroyed, a new one created with the same
 * configuration over the same guest RAM, loaded) before each of its steps;
 * the registers after the load equal those before the save, and at the end
 * registers, counters, the interrupts signalled and guest RAM are the same
 * as in the run without migration.  Scenarios leave the SMMU mid-error:
 * CMDQ_CONS.ERR with GERROR.CMDQ_ERR, a full event queue with OVFLG, an
 * event queue abort with its GERROR MSI.
 *
 * Hostile blobs: truncated, corrupted, of a future version or with values
 * the instance cannot hold are refused with their error and leave the
 * instance as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "model/model.h"
#include "state_blob.h"
#include "testbed.h"
#include "vsmmu_state.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Every register offset the guest can read (IDs, page 0, page 1). */
#define NSNAP (0x100 / 4 + 12 + 0x10 / 4 + 0x10 / 4)
struct snap {
    uint32_t r[NSNAP];
    struct vsmmu_stats st;
};

static void snapshot(vsmmu_t *s, struct snap *sn)
{
    unsigned n = 0;
    uint64_t v;

    for (uint64_t off = 0; off < 0x100; off += 4, n++)
        {
        CHECK_EQ(vsmmu_mmio_read(s, off, 4, &v), 0);
        sn->r[n] = (uint32_t)v;
    }
    for (uint64_t off = R_ID_REGS_FIRST; off <= R_ID_REGS_LAST; off += 4, n++)
        {
        CHECK_EQ(vsmmu_mmio_read(s, off, 4, &v), 0);
        sn->r[n] = (uint32_t)v;
    }
    for (uint64_t off = R_PAGE1 + 0xa0; off < R_PAGE1 + 0xb0; off += 4, n++)
        {
        CHECK_EQ(vsmmu_mmio_read(s, off, 4, &v), 0);
        sn->r[n] = (uint32_t)v;
    }
    for (uint64_t off = R_PAGE1 + 0xc0; off < R_PAGE1 + 0xd0; off += 4, n++) {
        CHECK_EQ(vsmmu_mmio_read(s, off, 4, &v), 0);
        sn->r[n] = (uint32_t)v;
    }
    CHECK_EQ(n, NSNAP);
    sn->st.struct_size = sizeof(sn->st);
    CHECK_EQ(vsmmu_get_stats(s, &sn->st), 0);
}

static void check_same_regs(const struct snap *a, const struct snap *b, const char *what)
{
    for (unsigned i = 0; i < NSNAP; i++)
        CHECK_MSG(a->r[i] == b->r[i], "%s: register #%u: 0x%08x, expected 0x%08x", what, i,
                  b->r[i], a->r[i]);
    /* caches are not state: TLB counters may differ after a load */
    CHECK_EQ(a->st.commands, b->st.commands);
    CHECK_EQ(a->st.events, b->st.events);
    CHECK_EQ(a->st.events_dropped, b->st.events_dropped);
    CHECK_EQ(a->st.delivered, b->st.delivered);
    CHECK_EQ(a->st.host_lost, b->st.host_lost);
    CHECK_EQ(a->st.dropped, b->st.dropped);
}

static void *save(vsmmu_t *s, size_t *len)
{
    size_t need = 0;
    void *b;

    CHECK_EQ(vsmmu_state_save(s, NULL, 0, &need), -ENOSPC);
    CHECK(need > 32);
    b = malloc(need);
    CHECK(b != NULL);
    CHECK_EQ(vsmmu_state_save(s, b, need - 1, len), -ENOSPC);
    CHECK_EQ(vsmmu_state_save(s, b, need, len), 0);
    CHECK_EQ(*len, need);
    return b;
}

/* Save, destroy, create anew with the same configuration, load. */
static void migrate(struct testbed *tb)
{
    struct vsmmu_host_ops ops = tb_ops(tb);
    struct snap before, after;
    size_t len = 0;
    void *b;

    snapshot(tb->s, &before);
    b = save(tb->s, &len);
    vsmmu_destroy(tb->s);
    CHECK_EQ(vsmmu_create(&tb->cfg, &ops, &tb->s), 0);
    CHECK_EQ(vsmmu_state_load(tb->s, b, len), 0);
    free(b);
    snapshot(tb->s, &after);
    check_same_regs(&before, &after, "after the load");
}

/* ---- twin runs ------------------------------------------------------------------ */

struct scen {
    struct vsmmu_config cfg;
    struct guest_opts o;
    bool msi_callback;
    unsigned nsteps;
    void (*step)(struct testbed *tb, struct guest *g, unsigned i);
};

struct outcome {
    struct snap sn;
    struct tb_irq irqs[TB_MAX_IRQS];
    unsigned nirqs;
    uint8_t *ram;
};

/* Run @sc, migrating before step @at (none when @at > nsteps). */
static void run(const struct scen *sc, unsigned at, struct outcome *out)
{
    struct testbed tb;
    struct guest g;

    memset(&tb, 0, sizeof(tb));
    tb.msi_via_callback = sc->msi_callback;
    tb_init(&tb, &sc->cfg);
    guest_init(&g, &tb, &sc->o);
    for (unsigned i = 0; i <= sc->nsteps; i++) {
        if (i == at)
            migrate(&tb);
        if (i < sc->nsteps)
            sc->step(&tb, &g, i);
    }
    snapshot(tb.s, &out->sn);
    memcpy(out->irqs, tb.irqs, sizeof(tb.irqs));
    out->nirqs = tb.nirqs;
    out->ram = malloc(tb.ram_size);
    CHECK(out->ram != NULL);
    memcpy(out->ram, tb.ram, tb.ram_size);
    tb_fini(&tb);
}

static void twin(const struct scen *sc)
{
    struct outcome *ref = calloc(1, sizeof(*ref)), *mig = calloc(1, sizeof(*mig));

    CHECK(ref && mig);
    run(sc, ~0u, ref);
    for (unsigned at = 0; at <= sc->nsteps; at++) {
        char what[64];
        snprintf(what, sizeof(what), "migrated before step %u", at);
        run(sc, at, mig);
        check_same_regs(&ref->sn, &mig->sn, what);
        CHECK_MSG(ref->nirqs == mig->nirqs, "%s: %u interrupts, expected %u", what,
                  mig->nirqs, ref->nirqs);
        for (unsigned i = 0; i < ref->nirqs; i++)
            CHECK_MSG(ref->irqs[i].line == mig->irqs[i].line &&
                      ref->irqs[i].addr == mig->irqs[i].addr &&
                      ref->irqs[i].data == mig->irqs[i].data, "%s: interrupt %u differs", what, i);
        CHECK_MSG(!memcmp(ref->ram, mig->ram, TB_RAM_SIZE), "%s: guest RAM differs", what);
        free(mig->ram);
    }
    free(ref->ram);
    free(ref);
    free(mig);
}

/* A command error (CERROR_ILL) stops the queue with CMDQ_CONS.ERR and
 * GERROR.CMDQ_ERR; the guest repairs the command, acknowledges, syncs. */
static void step_cmdq_err(struct testbed *tb, struct guest *g, unsigned i)
{
    uint64_t cmd[2];

    switch (i) {
    case 0:
        guest_cmd_op(cmd, 0x7f);             /* a reserved opcode */
        CHECK_EQ(guest_cmd(g, cmd), 0);
        guest_cmd_op(cmd, OP_TLBI_NSNH_ALL);
        CHECK_EQ(guest_cmd(g, cmd), 0);
        break;
    case 1:
        CHECK_EQ(guest_cmdq_err(g), CERROR_ILL);
        CHECK(guest_gerror_active(g) & fld_mask(GERROR_CMDQ_ERR));
        /* repair the faulting slot in place (CONS points at it) */
        guest_cmd_op(cmd, OP_PREFETCH_CONFIG);
        tb_w64(tb, g->cmdq + (tb_readl(tb, R_CMDQ_CONS) & ((1u << g->cmdq_log2) - 1)) * 16,
               cmd[0]);
        break;
    case 2:
        guest_gerror_ack(g);
        break;
    default:
        CHECK_EQ(guest_sync(g), 0);
        break;
    }
}

TEST(twin_cmdq_error_waiting_for_gerrorn)
{
    struct scen sc = { .nsteps = 4, .step = step_cmdq_err };

    vsmmu_config_default(&sc.cfg);
    twin(&sc);
}

/* Faults fill a 4-entry event queue: OVFLG toggles, MSIs on each
 * empty-to-non-empty transition only; the guest drains, more faults. */
static void step_evq_full(struct testbed *tb, struct guest *g, unsigned i)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t rec[4];

    if (i % 3 == 2) {
        guest_pop_event(g, rec);
        guest_pop_event(g, rec);
        return;
    }
    for (unsigned k = 0; k < 3; k++)
        CHECK_EQ(vsmmu_translate(tb->s, 5 + i, VSMMU_NO_SSID, 0x1000u * k, VSMMU_ACC_READ,
                                 &r), 0);
    if (i == 1)
        CHECK(tb_readl(tb, R_EVENTQ_PROD) & fld_mask(Q_OVFLG));
}

TEST(twin_event_queue_full_with_ovflg_and_msi)
{
    struct scen sc = { .nsteps = 7, .step = step_evq_full, .msi_callback = true };

    vsmmu_config_default(&sc.cfg);
    sc.o.evtq_log2 = 2;
    sc.o.msi = true;
    twin(&sc);
}

/* The event queue write aborts: GERROR.EVENTQ_ABT_ERR with its MSI; the
 * guest acknowledges, the memory is fine again, faults are recorded. */
static void step_evq_abort(struct testbed *tb, struct guest *g, unsigned i)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);

    switch (i) {
    case 0:
        tb->abort_lo = g->evtq;
        tb->abort_hi = g->evtq + (32u << g->evtq_log2);
        CHECK_EQ(vsmmu_translate(tb->s, 3, VSMMU_NO_SSID, 0, VSMMU_ACC_WRITE, &r), 0);
        CHECK(guest_gerror_active(g) & fld_mask(GERROR_EVENTQ_ABT_ERR));
        break;
    case 1:
        CHECK_EQ(vsmmu_translate(tb->s, 4, VSMMU_NO_SSID, 0, VSMMU_ACC_WRITE, &r), 0);
        tb->abort_lo = tb->abort_hi = 0;
        break;
    case 2:
        guest_gerror_ack(g);
        break;
    default:
        CHECK_EQ(vsmmu_translate(tb->s, 6, VSMMU_NO_SSID, 0, VSMMU_ACC_READ, &r), 0);
        break;
    }
}

TEST(twin_gerror_active_event_queue_abort)
{
    struct scen sc = { .nsteps = 4, .step = step_evq_abort, .msi_callback = true };

    vsmmu_config_default(&sc.cfg);
    sc.o.msi = true;
    twin(&sc);
}

/* ---- the blob is hostile input ------------------------------------------------------ */

struct blob_env {
    struct testbed tb;
    struct guest g;
    uint8_t *b;
    size_t len;
    struct snap before;
};

static void blob_init(struct blob_env *e)
{
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    uint64_t cmd[2];

    memset(e, 0, sizeof(*e));
    tb_init(&e->tb, NULL);
    guest_init(&e->g, &e->tb, NULL);
    CHECK_EQ(vsmmu_translate(e->tb.s, 9, VSMMU_NO_SSID, 0, VSMMU_ACC_READ, &r), 0);
    guest_cmd_op(cmd, 0x7f);
    CHECK_EQ(guest_cmd(&e->g, cmd), 0);
    e->b = save(e->tb.s, &e->len);
    /* the instance to load into: reset, different from the blob */
    vsmmu_reset(e->tb.s);
    snapshot(e->tb.s, &e->before);
}

static void blob_fini(struct blob_env *e)
{
    free(e->b);
    tb_fini(&e->tb);
}

static void check_unchanged(struct blob_env *e)
{
    struct snap now;
    snapshot(e->tb.s, &now);
    check_same_regs(&e->before, &now, "after a refused load");
}

TEST(load_restores_a_reset_instance_and_counters)
{
    struct blob_env e;
    struct snap now;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);

    blob_init(&e);
    CHECK_EQ(vsmmu_state_load(e.tb.s, e.b, e.len), 0);
    snapshot(e.tb.s, &now);
    CHECK(now.r[R_CMDQ_CONS / 4] & fld_mask(CMDQ_CONS_ERR));
    vsmmu_get_stats(e.tb.s, &st);
    CHECK_EQ(st.events, 1);
    CHECK_EQ(st.tlb_misses, 1);
    /* loading it twice is fine */
    CHECK_EQ(vsmmu_state_load(e.tb.s, e.b, e.len), 0);
    blob_fini(&e);
}

TEST(truncated_blobs_are_refused)
{
    struct blob_env e;

    blob_init(&e);
    for (size_t n = 0; n < e.len; n++)
        CHECK_EQ(vsmmu_state_load(e.tb.s, e.b, n), -EBADMSG);
    CHECK(e.tb.nerrors > 0);
    /* and truncated ones that claim their own length */
    for (size_t n = 32; n < e.len; n += 4) {
        int rc;
        sb_reseal(e.b, n);
        rc = vsmmu_state_load(e.tb.s, e.b, n);
        CHECK_MSG(rc == -EBADMSG || rc == -EINVAL, "length %zu: %d", n, rc);
    }
    check_unchanged(&e);
    blob_fini(&e);
}

TEST(corrupted_blobs_are_refused)
{
    struct blob_env e;

    blob_init(&e);
    for (size_t i = 0; i < e.len; i++) {
        for (unsigned bit = 0; bit < 8; bit += 3) {
            int rc;
            e.b[i] ^= (uint8_t)(1u << bit);
            rc = vsmmu_state_load(e.tb.s, e.b, e.len);
            CHECK_MSG(rc == -EBADMSG || rc == -EPROTO, "byte %zu bit %u: %d", i, bit, rc);
            e.b[i] ^= (uint8_t)(1u << bit);
        }
    }
    check_unchanged(&e);
    CHECK_EQ(vsmmu_state_load(e.tb.s, e.b, e.len), 0);
    blob_fini(&e);
}

TEST(future_versions)
{
    struct blob_env e;
    uint8_t *b;
    size_t n;

    blob_init(&e);
    /* a newer major version is refused */
    e.b[8] = 2;
    CHECK_EQ(vsmmu_state_load(e.tb.s, e.b, e.len), -EPROTO);
    CHECK(tb_log_contains(&e.tb, "format version 2.0"));
    e.b[8] = 1;
    /* unknown header flags */
    sb_put32(e.b + 20, 1);
    sb_reseal(e.b, e.len);
    CHECK_EQ(vsmmu_state_load(e.tb.s, e.b, e.len), -EPROTO);
    sb_put32(e.b + 20, 0);
    sb_reseal(e.b, e.len);
    check_unchanged(&e);

    /* a newer minor version: a longer register section and an unknown
     * optional section are read (the known part) and skipped */
    b = calloc(1, e.len + 64);
    CHECK(b != NULL);
    {
        uint32_t plen = 0;
        size_t regs = sb_section(e.b, e.len, 2, &plen), end = regs + plen;
        memcpy(b, e.b, end);
        sb_put32(b + regs - 4, plen + 8);
        memset(b + end, 0xa5, 8);
        memcpy(b + end + 8, e.b + end, e.len - end);
        n = e.len + 8;
        b[10] = 7;                                  /* minor 7 */
        b[n] = 0x42;                                /* section 0x42, optional */
        sb_put32(b + n + 4, 8);
        n += 16;
        sb_reseal(b, n);
        CHECK_EQ(vsmmu_state_load(e.tb.s, b, n), 0);
        /* the same section marked mandatory */
        b[n - 16 + 2] = 1;
        sb_reseal(b, n);
        CHECK_EQ(vsmmu_state_load(e.tb.s, b, n), -EPROTO);
    }
    free(b);
    blob_fini(&e);
}

/* The blob with the word at @off set to @v (resealed) is refused with
 * -EINVAL and a message containing @why; then @orig is put back. */
static void patch_refused(struct blob_env *e, const uint8_t *orig, size_t off, uint32_t v,
                          const char *why)
{
    sb_put32(e->b + off, v);
    sb_reseal(e->b, e->len);
    CHECK_EQ(vsmmu_state_load(e->tb.s, e->b, e->len), -EINVAL);
    CHECK_MSG(tb_log_contains(&e->tb, why), "no message with '%s'", why);
    memcpy(e->b, orig, e->len);
}

TEST(inconsistent_blobs_are_refused)
{
    struct blob_env e;
    uint32_t plen;
    size_t regs, cfg;
    uint8_t *copy;

    blob_init(&e);
    copy = malloc(e.len);
    CHECK(copy != NULL);
    memcpy(copy, e.b, e.len);
    regs = sb_section(e.b, e.len, 2, &plen);
    cfg = sb_section(e.b, e.len, 1, &plen);
    CHECK(regs && cfg);
    /* CR0 with a reserved bit; CR0ACK differing from CR0; CMDQ_PROD beyond
     * the 20 index bits (at 10 words, a dword, 2 words, a dword, a word, a
     * dword = 76); IDR1 of another configuration */
    patch_refused(&e, copy, regs, sb_le32(e.b + regs) | (1u << 31), "CR0 =");
    patch_refused(&e, copy, regs + 4, sb_le32(e.b + regs + 4) ^ 1, "CR0ACK");
    patch_refused(&e, copy, regs + 76, 1u << 20, "CMDQ_PROD");
    patch_refused(&e, copy, cfg + 4, sb_le32(e.b + cfg + 4) ^ 1, "IDR1");
    /* a section twice */
    {
        uint8_t *b = malloc(e.len + 8 + plen);
        CHECK(b != NULL);
        memcpy(b, e.b, e.len);
        memcpy(b + e.len, e.b + cfg - 8, 8 + plen);
        sb_reseal(b, e.len + 8 + plen);
        CHECK_EQ(vsmmu_state_load(e.tb.s, b, e.len + 8 + plen), -EBADMSG);
        free(b);
    }
    check_unchanged(&e);
    CHECK_EQ(vsmmu_state_load(e.tb.s, copy, e.len), 0);
    free(copy);
    blob_fini(&e);
}

TEST(another_configuration_is_refused)
{
    struct blob_env e;
    struct testbed tb2;
    struct vsmmu_config cfg;

    blob_init(&e);
    vsmmu_config_default(&cfg);
    cfg.eventqs = 10;
    memset(&tb2, 0, sizeof(tb2));
    tb_init(&tb2, &cfg);
    CHECK_EQ(vsmmu_state_load(tb2.s, e.b, e.len), -EINVAL);
    CHECK(tb_log_contains(&tb2, "another configuration"));
    tb_fini(&tb2);
    /* arguments */
    CHECK_EQ(vsmmu_state_load(NULL, e.b, e.len), -EINVAL);
    CHECK_EQ(vsmmu_state_load(e.tb.s, NULL, 4), -EINVAL);
    CHECK_EQ(vsmmu_state_load(e.tb.s, NULL, 0), -EBADMSG);
    CHECK_EQ(vsmmu_state_save(NULL, NULL, 0, NULL), -EINVAL);
    blob_fini(&e);
}
