/* The offline commands: simulate, gen, program. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "ly_clock.h"
#include "ly_gen.h"
#include "ly_program.h"
#include "ly_simulate.h"

/* ---- simulate ---- */

typedef struct {
    const char *input, *out, *state, *program;
    int64_t until, partitions;
} sim_args;

static const cli_opt sim_opts[] = {
    { "input", 1, 'i', "FILE", "events as JSON Lines (one object with \"source\" per line); - for stdin" },
    { "out", 1, 'o', "FILE", "output events as JSON Lines, in emission order; - for stdout" },
    { "state", 1, 's', "FILE", "final member state as one JSON object" },
    { "program", 1, 'p', "FILE", "program file (YAML); default: the built-in reference program" },
    { "until", 1, 'u', "MS", "at the end, fire every timer due at or before MS (epoch ms)" },
    { "partitions", 1, 'n', "N", "place members on N partitions as Kafka would (default 1)" },
    { 0, 0, 0, 0, 0 },
};

static int sim_opt(void *ctx, int key, const char *arg)
{
    sim_args *a = ctx;
    switch (key) {
    case 'i': a->input = arg; return 0;
    case 'o': a->out = arg; return 0;
    case 's': a->state = arg; return 0;
    case 'p': a->program = arg; return 0;
    case 'u': return cli_i64("simulate", "until", arg, 0, INT64_MAX / 2, &a->until);
    case 'n': return cli_i64("simulate", "partitions", arg, 1, 100000, &a->partitions);
    }
    return -1;
}

static int load_program(ly_program *p, const char *path)
{
    char err[512];
    ly_program_reference(p);
    if (path && ly_program_load_file(p, path, err, sizeof err) < 0) {
        fprintf(stderr, "loyalty: %s\n", err);
        return -1;
    }
    return 0;
}


static int run_simulate(int argc, char **argv)
{
    sim_args a = { NULL, NULL, NULL, NULL, INT64_MIN, 1 };
    int rc = cli_parse(&cli_simulate, argc, argv, sim_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    if (!a.input || !a.out) {
        fprintf(stderr, "loyalty simulate: --input and --out are required (see --help)\n");
        return EX_USAGE;
    }
    ly_program prog;
    if (load_program(&prog, a.program) < 0)
        return EX_CONFIG;
    /* The process exits after this run: its members are left to the exit
     * (a static keeps them reachable, so leak checkers see no leak). */
    static ly_sim_kept *kept_until_exit;
    ly_sim_options opt = { &prog, (int32_t)a.partitions, a.until, isatty(STDERR_FILENO), &kept_until_exit };
    ly_sim_stats st;
    char err[512];
    double t0 = ly_clock_seconds();
    int failed = ly_simulate_files(a.input, a.out, a.state, &opt, &st, err, sizeof err);
    ly_program_free(&prog);
    if (failed) {
        fprintf(stderr, "loyalty simulate: %s\n", err);
        return failed == LY_SIM_EINPUT ? EX_NOINPUT : failed == LY_SIM_EOUTPUT ? EX_CANTCREAT : EX_SOFTWARE;
    }
    double s = ly_clock_seconds() - t0;
    fprintf(stderr,
            "simulate: %llu lines (%llu invalid, %llu repeats dropped, %llu rejected), %llu members; "
            "%llu rewards, %llu churn alerts, %llu notices, %llu dead letters; %.3f s, %.0f events/s; engine memory %llu bytes\n",
            (unsigned long long)st.lines, (unsigned long long)st.invalid, (unsigned long long)st.repeats,
            (unsigned long long)st.rejected, (unsigned long long)st.members,
            (unsigned long long)st.outputs[LY_TOPIC_REWARDS], (unsigned long long)st.outputs[LY_TOPIC_CHURN],
            (unsigned long long)st.outputs[LY_TOPIC_NOTICES], (unsigned long long)st.outputs[LY_TOPIC_DLQ], s, (double)st.lines / (s > 0 ? s : 1e-9),
            (unsigned long long)st.memory_bytes);
    return EX_OK;
}

const command cli_simulate = {
    "simulate", "--input EVENTS.jsonl --out OUT.jsonl [--state STATE.json] [options]",
    "Runs the loyalty program offline over a file of events, exactly as the pipeline\n"
    "would over the same topics, and writes the output events and the final state.",
    sim_opts, run_simulate,
};

/* ---- gen ---- */

typedef struct { int64_t members, days, seed, start; const char *out, *currency; int retail; } gen_args;

static const cli_opt gen_opts[] = {
    { "members", 1, 'm', "N", "number of members (default 1000)" },
    { "days", 1, 'd', "D", "length of the stream in days (default 365)" },
    { "seed", 1, 's', "S", "random seed; the same seed gives the same stream (default 1)" },
    { "start", 1, 't', "MS", "first instant, epoch ms (default 1735689600000, 2025-01-01)" },
    { "currency", 1, 'c', "CODE", "currency of the purchases (default USD)" },
    { "out", 1, 'o', "FILE", "where to write (default stdout)" },
    { "retail", 0, 'r', "", "also part two's inputs: order lines, channels, stores, birthdays, redemption cancels, erasures" },
    { 0, 0, 0, 0, 0 },
};

static int gen_opt(void *ctx, int key, const char *arg)
{
    gen_args *a = ctx;
    switch (key) {
    case 'm': return cli_i64("gen", "members", arg, 1, 100000000, &a->members);
    case 'd': return cli_i64("gen", "days", arg, 1, 36500, &a->days);
    case 's': return cli_i64("gen", "seed", arg, 0, INT64_MAX, &a->seed);
    case 't': return cli_i64("gen", "start", arg, 946684800000LL, 4000000000000LL, &a->start);
    case 'c':
        /* It is written into JSON as it is: an ISO 4217 code only. */
        if (strlen(arg) != 3 || arg[0] < 'A' || arg[0] > 'Z' || arg[1] < 'A' || arg[1] > 'Z' || arg[2] < 'A' ||
            arg[2] > 'Z') {
            fprintf(stderr, "loyalty gen: --currency: '%s' is not a three-letter code (USD, EUR, ...)\n", arg);
            return -1;
        }
        a->currency = arg;
        return 0;
    case 'o': a->out = arg; return 0;
    case 'r': a->retail = 1; return 0;
    }
    return -1;
}


static int run_gen(int argc, char **argv)
{
    gen_args a = { 1000, 365, 1, 1735689600000LL, "-", "USD", 0 };
    int rc = cli_parse(&cli_gen, argc, argv, gen_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    FILE *out = strcmp(a.out, "-") == 0 ? stdout : fopen(a.out, "wb");
    if (!out) {
        fprintf(stderr, "loyalty gen: %s: %s\n", a.out, strerror(errno));
        return EX_CANTCREAT;
    }
    ly_gen_options opt = { (uint64_t)a.members, (int32_t)a.days, (uint64_t)a.seed, a.start, a.currency, a.retail };
    ly_gen_stats st;
    char err[256];
    rc = ly_gen(&opt, out, &st, err, sizeof err);
    if ((out == stdout ? fflush(out) : fclose(out)) != 0 && rc == 0) {
        snprintf(err, sizeof err, "%s: write error", a.out);
        rc = -1;
    }
    if (rc < 0) {
        fprintf(stderr, "loyalty gen: %s\n", err);
        return EX_CANTCREAT;
    }
    fprintf(stderr, "gen: %llu lines (%llu duplicates, %llu late, %llu invalid)\n", (unsigned long long)st.lines,
            (unsigned long long)st.duplicates, (unsigned long long)st.late, (unsigned long long)st.invalid);
    return EX_OK;
}

const command cli_gen = {
    "gen", "[--members N] [--days D] [--seed S] [--start MS] [--out FILE]",
    "Writes a realistic, reproducible event stream in the simulate line format.",
    gen_opts, run_gen,
};

/* ---- program ---- */

typedef struct { int check, print, doc, has_at; int64_t at; const char *file; } prog_args;

static const cli_opt prog_opts[] = {
    { "check", 1, 'c', "FILE", "validate a program file; exit 78 with FILE:LINE: key: why if it is wrong" },
    { "print", 0, 'p', "", "print the program (with --check FILE: that file over the defaults) as YAML" },
    { "doc", 0, 'd', "", "print the Markdown reference of every program key" },
    { "at", 1, 'a', "MS", "with --print: the version in force at this instant (ms since the epoch), resolved" },
    { 0, 0, 0, 0, 0 },
};

static int prog_opt(void *ctx, int key, const char *arg)
{
    prog_args *a = ctx;
    if (key == 'c')
        a->check = 1, a->file = arg;
    else if (key == 'p')
        a->print = 1;
    else if (key == 'd')
        a->doc = 1;
    else if (key == 'a') {
        char *end;
        errno = 0;
        a->at = strtoll(arg, &end, 10);
        if (errno || end == arg || *end) {
            fprintf(stderr, "loyalty program: --at: '%s' is not a time in ms\n", arg);
            return -1;
        }
        a->has_at = 1;
    }
    return 0;
}


static int run_program(int argc, char **argv)
{
    prog_args a = {0};
    if (argc == 3 && !strcmp(argv[1], "check")) { /* `program check FILE`, as `config check FILE` */
        ly_program p;
        if (load_program(&p, argv[2]) < 0)
            return EX_CONFIG;
        ly_program_free(&p);
        fprintf(stderr, "%s: ok\n", argv[2]);
        return EX_OK;
    }
    int rc = cli_parse(&cli_program, argc, argv, prog_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    if (a.doc) {
        ly_program_write_doc(stdout);
        return EX_OK;
    }
    ly_program p;
    if (load_program(&p, a.file) < 0)
        return EX_CONFIG;
    if (a.has_at) {
        /* One version, resolved: what applies to events and timers at that time. */
        ly_program v = *ly_program_at(&p, a.at);
        v.later = NULL;
        v.n_later = 0;
        ly_program_write_yaml(&v, stdout);
    } else if (a.print || !a.check) {
        ly_program_write_yaml(&p, stdout);
    } else {
        fprintf(stderr, "%s: ok\n", a.file);
    }
    ly_program_free(&p);
    return EX_OK;
}

const command cli_program = {
    "program", "check FILE | [--check FILE] [--print [--at MS]] [--doc]",
    "Validates, prints or documents loyalty program files.",
    prog_opts, run_program,
};

