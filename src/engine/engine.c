/* The engine's entry points and PROGRAM.md sections 4 (members), 5 (earning
 * on purchases, refunds, dedupe), 6 (engagement) and 10 (output order). */
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"
#include "ly_time.h"

/* Section 6 keeps per-day engagement totals at least this many days behind
 * the clock (older ones are pruned when a new day would grow the member's
 * shelf and the oldest kept has passed this, and when a timer finds the
 * member quiet); an engagement event later than that may be capped against
 * an empty day. */
#define LY_ENGAGEMENT_DAYS_KEPT 35

void ly_engine_reject(const ly_event *ev, ly_reject why, const ly_sink *sink)
{
    ly_output o = {0};
    o.topic = LY_TOPIC_DLQ;
    o.member_id = ev->member_id;
    o.source_event_id = ev->event_id;
    o.occurred_at = ev->occurred_at;
    o.reject = why;
    if (sink && sink->output)
        sink->output(sink->opaque, &o);
}

static int find_order(const ly_member *m, const char *order_id, ly_order *o)
{
    return ly_member_order_get(m, ly_member_key(order_id), o);
}

static int64_t find_redemption(const ly_member *m, const char *event_id)
{
    return ly_member_redemption_find(m, ly_member_key(event_id));
}

/* Sections 5 and 15: the state-dependent rejections. */
static ly_reject precheck(ly_ctx *c)
{
    const ly_event *ev = c->ev;
    ly_order o;
    if (ev->type == LY_EV_PURCHASE)
        return find_order(c->m, ev->order_id, &o) ? LY_REJECT_DUPLICATE_ORDER : LY_REJECT_NONE;
    if (ev->type == LY_EV_REFUND) {
        if (!find_order(c->m, ev->order_id, &o))
            return LY_REJECT_UNKNOWN_ORDER;
        if (ev->amount_minor > o.amount - o.refunded)
            return LY_REJECT_REFUND_EXCEEDS_ORDER;
    }
    if (ev->type == LY_EV_REDEEM_CANCEL && find_redemption(c->m, ev->redeem_event_id) < 0)
        return LY_REJECT_UNKNOWN_REDEMPTION;
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

/* Section 5: floor(amount * rate * M / (100 * 10000)), rate in basis points. */
static int64_t purchase_points(const ly_program *p, const ly_member *m, const ly_event *ev)
{
    __int128 num = (__int128)ev->amount_minor * p->earn_rate_bp * p->tier_multiplier_bp[m->tier];
    return (int64_t)(num / ((__int128)100 * 10000 * 10000));
}

/* The purchase's own points: credited, or pending until release_at (section 12). */
static void emit_purchase_points(ly_ctx *c, int64_t pts, int64_t release_at)
{
    ly_output out = ly_pending_or_credit(c, LY_RW_POINTS_EARNED, pts, release_at);
    ly_ctx_emit(c, &out);
}

static void apply_purchase(ly_ctx *c)
{
    ly_member *m = c->m;
    const ly_event *ev = c->ev;
    ly_tier tier = (ly_tier)m->tier;
    int64_t release_at = c->p->pending_ms > 0 ? ev->occurred_at + c->p->pending_ms : LY_NO_TIME;
    ly_winback_on_purchase(c);
    int64_t pts = purchase_points(c->p, m, ev);
    if (pts > 0)
        emit_purchase_points(c, pts, release_at);
    pts += ly_campaigns_apply(c, tier, release_at);
    ly_order o = { ly_member_key(ev->order_id), ev->amount_minor, 0, pts, release_at };
    ly_member_order_put(m, &o, 0);
    /* A pending order is kept in full, in extra (without memory it is lost
     * and m->oom says so). */
    if (release_at != LY_NO_TIME && m->extra && release_at < m->extra->release_due) {
        m->extra->release_due = release_at;
        ly_member_sync_extra_due(m);
    }
    ly_tiers_add_spend(c, ev->amount_minor, ev->occurred_at);
    ly_churn_before before;
    ly_churn_before_purchase(c, &before);
    int earliest = m->purchase_count == 0 || ev->occurred_at < m->first_purchase;
    if (earliest) {
        m->first_purchase = ev->occurred_at;
        m->first_purchase_minor = ev->amount_minor;
    }
    m->purchases_minor = ly_points_add(m->purchases_minor, ev->amount_minor);
    if (m->purchase_count == 0 || ev->occurred_at > m->last_purchase)
        m->last_purchase = ev->occurred_at;
    m->purchase_count++;
    ly_churn_on_purchase(c, &before);
    ly_referral_on_purchase(c, earliest);
    ly_tiers_after_purchase(c);
}

/* Section 5; a pending order's reversal comes out of its pending points. */
static void apply_refund(ly_ctx *c)
{
    ly_member *m = c->m;
    ly_order o;
    find_order(m, c->ev->order_id, &o); /* precheck found it */
    int64_t reversed = (int64_t)((__int128)o.points * o.refunded / o.amount);
    o.refunded += c->ev->amount_minor;
    ly_member_order_put(m, &o, 1);
    int64_t reverse = (int64_t)((__int128)o.points * o.refunded / o.amount) - reversed;
    ly_tiers_add_spend(c, -c->ev->amount_minor, c->ev->occurred_at);
    if (reverse <= 0)
        return;
    int pending = o.release_at != LY_NO_TIME;
    if (!pending) {
        ly_lots_debit(c, reverse);
        m->lifetime = ly_points_add(m->lifetime, -reverse);
    }
    ly_output out = ly_ctx_reward(c, LY_RW_POINTS_REVERSED, -reverse);
    if (pending)
        out.reason = "PENDING";
    ly_ctx_emit(c, &out);
}

/* Section 15: accepted redemptions are remembered as long as the member. */
static void remember_redemption(ly_ctx *c)
{
    ly_member_add_redemption(c->m, ly_member_key(c->ev->event_id), c->ev->points, 0, c->ev->reward_id,
                             strlen(c->ev->reward_id));
}

/* The points come back like any credit, but lifetime points do not change:
 * the redemption never lowered them. */
static void apply_redeem_cancel(ly_ctx *c)
{
    uint32_t i = (uint32_t)find_redemption(c->m, c->ev->redeem_event_id);
    ly_member_redemption_cancel(c->m, i);
    /* A copy: the credit may add a lot, which moves the member's shelf. */
    ly_redemption r = ly_member_redemption_at(c->m, i);
    ly_lots_credit(c, r.points, c->ev->occurred_at);
    c->m->lifetime = ly_points_add(c->m->lifetime, -r.points);
    ly_output out = ly_ctx_reward(c, LY_RW_REDEMPTION_REVERSED, r.points);
    out.reward_id = ly_member_reward_id(c->m, &r);
    ly_ctx_emit(c, &out);
}

static void apply_redeem(ly_ctx *c)
{
    int64_t p = c->ev->points;
    int accepted = c->m->balance >= p;
    if (accepted)
        ly_lots_debit(c, p);
    /* One initialisation (an assignment per branch copied the output). */
    ly_output out = ly_ctx_reward(c, accepted ? LY_RW_POINTS_REDEEMED : LY_RW_REDEMPTION_REJECTED, accepted ? -p : 0);
    if (accepted)
        remember_redemption(c);
    else
        out.reason = "INSUFFICIENT_POINTS";
    out.reward_id = c->ev->reward_id;
    ly_ctx_emit(c, &out);
}

static void forget_old_days(ly_member *m, int64_t clock)
{
    int32_t oldest = (int32_t)ly_time_day(clock) - LY_ENGAGEMENT_DAYS_KEPT;
    uint32_t keep = 0, n = m->shelf.n[LY_SHELF_DAYS];
    ly_day_total *days = ly_member_days(m);
    for (uint32_t i = 0; i < n; i++)
        if (days[i].day >= oldest)
            days[keep++] = days[i];
    ly_member_shelf_remove(m, LY_SHELF_DAYS, keep, n - keep);
}

static ly_day_total *day_total(ly_ctx *c, uint16_t day)
{
    ly_member *m = c->m;
    ly_day_total *days = ly_member_days(m);
    uint32_t n = m->shelf.n[LY_SHELF_DAYS];
    for (uint32_t i = 0; i < n; i++)
        if (days[i].day == day)
            return &days[i];
    /* Make room before growing the shelf. Days come mostly in order: while
     * the first kept is recent enough there is little to drop, and the
     * scan waits (tested first: the room walks the shelf's offsets). */
    if (n && days[0].day < (int32_t)ly_time_day(c->clock) - LY_ENGAGEMENT_DAYS_KEPT &&
        ly_shelf_room(&m->shelf, ly_member_shelf_layout) < sizeof *days)
        forget_old_days(m, c->clock);
    ly_day_total *d = ly_member_shelf_push(m, LY_SHELF_DAYS);
    if (!d)
        return NULL;
    *d = (ly_day_total){ day, 0 };
    return d;
}

/* once_done bits and platform keys are stored with the member: they keep the
 * type numbering of the first state format, part two's types after it. */
static unsigned stored_type_code(ly_event_type t)
{
    if (t <= LY_EV_REDEEM)
        return (unsigned)t;
    if (t >= LY_EV_SHARE)
        return (unsigned)t - 3;
    return (unsigned)t + 13;
}

/* Section 6: once-only types are used up by their first occurrence, whatever
 * the cap left for it. */
static int once_used(ly_ctx *c)
{
    ly_member *m = c->m;
    unsigned t = stored_type_code(c->ev->type);
    switch (c->p->engagement_once[c->ev->type]) {
    case LY_ONCE_PER_MEMBER:
        if (m->once_done & (1u << t))
            return 1;
        m->once_done |= 1u << t;
        return 0;
    case LY_ONCE_PER_PLATFORM: {
        uint64_t key = ly_member_key(c->ev->platform) ^ ((uint64_t)t * 0x9E3779B97F4A7C15ULL);
        const uint64_t *used = ly_member_platforms(m);
        uint32_t n = m->shelf.n[LY_SHELF_PLATFORMS];
        for (uint32_t i = 0; i < n; i++)
            if (used[i] == key)
                return 1;
        uint64_t *k = ly_member_shelf_push(m, LY_SHELF_PLATFORMS);
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
    /* Events are validated to 2000-2099: their day fits 16 bits. */
    ly_day_total *total = day_total(c, (uint16_t)ly_time_day(ev->occurred_at));
    if (!total)
        return;
    int64_t room = c->p->daily_cap - total->points;
    if (pts > room)
        pts = room > 0 ? room : 0;
    total->points += (int32_t)pts;
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
    notice.referred_member_id = ly_member_id(c->m);
    if (c->sink && c->sink->internal)
        c->sink->internal(c->sink->opaque, &notice);
}

static void apply_internal(ly_ctx *c)
{
    if (c->ev->type == LY_EV_REFERRAL_NOTICE) {
        ly_referral_on_notice(c);
        if (c->m->exists)
            ly_tiers_milestones(c);
    } else if (c->m->exists) {
        ly_referral_on_grant(c);
    }
}

ly_apply_result ly_engine_apply(const ly_program *p, ly_member *m, const ly_event *ev,
                                int64_t clock, const ly_sink *sink)
{
    ly_ctx c = { p, m, ev, clock, LY_TIMER_EXPIRY, sink, 0, { INT64_MIN, INT64_MIN }, { 0, 0 } };
    m->oom = 0;
    if (ev->source == LY_SRC_INTERNAL) {
        apply_internal(&c);
        return m->oom ? LY_APPLY_ENOMEM : LY_APPLY_OK;
    }
    ly_reject why = precheck(&c);
    if (why != LY_REJECT_NONE) {
        ly_engine_reject(ev, why, sink);
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
    case LY_EV_REDEEM_CANCEL:
        apply_redeem_cancel(&c);
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
    if (ev->type == LY_EV_PROFILE_UPDATE && ev->birthday)
        ly_birthday_set(&c, ev->birthday);
    return m->oom ? LY_APPLY_ENOMEM : LY_APPLY_OK;
}

void ly_engine_erase(const ly_member *m, const ly_event *ev, const ly_sink *sink)
{
    ly_output o = {0};
    o.topic = LY_TOPIC_NOTICES;
    o.notice = LY_NOTICE_MEMBER_ERASED;
    o.member_id = ev->member_id;
    o.source_event_id = ev->event_id;
    o.seq = 1;
    o.occurred_at = ev->occurred_at;
    if (m && m->exists) {
        o.balance_after = m->balance;
        o.lifetime_points = m->lifetime;
        o.tier = (ly_tier)m->tier;
    }
    if (sink && sink->output)
        sink->output(sink->opaque, &o);
}

int ly_engine_fire(const ly_program *p, ly_member *m, ly_timer_kind kind, int64_t due, const ly_sink *sink)
{
    ly_ctx c = { p, m, NULL, due, kind, sink, 0, { INT64_MIN, INT64_MIN }, { 0, 0 } };
    m->oom = 0;
    /* Timers find members that have gone quiet: a good moment to drop the
     * day totals and spend months that can no longer matter. */
    forget_old_days(m, due);
    ly_tiers_add_spend(&c, 0, due);
    ly_member_shrink(m);
    switch (kind) {
    case LY_TIMER_EXPIRY:
        ly_lots_expire(&c, due);
        break;
    case LY_TIMER_RELEASE:
        ly_pending_release(&c, due);
        break;
    case LY_TIMER_EXPIRY_NOTICE:
        ly_notices_fire_expiry(&c, due);
        break;
    case LY_TIMER_TIER_NOTICE:
        ly_notices_fire_tier(&c, due);
        break;
    case LY_TIMER_BIRTHDAY:
        ly_birthday_fire(&c, due);
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
    return m->oom ? -1 : 0;
}
