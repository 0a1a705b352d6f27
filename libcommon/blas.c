/* blas.c — nn_sgemm on OpenBLAS, and choosing its kernels well.
 *
 * Why the coretype dance: see nn/blas.h.  Debian builds OpenBLAS with
 * DYNAMIC_ARCH, so every kernel family is in the library; only the CPU
 * detection of 0.3.21 is too old for some processors.  We pick a family
 * only from CPU features the processor reports (cpuid via
 * __builtin_cpu_supports), never from its name, and a self-check compares
 * results with a plain loop before anything trusts them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include "nn/blas.h"

void nn_sgemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
              const float *a, size_t lda, const float *b, size_t ldb,
              float beta, float *c, size_t ldc)
{
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
	            tb ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n,
	            (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta, c,
	            (blasint)ldc);
}

const char *nn_blas_corename(void)
{
	const char *name = openblas_get_corename();
	return name ? name : "unknown";
}

/* What a kernel family needs: 0 plain SSE, 1 AVX, 2 AVX2+FMA, 3 AVX-512. */
static int family_level(const char *core)
{
	static const char *const avx512[] = { "SkylakeX", "Cooperlake", "SapphireRapids", NULL };
	static const char *const avx2[] = { "Haswell", "Zen", "Excavator", "Steamroller", NULL };
	static const char *const avx[] = { "Sandybridge", "Bulldozer", "Piledriver", NULL };
	for (int i = 0; avx512[i]; i++)
		if (!strcasecmp(core, avx512[i]))
			return 3;
	for (int i = 0; avx2[i]; i++)
		if (!strcasecmp(core, avx2[i]))
			return 2;
	for (int i = 0; avx[i]; i++)
		if (!strcasecmp(core, avx[i]))
			return 1;
	return 0;
}

static int cpu_level(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma"))
		return 3;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return 2;
	return 0;
}

const char *nn_blas_better_coretype(void)
{
	int cpu = cpu_level();
	if (family_level(nn_blas_corename()) >= cpu)
		return NULL;
	return cpu == 3 ? "SkylakeX" : "Haswell";
}

/* Compare one sgemm against a double loop: error relative to the sum of
 * |terms| stays within a few float epsilons times k for a correct kernel. */
static int check_shape(int ta, int tb, size_t m, size_t n, size_t k, float alpha, float beta)
{
	size_t lda = ta ? m + 3 : k + 1, ldb = tb ? k + 2 : n + 5, ldc = n + 1;
	size_t na = ta ? k * lda : m * lda, nb = tb ? n * ldb : k * ldb, nc = m * ldc;
	float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b), *c = malloc(nc * sizeof *c);
	int ok = a && b && c;
	uint32_t x = 12345;
	for (size_t i = 0; ok && i < na + nb + nc; i++) {
		x = x * 1664525u + 1013904223u;       /* numerical recipes LCG */
		float v = (float)((int)(x >> 9) - (1 << 22)) / (float)(1 << 22);
		if (i < na) a[i] = v;
		else if (i < na + nb) b[i - na] = v;
		else c[i - na - nb] = v;
	}
	float *c0 = ok ? malloc(nc * sizeof *c0) : NULL;
	ok = ok && c0;
	if (ok) {
		memcpy(c0, c, nc * sizeof *c);
		nn_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	}
	for (size_t i = 0; ok && i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0, mag = 0;
			for (size_t p = 0; p < k; p++) {
				double av = ta ? a[p * lda + i] : a[i * lda + p];
				double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
				s += av * bv;
				mag += fabs(av * bv);
			}
			double want = alpha * s + beta * c0[i * ldc + j];
			double tol = 1e-6 * (fabs(alpha) * mag + fabs(beta * c0[i * ldc + j])) * (double)(k + 2) + 1e-30;
			if (!(fabs(c[i * ldc + j] - want) <= tol))
				ok = 0;
		}
	free(a);
	free(b);
	free(c);
	free(c0);
	return ok;
}

int nn_blas_selfcheck(void)
{
	/* Sizes that cross the kernels' register blocks (16, 32, 48, 64 rows)
	 * and leave remainders; both transposes; beta 0 and not. */
	static const struct { int ta, tb; size_t m, n, k; float alpha, beta; } cases[] = {
		{ 0, 0, 67, 45, 131, 1.0f, 0.0f },
		{ 0, 1, 128, 33, 79, 0.5f, 1.0f },
		{ 1, 0, 19, 130, 64, 1.0f, 0.0f },
		{ 1, 1, 5, 7, 3, -2.0f, 0.25f },
		{ 0, 0, 1, 1, 300, 1.0f, 0.0f },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!check_shape(cases[i].ta, cases[i].tb, cases[i].m, cases[i].n, cases[i].k,
		                 cases[i].alpha, cases[i].beta))
			return -1;
	return 0;
}

void nn_blas_set_threads(int n)
{
	openblas_set_num_threads(n < 1 ? 1 : n);
}

int nn_blas_threads(void)
{
	return openblas_get_num_threads();
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double nn_blas_measure(size_t m, size_t n, size_t k, double seconds)
{
	float *a = calloc(m * k, sizeof *a), *b = calloc(k * n, sizeof *b), *c = calloc(m * n, sizeof *c);
	double best = 0;
	if (a && b && c) {
		for (size_t i = 0; i < m * k; i++) a[i] = (float)(i % 17) * 0.01f;
		for (size_t i = 0; i < k * n; i++) b[i] = (float)(i % 13) * 0.01f;
		nn_sgemm(0, 0, m, n, k, 1, a, k, b, n, 0, c, n);    /* warm up */
		double flop = 2.0 * (double)m * (double)n * (double)k, start = now();
		/* Runs of ~1/5 of the time each; the best run is the rate. */
		while (now() - start < seconds) {
			double t0 = now(), t;
			size_t reps = 0;
			do {
				nn_sgemm(0, 0, m, n, k, 1, a, k, b, n, 0, c, n);
				reps++;
			} while ((t = now() - t0) < seconds / 5);
			double rate = flop * (double)reps / t / 1e9;
			best = rate > best ? rate : best;
		}
	}
	free(a);
	free(b);
	free(c);
	return best;
}
