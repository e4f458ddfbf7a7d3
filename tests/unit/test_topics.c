/* Topic hand-over (ly_topics_wait_for_leaders) against librdkafka's mock
 * cluster, whose partition leaders can be taken away and given back: the
 * wait must report a partition without a leader by name, and succeed once
 * it has one. The real broker's side is in the integration tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include "ly_topics.h"

typedef struct {
    rd_kafka_t *owner;  /* the handle the mock cluster lives in */
    rd_kafka_t *client; /* a client of the cluster, as run's consumer is */
    rd_kafka_mock_cluster_t *mc;
    const char *names[LY_T_COUNT];
    int32_t counts[LY_T_COUNT];
} fixture;

static rd_kafka_t *quiet_producer(const char *bootstraps)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    if (bootstraps)
        rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    return rk;
}

static int setup(void **state)
{
    static fixture f;
    f.owner = quiet_producer(NULL);
    f.mc = rd_kafka_mock_cluster_new(f.owner, 1);
    assert_non_null(f.mc);
    f.client = quiet_producer(rd_kafka_mock_cluster_bootstraps(f.mc));
    for (int k = 0; k < LY_T_COUNT; k++) {
        f.names[k] = ly_topics_default_name((ly_topic_role)k);
        f.counts[k] = k == LY_T_REWARDS ? 3 : 0;
    }
    assert_int_equal(rd_kafka_mock_topic_create(f.mc, f.names[LY_T_REWARDS], 3, 1), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rd_kafka_destroy(f->client);
    rd_kafka_mock_cluster_destroy(f->mc);
    rd_kafka_destroy(f->owner);
    return 0;
}

static void test_partitions_with_leaders_are_handed_over(void **state)
{
    fixture *f = *state;
    char unready[256] = "x";
    assert_int_equal(ly_topics_wait_for_leaders(f->client, f->names, f->counts, 5000, unready, sizeof unready), 0);
    assert_string_equal(unready, "");
}

static void test_a_partition_without_leader_is_named(void **state)
{
    fixture *f = *state;
    char unready[256];
    assert_int_equal(rd_kafka_mock_partition_set_leader(f->mc, f->names[LY_T_REWARDS], 2, -1), 0);
    assert_int_equal(ly_topics_wait_for_leaders(f->client, f->names, f->counts, 300, unready, sizeof unready), -1);
    assert_non_null(strstr(unready, "loyalty.rewards [2]: "));
    /* The leader comes back: the same wait now succeeds. */
    assert_int_equal(rd_kafka_mock_partition_set_leader(f->mc, f->names[LY_T_REWARDS], 2, 1), 0);
    assert_int_equal(ly_topics_wait_for_leaders(f->client, f->names, f->counts, 5000, unready, sizeof unready), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partitions_with_leaders_are_handed_over),
        cmocka_unit_test(test_a_partition_without_leader_is_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
