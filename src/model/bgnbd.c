/* BG/NBD likelihood, fit and expectations. Log-space throughout: lgamma for
 * the gamma ratios, log-sum-exp for the two terms of each customer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_bgnbd.h"
#include "ly_nelder_mead.h"

static uint64_t pattern_hash(int64_t x, double t_x, double T)
{
    uint64_t a, b;
    memcpy(&a, &t_x, 8);
    memcpy(&b, &T, 8);
    uint64_t h = (uint64_t)x * 0x9E3779B97F4A7C15ULL ^ a * 0xC2B2AE3D27D4EB4FULL ^ b * 0x165667B19E3779F9ULL;
    return h ^ (h >> 31);
}

/* Patterns are found through an open-addressing index (slot = pattern + 1),
 * so grouping a million customers stays linear. */
static int reindex(ly_bgnbd_data *d, size_t cap)
{
    size_t *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return -1;
    for (size_t i = 0; i < d->n; i++) {
        size_t j = (size_t)pattern_hash(d->v[i].x, d->v[i].t_x, d->v[i].T) & (cap - 1);
        while (idx[j])
            j = (j + 1) & (cap - 1);
        idx[j] = i + 1;
    }
    free(d->index);
    d->index = idx;
    d->index_cap = cap;
    return 0;
}

int ly_bgnbd_add(ly_bgnbd_data *d, int64_t x, double t_x, double T)
{
    if ((d->n + 1) * 2 > d->index_cap && reindex(d, d->index_cap ? d->index_cap * 2 : 1024) < 0)
        return -1;
    size_t j = (size_t)pattern_hash(x, t_x, T) & (d->index_cap - 1);
    for (; d->index[j]; j = (j + 1) & (d->index_cap - 1)) {
        ly_bgnbd_pattern *p = &d->v[d->index[j] - 1];
        if (p->x == x && p->t_x == t_x && p->T == T) {
            p->count++;
            goto counted;
        }
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        ly_bgnbd_pattern *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return -1;
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = (ly_bgnbd_pattern){ x, t_x, T, 1 };
    d->index[j] = d->n;
counted:
    d->customers++;
    d->repeaters += x > 0;
    return 0;
}

void ly_bgnbd_free(ly_bgnbd_data *d)
{
    free(d->v);
    free(d->index);
    memset(d, 0, sizeof *d);
}

/* FHL (2005) eq. 6, in logs: L = A1 * A2 * (A3 + [x>0] A4). */
static double pattern_ll(const ly_bgnbd_params *p, const ly_bgnbd_pattern *c)
{
    double x = (double)c->x, r = p->r, al = p->alpha, a = p->a, b = p->b;
    double a1 = lgamma(r + x) - lgamma(r) + r * log(al);
    double a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
    double a3 = -(r + x) * log(al + c->T);
    if (c->x == 0)
        return a1 + a2 + a3;
    double a4 = log(a) - log(b + x - 1.0) - (r + x) * log(al + c->t_x);
    double hi = fmax(a3, a4);
    return a1 + a2 + hi + log(exp(a3 - hi) + exp(a4 - hi));
}

double ly_bgnbd_log_likelihood(const ly_bgnbd_data *d, const ly_bgnbd_params *p)
{
    double ll = 0;
    for (size_t i = 0; i < d->n; i++)
        ll += (double)d->v[i].count * pattern_ll(p, &d->v[i]);
    return ll;
}

/* ---- the same likelihood, prepared for many evaluations ----
 * A fit evaluates the likelihood thousands of times over up to a million
 * patterns, but x, T and t_x take few distinct values (whole days): the
 * gamma terms are computed once per x and the logs once per T or t_x. */

typedef struct {
    const ly_bgnbd_data *d;
    int64_t max_x;
    double *ts;          /* distinct T and t_x values, sorted */
    size_t nts;
    uint32_t *ti, *txi;  /* per pattern: index of its T and t_x in ts */
    double *gx, *hx, *logt; /* scratch: per x, per x, per distinct time */
} prepared;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint32_t time_index(const prepared *pr, double t)
{
    size_t lo = 0, hi = pr->nts;
    while (lo + 1 < hi) {
        size_t mid = (lo + hi) / 2;
        if (pr->ts[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

static void prepared_free(prepared *pr)
{
    free(pr->ts);
    free(pr->ti);
    free(pr->txi);
    free(pr->gx);
    free(pr->hx);
    free(pr->logt);
}

static int prepare(prepared *pr, const ly_bgnbd_data *d)
{
    memset(pr, 0, sizeof *pr);
    pr->d = d;
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].x > pr->max_x)
            pr->max_x = d->v[i].x;
    pr->ts = malloc(2 * d->n * sizeof *pr->ts);
    pr->ti = malloc(d->n * sizeof *pr->ti);
    pr->txi = malloc(d->n * sizeof *pr->txi);
    pr->gx = malloc(((size_t)pr->max_x + 1) * sizeof *pr->gx);
    pr->hx = malloc(((size_t)pr->max_x + 1) * sizeof *pr->hx);
    if (!pr->ts || !pr->ti || !pr->txi || !pr->gx || !pr->hx)
        return -1;
    for (size_t i = 0; i < d->n; i++)
        pr->ts[2 * i] = d->v[i].T, pr->ts[2 * i + 1] = d->v[i].t_x;
    qsort(pr->ts, 2 * d->n, sizeof *pr->ts, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < 2 * d->n; i++)
        if (u == 0 || pr->ts[i] != pr->ts[u - 1])
            pr->ts[u++] = pr->ts[i];
    pr->nts = u;
    if (!(pr->logt = malloc(u * sizeof *pr->logt)))
        return -1;
    for (size_t i = 0; i < d->n; i++) {
        pr->ti[i] = time_index(pr, d->v[i].T);
        pr->txi[i] = time_index(pr, d->v[i].t_x);
    }
    return 0;
}

static double prepared_ll(prepared *pr, const ly_bgnbd_params *p)
{
    double r = p->r, al = p->alpha, a = p->a, b = p->b;
    double base = -lgamma(r) + r * log(al) + lgamma(a + b) - lgamma(b);
    for (int64_t x = 0; x <= pr->max_x; x++) {
        double xd = (double)x;
        pr->gx[x] = base + lgamma(r + xd) + lgamma(b + xd) - lgamma(a + b + xd);
        pr->hx[x] = x > 0 ? log(a) - log(b + xd - 1.0) : 0;
    }
    for (size_t i = 0; i < pr->nts; i++)
        pr->logt[i] = log(al + pr->ts[i]);
    double ll = 0;
    const ly_bgnbd_data *d = pr->d;
    for (size_t i = 0; i < d->n; i++) {
        const ly_bgnbd_pattern *c = &d->v[i];
        double rx = r + (double)c->x, a3 = -rx * pr->logt[pr->ti[i]], term;
        if (c->x == 0) {
            term = a3;
        } else {
            double a4 = pr->hx[c->x] - rx * pr->logt[pr->txi[i]], hi = fmax(a3, a4);
            term = hi + log(exp(a3 - hi) + exp(a4 - hi));
        }
        ll += (double)c->count * (pr->gx[c->x] + term);
    }
    return ll;
}

/* ---- Nelder-Mead on log-parameters (minimising -LL) ---- */

static double objective(void *ctx, const double *u)
{
    ly_bgnbd_params p = { exp(u[0]), exp(u[1]), exp(u[2]), exp(u[3]) };
    double ll = prepared_ll(ctx, &p);
    return isfinite(ll) ? -ll : HUGE_VAL;
}

/* Standard errors: the inverse of minus the Hessian of LL in the original
 * parameters, by central differences, inverted by Gauss-Jordan. */
static void standard_errors(const ly_bgnbd_data *d, const ly_bgnbd_params *p, ly_bgnbd_params *se)
{
    double v[4] = { p->r, p->alpha, p->a, p->b }, h[4], H[4][8];
    for (int i = 0; i < 4; i++)
        h[i] = 1e-4 * v[i];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double q[4], f[4];
            static const int si[4] = { 1, 1, -1, -1 }, sj[4] = { 1, -1, 1, -1 };
            for (int k = 0; k < 4; k++) {
                memcpy(q, v, sizeof q);
                q[i] += si[k] * h[i];
                q[j] += sj[k] * h[j];
                ly_bgnbd_params pp = { q[0], q[1], q[2], q[3] };
                f[k] = ly_bgnbd_log_likelihood(d, &pp);
            }
            H[i][j] = -(f[0] - f[1] - f[2] + f[3]) / (4 * h[i] * h[j]);
            H[i][j + 4] = i == j;
        }
    double *out[4] = { &se->r, &se->alpha, &se->a, &se->b };
    for (int c = 0; c < 4; c++) {
        int piv = c;
        for (int r = c + 1; r < 4; r++)
            if (fabs(H[r][c]) > fabs(H[piv][c]))
                piv = r;
        if (fabs(H[piv][c]) < 1e-300) {
            for (int k = 0; k < 4; k++)
                *out[k] = NAN;
            return;
        }
        for (int k = 0; k < 8; k++) {
            double t = H[c][k];
            H[c][k] = H[piv][k], H[piv][k] = t;
        }
        double dv = H[c][c];
        for (int k = 0; k < 8; k++)
            H[c][k] /= dv;
        for (int r = 0; r < 4; r++)
            if (r != c) {
                double m = H[r][c];
                for (int k = 0; k < 8; k++)
                    H[r][k] -= m * H[c][k];
            }
    }
    for (int k = 0; k < 4; k++)
        *out[k] = H[k][k + 4] > 0 ? sqrt(H[k][k + 4]) : NAN;
}

int ly_bgnbd_fit_data(const ly_bgnbd_data *d, ly_bgnbd_fit *out, char *errstr, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (d->customers == 0 || d->repeaters == 0) {
        snprintf(errstr, errlen, "%lld customers, none with a repeat purchase: the BG/NBD model cannot be "
                 "identified (it needs customers who bought again)", (long long)d->customers);
        return -1;
    }
    /* Starting points: the textbook neighbourhood, and spreads around it. */
    static const double starts[][4] = {
        { 1, 1, 1, 1 }, { 0.25, 4, 0.8, 2.5 }, { 0.1, 10, 0.2, 5 }, { 2, 0.5, 3, 10 },
    };
    prepared pr;
    if (prepare(&pr, d) < 0) {
        prepared_free(&pr);
        snprintf(errstr, errlen, "fit: out of memory");
        return -1;
    }
    double best = HUGE_VAL, best_u[4] = {0};
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        double u[4], f = HUGE_VAL, prev;
        for (int k = 0; k < 4; k++)
            u[k] = log(starts[s][k]);
        do { /* restart from the optimum until it stops moving */
            prev = f;
            out->iterations += ly_nelder_mead(objective, &pr, 4, u, &f, 5000, 1e-10);
            out->restarts++;
        } while (f < prev - 1e-9 * fabs(f) && out->restarts < 100);
        if (f < best) {
            best = f;
            memcpy(best_u, u, sizeof u);
        }
    }
    prepared_free(&pr);
    out->p = (ly_bgnbd_params){ exp(best_u[0]), exp(best_u[1]), exp(best_u[2]), exp(best_u[3]) };
    out->log_likelihood = ly_bgnbd_log_likelihood(d, &out->p);
    standard_errors(d, &out->p, &out->se);
    return 0;
}

double ly_bgnbd_p_alive(const ly_bgnbd_params *p, int64_t x, double t_x, double T)
{
    if (x == 0)
        return 1.0;
    double xd = (double)x;
    return 1.0 / (1.0 + p->a / (p->b + xd - 1.0) * pow((p->alpha + T) / (p->alpha + t_x), p->r + xd));
}

static double series(double a, double b, double c, double z, int *converged)
{
    double term = 1, sum = 1;
    for (int n = 0; n < 200000; n++) {
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
        sum += term;
        if (fabs(term) < 1e-15 * fabs(sum)) {
            *converged = 1;
            return sum;
        }
    }
    *converged = 0;
    return sum;
}

double ly_bgnbd_hyp2f1(double a, double b, double c, double z)
{
    /* Euler: 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z). Its terms
     * shrink faster when c-a-b > 0 is large, so near z = 1 it is the one
     * to sum; try the plain series first where z is small. */
    int ok;
    if (z < 0.5) {
        double s = series(a, b, c, z, &ok);
        if (ok)
            return s;
    }
    double e = series(c - a, c - b, c, z, &ok);
    if (ok)
        return pow(1.0 - z, c - a - b) * e;
    return series(a, b, c, z, &ok);
}

/* FHL (2005) eq. 10. */
double ly_bgnbd_expected(const ly_bgnbd_params *p, int64_t x, double t_x, double T, double t)
{
    double xd = (double)x, r = p->r, al = p->alpha, a = p->a, b = p->b;
    double z = t / (al + T + t);
    double f = ly_bgnbd_hyp2f1(r + xd, b + xd, a + b + xd - 1.0, z);
    double num = (a + b + xd - 1.0) / (a - 1.0) * (1.0 - pow((al + T) / (al + T + t), r + xd) * f);
    double den = 1.0 + (x > 0) * a / (b + xd - 1.0) * pow((al + T) / (al + t_x), r + xd);
    return num / den;
}
