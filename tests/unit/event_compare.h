/* Shared by the decoder tests: two events are the same when they encode to
 * the same simulate line. Include after cmocka.h. */
#ifndef LY_TEST_EVENT_COMPARE_H
#define LY_TEST_EVENT_COMPARE_H
#include "ly_buf.h"
#include "ly_event.h"
#include "ly_output.h"

static void assert_same_event(const ly_event *a, const ly_event *b)
{
    ly_buf ja = {0}, jb = {0};
    ly_event_json(&ja, a);
    ly_event_json(&jb, b);
    assert_string_equal(ja.data, jb.data);
    ly_buf_free(&ja);
    ly_buf_free(&jb);
}

#endif
