/* metrics.c — classification and regression metrics as scikit-learn
 * defines them (see nn/metrics.h for each definition). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/metrics.h"
#include "nn/xsum.h"

/* --- classification ------------------------------------------------------ */

struct nn_cls_acc {
	size_t nclasses;       /* current size of the matrix */
	int grows;             /* nclasses was 0: grow with the values seen */
	size_t top_k;
	uint64_t rows;
	uint64_t *confusion;   /* [nclasses x nclasses] */
	int proba_state;       /* 0 unknown yet, 1 every call had proba, -1 none */
	nn_xsum logloss_sum;   /* exact: shards' sums add up to the whole's */
	uint64_t topk_hits;
	uint64_t *keys;        /* two classes: one nn_auc_key per row */
	size_t nkeys, keys_cap;
};

nn_cls_acc *nn_cls_acc_new(size_t nclasses, size_t top_k, nn_error *err)
{
	nn_cls_acc *a;

	if (nclasses == 1 || nclasses > NN_METRICS_MAX_CLASSES) {
		nn_error_set(err, NN_ELIMIT, "%zu classes: a confusion matrix holds 2 to %d", nclasses,
		             NN_METRICS_MAX_CLASSES);
		return NULL;
	}
	if (top_k < 1) {
		nn_error_set(err, NN_EARG, "top-k needs k >= 1");
		return NULL;
	}
	if (!(a = calloc(1, sizeof *a)))
		goto nomem;
	a->grows = nclasses == 0;
	a->nclasses = nclasses;
	a->top_k = top_k;
	if (nclasses && !(a->confusion = calloc(nclasses * nclasses, sizeof *a->confusion)))
		goto nomem;
	return a;
nomem:
	free(a);
	nn_error_set(err, NN_ENOMEM, "out of memory");
	return NULL;
}

void nn_cls_acc_free(nn_cls_acc *a)
{
	if (!a)
		return;
	free(a->confusion);
	free(a->keys);
	free(a);
}

size_t nn_cls_acc_classes(const nn_cls_acc *a)
{
	return a->nclasses;
}

/* Make the matrix n x n, keeping the counts. */
static int grow(nn_cls_acc *a, size_t n, nn_error *err)
{
	uint64_t *m;

	if (n > NN_METRICS_MAX_CLASSES)
		return nn_error_set(err, NN_ELIMIT, "class id %zu: a confusion matrix holds at most %d classes",
		                    n - 1, NN_METRICS_MAX_CLASSES);
	if (!(m = calloc(n * n, sizeof *m)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < a->nclasses; i++)
		memcpy(m + i * n, a->confusion + i * a->nclasses, a->nclasses * sizeof *m);
	free(a->confusion);
	a->confusion = m;
	a->nclasses = n;
	return 0;
}

size_t nn_argmax_f32(const float *p, size_t n)
{
	size_t best = 0;

	if (isnan(p[0]))
		return 0;
	for (size_t j = 1; j < n; j++) {
		if (isnan(p[j]))
			return j;
		if (p[j] > p[best])
			best = j;
	}
	return best;
}

uint64_t nn_auc_key(float score, int label)
{
	uint32_t u;

	score += 0.0f;   /* -0 and +0 are one score: a tie */
	memcpy(&u, &score, sizeof u);
	/* IEEE order as unsigned order: flip negatives, set the sign of positives */
	u = (u & 0x80000000u) ? ~u : u | 0x80000000u;
	return (uint64_t)u << 1 | (label != 0);
}

/* LSD radix sort of 33-bit keys: three passes of 11 bits. */
static void radix_sort33(uint64_t *keys, uint64_t *tmp, size_t n)
{
	size_t count[2048];

	for (int pass = 0; pass < 3; pass++) {
		int shift = pass * 11;
		size_t sum = 0;
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(keys[i] >> shift) & 2047]++;
		for (size_t b = 0; b < 2048; b++) {
			size_t c = count[b];
			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(keys[i] >> shift) & 2047]++] = keys[i];
		uint64_t *t = keys;
		keys = tmp;
		tmp = t;
	}
	/* three passes: the sorted keys are in the caller's tmp */
	memcpy(tmp, keys, n * sizeof *keys);
}

double nn_roc_auc_keys(uint64_t *keys, uint64_t *tmp, size_t n)
{
	double pos = 0, neg = 0, area = 0;

	radix_sort33(keys, tmp, n);
	/* ascending scores; in a group of equal scores the negatives come first.
	 * Each positive beats every negative below its group and ties half of
	 * those in it: twice the Mann-Whitney U, summed exactly in integers
	 * below 2^53. */
	for (size_t i = 0; i < n;) {
		uint64_t score = keys[i] >> 1;
		double gneg = 0, gpos = 0;
		for (; i < n && keys[i] >> 1 == score; i++) {
			if (keys[i] & 1)
				gpos++;
			else
				gneg++;
		}
		area += gpos * (2 * neg + gneg);
		neg += gneg;
		pos += gpos;
	}
	if (pos == 0 || neg == 0)
		return -1;
	return area / (2 * pos * neg);
}

/* The rank of the true class among the scores: how many classes beat it,
 * ties going to the higher index. */
static size_t rank_of(const float *p, size_t n, size_t t)
{
	size_t rank = 0;

	for (size_t j = 0; j < n; j++)
		rank += p[j] > p[t] || (j > t && p[j] == p[t]);
	return rank;
}

int nn_cls_acc_add(nn_cls_acc *a, const int32_t *y, const int32_t *pred, const float *proba,
                   size_t rows, uint64_t first_row, nn_error *err)
{
	size_t c;

	if (!rows)
		return 0;
	if (a->proba_state && (proba != NULL) != (a->proba_state > 0))
		return nn_error_set(err, NN_EARG, "probabilities given for some rows but not others");
	if (proba && a->grows)
		return nn_error_set(err, NN_EARG, "probabilities need a fixed number of classes");
	/* check everything first: a failed call changes nothing */
	for (size_t i = 0; i < rows; i++) {
		int32_t bad = y[i] < 0 ? y[i] : pred[i] < 0 ? pred[i] : 0;
		if (bad)
			return nn_error_set(err, NN_EDATA, "row %llu: class id %d is negative",
			                    (unsigned long long)(first_row + i), (int)bad);
		if (!a->grows && ((size_t)y[i] >= a->nclasses || (size_t)pred[i] >= a->nclasses))
			return nn_error_set(err, NN_EDATA, "row %llu: %s %d is out of the %zu classes (0 to %zu)",
			                    (unsigned long long)(first_row + i),
			                    (size_t)y[i] >= a->nclasses ? "label" : "predicted class",
			                    (int)((size_t)y[i] >= a->nclasses ? y[i] : pred[i]),
			                    a->nclasses, a->nclasses - 1);
	}
	if (a->grows) {
		size_t top = a->nclasses;
		for (size_t i = 0; i < rows; i++) {
			size_t m = (size_t)(y[i] > pred[i] ? y[i] : pred[i]) + 1;
			top = m > top ? m : top;
		}
		if (top > a->nclasses && grow(a, top < 2 ? 2 : top, err))
			return -1;
	}
	c = a->nclasses;
	if (proba) {
		for (size_t i = 0; i < rows * c; i++)
			if (isnan(proba[i]))
				return nn_error_set(err, NN_EDATA, "row %llu: probability of class %zu is NaN",
				                    (unsigned long long)(first_row + i / c), i % c);
		if (c == 2 && rows > a->keys_cap - a->nkeys) {
			size_t cap = a->keys_cap ? a->keys_cap : 4096;
			uint64_t *k;
			while (cap - a->nkeys < rows) {
				if (cap > SIZE_MAX / 2 / sizeof *k)
					return nn_error_set(err, NN_ENOMEM, "too many rows for ROC AUC");
				cap *= 2;
			}
			if (!(k = realloc(a->keys, cap * sizeof *k)))
				return nn_error_set(err, NN_ENOMEM, "out of memory for %zu ROC AUC scores", cap);
			a->keys = k;
			a->keys_cap = cap;
		}
	}
	a->proba_state = proba ? 1 : -1;
	for (size_t i = 0; i < rows; i++)
		a->confusion[(size_t)y[i] * c + (size_t)pred[i]]++;
	a->rows += rows;
	if (!proba)
		return 0;
	for (size_t i = 0; i < rows; i++) {
		const float *p = proba + i * c;
		double pt = p[y[i]];
		const double eps = DBL_EPSILON;
		pt = pt < eps ? eps : pt > 1 - eps ? 1 - eps : pt;
		nn_xsum_add(&a->logloss_sum, -log(pt));
		if (c == 2)
			a->topk_hits += a->top_k >= 2 || (p[1] > 0.5f) == (y[i] == 1);
		else
			a->topk_hits += rank_of(p, c, (size_t)y[i]) < a->top_k;
		if (c == 2)
			a->keys[a->nkeys++] = nn_auc_key(p[1], y[i]);
	}
	return 0;
}

static double ratio(uint64_t num, uint64_t den)
{
	return den ? (double)num / (double)den : 0.0;
}

int nn_cls_from_confusion(const uint64_t *confusion, size_t n, nn_cls_report *r, nn_error *err)
{
	uint64_t rows = 0, correct = 0;
	double recall_sum = 0;
	size_t with_rows = 0;

	memset(r, 0, sizeof *r);
	r->nclasses = n;
	r->confusion = calloc(n * n, sizeof *r->confusion);
	r->precision = calloc(n, sizeof *r->precision);
	r->recall = calloc(n, sizeof *r->recall);
	r->f1 = calloc(n, sizeof *r->f1);
	r->support = calloc(n, sizeof *r->support);
	r->predicted = calloc(n, sizeof *r->predicted);
	if (!r->confusion || !r->precision || !r->recall || !r->f1 || !r->support || !r->predicted) {
		nn_cls_report_release(r);
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	}
	memcpy(r->confusion, confusion, n * n * sizeof *confusion);
	for (size_t t = 0; t < n; t++)
		for (size_t p = 0; p < n; p++) {
			uint64_t k = confusion[t * n + p];
			r->support[t] += k;
			r->predicted[p] += k;
			rows += k;
		}
	if (!rows) {
		nn_cls_report_release(r);
		return nn_error_set(err, NN_EDATA, "no rows to evaluate");
	}
	r->rows = rows;
	for (size_t c = 0; c < n; c++) {
		uint64_t tp = confusion[c * n + c];
		uint64_t fn = r->support[c] - tp, fp = r->predicted[c] - tp;
		correct += tp;
		r->precision[c] = ratio(tp, tp + fp);
		r->recall[c] = ratio(tp, tp + fn);
		r->f1[c] = ratio(2 * tp, 2 * tp + fp + fn);
		if (r->support[c]) {
			recall_sum += r->recall[c];
			with_rows++;
		}
		if (r->support[c] || r->predicted[c]) {
			r->present++;
			r->macro_precision += r->precision[c];
			r->macro_recall += r->recall[c];
			r->macro_f1 += r->f1[c];
		}
		r->weighted_precision += r->precision[c] * (double)r->support[c];
		r->weighted_recall += r->recall[c] * (double)r->support[c];
		r->weighted_f1 += r->f1[c] * (double)r->support[c];
	}
	r->accuracy = (double)correct / (double)rows;
	r->balanced_accuracy = recall_sum / (double)with_rows;
	r->macro_precision /= (double)r->present;
	r->macro_recall /= (double)r->present;
	r->macro_f1 /= (double)r->present;
	r->weighted_precision /= (double)rows;
	r->weighted_recall /= (double)rows;
	r->weighted_f1 /= (double)rows;
	return 0;
}

int nn_cls_acc_report(nn_cls_acc *a, nn_cls_report *r, nn_error *err)
{
	if (!a->rows || !a->nclasses) {
		memset(r, 0, sizeof *r);
		return nn_error_set(err, NN_EDATA, "no rows to evaluate");
	}
	if (nn_cls_from_confusion(a->confusion, a->nclasses, r, err))
		return -1;
	r->top_k = a->top_k;
	if (a->proba_state <= 0)
		return 0;
	r->have_proba = 1;
	r->log_loss = nn_xsum_value(&a->logloss_sum) / (double)a->rows;
	r->top_k_accuracy = (double)a->topk_hits / (double)a->rows;
	if (a->nclasses == 2) {
		uint64_t *tmp = malloc((a->nkeys ? a->nkeys : 1) * sizeof *tmp);
		if (!tmp) {
			nn_cls_report_release(r);
			return nn_error_set(err, NN_ENOMEM, "out of memory for %zu ROC AUC scores", a->nkeys);
		}
		r->roc_auc = nn_roc_auc_keys(a->keys, tmp, a->nkeys);
		r->have_auc = r->roc_auc >= 0;
		free(tmp);
	}
	return 0;
}

void nn_cls_report_release(nn_cls_report *r)
{
	free(r->confusion);
	free(r->precision);
	free(r->recall);
	free(r->f1);
	free(r->support);
	free(r->predicted);
	memset(r, 0, sizeof *r);
}

/* --- regression ---------------------------------------------------------- */

struct nn_reg_acc {
	size_t k;
	uint64_t rows;
	/* per target, exact (so that shards add up to the whole): sums of
	 * squared and absolute errors, of the labels and of their squares */
	nn_xsum *sse, *sae, *sy, *syy;
	double *lo, *hi;       /* per target: smallest and largest label */
};

nn_reg_acc *nn_reg_acc_new(size_t k, nn_error *err)
{
	nn_reg_acc *a = calloc(1, sizeof *a);

	if (!k) {
		free(a);
		nn_error_set(err, NN_EARG, "regression needs at least one target");
		return NULL;
	}
	if (a) {
		a->k = k;
		a->sse = calloc(k, sizeof *a->sse);
		a->sae = calloc(k, sizeof *a->sae);
		a->sy = calloc(k, sizeof *a->sy);
		a->syy = calloc(k, sizeof *a->syy);
		a->lo = calloc(k, sizeof *a->lo);
		a->hi = calloc(k, sizeof *a->hi);
	}
	if (!a || !a->sse || !a->sae || !a->sy || !a->syy || !a->lo || !a->hi) {
		nn_reg_acc_free(a);
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	return a;
}

void nn_reg_acc_free(nn_reg_acc *a)
{
	if (!a)
		return;
	free(a->sse);
	free(a->sae);
	free(a->sy);
	free(a->syy);
	free(a->lo);
	free(a->hi);
	free(a);
}

int nn_reg_acc_add(nn_reg_acc *a, const double *y, const double *pred, size_t rows,
                   uint64_t first_row, nn_error *err)
{
	size_t k = a->k;

	if (!rows)
		return 0;
	for (size_t i = 0; i < rows * k; i++)
		if (!isfinite(y[i]) || !isfinite(pred[i]))
			return nn_error_set(err, NN_EDATA, "row %llu: %s of target %zu is %g",
			                    (unsigned long long)(first_row + i / k),
			                    isfinite(y[i]) ? "prediction" : "label", i % k,
			                    isfinite(y[i]) ? pred[i] : y[i]);
	if (!a->rows)
		for (size_t j = 0; j < k; j++)
			a->lo[j] = a->hi[j] = y[j];
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < k; j++) {
			double e = y[i * k + j] - pred[i * k + j];
			a->lo[j] = y[i * k + j] < a->lo[j] ? y[i * k + j] : a->lo[j];
			a->hi[j] = y[i * k + j] > a->hi[j] ? y[i * k + j] : a->hi[j];
			nn_xsum_add(&a->sse[j], e * e);
			nn_xsum_add(&a->sae[j], fabs(e));
			nn_xsum_add(&a->sy[j], y[i * k + j]);
			nn_xsum_add_product(&a->syy[j], y[i * k + j], y[i * k + j]);
		}
	a->rows += rows;
	return 0;
}

int nn_reg_acc_report(const nn_reg_acc *a, nn_reg_report *r, nn_error *err)
{
	size_t k = a->k;
	double n = (double)a->rows;

	memset(r, 0, sizeof *r);
	if (!a->rows)
		return nn_error_set(err, NN_EDATA, "no rows to evaluate");
	r->ntargets = k;
	r->rows = a->rows;
	r->mse = calloc(k, sizeof *r->mse);
	r->rmse = calloc(k, sizeof *r->rmse);
	r->mae = calloc(k, sizeof *r->mae);
	r->r2 = calloc(k, sizeof *r->r2);
	if (!r->mse || !r->rmse || !r->mae || !r->r2) {
		nn_reg_report_release(r);
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	}
	for (size_t j = 0; j < k; j++) {
		double sse = nn_xsum_value(&a->sse[j]);
		r->mse[j] = sse / n;
		r->rmse[j] = sqrt(r->mse[j]);
		r->mae[j] = nn_xsum_value(&a->sae[j]) / n;
		/* SS_tot = sum (y - m)^2 = sum y^2 - 2 m sum y + n m^2 for any m,
		 * each term exact: rounded once, whatever the shards */
		nn_xsum tot = a->syy[j];
		double m = nn_xsum_value(&a->sy[j]) / n, mm = m * m, mm_lo = fma(m, m, -mm);
		nn_xsum_add_scaled(&tot, &a->sy[j], -2 * m);
		nn_xsum_add_product(&tot, mm, n);
		nn_xsum_add_product(&tot, mm_lo, n);
		double ss_tot = nn_xsum_value(&tot);
		/* constant labels: SS_tot is 0 exactly, whatever the mean rounded to */
		if (a->lo[j] != a->hi[j] && ss_tot > 0)
			r->r2[j] = 1 - sse / ss_tot;
		else
			r->r2[j] = sse == 0 ? 1.0 : 0.0;
		r->mse_avg += r->mse[j];
		r->rmse_avg += r->rmse[j];
		r->mae_avg += r->mae[j];
		r->r2_avg += r->r2[j];
	}
	r->mse_avg /= (double)k;
	r->rmse_avg /= (double)k;
	r->mae_avg /= (double)k;
	r->r2_avg /= (double)k;
	return 0;
}

void nn_reg_report_release(nn_reg_report *r)
{
	free(r->mse);
	free(r->rmse);
	free(r->mae);
	free(r->r2);
	memset(r, 0, sizeof *r);
}

/* --- partial results ------------------------------------------------------ */

void nn_cls_acc_partial(const nn_cls_acc *a, nn_cls_partial *p)
{
	memset(p, 0, sizeof *p);
	p->nclasses = a->nclasses;
	p->top_k = a->top_k;
	p->rows = a->rows;
	p->topk_hits = a->topk_hits;
	p->proba = a->proba_state;
	p->confusion = a->confusion;
	p->logloss = a->logloss_sum;
	nn_xsum_normalize(&p->logloss);
	p->keys = a->keys;
	p->nkeys = a->nkeys;
}

int nn_cls_acc_merge(nn_cls_acc *a, const nn_cls_partial *p, nn_error *err)
{
	if (p->top_k != a->top_k)
		return nn_error_set(err, NN_EDATA, "top-%zu accuracy, not top-%zu", p->top_k, a->top_k);
	if (!p->rows)
		return 0;
	if (a->proba_state && p->proba && a->proba_state != p->proba)
		return nn_error_set(err, NN_EDATA, "probabilities in some partial results and not in others");
	if (!a->grows && p->nclasses != a->nclasses)
		return nn_error_set(err, NN_EDATA, "%zu classes, not %zu", p->nclasses, a->nclasses);
	if (p->nclasses > a->nclasses && grow(a, p->nclasses, err))
		return -1;
	size_t n = a->nclasses;
	for (size_t i = 0; i < p->nclasses; i++)
		for (size_t j = 0; j < p->nclasses; j++)
			a->confusion[i * n + j] += p->confusion[i * p->nclasses + j];
	if (p->nkeys) {
		if (p->nkeys > SIZE_MAX / 2 / sizeof *a->keys - a->nkeys)
			return nn_error_set(err, NN_ENOMEM, "too many rows for ROC AUC");
		uint64_t *k = realloc(a->keys, (a->nkeys + p->nkeys) * sizeof *k);
		if (!k)
			return nn_error_set(err, NN_ENOMEM, "out of memory for %zu ROC AUC scores", a->nkeys + p->nkeys);
		memcpy(k + a->nkeys, p->keys, p->nkeys * sizeof *k);
		a->keys = k;
		a->nkeys += p->nkeys;
		a->keys_cap = a->nkeys;
	}
	nn_xsum_merge(&a->logloss_sum, &p->logloss);
	a->topk_hits += p->topk_hits;
	a->rows += p->rows;
	if (p->proba)
		a->proba_state = p->proba;
	return 0;
}

void nn_reg_acc_partial(const nn_reg_acc *a, nn_reg_partial *p)
{
	for (size_t j = 0; j < a->k; j++) {
		nn_xsum_normalize(&a->sse[j]);          /* the form written */
		nn_xsum_normalize(&a->sae[j]);
		nn_xsum_normalize(&a->sy[j]);
		nn_xsum_normalize(&a->syy[j]);
	}
	p->ntargets = a->k;
	p->rows = a->rows;
	p->sse = a->sse;
	p->sae = a->sae;
	p->sy = a->sy;
	p->syy = a->syy;
	p->lo = a->lo;
	p->hi = a->hi;
}

int nn_reg_acc_merge(nn_reg_acc *a, const nn_reg_partial *p, nn_error *err)
{
	if (p->ntargets != a->k)
		return nn_error_set(err, NN_EDATA, "%zu targets, not %zu", p->ntargets, a->k);
	if (!p->rows)
		return 0;
	for (size_t j = 0; j < a->k; j++) {
		nn_xsum_merge(&a->sse[j], &p->sse[j]);
		nn_xsum_merge(&a->sae[j], &p->sae[j]);
		nn_xsum_merge(&a->sy[j], &p->sy[j]);
		nn_xsum_merge(&a->syy[j], &p->syy[j]);
		a->lo[j] = !a->rows || p->lo[j] < a->lo[j] ? p->lo[j] : a->lo[j];
		a->hi[j] = !a->rows || p->hi[j] > a->hi[j] ? p->hi[j] : a->hi[j];
	}
	a->rows += p->rows;
	return 0;
}
