/* PROGRAM.md sections 1-2: what makes an input event valid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "event_compare.h"
#include "ly_utf8.h"
#include "ly_buf.h"
#include "ly_event.h"
#include "ly_output.h"

static ly_arena *arena;
static ly_decode_info info;
static ly_event ev;

static int decode(const char *json)
{
    return ly_event_decode_json(json, strlen(json), LY_SRC_ANY, "USD", arena, &ev, &info);
}

#define P(extra) "{\"source\":\"purchases\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":1736503200000" extra "}"
#define PURCHASE_FIELDS ",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":100,\"currency\":\"USD\""
#define I(extra) "{\"source\":\"interactions\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":1736503200000" extra "}"
#define S(extra) "{\"source\":\"social\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":1736503200000" extra "}"

static void expect_invalid(const char *json)
{
    if (decode(json) != -1 || info.reject != LY_REJECT_INVALID)
        fail_msg("accepted as valid: %s", json);
}

static void test_section2_valid_events(void **s)
{
    (void)s;
    assert_int_equal(decode(P(PURCHASE_FIELDS ",\"extra\":{\"ignored\":[1,2]}")), 0);
    assert_int_equal(ev.type, LY_EV_PURCHASE);
    assert_int_equal(ev.amount_minor, 100);
    assert_string_equal(ev.order_id, "o1");
    assert_int_equal(decode(I(",\"type\":\"REDEEM\",\"points\":5,\"reward_id\":\"R\"")), 0);
    assert_int_equal(ev.points, 5);
    assert_int_equal(decode(S(",\"type\":\"MENTION\",\"platform\":\"x\",\"sentiment\":-1")), 0);
    assert_true(ev.sentiment == -1.0);
    assert_int_equal(decode(S(",\"type\":\"REFERRAL\",\"platform\":\"x\",\"referred_member_id\":\"f:1@a.b-c_d\"")), 0);
    assert_string_equal(ev.referred_member_id, "f:1@a.b-c_d");
}

static void test_section1_ranges_and_types(void **s)
{
    (void)s;
    expect_invalid(P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":100.0,\"currency\":\"USD\""));
    expect_invalid(P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":0,\"currency\":\"USD\""));
    expect_invalid(P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":1000000000001,\"currency\":\"USD\""));
    assert_int_equal(decode(P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":1000000000000,\"currency\":\"USD\"")), 0);
    expect_invalid(P(",\"kind\":\"PURCHASE\",\"order_id\":\"\",\"amount_minor\":1,\"currency\":\"USD\""));
    expect_invalid("{\"source\":\"purchases\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":946684799999" PURCHASE_FIELDS "}");
    assert_int_equal(decode("{\"source\":\"purchases\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":946684800000" PURCHASE_FIELDS "}"), 0);
    expect_invalid("{\"source\":\"purchases\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":4102444800000" PURCHASE_FIELDS "}");
    expect_invalid(I(",\"type\":\"REDEEM\",\"points\":0,\"reward_id\":\"R\""));
    expect_invalid(I(",\"type\":\"REDEEM\",\"points\":5"));
    expect_invalid(I(",\"type\":\"TELEPORT\""));
    expect_invalid(I(",\"type\":\"SHARE\""));             /* a social type on interactions */
    expect_invalid(S(",\"type\":\"SHARE\""));             /* platform is required */
    expect_invalid(S(",\"type\":\"SHARE\",\"platform\":\"\""));
    expect_invalid(S(",\"type\":\"MENTION\",\"platform\":\"x\",\"sentiment\":1.5"));
    expect_invalid(S(",\"type\":\"MENTION\",\"platform\":\"x\",\"sentiment\":\"bad\""));
    expect_invalid(S(",\"type\":\"REFERRAL\",\"platform\":\"x\",\"referred_member_id\":\"m1\""));
    expect_invalid(S(",\"type\":\"REFERRAL\",\"platform\":\"x\",\"referred_member_id\":\"has space\""));
    expect_invalid("not json");
    expect_invalid("[1,2,3]");
    expect_invalid("{\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":1736503200000}");
}

static void test_section1_identifiers(void **s)
{
    (void)s;
    char id[200];
    memset(id, 'a', sizeof id);
    assert_true(ly_event_valid_member_id(id, 64));
    assert_false(ly_event_valid_member_id(id, 65));
    assert_false(ly_event_valid_member_id("a b", 3));
    assert_false(ly_event_valid_member_id("", 0));
    /* Every byte value, against the set spelled out. */
    for (int c = 0; c < 256; c++) {
        char one[2] = { (char)c, 'x' };
        int want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   (c != 0 && strchr("_.:@-", c) != NULL);
        assert_int_equal(ly_event_valid_member_id(one, 2), want);
    }
    assert_true(ly_event_valid_event_id(id, 128));
    assert_false(ly_event_valid_event_id(id, 129));
    assert_true(ly_event_valid_event_id("!~", 2));
    assert_false(ly_event_valid_event_id("a b", 3));
    assert_false(ly_event_valid_event_id("\x7f", 1));
}

static void test_section2_dead_letter_ids(void **s)
{
    (void)s;
    expect_invalid(I(",\"type\":\"TELEPORT\""));
    assert_string_equal(info.event_id, "e1");
    assert_string_equal(info.member_id, "m1");
    expect_invalid("{\"source\":\"interactions\",\"event_id\":\"e 1\",\"member_id\":\"bad id\",\"type\":\"REVIEW\"}");
    assert_string_equal(info.event_id, "");
    assert_string_equal(info.member_id, "");
}

static void test_section1_currency_after_structure(void **s)
{
    (void)s;
    assert_int_equal(decode(P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":100,\"currency\":\"EUR\"")), -1);
    assert_int_equal(info.reject, LY_REJECT_CURRENCY_MISMATCH);
    /* A structural fault wins over the currency. */
    assert_int_equal(decode(P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":0,\"currency\":\"EUR\"")), -1);
    assert_int_equal(info.reject, LY_REJECT_INVALID);
}

static void test_decoder_survives_garbage(void **s)
{
    (void)s;
    unsigned char buf[256];
    unsigned x = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(round % 255) + 1;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (unsigned char)(x >> 16);
        }
        assert_int_equal(ly_event_decode_json((const char *)buf, n, LY_SRC_ANY, "USD", arena, &ev, &info), -1);
    }
}

static int setup(void **s)
{
    (void)s;
    arena = ly_arena_new();
    return arena ? 0 : -1;
}

static int teardown(void **s)
{
    (void)s;
    ly_arena_destroy(arena);
    return 0;
}

/* RFC 3629: overlong forms and surrogates (which yajl lets through) make
 * the event invalid; text is never cut inside a character. */
static void test_section1_strict_utf8(void **s)
{
    (void)s;
    const char *bad[] = { "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE0\x80\xAF" };
    /* At the start of a string and past the scanner's first eight bytes. */
    const char *before[] = { "p", "platform-name-" };
    for (size_t i = 0; i < 2 * sizeof bad / sizeof *bad; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"source\":\"social\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                 "\"type\":\"SHARE\",\"platform\":\"%s%s\"}", before[i % 2], bad[i / 2]);
        ly_event ev;
        ly_decode_info info;
        assert_int_equal(ly_event_decode_json(line, strlen(line), LY_SRC_ANY, "USD", arena, &ev, &info), -1);
        assert_int_equal(info.reject, LY_REJECT_INVALID);
        assert_non_null(strstr(info.detail, "UTF-8"));
    }
    const char *good = "{\"source\":\"social\",\"event_id\":\"e1\",\"member_id\":\"m1\",\"occurred_at\":1736503200000,"
                       "\"type\":\"SHARE\",\"platform\":\"caf\xC3\xA9-plateforme-\xF0\x9F\x8E\x81\"}";
    ly_event ev;
    assert_int_equal(ly_event_decode_json(good, strlen(good), LY_SRC_ANY, "USD", arena, &ev, NULL), 0);
    assert_string_equal(ev.platform, "caf\xC3\xA9-plateforme-\xF0\x9F\x8E\x81");
    assert_true(ly_utf8_valid("caf\xC3\xA9 \xF0\x9F\x8E\x81", 10));
    char out[8];
    ly_utf8_copy(out, sizeof out, "ab\xC3\xA9\xC3\xA9\xC3\xA9"); /* room for 4 bytes: "ab" + "é" */
    assert_string_equal(out, "ab\xC3\xA9...");
    assert_true(ly_utf8_valid(out, strlen(out)));
}

/* The fast path (event_scan.c) and the general parser agree: every field of
 * the table, and the shapes where the fast path must step aside. */
static void agree(const char *json)
{
    for (int source = LY_SRC_ANY; source <= LY_SRC_SOCIAL; source++) {
        ly_event a, b;
        ly_decode_info ia, ib;
        int ra = ly_event_decode_json(json, strlen(json), source, "USD", arena, &a, &ia);
        int rb = ly_event_decode_json_general(json, strlen(json), source, "USD", arena, &b, &ib);
        if (ra != rb)
            fail_msg("fast %d, general %d for source %d: %s", ra, rb, source, json);
        if (ra == 0) {
            assert_same_event(&a, &b);
        } else {
            assert_int_equal(ia.reject, ib.reject);
            assert_string_equal(ia.detail, ib.detail);
            assert_string_equal(ia.event_id, ib.event_id);
            assert_string_equal(ia.member_id, ib.member_id);
        }
    }
}

static void test_fast_path_agrees_with_general(void **s)
{
    (void)s;
    static const char *const lines[] = {
        P(PURCHASE_FIELDS ",\"channel\":\"app\",\"store_id\":\"s-1\",\"lines\":[{\"sku\":\"A\",\"category\":\"c\",\"amount_minor\":60},"
                          "{\"sku\":\"B\",\"category\":null,\"amount_minor\":40,\"x\":true}]"),
        P(PURCHASE_FIELDS ",\"lines\":[]"),
        P(PURCHASE_FIELDS ",\"lines\":[1]"),
        P(PURCHASE_FIELDS ",\"lines\":[{\"sku\":\"A\",\"sku\":\"B\",\"amount_minor\":100}]"),
        P(PURCHASE_FIELDS ",\"lines\":{\"sku\":\"A\"}"),
        P(",\"kind\":\"REFUND\",\"order_id\":\"o1\",\"amount_minor\":-0,\"currency\":\"USD\""),
        P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":1e2,\"currency\":\"USD\""),
        P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":0100,\"currency\":\"USD\""),
        P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":9223372036854775807,\"currency\":\"USD\""),
        P(",\"kind\":\"PURCHASE\",\"order_id\":\"o1\",\"amount_minor\":99999999999999999999,\"currency\":\"USD\""),
        P(",\"kind\":\"PURCHASE\",\"order_id\":\"o\\u0031\",\"amount_minor\":100,\"currency\":\"USD\""),
        P(PURCHASE_FIELDS ",\"currency\":\"USD\""),
        P(PURCHASE_FIELDS) " x",
        " \t\r\n" P(PURCHASE_FIELDS) "\n ",
        P(PURCHASE_FIELDS) "\f",
        I(",\"type\":\"REDEEM\",\"points\":5,\"reward_id\":\"R\""),
        I(",\"type\":\"REDEEM_CANCEL\",\"redeem_event_id\":\"e0\""),
        I(",\"type\":\"PROFILE_UPDATE\",\"birthday\":\"02-29\""),
        I(",\"type\":\"PROFILE_UPDATE\",\"birthday\":null"),
        I(",\"type\":\"ERASE\",\"nested\":{\"a\":[1,{\"b\":2}]}"),
        I(",\"type\":\"CHECK_IN\",\"occurred_at\":1"),
        S(",\"type\":\"MENTION\",\"platform\":\"x\",\"sentiment\":-0.25"),
        S(",\"type\":\"MENTION\",\"platform\":\"x\",\"sentiment\":1E0"),
        S(",\"type\":\"MENTION\",\"platform\":\"x\",\"sentiment\":1e999"),
        S(",\"type\":\"MENTION\",\"platform\":\"x\",\"sentiment\":.5"),
        S(",\"type\":\"REFERRAL\",\"platform\":\"x\",\"referred_member_id\":\"m2\""),
        S(",\"type\":\"SHARE\",\"platform\":false"),
        "[]", "{}", "", "{", "{\"source\":\"purchases\"", "{\"\":1}", "null",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        agree(lines[i]);
}

/* Section 10's derived ids, cut like snprintf when the buffer is short. */
static void test_output_ids_cut_like_snprintf(void **s)
{
    (void)s;
    ly_output o = {0};
    o.topic = LY_TOPIC_REWARDS;
    o.source_event_id = "ev-123456789";
    o.seq = 12;
    char full[LY_OUTPUT_ID_MAX];
    ly_output_event_id(&o, full, sizeof full);
    assert_string_equal(full, "ev-123456789#12");
    for (size_t len = 1; len <= strlen(full) + 1; len++) {
        char cut[32], want[32];
        memset(cut, 'x', sizeof cut);
        ly_output_event_id(&o, cut, len);
        snprintf(want, len, "%s", full);
        assert_string_equal(cut, want);
    }
    o.source_event_id = NULL;
    o.member_id = "m1";
    o.timer = LY_TIMER_CHURN;
    o.occurred_at = 1736503200000;
    o.seq = 2;
    ly_output_event_id(&o, full, sizeof full);
    assert_string_equal(full, "m1#CHURN#1736503200000#2");
}

static void test_json_string_escapes(void **s)
{
    (void)s;
    ly_buf b = {0};
    ly_buf_json_string(&b, "plain-id", 8);
    ly_buf_json_string(&b, "a\"b\\c\x01" "d\xC3\xA9", 9);
    assert_string_equal(b.data, "\"plain-id\"\"a\\\"b\\\\c\\u0001" "d\xC3\xA9\"");
    ly_buf_free(&b);
}

static void test_arena_reset_keeps_one_block(void **s)
{
    (void)s;
    ly_arena *a = ly_arena_new();
    assert_non_null(a);
    char *big = malloc(200000);
    assert_non_null(big);
    memset(big, 'b', 200000);
    for (int round = 0; round < 3; round++) {
        char *x = ly_arena_strndup(a, "abc", 3);
        char *y = ly_arena_strndup(a, big, 200000); /* a block of its own */
        assert_non_null(x);
        assert_non_null(y);
        assert_string_equal(x, "abc");
        assert_int_equal(y[199999], 'b');
        assert_int_equal(y[200000], '\0');
        assert_true(ly_arena_bytes(a) > 200000);
        ly_arena_reset(a);
        /* Only the standard block stays, empty, whatever came before. */
        assert_true(ly_arena_bytes(a) > 0 && ly_arena_bytes(a) < 70000);
    }
    ly_arena_reset(a);
    ly_arena_destroy(a);
    ly_arena *empty = ly_arena_new();
    ly_arena_reset(empty); /* nothing allocated yet */
    assert_int_equal(ly_arena_bytes(empty), 0);
    ly_arena_destroy(empty);
    ly_arena_reset(NULL);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section2_valid_events),
        cmocka_unit_test(test_arena_reset_keeps_one_block),
        cmocka_unit_test(test_section1_ranges_and_types),
        cmocka_unit_test(test_section1_identifiers),
        cmocka_unit_test(test_section2_dead_letter_ids),
        cmocka_unit_test(test_section1_currency_after_structure),
        cmocka_unit_test(test_decoder_survives_garbage),
        cmocka_unit_test(test_section1_strict_utf8),
        cmocka_unit_test(test_fast_path_agrees_with_general),
        cmocka_unit_test(test_json_string_escapes),
        cmocka_unit_test(test_output_ids_cut_like_snprintf),
    };
    return cmocka_run_group_tests_name("event", tests, setup, teardown);
}
