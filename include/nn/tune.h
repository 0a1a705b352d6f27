/* nn/tune.h — a cross-validation table (nn-tune): which way a metric is
 * better and its place in nn-eval --json's report, the mean and std over
 * folds, the ranks, and the table as TSV (its own checkpoint), text and
 * JSON.
 */
#ifndef NN_TUNE_H
#define NN_TUNE_H

#include <stddef.h>
#include <stdio.h>
#include "nn/error.h"
#include "nn/grid.h"
#include "nn/tsv.h"

/* nn-eval's metric name: its key path in nn-eval --json's report
 * ("f1_macro" is "macro_avg.f1") and whether lower is better (log_loss,
 * mse, rmse, mae).  -1 for a name nn-eval does not report. */
int nn_cv_metric(const char *name, const char **path, int *lower);

/* Mean and population standard deviation (numpy's np.mean and np.std
 * with ddof=0, scikit-learn's std_test_score) of s[0..k): the mean is
 * the sum in order divided by k, the std the square root of the mean of
 * (s[i] - mean)^2; k > 0. */
void nn_cv_stats(const double *s, size_t k, double *mean, double *std);

/* rank[i] for the n means: 1 for the best, and a mean equal to others
 * shares their smallest rank (scipy's rankdata method='min'); rows with
 * ok[i] == 0 get rank 0 and are not counted. */
void nn_cv_rank(const double *mean, const int *ok, size_t n, int lower, size_t *rank);

/* One configuration: what identifies it, and its scores. */
typedef struct nn_cv_row {
	char (*values)[NN_GRID_VALUE];   /* the searched values, one per key */
	const char *args;                /* the trained program's arguments */
	double *score;                   /* one per fold */
	double time;                     /* seconds, the folds' sum */
	int finished;                    /* written only when set */
	int failed;
	const char *why;                 /* when failed */
	double mean, std;                /* by nn_cv_finish */
	size_t rank;
} nn_cv_row;

typedef struct nn_cv_table {
	size_t nkeys;
	const char *const *keys;         /* the searched options' names */
	size_t folds;
	const char *metric, *setup;      /* setup: the data, folds and seed, as text */
	int lower;                       /* the metric is better lower */
	size_t nrows;
	nn_cv_row *rows;                 /* in the order of the search */
} nn_cv_table;

/* Means, stds and ranks of the finished rows that did not fail (NN_ENOMEM
 * is the one failure). */
int nn_cv_finish(nn_cv_table *t, nn_error *err);

/* The finished rows as TSV, in their order: the keys, mean, std,
 * fold_0..fold_K-1 (shortest round-trip numbers; nan for a failed row),
 * time_s (3 decimals), rank (empty for a failed row), status ("ok" or
 * "failed: why"), setup, args.  Cells hold no tab or newline (the caller's
 * strings are written as they are: nn_tsv_clean them). */
void nn_cv_write_tsv(FILE *o, const nn_cv_table *t);
/* For people: aligned, best first, failed rows last; 6 digits. */
void nn_cv_write_text(FILE *o, const nn_cv_table *t);
/* One JSON object: metric, folds, setup, and "configurations" in order. */
void nn_cv_write_json(FILE *o, const nn_cv_table *t);

/* A gnuplot script drawing the mean (std as error bars) of the finished
 * rows against each key, one panel each, into picture (PNG through
 * pngcairo, or SVG); a rate (nn_grid_is_rate) on a log scale, values that
 * are not numbers as categories.  The data are in the script. */
void nn_cv_write_gnuplot(FILE *o, const nn_cv_table *t, const char *picture, int svg);

/* In an old table (nn_cv_write_tsv's, parsed), the row with this setup and
 * args whose status is ok: its scores into score[0..folds) and its time.
 * 1 when found, 0 when not (a table of another shape is not an error). */
int nn_cv_find(const nn_tsv *old, const char *setup, const char *args, size_t folds, double *score,
               double *time);

#endif
