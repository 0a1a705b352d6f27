/* test-rng.c — the seeded generator: reproducible, independent streams,
 * unbiased ranges and the moments of every distribution. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/rng.h"
#include "check.h"

static void test_reproducible(void)
{
	nn_rng a, b, c;
	nn_rng_seed(&a, 42, 0);
	nn_rng_seed(&b, 42, 0);
	nn_rng_seed(&c, 42, 1);
	int same = 1, differ = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = nn_rng_u64(&a), y = nn_rng_u64(&b), z = nn_rng_u64(&c);
		same &= x == y;
		differ += x != z;
	}
	CHECK(same, "same seed and stream give the same sequence");
	CHECK(differ == 1000, "another stream of the same seed gives another sequence");
	nn_rng z0;
	nn_rng_seed(&z0, 0, 0);
	CHECK(z0.s[0] | z0.s[1] | z0.s[2] | z0.s[3], "seed 0 gives a non-zero state");
	/* The reference output of xoshiro256** from the state {1,2,3,4}
	 * (prng.di.unimi.it reference code): 11520, 0, 1509978240, 1215971899390074240. */
	nn_rng ref = { { 1, 2, 3, 4 } };
	uint64_t r0 = nn_rng_u64(&ref), r1 = nn_rng_u64(&ref), r2 = nn_rng_u64(&ref), r3 = nn_rng_u64(&ref);
	CHECK(r0 == 11520 && r1 == 0 && r2 == 1509978240 && r3 == 1215971899390074240ull,
	      "xoshiro256** matches the reference sequence");
}

static void test_ranges(void)
{
	nn_rng r;
	nn_rng_seed(&r, 7, 0);
	int counts[7] = { 0 };
	int ok = 1;
	for (int i = 0; i < 70000; i++) {
		uint64_t v = nn_rng_below(&r, 7);
		if (v >= 7) { ok = 0; break; }
		counts[v]++;
	}
	for (int i = 0; i < 7; i++)
		ok &= counts[i] > 9500 && counts[i] < 10500;
	CHECK(ok, "below(7) stays in range and is uniform within 5%%");
	double lo = 1, hi = 0;
	for (int i = 0; i < 100000; i++) {
		double u = nn_rng_uniform(&r);
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	CHECK(lo >= 0 && lo < 0.001 && hi < 1 && hi > 0.999, "uniform covers [0, 1)");
}

static void moments(nn_rng *r, double (*draw)(nn_rng *, double, double), double a, double b,
                    double *mean, double *var)
{
	const int n = 200000;
	double s = 0, s2 = 0;
	for (int i = 0; i < n; i++) {
		double x = draw(r, a, b);
		s += x;
		s2 += x * x;
	}
	*mean = s / n;
	*var = s2 / n - *mean * *mean;
}

static double draw_normal(nn_rng *r, double a, double b) { (void)a; (void)b; return nn_rng_normal(r); }
static double draw_gamma(nn_rng *r, double a, double b) { (void)b; return nn_rng_gamma(r, a); }
static double draw_beta(nn_rng *r, double a, double b) { return nn_rng_beta(r, a, b); }

static void test_distributions(void)
{
	nn_rng r;
	nn_rng_seed(&r, 1, 2);
	double m, v;
	moments(&r, draw_normal, 0, 0, &m, &v);
	CHECK(fabs(m) < 0.01 && fabs(v - 1) < 0.02, "normal: mean %.4f variance %.4f", m, v);
	moments(&r, draw_gamma, 2.5, 0, &m, &v);
	CHECK(fabs(m - 2.5) < 0.03 && fabs(v - 2.5) < 0.06, "gamma(2.5): mean %.4f variance %.4f", m, v);
	moments(&r, draw_gamma, 0.4, 0, &m, &v);
	CHECK(fabs(m - 0.4) < 0.01 && fabs(v - 0.4) < 0.03, "gamma(0.4): mean %.4f variance %.4f", m, v);
	moments(&r, draw_beta, 0.2, 0.2, &m, &v);
	/* Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)). */
	CHECK(fabs(m - 0.5) < 0.01 && fabs(v - 1 / (4 * 1.4)) < 0.01, "beta(0.2, 0.2): mean %.4f variance %.4f", m, v);
}

static void test_shuffle_hash(void)
{
	uint64_t idx[100];
	for (int i = 0; i < 100; i++)
		idx[i] = (uint64_t)i;
	nn_rng r;
	nn_rng_seed(&r, 3, 0);
	nn_rng_shuffle(&r, idx, 100);
	int seen[100] = { 0 }, moved = 0;
	for (int i = 0; i < 100; i++) {
		seen[idx[i]]++;
		moved += idx[i] != (uint64_t)i;
	}
	int perm = 1;
	for (int i = 0; i < 100; i++)
		perm &= seen[i] == 1;
	CHECK(perm && moved > 80, "shuffle is a permutation that moves most items (%d)", moved);
	CHECK(nn_hash64(1, 5) == nn_hash64(1, 5) && nn_hash64(1, 5) != nn_hash64(2, 5) &&
	      nn_hash64(1, 5) != nn_hash64(1, 6), "hash depends on seed and value only");
}

int main(void)
{
	test_reproducible();
	test_ranges();
	test_distributions();
	test_shuffle_hash();
	return check_done();
}
