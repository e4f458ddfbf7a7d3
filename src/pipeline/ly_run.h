/* `loyalty run`: the pipeline. Consumes the input and internal topics in one
 * consumer group, merges each partition's topics by event time, runs the
 * engine, and per batch applies member state, dedupe and the batch's output
 * records to Redis atomically (fenced by an epoch), then produces the outputs
 * and commits the input offsets in one Kafka transaction, then acknowledges
 * the batch in Redis. On assignment it resumes from Redis and re-sends what
 * Kafka did not commit. */
#ifndef LY_RUN_H
#define LY_RUN_H
#include <signal.h>
#include <stddef.h>
#include "ly_config.h"

typedef struct ly_run_options {
    const ly_config *cfg;
    int drain;                          /* exit once everything seen at start is committed */
    volatile sig_atomic_t *stop;        /* set by a signal handler: finish the batch and leave */
    volatile sig_atomic_t *reload;      /* set by SIGHUP: reload the program file (may be NULL) */
} ly_run_options;

typedef struct ly_run_stats {
    unsigned long long events, dead_letters, outputs, batches, transactions, aborts, rebalances, resent;
    unsigned long long notices;
    unsigned long long redis_redirections; /* Redis Cluster MOVED/ASK followed */
} ly_run_stats;

/* Runs until *stop or, with drain, until done. 0, or an exit code of
 * sysexits.h (69 unavailable, 78 configuration, 70 internal) with errstr. */
int ly_run(const ly_run_options *opt, ly_run_stats *stats, char *errstr, size_t errlen);

#endif
