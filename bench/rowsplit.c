/* rowsplit.c — for bench/run.sh only: does OpenBLAS give an element of a
 * product the same bits however the product is cut up?  Behind nn_step's
 * shares (bench/results.md):
 *
 * rows     If a row got the same bits in a product of the batch's rows
 *          and in one of a share's, one thread could run the forward and
 *          input-gradient products of both shares as one product of the
 *          whole batch (5 % of a step on the reference network) and keep
 *          the bytes of two threads, which run a share each.
 * columns  If a column got the same bits in the whole product and in one
 *          of half its columns, two threads could each take half of
 *          every product of one gradient of the whole batch (no shares,
 *          no 64-row products) and keep one thread's bytes.
 * threads  The same question for OpenBLAS's own threads: one gradient of
 *          the whole batch on two BLAS threads against one.
 *
 * Products: the forward Z = A W^T, the input gradient D W and the weight
 * gradient D^T A of the reference and the 4096-wide networks' layers and
 * of small odd ones, over batches of 64 to 333 rows; each computed whole
 * on one thread and cut up, compared bit for bit, on OpenBLAS's kernels
 * as the environment gives them or (-n) on those nn-train chooses.
 *
 *   rowsplit [-n] [-v]    a line per question: products tried, products
 *                         that differ; -v: and each one that differs
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/blas.h"
#include "nn/rng.h"
#include "kernels.h"

enum cut { ROWS, COLUMNS, THREADS };
enum kind { FORWARD, INPUT_GRAD, WEIGHT_GRAD };

/* n floats in [-0.5, 0.5) from the project's generator */
static float *random_floats(size_t n, nn_rng *rng)
{
	float *p = malloc(n * sizeof *p);
	for (size_t i = 0; p && i < n; i++)
		p[i] = (float)nn_rng_uniform(rng) - 0.5f;
	return p;
}

/* C [m x n] = op(A) [m x k] . op(B) [k x n], row-major, as nn_sgemm; the
 * leading dimensions are those of the whole product. */
struct product {
	int ta, tb;
	size_t m, n, k;
	const float *a, *b;
};

static void run(const struct product *p, size_t row0, size_t rows, size_t col0, size_t cols, float *c,
                int threads)
{
	size_t lda = p->ta ? p->m : p->k, ldb = p->tb ? p->k : p->n;
	/* row i of op(A) starts at a + i * lda (A^T: column i, at a + i);
	 * column j of op(B) at b + j (B^T: row j, at b + j * ldb) */
	const float *a = p->a + row0 * (p->ta ? 1 : lda), *b = p->b + col0 * (p->tb ? ldb : 1);
	nn_blas_set_threads(threads);
	nn_sgemm(p->ta, p->tb, rows, cols, p->k, 1.0f, a, lda, b, ldb, 0.0f, c + row0 * p->n + col0, p->n);
}

/* 1 when the product cut as `cut` gives other bits than whole on one
 * thread, 0 when not, -1 out of memory.  A layer of in x out weights and
 * a batch of `rows`; the cut is near the middle, on a multiple of 16. */
static int differs(enum cut cut, enum kind kind, size_t rows, size_t in, size_t out, unsigned seed)
{
	struct product p = { 0 };
	switch (kind) {
	case FORWARD:     /* Z [rows x out] = A [rows x in] . W^T [in x out] */
		p = (struct product){ 0, 1, rows, out, in, NULL, NULL };
		break;
	case INPUT_GRAD:  /* dA [rows x in] = D [rows x out] . W [out x in] */
		p = (struct product){ 0, 0, rows, in, out, NULL, NULL };
		break;
	case WEIGHT_GRAD: /* dW [out x in] = D^T [out x rows] . A [rows x in] */
		p = (struct product){ 1, 0, out, in, rows, NULL, NULL };
		break;
	}
	size_t na = p.m * p.k, nb = p.k * p.n, nc = p.m * p.n;
	nn_rng rng;
	nn_rng_seed(&rng, seed, 1);
	float *a = random_floats(na, &rng), *b = random_floats(nb, &rng);
	float *whole = calloc(nc, sizeof *whole), *cut_up = calloc(nc, sizeof *cut_up);
	int r = -1;
	if (a && b && whole && cut_up) {
		p.a = a;
		p.b = b;
		run(&p, 0, p.m, 0, p.n, whole, 1);
		size_t half_m = (p.m + 1) / 2, half_n = (p.n / 2 + 15) / 16 * 16;
		if (half_n >= p.n)
			half_n = p.n / 2;
		if (cut == ROWS) {           /* nn_step's shares: the first ceil(m / 2) rows, then the rest */
			run(&p, 0, half_m, 0, p.n, cut_up, 1);
			run(&p, half_m, p.m - half_m, 0, p.n, cut_up, 1);
		} else if (cut == COLUMNS) {
			run(&p, 0, p.m, 0, half_n, cut_up, 1);
			run(&p, 0, p.m, half_n, p.n - half_n, cut_up, 1);
		} else {
			run(&p, 0, p.m, 0, p.n, cut_up, 2);
		}
		r = memcmp(whole, cut_up, nc * sizeof *whole) != 0;
	}
	free(a);
	free(b);
	free(whole);
	free(cut_up);
	return r;
}

int main(int argc, char **argv)
{
	/* in x out of a layer: the reference network's, the 4096-wide
	 * network's, small odd ones */
	static const size_t layer[][2] = { { 784, 256 }, { 256, 128 }, { 128, 10 }, { 784, 4096 },
	                                   { 4096, 4096 }, { 4096, 10 }, { 20, 7 }, { 13, 64 } };
	static const size_t batch[] = { 128, 64, 256, 77, 100, 333 };
	static const char *kind_name[3] = { "forward A W^T", "input gradient D W", "weight gradient D^T A" };
	static const char *question[3] = { "give other bits to some row when split into two shares of rows",
	                                   "give other bits to some column when split into two halves of columns",
	                                   "give other bits on two BLAS threads than on one" };
	int verbose = 0, chosen = 0;
	for (int i = 1; i < argc; i++) {
		verbose |= !strcmp(argv[i], "-v");
		chosen |= !strcmp(argv[i], "-n");
	}
	if (chosen)
		bench_nnpipe_kernels(argv);
	printf("%s kernels:\n", nn_blas_corename());
	for (int cut = ROWS; cut <= THREADS; cut++) {
		int tried = 0, differ = 0;
		for (size_t b = 0; b < sizeof batch / sizeof *batch; b++)
			for (size_t l = 0; l < sizeof layer / sizeof *layer; l++)
				for (int kind = FORWARD; kind <= WEIGHT_GRAD; kind++) {
					if (layer[l][0] == 4096 && batch[b] > 128)
						continue;         /* the 4096-wide network's batch */
					if (cut == ROWS && kind == WEIGHT_GRAD)
						continue;         /* its rows are the layer's, not the batch's */
					int d = differs((enum cut)cut, (enum kind)kind, batch[b], layer[l][0], layer[l][1],
					                (unsigned)(b * 31 + l * 3 + (size_t)kind));
					if (d < 0) {
						fputs("rowsplit: out of memory\n", stderr);
						return 1;
					}
					tried++;
					differ += d;
					if (d && verbose)
						printf("  differs: %zu rows, layer %zu x %zu, %s\n", batch[b], layer[l][0],
						       layer[l][1], kind_name[kind]);
				}
		printf("%d of %d products %s\n", differ, tried, question[cut]);
	}
	return 0;
}
