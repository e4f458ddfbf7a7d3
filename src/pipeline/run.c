/* The pipeline's clients, its main loop, rebalances and --drain. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ly_http.h"
#include "ly_topics.h"
#include "ly_utf8.h"
#include "run_internal.h"

static int role_of(const runner *r, const char *topic)
{
    for (int i = 0; i < NQ; i++)
        if (strcmp(r->cfg->topics[i], topic) == 0)
            return i;
    return -1;
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *errstr, size_t errlen)
{
    return rd_kafka_conf_set(conf, k, v, errstr, errlen) == RD_KAFKA_CONF_OK ? 0 : -1;
}

/* ---- rebalances ---- */

static void release_all(runner *r)
{
    if (!r->fatal && ly_run_commit(r) < 0)
        ly_run_log("error", "could not commit the open batch before a rebalance: %s", r->err);
    ly_run_committer_drain(r);
    for (int32_t n = 0; n < r->nparts; n++) {
        ly_part_free(r->parts[n]);
        r->parts[n] = NULL;
    }
}

static void assign(runner *r, rd_kafka_topic_partition_list_t *parts)
{
    ly_run_committer_drain(r); /* recovery uses the producer itself */
    for (int i = 0; i < parts->cnt && !r->fatal; i++) {
        int32_t n = parts->elems[i].partition;
        if (n < 0 || n >= r->nparts || r->parts[n])
            continue;
        if (!(r->parts[n] = ly_part_load(r, n))) {
            ly_run_log("error", "%s", r->err);
            ly_run_fail(r, "%s", r->err);
        }
    }
    /* Redis is the truth about what was applied: resume right after it.
     * Where it knows of nothing, the group's committed offset or
     * auto.offset.reset decides. */
    for (int i = 0; i < parts->cnt && !r->fatal; i++) {
        rd_kafka_topic_partition_t *t = &parts->elems[i];
        int role = role_of(r, t->topic);
        part *p = r->parts[t->partition];
        t->offset = role >= 0 && p && p->off[role] >= 0 ? p->off[role] : RD_KAFKA_OFFSET_INVALID;
        if (t->offset >= 0)
            p->q[role].from = t->offset;
    }
    rd_kafka_assign(r->consumer, r->fatal ? NULL : parts);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    runner *r = opaque;
    (void)rk;
    r->stats->rebalances++;
    ly_metrics_count(r->metrics, LY_M_REBALANCES, 1);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        ly_run_log("info", "assigned %d topic partitions", parts->cnt);
        assign(r, parts);
    } else {
        ly_run_log("info", "revoked %d topic partitions", parts->cnt);
        release_all(r);
        rd_kafka_assign(r->consumer, NULL);
    }
}

/* librdkafka's own log lines join the processor's stream (same format,
 * same rate limit); they come from librdkafka's threads, which is why the
 * rate limiter only ever loses a count, never a line's integrity. Its
 * debug lines exist only when the operator set kafka.debug, and are what
 * they asked for; its notices and info lines stay out. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= 4 || level >= 7)
        ly_run_log(level <= 3 ? "error" : level == 4 ? "warn" : "debug", "kafka_facility=%s msg=\"%s\"", fac, buf);
}

/* ---- set-up ---- */

static int make_clients(runner *r, char *errstr, size_t errlen)
{
    const ly_config *cfg = r->cfg;
    char txid[600];
    rd_kafka_conf_t *c = ly_config_kafka_conf(cfg, errstr, errlen);
    if (!c || set(c, "group.id", cfg->group_id, errstr, errlen) || set(c, "enable.auto.commit", "false", errstr, errlen) ||
        set(c, "isolation.level", "read_committed", errstr, errlen) ||
        set(c, "enable.partition.eof", "true", errstr, errlen) ||
        set(c, "auto.offset.reset", "earliest", errstr, errlen) ||
        set(c, "partition.assignment.strategy", "range", errstr, errlen) ||
        /* Fetches answer within 10 ms rather than librdkafka's 500 ms when
         * there is little to fetch: it is most of the event -> reward time. */
        (!ly_config_kafka(cfg, "fetch.wait.max.ms") && set(c, "fetch.wait.max.ms", "10", errstr, errlen)) ||
        /* ...but not with every few records: under a steady load a fetch
         * that answers as soon as one record is there costs the processor
         * a third of its CPU. 64 KB or those 10 ms, whichever comes first. */
        (!ly_config_kafka(cfg, "fetch.min.bytes") && set(c, "fetch.min.bytes", "65536", errstr, errlen))) {
        if (c)
            rd_kafka_conf_destroy(c);
        return -1;
    }
    rd_kafka_conf_set_opaque(c, r);
    rd_kafka_conf_set_rebalance_cb(c, on_rebalance);
    rd_kafka_conf_set_log_cb(c, on_log);
    if (!(r->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, errlen)))
        return -1;
    rd_kafka_poll_set_consumer(r->consumer);
    snprintf(txid, sizeof txid, "%s-%s", cfg->group_id, cfg->instance_id);
    rd_kafka_conf_t *pc = ly_config_kafka_conf(cfg, errstr, errlen);
    if (!pc || set(pc, "transactional.id", txid, errstr, errlen) ||
        set(pc, "partitioner", "murmur2_random", errstr, errlen) ||
        (!ly_config_kafka(cfg, "linger.ms") && set(pc, "linger.ms", "5", errstr, errlen)) ||
        /* The broker answers a transaction begun right after the last one's
         * commit with CONCURRENT_TRANSACTIONS until that one's markers are
         * written; librdkafka retries after retry.backoff.ms, 100 ms by
         * default, up to 100 ms added to every transaction. 20 ms
         * is what the Java client waits in that case (KAFKA-5477). */
        (!ly_config_kafka(cfg, "retry.backoff.ms") && set(pc, "retry.backoff.ms", "20", errstr, errlen))) {
        if (pc)
            rd_kafka_conf_destroy(pc);
        return -1;
    }
    rd_kafka_conf_set_log_cb(pc, on_log);
    if (!(r->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, errlen)))
        return -1;
    for (int t = 0; t < LY_T_COUNT; t++) {
        if (!(r->out_topics[t] = rd_kafka_topic_new(r->producer, cfg->topics[t], NULL))) {
            snprintf(errstr, errlen, "producer handle of topic %s: %s", cfg->topics[t],
                     rd_kafka_err2str(rd_kafka_last_error()));
            return -1;
        }
    }
    rd_kafka_error_t *e = rd_kafka_init_transactions(r->producer, 60000);
    if (e) {
        snprintf(errstr, errlen, "init transactions (%s): %s", txid, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return -1;
    }
    return 0;
}

/* Section 3 needs co-partitioned inputs: same partition count everywhere. */
static int check_topics(runner *r, char *errstr, size_t errlen)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(r->consumer, 1, NULL, &md, 30000);
    if (e) {
        snprintf(errstr, errlen, "kafka metadata: %s", rd_kafka_err2str(e));
        return -1;
    }
    int32_t *counts = r->topic_counts;
    for (int i = 0; i < md->topic_cnt; i++) {
        int role = -1;
        for (int k = 0; k < LY_T_COUNT; k++)
            if (strcmp(md->topics[i].topic, r->cfg->topics[k]) == 0)
                role = k;
        if (role >= 0 && !md->topics[i].err)
            counts[role] = md->topics[i].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    for (int k = 0; k < LY_T_COUNT; k++) {
        if (!counts[k]) {
            snprintf(errstr, errlen, "topic %s does not exist (create the topics with `loyalty topics create`)",
                     r->cfg->topics[k]);
            return -1;
        }
        if (k < NQ && counts[k] != counts[0]) {
            snprintf(errstr, errlen, "topics are not co-partitioned: %s has %d partitions, %s has %d",
                     r->cfg->topics[0], counts[0], r->cfg->topics[k], counts[k]);
            return -1;
        }
    }
    r->nparts = counts[0];
    return 0;
}

/* The processor writes its outputs and cross-member records to topics that
 * may have been made moments ago by other tools: it waits until their
 * partitions' leaders answer, so its first records are not lost to
 * KAFKA-15591 (ly_topics.h). The group joins meanwhile. */
static void wait_for_output_leaders(runner *r)
{
    int32_t written[LY_T_COUNT] = {0};
    const char *names[LY_T_COUNT];
    for (int k = 0; k < LY_T_COUNT; k++) {
        names[k] = r->cfg->topics[k];
        written[k] = k >= LY_T_INTERNAL ? r->topic_counts[k] : 0;
    }
    char unready[512];
    if (ly_topics_wait_for_leaders(r->consumer, names, written, 10000, unready, sizeof unready) < 0)
        ly_run_log("warn", "partition leader not ready after 10 s, %s: producing anyway", unready);
}

static int note_ends(runner *r, char *errstr, size_t errlen)
{
    if (!(r->end_at_start = calloc((size_t)r->nparts * 3, sizeof *r->end_at_start)))
        return -1;
    for (int role = 0; role < 3; role++)
        for (int32_t n = 0; n < r->nparts; n++) {
            int64_t lo, hi;
            rd_kafka_resp_err_t e =
                rd_kafka_query_watermark_offsets(r->consumer, r->cfg->topics[role], n, &lo, &hi, 30000);
            if (e) {
                snprintf(errstr, errlen, "end offsets of %s [%d]: %s", r->cfg->topics[role], (int)n, rd_kafka_err2str(e));
                return -1;
            }
            r->end_at_start[role * r->nparts + n] = hi;
        }
    return 0;
}

/* --drain: done when the group has committed every input up to the end seen
 * at start and this processor holds nothing: internal topic at its end, no
 * open batch. */
static int drained(runner *r)
{
    if (!ly_run_committer_idle(r))
        return 0;
    for (int32_t n = 0; n < r->nparts; n++)
        if (r->parts[n] && !ly_part_idle(r->parts[n]))
            return 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(3 * r->nparts);
    for (int role = 0; role < 3; role++)
        for (int32_t n = 0; n < r->nparts; n++)
            rd_kafka_topic_partition_list_add(l, r->cfg->topics[role], n);
    int done = rd_kafka_committed(r->consumer, l, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 0; done && i < l->cnt; i++) {
        int role = role_of(r, l->elems[i].topic);
        int64_t want = r->end_at_start[role * r->nparts + l->elems[i].partition];
        int64_t have = l->elems[i].offset < 0 ? 0 : l->elems[i].offset;
        done = have >= want;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return done;
}

/* ---- observation and reload ---- */

/* Gauges, lag and readiness, about once a second. */
static void observe(runner *r)
{
    int owned = 0;
    double members = 0;
    for (int32_t n = 0; n < r->nparts; n++) {
        part *p = r->parts[n];
        if (!p)
            continue;
        owned++;
        members += (double)ly_partition_member_count(p->pt);
        for (int role = 0; role < NQ; role++) {
            int64_t lo, hi, at = p->off[role];
            if (rd_kafka_get_watermark_offsets(r->consumer, r->cfg->topics[role], n, &lo, &hi) != 0 || at < 0)
                continue;
            /* Transactional topics (internal) end with commit markers the
             * consumer steps over: its position, not our next record, says
             * how far it is. */
            if (role == LY_T_INTERNAL && p->q[role].head == p->q[role].n) {
                rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
                rd_kafka_topic_partition_list_add(l, r->cfg->topics[role], n);
                if (rd_kafka_position(r->consumer, l) == RD_KAFKA_RESP_ERR_NO_ERROR && l->elems[0].offset > at)
                    at = l->elems[0].offset;
                rd_kafka_topic_partition_list_destroy(l);
            }
            ly_metrics_lag(r->metrics, r->cfg->topics[role], n, hi > at ? hi - at : 0);
        }
    }
    ly_metrics_gauge(r->metrics, LY_G_PARTITIONS, owned);
    ly_metrics_gauge(r->metrics, LY_G_MEMBERS, members);
    ly_metrics_gauge(r->metrics, LY_G_REDIS_RTT, ly_store_last_rtt_ms(r->store) / 1000.0);
    const struct rd_kafka_metadata *md;
    int broker = rd_kafka_metadata(r->consumer, 0, NULL, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (broker)
        rd_kafka_metadata_destroy(md);
    char err[256];
    int redis = ly_store_clock(r->store, 0, &(int64_t){0}, err, sizeof err) == 0;
    ly_metrics_ready(r->metrics, owned > 0 && broker && redis && !r->fatal);
}

/* The processor's clock: the latest of its partitions' (and, clock=wall,
 * the wall clock), which a reload must not rewrite the past of. */
static int64_t processor_clock(runner *r)
{
    int64_t clock = r->cfg->clock == LY_CLOCK_WALL ? ly_run_now_ms() : INT64_MIN;
    for (int32_t n = 0; n < r->nparts; n++)
        if (r->parts[n] && ly_partition_clock(r->parts[n]->pt) > clock)
            clock = ly_partition_clock(r->parts[n]->pt);
    return clock;
}

/* SIGHUP: the program file is validated first, then checked against the
 * versions already in force (section 17); a refused one changes nothing. */
static void reload_program(runner *r)
{
    char err[512];
    ly_program next;
    ly_program_reference(&next);
    if (!r->cfg->program[0]) {
        ly_run_log("info", "msg=\"SIGHUP: no program file configured; the reference program stays\"");
        return;
    }
    int64_t clock = processor_clock(r);
    if (ly_program_load_file(&next, r->cfg->program, err, sizeof err) < 0 ||
        ly_program_reload_check(&r->prog, &next, clock, err, sizeof err) < 0) {
        ly_program_free(&next);
        ly_metrics_count(r->metrics, LY_M_RELOADS_REFUSED, 1);
        ly_run_log("error", "msg=\"SIGHUP: program not reloaded, the running one stays\" file=%s error=\"%s\"",
                   r->cfg->program, err);
        return;
    }
    ly_program_free(&r->prog);
    r->prog = next; /* every partition reads the program through this struct */
    ly_metrics_count(r->metrics, LY_M_RELOADS, 1);
    ly_run_log("info", "msg=\"SIGHUP: program reloaded\" file=%s versions=%zu", r->cfg->program, 1 + next.n_later);
}

/* ---- the loop ---- */

static void route(runner *r, rd_kafka_message_t *m)
{
    const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    int role = role_of(r, topic);
    part *p = role >= 0 && m->partition >= 0 && m->partition < r->nparts ? r->parts[m->partition] : NULL;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (p)
            ly_part_eof(p, role);
        rd_kafka_message_destroy(m);
    } else if (m->err) {
        ly_run_log("warn", "consumer: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    } else if (!p) {
        rd_kafka_message_destroy(m); /* a partition we no longer own */
    } else {
        ly_part_enqueue(p, role, m);
    }
}

/* clock=event: the owned partitions advance together, always the smallest
 * head first, as simulate interleaves them; one that waits for an input
 * holds them all, so cross-member records land where simulate puts them. */
/* A partition's head changes only when it applies a record or receives one
 * in-process: the others' answers are kept (peeking every partition for
 * every event was the processor's top entry). */
static void peek(part *p)
{
    p->peek_state = ly_part_peek(p, &p->peek_role);
    p->peek_local = p->local.n - p->local.head;
}

static void process_in_order(runner *r)
{
    uint64_t max = (uint64_t)r->cfg->batch_max_events;
    for (int32_t n = 0; n < r->nparts; n++)
        if (r->parts[n])
            peek(r->parts[n]);
    while (!r->fatal) {
        part *best = NULL;
        for (int32_t n = 0; n < r->nparts; n++) {
            part *p = r->parts[n];
            if (!p)
                continue;
            if (p->local.n - p->local.head != p->peek_local)
                peek(p);
            if (p->peek_state == 0)
                return;
            if (p->peek_state == 1 && (!best || ly_part_before(p, p->peek_role, best, best->peek_role)))
                best = p;
        }
        if (!best || best->events >= max)
            return;
        ly_part_apply(best, best->peek_role);
        peek(best);
    }
}

/* --drain asks the group coordinator whether everything is committed only
 * once this processor holds nothing; every 500 ms left up to half a second
 * of idle tail on each run. */
#define DRAIN_CHECK_MS 50

static int loop(runner *r)
{
    const ly_config *cfg = r->cfg;
    int64_t last_drain_check = 0, last_observe = 0;
    while (!*r->stop && !r->fatal) {
        if (r->reload && *r->reload) {
            *r->reload = 0;
            if (ly_run_commit(r) == 0) /* the batch in flight ends under the old program */
                reload_program(r);
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->consumer, 20);
        for (int k = 0; m && k < 10000; k++) {
            route(r, m);
            m = k + 1 < 10000 ? rd_kafka_consumer_poll(r->consumer, 0) : NULL;
        }
        int64_t now = ly_run_now_ms();
        int any = 0;
        if (cfg->clock == LY_CLOCK_EVENT)
            process_in_order(r);
        for (int32_t n = 0; n < r->nparts; n++) {
            part *p = r->parts[n];
            if (!p)
                continue;
            if (cfg->clock == LY_CLOCK_WALL) {
                ly_part_process(p, (uint64_t)cfg->batch_max_events);
                if (now - r->last_tick_ms >= cfg->tick_ms)
                    ly_part_tick(p, now);
            }
            ly_part_flush_metrics(p);
            any |= ly_part_has_batch(p);
        }
        if (cfg->clock == LY_CLOCK_WALL && now - r->last_tick_ms >= cfg->tick_ms)
            r->last_tick_ms = now;
        if (any && !r->batch_opened_ms)
            r->batch_opened_ms = now;
        int full = 0;
        for (int32_t n = 0; n < r->nparts; n++)
            full |= r->parts[n] && r->parts[n]->events >= (uint64_t)cfg->batch_max_events;
        if (any && (full || now - r->batch_opened_ms >= cfg->batch_max_ms) && ly_run_commit(r) < 0)
            break;
        if (now - last_observe >= 1000) {
            last_observe = now;
            observe(r);
        }
        if (r->drain && now - last_drain_check >= DRAIN_CHECK_MS) {
            last_drain_check = now;
            if (drained(r))
                break;
        }
    }
    if (!r->fatal)
        ly_run_commit(r);
    ly_run_committer_drain(r);
    return r->fatal ? -1 : 0;
}

int ly_run(const ly_run_options *opt, ly_run_stats *stats, char *errstr, size_t errlen)
{
    runner r = {0};
    ly_run_stats local = {0};
    r.cfg = opt->cfg;
    r.drain = opt->drain;
    r.stop = opt->stop;
    r.reload = opt->reload;
    ly_run_log_format(!strcmp(opt->cfg->log_format, "json"));
    r.stats = stats ? stats : &local;
    int code = 0;
    char err[512];
    ly_program_reference(&r.prog);
    if (opt->cfg->program[0] && ly_program_load_file(&r.prog, opt->cfg->program, errstr, errlen) < 0)
        return 78;
    if (!(r.avro = ly_avro_new(errstr, errlen)) || !(r.metrics = ly_metrics_new())) {
        ly_avro_destroy(r.avro);
        ly_program_free(&r.prog);
        return 70;
    }
    ly_http_limits limits = { (unsigned)opt->cfg->http_max_connections, (unsigned)opt->cfg->http_timeout_s };
    ly_http *http = ly_http_start(opt->cfg->http_bind, (int)opt->cfg->http_port, &limits, r.metrics, errstr, errlen);
    if (!http && errstr[0]) {
        ly_avro_destroy(r.avro);
        ly_metrics_destroy(r.metrics);
        ly_program_free(&r.prog);
        return 69;
    }
    if (!(r.store = ly_store_connect(opt->cfg, err, sizeof err))) {
        snprintf(errstr, errlen, "%s", err);
        code = 69;
    } else if (make_clients(&r, errstr, errlen) < 0 || check_topics(&r, errstr, errlen) < 0 ||
               ly_run_committer_start(&r, errstr, errlen) < 0) {
        code = 69;
    } else if (!(r.parts = calloc((size_t)r.nparts, sizeof *r.parts)) || (r.drain && note_ends(&r, errstr, errlen) < 0)) {
        code = 69;
    } else {
        rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(NQ);
        for (int i = 0; i < NQ; i++)
            rd_kafka_topic_partition_list_add(subs, opt->cfg->topics[i], RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(r.consumer, subs);
        rd_kafka_topic_partition_list_destroy(subs);
        if (e) {
            snprintf(errstr, errlen, "subscribe: %s", rd_kafka_err2str(e));
            code = 69;
        } else {
            wait_for_output_leaders(&r);
            ly_run_log("info", "running group=%s instance=%s partitions=%d clock=%s", opt->cfg->group_id,
                       opt->cfg->instance_id, (int)r.nparts, opt->cfg->clock == LY_CLOCK_EVENT ? "event" : "wall");
            if (loop(&r) < 0) {
                snprintf(errstr, errlen, "%s", r.err[0] ? r.err : "pipeline failed");
                code = 70;
            }
        }
    }
    ly_run_committer_drain(&r);
    if (r.consumer) {
        rd_kafka_consumer_close(r.consumer);
        rd_kafka_destroy(r.consumer);
    }
    for (int32_t n = 0; r.parts && n < r.nparts; n++)
        ly_part_free(r.parts[n]);
    ly_run_committer_stop(&r);
    if (r.store)
        r.stats->redis_redirections = ly_store_redirections(r.store);
    for (int t = 0; t < LY_T_COUNT; t++)
        if (r.out_topics[t])
            rd_kafka_topic_destroy(r.out_topics[t]);
    if (r.producer)
        rd_kafka_destroy(r.producer);
    free(r.parts);
    free(r.end_at_start);
    ly_store_destroy(r.store);
    ly_avro_destroy(r.avro);
    ly_http_stop(http);
    ly_metrics_destroy(r.metrics);
    ly_program_free(&r.prog);
    return code;
}
