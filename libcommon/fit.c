/* fit.c — the rules of a training run's epochs (see nn/fit.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nn/fit.h"
#include "nn/tensor.h"

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

void nn_fit_order(uint64_t *order, size_t n, nn_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	if (rng)
		nn_rng_shuffle(rng, order, n);
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

int nn_fit_diverged(double first, double loss)
{
	return !isfinite(loss) || (first > 0 && loss > NN_FIT_DIVERGED * first);
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

const char nn_fit_log_header[] =
	"epoch\ttrain_loss\tval_loss\tval_accuracy\tlr\tsamples_per_s\telapsed_s\tcpu_s\tenergy_j\tenergy_source\n";

void nn_fit_log_line(char *buf, const nn_epoch_log *e, int json)
{
	char a[NN_FLOAT_CHARS], b[NN_FLOAT_CHARS], c[NN_FLOAT_CHARS], d[NN_FLOAT_CHARS], j[32];
	const char *src = nn_energy_source_name(e->cost.source);
	int energy = e->cost.source != NN_ENERGY_NONE;
	nn_format_f64(a, e->train_loss);
	nn_format_f64(b, e->val_loss);
	nn_format_f64(c, e->val_accuracy);
	nn_format_f64(d, e->lr);
	if (energy)
		snprintf(j, sizeof j, "%.3f", e->cost.joules);
	if (json)
		snprintf(buf, NN_FIT_LOG_MAX, "{\"epoch\":%llu,\"train_loss\":%s,\"val_loss\":%s,\"val_accuracy\":%s,"
		         "\"lr\":%s,\"samples_per_s\":%.0f,\"elapsed_s\":%.3f,\"cpu_s\":%.3f,\"energy_j\":%s,"
		         "\"energy_source\":\"%s\"}\n", (unsigned long long)e->epoch, a,
		         isnan(e->val_loss) ? "null" : b, isnan(e->val_accuracy) ? "null" : c, d, e->samples_per_s,
		         e->elapsed_s, e->cost.cpu_s, energy ? j : "null", src);
	else
		snprintf(buf, NN_FIT_LOG_MAX, "%llu\t%s\t%s\t%s\t%s\t%.0f\t%.3f\t%.3f\t%s\t%s\n",
		         (unsigned long long)e->epoch, a, b, c, d, e->samples_per_s, e->elapsed_s, e->cost.cpu_s,
		         energy ? j : "nan", src);
}
