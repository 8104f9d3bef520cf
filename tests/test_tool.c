// SPDX-License-Identifier: MIT
/*
 * The vsmmu tool: `vsmmu run` against the protocol (docs/tool.md), the
 * scripts of tests/scripts/, usage errors and exit statuses, --help,
 * --trace, and `vsmmu decode`.
 */
#include <poll.h>
#include <stdarg.h>

#include "test_tool.h"

/* ---- annotated scripts -------------------------------------------------- */

TEST(script_lexical) { check_script("lexical"); }
TEST(script_errors) { check_script("errors"); }
TEST(script_options) { check_script("options"); }
TEST(script_options_ram) { check_script("options-ram"); }
TEST(script_registers) { check_script("registers"); }
TEST(script_gerror) { check_script("gerror"); }
TEST(script_bringup) { check_script("bringup"); }
TEST(script_xlate_s1) { check_script("xlate-s1"); }
TEST(script_xlate_ats) { check_script("xlate-ats"); }

/* ---- lexical rules not expressible in a script file ----------------------- */

TEST(crlf_line_endings)
{
    CHECK_TOOL(NULL, "write 0x40000000 1 0x7f\r\nread 0x40000000 1\r\n\r\n# c\r\n",
               "OK\nOK 0x7f\n", 0);
}

TEST(last_line_without_newline)
{
    CHECK_TOOL(NULL, "write 0x40000000 1 0x7f\nread 0x40000000 1", "OK\nOK 0x7f\n", 0);
}

TEST(empty_script)
{
    CHECK_TOOL(NULL, "", "", 0);
    CHECK_TOOL(NULL, "\n\n   \n# only comments\n\t\n", "", 0);
}

TEST(long_line_is_one_command)
{
    /* a 64 KiB write: 128 Ki hex digits on one line */
    size_t n = 65536, len = 64 + 2 * n;
    char *s = malloc(len), *p;
    struct tool_result r;
    char line[64];

    CHECK(s != NULL);
    p = s + sprintf(s, "write 0x40000000 %zu 0x", n);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%02zx", i & 0xff);
    sprintf(p, "\nread 0x4000fffe 2\n");
    tool_script(NULL, s, &r);
    CHECK(tool_line(r.out, 0, line, sizeof(line)) && !strcmp(line, "OK"));
    CHECK(tool_line(r.out, 1, line, sizeof(line)) && !strcmp(line, "OK 0xfeff"));
    CHECK_EQ(r.status, 0);
    tool_result_free(&r);
    free(s);
}

TEST(one_answer_per_command_in_order)
{
    /* ERR lines keep their place among the answers */
    CHECK_TOOL(NULL, "read 0x40000000 1\nnope\nread 0x40000000 2\nreadl 0x3\n",
               "OK 0x00\nERR unknown command 'nope'\nOK 0x0000\n"
               "ERR offset 0x3 is not aligned to the 4-byte access\n", 1);
}

/* ---- options, exit statuses and usage errors -------------------------------- */

TEST(script_from_file_and_stdin)
{
    const char *file_args[] = { "run", "tests/scripts/lexical.vsmmu", NULL };
    const char *dash_args[] = { "run", "-", NULL };
    struct tool_result a, b;
    FILE *f = fopen("tests/scripts/lexical.vsmmu", "r");
    char *text;

    CHECK(f != NULL);
    text = tt_slurp(f);
    fclose(f);
    tool_exec(file_args, NULL, &a);
    tool_exec(dash_args, text, &b);
    CHECK_EQ(a.status, 0);
    CHECK_EQ(b.status, 0);
    CHECK(a.out[0] != '\0');
    CHECK_MSG(!strcmp(a.out, b.out), "file:\n%s\nstdin:\n%s", a.out, b.out);
    tool_result_free(&a);
    tool_result_free(&b);
    /* no FILE at all: standard input too */
    {
        const char *no_file[] = { "run", NULL };
        tool_exec(no_file, "read 0x40000000 1\n", &a);
        CHECK_MSG(!strcmp(a.out, "OK 0x00\n"), "%s", a.out);
        CHECK_EQ(a.status, 0);
        tool_result_free(&a);
    }
    free(text);
}

static void expect_usage_error(const char *const *args, const char *msg)
{
    struct tool_result r;
    tool_exec(args, "read 0x40000000 1\n", &r);
    CHECK_MSG(r.status == 2, "exit status %d for %s; stderr:\n%s", r.status, args[1], r.err);
    CHECK_MSG(r.out[0] == '\0', "a usage error answered commands:\n%s", r.out);
    CHECK_MSG(strstr(r.err, msg) != NULL, "stderr lacks '%s':\n%s", msg, r.err);
    tool_result_free(&r);
}

TEST(usage_errors_exit_2)
{
    const char *a1[] = { "run", "--bogus", NULL };
    const char *a2[] = { "run", "--set", "nosuchkey=1", NULL };
    const char *a3[] = { "run", "--set", "stage1", NULL };
    const char *a4[] = { "run", "--set", "stage1=maybe", NULL };
    const char *a5[] = { "run", "--set", "oas=lots", NULL };
    const char *a6[] = { "run", "--ram-size", "12Q", NULL };
    const char *a7[] = { "run", "--ram-size", "0", NULL };
    const char *a8[] = { "run", "--ram-base", "0xfffffffffffff000", "--ram-size", "1M", NULL };
    const char *a9[] = { "run", "/nonexistent/script.vsmmu", NULL };
    const char *a10[] = { "run", "a", "b", NULL };
    const char *a11[] = { "run", "--ram-base", NULL };
    const char *a12[] = { "frobnicate", NULL };
    const char *a13[] = { "run", "tests/scripts", NULL };

    expect_usage_error(a1, "--bogus");
    expect_usage_error(a2, "unknown configuration key in 'nosuchkey=1'");
    expect_usage_error(a3, "--set needs KEY=VALUE");
    expect_usage_error(a4, "expected on or off");
    expect_usage_error(a5, "bad number");
    expect_usage_error(a6, "bad --ram-size '12Q'");
    expect_usage_error(a7, "bad --ram-size '0'");
    expect_usage_error(a8, "wraps");
    expect_usage_error(a9, "cannot open '/nonexistent/script.vsmmu'");
    expect_usage_error(a10, "more than one script file");
    expect_usage_error(a11, "--ram-base");
    expect_usage_error(a12, "unknown command 'frobnicate'");
    expect_usage_error(a13, "tests/scripts");
}

TEST(ram_size_suffixes)
{
    const char *k[] = { "--ram-size", "4K", NULL };
    const char *m[] = { "--ram-size", "1M", NULL };
    const char *g[] = { "--ram-base", "0", "--ram-size", "1G", NULL };
    const char *hex[] = { "--ram-size", "0x2000", NULL };
    CHECK_TOOL(k, "read 0x40000fff 1\nread 0x40001000 1\n",
               "OK 0x00\nERR 0x40001000+1 is outside guest RAM [0x40000000, 0x40001000)\n", 1);
    CHECK_TOOL(m, "read 0x400fffff 1\nread 0x40100000 1\n",
               "OK 0x00\nERR 0x40100000+1 is outside guest RAM [0x40000000, 0x40100000)\n", 1);
    CHECK_TOOL(g, "read 0x3fffffff 1\n", "OK 0x00\n", 0);
    CHECK_TOOL(hex, "read 0x40001fff 1\n", "OK 0x00\n", 0);
}

TEST(invalid_configuration_reported_on_stderr)
{
    /* the model rejects OAS 47 through its error callback */
    const char *args[] = { "run", "--set", "oas=47", NULL };
    struct tool_result r;
    tool_exec(args, "readl 0x0\n", &r);
    CHECK_EQ(r.status, 2);
    CHECK_MSG(r.out[0] == '\0', "%s", r.out);
    CHECK_MSG(strstr(r.err, "vsmmu: error: ") && strstr(r.err, "oas"), "%s", r.err);
    tool_result_free(&r);
}

TEST(every_documented_set_key_is_accepted)
{
    static const char *const sets[] = {
        "stage1=on", "stage2=off", "oas=44", "sidsize=10", "ssidsize=4", "cmdqs=8",
        "eventqs=8", "priqs=0", "ril=off", "msi=off", "sev=off", "ats=off", "pri=off",
        "hyp=off", "strtab-2lvl=on", "cd2l=off", "httu-af=off", "asid16=off",
        "vmid16=off", "gran4k=on", "gran16k=off", "gran64k=off", "aidr-minor=1",
        "tlb-entries=64", "cfg-entries=16", "qemu-eventq-full=on", "accel=off",
        "tlb_entries=32",
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        const char *args[] = { "--set", sets[i], NULL };
        struct tool_result r;
        tool_script(args, "readl 0x0\n", &r);
        CHECK_MSG(r.status == 0, "--set %s: status %d\n%s", sets[i], r.status, r.err);
        tool_result_free(&r);
    }
}

TEST(exit_status_1_only_for_err)
{
    CHECK_TOOL(NULL, "readl 0x0 extra\n", "ERR usage: readl OFF\n", 1);
    /* a FAULT is an answer, not an error (GBPA.ABORT with the SMMU off) */
    CHECK_TOOL(NULL, "writel 0x44 0x80100000\ntranslate 0 - 0x1000 r\n",
               "OK\nFAULT ABORT\n", 0);
}

/* ---- help ------------------------------------------------------------------- */

TEST(help_documents_everything)
{
    static const char *const words[] = {
        "--ram-base", "--ram-size", "--set", "--trace", "stage1", "stage2", "oas",
        "sidsize", "ssidsize", "cmdqs", "eventqs", "ril", "msi", "accel", "writel",
        "writeq", "readl", "readq", "write ADDR", "read ADDR", "irqs", "translate",
        "reset", "accel-attach", "accel-detach", "host-event", "poll", "host-objects",
        "host-fail", "stats", "Exit status", "ERR", "FAULT", "decode",
        "[r|w|x][p][t|q]", "ats=on", "F_BAD_ATS_TREQ", "FAULT UR", "FAULT CA",
        "OK 0x0 --- 0xSIZE",
    };
    const char *a1[] = { "--help", NULL };
    const char *a2[] = { "run", "--help", NULL };
    struct tool_result r1, r2;

    tool_exec(a1, NULL, &r1);
    tool_exec(a2, NULL, &r2);
    CHECK_EQ(r1.status, 0);
    CHECK_EQ(r2.status, 0);
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        CHECK_MSG(strstr(r1.out, words[i]), "vsmmu --help lacks '%s'", words[i]);
        if (strcmp(words[i], "decode"))
            CHECK_MSG(strstr(r2.out, words[i]), "vsmmu run --help lacks '%s'", words[i]);
    }
    tool_result_free(&r1);
    tool_result_free(&r2);
}

TEST(no_arguments_is_usage_error)
{
    const char *none[] = { NULL };
    struct tool_result r;
    tool_exec(none, NULL, &r);
    CHECK_EQ(r.status, 2);
    CHECK(strstr(r.err, "Usage"));
    tool_result_free(&r);
}

/* ---- trace and stderr ---------------------------------------------------------- */

TEST(trace_goes_to_stderr_only)
{
    const char *trace[] = { "--trace", NULL };
    const char *script =
        "writeq 0x90 0x40020004\nwritel 0x20 0x8\n"
        "mem64 0x40020000 0x1046 0\nwritel 0x98 0x1\nirqs\n";
    struct tool_result a, b;

    tool_script(trace, script, &a);
    tool_script(NULL, script, &b);
    CHECK_EQ(a.status, 0);
    /* the answers are the same with and without --trace */
    CHECK_MSG(!strcmp(a.out, b.out), "with --trace:\n%s\nwithout:\n%s", a.out, b.out);
    CHECK_MSG(!strcmp(b.out, "OK\nOK\nOK\nOK\nOK cmdq-sync\n"), "%s", b.out);
    /* without --trace the model says nothing; with it, its trace events */
    CHECK_MSG(b.err[0] == '\0', "%s", b.err);
    CHECK_MSG(strstr(a.err, "vsmmu: trace: reg_write offset=0x90 size=0x8 value=0x40020004 "
                            "effect=0x0(applied)\n"), "no register trace:\n%s", a.err);
    CHECK_MSG(strstr(a.err, "vsmmu: trace: cmd_exec op=0x46 idx=0x0 cerror=0x0 dw0=0x1046 "
                            "dw1=0x0\n"), "no command trace:\n%s", a.err);
    CHECK_MSG(strstr(a.err, "vsmmu: trace: irq line=0x2(cmdq-sync)\n"),
              "the interrupt is not traced:\n%s", a.err);
    /* the command, then its interrupt, then the end of the write that
     * prompted them */
    CHECK(strstr(a.err, "cmd_exec") < strstr(a.err, "irq line"));
    CHECK(strstr(a.err, "irq line") < strstr(a.err, "reg_write offset=0x98"));
    tool_result_free(&a);
    tool_result_free(&b);
}

TEST(trace_shows_guest_messages_and_faults)
{
    const char *trace[] = { "--trace", NULL };
    const char *script = "writel 0x44 0\nwritel 0x44 0\n";
    struct tool_result a, b;

    tool_script(trace, script, &a);
    tool_script(NULL, script, &b);
    CHECK_EQ(a.status, 0);
    CHECK_MSG(strstr(a.err, "vsmmu: guest: GBPA write without Update ignored\n"), "%s", a.err);
    CHECK_MSG(strstr(a.err, "vsmmu: trace: reg_write offset=0x44 size=0x4 value=0x0 "
                            "effect=0x1(ignored)\n"), "%s", a.err);
    /* guest messages need --trace */
    CHECK_MSG(b.err[0] == '\0', "%s", b.err);
    tool_result_free(&a);
    tool_result_free(&b);
}

/* ---- decode --------------------------------------------------------------------- */

/* `vsmmu decode WHAT VALUE` succeeds and its output contains each of the
 * strings that follow (a NULL ends them). */
static __attribute__((sentinel)) void expect_decode(const char *what, const char *value, ...)
{
    const char *args[] = { "decode", what, value, NULL };
    struct tool_result r;
    const char *want;
    va_list ap;

    tool_exec(args, NULL, &r);
    CHECK_MSG(r.status == 0, "decode %s %s: exit status %d; stderr:\n%s", what, value,
              r.status, r.err);
    va_start(ap, value);
    while ((want = va_arg(ap, const char *)) != NULL)
        CHECK_MSG(strstr(r.out, want), "decode %s %s lacks '%s':\n%s", what, value, want,
                  r.out);
    va_end(ap);
    tool_result_free(&r);
}

TEST(decode_event_record)
{
    /* F_TRANSLATION, StreamID 1, SubstreamID 5, read, InputAddr 0x2000 */
    const char *args[] = { "decode", "event",
        "0x10580000010000000000000008000000002000000000000000000000000000000", NULL };
    struct tool_result r;

    tool_exec(args, NULL, &r);
    CHECK_EQ(r.status, 2);      /* 65 digits */
    tool_result_free(&r);
    expect_decode("event", "0x1058000001000000000000000800000000200000000000000000000000000000",
                  "F_TRANSLATION", "StreamID 0x1, SubstreamID 0x5",
                  "access: read, data, unprivileged", "InputAddr 0x2000", NULL);
}

TEST(decode_ats_event_records)
{
    /* F_BAD_ATS_TREQ as xlate-ats.vsmmu reads it back, but InputAddr 0x1234:
     * StreamID 3, R, W, Span 1; the low 12 bits are not part of the field */
    expect_decode("event", "0x0500000003000000010000c0000000003412000000000000"
                  "0000000000000000", "F_BAD_ATS_TREQ", "StreamID 0x3, no SubstreamID",
                  "ATS request: R W, Span 1", "InputAddr 0x1000", NULL);
    /* F_TRANSL_FORBIDDEN: a read at 0x1234 */
    expect_decode("event", "0x0700000003000000000000000800000034120000000000000000000000000000",
                  "F_TRANSL_FORBIDDEN", "access: read", "InputAddr 0x1234", NULL);
}

TEST(decode_command_and_registers)
{
    const char *bad[] = { "decode", "nothing", "0x1", NULL };
    struct tool_result r;

    expect_decode("cmd", "0x46100000000000002000024000000000",
                  "CMD_SYNC CS SIG_IRQ MSIAddr 0x40020020 MSIData 0x0", NULL);
    expect_decode("cmd", "0x04000000000000001f00000000000000", "CFGI_STE_RANGE (CFGI_ALL)", NULL);
    expect_decode("cr0", "0xd", "SMMUEN EVENTQEN CMDQEN", NULL);
    expect_decode("gerror", "0x81", "CMDQ_ERR MSI_GERROR_ABT_ERR", NULL);
    tool_exec(bad, NULL, &r);
    CHECK_EQ(r.status, 2);
    tool_result_free(&r);
}

TEST(decode_ste_and_cd)
{
    char ste[160], cd[160];

    /* STE: V, Config 5, S1ContextPtr 0x40040000; the other dwords 0 */
    memset(ste, '0', 130);
    ste[130] = '\0';
    memcpy(ste, "0x0b00044000000000", 18);
    /* CD: T0SZ 25, EPD1, V, IPS 5, AA64, R, A, ASID 1; TTB0 0x40050000 */
    memset(cd, '0', 130);
    cd[130] = '\0';
    memcpy(cd, "0x190000c0056201000000054000000000", 34);
    expect_decode("ste", ste, "STE V=1 Config=5 (stage 1)", "S1ContextPtr 0x40040000", NULL);
    expect_decode("cd", cd, "CD V=1 AA64=1 ASID 0x1 IPS 5 A=1 R=1",
                  "TTB0 0x40050000 T0SZ 25 (39-bit input) TG0 4K EPD0=0", "EPD1=1", NULL);
}

/* ---- the embedding example ------------------------------------------------------- */

TEST(embedding_example_runs)
{
    /* built next to the tool: <builddir>/examples/embed */
    char path[4096];
    const char *tool = tt_tool_path();
    const char *slash = strrchr(tool, '/');
    FILE *p;
    char out[4096] = "";
    size_t n;
    int st;

    CHECK(slash != NULL);
    snprintf(path, sizeof(path), "%.*s/examples/embed", (int)(slash - tool), tool);
    CHECK_MSG(access(path, X_OK) == 0, "%s not built", path);
    p = popen(path, "r");
    CHECK(p != NULL);
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    st = pclose(p);
    CHECK_MSG(st == 0, "status %d:\n%s", st, out);
    CHECK_MSG(strstr(out, "IDR0 = 0x"), "%s", out);
    CHECK_MSG(strstr(out, "DMA 0x40001000 -> 0x40001000"), "%s", out);
}

/* ---- make demo ------------------------------------------------------------------ */

TEST(demo_runs_and_narrates)
{
    char cmd[4200];
    FILE *p;
    char *out;
    size_t cap = 1 << 20, n = 0, k;
    int st;

    snprintf(cmd, sizeof(cmd), "sh examples/demo.sh '%s' 2>&1", tt_tool_path());
    out = malloc(cap);
    CHECK(out != NULL);
    p = popen(cmd, "r");
    CHECK(p != NULL);
    while ((k = fread(out + n, 1, cap - 1 - n, p)) > 0)
        n += k;
    out[n] = '\0';
    st = pclose(p);
    CHECK_MSG(st == 0, "demo exit status %d:\n%s", st, out);
    /* the bring-up, decoded */
    CHECK_MSG(strstr(out, "= command 0x04 CFGI_STE_RANGE (CFGI_ALL)"), "%s", out);
    CHECK_MSG(strstr(out, "< OK cmdq-sync msi:0x40020020=0x0"), "%s", out);
    CHECK_MSG(strstr(out, "= cr0ack 0xd: SMMUEN EVENTQEN CMDQEN"), "%s", out);
    CHECK_MSG(strstr(out, "< OK 0x40060234 rw- 0x1000"), "%s", out);
    CHECK_MSG(strstr(out, "< FAULT F_TRANSLATION"), "%s", out);
    CHECK_MSG(strstr(out, "vsmmu: trace: "), "no model trace in the demo");
    /* accel: the vEVENTQ appears, the host event arrives with its interrupt */
    CHECK_MSG(strstr(out, "veventq=1 veventq-depth=16"), "%s", out);
    CHECK_MSG(strstr(out, "= StreamID 0x8, no SubstreamID"), "%s", out);
    CHECK_MSG(strstr(out, "< OK eventq"), "%s", out);
    CHECK_MSG(strstr(out, "Demo complete."), "%s", out);
    free(out);
}

/* ---- driving the tool line by line (outside tools over pipes) ----------------- */

TEST(answers_are_flushed_per_command)
{
    int to[2], from[2];
    pid_t pid;
    char buf[256];
    const char *tool = tt_tool_path();
    static const char *const cmds[] = { "writel 0x20 0x8", "readl 0x24", "read 0x40000000 2" };
    static const char *const answers[] = { "OK\n", "OK 0x00000008\n", "OK 0x0000\n" };
    int st;

    CHECK(pipe(to) == 0 && pipe(from) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[1]);
        close(from[0]);
        execl(tool, tool, "run", (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    /* the next command is only written after the previous answer arrived:
     * a tool that buffered its answers until exit would never answer */
    for (unsigned i = 0; i < 3; i++) {
        struct pollfd p = { .fd = from[0], .events = POLLIN };
        size_t n = 0;
        CHECK(write(to[1], cmds[i], strlen(cmds[i])) == (ssize_t)strlen(cmds[i]));
        CHECK(write(to[1], "\n", 1) == 1);
        while (n == 0 || buf[n - 1] != '\n') {
            ssize_t k;
            CHECK_MSG(poll(&p, 1, 20000) == 1, "no answer to '%s' while stdin is open", cmds[i]);
            k = read(from[0], buf + n, sizeof(buf) - 1 - n);
            CHECK(k > 0);
            n += (size_t)k;
        }
        buf[n] = '\0';
        CHECK_MSG(!strcmp(buf, answers[i]), "'%s' answered '%s'", cmds[i], buf);
    }
    close(to[1]);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(from[0]);
}

/* ---- the examples of docs/tool.md stay true ------------------------------------ */

TEST(docs_tool_examples_are_true)
{
    FILE *f = fopen("docs/tool.md", "r");
    char line[512], script[4096], want[4096], runline[512];
    unsigned found = 0;
    enum { OUTSIDE, SCRIPT, ANSWERS } st = OUTSIDE;

    CHECK_MSG(f != NULL, "docs/tool.md not found (run from the repository root)");
    script[0] = want[0] = '\0';
    while (fgets(line, sizeof(line), f)) {
        if (st == OUTSIDE && !strncmp(line, "$ cat ", 6)) {
            st = SCRIPT;
            script[0] = want[0] = '\0';
        } else if (st == SCRIPT && !strncmp(line, "$ vsmmu run", 11)) {
            snprintf(runline, sizeof(runline), "%s", line + 2);
            st = ANSWERS;
        } else if (st == SCRIPT) {
            CHECK(strlen(script) + strlen(line) < sizeof(script));
            strcat(script, line);
        } else if (st == ANSWERS && !strncmp(line, "```", 3)) {
            /* "vsmmu run [OPTIONS] FILE": the same options, the script on stdin */
            const char *args[16];
            unsigned n = 0;
            struct tool_result r;
            char *tok, *save = NULL;

            for (tok = strtok_r(runline, " \n", &save); tok && n < 15;
                 tok = strtok_r(NULL, " \n", &save))
                args[n++] = tok;
            CHECK(n >= 3);
            memmove(args, args + 1, (n - 1) * sizeof(args[0]));   /* drop "vsmmu" */
            n--;
            args[n - 1] = "-";        /* the file name */
            args[n] = NULL;
            tool_exec(args, script, &r);
            CHECK_MSG(!strcmp(r.out, want), "docs/tool.md example:\n%s---- gives:\n%s---- "
                      "documented:\n%s%s", script, r.out, want, r.err);
            tool_result_free(&r);
            found++;
            st = OUTSIDE;
        } else if (st == ANSWERS) {
            CHECK(strlen(want) + strlen(line) < sizeof(want));
            strcat(want, line);
        }
    }
    fclose(f);
    CHECK_MSG(found >= 2, "only %u examples found in docs/tool.md", found);
}
