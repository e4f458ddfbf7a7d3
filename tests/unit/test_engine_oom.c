/* The engine never loses state or output silently when memory
 * runs out. Every allocation of a run (engine, partition, simulation) is made
 * to fail in turn, the N-th one for N = 1, 2, ...: the run either reports
 * the failure (and its partial results are not used) or, when it says it
 * succeeded, its outputs and final state are exactly those of a run with
 * memory to spare. Allocations are intercepted with the linker's --wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_simulate.h"
#include "ly_state.h"

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_calloc(size_t k, size_t n);

static long calls, fail_at; /* fail_at 0: never */

static int should_fail(void)
{
    return fail_at && ++calls == fail_at;
}

void *__wrap_malloc(size_t n)
{
    return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return should_fail() ? NULL : __real_calloc(k, n);
}

static char *text_of(const char *name, const char *suffix, size_t *len)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/tests/golden/%s%s", LY_SOURCE_DIR, name, suffix);
    char *t = ly_read_file(path, len, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    return t;
}

/* One run; *out and *state receive what it wrote (caller frees). */
static int run(const ly_program *p, const char *in, size_t len, int64_t until, char **out, char **state)
{
    size_t olen, slen;
    FILE *o = open_memstream(out, &olen), *s = open_memstream(state, &slen);
    ly_sim_options opt = { p, 1, until, 0, NULL };
    char err[256];
    int rc = ly_simulate_buffer(in, len, &opt, o, s, NULL, err, sizeof err);
    fclose(o);
    fclose(s);
    return rc;
}

static void every_allocation_fails_in_turn(const char *name, int64_t until)
{
    size_t len, plen;
    char *in = text_of(name, ".jsonl", &len), *yaml = text_of(name, ".yaml", &plen), err[256];
    ly_program p;
    ly_program_reference(&p);
    assert_int_equal(ly_program_load_buffer(&p, yaml, plen, name, err, sizeof err), 0);
    char *want_out, *want_state;
    calls = 0, fail_at = 0;
    assert_int_equal(run(&p, in, len, until, &want_out, &want_state), 0);
    long reported = 0, whole = 0;
    for (long n = 1;; n++) {
        char *out = NULL, *state = NULL;
        calls = 0, fail_at = n;
        int rc = run(&p, in, len, until, &out, &state);
        long used = calls;
        fail_at = 0;
        if (rc == 0) {
            if (strcmp(out, want_out) != 0 || strcmp(state, want_state) != 0)
                print_message("%s: allocation %ld failed and went unreported\n", name, n);
            assert_string_equal(out, want_out);
            assert_string_equal(state, want_state);
            whole++;
        } else {
            reported++;
        }
        free(out);
        free(state);
        if (used < n) /* the run made fewer than n allocations: all tried */
            break;
    }
    print_message("%s: %ld allocations failed in turn: %ld reported, %ld absorbed with identical results\n", name,
                  reported + whole - 1, reported, whole - 1);
    assert_true(reported > 0);
    ly_program_free(&p);
    free(want_out);
    free(want_state);
    free(in);
    free(yaml);
}

static void test_campaigns_and_referrals_under_failing_allocations(void **s)
{
    (void)s;
    every_allocation_fails_in_turn("06-campaigns-lines-referred", 1744675200000LL);
}

static void test_notices_and_birthdays_under_failing_allocations(void **s)
{
    (void)s;
    every_allocation_fails_in_turn("08-notices-birthdays", 1754092800000LL);
}

static void test_cancels_and_erasure_under_failing_allocations(void **s)
{
    (void)s;
    every_allocation_fails_in_turn("09-redeem-cancel-erasure", 1775088000000LL);
}

/* Loading a member whose memory runs out is not corrupt state: it must
 * never be reported as such (the pipeline would quarantine a sound member). */
static void test_state_load_under_failing_allocations(void **s)
{
    (void)s;
    ly_member m;
    assert_int_equal(ly_member_init(&m, "a-member-id-longer-than-16"), 0);
    m.exists = 1;
    ly_member_extra *x = ly_member_extra_make(&m);
    assert_non_null(x);
    x->referrer = strdup("r1");
    x->referral_at = 1000;
    uint64_t *paid = LY_VEC_PUSH(x->referred);
    ly_expiry_notice *notice = LY_VEC_PUSH(x->expiry_notices);
    ly_lot *l = ly_member_shelf_insert(&m, LY_SHELF_LOTS, m.shelf.n[LY_SHELF_LOTS], 1);
    assert_true(l && x->referrer && paid && notice);
    *paid = 42;
    *notice = (ly_expiry_notice){ 2000, 3000 };
    *l = (ly_lot){ 2025 * 12, 2026 * 12, 10 };
    assert_int_equal(ly_member_add_redemption(&m, 7, 5, 0, "gift", 4), 0);
    assert_int_equal(ly_member_add_redemption(&m, 8, 6, 1, "trip", 4), 0);
    ly_order o = { 9, 1000, 0, 10, LY_NO_TIME }, big = { 10, 1LL << 40, 0, 10, LY_NO_TIME };
    ly_member_order_put(&m, &o, 0);
    ly_member_order_put(&m, &big, 0);
    ly_buf want = {0};
    ly_state_encode(&m, &want);
    long ok = 0, oom = 0;
    for (long n = 1;; n++) {
        ly_member back;
        char err[256];
        calls = 0, fail_at = n;
        int rc = ly_state_decode(want.data, want.len, ly_member_id(&m), &back, err, sizeof err);
        long used = calls;
        fail_at = 0;
        if (rc == 0) {
            ly_buf again = {0};
            ly_state_encode(&back, &again);
            assert_int_equal(again.len, want.len);
            assert_memory_equal(again.data, want.data, want.len);
            ly_buf_free(&again);
            ly_member_clear(&back);
            ok++;
        } else {
            assert_int_equal(rc, LY_STATE_ENOMEM);
            assert_non_null(strstr(err, "out of memory"));
            oom++;
        }
        if (used < n)
            break;
    }
    assert_true(oom >= 4 && ok >= 1);
    ly_buf_free(&want);
    ly_member_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_campaigns_and_referrals_under_failing_allocations),
        cmocka_unit_test(test_notices_and_birthdays_under_failing_allocations),
        cmocka_unit_test(test_cancels_and_erasure_under_failing_allocations),
        cmocka_unit_test(test_state_load_under_failing_allocations),
    };
    return cmocka_run_group_tests_name("engine out of memory", tests, NULL, NULL);
}
