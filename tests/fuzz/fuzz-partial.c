/* fuzz-partial.c — nn_eval_merge_partial on arbitrary bytes: the header
 * map of a partial result (nn/partial.h) and its ROC AUC keys.  A partial
 * result that merges is reported on, written back and read again (the
 * same bytes), and merged into itself a second time (it goes with itself).
 *
 * The input is a stream, or msgpack objects (a partial result after
 * `zstd -dc`) that fuzz-framed.h frames.
 * Seeds: nn-eval --partial results of each kind, whole and as msgpack,
 * cut and bit-flipped (tests/fuzz/make-seeds.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/partial.h"
#include "fuzz-framed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Merge the partial result in fd (from its start) into e. */
static int merge_fd(nn_eval *e, int fd, nn_error *err)
{
	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, err);
	int bad = !r || nn_eval_merge_partial(e, r, err);
	nn_reader_close(r);
	return bad ? -1 : 0;
}

static void report(nn_eval *e)
{
	nn_cls_report cr;
	nn_reg_report rr;
	if (e->cls && !nn_cls_acc_report(e->cls, &cr, NULL))
		nn_cls_report_release(&cr);
	if (e->reg && !nn_reg_acc_report(e->reg, &rr, NULL))
		nn_reg_report_release(&rr);
}

/* e written as a partial result and read back: the same metadata. */
static void round_trip(const nn_eval *e)
{
	nn_error err = { 0 };
	nn_schema *s = nn_eval_partial_schema(e, &err);
	int fd = memfd_create("fuzz-out", 0);
	const uint64_t *keys;
	size_t n;
	nn_writer *w;

	if (!s || fd < 0)
		abort();
	nn_eval_partial_keys(e, &keys, &n);
	const void *cols[1] = { keys };
	if (!(w = nn_writer_open_fd(fd, s, NULL, &err)) || (n && nn_writer_write(w, cols, n, &err)) ||
	    nn_writer_finish(w, &err))
		abort();
	nn_writer_free(w);
	nn_eval back = { 0 };
	if (merge_fd(&back, fd, &err)) {
		fprintf(stderr, "fuzz-partial: a partial result written does not read back: %s\n", err.msg);
		abort();
	}
	nn_schema *again = nn_eval_partial_schema(&back, &err);
	if (!again || again->meta_len != s->meta_len || memcmp(again->meta, s->meta, s->meta_len))
		abort();
	nn_schema_free(again);
	nn_eval_release(&back);
	nn_schema_free(s);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_error err = { 0 };
	nn_eval e = { 0 };
	int fd = fuzz_stream_fd(data, size);

	if (fd < 0)
		return 0;
	if (!merge_fd(&e, fd, &err) && (e.cls || e.reg)) {
		report(&e);
		round_trip(&e);
		if (!merge_fd(&e, fd, &err))
			report(&e);
	}
	nn_eval_release(&e);
	close(fd);
	return 0;
}
