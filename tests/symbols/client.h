/* SPDX-License-Identifier: MIT */
/*
 * Shared by the programs of tests/symbols, which use only the public
 * headers (not the test harness): PASS/FAIL lines in the harness's format
 * and guest RAM that reads as zeros and ignores writes.
 */
#ifndef VSMMU_TESTS_SYMBOLS_CLIENT_H
#define VSMMU_TESTS_SYMBOLS_CLIENT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *client_name;
static unsigned client_passed, client_failed;

static void result(const char *name, int ok)
{
    printf("%s %s:%s\n", ok ? "PASS" : "FAIL", client_name, name);
    if (ok)
        client_passed++;
    else
        client_failed++;
}

/* The summary line; main's exit status. */
static int summary(void)
{
    printf("%s: %u passed, %u failed\n", client_name, client_passed, client_failed);
    return client_failed != 0;
}

static int mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    (void)opaque;
    (void)addr;
    memset(buf, 0, len);
    return 0;
}

static int mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    (void)opaque;
    (void)addr;
    (void)buf;
    (void)len;
    return 0;
}

#endif
