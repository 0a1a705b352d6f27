/* nn/holdout.h — a validation set held out of the training rows
 * (nn-train --val-size).
 *
 * The rows are taken in an order shuffled from the caller's generator:
 * the first `want` of it for regression; for classification the first
 * rows of each class in it, as many of each as nn_stratify gives the
 * validation set when it is the first of the two blocks (ties go to the
 * lower class).  Both sets keep the rows' input order.
 *
 * The validation rows are copied into arrays of their own (evaluated
 * every epoch, they are best contiguous); the training rows stay where
 * they were read, and the training set becomes a view of them through a
 * row map (nn_dataset's rows): no training byte is copied again.
 */
#ifndef NN_HOLDOUT_H
#define NN_HOLDOUT_H

#include <stddef.h>
#include "nn/dataset.h"
#include "nn/error.h"
#include "nn/rng.h"

/* The rows --val-size F holds out of n: ceil(F n) for a fraction below
 * 1, F itself (a count) otherwise. */
size_t nn_holdout_count(double f, size_t n);

/* Move want rows (0 < want < tr->n) of tr into val, which gets arrays of
 * its own (its other members are tr's), and map tr to the rest (tr->rows,
 * freed by nn_dataset_free); classification tells whether
 * to stratify over tr's classes, nclasses of them.  Returns 0, or -1
 * with NN_EARG (want out of range) or NN_ENOMEM, tr unchanged. */
int nn_holdout(nn_dataset *tr, nn_dataset *val, size_t want, int classification, size_t nclasses,
               nn_rng *rng, nn_error *err);

#endif
