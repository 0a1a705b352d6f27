/* randn.c — Box–Muller normals with vectorisable float polynomials. */
#include <stdint.h>
#include <string.h>
#include "nn/randn.h"

/* Reproducibility needs the same roundings everywhere: no contraction of
 * a*b+c into one fused operation (GCC already keeps them apart in ISO C
 * mode; clang needs telling). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define PAIRS 256   /* one block: words drawn first, then the math */

static inline uint32_t bits_of(float x)
{
	uint32_t b;
	memcpy(&b, &x, sizeof b);
	return b;
}

static inline float float_of(uint32_t b)
{
	float x;
	memcpy(&x, &b, sizeof x);
	return x;
}

/* log(x) for a normal float x > 0 (Cephes logf: the mantissa folded into
 * [sqrt(1/2), sqrt(2)), a degree-9 polynomial, the exponent added in two
 * parts).  No branch, so that the loop vectorises: the fold is chosen by
 * the mantissa bits (below those of sqrt(2) means m < sqrt(1/2)). */
static inline float log_poly(float x)
{
	uint32_t bits = bits_of(x), frac = bits & 0x007fffffu;
	uint32_t low = frac < 0x3504f3u;   /* 0 or 1 */
	float e = (float)((int32_t)(bits >> 23) - 126 - (int32_t)low);
	/* m in [sqrt(1/2), 1) as it is, or doubled into [1, sqrt(2)) */
	float m = float_of(frac | (0x3f000000u + (low << 23))) - 1.0f;
	float z = m * m, y;

	y = 7.0376836292e-2f;
	y = y * m - 1.1514610310e-1f;
	y = y * m + 1.1676998740e-1f;
	y = y * m - 1.2420140846e-1f;
	y = y * m + 1.4249322787e-1f;
	y = y * m - 1.6668057665e-1f;
	y = y * m + 2.0000714765e-1f;
	y = y * m - 2.4999993993e-1f;
	y = y * m + 3.3333331174e-1f;
	y = y * m * z;
	y += -2.12194440e-4f * e;
	y += -0.5f * z;
	return m + y + 0.693359375f * e;
}

/* sin and cos of t in [-pi/4, pi/4] (Cephes sinf, cosf). */
static inline float sin_poly(float t)
{
	float z = t * t;
	return ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * t + t;
}

static inline float cos_poly(float t)
{
	float z = t * t;
	return ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z
	       - 0.5f * z + 1.0f;
}

/* sqrt(x) for x >= 0 by Newton's method on 1/sqrt from a bit-level first
 * guess, to about a float ulp.  Not sqrtf: libm's sets errno, a call the
 * vectoriser will not look through at -O2 (GCC 12). */
static inline float sqrt_newton(float x)
{
	float xs = x + 1e-30f;   /* 0 stays finite; no change for x > 1e-23 */
	float y = float_of(0x5f375a86u - (bits_of(xs) >> 1));

	y = y * (1.5f - 0.5f * xs * y * y);
	y = y * (1.5f - 0.5f * xs * y * y);
	y = y * (1.5f - 0.5f * xs * y * y);
	return xs * y;
}

void nn_randn_f32(nn_rng *r, float *out, size_t n)
{
	uint32_t rad[PAIRS], ang[PAIRS];
	float z[2 * PAIRS];

	while (n) {
		size_t pairs = (n + 1) / 2 < PAIRS ? (n + 1) / 2 : PAIRS;
		size_t take = 2 * pairs < n ? 2 * pairs : n;

		for (size_t i = 0; i < pairs; i++) {
			uint64_t w = nn_rng_u64(r);
			rad[i] = (uint32_t)(w >> 33);          /* 31 bits */
			ang[i] = (uint32_t)w & 0xffffffu;      /* 22 bits angle, 2 bits quadrant */
		}
		/* a whole block every time (a fixed count vectorises best at -O2);
		 * the values past `pairs` are computed and dropped */
		for (size_t i = pairs; i < PAIRS; i++)
			rad[i] = ang[i] = 0;
		for (size_t i = 0; i < PAIRS; i++) {
			/* u in (0, 1): never 0, so the log is finite */
			float u = ((float)(int32_t)rad[i] + 0.5f) * 0x1p-31f;
			float radius = sqrt_newton(-2.0f * log_poly(u));
			/* t uniform in (-pi/4, pi/4); t + pi/4 uniform in (0, pi/2) */
			float t = (((float)(int32_t)(ang[i] & 0x3fffffu) + 0.5f) * 0x1p-22f - 0.5f)
			          * 1.57079632679489662f;
			float s = sin_poly(t), c = cos_poly(t);
			float c0 = (c - s) * 0.70710678118654752f, s0 = (c + s) * 0.70710678118654752f;
			/* the quadrant: reflections keep the angle uniform on the
			 * circle; bits 22 and 23 become the sign bits */
			z[2 * i] = float_of(bits_of(radius * c0) ^ ((ang[i] & 0x400000u) << 9));
			z[2 * i + 1] = float_of(bits_of(radius * s0) ^ ((ang[i] & 0x800000u) << 8));
		}
		memcpy(out, z, take * sizeof *out);
		out += take;
		n -= take;
	}
}
