// SPDX-License-Identifier: MIT
/*
 * Save and restore through the tool: every scenario of tests/scripts/ run
 * whole and split (save, a new instance or a new process, load, continue)
 * gives the same answers, standard error and exit status: registers,
 * events, interrupts, translations and, in accel mode, host objects.
 *
 * In accel mode `save` first drains the vEVENTQ as a VMM does before it
 * saves (docs/state.md), so the reference for a split after line k is the
 * whole run with a `poll` (its answer dropped) after line k.
 */
#include <dirent.h>

#include "test_tool.h"

struct scenario {
    char name[128];
    const char *args[40];
    char *argbuf[40];
    unsigned nargs;
    bool accel;
    char **lines;       /* command lines, with their newline */
    unsigned nlines;
};

static void scenario_load(struct scenario *sc, const char *name)
{
    char path[256], line[4096];
    FILE *f;

    memset(sc, 0, sizeof(*sc));
    snprintf(sc->name, sizeof(sc->name), "%.127s", name);
    snprintf(path, sizeof(path), "tests/scripts/%.127s", name);
    f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    sc->args[sc->nargs++] = "run";
    while (fgets(line, sizeof(line), f)) {
        char *l = tt_trim(line);
        if (!strncmp(l, "#!", 2)) {
            l = tt_trim(l + 2);
            if (strncmp(l, "args:", 5))
                continue;
            for (char *tok = strtok(l + 5, " \t"); tok && sc->nargs < 36;
                 tok = strtok(NULL, " \t")) {
                sc->argbuf[sc->nargs] = strdup(tok);
                sc->args[sc->nargs] = sc->argbuf[sc->nargs];
                sc->accel |= !strcmp(tok, "accel=on");
                sc->nargs++;
            }
            continue;
        }
        if (!tt_is_command(line))
            continue;
        sc->lines = realloc(sc->lines, (sc->nlines + 1) * sizeof(*sc->lines));
        CHECK(sc->lines != NULL);
        CHECK(asprintf(&sc->lines[sc->nlines++], "%s\n", l) > 0);
    }
    fclose(f);
    sc->args[sc->nargs++] = "-";
    sc->args[sc->nargs] = NULL;
    CHECK_MSG(sc->nlines > 0, "%s has no commands", path);
}

static void scenario_free(struct scenario *sc)
{
    for (unsigned i = 0; i < sc->nlines; i++)
        free(sc->lines[i]);
    free(sc->lines);
    for (unsigned i = 1; i < sc->nargs - 1; i++)
        free(sc->argbuf[i]);
}

/* A growable script text. */
struct text {
    char *p;
    size_t len;
};

static void text_add(struct text *t, const char *s)
{
    size_t n = strlen(s);
    t->p = realloc(t->p, t->len + n + 1);
    CHECK(t->p != NULL);
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* The answer lines of @out, without those at the indexes @drop says. */
static char *answers_without(const char *out, bool (*drop)(unsigned idx, void *arg), void *arg,
                             const char *must_be, const char *ctx)
{
    struct text t = { 0 };
    unsigned idx = 0;

    text_add(&t, "");
    for (const char *l = out; *l; idx++) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l + 1) : strlen(l);
        char buf[65536];
        CHECK(n < sizeof(buf));
        memcpy(buf, l, n);
        buf[n] = '\0';
        if (drop(idx, arg)) {
            if (must_be)
                CHECK_MSG(!strcmp(buf, must_be), "%s: answer %u is '%s', expected '%s'",
                          ctx, idx, buf, must_be);
        } else {
            text_add(&t, buf);
        }
        l += n;
    }
    return t.p;
}

/* Standard error with every number replaced by '#': host object ids and
 * dev_ids differ on the destination's host, messages must not. */
static char *without_numbers(const char *err)
{
    char *r = strdup(err), *w = r;

    CHECK(r != NULL);
    for (const char *p = err; *p;) {
        if (*p >= '0' && *p <= '9') {
            *w++ = '#';
            while (*p >= '0' && *p <= '9')
                p++;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return r;
}

static void check_same_stderr(const char *whole, const char *split, const char *ctx)
{
    char *a = without_numbers(whole), *b = without_numbers(split);
    CHECK_MSG(!strcmp(a, b), "%s: standard error differs\n---- whole:\n%s---- split:\n%s",
              ctx, whole, split);
    free(a);
    free(b);
}

/* ---- every line, one process: save and load into a new instance ------------ */

struct every {
    unsigned period;    /* answer lines per command line in the run */
};

/* Reference (accel): each command line is followed by `poll`. */
static bool drop_poll(unsigned idx, void *arg)
{
    return idx % ((struct every *)arg)->period != 0;
}

/* Split: a leading `save`/`load`, then each command line followed by both. */
static bool drop_save_load(unsigned idx, void *arg)
{
    (void)arg;
    return idx < 2 || (idx - 2) % 3 != 0;
}

static void split_every_line(const struct scenario *sc, const char *file)
{
    struct text ref = { 0 }, split = { 0 };
    struct tool_result r1, r2;
    struct every ev = { sc->accel ? 2 : 1 };
    char save_load[1000], *a1, *a2;

    snprintf(save_load, sizeof(save_load), "save %s\nload %s\n", file, file);
    text_add(&ref, "");
    text_add(&split, save_load);
    for (unsigned i = 0; i < sc->nlines; i++) {
        text_add(&ref, sc->lines[i]);
        if (sc->accel)
            text_add(&ref, "poll\n");
        text_add(&split, sc->lines[i]);
        text_add(&split, save_load);
    }
    tool_exec(sc->args, ref.p, &r1);
    tool_exec(sc->args, split.p, &r2);
    CHECK_MSG(tool_nlines(r1.out) == ev.period * sc->nlines, "%s: %u answers for %u lines",
              sc->name, tool_nlines(r1.out), sc->nlines);
    CHECK_MSG(tool_nlines(r2.out) == 2 + 3 * sc->nlines, "%s (split): %u answers:\n%s",
              sc->name, tool_nlines(r2.out), r2.err);
    a1 = answers_without(r1.out, drop_poll, &ev, NULL, sc->name);
    a2 = answers_without(r2.out, drop_save_load, NULL, "OK\n", sc->name);
    CHECK_MSG(!strcmp(a1, a2), "%s: answers differ\n---- whole:\n%s---- split at every line:\n%s",
              sc->name, a1, a2);
    check_same_stderr(r1.err, r2.err, sc->name);
    CHECK_MSG(r1.status == r2.status, "%s: exit status %d whole, %d split", sc->name,
              r1.status, r2.status);
    free(a1);
    free(a2);
    free(ref.p);
    free(split.p);
    tool_result_free(&r1);
    tool_result_free(&r2);
    unlink(file);
}

/* ---- one line, two processes ------------------------------------------------- */

struct at {
    unsigned k;         /* the split is after k command lines */
    bool accel;
};

static bool drop_inserted_poll(unsigned idx, void *arg)
{
    struct at *a = arg;
    return a->accel && idx == a->k;
}

static bool drop_last(unsigned idx, void *arg)
{
    return idx == *(unsigned *)arg;
}

/* The `save` and `load` answers after line k (*arg). */
static bool drop_save_load_at(unsigned idx, void *arg)
{
    return idx == *(unsigned *)arg || idx == *(unsigned *)arg + 1;
}

static bool drop_first(unsigned idx, void *arg)
{
    (void)arg;
    return idx == 0;
}

/* The whole run, with a `poll` after line @k in accel mode (the drain that
 * `save` does); its answers without that poll's. */
static char *reference(const struct scenario *sc, unsigned k, struct tool_result *r0,
                       const char *ctx)
{
    struct text ref = { 0 };
    struct at at = { k, sc->accel };
    char *a0;

    text_add(&ref, "");
    for (unsigned i = 0; i <= sc->nlines; i++) {
        if (i == k && sc->accel)
            text_add(&ref, "poll\n");
        if (i < sc->nlines)
            text_add(&ref, sc->lines[i]);
    }
    tool_exec(sc->args, ref.p, r0);
    a0 = answers_without(r0->out, drop_inserted_poll, &at, NULL, ctx);
    free(ref.p);
    return a0;
}

/* Lines 1..@k, `save`, then `load` and the rest: in a second process
 * (@two_processes) or in the same one (a new instance). */
static void split_at(const struct scenario *sc, unsigned k, const char *file,
                     bool two_processes)
{
    struct text first = { 0 }, second = { 0 }, split = { 0 }, err = { 0 };
    struct tool_result r0, r1, r2 = { 0 };
    unsigned last = k;
    char cmd[1000], *a0, *a1, *a2 = NULL, ctx[200];

    snprintf(ctx, sizeof(ctx), "%s split after line %u%s", sc->name, k,
             two_processes ? " (two processes)" : "");
    a0 = reference(sc, k, &r0, ctx);
    text_add(&first, "");
    text_add(&second, "");
    for (unsigned i = 0; i < k; i++)
        text_add(&first, sc->lines[i]);
    snprintf(cmd, sizeof(cmd), "save %s\n", file);
    text_add(&first, cmd);
    snprintf(cmd, sizeof(cmd), "load %s\n", file);
    text_add(two_processes ? &second : &first, cmd);
    for (unsigned i = k; i < sc->nlines; i++)
        text_add(two_processes ? &second : &first, sc->lines[i]);
    tool_exec(sc->args, first.p, &r1);
    if (two_processes) {
        tool_exec(sc->args, second.p, &r2);
        a1 = answers_without(r1.out, drop_last, &last, "OK\n", ctx);
        a2 = answers_without(r2.out, drop_first, NULL, "OK\n", ctx);
    } else {
        a1 = answers_without(r1.out, drop_save_load_at, &last, "OK\n", ctx);
    }
    text_add(&split, a1);
    text_add(&split, a2 ? a2 : "");
    CHECK_MSG(!strcmp(a0, split.p), "%s: answers differ\n---- whole:\n%s---- split:\n%s",
              ctx, a0, split.p);
    text_add(&err, r1.err);
    text_add(&err, r2.err ? r2.err : "");
    check_same_stderr(r0.err, err.p, ctx);
    CHECK_MSG(r0.status == (r1.status | r2.status), "%s: exit status %d whole, %d and %d split",
              ctx, r0.status, r1.status, r2.status);
    free(a0);
    free(a1);
    free(a2);
    free(first.p);
    free(second.p);
    free(split.p);
    free(err.p);
    tool_result_free(&r0);
    tool_result_free(&r1);
    if (two_processes)
        tool_result_free(&r2);
    unlink(file);
}

/* ---- the scripts --------------------------------------------------------------- */

static unsigned scripts(char names[][128], unsigned max)
{
    DIR *d = opendir("tests/scripts");
    struct dirent *e;
    unsigned n = 0;

    CHECK_MSG(d != NULL, "cannot open tests/scripts (run from the repository root)");
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l > 6 && l < 128 && !strcmp(e->d_name + l - 6, ".vsmmu"))
            memcpy(names[n++], e->d_name, l + 1);
    }
    closedir(d);
    return n;
}

static void temp_name(char *buf, size_t size)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, size, "%s/vsmmu-split-%ld.state", dir && *dir ? dir : "/tmp",
             (long)getpid());
}

/* Run @fn on every scenario of tests/scripts (at least the 12 of the
 * suite, accel ones included). */
static void for_each_scenario(void (*fn)(const struct scenario *sc, const char *file))
{
    char names[64][128], file[400];
    unsigned n = scripts(names, 64);

    CHECK(n >= 12);
    temp_name(file, sizeof(file));
    for (unsigned i = 0; i < n; i++) {
        struct scenario sc;
        scenario_load(&sc, names[i]);
        fn(&sc, file);
        scenario_free(&sc);
    }
}

/* The middle and the end in two processes. */
static void split_middle_and_end(const struct scenario *sc, const char *file)
{
    split_at(sc, sc->nlines / 2, file, true);
    split_at(sc, sc->nlines, file, true);
}

/* Each line on its own, a new instance: every line in the plain build,
 * every 8th (and the last) under ASan, whose processes start slowly. */
#if defined(__SANITIZE_ADDRESS__)
#define SPLIT_STRIDE 8u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPLIT_STRIDE 8u
#endif
#endif
#ifndef SPLIT_STRIDE
#define SPLIT_STRIDE 1u
#endif

static void split_each_line(const struct scenario *sc, const char *file)
{
    for (unsigned k = 0; k <= sc->nlines; k += SPLIT_STRIDE)
        split_at(sc, k, file, false);
    if (sc->nlines % SPLIT_STRIDE)
        split_at(sc, sc->nlines, file, false);
}

/* Saved and loaded after every line, one instance after the other. */
TEST(every_script_split_at_every_line_chained)
{
    for_each_scenario(split_every_line);
}

TEST(every_script_split_at_each_line)
{
    for_each_scenario(split_each_line);
}

TEST(every_script_split_across_processes)
{
    for_each_scenario(split_middle_and_end);
}

/* ---- the commands' errors --------------------------------------------------------- */

/* Run @cmds then `save FILE`: every answer OK. */
static void saved(const char *const *args, const char *cmds, const char *file)
{
    char script[1200];
    struct tool_result r;

    snprintf(script, sizeof(script), "%ssave %s\n", cmds, file);
    tool_script(args, script, &r);
    CHECK_MSG(r.status == 0, "%s%s", r.out, r.err);
    tool_result_free(&r);
}

/* `load FILE` then @after answer exactly @expected. */
static void loaded(const char *const *args, const char *file, const char *after,
                   const char *expected, struct tool_result *r)
{
    char script[1200];

    snprintf(script, sizeof(script), "load %s\n%s", file, after);
    tool_script(args, script, r);
    CHECK_MSG(!strcmp(r->out, expected), "got:\n%s---- expected:\n%s", r->out, expected);
}

TEST(save_load_errors)
{
    const char *small[] = { "--ram-size", "64K", NULL };
    const char *accel[] = { "--set", "accel=on", NULL };
    char file[400];
    struct tool_result r;
    FILE *f;
    long size;
    uint8_t *b;

    temp_name(file, sizeof(file));
    /* unreadable, unwritable, not a save file */
    tool_script(NULL, "load /nonexistent/x\nsave /nonexistent/x\nload /dev/null\nreadl 0x20\n",
                &r);
    CHECK_MSG(!strncmp(r.out, "ERR cannot open '/nonexistent/x': ENOENT", 40), "%s", r.out);
    CHECK(strstr(r.out, "\nERR cannot write '/nonexistent/x': ENOENT"));
    CHECK(strstr(r.out, "\nERR not a vsmmu tool save file"));
    CHECK(strstr(r.out, "\nOK 0x00000000\n"));
    CHECK_EQ(r.status, 1);
    tool_result_free(&r);

    /* another guest RAM; devices without accel mode: nothing changes */
    saved(NULL, "writel 0x20 0x8\n", file);
    loaded(small, file, "readl 0x20\n", "ERR saved with guest RAM 0x40000000+0x10000000, "
           "this run has 0x40000000+0x10000\nOK 0x00000000\n", &r);
    tool_result_free(&r);
    saved(accel, "accel-attach 3\n", file);
    loaded(NULL, file, "", "ERR the file has passthrough devices: run with --set "
           "accel=on\n", &r);
    tool_result_free(&r);

    /* a state the library refuses: the instance is a fresh one */
    saved(NULL, "writel 0x20 0x8\n", file);
    f = fopen(file, "r+b");
    CHECK(f != NULL);
    CHECK(fseek(f, 0, SEEK_END) == 0);
    size = ftell(f);
    CHECK(size > 100);
    b = malloc((size_t)size);
    CHECK(b != NULL);
    rewind(f);
    CHECK(fread(b, 1, (size_t)size, f) == (size_t)size);
    b[size - 1] ^= 1;                       /* inside the state blob */
    rewind(f);
    CHECK(fwrite(b, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    free(b);
    loaded(NULL, file, "readl 0x20\n", "ERR vsmmu_state_load failed: EBADMSG (Bad message)\n"
           "OK 0x00000000\n", &r);
    CHECK(strstr(r.err, "vsmmu: error: state load refused: checksum mismatch"));
    tool_result_free(&r);
    unlink(file);
}
