/* qgemm.c — int8 products for inference (nn/qgemm.h).
 *
 * The AVX-512 VNNI kernel computes tiles of 4 rows × 64 outputs (16
 * int32 accumulators of 16 lanes): per 4 inputs, 4 weight vectors and 4
 * broadcast activation words feed 16 vpdpbusd.  The outer loop walks 64
 * outputs at a time, so their packed weights (64 × in bytes) are reused
 * by every row tile from cache.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/qgemm.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NN_QGEMM_X86 1
#else
#define NN_QGEMM_X86 0
#endif

#define TR 4                       /* rows per tile */
#define TV 4                       /* 16-output vectors per tile */

enum nn_qgemm_kernel nn_qgemm_best(void)
{
#if NN_QGEMM_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vnni"))
		return NN_QGEMM_AVX512VNNI;
#endif
	return NN_QGEMM_PLAIN;
}

const char *nn_qgemm_kernel_name(enum nn_qgemm_kernel k)
{
	return k == NN_QGEMM_AVX512VNNI ? "avx512-vnni" : "plain";
}

void nn_qw_free(nn_qw *w)
{
	if (!w)
		return;
	free(w->pack);
	free(w->wsum);
	free(w->scale);
	free(w);
}

nn_qw *nn_qw_new(const int8_t *q, const float *scale, size_t out, size_t in, nn_error *err)
{
	if (in > NN_QGEMM_MAX_IN) {
		nn_error_set(err, NN_ELIMIT, "%zu inputs per output: int8 sums could overflow beyond %d",
		             in, NN_QGEMM_MAX_IN);
		return NULL;
	}
	nn_qw *w = calloc(1, sizeof *w);
	if (!w) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	w->out = out;
	w->in = in;
	w->in4 = (in + 3) & ~(size_t)3;
	w->nob = (out + 15) / 16;
	size_t bytes = w->nob * 16 * w->in4, nk4 = w->in4 / 4;
	w->pack = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	w->wsum = calloc(w->nob * 16, sizeof *w->wsum);
	w->scale = calloc(w->nob * 16, sizeof *w->scale);
	if (!w->pack || !w->wsum || !w->scale) {
		nn_qw_free(w);
		nn_error_set(err, NN_ENOMEM, "out of memory for int8 weights [%zu x %zu]", out, in);
		return NULL;
	}
	memset(w->pack, 0, bytes);
	for (size_t o = 0; o < out; o++) {
		int8_t *blk = w->pack + (o / 16) * nk4 * 64 + (o % 16) * 4;
		int32_t sum = 0;
		for (size_t i = 0; i < in; i++) {
			blk[(i / 4) * 64 + i % 4] = q[o * in + i];
			sum += q[o * in + i];
		}
		w->wsum[o] = sum;
		w->scale[o] = scale[o];
	}
	w->kernel = nn_qgemm_best();
	return w;
}

/* The scale and zero point of a row from its range (nn/qgemm.h); 0 when
 * the row quantizes to zeros, -1 when it holds a NaN or an infinity. */
static int row_params(float lo, float hi, int bad, float *s, int32_t *z, float *inv, float *zr)
{
	*z = 0;
	if (bad || !isfinite(hi - lo)) {
		*s = NAN;
		return -1;
	}
	float sc = (hi - lo) / 255.0f;
	*s = sc > 0 ? sc : 0;
	if (!(sc > 0))
		return 0;
	*inv = 1.0f / sc;
	float zf = -lo * *inv;
	zf = zf > 255.0f ? 255.0f : zf;
	*z = (int32_t)(zf + 0.5f);
	*zr = (float)*z;
	return 1;
}

/* x [rows x in] → u [rows x in4], s [rows], z [rows] in plain C; u_i is
 * (int)(v + 0.5) of v = x_i * (1/s) + z clamped to [0, 255]. */
static void qact_plain(const float *x, size_t rows, size_t in, size_t in4, uint8_t *u, float *s,
                       int32_t *z)
{
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * in;
		uint8_t *ur = u + r * in4;
		float lo = 0, hi = 0, inv = 0, zr = 0;
		int bad = 0;
		for (size_t i = 0; i < in; i++) {
			lo = xr[i] < lo ? xr[i] : lo;
			hi = xr[i] > hi ? xr[i] : hi;
			bad |= xr[i] != xr[i];
		}
		memset(ur, 0, in4);
		if (row_params(lo, hi, bad, &s[r], &z[r], &inv, &zr) <= 0)
			continue;
		for (size_t i = 0; i < in; i++) {
			float v = xr[i] * inv + zr;
			v = v < 0.0f ? 0.0f : v;
			v = v > 255.0f ? 255.0f : v;
			ur[i] = (uint8_t)(int32_t)(v + 0.5f);
		}
	}
}

/* --- plain C ------------------------------------------------------------ */

/* One row against one block of 16 outputs: acc[16]. */
static void plain_block(const nn_qw *w, const uint8_t *ur, size_t ob, int32_t *acc)
{
	const int8_t *p = w->pack + ob * (w->in4 / 4) * 64;
	for (int j = 0; j < 16; j++)
		acc[j] = 0;
	for (size_t k4 = 0; k4 < w->in4 / 4; k4++, p += 64) {
		int32_t u0 = ur[4 * k4], u1 = ur[4 * k4 + 1], u2 = ur[4 * k4 + 2], u3 = ur[4 * k4 + 3];
		for (int j = 0; j < 16; j++)
			acc[j] += u0 * p[4 * j] + u1 * p[4 * j + 1] + u2 * p[4 * j + 2] + u3 * p[4 * j + 3];
	}
}

/* acc → y for outputs [o0, o0 + n) of row r: the one rescale formula. */
static void rescale(const nn_qw *w, const int32_t *acc, float s, int32_t z, size_t o0, size_t n,
                    const float *bias, float *y)
{
	for (size_t j = 0; j < n; j++) {
		size_t o = o0 + j;
		float v = (float)(acc[j] - z * w->wsum[o]) * (s * w->scale[o]);
		y[o] = bias ? v + bias[o] : v;
	}
}

static void plain(const nn_qw *w, const uint8_t *u, const float *s, const int32_t *z, size_t rows,
                  const float *bias, float *y, int32_t *acc_out)
{
	int32_t acc[16];
	for (size_t r = 0; r < rows; r++)
		for (size_t ob = 0; ob < w->nob; ob++) {
			size_t n = w->out - ob * 16 < 16 ? w->out - ob * 16 : 16;
			plain_block(w, u + r * w->in4, ob, acc);
			if (acc_out)
				memcpy(acc_out + r * w->out + ob * 16, acc, n * sizeof *acc);
			else
				rescale(w, acc, s[r], z[r], ob * 16, n, bias, y + r * w->out);
		}
}

/* --- AVX-512 VNNI -------------------------------------------------------- */

#if NN_QGEMM_X86
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

/* The sums a of row r, outputs of block ob: stored as they are (acc_out)
 * or rescaled into y by rescale()'s formula, lane by lane. */
static inline __attribute__((always_inline)) VNNI void
finish(const nn_qw *w, __m512i a, size_t r, size_t ob, const float *s, const int32_t *z,
       const float *bias, float *y, int32_t *acc_out)
{
	size_t o0 = ob * 16, n = w->out - o0 < 16 ? w->out - o0 : 16;
	__mmask16 m = (__mmask16)((1u << n) - 1);
	if (acc_out) {
		_mm512_mask_storeu_epi32(acc_out + r * w->out + o0, m, a);
		return;
	}
	__m512i zw = _mm512_mullo_epi32(_mm512_set1_epi32(z[r]), _mm512_loadu_si512((const void *)(w->wsum + o0)));
	__m512 t = _mm512_cvtepi32_ps(_mm512_sub_epi32(a, zw));
	__m512 out = _mm512_mul_ps(t, _mm512_mul_ps(_mm512_set1_ps(s[r]), _mm512_loadu_ps(w->scale + o0)));
	if (bias)
		out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(m, bias + o0));
	_mm512_mask_storeu_ps(y + r * w->out + o0, m, out);
}

/* A tile: rows u[0..nr) (nr <= TR; missing rows repeat row 0 and are not
 * stored) × nv <= TV vectors of 16 outputs from block ob.  Writes the sums
 * (acc_out) or the rescaled outputs (y) of its valid outputs. */
static inline __attribute__((always_inline)) VNNI void
tile(const nn_qw *w, const uint8_t *u, size_t nr, size_t r0, size_t ob, const int nv,
     const float *s, const int32_t *z, const float *bias, float *y, int32_t *acc_out)
{
	size_t nk4 = w->in4 / 4;
	const uint8_t *row[TR];
	for (size_t r = 0; r < TR; r++)
		row[r] = u + (r < nr ? r : 0) * w->in4;
	const int8_t *p = w->pack + ob * nk4 * 64;
	__m512i acc[TR][TV];
#pragma GCC unroll 4
	for (int r = 0; r < TR; r++)
#pragma GCC unroll 4
		for (int v = 0; v < TV; v++)
			acc[r][v] = _mm512_setzero_si512();
	for (size_t k = 0; k < nk4; k++) {
		__m512i wv[TV];
#pragma GCC unroll 4
		for (int v = 0; v < TV; v++)
			if (v < nv)
				wv[v] = _mm512_load_si512((const void *)(p + ((size_t)v * nk4 + k) * 64));
#pragma GCC unroll 4
		for (int r = 0; r < TR; r++) {
			int32_t word;
			memcpy(&word, row[r] + 4 * k, 4);
			__m512i a = _mm512_set1_epi32(word);
#pragma GCC unroll 4
			for (int v = 0; v < TV; v++)
				if (v < nv)
					acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], a, wv[v]);
		}
	}
	/* constant indices only, so that acc stays in registers */
#pragma GCC unroll 4
	for (int r = 0; r < TR; r++)
#pragma GCC unroll 4
		for (int v = 0; v < TV; v++)
			if ((size_t)r < nr && v < nv)
				finish(w, acc[r][v], r0 + (size_t)r, ob + (size_t)v, s, z, bias, y, acc_out);
}

static VNNI void vnni(const nn_qw *w, const uint8_t *u, const float *s, const int32_t *z,
                      size_t rows, const float *bias, float *y, int32_t *acc_out)
{
	for (size_t ob = 0; ob < w->nob; ob += TV) {
		size_t left = w->nob - ob;
		for (size_t r = 0; r < rows; r += TR) {
			size_t nr = rows - r < TR ? rows - r : TR;
			const uint8_t *ur = u + r * w->in4;
			/* nv as a constant in each call, so the tile's loops unroll */
			if (left >= 4)
				tile(w, ur, nr, r, ob, 4, s, z, bias, y, acc_out);
			else if (left == 3)
				tile(w, ur, nr, r, ob, 3, s, z, bias, y, acc_out);
			else if (left == 2)
				tile(w, ur, nr, r, ob, 2, s, z, bias, y, acc_out);
			else
				tile(w, ur, nr, r, ob, 1, s, z, bias, y, acc_out);
		}
	}
}

/* qact_plain's operations, 16 lanes at a time: the same u, s and z. */
static VNNI void qact_avx512(const float *x, size_t rows, size_t in, size_t in4, uint8_t *u,
                             float *s, int32_t *z)
{
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * in;
		uint8_t *ur = u + r * in4;
		__m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
		__mmask16 nan = 0;
		size_t i = 0;
		for (; i < in; i += 16) {
			__mmask16 m = in - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (in - i)) - 1);
			__m512 v = _mm512_maskz_loadu_ps(m, xr + i);   /* zeros beyond the row */
			lo = _mm512_min_ps(v, lo);
			hi = _mm512_max_ps(v, hi);
			nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
		}
		float inv = 0, zr = 0;
		memset(ur + in, 0, in4 - in);
		if (row_params(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi), nan != 0, &s[r], &z[r],
		               &inv, &zr) <= 0) {
			memset(ur, 0, in);
			continue;
		}
		__m512 vinv = _mm512_set1_ps(inv), vz = _mm512_set1_ps(zr), half = _mm512_set1_ps(0.5f);
		__m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255.0f);
		for (i = 0; i < in; i += 16) {
			__mmask16 m = in - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (in - i)) - 1);
			__m512 v = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, xr + i), vinv), vz);
			v = _mm512_min_ps(_mm512_max_ps(v, zero), top);
			__m512i q = _mm512_cvttps_epi32(_mm512_add_ps(v, half));
			_mm512_mask_cvtepi32_storeu_epi8(ur + i, m, q);
		}
	}
}
#endif

void nn_qact_rows(const nn_qw *w, const float *x, size_t rows, uint8_t *u, float *s, int32_t *z)
{
#if NN_QGEMM_X86
	if (w->kernel == NN_QGEMM_AVX512VNNI) {
		qact_avx512(x, rows, w->in, w->in4, u, s, z);
		return;
	}
#endif
	qact_plain(x, rows, w->in, w->in4, u, s, z);
}

static void run(const nn_qw *w, const uint8_t *u, const float *s, const int32_t *z, size_t rows,
                const float *bias, float *y, int32_t *acc_out)
{
#if NN_QGEMM_X86
	if (w->kernel == NN_QGEMM_AVX512VNNI) {
		vnni(w, u, s, z, rows, bias, y, acc_out);
		return;
	}
#endif
	plain(w, u, s, z, rows, bias, y, acc_out);
}

void nn_qgemm_s32(const nn_qw *w, const uint8_t *u, size_t rows, int32_t *acc)
{
	run(w, u, NULL, NULL, rows, NULL, NULL, acc);
}

void nn_qgemm(const nn_qw *w, const uint8_t *u, const float *s, const int32_t *z, size_t rows,
              const float *bias, float *y)
{
	run(w, u, s, z, rows, bias, y, NULL);
}
