/* The rules of PROGRAM.md, one test (or more) per section and edge, driven
 * through a partition around the pure engine. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "engine_harness.h"

#define REW LY_TOPIC_REWARDS
static int index_of(const char *id)
{
    const rec *r = find(id);
    return r ? (int)(r - outs) : -1;
}

static void expect(const char *id, ly_reward_type type, int64_t delta, int64_t balance)
{
    const rec *r = find(id);
    if (!r)
        fail_msg("no output %s", id);
    assert_int_equal(r->o.topic, REW);
    assert_int_equal(r->o.type, type);
    assert_int_equal(r->o.points_delta, delta);
    assert_int_equal(r->o.balance_after, balance);
}

/* ---- section 3 ---- */

static void test_section3_timers_fire_in_due_member_kind_order(void **s)
{
    (void)s;
    engage("b1", "b", T0, LY_EV_APP_OPEN, NULL);
    engage("a1", "a", T0, LY_EV_APP_OPEN, NULL);
    advance(T0 + 60 * DAY);
    assert_true(index_of("a#CHURN#1741687200000") >= 0);
    assert_true(index_of("a#CHURN#1741687200000") < index_of("b#CHURN#1741687200000"));
}

/* Ids past 16 bytes live apart from the record and tie on the queue's
 * 16-byte prefix: the order must still be the ids' order. */
static void test_section3_long_ids_sharing_a_prefix_fire_in_id_order(void **s)
{
    (void)s;
    const char *b = "member-with-a-long-id-b", *a = "member-with-a-long-id-a", *c = "member-with-a-lon";
    engage("b1", b, T0, LY_EV_APP_OPEN, NULL);
    engage("c1", c, T0, LY_EV_APP_OPEN, NULL);
    engage("a1", a, T0, LY_EV_APP_OPEN, NULL);
    assert_string_equal(ly_member_id(member(a)), a);
    assert_string_equal(ly_member_id(member(c)), c);
    advance(T0 + 60 * DAY);
    int ia = -1, ib = -1, ic = -1;
    for (int i = 0; i < nout; i++) {
        if (outs[i].o.topic != LY_TOPIC_CHURN)
            continue;
        const char *m = outs[i].member;
        if (strcmp(m, a) == 0 && ia < 0)
            ia = i;
        if (strcmp(m, b) == 0 && ib < 0)
            ib = i;
        if (strcmp(m, c) == 0 && ic < 0)
            ic = i;
    }
    assert_true(ic >= 0 && ic < ia && ia < ib);
}

static void test_section3_same_instant_kinds_expiry_review_churn(void **s)
{
    (void)s;
    /* A lot of Jan 2025 expires 2026-02-01, 396 days after 2025-01-01. */
    P.tier_review_ms = 396 * DAY;
    P.medium_min_days = 396;
    P.medium_gap_factor = 0;
    P.high_min_days = 1000;
    int64_t start = 1735689600000LL, due = 1769904000000LL;
    purchase("p1", "k", start, "o1", 100000);
    advance(due);
    int e = index_of("k#EXPIRY#1769904000000"), t = index_of("k#TIER_REVIEW#1769904000000"),
        c = index_of("k#CHURN#1769904000000");
    assert_true(e >= 0 && t > e && c > t);
    (void)due;
}

static void test_section3_late_event_keeps_clock(void **s)
{
    (void)s;
    engage("x1", "x", T0 + 10 * DAY, LY_EV_CHECK_IN, NULL);
    engage("x2", "x", T0, LY_EV_REVIEW, NULL);
    assert_int_equal(ly_partition_clock(pt), T0 + 10 * DAY);
    assert_int_equal(find("x2#1")->o.occurred_at, T0);
}

/* ---- section 4 ---- */

static void test_section4_welcome_bonus_on_first_event(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 10000);
    expect("p1#1", LY_RW_WELCOME_BONUS, 100, 100);
    expect("p1#2", LY_RW_POINTS_EARNED, 100, 200);
    purchase("p2", "m", T0 + 1, "o2", 10000);
    assert_int_equal(count("m", REW, LY_RW_WELCOME_BONUS), 1);
    assert_int_equal(member("m")->first_seen, T0);
    assert_int_equal(ly_partition_member_count(pt), 1);
}

static void test_section4_rejections_create_no_member(void **s)
{
    (void)s;
    refund("r1", "ghost", T0, "o1", 100);
    assert_int_equal(nout, 1);
    assert_int_equal(outs[0].o.topic, LY_TOPIC_DLQ);
    assert_int_equal(outs[0].o.reject, LY_REJECT_UNKNOWN_ORDER);
    assert_true(!member("ghost") || !member("ghost")->exists);
    assert_int_equal(ly_partition_member_count(pt), 0);
}

/* ---- section 5 ---- */

static void test_section5_earning_rounds_down_with_tier_multiplier(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 100000); /* 1000 points, then SILVER */
    assert_int_equal(member("m")->tier, LY_TIER_SILVER);
    purchase("p2", "m", T0 + 1, "o2", 999); /* 9.99 * 1.25 = 12.4875 */
    expect("p2#1", LY_RW_POINTS_EARNED, 12, 1112);
}

static ly_campaign campaign(const char *id, int64_t start, int64_t end, int64_t mult, int64_t bonus)
{
    ly_campaign k = { .start_ms = start, .end_ms = end, .multiplier_bp = mult, .bonus_points = bonus,
                      .max_points_per_member = LY_NO_CAP, .max_uses_per_member = LY_NO_CAP,
                      .channels = -1, .categories = -1, .skus = -1 };
    snprintf(k.id, sizeof k.id, "%s", id);
    k.key = ly_name_key(id);
    return k;
}

/* Section 11 replaces the old "highest multiplier wins" rule: campaigns
 * stack, each paying its own CAMPAIGN_BONUS after the purchase's points. */
static void test_section11_campaigns_stack_in_program_order(void **s)
{
    (void)s;
    P.campaigns[0] = campaign("long", T0, T0 + 10 * DAY, 15000, 0);
    P.campaigns[1] = campaign("short", T0, T0 + 5 * DAY, 30000, 0);
    P.n_campaigns = 2;
    purchase("p1", "m", T0 + DAY, "o1", 1000);
    expect("p1#2", LY_RW_POINTS_EARNED, 10, 110);
    expect("p1#3", LY_RW_CAMPAIGN_BONUS, 5, 115);
    assert_string_equal(outs[2].o.campaign_id, "long");
    expect("p1#4", LY_RW_CAMPAIGN_BONUS, 20, 135);
    assert_string_equal(outs[3].o.campaign_id, "short");
    purchase("p2", "m", T0 + 6 * DAY, "o2", 1000);
    expect("p2#2", LY_RW_CAMPAIGN_BONUS, 5, 150);
    int before = nout;
    purchase("p3", "m", T0 + 10 * DAY, "o3", 1000); /* end is exclusive */
    assert_int_equal(nout, before + 1);
    /* Campaign points are part of the order for refunds: 10 + 20 + 5. */
    refund("r1", "m", T0 + 10 * DAY + 1, "o1", 1000);
    expect("r1#1", LY_RW_POINTS_REVERSED, -35, 125);
}

static void test_section11_caps_count_points_and_uses(void **s)
{
    (void)s;
    P.campaigns[0] = campaign("capped", T0, T0 + 10 * DAY, 10000, 40);
    P.campaigns[0].max_points_per_member = 100;
    P.campaigns[1] = campaign("twice", T0, T0 + 10 * DAY, 10000, 1);
    P.campaigns[1].max_uses_per_member = 2;
    P.n_campaigns = 2;
    for (int i = 0; i < 4; i++) {
        char id[8], order[8];
        snprintf(id, sizeof id, "p%d", i);
        snprintf(order, sizeof order, "o%d", i);
        purchase(id, "m", T0 + i, order, 100);
    }
    /* 40 + 40 + 20 (the cap's rest), then nothing; "twice" pays two uses. */
    assert_int_equal(member("m")->balance, 100 + 4 * 1 + 100 + 2);
}

static void test_section5_partial_refunds_in_parts_reverse_exactly(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 1000); /* 10 points */
    refund("r1", "m", T0 + 1, "o1", 333);
    expect("r1#1", LY_RW_POINTS_REVERSED, -3, 107);
    refund("r2", "m", T0 + 2, "o1", 333);
    expect("r2#1", LY_RW_POINTS_REVERSED, -3, 104);
    refund("r3", "m", T0 + 3, "o1", 334);
    expect("r3#1", LY_RW_POINTS_REVERSED, -4, 100);
    assert_int_equal(member("m")->lifetime, 100);
    refund("r4", "m", T0 + 4, "o1", 1);
    assert_int_equal(outs[nout - 1].o.reject, LY_REJECT_REFUND_EXCEEDS_ORDER);
    /* A reversal of 0 emits nothing. */
    purchase("p2", "m", T0 + 5, "o2", 150); /* 1 point */
    int before = nout;
    refund("r5", "m", T0 + 6, "o2", 50);
    assert_int_equal(nout, before);
}

static void test_section5_duplicate_and_unknown_orders(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 1000);
    purchase("p2", "m", T0 + 1, "o1", 1000);
    assert_int_equal(outs[nout - 1].o.reject, LY_REJECT_DUPLICATE_ORDER);
    refund("r1", "m", T0 + 2, "nope", 10);
    assert_int_equal(outs[nout - 1].o.reject, LY_REJECT_UNKNOWN_ORDER);
    assert_int_equal(member("m")->balance, 110);
}

/* Orders are kept in the smallest form they fit (member.c): small until
 * refunded, then compact, and a big one in full; a refund must see the same
 * order whichever form it is in. */
static void test_section5_refunds_in_every_order_form(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 1000);
    purchase("p2", "m", T0 + 1, "o2", 6000000000LL); /* above the compact form's limits */
    const ly_member *m = member("m");
    assert_int_equal(m->orders.n, 1);
    assert_int_equal(m->shelf.n[LY_SHELF_ORDERS], 0);
    assert_int_equal(ly_member_extra_of(m)->orders.n, 1);
    int64_t big = find("p2#1")->o.points_delta, balance = m->balance;
    assert_true(big > UINT32_MAX / 1000);
    refund("r1", "m", T0 + 2, "o1", 500);
    expect("r1#1", LY_RW_POINTS_REVERSED, -5, balance - 5);
    assert_int_equal(m->orders.n, 0); /* refunded: compact now */
    assert_int_equal(m->shelf.n[LY_SHELF_ORDERS], 1);
    assert_int_equal(ly_member_order_count(m), 2);
    ly_order o;
    assert_int_equal(ly_member_order_get(m, ly_member_key("o1"), &o), 1);
    assert_int_equal(o.refunded, 500);
    assert_int_equal(o.points, 10);
    refund("r2", "m", T0 + 3, "o1", 501);
    assert_int_equal(outs[nout - 1].o.reject, LY_REJECT_REFUND_EXCEEDS_ORDER);
    refund("r3", "m", T0 + 4, "o2", 2000000001LL);
    int64_t third = (int64_t)((__int128)big * 2000000001LL / 6000000000LL);
    expect("r3#1", LY_RW_POINTS_REVERSED, -third, balance - 5 - third);
    refund("r4", "m", T0 + 5, "o1", 500);
    expect("r4#1", LY_RW_POINTS_REVERSED, -5, balance - 10 - third);
    purchase("p3", "m", T0 + 6, "o2", 10);
    assert_int_equal(outs[nout - 1].o.reject, LY_REJECT_DUPLICATE_ORDER);
    purchase("p4", "m", T0 + 7, "o1", 10);
    assert_int_equal(outs[nout - 1].o.reject, LY_REJECT_DUPLICATE_ORDER);
}

/* Which form member m keeps its only order in: 0 small, 1 compact, 2 full. */
static int only_order_form(const ly_member *m)
{
    assert_int_equal(ly_member_order_count(m), 1);
    return m->orders.n ? 0 : m->shelf.n[LY_SHELF_ORDERS] ? 1 : 2;
}

/* A form's edge: member a's order of `fits` points (one point per 100 minor
 * units) is kept in `form`, member b's of one point more in the next form;
 * a refund of a's order but one unit, then of b's whole order, reverses
 * what it should either way. */
static void expect_order_form_edge(int64_t fits, int form)
{
    purchase("p1", "a", T0, "o1", fits * 100);
    purchase("p2", "b", T0, "o1", (fits + 1) * 100);
    const ly_member *a = member("a"), *b = member("b");
    assert_int_equal(find("p1#2")->o.points_delta, fits);
    assert_int_equal(find("p2#2")->o.points_delta, fits + 1);
    assert_int_equal(only_order_form(a), form);
    assert_int_equal(only_order_form(b), form + 1);
    int64_t balance_a = a->balance, balance_b = b->balance;
    refund("r1", "a", T0 + 1, "o1", fits * 100 - 1);
    expect("r1#1", LY_RW_POINTS_REVERSED, -(fits - 1), balance_a - (fits - 1));
    refund("r2", "b", T0 + 1, "o1", (fits + 1) * 100);
    expect("r2#1", LY_RW_POINTS_REVERSED, -(fits + 1), balance_b - (fits + 1));
    refund("r3", "a", T0 + 2, "o1", 1);
    expect("r3#1", LY_RW_POINTS_REVERSED, -1, balance_a - fits);
}

/* 4,095 points fit the small form, 4,096 do not; refunded, an order is
 * compact. */
static void test_section5_small_order_limits(void **s)
{
    (void)s;
    expect_order_form_edge(4095, 0);
    assert_int_equal(only_order_form(member("a")), 1);
}

/* 65,535 points fit the compact form, 65,536 do not. */
static void test_section5_compact_order_limits(void **s)
{
    (void)s;
    expect_order_form_edge(65535, 1);
}

/* A short array gives back what it drops (it grows one element at a
 * time anyway); a long one keeps room to grow in. */
static void test_member_arrays_trimmed_when_dropped(void **s)
{
    (void)s;
    LY_VEC(int64_t) v = { 0 };
    for (int i = 0; i < 10; i++)
        *LY_VEC_PUSH(v) = i;
    LY_VEC_DROP_FRONT(v, 4);
    assert_int_equal(v.n, 6);
    assert_int_equal(v.cap, 6);
    assert_int_equal(v.v[0], 4);
    for (int i = 0; i < 14; i++)
        *LY_VEC_PUSH(v) = i;
    assert_int_equal(v.n, 20);
    assert_int_equal(v.cap, 20);
    LY_VEC_DROP_FRONT(v, 2);
    assert_int_equal(v.n, 18);
    assert_int_equal(v.cap, 20);
    LY_VEC_DROP_FRONT(v, 18);
    assert_int_equal(v.n, 0);
    assert_int_equal(v.cap, 20);
    free(v.v);
}

static void test_section5_dedupe_window_24h(void **s)
{
    (void)s;
    engage("r1", "m", T0, LY_EV_REVIEW, NULL);
    int before = nout;
    engage("r1", "m", T0 + DAY, LY_EV_REVIEW, NULL); /* clock = applied + 24 h: still a repeat */
    assert_int_equal(nout, before);
    assert_int_equal(ly_partition_get_stats(pt)->repeats, 1);
    engage("c1", "m", T0 + DAY + 1, LY_EV_CHECK_IN, NULL);
    engage("r1", "m", T0, LY_EV_REVIEW, NULL); /* past the window: applied again, same id */
    int same = 0;
    for (int i = 0; i < nout; i++)
        same += strcmp(outs[i].id, "r1#1") == 0;
    assert_int_equal(same, 2);
    /* The dedupe check comes before the order checks. */
    purchase("p1", "m", T0 + 2 * DAY, "o1", 1000);
    before = nout;
    purchase("p1", "m", T0 + 2 * DAY, "o1", 1000);
    assert_int_equal(nout, before);
}

static void test_section5_zero_point_purchase_emits_nothing(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 99);
    assert_int_equal(nout, 1);
    assert_int_equal(outs[0].o.type, LY_RW_WELCOME_BONUS);
    assert_int_equal(member("m")->purchase_count, 1);
}

/* ---- section 6 ---- */

static void test_section6_daily_cap_at_its_boundary(void **s)
{
    (void)s;
    int64_t next_day = (T0 / DAY + 1) * DAY;
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "r%d", i);
        engage(id, "m", T0 + i, LY_EV_REVIEW, NULL);
    }
    assert_int_equal(member("m")->balance, 300);
    int before = nout;
    engage("r4", "m", next_day - 1, LY_EV_REVIEW, NULL);
    assert_int_equal(nout, before);
    engage("r5", "m", next_day, LY_EV_REVIEW, NULL);
    expect("r5#1", LY_RW_POINTS_EARNED, 50, 350);
    /* An event that would pass the cap earns the remainder. */
    engage("s1", "m", next_day + 1, LY_EV_REVIEW, NULL);
    engage("s2", "m", next_day + 2, LY_EV_REVIEW, NULL);
    engage("s3", "m", next_day + 3, LY_EV_SURVEY, NULL); /* 180 */
    engage("s4", "m", next_day + 4, LY_EV_REVIEW, NULL);
    expect("s4#1", LY_RW_POINTS_EARNED, 20, 500);
}

/* Day totals are kept 35 days behind the clock, however many days the
 * member has engaged on since: a late event within them meets its day's cap. */
static void test_section6_late_event_meets_its_days_cap(void **s)
{
    (void)s;
    int64_t day0 = (T0 / DAY + 1) * DAY;
    for (int d = 0; d < 20; d++)
        for (int i = 0; i < 4; i++) {
            char id[16];
            snprintf(id, sizeof id, "d%di%d", d, i);
            engage(id, "m", day0 + d * DAY + i, LY_EV_REVIEW, NULL);
        }
    int64_t balance = member("m")->balance;
    assert_int_equal(balance, 100 + 20 * 200); /* welcome, then each day at its cap */
    int before = nout;
    engage("late1", "m", day0 + 1000, LY_EV_REVIEW, NULL);     /* day 0: 19 days behind */
    engage("late2", "m", day0 + 10 * DAY, LY_EV_REVIEW, NULL); /* day 10 */
    assert_int_equal(nout, before);
    assert_int_equal(member("m")->balance, balance);
}

static void test_section6_once_only_even_when_capped(void **s)
{
    (void)s;
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "r%d", i);
        engage(id, "m", T0 + i, LY_EV_REVIEW, NULL);
    }
    engage("pc1", "m", T0 + 10, LY_EV_PROFILE_COMPLETE, NULL); /* cap left 0, still used */
    engage("pc2", "m", T0 + DAY, LY_EV_PROFILE_COMPLETE, NULL);
    assert_null(find("pc2#1"));
    engage("f1", "m", T0 + DAY + 1, LY_EV_FOLLOW, "x");
    expect("f1#1", LY_RW_POINTS_EARNED, 10, 310);
    engage("f2", "m", T0 + DAY + 2, LY_EV_FOLLOW, "x");
    assert_null(find("f2#1"));
    engage("f3", "m", T0 + DAY + 3, LY_EV_FOLLOW, "instagram");
    expect("f3#1", LY_RW_POINTS_EARNED, 10, 320);
    int before = nout;
    engage("a1", "m", T0 + DAY + 4, LY_EV_APP_OPEN, NULL);
    assert_int_equal(nout, before);
    assert_string_equal(find("f3#1")->reason, "FOLLOW");
}

/* ---- section 7 ---- */

static void test_section7_negative_balance_and_lots(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 50000);
    redeem("x1", "m", T0 + 1, 600);
    expect("x1#1", LY_RW_POINTS_REDEEMED, -600, 0);
    redeem("x2", "m", T0 + 2, 1);
    expect("x2#1", LY_RW_REDEMPTION_REJECTED, 0, 0);
    assert_string_equal(find("x2#1")->reason, "INSUFFICIENT_POINTS");
    refund("r1", "m", T0 + 3, "o1", 50000);
    expect("r1#1", LY_RW_POINTS_REVERSED, -500, -500);
    assert_int_equal(member("m")->shelf.n[LY_SHELF_LOTS], 0);
    purchase("p2", "m", T0 + 4, "o2", 30000);
    expect("p2#1", LY_RW_POINTS_EARNED, 300, -200);
    assert_int_equal(lots_sum(member("m")), 0);
    purchase("p3", "m", T0 + 5, "o3", 40000);
    expect("p3#1", LY_RW_POINTS_EARNED, 400, 200);
    assert_int_equal(lots_sum(member("m")), 200);
}

static void test_section7_fifo_debits(void **s)
{
    (void)s;
    engage("a", "m", T0, LY_EV_REVIEW, NULL);               /* Jan: 150 */
    engage("b", "m", T0 + 31 * DAY, LY_EV_REVIEW, NULL);    /* Feb: 50 */
    redeem("c", "m", T0 + 32 * DAY, 170);
    const ly_member *m = member("m");
    assert_int_equal(m->shelf.n[LY_SHELF_LOTS], 1);
    assert_int_equal(ly_member_lots(m)[0].points, 30);
    assert_int_equal(ly_member_lots(m)[0].month, ly_time_month(T0 + 31 * DAY));
}

static void test_section7_expiry_at_the_exact_instant(void **s)
{
    (void)s;
    int64_t expiry = 1769904000000LL; /* 2026-02-01: Jan 2025 + 13 months */
    engage("a", "m", T0, LY_EV_REVIEW, NULL);
    engage("z1", "z", expiry - 1, LY_EV_APP_OPEN, NULL);
    assert_null(find("m#EXPIRY#1769904000000"));
    engage("b", "m", expiry, LY_EV_REVIEW, NULL);
    expect("m#EXPIRY#1769904000000", LY_RW_POINTS_EXPIRED, -150, 0);
    assert_true(index_of("m#EXPIRY#1769904000000") < index_of("b#1"));
    assert_null(find("m#EXPIRY#1769904000000")->o.source_event_id);
}

static void test_section7_late_credit_goes_to_clock_month(void **s)
{
    (void)s;
    engage("a", "m", T0, LY_EV_APP_OPEN, NULL);
    int64_t later = 1770000000000LL; /* Feb 2026: January 2025's lot has expired */
    engage("z", "z", later, LY_EV_APP_OPEN, NULL);
    engage("b", "m", T0 + DAY, LY_EV_REVIEW, NULL);
    const ly_member *m = member("m");
    assert_int_equal(m->shelf.n[LY_SHELF_LOTS], 1);
    assert_int_equal(ly_member_lots(m)[0].month, ly_time_month(later));
    assert_int_equal(m->balance, 50);
}

/* ---- section 8 ---- */

static void test_section8_upgrade_skips_levels_review_soft_landing(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 2000000);
    const rec *up = find("p1#3");
    assert_non_null(up);
    assert_int_equal(up->o.type, LY_RW_TIER_UPGRADE);
    assert_int_equal(up->o.old_tier, LY_TIER_BASIC);
    assert_int_equal(up->o.new_tier, LY_TIER_DIAMOND);
    /* Milestones after the upgrade, ascending, once each. */
    assert_int_equal(find("p1#4")->o.milestone, 1000);
    assert_int_equal(find("p1#5")->o.milestone, 5000);
    assert_int_equal(find("p1#6")->o.milestone, 10000);
    assert_null(find("p1#7"));
    advance(T0 + 4 * 365 * DAY);
    static const ly_tier steps[] = { LY_TIER_GOLD, LY_TIER_SILVER, LY_TIER_BASIC };
    for (int i = 0; i < 3; i++) {
        char id[64];
        snprintf(id, sizeof id, "m#TIER_REVIEW#%lld", (long long)(T0 + (i + 1) * 365 * DAY));
        const rec *r = find(id);
        if (!r)
            fail_msg("no %s", id);
        assert_int_equal(r->o.type, LY_RW_TIER_DOWNGRADE);
        assert_int_equal(r->o.new_tier, steps[i]);
    }
    assert_int_equal(member("m")->tier_review_due, LY_NO_TIMER);
}

static void test_section8_review_keeps_qualified_tier(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 100000);
    purchase("p2", "m", T0 + 300 * DAY, "o2", 100000);
    advance(T0 + 365 * DAY);
    assert_null(find("m#TIER_REVIEW#1768039200000"));
    assert_int_equal(member("m")->tier, LY_TIER_SILVER);
    assert_int_equal(member("m")->tier_review_due, T0 + 730 * DAY);
    advance(T0 + 730 * DAY);
    assert_int_equal(member("m")->tier, LY_TIER_BASIC);
}

static void test_section8_refund_never_downgrades(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 100000);
    refund("r1", "m", T0 + 1, "o1", 100000);
    assert_int_equal(member("m")->tier, LY_TIER_SILVER);
}

static void test_section8_milestone_once_ever(void **s)
{
    (void)s;
    purchase("p1", "m", T0, "o1", 100000);
    refund("r1", "m", T0 + 1, "o1", 100000);
    purchase("p2", "m", T0 + 2, "o2", 100000);
    assert_int_equal(count("m", REW, LY_RW_MILESTONE_REWARD), 1);
}

static void test_section8_referral_either_order(void **s)
{
    (void)s;
    refer("ref1", "r1", T0, "f1"); /* referral first */
    purchase("pf1", "f1", T0 + DAY, "o1", 1000);
    const rec *b = find("pf1#r1#1");
    assert_non_null(b);
    expect("pf1#r1#1", LY_RW_REFERRAL_BONUS, 500, 600);
    assert_string_equal(b->referred, "f1");
    assert_int_equal(b->o.occurred_at, T0 + DAY);

    purchase("pf2", "f2", T0 + 2 * DAY, "o1", 1000); /* purchase first, earlier referral late */
    refer("ref2", "r2", T0 + DAY, "f2");
    assert_non_null(find("pf2#r2#1"));

    purchase("pf3", "f3", T0 + 2 * DAY, "o1", 1000); /* referral after the purchase: none */
    refer("ref3", "r3", T0 + 3 * DAY, "f3");
    purchase("pf3b", "f3", T0 + 4 * DAY, "o2", 1000);
    assert_int_equal(count("r3", REW, LY_RW_REFERRAL_BONUS), 0);

    refer("ref4", "r4", T0 + 4 * DAY, "f4"); /* the earliest referral wins */
    refer("ref5", "r5", T0 + 3 * DAY, "f4");
    purchase("pf4", "f4", T0 + 5 * DAY, "o1", 1000);
    assert_int_equal(count("r4", REW, LY_RW_REFERRAL_BONUS), 0);
    assert_int_equal(count("r5", REW, LY_RW_REFERRAL_BONUS), 1);
    /* The referral notice alone does not create the referred member. */
    refer("ref6", "r6", T0 + 6 * DAY, "f6");
    assert_false(member("f6")->exists);
}

/* F's earliest purchase is the earliest by time, not the first processed;
 * its id is kept (on the member's shelf) only until the bonus is paid. */
static void test_section8_referral_uses_the_earliest_purchase_by_time(void **s)
{
    (void)s;
    purchase("pf7", "f7", T0 + 3 * DAY, "o1", 1000);
    purchase("pf7-early", "f7", T0 + 2 * DAY, "o2", 1000); /* late, and earlier */
    purchase("pf7-later", "f7", T0 + 4 * DAY, "o3", 1000);
    assert_int_equal(member("f7")->shelf.n[LY_SHELF_EARLIEST_PURCHASE], strlen("pf7-early"));
    assert_memory_equal(ly_member_earliest_purchase_id(member("f7")), "pf7-early", strlen("pf7-early"));
    refer("ref7", "r7", T0 + DAY, "f7");
    const rec *b = find("pf7-early#r7#1");
    assert_non_null(b);
    assert_int_equal(b->o.occurred_at, T0 + 2 * DAY);
    assert_int_equal(count("r7", REW, LY_RW_REFERRAL_BONUS), 1);
    assert_int_equal(member("f7")->shelf.n[LY_SHELF_EARLIEST_PURCHASE], 0);
}

static void test_section8_referral_bonus_paid_once_per_referred_member(void **s)
{
    (void)s;
    refer("ref1", "r1", T0, "f1");
    purchase("pf1", "f1", T0 + DAY, "o1", 1000);
    assert_int_equal(count("r1", REW, LY_RW_REFERRAL_BONUS), 1);
    /* The same bonus record again (in-process copy, then the topic's) is a no-op. */
    ly_event again = { .type = LY_EV_REFERRAL_GRANT, .source = LY_SRC_INTERNAL, .occurred_at = T0 + DAY,
                       .event_id = "pf1#r1", .member_id = "r1", .referred_member_id = "f1" };
    int before = nout;
    feed(again);
    assert_int_equal(nout, before);
    assert_int_equal(member("r1")->balance, 600);
    /* So is the notice: F keeps the same referral. */
    ly_event notice = { .type = LY_EV_REFERRAL_NOTICE, .source = LY_SRC_INTERNAL, .occurred_at = T0,
                        .event_id = "ref1#f1", .member_id = "f1", .referred_member_id = "r1" };
    feed(notice);
    assert_int_equal(nout, before);
}

static void test_section8_winback_window_edges(void **s)
{
    (void)s;
    purchase("w1", "w", T0, "o1", 1000);
    purchase("v1", "v", T0, "o1", 1000);
    /* HIGH inactivity at L + max(30, 3 * 30) days. */
    int64_t high = T0 + 90 * DAY;
    purchase("w2", "w", high + 90 * DAY, "o2", 1000);
    expect("w2#1", LY_RW_WIN_BACK_BONUS, 200, 310);
    purchase("v2", "v", high + 90 * DAY + 1, "o2", 1000);
    assert_int_equal(count("v", REW, LY_RW_WIN_BACK_BONUS), 0);
}

/* ---- section 9 ---- */

static void test_section9_churn_timers_rescheduled_by_purchase(void **s)
{
    (void)s;
    purchase("c1", "c", T0, "o1", 1000);
    assert_int_equal(member("c")->churn_due, T0 + 60 * DAY);
    purchase("c2", "c", T0 + 50 * DAY, "o2", 1000);
    advance(T0 + 100 * DAY);
    assert_int_equal(count("c", LY_TOPIC_CHURN, LY_RW_COUNT), 0);
    advance(T0 + 110 * DAY);
    const rec *a = find("c#CHURN#1746007200000");
    assert_non_null(a);
    assert_int_equal(a->o.risk, LY_RISK_MEDIUM);
    assert_true(a->o.days_since_last_purchase == 60.0);
    assert_true(a->o.expected_gap_days == 30.0);
}

static void test_section9_member_gap_after_three_purchases(void **s)
{
    (void)s;
    /* With three purchases the member's own gap counts: g = 10 days. */
    purchase("g1", "g", T0, "o1", 1000);
    purchase("g2", "g", T0 + 10 * DAY, "o2", 1000);
    purchase("g3", "g", T0 + 20 * DAY, "o3", 1000);
    assert_int_equal(member("g")->churn_due, T0 + 40 * DAY);
    advance(T0 + 200 * DAY);
    assert_non_null(find("g#CHURN#1739959200000")); /* T0 + 40 d, MEDIUM */
    assert_non_null(find("g#CHURN#1740823200000")); /* T0 + 50 d, HIGH */
    assert_int_equal(find("g#CHURN#1740823200000")->o.risk, LY_RISK_HIGH);
    assert_int_equal(find("g#CHURN#1740823200000")->o.action, LY_ACTION_WIN_BACK_OFFER);
}

static void test_section9_p_alive_option_raises_risk(void **s)
{
    (void)s;
    /* Off in the reference program: the MEDIUM inactivity alert has one reason. */
    purchase("g1", "g", T0, "o1", 1000);
    purchase("g2", "g", T0 + 10 * DAY, "o2", 1000);
    purchase("g3", "g", T0 + 20 * DAY, "o3", 1000);
    advance(T0 + 40 * DAY);
    assert_int_equal(find("g#CHURN#1739959200000")->o.reasons, LY_REASON_INACTIVITY);
    /* On: p_alive at T0 + 40 d is 0.6726, below 0.7 (MEDIUM), above 0.5 (HIGH). */
    P.p_alive_medium = 0.7;
    P.p_alive_high = 0.5;
    purchase("h1", "h", T0, "o1", 1000);
    purchase("h2", "h", T0 + 10 * DAY, "o2", 1000);
    purchase("h3", "h", T0 + 20 * DAY, "o3", 1000);
    advance(T0 + 40 * DAY);
    const rec *a = find("h#CHURN#1739959200000");
    assert_non_null(a);
    assert_int_equal(a->o.risk, LY_RISK_MEDIUM);
    assert_int_equal(a->o.reasons, LY_REASON_INACTIVITY | LY_REASON_LOW_P_ALIVE);
    assert_true(fabs(a->o.p_alive - 0.6726) < 1e-3);
    /* Below the HIGH threshold the alert is HIGH before inactivity is. */
    P.p_alive_high = 0.68;
    purchase("k1", "k", T0, "o1", 1000);
    purchase("k2", "k", T0 + 10 * DAY, "o2", 1000);
    purchase("k3", "k", T0 + 20 * DAY, "o3", 1000);
    advance(T0 + 40 * DAY);
    assert_int_equal(find("k#CHURN#1739959200000")->o.risk, LY_RISK_HIGH);
}

static void test_section9_sentiment_alert(void **s)
{
    (void)s;
    mention("s1", "m", T0, -0.9); /* welcome, points, then the alert */
    const rec *a = find("s1#3");
    assert_non_null(a);
    assert_int_equal(a->o.topic, LY_TOPIC_CHURN);
    assert_int_equal(a->o.reasons, LY_REASON_NEGATIVE_SENTIMENT);
    assert_int_equal(a->o.action, LY_ACTION_ENGAGEMENT_NUDGE);
    mention("s2", "m", T0 + 1, -0.4); /* s = -0.75: still MEDIUM, no new alert */
    assert_null(find("s2#2"));
    advance(T0 + 90 * DAY);
    const rec *h = find("m#CHURN#1744279200000");
    assert_non_null(h);
    assert_int_equal(h->o.risk, LY_RISK_HIGH);
    assert_int_equal(h->o.reasons, LY_REASON_INACTIVITY | LY_REASON_NEGATIVE_SENTIMENT);
    /* MEDIUM inactivity at 60 days raised nothing: MEDIUM was alerted already. */
    assert_null(find("m#CHURN#1741687200000"));
}

static void test_section9_episode_ends_with_purchase_keeps_sentiment(void **s)
{
    (void)s;
    mention("s1", "m", T0, -0.9);
    purchase("p1", "m", T0 + DAY, "o1", 1000);
    assert_int_equal(member("m")->alerted, LY_RISK_NONE);
    mention("s2", "m", T0 + 2 * DAY, -0.9); /* s stays below -0.5: a new alert */
    assert_int_equal(find("s2#2")->o.topic, LY_TOPIC_CHURN);
}

static void test_section9_p_alive(void **s)
{
    (void)s;
    ly_member m;
    assert_int_equal(ly_member_init(&m, "m4"), 0);
    m.exists = 1;
    assert_true(ly_engine_p_alive(&P, &m, T0) == 1.0);
    m.purchase_count = 2;
    m.first_purchase = 1735689600000LL;
    m.last_purchase = 1751328000000LL;
    double p = ly_engine_p_alive(&P, &m, 1756512000000LL);
    assert_true(fabs(p - 0.6917404436284611) < 1e-12);
    m.purchase_count = 1;
    m.last_purchase = m.first_purchase;
    assert_true(ly_engine_p_alive(&P, &m, 1756512000000LL) == 1.0);
    ly_member_clear(&m);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_section3_timers_fire_in_due_member_kind_order),
        T(test_section3_long_ids_sharing_a_prefix_fire_in_id_order),
        T(test_section3_same_instant_kinds_expiry_review_churn),
        T(test_section3_late_event_keeps_clock),
        T(test_section4_welcome_bonus_on_first_event),
        T(test_section4_rejections_create_no_member),
        T(test_section5_earning_rounds_down_with_tier_multiplier),
        T(test_section11_campaigns_stack_in_program_order),
        T(test_section11_caps_count_points_and_uses),
        T(test_section5_partial_refunds_in_parts_reverse_exactly),
        T(test_section5_duplicate_and_unknown_orders),
        T(test_section5_refunds_in_every_order_form),
        T(test_section5_small_order_limits),
        T(test_section5_compact_order_limits),
        T(test_member_arrays_trimmed_when_dropped),
        T(test_section5_dedupe_window_24h),
        T(test_section5_zero_point_purchase_emits_nothing),
        T(test_section6_daily_cap_at_its_boundary),
        T(test_section6_once_only_even_when_capped),
        T(test_section6_late_event_meets_its_days_cap),
        T(test_section7_negative_balance_and_lots),
        T(test_section7_fifo_debits),
        T(test_section7_expiry_at_the_exact_instant),
        T(test_section7_late_credit_goes_to_clock_month),
        T(test_section8_upgrade_skips_levels_review_soft_landing),
        T(test_section8_review_keeps_qualified_tier),
        T(test_section8_refund_never_downgrades),
        T(test_section8_milestone_once_ever),
        T(test_section8_referral_either_order),
        T(test_section8_referral_uses_the_earliest_purchase_by_time),
        T(test_section8_referral_bonus_paid_once_per_referred_member),
        T(test_section8_winback_window_edges),
        T(test_section9_churn_timers_rescheduled_by_purchase),
        T(test_section9_member_gap_after_three_purchases),
        T(test_section9_p_alive_option_raises_risk),
        T(test_section9_sentiment_alert),
        T(test_section9_episode_ends_with_purchase_keeps_sentiment),
        T(test_section9_p_alive),
    };
    return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
