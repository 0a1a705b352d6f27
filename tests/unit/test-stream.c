/* test-stream.c — the stream format: round trips of every dtype and shape,
 * batch boundaries, empty and one-row streams, concatenation, and the
 * promise that a cut or corrupted stream is never read as a valid one. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <msgpack.h>
#include <zstd.h>
#include "nn/stream.h"
#include "check.h"

/* An in-memory file holding bytes, rewound for reading. */
static int memfile(const void *data, size_t len)
{
	int fd = memfd_create("nn-test", 0);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static unsigned char *slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char *buf = malloc((size_t)end + 1);
	if (pread(fd, buf, (size_t)end, 0) != end)
		abort();
	*len = (size_t)end;
	return buf;
}

/* A schema with one field of every numeric dtype, some multi-dimensional
 * (text, whose rows have a rule of their own, is test_text's). */
static nn_schema *all_dtypes(void)
{
	nn_schema *s = nn_schema_new("data", NULL);
	uint64_t img[2] = { 3, 2 }, vec[1] = { 5 }, cube[3] = { 2, 2, 2 };
	char name[16];
	for (int t = 0; t < NN_DTYPE_COUNT; t++) {
		if (t == NN_STR)
			continue;
		snprintf(name, sizeof name, "f_%s", nn_dtype_name((nn_dtype)t));
		int nd = t % 4 == 0 ? 0 : t % 4 == 1 ? 1 : t % 4 == 2 ? 2 : 3;
		const uint64_t *shape = nd == 1 ? vec : nd == 2 ? img : cube;
		if (nn_schema_add_field(s, name, (nn_dtype)t, nd, shape, NULL))
			abort();
	}
	return s;
}

/* Fill row r of every field with bytes derived from (r, field, byte). */
static void fill_rows(const nn_schema *s, size_t first, size_t rows, unsigned char **cols)
{
	for (size_t f = 0; f < s->nfields; f++)
		for (size_t r = 0; r < rows; r++)
			for (size_t b = 0; b < s->fields[f].row_bytes; b++)
				cols[f][r * s->fields[f].row_bytes + b] =
					(unsigned char)((first + r) * 31 + f * 7 + b);
}

static int make_threads;   /* the writers' compression threads */
static int make_in_caller; /* 1: nn_writer_set_threads(w, 0) */

/* Write `rows` rows in chunks of `chunk` with batches of batch_rows. */
static unsigned char *make_stream(const nn_schema *s, size_t rows, size_t chunk,
                                  size_t batch_rows, size_t *len)
{
	int fd = memfile(NULL, 0);
	nn_writer_options o = { 3, make_threads, batch_rows };
	nn_error err = { 0 };
	nn_writer *w = nn_writer_open_fd(fd, s, &o, &err);
	unsigned char *cols[NN_MAX_FIELDS];

	if (!w || (make_in_caller && nn_writer_set_threads(w, 0, &err)))
		abort();
	for (size_t f = 0; f < s->nfields; f++)
		cols[f] = malloc(chunk * s->fields[f].row_bytes + 1);
	for (size_t done = 0; done < rows; done += chunk) {
		size_t n = rows - done < chunk ? rows - done : chunk;
		fill_rows(s, done, n, cols);
		if (nn_writer_write(w, (const void *const *)cols, n, &err))
			abort();
	}
	if (nn_writer_finish(w, &err))
		abort();
	nn_writer_free(w);
	for (size_t f = 0; f < s->nfields; f++)
		free(cols[f]);
	unsigned char *buf = slurp(fd, len);
	close(fd);
	return buf;
}

/* Read a stream from bytes; return rows read or -1 with err filled;
 * *same is set when every value matched fill_rows, every column aligned
 * for its dtype. */
static int reader_threads = 1;   /* read_all's nn_reader_set_threads */

static long long read_all(const void *data, size_t len, int *same, size_t *batches,
                          nn_error *err)
{
	int fd = memfile(data, len);
	nn_reader *r = nn_reader_open_fd(fd, err);
	const nn_batch *b;
	long long rows = 0;
	int n;
	unsigned char *want[NN_MAX_FIELDS];

	*same = 1;
	if (batches)
		*batches = 0;
	if (!r) {
		close(fd);
		return -1;
	}
	if (nn_reader_set_threads(r, reader_threads, err))
		abort();
	const nn_schema *s = nn_reader_schema(r);
	while ((n = nn_reader_next(r, &b, err)) == 1) {
		for (size_t f = 0; f < s->nfields; f++)
			want[f] = malloc(b->rows * s->fields[f].row_bytes + 1);
		fill_rows(s, (size_t)rows, b->rows, want);
		for (size_t f = 0; f < s->nfields; f++) {
			if (memcmp(want[f], b->col[f], b->rows * s->fields[f].row_bytes) ||
			    (uintptr_t)b->col[f] % nn_dtype_size(s->fields[f].dtype))   /* the promise */
				*same = 0;
			free(want[f]);
		}
		rows += (long long)b->rows;
		if (batches)
			(*batches)++;
	}
	nn_reader_close(r);
	close(fd);
	return n < 0 ? -1 : rows;
}

/* read_all on n reader threads */
static long long read_all_on(int n, const void *data, size_t len, int *same, nn_error *err)
{
	int keep = reader_threads;
	reader_threads = n;
	long long rows = read_all(data, len, same, NULL, err);
	reader_threads = keep;
	return rows;
}

static void test_round_trips(void)
{
	nn_schema *s = all_dtypes();
	size_t sizes[][3] = { { 0, 1, 4 }, { 1, 1, 4 }, { 10, 3, 4 }, { 12, 12, 4 },
	                      { 13, 5, 4 }, { 1000, 77, 0 } };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t len, batches;
		nn_error err = { 0 };
		int same;
		unsigned char *buf = make_stream(s, sizes[i][0], sizes[i][1], sizes[i][2], &len);
		long long rows = read_all(buf, len, &same, &batches, &err);
		CHECK(rows == (long long)sizes[i][0] && same,
		      "round trip of every dtype: %zu rows written in chunks of %zu (%s)",
		      sizes[i][0], sizes[i][1], err.msg);
		if (sizes[i][2])
			CHECK(batches == (sizes[i][0] + sizes[i][2] - 1) / sizes[i][2],
			      "%zu rows in batches of %zu make %zu batches", sizes[i][0], sizes[i][2], batches);
		free(buf);
	}
	nn_schema_free(s);
}

/* The writer's compression thread changes when bytes are written, never
 * which: the same stream with and without it (nn_writer_set_threads 0), and a
 * write error met by the thread is returned by a later call. */
static void test_background(void)
{
	nn_schema *s = all_dtypes();
	size_t a_len, b_len;
	unsigned char *a, *b;
	int same;
	nn_error err = { 0 };

	make_in_caller = 1;
	a = make_stream(s, 5000, 333, 64, &a_len);
	make_in_caller = 0;
	for (make_threads = 0; make_threads <= 4; make_threads++) {
		b = make_stream(s, 5000, 333, 64, &b_len);
		CHECK(a_len == b_len && !memcmp(a, b, a_len),
		      "compressing in %d writer thread%s gives the same bytes as in the caller's "
		      "(%zu and %zu bytes)", make_threads, make_threads == 1 ? "" : "s", a_len, b_len);
		CHECK(read_all(b, b_len, &same, NULL, &err) == 5000 && same,
		      "79 batches written by %d thread%s read back (%s)", make_threads,
		      make_threads == 1 ? "" : "s", err.msg);
		free(b);
	}
	make_threads = 0;
	free(a);

	/* a pipe whose reader is gone: EPIPE from the thread */
	int p[2];
	nn_writer_options o = { 3, 2, 16 };
	unsigned char *cols[NN_MAX_FIELDS];
	int failed = 0;
	if (pipe(p))
		abort();
	signal(SIGPIPE, SIG_IGN);
	nn_writer *w = nn_writer_open_fd(p[1], s, &o, &err);
	close(p[0]);
	for (size_t f = 0; f < s->nfields; f++)
		cols[f] = calloc(16, s->fields[f].row_bytes);
	for (int i = 0; i < 100 && !failed; i++)
		failed = nn_writer_write(w, (const void *const *)cols, 16, &err) != 0;
	if (!failed)
		failed = nn_writer_finish(w, &err) != 0;
	CHECK(failed && err.code == NN_EPIPE, "a broken pipe met by a thread is reported (%s)", err.msg);
	CHECK(nn_writer_write(w, (const void *const *)cols, 1, &err) == -1,
	      "after that the writer fails every call");
	nn_writer_free(w);
	close(p[1]);
	for (size_t f = 0; f < s->nfields; f++)
		free(cols[f]);
	signal(SIGPIPE, SIG_DFL);
	nn_schema_free(s);
}

static void test_schema_survives(void)
{
	nn_schema *s = nn_schema_new("data", NULL);
	uint64_t img[2] = { 28, 28 };
	const char *names[] = { "T-shirt/top", "Trouser", "Pullover" };
	const char *args[] = { "--label", "species", "iris.csv" };
	nn_schema_add_field(s, "x", NN_U8, 2, img, NULL);
	nn_schema_add_field(s, "y", NN_I32, 0, NULL, NULL);
	CHECK(nn_schema_set_classes(s, 1, 3, names, NULL) == 0, "class names on an i32 field");
	CHECK(nn_schema_set_classes(s, 0, 3, names, NULL) == -1, "no class names on an image field");
	uint64_t three = 3, four = 4;
	nn_schema_add_field(s, "p", NN_F32, 1, &three, NULL);
	nn_schema_add_field(s, "q", NN_F32, 1, &four, NULL);
	CHECK(nn_schema_set_classes(s, 2, 3, names, NULL) == 0, "class names on an f32 [3] probability field");
	CHECK(nn_schema_set_classes(s, 3, 3, names, NULL) == -1, "no 3 class names on an f32 [4] field");
	nn_schema_set_provenance(s, "nn-test", "0.0", 3, args, NULL);
	nn_schema_set_seed(s, 42);
	/* {"layers": [784, 10]} */
	const unsigned char meta[] = { 0x81, 0xa6, 'l', 'a', 'y', 'e', 'r', 's', 0x92, 0xcd, 0x03, 0x10, 0x0a };
	CHECK(nn_schema_set_meta(s, meta, sizeof meta, NULL) == 0, "metadata map accepted");
	CHECK(nn_schema_set_meta(s, meta, sizeof meta - 1, NULL) == -1, "cut metadata refused");

	size_t len;
	unsigned char *buf = make_stream(s, 5, 2, 2, &len);
	int fd = memfile(buf, len);
	nn_error err = { 0 };
	nn_reader *r = nn_reader_open_fd(fd, &err);
	const nn_schema *t = r ? nn_reader_schema(r) : NULL;
	CHECK(t && nn_schema_compare(s, t, &err) == 0, "fields, shapes, classes read back (%s)", err.msg);
	CHECK(t && t->has_seed && t->seed == 42 && t->nargs == 3 && !strcmp(t->args[1], "species") &&
	      !strcmp(t->program, "nn-test"), "provenance read back");
	CHECK(t && t->meta_len == sizeof meta && !memcmp(t->meta, meta, sizeof meta), "metadata read back");
	CHECK(t && t->fields[0].row_bytes == 784 && t->fields[0].ndim == 2, "image shape [28,28] of u8");
	nn_reader_close(r);
	close(fd);

	nn_schema *other = nn_schema_clone(s, NULL);
	free(other->fields[1].classes[2]);
	other->fields[1].classes[2] = strdup("Dress");
	CHECK(nn_schema_compare(s, other, &err) == -1 && strstr(err.msg, "'y'") && strstr(err.msg, "Dress"),
	      "schema comparison names the differing class: %s", err.msg);
	nn_schema_free(other);
	free(buf);
	nn_schema_free(s);
}

static nn_schema *small_schema(nn_dtype xt)
{
	nn_schema *s = nn_schema_new("data", NULL);
	uint64_t shape[1] = { 3 };
	nn_schema_add_field(s, "x", xt, 1, shape, NULL);
	nn_schema_add_field(s, "y", NN_I32, 0, NULL, NULL);
	return s;
}

static void test_concatenation(void)
{
	nn_schema *s = small_schema(NN_F32);
	size_t la, lb;
	unsigned char *a = make_stream(s, 7, 7, 3, &la);
	unsigned char *b = make_stream(s, 5, 5, 3, &lb);
	unsigned char *ab = malloc(la + lb);
	memcpy(ab, a, la);
	memcpy(ab + la, b, lb);
	int fd = memfile(ab, la + lb);
	nn_error err = { 0 };
	nn_reader *r = nn_reader_open_fd(fd, &err);
	const nn_batch *batch;
	long long rows = 0;
	int n;
	while ((n = nn_reader_next(r, &batch, &err)) == 1)
		rows += (long long)batch->rows;
	CHECK(n == 0 && rows == 12 && nn_reader_members(r) == 2,
	      "cat of two streams reads as one of 12 rows in 2 members (%s)", err.msg);
	nn_reader_close(r);
	close(fd);

	/* the same bytes with a schema of another dtype behind them */
	nn_schema *s2 = small_schema(NN_F64);
	free(b);
	b = make_stream(s2, 5, 5, 3, &lb);
	ab = realloc(ab, la + lb);
	memcpy(ab + la, b, lb);
	int same;
	rows = read_all(ab, la + lb, &same, NULL, &err);
	CHECK(rows == -1 && strstr(err.msg, "another schema") && strstr(err.msg, "'x'") &&
	      strstr(err.msg, "f32") && strstr(err.msg, "f64"),
	      "concatenation with another dtype fails naming the field: %s", err.msg);

	/* trailing garbage after a complete stream */
	memcpy(ab + la, "garbage!", 8);
	rows = read_all(ab, la + 8, &same, NULL, &err);
	CHECK(rows == -1 && strstr(err.msg, "trailing"), "trailing garbage is an error: %s", err.msg);
	free(a);
	free(b);
	free(ab);
	nn_schema_free(s);
	nn_schema_free(s2);
}

/* The promise of the format: cut anywhere, flip any bit, and no reader
 * takes it for a valid stream. */
static void test_damage(void)
{
	nn_schema *s = small_schema(NN_F32);
	size_t len;
	unsigned char *buf = make_stream(s, 10, 10, 3, &len);   /* 4 batches */
	int same, cut_ok = 0, flip_ok = 0, flips = 0;
	nn_error err = { 0 };

	for (size_t cut = 0; cut < len; cut++)
		if (read_all(buf, cut, &same, NULL, &err) >= 0)
			cut_ok++;
	CHECK(cut_ok == 0, "a stream cut at any of %zu byte offsets fails (%d did not)", len, cut_ok);

	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (unsigned char)(1 << bit);
			if (read_all(buf, len, &same, NULL, &err) >= 0) {
				flip_ok++;
				printf("# flip at byte %zu bit %d still reads (same=%d)\n", i, bit, same);
			}
			flips++;
			buf[i] ^= (unsigned char)(1 << bit);
		}
	CHECK(flip_ok == 0, "every one of %d single-bit flips fails (%d did not)", flips, flip_ok);
	CHECK(read_all(buf, len, &same, NULL, &err) == 10 && same, "the undamaged stream still reads");
	free(buf);
	nn_schema_free(s);
}

/* The reader's read-ahead thread changes when frames are decompressed,
 * never what a caller sees: every cut and every bit flip of a stream of
 * two members gives the same rows and the same message with and without
 * it (nn_reader_set_threads 0); and closing a reader whose thread waits for
 * input that never comes returns at once. */
static void test_read_ahead(void)
{
	nn_schema *s = small_schema(NN_F32);
	size_t len, one;
	unsigned char *a = make_stream(s, 10, 10, 3, &one), *buf = malloc(2 * one);
	int differ = 0, runs = 0, same;
	nn_error e1 = { 0 }, e2 = { 0 };

	memcpy(buf, a, one);
	memcpy(buf + one, a, one);
	len = 2 * one;
	/* under valgrind (NN_TEST_STRIDE set) every 13th cut on 2 and 3 threads */
	const char *stride = getenv("NN_TEST_STRIDE");
	for (reader_threads = 0; reader_threads <= 3; reader_threads++) {
		size_t step = reader_threads != 1 && stride && atoi(stride) > 1 ? 13 : 1;
		differ = runs = 0;
		for (size_t cut = 0; cut <= len; cut += step)
			for (int bit = -1; bit < 8; bit += cut < len ? 1 : 9) {
				if (bit >= 0)
					buf[cut] ^= (unsigned char)(1 << bit);
				long long r1 = read_all_on(0, buf, bit >= 0 ? len : cut, &same, &e1);
				long long r2 = read_all(buf, bit >= 0 ? len : cut, &same, NULL, &e2);
				if (r1 != r2 || (r1 < 0 && strcmp(e1.msg, e2.msg))) {
					if (differ++ < 3)
						printf("# cut %zu bit %d: %lld '%s' without, %lld '%s' with\n",
						       cut, bit, r1, e1.msg, r2, e2.msg);
				}
				runs++;
				if (bit >= 0)
					buf[cut] ^= (unsigned char)(1 << bit);
			}
		CHECK(differ == 0, "%d cut or flipped streams read the same with and without read-ahead "
		      "on %d thread%s (%d differ)", runs, reader_threads, reader_threads != 1 ? "s" : "",
		      differ);
	}
	reader_threads = 1;

	/* frames over 4 MiB (decoded in place, not copied) among smaller ones,
	 * whole and cut inside the first big one and inside the last */
	{
		nn_schema *big = nn_schema_new("data", NULL);
		uint64_t shape[1] = { 1u << 20 };
		size_t blen;
		nn_schema_add_field(big, "x", NN_U8, 1, shape, NULL);
		unsigned char *bs = make_stream(big, 12, 12, 5, &blen);
		size_t cuts[] = { blen, blen / 3, blen - 30 };
		differ = 0;
		for (reader_threads = 1; reader_threads <= 3; reader_threads++)
			for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
				long long r1 = read_all_on(0, bs, cuts[c], &same, &e1);
				long long r2 = read_all(bs, cuts[c], &same, NULL, &e2);
				if (r1 != r2 || (r1 < 0 && strcmp(e1.msg, e2.msg)) || (c == 0 && (r2 != 12 || !same)))
					differ++, printf("# %d threads, %zu of %zu bytes: %lld '%s', %lld '%s'\n",
					                 reader_threads, cuts[c], blen, r1, e1.msg, r2, e2.msg);
			}
		reader_threads = 1;
		CHECK(differ == 0, "batches of 5 MiB (decoded in place) and 2 MiB (copied) read the same "
		      "on 1 to 3 threads, whole and cut");
		free(bs);
		nn_schema_free(big);
	}

	/* the threads are set before the first batch, 0 to NN_MAX_READER_THREADS */
	int fd = memfile(a, one);
	nn_reader *r = nn_reader_open_fd(fd, &e1);
	const nn_batch *b;
	CHECK(r && nn_reader_set_threads(r, -1, &e1) && e1.code == NN_EARG &&
	      nn_reader_set_threads(r, NN_MAX_READER_THREADS + 1, &e1) &&
	      !nn_reader_set_threads(r, 4, &e1) && nn_reader_next(r, &b, &e1) == 1 &&
	      nn_reader_set_threads(r, 2, &e1) && e1.code == NN_EARG,
	      "reader threads: -1 and %d refused, 4 taken, none after the first batch (%s)",
	      NN_MAX_READER_THREADS + 1, e1.msg);
	nn_reader_close(r);
	close(fd);

	/* a pipe that stays open: the thread is blocked in read() */
	for (int n = 1; n <= 2; n++) {
		int p[2];
		if (pipe(p) || write(p[1], a, one - 40) != (ssize_t)(one - 40))
			abort();
		memset(&e1, 0, sizeof e1);
		r = nn_reader_open_fd(p[0], &e1);
		int got = r && !nn_reader_set_threads(r, n, &e1) ? nn_reader_next(r, &b, &e1) : -1;
		alarm(10);   /* a hang fails the test */
		nn_reader_close(r);
		alarm(0);
		CHECK(got == 1, "a batch read from an open pipe on %d thread%s (%s), and close returned",
		      n, n > 1 ? "s" : "", e1.msg);
		close(p[0]);
		close(p[1]);
	}
	free(a);
	free(buf);
	nn_schema_free(s);
}

/* Threads of this process now (the entries of /proc/self/task). */
static int threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The library's thread options, as a program would see them: a reader
 * set to 0 threads and a writer set to 0 start none; 2 and the default
 * start theirs.  (tests/long/threads.bats counts a program's threads with strace.) */
static void test_thread_counts(void)
{
	nn_schema *s = small_schema(NN_F32);
	size_t len;
	unsigned char *a = make_stream(s, 100, 100, 3, &len);
	nn_error err = { 0 };
	const nn_batch *b;
	int base = threads_now();

	for (int n = 0; n <= 2; n += 2) {
		int fd = memfile(a, len);
		nn_reader *r = nn_reader_open_fd(fd, &err);
		int got = r && !nn_reader_set_threads(r, n, &err) ? nn_reader_next(r, &b, &err) : -1;
		int during = threads_now();
		nn_reader_close(r);
		close(fd);
		CHECK(got == 1 && during == base + n && threads_now() == base,
		      "a reader on %d read-ahead threads runs %d threads beside the caller's (%d; %s)",
		      n, n, during - base, err.msg);
	}

	unsigned char *cols[2];
	for (size_t f = 0; f < 2; f++)
		cols[f] = calloc(64, s->fields[f].row_bytes);
	for (int n = -1; n <= 2; n++) {   /* -1: the options' default */
		int fd = memfile(NULL, 0);
		nn_writer_options o = { 3, 2, 4 };
		nn_writer *w = nn_writer_open_fd(fd, s, &o, &err);
		int bad = !w || (n >= 0 && nn_writer_set_threads(w, n, &err)) ||
		          nn_writer_write(w, (const void *const *)cols, 64, &err);
		int during = threads_now(), want = n < 0 ? 2 : n;
		bad |= nn_writer_finish(w, &err) != 0;
		CHECK(!bad && during == base + want,
		      "a writer with %d compression threads%s runs %d beside the caller's (%s)", want,
		      n < 0 ? " (options)" : " (nn_writer_set_threads)", during - base, err.msg);
		if (n == 2)
			CHECK(nn_writer_set_threads(w, 1, &err) == -1 && err.code == NN_EARG &&
			      nn_writer_set_threads(w, 0, &err) == -1,
			      "threads are not set after the first batch (%s)", err.msg);
		nn_writer_free(w);
		close(fd);
	}
	int fd = memfile(NULL, 0);
	nn_writer *w = nn_writer_open_fd(fd, s, NULL, &err);
	CHECK(w && nn_writer_set_threads(w, -1, &err) == -1 &&
	      nn_writer_set_threads(w, NN_MAX_WRITER_THREADS + 1, &err) == -1 &&
	      !nn_writer_set_threads(w, NN_MAX_WRITER_THREADS, &err),
	      "writer threads: -1 and %d refused, %d taken", NN_MAX_WRITER_THREADS + 1,
	      NN_MAX_WRITER_THREADS);
	nn_writer_free(w);
	close(fd);
	for (size_t f = 0; f < 2; f++)
		free(cols[f]);
	free(a);
	nn_schema_free(s);
}

/* Compress one msgpack object into a frame, as a hostile writer would. */
static size_t frame(const void *obj, size_t n, unsigned char *out, size_t cap)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	size_t r = ZSTD_compress2(c, out, cap, obj, n);
	ZSTD_freeCCtx(c);
	if (ZSTD_isError(r))
		abort();
	return r;
}

static void test_hostile(void)
{
	unsigned char out[4096];
	nn_error err = { 0 };
	int same;
	msgpack_sbuffer sb;
	msgpack_packer pk;

	/* a map header claiming 2^32-1 entries in 5 bytes */
	const unsigned char bomb[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	size_t n = frame(bomb, sizeof bomb, out, sizeof out);
	CHECK(read_all(out, n, &same, NULL, &err) == -1, "5-byte map claiming 4G entries: %s", err.msg);

	/* a header whose field claims a shape of 2^40 x 2^40 */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	msgpack_pack_str_with_body(&pk, "type", 4); msgpack_pack_str_with_body(&pk, "header", 6);
	msgpack_pack_str_with_body(&pk, "format", 6); msgpack_pack_str_with_body(&pk, "nnpipe", 6);
	msgpack_pack_str_with_body(&pk, "version", 7); msgpack_pack_uint8(&pk, 1);
	msgpack_pack_str_with_body(&pk, "kind", 4); msgpack_pack_str_with_body(&pk, "data", 4);
	msgpack_pack_str_with_body(&pk, "fields", 6); msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 3);
	msgpack_pack_str_with_body(&pk, "name", 4); msgpack_pack_str_with_body(&pk, "x", 1);
	msgpack_pack_str_with_body(&pk, "dtype", 5); msgpack_pack_str_with_body(&pk, "f64", 3);
	msgpack_pack_str_with_body(&pk, "shape", 5); msgpack_pack_array(&pk, 2);
	msgpack_pack_uint64(&pk, 1ull << 40); msgpack_pack_uint64(&pk, 1ull << 40);
	n = frame(sb.data, sb.size, out, sizeof out);
	CHECK(read_all(out, n, &same, NULL, &err) == -1 && strstr(err.msg, "shape too large"),
	      "header claiming a 2^80-element row: %s", err.msg);
	msgpack_sbuffer_destroy(&sb);

	/* a frame without a content checksum */
	nn_schema *s = small_schema(NN_F32);
	size_t len;
	unsigned char *buf = make_stream(s, 2, 2, 2, &len);
	ZSTD_DCtx *d = ZSTD_createDCtx();
	unsigned char obj[4096];
	size_t on = ZSTD_decompressDCtx(d, obj, sizeof obj, buf, len);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t fn = ZSTD_compress2(c, out, sizeof out, obj, ZSTD_isError(on) ? 0 : on);
	CHECK(read_all(out, fn, &same, NULL, &err) == -1 && strstr(err.msg, "checksum"),
	      "a frame without checksum is refused: %s", err.msg);
	ZSTD_freeCCtx(c);
	ZSTD_freeDCtx(d);

	/* not zstd at all, and empty */
	CHECK(read_all("a,b,c\n1,2,3\n", 12, &same, NULL, &err) == -1 && strstr(err.msg, "not an nn stream"),
	      "CSV where a stream is due: %s", err.msg);
	CHECK(read_all("", 0, &same, NULL, &err) == -1 && strstr(err.msg, "empty"),
	      "empty input: %s", err.msg);
	free(buf);
	nn_schema_free(s);
}

/* zstd -dc plus any msgpack library reads a stream: msgpack-c's own
 * unpacker walks the decompressed bytes as header, batches, trailer. */
static void test_interop(void)
{
	nn_schema *s = small_schema(NN_F32);
	size_t len, objects = 0;
	unsigned char *buf = make_stream(s, 10, 10, 4, &len);
	size_t total = 1 << 20;  /* ample for 10 rows */
	char *plain = malloc(total);
	ZSTD_DCtx *d = ZSTD_createDCtx();
	size_t plen = ZSTD_decompressDCtx(d, plain, total, buf, len);
	msgpack_unpacked u;
	size_t off = 0;
	int types_ok = 1;

	msgpack_unpacked_init(&u);
	while (!ZSTD_isError(plen) && msgpack_unpack_next(&u, plain, plen, &off) == MSGPACK_UNPACK_SUCCESS) {
		msgpack_object o = u.data;
		const char *want = objects == 0 ? "header" : objects == 4 ? "end" : "batch";
		msgpack_object_kv *kv = o.via.map.ptr;
		if (o.type != MSGPACK_OBJECT_MAP || kv[0].val.type != MSGPACK_OBJECT_STR ||
		    kv[0].val.via.str.size != strlen(want) || memcmp(kv[0].val.via.str.ptr, want, strlen(want)))
			types_ok = 0;
		objects++;
	}
	CHECK(objects == 5 && types_ok && off == plen,
	      "msgpack-c reads header, 3 batches, trailer from zstd -dc output (%zu objects)", objects);
	msgpack_unpacked_destroy(&u);
	ZSTD_freeDCtx(d);
	free(plain);
	free(buf);
	nn_schema_free(s);
}

static void test_limits(void)
{
	nn_schema *s = nn_schema_new("data", NULL);
	uint64_t big[1] = { 1ull << 30 }, zero[1] = { 0 };
	CHECK(nn_schema_add_field(s, "x", NN_F32, 1, big, NULL) == -1, "a 4 GiB row is refused");
	CHECK(nn_schema_add_field(s, "x", NN_F32, 1, zero, NULL) == -1, "a zero dimension is refused");
	CHECK(nn_schema_add_field(s, "", NN_F32, 0, NULL, NULL) == -1, "an empty name is refused");
	CHECK(nn_schema_add_field(s, "x", NN_F32, 0, NULL, NULL) == 0 &&
	      nn_schema_add_field(s, "x", NN_F32, 0, NULL, NULL) == -1, "a duplicate name is refused");
	nn_schema_free(s);

	/* a writer never writes what a reader refuses */
	s = nn_schema_new("data", NULL);
	nn_schema_add_field(s, "y", NN_I32, 0, NULL, NULL);
	char *long_arg = malloc(NN_MAX_ARG_BYTES + 2);
	memset(long_arg, 'a', NN_MAX_ARG_BYTES + 1);
	long_arg[NN_MAX_ARG_BYTES + 1] = 0;
	const char *args[] = { long_arg };
	nn_error err = { 0 };
	CHECK(nn_schema_set_provenance(s, "p", "v", 1, args, &err) == -1,
	      "an argument too long to read back is refused: %s", err.msg);
	free(long_arg);
	const char **names = malloc(20000 * sizeof *names);
	char *text = malloc(20000 * 255);
	for (int i = 0; i < 20000; i++) {
		char *n = text + (size_t)i * 255;
		snprintf(n, 255, "%0250d", i);
		names[i] = n;
	}
	nn_schema_set_classes(s, 0, 20000, names, NULL);
	int fd = memfile(NULL, 0);
	nn_writer *w = nn_writer_open_fd(fd, s, NULL, &err);
	CHECK(!w && err.code == NN_ELIMIT, "a 5 MB header is refused by the writer: %s", err.msg);
	nn_writer_free(w);
	close(fd);
	free(names);
	free(text);
	nn_schema_free(s);
	size_t r;
	CHECK(nn_size_mul(SIZE_MAX / 2 + 1, 2, &r) == -1 && nn_size_add(SIZE_MAX, 1, &r) == -1,
	      "size arithmetic reports overflow");
}

/* str fields: text padded with NUL bytes reads back as written; a row
 * with a byte after its padding, or not UTF-8, is refused as corrupt,
 * naming the row; the schema allows only [W], W up to the limit. */
static void test_text(void)
{
	nn_schema *s = nn_schema_new("data", NULL);
	uint64_t w[1] = { 8 }, wide[1] = { NN_MAX_STR_BYTES + 1 }, two[2] = { 2, 4 };
	nn_error err = { 0 };
	CHECK(nn_schema_add_field(s, "a", NN_STR, 1, wide, &err) == -1 &&
	      nn_schema_add_field(s, "b", NN_STR, 2, two, &err) == -1 &&
	      nn_schema_add_field(s, "c", NN_STR, 0, NULL, &err) == -1,
	      "str fields are [W], W up to NN_MAX_STR_BYTES: %s", err.msg);
	CHECK(nn_schema_add_field(s, "id", NN_STR, 1, w, &err) == 0 &&
	      nn_schema_set_classes(s, 0, 1, (const char *const[]){ "k" }, &err) == -1,
	      "a str field of [8], with no class names: %s", err.msg);

	static const char good[3][8] = { "a1", "caf\xc3\xa9", "" };
	const char *bad[2] = { "b2\0\0x\0\0\0", "\xe9t\xe9\0\0\0\0\0" };
	for (int k = -1; k < 2; k++) {
		char rows[3][8];
		memcpy(rows, good, sizeof rows);
		if (k >= 0)
			memcpy(rows[1], bad[k], 8);
		int fd = memfile(NULL, 0);
		nn_writer *wr = nn_writer_open_fd(fd, s, NULL, &err);
		const void *cols[1] = { rows };
		if (!wr || nn_writer_write(wr, cols, 3, &err) || nn_writer_finish(wr, &err))
			abort();
		nn_writer_free(wr);
		lseek(fd, 0, SEEK_SET);
		nn_reader *r = nn_reader_open_fd(fd, &err);
		const nn_batch *b = NULL;
		int rc = r ? nn_reader_next(r, &b, &err) : -1;
		if (k < 0)
			CHECK(rc == 1 && b->rows == 3 && !memcmp(b->col[0], good, sizeof good),
			      "text padded with NUL bytes reads back: %s", err.msg);
		else
			CHECK(rc == -1 && err.code == NN_EDATA && strstr(err.msg, "row 2 of str field 'id'"),
			      "a %s is refused as corrupt, naming the row: %s",
			      k ? "row that is not UTF-8" : "byte after the padding", err.msg);
		nn_reader_close(r);
		close(fd);
	}
	nn_schema_free(s);
}

int main(void)
{
	test_text();
	test_round_trips();
	test_background();
	test_schema_survives();
	test_concatenation();
	test_damage();
	test_read_ahead();
	test_thread_counts();
	test_hostile();
	test_interop();
	test_limits();
	return check_done();
}
