/* test-prep.c — the preparation chain: steps packed and parsed back the
 * same; compared (equal, prefix, the first that differs and why); applied
 * to rows as nn-clean and nn-normalize define them; columns mapped by
 * name; metadata updated in place; damaged chains refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/pack.h"
#include "nn/prep.h"
#include "check.h"

static char *names3[] = { "a", "b", "c" };

/* nn-clean: fill NaN with (1, 2, 3), clip to [0, 10], drop column b. */
static void clean_step(nn_prep_step *st)
{
	nn_error err = { 0 };
	if (nn_prep_step_init(st, NN_PREP_CLEAN, "x", 3, names3, NN_F32, &err) ||
	    nn_prep_step_vec(st, &st->fill, 0, &err) || nn_prep_step_vec(st, &st->clip_lo, 0, &err) ||
	    nn_prep_step_vec(st, &st->clip_hi, 10, &err) || nn_prep_step_keep(st, (unsigned char[]){ 1, 0, 1 }, &err))
		abort();
	for (int j = 0; j < 3; j++)
		st->fill[j] = j + 1;
	snprintf(st->nonfinite, sizeof st->nonfinite, "median");
}

/* nn-normalize zscore on the two columns a and c. */
static void norm_step(nn_prep_step *st, double off0)
{
	nn_error err = { 0 };
	if (nn_prep_step_init(st, NN_PREP_NORMALIZE, "x", 2, (char *[]){ "a", "c" }, NN_F32, &err) ||
	    nn_prep_step_vec(st, &st->offset, off0, &err) || nn_prep_step_vec(st, &st->scale, 2, &err))
		abort();
	st->method = NN_PREP_ZSCORE;
}

static void chain(nn_prep *p, double off0)
{
	nn_error err = { 0 };
	nn_prep_step a, b;
	memset(p, 0, sizeof *p);
	clean_step(&a);
	norm_step(&b, off0);
	if (nn_prep_append(p, &a, &err) || nn_prep_append(p, &b, &err))
		abort();
}

/* p packed, then parsed: 0 on success, with *q the result. */
static int roundtrip(const nn_prep *p, nn_prep *q, nn_error *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (nn_prep_pack(&pk, p))
		abort();
	nn_mp c = { (const unsigned char *)sb.data, (const unsigned char *)sb.data + sb.size };
	int rc = nn_prep_parse(&c, q, err);
	if (!rc && c.p != c.end)
		rc = -1;
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* Parse the bytes of a hand-made chain (one step). */
static int parse_bytes(const char *what, const void *bytes, size_t n, nn_error *err)
{
	nn_mp c = { bytes, (const unsigned char *)bytes + n };
	nn_prep p;
	int rc = nn_prep_parse(&c, &p, err);
	(void)what;
	if (!rc)
		nn_prep_release(&p);
	return rc;
}

static void test_bytes(void)
{
	nn_prep p, q, r;
	nn_error err = { 0 };
	char why[256];

	chain(&p, 5);
	CHECK(p.n == 2 && p.step[0].out_columns == 2 && p.step[1].columns == 2, "a chain of two steps, 3 -> 2 columns");
	CHECK(!roundtrip(&p, &q, &err), "packed and parsed back (%s)", err.msg);
	CHECK(q.n == 2 && nn_prep_common(&p, &q, why, sizeof why) == 2, "the same chain");
	CHECK(!strcmp(q.step[0].names[2], "c") && q.step[0].fill[1] == 2 && q.step[0].clip_hi[2] == 10 &&
	      q.step[0].keep && !q.step[0].keep[1] && !strcmp(q.step[0].nonfinite, "median"),
	      "nn-clean's values by value");
	CHECK(q.step[1].method == NN_PREP_ZSCORE && q.step[1].offset[1] == 5 && q.step[1].scale[0] == 2,
	      "nn-normalize's values by value");
	CHECK(!nn_prep_copy(&r, &q, &err) && nn_prep_common(&r, &p, why, sizeof why) == 2, "a deep copy is the same");
	nn_prep_release(&r);
	nn_prep_release(&q);

	/* the prefix: raw rows have none, half-prepared rows one */
	nn_prep raw = { 0 }, half = { 0 };
	nn_prep_step a;
	clean_step(&a);
	nn_prep_append(&half, &a, &err);
	CHECK(nn_prep_common(&raw, &p, why, sizeof why) == 0 && nn_prep_common(&half, &p, why, sizeof why) == 1,
	      "an empty chain and the first step are prefixes");
	/* another fit: the second step differs */
	chain(&q, 6);
	CHECK(nn_prep_common(&q, &p, why, sizeof why) == 1 && strstr(why, "other offsets or scales (first at column 1)"),
	      "other offsets: step 2 differs (%s)", why);
	q.step[1].method = NN_PREP_MINMAX;
	CHECK(nn_prep_common(&q, &p, why, sizeof why) == 1 && !strcmp(why, "method minmax in place of zscore"),
	      "another method (%s)", why);
	nn_prep_release(&q);
	chain(&q, 5);
	free(q.step[0].fill);
	q.step[0].fill = NULL;
	CHECK(nn_prep_common(&q, &p, why, sizeof why) == 0 && !strcmp(why, "no fill in place of a fill"), "%s", why);
	nn_prep_release(&q);
	chain(&q, 5);
	free(q.step[0].names[0]);
	q.step[0].names[0] = strdup("z");
	CHECK(nn_prep_common(&q, &p, why, sizeof why) == 0 && !strcmp(why, "column 1 is 'z' in place of 'a'"), "%s", why);
	/* no names on one side: compared by the values alone */
	nn_prep_names_free(q.step[0].names, 3);
	q.step[0].names = NULL;
	CHECK(nn_prep_common(&q, &p, why, sizeof why) == 2, "names missing on one side are not a difference");
	q.step[0].dedup = 1;
	snprintf(q.step[0].nonfinite, sizeof q.step[0].nonfinite, "drop");
	CHECK(nn_prep_common(&q, &p, why, sizeof why) == 2, "what a step did to rows is not compared");
	nn_prep_step_describe(&q.step[0], why, sizeof why);
	CHECK(!strcmp(why, "nn-clean --nonfinite drop --clip-sigma --drop-constant --dedup"), "described: %s", why);
	nn_prep_pop(&q);
	CHECK(q.n == 1, "pop");
	nn_prep_release(&q);
	nn_prep_release(&half);
	nn_prep_release(&p);

	/* damaged chains */
	static const unsigned char not_array[] = { 0x80 };
	CHECK(parse_bytes("map", not_array, 1, &err) && err.code == NN_EDATA, "not an array: %s", err.msg);
	/* [{"program": "nn-sort", ...}] */
	static const unsigned char bad_prog[] = "\x91\x81\xa7program\xa7nn-sort";
	CHECK(parse_bytes("prog", bad_prog, sizeof bad_prog - 1, &err) &&
	      !strcmp(err.msg, "preparation: step 1: program 'nn-sort': not a preparation step"), "%s", err.msg);
	/* a fill of 1 value for 2 columns */
	static const unsigned char short_fill[] =
		"\x91\x86\xa7program\xa8nn-clean\xa5" "field\xa1x\xa7" "columns\x02\xa5" "dtype\xa3" "f32"
		"\xa9out_dtype\xa3" "f32\xa4" "fill\x91\x01";
	CHECK(parse_bytes("fill", short_fill, sizeof short_fill - 1, &err) &&
	      !strcmp(err.msg, "preparation: step 1: fill has 1 values for 2 columns"), "%s", err.msg);
	static const unsigned char no_columns[] = "\x91\x82\xa7program\xa8nn-clean\xa5" "field\xa1x";
	CHECK(parse_bytes("cols", no_columns, sizeof no_columns - 1, &err) && strstr(err.msg, "lacks"), "%s", err.msg);
	/* two steps that do not chain: 3 columns written, 2 read */
	nn_prep bad = { 0 };
	nn_prep_step s1, s2;
	norm_step(&s2, 0);
	clean_step(&s1);
	nn_prep_step_keep(&s1, (unsigned char[]){ 1, 1, 1 }, &err);
	nn_prep_append(&bad, &s1, &err);
	nn_prep_append(&bad, &s2, &err);
	CHECK(roundtrip(&bad, &q, &err) && !strcmp(err.msg, "preparation: step 2: reads 2 columns, the step before wrote 3"),
	      "%s", err.msg);
	nn_prep_release(&bad);
	for (int i = 0; i < NN_PREP_MAX_STEPS; i++) {
		norm_step(&s2, 0);
		nn_prep_append(&bad, &s2, &err);
	}
	norm_step(&s2, 0);
	CHECK(nn_prep_append(&bad, &s2, &err) && err.code == NN_ELIMIT, "at most %d steps", NN_PREP_MAX_STEPS);
	nn_prep_step_release(&s2);
	nn_prep_release(&bad);
}

static void test_apply(void)
{
	nn_prep_step c, z;
	nn_prep_counts cnt = { 0 };
	nn_error err = { 0 };

	clean_step(&c);
	/* two rows: NaN and -inf filled, 12 clipped, b dropped */
	double v[6] = { NAN, 50, 12, 4, 5, -INFINITY };
	nn_prep_apply(&c, v, 2, &cnt);
	CHECK(v[0] == 1 && v[1] == 10 && v[2] == 4 && v[3] == 3, "filled, clipped, column b dropped: %g %g %g %g",
	      v[0], v[1], v[2], v[3]);
	CHECK(cnt.replaced == 2 && cnt.clipped == 2, "counted: %llu replaced, %llu clipped",
	      (unsigned long long)cnt.replaced, (unsigned long long)cnt.clipped);
	/* a column with no fill (NaN) keeps its NaN; no clip bounds: no clipping */
	c.fill[0] = NAN;
	free(c.clip_lo);
	free(c.clip_hi);
	c.clip_lo = c.clip_hi = NULL;
	double w[3] = { NAN, 1, 99 };
	nn_prep_apply(&c, w, 1, &cnt);
	CHECK(isnan(w[0]) && w[1] == 99, "no fill, no clipping");
	nn_prep_step_release(&c);

	norm_step(&z, 1);
	double y[4] = { 3, 5, NAN, 1 };
	nn_prep_apply(&z, y, 2, &cnt);
	CHECK(y[0] == 1 && y[1] == 2 && isnan(y[2]) && y[3] == 0 && cnt.passed == 1, "y = (x - offset) / scale");
	nn_prep_unapply(&z, y, 2, &cnt);
	CHECK(y[0] == 3 && y[1] == 5 && y[3] == 1, "undone");
	z.method = NN_PREP_MINMAX;
	z.low = -1;
	double m[2] = { 3, 1 };
	nn_prep_apply(&z, m, 1, &cnt);
	CHECK(m[0] == 0 && m[1] == -1, "minmax adds low");
	z.method = NN_PREP_L2;
	double l[2] = { 3, 4 };
	nn_prep_apply(&z, l, 1, &cnt);
	CHECK(l[0] == 0.6 && fabs(l[1] - 0.8) < 1e-15, "l2: each row by its norm");
	nn_prep_step_release(&z);
	(void)err;
}

static void test_names(void)
{
	nn_error err = { 0 };
	size_t perm[3];
	char *have[] = { "c", "a", "b" }, *same[] = { "a", "b", "c" };

	CHECK(!nn_prep_map_names(same, 3, names3, 3, perm, &err) && nn_prep_perm_identity(perm, 3), "the same order");
	CHECK(!nn_prep_map_names(have, 3, names3, 3, perm, &err) && perm[0] == 1 && perm[1] == 2 && perm[2] == 0,
	      "another order: a permutation");
	double in[6] = { 3, 1, 2, 30, 10, 20 }, out[6];
	nn_prep_permute(perm, 3, in, out, 2);
	CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 10 && out[5] == 30, "applied per row");
	char *other[] = { "a", "x", "c" };
	CHECK(nn_prep_map_names(other, 3, names3, 3, perm, &err) &&
	      !strcmp(err.msg, "1 column(s) missing: 'b'; 1 not expected: 'x'"), "%s", err.msg);
	CHECK(nn_prep_map_names(names3, 3, names3, 2, perm, &err) && !strcmp(err.msg, "1 column(s) not expected: 'c'"),
	      "%s", err.msg);
	char *dup[] = { "a", "a", "b" };
	CHECK(nn_prep_map_names(dup, 3, names3, 3, perm, &err) && strstr(err.msg, "'a' is named twice"), "%s", err.msg);
	char *many[8] = { "1", "2", "3", "4", "5", "6", "7", "8" };
	CHECK(nn_prep_map_names(many, 8, names3, 3, perm, &err) && strstr(err.msg, "8 not expected: '1', '2', '3', '4', '5', '6', ..."),
	      "long lists are cut: %s", err.msg);
}

static void test_meta(void)
{
	nn_error err = { 0 };
	nn_schema *s = nn_schema_new("data", &err);
	nn_prep p, q;
	int present;
	char **names;

	if (!s || nn_schema_add_field(s, "x", NN_F32, 1, (const uint64_t[]){ 3 }, &err))
		abort();
	CHECK(!nn_prep_read(s, &q, &present, &err) && q.n == 0 && !present, "no metadata: an empty chain");
	/* {"feature_names": ["a", "b", "c"], "other": 1} */
	static const unsigned char meta[] = "\x82\xad" "feature_names\x93\xa1" "a\xa1" "b\xa1" "c\xa5other\x01";
	if (nn_schema_set_meta(s, meta, sizeof meta - 1, &err))
		abort();
	CHECK(!nn_prep_feature_names(s, &s->fields[0], &names, &err) && names && !strcmp(names[2], "c"), "names read");
	nn_prep_names_free(names, 3);
	chain(&p, 5);
	CHECK(!nn_prep_meta_update(s, s, &p, (char *[]){ "a", "c" }, 2, &err), "updated");
	static const unsigned char want[] = "\x83\xad" "feature_names\x92\xa1" "a\xa1" "c\xa5other\x01\xab" "preparation";
	CHECK(s->meta_len > sizeof want && !memcmp(s->meta, want, sizeof want - 1), "keys kept in place, the chain added");
	CHECK(!nn_prep_read(s, &q, &present, &err) && present && nn_prep_common(&q, &p, (char[8]){ 0 }, 8) == 2,
	      "and read back");
	size_t len = s->meta_len;
	CHECK(!nn_prep_meta_update(s, s, &q, NULL, 0, &err) && s->meta_len == len, "updated again: the same size");
	CHECK(!nn_prep_feature_names(s, &s->fields[0], &names, &err) && !names, "2 names for 3 columns: none");
	nn_prep_release(&q);
	nn_prep_release(&p);
	nn_schema_free(s);
}

int main(void)
{
	test_bytes();
	test_apply();
	test_names();
	test_meta();
	return check_done();
}
