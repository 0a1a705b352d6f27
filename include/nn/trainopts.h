/* nn/trainopts.h — the options that shape a training run (nn-train(1)),
 * and what follows from them alone: the optimizer's configuration, the
 * early-stopping rule, and the run's signature.
 *
 * The signature is the run as text, one "name=value" item per option
 * that shapes it plus the data's size and CRC: a checkpoint records it
 * and a resumed run must have the same (nn/checkpoint.h).  The number of
 * epochs is in it only with the cosine schedule, whose length depends
 * on it: otherwise a resumed run may go on for more epochs.  The first
 * item is the number of ranks, so that a caller can say more of it.
 */
#ifndef NN_TRAINOPTS_H
#define NN_TRAINOPTS_H

#include <stddef.h>
#include <stdint.h>
#include "nn/dataset.h"
#include "nn/error.h"
#include "nn/fit.h"
#include "nn/optim.h"

/* Choices listed in the order of their enums (nn_cli_choice gives it). */
#define NN_TRAIN_TASKS "classification|regression"       /* NN_TASK_CLASSIFICATION + i */
#define NN_TRAIN_OPTIMIZERS "sgd|momentum|adam|adamw"    /* enum nn_optim_kind */
#define NN_TRAIN_SCHEDULES "constant|step|cosine"        /* enum nn_schedule */
#define NN_TRAIN_MONITORS "loss|accuracy"                /* enum nn_monitor */

typedef struct nn_train_opts {
	const char *x, *y;            /* feature and label fields */
	const char *task;             /* NN_TRAIN_TASKS, or NULL: from the label */
	const char *layers, *act, *output, *loss, *init;   /* nn/netspec.h's words */
	const char *optim, *schedule, *monitor;
	const char *shards;           /* --shard-pattern, or NULL */
	long long epochs, batch, seed, patience;
	double lr, momentum, beta1, beta2, eps, wd, clip, warmup, step_size, gamma, min_lr, val_size,
		min_delta;               /* lr, wd < 0: the optimizer's default */
	int nesterov, no_shuffle;
	const char *warm;             /* --warm-start MODEL, or NULL */
	uint32_t warm_crc;            /* its parameters' CRC-32, for the signature */
	int keep_zeros;               /* --keep-zeros */
} nn_train_opts;

/* nn-train's defaults.  As scikit-learn's MLPClassifier: up to 200
 * epochs, stopping when the watched loss has not improved by more than
 * 1e-4 for 10 epochs in a row.  patience and min_delta start at -1
 * (not given) until nn_train_opts_finish. */
#define NN_TRAIN_EPOCHS 200
#define NN_TRAIN_PATIENCE 10
#define NN_TRAIN_MIN_DELTA 1e-4
void nn_train_opts_init(nn_train_opts *o);
/* After the options are read: the defaults of those not given. */
void nn_train_opts_finish(nn_train_opts *o);

/* The task kind o asks for. */
enum nn_task_kind nn_train_task_kind(const nn_train_opts *o);

/* The optimizer's configuration with the schedule in steps. */
void nn_train_optim_config(const nn_train_opts *o, uint64_t steps_per_epoch, nn_optim_config *c);

/* The early-stopping rule (--patience, --min-delta, --monitor). */
nn_earlystop nn_train_earlystop(const nn_train_opts *o);

#define NN_TRAIN_SIG_MAX 40
typedef struct nn_train_sig {
	char buf[NN_TRAIN_SIG_MAX][96];
	const char *v[NN_TRAIN_SIG_MAX];
	size_t n;
} nn_train_sig;

/* The signature of a run of o on `ranks` processes whose training data
 * (every rank's) has train_rows rows of CRC train_crc, and validation
 * data val_rows of val_crc.  Long field names and patterns are cut. */
void nn_train_signature(const nn_train_opts *o, int ranks, uint64_t train_rows, uint32_t train_crc,
                        uint64_t val_rows, uint32_t val_crc, nn_train_sig *sig);

#endif
