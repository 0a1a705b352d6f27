/* libcommon/shuffle.c — a random permutation of rows in bounded memory
 * (nn/shuffle.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "nn/rng.h"
#include "nn/shuffle.h"
#include "nn/spool.h"

#define B NN_SHUFFLE_BUCKETS

enum { RNG_BUCKET = 1, RNG_SHUFFLE = 2 };   /* nn_rng streams of the seed */

struct nn_shuffle {
	size_t rowb, cap;            /* row size; rows held before spilling */
	uint64_t memory, rows, inmem;
	nn_rng bucket, shuffle;
	char *tmpdir;                /* NULL: nn_spool's default */
	/* One buffer for the rows held in memory, first while adding, then
	 * for each bucket: reused, never shrunk, so that the allocator's
	 * growing thresholds never keep a second copy resident. */
	unsigned char *held;
	size_t held_cap, peak;
	unsigned char *row;          /* one row, when moving rows between files */
	FILE *spool[B];              /* spool[0] set: spilled */
	uint64_t n[B];
	int (*emit)(void *, const void *, nn_error *);
	void *ctx;
};

static unsigned char *hold(nn_shuffle *s, uint64_t bytes, nn_error *err)
{
	if (bytes > s->held_cap) {
		unsigned char *p = bytes > SIZE_MAX / 2 ? NULL : realloc(s->held, (size_t)bytes);
		if (!p) {
			nn_error_set(err, NN_ENOMEM, "out of memory (%llu bytes)", (unsigned long long)bytes);
			return NULL;
		}
		s->held = p;
		s->held_cap = (size_t)bytes;
	}
	if (bytes > s->peak)
		s->peak = (size_t)bytes;
	return s->held;
}

static FILE *new_spool(const nn_shuffle *s, nn_error *err)
{
	FILE *f = nn_spool(s->tmpdir, "nn-shuffle", err);
	if (f)
		setvbuf(f, NULL, _IOFBF, 16 << 10);
	return f;
}

static int spool_write(FILE *f, const void *p, size_t n, nn_error *err)
{
	if (n && fwrite(p, n, 1, f) != 1)
		return nn_error_set(err, NN_EIO, "temporary file: write failed: %s", strerror(errno));
	return 0;
}

static int spool_read(FILE *f, void *p, size_t n, nn_error *err)
{
	if (n && fread(p, n, 1, f) != 1)
		return nn_error_set(err, NN_EIO, "temporary file: read failed: %s",
		                    ferror(f) ? strerror(errno) : "shorter than written");
	return 0;
}

/* Level d of buckets keeps d x B files open: raise the soft limit. */
static int open_files(int depth, nn_error *err)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)depth * B + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		return nn_error_set(err, NN_ELIMIT, "shuffling this input takes %llu open files; "
		                    "the limit is %llu (ulimit -n)", (unsigned long long)need,
		                    (unsigned long long)rl.rlim_max);
	rl.rlim_cur = need;
	setrlimit(RLIMIT_NOFILE, &rl);
	return 0;
}

static int open_buckets(const nn_shuffle *s, FILE **f, int depth, nn_error *err)
{
	if (open_files(depth, err))
		return -1;
	for (int b = 0; b < B; b++)
		if (!(f[b] = new_spool(s, err))) {
			while (b--)
				fclose(f[b]);
			f[0] = NULL;
			return -1;
		}
	return 0;
}

/* Shuffle `rows` rows of buf in memory and hand them out. */
static int shuffle_out(nn_shuffle *s, unsigned char *buf, uint64_t rows, nn_error *err)
{
	size_t rowb = s->rowb;

	/* Rows of 64 bytes or more: the same swaps on 4-byte row numbers (at
	 * most a sixteenth more memory), then each row handed out once,
	 * instead of three copies a swap. */
	if (rowb >= 64 && rows <= UINT32_MAX) {
		uint32_t *at = malloc((size_t)(rows ? rows : 1) * sizeof *at);
		int r = 0;
		if (!at)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		for (uint64_t i = 0; i < rows; i++)
			at[i] = (uint32_t)i;
		for (uint64_t i = rows; i > 1; i--) {   /* Fisher–Yates */
			uint64_t j = nn_rng_below(&s->shuffle, i);
			uint32_t t = at[j];
			at[j] = at[i - 1];
			at[i - 1] = t;
		}
		for (uint64_t i = 0; i < rows && !r; i++)
			r = s->emit(s->ctx, buf + (size_t)at[i] * rowb, err) ? -1 : 0;
		free(at);
		return r;
	}
	for (uint64_t i = rows; i > 1; i--) {   /* Fisher–Yates, rows in place */
		uint64_t j = nn_rng_below(&s->shuffle, i);
		if (j == i - 1)
			continue;
		memcpy(s->row, buf + j * rowb, rowb);
		memcpy(buf + j * rowb, buf + (i - 1) * rowb, rowb);
		memcpy(buf + (i - 1) * rowb, s->row, rowb);
	}
	for (uint64_t i = 0; i < rows; i++)
		if (s->emit(s->ctx, buf + i * rowb, err))
			return -1;
	return 0;
}

/* One bucket file f of `rows` rows: shuffled in memory, or spread again. */
static int do_bucket(nn_shuffle *s, FILE *f, uint64_t rows, int depth, nn_error *err)
{
	FILE *sub[B];
	uint64_t n[B] = { 0 };
	unsigned char *buf;
	int r = -1;

	if (fflush(f) || fseek(f, 0, SEEK_SET)) {
		nn_error_set(err, NN_EIO, "temporary file: %s", strerror(errno));
		goto out;
	}
	if (rows * s->rowb <= s->memory + s->memory / 4 || rows < 2 || depth >= NN_SHUFFLE_DEPTH) {
		if ((buf = hold(s, rows * s->rowb, err)) && !spool_read(f, buf, rows * s->rowb, err)) {
			fclose(f);
			return shuffle_out(s, buf, rows, err);
		}
		goto out;
	}
	if (open_buckets(s, sub, depth + 1, err))
		goto out;
	for (uint64_t i = 0; i < rows; i++) {
		uint64_t b = nn_rng_below(&s->bucket, B);
		if (spool_read(f, s->row, s->rowb, err) || spool_write(sub[b], s->row, s->rowb, err))
			goto subs;
		n[b]++;
	}
	fclose(f);
	f = NULL;
	for (int b = 0; b < B; b++) {
		FILE *g = sub[b];
		sub[b] = NULL;
		if (do_bucket(s, g, n[b], depth + 1, err))
			goto subs;
	}
	r = 0;
subs:
	for (int b = 0; b < B; b++)
		if (sub[b])
			fclose(sub[b]);
out:
	if (f)
		fclose(f);
	return r;
}

nn_shuffle *nn_shuffle_new(size_t row_bytes, uint64_t memory, uint64_t seed, const char *tmpdir,
                           nn_error *err)
{
	nn_shuffle *s = calloc(1, sizeof *s);

	if (!s || (tmpdir && !(s->tmpdir = strdup(tmpdir))) || !(s->row = malloc(row_bytes ? row_bytes : 1))) {
		nn_shuffle_free(s);
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	s->rowb = row_bytes ? row_bytes : 1;
	s->memory = memory;
	s->cap = memory / s->rowb ? (size_t)(memory / s->rowb) : 1;
	nn_rng_seed(&s->bucket, seed, RNG_BUCKET);
	nn_rng_seed(&s->shuffle, seed, RNG_SHUFFLE);
	return s;
}

int nn_shuffle_add(nn_shuffle *s, const void *row, nn_error *err)
{
	if (!s->held && !hold(s, (uint64_t)s->cap * s->rowb, err))
		return -1;
	if (s->inmem == s->cap && !s->spool[0]) {   /* spill what is held, keep on spilling */
		if (open_buckets(s, s->spool, 1, err))
			return -1;
		for (uint64_t j = 0; j < s->inmem; j++) {
			uint64_t k = nn_rng_below(&s->bucket, B);
			if (spool_write(s->spool[k], s->held + j * s->rowb, s->rowb, err))
				return -1;
			s->n[k]++;
		}
	}
	if (s->spool[0]) {
		uint64_t k = nn_rng_below(&s->bucket, B);
		if (spool_write(s->spool[k], row, s->rowb, err))
			return -1;
		s->n[k]++;
	} else {
		memcpy(s->held + s->inmem++ * s->rowb, row, s->rowb);
	}
	s->rows++;
	return 0;
}

int nn_shuffle_finish(nn_shuffle *s, int (*emit)(void *ctx, const void *row, nn_error *err),
                      void *ctx, nn_error *err)
{
	s->emit = emit;
	s->ctx = ctx;
	if (!s->spool[0])
		return shuffle_out(s, s->held, s->inmem, err);
	for (int k = 0; k < B; k++) {
		FILE *f = s->spool[k];
		s->spool[k] = NULL;
		if (do_bucket(s, f, s->n[k], 1, err))
			return -1;
	}
	return 0;
}

uint64_t nn_shuffle_rows(const nn_shuffle *s)
{
	return s->rows;
}

size_t nn_shuffle_peak(const nn_shuffle *s)
{
	return s->peak;
}

void nn_shuffle_free(nn_shuffle *s)
{
	if (!s)
		return;
	for (int k = 0; k < B; k++)
		if (s->spool[k])
			fclose(s->spool[k]);
	free(s->held);
	free(s->row);
	free(s->tmpdir);
	free(s);
}
