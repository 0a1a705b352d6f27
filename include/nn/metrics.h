/* nn/metrics.h — evaluation metrics, defined as scikit-learn defines them,
 * accumulated batch by batch in double.
 *
 *   nn_cls_acc   classification: an exact integer confusion matrix (row =
 *                true class, column = predicted), and from probabilities
 *                the log-loss sum, top-k hits and, for two classes, every
 *                (score, label) pair for ROC AUC (8 bytes per row, sorted
 *                with as much again at the end)
 *   nn_reg_acc   regression: per target sums of squared and absolute
 *                errors, and the label mean and spread (Chan's merge)
 *
 * Every metric that derives from counts derives from the confusion matrix
 * alone (nn_cls_from_confusion), so matrices of shards can be summed.
 *
 * Definitions (scikit-learn 1.5, zero_division=0):
 *   precision_c = tp / (tp + fp), 0 when nothing was predicted as c
 *   recall_c    = tp / (tp + fn), 0 when c has no true row
 *   f1_c        = 2 tp / (2 tp + fp + fn), 0 when that is 0/0
 *   macro       = the plain mean over the classes that occur among the
 *                 labels or the predictions (scikit-learn without labels=)
 *   weighted    = the mean weighted by support (true rows of the class)
 *   balanced accuracy = the mean recall over classes with true rows
 *   log loss    = mean of -log(clip(p[true], eps, 1 - eps)), eps = 2^-52
 *                 (float64 epsilon; probabilities are used as given, not
 *                 renormalised)
 *   top-k       = the true class is among the k highest scores; ties rank
 *                 the higher class index first (numpy's stable argsort,
 *                 reversed, as top_k_accuracy_score); two classes and
 *                 k = 1: p[1] > 0.5
 *   ROC AUC     = the area under the ROC curve of score p[1], ties
 *                 counting half (the trapezoid over distinct thresholds)
 *   R^2         = 1 - SS_res / SS_tot; when SS_tot = 0: 1 if SS_res = 0
 *                 else 0 (force_finite=True); RMSE = sqrt(MSE) per target;
 *                 averages over targets are plain means of the per-target
 *                 values (multioutput="uniform_average")
 */
#ifndef NN_METRICS_H
#define NN_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/xsum.h"

/* Most classes a confusion matrix may have: 2048^2 counts are 32 MiB. */
#define NN_METRICS_MAX_CLASSES 2048

/* --- classification ------------------------------------------------------ */

typedef struct nn_cls_report {
	size_t nclasses;
	uint64_t rows;
	uint64_t *confusion;        /* [nclasses x nclasses], row = true class */
	double accuracy, balanced_accuracy;
	double *precision, *recall, *f1;   /* per class */
	uint64_t *support;                 /* true rows per class */
	uint64_t *predicted;               /* predicted rows per class */
	size_t present;             /* classes among labels or predictions */
	double macro_precision, macro_recall, macro_f1;
	double weighted_precision, weighted_recall, weighted_f1;
	/* from probabilities: have_proba is 0 when none were given */
	int have_proba;
	double log_loss;
	size_t top_k;
	double top_k_accuracy;
	int have_auc;               /* two classes, both among the labels */
	double roc_auc;
} nn_cls_report;

typedef struct nn_cls_acc nn_cls_acc;

/* An accumulator for nclasses classes (2 .. NN_METRICS_MAX_CLASSES), or
 * for as many as the values seen (nclasses 0: the matrix grows to the
 * largest value + 1).  top_k >= 1 is the k of top-k accuracy. */
nn_cls_acc *nn_cls_acc_new(size_t nclasses, size_t top_k, nn_error *err);
void nn_cls_acc_free(nn_cls_acc *a);             /* NULL is fine */

/* Add rows: y and pred class ids; proba [rows x nclasses] the predicted
 * probabilities, or NULL — either for every call or for none.  Fails on a
 * class id out of range (naming the row, counted from first_row), a
 * probability that is NaN, or proba given to a growing accumulator. */
int nn_cls_acc_add(nn_cls_acc *a, const int32_t *y, const int32_t *pred,
                   const float *proba, size_t rows, uint64_t first_row,
                   nn_error *err);

/* The number of classes now (grows with nclasses 0). */
size_t nn_cls_acc_classes(const nn_cls_acc *a);

/* Compute every metric; r is filled (release it with
 * nn_cls_report_release).  Fails when no row was added. */
int nn_cls_acc_report(nn_cls_acc *a, nn_cls_report *r, nn_error *err);
void nn_cls_report_release(nn_cls_report *r);

/* The metrics that derive from counts, from a confusion matrix
 * [nclasses x nclasses] (copied); the probability metrics are left unset
 * (have_proba 0). */
int nn_cls_from_confusion(const uint64_t *confusion, size_t nclasses,
                          nn_cls_report *r, nn_error *err);

/* The class numpy's argmax picks: the first of the highest; NaN counts as
 * highest (as numpy).  p has n >= 1 entries. */
size_t nn_argmax_f32(const float *p, size_t n);

/* ROC AUC of scores for labels 0/1 (n pairs); -1 when one of the two
 * classes is missing, which leaves it undefined.  Sorts keys in place:
 * keys[i] = nn_auc_key(score, label).  tmp holds n keys. */
uint64_t nn_auc_key(float score, int label);
double nn_roc_auc_keys(uint64_t *keys, uint64_t *tmp, size_t n);

/* --- regression ---------------------------------------------------------- */

typedef struct nn_reg_report {
	size_t ntargets;
	uint64_t rows;
	double *mse, *rmse, *mae, *r2;      /* per target */
	double mse_avg, rmse_avg, mae_avg, r2_avg;
} nn_reg_report;

typedef struct nn_reg_acc nn_reg_acc;

nn_reg_acc *nn_reg_acc_new(size_t ntargets, nn_error *err);
void nn_reg_acc_free(nn_reg_acc *a);             /* NULL is fine */
/* Add rows: y and pred [rows x ntargets].  Fails on a NaN or an infinity
 * (naming the row, counted from first_row). */
int nn_reg_acc_add(nn_reg_acc *a, const double *y, const double *pred,
                   size_t rows, uint64_t first_row, nn_error *err);
int nn_reg_acc_report(const nn_reg_acc *a, nn_reg_report *r, nn_error *err);
void nn_reg_report_release(nn_reg_report *r);

/* --- partial results ------------------------------------------------------
 * What an accumulator holds, to be written by one process (a shard's
 * evaluation) and merged by another: merging the partial results of
 * shards, in any order, gives exactly the accumulator of all their rows —
 * counts add, the sums are exact (nn/xsum.h), the ROC AUC keys are kept —
 * so every metric equals, to the last bit, the one of the whole. */

typedef struct nn_cls_partial {
	size_t nclasses, top_k;
	uint64_t rows, topk_hits;
	int proba;                 /* 1: probabilities given, -1: not, 0: no rows yet */
	const uint64_t *confusion; /* [nclasses x nclasses] */
	nn_xsum logloss;           /* normalized */
	const uint64_t *keys;      /* two classes with probabilities: one per row */
	size_t nkeys;
} nn_cls_partial;

/* The state of a, as views into it (valid while a is unchanged). */
void nn_cls_acc_partial(const nn_cls_acc *a, nn_cls_partial *p);
/* Add a partial result to a.  Fails when top-k differs, when one has
 * probabilities and the other not, or when a has a fixed number of
 * classes and p another (a growing accumulator grows). */
int nn_cls_acc_merge(nn_cls_acc *a, const nn_cls_partial *p, nn_error *err);

typedef struct nn_reg_partial {
	size_t ntargets;
	uint64_t rows;
	const nn_xsum *sse, *sae;  /* [ntargets]: squared and absolute errors */
	const nn_xsum *sy, *syy;   /* [ntargets]: labels, their squares */
	const double *lo, *hi;     /* [ntargets]: smallest and largest label */
} nn_reg_partial;

/* The state of a, as views into it; carries its sums first (same values,
 * the unique form that is written). */
void nn_reg_acc_partial(const nn_reg_acc *a, nn_reg_partial *p);
/* Fails when the number of targets differs. */
int nn_reg_acc_merge(nn_reg_acc *a, const nn_reg_partial *p, nn_error *err);

#endif
