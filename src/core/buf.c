/* A growable byte buffer, and number formatting that reads back exactly:
 * what every writer of JSON, logs and stored bytes builds on. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_buf.h"
#include "ly_grow.h"

void ly_buf_free(ly_buf *b)
{
    free(b->data);
    *b = (ly_buf){0};
}

int ly_buf_grow(ly_buf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

char *ly_buf_extend(ly_buf *b, size_t n)
{
    if (ly_buf_reserve(b, n) < 0)
        return NULL;
    char *at = b->data + b->len;
    b->len += n;
    b->data[b->len] = '\0';
    return at;
}

void ly_buf_printf(ly_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ly_buf_reserve(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ly_buf_json_string(ly_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (ly_buf_reserve(b, n * 6 + 2) < 0)
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    /* Ids and names rarely need escaping: copy the plain run in one go. */
    size_t plain = 0;
    while (plain < n && (unsigned char)s[plain] >= 0x20 && s[plain] != '"' && s[plain] != '\\')
        plain++;
    memcpy(o, s, plain);
    o += plain;
    s += plain;
    n -= plain;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            *o++ = '\\';
            *o++ = (char)ch;
        } else if (ch < 0x20) {
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        } else {
            *o++ = (char)ch;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

const char *ly_format_int(char tmp[24], int64_t v)
{
    int i = 23;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    tmp[i] = '\0';
    do
        tmp[--i] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        tmp[--i] = '-';
    return tmp + i;
}

void ly_format_double(char *buf, size_t len, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}

void ly_buf_json_double(ly_buf *b, double v)
{
    if (!isfinite(v)) { /* JSON has no NaN or infinity */
        ly_buf_put(b, "null", 4);
        return;
    }
    char tmp[40];
    /* Whole numbers (30.0, 1.0, 0.0 fill churn alerts) print as %.15g would
     * print them, without printf and strtod. */
    if (v > -1e15 && v < 1e15 && v == (double)(int64_t)v && !(v == 0 && signbit(v))) {
        const char *d = ly_format_int(tmp, (int64_t)v);
        ly_buf_put(b, d, strlen(d));
        ly_buf_put(b, ".0", 2);
        return;
    }
    ly_format_double(tmp, sizeof tmp - 2, v);
    /* Keep it a JSON float (60.0, not 60), as consumers may type on it. */
    if (!strpbrk(tmp, ".eEn"))
        strcat(tmp, ".0");
    ly_buf_put(b, tmp, strlen(tmp));
}


void *ly_grow(void *v, size_t *cap, size_t n, size_t elem_size, size_t first)
{
    if (n < *cap)
        return v;
    size_t want = *cap ? *cap * 2 : first;
    if (want <= n)
        want = n + 1;
    void *nv = realloc(v, want * elem_size);
    if (nv)
        *cap = want;
    return nv;
}
