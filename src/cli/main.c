/* The `loyalty` command: one binary, one subcommand per job. Exit codes
 * follow sysexits.h (see cli.h and docs/operations.md). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "cli.h"

/* ---- dispatch ---- */

static const command *const commands[] = {
    &cli_run, &cli_simulate, &cli_gen, &cli_program, &cli_topics, &cli_produce, &cli_consume, &cli_state, &cli_member, &cli_fit, &cli_config, &cli_report,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: loyalty COMMAND [options]\n\nThe event-streaming loyalty processor.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %.*s\n", commands[i]->name, (int)strcspn(commands[i]->summary, "\n"),
                commands[i]->summary);
    fprintf(f, "\n  loyalty COMMAND --help   options of one command\n  loyalty --version\n");
}

int main(int argc, char **argv)
{
    /* A peer (an HTTP client, Redis, a broker) closing a socket we write to
     * must be an error return, never a kill: ignore SIGPIPE process-wide. */
    signal(SIGPIPE, SIG_IGN);
    /* As nginx does: the soft fd limit up to the hard one, so idle HTTP
     * clients cannot starve Kafka and Redis of descriptors. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (argc < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("loyalty %s\n", LY_VERSION);
        return EX_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EX_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i]->name) == 0)
            return commands[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "loyalty: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EX_USAGE;
}
