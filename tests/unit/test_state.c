/* The member state codec: every member of a generated stream survives
 * encode/decode unchanged, and no byte string crashes the decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_gen.h"
#include "ly_partition.h"
#include "ly_state.h"

static void drop(void *o, const ly_output *out) { (void)o; (void)out; }
static void drop_internal(void *o, const ly_event *ev) { (void)o; (void)ev; }

static ly_partition *run_stream(const ly_program *p)
{
    char *text = NULL, err[128];
    size_t len;
    FILE *f = open_memstream(&text, &len);
    ly_gen_options go = { 400, 200, 9, 1735689600000LL, "USD" };
    assert_int_equal(ly_gen(&go, f, NULL, err, sizeof err), 0);
    fclose(f);
    ly_partition *pt = ly_partition_new(p);
    ly_arena *arena = ly_arena_new();
    ly_sink sink = { NULL, drop, drop_internal };
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        ly_event ev;
        if (ly_event_decode_json(line, strlen(line), LY_SRC_ANY, "USD", arena, &ev, NULL) == 0)
            ly_partition_process(pt, &ev, &sink);
    }
    ly_arena_destroy(arena);
    free(text);
    return pt;
}

static void test_members_roundtrip(void **s)
{
    (void)s;
    ly_program p;
    ly_program_reference(&p);
    ly_partition *pt = run_stream(&p);
    size_t n, total = 0;
    ly_member **ms = ly_partition_members(pt, &n);
    assert_true(n > 300);
    for (size_t i = 0; i < n; i++) {
        ly_buf a = {0}, b = {0};
        char err[128];
        ly_state_encode(ms[i], &a);
        total += a.len;
        ly_member back;
        if (ly_state_decode(a.data, a.len, ms[i]->id, &back, err, sizeof err) != 0)
            fail_msg("%s", err);
        ly_state_encode(&back, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        assert_int_equal(back.balance, ms[i]->balance);
        assert_int_equal(back.lots.n, ms[i]->lots.n);
        assert_int_equal(back.due[LY_TIMER_CHURN], ms[i]->due[LY_TIMER_CHURN]);
        assert_int_equal(back.heap_pos[0], -1);
        ly_member_clear(&back);
        ly_buf_free(&a);
        ly_buf_free(&b);
    }
    print_message("state: %zu members, %.0f bytes each on average\n", n, (double)total / (double)n);
    ly_partition_destroy(pt);
}

static void test_decoder_rejects_garbage(void **s)
{
    (void)s;
    unsigned char buf[200];
    unsigned x = 7;
    char err[128];
    ly_member m;
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 199) + 1;
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            buf[i] = (unsigned char)(x >> 24);
        }
        buf[0] = LY_STATE_VERSION;
        if (ly_state_decode((const char *)buf, n, "m", &m, err, sizeof err) == 0)
            ly_member_clear(&m);
    }
    assert_int_equal(ly_state_decode("\x09", 1, "m", &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown state version 9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_roundtrip),
        cmocka_unit_test(test_decoder_rejects_garbage),
    };
    return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
