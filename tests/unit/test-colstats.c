/* test-colstats.c — column moments against hand-computed values and a long
 * double reference; radix-selected quantiles against nn_quantile (itself
 * checked against numpy's documented results) for every dtype. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/colstats.h"
#include "nn/rng.h"
#include "check.h"

static void test_moments_small(void)
{
	/* columns: [1,2,3,4], [5,NaN,5,inf], [NaN,NaN,NaN,NaN] */
	float x[] = { 1, 5, NAN, 2, NAN, NAN, 3, 5, NAN, 4, INFINITY, NAN };
	nn_colmoments *m = nn_colmoments_new(3, NULL);
	CHECK(m != NULL, "colmoments_new");
	nn_colmoments_add(m, x, NN_F32, 2, NULL);
	nn_colmoments_add(m, x + 6, NN_F32, 2, NULL);
	CHECK(m->count[0] == 4 && m->mean[0] == 2.5 && nn_colmoments_var(m, 0) == 1.25,
	      "1 2 3 4: mean 2.5, variance 1.25 across two adds");
	CHECK(m->min[0] == 1 && m->max[0] == 4, "min 1, max 4");
	CHECK(m->count[1] == 2 && m->nonfinite[1] == 2 && m->mean[1] == 5 &&
	      nn_colmoments_var(m, 1) == 0, "NaN and inf left out and counted");
	CHECK(m->count[2] == 0 && isnan(nn_colmoments_var(m, 2)) && m->nonfinite[2] == 4,
	      "a column of NaNs has no variance");
	nn_colmoments_free(m);

	unsigned char keep[] = { 1, 0, 1, 0 };
	uint8_t u[] = { 10, 200, 20, 250 };
	m = nn_colmoments_new(1, NULL);
	nn_colmoments_add(m, u, NN_U8, 4, keep);
	CHECK(m->count[0] == 2 && m->mean[0] == 15 && nn_colmoments_var(m, 0) == 25,
	      "keep mask skips rows (u8 10, 20: mean 15, variance 25)");
	nn_colmoments_free(m);
}

/* A column with a large offset and a small spread over many chunks: the
 * naive sum-of-squares formula loses every digit here. */
static void test_moments_stable(void)
{
	enum { N = 200003 };
	double *v = malloc(N * sizeof *v);
	nn_rng r;
	long double sum = 0, ss = 0, mean;
	nn_rng_seed(&r, 1, 0);
	for (int i = 0; i < N; i++) {
		v[i] = 1e9 + nn_rng_normal(&r) * 1e-3;
		sum += v[i];
	}
	mean = sum / N;
	for (int i = 0; i < N; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	nn_colmoments *m = nn_colmoments_new(1, NULL);
	for (int i = 0; i < N; i += 9999)
		nn_colmoments_add(m, v + i, NN_F64, N - i < 9999 ? (size_t)(N - i) : 9999, NULL);
	double want_sd = sqrtl(ss / N), got_sd = sqrt(nn_colmoments_var(m, 0));
	CHECK(fabs(m->mean[0] - (double)mean) <= 1e-15 * 1e9, "mean of 1e9 + N(0, 1e-3): %.17g", m->mean[0]);
	CHECK(fabs(got_sd - want_sd) <= 1e-9 * want_sd, "std %.17g against %.17g", got_sd, want_sd);
	nn_colmoments_free(m);
	free(v);
}

static void test_quantile(void)
{
	double a[] = { 4, 1, 3, 2 };
	double b[] = { 4, 1, 3, 2 };
	double c[] = { 4, 1, 3, 2 };
	double d[] = { 7 };
	CHECK(nn_quantile(a, 4, 0.25) == 1.75, "q25 of 1..4 is 1.75 (numpy)");
	CHECK(nn_quantile(b, 4, 0.5) == 2.5, "q50 of 1..4 is 2.5");
	CHECK(nn_quantile(c, 4, 0.75) == 3.25, "q75 of 1..4 is 3.25");
	CHECK(nn_quantile(d, 1, 0.3) == 7, "one value");
	CHECK(isnan(nn_quantile(d, 0, 0.5)), "no value: NaN");
	/* np.percentile([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] / 10, 30) = 0.3 */
	double e[11];
	for (int i = 0; i < 11; i++)
		e[i] = (10 - i) / 10.0;
	CHECK(nn_quantile(e, 11, 0.3) == 0.3, "q30 of 0, 0.1 ... 1 is 0.3");
	/* many equal values, in any order */
	double f[1000];
	for (int i = 0; i < 1000; i++)
		f[i] = i % 3;
	CHECK(nn_quantile(f, 1000, 0.5) == 1, "median of 0 1 2 repeated is 1");
}

/* Fill n values of dtype t from doubles. */
static void fill(void *dst, nn_dtype t, const double *v, size_t n)
{
	nn_convert(dst, t, v, NN_F64, n, NULL);
}

static void test_colselect(void)
{
	static const nn_dtype types[] = { NN_U8, NN_I8, NN_U16, NN_I16, NN_U32, NN_I32,
	                                  NN_U64, NN_I64, NN_F32, NN_F64 };
	const double q[] = { 0.25, 0.5, 0.75, 0, 1 };
	enum { ROWS = 1001, COLS = 5 };
	nn_rng r;
	nn_rng_seed(&r, 5, 0);
	for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
		nn_dtype t = types[ti];
		int fl = nn_dtype_is_float(t), sg = nn_dtype_is_signed(t);
		double *v = malloc(ROWS * COLS * sizeof *v), *col = malloc(ROWS * sizeof *col);
		void *data = malloc(ROWS * COLS * 8);
		unsigned char keep[ROWS];
		for (int i = 0; i < ROWS * COLS; i++) {
			int c = i % COLS;
			double x = (double)nn_rng_below(&r, c == 0 ? 3 : 100);    /* column 0: many ties */
			if (sg && c == 2)
				x -= 50;
			if (fl && c == 3)
				x = nn_rng_normal(&r) * 1e3;
			if (fl && c == 4 && i % 7 == 0)
				x = i % 2 ? NAN : -INFINITY;
			if (fl && c == 4 && i % 11 == 0)
				x = -0.0;
			v[i] = x;
		}
		for (int i = 0; i < ROWS; i++)
			keep[i] = i % 5 != 1;
		fill(data, t, v, ROWS * COLS);
		nn_colselect *s = nn_colselect_new(COLS, t, q, 5, NULL);
		int rc = 0, passes = 0;
		while (!rc) {
			/* fed in two parts, in another order on every pass */
			size_t half = (400 + 100 * (size_t)passes) % ROWS, w = (size_t)COLS * nn_dtype_size(t);
			nn_colselect_add(s, (char *)data + half * w, ROWS - half, keep + half);
			nn_colselect_add(s, data, half, keep);
			rc = nn_colselect_pass_done(s, NULL);
			passes++;
		}
		double out[COLS * 5];
		uint64_t cnt[COLS];
		nn_colselect_result(s, out, cnt);
		int ok = rc == 1 && passes == (int)nn_dtype_size(t);
		for (int c = 0; c < COLS; c++) {
			size_t n = 0;
			for (int i = 0; i < ROWS; i++) {
				double x;
				nn_convert(&x, NN_F64, (char *)data + (size_t)(i * COLS + c) * nn_dtype_size(t), t, 1, NULL);
				if (keep[i] && isfinite(x))
					col[n++] = x;
			}
			ok &= cnt[c] == n;
			for (int k = 0; k < 5; k++) {
				double want = nn_quantile(col, n, q[k]);
				if (out[c * 5 + k] != want) {
					ok = 0;
					printf("# %s column %d q%g: %.17g, want %.17g\n", nn_dtype_name(t), c,
					       q[k], out[c * 5 + k], want);
				}
			}
		}
		CHECK(ok, "%s: radix-selected quantiles equal the in-memory ones, %d passes",
		      nn_dtype_name(t), passes);
		nn_colselect_free(s);
		free(v);
		free(col);
		free(data);
	}
	/* no finite value at all */
	float nan2[2] = { NAN, NAN };
	nn_colselect *s = nn_colselect_new(1, NN_F32, q, 1, NULL);
	do
		nn_colselect_add(s, nan2, 2, NULL);
	while (!nn_colselect_pass_done(s, NULL));
	double o;
	uint64_t c;
	nn_colselect_result(s, &o, &c);
	CHECK(isnan(o) && c == 0, "a column of NaNs has NaN quantiles");
	nn_colselect_free(s);
	CHECK(nn_colselect_new(1, NN_F32, (double[]){ 1.5 }, 1, NULL) == NULL, "q outside [0, 1] refused");
}

int main(void)
{
	test_moments_small();
	test_moments_stable();
	test_quantile();
	test_colselect();
	return check_done();
}
