/* `loyalty fit`: BG/NBD parameters from the brand's own purchases. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "ly_fit.h"
#include "ly_output.h"
#include "ly_program.h"
#include "ly_simulate.h"
#include "ly_time.h"

typedef struct {
    const char *input, *out, *program;
    int64_t until;
    int each, days;
} fit_args;

static const cli_opt fit_opts[] = {
    { "input", 1, 'i', "FILE", "events in the simulate line format (PURCHASE events are used); - for stdin" },
    { "until", 1, 'u', "MS", "end of the calibration period (default: the last purchase read)" },
    { "out", 1, 'o', "FILE", "write a program file with the fitted churn.bgnbd parameters" },
    { "program", 1, 'p', "FILE", "the program the written file starts from (default: the reference)" },
    { "each-purchase", 0, 'e', "", "count every purchase (default: purchases on one UTC day count as one)" },
    { "days", 0, 'd', "", "time unit days (default: weeks, as in the literature and PROGRAM.md)" },
    { 0, 0, 0, 0, 0 },
};

static int fit_opt(void *ctx, int key, const char *arg)
{
    fit_args *a = ctx;
    switch (key) {
    case 'i': a->input = arg; return 0;
    case 'o': a->out = arg; return 0;
    case 'p': a->program = arg; return 0;
    case 'u': return cli_i64("fit", "until", arg, 0, INT64_MAX / 2, &a->until);
    case 'e': a->each = 1; return 0;
    case 'd': a->days = 1; return 0;
    }
    return -1;
}

static void put_params(ly_buf *b, const ly_bgnbd_params *p)
{
    const char *names[4] = { "r", "alpha", "a", "b" };
    double v[4] = { p->r, p->alpha, p->a, p->b };
    for (int i = 0; i < 4; i++) {
        ly_buf_printf(b, "%s\"%s\":", i ? "," : "", names[i]);
        if (isnan(v[i]))
            ly_buf_put(b, "null", 4);
        else
            ly_buf_json_double(b, v[i]);
    }
}

static int run_fit(int argc, char **argv)
{
    fit_args a = { .until = INT64_MIN };
    int rc = cli_parse(&cli_fit, argc, argv, fit_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    if (!a.input) {
        fprintf(stderr, "loyalty fit: --input is required (see --help)\n");
        return EX_USAGE;
    }
    ly_program prog;
    char err[512];
    ly_program_reference(&prog);
    if (a.program && ly_program_load_file(&prog, a.program, err, sizeof err) < 0) {
        fprintf(stderr, "loyalty fit: %s\n", err);
        return EX_CONFIG;
    }
    size_t len;
    char *text = ly_read_file(a.input, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "loyalty fit: %s\n", err);
        return EX_NOINPUT;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ly_bgnbd_data d = {0};
    ly_fit_options fo = { a.until, a.days ? LY_DAY_MS : LY_WEEK_MS, a.each };
    int64_t until;
    ly_bgnbd_fit fit;
    rc = ly_fit_from_events(text, len, &fo, &d, &until, err, sizeof err) < 0 ? EX_SOFTWARE
       : ly_bgnbd_fit_data(&d, &fit, err, sizeof err) < 0                  ? EX_DATAERR
                                                                            : EX_OK;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(text);
    if (rc) {
        fprintf(stderr, "loyalty fit: %s\n", err);
        ly_bgnbd_free(&d);
        return rc;
    }
    ly_buf b = {0};
    ly_buf_printf(&b, "{\"customers\":%lld,\"repeaters\":%lld,\"patterns\":%zu,\"calibration_end\":%lld,\"unit\":\"%s\",",
                  (long long)d.customers, (long long)d.repeaters, d.n, (long long)until, a.days ? "day" : "week");
    put_params(&b, &fit.p);
    ly_buf_printf(&b, ",\"log_likelihood\":");
    ly_buf_json_double(&b, fit.log_likelihood);
    ly_buf_printf(&b, ",\"iterations\":%d,\"restarts\":%d,\"standard_errors\":{", fit.iterations, fit.restarts);
    put_params(&b, &fit.se);
    ly_buf_printf(&b, "},\"seconds\":%.3f}",
                  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("%s\n", b.data);
    ly_buf_free(&b);
    ly_bgnbd_free(&d);
    if (a.out) {
        prog.bg_r = fit.p.r, prog.bg_alpha = fit.p.alpha, prog.bg_a = fit.p.a, prog.bg_b = fit.p.b;
        FILE *f = fopen(a.out, "w");
        if (!f || ly_program_write_yaml(&prog, f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "loyalty fit: cannot write %s\n", a.out);
            return EX_CANTCREAT;
        }
        if (a.days)
            fprintf(stderr, "loyalty fit: note: the program's p_alive works in weeks; fit in weeks for %s\n", a.out);
    }
    return EX_OK;
}

const command cli_fit = {
    "fit", "--input EVENTS.jsonl [--until MS] [--out PROGRAM_FILE]",
    "Fits the BG/NBD model (r, alpha, a, b; maximum likelihood) to the members'\n"
    "purchases and optionally writes the parameters into a program file.",
    fit_opts, run_fit,
};
