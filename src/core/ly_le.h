/* 64-bit integers as 8 little-endian bytes, whatever the host: the stored
 * byte formats (member state, outbox, dedupe chunks) are defined this way. */
#ifndef LY_LE_H
#define LY_LE_H
#include <stdint.h>

static inline void ly_put_le64(char out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (char)(v >> (8 * i));
}

static inline uint64_t ly_get_le64(const char in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)(unsigned char)in[i] << (8 * i);
    return v;
}

#endif
