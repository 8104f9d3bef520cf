// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MAX_TESTS 1024
#define TEST_TIMEOUT_S 120

static struct { const char *name; void (*fn)(void); } tests[MAX_TESTS];
static int ntests;

void t_register(const char *name, void (*fn)(void))
{
    if (ntests < MAX_TESTS) {
        tests[ntests].name = name;
        tests[ntests].fn = fn;
        ntests++;
    }
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    _exit(1);
}

int main(int argc, char **argv)
{
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int passed = 0, failed = 0;

    for (int i = 0; i < ntests; i++) {
        int st;
        pid_t pid;

        if (argc > 1 && !strstr(tests[i].name, argv[1]))
            continue;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            alarm(TEST_TIMEOUT_S);
            tests[i].fn();
            fflush(stdout);
            _exit(0);
        }
        if (pid < 0 || waitpid(pid, &st, 0) < 0) {
            printf("FAIL %s:%s (fork)\n", prog, tests[i].name);
            failed++;
            continue;
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            printf("PASS %s:%s\n", prog, tests[i].name);
            passed++;
        } else {
            if (WIFSIGNALED(st))
                printf("FAIL %s:%s (signal %d%s)\n", prog, tests[i].name, WTERMSIG(st),
                       WTERMSIG(st) == SIGALRM ? ", timeout" : "");
            else
                printf("FAIL %s:%s\n", prog, tests[i].name);
            failed++;
        }
    }
    printf("%s: %d passed, %d failed\n", prog, passed, failed);
    return failed ? 1 : 0;
}
