/* PROGRAM.md section 9: inactivity and sentiment risk, episodes, churn alerts
 * and the BG/NBD probability alive. */
#include <math.h>
#include "engine_internal.h"
#include "ly_gammagamma.h"
#include "ly_time.h"

static int64_t reference_time(const ly_member *m)
{
    return m->purchase_count ? m->last_purchase : m->first_seen;
}

double ly_engine_expected_gap(const ly_program *p, const ly_member *m)
{
    if (m->purchase_count < p->gap_min_purchases)
        return p->default_gap_days;
    return (double)(m->last_purchase - m->first_purchase) / (double)(m->purchase_count - 1) /
           (double)LY_DAY_MS;
}

int64_t ly_engine_inactivity_at(const ly_program *p, const ly_member *m, ly_risk level)
{
    double g = ly_engine_expected_gap(p, m);
    double days = level == LY_RISK_HIGH ? fmax(p->high_min_days, p->high_gap_factor * g)
                                        : fmax(p->medium_min_days, p->medium_gap_factor * g);
    return reference_time(m) + (int64_t)ceil(days * (double)LY_DAY_MS);
}

/* Fader, Hardie & Lee (2005), eq. for P(alive | x, t_x, T), time in weeks. */
double ly_engine_p_alive(const ly_program *p, const ly_member *m, int64_t c)
{
    if (m->purchase_count < 2)
        return 1.0;
    double x = (double)(m->purchase_count - 1);
    double t_x = (double)(m->last_purchase - m->first_purchase) / (double)LY_WEEK_MS;
    double T = (double)(c - m->first_purchase) / (double)LY_WEEK_MS;
    double odds = p->bg_a / (p->bg_b + x - 1.0) *
                  pow((p->bg_alpha + T) / (p->bg_alpha + t_x), p->bg_r + x);
    return 1.0 / (1.0 + odds);
}

static double mean_repeat_value(const ly_member *m)
{
    if (m->purchase_count < 2)
        return 0.0;
    return (double)(m->purchases_minor - m->first_purchase_minor) / 100.0 / (double)(m->purchase_count - 1);
}

double ly_engine_expected_spend(const ly_program *p, const ly_member *m)
{
    if (p->gg_p <= 0)
        return NAN;
    ly_gg_params gg = { p->gg_p, p->gg_q, p->gg_gamma };
    int64_t x = m->purchase_count > 0 ? m->purchase_count - 1 : 0;
    return ly_gg_expected_spend(&gg, x, mean_repeat_value(m));
}

double ly_engine_clv(const ly_program *p, const ly_member *m, int64_t c)
{
    if (p->gg_p <= 0)
        return NAN;
    ly_bgnbd_params bg = { p->bg_r, p->bg_alpha, p->bg_a, p->bg_b };
    ly_gg_params gg = { p->gg_p, p->gg_q, p->gg_gamma };
    int64_t x = m->purchase_count > 0 ? m->purchase_count - 1 : 0;
    int64_t first = m->purchase_count > 0 ? m->first_purchase : m->first_seen;
    double t_x = m->purchase_count > 1 ? (double)(m->last_purchase - m->first_purchase) / (double)LY_WEEK_MS : 0.0;
    double T = (double)(c - first) / (double)LY_WEEK_MS;
    return ly_clv(&bg, &gg, x, t_x, T, mean_repeat_value(m), p->clv_months, p->clv_monthly_discount);
}

/* The CHURN timer is due when inactivity reaches its next level. */
void ly_churn_schedule(const ly_program *p, ly_member *m)
{
    if (m->inactivity >= LY_RISK_HIGH)
        m->churn_due = LY_NO_TIMER;
    else
        m->churn_due =
            ly_engine_inactivity_at(p, m, m->inactivity == LY_RISK_NONE ? LY_RISK_MEDIUM : LY_RISK_HIGH);
}

static ly_risk sentiment_level(const ly_program *p, const ly_member *m)
{
    return m->has_sentiment && m->sentiment <= p->sentiment_threshold ? LY_RISK_MEDIUM : LY_RISK_NONE;
}

/* A program option (off in the reference program): a low probability alive
 * is a risk of its own, evaluated where the other signals are. */
static ly_risk p_alive_level(const ly_program *p, double p_alive)
{
    if (p->p_alive_high > 0 && p_alive < p->p_alive_high)
        return LY_RISK_HIGH;
    if (p->p_alive_medium > 0 && p_alive < p->p_alive_medium)
        return LY_RISK_MEDIUM;
    return LY_RISK_NONE;
}

/* One alert each time the risk rises above the highest level alerted in the
 * episode; values are computed at clock c. */
static void maybe_alert(ly_ctx *c, int64_t at)
{
    const ly_program *p = c->p;
    ly_member *m = c->m;
    ly_risk sent = sentiment_level(p, m);
    double p_alive = ly_engine_p_alive(p, m, c->clock);
    ly_risk alive = p_alive_level(p, p_alive);
    ly_risk risk = (ly_risk)m->inactivity > sent ? (ly_risk)m->inactivity : sent;
    if (alive > risk)
        risk = alive;
    if (risk <= m->alerted)
        return;
    m->alerted = (uint8_t)risk;
    if (risk == LY_RISK_HIGH)
        m->high_alert_at = at;
    ly_output o = ly_ctx_reward(c, LY_RW_COUNT, 0);
    o.topic = LY_TOPIC_CHURN;
    o.risk = risk;
    o.reasons = (m->inactivity > LY_RISK_NONE ? LY_REASON_INACTIVITY : 0) |
                (sent > LY_RISK_NONE ? LY_REASON_NEGATIVE_SENTIMENT : 0) |
                (alive > LY_RISK_NONE ? LY_REASON_LOW_P_ALIVE : 0);
    o.days_since_last_purchase = (double)(c->clock - reference_time(m)) / (double)LY_DAY_MS;
    o.expected_gap_days = ly_engine_expected_gap(p, m);
    o.p_alive = p_alive;
    o.points_expiring = ly_engine_points_expiring(p, m, c->clock);
    o.clv = ly_engine_clv(p, m, c->clock); /* NAN: no value model, no field */
    o.action = o.points_expiring > 0 ? LY_ACTION_POINTS_EXPIRY_REMINDER
             : risk == LY_RISK_HIGH  ? LY_ACTION_WIN_BACK_OFFER
                                     : LY_ACTION_ENGAGEMENT_NUDGE;
    ly_ctx_emit(c, &o);
}

void ly_churn_fire(ly_ctx *c, int64_t due)
{
    ly_member *m = c->m;
    ly_risk level = due >= ly_engine_inactivity_at(c->p, m, LY_RISK_HIGH)     ? LY_RISK_HIGH
                  : due >= ly_engine_inactivity_at(c->p, m, LY_RISK_MEDIUM) ? LY_RISK_MEDIUM
                                                                            : LY_RISK_NONE;
    if (level > m->inactivity)
        m->inactivity = (uint8_t)level;
    ly_churn_schedule(c->p, m);
    maybe_alert(c, due);
}

void ly_churn_before_purchase(const ly_ctx *c, ly_churn_before *b)
{
    const ly_member *m = c->m;
    b->last_purchase = m->purchase_count ? m->last_purchase : LY_NO_TIME;
    b->reference = reference_time(m);
    b->gap = ly_engine_expected_gap(c->p, m);
    b->inactivity = m->inactivity;
}

/* A purchase not older than the previous last purchase ends the episode. The
 * timer moves only when L, g or the inactivity level changed (section 18):
 * a late purchase that changes none of them leaves it where a previous
 * version put it. */
void ly_churn_on_purchase(ly_ctx *c, const ly_churn_before *b)
{
    ly_member *m = c->m;
    if (b->last_purchase == LY_NO_TIME || c->ev->occurred_at >= b->last_purchase) {
        m->inactivity = LY_RISK_NONE;
        m->alerted = LY_RISK_NONE;
        m->high_alert_at = LY_NO_TIME;
    }
    if (reference_time(m) != b->reference || ly_engine_expected_gap(c->p, m) != b->gap ||
        m->inactivity != b->inactivity)
        ly_churn_schedule(c->p, m);
}

void ly_churn_on_mention(ly_ctx *c, double x)
{
    ly_member *m = c->m;
    m->sentiment = m->has_sentiment ? c->p->sentiment_keep * m->sentiment + c->p->sentiment_weight * x : x;
    m->has_sentiment = 1;
    maybe_alert(c, c->ev->occurred_at);
}
