/* nn/ooc.h — training rows that do not fit in memory: the shuffle buffer
 * an out-of-core epoch draws its batches from, and the seeded rule that
 * holds rows out for validation without knowing how many there are.
 *
 * The buffer is tf.data's: it fills with the first cap rows of the
 * epoch's input; then each further row takes the place of a row drawn
 * at random (nn_rng_below over the cap slots), which goes to the batch
 * being built.  At the end of the input the rows left are drawn at
 * random one by one until none is left.  Every batch holds `batch` rows
 * but the last, which holds the rest.  A row can thus move forward by
 * up to cap rows and back by any number: the order is a full shuffle
 * only when cap covers the input, and an input sorted by class gives
 * batches of few classes unless cap spans several of them (shuffle such
 * a file once first, nn-split --test-size 0 does).
 *
 * Without a generator (NULL) the rows go through in input order.
 */
#ifndef NN_OOC_H
#define NN_OOC_H

#include <stddef.h>
#include <stdint.h>
#include "nn/dataset.h"
#include "nn/error.h"
#include "nn/rng.h"

/* Is row `row` (0-based, of the whole input) held out for validation:
 * hash64(seed, row) below fraction f of 2^64.  About f of the rows,
 * decided row by row, the same for any reader. */
int nn_ooc_held_out(uint64_t seed, uint64_t row, double f);

typedef struct nn_ooc nn_ooc;

/* A buffer of cap rows (at least 1) laid out as like (nn_dataset_reserve),
 * giving batches of batch rows. */
nn_ooc *nn_ooc_new(const nn_dataset *like, size_t cap, size_t batch, nn_error *err);
void nn_ooc_free(nn_ooc *o);              /* NULL is fine */

/* Start an epoch: the buffer and the batch emptied; rng (kept by the
 * caller for the epoch; NULL: input order) draws the rows. */
void nn_ooc_begin(nn_ooc *o, nn_rng *rng);

/* Row j of src's arrays into the buffer; returns 1 when a whole batch is
 * ready (nn_ooc_batch), 0 otherwise. */
int nn_ooc_put(nn_ooc *o, const nn_dataset *src, size_t j);
/* At the end of the input: draws the buffer's rows into the batch;
 * returns 1 when a batch (whole or the last, partial) is ready, 0 when
 * nothing is left. */
int nn_ooc_drain(nn_ooc *o);
/* The ready batch (rows 0..n of its arrays), and rows 0..n as an index
 * for nn_step_run; the next put or drain starts a new batch. */
const nn_dataset *nn_ooc_batch(const nn_ooc *o, const uint64_t **idx);

/* Rows in the buffer now. */
size_t nn_ooc_buffered(const nn_ooc *o);

#endif
