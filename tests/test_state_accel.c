// SPDX-License-Identifier: MIT
/*
 * Save and restore in accel mode (docs/state.md, "Accel mode"): a source
 * with two passthrough devices (one on a nested HWPT made from its guest
 * STE, one on the bypass proxy), a live vEVENTQ and host events delivered
 * to the guest's queue but not consumed, is saved; the destination is a
 * fresh instance on a fresh simulated kernel whose host devices have other
 * dev_ids.  After the load and the VMM's re-attach (in either order) the
 * host objects match the source's by kind and relation (what each device
 * is attached to, the vSTE a nested HWPT got, the vDEVICE's virt_id), the
 * guest's queue and registers are the source's, and a host event injected
 * on both arrives in both guests' queues byte for byte the same.
 */
#include <stdio.h>

#include "state_blob.h"
#include "test_accel.h"
#include "vsmmu_state.h"

#define VSID_S1 8u
#define VSID_BYP 9u

/* One side of a migration without the recording transport (the fixture of
 * test_accel.h has one per process; the source uses it). */
struct side {
    struct testbed tb;
    vsmmu_iommufd_t *sim;
    struct vsmmu_iommufd_dev dev[3];
    uint32_t s2[3];
};

static void source_setup(struct at *x)
{
    uint64_t ste[8];
    uint8_t rec[32];

    at_init(x, NULL, 2);
    guest_init(&x->g, &x->tb, NULL);
    CHECK_EQ(at_attach(x, 0, VSID_S1), 0);
    CHECK_EQ(at_attach(x, 1, VSID_BYP), 0);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x->g, VSID_S1, ste);
    at_cfg_ste(ste, STE_CFG_BYPASS, true);
    guest_write_ste(&x->g, VSID_BYP, ste);
    /* two host events delivered to the guest's queue, not consumed */
    for (uint8_t i = 0; i < 2; i++) {
        at_host_rec(rec, EVT_F_TRANSLATION, 0x8000000ull + 0x1000ull * i, i);
        CHECK_EQ(vsmmu_sim_host_event(x->sim, x->dev[0].dev_id, rec), 1);
    }
    CHECK_EQ(vsmmu_accel_process_events(x->tb.s), 2);
}

static void *save_blob(vsmmu_t *s, size_t *len)
{
    size_t need = 0;
    void *b;

    CHECK_EQ(vsmmu_state_save(s, NULL, 0, &need), -ENOSPC);
    b = malloc(need);
    CHECK(b != NULL);
    CHECK_EQ(vsmmu_state_save(s, b, need, len), 0);
    return b;
}

/* The destination: same configuration and guest RAM, a new kernel with an
 * unrelated device first so that dev_ids and object ids differ. */
static void dest_init(struct side *d, const struct at *src)
{
    memset(d, 0, sizeof(*d));
    tb_init(&d->tb, &src->tb.cfg);
    memcpy(d->tb.ram, src->tb.ram, src->tb.ram_size);
    CHECK_EQ(vsmmu_iommufd_sim_create(&d->sim), 0);
    for (unsigned i = 0; i < 3; i++) {
        d->dev[i].struct_size = sizeof(d->dev[i]);
        CHECK_EQ(vsmmu_sim_add_device(d->sim, NULL, &d->dev[i], &d->s2[i]), 0);
    }
    CHECK_EQ(vsmmu_accel_set_iommufd(d->tb.s, d->sim), 0);
}

static void dest_attach(struct side *d)
{
    CHECK_EQ(vsmmu_accel_attach(d->tb.s, VSID_S1, &d->dev[1], d->s2[1]), 0);
    CHECK_EQ(vsmmu_accel_attach(d->tb.s, VSID_BYP, &d->dev[2], d->s2[2]), 0);
}

static void dest_fini(struct side *d)
{
    vsmmu_destroy(d->tb.s);
    d->tb.s = NULL;
    CHECK_EQ(vsmmu_sim_count(d->sim, "viommu"), 0);
    CHECK_EQ(vsmmu_sim_count(d->sim, "fd"), 0);
    vsmmu_iommufd_close(d->sim);
    tb_fini(&d->tb);
}

/* What device @dev_id is attached to, without ids: the HWPT's kind, for a
 * nested one its vSTE and the vIOMMU's type, and the vDEVICE's virt_id. */
static void describe(vsmmu_iommufd_t *t, uint32_t dev_id, char *buf, size_t size)
{
    struct vsmmu_sim *S = sim_of(t);
    const struct sim_obj *dev, *hw, *vd;

    CHECK(dev_id < S->cap && (dev = S->objs[dev_id]) && dev->kind == SIM_DEVICE);
    CHECK(dev->hwpt < S->cap && (hw = S->objs[dev->hwpt]) != NULL);
    vd = dev->vdev && dev->vdev < S->cap ? S->objs[dev->vdev] : NULL;
    if (hw->kind == SIM_HWPT_NESTED)
        snprintf(buf, size, "nested vste=%016llx:%016llx viommu-type=%u vdev=%llx",
                 (unsigned long long)hw->vste[0], (unsigned long long)hw->vste[1],
                 S->objs[hw->viommu]->type, vd ? (unsigned long long)vd->virt_id : 0ull);
    else
        snprintf(buf, size, "paging nest-parent=%d vdev=%llx", hw->nest_parent,
                 vd ? (unsigned long long)vd->virt_id : 0ull);
}

static void check_same_objects(struct at *x, struct side *d)
{
    static const char *const kinds[] = { "viommu", "vdevice", "veventq", "fd" };
    struct vsmmu_accel_objects a = VSMMU_STRUCT_INIT(a), b = VSMMU_STRUCT_INIT(b);
    char da[200], db[200];

    vsmmu_accel_get_objects(x->tb.s, &a);
    vsmmu_accel_get_objects(d->tb.s, &b);
    CHECK_EQ(a.viommu, 1);
    CHECK_EQ(a.hwpt, 3);
    CHECK_EQ(b.viommu, a.viommu);
    CHECK_EQ(b.hwpt, a.hwpt);
    CHECK_EQ(b.vdevice, a.vdevice);
    CHECK_EQ(b.veventq, a.veventq);
    CHECK_EQ(b.veventq_depth, a.veventq_depth);
    for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        CHECK_MSG(vsmmu_sim_count(x->sim, kinds[i]) == vsmmu_sim_count(d->sim, kinds[i]),
                  "%s: %u on the source, %u on the destination", kinds[i],
                  vsmmu_sim_count(x->sim, kinds[i]), vsmmu_sim_count(d->sim, kinds[i]));
    for (unsigned i = 0; i < 2; i++) {
        describe(x->sim, x->dev[i].dev_id, da, sizeof(da));
        describe(d->sim, d->dev[i + 1].dev_id, db, sizeof(db));
        CHECK_MSG(!strcmp(da, db), "device %u: source %s, destination %s", i, da, db);
    }
    describe(x->sim, x->dev[0].dev_id, da, sizeof(da));
    CHECK(!strncmp(da, "nested vste=", 12));
}

/* The guest-visible registers of both sides. */
static void check_same_regs(struct at *x, struct side *d)
{
    static const uint64_t offs[] = { R_CR0, R_GBPA, R_IRQ_CTRL, R_GERROR, R_GERRORN,
                                     R_STRTAB_BASE, R_STRTAB_BASE_CFG, R_CMDQ_BASE,
                                     R_CMDQ_PROD, R_CMDQ_CONS, R_EVENTQ_BASE,
                                     R_EVENTQ_PROD, R_EVENTQ_CONS };
    for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
        CHECK_MSG(tb_readl(&x->tb, offs[i]) == tb_readl(&d->tb, offs[i]),
                  "register 0x%llx: 0x%08x source, 0x%08x destination",
                  (unsigned long long)offs[i], tb_readl(&x->tb, offs[i]),
                  tb_readl(&d->tb, offs[i]));
}

/* A host event on both sides arrives byte-exact in both guests' queues. */
static void check_same_event(struct at *x, struct side *d)
{
    uint8_t rec[32], a[32], b[32];
    uint32_t prod = tb_readl(&x->tb, R_EVENTQ_PROD) & q_wrmask(x->g.evtq_log2);
    uint64_t slot = x->g.evtq + (uint64_t)q_index(prod, x->g.evtq_log2) * EVT_SIZE;

    at_host_rec(rec, EVT_F_PERMISSION, 0x1234000ull, 9);
    CHECK_EQ(vsmmu_sim_host_event(x->sim, x->dev[0].dev_id, rec), 1);
    CHECK_EQ(vsmmu_sim_host_event(d->sim, d->dev[1].dev_id, rec), 1);
    CHECK(vsmmu_accel_event_fd(d->tb.s) >= 0);
    CHECK_EQ(vsmmu_accel_process_events(x->tb.s), 1);
    CHECK_EQ(vsmmu_accel_process_events(d->tb.s), 1);
    tb_read(&x->tb, slot, a, 32);
    tb_read(&d->tb, slot, b, 32);
    CHECK(!memcmp(a, b, 32));
    CHECK_EQ(st_get((const uint64_t[]){ vsmmu_le64(b) }, EVT_SID), VSID_S1);
    CHECK(!memcmp(x->tb.ram, d->tb.ram, TB_RAM_SIZE));
    check_same_regs(x, d);
}

TEST(accel_load_then_reattach)
{
    struct at x;
    struct side d;
    struct vsmmu_stats a = VSMMU_STRUCT_INIT(a), b = VSMMU_STRUCT_INIT(b);
    size_t len = 0;
    void *blob;

    source_setup(&x);
    blob = save_blob(x.tb.s, &len);
    dest_init(&d, &x);
    CHECK_EQ(vsmmu_state_load(d.tb.s, blob, len), 0);
    /* nothing on the host until the VMM attaches its devices */
    CHECK_EQ(vsmmu_sim_count(d.sim, "viommu"), 0);
    dest_attach(&d);
    check_same_objects(&x, &d);
    check_same_regs(&x, &d);
    vsmmu_get_stats(x.tb.s, &a);
    vsmmu_get_stats(d.tb.s, &b);
    CHECK_EQ(a.delivered, 2);
    CHECK_EQ(b.delivered, a.delivered);
    check_same_event(&x, &d);
    /* the destination runs on: unplug and replug as on any host */
    CHECK_EQ(vsmmu_accel_detach(d.tb.s, VSID_BYP), 0);
    CHECK_EQ(vsmmu_accel_attach(d.tb.s, VSID_BYP, &d.dev[2], d.s2[2]), 0);
    free(blob);
    dest_fini(&d);
    at_fini(&x);
}

/* QEMU's order: the devices are attached (realized) before the incoming
 * state is loaded. */
TEST(accel_attach_then_load)
{
    struct at x;
    struct side d;
    size_t len = 0;
    void *blob;

    source_setup(&x);
    blob = save_blob(x.tb.s, &len);
    dest_init(&d, &x);
    dest_attach(&d);
    CHECK_EQ(vsmmu_sim_count(d.sim, "veventq"), 0);
    CHECK_EQ(vsmmu_state_load(d.tb.s, blob, len), 0);
    check_same_objects(&x, &d);
    check_same_event(&x, &d);
    free(blob);
    dest_fini(&d);
    at_fini(&x);
}

/* Host events the VMM did not drain before saving are lost, and the guest
 * is told through EVENTQ_PROD.OVFLG (on the source and in the state). */
TEST(accel_undrained_events_flag_overflow)
{
    struct at x;
    struct side d;
    struct vsmmu_stats st = VSMMU_STRUCT_INIT(st);
    uint8_t rec[32];
    size_t len = 0;
    void *blob;

    source_setup(&x);
    CHECK_EQ(fld_get(tb_readl(&x.tb, R_EVENTQ_PROD), Q_OVFLG), 0);
    for (uint8_t i = 0; i < 3; i++) {
        at_host_rec(rec, EVT_F_TRANSLATION, 0x9000000ull, i);
        CHECK_EQ(vsmmu_sim_host_event(x.sim, x.dev[0].dev_id, rec), 1);
    }
    blob = save_blob(x.tb.s, &len);
    CHECK_EQ(fld_get(tb_readl(&x.tb, R_EVENTQ_PROD), Q_OVFLG), 1);
    CHECK(tb_log_contains(&x.tb, "3 host event(s) still in the vEVENTQ are lost"));
    vsmmu_get_stats(x.tb.s, &st);
    CHECK_EQ(st.host_lost, 3);
    CHECK_EQ(st.delivered, 2);
    dest_init(&d, &x);
    CHECK_EQ(vsmmu_state_load(d.tb.s, blob, len), 0);
    dest_attach(&d);
    CHECK_EQ(tb_readl(&d.tb, R_EVENTQ_PROD), tb_readl(&x.tb, R_EVENTQ_PROD));
    vsmmu_get_stats(d.tb.s, &st);
    CHECK_EQ(st.host_lost, 3);
    free(blob);
    dest_fini(&d);
    at_fini(&x);
}

/* Accel sections that cannot be right are refused; an accel state does not
 * go into an instance that is not in accel mode. */
TEST(accel_section_checked)
{
    struct at x;
    struct testbed plain;
    struct vsmmu_config cfg;
    size_t len = 0, off;
    uint32_t plen = 0;
    uint8_t *blob, *dev0, *dev1, keep[24];

    source_setup(&x);
    blob = save_blob(x.tb.s, &len);
    /* the accel section (id 4): 16 bytes, then {vSID, attachment, two STE
     * words} each; the first device (vSID order) is nested */
    off = sb_section(blob, len, 4, &plen);
    CHECK(off && plen == 16 + 2 * 24);
    dev0 = blob + off + 16;
    dev1 = dev0 + 24;
    memcpy(keep, dev1, sizeof(keep));
    memcpy(dev1, dev0, 4);                  /* the first device's vSID twice */
    sb_reseal(blob, len);
    CHECK_EQ(vsmmu_state_load(x.tb.s, blob, len), -EINVAL);
    CHECK(tb_log_contains(&x.tb, "appears twice"));
    memcpy(dev1, keep, sizeof(keep));
    dev1[4] = 7;                            /* no attachment kind 7 */
    sb_reseal(blob, len);
    CHECK_EQ(vsmmu_state_load(x.tb.s, blob, len), -EINVAL);
    CHECK(tb_log_contains(&x.tb, "unknown attachment 7"));
    memcpy(dev1, keep, sizeof(keep));
    dev1[8] = 1;                            /* STE words on a non-nested device */
    sb_reseal(blob, len);
    CHECK_EQ(vsmmu_state_load(x.tb.s, blob, len), -EINVAL);
    CHECK(tb_log_contains(&x.tb, "STE words"));
    memcpy(dev1, keep, sizeof(keep));
    memcpy(keep, dev0, sizeof(keep));
    dev0[8 + 6] ^= 0x10;                    /* STE word 0 bit 52: never nested data */
    sb_reseal(blob, len);
    CHECK_EQ(vsmmu_state_load(x.tb.s, blob, len), -EINVAL);
    memcpy(dev0, keep, sizeof(keep));
    sb_reseal(blob, len);

    at_config(&cfg);
    cfg.accel = false;
    memset(&plain, 0, sizeof(plain));
    tb_init(&plain, &cfg);
    CHECK_EQ(vsmmu_state_load(plain.s, blob, len), -EINVAL);
    tb_fini(&plain);
    /* the untouched blob loads (onto the source itself) */
    CHECK_EQ(vsmmu_state_load(x.tb.s, blob, len), 0);
    free(blob);
    at_fini(&x);
}

/* The destination's host refuses the nested HWPT: the device's traffic
 * aborts (abort proxy), the error is logged, the attach succeeds, and the
 * guest's next CFGI_STE installs the nested HWPT as usual. */
TEST(accel_nested_refused_on_destination_aborts)
{
    struct at x;
    struct side d;
    struct guest g;
    size_t len = 0;
    char desc[200];
    void *blob;

    source_setup(&x);
    blob = save_blob(x.tb.s, &len);
    dest_init(&d, &x);
    CHECK_EQ(vsmmu_state_load(d.tb.s, blob, len), 0);
    /* HWPT allocations of the first attach: abort proxy, bypass proxy,
     * then the nested one */
    CHECK_EQ(vsmmu_sim_fail(d.sim, VSMMU_SIM_HWPT_ALLOC, 3, EIO), 0);
    dest_attach(&d);
    CHECK(tb_log_contains(&d.tb, "IOMMU_HWPT_ALLOC of a nested HWPT failed"));
    describe(d.sim, d.dev[1].dev_id, desc, sizeof(desc));
    CHECK_MSG(!strncmp(desc, "nested vste=0000000000000001:", 29), "%s", desc);
    g = x.g;
    g.tb = &d.tb;
    CHECK_EQ(guest_cfgi_ste(&g, VSID_S1), 0);
    check_same_objects(&x, &d);
    free(blob);
    dest_fini(&d);
    at_fini(&x);
}
