/* SPDX-License-Identifier: MIT */
/*
 * The vsmmu command-line tool: shared declarations.
 *
 *   vsmmu.c        main(), --help, subcommand dispatch
 *   parse.c        lexical rules of the script protocol (tokens, numbers,
 *                  sizes, hex byte strings) and the answer buffer
 *   run.c          `vsmmu run`: options, guest RAM and host callbacks,
 *                  the script loop
 *   commands.c     register, memory, irqs, translate, reset, stats commands,
 *                  and the table of every command
 *   accel_cmds.c   accel-mode commands on the simulated iommufd kernel
 *   decode.c       `vsmmu decode`: event records, commands, STEs, registers
 *
 * The tool is a client of the library: it calls only the functions of
 * include/vsmmu.h, include/vsmmu_iommufd.h, include/vsmmu_decode.h and
 * include/vsmmu_trace.h, and the simulated kernel of include/vsmmu_sim.h;
 * nothing from src/.
 */
#ifndef VSMMU_TOOL_H
#define VSMMU_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vsmmu.h"
#include "vsmmu_iommufd.h"
#include "vsmmu_sim.h"
#include "vsmmu_trace.h"

/* ---- parse.c ----------------------------------------------------------- */

/** A growable answer text (the part after "OK", "FAULT" or "ERR"). */
struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_putc(struct sbuf *b, char c);
void sb_reset(struct sbuf *b);
void sb_free(struct sbuf *b);
/** The text, "" when empty. */
const char *sb_str(const struct sbuf *b);

/**
 * Split @line in place: a '#' ends the line, tokens are separated by spaces
 * and tabs (a trailing CR or LF is a separator too).  Stores at most @max
 * tokens; returns the number of tokens found (which may exceed @max).
 */
int tok_split(char *line, char **tok, int max);
/** A decimal number, or hexadecimal with a 0x prefix; 0 or -1. */
int parse_u64(const char *s, uint64_t *v);
/** A number optionally followed by K, M or G (binary multiples). */
int parse_size(const char *s, uint64_t *v);
/** "0x" followed by exactly 2*len hex digits, first byte first. */
int parse_hex_bytes(const char *s, uint8_t *buf, size_t len);
/** on/off (also 1/0, yes/no, true/false). */
int parse_bool(const char *s, bool *v);

/* ---- run.c: the state of one `vsmmu run` --------------------------------- */

#define TOOL_MSI (-1)

struct tool_irq {
    int line;           /* enum vsmmu_irq, or TOOL_MSI */
    uint64_t addr;      /* MSI */
    uint32_t data;      /* MSI */
};

struct tool_dev {
    uint32_t vsid;
    struct vsmmu_iommufd_dev dev;
    uint32_t s2_hwpt;
};

struct tool {
    vsmmu_t *s;
    struct vsmmu_config cfg;
    bool trace;
    struct sbuf trace_line;     /* --trace: the line being formatted */
    uint64_t ram_base, ram_size;
    uint8_t *ram;
    /* interrupts since the last `irqs` */
    struct tool_irq *irqs;
    size_t nirqs, irq_cap;
    bool irq_overflow;
    /* accel mode */
    vsmmu_iommufd_t *sim;
    struct tool_dev *devs;
    size_t ndevs, dev_cap;
    /* save/load (state_cmds.c): guest RAM pages ever written (one bit per
     * TOOL_PAGE), and the call of each simulated-kernel operation that an
     * armed host-fail makes fail (0: none) with its errno */
    uint8_t *dirty;
    unsigned fail_at[VSMMU_SIM_NR_OPS];
    int fail_err[VSMMU_SIM_NR_OPS];
};

#define TOOL_PAGE 4096u

/** Format (" eventq msi:0x..=0x..") and forget the interrupts recorded
 *  since the last call. */
void tool_take_irqs(struct tool *t, struct sbuf *out);
/** Is [addr, addr+len) inside guest RAM? */
bool tool_in_ram(const struct tool *t, uint64_t addr, uint64_t len);
/** Record a signalled interrupt for the next `irqs`. */
void tool_record_irq(struct tool *t, struct tool_irq irq);
/** Create the instance (and in accel mode the simulated kernel) for the
 *  options in @t; 0, or 2 after a message on standard error. */
int tool_instance_create(struct tool *t);
/** Destroy the instance, the simulated kernel and the device list. */
void tool_instance_destroy(struct tool *t);

/* ---- command handlers (commands.c, accel_cmds.c) ------------------------ */

enum answer { ANS_OK, ANS_FAULT, ANS_ERR };

typedef enum answer (*cmd_fn)(struct tool *t, int argc, char **argv, struct sbuf *out);

struct command {
    const char *name;
    int min_args, max_args;   /* arguments after the command name */
    const char *usage;        /* "OFF VALUE" */
    cmd_fn fn;
};

/** Look a command up; NULL if unknown. */
const struct command *find_command(const char *name);

/* accel_cmds.c: the accel-mode handlers, listed in commands.c's table */
enum answer cmd_accel_attach(struct tool *t, int argc, char **argv, struct sbuf *out);
enum answer cmd_accel_detach(struct tool *t, int argc, char **argv, struct sbuf *out);
enum answer cmd_host_event(struct tool *t, int argc, char **argv, struct sbuf *out);
enum answer cmd_poll(struct tool *t, int argc, char **argv, struct sbuf *out);
enum answer cmd_host_objects(struct tool *t, int argc, char **argv, struct sbuf *out);
enum answer cmd_host_fail(struct tool *t, int argc, char **argv, struct sbuf *out);

/* state_cmds.c: save FILE, load FILE (listed in commands.c's table) */
enum answer cmd_save(struct tool *t, int argc, char **argv, struct sbuf *out);
enum answer cmd_load(struct tool *t, int argc, char **argv, struct sbuf *out);
/** Guest RAM [addr, addr+len) was written (for save). */
void tool_ram_written(struct tool *t, uint64_t addr, uint64_t len);
/** host-fail armed the @nth next call of @op (for save). */
void tool_note_fail(struct tool *t, int op, unsigned nth, int err);
/** Add a host device to the simulated kernel and attach it as @vsid. */
enum answer tool_attach(struct tool *t, uint32_t vsid, struct sbuf *out);

/** Parse a number argument, or fill @out with an ERR reason. */
bool arg_u64(const char *s, const char *what, uint64_t max, uint64_t *v, struct sbuf *out);
/** errno name ("ENOMEM") or NULL; and back (0 if unknown). */
const char *errno_name(int err);
int errno_by_name(const char *name);
/** A negative errno as "ENOMEM (Cannot allocate memory)". */
void sb_errno(struct sbuf *b, int neg_err);

/* ---- decode.c --------------------------------------------------------- */
/** `vsmmu decode ...`; returns the exit status. */
int decode_main(int argc, char **argv);

/* ---- run.c ------------------------------------------------------------ */
int run_main(int argc, char **argv);
void run_usage(FILE *f);

#endif
