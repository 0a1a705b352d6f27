/* tune.c — a cross-validation table's arithmetic (nn/tune.h). */
#include <math.h>
#include <string.h>
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
