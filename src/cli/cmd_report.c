/* `loyalty report`: the economics of a program run, in Markdown, JSON, CSV
 * and a self-contained HTML page; with --compare, two runs of the same
 * events side by side. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "ly_file.h"
#include "ly_program.h"
#include "ly_report.h"

#define CHARTJS "/usr/share/javascript/chart.js/chart.min.js"

typedef struct {
    const char *events, *outputs, *compare, *program, *html, *md, *json, *csv, *chartjs, *name_a, *name_b;
    double point_value;
} report_args;

static const cli_opt report_opts[] = {
    { "events", 1, 'e', "FILE", "the input events (simulate line format) the outputs came from" },
    { "outputs", 1, 'o', "FILE", "the outputs of a run: simulate's --out, or the topics consumed as JSON lines" },
    { "compare", 1, 'c', "FILE", "the outputs of a second run of the same events (another program)" },
    { "program", 1, 'p', "FILE", "the program of the run (checked; names the first run)" },
    { "html", 1, 'H', "FILE", "a self-contained HTML page with charts (Chart.js inlined)" },
    { "md", 1, 'm', "FILE", "Markdown tables" },
    { "json", 1, 'j', "FILE", "the figures as JSON" },
    { "csv", 1, 'C', "FILE", "one row per run and month" },
    { "point-value", 1, 'v', "X", "currency units one point is worth (default 0.01: 100 points = 1.00)" },
    { "names", 1, 'n', "A,B", "names of the runs in the report (default: the output file names)" },
    { "chartjs", 1, 'J', "FILE", "Chart.js to inline (default " CHARTJS ", Debian's libjs-chart.js)" },
    { 0, 0, 0, 0, 0 },
};

static char names_buf[256];

static int report_opt(void *ctx, int key, const char *arg)
{
    report_args *a = ctx;
    switch (key) {
    case 'e': a->events = arg; return 0;
    case 'o': a->outputs = arg; return 0;
    case 'c': a->compare = arg; return 0;
    case 'p': a->program = arg; return 0;
    case 'H': a->html = arg; return 0;
    case 'm': a->md = arg; return 0;
    case 'j': a->json = arg; return 0;
    case 'C': a->csv = arg; return 0;
    case 'J': a->chartjs = arg; return 0;
    case 'v': {
        char *end;
        a->point_value = strtod(arg, &end);
        if (*end || !(a->point_value > 0) || a->point_value > 1e6) {
            fprintf(stderr, "loyalty report: --point-value: '%s' is not a positive number\n", arg);
            return -1;
        }
        return 0;
    }
    case 'n': {
        snprintf(names_buf, sizeof names_buf, "%s", arg);
        char *comma = strchr(names_buf, ',');
        a->name_a = names_buf;
        if (comma)
            *comma = '\0', a->name_b = comma + 1;
        return 0;
    }
    }
    return -1;
}

static ly_report *build(const char *outputs, const char *events, int progress)
{
    char err[512];
    ly_report *r = ly_report_new();
    if (!r) {
        fprintf(stderr, "loyalty report: out of memory\n");
        return NULL;
    }
    if (ly_report_add_outputs(r, outputs, progress, err, sizeof err) < 0 ||
        ly_report_add_events(r, events, progress, err, sizeof err) < 0) {
        fprintf(stderr, "loyalty report: %s\n", err);
        ly_report_destroy(r);
        return NULL;
    }
    ly_report_finish(r);
    return r;
}

static int write_one(const char *path, const ly_report_view *v, int (*fn)(const ly_report_view *, FILE *))
{
    FILE *f = fopen(path, "w");
    int rc = f ? fn(v, f) : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "loyalty report: cannot write %s\n", path);
    return rc;
}

static int run_report(int argc, char **argv)
{
    report_args a = { 0 };
    a.point_value = 0.01;
    a.chartjs = CHARTJS;
    int rc = cli_parse(&cli_report, argc, argv, report_opt, &a);
    if (rc)
        return rc > 0 ? EX_OK : EX_USAGE;
    if (!a.events || !a.outputs || !(a.html || a.md || a.json || a.csv)) {
        fprintf(stderr, "loyalty report: --events, --outputs and at least one of --html, --md, --json, --csv "
                        "are required (see --help)\n");
        return EX_USAGE;
    }
    if (a.program) {
        ly_program p;
        char err[512];
        ly_program_reference(&p);
        if (ly_program_load_file(&p, a.program, err, sizeof err) < 0) {
            fprintf(stderr, "loyalty report: %s\n", err);
            return EX_CONFIG;
        }
        ly_program_free(&p);
    }
    size_t jslen = 0;
    char *js = NULL, err[512];
    if (a.html && !(js = ly_read_file(a.chartjs, &jslen, err, sizeof err))) {
        fprintf(stderr, "loyalty report: Chart.js: %s (install libjs-chart.js, or give --chartjs)\n", err);
        return EX_NOINPUT;
    }
    int progress = isatty(STDERR_FILENO);
    ly_report *ra = build(a.outputs, a.events, progress), *rb = NULL;
    if (ra && a.compare && !(rb = build(a.compare, a.events, progress))) {
        ly_report_destroy(ra);
        ra = NULL;
    }
    if (!ra) {
        free(js);
        return EX_NOINPUT;
    }
    ly_report_view v = { ra, rb, a.name_a ? a.name_a : (a.program ? a.program : a.outputs),
                         a.name_b ? a.name_b : a.compare, a.point_value };
    rc = EX_OK;
    if (a.md && write_one(a.md, &v, ly_report_write_markdown) < 0)
        rc = EX_CANTCREAT;
    if (a.json && write_one(a.json, &v, ly_report_write_json) < 0)
        rc = EX_CANTCREAT;
    if (a.csv && write_one(a.csv, &v, ly_report_write_csv) < 0)
        rc = EX_CANTCREAT;
    if (a.html) {
        FILE *f = fopen(a.html, "w");
        if (!f || ly_report_write_html(&v, js, jslen, f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "loyalty report: cannot write %s\n", a.html);
            rc = EX_CANTCREAT;
        }
    }
    int32_t first;
    fprintf(stderr, "report: %zu months, %lld members%s\n", ly_report_months(ra, &first),
            (long long)ly_report_members(ra), rb ? " (and the compared run)" : "");
    free(js);
    ly_report_destroy(ra);
    ly_report_destroy(rb);
    return rc;
}

const command cli_report = {
    "report", "--events EVENTS.jsonl --outputs OUTPUTS.jsonl [--compare OUTPUTS2.jsonl] [--program FILE]\n"
              "       [--html R.html] [--md R.md] [--json R.json] [--csv R.csv] [--point-value X]",
    "The program's economics per month: sales, points issued by kind, pending, redeemed,\n"
    "reversed, expired, liability, redemption rate, breakage, cost; members by tier; churn\n"
    "alerts and win-backs; campaigns. With --compare, two runs side by side.",
    report_opts, run_report,
};
