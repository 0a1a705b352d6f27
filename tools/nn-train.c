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
#include <msgpack.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "nn/blas.h"
#include "nn/model.h"
#include "nn/mp.h"
#include "nn/optim.h"
#include "nn/rng.h"
#include "nn/shard.h"
#include "nn/stratify.h"
#include "nn/version.h"
#include "nn/pack.h"
#include "tool.h"
#include "tool-mpi.h"
#include "tool-team.h"

enum { RNG_INIT = 1, RNG_SHUFFLE = 2, RNG_VALSPLIT = 3, RNG_SHARD = 1000 };   /* rng streams (+ rank) */

static const char *opt_out, *opt_x = "x", *opt_y = "y", *opt_layers = "100",
	*opt_act = "relu", *opt_output, *opt_loss, *opt_init, *opt_optim = "adam",
	*opt_schedule = "constant", *opt_val, *opt_monitor = "loss", *opt_task,
	*opt_checkpoint, *opt_resume, *opt_log, *opt_log_format = "tsv", *opt_shards;
static long long opt_epochs = 10, opt_batch = 128, opt_seed, opt_threads, opt_level = 3,
	opt_patience, opt_ckpt_every = 1;
static double opt_lr = -1, opt_momentum = 0.9, opt_beta1 = 0.9, opt_beta2 = 0.999,
	opt_eps = 1e-8, opt_wd = -1, opt_clip, opt_warmup, opt_step_size = 1, opt_gamma = 0.1,
	opt_min_lr, opt_val_size, opt_min_delta;
static int opt_nesterov, opt_no_shuffle, opt_dry_run, opt_progress, opt_verbose, opt_mpi;

static const nn_option options[] = {
	NN_OPT_OUTPUT(&opt_out),
	{ 0, "x", NN_OPT_STR, &opt_x, "NAME", "feature field (default x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &opt_y, "NAME", "label field (default y)", 0, 0 },
	{ 0, "task", NN_OPT_STR, &opt_task, "T", "classification or regression (default: from the label's dtype)", 0, 0 },
	{ 0, "layers", NN_OPT_STR, &opt_layers, "N,N,...", "hidden layer widths, or none (default 100)", 0, 0 },
	{ 0, "activation", NN_OPT_STR, &opt_act, "A[,A...]", "relu, tanh, sigmoid, leaky-relu, gelu, identity: one for all or one per hidden layer (default relu)", 0, 0 },
	{ 0, "output-activation", NN_OPT_STR, &opt_output, "F", "softmax, sigmoid or linear (default: from the task)", 0, 0 },
	{ 0, "loss", NN_OPT_STR, &opt_loss, "L", "ce, bce or mse (default: from the task)", 0, 0 },
	{ 0, "init", NN_OPT_STR, &opt_init, "I", "he or xavier (default: he for relu-like, xavier otherwise)", 0, 0 },
	{ 0, "epochs", NN_OPT_INT, &opt_epochs, "N", "passes over the training set (default 10)", 1, 1e9 },
	{ 0, "batch-size", NN_OPT_INT, &opt_batch, "N", "rows per update (default 128)", 1, 1 << 20 },
	{ 0, "optimizer", NN_OPT_STR, &opt_optim, "O", "sgd, momentum, adam or adamw (default adam)", 0, 0 },
	{ 0, "lr", NN_OPT_DOUBLE, &opt_lr, "R", "learning rate (default 0.001 for adam(w), 0.01 otherwise)", 0, 1e6 },
	{ 0, "momentum", NN_OPT_DOUBLE, &opt_momentum, "M", "momentum factor (default 0.9)", 0, 1 },
	{ 0, "nesterov", NN_OPT_FLAG, &opt_nesterov, NULL, "Nesterov momentum", 0, 0 },
	{ 0, "beta1", NN_OPT_DOUBLE, &opt_beta1, "B", "adam's first-moment decay (default 0.9)", 0, 0.999999 },
	{ 0, "beta2", NN_OPT_DOUBLE, &opt_beta2, "B", "adam's second-moment decay (default 0.999)", 0, 0.999999999 },
	{ 0, "eps", NN_OPT_DOUBLE, &opt_eps, "E", "adam's epsilon (default 1e-8)", 0, 1 },
	{ 0, "weight-decay", NN_OPT_DOUBLE, &opt_wd, "W", "L2 penalty; decoupled for adamw (default 0, adamw 0.01)", 0, 1e3 },
	{ 0, "clip-norm", NN_OPT_DOUBLE, &opt_clip, "N", "scale gradients to at most this L2 norm (default off)", 0, 1e12 },
	{ 0, "schedule", NN_OPT_STR, &opt_schedule, "S", "learning rate: constant, step or cosine (default constant)", 0, 0 },
	{ 0, "warmup", NN_OPT_DOUBLE, &opt_warmup, "EPOCHS", "linear warm-up over this many epochs (default 0)", 0, 1e9 },
	{ 0, "step-size", NN_OPT_DOUBLE, &opt_step_size, "EPOCHS", "step schedule: epochs between decays (default 1)", 1e-9, 1e9 },
	{ 0, "gamma", NN_OPT_DOUBLE, &opt_gamma, "G", "step schedule: decay factor (default 0.1)", 0, 1 },
	{ 0, "min-lr", NN_OPT_DOUBLE, &opt_min_lr, "R", "cosine schedule: final learning rate (default 0)", 0, 1e6 },
	{ 0, "val", NN_OPT_STR, &opt_val, "FILE", "validation stream", 0, 0 },
	{ 0, "val-size", NN_OPT_DOUBLE, &opt_val_size, "F", "hold out this fraction (<1) or count (>=1) for validation", 0, 9e15 },
	{ 0, "patience", NN_OPT_INT, &opt_patience, "N", "stop after N epochs without improvement; keep the best (default off)", 0, 1e9 },
	{ 0, "min-delta", NN_OPT_DOUBLE, &opt_min_delta, "D", "smallest change that counts as improvement (default 0)", 0, 1e12 },
	{ 0, "monitor", NN_OPT_STR, &opt_monitor, "M", "what --patience watches: loss or accuracy (default loss)", 0, 0 },
	{ 0, "no-shuffle", NN_OPT_FLAG, &opt_no_shuffle, NULL, "visit rows in input order every epoch", 0, 0 },
	{ 0, "checkpoint", NN_OPT_STR, &opt_checkpoint, "FILE", "write the training state to FILE atomically", 0, 0 },
	{ 0, "checkpoint-every", NN_OPT_INT, &opt_ckpt_every, "N", "epochs between checkpoints (default 1)", 1, 1e9 },
	{ 0, "resume", NN_OPT_STR, &opt_resume, "FILE", "continue from a checkpoint", 0, 0 },
	{ 0, "log", NN_OPT_STR, &opt_log, "FILE", "write one line per epoch to FILE", 0, 0 },
	{ 0, "log-format", NN_OPT_STR, &opt_log_format, "F", "tsv or json (default tsv)", 0, 0 },
	{ 0, "mpi", NN_OPT_FLAG, &opt_mpi, NULL, "data-parallel training over the ranks of mpirun", 0, 0 },
	{ 0, "shard-pattern", NN_OPT_STR, &opt_shards, "PAT", "with --mpi: rank r reads shards r, r+N, ... of PAT (printf %d)", 0, 0 },
	{ 0, "dry-run", NN_OPT_FLAG, &opt_dry_run, NULL, "print size, memory, FLOPs and estimated time; train nothing", 0, 0 },
	{ 0, "progress", NN_OPT_FLAG, &opt_progress, NULL, "progress bar even when stderr is not a terminal", 0, 0 },
	{ 'v', "verbose", NN_OPT_FLAG, &opt_verbose, NULL, "also print the BLAS kernels and the model's size", 0, 0 },
	NN_OPT_SEED(&opt_seed),
	{ 0, "threads", NN_OPT_INT, &opt_threads, "N", "threads (default: every processor)", 1, 256 },
	NN_OPT_LEVEL(&opt_level),
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

/* --- data ---------------------------------------------------------------- */

typedef struct {
	const char *path;
	size_t n, d;             /* rows, features per row */
	float *x;                /* [n x d] */
	size_t k;                /* target values per row */
	float *t;                /* [n x k]: regression targets, or soft labels */
	int32_t *cls;            /* [n]: class of each row (classification) */
	uint32_t crc;            /* CRC-32 of the x and y bytes as read */
} dataset;

typedef struct {
	int classification, soft;
	size_t nclasses;
	char **classes;          /* names from the stream, or NULL */
	size_t ntargets;         /* regression */
	nn_dtype x_dtype;
	int x_ndim;
	uint64_t x_shape[NN_MAX_DIMS];
} task;

static size_t find_field(const nn_schema *s, const char *name, const char *path)
{
	int f = nn_schema_find(s, name);
	if (f < 0)
		tool_die(TOOL_EXIT_DATA, tool_name(path), "no field '%s' (use --x/--y to name the fields)", name);
	return (size_t)f;
}

/* What the stream says the task is.  first: the training stream. */
static void read_task(const nn_schema *s, const char *path, task *t)
{
	const nn_field *fx = &s->fields[find_field(s, opt_x, path)];
	const nn_field *fy = &s->fields[find_field(s, opt_y, path)];
	if (fx->dtype == NN_U64 || fx->dtype == NN_I64)
		tool_die(TOOL_EXIT_DATA, tool_name(path), "field '%s': %s features are not supported; convert them",
		         fx->name, nn_dtype_name(fx->dtype));
	t->x_dtype = fx->dtype;
	t->x_ndim = fx->ndim;
	memcpy(t->x_shape, fx->shape, sizeof t->x_shape);
	int is_float = nn_dtype_is_float(fy->dtype);
	t->soft = is_float && fy->nclasses && fy->ndim == 1;
	t->classification = opt_task ? !strcmp(opt_task, "classification") : !is_float || t->soft;
	if (t->classification && is_float && !t->soft)
		tool_die(TOOL_EXIT_DATA, tool_name(path), "field '%s': float labels cannot be classes "
		         "(integer labels, or float [C] with class names)", fy->name);
	if (t->classification && !t->soft && fy->row_elems != 1)
		tool_die(TOOL_EXIT_DATA, tool_name(path), "field '%s': one class per row expected, not %zu values",
		         fy->name, fy->row_elems);
	t->nclasses = t->classification ? fy->nclasses : 0;
	t->classes = t->classification ? fy->classes : NULL;
	t->ntargets = t->classification ? 0 : fy->row_elems;
}

/* Read a whole stream into memory as f32, checking every value. */
static void load(nn_reader *r, const char *path, const task *t, dataset *ds)
{
	const nn_schema *s = nn_reader_schema(r);
	size_t fx = find_field(s, opt_x, path), fy = find_field(s, opt_y, path);
	const nn_field *X = &s->fields[fx], *Y = &s->fields[fy];
	nn_error err = { 0 };
	const nn_batch *b;
	size_t cap = 0;

	ds->path = path;
	ds->d = X->row_elems;
	ds->k = t->classification ? (t->soft ? Y->row_elems : 0) : Y->row_elems;
	ds->crc = (uint32_t)crc32_z(0, NULL, 0);
	while (tool_next(r, path, &b)) {
		if (ds->n + b->rows > cap) {
			cap = (ds->n + b->rows) * 3 / 2 + 1024;
			ds->x = tool_realloc(ds->x, cap * ds->d * sizeof(float));
			if (ds->k)
				ds->t = tool_realloc(ds->t, cap * ds->k * sizeof(float));
			if (t->classification)
				ds->cls = tool_realloc(ds->cls, cap * sizeof(int32_t));
		}
		ds->crc = (uint32_t)crc32_z(ds->crc, b->col[fx], b->rows * X->row_bytes);
		ds->crc = (uint32_t)crc32_z(ds->crc, b->col[fy], b->rows * Y->row_bytes);
		float *xs = ds->x + ds->n * ds->d;
		if (nn_convert(xs, NN_F32, b->col[fx], X->dtype, b->rows * ds->d, &err))
			tool_die_err(tool_name(path), &err);
		for (size_t i = 0; i < b->rows * ds->d; i++)
			if (!isfinite(xs[i]))
				tool_die(TOOL_EXIT_DATA, tool_name(path), "row %zu: field '%s' holds %s "
				         "(nn-clean --nonfinite drops or fills such rows)", ds->n + i / ds->d + 1,
				         X->name, isnan(xs[i]) ? "NaN" : "an infinity");
		if (ds->k) {
			float *ts = ds->t + ds->n * ds->k;
			if (nn_convert(ts, NN_F32, b->col[fy], Y->dtype, b->rows * ds->k, &err))
				tool_die_err(tool_name(path), &err);
			for (size_t i = 0; i < b->rows * ds->k; i++)
				if (!isfinite(ts[i]))
					tool_die(TOOL_EXIT_DATA, tool_name(path), "row %zu: label '%s' is %s "
					         "(nn-clean drops rows with missing labels)", ds->n + i / ds->k + 1,
					         Y->name, isnan(ts[i]) ? "NaN" : "infinite");
		}
		for (size_t i = 0; t->classification && i < b->rows; i++) {
			double v;
			if (t->soft) {        /* the class with the most weight */
				const float *ti = ds->t + (ds->n + i) * ds->k;
				size_t best = 0;
				for (size_t j = 1; j < ds->k; j++)
					best = ti[j] > ti[best] ? j : best;
				v = (double)best;
			} else {
				v = nn_load_f64(b->col[fy], Y->dtype, i);
			}
			if (v < 0 || v >= NN_MAX_CLASSES || (t->nclasses && v >= (double)t->nclasses))
				tool_die(TOOL_EXIT_DATA, tool_name(path), "row %zu: label %.17g is not a class%s",
				         ds->n + i + 1, v, t->nclasses ? " of the model" : " (0 to 65535)");
			ds->cls[ds->n + i] = (int32_t)v;
		}
		ds->n += b->rows;
	}
}

/* --- the run's configuration ----------------------------------------------- */

static size_t split_list(const char *s, char parts[][32], size_t max, const char *opt)
{
	size_t n = 0;
	const char *p = s;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (n == max || len == 0 || len >= 32)
			tool_usage("--%s '%s': expected a comma-separated list of at most %zu items", opt, s, max);
		memcpy(parts[n], p, len);
		parts[n++][len] = 0;
		p += len + (comma ? 1 : 0);
		if (comma && !*p)
			tool_usage("--%s '%s': empty item", opt, s);
	}
	return n;
}

/* Widths and functions of the network from the options and the task. */
static nn_mlp *build_mlp(const task *t, size_t inputs, nn_error *err)
{
	char parts[NN_MLP_MAX_LAYERS][32];
	size_t width[NN_MLP_MAX_LAYERS + 1];
	enum nn_act act[NN_MLP_MAX_LAYERS];
	size_t hidden = strcmp(opt_layers, "none") ? split_list(opt_layers, parts, NN_MLP_MAX_LAYERS - 1, "layers") : 0;

	width[0] = inputs;
	for (size_t i = 0; i < hidden; i++) {
		long long v;
		if (nn_parse_ll(parts[i], 1, 1 << 24, &v))
			tool_usage("--layers: '%s' is not a width from 1 to 16777216 (or give none)", parts[i]);
		width[i + 1] = (size_t)v;
	}
	char acts[NN_MLP_MAX_LAYERS][32];
	size_t nact = split_list(opt_act, acts, NN_MLP_MAX_LAYERS, "activation");
	if (nact != 1 && nact != hidden)
		tool_usage("--activation: %zu names for %zu hidden layers (give one, or one per layer)", nact, hidden);
	for (size_t i = 0; i < hidden; i++)
		if (nn_act_parse(acts[nact == 1 ? 0 : i], &act[i]))
			tool_usage("--activation: '%s' is not relu, tanh, sigmoid, leaky-relu, gelu or identity",
			           acts[nact == 1 ? 0 : i]);

	enum nn_loss loss = t->classification ? (t->nclasses == 2 ? NN_LOSS_BCE : NN_LOSS_CE) : NN_LOSS_MSE;
	if (opt_loss && nn_loss_parse(opt_loss, &loss))
		tool_usage("--loss: '%s' is not ce, bce or mse", opt_loss);
	if (!t->classification && loss != NN_LOSS_MSE)
		tool_usage("--loss %s: regression takes mse", nn_loss_name(loss));
	enum nn_output out = loss == NN_LOSS_CE ? NN_OUT_SOFTMAX : loss == NN_LOSS_BCE ? NN_OUT_SIGMOID :
	                     t->classification ? NN_OUT_SIGMOID : NN_OUT_LINEAR;
	if (opt_output && nn_output_parse(opt_output, &out))
		tool_usage("--output-activation: '%s' is not softmax, sigmoid or linear", opt_output);
	size_t outputs = t->classification ? t->nclasses : t->ntargets;
	/* Two classes: one output, P(class 1), unless softmax was asked for. */
	if (t->classification && t->nclasses == 2 && out == NN_OUT_SIGMOID && !t->soft)
		outputs = 1;
	width[hidden + 1] = outputs;
	return nn_mlp_new((int)hidden + 1, width, act, out, loss, err);
}

static enum nn_init pick_init(const nn_mlp *m)
{
	enum nn_init init = m->nlayers > 1 && (m->act[0] == NN_ACT_TANH || m->act[0] == NN_ACT_SIGMOID) ?
	                    NN_INIT_XAVIER : NN_INIT_HE;
	if (opt_init && nn_init_parse(opt_init, &init))
		tool_usage("--init: '%s' is not he or xavier", opt_init);
	return init;
}

static void optim_config(nn_optim_config *c, size_t steps_per_epoch)
{
	enum nn_optim_kind kind;
	enum nn_schedule sched;
	if (nn_optim_parse(opt_optim, &kind))
		tool_usage("--optimizer: '%s' is not sgd, momentum, adam or adamw", opt_optim);
	if (nn_schedule_parse(opt_schedule, &sched))
		tool_usage("--schedule: '%s' is not constant, step or cosine", opt_schedule);
	nn_optim_defaults(c, kind);
	if (opt_lr >= 0)
		c->lr = opt_lr;
	if (opt_wd >= 0)
		c->weight_decay = opt_wd;
	c->momentum = opt_momentum;
	c->nesterov = opt_nesterov;
	c->beta1 = opt_beta1;
	c->beta2 = opt_beta2;
	c->eps = opt_eps;
	c->clip_norm = opt_clip;
	c->schedule = sched;
	c->warmup = (uint64_t)llround(opt_warmup * (double)steps_per_epoch);
	c->step_every = (uint64_t)llround(opt_step_size * (double)steps_per_epoch);
	c->step_every = c->step_every ? c->step_every : 1;
	c->gamma = opt_gamma;
	uint64_t total = (uint64_t)opt_epochs * steps_per_epoch;
	c->total = total > c->warmup ? total - c->warmup : 1;
	c->min_lr = opt_min_lr;
}

/* --- held-out validation ------------------------------------------------------ */

/* Move a stratified, seeded sample of rows to val: how many of each class
 * is nn_stratify's rounding (val the first block, so that ties go to the
 * lower class), the total exactly ceil(F n) or the count asked for. */
static void hold_out(dataset *tr, dataset *val, const task *t)
{
	size_t n = tr->n, want = opt_val_size < 1 ? (size_t)ceil(opt_val_size * (double)n) : (size_t)opt_val_size;
	if (want == 0 || want >= n)
		tool_die(TOOL_EXIT_DATA, tool_name(tr->path), "--val-size %g of %zu rows leaves no %s",
		         opt_val_size, n, want ? "training rows" : "validation rows");
	uint64_t *order = tool_alloc(n * sizeof *order);
	unsigned char *is_val = tool_alloc(n);
	nn_rng rng;
	nn_rng_seed(&rng, (uint64_t)opt_seed, RNG_VALSPLIT);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	nn_rng_shuffle(&rng, order, n);
	if (!t->classification) {
		for (size_t i = 0; i < want; i++)
			is_val[order[i]] = 1;
	} else {
		size_t nc = t->nclasses;
		uint64_t *count = tool_alloc(nc * sizeof *count), *alloc = tool_alloc(nc * 2 * sizeof *alloc);
		uint64_t sizes[2] = { want, n - want };
		nn_error err = { 0 };
		for (size_t i = 0; i < n; i++)
			count[tr->cls[i]]++;
		if (nn_stratify(count, nc, sizes, 2, alloc, &err))
			tool_die_err(tool_name(tr->path), &err);
		for (size_t i = 0; i < n; i++) {   /* alloc[2c]: class c's rows in val */
			size_t c = (size_t)tr->cls[order[i]];
			if (alloc[2 * c]) {
				alloc[2 * c]--;
				is_val[order[i]] = 1;
			}
		}
		free(count);
		free(alloc);
	}
	/* Both sets keep input order. */
	*val = *tr;
	val->path = tr->path;
	val->x = tool_alloc(want * tr->d * sizeof(float));
	val->t = tr->k ? tool_alloc(want * tr->k * sizeof(float)) : NULL;
	val->cls = tr->cls ? tool_alloc(want * sizeof(int32_t)) : NULL;
	size_t a = 0, v = 0;
	for (size_t i = 0; i < n; i++) {
		dataset *to = is_val[i] ? val : tr;
		size_t j = is_val[i] ? v++ : a++;
		memmove(to->x + j * tr->d, tr->x + i * tr->d, tr->d * sizeof(float));
		if (tr->k)
			memmove(to->t + j * tr->k, tr->t + i * tr->k, tr->k * sizeof(float));
		if (tr->cls)
			to->cls[j] = tr->cls[i];
	}
	tr->n = a;
	val->n = v;
	free(order);
	free(is_val);
}

/* --- training state -------------------------------------------------------- */

typedef struct {
	nn_mlp *net;
	nn_optim *opt;
	float *grad;
	float *best;             /* parameters of the best epoch (with --patience) */
	uint64_t epoch;          /* epochs completed */
	uint64_t batch;          /* batches completed in the current epoch */
	nn_rng shuffle;          /* the shuffling generator at the epoch's start */
	double epoch_loss;       /* sum of batch losses x rows, this epoch so far */
	uint64_t epoch_rows;
	double best_metric;
	uint64_t best_epoch, bad_epochs;
	int has_best, done;      /* done: early stopping ended the run */
} state;

/* Dense targets for rows idx[0..rows) [rows x outputs]. */
static void make_targets(const nn_mlp *net, const dataset *ds, const uint64_t *idx, size_t rows,
                         int classification, float *t)
{
	size_t out = net->width[net->nlayers];
	for (size_t i = 0; i < rows; i++) {
		size_t r = idx ? idx[i] : i;
		float *ti = t + i * out;
		if (classification && out == 1) {
			ti[0] = (float)ds->cls[r];
		} else if (ds->k) {
			memcpy(ti, ds->t + r * ds->k, out * sizeof *ti);
		} else {
			memset(ti, 0, out * sizeof *ti);
			ti[ds->cls[r]] = 1;
		}
	}
}

static size_t predicted_class(const float *p, size_t out)
{
	if (out == 1)
		return p[0] >= 0.5f;
	size_t best = 0;
	for (size_t j = 1; j < out; j++)
		best = p[j] > p[best] ? j : best;
	return best;
}

/* Mean loss and accuracy (classification) over a whole set. */
static void evaluate(const nn_mlp *net, nn_mlp_work *w, size_t chunk, const dataset *ds,
                     int classification, float *tbuf, double *loss, double *acc)
{
	size_t out = net->width[net->nlayers], right = 0;
	double sum = 0;
	for (size_t start = 0; start < ds->n; start += chunk) {
		size_t rows = ds->n - start < chunk ? ds->n - start : chunk;
		const float *p = nn_mlp_forward(net, w, ds->x + start * ds->d, rows);
		dataset view = *ds;              /* the chunk's rows from 0 */
		view.t = ds->t ? ds->t + start * ds->k : NULL;
		view.cls = ds->cls ? ds->cls + start : NULL;
		make_targets(net, &view, NULL, rows, classification, tbuf);
		sum += nn_mlp_loss(net, w, tbuf, rows) * (double)rows;
		for (size_t i = 0; classification && i < rows; i++)
			right += predicted_class(p + i * out, out) == (size_t)ds->cls[start + i];
	}
	*loss = sum / (double)ds->n;
	*acc = classification ? (double)right / (double)ds->n : NAN;
}

/* --- what a run records, and what a resumed run must match --------------------- */


/* The options that shape the run, as text: a resumed run must have the
 * same (the number of epochs may grow unless the schedule depends on it). */
/* The training data as a whole: with --shard-pattern, every rank's. */
static size_t sig_rows;
static uint32_t sig_crc;

static char **signature(const dataset *tr, const dataset *val, size_t *n)
{
	static char buf[40][96];
	static char *v[40];
	size_t k = 0;
	(void)tr;
#define SIG(...) (snprintf(buf[k], sizeof buf[k], __VA_ARGS__), v[k] = buf[k], k++)
	SIG("ranks=%d", tool_mpi_size);     /* first: read_resume names it */
	SIG("shard-pattern=%.80s", opt_shards ? opt_shards : "none");
	SIG("layers=%s", opt_layers);
	SIG("activation=%s", opt_act);
	SIG("output=%s", opt_output ? opt_output : "default");
	SIG("loss=%s", opt_loss ? opt_loss : "default");
	SIG("init=%s", opt_init ? opt_init : "default");
	SIG("task=%s", opt_task ? opt_task : "default");
	SIG("x=%.80s", opt_x);
	SIG("y=%.80s", opt_y);
	SIG("optimizer=%s", opt_optim);
	SIG("lr=%.17g", opt_lr);
	SIG("momentum=%.17g", opt_momentum);
	SIG("nesterov=%d", opt_nesterov);
	SIG("beta1=%.17g", opt_beta1);
	SIG("beta2=%.17g", opt_beta2);
	SIG("eps=%.17g", opt_eps);
	SIG("weight-decay=%.17g", opt_wd);
	SIG("clip-norm=%.17g", opt_clip);
	SIG("schedule=%s", opt_schedule);
	SIG("warmup=%.17g", opt_warmup);
	SIG("step-size=%.17g", opt_step_size);
	SIG("gamma=%.17g", opt_gamma);
	SIG("min-lr=%.17g", opt_min_lr);
	if (!strcmp(opt_schedule, "cosine"))
		SIG("epochs=%lld", opt_epochs);
	SIG("batch-size=%lld", opt_batch);
	SIG("seed=%lld", opt_seed);
	SIG("val-size=%.17g", opt_val_size);
	SIG("patience=%lld", opt_patience);
	SIG("min-delta=%.17g", opt_min_delta);
	SIG("monitor=%s", opt_monitor);
	SIG("no-shuffle=%d", opt_no_shuffle);
	SIG("training data=%zu rows, crc32 %08x", sig_rows, sig_crc);
	SIG("validation data=%zu rows, crc32 %08x", val->n, val->crc);
#undef SIG
	*n = k;
	return v;
}

/* The "training" map of the model (and, with st, of a checkpoint). */
static void pack_training(msgpack_sbuffer *sb, const state *st_resume, const state *st,
                          const dataset *tr, const dataset *val, double tl, double vl, double va)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	int bad = msgpack_pack_map(&pk, (st_resume ? 14 : 13) + (opt_mpi ? 1 : 0));
	bad |= nn_pack_str(&pk, "threads") | msgpack_pack_int64(&pk, nn_blas_threads());
	if (opt_mpi)      /* batch_size is per rank: ranks x batch_size rows per step */
		bad |= nn_pack_str(&pk, "ranks") | msgpack_pack_int64(&pk, tool_mpi_size);
	bad |= nn_pack_str(&pk, "optimizer") | nn_pack_str(&pk, nn_optim_name(st->opt->cfg.kind));
	bad |= nn_pack_str(&pk, "lr") | msgpack_pack_double(&pk, st->opt->cfg.lr);
	bad |= nn_pack_str(&pk, "batch_size") | msgpack_pack_int64(&pk, opt_batch);
	bad |= nn_pack_str(&pk, "seed") | msgpack_pack_int64(&pk, opt_seed);
	bad |= nn_pack_str(&pk, "epochs") | msgpack_pack_uint64(&pk, st->epoch);
	bad |= nn_pack_str(&pk, "steps") | msgpack_pack_uint64(&pk, st->opt->step);
	bad |= nn_pack_str(&pk, "best_epoch") | msgpack_pack_uint64(&pk, st->has_best ? st->best_epoch : st->epoch);
	bad |= nn_pack_str(&pk, "train_rows") | msgpack_pack_uint64(&pk, sig_rows);
	char crc[16];
	snprintf(crc, sizeof crc, "%08x", sig_crc);
	bad |= nn_pack_str(&pk, "train_crc32") | nn_pack_str(&pk, crc);
	bad |= nn_pack_str(&pk, "val_rows") | msgpack_pack_uint64(&pk, val->n);
	bad |= nn_pack_str(&pk, "flops_per_row") | msgpack_pack_double(&pk, nn_mlp_flops_train(st->net));
	bad |= nn_pack_str(&pk, "final") | msgpack_pack_map(&pk, 3);
	bad |= nn_pack_str(&pk, "train_loss") | msgpack_pack_double(&pk, tl);
	bad |= nn_pack_str(&pk, "val_loss") | (isnan(vl) ? msgpack_pack_nil(&pk) : msgpack_pack_double(&pk, vl));
	bad |= nn_pack_str(&pk, "val_accuracy") | (isnan(va) ? msgpack_pack_nil(&pk) : msgpack_pack_double(&pk, va));
	if (st_resume) {
		size_t n;
		char **sig = signature(tr, val, &n);
		bad |= nn_pack_str(&pk, "resume") | msgpack_pack_map(&pk, 10);
		bad |= nn_pack_str(&pk, "signature") | msgpack_pack_array(&pk, n);
		for (size_t i = 0; i < n; i++)
			bad |= nn_pack_str(&pk, sig[i]);
		bad |= nn_pack_str(&pk, "epoch") | msgpack_pack_uint64(&pk, st->epoch);
		bad |= nn_pack_str(&pk, "batch") | msgpack_pack_uint64(&pk, st->batch);
		bad |= nn_pack_str(&pk, "step") | msgpack_pack_uint64(&pk, st->opt->step);
		bad |= nn_pack_str(&pk, "rng") | msgpack_pack_array(&pk, 4);
		for (int i = 0; i < 4; i++)
			bad |= msgpack_pack_uint64(&pk, st->shuffle.s[i]);
		bad |= nn_pack_str(&pk, "epoch_loss") | msgpack_pack_double(&pk, st->epoch_loss);
		bad |= nn_pack_str(&pk, "epoch_rows") | msgpack_pack_uint64(&pk, st->epoch_rows);
		bad |= nn_pack_str(&pk, "best_metric") | msgpack_pack_double(&pk, st->best_metric);
		bad |= nn_pack_str(&pk, "best_epoch") | msgpack_pack_uint64(&pk, st->best_epoch);
		bad |= nn_pack_str(&pk, "bad_epochs") | msgpack_pack_uint64(&pk, st->bad_epochs);
	}
	if (bad)
		tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
}

/* --- model and checkpoint files ------------------------------------------------ */

static nn_model model_of(nn_mlp *net, const task *t, unsigned char *training, size_t len)
{
	nn_model m = { 0 };
	m.mlp = net;
	m.x_name = (char *)opt_x;
	m.x_dtype = t->x_dtype;
	m.x_ndim = t->x_ndim;
	memcpy(m.x_shape, t->x_shape, sizeof m.x_shape);
	m.y_name = (char *)opt_y;
	m.classification = t->classification;
	m.nclasses = t->nclasses;
	m.classes = t->classes;
	m.training = training;
	m.training_len = len;
	return m;
}

/* Extra checkpoint fields: each parameter tensor's optimizer moments and
 * best-epoch copy, named "layer0.weight.m", "layer0.weight.v",
 * "layer0.weight.best". */
static const char *const extra_names[3] = { "m", "v", "best" };

static float *extra_block(const state *st, int e)
{
	return e == 0 ? st->opt->m : e == 1 ? st->opt->v : st->has_best ? st->best : NULL;
}

static void write_checkpoint(const state *st, const task *t, const dataset *tr, const dataset *val,
                             int argc, char **argv)
{
	msgpack_sbuffer sb;
	nn_error err = { 0 };
	msgpack_sbuffer_init(&sb);
	pack_training(&sb, st, st, tr, val, NAN, NAN, NAN);
	nn_model m = model_of(st->net, t, (unsigned char *)sb.data, sb.size);
	nn_schema *s = nn_model_schema(&m, "checkpoint", &err);
	if (!s)
		tool_die_err(opt_checkpoint, &err);
	const nn_mlp *net = st->net;
	const void **cols = tool_alloc((size_t)net->nlayers * 8 * sizeof *cols);
	nn_model_columns(&m, cols);
	size_t nc = (size_t)net->nlayers * 2;
	for (int e = 0; e < 3; e++) {
		float *block = extra_block(st, e);
		for (int l = 0; block && l < net->nlayers; l++)
			for (int b = 0; b < 2; b++) {
				char name[80];
				uint64_t shape[2] = { net->width[l + 1], net->width[l] };
				snprintf(name, sizeof name, "layer%d.%s.%s", l, b ? "bias" : "weight", extra_names[e]);
				if (nn_schema_add_field(s, name, NN_F32, b ? 1 : 2, shape, &err))
					tool_die_err(opt_checkpoint, &err);
				cols[nc++] = block + (b ? net->boff[l] : net->woff[l]);
			}
	}
	tool_provenance_except(s, argc, argv, not_in_provenance);
	tool_save_row(opt_checkpoint, s, cols, 1);
	nn_schema_free(s);
	free(cols);
	msgpack_sbuffer_destroy(&sb);
}

/* Find "resume" in a checkpoint's training map and restore the state. */
static void read_resume(const nn_model *m, state *st, const dataset *tr, const dataset *val)
{
	const char *name = opt_resume;
	nn_error err = { 0 };
	nn_mp c = { m->training, m->training + m->training_len };
	size_t n, k;
	if (!m->training || nn_mp_map(&c, &n, "training", &err))
		tool_die(TOOL_EXIT_DATA, name, "not a checkpoint: no training state");
	for (size_t i = 0; i < n; i++) {
		if (!nn_mp_str_is(&c, "resume")) {
			if (nn_mp_skip(&c, &err) || nn_mp_skip(&c, &err))
				tool_die_err(name, &err);
			continue;
		}
		nn_mp_skip(&c, &err);
		if (nn_mp_map(&c, &k, "resume", &err))
			tool_die_err(name, &err);
		for (size_t j = 0; j < k; j++) {
			const char *key;
			size_t len, ns;
			if (nn_mp_str(&c, &key, &len, "resume key", &err))
				tool_die_err(name, &err);
#define IS(s) (len == strlen(s) && !memcmp(key, s, len))
			int bad = 0;
			if (IS("signature")) {
				size_t want;
				char **sig = signature(tr, val, &want);
				bad = nn_mp_array(&c, &ns, "signature", &err);
				for (size_t q = 0; !bad && q < ns; q++) {
					const char *v;
					size_t vl;
					bad = nn_mp_str(&c, &v, &vl, "signature", &err);
					if (!bad && q == 0 && vl > 6 && !memcmp(v, "ranks=", 6) &&
					    (vl != strlen(sig[0]) || memcmp(v, sig[0], vl)))
						tool_die(TOOL_EXIT_DATA, name, "made by %.*s rank(s), this run has %d: resume with "
						         "as many (mpirun -np %.*s ... --mpi; one process for 1)", (int)vl - 6, v + 6,
						         tool_mpi_size, (int)vl - 6, v + 6);
					if (!bad && (q >= want || vl != strlen(sig[q]) || memcmp(v, sig[q], vl)))
						tool_die(TOOL_EXIT_DATA, name, "made with other options or data: "
						         "checkpoint has %.*s, this run %s", (int)vl, v,
						         q < want ? sig[q] : "nothing");
				}
				if (!bad && ns != want)
					tool_die(TOOL_EXIT_DATA, name, "made with other options: this run has %s", sig[ns < want ? ns : 0]);
			} else if (IS("epoch")) {
				bad = nn_mp_uint(&c, &st->epoch, "epoch", &err);
			} else if (IS("batch")) {
				bad = nn_mp_uint(&c, &st->batch, "batch", &err);
			} else if (IS("step")) {
				bad = nn_mp_uint(&c, &st->opt->step, "step", &err);
			} else if (IS("rng")) {
				bad = nn_mp_array(&c, &ns, "rng", &err) || ns != 4;
				for (int q = 0; !bad && q < 4; q++)
					bad = nn_mp_uint(&c, &st->shuffle.s[q], "rng", &err);
			} else if (IS("epoch_loss")) {
				bad = nn_mp_number(&c, &st->epoch_loss, "epoch_loss", &err);
			} else if (IS("epoch_rows")) {
				bad = nn_mp_uint(&c, &st->epoch_rows, "epoch_rows", &err);
			} else if (IS("best_metric")) {
				bad = nn_mp_number(&c, &st->best_metric, "best_metric", &err);
			} else if (IS("best_epoch")) {
				bad = nn_mp_uint(&c, &st->best_epoch, "best_epoch", &err);
			} else if (IS("bad_epochs")) {
				bad = nn_mp_uint(&c, &st->bad_epochs, "bad_epochs", &err);
			} else {
				bad = nn_mp_skip(&c, &err);
			}
#undef IS
			if (bad)
				tool_die(TOOL_EXIT_DATA, name, "bad training state%s%s", err.msg[0] ? ": " : "", err.msg);
		}
		return;
	}
	tool_die(TOOL_EXIT_DATA, name, "a model, not a checkpoint: nothing to resume");
}

static void resume(state *st, const task *t, const dataset *tr, const dataset *val)
{
	nn_reader *r = tool_reader(opt_resume);
	const nn_schema *s = nn_reader_schema(r);
	const nn_batch *b = NULL;
	nn_error err = { 0 };
	if (strcmp(s->kind, "checkpoint"))
		tool_die(TOOL_EXIT_DATA, opt_resume, "not a checkpoint (kind '%s')", s->kind);
	if (tool_next(r, opt_resume, &b) != 1)
		tool_die(TOOL_EXIT_DATA, opt_resume, "no parameters");
	nn_model *m = nn_model_from(s, b, &err);
	if (!m)
		tool_die_err(opt_resume, &err);
	const nn_mlp *a = m->mlp, *want = st->net;
	if (a->width[0] != want->width[0])
		tool_die(TOOL_EXIT_DATA, opt_resume, "the model takes %zu features; '%s' in the training data has %zu",
		         a->width[0], opt_x, want->width[0]);
	if (a->nparams != want->nparams || a->nlayers != want->nlayers ||
	    memcmp(a->width, want->width, sizeof a->width) || a->output != want->output || a->loss != want->loss)
		tool_die(TOOL_EXIT_DATA, opt_resume, "the checkpoint's network differs from the one the options make");
	(void)t;
	memcpy(st->net->params, a->params, a->nparams * sizeof(float));
	read_resume(m, st, tr, val);
	st->done = opt_patience && st->bad_epochs >= (uint64_t)opt_patience;
	for (int e = 0; e < 3; e++) {
		float *block = e == 0 ? st->opt->m : e == 1 ? st->opt->v : st->best;
		int found = 0;
		for (int l = 0; block && l < a->nlayers; l++)
			for (int bi = 0; bi < 2; bi++) {
				char name[80];
				snprintf(name, sizeof name, "layer%d.%s.%s", l, bi ? "bias" : "weight", extra_names[e]);
				int f = nn_schema_find(s, name);
				size_t count = bi ? a->width[l + 1] : a->width[l] * a->width[l + 1];
				if (f < 0 || s->fields[f].dtype != NN_F32 || s->fields[f].row_elems != count) {
					if (e == 2 && f < 0)
						continue;          /* no best epoch yet */
					tool_die(TOOL_EXIT_DATA, opt_resume, "field '%s' missing or of the wrong shape", name);
				}
				memcpy(block + (bi ? a->boff[l] : a->woff[l]), b->col[f], count * sizeof(float));
				found = 1;
			}
		if (e == 2)
			st->has_best = found;
	}
	const nn_batch *more;
	if (tool_next(r, opt_resume, &more))
		tool_die(TOOL_EXIT_DATA, opt_resume, "more than one row of parameters");
	nn_model_free(m);
	nn_reader_close(r);
}

/* --- the loop ------------------------------------------------------------------ */

static volatile sig_atomic_t stop_signal;
static double mpi_compute;           /* seconds in forward/backward, with --mpi */

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

static void log_epoch(FILE *log, int json, uint64_t epoch, double tl, double vl, double va, double lr,
                      double rate, double elapsed)
{
	char a[NN_FLOAT_CHARS], b[NN_FLOAT_CHARS], c[NN_FLOAT_CHARS], d[NN_FLOAT_CHARS];
	nn_format_f64(a, tl);
	nn_format_f64(b, vl);
	nn_format_f64(c, va);
	nn_format_f64(d, lr);
	if (json)
		fprintf(log, "{\"epoch\":%llu,\"train_loss\":%s,\"val_loss\":%s,\"val_accuracy\":%s,\"lr\":%s,"
		        "\"samples_per_s\":%.0f,\"elapsed_s\":%.3f}\n", (unsigned long long)epoch, a,
		        isnan(vl) ? "null" : b, isnan(va) ? "null" : c, d, rate, elapsed);
	else
		fprintf(log, "%llu\t%s\t%s\t%s\t%s\t%.0f\t%.3f\n", (unsigned long long)epoch, a, b, c, d, rate,
		        elapsed);
	if (fflush(log) || ferror(log))
		tool_die(TOOL_EXIT_DATA, opt_log, "write failed");
}

/* --- one step: the batch in SHARES shares, on a team of threads ---------
 * Every step (but with --mpi) splits the batch into SHARES equal shares
 * (the first the larger), whatever the number of threads: each share's
 * rows are gathered and their gradient computed into a buffer of its
 * own, with OpenBLAS on one thread; then the gradient is summed over the
 * shares, each weighted by its rows (the mean over the batch), and the
 * optimizer applied, range by range.  With --threads 2 the two shares
 * run at once, with 1 one after the other: the same operations, so the
 * same model bytes for any --threads.  (OpenBLAS's own threads on the
 * products of 128 rows reached about 0.6 of its two-thread sgemm rate on
 * two cores and made the bytes depend on the count; independent shares
 * reach about 0.8: README, Performance.)  With --clip-norm, which needs
 * the whole gradient's norm, the optimizer runs after the sum. */
#define SHARES 2
static int team_members = 1;        /* threads running the shares */
static int blas_threads = 1;        /* what the other products use */

struct team_step {
	state *st;
	const dataset *tr;
	const uint64_t *idx;              /* the batch's rows */
	size_t rows;
	int classification;
	size_t lo[SHARES + 1];            /* share k's rows: [lo[k], lo[k + 1]) */
	nn_mlp_work *w[SHARES];
	float *x[SHARES], *t[SHARES], *g[SHARES];   /* per share: rows, targets, gradient */
	double loss[SHARES];              /* per share: mean loss of its rows */
};

static void share_gradient(struct team_step *s, int k)
{
	const nn_mlp *net = s->st->net;
	size_t lo = s->lo[k], n = s->lo[k + 1] - lo, d = s->tr->d;

	for (size_t i = 0; i < n; i++)
		memcpy(s->x[k] + i * d, s->tr->x + s->idx[lo + i] * d, d * sizeof(float));
	make_targets(net, s->tr, s->idx + lo, n, s->classification, s->t[k]);
	s->loss[k] = n ? nn_mlp_gradient(net, s->w[k], s->x[k], s->t[k], n, s->g[k]) : 0;
}

/* Parameters [a, b) of the k-th of SHARES ranges: the sum into g[0] and
 * the update, in blocks that stay in cache from one to the other. */
static void share_update(struct team_step *s, int k)
{
	const nn_mlp *net = s->st->net;
	size_t np = net->nparams, a = np * (size_t)k / SHARES, b = np * (size_t)(k + 1) / SHARES;
	float *g0 = s->g[0], share[SHARES];

	for (int m = 0; m < SHARES; m++)
		share[m] = (float)((double)(s->lo[m + 1] - s->lo[m]) / (double)s->rows);
	for (size_t lo = a, hi; lo < b; lo = hi) {
		hi = b - lo > 4096 ? lo + 4096 : b;
		for (size_t i = lo; share[0] != 1 && i < hi; i++)   /* share 0 always has rows */
			g0[i] *= share[0];
		for (int m = 1; m < SHARES; m++)
			for (size_t i = lo; share[m] != 0 && i < hi; i++)
				g0[i] += share[m] * s->g[m][i];
		if (s->st->opt->cfg.clip_norm <= 0)
			nn_optim_update(s->st->opt, net->params, g0, lo, hi - lo);
	}
}

/* Member m of the team takes shares m, m + members, ... */
static void team_gradients(void *ctx, int m)
{
	for (int k = m; k < SHARES; k += team_members)
		share_gradient(ctx, k);
}

static void team_updates(void *ctx, int m)
{
	for (int k = m; k < SHARES; k += team_members)
		share_update(ctx, k);
}

/* The batch idx[0..rows): returns its mean loss. */
static double team_step_run(struct team_step *s, const uint64_t *idx, size_t rows)
{
	double loss = 0;
	size_t per = (rows + SHARES - 1) / SHARES;

	s->idx = idx;
	s->rows = rows;
	for (int k = 0; k <= SHARES; k++)
		s->lo[k] = (size_t)k * per < rows ? (size_t)k * per : rows;
	team_run(team_gradients, s);
	if (s->st->opt->cfg.clip_norm <= 0)
		nn_optim_begin(s->st->opt);
	team_run(team_updates, s);
	if (s->st->opt->cfg.clip_norm > 0)
		nn_optim_step(s->st->opt, s->st->net->params, s->g[0]);
	for (int k = 0; k < SHARES; k++)
		loss += s->loss[k] * (double)(s->lo[k + 1] - s->lo[k]);
	return loss / (double)rows;
}

static size_t epoch_steps;          /* steps per epoch, the same on every rank */

/* One data-parallel step: this rank's gradient weighted by its rows, summed
 * over the ranks (so that it is the mean over the global batch, even when
 * the last batch leaves some ranks fewer rows or none), and the same update
 * on every rank.  The rows, the loss and a stop request are summed with it:
 * *rows becomes the global batch's, *stop set when any rank was signalled. */
static double mpi_step(state *st, nn_mlp_work *w, const float *xb, const float *tb, size_t *rows, int *stop)
{
	const nn_mlp *net = st->net;
	double loss = 0, t0 = now();
	if (*rows)
		loss = nn_mlp_gradient(net, w, xb, tb, *rows, st->grad);
	else
		memset(st->grad, 0, net->nparams * sizeof(float));
	mpi_compute += now() - t0;
	double part[3] = { loss * (double)*rows, (double)*rows, *stop ? 1 : 0 };
	tool_mpi_sum_f64(part, 3);
	float share = (float)((double)*rows / part[1]);
	for (size_t i = 0; share != 1 && i < net->nparams; i++)
		st->grad[i] *= share;
	tool_mpi_sum_f32(st->grad, net->nparams);
	nn_optim_step(st->opt, net->params, st->grad);
	*rows = (size_t)part[1];
	*stop = part[2] > 0;
	return part[0] / part[1];
}

/* Identical weights on every rank, or the run is wrong: end it. */
static void same_weights(const nn_mlp *net, const char *when, uint64_t epoch)
{
	const char *fault = getenv("NN_MPI_FAULT");        /* the test suite's way to see the check work */
	if (fault && !strcmp(fault, "weights") && tool_mpi_rank == 1)
		net->params[0] = nextafterf(net->params[0], INFINITY);
	uint64_t crc = crc32_z(0, (const unsigned char *)net->params, net->nparams * sizeof(float));
	if (tool_mpi_same_u64(crc))
		return;
	if (tool_mpi_rank)
		tool_mpi_wait_for_abort();
	tool_die(TOOL_EXIT_DATA, NULL, "the ranks' weights differ %s %llu: stopping (ranks on different "
	         "CPUs or libraries?)", when, (unsigned long long)epoch);
}

static void train(state *st, const task *t, const dataset *tr, const dataset *val, FILE *log,
                  int argc, char **argv)
{
	const nn_mlp *net = st->net;
	/* One step takes G rows of the order: B per rank that shares it. */
	size_t ranks = opt_shards ? 1 : (size_t)tool_mpi_size, G = (size_t)opt_batch * ranks;
	size_t B = (size_t)opt_batch < tr->n ? (size_t)opt_batch : tr->n, out = net->width[net->nlayers];
	size_t chunk = B > 1024 ? B : 1024, steps = epoch_steps, mine = opt_shards ? 0 : (size_t)tool_mpi_rank;
	nn_error err = { 0 };
	nn_mlp_work *w = nn_mlp_work_new(net, chunk, &err);
	/* --mpi gathers a step's rows here; otherwise each share gathers its own */
	float *xb = opt_mpi ? tool_alloc(B * tr->d * sizeof(float)) : NULL;
	float *tb = tool_alloc(chunk * out * sizeof(float));
	uint64_t *order = tool_alloc(tr->n * sizeof *order);
	struct team_step ts = { .st = st, .tr = tr, .classification = t->classification };
	if (!opt_mpi) {
		size_t per = (B + SHARES - 1) / SHARES;
		for (int k = 0; k < SHARES; k++) {
			if (!(ts.w[k] = nn_mlp_work_new(net, per, &err)))
				tool_die_err(NULL, &err);
			ts.x[k] = tool_alloc(per * tr->d * sizeof(float));
			ts.t[k] = tool_alloc(per * out * sizeof(float));
			ts.g[k] = k ? tool_alloc(net->nparams * sizeof(float)) : st->grad;
		}
	}
	int bar = !tool_quiet && (opt_progress || isatty(2)), json = !strcmp(opt_log_format, "json");
	int accuracy = !strcmp(opt_monitor, "accuracy");
	double start = now(), vl = NAN, va = NAN, tl = NAN;
	if (!w)
		tool_die_err(NULL, &err);

	while (st->epoch < (uint64_t)opt_epochs && !st->done) {
		/* This epoch's order from the generator's state at its start; a
		 * resumed run rebuilds it and skips the batches already done. */
		nn_rng rng = st->shuffle;
		for (size_t i = 0; i < tr->n; i++)
			order[i] = i;
		if (opt_shards) {                      /* each rank its own rows */
			nn_rng mix;
			nn_rng_seed(&mix, nn_hash64((uint64_t)opt_seed, st->epoch), RNG_SHARD + (uint64_t)tool_mpi_rank);
			if (!opt_no_shuffle)
				nn_rng_shuffle(&mix, order, tr->n);
		} else if (!opt_no_shuffle) {
			nn_rng_shuffle(&rng, order, tr->n);
		}
		double t0 = now(), last_bar = 0;
		size_t rows_timed = 0;
		for (size_t s = st->batch; s < steps; s++) {
			/* This rank's rows of the step: [first, first + rows) of the order. */
			size_t first = s * G + mine * (size_t)opt_batch, rows = 0;
			if (first < tr->n)
				rows = tr->n - first < (size_t)opt_batch ? tr->n - first : (size_t)opt_batch;
			double loss;
			int stop = stop_signal;
			if (opt_mpi) {
				for (size_t i = 0; i < rows; i++)
					memcpy(xb + i * tr->d, tr->x + order[first + i] * tr->d, tr->d * sizeof(float));
				make_targets(net, tr, order + first, rows, t->classification, tb);
				loss = mpi_step(st, w, xb, tb, &rows, &stop);
			} else {                               /* the shares gather their rows */
				loss = team_step_run(&ts, order + first, rows);
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
				if (opt_checkpoint && !tool_mpi_rank) {
					write_checkpoint(st, t, tr, val, argc, argv);
					tool_note("interrupted: state at epoch %llu, batch %zu saved in '%s' (--resume it)",
					          (unsigned long long)st->epoch + 1, s + 1, opt_checkpoint);
				}
				tool_mpi_barrier();                 /* no rank ends before the checkpoint is out */
				stop = stop_signal ? stop_signal : SIGTERM;
				signal(stop, SIG_DFL);
				raise(stop);
			}
			if (bar && now() - last_bar > 0.2) {
				last_bar = now();
				progress(st->epoch + 1, s + 1, steps, (double)rows_timed / (last_bar - t0));
			}
		}
		double secs = now() - t0, rate = (double)rows_timed / (secs > 0 ? secs : 1e-9);
		if (bar)
			fputs("\r\033[K", stderr);
		tl = st->epoch_loss / (double)st->epoch_rows;
		if (val->n) {                          /* rank 0's numbers decide for all */
			double v[2] = { 0, 0 };
			nn_blas_set_threads(blas_threads);   /* the team's members wait meanwhile */
			if (!tool_mpi_rank)
				evaluate(net, w, chunk, val, t->classification, tb, &v[0], &v[1]);
			nn_blas_set_threads(opt_mpi ? blas_threads : 1);
			tool_mpi_bcast_f64(v, 2);
			vl = v[0];
			va = v[1];
		}
		same_weights(net, "after epoch", st->epoch + 1);
		double lr = nn_optim_lr(&st->opt->cfg, st->opt->step ? st->opt->step - 1 : 0);
		st->epoch++;
		st->batch = 0;
		st->epoch_loss = 0;
		st->epoch_rows = 0;
		st->shuffle = rng;
		if (opt_patience) {
			/* smaller is better: loss, or minus the accuracy */
			double metric = val->n ? (accuracy ? -va : vl) : tl;
			if (!st->has_best || metric < st->best_metric - opt_min_delta) {
				st->best_metric = metric;
				st->best_epoch = st->epoch;
				st->bad_epochs = 0;
				st->has_best = 1;
				memcpy(st->best, net->params, net->nparams * sizeof(float));
			} else {
				st->done = ++st->bad_epochs >= (uint64_t)opt_patience;
			}
		}
		/* The checkpoint before the log: a logged epoch is a saved one. */
		if (opt_checkpoint && !tool_mpi_rank && (st->epoch % (uint64_t)opt_ckpt_every == 0 ||
		                       st->epoch == (uint64_t)opt_epochs || st->done))
			write_checkpoint(st, t, tr, val, argc, argv);
		if (log)
			log_epoch(log, json, st->epoch, tl, vl, va, lr, rate, now() - start);
		if (!tool_quiet) {
			fprintf(stderr, "epoch %llu/%lld  loss %.6f", (unsigned long long)st->epoch, opt_epochs, tl);
			if (val->n)
				fprintf(stderr, "  val_loss %.6f", vl);
			if (val->n && t->classification)
				fprintf(stderr, "  val_acc %.4f", va);
			fprintf(stderr, "  lr %.3g  %.0f samples/s  %.1f s\n", lr, rate, now() - start);
		}
		if (st->done)
			tool_note("no improvement for %lld epochs: stopping; the model is epoch %llu's",
			          opt_patience, (unsigned long long)st->best_epoch);
	}
	if (st->has_best)
		memcpy(net->params, st->best, net->nparams * sizeof(float));
	nn_mlp_work_free(w);
	free(xb);
	free(tb);
	free(order);
}

/* --- how much compute ------------------------------------------------------------ */

static void dry_run(const state *st, const dataset *tr, const dataset *val, int threads)
{
	const nn_mlp *net = st->net;
	size_t B = (size_t)opt_batch < tr->n ? (size_t)opt_batch : tr->n;
	double mib = 1024.0 * 1024.0;
	double data = (double)(tr->n + val->n) * (double)(tr->d + tr->k) * 4 + (double)(tr->n + val->n) * 4;
	int copies = 2 + (st->opt->m != NULL) + (st->opt->v != NULL) + (st->best != NULL);
	double model = (double)net->nparams * 4 * copies;   /* with the padding: what is allocated */
	size_t chunk = B > 1024 ? B : 1024;
	double scratch = (double)nn_mlp_work_bytes(net, chunk) + (double)B * (double)tr->d * 4;
	double flops = nn_mlp_flops_train(net) * (double)tr->n + nn_mlp_flops_forward(net) * (double)val->n;
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
	       (data + model + scratch) / mib, data / mib, model / mib, scratch / mib);
	printf("flops_per_row\t%.4g\n", nn_mlp_flops_train(net));
	printf("flops_per_epoch\t%.4g\n", flops);
	/* The first layer's product is the largest: its rate stands for all. */
	double rate = nn_blas_measure(B, net->width[1], net->width[0], 0.5);
	printf("sgemm\t%.1f GFLOPS at %zux%zux%zu, %d threads, %s kernels\n", rate, B, net->width[1],
	       net->width[0], threads, tool_blas_description());
	if (threads > 1) {   /* what training's shares use: one thread each, at once */
		nn_blas_set_threads(1);
		double one = nn_blas_measure(B, net->width[1], net->width[0], 0.5);
		nn_blas_set_threads(threads);
		printf("sgemm_one_thread\t%.1f GFLOPS at %zux%zux%zu, 1 thread (%d of them: %.1f)\n", one, B,
		       net->width[1], net->width[0], threads, one * threads);
	}
	printf("estimate\t%.3g s per epoch at that rate, %.3g s for %lld epochs (products only)\n",
	       flops / (rate * 1e9), flops / (rate * 1e9) * (double)opt_epochs, opt_epochs);
	/* And a real measurement: a few steps on this data. */
	nn_mlp_work *w = nn_mlp_work_new(net, B, NULL);
	float *xb = tool_alloc(B * tr->d * sizeof(float)), *tb = tool_alloc(B * net->width[net->nlayers] * sizeof(float));
	float *grad = tool_alloc(net->nparams * sizeof(float));
	if (w) {
		memcpy(xb, tr->x, B * tr->d * sizeof(float));
		make_targets(net, tr, NULL, B, tr->cls != NULL, tb);
		double t0 = now();
		int steps = 0;
		while (now() - t0 < 0.5 || steps < 3) {
			nn_mlp_gradient(net, w, xb, tb, B, grad);
			steps++;
		}
		double per_step = (now() - t0) / steps, epoch_s = per_step * (double)((tr->n + B - 1) / B);
		printf("measured\t%.3g s per epoch (%d forward/backward steps of %zu rows: %.0f samples/s, %.1f GFLOPS)\n",
		       epoch_s, steps, B, (double)B / per_step, nn_mlp_flops_train(net) * (double)B / per_step / 1e9);
	}
	nn_mlp_work_free(w);
	free(xb);
	free(tb);
	free(grad);
}

/* The format holds a model in one row: say so before training, not after. */
static void check_fits(const state *st, const task *t)
{
	nn_error err = { 0 };
	nn_model m = model_of(st->net, t, NULL, 0);
	nn_schema *s = nn_model_schema(&m, "model", &err);
	if (!s && err.code == NN_ENOMEM)
		tool_die_err(NULL, &err);
	if (!s)
		tool_usage("the network is too large for a model file: %s", err.msg);
	size_t count = nn_mlp_count(st->net), most = NN_MAX_OBJECT_BYTES - 4096 - 8 * 5 * s->nfields;
	int copies = 1 + (st->opt->m != NULL) + (st->opt->v != NULL) + (st->best != NULL);
	nn_schema_free(s);
	if (count * 4 > most)
		tool_usage("%zu parameters (%zu bytes) are more than a model file holds (%zu bytes)",
		           count, count * 4, most);
	if (opt_checkpoint && count * 4 * (size_t)copies > most)
		tool_usage("a checkpoint of %zu parameters needs %zu bytes (%d copies), more than a file holds (%zu)",
		           count, count * 4 * (size_t)copies, copies, most);
}

/* --- main ------------------------------------------------------------------------- */

static void load_stream(const char *path, task *t, dataset *ds, int first)
{
	nn_reader *r = tool_reader(path);
	const nn_schema *s = nn_reader_schema(r);
	task mine = { 0 };
	/* One read-ahead thread, not two (tool_scan_threads): loading with two
	 * saved about 0.1 s, but the first epoch then ran 15% slower (77,000-
	 * 81,000 samples/s against 93,000-96,000 on Fashion-MNIST), for a
	 * reason not found. */
	read_task(s, path, &mine);
	if (first) {
		*t = mine;
		t->classes = NULL;
		if (mine.classes) {       /* keep the names past the reader */
			t->classes = tool_alloc(mine.nclasses * sizeof *t->classes);
			for (size_t i = 0; i < mine.nclasses; i++)
				if (!(t->classes[i] = strdup(mine.classes[i])))
					tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
		}
	} else {
		uint64_t want = 1, have = 1;
		for (int i = 0; i < t->x_ndim; i++) want *= t->x_shape[i];
		for (int i = 0; i < mine.x_ndim; i++) have *= mine.x_shape[i];
		/* Soft labels in one and class ids in the other are fine. */
		if (want != have || mine.classification != t->classification || mine.ntargets != t->ntargets)
			tool_die(TOOL_EXIT_DATA, tool_name(path), "fields '%s'/'%s' differ from the training stream's",
			         opt_x, opt_y);
		if (t->classes && mine.classes) {
			int same = mine.nclasses == t->nclasses;
			for (size_t i = 0; same && i < t->nclasses; i++)
				same = !strcmp(mine.classes[i], t->classes[i]);
			if (!same)
				tool_die(TOOL_EXIT_DATA, tool_name(path), "class names differ from the training stream's");
		}
	}
	task use = mine;                   /* this stream's labels, the training classes */
	use.nclasses = t->nclasses;
	load(r, path, first ? t : &use, ds);
	nn_reader_close(r);
}

/* --- several ranks ----------------------------------------------------------------- */

static void mpi_start(int *argc, char ***argv)
{
	tool_mpi_start(argc, argv);
	static char name[48];
	if (tool_mpi_rank) {                 /* rank 0 talks for the job */
		snprintf(name, sizeof name, "nn-train: rank %d", tool_mpi_rank);
		tool_prog = name;                /* errors say which rank */
		tool_quiet = 1;
		opt_progress = 0;
		opt_verbose = 0;
	}
}

/* Shard i of --shard-pattern, by nn/shard.h's rule (the pattern is
 * parsed once and never handed to printf). */
static void shard_path(char *buf, size_t len, size_t i)
{
	static nn_shard_pattern pat;
	nn_error err = { 0 };
	char *name;

	if (!pat.pre && nn_shard_pattern_parse(&pat, opt_shards, &err)) {
		if (err.code != NN_EARG)
			tool_die_err(NULL, &err);
		tool_usage("--shard-pattern '%s': expected one %%d (as part-%%03d.nns)", opt_shards);
	}
	if (!(name = nn_shard_name(&pat, i, &err)))
		tool_die_err(NULL, &err);
	if (strlen(name) >= len)
		tool_usage("--shard-pattern '%s': the names are too long", opt_shards);
	memcpy(buf, name, strlen(name) + 1);
	free(name);
}

/* Rank r of N reads shards r, r+N, r+2N, ... of the S shards, numbered
 * from 0 up to the first missing one as rank 0 sees it. */
static const char *load_shards(task *t, dataset *tr)
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
	tr->path = first_path;
	return first_path;
}

/* What the signature says of the training data, and the steps per epoch;
 * also checks that the ranks agree. */
static void data_signature(const dataset *tr)
{
	size_t B = (size_t)opt_batch;
	sig_rows = tr->n;
	sig_crc = tr->crc;
	epoch_steps = (tr->n + B * (size_t)tool_mpi_size - 1) / (B * (size_t)tool_mpi_size);
	if (opt_shards) {
		uint64_t *all = tool_alloc((size_t)tool_mpi_size * 2 * sizeof *all), most = tr->n;
		tool_mpi_gather_u64(tr->n, all);
		tool_mpi_gather_u64(tr->crc, all + tool_mpi_size);
		sig_rows = 0;
		for (int r = 0; r < tool_mpi_size; r++)
			sig_rows += all[r];
		sig_crc = (uint32_t)crc32_z(0, (const unsigned char *)all, (size_t)tool_mpi_size * 2 * sizeof *all);
		free(all);
		tool_mpi_max_u64(&most, 1);
		epoch_steps = (most + B - 1) / B;
	} else if (!tool_mpi_same_u64(((uint64_t)tr->crc << 32) ^ tr->n)) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();
		tool_die(TOOL_EXIT_DATA, tool_name(tr->path), "the ranks read different training data "
		         "(every machine needs the same file)");
	}
}

int main(int argc, char **argv)
{
	nn_strlist operands = { 0 };
	nn_error err = { 0 };
	task t = { 0 };
	dataset tr = { 0 }, val = { 0 };
	state st = { 0 };

	tool_blas_init(argv);                /* may re-execute: before MPI starts */
	tool_mpi_prepare();
	tool_parse(&cli, argc, argv, &operands);
	if (opt_shards && !opt_mpi)
		tool_usage("--shard-pattern needs --mpi");
	if (opt_shards && opt_val_size > 0)
		tool_usage("--shard-pattern and --val-size: give the validation set with --val FILE");
	if (opt_shards && operands.n)
		tool_usage("--shard-pattern and a TRAIN operand: give one");
	if (opt_mpi && !opt_shards && (!operands.n || !strcmp(operands.v[0], "-")))
		tool_usage("--mpi: every rank reads TRAIN, so it must be a file (stdin reaches rank 0 only)");
	if (opt_mpi)
		mpi_start(&argc, &argv);
	if (opt_val && opt_val_size > 0)
		tool_usage("--val and --val-size: give one");
	if (strcmp(opt_monitor, "loss") && strcmp(opt_monitor, "accuracy"))
		tool_usage("--monitor: '%s' is not loss or accuracy", opt_monitor);
	if (strcmp(opt_log_format, "tsv") && strcmp(opt_log_format, "json"))
		tool_usage("--log-format: '%s' is not tsv or json", opt_log_format);
	if (opt_task && strcmp(opt_task, "classification") && strcmp(opt_task, "regression"))
		tool_usage("--task: '%s' is not classification or regression", opt_task);
	/* Ranks on one machine share its processors. */
	int threads = opt_threads ? (int)opt_threads : (int)sysconf(_SC_NPROCESSORS_ONLN) / tool_mpi_local_size();
	blas_threads = threads > 0 ? threads : 1;
	nn_blas_set_threads(blas_threads);

	const char *in = operands.n ? operands.v[0] : NULL;
	if (opt_shards)
		in = load_shards(&t, &tr);
	else
		load_stream(in, &t, &tr, 1);
	if (opt_val)
		load_stream(opt_val, &t, &val, 0);
	if (tr.n == 0)
		tool_die(TOOL_EXIT_DATA, tool_name(in), "no rows to train on");
	if (t.classification) {
		/* No names: as many classes as the largest label says.  Either
		 * way, two different labels at least must be seen in training
		 * (on all the ranks' shards together). */
		int32_t mx = 0, mn = tr.cls[0];
		for (size_t i = 0; i < tr.n; i++) {
			mx = tr.cls[i] > mx ? tr.cls[i] : mx;
			mn = tr.cls[i] < mn ? tr.cls[i] : mn;
		}
		uint64_t range[2] = { (uint64_t)mx, (uint64_t)(NN_MAX_CLASSES - mn) };
		if (opt_shards)
			tool_mpi_max_u64(range, 2);
		int several = range[0] != NN_MAX_CLASSES - range[1];
		mx = (int32_t)range[0];
		for (size_t i = 0; i < val.n; i++)
			mx = val.cls[i] > mx ? val.cls[i] : mx;
		if (!several)
			tool_die(TOOL_EXIT_DATA, tool_name(in), "one class only (%d) in the training rows: nothing to tell apart",
			         (int)tr.cls[0]);
		if (!t.classes)
			t.nclasses = (size_t)mx + 1;
	}
	if (opt_val_size > 0)
		hold_out(&tr, &val, &t);
	data_signature(&tr);
	if (opt_patience && !val.n)
		tool_note("no validation set: --patience watches the training loss");
	if (!strcmp(opt_monitor, "accuracy") && (!t.classification || !val.n))
		tool_usage("--monitor accuracy needs classes and a validation set (--val or --val-size)");

	if (!(st.net = build_mlp(&t, tr.d, &err))) {
		if (err.code == NN_ENOMEM)     /* not a usage error: status 1 */
			tool_die_err(NULL, &err);
		tool_usage("%s", err.msg);
	}
	if (!tool_mpi_same_u64(nn_hash64(st.net->nparams, st.net->width[st.net->nlayers]))) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();
		tool_die(TOOL_EXIT_DATA, tool_name(in), "the ranks' shards make different networks "
		         "(other features, or other class names)");
	}
	nn_optim_config oc;
	optim_config(&oc, epoch_steps);
	if (!(st.opt = nn_optim_new(&oc, st.net->nparams, &err)))
		tool_die_err(NULL, &err);
	st.grad = tool_alloc(st.net->nparams * sizeof(float));
	if (opt_patience)
		st.best = tool_alloc(st.net->nparams * sizeof(float));
	check_fits(&st, &t);
	nn_rng init;
	nn_rng_seed(&init, (uint64_t)opt_seed, RNG_INIT);
	nn_mlp_init(st.net, pick_init(st.net), &init);
	nn_rng_seed(&st.shuffle, (uint64_t)opt_seed, RNG_SHUFFLE);
	if (opt_resume)
		resume(&st, &t, &tr, &val);
	if (opt_verbose)
		tool_note("BLAS: OpenBLAS, %s kernels, %d threads; %zu parameters", tool_blas_description(),
		          threads, nn_mlp_count(st.net));
	if (opt_dry_run && tool_mpi_rank)
		return 0;
	if (opt_dry_run) {
		dry_run(&st, &tr, &val, threads);
		if (fflush(stdout) || ferror(stdout))
			tool_die(TOOL_EXIT_DATA, NULL, "write error");
		return 0;
	}

	FILE *log = NULL;
	if (opt_log && !tool_mpi_rank && !(log = fopen(opt_log, opt_resume ? "a" : "w")))
		tool_die(TOOL_EXIT_DATA, opt_log, "cannot open: %s", strerror(errno));
	if (log && !opt_resume && strcmp(opt_log_format, "json"))
		fputs("epoch\ttrain_loss\tval_loss\tval_accuracy\tlr\tsamples_per_s\telapsed_s\n", log);
	if (log && fflush(log))
		tool_die(TOOL_EXIT_DATA, opt_log, "write failed: %s", strerror(errno));
	if (opt_checkpoint) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_stop;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (!opt_mpi) {   /* see team_step_run */
		team_members = team_start(blas_threads < SHARES ? blas_threads : SHARES, 1);
		nn_blas_set_threads(1);
	}
	train(&st, &t, &tr, &val, log, argc, argv);
	nn_blas_set_threads(blas_threads);
	same_weights(st.net, "at the end, epoch", st.epoch);
	if (opt_mpi && opt_verbose) {
		double secs;
		uint64_t calls;
		tool_mpi_allreduce_stats(&secs, &calls);
		tool_note("MPI: %d ranks; %llu all-reduces of the %zu-float gradient (%.3f MB): %.3f ms each; "
		          "forward/backward %.3f ms per step", tool_mpi_size, (unsigned long long)calls,
		          st.net->nparams, (double)st.net->nparams * 4 / 1e6, calls ? secs / (double)calls * 1e3 : 0.0,
		          calls ? mpi_compute / (double)calls * 1e3 : 0.0);
	}
	if (stop_signal) {
		/* Interrupted after the last batch: the last epoch's checkpoint
		 * holds everything; honour the signal rather than go on. */
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	if (log && fclose(log))
		tool_die(TOOL_EXIT_DATA, opt_log, "write failed: %s", strerror(errno));

	/* What the model records: its own losses on both sets. */
	double tl, ta, vl = NAN, va = NAN;
	size_t chunk = 1024;
	nn_mlp_work *w = nn_mlp_work_new(st.net, chunk, &err);
	float *tb = tool_alloc(chunk * st.net->width[st.net->nlayers] * sizeof(float));
	if (!w)
		tool_die_err(NULL, &err);
	if (opt_shards) {                    /* the mean over every rank's rows */
		evaluate(st.net, w, chunk, &tr, t.classification, tb, &tl, &ta);
		double sum[2] = { tl * (double)tr.n, (double)tr.n };
		tool_mpi_sum_f64(sum, 2);
		tl = sum[0] / sum[1];
	}
	if (tool_mpi_rank)
		return 0;                        /* rank 0 alone writes */
	if (!opt_shards)
		evaluate(st.net, w, chunk, &tr, t.classification, tb, &tl, &ta);
	if (val.n)
		evaluate(st.net, w, chunk, &val, t.classification, tb, &vl, &va);
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	pack_training(&sb, NULL, &st, &tr, &val, tl, vl, va);
	nn_model m = model_of(st.net, &t, (unsigned char *)sb.data, sb.size);
	nn_schema *s = nn_model_schema(&m, "model", &err);
	if (!s)
		tool_die_err(NULL, &err);
	tool_provenance_except(s, argc, argv, not_in_provenance);
	nn_schema_set_seed(s, (uint64_t)opt_seed);
	const void **cols = tool_alloc((size_t)st.net->nlayers * 2 * sizeof *cols);
	nn_model_columns(&m, cols);
	tool_save_row(opt_out, s, cols, opt_level);
	return 0;
}
