/* tool-train.c — nn-train's program-side glue (see tool-train.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "nn/blas.h"
#include "nn/estimate.h"
#include "nn/holdout.h"
#include "nn/lock.h"
#include "nn/model.h"
#include "nn/rng.h"
#include "nn/shard.h"
#include "tool.h"
#include "tool-mpi.h"
#include "tool-ooc.h"
#include "tool-train.h"

enum { RNG_VALSPLIT = 3 };   /* nn-train's rng streams: init 1, shuffle 2, shards 1000 + rank */

/* Options that change neither the model nor the training, left out of the
 * provenance so that a resumed run writes the same bytes. */
static const char *const not_in_provenance[] = {
	"--checkpoint=", "--checkpoint-every=", "--resume=", "--log=", "--log-format=",
	"--progress", "--verbose", "-v", "--quiet", "-q", "--dry-run", "--watts-per-core=", "--powercap=",
	"--record-cost", NULL
};
/* The same, and --memory when the rows fit in it: it changes nothing then. */
static const char *const not_in_provenance_fits[] = {
	"--checkpoint=", "--checkpoint-every=", "--resume=", "--log=", "--log-format=",
	"--progress", "--verbose", "-v", "--quiet", "-q", "--dry-run", "--watts-per-core=", "--powercap=",
	"--record-cost", "--memory=", NULL
};

/* --- what a run records, and what a resumed run must match --------------- */

static nn_train_info train_info(const tool_train *T, const nn_dataset *val, nn_train_sig *sig)
{
	nn_train_info info = {
		.threads = nn_blas_threads(), .ranks = T->mpi ? tool_mpi_size : 0, .batch_size = T->o.batch,
		.seed = T->o.seed, .train_rows = T->sig_rows, .train_crc = T->sig_crc, .val_rows = val->n,
		.nclasses = T->nclasses, .classes = T->classes,
	};
	nn_train_signature(&T->o, tool_mpi_size, T->sig_rows, T->sig_crc, val->n, val->crc, sig);
	info.sig = sig->v;
	info.nsig = sig->n;
	info.cost = T->record_cost ? &T->cost : NULL;
	return info;
}

static nn_schema *data_schema;   /* the training stream's header, for nn_model_set_input */

static nn_model model_of(const tool_train *T, nn_mlp *net, const nn_task *t, msgpack_sbuffer *training)
{
	nn_model m = {
		.mlp = net, .x_name = (char *)T->o.x, .x_dtype = t->x_dtype, .x_ndim = t->x_ndim,
		.y_name = (char *)T->o.y, .classification = t->classification, .nclasses = t->nclasses,
		.classes = t->classes, .training = (unsigned char *)training->data, .training_len = training->size,
	};
	memcpy(m.x_shape, t->x_shape, sizeof m.x_shape);
	return m;
}

void tool_train_save(const tool_train *T, const nn_train_state *st, const nn_task *t, const nn_dataset *val,
                     int ckpt, double tl, double vl, double va)
{
	const char *path = ckpt ? T->checkpoint : T->out;
	nn_train_sig sig;
	nn_train_info info = train_info(T, val, &sig);
	nn_error err = { 0 };
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	if (nn_train_pack(&sb, &info, st, ckpt, tl, vl, va, &err))
		tool_die_err(NULL, &err);
	nn_model m = model_of(T, st->net, t, &sb);
	if (nn_model_set_input(&m, data_schema, T->o.x, &err))   /* its chain and feature names */
		tool_die_err(T->in, &err);
	const void **cols = tool_alloc((size_t)st->net->nlayers * 8 * sizeof *cols);
	nn_schema *s = ckpt ? nn_checkpoint_schema(&m, st, cols, &err) : nn_model_schema(&m, "model", &err);
	if (!s)
		tool_die_err(ckpt ? path : NULL, &err);
	if (!ckpt)
		nn_model_columns(&m, cols);
	tool_provenance_except(s, T->argc, T->argv, T->ooc ? not_in_provenance : not_in_provenance_fits);
	if (!ckpt)
		nn_schema_set_seed(s, (uint64_t)T->o.seed);
	if (ckpt) {
		tool_save_row(path, s, cols, 1);
	} else {                             /* into the output opened at the start */
		nn_writer *w = tool_out_writer(T->model, s, T->level, 1, 0);
		if (nn_tensors_write(w, s, cols, &err) || nn_writer_finish(w, &err))
			tool_die_err(tool_out_name(T->model), &err);
		nn_writer_free(w);
		tool_out_commit(T->model);
	}
	nn_model_clear_input(&m);
	nn_schema_free(s);
	free(cols);
	msgpack_sbuffer_destroy(&sb);
}

void tool_train_write_model(const tool_train *T, const nn_train_state *st, const nn_task *t,
                            const nn_dataset *tr, const nn_dataset *val)
{
	double tl = 0, ta, vl = NAN, va = NAN;
	size_t chunk = 1024;
	nn_error err = { 0 };
	nn_mlp_work *w = nn_mlp_work_new(st->net, chunk, &err);
	float *tb = tool_alloc(chunk * st->net->width[st->net->nlayers] * sizeof(float));
	if (!w)
		tool_die_err(NULL, &err);
	if (T->o.shards) {                     /* the mean over every rank's rows */
		tool_train_evaluate(st->net, w, chunk, tr, t->classification, tb, &tl, &ta);
		double sum[2] = { tl * (double)tr->n, (double)tr->n };
		tool_mpi_sum_f64(sum, 2);
		tl = sum[0] / sum[1];
	}
	if (tool_mpi_rank)
		return;                          /* rank 0 alone writes */
	if (T->ooc && tool_ooc_evaluate(T->ooc, st->net, w, chunk, t->classification, tb, &tl, &ta))
		tl = T->pass_loss;                 /* a pipe: its pass's mean loss */
	else if (!T->o.shards && !T->ooc)
		tool_train_evaluate(st->net, w, chunk, tr, t->classification, tb, &tl, &ta);
	if (val->n)
		tool_train_evaluate(st->net, w, chunk, val, t->classification, tb, &vl, &va);
	tool_train_save(T, st, t, val, 0, tl, vl, va);
}

void tool_train_resume(const tool_train *T, nn_train_state *st, const nn_dataset *val)
{
	nn_reader *r = tool_reader(T->resume);
	nn_train_sig sig;
	nn_train_info info = train_info(T, val, &sig);
	nn_sig_mismatch why;
	nn_error err = { 0 };
	if (nn_checkpoint_read(r, &info, T->o.x, st, &why, &err)) {
		const char *n = why.have + 6;
		if (why.found && why.index == 0 && strlen(why.have) > 6 && !strncmp(why.have, "ranks=", 6))
			tool_die(TOOL_EXIT_DATA, T->resume, "made by %s rank(s), this run has %d: resume with "
			         "as many (mpirun -np %s ... --mpi; one process for 1)", n, tool_mpi_size, n);
		tool_die_err(T->resume, &err);
	}
	nn_reader_close(r);
}

/* A model the format cannot hold: say so before training, not after. */
void tool_train_check_fits(const tool_train *T, const nn_train_state *st, const nn_task *t)
{
	nn_error err = { 0 };
	msgpack_sbuffer none = { 0 };
	nn_model m = model_of(T, st->net, t, &none);
	if (nn_estimate_fits(&m, st, T->checkpoint != NULL, &err) && err.code == NN_ENOMEM)
		tool_die_err(NULL, &err);
	if (err.code)
		tool_usage("%s", err.msg);
}

/* --- the data -------------------------------------------------------------- */

/* Read path into ds: the first stream (the training data, or a rank's
 * first shard) sets the task, the others must agree with it. */
static void load_stream(tool_train *T, const char *path, nn_task *t, nn_dataset *ds, int first, nn_dataset *val)
{
	nn_reader *r = tool_reader(path);
	nn_task mine;
	nn_error err = { 0 };
	if (nn_task_read(nn_reader_schema(r), T->o.x, T->o.y, nn_train_task_kind(&T->o), &mine, &err) ||
	    (first ? nn_task_keep(t, &mine, &err) : nn_task_check_same(t, &mine, T->o.x, T->o.y, &err)))
		tool_die_err(tool_name(path), &err);
	if (first && !data_schema && !(data_schema = nn_schema_clone(nn_reader_schema(r), &err)))
		tool_die_err(NULL, &err);
	mine.nclasses = t->nclasses;       /* this stream's labels, the training classes */
	if (val && T->memory > 0) {       /* in memory if it fits (tool-ooc.h) */
		T->ooc = tool_ooc_load(T, r, path, &mine, ds, val);
		if (T->ooc)
			return;
		nn_reader_close(r);
		return;
	}
	if (nn_dataset_load(r, T->o.x, T->o.y, &mine, ds, &err))
		tool_die_err(tool_name(path), &err);
	nn_reader_close(r);
}

/* Shard i of --shard-pattern, by nn/shard.h's rule (the pattern is
 * parsed once and never handed to printf). */
static void shard_path(const char *pattern, char *buf, size_t len, size_t i)
{
	static nn_shard_pattern pat;
	nn_error err = { 0 };
	char *name;

	if (!pat.pre && nn_shard_pattern_parse(&pat, pattern, &err)) {
		if (err.code != NN_EARG)
			tool_die_err(NULL, &err);
		tool_usage("--shard-pattern '%s': expected one %%d (as part-%%03d.nns)", pattern);
	}
	if (!(name = nn_shard_name(&pat, i, &err)))
		tool_die_err(NULL, &err);
	if (strlen(name) >= len)
		tool_usage("--shard-pattern '%s': the names are too long", pattern);
	memcpy(buf, name, strlen(name) + 1);
	free(name);
}

/* Rank r of N reads shards r, r+N, r+2N, ... of the S shards, numbered
 * from 0 up to the first missing one as rank 0 sees it. */
static const char *load_shards(tool_train *T, nn_task *t, nn_dataset *tr)
{
	static char first_path[4096];
	char path[4096];
	const char *pat = T->o.shards;
	double count = 0;
	if (!tool_mpi_rank)
		for (shard_path(pat, path, sizeof path, 0); access(path, F_OK) == 0;
		     shard_path(pat, path, sizeof path, (size_t)++count))
			;
	tool_mpi_bcast_f64(&count, 1);
	size_t S = (size_t)count;
	shard_path(pat, first_path, sizeof first_path, (size_t)tool_mpi_rank);
	if (S < (size_t)tool_mpi_size) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();
		tool_die(TOOL_EXIT_DATA, first_path, "%zu shard(s) for %d ranks: every rank needs one at least",
		         S, tool_mpi_size);
	}
	uint32_t crc = (uint32_t)crc32_z(0, NULL, 0);
	for (size_t i = (size_t)tool_mpi_rank; i < S; i += (size_t)tool_mpi_size) {
		shard_path(pat, path, sizeof path, i);
		load_stream(T, path, t, tr, i == (size_t)tool_mpi_rank, NULL);
		crc = (uint32_t)crc32_z(crc, (const unsigned char *)&tr->crc, sizeof tr->crc);
	}
	tr->crc = crc;
	return first_path;
}

/* What the signature says of the training data, and the steps per epoch;
 * also checks that the ranks agree. */
static void data_signature(tool_train *T, const nn_dataset *tr)
{
	size_t B = (size_t)T->o.batch;
	T->sig_rows = tr->n;
	T->sig_crc = tr->crc;
	T->epoch_steps = nn_fit_steps(tr->n, B, (uint64_t)tool_mpi_size);
	if (T->ooc) {                       /* a pipe: the rows read before the pass */
		T->sig_rows = tool_ooc_rows(T->ooc);
		T->sig_crc = tool_ooc_crc(T->ooc);
		T->epoch_steps = tool_ooc_pipe(T->ooc) ? SIZE_MAX : nn_fit_steps(T->sig_rows, B, 1);
		return;
	}
	if (T->o.shards) {
		uint64_t *all = tool_alloc((size_t)tool_mpi_size * 2 * sizeof *all), most = tr->n;
		tool_mpi_gather_u64(tr->n, all);
		tool_mpi_gather_u64(tr->crc, all + tool_mpi_size);
		T->sig_rows = 0;
		for (int r = 0; r < tool_mpi_size; r++)
			T->sig_rows += all[r];
		T->sig_crc = (uint32_t)crc32_z(0, (const unsigned char *)all, (size_t)tool_mpi_size * 2 * sizeof *all);
		free(all);
		tool_mpi_max_u64(&most, 1);
		T->epoch_steps = nn_fit_steps(most, B, 1);
	} else if (!tool_mpi_same_u64(((uint64_t)tr->crc << 32) ^ tr->n)) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();
		tool_die(TOOL_EXIT_DATA, tool_name(T->in), "the ranks read different training data "
		         "(every machine needs the same file)");
	}
}

/* No names: as many classes as the largest label says.  Either way, two
 * different labels at least must be seen in training (on all the ranks'
 * shards together). */
static void count_classes(const tool_train *T, nn_task *t, const nn_dataset *tr, const nn_dataset *val)
{
	int32_t lo = -1, hi = -1, vlo, vhi;
	if (T->ooc) {
		const uint64_t *n = tool_ooc_class_counts(T->ooc);
		for (int32_t c = 0; c < NN_MAX_CLASSES; c++)
			if (n[c]) {
				lo = lo < 0 ? c : lo;
				hi = c;
			}
		if (lo < 0)
			tool_die(TOOL_EXIT_DATA, tool_name(T->in), "no rows to train on");
	} else {
		nn_dataset_class_range(tr, &lo, &hi);
	}
	uint64_t range[2] = { (uint64_t)hi, (uint64_t)(NN_MAX_CLASSES - lo) };
	if (T->o.shards)
		tool_mpi_max_u64(range, 2);
	int several = range[0] != NN_MAX_CLASSES - range[1];
	hi = (int32_t)range[0];
	if (val->n) {
		nn_dataset_class_range(val, &vlo, &vhi);
		hi = vhi > hi ? vhi : hi;
	}
	if (!several)
		tool_die(TOOL_EXIT_DATA, tool_name(T->in), "one class only (%d) in the training rows: nothing to tell apart",
		         (int)lo);
	if (!t->classes)
		t->nclasses = (size_t)hi + 1;
}

/* "'a', 'b', 'c'" for the classes c with lo <= n[c] < hi, five at most;
 * returns how many there are. */
static size_t classes_with(const nn_task *t, const uint64_t *n, uint64_t lo, uint64_t hi, char *buf, size_t len)
{
	size_t count = 0, at = 0;
	buf[0] = 0;
	for (size_t c = 0; c < t->nclasses; c++) {
		if (n[c] < lo || n[c] >= hi)
			continue;
		if (count < 5 && at < len)
			at += t->classes ? (size_t)snprintf(buf + at, len - at, "%s'%.40s'", count ? ", " : "", t->classes[c])
			                 : (size_t)snprintf(buf + at, len - at, "%s%zu", count ? ", " : "", c);
		else if (count == 5 && at < len)
			at += (size_t)snprintf(buf + at, len - at, ", ...");
		count++;
	}
	return count;
}

/* Classes the training rows (every rank's) leave empty or nearly so. */
static void warn_classes(const tool_train *T, const nn_task *t, const nn_dataset *tr)
{
	uint64_t *n = tool_alloc(t->nclasses * sizeof *n);
	char list[320];
	if (T->ooc)
		memcpy(n, tool_ooc_class_counts(T->ooc), t->nclasses * sizeof *n);
	else
		nn_dataset_class_counts(tr, t->nclasses, n);
	if (T->o.shards) {
		double *sum = tool_alloc(t->nclasses * sizeof *sum);
		for (size_t c = 0; c < t->nclasses; c++)
			sum[c] = (double)n[c];
		tool_mpi_sum_f64(sum, t->nclasses);
		for (size_t c = 0; c < t->nclasses; c++)
			n[c] = (uint64_t)sum[c];
		free(sum);
	}
	const char *why = T->o.val_size > 0 ? "; --val-size holds rows out of training" : "";
	size_t k = classes_with(t, n, 0, 1, list, sizeof list);
	if (k)
		tool_note("warning: %zu class%s with no training rows (%s): the model never learns %s%s", k,
		          k > 1 ? "es" : "", list, k > 1 ? "them" : "it", why);
	k = classes_with(t, n, 1, TOOL_TRAIN_FEW, list, sizeof list);
	if (k)
		tool_note("warning: %zu class%s with fewer than %d training rows (%s): %s predictions are unreliable%s",
		          k, k > 1 ? "es" : "", TOOL_TRAIN_FEW, list, k > 1 ? "their" : "its", why);
	free(n);
}

void tool_train_load(tool_train *T, const nn_strlist *operands, nn_task *t, nn_dataset *tr, nn_dataset *val)
{
	T->in = operands->n ? operands->v[0] : NULL;
	if (T->o.shards)
		T->in = load_shards(T, t, tr);
	else
		load_stream(T, T->in, t, tr, 1, val);
	if (T->val)
		load_stream(T, T->val, t, val, 0, NULL);
	if (tr->n == 0 && !T->ooc)
		tool_die(TOOL_EXIT_DATA, tool_name(T->in), "no rows to train on");
	if (t->classification)
		count_classes(T, t, tr, val);
	if (T->ooc && t->classification)
		tool_ooc_set_classes(T->ooc, t->nclasses);
	if (T->ooc && !tool_ooc_rows(T->ooc))
		tool_die(TOOL_EXIT_DATA, tool_name(T->in), "--val-size %g leaves no training rows", T->o.val_size);
	if (T->ooc && T->o.val_size > 0 && !val->n)
		tool_die(TOOL_EXIT_DATA, tool_name(T->in), "--val-size %g holds out no rows", T->o.val_size);
	if (T->o.val_size > 0 && !T->ooc) {         /* rows moved from tr to val (nn/holdout.h) */
		size_t want = nn_holdout_count(T->o.val_size, tr->n);
		nn_rng rng;
		nn_error err = { 0 };
		nn_rng_seed(&rng, (uint64_t)T->o.seed, RNG_VALSPLIT);
		if (want == 0 || want >= tr->n)
			tool_die(TOOL_EXIT_DATA, tool_name(T->in), "--val-size %g of %zu rows leaves no %s",
			         T->o.val_size, tr->n, want ? "training rows" : "validation rows");
		if (nn_holdout(tr, val, want, t->classification, t->nclasses, &rng, &err))
			tool_die_err(tool_name(T->in), &err);
	}
	if (t->classification)
		warn_classes(T, t, tr);
	T->nclasses = t->classes ? t->nclasses : 0;
	T->classes = t->classes;
	data_signature(T, tr);
}

void tool_train_dry_run(const tool_train *T, const nn_train_state *st, const nn_dataset *tr,
                        const nn_dataset *val, int threads)
{
	nn_error err = { 0 };
	nn_cluster c;
	size_t B = (size_t)T->o.batch < tr->n ? (size_t)T->o.batch : tr->n;
	if (tool_mpi_rank)
		return;
	double step = nn_estimate_print(stdout, st, tr, val, (size_t)T->o.batch, T->o.epochs, threads,
	                                tool_blas_description());
	if (T->ranks && step <= 0)
		tool_die(TOOL_EXIT_DATA, NULL, "--ranks: no step could be measured");
	if (T->ranks) {
		/* each rank: a machine like this one, running `threads` threads */
		if (nn_cluster_estimate(&c, step, B, tr->n, (double)st->net->nparams * 4, (int)T->ranks, T->link,
		                        NN_CLUSTER_LATENCY, threads, T->meter.watts_per_core, &err))
			tool_die_err(NULL, &err);
		nn_cluster_print(stdout, &c, B, T->link, T->o.epochs, threads, T->meter.watts_per_core);
	}
	if (fflush(stdout) || ferror(stdout))
		tool_die(TOOL_EXIT_DATA, NULL, "write error");
}

/* "784-256-128-10 relu,relu" */
static void describe(const nn_mlp *n, char *buf, size_t len)
{
	size_t at = 0;
	for (int l = 0; l <= n->nlayers && at < len; l++)
		at += (size_t)snprintf(buf + at, len - at, "%s%zu", l ? "-" : "", n->width[l]);
	for (int l = 0; l < n->nlayers - 1 && at < len; l++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", l ? "," : " ", nn_act_name(n->act[l]));
	if (at < len)
		snprintf(buf + at, len - at, " -> %s + %s", nn_output_name(n->output), nn_loss_name(n->loss));
}

void tool_train_warm_start(tool_train *T, nn_train_state *st, const nn_task *t)
{
	nn_model *m = tool_model(T->o.warm);
	const nn_mlp *a = m->mlp, *b = st->net;
	const char *file = tool_name(T->o.warm);
	char have[256], want[256];
	if (m->classification != t->classification)
		tool_die(TOOL_EXIT_DATA, file, "a %s model, and this data's task is %s", m->classification ?
		         "classification" : "regression", t->classification ? "classification" : "regression");
	if (a->width[0] != b->width[0])
		tool_die(TOOL_EXIT_DATA, file, "the model takes %zu inputs, this data has %zu", a->width[0], b->width[0]);
	if (a->width[a->nlayers] != b->width[b->nlayers])
		tool_die(TOOL_EXIT_DATA, file, "the model has %zu outputs, this data's task needs %zu (other classes?)",
		         a->width[a->nlayers], b->width[b->nlayers]);
	int same = a->nlayers == b->nlayers && a->output == b->output && a->loss == b->loss;
	for (int l = 0; same && l <= a->nlayers; l++)
		same = a->width[l] == b->width[l] && (l >= a->nlayers - 1 || a->act[l] == b->act[l]);
	describe(a, have, sizeof have);
	describe(b, want, sizeof want);
	if (!same)
		tool_usage("--warm-start '%s': the model is %s, these options make %s: give the model's --layers, "
		           "--activation, --output-activation and --loss", T->o.warm, have, want);
	memcpy(b->params, a->params, b->nparams * sizeof(float));
	T->o.warm_crc = (uint32_t)crc32_z(0, (const unsigned char *)a->params, a->nparams * sizeof(float));
	if (T->o.keep_zeros) {
		T->frozen = calloc(b->nparams, 1);
		if (!T->frozen)
			tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
		for (int l = 0; l < b->nlayers; l++)    /* the weights; not the biases */
			for (size_t i = b->woff[l], e = i + b->width[l] * b->width[l + 1]; i < e; i++)
				T->frozen[i] = b->params[i] == 0;
	}
	nn_model_free(m);
}

/* --- the run's cost ---------------------------------------------------------- */

void tool_train_cost_start(tool_train *T)
{
	nn_error err = { 0 };
	double w = T->watts;
	const char *env = getenv("NN_WATTS_PER_CORE");
	if (w < 0 && env && *env) {
		char *end;
		w = strtod(env, &end);
		if (*end || !(w >= 0 && w <= 1e6))
			tool_usage("NN_WATTS_PER_CORE='%s': expected a number of watts from 0 to 1e6", env);
	}
	if (nn_cost_start(&T->meter, T->powercap, w > 0 ? w : 0, &err))
		tool_usage("%s", err.msg);
}

void tool_train_cost(tool_train *T, nn_cost *c)
{
	nn_error err = { 0 };
	if (nn_cost_read(&T->meter, c, &err)) {
		tool_note("warning: %s: the energy is left out from now on", err.msg);
		T->meter.nzones = 0;           /* and no estimate either: it would mix sources */
		T->meter.watts_per_core = 0;
		T->energy_lost = 1;
		nn_cost_read(&T->meter, c, &err);
	}
	if (T->mpi) {
		double v[5] = { c->cpu_s, c->source == NN_ENERGY_MEASURED && tool_mpi_local_rank() ? 0 : c->joules,
		                c->source == NN_ENERGY_NONE, c->source == NN_ENERGY_ESTIMATED, c->wall_s };
		tool_mpi_sum_f64(v, 5);
		c->cpu_s = v[0];
		c->joules = v[1];
		c->source = v[2] > 0 ? NN_ENERGY_NONE : v[3] > 0 ? NN_ENERGY_ESTIMATED : c->source;
		if (c->source == NN_ENERGY_NONE)
			c->joules = 0;
	}
	T->cost = *c;
}

void tool_train_cost_text(const nn_cost *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "cpu %.1f s", c->cpu_s);
	if (c->source != NN_ENERGY_NONE && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "  %.4g J %s", c->joules, nn_energy_source_name(c->source));
}

/* --- the loop's helpers ------------------------------------------------------ */

void tool_train_evaluate(const nn_mlp *net, nn_mlp_work *w, size_t chunk, const nn_dataset *ds,
                         int classification, float *tb, double *loss, double *acc)
{
	nn_error err = { 0 };
	if (nn_dataset_evaluate(net, w, chunk, ds, classification, tb, loss, acc, &err))
		tool_die_err(NULL, &err);
}

void tool_train_progress(uint64_t epoch, size_t done, size_t total, double rate)
{
	int width = 30, filled = (int)((double)width * (double)done / (double)total);
	fprintf(stderr, "\repoch %llu [%.*s%*s] %3d%% %.0f samples/s ", (unsigned long long)epoch,
	        filled, "##############################", width - filled, "",
	        (int)(100.0 * (double)done / (double)total), rate);
}

/* --- what the run writes, opened first ---------------------------------- */

/* One line of the log in one write(2): with O_APPEND, lines of two runs
 * on one log never mix. */
static void log_write(const tool_train *T, const char *line)
{
	size_t n = strlen(line);
	ssize_t w;
	while ((w = write(T->log_fd, line, n)) < 0 && errno == EINTR)
		;
	if (w != (ssize_t)n)
		tool_die(TOOL_EXIT_DATA, T->log, "write failed: %s", w < 0 ? strerror(errno) : "short write");
}

/* One run at a time on a checkpoint: the lock lasts as long as the
 * process (its descriptor is never closed).  A checkpoint only read
 * (--resume) from a folder where no lock file can be made is read
 * unlocked: this run could not write there either. */
static void lock(const char *path, int writing)
{
	nn_error err = { 0 };
	if (path && nn_lock_path(path, &err) < 0 && (writing || err.code != NN_EIO))
		tool_die_err(path, &err);
}

void tool_train_open(tool_train *T)
{
	T->log_fd = -1;
	if (T->dry_run || tool_mpi_rank)
		return;
	if ((!T->out || !strcmp(T->out, "-")) && isatty(1))
		tool_usage("refusing to write binary data to a terminal (use -o FILE or a pipe)");
	T->model = tool_out_open(T->out, 1);
	lock(T->checkpoint, 1);
	if (T->resume && (!T->checkpoint || strcmp(T->resume, T->checkpoint)))
		lock(T->resume, 0);
	/* A resumed run appends to its log; a new one starts it afresh. */
	if (T->log && (T->log_fd = open(T->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (T->resume ? 0 : O_TRUNC),
	                                0666)) < 0)
		tool_die(TOOL_EXIT_DATA, T->log, "cannot open: %s", strerror(errno));
	if (T->log_fd >= 0 && !T->resume && strcmp(T->log_format, "json"))
		log_write(T, nn_fit_log_header);
}

void tool_train_log(const tool_train *T, const nn_epoch_log *e, int has_val, int classification)
{
	char line[NN_FIT_LOG_MAX], cost[96];
	if (T->log_fd >= 0) {
		nn_fit_log_line(line, e, !strcmp(T->log_format, "json"));
		log_write(T, line);
	}
	if (tool_quiet)
		return;
	tool_train_cost_text(&e->cost, cost, sizeof cost);
	fprintf(stderr, "epoch %llu/%lld  loss %.6g", (unsigned long long)e->epoch, T->o.epochs, e->train_loss);
	if (has_val)
		fprintf(stderr, "  val_loss %.6g", e->val_loss);
	if (has_val && classification)
		fprintf(stderr, "  val_acc %.4f", e->val_accuracy);
	fprintf(stderr, "  lr %.3g  %.0f samples/s  %.1f s  %s\n", e->lr, e->samples_per_s, e->elapsed_s, cost);
}

void tool_train_log_close(tool_train *T)
{
	if (T->log_fd >= 0 && close(T->log_fd))
		tool_die(TOOL_EXIT_DATA, T->log, "write failed: %s", strerror(errno));
	T->log_fd = -1;
}
