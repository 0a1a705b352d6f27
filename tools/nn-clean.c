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
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tool.h"
#include "nn/clean.h"
#include "nn/colstats.h"
#include "nn/params.h"
#include "nn/prep.h"
#include "nn/rng.h"

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

/* keep[i] for every row of b: 0 when its label or (policy drop/fail) a
 * feature is not finite.  Counts only when count is set (the last pass). */
static void row_mask(const nn_schema *s, const nn_batch *b, uint64_t first_row, unsigned char *keep,
                     int count)
{
	const nn_field *x = &s->fields[fx];
	for (size_t i = 0; i < b->rows; i++) {
		keep[i] = 1;
		if (fy >= 0) {
			const nn_field *y = &s->fields[fy];
			for (size_t k = 0; k < y->row_elems && keep[i]; k++) {
				double v = nn_load_f64(b->col[fy], y->dtype, i * y->row_elems + k);
				if (!isfinite(v) || (y->nclasses && (v < 0 || v >= (double)y->nclasses)))
					keep[i] = 0;
			}
			if (!keep[i]) {
				if (label_fail)
					tool_die(TOOL_EXIT_DATA, in_name, "row %llu: label '%s' is not finite or not a class",
					         (unsigned long long)(first_row + i + 1), y->name);
				n_badlabel += count;
				continue;
			}
		}
		if ((policy != NN_NONFINITE_DROP && policy != NN_NONFINITE_FAIL) || !nn_dtype_is_float(x->dtype))
			continue;
		for (size_t k = 0; k < D; k++) {
			double v = nn_load_f64(b->col[fx], x->dtype, i * D + k);
			if (v - v == 0)
				continue;
			if (policy == NN_NONFINITE_FAIL)
				tool_die(TOOL_EXIT_DATA, in_name, "row %llu: %s[%zu] is %s",
				         (unsigned long long)(first_row + i + 1), x->name, k, isnan(v) ? "NaN" : "infinite");
			keep[i] = 0;
			n_nonfinite += count;
			break;
		}
	}
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

static void fit(nn_params *p)
{
	nn_error err = { 0 };
	nn_colmoments *cm = nn_colmoments_new(D, &err);
	nn_colselect *cs = NULL;
	unsigned char *keep = NULL;
	size_t cap = 0;
	const nn_batch *b;
	int done = 0, pass = 0;

	if (!cm)
		tool_die_err(NULL, &err);
	if (policy == NN_NONFINITE_MEDIAN && !(cs = nn_colselect_new(D, p->dtype, (double[]){ 0.5 }, 1, &err)))
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
				nn_colmoments_add(cm, b->col[fx], s->fields[fx].dtype, b->rows, keep);
				if (opt_dedup)
					dup_add(s, b, nn_reader_rows(r) - b->rows, keep);
			}
			if (cs)
				nn_colselect_add(cs, b->col[fx], b->rows, keep);
		}
		if (!(p->rows = in_rows = nn_reader_rows(r)))
			tool_die(TOOL_EXIT_DATA, in_name, "no rows to fit on");
		nn_reader_close(r);
		if (!cs)
			break;
		if ((done = nn_colselect_pass_done(cs, &err)) < 0)
			tool_die_err(in_name, &err);
		pass++;
	}
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
	free(keep);
}

/* Only dedup needs a first pass. */
static void hash_pass(void)
{
	unsigned char *keep = NULL;
	size_t cap = 0;
	const nn_batch *b;
	nn_reader *r = tool_input_reader(&twice);

	tool_scan_threads(r);
	while (tool_next(r, in_name, &b)) {
		if (b->rows > cap)
			keep = tool_realloc(keep, cap = b->rows);
		row_mask(nn_reader_schema(r), b, nn_reader_rows(r) - b->rows, keep, 0);
		dup_add(nn_reader_schema(r), b, nn_reader_rows(r) - b->rows, keep);
	}
	in_rows = nn_reader_rows(r);
	nn_reader_close(r);
	free(keep);
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

/* The --nonfinite policy; with --load, the settings the statistics were
 * fitted with apply again (as a fitted transformer keeps its own), and one
 * typed otherwise is refused: the file holds statistics for its own. */
static nn_params loaded;
static void settle_settings(void)
{
	nn_error err = { 0 };
	enum nn_nonfinite typed;
	double typed_value = 0, clip;   /* value= only sets it */
	const char *nf, *clip_s;
	int dc, rc;

	if (opt_load && nn_params_read(opt_load, "nn-clean", &loaded, &err))
		tool_die_err(opt_load, &err);
	nf = nn_params_option(&loaded, "nonfinite");
	clip_s = nn_params_option(&loaded, "clip-sigma");
	if (!nf)    /* no --load, or a file written before settings were kept */
		nf = opt_nonfinite ? opt_nonfinite : "drop";
	rc = nn_nonfinite_parse(opt_nonfinite ? opt_nonfinite : nf, &typed, &typed_value);
	if (rc)
		tool_usage(rc > 0 ? "--nonfinite: '%s' is not value=NUMBER" :
		           "--nonfinite: unknown policy '%s' (drop, mean, median, zero, value=V, fail or keep)",
		           opt_nonfinite ? opt_nonfinite : nf);
	if (nn_nonfinite_parse(nf, &policy, &fill_value))
		tool_die(TOOL_EXIT_DATA, opt_load, "a bad nonfinite setting '%s'", nf);
	if (!loaded.nopt)
		return (void)(opt_clip = opt_clip < 0 ? 0 : opt_clip);
	clip = clip_s ? strtod(clip_s, NULL) : 0;
	dc = nn_params_option(&loaded, "drop-constant") != NULL;
	if (typed != policy || typed_value != fill_value || (opt_clip >= 0 && opt_clip != clip) ||
	    (opt_dropconst && !dc))
		tool_usage("--load: '%s' was fitted with --nonfinite %s%s%s%s; leave these settings out "
		           "(the file's apply) or fit again with --save", opt_load, nf,
		           clip_s ? " --clip-sigma " : "", clip_s ? clip_s : "", dc ? " --drop-constant" : "");
	opt_clip = clip;
	opt_dropconst = dc;
}

/* Record this run's settings in the parameters it saves. */
static void save_settings(nn_params *p)
{
	nn_error err = { 0 };
	char clip[32];

	snprintf(clip, sizeof clip, "%.17g", opt_clip);
	if (nn_params_set_option(p, "nonfinite", opt_nonfinite ? opt_nonfinite : "drop", &err) ||
	    (opt_clip > 0 && nn_params_set_option(p, "clip-sigma", clip, &err)) ||
	    (opt_dropconst && nn_params_set_option(p, "drop-constant", "yes", &err)))
		tool_die_err(opt_save, &err);
}

static void load_params(const nn_schema *s)
{
	nn_params *p = &loaded;
	nn_error err = { 0 };
	const nn_field *f = &s->fields[fx];

	if (p->names && col_names) {   /* by name: the constant columns are those fitted */
		perm = tool_alloc(D * sizeof *perm);
		if (p->elems != D || nn_prep_map_names(col_names, D, p->names, p->elems, perm, &err)) {
			if (p->elems != D)
				nn_error_set(&err, NN_EDATA, "%zu columns; the parameters have %zu", D, p->elems);
			nn_error_prefix(&err, "the columns of field '%s' are not those the parameters in '%s' "
			                "were fitted on", f->name, opt_load);
			tool_die_err(in_name, &err);
		}
		if (nn_prep_perm_identity(perm, D)) {
			free(perm);
			perm = NULL;
		}
		nn_prep_names_free(col_names, D);
		col_names = p->names;
		p->names = NULL;
	}
	if (p->elems != D || !nn_params_fits(p, f))
		tool_die(TOOL_EXIT_DATA, in_name, "field '%s' has another shape than the %zu features "
		         "the parameters in '%s' were fitted on", f->name, p->elems, opt_load);
	st_mean = nn_params_vec(p, "mean");
	st_std = nn_params_vec(p, "std");
	st_median = nn_params_vec(p, "median");
	if (!st_mean || !st_std)
		tool_die(TOOL_EXIT_DATA, opt_load, "no mean and std vectors");
	if (policy == NN_NONFINITE_MEDIAN && !st_median)
		tool_die(TOOL_EXIT_DATA, opt_load, "no median: fit it with --nonfinite median --save");
}

int main(int argc, char **argv)
{
	nn_strlist operands = { 0 };
	nn_error err = { 0 };
	nn_params p;
	nn_reader *r;
	unsigned char *col_keep;
	size_t D2;
	int need_fit;

	tool_parse(&cli, argc, argv, &operands);
	if (opt_load && opt_save)
		tool_usage("--load and --save exclude each other");
	settle_settings();
	label_fail = nn_cli_choice("drop|fail", opt_badlabel) == 1;
	in_path = operands.n ? operands.v[0] : NULL;
	in_name = tool_name(in_path);
	need_fit = !opt_load && (policy == NN_NONFINITE_MEAN || policy == NN_NONFINITE_MEDIAN ||
	                         opt_clip > 0 || opt_dropconst || opt_save);
	memset(&p, 0, sizeof p);
	if (need_fit || opt_dedup) {
		tool_input_rewindable(&twice, in_path);
		r = tool_input_reader(&twice);
	} else {
		r = tool_reader(in_path);
	}
	find_fields(nn_reader_schema(r));
	if (opt_load)
		load_params(nn_reader_schema(r));
	if (opt_dedup)
		if (!(dedup = nn_dedup_new(tool_spool(), &err)))
			tool_die_err(NULL, &err);
	if (need_fit) {
		nn_params_init(&p, "nn-clean", "clean", &nn_reader_schema(r)->fields[fx]);
		if (nn_params_set_names(&p, col_names, &err))
			tool_die_err(NULL, &err);
		save_settings(&p);
		fit(&p);
	} else if (opt_dedup) {
		hash_pass();
	}
	if (need_fit || opt_dedup) {
		nn_reader_close(r);
		if (opt_dedup)
			if (nn_dedup_resolve(dedup, in_rows, &err))
				tool_die_err(err.code == NN_EIO ? "(temporary file)" : NULL, &err);
		r = tool_input_reader(&twice);
	}
	if (opt_save)
		tool_save_params(opt_save, &p, argc, argv);
	col_keep = tool_alloc(D);
	D2 = 0;
	for (size_t j = 0; j < D; j++) {
		col_keep[j] = !opt_dropconst || (st_std && st_std[j] > 0);
		D2 += col_keep[j];
	}
	if (!D2)
		tool_die(TOOL_EXIT_DATA, in_name, "every feature column is constant: none would be left");
	clean(r, col_keep, D2, argc, argv);
	if (!tool_quiet) {
		uint64_t in = nn_reader_rows(r);
		tool_note("rows in %llu, out %llu; dropped %llu with a bad label, %llu with "
		        "non-finite features, %llu duplicates; %llu values replaced, %llu clipped",
		        (unsigned long long)in,
		        (unsigned long long)(in - n_badlabel - n_nonfinite - n_dup),
		        (unsigned long long)n_badlabel, (unsigned long long)n_nonfinite,
		        (unsigned long long)n_dup, (unsigned long long)n_replaced, (unsigned long long)n_clipped);
		if (D2 != D) {
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
	}
	nn_reader_close(r);
	nn_params_release(&p);
	nn_dedup_free(dedup);
	free(col_keep);
	nn_strlist_free(&operands);
	return 0;
}
