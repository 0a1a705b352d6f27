/* test-ooc.c — the out-of-core shuffle buffer and hold-out rule: every
 * row comes out exactly once, in batches of B but the last; without a
 * generator in input order; the same seed gives the same order, another
 * seed another; a buffer as large as the input gives a permutation that
 * moves rows both ways; u8 features travel as bytes and gather to the
 * same floats as a conversion; the hold-out takes about f of the rows,
 * none for 0, all for 1, the same rows for the same seed. */
#include <stdlib.h>
#include <string.h>
#include "nn/ooc.h"
#include "check.h"

#define N 103

/* Row i: u8 features (i, 255 - i), class i % 4. */
static void make(nn_dataset *ds)
{
	memset(ds, 0, sizeof *ds);
	ds->n = N;
	ds->d = 2;
	ds->xi_dtype = NN_U8;
	ds->xi = malloc(N * 2);
	ds->cls = malloc(N * sizeof(int32_t));
	unsigned char *x = ds->xi;
	for (int i = 0; i < N; i++) {
		x[2 * i] = (unsigned char)i;
		x[2 * i + 1] = (unsigned char)(255 - i);
		ds->cls[i] = i % 4;
	}
}

/* The rows in the order the buffer gives them (their first feature),
 * into out[N]; returns how many; sizes[] the batches' sizes. */
static size_t run(const nn_dataset *src, size_t cap, size_t B, uint64_t seed, int shuffle, int *out, size_t *sizes,
                  size_t *nb, int *bytes_ok)
{
	nn_error err = { 0 };
	nn_rng rng;
	nn_rng_seed(&rng, seed, 2);
	nn_ooc *o = nn_ooc_new(src, cap, B, &err);
	size_t got = 0;
	const uint64_t *idx;
	*nb = 0;
	*bytes_ok = 1;
	if (!o)
		return 0;
	nn_ooc_begin(o, shuffle ? &rng : NULL);
	for (size_t j = 0; j <= src->n; j++) {
		int ready = j < src->n ? nn_ooc_put(o, src, j) : nn_ooc_drain(o);
		while (ready) {
			const nn_dataset *b = nn_ooc_batch(o, &idx);
			float x[2 * N];
			nn_dataset_gather(b, idx, b->n, x);
			sizes[(*nb)++] = b->n;
			for (size_t i = 0; i < b->n; i++) {
				int r = (int)x[2 * i];
				*bytes_ok &= x[2 * i + 1] == (float)(255 - r) && b->cls[i] == r % 4 && idx[i] == i;
				out[got++] = r;
			}
			ready = j == src->n ? nn_ooc_drain(o) : 0;
		}
	}
	nn_ooc_free(o);
	return got;
}

static int each_once(const int *rows, size_t n)
{
	int seen[N] = { 0 };
	for (size_t i = 0; i < n; i++)
		if (rows[i] < 0 || rows[i] >= N || seen[rows[i]]++)
			return 0;
	return n == N;
}

static void test_buffer(void)
{
	nn_dataset ds;
	int a[N], b[N], c[N], bytes;
	size_t sa[N], sb[N], na, nb, n;
	make(&ds);

	n = run(&ds, 10, 8, 1, 0, a, sa, &na, &bytes);
	int in_order = 1;
	for (size_t i = 0; i < n; i++)
		in_order &= a[i] == (int)i;
	CHECK(n == N && in_order && bytes, "no generator: input order, features and classes intact");
	CHECK(na == 13 && sa[0] == 8 && sa[12] == 7, "batches of 8, the last of the 7 left (%zu batches)", na);

	n = run(&ds, 10, 8, 1, 1, a, sa, &na, &bytes);
	CHECK(each_once(a, n) && bytes, "shuffled: every row once, intact");
	int moved = 0, far_forward = 0;
	for (size_t i = 0; i < n; i++) {
		moved += a[i] != (int)i;
		far_forward |= (int)i < a[i] - 10;     /* ahead by more than the buffer */
	}
	CHECK(moved > N / 2 && !far_forward, "rows move, never ahead by more than the buffer (%d moved)", moved);
	CHECK(na == 13 && sa[12] == 7, "the same batch sizes as in order");

	run(&ds, 10, 8, 1, 1, b, sb, &nb, &bytes);
	CHECK(!memcmp(a, b, sizeof a), "the same seed: the same order");
	run(&ds, 10, 8, 2, 1, c, sb, &nb, &bytes);
	CHECK(memcmp(a, c, sizeof a), "another seed: another order");

	n = run(&ds, 200, 16, 3, 1, a, sa, &na, &bytes);
	int early_late = 0;
	for (size_t i = 0; i < n; i++)
		early_late |= a[i] > (int)i + 20;
	CHECK(each_once(a, n) && early_late, "a buffer larger than the input: a permutation");

	n = run(&ds, 1, 1, 3, 1, a, sa, &na, &bytes);
	CHECK(each_once(a, n) && na == N, "a buffer of one row and batches of one");
	nn_dataset_free(&ds);
}

static void test_held_out(void)
{
	size_t k = 0, k0 = 0, k1 = 0, same = 0;
	for (uint64_t r = 0; r < 20000; r++) {
		k += (size_t)nn_ooc_held_out(7, r, 0.1);
		k0 += (size_t)nn_ooc_held_out(7, r, 0);
		k1 += (size_t)nn_ooc_held_out(7, r, 1);
		same += nn_ooc_held_out(7, r, 0.1) == nn_ooc_held_out(7, r, 0.1);
	}
	CHECK(k > 1800 && k < 2200, "f 0.1: about a tenth held out (%zu of 20000)", k);
	CHECK(k0 == 0 && k1 == 20000 && same == 20000, "f 0 none, f 1 all, the same rows each time");
	size_t other = 0;
	for (uint64_t r = 0; r < 2000; r++)
		other += nn_ooc_held_out(7, r, 0.1) != nn_ooc_held_out(8, r, 0.1);
	CHECK(other > 100, "another seed, other rows (%zu differ)", other);
}

/* Each integer dtype gathers to the floats nn_convert makes of it. */
static void test_gather(void)
{
	static const nn_dtype types[] = { NN_U8, NN_I8, NN_U16, NN_I16, NN_U32, NN_I32 };
	int all = 1;
	for (size_t k = 0; k < sizeof types / sizeof *types; k++) {
		unsigned char raw[6 * 8];
		float want[6], got[6];
		uint64_t idx[2] = { 1, 0 };
		nn_error err = { 0 };
		for (size_t i = 0; i < sizeof raw; i++)
			raw[i] = (unsigned char)(i * 37 + 201);      /* large and negative values too */
		size_t es = nn_dtype_size(types[k]);
		nn_dataset ds = { .n = 2, .d = 3, .xi = raw, .xi_dtype = types[k] };
		nn_convert(want, NN_F32, raw + 3 * es, types[k], 3, &err);
		nn_convert(want + 3, NN_F32, raw, types[k], 3, &err);
		nn_dataset_gather(&ds, idx, 2, got);
		all &= !memcmp(want, got, sizeof got);
	}
	CHECK(all, "u8, i8, u16, i16, u32, i32 gather to nn_convert's floats");
}

int main(void)
{
	test_gather();
	test_buffer();
	test_held_out();
	return check_done();
}
