/* test-tune.c — a cross-validation table's arithmetic against values
 * worked by hand: metric paths and directions, mean and population std,
 * ranks with ties and failed rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/tune.h"
#include "check.h"

/* A table of three configurations over two folds, one failed, written as
 * TSV, read back, and its rows found again (what a rerun reuses). */
static void table(void)
{
	char v[3][NN_GRID_KEYS][NN_GRID_VALUE] = { { "1e-3" }, { "1e-2" }, { "bad" } };
	double s[3][2] = { { 0.5, 0.75 }, { 0.9, 1 }, { 0, 0 } }, got[2], time;
	nn_cv_row rows[3] = {
		{ v[0], "--lr 1e-3", s[0], 1.5, 1, 0, "", 0, 0, 0 },
		{ v[1], "--lr 1e-2", s[1], 2, 1, 0, "", 0, 0, 0 },
		{ v[2], "--lr bad", s[2], 0.25, 1, 1, "fold 0: nn-train: no", 0, 0, 0 },
	};
	const char *keys[] = { "lr" };
	nn_cv_table t = { 1, keys, 2, "accuracy", "input=1:0 folds=2", 0, 3, rows };
	char *text = NULL;
	size_t n = 0;
	nn_tsv tsv;
	nn_error err = { 0 };

	CHECK(!nn_cv_finish(&t, &err), "means and ranks");
	CHECK(rows[0].mean == 0.625 && rows[0].std == 0.125 && rows[1].rank == 1 && rows[0].rank == 2 &&
	      rows[2].rank == 0, "mean 0.625, std 0.125; ranks 2, 1, none");
	FILE *o = open_memstream(&text, &n);
	nn_cv_write_tsv(o, &t);
	fclose(o);
	CHECK(!strcmp(text, "lr\tmean\tstd\tfold_0\tfold_1\ttime_s\trank\tstatus\tsetup\targs\n"
	                    "1e-3\t0.625\t0.125\t0.5\t0.75\t1.500\t2\tok\tinput=1:0 folds=2\t--lr 1e-3\n"
	                    "1e-2\t0.95\t0.04999999999999999\t0.9\t1\t2.000\t1\tok\tinput=1:0 folds=2\t--lr 1e-2\n"
	                    "bad\tnan\tnan\tnan\tnan\t0.250\t\tfailed: fold 0: nn-train: no\tinput=1:0 folds=2\t--lr bad\n"),
	      "the TSV, exactly");
	CHECK(!nn_tsv_parse(&tsv, text, n, &err), "it reads back");
	CHECK(nn_cv_find(&tsv, "input=1:0 folds=2", "--lr 1e-2", 2, got, &time) && got[0] == 0.9 && got[1] == 1 &&
	      time == 2, "a finished row is found with its scores and time");
	CHECK(!nn_cv_find(&tsv, "input=1:0 folds=2", "--lr bad", 2, got, &time), "a failed row is not reused");
	CHECK(!nn_cv_find(&tsv, "input=2:0 folds=2", "--lr 1e-2", 2, got, &time), "other data: not reused");
	CHECK(!nn_cv_find(&tsv, "input=1:0 folds=2", "--lr 1e-2", 3, got, &time), "other folds: not reused");
	nn_tsv_release(&tsv);
	free(text);
	o = open_memstream(&text, &n);
	nn_cv_write_json(o, &t);
	fclose(o);
	CHECK(strstr(text, "\"status\": \"failed: fold 0: nn-train: no\"") && strstr(text, "\"mean\": null") &&
	      strstr(text, "{\"lr\": \"1e-2\", \"mean\": 0.95,"), "the JSON");
	free(text);
	o = open_memstream(&text, &n);
	nn_cv_write_gnuplot(o, &t, "it's.png", 0);
	fclose(o);
	CHECK(strstr(text, "set output 'it''s.png'\n") && strstr(text, "$d0 << EOD\n1e-3\t0.625\t0.125\n1e-2\t") &&
	      !strstr(text, "bad") && strstr(text, "set logscale x\nplot $d0 using 1:2:3"),
	      "the gnuplot script: quotes doubled, failed rows left out, a rate on a log scale");
	free(text);
	o = open_memstream(&text, &n);
	nn_cv_write_text(o, &t);
	fclose(o);
	CHECK(strstr(text, "rank  lr    accuracy") == text && strstr(text, "\n1     1e-2  0.95") &&
	      strstr(text, "\n-     bad   failed"), "the text, best first");
	free(text);
}

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
	table();
	return check_done();
}
