/* The JSON event decoder and the validation rules of PROGRAM.md sections 1-2. */
#include <stdio.h>
#include <yajl/yajl_parse.h>
#include <stdlib.h>
#include <string.h>
#include "event_fields.h"
#include "event_scan.h"
#include "ly_utf8.h"

#define MIN_TIME 946684800000LL  /* 2000-01-01 */
#define MAX_TIME 4102444800000LL /* 2100-01-01, exclusive */
#define MAX_AMOUNT 1000000000000LL

static const char *const type_names[LY_EV_COUNT] = {
    "PURCHASE", "REFUND", "REVIEW", "CHECK_IN", "SURVEY", "PROFILE_COMPLETE", "APP_OPEN",
    "REDEEM", "PROFILE_UPDATE", "REDEEM_CANCEL", "ERASE", "SHARE", "FOLLOW", "UGC_POST", "MENTION",
    "REFERRAL", "REFERRAL_NOTICE", "REFERRAL_GRANT",
};
static const char *const source_names[LY_SRC_COUNT] = { "purchases", "interactions", "social", "internal" };
/* Which types each source may carry: [first, last]. */
static const int source_types[LY_SRC_COUNT][2] = {
    { LY_EV_PURCHASE, LY_EV_REFUND },
    { LY_EV_REVIEW, LY_EV_ERASE },
    { LY_EV_SHARE, LY_EV_REFERRAL },
    { LY_EV_REFERRAL_NOTICE, LY_EV_REFERRAL_GRANT },
};

const char *ly_event_type_name(ly_event_type t)
{
    return (unsigned)t < LY_EV_COUNT ? type_names[t] : "?";
}

const char *ly_source_name(ly_source s)
{
    return (unsigned)s < LY_SRC_COUNT ? source_names[s] : "?";
}

int ly_source_parse(const char *name)
{
    for (int s = 0; s < LY_SRC_INTERNAL; s++)
        if (name[0] == source_names[s][0] && strcmp(name, source_names[s]) == 0)
            return s;
    return -1;
}

const char *ly_reject_name(ly_reject r)
{
    switch (r) {
    case LY_REJECT_INVALID: return "invalid";
    case LY_REJECT_CURRENCY_MISMATCH: return "currency_mismatch";
    case LY_REJECT_DUPLICATE_ORDER: return "duplicate_order";
    case LY_REJECT_UNKNOWN_ORDER: return "unknown_order";
    case LY_REJECT_REFUND_EXCEEDS_ORDER: return "refund_exceeds_order";
    case LY_REJECT_UNKNOWN_REDEMPTION: return "unknown_redemption";
    case LY_REJECT_ERASED_MEMBER: return "erased_member";
    case LY_REJECT_QUARANTINED_MEMBER: return "quarantined_member";
    default: return "none";
    }
}

int ly_event_valid_member_id(const char *s, size_t len)
{
    if (len < 1 || len > LY_MEMBER_ID_MAX)
        return 0;
    /* A table: ids are checked on every event, ranges and compares per byte cost. */
    static const uint8_t ok[256] = {
        ['-'] = 1, ['.'] = 1, [':'] = 1, ['@'] = 1, ['_'] = 1,
        ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
        ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
        ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
        ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
        ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
        ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
        ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
    };
    unsigned bad = 0;
    for (size_t i = 0; i < len; i++)
        bad |= ok[(unsigned char)s[i]] ^ 1u;
    return !bad;
}

int ly_event_valid_event_id(const char *s, size_t len)
{
    if (len < 1 || len > LY_EVENT_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7E)
            return 0;
    return 1;
}

/* ---- arena ---- */

typedef struct block { struct block *next; size_t used, cap; char data[]; } block;
struct ly_arena { block *head; size_t bytes; };

ly_arena *ly_arena_new(void)
{
    return calloc(1, sizeof(ly_arena));
}

void ly_arena_destroy(ly_arena *a)
{
    if (!a)
        return;
    for (block *b = a->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(a);
}

#define ARENA_BLOCK 65536

void ly_arena_reset(ly_arena *a)
{
    if (!a)
        return;
    block *keep = NULL;
    for (block *b = a->head, *n; b; b = n) {
        n = b->next;
        if (!keep && b->cap == ARENA_BLOCK)
            keep = b;
        else
            free(b);
    }
    a->head = keep;
    a->bytes = 0;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        a->bytes = sizeof *keep + keep->cap;
    }
}

/* Room for len bytes at alignment `align` (1 or 8) in the newest block, or
 * in a new one: where they start, or NULL on ENOMEM. */
static char *room(ly_arena *a, size_t len, size_t align)
{
    block *b = a->head;
    size_t pad = b ? (0 - b->used) & (align - 1) : 0; /* align is 1 or 8 */
    if (!b || b->cap - b->used < len + pad) {
        size_t cap = len > ARENA_BLOCK ? len : ARENA_BLOCK;
        block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->next = a->head;
        nb->used = 0;
        nb->cap = cap;
        a->head = b = nb;
        a->bytes += sizeof *nb + cap;
        pad = 0;
    }
    char *p = b->data + b->used + pad;
    b->used += pad + len;
    return p;
}

char *ly_arena_strndup(ly_arena *a, const char *s, size_t len)
{
    char *d = room(a, len + 1, 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

void *ly_arena_alloc(ly_arena *a, size_t len)
{
    return room(a, len, 8);
}

size_t ly_arena_bytes(const ly_arena *a)
{
    return a ? a->bytes : 0;
}

/* ---- decoding ----
 * yajl's event parser fills a table of the known top-level fields; nothing
 * else is allocated, which keeps decoding off the top of simulate's profile. */

const char *const ly_field_names[LY_F_COUNT] = {
    "source", "event_id", "member_id", "occurred_at", "kind", "order_id", "amount_minor", "currency",
    "type", "points", "reward_id", "platform", "sentiment", "referred_member_id", "channel", "store_id",
    "lines", "birthday", "redeem_event_id",
};

uint64_t ly_name_key(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h ? h : 1;
}

/* Depth 1 is the event object; inside "lines", depth 2 is the array and
 * depth 3 a line object. */
enum { LINE_SKU, LINE_CATEGORY, LINE_AMOUNT };

typedef struct {
    ly_fields f;
    ly_arena *arena;
    int depth, field, not_object, duplicate, oom;
    int in_lines, line_field;
} dec;

static ly_line_fields *current_line(dec *d)
{
    return d->in_lines && d->f.n_lines ? &d->f.lines[d->f.n_lines - 1] : NULL;
}

static ly_field_value *current(dec *d)
{
    if (d->depth == 3 && d->in_lines && d->line_field >= 0) {
        ly_line_fields *l = current_line(d);
        return !l ? NULL : d->line_field == LINE_SKU ? &l->sku : d->line_field == LINE_CATEGORY ? &l->category : &l->amount_minor;
    }
    if (d->depth == 2 && d->in_lines) {
        d->f.lines_bad = 1; /* a line that is not an object */
        return NULL;
    }
    return d->depth == 1 && d->field >= 0 ? &d->f.v[d->field] : NULL;
}

static int on_null(void *ctx)
{
    dec *d = ctx;
    if (d->depth == 0)
        d->not_object = 1;
    ly_field_value *v = current(d);
    if (v)
        v->kind = LY_V_NULL;
    return !d->not_object;
}

static int on_bool(void *ctx, int b)
{
    (void)b;
    dec *d = ctx;
    if (d->depth == 0)
        d->not_object = 1;
    ly_field_value *v = current(d);
    if (v)
        v->kind = LY_V_OTHER;
    return !d->not_object;
}

static int on_int(void *ctx, long long x)
{
    dec *d = ctx;
    ly_field_value *v = current(d);
    if (d->depth == 0)
        d->not_object = 1;
    if (v)
        v->kind = LY_V_INT, v->i = x, v->d = (double)x;
    return !d->not_object;
}

static int on_double(void *ctx, double x)
{
    dec *d = ctx;
    ly_field_value *v = current(d);
    if (d->depth == 0)
        d->not_object = 1;
    if (v)
        v->kind = LY_V_DOUBLE, v->d = x;
    return !d->not_object;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    dec *d = ctx;
    ly_field_value *v = current(d);
    if (d->depth == 0)
        d->not_object = 1;
    if (v) {
        v->kind = LY_V_STRING;
        v->len = len;
        if (!(v->s = ly_arena_strndup(d->arena, (const char *)s, len)))
            d->oom = 1;
    }
    return !d->not_object && !d->oom;
}

static int on_line_key(dec *d, const unsigned char *k, size_t len)
{
    static const char *const names[3] = { "sku", "category", "amount_minor" };
    ly_line_fields *l = current_line(d);
    d->line_field = -1;
    for (int f = 0; l && f < 3; f++) {
        if (strlen(names[f]) == len && memcmp(names[f], k, len) == 0) {
            ly_field_value *v = f == LINE_SKU ? &l->sku : f == LINE_CATEGORY ? &l->category : &l->amount_minor;
            if (v->kind != LY_V_NONE)
                l->duplicate = 1;
            d->line_field = f;
        }
    }
    return 1;
}

static int on_map_key(void *ctx, const unsigned char *k, size_t len)
{
    dec *d = ctx;
    d->field = -1;
    if (d->depth == 3 && d->in_lines)
        return on_line_key(d, k, len);
    if (d->depth != 1)
        return 1;
    for (int f = 0; f < LY_F_COUNT; f++) {
        if (strlen(ly_field_names[f]) == len && memcmp(ly_field_names[f], k, len) == 0) {
            if (d->f.v[f].kind != LY_V_NONE)
                d->duplicate = 1;
            d->field = f;
            break;
        }
    }
    return !d->duplicate;
}

static int on_open(void *ctx, int is_map)
{
    dec *d = ctx;
    if (d->depth == 0 && !is_map)
        d->not_object = 1;
    if (d->depth == 1 && d->field == LY_F_LINES && !is_map) {
        d->f.v[LY_F_LINES].kind = LY_V_ARRAY;
        d->in_lines = 1;
    } else if (d->depth == 2 && d->in_lines && is_map) {
        if (d->f.n_lines == LY_MAX_LINES) {
            d->f.lines_bad = 1;
            d->in_lines = 0; /* the rest is ignored: the event is invalid anyway */
        } else {
            memset(&d->f.lines[d->f.n_lines++], 0, sizeof d->f.lines[0]);
        }
        d->line_field = -1;
    } else {
        ly_field_value *v = current(d);
        if (v)
            v->kind = LY_V_OTHER;
    }
    d->depth++;
    d->field = -1;
    d->line_field = -1;
    return !d->not_object;
}

static int on_start_map(void *ctx) { return on_open(ctx, 1); }
static int on_start_array(void *ctx) { return on_open(ctx, 0); }

static int on_close(void *ctx)
{
    dec *d = ctx;
    d->depth--;
    d->field = -1;
    d->line_field = -1;
    if (d->depth == 1)
        d->in_lines = 0;
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_bool, on_int, on_double, NULL, on_string,
    on_start_map, on_map_key, on_close, on_start_array, on_close,
};

static int bad(ly_fields *d, const char *field, const char *rule)
{
    if (d->info) {
        d->info->reject = LY_REJECT_INVALID;
        snprintf(d->info->detail, sizeof d->info->detail, "%s: %s", field, rule);
    }
    return -1;
}

static int absent(const ly_field_value *v);

static int get_string(ly_fields *d, int f, const char **out)
{
    const ly_field_value *v = &d->v[f];
    if (v->kind != LY_V_STRING)
        return bad(d, ly_field_names[f], absent(v) ? "is required" : "must be a string");
    if (v->len == 0)
        return bad(d, ly_field_names[f], "must not be empty");
    if (!d->no_nul && memchr(v->s, '\0', v->len))
        return bad(d, ly_field_names[f], "must not contain NUL");
    *out = v->s;
    return 0;
}

static int get_int(ly_fields *d, int f, int64_t min, int64_t max_excl, int64_t *out)
{
    const ly_field_value *v = &d->v[f];
    if (v->kind != LY_V_INT)
        return bad(d, ly_field_names[f], absent(v) ? "is required" : "must be a JSON integer");
    if (v->i < min || v->i >= max_excl)
        return bad(d, ly_field_names[f], "is out of range");
    *out = v->i;
    return 0;
}

static int get_type(ly_fields *d, int f, int source, ly_event_type *out)
{
    const char *s;
    if (get_string(d, f, &s) < 0)
        return -1;
    size_t len = d->v[f].len;
    for (int t = source_types[source][0]; t <= source_types[source][1]; t++) {
        if (type_names[t][0] == s[0] && strncmp(type_names[t], s, len) == 0 && type_names[t][len] == '\0') {
            *out = (ly_event_type)t;
            return 0;
        }
    }
    return bad(d, ly_field_names[f], "is not a type of this source");
}

static int absent(const ly_field_value *v)
{
    return v->kind == LY_V_NONE || v->kind == LY_V_NULL;
}

/* Section 11's name syntaxes. */
static int valid_channel(const char *s, size_t len)
{
    if (len < 1 || len > 32)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
    }
    return 1;
}

static int valid_sku(const char *s, size_t len)
{
    return len <= 64 && ly_event_valid_event_id(s, len);
}

/* An optional string: absent (or null) leaves *out NULL. */
static int get_optional(ly_fields *d, int f, int (*valid)(const char *, size_t), const char *rule, const char **out)
{
    if (absent(&d->v[f]))
        return 0;
    if (get_string(d, f, out) < 0)
        return -1;
    return valid(*out, d->v[f].len) ? 0 : bad(d, ly_field_names[f], rule);
}

static int line_bad(ly_fields *d, uint32_t i, const char *rule)
{
    char what[32];
    snprintf(what, sizeof what, "lines[%u]", i);
    return bad(d, what, rule);
}

static int decode_line(ly_fields *d, uint32_t i, ly_line *out)
{
    ly_line_fields *l = &d->lines[i];
    if (l->duplicate)
        return line_bad(d, i, "a field appears twice");
    if (l->sku.kind != LY_V_STRING || !valid_sku(l->sku.s, l->sku.len) || memchr(l->sku.s, '\0', l->sku.len))
        return line_bad(d, i, "sku must be 1..64 characters in 0x21..0x7E");
    out->sku = l->sku.s;
    out->sku_key = ly_name_key(l->sku.s);
    if (!absent(&l->category)) {
        if (l->category.kind != LY_V_STRING || !valid_sku(l->category.s, l->category.len) ||
            memchr(l->category.s, '\0', l->category.len))
            return line_bad(d, i, "category must be 1..64 characters in 0x21..0x7E");
        out->category = l->category.s;
        out->category_key = ly_name_key(l->category.s);
    }
    if (l->amount_minor.kind != LY_V_INT || l->amount_minor.i < 1 || l->amount_minor.i > MAX_AMOUNT)
        return line_bad(d, i, "amount_minor must be an integer in 1..10^12");
    out->amount_minor = l->amount_minor.i;
    return 0;
}

/* Section 11: 1..100 lines whose amounts sum to the order's amount. */
static int decode_lines(ly_fields *d, ly_event *ev)
{
    const ly_field_value *v = &d->v[LY_F_LINES];
    if (absent(v))
        return 0;
    if (v->kind != LY_V_ARRAY || d->lines_bad)
        return bad(d, "lines", "must be an array of 1..100 line objects");
    if (d->n_lines == 0)
        return bad(d, "lines", "must have at least one line");
    ly_line *lines = (ly_line *)ly_arena_alloc(d->arena, d->n_lines * sizeof *lines);
    if (!lines)
        return d->oom = 1, bad(d, "lines", "out of memory");
    int64_t sum = 0;
    for (uint32_t i = 0; i < d->n_lines; i++) {
        memset(&lines[i], 0, sizeof lines[i]);
        if (decode_line(d, i, &lines[i]) < 0)
            return -1;
        sum += lines[i].amount_minor; /* <= 100 * 10^12: no overflow */
    }
    if (sum != ev->amount_minor)
        return bad(d, "lines", "amounts must sum to the order's amount_minor");
    ev->lines = lines;
    ev->n_lines = d->n_lines;
    return 0;
}

static int decode_purchase(ly_fields *d, ly_event *ev)
{
    if (get_type(d, LY_F_KIND, LY_SRC_PURCHASES, &ev->type) < 0 || get_string(d, LY_F_ORDER_ID, &ev->order_id) < 0 ||
        get_int(d, LY_F_AMOUNT_MINOR, 1, MAX_AMOUNT + 1, &ev->amount_minor) < 0 ||
        get_string(d, LY_F_CURRENCY, &ev->currency) < 0)
        return -1;
    if (ev->type == LY_EV_REFUND) /* section 18: a refund's details are not checked */
        return 0;
    if (get_optional(d, LY_F_CHANNEL, valid_channel, "must be 1..32 characters of [A-Za-z0-9_.-]", &ev->channel) < 0 ||
        get_optional(d, LY_F_STORE_ID, ly_event_valid_member_id, "must be 1..64 characters of [A-Za-z0-9_.:@-]",
                     &ev->store_id) < 0)
        return -1;
    return decode_lines(d, ev);
}

/* Section 14: "MM-DD", a day that exists in a leap year. */
static int decode_birthday(ly_fields *d, ly_event *ev)
{
    const ly_field_value *v = &d->v[LY_F_BIRTHDAY];
    if (absent(v))
        return 0;
    static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    const char *s = v->s;
    if (v->kind != LY_V_STRING || v->len != 5 || s[2] != '-' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
        s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
        return bad(d, "birthday", "must be \"MM-DD\"");
    int month = (s[0] - '0') * 10 + (s[1] - '0'), day = (s[3] - '0') * 10 + (s[4] - '0');
    if (month < 1 || month > 12 || day < 1 || day > days[month - 1])
        return bad(d, "birthday", "is not a day of the year");
    ev->birthday = (int16_t)(month * 100 + day);
    return 0;
}

static int decode_fields(ly_fields *d, int source, ly_event *ev)
{
    if (source == LY_SRC_PURCHASES)
        return decode_purchase(d, ev);
    if (get_type(d, LY_F_TYPE, source, &ev->type) < 0)
        return -1;
    if (source == LY_SRC_INTERNAL) { /* R and F of a referral: the other member */
        if (get_string(d, LY_F_REFERRED_MEMBER_ID, &ev->referred_member_id) < 0)
            return -1;
        return ly_event_valid_member_id(ev->referred_member_id, strlen(ev->referred_member_id))
                   ? 0
                   : bad(d, "referred_member_id", "is not a valid member id");
    }
    if (source == LY_SRC_SOCIAL && get_string(d, LY_F_PLATFORM, &ev->platform) < 0)
        return -1;
    if (ev->type == LY_EV_REDEEM &&
        (get_int(d, LY_F_POINTS, 1, MAX_AMOUNT + 1, &ev->points) < 0 || get_string(d, LY_F_REWARD_ID, &ev->reward_id) < 0))
        return -1;
    if (ev->type == LY_EV_PROFILE_UPDATE && decode_birthday(d, ev) < 0)
        return -1;
    if (ev->type == LY_EV_REDEEM_CANCEL) {
        if (get_string(d, LY_F_REDEEM_EVENT_ID, &ev->redeem_event_id) < 0)
            return -1;
        if (!ly_event_valid_event_id(ev->redeem_event_id, d->v[LY_F_REDEEM_EVENT_ID].len))
            return bad(d, "redeem_event_id", "must be 1..128 characters in 0x21..0x7E");
    }
    if (ev->type == LY_EV_MENTION) {
        const ly_field_value *v = &d->v[LY_F_SENTIMENT];
        if (v->kind != LY_V_INT && v->kind != LY_V_DOUBLE)
            return bad(d, "sentiment", v->kind == LY_V_NONE ? "is required" : "must be a number");
        ev->sentiment = v->d;
        if (!(ev->sentiment >= -1.0 && ev->sentiment <= 1.0))
            return bad(d, "sentiment", "must be in [-1, 1]");
    }
    if (ev->type == LY_EV_REFERRAL) {
        const char *r;
        if (get_string(d, LY_F_REFERRED_MEMBER_ID, &r) < 0)
            return -1;
        if (!ly_event_valid_member_id(r, strlen(r)))
            return bad(d, "referred_member_id", "is not a valid member id");
        if (strcmp(r, ev->member_id) == 0)
            return bad(d, "referred_member_id", "a member cannot refer itself");
        ev->referred_member_id = r;
    }
    return 0;
}

/* Records the ids the dead letter may carry, before anything else can fail.
 * A valid id is at most LY_*_ID_MAX bytes, so it fits with its NUL. */
static void note_ids(ly_fields *d, int event_id_ok, int member_id_ok)
{
    if (!d->info)
        return;
    const ly_field_value *e = &d->v[LY_F_EVENT_ID], *m = &d->v[LY_F_MEMBER_ID];
    if (event_id_ok) {
        memcpy(d->info->event_id, e->s, e->len);
        d->info->event_id[e->len] = '\0';
    }
    if (member_id_ok) {
        memcpy(d->info->member_id, m->s, m->len);
        d->info->member_id[m->len] = '\0';
    }
}

int ly_event_from_fields(ly_fields *d, int source, const char *currency, ly_event *ev)
{
    const ly_field_value *e = &d->v[LY_F_EVENT_ID], *m = &d->v[LY_F_MEMBER_ID];
    int event_id_ok = e->kind == LY_V_STRING && ly_event_valid_event_id(e->s, e->len);
    int member_id_ok = m->kind == LY_V_STRING && ly_event_valid_member_id(m->s, m->len);
    note_ids(d, event_id_ok, member_id_ok);
    if (source == LY_SRC_ANY) {
        const ly_field_value *s = &d->v[LY_F_SOURCE];
        source = s->kind == LY_V_STRING ? ly_source_parse(s->s) : -1;
        if (source < 0)
            return bad(d, "source", "must be purchases, interactions or social");
    }
    if (d->info)
        d->info->source = source;
    ev->source = (ly_source)source;
    if (get_string(d, LY_F_EVENT_ID, &ev->event_id) < 0 || get_string(d, LY_F_MEMBER_ID, &ev->member_id) < 0)
        return -1;
    if (!event_id_ok)
        return bad(d, "event_id", "must be 1..128 characters in 0x21..0x7E");
    if (!member_id_ok)
        return bad(d, "member_id", "must be 1..64 characters of [A-Za-z0-9_.:@-]");
    if (get_int(d, LY_F_OCCURRED_AT, MIN_TIME, MAX_TIME, &ev->occurred_at) < 0 || decode_fields(d, source, ev) < 0)
        return -1;
    if (currency && ev->currency && strcmp(ev->currency, currency) != 0) {
        if (d->info) {
            d->info->reject = LY_REJECT_CURRENCY_MISMATCH;
            char got[20];
            ly_utf8_copy(got, sizeof got, ev->currency);
            snprintf(d->info->detail, sizeof d->info->detail, "currency: %s is not the program's %.3s", got, currency);
        }
        return -1;
    }
    return 0;
}

static int parse(dec *d, const char *buf, size_t len)
{
    yajl_handle h = yajl_alloc(&callbacks, NULL, d);
    if (!h) {
        d->oom = 1;
        return -1;
    }
    yajl_status st = yajl_parse(h, (const unsigned char *)buf, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (st != yajl_status_ok && d->f.info && !d->not_object && !d->duplicate && !d->oom) {
        unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)buf, len);
        d->f.info->reject = LY_REJECT_INVALID;
        char what[144];
        ly_utf8_copy(what, sizeof what, msg ? (const char *)msg : "?");
        /* yajl's message may hold bytes of the input: no newlines in logs. */
        for (char *c = what; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        snprintf(d->f.info->detail, sizeof d->f.info->detail, "not JSON: %s", what);
        if (msg)
            yajl_free_error(h, msg);
    }
    yajl_free(h);
    return st == yajl_status_ok ? 0 : -1;
}

static int decode(const char *buf, size_t len, int source, const char *currency, ly_arena *arena, ly_event *ev,
                  ly_decode_info *info, int fast)
{
    memset(ev, 0, sizeof *ev);
    if (info) { /* the strings are read up to their NUL: no need to clear them whole */
        info->reject = LY_REJECT_NONE;
        info->source = source;
        info->event_id[0] = info->member_id[0] = info->detail[0] = '\0';
    }
    /* The line table is large and filled as lines appear: not zeroed here. */
    dec d;
    memset(&d.f.v, 0, sizeof d.f.v);
    d.f.n_lines = 0;
    d.f.lines_bad = 0;
    d.f.arena = arena;
    d.arena = arena;
    d.f.info = info;
    d.depth = d.not_object = d.duplicate = d.oom = d.in_lines = 0;
    d.field = d.line_field = -1;
    int scanned = fast ? ly_event_scan_json(buf, len, &d.f, arena) : LY_SCAN_NOT_SURE;
    d.f.no_nul = scanned == LY_SCAN_DONE || scanned == LY_SCAN_DONE_ASCII;
    if (scanned == LY_DECODE_ENOMEM)
        return bad(&d.f, "(event)", "out of memory"), LY_DECODE_ENOMEM;
    /* yajl lets overlong forms and surrogates through; RFC 3629 does not.
     * A line the scanner saw to be ASCII needs no second look. */
    if (scanned != LY_SCAN_DONE_ASCII && !ly_utf8_valid(buf, len)) {
        if (info) {
            info->reject = LY_REJECT_INVALID;
            snprintf(info->detail, sizeof info->detail, "not valid UTF-8 (RFC 3629)");
        }
        return -1;
    }
    if (!scanned) {
        memset(&d.f.v, 0, sizeof d.f.v);
        d.f.n_lines = 0;
        if (parse(&d, buf, len) < 0) {
            if (d.not_object)
                return bad(&d.f, "(event)", "must be a JSON object");
            if (d.duplicate)
                return bad(&d.f, "(event)", "a field appears twice");
            if (d.oom)
                return bad(&d.f, "(event)", "out of memory"), LY_DECODE_ENOMEM;
            return -1;
        }
    }
    d.f.oom = 0;
    int rc = ly_event_from_fields(&d.f, source, currency, ev);
    return rc < 0 && d.f.oom ? LY_DECODE_ENOMEM : rc;
}

int ly_event_decode_json(const char *buf, size_t len, int source, const char *currency,
                         ly_arena *arena, ly_event *ev, ly_decode_info *info)
{
    return decode(buf, len, source, currency, arena, ev, info, 1);
}

int ly_event_decode_json_general(const char *buf, size_t len, int source, const char *currency,
                                 ly_arena *arena, ly_event *ev, ly_decode_info *info)
{
    return decode(buf, len, source, currency, arena, ev, info, 0);
}
