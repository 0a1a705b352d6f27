/* optim.c — SGD, momentum, Adam, AdamW and the learning-rate schedule.
 * The loops run over the whole parameter block in float, one pass each;
 * powers and square roots of the bias corrections in double. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/mlp.h"
#include "nn/optim.h"
#include "hot.h"

static const char *const kind_names[NN_OPTIM_COUNT] = { "sgd", "momentum", "adam", "adamw" };
static const char *const sched_names[NN_SCHED_COUNT] = { "constant", "step", "cosine" };

const char *nn_optim_name(enum nn_optim_kind k) { return k < NN_OPTIM_COUNT ? kind_names[k] : "?"; }

int nn_optim_parse(const char *s, enum nn_optim_kind *k)
{
	for (int i = 0; i < NN_OPTIM_COUNT; i++)
		if (!strcmp(s, kind_names[i])) {
			*k = (enum nn_optim_kind)i;
			return 0;
		}
	return -1;
}

int nn_schedule_parse(const char *s, enum nn_schedule *k)
{
	for (int i = 0; i < NN_SCHED_COUNT; i++)
		if (!strcmp(s, sched_names[i])) {
			*k = (enum nn_schedule)i;
			return 0;
		}
	return -1;
}

void nn_optim_defaults(nn_optim_config *c, enum nn_optim_kind kind)
{
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->lr = kind == NN_OPTIM_ADAM || kind == NN_OPTIM_ADAMW ? 1e-3 : 1e-2;
	c->momentum = 0.9;
	c->beta1 = 0.9;
	c->beta2 = 0.999;
	c->eps = 1e-8;
	c->weight_decay = kind == NN_OPTIM_ADAMW ? 1e-2 : 0;
	c->gamma = 0.1;
}

nn_optim *nn_optim_new(const nn_optim_config *c, size_t nparams, nn_error *err)
{
	nn_optim *o = calloc(1, sizeof *o);
	int moments = c->kind == NN_OPTIM_ADAM || c->kind == NN_OPTIM_ADAMW ? 2 :
	              c->kind == NN_OPTIM_MOMENTUM ? 1 : 0;
	if (o && moments >= 1)
		o->m = nn_floats_zeroed(nparams);   /* 64-byte aligned: the update's vector loads */
	if (o && moments >= 2)
		o->v = nn_floats_zeroed(nparams);
	if (!o || (moments >= 1 && !o->m) || (moments >= 2 && !o->v)) {
		nn_optim_free(o);
		nn_error_set(err, NN_ENOMEM, "out of memory for the optimizer's state");
		return NULL;
	}
	o->cfg = *c;
	o->n = nparams;
	return o;
}

void nn_optim_free(nn_optim *o)
{
	if (o) {
		nn_floats_free(o->m);
		nn_floats_free(o->v);
		free(o);
	}
}

double nn_optim_lr(const nn_optim_config *c, uint64_t step)
{
	if (step < c->warmup)
		return c->lr * (double)(step + 1) / (double)c->warmup;
	uint64_t t = step - c->warmup;
	switch (c->schedule) {
	case NN_SCHED_STEP:
		return c->step_every ? c->lr * pow(c->gamma, (double)(t / c->step_every)) : c->lr;
	case NN_SCHED_COSINE:
		if (!c->total || t >= c->total)
			return c->total ? c->min_lr : c->lr;
		return c->min_lr + 0.5 * (c->lr - c->min_lr) * (1 + cos(M_PI * (double)t / (double)c->total));
	default:
		return c->lr;
	}
}

/* L2 norm in double; eight partial sums so that the loop vectorises
 * (the order of the additions is fixed, so the result is too). */
NN_HOT static double norm2(const float *g, size_t n)
{
	double part[8] = { 0 };
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			part[k] += (double)g[i + k] * g[i + k];
	for (; i < n; i++)
		part[0] += (double)g[i] * g[i];
	double s = 0;
	for (int k = 0; k < 8; k++)
		s += part[k];
	return sqrt(s);
}

NN_HOT static void adam(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                        size_t n, float b1, float one_b1, float b2, float one_b2, float step_size,
                        float inv_bc2, float eps, float keep, float l2)
{
	for (size_t i = 0; i < n; i++) {
		float gi = g[i] + l2 * p[i];
		m[i] = b1 * m[i] + one_b1 * gi;
		v[i] = b2 * v[i] + one_b2 * gi * gi;
		p[i] = p[i] * keep - step_size * m[i] / (sqrtf(v[i]) * inv_bc2 + eps);
	}
}

NN_HOT static void sgd(float *restrict p, const float *restrict g, size_t n, float lr, float wd)
{
	for (size_t i = 0; i < n; i++)
		p[i] -= lr * (g[i] + wd * p[i]);
}

NN_HOT static void momentum(float *restrict p, const float *restrict g, float *restrict b, size_t n,
                            float lr, float wd, float mu, int nesterov)
{
	if (nesterov) {
		for (size_t i = 0; i < n; i++) {
			float gi = g[i] + wd * p[i];
			b[i] = mu * b[i] + gi;
			p[i] -= lr * (gi + mu * b[i]);
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			b[i] = mu * b[i] + (g[i] + wd * p[i]);
			p[i] -= lr * b[i];
		}
	}
}

void nn_optim_begin(nn_optim *o)
{
	const nn_optim_config *c = &o->cfg;
	o->lr_now = nn_optim_lr(c, o->step);
	o->step++;
	double t = (double)o->step;
	o->step_size = (float)((double)(float)o->lr_now / (1 - pow(c->beta1, t)));
	o->inv_bc2 = (float)(1 / sqrt(1 - pow(c->beta2, t)));
}

void nn_optim_update(nn_optim *o, float *params, const float *grad, size_t off, size_t n)
{
	const nn_optim_config *c = &o->cfg;
	float *restrict p = params + off;
	const float *restrict g = grad + off;
	float lr = (float)o->lr_now;
	float wd = (float)c->weight_decay;
	switch (c->kind) {
	case NN_OPTIM_SGD:
		sgd(p, g, n, lr, wd);
		break;
	case NN_OPTIM_MOMENTUM:
		momentum(p, g, o->m + off, n, lr, wd, (float)c->momentum, c->nesterov);
		break;
	default: {
		/* 1 - b in double, then rounded: (float)(1 - 0.999) is 1e-3 to
		 * float precision, 1 - 0.999f is 4.7e-5 relative off. */
		float b1 = (float)c->beta1, b2 = (float)c->beta2;
		float one_b1 = (float)(1 - c->beta1), one_b2 = (float)(1 - c->beta2);
		float step_size = o->step_size, inv_bc2 = o->inv_bc2;
		float eps = (float)c->eps;
		int decoupled = c->kind == NN_OPTIM_ADAMW;
		float keep = decoupled ? 1 - lr * wd : 1;
		float l2 = decoupled ? 0 : wd;
		adam(p, g, o->m + off, o->v + off, n, b1, one_b1, b2, one_b2, step_size, inv_bc2, eps, keep, l2);
	}
	}
}

double nn_optim_step(nn_optim *o, float *restrict p, float *restrict g)
{
	const nn_optim_config *c = &o->cfg;
	size_t n = o->n;
	/* The norm costs a pass over the gradient: only for clipping. */
	double norm = c->clip_norm > 0 ? norm2(g, n) : NAN;
	if (c->clip_norm > 0 && norm > c->clip_norm) {
		/* PyTorch's clip_grad_norm_: g *= max_norm / (norm + 1e-6) */
		float s = (float)(c->clip_norm / (norm + 1e-6));
		for (size_t i = 0; i < n; i++)
			g[i] *= s;
	}
	nn_optim_begin(o);
	nn_optim_update(o, p, g, 0, n);
	return norm;
}
