/* report.c — the report of an evaluation, as text or JSON (see
 * nn/report.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/pack.h"
#include "nn/report.h"
#include "nn/tensor.h"

/* s as a quoted JSON string; nonzero when out of memory. */
static int json_str(FILE *o, const char *s)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (nn_json_str(&buf, &len, &cap, s, strlen(s), NULL))
		return -1;
	fwrite(buf, 1, len, o);
	free(buf);
	return 0;
}

/* A number: shortest round trip in JSON (null unless finite), 6
 * significant digits in text. */
static void put_num(FILE *o, int json, double v, int width)
{
	char buf[NN_FLOAT_CHARS];
	if (json) {
		if (isfinite(v))
			nn_format_f64(buf, v);
		fputs(isfinite(v) ? buf : "null", o);
	} else {
		snprintf(buf, sizeof buf, "%.6g", v);
		fprintf(o, "%-*s", width, buf);
	}
}

static const char *class_name(const nn_eval *e, size_t i, char *buf)
{
	if (e->names)
		return e->names[i];
	snprintf(buf, 24, "%zu", i);
	return buf;
}

/* The widest of the class names plus two, at least w. */
static int name_width(const nn_eval *e, size_t c, int w)
{
	char buf[24];
	for (size_t i = 0; i < c; i++) {
		int len = (int)strlen(class_name(e, i, buf));
		w = len + 2 > w ? len + 2 : w;
	}
	return w;
}

static void text_line(FILE *o, const char *key, int have, double v, const char *why)
{
	fprintf(o, "%-20s", key);
	if (have)
		put_num(o, 0, v, 0);
	else
		fprintf(o, "-  (%s)", why);
	putc('\n', o);
}

static void cls_text(FILE *o, const nn_eval *e, const nn_cls_report *r)
{
	char buf[24], key[48];
	size_t c = r->nclasses;
	int w = name_width(e, c, 14), cw = name_width(e, c, 8);
	const char *note = e->note;

	fprintf(o, "%-20s%s\n%-20s%llu\n%-20s%zu\n", "task", "classification", "rows",
	        (unsigned long long)r->rows, "classes", c);
	text_line(o, "accuracy", 1, r->accuracy, NULL);
	text_line(o, "balanced accuracy", 1, r->balanced_accuracy, NULL);
	text_line(o, "log loss", r->have_proba, r->log_loss, note);
	snprintf(key, sizeof key, "top-%zu accuracy", r->top_k);
	text_line(o, key, r->have_proba, r->top_k_accuracy, note);
	if (c == 2)
		text_line(o, "ROC AUC", r->have_auc, r->roc_auc,
		          r->have_proba ? "undefined: the labels hold one class only" : note);
	fprintf(o, "\n%-*s%-12s%-12s%-12s%s\n", w, "class", "precision", "recall", "f1", "support");
	for (size_t i = 0; i <= c + 1; i++) {
		const char *name = i < c ? class_name(e, i, buf) : i == c ? "macro avg" : "weighted avg";
		double p = i < c ? r->precision[i] : i == c ? r->macro_precision : r->weighted_precision;
		double re = i < c ? r->recall[i] : i == c ? r->macro_recall : r->weighted_recall;
		double f = i < c ? r->f1[i] : i == c ? r->macro_f1 : r->weighted_f1;
		fprintf(o, "%-*s", w, name);
		put_num(o, 0, p, 12);
		put_num(o, 0, re, 12);
		put_num(o, 0, f, 12);
		fprintf(o, "%llu\n", (unsigned long long)(i < c ? r->support[i] : r->rows));
	}
	fprintf(o, "\nconfusion matrix (rows: true class, columns: predicted class)\n%-*s", w, "");
	for (size_t j = 0; j < c; j++)
		fprintf(o, "%-*s", j + 1 < c ? cw : 0, class_name(e, j, buf));
	putc('\n', o);
	for (size_t i = 0; i < c; i++) {
		fprintf(o, "%-*s", w, class_name(e, i, buf));
		for (size_t j = 0; j < c; j++)
			fprintf(o, "%-*llu", j + 1 < c ? cw : 0, (unsigned long long)r->confusion[i * c + j]);
		putc('\n', o);
	}
}

static void json_key(FILE *o, const char *key, double v, int have)
{
	fprintf(o, ", \"%s\": ", key);
	if (have)
		put_num(o, 1, v, 0);
	else
		fputs("null", o);
}

/* ", "precision": P, "recall": R, "f1": F" */
static void json_prf(FILE *o, double p, double r, double f)
{
	json_key(o, "precision", p, 1);
	json_key(o, "recall", r, 1);
	json_key(o, "f1", f, 1);
}

static int cls_json(FILE *o, const nn_eval *e, const nn_cls_report *r)
{
	char buf[24];
	size_t c = r->nclasses;
	int bad = 0;

	fprintf(o, "{\"task\": \"classification\", \"rows\": %llu, \"classes\": [", (unsigned long long)r->rows);
	for (size_t i = 0; i < c; i++) {
		fputs(i ? ", " : "", o);
		bad |= json_str(o, class_name(e, i, buf));
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
		bad |= json_str(o, class_name(e, i, buf));
		json_prf(o, r->precision[i], r->recall[i], r->f1[i]);
		fprintf(o, ", \"support\": %llu}", (unsigned long long)r->support[i]);
	}
	fprintf(o, "], \"macro_avg\": {\"classes\": %zu", r->present);
	json_prf(o, r->macro_precision, r->macro_recall, r->macro_f1);
	fprintf(o, "}, \"weighted_avg\": {\"support\": %llu", (unsigned long long)r->rows);
	json_prf(o, r->weighted_precision, r->weighted_recall, r->weighted_f1);
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
		snprintf(note, sizeof note, "log_loss, top_k_accuracy and roc_auc need probabilities: %s", e->note);
		bad |= json_str(o, note);
	} else if (c == 2 && !r->have_auc) {
		bad |= json_str(o, "roc_auc is undefined: the labels hold one class only");
	}
	fputs("]}\n", o);
	return bad;
}

static void reg_report(FILE *o, int json, const nn_reg_report *r)
{
	static const char *const names[4] = { "mse", "rmse", "mae", "r2" };
	static const char *const titles[4] = { "MSE", "RMSE", "MAE", "R^2" };
	const double avg[4] = { r->mse_avg, r->rmse_avg, r->mae_avg, r->r2_avg };
	const double *per[4] = { r->mse, r->rmse, r->mae, r->r2 };
	size_t k = r->ntargets;

	if (json) {
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
		text_line(o, titles[m], 1, avg[m], NULL);
	if (k < 2)
		return;
	fprintf(o, "\n%-12s%-14s%-14s%-14s%s\n", "target", "MSE", "RMSE", "MAE", "R^2");
	for (size_t j = 0; j < k; j++) {
		fprintf(o, "%-12zu", j);
		for (int m = 0; m < 4; m++)
			put_num(o, 0, per[m][j], m < 3 ? 14 : 0);
		putc('\n', o);
	}
}


int nn_eval_report(FILE *o, const nn_eval *e, int json, nn_error *err)
{
	int bad = 0;

	if (e->classify) {
		nn_cls_report r;
		if (!e->cls || nn_cls_acc_report(e->cls, &r, err))
			return e->cls ? -1 : nn_error_set(err, NN_EARG, "no evaluation started");
		if (json)
			bad = cls_json(o, e, &r);
		else
			cls_text(o, e, &r);
		nn_cls_report_release(&r);
	} else {
		nn_reg_report r;
		if (!e->reg || nn_reg_acc_report(e->reg, &r, err))
			return e->reg ? -1 : nn_error_set(err, NN_EARG, "no evaluation started");
		reg_report(o, json, &r);
		nn_reg_report_release(&r);
	}
	return bad ? nn_error_set(err, NN_ENOMEM, "out of memory") : 0;
}
