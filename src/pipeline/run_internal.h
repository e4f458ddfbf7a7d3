/* Internal to the pipeline (run.c, run_part.c, run_txn.c). */
#ifndef LY_RUN_INTERNAL_H
#define LY_RUN_INTERNAL_H
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include "ly_avro.h"
#include "ly_config.h"
#include "ly_metrics.h"
#include "ly_output.h"
#include "ly_partition.h"
#include "ly_program.h"
#include "ly_run.h"
#include "ly_store.h"

#define NQ LY_STORE_INPUTS /* purchases, interactions, social, internal: also the merge rank */

/* One input of one partition: messages in offset order, the head decoded. */
typedef struct inq {
    rd_kafka_message_t **v;
    size_t head, n, cap;
    int eof;     /* the topic partition's end came after the last message queued */
    int64_t from; /* where reading began, when Redis said; -1 when it did not or once a record came */
    int decoded; /* ev holds the head, valid */
    ly_event ev;
    ly_arena *arena;
} inq;

typedef struct runner runner;

#define LOCAL NQ /* the role of records handed over in-process */

typedef struct local_rec {
    ly_event ev;
    uint64_t seq;
    char buf[]; /* the event's strings */
} local_rec;

/* Codes an output's metric label comes from: reward, risk, notice or reject. */
#define LY_OUT_CODES 32

typedef struct part {
    int32_t n;
    runner *r;
    ly_partition *pt;
    inq q[NQ];
    struct { local_rec **v; size_t head, n, cap; } local; /* cross-member records from partitions we own */
    /* Keys of the records delivered in-process whose copy on the internal
     * topic has not been read yet: that copy is skipped (an erased member
     * could not tell it was applied). Few: referrals only. */
    struct { uint64_t *v; size_t n, cap; } copies;
    ly_store_meta meta;   /* epoch and the last applied batch */
    int64_t off[NQ];      /* next offset per input once the open batch is applied; -1 none */
    ly_buf out;           /* output records of the open batch */
    uint32_t out_count;
    uint64_t events;      /* inputs consumed in the open batch */
    int64_t wait_since;   /* clock=wall: when a silent input started to hold the merge */
    int64_t *chunk_until; /* max expiry of each stored dedupe chunk, oldest first */
    size_t chunks, chunk_cap;
    ly_buf pending;       /* the batch just stored, until it is handed to a job */
    /* The record being applied, for the dead letters the rules make of it. */
    int cur_role;
    const rd_kafka_message_t *cur_msg; /* NULL: a record delivered in-process */
    char (*bad)[LY_MEMBER_ID_MAX + 1];  /* members found unreadable at load */
    size_t bad_n, bad_cap;
    /* process_in_order's last ly_part_peek of this partition, and how many
     * in-process records it had then. */
    int peek_state, peek_role;
    size_t peek_local;
    /* Per-event metric counts, added to the shared metrics once per loop
     * turn (ly_part_flush_metrics): a lock and a lookup per event were a
     * tenth of the processor's CPU. */
    struct {
        uint32_t in[NQ][LY_EV_COUNT];
        uint32_t out[LY_TOPIC_COUNT][LY_OUT_CODES];
        uint32_t dead[LY_OUT_CODES];
        uint64_t duplicates, timers;
        int any;
    } counts;
} part;

/* Stored batches that one Kafka transaction commits. */
typedef struct ly_job {
    ly_buf *blobs;
    int32_t *ns;
    int64_t *epochs;
    size_t n;
    rd_kafka_consumer_group_metadata_t *cgmd;
    struct ly_job *next;
    int64_t opened_ms; /* when the batch was closed, for the latency histogram */
} ly_job;

struct runner {
    const ly_config *cfg;
    ly_program prog;
    int drain;
    volatile sig_atomic_t *stop, *reload;
    ly_metrics *metrics;
    rd_kafka_t *consumer, *producer;
    /* The producer's handle of each topic by role: producing by name made
     * librdkafka look the topic up under its write lock per record. */
    rd_kafka_topic_t *out_topics[LY_T_COUNT];
    ly_store *store;
    ly_avro *avro;
    int32_t nparts;
    int32_t topic_counts[LY_T_COUNT]; /* partitions of each topic, by role */
    part **parts;          /* by partition number; NULL when not ours */
    int64_t *end_at_start; /* [role * nparts + n] for --drain */
    int64_t batch_opened_ms, last_tick_ms;
    uint64_t local_seq;
    volatile int fatal;    /* a failure that only a restart can mend */
    /* the committer thread and its queue (mu guards queue, queued, busy, closing) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ly_job *queue;
    int queued, busy, closing, threaded;
    ly_store *ack_store;  /* the committer's own Redis connection */
    char err[512];
    ly_run_stats *stats;
};

int64_t ly_run_now_ms(void);
/* Stops the pipeline: nothing more is committed, run exits 70 with this
 * message (the first one given wins). Every fatal path goes through it. */
void ly_run_fail(runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ly_run_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ly_run_log_format(int json); /* logfmt (0) or JSON lines (1), chosen once at start */

/* run_part.c */
part *ly_part_load(runner *r, int32_t n);   /* claims n in Redis, loads it, re-sends its outbox */
void ly_part_free(part *p);
void ly_part_enqueue(part *p, int role, rd_kafka_message_t *m);
void ly_part_eof(part *p, int role);
void ly_part_process(part *p, uint64_t max_events); /* merges and applies what is ready */
int ly_part_peek(part *p, int *role);  /* 1 ready (*role), 0 waiting for an input, -1 nothing to do */
int ly_part_before(const part *a, int ra, const part *b, int rb); /* head order across partitions */
void ly_part_apply(part *p, int role);
void ly_part_flush_metrics(part *p);
void ly_part_tick(part *p, int64_t now_ms);         /* clock=wall: timers on wall time */
static inline int ly_part_has_batch(const part *p)
{
    return p->events > 0 || p->out_count > 0;
}
int ly_part_idle(const part *p);                    /* nothing buffered on internal, nothing open */

/* run_txn.c */
/* Applies every open batch to Redis, then has them committed to Kafka in
 * one transaction and acknowledged (by the committer thread when started).
 * 0, or -1 with r->fatal set. */
int ly_run_commit(runner *r);
int ly_run_committer_start(runner *r, char *errstr, size_t errlen);
void ly_run_committer_drain(runner *r); /* waits until every job is done */
void ly_run_committer_stop(runner *r);
int ly_run_committer_idle(runner *r);
/* Produces stored batch blobs again and commits them (recovery). */
int ly_run_resend(runner *r, part *p, const char *blob, size_t len);
/* Serialises the open batch of p into p->pending and applies it to Redis. */
int ly_run_store_batch(runner *r, part *p);
/* Decodes a stored batch header: seq and offsets. 0 or -1. */

#endif
