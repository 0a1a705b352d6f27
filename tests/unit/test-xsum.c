/* test-xsum.c — exact sums: cancellation, any order and grouping giving the
 * same bits, products, scaling, subnormals, and the rounding of the value. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/rng.h"
#include "nn/xsum.h"
#include "check.h"

static int same_bits(double a, double b)
{
	return !memcmp(&a, &b, sizeof a);
}

int main(void)
{
	nn_xsum s, t, u;

	nn_xsum_init(&s);
	CHECK(nn_xsum_value(&s) == 0, "empty sum is 0");
	nn_xsum_add(&s, 1e100);
	nn_xsum_add(&s, 1);
	nn_xsum_add(&s, -1e100);
	CHECK(nn_xsum_value(&s) == 1, "1e100 + 1 - 1e100 = 1 (a double sum gives 0)");
	nn_xsum_init(&s);
	nn_xsum_add(&s, 0.1);
	nn_xsum_add(&s, 0.2);
	CHECK(same_bits(nn_xsum_value(&s), 0.30000000000000004), "0.1 + 0.2 rounds once, as the double sum");
	nn_xsum_add(&s, -0.3);
	CHECK(nn_xsum_value(&s) == 0.1 + 0.2 - 0.3 || fabs(nn_xsum_value(&s) - 2.7755575615628914e-17) < 1e-32,
	      "0.1 + 0.2 - 0.3 is the exact difference of the three doubles: %.17g", nn_xsum_value(&s));
	nn_xsum_init(&s);
	nn_xsum_add(&s, DBL_TRUE_MIN);
	nn_xsum_add(&s, DBL_TRUE_MIN);
	CHECK(nn_xsum_value(&s) == 2 * DBL_TRUE_MIN, "subnormals add exactly");
	nn_xsum_init(&s);
	nn_xsum_add(&s, DBL_MAX);
	nn_xsum_add(&s, -DBL_MAX);
	nn_xsum_add(&s, -3.5);
	CHECK(nn_xsum_value(&s) == -3.5, "negative results: %g", nn_xsum_value(&s));
	nn_xsum_add(&s, DBL_MAX);
	nn_xsum_add(&s, DBL_MAX);
	CHECK(isinf(nn_xsum_value(&s)), "beyond the range of doubles: infinite");

	/* 10000 values of every magnitude, summed forwards, backwards and as
	 * 7 shards merged: the same bits; and the correctly rounded value of
	 * sums that cancel to a known result. */
	nn_rng r;
	nn_rng_seed(&r, 1, 1);
	enum { N = 10000 };
	static double v[N];
	for (int i = 0; i < N; i++)
		v[i] = ldexp(nn_rng_normal(&r), (int)nn_rng_below(&r, 200) - 100);
	nn_xsum_init(&s);
	nn_xsum_init(&t);
	for (int i = 0; i < N; i++) {
		nn_xsum_add(&s, v[i]);
		nn_xsum_add(&t, v[N - 1 - i]);
	}
	nn_xsum shard[7];
	for (int k = 0; k < 7; k++)
		nn_xsum_init(&shard[k]);
	for (int i = 0; i < N; i++)
		nn_xsum_add(&shard[(i * 31) % 7], v[i]);
	nn_xsum_init(&u);
	for (int k = 6; k >= 0; k--)
		nn_xsum_merge(&u, &shard[k]);
	CHECK(same_bits(nn_xsum_value(&s), nn_xsum_value(&t)) && same_bits(nn_xsum_value(&s), nn_xsum_value(&u)),
	      "any order, any grouping: the same bits (%.17g)", nn_xsum_value(&s));
	nn_xsum_normalize(&s);
	nn_xsum_normalize(&u);
	CHECK(!memcmp(s.limb, u.limb, sizeof s.limb), "the normalized forms are equal");
	for (int i = 0; i < N; i++)
		nn_xsum_add(&s, -v[i]);
	nn_xsum_add(&s, 0.125);
	CHECK(nn_xsum_value(&s) == 0.125, "everything taken away again leaves exactly what was added");

	/* products: 0.1 * 0.1 is not 0.01 in doubles; the exact product minus
	 * its rounding is the fma residue */
	nn_xsum_init(&s);
	nn_xsum_add_product(&s, 0.1, 0.1);
	nn_xsum_add(&s, -(0.1 * 0.1));
	CHECK(same_bits(nn_xsum_value(&s), fma(0.1, 0.1, -(0.1 * 0.1))), "a product is held exactly");
	/* scaling: (sum of 3 and 5) times -2.5 = -20; t times 1/3 then minus */
	nn_xsum_init(&s);
	nn_xsum_init(&t);
	nn_xsum_add(&t, 3);
	nn_xsum_add(&t, 5);
	nn_xsum_add_scaled(&s, &t, -2.5);
	CHECK(nn_xsum_value(&s) == -20, "scaled: %g", nn_xsum_value(&s));
	nn_xsum_init(&s);
	nn_xsum_add(&t, ldexp(1, -900));
	nn_xsum_add_scaled(&s, &t, 0.1);
	nn_xsum_add_product(&s, 8, -0.1);
	nn_xsum_add_product(&s, ldexp(1, -900), -0.1);
	CHECK(nn_xsum_value(&s) == 0, "scaled by 0.1 exactly, across 900 binary places");
	return check_done();
}
