/* test-tune.c — a cross-validation table's arithmetic against values
 * worked by hand: metric paths and directions, mean and population std,
 * ranks with ties and failed rows. */
#include <math.h>
#include <string.h>
#include "nn/tune.h"
#include "check.h"

int main(void)
{
	const char *path = NULL;
	int lower = -1;
	double mean, std;

	CHECK(!nn_cv_metric("f1_macro", &path, &lower) && !strcmp(path, "macro_avg.f1") && !lower,
	      "f1_macro is macro_avg.f1, higher is better");
	CHECK(!nn_cv_metric("log_loss", &path, &lower) && !strcmp(path, "log_loss") && lower,
	      "log_loss is better lower");
	CHECK(!nn_cv_metric("mae", &path, &lower) && lower, "mae is better lower");
	CHECK(!nn_cv_metric("r2", &path, &lower) && !lower, "r2 is better higher");
	CHECK(nn_cv_metric("f1", &path, &lower) == -1, "an unknown metric");

	{
		const double s[4] = { 1, 2, 3, 4 };   /* mean 2.5, variance (2.25+.25+.25+2.25)/4 = 1.25 */
		nn_cv_stats(s, 4, &mean, &std);
		CHECK(mean == 2.5 && std == sqrt(1.25), "mean 2.5, population std sqrt(1.25)");
	}
	{
		const double s[3] = { 0.1, 0.2, 0.3 };   /* the sum in order, as Python's sum() */
		nn_cv_stats(s, 3, &mean, &std);
		CHECK(mean == (0.1 + 0.2 + 0.3) / 3, "the mean is the sum in order over k");
	}
	nn_cv_stats((const double[]){ 0.5 }, 1, &mean, &std);
	CHECK(mean == 0.5 && std == 0, "one fold: std 0");

	{
		const double m[5] = { 0.9, 0.95, 0.9, 0.99, 0.5 };
		const int ok[5] = { 1, 1, 1, 0, 1 };
		size_t r[5];
		nn_cv_rank(m, ok, 5, 0, r);
		CHECK(r[1] == 1 && r[0] == 2 && r[2] == 2 && r[4] == 4 && r[3] == 0,
		      "higher is better: ties share the smaller rank, a failed row has none");
		nn_cv_rank(m, ok, 5, 1, r);
		CHECK(r[4] == 1 && r[0] == 2 && r[2] == 2 && r[1] == 4 && r[3] == 0, "lower is better");
	}
	return check_done();
}
