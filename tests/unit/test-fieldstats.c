/* test-fieldstats.c — a field's statistics do not depend on how its rows
 * are cut into batches; non-finite values are counted apart; class
 * counts are kept for small integer labels, dropped for values outside
 * them, and "other" counts ids without a name; str fields count empty
 * rows and their longest text. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn/fieldstats.h"
#include "check.h"

static nn_field field(nn_dtype t, size_t elems, size_t nclasses)
{
	nn_field f = { 0 };
	f.dtype = t;
	f.ndim = elems > 1;
	f.shape[0] = elems;
	f.row_elems = elems;
	f.row_bytes = elems * nn_dtype_size(t);
	f.nclasses = nclasses;
	return f;
}

int main(void)
{
	nn_error err = { 0 };
	nn_fieldstats a, b;
	float x[12] = { 1, 2, 3, NAN, 5, 6, INFINITY, 8, 9, 10, 11, 12 };
	nn_field fx = field(NN_F32, 3, 0);

	CHECK(!nn_fieldstats_init(&a, &fx, &err) && !nn_fieldstats_init(&b, &fx, &err) && !a.count,
	      "a float field has no class counts");
	nn_fieldstats_add(&a, &fx, x, 4);
	nn_fieldstats_add(&b, &fx, x, 1);
	nn_fieldstats_add(&b, &fx, x + 3, 2);
	nn_fieldstats_add(&b, &fx, x + 9, 1);
	double sum = 0, m2 = 0;
	for (int i = 0; i < 12; i++)
		sum += isfinite(x[i]) ? x[i] : 0;
	for (int i = 0; i < 12; i++)
		m2 += isfinite(x[i]) ? (x[i] - sum / 10) * (x[i] - sum / 10) : 0;
	CHECK(a.n == 10 && a.nan == 1 && a.inf == 1 && a.min == 1 && a.max == 12 &&
	      fabs(a.mean - sum / 10) < 1e-12 && fabs(nn_fieldstats_std(&a) - sqrt(m2 / 10)) < 1e-12,
	      "count, nan, inf, min, max, mean, std over 4 rows: mean %g std %g", a.mean,
	      nn_fieldstats_std(&a));
	CHECK(b.n == a.n && b.min == a.min && b.max == a.max && fabs(b.mean - a.mean) < 1e-12 &&
	      fabs(b.m2 - a.m2) < 1e-9, "the same in batches of 1, 2 and 1 rows");
	nn_fieldstats_init(&b, &fx, &err);
	CHECK(isnan(nn_fieldstats_std(&b)) && b.n == 0, "no value: std NaN");

	int32_t y[6] = { 0, 2, 2, 5, 2, 0 };
	nn_field fy = field(NN_I32, 1, 0);
	CHECK(!nn_fieldstats_init(&a, &fy, &err) && a.ncount == 65536, "an i32 label counts 0..65535");
	nn_fieldstats_add(&a, &fy, y, 6);
	size_t v = nn_fieldstats_next_class(&a, &fy, 0), v2 = nn_fieldstats_next_class(&a, &fy, v + 1),
	       v3 = nn_fieldstats_next_class(&a, &fy, v2 + 1);
	CHECK(nn_fieldstats_has_classes(&a, &fy) && v == 0 && v2 == 2 && v3 == 5 && a.count[2] == 3 &&
	      nn_fieldstats_next_class(&a, &fy, v3 + 1) == a.ncount, "values seen, in order: 0, 2, 5");
	int32_t neg = -1;
	nn_fieldstats_add(&a, &fy, &neg, 1);
	CHECK(!a.count && !nn_fieldstats_has_classes(&a, &fy), "a negative value: no class counts");
	nn_fieldstats_free(&a);

	nn_field fn = field(NN_I32, 1, 3);
	CHECK(!nn_fieldstats_init(&a, &fn, &err) && a.ncount == 3, "named classes: one count each");
	nn_fieldstats_add(&a, &fn, y, 6);
	CHECK(a.count[0] == 2 && a.count[1] == 0 && a.count[2] == 3 && a.other == 1 &&
	      nn_fieldstats_next_class(&a, &fn, 1) == 1, "a named class shown at 0; id 5 is other");
	nn_fieldstats_free(&a);

	char s[3][4] = { "ab", "", "abcd" };
	nn_field fs = field(NN_STR, 4, 0);
	CHECK(!nn_fieldstats_init(&a, &fs, &err) && !a.count, "a str field");
	nn_fieldstats_add(&a, &fs, s, 3);
	CHECK(a.empty == 1 && a.longest == 4 && a.n == 0, "one empty text, the longest of 4 bytes");
	return check_done();
}
