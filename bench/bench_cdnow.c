/* The churn science on the CDNOW data (Fader, Hardie & Lee 2005): fit on the
 * 39-week calibration period, then compare with the 39-week hold-out:
 *   1. predicted E[Y(39)|x,t_x,T] vs actual repeat purchases, in total and by
 *      calibration frequency x = 0..7+ (the paper's hold-out comparison);
 *   2. how well each churn rule, applied at the end of calibration, picks
 *      the customers who will not purchase in the hold-out: precision,
 *      recall, and how many it flags;
 *   3. member value: the Gamma-Gamma fit, and whether ranking the HIGH
 *      alerts by CLV captures more of their hold-out revenue than ranking
 *      them by recency alone (top 10% and 20%).
 * Prints Markdown tables; asserts nothing.
 *
 *   tests/data/cdnow/to_events.sh > cdnow.jsonl && bench_cdnow cdnow.jsonl
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_bgnbd.h"
#include "ly_gammagamma.h"
#include "ly_event.h"
#include "ly_file.h"
#include "ly_member.h"
#include "ly_time.h"

#define CAL_END 1759190400000LL /* 1997-09-30, moved 28 years like the converter */
#define HOLDOUT_WEEKS 39.0

typedef struct { uint64_t member; int64_t day, cents; } buy;
typedef struct {
    int64_t x, count, holdout;
    double t_x, T, recency_days, gap_days;
    double m_x, holdout_revenue, clv; /* currency units */
} cust;

static int by_member_day(const void *a, const void *b)
{
    const buy *x = a, *y = b;
    if (x->member != y->member)
        return x->member < y->member ? -1 : 1;
    return (x->day > y->day) - (x->day < y->day);
}

static size_t load(const char *path, cust **out)
{
    char err[256];
    size_t len, n = 0, cap = 8192;
    char *text = ly_read_file(path, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "bench_cdnow: %s\n", err);
        exit(66);
    }
    buy *v = malloc(cap * sizeof *v);
    ly_arena *arena = ly_arena_new();
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
        ly_event ev;
        if (ly_event_decode_json(p, strlen(p), LY_SRC_ANY, NULL, arena, &ev, NULL) || ev.type != LY_EV_PURCHASE)
            continue;
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = (buy){ ly_member_key(ev.member_id), ly_time_day(ev.occurred_at), ev.amount_minor };
    }
    qsort(v, n, sizeof *v, by_member_day);
    cust *c = calloc(n, sizeof *c);
    size_t k = 0;
    int64_t end_day = ly_time_day(CAL_END), hold_end = end_day + (int64_t)(HOLDOUT_WEEKS * 7);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int64_t first = v[i].day, last = first, prev = -1, cal = 0, hold = 0, repeat_cents = 0, hold_cents = 0;
        for (; j < n && v[j].member == v[i].member; j++) {
            /* A day's purchases are one transaction; its value is their sum. */
            if (v[j].day <= end_day && v[j].day != first)
                repeat_cents += v[j].cents;
            else if (v[j].day > end_day && v[j].day <= hold_end)
                hold_cents += v[j].cents;
            if (v[j].day == prev)
                continue;
            prev = v[j].day;
            if (v[j].day <= end_day) {
                cal++;
                last = v[j].day;
            } else if (v[j].day <= hold_end) {
                hold++;
            }
        }
        if (cal > 0 && first <= end_day) {
            cust *cu = &c[k++];
            cu->x = cal - 1;
            cu->count = cal;
            cu->t_x = (double)(last - first) / 7.0;
            cu->T = (double)(end_day - first) / 7.0;
            cu->holdout = hold;
            cu->recency_days = (double)(end_day - last);
            cu->gap_days = cal >= 3 ? (double)(last - first) / (double)(cal - 1) : 30.0;
            cu->m_x = cal > 1 ? (double)repeat_cents / 100.0 / (double)(cal - 1) : 0.0;
            cu->holdout_revenue = (double)hold_cents / 100.0;
        }
        i = j;
    }
    free(v);
    free(text);
    ly_arena_destroy(arena);
    *out = c;
    return k;
}

typedef struct { const char *name; long flagged, right; } rule;

static int by_clv(const void *a, const void *b)
{
    const cust *x = *(const cust *const *)a, *y = *(const cust *const *)b;
    return (x->clv < y->clv) - (x->clv > y->clv);
}

static int by_recency(const void *a, const void *b)
{
    const cust *x = *(const cust *const *)a, *y = *(const cust *const *)b;
    return (x->recency_days > y->recency_days) - (x->recency_days < y->recency_days);
}

static double captured(cust **v, size_t n, double share)
{
    size_t top = (size_t)ceil(share * (double)n);
    double got = 0, all = 0;
    for (size_t i = 0; i < n; i++) {
        all += v[i]->holdout_revenue;
        if (i < top)
            got += v[i]->holdout_revenue;
    }
    return all > 0 ? got / all : 0;
}

/* Gamma-Gamma on the calibration's repeat customers, then the HIGH alerts at
 * the end of calibration ranked two ways. */
static void value_tables(cust *c, size_t n, const ly_bgnbd_params *bg)
{
    ly_gg_data gd = {0};
    for (size_t i = 0; i < n; i++)
        ly_gg_add(&gd, c[i].x, c[i].m_x);
    ly_gg_fit gf;
    char err[256];
    if (ly_gg_fit_data(&gd, &gf, err, sizeof err) < 0) {
        fprintf(stderr, "bench_cdnow: %s\n", err);
        ly_gg_free(&gd);
        return;
    }
    printf("Gamma-Gamma on the calibration's repeat customers (%zu, mean m_x = %.2f): p = %.4f, q = %.4f, "
           "gamma = %.4f, log-likelihood %.3f\n\n", gd.n, gf.mean_m_x, gf.p.p, gf.p.q, gf.p.gamma, gf.log_likelihood);
    cust **high = malloc(n * sizeof *high);
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        c[i].clv = ly_clv(bg, &gf.p, c[i].x, c[i].t_x, c[i].T, c[i].m_x, 12, 0.01);
        if (c[i].recency_days >= fmax(30.0, 3.0 * c[i].gap_days))
            high[h++] = &c[i];
    }
    printf("HIGH alerts at the end of calibration (%zu customers): share of their hold-out revenue "
           "(weeks 40-78) captured by the top of each ranking\n\n", h);
    printf("| ranking | top 10%% | top 20%% |\n| --- | --- | --- |\n");
    qsort(high, h, sizeof *high, by_clv);
    double c10 = captured(high, h, 0.1), c20 = captured(high, h, 0.2);
    qsort(high, h, sizeof *high, by_recency);
    printf("| CLV (12 months, 1%% a month), highest first | %.1f%% | %.1f%% |\n", 100 * c10, 100 * c20);
    printf("| recency, most recent purchase first | %.1f%% | %.1f%% |\n\n", 100 * captured(high, h, 0.1),
           100 * captured(high, h, 0.2));
    free(high);
    ly_gg_free(&gd);
}

static void score(rule *r, int flag, const cust *c)
{
    if (!flag)
        return;
    r->flagged++;
    r->right += c->holdout == 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_cdnow CDNOW_EVENTS.jsonl (from tests/data/cdnow/to_events.sh)\n");
        return 64;
    }
    cust *c;
    size_t n = load(argv[1], &c);
    ly_bgnbd_data d = {0};
    for (size_t i = 0; i < n; i++)
        ly_bgnbd_add(&d, c[i].x, c[i].t_x, c[i].T);
    ly_bgnbd_fit fit;
    char err[256];
    if (ly_bgnbd_fit_data(&d, &fit, err, sizeof err) < 0) {
        fprintf(stderr, "bench_cdnow: %s\n", err);
        return 65;
    }
    printf("Fit on the calibration period (%zu customers, %zu patterns): r = %.6f, alpha = %.6f, a = %.6f, "
           "b = %.6f, LL = %.4f (paper: 0.243, 4.414, 0.793, 2.426, -9582.4)\n\n",
           n, d.n, fit.p.r, fit.p.alpha, fit.p.a, fit.p.b, fit.log_likelihood);

    double pred[8] = {0}, act[8] = {0}, tot_pred = 0, tot_act = 0;
    long cnt[8] = {0};
    for (size_t i = 0; i < n; i++) {
        int g = c[i].x < 7 ? (int)c[i].x : 7;
        double e = ly_bgnbd_expected(&fit.p, c[i].x, c[i].t_x, c[i].T, HOLDOUT_WEEKS);
        pred[g] += e, act[g] += (double)c[i].holdout, cnt[g]++;
        tot_pred += e, tot_act += (double)c[i].holdout;
    }
    printf("Hold-out, weeks 40-78: repeat purchases, predicted E[Y(39)|x,t_x,T] vs actual\n\n");
    printf("| x in calibration | customers | predicted | actual | predicted per customer | actual per customer |\n");
    printf("| --- | --- | --- | --- | --- | --- |\n");
    for (int g = 0; g < 8; g++)
        printf("| %d%s | %ld | %.1f | %.0f | %.3f | %.3f |\n", g, g == 7 ? "+" : "", cnt[g], pred[g], act[g],
               cnt[g] ? pred[g] / (double)cnt[g] : 0.0, cnt[g] ? act[g] / (double)cnt[g] : 0.0);
    printf("| all | %zu | %.1f | %.0f | %.3f | %.3f |\n\n", n, tot_pred, tot_act, tot_pred / (double)n,
           tot_act / (double)n);

    for (int repeaters = 0; repeaters < 2; repeaters++) {
    rule rules[] = {
        { "PROGRAM.md HIGH inactivity: no purchase for max(30 d, 3 gaps)", 0, 0 },
        { "p_alive < 0.3", 0, 0 },
        { "p_alive < 0.5", 0, 0 },
        { "p_alive < 0.7", 0, 0 },
        { "fixed recency: no purchase for 90 days", 0, 0 },
    };
    long lapsed = 0, pool = 0;
    for (size_t i = 0; i < n; i++) {
        if (repeaters && c[i].x == 0)
            continue;
        pool++;
        double pa = ly_bgnbd_p_alive(&fit.p, c[i].x, c[i].t_x, c[i].T);
        lapsed += c[i].holdout == 0;
        score(&rules[0], c[i].recency_days >= fmax(30.0, 3.0 * c[i].gap_days), &c[i]);
        score(&rules[1], pa < 0.3, &c[i]);
        score(&rules[2], pa < 0.5, &c[i]);
        score(&rules[3], pa < 0.7, &c[i]);
        score(&rules[4], c[i].recency_days >= 90, &c[i]);
    }
    printf("Alert quality at the end of calibration, %s: who will not purchase in the hold-out "
           "(%ld of %ld customers, %.1f%%)\n\n", repeaters ? "customers who bought again in calibration (x > 0)"
                                                            : "all customers",
           lapsed, pool, 100.0 * (double)lapsed / (double)pool);
    printf("| rule | flagged | precision | recall |\n| --- | --- | --- | --- |\n");
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
        printf("| %s | %ld | %.3f | %.3f |\n", rules[r].name, rules[r].flagged,
               rules[r].flagged ? (double)rules[r].right / (double)rules[r].flagged : 0.0,
               (double)rules[r].right / (double)lapsed);
    printf("\n");
    }
    value_tables(c, n, &fit.p);
    ly_bgnbd_free(&d);
    free(c);
    return 0;
}
