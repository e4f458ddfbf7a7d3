/* Configuration of `loyalty run`: a Kafka-style properties file (key=value,
 * # comments). Every key lives in one table (config.c) with its type, bounds,
 * default and description; parsing, validation, --help and the docs come
 * from it. Keys starting with "kafka." go to librdkafka as they are. */
#ifndef LY_CONFIG_H
#define LY_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "ly_topics.h"

typedef enum { LY_CLOCK_EVENT, LY_CLOCK_WALL } ly_clock_mode;

#define LY_CONFIG_STR 256
#define LY_MAX_KAFKA_PROPS 64

typedef struct ly_config {
    char group_id[LY_CONFIG_STR];
    char instance_id[LY_CONFIG_STR];
    char topics[LY_T_COUNT][LY_CONFIG_STR];
    char program[LY_CONFIG_STR]; /* "" = the reference program */
    ly_clock_mode clock;
    int64_t wall_max_wait_ms, tick_ms, batch_max_events, batch_max_ms;
    char redis_host[LY_CONFIG_STR];
    int64_t redis_port, redis_db, redis_connect_timeout_ms, redis_command_timeout_ms;
    char redis_user[LY_CONFIG_STR];
    char redis_password[LY_CONFIG_STR];
    char redis_prefix[LY_CONFIG_STR];
    char schema_registry_url[LY_CONFIG_STR];
    int64_t schema_ids[LY_T_COUNT]; /* static Confluent schema ids by topic role */
    char http_bind[LY_CONFIG_STR];
    int64_t http_port;
    int64_t http_max_connections, http_timeout_s;
    char log_format[LY_CONFIG_STR];
    size_t n_kafka;
    char kafka_keys[LY_MAX_KAFKA_PROPS][LY_CONFIG_STR];
    char kafka_values[LY_MAX_KAFKA_PROPS][LY_CONFIG_STR];
} ly_config;

/* Fills *c with every default. */
void ly_config_defaults(ly_config *c);
/* Applies one key=value; `where` ("FILE:LINE") prefixes messages. 0 or -1. */
int ly_config_set(ly_config *c, const char *key, const char *value, const char *where, char *errstr,
                  size_t errlen);
/* Parses properties from buf[0..len) over *c; name stands for the file in
 * messages. 0, or -1 with "NAME:LINE: message". */
int ly_config_load_buffer(ly_config *c, const char *buf, size_t len, const char *name, char *errstr, size_t errlen);
/* Reads a properties file over the defaults. 0, or -1 with "FILE:LINE: message". */
int ly_config_load(ly_config *c, const char *path, char *errstr, size_t errlen);
/* A librdkafka configuration holding every kafka.* key (caller owns it:
 * rd_kafka_new takes it, or rd_kafka_conf_destroy). NULL with errstr. */
struct rd_kafka_conf_s *ly_config_kafka_conf(const ly_config *c, char *errstr, size_t errlen);
/* The value of a kafka.* passthrough key, or NULL. */
const char *ly_config_kafka(const ly_config *c, const char *librdkafka_key);
/* Markdown table of every key, from the key table. */
void ly_config_write_doc(FILE *out);
/* The names of all keys of the table, NULL-terminated (for the docs test). */
const char *ly_config_key_name(size_t i);

#endif
