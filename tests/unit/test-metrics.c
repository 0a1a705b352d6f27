/* test-metrics.c — every metric against values computed by hand (the
 * fractions in the comments), batch splits, shards' matrices summed, ties,
 * and the errors. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/metrics.h"
#include "check.h"

#define NEAR(a, b) (fabs((a) - (b)) <= 1e-12)

/* 3 classes, 10 rows.  Confusion matrix (row = true):
 *   [2 1 1]   support   4 3 3
 *   [1 2 0]   predicted 3 4 3
 *   [0 1 2]   tp        2 2 2
 * precision 2/3 1/2 2/3, recall 1/2 2/3 2/3, f1 = 2tp/(2tp+fp+fn) =
 * 4/7 4/7 2/3; macro P = R = 11/18, macro F1 = 38/63; weighted P = 37/60,
 * weighted R = accuracy = 0.6, weighted F1 = 0.6. */
static const int32_t y3[10] = { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 };
static const int32_t p3[10] = { 0, 0, 1, 2, 1, 1, 0, 2, 2, 1 };
static const float pr3[30] = {
	0.5f, 0.25f, 0.25f,    0.75f, 0.125f, 0.125f,   0.25f, 0.5f, 0.25f,
	0.125f, 0.125f, 0.75f, 0.25f, 0.625f, 0.125f,   0, 1, 0,
	0.5f, 0.375f, 0.125f,  0.25f, 0.25f, 0.5f,      0.125f, 0.25f, 0.625f,
	0.25f, 0.5f, 0.25f,
};

static void test_multiclass(void)
{
	nn_error err = { 0 };
	nn_cls_report r;
	nn_cls_acc *a = nn_cls_acc_new(3, 2, &err);

	CHECK(a && !nn_cls_acc_add(a, y3, p3, pr3, 10, 0, &err), "add 10 rows: %s", err.msg);
	CHECK(!nn_cls_acc_report(a, &r, &err), "report");
	static const uint64_t cm[9] = { 2, 1, 1, 1, 2, 0, 0, 1, 2 };
	CHECK(!memcmp(r.confusion, cm, sizeof cm), "confusion matrix, row = true class");
	CHECK(r.rows == 10 && r.accuracy == 0.6, "accuracy 6/10");
	CHECK(NEAR(r.balanced_accuracy, 11.0 / 18), "balanced accuracy 11/18");
	CHECK(NEAR(r.precision[0], 2.0 / 3) && r.precision[1] == 0.5 && NEAR(r.precision[2], 2.0 / 3),
	      "precision 2/3 1/2 2/3");
	CHECK(r.recall[0] == 0.5 && NEAR(r.recall[1], 2.0 / 3) && NEAR(r.recall[2], 2.0 / 3),
	      "recall 1/2 2/3 2/3");
	CHECK(NEAR(r.f1[0], 4.0 / 7) && NEAR(r.f1[1], 4.0 / 7) && NEAR(r.f1[2], 2.0 / 3), "f1 4/7 4/7 2/3");
	CHECK(r.support[0] == 4 && r.support[1] == 3 && r.support[2] == 3, "support 4 3 3");
	CHECK(NEAR(r.macro_precision, 11.0 / 18) && NEAR(r.macro_recall, 11.0 / 18) &&
	      NEAR(r.macro_f1, 38.0 / 63), "macro averages 11/18 11/18 38/63");
	CHECK(NEAR(r.weighted_precision, 37.0 / 60) && NEAR(r.weighted_recall, 0.6) &&
	      NEAR(r.weighted_f1, 0.6), "weighted averages 37/60 0.6 0.6");
	/* -mean(log p_true) with p = 1 clipped to 1 - 2^-52 */
	double ll = -(log(0.5) + log(0.75) + log(0.25) + log(0.125) + log(0.625) + log(1 - DBL_EPSILON) +
	              log(0.375) + log(0.5) + log(0.625) + log(0.25)) / 10;
	CHECK(r.have_proba && NEAR(r.log_loss, ll) && NEAR(r.log_loss, 0.8446843208994486),
	      "log loss %.17g", r.log_loss);
	/* rows 3 and 4: the true class ties a higher index and ranks below it */
	CHECK(r.top_k == 2 && r.top_k_accuracy == 0.8, "top-2 accuracy 8/10 with ties to the higher index");
	CHECK(!r.have_auc, "no ROC AUC for three classes");
	nn_cls_report_release(&r);
	nn_cls_acc_free(a);

	for (size_t k = 1; k <= 4; k++) {
		static const double want[5] = { 0, 0.6, 0.8, 1, 1 };
		a = nn_cls_acc_new(3, k, &err);
		nn_cls_acc_add(a, y3, p3, pr3, 10, 0, &err);
		nn_cls_acc_report(a, &r, &err);
		CHECK(r.top_k_accuracy == want[k], "top-%zu accuracy %g", k, want[k]);
		nn_cls_report_release(&r);
		nn_cls_acc_free(a);
	}
}

static void test_batches(void)
{
	nn_error err = { 0 };
	nn_cls_report one, many;
	nn_cls_acc *a = nn_cls_acc_new(3, 2, &err), *b = nn_cls_acc_new(3, 2, &err);

	nn_cls_acc_add(a, y3, p3, pr3, 10, 0, &err);
	for (size_t i = 0; i < 10; i += 3) {
		size_t n = i + 3 <= 10 ? 3 : 10 - i;
		nn_cls_acc_add(b, y3 + i, p3 + i, pr3 + 3 * i, n, i, &err);
	}
	nn_cls_acc_report(a, &one, &err);
	nn_cls_acc_report(b, &many, &err);
	CHECK(one.accuracy == many.accuracy && one.macro_f1 == many.macro_f1 &&
	      one.top_k_accuracy == many.top_k_accuracy && fabs(one.log_loss - many.log_loss) < 1e-15 &&
	      !memcmp(one.confusion, many.confusion, 9 * sizeof *one.confusion),
	      "batches of 3 give what one batch gives");
	nn_cls_report_release(&one);
	nn_cls_report_release(&many);
	nn_cls_acc_free(a);
	nn_cls_acc_free(b);

	/* two shards' matrices summed give the whole's counts metrics */
	uint64_t s1[9] = { 0 }, s2[9] = { 0 }, sum[9];
	for (size_t i = 0; i < 10; i++)
		(i < 5 ? s1 : s2)[y3[i] * 3 + p3[i]]++;
	for (size_t i = 0; i < 9; i++)
		sum[i] = s1[i] + s2[i];
	CHECK(!nn_cls_from_confusion(sum, 3, &one, &err) && NEAR(one.macro_f1, 38.0 / 63) &&
	      !one.have_proba, "metrics from summed shard matrices");
	nn_cls_report_release(&one);
}

/* Two classes, scores p = P(class 1), proba (1 - p, p):
 *   y  0     0     1    1    0   1   0      1
 *   p  1/8   3/8   1/4  3/4  1/2 1/2 1/16   7/8
 * Positive-negative pairs beaten: 2 + 4 + 3.5 (a tie at 1/2) + 4 = 13.5
 * of 16: AUC 0.84375.  argmax ties to class 0 at 1/2: predictions
 * 0 0 0 1 0 0 0 1, accuracy 6/8; top-1 is p > 1/2, also 6/8. */
static void test_binary(void)
{
	static const int32_t y[8] = { 0, 0, 1, 1, 0, 1, 0, 1 };
	static const float p[8] = { 0.125f, 0.375f, 0.25f, 0.75f, 0.5f, 0.5f, 0.0625f, 0.875f };
	nn_error err = { 0 };
	nn_cls_report r;
	int32_t pred[8];
	float proba[16];
	nn_cls_acc *a = nn_cls_acc_new(2, 1, &err);

	for (size_t i = 0; i < 8; i++) {
		proba[2 * i] = 1 - p[i];
		proba[2 * i + 1] = p[i];
		pred[i] = (int32_t)nn_argmax_f32(proba + 2 * i, 2);
	}
	CHECK(pred[4] == 0 && pred[5] == 0 && pred[3] == 1, "argmax ties go to the lowest index");
	nn_cls_acc_add(a, y, pred, proba, 8, 0, &err);
	nn_cls_acc_report(a, &r, &err);
	CHECK(r.have_auc && r.roc_auc == 0.84375, "ROC AUC 13.5/16 = %.17g", r.roc_auc);
	CHECK(r.accuracy == 0.75 && r.top_k_accuracy == 0.75, "accuracy and top-1 6/8");
	double ll = -(log(0.875) + log(0.625) + log(0.5) + log(0.9375) + log(0.25) + log(0.75) + log(0.5) +
	              log(0.875)) / 8;
	CHECK(NEAR(r.log_loss, ll), "binary log loss %.17g", r.log_loss);
	nn_cls_report_release(&r);
	nn_cls_acc_free(a);

	/* one class only among the labels: AUC undefined */
	int32_t zeros[8] = { 0 };
	a = nn_cls_acc_new(2, 1, &err);
	nn_cls_acc_add(a, zeros, pred, proba, 8, 0, &err);
	nn_cls_acc_report(a, &r, &err);
	CHECK(!r.have_auc && r.have_proba, "no AUC when every label is 0");
	CHECK(r.balanced_accuracy == 6.0 / 8 && r.present == 2,
	      "balanced accuracy over the classes with labels only");
	nn_cls_report_release(&r);
	nn_cls_acc_free(a);

	/* AUC of keys: all tied is 0.5; perfect is 1; reversed is 0 */
	uint64_t keys[4], tmp[4];
	float s[4] = { 0.5f, -0.0f, 0.0f, 0.5f };
	int lab[4] = { 1, 0, 1, 0 };
	for (int i = 0; i < 4; i++)
		keys[i] = nn_auc_key(s[i], lab[i]);
	CHECK(nn_roc_auc_keys(keys, tmp, 4) == 0.5, "ties at 1/2 and at -0 = +0 count half");
	float s2[4] = { -3, 2e-30f, 1e30f, INFINITY };
	int lab2[4] = { 0, 0, 1, 1 };
	for (int i = 0; i < 4; i++)
		keys[i] = nn_auc_key(s2[i], lab2[i]);
	CHECK(nn_roc_auc_keys(keys, tmp, 4) == 1, "any float order: negative, tiny, huge, infinity");
	for (int i = 0; i < 4; i++)
		keys[i] = nn_auc_key(s2[i], !lab2[i]);
	CHECK(nn_roc_auc_keys(keys, tmp, 4) == 0, "reversed: 0");
}

static void test_grow_and_errors(void)
{
	nn_error err = { 0 };
	nn_cls_report r;
	nn_cls_acc *a = nn_cls_acc_new(0, 1, &err);
	int32_t y[3] = { 0, 4, 1 }, p[3] = { 0, 4, 2 };
	float pr[6] = { 0.5f, 0.5f, NAN, 0.5f, 0, 1 };

	CHECK(!nn_cls_acc_add(a, y, p, NULL, 3, 0, &err) && nn_cls_acc_classes(a) == 5,
	      "a growing matrix takes the largest id + 1");
	int32_t y2[1] = { 1 }, p2[1] = { 1 };
	nn_cls_acc_add(a, y2, p2, NULL, 1, 3, &err);
	CHECK(!nn_cls_acc_report(a, &r, &err) && r.confusion[1 * 5 + 2] == 1 && r.confusion[1 * 5 + 1] == 1 &&
	      r.confusion[4 * 5 + 4] == 1 && r.present == 4 && !r.have_proba,
	      "counts kept while growing; present classes 4");
	nn_cls_report_release(&r);
	int32_t neg[1] = { -1 };
	CHECK(nn_cls_acc_add(a, neg, p2, NULL, 1, 7, &err) && strstr(err.msg, "row 7") &&
	      strstr(err.msg, "negative"), "negative id: %s", err.msg);
	nn_cls_acc_free(a);

	a = nn_cls_acc_new(2, 1, &err);
	int32_t yb[2] = { 0, 2 }, pb[2] = { 0, 1 };
	CHECK(nn_cls_acc_add(a, yb, pb, NULL, 2, 10, &err) && err.code == NN_EDATA &&
	      strstr(err.msg, "row 11: label 2 is out of the 2 classes"), "%s", err.msg);
	CHECK(nn_cls_acc_report(a, &r, &err) && strstr(err.msg, "no rows"), "a failed add adds nothing");
	int32_t yc[3] = { 0, 1, 1 }, pc[3] = { 0, 1, 1 };
	CHECK(nn_cls_acc_add(a, yc, pc, pr, 3, 0, &err) && strstr(err.msg, "row 1: probability of class 0 is NaN"),
	      "%s", err.msg);
	CHECK(!nn_cls_acc_add(a, yc, pc, NULL, 3, 0, &err) && nn_cls_acc_add(a, yc, pc, pr + 2, 1, 0, &err),
	      "probabilities for some batches only: %s", err.msg);
	nn_cls_acc_free(a);
	CHECK(!nn_cls_acc_new(1, 1, &err) && !nn_cls_acc_new(NN_METRICS_MAX_CLASSES + 1, 1, &err) &&
	      !nn_cls_acc_new(3, 0, &err), "1 class, too many classes, k 0: refused");
	uint64_t zero[4] = { 0 };
	CHECK(nn_cls_from_confusion(zero, 2, &r, &err), "an empty matrix: no rows to evaluate");
}

/* y = 1 2 3 4, pred = 1.5 2 2 5: errors -0.5 0 1 -1, SSE 2.25, MSE
 * 0.5625, RMSE 0.75, MAE 0.625; mean 2.5, SS_tot 5, R^2 0.55.  Target 2:
 * constant labels 0.1 predicted exactly (R^2 1), target 3: constant
 * labels 2 missed once by 1 (R^2 0, MSE 0.25). */
static void test_regression(void)
{
	double y[12] = { 1, 0.1, 2, 2, 0.1, 2, 3, 0.1, 2, 4, 0.1, 2 };
	double p[12] = { 1.5, 0.1, 2, 2, 0.1, 2, 2, 0.1, 2, 5, 0.1, 3 };
	nn_error err = { 0 };
	nn_reg_report r, r1;
	nn_reg_acc *a = nn_reg_acc_new(3, &err), *b = nn_reg_acc_new(3, &err);

	CHECK(!nn_reg_acc_add(a, y, p, 4, 0, &err), "add");
	nn_reg_acc_add(b, y, p, 1, 0, &err);
	nn_reg_acc_add(b, y + 3, p + 3, 3, 1, &err);
	nn_reg_acc_report(a, &r, &err);
	nn_reg_acc_report(b, &r1, &err);
	CHECK(r.mse[0] == 0.5625 && r.rmse[0] == 0.75 && r.mae[0] == 0.625 && NEAR(r.r2[0], 0.55),
	      "MSE RMSE MAE R2 of target 0");
	CHECK(r.r2[1] == 1 && r.mse[1] == 0 && r.r2[2] == 0 && r.mse[2] == 0.25 && r.rmse[2] == 0.5,
	      "constant labels: R2 1 when exact, 0 otherwise");
	CHECK(NEAR(r.mse_avg, (0.5625 + 0 + 0.25) / 3) && NEAR(r.rmse_avg, (0.75 + 0 + 0.5) / 3) &&
	      NEAR(r.r2_avg, 1.55 / 3) && NEAR(r.mae_avg, (0.625 + 0 + 0.25) / 3),
	      "uniform averages over targets");
	CHECK(NEAR(r1.r2[0], r.r2[0]) && r1.mse[0] == r.mse[0] && r1.r2[1] == 1,
	      "batches of 1 and 3 merge to the same R2");
	nn_reg_report_release(&r);
	nn_reg_report_release(&r1);
	p[4] = NAN;
	CHECK(nn_reg_acc_add(a, y, p, 4, 100, &err) && strstr(err.msg, "row 101: prediction of target 1"),
	      "%s", err.msg);
	nn_reg_acc_free(a);
	nn_reg_acc_free(b);
	a = nn_reg_acc_new(1, &err);
	CHECK(nn_reg_acc_report(a, &r, &err) && strstr(err.msg, "no rows"), "no rows");
	nn_reg_acc_free(a);
}

int main(void)
{
	test_multiclass();
	test_batches();
	test_binary();
	test_grow_and_errors();
	test_regression();
	return check_done();
}
