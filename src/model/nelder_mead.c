#include <math.h>
#include <string.h>
#include "ly_nelder_mead.h"

int ly_nelder_mead(double (*fn)(void *ctx, const double *u), void *ctx, int n, double *u, double *best,
                   int max_iter, double rel_tol)
{
    double s[LY_NM_MAX_DIM + 1][LY_NM_MAX_DIM], f[LY_NM_MAX_DIM + 1];
    size_t row = (size_t)n * sizeof(double);
    for (int i = 0; i <= n; i++) {
        memcpy(s[i], u, row);
        if (i)
            s[i][i - 1] += 0.5;
        f[i] = fn(ctx, s[i]);
    }
    int it;
    for (it = 0; it < max_iter; it++) {
        /* order: s[0] best, s[n] worst */
        for (int i = 1; i <= n; i++)
            for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
                double t = f[j];
                f[j] = f[j - 1], f[j - 1] = t;
                for (int k = 0; k < n; k++) {
                    double v = s[j][k];
                    s[j][k] = s[j - 1][k], s[j - 1][k] = v;
                }
            }
        double spread = 0;
        for (int i = 1; i <= n; i++)
            for (int k = 0; k < n; k++)
                spread = fmax(spread, fabs(s[i][k] - s[0][k]));
        if (fabs(f[n] - f[0]) <= rel_tol * fabs(f[0]) && spread < 1e-9)
            break;
        double c[LY_NM_MAX_DIM] = { 0 }, xr[LY_NM_MAX_DIM], xe[LY_NM_MAX_DIM], xc[LY_NM_MAX_DIM];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                c[k] += s[i][k] / (double)n;
        for (int k = 0; k < n; k++)
            xr[k] = c[k] + (c[k] - s[n][k]);
        double fr = fn(ctx, xr);
        if (fr < f[0]) {
            for (int k = 0; k < n; k++)
                xe[k] = c[k] + 2.0 * (xr[k] - c[k]);
            double fe = fn(ctx, xe);
            memcpy(s[n], fe < fr ? xe : xr, row);
            f[n] = fe < fr ? fe : fr;
        } else if (fr < f[n - 1]) {
            memcpy(s[n], xr, row);
            f[n] = fr;
        } else {
            int outside = fr < f[n];
            for (int k = 0; k < n; k++)
                xc[k] = outside ? c[k] + 0.5 * (xr[k] - c[k]) : c[k] + 0.5 * (s[n][k] - c[k]);
            double fc = fn(ctx, xc);
            if (fc < (outside ? fr : f[n])) {
                memcpy(s[n], xc, row);
                f[n] = fc;
            } else {
                for (int i = 1; i <= n; i++) {
                    for (int k = 0; k < n; k++)
                        s[i][k] = s[0][k] + 0.5 * (s[i][k] - s[0][k]);
                    f[i] = fn(ctx, s[i]);
                }
            }
        }
    }
    int bi = 0;
    for (int i = 1; i <= n; i++)
        if (f[i] < f[bi])
            bi = i;
    memcpy(u, s[bi], row);
    *best = f[bi];
    return it;
}
