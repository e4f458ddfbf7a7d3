/* The Avro codec: every output the engine makes survives encode/decode with
 * the same JSON, inputs decode to the same events as their JSON, and Avro
 * inputs are validated by the same rules. */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "event_compare.h"
#include "avro_internal.h"
#include "ly_avro.h"
#include "ly_partition.h"
#include "ly_simulate.h"

static ly_avro *codec;
static int checked[LY_TOPIC_COUNT];

static ly_topic_role role_of(ly_topic t)
{
    return ly_avro_output_role(t);
}

/* The direct writer (avro_out.c) against avro-c's generic values. */
static void expect_same_bytes_as_general(const ly_output *o, int32_t schema_id)
{
    ly_buf fast = {0}, general = {0};
    char err[256];
    assert_int_equal(ly_avro_encode_output(codec, o, schema_id, &fast, err, sizeof err), 0);
    if (ly_avro_encode_output_general(codec, o, schema_id, &general, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(fast.len, general.len);
    assert_memory_equal(fast.data, general.data, fast.len);
    ly_buf_free(&fast);
    ly_buf_free(&general);
}

/* Every field's corners: each enum symbol, both union branches, empty and
 * full reason arrays, extreme longs, NaN and finite CLV, cut originals. */
static void test_direct_writer_matches_avro_c(void **s)
{
    (void)s;
    const int64_t longs[] = { 0, 1, -1, 63, 64, -65, 1LL << 40, INT64_MAX, INT64_MIN };
    unsigned x = 99;
    for (int i = 0; i < 20000; i++) {
        x = x * 1664525u + 1013904223u;
        ly_output o = {0};
        o.topic = (ly_topic)(x % LY_TOPIC_COUNT);
        o.member_id = (x >> 3) % 5 ? "m-\xc3\xa9t\xc3\xa9" : "";
        o.source_event_id = (x >> 5) % 3 ? "ev-1" : (x >> 5) % 3 == 1 ? "" : NULL;
        o.seq = (int)(x >> 7) % 4;
        o.timer = (ly_timer_kind)((x >> 9) % LY_TIMER_COUNT);
        o.occurred_at = longs[(x >> 11) % 9];
        o.type = (ly_reward_type)((x >> 13) % LY_RW_COUNT);
        o.points_delta = longs[(x >> 15) % 9];
        o.balance_after = longs[(x >> 17) % 9];
        o.lifetime_points = longs[(x >> 19) % 9];
        o.tier = (ly_tier)((x >> 21) % LY_TIER_COUNT);
        o.old_tier = (ly_tier)((x >> 23) % LY_TIER_COUNT);
        o.new_tier = (ly_tier)((x >> 25) % LY_TIER_COUNT);
        o.reason = (x >> 4) % 2 ? "PURCHASE" : NULL;
        o.reward_id = (x >> 6) % 2 ? "gift" : NULL;
        o.milestone = longs[(x >> 8) % 9];
        o.referred_member_id = (x >> 10) % 2 ? "f" : NULL;
        o.referrer_member_id = (x >> 12) % 2 ? "r" : NULL;
        o.campaign_id = (x >> 14) % 2 ? "spring" : NULL;
        o.release_at = (x >> 16) % 2 ? longs[(x >> 18) % 9] : 0;
        o.notice = (ly_notice_type)((x >> 20) % 3);
        o.notice_points = longs[(x >> 22) % 9];
        o.expires_at = longs[(x >> 24) % 9];
        o.review_at = longs[(x >> 26) % 9];
        o.spend_needed_minor = longs[(x >> 1) % 9];
        o.next_tier = (ly_tier)((x >> 2) % LY_TIER_COUNT);
        o.risk = (ly_risk)((x >> 3) % 3);
        o.reasons = (x >> 5) % 8;
        o.days_since_last_purchase = (double)(x % 1000) / 7.0;
        o.expected_gap_days = -0.0;
        o.p_alive = 1e-300 * (x % 3);
        o.action = (ly_action)((x >> 7) % 3);
        o.clv = (x >> 9) % 2 ? NAN : (double)x / 3.0;
        o.reject = (ly_reject)(LY_REJECT_INVALID + (x >> 11) % LY_REJECT_QUARANTINED_MEMBER);
        o.detail = (x >> 13) % 2 ? "bad amount" : NULL;
        o.original = (x >> 15) % 3 ? "{\"x\":\0 1}" : NULL;
        o.original_len = o.original ? 9 : 0;
        o.original_full_len = (x >> 17) % 2 ? 1 << 20 : o.original_len;
        o.source_topic = (x >> 19) % 2 ? "loyalty.purchases" : NULL;
        o.partition = (int32_t)longs[(x >> 21) % 4];
        o.offset = longs[(x >> 23) % 9];
        expect_same_bytes_as_general(&o, (int32_t)(x % 3 ? 42 : 0x7f000102));
    }
}

static void roundtrip(void *opaque, const ly_output *o)
{
    (void)opaque;
    ly_buf bin = {0}, want = {0}, got = {0};
    char err[256];
    ly_output copy = *o;
    if (copy.topic == LY_TOPIC_DLQ) {
        copy.source_topic = "loyalty.purchases";
        copy.partition = 2;
        copy.offset = 77;
        copy.original = "{\"x\":1}";
        copy.original_len = 7;
    }
    assert_int_equal(ly_avro_encode_output(codec, &copy, 42, &bin, err, sizeof err), 0);
    assert_int_equal(ly_avro_frame_id(bin.data, bin.len), 42);
    expect_same_bytes_as_general(&copy, 42);
    ly_arena *arena = ly_arena_new();
    ly_output back;
    if (ly_avro_decode_output(codec, role_of(o->topic), bin.data, bin.len, arena, &back, err, sizeof err) != 0)
        fail_msg("%s", err);
    ly_output_json(&want, &copy);
    ly_output_json(&got, &back);
    assert_string_equal(got.data, want.data);
    checked[o->topic]++;
    ly_arena_destroy(arena);
    ly_buf_free(&bin);
    ly_buf_free(&want);
    ly_buf_free(&got);
}

static void ignore_internal(void *opaque, const ly_event *ev)
{
    (void)opaque;
    (void)ev;
}

static void test_outputs_roundtrip(void **s)
{
    (void)s;
    const char *names[] = { "01-purchases-tiers-refunds", "03-churn-sentiment-winback", "04-referrals",
                            "05-reminder-debt-late-referral", "06-campaigns-lines-referred",
                            "07-pending-refunds-release", "08-notices-birthdays", "09-redeem-cancel-erasure",
                            "10-program-versions" };
    ly_sink sink = { NULL, roundtrip, ignore_internal };
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char path[512], err[256];
        size_t len;
        ly_program p;
        ly_program_reference(&p);
        snprintf(path, sizeof path, "%s/tests/golden/%s.yaml", LY_SOURCE_DIR, names[k]);
        if (k >= 4 && ly_program_load_file(&p, path, err, sizeof err) < 0)
            fail_msg("%s", err);
        snprintf(path, sizeof path, "%s/tests/golden/%s.jsonl", LY_SOURCE_DIR, names[k]);
        char *text = ly_read_file(path, &len, err, sizeof err);
        assert_non_null(text);
        ly_partition *pt = ly_partition_new(&p);
        ly_arena *arena = ly_arena_new();
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            ly_event ev;
            if (ly_event_decode_json(line, strlen(line), LY_SRC_ANY, "USD", arena, &ev, NULL) == 0)
                ly_partition_process(pt, &ev, &sink);
        }
        ly_partition_advance(pt, 1800000000000LL, &sink);
        ly_partition_destroy(pt);
        ly_arena_destroy(arena);
        ly_program_free(&p);
        free(text);
    }
    assert_true(checked[LY_TOPIC_NOTICES] > 5);
    assert_true(checked[LY_TOPIC_REWARDS] > 20);
    assert_true(checked[LY_TOPIC_CHURN] > 5);
    assert_true(checked[LY_TOPIC_DLQ] > 2);
}

/* The direct reader (avro_in.c) against avro-c's generic values: the same
 * event, or the same dead letter. */
static void expect_readers_agree(ly_topic_role role, const char *buf, size_t len, ly_arena *arena)
{
    ly_event a, b;
    ly_decode_info ia, ib;
    int ra = ly_avro_decode_event(codec, role, 3, buf, len, "USD", arena, &a, &ia);
    int rb = ly_avro_decode_event_general(codec, role, 3, buf, len, "USD", arena, &b, &ib);
    assert_int_equal(ra, rb);
    if (ra == 0) {
        assert_same_event(&a, &b);
    } else {
        assert_int_equal(ia.reject, ib.reject);
        /* avro-c's own message trails what it said before: compare ours. */
        const char *colon = strncmp(ia.detail, "not a ", 6) == 0 ? strchr(ia.detail, ':') : NULL;
        size_t n = colon ? (size_t)(colon - ia.detail) : strlen(ia.detail) + 1;
        if (strncmp(ia.detail, ib.detail, n) != 0)
            fail_msg("details differ: [%s] and [%s]", ia.detail, ib.detail);
    }
}

/* Every byte of a valid record changed to a few values, and every
 * truncation: the readers agree on all of them. */
static void expect_readers_agree_on_mutations(ly_topic_role role, const ly_buf *bin, ly_arena *arena)
{
    static const unsigned char values[] = { 0x00, 0x01, 0x02, 0x03, 0x7F, 0x80, 0xFF, 0x41 };
    char *copy = malloc(bin->len);
    assert_non_null(copy);
    for (size_t i = 5; i < bin->len; i++) {
        expect_readers_agree(role, bin->data, i, arena);
        for (size_t v = 0; v < sizeof values; v++) {
            memcpy(copy, bin->data, bin->len);
            copy[i] = (char)values[v];
            expect_readers_agree(role, copy, bin->len, arena);
        }
    }
    free(copy);
}

static void check_event(const char *json)
{
    ly_arena *arena = ly_arena_new();
    ly_event a, b;
    ly_buf bin = {0};
    char err[256];
    assert_int_equal(ly_event_decode_json(json, strlen(json), LY_SRC_ANY, "USD", arena, &a, NULL), 0);
    assert_int_equal(ly_avro_encode_event(codec, &a, 3, &bin, err, sizeof err), 0);
    ly_decode_info info;
    if (ly_avro_decode_event(codec, (ly_topic_role)a.source, 3, bin.data, bin.len, "USD", arena, &b, &info) != 0)
        fail_msg("%s: %s", json, info.detail);
    assert_same_event(&a, &b);
    /* The direct reader read it, not avro-c. */
    char why[128];
    assert_int_equal(ly_avro_read_direct(&codec->cur[a.source], bin.data + 5, bin.len - 5,
                                         &(ly_fields){ .arena = arena }, why, sizeof why), 1);
    expect_readers_agree_on_mutations((ly_topic_role)a.source, &bin, arena);
    assert_int_equal(a.type, b.type);
    assert_int_equal(a.occurred_at, b.occurred_at);
    assert_string_equal(a.event_id, b.event_id);
    assert_string_equal(a.member_id, b.member_id);
    assert_int_equal(a.amount_minor, b.amount_minor);
    assert_int_equal(a.points, b.points);
    assert_true(a.sentiment == b.sentiment);
    if (a.referred_member_id)
        assert_string_equal(a.referred_member_id, b.referred_member_id);
    /* A different schema id is refused. */
    assert_int_equal(ly_avro_decode_event(codec, (ly_topic_role)a.source, 4, bin.data, bin.len, "USD", arena, &b, &info), -1);
    assert_int_equal(info.reject, LY_REJECT_INVALID);
    /* So are truncated bodies. */
    assert_int_equal(ly_avro_decode_event(codec, (ly_topic_role)a.source, 3, bin.data, bin.len - 1, "USD", arena, &b, &info), -1);
    ly_buf_free(&bin);
    ly_arena_destroy(arena);
}

static void test_inputs_roundtrip(void **s)
{
    (void)s;
    check_event("{\"source\":\"purchases\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"kind\":\"REFUND\",\"order_id\":\"o1\",\"amount_minor\":100,\"currency\":\"USD\"}");
    check_event("{\"source\":\"interactions\",\"event_id\":\"e2\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"type\":\"REDEEM\",\"points\":7,\"reward_id\":\"R\"}");
    check_event("{\"source\":\"interactions\",\"event_id\":\"e3\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"type\":\"APP_OPEN\"}");
    check_event("{\"source\":\"social\",\"event_id\":\"e4\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"type\":\"MENTION\",\"platform\":\"x\",\"sentiment\":-0.25}");
    check_event("{\"source\":\"purchases\",\"event_id\":\"e6\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"kind\":\"PURCHASE\",\"order_id\":\"o2\",\"amount_minor\":300,\"currency\":\"USD\",\"channel\":\"app\","
                "\"store_id\":\"s-1\",\"lines\":[{\"sku\":\"A\",\"category\":\"shoes\",\"amount_minor\":100},"
                "{\"sku\":\"B\",\"amount_minor\":200}]}");
    check_event("{\"source\":\"interactions\",\"event_id\":\"e7\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"type\":\"PROFILE_UPDATE\",\"birthday\":\"02-29\"}");
    check_event("{\"source\":\"interactions\",\"event_id\":\"e8\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"type\":\"REDEEM_CANCEL\",\"redeem_event_id\":\"e2\"}");
    check_event("{\"source\":\"interactions\",\"event_id\":\"e9\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"type\":\"ERASE\"}");
    check_event("{\"source\":\"social\",\"event_id\":\"e5\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                "\"type\":\"REFERRAL\",\"platform\":\"x\",\"referred_member_id\":\"f1\"}");
}

/* Records written with version 1 of the input schemas (before part two:
 * no trailing optional fields) still decode, to the same events. */
static void test_version1_input_records_still_decode(void **s)
{
    (void)s;
    ly_arena *arena = ly_arena_new();
    ly_event purchase = { .type = LY_EV_PURCHASE, .source = LY_SRC_PURCHASES, .occurred_at = 1736503200000LL,
                          .amount_minor = 5, .event_id = "e1", .member_id = "m1", .order_id = "o", .currency = "USD" };
    ly_event redeem = { .type = LY_EV_REDEEM, .source = LY_SRC_INTERACTIONS, .occurred_at = 1736503200000LL,
                        .points = 5, .event_id = "e2", .member_id = "m1", .reward_id = "R" };
    const ly_event *evs[2] = { &purchase, &redeem };
    const size_t part_two_fields[2] = { 3, 2 }; /* trailing null unions, one byte each */
    for (int k = 0; k < 2; k++) {
        ly_buf bin = {0};
        char err[128];
        ly_decode_info info;
        ly_event back;
        assert_int_equal(ly_avro_encode_event(codec, evs[k], 1, &bin, err, sizeof err), 0);
        for (size_t i = 0; i < part_two_fields[k]; i++)
            assert_int_equal(bin.data[bin.len - 1 - i], 0);
        bin.len -= part_two_fields[k]; /* exactly the version 1 encoding */
        if (ly_avro_decode_event(codec, (ly_topic_role)evs[k]->source, 1, bin.data, bin.len, "USD", arena, &back,
                                 &info) != 0)
            fail_msg("%s", info.detail);
        assert_int_equal(back.type, evs[k]->type);
        assert_int_equal(back.amount_minor + back.points, 5);
        assert_null(back.channel);
        ly_buf_free(&bin);
    }
    ly_arena_destroy(arena);
}

/* A record must be read whole: a byte left over is not this schema's
 * record. Longer-than-needed varints are still Avro and still decode (the
 * decoder's quick "nothing left" check must not refuse them). */
static void test_trailing_bytes_refused_long_varints_read(void **s)
{
    (void)s;
    ly_arena *arena = ly_arena_new();
    ly_event ev = { .type = LY_EV_PURCHASE, .source = LY_SRC_PURCHASES, .occurred_at = 1736503200000LL,
                    .amount_minor = 5, .event_id = "e1", .member_id = "m1", .order_id = "o", .currency = "USD" };
    ly_buf bin = {0}, padded = {0};
    char err[128];
    ly_decode_info info;
    ly_event back;
    assert_int_equal(ly_avro_encode_event(codec, &ev, 1, &bin, err, sizeof err), 0);
    assert_int_equal(ly_avro_decode_event(codec, LY_T_PURCHASES, 1, bin.data, bin.len, "USD", arena, &back, &info), 0);
    /* event_id's length 2 is the byte 0x04; 0x84 0x00 says the same in two. */
    assert_int_equal(bin.data[5], 0x04);
    ly_buf_put(&padded, bin.data, 5);
    ly_buf_put(&padded, "\x84\x00", 2);
    ly_buf_put(&padded, bin.data + 6, bin.len - 6);
    assert_int_equal(ly_avro_decode_event(codec, LY_T_PURCHASES, 1, padded.data, padded.len, "USD", arena, &back, &info), 0);
    assert_string_equal(back.event_id, "e1");
    ly_buf_put(&bin, "\0", 1);
    assert_int_equal(ly_avro_decode_event(codec, LY_T_PURCHASES, 1, bin.data, bin.len, "USD", arena, &back, &info), -1);
    assert_int_equal(info.reject, LY_REJECT_INVALID);
    ly_buf_put(&padded, "\0", 1);
    assert_int_equal(ly_avro_decode_event(codec, LY_T_PURCHASES, 1, padded.data, padded.len, "USD", arena, &back, &info), -1);
    ly_buf_free(&bin);
    ly_buf_free(&padded);
    ly_arena_destroy(arena);
}

static void test_avro_inputs_follow_the_same_rules(void **s)
{
    (void)s;
    ly_arena *arena = ly_arena_new();
    ly_event ev = { .type = LY_EV_PURCHASE, .source = LY_SRC_PURCHASES, .occurred_at = 1736503200000LL,
                    .amount_minor = 0, .event_id = "e1", .member_id = "m1", .order_id = "o", .currency = "USD" };
    ly_buf bin = {0};
    char err[128];
    ly_decode_info info;
    assert_int_equal(ly_avro_encode_event(codec, &ev, 1, &bin, err, sizeof err), 0);
    assert_int_equal(ly_avro_decode_event(codec, LY_T_PURCHASES, 1, bin.data, bin.len, "USD", arena, &ev, &info), -1);
    assert_int_equal(info.reject, LY_REJECT_INVALID);
    assert_string_equal(info.event_id, "e1");
    bin.len = 0;
    ev = (ly_event){ .type = LY_EV_PURCHASE, .source = LY_SRC_PURCHASES, .occurred_at = 1736503200000LL,
                     .amount_minor = 5, .event_id = "e1", .member_id = "m1", .order_id = "o", .currency = "EUR" };
    assert_int_equal(ly_avro_encode_event(codec, &ev, 1, &bin, err, sizeof err), 0);
    assert_int_equal(ly_avro_decode_event(codec, LY_T_PURCHASES, 1, bin.data, bin.len, "USD", arena, &ev, &info), -1);
    assert_int_equal(info.reject, LY_REJECT_CURRENCY_MISMATCH);
    /* Garbage after a valid frame header never crashes. */
    unsigned char junk[64] = { 0, 0, 0, 0, 1 };
    for (int i = 5; i < 64; i++)
        junk[i] = (unsigned char)(i * 37);
    for (size_t n = 0; n <= sizeof junk; n++)
        assert_int_equal(ly_avro_decode_event(codec, LY_T_SOCIAL, 1, (char *)junk, n, "USD", arena, &ev, &info), -1);
    ly_buf_free(&bin);
    ly_arena_destroy(arena);
}

/* A NUL inside an Avro string is refused as "\u0000" is in JSON, by the
 * direct reader and avro-c's alike (both once read up to it: "o1\0y" was
 * the order "o1"). */
static void test_avro_strings_with_nul_refused_as_in_json(void **s)
{
    (void)s;
    static const struct { const char *sentinel, *json; } cases[] = {
        { "oCCx1", "{\"source\":\"purchases\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                   "\"kind\":\"PURCHASE\",\"order_id\":\"oCC\\u00001\",\"amount_minor\":5,\"currency\":\"USD\"}" },
        { "mBBx1", "{\"source\":\"purchases\",\"event_id\":\"e1\",\"member_id\":\"mBB\\u00001\",\"occurred_at\":1736503200000,"
                   "\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":5,\"currency\":\"USD\"}" },
        { "eAAx1", "{\"source\":\"purchases\",\"event_id\":\"eAA\\u00001\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                   "\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":5,\"currency\":\"USD\"}" },
    };
    ly_arena *arena = ly_arena_new();
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        ly_event ev = { .type = LY_EV_PURCHASE, .source = LY_SRC_PURCHASES, .occurred_at = 1736503200000LL,
                        .amount_minor = 5, .event_id = "e1", .member_id = "m1", .order_id = "o1", .currency = "USD" };
        const char *sentinel = cases[c].sentinel;
        if (sentinel[0] == 'o')
            ev.order_id = sentinel;
        else if (sentinel[0] == 'm')
            ev.member_id = sentinel;
        else
            ev.event_id = sentinel;
        ly_buf bin = {0};
        char err[128];
        assert_int_equal(ly_avro_encode_event(codec, &ev, 1, &bin, err, sizeof err), 0);
        char *at = memmem(bin.data, bin.len, sentinel, strlen(sentinel));
        assert_non_null(at);
        at[3] = '\0';
        ly_decode_info direct, general, json;
        ly_event out;
        assert_int_equal(ly_avro_decode_event(codec, LY_T_PURCHASES, 1, bin.data, bin.len, "USD", arena, &out, &direct), -1);
        assert_int_equal(
            ly_avro_decode_event_general(codec, LY_T_PURCHASES, 1, bin.data, bin.len, "USD", arena, &out, &general), -1);
        assert_int_equal(ly_event_decode_json(cases[c].json, strlen(cases[c].json), LY_SRC_ANY, "USD", arena, &out, &json),
                         -1);
        assert_int_equal(direct.reject, LY_REJECT_INVALID);
        assert_int_equal(json.reject, LY_REJECT_INVALID);
        assert_string_equal(direct.detail, json.detail);
        assert_string_equal(general.detail, json.detail);
        ly_buf_free(&bin);
    }
    ly_arena_destroy(arena);
}

static int setup(void **s)
{
    (void)s;
    char err[256];
    codec = ly_avro_new(err, sizeof err);
    return codec ? 0 : -1;
}

static int teardown(void **s)
{
    (void)s;
    ly_avro_destroy(codec);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outputs_roundtrip),
        cmocka_unit_test(test_direct_writer_matches_avro_c),
        cmocka_unit_test(test_inputs_roundtrip),
        cmocka_unit_test(test_version1_input_records_still_decode),
        cmocka_unit_test(test_avro_inputs_follow_the_same_rules),
        cmocka_unit_test(test_avro_strings_with_nul_refused_as_in_json),
        cmocka_unit_test(test_trailing_bytes_refused_long_varints_read),
    };
    return cmocka_run_group_tests_name("avro", tests, setup, teardown);
}
