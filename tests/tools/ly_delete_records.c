/* ly_delete_records BOOTSTRAP TOPIC PARTITION OFFSET: deletes the records of
 * TOPIC [PARTITION] before OFFSET (Kafka's DeleteRecords), as a retention
 * that overtook a consumer would. Prints "deleted: TOPIC [P] now starts at
 * N" and exits 0, or prints the error and exits 1. A test tool. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "ly_delete_records: %s: %s\n", what, why);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return fail("usage", "ly_delete_records BOOTSTRAP TOPIC PARTITION OFFSET");
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != RD_KAFKA_CONF_OK)
        return fail("bootstrap.servers", err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        return fail("client", err);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, argv[2], atoi(argv[3]))->offset = atoll(argv[4]);
    rd_kafka_DeleteRecords_t *del = rd_kafka_DeleteRecords_new(l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteRecords(rk, &del, 1, NULL, q);
    rd_kafka_DeleteRecords_destroy(del);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = 1;
    if (!ev) {
        fail("DeleteRecords", "no answer in 30 s");
    } else if (rd_kafka_event_error(ev)) {
        fail("DeleteRecords", rd_kafka_event_error_string(ev));
    } else {
        const rd_kafka_DeleteRecords_result_t *res = rd_kafka_event_DeleteRecords_result(ev);
        const rd_kafka_topic_partition_list_t *out = res ? rd_kafka_DeleteRecords_result_offsets(res) : NULL;
        if (!out || out->cnt != 1) {
            fail("DeleteRecords", "no result for the partition");
        } else if (out->elems[0].err) {
            fail("DeleteRecords", rd_kafka_err2str(out->elems[0].err));
        } else {
            printf("deleted: %s [%d] now starts at %lld\n", argv[2], (int)out->elems[0].partition,
                   (long long)out->elems[0].offset);
            rc = 0;
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}
