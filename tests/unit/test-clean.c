/* test-clean.c — nn-clean's row rules: policy words, clip bounds, the
 * repair of one row. */
#include <math.h>
#include <string.h>
#include "nn/clean.h"
#include "check.h"

/* nn-clean's step of the preparation chain, by value. */
static void test_step(void)
{
	nn_error err = { 0 };
	nn_prep_step st;
	double mean[3] = { 1, 2, NAN }, sd[3] = { 1, 0, NAN }, med[3] = { 0.5, 2, NAN };
	nn_clean_spec spec = { NN_NONFINITE_MEDIAN, 0, 2, mean, sd, med, (unsigned char[]){ 1, 0, 1 }, 1, 0 };

	CHECK(!nn_clean_step(&st, "x", 3, (char *[]){ "a", "b", "c" }, NN_I32, &spec, &err), "a step");
	CHECK(st.fill[0] == 0.5 && isnan(st.fill[2]) && !strcmp(st.nonfinite, "median") && st.dedup &&
	      !strcmp(st.bad_label, "drop"), "median fills, NaN where the column had none");
	CHECK(st.clip_lo[0] == -1 && st.clip_hi[0] == 3 && st.clip_lo[2] == -INFINITY, "clip bounds, whole for i32");
	CHECK(st.out_columns == 2 && !st.keep[1] && !strcmp(st.names[1], "b"), "column b left out, names kept");
	nn_prep_step_release(&st);
	spec = (nn_clean_spec){ .policy = NN_NONFINITE_DROP };
	CHECK(!nn_clean_step(&st, "x", 3, NULL, NN_F32, &spec, &err) && !st.fill && !st.clip_lo && !st.keep &&
	      !st.names && st.out_columns == 3, "drop: no fill, no clipping, nothing left out");
	nn_prep_step_release(&st);
}

/* Which rows stay: bad labels, non-finite features under drop and fail. */
static void test_mask(void)
{
	char xn[] = "x", yn[] = "y", c0[] = "a", c1[] = "b", *classes[] = { c0, c1 };
	nn_field fields[2] = { { .name = xn, .dtype = NN_F32, .ndim = 1, .shape = { 2 }, .row_elems = 2, .row_bytes = 8 },
	                       { .name = yn, .dtype = NN_I32, .row_elems = 1, .row_bytes = 4, .nclasses = 2,
	                         .classes = classes } };
	nn_schema s = { .nfields = 2, .fields = fields };
	float x[8] = { 1, 2, NAN, 0, 3, 4, 5, INFINITY };
	int32_t y[4] = { 0, 1, 2, 1 };   /* row 2's label is not a class */
	void *col[2] = { x, y };
	nn_batch b = { 4, 2, col };
	unsigned char keep[4];
	uint64_t dropped[2] = { 0, 0 };
	nn_error err = { 0 };

	CHECK(!nn_clean_mask(&s, 0, 1, &b, 0, NN_NONFINITE_DROP, 0, keep, dropped, &err) && keep[0] && !keep[1] &&
	      !keep[2] && !keep[3] && dropped[0] == 1 && dropped[1] == 2, "drop: a bad label, two non-finite rows");
	dropped[0] = dropped[1] = 0;
	CHECK(!nn_clean_mask(&s, 0, -1, &b, 0, NN_NONFINITE_MEAN, 0, keep, dropped, &err) && keep[0] && keep[1] &&
	      keep[2] && keep[3] && !dropped[0] && !dropped[1], "a filling policy, no label: every row stays");
	CHECK(nn_clean_mask(&s, 0, 1, &b, 10, NN_NONFINITE_FAIL, 0, keep, dropped, &err) && err.code == NN_EDATA &&
	      !strcmp(err.msg, "row 12: x[0] is NaN"), "fail: the first non-finite feature, its row counted from 1");
	CHECK(nn_clean_mask(&s, 0, 1, &b, 0, NN_NONFINITE_KEEP, 1, keep, dropped, &err) &&
	      !strcmp(err.msg, "row 3: label 'y' is not finite or not a class"), "--bad-label fail");
	fields[0].dtype = NN_I32;   /* integer features are never non-finite */
	int32_t xi[8] = { 0 };
	col[0] = xi;
	dropped[0] = dropped[1] = 0;
	CHECK(!nn_clean_mask(&s, 0, 1, &b, 0, NN_NONFINITE_FAIL, 0, keep, dropped, &err) && !keep[2] && keep[3] &&
	      dropped[0] == 1 && !dropped[1], "integer features: only the label decides");
}

int main(void)
{
	test_step();
	test_mask();
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

	/* duplicates: rows 0..999 of which every third repeats an earlier row */
	nn_error err = { 0 };
	FILE *f = tmpfile();
	nn_dedup *d = f ? nn_dedup_new(f, &err) : NULL;
	int ok = d != NULL;
	for (uint64_t r = 0; ok && r < 1000; r++) {
		uint64_t key = r % 3 == 2 ? r / 3 : r + 100000;   /* rows 2, 5, 8: keys 0, 1, 2 */
		unsigned char y = (unsigned char)(key & 1);
		ok = !nn_dedup_add(d, &key, sizeof key, &y, 1, r, &err);
	}
	/* the first rows of keys 0..332 are rows 2, 5, ...: add them again
	 * as rows 1000..1332, which repeat them */
	for (uint64_t k = 0; ok && k < 333; k++) {
		unsigned char y = (unsigned char)(k & 1);
		ok = !nn_dedup_add(d, &k, sizeof k, &y, 1, 1000 + k, &err);
	}
	CHECK(ok && !nn_dedup_repeat(d, 1000) && !nn_dedup_resolve(d, 1333, &err), "add and resolve");
	int right = 1;
	for (uint64_t r = 0; r < 1333; r++)
		right &= nn_dedup_repeat(d, r) == (r >= 1000);
	CHECK(right, "the later of two equal rows is the repeat, and only it");
	nn_dedup_free(d);
	f = tmpfile();
	d = f ? nn_dedup_new(f, &err) : NULL;
	uint64_t k = 7;
	unsigned char y0 = 0, y1 = 1;
	ok = d && !nn_dedup_add(d, &k, sizeof k, &y0, 1, 0, &err) &&
	     !nn_dedup_add(d, &k, sizeof k, &y1, 1, 1, &err) &&
	     !nn_dedup_add(d, &k, sizeof k, NULL, 0, 2, &err) && !nn_dedup_resolve(d, 3, &err);
	CHECK(ok && !nn_dedup_repeat(d, 1) && !nn_dedup_repeat(d, 2), "the second part counts: other labels are other rows");
	nn_dedup_free(d);
	nn_dedup_free(NULL);
	return check_done();
}
