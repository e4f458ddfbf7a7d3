/* Batches: stored in Redis first (atomically, fenced), then produced with the
 * input offsets in one Kafka transaction, then acknowledged in Redis. A crash
 * between any two steps is mended on the next assignment: Redis holds the
 * batch until Kafka has it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ly_batch.h"
#include "ly_murmur2.h"
#include "ly_state.h"
#include "run_internal.h"

#define TXN_TIMEOUT_MS 60000

static void sleep_ms(int64_t ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}


typedef struct { ly_buf blobs; size_t n, cap; const char **ids; size_t *offs, *lens; } member_batch;

static void collect_member(void *ctx, ly_member *m)
{
    member_batch *mb = ctx;
    if (!m->exists && !ly_member_extra_of(m)->referrer)
        return; /* a record only a rejected event touched: nothing to keep */
    if (mb->n == mb->cap) {
        size_t cap = mb->cap ? mb->cap * 2 : 256;
        const char **ids = realloc(mb->ids, cap * sizeof *ids);
        size_t *offs = ids ? realloc(mb->offs, cap * sizeof *offs) : NULL;
        size_t *lens = offs ? realloc(mb->lens, cap * sizeof *lens) : NULL;
        if (ids)
            mb->ids = ids;
        if (offs)
            mb->offs = offs;
        if (!lens) {
            mb->blobs.oom = 1;
            return;
        }
        mb->lens = lens;
        mb->cap = cap;
    }
    size_t at = mb->blobs.len;
    ly_state_encode(m, &mb->blobs);
    mb->ids[mb->n] = ly_member_id(m);
    mb->offs[mb->n] = at;
    mb->lens[mb->n] = mb->blobs.len - at;
    mb->n++;
}

static void collect_seen(void *ctx, uint64_t key, int64_t until)
{
    ly_chunk_add(ctx, key, until);
}

typedef struct { size_t n, cap; char (*ids)[LY_MEMBER_ID_MAX + 1]; char (*keys)[17]; int oom; } erased_batch;

static void collect_erased(void *ctx, uint64_t key, const char *id)
{
    erased_batch *eb = ctx;
    if (eb->n == eb->cap) {
        size_t cap = eb->cap ? eb->cap * 2 : 16;
        char(*ids)[LY_MEMBER_ID_MAX + 1] = realloc(eb->ids, cap * sizeof *ids);
        if (ids)
            eb->ids = ids;
        char(*keys)[17] = ids ? realloc(eb->keys, cap * sizeof *keys) : NULL;
        if (!keys) {
            eb->oom = 1;
            return;
        }
        eb->keys = keys;
        eb->cap = cap;
    }
    snprintf(eb->ids[eb->n], sizeof eb->ids[0], "%s", id);
    snprintf(eb->keys[eb->n], sizeof eb->keys[0], "%016llx", (unsigned long long)key);
    eb->n++;
}

/* Writes the open batch to Redis; retries while Redis is away. */
int ly_run_store_batch(runner *r, part *p)
{
    member_batch mb = {0};
    ly_buf chunk = {0};
    ly_partition_take_dirty(p->pt, collect_member, &mb);
    ly_partition_take_remembered(p->pt, collect_seen, &chunk);
    erased_batch eb = {0};
    ly_partition_take_erased(p->pt, collect_erased, &eb);
    const char **erased_ids = malloc((eb.n ? eb.n : 1) * sizeof *erased_ids);
    const char **erased_keys = malloc((eb.n ? eb.n : 1) * sizeof *erased_keys);
    for (size_t i = 0; erased_ids && erased_keys && i < eb.n; i++)
        erased_ids[i] = eb.ids[i], erased_keys[i] = eb.keys[i];
    int64_t clock = ly_partition_clock(p->pt);
    size_t drop = 0;
    while (drop < p->chunks && p->chunk_until[drop] < clock)
        drop++;
    ly_buf_free(&p->pending);
    ly_batch_put_header(&p->pending, p->meta.seq + 1, p->off);
    ly_buf_put(&p->pending, p->out.data ? p->out.data : "", p->out.len);
    const char **blobs = malloc((mb.n ? mb.n : 1) * sizeof *blobs);
    int rc = -1;
    if (mb.blobs.oom || chunk.oom || p->pending.oom || !blobs || eb.oom || !erased_ids || !erased_keys) {
        ly_run_fail(r, "partition %d: out of memory building a batch", (int)p->n);
        goto done;
    }
    for (size_t i = 0; i < mb.n; i++)
        blobs[i] = mb.blobs.data + mb.offs[i];
    ly_store_batch sb = { p->meta.epoch, p->meta.seq + 1, clock == INT64_MIN ? 0 : clock,
                          { p->off[0], p->off[1], p->off[2], p->off[3] }, mb.n, mb.ids,
                          blobs, mb.lens, p->pending.data, p->pending.len,
                          chunk.len ? chunk.data : NULL, chunk.len, (int64_t)drop,
                          eb.n, erased_ids, erased_keys };
    char err[400];
    for (int64_t backoff = 100;; backoff = backoff < 5000 ? backoff * 2 : 5000) {
        rc = ly_store_apply(r->store, p->n, &sb, err, sizeof err);
        if (rc != -1 || *r->stop)
            break;
        ly_run_log("warn", "partition=%d redis unavailable, retrying in %lld ms: %s", (int)p->n, (long long)backoff,
                   err);
        sleep_ms(backoff);
    }
    if (rc != 0) {
        ly_run_fail(r, "partition %d: %s", (int)p->n,
                    rc == LY_STORE_FENCED ? "taken over by another processor (fenced)" : err);
        goto done;
    }
    p->meta.seq++;
    if (drop) {
        memmove(p->chunk_until, p->chunk_until + drop, (p->chunks - drop) * sizeof *p->chunk_until);
        p->chunks -= drop;
    }
    if (chunk.len) {
        int64_t max_until = 0;
        ly_chunk_parse(chunk.data, chunk.len, &max_until, NULL, NULL);
        if (p->chunks == p->chunk_cap) {
            size_t cap = p->chunk_cap ? p->chunk_cap * 2 : 64;
            int64_t *v = realloc(p->chunk_until, cap * sizeof *v);
            if (v) {
                p->chunk_until = v;
                p->chunk_cap = cap;
            }
        }
        if (p->chunks < p->chunk_cap)
            p->chunk_until[p->chunks++] = max_until;
    }
    ly_metrics_observe(r->metrics, LY_H_BATCH_EVENTS, (double)p->events);
    p->out.len = 0;
    p->out_count = 0;
    p->events = 0;
    r->stats->batches++;
done:
    free(blobs);
    free(erased_ids);
    free(erased_keys);
    free(eb.ids);
    free(eb.keys);
    free(mb.ids);
    free(mb.offs);
    free(mb.lens);
    ly_buf_free(&mb.blobs);
    ly_buf_free(&chunk);
    return rc == 0 ? 0 : -1;
}

/* Records go to librdkafka a partition at a time, in their order within
 * each partition; the order across partitions does not matter to anyone.
 * The partition is the one the murmur2_random partitioner picks for the
 * record's key (ly_murmur2, over the partition counts checked at start):
 * one rd_kafka_produce_batch per partition then skips librdkafka's
 * partitioner, partition lookup and transaction bookkeeping per record. */
#define PRODUCE_CHUNK 512

/* Enqueues msgs[0..n) for one partition, waiting out a full queue. A queue
 * that refused a record but took a later one would have reordered them:
 * that fails, and the transaction is retried. */
static int produce_partition(runner *r, int role, int32_t partition, rd_kafka_message_t *msgs, size_t n)
{
    size_t done = 0;
    while (done < n) {
        rd_kafka_produce_batch(r->out_topics[role], partition, RD_KAFKA_MSG_F_COPY, msgs + done, (int)(n - done));
        size_t failed = done;
        while (failed < n && msgs[failed].err == RD_KAFKA_RESP_ERR_NO_ERROR)
            failed++;
        if (failed == n)
            return 0;
        for (size_t i = failed; i < n; i++) {
            if (msgs[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                ly_run_log("warn", "produce to %s [%d]: a full queue took records out of order", r->cfg->topics[role],
                           (int)partition);
                return -1;
            }
            if (msgs[i].err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                ly_run_log("error", "produce to %s [%d]: %s", r->cfg->topics[role], (int)partition,
                           rd_kafka_err2str(msgs[i].err));
                return -1;
            }
        }
        done = failed;
        rd_kafka_poll(r->producer, 10);
    }
    return 0;
}

typedef struct { int32_t partition; uint32_t at; } placed;

/* By partition, then by place in the chunk (a stable order). */
static int by_partition(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

static int flush_chunk(runner *r, const ly_batch_record *recs, size_t n, rd_kafka_message_t *msgs, placed *order)
{
    for (int role = 0; role < LY_T_COUNT; role++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (recs[i].role == role)
                order[k++] = (placed){ ly_murmur2_partition(recs[i].key, recs[i].klen, r->topic_counts[role]),
                                       (uint32_t)i };
        qsort(order, k, sizeof *order, by_partition);
        for (size_t i = 0; i < k; i++) {
            const ly_batch_record *rec = &recs[order[i].at];
            msgs[i] = (rd_kafka_message_t){ .payload = (void *)rec->val, .len = rec->vlen, .key = (void *)rec->key,
                                            .key_len = rec->klen };
        }
        for (size_t from = 0, to; from < k; from = to) {
            for (to = from + 1; to < k && order[to].partition == order[from].partition; to++)
                ;
            if (produce_partition(r, role, order[from].partition, msgs + from, to - from) < 0)
                return -1;
        }
    }
    return 0;
}

static int produce_records(runner *r, ly_batch *b)
{
    ly_batch_record *recs = malloc(PRODUCE_CHUNK * sizeof *recs);
    rd_kafka_message_t *msgs = malloc(PRODUCE_CHUNK * sizeof *msgs);
    placed *order = malloc(PRODUCE_CHUNK * sizeof *order);
    int rc = recs && msgs && order ? 0 : -1;
    size_t n = 0;
    while (rc == 0 && ly_batch_next(b, &recs[n])) {
        if (++n == PRODUCE_CHUNK) {
            rc = flush_chunk(r, recs, n, msgs, order);
            n = 0;
        }
    }
    if (rc == 0 && n)
        rc = flush_chunk(r, recs, n, msgs, order);
    if (!recs || !msgs || !order)
        ly_run_log("error", "out of memory producing a batch");
    free(recs);
    free(msgs);
    free(order);
    return rc;
}

/* A later batch of the same partition replaces an earlier one's entry: the
 * committed metadata names the last batch the transaction holds. */
static void add_offsets(runner *r, rd_kafka_topic_partition_list_t *l, int32_t n, const int64_t off[NQ], int64_t seq)
{
    for (int i = 0; i < NQ; i++) {
        if (off[i] < 0)
            continue;
        rd_kafka_topic_partition_t *t = rd_kafka_topic_partition_list_find(l, r->cfg->topics[i], n);
        if (t) {
            free(t->metadata);
            t->metadata = NULL;
            t->metadata_size = 0;
        } else {
            t = rd_kafka_topic_partition_list_add(l, r->cfg->topics[i], n);
        }
        t->offset = off[i];
        char meta[32];
        int len = snprintf(meta, sizeof meta, "ly:%lld", (long long)seq);
        t->metadata = malloc((size_t)len);
        if (t->metadata) {
            memcpy(t->metadata, meta, (size_t)len);
            t->metadata_size = (size_t)len;
        }
    }
}

/* One transaction over the stored batches of njobs queued jobs, in queue
 * order: their records and input offsets. Queued jobs share a group
 * generation (a rebalance drains the committer first). */
static int transact(runner *r, ly_job *const *jobs, size_t njobs)
{
    for (int attempt = 0; attempt < 10 && !r->fatal; attempt++) {
        rd_kafka_error_t *e = rd_kafka_begin_transaction(r->producer);
        int ok = e == NULL;
        for (size_t j = 0; ok && j < njobs; j++)
            for (size_t i = 0; ok && i < jobs[j]->n; i++) {
                const ly_buf *b = &jobs[j]->blobs[i];
                ly_batch batch;
                if (ly_batch_parse(b->data, b->len, LY_T_COUNT, &batch) < 0 || produce_records(r, &batch) < 0)
                    ok = 0;
            }
        if (ok) {
            rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new(NQ * r->nparts);
            for (size_t j = 0; j < njobs; j++)
                for (size_t i = 0; i < jobs[j]->n; i++) {
                    ly_batch batch;
                    /* Parsed once already above; a batch that failed never gets here. */
                    if (ly_batch_parse(jobs[j]->blobs[i].data, jobs[j]->blobs[i].len, LY_T_COUNT, &batch) == 0)
                        add_offsets(r, offsets, jobs[j]->ns[i], batch.next_offset, batch.seq);
                }
            if (offsets->cnt > 0)
                e = rd_kafka_send_offsets_to_transaction(r->producer, offsets, jobs[njobs - 1]->cgmd,
                                                         TXN_TIMEOUT_MS);
            rd_kafka_topic_partition_list_destroy(offsets);
            if (!e)
                e = rd_kafka_commit_transaction(r->producer, TXN_TIMEOUT_MS);
            if (!e) {
                r->stats->transactions++;
                ly_metrics_count(r->metrics, LY_M_TRANSACTIONS, 1);
                return 0;
            }
        }
        if (e && rd_kafka_error_is_fatal(e)) {
            ly_run_fail(r, "kafka transaction: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            return -1;
        }
        ly_run_log("warn", "kafka transaction aborted, retrying: %s", e ? rd_kafka_error_string(e) : "produce failed");
        if (e)
            rd_kafka_error_destroy(e);
        rd_kafka_error_t *ae = rd_kafka_abort_transaction(r->producer, TXN_TIMEOUT_MS);
        if (ae)
            rd_kafka_error_destroy(ae);
        r->stats->aborts++;
        ly_metrics_count(r->metrics, LY_M_ABORTS, 1);
        sleep_ms(200LL << (attempt < 5 ? attempt : 5));
    }
    ly_run_fail(r, "kafka transaction failed 10 times");
    return -1;
}

static int ack(runner *r, ly_store *store, int32_t n, int64_t epoch)
{
    char err[400];
    for (int64_t backoff = 100;; backoff = backoff < 5000 ? backoff * 2 : 5000) {
        int rc = ly_store_ack(store, n, epoch, 1, err, sizeof err);
        if (rc == 0)
            return 0;
        if (rc == LY_STORE_FENCED || *r->stop) {
            ly_run_fail(r, "partition %d: ack: %s", (int)n, err);
            return -1;
        }
        ly_run_log("warn", "partition=%d redis unavailable, retrying ack in %lld ms: %s", (int)n, (long long)backoff, err);
        sleep_ms(backoff);
    }
}

static void job_free(ly_job *job)
{
    if (!job)
        return;
    for (size_t i = 0; i < job->n; i++)
        ly_buf_free(&job->blobs[i]);
    if (job->cgmd)
        rd_kafka_consumer_group_metadata_destroy(job->cgmd);
    free(job->blobs);
    free(job->ns);
    free(job->epochs);
    free(job);
}

/* Commits jobs to Kafka in one transaction, then acknowledges their
 * batches in Redis, oldest first. */
static void run_jobs(runner *r, ly_store *store, ly_job *const *jobs, size_t njobs)
{
    if (transact(r, jobs, njobs) == 0)
        for (size_t j = 0; j < njobs; j++)
            for (size_t i = 0; i < jobs[j]->n && !r->fatal; i++)
                ack(r, store, jobs[j]->ns[i], jobs[j]->epochs[i]);
    for (size_t j = 0; j < njobs; j++)
        ly_metrics_observe(r->metrics, LY_H_BATCH_SECONDS, (double)(ly_run_now_ms() - jobs[j]->opened_ms) / 1000.0);
}

/* ---- the committer thread: Kafka transactions overlap the next batch ---- */

#define MAX_QUEUED 4

static void *committer(void *arg)
{
    runner *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->queue && !r->closing)
            pthread_cond_wait(&r->cv, &r->mu);
        if (!r->queue)
            break;
        /* Whatever queued while the last transaction ran goes in one: under
         * load, fewer and larger transactions (each costs round trips to
         * the coordinators); when idle, one batch each, as soon as it comes. */
        ly_job *jobs[MAX_QUEUED];
        size_t n = 0;
        for (ly_job *j = r->queue; j && n < MAX_QUEUED; j = j->next)
            jobs[n++] = j;
        r->busy = 1;
        pthread_mutex_unlock(&r->mu);
        run_jobs(r, r->ack_store, jobs, n);
        pthread_mutex_lock(&r->mu);
        r->queue = jobs[n - 1]->next;
        r->queued -= n;
        r->busy = 0;
        for (size_t i = 0; i < n; i++)
            job_free(jobs[i]);
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int ly_run_committer_start(runner *r, char *errstr, size_t errlen)
{
    if (!(r->ack_store = ly_store_connect(r->cfg, errstr, errlen)))
        return -1;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->thread, NULL, committer, r) != 0) {
        snprintf(errstr, errlen, "cannot start the committer thread");
        return -1;
    }
    r->threaded = 1;
    return 0;
}

void ly_run_committer_drain(runner *r)
{
    if (!r->threaded)
        return;
    pthread_mutex_lock(&r->mu);
    while (r->queue)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

void ly_run_committer_stop(runner *r)
{
    if (!r->threaded)
        return;
    pthread_mutex_lock(&r->mu);
    r->closing = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    r->threaded = 0;
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    ly_store_destroy(r->ack_store);
    r->ack_store = NULL;
}

int ly_run_committer_idle(runner *r)
{
    if (!r->threaded)
        return 1;
    pthread_mutex_lock(&r->mu);
    int idle = !r->queue;
    pthread_mutex_unlock(&r->mu);
    return idle;
}

/* Stores every open batch in Redis, then hands them to the committer (at
 * most MAX_QUEUED jobs waiting, so memory stays bounded). */
int ly_run_commit(runner *r)
{
    int64_t opened = ly_run_now_ms();
    ly_job *job = calloc(1, sizeof *job);
    if (!job || !(job->blobs = calloc((size_t)r->nparts, sizeof *job->blobs)) ||
        !(job->ns = calloc((size_t)r->nparts, sizeof *job->ns)) ||
        !(job->epochs = calloc((size_t)r->nparts, sizeof *job->epochs))) {
        job_free(job);
        ly_run_fail(r, "out of memory handing a batch to the committer");
        return -1;
    }
    for (int32_t i = 0; i < r->nparts && !r->fatal; i++) {
        part *p = r->parts[i];
        if (p && ly_part_has_batch(p) && ly_run_store_batch(r, p) == 0) {
            job->blobs[job->n] = p->pending;
            memset(&p->pending, 0, sizeof p->pending);
            job->ns[job->n] = p->n;
            job->epochs[job->n] = p->meta.epoch;
            job->n++;
        }
    }
    r->batch_opened_ms = 0;
    if (r->fatal || job->n == 0) {
        job_free(job);
        return r->fatal ? -1 : 0;
    }
    job->cgmd = rd_kafka_consumer_group_metadata(r->consumer);
    job->opened_ms = opened;
    if (!r->threaded) {
        run_jobs(r, r->store, &job, 1);
        job_free(job);
        return r->fatal ? -1 : 0;
    }
    pthread_mutex_lock(&r->mu);
    while (r->queued >= MAX_QUEUED && !r->fatal)
        pthread_cond_wait(&r->cv, &r->mu);
    ly_job **tail = &r->queue;
    while (*tail)
        tail = &(*tail)->next;
    *tail = job;
    r->queued++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return r->fatal ? -1 : 0;
}

/* Recovery: a stored batch Kafka already committed (its seq is in the
 * committed offsets' metadata) is only acknowledged; any other is produced
 * again in a transaction of its own. Runs with the committer idle. */
int ly_run_resend(runner *r, part *p, const char *blob, size_t len)
{
    ly_batch batch;
    if (ly_batch_parse(blob, len, LY_T_COUNT, &batch) < 0)
        return -1;
    int64_t seq = batch.seq, *off = batch.next_offset;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(NQ);
    for (int i = 0; i < NQ; i++)
        rd_kafka_topic_partition_list_add(l, r->cfg->topics[i], p->n);
    int committed = 0;
    if (rd_kafka_committed(r->consumer, l, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        for (int i = 0; i < l->cnt; i++) {
            const rd_kafka_topic_partition_t *t = &l->elems[i];
            char meta[32] = "";
            if (t->metadata && t->metadata_size < sizeof meta)
                memcpy(meta, t->metadata, t->metadata_size);
            if (strncmp(meta, "ly:", 3) == 0 && strtoll(meta + 3, NULL, 10) >= seq)
                committed = 1;
        }
    rd_kafka_topic_partition_list_destroy(l);
    if (!committed) {
        ly_run_log("info", "partition=%d re-sending batch %lld that Kafka did not commit", (int)p->n, (long long)seq);
        r->stats->resent++;
        ly_metrics_count(r->metrics, LY_M_RESENT, 1);
        ly_buf copy = {0};
        ly_buf_put(&copy, blob, len);
        int32_t n = p->n;
        int64_t epoch = p->meta.epoch;
        ly_job job = { &copy, &n, &epoch, 1, rd_kafka_consumer_group_metadata(r->consumer), NULL, ly_run_now_ms() };
        ly_job *one = &job;
        int rc = transact(r, &one, 1);
        rd_kafka_consumer_group_metadata_destroy(job.cgmd);
        ly_buf_free(&copy);
        if (rc < 0)
            return -1;
    }
    for (int i = 0; i < NQ; i++)
        if (off[i] > p->off[i])
            p->off[i] = off[i];
    return ack(r, r->store, p->n, p->meta.epoch);
}
