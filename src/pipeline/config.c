#include <arpa/inet.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ly_config.h"
#include "ly_file.h"
#include "ly_utf8.h"

typedef enum { K_STR, K_INT, K_CLOCK, K_SECRET } ktype;

typedef struct {
    const char *name;
    ktype type;
    size_t offset;
    int64_t min, max;
    const char *def;
    const char *doc;
} key;

#define OFF(f) offsetof(ly_config, f)
#define TOPIC(role, name, doc) { "topic." name, K_STR, OFF(topics[role]), 0, 0, "loyalty." name, doc }
#define SCHEMA(role, name, id) \
    { "schema.id." name, K_INT, OFF(schema_ids[role]), 1, 2147483647, id, \
      "Confluent schema id of " name " records when no schema.registry.url is set" }

static const key keys[] = {
    { "group.id", K_STR, OFF(group_id), 0, 0, "loyalty", "consumer group of the processors" },
    { "instance.id", K_STR, OFF(instance_id), 0, 0, "",
      "stable name of this processor in the group (default: the host name); the transactional id is "
      "<group.id>-<instance.id>, so each processor needs its own" },
    TOPIC(LY_T_PURCHASES, "purchases", "input: purchases and refunds"),
    TOPIC(LY_T_INTERACTIONS, "interactions", "input: interactions"),
    TOPIC(LY_T_SOCIAL, "social", "input: social activity"),
    TOPIC(LY_T_INTERNAL, "internal", "cross-member records (referrals), keyed by the target member"),
    TOPIC(LY_T_REWARDS, "rewards", "output: reward events"),
    TOPIC(LY_T_CHURN_ALERTS, "churn-alerts", "output: churn alerts"),
    TOPIC(LY_T_DLQ, "dlq", "output: dead letters"),
    TOPIC(LY_T_NOTICES, "notices", "output: notices (expiry, tier review, erasure)"),
    { "program", K_STR, OFF(program), 0, 0, "", "program file (YAML); empty: the reference program" },
    { "clock", K_CLOCK, OFF(clock), 0, 0, "wall",
      "event: deterministic, time is the events' own (equals simulate); wall: timers also fire on wall time" },
    { "wall.max.wait.ms", K_INT, OFF(wall_max_wait_ms), 0, 60000, "500",
      "clock=wall: how long a partition waits for a silent input before merging without it" },
    { "tick.ms", K_INT, OFF(tick_ms), 10, 3600000, "1000", "clock=wall: how often timers are checked with no events" },
    { "batch.max.events", K_INT, OFF(batch_max_events), 1, 1000000, "5000",
      "events of one partition's batch, at most (a batch is stored in Redis as one; batches that wait for Kafka share a transaction)" },
    { "batch.max.ms", K_INT, OFF(batch_max_ms), 1, 60000, "30", "longest a batch stays open (transaction interval; with the commit, most of the event -> output latency)" },
    { "redis.host", K_STR, OFF(redis_host), 0, 0, "127.0.0.1", "Redis host" },
    { "redis.port", K_INT, OFF(redis_port), 1, 65535, "6379", "Redis port" },
    { "redis.db", K_INT, OFF(redis_db), 0, 15, "0", "Redis database number" },
    { "redis.user", K_STR, OFF(redis_user), 0, 0, "", "Redis ACL user (empty: default user)" },
    { "redis.password", K_SECRET, OFF(redis_password), 0, 0, "",
      "Redis password; \"env:NAME\" reads it from an environment variable, \"file:PATH\" from a file" },
    { "redis.connect.timeout.ms", K_INT, OFF(redis_connect_timeout_ms), 1, 600000, "2000", "Redis connect timeout" },
    { "redis.command.timeout.ms", K_INT, OFF(redis_command_timeout_ms), 1, 600000, "10000", "Redis command timeout" },
    { "redis.key.prefix", K_STR, OFF(redis_prefix), 0, 0, "ly", "prefix of every Redis key the processor owns" },
    { "schema.registry.url", K_STR, OFF(schema_registry_url), 0, 0, "",
      "Confluent-compatible schema registry; empty: use the static schema.id.* mapping" },
    SCHEMA(LY_T_PURCHASES, "purchases", "1"),
    SCHEMA(LY_T_INTERACTIONS, "interactions", "2"),
    SCHEMA(LY_T_SOCIAL, "social", "3"),
    SCHEMA(LY_T_REWARDS, "rewards", "4"),
    SCHEMA(LY_T_CHURN_ALERTS, "churn-alerts", "5"),
    SCHEMA(LY_T_DLQ, "dlq", "6"),
    SCHEMA(LY_T_NOTICES, "notices", "7"),
    { "http.port", K_INT, OFF(http_port), 0, 65535, "0",
      "port of /metrics, /healthz and /readyz; 0: no HTTP endpoint" },
    { "http.bind", K_STR, OFF(http_bind), 0, 0, "127.0.0.1", "address the HTTP endpoint listens on" },
    { "http.max.connections", K_INT, OFF(http_max_connections), 1, 100000, "2048",
      "HTTP connections held at once, at most (also capped by the fd limit less 128 for Kafka and Redis)" },
    { "http.timeout.s", K_INT, OFF(http_timeout_s), 1, 3600, "10", "an HTTP connection idle this long is closed" },
    { "log.format", K_STR, OFF(log_format), 0, 0, "logfmt", "logfmt or json: one line per log event on stderr" },
};
#define NKEYS (sizeof keys / sizeof keys[0])

const char *ly_config_key_name(size_t i)
{
    return i < NKEYS ? keys[i].name : NULL;
}

static int fail(char *errstr, size_t errlen, const char *where, const char *k, const char *msg)
{
    snprintf(errstr, errlen, "%s: %s: %s", where, k, msg);
    return -1;
}

/* Secrets may come from the environment or a file, to stay out of configs. */
static int resolve_secret(const char *value, char *out, size_t outlen, const char *where, const char *k,
                          char *errstr, size_t errlen)
{
    if (strncmp(value, "env:", 4) == 0) {
        const char *v = getenv(value + 4);
        if (!v)
            return fail(errstr, errlen, where, k, "the environment variable it names is not set");
        value = v;
    } else if (strncmp(value, "file:", 5) == 0) {
        char why[300];
        size_t n;
        char *text = ly_read_file_limited(value + 5, outlen - 1, 1, &n, why, sizeof why);
        if (!text)
            return fail(errstr, errlen, where, k, why);
        text[strcspn(text, "\r\n")] = '\0';
        snprintf(out, outlen, "%s", text);
        free(text);
        return 0;
    }
    if (strlen(value) >= outlen)
        return fail(errstr, errlen, where, k, "too long");
    snprintf(out, outlen, "%s", value);
    return 0;
}

static int set_key(ly_config *c, const key *k, const char *value, const char *where, char *errstr, size_t errlen)
{
    char *base = (char *)c;
    char msg[160];
    if (k->type == K_STR) {
        if (strlen(value) >= LY_CONFIG_STR)
            return fail(errstr, errlen, where, k->name, "value too long");
        if (!strcmp(k->name, "log.format") && strcmp(value, "logfmt") && strcmp(value, "json"))
            return fail(errstr, errlen, where, k->name, "must be logfmt or json");
        struct in_addr ip;
        if (!strcmp(k->name, "http.bind") && inet_pton(AF_INET, value, &ip) != 1)
            return fail(errstr, errlen, where, k->name, "must be an IPv4 address (127.0.0.1, 0.0.0.0, ...)");
        snprintf(base + k->offset, LY_CONFIG_STR, "%s", value);
        return 0;
    }
    if (k->type == K_SECRET)
        return resolve_secret(value, base + k->offset, LY_CONFIG_STR, where, k->name, errstr, errlen);
    if (k->type == K_CLOCK) {
        if (strcmp(value, "event") && strcmp(value, "wall"))
            return fail(errstr, errlen, where, k->name, "must be event or wall");
        *(ly_clock_mode *)(base + k->offset) = strcmp(value, "event") == 0 ? LY_CLOCK_EVENT : LY_CLOCK_WALL;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (!*value || *end || errno) {
        char shown[68];
        ly_utf8_copy(shown, sizeof shown, value);
        snprintf(msg, sizeof msg, "'%s' is not an integer", shown);
        return fail(errstr, errlen, where, k->name, msg);
    }
    if (v < k->min || v > k->max) {
        snprintf(msg, sizeof msg, "%lld is out of range [%lld, %lld]", v, (long long)k->min, (long long)k->max);
        return fail(errstr, errlen, where, k->name, msg);
    }
    *(int64_t *)(base + k->offset) = v;
    return 0;
}

void ly_config_defaults(ly_config *c)
{
    char err[256];
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NKEYS; i++)
        set_key(c, &keys[i], keys[i].def, "defaults", err, sizeof err);
    if (gethostname(c->instance_id, sizeof c->instance_id - 1) != 0 || !c->instance_id[0])
        snprintf(c->instance_id, sizeof c->instance_id, "processor");
}

static int set_kafka(ly_config *c, const char *k, const char *value, const char *where, char *errstr,
                     size_t errlen)
{
    char err[512];
    rd_kafka_conf_t *probe = rd_kafka_conf_new();
    rd_kafka_conf_res_t r = rd_kafka_conf_set(probe, k, value, err, sizeof err);
    rd_kafka_conf_destroy(probe);
    if (r != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errlen, "%s: kafka.%s: %s", where, k, err);
        return -1;
    }
    size_t i = 0;
    while (i < c->n_kafka && strcmp(c->kafka_keys[i], k) != 0)
        i++;
    if (i == LY_MAX_KAFKA_PROPS)
        return fail(errstr, errlen, where, k, "too many kafka.* keys");
    if (strlen(k) >= LY_CONFIG_STR || strlen(value) >= LY_CONFIG_STR)
        return fail(errstr, errlen, where, k, "too long");
    snprintf(c->kafka_keys[i], LY_CONFIG_STR, "%s", k);
    snprintf(c->kafka_values[i], LY_CONFIG_STR, "%s", value);
    if (i == c->n_kafka)
        c->n_kafka++;
    return 0;
}

int ly_config_set(ly_config *c, const char *k, const char *value, const char *where, char *errstr, size_t errlen)
{
    if (strncmp(k, "kafka.", 6) == 0)
        return set_kafka(c, k + 6, value, where, errstr, errlen);
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, k) == 0)
            return set_key(c, &keys[i], value, where, errstr, errlen);
    return fail(errstr, errlen, where, k, "unknown key (see loyalty run --config-doc or docs/operations.md)");
}

rd_kafka_conf_t *ly_config_kafka_conf(const ly_config *c, char *errstr, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i < c->n_kafka; i++)
        if (rd_kafka_conf_set(conf, c->kafka_keys[i], c->kafka_values[i], errstr, errlen) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    return conf;
}

const char *ly_config_kafka(const ly_config *c, const char *k)
{
    for (size_t i = 0; i < c->n_kafka; i++)
        if (strcmp(c->kafka_keys[i], k) == 0)
            return c->kafka_values[i];
    return NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int ly_config_load_buffer(ly_config *c, const char *buf, size_t len, const char *name, char *errstr, size_t errlen)
{
    char line[4096], where[512];
    int lineno = 0;
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        snprintf(where, sizeof where, "%s:%d", name, ++lineno);
        if (n >= sizeof line || memchr(p, '\0', n)) {
            snprintf(errstr, errlen, "%s: %s", where, n >= sizeof line ? "line too long" : "NUL byte in the line");
            return -1;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + 1;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == '!')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(errstr, errlen, "%s: expected key=value", where);
            return -1;
        }
        *eq = '\0';
        if (ly_config_set(c, trim(s), trim(eq + 1), where, errstr, errlen) < 0)
            return -1;
    }
    return 0;
}

int ly_config_load(ly_config *c, const char *path, char *errstr, size_t errlen)
{
    size_t len;
    char *buf = ly_read_file_limited(path, LY_CONFIG_FILE_MAX, 1, &len, errstr, errlen);
    if (!buf)
        return -1;
    int rc = ly_config_load_buffer(c, buf, len, path, errstr, errlen);
    free(buf);
    return rc;
}

void ly_config_write_doc(FILE *out)
{
    fputs("| key | default | meaning |\n| --- | --- | --- |\n", out);
    for (size_t i = 0; i < NKEYS; i++) {
        const key *k = &keys[i];
        char range[64] = "";
        if (k->type == K_INT)
            snprintf(range, sizeof range, " (%lld .. %lld)", (long long)k->min, (long long)k->max);
        fprintf(out, "| `%s` | `%s` | %s%s |\n", k->name, k->def, k->doc, range);
    }
    fputs("| `kafka.*` | | passed to librdkafka without the prefix, e.g. `kafka.bootstrap.servers`, "
          "`kafka.security.protocol`, `kafka.sasl.mechanism` |\n", out);
}
