/* nn-train — fit a multilayer perceptron to a stream and write the model.
 *
 * Choices:
 * - Where the model goes is settled before any work: -o opened (stdout a
 *   terminal is a usage error), the checkpoint locked, --log opened.
 * - The training set is held in memory (shuffling each epoch needs random
 *   access), integer features in their dtype; --dry-run says how much.
 *   With --memory, a larger one is read from its file each epoch through
 *   a seeded shuffle buffer, a pipe's in one pass (tool-ooc.c).
 *   Validation comes from --val FILE or is held out with --val-size
 *   (stratified for classification, largest remainders, seeded; out of
 *   core by a hash of the row number), never both.
 * - The task follows the label: integer labels (or a float [C] field with
 *   class names: soft labels, as nn-augment --mixup writes) mean
 *   classification, other float labels regression (--task overrides).
 *   Outputs: softmax + cross-entropy for more than two classes; one
 *   sigmoid output + binary cross-entropy for two; linear + MSE for
 *   regression.  --loss mse on classes keeps a sigmoid output per class
 *   (one for two classes), the classic textbook network; --output-activation
 *   changes the output function where the loss allows it.
 * - Each epoch visits every training row once in an order shuffled from
 *   the seed (not with --no-shuffle); the last batch may be smaller, as
 *   PyTorch's DataLoader does by default.  Loss is the mean over rows.
 * - The defaults converge on small tables as scikit-learn's MLP does: up
 *   to 200 epochs, stopping after --patience 10 epochs without the
 *   monitored value (val loss, or val accuracy with --monitor accuracy;
 *   the training loss when there is no validation set) improving by more
 *   than --min-delta 1e-4; the model written is the best epoch's.  Ending
 *   at --epochs while still improving warns "did not converge".
 * - Checkpoints hold the whole state (weights, optimizer moments, step,
 *   epoch, position in the epoch, RNG, best weights).  SIGINT/SIGTERM with
 *   --checkpoint write one at the current batch and then end the program
 *   by the signal.  --resume refuses a checkpoint made with other
 *   options that shape the run or on other training data, and the model
 *   it ends with is byte-identical to the uninterrupted run's: the
 *   provenance leaves out --resume, --checkpoint, --log and the like.
 * - A loss that becomes NaN or infinite, or an epoch's loss past 1e4 x
 *   the first batch's (nn_fit_diverged), ends the run with status 1, no
 *   model and the hint of a smaller --lr; NaN or infinite inputs are
 *   refused before training starts.  Classes with no or few training
 *   rows are warned of.
 * - --log lines are written with one write(2) each on O_APPEND, so that
 *   two runs on one log never mix lines; a checkpoint in use by another
 *   run is refused (flock on FILE.lock, nn/lock.h).
 * - --mpi (under mpirun -np N): synchronous data parallelism, the MPI calls
 *   in tool-mpi.c and tool-train-mpi.c.  --batch-size is per rank, as in
 *   PyTorch's DDP: one step takes N x B rows.  Without --shard-pattern every
 *   rank reads all of TRAIN and takes its own contiguous B rows of the global
 *   batch of one shared shuffled order, so that N ranks of B equal one
 *   process of N x B up to the order of the gradient's sums.  With it, rank r
 *   reads shards r, r+N, ... and shuffles only its own rows.  Each rank's
 *   mean gradient is weighted by its rows, the block summed with one
 *   MPI_Allreduce, and every rank takes the same optimizer step; a CRC of the
 *   weights is compared across ranks every epoch.  Rank 0 alone evaluates the
 *   validation set, writes and talks.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "nn/blas.h"
#include "nn/estimate.h"
#include "nn/netspec.h"
#include "nn/optim.h"
#include "nn/rng.h"
#include "nn/step.h"
#include "tool.h"
#include "tool-mpi.h"
#include "tool-ooc.h"
#include "tool-train.h"

enum { RNG_INIT = 1, RNG_SHUFFLE = 2, RNG_SHARD = 1000 };   /* rng streams (+ rank); 3: tool-train.c */

static tool_train TT = { .log_format = "tsv", .level = 3, .ckpt_every = 1, .blas_threads = 1, .watts = -1 };

static volatile sig_atomic_t stop_signal;

static const nn_option options[] = {
	NN_OPT_OUTPUT(&TT.out),
	{ 0, "x", NN_OPT_STR, &TT.o.x, "NAME", "feature field (default x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &TT.o.y, "NAME", "label field (default y)", 0, 0 },
	{ 0, "task", NN_OPT_CHOICE, &TT.o.task, NN_TRAIN_TASKS, "what the label means (default: from its dtype)", 0, 0 },
	{ 0, "layers", NN_OPT_STR, &TT.o.layers, "N,N,...", "hidden layer widths, or none (default 100)", 0, 0 },
	{ 0, "activation", NN_OPT_STR, &TT.o.act, "A[,A...]", "relu, tanh, sigmoid, leaky-relu, gelu, identity: one for all or one per hidden layer (default relu)", 0, 0 },
	{ 0, "output-activation", NN_OPT_CHOICE, &TT.o.output, "softmax|sigmoid|linear", "output function (default: from the task)", 0, 0 },
	{ 0, "loss", NN_OPT_CHOICE, &TT.o.loss, "ce|bce|mse", "loss (default: from the task)", 0, 0 },
	{ 0, "init", NN_OPT_CHOICE, &TT.o.init, "he|xavier", "weight initialisation (default: he for relu-like, xavier otherwise)", 0, 0 },
	{ 0, "epochs", NN_OPT_INT, &TT.o.epochs, "N", "passes over the training set at most (default 200)", 1, 1e9 },
	{ 0, "batch-size", NN_OPT_INT, &TT.o.batch, "N", "rows per update (default 128)", 1, 1 << 20 },
	{ 0, "optimizer", NN_OPT_CHOICE, &TT.o.optim, NN_TRAIN_OPTIMIZERS, "optimizer (default adam)", 0, 0 },
	{ 0, "lr", NN_OPT_DOUBLE, &TT.o.lr, "R", "learning rate (default 0.001 for adam(w), 0.01 otherwise)", 0, 1e6 },
	{ 0, "momentum", NN_OPT_DOUBLE, &TT.o.momentum, "M", "momentum factor (default 0.9)", 0, 1 },
	{ 0, "nesterov", NN_OPT_FLAG, &TT.o.nesterov, NULL, "Nesterov momentum", 0, 0 },
	{ 0, "beta1", NN_OPT_DOUBLE, &TT.o.beta1, "B", "adam's first-moment decay (default 0.9)", 0, 0.999999 },
	{ 0, "beta2", NN_OPT_DOUBLE, &TT.o.beta2, "B", "adam's second-moment decay (default 0.999)", 0, 0.999999999 },
	{ 0, "eps", NN_OPT_DOUBLE, &TT.o.eps, "E", "adam's epsilon (default 1e-8)", 0, 1 },
	{ 0, "weight-decay", NN_OPT_DOUBLE, &TT.o.wd, "W", "L2 penalty; decoupled for adamw (default 0, adamw 0.01)", 0, 1e3 },
	{ 0, "clip-norm", NN_OPT_DOUBLE, &TT.o.clip, "N", "scale gradients to at most this L2 norm (default off)", 0, 1e12 },
	{ 0, "schedule", NN_OPT_CHOICE, &TT.o.schedule, NN_TRAIN_SCHEDULES, "learning-rate schedule (default constant)", 0, 0 },
	{ 0, "warmup", NN_OPT_DOUBLE, &TT.o.warmup, "EPOCHS", "linear warm-up over this many epochs (default 0)", 0, 1e9 },
	{ 0, "step-size", NN_OPT_DOUBLE, &TT.o.step_size, "EPOCHS", "step schedule: epochs between decays (default 1)", 1e-9, 1e9 },
	{ 0, "gamma", NN_OPT_DOUBLE, &TT.o.gamma, "G", "step schedule: decay factor (default 0.1)", 0, 1 },
	{ 0, "min-lr", NN_OPT_DOUBLE, &TT.o.min_lr, "R", "cosine schedule: final learning rate (default 0)", 0, 1e6 },
	{ 0, "val", NN_OPT_STR, &TT.val, "FILE", "validation stream", 0, 0 },
	{ 0, "val-size", NN_OPT_DOUBLE, &TT.o.val_size, "F", "hold out this fraction (<1) or count (>=1) for validation", 0, 9e15 },
	{ 0, "patience", NN_OPT_INT, &TT.o.patience, "N", "stop after N epochs without improvement, keep the best; 0: off (default 10)", 0, 1e9 },
	{ 0, "min-delta", NN_OPT_DOUBLE, &TT.o.min_delta, "D", "smallest change that counts as improvement (default 1e-4)", 0, 1e12 },
	{ 0, "monitor", NN_OPT_CHOICE, &TT.o.monitor, NN_TRAIN_MONITORS, "what --patience watches (default loss)", 0, 0 },
	{ 0, "memory", NN_OPT_SIZE, &TT.memory, "SIZE", "bytes of training rows held in memory; more are read from TRAIN each epoch through a shuffle buffer of SIZE (K, M, G suffixes)", 1024, 1LL << 50 },
	{ 0, "no-shuffle", NN_OPT_FLAG, &TT.o.no_shuffle, NULL, "visit rows in input order every epoch", 0, 0 },
	{ 0, "warm-start", NN_OPT_STR, &TT.o.warm, "MODEL", "start from MODEL's weights (same layers and task), not random ones", 0, 0 },
	{ 0, "keep-zeros", NN_OPT_FLAG, &TT.o.keep_zeros, NULL, "with --warm-start: weights that are zero there stay zero", 0, 0 },
	{ 0, "checkpoint", NN_OPT_STR, &TT.checkpoint, "FILE", "write the training state to FILE atomically", 0, 0 },
	{ 0, "checkpoint-every", NN_OPT_INT, &TT.ckpt_every, "N", "epochs between checkpoints (default 1)", 1, 1e9 },
	{ 0, "resume", NN_OPT_STR, &TT.resume, "FILE", "continue from a checkpoint", 0, 0 },
	{ 0, "log", NN_OPT_STR, &TT.log, "FILE", "write one line per epoch to FILE", 0, 0 },
	{ 0, "log-format", NN_OPT_CHOICE, &TT.log_format, "tsv|json", "--log's format (default tsv)", 0, 0 },
	{ 0, "watts-per-core", NN_OPT_DOUBLE, &TT.watts, "W", "estimate energy as CPU seconds x W where no RAPL counter reads (default: $NN_WATTS_PER_CORE, else none)", 0, 1e6 },
	{ 0, "powercap", NN_OPT_STR, &TT.powercap, "DIR", "where RAPL energy counters are read (default /sys/class/powercap)", 0, 0 },
	{ 0, "record-cost", NN_OPT_FLAG, &TT.record_cost, NULL, "also record wall, CPU and energy in the model (its bytes then differ per run)", 0, 0 },
	{ 0, "mpi", NN_OPT_FLAG, &TT.mpi, NULL, "data-parallel training over the ranks of mpirun", 0, 0 },
	{ 0, "shard-pattern", NN_OPT_STR, &TT.o.shards, "PAT", "with --mpi: rank r reads shards r, r+N, ... of PAT (one %d, as nn-split --shard-pattern)", 0, 0 },
	{ 0, "dry-run", NN_OPT_FLAG, &TT.dry_run, NULL, "print size, memory, FLOPs and estimated time; train nothing", 0, 0 },
	{ 0, "ranks", NN_OPT_INT, &TT.ranks, "N", "with --dry-run: estimate a run on N MPI ranks (needs --link)", 1, NN_CLUSTER_MAX_RANKS },
	{ 0, "link", NN_OPT_DOUBLE, &TT.link, "GBPS", "with --ranks: the network's gigabits per second", 1e-6, 1e9 },
	{ 0, "progress", NN_OPT_FLAG, &TT.progress, NULL, "progress bar even when stderr is not a terminal", 0, 0 },
	{ 'v', "verbose", NN_OPT_FLAG, &TT.verbose, NULL, "also print the BLAS kernels and the model's size", 0, 0 },
	NN_OPT_SEED(&TT.o.seed),
	{ 0, "threads", NN_OPT_INT, &TT.threads, "N", "threads this program may use (default: every processor)", 1, 256 },
	NN_OPT_LEVEL(&TT.level),
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-train", "[OPTIONS] [TRAIN]",
	"Train a multilayer perceptron on a stream and write the model.",
	"The model file is a stream of kind \"model\": nn-info shows it, nn-eval and\n"
	"nn-predict use it.  One line per epoch goes to stderr (not with -q).",
	options, 1
};

/* --- the loop ------------------------------------------------------------- */

static struct sigaction cleanup;     /* tool.c's handler: removes the -o temporary */

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* End by sig through tool.c's handler, which removes the temporary of
 * -o (opened at the start) and then dies by the signal. */
static void end_by(int sig)
{
	sigaction(sig, &cleanup, NULL);
	raise(sig);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What the loop works with. */
struct loop {
	nn_train_state *st;
	const nn_task *t;
	const nn_dataset *tr, *val;
	float *grad;
	nn_mlp_work *w;
	size_t chunk;
	float *xb, *tb;                   /* --mpi gathers a step's rows in xb */
	uint64_t *order;                  /* this epoch's order of the rows */
	nn_step *step;                    /* without --mpi */
	int bar;
	double start;
	double first;                     /* the run's first batch loss */
};

/* This epoch's order from the generator's state at its start; a resumed
 * run rebuilds it and skips the batches already done. */
static nn_rng epoch_order(struct loop *L)
{
	nn_rng rng = L->st->shuffle, mix;
	if (TT.o.shards)                        /* each rank its own rows */
		nn_rng_seed(&mix, nn_hash64((uint64_t)TT.o.seed, L->st->epoch), RNG_SHARD + (uint64_t)tool_mpi_rank);
	if (!TT.ooc)
		nn_fit_order(L->order, L->tr->n, TT.o.no_shuffle ? NULL : TT.o.shards ? &mix : &rng);
	return rng;
}

/* The epoch's remaining steps; returns the rows they took. */
static size_t run_steps(struct loop *L)
{
	nn_train_state *st = L->st;
	const nn_dataset *tr = L->tr;
	/* A step shares one order over the ranks, or each shard its own. */
	size_t ranks = TT.o.shards ? 1 : (size_t)tool_mpi_size, mine = TT.o.shards ? 0 : (size_t)tool_mpi_rank;
	size_t rows_timed = 0;
	double t0 = now(), last_bar = 0;
	for (size_t s = st->batch; s < TT.epoch_steps; s++) {
		size_t first = 0, rows = TT.ooc ? 0 : nn_fit_rows(tr->n, (size_t)TT.o.batch, ranks, mine, s, &first);
		double loss;
		int stop = stop_signal;
		const uint64_t *idx;
		const nn_dataset *b;
		if (TT.ooc) {                          /* the shuffle buffer's next batch */
			if (!(b = tool_ooc_next(TT.ooc, &idx, (nn_dataset *)L->val)))
				break;
			loss = nn_step_run(L->step, b, idx, rows = b->n, L->t->classification);
		} else if (TT.mpi) {
			nn_dataset_gather(tr, L->order + first, rows, L->xb);
			nn_dataset_targets(tr, L->order + first, rows, st->net->width[st->net->nlayers],
			                   L->t->classification, L->tb);
			loss = tool_mpi_step(st->net, st->opt, L->w, L->xb, L->tb, L->grad, &rows, &stop);
		} else {                               /* the shares gather their rows */
			loss = nn_step_run(L->step, tr, L->order + first, rows, L->t->classification);
		}
		if (!isfinite(loss) && tool_mpi_rank)
			tool_mpi_wait_for_abort();          /* rank 0 says it */
		if (!isfinite(loss))
			tool_die(TOOL_EXIT_DATA, NULL, "the loss became %s at epoch %llu, batch %zu: no model written "
			         "(try a smaller --lr, or --clip-norm)", isnan(loss) ? "NaN" : "infinite",
			         (unsigned long long)st->epoch + 1, s + 1);
		if (L->first == 0)
			L->first = loss;
		st->epoch_loss += loss * (double)rows;
		st->epoch_rows += rows;
		st->batch = s + 1;
		rows_timed += rows;
		if (stop) {
			if (TT.checkpoint && !tool_mpi_rank) {
				tool_train_save(&TT, st, L->t, L->val, 1, NAN, NAN, NAN);
				tool_note("interrupted: state at epoch %llu, batch %zu saved in '%s' (--resume it)",
				          (unsigned long long)st->epoch + 1, s + 1, TT.checkpoint);
			}
			tool_mpi_barrier();                 /* no rank ends before the checkpoint is out */
			end_by(stop_signal ? stop_signal : SIGTERM);
		}
		if (L->bar && TT.epoch_steps != SIZE_MAX && now() - last_bar > 0.2) {
			last_bar = now();
			tool_train_progress(st->epoch + 1, s + 1, TT.epoch_steps, (double)rows_timed / (last_bar - t0));
		}
	}
	return rows_timed;
}

static void train(struct loop *L)
{
	nn_train_state *st = L->st;
	const nn_dataset *val = L->val;
	double vl = NAN, va = NAN;

	while (st->epoch < (uint64_t)TT.o.epochs && !TT.done) {
		nn_rng rng = epoch_order(L);
		if (TT.ooc)                            /* the same draws when resumed mid-epoch */
			tool_ooc_begin(TT.ooc, TT.o.no_shuffle ? NULL : &rng, st->batch);
		double t0 = now();
		size_t rows = run_steps(L);
		double secs = now() - t0, rate = (double)rows / (secs > 0 ? secs : 1e-9);
		if (L->bar)
			fputs("\r\033[K", stderr);
		double tl = TT.pass_loss = st->epoch_loss / (double)st->epoch_rows;
		if (nn_fit_diverged(L->first, tl)) {    /* the same numbers on every rank */
			if (tool_mpi_rank)
				tool_mpi_wait_for_abort();
			tool_die(TOOL_EXIT_DATA, NULL, "the loss diverged: %g at epoch %llu, from %g at the first batch: "
			         "no model written (try a smaller --lr than %g, or --clip-norm)", tl,
			         (unsigned long long)st->epoch + 1, L->first, nn_fit_last_lr(st->opt));
		}
		if (val->n) {                          /* rank 0's numbers decide for all */
			double v[2] = { 0, 0 };
			nn_blas_set_threads(TT.blas_threads);   /* the pool's members wait meanwhile */
			if (!tool_mpi_rank)
				tool_train_evaluate(st->net, L->w, L->chunk, val, L->t->classification, L->tb, &v[0], &v[1]);
			nn_blas_set_threads(TT.mpi ? TT.blas_threads : 1);
			tool_mpi_bcast_f64(v, 2);
			vl = v[0];
			va = v[1];
		}
		tool_mpi_same_weights(st->net, "after epoch", st->epoch + 1);
		nn_cost cost;
		tool_train_cost(&TT, &cost);            /* every rank: a sum over them */
		double lr = nn_fit_last_lr(st->opt);
		nn_fit_end_epoch(st, &rng);
		TT.done = nn_earlystop_update(&TT.stop, st, nn_earlystop_value(&TT.stop, val->n != 0, tl, vl, va));
		/* The checkpoint before the log: a logged epoch is a saved one. */
		if (TT.checkpoint && !tool_mpi_rank &&
		    nn_fit_checkpoint_due(st->epoch, (uint64_t)TT.ckpt_every, (uint64_t)TT.o.epochs, TT.done))
			tool_train_save(&TT, st, L->t, val, 1, NAN, NAN, NAN);
		tool_train_log(&TT, &(nn_epoch_log){ st->epoch, tl, vl, va, lr, rate, now() - L->start, cost },
		               val->n != 0, L->t->classification);
		if (TT.done)
			tool_note("no improvement for %lld epochs: stopping; the model is epoch %llu's",
			          TT.o.patience, (unsigned long long)st->best_epoch);
	}
	if (!TT.done && TT.stop.patience && !stop_signal)
		tool_note("warning: did not converge in %lld epoch%s: the %s still improved by more than %g "
		          "(--min-delta) within the last %lld (--patience); give more --epochs or a larger --lr",
		          TT.o.epochs, TT.o.epochs > 1 ? "s" : "", !val->n ? "training loss" :
		          TT.stop.monitor == NN_MONITOR_ACCURACY ? "validation accuracy" : "validation loss",
		          TT.o.min_delta, TT.o.patience);
	nn_earlystop_restore(st);
}

/* Set up the loop's buffers, train, free them. */
static void run(nn_train_state *st, float *grad, const nn_task *t, const nn_dataset *tr, const nn_dataset *val)
{
	size_t n = TT.ooc ? SIZE_MAX : tr->n, out = st->net->width[st->net->nlayers];
	size_t B = (size_t)TT.o.batch < n ? (size_t)TT.o.batch : n;
	nn_error err = { 0 };
	struct loop L = { .st = st, .t = t, .tr = tr, .val = val, 
	                  .grad = grad, .chunk = B > 1024 ? B : 1024, .start = now() };
	L.w = nn_mlp_work_new(st->net, L.chunk, &err);
	L.xb = TT.mpi ? tool_alloc(B * tr->d * sizeof(float)) : NULL;
	L.tb = tool_alloc(L.chunk * out * sizeof(float));
	L.order = TT.ooc ? NULL : tool_alloc(tr->n * sizeof *L.order);
	if (!TT.mpi && !(L.step = nn_step_new(st->net, st->opt, grad, B, TT.team, &err)))
		tool_die_err(NULL, &err);
	if (L.step)
		nn_step_freeze(L.step, TT.frozen);
	L.bar = !tool_quiet && (TT.progress || isatty(2));
	if (!L.w)
		tool_die_err(NULL, &err);
	train(&L);
	nn_mlp_work_free(L.w);
	nn_step_free(L.step);
	free(L.xb);
	free(L.tb);
	free(L.order);
}
/* --- main ------------------------------------------------------------------ */

/* The checks tool_parse cannot make; starts MPI with --mpi. */
static void check_options(const nn_strlist *operands, int *argc, char ***argv)
{
	if (TT.o.shards && !TT.mpi)
		tool_usage("--shard-pattern needs --mpi");
	if (TT.memory && (TT.mpi || TT.dry_run))
		tool_usage("--memory: not with --mpi or --dry-run");
	if (TT.o.shards && TT.o.val_size > 0)
		tool_usage("--shard-pattern and --val-size: give the validation set with --val FILE");
	if (TT.o.shards && operands->n)
		tool_usage("--shard-pattern and a TRAIN operand: give one");
	if (TT.mpi && !TT.o.shards && (!operands->n || !strcmp(operands->v[0], "-")))
		tool_usage("--mpi: every rank reads TRAIN, so it must be a file (stdin reaches rank 0 only)");
	if (TT.mpi) {
		static char name[48];
		tool_mpi_start(argc, argv);
		if (tool_mpi_rank) {                 /* rank 0 talks for the job */
			snprintf(name, sizeof name, "nn-train: rank %d", tool_mpi_rank);
			tool_prog = name;                /* errors say which rank */
			tool_quiet = 1;
			TT.progress = 0;
			TT.verbose = 0;
		}
	}
	if ((TT.ranks || TT.link > 0) && (!TT.dry_run || !TT.ranks || !(TT.link > 0)))
		tool_usage("--ranks N and --link GBPS go together, with --dry-run");
	if (TT.o.keep_zeros && (!TT.o.warm || TT.mpi))
		tool_usage("--keep-zeros needs --warm-start, and is not available with --mpi");
	if (TT.val && TT.o.val_size > 0)
		tool_usage("--val and --val-size: give one");
	TT.patience_given = TT.o.patience >= 0;
	nn_train_opts_finish(&TT.o);
	TT.stop = nn_train_earlystop(&TT.o);
}

/* The network, its optimizer and the run's state, new or resumed;
 * returns the gradient's buffer. */
static float *make_state(nn_train_state *st, const nn_task *t, const nn_dataset *tr, const nn_dataset *val)
{
	nn_error err = { 0 };
	if (TT.patience_given && TT.o.patience && !val->n)
		tool_note("no validation set: --patience watches the training loss");
	if (TT.stop.monitor == NN_MONITOR_ACCURACY && (!t->classification || !val->n))
		tool_usage("--monitor accuracy needs classes and a validation set (--val or --val-size)");
	nn_net_spec spec = { .layers = TT.o.layers, .activation = TT.o.act, .output = TT.o.output, .loss = TT.o.loss };
	if (!(st->net = nn_net_build(&spec, t, tr->d, &err))) {
		if (err.code == NN_ENOMEM)     /* not a usage error: status 1 */
			tool_die_err(NULL, &err);
		tool_usage("%s", err.msg);
	}
	if (!tool_mpi_same_u64(nn_hash64(st->net->nparams, st->net->width[st->net->nlayers]))) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();
		tool_die(TOOL_EXIT_DATA, tool_name(TT.in), "the ranks' shards make different networks "
		         "(other features, or other class names)");
	}
	nn_optim_config oc;
	nn_train_optim_config(&TT.o, TT.epoch_steps, &oc);
	if (!(st->opt = nn_optim_new(&oc, st->net->nparams, &err)))
		tool_die_err(NULL, &err);
	/* 64-byte aligned as the parameters: the weight-gradient products
	 * write their rows into it */
	float *grad = nn_floats_zeroed(st->net->nparams);
	if (!grad)
		tool_die(TOOL_EXIT_DATA, NULL, "out of memory for %zu gradients", st->net->nparams);
	if (TT.o.patience)
		st->best = tool_alloc(st->net->nparams * sizeof(float));
	tool_train_check_fits(&TT, st, t);
	nn_rng init;
	nn_rng_seed(&init, (uint64_t)TT.o.seed, RNG_INIT);
	enum nn_init how;
	if (nn_net_init(st->net, TT.o.init, &how, &err))
		tool_usage("%s", err.msg);
	nn_mlp_init(st->net, how, &init);
	if (TT.o.warm)
		tool_train_warm_start(&TT, st, t);
	nn_rng_seed(&st->shuffle, (uint64_t)TT.o.seed, RNG_SHUFFLE);
	if (TT.resume) {
		tool_train_resume(&TT, st, val);
		TT.done = nn_earlystop_done(&TT.stop, st);
	}
	return grad;
}

int main(int argc, char **argv)
{
	nn_strlist operands = { 0 };
	nn_task t = { 0 };
	nn_dataset tr = { 0 }, val = { 0 };
	nn_train_state st = { 0 };
	nn_error err = { 0 };

	tool_blas_init(argv);                /* may re-execute: before MPI starts */
	tool_mpi_prepare();
	nn_train_opts_init(&TT.o);
	tool_parse(&cli, argc, argv, &operands);
	check_options(&operands, &argc, &argv);
	TT.argc = argc;
	TT.argv = argv;
	tool_train_cost_start(&TT);          /* the whole process's cost, loading included */
	tool_train_open(&TT);                /* where the model goes, before any work */
	/* Ranks on one machine share its processors. */
	int threads = TT.threads ? (int)TT.threads : (int)sysconf(_SC_NPROCESSORS_ONLN) / tool_mpi_local_size();
	TT.blas_threads = threads > 0 ? threads : 1;
	nn_blas_set_threads(TT.blas_threads);
	tool_train_load(&TT, &operands, &t, &tr, &val);
	float *grad = make_state(&st, &t, &tr, &val);
	if (TT.verbose)
		tool_note("BLAS: OpenBLAS, %s kernels, %d threads; %zu parameters", tool_blas_description(),
		          threads, nn_mlp_count(st.net));
	if (TT.dry_run) {
		tool_train_dry_run(&TT, &st, &tr, &val, threads);
		return 0;
	}
	if (TT.checkpoint) {
		struct sigaction sa = { .sa_handler = on_stop };
		sigaction(SIGINT, &sa, &cleanup);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (!TT.mpi) {   /* the shares of a step are the threads (nn/step.h) */
		if (!(TT.team = nn_pool_new(TT.blas_threads < NN_STEP_SHARES ? TT.blas_threads : NN_STEP_SHARES, 1, &err)))
			tool_die_err(NULL, &err);
		nn_blas_set_threads(1);
	}
	run(&st, grad, &t, &tr, &val);
	nn_blas_set_threads(TT.blas_threads);
	tool_mpi_same_weights(st.net, "at the end, epoch", st.epoch);
	if (TT.mpi && TT.verbose)
		tool_mpi_report(st.net->nparams);
	if (stop_signal) {
		/* Interrupted after the last batch: the last epoch's checkpoint
		 * holds everything; honour the signal rather than go on. */
		end_by(stop_signal);
	}
	tool_train_log_close(&TT);
	if (TT.record_cost)
		tool_train_cost(&TT, &TT.cost);  /* every rank */
	tool_train_write_model(&TT, &st, &t, &tr, &val);
	return 0;
}
