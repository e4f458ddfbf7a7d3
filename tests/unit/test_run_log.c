/* The processor's log (src/pipeline/run_log.c): one line per message with
 * control characters escaped, JSON lines when asked, and at most 20
 * warnings a second - also when several threads warn at once, as
 * librdkafka's threads do - with the count of the rest logged after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "run_internal.h"

/* stderr goes to a temporary file while a test logs; captured() reads it. */
static FILE *capture;
static int saved_stderr = -1;

static void capture_start(void)
{
    capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    saved_stderr = dup(2);
    assert_true(dup2(fileno(capture), 2) >= 0);
}

/* What was logged since capture_start (owned by the caller). */
static char *capture_stop(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    long n = ftell(capture);
    char *text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    rewind(capture);
    assert_int_equal(fread(text, 1, (size_t)n, capture), (size_t)n);
    fclose(capture);
    return text;
}

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* Waits until a second has just begun, so a burst falls within one. */
static void await_next_second(void)
{
    int64_t second = ly_run_now_ms() / 1000;
    while (ly_run_now_ms() / 1000 == second)
        nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
}

static void test_a_message_is_one_line_with_control_characters_escaped(void **state)
{
    (void)state;
    capture_start();
    ly_run_log("info", "event id=%s", "a\nts=0 level=error forged");
    char *text = capture_stop();
    assert_int_equal(count(text, "\n"), 1);
    assert_non_null(strstr(text, "level=info component=run event id=a\\x0ats=0 level=error forged\n"));
    free(text);
}

static void test_json_lines_when_asked(void **state)
{
    (void)state;
    ly_run_log_format(1);
    capture_start();
    ly_run_log("error", "quote \" and tab \t");
    char *text = capture_stop();
    ly_run_log_format(0);
    assert_non_null(strstr(text, "\"level\":\"error\",\"component\":\"run\",\"msg\":\"quote \\\" and tab \\u0009\"}\n"));
    free(text);
}

static void test_at_most_20_warnings_a_second_and_the_rest_counted(void **state)
{
    (void)state;
    await_next_second();
    capture_start();
    for (int i = 0; i < 25; i++)
        ly_run_log("warn", "bad record %d", i);
    ly_run_log("info", "infos are not limited");
    await_next_second();
    ly_run_log("info", "next second");
    char *text = capture_stop();
    assert_int_equal(count(text, "bad record"), 20);
    assert_non_null(strstr(text, "bad record 19\n"));
    assert_non_null(strstr(text, "infos are not limited"));
    assert_int_equal(count(text, "msg=\"5 warnings left out in the last second\""), 1);
    free(text);
}

static void *warn_ten_times(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        ly_run_log("warn", "from a thread");
    return NULL;
}

static void test_the_limit_holds_across_threads(void **state)
{
    (void)state;
    await_next_second();
    capture_start();
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, warn_ten_times, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    await_next_second();
    ly_run_log("info", "next second");
    char *text = capture_stop();
    assert_int_equal(count(text, "from a thread"), 20);
    assert_int_equal(count(text, "msg=\"20 warnings left out in the last second\""), 1);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_message_is_one_line_with_control_characters_escaped),
        cmocka_unit_test(test_json_lines_when_asked),
        cmocka_unit_test(test_at_most_20_warnings_a_second_and_the_rest_counted),
        cmocka_unit_test(test_the_limit_holds_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
