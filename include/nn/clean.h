/* nn/clean.h — nn-clean's rules for one row: what a --nonfinite policy
 * is, where a column is clipped, and how a row is repaired.
 *
 * Statistics come per feature column (mean, population std, median, NaN
 * when the column had no finite value); a column without them is never
 * filled from them nor clipped.
 */
#ifndef NN_CLEAN_H
#define NN_CLEAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "nn/error.h"
#include "nn/prep.h"

/* What happens to NaN and infinite features, in the order of the words
 * of --nonfinite. */
enum nn_nonfinite {
	NN_NONFINITE_DROP,    /* drop the row */
	NN_NONFINITE_MEAN,    /* replace with the column's mean */
	NN_NONFINITE_MEDIAN,  /* ... its median */
	NN_NONFINITE_ZERO,    /* ... 0 */
	NN_NONFINITE_VALUE,   /* ... a given finite number, "value=V" */
	NN_NONFINITE_FAIL,    /* stop with an error */
	NN_NONFINITE_KEEP     /* leave it */
};

/* Parse a policy word ("median", "value=2.5").  Returns 0 (and *value
 * for value=V), 1 for "value=" followed by anything but a finite number,
 * -1 for an unknown word. */
int nn_nonfinite_parse(const char *s, enum nn_nonfinite *p, double *value);

/* Does policy p replace non-finite values (mean, median, zero, value)? */
int nn_nonfinite_fills(enum nn_nonfinite p);

/* The replacement of column j's non-finite values for policy p (mean,
 * median, zero, value): from mean[j], median[j] or value.  NaN means
 * none (the column had no finite value): its values stay as they are. */
double nn_nonfinite_fill(enum nn_nonfinite p, size_t j, const double *mean,
                         const double *median, double value);

/* Clip bounds of D columns at sigma standard deviations of the mean:
 * [-inf, inf] when sigma is 0 or a column has no statistics; rounded
 * inwards to whole numbers for integer features. */
void nn_clip_bounds(size_t D, const double *mean, const double *std, double sigma,
                    int integer, double *lo, double *hi);

/* Repair one row of D values in place: a non-finite value is replaced by
 * fill[j] unless fill is NULL or fill[j] is NaN (counted in *replaced);
 * then a value outside [lo[j], hi[j]] goes to the bound it crossed
 * (counted in *clipped); lo and hi NULL: no clipping.  NaN is never
 * clipped, ±inf is. */
void nn_clean_row(double *row, size_t D, const double *fill, const double *lo,
                  const double *hi, uint64_t *replaced, uint64_t *clipped);

/* Which rows of batch b stay: keep[i] is 0 when row i's label (field
 * fy; -1: none) is not finite or, with class names, not a class, or,
 * for policy drop or fail, one of the float features of field fx is not
 * finite.  Counts them in dropped[0] (labels) and dropped[1] (features).
 * With label_fail set, a bad label fails; with policy fail, a
 * non-finite feature does: -1 (NN_EDATA), the message naming the row as
 * first_row + i + 1.  Returns 0 otherwise. */
int nn_clean_mask(const nn_schema *s, size_t fx, int fy, const nn_batch *b, uint64_t first_row,
                  enum nn_nonfinite policy, int label_fail, unsigned char *keep, uint64_t dropped[2],
                  nn_error *err);

/* What nn-clean does to features, as a step of the preparation chain
 * (nn/prep.h) for D columns of dtype dt named names (or NULL): the fill
 * of policy p from mean/median/value, clip bounds at sigma standard
 * deviations (none when sigma is 0), the columns whose keep is 0 left
 * out (keep NULL: all kept); rows records the policy word, dedup and
 * bad_label ("drop" or "fail") for people. */
typedef struct nn_clean_spec {
	enum nn_nonfinite policy;
	double value, sigma;
	const double *mean, *std, *median;
	const unsigned char *keep;
	int dedup, bad_label_fail;
} nn_clean_spec;
int nn_clean_step(nn_prep_step *st, const char *field, size_t D, char *const *names, nn_dtype dt,
                  const nn_clean_spec *spec, nn_error *err);

/* Exact duplicates in bounded memory: each row added is a 128-bit hash
 * of its bytes (two seeds) and its number, spilled to a temporary file;
 * nn_dedup_resolve sorts them in partitions of 16 MiB by hash and marks
 * every row after the first of its hash, one bit per row. */
typedef struct nn_dedup nn_dedup;
/* spool: an empty temporary file (nn_spool), closed by nn_dedup_free. */
nn_dedup *nn_dedup_new(FILE *spool, nn_error *err);
/* Row number row whose bytes are a[0..an) then b[0..bn) (b may be NULL). */
int nn_dedup_add(nn_dedup *d, const void *a, size_t an, const void *b, size_t bn,
                 uint64_t row, nn_error *err);
/* After the last add: rows is the number of rows (every row number is
 * below it).  Returns 0, or -1 (NN_EIO, NN_ENOMEM). */
int nn_dedup_resolve(nn_dedup *d, uint64_t rows, nn_error *err);
/* Is row a repeat of an earlier row?  (0 before nn_dedup_resolve.) */
int nn_dedup_repeat(const nn_dedup *d, uint64_t row);
void nn_dedup_free(nn_dedup *d);

#endif
