/* nn/colstats.h — per-column statistics of row-major tables, in double.
 *
 * A table here is what a stream's feature field holds: rows of ncols
 * elements of one dtype, row after row (a field of shape [28,28] is 784
 * columns).  Non-finite values (NaN, ±inf) are left out of every statistic
 * and counted apart, as numpy's nan* functions and scikit-learn's scalers
 * do.  Both accumulators hold O(ncols) memory, never the rows.
 *
 *   nn_colmoments  count, mean, population variance (ddof 0), min and max
 *                  of every column in one streaming pass: each chunk of
 *                  rows is summed in two passes (mean, then squared
 *                  deviations, corrected for the rounding of the mean) and
 *                  the chunks are merged with the formula of Chan, Golub
 *                  and LeVeque, all shifted by the column's first value —
 *                  as stable as numpy's two-pass np.std, without holding
 *                  the data.
 *   nn_colselect   exact quantiles of every column (numpy's default
 *                  "linear" method) in bounded memory by radix selection:
 *                  the rows are fed once per pass, and each pass fixes one
 *                  more byte of the wanted values' order-preserving keys,
 *                  so a pass costs one read of the rows and the number of
 *                  passes is the dtype's width in bytes (1 for u8, 4 for
 *                  f32, 8 for f64).  Memory: ncols × 2·nq × 256 counters.
 *   nn_quantile    the same quantile of an array in memory (a reference).
 */
#ifndef NN_COLSTATS_H
#define NN_COLSTATS_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/tensor.h"

/* --- moments ---------------------------------------------------------- */

typedef struct nn_colmoments {
	size_t ncols;
	uint64_t *count;      /* finite values seen, per column */
	uint64_t *nonfinite;  /* NaNs and infinities seen, per column */
	double *mean;         /* of the finite values; 0 while count is 0 */
	double *m2;           /* sum of squared deviations from mean */
	double *min, *max;    /* +inf / -inf while count is 0 */
	/* private: one chunk's sums */
	double *buf, *cmean, *cm2, *cdev, *pivot, *smean;
	uint64_t *ccount;
	double *cmin, *cmax;
	size_t chunk_rows;
} nn_colmoments;

nn_colmoments *nn_colmoments_new(size_t ncols, nn_error *err);
void nn_colmoments_free(nn_colmoments *m);             /* NULL is fine */

/* Add `rows` rows of ncols elements of type t.  keep, when not NULL, has
 * one byte per row: rows with keep[i] == 0 are skipped.  Cannot fail. */
void nn_colmoments_add(nn_colmoments *m, const void *data, nn_dtype t,
                       size_t rows, const unsigned char *keep);

/* Population variance (m2 / count) of column j; NaN when count is 0. */
double nn_colmoments_var(const nn_colmoments *m, size_t j);

/* --- exact quantiles in bounded memory --------------------------------- */

typedef struct nn_colselect nn_colselect;

/* Quantiles q[0..nq-1] (each in [0, 1], at most NN_COLSELECT_MAXQ) of
 * every column of a table of dtype t. */
#define NN_COLSELECT_MAXQ 8
nn_colselect *nn_colselect_new(size_t ncols, nn_dtype t, const double *q,
                               size_t nq, nn_error *err);
void nn_colselect_free(nn_colselect *s);               /* NULL is fine */

/* Feed rows (keep as in nn_colmoments_add).  Every pass must see the same
 * rows (order does not matter). */
void nn_colselect_add(nn_colselect *s, const void *data, size_t rows,
                      const unsigned char *keep);
/* End a pass.  Return 1 when the quantiles are known, 0 when the rows
 * must be fed once more, -1 when this pass saw other rows than the first
 * (the counts disagree: the input changed under us). */
int nn_colselect_pass_done(nn_colselect *s, nn_error *err);
/* out[j * nq + i] = quantile q[i] of column j (NaN for a column without a
 * finite value); count[j] (may be NULL) = its finite values. */
void nn_colselect_result(const nn_colselect *s, double *out, uint64_t *count);

/* Quantile q of v[0..n-1] (finite values), numpy's "linear" method:
 * h = (n - 1)·q, result between the floor(h)-th and the next smallest
 * value as numpy's _lerp computes it.  Reorders v.  NaN when n is 0. */
double nn_quantile(double *v, size_t n, double q);

#endif
