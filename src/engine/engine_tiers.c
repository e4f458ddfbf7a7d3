/* PROGRAM.md section 8: qualifying spend, tiers and their review, milestones,
 * referrals and the win-back bonus. */
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"
#include "ly_time.h"

ly_tier ly_engine_tier_for(const ly_program *p, int64_t qualifying)
{
    ly_tier t = LY_TIER_BASIC;
    for (int i = LY_TIER_SILVER; i < LY_TIER_COUNT; i++)
        if (qualifying >= p->tier_threshold[i])
            t = (ly_tier)i;
    return t;
}

static int64_t qualifying_in(const ly_program *p, const ly_member *m, int32_t last);

int64_t ly_engine_qualifying(const ly_program *p, const ly_member *m, int64_t clock)
{
    return qualifying_in(p, m, ly_time_month(clock));
}

/* Net spend lands in the month of the event's own occurred_at; months that can
 * no longer count (the clock never goes back) are dropped. */
void ly_tiers_add_spend(ly_ctx *c, int64_t delta_minor, int64_t occurred_at)
{
    ly_member *m = c->m;
    int32_t month = ly_ctx_month(c, occurred_at);
    int32_t oldest = ly_ctx_month(c, c->clock) - c->p->qualifying_months + 1;
    uint32_t keep = 0, n = m->shelf.n[LY_SHELF_SPEND];
    ly_spend *spend = ly_member_spend(m);
    for (uint32_t i = 0; i < n; i++)
        if (spend[i].month >= oldest)
            spend[keep++] = spend[i];
    if (keep < n)
        ly_member_shelf_remove(m, LY_SHELF_SPEND, keep, n - keep);
    if (month < oldest || delta_minor == 0)
        return;
    spend = ly_member_spend(m);
    for (uint32_t i = 0; i < keep; i++) {
        if (spend[i].month == month) {
            spend[i].net_minor += delta_minor;
            return;
        }
    }
    ly_spend *s = ly_member_shelf_push(m, LY_SHELF_SPEND);
    if (s)
        *s = (ly_spend){ month, delta_minor };
}

/* Section 13, called whenever the review moves or is dropped: its notices follow it. */
static void schedule_tier_notices(ly_ctx *c)
{
    ly_member *m = c->m;
    int64_t review = m->tier_review_due;
    if (m->extra)
        m->extra->tier_notices.n = 0;
    for (size_t d = 0; review != LY_NO_TIMER && d < c->p->n_tier_notices; d++) {
        int64_t due = review - c->p->tier_notice_ms[d];
        if (due <= c->clock)
            continue;
        ly_member_extra *x = ly_member_extra_make(m);
        if (!x)
            break;
        uint32_t i = 0;
        while (i < x->tier_notices.n && x->tier_notices.v[i] < due)
            i++;
        if (i < x->tier_notices.n && x->tier_notices.v[i] == due)
            continue;
        if (!LY_MEMBER_PUSH(m, x->tier_notices))
            break;
        for (uint32_t j = x->tier_notices.n - 1; j > i; j--)
            x->tier_notices.v[j] = x->tier_notices.v[j - 1];
        x->tier_notices.v[i] = due;
    }
    ly_member_sync_extra_due(m);
}

static void set_tier(ly_ctx *c, ly_tier to, int64_t since, ly_reward_type why)
{
    ly_member *m = c->m;
    ly_tier from = (ly_tier)m->tier;
    m->tier = (uint8_t)to;
    m->tier_since = since;
    m->tier_review_due = to == LY_TIER_BASIC ? LY_NO_TIMER : since + c->p->tier_review_ms;
    schedule_tier_notices(c);
    ly_output o = ly_ctx_reward(c, why, 0);
    o.old_tier = from;
    o.new_tier = to;
    ly_ctx_emit(c, &o);
}

/* Upgrades happen at once after a PURCHASE; levels may be skipped. */
static int64_t qualifying_in(const ly_program *p, const ly_member *m, int32_t last)
{
    int32_t first = last - p->qualifying_months + 1;
    int64_t q = 0;
    const ly_spend *spend = ly_member_spend(m);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_SPEND]; i++)
        if (spend[i].month >= first && spend[i].month <= last)
            q += spend[i].net_minor;
    return q;
}

void ly_tiers_after_purchase(ly_ctx *c)
{
    ly_tier t = ly_engine_tier_for(c->p, qualifying_in(c->p, c->m, ly_ctx_month(c, c->clock)));
    if (t > c->m->tier)
        set_tier(c, t, c->ev->occurred_at, LY_RW_TIER_UPGRADE);
}

/* At review a tier is kept while Q holds it; otherwise the member lands on the
 * higher of tier(Q) and one level down. */
ly_tier ly_tiers_review_outcome(const ly_program *p, ly_tier tier, int64_t q)
{
    if (tier == LY_TIER_BASIC || q >= p->tier_threshold[tier])
        return tier;
    ly_tier soft = (ly_tier)(tier - 1), by_q = ly_engine_tier_for(p, q);
    return by_q > soft ? by_q : soft;
}

void ly_tiers_review(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    int64_t q = ly_engine_qualifying(c->p, m, due);
    ly_tier to = ly_tiers_review_outcome(c->p, (ly_tier)m->tier, q);
    if (to != m->tier) {
        set_tier(c, to, due, LY_RW_TIER_DOWNGRADE);
        return;
    }
    m->tier_review_due = m->tier == LY_TIER_BASIC ? LY_NO_TIMER : due + c->p->tier_review_ms;
    schedule_tier_notices(c);
}

/* Checked once after all the credits of an event, ascending, once ever each. */
void ly_tiers_milestones(ly_ctx *c)
{
    ly_member *m = c->m;
    size_t first = 0; /* the lowest milestone not reached yet */
    while (first < c->p->n_milestones && (m->milestones & (1u << first)))
        first++;
    if (first == c->p->n_milestones || m->lifetime < c->p->milestones[first])
        return;
    for (size_t i = first; i < c->p->n_milestones; i++) {
        if ((m->milestones & (1u << i)) || m->lifetime < c->p->milestones[i])
            continue;
        m->milestones |= (uint16_t)(1u << i);
        ly_output o = ly_ctx_reward(c, LY_RW_MILESTONE_REWARD, 0);
        o.milestone = c->p->milestones[i];
        ly_ctx_emit(c, &o);
    }
}

void ly_winback_on_purchase(ly_ctx *c)
{
    ly_member *m = c->m;
    int64_t at = c->ev->occurred_at;
    if (m->high_alert_at == LY_NO_TIME || at < m->high_alert_at ||
        at > m->high_alert_at + c->p->winback_window_ms || c->p->winback_bonus <= 0)
        return;
    ly_lots_credit(c, c->p->winback_bonus, at);
    ly_output o = ly_ctx_reward(c, LY_RW_WIN_BACK_BONUS, c->p->winback_bonus);
    ly_ctx_emit(c, &o);
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* The referred member F keeps one referral: the earliest by (occurred_at, R). */
void ly_referral_on_notice(ly_ctx *c)
{
    ly_member *m = c->m;
    const ly_event *ev = c->ev;
    if (m->referral_granted)
        return;
    const ly_member_extra *kept = ly_member_extra_of(m);
    if (kept->referrer &&
        (ev->occurred_at > kept->referral_at ||
         (ev->occurred_at == kept->referral_at && strcmp(ev->referred_member_id, kept->referrer) >= 0)))
        return;
    ly_member_extra *x = ly_member_extra_make(m);
    char *r = x ? dup_string(ev->referred_member_id) : NULL;
    if (!r) {
        m->oom = 1;
        return;
    }
    free(x->referrer);
    x->referrer = r;
    x->referral_at = ev->occurred_at;
    ly_referral_check(c);
}

/* F's earliest purchase so far, the first purchase (ties keep the first
 * processed): its id is kept until the bonus is paid. */
void ly_referral_on_purchase(ly_ctx *c, int earliest)
{
    ly_member *m = c->m;
    if (m->referral_granted)
        return;
    uint32_t had = m->shelf.n[LY_SHELF_EARLIEST_PURCHASE];
    if (!had || earliest) {
        /* The new id goes after the old, which goes only once it is in:
         * without memory the old one stays (and m->oom says so). */
        size_t len = strlen(c->ev->event_id);
        char *id = ly_member_shelf_insert(m, LY_SHELF_EARLIEST_PURCHASE, had, (uint32_t)len);
        if (!id)
            return;
        memcpy(id, c->ev->event_id, len);
        ly_member_shelf_remove(m, LY_SHELF_EARLIEST_PURCHASE, 0, had);
    }
    ly_referral_check(c);
}

/* Granted at the first moment F has a referral and a purchase, and F's
 * earliest purchase comes after the referral. The bonus record goes to R. */
void ly_referral_check(ly_ctx *c)
{
    ly_member *m = c->m;
    const ly_member_extra *x = ly_member_extra_of(m);
    uint32_t earliest_len = m->shelf.n[LY_SHELF_EARLIEST_PURCHASE];
    if (m->referral_granted || !x->referrer || !earliest_len || m->first_purchase <= x->referral_at)
        return;
    char id[LY_RECORD_ID_MAX + 1];
    snprintf(id, sizeof id, "%.*s#%s", (int)earliest_len, ly_member_earliest_purchase_id(m), x->referrer);
    ly_event grant = {0};
    grant.type = LY_EV_REFERRAL_GRANT;
    grant.source = LY_SRC_INTERNAL;
    grant.occurred_at = m->first_purchase;
    grant.event_id = id;
    grant.member_id = x->referrer;
    grant.referred_member_id = ly_member_id(m);
    m->referral_granted = 1;
    if (c->sink && c->sink->internal)
        c->sink->internal(c->sink->opaque, &grant);
    ly_member_shelf_remove(m, LY_SHELF_EARLIEST_PURCHASE, 0, earliest_len);
    /* Section 11: F's own bonus, at the moment R's is sent. */
    int64_t bonus = c->p->referred_bonus;
    if (bonus > 0 && m->exists) {
        ly_lots_credit(c, bonus, ly_ctx_time(c));
        ly_output o = ly_ctx_reward(c, LY_RW_REFERRED_BONUS, bonus);
        o.referrer_member_id = x->referrer;
        ly_ctx_emit(c, &o);
    }
}

/* A bonus record can reach R twice (delivered in-process, then read back
 * from the internal topic, or replayed after a crash): R remembers whom it
 * was paid for, so the second is a no-op. */
void ly_referral_on_grant(ly_ctx *c)
{
    ly_member *m = c->m;
    uint64_t key = ly_member_key(c->ev->referred_member_id);
    const ly_member_extra *kept = ly_member_extra_of(m);
    for (uint32_t i = 0; i < kept->referred.n; i++)
        if (kept->referred.v[i] == key)
            return;
    ly_member_extra *x = ly_member_extra_make(m);
    uint64_t *k = x ? LY_MEMBER_PUSH(m, x->referred) : NULL;
    if (!k)
        return;
    *k = key;
    int64_t bonus = c->p->referral_bonus;
    if (bonus > 0) {
        ly_lots_credit(c, bonus, c->ev->occurred_at);
        ly_output o = ly_ctx_reward(c, LY_RW_REFERRAL_BONUS, bonus);
        o.referred_member_id = c->ev->referred_member_id;
        ly_ctx_emit(c, &o);
    }
    ly_tiers_milestones(c);
}
