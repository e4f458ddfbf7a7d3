/* The program key table: one row per key of a program file. Parsing,
 * validation, the written program and docs/program-keys.md all come from it. */
#include <string.h>
#include <stddef.h>
#include "program_table.h"
#include "ly_time.h"

#define DAYS LY_DAY_MS
#define HOURS 3600000LL
#define OFF(f) offsetof(ly_program, f)
#define ENG(T, what) \
    { "engagement.points." #T, LY_PK_INT, OFF(engagement_points[LY_EV_##T]), 0, 1000000000, 1, \
      "points for one " #T " event" what }

const ly_program_key ly_program_keys[] = {
    { "currency", LY_PK_CURRENCY, OFF(currency), 0, 0, 1,
      "ISO 4217 code; events in another currency are dead-lettered (currency_mismatch)" },
    { "welcome_bonus", LY_PK_INT, OFF(welcome_bonus), 0, 1000000000000LL, 1,
      "points credited on a member's first applied event, before its own effect" },
    { "earning.rate_bp", LY_PK_INT, OFF(earn_rate_bp), 0, 100000000, 1,
      "points per 1.00 of currency on a PURCHASE, in basis points (10000 = 1 point)" },
    { "earning.dedupe_window_hours", LY_PK_INT, OFF(dedupe_window_ms), 0, 24 * 365, HOURS,
      "a repeated event_id within this many hours of the clock at its application is dropped" },
    { "earning.pending_days", LY_PK_INT, OFF(pending_ms), 0, 3650, DAYS,
      "return window: a purchase's points (and its campaign points) stay pending this many days; 0: off" },
    { "tiers.BASIC.multiplier_bp", LY_PK_INT, OFF(tier_multiplier_bp[LY_TIER_BASIC]), 1, 1000000, 1,
      "earning multiplier of BASIC, basis points" },
    { "tiers.SILVER.threshold_minor", LY_PK_INT, OFF(tier_threshold[LY_TIER_SILVER]), 1, 1000000000000000LL, 1,
      "qualifying spend (minor units) for SILVER" },
    { "tiers.SILVER.multiplier_bp", LY_PK_INT, OFF(tier_multiplier_bp[LY_TIER_SILVER]), 1, 1000000, 1,
      "earning multiplier of SILVER, basis points" },
    { "tiers.GOLD.threshold_minor", LY_PK_INT, OFF(tier_threshold[LY_TIER_GOLD]), 1, 1000000000000000LL, 1,
      "qualifying spend (minor units) for GOLD" },
    { "tiers.GOLD.multiplier_bp", LY_PK_INT, OFF(tier_multiplier_bp[LY_TIER_GOLD]), 1, 1000000, 1,
      "earning multiplier of GOLD, basis points" },
    { "tiers.DIAMOND.threshold_minor", LY_PK_INT, OFF(tier_threshold[LY_TIER_DIAMOND]), 1, 1000000000000000LL, 1,
      "qualifying spend (minor units) for DIAMOND" },
    { "tiers.DIAMOND.multiplier_bp", LY_PK_INT, OFF(tier_multiplier_bp[LY_TIER_DIAMOND]), 1, 1000000, 1,
      "earning multiplier of DIAMOND, basis points" },
    { "tiers.qualifying_months", LY_PK_INT32, OFF(qualifying_months), 1, 120, 1,
      "qualifying spend sums the net spend of this many months, ending with the clock's month" },
    { "tiers.review_days", LY_PK_INT, OFF(tier_review_ms), 1, 3650, DAYS,
      "a tier is reviewed this many days after tier_since, then again every as many days" },
    { "campaigns", LY_PK_CAMPAIGNS, OFF(campaigns), 0, LY_MAX_CAMPAIGNS, 1,
      "list of {id, start_ms, end_ms (exclusive), conditions {tiers, channels, days_of_week, min_amount_minor, "
      "categories, skus}, multiplier_bp, bonus_points, max_points_per_member, max_uses_per_member}; every "
      "qualifying campaign pays its own CAMPAIGN_BONUS, in list order" },
    { "engagement.daily_cap", LY_PK_INT, OFF(daily_cap), 0, 1000000000, 1,
      "engagement points per member per UTC day at most" },
    ENG(REVIEW, ""), ENG(CHECK_IN, ""), ENG(SURVEY, ""), ENG(PROFILE_COMPLETE, ""),
    ENG(APP_OPEN, " (activity only in the reference program)"), ENG(SHARE, ""), ENG(FOLLOW, ""),
    ENG(UGC_POST, ""), ENG(MENTION, ""), ENG(REFERRAL, " (the referral bonus is separate)"),
    { "engagement.once_per_member", LY_PK_ONCE_LIST, LY_ONCE_PER_MEMBER, 0, 0, 1,
      "types that earn only on their first occurrence per member" },
    { "engagement.once_per_platform", LY_PK_ONCE_LIST, LY_ONCE_PER_PLATFORM, 0, 0, 1,
      "social types that earn only on their first occurrence per (member, platform)" },
    { "lots.expiry_months", LY_PK_INT32, OFF(lot_expiry_months), 1, LY_LOT_EXPIRY_MONTHS_MAX, 1,
      "points earned in month m expire at the first instant of month m + this" },
    { "milestones", LY_PK_MILESTONES, OFF(milestones), 0, LY_MAX_MILESTONES, 1,
      "ascending lifetime-point thresholds, each rewarded once (MILESTONE_<n>)" },
    { "referral.bonus", LY_PK_INT, OFF(referral_bonus), 0, 1000000000000LL, 1,
      "points to the referrer once the referred member's first purchase follows the referral" },
    { "referral.referred_bonus", LY_PK_INT, OFF(referred_bonus), 0, 1000000000000LL, 1,
      "points to the referred member when its referrer's bonus is sent" },
    { "notices.expiry_days", LY_PK_DAYS_LIST, OFF(expiry_notice_ms), 1, LY_MAX_NOTICE_DAYS, DAYS,
      "POINTS_EXPIRY_NOTICE this many days before a lot expires (a list; each 1..3650)" },
    { "notices.tier_days", LY_PK_DAYS_LIST, OFF(tier_notice_ms), 1, LY_MAX_NOTICE_DAYS, DAYS,
      "TIER_REVIEW_NOTICE this many days before a review that would downgrade (a list; each below tiers.review_days)" },
    { "birthday.points.BASIC", LY_PK_INT, OFF(birthday_points[LY_TIER_BASIC]), 0, 1000000000000LL, 1,
      "BIRTHDAY_BONUS for a BASIC member, once per UTC year" },
    { "birthday.points.SILVER", LY_PK_INT, OFF(birthday_points[LY_TIER_SILVER]), 0, 1000000000000LL, 1,
      "BIRTHDAY_BONUS for a SILVER member" },
    { "birthday.points.GOLD", LY_PK_INT, OFF(birthday_points[LY_TIER_GOLD]), 0, 1000000000000LL, 1,
      "BIRTHDAY_BONUS for a GOLD member" },
    { "birthday.points.DIAMOND", LY_PK_INT, OFF(birthday_points[LY_TIER_DIAMOND]), 0, 1000000000000LL, 1,
      "BIRTHDAY_BONUS for a DIAMOND member" },
    { "win_back.bonus", LY_PK_INT, OFF(winback_bonus), 0, 1000000000000LL, 1,
      "points for a purchase within the win-back window after a HIGH churn alert" },
    { "win_back.window_days", LY_PK_INT, OFF(winback_window_ms), 0, 3650, DAYS,
      "days after the HIGH alert (inclusive) during which a purchase earns the win-back bonus" },
    { "churn.default_gap_days", LY_PK_DOUBLE, OFF(default_gap_days), 0.001, 3650, 1,
      "expected purchase gap (days) for members with too few purchases" },
    { "churn.gap_min_purchases", LY_PK_INT, OFF(gap_min_purchases), 2, 1000, 1,
      "purchases needed before the member's own average gap is used" },
    { "churn.medium.min_days", LY_PK_DOUBLE, OFF(medium_min_days), 0, 3650, 1,
      "MEDIUM inactivity after max(min_days, gap_factor * gap) days without purchase" },
    { "churn.medium.gap_factor", LY_PK_DOUBLE, OFF(medium_gap_factor), 0, 100, 1,
      "see churn.medium.min_days" },
    { "churn.high.min_days", LY_PK_DOUBLE, OFF(high_min_days), 0, 3650, 1,
      "HIGH inactivity after max(min_days, gap_factor * gap) days without purchase" },
    { "churn.high.gap_factor", LY_PK_DOUBLE, OFF(high_gap_factor), 0, 100, 1,
      "see churn.high.min_days" },
    { "churn.sentiment.keep", LY_PK_DOUBLE, OFF(sentiment_keep), 0, 1, 1,
      "sentiment smoothing: s = keep * s + weight * x on each MENTION" },
    { "churn.sentiment.weight", LY_PK_DOUBLE, OFF(sentiment_weight), 0, 1, 1,
      "see churn.sentiment.keep; keep + weight must be 1" },
    { "churn.sentiment.threshold", LY_PK_DOUBLE, OFF(sentiment_threshold), -1, 1, 1,
      "sentiment risk is MEDIUM while s <= threshold" },
    { "churn.expiring_horizon_days", LY_PK_INT, OFF(expiring_horizon_ms), 0, 3650, DAYS,
      "alerts report points whose lots expire within this many days" },
    { "churn.bgnbd.r", LY_PK_DOUBLE, OFF(bg_r), 1e-9, 1e9, 1, "BG/NBD r (weeks)" },
    { "churn.bgnbd.alpha", LY_PK_DOUBLE, OFF(bg_alpha), 1e-9, 1e9, 1, "BG/NBD alpha (weeks)" },
    { "churn.bgnbd.a", LY_PK_DOUBLE, OFF(bg_a), 1e-9, 1e9, 1, "BG/NBD a" },
    { "churn.bgnbd.b", LY_PK_DOUBLE, OFF(bg_b), 1e-9, 1e9, 1, "BG/NBD b" },
    { "churn.p_alive.medium", LY_PK_DOUBLE, OFF(p_alive_medium), 0, 1, 1,
      "p_alive below this raises the risk to MEDIUM (reason LOW_P_ALIVE) at churn checks and mentions; 0: off" },
    { "churn.p_alive.high", LY_PK_DOUBLE, OFF(p_alive_high), 0, 1, 1,
      "p_alive below this raises the risk to HIGH; 0: off" },
    { "value.gamma_gamma.p", LY_PK_DOUBLE, OFF(gg_p), 0, 1e9, 1,
      "Gamma-Gamma p (spend per transaction; `loyalty fit` writes it); 0: no value model, no CLV" },
    { "value.gamma_gamma.q", LY_PK_DOUBLE, OFF(gg_q), 0, 1e9, 1, "Gamma-Gamma q (above 1 when set)" },
    { "value.gamma_gamma.gamma", LY_PK_DOUBLE, OFF(gg_gamma), 0, 1e9, 1, "Gamma-Gamma gamma, in currency units" },
    { "value.clv_months", LY_PK_INT32, OFF(clv_months), 1, 600, 1,
      "CLV horizon in months (expected purchases of each month times expected spend, discounted)" },
    { "value.monthly_discount", LY_PK_DOUBLE, OFF(clv_monthly_discount), 0, 1, 1,
      "CLV discount rate per month (0.01 is about 12.7% a year)" },
};
const size_t ly_program_nkeys = sizeof ly_program_keys / sizeof ly_program_keys[0];

static const char *const tier_names[LY_TIER_COUNT] = { "BASIC", "SILVER", "GOLD", "DIAMOND" };

const char *ly_tier_name(ly_tier t)
{
    return (unsigned)t < LY_TIER_COUNT ? tier_names[t] : "?";
}

int ly_tier_parse(const char *name)
{
    for (int t = 0; t < LY_TIER_COUNT; t++)
        if (strcmp(name, tier_names[t]) == 0)
            return t;
    return -1;
}

void ly_program_reference(ly_program *p)
{
    *p = (ly_program){0};
    p->effective_from = INT64_MIN;
    snprintf(p->currency, sizeof p->currency, "USD");
    p->welcome_bonus = 100;
    p->earn_rate_bp = 10000;
    p->tier_threshold[LY_TIER_BASIC] = 0;
    p->tier_threshold[LY_TIER_SILVER] = 100000;
    p->tier_threshold[LY_TIER_GOLD] = 500000;
    p->tier_threshold[LY_TIER_DIAMOND] = 2000000;
    p->tier_multiplier_bp[LY_TIER_BASIC] = 10000;
    p->tier_multiplier_bp[LY_TIER_SILVER] = 12500;
    p->tier_multiplier_bp[LY_TIER_GOLD] = 15000;
    p->tier_multiplier_bp[LY_TIER_DIAMOND] = 20000;
    p->dedupe_window_ms = 24 * HOURS;
    p->engagement_points[LY_EV_REVIEW] = 50;
    p->engagement_points[LY_EV_CHECK_IN] = 10;
    p->engagement_points[LY_EV_SURVEY] = 30;
    p->engagement_points[LY_EV_PROFILE_COMPLETE] = 100;
    p->engagement_points[LY_EV_SHARE] = 20;
    p->engagement_points[LY_EV_FOLLOW] = 10;
    p->engagement_points[LY_EV_UGC_POST] = 40;
    p->engagement_points[LY_EV_MENTION] = 5;
    p->engagement_once[LY_EV_PROFILE_COMPLETE] = LY_ONCE_PER_MEMBER;
    p->engagement_once[LY_EV_FOLLOW] = LY_ONCE_PER_PLATFORM;
    p->daily_cap = 200;
    p->lot_expiry_months = 13;
    p->qualifying_months = 12;
    p->tier_review_ms = 365 * DAYS;
    static const int64_t ms[] = { 1000, 5000, 10000, 50000 };
    for (size_t i = 0; i < 4; i++)
        p->milestones[i] = ms[i];
    p->n_milestones = 4;
    p->referral_bonus = 500;
    p->winback_bonus = 200;
    p->winback_window_ms = 90 * DAYS;
    p->default_gap_days = 30;
    p->gap_min_purchases = 3;
    p->medium_min_days = 14;
    p->medium_gap_factor = 2;
    p->high_min_days = 30;
    p->high_gap_factor = 3;
    p->sentiment_keep = 0.7;
    p->sentiment_weight = 0.3;
    p->sentiment_threshold = -0.5;
    p->expiring_horizon_ms = 30 * DAYS;
    p->bg_r = 0.243;
    p->bg_alpha = 4.414;
    p->bg_a = 0.793;
    p->bg_b = 2.426;
    p->clv_months = 12;
    p->clv_monthly_discount = 0.01;
}
