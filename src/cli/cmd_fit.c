/* `loyalty fit`: BG/NBD parameters from the brand's own purchases. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "ly_clock.h"
#include "ly_config.h"
#include "ly_fit.h"
#include "ly_state.h"
#include "ly_store.h"
#include "ly_output.h"
#include "ly_program.h"
#include "ly_simulate.h"
#include "ly_time.h"

typedef struct {
    const char *input, *out, *program, *config, *redis;
    int64_t until;
    int each, days, from_redis;
} fit_args;

static const cli_opt fit_opts[] = {
    { "input", 1, 'i', "FILE", "events in the simulate line format (PURCHASE events are used); - for stdin" },
    { "until", 1, 'u', "MS", "end of the calibration period (default: the last purchase read)" },
    { "out", 1, 'o', "FILE", "write a program file with the fitted churn.bgnbd parameters" },
    { "program", 1, 'p', "FILE", "the program the written file starts from (default: the reference)" },
    { "each-purchase", 0, 'e', "", "count every purchase (default: purchases on one UTC day count as one)" },
    { "days", 0, 'd', "", "time unit days (default: weeks, as in the literature and PROGRAM.md)" },
    { "from-redis", 0, 'R', "", "fit the member summaries the pipeline keeps in Redis instead of a file" },
    { "config", 1, 'c', "FILE", "with --from-redis: the properties file of loyalty run" },
    { "redis", 1, 'r', "HOST:PORT", "with --from-redis: overrides redis.host and redis.port" },
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
    case 'R': a->from_redis = 1; return 0;
    case 'c': a->config = arg; return 0;
    case 'r': a->redis = arg; return 0;
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

/* Redis keeps no per-day history: every purchase counts, and a partition's
 * clock is its calibration end. */
typedef struct { ly_bgnbd_data *d; int64_t clock; double unit; } redis_ctx;

static int add_member(void *ctx, const char *id, const char *blob, size_t len)
{
    redis_ctx *c = ctx;
    ly_member m;
    char err[256];
    if (ly_state_decode(blob, len, id, &m, err, sizeof err) < 0) {
        fprintf(stderr, "loyalty fit: %s\n", err);
        return -1;
    }
    int rc = 0;
    if (m.exists && m.purchase_count > 0 && c->clock != LY_NO_TIME)
        rc = ly_bgnbd_add(c->d, m.purchase_count - 1, (double)(m.last_purchase - m.first_purchase) / c->unit,
                          (double)(c->clock - m.first_purchase) / c->unit);
    ly_member_clear(&m);
    return rc;
}

static int from_redis(const fit_args *a, const ly_config *cfg, ly_bgnbd_data *d, int64_t *until, char *err,
                      size_t errlen)
{
    ly_store *s = ly_store_connect(cfg, err, errlen);
    if (!s)
        return -1;
    int32_t *ns = NULL;
    size_t count = 0;
    int rc = ly_store_partitions(s, &ns, &count, err, errlen);
    *until = INT64_MIN;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        redis_ctx c = { d, LY_NO_TIME, (double)(a->days ? LY_DAY_MS : LY_WEEK_MS) };
        rc = ly_store_clock(s, ns[i], &c.clock, err, errlen);
        if (rc == 0)
            rc = ly_store_load_members(s, ns[i], add_member, &c, err, errlen);
        if (c.clock > *until)
            *until = c.clock;
    }
    free(ns);
    ly_store_destroy(s);
    return rc;
}

static int fit_into(const fit_args *ap, ly_program *pp);

static int run_fit(int argc, char **argv)
{
    fit_args a = { .until = INT64_MIN };
    int rc = cli_parse(&cli_fit, argc, argv, fit_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    if (!a.input == !a.from_redis) {
        fprintf(stderr, "loyalty fit: give --input FILE or --from-redis (see --help)\n");
        return EX_USAGE;
    }
    ly_program prog;
    char err[512];
    ly_program_reference(&prog);
    if (a.program && ly_program_load_file(&prog, a.program, err, sizeof err) < 0) {
        fprintf(stderr, "loyalty fit: %s\n", err);
        return EX_CONFIG;
    }
    rc = fit_into(&a, &prog);
    ly_program_free(&prog);
    return rc;
}

/* Fits, prints the figures and, with --out, writes prog with them (into
 * every version: the parameters describe the members, not a period). */
static int fit_into(const fit_args *ap, ly_program *pp)
{
    fit_args a = *ap;
    ly_program prog = *pp;
    char err[512];
    int rc;
    double t0 = ly_clock_seconds();
    ly_bgnbd_data d = {0};
    ly_gg_data gd = {0};
    int64_t until;
    ly_bgnbd_fit fit;
    ly_gg_fit gfit;
    int have_gg = 0;
    char gerr[256] = "";
    if (a.from_redis) {
        ly_config cfg;
        if (cli_load_config(&cfg, a.config, NULL, a.redis) < 0)
            return EX_CONFIG;
        rc = from_redis(&a, &cfg, &d, &until, err, sizeof err) < 0 ? EX_UNAVAILABLE : EX_OK;
    } else {
        size_t len;
        char *text = ly_read_file(a.input, &len, err, sizeof err);
        if (!text) {
            fprintf(stderr, "loyalty fit: %s\n", err);
            return EX_NOINPUT;
        }
        ly_fit_options fo = { a.until, a.days ? LY_DAY_MS : LY_WEEK_MS, a.each };
        int fr = ly_fit_from_events(text, len, &fo, &d, &gd, &until, err, sizeof err);
        rc = fr == -2 ? EX_DATAERR : fr < 0 ? EX_SOFTWARE : EX_OK;
        free(text);
    }
    if (rc == EX_OK && ly_bgnbd_fit_data(&d, &fit, err, sizeof err) < 0)
        rc = EX_DATAERR;
    /* The spend model needs transaction values: events only (Redis keeps
     * no per-transaction amounts). A failure here leaves CLV out, not the fit. */
    if (rc == EX_OK && !a.from_redis)
        have_gg = ly_gg_fit_data(&gd, &gfit, gerr, sizeof gerr) == 0;
    double elapsed = ly_clock_seconds() - t0;
    if (rc) {
        fprintf(stderr, "loyalty fit: %s\n", err);
        ly_bgnbd_free(&d);
        ly_gg_free(&gd);
        return rc;
    }
    if (!a.from_redis && !have_gg)
        fprintf(stderr, "loyalty fit: no spend model: %s\n", gerr);
    ly_buf b = {0};
    ly_buf_printf(&b, "{\"customers\":%lld,\"repeaters\":%lld,\"patterns\":%zu,\"calibration_end\":%lld,\"unit\":\"%s\",",
                  (long long)d.customers, (long long)d.repeaters, d.n, (long long)until, a.days ? "day" : "week");
    put_params(&b, &fit.p);
    ly_buf_printf(&b, ",\"log_likelihood\":");
    ly_buf_json_double(&b, fit.log_likelihood);
    ly_buf_printf(&b, ",\"iterations\":%d,\"restarts\":%d,\"standard_errors\":{", fit.iterations, fit.restarts);
    put_params(&b, &fit.se);
    ly_buf_printf(&b, "}");
    if (have_gg) {
        ly_buf_printf(&b, ",\"gamma_gamma\":{\"customers\":%zu,\"mean_m_x\":", gd.n);
        ly_buf_json_double(&b, gfit.mean_m_x);
        ly_buf_printf(&b, ",\"p\":");
        ly_buf_json_double(&b, gfit.p.p);
        ly_buf_printf(&b, ",\"q\":");
        ly_buf_json_double(&b, gfit.p.q);
        ly_buf_printf(&b, ",\"gamma\":");
        ly_buf_json_double(&b, gfit.p.gamma);
        ly_buf_printf(&b, ",\"log_likelihood\":");
        ly_buf_json_double(&b, gfit.log_likelihood);
        ly_buf_printf(&b, "}");
    }
    ly_buf_printf(&b, ",\"seconds\":%.3f}",
                  elapsed);
    printf("%s\n", b.data);
    ly_buf_free(&b);
    ly_bgnbd_free(&d);
    ly_gg_free(&gd);
    if (a.out) {
        for (size_t v = 0; v <= prog.n_later; v++) {
            ly_program *pv = v ? &prog.later[v - 1] : &prog;
            pv->bg_r = fit.p.r, pv->bg_alpha = fit.p.alpha, pv->bg_a = fit.p.a, pv->bg_b = fit.p.b;
            if (have_gg)
                pv->gg_p = gfit.p.p, pv->gg_q = gfit.p.q, pv->gg_gamma = gfit.p.gamma;
        }
        /* What is written must pass `program check` (a fit can land outside a
         * key's bounds): written to memory and read back first. */
        char *text = NULL;
        size_t tlen = 0;
        FILE *mem = open_memstream(&text, &tlen);
        int wrote = mem && ly_program_write_yaml(&prog, mem) == 0;
        if (mem)
            fclose(mem);
        ly_program back;
        ly_program_reference(&back);
        if (!wrote || ly_program_load_buffer(&back, text, tlen, a.out, err, sizeof err) < 0) {
            fprintf(stderr, "loyalty fit: the fitted program would not be valid, %s not written: %s\n", a.out,
                    wrote ? err : "out of memory");
            free(text);
            return EX_DATAERR;
        }
        ly_program_free(&back);
        FILE *f = fopen(a.out, "w");
        if (!f || fwrite(text, 1, tlen, f) != tlen || fclose(f) != 0) {
            fprintf(stderr, "loyalty fit: cannot write %s\n", a.out);
            free(text);
            return EX_CANTCREAT;
        }
        free(text);
        if (a.days)
            fprintf(stderr, "loyalty fit: note: the program's p_alive works in weeks; fit in weeks for %s\n", a.out);
    }
    return EX_OK;
}

const command cli_fit = {
    "fit", "--input EVENTS.jsonl [--until MS] [--out PROGRAM_FILE] | --from-redis [--config FILE]",
    "Fits the BG/NBD model (r, alpha, a, b; maximum likelihood) to the members'\n"
    "purchases and optionally writes the parameters into a program file.",
    fit_opts, run_fit,
};
