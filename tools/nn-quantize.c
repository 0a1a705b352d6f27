/* nn-quantize — shrink a trained model: int8 weights, pruning, or both.
 *
 * Choices (nn-quantize(1) says why):
 * - int8 weights are symmetric, one scale per output channel
 *   (nn/quant.h); biases stay f32.  Readers dequantize each layer as they
 *   load it (training runs in f32) and keep the int8 weights for
 *   prediction, whose products run in int8 with each input row quantized
 *   to u8 on the fly (nn/qgemm.h): the file is about 4× smaller and, on
 *   the Fashion-MNIST network here, prediction 1.6 to 8× faster than
 *   sgemm (bench/int8.c, bench/results.md).  Activation ranges are taken
 *   per row, so --calibrate is a check rather than an input: it runs the
 *   original and the new model (its int8 products) over a stream and
 *   reports how often they agree.
 * - --prune zeroes the smallest weights by magnitude, per layer (default)
 *   or globally; zeros cost almost nothing after zstd, so a pruned model
 *   stays a dense file (bench/results.md measures the size).  --f32 keeps
 *   f32 weights, for fine-tuning with nn-train --init before quantizing.
 * - The new model keeps the original's metadata (task, input, classes,
 *   preparation) and adds "quantization" when its weights are int8.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tool.h"
#include "nn/predict.h"
#include "nn/quant.h"

static const char *opt_out, *opt_scope = "layer", *opt_calibrate;
static double opt_prune;
static int opt_f32;
static long long opt_level = NN_DEFAULT_LEVEL;

static const nn_option options[] = {
	NN_OPT_OUTPUT(&opt_out),
	{ 0, "prune", NN_OPT_DOUBLE, &opt_prune, "FRACTION",
	  "zero this fraction of the weights, smallest first (default 0)", 0, 1 },
	{ 0, "prune-scope", NN_OPT_CHOICE, &opt_scope, "layer|global",
	  "rank weights within each layer or over all (default layer)", 0, 0 },
	{ 0, "f32", NN_OPT_FLAG, &opt_f32, NULL, "keep f32 weights (prune only)", 0, 0 },
	{ 0, "calibrate", NN_OPT_STR, &opt_calibrate, "FILE",
	  "compare the new model with the original on this data stream", 0, 0 },
	NN_OPT_LEVEL(&opt_level),
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-quantize", "[OPTIONS] [MODEL]",
	"Shrink a trained model: int8 weights, pruning, or both.",
	"Weights become int8, one scale per output channel (about 4x smaller); biases\n"
	"stay f32.  --prune F zeroes the fraction F of the weights of smallest\n"
	"magnitude first.  nn-predict, nn-eval and nn-info read the result as any\n"
	"model.  See nn-quantize(1).",
	options, 1
};

/* Largest |w - dequantized w| over layer l, and its scale bound. */
static double quant_error(const nn_mlp *net, const nn_quant_model *qm, int l, double *bound)
{
	size_t out = net->width[l + 1], in = net->width[l];
	const float *w = net->params + net->woff[l];
	double worst = 0;
	*bound = 0;
	for (size_t o = 0; o < out; o++) {
		*bound = fmax(*bound, qm->scale[l][o] / 2.0);
		for (size_t i = 0; i < in; i++)
			worst = fmax(worst, fabs((double)qm->q[l][o * in + i] * qm->scale[l][o] - w[o * in + i]));
	}
	return worst;
}

/* Run both models over the stream at path and report their agreement. */
static void calibrate(const char *path, const nn_model *orig, const nn_model *now)
{
	nn_error err = { 0 };
	nn_reader *r = tool_reader(path);
	const char *name = tool_name(path);
	const nn_schema *s = nn_reader_schema(r);
	int xi = nn_schema_find(s, orig->x_name);
	if (xi < 0)
		tool_die(TOOL_EXIT_DATA, name, "--calibrate: no field '%s'", orig->x_name);
	if (nn_model_check_input(orig, &s->fields[xi], &err))
		tool_die_err(name, &err);
	nn_predictor *pa = nn_predictor_new(orig, &err), *pb = pa ? nn_predictor_new(now, &err) : NULL;
	if (!pb)
		tool_die_err(NULL, &err);
	size_t k = nn_model_outputs(orig), c = orig->nclasses, cap = 0;
	float *qa = NULL, *qb = NULL, *ca = NULL;
	int32_t *ya = NULL, *yb = NULL;
	uint64_t rows = 0, same = 0;
	double worst = 0;
	const nn_batch *b;
	while (tool_next(r, path, &b)) {
		size_t n = b->rows;
		const float *oa = nn_predictor_run(pa, b->col[xi], s->fields[xi].dtype, n, &err);
		if (!oa)
			tool_die_err(name, &err);
		if (n * k > cap) {
			cap = n * k;
			ca = tool_realloc(ca, cap * sizeof *ca);
		}
		memcpy(ca, oa, n * k * sizeof *ca);   /* the next run reuses the scratch */
		const float *ob = nn_predictor_run(pb, b->col[xi], s->fields[xi].dtype, n, &err);
		if (!ob)
			tool_die_err(name, &err);
		if (orig->classification) {
			qa = tool_realloc(qa, n * c * sizeof *qa);
			qb = tool_realloc(qb, n * c * sizeof *qb);
			ya = tool_realloc(ya, n * sizeof *ya);
			yb = tool_realloc(yb, n * sizeof *yb);
			nn_predict_proba(orig, ca, n, qa);
			nn_predict_proba(now, ob, n, qb);
			nn_predict_classes(c, qa, n, ya);
			nn_predict_classes(c, qb, n, yb);
			for (size_t i = 0; i < n; i++)
				same += ya[i] == yb[i];
			for (size_t i = 0; i < n * c; i++)
				worst = fmax(worst, fabs((double)qa[i] - qb[i]));
		} else {
			for (size_t i = 0; i < n * k; i++)
				worst = fmax(worst, fabs((double)ca[i] - ob[i]));
		}
		rows += n;
	}
	if (orig->classification)
		tool_note("calibration on %s: %llu rows, same class for %llu (%.4f), largest probability change %.4g",
		          name, (unsigned long long)rows, (unsigned long long)same,
		          rows ? (double)same / (double)rows : 1.0, worst);
	else
		tool_note("calibration on %s: %llu rows, largest output change %.4g", name,
		          (unsigned long long)rows, worst);
	nn_predictor_free(pa);
	nn_predictor_free(pb);
	nn_reader_close(r);
	free(qa);
	free(qb);
	free(ca);
	free(ya);
	free(yb);
}

/* The model to out: int8 (the quantized model, returned) or, with
 * --f32, the pruned f32 weights (NULL). */
static nn_quant_model *write_model(tool_out *out, nn_model *m, int argc, char **argv)
{
	nn_error err = { 0 };
	nn_quant_model *qm = NULL;
	nn_schema *s;
	const void *f32cols[2 * NN_MLP_MAX_LAYERS];
	const void *const *cols;

	if (opt_f32) {
		if (!(s = nn_model_schema(m, "model", &err)))
			tool_die_err(NULL, &err);
		nn_model_columns(m, f32cols);
		cols = f32cols;
	} else {
		if (!(qm = nn_quant_model_new(m, &err)))
			tool_die_err(NULL, &err);
		s = qm->schema;
		cols = qm->cols;
	}
	tool_provenance(s, argc, argv);
	nn_writer *w = tool_out_writer(out, s, opt_level, 1, 0);
	if (nn_tensors_write(w, s, cols, &err) || nn_writer_finish(w, &err))
		tool_die_err(tool_out_name(out), &err);
	nn_writer_free(w);
	if (!qm)
		nn_schema_free(s);
	return qm;
}

/* Each layer's zeros and, for int8, its largest error. */
static void report_layers(const nn_mlp *net, const nn_quant_model *qm)
{
	for (int l = 0; l < net->nlayers; l++) {
		size_t n = net->width[l] * net->width[l + 1], z = nn_mlp_zero_weights(net, l);
		double bound = 0, e = qm ? quant_error(net, qm, l, &bound) : 0;
		if (qm)
			tool_note("layer %d: %zu weights, %zu zero (%.1f%%), int8 error at most %.3g (bound %.3g)",
			          l, n, z, 100.0 * (double)z / (double)n, e, bound);
		else
			tool_note("layer %d: %zu weights, %zu zero (%.1f%%)", l, n, z, 100.0 * (double)z / (double)n);
	}
}

/* --calibrate: m as its readers will compute it against orig. */
static void check_calibration(nn_model *m, const nn_model *orig, const nn_quant_model *qm)
{
	nn_error err = { 0 };
	nn_mlp *net = m->mlp;

	/* what the readers will compute: the int8 products (nn/quant.h)
	 * beside the dequantized weights, or the pruned f32 weights alone */
	if (qm)
		for (int l = 0; l < net->nlayers; l++)
			nn_dequant_rows(qm->q[l], qm->scale[l], net->width[l + 1], net->width[l],
			                net->params + net->woff[l]);
	if (nn_model_set_int8(m, qm, &err))
		tool_die_err(NULL, &err);
	calibrate(opt_calibrate, orig, m);
}

int main(int argc, char **argv)
{
	nn_strlist in = { 0 };
	nn_error err = { 0 };

	tool_parse(&cli, argc, argv, &in);
	const char *input = in.n ? in.v[0] : NULL;
	if (opt_f32 && opt_prune == 0)
		tool_usage("--f32 with no --prune would write the same model");
	if (opt_calibrate && !strcmp(opt_calibrate, "-") && (!input || !strcmp(input, "-")))
		tool_usage("the model and --calibrate cannot both be standard input");
	tool_out *out = tool_out_open(opt_out, 1);   /* checked before any work */

	nn_model *m = tool_model(input), *orig = opt_calibrate ? tool_model(input) : NULL;
	size_t zeros[NN_MLP_MAX_LAYERS];
	if (opt_prune > 0 && nn_prune(m->mlp, opt_prune, !strcmp(opt_scope, "global"), zeros, &err))
		tool_die_err(tool_name(input), &err);
	nn_quant_model *qm = write_model(out, m, argc, argv);
	report_layers(m->mlp, qm);
	if (orig)
		check_calibration(m, orig, qm);
	tool_out_commit(out);
	if (opt_out && strcmp(opt_out, "-")) {
		struct stat st;
		if (stat(opt_out, &st) == 0)
			tool_note("wrote %s: %lld bytes", opt_out, (long long)st.st_size);
	}
	nn_quant_model_free(qm);
	nn_model_free(orig);
	nn_model_free(m);
	nn_strlist_free(&in);
	return 0;
}
