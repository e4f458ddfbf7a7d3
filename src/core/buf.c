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
    /* Ids and names rarely need escaping: find the plain run eight bytes at
     * a time, and copy it in one go. */
    size_t plain = 0;
    for (; plain + 8 <= n; plain += 8) {
        uint64_t w;
        memcpy(&w, s + plain, 8);
        if (ly_json_special_bytes(w))
            break;
    }
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

/* Two digits per step from a table of "00".."99": half the divisions. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";

/* Writes u's digits so that they end just before `end`; returns where they
 * start. */
static char *digits_before(char *end, uint64_t u)
{
    while (u >= 100) {
        end -= 2;
        memcpy(end, digit_pairs + u % 100 * 2, 2);
        u /= 100;
    }
    if (u >= 10) {
        end -= 2;
        memcpy(end, digit_pairs + u * 2, 2);
    } else {
        *--end = (char)('0' + u);
    }
    return end;
}

const char *ly_format_int(char tmp[24], int64_t v)
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    tmp[23] = '\0';
    char *d = digits_before(tmp + 23, u);
    if (v < 0)
        *--d = '-';
    return d;
}

static int decimal_digits(uint64_t u)
{
    int n = 1;
    for (; u >= 10000; u /= 10000)
        n += 4;
    return n + (u >= 10) + (u >= 100) + (u >= 1000);
}

void ly_buf_put_int(ly_buf *b, int64_t v)
{
    if (ly_buf_reserve(b, 20) < 0)
        return;
    char *o = b->data + b->len;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        *o++ = '-';
    o += decimal_digits(u);
    digits_before(o, u);
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

/* ---- ly_format_double: the shortest of %.15g, %.16g and %.17g that reads
 * back as v. Churn alerts carry several such numbers, and printf plus
 * strtod for up to three precisions cost ~1 us each; in the range alerts
 * use, the digits and the read-back test are worked out exactly in 128-bit
 * integers instead, and anything else goes through printf. */
typedef unsigned __int128 u128;

static u128 pow10_u128(int k) /* 0 <= k <= 38 */
{
    u128 p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/* v = m * 2^-s: rounds v to p significant digits (exponent e10 of the
 * first) as printf does, ties to even; *q gets the digits. */
static void round_digits(uint64_t m, int s, int p, int e10, uint64_t *q)
{
    u128 n = (u128)m * pow10_u128(p - 1 - e10);
    u128 whole = n >> s, rest = n - (whole << s), half = (u128)1 << (s - 1);
    if (rest > half || (rest == half && (whole & 1)))
        whole++;
    *q = (uint64_t)whole;
}

/* Whether q * 10^-(p-1-e10) reads back as v = m * 2^-s: lies strictly
 * between the midpoints to v's neighbours, scaled by 10^k * 2^(s+2) into
 * integers below 2^126. A midpoint has at least 19 significant digits
 * (an odd number near 2^54 times 5^(s+1)), so no candidate is one; and
 * m = 2^52, whose lower gap is half as wide, is a power of two, which in
 * this range has at most 15 digits and is written exactly. */
static int reads_back(uint64_t m, int s, int p, int e10, uint64_t q)
{
    u128 scale = pow10_u128(p - 1 - e10);
    u128 c = (u128)q << (s + 2);
    return c > ((u128)4 * m - 2) * scale && c < ((u128)4 * m + 2) * scale;
}

/* Writes p digits q with the first at 10^e10, as %g would in its fixed
 * form (no trailing zeros, no lone point). */
static void write_fixed(char *out, int negative, uint64_t q, int p, int e10)
{
    char d[20];
    for (int i = p - 1; i >= 0; i--, q /= 10)
        d[i] = (char)('0' + q % 10);
    while (p > 1 && d[p - 1] == '0')
        p--;
    if (negative)
        *out++ = '-';
    if (e10 < 0) {
        *out++ = '0';
        *out++ = '.';
        for (int i = -1; i > e10; i--)
            *out++ = '0';
        memcpy(out, d, (size_t)p);
        out += p;
    } else {
        int whole = e10 + 1 < p ? e10 + 1 : p;
        memcpy(out, d, (size_t)whole);
        out += whole;
        for (int i = whole; i <= e10; i++)
            *out++ = '0';
        if (p > whole) {
            *out++ = '.';
            memcpy(out, d + whole, (size_t)(p - whole));
            out += p - whole;
        }
    }
    *out = '\0';
}

/* 1 when v was written (out holds 32 bytes), 0 when printf must do it:
 * outside [1e-4, 1e15) %g may use its exponent form, and the integers
 * above stop fitting in 128 bits. */
static int format_exact(char *out, double v)
{
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e15))
        return 0;
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    int s = 1075 - (int)(bits >> 52); /* a = m * 2^-s, 3 <= s <= 66 */
    int e10 = (int)floor(log10(a));
    uint64_t q;
    /* log10 may be one off next to a power of ten: 17 digits tell. */
    round_digits(m, s, 17, e10, &q);
    if (q >= 100000000000000000ULL)
        e10++;
    else if (q < 10000000000000000ULL)
        e10--;
    for (int p = 15; p <= 17; p++) {
        round_digits(m, s, p, e10, &q);
        if (!reads_back(m, s, p, e10, q))
            continue;
        int e = e10, digits = p;
        if (q == (uint64_t)pow10_u128(p)) { /* rounded up to a power of ten */
            q /= 10;
            e++;
        }
        if (e < -4 || e >= digits)
            return 0;
        write_fixed(out, v < 0, q, digits, e);
        return 1;
    }
    return 0;
}

void ly_format_double(char *buf, size_t len, double v)
{
    if (len >= 32 && format_exact(buf, v))
        return;
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
        ly_buf_put_int(b, (int64_t)v);
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
