/* The BG/NBD model (Fader, Hardie & Lee 2005): maximum-likelihood fit of
 * r, alpha, a, b on (x, t_x, T) data, and the conditional expectation of
 * future purchases. Pure numerics: no I/O. Time is in weeks. */
#ifndef LY_BGNBD_H
#define LY_BGNBD_H
#include <stddef.h>
#include <stdint.h>

typedef struct { double r, alpha, a, b; } ly_bgnbd_params;

/* Customers sharing a purchase pattern are fitted as one (count). */
typedef struct { int64_t x; double t_x, T; int64_t count; } ly_bgnbd_pattern;

typedef struct ly_bgnbd_data {
    ly_bgnbd_pattern *v;
    size_t n, cap;
    size_t *index, index_cap; /* pattern lookup; see ly_bgnbd_add */
    int64_t customers, repeaters;
} ly_bgnbd_data;

/* Adds one customer; equal patterns are merged. 0 or -1 on ENOMEM. */
int ly_bgnbd_add(ly_bgnbd_data *d, int64_t x, double t_x, double T);
void ly_bgnbd_free(ly_bgnbd_data *d);

typedef struct ly_bgnbd_fit {
    ly_bgnbd_params p;
    ly_bgnbd_params se;      /* standard errors from the numerical Hessian; NaN if singular */
    double log_likelihood;
    int iterations;          /* Nelder-Mead iterations over all restarts */
    int restarts;
} ly_bgnbd_fit;

/* Log-likelihood of the data at p (sum over patterns, times their counts). */
double ly_bgnbd_log_likelihood(const ly_bgnbd_data *d, const ly_bgnbd_params *p);

/* Maximises the likelihood over log-parameters with Nelder-Mead, from
 * several starting points, restarting each from its optimum until it stops
 * improving; converged when the simplex's log-likelihoods agree to 1e-10
 * (relative) and its vertices to 1e-9 in log-parameters. 0, or -1 with
 * errstr when the data cannot identify the model (nobody repeats). */
int ly_bgnbd_fit_data(const ly_bgnbd_data *d, ly_bgnbd_fit *out, char *errstr, size_t errlen);

/* P(alive | x, t_x, T). */
double ly_bgnbd_p_alive(const ly_bgnbd_params *p, int64_t x, double t_x, double T);
/* E[Y(t) | x, t_x, T]: expected purchases in the next t weeks (eq. 10). */
double ly_bgnbd_expected(const ly_bgnbd_params *p, int64_t x, double t_x, double T, double t);
/* Gauss hypergeometric 2F1(a, b; c; z) for 0 <= z < 1, by its series, or by
 * Euler's transformation when the series would converge slowly. */
double ly_bgnbd_hyp2f1(double a, double b, double c, double z);

#endif
