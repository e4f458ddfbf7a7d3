/* Golden tests of `simulate`: the worked examples of ../shared/examples,
 * copied into tests/golden. Outputs are compared by event_id and field value
 * (floats to a relative 1e-9), the state by every field the example gives. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_simulate.h"

/* with_program: the example has its program file NAME.yaml (06-10). */
typedef struct { const char *name; int32_t partitions; int64_t until; int with_program; } example;

static char *slurp(const char *name, const char *suffix, size_t *len)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/tests/golden/%s%s", LY_SOURCE_DIR, name, suffix);
    char *buf = ly_read_file(path, len, err, sizeof err);
    if (!buf)
        fail_msg("%s", err);
    return buf;
}

static char *run(const example *ex, char **state_out)
{
    size_t len, olen, slen;
    char *in = slurp(ex->name, ".jsonl", &len), *out = NULL, *state = NULL, err[256];
    FILE *o = open_memstream(&out, &olen), *s = open_memstream(&state, &slen);
    ly_program p;
    ly_program_reference(&p);
    if (ex->with_program) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/golden/%s.yaml", LY_SOURCE_DIR, ex->name);
        if (ly_program_load_file(&p, path, err, sizeof err) < 0)
            fail_msg("%s", err);
    }
    ly_sim_options opt = { &p, ex->partitions, ex->until, 0, NULL };
    assert_int_equal(ly_simulate_buffer(in, len, &opt, o, s, NULL, err, sizeof err), 0);
    ly_program_free(&p);
    fclose(o);
    fclose(s);
    free(in);
    *state_out = state;
    return out;
}

/* Key of an output: topic, event_id and, for dead letters, the reason (one
 * event id may be dead-lettered twice, as a3 in example 01). */
static void key_of(json_t *o, char *buf, size_t len)
{
    const char *topic = json_string_value(json_object_get(o, "topic"));
    const char *id = json_string_value(json_object_get(o, "event_id"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    snprintf(buf, len, "%s|%s|%s", topic ? topic : "", id ? id : "",
             topic && strcmp(topic, "dlq") == 0 && reason ? reason : "");
}

static int values_match(json_t *want, json_t *got)
{
    if (json_is_real(want))
        return json_is_number(got) &&
               fabs(json_number_value(got) - json_real_value(want)) <= 1e-9 * fmax(1.0, fabs(json_real_value(want)));
    return json_equal(want, got);
}

static json_t *lines(const char *text)
{
    json_t *arr = json_array();
    json_error_t e;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n) {
            json_t *o = json_loadb(p, n, 0, &e);
            if (!o)
                fail_msg("output line is not JSON: %.*s (%s)", (int)n, p, e.text);
            json_array_append_new(arr, o);
        }
        p += n + (nl ? 1 : 0);
    }
    return arr;
}

static void compare_outputs(const example *ex, const char *actual)
{
    size_t len;
    char *expected_text = slurp(ex->name, ".expected.jsonl", &len);
    json_t *want = lines(expected_text), *got = lines(actual);
    free(expected_text);
    assert_int_equal(json_array_size(got), json_array_size(want));
    size_t i, j;
    json_t *w, *g;
    char kw[512], kg[512];
    json_array_foreach(want, i, w) {
        key_of(w, kw, sizeof kw);
        json_t *match = NULL;
        json_array_foreach(got, j, g) {
            key_of(g, kg, sizeof kg);
            if (strcmp(kw, kg) == 0 && !json_object_get(g, "_used")) {
                match = g;
                break;
            }
        }
        if (!match)
            fail_msg("%s: expected output %s not produced", ex->name, kw);
        json_object_set_new(match, "_used", json_true());
        const char *field;
        json_t *v;
        json_object_foreach(w, field, v) {
            if (!values_match(v, json_object_get(match, field)))
                fail_msg("%s: %s: field %s differs", ex->name, kw, field);
        }
    }
    json_decref(want);
    json_decref(got);
}

static void compare_state(const example *ex, const char *actual)
{
    size_t len;
    char *expected_text = slurp(ex->name, ".state.json", &len);
    json_error_t e;
    json_t *want = json_loadb(expected_text, len, 0, &e), *got = json_loads(actual, 0, &e);
    free(expected_text);
    assert_non_null(want);
    assert_non_null(got);
    assert_int_equal(json_object_size(got), json_object_size(want));
    const char *member, *field;
    json_t *m, *v;
    json_object_foreach(want, member, m) {
        json_t *gm = json_object_get(got, member);
        if (!gm)
            fail_msg("%s: member %s missing from the state", ex->name, member);
        json_object_foreach(m, field, v) {
            if (!values_match(v, json_object_get(gm, field)))
                fail_msg("%s: state of %s: %s differs", ex->name, member, field);
        }
    }
    json_decref(want);
    json_decref(got);
}

static void check(const example *ex)
{
    char *state, *out = run(ex, &state);
    compare_outputs(ex, out);
    compare_state(ex, state);
    /* Determinism: a second run is byte-identical. */
    char *state2, *out2 = run(ex, &state2);
    assert_string_equal(out, out2);
    assert_string_equal(state, state2);
    free(out);
    free(state);
    free(out2);
    free(state2);
}

static void test_01_purchases_tiers_refunds(void **s)
{
    (void)s;
    check(&(example){ "01-purchases-tiers-refunds", 1, 1772323200000LL, 0 });
}

static void test_02_engagement_cap_redemption_expiry(void **s)
{
    (void)s;
    check(&(example){ "02-engagement-cap-redemption-expiry", 1, 1780000000000LL, 0 });
}

static void test_03_churn_sentiment_winback(void **s)
{
    (void)s;
    check(&(example){ "03-churn-sentiment-winback", 1, 1760000000000LL, 0 });
}

static void test_04_referrals(void **s)
{
    (void)s;
    check(&(example){ "04-referrals", 2, 1750000000000LL, 0 });
}

static void test_05_reminder_debt_late_referral(void **s)
{
    (void)s;
    check(&(example){ "05-reminder-debt-late-referral", 1, 1775000000000LL, 0 });
}

/* Part two: sections 11-18, each with its program file. */
static void test_06_campaigns_lines_referred(void **s)
{
    (void)s;
    check(&(example){ "06-campaigns-lines-referred", 1, 1744675200000LL, 1 });
}

static void test_07_pending_refunds_release(void **s)
{
    (void)s;
    check(&(example){ "07-pending-refunds-release", 1, 1745107200000LL, 1 });
}

static void test_08_notices_birthdays(void **s)
{
    (void)s;
    check(&(example){ "08-notices-birthdays", 1, 1754092800000LL, 1 });
}

static void test_09_redeem_cancel_erasure(void **s)
{
    (void)s;
    check(&(example){ "09-redeem-cancel-erasure", 1, 1775088000000LL, 1 });
}

static void test_10_program_versions(void **s)
{
    (void)s;
    check(&(example){ "10-program-versions", 1, 1747353600000LL, 1 });
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_01_purchases_tiers_refunds),
        cmocka_unit_test(test_02_engagement_cap_redemption_expiry),
        cmocka_unit_test(test_03_churn_sentiment_winback),
        cmocka_unit_test(test_04_referrals),
        cmocka_unit_test(test_05_reminder_debt_late_referral),
        cmocka_unit_test(test_06_campaigns_lines_referred),
        cmocka_unit_test(test_07_pending_refunds_release),
        cmocka_unit_test(test_08_notices_birthdays),
        cmocka_unit_test(test_09_redeem_cancel_erasure),
        cmocka_unit_test(test_10_program_versions),
    };
    return cmocka_run_group_tests_name("golden", tests, NULL, NULL);
}
