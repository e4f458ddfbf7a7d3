/* The pipeline's clock, its log and its one way to stop: what every part
 * of the pipeline calls, so it depends on none of them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ly_utf8.h"
#include "run_internal.h"

int64_t ly_run_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Logging is process-wide, like stderr itself: the format is chosen once
 * at start, and warnings are rate-limited so a flood of bad input cannot
 * flood the log (the count of what was left out is logged). librdkafka's
 * threads log too, so the limiter's counts are kept under a lock. */
static int log_json;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t log_second;
static int log_in_second, log_dropped;

/* One event, one line: control characters that came in with the input
 * (a newline in a field, in a parser's message) are escaped, so nobody can
 * forge log lines through an event. */
static void put_escaped(ly_buf *b, const char *msg)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *c = (const unsigned char *)msg; *c; c++) {
        if (*c >= 0x20 && *c != 0x7f) {
            ly_buf_put(b, (const char *)c, 1);
        } else {
            char e[4] = { '\\', 'x', hex[*c >> 4], hex[*c & 15] };
            ly_buf_put(b, e, 4);
        }
    }
}

static void emit_line(const char *level, const char *msg)
{
    if (!log_json) {
        ly_buf b = {0};
        ly_buf_printf(&b, "ts=%lld level=%s component=run ", (long long)ly_run_now_ms(), level);
        put_escaped(&b, msg);
        fprintf(stderr, "%s\n", b.data ? b.data : "");
        ly_buf_free(&b);
        return;
    }
    ly_buf b = {0};
    ly_buf_printf(&b, "{\"ts\":%lld,\"level\":\"%s\",\"component\":\"run\",\"msg\":", (long long)ly_run_now_ms(),
                  level);
    ly_buf_json_string(&b, msg, strlen(msg));
    fprintf(stderr, "%s}\n", b.data ? b.data : "{");
    ly_buf_free(&b);
}

/* Whether a line of `level` may be written now; reports, once a second,
 * how many warnings were left out. */
static int log_admit(const char *level)
{
    char msg[128];
    int64_t second = ly_run_now_ms() / 1000, dropped = 0;
    int admit = 1;
    pthread_mutex_lock(&log_mu);
    if (second != log_second) {
        dropped = log_dropped;
        log_second = second, log_in_second = 0, log_dropped = 0;
    }
    if (!strcmp(level, "warn") && ++log_in_second > 20) {
        log_dropped++;
        admit = 0;
    }
    pthread_mutex_unlock(&log_mu);
    if (dropped) {
        snprintf(msg, sizeof msg, "msg=\"%lld warnings left out in the last second\"", (long long)dropped);
        emit_line("warn", msg);
    }
    return admit;
}

void ly_run_log(const char *level, const char *fmt, ...)
{
    if (!log_admit(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof msg) /* cut: never inside a character */
        msg[ly_utf8_prefix(msg, sizeof msg - 1, sizeof msg - 2)] = 0;
    emit_line(level, msg);
}

void ly_run_fail(runner *r, const char *fmt, ...)
{
    if (!r->fatal || !r->err[0]) { /* the first cause is the one to report */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
    }
    r->fatal = 1;
}

void ly_run_log_format(int json)
{
    log_json = json;
}
