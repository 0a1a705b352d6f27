/* test-step.c — a training step in shares: the same bytes on a pool of
 * one or two threads (with and without clipping, with an empty share),
 * and the same update, to rounding, as one gradient of the whole batch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/step.h"
#include "check.h"

#define N 11

static float xs[N * 4];
static int32_t cls[N];

static nn_mlp *net_new(void)
{
	size_t width[3] = { 4, 6, 3 };
	enum nn_act act[1] = { NN_ACT_TANH };
	nn_rng rng;
	nn_mlp *net = nn_mlp_new(2, width, act, NN_OUT_SOFTMAX, NN_LOSS_CE, NULL);
	nn_rng_seed(&rng, 5, 1);
	nn_mlp_init(net, NN_INIT_XAVIER, &rng);
	return net;
}

/* Steps over the batches of rows order[...], on `members` threads. */
static nn_mlp *train(int members, double clip, const size_t *sizes, size_t nsizes, double *loss)
{
	static const uint64_t order[N] = { 3, 7, 0, 10, 1, 9, 2, 8, 4, 6, 5 };
	nn_dataset ds = { .n = N, .d = 4, .x = xs, .cls = cls };
	nn_optim_config oc;
	nn_error err = { 0 };
	nn_mlp *net = net_new();
	nn_optim_defaults(&oc, NN_OPTIM_ADAM);
	oc.clip_norm = clip;
	nn_optim *opt = nn_optim_new(&oc, net->nparams, &err);
	nn_pool *pool = nn_pool_new(members, 1, &err);
	nn_step *s = nn_step_new(net, opt, NULL, 6, pool, &err);
	size_t at = 0;
	*loss = 0;
	for (size_t i = 0; s && i < nsizes; i++) {
		*loss += nn_step_run(s, &ds, order + at, sizes[i], 1);
		at += sizes[i];
	}
	nn_step_free(s);
	nn_pool_free(pool);
	nn_optim_free(opt);
	return net;
}

static void test_same_bytes(void)
{
	static const size_t sizes[4] = { 4, 5, 1, 1 };   /* one row: an empty second share */
	for (int c = 0; c < 2; c++) {
		double l1, l2;
		nn_mlp *a = train(1, c ? 0.1 : 0, sizes, 4, &l1), *b = train(2, c ? 0.1 : 0, sizes, 4, &l2);
		CHECK(!memcmp(a->params, b->params, a->nparams * sizeof(float)) && l1 == l2 && isfinite(l1),
		      "clip %d: one thread and two give the same parameters and losses", c);
		nn_mlp_free(a);
		nn_mlp_free(b);
	}
}

/* One step of 5 rows in shares against one gradient of the 5 rows. */
static void test_mean_gradient(void)
{
	static const size_t five[1] = { 5 };
	static const uint64_t rows[5] = { 3, 7, 0, 10, 1 };
	double loss;
	nn_mlp *a = train(2, 0, five, 1, &loss), *b = net_new();
	nn_optim_config oc;
	nn_optim_defaults(&oc, NN_OPTIM_ADAM);
	nn_optim *opt = nn_optim_new(&oc, b->nparams, NULL);
	nn_mlp_work *w = nn_mlp_work_new(b, 5, NULL);
	float x[5 * 4], t[5 * 3] = { 0 }, *g = calloc(b->nparams, sizeof(float));
	for (int i = 0; i < 5; i++) {
		memcpy(x + i * 4, xs + rows[i] * 4, sizeof(float) * 4);
		t[i * 3 + cls[rows[i]]] = 1;
	}
	double whole = nn_mlp_gradient(b, w, x, t, 5, g);
	nn_optim_step(opt, b->params, g);
	float most = 0;
	for (size_t i = 0; i < b->nparams; i++)
		most = fmaxf(most, fabsf(a->params[i] - b->params[i]));
	CHECK(most <= 1e-6f && fabs(loss - whole) <= 1e-6, "the shares' update is the whole batch's (largest difference %g)",
	      (double)most);
	free(g);
	nn_mlp_work_free(w);
	nn_optim_free(opt);
	nn_mlp_free(a);
	nn_mlp_free(b);
}

int main(void)
{
	for (int i = 0; i < N * 4; i++)
		xs[i] = sinf((float)i);
	for (int i = 0; i < N; i++)
		cls[i] = i % 3;
	test_same_bytes();
	test_mean_gradient();
	return check_done();
}
