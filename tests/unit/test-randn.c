/* test-randn.c — the fast normals: the moments and tails of a standard
 * normal, reproducible, and the same values whatever the call sizes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/randn.h"
#include "check.h"

#define N 2000000

int main(void)
{
	float *z = malloc(N * sizeof *z), *y = malloc(N * sizeof *y);
	nn_rng r;
	double sum = 0, sq = 0, q4 = 0, q3 = 0, xy = 0;
	size_t over2 = 0, over3 = 0, nonfinite = 0;
	float zmax = 0;

	if (!z || !y)
		return 1;
	nn_rng_seed(&r, 1, 0);
	nn_randn_f32(&r, z, N);
	for (size_t i = 0; i < N; i++) {
		double v = z[i];
		nonfinite += !isfinite(v);
		sum += v;
		sq += v * v;
		q3 += v * v * v;
		q4 += v * v * v * v;
		over2 += fabs(v) > 2;
		over3 += fabs(v) > 3;
		zmax = fmaxf(zmax, fabsf(z[i]));
		if (i % 2 == 0)
			xy += v * z[i + 1];
	}
	double mean = sum / N, var = sq / N - mean * mean;
	CHECK(nonfinite == 0, "every value is finite");
	CHECK(fabs(mean) < 0.003, "mean %g is 0 within 4 standard errors", mean);
	CHECK(fabs(var - 1) < 0.005, "variance %g is 1", var);
	CHECK(fabs(q3 / N) < 0.01, "third moment %g is 0 (symmetric)", q3 / N);
	CHECK(fabs(q4 / N - 3) < 0.03, "fourth moment %g is 3 (normal tails)", q4 / N);
	/* P(|z| > 2) = 0.0455003, P(|z| > 3) = 0.0026998 */
	CHECK(fabs((double)over2 / N - 0.0455003) < 0.0006, "P(|z|>2) = %g", (double)over2 / N);
	CHECK(fabs((double)over3 / N - 0.0026998) < 0.00015, "P(|z|>3) = %g", (double)over3 / N);
	CHECK(zmax > 4.5 && zmax < 6.7, "largest |z| %g: tails reached, bounded by the 31 bits", zmax);
	CHECK(fabs(xy / (N / 2)) < 0.005, "the two values of a pair are uncorrelated (%g)", xy / (N / 2));

	/* the same state gives the same values, in one call or in pieces of
	 * even length */
	nn_rng_seed(&r, 1, 0);
	nn_randn_f32(&r, y, 6);
	nn_randn_f32(&r, y + 6, 1000);
	nn_randn_f32(&r, y + 1006, N - 1006);
	CHECK(!memcmp(y, z, N * sizeof *z), "values do not depend on how the calls are cut");
	/* an odd count drops the second value of the last pair */
	nn_rng_seed(&r, 1, 0);
	nn_randn_f32(&r, y, 5);
	nn_randn_f32(&r, y + 5, 2);
	CHECK(!memcmp(y, z, 5 * sizeof *z) && y[5] == z[6], "an odd count uses (n+1)/2 words");
	/* pinned values: a change in the method shows here, and the numbers
	 * are the same on every IEEE machine */
	printf("# first values: %.9g %.9g %.9g %.9g\n", z[0], z[1], z[2], z[3]);
	free(z);
	free(y);
	return check_done();
}
