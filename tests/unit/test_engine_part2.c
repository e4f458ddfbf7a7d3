/* PROGRAM.md part two (sections 11-18), one test or more per section,
 * driven through a partition around the pure engine with small program
 * files loaded over the reference program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include "engine_harness.h"

static void load(const char *yaml)
{
    char err[256];
    if (ly_program_load_buffer(&P, yaml, strlen(yaml), "t.yaml", err, sizeof err) < 0)
        fail_msg("%s", err);
}

static void expect(const char *id, ly_topic topic, int type, int64_t delta, int64_t balance)
{
    const rec *r = find(id);
    if (!r)
        fail_msg("no output %s", id);
    assert_int_equal(r->o.topic, topic);
    if (topic == LY_TOPIC_REWARDS)
        assert_int_equal(r->o.type, type);
    if (topic == LY_TOPIC_NOTICES)
        assert_int_equal(r->o.notice, type);
    assert_int_equal(r->o.points_delta, delta);
    assert_int_equal(r->o.balance_after, balance);
}

static ly_line line(const char *sku, const char *category, int64_t amount)
{
    return (ly_line){ sku, category, ly_name_key(sku), category ? ly_name_key(category) : 0, amount };
}

static void buy(const char *id, const char *m, int64_t t, const char *order, int64_t amount, const char *channel,
                const ly_line *lines, uint32_t n)
{
    feed((ly_event){ .type = LY_EV_PURCHASE, .source = LY_SRC_PURCHASES, .occurred_at = t, .amount_minor = amount,
                     .event_id = id, .member_id = m, .order_id = order, .currency = "USD", .channel = channel,
                     .lines = lines, .n_lines = n });
}

static void interaction(const char *id, const char *m, int64_t t, ly_event_type type, int16_t birthday,
                        const char *redeem)
{
    feed((ly_event){ .type = type, .source = LY_SRC_INTERACTIONS, .occurred_at = t, .event_id = id, .member_id = m,
                     .birthday = birthday, .redeem_event_id = redeem });
}

static int last_reject(void)
{
    return nout ? (int)outs[nout - 1].o.reject : -1;
}

/* T0 is Friday 2025-01-10 10:00 UTC. */

/* ---- section 11 ---- */

static void test_section11_lines_categories_and_skus(void **s)
{
    (void)s;
    load("campaigns:\n  - {id: beauty, start_ms: 0, end_ms: 4102444800000, conditions: {categories: [beauty], "
         "skus: [SKU-9]}, multiplier_bp: 20000}\n");
    ly_line lines[3] = { line("SKU-1", "beauty", 3000), line("SKU-9", NULL, 1000), line("SKU-2", "shoes", 6000) };
    buy("p1", "m", T0, "o1", 10000, NULL, lines, 3); /* S = 4000: +40 */
    expect("p1#2", LY_TOPIC_REWARDS, LY_RW_POINTS_EARNED, 100, 200);
    expect("p1#3", LY_TOPIC_REWARDS, LY_RW_CAMPAIGN_BONUS, 40, 240);
    assert_string_equal(find("p1#3")->o.campaign_id, "beauty");
    /* Without lines nothing matches: S = 0 does not qualify. */
    buy("p2", "m", T0 + 1, "o2", 10000, NULL, NULL, 0);
    assert_null(find("p2#2"));
}

static void test_section11_conditions_tiers_days_channels_amount(void **s)
{
    (void)s;
    load("campaigns:\n  - {id: fri-app, start_ms: 0, end_ms: 4102444800000, conditions: {tiers: [BASIC], "
         "days_of_week: [5], channels: [app], min_amount_minor: 2000}, bonus_points: 7}\n");
    buy("p1", "m", T0, "o1", 2000, "app", NULL, 0); /* Friday, app, 20.00, BASIC */
    expect("p1#3", LY_TOPIC_REWARDS, LY_RW_CAMPAIGN_BONUS, 7, 127);
    buy("p2", "m", T0 + DAY, "o2", 2000, "app", NULL, 0); /* Saturday */
    buy("p3", "m", T0 + 7 * DAY, "o3", 1999, "app", NULL, 0); /* below the minimum */
    buy("p4", "m", T0 + 7 * DAY + 1, "o4", 2000, "web", NULL, 0);
    buy("p5", "m", T0 + 7 * DAY + 2, "o5", 2000, NULL, NULL, 0); /* no channel fails a channel condition */
    assert_int_equal(count("m", LY_TOPIC_REWARDS, LY_RW_CAMPAIGN_BONUS), 1);
    buy("p6", "m", T0 + 7 * DAY + 3, "o6", 100000, "app", NULL, 0); /* still BASIC before it: pays, then SILVER */
    assert_int_equal(count("m", LY_TOPIC_REWARDS, LY_RW_CAMPAIGN_BONUS), 2);
    buy("p7", "m", T0 + 7 * DAY + 4, "o7", 2000, "app", NULL, 0); /* SILVER now */
    assert_int_equal(count("m", LY_TOPIC_REWARDS, LY_RW_CAMPAIGN_BONUS), 2);
}

static void test_section11_referred_bonus(void **s)
{
    (void)s;
    load("referral: {referred_bonus: 75}\n");
    refer("r1", "r", T0, "f");
    purchase("p1", "f", T0 + DAY, "o1", 1000);
    /* F: welcome, own points, then REFERRED_BONUS with the referrer. */
    expect("p1#3", LY_TOPIC_REWARDS, LY_RW_REFERRED_BONUS, 75, 185);
    assert_string_equal(find("p1#3")->o.referrer_member_id, "r");
    expect("p1#r#1", LY_TOPIC_REWARDS, LY_RW_REFERRAL_BONUS, 500, 600);
}

/* ---- section 12 ---- */

static void test_section12_pending_release_and_refunds(void **s)
{
    (void)s;
    load("earning: {pending_days: 14}\ncampaigns:\n  - {id: plus, start_ms: 0, end_ms: 4102444800000, bonus_points: 5}\n");
    purchase("p1", "m", T0, "o1", 10000);
    expect("p1#2", LY_TOPIC_REWARDS, LY_RW_POINTS_PENDING, 100, 100); /* balance unchanged */
    assert_int_equal(find("p1#2")->o.release_at, T0 + 14 * DAY);
    expect("p1#3", LY_TOPIC_REWARDS, LY_RW_POINTS_PENDING, 5, 100);
    assert_int_equal(ly_member_pending_points(member("m")), 105);
    /* Pending, the order is kept in full in the extra part, with the timer. */
    assert_int_equal(ly_member_extra_of(member("m"))->orders.n, 1);
    assert_int_equal(ly_member_due(member("m"), LY_TIMER_RELEASE), T0 + 14 * DAY);
    redeem("x1", "m", T0 + 1, 150); /* pending points cannot be spent */
    expect("x1#1", LY_TOPIC_REWARDS, LY_RW_REDEMPTION_REJECTED, 0, 100);
    refund("r1", "m", T0 + 2, "o1", 5000); /* half of 105, from the pending points */
    expect("r1#1", LY_TOPIC_REWARDS, LY_RW_POINTS_REVERSED, -52, 100);
    assert_string_equal(find("r1#1")->reason, "PENDING");
    assert_int_equal(member("m")->lifetime, 100);
    advance(T0 + 14 * DAY);
    char id[64];
    snprintf(id, sizeof id, "m#RELEASE#%lld", (long long)(T0 + 14 * DAY));
    expect(id, LY_TOPIC_REWARDS, LY_RW_POINTS_RELEASED, 53, 153);
    assert_int_equal(ly_member_pending_points(member("m")), 0);
    /* Released, it is compact, being refunded (the extra part keeps the
     * campaign's use). */
    assert_int_equal(ly_member_extra_of(member("m"))->orders.n, 0);
    assert_int_equal(member("m")->orders.n, 0);
    assert_int_equal(member("m")->shelf.n[LY_SHELF_ORDERS], 1);
    assert_int_equal(ly_member_due(member("m"), LY_TIMER_RELEASE), LY_NO_TIMER);
    refund("r2", "m", T0 + 15 * DAY, "o1", 5000); /* after the release: from the balance */
    expect("r2#1", LY_TOPIC_REWARDS, LY_RW_POINTS_REVERSED, -53, 100);
    assert_string_equal(find("r2#1")->reason, "");
}

/* The extra part a pending order needed is freed once it is released. */
static void test_section12_release_frees_the_extra_part(void **s)
{
    (void)s;
    load("earning: {pending_days: 14}\n");
    purchase("p1", "m", T0, "o1", 10000);
    assert_non_null(member("m")->extra);
    advance(T0 + 14 * DAY);
    assert_null(member("m")->extra);
    assert_int_equal(member("m")->orders.n, 1);
    assert_int_equal(member("m")->balance, 200); /* welcome and the released 100 */
}

/* ---- section 13 ---- */

static void test_section13_expiry_notice_announces_the_remainder(void **s)
{
    (void)s;
    load("notices: {expiry_days: [30, 7]}\nlots: {expiry_months: 2}\n");
    purchase("p1", "m", T0, "o1", 50000); /* January lot: 100 + 500, expires 2025-03-01 */
    redeem("x1", "m", T0 + DAY, 200);
    const int64_t expires = 1740787200000LL, due30 = expires - 30 * DAY;
    advance(due30);
    char id[96];
    snprintf(id, sizeof id, "m#EXPIRY_NOTICE#%lld#%lld", (long long)due30, (long long)expires);
    const rec *r = find(id);
    assert_non_null(r);
    assert_int_equal(r->o.topic, LY_TOPIC_NOTICES);
    assert_int_equal(r->o.notice_points, 400);
    assert_int_equal(r->o.expires_at, expires);
    redeem("x2", "m", due30 + 1, 400); /* the lot is empty: the 7-day notice says nothing */
    int before = nout;
    advance(expires - 7 * DAY);
    assert_int_equal(nout, before);
}

static void test_section13_tier_notice_before_a_downgrade(void **s)
{
    (void)s;
    load("notices: {tier_days: [30]}\ntiers: {review_days: 100}\n");
    purchase("p1", "m", T0, "o1", 100000); /* SILVER, review at T0 + 100 days */
    refund("r1", "m", T0 + DAY, "o1", 20000); /* Q 800.00 < 1000.00 */
    advance(T0 + 70 * DAY);
    char id[64];
    snprintf(id, sizeof id, "m#TIER_NOTICE#%lld", (long long)(T0 + 70 * DAY));
    const rec *r = find(id);
    assert_non_null(r);
    assert_int_equal(r->o.notice, LY_NOTICE_TIER_REVIEW);
    assert_int_equal(r->o.review_at, T0 + 100 * DAY);
    assert_int_equal(r->o.spend_needed_minor, 20000);
    assert_int_equal(r->o.next_tier, LY_TIER_BASIC);
}

/* ---- section 14 ---- */

static void test_section14_birthday_leap_day_once_a_year(void **s)
{
    (void)s;
    load("birthday: {points: {BASIC: 25, SILVER: 50}}\n");
    interaction("u1", "m", T0, LY_EV_PROFILE_UPDATE, 229, NULL);
    const int64_t feb28 = 1740700800000LL; /* 2025 has no 02-29 */
    advance(feb28);
    char id[64];
    snprintf(id, sizeof id, "m#BIRTHDAY#%lld", (long long)feb28);
    expect(id, LY_TOPIC_REWARDS, LY_RW_BIRTHDAY_BONUS, 25, 125);
    interaction("u2", "m", feb28 + DAY, LY_EV_PROFILE_UPDATE, 415, NULL); /* moved: already paid in 2025 */
    advance(1744675200000LL); /* 2025-04-15 */
    assert_int_equal(count("m", LY_TOPIC_REWARDS, LY_RW_BIRTHDAY_BONUS), 1);
    assert_int_equal(ly_member_due(member("m"), LY_TIMER_BIRTHDAY), 1776211200000LL); /* 2026-04-15 */
}

/* ---- section 15 ---- */

static void test_section15_cancel_returns_points_not_lifetime(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 50000); /* 600 */
    redeem("x1", "m", T0 + 1, 500);
    refund("r1", "m", T0 + 2, "o1", 50000); /* -500: balance -400 */
    assert_int_equal(member("m")->balance, -400);
    interaction("c1", "m", T0 + 3, LY_EV_REDEEM_CANCEL, 0, "x1");
    expect("c1#1", LY_TOPIC_REWARDS, LY_RW_REDEMPTION_REVERSED, 500, 100);
    assert_int_equal(member("m")->lifetime, 100);
    assert_int_equal(lots_sum(member("m")), 100); /* 400 paid the debt */
    interaction("c2", "m", T0 + 4, LY_EV_REDEEM_CANCEL, 0, "x1"); /* already cancelled */
    assert_int_equal(last_reject(), LY_REJECT_UNKNOWN_REDEMPTION);
    redeem("x2", "m", T0 + 5, 1000); /* rejected: nothing to cancel */
    interaction("c3", "m", T0 + 6, LY_EV_REDEEM_CANCEL, 0, "x2");
    assert_int_equal(last_reject(), LY_REJECT_UNKNOWN_REDEMPTION);
}

/* Reward ids are kept once per member (ly_member_add_redemption): each
 * cancel must still give back its own redemption's reward. */
static void test_section15_cancel_reports_its_own_reward(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 50000);
    const char *rewards[] = { "A", "B", "A" }, *ids[] = { "x1", "x2", "x3" };
    for (int i = 0; i < 3; i++)
        feed((ly_event){ .type = LY_EV_REDEEM, .source = LY_SRC_INTERACTIONS, .occurred_at = T0 + 1 + i,
                         .points = 10 + i, .event_id = ids[i], .member_id = "m", .reward_id = rewards[i] });
    assert_int_equal(member("m")->shelf.n[LY_SHELF_REWARD_IDS], 4); /* "A" and "B" once each */
    interaction("c3", "m", T0 + 5, LY_EV_REDEEM_CANCEL, 0, "x3");
    assert_string_equal(find("c3#1")->o.reward_id, "A");
    assert_int_equal(find("c3#1")->o.points_delta, 12);
    interaction("c2", "m", T0 + 6, LY_EV_REDEEM_CANCEL, 0, "x2");
    assert_string_equal(find("c2#1")->o.reward_id, "B");
}

/* The points a cancel gives back open a lot when the cancel comes in a new
 * month: the member's shelf grows (and under ASan always moves) while the
 * cancel still reports the redemption's points and reward. */
static void test_section15_cancel_in_a_new_month_opens_a_lot(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 50000);
    feed((ly_event){ .type = LY_EV_REDEEM, .source = LY_SRC_INTERACTIONS, .occurred_at = T0 + 1, .points = 30,
                     .event_id = "x1", .member_id = "m", .reward_id = "mug" });
    assert_int_equal(member("m")->shelf.n[LY_SHELF_LOTS], 1);
    interaction("c1", "m", T0 + 40 * DAY, LY_EV_REDEEM_CANCEL, 0, "x1");
    assert_string_equal(find("c1#1")->o.reward_id, "mug");
    assert_int_equal(find("c1#1")->o.points_delta, 30);
    const ly_member *m = member("m");
    assert_int_equal(m->shelf.n[LY_SHELF_LOTS], 2);
    assert_int_equal(ly_member_lots(m)[1].points, 30);
    assert_true(ly_member_redemption_at(m, 0).cancelled);
    interaction("c2", "m", T0 + 41 * DAY, LY_EV_REDEEM_CANCEL, 0, "x1"); /* already cancelled */
    assert_int_equal(last_reject(), LY_REJECT_UNKNOWN_REDEMPTION);
}

/* Redemptions of 2^31 points or more are kept in full in the extra part,
 * the others in 16 bytes; a cancel finds either. */
static void test_section15_big_redemptions_kept_in_full(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 500000000000LL); /* 5e9 points */
    const int64_t big = INT64_C(1) << 31;
    feed((ly_event){ .type = LY_EV_REDEEM, .source = LY_SRC_INTERACTIONS, .occurred_at = T0 + 1, .points = big,
                     .event_id = "x1", .member_id = "m", .reward_id = "car" });
    feed((ly_event){ .type = LY_EV_REDEEM, .source = LY_SRC_INTERACTIONS, .occurred_at = T0 + 2, .points = big - 1,
                     .event_id = "x2", .member_id = "m", .reward_id = "boat" });
    const ly_member *m = member("m");
    assert_int_equal(m->shelf.n[LY_SHELF_REDEMPTIONS], 1);
    assert_int_equal(ly_member_extra_of(m)->redemptions.n, 1);
    assert_int_equal(ly_member_redemption_count(m), 2);
    interaction("c1", "m", T0 + 3, LY_EV_REDEEM_CANCEL, 0, "x1");
    assert_string_equal(find("c1#1")->o.reward_id, "car");
    assert_int_equal(find("c1#1")->o.points_delta, big);
    interaction("c2", "m", T0 + 4, LY_EV_REDEEM_CANCEL, 0, "x2");
    assert_string_equal(find("c2#1")->o.reward_id, "boat");
    assert_int_equal(find("c2#1")->o.points_delta, big - 1);
    assert_true(ly_member_redemption_at(m, 0).cancelled && ly_member_redemption_at(m, 1).cancelled);
}

/* ---- section 16 ---- */

static void test_section16_erase_removes_and_refuses_later_records(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 10000);
    interaction("e1", "m", T0 + 1, LY_EV_ERASE, 0, NULL);
    expect("e1#1", LY_TOPIC_NOTICES, LY_NOTICE_MEMBER_ERASED, 0, 200);
    assert_null(member("m"));
    assert_int_equal(ly_partition_member_count(pt), 0);
    purchase("p2", "m", T0 + 2, "o2", 10000);
    assert_int_equal(last_reject(), LY_REJECT_ERASED_MEMBER);
    /* Before the dedupe: a repeat of an applied event id is dead-lettered too. */
    purchase("p1", "m", T0 + 3, "o1", 10000);
    assert_int_equal(last_reject(), LY_REJECT_ERASED_MEMBER);
    /* Its timers are gone: a year later nothing fires for it. */
    int before = nout;
    advance(T0 + 500 * DAY);
    assert_int_equal(count("m", LY_TOPIC_REWARDS, LY_RW_POINTS_EXPIRED), 0);
    assert_int_equal(count("m", LY_TOPIC_CHURN, LY_RW_COUNT), 0);
    assert_int_equal(nout, before);
    /* An unknown member: 0/0/BASIC, and no member is created. */
    interaction("e2", "ghost", T0 + 501 * DAY, LY_EV_ERASE, 0, NULL);
    expect("e2#1", LY_TOPIC_NOTICES, LY_NOTICE_MEMBER_ERASED, 0, 0);
    assert_null(member("ghost"));
    assert_true(ly_partition_is_erased(pt, "ghost"));
}

/* Erasing members among many (the table closes the gap each leaves) and
 * with ids long enough to be kept outside the record: the others are all
 * still found, with their points. */
static void test_section16_erase_among_many_keeps_the_others(void **s)
{
    (void)s;
    char id[80], ev[32], order[32];
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, i % 2 ? "m%d" : "a-member-id-of-forty-characters-or-so-%d", i);
        snprintf(ev, sizeof ev, "p%d", i), snprintf(order, sizeof order, "o%d", i);
        purchase(ev, id, T0 + i, order, 10000);
    }
    for (int i = 0; i < 300; i += 3) {
        snprintf(id, sizeof id, i % 2 ? "m%d" : "a-member-id-of-forty-characters-or-so-%d", i);
        snprintf(ev, sizeof ev, "e%d", i);
        interaction(ev, id, T0 + 1000 + i, LY_EV_ERASE, 0, NULL);
    }
    assert_int_equal(ly_partition_member_count(pt), 200);
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, i % 2 ? "m%d" : "a-member-id-of-forty-characters-or-so-%d", i);
        const ly_member *m = member(id);
        if (i % 3 == 0) {
            assert_null(m);
            assert_true(ly_partition_is_erased(pt, id));
        } else {
            assert_non_null(m);
            assert_string_equal(ly_member_id(m), id);
            assert_int_equal(m->balance, 200);
        }
    }
}

/* ---- section 17 ---- */

static void test_section17_each_event_uses_its_version(void **s)
{
    (void)s;
    load("versions:\n  - {effective_from: 0}\n  - {effective_from: 1736553600000, earning: {rate_bp: 20000}, "
         "lots: {expiry_months: 2}}\n"); /* from 2025-01-11 */
    purchase("p1", "m", T0, "o1", 1000);           /* v1: 10 points, the January lot expires 2026-02-01 */
    purchase("p2", "m", T0 + DAY, "o2", 1000);     /* v2: 20 points, into the same lot */
    expect("p2#1", LY_TOPIC_REWARDS, LY_RW_POINTS_EARNED, 20, 130);
    purchase("p0", "m", T0 - DAY, "o0", 1000);     /* late, at v1's time: 10 points */
    expect("p0#1", LY_TOPIC_REWARDS, LY_RW_POINTS_EARNED, 10, 140);
    assert_int_equal(ly_lot_expires(&ly_member_lots(member("m"))[0]), 1769904000000LL); /* fixed by v1 at the first credit */
}

/* ---- section 1: points never overflow ---- */

static void test_section1_points_saturate_instead_of_overflowing(void **s)
{
    (void)s;
    load("earning: {rate_bp: 10000000}\ntiers: {BASIC: {multiplier_bp: 1000000}, SILVER: {multiplier_bp: 1000000}, "
         "GOLD: {multiplier_bp: 1000000}, DIAMOND: {multiplier_bp: 1000000}}\n"); /* 10^15 a purchase */
    char id[16], order[16];
    for (int i = 0; i < 4700; i++) {
        snprintf(id, sizeof id, "p%d", i);
        snprintf(order, sizeof order, "o%d", i);
        purchase(id, "m", T0 + i, order, 1000000000000LL);
        nout = 0;
    }
    assert_int_equal(member("m")->balance, LY_POINTS_MAX);
    assert_int_equal(member("m")->lifetime, LY_POINTS_MAX);
}

/* ---- section 18 ---- */

static void test_section18_late_purchase_keeps_the_churn_timer(void **s)
{
    (void)s;
    load("versions:\n  - {effective_from: 0}\n  - {effective_from: 1736553600000, churn: {medium: {min_days: 20}}}\n");
    purchase("p1", "m", T0 + DAY, "o1", 1000); /* v2: MEDIUM after max(20, 2 x 30) days */
    int64_t due = member("m")->churn_due;
    assert_int_equal(due, T0 + DAY + 60 * DAY);
    /* Late, under v1: L (the last purchase) and g (30 with two purchases)
     * stay, so the timer stays where v2 put it. */
    purchase("p0", "m", T0 - DAY, "o0", 1000);
    assert_int_equal(member("m")->churn_due, due);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_section11_lines_categories_and_skus),
        T(test_section11_conditions_tiers_days_channels_amount),
        T(test_section11_referred_bonus),
        T(test_section12_pending_release_and_refunds),
        T(test_section12_release_frees_the_extra_part),
        T(test_section13_expiry_notice_announces_the_remainder),
        T(test_section13_tier_notice_before_a_downgrade),
        T(test_section14_birthday_leap_day_once_a_year),
        T(test_section15_cancel_returns_points_not_lifetime),
        T(test_section15_cancel_reports_its_own_reward),
        T(test_section15_cancel_in_a_new_month_opens_a_lot),
        T(test_section15_big_redemptions_kept_in_full),
        T(test_section16_erase_removes_and_refuses_later_records),
        T(test_section16_erase_among_many_keeps_the_others),
        T(test_section17_each_event_uses_its_version),
        T(test_section18_late_purchase_keeps_the_churn_timer),
        T(test_section1_points_saturate_instead_of_overflowing),
    };
    return cmocka_run_group_tests_name("engine part two", tests, NULL, NULL);
}
