/* The dedupe set (ly_dedupe.h, PROGRAM.md section 5) against a plain model:
 * a key is remembered while the clock has not passed the `until` of its
 * last add. Small key spaces make keys come again; long runs make the
 * table and the ring grow while entries are live. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_dedupe.h"

enum { KEYS = 4096 };

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint32_t next(uint32_t bound)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % bound);
}

/* Distinct keys spread over all bits. */
static uint64_t key_of(uint32_t k)
{
    return ((uint64_t)k + 1) * 0x9E3779B97F4A7C15ULL;
}

static void run_model(uint32_t key_space, int64_t window, int rounds)
{
    static int64_t last_until[KEYS]; /* 0: never added */
    memset(last_until, 0, sizeof last_until);
    ly_dedupe *d = ly_dedupe_new();
    assert_non_null(d);
    int64_t clock = 1;
    uint64_t adds = 0;
    for (int r = 0; r < rounds; r++) {
        clock += next(3);
        uint32_t k = next(key_space);
        int expected = last_until[k] && last_until[k] >= clock;
        assert_int_equal(ly_dedupe_contains(d, key_of(k), clock), expected);
        /* Mostly new ids, as in a stream; sometimes one added again. */
        if (!expected || next(4) == 0) {
            assert_int_equal(ly_dedupe_add(d, key_of(k), clock + window), 0);
            last_until[k] = clock + window;
            adds++;
        }
    }
    assert_int_equal(ly_dedupe_added(d), adds);
    ly_dedupe_destroy(d);
}

static void test_section5_dedupe_matches_the_model_with_keys_coming_again(void **state)
{
    (void)state;
    run_model(64, 40, 200000);
}

static void test_section5_dedupe_matches_the_model_while_growing(void **state)
{
    (void)state;
    run_model(KEYS, 5000, 300000);
}

static void keep(void *ctx, uint64_t key, int64_t until)
{
    uint64_t *seen = ctx;
    seen[seen[0] * 2 + 1] = key;
    seen[seen[0] * 2 + 2] = (uint64_t)until;
    seen[0]++;
}

static void test_section5_dedupe_tail_gives_the_newest_oldest_first(void **state)
{
    (void)state;
    ly_dedupe *d = ly_dedupe_new();
    assert_non_null(d);
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal(ly_dedupe_add(d, key_of(i), 100 + i), 0);
    /* The first 500 expire; the ring and the table stay consistent. */
    assert_false(ly_dedupe_contains(d, key_of(0), 600));
    assert_true(ly_dedupe_contains(d, key_of(500), 600));
    uint64_t seen[1 + 2 * 3] = { 0 };
    ly_dedupe_tail(d, 3, keep, seen);
    assert_int_equal(seen[0], 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(seen[1 + 2 * i], key_of(997 + (uint32_t)i));
        assert_int_equal(seen[2 + 2 * i], 1097 + i);
    }
    assert_true(ly_dedupe_memory(d) > 0);
    ly_dedupe_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section5_dedupe_matches_the_model_with_keys_coming_again),
        cmocka_unit_test(test_section5_dedupe_matches_the_model_while_growing),
        cmocka_unit_test(test_section5_dedupe_tail_gives_the_newest_oldest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
