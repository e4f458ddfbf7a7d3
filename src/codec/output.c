/* Output names, deterministic event ids and the JSON form of outputs.
 * Writing JSON is a small encoder with escaping; parsing is jansson's job. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "ly_bgnbd.h"
#include "ly_engine.h"
#include "ly_output.h"
#include "ly_time.h"
#include "ly_utf8.h"

static const char *const reward_names[LY_RW_COUNT] = {
    "WELCOME_BONUS", "WIN_BACK_BONUS", "POINTS_EARNED", "POINTS_REVERSED",
    "POINTS_REDEEMED", "REDEMPTION_REJECTED", "POINTS_EXPIRED", "TIER_UPGRADE",
    "TIER_DOWNGRADE", "MILESTONE_REWARD", "REFERRAL_BONUS", "POINTS_PENDING",
    "POINTS_RELEASED", "CAMPAIGN_BONUS", "REDEMPTION_REVERSED", "REFERRED_BONUS",
    "BIRTHDAY_BONUS",
};

const char *ly_reward_type_name(ly_reward_type t)
{
    return (unsigned)t < LY_RW_COUNT ? reward_names[t] : "?";
}

const char *ly_risk_name(ly_risk r)
{
    return r == LY_RISK_HIGH ? "HIGH" : r == LY_RISK_MEDIUM ? "MEDIUM" : "NONE";
}

const char *ly_topic_name(ly_topic t)
{
    static const char *const names[LY_TOPIC_COUNT] = { "rewards", "churn-alerts", "dlq", "notices" };
    return (unsigned)t < LY_TOPIC_COUNT ? names[t] : "?";
}

const char *ly_timer_kind_name(ly_timer_kind k)
{
    static const char *const names[LY_TIMER_COUNT] = { "EXPIRY", "RELEASE", "TIER_REVIEW", "CHURN",
                                                       "EXPIRY_NOTICE", "TIER_NOTICE", "BIRTHDAY" };
    return (unsigned)k < LY_TIMER_COUNT ? names[k] : "?";
}

const char *ly_notice_type_name(ly_notice_type t)
{
    return t == LY_NOTICE_POINTS_EXPIRY ? "POINTS_EXPIRY_NOTICE"
         : t == LY_NOTICE_TIER_REVIEW   ? "TIER_REVIEW_NOTICE"
                                        : "MEMBER_ERASED";
}

static const char *action_name(ly_action a)
{
    return a == LY_ACTION_POINTS_EXPIRY_REMINDER ? "POINTS_EXPIRY_REMINDER"
         : a == LY_ACTION_WIN_BACK_OFFER         ? "WIN_BACK_OFFER"
                                                 : "ENGAGEMENT_NUDGE";
}

void ly_output_set_original(ly_output *o, const char *bytes, size_t len)
{
    size_t cut = ly_utf8_prefix(bytes, len, LY_DLQ_ORIGINAL_MAX); /* text stays valid UTF-8 */
    o->original = bytes;
    o->original_len = cut;
    o->original_full_len = len;
}

/* An id writer that cuts like snprintf; ids are on simulate's hot path. */
typedef struct { char *p; size_t left; } id_writer;

static void id_put(id_writer *w, const char *s)
{
    size_t n = strlen(s);
    if (n > w->left - 1)
        n = w->left - 1;
    memcpy(w->p, s, n);
    w->p += n;
    w->left -= n;
    *w->p = '\0';
}

static void id_int(id_writer *w, char sep, int64_t v)
{
    char tmp[24], s[2] = { sep, '\0' };
    id_put(w, s);
    id_put(w, ly_format_int(tmp, v));
}

size_t ly_output_event_id(const ly_output *o, char *buf, size_t len)
{
    if (len == 0)
        return 0;
    id_writer w = { buf, len };
    *buf = '\0';
    if (o->event_id) {
        id_put(&w, o->event_id);
    } else if (o->topic == LY_TOPIC_DLQ) {
        id_put(&w, o->source_event_id ? o->source_event_id : "");
    } else if (o->source_event_id) {
        id_put(&w, o->source_event_id);
        id_int(&w, '#', o->seq);
    } else {
        id_put(&w, o->member_id);
        id_put(&w, "#");
        id_put(&w, ly_timer_kind_name(o->timer));
        id_int(&w, '#', o->occurred_at);
        if (o->topic == LY_TOPIC_NOTICES && o->notice == LY_NOTICE_POINTS_EXPIRY)
            id_int(&w, '#', o->expires_at);
        else if (o->seq > 1)
            id_int(&w, '#', o->seq);
    }
    return (size_t)(w.p - buf);
}

/* Outputs are the hot path of simulate: no printf for keys and integers,
 * and keys are literals whose quoted form and length the compiler works out
 * (KEY(k) is "\"k\":" and its length), so key_n, inlined, copies them
 * with a few moves instead of a call. */
#define KEY(k) "\"" k "\":", sizeof(k) + 2
#define key(b, k, first) key_n((b), KEY(k), (first))
#define kstr(b, k, v, first) (key_n((b), KEY(k), (first)), put_str((b), (v)))
#define kint(b, k, v, first) (key_n((b), KEY(k), (first)), ly_buf_put_int((b), (v)))
#define kdbl(b, k, v, first) (key_n((b), KEY(k), (first)), ly_buf_json_double((b), (v)))

static inline __attribute__((always_inline)) void key_n(ly_buf *b, const char *quoted, size_t n, int *first)
{
    if (ly_buf_reserve(b, n + 1) < 0)
        return;
    char *o = b->data + b->len;
    if (!*first)
        *o++ = ',';
    memcpy(o, quoted, n);
    o += n;
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    *first = 0;
}

static void put_str(ly_buf *b, const char *v)
{
    if (v)
        ly_buf_json_string(b, v, strlen(v));
    else
        ly_buf_put(b, "null", 4);
}

/* A name from the program's own tables (tiers, types, risks, actions):
 * never anything to escape. */
static void put_name(ly_buf *b, const char *v)
{
    size_t n = strlen(v);
    if (ly_buf_reserve(b, n + 2) < 0)
        return;
    char *o = b->data + b->len;
    *o = '"';
    memcpy(o + 1, v, n);
    o[n + 1] = '"';
    b->len += n + 2;
    b->data[b->len] = '\0';
}
#define kname(b, k, v, first) (key_n((b), KEY(k), (first)), put_name((b), (v)))
/* A key and a constant value, as one literal. */
#define kconst(b, k, v, first) key_n((b), "\"" k "\":\"" v "\"", sizeof(k) + sizeof(v) + 3, (first))

/* Keys are written in sorted order, so outputs diff cleanly. */
static void reward_json(ly_buf *b, const ly_output *o, const char *id)
{
    int f = 1;
    char code[48];
    kint(b, "balance_after", o->balance_after, &f);
    if (o->campaign_id)
        kstr(b, "campaign_id", o->campaign_id, &f);
    kstr(b, "event_id", id, &f);
    kint(b, "lifetime_points", o->lifetime_points, &f);
    kstr(b, "member_id", o->member_id, &f);
    if (o->type == LY_RW_TIER_UPGRADE || o->type == LY_RW_TIER_DOWNGRADE)
        kname(b, "new_tier", ly_tier_name(o->new_tier), &f);
    kint(b, "occurred_at", o->occurred_at, &f);
    if (o->type == LY_RW_TIER_UPGRADE || o->type == LY_RW_TIER_DOWNGRADE)
        kname(b, "old_tier", ly_tier_name(o->old_tier), &f);
    kint(b, "points_delta", o->points_delta, &f);
    if (o->reason)
        kstr(b, "reason", o->reason, &f);
    if (o->referred_member_id)
        kstr(b, "referred_member_id", o->referred_member_id, &f);
    if (o->referrer_member_id)
        kstr(b, "referrer_member_id", o->referrer_member_id, &f);
    if (o->release_at)
        kint(b, "release_at", o->release_at, &f);
    if (o->type == LY_RW_MILESTONE_REWARD) {
        snprintf(code, sizeof code, "MILESTONE_%lld", (long long)o->milestone);
        kstr(b, "reward_code", code, &f);
    }
    if (o->reward_id)
        kstr(b, "reward_id", o->reward_id, &f);
    kstr(b, "source_event_id", o->source_event_id, &f);
    kname(b, "tier", ly_tier_name(o->tier), &f);
    kconst(b, "topic", "rewards", &f);
    kname(b, "type", ly_reward_type_name(o->type), &f);
}

static void alert_json(ly_buf *b, const ly_output *o, const char *id)
{
    int f = 1;
    if (isfinite(o->clv))
        kdbl(b, "clv", o->clv, &f);
    kdbl(b, "days_since_last_purchase", o->days_since_last_purchase, &f);
    kint(b, "detected_at", o->occurred_at, &f);
    kstr(b, "event_id", id, &f);
    kdbl(b, "expected_gap_days", o->expected_gap_days, &f);
    kint(b, "lifetime_points", o->lifetime_points, &f);
    kstr(b, "member_id", o->member_id, &f);
    kint(b, "occurred_at", o->occurred_at, &f);
    kdbl(b, "p_alive", o->p_alive, &f);
    kint(b, "points_balance", o->balance_after, &f);
    kint(b, "points_expiring_30d", o->points_expiring, &f);
    key(b, "reasons", &f);
    static const char *const reason_names[3] = { "\"INACTIVITY\"", "\"NEGATIVE_SENTIMENT\"", "\"LOW_P_ALIVE\"" };
    ly_buf_put(b, "[", 1);
    for (unsigned i = 0, n = 0; i < 3; i++) {
        if (!(o->reasons & (1u << i)))
            continue;
        if (n++)
            ly_buf_put(b, ",", 1);
        ly_buf_put(b, reason_names[i], strlen(reason_names[i]));
    }
    ly_buf_put(b, "]", 1);
    kname(b, "risk_level", ly_risk_name(o->risk), &f);
    kname(b, "suggested_action", action_name(o->action), &f);
    kname(b, "tier", ly_tier_name(o->tier), &f);
    kconst(b, "topic", "churn-alerts", &f);
}

#define kint_or_null(b, k, has, v, f) kint_or_null_n((b), KEY(k), (has), (v), (f))
static void kint_or_null_n(ly_buf *b, const char *quoted, size_t n, int has, int64_t v, int *f)
{
    key_n(b, quoted, n, f);
    if (has)
        ly_buf_put_int(b, v);
    else
        ly_buf_put(b, "null", 4);
}

/* Section 13: every field is present; those of other types are null. */
static void notice_json(ly_buf *b, const ly_output *o, const char *id)
{
    int f = 1;
    int expiry = o->notice == LY_NOTICE_POINTS_EXPIRY, review = o->notice == LY_NOTICE_TIER_REVIEW;
    kstr(b, "event_id", id, &f);
    kint_or_null(b, "expires_at", expiry, o->expires_at, &f);
    kint(b, "lifetime_points", o->lifetime_points, &f);
    kstr(b, "member_id", o->member_id, &f);
    kstr(b, "next_tier", review ? ly_tier_name(o->next_tier) : NULL, &f);
    kint(b, "occurred_at", o->occurred_at, &f);
    kint_or_null(b, "points", expiry, o->notice_points, &f);
    kint(b, "points_balance", o->balance_after, &f);
    kint_or_null(b, "review_at", review, o->review_at, &f);
    kint_or_null(b, "spend_needed_minor", review, o->spend_needed_minor, &f);
    kname(b, "tier", ly_tier_name(o->tier), &f);
    kconst(b, "topic", "notices", &f);
    kname(b, "type", ly_notice_type_name(o->notice), &f);
}

static void base64(ly_buf *b, const unsigned char *s, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    ly_buf_put(b, "\"", 1);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        char q[4] = { al[v >> 18], al[(v >> 12) & 63], i + 1 < n ? al[(v >> 6) & 63] : '=', i + 2 < n ? al[v & 63] : '=' };
        ly_buf_put(b, q, 4);
    }
    ly_buf_put(b, "\"", 1);
}

static void dlq_json(ly_buf *b, const ly_output *o)
{
    int f = 1;
    const char *original = o->original;
    size_t olen = o->original_len;
    if (o->detail)
        kstr(b, "detail", o->detail, &f);
    if (o->source_event_id && *o->source_event_id)
        kstr(b, "event_id", o->source_event_id, &f);
    if (o->member_id && *o->member_id)
        kstr(b, "member_id", o->member_id, &f);
    if (o->source_topic || o->offset)
        kint(b, "offset", o->offset, &f);
    if (original && o->original_full_len > olen)
        kint(b, "original_length", (int64_t)o->original_full_len, &f);
    /* Text is UTF-8 without NUL (Avro frames start with one; many JSON
     * tools refuse \u0000): anything else goes as base64. */
    int text = original && !memchr(original, 0, olen) && ly_utf8_valid(original, olen);
    if (original && text) {
        key(b, "original", &f);
        ly_buf_json_string(b, original, olen);
    }
    if (original && !text) {
        key(b, "original_base64", &f);
        base64(b, (const unsigned char *)original, olen);
    }
    if (original && o->original_full_len > olen)
        key(b, "original_truncated", &f), ly_buf_put(b, "true", 4);
    if (o->source_topic)
        kint(b, "partition", o->partition, &f);
    kstr(b, "reason", ly_reject_name(o->reject), &f);
    if (o->source_topic)
        kstr(b, "source_topic", o->source_topic, &f);
    kstr(b, "topic", "dlq", &f);
}

void ly_output_json(ly_buf *b, const ly_output *o)
{
    char id[LY_OUTPUT_ID_MAX];
    ly_output_event_id(o, id, sizeof id);
    ly_buf_put(b, "{", 1);
    if (o->topic == LY_TOPIC_REWARDS)
        reward_json(b, o, id);
    else if (o->topic == LY_TOPIC_CHURN)
        alert_json(b, o, id);
    else if (o->topic == LY_TOPIC_NOTICES)
        notice_json(b, o, id);
    else
        dlq_json(b, o);
    ly_buf_put(b, "}", 1);
}

void ly_event_json(ly_buf *b, const ly_event *ev)
{
    int f = 1;
    ly_buf_put(b, "{", 1);
    kstr(b, "source", ly_source_name(ev->source), &f);
    kstr(b, "event_id", ev->event_id, &f);
    kstr(b, "member_id", ev->member_id, &f);
    kint(b, "occurred_at", ev->occurred_at, &f);
    if (ev->source == LY_SRC_PURCHASES)
        kstr(b, "kind", ly_event_type_name(ev->type), &f);
    else
        kstr(b, "type", ly_event_type_name(ev->type), &f);
    if (ev->order_id)
        kstr(b, "order_id", ev->order_id, &f);
    if (ev->source == LY_SRC_PURCHASES)
        kint(b, "amount_minor", ev->amount_minor, &f);
    if (ev->currency)
        kstr(b, "currency", ev->currency, &f);
    if (ev->type == LY_EV_REDEEM) {
        kint(b, "points", ev->points, &f);
        kstr(b, "reward_id", ev->reward_id, &f);
    }
    if (ev->platform)
        kstr(b, "platform", ev->platform, &f);
    if (ev->type == LY_EV_MENTION)
        kdbl(b, "sentiment", ev->sentiment, &f);
    if (ev->referred_member_id)
        kstr(b, "referred_member_id", ev->referred_member_id, &f);
    if (ev->channel)
        kstr(b, "channel", ev->channel, &f);
    if (ev->store_id)
        kstr(b, "store_id", ev->store_id, &f);
    if (ev->n_lines) {
        key(b, "lines", &f);
        for (uint32_t i = 0; i < ev->n_lines; i++) {
            int lf = 1;
            ly_buf_put(b, i ? ",{" : "[{", 2);
            kstr(b, "sku", ev->lines[i].sku, &lf);
            if (ev->lines[i].category)
                kstr(b, "category", ev->lines[i].category, &lf);
            kint(b, "amount_minor", ev->lines[i].amount_minor, &lf);
            ly_buf_put(b, "}", 1);
        }
        ly_buf_put(b, "]", 1);
    }
    if (ev->birthday) {
        char bd[8];
        snprintf(bd, sizeof bd, "%02d-%02d", ev->birthday / 100 % 100, ev->birthday % 100);
        kstr(b, "birthday", bd, &f);
    }
    if (ev->redeem_event_id)
        kstr(b, "redeem_event_id", ev->redeem_event_id, &f);
    ly_buf_put(b, "}", 1);
}

#define kopt_time(b, k, t, none, f) kopt_time_n((b), KEY(k), (t), (none), (f))
static void kopt_time_n(ly_buf *b, const char *quoted, size_t n, int64_t t, int64_t none, int *f)
{
    key_n(b, quoted, n, f);
    if (t == none)
        ly_buf_put(b, "null", 4);
    else
        ly_buf_put_int(b, t);
}

void ly_member_json(ly_buf *b, const ly_program *p, const ly_member *m, int64_t clock)
{
    int f = 1;
    ly_buf_put(b, "{", 1);
    kstr(b, "member_id", ly_member_id(m), &f);
    kint(b, "points_balance", m->balance, &f);
    kint(b, "lifetime_points", m->lifetime, &f);
    kstr(b, "tier", ly_tier_name((ly_tier)m->tier), &f);
    kopt_time(b, "tier_since", m->tier_since, LY_NO_TIME, &f);
    kopt_time(b, "next_tier_review", m->tier_review_due, LY_NO_TIMER, &f);
    kint(b, "purchase_count", m->purchase_count, &f);
    kopt_time(b, "first_purchase_at", m->purchase_count ? m->first_purchase : LY_NO_TIME, LY_NO_TIME, &f);
    kopt_time(b, "last_purchase_at", m->purchase_count ? m->last_purchase : LY_NO_TIME, LY_NO_TIME, &f);
    kopt_time(b, "first_seen_at", m->first_seen, LY_NO_TIME, &f);
    key(b, "lots", &f);
    ly_buf_put(b, "[", 1);
    const ly_lot *lots = ly_member_lots(m);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_LOTS]; i++) {
        int lf = 1;
        char month[16];
        int32_t mo = lots[i].month;
        snprintf(month, sizeof month, "%04d-%02d", mo / 12, mo % 12 + 1);
        ly_buf_put(b, i ? ",{" : "{", i ? 2 : 1);
        kstr(b, "month", month, &lf);
        kint(b, "points", lots[i].points, &lf);
        kint(b, "expires_at", ly_lot_expires(&lots[i]), &lf);
        ly_buf_put(b, "}", 1);
    }
    ly_buf_put(b, "]", 1);
    kstr(b, "risk_level", ly_risk_name((ly_risk)m->alerted), &f);
    kstr(b, "inactivity_level", ly_risk_name((ly_risk)m->inactivity), &f);
    key(b, "sentiment", &f);
    if (m->has_sentiment)
        ly_buf_json_double(b, m->sentiment);
    else
        ly_buf_put(b, "null", 4);
    kopt_time(b, "next_churn_check", m->churn_due, LY_NO_TIMER, &f);
    kint(b, "pending_points", ly_member_pending_points(m), &f);
    kopt_time(b, "next_release", ly_member_due(m, LY_TIMER_RELEASE), LY_NO_TIMER, &f);
    if (m->birthday) {
        char bd[8];
        snprintf(bd, sizeof bd, "%02d-%02d", m->birthday / 100 % 100, m->birthday % 100);
        kstr(b, "birthday", bd, &f);
    }
    if (m->exists && clock != LY_NO_TIME) {
        kint(b, "clock", clock, &f);
        kdbl(b, "expected_gap_days", ly_engine_expected_gap(p, m), &f);
        kdbl(b, "p_alive", ly_engine_p_alive(p, m, clock), &f);
        kint(b, "points_expiring_30d", ly_engine_points_expiring(p, m, clock), &f);
        if (m->purchase_count > 0) {
            /* BG/NBD E[Y(52 weeks) | x, t_x, T] with the program's parameters. */
            ly_bgnbd_params bg = { p->bg_r, p->bg_alpha, p->bg_a, p->bg_b };
            double t_x = (double)(m->last_purchase - m->first_purchase) / (double)LY_WEEK_MS;
            double T = (double)(clock - m->first_purchase) / (double)LY_WEEK_MS;
            kdbl(b, "expected_purchases_next_52w", ly_bgnbd_expected(&bg, m->purchase_count - 1, t_x, T, 52.0), &f);
        }
        if (p->gg_p > 0) {
            kdbl(b, "expected_spend", ly_engine_expected_spend(p, m), &f);
            kdbl(b, "clv", ly_engine_clv(p, m, clock), &f);
            kint(b, "clv_months", p->clv_months, &f);
        }
    }
    ly_buf_put(b, "}", 1);
}
