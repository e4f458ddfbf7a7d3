/* Section 3: the merge order simulate and the pipeline share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "ly_merge.h"

static void test_section3_order_time_rank_position_partition(void **s)
{
    (void)s;
    ly_merge_key a = { 100, 2, 5, 0 }, b = { 100, 1, 9, 3 }, c = { 99, 3, 1, 0 }, d = { 100, 1, 9, 2 };
    assert_true(ly_merge_before(&c, &b));  /* time first */
    assert_true(ly_merge_before(&b, &a));  /* then the topic rank */
    assert_true(ly_merge_before(&d, &b));  /* then position, then partition */
    assert_false(ly_merge_before(&b, &b));
}

static void test_section3_wait_until_every_input_is_known(void **s)
{
    (void)s;
    ly_merge_head h[3] = { { 1, 0, { 200, 0, 1, 0 } }, { 0, 0, { 0, 0, 0, 0 } }, { 1, 0, { 100, 2, 7, 0 } } };
    int best;
    /* The interactions input may still bring an earlier record: wait. */
    assert_int_equal(ly_merge_pick(h, 3, &best), LY_MERGE_WAIT);
    assert_int_equal(best, 2);
    h[1].at_end = 1;
    assert_int_equal(ly_merge_pick(h, 3, &best), LY_MERGE_READY);
    assert_int_equal(best, 2);
    h[0].present = h[2].present = 0, h[0].at_end = h[2].at_end = 1;
    assert_int_equal(ly_merge_pick(h, 3, &best), LY_MERGE_EMPTY);
    assert_int_equal(best, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section3_order_time_rank_position_partition),
        cmocka_unit_test(test_section3_wait_until_every_input_is_known),
    };
    return cmocka_run_group_tests_name("merge", tests, NULL, NULL);
}
