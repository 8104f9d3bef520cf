// SPDX-License-Identifier: MIT
/*
 * Logging: the level threshold (vsmmu_config.log_level, VSMMU_FLAG_TRACE),
 * and the per-call-site, per-instance rate limit of messages
 * (docs/logging.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "model/model.h"
#include "testbed.h"

/* A log callback that keeps counts rather than text: it sees every line. */
struct counter {
    unsigned lines, by_level[4];
    unsigned summaries;         /* "N similar messages suppressed" lines */
    uint64_t suppressed;        /* their N, summed */
    const char *needle;         /* count lines containing it: */
    unsigned needle_lines;      /*   delivered (summaries excluded) */
    uint64_t needle_suppressed; /*   summed N of their summaries */
    char last[512];
};

static void count_log(void *opaque, enum vsmmu_log_level level, const char *msg)
{
    struct counter *c = opaque;
    unsigned long long k;
    int end = 0;
    bool summary;

    c->lines++;
    if ((unsigned)level < 4)
        c->by_level[level]++;
    summary = sscanf(msg, "%llu similar messages suppressed (last: %n", &k, &end) == 1 &&
              end > 0;
    if (summary) {
        c->summaries++;
        c->suppressed += k;
    }
    if (c->needle && strstr(msg, c->needle)) {
        if (summary)
            c->needle_suppressed += k;
        else
            c->needle_lines++;
    }
    snprintf(c->last, sizeof(c->last), "%s", msg);
}

static int mem_rd(void *o, uint64_t a, void *b, size_t l)
{
    (void)o, (void)a;
    memset(b, 0, l);
    return 0;
}

static int mem_wr(void *o, uint64_t a, const void *b, size_t l)
{
    (void)o, (void)a, (void)b, (void)l;
    return 0;
}

static vsmmu_t *make(struct counter *c, enum vsmmu_log_level level, uint32_t flags)
{
    struct vsmmu_config cfg;
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = mem_rd,
                                  .mem_write = mem_wr, .log = count_log, .opaque = c };
    vsmmu_t *s = NULL;

    vsmmu_config_default(&cfg);
    cfg.log_level = level;
    cfg.flags |= flags;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), 0);
    return s;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* GBPA written without Update: ignored, logged at VSMMU_LOG_GUEST. */
static void bad_gbpa(vsmmu_t *s)
{
    CHECK_EQ(vsmmu_mmio_write(s, R_GBPA, 4, 0x100000), 0);
}

/* A 2-byte access: RAZ/WI and -EINVAL, logged at VSMMU_LOG_GUEST (another
 * call site). */
static void bad_size(vsmmu_t *s)
{
    CHECK_EQ(vsmmu_mmio_write(s, R_CR0, 2, 0), -EINVAL);
}

/* ---- threshold --------------------------------------------------------- */

TEST(log_default_level_is_info)
{
    struct vsmmu_config cfg;
    vsmmu_config_default(&cfg);
    CHECK_EQ(cfg.log_level, VSMMU_LOG_INFO);
}

TEST(log_threshold_filters_levels)
{
    static const struct vsmmu_log_site site = { __FILE__, __LINE__ };
    for (int lvl = VSMMU_LOG_ERROR; lvl <= VSMMU_LOG_TRACE; lvl++) {
        struct counter c = { 0 };
        vsmmu_t *s = make(&c, (enum vsmmu_log_level)lvl, 0);

        for (int m = VSMMU_LOG_ERROR; m <= VSMMU_LOG_TRACE; m++)
            vsmmu_log_at(s, &site + 0, (enum vsmmu_log_level)m, "message at %d", m);
        for (int m = VSMMU_LOG_ERROR; m <= VSMMU_LOG_TRACE; m++)
            CHECK_MSG(c.by_level[m] == (m <= lvl ? 1u : 0u),
                      "threshold %d: %u messages at %d", lvl, c.by_level[m], m);
        vsmmu_destroy(s);
    }
}

TEST(log_guest_messages_follow_threshold)
{
    struct counter c = { 0 };
    vsmmu_t *s = make(&c, VSMMU_LOG_ERROR, 0);

    bad_gbpa(s);
    bad_size(s);
    CHECK_EQ(c.lines, 0);
    vsmmu_destroy(s);
    s = make(&c, VSMMU_LOG_GUEST, 0);
    bad_gbpa(s);
    CHECK_EQ(c.by_level[VSMMU_LOG_GUEST], 1);
    CHECK_MSG(strstr(c.last, "GBPA write without Update"), "%s", c.last);
    vsmmu_destroy(s);
}

/* Above the threshold a message is not formatted at all: an argument that
 * would crash vsnprintf is never looked at. */
TEST(log_not_formatted_above_threshold)
{
    static const struct vsmmu_log_site site = { __FILE__, __LINE__ };
    const char *poison = (const char *)(uintptr_t)8;
    struct counter c = { 0 };
    vsmmu_t *s = make(&c, VSMMU_LOG_GUEST, 0);

    vsmmu_log_at(s, &site, VSMMU_LOG_INFO, "%s", poison);
    vsmmu_log_at(s, &site, VSMMU_LOG_TRACE, "%s", poison);
    CHECK_EQ(c.lines, 0);
    vsmmu_destroy(s);
}

/* VSMMU_FLAG_TRACE (0.1) is log_level = TRACE. */
TEST(log_flag_trace_raises_threshold)
{
    struct counter c = { 0 };
    vsmmu_t *s = make(&c, VSMMU_LOG_ERROR, VSMMU_FLAG_TRACE);

    CHECK_EQ(vsmmu_mmio_write(s, R_GBPA, 4, 0x80000000u), 0);  /* Update: traced */
    CHECK(c.by_level[VSMMU_LOG_TRACE] >= 1);
    bad_gbpa(s);
    CHECK_EQ(c.by_level[VSMMU_LOG_GUEST], 1);
    vsmmu_destroy(s);
    memset(&c, 0, sizeof(c));
    s = make(&c, VSMMU_LOG_INFO, 0);
    CHECK_EQ(vsmmu_mmio_write(s, R_GBPA, 4, 0x80000000u), 0);
    CHECK_EQ(c.by_level[VSMMU_LOG_TRACE], 0);
    vsmmu_destroy(s);
}

TEST(log_bad_level_refused)
{
    struct vsmmu_config cfg;
    struct counter c = { 0 };
    struct vsmmu_host_ops ops = { .struct_size = sizeof(ops), .mem_read = mem_rd,
                                  .mem_write = mem_wr, .log = count_log, .opaque = &c };
    vsmmu_t *s = NULL;

    vsmmu_config_default(&cfg);
    cfg.log_level = (enum vsmmu_log_level)4;
    CHECK_EQ(vsmmu_create(&cfg, &ops, &s), -EINVAL);
    CHECK(s == NULL);
    CHECK_EQ(c.by_level[VSMMU_LOG_ERROR], 1);
    CHECK_MSG(strstr(c.last, "log_level"), "%s", c.last);
}

/* ---- rate limit ------------------------------------------------------- */

/* The criterion: 100,000 bad GBPA writes give a bounded number of
 * lines, and every message is accounted for (delivered or counted). */
TEST(log_flood_is_bounded)
{
    struct counter c = { .needle = "GBPA write without Update" };
    vsmmu_t *s = make(&c, VSMMU_LOG_INFO, 0);
    double t0 = now_s(), secs;

    for (unsigned i = 0; i < 100000; i++)
        bad_gbpa(s);
    secs = now_s() - t0;
    /* at most BURST per started second, plus a summary per window */
    CHECK_MSG(c.lines <= (VSMMU_LOG_BURST + 1) * (unsigned)(secs + 1.0),
              "%u lines in %.2f s", c.lines, secs);
    CHECK(c.needle_lines >= VSMMU_LOG_BURST);
    vsmmu_destroy(s);
    /* destroy reports what is still pending */
    CHECK(c.summaries >= 1);
    CHECK_MSG(strstr(c.last, "similar messages suppressed (last: GBPA write without Update"),
              "%s", c.last);
    CHECK_EQ(c.needle_lines + c.needle_suppressed, 100000);
    CHECK(c.lines <= (VSMMU_LOG_BURST + 1) * (unsigned)(secs + 1.0) + 1);
}

/* Suppressed messages are not formatted either. */
TEST(log_suppressed_not_formatted)
{
    static const struct vsmmu_log_site site = { __FILE__, __LINE__ };
    const char *poison = (const char *)(uintptr_t)8;
    struct counter c = { 0 };
    vsmmu_t *s = make(&c, VSMMU_LOG_INFO, 0);

    for (unsigned i = 0; i < VSMMU_LOG_BURST; i++)
        vsmmu_log_at(s, &site, VSMMU_LOG_GUEST, "fine %u", i);
    vsmmu_log_at(s, &site, VSMMU_LOG_GUEST, "%s", poison);
    CHECK_EQ(c.lines, VSMMU_LOG_BURST);
    vsmmu_destroy(s);
    CHECK_EQ(c.suppressed, 1);
}

/* Each call site has its own budget. */
TEST(log_sites_independent)
{
    struct counter c = { .needle = "unsupported MMIO write" };
    vsmmu_t *s = make(&c, VSMMU_LOG_INFO, 0);

    for (unsigned i = 0; i < 50; i++)
        bad_gbpa(s);
    bad_size(s);
    bad_size(s);
    CHECK_EQ(c.needle_lines, 2);
    CHECK_EQ(c.lines, VSMMU_LOG_BURST + 2);
    vsmmu_destroy(s);
}

/* Each instance has its own budget. */
TEST(log_instances_independent)
{
    struct counter a = { 0 }, b = { 0 };
    vsmmu_t *sa = make(&a, VSMMU_LOG_INFO, 0), *sb = make(&b, VSMMU_LOG_INFO, 0);

    for (unsigned i = 0; i < 50; i++)
        bad_gbpa(sa);
    CHECK_EQ(a.lines, VSMMU_LOG_BURST);
    bad_gbpa(sb);
    CHECK_EQ(b.lines, 1);
    vsmmu_destroy(sa);
    vsmmu_destroy(sb);
    CHECK_EQ(a.suppressed, 50 - VSMMU_LOG_BURST);
    CHECK_EQ(b.summaries, 0);
}

/* After the window, the site fires again: the count first, then the
 * message, as the first of a new window. */
TEST(log_window_reopens)
{
    struct counter c = { .needle = "GBPA write without Update" };
    vsmmu_t *s = make(&c, VSMMU_LOG_INFO, 0);
    struct timespec ts = { 1, 100000000 };

    for (unsigned i = 0; i < 20; i++)
        bad_gbpa(s);
    CHECK_EQ(c.lines, VSMMU_LOG_BURST);
    nanosleep(&ts, NULL);
    bad_gbpa(s);
    CHECK_EQ(c.lines, VSMMU_LOG_BURST + 2);
    CHECK_EQ(c.summaries, 1);
    CHECK_EQ(c.suppressed, 20 - VSMMU_LOG_BURST);
    CHECK_MSG(strstr(c.last, "GBPA write without Update"), "%s", c.last);
    for (unsigned i = 0; i < 20; i++)
        bad_gbpa(s);
    CHECK_EQ(c.needle_lines, 2 * VSMMU_LOG_BURST);
    vsmmu_destroy(s);
    CHECK_EQ(c.needle_lines + c.needle_suppressed, 41);
}

/* vsmmu_reset() reports pending counts and gives every site a new budget. */
TEST(log_reset_reports_and_restarts)
{
    struct counter c = { 0 };
    vsmmu_t *s = make(&c, VSMMU_LOG_INFO, 0);

    for (unsigned i = 0; i < 10; i++)
        bad_gbpa(s);
    vsmmu_reset(s);
    CHECK_EQ(c.summaries, 1);
    CHECK_EQ(c.suppressed, 10 - VSMMU_LOG_BURST);
    CHECK_EQ(c.by_level[VSMMU_LOG_GUEST], VSMMU_LOG_BURST + 1);  /* at the site's level */
    bad_gbpa(s);
    CHECK_EQ(c.lines, VSMMU_LOG_BURST + 2);
    vsmmu_destroy(s);
    CHECK_EQ(c.summaries, 1);
}

/* TRACE messages are asked for: never rate-limited. */
TEST(log_trace_not_rate_limited)
{
    struct counter c = { 0 };
    vsmmu_t *s = make(&c, VSMMU_LOG_TRACE, 0);

    for (unsigned i = 0; i < 50; i++)
        CHECK_EQ(vsmmu_mmio_write(s, R_GBPA, 4, 0x80000000u), 0);
    CHECK(c.by_level[VSMMU_LOG_TRACE] >= 50);
    vsmmu_destroy(s);
    CHECK_EQ(c.summaries, 0);
}

/* More call sites than slots: the last slot is shared, still bounded. */
TEST(log_many_sites_bounded)
{
    static const struct vsmmu_log_site sites[3 * VSMMU_LOG_SLOTS];
    struct counter c = { 0 };
    vsmmu_t *s = make(&c, VSMMU_LOG_INFO, 0);

    for (unsigned r = 0; r < 20; r++)
        for (unsigned i = 0; i < 3 * VSMMU_LOG_SLOTS; i++)
            vsmmu_log_at(s, &sites[i], VSMMU_LOG_GUEST, "site %u", i);
    CHECK(c.lines <= VSMMU_LOG_SLOTS * VSMMU_LOG_BURST * 2);
    vsmmu_destroy(s);
    CHECK_EQ(c.lines - c.summaries + c.suppressed, 20 * 3 * VSMMU_LOG_SLOTS);
}
