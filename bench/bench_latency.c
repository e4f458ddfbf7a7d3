/* Event -> reward latency at a fixed input rate: produces CHECK_IN events
 * (each earns a reward) stamped with the wall clock, at RATE events/s for
 * SECONDS, and reads the rewards topic (read_committed) meanwhile; latency is
 * the time from producing an event to reading its reward. Prints p50, p99,
 * max and how many rewards arrived. Run it against a `loyalty run` with
 * clock=wall on the same topics.
 *
 *   bench_latency BROKERS INPUT_TOPIC REWARDS_TOPIC RATE SECONDS
 *
 * The first 3 seconds are a warm-up (the processor's first transaction on
 * new topic partitions takes about a second): their events are produced at
 * the same rate but reported apart, as "warm-up".
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The reward's source_event_id is lat-<run>-<i>: finds it in the Avro
 * bytes and records the first reward of event i. */
static void note_reward(const rd_kafka_message_t *m, int64_t run_id, long produced, char *got, long warm_events,
                        const int64_t *sent, int64_t *warm, long *n_warm, int64_t *lat, long *n_lat)
{
    char prefix[48];
    int plen = snprintf(prefix, sizeof prefix, "lat-%lld-", (long long)run_id);
    const char *hit = memmem(m->payload, m->len, prefix, (size_t)plen);
    if (!hit)
        return;
    long i = strtol(hit + plen, NULL, 10);
    if (i < 0 || i >= produced || got[i])
        return;
    got[i] = 1;
    if (i < warm_events)
        warm[(*n_warm)++] = now_us() - sent[i];
    else
        lat[(*n_lat)++] = now_us() - sent[i];
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: bench_latency BROKERS INPUT_TOPIC REWARDS_TOPIC RATE SECONDS\n");
        return 64;
    }
    const char *brokers = argv[1], *in = argv[2], *out = argv[3];
    long rate = atol(argv[4]), secs = atol(argv[5]);
    if (rate < 1 || secs < 1) {
        fprintf(stderr, "bench_latency: RATE and SECONDS must be positive\n");
        return 64;
    }
    char err[512];
    rd_kafka_conf_t *pc = rd_kafka_conf_new(), *cc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", brokers, err, sizeof err);
    rd_kafka_conf_set(pc, "partitioner", "murmur2_random", err, sizeof err);
    /* librdkafka's default linger, as event producers run: at 1 ms, one
     * produce request per millisecond loaded the shared 2-core machine's
     * broker so that the inputs themselves arrived ~1 s late at 20,000/s. */
    rd_kafka_conf_set(pc, "linger.ms", "5", err, sizeof err);
    rd_kafka_conf_set(cc, "bootstrap.servers", brokers, err, sizeof err);
    rd_kafka_conf_set(cc, "group.id", "bench-latency", err, sizeof err);
    rd_kafka_conf_set(cc, "isolation.level", "read_committed", err, sizeof err);
    rd_kafka_conf_set(cc, "auto.offset.reset", "latest", err, sizeof err);
    rd_kafka_conf_set(cc, "fetch.wait.max.ms", "10", err, sizeof err);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
    if (!p || !c) {
        fprintf(stderr, "bench_latency: %s\n", err);
        return 69;
    }
    rd_kafka_poll_set_consumer(c);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, out, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(c, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    /* Let the consumer join before the clock starts. */
    for (int i = 0; i < 50; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (m)
            rd_kafka_message_destroy(m);
    }
    long total = rate * secs;
    int64_t *sent = calloc((size_t)total, sizeof *sent), *lat = calloc((size_t)total, sizeof *lat),
            *warm = calloc((size_t)total, sizeof *warm);
    char *got = calloc((size_t)total, 1); /* the first reward of an event counts */
    long n_lat = 0, n_warm = 0, produced = 0, warm_events = rate * 3;
    int64_t t0 = now_us(), run_id = t0 / 1000;
    while (produced < total || now_us() - t0 < (secs + 10) * 1000000LL) {
        int64_t due = t0 + produced * 1000000LL / rate;
        while (produced < total && now_us() >= due) {
            char ev[256], member[32], key[32];
            /* As many members as events per second: each checks in once a
             * second, well under section 6's daily cap at any rate. */
            snprintf(member, sizeof member, "lat-%ld", produced % rate);
            snprintf(key, sizeof key, "%s", member);
            int64_t at = now_us();
            int n = snprintf(ev, sizeof ev,
                             "{\"event_id\":\"lat-%lld-%ld\",\"member_id\":\"%s\",\"occurred_at\":%lld,\"type\":\"CHECK_IN\"}",
                             (long long)run_id, produced, member, (long long)(at / 1000));
            sent[produced] = at;
            rd_kafka_producev(p, RD_KAFKA_V_TOPIC(in), RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(ev, (size_t)n),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            produced++;
            due = t0 + produced * 1000000LL / rate;
        }
        rd_kafka_poll(p, 0);
        /* Read all that has arrived before producing again: one record per
         * turn fell behind at 20,000 events/s (22,000 rewards/s) and
         * measured this program's own lag. */
        for (int k = 0; k < 10000; k++) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c, k == 0 ? 1 : 0);
            if (!m)
                break;
            if (!m->err && m->len)
                note_reward(m, run_id, produced, got, warm_events, sent, warm, &n_warm, lat, &n_lat);
            rd_kafka_message_destroy(m);
            if (now_us() >= t0 + produced * 1000000LL / rate)
                break; /* events are due: keep the input rate exact */
        }
        if (produced == total && n_lat + n_warm >= total)
            break;
    }
    qsort(lat, (size_t)n_lat, sizeof *lat, cmp64);
    qsort(warm, (size_t)n_warm, sizeof *warm, cmp64);
    if (n_lat)
        printf("latency at %ld events/s for %ld s: %ld of %ld rewards seen after the warm-up; p50 %.1f ms, p99 %.1f ms, "
               "max %.1f ms (warm-up: p50 %.1f ms, max %.1f ms)\n",
               rate, secs, n_lat, total - (warm_events < total ? warm_events : total), lat[n_lat / 2] / 1000.0,
               lat[(long)(n_lat * 0.99)] / 1000.0, lat[n_lat - 1] / 1000.0, n_warm ? warm[n_warm / 2] / 1000.0 : 0.0,
               n_warm ? warm[n_warm - 1] / 1000.0 : 0.0);
    else
        printf("latency: no rewards seen\n");
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rd_kafka_flush(p, 5000);
    rd_kafka_destroy(p);
    free(sent);
    free(lat);
    free(warm);
    free(got);
    return 0;
}
