// SPDX-License-Identifier: MIT
/*
 * Trace events of accel mode: host objects made and freed, device
 * attachments, host events delivered and lost.
 */
#include "test_accel.h"
#include "test_trace.h"

static unsigned count_kind(const struct trace_rec *tr, unsigned id, unsigned kind)
{
    unsigned k = 0;
    for (unsigned i = 0; i < tr->n; i++)
        if (tr->ev[i].id == id && tr_arg(&tr->ev[i], "kind") == kind)
            k++;
    return k;
}

TEST(trace_accel_objects_and_attach)
{
    static struct trace_rec tr;
    struct at x;
    uint64_t ste[8];
    const struct tr_ev *e;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    vsmmu_set_trace(x.tb.s, tr_record, &tr);
    CHECK_EQ(at_attach(&x, 0, 0x21), 0);
    /* the vIOMMU, its two proxy HWPTs, the vEVENTQ (EVENTQEN is set), the
     * vDEVICE, and the device on a proxy */
    CHECK_EQ(count_kind(&tr, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_VIOMMU), 1);
    CHECK_EQ(count_kind(&tr, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_HWPT), 2);
    CHECK_EQ(count_kind(&tr, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_VEVENTQ), 1);
    CHECK_EQ(count_kind(&tr, VSMMU_TRACE_ACCEL_NEW, VSMMU_TRACE_OBJ_VDEVICE), 1);
    e = tr_find(&tr, VSMMU_TRACE_ACCEL_NEW, 0);
    CHECK_EQ(tr_arg(e, "id"), ac_last(AC_VIOMMU)->out);
    e = tr_find(&tr, VSMMU_TRACE_ACCEL_ATTACH, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "vsid"), 0x21);
    CHECK_EQ(tr_arg(e, "hwpt"), at_attached(&x, 0));
    /* the guest's stage-1 STE: a nested HWPT, attached */
    tr_clear(&tr);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x.g, 0x21, ste);
    e = tr_find(&tr, VSMMU_TRACE_ACCEL_NEW, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "kind"), VSMMU_TRACE_OBJ_HWPT);
    CHECK_EQ(tr_arg(e, "id"), ac_last(AC_HWPT_ALLOC)->out);
    e = tr_find(&tr, VSMMU_TRACE_ACCEL_ATTACH, 0);
    CHECK_EQ(tr_arg(e, "hwpt"), ac_last(AC_HWPT_ALLOC)->out);
    /* unplug: everything freed */
    tr_clear(&tr);
    CHECK_EQ(vsmmu_accel_detach(x.tb.s, 0x21), 0);
    CHECK_EQ(count_kind(&tr, VSMMU_TRACE_ACCEL_FREE, VSMMU_TRACE_OBJ_VIOMMU), 1);
    CHECK_EQ(count_kind(&tr, VSMMU_TRACE_ACCEL_FREE, VSMMU_TRACE_OBJ_HWPT), 3);
    CHECK_EQ(count_kind(&tr, VSMMU_TRACE_ACCEL_FREE, VSMMU_TRACE_OBJ_VEVENTQ), 1);
    CHECK_EQ(count_kind(&tr, VSMMU_TRACE_ACCEL_FREE, VSMMU_TRACE_OBJ_VDEVICE), 1);
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_ACCEL_ATTACH, 0), "hwpt"), x.s2[0]);
    at_fini(&x);
}

TEST(trace_accel_host_events)
{
    static struct trace_rec tr;
    struct at x;
    uint64_t ste[8];
    uint8_t rec[32];
    const struct tr_ev *e;

    at_init(&x, NULL, 1);
    guest_init(&x.g, &x.tb, NULL);
    CHECK_EQ(at_attach(&x, 0, 0x22), 0);
    at_s1_ste(ste, 0x40080000);
    guest_write_ste(&x.g, 0x22, ste);
    vsmmu_set_trace(x.tb.s, tr_record, &tr);
    at_host_rec(rec, EVT_F_PERMISSION, 0x8000000ull, 1);
    CHECK_EQ(vsmmu_sim_host_event(x.sim, x.dev[0].dev_id, rec), 1);
    CHECK_EQ(vsmmu_simx_set_seq(x.sim, ac_last(AC_VEVQ)->out, 5), 0);
    CHECK_EQ(vsmmu_sim_host_event(x.sim, x.dev[0].dev_id, rec), 1);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 2);
    e = tr_find(&tr, VSMMU_TRACE_HOST_EVENT, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "event"), EVT_F_PERMISSION);
    CHECK_EQ(tr_arg(e, "vsid"), 0x22);
    CHECK_EQ(tr_arg(e, "seq"), 0);
    CHECK_EQ(tr_arg(e, "delivered"), 1);
    e = tr_find(&tr, VSMMU_TRACE_HOST_LOST, 0);
    CHECK(e != NULL);
    CHECK_EQ(tr_arg(e, "count"), 4);
    CHECK_EQ(tr_arg(e, "total"), 4);
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_HOST_EVENT, 1), "seq"), 5);
    /* the guest queue disabled: not delivered */
    tb_writel(&x.tb, R_CR0, tb_readl(&x.tb, R_CR0) & ~(uint32_t)fld_mask(CR0_EVENTQEN));
    tr_clear(&tr);
    CHECK_EQ(vsmmu_sim_host_event(x.sim, x.dev[0].dev_id, rec), 1);
    CHECK_EQ(vsmmu_accel_process_events(x.tb.s), 1);
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_HOST_EVENT, 0), "delivered"), 0);
    CHECK_EQ(tr_arg(tr_find(&tr, VSMMU_TRACE_EVENT_RECORD, 0), "result"),
             VSMMU_TRACE_EVQ_DISABLED);
    at_fini(&x);
}
