/* nn-split — split a stream into train and test (and validation) sets, one
 * fold of k, or shards.
 *
 * Choices (nn-split(1) explains each):
 * - Sizes follow scikit-learn's train_test_split: a fraction F gives
 *   ceil(F * n) rows, a whole number that many rows; train takes the rest
 *   and must not be empty.  Default --test-size 0.25.  Which output takes
 *   each row is nn/split.h's plan.
 * - Shuffled (the default): the rows go through one seeded random
 *   permutation of the whole input (nn/shuffle.h: bounded memory, --memory
 *   bytes at once, buckets on disk past that); test takes its first rows,
 *   then val, then train (as ShuffleSplit), so every output is in random
 *   order.  --no-shuffle uses no randomness: train takes the first rows,
 *   then val, then test, each in input order (shuffle=False); it reads the
 *   input twice (a pipe through a temporary copy, tool_input_rewindable).
 * - --stratify: per class, its rows in permutation order fill the outputs
 *   in the same order; how many go where is nn_stratify's rounding
 *   (nn/stratify.h: largest remainders, ties to lower classes in the order
 *   test, val, train).  k folds: StratifiedKFold's allocation (rows sorted
 *   by class dealt round-robin, nn_kfold_rows).  A class needs at least
 *   one row per output.
 * - --kfold K --fold I: fold sizes as KFold (the first n mod K folds one
 *   row longer); the permutation does not depend on I, so the K test
 *   folds partition the rows.
 * - --streaming and --shards assign each row in one pass, in input order:
 *   by nn_hash64(seed, row index), or round-robin.  Shard names follow
 *   nn/shard.h's rule.
 * - Outputs: a temporary file beside each (tool_out), all renamed into
 *   place only when every one was written whole.  "-" is standard output,
 *   for one of them.
 * - Provenance: the input's schema with this program's arguments, less
 *   the output names.
 * - Which options go together, and the label field that can be counted
 *   by class, are nn/splitopts.h's rules; what each output got (rows,
 *   rows per class) and its note are nn/split.h's.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "nn/rng.h"
#include "nn/rowpack.h"
#include "nn/shard.h"
#include "nn/shuffle.h"
#include "nn/split.h"
#include "nn/splitopts.h"

#define MAX_CLASS 65536
#define GROUP     32     /* outputs written per pass over the input */
enum { TRAIN = NN_SPLIT_TRAIN, TEST = NN_SPLIT_TEST, VAL = NN_SPLIT_VAL };

/* One output: its file, its writer, and what went into it. */
typedef struct {
	const char *path;              /* as given; "-" is standard output */
	tool_out *file;
	nn_writer *w;
} output;

/* Everything the program knows: options, input, outputs, and the plan of
 * which rows go where. */
static struct {
	nn_split_opts o;               /* the options that shape the split */
	const char *y;
	long long memory, seed, level, threads;

	const char *in_path, *in_name;
	tool_input in;                 /* when read more than once */
	nn_schema *schema, *out_schema;
	int ylab;                      /* the label field, or -1 */
	size_t rowb, off[NN_MAX_FIELDS];   /* packed row: bytes, field offsets */

	output *outs;
	nn_split_tally *got;           /* what went into each output */
	size_t nouts, batch_rows;
	int count_classes;

	nn_split_spec spec;            /* sizes as parsed, folds, order */
	size_t ncls;                   /* groups: classes when stratified, else 1 */
	uint64_t nrows, *ngrp;         /* rows in all, per group */
	nn_split plan;                 /* which output takes each group's next row */
} T = { .o.fold = -1, .y = "y", .memory = 32 << 20, .level = NN_DEFAULT_LEVEL,
        .ylab = -1, .count_classes = 1, .ncls = 1 };

static const nn_option options[] = {
	{ 0, "train", NN_OPT_STR, &T.o.train, "FILE", "write the training rows to FILE", 0, 0 },
	{ 0, "test", NN_OPT_STR, &T.o.test, "FILE", "write the test rows to FILE", 0, 0 },
	{ 0, "val", NN_OPT_STR, &T.o.val, "FILE", "write the validation rows to FILE", 0, 0 },
	{ 0, "test-size", NN_OPT_STR, &T.o.tsize, "F",
	  "test rows: a fraction (rounded up) or a count (default 0.25)", 0, 0 },
	{ 0, "val-size", NN_OPT_STR, &T.o.vsize, "F",
	  "validation rows: a fraction (rounded up) or a count", 0, 0 },
	{ 0, "stratify", NN_OPT_FLAG, &T.o.stratify, NULL,
	  "keep the class proportions of the label in every output", 0, 0 },
	{ 0, "y", NN_OPT_STR, &T.y, "NAME", "the label field (default y)", 0, 0 },
	{ 0, "no-shuffle", NN_OPT_FLAG, &T.o.noshuffle, NULL,
	  "no randomness: consecutive rows, each output in input order", 0, 0 },
	{ 0, "kfold", NN_OPT_INT, &T.o.kfold, "K",
	  "cut the rows into K folds: fold I is test, the rest train", 2, 1e6 },
	{ 0, "fold", NN_OPT_INT, &T.o.fold, "I", "the fold to test on, 0 to K-1", 0, 1e6 },
	{ 0, "streaming", NN_OPT_FLAG, &T.o.streaming, NULL,
	  "one pass, constant memory, by a hash of the row: sizes approximate", 0, 0 },
	{ 0, "shards", NN_OPT_INT, &T.o.shards, "N",
	  "write N shards by a hash of the row index and seed", 1, 4096 },
	{ 0, "shard-pattern", NN_OPT_STR, &T.o.pattern, "PAT",
	  "shard file names, with one %d-like conversion: 'part-%03d.nns'", 0, 0 },
	{ 0, "round-robin", NN_OPT_FLAG, &T.o.rr, NULL,
	  "with --shards: row i goes to shard i mod N", 0, 0 },
	{ 0, "memory", NN_OPT_SIZE, &T.memory, "SIZE",
	  "bytes of rows shuffled in memory at once, K, M or G after the number for KiB, MiB, GiB "
	  "(default 32M)", 1, 1 << 30 },
	NN_OPT_SEED(&T.seed),
	NN_OPT_LEVEL(&T.level),
	NN_OPT_THREADS(&T.threads),   /* 0: tool_compress_threads decides */
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-split", "[OPTIONS] [INPUT]",
	"Split a stream into train, test and validation sets, k folds, or shards.",
	"Split:  nn-split --test-size 0.2 [--val-size 0.1 --val FILE] --train FILE --test FILE\n"
	"Folds:  nn-split --kfold 5 --fold 0 --train FILE --test FILE\n"
	"Shards: nn-split --shards 8 --shard-pattern 'part-%03d.nns'\n"
	"Sizes and class counts of every output are noted on stderr.",
	options, 1
};

/* --- outputs ----------------------------------------------------------------- */

static const char *out_name(const output *o)
{
	return strcmp(o->path, "-") ? o->path : "(stdout)";
}

static void out_open(output *o)
{
	/* More than three outputs (--shards) are many writers, compressing side
	 * by side already: one thread each unless told (each costs a zstd
	 * context and buffers). */
	o->file = tool_out_open(o->path, 1);
	o->w = tool_out_writer(o->file, T.out_schema, T.level, T.threads ? T.threads : T.nouts > 3,
	                       T.batch_rows);
}

/* One row (cols[f] points at its bytes of field f) of class cls (-1: none). */
static void out_row(output *o, const void *const *cols, int64_t cls)
{
	nn_error err = { 0 };

	if (nn_writer_write(o->w, cols, 1, &err))
		tool_die_err(out_name(o), &err);
	if (nn_split_tally_add(&T.got[o - T.outs], T.count_classes ? cls : -1, &err))
		tool_die_err(NULL, &err);
}

/* End one stream; it is renamed into place by commit_all. */
static void out_finish(output *o)
{
	nn_error err = { 0 };

	if (nn_writer_finish(o->w, &err))
		tool_die_err(out_name(o), &err);
	nn_writer_free(o->w);
	o->w = NULL;
	tool_out_close(o->file);
}

/* Rows, and rows of each class, of every output on stderr. */
static void note_sizes(const nn_field *y)
{
	for (size_t i = 0; i < T.nouts; i++) {
		char buf[1024] = "";
		int cut = y && T.count_classes &&
		          nn_split_note(buf, sizeof buf, T.got, T.nouts, i, y->name,
		                        (const char *const *)y->classes, y->nclasses);
		tool_note("'%s': %llu rows%s%s", out_name(&T.outs[i]), (unsigned long long)T.got[i].rows,
		          buf, cut ? " ..." : "");
	}
	if (T.o.streaming)
		tool_note("--streaming: sizes are approximate (each row goes where a hash sends it)");
}

/* Only when every stream is whole are they all renamed into place. */
static void commit_all(void)
{
	for (size_t i = 0; i < T.nouts; i++)
		if (T.outs[i].w)
			out_finish(&T.outs[i]);
	for (size_t i = 0; i < T.nouts; i++)
		tool_out_commit(T.outs[i].file);
	note_sizes(T.ylab >= 0 ? &T.schema->fields[T.ylab] : NULL);
}

/* --- sizes, classes, and where each row goes ------------------------------ */

/* The class of a row from its label's bytes; -1 when not a class id. */
static int64_t class_of(const void *lab, size_t i)
{
	const nn_field *f = &T.schema->fields[T.ylab];
	double v = nn_load_f64(lab, f->dtype, i);
	size_t lim = f->nclasses ? f->nclasses : MAX_CLASS;

	if (v >= 0 && v < (double)lim)
		return (int64_t)v;
	if (T.o.stratify)
		tool_die(TOOL_EXIT_DATA, T.in_name, "row %llu: label %.0f is not a class id (0 to %zu)",
		         (unsigned long long)T.nrows + 1, v, lim - 1);
	T.count_classes = 0;
	return -1;
}

/* Once the row count (and class counts) are known: every block's size. */
static void plan(void)
{
	const nn_field *y = T.ylab >= 0 ? &T.schema->fields[T.ylab] : NULL;
	nn_error err = { 0 };

	if (nn_split_plan(&T.plan, &T.spec, T.ngrp, T.ncls, y ? (const char *const *)y->classes : NULL,
	                  y ? y->nclasses : 0, &err))
		tool_die_err(err.code == NN_EDATA ? T.in_name : NULL, &err);
}

/* The output of the next row of group g in sequence order. */
static output *next_out(size_t g)
{
	int o = nn_split_next(&T.plan, g);

	if (o < 0)
		tool_die(TOOL_EXIT_DATA, T.in_name, "changed while being read");
	return &T.outs[o];
}

/* --- reading ------------------------------------------------------------- */

/* Write one packed row to the output its group's sequence says. */
static void emit_packed(const unsigned char *row)
{
	const void *cols[NN_MAX_FIELDS];
	int64_t c = T.ylab >= 0 ? class_of(row + T.off[T.ylab], 0) : -1;

	for (size_t f = 0; f < T.schema->nfields; f++)
		cols[f] = row + T.off[f];
	out_row(next_out(T.o.stratify ? (size_t)c : 0), cols, c);
}

static int emit_shuffled(void *ctx, const void *row, nn_error *err)
{
	(void)ctx, (void)err;   /* emit_packed ends the program on failure */
	emit_packed(row);
	return 0;
}

/* Count the rows and classes of a batch. */
static void count_batch(const nn_batch *b)
{
	for (size_t i = 0; i < b->rows; i++, T.nrows++) {
		if (T.o.stratify) {
			int64_t c = class_of(b->col[T.ylab], i);
			if ((size_t)c >= T.ncls) {
				T.ngrp = tool_realloc(T.ngrp, ((size_t)c + 1) * sizeof *T.ngrp);
				memset(T.ngrp + T.ncls, 0, ((size_t)c + 1 - T.ncls) * sizeof *T.ngrp);
				T.ncls = (size_t)c + 1;
			}
			T.ngrp[c]++;
		}
	}
	if (!T.o.stratify)
		T.ngrp[0] = T.nrows;
}

static void open_all(size_t lo, size_t hi)
{
	for (size_t o = lo; o < hi; o++)
		out_open(&T.outs[o]);
}

static _Noreturn void shuffle_die(const nn_error *err)
{
	if (err->code == NN_ELIMIT)
		tool_die(TOOL_EXIT_DATA, NULL, "%s, or raise --memory", err->msg);
	tool_die_err(NULL, err);
}

/* Exact split, shuffled: one pass to count and shuffle, then the rows in
 * permuted order.  One read-ahead thread, not two (tool_scan_threads):
 * the rows go out to the buckets meanwhile. */
static void split_shuffled(nn_reader *r)
{
	const nn_batch *b;
	nn_error err = { 0 };
	unsigned char *row = tool_alloc(T.rowb);
	nn_shuffle *s = nn_shuffle_new(T.rowb, (uint64_t)T.memory, (uint64_t)T.seed, NULL, &err);

	if (!s)
		shuffle_die(&err);
	while (tool_next(r, T.in_path, &b)) {
		count_batch(b);
		for (size_t i = 0; i < b->rows; i++) {
			nn_row_pack(T.schema, -1, (const void *const *)b->col, i, row);
			if (nn_shuffle_add(s, row, &err))
				shuffle_die(&err);
		}
	}
	plan();
	open_all(0, T.nouts);
	if (nn_shuffle_finish(s, emit_shuffled, NULL, &err))
		shuffle_die(&err);
	nn_shuffle_free(s);
	free(row);
	nn_reader_close(r);
}

static nn_reader *reopen_input(nn_reader *r)
{
	nn_reader_close(r);
	r = tool_input_reader(&T.in);
	if (nn_schema_compare(T.schema, nn_reader_schema(r), NULL))
		tool_die(TOOL_EXIT_DATA, T.in_name, "changed while being read");
	return r;
}

/* Exact split in input order: count, then read again. */
static void split_ordered(nn_reader *r)
{
	const nn_batch *b;
	unsigned char *row = tool_alloc(T.rowb);

	tool_scan_threads(r);   /* the count comes before any output */
	while (tool_next(r, T.in_path, &b))
		count_batch(b);
	plan();
	open_all(0, T.nouts);
	r = reopen_input(r);
	while (tool_next(r, T.in_path, &b))
		for (size_t i = 0; i < b->rows; i++) {
			nn_row_pack(T.schema, -1, (const void *const *)b->col, i, row);
			emit_packed(row);
		}
	if (nn_reader_rows(r) != T.nrows)
		tool_die(TOOL_EXIT_DATA, T.in_name, "changed while being read");
	nn_reader_close(r);
	free(row);
}

/* One pass per group of outputs (writers cost memory; shards can be
 * many): every row goes where a hash of its index (or i mod N) says. */
static void single_pass(nn_reader *r)
{
	const nn_batch *b;
	const void *cols[NN_MAX_FIELDS];
	double ft = 0, fv = 0;

	if (T.o.streaming && !T.o.kfold && nn_split_fractions(&T.spec, &ft, &fv))
		tool_usage("--streaming takes sizes as fractions: the row count is not known");
	for (size_t lo = 0; lo < T.nouts; lo += GROUP) {
		size_t hi = lo + GROUP < T.nouts ? lo + GROUP : T.nouts;
		uint64_t row = 0;

		if (lo)
			r = reopen_input(r);
		open_all(lo, hi);
		while (tool_next(r, T.in_path, &b)) {
			for (size_t i = 0; i < b->rows; i++, row++) {
				size_t o = T.o.shards ? nn_split_shard((uint64_t)T.seed, row, (uint64_t)T.o.shards, T.o.rr)
				         : (size_t)nn_split_streamed((uint64_t)T.seed, row, (uint64_t)T.o.kfold,
				                                     (uint64_t)T.o.fold, ft, fv);
				if (o < lo || o >= hi)
					continue;
				for (size_t f = 0; f < b->ncols; f++)
					cols[f] = (const unsigned char *)b->col[f] + i * T.schema->fields[f].row_bytes;
				out_row(&T.outs[o], cols, T.ylab >= 0 ? class_of(b->col[T.ylab], i) : -1);
			}
		}
		if (lo && row != T.nrows)
			tool_die(TOOL_EXIT_DATA, T.in_name, "changed while being read");
		if (!(T.nrows = row))
			tool_die(TOOL_EXIT_DATA, T.in_name, "no rows to split");
		for (size_t o = lo; o < hi; o++)
			out_finish(&T.outs[o]);
	}
	nn_reader_close(r);
}

/* --- setting up ------------------------------------------------------------ */

/* Which options go together and the sizes they give (nn/splitopts.h). */
static void check_usage(void)
{
	nn_error err = { 0 };

	if (nn_split_opts_check(&T.o, &T.spec, &err))
		tool_usage("%s", err.msg);
}

/* The outputs named on the command line; shards from the pattern. */
static void name_outputs(void)
{
	nn_error err = { 0 };
	nn_shard_pattern pat;
	size_t nstd = 0;

	T.nouts = T.o.shards ? (size_t)T.o.shards : T.o.val ? 3 : 2;
	T.outs = tool_alloc(T.nouts * sizeof *T.outs);
	T.got = tool_alloc(T.nouts * sizeof *T.got);
	if (T.o.shards) {
		if (nn_shard_pattern_parse(&pat, T.o.pattern, &err))
			err.code == NN_EARG ? tool_usage("--shard-pattern: '%s' %s", T.o.pattern, err.msg)
			                    : tool_die_err(NULL, &err);
		for (size_t i = 0; i < T.nouts; i++)
			if (!(T.outs[i].path = nn_shard_name(&pat, i, &err)))
				tool_die_err(NULL, &err);
		nn_shard_pattern_release(&pat);
	} else {
		T.outs[TRAIN].path = T.o.train;
		T.outs[TEST].path = T.o.test;
		if (T.o.val)
			T.outs[VAL].path = T.o.val;
	}
	for (size_t i = 0; i < T.nouts; i++) {
		nstd += !strcmp(T.outs[i].path, "-");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(T.outs[i].path, T.outs[j].path))
				tool_usage("'%s' is named for two outputs", T.outs[i].path);
	}
	if (nstd > 1)
		tool_usage("only one output can be standard output");
}

/* The input's schema, its label field (when it holds class ids), and the
 * packed row layout. */
static void read_schema(nn_reader *r)
{
	nn_error err = { 0 };

	if (!(T.schema = nn_schema_clone(nn_reader_schema(r), &err)))
		tool_die_err(NULL, &err);
	if (nn_split_label(T.schema, T.y, T.o.stratify, &T.ylab, &err))
		tool_die(TOOL_EXIT_DATA, T.in_name, "%s", err.msg);
	for (size_t f = 0; f < T.schema->nfields; f++) {
		T.off[f] = T.rowb;
		T.rowb += T.schema->fields[f].row_bytes;
	}
}

/* The outputs' schema: the input's, with this program's provenance (less
 * the output names: where a result goes does not change it). */
static void output_schema(int argc, char **argv)
{
	static const char *const drop[] = { "--train=", "--test=", "--val=", "--shard-pattern=", NULL };
	nn_error err = { 0 };

	if (!(T.out_schema = nn_schema_clone(T.schema, &err)))
		tool_die_err(NULL, &err);
	tool_provenance_except(T.out_schema, argc, argv, drop);
	if (!T.o.noshuffle && !T.o.rr)
		nn_schema_set_seed(T.out_schema, (uint64_t)T.seed);
	/* many shards: smaller batches keep the writers' memory bounded */
	T.batch_rows = (T.nouts > 4 ? (4u << 20) / (T.nouts < GROUP ? T.nouts : GROUP)
	                            : NN_DEFAULT_BATCH_BYTES) / T.rowb;
	T.batch_rows = T.batch_rows ? T.batch_rows : 1;
}

int main(int argc, char **argv)
{
	nn_strlist ops = { 0 };
	nn_reader *r;

	tool_parse(&cli, argc, argv, &ops);
	check_usage();
	name_outputs();
	T.in_path = ops.n ? ops.v[0] : NULL;
	T.in_name = tool_name(T.in_path);
	if (T.o.noshuffle || T.nouts > GROUP) {   /* read more than once */
		tool_input_rewindable(&T.in, T.in_path);
		r = tool_input_reader(&T.in);
	} else {
		r = tool_reader(T.in_path);
	}
	read_schema(r);
	output_schema(argc, argv);
	T.ngrp = tool_alloc(sizeof *T.ngrp);
	if (T.o.shards || T.o.streaming)
		single_pass(r);
	else if (T.o.noshuffle)
		split_ordered(r);
	else
		split_shuffled(r);
	commit_all();
	nn_split_release(&T.plan);
	nn_schema_free(T.out_schema);
	nn_strlist_free(&ops);
	return 0;
}
