/* Commands that talk to Kafka: topics. */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "ly_topics.h"

typedef struct { const char *brokers; int64_t partitions, replication; int create; } topics_args;

static const cli_opt topics_opts[] = {
    { "brokers", 1, 'b', "HOST:PORT", "bootstrap servers (default $LY_KAFKA_BOOTSTRAP or 127.0.0.1:9092)" },
    { "partitions", 1, 'n', "N", "partitions of every topic (default 6); inputs must be co-partitioned" },
    { "replication", 1, 'r', "R", "replication factor (default 1)" },
    { 0, 0, 0, 0, 0 },
};

static int topics_opt(void *ctx, int key, const char *arg)
{
    topics_args *a = ctx;
    switch (key) {
    case 'b': a->brokers = arg; return 0;
    case 'n': return cli_i64("topics", "partitions", arg, 1, 10000, &a->partitions);
    case 'r': return cli_i64("topics", "replication", arg, 1, 32, &a->replication);
    }
    return -1;
}

static int run_topics(int argc, char **argv)
{
    const char *env = getenv("LY_KAFKA_BOOTSTRAP");
    topics_args a = { env && *env ? env : "127.0.0.1:9092", 6, 1, 0 };
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
            return cli_parse(&cli_topics, argc, argv, topics_opt, &a) > 0 ? EX_OK : EX_USAGE;
        fprintf(stderr, "loyalty topics: expected 'create' (see loyalty topics --help)\n");
        return EX_USAGE;
    }
    int rc = cli_parse(&cli_topics, argc - 1, argv + 1, topics_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    const char *names[LY_T_COUNT];
    for (int i = 0; i < LY_T_COUNT; i++)
        names[i] = ly_topics_default_name((ly_topic_role)i);
    char err[512];
    int existing = 0;
    if (ly_topics_create(a.brokers, names, (int32_t)a.partitions, (int16_t)a.replication, &existing, err,
                         sizeof err) < 0) {
        fprintf(stderr, "loyalty topics create: %s\n", err);
        return EX_UNAVAILABLE;
    }
    fprintf(stderr, "topics: %d created, %d already there, %lld partitions each\n", LY_T_COUNT - existing,
            existing, (long long)a.partitions);
    return EX_OK;
}

const command cli_topics = {
    "topics", "create [--brokers HOST:PORT] [--partitions N] [--replication R]",
    "Creates the input, internal, output and dead-letter topics.",
    topics_opts, run_topics,
};
