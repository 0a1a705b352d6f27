/* nn/step.h — one training step of a network on a pool of threads.
 *
 * Every step splits its batch into NN_STEP_SHARES equal shares (the first
 * the larger), whatever the number of threads: each share's rows are
 * gathered and their gradient computed into a buffer of its own; then the
 * gradient is summed over the shares, each weighted by its rows (the mean
 * over the batch), and the optimizer applied, range by range, each range
 * by one member of the pool.  A pool of two runs the shares at once, a
 * pool of one one after the other: the same operations, so the same
 * bytes for any number of threads.  With gradient clipping, which needs
 * the whole gradient's norm, the optimizer runs after the sum.
 *
 * The products inside a share should run on one BLAS thread
 * (nn_blas_set_threads(1)): the shares are the parallelism.
 */
#ifndef NN_STEP_H
#define NN_STEP_H

#include <stddef.h>
#include <stdint.h>
#include "nn/dataset.h"
#include "nn/error.h"
#include "nn/mlp.h"
#include "nn/optim.h"
#include "nn/pool.h"

#define NN_STEP_SHARES 2

typedef struct nn_step nn_step;

/* Steps of at most max_rows rows for net and opt, on pool (NULL: the
 * caller's thread alone).  grad (nparams floats) holds the first share's
 * gradient and then the batch's; NULL to have one of the step's own. */
nn_step *nn_step_new(nn_mlp *net, nn_optim *opt, float *grad, size_t max_rows, nn_pool *pool,
                     nn_error *err);
void nn_step_free(nn_step *s);             /* NULL is fine; not grad */
/* Parameters i with frozen[i] != 0 (nparams bytes, kept by the caller;
 * NULL: none) stay zero: their gradient is zeroed before the optimizer
 * sees it (so that clipping's norm leaves them out) and they are set to
 * zero after every update (weight decay would move them). */
void nn_step_freeze(nn_step *s, const unsigned char *frozen);

/* One step on rows idx[0..rows) of ds (1 <= rows <= max_rows):
 * returns the batch's mean loss. */
double nn_step_run(nn_step *s, const nn_dataset *ds, const uint64_t *idx, size_t rows, int classification);

#endif
