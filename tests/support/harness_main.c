// SPDX-License-Identifier: MIT
/* main() of every test binary: run each registered TEST in a child process. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define T_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_LEAK_CHECK 1
#endif
#endif
#ifdef T_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

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
#ifdef T_LEAK_CHECK
            /* _exit skips LeakSanitizer's exit-time check: run it here. */
            if (__lsan_do_recoverable_leak_check())
                _exit(1);
#endif
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
