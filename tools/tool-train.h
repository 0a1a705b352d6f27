/* tools/tool-train.h — nn-train's program-side glue, apart from its
 * story (tools/nn-train.c): reading the training data on every rank
 * (shards, the ranks' agreement, classes, the hold-out), and the files a
 * run writes and reads (model, checkpoint, --resume, --log), and two
 * helpers of the loop.  Errors end the program as tool.h's do.
 */
#ifndef NN_TOOL_TRAIN_H
#define NN_TOOL_TRAIN_H

#include <stdint.h>
#include <stdio.h>
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/energy.h"
#include "nn/fit.h"
#include "nn/pool.h"
#include "nn/trainopts.h"
#include "tool.h"

/* The options, then what the run works out once. */
typedef struct tool_train {
	nn_train_opts o;         /* what shapes the run (nn/trainopts.h) */
	const char *out, *val, *checkpoint, *resume, *log, *log_format;
	long long threads, level, ckpt_every;
	int dry_run, progress, verbose, mpi;
	int patience_given;      /* --patience on the command line */
	const char *powercap;    /* --powercap: where RAPL counters are read */
	double watts;            /* --watts-per-core, or -1: NN_WATTS_PER_CORE or none */
	int record_cost;         /* --record-cost: the cost in the model's record */
	long long memory;        /* --memory SIZE: bytes of training rows in memory, or 0 */
	long long ranks;         /* --dry-run --ranks N --link GBPS: a cluster's estimate */
	double link;

	int argc;                /* the command line, for the provenance */
	char **argv;
	const char *in;          /* the training data's name for messages */
	int blas_threads;        /* what the products outside the shares use */
	nn_pool *team;           /* threads running a step's shares */
	size_t epoch_steps;      /* steps per epoch, the same on every rank */
	size_t sig_rows;         /* the training data as a whole: with */
	uint32_t sig_crc;        /* --shard-pattern, every rank's */
	nn_earlystop stop;       /* --patience, --min-delta, --monitor */
	int done;                /* early stopping ended the run */
	tool_out *model;         /* -o, opened before any work (rank 0) */
	int log_fd;              /* --log's descriptor, or -1 */
	size_t nclasses;         /* the training data's class names, or 0 */
	char *const *classes;
	nn_cost_meter meter;     /* the run's cost since the program started */
	nn_cost cost;            /* the last tool_train_cost, for --record-cost */
	int energy_lost;         /* a counter stopped being readable: no energy */
	unsigned char *frozen;   /* --keep-zeros: the weights held at zero */
	struct tool_ooc *ooc;    /* out of core (tool-ooc.h), or NULL */
	double pass_loss;        /* the last epoch's mean training loss */
} tool_train;

/* Before any work, on rank 0 (and not for --dry-run): -o opened (stdout
 * a terminal is a usage error, a folder that cannot take the file an
 * error), the checkpoint and --resume locked against other runs
 * (nn/lock.h), --log opened. */
void tool_train_open(tool_train *T);

/* The training rows (TRAIN, or this rank's shards) into tr (with
 * --memory, when they do not fit: T->ooc, and tr keeps no rows), the
 * validation rows (--val, or held out with --val-size) into val, the
 * task into t; sets in, sig_rows, sig_crc and epoch_steps.  Warns of
 * classes with no training rows or fewer than TOOL_TRAIN_FEW. */
#define TOOL_TRAIN_FEW 5
void tool_train_load(tool_train *T, const nn_strlist *operands, nn_task *t, nn_dataset *tr, nn_dataset *val);

/* The model (ckpt 0: to T->out, with the final losses) or a checkpoint
 * (ckpt 1: to T->checkpoint), atomically, with the provenance. */
void tool_train_save(const tool_train *T, const nn_train_state *st, const nn_task *t, const nn_dataset *val,
                     int ckpt, double tl, double vl, double va);
/* The model at the end of the run: its own losses on the training set
 * (with --shard-pattern the mean over every rank's rows; out of core from
 * the file, or a pipe's last pass) and on the validation set, saved by
 * rank 0 (tool_train_save).  Collective with --shard-pattern. */
void tool_train_write_model(const tool_train *T, const nn_train_state *st, const nn_task *t,
                            const nn_dataset *tr, const nn_dataset *val);
/* Restore st from --resume, refusing another run's checkpoint. */
void tool_train_resume(const tool_train *T, nn_train_state *st, const nn_dataset *val);
/* A usage error (status 2) when the model, or with --checkpoint its
 * checkpoint, is too large for the format. */
void tool_train_check_fits(const tool_train *T, const nn_train_state *st, const nn_task *t);

/* nn_dataset_evaluate, or exit 1. */
void tool_train_evaluate(const nn_mlp *net, nn_mlp_work *w, size_t chunk, const nn_dataset *ds,
                         int classification, float *tb, double *loss, double *acc);
/* The progress bar on stderr: step done of total in epoch, at rate rows/s. */
void tool_train_progress(uint64_t epoch, size_t done, size_t total, double rate);

/* --warm-start: the model's parameters into st's network, which must
 * have the same layers (else a usage error) for the same task (else
 * status 1); with --keep-zeros, T->frozen marks its zero weights.  Sets
 * T->o.warm_crc. */
void tool_train_warm_start(tool_train *T, nn_train_state *st, const nn_task *t);

/* --dry-run's report on stdout (rank 0), with --ranks the cluster's. */
void tool_train_dry_run(const tool_train *T, const nn_train_state *st, const nn_dataset *tr,
                        const nn_dataset *val, int threads);

/* Start the meter: --watts-per-core, else NN_WATTS_PER_CORE (a bad value
 * is a usage error), --powercap's counters. */
void tool_train_cost_start(tool_train *T);
/* The run's cost so far into T->cost and c: with --mpi the sum over the
 * ranks (collective: every rank calls it), each rank counting its own
 * process; RAPL counters count a whole package, so only the first rank
 * of each machine adds them.  The energy is absent when one rank has
 * none, estimated when one rank estimates.  A counter that stops being
 * readable is warned of once and the energy is absent from then on. */
void tool_train_cost(tool_train *T, nn_cost *c);
/* "cpu 12.3 s  45.6 J estimated" (no energy part without energy). */
void tool_train_cost_text(const nn_cost *c, char *buf, size_t len);

/* One epoch's line to --log (when open) and, unless quiet, to stderr
 * (validation loss with has_val, accuracy too for classification); the
 * log's end. */
void tool_train_log(const tool_train *T, const nn_epoch_log *e, int has_val, int classification);
void tool_train_log_close(tool_train *T);

#endif
