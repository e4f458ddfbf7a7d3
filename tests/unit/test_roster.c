/* The member roster (ly_roster.h): records found by id through growth,
 * removals and reuse, checked against a plain array of which ids live. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_roster.h"

enum { IDS = 20000 };

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t next(uint32_t bound)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % bound);
}

/* Short ids and long ones (kept apart from the record). */
static void id_of(uint32_t i, char *out, size_t size)
{
    snprintf(out, size, i % 7 ? "mbr-%07u" : "a-rather-long-member-id-%u", i);
}

static void check_all(const ly_roster *r, const uint32_t *ref_of)
{
    char id[64];
    size_t live = 0;
    for (uint32_t i = 0; i < IDS; i++) {
        id_of(i, id, sizeof id);
        uint32_t ref = ly_roster_find(r, id, ly_member_key(id));
        assert_int_equal(ref, ref_of[i]);
        if (ref != LY_ROSTER_NONE) {
            assert_string_equal(ly_member_id(ly_roster_at(r, ref)), id);
            live++;
        }
    }
    assert_int_equal(r->count, live);
    size_t pos = 0, walked = 0;
    while (ly_roster_next(r, &pos) != LY_ROSTER_NONE)
        walked++;
    assert_int_equal(walked, live);
}

static void test_roster_finds_every_live_id_through_growth_and_removals(void **state)
{
    (void)state;
    static uint32_t ref_of[IDS];
    memset(ref_of, 0, sizeof ref_of);
    ly_roster r;
    assert_int_equal(ly_roster_init(&r), 0);
    char id[64];
    for (int step = 0; step < 60000; step++) {
        uint32_t i = next(IDS);
        id_of(i, id, sizeof id);
        uint64_t key = ly_member_key(id);
        if (ref_of[i] == LY_ROSTER_NONE) {
            ref_of[i] = ly_roster_add(&r, id, key);
            assert_int_not_equal(ref_of[i], LY_ROSTER_NONE);
            ly_roster_at(&r, ref_of[i])->balance = i;
        } else if (next(3) == 0) {
            ly_roster_remove(&r, ref_of[i], key);
            ref_of[i] = LY_ROSTER_NONE;
        }
        if (step % 20000 == 0)
            check_all(&r, ref_of);
    }
    check_all(&r, ref_of);
    /* Records never move: each still holds what was written at its add. */
    for (uint32_t i = 0; i < IDS; i++)
        if (ref_of[i] != LY_ROSTER_NONE)
            assert_int_equal(ly_roster_at(&r, ref_of[i])->balance, i);
    /* Removed records are reused before the chunks grow. */
    assert_true(r.used <= r.count + 60000 / 3);
    ly_roster_clear(&r);
}

static void test_roster_adopts_a_record_and_frees_it(void **state)
{
    (void)state;
    ly_roster r;
    assert_int_equal(ly_roster_init(&r), 0);
    ly_member *m = malloc(sizeof *m);
    assert_non_null(m);
    const char *long_id = "a-member-id-longer-than-sixteen-bytes";
    assert_int_equal(ly_member_init(m, long_id), 0);
    m->balance = 42;
    uint32_t ref = ly_roster_adopt(&r, m); /* m is freed: ASan and valgrind check */
    assert_int_not_equal(ref, LY_ROSTER_NONE);
    assert_int_equal(ly_roster_find(&r, long_id, ly_member_key(long_id)), ref);
    assert_int_equal(ly_roster_at(&r, ref)->balance, 42);
    assert_string_equal(ly_member_id(ly_roster_at(&r, ref)), long_id);
    assert_true(ly_roster_memory(&r) >= LY_ROSTER_CHUNK * sizeof(ly_member));
    ly_roster_clear(&r);
    ly_roster_clear(&r); /* a cleared roster clears again */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roster_finds_every_live_id_through_growth_and_removals),
        cmocka_unit_test(test_roster_adopts_a_record_and_frees_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
