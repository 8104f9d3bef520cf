// SPDX-License-Identifier: MIT
/* Lexical rules of the `vsmmu run` script protocol, and the answer buffer. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tool.h"

/* ---- answer buffer ------------------------------------------------------ */

static bool sb_grow(struct sbuf *b, size_t need)
{
    size_t cap;
    char *p;

    if (b->oom)
        return false;
    if (b->len + need + 1 <= b->cap)
        return true;
    cap = b->cap ? b->cap : 64;
    while (cap < b->len + need + 1)
        cap *= 2;
    p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_putc(struct sbuf *b, char c)
{
    if (!sb_grow(b, 1))
        return;
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

void sb_reset(struct sbuf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->p)
        b->p[0] = '\0';
}

void sb_free(struct sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

const char *sb_str(const struct sbuf *b)
{
    return b->p && b->len ? b->p : "";
}

/* ---- tokens ------------------------------------------------------------- */

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int tok_split(char *line, char **tok, int max)
{
    char *hash = strchr(line, '#');
    char *p = line;
    int n = 0;

    if (hash)
        *hash = '\0';
    for (;;) {
        while (is_sep(*p))
            p++;
        if (!*p)
            break;
        if (n < max)
            tok[n] = p;
        n++;
        while (*p && !is_sep(*p))
            p++;
        if (!*p)
            break;
        *p++ = '\0';
    }
    return n;
}

/* ---- numbers ------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parse digits of @s up to @end; base 10 or 16; overflow is an error. */
static int parse_digits(const char *s, const char *end, unsigned base, uint64_t *v)
{
    uint64_t x = 0;

    if (s == end)
        return -1;
    for (; s < end; s++) {
        int d = hexval(*s);
        if (d < 0 || (unsigned)d >= base)
            return -1;
        if (x > (UINT64_MAX - (uint64_t)d) / base)
            return -1;
        x = x * base + (uint64_t)d;
    }
    *v = x;
    return 0;
}

static int parse_num_span(const char *s, const char *end, uint64_t *v)
{
    if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_digits(s + 2, end, 16, v);
    return parse_digits(s, end, 10, v);
}

int parse_u64(const char *s, uint64_t *v)
{
    return parse_num_span(s, s + strlen(s), v);
}

int parse_size(const char *s, uint64_t *v)
{
    size_t n = strlen(s);
    unsigned shift = 0;
    uint64_t x;

    if (n == 0)
        return -1;
    switch (s[n - 1]) {
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    default: break;
    }
    if (shift)
        n--;
    if (parse_num_span(s, s + n, &x))
        return -1;
    if (shift && x > (UINT64_MAX >> shift))
        return -1;
    *v = x << shift;
    return 0;
}

int parse_hex_bytes(const char *s, uint8_t *buf, size_t len)
{
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return -1;
    s += 2;
    if (strlen(s) != 2 * len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int parse_bool(const char *s, bool *v)
{
    static const char *const on[] = { "on", "1", "yes", "true" };
    static const char *const off[] = { "off", "0", "no", "false" };

    for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
        if (!strcasecmp(s, on[i])) {
            *v = true;
            return 0;
        }
        if (!strcasecmp(s, off[i])) {
            *v = false;
            return 0;
        }
    }
    return -1;
}
