/* ooc.c — the shuffle buffer of out-of-core epochs (see nn/ooc.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/ooc.h"

struct nn_ooc {
	nn_dataset buf;          /* [cap] rows waiting */
	nn_dataset batch;        /* [B] rows of the batch being built */
	size_t cap, B;
	uint64_t *idx;           /* [B]: 0, 1, ..., B-1 */
	nn_rng *rng;
	int ready;               /* batch holds a finished batch */
};

int nn_ooc_held_out(uint64_t seed, uint64_t row, double f)
{
	if (!(f > 0))
		return 0;
	if (f >= 1)
		return 1;
	/* f 2^64 as a whole number: below 2^64 since f < 1 */
	return nn_hash64(seed, row) < (uint64_t)ldexp(f, 64);
}

void nn_ooc_free(nn_ooc *o)
{
	if (!o)
		return;
	nn_dataset_free(&o->buf);
	nn_dataset_free(&o->batch);
	free(o->idx);
	free(o);
}

nn_ooc *nn_ooc_new(const nn_dataset *like, size_t cap, size_t batch, nn_error *err)
{
	nn_ooc *o = calloc(1, sizeof *o);
	if (!o || !(o->idx = malloc((batch ? batch : 1) * sizeof *o->idx))) {
		free(o);
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	o->cap = cap ? cap : 1;
	o->B = batch ? batch : 1;
	for (size_t i = 0; i < o->B; i++)
		o->idx[i] = i;
	if (nn_dataset_reserve(&o->buf, like, o->cap, err) || nn_dataset_reserve(&o->batch, like, o->B, err)) {
		nn_ooc_free(o);
		return NULL;
	}
	return o;
}

void nn_ooc_begin(nn_ooc *o, nn_rng *rng)
{
	o->buf.n = 0;
	o->batch.n = 0;
	o->rng = rng;
	o->ready = 0;
}

/* Row j of src into row i of dst's arrays (i <= dst->n). */
static void put_row(nn_dataset *dst, size_t i, const nn_dataset *src, size_t j)
{
	size_t n = dst->n;
	dst->n = i;
	nn_dataset_push(dst, src, j);
	dst->n = i < n ? n : i + 1;
}

/* A finished batch is handed out once: the next row starts a new one. */
static void fresh(nn_ooc *o)
{
	if (o->ready) {
		o->batch.n = 0;
		o->ready = 0;
	}
}

int nn_ooc_put(nn_ooc *o, const nn_dataset *src, size_t j)
{
	fresh(o);
	if (!o->rng) {                       /* input order */
		nn_dataset_push(&o->batch, src, j);
	} else if (o->buf.n < o->cap) {
		nn_dataset_push(&o->buf, src, j);
		return 0;
	} else {
		size_t k = (size_t)nn_rng_below(o->rng, o->cap);
		nn_dataset_push(&o->batch, &o->buf, k);
		put_row(&o->buf, k, src, j);
	}
	return o->ready = o->batch.n == o->B;
}

int nn_ooc_drain(nn_ooc *o)
{
	fresh(o);
	while (o->batch.n < o->B && o->buf.n) {
		size_t k = o->rng ? (size_t)nn_rng_below(o->rng, o->buf.n) : 0, last = o->buf.n - 1;
		nn_dataset_push(&o->batch, &o->buf, k);
		if (k != last)                   /* the last row fills the hole */
			put_row(&o->buf, k, &o->buf, last);
		o->buf.n = last;
	}
	return o->ready = o->batch.n > 0;
}

const nn_dataset *nn_ooc_batch(const nn_ooc *o, const uint64_t **idx)
{
	*idx = o->idx;
	return &o->batch;
}

size_t nn_ooc_buffered(const nn_ooc *o)
{
	return o->buf.n;
}
