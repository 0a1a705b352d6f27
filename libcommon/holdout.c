/* holdout.c — a validation set held out of the training rows (see
 * nn/holdout.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/holdout.h"
#include "nn/stratify.h"

size_t nn_holdout_count(double f, size_t n)
{
	return f < 1 ? (size_t)ceil(f * (double)n) : (size_t)f;
}

/* is_val[i] for the rows to hold out, from the shuffled order. */
static int choose(const nn_dataset *tr, size_t want, int classification, size_t nc, const uint64_t *order,
                  unsigned char *is_val, nn_error *err)
{
	size_t n = tr->n;
	if (!classification) {
		for (size_t i = 0; i < want; i++)
			is_val[order[i]] = 1;
		return 0;
	}
	uint64_t *count = calloc(nc ? nc : 1, sizeof *count), *alloc = calloc(nc ? 2 * nc : 1, sizeof *alloc);
	uint64_t sizes[2] = { want, n - want };
	int rc = -1;
	if (!count || !alloc) {
		nn_error_set(err, NN_ENOMEM, "out of memory for %zu classes", nc);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		count[tr->cls[nn_dataset_row(tr, i)]]++;
	if (nn_stratify(count, nc, sizes, 2, alloc, err))
		goto out;
	for (size_t i = 0; i < n; i++) {   /* alloc[2c]: class c's rows in val */
		size_t c = (size_t)tr->cls[nn_dataset_row(tr, order[i])];
		if (alloc[2 * c]) {
			alloc[2 * c]--;
			is_val[order[i]] = 1;
		}
	}
	rc = 0;
out:
	free(count);
	free(alloc);
	return rc;
}

int nn_holdout(nn_dataset *tr, nn_dataset *val, size_t want, int classification, size_t nclasses,
               nn_rng *rng, nn_error *err)
{
	size_t n = tr->n;
	if (want == 0 || want >= n)
		return nn_error_set(err, NN_EARG, "%zu of %zu rows leaves no %s", want, n,
		                    want ? "training rows" : "validation rows");
	uint64_t *order = malloc(n * sizeof *order);
	unsigned char *is_val = calloc(n, 1);
	uint64_t *kept = malloc((n - want) * sizeof *kept);
	nn_dataset v = { 0 };
	int rc = -1;
	if (!order || !is_val || !kept || nn_dataset_reserve(&v, tr, want, err)) {
		nn_error_set(err, NN_ENOMEM, "out of memory holding out %zu of %zu rows", want, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	nn_rng_shuffle(rng, order, n);
	if (choose(tr, want, classification, nclasses, order, is_val, err))
		goto out;
	size_t a = 0;
	for (size_t i = 0; i < n; i++) {
		size_t r = nn_dataset_row(tr, i);
		if (!is_val[i]) {                  /* a training row stays where it is */
			kept[a++] = r;
			continue;
		}
		nn_dataset_push(&v, tr, r);
	}
	free(tr->rows);
	tr->rows = kept;
	kept = NULL;
	tr->n = a;
	v.crc = tr->crc;
	*val = v;
	rc = 0;
out:
	free(kept);
	if (rc)
		nn_dataset_free(&v);
	free(order);
	free(is_val);
	return rc;
}
