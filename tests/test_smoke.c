// SPDX-License-Identifier: MIT
#include "harness.h"
#include "testbed.h"

TEST(create_destroy)
{
    struct testbed tb = {0};
    tb_init(&tb, NULL);
    tb_fini(&tb);
}

TEST(create_rejects_bad_config)
{
    struct vsmmu_config cfg;
    struct testbed tb = {0};
    struct vsmmu_host_ops ops;
    vsmmu_t *s = NULL;
    vsmmu_config_default(&cfg);
    cfg.oas_bits = 47;
    ops = tb_ops(&tb);
    CHECK(vsmmu_create(&cfg, &ops, &s) < 0);
    CHECK(s == NULL);
    CHECK(tb_log_contains(&tb, "oas"));
}

TEST(accel_config_rules)
{
    struct vsmmu_config cfg;
    struct testbed tb = {0};
    struct vsmmu_host_ops ops = tb_ops(&tb);
    vsmmu_t *s = NULL;

    vsmmu_config_default(&cfg);
    cfg.accel = true;
    CHECK(vsmmu_create(&cfg, &ops, &s) < 0);       /* stage 2 advertised */
    CHECK(tb_log_contains(&tb, "stage 1 only"));
    cfg.stage2 = false;
    cfg.oas_bits = 40;
    CHECK(vsmmu_create(&cfg, &ops, &s) < 0);       /* oas not 44/48 */
    CHECK(tb_log_contains(&tb, "oas 44 or 48"));
    cfg.oas_bits = 44;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), 0);
    vsmmu_destroy(s);
}
