/* nn/tune.h — the arithmetic of a cross-validation table (nn-tune):
 * which way a metric is better, its place in nn-eval --json's report, the
 * mean and std over folds, and the ranks.
 */
#ifndef NN_TUNE_H
#define NN_TUNE_H

#include <stddef.h>

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

#endif
