#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "ly_grow.h"
#include "ly_gammagamma.h"

int ly_gg_add(ly_gg_data *d, int64_t x, double m_x)
{
    if (x < 1 || !(m_x > 0))
        return 0;
    ly_gg_customer *v = ly_grow(d->v, &d->cap, d->n, sizeof *v, 1024);
    if (!v)
        return -1;
    d->v = v;
    d->v[d->n++] = (ly_gg_customer){ x, m_x };
    return 0;
}

void ly_gg_free(ly_gg_data *d)
{
    free(d->v);
    *d = (ly_gg_data){0};
}

/* Fader & Hardie (2013), eq. 5: the density of m_x given x, with the
 * customer's transaction rate integrated out. */
double ly_gg_log_likelihood(const ly_gg_data *d, const ly_gg_params *p)
{
    double ll = 0;
    for (size_t i = 0; i < d->n; i++) {
        double x = (double)d->v[i].x, m = d->v[i].m_x, px = p->p * x;
        ll += lgamma(px + p->q) - lgamma(px) - lgamma(p->q) + p->q * log(p->gamma) + (px - 1) * log(m) +
              px * log(x) - (px + p->q) * log(p->gamma + m * x);
    }
    return ll;
}

static double objective(const ly_gg_data *d, const double u[3])
{
    ly_gg_params p = { exp(u[0]), exp(u[1]), exp(u[2]) };
    double ll = ly_gg_log_likelihood(d, &p);
    return isfinite(ll) ? -ll : HUGE_VAL;
}

/* Nelder-Mead in three log-parameters; returns iterations used. */
static int nelder_mead(const ly_gg_data *d, double u[3], double *best)
{
    double s[4][3], f[4];
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 3; k++)
            s[i][k] = u[k] + (i == k + 1 ? 0.5 : 0.0);
        f[i] = objective(d, s[i]);
    }
    int it = 0;
    for (; it < 5000; it++) {
        /* order: f[0] best .. f[3] worst */
        for (int i = 1; i < 4; i++)
            for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
                double tf = f[j];
                f[j] = f[j - 1], f[j - 1] = tf;
                for (int k = 0; k < 3; k++) {
                    double t = s[j][k];
                    s[j][k] = s[j - 1][k], s[j - 1][k] = t;
                }
            }
        double spread = 0;
        for (int i = 1; i < 4; i++)
            for (int k = 0; k < 3; k++)
                spread = fmax(spread, fabs(s[i][k] - s[0][k]));
        if (fabs(f[3] - f[0]) <= 1e-12 * fabs(f[0]) && spread < 1e-9)
            break;
        double c[3] = { 0, 0, 0 }, r[3], e[3], k2[3];
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++)
                c[k] += s[i][k] / 3.0;
        for (int k = 0; k < 3; k++)
            r[k] = c[k] + (c[k] - s[3][k]);
        double fr = objective(d, r);
        if (fr < f[0]) {
            for (int k = 0; k < 3; k++)
                e[k] = c[k] + 2.0 * (c[k] - s[3][k]);
            double fe = objective(d, e);
            const double *take = fe < fr ? e : r;
            for (int k = 0; k < 3; k++)
                s[3][k] = take[k];
            f[3] = fe < fr ? fe : fr;
        } else if (fr < f[2]) {
            for (int k = 0; k < 3; k++)
                s[3][k] = r[k];
            f[3] = fr;
        } else {
            for (int k = 0; k < 3; k++)
                k2[k] = c[k] + 0.5 * (s[3][k] - c[k]);
            double fc = objective(d, k2);
            if (fc < f[3]) {
                for (int k = 0; k < 3; k++)
                    s[3][k] = k2[k];
                f[3] = fc;
            } else {
                for (int i = 1; i < 4; i++) {
                    for (int k = 0; k < 3; k++)
                        s[i][k] = s[0][k] + 0.5 * (s[i][k] - s[0][k]);
                    f[i] = objective(d, s[i]);
                }
            }
        }
    }
    for (int k = 0; k < 3; k++)
        u[k] = s[0][k];
    *best = f[0];
    return it;
}

int ly_gg_fit_data(const ly_gg_data *d, ly_gg_fit *out, char *errstr, size_t errlen)
{
    if (d->n < 2) {
        snprintf(errstr, errlen, "Gamma-Gamma: %zu customers with repeat purchases; at least 2 are needed", d->n);
        return -1;
    }
    double mean = 0;
    for (size_t i = 0; i < d->n; i++)
        mean += d->v[i].m_x;
    mean /= (double)d->n;
    /* Start at p = 1, q = 2, gamma = the mean spend (E(M) = mean there). */
    double u[3] = { 0.0, log(2.0), log(mean) }, best = HUGE_VAL, prev;
    int iterations = 0;
    do {
        prev = best;
        iterations += nelder_mead(d, u, &best);
    } while (best < prev - 1e-10 * fabs(best) && iterations < 50000);
    out->p = (ly_gg_params){ exp(u[0]), exp(u[1]), exp(u[2]) };
    out->log_likelihood = -best;
    out->mean_m_x = mean;
    out->iterations = iterations;
    if (!(out->p.q > 1.0)) {
        snprintf(errstr, errlen, "Gamma-Gamma: q = %g <= 1: the spend has no finite mean under the fit", out->p.q);
        return -1;
    }
    return 0;
}

double ly_gg_expected_spend(const ly_gg_params *p, int64_t x, double m_x)
{
    double px = p->p * (double)x;
    return (p->gamma + m_x * (double)x) * p->p / (px + p->q - 1.0);
}

double ly_clv(const ly_bgnbd_params *bg, const ly_gg_params *gg, int64_t x, double t_x, double T, double m_x,
              int months, double monthly_discount)
{
    double spend = ly_gg_expected_spend(gg, x, x > 0 ? m_x : 0.0), clv = 0, before = 0;
    for (int i = 1; i <= months; i++) {
        double upto = ly_bgnbd_expected(bg, x, t_x, T, (double)i * 52.0 / 12.0);
        clv += (upto - before) * spend / pow(1.0 + monthly_discount, (double)i);
        before = upto;
    }
    return clv;
}
