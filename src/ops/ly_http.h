/* The processor's HTTP endpoint (libmicrohttpd): /metrics (Prometheus
 * text), /healthz (alive), /readyz (partitions assigned, Redis and the
 * broker reachable). */
#ifndef LY_HTTP_H
#define LY_HTTP_H
#include <stddef.h>
#include "ly_metrics.h"

typedef struct ly_http ly_http;

/* Serves on bind:port (port 0: not at all, returns NULL with errstr empty).
 * Returns the server (caller stops it) or NULL with errstr. */
typedef struct ly_http_limits {
    unsigned max_connections; /* capped by the fd limit less a reserve */
    unsigned timeout_s;       /* idle connections are closed after this */
} ly_http_limits;

ly_http *ly_http_start(const char *bind, int port, const ly_http_limits *limits, ly_metrics *m, char *errstr,
                       size_t errlen);
void ly_http_stop(ly_http *h); /* accepts NULL */

#endif
