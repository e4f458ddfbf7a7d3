/* Avro codec of the seven records with avro-c's generic values, Confluent
 * framing: schemas, output decoding, and the general paths that the direct
 * reader (avro_in.c) and writer (avro_out.c) are checked against. */
#include <avro.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "avro_internal.h"
#include "ly_utf8.h"

extern const char *const ly_schema_json[LY_T_COUNT];
extern const char *const ly_legacy_schema_json[N_LEGACY];

const char *ly_avro_schema_json(ly_topic_role role)
{
    return (unsigned)role < LY_T_COUNT ? ly_schema_json[role] : NULL;
}

/* avro-c allocates a string or bytes field as long as its length prefix
 * says before it reads a byte of it, so a corrupt record could ask for
 * gigabytes. While a record is read, no allocation may exceed the record's
 * size plus a little; otherwise 64 MiB. avro-c's
 * allocator is process-wide, so the limit lives in the codec being used:
 * one codec per process, as the processor has. (avro-c also leaks the
 * string it was reading when a record ends early: at most the record's size
 * per corrupt record.) */
#define LY_AVRO_MAX_ALLOC ((size_t)64 << 20)

static void *bounded_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    const size_t *limit = ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return nsize > (limit && *limit ? *limit : LY_AVRO_MAX_ALLOC) ? NULL : realloc(ptr, nsize);
}

ly_avro *ly_avro_new(char *errstr, size_t errlen)
{
    ly_avro *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(errstr, errlen, "out of memory");
        return NULL;
    }
    avro_set_allocator(bounded_alloc, &a->alloc_limit);
    for (int r = 0; r < LY_T_COUNT + N_LEGACY; r++) {
        int legacy = r >= LY_T_COUNT;
        const char *json = legacy ? ly_legacy_schema_json[r - LY_T_COUNT] : ly_schema_json[r];
        codec_of *c = legacy ? &a->legacy[r - LY_T_COUNT] : &a->cur[r];
        if (!json)
            continue;
        if (avro_schema_from_json_length(json, strlen(json), &c->schema) != 0 ||
            !(c->iface = avro_generic_class_from_schema(c->schema)) || avro_generic_value_new(c->iface, &c->value) != 0) {
            snprintf(errstr, errlen, "schema of %s%s: %s",
                     ly_topics_default_name((ly_topic_role)(legacy ? r - LY_T_COUNT : r)), legacy ? " (v1)" : "",
                     avro_strerror());
            ly_avro_destroy(a);
            return NULL;
        }
        c->have = 1;
        for (int f = 0; f < LY_F_COUNT; f++)
            c->field[f] = avro_typeof(c->schema) == AVRO_RECORD
                              ? avro_schema_record_field_get_index(c->schema, ly_field_names[f])
                              : -1;
        if (legacy || r <= LY_T_SOCIAL)
            ly_avro_plan(c);
    }
    return a;
}

static void codec_free(codec_of *c)
{
    if (c->have)
        avro_value_decref(&c->value);
    if (c->iface)
        avro_value_iface_decref(c->iface);
    if (c->schema)
        avro_schema_decref(c->schema);
}

void ly_avro_destroy(ly_avro *a)
{
    if (!a)
        return;
    for (int r = 0; r < LY_T_COUNT; r++)
        codec_free(&a->cur[r]);
    for (int r = 0; r < N_LEGACY; r++)
        codec_free(&a->legacy[r]);
    free(a);
}

ly_topic_role ly_avro_output_role(ly_topic t)
{
    return t == LY_TOPIC_REWARDS ? LY_T_REWARDS
         : t == LY_TOPIC_CHURN   ? LY_T_CHURN_ALERTS
         : t == LY_TOPIC_NOTICES ? LY_T_NOTICES
                                 : LY_T_DLQ;
}

int64_t ly_avro_frame_id(const char *buf, size_t len)
{
    const unsigned char *b = (const unsigned char *)buf;
    if (len < 5 || b[0] != 0)
        return -1;
    return (int64_t)((uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4]);
}

/* ---- writing ---- */

static int field(avro_value_t *rec, const char *name, avro_value_t *out)
{
    return avro_value_get_by_name(rec, name, out, NULL);
}

static int put_string(avro_value_t *rec, const char *name, const char *s)
{
    avro_value_t f;
    return field(rec, name, &f) || avro_value_set_string(&f, s ? s : "");
}

static int put_long(avro_value_t *rec, const char *name, int64_t v)
{
    avro_value_t f;
    return field(rec, name, &f) || avro_value_set_long(&f, v);
}

static int put_double(avro_value_t *rec, const char *name, double v)
{
    avro_value_t f;
    return field(rec, name, &f) || avro_value_set_double(&f, v);
}

static int put_enum(avro_value_t *rec, const char *name, int v)
{
    avro_value_t f;
    return field(rec, name, &f) || avro_value_set_enum(&f, v);
}

/* ["null", T] unions: branch 0 is null. */
static int put_opt(avro_value_t *rec, const char *name, int present, avro_value_t *branch)
{
    avro_value_t f;
    if (field(rec, name, &f) || avro_value_set_branch(&f, present ? 1 : 0, branch))
        return -1;
    return present ? 0 : avro_value_set_null(branch);
}

static int put_opt_string(avro_value_t *rec, const char *name, const char *s)
{
    avro_value_t b;
    return put_opt(rec, name, s != NULL, &b) || (s && avro_value_set_string(&b, s));
}

static int put_opt_long(avro_value_t *rec, const char *name, int present, int64_t x)
{
    avro_value_t b;
    return put_opt(rec, name, present, &b) || (present && avro_value_set_long(&b, x));
}

static int put_opt_double(avro_value_t *rec, const char *name, int present, double x)
{
    avro_value_t b;
    return put_opt(rec, name, present, &b) || (present && avro_value_set_double(&b, x));
}

static int put_opt_enum(avro_value_t *rec, const char *name, int present, int v)
{
    avro_value_t b;
    return put_opt(rec, name, present, &b) || (present && avro_value_set_enum(&b, v));
}

static int frame(ly_avro *a, ly_topic_role r, int32_t schema_id, ly_buf *out, char *errstr, size_t errlen)
{
    size_t size;
    if (avro_value_sizeof(&a->cur[r].value, &size) != 0) {
        snprintf(errstr, errlen, "avro: %s", avro_strerror());
        return -1;
    }
    unsigned char head[5] = { 0, (unsigned char)(schema_id >> 24), (unsigned char)(schema_id >> 16),
                              (unsigned char)(schema_id >> 8), (unsigned char)schema_id };
    size_t at = out->len;
    char *dst = ly_buf_extend(out, 5 + size);
    if (!dst) {
        snprintf(errstr, errlen, "out of memory");
        return -1;
    }
    memcpy(dst, head, 5);
    avro_writer_t w = avro_writer_memory(dst + 5, (int64_t)size);
    int rc = avro_value_write(w, &a->cur[r].value);
    avro_writer_free(w);
    if (rc != 0) {
        snprintf(errstr, errlen, "avro: %s", avro_strerror());
        out->len = at;
        return -1;
    }
    return 0;
}

int ly_avro_action_symbol(ly_action act)
{
    /* SuggestedAction: POINTS_EXPIRY_REMINDER, WIN_BACK_OFFER, ENGAGEMENT_NUDGE */
    return act == LY_ACTION_POINTS_EXPIRY_REMINDER ? 0 : act == LY_ACTION_WIN_BACK_OFFER ? 1 : 2;
}

static int write_reward(avro_value_t *v, const ly_output *o, const char *id)
{
    int tiers = o->type == LY_RW_TIER_UPGRADE || o->type == LY_RW_TIER_DOWNGRADE;
    char code[48] = "";
    if (o->type == LY_RW_MILESTONE_REWARD)
        snprintf(code, sizeof code, "MILESTONE_%lld", (long long)o->milestone);
    return put_string(v, "event_id", id) || put_string(v, "member_id", o->member_id) ||
           put_long(v, "occurred_at", o->occurred_at) || put_enum(v, "type", o->type) ||
           put_long(v, "points_delta", o->points_delta) || put_long(v, "balance_after", o->balance_after) ||
           put_long(v, "lifetime_points", o->lifetime_points) || put_enum(v, "tier", o->tier) ||
           put_opt_string(v, "source_event_id", o->source_event_id) || put_opt_string(v, "reward_id", o->reward_id) ||
           put_opt_string(v, "reward_code", o->type == LY_RW_MILESTONE_REWARD ? code : NULL) ||
           put_opt_string(v, "reason", o->reason) || put_opt_enum(v, "old_tier", tiers, o->old_tier) ||
           put_opt_enum(v, "new_tier", tiers, o->new_tier) ||
           put_opt_string(v, "referred_member_id", o->referred_member_id) ||
           put_opt_string(v, "referrer_member_id", o->referrer_member_id) ||
           put_opt_string(v, "campaign_id", o->campaign_id) || put_opt_long(v, "release_at", o->release_at != 0, o->release_at);
}

static int write_notice(avro_value_t *v, const ly_output *o, const char *id)
{
    int expiry = o->notice == LY_NOTICE_POINTS_EXPIRY, review = o->notice == LY_NOTICE_TIER_REVIEW;
    return put_string(v, "event_id", id) || put_string(v, "member_id", o->member_id) ||
           put_long(v, "occurred_at", o->occurred_at) || put_enum(v, "type", o->notice) ||
           put_enum(v, "tier", o->tier) || put_long(v, "points_balance", o->balance_after) ||
           put_long(v, "lifetime_points", o->lifetime_points) || put_opt_long(v, "points", expiry, o->notice_points) ||
           put_opt_long(v, "expires_at", expiry, o->expires_at) || put_opt_long(v, "review_at", review, o->review_at) ||
           put_opt_long(v, "spend_needed_minor", review, o->spend_needed_minor) ||
           put_opt_enum(v, "next_tier", review, o->next_tier);
}

static int write_alert(avro_value_t *v, const ly_output *o, const char *id)
{
    avro_value_t arr, el;
    if (put_string(v, "event_id", id) || put_string(v, "member_id", o->member_id) ||
        put_long(v, "occurred_at", o->occurred_at) || put_long(v, "detected_at", o->occurred_at) ||
        put_enum(v, "risk_level", o->risk) || field(v, "reasons", &arr))
        return -1;
    if ((o->reasons & LY_REASON_INACTIVITY) && (avro_value_append(&arr, &el, NULL) || avro_value_set_enum(&el, 0)))
        return -1;
    if ((o->reasons & LY_REASON_NEGATIVE_SENTIMENT) &&
        (avro_value_append(&arr, &el, NULL) || avro_value_set_enum(&el, 1)))
        return -1;
    if ((o->reasons & LY_REASON_LOW_P_ALIVE) && (avro_value_append(&arr, &el, NULL) || avro_value_set_enum(&el, 2)))
        return -1;
    return put_double(v, "days_since_last_purchase", o->days_since_last_purchase) ||
           put_double(v, "expected_gap_days", o->expected_gap_days) || put_double(v, "p_alive", o->p_alive) ||
           put_long(v, "points_balance", o->balance_after) || put_long(v, "points_expiring_30d", o->points_expiring) ||
           put_enum(v, "tier", o->tier) || put_long(v, "lifetime_points", o->lifetime_points) ||
           put_enum(v, "suggested_action", ly_avro_action_symbol(o->action)) || put_opt_double(v, "clv", isfinite(o->clv), o->clv);
}

static int write_dead_letter(avro_value_t *v, const ly_output *o)
{
    avro_value_t f;
    const char *id = o->source_event_id && *o->source_event_id ? o->source_event_id : NULL;
    const char *member = o->member_id && *o->member_id ? o->member_id : NULL;
    return put_opt_string(v, "event_id", id) || put_opt_string(v, "member_id", member) ||
           put_enum(v, "reason", (int)o->reject - 1) || put_opt_string(v, "detail", o->detail) ||
           field(v, "original", &f) ||
           avro_value_set_bytes(&f, (void *)(o->original ? o->original : ""), o->original ? o->original_len : 0) ||
           put_string(v, "source_topic", o->source_topic ? o->source_topic : "") ||
           field(v, "partition", &f) || avro_value_set_int(&f, o->partition) || put_long(v, "offset", o->offset) ||
           put_opt_long(v, "original_length", o->original_full_len > o->original_len, (int64_t)o->original_full_len);
}

int ly_avro_encode_output_general(ly_avro *a, const ly_output *o, int32_t schema_id, ly_buf *out, char *errstr,
                                  size_t errlen)
{
    ly_topic_role r = ly_avro_output_role(o->topic);
    char id[LY_OUTPUT_ID_MAX];
    ly_output_event_id(o, id, sizeof id);
    avro_value_t *v = &a->cur[r].value;
    avro_value_reset(v);
    int rc = r == LY_T_REWARDS        ? write_reward(v, o, id)
           : r == LY_T_CHURN_ALERTS ? write_alert(v, o, id)
           : r == LY_T_NOTICES      ? write_notice(v, o, id)
                                    : write_dead_letter(v, o);
    if (rc) {
        snprintf(errstr, errlen, "avro %s: %s", ly_topic_name(o->topic), avro_strerror());
        return -1;
    }
    return frame(a, r, schema_id, out, errstr, errlen);
}

static int put_lines(avro_value_t *rec, const ly_event *ev)
{
    avro_value_t arr, line, f;
    if (put_opt(rec, "lines", ev->n_lines > 0, &arr))
        return -1;
    for (uint32_t i = 0; i < ev->n_lines; i++) {
        const ly_line *l = &ev->lines[i];
        if (avro_value_append(&arr, &line, NULL) || field(&line, "sku", &f) || avro_value_set_string(&f, l->sku) ||
            put_opt_string(&line, "category", l->category) || put_long(&line, "amount_minor", l->amount_minor))
            return -1;
    }
    return 0;
}

int ly_avro_encode_event(ly_avro *a, const ly_event *ev, int32_t schema_id, ly_buf *out, char *errstr,
                         size_t errlen)
{
    ly_topic_role r = (ly_topic_role)ev->source;
    if (r > LY_T_SOCIAL) {
        snprintf(errstr, errlen, "avro: internal records are not Avro");
        return -1;
    }
    avro_value_t *v = &a->cur[r].value, b;
    avro_value_reset(v);
    int rc = put_string(v, "event_id", ev->event_id) || put_string(v, "member_id", ev->member_id) ||
             put_long(v, "occurred_at", ev->occurred_at);
    if (!rc && r == LY_T_PURCHASES)
        rc = put_enum(v, "kind", ev->type - LY_EV_PURCHASE) || put_string(v, "order_id", ev->order_id) ||
             put_long(v, "amount_minor", ev->amount_minor) || put_string(v, "currency", ev->currency) ||
             put_opt_string(v, "channel", ev->channel) || put_opt_string(v, "store_id", ev->store_id) ||
             put_lines(v, ev);
    if (!rc && r == LY_T_INTERACTIONS) {
        int redeem = ev->type == LY_EV_REDEEM;
        char bd[8];
        snprintf(bd, sizeof bd, "%02d-%02d", ev->birthday / 100 % 100, ev->birthday % 100);
        rc = put_enum(v, "type", ev->type - LY_EV_REVIEW) || put_opt(v, "points", redeem, &b) ||
             (redeem && avro_value_set_long(&b, ev->points)) ||
             put_opt_string(v, "reward_id", redeem ? ev->reward_id : NULL) ||
             put_opt_string(v, "birthday", ev->birthday ? bd : NULL) ||
             put_opt_string(v, "redeem_event_id", ev->redeem_event_id);
    }
    if (!rc && r == LY_T_SOCIAL) {
        int mention = ev->type == LY_EV_MENTION;
        rc = put_enum(v, "type", ev->type - LY_EV_SHARE) || put_string(v, "platform", ev->platform) ||
             put_opt(v, "sentiment", mention, &b) || (mention && avro_value_set_double(&b, ev->sentiment)) ||
             put_opt_string(v, "referred_member_id", ev->type == LY_EV_REFERRAL ? ev->referred_member_id : NULL);
    }
    if (rc) {
        snprintf(errstr, errlen, "avro %s: %s", ly_source_name(ev->source), avro_strerror());
        return -1;
    }
    return frame(a, r, schema_id, out, errstr, errlen);
}

/* ---- reading ---- */

static int read_with(ly_avro *a, avro_value_t *value, const char *buf, size_t len)
{
    avro_value_reset(value);
    avro_reader_t rd = avro_reader_memory(buf + 5, (int64_t)(len - 5));
    if (!rd)
        return -1;
    /* Every string of a record lies inside it; a little room on top for
     * avro-c's own small arrays (the reasons of an alert, order lines). */
    a->alloc_limit = len + 4096;
    int rc = avro_value_read(rd, value);
    a->alloc_limit = 0;
    /* Trailing bytes mean the record was not written with this schema.
     * What was read never takes fewer bytes than its canonical encoding
     * (longer varints or more array blocks only add), so a canonical size
     * equal to the record's means nothing is left. Only otherwise is one
     * more byte tried: a memory reader never reports its end, and avro-c
     * formats an error message for the failed read (a profile of run showed
     * it on every record). */
    size_t canonical;
    if (rc == 0 && (avro_value_sizeof(value, &canonical) != 0 || canonical != len - 5)) {
        char probe;
        rc = avro_read(rd, &probe, 1) == 0 ? -1 : 0;
    }
    avro_reader_free(rd);
    return rc;
}

static int read_record(ly_avro *a, ly_topic_role r, const char *buf, size_t len)
{
    return read_with(a, &a->cur[r].value, buf, len);
}

/* The current schema, else (inputs) version 1: the record that was read. */
static avro_value_t *read_input(ly_avro *a, ly_topic_role r, const char *buf, size_t len)
{
    if (read_record(a, r, buf, len) == 0)
        return &a->cur[r].value;
    if ((unsigned)r < N_LEGACY && a->legacy[r].have && read_with(a, &a->legacy[r].value, buf, len) == 0)
        return &a->legacy[r].value;
    return NULL;
}

static const char *arena_copy(ly_arena *arena, const char *s, size_t size_with_nul)
{
    return ly_arena_strndup(arena, s, size_with_nul ? size_with_nul - 1 : 0);
}

/* Copies a value into the shared field table: strings, longs, doubles, enum
 * symbols as strings, null branches as absent. */
static void take_value(avro_value_t *rec, const char *name, ly_field_value *fv, ly_arena *arena, int *oom);

/* Order lines go into the field table's line slots, as the JSON decoder's. */
static void take_lines(avro_value_t *arr, ly_fields *f, ly_arena *arena)
{
    size_t n = 0;
    f->v[LY_F_LINES].kind = LY_V_ARRAY;
    if (avro_value_get_size(arr, &n) != 0 || n > LY_MAX_LINES) {
        f->lines_bad = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        avro_value_t line;
        ly_line_fields *lf = &f->lines[f->n_lines++];
        memset(lf, 0, sizeof *lf);
        if (avro_value_get_by_index(arr, i, &line, NULL) != 0) {
            f->lines_bad = 1;
            return;
        }
        take_value(&line, "sku", &lf->sku, arena, &f->oom);
        take_value(&line, "category", &lf->category, arena, &f->oom);
        take_value(&line, "amount_minor", &lf->amount_minor, arena, &f->oom);
    }
}

static void copy_value(avro_value_t v, ly_field_value *fv, ly_arena *arena, int *oom);

static void take(avro_value_t *rec, const codec_of *c, ly_fields *f, int which, ly_arena *arena)
{
    avro_value_t v, b;
    if (c->field[which] < 0 || avro_value_get_by_index(rec, (size_t)c->field[which], &v, NULL) != 0)
        return;
    if (which == LY_F_LINES) {
        if (avro_value_get_type(&v) == AVRO_UNION) {
            int disc = 0;
            if (avro_value_get_discriminant(&v, &disc) == 0 && disc == 1 && avro_value_get_current_branch(&v, &b) == 0)
                take_lines(&b, f, arena);
        }
        return;
    }
    copy_value(v, &f->v[which], arena, &f->oom);
}

static void take_value(avro_value_t *rec, const char *name, ly_field_value *fv, ly_arena *arena, int *oom)
{
    avro_value_t v;
    if (avro_value_get_by_name(rec, name, &v, NULL) == 0)
        copy_value(v, fv, arena, oom);
}

static void copy_value(avro_value_t v, ly_field_value *fv, ly_arena *arena, int *oom)
{
    avro_value_t b;
    avro_type_t t = avro_value_get_type(&v);
    if (t == AVRO_UNION) {
        int disc = 0;
        if (avro_value_get_discriminant(&v, &disc) != 0 || disc == 0 || avro_value_get_current_branch(&v, &b) != 0)
            return;
        v = b;
        t = avro_value_get_type(&v);
    }
    const char *s = NULL;
    size_t size = 0;
    switch (t) {
    case AVRO_STRING:
        if (avro_value_get_string(&v, &s, &size) != 0)
            return;
        if (size == 0 || !ly_utf8_valid(s, size - 1)) {
            fv->kind = LY_V_OTHER; /* not UTF-8 (RFC 3629): no string of ours */
            return;
        }
        fv->kind = LY_V_STRING;
        fv->s = arena_copy(arena, s, size);
        fv->len = fv->s ? size - 1 : 0; /* NULs and all, as the direct reader */
        if (!fv->s) {
            fv->kind = LY_V_OTHER;
            *oom = 1;
        }
        break;
    case AVRO_ENUM: {
        int sym = -1;
        if (avro_value_get_enum(&v, &sym) != 0)
            return;
        avro_schema_t es = avro_value_get_schema(&v);
        /* avro-c reads any index and answers a symbol past the end with a
         * wild pointer (the fuzzer found it): no symbol, no string. */
        s = sym >= 0 && sym < (int)avro_schema_enum_number_of_symbols(es) ? avro_schema_enum_get(es, sym) : NULL;
        fv->kind = s ? LY_V_STRING : LY_V_OTHER;
        fv->s = s ? arena_copy(arena, s, strlen(s) + 1) : NULL;
        fv->len = s ? strlen(s) : 0;
        break;
    }
    case AVRO_INT64:
        if (avro_value_get_long(&v, &fv->i) != 0)
            return;
        fv->kind = LY_V_INT;
        fv->d = (double)fv->i;
        break;
    case AVRO_DOUBLE:
        if (avro_value_get_double(&v, &fv->d) != 0)
            return;
        fv->kind = LY_V_DOUBLE;
        break;
    default:
        fv->kind = LY_V_OTHER;
    }
}

static void clear_fields(ly_fields *f, ly_arena *arena, ly_decode_info *info)
{
    memset(f, 0, offsetof(ly_fields, lines));
    f->n_lines = 0;
    f->lines_bad = 0;
    f->oom = 0;
    f->no_nul = 0; /* Avro strings may hold NULs */
    f->arena = arena;
    f->info = info;
}

/* Inputs are read by the direct reader alone (current schema, then version
 * 1): avro-c's generic reader crashes on some malformed records (a record
 * array with a broken block: found by the fuzzer), and inputs are what a
 * hostile producer controls. */
static int decode_direct(ly_avro *a, ly_topic_role role, const char *buf, size_t len, const char *currency,
                         ly_fields *f, ly_event *ev)
{
    char why[128], legacy_why[128];
    int ok = ly_avro_read_direct(&a->cur[role], buf + 5, len - 5, f, why, sizeof why);
    if (!ok && (unsigned)role < N_LEGACY && a->legacy[role].n_steps > 0) {
        clear_fields(f, f->arena, f->info);
        ok = ly_avro_read_direct(&a->legacy[role], buf + 5, len - 5, f, legacy_why, sizeof legacy_why);
    }
    if (!ok) {
        f->info->reject = LY_REJECT_INVALID;
        snprintf(f->info->detail, sizeof f->info->detail, "not a %s record: %s", ly_source_name((ly_source)role), why);
        return -1;
    }
    int rc = ly_event_from_fields(f, (int)role, currency, ev);
    return rc < 0 && f->oom ? LY_DECODE_ENOMEM : rc;
}

static int decode_event(ly_avro *a, ly_topic_role role, int32_t expected_id, const char *buf, size_t len,
                        const char *currency, ly_arena *arena, ly_event *ev, ly_decode_info *info, int direct)
{
    ly_decode_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    memset(ev, 0, sizeof *ev);
    info->source = (int)role;
    int64_t id = ly_avro_frame_id(buf, len);
    if (role > LY_T_SOCIAL || id < 0 || id != expected_id) {
        info->reject = LY_REJECT_INVALID;
        snprintf(info->detail, sizeof info->detail, "unknown schema id %lld (expected %d)", (long long)id,
                 (int)expected_id);
        return -1;
    }
    ly_fields f;
    clear_fields(&f, arena, info);
    if (direct && a->cur[role].n_steps > 0)
        return decode_direct(a, role, buf, len, currency, &f, ev);
    avro_value_t *rec = read_input(a, role, buf, len);
    if (!rec) {
        info->reject = LY_REJECT_INVALID;
        snprintf(info->detail, sizeof info->detail, "not a %s record: %.100s", ly_source_name((ly_source)role),
                 avro_strerror());
        return -1;
    }
    const codec_of *c = rec == &a->cur[role].value ? &a->cur[role] : &a->legacy[role];
    for (int i = LY_F_EVENT_ID; i < LY_F_COUNT; i++)
        take(rec, c, &f, i, arena);
    int rc = ly_event_from_fields(&f, (int)role, currency, ev);
    return rc < 0 && f.oom ? LY_DECODE_ENOMEM : rc;
}

int ly_avro_decode_event(ly_avro *a, ly_topic_role role, int32_t expected_id, const char *buf, size_t len,
                         const char *currency, ly_arena *arena, ly_event *ev, ly_decode_info *info)
{
    return decode_event(a, role, expected_id, buf, len, currency, arena, ev, info, 1);
}

int ly_avro_decode_event_general(ly_avro *a, ly_topic_role role, int32_t expected_id, const char *buf, size_t len,
                                 const char *currency, ly_arena *arena, ly_event *ev, ly_decode_info *info)
{
    return decode_event(a, role, expected_id, buf, len, currency, arena, ev, info, 0);
}

static int get_field(ly_avro *a, ly_topic_role r, const char *name, avro_value_t *out)
{
    avro_value_t v;
    if (avro_value_get_by_name(&a->cur[r].value, name, &v, NULL) != 0)
        return -1;
    if (avro_value_get_type(&v) == AVRO_UNION) {
        int disc = 0;
        if (avro_value_get_discriminant(&v, &disc) != 0 || disc == 0)
            return 1;
        return avro_value_get_current_branch(&v, out) != 0 ? -1 : 0;
    }
    *out = v;
    return 0;
}

static const char *get_str(ly_avro *a, ly_topic_role r, const char *name, ly_arena *arena)
{
    avro_value_t v;
    const char *s = NULL;
    size_t size = 0;
    if (get_field(a, r, name, &v) != 0 || avro_value_get_string(&v, &s, &size) != 0)
        return NULL;
    return arena_copy(arena, s, size);
}

static int64_t get_long(ly_avro *a, ly_topic_role r, const char *name)
{
    avro_value_t v;
    int64_t x = 0;
    if (get_field(a, r, name, &v) == 0)
        avro_value_get_long(&v, &x);
    return x;
}

static double get_double(ly_avro *a, ly_topic_role r, const char *name)
{
    avro_value_t v;
    double x = 0;
    if (get_field(a, r, name, &v) == 0)
        avro_value_get_double(&v, &x);
    return x;
}

static int get_enum(ly_avro *a, ly_topic_role r, const char *name)
{
    avro_value_t v;
    int x = -1;
    if (get_field(a, r, name, &v) == 0)
        avro_value_get_enum(&v, &x);
    return x;
}

static void read_reward(ly_avro *a, ly_output *o, ly_arena *arena)
{
    ly_topic_role r = LY_T_REWARDS;
    o->type = (ly_reward_type)get_enum(a, r, "type");
    o->source_event_id = get_str(a, r, "source_event_id", arena);
    o->points_delta = get_long(a, r, "points_delta");
    o->balance_after = get_long(a, r, "balance_after");
    o->lifetime_points = get_long(a, r, "lifetime_points");
    o->tier = (ly_tier)get_enum(a, r, "tier");
    o->reward_id = get_str(a, r, "reward_id", arena);
    o->reason = get_str(a, r, "reason", arena);
    o->referred_member_id = get_str(a, r, "referred_member_id", arena);
    const char *code = get_str(a, r, "reward_code", arena);
    if (code && strncmp(code, "MILESTONE_", 10) == 0)
        o->milestone = strtoll(code + 10, NULL, 10);
    o->old_tier = (ly_tier)get_enum(a, r, "old_tier");
    o->new_tier = (ly_tier)get_enum(a, r, "new_tier");
    o->referrer_member_id = get_str(a, r, "referrer_member_id", arena);
    o->campaign_id = get_str(a, r, "campaign_id", arena);
    o->release_at = get_long(a, r, "release_at");
}

static void read_notice(ly_avro *a, ly_output *o)
{
    ly_topic_role r = LY_T_NOTICES;
    o->notice = (ly_notice_type)get_enum(a, r, "type");
    o->tier = (ly_tier)get_enum(a, r, "tier");
    o->balance_after = get_long(a, r, "points_balance");
    o->lifetime_points = get_long(a, r, "lifetime_points");
    o->notice_points = get_long(a, r, "points");
    o->expires_at = get_long(a, r, "expires_at");
    o->review_at = get_long(a, r, "review_at");
    o->spend_needed_minor = get_long(a, r, "spend_needed_minor");
    o->next_tier = (ly_tier)get_enum(a, r, "next_tier");
}

static void read_alert(ly_avro *a, ly_output *o)
{
    ly_topic_role r = LY_T_CHURN_ALERTS;
    avro_value_t arr, el;
    size_t n = 0;
    o->risk = (ly_risk)get_enum(a, r, "risk_level");
    if (get_field(a, r, "reasons", &arr) == 0 && avro_value_get_size(&arr, &n) == 0)
        for (size_t i = 0; i < n; i++) {
            int sym = -1;
            if (avro_value_get_by_index(&arr, i, &el, NULL) == 0 && avro_value_get_enum(&el, &sym) == 0 && sym >= 0 &&
                sym < 3)
                o->reasons |= 1u << sym; /* symbols in the order of the LY_REASON_* bits */
        }
    o->days_since_last_purchase = get_double(a, r, "days_since_last_purchase");
    o->expected_gap_days = get_double(a, r, "expected_gap_days");
    o->p_alive = get_double(a, r, "p_alive");
    o->balance_after = get_long(a, r, "points_balance");
    o->points_expiring = get_long(a, r, "points_expiring_30d");
    o->tier = (ly_tier)get_enum(a, r, "tier");
    o->lifetime_points = get_long(a, r, "lifetime_points");
    avro_value_t cv;
    o->clv = NAN;
    if (get_field(a, r, "clv", &cv) == 0)
        avro_value_get_double(&cv, &o->clv);
    int act = get_enum(a, r, "suggested_action");
    o->action = act == 0 ? LY_ACTION_POINTS_EXPIRY_REMINDER : act == 1 ? LY_ACTION_WIN_BACK_OFFER
                                                                        : LY_ACTION_ENGAGEMENT_NUDGE;
}

static void read_dead_letter(ly_avro *a, ly_output *o, ly_arena *arena)
{
    ly_topic_role r = LY_T_DLQ;
    avro_value_t v, p;
    const void *bytes = NULL;
    size_t size = 0;
    o->reject = (ly_reject)(get_enum(a, r, "reason") + 1);
    o->source_event_id = get_str(a, r, "event_id", arena);
    o->member_id = get_str(a, r, "member_id", arena);
    o->detail = get_str(a, r, "detail", arena);
    o->source_topic = get_str(a, r, "source_topic", arena);
    if (get_field(a, r, "original", &v) == 0 && avro_value_get_bytes(&v, &bytes, &size) == 0) {
        o->original = ly_arena_strndup(arena, bytes, size);
        o->original_len = size;
    }
    if (get_field(a, r, "partition", &p) == 0)
        avro_value_get_int(&p, &o->partition);
    o->offset = get_long(a, r, "offset");
    int64_t full = get_long(a, r, "original_length");
    o->original_full_len = full > 0 ? (size_t)full : o->original_len;
}

int ly_avro_decode_output(ly_avro *a, ly_topic_role role, const char *buf, size_t len, ly_arena *arena,
                          ly_output *o, char *errstr, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (role < LY_T_REWARDS || ly_avro_frame_id(buf, len) < 0 || read_record(a, role, buf, len) != 0) {
        snprintf(errstr, errlen, "not a framed %s record", ly_topics_default_name(role));
        return -1;
    }
    o->topic = role == LY_T_REWARDS        ? LY_TOPIC_REWARDS
             : role == LY_T_CHURN_ALERTS ? LY_TOPIC_CHURN
             : role == LY_T_NOTICES      ? LY_TOPIC_NOTICES
                                         : LY_TOPIC_DLQ;
    if (role != LY_T_DLQ) {
        o->member_id = get_str(a, role, "member_id", arena);
        o->occurred_at = get_long(a, role, "occurred_at");
        o->event_id = get_str(a, role, "event_id", arena);
    }
    if (role == LY_T_REWARDS)
        read_reward(a, o, arena);
    else if (role == LY_T_CHURN_ALERTS)
        read_alert(a, o);
    else if (role == LY_T_NOTICES)
        read_notice(a, o);
    else
        read_dead_letter(a, o, arena);
    return 0;
}
