/* A growable byte buffer (an allocation failure is sticky: b->oom, and
 * nothing more is written) and exact number formatting. */
#ifndef LY_BUF_H
#define LY_BUF_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ly_buf { char *data; size_t len, cap; int oom; } ly_buf;
void ly_buf_free(ly_buf *b);
/* The slow path of ly_buf_reserve: grows the allocation. */
int ly_buf_grow(ly_buf *b, size_t more);
/* Makes room for `more` bytes and a NUL. 0, or -1 (then b->oom). Inline:
 * output writers reserve a few bytes per field, millions of times. */
static inline int ly_buf_reserve(ly_buf *b, size_t more)
{
    if (!b->oom && b->len + more + 1 <= b->cap)
        return 0;
    return ly_buf_grow(b, more);
}
static inline void ly_buf_put(ly_buf *b, const char *s, size_t n)
{
    if (ly_buf_reserve(b, n) < 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}
/* Grows b by n bytes and returns where they start (NULL on ENOMEM). */
char *ly_buf_extend(ly_buf *b, size_t n);
void ly_buf_printf(ly_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quoted, escaped). */
void ly_buf_json_string(ly_buf *b, const char *s, size_t n);
/* Eight bytes of a string, read with memcpy: the high bit set in each byte
 * that is '"', '\\' or below 0x20 - what a JSON string cannot hold as is
 * (the usual bit tricks for a zero byte and a byte less than n). On a
 * little-endian machine the lowest flag is exact (a borrow only runs upwards
 * from a flagged byte): it marks the first such byte. Shared by the writer
 * above and the JSON event scanner. */
static inline uint64_t ly_json_special_bytes(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    return (((q - ones) & ~q) | ((bs - ones) & ~bs) | ((w - ones * 0x20) & ~w)) & highs;
}
/* Writes v in decimal, NUL-terminated, ending at tmp's end; returns where
 * it starts (no printf: outputs are simulate's hot path). */
const char *ly_format_int(char tmp[24], int64_t v);
/* Appends v in decimal (written in place: outputs are full of numbers). */
void ly_buf_put_int(ly_buf *b, int64_t v);
/* Writes the shortest decimal (15..17 digits) that reads back as v. */
void ly_format_double(char *buf, size_t len, double v);
/* Appends the shortest decimal that reads back as the same double (null
 * for NaN and infinities, which JSON lacks). */
void ly_buf_json_double(ly_buf *b, double v);

#endif
