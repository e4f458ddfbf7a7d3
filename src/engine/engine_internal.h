/* Internal to the engine: the context one event or timer is processed in,
 * and the helpers the section files share. */
#ifndef LY_ENGINE_INTERNAL_H
#define LY_ENGINE_INTERNAL_H
#include "ly_engine.h"

typedef struct ly_ctx {
    const ly_program *p;
    ly_member *m;
    const ly_event *ev; /* NULL while a timer fires */
    int64_t clock;      /* a timer's due time while it fires */
    ly_timer_kind timer;
    const ly_sink *sink;
    int seq;            /* outputs emitted for this source so far */
    /* Months of the two instants an event asks about (its own time and the
     * clock), computed once each: ly_time_month is on the hot path. */
    int64_t memo_ms[2];
    int32_t memo_month[2];
} ly_ctx;

/* ly_time_month(ms), remembered for the event's time and the clock. */
int32_t ly_ctx_month(ly_ctx *c, int64_t ms);

/* A reward output for the current source with the member's figures filled in;
 * call after changing the state it reports. */
ly_output ly_ctx_reward(ly_ctx *c, ly_reward_type type, int64_t delta);
void ly_ctx_emit(ly_ctx *c, ly_output *o);
/* occurred_at of what is being processed. */
static inline int64_t ly_ctx_time(const ly_ctx *c)
{
    return c->ev ? c->ev->occurred_at : c->clock;
}

/* Context (context.c). A notice output for the current source with the member's figures. */
ly_output ly_ctx_notice(ly_ctx *c, ly_notice_type type);

/* a + b within [-LY_POINTS_MAX, LY_POINTS_MAX] (saturating, never UB).
 * Inline, like ly_ctx_time: every credit and debit calls it. */
static inline int64_t ly_points_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r) || r > LY_POINTS_MAX)
        return b > 0 ? LY_POINTS_MAX : -LY_POINTS_MAX;
    return r < -LY_POINTS_MAX ? -LY_POINTS_MAX : r;
}

/* Section 7 (engine_lots.c) */
void ly_lots_credit(ly_ctx *c, int64_t points, int64_t occurred_at);
void ly_lots_debit(ly_ctx *c, int64_t points);
void ly_lots_expire(ly_ctx *c, int64_t due);
void ly_lots_schedule(ly_member *m);
/* Points of the lots that expire at `expires` (several lots may, section 18). */
int64_t ly_lots_expiring_at(const ly_member *m, int64_t expires);

/* Section 11 (engine_campaigns.c): the qualifying campaigns' points, emitted
 * (as CAMPAIGN_BONUS, or POINTS_PENDING when release_at is set); returns
 * their sum. tier is the tier before the purchase. */
int64_t ly_campaigns_apply(ly_ctx *c, ly_tier tier, int64_t release_at);

/* Section 12 (engine_pending.c). A purchase's points: credited as
 * `credited` (POINTS_EARNED, CAMPAIGN_BONUS), or POINTS_PENDING when
 * release_at is set; the output (reason PURCHASE) is the caller's to emit. */
ly_output ly_pending_or_credit(ly_ctx *c, ly_reward_type credited, int64_t pts, int64_t release_at);
void ly_pending_schedule(ly_member *m);
void ly_pending_release(ly_ctx *c, int64_t due);

/* Section 13 (engine_notices.c; lots and tiers schedule their notices) */
void ly_notices_fire_expiry(ly_ctx *c, int64_t due);
void ly_notices_fire_tier(ly_ctx *c, int64_t due);

/* Section 14 (engine_notices.c: a birthday is a yearly notice that pays) */
void ly_birthday_set(ly_ctx *c, int mmdd);
void ly_birthday_fire(ly_ctx *c, int64_t due);

/* Section 8 (engine_tiers.c) */
void ly_tiers_after_purchase(ly_ctx *c);
void ly_tiers_review(ly_ctx *c, int64_t due);
/* Section 13: the tier a review at Q would give if nothing changed. */
ly_tier ly_tiers_review_outcome(const ly_program *p, ly_tier tier, int64_t q);
void ly_tiers_add_spend(ly_ctx *c, int64_t delta_minor, int64_t occurred_at);
void ly_tiers_milestones(ly_ctx *c);
void ly_referral_on_notice(ly_ctx *c);
void ly_referral_on_grant(ly_ctx *c);
/* After a PURCHASE: earliest says whether it is the member's earliest now
 * (strictly earlier than every other; m->first_purchase is its instant). */
void ly_referral_on_purchase(ly_ctx *c, int earliest);
void ly_referral_check(ly_ctx *c);
void ly_winback_on_purchase(ly_ctx *c);

/* Section 9 (engine_churn.c) */
typedef struct ly_churn_before {
    int64_t last_purchase; /* LY_NO_TIME without purchases */
    int64_t reference;     /* L */
    double gap;            /* g */
    uint8_t inactivity;
} ly_churn_before;
void ly_churn_schedule(const ly_program *p, ly_member *m);
void ly_churn_before_purchase(const ly_ctx *c, ly_churn_before *b);
void ly_churn_on_purchase(ly_ctx *c, const ly_churn_before *b);
void ly_churn_on_mention(ly_ctx *c, double x);
void ly_churn_fire(ly_ctx *c, int64_t due);

#endif
