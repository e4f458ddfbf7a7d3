/* UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
 * past U+10FFFF. Inputs are checked with it; text is cut with it so that no
 * message or output ever ends inside a character. */
#ifndef LY_UTF8_H
#define LY_UTF8_H
#include <stddef.h>

/* 1 when s[0..n) is valid UTF-8. */
int ly_utf8_valid(const char *s, size_t n);
/* The length of the longest prefix of s[0..n) that is at most max bytes and
 * does not end inside a character. */
size_t ly_utf8_prefix(const char *s, size_t n, size_t max);
/* Copies NUL-terminated src into dst (size dstlen > 0), cut on a character
 * boundary, with "..." when it was cut. */
void ly_utf8_copy(char *dst, size_t dstlen, const char *src);

#endif
