/* The JSON event decoder and the validation rules of PROGRAM.md sections 1-2. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "ly_event.h"

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
static const int source_types[3][2] = {
    { LY_EV_PURCHASE, LY_EV_REFUND },
    { LY_EV_REVIEW, LY_EV_REDEEM },
    { LY_EV_SHARE, LY_EV_REFERRAL },
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

/* ---- decoding ---- */

typedef struct {
    json_t *obj;
    ly_arena *arena;
    ly_decode_info *info;
} dec;

static int bad(dec *d, const char *field, const char *rule)
{
    if (d->info) {
        d->info->reject = LY_REJECT_INVALID;
        snprintf(d->info->detail, sizeof d->info->detail, "%s: %s", field, rule);
    }
    return -1;
}

static int get_string(dec *d, const char *field, const char **out)
{
    json_t *v = json_object_get(d->obj, field);
    if (!json_is_string(v))
        return bad(d, field, v ? "must be a string" : "is required");
    size_t len = json_string_length(v);
    if (len == 0)
        return bad(d, field, "must not be empty");
    if (memchr(json_string_value(v), '\0', len))
        return bad(d, field, "must not contain NUL");
    if (!(*out = ly_arena_strndup(d->arena, json_string_value(v), len)))
        return bad(d, field, "out of memory");
    return 0;
}

static int get_int(dec *d, const char *field, int64_t min, int64_t max_excl, int64_t *out)
{
    json_t *v = json_object_get(d->obj, field);
    if (!json_is_integer(v))
        return bad(d, field, v ? "must be a JSON integer" : "is required");
    json_int_t x = json_integer_value(v);
    if (x < min || x >= max_excl)
        return bad(d, field, "is out of range");
    *out = (int64_t)x;
    return 0;
}

static int get_type(dec *d, const char *field, int source, ly_event_type *out)
{
    json_t *v = json_object_get(d->obj, field);
    if (!json_is_string(v))
        return bad(d, field, v ? "must be a string" : "is required");
    for (int t = source_types[source][0]; t <= source_types[source][1]; t++) {
        if (strcmp(json_string_value(v), type_names[t]) == 0) {
            *out = (ly_event_type)t;
            return 0;
        }
    }
    return bad(d, field, "is not a type of this source");
}

static int decode_fields(dec *d, int source, ly_event *ev)
{
    int64_t v;
    if (source == LY_SRC_PURCHASES) {
        if (get_type(d, "kind", source, &ev->type) < 0 || get_string(d, "order_id", &ev->order_id) < 0 ||
            get_int(d, "amount_minor", 1, MAX_AMOUNT + 1, &ev->amount_minor) < 0 ||
            get_string(d, "currency", &ev->currency) < 0)
            return -1;
        return 0;
    }
    if (get_type(d, "type", source, &ev->type) < 0)
        return -1;
    if (source == LY_SRC_SOCIAL && get_string(d, "platform", &ev->platform) < 0)
        return -1;
    if (ev->type == LY_EV_REDEEM) {
        if (get_int(d, "points", 1, MAX_AMOUNT + 1, &v) < 0 || get_string(d, "reward_id", &ev->reward_id) < 0)
            return -1;
        ev->points = v;
    }
    if (ev->type == LY_EV_MENTION) {
        json_t *s = json_object_get(d->obj, "sentiment");
        if (!json_is_number(s))
            return bad(d, "sentiment", s ? "must be a number" : "is required");
        ev->sentiment = json_number_value(s);
        if (!(ev->sentiment >= -1.0 && ev->sentiment <= 1.0))
            return bad(d, "sentiment", "must be in [-1, 1]");
    }
    if (ev->type == LY_EV_REFERRAL) {
        const char *r;
        if (get_string(d, "referred_member_id", &r) < 0)
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
static void note_ids(dec *d)
{
    if (!d->info)
        return;
    json_t *e = json_object_get(d->obj, "event_id"), *m = json_object_get(d->obj, "member_id");
    if (json_is_string(e) && ly_event_valid_event_id(json_string_value(e), json_string_length(e)))
        snprintf(d->info->event_id, sizeof d->info->event_id, "%s", json_string_value(e));
    if (json_is_string(m) && ly_event_valid_member_id(json_string_value(m), json_string_length(m)))
        snprintf(d->info->member_id, sizeof d->info->member_id, "%s", json_string_value(m));
}

static int decode_object(dec *d, int source, const char *currency, ly_event *ev)
{
    if (source == LY_SRC_ANY) {
        json_t *s = json_object_get(d->obj, "source");
        source = json_is_string(s) ? ly_source_parse(json_string_value(s)) : -1;
        if (source < 0)
            return bad(d, "source", "must be purchases, interactions or social");
    }
    if (d->info)
        d->info->source = source;
    ev->source = (ly_source)source;
    if (get_string(d, "event_id", &ev->event_id) < 0 || get_string(d, "member_id", &ev->member_id) < 0)
        return -1;
    if (!ly_event_valid_event_id(ev->event_id, strlen(ev->event_id)))
        return bad(d, "event_id", "must be 1..128 characters in 0x21..0x7E");
    if (!ly_event_valid_member_id(ev->member_id, strlen(ev->member_id)))
        return bad(d, "member_id", "must be 1..64 characters of [A-Za-z0-9_.:@-]");
    if (get_int(d, "occurred_at", MIN_TIME, MAX_TIME, &ev->occurred_at) < 0 || decode_fields(d, source, ev) < 0)
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

int ly_event_decode_json(const char *buf, size_t len, int source, const char *currency,
                         ly_arena *arena, ly_event *ev, ly_decode_info *info)
{
    memset(ev, 0, sizeof *ev);
    if (info) {
        memset(info, 0, sizeof *info);
        info->source = source;
    }
    json_error_t err;
    dec d = { json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err), arena, info };
    if (!d.obj) {
        if (info) {
            info->reject = LY_REJECT_INVALID;
            snprintf(info->detail, sizeof info->detail, "not JSON: %.140s", err.text);
        }
        return -1;
    }
    int rc;
    if (!json_is_object(d.obj)) {
        rc = bad(&d, "(event)", "must be a JSON object");
    } else {
        note_ids(&d);
        rc = decode_object(&d, source, currency, ev);
    }
    json_decref(d.obj);
    return rc;
}
