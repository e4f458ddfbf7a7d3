#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "ly_grow.h"
#include "ly_gammagamma.h"
#include "ly_nelder_mead.h"

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

static double objective(void *ctx, const double *u)
{
    ly_gg_params p = { exp(u[0]), exp(u[1]), exp(u[2]) };
    double ll = ly_gg_log_likelihood(ctx, &p);
    return isfinite(ll) ? -ll : HUGE_VAL;
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
        iterations += ly_nelder_mead(objective, (void *)d, 3, u, &best, 5000, 1e-12);
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
