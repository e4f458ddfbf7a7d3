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
 * has it. Returns once every partition's leader answers (up to 10 s), so
 * the first records written are not refused. Returns 0, or -1 with errstr. */
int ly_topics_create(rd_kafka_conf_t *conf, const char *const names[LY_T_COUNT], int32_t partitions,
                     int16_t replication, int *existing, int32_t counts[LY_T_COUNT], char *errstr, size_t errlen);

#endif
