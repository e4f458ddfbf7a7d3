/* The program file: the shipped reference equals the built-in program, every
 * key is validated, and errors name the file, line, key and rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_config.h"
#include "ly_program.h"
#include "ly_simulate.h"

static char err[512];

static int load(ly_program *p, const char *yaml)
{
    ly_program_reference(p);
    return ly_program_load_buffer(p, yaml, strlen(yaml), "t.yaml", err, sizeof err);
}

static char *yaml_of(const ly_program *p)
{
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    ly_program_write_yaml(p, f);
    fclose(f);
    return buf;
}

static void test_reference_file_equals_builtin(void **s)
{
    (void)s;
    ly_program builtin, file;
    ly_program_reference(&builtin);
    char path[512];
    snprintf(path, sizeof path, "%s/programs/reference.yaml", LY_SOURCE_DIR);
    /* Load over a different base, so every key must come from the file. */
    memset(&file, 0, sizeof file);
    ly_program_reference(&file);
    file.welcome_bonus = 1, file.daily_cap = 1, file.bg_r = 9;
    assert_int_equal(ly_program_load_file(&file, path, err, sizeof err), 0);
    char *a = yaml_of(&builtin), *b = yaml_of(&file);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_written_program_reads_back(void **s)
{
    (void)s;
    ly_program p, q;
    assert_int_equal(load(&p, "campaigns:\n  - {id: spring, start_ms: 1, end_ms: 5, multiplier_bp: 20000}\n"
                              "milestones: [10, 20]\nengagement:\n  once_per_member: [SURVEY]\n"), 0);
    char *y = yaml_of(&p);
    ly_program_reference(&q);
    assert_int_equal(ly_program_load_buffer(&q, y, strlen(y), "w.yaml", err, sizeof err), 0);
    char *y2 = yaml_of(&q);
    assert_string_equal(y, y2);
    assert_int_equal(q.n_campaigns, 1);
    assert_int_equal(q.campaigns[0].multiplier_bp, 20000);
    assert_int_equal(q.engagement_once[LY_EV_SURVEY], LY_ONCE_PER_MEMBER);
    assert_int_equal(q.engagement_once[LY_EV_PROFILE_COMPLETE], LY_ONCE_NEVER);
    free(y);
    free(y2);
}

static void test_overrides_and_units(void **s)
{
    (void)s;
    ly_program p;
    assert_int_equal(load(&p, "welcome_bonus: 0\ntiers:\n  review_days: 30\nwin_back: {window_days: 7}\n"
                              "churn: {bgnbd: {r: 1.5}}\n"), 0);
    assert_int_equal(p.welcome_bonus, 0);
    assert_int_equal(p.tier_review_ms, 30LL * 86400000);
    assert_int_equal(p.winback_window_ms, 7LL * 86400000);
    assert_true(p.bg_r == 1.5);
    assert_true(p.bg_alpha == 4.414);
    /* JSON is YAML too. */
    assert_int_equal(load(&p, "{\"engagement\": {\"daily_cap\": 50}}"), 0);
    assert_int_equal(p.daily_cap, 50);
}

static void expect_error(const char *yaml, const char *fragment)
{
    ly_program p;
    ly_program_reference(&p);
    int64_t before = p.welcome_bonus;
    if (ly_program_load_buffer(&p, yaml, strlen(yaml), "t.yaml", err, sizeof err) != -1)
        fail_msg("accepted: %s", yaml);
    if (!strstr(err, fragment))
        fail_msg("error '%s' lacks '%s'", err, fragment);
    assert_int_equal(p.welcome_bonus, before); /* a failed load changes nothing */
}

static void test_errors_name_file_line_key_rule(void **s)
{
    (void)s;
    expect_error("welcome_bonus: 5\nbogus: 1\n", "t.yaml:2: bogus: unknown key");
    expect_error("churn:\n  medium:\n    min_dayz: 3\n", "t.yaml:3: churn.medium.min_dayz: unknown key");
    expect_error("welcome_bonus: lots\n", "t.yaml:1: welcome_bonus: 'lots' is not an integer");
    expect_error("welcome_bonus: 10.0\n", "not an integer");
    expect_error("engagement:\n  daily_cap: -1\n", "t.yaml:2: engagement.daily_cap: -1 is out of range");
    expect_error("tiers:\n  GOLD: {threshold_minor: 50000}\n", "tiers.GOLD.threshold_minor: 50000 must be above SILVER");
    expect_error("tiers: 5\n", "t.yaml:1: tiers: expected a mapping");
    expect_error("milestones: [5, 5]\n", "strictly ascending");
    expect_error("currency: usd\n", "three-letter");
    expect_error("engagement:\n  once_per_platform: [REVIEW]\n", "REVIEW has no platform");
    expect_error("campaigns:\n  - {id: a, start_ms: 5, end_ms: 5, multiplier_bp: 20000}\n", "ends before it starts");
    expect_error("campaigns:\n  - {id: a, start_ms: 1}\n", "t.yaml:2: campaigns: a campaign needs id, start_ms and end_ms");
    expect_error("campaigns:\n  - {id: a, start_ms: 1, end_ms: 5}\n", "campaign 'a' adds no points");
    expect_error("campaigns:\n  - {id: a, start_ms: 1, end_ms: 5, bonus_points: 1, conditions: {days_of_week: [8]}}\n",
                 "t.yaml:2: campaigns.conditions.days_of_week: 8 is out of range [1, 7]");
    expect_error("campaigns:\n  - {id: a, start_ms: 1, end_ms: 5, bonus_points: 1}\n"
                 "  - {id: a, start_ms: 1, end_ms: 5, bonus_points: 1}\n", "t.yaml:3: campaigns: campaign id 'a' appears twice");
    expect_error("versions:\n  - {effective_from: 5}\n  - {effective_from: 5}\n",
                 "t.yaml:3: versions[1].effective_from: must be later than the version before (5)");
    expect_error("versions:\n  - {effective_from: 5, welcome_bonus: x}\n", "t.yaml:2: versions[0].welcome_bonus: 'x' is not an integer");
    expect_error("versions:\n  - {effective_from: 5}\nwelcome_bonus: 3\n", "a program with versions has no other top-level key");
    expect_error("notices: {tier_days: [400]}\n", "notices.tier_days: 400 must be below tiers.review_days (365)");
    expect_error("welcome_bonus: 1\nwelcome_bonus: 2\n", "t.yaml:2: welcome_bonus: appears twice in one mapping");
    expect_error("a: 1\n---\nb: 2\n", "one YAML document");
    /* Numbers whose arithmetic could overflow are refused. */
    expect_error("earning: {rate_bp: 100000000}\ntiers: {DIAMOND: {multiplier_bp: 1000000}}\n", "more than 10^15 points");
    expect_error("churn: {sentiment: {keep: 0.5}}\n", "keep (0.5) + weight (0.3) must be 1");
    expect_error("a: [\n", "t.yaml:2: syntax error");
    expect_error("- 1\n", "a program file is a mapping");
}

static void test_doc_is_current(void **s)
{
    (void)s;
    char *gen = NULL, path[512], e[256];
    size_t len, flen;
    FILE *f = open_memstream(&gen, &len);
    ly_program_write_doc(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/docs/program-keys.md", LY_SOURCE_DIR);
    char *doc = ly_read_file(path, &flen, e, sizeof e);
    assert_non_null(doc);
    doc = realloc(doc, flen + 1);
    doc[flen] = '\0';
    if (!strstr(doc, gen))
        fail_msg("docs/program-keys.md is stale: regenerate it with `loyalty program --doc`");
    free(doc);
    free(gen);
}

static void test_operations_doc_is_current(void **s)
{
    (void)s;
    char path[512], e[256];
    size_t flen;
    snprintf(path, sizeof path, "%s/docs/operations.md", LY_SOURCE_DIR);
    char *doc = ly_read_file(path, &flen, e, sizeof e);
    assert_non_null(doc);
    /* Every key of the run configuration table is documented. */
    for (size_t i = 0; ly_config_key_name(i); i++) {
        char needle[128];
        snprintf(needle, sizeof needle, "| `%s` |", ly_config_key_name(i));
        if (!strstr(doc, needle))
            fail_msg("docs/operations.md lacks %s: regenerate with `loyalty run --config-doc`", ly_config_key_name(i));
    }
    free(doc);
}

static int reload_ok(const char *old_yaml, const char *new_yaml, int64_t clock)
{
    ly_program a, b;
    assert_int_equal(load(&a, old_yaml), 0);
    assert_int_equal(load(&b, new_yaml), 0);
    int rc = ly_program_reload_check(&a, &b, clock, err, sizeof err);
    ly_program_free(&a);
    ly_program_free(&b);
    return rc;
}

/* Section 17: a reload may only change versions that start after the clock. */
static void test_section17_reload_keeps_the_past(void **s)
{
    (void)s;
    const char *plain = "welcome_bonus: 100\n";
    const char *v2 = "versions:\n  - {effective_from: 1000, welcome_bonus: 100}\n  - {effective_from: 5000, welcome_bonus: 7}\n";
    const char *v2b = "versions:\n  - {effective_from: 1000, welcome_bonus: 100}\n  - {effective_from: 5000, welcome_bonus: 8}\n";
    const char *v3 = "versions:\n  - {effective_from: 1000, welcome_bonus: 100}\n  - {effective_from: 5000, welcome_bonus: 7}\n"
                     "  - {effective_from: 9000, engagement: {daily_cap: 1}}\n";
    assert_int_equal(reload_ok(plain, plain, 4000), 0);
    assert_int_equal(reload_ok(plain, "welcome_bonus: 5\n", 4000), -1);
    assert_non_null(strstr(err, "version 0 (in force from the beginning) changes"));
    /* A plain program is the first version of a versions file with the same keys. */
    assert_int_equal(reload_ok(plain, v2, 4999), 0);
    assert_int_equal(reload_ok(plain, v2, 5000), -1);
    assert_non_null(strstr(err, "version 1 (effective_from 5000) is new"));
    assert_int_equal(reload_ok(v2, v2b, 4999), 0);
    assert_int_equal(reload_ok(v2, v2b, 6000), -1);
    assert_int_equal(reload_ok(v2, v3, 6000), 0);
    assert_int_equal(reload_ok(v3, v2, 9000), -1);
    assert_non_null(strstr(err, "is gone"));
}

/* Section 17: leaf-by-leaf inheritance; a list is one leaf. */
static void test_section17_versions_inherit_leaf_by_leaf(void **s)
{
    (void)s;
    ly_program p;
    assert_int_equal(load(&p, "versions:\n"
                              "  - effective_from: 1000\n    tiers: {GOLD: {threshold_minor: 600000}}\n"
                              "    notices: {expiry_days: [30, 7]}\n"
                              "  - effective_from: 2000\n    tiers: {SILVER: {threshold_minor: 50000}}\n"
                              "    notices: {expiry_days: [14]}\n"),
                     0);
    const ly_program *a = ly_program_at(&p, 0), *b = ly_program_at(&p, 1999), *c = ly_program_at(&p, 2000);
    assert_ptr_equal(a, b);
    assert_int_equal(a->tier_threshold[LY_TIER_SILVER], 100000);
    assert_int_equal(c->tier_threshold[LY_TIER_SILVER], 50000);
    assert_int_equal(c->tier_threshold[LY_TIER_GOLD], 600000); /* inherited */
    assert_int_equal(a->n_expiry_notices, 2);
    assert_int_equal(c->n_expiry_notices, 1); /* the list is replaced as a whole */
    assert_int_equal(c->expiry_notice_ms[0], 14LL * 86400000);
    ly_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_file_equals_builtin),
        cmocka_unit_test(test_written_program_reads_back),
        cmocka_unit_test(test_overrides_and_units),
        cmocka_unit_test(test_errors_name_file_line_key_rule),
        cmocka_unit_test(test_doc_is_current),
        cmocka_unit_test(test_section17_reload_keeps_the_past),
        cmocka_unit_test(test_section17_versions_inherit_leaf_by_leaf),
        cmocka_unit_test(test_operations_doc_is_current),
    };
    return cmocka_run_group_tests_name("program", tests, NULL, NULL);
}
