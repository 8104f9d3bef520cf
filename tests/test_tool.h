/* SPDX-License-Identifier: MIT */
/*
 * Running the vsmmu tool ($VSMMU_TOOL, exported by tests/run.sh) from the
 * tool tests, and checking annotated scripts of tests/scripts/.
 *
 * Script annotations (comments for the tool itself):
 *   CMD ...   #=> TEXT        the answer is TEXT ('?' matches any character;
 *                             a TEXT ending in "..." is a prefix)
 *   CMD ...   #=>& MASK VAL   the answer is "OK 0x..." and (value & MASK) == VAL
 *   #! args: ARG...           options for `vsmmu run` (before the file)
 *   #! stdin                  feed the script on standard input
 *   #! exit: N                expected exit status (default 0)
 *   #! stderr: TEXT           standard error contains TEXT (repeatable)
 *   #! stderr-empty           standard error is empty
 * Every command line gets exactly one answer line; the count is checked.
 */
#ifndef VSMMU_TEST_TOOL_H
#define VSMMU_TEST_TOOL_H

#include <stdbool.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define TT_UNUSED __attribute__((unused))

struct tool_result {
    char *out;       /* standard output */
    char *err;       /* standard error */
    int status;      /* exit status, or 128 + signal */
};

static TT_UNUSED char *tt_slurp(FILE *f)
{
    size_t cap = 4096, len = 0, n;
    char *buf = malloc(cap);
    CHECK(buf != NULL);
    rewind(f);
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            CHECK(buf != NULL);
        }
    }
    buf[len] = '\0';
    return buf;
}

static TT_UNUSED const char *tt_tool_path(void)
{
    const char *p = getenv("VSMMU_TOOL");
    CHECK_MSG(p && *p, "VSMMU_TOOL is not set (run the tests through tests/run.sh)");
    CHECK_MSG(access(p, X_OK) == 0, "VSMMU_TOOL=%s is not executable", p);
    return p;
}

/* Run `$VSMMU_TOOL ARGS...` with @input on standard input (NULL: empty). */
static TT_UNUSED void tool_exec(const char *const *args, const char *input,
                                struct tool_result *r)
{
    const char *argv[64];
    FILE *in = tmpfile(), *out = tmpfile(), *err = tmpfile();
    unsigned n = 0;
    int status;
    pid_t pid;

    CHECK(in && out && err);
    argv[n++] = tt_tool_path();
    for (; args && *args && n < 63; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    if (input)
        fputs(input, in);
    fflush(in);
    rewind(in);
    fflush(stdout);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fileno(in), 0);
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = tt_slurp(out);
    r->err = tt_slurp(err);
    fclose(in);
    fclose(out);
    fclose(err);
}

/* Run `vsmmu run EXTRA... -` with @script on standard input. */
static TT_UNUSED void tool_script(const char *const *extra, const char *script,
                                  struct tool_result *r)
{
    const char *args[48];
    unsigned n = 0;
    args[n++] = "run";
    for (; extra && *extra && n < 46; extra++)
        args[n++] = *extra;
    args[n++] = "-";
    args[n] = NULL;
    tool_exec(args, script, r);
}

static TT_UNUSED void tool_result_free(struct tool_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

static TT_UNUSED unsigned tool_nlines(const char *text)
{
    unsigned n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Line @n (0-based) of @text, without its newline. */
static TT_UNUSED bool tool_line(const char *text, unsigned n, char *buf, unsigned size)
{
    const char *e;
    size_t len;
    for (; n; n--) {
        text = strchr(text, '\n');
        if (!text)
            return false;
        text++;
    }
    if (!*text)
        return false;
    e = strchr(text, '\n');
    len = e ? (size_t)(e - text) : strlen(text);
    if (len >= size)
        len = size - 1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return true;
}

/* Run `vsmmu run` on @script and expect exactly @expected on stdout and
 * exit status @status. */
#define CHECK_TOOL(extra, script, expected, st)                                \
    do {                                                                       \
        struct tool_result r_;                                                 \
        tool_script(extra, script, &r_);                                       \
        CHECK_MSG(!strcmp(r_.out, expected),                                   \
                  "stdout:\n%s---- expected:\n%s---- stderr:\n%s", r_.out,     \
                  expected, r_.err);                                           \
        CHECK_MSG(r_.status == (st), "exit status %d, expected %d; stderr:\n%s", \
                  r_.status, (st), r_.err);                                    \
        tool_result_free(&r_);                                                 \
    } while (0)

/* ---- annotated scripts -------------------------------------------------- */

static TT_UNUSED bool tt_match(const char *got, const char *want)
{
    size_t wl = strlen(want);
    bool prefix = wl >= 3 && !strcmp(want + wl - 3, "...");
    if (prefix)
        wl -= 3;
    for (size_t i = 0; i < wl; i++) {
        if (!got[i])
            return false;
        if (want[i] != '?' && want[i] != got[i])
            return false;
    }
    return prefix || got[wl] == '\0';
}

static TT_UNUSED char *tt_trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static TT_UNUSED bool tt_is_command(const char *line)
{
    for (; *line && *line != '#'; line++)
        if (*line != ' ' && *line != '\t' && *line != '\r' && *line != '\n')
            return true;
    return false;
}

static TT_UNUSED void check_script(const char *name)
{
    char path[256], line[4096], got[65536];
    const char *args[40];
    char *argbuf[40];
    char *stderr_want[16];
    unsigned nargs = 0, nwant = 0, ncmd = 0, lineno = 0;
    int exit_want = 0;
    bool use_stdin = false, stderr_empty = false;
    struct tool_result r;
    FILE *f;
    char *script;

    snprintf(path, sizeof(path), "tests/scripts/%s.vsmmu", name);
    f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s (run from the repository root)", path);
    script = tt_slurp(f);
    rewind(f);
    /* directives */
    args[nargs++] = "run";
    while (fgets(line, sizeof(line), f)) {
        char *l = tt_trim(line);
        if (strncmp(l, "#!", 2))
            continue;
        l = tt_trim(l + 2);
        if (!strncmp(l, "args:", 5)) {
            for (char *tok = strtok(l + 5, " \t"); tok && nargs < 36; tok = strtok(NULL, " \t")) {
                argbuf[nargs] = strdup(tok);
                args[nargs] = argbuf[nargs];
                nargs++;
            }
        } else if (!strncmp(l, "exit:", 5)) {
            exit_want = atoi(l + 5);
        } else if (!strncmp(l, "stderr:", 7) && nwant < 16) {
            stderr_want[nwant++] = strdup(tt_trim(l + 7));
        } else if (!strcmp(l, "stderr-empty")) {
            stderr_empty = true;
        } else if (!strcmp(l, "stdin")) {
            use_stdin = true;
        } else {
            CHECK_MSG(0, "%s: unknown directive '%s'", path, l);
        }
    }
    if (use_stdin)
        args[nargs++] = "-";
    else
        args[nargs++] = path;
    args[nargs] = NULL;
    tool_exec(args, use_stdin ? script : NULL, &r);

    /* answers */
    rewind(f);
    while (fgets(line, sizeof(line), f)) {
        char *ann;
        lineno++;
        if (!tt_is_command(line))
            continue;
        CHECK_MSG(tool_line(r.out, ncmd, got, sizeof(got)),
                  "%s:%u: no answer (only %u answer lines); stderr:\n%s", path, lineno,
                  tool_nlines(r.out), r.err);
        ncmd++;
        ann = strstr(line, "#=>");
        if (!ann)
            continue;
        if (ann[3] == '&') {
            unsigned long long mask, val, v;
            CHECK_MSG(sscanf(ann + 4, "%llx %llx", &mask, &val) == 2,
                      "%s:%u: bad #=>& annotation", path, lineno);
            CHECK_MSG(sscanf(got, "OK 0x%llx", &v) == 1, "%s:%u: answer '%s', expected a value",
                      path, lineno, got);
            CHECK_MSG((v & mask) == val, "%s:%u: answer '%s': value & 0x%llx = 0x%llx, "
                      "expected 0x%llx", path, lineno, got, mask, v & mask, val);
        } else {
            char *want = tt_trim(ann + 3);
            CHECK_MSG(tt_match(got, want), "%s:%u: answer '%s', expected '%s'; stderr:\n%s",
                      path, lineno, got, want, r.err);
        }
    }
    CHECK_MSG(tool_nlines(r.out) == ncmd, "%s: %u answer lines for %u commands:\n%s", path,
              tool_nlines(r.out), ncmd, r.out);
    CHECK_MSG(r.status == exit_want, "%s: exit status %d, expected %d; stderr:\n%s", path,
              r.status, exit_want, r.err);
    for (unsigned i = 0; i < nwant; i++) {
        CHECK_MSG(strstr(r.err, stderr_want[i]) != NULL,
                  "%s: standard error lacks '%s':\n%s", path, stderr_want[i], r.err);
        free(stderr_want[i]);
    }
    if (stderr_empty)
        CHECK_MSG(r.err[0] == '\0', "%s: standard error not empty:\n%s", path, r.err);
    for (unsigned i = 1; i < nargs - 1; i++)
        free(argbuf[i]);
    fclose(f);
    free(script);
    tool_result_free(&r);
}

#endif
