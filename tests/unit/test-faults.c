/* test-faults.c — allocation failures: fail the Nth allocation, for N = 1,
 * 2, … until a run needs no more, over libcommon's writer, reader, model
 * and parameters code.  Every failed run must return an error (code
 * NN_ENOMEM, a message) and free everything it allocated; the run that
 * fails nothing must give the same result as an uninjected one.
 *
 * How: this program defines malloc, calloc, realloc, free and the aligned
 * allocators itself (glibc supports replacing them; the real ones are its
 * __libc_* entry points).  A definition in the executable takes precedence
 * over libc's for every shared library too, so the allocations inside
 * libzstd and msgpack-c fail as well as libcommon's own.  A count of live
 * blocks before and after each run catches leaks on the failure paths.
 * Under AddressSanitizer, whose runtime owns malloc, the test is skipped;
 * make check-valgrind runs it under valgrind (which wraps __libc_malloc).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn/model.h"
#include "nn/params.h"
#include "nn/stream.h"
#include "check.h"

#if defined(__SANITIZE_ADDRESS__)
int main(void)
{
	printf("ok 1 # SKIP allocation failures are not injected under AddressSanitizer\n1..1\n");
	return 0;
}
#else

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t align, size_t n);
void *memalign(size_t align, size_t n);
void *pvalloc(size_t n);

static long fail_at;          /* fail the fail_at-th allocation; 0: none */
static long counted;          /* allocations since arming */
static int injected;          /* the failure happened */
static long live;             /* blocks allocated and not freed */

static int should_fail(void)
{
	if (!fail_at)
		return 0;
	if (++counted == fail_at) {
		injected = 1;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	if (should_fail())
		return errno = ENOMEM, NULL;
	void *p = __libc_malloc(n);
	live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	if (should_fail())
		return errno = ENOMEM, NULL;
	void *p = __libc_calloc(n, size);
	live += p != NULL;
	return p;
}

void *realloc(void *old, size_t n)
{
	if (!old)
		return malloc(n);
	if (n == 0) {
		free(old);
		return NULL;
	}
	if (should_fail())
		return errno = ENOMEM, NULL;
	return __libc_realloc(old, n);
}

void free(void *p)
{
	live -= p != NULL;
	__libc_free(p);
}

void *memalign(size_t align, size_t n)
{
	if (should_fail())
		return errno = ENOMEM, NULL;
	void *p = __libc_memalign(align, n);
	live += p != NULL;
	return p;
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p = memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t n)
{
	return memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return memalign(page, (n + page - 1) / page * page);
}

/* --- the code under test ------------------------------------------------ */

static unsigned char *ref_stream, *ref_model, *ref_params;
static size_t ref_stream_len, ref_model_len, ref_params_len;

static int memfile(const void *data, size_t len)
{
	int fd = memfd_create("nn-faults", 0);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static unsigned char *slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char *buf = __libc_malloc((size_t)end + 1);
	if (!buf || pread(fd, buf, (size_t)end, 0) != end)
		abort();
	*len = (size_t)end;
	return buf;
}

#define ROWS 300

/* Write a stream of three fields (one with class names), provenance and
 * metadata, in several batches, to fd. */
static int write_stream(int fd, nn_error *err)
{
	static float x[ROWS * 6];
	static int32_t y[ROWS];
	static uint8_t img[ROWS * 4];
	const char *const classes[] = { "no", "yes", "maybe" };
	const char *const args[] = { "--seed", "3", "in.nns" };
	static const unsigned char meta[] = { 0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0x91, 0xc3 };
	uint64_t xs[2] = { 2, 3 }, is[1] = { 4 };
	nn_writer_options opts = { 3, 0, 64 };
	nn_writer *w = NULL;
	int rc = -1;

	for (int i = 0; i < ROWS; i++) {
		for (int k = 0; k < 6; k++)
			x[i * 6 + k] = (float)(i * k) / 7.0f;
		y[i] = i % 3;
		for (int k = 0; k < 4; k++)
			img[i * 4 + k] = (uint8_t)(i + k);
	}
	nn_schema *s = nn_schema_new("data", err);
	if (!s || nn_schema_add_field(s, "x", NN_F32, 2, xs, err) ||
	    nn_schema_add_field(s, "y", NN_I32, 0, NULL, err) ||
	    nn_schema_add_field(s, "img", NN_U8, 1, is, err) ||
	    nn_schema_set_classes(s, 1, 3, classes, err) ||
	    nn_schema_set_provenance(s, "nn-test", "1.0", 3, args, err) ||
	    nn_schema_set_meta(s, meta, sizeof meta, err))
		goto out;
	nn_schema_set_seed(s, 3);
	nn_schema *copy = nn_schema_clone(s, err);
	if (!copy)
		goto out;
	int differ = nn_schema_compare(s, copy, err);
	nn_schema_free(copy);
	if (differ)
		goto out;
	if (!(w = nn_writer_open_fd(fd, s, &opts, err)))
		goto out;
	for (int done = 0; done < ROWS; done += 100) {
		const void *cols[3] = { x + done * 6, y + done, img + done * 4 };
		if (nn_writer_write(w, cols, 100, err))
			goto out;
	}
	rc = nn_writer_finish(w, err);
out:
	nn_writer_free(w);
	nn_schema_free(s);
	return rc;
}

static int run_write(nn_error *err, int verify)
{
	int fd = memfd_create("nn-faults", 0);
	int rc = write_stream(fd, err);
	if (rc == 0 && verify) {
		size_t len;
		unsigned char *got = slurp(fd, &len);
		rc = len == ref_stream_len && !memcmp(got, ref_stream, len) ? 0 : -2;
		__libc_free(got);
	}
	close(fd);
	return rc;
}

static int run_read(nn_error *err, int verify)
{
	int fd = memfile(ref_stream, ref_stream_len);
	nn_reader *r = nn_reader_open_fd(fd, err);
	const nn_batch *b;
	int rc = -1, got;
	uint64_t sum = 0;

	if (r) {
		while ((got = nn_reader_next(r, &b, err)) == 1)
			for (size_t k = 0; k < b->rows; k++)
				sum += ((const int32_t *)b->col[1])[k];
		if (got == 0)
			rc = verify && (nn_reader_rows(r) != ROWS || sum != ROWS) ? -2 : 0;
	}
	nn_reader_close(r);
	close(fd);
	return rc;
}

static int make_model(nn_error *err)
{
	size_t width[3] = { 6, 4, 3 };
	enum nn_act act[1] = { NN_ACT_RELU };
	nn_model *m = calloc(1, sizeof *m);
	nn_schema *s = NULL;
	nn_writer *w = NULL;
	int rc = -1, fd = memfd_create("nn-faults", 0);

	if (!m || !(m->mlp = nn_mlp_new(2, width, act, NN_OUT_SOFTMAX, NN_LOSS_CE, err)))
		goto out;
	for (size_t i = 0; i < m->mlp->nparams; i++)
		m->mlp->params[i] = (float)i / 10.0f;
	m->x_name = strdup("x");
	m->y_name = strdup("y");
	m->x_dtype = NN_F32;
	m->x_ndim = 2;
	m->x_shape[0] = 2;
	m->x_shape[1] = 3;
	m->classification = 1;
	m->nclasses = 3;
	const void *cols[4];
	nn_model_columns(m, cols);
	if (!m->x_name || !m->y_name || !(s = nn_model_schema(m, "model", err)) ||
	    !(w = nn_writer_open_fd(fd, s, NULL, err)) || nn_writer_write(w, cols, 1, err) ||
	    nn_writer_finish(w, err))
		goto out;
	ref_model = slurp(fd, &ref_model_len);
	rc = 0;
out:
	nn_writer_free(w);
	nn_schema_free(s);
	nn_model_free(m);
	close(fd);
	return rc;
}

static int run_model(nn_error *err, int verify)
{
	int fd = memfile(ref_model, ref_model_len);
	nn_reader *r = nn_reader_open_fd(fd, err);
	nn_model *m = r ? nn_model_read(r, err) : NULL;
	nn_schema *s = m ? nn_model_schema(m, "model", err) : NULL;
	int rc = s ? 0 : -1;

	if (rc == 0 && verify && (m->mlp->width[1] != 4 || m->mlp->params[m->mlp->woff[0] + 5] != 0.5f ||
	                          s->nfields != 4))
		rc = -2;
	nn_schema_free(s);
	nn_model_free(m);
	nn_reader_close(r);
	close(fd);
	return rc;
}

static int make_params(nn_error *err)
{
	nn_field f = { .name = "x", .dtype = NN_U8, .ndim = 1, .shape = { 5 }, .row_elems = 5 };
	nn_params p;
	nn_schema *s = NULL;
	nn_writer *w = NULL;
	int rc = -1, fd = memfd_create("nn-faults", 0);
	const void *cols[2];

	nn_params_init(&p, "nn-normalize", "zscore", &f);
	p.rows = 10;
	double *mean = nn_params_add(&p, "mean", err), *scale = nn_params_add(&p, "scale", err);
	if (!mean || !scale)
		goto out;
	for (int i = 0; i < 5; i++)
		mean[i] = i, scale[i] = 1.0 / (i + 1);
	nn_params_columns(&p, cols);
	if (!(s = nn_params_schema(&p, err)) || !(w = nn_writer_open_fd(fd, s, NULL, err)) ||
	    nn_writer_write(w, cols, 1, err) || nn_writer_finish(w, err))
		goto out;
	ref_params = slurp(fd, &ref_params_len);
	rc = 0;
out:
	nn_writer_free(w);
	nn_schema_free(s);
	nn_params_release(&p);
	close(fd);
	return rc;
}

static int run_params(nn_error *err, int verify)
{
	int fd = memfile(ref_params, ref_params_len);
	char path[64];
	nn_params p;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int rc = nn_params_read(path, "nn-normalize", &p, err);
	if (rc == 0) {
		const double *scale = nn_params_vec(&p, "scale");
		if (verify && (p.elems != 5 || !scale || scale[1] != 0.5))
			rc = -2;
		nn_params_release(&p);
	}
	close(fd);
	return rc;
}

/* Fail allocation 1, 2, … of run until a run completes; check each. */
static void sweep(const char *what, int (*run)(nn_error *, int))
{
	long n, bad_code = 0, leaks = 0, wrong = 0, first_leak = 0, first_code = 0;
	char code_msg[600] = "";

	for (n = 1; n < 100000; n++) {
		nn_error err = { 0 };
		long before = live;
		counted = 0;
		injected = 0;
		fail_at = n;
		int rc = run(&err, 1);
		fail_at = 0;
		if (live != before && !leaks++)
			first_leak = n;
		if (!injected) {
			CHECK(rc == 0, "%s: the run with no failure left (%ld allocations) gives the right result",
			      what, n - 1);
			break;
		}
		if (rc == -2 || (rc == 0 && err.code))
			wrong++;
		else if (rc && (err.code != NN_ENOMEM || !err.msg[0]) && !bad_code++) {
			first_code = n;
			snprintf(code_msg, sizeof code_msg, "%d: %s", err.code, err.msg);
		}
	}
	CHECK(leaks == 0, "%s: no leak after any failed allocation (first at allocation %ld)", what, first_leak);
	CHECK(bad_code == 0, "%s: every failure reported as out of memory (allocation %ld gave %s)",
	      what, first_code, code_msg);
	CHECK(wrong == 0, "%s: no failure gives a wrong result", what);
}

int main(void)
{
	nn_error err = { 0 };
	int fd = memfd_create("nn-faults", 0);
	if (write_stream(fd, &err) || make_model(&err) || make_params(&err)) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	ref_stream = slurp(fd, &ref_stream_len);
	close(fd);
	CHECK(run_read(&err, 1) == 0 && run_model(&err, 1) == 0 && run_params(&err, 1) == 0,
	      "the reference stream, model and parameters read back");
	sweep("nn_writer (schema, clone, 3 batches, trailer)", run_write);
	sweep("nn_reader (header, batches, trailer)", run_read);
	sweep("nn_model_read and nn_model_schema", run_model);
	sweep("nn_params_read", run_params);
	__libc_free(ref_stream);
	__libc_free(ref_model);
	__libc_free(ref_params);
	return check_done();
}
#endif
