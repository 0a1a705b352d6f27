/* nn-normalize — scale features as scikit-learn's scalers do.
 *
 * Choices:
 * - Every element of the feature field is its own column (a [28,28] field
 *   has 784): statistics per element over rows, in double, NaN and ±inf
 *   left out of the fit and passed through (and counted).  A column with
 *   no finite value gets offset 0, scale 1.
 * - One transform for the four column methods, y = (x - offset) / scale
 *   + lo, inverse x = (y - lo) * scale + offset:
 *     zscore  offset = mean, scale = population std (StandardScaler; a
 *             column sklearn's _is_constant_feature calls constant gets 1)
 *     minmax  offset = min, scale = (max - min) / (HI - LO), lo = LO
 *             (MinMaxScaler; a constant column maps to LO)
 *     robust  offset = median, scale = IQR, numpy's linear quantiles
 *             (RobustScaler with its defaults)
 *     maxabs  offset = 0, scale = max |x| (MaxAbsScaler)
 *   A scale below 10 machine epsilons is 1, as sklearn's
 *   _handle_zeros_in_scale does.  l2 divides each row by its Euclidean
 *   norm over its finite elements (Normalizer; a zero row stays zero).
 * - Fitting reads the input twice, or more for robust (one pass per byte
 *   of the dtype, see nn_colselect): a regular file is re-read, any other
 *   input is first copied (still compressed) to $TMPDIR.  --load streams.
 * - --save writes the parameters file (nn/params.h) before the output;
 *   --load checks it was written by nn-normalize for a feature field of
 *   the same shape, and matches columns by name when both sides have
 *   names (output in the fitted order).
 * - The output's chain (nn/prep.h) gets this run's step, by value; the
 *   transform is prep.c's, the one nn-predict applies for a model.  Output is f32 (or --dtype f64), computed in double
 *   and rounded once.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tool.h"
#include "nn/colstats.h"
#include "nn/params.h"
#include "nn/prep.h"

/* In the order of enum method. */
#define METHODS "zscore|minmax|robust|maxabs|l2"

static const char *opt_out, *opt_method, *opt_range, *opt_save, *opt_load, *opt_dtype = "f32",
                  *opt_x = "x";
static int opt_inverse;
static long long opt_level = 3, opt_threads;   /* 0: tool_compress_threads decides */

static const nn_option options[] = {
	NN_OPT_OUTPUT(&opt_out),
	{ 'm', "method", NN_OPT_CHOICE, &opt_method, METHODS, "how to scale (default zscore)", 0, 0 },
	{ 0, "range", NN_OPT_STR, &opt_range, "LO,HI", "minmax: the output range (default 0,1)", 0, 0 },
	{ 0, "save", NN_OPT_STR, &opt_save, "FILE", "write the fitted parameters to FILE", 0, 0 },
	{ 0, "load", NN_OPT_STR, &opt_load, "FILE", "apply parameters from FILE instead of fitting", 0, 0 },
	{ 0, "inverse", NN_OPT_FLAG, &opt_inverse, NULL, "with --load: undo the transform", 0, 0 },
	{ 0, "dtype", NN_OPT_CHOICE, &opt_dtype, "f32|f64", "output dtype (default f32)", 0, 0 },
	{ 0, "x", NN_OPT_STR, &opt_x, "NAME", "the feature field (default x)", 0, 0 },
	NN_OPT_LEVEL(&opt_level),
	NN_OPT_THREADS(&opt_threads),
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-normalize", "[OPTIONS] [INPUT]",
	"Scale the features: z-score, min-max, robust, max-abs or per-row l2.",
	"Fits per-element statistics of the feature field on INPUT and applies them,\n"
	"or applies saved ones (--load), as scikit-learn's StandardScaler,\n"
	"MinMaxScaler, RobustScaler, MaxAbsScaler and Normalizer do.  Other fields\n"
	"pass through.  NaN and infinite features are left out of the fit and pass\n"
	"through.",
	options, 1
};

enum method { ZSCORE, MINMAX, ROBUST, MAXABS, L2 };
static const char *const method_names[] = { "zscore", "minmax", "robust", "maxabs", "l2" };

static const char *in_path, *in_name;

static tool_input twice;   /* read twice when fitting: nn-normalize fits, then applies */

/* The feature field of a data stream. */
static size_t feature_field(const nn_schema *s)
{
	int f = nn_schema_find(s, opt_x);

	if (strcmp(s->kind, "data"))
		tool_die(TOOL_EXIT_DATA, in_name, "a stream of kind '%s', not data", s->kind);
	if (f < 0)
		tool_die(TOOL_EXIT_DATA, in_name, "no field '%s' (choose one with --x)", opt_x);
	if (s->fields[f].dtype == NN_STR)
		tool_die(TOOL_EXIT_DATA, in_name, "field '%s' holds text (str), not numbers (choose the features with --x)", opt_x);
	return (size_t)f;
}

/* --- fitting -------------------------------------------------------------- */

/* sklearn's _handle_zeros_in_scale: a scale too small to divide by is 1. */
static double nonzero_scale(double s)
{
	return s < 10 * DBL_EPSILON ? 1 : s;
}

static void fit_moments(nn_params *p, enum method m, double lo, double hi)
{
	nn_error err = { 0 };
	nn_reader *r = tool_input_reader(&twice);
	size_t fx = feature_field(nn_reader_schema(r)), D = p->elems;
	const nn_field *f = &nn_reader_schema(r)->fields[fx];
	nn_colmoments *cm = nn_colmoments_new(D, &err);
	double *off = nn_params_add(p, "offset", &err), *sc = nn_params_add(p, "scale", &err);
	const nn_batch *b;

	if (!cm || !off || !sc)
		tool_die_err(NULL, &err);
	tool_scan_threads(r);
	while (tool_next(r, in_name, &b))
		nn_colmoments_add(cm, b->col[fx], f->dtype, b->rows, NULL);
	p->rows = nn_reader_rows(r);
	if (!p->rows)
		tool_die(TOOL_EXIT_DATA, in_name, "no rows to fit on");
	for (size_t j = 0; j < D; j++) {
		double n = (double)cm->count[j], mean = cm->mean[j], var = nn_colmoments_var(cm, j);
		off[j] = 0;
		sc[j] = 1;
		if (!cm->count[j])
			continue;
		if (m == ZSCORE) {
			/* sklearn's _is_constant_feature */
			double bound = n * DBL_EPSILON * var + (n * mean * DBL_EPSILON) * (n * mean * DBL_EPSILON);
			off[j] = mean;
			sc[j] = var <= bound ? 1 : nonzero_scale(sqrt(var));
		} else if (m == MINMAX) {
			off[j] = cm->min[j];
			sc[j] = nonzero_scale(cm->max[j] - cm->min[j]) / (hi - lo);
		} else if (m == MAXABS) {
			double a = fabs(cm->min[j]), bb = fabs(cm->max[j]);
			sc[j] = nonzero_scale(a > bb ? a : bb);
		}
	}
	nn_colmoments_free(cm);
	nn_reader_close(r);
}

static void fit_robust(nn_params *p)
{
	static const double q[] = { 0.25, 0.5, 0.75 };
	nn_error err = { 0 };
	size_t D = p->elems;
	nn_colselect *cs = nn_colselect_new(D, p->dtype, q, 3, &err);
	double *off = nn_params_add(p, "offset", &err), *sc = nn_params_add(p, "scale", &err);
	double *out = tool_alloc(D * 3 * sizeof *out);
	int done = 0;

	if (!cs || !off || !sc)
		tool_die_err(NULL, &err);
	while (!done) {
		nn_reader *r = tool_input_reader(&twice);
		size_t fx = feature_field(nn_reader_schema(r));
		const nn_batch *b;
		tool_scan_threads(r);
		while (tool_next(r, in_name, &b))
			nn_colselect_add(cs, b->col[fx], b->rows, NULL);
		if (!(p->rows = nn_reader_rows(r)))
			tool_die(TOOL_EXIT_DATA, in_name, "no rows to fit on");
		if ((done = nn_colselect_pass_done(cs, &err)) < 0)
			tool_die_err(in_name, &err);
		nn_reader_close(r);
	}
	nn_colselect_result(cs, out, NULL);
	for (size_t j = 0; j < D; j++) {
		off[j] = isnan(out[3 * j + 1]) ? 0 : out[3 * j + 1];
		sc[j] = isnan(out[3 * j]) ? 1 : nonzero_scale(out[3 * j + 2] - out[3 * j]);
	}
	nn_colselect_free(cs);
	free(out);
}

/* --- applying ------------------------------------------------------------- */

#define CHUNK_ELEMS 65536

/* The step this run adds to the chain: the parameters by value, under
 * the names they were fitted on (else the input's). */
static void make_step(nn_prep_step *st, const nn_params *p, enum method m, double lo, nn_dtype in_t,
                      nn_dtype out_t, char *const *in_names)
{
	nn_error err = { 0 };
	if (nn_prep_step_init(st, NN_PREP_NORMALIZE, opt_x, p->elems, p->names ? p->names : in_names, in_t, &err))
		tool_die_err(NULL, &err);
	st->out_dtype = out_t;
	st->method = (enum nn_prep_method)m;
	st->low = lo;
	if (m != L2) {
		if (nn_prep_step_vec(st, &st->offset, 0, &err) || nn_prep_step_vec(st, &st->scale, 1, &err))
			tool_die_err(NULL, &err);
		memcpy(st->offset, nn_params_vec(p, "offset"), p->elems * sizeof *st->offset);
		memcpy(st->scale, nn_params_vec(p, "scale"), p->elems * sizeof *st->scale);
	}
}

/* The output's metadata: the input's chain with this step added (or,
 * with --inverse, taken off when it is the last), and the feature names
 * in the parameters' order when the columns were reordered. */
static void set_meta(nn_schema *os, const nn_schema *s, nn_prep_step *st, const nn_params *p, int reordered)
{
	nn_error err = { 0 };
	nn_prep chain;
	char why[256];

	if (nn_prep_read(s, &chain, NULL, &err))
		tool_die_err(in_name, &err);
	if (!opt_inverse) {
		if (nn_prep_append(&chain, st, &err))
			tool_die_err(in_name, &err);
	} else if (chain.n && nn_prep_step_same(&chain.step[chain.n - 1], st, why, sizeof why)) {
		nn_prep_pop(&chain);
	} else {
		tool_note("--inverse: the input's preparation does not end with these parameters; "
		          "its chain is kept as it was");
	}
	if (nn_prep_meta_update(os, s, &chain, reordered ? p->names : NULL, p->elems, &err))
		tool_die_err(in_name, &err);
	nn_prep_release(&chain);
}

/* perm: the input's column of each of the parameters' columns, or NULL. */
static void apply(nn_reader *r, const nn_params *p, enum method m, nn_dtype out_t, double lo,
                  const size_t *perm, char *const *in_names, int argc, char **argv)
{
	nn_error err = { 0 };
	const nn_schema *s = nn_reader_schema(r);
	size_t fx = feature_field(s), D = s->fields[fx].row_elems, nf = s->nfields;
	size_t chunk = D >= CHUNK_ELEMS ? 1 : CHUNK_ELEMS / D;
	nn_dtype in_t = s->fields[fx].dtype;
	nn_schema *os = nn_schema_clone(s, &err);
	double *buf = tool_alloc(chunk * D * sizeof *buf), *tmp = perm ? tool_alloc(chunk * D * sizeof *tmp) : NULL;
	void *obuf = tool_alloc(chunk * D * nn_dtype_size(out_t));
	const void **cols = tool_alloc(nf * sizeof *cols);
	nn_prep_counts cnt = { 0 };
	nn_prep_step st;
	const nn_batch *b;
	nn_writer *w;

	if (!os)
		tool_die_err(NULL, &err);
	os->fields[fx].dtype = out_t;
	os->fields[fx].row_bytes = D * nn_dtype_size(out_t);
	make_step(&st, p, m, lo, in_t, out_t, in_names);
	nn_prep_step told;
	make_step(&told, p, m, lo, in_t, out_t, in_names);
	set_meta(os, s, &told, p, perm != NULL);
	nn_prep_step_release(&told);
	tool_provenance(os, argc, argv);
	tool_output_open(opt_out, 1);
	w = tool_writer(os, opt_level, opt_threads);
	while (tool_next(r, in_name, &b)) {
		for (size_t r0 = 0; r0 < b->rows; r0 += chunk) {
			size_t n = b->rows - r0 < chunk ? b->rows - r0 : chunk;
			nn_convert(perm ? tmp : buf, NN_F64, (const char *)b->col[fx] + r0 * D * nn_dtype_size(in_t), in_t,
			           n * D, NULL);
			if (perm)
				nn_prep_permute(perm, D, tmp, buf, n);
			if (opt_inverse)
				nn_prep_unapply(&st, buf, n, &cnt);
			else
				nn_prep_apply(&st, buf, n, &cnt);
			if (out_t == NN_F64)
				memcpy(obuf, buf, n * D * sizeof *buf);
			else
				nn_convert(obuf, NN_F32, buf, NN_F64, n * D, NULL);
			for (size_t i = 0; i < nf; i++)
				cols[i] = i == fx ? obuf : (const char *)b->col[i] + r0 * s->fields[i].row_bytes;
			tool_write(w, cols, n);
		}
	}
	tool_writer_finish(w);
	if (cnt.passed)
		tool_note("%llu NaN or infinite values passed through", (unsigned long long)cnt.passed);
	nn_prep_step_release(&st);
	nn_schema_free(os);
	free(buf);
	free(tmp);
	free(obuf);
	free(cols);
}

/* --- main ----------------------------------------------------------------- */

/* The method a parameters file names. */
static enum method file_method(const char *name)
{
	int i = nn_cli_choice(METHODS, name);
	if (i < 0)
		tool_usage("unknown method '%s' (zscore, minmax, robust, maxabs or l2)", name);
	return (enum method)i;
}

static void parse_range(double *lo, double *hi)
{
	char buf[128], *comma;

	if (snprintf(buf, sizeof buf, "%s", opt_range) >= (int)sizeof buf || !(comma = strchr(buf, ',')))
		tool_usage("--range: '%s' is not LO,HI", opt_range);
	*comma = 0;
	if (nn_parse_double(buf, lo) || nn_parse_double(comma + 1, hi) || !isfinite(*lo) || !isfinite(*hi))
		tool_usage("--range: '%s' is not LO,HI", opt_range);
	if (!(*lo < *hi))
		tool_usage("--range: LO must be below HI");
}

/* The run's settings, taken from the options or from --load's file. */
static struct {
	enum method m;
	nn_dtype out_t;
	double lo, hi;        /* minmax's output range */
	char **in_names;      /* the input's feature names (NULL: none) */
	size_t *perm;         /* --load: the input's column of each fitted one (NULL: the same) */
} N = { ZSCORE, NN_F32, 0, 1, NULL, NULL };

/* The checks the option table cannot make. */
static void check_options(void)
{
	if (opt_method)
		N.m = (enum method)nn_cli_choice(METHODS, opt_method);
	N.out_t = nn_cli_choice("f32|f64", opt_dtype) ? NN_F64 : NN_F32;
	if (opt_load && (opt_save || opt_method || opt_range))
		tool_usage("--load takes the method and its parameters from the file: "
		           "no --save, --method or --range with it");
	if (opt_inverse && !opt_load)
		tool_usage("--inverse needs --load");
	if (opt_range && N.m != MINMAX)
		tool_usage("--range goes with --method minmax");
	if (opt_range)
		parse_range(&N.lo, &N.hi);
}

/* --load: the file's method and parameters, its columns matched to the
 * input's by name.  Returns the input's reader. */
static nn_reader *load(nn_params *p)
{
	nn_error err = { 0 };

	if (nn_params_read(opt_load, "nn-normalize", p, &err))
		tool_die_err(opt_load, &err);
	N.m = file_method(p->method);
	if (N.m == MINMAX)
		N.lo = p->has_range ? p->range[0] : 0;
	if ((N.m != L2 && (!nn_params_vec(p, "offset") || !nn_params_vec(p, "scale"))))
		tool_die(TOOL_EXIT_DATA, opt_load, "no offset and scale vectors");
	if (opt_inverse && N.m == L2)
		tool_die(TOOL_EXIT_DATA, opt_load, "an l2 normalization cannot be undone: "
		         "the row norms are not kept");
	nn_reader *r = tool_reader(in_path);
	const nn_field *f = &nn_reader_schema(r)->fields[feature_field(nn_reader_schema(r))];
	if (nn_prep_feature_names(nn_reader_schema(r), f, &N.in_names, &err))
		tool_die_err(NULL, &err);
	if (p->names && N.in_names) {
		N.perm = tool_alloc(p->elems * sizeof *N.perm);
		if (nn_prep_map_names(N.in_names, f->row_elems, p->names, p->elems, N.perm, &err)) {
			nn_error_prefix(&err, "the columns of field '%s' are not those the parameters in '%s' "
			                "were fitted on", f->name, opt_load);
			tool_die_err(in_name, &err);
		}
		if (nn_prep_perm_identity(N.perm, p->elems)) {
			free(N.perm);
			N.perm = NULL;
		}
	}
	if (!nn_params_fits(p, f) && !(N.perm && f->ndim <= 1)) {
		char a[NN_SHAPE_CHARS], b[NN_SHAPE_CHARS];
		nn_shape_str(a, sizeof a, p->ndim, p->shape);
		nn_shape_str(b, sizeof b, f->ndim, f->shape);
		tool_die(TOOL_EXIT_DATA, in_name, "field '%s' has shape %s; the parameters in '%s' "
		         "were fitted on shape %s", f->name, b, opt_load, a);
	}
	return r;
}

/* The fit of the method on the input into p (--save writes it).  Returns
 * the reader for the output's pass. */
static nn_reader *fit(nn_params *p, int argc, char **argv)
{
	nn_error err = { 0 };
	nn_reader *r;

	if (N.m == L2) {
		r = tool_reader(in_path);
	} else {
		tool_input_rewindable(&twice, in_path);
		r = tool_input_reader(&twice);
	}
	const nn_field *f = &nn_reader_schema(r)->fields[feature_field(nn_reader_schema(r))];
	nn_params_init(p, "nn-normalize", method_names[N.m], f);
	if (nn_prep_feature_names(nn_reader_schema(r), f, &N.in_names, &err) ||
	    nn_params_set_names(p, N.in_names, &err))
		tool_die_err(NULL, &err);
	if (N.m == MINMAX) {
		p->has_range = 1;
		p->range[0] = N.lo;
		p->range[1] = N.hi;
	}
	if (N.m == ROBUST) {
		fit_robust(p);
	} else if (N.m != L2) {
		fit_moments(p, N.m, N.lo, N.hi);
	} else if (!nn_params_add(p, "offset", &err) || !(p->vec[1] = nn_params_add(p, "scale", &err))) {
		tool_die_err(NULL, &err);
	} else {
		for (size_t j = 0; j < p->elems; j++)
			p->vec[1][j] = 1;
	}
	if (N.m != L2) {
		nn_reader_close(r);
		r = tool_input_reader(&twice);
	}
	if (opt_save)
		tool_save_params(opt_save, p, argc, argv);
	return r;
}

int main(int argc, char **argv)
{
	nn_strlist operands = { 0 };
	nn_params p;

	tool_parse(&cli, argc, argv, &operands);
	check_options();
	in_path = operands.n ? operands.v[0] : NULL;
	in_name = tool_name(in_path);
	nn_reader *r = opt_load ? load(&p) : fit(&p, argc, argv);
	apply(r, &p, N.m, N.out_t, N.lo, N.perm, N.in_names, argc, argv);
	size_t in_cols = nn_reader_schema(r)->fields[feature_field(nn_reader_schema(r))].row_elems;
	nn_reader_close(r);
	nn_prep_names_free(N.in_names, in_cols);
	free(N.perm);
	nn_params_release(&p);
	nn_strlist_free(&operands);
	return 0;
}
