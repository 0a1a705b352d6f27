/* test-stratify.c — stratified allocation (hand-computed, ties included,
 * and the Hamilton bounds on random cases) and k-fold sizes. */
#include <stdint.h>
#include <string.h>
#include "nn/rng.h"
#include "nn/stratify.h"
#include "check.h"

static int same(const uint64_t *a, const uint64_t *b, size_t n)
{
	return !memcmp(a, b, n * sizeof *a);
}

static void test_hand(void)
{
	nn_error err = { 0 };
	uint64_t a[9];

	/* nn-split(1)'s example: shares 2.5, 1.5, 1 of 5 test rows; the tie
	 * between a and b goes to the lower class */
	uint64_t c1[] = { 10, 6, 4 }, s1[] = { 5, 15 }, e1[] = { 3, 7, 1, 5, 1, 3 };
	CHECK(!nn_stratify(c1, 3, s1, 2, a, &err) && same(a, e1, 6), "10,6,4 into 5,15: a=3 b=1 c=1");
	/* the same tie, the classes swapped: the lower class still wins */
	uint64_t c2[] = { 6, 10, 4 }, e2[] = { 2, 4, 2, 8, 1, 3 };
	CHECK(!nn_stratify(c2, 3, s1, 2, a, &err) && same(a, e2, 6), "6,10,4 into 5,15: 2, 2, 1");
	/* largest remainder beats the lower class: shares 0.3 and 0.7 */
	uint64_t c3[] = { 3, 7 }, s3[] = { 1, 9 }, e3[] = { 0, 3, 1, 6 };
	CHECK(!nn_stratify(c3, 2, s3, 2, a, &err) && same(a, e3, 4), "3,7 into 1,9: the 0.7 share rounds up");
	/* the later block first: block 1 gets the tie's extra row only where
	 * block 0 has no room; shares 1.5 and 1.5 in 3 rows of block 0 */
	uint64_t c4[] = { 5, 5 }, s4[] = { 3, 7 }, e4[] = { 2, 3, 1, 4 };
	CHECK(!nn_stratify(c4, 2, s4, 2, a, &err) && same(a, e4, 4), "5,5 into 3,7: class 0 takes 2");
	/* three blocks, every remainder equal: class 0 keeps the earlier
	 * block; block 0 then hands on to block 1 its highest class (2),
	 * to block 2 the next (1) */
	uint64_t c5[] = { 1, 1, 1 }, s5[] = { 1, 1, 1 }, e5[] = { 1, 0, 0, 0, 0, 1, 0, 1, 0 };
	CHECK(!nn_stratify(c5, 3, s5, 3, a, &err) && same(a, e5, 9), "1,1,1 into 1,1,1: 0 / 2 / 1");
	/* 3-way through the third block: 20 rows 10/6/4 into 4, 4, 12 */
	uint64_t s6[] = { 4, 4, 12 }, e6[] = { 2, 2, 6, 1, 1, 4, 1, 1, 2 };
	CHECK(!nn_stratify(c1, 3, s6, 3, a, &err) && same(a, e6, 9), "10,6,4 into 4,4,12");
	/* a class with no rows gets none */
	uint64_t c7[] = { 0, 4, 0, 4 }, s7[] = { 3, 5 }, e7[] = { 0, 0, 2, 2, 0, 0, 1, 3 };
	CHECK(!nn_stratify(c7, 4, s7, 2, a, &err) && same(a, e7, 8), "empty classes stay empty");
	CHECK(nn_stratify(c1, 3, s5, 3, a, &err) && err.code == NN_EARG, "sizes that miss the total: NN_EARG");
	uint64_t s8[] = { 5, 5, 5, 5 };
	CHECK(nn_stratify(c1, 3, s8, 4, a, &err) && err.code == NN_EARG, "four blocks: NN_EARG");
}

/* Every count within a row of its exact share, every total exact. */
static void test_random(void)
{
	nn_rng r;
	nn_error err = { 0 };
	int ok = 1;

	nn_rng_seed(&r, 7, 0);
	for (int t = 0; t < 2000 && ok; t++) {
		size_t ncls = 1 + nn_rng_below(&r, 12), nblk = 1 + nn_rng_below(&r, 3);
		uint64_t counts[12], sizes[3] = { 0 }, alloc[36], n = 0;
		for (size_t g = 0; g < ncls; g++)
			n += counts[g] = nn_rng_below(&r, t % 2 ? 5 : 300);
		if (!n)
			counts[0] = n = 1;
		uint64_t left = n;
		for (size_t b = 0; b + 1 < nblk; b++)
			left -= sizes[b] = nn_rng_below(&r, left + 1);
		sizes[nblk - 1] = left;
		if (nn_stratify(counts, ncls, sizes, nblk, alloc, &err)) {
			ok = 0;
			break;
		}
		for (size_t b = 0; b < nblk; b++) {
			uint64_t sum = 0;
			for (size_t g = 0; g < ncls; g++) {
				unsigned __int128 q = (unsigned __int128)counts[g] * sizes[b];
				uint64_t lo = (uint64_t)(q / n), hi = lo + (q % n != 0);
				uint64_t v = alloc[g * nblk + b];
				ok &= v >= lo && v <= hi;
				sum += v;
			}
			ok &= sum == sizes[b];
		}
		for (size_t g = 0; g < ncls; g++) {
			uint64_t sum = 0;
			for (size_t b = 0; b < nblk; b++)
				sum += alloc[g * nblk + b];
			ok &= sum == counts[g];
		}
	}
	CHECK(ok, "2000 random cases: within a row of every share, totals exact (%s)", err.msg);
}

/* Two blocks: plain Hamilton for block 0 (largest remainders, the lowest
 * class first on ties), the case nn-train --val-size relies on.  The
 * remainders are integers: a tie is a tie (9, 254, 67, 130, 5 rows into
 * 279 has classes 0 and 1 tied at 186/465, which floating point splits). */
static void test_two_blocks(void)
{
	nn_rng r;
	nn_error err = { 0 };
	int ok = 1;
	uint64_t c0[] = { 9, 254, 67, 130, 5 }, s0[] = { 279, 186 }, a0[10];

	CHECK(!nn_stratify(c0, 5, s0, 2, a0, &err) && a0[0] == 6 && a0[2] == 152 && a0[4] == 40 &&
	      a0[6] == 78 && a0[8] == 3, "an exact tie goes to the lower class");
	nn_rng_seed(&r, 11, 0);
	for (int t = 0; t < 3000 && ok; t++) {
		size_t ncls = 2 + nn_rng_below(&r, 6), best;
		uint64_t counts[8], rem[8], take[8], alloc[16], n = 0, given = 0;
		for (size_t g = 0; g < ncls; g++)
			n += counts[g] = 1 + nn_rng_below(&r, t % 3 ? 200 : 3000);
		uint64_t sizes[2] = { 1 + nn_rng_below(&r, n - 1), 0 };
		sizes[1] = n - sizes[0];
		for (size_t g = 0; g < ncls; g++) {
			take[g] = counts[g] * sizes[0] / n;
			rem[g] = counts[g] * sizes[0] % n;
			given += take[g];
		}
		for (; given < sizes[0]; given++) {
			best = ncls;
			for (size_t g = 0; g < ncls; g++)
				if (rem[g] != UINT64_MAX && (best == ncls || rem[g] > rem[best]))
					best = g;
			take[best]++;
			rem[best] = UINT64_MAX;
		}
		ok = !nn_stratify(counts, ncls, sizes, 2, alloc, &err);
		for (size_t g = 0; ok && g < ncls; g++)
			ok = alloc[2 * g] == take[g];
	}
	CHECK(ok, "3000 random two-block cases: Hamilton's method, lowest class first on ties");
}

static void test_kfold(void)
{
	/* 10 rows, 3 folds: 4, 3, 3 */
	CHECK(nn_kfold_rows(0, 10, 3, 0) == 4 && nn_kfold_rows(0, 10, 3, 1) == 3 &&
	      nn_kfold_rows(0, 10, 3, 2) == 3, "10 rows in 3 folds: 4 3 3");
	/* classes of 5, 3, 2 rows sorted: positions 0-4, 5-7, 8-9 dealt to
	 * folds p mod 3: class 0 gets folds 0,1,2,0,1; class 1 2,0,1; class 2 2,0 */
	uint64_t want[3][3] = { { 2, 2, 1 }, { 1, 1, 1 }, { 1, 0, 1 } }, first[3] = { 0, 5, 8 },
	         rows[3] = { 5, 3, 2 };
	int ok = 1;
	for (int g = 0; g < 3; g++)
		for (int f = 0; f < 3; f++)
			ok &= nn_kfold_rows(first[g], rows[g], 3, (uint64_t)f) == want[g][f];
	CHECK(ok, "stratified folds of classes 5, 3, 2: exact membership by position");
	/* the folds partition any range, each within one of rows / k */
	ok = 1;
	for (uint64_t k = 1; k < 9; k++)
		for (uint64_t lo = 0; lo < 20; lo++)
			for (uint64_t n = 0; n < 30; n++) {
				uint64_t sum = 0;
				for (uint64_t f = 0; f < k; f++) {
					uint64_t v = nn_kfold_rows(lo, n, k, f), brute = 0;
					for (uint64_t p = lo; p < lo + n; p++)
						brute += p % k == f;
					ok &= v == brute;
					sum += v;
					uint64_t blk[3], before = 0;
					nn_kfold_blocks(lo, n, k, f, blk);
					for (uint64_t p = lo; p < lo + n; p++)
						before += p % k < f;
					ok &= blk[0] == before && blk[1] == v && blk[0] + blk[1] + blk[2] == n;
				}
				ok &= sum == n;
			}
	CHECK(ok, "every range and k: the count of positions p with p mod k == fold, and before it");
}

int main(void)
{
	test_hand();
	test_random();
	test_two_blocks();
	test_kfold();
	return check_done();
}
