/* The member state codec: every member of a generated stream survives
 * encode/decode unchanged, and no byte string crashes the decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_gen.h"
#include "ly_partition.h"
#include "ly_state.h"

static void drop(void *o, const ly_output *out) { (void)o; (void)out; }
static void drop_internal(void *o, const ly_event *ev) { (void)o; (void)ev; }

static ly_partition *run_stream(const ly_program *p)
{
    char *text = NULL, err[128];
    size_t len;
    FILE *f = open_memstream(&text, &len);
    ly_gen_options go = { 400, 365, 9, 1735689600000LL, "USD", 1 };
    assert_int_equal(ly_gen(&go, f, NULL, err, sizeof err), 0);
    fclose(f);
    ly_partition *pt = ly_partition_new(p);
    ly_arena *arena = ly_arena_new();
    ly_sink sink = { NULL, drop, drop_internal };
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        ly_event ev;
        if (ly_event_decode_json(line, strlen(line), LY_SRC_ANY, "USD", arena, &ev, NULL) == 0)
            ly_partition_process(pt, &ev, &sink);
    }
    ly_arena_destroy(arena);
    free(text);
    return pt;
}

static void test_members_roundtrip(void **s)
{
    (void)s;
    /* The retail program and stream: every part-two field of the state. */
    ly_program p;
    char path[512], err0[256];
    ly_program_reference(&p);
    snprintf(path, sizeof path, "%s/programs/retail.yaml", LY_SOURCE_DIR);
    if (ly_program_load_file(&p, path, err0, sizeof err0) < 0)
        fail_msg("%s", err0);
    ly_partition *pt = run_stream(&p);
    size_t n, total = 0, notices = 0, tier_notices = 0, birthdays = 0;
    ly_member **ms = ly_partition_members(pt, &n);
    assert_true(n > 300);
    for (size_t i = 0; i < n; i++) {
        ly_buf a = {0}, b = {0};
        char err[128];
        ly_state_encode(ms[i], &a);
        total += a.len;
        ly_member back;
        if (ly_state_decode(a.data, a.len, ly_member_id(ms[i]), &back, err, sizeof err) != 0)
            fail_msg("%s", err);
        ly_state_encode(&back, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        assert_int_equal(back.balance, ms[i]->balance);
        assert_int_equal(back.shelf.n[LY_SHELF_LOTS], ms[i]->shelf.n[LY_SHELF_LOTS]);
        /* The earliest timer in the extra part is known without it, before
         * and after the round trip. */
        assert_int_equal(ms[i]->extra_due, ly_member_extra_earliest(ms[i]));
        assert_int_equal(back.extra_due, ms[i]->extra_due);
        /* The notice timers' due times come back from their schedules. */
        for (int k = 0; k < LY_TIMER_COUNT; k++)
            assert_int_equal(ly_member_due(&back, (ly_timer_kind)k), ly_member_due(ms[i], (ly_timer_kind)k));
        notices += ly_member_due(ms[i], LY_TIMER_EXPIRY_NOTICE) != LY_NO_TIMER;
        tier_notices += ly_member_due(ms[i], LY_TIMER_TIER_NOTICE) != LY_NO_TIMER;
        birthdays += ly_member_due(ms[i], LY_TIMER_BIRTHDAY) != LY_NO_TIMER;
        assert_int_equal(back.timer_pos, -1);
        ly_member_clear(&back);
        ly_buf_free(&a);
        ly_buf_free(&b);
    }
    print_message("state: %zu members, %.0f bytes each on average\n", n, (double)total / (double)n);
    size_t with_campaigns = 0, with_birthday = 0, with_redemptions = 0;
    for (size_t i = 0; i < n; i++) {
        with_campaigns += ly_member_extra_of(ms[i])->campaigns.n > 0;
        with_birthday += ms[i]->birthday != 0;
        with_redemptions += ms[i]->shelf.n[LY_SHELF_REDEMPTIONS] > 0;
    }
    assert_true(with_campaigns > 10 && with_birthday > 10 && with_redemptions > 10);
    assert_true(notices > 10 && tier_notices > 10 && birthdays > 10);
    ly_partition_destroy(pt);
    ly_program_free(&p);
}

static void put_i(ly_buf *b, int64_t v)
{
    ly_state_put_uvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* A member as the state format before part two (version 1) wrote it: it
 * must load, with its three timers where they were and its lot's expiry
 * fixed from the program when the partition adopts it. */
/* What is kept in the extra part - orders in full, the RELEASE and
 * BIRTHDAY timers - comes back there; a member with none of it loads
 * without one, even though its orders are read through it. */
static void test_extra_part_roundtrip(void **s)
{
    (void)s;
    ly_member m, back;
    ly_buf a = { 0 }, b = { 0 };
    char err[128];
    assert_int_equal(ly_member_init(&m, "m1"), 0);
    m.exists = 1;
    ly_order compact = { ly_member_key("o1"), 1000, 400, 10, LY_NO_TIME };
    ly_order pending = { ly_member_key("o2"), 2000, 0, 20, 1767225600000LL };
    ly_member_order_put(&m, &compact, 0);
    assert_null(m.extra);
    ly_state_encode(&m, &a);
    assert_int_equal(ly_state_decode(a.data, a.len, "m1", &back, err, sizeof err), 0);
    assert_null(back.extra);
    assert_int_equal(back.shelf.n[LY_SHELF_ORDERS], 1);
    ly_member_clear(&back);
    ly_member_order_put(&m, &pending, 0);
    assert_non_null(m.extra);
    m.extra->release_due = pending.release_at;
    m.birthday = 415;
    m.extra->birthday_due = 1776211200000LL;
    ly_buf_free(&a);
    ly_state_encode(&m, &a);
    assert_int_equal(ly_state_decode(a.data, a.len, "m1", &back, err, sizeof err), 0);
    assert_int_equal(back.shelf.n[LY_SHELF_ORDERS], 1);
    assert_int_equal(ly_member_extra_of(&back)->orders.n, 1);
    assert_int_equal(ly_member_due(&back, LY_TIMER_RELEASE), pending.release_at);
    assert_int_equal(ly_member_due(&back, LY_TIMER_BIRTHDAY), 1776211200000LL);
    assert_int_equal(back.extra_due, pending.release_at);
    ly_order o;
    assert_int_equal(ly_member_order_get(&back, ly_member_key("o1"), &o), 1);
    assert_int_equal(o.refunded, 400);
    assert_int_equal(ly_member_order_get(&back, ly_member_key("o2"), &o), 1);
    assert_int_equal(o.release_at, pending.release_at);
    ly_state_encode(&back, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    ly_member_clear(&back);
    ly_member_clear(&m);
    ly_buf_free(&a);
    ly_buf_free(&b);
}

static void test_version1_state_still_loads(void **s)
{
    (void)s;
    const int64_t t0 = 1735732800000LL; /* 2025-01-01 12:00 */
    const int32_t jan = 2025 * 12;
    ly_buf b = {0};
    ly_buf_put(&b, "\x01", 1);
    uint64_t head[] = { 1 /* exists */, LY_TIER_SILVER, 0, 0, 1 /* milestone 1000 */, 0, 1 /* purchases */ };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        ly_state_put_uvarint(&b, head[i]);
    ly_state_put_uvarint(&b, 0xF8F); /* times 0-3, the three timers, balance, lifetime */
    int64_t times[] = { t0, t0, t0, t0, 1769904000000LL, t0 + 365 * 86400000LL, t0 + 14 * 86400000LL, 1100, 1100 };
    for (size_t i = 0; i < sizeof times / sizeof *times; i++)
        put_i(&b, times[i]);
    ly_state_put_uvarint(&b, 0); /* no referrer */
    ly_state_put_uvarint(&b, 0); /* no earliest purchase id */
    ly_state_put_uvarint(&b, 1), put_i(&b, jan), put_i(&b, 1100);   /* one lot */
    ly_state_put_uvarint(&b, 1), put_i(&b, jan), put_i(&b, 100000); /* one spend month */
    ly_state_put_uvarint(&b, 0);                                    /* no day totals */
    ly_state_put_uvarint(&b, 1);                                    /* one order */
    uint64_t key = ly_member_key("o1");
    ly_buf_put(&b, (const char *)&key, 8);
    put_i(&b, 100000), put_i(&b, 0), put_i(&b, 1000);
    ly_state_put_uvarint(&b, 0), ly_state_put_uvarint(&b, 0); /* platforms, referred */
    ly_member *m = malloc(sizeof *m);
    char err[128];
    if (ly_state_decode(b.data, b.len, "old", m, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(m->expiry_due, 1769904000000LL);
    assert_int_equal(m->tier_review_due, t0 + 365 * 86400000LL);
    assert_int_equal(m->churn_due, t0 + 14 * 86400000LL);
    assert_int_equal(ly_member_due(m, LY_TIMER_RELEASE), LY_NO_TIMER);
    assert_int_equal(ly_member_order_count(m), 1);
    assert_int_equal(ly_member_order_at(m, 0).release_at, LY_NO_TIME);
    assert_int_equal(ly_member_order_at(m, 0).points, 1000);
    assert_int_equal(ly_member_pending_points(m), 0);
    assert_int_equal(m->balance, 1100);
    ly_program p;
    ly_program_reference(&p);
    ly_partition *pt = ly_partition_new(&p);
    assert_int_equal(ly_partition_adopt(pt, m), 0);
    m = ly_partition_find(pt, "old"); /* adopt took the record and freed m */
    assert_non_null(m);
    assert_int_equal(ly_lot_expires(&ly_member_lots(m)[0]), 1769904000000LL); /* 2026-02-01: month + 13 */
    /* It re-encodes as the current version. */
    ly_buf c = {0};
    ly_state_encode(m, &c);
    assert_int_equal(c.data[0], LY_STATE_VERSION);
    ly_partition_destroy(pt);
    ly_buf_free(&b);
    ly_buf_free(&c);
}

static ly_event granted;
static char granted_id[LY_RECORD_ID_MAX + 1];
static void keep_grant(void *o, const ly_event *ev)
{
    (void)o;
    granted = *ev;
    snprintf(granted_id, sizeof granted_id, "%s", ev->event_id);
}
static void drop_output(void *o, const ly_output *out) { (void)o; (void)out; }

/* A state keeps the earliest purchase's instant apart from the first
 * purchase's (older versions wrote both; they are the same while the id is
 * kept). The decoder reads it and goes by the first purchase, which is
 * what a referral then names. */
static void test_earliest_purchase_is_the_first_purchase(void **s)
{
    (void)s;
    const int64_t t0 = 1735732800000LL; /* 2025-01-01 12:00 */
    ly_buf b = {0};
    ly_buf_put(&b, "\x01", 1);
    uint64_t head[] = { 1 /* exists */, LY_TIER_BASIC, 0, 0, 0, 0, 1 /* purchases */ };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        ly_state_put_uvarint(&b, head[i]);
    ly_state_put_uvarint(&b, 0xFCF); /* times 0-3, the earliest purchase, the three timers, balance, lifetime */
    int64_t times[] = { t0, t0, t0, t0, t0 + 5 /* not the first purchase's */, 1769904000000LL,
                        t0 + 365 * 86400000LL, t0 + 14 * 86400000LL, 100, 100 };
    for (size_t i = 0; i < sizeof times / sizeof *times; i++)
        put_i(&b, times[i]);
    ly_state_put_uvarint(&b, 0); /* no referrer */
    ly_state_put_uvarint(&b, 2), ly_buf_put(&b, "p0", 2);
    ly_state_put_uvarint(&b, 1), put_i(&b, 2025 * 12), put_i(&b, 100); /* one lot */
    ly_state_put_uvarint(&b, 0), ly_state_put_uvarint(&b, 0);          /* spend, day totals */
    ly_state_put_uvarint(&b, 0), ly_state_put_uvarint(&b, 0), ly_state_put_uvarint(&b, 0); /* orders, platforms, referred */
    ly_member *m = malloc(sizeof *m);
    char err[128];
    if (ly_state_decode(b.data, b.len, "f", m, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(m->shelf.n[LY_SHELF_EARLIEST_PURCHASE], 2);
    assert_memory_equal(ly_member_earliest_purchase_id(m), "p0", 2);
    ly_program p;
    ly_program_reference(&p);
    ly_partition *pt = ly_partition_new(&p);
    assert_int_equal(ly_partition_adopt(pt, m), 0);
    m = ly_partition_find(pt, "f"); /* adopt took the record and freed m */
    assert_non_null(m);
    ly_event notice = { .type = LY_EV_REFERRAL_NOTICE, .source = LY_SRC_INTERNAL, .occurred_at = t0 - 1,
                        .event_id = "ref1#f", .member_id = "f", .referred_member_id = "r" };
    ly_sink sink = { NULL, drop_output, keep_grant };
    assert_int_equal(ly_partition_process(pt, &notice, &sink), 0);
    assert_int_equal(granted.type, LY_EV_REFERRAL_GRANT);
    assert_string_equal(granted_id, "p0#r");
    assert_int_equal(granted.occurred_at, t0);
    assert_int_equal(m->shelf.n[LY_SHELF_EARLIEST_PURCHASE], 0); /* paid: the id goes */
    ly_partition_destroy(pt);
    ly_buf_free(&b);
}

static void test_decoder_rejects_garbage(void **s)
{
    (void)s;
    unsigned char buf[200];
    unsigned x = 7;
    char err[128];
    ly_member m;
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 199) + 1;
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            buf[i] = (unsigned char)(x >> 24);
        }
        buf[0] = LY_STATE_VERSION;
        if (ly_state_decode((const char *)buf, n, "m", &m, err, sizeof err) == 0)
            ly_member_clear(&m);
    }
    assert_int_equal(ly_state_decode("\x09", 1, "m", &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown state version 9"));
}

/* Replaces the one place where the varint of `was` sits in state b by the
 * varint of `now` (same length), so the rest of the state stays whole. */
static void replace_varint(ly_buf *b, int64_t was, int64_t now)
{
    ly_buf from = {0}, to = {0};
    put_i(&from, was), put_i(&to, now);
    assert_int_equal(from.len, to.len);
    char *hit = NULL;
    for (size_t i = 0; i + from.len <= b->len; i++)
        if (memcmp(b->data + i, from.data, from.len) == 0) {
            assert_null(hit); /* the value is chosen to occur once */
            hit = b->data + i;
        }
    assert_non_null(hit);
    memcpy(hit, to.data, to.len);
    ly_buf_free(&from), ly_buf_free(&to);
}

/* Lots keep their expiry as a month (ly_lot): a stored expiry that is not
 * a month's start cannot be kept, so the state is corrupt, not rounded. */
static void test_lot_expiry_off_a_month_start_is_corrupt(void **s)
{
    (void)s;
    ly_member m;
    assert_int_equal(ly_member_init(&m, "m"), 0);
    m.exists = 1;
    ly_lot *l = ly_member_shelf_insert(&m, LY_SHELF_LOTS, m.shelf.n[LY_SHELF_LOTS], 1);
    assert_non_null(l);
    *l = (ly_lot){ 2025 * 12, 2026 * 12 + 1, 500 };
    ly_buf good = {0};
    ly_state_encode(&m, &good);
    ly_member back;
    char err[128];
    assert_int_equal(ly_state_decode(good.data, good.len, "m", &back, err, sizeof err), 0);
    assert_int_equal(ly_lot_expires(&ly_member_lots(&back)[0]), 1769904000000LL); /* 2026-02-01 */
    ly_member_clear(&back);
    replace_varint(&good, 1769904000000LL, 1769904000001LL);
    assert_int_equal(ly_state_decode(good.data, good.len, "m", &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "corrupt state"));
    ly_buf_free(&good);
    ly_member_clear(&m);
}

/* Members keep lot and spend months and day-total days in 16 bits
 * (ly_member.h): a stored value beyond them is corrupt, not truncated. */
static void test_months_and_days_beyond_16_bits_are_corrupt(void **s)
{
    (void)s;
    ly_member m;
    assert_int_equal(ly_member_init(&m, "m"), 0);
    m.exists = 1;
    ly_lot *l = ly_member_shelf_insert(&m, LY_SHELF_LOTS, 0, 1);
    assert_non_null(l);
    *l = (ly_lot){ 2025 * 12 + 1, 2026 * 12 + 1, 500 };
    ly_day_total *d = ly_member_shelf_push(&m, LY_SHELF_DAYS); /* may move the shelf: l is spent */
    assert_non_null(d);
    *d = (ly_day_total){ 20123, 7 };
    ly_buf good = {0};
    ly_state_encode(&m, &good);
    ly_member back;
    char err[128];
    assert_int_equal(ly_state_decode(good.data, good.len, "m", &back, err, sizeof err), 0);
    assert_int_equal(ly_member_lots(&back)[0].month, 2025 * 12 + 1);
    assert_int_equal(ly_member_days(&back)[0].day, 20123);
    ly_member_clear(&back);
    struct { int64_t was, now; } cases[] = {
        { 2025 * 12 + 1, 32767 - 1200 + 1 }, /* the lot's month: no room for its expiry */
        { 20123, 65536 },                    /* the day total's day */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ly_buf bad = {0};
        ly_buf_put(&bad, good.data, good.len);
        replace_varint(&bad, cases[i].was, cases[i].now);
        assert_int_equal(ly_state_decode(bad.data, bad.len, "m", &back, err, sizeof err), -1);
        assert_non_null(strstr(err, "corrupt state"));
        ly_buf_free(&bad);
    }
    ly_buf_free(&good);
    ly_member_clear(&m);
}

/* Order, event and member keys are stored with the state: their values may
 * never change. Pinned for a few ids, and every length from 0 to 40 against
 * the definition (8-byte little-endian words, then the rest zero-filled). */
static uint64_t key_mix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    return x ^ (x >> 32);
}

static uint64_t key_by_definition(const unsigned char *s, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t w = 0;
        for (int b = 0; b < 8; b++)
            w |= (uint64_t)s[i + b] << (8 * b);
        h = key_mix(h ^ w);
    }
    uint64_t tail = 0;
    for (size_t b = 0; i + b < len; b++)
        tail |= (uint64_t)s[i + b] << (8 * b);
    return key_mix(h ^ tail ^ ((uint64_t)(len - i) << 56));
}

static void test_member_keys_never_change(void **s)
{
    (void)s;
    static const struct { const char *id; uint64_t key; } pinned[] = {
        { "", 0x4e17cf67001b3979ULL },         { "a", 0xda2e7e100f3c4d8bULL },
        { "ab", 0x7acf0f7cda0c8215ULL },       { "abc", 0x8a3066d55bc9bfaeULL },
        { "abcd", 0x0b269e77b2d16e4aULL },     { "mbr-0000654", 0x896def69cc72e376ULL },
        { "ev-bdf0", 0x02c187418ade7c32ULL },  { "order-12345678901234567890", 0xb2670120bacd1718ULL },
        { "\xc3\xa9t\xc3\xa9", 0x9d540528d746780cULL },
    };
    for (size_t i = 0; i < sizeof pinned / sizeof *pinned; i++)
        assert_true(ly_member_key(pinned[i].id) == pinned[i].key);
    unsigned char buf[48];
    uint64_t x = 88172645463325252ULL;
    for (int round = 0; round < 200; round++) {
        for (size_t len = 0; len <= 40; len++) {
            for (size_t b = 0; b < len; b++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                buf[b] = (unsigned char)(x % 255 + 1); /* no NUL inside */
            }
            buf[len] = 0;
            assert_true(ly_member_key((const char *)buf) == key_by_definition(buf, len));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_roundtrip),
        cmocka_unit_test(test_extra_part_roundtrip),
        cmocka_unit_test(test_version1_state_still_loads),
        cmocka_unit_test(test_earliest_purchase_is_the_first_purchase),
        cmocka_unit_test(test_decoder_rejects_garbage),
        cmocka_unit_test(test_lot_expiry_off_a_month_start_is_corrupt),
        cmocka_unit_test(test_months_and_days_beyond_16_bits_are_corrupt),
        cmocka_unit_test(test_member_keys_never_change),
    };
    return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
