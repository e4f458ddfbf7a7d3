/* The report's formats: Markdown, JSON, CSV and a self-contained HTML page
 * (Chart.js inlined), all from one table of figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_buf.h"
#include "ly_report.h"

/* A month's figures with the running totals they need. */
typedef struct {
    const ly_report_month *m;
    double pv;
    int64_t cum_issued, cum_redeemed, cum_expired;
} row;

static int64_t issued(const ly_report_month *m)
{
    return m->earned_purchase + m->earned_engagement + m->campaign + m->bonus + m->released;
}

typedef enum { K_INT, K_MONEY, K_PCT } kind;
typedef struct { const char *key, *label; kind k; double (*get)(const row *r); } figure;

#define GET(name, expr) static double name(const row *r) { return (double)(expr); }
GET(f_sales, (r->m->sales_minor - r->m->refunds_minor) / 100.0)
GET(f_issued, issued(r->m))
GET(f_purchase, r->m->earned_purchase)
GET(f_engagement, r->m->earned_engagement)
GET(f_campaign, r->m->campaign)
GET(f_bonus, r->m->bonus)
GET(f_released, r->m->released)
GET(f_pending, r->m->pending - r->m->pending_reversed)
GET(f_redeemed, r->m->redeemed - r->m->redemption_reversed)
GET(f_reversed, r->m->reversed)
GET(f_expired, r->m->expired)
GET(f_outstanding, r->m->outstanding)
GET(f_liability, r->m->outstanding * r->pv)
GET(f_redemption_rate, r->cum_issued ? 100.0 * r->cum_redeemed / r->cum_issued : 0)
GET(f_breakage, r->cum_issued ? 100.0 * r->cum_expired / r->cum_issued : 0)
GET(f_cost, r->m->sales_minor - r->m->refunds_minor > 0
                ? 100.0 * issued(r->m) * r->pv / ((r->m->sales_minor - r->m->refunds_minor) / 100.0) : 0)
GET(f_basic, r->m->tier_members[0])
GET(f_silver, r->m->tier_members[1])
GET(f_gold, r->m->tier_members[2])
GET(f_diamond, r->m->tier_members[3])
GET(f_up, r->m->upgrades)
GET(f_down, r->m->downgrades)
GET(f_medium, r->m->alerts[1])
GET(f_high, r->m->alerts[2])
GET(f_winback, r->m->winbacks)
GET(f_conversion, r->m->alerts[2] ? 100.0 * r->m->winbacks / r->m->alerts[2] : 0)
GET(f_clv, r->m->clv_at_risk)
GET(f_notices, r->m->notices)

static const figure figures[] = {
    { "net_sales", "net sales", K_MONEY, f_sales },
    { "points_issued", "points issued", K_INT, f_issued },
    { "purchase_points", "purchase", K_INT, f_purchase },
    { "engagement_points", "engagement", K_INT, f_engagement },
    { "campaign_points", "campaigns", K_INT, f_campaign },
    { "bonus_points", "bonuses", K_INT, f_bonus },
    { "released_points", "released", K_INT, f_released },
    { "pending_points", "pending (net)", K_INT, f_pending },
    { "redeemed_points", "redeemed (net)", K_INT, f_redeemed },
    { "reversed_points", "reversed", K_INT, f_reversed },
    { "expired_points", "expired", K_INT, f_expired },
    { "outstanding_points", "outstanding", K_INT, f_outstanding },
    { "liability", "liability", K_MONEY, f_liability },
    { "redemption_rate_pct", "redemption rate %", K_PCT, f_redemption_rate },
    { "breakage_pct", "breakage %", K_PCT, f_breakage },
    { "cost_pct_of_sales", "cost % of sales", K_PCT, f_cost },
    { "members_basic", "BASIC", K_INT, f_basic },
    { "members_silver", "SILVER", K_INT, f_silver },
    { "members_gold", "GOLD", K_INT, f_gold },
    { "members_diamond", "DIAMOND", K_INT, f_diamond },
    { "upgrades", "upgrades", K_INT, f_up },
    { "downgrades", "downgrades", K_INT, f_down },
    { "alerts_medium", "MEDIUM alerts", K_INT, f_medium },
    { "alerts_high", "HIGH alerts", K_INT, f_high },
    { "win_backs", "win-backs", K_INT, f_winback },
    { "win_back_pct", "win-back %", K_PCT, f_conversion },
    { "clv_at_risk", "CLV at risk", K_MONEY, f_clv },
    { "notices", "notices", K_INT, f_notices },
};
#define NF (sizeof figures / sizeof figures[0])

/* The rows of a report, running totals filled in. rows has ly_report_months. */
static size_t rows_of(const ly_report *rep, double pv, row *rows, size_t max)
{
    int32_t first;
    size_t n = ly_report_months(rep, &first);
    int64_t ci = 0, cr = 0, ce = 0;
    for (size_t i = 0; i < n && i < max; i++) {
        const ly_report_month *m = ly_report_month_at(rep, i);
        ci += issued(m), cr += m->redeemed - m->redemption_reversed, ce += m->expired;
        rows[i] = (row){ m, pv, ci, cr, ce };
    }
    return n < max ? n : max;
}

static void month_name(const ly_report *rep, size_t i, char *buf, size_t len)
{
    int32_t first;
    ly_report_months(rep, &first);
    int32_t m = first + (int32_t)i;
    snprintf(buf, len, "%04d-%02d", m / 12, m % 12 + 1);
}

/* Totals over the months: flows summed, stocks and rates at the end. */
static double total(const figure *f, const row *rows, size_t n)
{
    if (!n)
        return 0;
    int stock = f->k == K_PCT || f->get == f_outstanding || f->get == f_liability || f->get == f_basic ||
                f->get == f_silver || f->get == f_gold || f->get == f_diamond;
    if (f->get == f_cost || f->get == f_conversion) { /* ratios of the sums */
        double num = 0, den = 0;
        for (size_t i = 0; i < n; i++) {
            if (f->get == f_cost)
                num += (double)issued(rows[i].m) * rows[i].pv,
                den += (rows[i].m->sales_minor - rows[i].m->refunds_minor) / 100.0;
            else
                num += (double)rows[i].m->winbacks, den += (double)rows[i].m->alerts[2];
        }
        return den > 0 ? 100.0 * num / den : 0;
    }
    if (stock)
        return f->get(&rows[n - 1]);
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += f->get(&rows[i]);
    return s;
}

static void put_value(FILE *out, kind k, double v)
{
    if (k == K_INT)
        fprintf(out, "%.0f", v);
    else
        fprintf(out, "%.2f", v);
}

#define MAXROWS LY_REPORT_MAX_MONTHS

typedef struct { row a[MAXROWS], b[MAXROWS]; size_t na, nb; } rows2;

static void load_rows(const ly_report_view *v, rows2 *r)
{
    r->na = rows_of(v->a, v->point_value, r->a, MAXROWS);
    r->nb = v->b ? rows_of(v->b, v->point_value, r->b, MAXROWS) : 0;
}

static void md_monthly(FILE *out, const ly_report *rep, const row *rows, size_t n, const char *title,
                       size_t from, size_t to)
{
    char month[16];
    fprintf(out, "\n### %s\n\n| month |", title);
    for (size_t f = from; f < to; f++)
        fprintf(out, " %s |", figures[f].label);
    fprintf(out, "\n| --- |");
    for (size_t f = from; f < to; f++)
        fprintf(out, " ---: |");
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        month_name(rep, i, month, sizeof month);
        fprintf(out, "| %s |", month);
        for (size_t f = from; f < to; f++) {
            fputc(' ', out);
            put_value(out, figures[f].k, figures[f].get(&rows[i]));
            fprintf(out, " |");
        }
        fputc('\n', out);
    }
}

static void md_at_risk(FILE *out, const ly_report *rep, const char *name)
{
    const ly_report_at_risk *top;
    size_t n = ly_report_top_at_risk(rep, &top);
    if (!n)
        return;
    fprintf(out, "\n### Members at risk, by CLV (%s): the win-back budget's first calls\n\n"
                 "| member | HIGH alert at (ms) | CLV |\n| --- | ---: | ---: |\n", name);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "| %s | %lld | %.2f |\n", top[i].member_id, (long long)top[i].detected_at, top[i].clv);
}

static void md_campaigns(FILE *out, const ly_report *rep, double pv, const char *name)
{
    size_t n = ly_report_campaigns(rep);
    if (!n)
        return;
    fprintf(out, "\n### Campaigns (%s)\n\n| campaign | members reached | uses | points | cost |\n| --- | ---: | ---: | ---: | ---: |\n",
            name);
    for (size_t i = 0; i < n; i++) {
        const ly_report_campaign *c = ly_report_campaign_at(rep, i);
        fprintf(out, "| %s | %lld | %lld | %lld | %.2f |\n", c->id, (long long)c->members, (long long)c->uses,
                (long long)c->points, (double)c->points * pv);
    }
}

int ly_report_write_markdown(const ly_report_view *v, FILE *out)
{
    static rows2 r;
    load_rows(v, &r);
    fprintf(out, "# Loyalty program report\n\nPoint value: %g per point. Members: %s %lld", v->point_value, v->name_a,
            (long long)ly_report_members(v->a));
    if (v->b)
        fprintf(out, ", %s %lld", v->name_b, (long long)ly_report_members(v->b));
    fprintf(out, ". Flows are summed over the months; balances, members and rates are at the end.\n\n## Totals\n\n");
    fprintf(out, v->b ? "| figure | %s | %s | difference |\n| --- | ---: | ---: | ---: |\n" : "| figure | %s |\n| --- | ---: |\n",
            v->name_a, v->name_b);
    for (size_t f = 0; f < NF; f++) {
        double ta = total(&figures[f], r.a, r.na);
        fprintf(out, "| %s | ", figures[f].label);
        put_value(out, figures[f].k, ta);
        if (v->b) {
            double tb = total(&figures[f], r.b, r.nb);
            fprintf(out, " | ");
            put_value(out, figures[f].k, tb);
            fprintf(out, " | %+.2f", tb - ta);
        }
        fprintf(out, " |\n");
    }
    const ly_report *reps[2] = { v->a, v->b };
    const row *rows[2] = { r.a, r.b };
    size_t ns[2] = { r.na, r.nb };
    const char *names[2] = { v->name_a, v->name_b };
    for (int k = 0; k < (v->b ? 2 : 1); k++) {
        char title[160];
        fprintf(out, "\n## By month: %s\n", names[k]);
        snprintf(title, sizeof title, "Points and money (%s)", names[k]);
        md_monthly(out, reps[k], rows[k], ns[k], title, 0, 16);
        snprintf(title, sizeof title, "Members, tiers and churn (%s)", names[k]);
        md_monthly(out, reps[k], rows[k], ns[k], title, 16, NF);
        md_campaigns(out, reps[k], v->point_value, names[k]);
        md_at_risk(out, reps[k], names[k]);
    }
    return ferror(out) ? -1 : 0;
}

static void json_run(ly_buf *b, const ly_report *rep, const row *rows, size_t n, const char *name, double pv)
{
    char month[16];
    ly_buf_printf(b, "{\"name\":");
    ly_buf_json_string(b, name, strlen(name));
    ly_buf_printf(b, ",\"members\":%lld,\"totals\":{", (long long)ly_report_members(rep));
    for (size_t f = 0; f < NF; f++) {
        ly_buf_printf(b, "%s\"%s\":", f ? "," : "", figures[f].key);
        ly_buf_json_double(b, total(&figures[f], rows, n));
    }
    ly_buf_printf(b, "},\"months\":[");
    for (size_t i = 0; i < n; i++) {
        month_name(rep, i, month, sizeof month);
        ly_buf_printf(b, "%s{\"month\":\"%s\"", i ? "," : "", month);
        for (size_t f = 0; f < NF; f++) {
            ly_buf_printf(b, ",\"%s\":", figures[f].key);
            ly_buf_json_double(b, figures[f].get(&rows[i]));
        }
        ly_buf_printf(b, "}");
    }
    const ly_report_at_risk *top;
    size_t n_top = ly_report_top_at_risk(rep, &top);
    ly_buf_printf(b, "],\"at_risk_by_clv\":[");
    for (size_t i = 0; i < n_top; i++) {
        ly_buf_printf(b, "%s{\"member_id\":", i ? "," : "");
        ly_buf_json_string(b, top[i].member_id, strlen(top[i].member_id));
        ly_buf_printf(b, ",\"detected_at\":%lld,\"clv\":", (long long)top[i].detected_at);
        ly_buf_json_double(b, top[i].clv);
        ly_buf_printf(b, "}");
    }
    ly_buf_printf(b, "],\"campaigns\":[");
    for (size_t i = 0; i < ly_report_campaigns(rep); i++) {
        const ly_report_campaign *c = ly_report_campaign_at(rep, i);
        ly_buf_printf(b, "%s{\"id\":", i ? "," : "");
        ly_buf_json_string(b, c->id, strlen(c->id));
        ly_buf_printf(b, ",\"members_reached\":%lld,\"uses\":%lld,\"points\":%lld,\"cost\":", (long long)c->members,
                      (long long)c->uses, (long long)c->points);
        ly_buf_json_double(b, (double)c->points * pv);
        ly_buf_printf(b, "}");
    }
    ly_buf_printf(b, "]}");
}

static int json_doc(const ly_report_view *v, ly_buf *b)
{
    static rows2 r;
    load_rows(v, &r);
    ly_buf_printf(b, "{\"point_value\":");
    ly_buf_json_double(b, v->point_value);
    ly_buf_printf(b, ",\"runs\":[");
    json_run(b, v->a, r.a, r.na, v->name_a, v->point_value);
    if (v->b) {
        ly_buf_printf(b, ",");
        json_run(b, v->b, r.b, r.nb, v->name_b, v->point_value);
        ly_buf_printf(b, "],\"difference\":{");
        for (size_t f = 0; f < NF; f++) {
            ly_buf_printf(b, "%s\"%s\":", f ? "," : "", figures[f].key);
            ly_buf_json_double(b, total(&figures[f], r.b, r.nb) - total(&figures[f], r.a, r.na));
        }
        ly_buf_printf(b, "}}");
    } else {
        ly_buf_printf(b, "]}");
    }
    return b->oom ? -1 : 0;
}

int ly_report_write_json(const ly_report_view *v, FILE *out)
{
    ly_buf b = {0};
    int rc = json_doc(v, &b);
    if (rc == 0)
        fprintf(out, "%s\n", b.data);
    ly_buf_free(&b);
    return rc < 0 || ferror(out) ? -1 : 0;
}

int ly_report_write_csv(const ly_report_view *v, FILE *out)
{
    static rows2 r;
    load_rows(v, &r);
    char month[16];
    fprintf(out, "run,month");
    for (size_t f = 0; f < NF; f++)
        fprintf(out, ",%s", figures[f].key);
    fputc('\n', out);
    const ly_report *reps[2] = { v->a, v->b };
    const row *rows[2] = { r.a, r.b };
    size_t ns[2] = { r.na, r.nb };
    const char *names[2] = { v->name_a, v->name_b };
    for (int k = 0; k < (v->b ? 2 : 1); k++)
        for (size_t i = 0; i < ns[k]; i++) {
            month_name(reps[k], i, month, sizeof month);
            fprintf(out, "\"%s\",%s", names[k], month);
            for (size_t f = 0; f < NF; f++) {
                fputc(',', out);
                put_value(out, figures[f].k, figures[f].get(&rows[k][i]));
            }
            fputc('\n', out);
        }
    return ferror(out) ? -1 : 0;
}

/* The page: the figures as JSON, Chart.js inlined, five charts drawn by a
 * script that also reports, in the body's data attributes, how many charts
 * rendered with data and whether any script failed (the browser test reads
 * them). */
static const char page_script[] =
    "window.lyErrors=0;window.addEventListener('error',function(){window.lyErrors++;"
    "document.body.dataset.errors=window.lyErrors;});\n"
    "(function(){var R=JSON.parse(document.getElementById('report-data').textContent);\n"
    "var colors=['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b'];var drawn=0;\n"
    "function months(){return R.runs[0].months.map(function(m){return m.month;});}\n"
    "function series(run,key){var byMonth={};run.months.forEach(function(m){byMonth[m.month]=m[key];});"
    "return months().map(function(m){return byMonth[m]===undefined?0:byMonth[m];});}\n"
    "function chart(id,type,keys,stacked){var ds=[];var c=0;R.runs.forEach(function(run,ri){keys.forEach(function(k){"
    "ds.push({label:(R.runs.length>1?run.name+': ':'')+k[1],data:series(run,k[0]),backgroundColor:colors[c%6],"
    "borderColor:colors[c%6],stack:stacked?run.name:undefined,fill:false});c++;});});\n"
    "var ch=new Chart(document.getElementById(id),{type:type,data:{labels:months(),datasets:ds},"
    "options:{animation:false,responsive:false,scales:{x:{stacked:!!stacked},y:{stacked:!!stacked}}}});\n"
    "var points=ch.getDatasetMeta(0).data.length;if(points>0&&ds.length>0)drawn++;}\n"
    "chart('c-issued','bar',[['purchase_points','purchase'],['engagement_points','engagement'],"
    "['campaign_points','campaigns'],['bonus_points','bonuses'],['released_points','released']],true);\n"
    "chart('c-liability','line',[['liability','liability'],['net_sales','net sales']]);\n"
    "chart('c-rates','line',[['redemption_rate_pct','redemption %'],['breakage_pct','breakage %'],"
    "['cost_pct_of_sales','cost % of sales']]);\n"
    "chart('c-tiers','bar',[['members_basic','BASIC'],['members_silver','SILVER'],['members_gold','GOLD'],"
    "['members_diamond','DIAMOND']],true);\n"
    "chart('c-churn','bar',[['alerts_medium','MEDIUM alerts'],['alerts_high','HIGH alerts'],['win_backs','win-backs']]);\n"
    "document.body.dataset.charts=drawn;document.body.dataset.errors=window.lyErrors;})();\n";

static void html_text(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '<')
            fputs("&lt;", out);
        else if (c == '>')
            fputs("&gt;", out);
        else if (c == '&')
            fputs("&amp;", out);
        else
            fputc(c, out);
    }
}

int ly_report_write_html(const ly_report_view *v, const char *chartjs, size_t chartjs_len, FILE *out)
{
    ly_buf data = {0};
    if (json_doc(v, &data) < 0) {
        ly_buf_free(&data);
        return -1;
    }
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<title>Loyalty program report</title>\n<style>body{font-family:sans-serif;margin:2em}"
                 "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
                 "canvas{margin:1em 0}</style>\n");
    /* Chart.js, inlined: the page works offline (no CDN). */
    fputs("<script>\n", out);
    fwrite(chartjs, 1, chartjs_len, out);
    fputs("\n</script>\n</head><body data-charts=\"0\" data-errors=\"0\">\n<h1>Loyalty program report</h1>\n", out);
    fputs("<p>", out);
    html_text(out, v->name_a, strlen(v->name_a));
    if (v->b) {
        fputs(" compared with ", out);
        html_text(out, v->name_b, strlen(v->name_b));
    }
    fprintf(out, ". Point value %g per point.</p>\n", v->point_value);
    static const char *const charts[5][2] = { { "c-issued", "Points issued by kind" },
                                              { "c-liability", "Outstanding liability and net sales" },
                                              { "c-rates", "Redemption rate, breakage, cost (% of sales)" },
                                              { "c-tiers", "Members by tier (month end)" },
                                              { "c-churn", "Churn alerts and win-backs" } };
    for (int i = 0; i < 5; i++)
        fprintf(out, "<h2>%s</h2>\n<canvas id=\"%s\" width=\"900\" height=\"320\"></canvas>\n", charts[i][1],
                charts[i][0]);
    fputs("<h2>Tables</h2>\n<pre>\n", out);
    /* The Markdown tables, as text: readable, and copyable into a PR. */
    char *md = NULL;
    size_t mdlen = 0;
    FILE *mem = open_memstream(&md, &mdlen);
    if (!mem || ly_report_write_markdown(v, mem) < 0 || fclose(mem) != 0) {
        free(md);
        ly_buf_free(&data);
        return -1;
    }
    html_text(out, md, mdlen);
    free(md);
    fputs("</pre>\n<script type=\"application/json\" id=\"report-data\">", out);
    /* "</" cannot appear in the JSON of ids we wrote, but escape it anyway. */
    for (size_t i = 0; i < data.len; i++) {
        if (data.data[i] == '<')
            fputs("\\u003c", out);
        else
            fputc(data.data[i], out);
    }
    fputs("</script>\n<script>\n", out);
    fputs(page_script, out);
    fputs("</script>\n</body></html>\n", out);
    ly_buf_free(&data);
    return ferror(out) ? -1 : 0;
}
