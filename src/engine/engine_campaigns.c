/* PROGRAM.md section 11: campaigns. Each qualifying campaign pays its own
 * points on top of the purchase's, in program-file order (they stack),
 * within the member's caps. */
#include "engine_internal.h"
#include "ly_time.h"

static int listed(const ly_program *p, int16_t list, uint64_t key)
{
    const ly_name_list *l = &p->lists[list];
    for (uint8_t i = 0; i < l->n; i++)
        if (l->key[i] == key)
            return 1;
    return 0;
}

static int conditions_hold(const ly_ctx *c, const ly_campaign *k, ly_tier tier)
{
    const ly_event *ev = c->ev;
    if (ev->occurred_at < k->start_ms || ev->occurred_at >= k->end_ms)
        return 0;
    if (k->tiers && !(k->tiers & (1u << tier)))
        return 0;
    if (k->days_of_week && !(k->days_of_week & (1u << (ly_time_weekday(ev->occurred_at) - 1))))
        return 0;
    if (k->has_min_amount && ev->amount_minor < k->min_amount_minor)
        return 0;
    if (k->channels >= 0 && (!ev->channel || !listed(c->p, k->channels, ly_name_key(ev->channel))))
        return 0;
    return 1;
}

/* The matched amount S: the whole order, or the lines the campaign names. */
static int64_t matched_amount(const ly_program *p, const ly_campaign *k, const ly_event *ev)
{
    if (k->categories < 0 && k->skus < 0)
        return ev->amount_minor;
    int64_t s = 0;
    for (uint32_t i = 0; i < ev->n_lines; i++) {
        const ly_line *l = &ev->lines[i];
        if ((k->categories >= 0 && l->category && listed(p, k->categories, l->category_key)) ||
            (k->skus >= 0 && listed(p, k->skus, l->sku_key)))
            s += l->amount_minor;
    }
    return s;
}

static ly_campaign_use *use_of(ly_member *m, uint64_t key, int create)
{
    ly_member_extra *x = m->extra;
    for (uint32_t i = 0; x && i < x->campaigns.n; i++)
        if (x->campaigns.v[i].key == key)
            return &x->campaigns.v[i];
    if (!create || !(x = ly_member_extra_make(m)))
        return NULL;
    ly_campaign_use *u = LY_MEMBER_PUSH(m, x->campaigns);
    if (u)
        *u = (ly_campaign_use){ key, 0, 0 };
    return u;
}

/* Points before the caps: floor(S * rate * tier_bp * (mult - 1) / ...) + bonus. */
static int64_t raw_points(const ly_program *p, const ly_campaign *k, int64_t s, ly_tier tier)
{
    __int128 num = (__int128)s * p->earn_rate_bp * p->tier_multiplier_bp[tier] * (k->multiplier_bp - 10000);
    return (int64_t)(num / ((__int128)100 * 10000 * 10000 * 10000)) + k->bonus_points;
}

/* Caps count what was given: the points left under max_points_per_member,
 * nothing once max_uses_per_member bonuses were paid. */
static int64_t capped(const ly_campaign *k, const ly_campaign_use *u, int64_t pts)
{
    if (!u)
        return pts;
    if (u->uses >= k->max_uses_per_member)
        return 0;
    if (k->max_points_per_member != LY_NO_CAP && pts > k->max_points_per_member - u->points)
        pts = k->max_points_per_member - u->points;
    return pts;
}

static void emit(ly_ctx *c, const ly_campaign *k, int64_t pts, int64_t release_at)
{
    ly_output o = ly_pending_or_credit(c, LY_RW_CAMPAIGN_BONUS, pts, release_at);
    o.campaign_id = k->id;
    ly_ctx_emit(c, &o);
}

int64_t ly_campaigns_apply(ly_ctx *c, ly_tier tier, int64_t release_at)
{
    int64_t total = 0;
    for (size_t i = 0; i < c->p->n_campaigns; i++) {
        const ly_campaign *k = &c->p->campaigns[i];
        if (!conditions_hold(c, k, tier))
            continue;
        int64_t s = matched_amount(c->p, k, c->ev);
        if (s <= 0)
            continue;
        int64_t pts = capped(k, use_of(c->m, k->key, 0), raw_points(c->p, k, s, tier));
        if (pts <= 0)
            continue;
        ly_campaign_use *u = use_of(c->m, k->key, 1);
        if (!u)
            continue;
        u->points += pts;
        u->uses++;
        total += pts;
        emit(c, k, pts, release_at);
    }
    return total;
}
