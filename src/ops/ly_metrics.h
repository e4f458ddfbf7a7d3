/* The processor's metrics, kept thread-safe (the processing thread, the
 * committer and the HTTP thread all touch them) and rendered in the
 * Prometheus text format. */
#ifndef LY_METRICS_H
#define LY_METRICS_H
#include <stdint.h>
#include "ly_output.h"

typedef enum {
    LY_M_DUPLICATES,     /* events dropped as repeats (section 5) */
    LY_M_TRANSACTIONS,   /* Kafka transactions committed */
    LY_M_ABORTS,         /* Kafka transactions aborted */
    LY_M_REBALANCES,
    LY_M_TIMERS,         /* timers fired */
    LY_M_RESENT,         /* stored batches re-sent after a restart */
    LY_M_RELOADS,        /* program files taken on reload */
    LY_M_RELOADS_REFUSED, /* program files refused on reload (invalid, or changing the past) */
    LY_M_QUARANTINED,    /* member states found unreadable and set aside */
    LY_M_COUNTERS
} ly_counter;

typedef enum {
    LY_G_PARTITIONS,     /* assigned partitions */
    LY_G_MEMBERS,        /* member records held */
    LY_G_REDIS_RTT,      /* seconds, last Redis round trip */
    LY_G_GAUGES
} ly_gauge;

typedef enum { LY_H_BATCH_EVENTS, LY_H_BATCH_SECONDS, LY_H_COUNT } ly_histogram;

typedef struct ly_metrics ly_metrics;

/* Returns an empty set (caller destroys) or NULL on ENOMEM. */
ly_metrics *ly_metrics_new(void);
void ly_metrics_destroy(ly_metrics *m); /* accepts NULL */

/* n more input events of a kind, outputs of a type, dead letters of a
 * reason (callers add up per event and report in bulk). */
void ly_metrics_input_n(ly_metrics *m, const char *topic, const char *kind, uint64_t n);
void ly_metrics_output_n(ly_metrics *m, const char *topic, const char *type, uint64_t n);
void ly_metrics_dead_letter_n(ly_metrics *m, const char *reason, uint64_t n);
void ly_metrics_count(ly_metrics *m, ly_counter c, uint64_t n);
void ly_metrics_gauge(ly_metrics *m, ly_gauge g, double v);
void ly_metrics_observe(ly_metrics *m, ly_histogram h, double v);
void ly_metrics_lag(ly_metrics *m, const char *topic, int32_t partition, int64_t lag);
/* Readiness: partitions assigned and both services answering. */
void ly_metrics_ready(ly_metrics *m, int ready);
int ly_metrics_is_ready(ly_metrics *m);

/* Appends the Prometheus text exposition of every metric. */
void ly_metrics_render(ly_metrics *m, ly_buf *out);

#endif
