/* SPDX-License-Identifier: MIT */
/*
 * Editing saved states (docs/state.md) in tests and fuzz targets: the
 * format's CRC, a header repaired after an edit, a section found by id.
 * Header-only.
 */
#ifndef VSMMU_TEST_STATE_BLOB_H
#define VSMMU_TEST_STATE_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SB_CRC_OFF 24u
#define SB_LEN_OFF 16u
#define SB_HDR_LEN 32u

static inline uint32_t sb_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void sb_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* CRC-32 (IEEE 802.3, reflected), bit by bit. */
static inline uint32_t sb_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

/* After an edit: the header's total length is @len and the CRC (of the
 * whole blob, its own field as zero) matches. */
static inline void sb_reseal(uint8_t *b, size_t len)
{
    if (len < SB_HDR_LEN)
        return;
    sb_put32(b + SB_LEN_OFF, (uint32_t)len);
    sb_put32(b + SB_CRC_OFF, 0);
    sb_put32(b + SB_CRC_OFF, sb_crc32(b, len));
}

/* The offset of the payload of section @id (its length in *@plen), or 0. */
static inline size_t sb_section(const uint8_t *b, size_t len, unsigned id, uint32_t *plen)
{
    for (size_t off = SB_HDR_LEN; off + 8 <= len;) {
        uint32_t l = sb_le32(b + off + 4);
        if ((sb_le32(b + off) & 0xffff) == id) {
            *plen = l;
            return off + 8;
        }
        off += 8 + (size_t)l;
    }
    return 0;
}

#endif
