/* test-splitopts.c — nn-split's options taken together: each rule of
 * which go with which, with its message; sizes into the plan's spec; the
 * label field counted as classes or not, and refused for --stratify. */
#include <string.h>
#include "nn/splitopts.h"
#include "check.h"

/* The message of o's check, or "" when it passes. */
static const char *check(nn_split_opts o)
{
	static nn_error err;
	nn_split_spec spec;

	err = (nn_error){ 0 };
	if (!nn_split_opts_check(&o, &spec, &err))
		return "";
	return err.code == NN_EARG ? err.msg : "(not NN_EARG)";
}

int main(void)
{
	const nn_split_opts base = { "tr", "te", NULL, NULL, NULL, NULL, 0, -1, 0, 0, 0, 0, 0 };
	nn_split_opts o = base;
	nn_split_spec spec;
	nn_error err = { 0 };

	o.tsize = "0.2", o.val = "va", o.vsize = "10", o.stratify = 1;
	CHECK(!nn_split_opts_check(&o, &spec, &err) && spec.has_val && spec.stratify && !spec.ordered &&
	      spec.test.frac && spec.test.f == 0.2 && !spec.val.frac && spec.val.count == 10 && !spec.kfold,
	      "a split with sizes: the spec");
	o = base, o.kfold = 5, o.fold = 3, o.noshuffle = 1;
	CHECK(!nn_split_opts_check(&o, &spec, &err) && spec.kfold == 5 && spec.fold == 3 && spec.ordered,
	      "folds: the spec");
	o = base, o.train = o.test = NULL, o.shards = 4, o.pattern = "p%d", o.rr = 1;
	CHECK(!*check(o), "shards");

	o = base, o.shards = 4, o.pattern = "p%d";
	CHECK(!strcmp(check(o), "--shards goes with none of --train, --test, --val, --test-size, --val-size, --kfold"),
	      "shards and a split");
	o = base, o.rr = 1;
	CHECK(!strcmp(check(o), "--shard-pattern and --round-robin go with --shards"), "round-robin alone");
	o = base, o.train = o.test = NULL, o.shards = 4;
	CHECK(!strcmp(check(o), "--shards needs --shard-pattern, e.g. 'part-%03d.nns'"), "shards, no pattern");
	o = base, o.train = o.test = NULL, o.shards = 4, o.pattern = "p%d", o.stratify = 1;
	CHECK(!strcmp(check(o), "--shards goes with neither --stratify nor --no-shuffle"), "shards stratified");
	o = base, o.test = NULL;
	CHECK(!strcmp(check(o), "say where to write: --train FILE --test FILE (or --shards N)"), "no --test");
	o = base, o.val = "va";
	CHECK(!strcmp(check(o), "--val FILE and --val-size F go together"), "--val alone");
	o = base, o.fold = 1;
	CHECK(!strcmp(check(o), "--kfold K and --fold I go together"), "--fold alone");
	o = base, o.kfold = 3, o.fold = 0, o.tsize = "0.2";
	CHECK(!strcmp(check(o), "--kfold goes with neither --test-size nor --val"), "folds and a size");
	o = base, o.kfold = 3, o.fold = 3;
	CHECK(!strcmp(check(o), "--fold: 3 is not a fold of 0 to 2"), "a fold past K");
	o = base, o.streaming = 1, o.noshuffle = 1;
	CHECK(!strcmp(check(o), "--streaming goes with neither --stratify nor --no-shuffle"), "streaming in order");
	o = base, o.vsize = "1.5", o.val = "va";
	CHECK(!strcmp(check(o), "--val-size: '1.5' is neither a fraction between 0 and 1 nor a whole number of rows"),
	      "a bad size");
	o = base, o.tsize = "0.6", o.val = "va", o.vsize = "0.4";
	CHECK(!strcmp(check(o), "--test-size and --val-size add up to 1 or more: no training rows"),
	      "fractions adding up to 1");

	nn_schema *s = nn_schema_new("data", &err);
	int idx = 7;
	uint64_t three = 3;
	CHECK(s && !nn_schema_add_field(s, "x", NN_F32, 1, &three, &err) &&
	      !nn_schema_add_field(s, "y", NN_I32, 0, NULL, &err) &&
	      !nn_schema_add_field(s, "t", NN_F32, 0, NULL, &err) &&
	      !nn_schema_add_field(s, "m", NN_I32, 1, &three, &err), "a schema: %s", err.msg);
	CHECK(!nn_split_label(s, "y", 1, &idx, &err) && idx == 1, "an integer label: counted");
	CHECK(!nn_split_label(s, "t", 0, &idx, &err) && idx == -1, "a float label: not counted");
	CHECK(!nn_split_label(s, "none", 0, &idx, &err) && idx == -1, "no label: nothing to count");
	CHECK(nn_split_label(s, "t", 1, &idx, &err) == -1 && err.code == NN_EDATA &&
	      !strcmp(err.msg, "--stratify: label field 't' holds f32 numbers, not class ids"), "stratified on floats: %s", err.msg);
	CHECK(nn_split_label(s, "m", 1, &idx, &err) == -1 &&
	      !strcmp(err.msg, "--stratify: label field 'm' holds 3 values per row, not one class id"),
	      "stratified on three values: %s", err.msg);
	CHECK(nn_split_label(s, "none", 1, &idx, &err) == -1 &&
	      !strcmp(err.msg, "no field 'none' (choose one with --y)"), "stratified on nothing");
	nn_schema_free(s);
	return check_done();
}
