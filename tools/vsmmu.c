// SPDX-License-Identifier: MIT
/* The vsmmu command-line tool: subcommand dispatch and help. */
#include <stdio.h>
#include <string.h>

#include "tool.h"

static void usage(FILE *f)
{
    fputs("Usage: vsmmu COMMAND [ARGS]\n"
          "\n"
          "vsmmu drives the embeddable Arm SMMUv3 model from the command line.\n"
          "\n"
          "Commands:\n"
          "  run [OPTIONS] [FILE]   run a script of register, memory, translate and\n"
          "                         accel commands, one answer line per command\n"
          "                         ('vsmmu run --help' for the protocol)\n"
          "  decode WHAT VALUE      decode an event record, command, STE or register\n"
          "                         ('vsmmu decode --help')\n"
          "  --help                 this help\n"
          "  --version              the library version\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        fputc('\n', stdout);
        run_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("vsmmu %d.%d.%d\n", VSMMU_VERSION_MAJOR, VSMMU_VERSION_MINOR,
               VSMMU_VERSION_PATCH);
        return 0;
    }
    if (!strcmp(argv[1], "run"))
        return run_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "decode"))
        return decode_main(argc - 1, argv + 1);
    fprintf(stderr, "vsmmu: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
