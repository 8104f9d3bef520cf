// SPDX-License-Identifier: MIT
/* main() of every test binary: run each registered TEST in a child process. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define TEST_TIMEOUT_S 120

int main(int argc, char **argv)
{
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int passed = 0, failed = 0;

    for (int i = 0; i < t_ncases; i++) {
        int st;
        pid_t pid;

        if (argc > 1 && !strstr(t_cases[i].name, argv[1]))
            continue;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            alarm(TEST_TIMEOUT_S);
            t_cases[i].fn();
            fflush(stdout);
            _exit(0);
        }
        if (pid < 0 || waitpid(pid, &st, 0) < 0) {
            printf("FAIL %s:%s (fork)\n", prog, t_cases[i].name);
            failed++;
            continue;
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            printf("PASS %s:%s\n", prog, t_cases[i].name);
            passed++;
        } else {
            if (WIFSIGNALED(st))
                printf("FAIL %s:%s (signal %d%s)\n", prog, t_cases[i].name, WTERMSIG(st),
                       WTERMSIG(st) == SIGALRM ? ", timeout" : "");
            else
                printf("FAIL %s:%s\n", prog, t_cases[i].name);
            failed++;
        }
    }
    printf("%s: %d passed, %d failed\n", prog, passed, failed);
    return failed ? 1 : 0;
}
