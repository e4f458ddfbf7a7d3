/* PROGRAM.md section 7: point lots, FIFO debits, negative balances, expiry. */
#include "engine_internal.h"
#include "ly_time.h"

static int64_t lot_expiry(const ly_program *p, int32_t month)
{
    return ly_time_month_start(month + p->lot_expiry_months);
}

/* Lots are kept sorted by month, oldest first, and never empty. */
static void lot_add(ly_member *m, int32_t month, int64_t points)
{
    uint32_t i = 0;
    while (i < m->lots.n && m->lots.v[i].month < month)
        i++;
    if (i < m->lots.n && m->lots.v[i].month == month) {
        m->lots.v[i].points += points;
        return;
    }
    if (!LY_VEC_PUSH(m->lots))
        return;
    for (uint32_t j = m->lots.n - 1; j > i; j--)
        m->lots.v[j] = m->lots.v[j - 1];
    m->lots.v[i] = (ly_lot){ month, points };
}

void ly_lots_schedule(const ly_program *p, ly_member *m)
{
    m->due[LY_TIMER_EXPIRY] = m->lots.n ? lot_expiry(p, m->lots.v[0].month) : LY_NO_TIMER;
}

/* A credit first pays off a negative balance; the rest goes into the lot of
 * its month, or the clock's month when that lot has already expired. */
void ly_lots_credit(ly_ctx *c, int64_t points, int64_t occurred_at)
{
    ly_member *m = c->m;
    int64_t to_lot = points;
    if (m->balance < 0)
        to_lot -= (-m->balance < points) ? -m->balance : points;
    m->balance += points;
    m->lifetime += points;
    if (to_lot <= 0)
        return;
    int32_t month = ly_ctx_month(c, occurred_at);
    /* The lot of month m has expired once the clock's month reaches m + expiry. */
    if (month + c->p->lot_expiry_months <= ly_ctx_month(c, c->clock))
        month = ly_ctx_month(c, c->clock);
    int first_changes = m->lots.n == 0 || month < m->lots.v[0].month;
    lot_add(m, month, to_lot);
    if (first_changes)
        ly_lots_schedule(c->p, m);
}

/* A debit takes the oldest lots first; what they do not cover goes negative. */
void ly_lots_debit(ly_ctx *c, int64_t points)
{
    ly_member *m = c->m;
    int64_t left = points;
    uint32_t used = 0;
    while (used < m->lots.n && left > 0) {
        ly_lot *l = &m->lots.v[used];
        int64_t take = l->points < left ? l->points : left;
        l->points -= take;
        left -= take;
        if (l->points == 0)
            used++;
    }
    for (uint32_t i = used; i < m->lots.n; i++)
        m->lots.v[i - used] = m->lots.v[i];
    m->lots.n -= used;
    m->balance -= points;
    if (used)
        ly_lots_schedule(c->p, m);
}

void ly_lots_expire(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    int64_t expired = 0;
    uint32_t gone = 0;
    while (gone < m->lots.n && lot_expiry(c->p, m->lots.v[gone].month) <= due)
        expired += m->lots.v[gone++].points;
    for (uint32_t i = gone; i < m->lots.n; i++)
        m->lots.v[i - gone] = m->lots.v[i];
    m->lots.n -= gone;
    ly_lots_schedule(c->p, m);
    if (expired > 0) {
        m->balance -= expired;
        ly_output o = ly_ctx_reward(c, LY_RW_POINTS_EXPIRED, -expired);
        ly_ctx_emit(c, &o);
    }
}

int64_t ly_engine_points_expiring(const ly_program *p, const ly_member *m, int64_t c)
{
    int64_t sum = 0;
    for (uint32_t i = 0; i < m->lots.n; i++)
        if (lot_expiry(p, m->lots.v[i].month) <= c + p->expiring_horizon_ms)
            sum += m->lots.v[i].points;
    return sum;
}
