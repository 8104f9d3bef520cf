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
