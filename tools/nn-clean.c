/* nn-clean — drop or repair rows with bad values, duplicates, constant
 * columns and outliers.
 *
 * Choices:
 * - What happens to a row, in order: a label that is NaN or infinite (or
 *   an integer label with class names outside them) drops it
 *   (--bad-label drop, the default) or fails; then the --nonfinite policy
 *   (default drop) applies to its features; then --dedup; then the
 *   surviving row's non-finite values are replaced, values are clipped
 *   (--clip-sigma) and constant columns left out (--drop-constant).
 * - Statistics (mean, population std, median as numpy's linear 50th
 *   percentile) are per element of the feature field over the rows that
 *   pass the label and --nonfinite drop checks, finite values only,
 *   duplicates included.  A column with no finite value has none: its
 *   non-finite values are left as they are and it is never clipped.
 * - Integer features have no non-finite values; clip bounds are rounded
 *   inwards to whole numbers.  Output keeps every field's dtype.
 * - Clipping leaves NaN alone and clips ±inf (kept with --nonfinite keep).
 * - --dedup: rows whose features and label have the same bytes, as read,
 *   keep the first.  Rows are compared by a 128-bit hash; the (hash, row)
 *   pairs are spilled to $TMPDIR and sorted in partitions of 16 MiB, so
 *   memory holds one bit per row.
 * - Fitting and --dedup read the input again (a regular file is re-read;
 *   anything else is first copied, still compressed, to $TMPDIR): twice,
 *   or three times with --nonfinite median (radix selection, one pass per
 *   byte of the dtype).  --load without --dedup streams in one pass.
 * - --save FILE: parameters file (nn/params.h) of kind "params", program
 *   "nn-clean", method "clean", vectors mean, std and (when fitted)
 *   median, and the columns' names; --load matches columns by name.
 * - The output's chain (nn/prep.h) gets this run's step: fills, clip
 *   bounds and dropped columns by value, applied by prep.c as nn-predict
 *   applies them for a model.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "nn/clean.h"
#include "nn/cleanopts.h"
#include "nn/colstats.h"
#include "nn/params.h"
#include "nn/prep.h"

static const char *opt_out, *opt_nonfinite, *opt_badlabel = "drop", *opt_save,
                  *opt_load, *opt_x = "x", *opt_y;
static int opt_dedup, opt_dropconst;
static double opt_clip = -1;   /* -1: not given */
static long long opt_level = 3, opt_threads;   /* 0: tool_compress_threads decides */

static const nn_option options[] = {
	NN_OPT_OUTPUT(&opt_out),
	{ 0, "nonfinite", NN_OPT_STR, &opt_nonfinite, "P",
	  "NaN/inf features: drop, mean, median, zero, value=V, fail or keep (default drop)", 0, 0 },
	{ 0, "bad-label", NN_OPT_CHOICE, &opt_badlabel, "drop|fail",
	  "rows with a NaN/inf label: drop them or fail (default drop)", 0, 0 },
	{ 0, "dedup", NN_OPT_FLAG, &opt_dedup, NULL, "drop exact duplicate rows, keep the first", 0, 0 },
	{ 0, "drop-constant", NN_OPT_FLAG, &opt_dropconst, NULL,
	  "drop feature columns with zero variance", 0, 0 },
	{ 0, "clip-sigma", NN_OPT_DOUBLE, &opt_clip, "S",
	  "clip values beyond S standard deviations of the mean", 0, 1e300 },
	{ 0, "save", NN_OPT_STR, &opt_save, "FILE", "write the fitted statistics to FILE", 0, 0 },
	{ 0, "load", NN_OPT_STR, &opt_load, "FILE", "use the statistics and settings in FILE instead of fitting", 0, 0 },
	{ 0, "x", NN_OPT_STR, &opt_x, "NAME", "the feature field (default x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &opt_y, "NAME", "the label field (default y, if there is one)", 0, 0 },
	NN_OPT_LEVEL(&opt_level),
	NN_OPT_THREADS(&opt_threads),
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-clean", "[OPTIONS] [INPUT]",
	"Drop or repair rows with NaN/inf values, bad labels, duplicates and outliers.",
	"Statistics a policy needs (mean, median, std per feature element) are fitted\n"
	"on INPUT, or taken from a file written by --save with --load, so that a test\n"
	"set is cleaned with the training set's numbers.  A summary of what was done\n"
	"goes to stderr (not with -q).",
	options, 1
};

static enum nn_nonfinite policy;
static double fill_value;
static int label_fail;

static const char *in_path, *in_name;
static size_t fx, D;
static int fy = -1;
static char **col_names;   /* the D columns' names in the order fitted (NULL: none) */
static size_t *perm;       /* --load: the input's column of each fitted column (NULL: the same) */

/* counts for the summary */
static uint64_t n_badlabel, n_nonfinite, n_dup, n_replaced, n_clipped;

static tool_input twice;   /* read twice when fitting or deduplicating */

/* --- which rows stay --------------------------------------------------- */

static void find_fields(const nn_schema *s)
{
	int f = nn_schema_find(s, opt_x);

	if (strcmp(s->kind, "data"))
		tool_die(TOOL_EXIT_DATA, in_name, "a stream of kind '%s', not data", s->kind);
	if (f < 0)
		tool_die(TOOL_EXIT_DATA, in_name, "no field '%s' (choose one with --x)", opt_x);
	fx = (size_t)f;
	D = s->fields[fx].row_elems;
	fy = nn_schema_find(s, opt_y ? opt_y : "y");
	if (fy < 0 && opt_y)
		tool_die(TOOL_EXIT_DATA, in_name, "no field '%s' (choose one with --y)", opt_y);
	if (fy == (int)fx)
		tool_usage("the features and the label are the same field");
	if (opt_dropconst && s->fields[fx].ndim > 1)
		tool_die(TOOL_EXIT_DATA, in_name, "--drop-constant needs a flat feature vector; "
		         "'%s' has %d dimensions", opt_x, s->fields[fx].ndim);
	nn_error err = { 0 };
	if (nn_prep_feature_names(s, &s->fields[fx], &col_names, &err))
		tool_die_err(NULL, &err);
}

/* keep[i] for every row of b (nn_clean_mask).  Counts only when count is
 * set (the last pass). */
static void row_mask(const nn_schema *s, const nn_batch *b, uint64_t first_row, unsigned char *keep,
                     int count)
{
	nn_error err = { 0 };
	uint64_t dropped[2] = { 0, 0 };

	if (nn_clean_mask(s, fx, fy, b, first_row, policy, label_fail, keep, dropped, &err))
		tool_die_err(in_name, &err);
	if (count)
		n_badlabel += dropped[0], n_nonfinite += dropped[1];
}

/* --- duplicates ---------------------------------------------------------- */

static nn_dedup *dedup;   /* with --dedup */

static void dup_add(const nn_schema *s, const nn_batch *b, uint64_t first_row, const unsigned char *keep)
{
	nn_error err = { 0 };
	size_t xb = s->fields[fx].row_bytes, yb = fy >= 0 ? s->fields[fy].row_bytes : 0;
	for (size_t i = 0; i < b->rows; i++)
		if (keep[i] && nn_dedup_add(dedup, (const char *)b->col[fx] + i * xb, xb,
		                            fy >= 0 ? (const char *)b->col[fy] + i * yb : NULL, yb,
		                            first_row + i, &err))
			tool_die_err("(temporary file)", &err);
}

/* --- statistics ---------------------------------------------------------- */

static double *st_mean, *st_std, *st_median;   /* per column; NaN: none */
static uint64_t in_rows;                        /* rows of the input, after a first pass */

/* The passes before the output's: --dedup's hashes and, with p, the fit
 * (with the median, a pass more per byte of the dtype). */
static void fit(nn_params *p)
{
	nn_error err = { 0 };
	nn_colmoments *cm = NULL;
	nn_colselect *cs = NULL;
	unsigned char *keep = NULL;
	size_t cap = 0;
	const nn_batch *b;
	int done = 0, pass = 0;

	if (p && !(cm = nn_colmoments_new(D, &err)))
		tool_die_err(NULL, &err);
	if (p && policy == NN_NONFINITE_MEDIAN && !(cs = nn_colselect_new(D, p->dtype, (double[]){ 0.5 }, 1, &err)))
		tool_die_err(NULL, &err);
	while (!done) {
		nn_reader *r = tool_input_reader(&twice);
		const nn_schema *s = nn_reader_schema(r);
		tool_scan_threads(r);
		while (tool_next(r, in_name, &b)) {
			if (b->rows > cap)
				keep = tool_realloc(keep, cap = b->rows);
			row_mask(s, b, nn_reader_rows(r) - b->rows, keep, 0);
			if (!pass) {
				if (cm)
					nn_colmoments_add(cm, b->col[fx], s->fields[fx].dtype, b->rows, keep);
				if (opt_dedup)
					dup_add(s, b, nn_reader_rows(r) - b->rows, keep);
			}
			if (cs)
				nn_colselect_add(cs, b->col[fx], b->rows, keep);
		}
		in_rows = nn_reader_rows(r);
		if (p && !(p->rows = in_rows))
			tool_die(TOOL_EXIT_DATA, in_name, "no rows to fit on");
		nn_reader_close(r);
		if (!cs)
			break;
		if ((done = nn_colselect_pass_done(cs, &err)) < 0)
			tool_die_err(in_name, &err);
		pass++;
	}
	free(keep);
	if (!p)
		return;
	st_mean = nn_params_add(p, "mean", &err);
	st_std = nn_params_add(p, "std", &err);
	if (!st_mean || !st_std || (cs && !(st_median = nn_params_add(p, "median", &err))))
		tool_die_err(NULL, &err);
	for (size_t j = 0; j < D; j++) {
		st_mean[j] = cm->count[j] ? cm->mean[j] : NAN;
		st_std[j] = sqrt(nn_colmoments_var(cm, j));
	}
	if (cs)
		nn_colselect_result(cs, st_median, NULL);
	nn_colmoments_free(cm);
	nn_colselect_free(cs);
}

/* --- output -------------------------------------------------------------- */

/* The step this run adds to the preparation chain (nn/prep.h): its fills,
 * clip bounds and dropped columns by value, under the names of the
 * columns it fitted on. */
static void make_step(nn_prep_step *st, const nn_field *x, const unsigned char *col_keep)
{
	nn_error err = { 0 };
	nn_clean_spec spec = { policy, fill_value, opt_clip, st_mean, st_std, st_median, col_keep,
	                       opt_dedup, label_fail };
	if (nn_clean_step(st, opt_x, D, col_names, x->dtype, &spec, &err))
		tool_die_err(NULL, &err);
}

/* The output's metadata: the chain with this step, and the feature names
 * of the columns kept, in the order written. */
static void set_meta(nn_schema *os, const nn_schema *s, const nn_field *x, const unsigned char *col_keep)
{
	nn_error err = { 0 };
	nn_prep chain;
	nn_prep_step st;
	char **kept = NULL;
	size_t n = 0;

	if (nn_prep_read(s, &chain, NULL, &err))
		tool_die_err(in_name, &err);
	make_step(&st, x, col_keep);
	if (col_names && (perm || st.out_columns != D)) {
		kept = tool_alloc(D * sizeof *kept);
		for (size_t j = 0; j < D; j++)
			if (col_keep[j])
				kept[n++] = col_names[j];
	}
	if (nn_prep_append(&chain, &st, &err) || nn_prep_meta_update(os, s, &chain, kept, n, &err))
		tool_die_err(in_name, &err);
	nn_prep_release(&chain);
	free(kept);
}

static void clean(nn_reader *r, const unsigned char *col_keep, size_t D2, int argc, char **argv)
{
	nn_error err = { 0 };
	const nn_schema *s = nn_reader_schema(r);
	const nn_field *x = &s->fields[fx];
	nn_schema *os = nn_schema_clone(s, &err);
	size_t nf = s->nfields, cap = 0, esz = nn_dtype_size(x->dtype);
	unsigned char *keep = NULL;
	void **cols = tool_alloc(nf * sizeof *cols);
	double *row = tool_alloc(D * sizeof *row), *tmp = perm ? tool_alloc(D * sizeof *tmp) : NULL;
	nn_prep_counts cnt = { 0 };
	nn_prep_step st;
	const nn_batch *b;
	nn_writer *w;

	if (!os)
		tool_die_err(NULL, &err);
	if (D2 != D) {
		os->fields[fx].ndim = 1;
		os->fields[fx].shape[0] = D2;
		os->fields[fx].row_elems = D2;
		os->fields[fx].row_bytes = D2 * esz;
	}
	set_meta(os, s, x, col_keep);
	make_step(&st, x, col_keep);
	tool_provenance(os, argc, argv);
	tool_output_open(opt_out, 1);
	w = tool_writer(os, opt_level, opt_threads);
	while (tool_next(r, in_name, &b)) {
		uint64_t first = nn_reader_rows(r) - b->rows;
		size_t out = 0;
		if (b->rows > cap) {
			keep = tool_realloc(keep, cap = b->rows);
			for (size_t i = 0; i < nf; i++) {
				free(cols[i]);
				cols[i] = tool_alloc(cap * os->fields[i].row_bytes);
			}
		}
		row_mask(s, b, first, keep, 1);
		for (size_t i = 0; i < b->rows; i++) {
			uint64_t g = first + i;
			if (!keep[i])
				continue;
			if (dedup && nn_dedup_repeat(dedup, g)) {
				n_dup++;
				continue;
			}
			for (size_t f = 0; f < nf; f++)
				if (f != fx)
					memcpy((char *)cols[f] + out * s->fields[f].row_bytes,
					       (const char *)b->col[f] + i * s->fields[f].row_bytes, s->fields[f].row_bytes);
			nn_convert(perm ? tmp : row, NN_F64, (const char *)b->col[fx] + i * x->row_bytes, x->dtype, D, NULL);
			if (perm)
				nn_prep_permute(perm, D, tmp, row, 1);
			nn_prep_apply(&st, row, 1, &cnt);
			if (nn_convert((char *)cols[fx] + out * D2 * esz, x->dtype, row, NN_F64, D2, &err))
				tool_die_err(in_name, &err);
			out++;
		}
		if (out)
			tool_write(w, (const void *const *)cols, out);
	}
	tool_writer_finish(w);
	n_replaced = cnt.replaced;
	n_clipped = cnt.clipped;
	for (size_t i = 0; i < nf; i++)
		free(cols[i]);
	free(cols);
	free(keep);
	free(row);
	free(tmp);
	nn_prep_step_release(&st);
	nn_schema_free(os);
}

/* --- main ---------------------------------------------------------------- */

static nn_params loaded;        /* --load's file */
static nn_clean_settings set;  /* what this run does, settled */

/* The settings this run uses (nn/cleanopts.h): typed, or --load's. */
static void settle_settings(void)
{
	nn_error err = { 0 };

	if (opt_load && opt_save)
		tool_usage("--load and --save exclude each other");
	if (opt_load && nn_params_read(opt_load, "nn-clean", &loaded, &err))
		tool_die_err(opt_load, &err);
	if (nn_clean_settle(&loaded, opt_load, opt_nonfinite, opt_clip, opt_dropconst, &set, &err)) {
		if (err.code == NN_EARG)
			tool_usage("%s", err.msg);
		tool_die_err(opt_load, &err);
	}
	policy = set.policy;
	fill_value = set.value;
	opt_clip = set.sigma;
	opt_dropconst = set.drop_constant;
	label_fail = nn_cli_choice("drop|fail", opt_badlabel) == 1;
}

/* --load: the file's statistics on the input's columns. */
static void load_params(const nn_schema *s)
{
	nn_error err = { 0 };

	if (nn_clean_load_columns(&loaded, opt_load, &s->fields[fx], D, &col_names, &perm, &err))
		tool_die_err(in_name, &err);
	st_mean = nn_params_vec(&loaded, "mean");
	st_std = nn_params_vec(&loaded, "std");
	st_median = nn_params_vec(&loaded, "median");
	if (!st_mean || !st_std)
		tool_die(TOOL_EXIT_DATA, opt_load, "no mean and std vectors");
	if (policy == NN_NONFINITE_MEDIAN && !st_median)
		tool_die(TOOL_EXIT_DATA, opt_load, "no median: fit it with --nonfinite median --save");
}

/* The input, to be read twice when a first pass needs it; its fields,
 * --load's statistics. */
static nn_reader *open_input(int twice_read)
{
	nn_error err = { 0 };
	nn_reader *r;

	if (twice_read) {
		tool_input_rewindable(&twice, in_path);
		r = tool_input_reader(&twice);
	} else {
		r = tool_reader(in_path);
	}
	find_fields(nn_reader_schema(r));
	if (opt_load)
		load_params(nn_reader_schema(r));
	if (opt_dedup && !(dedup = nn_dedup_new(tool_spool(), &err)))
		tool_die_err(NULL, &err);
	return r;
}

/* The passes before the output's: the fit into p, or --dedup's hashes
 * alone.  Returns the reader for the output's pass. */
static nn_reader *first_passes(nn_reader *r, int need_fit, nn_params *p)
{
	nn_error err = { 0 };

	if (need_fit) {
		nn_params_init(p, "nn-clean", "clean", &nn_reader_schema(r)->fields[fx]);
		if (nn_params_set_names(p, col_names, &err))
			tool_die_err(NULL, &err);
		if (nn_clean_record(p, opt_nonfinite, &set, &err))
			tool_die_err(opt_save, &err);
		fit(p);
	} else if (opt_dedup) {
		fit(NULL);
	} else {
		return r;
	}
	nn_reader_close(r);
	if (opt_dedup && nn_dedup_resolve(dedup, in_rows, &err))
		tool_die_err(err.code == NN_EIO ? "(temporary file)" : NULL, &err);
	return tool_input_reader(&twice);
}

/* What was done, on stderr. */
static void summary(uint64_t in, const unsigned char *col_keep, size_t D2)
{
	tool_note("rows in %llu, out %llu; dropped %llu with a bad label, %llu with "
	          "non-finite features, %llu duplicates; %llu values replaced, %llu clipped",
	          (unsigned long long)in, (unsigned long long)(in - n_badlabel - n_nonfinite - n_dup),
	          (unsigned long long)n_badlabel, (unsigned long long)n_nonfinite,
	          (unsigned long long)n_dup, (unsigned long long)n_replaced, (unsigned long long)n_clipped);
	if (D2 == D)
		return;
	fprintf(stderr, "%s: dropped %zu constant feature columns:", tool_prog, D - D2);
	for (size_t j = 0; j < D; j++)
		if (!col_keep[j]) {
			fprintf(stderr, " %zu", j);
			if (col_names) {
				fputs(" (", stderr);
				tool_put_str(stderr, col_names[j]);
				fputc(')', stderr);
			}
		}
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	nn_strlist operands = { 0 };
	nn_params p = { 0 };

	tool_parse(&cli, argc, argv, &operands);
	settle_settings();
	in_path = operands.n ? operands.v[0] : NULL;
	in_name = tool_name(in_path);
	int need_fit = !opt_load && (policy == NN_NONFINITE_MEAN || policy == NN_NONFINITE_MEDIAN ||
	                             opt_clip > 0 || opt_dropconst || opt_save);
	nn_reader *r = first_passes(open_input(need_fit || opt_dedup), need_fit, &p);
	if (opt_save)
		tool_save_params(opt_save, &p, argc, argv);
	unsigned char *col_keep = tool_alloc(D);
	size_t D2 = nn_clean_keep_columns(D, st_std, opt_dropconst, col_keep);
	if (!D2)
		tool_die(TOOL_EXIT_DATA, in_name, "every feature column is constant: none would be left");
	clean(r, col_keep, D2, argc, argv);
	if (!tool_quiet)
		summary(nn_reader_rows(r), col_keep, D2);
	nn_reader_close(r);
	nn_params_release(&p);
	nn_dedup_free(dedup);
	free(col_keep);
	nn_strlist_free(&operands);
	return 0;
}
