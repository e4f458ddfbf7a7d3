/* The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005,
 * "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis"; Fader &
 * Hardie 2013, "The Gamma-Gamma Model of Monetary Value"): maximum-
 * likelihood fit of p, q, gamma on (x, m_x) for customers with x >= 1
 * repeat transactions of mean value m_x, the conditional expectation of a
 * customer's spend per transaction, and customer lifetime value with the
 * BG/NBD expected purchases. Pure numerics: no I/O. */
#ifndef LY_GAMMAGAMMA_H
#define LY_GAMMAGAMMA_H
#include <stddef.h>
#include <stdint.h>
#include "ly_bgnbd.h"

typedef struct { double p, q, gamma; } ly_gg_params;

typedef struct { int64_t x; double m_x; } ly_gg_customer;
typedef struct ly_gg_data {
    ly_gg_customer *v;
    size_t n, cap;
} ly_gg_data;

/* Adds a customer with x >= 1 repeat transactions of mean value m_x > 0
 * (others carry no information and are skipped). 0, or -1 on ENOMEM. */
int ly_gg_add(ly_gg_data *d, int64_t x, double m_x);
void ly_gg_free(ly_gg_data *d);

typedef struct ly_gg_fit {
    ly_gg_params p;
    double log_likelihood;
    double mean_m_x; /* over the customers fitted */
    int iterations;
} ly_gg_fit;

double ly_gg_log_likelihood(const ly_gg_data *d, const ly_gg_params *p);
/* Maximises the likelihood over log-parameters (Nelder-Mead, restarted from
 * its optimum until it stops improving). 0, or -1 with errstr when fewer
 * than two customers repeat, or q <= 1 (the mean spend would not exist). */
int ly_gg_fit_data(const ly_gg_data *d, ly_gg_fit *out, char *errstr, size_t errlen);

/* E(M | p, q, gamma, x, m_x): expected spend per transaction; with x = 0,
 * the population mean gamma p / (q - 1). */
double ly_gg_expected_spend(const ly_gg_params *p, int64_t x, double m_x);

/* CLV over `months` monthly steps: expected purchases in each month (BG/NBD,
 * time in weeks, a month = 52/12 weeks) times the expected spend,
 * discounted at `monthly_discount` per month (the i-th month by
 * (1 + d)^i). */
double ly_clv(const ly_bgnbd_params *bg, const ly_gg_params *gg, int64_t x, double t_x, double T, double m_x,
              int months, double monthly_discount);

#endif
