/* nn/blas.h — the one seam through which every dense product runs, and
 * what nnpipe knows about the OpenBLAS underneath.
 *
 * Debian's OpenBLAS 0.3.21 chooses its kernels at load time from the CPU
 * it recognises; on processors newer than it (AMD Zen 4/5 with AVX-512,
 * for example) it falls back to the generic "Prescott" kernels, about 4x
 * slower.  The choice can only be made before the library initialises,
 * through the environment variable OPENBLAS_CORETYPE, so the programs
 * (tools/tool.c, tool_blas_init) set it and re-execute themselves; this
 * module tells them what to choose and checks afterwards that the kernels
 * compute correctly.
 */
#ifndef NN_BLAS_H
#define NN_BLAS_H

#include <stddef.h>

/* C [m x n] = alpha * op(A) op(B) + beta * C, all row-major; op(A) is
 * [m x k] (A^T when ta), op(B) [k x n] (B^T when tb); lda, ldb, ldc are
 * the row strides of A, B, C as stored. */
void nn_sgemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
              const float *a, size_t lda, const float *b, size_t ldb,
              float beta, float *c, size_t ldc);

/* The kernel family OpenBLAS is using ("SkylakeX", "Haswell",
 * "Prescott", …). */
const char *nn_blas_corename(void);

/* When OpenBLAS runs kernels for an older instruction set than this CPU
 * has (generic "Prescott" on an AVX-512 CPU, or "Haswell" forced by an
 * OPENBLAS_CORETYPE in the environment), the OPENBLAS_CORETYPE value to
 * use: "SkylakeX" with AVX-512 F/CD/BW/DQ/VL, "Haswell" with AVX2 and
 * FMA.  NULL when the kernels in use already match the CPU. */
const char *nn_blas_better_coretype(void);

/* Compare sgemm at a few shapes (odd sizes, transposes, alpha/beta) with
 * a plain double-precision loop.  Returns 0 when they agree within
 * float rounding, -1 otherwise. */
int nn_blas_selfcheck(void);

void nn_blas_set_threads(int n);
int nn_blas_threads(void);

/* Measured sgemm rate in GFLOPS at shape m x n x k (best of a few runs of
 * about `seconds` in total). */
double nn_blas_measure(size_t m, size_t n, size_t k, double seconds);

#endif
