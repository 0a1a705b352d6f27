/* nn/pool.h — a fixed pool of threads that run one job at a time, each
 * member on its own share (the caller's thread is member 0).
 *
 * Made for steps of a few hundred microseconds that repeat thousands of
 * times (a training step's shares, a batch's text): a spinning pool's
 * members wait for the next job spinning a little before they sleep, so
 * that a hand-over costs about a microsecond, not a scheduler wake-up.
 * Members start with every signal blocked: signals stay with the
 * program's own threads.
 */
#ifndef NN_POOL_H
#define NN_POOL_H

#include "nn/error.h"

typedef struct nn_pool nn_pool;

/* A pool of n members (n >= 1): the caller and n - 1 threads.  Fewer
 * members when threads cannot start (1: the caller alone), so the caller
 * asks nn_pool_size how many it got.  spin: members spin before they
 * sleep, for jobs that follow each other at once; without it they sleep
 * at once, leaving the processors to other threads between jobs.
 * NULL (NN_ENOMEM, or NN_EARG for n < 1) on failure. */
nn_pool *nn_pool_new(int n, int spin, nn_error *err);

/* Members of the pool (1 for NULL). */
int nn_pool_size(const nn_pool *p);

/* Run job(ctx, k) for every member k at once, k = 0 in the caller's
 * thread; returns when all have returned.  NULL runs job(ctx, 0) alone.
 * One job at a time: not to be called from a job. */
void nn_pool_run(nn_pool *p, void (*job)(void *ctx, int k), void *ctx);

/* End the members and free the pool (NULL is fine).  Not during a job. */
void nn_pool_free(nn_pool *p);

#endif
