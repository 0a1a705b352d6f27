/* nn/augment.h — the row kernels of nn-augment: mixup, noise, SMOTE's
 * interpolation and neighbours, soft labels, and the oversampling quota.
 *
 * Shapes: a row is n (or dim) floats; x of many rows is [rows, dim],
 * row-major.  Every kernel is plain float arithmetic in a fixed order, so
 * the same inputs give the same bits on every machine (no fused
 * multiply-add: the build turns contraction off).  Geometric transforms of
 * images are nn/image.h's.
 */
#ifndef NN_AUGMENT_H
#define NN_AUGMENT_H

#include <stddef.h>
#include <stdint.h>
#include "nn/rng.h"

/* Mixup: out[n] = lam * a[n] + (1 - lam) * b[n]. */
void nn_mix_f32(float *out, const float *a, const float *b, float lam, size_t n);

/* Gaussian noise: out[n] = a[n] + sigma * z[n], z standard normal
 * (nn/randn.h); out may be a. */
void nn_noise_f32(float *out, const float *a, float sigma, const float *z, size_t n);

/* SMOTE's synthetic row: out[n] = a[n] + u * (b[n] - a[n]), u in [0, 1). */
void nn_lerp_f32(float *out, const float *a, const float *b, float u, size_t n);

/* A mixed one-hot label: out[ncls] is 0 but out[a] = lam and out[b] =
 * 1 - lam; when a == b, out[a] = 1.  a, b < ncls. */
void nn_soft_label(float *out, size_t ncls, size_t a, size_t b, float lam);

/* Squared Euclidean distance of a[n] and b[n]: eight partial sums over
 * elements 8m + l, then the tail, then the eight sums in order — a fixed
 * order that vectorises. */
float nn_sqdist_f32(const float *a, const float *b, size_t n);

/* The k nearest rows to row i among rows [0, n) of x[n, dim], by
 * nn_sqdist_f32, row i left out: their indices into nb[k] and distances
 * into dist[k], nearest first; ties go to the earlier row.  Returns how
 * many were found, min(k, n - 1).  Brute force: O(n * dim). */
size_t nn_nearest_f32(const float *x, size_t n, size_t dim, size_t i, size_t k,
                      size_t *nb, float *dist);

/* Oversampling a class of count rows up to target rows: each row gets
 * floor(d / count) extra rows (d = target - count) and d mod count rows,
 * chosen at random without replacement as the rows stream past
 * (selection sampling), one more.  Exact totals, each row used as evenly
 * as possible, one pass. */
typedef struct nn_quota {
	uint64_t each, extra, left;   /* floor(d/count); extras still to give; rows still to come */
} nn_quota;

/* count > 0, target >= count. */
void nn_quota_init(nn_quota *q, uint64_t count, uint64_t target);
/* The extra rows of the next row of the class: one draw of
 * nn_rng_below(r, rows still to come) while extras are left. */
uint64_t nn_quota_take(nn_quota *q, nn_rng *r);

#endif
