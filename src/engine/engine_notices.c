/* PROGRAM.md sections 13 (expiry and tier review notices) and 14 (birthdays):
 * the timers that look ahead of a date. Notices move no points; a birthday
 * pays once per UTC year. */
#include "engine_internal.h"
#include "ly_time.h"

void ly_notices_fire_expiry(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    const ly_member_extra *x = ly_member_extra_of(m);
    uint32_t done = 0;
    while (done < x->expiry_notices.n && x->expiry_notices.v[done].due <= due) {
        int64_t expires = x->expiry_notices.v[done++].expires;
        int64_t points = ly_lots_expiring_at(m, expires);
        if (points <= 0)
            continue;
        ly_output o = ly_ctx_notice(c, LY_NOTICE_POINTS_EXPIRY);
        o.notice_points = points;
        o.expires_at = expires;
        ly_ctx_emit(c, &o);
    }
    if (done) /* then the member has its extra part */
        LY_VEC_DROP_FRONT(m->extra->expiry_notices, done);
    ly_member_sync_extra_due(m);
}

/* Evaluated with the version and the spend at its due time. */
void ly_notices_fire_tier(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    const ly_member_extra *x = ly_member_extra_of(m);
    uint32_t done = 0;
    while (done < x->tier_notices.n && x->tier_notices.v[done] <= due)
        done++;
    if (done) /* then the member has its extra part */
        LY_VEC_DROP_FRONT(m->extra->tier_notices, done);
    ly_member_sync_extra_due(m);
    if (m->tier == LY_TIER_BASIC || m->tier_review_due == LY_NO_TIMER)
        return;
    int64_t q = ly_engine_qualifying(c->p, m, due), threshold = c->p->tier_threshold[m->tier];
    if (q >= threshold)
        return;
    ly_output o = ly_ctx_notice(c, LY_NOTICE_TIER_REVIEW);
    o.review_at = m->tier_review_due;
    o.spend_needed_minor = threshold - q;
    o.next_tier = ly_tiers_review_outcome(c->p, (ly_tier)m->tier, q);
    ly_ctx_emit(c, &o);
}

void ly_birthday_set(ly_ctx *c, int mmdd)
{
    c->m->birthday = (int16_t)mmdd;
    ly_member_extra *x = ly_member_extra_make(c->m); /* NULL: c->m->oom says so */
    if (x)
        x->birthday_due = ly_time_next_anniversary(mmdd, c->clock);
    ly_member_sync_extra_due(c->m);
}

void ly_birthday_fire(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    m->extra->birthday_due = ly_time_next_anniversary(m->birthday, due); /* the timer was in extra */
    ly_member_sync_extra_due(m);
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
