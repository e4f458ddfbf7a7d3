/* The option machinery: long options from a table, --help from the same table. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "ly_config.h"

static void print_help(const command *c, FILE *f)
{
    fprintf(f, "usage: loyalty %s %s\n\n%s\n\noptions:\n", c->name, c->synopsis, c->summary);
    for (const cli_opt *o = c->opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->has_arg ? " " : "", o->has_arg ? o->arg : "");
        fprintf(f, "  %-22s %s\n", left, o->help);
    }
    fprintf(f, "  %-22s %s\n", "-h, --help", "show this help");
}

void print_help_of(const command *c)
{
    print_help(c, stdout);
}

int cli_parse(const command *c, int argc, char **argv,
                      int (*on_opt)(void *ctx, int key, const char *arg), void *ctx)
{
    struct option longs[32];
    size_t n = 0;
    for (const cli_opt *o = c->opts; o->name && n < 30; o++, n++)
        longs[n] = (struct option){ o->name, o->has_arg ? required_argument : no_argument, NULL, o->key };
    longs[n++] = (struct option){ "help", no_argument, NULL, 'h' };
    longs[n] = (struct option){ 0, 0, 0, 0 };
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        if (ch == 'h') {
            print_help(c, stdout);
            return 1;
        }
        if (ch == '?' || ch == ':') {
            fprintf(stderr, "loyalty %s: unknown option or missing value: %s\n(see loyalty %s --help)\n",
                    c->name, argv[optind - 1], c->name);
            return -1;
        }
        if (on_opt(ctx, ch, optarg) < 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "loyalty %s: unexpected argument '%s'\n", c->name, argv[optind]);
        return -1;
    }
    return 0;
}

int cli_i64(const char *cmd, const char *opt, const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max) {
        fprintf(stderr, "loyalty %s: --%s: '%s' is not an integer in [%lld, %lld]\n", cmd, opt, s,
                (long long)min, (long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

/* Defaults, then the file, then the command line and the environment. */
int cli_load_config(ly_config *c, const char *config, const char *brokers, const char *redis)
{
    char err[600];
    ly_config_defaults(c);
    const char *env = getenv("LY_KAFKA_BOOTSTRAP");
    if (env && *env && ly_config_set(c, "kafka.bootstrap.servers", env, "$LY_KAFKA_BOOTSTRAP", err, sizeof err) < 0)
        goto bad;
    if (config && ly_config_load(c, config, err, sizeof err) < 0)
        goto bad;
    if (brokers && ly_config_set(c, "kafka.bootstrap.servers", brokers, "--brokers", err, sizeof err) < 0)
        goto bad;
    if (redis) {
        char host[256];
        const char *colon = strrchr(redis, ':');
        snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - redis) : (int)strlen(redis), redis);
        if (ly_config_set(c, "redis.host", host, "--redis", err, sizeof err) < 0 ||
            (colon && ly_config_set(c, "redis.port", colon + 1, "--redis", err, sizeof err) < 0))
            goto bad;
    }
    return 0;
bad:
    fprintf(stderr, "loyalty: %s\n", err);
    return -1;
}
