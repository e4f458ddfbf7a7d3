/* PROGRAM.md section 7: point lots, FIFO debits, negative balances, expiry,
 * and the expiry notices a new lot comes with (section 13).
 * A lot's expiry instant is fixed when the lot is created, by the program
 * version of that moment (section 17); lots whose instants coincide expire
 * together (section 18). */
#include "engine_internal.h"
#include "ly_time.h"

/* Lots expire at a month's start; comparing months instead of instants is
 * exact: start(e) <= t exactly when e <= month(t). */
static int32_t lot_expiry_month(const ly_program *p, int32_t month)
{
    return month + p->lot_expiry_months;
}

/* The EXPIRY timer is due at the earliest expiry instant of any lot. */
void ly_lots_schedule(ly_member *m)
{
    const ly_lot *lots = ly_member_lots(m);
    uint32_t n = m->shelf.n[LY_SHELF_LOTS];
    int32_t first = INT32_MAX;
    for (uint32_t i = 0; i < n; i++)
        if (lots[i].expires_month < first)
            first = lots[i].expires_month;
    m->expiry_due = n ? ly_time_month_start(first) : LY_NO_TIMER;
}

static ly_lot *find_lot(ly_member *m, int32_t month)
{
    ly_lot *lots = ly_member_lots(m);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_LOTS]; i++)
        if (lots[i].month == month)
            return &lots[i];
    return NULL;
}

/* Lots are kept sorted by month, oldest first, and never empty. */
static int insert_lot(ly_member *m, int32_t month, int32_t expires_month, int64_t points)
{
    const ly_lot *lots = ly_member_lots(m);
    uint32_t i = m->shelf.n[LY_SHELF_LOTS];
    while (i > 0 && lots[i - 1].month > month)
        i--;
    ly_lot *lot = ly_member_shelf_insert(m, LY_SHELF_LOTS, i, 1);
    if (!lot)
        return -1;
    *lot = (ly_lot){ month, expires_month, points };
    return 0;
}

/* Section 13: notices are fixed at the lot's first credit, with that moment's days; a
 * due time already passed is skipped for good. Lots expiring at the same
 * instant share their notices. */
static void add_expiry_notices(ly_ctx *c, int64_t expires)
{
    ly_member *m = c->m;
    for (size_t d = 0; d < c->p->n_expiry_notices; d++) {
        ly_expiry_notice n = { expires - c->p->expiry_notice_ms[d], expires };
        if (n.due <= c->clock)
            continue;
        ly_member_extra *x = ly_member_extra_make(m);
        if (!x)
            return;
        const ly_expiry_notice *v = x->expiry_notices.v;
        uint32_t i = 0;
        while (i < x->expiry_notices.n && (v[i].due < n.due || (v[i].due == n.due && v[i].expires < n.expires)))
            i++;
        if (i < x->expiry_notices.n && v[i].due == n.due && v[i].expires == n.expires)
            continue;
        if (!LY_MEMBER_PUSH(m, x->expiry_notices))
            return;
        for (uint32_t j = x->expiry_notices.n - 1; j > i; j--)
            x->expiry_notices.v[j] = x->expiry_notices.v[j - 1];
        x->expiry_notices.v[i] = n;
        ly_member_sync_extra_due(m);
    }
}

/* A credit first pays off a negative balance; the rest goes into the lot of
 * its month, or the clock's month when that lot would already have expired. */
void ly_lots_credit(ly_ctx *c, int64_t points, int64_t occurred_at)
{
    ly_member *m = c->m;
    int64_t to_lot = points;
    if (m->balance < 0)
        to_lot -= (-m->balance < points) ? -m->balance : points;
    m->balance = ly_points_add(m->balance, points);
    m->lifetime = ly_points_add(m->lifetime, points);
    if (to_lot <= 0)
        return;
    int32_t month = ly_ctx_month(c, occurred_at);
    ly_lot *lot = find_lot(m, month);
    if (!lot && month + c->p->lot_expiry_months <= ly_ctx_month(c, c->clock)) {
        month = ly_ctx_month(c, c->clock);
        lot = find_lot(m, month);
    }
    if (lot) {
        lot->points = ly_points_add(lot->points, to_lot);
        return;
    }
    int32_t expires_month = lot_expiry_month(c->p, month);
    int64_t expires = ly_time_month_start(expires_month);
    if (insert_lot(m, month, expires_month, to_lot) < 0)
        return;
    if (expires < m->expiry_due)
        m->expiry_due = expires;
    add_expiry_notices(c, expires);
}

/* A debit takes the oldest lots first; what they do not cover goes negative. */
void ly_lots_debit(ly_ctx *c, int64_t points)
{
    ly_member *m = c->m;
    int64_t left = points;
    uint32_t used = 0;
    ly_lot *lots = ly_member_lots(m);
    while (used < m->shelf.n[LY_SHELF_LOTS] && left > 0) {
        ly_lot *l = &lots[used];
        int64_t take = l->points < left ? l->points : left;
        l->points -= take;
        left -= take;
        if (l->points == 0)
            used++;
    }
    ly_member_shelf_remove(m, LY_SHELF_LOTS, 0, used);
    m->balance = ly_points_add(m->balance, -points);
    if (used)
        ly_lots_schedule(m);
}

void ly_lots_expire(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    int64_t expired = 0;
    uint32_t keep = 0;
    int32_t due_month = ly_time_month(due);
    ly_lot *lots = ly_member_lots(m);
    uint32_t n = m->shelf.n[LY_SHELF_LOTS];
    for (uint32_t i = 0; i < n; i++) {
        if (lots[i].expires_month <= due_month)
            expired += lots[i].points;
        else
            lots[keep++] = lots[i];
    }
    ly_member_shelf_remove(m, LY_SHELF_LOTS, keep, n - keep);
    ly_lots_schedule(m);
    if (expired > 0) {
        m->balance = ly_points_add(m->balance, -expired);
        ly_output o = ly_ctx_reward(c, LY_RW_POINTS_EXPIRED, -expired);
        ly_ctx_emit(c, &o);
    }
}

int64_t ly_lots_expiring_at(const ly_member *m, int64_t expires)
{
    int64_t sum = 0;
    const ly_lot *lots = ly_member_lots(m);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_LOTS]; i++)
        if (ly_lot_expires(&lots[i]) == expires)
            sum += lots[i].points;
    return sum;
}

int64_t ly_engine_points_expiring(const ly_program *p, const ly_member *m, int64_t c)
{
    int64_t sum = 0;
    int32_t last = ly_time_month(c + p->expiring_horizon_ms);
    const ly_lot *lots = ly_member_lots(m);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_LOTS]; i++)
        if (lots[i].expires_month <= last)
            sum += lots[i].points;
    return sum;
}
