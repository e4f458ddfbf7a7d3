/* The schema registry client against a fake registry (libmicrohttpd) that
 * hands out ids per subject and checks what it is sent. */
#include <microhttpd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_registry.h"

typedef struct { char body[65536]; size_t len; } upload;

static int calls;
static char subjects[16][128];

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **state)
{
    (void)cls;
    (void)version;
    upload *u = *state;
    if (!u) {
        *state = calloc(1, sizeof *u);
        return MHD_YES;
    }
    if (*size) {
        size_t n = *size < sizeof u->body - u->len - 1 ? *size : sizeof u->body - u->len - 1;
        memcpy(u->body + u->len, data, n);
        u->len += n;
        *size = 0;
        return MHD_YES;
    }
    char reply[64];
    unsigned status = MHD_HTTP_OK;
    if (strcmp(method, "POST") || strncmp(url, "/subjects/", 10) || !strstr(u->body, "\"schema\"") ||
        !strstr(u->body, "io.loyalty.v1")) {
        status = MHD_HTTP_BAD_REQUEST;
        snprintf(reply, sizeof reply, "{\"error_code\":400}");
    } else {
        snprintf(subjects[calls % 16], sizeof subjects[0], "%s", url + 10);
        snprintf(reply, sizeof reply, "{\"id\":%d}", 100 + calls++);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(reply), reply, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    free(*state);
    *state = NULL;
}

static void test_registers_every_schema_and_takes_the_ids(void **s)
{
    (void)s;
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, NULL,
                                            MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
    assert_non_null(d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    ly_config cfg;
    char err[600];
    ly_config_defaults(&cfg);
    snprintf(cfg.schema_registry_url, sizeof cfg.schema_registry_url, "http://127.0.0.1:%u/", info->port);
    assert_int_equal(ly_registry_register(&cfg, err, sizeof err), 0);
    assert_int_equal(calls, 7);
    assert_string_equal(subjects[0], "loyalty.purchases-value/versions");
    assert_int_equal(cfg.schema_ids[LY_T_PURCHASES], 100);
    assert_int_equal(cfg.schema_ids[LY_T_DLQ], 105);
    assert_int_equal(cfg.schema_ids[LY_T_NOTICES], 106);
    MHD_stop_daemon(d);
    /* A registry that is not there is an error naming it. */
    assert_int_equal(ly_registry_register(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "schema registry http://127.0.0.1:"));
}

static void test_no_registry_keeps_static_ids(void **s)
{
    (void)s;
    ly_config cfg;
    char err[64];
    ly_config_defaults(&cfg);
    assert_int_equal(ly_registry_register(&cfg, err, sizeof err), 0);
    assert_int_equal(cfg.schema_ids[LY_T_REWARDS], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registers_every_schema_and_takes_the_ids),
        cmocka_unit_test(test_no_registry_keeps_static_ids),
    };
    return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
