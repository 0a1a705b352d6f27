/* nn/shuffle.h — a uniform random permutation of fixed-size rows in
 * bounded memory (nn-split's shuffled splits).
 *
 * Rows are held in memory up to `memory` bytes.  Past that, every row
 * (those held first, in order, then each new one) goes to one of
 * NN_SHUFFLE_BUCKETS unlinked temporary files, chosen by a seeded draw;
 * at the end each bucket in turn is read back and shuffled in memory
 * (Fisher–Yates), or, when it holds more than 1.25 x memory bytes, is
 * spread over buckets again, at most NN_SHUFFLE_DEPTH levels deep.  A
 * uniform bucket draw followed by a uniform shuffle of each bucket is a
 * uniform permutation.  The permutation depends on the seed, the row
 * count, the row size and `memory`: the bucket count is fixed, so that it
 * does not depend on the open-file limit.
 *
 * Draws: bucket choices from nn_rng stream 1 of the seed, the shuffles
 * from stream 2 (for i = n .. 2: j = below(i), swap rows j and i-1).
 * Memory: one buffer of at most about 1.25 x memory (more only for a
 * bucket still too big at the last level), reused for every bucket.
 * Files: level d keeps d x NN_SHUFFLE_BUCKETS open at once; the soft
 * limit on open files is raised to that when the hard limit allows.
 */
#ifndef NN_SHUFFLE_H
#define NN_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

#define NN_SHUFFLE_BUCKETS 256
#define NN_SHUFFLE_DEPTH   3

typedef struct nn_shuffle nn_shuffle;

/* Rows of row_bytes (> 0) bytes each; tmpdir for the buckets (NULL or ""
 * means $TMPDIR, else /tmp: nn/spool.h).  NULL with NN_ENOMEM when out of memory. */
nn_shuffle *nn_shuffle_new(size_t row_bytes, uint64_t memory, uint64_t seed,
                           const char *tmpdir, nn_error *err);
/* Add one row (row_bytes bytes).  Returns 0, or -1 (NN_EIO, NN_ENOMEM,
 * NN_ELIMIT: too many open files needed). */
int nn_shuffle_add(nn_shuffle *s, const void *row, nn_error *err);
/* Hand every row added to emit, in the permuted order; an emit that
 * returns nonzero (having filled err) stops it.  Returns 0 or -1. */
int nn_shuffle_finish(nn_shuffle *s, int (*emit)(void *ctx, const void *row, nn_error *err),
                      void *ctx, nn_error *err);
/* Rows added so far. */
uint64_t nn_shuffle_rows(const nn_shuffle *s);
/* The largest buffer of rows held at once so far, in bytes. */
size_t nn_shuffle_peak(const nn_shuffle *s);
void nn_shuffle_free(nn_shuffle *s);

#endif
