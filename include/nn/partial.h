/* nn/partial.h — an evaluation in progress and its partial result: what
 * nn-eval --partial writes for a shard and nn-eval --combine merges.
 *
 * nn_eval holds what is scored (the task, the class names, why there are
 * no probabilities) and the accumulator of nn/metrics.h.  Its partial
 * result is a stream (nn-stream(5)) of kind "eval-partial": the metadata
 * map holds the accumulator's counts and exact sums, and for a two-class
 * evaluation with probabilities one row per scored row, its ROC AUC key
 * (field auc_key, u64).  The metadata map:
 *
 *   task       "classification" or "regression"
 *   rows       rows scored
 *   classification:
 *     nclasses   classes of the confusion matrix
 *     fixed      true: that number was fixed (a model, names, probabilities),
 *                false: it grew to the largest class id seen
 *     classes    nclasses names, or nil
 *     top_k      the k of top-k accuracy
 *     proba      1 probabilities given, -1 not, 0 no rows
 *     topk_hits  rows whose true class was among the top k
 *     note       why there are no probabilities, or nil
 *     confusion  bin: nclasses^2 u64, row = true class
 *     logloss    bin: one exact sum (nn/xsum.h), NN_XSUM_LIMBS i64 limbs
 *   regression:
 *     ntargets   targets per row
 *     sse sae sy syy  bins: ntargets exact sums each (squared and absolute
 *                errors, labels, squared labels)
 *     lo hi      bins: ntargets f64, the smallest and largest label
 *
 * Bins are little-endian; sums are written normalized (nn_xsum_normalize),
 * the unique form of their value, so that equal states give equal bytes.
 * Merging partial results in any order gives exactly the state of all
 * their rows, so every metric equals the one of the whole to the bit.
 */
#ifndef NN_PARTIAL_H
#define NN_PARTIAL_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/metrics.h"
#include "nn/stream.h"

#define NN_PARTIAL_KIND "eval-partial"

typedef struct nn_eval {
	int classify;          /* 1 classification, 0 regression */
	size_t nclasses;       /* 0: as many as the class ids seen */
	size_t ntargets;       /* regression */
	char **names;          /* nclasses class names (copies), or NULL */
	char *note;            /* why there are no probabilities, or NULL */
	nn_cls_acc *cls;       /* the accumulator of the task; both NULL */
	nn_reg_acc *reg;       /* until nn_eval_start */
} nn_eval;

/* Start e (zeroed) for classification into nclasses classes (0: as many
 * as the ids seen) with top-k accuracy, or regression of ntargets targets.
 * names: nclasses class names (copied) or NULL; note: why the
 * probability metrics are missing (copied), or NULL when they are given. */
int nn_eval_start(nn_eval *e, int classify, size_t nclasses, size_t top_k,
                  size_t ntargets, const char *const *names, const char *note,
                  nn_error *err);
void nn_eval_release(nn_eval *e);

/* The schema of e's partial result (kind, field, metadata); the caller
 * adds provenance, then writes the rows of nn_eval_partial_keys. */
nn_schema *nn_eval_partial_schema(const nn_eval *e, nn_error *err);
/* The rows of e's partial result: its ROC AUC keys (a view into e). */
void nn_eval_partial_keys(const nn_eval *e, const uint64_t **keys, size_t *n);

/* Read a partial result from r to its end and merge it into e.  The first
 * partial result with rows starts e (which must be zeroed); a partial
 * result without rows (an empty shard) adds nothing.  Fails with NN_EDATA
 * and a message on anything malformed, and on a partial result that does
 * not go with e's: another task, other class names, probabilities in one
 * and not the other, another k or number of classes or targets. */
int nn_eval_merge_partial(nn_eval *e, nn_reader *r, nn_error *err);

#endif
