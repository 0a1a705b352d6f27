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

/* log(x) for a normal float x > 0 (Cephes logf: the mantissa folded into
 * [sqrt(1/2), sqrt(2)), a degree-9 polynomial, the exponent added in two
 * parts). */
static inline float log_poly(float x)
{
	uint32_t bits;
	float m, e, z, y;

	memcpy(&bits, &x, sizeof bits);
	e = (float)((int32_t)(bits >> 23) - 126);
	bits = (bits & 0x007fffffu) | 0x3f000000u;     /* m in [0.5, 1) */
	memcpy(&m, &bits, sizeof m);
	if (m < 0.70710678118654752440f) {
		e -= 1.0f;
		m = m + m - 1.0f;
	} else {
		m = m - 1.0f;
	}
	z = m * m;
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

static float sqrt_f(float x)
{
	return __builtin_sqrtf(x);   /* IEEE correctly rounded: an instruction, not libm */
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
		for (size_t i = 0; i < pairs; i++) {
			/* u in (0, 1): never 0, so the log is finite */
			float u = ((float)(int32_t)rad[i] + 0.5f) * 0x1p-31f;
			float radius = sqrt_f(-2.0f * log_poly(u));
			/* t uniform in (-pi/4, pi/4); t + pi/4 uniform in (0, pi/2) */
			float t = (((float)(int32_t)(ang[i] & 0x3fffffu) + 0.5f) * 0x1p-22f - 0.5f)
			          * 1.57079632679489662f;
			float s = sin_poly(t), c = cos_poly(t);
			float c0 = (c - s) * 0.70710678118654752f, s0 = (c + s) * 0.70710678118654752f;
			/* the quadrant: reflections keep the angle uniform on the circle */
			float sx = (ang[i] & 0x400000u) ? -radius : radius;
			float sy = (ang[i] & 0x800000u) ? -radius : radius;
			z[2 * i] = sx * c0;
			z[2 * i + 1] = sy * s0;
		}
		memcpy(out, z, take * sizeof *out);
		out += take;
		n -= take;
	}
}
