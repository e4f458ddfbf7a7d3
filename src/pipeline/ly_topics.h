/* The topics the processor reads and writes, and their creation. */
#ifndef LY_TOPICS_H
#define LY_TOPICS_H
#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>

typedef enum {
    LY_T_PURCHASES, LY_T_INTERACTIONS, LY_T_SOCIAL, LY_T_INTERNAL,
    LY_T_REWARDS, LY_T_CHURN_ALERTS, LY_T_DLQ, LY_T_NOTICES, LY_T_COUNT
} ly_topic_role;

/* Default names (PROGRAM.md section 10). */
const char *ly_topics_default_name(ly_topic_role r);

/* Creates the topics named in names[0..LY_T_COUNT) with `partitions`
 * partitions and replication factor `replication` on the cluster that conf
 * (every kafka.* key: TLS, SASL, ...) reaches; conf is consumed. Topics that
 * exist already are left as they are (counted in *existing, may be NULL);
 * counts (may be NULL) receives each topic's partition count as the cluster
 * has it. Returns once every partition's leader answers (up to 30 s), so
 * the first records written are not lost (ly_topics_wait_for_leaders).
 * Returns 0, or -1 with errstr (also when the topics exist but a leader did
 * not answer in time: calling again waits again). */
int ly_topics_create(rd_kafka_conf_t *conf, const char *const names[LY_T_COUNT], int32_t partitions,
                     int16_t replication, int *existing, int32_t counts[LY_T_COUNT], char *errstr, size_t errlen);

/* A partition's leader answers ListOffsets only once it has applied the
 * partition's creation. Before that it refuses produce requests, and Kafka
 * 3.9 loses records when a producer's first request to a new partition is
 * refused and its next one, already in flight, is taken (KAFKA-15591: the
 * retried first request is out of order for good, yet reported delivered).
 * Waits until partitions 0..counts[k)-1 of each topic names[k] answer, for
 * up to timeout_ms over all of them. Returns 0, or -1 with the first
 * partition that did not answer and why in unready. */
int ly_topics_wait_for_leaders(rd_kafka_t *rk, const char *const names[LY_T_COUNT], const int32_t counts[LY_T_COUNT],
                               int timeout_ms, char *unready, size_t unready_len);

#endif
