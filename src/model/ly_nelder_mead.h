/* Nelder-Mead minimisation (reflection, expansion, inside and outside
 * contraction, shrink), for the models' likelihoods in log-parameters. */
#ifndef LY_NELDER_MEAD_H
#define LY_NELDER_MEAD_H

#define LY_NM_MAX_DIM 8

/* Minimises f from u (n <= LY_NM_MAX_DIM), a first simplex of steps 0.5;
 * stops when the simplex's values agree to `rel_tol` (relative) and its
 * vertices to 1e-9, or after max_iter. u receives the best vertex, *best its
 * value; returns the iterations used. */
int ly_nelder_mead(double (*f)(void *ctx, const double *u), void *ctx, int n, double *u, double *best,
                   int max_iter, double rel_tol);

#endif
