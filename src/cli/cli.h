/* Internal to the CLI: the option table machinery shared by the commands,
 * and the sysexits.h exit codes the commands return. */
#ifndef LY_CLI_H
#define LY_CLI_H
#include <stdint.h>
#include <stdio.h>

#define EX_OK 0
#define EX_USAGE 64
#define EX_DATAERR 65
#define EX_NOINPUT 66
#define EX_UNAVAILABLE 69
#define EX_SOFTWARE 70
#define EX_CANTCREAT 73
#define EX_CONFIG 78

typedef struct {
    const char *name;
    int has_arg;
    int key;
    const char *arg, *help;
} cli_opt;

typedef struct {
    const char *name, *synopsis, *summary;
    const cli_opt *opts;
    int (*run)(int argc, char **argv);
} command;

/* Parses argv against c->opts; calls on_opt for each. Returns 0, 1 for
 * --help (printed), or -1 on a usage error (printed). */
int cli_parse(const command *c, int argc, char **argv, int (*on_opt)(void *ctx, int key, const char *arg),
              void *ctx);
/* Parses an integer option in [min, max]; prints the error. 0 or -1. */
int cli_i64(const char *cmd, const char *opt, const char *s, int64_t min, int64_t max, int64_t *out);

/* Loads a run configuration: defaults, $LY_KAFKA_BOOTSTRAP, the file, then
 * --brokers and --redis HOST:PORT (each may be NULL). Prints the error and
 * returns -1 when something is wrong. */
struct ly_config;
int cli_load_config(struct ly_config *c, const char *config, const char *brokers, const char *redis);

/* Prints the --help of a command to stdout. */
void print_help_of(const command *c);

extern const command cli_simulate, cli_gen, cli_program, cli_topics, cli_run, cli_produce, cli_consume, cli_state,
    cli_member, cli_fit, cli_config, cli_report;

#endif
