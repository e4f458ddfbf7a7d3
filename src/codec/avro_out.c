/* Output records in Avro binary, written straight from the output struct
 * for the four output schemas (schemas/reward.avsc, churn_alert.avsc,
 * notice.avsc, dead_letter.avsc, fields in their order). Building avro-c
 * generic values, sizing them and walking them again was a fifth of `run`'s
 * CPU. The avro-c path stays as ly_avro_encode_output_general, the oracle:
 * unit.avro checks both give the same bytes for every kind of output. */
#include <math.h>
#include <string.h>
#include "ly_avro.h"
#include "ly_state.h"

/* Avro long/int: zig-zag, then the same base-128 varint as the state
 * encoding's. */
static void put_long(ly_buf *b, int64_t v)
{
    ly_state_put_uvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_bytes(ly_buf *b, const char *s, size_t n)
{
    put_long(b, (int64_t)n);
    ly_buf_put(b, s, n);
}

static void put_string(ly_buf *b, const char *s)
{
    put_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

static void put_double(ly_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (char)(u >> (8 * i));
    ly_buf_put(b, le, sizeof le);
}

/* ["null", T] unions: branch 0 is null, 1 the value that follows. */
static int put_branch(ly_buf *b, int present)
{
    put_long(b, present ? 1 : 0);
    return present;
}

static void put_opt_string(ly_buf *b, const char *s)
{
    if (put_branch(b, s != NULL))
        put_string(b, s);
}

static void put_opt_long(ly_buf *b, int present, int64_t v)
{
    if (put_branch(b, present))
        put_long(b, v);
}

static void write_reward(ly_buf *b, const ly_output *o, const char *id, size_t id_len)
{
    int tiers = o->type == LY_RW_TIER_UPGRADE || o->type == LY_RW_TIER_DOWNGRADE;
    put_bytes(b, id, id_len);
    put_string(b, o->member_id);
    put_long(b, o->occurred_at);
    put_long(b, o->type);
    put_long(b, o->points_delta);
    put_long(b, o->balance_after);
    put_long(b, o->lifetime_points);
    put_long(b, o->tier);
    put_opt_string(b, o->source_event_id);
    put_opt_string(b, o->reward_id);
    if (put_branch(b, o->type == LY_RW_MILESTONE_REWARD)) {
        char code[48] = "MILESTONE_", tmp[24];
        strcat(code, ly_format_int(tmp, o->milestone));
        put_string(b, code);
    }
    put_opt_string(b, o->reason);
    put_opt_long(b, tiers, o->old_tier);
    put_opt_long(b, tiers, o->new_tier);
    put_opt_string(b, o->referred_member_id);
    put_opt_string(b, o->referrer_member_id);
    put_opt_string(b, o->campaign_id);
    put_opt_long(b, o->release_at != 0, o->release_at);
}

static void write_alert(ly_buf *b, const ly_output *o, const char *id, size_t id_len)
{
    put_bytes(b, id, id_len);
    put_string(b, o->member_id);
    put_long(b, o->occurred_at);
    put_long(b, o->occurred_at); /* detected_at */
    put_long(b, o->risk);
    /* reasons: one block of the reasons present, then the empty block */
    static const unsigned reasons[3] = { LY_REASON_INACTIVITY, LY_REASON_NEGATIVE_SENTIMENT, LY_REASON_LOW_P_ALIVE };
    int n = 0;
    for (int i = 0; i < 3; i++)
        n += (o->reasons & reasons[i]) != 0;
    if (n) {
        put_long(b, n);
        for (int i = 0; i < 3; i++)
            if (o->reasons & reasons[i])
                put_long(b, i);
    }
    put_long(b, 0);
    put_double(b, o->days_since_last_purchase);
    put_double(b, o->expected_gap_days);
    put_double(b, o->p_alive);
    put_long(b, o->balance_after);
    put_long(b, o->points_expiring);
    put_long(b, o->tier);
    put_long(b, o->lifetime_points);
    put_long(b, ly_avro_action_symbol(o->action));
    if (put_branch(b, isfinite(o->clv)))
        put_double(b, o->clv);
}

static void write_notice(ly_buf *b, const ly_output *o, const char *id, size_t id_len)
{
    int expiry = o->notice == LY_NOTICE_POINTS_EXPIRY, review = o->notice == LY_NOTICE_TIER_REVIEW;
    put_bytes(b, id, id_len);
    put_string(b, o->member_id);
    put_long(b, o->occurred_at);
    put_long(b, o->notice);
    put_long(b, o->tier);
    put_long(b, o->balance_after);
    put_long(b, o->lifetime_points);
    put_opt_long(b, expiry, o->notice_points);
    put_opt_long(b, expiry, o->expires_at);
    put_opt_long(b, review, o->review_at);
    put_opt_long(b, review, o->spend_needed_minor);
    put_opt_long(b, review, o->next_tier);
}

static void write_dead_letter(ly_buf *b, const ly_output *o)
{
    put_opt_string(b, o->source_event_id && *o->source_event_id ? o->source_event_id : NULL);
    put_opt_string(b, o->member_id && *o->member_id ? o->member_id : NULL);
    put_long(b, (int64_t)o->reject - 1);
    put_opt_string(b, o->detail);
    put_bytes(b, o->original ? o->original : "", o->original ? o->original_len : 0);
    put_string(b, o->source_topic ? o->source_topic : "");
    put_long(b, o->partition);
    put_long(b, o->offset);
    put_opt_long(b, o->original_full_len > o->original_len, (int64_t)o->original_full_len);
}

int ly_avro_encode_output(ly_avro *a, const ly_output *o, int32_t schema_id, ly_buf *out, char *errstr,
                          size_t errlen)
{
    (void)a;
    ly_topic_role r = ly_avro_output_role(o->topic);
    size_t at = out->len;
    const char head[5] = { 0, (char)(schema_id >> 24), (char)(schema_id >> 16), (char)(schema_id >> 8),
                           (char)schema_id };
    ly_buf_put(out, head, sizeof head);
    if (r == LY_T_DLQ) {
        write_dead_letter(out, o);
    } else {
        char id[LY_OUTPUT_ID_MAX];
        size_t id_len = ly_output_event_id(o, id, sizeof id);
        if (r == LY_T_REWARDS)
            write_reward(out, o, id, id_len);
        else if (r == LY_T_CHURN_ALERTS)
            write_alert(out, o, id, id_len);
        else
            write_notice(out, o, id, id_len);
    }
    if (out->oom) {
        out->len = at;
        snprintf(errstr, errlen, "out of memory");
        return -1;
    }
    return 0;
}
