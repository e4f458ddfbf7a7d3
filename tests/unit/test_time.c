/* PROGRAM.md section 1: UTC days and months. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ly_time.h"

static void test_section1_months(void **s)
{
    (void)s;
    /* 2025-02-01T00:00:00Z and one ms before it. */
    assert_int_equal(ly_time_month(1738368000000LL), 2025 * 12 + 1);
    assert_int_equal(ly_time_month(1738367999999LL), 2025 * 12 + 0);
    assert_int_equal(ly_time_month_start(2025 * 12 + 1), 1738368000000LL);
    /* Leap day 2024-02-29 is in February; 2024-03-01 starts March. */
    assert_int_equal(ly_time_month(1709164800000LL), 2024 * 12 + 1);
    assert_int_equal(ly_time_month_start(2024 * 12 + 2), 1709251200000LL);
    /* Month arithmetic across years: Feb 2025 + 13 = Mar 2026. */
    assert_int_equal(ly_time_month_start(2025 * 12 + 1 + 13), 1772323200000LL);
    for (int32_t m = 2000 * 12; m < 2100 * 12; m++) {
        assert_int_equal(ly_time_month(ly_time_month_start(m)), m);
        assert_int_equal(ly_time_month(ly_time_month_start(m) - 1), m - 1);
    }
}

static void test_section1_days(void **s)
{
    (void)s;
    assert_int_equal(ly_time_day(0), 0);
    assert_int_equal(ly_time_day(LY_DAY_MS - 1), 0);
    assert_int_equal(ly_time_day(LY_DAY_MS), 1);
    assert_int_equal(ly_time_day(-1), -1);
    assert_int_equal(ly_time_day(-LY_DAY_MS), -1);
    assert_int_equal(ly_time_day(-LY_DAY_MS - 1), -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section1_months),
        cmocka_unit_test(test_section1_days),
    };
    return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
