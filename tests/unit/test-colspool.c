/* test-colspool.c — rows put in pieces of one size come back the same in
 * pieces of any other size (across the pieces put), a column asked with
 * NULL is passed over, nothing is left in the folder, and misuse is
 * refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/colspool.h"
#include "check.h"

enum { ROWS = 1000 };

/* Column i of row r: the byte at k of its width w. */
static unsigned char val(size_t i, size_t r, size_t k)
{
	return (unsigned char)(r * 7 + i * 31 + k * 3);
}

static void fill(unsigned char *c, size_t i, size_t w, size_t from, size_t n)
{
	for (size_t r = 0; r < n; r++)
		for (size_t k = 0; k < w; k++)
			c[r * w + k] = val(i, from + r, k);
}

static int same(const unsigned char *c, size_t i, size_t w, size_t from, size_t n)
{
	for (size_t r = 0; r < n; r++)
		for (size_t k = 0; k < w; k++)
			if (c[r * w + k] != val(i, from + r, k))
				return 0;
	return 1;
}

/* Put ROWS rows in pieces of `put` rows, get them in pieces of `get`. */
static int round_trip(const char *dir, size_t put, size_t get)
{
	static const size_t width[3] = { 12, 8, 5 };
	unsigned char *c[3], *d[3];
	nn_error err = { 0 };
	nn_colspool *s = nn_colspool_new(dir, "t", 3, width, &err);
	int ok = s != NULL;

	for (size_t i = 0; i < 3; i++) {
		c[i] = malloc(ROWS * width[i]);
		d[i] = malloc(ROWS * width[i]);
	}
	for (size_t at = 0; ok && at < ROWS; at += put) {
		size_t n = ROWS - at < put ? ROWS - at : put;
		for (size_t i = 0; i < 3; i++)
			fill(c[i], i, width[i], at, n);
		ok = !nn_colspool_put(s, (const void *const *)c, n, &err);
	}
	ok = ok && nn_colspool_rows(s) == ROWS;
	for (size_t at = 0; ok && at < ROWS; at += get) {
		size_t n = ROWS - at < get ? ROWS - at : get;
		void *to[3] = { d[0], at % 2 ? NULL : d[1], d[2] };   /* column 1 every other time */
		memset(d[1], 0xee, n * width[1]);
		ok = !nn_colspool_get(s, to, n, &err) && same(d[0], 0, width[0], at, n) &&
		     same(d[2], 2, width[2], at, n) &&
		     (at % 2 ? d[1][0] == 0xee : same(d[1], 1, width[1], at, n));
	}
	ok = ok && nn_colspool_left(s) == 0;
	if (ok) {
		ok = nn_colspool_get(s, (void *[]){ d[0], d[1], d[2] }, 1, &err) && err.code == NN_EARG;
		ok = ok && nn_colspool_put(s, (const void *const *)c, 1, &err) && err.code == NN_EARG;
	}
	for (size_t i = 0; i < 3; i++) {
		free(c[i]);
		free(d[i]);
	}
	nn_colspool_free(s);
	return ok;
}

int main(void)
{
	char dir[] = "/tmp/test-colspool.XXXXXX";
	nn_error err = { 0 };

	if (!mkdtemp(dir))
		return 1;
	CHECK(round_trip(dir, 64, 64), "pieces of 64 back in pieces of 64");
	CHECK(round_trip(dir, 64, 100), "pieces of 64 back in pieces of 100 (across the pieces put)");
	CHECK(round_trip(dir, 333, 7), "pieces of 333 back in pieces of 7");
	CHECK(round_trip(dir, 1, ROWS), "rows one at a time back all at once");
	CHECK(round_trip(dir, ROWS, 1), "all at once back one at a time");

	size_t w0[2] = { 4, 0 };
	CHECK(!nn_colspool_new(dir, "t", 2, w0, &err) && err.code == NN_EARG, "a zero width: %s", err.msg);
	CHECK(!nn_colspool_new(dir, "t", 0, w0, &err) && err.code == NN_EARG, "no columns: %s", err.msg);
	nn_colspool *s = nn_colspool_new(dir, "t", 1, w0, &err);
	CHECK(s && !nn_colspool_get(s, (void *[]){ NULL }, 0, &err), "an empty spool gives no rows");
	nn_colspool_free(s);
	CHECK(rmdir(dir) == 0, "nothing left in the folder: it can be removed");
	CHECK(!nn_colspool_new(dir, "t", 1, w0, &err) && err.code == NN_EIO && strstr(err.msg, dir),
	      "a missing folder is named: %s", err.msg);
	nn_colspool_free(NULL);
	return check_done();
}
