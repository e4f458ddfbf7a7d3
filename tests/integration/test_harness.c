/* Proves the integration harness end to end from C: an Avro purchase in
 * Confluent framing goes through the real broker (librdkafka producer, then a
 * consumer group), is decoded with avro-c, and its member is written to and
 * read back from the real redis-server with hiredis. */
#include <avro.h>
#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg("%s is not set: run the integration tests through ctest (fixture services)", name);
    return v;
}

static avro_schema_t load_schema(const char *file)
{
    char path[512], json[8192];
    snprintf(path, sizeof path, "%s/schemas/%s", LY_SOURCE_DIR, file);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[n] = '\0';
    avro_schema_t s = NULL;
    if (avro_schema_from_json_length(json, n, &s) != 0)
        fail_msg("%s: %s", path, avro_strerror());
    return s;
}

/* Confluent wire format: magic 0, big-endian schema id, Avro binary body. */
static size_t encode_purchase(avro_schema_t schema, int32_t schema_id, char *buf, size_t cap)
{
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t rec, field, branch;
    assert_int_equal(avro_generic_value_new(iface, &rec), 0);
    avro_value_get_by_name(&rec, "event_id", &field, NULL);
    avro_value_set_string(&field, "it-1");
    avro_value_get_by_name(&rec, "member_id", &field, NULL);
    avro_value_set_string(&field, "member-42");
    avro_value_get_by_name(&rec, "occurred_at", &field, NULL);
    avro_value_set_long(&field, 1736503200000LL);
    avro_value_get_by_name(&rec, "kind", &field, NULL);
    avro_value_set_enum(&field, 0);
    avro_value_get_by_name(&rec, "order_id", &field, NULL);
    avro_value_set_string(&field, "o-1");
    avro_value_get_by_name(&rec, "amount_minor", &field, NULL);
    avro_value_set_long(&field, 12034);
    avro_value_get_by_name(&rec, "currency", &field, NULL);
    avro_value_set_string(&field, "USD");
    /* Part two's optional fields, absent (a producer on the current schema). */
    static const char *const optional[] = { "channel", "store_id", "lines" };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(avro_value_get_by_name(&rec, optional[i], &field, NULL), 0);
        assert_int_equal(avro_value_set_branch(&field, 0, &branch), 0);
        assert_int_equal(avro_value_set_null(&branch), 0);
    }
    buf[0] = 0;
    buf[1] = (char)(schema_id >> 24), buf[2] = (char)(schema_id >> 16), buf[3] = (char)(schema_id >> 8),
    buf[4] = (char)schema_id;
    avro_writer_t w = avro_writer_memory(buf + 5, (int64_t)(cap - 5));
    assert_int_equal(avro_value_write(w, &rec), 0);
    size_t n = 5 + (size_t)avro_writer_tell(w);
    avro_writer_free(w);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    return n;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *group)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", env("LY_KAFKA_BOOTSTRAP"), err, sizeof err), RD_KAFKA_CONF_OK);
    if (group) {
        rd_kafka_conf_set(conf, "group.id", group, err, sizeof err);
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof err);
    } else {
        rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
        rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, sizeof err);
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk)
        fail_msg("rd_kafka_new: %s", err);
    return rk;
}

static void create_topic(rd_kafka_t *rk, const char *topic)
{
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 3, 1, err, sizeof err);
    assert_non_null(nt);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    assert_non_null(ev);
    size_t n;
    const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    assert_int_equal(n, 1);
    if (rd_kafka_topic_result_error(res[0]))
        fail_msg("create %s: %s", topic, rd_kafka_topic_result_error_string(res[0]));
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
}

static void test_avro_purchase_through_kafka_and_redis(void **state)
{
    (void)state;
    char topic[64], group[64], buf[1024];
    snprintf(topic, sizeof topic, "harness.purchases.%ld", (long)time(NULL));
    snprintf(group, sizeof group, "harness-%ld", (long)time(NULL));
    avro_schema_t schema = load_schema("purchase.avsc");
    size_t len = encode_purchase(schema, 7, buf, sizeof buf);

    rd_kafka_t *producer = client(RD_KAFKA_PRODUCER, NULL);
    create_topic(producer, topic);
    assert_int_equal(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY("member-42", 9),
                                       RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(producer, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);

    rd_kafka_t *consumer = client(RD_KAFKA_CONSUMER, group);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, topic, RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(consumer, subs), 0);
    rd_kafka_topic_partition_list_destroy(subs);
    rd_kafka_message_t *msg = NULL;
    for (int i = 0; i < 60 && !msg; i++) {
        msg = rd_kafka_consumer_poll(consumer, 1000);
        if (msg && msg->err) {
            rd_kafka_message_destroy(msg);
            msg = NULL;
        }
    }
    assert_non_null(msg);
    assert_int_equal(msg->key_len, 9);
    assert_memory_equal(msg->key, "member-42", 9);
    const unsigned char *v = msg->payload;
    assert_true(msg->len > 5);
    assert_int_equal(v[0], 0);
    assert_int_equal((v[1] << 24) | (v[2] << 16) | (v[3] << 8) | v[4], 7);

    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t rec, field;
    avro_generic_value_new(iface, &rec);
    avro_reader_t r = avro_reader_memory((const char *)v + 5, (int64_t)msg->len - 5);
    assert_int_equal(avro_value_read(r, &rec), 0);
    const char *member = NULL;
    size_t mlen = 0;
    int64_t amount = 0;
    avro_value_get_by_name(&rec, "member_id", &field, NULL);
    assert_int_equal(avro_value_get_string(&field, &member, &mlen), 0);
    assert_string_equal(member, "member-42");
    avro_value_get_by_name(&rec, "amount_minor", &field, NULL);
    assert_int_equal(avro_value_get_long(&field, &amount), 0);
    assert_int_equal(amount, 12034);

    redisContext *rc = redisConnect(env("LY_REDIS_HOST"), atoi(env("LY_REDIS_PORT")));
    assert_non_null(rc);
    assert_int_equal(rc->err, 0);
    redisReply *rep = redisCommand(rc, "HSET harness:member:%s amount_minor %lld", member, (long long)amount);
    assert_non_null(rep);
    freeReplyObject(rep);
    rep = redisCommand(rc, "HGET harness:member:%s amount_minor", member);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    assert_string_equal(rep->str, "12034");
    freeReplyObject(rep);
    rep = redisCommand(rc, "CONFIG GET appendonly");
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    assert_string_equal(rep->element[1]->str, "yes");
    freeReplyObject(rep);
    redisFree(rc);

    avro_reader_free(r);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    rd_kafka_message_destroy(msg);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avro_purchase_through_kafka_and_redis),
    };
    return cmocka_run_group_tests_name("integration_harness", tests, NULL, NULL);
}
