/* rowsplit.c — for bench/run.sh only: two questions about OpenBLAS's
 * bits, behind nn_step's shares (bench/results.md).
 *
 * 1. Does a row of a product get the same bits whether the product has
 *    the batch's rows or a share's?  If it did, one thread could run the
 *    forward and input-gradient products of both shares as one product
 *    of the whole batch (6 % of a step on the reference network) and keep
 *    the bytes of two threads, which run a share each.
 * 2. Does a product get the same bits on one BLAS thread and on two?  If
 *    it did, a step could be one gradient of the whole batch on
 *    OpenBLAS's threads, no shares, and keep the bytes of one thread.
 *
 * For each shape: Z [rows x n] = A [rows x k] . W^T (or . W), and the
 * weight gradient's D^T A; once whole on one thread, once as the two
 * shares nn_step makes (the first ceil(rows / 2) rows, then the rest),
 * once whole on two threads; compared bit for bit, on OpenBLAS's kernels
 * for this CPU or (-n) on those nn-train chooses (nn/blas.h).
 *
 *   rowsplit [-n] [-v]    two lines: products tried, products that differ;
 *                         -v: and each product that differs
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/blas.h"
#include "kernels.h"

static float *random_floats(size_t n, unsigned *seed)
{
	float *p = malloc(n * sizeof *p);
	for (size_t i = 0; p && i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		p[i] = (float)((*seed >> 8) & 0xffff) / 65536.0f - 0.5f;
	}
	return p;
}

/* Z [rows x n] = A [rows x k] . op(W) [k x n] on `threads` BLAS threads */
static void forward(size_t rows, size_t k, size_t n, int trans_w, const float *a, const float *w, float *z,
                    int threads)
{
	nn_blas_set_threads(threads);
	nn_sgemm(0, trans_w, rows, n, k, 1.0f, a, k, w, trans_w ? k : n, 0.0f, z, n);
}

/* Whether the shares' rows (what = 0), or two threads (what = 1),
 * give other bits than the whole product on one thread: 1 when they do,
 * 0 when not, -1 out of memory.  what = 2: the weight gradient
 * dW [k x n] = A^T [k x rows] . D [rows x n] on two threads. */
static int differs(int what, size_t rows, size_t k, size_t n, int trans_w, unsigned seed)
{
	size_t first = (rows + 1) / 2, out = what == 2 ? k * n : rows * n;
	float *a = random_floats(rows * k, &seed), *w = random_floats(what == 2 ? rows * n : k * n, &seed);
	float *one = calloc(out, sizeof *one), *other = calloc(out, sizeof *other);
	int r = -1;
	if (a && w && one && other) {
		if (what == 2) {
			for (int threads = 1; threads <= 2; threads++) {
				nn_blas_set_threads(threads);
				nn_sgemm(1, 0, k, n, rows, 1.0f, a, k, w, n, 0.0f, threads == 1 ? one : other, n);
			}
		} else {
			forward(rows, k, n, trans_w, a, w, one, 1);
			if (what == 1) {
				forward(rows, k, n, trans_w, a, w, other, 2);
			} else {
				forward(first, k, n, trans_w, a, w, other, 1);
				forward(rows - first, k, n, trans_w, a + first * k, w, other + first * n, 1);
			}
		}
		r = memcmp(one, other, out * sizeof *one) != 0;
	}
	free(a);
	free(w);
	free(one);
	free(other);
	return r;
}

int main(int argc, char **argv)
{
	/* k x n of nnpipe's products: the reference network's forward
	 * (784-256, 256-128, 128-10) and input gradient (10-128, 128-256),
	 * the 4096-wide network's, and small odd ones */
	static const size_t shape[][2] = { { 784, 256 }, { 256, 128 }, { 128, 10 }, { 10, 128 }, { 128, 256 },
	                                   { 784, 4096 }, { 4096, 4096 }, { 4096, 10 }, { 20, 7 }, { 13, 64 } };
	static const size_t batch[] = { 128, 64, 256, 77, 100, 333 };
	static const char *question[2] = { "give other bits to some row when split into two shares of rows",
	                                   "give other bits on two BLAS threads than on one" };
	int verbose = 0, chosen = 0;
	for (int i = 1; i < argc; i++) {
		verbose |= !strcmp(argv[i], "-v");
		chosen |= !strcmp(argv[i], "-n");
	}
	if (chosen)
		bench_nnpipe_kernels(argv);
	printf("%s kernels:\n", nn_blas_corename());

	for (int q = 0; q < 2; q++) {
		int tried = 0, differ = 0;
		for (size_t b = 0; b < sizeof batch / sizeof *batch; b++)
			for (size_t s = 0; s < sizeof shape / sizeof *shape; s++)
				for (int kind = 0; kind < (q ? 3 : 2); kind++) {
					if (shape[s][0] == 4096 && batch[b] > 128)
						continue;         /* the 4096-wide network's batch */
					/* kind 0: A W, 1: A W^T, 2 (two threads only): A^T D */
					int what = q == 0 ? 0 : kind == 2 ? 2 : 1;
					int d = differs(what, batch[b], shape[s][0], shape[s][1], kind == 1,
					                (unsigned)(b * 31 + s));
					if (d < 0) {
						fputs("rowsplit: out of memory\n", stderr);
						return 1;
					}
					tried++;
					differ += d;
					if (d && verbose)
						printf("differs: %zu rows, k %zu, n %zu, %s\n", batch[b], shape[s][0],
						       shape[s][1], kind == 2 ? "A^T D" : kind ? "A W^T" : "A W");
				}
		printf("%d of %d products %s\n", differ, tried, question[q]);
	}
	return 0;
}
