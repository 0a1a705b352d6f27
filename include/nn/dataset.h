/* nn/dataset.h — a training stream in memory: what task its label field
 * implies, and its rows: features in the stream's own integer dtype (u8
 * pixels cost one byte each) or as f32, targets as f32 or class ids.
 * A step converts its rows to f32 as it gathers them (nn_dataset_gather):
 * the same floats as a conversion of the whole set, so the same model.
 *
 * The task follows the label: integer labels (or a float [C] field with
 * class names: soft labels, as nn-augment --mixup writes) mean
 * classification, other float labels regression, unless the caller says
 * which.  Every feature and target is checked finite, every class in
 * range, while the rows are read; a stream that fails is an error
 * (NN_EDATA) naming the row, 1-based.
 */
#ifndef NN_DATASET_H
#define NN_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/mlp.h"
#include "nn/stream.h"

enum nn_task_kind { NN_TASK_AUTO, NN_TASK_CLASSIFICATION, NN_TASK_REGRESSION };

typedef struct nn_task {
	int classification;      /* 1: classes, 0: regression */
	int soft;                /* classes given as a float [C] of weights */
	size_t nclasses;         /* named classes, or 0 (then from the labels) */
	char **classes;          /* names, or NULL (borrowed from the schema
	                            unless nn_task_keep copied them) */
	int owns_classes;
	size_t ntargets;         /* regression: values per row */
	nn_dtype x_dtype;        /* the feature field as the stream has it */
	int x_ndim;
	uint64_t x_shape[NN_MAX_DIMS];
} nn_task;

typedef struct nn_dataset {
	size_t n, d;             /* rows, features per row */
	float *x;                /* [n x d] f32 features (f32 and f64 streams), or
	                            NULL when xi holds them */
	void *xi;                /* [n x d] of xi_dtype: an integer feature field
	                            as the stream has it (x is then NULL) */
	nn_dtype xi_dtype;
	size_t k;                /* target values per row (0: class ids only) */
	float *t;                /* [n x k]: regression targets, or soft labels */
	int32_t *cls;            /* [n]: class of each row (classification) */
	uint32_t crc;            /* CRC-32 of the last stream's x and y bytes as read */
	uint64_t *rows;          /* NULL, or [n]: the set is rows rows[0..n) of x,
	                            t and cls, which hold more (nn_holdout's
	                            training rows: kept where they were read) */
} nn_dataset;

/* Where row i of ds lies in its arrays. */
static inline size_t nn_dataset_row(const nn_dataset *ds, size_t i)
{
	return ds->rows ? (size_t)ds->rows[i] : i;
}

/* The task of a stream whose features are field x and labels field y.
 * Fails (NN_EDATA) when a field is missing, the features are 64-bit
 * integers, or the labels cannot be what kind asks. */
int nn_task_read(const nn_schema *s, const char *x, const char *y, enum nn_task_kind kind,
                 nn_task *t, nn_error *err);
/* Copy *from into *t with class names of its own (past the reader). */
int nn_task_keep(nn_task *t, const nn_task *from, nn_error *err);
void nn_task_release(nn_task *t);
/* Can a second stream (validation, another shard) be read with the
 * training stream's task?  Same feature count, same kind of labels, same
 * class names when both have names (else a message showing both lists
 * and how to make them agree); soft labels in one and class ids in the
 * other are fine.  x and y name the fields in the message. */
int nn_task_check_same(const nn_task *train, const nn_task *other, const char *x, const char *y,
                       nn_error *err);

/* The class names as a message shows them: "[a, b, c]" ("[0, 1, 2]"
 * when names is NULL), into buf[len], cut with "..." when it does not fit
 * (len 64 at least). */
void nn_classes_format(char *buf, size_t len, size_t n, char *const *names);

/* Append every row of r to ds (empty: { 0 }), as task t says; classes
 * must be below t->nclasses when it is not 0.  ds->crc is the CRC-32 of
 * this stream's feature and label bytes.  On error ds holds the rows
 * before the failing batch and is still freed by nn_dataset_free. */
int nn_dataset_load(nn_reader *r, const char *x, const char *y, const nn_task *t, nn_dataset *ds,
                    nn_error *err);
void nn_dataset_free(nn_dataset *ds);     /* frees the rows, empties *ds */

/* Append the rows of batch b (fields fx and fy of schema s) to ds, as
 * nn_dataset_load does; first_row (0-based) numbers the batch's rows in
 * messages.  ds->crc is not touched. */
int nn_dataset_append(nn_dataset *ds, const nn_schema *s, size_t fx, size_t fy, const nn_task *t,
                      const nn_batch *b, uint64_t first_row, nn_error *err);

/* The fields' indices in s, as nn_dataset_load finds them. */
int nn_dataset_fields(const nn_schema *s, const char *x, const char *y, size_t *fx, size_t *fy,
                      nn_error *err);

/* Bytes one row takes in memory in a set of task t read from schema s's
 * fields fx and fy: features, targets, class id. */
size_t nn_dataset_row_bytes(const nn_schema *s, size_t fx, size_t fy, const nn_task *t);

/* Rows idx[0..rows) of the set (idx NULL: 0..rows) as f32 into x
 * [rows x d]. */
void nn_dataset_gather(const nn_dataset *ds, const uint64_t *idx, size_t rows, float *x);

/* Room for `need` rows in ds, whose arrays hold *cap rows: grown by
 * half past need when short.  -1 (NN_ENOMEM). */
int nn_dataset_grow(nn_dataset *ds, size_t need, size_t *cap, nn_error *err);

/* Copy array row j of src (not through its row map) to the end of dst,
 * which has room (nn_dataset_reserve) and src's layout. */
void nn_dataset_push(nn_dataset *dst, const nn_dataset *src, size_t j);
/* An empty set with room for cap rows laid out as like (d, k, classes,
 * features' dtype); freed by nn_dataset_free.  -1 (NN_ENOMEM). */
int nn_dataset_reserve(nn_dataset *ds, const nn_dataset *like, size_t cap, nn_error *err);

/* The smallest and largest class of ds's rows (ds->n > 0). */
void nn_dataset_class_range(const nn_dataset *ds, int32_t *lo, int32_t *hi);

/* Rows of each class 0..nclasses-1 of ds into counts[nclasses]; rows
 * of classes past the end are not counted. */
void nn_dataset_class_counts(const nn_dataset *ds, size_t nclasses, uint64_t *counts);

/* Dense targets [rows x out] for rows idx[0..rows) of the set (idx NULL:
 * 0..rows):
 * the class id itself for one output, soft labels or regression targets
 * as stored, otherwise one-hot. */
void nn_dataset_targets(const nn_dataset *ds, const uint64_t *idx, size_t rows, size_t out,
                        int classification, float *t);

/* Mean loss and accuracy (classification; NaN otherwise) of net over the
 * whole of ds, chunk rows at a time: w is work for chunk rows, tbuf has
 * room for chunk x outputs floats.  A set with a row map gathers each
 * chunk's rows first: -1 (NN_ENOMEM) when that memory is missing. */
int nn_dataset_evaluate(const nn_mlp *net, nn_mlp_work *w, size_t chunk, const nn_dataset *ds,
                        int classification, float *tbuf, double *loss, double *acc, nn_error *err);

#endif
