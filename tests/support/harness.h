/* SPDX-License-Identifier: MIT */
/*
 * Minimal test harness.  Each TEST runs in its own forked process (so a
 * crash or hang fails that test only); CHECK* failures print the location
 * and end the test.  The binary prints "PASS name" / "FAIL name" per test
 * and a final "N passed, N failed".  An argument runs only the tests whose
 * names contain it.
 */
#ifndef VSMMU_TEST_HARNESS_H
#define VSMMU_TEST_HARNESS_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_TESTS 1024
struct t_case { const char *name; void (*fn)(void); };
extern struct t_case t_cases[MAX_TESTS];
extern int t_ncases;

void t_register(const char *name, void (*fn)(void));
void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#define TEST(name)                                                          \
    static void name(void);                                                 \
    __attribute__((constructor)) static void name##__reg(void)              \
    { t_register(#name, name); }                                            \
    static void name(void)

#define CHECK(cond)                                                         \
    do { if (!(cond)) t_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)

#define CHECK_EQ(a, b)                                                      \
    do {                                                                    \
        unsigned long long a_ = (unsigned long long)(a);                    \
        unsigned long long b_ = (unsigned long long)(b);                    \
        if (a_ != b_)                                                       \
            t_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): 0x%llx != 0x%llx", \
                   #a, #b, a_, b_);                                         \
    } while (0)

/* xorshift64: a fixed pseudo-random sequence from a non-zero seed, so a
 * randomized test fails the same way every run. */
static inline uint64_t t_xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

#define CHECK_MSG(cond, ...)                                                \
    do { if (!(cond)) t_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)

#endif
