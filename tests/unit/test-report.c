/* test-report.c — the report of an evaluation, text and JSON, byte for
 * byte: the three-class example of test-metrics (hand-computed there and
 * in nn-eval.bats), one without probabilities, one regression. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/report.h"
#include "check.h"

static const int32_t y3[10] = { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 };
static const int32_t p3[10] = { 0, 0, 1, 2, 1, 1, 0, 2, 2, 1 };
static const float pr3[30] = {
	0.5f, 0.25f, 0.25f,    0.75f, 0.125f, 0.125f,   0.25f, 0.5f, 0.25f,
	0.125f, 0.125f, 0.75f, 0.25f, 0.625f, 0.125f,   0, 1, 0,
	0.5f, 0.375f, 0.125f,  0.25f, 0.25f, 0.5f,      0.125f, 0.25f, 0.625f,
	0.25f, 0.5f, 0.25f,
};

/* The report of e as a string (malloc'd), or NULL with err. */
static char *report(const nn_eval *e, int json, nn_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	int bad = !o || nn_eval_report(o, e, json, err);
	if (o)
		fclose(o);
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void check_report(const nn_eval *e, int json, const char *want, const char *what)
{
	nn_error err = { 0 };
	char *got = report(e, json, &err);
	CHECK(got && !strcmp(got, want), "%s%s%s", what, got ? "" : ": ", got ? "" : err.msg);
	if (got && strcmp(got, want))
		printf("# got:\n%s# want:\n%s", got, want);
	free(got);
}

static void test_classes(void)
{
	static const char *const abc[3] = { "a", "b", "c" };
	nn_error err = { 0 };
	nn_eval e = { 0 };

	if (nn_eval_start(&e, 1, 3, 2, 0, abc, NULL, &err) || nn_cls_acc_add(e.cls, y3, p3, pr3, 10, 0, &err))
		abort();
	check_report(&e, 0,
		"task                classification\n"
		"rows                10\n"
		"classes             3\n"
		"accuracy            0.6\n"
		"balanced accuracy   0.611111\n"
		"log loss            0.844684\n"
		"top-2 accuracy      0.8\n"
		"\n"
		"class         precision   recall      f1          support\n"
		"a             0.666667    0.5         0.571429    4\n"
		"b             0.5         0.666667    0.571429    3\n"
		"c             0.666667    0.666667    0.666667    3\n"
		"macro avg     0.611111    0.611111    0.603175    10\n"
		"weighted avg  0.616667    0.6         0.6         10\n"
		"\n"
		"confusion matrix (rows: true class, columns: predicted class)\n"
		"              a       b       c\n"
		"a             2       1       1\n"
		"b             1       2       0\n"
		"c             0       1       2\n", "three classes as text: 6 digits, names padded");
	check_report(&e, 1,
		"{\"task\": \"classification\", \"rows\": 10, \"classes\": [\"a\", \"b\", \"c\"], \"accuracy\": 0.6, "
		"\"balanced_accuracy\": 0.611111111111111, \"log_loss\": 0.8446843208994486, \"top_k\": 2, "
		"\"top_k_accuracy\": 0.8, \"roc_auc\": null, \"per_class\": [{\"class\": \"a\", \"precision\": "
		"0.6666666666666666, \"recall\": 0.5, \"f1\": 0.5714285714285714, \"support\": 4}, {\"class\": \"b\", "
		"\"precision\": 0.5, \"recall\": 0.6666666666666666, \"f1\": 0.5714285714285714, \"support\": 3}, "
		"{\"class\": \"c\", \"precision\": 0.6666666666666666, \"recall\": 0.6666666666666666, \"f1\": "
		"0.6666666666666666, \"support\": 3}], \"macro_avg\": {\"classes\": 3, \"precision\": 0.611111111111111, "
		"\"recall\": 0.611111111111111, \"f1\": 0.6031746031746031}, \"weighted_avg\": {\"support\": 10, "
		"\"precision\": 0.6166666666666666, \"recall\": 0.6, \"f1\": 0.6}, \"confusion_matrix\": [[2, 1, 1], "
		"[1, 2, 0], [0, 1, 2]], \"notes\": []}\n", "three classes as JSON: shortest round-trip numbers, null");
	nn_eval_release(&e);

	/* ids for names, no probabilities: said why */
	int32_t y[3] = { 0, 1, 1 }, p[3] = { 0, 1, 0 };
	if (nn_eval_start(&e, 1, 0, 1, 0, NULL, "none \"given\"", &err) || nn_cls_acc_add(e.cls, y, p, NULL, 3, 0, &err))
		abort();
	check_report(&e, 0,
		"task                classification\n"
		"rows                3\n"
		"classes             2\n"
		"accuracy            0.666667\n"
		"balanced accuracy   0.75\n"
		"log loss            -  (none \"given\")\n"
		"top-1 accuracy      -  (none \"given\")\n"
		"ROC AUC             -  (none \"given\")\n"
		"\n"
		"class         precision   recall      f1          support\n"
		"0             0.5         1           0.666667    1\n"
		"1             1           0.5         0.666667    2\n"
		"macro avg     0.75        0.75        0.666667    3\n"
		"weighted avg  0.833333    0.666667    0.666667    3\n"
		"\n"
		"confusion matrix (rows: true class, columns: predicted class)\n"
		"              0       1\n"
		"0             1       0\n"
		"1             1       1\n", "without probabilities: the reason instead, ids for names");
	char *json = report(&e, 1, &err);
	CHECK(json && strstr(json, "\"log_loss\": null") && strstr(json, "\"roc_auc\": null") &&
	      strstr(json, "\"notes\": [\"log_loss, top_k_accuracy and roc_auc need probabilities: none \\\"given\\\"\"]"),
	      "JSON: null and a note, escaped");
	free(json);
	nn_eval_release(&e);
	CHECK(report(&e, 0, &err) == NULL && err.code == NN_EARG, "no evaluation: %s", err.msg);
}

static void test_regression(void)
{
	double y[4] = { 1, 2, 3, 4 }, p[4] = { 1.5, 2, 2, 5 };
	nn_error err = { 0 };
	nn_eval e = { 0 };

	if (nn_eval_start(&e, 0, 0, 1, 1, NULL, NULL, &err))
		abort();
	CHECK(report(&e, 0, &err) == NULL && strstr(err.msg, "no rows"), "no rows: %s", err.msg);
	if (nn_reg_acc_add(e.reg, y, p, 4, 0, &err))
		abort();
	check_report(&e, 0,
		"task                regression\n"
		"rows                4\n"
		"targets             1\n"
		"MSE                 0.5625\n"
		"RMSE                0.75\n"
		"MAE                 0.625\n"
		"R^2                 0.55\n", "regression as text");
	check_report(&e, 1,
		"{\"task\": \"regression\", \"rows\": 4, \"targets\": 1, \"mse\": 0.5625, \"rmse\": 0.75, \"mae\": 0.625, "
		"\"r2\": 0.55, \"per_target\": [{\"target\": 0, \"mse\": 0.5625, \"rmse\": 0.75, \"mae\": 0.625, "
		"\"r2\": 0.55}]}\n", "regression as JSON");
	nn_eval_release(&e);
}

int main(void)
{
	test_classes();
	test_regression();
	return check_done();
}
