// SPDX-License-Identifier: MIT
/*
 * The public decoders (include/vsmmu_decode.h), called directly: exact
 * texts for known structures, the snprintf contract (length query,
 * truncation, NUL termination), argument errors, and random structures of
 * every kind, which must decode to a bounded, printable text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vsmmu_decode.h"

/* Little-endian 64-bit words into a structure's bytes. */
static void put_dwords(uint8_t *out, const uint64_t *dw, unsigned n)
{
    for (unsigned i = 0; i < 8 * n; i++)
        out[i] = (uint8_t)(dw[i / 8] >> (8 * (i % 8)));
}

static void check_text(int rc, const char *buf, const char *want)
{
    CHECK_MSG(rc == (int)strlen(want) && !strcmp(buf, want), "rc %d, got\n%s\nwant\n%s", rc,
              buf, want);
}

TEST(decode_translation_fault_event)
{
    /* F_TRANSLATION, SSV, SubstreamID 5, StreamID 1, read, stage 2 walk with
     * CLASS TT and IPA 0x80000000, InputAddr 0x2000 */
    const uint64_t dw[4] = { 0x10 | 1u << 11 | 5u << 12 | 1ull << 32,
                             1ull << 35 | 1ull << 39 | 1ull << 40, 0x2000,
                             0x80000000ull };
    uint8_t rec[32];
    char buf[VSMMU_DECODE_LEN];

    put_dwords(rec, dw, 4);
    check_text(vsmmu_decode_event(rec, buf, sizeof(buf)), buf,
               "event 0x10 F_TRANSLATION\n"
               "StreamID 0x1, SubstreamID 0x5\n"
               "access: read, data, unprivileged\n"
               "InputAddr 0x2000\n"
               "stage 2, CLASS TT (translation table walk), IPA 0x80000000\n");
}

TEST(decode_fetch_and_unknown_events)
{
    const uint64_t fetch[4] = { 0x03 | 7ull << 32, 0, 0, 0x40001238ull };
    const uint64_t unknown[4] = { 0xff | 1ull << 32, ~0ull, ~0ull, ~0ull };
    uint8_t rec[32];
    char buf[VSMMU_DECODE_LEN];

    put_dwords(rec, fetch, 4);
    check_text(vsmmu_decode_event(rec, buf, sizeof(buf)), buf,
               "event 0x03 F_STE_FETCH\nStreamID 0x7, no SubstreamID\nFetchAddr 0x40001238\n");
    put_dwords(rec, unknown, 4);
    check_text(vsmmu_decode_event(rec, buf, sizeof(buf)), buf,
               "event 0xff (unknown type)\nStreamID 0x1, no SubstreamID\n");
}

TEST(decode_commands)
{
    const uint64_t tlbi[2] = { 0x12 | 2ull << 12 | 3ull << 20 | 0x42ull << 32 | 7ull << 48,
                               0x12345000ull | 1 | 2u << 8 | 1u << 10 };
    const uint64_t illegal[2] = { 0x7f, 0 };
    uint8_t cmd[16];
    char buf[VSMMU_DECODE_LEN];

    put_dwords(cmd, tlbi, 2);
    check_text(vsmmu_decode_command(cmd, buf, sizeof(buf)), buf,
               "command 0x12 TLBI_NH_VA VMID 0x42 ASID 0x7 Addr 0x12345000 Leaf 1 NUM 2 "
               "SCALE 3 TG 1 TTL 2\n");
    put_dwords(cmd, illegal, 2);
    check_text(vsmmu_decode_command(cmd, buf, sizeof(buf)), buf,
               "command 0x7f (illegal opcode)\n");
}

TEST(decode_ste_and_cd_texts)
{
    uint64_t dw[8] = { 0 };
    uint8_t raw[64];
    char buf[VSMMU_DECODE_LEN];

    dw[0] = 1 | 6u << 1;                        /* V, Config 6: stage 2 only */
    dw[2] = 5 | 0x20ull << 32;                  /* S2VMID 5, S2T0SZ 32 */
    dw[3] = 0x40080000ull;                      /* S2TTB */
    put_dwords(raw, dw, 8);
    int rc = vsmmu_decode_ste(raw, buf, sizeof(buf));
    CHECK(rc > 0);
    CHECK_MSG(!strncmp(buf, "STE V=1 Config=6 (stage 2)\n  S2VMID 0x5 S2T0SZ 32 ", 48),
              "%s", buf);
    CHECK_MSG(strstr(buf, "S2TTB 0x40080000\n") != NULL, "%s", buf);
    CHECK(strstr(buf, "S1ContextPtr") == NULL);

    memset(raw, 0, sizeof(raw));
    rc = vsmmu_decode_cd(raw, buf, sizeof(buf));
    CHECK_MSG(rc > 0 && !strncmp(buf, "CD V=0 AA64=0 ASID 0x0 ", 23), "%s", buf);
    CHECK(strstr(buf, "T0SZ 0 (64-bit input) TG0 4K") != NULL);
    CHECK(strstr(buf, "TG1 reserved") != NULL);
}

TEST(decode_registers_by_offset_and_name)
{
    char buf[VSMMU_DECODE_LEN];

    check_text(vsmmu_decode_register(0x20, 0xd, buf, sizeof(buf)), buf,
               "SMMUEN EVENTQEN CMDQEN");
    check_text(vsmmu_decode_register(0x44, 0, buf, sizeof(buf)), buf, "(none set)");
    check_text(vsmmu_decode_register(0x60, 0x181, buf, sizeof(buf)), buf,
               "CMDQ_ERR MSI_GERROR_ABT_ERR SFM_ERR");
    check_text(vsmmu_decode_register(0x9c, 1u << 24 | 0x80005, buf, sizeof(buf)), buf,
               "index/wrap 0x80005, ERR CERROR_ILL");
    check_text(vsmmu_decode_register(0x9c, 7u << 24, buf, sizeof(buf)), buf,
               "index/wrap 0x0, ERR reserved");
    check_text(vsmmu_decode_register(0x100a8, 0x80000003, buf, sizeof(buf)), buf,
               "index/wrap 0x3, OVFLG");
    check_text(vsmmu_decode_register(0x100ac, 0x80000003, buf, sizeof(buf)), buf,
               "index/wrap 0x3, OVACKFLG");
    check_text(vsmmu_decode_register(0x14, 5 | 1u << 4 | 1u << 6, buf, sizeof(buf)), buf,
               "OAS=5 GRAN4K GRAN64K");

    CHECK_EQ(vsmmu_decode_register_offset("CR0"), 0x20);
    CHECK_EQ(vsmmu_decode_register_offset("eventq_cons"), 0x100ac);
    CHECK_EQ(vsmmu_decode_register_offset("Idr5"), 0x14);
    CHECK_EQ(vsmmu_decode_register_offset("STRTAB_BASE_CFG"), -ENOENT);
    CHECK_EQ(vsmmu_decode_register_offset(""), -ENOENT);
    CHECK_EQ(vsmmu_decode_register_offset(NULL), -EINVAL);   /* the NULL rule */
    /* Offsets that are not decoded, including unaligned and huge ones. */
    CHECK_EQ(vsmmu_decode_register(0x88, 0, buf, sizeof(buf)), -ENOENT);
    CHECK_EQ(vsmmu_decode_register(0x21, 0, buf, sizeof(buf)), -ENOENT);
    CHECK_EQ(vsmmu_decode_register(~0ull, 0, buf, sizeof(buf)), -ENOENT);
}

TEST(decode_truncates_like_snprintf)
{
    const uint64_t dw[4] = { 0x10 | 1ull << 32, 0, 0x2000, 0 };
    uint8_t rec[32];
    char full[VSMMU_DECODE_LEN], small[10];
    int n;

    put_dwords(rec, dw, 4);
    n = vsmmu_decode_event(rec, full, sizeof(full));
    CHECK(n > 20);
    CHECK_EQ(vsmmu_decode_event(rec, NULL, 0), n);          /* length query */
    memset(small, 'x', sizeof(small));
    CHECK_EQ(vsmmu_decode_event(rec, small, sizeof(small)), n);
    CHECK_EQ(small[sizeof(small) - 1], '\0');
    CHECK(!strncmp(small, full, sizeof(small) - 1));
    memset(small, 'x', sizeof(small));
    CHECK_EQ(vsmmu_decode_event(rec, small, 1), n);          /* room for the NUL only */
    CHECK_EQ(small[0], '\0');
    CHECK_EQ(small[1], 'x');
    /* A buffer of exactly the text's length loses the last byte to the NUL. */
    char exact[VSMMU_DECODE_LEN];
    CHECK_EQ(vsmmu_decode_event(rec, exact, (size_t)n), n);
    CHECK_EQ(strlen(exact), (size_t)n - 1);
    CHECK_EQ(vsmmu_decode_register(0x20, 0x1f, small, 4), (int)strlen(
             "SMMUEN PRIQEN EVENTQEN CMDQEN ATSCHK"));
    CHECK(!strcmp(small, "SMM"));
}

TEST(decode_rejects_bad_arguments)
{
    uint8_t raw[64] = { 0 };
    char buf[16];

    CHECK_EQ(vsmmu_decode_event(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_command(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_ste(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_cd(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(vsmmu_decode_event(raw, NULL, 8), -EINVAL);
    CHECK_EQ(vsmmu_decode_command(raw, NULL, 8), -EINVAL);
    CHECK_EQ(vsmmu_decode_register(0x20, 0, NULL, 8), -EINVAL);
    CHECK(vsmmu_decode_cd(raw, NULL, 0) > 0);
}

static void check_bounded(const char *what, int rc, const char *buf)
{
    CHECK_MSG(rc > 0 && rc < VSMMU_DECODE_LEN, "%s: length %d", what, rc);
    CHECK_MSG(strlen(buf) == (size_t)rc, "%s: strlen %zu, returned %d", what, strlen(buf), rc);
    for (const char *p = buf; *p; p++)
        CHECK_MSG((*p >= 0x20 && *p < 0x7f) || *p == '\n', "%s: byte 0x%02x", what,
                  (unsigned char)*p);
}

TEST(decode_garbage_is_bounded_and_printable)
{
    uint8_t raw[64];
    char buf[VSMMU_DECODE_LEN];
    unsigned seed = 12345;

    for (int i = 0; i < 4096; i++) {
        for (size_t j = 0; j < sizeof(raw); j++) {
            seed = seed * 1103515245u + 12345u;
            raw[j] = (uint8_t)(seed >> 16);
        }
        /* every opcode and event type, and all-ones structures */
        raw[0] = (uint8_t)i;
        if (i >= 4096 - 256)
            memset(raw + 1, 0xff, sizeof(raw) - 1);
        check_bounded("event", vsmmu_decode_event(raw, buf, sizeof(buf)), buf);
        check_bounded("command", vsmmu_decode_command(raw, buf, sizeof(buf)), buf);
        check_bounded("ste", vsmmu_decode_ste(raw, buf, sizeof(buf)), buf);
        check_bounded("cd", vsmmu_decode_cd(raw, buf, sizeof(buf)), buf);
        uint64_t v;
        memcpy(&v, raw, sizeof(v));
        static const char *const names[] = { "IDR0", "IDR1", "IDR5", "CR0", "CR0ACK", "GBPA",
            "IRQ_CTRL", "IRQ_CTRLACK", "GERROR", "GERRORN", "CMDQ_PROD", "CMDQ_CONS",
            "EVENTQ_PROD", "EVENTQ_CONS" };
        const char *name = names[(unsigned)i % (sizeof(names) / sizeof(names[0]))];
        int64_t off = vsmmu_decode_register_offset(name);
        CHECK_MSG(off >= 0, "%s", name);
        check_bounded(name, vsmmu_decode_register((uint64_t)off, v, buf, sizeof(buf)), buf);
    }
}
