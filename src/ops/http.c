#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "ly_http.h"

struct ly_http {
    struct MHD_Daemon *d;
    ly_metrics *m;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const char *body,
                             size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **state)
{
    ly_http *h = cls;
    (void)version, (void)data, (void)size, (void)state;
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
    if (!strcmp(url, "/metrics")) {
        ly_buf b = {0};
        ly_metrics_render(h->m, &b);
        enum MHD_Result r = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", b.data ? b.data : "", b.len);
        ly_buf_free(&b);
        return r;
    }
    if (!strcmp(url, "/healthz"))
        return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3);
    if (!strcmp(url, "/readyz"))
        return ly_metrics_is_ready(h->m) ? reply(c, MHD_HTTP_OK, "text/plain", "ready\n", 6)
                                         : reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "not ready\n", 10);
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
}

/* Descriptors kept for Kafka (a socket per broker and thread), Redis,
 * files and the listener, whatever the HTTP clients do. */
#define FD_RESERVE 128

static unsigned connection_limit(unsigned wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return wanted;
    unsigned room = rl.rlim_cur > FD_RESERVE + 16 ? (unsigned)(rl.rlim_cur - FD_RESERVE) : 16;
    return wanted < room ? wanted : room;
}

ly_http *ly_http_start(const char *bind, int port, const ly_http_limits *limits, ly_metrics *m, char *errstr,
                       size_t errlen)
{
    errstr[0] = '\0';
    if (port == 0)
        return NULL;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, bind, &addr.sin_addr) != 1) {
        snprintf(errstr, errlen, "http.bind: '%s' is not an IPv4 address", bind);
        return NULL;
    }
    ly_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(errstr, errlen, "out of memory");
        return NULL;
    }
    h->m = m;
    /* epoll: no FD_SETSIZE ceiling, and an idle client costs nothing to the
     * others, so a probe never waits behind them. */
    h->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO, (uint16_t)port, NULL, NULL, handle, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
                            connection_limit(limits->max_connections), MHD_OPTION_CONNECTION_TIMEOUT,
                            limits->timeout_s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_END);
    if (!h->d) {
        snprintf(errstr, errlen, "http: cannot listen on %s:%d", bind, port);
        free(h);
        return NULL;
    }
    return h;
}

void ly_http_stop(ly_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
