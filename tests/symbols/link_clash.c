// SPDX-License-Identifier: MIT
/*
 * A program that defines names the library uses inside (functions of
 * src/xlate, src/accel and src/model, including vsmmu_-prefixed internal
 * ones) with signatures of its own, then drives the library through the
 * public API.  It links against libvsmmu.a (test_link_clash) and
 * libvsmmu.so (test_link_clash_so): before the library localized its
 * internal symbols the static link failed with multiple definitions.
 */
#include <string.h>

#include <vsmmu.h>
#include <vsmmu_iommufd.h>

#include "client.h"

/* Today's internal names, as an application might happen to use them. */
int xl_walk_s1(int x);
int xl_load_ste(int x);
int accel_find(int x);
void vsmmu_log(const char *msg);
int xl_walk_s1(int x) { return x + 1; }
int xl_load_ste(int x) { return x + 2; }
int accel_find(int x) { return x + 3; }
int xl_fast = 7;              /* a function in the library, data here */
static unsigned logged;
void vsmmu_log(const char *msg) { (void)msg; logged++; }

static unsigned lib_logged;

static void host_log(void *opaque, enum vsmmu_log_level level, const char *msg)
{
    (void)opaque;
    (void)level;
    (void)msg;
    lib_logged++;
}

int main(void)
{
    struct vsmmu_host_ops ops = {
        .struct_size = sizeof(ops), .mem_read = mem_read, .mem_write = mem_write, .log = host_log,
    };
    struct vsmmu_config cfg;
    struct vsmmu_xlate_result r = VSMMU_STRUCT_INIT(r);
    vsmmu_iommufd_t *t = NULL;
    vsmmu_t *s = NULL;
    uint64_t idr0 = 0;

    client_name = "test_link_clash";
    result("own_definitions_are_used",
           xl_walk_s1(1) == 2 && xl_load_ste(1) == 3 && accel_find(1) == 4 && xl_fast == 7);

    vsmmu_config_default(&cfg);
    result("library_creates_an_instance", vsmmu_create(&cfg, &ops, &s) == 0);
    if (!s)
        return 1;
    vsmmu_mmio_read(s, 0x0 /* IDR0 */, 4, &idr0);
    result("library_reads_idr0", idr0 != 0);
    /* GBPA bypass while the SMMU is disabled: the translation is the input. */
    vsmmu_mmio_write(s, 0x44 /* GBPA */, 4, 1u << 31);
    result("library_translates",
           vsmmu_translate(s, 1, VSMMU_NO_SSID, 0x40002000, VSMMU_ACC_READ, &r) == 0 &&
               r.status == VSMMU_XLATE_OK && r.addr == 0x40002000);
    /* A misaligned access the library logs through its own vsmmu_log (to
     * the host's log callback), not through the program's vsmmu_log. */
    vsmmu_mmio_write(s, 0x3, 4, 0);
    result("library_logs_through_its_own_vsmmu_log", lib_logged > 0 && logged == 0);
    vsmmu_destroy(s);
    result("library_transport_calls",
           vsmmu_iommufd_open("/nonexistent/iommu", &t) < 0 && t == NULL);

    return summary();
}
