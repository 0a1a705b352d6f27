/* test-split.c — nn/split.h: sizes, the block order of each kind of
 * split, stratified shares in both orders, k folds, the refusals, and the
 * one-pass rules. */
#include <string.h>
#include "nn/split.h"
#include "check.h"

/* The outputs of every row of group g in turn: n of them into out[]. */
static void sequence(nn_split *p, size_t g, int *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = nn_split_next(p, g);
}

static int count_of(const int *out, size_t n, int o)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		k += out[i] == o;
	return k;
}

int main(void)
{
	nn_split_size z;
	nn_split p;
	nn_error err = { 0 };
	int out[64];

	CHECK(!nn_split_size_parse("0.2", &z) && z.frac && z.f == 0.2, "a fraction");
	CHECK(!nn_split_size_parse("30", &z) && !z.frac && z.count == 30, "a count");
	CHECK(nn_split_size_parse("0", &z) && nn_split_size_parse("1.5", &z) &&
	      nn_split_size_parse("-3", &z) && nn_split_size_parse("x", &z) && !z.frac && !z.count,
	      "neither: 0, 1.5, -3, x");
	CHECK(nn_split_size_rows((nn_split_size){ 1, 0.25, 0 }, 10) == 3, "a fraction rounds up");
	CHECK(nn_split_size_rows((nn_split_size){ 0, 0, 7 }, 10) == 7, "a count is itself");

	{   /* shuffled, default test size: test first, then train */
		nn_split_spec sp = { 0 };
		uint64_t n = 10;
		CHECK(!nn_split_plan(&p, &sp, &n, 1, NULL, 0, &err), "plan 10 rows");
		sequence(&p, 0, out, 10);
		CHECK(out[0] == NN_SPLIT_TEST && out[2] == NN_SPLIT_TEST && out[3] == NN_SPLIT_TRAIN &&
		      out[9] == NN_SPLIT_TRAIN, "ceil(0.25 * 10) = 3 test rows first, then train");
		CHECK(nn_split_next(&p, 0) == -1, "an 11th row is refused (the input changed)");
		CHECK(nn_split_next(&p, 1) == -1, "a group not counted is refused");
		nn_split_release(&p);
	}
	{   /* in order, with val: train, val, test */
		nn_split_spec sp = { 1, 0, 1, { 0, 0, 2 }, { 0, 0, 3 }, 0, 0 };
		uint64_t n = 10;
		CHECK(!nn_split_plan(&p, &sp, &n, 1, NULL, 0, &err), "plan in order");
		sequence(&p, 0, out, 10);
		CHECK(out[0] == NN_SPLIT_TRAIN && out[4] == NN_SPLIT_TRAIN && out[5] == NN_SPLIT_VAL &&
		      out[7] == NN_SPLIT_VAL && out[8] == NN_SPLIT_TEST, "5 train, 3 val, 2 test in order");
		nn_split_release(&p);
	}
	{   /* stratified: nn/stratify.h's example, counts 10 6 4 and 5 test rows */
		nn_split_spec sp = { 0, 1, 0, { 0, 0, 5 }, { 0 }, 0, 0 };
		uint64_t c[3] = { 10, 6, 4 };
		int want[3] = { 3, 1, 1 };
		for (int ord = 0; ord < 2; ord++) {
			sp.ordered = ord;
			CHECK(!nn_split_plan(&p, &sp, c, 3, NULL, 0, &err), "plan stratified, ordered %d", ord);
			for (size_t g = 0; g < 3; g++) {
				sequence(&p, g, out, (size_t)c[g]);
				CHECK(count_of(out, (size_t)c[g], NN_SPLIT_TEST) == want[g],
				      "class %zu: %d test rows whatever the order (%d)", g, want[g], ord);
				CHECK(out[0] == (ord ? NN_SPLIT_TRAIN : NN_SPLIT_TEST), "class %zu starts with %s",
				      g, ord ? "train" : "test");
			}
			nn_split_release(&p);
		}
	}
	{   /* fold 1 of 3 of 7 rows: 3 2 2, train, test, train */
		nn_split_spec sp = { 0, 0, 0, { 0 }, { 0 }, 3, 1 };
		uint64_t n = 7;
		CHECK(!nn_split_plan(&p, &sp, &n, 1, NULL, 0, &err), "plan a fold");
		sequence(&p, 0, out, 7);
		CHECK(out[2] == NN_SPLIT_TRAIN && out[3] == NN_SPLIT_TEST && out[4] == NN_SPLIT_TEST &&
		      out[5] == NN_SPLIT_TRAIN, "rows 3 and 4 are fold 1");
		nn_split_release(&p);
	}
	{   /* refusals, each with its message */
		nn_split_spec sp = { 0, 0, 0, { 0, 0, 10 }, { 0 }, 0, 0 };
		uint64_t n = 10, zero = 0, c[2] = { 5, 1 };
		const char *names[2] = { "a", "b" };
		CHECK(nn_split_plan(&p, &sp, &n, 1, NULL, 0, &err) && err.code == NN_EDATA &&
		      !strcmp(err.msg, "10 rows less 10 test leave no training rows"), "%s", err.msg);
		nn_split_release(&p);
		sp.has_val = 1;
		sp.test.count = 5;
		sp.val.count = 5;
		CHECK(nn_split_plan(&p, &sp, &n, 1, NULL, 0, &err) &&
		      !strcmp(err.msg, "10 rows less 5 test and 5 validation leave no training rows"),
		      "%s", err.msg);
		nn_split_release(&p);
		CHECK(nn_split_plan(&p, &sp, &zero, 1, NULL, 0, &err) && !strcmp(err.msg, "no rows to split"),
		      "%s", err.msg);
		nn_split_release(&p);
		sp = (nn_split_spec){ 0, 1, 0, { 0, 0, 2 }, { 0 }, 0, 0 };
		CHECK(nn_split_plan(&p, &sp, c, 2, names, 2, &err) &&
		      !strcmp(err.msg, "class 'b' (1) has 1 row; --stratify needs at least 2, one for each output"),
		      "%s", err.msg);
		nn_split_release(&p);
		sp = (nn_split_spec){ 1, 1, 0, { 0, 0, 1 }, { 0 }, 0, 0 };
		c[1] = 3;
		CHECK(nn_split_plan(&p, &sp, c, 2, names, 2, &err) &&
		      !strcmp(err.msg, "--stratify: test would get 1 rows, fewer than the 2 classes"),
		      "in order too, the output named is the small one: %s", err.msg);
		nn_split_release(&p);
		sp = (nn_split_spec){ 0, 0, 0, { 0 }, { 0 }, 11, 0 };
		CHECK(nn_split_plan(&p, &sp, &n, 1, NULL, 0, &err) && !strcmp(err.msg, "10 rows cannot make 11 folds"),
		      "%s", err.msg);
		nn_split_release(&p);
	}
	{   /* one pass */
		nn_split_spec sp = { 0 };
		double ft, fv;
		size_t hit[4] = { 0 }, test = 0;
		CHECK(!nn_split_fractions(&sp, &ft, &fv) && ft == 0.25 && fv == 0, "default fractions");
		sp.test.count = 3;
		CHECK(nn_split_fractions(&sp, &ft, &fv), "a count cannot stream");
		for (uint64_t i = 0; i < 4000; i++) {
			hit[nn_split_shard(42, i, 4, 0)]++;
			test += nn_split_streamed(42, i, 0, 0, 0.25, 0) == NN_SPLIT_TEST;
		}
		CHECK(hit[0] > 900 && hit[3] > 900 && test > 900 && test < 1100, "hashes spread evenly");
		CHECK(nn_split_shard(42, 9, 4, 1) == 1, "round robin: 9 mod 4");
		CHECK(nn_split_shard(42, 9, 4, 0) == nn_split_shard(42, 9, 4, 0) &&
		      nn_split_streamed(7, 5, 5, 2, 0, 0) == nn_split_streamed(7, 5, 5, 2, 0, 0),
		      "the same row and seed, the same place");
	}
	{   /* what went into each output, and the note on its classes */
		nn_split_tally got[2] = { { 0, NULL, 0 }, { 0, NULL, 0 } };
		const char *names[] = { "setosa", "versicolor" };
		char buf[1024];
		CHECK(!nn_split_tally_add(&got[0], 0, &err) && !nn_split_tally_add(&got[0], 0, &err) &&
		      !nn_split_tally_add(&got[1], 3, &err) && !nn_split_tally_add(&got[1], -1, &err),
		      "rows of classes 0, 0 | 3 and one not counted");
		CHECK(got[0].rows == 2 && got[1].rows == 2 && got[1].ncls >= 4 && got[1].cls[3] == 1 &&
		      got[1].cls[0] == 0, "classes grow as they come");
		CHECK(!nn_split_note(buf, sizeof buf, got, 2, 0, "species", names, 2) &&
		      !strcmp(buf, "; species: setosa=2"), "the classes it has room for: '%s'", buf);
		CHECK(!nn_split_note(buf, sizeof buf, got, 2, 1, "species", names, 2) &&
		      !strcmp(buf, "; species: setosa=0 3=1"), "a class of any output, named, else numbered: '%s'", buf);
		for (int c = 0; c < 100; c++)
			nn_split_tally_add(&got[0], c, &err);
		CHECK(nn_split_note(buf, 200, got, 2, 0, "y", NULL, 0) == 1 && strlen(buf) < 200 &&
		      strlen(buf) >= 200 - 64, "many classes: cut, said so");
		nn_split_tally_release(&got[0]);
		nn_split_tally_release(&got[1]);
		CHECK(!got[0].cls && !got[0].ncls && !got[0].rows, "released");
	}
	return check_done();
}
