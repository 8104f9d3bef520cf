// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"


struct t_case t_cases[MAX_TESTS];
int t_ncases;

void t_register(const char *name, void (*fn)(void))
{
    if (t_ncases < MAX_TESTS) {
        t_cases[t_ncases].name = name;
        t_cases[t_ncases].fn = fn;
        t_ncases++;
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
