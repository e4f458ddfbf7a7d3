/* Fit cost at scale and parameter recovery: simulates MEMBERS customers from
 * the BG/NBD process with the CDNOW parameters (T uniform in 27..39 weeks,
 * times on whole days, as loyalty fit sees them), groups them into patterns,
 * fits, and prints the time of each step and the recovered parameters.
 *
 *   bench_fit [MEMBERS]   (default 1000000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "ly_bgnbd.h"

static uint64_t state = 88172645463325252ULL;
static double unif(void)
{
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return ((double)(state >> 11) + 0.5) * 0x1.0p-53;
}

static double gamma_draw(double shape, double scale)
{
    if (shape < 1.0)
        return gamma_draw(shape + 1.0, scale) * pow(unif(), 1.0 / shape);
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif()), v = 1.0 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        if (log(unif()) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v * scale;
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long members = argc > 1 ? atol(argv[1]) : 1000000;
    const ly_bgnbd_params truth = { 0.243, 4.414, 0.793, 2.426 };
    ly_bgnbd_data d = {0};
    double t0 = now();
    for (long i = 0; i < members; i++) {
        double T = floor((27.0 + 12.0 * unif()) * 7.0) / 7.0;
        double lambda = gamma_draw(truth.r, 1.0 / truth.alpha);
        double x1 = gamma_draw(truth.a, 1.0), x2 = gamma_draw(truth.b, 1.0), p = x1 / (x1 + x2);
        double t = 0, last = 0;
        long x = 0;
        for (;;) {
            t += -log(unif()) / lambda;
            if (t > T)
                break;
            x++;
            last = t;
            if (unif() < p)
                break;
        }
        ly_bgnbd_add(&d, x, floor(last * 7.0) / 7.0, T);
    }
    double t1 = now();
    ly_bgnbd_fit fit;
    char err[256];
    if (ly_bgnbd_fit_data(&d, &fit, err, sizeof err) < 0) {
        fprintf(stderr, "bench_fit: %s\n", err);
        return 65;
    }
    double t2 = now();
    printf("%ld members -> %zu patterns: simulated and grouped in %.2f s, fitted in %.2f s "
           "(%d Nelder-Mead iterations, %d restarts)\n",
           members, d.n, t1 - t0, t2 - t1, fit.iterations, fit.restarts);
    printf("truth:   r=%.4f alpha=%.4f a=%.4f b=%.4f\n", truth.r, truth.alpha, truth.a, truth.b);
    printf("fitted:  r=%.4f alpha=%.4f a=%.4f b=%.4f  (SE %.4f %.4f %.4f %.4f)\n", fit.p.r, fit.p.alpha, fit.p.a,
           fit.p.b, fit.se.r, fit.se.alpha, fit.se.a, fit.se.b);
    ly_bgnbd_free(&d);
    return 0;
}
