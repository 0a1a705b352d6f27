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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <msgpack.h>
#include "tool.h"
#include "nn/mp.h"
#include "nn/blas.h"
#include "nn/metrics.h"
#include "nn/predict.h"
#include "nn/pack.h"

static const char *opt_out, *opt_model, *opt_pred, *opt_x, *opt_y;
static long long opt_topk = 2, opt_threads = 1;
static int opt_json, opt_partial, opt_combine;

static const nn_option options[] = {
	{ 'm', "model", NN_OPT_STR, &opt_model, "FILE", "evaluate the model FILE on INPUT", 0, 0 },
	{ 0, "pred", NN_OPT_STR, &opt_pred, "FILE",
	  "evaluate the predictions stream FILE (labels from INPUT or from FILE)", 0, 0 },
	{ 0, "x", NN_OPT_STR, &opt_x, "NAME", "the feature field (default: the model's, x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &opt_y, "NAME", "the label field (default: the model's, y)", 0, 0 },
	{ 'k', "top-k", NN_OPT_INT, &opt_topk, "K", "report top-K accuracy (default 2)", 1, 65536 },
	{ 0, "json", NN_OPT_FLAG, &opt_json, NULL, "print one JSON object instead of a table", 0, 0 },
	{ 0, "partial", NN_OPT_FLAG, &opt_partial, NULL, "write the partial result of this shard (a stream) for --combine", 0, 0 },
	{ 0, "combine", NN_OPT_FLAG, &opt_combine, NULL, "report on the partial results INPUT... together", 0, 0 },
	NN_OPT_OUTPUT(&opt_out),
	{ 0, "threads", NN_OPT_INT, &opt_threads, "N", "BLAS threads (default 1)", 1, 256 },
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

static struct {
	int classify;
	size_t nclasses;             /* 0: as many as the ids seen */
	const char *const *names;    /* class names or NULL */
	size_t ntargets;
	nn_cls_acc *cls;
	nn_reg_acc *reg;
	const char *note;            /* why probability metrics are missing */
	nn_model *model;             /* -m */
} ev;

/* Scratch buffers that grow to the largest chunk. */
static void *grow_buf(void **buf, size_t *cap, size_t n, size_t size)
{
	if (n * size > *cap) {
		*cap = n * size;
		*buf = tool_realloc(*buf, *cap);
	}
	return *buf;
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
	if (!a->nclasses || !b->nclasses)
		return;
	int same = a->nclasses == b->nclasses;
	for (size_t i = 0; same && i < a->nclasses; i++)
		same = !strcmp(a->classes[i], b->classes[i]);
	if (!same)
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

static void start(int classify, size_t nclasses, size_t ntargets, int have_proba)
{
	nn_error err = { 0 };

	ev.classify = classify;
	ev.nclasses = nclasses;
	ev.ntargets = ntargets;
	if (classify && !(ev.cls = nn_cls_acc_new(nclasses, (size_t)opt_topk, &err)))
		tool_die_err(NULL, &err);
	if (!classify && !(ev.reg = nn_reg_acc_new(ntargets, &err)))
		tool_die_err(NULL, &err);
	if (classify && !have_proba)
		ev.note = opt_model ? "the model gives no probabilities"
		                    : "the predictions have no field 'proba' (nn-predict --proba writes it)";
}

/* --- --pred: a predictions stream, labels in it or beside it --------------- */

static void eval_pred(const char *labels_path)
{
	const char *pname = tool_name(opt_pred), *lname = labels_path ? tool_name(labels_path) : pname;
	nn_reader *pr = tool_reader(opt_pred), *lr = labels_path ? tool_reader(labels_path) : pr;
	const nn_schema *ps = nn_reader_schema(pr), *ls = nn_reader_schema(lr);
	const char *yname = opt_y ? opt_y : "y";
	const nn_field *pf = find_field(ps, "pred", pname, " (a predictions stream, as nn-predict writes, holds one)");
	const nn_field *yf = find_field(ls, yname, lname,
	                                labels_path ? " (name the label field with --y)"
	                                            : " (give the labels as INPUT, or name the field with --y)");
	int pi = nn_schema_find(ps, "pred"), yi = nn_schema_find(ls, yname), qi = nn_schema_find(ps, "proba");
	const nn_field *qf = qi >= 0 ? &ps->fields[qi] : NULL;
	int classify = !nn_dtype_is_float(pf->dtype);
	size_t k = pf->row_elems, c = 0;

	if (classify) {
		if (pf->row_elems != 1)
			tool_die(TOOL_EXIT_DATA, pname, "field 'pred' holds %zu class ids per row; one is needed", k);
		if (nn_dtype_is_float(yf->dtype))
			tool_die(TOOL_EXIT_DATA, lname, "label field '%s' is %s; class predictions need integer "
			         "class ids", yname, nn_dtype_name(yf->dtype));
		if (yf->row_elems != 1)
			tool_die(TOOL_EXIT_DATA, lname, "label field '%s' holds %zu values per row; class "
			         "predictions need one class id per row", yname, yf->row_elems);
		same_names(pf, yf, pname);
		ev.names = pf->nclasses ? (const char *const *)pf->classes
		         : yf->nclasses ? (const char *const *)yf->classes : NULL;
		c = pf->nclasses ? pf->nclasses : yf->nclasses;
		if (qf) {
			if (qf->ndim != 1 || (c && qf->row_elems != c) || qf->row_elems < 2)
				tool_die(TOOL_EXIT_DATA, pname, "field 'proba' holds %zu values per row; %s needed",
				         qf->row_elems, c ? "one per class is" : "two or more are");
			same_names(pf, qf, pname);
			c = qf->row_elems;
			if (!ev.names && qf->nclasses)
				ev.names = (const char *const *)qf->classes;
		}
		if (yf->nclasses && c > yf->nclasses)
			tool_die(TOOL_EXIT_DATA, lname, "label field '%s' names %zu classes but the predictions have %zu",
			         yname, yf->nclasses, c);
	} else if (!nn_dtype_is_float(yf->dtype)) {
		tool_die(TOOL_EXIT_DATA, lname, "label field '%s' is %s (class ids); regression predictions "
		         "need float labels", yname, nn_dtype_name(yf->dtype));
	} else if (yf->row_elems != k) {
		tool_die(TOOL_EXIT_DATA, lname, "label field '%s' holds %zu values per row but the "
		         "predictions %zu", yname, yf->row_elems, k);
	}
	start(classify, c, k, qf != NULL);

	/* lockstep: take from each side as many rows as both have left */
	const nn_batch *pb = NULL, *lb = NULL;
	size_t poff = 0, loff = 0;
	uint64_t row = 0;
	void *b1 = NULL, *b2 = NULL, *b3 = NULL;
	size_t c1 = 0, c2 = 0, c3 = 0;
	nn_error err = { 0 };
	for (;;) {
		if (!pb || poff == pb->rows) {
			pb = tool_next(pr, opt_pred, &pb) ? pb : NULL;
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
			int32_t *y = grow_buf(&b1, &c1, n, 4), *p = grow_buf(&b2, &c2, n, 4);
			float *q = qf ? grow_buf(&b3, &c3, n * c, 4) : NULL;
			convert(y, NN_I32, lb->col[yi], yf->dtype, loff, n, lname, yname);
			convert(p, NN_I32, pb->col[pi], pf->dtype, poff, n, pname, "pred");
			if (q)
				convert(q, NN_F32, pb->col[qi], qf->dtype, poff * c, n * c, pname, "proba");
			if (nn_cls_acc_add(ev.cls, y, p, q, n, row, &err))
				tool_die_err(strstr(err.msg, "label") ? lname : pname, &err);
		} else {
			double *y = grow_buf(&b1, &c1, n * k, 8), *p = grow_buf(&b2, &c2, n * k, 8);
			convert(y, NN_F64, lb->col[yi], yf->dtype, loff * k, n * k, lname, yname);
			convert(p, NN_F64, pb->col[pi], pf->dtype, poff * k, n * k, pname, "pred");
			if (nn_reg_acc_add(ev.reg, y, p, n, row, &err))
				tool_die_err(strstr(err.msg, "label") ? lname : pname, &err);
		}
		poff += n;
		loff += n;
		row += n;
	}
	if (!row && !opt_partial)
		tool_die(TOOL_EXIT_DATA, pname, "no rows to evaluate");
	free(b1);
	free(b2);
	free(b3);
}

/* --- -m: the model run on labelled data ------------------------------------ */

static void eval_model(const char *input)
{
	const char *name = tool_name(input);
	nn_error err = { 0 };
	nn_model *m = tool_model(opt_model);

	nn_reader *r = tool_reader(input);
	const nn_schema *s = nn_reader_schema(r);
	const char *xname = opt_x ? opt_x : m->x_name, *yname = opt_y ? opt_y : m->y_name;
	const nn_field *xf = find_field(s, xname, name, " (name the feature field with --x)");
	const nn_field *yf = find_field(s, yname, name,
	                                " (nn-eval needs labels; name the field with --y, or use nn-predict)");
	int xi = nn_schema_find(s, xname), yi = nn_schema_find(s, yname);
	size_t k = nn_model_outputs(m), c = m->nclasses;

	if (nn_model_check_input(m, xf, &err))
		tool_die_err(name, &err);
	if (m->classification) {
		if (nn_dtype_is_float(yf->dtype))
			tool_die(TOOL_EXIT_DATA, name, "label field '%s' is %s; the model classifies: it needs "
			         "integer class ids", yname, nn_dtype_name(yf->dtype));
		if (yf->row_elems != 1)
			tool_die(TOOL_EXIT_DATA, name, "label field '%s' holds %zu values per row; the model "
			         "needs one class id per row", yname, yf->row_elems);
		if (m->classes && yf->nclasses) {
			int same = yf->nclasses == c;
			for (size_t i = 0; same && i < c; i++)
				same = !strcmp(m->classes[i], yf->classes[i]);
			if (!same)
				tool_die(TOOL_EXIT_DATA, name, "the class names of '%s' differ from the model's", yname);
		}
		ev.names = m->classes ? (const char *const *)m->classes
		         : yf->nclasses == c ? (const char *const *)yf->classes : NULL;
	} else if (!nn_dtype_is_float(yf->dtype)) {
		tool_die(TOOL_EXIT_DATA, name, "label field '%s' is %s (class ids); the model predicts "
		         "float values", yname, nn_dtype_name(yf->dtype));
	} else if (yf->row_elems != k) {
		tool_die(TOOL_EXIT_DATA, name, "label field '%s' holds %zu values per row; the model "
		         "predicts %zu", yname, yf->row_elems, k);
	}
	start(m->classification, c, k, 1);

	nn_predictor *p = nn_predictor_new(m, &err);
	const nn_batch *b;
	void *b1 = NULL, *b2 = NULL, *b3 = NULL;
	size_t c1 = 0, c2 = 0, c3 = 0;
	uint64_t row = 0;
	if (!p)
		tool_die_err(NULL, &err);
	while (tool_next(r, input, &b)) {
		size_t n = b->rows;
		const float *out = nn_predictor_run(p, b->col[xi], xf->dtype, n, &err);
		if (!out) {
			nn_error_prefix(&err, "field '%s'", xname);
			tool_die_err(name, &err);
		}
		if (m->classification) {
			int32_t *y = grow_buf(&b1, &c1, n, 4), *pred = grow_buf(&b2, &c2, n, 4);
			float *q = grow_buf(&b3, &c3, n * c, 4);
			convert(y, NN_I32, b->col[yi], yf->dtype, 0, n, name, yname);
			nn_predict_proba(m, out, n, q);
			nn_predict_classes(c, q, n, pred);
			if (nn_cls_acc_add(ev.cls, y, pred, q, n, row, &err)) {
				if (strstr(err.msg, "NaN"))
					nn_error_prefix(&err, "the model gives NaN (NaN features?)");
				tool_die_err(name, &err);
			}
		} else {
			double *y = grow_buf(&b1, &c1, n * k, 8), *pred = grow_buf(&b2, &c2, n * k, 8);
			convert(y, NN_F64, b->col[yi], yf->dtype, 0, n * k, name, yname);
			convert(pred, NN_F64, out, NN_F32, 0, n * k, name, "outputs");
			if (nn_reg_acc_add(ev.reg, y, pred, n, row, &err))
				tool_die_err(name, &err);
		}
		row += n;
	}
	if (!row && !opt_partial)
		tool_die(TOOL_EXIT_DATA, name, "no rows to evaluate");
	nn_predictor_free(p);
	/* The reader stays open: the report may name the classes with the
	 * label field's names, which live in its schema. */
	ev.model = m;   /* its class names are in the report */
	free(b1);
	free(b2);
	free(b3);
}

/* --- the report ------------------------------------------------------------ */

/* A number: shortest round trip in JSON (null unless finite), 6
 * significant digits in text. */
static void put_num(FILE *o, double v, int width)
{
	char buf[NN_FLOAT_CHARS];
	if (opt_json) {
		if (isfinite(v))
			nn_format_f64(buf, v);
		fputs(isfinite(v) ? buf : "null", o);
	} else {
		snprintf(buf, sizeof buf, "%.6g", v);
		fprintf(o, "%-*s", width, buf);
	}
}

static const char *class_name(size_t i, char *buf)
{
	if (ev.names)
		return ev.names[i];
	snprintf(buf, 24, "%zu", i);
	return buf;
}

static void text_line(FILE *o, const char *key, int have, double v, const char *why)
{
	fprintf(o, "%-20s", key);
	if (have)
		put_num(o, v, 0);
	else
		fprintf(o, "-  (%s)", why);
	putc('\n', o);
}

static void report_cls_text(FILE *o, const nn_cls_report *r)
{
	char buf[24], key[48];
	int w = 14;
	size_t c = r->nclasses;

	for (size_t i = 0; i < c; i++) {
		int len = (int)strlen(class_name(i, buf));
		w = len + 2 > w ? len + 2 : w;
	}
	fprintf(o, "%-20s%s\n%-20s%llu\n%-20s%zu\n", "task", "classification", "rows",
	        (unsigned long long)r->rows, "classes", c);
	text_line(o, "accuracy", 1, r->accuracy, NULL);
	text_line(o, "balanced accuracy", 1, r->balanced_accuracy, NULL);
	text_line(o, "log loss", r->have_proba, r->log_loss, ev.note);
	snprintf(key, sizeof key, "top-%zu accuracy", r->top_k);
	text_line(o, key, r->have_proba, r->top_k_accuracy, ev.note);
	if (c == 2)
		text_line(o, "ROC AUC", r->have_auc, r->roc_auc,
		          r->have_proba ? "undefined: the labels hold one class only" : ev.note);
	fprintf(o, "\n%-*s%-12s%-12s%-12s%s\n", w, "class", "precision", "recall", "f1", "support");
	for (size_t i = 0; i <= c + 1; i++) {
		const char *name = i < c ? class_name(i, buf) : i == c ? "macro avg" : "weighted avg";
		double p = i < c ? r->precision[i] : i == c ? r->macro_precision : r->weighted_precision;
		double re = i < c ? r->recall[i] : i == c ? r->macro_recall : r->weighted_recall;
		double f = i < c ? r->f1[i] : i == c ? r->macro_f1 : r->weighted_f1;
		fprintf(o, "%-*s", w, name);
		put_num(o, p, 12);
		put_num(o, re, 12);
		put_num(o, f, 12);
		fprintf(o, "%llu\n", (unsigned long long)(i < c ? r->support[i] : r->rows));
	}
	fprintf(o, "\nconfusion matrix (rows: true class, columns: predicted class)\n%-*s", w, "");
	int cw = 8;
	for (size_t j = 0; j < c; j++) {
		int len = (int)strlen(class_name(j, buf));
		cw = len + 2 > cw ? len + 2 : cw;
	}
	for (size_t j = 0; j < c; j++)
		fprintf(o, "%-*s", j + 1 < c ? cw : 0, class_name(j, buf));
	putc('\n', o);
	for (size_t i = 0; i < c; i++) {
		fprintf(o, "%-*s", w, class_name(i, buf));
		for (size_t j = 0; j < c; j++)
			fprintf(o, "%-*llu", j + 1 < c ? cw : 0, (unsigned long long)r->confusion[i * c + j]);
		putc('\n', o);
	}
}

static void json_key(FILE *o, const char *key, double v, int have)
{
	fprintf(o, ", \"%s\": ", key);
	if (have)
		put_num(o, v, 0);
	else
		fputs("null", o);
}

static void report_cls_json(FILE *o, const nn_cls_report *r)
{
	char buf[24];
	size_t c = r->nclasses;

	fprintf(o, "{\"task\": \"classification\", \"rows\": %llu, \"classes\": [", (unsigned long long)r->rows);
	for (size_t i = 0; i < c; i++) {
		fputs(i ? ", " : "", o);
		tool_put_json_str(o, class_name(i, buf));
	}
	putc(']', o);
	json_key(o, "accuracy", r->accuracy, 1);
	json_key(o, "balanced_accuracy", r->balanced_accuracy, 1);
	json_key(o, "log_loss", r->log_loss, r->have_proba);
	fprintf(o, ", \"top_k\": %zu", r->top_k);
	json_key(o, "top_k_accuracy", r->top_k_accuracy, r->have_proba);
	json_key(o, "roc_auc", r->roc_auc, r->have_auc);
	fputs(", \"per_class\": [", o);
	for (size_t i = 0; i < c; i++) {
		fputs(i ? ", {\"class\": " : "{\"class\": ", o);
		tool_put_json_str(o, class_name(i, buf));
		json_key(o, "precision", r->precision[i], 1);
		json_key(o, "recall", r->recall[i], 1);
		json_key(o, "f1", r->f1[i], 1);
		fprintf(o, ", \"support\": %llu}", (unsigned long long)r->support[i]);
	}
	fputs("], \"macro_avg\": {\"classes\": ", o);
	fprintf(o, "%zu", r->present);
	json_key(o, "precision", r->macro_precision, 1);
	json_key(o, "recall", r->macro_recall, 1);
	json_key(o, "f1", r->macro_f1, 1);
	fprintf(o, "}, \"weighted_avg\": {\"support\": %llu", (unsigned long long)r->rows);
	json_key(o, "precision", r->weighted_precision, 1);
	json_key(o, "recall", r->weighted_recall, 1);
	json_key(o, "f1", r->weighted_f1, 1);
	fputs("}, \"confusion_matrix\": [", o);
	for (size_t i = 0; i < c; i++) {
		fputs(i ? ", [" : "[", o);
		for (size_t j = 0; j < c; j++)
			fprintf(o, "%s%llu", j ? ", " : "", (unsigned long long)r->confusion[i * c + j]);
		putc(']', o);
	}
	fputs("], \"notes\": [", o);
	if (!r->have_proba) {
		char note[256];
		snprintf(note, sizeof note, "log_loss, top_k_accuracy and roc_auc need probabilities: %s", ev.note);
		tool_put_json_str(o, note);
	} else if (c == 2 && !r->have_auc) {
		tool_put_json_str(o, "roc_auc is undefined: the labels hold one class only");
	}
	fputs("]}\n", o);
}

static void report_reg(FILE *o, const nn_reg_report *r)
{
	static const char *const names[4] = { "mse", "rmse", "mae", "r2" };
	const double avg[4] = { r->mse_avg, r->rmse_avg, r->mae_avg, r->r2_avg };
	const double *per[4] = { r->mse, r->rmse, r->mae, r->r2 };
	size_t k = r->ntargets;

	if (opt_json) {
		fprintf(o, "{\"task\": \"regression\", \"rows\": %llu, \"targets\": %zu", (unsigned long long)r->rows, k);
		for (int m = 0; m < 4; m++)
			json_key(o, names[m], avg[m], 1);
		fputs(", \"per_target\": [", o);
		for (size_t j = 0; j < k; j++) {
			fprintf(o, "%s{\"target\": %zu", j ? ", " : "", j);
			for (int m = 0; m < 4; m++)
				json_key(o, names[m], per[m][j], 1);
			putc('}', o);
		}
		fputs("]}\n", o);
		return;
	}
	fprintf(o, "%-20s%s\n%-20s%llu\n%-20s%zu\n", "task", "regression", "rows",
	        (unsigned long long)r->rows, "targets", k);
	for (int m = 0; m < 4; m++)
		text_line(o, m == 3 ? "R^2" : m == 0 ? "MSE" : m == 1 ? "RMSE" : "MAE", 1, avg[m], NULL);
	if (k < 2)
		return;
	fprintf(o, "\n%-12s%-14s%-14s%-14s%s\n", "target", "MSE", "RMSE", "MAE", "R^2");
	for (size_t j = 0; j < k; j++) {
		fprintf(o, "%-12zu", j);
		for (int m = 0; m < 4; m++)
			put_num(o, per[m][j], m < 3 ? 14 : 0);
		putc('\n', o);
	}
}

static void report(void)
{
	nn_error err = { 0 };
	FILE *o;

	tool_output_open(opt_out, 0);
	o = tool_output_file();
	if (ev.classify) {
		nn_cls_report r;
		if (nn_cls_acc_report(ev.cls, &r, &err))
			tool_die_err(NULL, &err);
		if (opt_json)
			report_cls_json(o, &r);
		else
			report_cls_text(o, &r);
		nn_cls_report_release(&r);
	} else {
		nn_reg_report r;
		if (nn_reg_acc_report(ev.reg, &r, &err))
			tool_die_err(NULL, &err);
		report_reg(o, &r);
		nn_reg_report_release(&r);
	}
	tool_output_commit();
}

/* --- partial results -------------------------------------------------------- */

#define PARTIAL_KIND "eval-partial"



static int pack_xsums(msgpack_packer *pk, const nn_xsum *x, size_t n)
{
	int64_t *limbs = tool_alloc(n * NN_XSUM_LIMBS * sizeof *limbs);
	for (size_t j = 0; j < n; j++)
		memcpy(limbs + j * NN_XSUM_LIMBS, x[j].limb, sizeof x[j].limb);
	int bad = nn_pack_bin(pk, limbs, n * NN_XSUM_LIMBS * sizeof *limbs);
	free(limbs);
	return bad;
}

/* The header says everything but the ROC AUC keys, which are the rows
 * (one u64 per row of a two-class evaluation with probabilities). */
static void write_partial(int argc, char **argv)
{
	nn_error err = { 0 };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	nn_cls_partial cp = { 0 };
	nn_reg_partial rp = { 0 };
	int bad;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (ev.classify) {
		nn_cls_acc_partial(ev.cls, &cp);
		bad = msgpack_pack_map(&pk, 11);
		bad |= nn_pack_str(&pk, "task") | nn_pack_str(&pk, "classification");
		bad |= nn_pack_str(&pk, "rows") | msgpack_pack_uint64(&pk, cp.rows);
		bad |= nn_pack_str(&pk, "nclasses") | msgpack_pack_uint64(&pk, cp.nclasses);
		bad |= nn_pack_str(&pk, "fixed") | (ev.nclasses ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk));
		bad |= nn_pack_str(&pk, "classes");
		if (ev.names) {
			bad |= msgpack_pack_array(&pk, cp.nclasses);
			for (size_t i = 0; i < cp.nclasses; i++)
				bad |= nn_pack_str(&pk, ev.names[i]);
		} else {
			bad |= msgpack_pack_nil(&pk);
		}
		bad |= nn_pack_str(&pk, "top_k") | msgpack_pack_uint64(&pk, cp.top_k);
		bad |= nn_pack_str(&pk, "proba") | msgpack_pack_int(&pk, ev.note ? -1 : cp.proba);
		bad |= nn_pack_str(&pk, "topk_hits") | msgpack_pack_uint64(&pk, cp.topk_hits);
		bad |= nn_pack_str(&pk, "note") | (ev.note ? nn_pack_str(&pk, ev.note) : msgpack_pack_nil(&pk));
		bad |= nn_pack_str(&pk, "confusion") |
		       nn_pack_bin(&pk, cp.confusion, cp.nclasses * cp.nclasses * sizeof *cp.confusion);
		bad |= nn_pack_str(&pk, "logloss") | pack_xsums(&pk, &cp.logloss, 1);
	} else {
		nn_reg_acc_partial(ev.reg, &rp);
		size_t k = rp.ntargets;
		bad = msgpack_pack_map(&pk, 9);
		bad |= nn_pack_str(&pk, "task") | nn_pack_str(&pk, "regression");
		bad |= nn_pack_str(&pk, "rows") | msgpack_pack_uint64(&pk, rp.rows);
		bad |= nn_pack_str(&pk, "ntargets") | msgpack_pack_uint64(&pk, k);
		bad |= nn_pack_str(&pk, "sse") | pack_xsums(&pk, rp.sse, k);
		bad |= nn_pack_str(&pk, "sae") | pack_xsums(&pk, rp.sae, k);
		bad |= nn_pack_str(&pk, "sy") | pack_xsums(&pk, rp.sy, k);
		bad |= nn_pack_str(&pk, "syy") | pack_xsums(&pk, rp.syy, k);
		bad |= nn_pack_str(&pk, "lo") | nn_pack_bin(&pk, rp.lo, k * sizeof(double));
		bad |= nn_pack_str(&pk, "hi") | nn_pack_bin(&pk, rp.hi, k * sizeof(double));
	}
	if (bad)
		tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
	nn_schema *s = nn_schema_new(PARTIAL_KIND, &err);
	if (!s || nn_schema_add_field(s, "auc_key", NN_U64, 0, NULL, &err) ||
	    nn_schema_set_meta(s, sb.data, sb.size, &err))
		tool_die_err(NULL, &err);
	tool_provenance(s, argc, argv);
	tool_output_open(opt_out, 1);
	nn_writer *w = tool_writer(s, 3, 1);
	for (size_t i = 0; i < cp.nkeys; i += 65536) {
		const void *cols[1] = { cp.keys + i };
		tool_write(w, cols, cp.nkeys - i < 65536 ? cp.nkeys - i : 65536);
	}
	tool_writer_finish(w);
	nn_schema_free(s);
	msgpack_sbuffer_destroy(&sb);
}

/* A bin of n exact sums, or of n values of `size` bytes. */
static void read_bin(nn_mp *c, void *dst, size_t bytes, const char *path, const char *key)
{
	const void *data;
	size_t len;
	nn_error err = { 0 };
	if (nn_mp_bin(c, &data, &len, key, &err))
		tool_die_err(path, &err);
	if (len != bytes)
		tool_die(TOOL_EXIT_DATA, path, "partial result: '%s' holds %zu bytes, not %zu", key, len, bytes);
	memcpy(dst, data, bytes);
}

static void read_xsums(nn_mp *c, nn_xsum *x, size_t n, const char *path, const char *key)
{
	int64_t *limbs = tool_alloc(n * NN_XSUM_LIMBS * sizeof *limbs);
	read_bin(c, limbs, n * NN_XSUM_LIMBS * sizeof *limbs, path, key);
	for (size_t j = 0; j < n; j++) {
		memcpy(x[j].limb, limbs + j * NN_XSUM_LIMBS, sizeof x[j].limb);
		x[j].pending = 1;
	}
	free(limbs);
}

/* Read one partial result and merge it into ev (started by the first
 * that has rows; empty ones, from empty shards, add nothing). */
static void merge_partial(const char *path)
{
	static int started;
	nn_error err = { 0 };
	nn_reader *r = tool_reader(path);
	const nn_schema *s = nn_reader_schema(r);
	if (strcmp(s->kind, PARTIAL_KIND))
		tool_die(TOOL_EXIT_DATA, path, "not a partial result of nn-eval --partial (kind '%s')", s->kind);
	nn_mp c = { s->meta, s->meta + s->meta_len };
	size_t n, classes_n = 0;
	uint64_t rows = 0, nclasses = 0, top_k = 0, hits = 0, ntargets = 0;
	int64_t proba = 0;
	int fixed = 0, classify = -1;
	uint64_t *confusion = NULL;
	nn_xsum logloss, *xs[4] = { NULL, NULL, NULL, NULL };
	double *lo = NULL, *hi = NULL;
	static char **names;
	char **mine = NULL, *note = NULL;
	static const char *const xkeys[4] = { "sse", "sae", "sy", "syy" };

	if (!s->meta || nn_mp_map(&c, &n, "partial result", &err))
		tool_die(TOOL_EXIT_DATA, path, "partial result without its header map");
	for (size_t i = 0; i < n; i++) {
		const char *key;
		size_t len;
		int bad = 0;
		if (nn_mp_str(&c, &key, &len, "key", &err))
			tool_die_err(path, &err);
#define IS(k) (len == strlen(k) && !memcmp(key, k, len))
		if (IS("task")) {
			const char *v;
			size_t vl;
			bad = nn_mp_str(&c, &v, &vl, "task", &err);
			classify = !bad && vl == 14 && !memcmp(v, "classification", 14);
		} else if (IS("rows")) {
			bad = nn_mp_uint(&c, &rows, "rows", &err);
		} else if (IS("nclasses")) {
			bad = nn_mp_uint(&c, &nclasses, "nclasses", &err);
			if (!bad && nclasses > NN_METRICS_MAX_CLASSES)
				tool_die(TOOL_EXIT_DATA, path, "partial result: %llu classes", (unsigned long long)nclasses);
		} else if (IS("fixed")) {
			bad = nn_mp_bool(&c, &fixed, "fixed", &err);
		} else if (IS("classes")) {
			if (nn_mp_peek(&c) == NN_MP_NIL) {
				bad = nn_mp_nil(&c, "classes", &err);
				continue;
			}
			bad = nn_mp_array(&c, &classes_n, "classes", &err);
			if (!bad && classes_n != nclasses)
				tool_die(TOOL_EXIT_DATA, path, "partial result: %zu class names for %llu classes",
				         classes_n, (unsigned long long)nclasses);
			mine = tool_alloc((classes_n ? classes_n : 1) * sizeof *mine);
			for (size_t j = 0; !bad && j < classes_n; j++) {
				const char *v;
				size_t vl;
				bad = nn_mp_str(&c, &v, &vl, "class name", &err);
				if (!bad && !(mine[j] = strndup(v, vl)))
					tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
			}
		} else if (IS("note")) {
			const char *v;
			size_t vl;
			if (nn_mp_peek(&c) == NN_MP_NIL)
				bad = nn_mp_nil(&c, "note", &err);
			else if (!(bad = nn_mp_str(&c, &v, &vl, "note", &err)) && !(note = strndup(v, vl)))
				tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
		} else if (IS("top_k")) {
			bad = nn_mp_uint(&c, &top_k, "top_k", &err);
		} else if (IS("proba")) {
			bad = nn_mp_int(&c, &proba, "proba", &err);
		} else if (IS("topk_hits")) {
			bad = nn_mp_uint(&c, &hits, "topk_hits", &err);
		} else if (IS("confusion")) {
			confusion = tool_alloc((nclasses ? nclasses * nclasses : 1) * sizeof *confusion);
			read_bin(&c, confusion, nclasses * nclasses * sizeof *confusion, path, "confusion");
		} else if (IS("logloss")) {
			read_xsums(&c, &logloss, 1, path, "logloss");
		} else if (IS("ntargets")) {
			bad = nn_mp_uint(&c, &ntargets, "ntargets", &err);
			if (!bad && (ntargets < 1 || ntargets > 1u << 20))
				tool_die(TOOL_EXIT_DATA, path, "partial result: %llu targets", (unsigned long long)ntargets);
		} else if (IS("lo") || IS("hi")) {
			double **v = IS("lo") ? &lo : &hi;
			*v = tool_alloc(ntargets * sizeof **v + 1);
			read_bin(&c, *v, ntargets * sizeof **v, path, IS("lo") ? "lo" : "hi");
		} else {
			int j = 0;
			while (j < 4 && !IS(xkeys[j]))
				j++;
			if (j < 4) {
				xs[j] = tool_alloc(ntargets * sizeof *xs[j] + 1);
				read_xsums(&c, xs[j], ntargets, path, xkeys[j]);
			} else {
				bad = nn_mp_skip(&c, &err);
			}
		}
#undef IS
		if (bad)
			tool_die(TOOL_EXIT_DATA, path, "bad partial result%s%s", err.msg[0] ? ": " : "", err.msg);
	}
	if (classify < 0 || (classify && (!confusion || !top_k)) || (!classify && (!xs[0] || !xs[1] || !xs[2] ||
	                                                                          !xs[3] || !lo || !hi)))
		tool_die(TOOL_EXIT_DATA, path, "partial result: fields missing");

	int first = !started && rows;
	if (!rows) {
		/* nothing to add, and nothing to check it against */
	} else if (first) {
		started = 1;
		opt_topk = (long long)top_k;
		start(classify, fixed ? nclasses : 0, ntargets, proba >= 0);
		if (proba < 0)
			ev.note = note ? note : "the partial results have no probabilities";
		names = mine;
		ev.names = (const char *const *)names;
	} else if (classify != ev.classify) {
		tool_die(TOOL_EXIT_DATA, path, "a %s partial result among %s ones", classify ? "classification" : "regression",
		         ev.classify ? "classification" : "regression");
	} else if (classify) {
		int same = !names == !mine && (!names || nclasses == nn_cls_acc_classes(ev.cls));
		for (size_t j = 0; same && names && j < nclasses; j++)
			same = !strcmp(names[j], mine[j]);
		if (!same)
			tool_die(TOOL_EXIT_DATA, path, "class names differ from the first partial result's");
		if ((proba < 0) != (ev.note != NULL) && rows)
			tool_die(TOOL_EXIT_DATA, path, "probabilities in some partial results and not in others");
	}

	/* the keys: the rows of the stream */
	uint64_t *keys = NULL;
	size_t nkeys = 0;
	const nn_batch *b;
	while (tool_next(r, path, &b)) {
		keys = tool_realloc(keys, (nkeys + b->rows) * sizeof *keys);
		memcpy(keys + nkeys, b->col[0], b->rows * sizeof *keys);
		nkeys += b->rows;
	}
	if (nkeys && (!classify || nclasses != 2 || nkeys != rows))
		tool_die(TOOL_EXIT_DATA, path, "partial result: %zu ROC AUC keys for %llu rows", nkeys,
		         (unsigned long long)rows);
	if (!rows) {
		/* skip */
	} else if (classify) {
		nn_cls_partial p = { (size_t)nclasses, (size_t)top_k, rows, hits, (int)(proba < 0 ? -1 : proba),
		                     confusion, logloss, keys, nkeys };
		if (nn_cls_acc_merge(ev.cls, &p, &err))
			tool_die_err(path, &err);
	} else {
		nn_reg_partial p = { (size_t)ntargets, rows, xs[0], xs[1], xs[2], xs[3], lo, hi };
		if (nn_reg_acc_merge(ev.reg, &p, &err))
			tool_die_err(path, &err);
	}
	nn_reader_close(r);
	free(keys);
	free(confusion);
	free(lo);
	free(hi);
	for (int j = 0; j < 4; j++)
		free(xs[j]);
	if (!first && mine) {   /* the first's names stay for the report */
		for (size_t j = 0; j < classes_n; j++)
			free(mine[j]);
		free(mine);
	}
}

int main(int argc, char **argv)
{
	nn_strlist in = { 0 };
	const char *input;

	tool_blas_init(argv);
	tool_parse(&cli, argc, argv, &in);
	input = in.n ? in.v[0] : NULL;
	if (opt_combine) {
		if (opt_model || opt_pred || opt_partial || opt_x || opt_y)
			tool_usage("--combine reads partial results only: no -m, --pred, --partial, --x or --y");
		if (!in.n)
			tool_usage("--combine needs the partial results as operands");
		for (size_t i = 0; i < in.n; i++)
			merge_partial(in.v[i]);
		if (!ev.cls && !ev.reg)
			tool_die(TOOL_EXIT_DATA, in.v[0], "no rows to evaluate in the partial results");
		report();
		return 0;
	}
	if (in.n > 1)
		tool_usage("one INPUT at most (several with --combine)");
	if (!opt_model == !opt_pred)
		tool_usage("give either -m MODEL or --pred FILE (or --combine PART...)");
	if (opt_pred && opt_x)
		tool_usage("--x goes with -m only");
	if (opt_pred) {
		if (input && !strcmp(input, "-") && !strcmp(opt_pred, "-"))
			tool_usage("the predictions and the labels cannot both be standard input");
		eval_pred(input);
	} else {
		if ((!input || !strcmp(input, "-")) && !strcmp(opt_model, "-"))
			tool_usage("the model and the data cannot both be standard input");
		nn_blas_set_threads((int)opt_threads);
		eval_model(input);
	}
	if (opt_partial)
		write_partial(argc, argv);
	else
		report();
	nn_cls_acc_free(ev.cls);
	nn_reg_acc_free(ev.reg);
	nn_model_free(ev.model);
	nn_strlist_free(&in);
	return 0;
}
