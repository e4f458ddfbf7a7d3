/* BG/NBD numerics: the paper's example customer, the hypergeometric
 * function against closed forms, pattern grouping, identification. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ly_bgnbd.h"
#include "ly_gammagamma.h"

static const ly_bgnbd_params paper = { 0.242593, 4.413532, 0.792886, 2.425752 };

static void test_section9_p_alive_of_the_papers_example(void **s)
{
    (void)s;
    /* FHL (2005): x = 2, t_x = 30.43, T = 38.86 -> P(alive) = 0.7266. */
    assert_true(fabs(ly_bgnbd_p_alive(&paper, 2, 30.43, 38.86) - 0.7266) < 5e-5);
    assert_true(ly_bgnbd_p_alive(&paper, 0, 0, 38.86) == 1.0);
}

static void test_expected_purchases_of_the_papers_example(void **s)
{
    (void)s;
    /* ... and E[Y(39) | x, t_x, T] = 1.226. */
    assert_true(fabs(ly_bgnbd_expected(&paper, 2, 30.43, 38.86, 39) - 1.226) < 5e-4);
    assert_true(ly_bgnbd_expected(&paper, 5, 20, 38, 0) == 0.0);
}

static void test_hyp2f1_closed_forms(void **s)
{
    (void)s;
    for (double z = 0.0; z < 0.99; z += 0.07) {
        /* 2F1(1,1;2;z) = -ln(1-z)/z, 2F1(a,b;b;z) = (1-z)^-a */
        double want = z == 0 ? 1.0 : -log1p(-z) / z;
        assert_true(fabs(ly_bgnbd_hyp2f1(1, 1, 2, z) - want) < 1e-10 * want);
        assert_true(fabs(ly_bgnbd_hyp2f1(0.7, 3.2, 3.2, z) - pow(1 - z, -0.7)) < 1e-10 * pow(1 - z, -0.7));
    }
    /* Slow plain series near z = 1 with c - a - b > 0: Euler's form. */
    double z = 0.995, want = -log1p(-z) / z;
    assert_true(fabs(ly_bgnbd_hyp2f1(1, 1, 2, z) - want) < 1e-8 * want);
}

static void test_patterns_are_grouped(void **s)
{
    (void)s;
    ly_bgnbd_data d = {0};
    for (int i = 0; i < 100000; i++)
        assert_int_equal(ly_bgnbd_add(&d, i % 3, (double)(i % 7), 30.0), 0);
    assert_int_equal(d.customers, 100000);
    assert_int_equal(d.n, 21);
    ly_bgnbd_free(&d);
}

static void test_no_repeaters_cannot_be_identified(void **s)
{
    (void)s;
    ly_bgnbd_data d = {0};
    ly_bgnbd_add(&d, 0, 0, 10);
    ly_bgnbd_add(&d, 0, 0, 20);
    ly_bgnbd_fit fit;
    char err[256];
    assert_int_equal(ly_bgnbd_fit_data(&d, &fit, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot be identified"));
    ly_bgnbd_free(&d);
}

static void test_likelihood_is_maximal_at_the_fit(void **s)
{
    (void)s;
    /* A small synthetic cohort: the fitted point beats nearby points. */
    ly_bgnbd_data d = {0};
    for (int i = 0; i < 500; i++)
        ly_bgnbd_add(&d, i % 5 == 0 ? 0 : i % 4, (double)(i % 4) * 5.0, 30.0 + (i % 9));
    ly_bgnbd_fit fit;
    char err[256];
    assert_int_equal(ly_bgnbd_fit_data(&d, &fit, err, sizeof err), 0);
    double best = ly_bgnbd_log_likelihood(&d, &fit.p);
    assert_true(fabs(best - fit.log_likelihood) < 1e-9 * fabs(best));
    for (int k = 0; k < 4; k++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            ly_bgnbd_params q = fit.p;
            double *v[4] = { &q.r, &q.alpha, &q.a, &q.b };
            *v[k] *= 1.0 + sgn * 0.01;
            assert_true(ly_bgnbd_log_likelihood(&d, &q) <= best);
        }
    ly_bgnbd_free(&d);
}

static void rel(double got, double want)
{
    if (fabs(got - want) > 1e-9 * fabs(want))
        fail_msg("%.17g differs from %.17g", got, want);
}

/* Expected spend and 12-month CLV (1% a month) of three CDNOW
 * customers, with the parameters `loyalty fit` finds on the 39-week
 * calibration, against an independent computation (docs/churn.md). */
static void test_clv_of_cdnow_customers(void **s)
{
    (void)s;
    ly_bgnbd_params bg = { 0.2425945125739194, 4.413602126213214, 0.792921910277361, 2.425906392247266 };
    ly_gg_params gg = { 6.249572324827323, 3.7442245440069826, 15.443520218178083 };
    rel(ly_gg_expected_spend(&gg, 2, 22.345), 24.653918630156628);
    rel(ly_clv(&bg, &gg, 2, 30.428571428571427, 38.857142857142854, 22.345, 12, 0.01), 36.19394751186796);
    rel(ly_gg_expected_spend(&gg, 1, 11.77), 18.910018237792137);
    rel(ly_clv(&bg, &gg, 1, 1.7142857142857142, 38.857142857142854, 11.77, 12, 0.01), 4.630431886083717);
    rel(ly_gg_expected_spend(&gg, 0, 0), 35.17037144945505); /* the population mean */
    rel(ly_clv(&bg, &gg, 0, 0, 38.857142857142854, 0, 12, 0.01), 8.32473166022974);
}

/* The Gamma-Gamma likelihood is maximal at the fit: any step away lowers it. */
static void test_gamma_gamma_fit_is_a_maximum(void **s)
{
    (void)s;
    ly_gg_data d = {0};
    double m[] = { 12.5, 30, 44.2, 18, 71.5, 25, 33.3, 9.9, 55, 21 };
    for (int i = 0; i < 10; i++)
        assert_int_equal(ly_gg_add(&d, 1 + i % 4, m[i]), 0);
    assert_int_equal(ly_gg_add(&d, 0, 10), 0); /* no repeat: no information, skipped */
    assert_int_equal(d.n, 10);
    ly_gg_fit f;
    char err[128];
    assert_int_equal(ly_gg_fit_data(&d, &f, err, sizeof err), 0);
    for (int k = 0; k < 3; k++)
        for (double step = -1e-3; step <= 1e-3; step += 2e-3) {
            ly_gg_params q = f.p;
            double *v = k == 0 ? &q.p : k == 1 ? &q.q : &q.gamma;
            *v *= 1 + step;
            assert_true(ly_gg_log_likelihood(&d, &q) <= f.log_likelihood + 1e-9);
        }
    ly_gg_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section9_p_alive_of_the_papers_example),
        cmocka_unit_test(test_expected_purchases_of_the_papers_example),
        cmocka_unit_test(test_hyp2f1_closed_forms),
        cmocka_unit_test(test_patterns_are_grouped),
        cmocka_unit_test(test_no_repeaters_cannot_be_identified),
        cmocka_unit_test(test_likelihood_is_maximal_at_the_fit),
        cmocka_unit_test(test_clv_of_cdnow_customers),
        cmocka_unit_test(test_gamma_gamma_fit_is_a_maximum),
    };
    return cmocka_run_group_tests_name("bgnbd", tests, NULL, NULL);
}
