/* PROGRAM.md sections 13 (expiry and tier review notices) and 14 (birthdays):
 * the timers that look ahead of a date. Notices move no points; a birthday
 * pays once per UTC year. */
#include "engine_internal.h"
#include "ly_time.h"

ly_output ly_ctx_notice(ly_ctx *c, ly_notice_type type)
{
    ly_output o = ly_ctx_reward(c, LY_RW_COUNT, 0);
    o.topic = LY_TOPIC_NOTICES;
    o.notice = type;
    return o;
}

static void schedule_expiry_notices(ly_member *m)
{
    m->due[LY_TIMER_EXPIRY_NOTICE] = m->expiry_notices.n ? m->expiry_notices.v[0].due : LY_NO_TIMER;
}

/* Notices are fixed at the lot's first credit, with that moment's days; a
 * due time already passed is skipped for good. Lots expiring at the same
 * instant share their notices. */
void ly_notices_on_new_lot(ly_ctx *c, int64_t expires)
{
    ly_member *m = c->m;
    for (size_t d = 0; d < c->p->n_expiry_notices; d++) {
        ly_expiry_notice n = { expires - c->p->expiry_notice_ms[d], expires };
        if (n.due <= c->clock)
            continue;
        uint32_t i = 0;
        while (i < m->expiry_notices.n && (m->expiry_notices.v[i].due < n.due ||
                                           (m->expiry_notices.v[i].due == n.due && m->expiry_notices.v[i].expires < n.expires)))
            i++;
        if (i < m->expiry_notices.n && m->expiry_notices.v[i].due == n.due && m->expiry_notices.v[i].expires == n.expires)
            continue;
        if (!LY_MEMBER_PUSH(m, m->expiry_notices))
            return;
        for (uint32_t j = m->expiry_notices.n - 1; j > i; j--)
            m->expiry_notices.v[j] = m->expiry_notices.v[j - 1];
        m->expiry_notices.v[i] = n;
    }
    schedule_expiry_notices(m);
}

void ly_notices_fire_expiry(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    uint32_t done = 0;
    while (done < m->expiry_notices.n && m->expiry_notices.v[done].due <= due) {
        int64_t expires = m->expiry_notices.v[done++].expires;
        int64_t points = ly_lots_expiring_at(m, expires);
        if (points <= 0)
            continue;
        ly_output o = ly_ctx_notice(c, LY_NOTICE_POINTS_EXPIRY);
        o.notice_points = points;
        o.expires_at = expires;
        ly_ctx_emit(c, &o);
    }
    for (uint32_t i = done; i < m->expiry_notices.n; i++)
        m->expiry_notices.v[i - done] = m->expiry_notices.v[i];
    m->expiry_notices.n -= done;
    schedule_expiry_notices(m);
}

/* Called whenever the review moves or is dropped: its notices follow it. */
void ly_notices_on_review(ly_ctx *c)
{
    ly_member *m = c->m;
    int64_t review = m->due[LY_TIMER_TIER_REVIEW];
    m->tier_notices.n = 0;
    for (size_t d = 0; review != LY_NO_TIMER && d < c->p->n_tier_notices; d++) {
        int64_t due = review - c->p->tier_notice_ms[d];
        if (due <= c->clock)
            continue;
        uint32_t i = 0;
        while (i < m->tier_notices.n && m->tier_notices.v[i] < due)
            i++;
        if (i < m->tier_notices.n && m->tier_notices.v[i] == due)
            continue;
        if (!LY_MEMBER_PUSH(m, m->tier_notices))
            break;
        for (uint32_t j = m->tier_notices.n - 1; j > i; j--)
            m->tier_notices.v[j] = m->tier_notices.v[j - 1];
        m->tier_notices.v[i] = due;
    }
    m->due[LY_TIMER_TIER_NOTICE] = m->tier_notices.n ? m->tier_notices.v[0] : LY_NO_TIMER;
}

/* Evaluated with the version and the spend at its due time. */
void ly_notices_fire_tier(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    uint32_t done = 0;
    while (done < m->tier_notices.n && m->tier_notices.v[done] <= due)
        done++;
    for (uint32_t i = done; i < m->tier_notices.n; i++)
        m->tier_notices.v[i - done] = m->tier_notices.v[i];
    m->tier_notices.n -= done;
    m->due[LY_TIMER_TIER_NOTICE] = m->tier_notices.n ? m->tier_notices.v[0] : LY_NO_TIMER;
    if (m->tier == LY_TIER_BASIC || m->due[LY_TIMER_TIER_REVIEW] == LY_NO_TIMER)
        return;
    int64_t q = ly_engine_qualifying(c->p, m, due), threshold = c->p->tier_threshold[m->tier];
    if (q >= threshold)
        return;
    ly_output o = ly_ctx_notice(c, LY_NOTICE_TIER_REVIEW);
    o.review_at = m->due[LY_TIMER_TIER_REVIEW];
    o.spend_needed_minor = threshold - q;
    o.next_tier = ly_tiers_review_outcome(c->p, (ly_tier)m->tier, q);
    ly_ctx_emit(c, &o);
}

void ly_birthday_set(ly_ctx *c, int mmdd)
{
    c->m->birthday = (int16_t)mmdd;
    c->m->due[LY_TIMER_BIRTHDAY] = ly_time_next_anniversary(mmdd, c->clock);
}

void ly_birthday_fire(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    m->due[LY_TIMER_BIRTHDAY] = ly_time_next_anniversary(m->birthday, due);
    int32_t year = ly_time_year(due);
    int64_t points = c->p->birthday_points[m->tier];
    if (m->birthday_paid_year == year || points <= 0)
        return;
    m->birthday_paid_year = (int16_t)year;
    ly_lots_credit(c, points, due);
    ly_output o = ly_ctx_reward(c, LY_RW_BIRTHDAY_BONUS, points);
    ly_ctx_emit(c, &o);
    ly_tiers_milestones(c);
}
