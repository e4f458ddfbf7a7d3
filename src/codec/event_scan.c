/* The fast path of the JSON event decoder: a scanner for the shape events
 * have in practice (one object of scalar fields, plus "lines"), which fills
 * the same field table as yajl's parser. It accepts only what it fully
 * understands and answers "not sure" for everything else (escapes, nested
 * values, duplicates, exotic whitespace, long numbers, any syntax error), so
 * the general decoder stays the single authority on what an event means;
 * the event_json fuzz target checks that both agree on every input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "event_scan.h"
#include "ly_buf.h"

typedef struct {
    const char *p, *end;
    ly_arena *arena;
    int oom;
    int non_ascii; /* a string held a byte >= 0x80 (nothing else may) */
} scan;

/* JSON's whitespace less \v and \f, which yajl also takes: those go to it. */
static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space_slow(scan *s)
{
    while (s->p < s->end && is_space(*s->p))
        s->p++;
}

/* Events rarely hold whitespace: the test that there is none is inline. */
static inline void skip_space(scan *s)
{
    if (s->p < s->end && is_space(*s->p))
        skip_space_slow(s);
}

static inline __attribute__((always_inline)) int at(scan *s, char c)
{
    skip_space(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    return 0;
}

/* A string without escapes or control characters: its bytes, between the
 * quotes. Inlined, like scalar(): as calls they were a tenth of decoding
 * (registers saved and the word constants reloaded per string). */
static inline __attribute__((always_inline)) int plain_string(scan *s, const char **str, size_t *len)
{
    if (!at(s, '"'))
        return 0;
    /* In locals: through s, every step was a store the compiler kept. */
    const char *b = s->p, *p = b, *end = s->end;
    /* Eight bytes at a time, flagging each byte JSON would escape and each
     * one that is not ASCII: from the first flagged byte on, the bytes are
     * looked at one by one. */
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t flags = ly_json_special_bytes(w) | (w & 0x8080808080808080ULL);
        if (flags) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            p += __builtin_ctzll(flags) / 8; /* the first byte is w's lowest */
#endif
            break;
        }
        p += 8;
    }
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *str = b;
            *len = (size_t)(p - b);
            s->p = p + 1;
            return 1;
        }
        if (c == '\\' || c < 0x20)
            return 0;
        s->non_ascii |= c >= 0x80;
    }
    return 0;
}

static int delimiter_follows(const scan *s)
{
    if (s->p == s->end)
        return 1;
    char c = *s->p;
    return c == ',' || c == '}' || c == ']' || is_space(c);
}

static int digits(scan *s)
{
    const char *b = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > b;
}

/* JSON's number grammar; integers of up to 18 digits exactly as strtoll
 * reads them, others through strtod as yajl does. */
static int number(scan *s, ly_field_value *v)
{
    const char *b = s->p;
    int negative = *s->p == '-', is_double = 0;
    s->p += negative;
    /* The integer's value as its digits are read (it wraps past 19
     * digits, and is used only up to 18). */
    uint64_t x = 0;
    const char *first = s->p;
    if (s->p < s->end && *s->p == '0')
        s->p++;
    else
        for (; s->p < s->end && (unsigned char)(*s->p - '0') < 10; s->p++)
            x = x * 10 + (uint64_t)(*s->p - '0');
    size_t int_digits = (size_t)(s->p - first);
    if (int_digits == 0)
        return 0;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!digits(s))
            return 0;
        is_double = 1;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!digits(s))
            return 0;
        is_double = 1;
    }
    if (!delimiter_follows(s))
        return 0;
    if (!is_double) {
        if (int_digits > 18)
            return 0;
        if (v)
            v->kind = LY_V_INT, v->i = negative ? -(int64_t)x : (int64_t)x, v->d = (double)v->i;
        return 1;
    }
    char tmp[64];
    size_t n = (size_t)(s->p - b);
    if (n >= sizeof tmp)
        return 0;
    memcpy(tmp, b, n);
    tmp[n] = '\0';
    double d = strtod(tmp, NULL);
    if (isinf(d)) /* yajl calls that an overflow */
        return 0;
    if (v)
        v->kind = LY_V_DOUBLE, v->d = d;
    return 1;
}

static int word(scan *s, const char *w, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return 0;
    s->p += n;
    return delimiter_follows(s);
}

/* A scalar value into v (NULL: an unknown field, read and dropped). */
static inline __attribute__((always_inline)) int scalar(scan *s, ly_field_value *v)
{
    skip_space(s);
    if (s->p == s->end)
        return 0;
    switch (*s->p) {
    case '"': {
        const char *str;
        size_t len;
        if (!plain_string(s, &str, &len))
            return 0;
        if (v) {
            v->kind = LY_V_STRING;
            v->len = len;
            if (!(v->s = ly_arena_strndup(s->arena, str, len))) {
                s->oom = 1;
                return 0;
            }
        }
        return 1;
    }
    case 'n':
        if (!word(s, "null", 4))
            return 0;
        if (v)
            v->kind = LY_V_NULL;
        return 1;
    case 't':
    case 'f':
        if (!word(s, *s->p == 't' ? "true" : "false", *s->p == 't' ? 4 : 5))
            return 0;
        if (v)
            v->kind = LY_V_OTHER;
        return 1;
    default:
        return (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) && number(s, v);
    }
}

static ly_field_value *line_field(ly_line_fields *l, const char *k, size_t n)
{
    if (n == 3 && memcmp(k, "sku", 3) == 0)
        return &l->sku;
    if (n == 8 && memcmp(k, "category", 8) == 0)
        return &l->category;
    if (n == 12 && memcmp(k, "amount_minor", 12) == 0)
        return &l->amount_minor;
    return NULL;
}

static int line_object(scan *s, ly_line_fields *l)
{
    memset(l, 0, sizeof *l);
    if (!at(s, '{'))
        return 0;
    if (at(s, '}'))
        return 1;
    do {
        const char *k;
        size_t n;
        if (!plain_string(s, &k, &n) || !at(s, ':'))
            return 0;
        ly_field_value *v = line_field(l, k, n);
        if ((v && v->kind != LY_V_NONE) || !scalar(s, v))
            return 0;
    } while (at(s, ','));
    return at(s, '}');
}

static int lines_array(scan *s, ly_fields *f)
{
    s->p++; /* the '[' */
    f->v[LY_F_LINES].kind = LY_V_ARRAY;
    if (at(s, ']'))
        return 1;
    do {
        if (f->n_lines == LY_MAX_LINES || !line_object(s, &f->lines[f->n_lines]))
            return 0;
        f->n_lines++;
    } while (at(s, ','));
    return at(s, ']');
}

/* The field table's names by length. A name missing here would make the
 * fast path drop that field: the unit test decoding every field both ways
 * and the fuzz target catch it. */
static int field_index(const char *k, size_t n)
{
#define IS(lit) (memcmp(k, lit, sizeof lit - 1) == 0)
    switch (n) {
    case 4: return IS("kind") ? LY_F_KIND : IS("type") ? LY_F_TYPE : -1;
    case 5: return IS("lines") ? LY_F_LINES : -1;
    case 6: return IS("source") ? LY_F_SOURCE : IS("points") ? LY_F_POINTS : -1;
    case 7: return IS("channel") ? LY_F_CHANNEL : -1;
    case 8:
        return IS("event_id") ? LY_F_EVENT_ID : IS("order_id") ? LY_F_ORDER_ID : IS("currency") ? LY_F_CURRENCY
             : IS("platform") ? LY_F_PLATFORM : IS("store_id") ? LY_F_STORE_ID : IS("birthday") ? LY_F_BIRTHDAY : -1;
    case 9:
        return IS("member_id") ? LY_F_MEMBER_ID : IS("reward_id") ? LY_F_REWARD_ID : IS("sentiment") ? LY_F_SENTIMENT : -1;
    case 11: return IS("occurred_at") ? LY_F_OCCURRED_AT : -1;
    case 12: return IS("amount_minor") ? LY_F_AMOUNT_MINOR : -1;
    case 15: return IS("redeem_event_id") ? LY_F_REDEEM_EVENT_ID : -1;
    case 18: return IS("referred_member_id") ? LY_F_REFERRED_MEMBER_ID : -1;
    default: return -1;
    }
#undef IS
}

static int member(scan *s, ly_fields *f)
{
    const char *k;
    size_t n;
    if (!plain_string(s, &k, &n) || !at(s, ':'))
        return 0;
    int i = field_index(k, n);
    if (i >= 0 && f->v[i].kind != LY_V_NONE) /* a duplicate: the general decoder says so */
        return 0;
    skip_space(s);
    if (i == LY_F_LINES && s->p < s->end && *s->p == '[')
        return lines_array(s, f);
    return scalar(s, i >= 0 ? &f->v[i] : NULL);
}

int ly_event_scan_json(const char *buf, size_t len, ly_fields *f, ly_arena *arena)
{
    scan s = { buf, buf + len, arena, 0, 0 };
    int ok = at(&s, '{');
    if (ok && !at(&s, '}')) {
        do
            ok = member(&s, f);
        while (ok && at(&s, ','));
        ok = ok && at(&s, '}');
    }
    if (s.oom)
        return LY_DECODE_ENOMEM;
    skip_space(&s);
    if (!ok || s.p != s.end)
        return LY_SCAN_NOT_SURE;
    return s.non_ascii ? LY_SCAN_DONE : LY_SCAN_DONE_ASCII;
}
