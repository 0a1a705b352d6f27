/* nn/qgemm.h — int8 products for inference: u8 activations × s8 weights
 * summed in int32, on AVX-512 VNNI (vpdpbusd) where the CPU has it, else
 * in plain C.  On this project's machine (AMD Zen 4, one thread) the
 * Fashion-MNIST network's layers run 1.5 to 8 × faster than OpenBLAS's
 * sgemm, quantization of the activations included, except a 10-output
 * layer (about 1 ×); the plain kernel is slower than sgemm (bench/int8.c,
 * bench/results.md).
 *
 * Weights W [out x in]: int8, symmetric, one f32 scale per output channel
 * (nn/quant.h).  nn_qw_new packs them once into the layout of one
 * vpdpbusd operand, blocks of 16 outputs × 4 inputs:
 *
 *   pack[ob][k4][j][t] = q[16 ob + j][4 k4 + t]   (0 beyond out and in)
 *
 * and keeps wsum[o] = Σ_i q[o][i].
 *
 * Activations x [rows x in]: quantized per row as they come, asymmetric
 * u8 with the range widened to hold 0 (so ReLU's zeros are exact and a
 * non-negative row uses all 256 levels):
 *
 *   lo = min(0, min_i x_i)   hi = max(0, max_i x_i)   s = (hi - lo) / 255
 *   z = round(-lo / s)       u_i = clamp(round(x_i / s) + z, 0, 255)
 *
 * (divisions as products with 1/s; a row of zeros has s = 0, u = 0; a row
 * with a NaN or infinity gets s = NaN, so its outputs are NaN, as the f32
 * product's would be).  Then x_i ≈ s (u_i - z) and
 *
 *   acc[r][o] = Σ_i u[r][i] q[o][i]                      exact in int32
 *   y[r][o]   = (float)(acc[r][o] - z[r] wsum[o]) * (s[r] * scale[o]) + b[o]
 *
 * The sums are exact for in <= NN_QGEMM_MAX_IN (255 × 127 × in < 2^31),
 * and the last line is the same float operations, in the same order, in
 * every kernel: the outputs are the same bytes on every x86-64 CPU, for
 * any batch split or thread count.
 */
#ifndef NN_QGEMM_H
#define NN_QGEMM_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

#define NN_QGEMM_MAX_IN 65536      /* inputs per output; beyond, int32 may overflow */

enum nn_qgemm_kernel { NN_QGEMM_PLAIN, NN_QGEMM_AVX512VNNI };

typedef struct nn_qw {
	size_t out, in;
	size_t in4;                    /* in rounded up to a multiple of 4 */
	size_t nob;                    /* blocks of 16 outputs */
	int8_t *pack;                  /* [nob][in4 / 4][16][4], 64-byte aligned */
	int32_t *wsum;                 /* [16 nob], 0 beyond out */
	float *scale;                  /* [16 nob], 0 beyond out */
	enum nn_qgemm_kernel kernel;   /* the best this CPU runs; tests may lower it */
} nn_qw;

/* Pack q [out x in] with scale [out].  Fails on in > NN_QGEMM_MAX_IN
 * (NN_ELIMIT) or out of memory. */
nn_qw *nn_qw_new(const int8_t *q, const float *scale, size_t out, size_t in, nn_error *err);
void nn_qw_free(nn_qw *w);                          /* NULL is fine */

/* The best kernel this CPU runs, and a kernel's name ("avx512-vnni",
 * "plain"). */
enum nn_qgemm_kernel nn_qgemm_best(void);
const char *nn_qgemm_kernel_name(enum nn_qgemm_kernel k);

/* x [rows x w->in] → u [rows x w->in4] (padding bytes 0), s [rows],
 * z [rows]: the activations quantized for a product with w, by w's
 * kernel's instruction set (the same bytes either way). */
void nn_qact_rows(const nn_qw *w, const float *x, size_t rows, uint8_t *u, float *s, int32_t *z);

/* acc [rows x out] = u [rows x in4] · q^T, the raw sums. */
void nn_qgemm_s32(const nn_qw *w, const uint8_t *u, size_t rows, int32_t *acc);

/* y [rows x out] = the rescaled product plus bias [out] (formula above;
 * bias NULL: none added). */
void nn_qgemm(const nn_qw *w, const uint8_t *u, const float *s, const int32_t *z, size_t rows,
              const float *bias, float *y);

#endif
