/* test-augment.c — nn-augment's row kernels against values worked out by
 * hand, and the oversampling quota's exact totals. */
#include <stdint.h>
#include <math.h>
#include <string.h>
#include "nn/augment.h"
#include "nn/image.h"
#include "nn/rng.h"
#include "check.h"

static void test_rows(void)
{
	const float a[2] = { 1, 2 }, b[2] = { 3, 6 };
	float out[2];

	/* 0.25 * 1 + 0.75 * 3 = 2.5;  0.25 * 2 + 0.75 * 6 = 5 */
	nn_mix_f32(out, a, b, 0.25f, 2);
	CHECK(out[0] == 2.5f && out[1] == 5.0f, "mixup of [1,2] and [3,6] at 0.25 is [2.5,5]");
	nn_mix_f32(out, a, b, 1.0f, 2);
	CHECK(out[0] == 1 && out[1] == 2, "mixup at lambda 1 is the first row");

	/* 1 + 2 * 0.5 = 2;  -1 + 2 * 2 = 3 */
	const float c[2] = { 1, -1 }, z[2] = { 0.5f, 2 };
	nn_noise_f32(out, c, 2.0f, z, 2);
	CHECK(out[0] == 2 && out[1] == 3, "noise: [1,-1] + 2 * [0.5,2] is [2,3]");
	memcpy(out, c, sizeof out);
	nn_noise_f32(out, out, 2.0f, z, 2);
	CHECK(out[0] == 2 && out[1] == 3, "noise in place gives the same");

	/* 0 + 0.5 * (4 - 0) = 2;  10 + 0.5 * (6 - 10) = 8 */
	const float p[2] = { 0, 10 }, q[2] = { 4, 6 };
	nn_lerp_f32(out, p, q, 0.5f, 2);
	CHECK(out[0] == 2 && out[1] == 8, "SMOTE halfway from [0,10] to [4,6] is [2,8]");
	nn_lerp_f32(out, p, q, 0.0f, 2);
	CHECK(out[0] == 0 && out[1] == 10, "SMOTE at u = 0 is the base row");
}

static void test_soft_label(void)
{
	float out[4] = { 9, 9, 9, 9 };
	nn_soft_label(out, 4, 1, 3, 0.75f);
	CHECK(out[0] == 0 && out[1] == 0.75f && out[2] == 0 && out[3] == 0.25f,
	      "classes 1 and 3 mixed at 0.75 give [0, 0.75, 0, 0.25]");
	nn_soft_label(out, 4, 2, 2, 0.3f);
	CHECK(out[0] == 0 && out[1] == 0 && out[2] == 1 && out[3] == 0,
	      "a class mixed with itself is one-hot whatever lambda");
}

static void test_distance(void)
{
	float a[10], b[10] = { 0 };
	for (int i = 0; i < 10; i++)
		a[i] = (float)i;
	/* 0 + 1 + 4 + ... + 81 = 285: eight lanes and a tail of two */
	CHECK(nn_sqdist_f32(a, b, 10) == 285.0f, "squared distance of 0..9 from 0 is 285");
	CHECK(nn_sqdist_f32(a, b, 3) == 5.0f, "tail only: 0 + 1 + 4 = 5");
	CHECK(nn_sqdist_f32(a, a, 10) == 0.0f, "a row is at distance 0 from itself");

	/* rows of one value: 0, 3, 1, -1, 5; from row 0 the distances are
	 * 9, 1, 1, 25: rows 2 and 3 tie at 1 (the earlier first), then row 1 */
	const float x[5] = { 0, 3, 1, -1, 5 };
	size_t nb[8];
	float dist[8];
	size_t have = nn_nearest_f32(x, 5, 1, 0, 3, nb, dist);
	CHECK(have == 3 && nb[0] == 2 && nb[1] == 3 && nb[2] == 1,
	      "3 nearest of row 0 are rows 2, 3 (tie: earlier first), 1");
	CHECK(dist[0] == 1 && dist[1] == 1 && dist[2] == 9, "their distances are 1, 1, 9");
	have = nn_nearest_f32(x, 5, 1, 4, 8, nb, dist);
	CHECK(have == 4 && nb[0] == 1 && nb[1] == 2 && nb[2] == 0 && nb[3] == 3,
	      "asking for more than there are gives all 4 others, from row 4: 1, 2, 0, 3");
	CHECK(nn_nearest_f32(x, 1, 1, 0, 3, nb, dist) == 0, "a single row has no neighbours");
}

static void test_quota(void)
{
	int exact = 1, even = 1;

	/* 3 rows up to 10: 7 extra rows, 2 each and one row a third */
	for (uint64_t seed = 0; seed < 200; seed++) {
		nn_rng r;
		nn_quota q;
		uint64_t sum = 0;
		nn_rng_seed(&r, seed, 1);
		nn_quota_init(&q, 3, 10);
		for (int i = 0; i < 3; i++) {
			uint64_t n = nn_quota_take(&q, &r);
			sum += n;
			even &= n == 2 || n == 3;
		}
		exact &= sum == 7;
	}
	CHECK(exact, "3 rows up to 10 always give exactly 7 extra rows");
	CHECK(even, "each of them gets 2 or 3");

	nn_quota q;
	nn_rng r;
	nn_rng_seed(&r, 1, 1);
	nn_quota_init(&q, 4, 4);
	CHECK(q.each == 0 && q.extra == 0, "the majority class gets nothing");
	nn_quota_init(&q, 2, 7);
	CHECK(q.each == 2 && q.extra == 1 && q.left == 2, "2 rows up to 7: 2 each, 1 more");
	uint64_t first = nn_quota_take(&q, &r), second = nn_quota_take(&q, &r);
	CHECK(first + second == 5, "and the two takes add up to 5");
}

static void test_smote(void)
{
	nn_error err;
	nn_rng r, r2;
	float x[1];
	const unsigned char *rest;
	size_t cls;

	/* class 0: 3 rows (the majority, not held); class 1: rows 0 and 10
	 * up to 4: one synthetic row from each, towards the other */
	const uint64_t counts[2] = { 3, 2 };
	nn_smote *s = nn_smote_new(2, counts, 4, 1, 1, 5, 1 << 20, &err);
	unsigned char *rp;
	float *slot = nn_smote_slot(s, 1, &rp);
	slot[0] = 0, rp[0] = 'a';
	slot = nn_smote_slot(s, 1, &rp);
	slot[0] = 10, rp[0] = 'b';
	nn_rng_seed(&r, 7, 2);
	r2 = r;
	/* the draws: per synthetic row, the neighbour (one of one), the point */
	(void)nn_rng_below(&r2, 1);
	float u0 = (float)nn_rng_uniform(&r2);
	(void)nn_rng_below(&r2, 1);
	float u1 = (float)nn_rng_uniform(&r2);
	CHECK(nn_smote_next(s, &r, x, &rest, &cls) == 1 && cls == 1 && rest[0] == 'a' &&
	      x[0] == 0 + u0 * 10.0f, "first synthetic row: 0 + u * (10 - 0), the first row's fields");
	CHECK(nn_smote_next(s, &r, x, &rest, &cls) == 1 && cls == 1 && rest[0] == 'b' &&
	      x[0] == 10 + u1 * (0 - 10.0f), "second: 10 + u * (0 - 10), the second row's fields");
	CHECK(nn_smote_next(s, &r, x, &rest, &cls) == 0, "then no more: class 1 has its 4 rows");
	nn_smote_free(s);

	/* a class of one row up to 3: two copies of it, exactly */
	const uint64_t one[2] = { 3, 1 };
	s = nn_smote_new(2, one, 3, 1, 0, 5, 1 << 20, &err);
	nn_smote_slot(s, 1, &rp)[0] = 2.5f;
	int n = 0, same = 1;
	while (nn_smote_next(s, &r, x, &rest, &cls))
		n++, same &= x[0] == 2.5f && cls == 1;
	CHECK(n == 2 && same, "a class of one row up to 3 gives two copies of the row");
	nn_smote_free(s);

	/* 2 rows of 4 floats and 4 other bytes: 40 bytes, over 39 */
	const uint64_t two[3] = { 1, 1, 5 };
	CHECK(!nn_smote_new(3, two, 5, 4, 4, 1, 39, &err) && err.code == NN_ELIMIT &&
	      !strcmp(err.msg, "2 rows of 20 bytes is 0.0 MiB, over the limit of 0 MiB"),
	      "the held rows over the limit: %s", err.msg);
	CHECK((s = nn_smote_new(3, two, 5, 4, 4, 1, 40, &err)) != NULL, "at the limit: held");
	nn_smote_free(s);
}

/* nn_mix_targets: the mix in double, NaN refused naming its row. */
static void test_mix_targets(void)
{
	const double y[4] = { 1, 10, 3, NAN };
	double out[2];
	float f[1];
	const float yf[2] = { 2, 4 };
	size_t bad = 9;

	CHECK(!nn_mix_targets(out, NN_F64, y, 2, 0, 0, 0.25f, &bad) && out[0] == 1 && out[1] == 10,
	      "a row mixed with itself is itself");
	CHECK(!nn_mix_targets(f, NN_F32, yf, 1, 0, 1, 0.25f, &bad) && f[0] == 3.5f,
	      "0.25 * 2 + 0.75 * 4 = 3.5");
	CHECK(nn_mix_targets(out, NN_F64, y, 2, 0, 1, 0.5f, &bad) && bad == 1, "a NaN in row 1");
}

/* nn_augment_schema: x to f32, y to soft labels named by id or by name. */
static void test_schema(void)
{
	nn_error err = { 0 };
	nn_schema *in = nn_schema_new("data", &err), *out;
	uint64_t sh[2] = { 2, 2 };
	const char *names[2] = { "cat", "dog" };

	CHECK(in && !nn_schema_add_field(in, "x", NN_U8, 2, sh, &err) &&
	      !nn_schema_add_field(in, "y", NN_I32, 0, NULL, &err) &&
	      !nn_schema_add_field(in, "id", NN_I64, 0, NULL, &err), "x u8 [2,2], y i32, id i64");
	out = nn_augment_schema(in, 0, 1, 0, 0, &err);
	CHECK(out && !nn_schema_compare(in, out, NULL), "no conversion: the same schema");
	nn_schema_free(out);
	out = nn_augment_schema(in, 0, 1, 1, 3, &err);
	CHECK(out && out->fields[0].dtype == NN_F32 && out->fields[0].ndim == 2 &&
	      out->fields[1].dtype == NN_F32 && out->fields[1].row_elems == 3 &&
	      out->fields[1].nclasses == 3 && !strcmp(out->fields[1].classes[2], "2") &&
	      out->fields[2].dtype == NN_I64, "x f32 [2,2], y f32 [3] named 0 1 2, id kept");
	nn_schema_free(out);
	CHECK(!nn_schema_set_classes(in, 1, 2, names, &err), "y names two classes");
	out = nn_augment_schema(in, 0, 1, 1, 2, &err);
	CHECK(out && out->fields[1].nclasses == 2 && !strcmp(out->fields[1].classes[1], "dog"),
	      "soft labels keep y's names");
	nn_schema_free(out);
	nn_schema_free(in);
}

/* The geometric copy: buffers by turns, nothing drawn for a step not
 * asked for, the same result as the image kernels in that order. */
static void test_geometric(void)
{
	uint8_t img[6] = { 1, 2, 3, 4, 5, 6 }, a[6], b[6], want[6];   /* 2 x 3, one channel */
	nn_rng flip, shift, rot, f2;
	nn_geometric g = { 2, 3, 1, 1, 0, 0, -1, &flip, &shift, &rot };
	int flipped = 0, kept = 0;

	nn_rng_seed(&flip, 5, 3);
	nn_rng_seed(&f2, 5, 3);
	for (int t = 0; t < 64; t++) {
		const void *out = nn_geometric_apply(&g, img, a, b, 1);
		if (nn_rng_u64(&f2) >> 63) {
			nn_image_flip_h(want, img, 2, 3, 1, 1);
			flipped += out == a && !memcmp(a, want, 6);
		} else {
			kept += out == img;
		}
	}
	CHECK(flipped + kept == 64 && flipped > 10 && kept > 10, "flip-h: half the draws, into the first buffer");

	g = (nn_geometric){ 2, 3, 1, 0, 0, 0, -1, &flip, &shift, &rot };
	CHECK(nn_geometric_apply(&g, img, a, b, 1) == img, "no step: the input itself");
	g.shift = 1;
	nn_rng_seed(&shift, 7, 4);
	nn_rng s2;
	nn_rng_seed(&s2, 7, 4);
	const void *out = nn_geometric_apply(&g, a, a, b, 1);
	long dx = (long)nn_rng_below(&s2, 3) - 1, dy = (long)nn_rng_below(&s2, 3) - 1;
	nn_image_shift(want, a, 2, 3, 1, 1, dx, dy);
	CHECK(out == b && !memcmp(b, want, 6), "a shift reading a writes b, dx then dy drawn from [-1, 1]");

	float fi[4] = { 1, 2, 3, 4 }, fa[4], fb[4], fw[4];
	g = (nn_geometric){ 2, 2, 1, 0, 0, 0, 0, &flip, &shift, &rot };
	nn_rng_seed(&rot, 9, 5);
	out = nn_geometric_apply(&g, fi, fa, fb, 4);
	nn_image_rotate_f32(fw, fi, 2, 2, 1, 0);
	CHECK(out == fa && !memcmp(fa, fw, sizeof fw), "rotate 0 still rotates (by 0 degrees), into a");
}

/* The label field's classes for nn-augment. */
static void test_classes(void)
{
	char yn[] = "y", c0[] = "a", c1[] = "b", *names[] = { c0, c1 };
	nn_field y = { .name = yn, .dtype = NN_F32, .row_elems = 1, .row_bytes = 4 };
	nn_error err = { 0 };
	size_t n = 9;

	CHECK(nn_augment_classes(&y, NULL, 0, &n, &err) == 0 && n == 0, "float targets: no classes");
	CHECK(nn_augment_classes(&y, "--smote", 0, &n, &err) < 0 && err.code == NN_EDATA &&
	      !strcmp(err.msg, "field 'y' holds f32 regression targets; --smote needs integer class ids"),
	      "float targets refused where class ids are needed");
	y.dtype = NN_I32;
	CHECK(nn_augment_classes(&y, "--balance", 0, &n, &err) == 1 && n == 0, "class ids, none named");
	CHECK(nn_augment_classes(&y, NULL, 4, &n, &err) == 1 && n == 4, "--classes gives their number");
	y.nclasses = 2, y.classes = names;
	CHECK(nn_augment_classes(&y, NULL, 0, &n, &err) == 1 && n == 2, "the names give it");
	CHECK(nn_augment_classes(&y, NULL, 3, &n, &err) < 0 &&
	      !strcmp(err.msg, "--classes 3, but field 'y' names 2 classes"), "--classes must agree with the names");
	y.row_elems = 2;
	CHECK(nn_augment_classes(&y, NULL, 0, &n, &err) < 0 &&
	      !strcmp(err.msg, "field 'y' holds 2 values per row; class ids are one"), "one id per row");
}

int main(void)
{
	test_geometric();
	test_classes();
	test_mix_targets();
	test_schema();
	test_rows();
	test_soft_label();
	test_distance();
	test_quota();
	test_smote();
	return check_done();
}
