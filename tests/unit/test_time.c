/* PROGRAM.md section 1: UTC days and months. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>
#include "ly_clock.h"
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

/* Every day from 1960 to 2110 (the fast path covers 1968-03 .. 2100-02):
 * its first and last millisecond and noon fall in the month whose start is
 * at or before them and whose successor's start is after them. */
static void test_section1_month_of_every_day(void **s)
{
    (void)s;
    for (int64_t day = -3653; day <= 51135; day++) {
        const int64_t at[3] = { day * LY_DAY_MS, day * LY_DAY_MS + LY_DAY_MS / 2, day * LY_DAY_MS + LY_DAY_MS - 1 };
        for (int i = 0; i < 3; i++) {
            int32_t m = ly_time_month(at[i]);
            assert_true(ly_time_month_start(m) <= at[i]);
            assert_true(ly_time_month_start(m + 1) > at[i]);
        }
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

/* The edges' clock: milliseconds and seconds read the same clock, and a
 * 30 ms sleep reads as at least 30 ms (a unit slip would read 0 or 30,000). */
static void test_clock_is_monotonic_in_both_units(void **s)
{
    (void)s;
    int64_t ms0 = ly_clock_ms();
    double s0 = ly_clock_seconds();
    nanosleep(&(struct timespec){ 0, 30 * 1000000L }, NULL);
    int64_t ms = ly_clock_ms() - ms0;
    double secs = ly_clock_seconds() - s0;
    assert_true(ms >= 30 && ms < 5000);
    assert_true(secs >= 0.030 && secs < 5.0);
    assert_true(ly_clock_seconds() * 1000 >= (double)ly_clock_ms() - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section1_months),
        cmocka_unit_test(test_section1_days),
        cmocka_unit_test(test_section1_month_of_every_day),
        cmocka_unit_test(test_clock_is_monotonic_in_both_units),
    };
    return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
