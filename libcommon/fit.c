/* fit.c — the rules of a training run's epochs (see nn/fit.h). */
#include <math.h>
#include <string.h>
#include "nn/fit.h"

double nn_earlystop_value(const nn_earlystop *es, int has_val, double train_loss, double val_loss,
                          double val_accuracy)
{
	if (!has_val)
		return train_loss;
	return es->monitor == NN_MONITOR_ACCURACY ? -val_accuracy : val_loss;
}

int nn_earlystop_update(const nn_earlystop *es, nn_train_state *st, double v)
{
	if (!es->patience)
		return 0;
	if (!st->has_best || v < st->best_metric - es->min_delta) {
		st->best_metric = v;
		st->best_epoch = st->epoch;
		st->bad_epochs = 0;
		st->has_best = 1;
		memcpy(st->best, st->net->params, st->net->nparams * sizeof(float));
		return 0;
	}
	return ++st->bad_epochs >= es->patience;
}

int nn_earlystop_done(const nn_earlystop *es, const nn_train_state *st)
{
	return es->patience && st->bad_epochs >= es->patience;
}

void nn_earlystop_restore(nn_train_state *st)
{
	if (st->has_best)
		memcpy(st->net->params, st->best, st->net->nparams * sizeof(float));
}

uint64_t nn_fit_steps(uint64_t rows, uint64_t batch, uint64_t ranks)
{
	return (rows + batch * ranks - 1) / (batch * ranks);
}

size_t nn_fit_rows(size_t n, size_t batch, size_t ranks, size_t rank, size_t s, size_t *first)
{
	*first = s * batch * ranks + rank * batch;
	if (*first >= n)
		return 0;
	return n - *first < batch ? n - *first : batch;
}

void nn_fit_schedule(nn_optim_config *c, double warmup, double step_size, uint64_t epochs,
                     uint64_t steps_per_epoch)
{
	c->warmup = (uint64_t)llround(warmup * (double)steps_per_epoch);
	c->step_every = (uint64_t)llround(step_size * (double)steps_per_epoch);
	c->step_every = c->step_every ? c->step_every : 1;
	uint64_t total = epochs * steps_per_epoch;
	c->total = total > c->warmup ? total - c->warmup : 1;
}

double nn_fit_last_lr(const nn_optim *o)
{
	return nn_optim_lr(&o->cfg, o->step ? o->step - 1 : 0);
}

void nn_fit_end_epoch(nn_train_state *st, const nn_rng *next)
{
	st->epoch++;
	st->batch = 0;
	st->epoch_loss = 0;
	st->epoch_rows = 0;
	st->shuffle = *next;
}

int nn_fit_checkpoint_due(uint64_t epoch, uint64_t every, uint64_t epochs, int stopping)
{
	return epoch % every == 0 || epoch == epochs || stopping;
}
