/* The JSON event decoder and the validation rules of PROGRAM.md sections 1-2. */
#include <stdio.h>
#include <yajl/yajl_parse.h>
#include <stdlib.h>
#include <string.h>
#include "event_fields.h"

#define MIN_TIME 946684800000LL  /* 2000-01-01 */
#define MAX_TIME 4102444800000LL /* 2100-01-01, exclusive */
#define MAX_AMOUNT 1000000000000LL

static const char *const type_names[LY_EV_COUNT] = {
    "PURCHASE", "REFUND", "REVIEW", "CHECK_IN", "SURVEY", "PROFILE_COMPLETE", "APP_OPEN",
    "REDEEM", "SHARE", "FOLLOW", "UGC_POST", "MENTION", "REFERRAL", "REFERRAL_NOTICE",
    "REFERRAL_GRANT",
};
static const char *const source_names[LY_SRC_COUNT] = { "purchases", "interactions", "social", "internal" };
/* Which types each source may carry: [first, last]. */
static const int source_types[LY_SRC_COUNT][2] = {
    { LY_EV_PURCHASE, LY_EV_REFUND },
    { LY_EV_REVIEW, LY_EV_REDEEM },
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
        if (strcmp(name, source_names[s]) == 0)
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
    default: return "none";
    }
}

int ly_event_valid_member_id(const char *s, size_t len)
{
    if (len < 1 || len > LY_MEMBER_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '@' || c == '-'))
            return 0;
    }
    return 1;
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

char *ly_arena_strndup(ly_arena *a, const char *s, size_t len)
{
    block *b = a->head;
    if (!b || b->cap - b->used < len + 1) {
        size_t cap = len + 1 > 65536 ? len + 1 : 65536;
        block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->next = a->head;
        nb->used = 0;
        nb->cap = cap;
        a->head = b = nb;
        a->bytes += sizeof *nb + cap;
    }
    char *d = b->data + b->used;
    memcpy(d, s, len);
    d[len] = '\0';
    b->used += len + 1;
    return d;
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
    "type", "points", "reward_id", "platform", "sentiment", "referred_member_id",
};

typedef struct {
    ly_fields f;
    ly_arena *arena;
    int depth, field, not_object, duplicate, oom;
} dec;

static ly_field_value *current(dec *d)
{
    return d->depth == 1 && d->field >= 0 ? &d->f.v[d->field] : NULL;
}

static int on_null(void *ctx)
{
    dec *d = ctx;
    if (d->depth == 0)
        d->not_object = 1;
    ly_field_value *v = current(d);
    if (v)
        v->kind = LY_V_OTHER;
    return !d->not_object;
}

static int on_bool(void *ctx, int b)
{
    (void)b;
    return on_null(ctx);
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

static int on_map_key(void *ctx, const unsigned char *k, size_t len)
{
    dec *d = ctx;
    d->field = -1;
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
    ly_field_value *v = current(d);
    if (v)
        v->kind = LY_V_OTHER;
    d->depth++;
    d->field = -1;
    return !d->not_object;
}

static int on_start_map(void *ctx) { return on_open(ctx, 1); }
static int on_start_array(void *ctx) { return on_open(ctx, 0); }

static int on_close(void *ctx)
{
    dec *d = ctx;
    d->depth--;
    d->field = -1;
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

static int get_string(ly_fields *d, int f, const char **out)
{
    const ly_field_value *v = &d->v[f];
    if (v->kind != LY_V_STRING)
        return bad(d, ly_field_names[f], v->kind == LY_V_NONE ? "is required" : "must be a string");
    if (v->len == 0)
        return bad(d, ly_field_names[f], "must not be empty");
    if (memchr(v->s, '\0', v->len))
        return bad(d, ly_field_names[f], "must not contain NUL");
    *out = v->s;
    return 0;
}

static int get_int(ly_fields *d, int f, int64_t min, int64_t max_excl, int64_t *out)
{
    const ly_field_value *v = &d->v[f];
    if (v->kind != LY_V_INT)
        return bad(d, ly_field_names[f], v->kind == LY_V_NONE ? "is required" : "must be a JSON integer");
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
    for (int t = source_types[source][0]; t <= source_types[source][1]; t++) {
        if (strcmp(s, type_names[t]) == 0) {
            *out = (ly_event_type)t;
            return 0;
        }
    }
    return bad(d, ly_field_names[f], "is not a type of this source");
}

static int decode_fields(ly_fields *d, int source, ly_event *ev)
{
    if (source == LY_SRC_PURCHASES)
        return get_type(d, LY_F_KIND, source, &ev->type) < 0 || get_string(d, LY_F_ORDER_ID, &ev->order_id) < 0 ||
                       get_int(d, LY_F_AMOUNT_MINOR, 1, MAX_AMOUNT + 1, &ev->amount_minor) < 0 ||
                       get_string(d, LY_F_CURRENCY, &ev->currency) < 0
                   ? -1
                   : 0;
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

/* Records the ids the dead letter may carry, before anything else can fail. */
static void note_ids(ly_fields *d)
{
    if (!d->info)
        return;
    const ly_field_value *e = &d->v[LY_F_EVENT_ID], *m = &d->v[LY_F_MEMBER_ID];
    if (e->kind == LY_V_STRING && ly_event_valid_event_id(e->s, e->len))
        snprintf(d->info->event_id, sizeof d->info->event_id, "%s", e->s);
    if (m->kind == LY_V_STRING && ly_event_valid_member_id(m->s, m->len))
        snprintf(d->info->member_id, sizeof d->info->member_id, "%s", m->s);
}

int ly_event_from_fields(ly_fields *d, int source, const char *currency, ly_event *ev)
{
    note_ids(d);
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
    if (!ly_event_valid_event_id(ev->event_id, strlen(ev->event_id)))
        return bad(d, "event_id", "must be 1..128 characters in 0x21..0x7E");
    if (!ly_event_valid_member_id(ev->member_id, strlen(ev->member_id)))
        return bad(d, "member_id", "must be 1..64 characters of [A-Za-z0-9_.:@-]");
    if (get_int(d, LY_F_OCCURRED_AT, MIN_TIME, MAX_TIME, &ev->occurred_at) < 0 || decode_fields(d, source, ev) < 0)
        return -1;
    if (currency && ev->currency && strcmp(ev->currency, currency) != 0) {
        if (d->info) {
            d->info->reject = LY_REJECT_CURRENCY_MISMATCH;
            snprintf(d->info->detail, sizeof d->info->detail, "currency: %.16s is not the program's %.16s",
                     ev->currency, currency);
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
        snprintf(d->f.info->detail, sizeof d->f.info->detail, "not JSON: %.140s", msg ? (const char *)msg : "?");
        if (msg)
            yajl_free_error(h, msg);
    }
    yajl_free(h);
    return st == yajl_status_ok ? 0 : -1;
}

int ly_event_decode_json(const char *buf, size_t len, int source, const char *currency,
                         ly_arena *arena, ly_event *ev, ly_decode_info *info)
{
    memset(ev, 0, sizeof *ev);
    if (info) {
        memset(info, 0, sizeof *info);
        info->source = source;
    }
    dec d;
    memset(&d, 0, sizeof d);
    d.arena = arena;
    d.f.info = info;
    d.field = -1;
    if (parse(&d, buf, len) < 0) {
        if (d.not_object)
            return bad(&d.f, "(event)", "must be a JSON object");
        if (d.duplicate)
            return bad(&d.f, "(event)", "a field appears twice");
        if (d.oom)
            return bad(&d.f, "(event)", "out of memory");
        return -1;
    }
    return ly_event_from_fields(&d.f, source, currency, ev);
}
