/* The generator is reproducible and produces every kind of traffic the
 * README promises, including noise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_gen.h"
#include "ly_simulate.h"

static char *gen(uint64_t seed, size_t *len, ly_gen_stats *st)
{
    char *buf = NULL, err[128];
    FILE *f = open_memstream(&buf, len);
    ly_gen_options o = { 300, 120, seed, 1735689600000LL, "USD", 0 };
    assert_int_equal(ly_gen(&o, f, st, err, sizeof err), 0);
    fclose(f);
    return buf;
}

static void test_same_seed_same_stream(void **s)
{
    (void)s;
    size_t la, lb, lc;
    ly_gen_stats st;
    char *a = gen(7, &la, &st), *b = gen(7, &lb, &st), *c = gen(8, &lc, &st);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_true(la != lc || memcmp(a, c, la) != 0);
    free(a);
    free(b);
    free(c);
}

/* Simulates text under the reference program; returns the outputs (caller frees). */
static char *simulate(const char *text, size_t len, int32_t partitions, ly_sim_kept **keep, size_t *olen,
                      ly_sim_stats *ss)
{
    char *out = NULL, err[128];
    FILE *f = open_memstream(&out, olen);
    ly_program p;
    ly_program_reference(&p);
    ly_sim_options opt = { &p, partitions, INT64_MIN, 0, keep };
    assert_int_equal(ly_simulate_buffer(text, len, &opt, f, NULL, ss, err, sizeof err), 0);
    fclose(f);
    return out;
}

static void test_stream_has_every_kind(void **s)
{
    (void)s;
    size_t len;
    ly_gen_stats st;
    char *text = gen(3, &len, &st);
    static const char *const needles[] = {
        "\"PURCHASE\"", "\"REFUND\"", "\"REVIEW\"", "\"CHECK_IN\"", "\"SURVEY\"", "\"PROFILE_COMPLETE\"",
        "\"APP_OPEN\"", "\"REDEEM\"", "\"SHARE\"", "\"FOLLOW\"", "\"UGC_POST\"", "\"MENTION\"", "\"REFERRAL\"",
    };
    for (size_t i = 0; i < sizeof needles / sizeof *needles; i++)
        if (!strstr(text, needles[i]))
            fail_msg("no %s in the generated stream", needles[i]);
    assert_true(st.lines > 3000);
    assert_true(st.duplicates > 0);
    assert_true(st.late > 0);
    assert_true(st.invalid > 0);

    /* Simulated, it exercises the rules: caps, refunds, rejections, churn. */
    size_t olen;
    ly_sim_stats ss;
    char *out = simulate(text, len, 1, NULL, &olen, &ss);
    static const char *const outputs[] = {
        "POINTS_REVERSED", "POINTS_REDEEMED", "REDEMPTION_REJECTED", "TIER_UPGRADE", "MILESTONE_REWARD",
        "REFERRAL_BONUS", "churn-alerts", "\"invalid\"", "refund_exceeds_order",
    };
    for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++)
        if (!strstr(out, outputs[i]))
            fail_msg("simulating the stream produced no %s", outputs[i]);
    assert_true(ss.repeats > 0);
    free(out);
    free(text);
}

/* Handing the members over (for a process about to exit) changes nothing
 * else; what is handed over is the caller's, and frees whole. */
static void test_simulate_hands_its_members_over(void **s)
{
    (void)s;
    size_t len, la, lb;
    ly_gen_stats st;
    char *text = gen(5, &len, &st);
    ly_sim_kept *kept = NULL;
    ly_sim_stats sa, sb;
    char *a = simulate(text, len, 2, NULL, &la, &sa), *b = simulate(text, len, 2, &kept, &lb, &sb);
    assert_non_null(kept);
    assert_true(sa.members > 200);
    assert_int_equal(sa.members, sb.members);
    assert_int_equal(sa.memory_bytes, sb.memory_bytes);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    ly_sim_kept_free(kept);
    ly_sim_kept_free(NULL);
    free(a);
    free(b);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_stream),
        cmocka_unit_test(test_stream_has_every_kind),
        cmocka_unit_test(test_simulate_hands_its_members_over),
    };
    return cmocka_run_group_tests_name("gen", tests, NULL, NULL);
}
