/* test-holdout.c — rows held out for validation: the count from a
 * fraction or a number; regression takes the first rows of the shuffled
 * order; classification takes nn_stratify's share of every class; both
 * sets keep input order and together hold every row once; a count that
 * leaves a set empty is refused with the rows untouched; the training
 * rows stay where they were (a row map), the validation rows are copied;
 * a second hold-out from a mapped set maps through the first. */
#include <stdlib.h>
#include <string.h>
#include "nn/holdout.h"
#include "nn/stratify.h"
#include "check.h"

#define N 23

/* Row i: features (i, -i), target 10 i, class i % 3 but rows 20..22 class 1. */
static void make(nn_dataset *ds, int with_t)
{
	memset(ds, 0, sizeof *ds);   /* the members not set here: none */
	ds->n = N;
	ds->d = 2;
	ds->k = with_t ? 1 : 0;
	ds->x = malloc(N * 2 * sizeof(float));
	ds->t = with_t ? malloc(N * sizeof(float)) : NULL;
	ds->cls = with_t ? NULL : malloc(N * sizeof(int32_t));
	ds->crc = 0xabcd;
	ds->rows = NULL;
	for (int i = 0; i < N; i++) {
		ds->x[2 * i] = (float)i;
		ds->x[2 * i + 1] = (float)-i;
		if (with_t)
			ds->t[i] = 10.0f * (float)i;
		else
			ds->cls[i] = i >= 20 ? 1 : i % 3;
	}
}

static void drop(nn_dataset *ds)
{
	free(ds->x);
	free(ds->t);
	free(ds->cls);
	free(ds->rows);
}

/* Both sets in input order, rows intact, every row in one of them. */
static int partition_ok(const nn_dataset *tr, const nn_dataset *val, int with_t)
{
	int seen[N] = { 0 };
	const nn_dataset *sets[2] = { tr, val };
	for (int s = 0; s < 2; s++) {
		float last = -1;
		for (size_t jj = 0; jj < sets[s]->n; jj++) {
			size_t j = nn_dataset_row(sets[s], jj);
			float r = sets[s]->x[2 * j];
			int i = (int)r;
			if (r <= last || sets[s]->x[2 * j + 1] != -r || seen[i]++)
				return 0;
			if (with_t ? sets[s]->t[j] != 10.0f * r : sets[s]->cls[j] != (i >= 20 ? 1 : i % 3))
				return 0;
			last = r;
		}
	}
	for (int i = 0; i < N; i++)
		if (seen[i] != 1)
			return 0;
	return 1;
}

int main(void)
{
	nn_dataset tr, val;
	nn_rng rng;
	nn_error err = { 0 };

	CHECK(nn_holdout_count(0.2, 150) == 30 && nn_holdout_count(0.21, 10) == 3 && nn_holdout_count(20, 150) == 20,
	      "a fraction rounds up; 1 or more is a count");

	/* regression: the first 5 rows of the shuffled order */
	make(&tr, 1);
	nn_rng_seed(&rng, 42, 3);
	nn_rng ref = rng;
	uint64_t order[N];
	for (int i = 0; i < N; i++)
		order[i] = (uint64_t)i;
	nn_rng_shuffle(&ref, order, N);
	CHECK(nn_holdout(&tr, &val, 5, 0, 0, &rng, &err) == 0 && tr.n == 18 && val.n == 5, "5 of 23 held out");
	CHECK(partition_ok(&tr, &val, 1), "regression: input order kept, every row once");
	int first = 1;
	for (size_t j = 0; j < val.n; j++) {
		int in = 0;
		for (int i = 0; i < 5; i++)
			in |= (float)order[i] == val.x[2 * j];
		first &= in;
	}
	CHECK(first && val.crc == 0xabcd && val.d == 2 && val.k == 1, "the first rows of the order; the other members tr's");
	int in_place = tr.rows && !val.rows;
	for (size_t j = 0; j < tr.n; j++)
		in_place &= tr.x[2 * tr.rows[j]] == (float)tr.rows[j];
	CHECK(in_place, "the training rows stay where they were read, through a row map");
	/* again from the mapped set: rows map through the first hold-out */
	nn_dataset val3;
	CHECK(nn_holdout(&tr, &val3, 3, 0, 0, &rng, &err) == 0 && tr.n == 15 && val3.n == 3 && !val3.rows,
	      "3 more of the 18 held out");
	int whole = 1;
	for (size_t j = 0; j < val3.n; j++)
		whole &= val3.x[2 * j + 1] == -val3.x[2 * j] && val3.t[j] == 10.0f * val3.x[2 * j];
	for (size_t j = 0; j < tr.n; j++)
		for (size_t i = 0; i < val3.n; i++)
			whole &= tr.x[2 * tr.rows[j]] != val3.x[2 * i];
	CHECK(whole, "a second hold-out takes whole rows, none of them left in training");
	drop(&val3);
	drop(&tr);
	drop(&val);

	/* classification: classes 0, 1, 2 with 7, 10, 6 rows; 6 held out */
	make(&tr, 0);
	nn_rng_seed(&rng, 7, 3);
	uint64_t counts[3] = { 7, 10, 6 }, sizes[2] = { 6, 17 }, alloc[6];
	nn_stratify(counts, 3, sizes, 2, alloc, &err);
	CHECK(nn_holdout(&tr, &val, 6, 1, 3, &rng, &err) == 0 && val.n == 6 && tr.n == 17, "6 of 23 held out");
	uint64_t got[3] = { 0 };
	for (size_t j = 0; j < val.n; j++)
		got[val.cls[nn_dataset_row(&val, j)]]++;
	CHECK(got[0] == alloc[0] && got[1] == alloc[2] && got[2] == alloc[4], "every class its stratified share: %llu %llu %llu",
	      (unsigned long long)got[0], (unsigned long long)got[1], (unsigned long long)got[2]);
	CHECK(partition_ok(&tr, &val, 0), "classification: input order kept, every row once");
	nn_dataset tr2, val2;
	make(&tr2, 0);
	nn_rng_seed(&rng, 7, 3);
	nn_holdout(&tr2, &val2, 6, 1, 3, &rng, &err);
	CHECK(!memcmp(val.x, val2.x, 6 * 2 * sizeof(float)), "the same generator, the same rows");
	drop(&tr2);
	drop(&val2);
	drop(&val);

	memset(&val, 0, sizeof val);
	CHECK(nn_holdout(&tr, &val, 0, 1, 3, &rng, &err) == -1 && err.code == NN_EARG &&
	      nn_holdout(&tr, &val, 17, 1, 3, &rng, &err) == -1 && tr.n == 17 && !val.x,
	      "none, or all, refused; the rows untouched: %s", err.msg);
	drop(&tr);
	return check_done();
}
