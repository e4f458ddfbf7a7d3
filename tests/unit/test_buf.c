/* The byte buffer's number formatting: exact, and the same whichever path
 * (the integer fast path or the shortest-round-trip search) writes it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_buf.h"

/* The reference: shortest %.Ng (N = 15..17) that reads back, then ".0"
 * when it reads as an integer. */
static void reference(char *out, size_t len, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    if (!strpbrk(out, ".eEn"))
        strcat(out, ".0");
}

static void expect_json_double(double v)
{
    char want[48];
    reference(want, sizeof want - 2, v);
    ly_buf b = {0};
    ly_buf_json_double(&b, v);
    if (!b.data || strcmp(b.data, want) != 0)
        fail_msg("%.17g: wrote %s, want %s", v, b.data ? b.data : "(nothing)", want);
    ly_buf_free(&b);
}

static void test_whole_numbers_print_as_the_general_path_would(void **s)
{
    (void)s;
    const double edges[] = { 0.0, -0.0, 1.0, -1.0, 30.0, 60.0, 1e14, 999999999999999.0, -999999999999999.0,
                             1e15, -1e15, 1e16, 9007199254740992.0, 1e300, -123456.0 };
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        expect_json_double(edges[i]);
    unsigned x = 12345;
    for (int i = 0; i < 100000; i++) {
        x = x * 1664525u + 1013904223u;
        double whole = (double)((int64_t)x * (int64_t)(x >> 7) % 2000000000000000LL - 1000000000000000LL);
        expect_json_double(whole);
        expect_json_double((double)(x % 100000) / 64.0);
        expect_json_double((double)x / 3.0);
    }
}

static void test_non_finite_is_null(void **s)
{
    (void)s;
    ly_buf b = {0};
    ly_buf_json_double(&b, NAN);
    ly_buf_json_double(&b, -INFINITY);
    assert_string_equal(b.data, "nullnull");
    ly_buf_free(&b);
}

static void test_integers_in_decimal(void **s)
{
    (void)s;
    char tmp[24];
    assert_string_equal(ly_format_int(tmp, 0), "0");
    assert_string_equal(ly_format_int(tmp, -42), "-42");
    assert_string_equal(ly_format_int(tmp, INT64_MIN), "-9223372036854775808");
    assert_string_equal(ly_format_int(tmp, INT64_MAX), "9223372036854775807");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_numbers_print_as_the_general_path_would),
        cmocka_unit_test(test_non_finite_is_null),
        cmocka_unit_test(test_integers_in_decimal),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
