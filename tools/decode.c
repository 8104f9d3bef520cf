// SPDX-License-Identifier: MIT
/*
 * `vsmmu decode`: event records, commands, STEs, CDs and a few registers, decoded
 * for a human (used by the narrated demo), through the library's public
 * decoders (include/vsmmu_decode.h).
 */
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "vsmmu_decode.h"

/* Print the text of one decoder, or nothing if it failed. */
static void print_decoded(int (*decode)(const uint8_t *, char *, size_t),
                          const uint8_t *raw)
{
    char text[VSMMU_DECODE_LEN];

    if (decode(raw, text, sizeof(text)) >= 0)
        fputs(text, stdout);
}

static void decode_usage(FILE *f)
{
    fputs("Usage: vsmmu decode event 0xHEX     32-byte event record (64 digits, memory order)\n"
          "       vsmmu decode cmd 0xHEX       16-byte command (32 digits)\n"
          "       vsmmu decode ste 0xHEX       64-byte stream table entry (128 digits)\n"
          "       vsmmu decode cd 0xHEX        64-byte context descriptor (128 digits)\n"
          "       vsmmu decode REG VALUE       REG: idr0 idr1 idr5 cr0 cr0ack irq_ctrl\n"
          "                                    irq_ctrlack gerror gerrorn gbpa\n"
          "                                    cmdq_prod cmdq_cons eventq_prod eventq_cons\n", f);
}

int decode_main(int argc, char **argv)
{
    char text[VSMMU_DECODE_LEN];
    uint8_t buf[64];
    uint64_t v;
    int64_t off;

    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        decode_usage(stdout);
        return 0;
    }
    if (argc != 3) {
        decode_usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "event") || !strcmp(argv[1], "cmd") || !strcmp(argv[1], "ste") ||
        !strcmp(argv[1], "cd")) {
        size_t len = argv[1][0] == 'e' ? 32 : !strcmp(argv[1], "cmd") ? 16 : 64;
        if (parse_hex_bytes(argv[2], buf, len)) {
            fprintf(stderr, "vsmmu: decode %s needs 0x and %zu hex digits (memory order)\n",
                    argv[1], 2 * len);
            return 2;
        }
        if (len == 32)
            print_decoded(vsmmu_decode_event, buf);
        else if (len == 16)
            print_decoded(vsmmu_decode_command, buf);
        else if (!strcmp(argv[1], "cd"))
            print_decoded(vsmmu_decode_cd, buf);
        else
            print_decoded(vsmmu_decode_ste, buf);
        return 0;
    }
    if (parse_u64(argv[2], &v)) {
        fprintf(stderr, "vsmmu: bad value '%s'\n", argv[2]);
        return 2;
    }
    off = vsmmu_decode_register_offset(argv[1]);
    if (off < 0 || vsmmu_decode_register((uint64_t)off, v, text, sizeof(text)) < 0) {
        fprintf(stderr, "vsmmu: cannot decode '%s'\n", argv[1]);
        decode_usage(stderr);
        return 2;
    }
    printf("%s 0x%llx: %s\n", argv[1], (unsigned long long)v, text);
    return 0;
}
