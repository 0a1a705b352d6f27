/* trainopts.c — what a training run's options imply (see nn/trainopts.h). */
#include <stdio.h>
#include <string.h>
#include "nn/cli.h"
#include "nn/trainopts.h"

void nn_train_opts_init(nn_train_opts *o)
{
	*o = (nn_train_opts){
		.x = "x", .y = "y", .layers = "100", .act = "relu", .optim = "adam", .schedule = "constant",
		.monitor = "loss", .epochs = NN_TRAIN_EPOCHS, .batch = 128, .patience = -1, .min_delta = -1,
		.lr = -1, .momentum = 0.9, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .wd = -1, .step_size = 1,
		.gamma = 0.1,
	};
}

void nn_train_opts_finish(nn_train_opts *o)
{
	if (o->patience < 0)
		o->patience = NN_TRAIN_PATIENCE;
	if (o->min_delta < 0)
		o->min_delta = NN_TRAIN_MIN_DELTA;
}

enum nn_task_kind nn_train_task_kind(const nn_train_opts *o)
{
	if (!o->task)
		return NN_TASK_AUTO;
	return (enum nn_task_kind)(NN_TASK_CLASSIFICATION + nn_cli_choice(NN_TRAIN_TASKS, o->task));
}

void nn_train_optim_config(const nn_train_opts *o, uint64_t steps_per_epoch, nn_optim_config *c)
{
	nn_optim_defaults(c, (enum nn_optim_kind)nn_cli_choice(NN_TRAIN_OPTIMIZERS, o->optim));
	if (o->lr >= 0)
		c->lr = o->lr;
	if (o->wd >= 0)
		c->weight_decay = o->wd;
	c->momentum = o->momentum;
	c->nesterov = o->nesterov;
	c->beta1 = o->beta1;
	c->beta2 = o->beta2;
	c->eps = o->eps;
	c->clip_norm = o->clip;
	c->schedule = (enum nn_schedule)nn_cli_choice(NN_TRAIN_SCHEDULES, o->schedule);
	c->gamma = o->gamma;
	c->min_lr = o->min_lr;
	nn_fit_schedule(c, o->warmup, o->step_size, (uint64_t)o->epochs, steps_per_epoch);
}

nn_earlystop nn_train_earlystop(const nn_train_opts *o)
{
	return (nn_earlystop){ .patience = (uint64_t)o->patience, .min_delta = o->min_delta,
	                       .monitor = (enum nn_monitor)nn_cli_choice(NN_TRAIN_MONITORS, o->monitor) };
}

void nn_train_signature(const nn_train_opts *o, int ranks, uint64_t train_rows, uint32_t train_crc,
                        uint64_t val_rows, uint32_t val_crc, nn_train_sig *sig)
{
	size_t k = 0;
#define SIG(...) (snprintf(sig->buf[k], sizeof sig->buf[k], __VA_ARGS__), sig->v[k] = sig->buf[k], k++)
	SIG("ranks=%d", ranks);     /* first: a caller names it */
	SIG("shard-pattern=%.80s", o->shards ? o->shards : "none");
	SIG("layers=%s", o->layers);
	SIG("activation=%s", o->act);
	SIG("output=%s", o->output ? o->output : "default");
	SIG("loss=%s", o->loss ? o->loss : "default");
	SIG("init=%s", o->init ? o->init : "default");
	SIG("task=%s", o->task ? o->task : "default");
	SIG("x=%.80s", o->x);
	SIG("y=%.80s", o->y);
	SIG("optimizer=%s", o->optim);
	SIG("lr=%.17g", o->lr);
	SIG("momentum=%.17g", o->momentum);
	SIG("nesterov=%d", o->nesterov);
	SIG("beta1=%.17g", o->beta1);
	SIG("beta2=%.17g", o->beta2);
	SIG("eps=%.17g", o->eps);
	SIG("weight-decay=%.17g", o->wd);
	SIG("clip-norm=%.17g", o->clip);
	SIG("schedule=%s", o->schedule);
	SIG("warmup=%.17g", o->warmup);
	SIG("step-size=%.17g", o->step_size);
	SIG("gamma=%.17g", o->gamma);
	SIG("min-lr=%.17g", o->min_lr);
	if (!strcmp(o->schedule, "cosine"))
		SIG("epochs=%lld", o->epochs);
	SIG("batch-size=%lld", o->batch);
	SIG("seed=%lld", o->seed);
	SIG("val-size=%.17g", o->val_size);
	SIG("patience=%lld", o->patience);
	SIG("min-delta=%.17g", o->min_delta);
	SIG("monitor=%s", o->monitor);
	SIG("no-shuffle=%d", o->no_shuffle);
	if (o->warm)                /* only then: older checkpoints still resume */
		SIG("warm-start=crc32 %08x, keep-zeros=%d", o->warm_crc, o->keep_zeros);
	SIG("training data=%llu rows, crc32 %08x", (unsigned long long)train_rows, train_crc);
	SIG("validation data=%llu rows, crc32 %08x", (unsigned long long)val_rows, val_crc);
#undef SIG
	sig->n = k;
}
