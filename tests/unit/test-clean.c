/* test-clean.c — nn-clean's row rules: policy words, clip bounds, the
 * repair of one row. */
#include <math.h>
#include "nn/clean.h"
#include "check.h"

int main(void)
{
	enum nn_nonfinite p = NN_NONFINITE_DROP;
	double v = 0;

	CHECK(!nn_nonfinite_parse("median", &p, &v) && p == NN_NONFINITE_MEDIAN, "a policy word");
	CHECK(!nn_nonfinite_parse("keep", &p, &v) && p == NN_NONFINITE_KEEP, "the last word");
	CHECK(!nn_nonfinite_parse("value=-2.5", &p, &v) && p == NN_NONFINITE_VALUE && v == -2.5,
	      "value=V with its number");
	CHECK(nn_nonfinite_parse("value=inf", &p, &v) == 1 && nn_nonfinite_parse("value=", &p, &v) == 1 &&
	      nn_nonfinite_parse("value=1x", &p, &v) == 1, "value= needs a finite number");
	CHECK(nn_nonfinite_parse("Mean", &p, &v) == -1 && nn_nonfinite_parse("", &p, &v) == -1 &&
	      nn_nonfinite_parse("dropped", &p, &v) == -1, "unknown words");
	CHECK(nn_nonfinite_fills(NN_NONFINITE_ZERO) && nn_nonfinite_fills(NN_NONFINITE_VALUE) &&
	      !nn_nonfinite_fills(NN_NONFINITE_DROP) && !nn_nonfinite_fills(NN_NONFINITE_KEEP) &&
	      !nn_nonfinite_fills(NN_NONFINITE_FAIL), "which policies replace values");

	double mean[3] = { 1, NAN, 10 }, med[3] = { 2, 5, NAN }, sd[3] = { 0.5, 1, 2 };
	CHECK(nn_nonfinite_fill(NN_NONFINITE_MEAN, 0, mean, med, 7) == 1 &&
	      nn_nonfinite_fill(NN_NONFINITE_MEDIAN, 1, mean, med, 7) == 5 &&
	      nn_nonfinite_fill(NN_NONFINITE_ZERO, 2, mean, med, 7) == 0 &&
	      nn_nonfinite_fill(NN_NONFINITE_VALUE, 2, mean, med, 7) == 7 &&
	      isnan(nn_nonfinite_fill(NN_NONFINITE_MEAN, 1, mean, med, 7)), "the fill of each policy");

	double lo[3], hi[3];
	nn_clip_bounds(3, mean, sd, 1.5, 0, lo, hi);
	CHECK(lo[0] == 0.25 && hi[0] == 1.75 && isinf(lo[1]) && lo[1] < 0 && isinf(hi[1]) &&
	      lo[2] == 7 && hi[2] == 13, "mean ± sigma std; none for a column without statistics");
	nn_clip_bounds(3, mean, sd, 1.5, 1, lo, hi);
	CHECK(lo[0] == 1 && hi[0] == 1 && lo[2] == 7 && hi[2] == 13, "integer features: rounded inwards");
	nn_clip_bounds(3, mean, sd, 0, 0, lo, hi);
	CHECK(isinf(lo[0]) && isinf(hi[2]) && hi[2] > 0, "sigma 0: no clipping");
	nn_clip_bounds(3, NULL, NULL, 2, 0, lo, hi);
	CHECK(isinf(lo[0]) && isinf(hi[0]), "no statistics at all: no clipping");

	double fill[3] = { 9, NAN, 0 }, clo[3] = { 0, -INFINITY, -1 }, chi[3] = { 5, INFINITY, 1 };
	double row[3] = { NAN, INFINITY, 3 };
	uint64_t rep = 0, clip = 0;
	nn_clean_row(row, 3, fill, clo, chi, &rep, &clip);
	CHECK(row[0] == 5 && isinf(row[1]) && row[2] == 1 && rep == 1 && clip == 2,
	      "a fill is clipped too; a column without a fill keeps its inf; counts");
	double row2[3] = { NAN, -INFINITY, 0.5 };
	rep = clip = 0;
	nn_clean_row(row2, 3, NULL, clo, chi, &rep, &clip);
	CHECK(isnan(row2[0]) && isinf(row2[1]) && row2[2] == 0.5 && rep == 0 && clip == 0,
	      "without fill: NaN is never clipped, -inf within [-inf, inf] stays");
	double row3[1] = { -INFINITY }, l3[1] = { -2 }, h3[1] = { 2 };
	rep = clip = 0;
	nn_clean_row(row3, 1, NULL, l3, h3, &rep, &clip);
	CHECK(row3[0] == -2 && clip == 1, "±inf kept is clipped to its bound");
	return check_done();
}
