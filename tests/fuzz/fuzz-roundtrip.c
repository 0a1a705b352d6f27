/* fuzz-roundtrip.c — write, then read, then compare.  The fuzz bytes
 * choose a schema (1-4 fields: name, dtype, 0-3 dimensions, class names),
 * provenance strings, writer options (level, batch size), how the rows are
 * split over nn_writer_write calls, and the row values themselves; the
 * stream written by nn_writer must read back through nn_reader with the
 * same schema, the same row count and byte-identical columns.  Anything
 * else aborts, and so shows up as a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct bytes {
	const uint8_t *p;
	size_t n;
} bytes;

static unsigned take(bytes *b)
{
	if (!b->n)
		return 0;
	b->n--;
	return *b->p++;
}

static void fail(const char *what, const nn_error *err)
{
	fprintf(stderr, "fuzz-roundtrip: %s: %s\n", what, err ? err->msg : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bytes in = { data, size };
	nn_error err = { 0 };
	nn_schema *s = nn_schema_new("data", &err);
	void *cols[4] = { 0 };
	size_t nfields = 1 + take(&in) % 4, rows = take(&in) % 200;
	int fd = -1;
	char name[8];

	if (!s)
		fail("schema", &err);
	for (size_t i = 0; i < nfields; i++) {
		uint64_t shape[3];
		int ndim = (int)(take(&in) % 4);
		nn_dtype dt = (nn_dtype)(take(&in) % NN_DTYPE_COUNT);
		for (int d = 0; d < ndim; d++)
			shape[d] = 1 + take(&in) % 5;
		snprintf(name, sizeof name, "f%c", 'a' + (int)(take(&in) % 26));
		if (nn_schema_add_field(s, name, dt, ndim, shape, &err))
			continue;            /* a duplicate name: fewer fields */
		if (dt <= NN_I64 && ndim == 0 && take(&in) % 4 == 0) {
			const char *cls[3] = { "a", "b c", "\xc3\xa9" };
			if (nn_schema_set_classes(s, s->nfields - 1, 1 + take(&in) % 3, cls, &err))
				fail("classes", &err);
		}
	}
	const char *args[2] = { "--seed", "7" };
	if (take(&in) & 1) {
		if (nn_schema_set_provenance(s, "nn-fuzz", "0.0", 2, args, &err))
			fail("provenance", &err);
		nn_schema_set_seed(s, take(&in));
	}
	if (take(&in) & 1) {
		static const unsigned char meta[] = { 0x81, 0xa1, 'k', 0x92, 0x01, 0xc0 };
		if (nn_schema_set_meta(s, meta, sizeof meta, &err))
			fail("meta", &err);
	}
	nn_writer_options opts = { 1 + (int)(take(&in) % 3), 0, take(&in) % 16 };
	size_t chunk = 1 + take(&in) % 64;

	/* Row values: the rest of the fuzz bytes, cycled. */
	for (size_t i = 0; i < s->nfields; i++) {
		size_t n = rows * s->fields[i].row_bytes;
		if (!(cols[i] = malloc(n ? n : 1)))
			abort();
		for (size_t k = 0; k < n; k++)
			((uint8_t *)cols[i])[k] = in.n ? in.p[k % in.n] : (uint8_t)k;
		if (s->fields[i].dtype == NN_STR)   /* text: ASCII, then NUL padding from a fuzzed length */
			for (size_t row = 0, w = s->fields[i].row_bytes; row < rows; row++) {
				uint8_t *c = (uint8_t *)cols[i] + row * w;
				size_t len = c[0] % (w + 1);
				for (size_t k = 0; k < w; k++)
					c[k] = k < len ? (uint8_t)(0x20 + c[k] % 0x5f) : 0;
			}
	}
	if ((fd = memfd_create("roundtrip", 0)) < 0)
		abort();
	nn_writer *w = nn_writer_open_fd(fd, s, &opts, &err);
	if (!w)
		fail("writer", &err);
	for (size_t done = 0; done < rows; done += chunk) {
		size_t n = rows - done < chunk ? rows - done : chunk;
		const void *part[4];
		for (size_t i = 0; i < s->nfields; i++)
			part[i] = (const uint8_t *)cols[i] + done * s->fields[i].row_bytes;
		if (nn_writer_write(w, part, n, &err))
			fail("write", &err);
		if (n == 1 && nn_writer_flush(w, &err))
			fail("flush", &err);
	}
	if (nn_writer_finish(w, &err))
		fail("finish", &err);
	nn_writer_free(w);

	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, &err);
	if (!r)
		fail("reader", &err);
	const nn_schema *back = nn_reader_schema(r);
	if (nn_schema_compare(s, back, &err))
		fail("schema differs", &err);
	if (back->has_seed != s->has_seed || (s->has_seed && back->seed != s->seed) ||
	    back->meta_len != s->meta_len || (s->meta_len && memcmp(back->meta, s->meta, s->meta_len)) ||
	    back->nargs != s->nargs)
		fail("provenance or metadata differs", NULL);
	size_t got = 0;
	const nn_batch *b;
	int rc;
	while ((rc = nn_reader_next(r, &b, &err)) == 1) {
		if (got + b->rows > rows)
			fail("more rows than written", NULL);
		for (size_t i = 0; i < s->nfields; i++) {
			size_t rb = s->fields[i].row_bytes;
			if (memcmp(b->col[i], (uint8_t *)cols[i] + got * rb, b->rows * rb))
				fail("a column differs", NULL);
		}
		got += b->rows;
	}
	if (rc < 0)
		fail("read", &err);
	if (got != rows || nn_reader_rows(r) != rows)
		fail("fewer rows than written", NULL);
	nn_reader_close(r);
	close(fd);
	for (size_t i = 0; i < 4; i++)
		free(cols[i]);
	nn_schema_free(s);
	return 0;
}
