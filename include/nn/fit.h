/* nn/fit.h — the rules of a training run's epochs that are neither a
 * step's arithmetic (nn/step.h) nor the state's file (nn/checkpoint.h):
 * the steps of an epoch and the rows a rank takes in each, the schedule
 * given in epochs, the end of an epoch, and early stopping.
 *
 * Early stopping watches one value per epoch, smaller being better: the
 * validation loss, minus the validation accuracy (NN_MONITOR_ACCURACY),
 * or the training loss when there is no validation set.  An epoch
 * improves when its value is below the best so far by more than
 * min_delta (the first epoch always does); its parameters are then
 * copied to the state's best.  patience epochs in a row without
 * improvement end the run, and the best epoch's parameters are the
 * model.
 */
#ifndef NN_FIT_H
#define NN_FIT_H

#include <stddef.h>
#include <stdint.h>
#include "nn/checkpoint.h"
#include "nn/energy.h"
#include "nn/optim.h"
#include "nn/rng.h"

enum nn_monitor { NN_MONITOR_LOSS, NN_MONITOR_ACCURACY };

typedef struct nn_earlystop {
	uint64_t patience;        /* 0: off */
	double min_delta;
	enum nn_monitor monitor;
} nn_earlystop;

/* The value es watches after an epoch with these results. */
double nn_earlystop_value(const nn_earlystop *es, int has_val, double train_loss, double val_loss,
                          double val_accuracy);

/* The epoch just ended (st->epoch already counts it) had value v: keep
 * its parameters if it is the best (st->best has room for them), count
 * it otherwise.  Returns 1 when the run is to stop.  Does nothing and
 * returns 0 when patience is 0. */
int nn_earlystop_update(const nn_earlystop *es, nn_train_state *st, double v);

/* Whether st (a resumed run's) has already stopped. */
int nn_earlystop_done(const nn_earlystop *es, const nn_train_state *st);

/* The best epoch's parameters into the network, when there is one. */
void nn_earlystop_restore(nn_train_state *st);

/* Steps in an epoch of rows over ranks processes taking batch rows
 * each per step (the last step may be smaller, or empty on some ranks). */
uint64_t nn_fit_steps(uint64_t rows, uint64_t batch, uint64_t ranks);

/* An epoch's order of n rows: 0, 1, ..., n - 1, shuffled by rng unless
 * it is NULL. */
void nn_fit_order(uint64_t *order, size_t n, nn_rng *rng);

/* Rank rank's rows of step s in an epoch's order of n rows: the step
 * takes batch x ranks rows, rank r the r-th block of batch.  Returns
 * how many (0 past the end), and their first position in *first. */
size_t nn_fit_rows(size_t n, size_t batch, size_t ranks, size_t rank, size_t s, size_t *first);

/* The schedule's lengths given in epochs (fractions allowed), in steps:
 * warm-up and step size rounded to the nearest step (a step size of at
 * least one), cosine's length the steps after warm-up (one at least). */
void nn_fit_schedule(nn_optim_config *c, double warmup, double step_size, uint64_t epochs,
                     uint64_t steps_per_epoch);

/* The learning rate of o's last update (of the first before any). */
double nn_fit_last_lr(const nn_optim *o);

/* Whether a run whose first batch had loss `first` has diverged now that
 * an epoch's mean loss is `loss`: not finite, or more than
 * NN_FIT_DIVERGED times the first (which a run that learns never comes
 * near; a first loss of 0 or less decides nothing). */
#define NN_FIT_DIVERGED 1e4
int nn_fit_diverged(double first, double loss);

/* Mark the epoch done: the next starts at batch 0 with no loss summed,
 * its order drawn from next. */
void nn_fit_end_epoch(nn_train_state *st, const nn_rng *next);

/* Whether a checkpoint is due after epoch (1-based) of epochs: every
 * every epochs, after the last, and when the run stops early. */
int nn_fit_checkpoint_due(uint64_t epoch, uint64_t every, uint64_t epochs, int stopping);

/* The --log file: a TSV header line and one line per epoch, or one JSON
 * object per line (NaN validation values as null).  Numbers in the
 * fewest digits that read back (nn_format_f64), the rate and the time
 * rounded. */
typedef struct nn_epoch_log {
	uint64_t epoch;          /* 1-based */
	double train_loss, val_loss, val_accuracy, lr, samples_per_s, elapsed_s;
	nn_cost cost;            /* the run's cost so far: cpu_s, joules, source */
} nn_epoch_log;

#define NN_FIT_LOG_MAX 512   /* bytes of a line, with its newline and NUL */
extern const char nn_fit_log_header[];   /* TSV only, with its newline */

/* e's line into buf (NN_FIT_LOG_MAX bytes), with its newline.  The cost
 * columns: cpu_s, energy_j and energy_source ("measured", "estimated" or
 * "none"); energy_j is nan in TSV and null in JSON when the source is
 * none, as the validation columns are without a validation set. */
void nn_fit_log_line(char *buf, const nn_epoch_log *e, int json);

#endif
