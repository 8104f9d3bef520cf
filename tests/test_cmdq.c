// SPDX-License-Identifier: MIT
/* Command queue: consumption, wrap, errors, CMD_SYNC. */
#include <string.h>

#include "guest.h"
#include "harness.h"
#include "internal.h"
#include "testbed.h"

TEST(cmdq_bringup_linux_style)
{
    struct testbed tb = {0};
    struct guest g;
    tb_init(&tb, NULL);
    guest_init(&g, &tb, NULL);
    CHECK_EQ(tb_readl(&tb, R_CR0ACK), 0xd);
    CHECK_EQ(guest_gerror_active(&g), 0);
    CHECK_EQ(tb_readl(&tb, R_CMDQ_CONS), 3);   /* CFGI_ALL, TLBI_NSNH_ALL, SYNC */
    tb_fini(&tb);
}
