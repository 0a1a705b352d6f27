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
#include "nn/error.h"
#include "nn/rng.h"
#include "nn/stream.h"

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

/* Mixup of float targets y (elems values per row, dtype t: f32 or f64):
 * out[k] = lam * y[i][k] + (1 - lam) * y[j][k], in double, stored as t.
 * 0, or -1 with *nan_row set to i or j when a target is NaN (mixing
 * would spread it). */
int nn_mix_targets(void *out, nn_dtype t, const void *y, size_t elems, size_t i, size_t j,
                   float lam, size_t *nan_row);

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

/* SMOTE (Chawla et al. 2002) over rows held in memory.  Every minority
 * class (0 < counts[c] < target) is oversampled up to target rows: its
 * rows are held, each is a base row as often as its quota says
 * (nn_quota, drawn from r), and each synthetic row lies at a uniform
 * point between the base row and one of its k nearest neighbours in its
 * class (nn_nearest_f32), chosen uniformly; a class of one row repeats
 * it.  Rows come out class by class, then base row by base row; draws per
 * base row: the quota's, then per synthetic row the neighbour's (when
 * there is one) and the point's.  A held row is dim floats of x and
 * rest_bytes of whatever else travels with it. */
typedef struct nn_smote nn_smote;

/* NN_ELIMIT when the held rows would take more than max_bytes (the
 * message gives the sizes), NN_ENOMEM. */
nn_smote *nn_smote_new(size_t ncls, const uint64_t *counts, uint64_t target, size_t dim,
                       size_t rest_bytes, size_t k, uint64_t max_bytes, nn_error *err);
/* Where the next held row of minority class c goes: dim floats, and
 * rest_bytes at *rest.  At most counts[c] rows of class c. */
float *nn_smote_slot(nn_smote *s, size_t c, unsigned char **rest);
/* The next synthetic row: x[dim] filled, *rest pointing to its base row's
 * other bytes, *cls its class.  1, or 0 when there are no more. */
int nn_smote_next(nn_smote *s, nn_rng *r, float *x, const unsigned char **rest, size_t *cls);
void nn_smote_free(nn_smote *s);

/* The schema nn-augment writes for input `in` (x and y its fields fx and
 * fy): every field as it is, but x f32 with x_f32, and with soft_ncls > 0
 * y as f32 [soft_ncls] probabilities whose class names are y's, or "0",
 * "1", ... when y names none; class names and metadata kept.  NULL
 * (NN_ENOMEM, or the schema's own errors) on failure. */
nn_schema *nn_augment_schema(const nn_schema *in, int fx, int fy, int x_f32, size_t soft_ncls,
                             nn_error *err);

/* The geometric transforms of one copy of an image (H x W x C elements
 * of es bytes), in this order: flip left-right and flip top-bottom, each
 * with probability 1/2 (from flip), a shift by dx, dy uniform in
 * [-shift, shift] with zero fill (from shift_rng; shift 0: none), a
 * rotation by an angle uniform in [-rotate, rotate] degrees, bilinear
 * with zero fill (from rot; rotate < 0: none; es must then be 4, f32).
 * Each step writes into a or b by turns (never into the one it reads);
 * returns where the result is: cur itself when no step ran. */
typedef struct nn_geometric {
	size_t H, W, C;
	int flip_h, flip_v;
	uint64_t shift;
	double rotate;
	nn_rng *flip, *shift_rng, *rot;
} nn_geometric;
const void *nn_geometric_apply(const nn_geometric *g, const void *cur, void *a, void *b, size_t es);

/* The classes of nn-augment's label field y: float targets (regression)
 * have none, and are refused when need_ids names an option that needs
 * class ids ("--balance"); otherwise one value per row, whose classes are
 * y's names, or classes (--classes N, 0: not given) that must agree with
 * them.  *ncls gets their number (0: none named nor given, or float
 * targets).  Returns 1 for class ids, 0 for float targets, -1 (NN_EDATA)
 * when refused. */
int nn_augment_classes(const nn_field *y, const char *need_ids, size_t classes, size_t *ncls, nn_error *err);

#endif
