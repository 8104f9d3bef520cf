// SPDX-License-Identifier: MIT
/*
 * The vsmmu tool in accel mode (--set accel=on, the simulated iommufd
 * kernel): the accel scripts of tests/scripts/, the stage2 default, and
 * tracing.
 */
#include "test_tool.h"

/* hot-plug, vEVENTQ lifecycle, host event delivery and filtering, reset */
TEST(script_accel) { check_script("accel"); }
/* host-fail on each step of vIOMMU creation; malformed accel commands */
TEST(script_accel_fail) { check_script("accel-fail"); }
/* a host vEVENTQ overflow: host-lost, OVFLG, the error line */
TEST(script_accel_loss) { check_script("accel-loss"); }

TEST(accel_implies_stage2_off_unless_set)
{
    const char *accel[] = { "--set", "accel=on", NULL };
    const char *both[] = { "run", "--set", "accel=on", "--set", "stage2=on", NULL };
    const char *off_first[] = { "--set", "stage2=off", "--set", "accel=on", NULL };
    struct tool_result r;

    /* IDR0.S2P = 0, S1P = 1 */
    tool_script(accel, "readl 0x0\n", &r);
    {
        unsigned long v = 0;
        CHECK_MSG(sscanf(r.out, "OK 0x%lx", &v) == 1, "%s%s", r.out, r.err);
        CHECK_EQ(v & 3, 2);
    }
    tool_result_free(&r);
    tool_script(off_first, "readl 0x0\n", &r);
    CHECK_EQ(r.status, 0);
    tool_result_free(&r);
    /* stage2=on given explicitly: the library refuses it */
    tool_exec(both, "readl 0x0\n", &r);
    CHECK_EQ(r.status, 2);
    CHECK_MSG(strstr(r.err, "vsmmu: error: "), "%s", r.err);
    tool_result_free(&r);
}

TEST(accel_trace_changes_no_answer)
{
    /* the script's own "#! args" are not read here: pass them */
    const char *plain_a[] = { "run", "--set", "accel=on", "tests/scripts/accel.vsmmu", NULL };
    const char *traced_a[] = { "run", "--set", "accel=on", "--trace",
                               "tests/scripts/accel.vsmmu", NULL };
    struct tool_result a, b;

    tool_exec(plain_a, NULL, &a);
    tool_exec(traced_a, NULL, &b);
    CHECK_MSG(a.status == 0 && b.status == 0, "%d %d\n%s", a.status, b.status, b.err);
    CHECK_MSG(!strcmp(a.out, b.out), "with --trace:\n%s\nwithout:\n%s", b.out, a.out);
    CHECK_MSG(a.err[0] == '\0', "%s", a.err);
    CHECK_MSG(strstr(b.err, "vsmmu: trace: accel_new kind=0x1(viommu) id=0x"),
              "no accel trace:\n%s", b.err);
    CHECK_MSG(strstr(b.err, "vsmmu: trace: accel_attach vsid=0x8 hwpt=0x"), "%s", b.err);
    CHECK_MSG(strstr(b.err, "vsmmu: trace: host_event event=0x10(F_TRANSLATION) vsid=0x8 "
                            "seq=0x0 delivered=0x1\n"), "%s", b.err);
    CHECK_MSG(strstr(b.err, "vsmmu: trace: accel_free kind=0x4(veventq) id=0x"), "%s", b.err);
    tool_result_free(&a);
    tool_result_free(&b);
}
