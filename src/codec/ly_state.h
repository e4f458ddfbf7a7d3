/* Binary encoding of member state for storage (Redis), versioned, compact
 * (varints), and decodable from a byte buffer alone so it can be tested and
 * fuzzed. The member id is not in the encoding: it is the storage key. */
#ifndef LY_STATE_H
#define LY_STATE_H
#include <stddef.h>
#include "ly_member.h"
#include "ly_output.h"

#define LY_STATE_VERSION 2 /* 1 (before part two) still decodes */

/* Appends the encoding of m to out. */
void ly_state_encode(const ly_member *m, ly_buf *out);
#define LY_STATE_ENOMEM (-2)
/* Decodes buf[0..len) into *m, initialised for id first (m owns what it
 * allocates; free with ly_member_clear). 0; -1 with errstr when the bytes
 * are not a member state of a known version; LY_STATE_ENOMEM with errstr
 * when memory ran out (the bytes may be fine: not a reason to quarantine).
 * On failure m owns nothing. */
int ly_state_decode(const char *buf, size_t len, const char *id, ly_member *m, char *errstr, size_t errlen);

/* The varints of the encoding (base 128, low group first), shared with the
 * pipeline's outbox records and the Avro writer. Inline: encoders write
 * dozens per record, and a call per varint was most of their time. */
#define LY_VARINT_MAX 10
/* Writes v at o, which has room for LY_VARINT_MAX bytes; returns the end. */
static inline unsigned char *ly_varint_write(unsigned char *o, uint64_t v)
{
    while (v > 0x7F) {
        *o++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *o++ = (unsigned char)v;
    return o;
}
/* Appends v to b (nothing once b->oom). */
static inline void ly_state_put_uvarint(ly_buf *b, uint64_t v)
{
    if (ly_buf_reserve(b, LY_VARINT_MAX) < 0)
        return;
    unsigned char *o = ly_varint_write((unsigned char *)b->data + b->len, v);
    b->len = (size_t)((char *)o - b->data);
    b->data[b->len] = '\0';
}
/* Reads a varint at *p (< end) and advances *p. 0, or -1 when truncated. */
int ly_state_get_uvarint(const char **p, const char *end, uint64_t *v);

#endif
