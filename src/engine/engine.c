/* The engine's entry points and PROGRAM.md sections 4 (members), 5 (earning
 * on purchases, refunds, dedupe), 6 (engagement) and 10 (output order). */
#include <string.h>
#include "engine_internal.h"
#include "ly_time.h"

/* Section 6 keeps per-day engagement totals at least this many days behind
 * the clock (they are pruned when a member has several, and when a timer
 * finds the member quiet); an engagement event later than that may be capped
 * against an empty day. */
#define LY_ENGAGEMENT_DAYS_KEPT 35

int32_t ly_ctx_month(ly_ctx *c, int64_t ms)
{
    for (int i = 0; i < 2; i++)
        if (c->memo_ms[i] == ms)
            return c->memo_month[i];
    int slot = ms == c->clock ? 0 : 1;
    c->memo_ms[slot] = ms;
    return c->memo_month[slot] = ly_time_month(ms);
}

int64_t ly_ctx_time(const ly_ctx *c)
{
    return c->ev ? c->ev->occurred_at : c->clock;
}

ly_output ly_ctx_reward(ly_ctx *c, ly_reward_type type, int64_t delta)
{
    ly_output o = {0};
    o.topic = LY_TOPIC_REWARDS;
    o.member_id = c->m->id;
    o.occurred_at = ly_ctx_time(c);
    o.type = type;
    o.points_delta = delta;
    o.balance_after = c->m->balance;
    o.lifetime_points = c->m->lifetime;
    o.tier = (ly_tier)c->m->tier;
    return o;
}

void ly_ctx_emit(ly_ctx *c, ly_output *o)
{
    if (c->ev) {
        o->source_event_id = c->ev->event_id;
        o->seq = ++c->seq;
    } else {
        o->timer = c->timer;
    }
    if (c->sink && c->sink->output)
        c->sink->output(c->sink->opaque, o);
}

static void reject(ly_ctx *c, ly_reject why)
{
    ly_output o = {0};
    o.topic = LY_TOPIC_DLQ;
    o.member_id = c->ev->member_id;
    o.source_event_id = c->ev->event_id;
    o.occurred_at = c->ev->occurred_at;
    o.reject = why;
    if (c->sink && c->sink->output)
        c->sink->output(c->sink->opaque, &o);
}

static ly_order *find_order(ly_member *m, const char *order_id)
{
    uint64_t key = ly_member_key(order_id);
    for (uint32_t i = 0; i < m->orders.n; i++)
        if (m->orders.v[i].key == key)
            return &m->orders.v[i];
    return NULL;
}

/* Section 5: the state-dependent rejections. */
static ly_reject precheck(ly_ctx *c)
{
    const ly_event *ev = c->ev;
    if (ev->type == LY_EV_PURCHASE)
        return find_order(c->m, ev->order_id) ? LY_REJECT_DUPLICATE_ORDER : LY_REJECT_NONE;
    if (ev->type == LY_EV_REFUND) {
        ly_order *o = find_order(c->m, ev->order_id);
        if (!o)
            return LY_REJECT_UNKNOWN_ORDER;
        if (ev->amount_minor > o->amount - o->refunded)
            return LY_REJECT_REFUND_EXCEEDS_ORDER;
    }
    return LY_REJECT_NONE;
}

/* Section 4: a member exists from its first applied input event. */
static void create_member(ly_ctx *c)
{
    ly_member *m = c->m;
    m->exists = 1;
    m->first_seen = c->ev->occurred_at;
    ly_churn_schedule(c->p, m);
    if (c->p->welcome_bonus > 0) {
        ly_lots_credit(c, c->p->welcome_bonus, c->ev->occurred_at);
        ly_output o = ly_ctx_reward(c, LY_RW_WELCOME_BONUS, c->p->welcome_bonus);
        ly_ctx_emit(c, &o);
    }
}

static int64_t campaign_bp(const ly_program *p, int64_t at)
{
    int64_t best = 0;
    for (size_t i = 0; i < p->n_campaigns; i++) {
        const ly_campaign *k = &p->campaigns[i];
        if (at >= k->start_ms && at < k->end_ms && k->multiplier_bp > best)
            best = k->multiplier_bp;
    }
    return best ? best : 10000;
}

/* Section 5: floor(amount * rate * M / (100 * 10000)), rate in basis points. */
static int64_t purchase_points(const ly_program *p, const ly_member *m, const ly_event *ev)
{
    int64_t mult = p->tier_multiplier_bp[m->tier] * campaign_bp(p, ev->occurred_at) / 10000;
    __int128 num = (__int128)ev->amount_minor * p->earn_rate_bp * mult;
    return (int64_t)(num / ((__int128)100 * 10000 * 10000));
}

static void apply_purchase(ly_ctx *c)
{
    ly_member *m = c->m;
    const ly_event *ev = c->ev;
    ly_winback_on_purchase(c);
    int64_t pts = purchase_points(c->p, m, ev);
    ly_order *o = LY_VEC_PUSH(m->orders);
    if (o)
        *o = (ly_order){ ly_member_key(ev->order_id), ev->amount_minor, 0, pts };
    if (pts > 0) {
        ly_lots_credit(c, pts, ev->occurred_at);
        ly_output out = ly_ctx_reward(c, LY_RW_POINTS_EARNED, pts);
        out.reason = "PURCHASE";
        ly_ctx_emit(c, &out);
    }
    ly_tiers_add_spend(c, ev->amount_minor, ev->occurred_at);
    int64_t previous_last = m->purchase_count ? m->last_purchase : LY_NO_TIME;
    if (m->purchase_count == 0 || ev->occurred_at < m->first_purchase)
        m->first_purchase = ev->occurred_at;
    if (m->purchase_count == 0 || ev->occurred_at > m->last_purchase)
        m->last_purchase = ev->occurred_at;
    m->purchase_count++;
    ly_churn_on_purchase(c, previous_last);
    ly_referral_on_purchase(c);
    ly_tiers_after_purchase(c);
}

static void apply_refund(ly_ctx *c)
{
    ly_member *m = c->m;
    ly_order *o = find_order(m, c->ev->order_id);
    int64_t reversed = (int64_t)((__int128)o->points * o->refunded / o->amount);
    o->refunded += c->ev->amount_minor;
    int64_t reverse = (int64_t)((__int128)o->points * o->refunded / o->amount) - reversed;
    ly_tiers_add_spend(c, -c->ev->amount_minor, c->ev->occurred_at);
    if (reverse > 0) {
        ly_lots_debit(c, reverse);
        m->lifetime -= reverse;
        ly_output out = ly_ctx_reward(c, LY_RW_POINTS_REVERSED, -reverse);
        ly_ctx_emit(c, &out);
    }
}

static void apply_redeem(ly_ctx *c)
{
    ly_member *m = c->m;
    int64_t p = c->ev->points;
    ly_output out;
    if (m->balance >= p) {
        ly_lots_debit(c, p);
        out = ly_ctx_reward(c, LY_RW_POINTS_REDEEMED, -p);
    } else {
        out = ly_ctx_reward(c, LY_RW_REDEMPTION_REJECTED, 0);
        out.reason = "INSUFFICIENT_POINTS";
    }
    out.reward_id = c->ev->reward_id;
    ly_ctx_emit(c, &out);
}

static void forget_old_days(ly_member *m, int64_t clock)
{
    int32_t oldest = (int32_t)ly_time_day(clock) - LY_ENGAGEMENT_DAYS_KEPT;
    uint32_t keep = 0;
    for (uint32_t i = 0; i < m->days.n; i++)
        if (m->days.v[i].day >= oldest)
            m->days.v[keep++] = m->days.v[i];
    m->days.n = keep;
}

static int32_t *day_total(ly_ctx *c, int32_t day)
{
    ly_member *m = c->m;
    if (m->days.n >= 8)
        forget_old_days(m, c->clock);
    for (uint32_t i = 0; i < m->days.n; i++)
        if (m->days.v[i].day == day)
            return &m->days.v[i].points;
    ly_day_total *d = LY_VEC_PUSH(m->days);
    if (!d)
        return NULL;
    *d = (ly_day_total){ day, 0 };
    return &d->points;
}

/* Section 6: once-only types are used up by their first occurrence, whatever
 * the cap left for it. */
static int once_used(ly_ctx *c)
{
    ly_member *m = c->m;
    ly_event_type t = c->ev->type;
    switch (c->p->engagement_once[t]) {
    case LY_ONCE_PER_MEMBER:
        if (m->once_done & (1u << t))
            return 1;
        m->once_done |= 1u << t;
        return 0;
    case LY_ONCE_PER_PLATFORM: {
        uint64_t key = ly_member_key(c->ev->platform) ^ ((uint64_t)t * 0x9E3779B97F4A7C15ULL);
        for (uint32_t i = 0; i < m->platforms.n; i++)
            if (m->platforms.v[i] == key)
                return 1;
        uint64_t *k = LY_VEC_PUSH(m->platforms);
        if (k)
            *k = key;
        return 0;
    }
    default:
        return 0;
    }
}

static void apply_engagement(ly_ctx *c)
{
    const ly_event *ev = c->ev;
    int64_t pts = c->p->engagement_points[ev->type];
    if (once_used(c))
        pts = 0;
    int32_t *total = day_total(c, (int32_t)ly_time_day(ev->occurred_at));
    if (!total)
        return;
    int64_t room = c->p->daily_cap - *total;
    if (pts > room)
        pts = room > 0 ? room : 0;
    *total += (int32_t)pts;
    if (pts > 0) {
        ly_lots_credit(c, pts, ev->occurred_at);
        ly_output out = ly_ctx_reward(c, LY_RW_POINTS_EARNED, pts);
        out.reason = ly_event_type_name(ev->type);
        ly_ctx_emit(c, &out);
    }
}

/* Section 8: R named F; the notice goes to F through the internal topic. */
static void emit_referral_notice(ly_ctx *c)
{
    char id[LY_RECORD_ID_MAX + 1];
    snprintf(id, sizeof id, "%s#%s", c->ev->event_id, c->ev->referred_member_id);
    ly_event notice = {0};
    notice.type = LY_EV_REFERRAL_NOTICE;
    notice.source = LY_SRC_INTERNAL;
    notice.occurred_at = c->ev->occurred_at;
    notice.event_id = id;
    notice.member_id = c->ev->referred_member_id;
    notice.referred_member_id = c->m->id;
    if (c->sink && c->sink->internal)
        c->sink->internal(c->sink->opaque, &notice);
}

static void apply_internal(ly_ctx *c)
{
    if (c->ev->type == LY_EV_REFERRAL_NOTICE)
        ly_referral_on_notice(c);
    else if (c->m->exists)
        ly_referral_on_grant(c);
}

ly_apply_result ly_engine_apply(const ly_program *p, ly_member *m, const ly_event *ev,
                                int64_t clock, const ly_sink *sink)
{
    ly_ctx c = { p, m, ev, clock, LY_TIMER_EXPIRY, sink, 0, { INT64_MIN, INT64_MIN }, { 0, 0 } };
    if (ev->source == LY_SRC_INTERNAL) {
        apply_internal(&c);
        return LY_APPLY_OK;
    }
    ly_reject why = precheck(&c);
    if (why != LY_REJECT_NONE) {
        reject(&c, why);
        return LY_APPLY_REJECTED;
    }
    if (!m->exists)
        create_member(&c);
    switch (ev->type) {
    case LY_EV_PURCHASE:
        apply_purchase(&c);
        break;
    case LY_EV_REFUND:
        apply_refund(&c);
        break;
    case LY_EV_REDEEM:
        apply_redeem(&c);
        break;
    default:
        apply_engagement(&c);
        break;
    }
    ly_tiers_milestones(&c);
    if (ev->type == LY_EV_REFERRAL)
        emit_referral_notice(&c);
    if (ev->type == LY_EV_MENTION)
        ly_churn_on_mention(&c, ev->sentiment);
    return LY_APPLY_OK;
}

void ly_engine_fire(const ly_program *p, ly_member *m, ly_timer_kind kind, int64_t due,
                    const ly_sink *sink)
{
    ly_ctx c = { p, m, NULL, due, kind, sink, 0, { INT64_MIN, INT64_MIN }, { 0, 0 } };
    /* Timers find members that have gone quiet: a good moment to drop the
     * day totals and spend months that can no longer matter. */
    forget_old_days(m, due);
    ly_tiers_add_spend(&c, 0, due);
    ly_member_shrink(m);
    switch (kind) {
    case LY_TIMER_EXPIRY:
        ly_lots_expire(&c, due);
        break;
    case LY_TIMER_TIER_REVIEW:
        ly_tiers_review(&c, due);
        break;
    case LY_TIMER_CHURN:
        ly_churn_fire(&c, due);
        break;
    default:
        break;
    }
}
