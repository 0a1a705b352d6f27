/* test-shuffle.c — the bounded-memory shuffle: a permutation, the same for
 * the same seed, Fisher–Yates with stream 2 when it fits in memory, and
 * memory bounded when it does not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/rng.h"
#include "nn/shuffle.h"
#include "check.h"

typedef struct {
	size_t rowb;
	uint64_t *order, n;
} sink;

static int take(void *ctx, const void *row, nn_error *err)
{
	sink *k = ctx;
	(void)err;
	memcpy(&k->order[k->n++], row, sizeof(uint64_t));
	return 0;
}

/* Shuffle rows 0..n-1 (row i starts with i as 8 bytes); the order in
 * *out (malloc'd); peak memory in *peak.  0 on success. */
static int run(uint64_t n, size_t rowb, uint64_t memory, uint64_t seed, uint64_t **out, size_t *peak)
{
	nn_error err = { 0 };
	nn_shuffle *s = nn_shuffle_new(rowb, memory, seed, getenv("TMPDIR"), &err);
	unsigned char *row = calloc(1, rowb);
	sink k = { rowb, malloc(n * sizeof(uint64_t) + 1), 0 };
	int r = !s || !row || !k.order;

	for (uint64_t i = 0; !r && i < n; i++) {
		memcpy(row, &i, sizeof i);
		memset(row + 8, (int)(i & 0xff), rowb - 8);
		r = nn_shuffle_add(s, row, &err);
	}
	r = r || nn_shuffle_rows(s) != n || nn_shuffle_finish(s, take, &k, &err) || k.n != n;
	*peak = s ? nn_shuffle_peak(s) : 0;
	nn_shuffle_free(s);
	free(row);
	*out = k.order;
	return r;
}

static int is_permutation(const uint64_t *o, uint64_t n)
{
	unsigned char *seen = calloc(n + 1, 1);
	int ok = seen != NULL;
	for (uint64_t i = 0; ok && i < n; i++) {
		ok = o[i] < n && !seen[o[i]];
		seen[o[i]] = 1;
	}
	free(seen);
	return ok;
}

int main(void)
{
	uint64_t *a, *b, *c, *ref = malloc(1000 * sizeof *ref);
	size_t peak;
	nn_rng r;

	/* in memory: exactly Fisher–Yates on stream 2 of the seed */
	for (uint64_t i = 0; i < 1000; i++)
		ref[i] = i;
	nn_rng_seed(&r, 42, 2);
	nn_rng_shuffle(&r, ref, 1000);
	CHECK(!run(1000, 8, 1 << 20, 42, &a, &peak) && !memcmp(a, ref, 1000 * sizeof *a),
	      "in memory, rows swapped in place: Fisher-Yates of stream 2");
	CHECK(!run(1000, 72, 1 << 20, 42, &b, &peak) && !memcmp(b, ref, 1000 * sizeof *b),
	      "in memory, row numbers swapped (rows of 64 bytes or more): the same order");
	free(a);
	free(b);

	/* spilled over buckets: same seed same order, another seed another */
	int ok = !run(20000, 8, 4096, 7, &a, &peak);
	CHECK(ok && is_permutation(a, 20000), "20000 rows through buckets: a permutation");
	CHECK(ok && peak <= 4096 + 4096 / 4, "memory bounded: %zu bytes held at most", peak);
	ok = !run(20000, 8, 4096, 7, &b, &peak);
	CHECK(ok && !memcmp(a, b, 20000 * sizeof *a), "same seed, same permutation");
	ok = !run(20000, 8, 4096, 8, &c, &peak);
	CHECK(ok && memcmp(a, c, 20000 * sizeof *a), "another seed, another permutation");
	free(a);
	free(b);
	free(c);

	/* two levels of buckets (8 rows of memory): 1,200 rows overflow a few
	 * buckets, each into 256 files of its own (more rows only make more
	 * files, at a fifth of a millisecond each) */
	ok = !run(1200, 8, 64, 3, &a, &peak);
	CHECK(ok && is_permutation(a, 1200) && peak <= 80, "two levels: a permutation, %zu bytes held", peak);
	uint64_t moved = 0;
	for (uint64_t i = 0; ok && i < 1200; i++)
		moved += a[i] != i;
	CHECK(moved > 1150, "the rows are moved (%llu of 1200)", (unsigned long long)moved);
	free(a);

	ok = !run(0, 8, 64, 3, &a, &peak);
	CHECK(ok, "no rows: nothing handed out");
	free(a);
	free(ref);
	return check_done();
}
