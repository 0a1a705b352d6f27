/* test-partial.c — partial results of an evaluation: written and read
 * back they give the same state (the same bytes again); the partials of
 * two shards merge to the report of the whole, to the bit; malformed or
 * mismatched partial results are refused with a message. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <msgpack.h>
#include "nn/pack.h"
#include "nn/partial.h"
#include "check.h"

/* Two classes: labels, predictions and P(class 1) for 8 rows. */
static const int32_t y2[8] = { 0, 0, 1, 1, 0, 1, 0, 1 };
static const float p2[8] = { 0.125f, 0.375f, 0.25f, 0.75f, 0.5f, 0.5f, 0.0625f, 0.875f };
static const char *const ab[2] = { "a", "b" };

/* A stream of schema s with rows keys, in a memfd at its start. */
static int write_stream(const nn_schema *s, const uint64_t *keys, size_t n)
{
	nn_error err = { 0 };
	int fd = memfd_create("test-partial", 0);
	nn_writer *w = nn_writer_open_fd(fd, s, NULL, &err);
	const void *cols[1] = { keys };
	if (!w || (n && nn_writer_write(w, cols, n, &err)) || nn_writer_finish(w, &err))
		abort();
	nn_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* e's partial result as a stream in a memfd. */
static int write_partial(const nn_eval *e)
{
	nn_error err = { 0 };
	nn_schema *s = nn_eval_partial_schema(e, &err);
	const uint64_t *keys;
	size_t n;
	if (!s)
		abort();
	nn_eval_partial_keys(e, &keys, &n);
	int fd = write_stream(s, keys, n);
	nn_schema_free(s);
	return fd;
}

/* Merge the partial result in fd into e; 0 or -1 with err. */
static int merge(nn_eval *e, int fd, nn_error *err)
{
	nn_reader *r = nn_reader_open_fd(fd, err);
	int bad = !r || nn_eval_merge_partial(e, r, err);
	nn_reader_close(r);
	close(fd);
	return bad ? -1 : 0;
}

/* Rows [from, to) of the two-class example, with probabilities. */
static void cls_start(nn_eval *e, size_t from, size_t to)
{
	nn_error err = { 0 };
	int32_t pred[8];
	float proba[16];
	for (size_t i = 0; i < 8; i++) {
		proba[2 * i] = 1 - p2[i];
		proba[2 * i + 1] = p2[i];
		pred[i] = p2[i] > 0.5f;
	}
	memset(e, 0, sizeof *e);
	if (nn_eval_start(e, 1, 2, 1, 0, ab, NULL, &err) ||
	    nn_cls_acc_add(e->cls, y2 + from, pred + from, proba + 2 * from, to - from, from, &err))
		abort();
}

static int same_cls_report(nn_eval *a, nn_eval *b)
{
	nn_error err = { 0 };
	nn_cls_report ra, rb;
	if (nn_cls_acc_report(a->cls, &ra, &err) || nn_cls_acc_report(b->cls, &rb, &err))
		return 0;
	int same = ra.rows == rb.rows && ra.accuracy == rb.accuracy && ra.log_loss == rb.log_loss &&
	           ra.roc_auc == rb.roc_auc && ra.have_auc == rb.have_auc && ra.macro_f1 == rb.macro_f1 &&
	           !memcmp(ra.confusion, rb.confusion, 4 * sizeof *ra.confusion);
	nn_cls_report_release(&ra);
	nn_cls_report_release(&rb);
	return same;
}

/* The metadata bytes of e's partial result. */
static int same_bytes(const nn_eval *a, const nn_eval *b)
{
	nn_schema *sa = nn_eval_partial_schema(a, NULL), *sb = nn_eval_partial_schema(b, NULL);
	int same = sa && sb && sa->meta_len == sb->meta_len && !memcmp(sa->meta, sb->meta, sa->meta_len);
	nn_schema_free(sa);
	nn_schema_free(sb);
	return same;
}

static void test_classification(void)
{
	nn_error err = { 0 };
	nn_eval whole, a, b, m = { 0 }, again = { 0 };

	cls_start(&whole, 0, 8);
	cls_start(&a, 0, 3);
	cls_start(&b, 3, 8);
	CHECK(!merge(&m, write_partial(&b), &err) && !merge(&m, write_partial(&a), &err),
	      "two shards' partial results merge: %s", err.msg);
	CHECK(m.classify && m.nclasses == 2 && m.names && !strcmp(m.names[1], "b") && !m.note,
	      "the first starts the state: two named classes, probabilities");
	CHECK(same_cls_report(&whole, &m), "merged in any order: the whole's report, to the bit");
	CHECK(!merge(&again, write_partial(&whole), &err) && same_bytes(&whole, &again),
	      "written and read back: the same bytes again");

	/* an empty shard adds nothing */
	nn_eval empty = { 0 };
	if (nn_eval_start(&empty, 1, 2, 1, 0, ab, NULL, &err))
		abort();
	CHECK(!merge(&m, write_partial(&empty), &err) && same_cls_report(&whole, &m), "an empty shard adds nothing");

	/* other names, another k, no probabilities */
	static const char *const xy[2] = { "x", "y" };
	nn_eval other = { 0 };
	int32_t y[1] = { 0 };
	if (nn_eval_start(&other, 1, 2, 1, 0, xy, "none given", &err) ||
	    nn_cls_acc_add(other.cls, y, y, NULL, 1, 0, &err))
		abort();
	CHECK(merge(&m, write_partial(&other), &err) && !strcmp(err.msg, "class names differ from the first partial result's"),
	      "other class names: %s", err.msg);
	nn_eval_release(&other);
	if (nn_eval_start(&other, 1, 2, 1, 0, ab, "none given", &err) ||
	    nn_cls_acc_add(other.cls, y, y, NULL, 1, 0, &err))
		abort();
	CHECK(merge(&m, write_partial(&other), &err) && strstr(err.msg, "probabilities in some"),
	      "probabilities in one, not the other: %s", err.msg);
	nn_eval fresh = { 0 };
	CHECK(!merge(&fresh, write_partial(&other), &err) && fresh.note && !strcmp(fresh.note, "none given"),
	      "the note travels with the partial result");
	nn_eval_release(&fresh);
	nn_eval_release(&other);
	if (nn_eval_start(&other, 1, 2, 2, 0, ab, NULL, &err) ||
	    nn_cls_acc_add(other.cls, y, y, (const float[]){ 1, 0 }, 1, 0, &err))
		abort();
	CHECK(merge(&m, write_partial(&other), &err) && strstr(err.msg, "top-2 accuracy, not top-1"), "%s", err.msg);
	nn_eval_release(&other);

	nn_eval_release(&whole);
	nn_eval_release(&a);
	nn_eval_release(&b);
	nn_eval_release(&m);
	nn_eval_release(&again);
	nn_eval_release(&empty);
}

static void test_regression(void)
{
	/* sums that a double sum would round differently by order */
	double y[6] = { 1e8, 3, 0.3, -1e8, 1e-3, 0.2 }, p[6] = { 1e8, 2, 2.5, -1e8, 7, 0.1 };
	nn_error err = { 0 };
	nn_eval whole = { 0 }, a = { 0 }, b = { 0 }, m = { 0 }, cls;
	nn_reg_report rw, rm;

	if (nn_eval_start(&whole, 0, 0, 1, 1, NULL, NULL, &err) || nn_eval_start(&a, 0, 0, 1, 1, NULL, NULL, &err) ||
	    nn_eval_start(&b, 0, 0, 1, 1, NULL, NULL, &err) || nn_reg_acc_add(whole.reg, y, p, 6, 0, &err) ||
	    nn_reg_acc_add(a.reg, y, p, 4, 0, &err) || nn_reg_acc_add(b.reg, y + 4, p + 4, 2, 4, &err))
		abort();
	CHECK(!merge(&m, write_partial(&b), &err) && !merge(&m, write_partial(&a), &err), "regression merges: %s", err.msg);
	nn_reg_acc_report(whole.reg, &rw, &err);
	nn_reg_acc_report(m.reg, &rm, &err);
	CHECK(rw.rows == 6 && rm.rows == 6 && rw.mse[0] == rm.mse[0] && rw.r2[0] == rm.r2[0] && rw.mae[0] == rm.mae[0],
	      "regression: the whole's MSE, MAE and R^2 to the bit (%.17g, %.17g)", rm.mse[0], rm.r2[0]);
	CHECK(same_bytes(&whole, &m), "the same state, the same bytes");
	nn_reg_report_release(&rw);
	nn_reg_report_release(&rm);
	cls_start(&cls, 0, 8);
	CHECK(merge(&m, write_partial(&cls), &err) &&
	      !strcmp(err.msg, "a classification partial result among regression ones"), "%s", err.msg);
	nn_eval_release(&cls);
	nn_eval_release(&whole);
	nn_eval_release(&a);
	nn_eval_release(&b);
	nn_eval_release(&m);
}

/* A partial result whose metadata the packer callback writes (none when
 * it writes nothing). */
static int crafted(void (*pack)(msgpack_packer *), const uint64_t *keys, size_t n, const char *kind)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	nn_schema *s = nn_schema_new(kind, NULL);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack(&pk);
	if (!s || nn_schema_add_field(s, "auc_key", NN_U64, 0, NULL, NULL) ||
	    (sb.size && nn_schema_set_meta(s, sb.data, sb.size, NULL)))
		abort();
	int fd = write_stream(s, keys, n);
	nn_schema_free(s);
	msgpack_sbuffer_destroy(&sb);
	return fd;
}

static void pack_head(msgpack_packer *pk, int entries)
{
	msgpack_pack_map(pk, (size_t)entries);
	nn_pack_str(pk, "task");
	nn_pack_str(pk, "classification");
	nn_pack_str(pk, "rows");
	msgpack_pack_uint64(pk, 1);
}

static void missing(msgpack_packer *pk)
{
	pack_head(pk, 2);
}

static void twice(msgpack_packer *pk)
{
	pack_head(pk, 3);
	nn_pack_str(pk, "rows");
	msgpack_pack_uint64(pk, 1);
}

static void confusion_first(msgpack_packer *pk)
{
	static const uint64_t none[1];
	pack_head(pk, 6);
	nn_pack_str(pk, "confusion");
	nn_pack_bin(pk, none, 0);
	nn_pack_str(pk, "nclasses");
	msgpack_pack_uint64(pk, 2);
	nn_pack_str(pk, "top_k");
	msgpack_pack_uint64(pk, 1);
	nn_pack_str(pk, "logloss");
	int64_t limbs[NN_XSUM_LIMBS] = { 0 };
	nn_pack_bin(pk, limbs, sizeof limbs);
}

static void bad_sum(msgpack_packer *pk)
{
	pack_head(pk, 3);
	nn_pack_str(pk, "logloss");
	int64_t limbs[NN_XSUM_LIMBS] = { 0 };
	limbs[3] = (int64_t)1 << 62;
	nn_pack_bin(pk, limbs, sizeof limbs);
}

static void bad_rows(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 1);
	nn_pack_str(pk, "rows");
	msgpack_pack_nil(pk);
}

static void no_map(msgpack_packer *pk)
{
	(void)pk;
}

static void test_malformed(void)
{
	nn_error err = { 0 };
	nn_eval e = { 0 };
	static const struct { void (*pack)(msgpack_packer *); const char *kind, *msg; } cases[] = {
		{ missing, "eval-partial", "partial result: fields missing" },
		{ twice, "eval-partial", "partial result: 'rows' twice" },
		{ confusion_first, "eval-partial", "partial result: 'confusion' and 'logloss' go after 'nclasses'" },
		{ bad_sum, "eval-partial", "partial result: 'logloss' is not a normalized exact sum" },
		{ bad_rows, "eval-partial", "bad partial result: " },
		{ no_map, "eval-partial", "partial result without its header map" },
		{ missing, "data", "not a partial result of nn-eval --partial (kind 'data')" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int bad = merge(&e, crafted(cases[i].pack, NULL, 0, cases[i].kind), &err);
		CHECK(bad && !strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) && !e.cls && !e.reg,
		      "refused: %s", err.msg);
	}

	/* ROC AUC keys that are not one per row */
	nn_eval two;
	cls_start(&two, 0, 8);
	nn_schema *s = nn_eval_partial_schema(&two, &err);
	static const uint64_t keys[3] = { 1, 2, 3 };
	CHECK(merge(&e, write_stream(s, keys, 3), &err) && !strcmp(err.msg, "partial result: 3 ROC AUC keys for 8 rows"),
	      "%s", err.msg);
	nn_schema_free(s);
	nn_eval_release(&two);
	nn_eval_release(&e);
}

int main(void)
{
	test_classification();
	test_regression();
	test_malformed();
	return check_done();
}
