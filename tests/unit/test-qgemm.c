/* test-qgemm.c — int8 products against plain integer loops: the int32
 * sums exact on random shapes (odd sizes, one row, one output, widths
 * that are not multiples of 4 or 16) for the fast kernel and the plain
 * one, the largest sums at NN_QGEMM_MAX_IN, the activations' codes
 * against their definition, and the f32 outputs the same bytes from
 * every kernel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/qgemm.h"
#include "nn/rng.h"
#include "check.h"

/* Σ_i u[r][i] q[o][i] in int64, from the unpacked weights */
static int sums_ok(const nn_qw *w, const int8_t *q, const uint8_t *u, size_t rows, const int32_t *acc)
{
	for (size_t r = 0; r < rows; r++)
		for (size_t o = 0; o < w->out; o++) {
			int64_t ref = 0;
			for (size_t i = 0; i < w->in; i++)
				ref += (int64_t)u[r * w->in4 + i] * q[o * w->in + i];
			if (ref != acc[r * w->out + o])
				return 0;
		}
	return 1;
}

/* The activations' codes by their definition (nn/qgemm.h), one row. */
static int codes_ok(const float *x, size_t in, const uint8_t *u, float s, int32_t z)
{
	float lo = 0, hi = 0;
	for (size_t i = 0; i < in; i++) {
		lo = fminf(lo, x[i]);
		hi = fmaxf(hi, x[i]);
	}
	float want_s = (hi - lo) / 255.0f;
	if (want_s == 0)
		return s == 0 && z == 0;
	if (s != want_s)
		return 0;
	float inv = 1.0f / s;
	if (z != (int32_t)(fminf(-lo * inv, 255.0f) + 0.5f))   /* round(-lo / s) */
		return 0;
	for (size_t i = 0; i < in; i++) {
		float v = fminf(fmaxf(x[i] * inv + (float)z, 0.0f), 255.0f);
		if (u[i] != (uint8_t)(int32_t)(v + 0.5f))
			return 0;
		/* and the code's value is within half a step of x (plus rounding) */
		if (fabsf(s * ((float)u[i] - (float)z) - x[i]) > 0.5f * s * 1.001f + 1e-6f)
			return 0;
	}
	return 1;
}

int main(void)
{
	nn_error err = { 0 };
	nn_rng rng;
	nn_rng_seed(&rng, 19, 0);
	enum nn_qgemm_kernel best = nn_qgemm_best();
	printf("# best kernel here: %s\n", nn_qgemm_kernel_name(best));

	static const size_t shapes[][3] = {   /* rows, in, out */
		{ 1, 1, 1 }, { 3, 5, 17 }, { 7, 33, 15 }, { 5, 64, 64 }, { 9, 130, 70 },
		{ 13, 257, 129 }, { 4, 784, 10 }, { 6, 3, 65 }, { 2, 1000, 33 },
	};
	int sums = 1, same_bytes = 1, codes = 1, formula = 1;
	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
		size_t rows = shapes[k][0], in = shapes[k][1], out = shapes[k][2];
		int8_t *q = malloc(out * in);
		float *scale = malloc(out * sizeof *scale), *bias = malloc(out * sizeof *bias);
		float *x = malloc(rows * in * sizeof *x);
		for (size_t i = 0; i < out * in; i++)
			q[i] = (int8_t)((int)nn_rng_below(&rng, 255) - 127);
		for (size_t o = 0; o < out; o++) {
			scale[o] = (float)(0.01 * nn_rng_uniform(&rng));
			bias[o] = (float)nn_rng_normal(&rng);
		}
		for (size_t i = 0; i < rows * in; i++)   /* some rows non-negative, some not */
			x[i] = (float)(k % 2 ? nn_rng_uniform(&rng) : nn_rng_normal(&rng));
		nn_qw *w = nn_qw_new(q, scale, out, in, &err);
		if (!w) {
			CHECK(0, "pack [%zu x %zu]: %s", out, in, err.msg);
			continue;
		}
		uint8_t *u = malloc(rows * w->in4), *u2 = malloc(rows * w->in4);
		int32_t *acc = malloc(rows * out * sizeof *acc), *z = malloc(rows * sizeof *z), *z2 = malloc(rows * sizeof *z2);
		float *s = malloc(rows * sizeof *s), *s2 = malloc(rows * sizeof *s2);
		float *y = malloc(rows * out * sizeof *y), *y2 = malloc(rows * out * sizeof *y2);

		/* raw sums on random codes, padding bytes random too (the packed
		 * weights are 0 there) */
		for (size_t i = 0; i < rows * w->in4; i++)
			u[i] = (uint8_t)nn_rng_below(&rng, 256);
		for (int kern = 0; kern < 2; kern++) {
			w->kernel = kern ? best : NN_QGEMM_PLAIN;
			memset(acc, 0x55, rows * out * sizeof *acc);
			nn_qgemm_s32(w, u, rows, acc);
			sums &= sums_ok(w, q, u, rows, acc);
		}

		/* activations: the plain codes, and the fast ones the same */
		w->kernel = NN_QGEMM_PLAIN;
		nn_qact_rows(w, x, rows, u, s, z);
		w->kernel = best;
		nn_qact_rows(w, x, rows, u2, s2, z2);
		same_bytes &= !memcmp(u, u2, rows * w->in4) && !memcmp(s, s2, rows * sizeof *s) &&
		              !memcmp(z, z2, rows * sizeof *z);
		for (size_t r = 0; r < rows; r++) {
			codes &= codes_ok(x + r * in, in, u + r * w->in4, s[r], z[r]);
			for (size_t i = in; i < w->in4; i++)
				codes &= u[r * w->in4 + i] == 0;
		}

		/* outputs: the formula on the exact sums, from either kernel */
		w->kernel = NN_QGEMM_PLAIN;
		nn_qgemm(w, u, s, z, rows, bias, y);
		nn_qgemm_s32(w, u, rows, acc);
		w->kernel = best;
		nn_qgemm(w, u, s, z, rows, bias, y2);
		same_bytes &= !memcmp(y, y2, rows * out * sizeof *y);
		nn_qgemm(w, u, s, z, rows, NULL, y2);
		for (size_t r = 0; r < rows; r++)
			for (size_t o = 0; o < out; o++) {
				float v = (float)(acc[r * out + o] - z[r] * w->wsum[o]) * (s[r] * scale[o]);
				formula &= !memcmp(&y[r * out + o], &(float){ v + bias[o] }, sizeof v) &&
				           !memcmp(&y2[r * out + o], &v, sizeof v);
			}
		nn_qw_free(w);
		free(q);
		free(scale);
		free(bias);
		free(x);
		free(u);
		free(u2);
		free(acc);
		free(z);
		free(z2);
		free(s);
		free(s2);
		free(y);
		free(y2);
	}
	CHECK(sums, "int32 sums equal an int64 loop on 9 shapes, plain and %s kernels", nn_qgemm_kernel_name(best));
	CHECK(codes, "activation codes, scales and zero points as defined; padding 0");
	CHECK(same_bytes, "codes and f32 outputs: the same bytes from the plain and %s kernels",
	      nn_qgemm_kernel_name(best));
	CHECK(formula, "outputs: (acc - z wsum) (s scale) + bias, and without bias when NULL");

	/* the largest sums: 255 × ±127 over NN_QGEMM_MAX_IN inputs */
	{
		size_t in = NN_QGEMM_MAX_IN, out = 17;
		int8_t *q = malloc(out * in);
		float scale[17];
		for (size_t o = 0; o < out; o++) {
			memset(q + o * in, o % 2 ? -127 : 127, in);
			scale[o] = 1;
		}
		nn_qw *w = nn_qw_new(q, scale, out, in, &err);
		uint8_t *u = malloc(2 * in);
		int32_t acc[34];
		memset(u, 255, 2 * in);
		int ok = w != NULL;
		for (int kern = 0; ok && kern < 2; kern++) {
			w->kernel = kern ? best : NN_QGEMM_PLAIN;
			nn_qgemm_s32(w, u, 2, acc);
			for (size_t o = 0; o < 34; o++)
				ok &= acc[o] == (o % 17 % 2 ? -1 : 1) * 255 * 127 * (int64_t)in;
		}
		CHECK(ok, "sums of 255 x 127 x %d = %lld exact, both kernels", NN_QGEMM_MAX_IN,
		      255LL * 127 * NN_QGEMM_MAX_IN);
		nn_qw_free(w);
		CHECK(!nn_qw_new(q, scale, 1, in + 1, &err) && err.code == NN_ELIMIT,
		      "more inputs than that refused: %s", err.msg);
		free(q);
		free(u);
	}

	/* rows of zeros, NaN and infinity */
	{
		int8_t q[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
		float scale[2] = { 0.5f, 0.25f }, bias[2] = { 1, 2 };
		float x[12] = { 0, 0, 0, 0, 1, NAN, 0, 0, -INFINITY, 1, 2, 3 };
		nn_qw *w = nn_qw_new(q, scale, 2, 4, &err);
		uint8_t u[12];
		float s[3], y[6];
		int32_t z[3];
		int ok = 1;
		for (int kern = 0; w && kern < 2; kern++) {
			w->kernel = kern ? best : NN_QGEMM_PLAIN;
			nn_qact_rows(w, x, 3, u, s, z);
			nn_qgemm(w, u, s, z, 3, bias, y);
			ok &= s[0] == 0 && y[0] == 1 && y[1] == 2 && isnan(s[1]) && isnan(y[2]) && isnan(y[3]) &&
			      isnan(s[2]) && isnan(y[4]) && isnan(y[5]);
		}
		CHECK(w && ok, "a row of zeros gives the bias; NaN or infinity gives NaN outputs");
		nn_qw_free(w);
	}
	return check_done();
}
