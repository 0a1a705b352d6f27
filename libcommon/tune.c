/* tune.c — a cross-validation table: its arithmetic and its forms (nn/tune.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cli.h"
#include "nn/pack.h"
#include "nn/tensor.h"
#include "nn/tune.h"

int nn_cv_metric(const char *name, const char **path, int *lower)
{
	static const char *const m[][2] = {
		{ "accuracy", "accuracy" }, { "balanced_accuracy", "balanced_accuracy" },
		{ "f1_macro", "macro_avg.f1" }, { "f1_weighted", "weighted_avg.f1" },
		{ "precision_macro", "macro_avg.precision" }, { "recall_macro", "macro_avg.recall" },
		{ "log_loss", "log_loss" }, { "top_k_accuracy", "top_k_accuracy" }, { "roc_auc", "roc_auc" },
		{ "r2", "r2" }, { "mse", "mse" }, { "rmse", "rmse" }, { "mae", "mae" },
	};
	for (size_t i = 0; i < sizeof m / sizeof *m; i++)
		if (!strcmp(name, m[i][0])) {
			*path = m[i][1];
			*lower = !strcmp(name, "log_loss") || !strcmp(name, "mse") || !strcmp(name, "rmse") ||
			         !strcmp(name, "mae");
			return 0;
		}
	return -1;
}

void nn_cv_stats(const double *s, size_t k, double *mean, double *std)
{
	double sum = 0, sq = 0;
	for (size_t i = 0; i < k; i++)
		sum += s[i];
	*mean = sum / (double)k;
	for (size_t i = 0; i < k; i++)
		sq += (s[i] - *mean) * (s[i] - *mean);
	*std = sqrt(sq / (double)k);
}

void nn_cv_rank(const double *mean, const int *ok, size_t n, int lower, size_t *rank)
{
	for (size_t i = 0; i < n; i++) {
		rank[i] = 0;
		if (!ok[i])
			continue;
		rank[i] = 1;
		for (size_t j = 0; j < n; j++)
			if (ok[j] && (lower ? mean[j] < mean[i] : mean[j] > mean[i]))
				rank[i]++;
	}
}

int nn_cv_finish(nn_cv_table *t, nn_error *err)
{
	double *mean = calloc(t->nrows + 1, sizeof *mean);
	int *ok = calloc(t->nrows + 1, sizeof *ok);
	size_t *rank = calloc(t->nrows + 1, sizeof *rank);
	if (!mean || !ok || !rank) {
		free(mean), free(ok), free(rank);
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < t->nrows; i++) {
		nn_cv_row *r = &t->rows[i];
		ok[i] = r->finished && !r->failed;
		if (ok[i])
			nn_cv_stats(r->score, t->folds, &r->mean, &r->std);
		mean[i] = r->mean;
	}
	nn_cv_rank(mean, ok, t->nrows, t->lower, rank);
	for (size_t i = 0; i < t->nrows; i++)
		t->rows[i].rank = rank[i];
	free(mean), free(ok), free(rank);
	return 0;
}

static void put_num(FILE *o, const char *sep, double v)
{
	char buf[NN_FLOAT_CHARS];
	nn_format_f64(buf, v);
	fprintf(o, "%s%s", sep, buf);
}

void nn_cv_write_tsv(FILE *o, const nn_cv_table *t)
{
	for (size_t k = 0; k < t->nkeys; k++)
		fprintf(o, "%s\t", t->keys[k]);
	fputs("mean\tstd", o);
	for (size_t f = 0; f < t->folds; f++)
		fprintf(o, "\tfold_%zu", f);
	fputs("\ttime_s\trank\tstatus\tsetup\targs\n", o);
	for (size_t i = 0; i < t->nrows; i++) {
		const nn_cv_row *r = &t->rows[i];
		if (!r->finished)
			continue;
		for (size_t k = 0; k < t->nkeys; k++)
			fprintf(o, "%s\t", r->values[k]);
		put_num(o, "", r->failed ? NAN : r->mean);
		put_num(o, "\t", r->failed ? NAN : r->std);
		for (size_t f = 0; f < t->folds; f++)
			put_num(o, "\t", r->failed ? NAN : r->score[f]);
		fprintf(o, "\t%.3f\t", r->time);
		if (r->rank)
			fprintf(o, "%zu", r->rank);
		fprintf(o, "\t%s%s\t%s\t%s\n", r->failed ? "failed: " : "ok", r->failed ? r->why : "", t->setup,
		        r->args);
	}
}

void nn_cv_write_text(FILE *o, const nn_cv_table *t)
{
	size_t w[NN_GRID_KEYS], mw = strlen(t->metric) + 6 > 12 ? strlen(t->metric) + 6 : 12;
	for (size_t k = 0; k < t->nkeys && k < NN_GRID_KEYS; k++) {
		w[k] = strlen(t->keys[k]);
		for (size_t i = 0; i < t->nrows; i++)
			w[k] = strlen(t->rows[i].values[k]) > w[k] ? strlen(t->rows[i].values[k]) : w[k];
	}
	fprintf(o, "%-6s", "rank");
	for (size_t k = 0; k < t->nkeys && k < NN_GRID_KEYS; k++)
		fprintf(o, "%-*s", (int)w[k] + 2, t->keys[k]);
	fprintf(o, "%-*s%-12s%s\n", (int)mw, t->metric, "std", "time_s");
	for (size_t rank = 1; rank <= t->nrows + 1; rank++)   /* best first; rank 0 (failed) last */
		for (size_t i = 0; i < t->nrows; i++) {
			const nn_cv_row *r = &t->rows[i];
			if (!r->finished || r->rank != (rank <= t->nrows ? rank : 0))
				continue;
			char m[32] = "failed", s[32] = "", rk[24] = "-";
			if (!r->failed)
				snprintf(m, sizeof m, "%.6g", r->mean), snprintf(s, sizeof s, "%.6g", r->std),
				        snprintf(rk, sizeof rk, "%zu", r->rank);
			fprintf(o, "%-6s", rk);
			for (size_t k = 0; k < t->nkeys && k < NN_GRID_KEYS; k++)
				fprintf(o, "%-*s", (int)w[k] + 2, r->values[k]);
			fprintf(o, "%-*s%-12s%.3f\n", (int)mw, m, s, r->time);
		}
}

/* s as a JSON string (nn_json_str's escaping). */
static void json_str(FILE *o, const char *s)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!nn_json_str(&buf, &len, &cap, s, strlen(s), NULL))
		fwrite(buf, 1, len, o);
	else
		fputs("null", o);
	free(buf);
}

/* The inside of s as a JSON string, then its closing quote. */
static void json_str_body(FILE *o, const char *s)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!nn_json_str(&buf, &len, &cap, s, strlen(s), NULL) && len >= 2)
		fwrite(buf + 1, 1, len - 1, o);
	else
		putc('"', o);
	free(buf);
}

static void json_num(FILE *o, const char *sep, double v, int have)
{
	if (have)
		put_num(o, sep, v);
	else
		fprintf(o, "%snull", sep);
}

void nn_cv_write_json(FILE *o, const nn_cv_table *t)
{
	fputs("{\"metric\": ", o);
	json_str(o, t->metric);
	fprintf(o, ", \"folds\": %zu, \"setup\": ", t->folds);
	json_str(o, t->setup);
	fputs(", \"configurations\": [", o);
	for (size_t i = 0, n = 0; i < t->nrows; i++) {
		const nn_cv_row *r = &t->rows[i];
		if (!r->finished)
			continue;
		fputs(n++ ? ",\n  {" : "\n  {", o);
		for (size_t k = 0; k < t->nkeys; k++) {
			json_str(o, t->keys[k]);
			fputs(": ", o);
			json_str(o, r->values[k]);
			fputs(", ", o);
		}
		json_num(o, "\"mean\": ", r->mean, !r->failed);
		json_num(o, ", \"std\": ", r->std, !r->failed);
		fputs(", \"folds\": [", o);
		for (size_t f = 0; f < t->folds; f++)
			json_num(o, f ? ", " : "", r->score[f], !r->failed);
		fprintf(o, "], \"time_s\": %.3f, \"rank\": ", r->time);
		r->rank ? fprintf(o, "%zu", r->rank) : fputs("null", o);
		fputs(r->failed ? ", \"status\": \"failed: " : ", \"status\": \"ok\"", o);
		if (r->failed)   /* the same words as the TSV's */
			json_str_body(o, r->why);
		fputs(", \"args\": ", o);
		json_str(o, r->args);
		putc('}', o);
	}
	fputs("\n]}\n", o);
}

int nn_cv_find(const nn_tsv *old, const char *setup, const char *args, size_t folds, double *score,
               double *time)
{
	long cs = nn_tsv_col(old, "setup"), ca = nn_tsv_col(old, "args"), cst = nn_tsv_col(old, "status");
	long ct = nn_tsv_col(old, "time_s");
	if (cs < 0 || ca < 0 || cst < 0 || ct < 0)
		return 0;
	for (size_t r = 0; r < old->nrows; r++) {
		int ok = !strcmp(nn_tsv_cell(old, r, (size_t)cs), setup) &&
		         !strcmp(nn_tsv_cell(old, r, (size_t)ca), args) &&
		         !strcmp(nn_tsv_cell(old, r, (size_t)cst), "ok") &&
		         !nn_parse_double(nn_tsv_cell(old, r, (size_t)ct), time);
		for (size_t f = 0; ok && f < folds; f++) {
			char name[32];
			snprintf(name, sizeof name, "fold_%zu", f);
			long c = nn_tsv_col(old, name);
			ok = c >= 0 && !nn_parse_double(nn_tsv_cell(old, r, (size_t)c), &score[f]) && isfinite(score[f]);
		}
		if (ok)
			return 1;
	}
	return 0;
}

/* s in gnuplot's single quotes, a quote doubled. */
static void gp_str(FILE *o, const char *s)
{
	putc('\'', o);
	for (; *s; s++)
		*s == '\'' ? fputs("''", o) : putc(*s, o);
	putc('\'', o);
}

void nn_cv_write_gnuplot(FILE *o, const nn_cv_table *t, const char *picture, int svg)
{
	size_t panels = t->nkeys ? t->nkeys : 1;
	fprintf(o, "set terminal %s size %zu,400\nset output ", svg ? "svg" : "pngcairo", 400 * panels);
	gp_str(o, picture);
	fprintf(o, "\nset datafile separator '\\t'\nset multiplot layout 1,%zu\nset ylabel ", panels);
	gp_str(o, t->metric);
	putc('\n', o);
	for (size_t k = 0; k < t->nkeys; k++) {
		int numeric = 1, rate = nn_grid_is_rate(t->keys[k]);
		double v;
		fprintf(o, "$d%zu << EOD\n", k);
		for (size_t i = 0; i < t->nrows; i++) {
			const nn_cv_row *r = &t->rows[i];
			if (!r->finished || r->failed)
				continue;
			fprintf(o, "%s\t%.17g\t%.17g\n", r->values[k], r->mean, r->std);
			numeric &= !nn_parse_double(r->values[k], &v) && (!rate || v > 0);
		}
		fputs("EOD\nset xlabel ", o);
		gp_str(o, t->keys[k]);
		fprintf(o, "\n%s\nplot $d%zu using %s with yerrorbars pt 7 notitle\n",
		        numeric && rate ? "set logscale x" : "unset logscale x", k, numeric ? "1:2:3" : "0:2:3:xtic(1)");
	}
	fputs("unset multiplot\n", o);
}
