// SPDX-License-Identifier: MIT
/*
 * Accel mode: attach and detach of passthrough devices, the vIOMMU made at
 * the first attach, the host compatibility check, the vDEVICEs, teardown
 * order, reset, and fault injection at every backend call of an attach
 * (docs/accel.md rules 7, 11-13, 25, 37-40, 42, 43).
 */
#include <dirent.h>

#include "test_accel.h"

static unsigned open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    unsigned n = 0;
    CHECK(d != NULL);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* Host IDRs equal to the vSMMU's, plus what the host needs for nesting. */
TEST(accel_attach_refused_without_iommufd)
{
    struct testbed tb = {0};
    struct vsmmu_config cfg;
    struct vsmmu_iommufd_dev dev = { .struct_size = sizeof(dev), .dev_id = 1, .vfio_fd = -1 };

    at_config(&cfg);
    tb_init(&tb, &cfg);
    CHECK_EQ(vsmmu_accel_attach(tb.s, 1, &dev, 2), -EINVAL);
    CHECK(tb_log_contains(&tb, "no iommufd"));
    tb_fini(&tb);
}

TEST(accel_set_iommufd_refused_outside_accel_mode)
{
    struct testbed tb = {0};
    vsmmu_iommufd_t *sim;

    tb_init(&tb, NULL);
    CHECK_EQ(vsmmu_iommufd_sim_create(&sim), 0);
    CHECK_EQ(vsmmu_accel_set_iommufd(tb.s, sim), -EINVAL);
    CHECK(tb_log_contains(&tb, "not created in accel mode"));
    tb_fini(&tb);
    vsmmu_iommufd_close(sim);
}

TEST(accel_first_attach_builds_viommu_in_order)
{
    struct at x;
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    struct ac_call *c;
    uint32_t viommu;

    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 0x10), 0);
    /* GET_HW_INFO, VIOMMU_ALLOC, abort proxy, bypass proxy, vDEVICE, attach. */
    CHECK_EQ(ac_log.n, 6);
    c = ac_log.calls;
    CHECK_EQ(c[0].kind, AC_HW_INFO);
    CHECK_EQ(c[0].a, x.dev[0].dev_id);
    CHECK_EQ(c[1].kind, AC_VIOMMU);
    CHECK_EQ(c[1].a, VSMMU_VIOMMU_TYPE_ARM_SMMUV3);
    CHECK_EQ(c[1].b, x.dev[0].dev_id);
    CHECK_EQ(c[1].c, x.s2[0]);
    viommu = c[1].out;
    CHECK_EQ(c[2].kind, AC_HWPT_ALLOC);
    CHECK_EQ(c[2].b, viommu);
    CHECK_EQ(c[2].c, 0);
    CHECK_EQ(c[2].d0, 0x1);
    CHECK_EQ(c[2].d1, 0);
    CHECK_EQ(c[3].kind, AC_HWPT_ALLOC);
    CHECK_EQ(c[3].b, viommu);
    CHECK_EQ(c[3].d0, 0x9);
    CHECK_EQ(c[3].d1, 0);
    CHECK_EQ(c[4].kind, AC_VDEV);
    CHECK_EQ(c[4].a, viommu);
    CHECK_EQ(c[4].d0, 0x10);
    CHECK_EQ(c[5].kind, AC_ATTACH);
    /* GBPA resets to ABORT=0: the bypass proxy. */
    CHECK_EQ(c[5].b, c[3].out);
    CHECK_EQ(at_attached(&x, 0), c[3].out);
    vsmmu_accel_get_objects(x.tb.s, &o);
    CHECK_EQ(o.viommu, 1);
    CHECK_EQ(o.hwpt, 2);
    CHECK_EQ(o.vdevice, 1);
    CHECK_EQ(o.veventq, 0);
    CHECK_EQ(vsmmu_sim_count(x.sim, "viommu"), 1);
    CHECK_EQ(vsmmu_sim_count(x.sim, "vdevice"), 1);
    at_fini(&x);
}

TEST(accel_first_attach_with_gbpa_abort_uses_abort_proxy)
{
    struct at x;

    at_init(&x, NULL, 1);
    tb_writel(&x.tb, R_GBPA, (uint32_t)(fld_mask(GBPA_UPDATE) | fld_mask(GBPA_ABORT)));
    CHECK_EQ(at_attach(&x, 0, 3), 0);
    CHECK_EQ(at_attached(&x, 0), AC_ABORT_PROXY);
    at_fini(&x);
}

/* A later attach follows the guest's configuration at once (here SMMUEN=0
 * and GBPA bypass: the bypass proxy), never the device's S2 HWPT alone:
 * make arm-check found a hot-plugged device doing stage-2-only DMA there. */
TEST(accel_later_attach_checks_host_and_follows_guest)
{
    struct at x;
    unsigned n;

    at_init(&x, NULL, 2);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    n = ac_log.n;
    CHECK_EQ(at_attach(&x, 1, 2), 0);
    /* The compatibility check, the device's own vDEVICE, its attachment. */
    CHECK_EQ(ac_log.n - n, 3);
    CHECK_EQ(ac_log.calls[n].kind, AC_HW_INFO);
    CHECK_EQ(ac_log.calls[n + 1].kind, AC_VDEV);
    CHECK_EQ(ac_log.calls[n + 1].d0, 2);
    CHECK_EQ(ac_log.calls[n + 2].kind, AC_ATTACH);
    CHECK_EQ(ac_count(AC_VIOMMU), 1);
    CHECK_EQ(at_attached(&x, 1), AC_BYPASS_PROXY);
    at_fini(&x);
}

/* vsmmu's choice: the vDEVICE is made at attach, so every nested attach
 * works on kernels (6.15) that require one for abort/bypass vSTEs too. */
TEST(accel_attach_works_with_615_nested_attach_rule)
{
    struct at x;

    at_init(&x, NULL, 1);
    vsmmu_simx_set_attach_v615(x.sim, true);
    CHECK_EQ(at_attach(&x, 0, 7), 0);
    CHECK_EQ(at_attached(&x, 0), AC_BYPASS_PROXY);
    at_fini(&x);
}

TEST(accel_attach_refuses_non_smmuv3_host)
{
    struct at x;
    struct vsmmu_iommufd_dev mock = VSMMU_STRUCT_INIT(mock);
    uint32_t ioas, hwpt;

    at_init(&x, NULL, 0);
    CHECK_EQ(vsmmu_iommufd_ioas_alloc(x.sim, &ioas), 0);
    CHECK_EQ(vsmmu_iommufd_mock_device(x.sim, ioas, &mock, &hwpt), 0);
    x.base_objs = vsmmu_sim_count(x.sim, "all");
    CHECK(vsmmu_accel_attach(x.tb.s, 5, &mock, hwpt) < 0);
    CHECK(tb_log_contains(&x.tb, "not ARM SMMUv3"));
    CHECK_EQ(ac_count(AC_VIOMMU), 0);
    at_fini(&x);
}

struct compat_case {
    const char *field;
    unsigned reg, hi, lo;
    uint32_t host;      /* the host's (incompatible) value */
};

TEST(accel_attach_refuses_incompatible_host)
{
    static const struct compat_case cases[] = {
        { "ST_LEVEL", 0, IDR0_ST_LEVEL, 0 },
        { "TTENDIAN", 0, IDR0_TTENDIAN, 3 },
        { "TTF", 0, IDR0_TTF, 1 },
        { "SIDSIZE", 1, IDR1_SIDSIZE, 15 },
        { "SSIDSIZE", 1, IDR1_SSIDSIZE, 4 },
        { "RIL", 3, IDR3_RIL, 0 },
        { "ATS", 0, IDR0_ATS, 0 },
        { "ASID16", 0, IDR0_ASID16, 0 },
        { "GRAN4K", 5, IDR5_GRAN4K, 0 },
        { "GRAN16K", 5, IDR5_GRAN16K, 0 },
        { "GRAN64K", 5, IDR5_GRAN64K, 0 },
        { "OAS is 44 bits, less than the vSMMU's 48", 5, IDR5_OAS, 4 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vsmmu_config cfg;
        struct at x;
        uint32_t idr[6];
        struct vsmmu_iommufd_dev dev = VSMMU_STRUCT_INIT(dev);
        uint32_t s2;

        at_config(&cfg);
        cfg.ssidsize = 8;
        cfg.ats = true;
        at_init(&x, &cfg, 0);
        at_host_idr_like(&x, idr);
        /* The unmodified host is accepted... */
        at_add_device(&x, 0, idr);
        /* ...one field off is refused, naming it. */
        idr[cases[i].reg] = (uint32_t)fld_set(idr[cases[i].reg], cases[i].hi, cases[i].lo,
                                              cases[i].host);
        CHECK_EQ(vsmmu_sim_add_device(x.sim, idr, &dev, &s2), 0);
        x.base_objs = vsmmu_sim_count(x.sim, "all");
        CHECK_MSG(vsmmu_accel_attach(x.tb.s, 9, &dev, s2) == -EINVAL, "case %s",
                  cases[i].field);
        CHECK_MSG(tb_log_contains(&x.tb, cases[i].field), "case %s: no message",
                  cases[i].field);
        CHECK_EQ(ac_count(AC_VIOMMU), 0);
        CHECK_EQ(at_attach(&x, 0, 1), 0);
        /* A later attach is checked too. */
        CHECK_EQ(vsmmu_accel_attach(x.tb.s, 9, &dev, s2), -EINVAL);
        CHECK_EQ(ac_count(AC_VDEV), 1);
        at_fini(&x);
    }
}

TEST(accel_attach_accepts_larger_host)
{
    struct at x;
    uint32_t idr[6];

    at_init(&x, NULL, 0);
    at_host_idr_like(&x, idr);
    idr[5] = (uint32_t)fld_set(idr[5], IDR5_OAS, 6);        /* 52 bits */
    idr[1] = (uint32_t)fld_set(idr[1], IDR1_SIDSIZE, 32);
    idr[1] = (uint32_t)fld_set(idr[1], IDR1_SSIDSIZE, 20);
    idr[0] = (uint32_t)fld_set(idr[0], IDR0_TTF, 3);
    idr[0] = (uint32_t)fld_set(idr[0], IDR0_TTENDIAN, 0);
    at_add_device(&x, 0, idr);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    at_fini(&x);
}

TEST(accel_attach_refuses_duplicates_and_bad_vsid)
{
    struct vsmmu_config cfg;
    struct at x;

    at_config(&cfg);
    cfg.sidsize = 8;
    at_init(&x, &cfg, 2);
    CHECK_EQ(at_attach(&x, 0, 0x100), -EINVAL);
    CHECK(tb_log_contains(&x.tb, "SIDSIZE"));
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    CHECK_EQ(at_attach(&x, 1, 1), -EEXIST);
    CHECK_EQ(at_attach(&x, 0, 2), -EEXIST);
    CHECK_EQ(vsmmu_accel_detach(x.tb.s, 2), -ENOENT);
    CHECK(tb_log_contains(&x.tb, "no such device"));
    at_fini(&x);
}

static const struct { enum vsmmu_sim_op op; unsigned nth; const char *what; } attach_calls[] = {
    { VSMMU_SIM_GET_HW_INFO, 1, "IOMMU_GET_HW_INFO" },
    { VSMMU_SIM_VIOMMU_ALLOC, 1, "IOMMU_VIOMMU_ALLOC" },
    { VSMMU_SIM_HWPT_ALLOC, 1, "abort proxy" },
    { VSMMU_SIM_HWPT_ALLOC, 2, "bypass proxy" },
    { VSMMU_SIM_VEVENTQ_ALLOC, 1, "IOMMU_VEVENTQ_ALLOC" },
    { VSMMU_SIM_VDEVICE_ALLOC, 1, "IOMMU_VDEVICE_ALLOC" },
    { VSMMU_SIM_ATTACH, 1, "abort proxy HWPT" },  /* SMMUEN=1, no STE */
};

/* docs/accel.md rule 7 and the leak rule: any failing backend call of a first attach
 * (guest event queue enabled, so the vEVENTQ is part of it) fails the
 * attach, reports it, and leaves no object, fd or memory behind. */
TEST(accel_first_attach_fault_injection_leaves_nothing)
{
    unsigned fds = open_fds();

    for (size_t i = 0; i < sizeof(attach_calls) / sizeof(attach_calls[0]); i++) {
        struct at x;
        struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);

        at_init(&x, NULL, 1);
        guest_init(&x.g, &x.tb, NULL);
        ac_reset_log();
        tb_clear_logs(&x.tb);
        CHECK_EQ(vsmmu_sim_fail(x.sim, attach_calls[i].op, attach_calls[i].nth, EIO), 0);
        CHECK_MSG(at_attach(&x, 0, 4) == -EIO, "fault at %s", attach_calls[i].what);
        CHECK_MSG(tb_log_contains(&x.tb, attach_calls[i].what), "no report of %s",
                  attach_calls[i].what);
        CHECK(tb_log_contains(&x.tb, "Input/output error"));
        CHECK_EQ(vsmmu_sim_count(x.sim, "all"), x.base_objs);
        CHECK_EQ(vsmmu_sim_count(x.sim, "fd"), 0);
        CHECK_EQ(at_attached(&x, 0), x.s2[0]);
        vsmmu_accel_get_objects(x.tb.s, &o);
        CHECK(!o.viommu && !o.hwpt && !o.vdevice && !o.veventq);
        CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), -1);
        /* Nothing half-made remains: the next attach builds it all. */
        CHECK_EQ(at_attach(&x, 0, 4), 0);
        vsmmu_accel_get_objects(x.tb.s, &o);
        CHECK(o.viommu && o.hwpt == 2 && o.vdevice == 1 && o.veventq == 1);
        at_fini(&x);
    }
    CHECK_EQ(open_fds(), fds);
}

TEST(accel_later_attach_fault_injection_leaves_nothing)
{
    static const enum vsmmu_sim_op ops[] = { VSMMU_SIM_GET_HW_INFO, VSMMU_SIM_VDEVICE_ALLOC };
    for (size_t i = 0; i < 2; i++) {
        struct at x;
        unsigned objs;

        at_init(&x, NULL, 2);
        CHECK_EQ(at_attach(&x, 0, 1), 0);
        objs = vsmmu_sim_count(x.sim, "all");
        CHECK_EQ(vsmmu_sim_fail(x.sim, ops[i], 1, ENOMEM), 0);
        CHECK_EQ(at_attach(&x, 1, 2), -ENOMEM);
        CHECK_EQ(vsmmu_sim_count(x.sim, "all"), objs);
        CHECK_EQ(at_attached(&x, 0), AC_BYPASS_PROXY);
        CHECK_EQ(at_attach(&x, 1, 2), 0);
        at_fini(&x);
    }
}

static struct { int old_fd, new_fd; unsigned calls_before; bool fd_open; unsigned n; } note;

static void fd_notifier(void *opaque, int old_fd, int new_fd)
{
    (void)opaque;
    note.old_fd = old_fd;
    note.new_fd = new_fd;
    note.calls_before = ac_log.n;
    note.fd_open = old_fd >= 0 && fcntl(old_fd, F_GETFD) != -1;
    note.n++;
}

/* docs/accel.md rules 40 and 11: detach moves the device to its S2, frees its nested HWPT
 * and vDEVICE; the last detach stops polling, closes the fd, destroys the
 * vEVENTQ, then the bypass and abort proxies and the vIOMMU. */
TEST(accel_detach_and_teardown_order)
{
    struct at x;
    uint64_t ste[8];
    struct ac_call *c;
    uint32_t viommu, abort_id, bypass_id, vevq, s1, vdev0;
    int fd, i;

    at_init(&x, NULL, 2);
    vsmmu_accel_set_event_fd_notifier(x.tb.s, fd_notifier, NULL);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    CHECK_EQ(at_attach(&x, 1, 2), 0);
    guest_init(&x.g, &x.tb, NULL);
    fd = vsmmu_accel_event_fd(x.tb.s);
    CHECK(fd >= 0);
    CHECK_EQ(note.n, 1);
    CHECK_EQ(note.old_fd, -1);
    CHECK_EQ(note.new_fd, fd);
    viommu = ac_last(AC_VIOMMU)->out;
    abort_id = AC_ABORT_PROXY;
    bypass_id = AC_BYPASS_PROXY;
    vevq = ac_last(AC_VEVQ)->out;
    vdev0 = ac_log.calls[ac_find(AC_VDEV, 0)].out;
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x.g, 1, ste);
    s1 = ac_last(AC_HWPT_ALLOC)->out;
    CHECK_EQ(at_attached(&x, 0), s1);

    ac_reset_log();
    CHECK_EQ(vsmmu_accel_detach(x.tb.s, 1), 0);
    CHECK_EQ(ac_log.n, 3);
    c = ac_log.calls;
    CHECK(c[0].kind == AC_ATTACH && c[0].a == x.dev[0].dev_id && c[0].b == x.s2[0]);
    CHECK(c[1].kind == AC_DESTROY && c[1].a == s1);
    CHECK(c[2].kind == AC_DESTROY && c[2].a == vdev0);
    CHECK_EQ(at_attached(&x, 0), x.s2[0]);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), fd);

    ac_reset_log();
    CHECK_EQ(vsmmu_accel_detach(x.tb.s, 2), 0);
    c = ac_log.calls;
    i = 0;
    CHECK(c[i].kind == AC_ATTACH && c[i].b == x.s2[1]);   /* it was on the bypass proxy */
    i++;
    CHECK(c[i].kind == AC_DESTROY);                        /* its vDEVICE */
    i++;
    CHECK(c[i].kind == AC_VEVQ_CLOSE && c[i].fd == fd);
    CHECK_EQ(note.n, 2);
    CHECK_EQ(note.old_fd, fd);
    CHECK_EQ(note.new_fd, -1);
    CHECK(note.fd_open);                                   /* told before the close */
    CHECK_EQ(note.calls_before, (unsigned)i);
    i++;
    CHECK(c[i].kind == AC_DESTROY && c[i].a == vevq && c[i].rc == 0);
    i++;
    CHECK(c[i].kind == AC_DESTROY && c[i].a == bypass_id && c[i].rc == 0);
    i++;
    CHECK(c[i].kind == AC_DESTROY && c[i].a == abort_id && c[i].rc == 0);
    i++;
    CHECK(c[i].kind == AC_DESTROY && c[i].a == viommu && c[i].rc == 0);
    CHECK_EQ(ac_log.n, (unsigned)i + 1);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), -1);
    CHECK_EQ(vsmmu_sim_count(x.sim, "all"), x.base_objs);
    CHECK_EQ(vsmmu_sim_count(x.sim, "fd"), 0);
    at_fini(&x);
}

TEST(accel_destroy_detaches_everything)
{
    struct at x;
    uint64_t ste[8];

    at_init(&x, NULL, 3);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    CHECK_EQ(at_attach(&x, 1, 2), 0);
    CHECK_EQ(at_attach(&x, 2, 3), 0);
    guest_init(&x.g, &x.tb, NULL);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x.g, 2, ste);
    CHECK(vsmmu_sim_count(x.sim, "all") > x.base_objs);
    at_fini(&x);     /* checks that nothing is left */
}

TEST(accel_detach_failure_keeps_device)
{
    struct at x;
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);

    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_ATTACH, 1, EIO), 0);
    CHECK_EQ(vsmmu_accel_detach(x.tb.s, 1), -EIO);
    CHECK(tb_log_contains(&x.tb, "re-attach to its S2 HWPT"));
    vsmmu_accel_get_objects(x.tb.s, &o);
    CHECK(o.viommu && o.vdevice == 1);
    CHECK_EQ(vsmmu_accel_detach(x.tb.s, 1), 0);
    at_fini(&x);
}

/* docs/accel.md rules 13, 25 and 42: reset keeps the vIOMMU, vEVENTQ, vDEVICEs and the
 * proxies, and attaches every device to the GBPA proxy. */
TEST(accel_reset_keeps_objects_and_attaches_gbpa_proxy)
{
    struct at x;
    uint64_t ste[8];
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);
    uint32_t bypass;
    int fd;

    at_init(&x, NULL, 2);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    CHECK_EQ(at_attach(&x, 1, 2), 0);
    guest_init(&x.g, &x.tb, NULL);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x.g, 1, ste);
    fd = vsmmu_accel_event_fd(x.tb.s);
    bypass = AC_BYPASS_PROXY;
    CHECK_EQ(ac_count(AC_VDEV), 2);
    ac_reset_log();
    vsmmu_reset(x.tb.s);
    CHECK_EQ(ac_count(AC_VIOMMU) + ac_count(AC_VEVQ) + ac_count(AC_VEVQ_CLOSE) +
             ac_count(AC_VDEV), 0);
    vsmmu_accel_get_objects(x.tb.s, &o);
    CHECK(o.viommu == 1 && o.vdevice == 2 && o.veventq == 1);
    CHECK_EQ(vsmmu_accel_event_fd(x.tb.s), fd);
    /* GBPA reset value: bypass.  The old nested HWPT is freed after the move. */
    CHECK_EQ(at_attached(&x, 0), bypass);
    CHECK_EQ(at_attached(&x, 1), bypass);
    CHECK_EQ(o.hwpt, 2);
    /* The vDEVICE survives the STE changes: re-installing makes no other. */
    guest_init(&x.g, &x.tb, NULL);
    guest_write_ste(&x.g, 1, ste);
    CHECK_EQ(ac_count(AC_VDEV), 0);
    CHECK_EQ(vsmmu_sim_count(x.sim, "vdevice"), 2);
    at_fini(&x);
}

/* A destroy that fails is retried before the vIOMMU goes, so nothing leaks. */
TEST(accel_failed_destroy_is_retried)
{
    struct at x;
    uint64_t ste[8];
    unsigned h;

    at_init(&x, NULL, 1);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    guest_init(&x.g, &x.tb, NULL);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x.g, 1, ste);
    h = vsmmu_sim_count(x.sim, "hwpt");
    /* The second install frees the first nested HWPT: make that fail. */
    CHECK_EQ(vsmmu_sim_fail(x.sim, VSMMU_SIM_DESTROY, 1, EBUSY), 0);
    at_s1_ste(ste, 0x40081000);     /* changed: an unchanged STE is kept (rule 45) */
    guest_write_ste(&x.g, 1, ste);
    CHECK(tb_log_contains(&x.tb, "IOMMU_DESTROY of a nested HWPT"));
    CHECK_EQ(vsmmu_sim_count(x.sim, "hwpt"), h + 1);
    CHECK_EQ(vsmmu_accel_detach(x.tb.s, 1), 0);
    CHECK_EQ(vsmmu_sim_count(x.sim, "all"), x.base_objs);
    at_fini(&x);
}

/* All devices of one vSMMU share its vIOMMU, so they must sit behind the
 * same host SMMU: another one is refused cleanly, with a hint. */
TEST(accel_attach_refuses_device_of_other_host_smmu)
{
    struct at x;
    uint32_t idr[6];
    unsigned objs;

    at_init(&x, NULL, 1);
    at_host_idr_like(&x, idr);
    idr[5] = (uint32_t)fld_set(idr[5], IDR5_OAS, 6);
    at_add_device(&x, 1, idr);
    CHECK_EQ(at_attach(&x, 0, 1), 0);
    objs = vsmmu_sim_count(x.sim, "all");
    CHECK(at_attach(&x, 1, 2) < 0);
    CHECK(tb_log_contains(&x.tb, "another host SMMU"));
    CHECK_EQ(vsmmu_sim_count(x.sim, "all"), objs);
    CHECK_EQ(at_attached(&x, 1), x.s2[1]);
    at_fini(&x);
}

/* The simulated kernel as Linux's arm-smmu-v3 driver (make arm-check's
 * x-fwb=off control): a host SMMU with nesting but without S2FWB offers no
 * vIOMMU (EOPNOTSUPP), and vsmmu's attach fails leaving nothing behind. */
TEST(accel_attach_host_without_s2fwb_refused)
{
    struct at x;
    uint32_t idr[6];
    struct vsmmu_accel_objects o = VSMMU_STRUCT_INIT(o);

    at_init(&x, NULL, 0);
    at_host_idr_like(&x, idr);
    idr[3] = (uint32_t)fld_set(idr[3], IDR3_FWB, 0);
    at_add_device(&x, 0, idr);
    CHECK_EQ(at_attach(&x, 0, 1), -EOPNOTSUPP);
    CHECK(tb_log_contains(&x.tb, "IOMMU_VIOMMU_ALLOC"));
    CHECK_EQ(vsmmu_accel_get_objects(x.tb.s, &o), 0);
    CHECK(!o.viommu && !o.hwpt && !o.vdevice && !o.veventq);
    CHECK_EQ(at_attached(&x, 0), x.s2[0]);
    at_fini(&x);
}
