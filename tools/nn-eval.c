/* nn-eval — score a model on labelled data, or a predictions stream
 * against labels, with scikit-learn's metrics.
 *
 * Choices:
 * - Two modes: -m MODEL runs the model on INPUT (the feature field and the
 *   label field named as when it was trained unless --x/--y say otherwise);
 *   --pred FILE reads a predictions stream as nn-predict writes it (field
 *   pred, and proba with --proba).  Its labels come from INPUT when one is
 *   given, read in lockstep (row counts must match exactly), else from the
 *   predictions' own label field.
 * - Integer predictions are classes, float predictions regression values;
 *   labels must match (integer for classes, float for regression).
 * - Every count metric derives from the exact confusion matrix; the
 *   definitions are scikit-learn's (nn/metrics.h, nn-eval(1)): precision,
 *   recall and F1 are 0 where they divide by zero; log loss clips to
 *   [2^-52, 1 - 2^-52] without renormalising; top-k ranks ties to the
 *   higher class index; ROC AUC for two classes only, holding 8 bytes per
 *   row (16 while it sorts).
 * - Without probabilities, log loss, top-k and ROC AUC are left out and
 *   the report says why (null in JSON).
 * - Class names come from the predictions (or the model), else from the
 *   labels, else the ids; two sets of names that differ are an error,
 *   since the ids would mean different classes.
 * - Text is a table meant for people (6 significant digits); --json one
 *   object with every number in the shortest form that reads back as the
 *   same double.  The report is written only once every row was read, so
 *   a failed run writes nothing.
 * - -m brings the rows to the model as nn-predict does (nn_feed: the
 *   preparation chain compared and completed, columns by name, no row
 *   dropped).
 * - The model is run on whole batches converted to f32 at once, 256 rows
 *   per forward pass; a binary model with one sigmoid output gives the
 *   probabilities (1 - p, p).
 * - Shards: --partial writes, instead of the report, what the report is
 *   made from (kind "eval-partial": the confusion matrix, top-k hits, the
 *   sums as exact fixed-point numbers, nn/xsum.h, and for ROC AUC one key
 *   per row); --combine merges such files into the report of all their
 *   rows, identical to the bit to evaluating the concatenated shards.
 *   An empty shard makes an empty partial result, not an error.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "nn/blas.h"
#include "nn/metrics.h"
#include "nn/partial.h"
#include "nn/predict.h"
#include "nn/report.h"

static struct {
	const char *out, *model_path, *pred, *x, *y;   /* options */
	long long topk, threads;
	int json, partial, combine;
	nn_eval ev;                  /* what is scored, and the accumulator */
	nn_model *model;             /* -m */
	void *buf[3];                /* scratch for a batch's labels and predictions */
	size_t cap[3];
} g = { .topk = 2, .threads = 1 };

static const nn_option options[] = {
	{ 'm', "model", NN_OPT_STR, &g.model_path, "FILE", "evaluate the model FILE on INPUT", 0, 0 },
	{ 0, "pred", NN_OPT_STR, &g.pred, "FILE",
	  "evaluate the predictions stream FILE (labels from INPUT or from FILE)", 0, 0 },
	{ 0, "x", NN_OPT_STR, &g.x, "NAME", "the feature field (default: the model's, x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &g.y, "NAME", "the label field (default: the model's, y)", 0, 0 },
	{ 'k', "top-k", NN_OPT_INT, &g.topk, "K", "report top-K accuracy (default 2)", 1, 65536 },
	{ 0, "json", NN_OPT_FLAG, &g.json, NULL, "print one JSON object instead of a table", 0, 0 },
	{ 0, "partial", NN_OPT_FLAG, &g.partial, NULL, "write the partial result of this shard (a stream) for --combine", 0, 0 },
	{ 0, "combine", NN_OPT_FLAG, &g.combine, NULL, "report on the partial results INPUT... together", 0, 0 },
	NN_OPT_OUTPUT(&g.out),
	{ 0, "threads", NN_OPT_INT, &g.threads, "N", "threads this program may use (default 1)", 1, 256 },
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-eval", "(-m MODEL | --pred FILE | --combine) [OPTIONS] [INPUT...]",
	"Score a model or a predictions stream against labels.",
	"Classification: accuracy, balanced accuracy, precision, recall, F1 and support\n"
	"per class with macro and weighted averages, the confusion matrix, and from\n"
	"probabilities log loss, top-k accuracy and (two classes) ROC AUC.  Regression:\n"
	"MSE, RMSE, MAE and R^2 per target.  Definitions as scikit-learn's; see nn-eval(1).\n"
	"Shards: nn-eval --partial per shard, then nn-eval --combine PART... gives the\n"
	"metrics of all the rows exactly.",
	options, -1
};

/* --- what is being scored ------------------------------------------------ */

/* Scratch buffer i, grown to n elements of size bytes. */
static void *scratch(int i, size_t n, size_t size)
{
	if (n * size > g.cap[i]) {
		g.cap[i] = n * size;
		g.buf[i] = tool_realloc(g.buf[i], g.cap[i]);
	}
	return g.buf[i];
}

/* Convert n elements of column `col` (type t) starting at element `first`
 * into dst of type dt, naming the input on failure. */
static void convert(void *dst, nn_dtype dt, const void *col, nn_dtype t, size_t first, size_t n,
                    const char *name, const char *field)
{
	nn_error err = { 0 };
	if (nn_convert(dst, dt, (const char *)col + first * nn_dtype_size(t), t, n, &err)) {
		nn_error_prefix(&err, "field '%s'", field);
		tool_die_err(name, &err);
	}
}

/* Same class names, or none on one side? */
static void same_names(const nn_field *a, const nn_field *b, const char *name)
{
	if (a->nclasses && b->nclasses && !nn_classes_same(a->nclasses, a->classes, b->nclasses, b->classes))
		tool_die(TOOL_EXIT_DATA, name, "the class names of '%s' and '%s' differ", a->name, b->name);
}

static const nn_field *find_field(const nn_schema *s, const char *field, const char *name,
                                  const char *hint)
{
	int i = nn_schema_find(s, field);
	if (i < 0)
		tool_die(TOOL_EXIT_DATA, name, "no field '%s'%s", field, hint);
	return &s->fields[i];
}

static void start(int classify, size_t nclasses, size_t ntargets, int have_proba, char *const *names)
{
	nn_error err = { 0 };
	const char *note = NULL;

	if (classify && !have_proba)
		note = g.model_path ? "the model gives no probabilities"
		                    : "the predictions have no field 'proba' (nn-predict --proba writes it)";
	if (nn_eval_start(&g.ev, classify, nclasses, (size_t)g.topk, ntargets, (const char *const *)names,
	                  note, &err))
		tool_die_err(NULL, &err);
}

/* A label field that goes with the predictions: class ids for classes,
 * floats for regression, as many per row as the predictions have. */
static void check_labels(const nn_field *yf, int classify, size_t k, const char *name)
{
	if (classify && nn_dtype_is_float(yf->dtype))
		tool_die(TOOL_EXIT_DATA, name, "label field '%s' is %s; %s integer class ids", yf->name,
		         nn_dtype_name(yf->dtype), g.pred ? "class predictions need" : "the model classifies: it needs");
	if (classify && yf->row_elems != 1)
		tool_die(TOOL_EXIT_DATA, name, "label field '%s' holds %zu values per row; %s one class id per row",
		         yf->name, yf->row_elems, g.pred ? "class predictions need" : "the model needs");
	if (!classify && !nn_dtype_is_float(yf->dtype))
		tool_die(TOOL_EXIT_DATA, name, "label field '%s' is %s (class ids); %s", yf->name,
		         nn_dtype_name(yf->dtype), g.pred ? "regression predictions need float labels"
		                                          : "the model predicts float values");
	if (!classify && yf->row_elems != k)
		tool_die(TOOL_EXIT_DATA, name, "label field '%s' holds %zu values per row%s %zu", yf->name,
		         yf->row_elems, g.pred ? " but the predictions" : "; the model predicts", k);
}

/* --- --pred: a predictions stream, labels in it or beside it --------------- */

static void eval_pred(const char *labels_path)
{
	const char *pname = tool_name(g.pred), *lname = labels_path ? tool_name(labels_path) : pname;
	nn_reader *pr = tool_reader(g.pred), *lr = labels_path ? tool_reader(labels_path) : pr;
	const nn_schema *ps = nn_reader_schema(pr), *ls = nn_reader_schema(lr);
	const char *yname = g.y ? g.y : "y";
	const nn_field *pf = find_field(ps, "pred", pname, " (a predictions stream, as nn-predict writes, holds one)");
	const nn_field *yf = find_field(ls, yname, lname,
	                                labels_path ? " (name the label field with --y)"
	                                            : " (give the labels as INPUT, or name the field with --y)");
	int pi = nn_schema_find(ps, "pred"), yi = nn_schema_find(ls, yname), qi = nn_schema_find(ps, "proba");
	const nn_field *qf = qi >= 0 ? &ps->fields[qi] : NULL;
	int classify = !nn_dtype_is_float(pf->dtype);
	size_t k = pf->row_elems, c = 0;
	char **names = NULL;

	if (classify && pf->row_elems != 1)
		tool_die(TOOL_EXIT_DATA, pname, "field 'pred' holds %zu class ids per row; one is needed", k);
	check_labels(yf, classify, k, lname);
	if (classify) {
		same_names(pf, yf, pname);
		names = pf->nclasses ? pf->classes : yf->nclasses ? yf->classes : NULL;
		c = pf->nclasses ? pf->nclasses : yf->nclasses;
		if (qf) {
			if (qf->ndim != 1 || (c && qf->row_elems != c) || qf->row_elems < 2)
				tool_die(TOOL_EXIT_DATA, pname, "field 'proba' holds %zu values per row; %s needed",
				         qf->row_elems, c ? "one per class is" : "two or more are");
			same_names(pf, qf, pname);
			c = qf->row_elems;
			if (!names && qf->nclasses)
				names = qf->classes;
		}
		if (yf->nclasses && c > yf->nclasses)
			tool_die(TOOL_EXIT_DATA, lname, "label field '%s' names %zu classes but the predictions have %zu",
			         yname, yf->nclasses, c);
	}
	start(classify, c, k, qf != NULL, names);

	/* lockstep: take from each side as many rows as both have left */
	const nn_batch *pb = NULL, *lb = NULL;
	size_t poff = 0, loff = 0;
	uint64_t row = 0;
	nn_error err = { 0 };
	for (;;) {
		if (!pb || poff == pb->rows) {
			pb = tool_next(pr, g.pred, &pb) ? pb : NULL;
			poff = 0;
		}
		if (lr == pr) {
			lb = pb;
			loff = poff;
		} else if (!lb || loff == lb->rows) {
			lb = tool_next(lr, labels_path, &lb) ? lb : NULL;
			loff = 0;
		}
		if (!pb || !lb) {
			if (pb || lb)
				tool_die(TOOL_EXIT_DATA, pb ? lname : pname, "ends after %llu rows but '%s' has more",
				         (unsigned long long)row, pb ? pname : lname);
			break;
		}
		size_t n = pb->rows - poff < lb->rows - loff ? pb->rows - poff : lb->rows - loff;
		if (classify) {
			int32_t *y = scratch(0, n, 4), *p = scratch(1, n, 4);
			float *q = qf ? scratch(2, n * c, 4) : NULL;
			convert(y, NN_I32, lb->col[yi], yf->dtype, loff, n, lname, yname);
			convert(p, NN_I32, pb->col[pi], pf->dtype, poff, n, pname, "pred");
			if (q)
				convert(q, NN_F32, pb->col[qi], qf->dtype, poff * c, n * c, pname, "proba");
			if (nn_cls_acc_add(g.ev.cls, y, p, q, n, row, &err))
				tool_die_err(strstr(err.msg, "label") ? lname : pname, &err);
		} else {
			double *y = scratch(0, n * k, 8), *p = scratch(1, n * k, 8);
			convert(y, NN_F64, lb->col[yi], yf->dtype, loff * k, n * k, lname, yname);
			convert(p, NN_F64, pb->col[pi], pf->dtype, poff * k, n * k, pname, "pred");
			if (nn_reg_acc_add(g.ev.reg, y, p, n, row, &err))
				tool_die_err(strstr(err.msg, "label") ? lname : pname, &err);
		}
		poff += n;
		loff += n;
		row += n;
	}
	if (!row && !g.partial)
		tool_die(TOOL_EXIT_DATA, pname, "no rows to evaluate");
}

/* --- -m: the model run on labelled data ------------------------------------ */

static void eval_model(const char *input)
{
	const char *name = tool_name(input);
	nn_error err = { 0 };
	nn_model *m = g.model = tool_model(g.model_path);
	nn_reader *r = tool_reader(input);
	const nn_schema *s = nn_reader_schema(r);
	const char *xname = g.x ? g.x : m->x_name, *yname = g.y ? g.y : m->y_name;
	const nn_field *xf = find_field(s, xname, name, " (name the feature field with --x)");
	const nn_field *yf = find_field(s, yname, name,
	                                " (nn-eval needs labels; name the field with --y, or use nn-predict)");
	int xi = nn_schema_find(s, xname), yi = nn_schema_find(s, yname);
	size_t k = nn_model_outputs(m), c = m->nclasses;

	nn_feed *feed = nn_feed_new(m, s, (size_t)xi, &err);
	if (!feed)
		tool_die_err(name, &err);
	if (!m->prep)
		tool_note("'%s' records no preparation (made before models did): the rows are taken as they are",
		          g.model_path);
	check_labels(yf, m->classification, k, name);
	if (m->classification && m->classes && yf->nclasses &&
	    !nn_classes_same(c, m->classes, yf->nclasses, yf->classes))
		tool_die(TOOL_EXIT_DATA, name, "the class names of '%s' differ from the model's", yname);
	start(m->classification, c, k, 1, !m->classification ? NULL : m->classes ? m->classes
	                                  : yf->nclasses == c ? yf->classes : NULL);

	nn_predictor *p = nn_predictor_new(m, &err);
	const nn_batch *b;
	uint64_t row = 0;
	if (!p)
		tool_die_err(NULL, &err);
	while (tool_next(r, input, &b)) {
		size_t n = b->rows;
		nn_dtype xt;
		const void *x = nn_feed_run(feed, b->col[xi], xf->dtype, n, row, &xt, &err);
		const float *out = x ? nn_predictor_run(p, x, xt, n, &err) : NULL;
		if (!out) {
			nn_error_prefix(&err, "field '%s'", xname);
			tool_die_err(name, &err);
		}
		if (m->classification) {
			int32_t *y = scratch(0, n, 4), *pred = scratch(1, n, 4);
			float *q = scratch(2, n * c, 4);
			convert(y, NN_I32, b->col[yi], yf->dtype, 0, n, name, yname);
			nn_predict_proba(m, out, n, q);
			nn_predict_classes(c, q, n, pred);
			if (nn_cls_acc_add(g.ev.cls, y, pred, q, n, row, &err)) {
				if (strstr(err.msg, "NaN"))
					nn_error_prefix(&err, "the model gives NaN (NaN features?)");
				tool_die_err(name, &err);
			}
		} else {
			double *y = scratch(0, n * k, 8), *pred = scratch(1, n * k, 8);
			convert(y, NN_F64, b->col[yi], yf->dtype, 0, n * k, name, yname);
			convert(pred, NN_F64, out, NN_F32, 0, n * k, name, "outputs");
			if (nn_reg_acc_add(g.ev.reg, y, pred, n, row, &err))
				tool_die_err(name, &err);
		}
		row += n;
	}
	if (!row && !g.partial)
		tool_die(TOOL_EXIT_DATA, name, "no rows to evaluate");
	nn_predictor_free(p);
	nn_feed_free(feed);
	nn_reader_close(r);
}

/* --- the report and partial results ------------------------------------------ */

/* Written only now that every row was read, so a failed run writes nothing. */
static void report(void)
{
	nn_error err = { 0 };

	tool_output_open(g.out, 0);
	if (nn_eval_report(tool_output_file(), &g.ev, g.json, &err))
		tool_die_err(NULL, &err);
	tool_output_commit();
}

/* The partial result: its header says everything but the ROC AUC keys,
 * which are its rows. */
static void write_partial(int argc, char **argv)
{
	nn_error err = { 0 };
	nn_schema *s = nn_eval_partial_schema(&g.ev, &err);
	const uint64_t *keys;
	size_t nkeys;

	if (!s)
		tool_die_err(NULL, &err);
	tool_provenance(s, argc, argv);
	tool_output_open(g.out, 1);
	nn_writer *w = tool_writer(s, 3, 1);
	nn_eval_partial_keys(&g.ev, &keys, &nkeys);
	for (size_t i = 0; i < nkeys; i += 65536) {
		const void *cols[1] = { keys + i };
		tool_write(w, cols, nkeys - i < 65536 ? nkeys - i : 65536);
	}
	tool_writer_finish(w);
	nn_schema_free(s);
}

static void combine(const nn_strlist *in)
{
	nn_error err = { 0 };

	if (g.model_path || g.pred || g.partial || g.x || g.y)
		tool_usage("--combine reads partial results only: no -m, --pred, --partial, --x or --y");
	if (!in->n)
		tool_usage("--combine needs the partial results as operands");
	for (size_t i = 0; i < in->n; i++) {
		nn_reader *r = tool_reader(in->v[i]);
		if (nn_eval_merge_partial(&g.ev, r, &err))
			tool_die_err(tool_name(in->v[i]), &err);
		nn_reader_close(r);
	}
	if (!g.ev.cls && !g.ev.reg)
		tool_die(TOOL_EXIT_DATA, in->v[0], "no rows to evaluate in the partial results");
}

int main(int argc, char **argv)
{
	nn_strlist in = { 0 };
	const char *input;

	tool_blas_init(argv);
	tool_parse(&cli, argc, argv, &in);
	input = in.n ? in.v[0] : NULL;
	if (g.combine) {
		combine(&in);
	} else {
		if (in.n > 1)
			tool_usage("one INPUT at most (several with --combine)");
		if (!g.model_path == !g.pred)
			tool_usage("give either -m MODEL or --pred FILE (or --combine PART...)");
		if (g.pred && g.x)
			tool_usage("--x goes with -m only");
		if (g.pred && input && !strcmp(input, "-") && !strcmp(g.pred, "-"))
			tool_usage("the predictions and the labels cannot both be standard input");
		if (g.model_path && (!input || !strcmp(input, "-")) && !strcmp(g.model_path, "-"))
			tool_usage("the model and the data cannot both be standard input");
		if (g.pred) {
			eval_pred(input);
		} else {
			nn_blas_set_threads((int)g.threads);
			eval_model(input);
		}
	}
	if (g.partial)
		write_partial(argc, argv);
	else
		report();
	nn_eval_release(&g.ev);
	nn_model_free(g.model);
	for (int i = 0; i < 3; i++)
		free(g.buf[i]);
	nn_strlist_free(&in);
	return 0;
}
