/* nn-train — fit a multilayer perceptron to a stream and write the model.
 *
 * Choices:
 * - The training set is held in memory as f32 (shuffling each epoch needs
 *   random access); --dry-run says how much.  Validation comes from --val
 *   FILE or is held out with --val-size (stratified for classification,
 *   largest remainders, seeded), never both.
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
 * - --patience N stops after N epochs without the monitored value (val
 *   loss, or val accuracy with --monitor accuracy; the training loss when
 *   there is no validation set) improving by more than --min-delta, and
 *   the model written is the best epoch's.
 * - Checkpoints hold the whole state (weights, optimizer moments, step,
 *   epoch, position in the epoch, RNG, best weights).  SIGINT/SIGTERM with
 *   --checkpoint write one at the current batch and then end the program
 *   by the signal.  --resume refuses a checkpoint made with other
 *   options that shape the run or on other training data, and the model
 *   it ends with is byte-identical to the uninterrupted run's: the
 *   provenance leaves out --resume, --checkpoint, --log and the like.
 * - A loss that becomes NaN or infinite ends the run with status 1 and no
 *   model; NaN or infinite inputs are refused before training starts.
 * - --mpi (under mpirun -np N): synchronous data parallelism, the MPI
 *   calls in tool-mpi.c.  --batch-size is per rank, as in PyTorch's DDP:
 *   one step takes N x B rows.  Without --shard-pattern every rank reads
 *   all of TRAIN and takes its own contiguous B rows of the global batch
 *   of one shared shuffled order, so that N ranks of B equal one process
 *   of N x B up to the order of the gradient's sums.  With it, rank r
 *   reads shards r, r+N, ... and shuffles only its own rows.  Each rank's
 *   mean gradient is weighted by its rows, the block summed with one
 *   MPI_Allreduce, and every rank takes the same optimizer step; a CRC of
 *   the weights is compared across ranks every epoch.  Rank 0 alone
 *   evaluates the validation set, writes and talks.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "nn/blas.h"
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/estimate.h"
#include "nn/fit.h"
#include "nn/holdout.h"
#include "nn/model.h"
#include "nn/netspec.h"
#include "nn/optim.h"
#include "nn/pool.h"
#include "nn/rng.h"
#include "nn/step.h"
#include "nn/shard.h"
#include "tool.h"
#include "tool-mpi.h"

enum { RNG_INIT = 1, RNG_SHUFFLE = 2, RNG_VALSPLIT = 3, RNG_SHARD = 1000 };   /* rng streams (+ rank) */

/* The options, then what the run works out once. */
static struct {
	const char *out, *x, *y, *layers, *act, *output, *loss, *init, *optim, *schedule, *val, *monitor,
		*task, *checkpoint, *resume, *log, *log_format, *shards;
	long long epochs, batch, seed, threads, level, patience, ckpt_every;
	double lr, momentum, beta1, beta2, eps, wd, clip, warmup, step_size, gamma, min_lr, val_size,
		min_delta;
	int nesterov, no_shuffle, dry_run, progress, verbose, mpi;

	const char *in;          /* the training data's name for messages */
	int blas_threads;        /* what the products outside the shares use */
	nn_pool *team;           /* threads running a step's shares */
	size_t epoch_steps;      /* steps per epoch, the same on every rank */
	size_t sig_rows;         /* the training data as a whole: with */
	uint32_t sig_crc;        /* --shard-pattern, every rank's */
	nn_earlystop stop;       /* --patience, --min-delta, --monitor */
	int done;                /* early stopping ended the run */
} TT = {
	.x = "x", .y = "y", .layers = "100", .act = "relu", .optim = "adam", .schedule = "constant",
	.monitor = "loss", .log_format = "tsv", .epochs = 10, .batch = 128, .level = 3, .ckpt_every = 1,
	.lr = -1, .momentum = 0.9, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .wd = -1, .step_size = 1,
	.gamma = 0.1, .blas_threads = 1,
};

static volatile sig_atomic_t stop_signal;

/* Choices listed in the order of their enums (nn_cli_choice gives it). */
#define TASKS "classification|regression"        /* NN_TASK_CLASSIFICATION + i */
#define OPTIMIZERS "sgd|momentum|adam|adamw"     /* enum nn_optim_kind */
#define SCHEDULES "constant|step|cosine"         /* enum nn_schedule */
#define MONITORS "loss|accuracy"                 /* enum nn_monitor */

static const nn_option options[] = {
	NN_OPT_OUTPUT(&TT.out),
	{ 0, "x", NN_OPT_STR, &TT.x, "NAME", "feature field (default x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &TT.y, "NAME", "label field (default y)", 0, 0 },
	{ 0, "task", NN_OPT_CHOICE, &TT.task, TASKS, "what the label means (default: from its dtype)", 0, 0 },
	{ 0, "layers", NN_OPT_STR, &TT.layers, "N,N,...", "hidden layer widths, or none (default 100)", 0, 0 },
	{ 0, "activation", NN_OPT_STR, &TT.act, "A[,A...]", "relu, tanh, sigmoid, leaky-relu, gelu, identity: one for all or one per hidden layer (default relu)", 0, 0 },
	{ 0, "output-activation", NN_OPT_CHOICE, &TT.output, "softmax|sigmoid|linear", "output function (default: from the task)", 0, 0 },
	{ 0, "loss", NN_OPT_CHOICE, &TT.loss, "ce|bce|mse", "loss (default: from the task)", 0, 0 },
	{ 0, "init", NN_OPT_CHOICE, &TT.init, "he|xavier", "weight initialisation (default: he for relu-like, xavier otherwise)", 0, 0 },
	{ 0, "epochs", NN_OPT_INT, &TT.epochs, "N", "passes over the training set (default 10)", 1, 1e9 },
	{ 0, "batch-size", NN_OPT_INT, &TT.batch, "N", "rows per update (default 128)", 1, 1 << 20 },
	{ 0, "optimizer", NN_OPT_CHOICE, &TT.optim, OPTIMIZERS, "optimizer (default adam)", 0, 0 },
	{ 0, "lr", NN_OPT_DOUBLE, &TT.lr, "R", "learning rate (default 0.001 for adam(w), 0.01 otherwise)", 0, 1e6 },
	{ 0, "momentum", NN_OPT_DOUBLE, &TT.momentum, "M", "momentum factor (default 0.9)", 0, 1 },
	{ 0, "nesterov", NN_OPT_FLAG, &TT.nesterov, NULL, "Nesterov momentum", 0, 0 },
	{ 0, "beta1", NN_OPT_DOUBLE, &TT.beta1, "B", "adam's first-moment decay (default 0.9)", 0, 0.999999 },
	{ 0, "beta2", NN_OPT_DOUBLE, &TT.beta2, "B", "adam's second-moment decay (default 0.999)", 0, 0.999999999 },
	{ 0, "eps", NN_OPT_DOUBLE, &TT.eps, "E", "adam's epsilon (default 1e-8)", 0, 1 },
	{ 0, "weight-decay", NN_OPT_DOUBLE, &TT.wd, "W", "L2 penalty; decoupled for adamw (default 0, adamw 0.01)", 0, 1e3 },
	{ 0, "clip-norm", NN_OPT_DOUBLE, &TT.clip, "N", "scale gradients to at most this L2 norm (default off)", 0, 1e12 },
	{ 0, "schedule", NN_OPT_CHOICE, &TT.schedule, SCHEDULES, "learning-rate schedule (default constant)", 0, 0 },
	{ 0, "warmup", NN_OPT_DOUBLE, &TT.warmup, "EPOCHS", "linear warm-up over this many epochs (default 0)", 0, 1e9 },
	{ 0, "step-size", NN_OPT_DOUBLE, &TT.step_size, "EPOCHS", "step schedule: epochs between decays (default 1)", 1e-9, 1e9 },
	{ 0, "gamma", NN_OPT_DOUBLE, &TT.gamma, "G", "step schedule: decay factor (default 0.1)", 0, 1 },
	{ 0, "min-lr", NN_OPT_DOUBLE, &TT.min_lr, "R", "cosine schedule: final learning rate (default 0)", 0, 1e6 },
	{ 0, "val", NN_OPT_STR, &TT.val, "FILE", "validation stream", 0, 0 },
	{ 0, "val-size", NN_OPT_DOUBLE, &TT.val_size, "F", "hold out this fraction (<1) or count (>=1) for validation", 0, 9e15 },
	{ 0, "patience", NN_OPT_INT, &TT.patience, "N", "stop after N epochs without improvement; keep the best (default off)", 0, 1e9 },
	{ 0, "min-delta", NN_OPT_DOUBLE, &TT.min_delta, "D", "smallest change that counts as improvement (default 0)", 0, 1e12 },
	{ 0, "monitor", NN_OPT_CHOICE, &TT.monitor, MONITORS, "what --patience watches (default loss)", 0, 0 },
	{ 0, "no-shuffle", NN_OPT_FLAG, &TT.no_shuffle, NULL, "visit rows in input order every epoch", 0, 0 },
	{ 0, "checkpoint", NN_OPT_STR, &TT.checkpoint, "FILE", "write the training state to FILE atomically", 0, 0 },
	{ 0, "checkpoint-every", NN_OPT_INT, &TT.ckpt_every, "N", "epochs between checkpoints (default 1)", 1, 1e9 },
	{ 0, "resume", NN_OPT_STR, &TT.resume, "FILE", "continue from a checkpoint", 0, 0 },
	{ 0, "log", NN_OPT_STR, &TT.log, "FILE", "write one line per epoch to FILE", 0, 0 },
	{ 0, "log-format", NN_OPT_CHOICE, &TT.log_format, "tsv|json", "--log's format (default tsv)", 0, 0 },
	{ 0, "mpi", NN_OPT_FLAG, &TT.mpi, NULL, "data-parallel training over the ranks of mpirun", 0, 0 },
	{ 0, "shard-pattern", NN_OPT_STR, &TT.shards, "PAT", "with --mpi: rank r reads shards r, r+N, ... of PAT (one %d, as nn-split --shard-pattern)", 0, 0 },
	{ 0, "dry-run", NN_OPT_FLAG, &TT.dry_run, NULL, "print size, memory, FLOPs and estimated time; train nothing", 0, 0 },
	{ 0, "progress", NN_OPT_FLAG, &TT.progress, NULL, "progress bar even when stderr is not a terminal", 0, 0 },
	{ 'v', "verbose", NN_OPT_FLAG, &TT.verbose, NULL, "also print the BLAS kernels and the model's size", 0, 0 },
	NN_OPT_SEED(&TT.seed),
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

/* Options that change neither the model nor the training, left out of the
 * provenance so that a resumed run writes the same bytes. */
static const char *const not_in_provenance[] = {
	"--checkpoint=", "--checkpoint-every=", "--resume=", "--log=", "--log-format=",
	"--progress", "--verbose", "-v", "--quiet", "-q", "--dry-run", NULL
};

/* --- the run's configuration ----------------------------------------------- */

static void optim_config(nn_optim_config *c, size_t steps_per_epoch)
{
	nn_optim_defaults(c, (enum nn_optim_kind)nn_cli_choice(OPTIMIZERS, TT.optim));
	if (TT.lr >= 0)
		c->lr = TT.lr;
	if (TT.wd >= 0)
		c->weight_decay = TT.wd;
	c->momentum = TT.momentum;
	c->nesterov = TT.nesterov;
	c->beta1 = TT.beta1;
	c->beta2 = TT.beta2;
	c->eps = TT.eps;
	c->clip_norm = TT.clip;
	c->schedule = (enum nn_schedule)nn_cli_choice(SCHEDULES, TT.schedule);
	c->gamma = TT.gamma;
	c->min_lr = TT.min_lr;
	nn_fit_schedule(c, TT.warmup, TT.step_size, (uint64_t)TT.epochs, steps_per_epoch);
}

/* --- what a run records, and what a resumed run must match --------------- */

/* The options that shape the run, as text: a resumed run must have the
 * same (the number of epochs may grow unless the schedule depends on it). */
static const char *const *signature(const nn_dataset *val, size_t *n)
{
	static char buf[40][96];
	static const char *v[40];
	size_t k = 0;
#define SIG(...) (snprintf(buf[k], sizeof buf[k], __VA_ARGS__), v[k] = buf[k], k++)
	SIG("ranks=%d", tool_mpi_size);     /* first: resume names it */
	SIG("shard-pattern=%.80s", TT.shards ? TT.shards : "none");
	SIG("layers=%s", TT.layers);
	SIG("activation=%s", TT.act);
	SIG("output=%s", TT.output ? TT.output : "default");
	SIG("loss=%s", TT.loss ? TT.loss : "default");
	SIG("init=%s", TT.init ? TT.init : "default");
	SIG("task=%s", TT.task ? TT.task : "default");
	SIG("x=%.80s", TT.x);
	SIG("y=%.80s", TT.y);
	SIG("optimizer=%s", TT.optim);
	SIG("lr=%.17g", TT.lr);
	SIG("momentum=%.17g", TT.momentum);
	SIG("nesterov=%d", TT.nesterov);
	SIG("beta1=%.17g", TT.beta1);
	SIG("beta2=%.17g", TT.beta2);
	SIG("eps=%.17g", TT.eps);
	SIG("weight-decay=%.17g", TT.wd);
	SIG("clip-norm=%.17g", TT.clip);
	SIG("schedule=%s", TT.schedule);
	SIG("warmup=%.17g", TT.warmup);
	SIG("step-size=%.17g", TT.step_size);
	SIG("gamma=%.17g", TT.gamma);
	SIG("min-lr=%.17g", TT.min_lr);
	if (!strcmp(TT.schedule, "cosine"))
		SIG("epochs=%lld", TT.epochs);
	SIG("batch-size=%lld", TT.batch);
	SIG("seed=%lld", TT.seed);
	SIG("val-size=%.17g", TT.val_size);
	SIG("patience=%lld", TT.patience);
	SIG("min-delta=%.17g", TT.min_delta);
	SIG("monitor=%s", TT.monitor);
	SIG("no-shuffle=%d", TT.no_shuffle);
	SIG("training data=%zu rows, crc32 %08x", TT.sig_rows, TT.sig_crc);
	SIG("validation data=%zu rows, crc32 %08x", val->n, val->crc);
#undef SIG
	*n = k;
	return v;
}

static nn_train_info train_info(const nn_dataset *val)
{
	nn_train_info info = {
		.threads = nn_blas_threads(), .ranks = TT.mpi ? tool_mpi_size : 0, .batch_size = TT.batch,
		.seed = TT.seed, .train_rows = TT.sig_rows, .train_crc = TT.sig_crc, .val_rows = val->n,
	};
	info.sig = signature(val, &info.nsig);
	return info;
}

static nn_schema *data_schema;   /* the training stream's header, for nn_model_set_input */

static nn_model model_of(nn_mlp *net, const nn_task *t, msgpack_sbuffer *training)
{
	nn_model m = {
		.mlp = net, .x_name = (char *)TT.x, .x_dtype = t->x_dtype, .x_ndim = t->x_ndim,
		.y_name = (char *)TT.y, .classification = t->classification, .nclasses = t->nclasses,
		.classes = t->classes, .training = (unsigned char *)training->data, .training_len = training->size,
	};
	memcpy(m.x_shape, t->x_shape, sizeof m.x_shape);
	return m;
}

/* The model (ckpt 0) or a checkpoint, with the provenance, to path. */
static void save(const nn_train_state *st, const nn_task *t, const nn_dataset *val, int ckpt, double tl,
                 double vl, double va, int argc, char **argv)
{
	const char *path = ckpt ? TT.checkpoint : TT.out;
	nn_train_info info = train_info(val);
	nn_error err = { 0 };
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	if (nn_train_pack(&sb, &info, st, ckpt, tl, vl, va, &err))
		tool_die_err(NULL, &err);
	nn_model m = model_of(st->net, t, &sb);
	if (nn_model_set_input(&m, data_schema, TT.x, &err))   /* its chain and feature names */
		tool_die_err(tool_name(TT.in), &err);
	const void **cols = tool_alloc((size_t)st->net->nlayers * 8 * sizeof *cols);
	nn_schema *s = ckpt ? nn_checkpoint_schema(&m, st, cols, &err) : nn_model_schema(&m, "model", &err);
	if (!s)
		tool_die_err(ckpt ? path : NULL, &err);
	if (!ckpt)
		nn_model_columns(&m, cols);
	tool_provenance_except(s, argc, argv, not_in_provenance);
	if (!ckpt)
		nn_schema_set_seed(s, (uint64_t)TT.seed);
	tool_save_row(path, s, cols, ckpt ? 1 : TT.level);
	nn_model_clear_input(&m);
	nn_schema_free(s);
	free(cols);
	msgpack_sbuffer_destroy(&sb);
}

static void resume(nn_train_state *st, const nn_dataset *val)
{
	nn_reader *r = tool_reader(TT.resume);
	nn_train_info info = train_info(val);
	nn_sig_mismatch why;
	nn_error err = { 0 };
	if (nn_checkpoint_read(r, &info, TT.x, st, &why, &err)) {
		const char *n = why.have + 6;
		if (why.found && why.index == 0 && strlen(why.have) > 6 && !strncmp(why.have, "ranks=", 6))
			tool_die(TOOL_EXIT_DATA, TT.resume, "made by %s rank(s), this run has %d: resume with "
			         "as many (mpirun -np %s ... --mpi; one process for 1)", n, tool_mpi_size, n);
		tool_die_err(TT.resume, &err);
	}
	nn_reader_close(r);
}

/* --- the loop ------------------------------------------------------------- */

static void on_stop(int sig)
{
	stop_signal = sig;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress(uint64_t epoch, size_t done, size_t total, double rate)
{
	int width = 30, filled = (int)((double)width * (double)done / (double)total);
	fprintf(stderr, "\repoch %llu [%.*s%*s] %3d%% %.0f samples/s ", (unsigned long long)epoch,
	        filled, "##############################", width - filled, "",
	        (int)(100.0 * (double)done / (double)total), rate);
}

static void log_epoch(FILE *log, const nn_epoch_log *e)
{
	char line[NN_FIT_LOG_MAX];
	nn_fit_log_line(line, e, !strcmp(TT.log_format, "json"));
	if (fputs(line, log) == EOF || fflush(log) || ferror(log))
		tool_die(TOOL_EXIT_DATA, TT.log, "write failed");
}

/* What the loop works with. */
struct loop {
	nn_train_state *st;
	const nn_task *t;
	const nn_dataset *tr, *val;
	FILE *log;
	int argc;
	char **argv;
	float *grad;
	nn_mlp_work *w;
	size_t chunk;
	float *xb, *tb;                   /* --mpi gathers a step's rows in xb */
	uint64_t *order;                  /* this epoch's order of the rows */
	nn_step *step;                    /* without --mpi */
	int bar;
	double start;
};

/* This epoch's order from the generator's state at its start; a resumed
 * run rebuilds it and skips the batches already done. */
static nn_rng epoch_order(struct loop *L)
{
	nn_rng rng = L->st->shuffle, mix;
	if (TT.shards)                        /* each rank its own rows */
		nn_rng_seed(&mix, nn_hash64((uint64_t)TT.seed, L->st->epoch), RNG_SHARD + (uint64_t)tool_mpi_rank);
	nn_fit_order(L->order, L->tr->n, TT.no_shuffle ? NULL : TT.shards ? &mix : &rng);
	return rng;
}

/* The epoch's remaining steps; returns the rows they took. */
static size_t run_steps(struct loop *L)
{
	nn_train_state *st = L->st;
	const nn_dataset *tr = L->tr;
	/* A step shares one order over the ranks, or each shard its own. */
	size_t ranks = TT.shards ? 1 : (size_t)tool_mpi_size, mine = TT.shards ? 0 : (size_t)tool_mpi_rank;
	size_t rows_timed = 0;
	double t0 = now(), last_bar = 0;
	for (size_t s = st->batch; s < TT.epoch_steps; s++) {
		size_t first, rows = nn_fit_rows(tr->n, (size_t)TT.batch, ranks, mine, s, &first);
		double loss;
		int stop = stop_signal;
		if (TT.mpi) {
			for (size_t i = 0; i < rows; i++)
				memcpy(L->xb + i * tr->d, tr->x + L->order[first + i] * tr->d, tr->d * sizeof(float));
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
		st->epoch_loss += loss * (double)rows;
		st->epoch_rows += rows;
		st->batch = s + 1;
		rows_timed += rows;
		if (stop) {
			if (TT.checkpoint && !tool_mpi_rank) {
				save(st, L->t, L->val, 1, NAN, NAN, NAN, L->argc, L->argv);
				tool_note("interrupted: state at epoch %llu, batch %zu saved in '%s' (--resume it)",
				          (unsigned long long)st->epoch + 1, s + 1, TT.checkpoint);
			}
			tool_mpi_barrier();                 /* no rank ends before the checkpoint is out */
			stop = stop_signal ? stop_signal : SIGTERM;
			signal(stop, SIG_DFL);
			raise(stop);
		}
		if (L->bar && now() - last_bar > 0.2) {
			last_bar = now();
			progress(st->epoch + 1, s + 1, TT.epoch_steps, (double)rows_timed / (last_bar - t0));
		}
	}
	return rows_timed;
}

static void train(struct loop *L)
{
	nn_train_state *st = L->st;
	const nn_dataset *val = L->val;
	double vl = NAN, va = NAN;

	while (st->epoch < (uint64_t)TT.epochs && !TT.done) {
		nn_rng rng = epoch_order(L);
		double t0 = now();
		size_t rows = run_steps(L);
		double secs = now() - t0, rate = (double)rows / (secs > 0 ? secs : 1e-9);
		if (L->bar)
			fputs("\r\033[K", stderr);
		double tl = st->epoch_loss / (double)st->epoch_rows;
		if (val->n) {                          /* rank 0's numbers decide for all */
			double v[2] = { 0, 0 };
			nn_blas_set_threads(TT.blas_threads);   /* the pool's members wait meanwhile */
			if (!tool_mpi_rank)
				nn_dataset_evaluate(st->net, L->w, L->chunk, val, L->t->classification, L->tb, &v[0], &v[1]);
			nn_blas_set_threads(TT.mpi ? TT.blas_threads : 1);
			tool_mpi_bcast_f64(v, 2);
			vl = v[0];
			va = v[1];
		}
		tool_mpi_same_weights(st->net, "after epoch", st->epoch + 1);
		double lr = nn_fit_last_lr(st->opt);
		nn_fit_end_epoch(st, &rng);
		TT.done = nn_earlystop_update(&TT.stop, st, nn_earlystop_value(&TT.stop, val->n != 0, tl, vl, va));
		/* The checkpoint before the log: a logged epoch is a saved one. */
		if (TT.checkpoint && !tool_mpi_rank &&
		    nn_fit_checkpoint_due(st->epoch, (uint64_t)TT.ckpt_every, (uint64_t)TT.epochs, TT.done))
			save(st, L->t, val, 1, NAN, NAN, NAN, L->argc, L->argv);
		if (L->log)
			log_epoch(L->log, &(nn_epoch_log){ st->epoch, tl, vl, va, lr, rate, now() - L->start });
		if (!tool_quiet) {
			fprintf(stderr, "epoch %llu/%lld  loss %.6f", (unsigned long long)st->epoch, TT.epochs, tl);
			if (val->n)
				fprintf(stderr, "  val_loss %.6f", vl);
			if (val->n && L->t->classification)
				fprintf(stderr, "  val_acc %.4f", va);
			fprintf(stderr, "  lr %.3g  %.0f samples/s  %.1f s\n", lr, rate, now() - L->start);
		}
		if (TT.done)
			tool_note("no improvement for %lld epochs: stopping; the model is epoch %llu's",
			          TT.patience, (unsigned long long)st->best_epoch);
	}
	nn_earlystop_restore(st);
}

/* Set up the loop's buffers, train, free them. */
static void run(nn_train_state *st, float *grad, const nn_task *t, const nn_dataset *tr, const nn_dataset *val,
                FILE *log, int argc, char **argv)
{
	size_t B = (size_t)TT.batch < tr->n ? (size_t)TT.batch : tr->n, out = st->net->width[st->net->nlayers];
	nn_error err = { 0 };
	struct loop L = { .st = st, .t = t, .tr = tr, .val = val, .log = log, .argc = argc, .argv = argv,
	                  .grad = grad, .chunk = B > 1024 ? B : 1024, .start = now() };
	L.w = nn_mlp_work_new(st->net, L.chunk, &err);
	L.xb = TT.mpi ? tool_alloc(B * tr->d * sizeof(float)) : NULL;
	L.tb = tool_alloc(L.chunk * out * sizeof(float));
	L.order = tool_alloc(tr->n * sizeof *L.order);
	if (!TT.mpi && !(L.step = nn_step_new(st->net, st->opt, grad, B, TT.team, &err)))
		tool_die_err(NULL, &err);
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
/* --- how much compute ------------------------------------------------------------ */

static void dry_run(const nn_train_state *st, const nn_dataset *tr, const nn_dataset *val, int threads)
{
	const nn_mlp *net = st->net;
	double mib = 1024.0 * 1024.0;
	nn_estimate e;
	nn_estimate_run(&e, st, tr, val, (size_t)TT.batch);
	size_t B = e.batch, in = net->width[0], out1 = net->width[1];
	printf("parameters\t%zu\n", nn_mlp_count(net));
	printf("layers\t");
	for (int l = 0; l <= net->nlayers; l++)
		printf("%s%zu", l ? "-" : "", net->width[l]);
	printf("\t");
	for (int l = 0; l < net->nlayers - 1; l++)
		printf("%s%s", l ? "," : "", nn_act_name(net->act[l]));
	printf("%s%s + %s\n", net->nlayers > 1 ? " -> " : "", nn_output_name(net->output), nn_loss_name(net->loss));
	printf("rows\t%zu training, %zu validation\n", tr->n, val->n);
	printf("memory\t%.1f MiB (data %.1f, parameters/gradient/optimizer %.1f, batch scratch %.1f)\n",
	       (e.data_bytes + e.model_bytes + e.scratch_bytes) / mib, e.data_bytes / mib, e.model_bytes / mib,
	       e.scratch_bytes / mib);
	printf("flops_per_row\t%.4g\n", e.flops_per_row);
	printf("flops_per_epoch\t%.4g\n", e.flops_per_epoch);
	/* The first layer's product is the largest: its rate stands for all. */
	double rate = nn_blas_measure(B, out1, in, 0.5);
	printf("sgemm\t%.1f GFLOPS at %zux%zux%zu, %d threads, %s kernels\n", rate, B, out1, in, threads,
	       tool_blas_description());
	if (threads > 1) {   /* what training's shares use: one thread each, at once */
		nn_blas_set_threads(1);
		double one = nn_blas_measure(B, out1, in, 0.5);
		nn_blas_set_threads(threads);
		printf("sgemm_one_thread\t%.1f GFLOPS at %zux%zux%zu, 1 thread (%d of them: %.1f)\n", one, B, out1, in,
		       threads, one * threads);
	}
	printf("estimate\t%.3g s per epoch at that rate, %.3g s for %lld epochs (products only)\n",
	       nn_estimate_epoch_seconds(&e, rate), nn_estimate_epoch_seconds(&e, rate) * (double)TT.epochs, TT.epochs);
	/* And a real measurement: a few steps on this data. */
	int steps;
	double per_step = nn_estimate_step_seconds(&e, net, tr, 0.5, 3, &steps, NULL);
	if (per_step >= 0)
		printf("measured\t%.3g s per epoch (%d forward/backward steps of %zu rows: %.0f samples/s, %.1f GFLOPS)\n",
		       per_step * (double)nn_fit_steps(tr->n, B, 1), steps, B, (double)B / per_step,
		       e.flops_per_row * (double)B / per_step / 1e9);
}

/* The format holds a model in one row: say so before training, not after. */
static void check_fits(const nn_train_state *st, const nn_task *t)
{
	nn_error err = { 0 };
	msgpack_sbuffer none = { 0 };
	nn_model m = model_of(st->net, t, &none);
	if (nn_estimate_fits(&m, st, TT.checkpoint != NULL, &err) && err.code == NN_ENOMEM)
		tool_die_err(NULL, &err);
	if (err.code)
		tool_usage("%s", err.msg);
}

/* --- the data -------------------------------------------------------------- */

/* Read path into ds: the first stream (the training data, or a rank's
 * first shard) sets the task, the others must agree with it. */
static void load_stream(const char *path, nn_task *t, nn_dataset *ds, int first)
{
	nn_reader *r = tool_reader(path);
	enum nn_task_kind kind = TT.task ? NN_TASK_CLASSIFICATION + nn_cli_choice(TASKS, TT.task) : NN_TASK_AUTO;
	nn_task mine;
	nn_error err = { 0 };
	if (nn_task_read(nn_reader_schema(r), TT.x, TT.y, kind, &mine, &err) ||
	    (first ? nn_task_keep(t, &mine, &err) : nn_task_check_same(t, &mine, TT.x, TT.y, &err)))
		tool_die_err(tool_name(path), &err);
	if (first && !data_schema && !(data_schema = nn_schema_clone(nn_reader_schema(r), &err)))
		tool_die_err(NULL, &err);
	mine.nclasses = t->nclasses;       /* this stream's labels, the training classes */
	if (nn_dataset_load(r, TT.x, TT.y, &mine, ds, &err))
		tool_die_err(tool_name(path), &err);
	nn_reader_close(r);
}

/* Shard i of --shard-pattern, by nn/shard.h's rule (the pattern is
 * parsed once and never handed to printf). */
static void shard_path(char *buf, size_t len, size_t i)
{
	static nn_shard_pattern pat;
	nn_error err = { 0 };
	char *name;

	if (!pat.pre && nn_shard_pattern_parse(&pat, TT.shards, &err)) {
		if (err.code != NN_EARG)
			tool_die_err(NULL, &err);
		tool_usage("--shard-pattern '%s': expected one %%d (as part-%%03d.nns)", TT.shards);
	}
	if (!(name = nn_shard_name(&pat, i, &err)))
		tool_die_err(NULL, &err);
	if (strlen(name) >= len)
		tool_usage("--shard-pattern '%s': the names are too long", TT.shards);
	memcpy(buf, name, strlen(name) + 1);
	free(name);
}

/* Rank r of N reads shards r, r+N, r+2N, ... of the S shards, numbered
 * from 0 up to the first missing one as rank 0 sees it. */
static const char *load_shards(nn_task *t, nn_dataset *tr)
{
	static char first_path[4096];
	char path[4096];
	double count = 0;
	if (!tool_mpi_rank)
		for (shard_path(path, sizeof path, 0); access(path, F_OK) == 0;
		     shard_path(path, sizeof path, (size_t)++count))
			;
	tool_mpi_bcast_f64(&count, 1);
	size_t S = (size_t)count;
	shard_path(first_path, sizeof first_path, (size_t)tool_mpi_rank);
	if (S < (size_t)tool_mpi_size) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();
		tool_die(TOOL_EXIT_DATA, first_path, "%zu shard(s) for %d ranks: every rank needs one at least",
		         S, tool_mpi_size);
	}
	uint32_t crc = (uint32_t)crc32_z(0, NULL, 0);
	for (size_t i = (size_t)tool_mpi_rank; i < S; i += (size_t)tool_mpi_size) {
		shard_path(path, sizeof path, i);
		load_stream(path, t, tr, i == (size_t)tool_mpi_rank);
		crc = (uint32_t)crc32_z(crc, (const unsigned char *)&tr->crc, sizeof tr->crc);
	}
	tr->crc = crc;
	return first_path;
}

/* What the signature says of the training data, and the steps per epoch;
 * also checks that the ranks agree. */
static void data_signature(const nn_dataset *tr)
{
	size_t B = (size_t)TT.batch;
	TT.sig_rows = tr->n;
	TT.sig_crc = tr->crc;
	TT.epoch_steps = nn_fit_steps(tr->n, B, (uint64_t)tool_mpi_size);
	if (TT.shards) {
		uint64_t *all = tool_alloc((size_t)tool_mpi_size * 2 * sizeof *all), most = tr->n;
		tool_mpi_gather_u64(tr->n, all);
		tool_mpi_gather_u64(tr->crc, all + tool_mpi_size);
		TT.sig_rows = 0;
		for (int r = 0; r < tool_mpi_size; r++)
			TT.sig_rows += all[r];
		TT.sig_crc = (uint32_t)crc32_z(0, (const unsigned char *)all, (size_t)tool_mpi_size * 2 * sizeof *all);
		free(all);
		tool_mpi_max_u64(&most, 1);
		TT.epoch_steps = nn_fit_steps(most, B, 1);
	} else if (!tool_mpi_same_u64(((uint64_t)tr->crc << 32) ^ tr->n)) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();
		tool_die(TOOL_EXIT_DATA, tool_name(TT.in), "the ranks read different training data "
		         "(every machine needs the same file)");
	}
}

/* No names: as many classes as the largest label says.  Either way, two
 * different labels at least must be seen in training (on all the ranks'
 * shards together). */
static void count_classes(nn_task *t, const nn_dataset *tr, const nn_dataset *val)
{
	int32_t mx = 0, mn = tr->cls[0];
	for (size_t i = 0; i < tr->n; i++) {
		mx = tr->cls[i] > mx ? tr->cls[i] : mx;
		mn = tr->cls[i] < mn ? tr->cls[i] : mn;
	}
	uint64_t range[2] = { (uint64_t)mx, (uint64_t)(NN_MAX_CLASSES - mn) };
	if (TT.shards)
		tool_mpi_max_u64(range, 2);
	int several = range[0] != NN_MAX_CLASSES - range[1];
	mx = (int32_t)range[0];
	for (size_t i = 0; i < val->n; i++)
		mx = val->cls[i] > mx ? val->cls[i] : mx;
	if (!several)
		tool_die(TOOL_EXIT_DATA, tool_name(TT.in), "one class only (%d) in the training rows: nothing to tell apart",
		         (int)tr->cls[0]);
	if (!t->classes)
		t->nclasses = (size_t)mx + 1;
}

static void load_data(const nn_strlist *operands, nn_task *t, nn_dataset *tr, nn_dataset *val)
{
	TT.in = operands->n ? operands->v[0] : NULL;
	if (TT.shards)
		TT.in = load_shards(t, tr);
	else
		load_stream(TT.in, t, tr, 1);
	if (TT.val)
		load_stream(TT.val, t, val, 0);
	if (tr->n == 0)
		tool_die(TOOL_EXIT_DATA, tool_name(TT.in), "no rows to train on");
	if (t->classification)
		count_classes(t, tr, val);
	if (TT.val_size > 0) {           /* rows moved from tr to val (nn/holdout.h) */
		size_t want = nn_holdout_count(TT.val_size, tr->n);
		nn_rng rng;
		nn_error err = { 0 };
		nn_rng_seed(&rng, (uint64_t)TT.seed, RNG_VALSPLIT);
		if (want == 0 || want >= tr->n)
			tool_die(TOOL_EXIT_DATA, tool_name(TT.in), "--val-size %g of %zu rows leaves no %s",
			         TT.val_size, tr->n, want ? "training rows" : "validation rows");
		if (nn_holdout(tr, val, want, t->classification, t->nclasses, &rng, &err))
			tool_die_err(tool_name(TT.in), &err);
	}
	data_signature(tr);
}

/* --- main ------------------------------------------------------------------ */

/* The checks tool_parse cannot make; starts MPI with --mpi. */
static void check_options(const nn_strlist *operands, int *argc, char ***argv)
{
	if (TT.shards && !TT.mpi)
		tool_usage("--shard-pattern needs --mpi");
	if (TT.shards && TT.val_size > 0)
		tool_usage("--shard-pattern and --val-size: give the validation set with --val FILE");
	if (TT.shards && operands->n)
		tool_usage("--shard-pattern and a TRAIN operand: give one");
	if (TT.mpi && !TT.shards && (!operands->n || !strcmp(operands->v[0], "-")))
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
	if (TT.val && TT.val_size > 0)
		tool_usage("--val and --val-size: give one");
	TT.stop = (nn_earlystop){ .patience = (uint64_t)TT.patience, .min_delta = TT.min_delta,
	                          .monitor = (enum nn_monitor)nn_cli_choice(MONITORS, TT.monitor) };
}

/* The network, its optimizer and the run's state, new or resumed;
 * returns the gradient's buffer. */
static float *make_state(nn_train_state *st, const nn_task *t, const nn_dataset *tr, const nn_dataset *val)
{
	nn_error err = { 0 };
	if (TT.patience && !val->n)
		tool_note("no validation set: --patience watches the training loss");
	if (TT.stop.monitor == NN_MONITOR_ACCURACY && (!t->classification || !val->n))
		tool_usage("--monitor accuracy needs classes and a validation set (--val or --val-size)");
	nn_net_spec spec = { .layers = TT.layers, .activation = TT.act, .output = TT.output, .loss = TT.loss };
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
	optim_config(&oc, TT.epoch_steps);
	if (!(st->opt = nn_optim_new(&oc, st->net->nparams, &err)))
		tool_die_err(NULL, &err);
	float *grad = tool_alloc(st->net->nparams * sizeof(float));
	if (TT.patience)
		st->best = tool_alloc(st->net->nparams * sizeof(float));
	check_fits(st, t);
	nn_rng init;
	nn_rng_seed(&init, (uint64_t)TT.seed, RNG_INIT);
	enum nn_init how;
	if (nn_net_init(st->net, TT.init, &how, &err))
		tool_usage("%s", err.msg);
	nn_mlp_init(st->net, how, &init);
	nn_rng_seed(&st->shuffle, (uint64_t)TT.seed, RNG_SHUFFLE);
	if (TT.resume) {
		resume(st, val);
		TT.done = nn_earlystop_done(&TT.stop, st);
	}
	return grad;
}

static FILE *open_log(void)
{
	FILE *log = NULL;
	if (TT.log && !tool_mpi_rank && !(log = fopen(TT.log, TT.resume ? "a" : "w")))
		tool_die(TOOL_EXIT_DATA, TT.log, "cannot open: %s", strerror(errno));
	if (log && !TT.resume && strcmp(TT.log_format, "json"))
		fputs(nn_fit_log_header, log);
	if (log && fflush(log))
		tool_die(TOOL_EXIT_DATA, TT.log, "write failed: %s", strerror(errno));
	return log;
}

/* What the model records, its own losses on both sets, and the model
 * itself, from rank 0. */
static void write_model(const nn_train_state *st, const nn_task *t, const nn_dataset *tr,
                        const nn_dataset *val, int argc, char **argv)
{
	double tl = 0, ta, vl = NAN, va = NAN;
	size_t chunk = 1024;
	nn_error err = { 0 };
	nn_mlp_work *w = nn_mlp_work_new(st->net, chunk, &err);
	float *tb = tool_alloc(chunk * st->net->width[st->net->nlayers] * sizeof(float));
	if (!w)
		tool_die_err(NULL, &err);
	if (TT.shards) {                     /* the mean over every rank's rows */
		nn_dataset_evaluate(st->net, w, chunk, tr, t->classification, tb, &tl, &ta);
		double sum[2] = { tl * (double)tr->n, (double)tr->n };
		tool_mpi_sum_f64(sum, 2);
		tl = sum[0] / sum[1];
	}
	if (tool_mpi_rank)
		return;                          /* rank 0 alone writes */
	if (!TT.shards)
		nn_dataset_evaluate(st->net, w, chunk, tr, t->classification, tb, &tl, &ta);
	if (val->n)
		nn_dataset_evaluate(st->net, w, chunk, val, t->classification, tb, &vl, &va);
	save(st, t, val, 0, tl, vl, va, argc, argv);
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
	tool_parse(&cli, argc, argv, &operands);
	check_options(&operands, &argc, &argv);
	/* Ranks on one machine share its processors. */
	int threads = TT.threads ? (int)TT.threads : (int)sysconf(_SC_NPROCESSORS_ONLN) / tool_mpi_local_size();
	TT.blas_threads = threads > 0 ? threads : 1;
	nn_blas_set_threads(TT.blas_threads);
	load_data(&operands, &t, &tr, &val);
	float *grad = make_state(&st, &t, &tr, &val);
	if (TT.verbose)
		tool_note("BLAS: OpenBLAS, %s kernels, %d threads; %zu parameters", tool_blas_description(),
		          threads, nn_mlp_count(st.net));
	if (TT.dry_run) {
		if (!tool_mpi_rank)
			dry_run(&st, &tr, &val, threads);
		if (fflush(stdout) || ferror(stdout))
			tool_die(TOOL_EXIT_DATA, NULL, "write error");
		return 0;
	}
	FILE *log = open_log();
	if (TT.checkpoint) {
		struct sigaction sa = { .sa_handler = on_stop };
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (!TT.mpi) {   /* the shares of a step are the threads (nn/step.h) */
		if (!(TT.team = nn_pool_new(TT.blas_threads < NN_STEP_SHARES ? TT.blas_threads : NN_STEP_SHARES, 1, &err)))
			tool_die_err(NULL, &err);
		nn_blas_set_threads(1);
	}
	run(&st, grad, &t, &tr, &val, log, argc, argv);
	nn_blas_set_threads(TT.blas_threads);
	tool_mpi_same_weights(st.net, "at the end, epoch", st.epoch);
	if (TT.mpi && TT.verbose)
		tool_mpi_report(st.net->nparams);
	if (stop_signal) {
		/* Interrupted after the last batch: the last epoch's checkpoint
		 * holds everything; honour the signal rather than go on. */
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	if (log && fclose(log))
		tool_die(TOOL_EXIT_DATA, TT.log, "write failed: %s", strerror(errno));
	write_model(&st, &t, &tr, &val, argc, argv);
	return 0;
}
