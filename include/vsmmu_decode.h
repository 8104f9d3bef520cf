/* SPDX-License-Identifier: MIT */
/*
 * vsmmu decoding: SMMUv3 event records, commands, stream table entries,
 * context descriptors and register values as text for people (logs,
 * debuggers, the `vsmmu decode` tool).
 *
 * Every function works like snprintf(): it writes at most @len bytes to
 * @buf, always NUL-terminated when @len > 0, and returns the length of the
 * whole text (without the NUL), so a return value >= @len means the text was
 * cut.  @buf may be NULL when @len is 0, to ask for the length.  A negative
 * return value is an errno: -EINVAL for a NULL structure pointer, or @buf
 * NULL with @len > 0; -ENOENT for a register offset that is not decoded.
 *
 * The structures are given as bytes in memory order (little-endian, as the
 * SMMU reads and writes them).  Any byte pattern is accepted: reserved and
 * illegal values are named as such.  Multi-line texts end every line with
 * '\n'.  VSMMU_DECODE_LEN bytes are always enough.  The functions keep no
 * state and may be called from any thread.
 */
#ifndef VSMMU_DECODE_H
#define VSMMU_DECODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A buffer size that holds any text these functions produce. */
#define VSMMU_DECODE_LEN 512

/** A 32-byte event record: type and name, StreamID, SubstreamID, then the
 *  fields the record's type carries (access, addresses, stage), one per line. */
int vsmmu_decode_event(const uint8_t rec[32], char *buf, size_t len);

/** A 16-byte command: one line, "command 0xOP NAME" and its fields. */
int vsmmu_decode_command(const uint8_t cmd[16], char *buf, size_t len);

/** A 64-byte stream table entry: V, Config and the stage fields in use. */
int vsmmu_decode_ste(const uint8_t ste[64], char *buf, size_t len);

/** A 64-byte context descriptor: the fields of a stage-1 translation. */
int vsmmu_decode_cd(const uint8_t cd[64], char *buf, size_t len);

/** The fields of a register value, on one line without a newline: the
 *  names of the set bits ("SMMUEN CMDQEN", or "(none set)"), NAME=value for
 *  multi-bit fields, or a queue pointer's index and flags.  @offset is the
 *  register's offset in the register frame (page 1 registers at 0x10000 and
 *  up).  Decoded: IDR0, IDR1, IDR5, CR0, CR0ACK, IRQ_CTRL, IRQ_CTRLACK,
 *  GERROR, GERRORN, GBPA, CMDQ_PROD, CMDQ_CONS, EVENTQ_PROD, EVENTQ_CONS. */
int vsmmu_decode_register(uint64_t offset, uint64_t value, char *buf, size_t len);

/** The offset of a register that vsmmu_decode_register() decodes, by its
 *  name ("CR0", "eventq_prod": any case), or -ENOENT (-EINVAL for NULL). */
int64_t vsmmu_decode_register_offset(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_DECODE_H */
