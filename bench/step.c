/* step.c — for bench/run.sh only: where a training step's time goes.
 * A synthetic training set shaped as Fashion-MNIST (55,000 rows of 784
 * features, 10 classes), the network WIDTHS, Adam, batches of BATCH rows
 * in the shares of nn/step.h, on THREADS threads.  Each part is timed
 * alone, the best of several runs (a shared machine only ever adds time):
 *
 *   limit     nn-train --dry-run's: sgemm at BATCH x width[1] x width[0]
 *             on THREADS BLAS threads, over the FLOPs per row
 *   products  every product of a share's gradient at its own shape
 *             (share rows: BATCH / 2), one BLAS thread
 *   gradient  nn_mlp_gradient of one share on rows already gathered
 *   gather    copying a share's rows from random places, as the step does
 *   update    the shares' sum and Adam over every parameter
 *   in a row  the gather, the gradient and the update above, one after
 *             the other as a step runs them: what they cost together
 *             beyond their sum alone is what each leaves the next in the
 *             caches (the update moves 9 floats a parameter through them)
 *   step      nn_step_run over a shuffled epoch order: all of it; and
 *             the mean of steps run back to back, as an epoch runs them
 *
 * All of it PASSES times over, each figure the best of its passes.  Times
 * on one thread are CPU time, on two elapsed (see now()).
 *
 *   step THREADS BATCH WIDTHS [PASSES]    e.g. step 1 128 784,256,128,10
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "nn/blas.h"
#include "nn/step.h"
#include "kernels.h"

#define ROWS 55000

/* Parts on one thread are timed in that thread's CPU time: on a busy
 * machine the waits for a processor are left out (stalls on memory
 * shared with others are not).  Parts on two threads: elapsed time. */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void)
{
	struct timespec ts;
	clock_gettime(clock_id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds per call of fn(ctx): the best of 15 runs of about 5 ms (short
 * runs: on a busy machine some of them run undisturbed), each run calls
 * in rounds of growing length, so the clock is read a few times only. */
static double best_of(void (*fn)(void *), void *ctx)
{
	double best = 1e30;
	fn(ctx);
	for (int run = 0; run < 15; run++) {
		double t0 = now(), t;
		long n = 0, round = 1;
		do {
			for (long i = 0; i < round; i++)
				fn(ctx);
			n += round;
			round *= 2;
		} while ((t = now() - t0) < 0.005);
		best = t / (double)n < best ? t / (double)n : best;
	}
	return best;
}

/* Seconds per call of fn(ctx) over calls made back to back for a second
 * (at least 20), as an epoch makes them: the best-of figures leave out
 * how much calls vary, which an epoch's mean does not. */
static double mean_of(void (*fn)(void *), void *ctx, long *calls)
{
	double t0 = now(), t;
	long n = 0;
	do {
		fn(ctx);
		n++;
	} while ((t = now() - t0) < 1.0 || n < 20);
	*calls = n;
	return t / (double)n;
}

struct job {
	nn_mlp *net;
	nn_mlp_work *w;
	nn_optim *opt;
	nn_step *step;
	nn_dataset *ds;
	uint64_t *order;
	size_t at, rows, batch;
	float *x, *t, *g, *g1;
	int ta, tb;
	size_t m, n, k;
	float *a, *b, *c;
};

static void product(void *p)
{
	struct job *j = p;
	nn_sgemm(j->ta, j->tb, j->m, j->n, j->k, 1, j->a, j->ta ? j->m : j->k, j->b, j->tb ? j->k : j->n, 0,
	         j->c, j->n);
}

/* Seconds of the products of 2 gradients of r rows each, at their
 * shapes, into p: forward, weight gradient, input gradient. */
static void products(struct job *j, const size_t *width, int nl, size_t r, double *p)
{
	p[0] = p[1] = p[2] = 0;
	for (int l = 0; l < nl; l++) {
		size_t in = width[l], o = width[l + 1];
		j->ta = 0, j->tb = 1, j->m = r, j->n = o, j->k = in;               /* Z = A W^T */
		p[0] += 2 * best_of(product, j);
		j->ta = 1, j->tb = 0, j->m = o, j->n = in, j->k = r;               /* dW = D^T A */
		p[1] += 2 * best_of(product, j);
		if (l) {
			j->ta = 0, j->tb = 0, j->m = r, j->n = in, j->k = o;       /* dA = D W */
			p[2] += 2 * best_of(product, j);
		}
	}
}

static void gradient(void *p)
{
	struct job *j = p;
	nn_mlp_gradient(j->net, j->w, j->x, j->t, j->rows, j->g);
}

static void gather(void *p)
{
	struct job *j = p;
	size_t d = j->ds->d;
	if (j->at + j->rows > ROWS)
		j->at = 0;
	for (size_t i = 0; i < j->rows; i++)
		memcpy(j->x + i * d, j->ds->x + j->order[j->at + i] * d, d * sizeof(float));
	j->at += j->rows;
}

static void update(void *p)
{
	struct job *j = p;
	size_t n = j->net->nparams;
	nn_optim_begin(j->opt);
	for (size_t i = 0; i < n; i++)          /* the shares' sum, as nn_step's */
		j->g[i] = j->g[i] * 0.5f + 0.5f * j->g1[i];
	nn_optim_update(j->opt, j->net->params, j->g, 0, n);
}

/* gather, gradient (twice each: the two shares) and update in a row */
static void in_a_row(void *p)
{
	gather(p);
	gradient(p);
	gather(p);
	gradient(p);
	update(p);
}

static void step(void *p)
{
	struct job *j = p;
	if (j->at + j->batch > ROWS)
		j->at = 0;
	nn_step_run(j->step, j->ds, j->order + j->at, j->batch, 1);
	j->at += j->batch;
}

int main(int argc, char **argv)
{
	nn_error err = { 0 };
	size_t width[NN_MLP_MAX_LAYERS + 1];
	enum nn_act act[NN_MLP_MAX_LAYERS] = { 0 };
	int nl = -1, threads = argc >= 4 ? atoi(argv[1]) : 0;

	int passes = argc == 5 ? atoi(argv[4]) : 3;
	if (argc < 4 || argc > 5 || passes < 1 || threads < 1 || threads > 2 || atol(argv[2]) < 2) {
		fprintf(stderr, "usage: step THREADS(1|2) BATCH WIDTHS [PASSES]\n");
		return 2;
	}
	bench_nnpipe_kernels(argv);
	for (char *s = argv[3], *e; *s && nl < NN_MLP_MAX_LAYERS; s = *e ? e + 1 : e) {
		width[++nl] = strtoul(s, &e, 10);
		if (e == s)
			break;
	}
	size_t B = (size_t)atol(argv[2]), r = (B + 1) / 2, d = width[0], out = width[nl];
	nn_mlp *net = nl >= 1 ? nn_mlp_new(nl, width, act, NN_OUT_SOFTMAX, NN_LOSS_CE, &err) : NULL;
	if (!net) {
		fprintf(stderr, "step: bad WIDTHS '%s' %s\n", argv[3], err.msg);
		return 2;
	}
	nn_rng rng;
	nn_rng_seed(&rng, 1, 1);
	nn_mlp_init(net, NN_INIT_HE, &rng);
	nn_dataset ds = { .n = ROWS, .d = d };
	ds.x = malloc((size_t)ROWS * d * sizeof(float));
	ds.cls = malloc(ROWS * sizeof(int32_t));
	uint64_t *order = malloc(ROWS * sizeof *order);
	for (size_t i = 0; i < (size_t)ROWS * d; i++)
		ds.x[i] = (float)nn_rng_uniform(&rng);
	for (size_t i = 0; i < ROWS; i++) {
		ds.cls[i] = (int32_t)(nn_rng_below(&rng, out));
		order[i] = i;
	}
	for (size_t i = ROWS - 1; i > 0; i--) {
		size_t k = nn_rng_below(&rng, i + 1);
		uint64_t tmp = order[i];
		order[i] = order[k];
		order[k] = tmp;
	}
	nn_optim_config oc;
	nn_optim_defaults(&oc, NN_OPTIM_ADAM);
	struct job j = { .net = net, .ds = &ds, .order = order, .rows = r, .batch = B };
	j.opt = nn_optim_new(&oc, net->nparams, &err);
	j.w = nn_mlp_work_new(net, B, &err);
	j.x = calloc(B * d, sizeof(float));
	j.t = calloc(B * out, sizeof(float));
	j.g = calloc(net->nparams, sizeof(float));
	j.g1 = calloc(net->nparams, sizeof(float));
	size_t most = 0;
	for (int l = 0; l < nl; l++)
		most = width[l] * width[l + 1] > most ? width[l] * width[l + 1] : most;
	j.a = calloc(most > B * d ? most : B * d, sizeof(float));
	j.b = calloc(most > B * d ? most : B * d, sizeof(float));
	j.c = calloc(most > B * d ? most : B * d, sizeof(float));
	for (size_t i = 0; i < B; i++)
		j.t[i * out + (size_t)ds.cls[i]] = 1;
	gather(&j);

	double fpr = nn_mlp_flops_train(net), limit_gf = 0, prod[3], whole[3], g = 1e30, ga = 1e30, u = 1e30, row = 1e30, st = 1e30;
	nn_pool *pool = threads > 1 ? nn_pool_new(threads, 1, &err) : NULL;
	j.step = nn_step_new(net, j.opt, NULL, B, pool, &err);
	for (int i = 0; i < 3; i++)
		prod[i] = whole[i] = 1e30;
	for (int pass = 0; pass < passes; pass++) {
		double p[3], q[3];
		/* the limit as --dry-run measures it, but timed as the rest */
		nn_blas_set_threads(threads);
		clock_id = threads > 1 ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID;
		j.ta = 0, j.tb = 0, j.m = B, j.n = width[1], j.k = d;
		double lg = 2.0 * (double)B * (double)width[1] * (double)d / best_of(product, &j) / 1e9;
		limit_gf = lg > limit_gf ? lg : limit_gf;
		nn_blas_set_threads(1);
		clock_id = CLOCK_THREAD_CPUTIME_ID;
		products(&j, width, nl, r, p);
		products(&j, width, nl, B, q);
		for (int i = 0; i < 3; i++)
			whole[i] = q[i] / 2 < whole[i] ? q[i] / 2 : whole[i];
		for (int i = 0; i < 3; i++)
			prod[i] = p[i] < prod[i] ? p[i] : prod[i];
		double x = 2 * best_of(gradient, &j);
		g = x < g ? x : g;
		x = 2 * best_of(gather, &j);
		ga = x < ga ? x : ga;
		x = best_of(update, &j);
		u = x < u ? x : u;
		x = best_of(in_a_row, &j);
		row = x < row ? x : row;
		clock_id = threads > 1 ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID;
		x = best_of(step, &j);
		st = x < st ? x : st;
	}
	long nmean;
	double mean = mean_of(step, &j, &nmean);
	double limit = limit_gf * 1e9 / fpr;
	printf("| part (network %s, batch %zu, %d thread%s, %s kernels) | µs per step | share of the step | samples/s alone |\n",
	       argv[3], B, threads, threads > 1 ? "s" : "", nn_blas_corename());
	printf("|---|---|---|---|\n");
	double sum = prod[0] + prod[1] + prod[2];
	const char *name[3] = { "forward products (A W^T)", "weight-gradient products (D^T A)",
	                        "input-gradient products (D W)" };
	printf("| the limit: sgemm %.1f GFLOPS at %zux%zux%zu, %d thread%s | %.0f | | %.0f |\n", limit_gf, B,
	       width[1], d, threads, threads > 1 ? "s" : "", (double)B / limit * 1e6, limit);
	for (int i = 0; i < 3; i++)
		printf("| %s, 2 shares of %zu rows, 1 thread | %.0f | %.2f | |\n", name[i], r, prod[i] * 1e6, prod[i] / st / threads);
	printf("| all products at the shares' shapes, 1 thread | %.0f | %.2f | %.0f |\n", sum * 1e6, sum / st / threads,
	       (double)B / sum);
	printf("| all products at the batch's shapes (one gradient of %zu rows), 1 thread | %.0f | | %.0f |\n", B,
	       (whole[0] + whole[1] + whole[2]) * 1e6, (double)B / (whole[0] + whole[1] + whole[2]));
	printf("| nn_mlp_gradient, 2 shares (products + elementwise) | %.0f | %.2f | %.0f |\n", g * 1e6, g / st / threads,
	       (double)B / g);
	printf("| gather of 2 shares' rows (plain copies) | %.0f | %.2f | |\n", ga * 1e6, ga / st / threads);
	printf("| sum of the shares + Adam, %zu parameters | %.0f | %.2f | |\n", net->nparams, u * 1e6, u / st / threads);
	printf("| the three above in a row, on one thread (%.0f alone) | %.0f | %.2f | |\n", (g + ga + u) * 1e6,
	       row * 1e6, row / st / threads);
	printf("| **the whole step (nn_step_run), %d thread%s** | %.0f | 1 | %.0f (%.2f of the limit) |\n", threads,
	       threads > 1 ? "s" : "", st * 1e6, (double)B / st, (double)B / st / limit);
	printf("| the whole step, the mean of %ld steps in a row (as an epoch) | %.0f | | %.0f (%.2f of the limit) |\n",
	       nmean, mean * 1e6, (double)B / mean, (double)B / mean / limit);
	nn_step_free(j.step);
	nn_pool_free(pool);
	return 0;
}
