/* int8.c — for bench/run.sh: does an int8 product beat OpenBLAS's sgemm
 * for inference on this CPU?  For each layer shape, side by side on one
 * thread:
 *
 *   f32:  Y = X W^T (cblas_sgemm, W the dequantized int8 weights)
 *   int8: the whole int8 path of nn/qgemm.h: X quantized per row to u8,
 *         u8 × s8 sums in int32, rescaled to f32 with the bias added
 *
 * then the two models (Fashion-MNIST 784-256-128-10 and Digits 64-128-10,
 * ReLU) layer after layer, each with its bias and ReLU.  Rates are rows/s,
 * the median of RUNS runs of about 20 ms, f32 and int8 taking turns; the
 * ratio is the median of each turn's ratio, and the ratio of the best
 * runs beside it.  The int8 sums are checked exactly against a plain
 * loop, and the int8 outputs against the f32 product.
 *
 *   int8 [RUNS] [ROWS]      (defaults 9 and 256)
 *
 * Build it with the library's flags (bench/run.sh does): without
 * -ftree-vectorize the bias and ReLU loops of both paths cost more than
 * their products.
 *
 * Re-executes itself with OPENBLAS_CORETYPE when OpenBLAS would otherwise
 * run kernels older than the CPU (nn/blas.h), as the programs do.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cblas.h>
#include "nn/blas.h"
#include "nn/qgemm.h"
#include "nn/quant.h"
#include "nn/rng.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void *xmalloc(size_t n)
{
	void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
	if (!p) {
		fprintf(stderr, "int8: out of memory\n");
		exit(1);
	}
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of the paired ratios b[k] / a[k], and the ratio of the
 * best rates (a shared machine only ever slows a run down); before
 * median() sorts a and b. */
static void ratios(const double *a, const double *b, int n, double *paired, double *best)
{
	double r[99], ba = 0, bb = 0;
	for (int k = 0; k < n; k++) {
		r[k] = b[k] / a[k];
		ba = a[k] > ba ? a[k] : ba;
		bb = b[k] > bb ? b[k] : bb;
	}
	*paired = median(r, n);
	*best = bb / ba;
}

/* One dense layer in both forms. */
typedef struct layer {
	size_t in, out;
	float *wd, *bias;            /* dequantized W [out x in], bias [out] */
	nn_qw *qw;
} layer;

static void layer_init(layer *L, size_t in, size_t out, nn_rng *rng)
{
	float *w = xmalloc(in * out * sizeof *w), *scale = xmalloc(out * sizeof *scale);
	int8_t *q = xmalloc(in * out);
	nn_error err = { 0 };
	double sd = sqrt(2.0 / (double)in);
	for (size_t i = 0; i < in * out; i++)
		w[i] = (float)(sd * nn_rng_normal(rng));
	L->in = in;
	L->out = out;
	L->bias = xmalloc(out * sizeof *L->bias);
	for (size_t o = 0; o < out; o++)
		L->bias[o] = (float)(0.1 * nn_rng_normal(rng));
	nn_quant_rows(w, out, in, q, scale);
	L->wd = w;
	nn_dequant_rows(q, scale, out, in, L->wd);
	if (!(L->qw = nn_qw_new(q, scale, out, in, &err))) {
		fprintf(stderr, "int8: %s\n", err.msg);
		exit(1);
	}
	free(q);
	free(scale);
}

static void layer_free(layer *L)
{
	free(L->wd);
	free(L->bias);
	nn_qw_free(L->qw);
}

/* Scratch for the int8 path: u8 rows, scales, zero points. */
typedef struct qscratch {
	uint8_t *u;
	float *s;
	int32_t *z;
} qscratch;

/* y = x W^T, then (relu) the bias and ReLU, or (bias) the bias alone */
static void f32_layer(const layer *L, const float *x, size_t rows, float *y, int relu, int bias)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)rows, (blasint)L->out,
	            (blasint)L->in, 1.0f, x, (blasint)L->in, L->wd, (blasint)L->in, 0.0f, y,
	            (blasint)L->out);
	if (relu || bias)
		for (size_t r = 0; r < rows; r++)
			for (size_t o = 0; o < L->out; o++) {
				float v = y[r * L->out + o] + L->bias[o];
				y[r * L->out + o] = relu && v < 0 ? 0 : v;
			}
}

/* The same through the int8 path; the bias is added by nn_qgemm */
static void int8_layer(const layer *L, const float *x, size_t rows, float *y, qscratch *q, int relu,
                       int bias)
{
	nn_qact_rows(L->qw, x, rows, q->u, q->s, q->z);
	nn_qgemm(L->qw, q->u, q->s, q->z, rows, bias ? L->bias : NULL, y);
	if (relu)
		for (size_t i = 0; i < rows * L->out; i++)
			y[i] = y[i] > 0 ? y[i] : 0;
}

/* Activations like a layer's input: non-negative (pixels in [0,1] or ReLU
 * outputs), about a third of them zero. */
static void fill_x(float *x, size_t n, nn_rng *rng)
{
	for (size_t i = 0; i < n; i++) {
		double v = nn_rng_uniform(rng);
		x[i] = v < 0.35 ? 0.0f : (float)nn_rng_uniform(rng);
	}
}

/* Exact check: the kernel's int32 sums against a plain loop over the
 * same u8 and int8 values (in double, exact at these magnitudes); the
 * plain kernel's f32 outputs against the fast kernel's, byte for byte. */
static int check_layer(const layer *L, const float *x, size_t rows, qscratch *q, double *err_rel)
{
	size_t in = L->in, out = L->out, in4 = L->qw->in4, nk4 = in4 / 4;
	int32_t *acc = xmalloc(rows * out * sizeof *acc);
	float *yq = xmalloc(rows * out * sizeof *yq), *yp = xmalloc(rows * out * sizeof *yp);
	float *yf = xmalloc(rows * out * sizeof *yf);
	int bad = 0;
	nn_qact_rows(L->qw, x, rows, q->u, q->s, q->z);
	nn_qgemm_s32(L->qw, q->u, rows, acc);
	size_t crows = rows;          /* the wide layer: its first rows only */
	while (crows > 4 && (double)crows * (double)in * (double)out > 1e8)
		crows /= 2;
	for (size_t r = 0; r < crows; r++)
		for (size_t o = 0; o < out; o++) {
			double ref = 0;
			for (size_t i = 0; i < in; i++) {
				int8_t wq = L->qw->pack[(o / 16) * nk4 * 64 + (i / 4) * 64 + (o % 16) * 4 + i % 4];
				ref += (double)q->u[r * in4 + i] * wq;
			}
			bad += ref != (double)acc[r * out + o];
		}
	nn_qgemm(L->qw, q->u, q->s, q->z, rows, L->bias, yq);
	enum nn_qgemm_kernel k = L->qw->kernel;
	L->qw->kernel = NN_QGEMM_PLAIN;
	nn_qgemm(L->qw, q->u, q->s, q->z, rows, L->bias, yp);
	L->qw->kernel = k;
	bad += memcmp(yq, yp, rows * out * sizeof *yq) != 0;
	/* against the f32 product with the same (dequantized) weights: the
	 * error of quantizing the activations, relative to the outputs' rms */
	f32_layer(L, x, rows, yf, 0, 0);
	double e2 = 0, y2 = 0;
	for (size_t r = 0; r < rows; r++)
		for (size_t o = 0; o < out; o++) {
			double f = (double)yf[r * out + o] + L->bias[o], d = yq[r * out + o] - f;
			e2 += d * d;
			y2 += f * f;
		}
	*err_rel = sqrt(e2 / (y2 > 0 ? y2 : 1));
	free(acc);
	free(yq);
	free(yp);
	free(yf);
	return bad;
}

/* One timed thing: a layer or a whole model, on one path. */
typedef struct job {
	const layer *const *ls;       /* the layers, in order */
	int n;                        /* how many; 1 for a lone layer */
	int int8;                     /* 0: f32 sgemm, 1: the int8 path */
	int act;                      /* bias and ReLU on the hidden layers, bias on the last */
	const float *x;
	size_t rows;
	float *h[2], *y;              /* hidden activations, outputs */
	qscratch *q;
} job;

/* One pass of the job: its layers in order, the last into y. */
static void job_run(const job *j)
{
	const float *cur = j->x;
	for (int l = 0; l < j->n; l++) {
		int last = l == j->n - 1;
		float *dst = last ? j->y : j->h[l % 2];
		if (j->int8)
			int8_layer(j->ls[l], cur, j->rows, dst, j->q, j->act && !last, j->act || !last);
		else
			f32_layer(j->ls[l], cur, j->rows, dst, j->act && !last, j->act && last);
		cur = dst;
	}
}

/* rows/s of `reps` passes */
static double job_rate(const job *j, int reps)
{
	double t0 = now();
	for (int i = 0; i < reps; i++)
		job_run(j);
	return (double)j->rows * reps / (now() - t0);
}

/* How many calls of about `flops` make ~20 ms. */
static int reps_for(double flops)
{
	double r = 0.02 * 40e9 / flops;     /* a guess at 40 GFLOPS, refined below */
	return r < 1 ? 1 : r > 10000 ? 10000 : (int)r;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 9;
	size_t rows = argc > 2 ? (size_t)atol(argv[2]) : 256;
	if (runs < 1 || runs > 99 || rows < 1 || rows > 4096) {
		fprintf(stderr, "usage: int8 [RUNS 1..99] [ROWS 1..4096]\n");
		return 2;
	}
	const char *better = nn_blas_better_coretype();
	if (better && !getenv("NN_INT8_REEXEC")) {   /* once: as tools/tool-blas.c does */
		setenv("OPENBLAS_CORETYPE", better, 1);
		setenv("NN_INT8_REEXEC", better, 1);
		execv("/proc/self/exe", argv);
	}
	nn_blas_set_threads(1);
	nn_rng rng;
	nn_rng_seed(&rng, 1, 0);

	static const size_t shapes[][2] = {
		{ 784, 256 }, { 256, 128 }, { 128, 10 },      /* Fashion-MNIST */
		{ 64, 128 },                                   /* Digits (then 128 → 10) */
		{ 4096, 4096 },                                /* wide */
	};
	size_t nshapes = sizeof shapes / sizeof shapes[0];
	float *x = xmalloc(rows * 4096 * sizeof *x), *y = xmalloc(rows * 4096 * sizeof *y);
	float *h1 = xmalloc(rows * 256 * sizeof *h1), *h2 = xmalloc(rows * 256 * sizeof *h2);
	qscratch q = { xmalloc(rows * 4096), xmalloc(rows * sizeof(float)), xmalloc(rows * sizeof(int32_t)) };
	double *ra = xmalloc((size_t)runs * sizeof *ra), *rb = xmalloc((size_t)runs * sizeof *rb);

	printf("OpenBLAS %s kernels, 1 thread; int8 kernel %s; %zu rows per call; "
	       "median of %d paired runs\n\n", nn_blas_corename(), nn_qgemm_kernel_name(nn_qgemm_best()),
	       rows, runs);
	printf("| layer (in → out) | f32 sgemm rows/s | int8 rows/s | × (paired) | × (best) | f32 GFLOPS | "
	       "int8 GOPS | int32 sums exact | rel. error vs f32 |\n|---|---|---|---|---|---|---|---|---|\n");
	layer L[5];
	for (size_t si = 0; si < nshapes; si++) {
		layer_init(&L[si], shapes[si][0], shapes[si][1], &rng);
		fill_x(x, rows * L[si].in, &rng);
		double rel;
		int bad = check_layer(&L[si], x, rows, &q, &rel);
		double flops = 2.0 * (double)rows * (double)L[si].in * (double)L[si].out;
		int reps = reps_for(flops);
		const layer *one[1] = { &L[si] };
		job fa = { one, 1, 0, 0, x, rows, { h1, h2 }, y, &q }, fb = fa;
		fb.int8 = 1;    /* int8 with its bias, as the path always adds it; f32 without */
		fb.act = 1;
		for (int k = 0; k < runs; k++) {
			ra[k] = job_rate(&fa, reps);
			rb[k] = job_rate(&fb, reps);
		}
		double paired, best;
		ratios(ra, rb, runs, &paired, &best);
		double a = median(ra, runs), b = median(rb, runs), fpr = flops / (double)rows;
		printf("| %zu → %zu | %.0f | %.0f | %.2f | %.2f | %.1f | %.1f | %s | %.2g |\n", L[si].in, L[si].out, a,
		       b, paired, best, a * fpr / 1e9, b * fpr / 1e9, bad ? "NO" : "yes", rel);
		fflush(stdout);
	}

	/* whole models: layer, bias, ReLU; the last layer without ReLU */
	layer d2;
	layer_init(&d2, 128, 10, &rng);
	const layer *fashion[3] = { &L[0], &L[1], &L[2] }, *digits[2] = { &L[3], &d2 };
	const struct { const char *name; const layer *const *ls; int n; } models[2] = {
		{ "Fashion-MNIST 784-256-128-10", fashion, 3 }, { "Digits 64-128-10", digits, 2 },
	};
	printf("\n| model (bias + ReLU per layer) | f32 rows/s | int8 rows/s | × (paired) | × (best) | same class |\n"
	       "|---|---|---|---|---|---|\n");
	for (int mi = 0; mi < 2; mi++) {
		const layer *const *ls = models[mi].ls;
		int n = models[mi].n;
		double flops = 0;
		for (int l = 0; l < n; l++)
			flops += 2.0 * (double)rows * (double)ls[l]->in * (double)ls[l]->out;
		fill_x(x, rows * ls[0]->in, &rng);
		job fa = { ls, n, 0, 1, x, rows, { h1, h2 }, y, &q }, fb = fa;
		fb.int8 = 1;
		/* agreement of the predicted class (argmax) between the paths */
		size_t k = ls[n - 1]->out;
		float *yf = xmalloc(rows * k * sizeof *yf);
		job_run(&fa);
		memcpy(yf, y, rows * k * sizeof *yf);
		job_run(&fb);
		size_t same = 0;
		for (size_t r = 0; r < rows; r++) {
			size_t af = 0, aq = 0;
			for (size_t o = 1; o < k; o++) {
				af = yf[r * k + o] > yf[r * k + af] ? o : af;
				aq = y[r * k + o] > y[r * k + aq] ? o : aq;
			}
			same += af == aq;
		}
		free(yf);
		int reps = reps_for(flops);
		for (int t = 0; t < runs; t++) {
			ra[t] = job_rate(&fa, reps);
			rb[t] = job_rate(&fb, reps);
		}
		double paired, best;
		ratios(ra, rb, runs, &paired, &best);
		double a = median(ra, runs), b = median(rb, runs);
		printf("| %s | %.0f | %.0f | %.2f | %.2f | %zu of %zu |\n", models[mi].name, a, b, paired, best, same,
		       rows);
	}
	for (size_t si = 0; si < nshapes; si++)
		layer_free(&L[si]);
	layer_free(&d2);
	free(x);
	free(y);
	free(h1);
	free(h2);
	free(q.u);
	free(q.s);
	free(q.z);
	free(ra);
	free(rb);
	return 0;
}
