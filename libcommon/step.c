/* step.c — one training step in shares on a pool (see nn/step.h). */
#include <stdlib.h>
#include "nn/step.h"
#include "hot.h"

#define SHARES NN_STEP_SHARES

struct nn_step {
	nn_mlp *net;
	nn_optim *opt;
	nn_pool *pool;
	float *own_grad;                  /* g[0] when the caller gave none */
	const nn_dataset *ds;
	const uint64_t *idx;              /* the batch's rows */
	size_t rows;
	int classification;
	size_t lo[SHARES + 1];            /* share k's rows: [lo[k], lo[k + 1]) */
	nn_mlp_work *w[SHARES];
	float *x[SHARES], *t[SHARES], *g[SHARES];   /* per share: rows, targets, gradient */
	double loss[SHARES];              /* per share: mean loss of its rows */
	const unsigned char *frozen;      /* parameters held at zero, or NULL */
};

void nn_step_freeze(nn_step *s, const unsigned char *frozen)
{
	s->frozen = frozen;
}

/* The frozen parameters of [lo, hi) back to zero in v. */
static void zero_frozen(const nn_step *s, float *v, size_t lo, size_t hi)
{
	for (size_t i = lo; s->frozen && i < hi; i++)
		if (s->frozen[i])
			v[i] = 0;
}

void nn_step_free(nn_step *s)
{
	if (!s)
		return;
	for (int k = 0; k < SHARES; k++) {
		nn_mlp_work_free(s->w[k]);
		nn_floats_free(s->x[k]);
		nn_floats_free(s->t[k]);
		if (k)
			nn_floats_free(s->g[k]);
	}
	nn_floats_free(s->own_grad);
	free(s);
}

nn_step *nn_step_new(nn_mlp *net, nn_optim *opt, float *grad, size_t max_rows, nn_pool *pool,
                     nn_error *err)
{
	size_t per = (max_rows + SHARES - 1) / SHARES, out = net->width[net->nlayers], xn, tn;
	nn_step *s = calloc(1, sizeof *s);
	if (!s || nn_size_mul(per, net->width[0], &xn) || nn_size_mul(per, out, &tn))
		goto nomem;
	s->net = net;
	s->opt = opt;
	s->pool = pool;
	/* 64-byte aligned (nn_floats_zeroed): whole cache lines for the
	 * products and the update's vector loads */
	if (!grad && !(grad = s->own_grad = nn_floats_zeroed(net->nparams)))
		goto nomem;
	for (int k = 0; k < SHARES; k++) {
		if (!(s->w[k] = nn_mlp_work_new(net, per, err))) {
			nn_step_free(s);
			return NULL;
		}
		s->x[k] = nn_floats_zeroed(xn);
		s->t[k] = nn_floats_zeroed(tn);
		s->g[k] = k ? nn_floats_zeroed(net->nparams) : grad;
		if (!s->x[k] || !s->t[k] || !s->g[k])
			goto nomem;
	}
	return s;
nomem:
	nn_step_free(s);
	nn_error_set(err, NN_ENOMEM, "out of memory");
	return NULL;
}

static void share_gradient(nn_step *s, int k)
{
	const nn_mlp *net = s->net;
	size_t lo = s->lo[k], n = s->lo[k + 1] - lo;

	nn_dataset_gather(s->ds, s->idx + lo, n, s->x[k]);      /* [n x d] f32 */
	nn_dataset_targets(s->ds, s->idx + lo, n, net->width[net->nlayers], s->classification, s->t[k]);
	s->loss[k] = n ? nn_mlp_gradient(net, s->w[k], s->x[k], s->t[k], n, s->g[k]) : 0;
}

/* g [n] = g w + v h: the weighted sum of two shares' gradients, with
 * the rounding of g *= w then g += v h as two loops would have it. */
NN_HOT static void mix(float *restrict g, const float *restrict h, float w, float v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g[i] = g[i] * w + v * h[i];
}

/* Parameters [a, b) of the k-th of SHARES ranges: the sum into g[0] and
 * the update, in blocks that stay in the first-level cache from one to
 * the other (5 arrays of 1024 floats: 20 KiB). */
static void share_update(nn_step *s, int k)
{
	const nn_mlp *net = s->net;
	size_t np = net->nparams, a = np * (size_t)k / SHARES, b = np * (size_t)(k + 1) / SHARES;
	float *g0 = s->g[0], share[SHARES];

	for (int m = 0; m < SHARES; m++)
		share[m] = (float)((double)(s->lo[m + 1] - s->lo[m]) / (double)s->rows);
	for (size_t lo = a, hi; lo < b; lo = hi) {
		hi = b - lo > 1024 ? lo + 1024 : b;
		/* The shares fill in order: share 0 always has rows, and when
		 * share 1 has none, share 0 has them all (share[0] is 1).  An
		 * empty share's buffer holds an older step's gradient. */
		for (int m = 1; m < SHARES; m++)
			if (share[m] != 0)
				mix(g0 + lo, s->g[m] + lo, m == 1 ? share[0] : 1, share[m], hi - lo);
		zero_frozen(s, g0, lo, hi);
		if (s->opt->cfg.clip_norm <= 0) {
			nn_optim_update(s->opt, net->params, g0, lo, hi - lo);
			zero_frozen(s, net->params, lo, hi);
		}
	}
}

/* Member m of the pool takes shares m, m + members, ... */
static void gradients(void *ctx, int m)
{
	nn_step *s = ctx;
	for (int k = m; k < SHARES; k += nn_pool_size(s->pool))
		share_gradient(s, k);
}

static void updates(void *ctx, int m)
{
	nn_step *s = ctx;
	for (int k = m; k < SHARES; k += nn_pool_size(s->pool))
		share_update(s, k);
}

double nn_step_run(nn_step *s, const nn_dataset *ds, const uint64_t *idx, size_t rows, int classification)
{
	double loss = 0;
	size_t per = (rows + SHARES - 1) / SHARES;

	s->ds = ds;
	s->idx = idx;
	s->rows = rows;
	s->classification = classification;
	for (int k = 0; k <= SHARES; k++)
		s->lo[k] = (size_t)k * per < rows ? (size_t)k * per : rows;
	nn_pool_run(s->pool, gradients, s);
	if (s->opt->cfg.clip_norm <= 0)
		nn_optim_begin(s->opt);
	nn_pool_run(s->pool, updates, s);
	if (s->opt->cfg.clip_norm > 0) {
		nn_optim_step(s->opt, s->net->params, s->g[0]);
		zero_frozen(s, s->net->params, 0, s->net->nparams);
	}
	for (int k = 0; k < SHARES; k++)
		loss += s->loss[k] * (double)(s->lo[k + 1] - s->lo[k]);
	return loss / (double)rows;
}
