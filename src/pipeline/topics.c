#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ly_clock.h"
#include "ly_topics.h"

static const char *const defaults[LY_T_COUNT] = {
    "loyalty.purchases", "loyalty.interactions", "loyalty.social", "loyalty.internal",
    "loyalty.rewards", "loyalty.churn-alerts", "loyalty.dlq", "loyalty.notices",
};

const char *ly_topics_default_name(ly_topic_role r)
{
    return (unsigned)r < LY_T_COUNT ? defaults[r] : NULL;
}

/* The partition count of each topic as the cluster has it (0: missing). */
static void read_counts(rd_kafka_t *rk, const char *const names[LY_T_COUNT], int32_t counts[LY_T_COUNT])
{
    const struct rd_kafka_metadata *md;
    for (int k = 0; k < LY_T_COUNT; k++)
        counts[k] = 0;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    for (int i = 0; i < md->topic_cnt; i++)
        for (int k = 0; k < LY_T_COUNT; k++)
            if (!md->topics[i].err && strcmp(md->topics[i].topic, names[k]) == 0)
                counts[k] = md->topics[i].partition_cnt;
    rd_kafka_metadata_destroy(md);
}

/* A broker answers CreateTopics once the controller has the topics; its
 * own metadata may name them a moment later (seen as 0 partitions under
 * load). Every topic exists now, so this asks again for up to 10 s. */
static void wait_for_counts(rd_kafka_t *rk, const char *const names[LY_T_COUNT], int32_t counts[LY_T_COUNT])
{
    for (int attempt = 0; attempt < 100; attempt++) {
        read_counts(rk, names, counts);
        int missing = 0;
        for (int k = 0; k < LY_T_COUNT; k++)
            missing |= counts[k] == 0;
        if (!missing)
            return;
        nanosleep(&(struct timespec){ 0, 100 * 1000000L }, NULL);
    }
}

/* One ListOffsets (latest) round for every partition in `all`, batched per
 * leader: whether they all answered. */
static int leaders_answer(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *all)
{
    for (int i = 0; i < all->cnt; i++) {
        all->elems[i].offset = RD_KAFKA_OFFSET_END; /* the "timestamp" that asks for the end */
        all->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (rd_kafka_offsets_for_times(rk, all, 1000))
        return 0;
    for (int i = 0; i < all->cnt; i++)
        if (all->elems[i].err)
            return 0;
    return 1;
}

/* Names the first partition of `all` whose leader does not answer, and
 * returns 0; 1 when they all answer now. librdkafka fails a batch as a whole
 * for one partition without a leader, so this asks one by one. */
static int name_unready(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *all, char *unready, size_t len)
{
    for (int i = 0; i < all->cnt; i++) {
        int64_t lo, hi;
        const rd_kafka_topic_partition_t *t = &all->elems[i];
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, t->topic, t->partition, &lo, &hi, 1000);
        if (e) {
            snprintf(unready, len, "%s [%d]: %s", t->topic, (int)t->partition, rd_kafka_err2str(e));
            return 0;
        }
    }
    return 1;
}

/* Why: ly_topics.h. Three events vanished in a test before topics were
 * handed over only once every partition answered. Asking in batches
 * keeps a start with hundreds of partitions to a few round trips. */
int ly_topics_wait_for_leaders(rd_kafka_t *rk, const char *const names[LY_T_COUNT], const int32_t counts[LY_T_COUNT],
                               int timeout_ms, char *unready, size_t unready_len)
{
    if (unready_len)
        unready[0] = '\0';
    rd_kafka_topic_partition_list_t *all = rd_kafka_topic_partition_list_new(LY_T_COUNT);
    for (int k = 0; k < LY_T_COUNT; k++)
        for (int32_t n = 0; n < counts[k]; n++)
            rd_kafka_topic_partition_list_add(all, names[k], n);
    int64_t deadline = ly_clock_ms() + timeout_ms;
    int ready = !all->cnt;
    while (!ready && !(ready = leaders_answer(rk, all)) && ly_clock_ms() < deadline)
        nanosleep(&(struct timespec){ 0, 25 * 1000000L }, NULL);
    if (!ready)
        ready = name_unready(rk, all, unready, unready_len);
    rd_kafka_topic_partition_list_destroy(all);
    return ready ? 0 : -1;
}

int ly_topics_create(rd_kafka_conf_t *conf, const char *const names[LY_T_COUNT], int32_t partitions,
                     int16_t replication, int *existing, int32_t counts[LY_T_COUNT], char *errstr, size_t errlen)
{
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        snprintf(errstr, errlen, "kafka client: %s", err);
        return -1;
    }
    rd_kafka_NewTopic_t *nt[LY_T_COUNT] = {0};
    int rc = 0, n = 0;
    for (int i = 0; i < LY_T_COUNT; i++) {
        nt[n] = rd_kafka_NewTopic_new(names[i], partitions, replication, err, sizeof err);
        if (!nt[n]) {
            snprintf(errstr, errlen, "topic %s: %s", names[i], err);
            rc = -1;
            break;
        }
        n++;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opt, 30000, err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(opt, 30000, err, sizeof err);
    if (rc == 0) {
        rd_kafka_CreateTopics(rk, nt, (size_t)n, opt, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);
        if (!ev || rd_kafka_event_error(ev)) {
            snprintf(errstr, errlen, "create topics: %s",
                     ev ? rd_kafka_event_error_string(ev) : "no answer from the cluster in 60 s");
            rc = -1;
        } else {
            size_t cnt;
            const rd_kafka_topic_result_t **res =
                rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
            int exist = 0;
            for (size_t i = 0; i < cnt && rc == 0; i++) {
                rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
                if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                    exist++;
                else if (e) {
                    snprintf(errstr, errlen, "topic %s: %s", rd_kafka_topic_result_name(res[i]),
                             rd_kafka_topic_result_error_string(res[i]));
                    rc = -1;
                }
            }
            if (existing)
                *existing = exist;
        }
        if (ev)
            rd_kafka_event_destroy(ev);
    }
    int32_t seen[LY_T_COUNT];
    if (rc == 0) {
        wait_for_counts(rk, names, seen);
        /* Writing now could lose records: say so rather than hand over. */
        if (ly_topics_wait_for_leaders(rk, names, seen, 30000, err, sizeof err) < 0) {
            snprintf(errstr, errlen, "the topics exist, but a partition's leader did not answer in 30 s (%s); run "
                     "`loyalty topics create` again before writing to them", err);
            rc = -1;
        }
        if (counts)
            memcpy(counts, seen, sizeof seen);
    }
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_queue_destroy(q);
    for (int i = 0; i < n; i++)
        rd_kafka_NewTopic_destroy(nt[i]);
    rd_kafka_destroy(rk);
    return rc;
}
