/* Every Avro schema parses with avro-c, is a record in io.loyalty.v1, and
 * names the enums exactly as PROGRAM.md does. */
#include <avro.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static avro_schema_t load(const char *file)
{
    char path[512], json[16384];
    snprintf(path, sizeof path, "%s/schemas/%s", LY_SOURCE_DIR, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    size_t n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    avro_schema_t s;
    if (avro_schema_from_json_length(json, n, &s) != 0)
        fail_msg("%s: %s", file, avro_strerror());
    assert_true(is_avro_record(s));
    assert_string_equal(avro_schema_namespace(s), "io.loyalty.v1");
    return s;
}

static void expect_symbols(avro_schema_t rec, const char *field, const char *const *symbols, int n)
{
    avro_schema_t f = avro_schema_record_field_get(rec, field);
    assert_non_null(f);
    if (is_avro_array(f))
        f = avro_schema_array_items(f);
    assert_true(is_avro_enum(f));
    assert_int_equal(avro_schema_enum_number_of_symbols(f), n);
    for (int i = 0; i < n; i++)
        assert_string_equal(avro_schema_enum_get(f, i), symbols[i]);
}

static void test_section2_input_schemas(void **st)
{
    (void)st;
    static const char *const kinds[] = { "PURCHASE", "REFUND" };
    static const char *const inter[] = { "REVIEW", "CHECK_IN", "SURVEY", "PROFILE_COMPLETE", "APP_OPEN", "REDEEM",
                                         "PROFILE_UPDATE", "REDEEM_CANCEL", "ERASE" };
    static const char *const social[] = { "SHARE", "FOLLOW", "UGC_POST", "MENTION", "REFERRAL" };
    avro_schema_t s = load("purchase.avsc");
    expect_symbols(s, "kind", kinds, 2);
    avro_schema_decref(s);
    s = load("interaction.avsc");
    expect_symbols(s, "type", inter, 9);
    avro_schema_decref(s);
    s = load("social.avsc");
    expect_symbols(s, "type", social, 5);
    avro_schema_decref(s);
}

static void test_section10_output_schemas(void **st)
{
    (void)st;
    static const char *const types[] = { "WELCOME_BONUS", "WIN_BACK_BONUS", "POINTS_EARNED", "POINTS_REVERSED",
                                         "POINTS_REDEEMED", "REDEMPTION_REJECTED", "POINTS_EXPIRED", "TIER_UPGRADE",
                                         "TIER_DOWNGRADE", "MILESTONE_REWARD", "REFERRAL_BONUS", "POINTS_PENDING",
                                         "POINTS_RELEASED", "CAMPAIGN_BONUS", "REDEMPTION_REVERSED", "REFERRED_BONUS",
                                         "BIRTHDAY_BONUS" };
    static const char *const tiers[] = { "BASIC", "SILVER", "GOLD", "DIAMOND" };
    static const char *const reasons[] = { "INACTIVITY", "NEGATIVE_SENTIMENT", "LOW_P_ALIVE" };
    static const char *const actions[] = { "POINTS_EXPIRY_REMINDER", "WIN_BACK_OFFER", "ENGAGEMENT_NUDGE" };
    static const char *const dlq[] = { "invalid", "currency_mismatch", "duplicate_order", "unknown_order",
                                       "refund_exceeds_order", "unknown_redemption", "erased_member",
                                       "quarantined_member" };
    static const char *const notices[] = { "POINTS_EXPIRY_NOTICE", "TIER_REVIEW_NOTICE", "MEMBER_ERASED" };
    avro_schema_t s = load("reward.avsc");
    expect_symbols(s, "type", types, 17);
    expect_symbols(s, "tier", tiers, 4);
    avro_schema_decref(s);
    s = load("churn_alert.avsc");
    expect_symbols(s, "reasons", reasons, 3);
    expect_symbols(s, "suggested_action", actions, 3);
    expect_symbols(s, "tier", tiers, 4);
    avro_schema_decref(s);
    s = load("dead_letter.avsc");
    expect_symbols(s, "reason", dlq, 8);
    avro_schema_decref(s);
    s = load("notice.avsc");
    expect_symbols(s, "type", notices, 3);
    expect_symbols(s, "tier", tiers, 4);
    avro_schema_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section2_input_schemas),
        cmocka_unit_test(test_section10_output_schemas),
    };
    return cmocka_run_group_tests_name("schemas", tests, NULL, NULL);
}
