/* PROGRAM.md section 12: pending points. A purchase under a return window
 * keeps its points on the order until the RELEASE timer moves them into the
 * balance; a refund before that takes them from the order (engine.c). */
#include "engine_internal.h"

static int64_t still_pending(const ly_order *o)
{
    return o->points - (int64_t)((__int128)o->points * o->refunded / o->amount);
}

/* One RELEASE timer per member, due at the earliest release instant. */
void ly_pending_schedule(ly_member *m)
{
    ly_member_extra *x = m->extra;
    if (!x) /* no open order, and no timer */
        return;
    int64_t due = LY_NO_TIMER;
    for (uint32_t i = 0; i < x->orders.n; i++)
        if (x->orders.v[i].release_at != LY_NO_TIME && x->orders.v[i].release_at < due)
            due = x->orders.v[i].release_at;
    x->release_due = due;
    ly_member_sync_extra_due(m);
}

ly_output ly_pending_or_credit(ly_ctx *c, ly_reward_type credited, int64_t pts, int64_t release_at)
{
    ly_output o;
    if (release_at != LY_NO_TIME) {
        o = ly_ctx_reward(c, LY_RW_POINTS_PENDING, pts);
        o.release_at = release_at;
    } else {
        ly_lots_credit(c, pts, c->ev->occurred_at);
        o = ly_ctx_reward(c, credited, pts);
    }
    o.reason = "PURCHASE";
    return o;
}

void ly_pending_release(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    ly_member_extra *x = m->extra; /* the timer was in it */
    int64_t delta = 0;
    for (uint32_t i = 0; x && i < x->orders.n; i++) {
        ly_order *o = &x->orders.v[i];
        if (o->release_at == LY_NO_TIME || o->release_at > due)
            continue;
        delta += still_pending(o);
        o->release_at = LY_NO_TIME;
    }
    ly_pending_schedule(m);
    ly_member_orders_settle(m); /* last: it frees the extra part if that empties it */
    if (delta <= 0)
        return;
    ly_lots_credit(c, delta, due);
    ly_output out = ly_ctx_reward(c, LY_RW_POINTS_RELEASED, delta);
    ly_ctx_emit(c, &out);
    ly_tiers_milestones(c);
}
