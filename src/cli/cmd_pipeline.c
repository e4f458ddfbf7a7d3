/* The pipeline commands: run, produce, consume, state dump, member show. */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "ly_grow.h"
#include "cli.h"
#include "ly_avro.h"
#include "ly_config.h"
#include "ly_registry.h"
#include "ly_run.h"
#include "ly_simulate.h"
#include "ly_state.h"
#include "ly_store.h"
#include "ly_topics.h"

typedef struct {
    const char *config, *brokers, *redis, *input, *topic;
    int drain, from_beginning, config_doc;
    int64_t limit, timeout, partitions, replication;
} pipe_args;

#define COMMON_OPTS                                                                                              \
    { "config", 1, 'c', "FILE", "properties file (see docs/operations.md); keys have defaults" },               \
    { "brokers", 1, 'b', "HOST:PORT", "overrides kafka.bootstrap.servers (default $LY_KAFKA_BOOTSTRAP)" },     \
    { "redis", 1, 'r', "HOST:PORT", "overrides redis.host and redis.port" }

static int pipe_opt(void *ctx, int key, const char *arg)
{
    pipe_args *a = ctx;
    switch (key) {
    case 'c': a->config = arg; return 0;
    case 'b': a->brokers = arg; return 0;
    case 'r': a->redis = arg; return 0;
    case 'i': a->input = arg; return 0;
    case 't': a->topic = arg; return 0;
    case 'd': a->drain = 1; return 0;
    case 'D': a->config_doc = 1; return 0;
    case 'f': a->from_beginning = 1; return 0;
    case 'l': return cli_i64("consume", "limit", arg, 1, INT64_MAX, &a->limit);
    case 'w': return cli_i64("consume", "timeout", arg, 0, 86400, &a->timeout);
    case 'n': return cli_i64("topics", "partitions", arg, 1, 10000, &a->partitions);
    case 'R': return cli_i64("topics", "replication", arg, 1, 32, &a->replication);
    }
    return -1;
}

static int load_config(ly_config *c, const pipe_args *a)
{
    return cli_load_config(c, a->config, a->brokers, a->redis);
}

/* With schema.registry.url set, ids come from the registry (registered now). */
static int with_registry(ly_config *c)
{
    char err[600];
    if (ly_registry_register(c, err, sizeof err) < 0) {
        fprintf(stderr, "loyalty: %s\n", err);
        return -1;
    }
    return 0;
}

/* ---- topics ---- */

static const cli_opt topics_opts[] = {
    COMMON_OPTS,
    { "partitions", 1, 'n', "N", "partitions of every topic (default 6); inputs must be co-partitioned" },
    { "replication", 1, 'R', "R", "replication factor (default 1)" },
    { 0, 0, 0, 0, 0 },
};

static int run_topics(int argc, char **argv)
{
    pipe_args a = { .partitions = 6, .replication = 1 };
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            print_help_of(&cli_topics);
            return EX_OK;
        }
        fprintf(stderr, "loyalty topics: expected 'create' (see loyalty topics --help)\n");
        return EX_USAGE;
    }
    int rc = cli_parse(&cli_topics, argc - 1, argv + 1, pipe_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    ly_config cfg;
    if (load_config(&cfg, &a) < 0)
        return EX_CONFIG;
    const char *names[LY_T_COUNT];
    for (int i = 0; i < LY_T_COUNT; i++)
        names[i] = cfg.topics[i];
    char err[512];
    int existing = 0;
    int32_t counts[LY_T_COUNT];
    rd_kafka_conf_t *conf = ly_config_kafka_conf(&cfg, err, sizeof err);
    if (!conf) {
        fprintf(stderr, "loyalty topics create: %s\n", err);
        return EX_CONFIG;
    }
    if (ly_topics_create(conf, names, (int32_t)a.partitions, (int16_t)a.replication, &existing, counts, err,
                         sizeof err) < 0) {
        fprintf(stderr, "loyalty topics create: %s\n", err);
        return EX_UNAVAILABLE;
    }
    fprintf(stderr, "topics: %d created, %d already there\n", LY_T_COUNT - existing, existing);
    int mismatch = 0;
    for (int i = 0; i < LY_T_COUNT; i++) {
        fprintf(stderr, "  %s: %d partitions\n", names[i], (int)counts[i]);
        /* The inputs and the internal topic must be co-partitioned. */
        mismatch |= i <= LY_T_INTERNAL && counts[i] != counts[0];
    }
    if (mismatch) {
        fprintf(stderr, "loyalty topics create: the input and internal topics differ in partition count; "
                        "loyalty run refuses them\n");
        return EX_CONFIG;
    }
    return EX_OK;
}

const command cli_topics = {
    "topics", "create [--partitions N] [--replication R] [--config FILE] [--brokers HOST:PORT]",
    "Creates the input, internal, output and dead-letter topics (names from the config).",
    topics_opts, run_topics,
};

/* ---- run ---- */

static volatile sig_atomic_t stop_flag, reload_flag;
static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_flag = 1;
    else
        stop_flag = 1;
}

static const cli_opt run_opts[] = {
    COMMON_OPTS,
    { "drain", 0, 'd', "", "exit 0 once every input seen at start is processed and committed" },
    { "config-doc", 0, 'D', "", "print the reference of every configuration key (Markdown) and exit" },
    { 0, 0, 0, 0, 0 },
};

static int run_run(int argc, char **argv)
{
    pipe_args a = {0};
    int rc = cli_parse(&cli_run, argc, argv, pipe_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    if (a.config_doc) {
        ly_config_write_doc(stdout);
        return EX_OK;
    }
    ly_config cfg;
    if (load_config(&cfg, &a) < 0)
        return EX_CONFIG;
    if (with_registry(&cfg) < 0)
        return EX_UNAVAILABLE;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    ly_run_options opt = { &cfg, a.drain, &stop_flag, &reload_flag };
    ly_run_stats st = {0};
    char err[600];
    rc = ly_run(&opt, &st, err, sizeof err);
    if (rc)
        fprintf(stderr, "loyalty run: %s\n", err);
    fprintf(stderr,
            "run: %llu events, %llu outputs (%llu dead letters, %llu notices), %llu batches, %llu transactions "
            "(%llu aborted), %llu rebalances, %llu batches re-sent, %llu Redis redirections\n",
            st.events, st.outputs, st.dead_letters, st.notices, st.batches, st.transactions, st.aborts, st.rebalances,
            st.resent, st.redis_redirections);
    return rc;
}

const command cli_run = {
    "run", "--config FILE [--drain]",
    "The processor: consumes the input topics, keeps member state in Redis, and writes\n"
    "rewards, churn alerts and dead letters with exactly-once effects.",
    run_opts, run_run,
};

/* ---- produce ---- */

static const cli_opt produce_opts[] = {
    COMMON_OPTS,
    { "input", 1, 'i', "FILE", "events in the simulate line format; - for stdin" },
    { 0, 0, 0, 0, 0 },
};

/* Delivery reports: every event is counted delivered or failed; the first
 * failure is what the user sees. */
typedef struct { unsigned long long delivered, failed; char first_error[256]; } deliveries;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    deliveries *d = opaque;
    if (!m->err) {
        d->delivered++;
        return;
    }
    if (!d->failed++)
        snprintf(d->first_error, sizeof d->first_error, "%s", rd_kafka_err2str(m->err));
}

static rd_kafka_t *producer(const ly_config *cfg, deliveries *d, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = ly_config_kafka_conf(cfg, err, errlen);
    if (!conf)
        return NULL;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, d);
    /* One request in flight per broker: a partition created a moment ago
     * (by anything other than `loyalty topics create`, which waits for its
     * leaders) may refuse a first request and take the next, and Kafka 3.9
     * then loses the first for good while librdkafka reports it delivered
     * (KAFKA-15591). Idempotence still keeps the order. */
    if (rd_kafka_conf_set(conf, "enable.idempotence", "true", err, errlen) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, errlen) != RD_KAFKA_CONF_OK ||
        (!ly_config_kafka(cfg, "max.in.flight.requests.per.connection") &&
         rd_kafka_conf_set(conf, "max.in.flight.requests.per.connection", "1", err, errlen) != RD_KAFKA_CONF_OK)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
}

static int send_line(rd_kafka_t *rk, const char *topic, const char *key, const char *val, size_t len)
{
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                                  RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                                                  RD_KAFKA_V_VALUE((void *)val, len),
                                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return e ? -1 : 0;
        rd_kafka_poll(rk, 50);
    }
}

/* Valid events go as Avro; lines that are not valid events go as they are,
 * to their source's topic when it can be told (purchases otherwise), so the
 * processor dead-letters them exactly as simulate does. */
static int run_produce(int argc, char **argv)
{
    pipe_args a = {0};
    int rc = cli_parse(&cli_produce, argc, argv, pipe_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    ly_config cfg;
    if (!a.input) {
        fprintf(stderr, "loyalty produce: --input is required\n");
        return EX_USAGE;
    }
    if (load_config(&cfg, &a) < 0)
        return EX_CONFIG;
    if (with_registry(&cfg) < 0)
        return EX_UNAVAILABLE;
    char err[512];
    size_t len;
    char *text = ly_read_file(a.input, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "loyalty produce: %s\n", err);
        return EX_NOINPUT;
    }
    ly_avro *avro = ly_avro_new(err, sizeof err);
    deliveries d = { 0, 0, "" };
    rd_kafka_t *rk = avro ? producer(&cfg, &d, err, sizeof err) : NULL;
    ly_arena *arena = ly_arena_new();
    unsigned long long avro_n = 0, raw_n = 0;
    rc = rk && arena ? EX_OK : EX_UNAVAILABLE;
    ly_buf bin = {0};
    for (char *p = text, *end = text + len; rc == EX_OK && p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *line = p;
        p += n + 1;
        if (n && line[n - 1] == '\r')
            n--;
        if (!n)
            continue;
        ly_event ev;
        ly_decode_info info;
        bin.len = 0;
        if (ly_event_decode_json(line, n, LY_SRC_ANY, NULL, arena, &ev, &info) == 0 &&
            ly_avro_encode_event(avro, &ev, (int32_t)cfg.schema_ids[ev.source], &bin, err, sizeof err) == 0) {
            rc = send_line(rk, cfg.topics[ev.source], ev.member_id, bin.data, bin.len) ? EX_UNAVAILABLE : EX_OK;
            avro_n++;
        } else {
            int src = info.source >= 0 && info.source < 3 ? info.source : LY_T_PURCHASES;
            rc = send_line(rk, cfg.topics[src], info.member_id[0] ? info.member_id : NULL, line, n) ? EX_UNAVAILABLE : EX_OK;
            raw_n++;
        }
    }
    /* Everything queued is delivered or reported failed within
     * message.timeout.ms; the flush waits that long and a little more. */
    int flushed = !rk || rd_kafka_flush(rk, 60000) == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (rk && (!flushed || d.failed || d.delivered != avro_n + raw_n)) {
        fprintf(stderr, "loyalty produce: %llu of %llu events not delivered (%llu failed%s%s%s)\n",
                avro_n + raw_n - d.delivered, avro_n + raw_n, d.failed, d.failed ? ": " : "", d.first_error,
                flushed ? "" : "; still queued after 60 s");
        rc = EX_UNAVAILABLE;
    } else if (rc) {
        fprintf(stderr, "loyalty produce: %s\n", rk ? "could not queue every event" : err);
    }
    fprintf(stderr, "produce: %llu events as Avro, %llu lines as they are, %llu delivered\n", avro_n, raw_n,
            d.delivered);
    ly_buf_free(&bin);
    ly_arena_destroy(arena);
    if (rk)
        rd_kafka_destroy(rk);
    ly_avro_destroy(avro);
    free(text);
    return rc;
}

const command cli_produce = {
    "produce", "--input EVENTS.jsonl [--config FILE] [--brokers HOST:PORT]",
    "Produces events to their source topics, Avro-encoded, keyed by member_id with\n"
    "Kafka's murmur2 partitioner, in file order.",
    produce_opts, run_produce,
};

/* ---- consume ---- */

static const cli_opt consume_opts[] = {
    COMMON_OPTS,
    { "topic", 1, 't', "T", "topic name, or rewards, churn-alerts, dlq, purchases, interactions, social, internal" },
    { "from-beginning", 0, 'f', "", "start at the oldest record (default: only new ones)" },
    { "limit", 1, 'l', "N", "stop after N records" },
    { "timeout", 1, 'w', "S", "stop after S seconds without a record (default 5); 0: stop at the end" },
    { 0, 0, 0, 0, 0 },
};

static int topic_role(const ly_config *cfg, const char *t)
{
    for (int i = 0; i < LY_T_COUNT; i++) {
        const char *alias = ly_topics_default_name((ly_topic_role)i) + strlen("loyalty.");
        if (strcmp(t, cfg->topics[i]) == 0 || strcmp(t, alias) == 0)
            return i;
    }
    return -1;
}

/* One record as a JSON line: outputs in the simulate output format, inputs
 * as their JSON (Avro inputs decoded to it). */
static void print_record(ly_avro *avro, const ly_config *cfg, int role, const rd_kafka_message_t *m)
{
    char err[256];
    ly_buf line = {0};
    ly_arena *arena = ly_arena_new();
    const char *buf = m->payload ? m->payload : "";
    if (role >= LY_T_REWARDS) {
        ly_output o;
        if (ly_avro_decode_output(avro, (ly_topic_role)role, buf, m->len, arena, &o, err, sizeof err) == 0)
            ly_output_json(&line, &o);
        else
            ly_buf_printf(&line, "{\"error\":\"%s\",\"offset\":%lld}", err, (long long)m->offset);
    } else if (m->len && buf[0] == 0 && role < LY_T_INTERNAL) {
        ly_event ev;
        ly_decode_info info;
        if (ly_avro_decode_event(avro, (ly_topic_role)role, (int32_t)cfg->schema_ids[role], buf, m->len, NULL, arena,
                                 &ev, &info) == 0)
            ly_event_json(&line, &ev);
        else
            ly_buf_printf(&line, "{\"error\":\"undecodable Avro record\",\"offset\":%lld}", (long long)m->offset);
    } else {
        ly_buf_put(&line, buf, m->len);
    }
    if (line.data)
        printf("%s\n", line.data);
    ly_buf_free(&line);
    ly_arena_destroy(arena);
}

static int run_consume(int argc, char **argv)
{
    pipe_args a = { .timeout = 5 };
    int rc = cli_parse(&cli_consume, argc, argv, pipe_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    ly_config cfg;
    if (!a.topic) {
        fprintf(stderr, "loyalty consume: --topic is required\n");
        return EX_USAGE;
    }
    if (load_config(&cfg, &a) < 0)
        return EX_CONFIG;
    if (with_registry(&cfg) < 0)
        return EX_UNAVAILABLE;
    int role = topic_role(&cfg, a.topic);
    if (role < 0) {
        fprintf(stderr, "loyalty consume: %s is not one of the configured topics\n", a.topic);
        return EX_USAGE;
    }
    char err[512];
    rd_kafka_conf_t *conf = ly_config_kafka_conf(&cfg, err, sizeof err);
    if (!conf) {
        fprintf(stderr, "loyalty consume: %s\n", err);
        return EX_CONFIG;
    }
    rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "loyalty-consume", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    ly_avro *avro = ly_avro_new(err, sizeof err);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rk ? rd_kafka_topic_new(rk, cfg.topics[role], NULL) : NULL;
    if (!rk || !avro || !rkt || rd_kafka_metadata(rk, 0, rkt, &md, 10000) || md->topic_cnt != 1 ||
        md->topics[0].err) {
        fprintf(stderr, "loyalty consume: %s: %s\n", cfg.topics[role],
                md && md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : err);
        rc = EX_UNAVAILABLE;
    } else {
        int parts = md->topics[0].partition_cnt, at_end = 0;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
        for (int i = 0; i < parts; i++)
            rd_kafka_topic_partition_list_add(l, cfg.topics[role], i)->offset =
                a.from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
        rd_kafka_assign(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        int64_t seen = 0, idle_ms = 0;
        while (!a.limit || seen < a.limit) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
            if (!m) {
                idle_ms += 100;
                if ((a.timeout == 0 && at_end >= parts) || (a.timeout > 0 && idle_ms >= a.timeout * 1000))
                    break;
                continue;
            }
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
                at_end++;
            else if (m->err)
                fprintf(stderr, "loyalty consume: %s\n", rd_kafka_message_errstr(m));
            else {
                print_record(avro, &cfg, role, m);
                seen++;
                idle_ms = 0;
            }
            rd_kafka_message_destroy(m);
        }
        fflush(stdout);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    ly_avro_destroy(avro);
    return rc;
}

const command cli_consume = {
    "consume", "--topic T [--from-beginning] [--limit N] [--timeout S] [--config FILE]",
    "Prints a topic's records as JSON lines (read_committed), outputs in the simulate\n"
    "output format.",
    consume_opts, run_consume,
};

/* ---- state dump, member show ---- */

static const cli_opt store_opts[] = {
    COMMON_OPTS,
    { 0, 0, 0, 0, 0 },
};

typedef struct { ly_member **v; size_t n, cap; int oom; size_t unreadable; } member_list;

static int collect(void *ctx, const char *id, const char *blob, size_t len)
{
    member_list *l = ctx;
    char err[256];
    ly_member *m = malloc(sizeof *m);
    if (!m) {
        fprintf(stderr, "loyalty: out of memory\n");
        return -1;
    }
    int rc = ly_state_decode(blob, len, id, m, err, sizeof err);
    if (rc == LY_STATE_ENOMEM) {
        fprintf(stderr, "loyalty: %s\n", err);
        free(m);
        return -1;
    }
    if (rc < 0) {
        /* One unreadable member does not hide the others. */
        fprintf(stderr, "loyalty: %s (left out; see docs/runbook.md)\n", err);
        free(m);
        l->unreadable++;
        return 0;
    }
    if (!m->exists) { /* a referral waiting for its member: not a member yet */
        ly_member_clear(m);
        free(m);
        return 0;
    }
    ly_member **v = ly_grow(l->v, &l->cap, l->n, sizeof *v, 1024);
    if (!v) {
        ly_member_clear(m);
        free(m);
        return -1;
    }
    l->v = v;
    l->v[l->n++] = m;
    return 0;
}

static ly_store *open_store(int argc, char **argv, const command *c, ly_config *cfg, int *rc)
{
    pipe_args a = {0};
    char err[512];
    *rc = cli_parse(c, argc, argv, pipe_opt, &a);
    if (*rc) {
        *rc = *rc > 0 ? EX_OK : EX_USAGE;
        return NULL;
    }
    if (load_config(cfg, &a) < 0) {
        *rc = EX_CONFIG;
        return NULL;
    }
    ly_store *s = ly_store_connect(cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "loyalty: %s\n", err);
        *rc = EX_UNAVAILABLE;
    }
    return s;
}

static int run_state(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "dump") != 0) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            print_help_of(&cli_state);
            return EX_OK;
        }
        fprintf(stderr, "loyalty state: expected 'dump' (see loyalty state --help)\n");
        return EX_USAGE;
    }
    ly_config cfg;
    int rc;
    ly_store *s = open_store(argc - 1, argv + 1, &cli_state, &cfg, &rc);
    if (!s)
        return rc;
    int32_t *ns = NULL;
    size_t count = 0;
    member_list l = {0};
    char err[512];
    rc = ly_store_partitions(s, &ns, &count, err, sizeof err) < 0 ? EX_UNAVAILABLE : EX_OK;
    for (size_t i = 0; rc == EX_OK && i < count; i++)
        if (ly_store_load_members(s, ns[i], collect, &l, err, sizeof err) < 0)
            rc = EX_DATAERR;
    /* pending_points appears as in simulate: when the program has a return window. */
    ly_program prog;
    ly_program_reference(&prog);
    if (rc == EX_OK && cfg.program[0] && ly_program_load_file(&prog, cfg.program, err, sizeof err) < 0)
        rc = EX_CONFIG;
    if (rc == EX_OK)
        ly_simulate_write_state(stdout, l.v, l.n, ly_program_has_pending(&prog));
    else
        fprintf(stderr, "loyalty state dump: %s\n", err);
    if (rc == EX_OK && l.unreadable) {
        fprintf(stderr, "loyalty state dump: %zu member states could not be read and were left out\n", l.unreadable);
        rc = EX_DATAERR;
    }
    ly_program_free(&prog);
    for (size_t i = 0; i < l.n; i++) {
        ly_member_clear(l.v[i]);
        free(l.v[i]);
    }
    free(l.v);
    free(ns);
    ly_store_destroy(s);
    return rc;
}

const command cli_state = {
    "state", "dump [--config FILE] [--redis HOST:PORT]",
    "Prints every member's state from Redis as the simulate state JSON.",
    store_opts, run_state,
};

static int run_member(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "show") != 0 || argv[2][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            print_help_of(&cli_member);
            return EX_OK;
        }
        fprintf(stderr, "loyalty member: expected 'show MEMBER_ID' (see loyalty member --help)\n");
        return EX_USAGE;
    }
    const char *id = argv[2];
    ly_config cfg;
    int rc;
    ly_store *s = open_store(argc - 2, argv + 2, &cli_member, &cfg, &rc);
    if (!s)
        return rc;
    int32_t *ns = NULL;
    size_t count = 0;
    char err[512];
    ly_buf blob = {0};
    int64_t clock = INT64_MIN;
    int found = 0;
    err[0] = '\0';
    rc = ly_store_partitions(s, &ns, &count, err, sizeof err) < 0 ? EX_UNAVAILABLE : EX_OK;
    for (size_t i = 0; rc == EX_OK && !found && i < count; i++) {
        int r = ly_store_get_member(s, ns[i], id, &blob, &clock, err, sizeof err);
        if (r < 0)
            rc = EX_UNAVAILABLE;
        found = r > 0;
    }
    ly_program prog;
    ly_program_reference(&prog);
    if (rc == EX_OK && cfg.program[0] && ly_program_load_file(&prog, cfg.program, err, sizeof err) < 0)
        rc = EX_CONFIG;
    ly_member m;
    if (rc == EX_OK && !found) {
        fprintf(stderr, "loyalty member show: no member %s\n", id);
        rc = EX_DATAERR;
    } else if (rc == EX_OK && ly_state_decode(blob.data, blob.len, id, &m, err, sizeof err) < 0) {
        rc = EX_DATAERR;
    } else if (rc == EX_OK) {
        ly_buf out = {0};
        ly_member_json(&out, &prog, &m, clock);
        printf("%s\n", out.data ? out.data : "{}");
        ly_buf_free(&out);
        ly_member_clear(&m);
    }
    if (rc != EX_OK && err[0]) /* a wrong-type key, an unreadable state: say so */
        fprintf(stderr, "loyalty member show: %s\n", err);
    ly_program_free(&prog);
    ly_buf_free(&blob);
    free(ns);
    ly_store_destroy(s);
    return rc;
}

const command cli_member = {
    "member", "show MEMBER_ID [--config FILE] [--redis HOST:PORT]",
    "Prints one member's balance, tier, lots and churn state from Redis as JSON.",
    store_opts, run_member,
};

/* ---- config check ---- */

static const cli_opt config_opts[] = {
    { 0, 0, 0, 0, 0 },
};

static int run_config(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        print_help_of(&cli_config);
        return EX_OK;
    }
    if (argc != 3 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "loyalty config: expected 'check FILE' (see loyalty config --help)\n");
        return EX_USAGE;
    }
    ly_config cfg;
    char err[600];
    ly_config_defaults(&cfg);
    if (ly_config_load(&cfg, argv[2], err, sizeof err) < 0) {
        fprintf(stderr, "loyalty config check: %s\n", err);
        return EX_CONFIG;
    }
    ly_program prog;
    ly_program_reference(&prog);
    if (cfg.program[0] && ly_program_load_file(&prog, cfg.program, err, sizeof err) < 0) {
        fprintf(stderr, "loyalty config check: program: %s\n", err);
        return EX_CONFIG;
    }
    ly_program_free(&prog);
    fprintf(stderr, "%s: ok\n", argv[2]);
    return EX_OK;
}

const command cli_config = {
    "config", "check FILE",
    "Validates a configuration file of loyalty run (and the program file it names)\n"
    "without running: exit 0, or 78 with FILE:LINE: key: why.",
    config_opts, run_config,
};
