/* nn-predict — run a trained model over a stream and write its predictions.
 *
 * Choices:
 * - The predictions stream (kind "data") holds, in this order: pred, then
 *   proba with --proba, then the label field when the input has it, then
 *   every --keep field, each copied as it is (dtype, shape, class names).
 *   Copying the label makes `nn-eval --pred` work on the output alone.
 * - Classification: pred is i32, the class with the highest probability,
 *   ties to the lowest index (numpy's argmax); it carries the model's class
 *   names (their numbers "0", "1", ... when the model has none), so the
 *   stream says how many classes there are.  proba is f32 [C] with the
 *   same names; a binary model with one sigmoid output p gives (1 - p, p).
 * - Regression: pred is f32, shape [] for one target, [K] for K.
 * - --soft-labels writes, in place of pred and the label, the class
 *   probabilities under the model's label name with its class names: a
 *   stream nn-train takes as soft labels (distillation).  --temperature T
 *   softens them (and --proba's) to softmax(logits / T).
 * - The rows reach the model through nn_feed (nn/predict.h): the input's
 *   preparation chain equal to the model's, or a first part of it whose
 *   remaining steps the model applies by value; any other chain refused
 *   naming the step; columns matched by name.  No row is dropped: a NaN
 *   feature the chain does not fill is an error naming the row, not a
 *   prediction of class 0, and so is a NaN output.
 * - A model without a recorded chain (older files) takes the rows as they
 *   come, with a note.
 * - Batch at a time: each input batch is converted to f32 at once and run
 *   256 rows per forward pass with one scratch space; memory is one batch
 *   plus the model.
 * - The feature field must hold as many values per row as the model takes
 *   (shape [784] feeds a model trained on [28,28]); any numeric dtype.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "nn/blas.h"
#include "nn/predict.h"

static const char *opt_out, *opt_model, *opt_x, *opt_y;
static long long opt_level = NN_DEFAULT_LEVEL, opt_threads = 1;
static int opt_proba, opt_soft;
static double opt_temperature = 1;
static nn_strlist opt_keep;

static const nn_option options[] = {
	{ 'm', "model", NN_OPT_STR, &opt_model, "FILE", "the model to run (required)", 0, 0 },
	NN_OPT_OUTPUT(&opt_out),
	{ 0, "proba", NN_OPT_FLAG, &opt_proba, NULL, "classification: also write the probabilities", 0, 0 },
	{ 0, "soft-labels", NN_OPT_FLAG, &opt_soft, NULL,
	  "write the probabilities as the label field (soft labels, for distillation)", 0, 0 },
	{ 0, "temperature", NN_OPT_DOUBLE, &opt_temperature, "T",
	  "soften (T > 1) the probabilities: softmax(logits / T) (default 1)", 1e-3, 1e3 },
	{ 0, "keep", NN_OPT_LIST, &opt_keep, "FIELD", "copy FIELD (e.g. an id) to the output", 0, 0 },
	{ 0, "x", NN_OPT_STR, &opt_x, "NAME", "the feature field (default: the model's, x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &opt_y, "NAME", "the label field copied when present (default: the model's, y)", 0, 0 },
	NN_OPT_LEVEL(&opt_level),
	{ 0, "threads", NN_OPT_INT, &opt_threads, "N", "threads this program may use (default 1)", 1, 256 },
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-predict", "-m MODEL [OPTIONS] [INPUT]",
	"Run a trained model over a stream and write its predictions.",
	"Classification writes pred (i32 class ids, with the model's class names) and,\n"
	"with --proba, proba (f32, one probability per class); regression writes pred\n"
	"(f32, one value per target).  The label field is copied when the input has it,\n"
	"so that nn-eval --pred can score the output alone.  See nn-predict(1).",
	options, 1
};

/* The run: the model, the input and its fields, the columns copied. */
static struct {
	const char *input, *name;   /* INPUT, and its name for messages */
	nn_model *m;
	nn_reader *r;
	const nn_schema *s;
	const char *xname, *yname;
	int xi, yi;
	size_t k, c;                /* the model's outputs, its classes */
	int classify, proba;
	nn_feed *feed;
	int *src;                   /* the input's field of each copied column */
	size_t ncopy;
} P;

/* The model, the input, its fields and the feed from one to the other. */
static void open_inputs(void)
{
	nn_error err = { 0 };

	if (!opt_model)
		tool_usage("-m MODEL is required");
	if ((!P.input || !strcmp(P.input, "-")) && !strcmp(opt_model, "-"))
		tool_usage("the model and the data cannot both be standard input");
	nn_blas_set_threads((int)opt_threads);
	P.m = tool_model(opt_model);
	P.r = tool_reader(P.input);
	P.s = nn_reader_schema(P.r);
	P.xname = opt_x ? opt_x : P.m->x_name;
	P.yname = opt_y ? opt_y : P.m->y_name;
	P.xi = nn_schema_find(P.s, P.xname);
	P.yi = nn_schema_find(P.s, P.yname);
	P.k = nn_model_outputs(P.m);
	P.c = P.m->nclasses;
	P.classify = P.m->classification;
	P.proba = P.classify && opt_proba;
	if (opt_soft && !P.classify)
		tool_usage("--soft-labels: '%s' is a regression model; soft labels are class probabilities", opt_model);
	if (opt_soft && opt_proba)
		tool_usage("--soft-labels writes the probabilities already; leave out --proba");
	if (opt_temperature != 1 && !opt_soft && !opt_proba)
		tool_usage("--temperature changes probabilities: give --proba or --soft-labels");
	if (P.xi < 0)
		tool_die(TOOL_EXIT_DATA, P.name, "no field '%s' (name the feature field with --x)", P.xname);
	if (!(P.feed = nn_feed_new(P.m, P.s, (size_t)P.xi, &err)))
		tool_die_err(P.name, &err);
	if (!P.m->prep)
		tool_note("'%s' records no preparation (made before models did): the rows are taken as they are",
		          opt_model);
	if (opt_proba && !P.classify)
		tool_note("--proba: a regression model gives no probabilities");
}

/* The model's class names (their numbers when it has none) on the
 * output's first field, and on proba. */
static void set_classes(nn_schema *os)
{
	nn_error err = { 0 };
	const char **names = tool_alloc(P.c * sizeof *names);
	char (*num)[24] = tool_alloc(P.c * sizeof *num);

	for (size_t i = 0; i < P.c; i++)
		names[i] = nn_model_class_name(P.m, i, num[i], sizeof num[i]);
	if (nn_schema_set_classes(os, 0, P.c, names, &err) ||
	    (P.proba && nn_schema_set_classes(os, 1, P.c, names, &err)))
		tool_die_err(NULL, &err);
	free(names);
	free(num);
}

/* The label and the --keep fields, copied as they are after the
 * predictions. */
static void add_copies(nn_schema *os)
{
	nn_error err = { 0 };

	P.src = tool_alloc((opt_keep.n + 3) * sizeof *P.src);
	for (size_t i = 0; i <= opt_keep.n; i++) {
		const char *f = i ? opt_keep.v[i - 1] : P.yname;
		int fi = i ? nn_schema_find(P.s, f) : P.yi;
		if (opt_soft && !strcmp(f, P.yname)) {
			if (!i)
				continue;   /* the soft labels take the label's place */
			tool_usage("--keep %s: with --soft-labels the output's label field has that name", f);
		}
		if (!strcmp(f, "pred") || (P.proba && !strcmp(f, "proba"))) {
			if (!i)
				continue;   /* a label called pred: the predictions win */
			tool_usage("--keep %s: the output's own field has that name", f);
		}
		if (fi < 0 && !i)
			continue;   /* no labels: predictions only */
		if (fi < 0)
			tool_die(TOOL_EXIT_DATA, P.name, "--keep: no field '%s'", f);
		if (nn_schema_find(os, f) >= 0)
			continue;   /* the label named again */
		const nn_field *fl = &P.s->fields[fi];
		if (nn_schema_add_field(os, f, fl->dtype, fl->ndim, fl->shape, &err) ||
		    (fl->nclasses && nn_schema_set_classes(os, os->nfields - 1, fl->nclasses,
		                                          (const char *const *)fl->classes, &err)))
			tool_die_err(P.name, &err);
		P.src[P.ncopy++] = fi;
	}
}

/* The output's schema: pred (or the soft labels), proba, the label, the
 * kept fields. */
static nn_schema *output_schema(int argc, char **argv)
{
	nn_error err = { 0 };
	nn_schema *os = nn_schema_new("data", &err);
	uint64_t kshape[1] = { P.classify ? P.c : P.k };

	if (!os || (opt_soft ? nn_schema_add_field(os, P.yname, NN_F32, 1, kshape, &err)
	                     : nn_schema_add_field(os, "pred", P.classify ? NN_I32 : NN_F32,
	                                           P.classify || P.k == 1 ? 0 : 1, kshape, &err)))
		tool_die_err(NULL, &err);
	if (P.proba && nn_schema_add_field(os, "proba", NN_F32, 1, kshape, &err))
		tool_die_err(NULL, &err);
	if (P.classify)
		set_classes(os);
	add_copies(os);
	/* the kept features keep their names and preparation chain, so that a
	 * model trained on this stream (a distilled student) records them */
	if (P.s->meta && nn_schema_find(os, P.xname) >= 0 &&
	    nn_schema_set_meta(os, P.s->meta, P.s->meta_len, &err))
		tool_die_err(NULL, &err);
	tool_provenance(os, argc, argv);
	return os;
}

/* Every batch through the model, its predictions and copies to w. */
static void predict(nn_writer *w, size_t nfields)
{
	nn_error err = { 0 };
	nn_predictor *p = nn_predictor_new(P.m, &err);
	const void **cols = tool_alloc(nfields * sizeof *cols);
	int32_t *pred = NULL;
	float *q = NULL;
	size_t cap = 0, k = P.k, c = P.c;
	uint64_t row = 0;
	const nn_batch *b;

	if (!p)
		tool_die_err(NULL, &err);
	while (tool_next(P.r, P.input, &b)) {
		size_t n = b->rows, w0 = P.proba ? 2 : 1;
		nn_dtype xt;
		const void *x = nn_feed_run(P.feed, b->col[P.xi], P.s->fields[P.xi].dtype, n, row, &xt, &err);
		const float *out = x ? nn_predictor_run(p, x, xt, n, &err) : NULL;
		if (!out) {
			nn_error_prefix(&err, "field '%s'", P.xname);
			tool_die_err(P.name, &err);
		}
		for (size_t i = 0; i < n * k; i++)
			if (isnan(out[i]))
				tool_die(TOOL_EXIT_DATA, P.name, "row %llu: the model's output is NaN (are the features NaN?)",
				         (unsigned long long)(row + i / k));
		if (P.classify) {
			if (n > cap) {
				cap = n;
				pred = tool_realloc(pred, cap * sizeof *pred);
				q = tool_realloc(q, cap * c * sizeof *q);
			}
			nn_predict_proba(P.m, out, n, q);
			nn_predict_classes(c, q, n, pred);   /* before softening: the same argmax */
			nn_predict_soften(q, n, c, opt_temperature);
			cols[0] = opt_soft ? (const void *)q : (const void *)pred;
			if (P.proba)
				cols[1] = q;
		} else {
			cols[0] = out;
			w0 = 1;
		}
		for (size_t i = 0; i < P.ncopy; i++)
			cols[w0 + i] = b->col[P.src[i]];
		tool_write(w, cols, n);
		row += n;
	}
	tool_writer_finish(w);
	nn_predictor_free(p);
	free(cols);
	free(pred);
	free(q);
}

int main(int argc, char **argv)
{
	nn_strlist in = { 0 };

	tool_blas_init(argv);
	tool_parse(&cli, argc, argv, &in);
	P.input = in.n ? in.v[0] : NULL;
	P.name = tool_name(P.input);
	open_inputs();
	nn_schema *os = output_schema(argc, argv);
	tool_output_open(opt_out, 1);
	predict(tool_writer(os, opt_level, 0), os->nfields);
	nn_feed_free(P.feed);
	nn_reader_close(P.r);
	nn_schema_free(os);
	nn_model_free(P.m);
	free(P.src);
	nn_strlist_free(&in);
	nn_strlist_free(&opt_keep);
	return 0;
}
