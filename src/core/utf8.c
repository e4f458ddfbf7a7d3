#include <stdint.h>
#include <string.h>
#include "ly_utf8.h"

/* Length of the character s[i] starts, 0 when it is not a valid start. */
static size_t char_len(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
}

int ly_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    static const unsigned min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t i = 0;
    while (i < n) {
        /* Events are mostly ASCII: eight bytes at a time while they are. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i == n)
            break;
        if (s[i] < 0x80) { /* the common case first */
            i++;
            continue;
        }
        size_t len = char_len(s[i]);
        if (len == 0 || i + len > n)
            return 0;
        unsigned cp = len == 2 ? (s[i] & 0x1Fu) : len == 3 ? (s[i] & 0x0Fu) : (s[i] & 0x07u);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

size_t ly_utf8_prefix(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t cut = max;
    /* Back off over continuation bytes to the start of the cut character. */
    for (int k = 0; k < 3 && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80; k++)
        cut--;
    return cut;
}

void ly_utf8_copy(char *dst, size_t dstlen, const char *src)
{
    size_t n = strlen(src);
    if (n < dstlen) {
        memcpy(dst, src, n + 1);
        return;
    }
    size_t room = dstlen > 4 ? dstlen - 4 : 0;
    size_t cut = ly_utf8_prefix(src, n, room);
    memcpy(dst, src, cut);
    memcpy(dst + cut, "...", dstlen > 4 ? 4 : 0);
    if (dstlen <= 4)
        dst[0] = '\0';
}
