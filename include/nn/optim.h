/* nn/optim.h — optimizers and learning-rate schedules over one contiguous
 * parameter block (nn/mlp.h).  Each update follows PyTorch's definition
 * (torch.optim.SGD, Adam, AdamW) so results and hyper-parameters carry
 * over:
 *   sgd       p -= lr (g + wd p)
 *   momentum  b = mu b + (g + wd p);  p -= lr b   (nesterov: p -= lr (g + wd p + mu b))
 *   adam      g += wd p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *             p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
 *   adamw     as adam without wd in g, and first p -= lr wd p (decoupled)
 * The state (m, v, step) is plain data so that a checkpoint holds it.
 */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"

enum nn_optim_kind { NN_OPTIM_SGD, NN_OPTIM_MOMENTUM, NN_OPTIM_ADAM, NN_OPTIM_ADAMW,
                     NN_OPTIM_COUNT };
enum nn_schedule { NN_SCHED_CONSTANT, NN_SCHED_STEP, NN_SCHED_COSINE, NN_SCHED_COUNT };

const char *nn_optim_name(enum nn_optim_kind k);      /* "sgd", "momentum", "adam", "adamw" */
int nn_optim_parse(const char *s, enum nn_optim_kind *k);
int nn_schedule_parse(const char *s, enum nn_schedule *k);

typedef struct nn_optim_config {
	enum nn_optim_kind kind;
	double lr;
	double momentum;        /* momentum: mu (default 0.9) */
	int nesterov;
	double beta1, beta2, eps;  /* adam(w): 0.9, 0.999, 1e-8 */
	double weight_decay;
	double clip_norm;       /* > 0: scale the gradient to at most this L2 norm */
	/* schedule, in optimizer steps */
	enum nn_schedule schedule;
	uint64_t warmup;        /* linear warm-up from lr/warmup to lr */
	uint64_t step_every;    /* step: multiply by gamma every step_every steps */
	double gamma;
	uint64_t total;         /* cosine: steps from the end of warm-up to min_lr */
	double min_lr;
} nn_optim_config;

/* Defaults as PyTorch's for the kind, lr 1e-3 (adam) or 1e-2 (sgd). */
void nn_optim_defaults(nn_optim_config *c, enum nn_optim_kind kind);

typedef struct nn_optim {
	nn_optim_config cfg;
	size_t n;
	float *m;               /* momentum buffer / first moment (NULL for sgd) */
	float *v;               /* second moment (adam, adamw) */
	uint64_t step;          /* updates done (begun) */
	double lr_now;          /* the learning rate of the update under way */
	/* adam(w): lr/(1-b1^t) and 1/sqrt(1-b2^t) of the update under way,
	 * set by nn_optim_begin: the powers once per step, not per range */
	float step_size, inv_bc2;
} nn_optim;

nn_optim *nn_optim_new(const nn_optim_config *c, size_t nparams, nn_error *err);
void nn_optim_free(nn_optim *o);                     /* NULL is fine */

/* The learning rate of update number step (0-based). */
double nn_optim_lr(const nn_optim_config *c, uint64_t step);

/* One update of params from grad (both n floats); grad may be scaled in
 * place by clipping.  Returns the gradient's L2 norm before clipping
 * when clipping is on, NaN otherwise (the norm costs a pass). */
double nn_optim_step(nn_optim *o, float *params, float *grad);

/* The same update in pieces, for applying it layer by layer while the
 * gradient is still in cache (nn_mlp_gradient's hook): begin once per
 * step, then update every range [off, off + n) of the block exactly once.
 * Elementwise, so the result is bit-identical to nn_optim_step without
 * clipping (clipping needs the whole gradient's norm first). */
void nn_optim_begin(nn_optim *o);
void nn_optim_update(nn_optim *o, float *params, const float *grad, size_t off, size_t n);

#endif
