/* stream.c — reading and writing nn streams (format: nn-stream(5)).
 *
 * On disk: zstd frames, content checksum required, each frame holding
 * exactly one msgpack object:
 *
 *   {"type":"header", "format":"nnpipe", "version":1, "kind":K,
 *    "fields":[{"name":N, "dtype":D, "shape":[...], "classes":[...]}...],
 *    "provenance":{"program":P, "version":V, "args":[...], "seed":S},
 *    "meta":{...}}
 *   {"type":"batch", "index":I, "rows":R, "columns":[bin, bin, ...]}  ...
 *   {"type":"end", "batches":B, "rows":T, "crc32":C}
 *
 * C is the CRC-32 of every compressed byte of the stream before the
 * trailer's frame.  zstd's own checksum covers what a frame decodes to;
 * some bits of a frame's encoding (an unused header bit, redundant entropy
 * table bits) can flip without changing that, and the CRC catches those.
 *
 * and then either the end of the input or another whole stream with the
 * same schema (a `cat` of shards).  The reader's state is which of those it
 * expects next; everything else is an error that names what was seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <msgpack.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>
#include "nn/mp.h"
#include "nn/stream.h"
#include "nn/pack.h"

/* --- shared ---------------------------------------------------------- */

static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

int nn_write_all(int fd, const void *buf, size_t len, nn_error *err)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return nn_error_set(err, NN_EPIPE, "broken pipe");
			return nn_error_set(err, NN_EIO, "write failed: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Total bytes of one row over all fields; fails if a single row could not
 * fit one batch object. */
static int row_bytes(const nn_schema *s, size_t *out, nn_error *err)
{
	size_t total = 0;
	for (size_t i = 0; i < s->nfields; i++)
		if (nn_size_add(total, s->fields[i].row_bytes, &total))
			return nn_error_set(err, NN_ELIMIT, "rows too large");
	size_t most = NN_MAX_OBJECT_BYTES - 4096 - 8 * s->nfields;  /* room for the map */
	if (total > most)
		return nn_error_set(err, NN_ELIMIT, "one row is %zu bytes, over the %zu bytes a batch can hold",
		                    total, most);
	*out = total;
	return 0;
}

/* --- writer ---------------------------------------------------------- */

struct nn_writer {
	int fd;
	int failed;               /* after any error every call fails */
	nn_schema *schema;
	ZSTD_CCtx *cctx;
	size_t batch_rows;        /* rows per full batch */
	size_t buffered;          /* rows waiting in col[] */
	unsigned char **col;      /* per field: batch_rows * row_bytes */
	uint64_t batches, rows;   /* written so far */
	uLong crc;                /* CRC-32 of the compressed bytes written */
	unsigned char *out;       /* compressed bytes waiting for write() */
	size_t out_cap;
	msgpack_sbuffer pre;      /* a frame's msgpack bytes other than column data */
	/* Compression in the background: each full batch is handed (its
	 * column buffers swapped with a free job's) to one of `nthreads`
	 * threads, which compresses it whole with a context of its own, then
	 * waits for its turn and writes it, so frames go out in order while
	 * the caller fills the next batch.  Every thread makes the bytes the
	 * caller's thread would: same frames, same order, same CRC. */
	int level;
	int background;           /* allowed (NN_WRITER_THREAD) */
	int nthreads, started;    /* threads wanted; started so far */
	pthread_t *threads;
	struct job *jobs;         /* nthreads of them */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int busy, quit;           /* jobs queued or running; threads should end */
	uint64_t next_write;      /* the batch index whose frame is written next */
	int job_failed;           /* a job failed: job_err says why */
	nn_error job_err;
	size_t frame_cap;         /* room for a compressed batch frame */
	size_t schema_fields;     /* columns allocated in col and the jobs' */
};

struct job {
	int state;                /* JOB_FREE, JOB_QUEUED, JOB_TAKEN */
	unsigned char **col;
	size_t rows;
	uint64_t index;
};
enum { JOB_FREE, JOB_QUEUED, JOB_TAKEN };


static int pack_header(msgpack_packer *pk, const nn_schema *s)
{
	int e = 0;
	size_t nkeys = 6 + (s->meta_len ? 1 : 0);

	e |= msgpack_pack_map(pk, nkeys);
	e |= nn_pack_str(pk, "type") | nn_pack_str(pk, "header");
	e |= nn_pack_str(pk, "format") | nn_pack_str(pk, NN_FORMAT_NAME);
	e |= nn_pack_str(pk, "version") | msgpack_pack_uint32(pk, NN_FORMAT_VERSION);
	e |= nn_pack_str(pk, "kind") | nn_pack_str(pk, s->kind);
	e |= nn_pack_str(pk, "fields") | msgpack_pack_array(pk, s->nfields);
	for (size_t i = 0; i < s->nfields; i++) {
		const nn_field *f = &s->fields[i];
		e |= msgpack_pack_map(pk, f->nclasses ? 4 : 3);
		e |= nn_pack_str(pk, "name") | nn_pack_str(pk, f->name);
		e |= nn_pack_str(pk, "dtype") | nn_pack_str(pk, nn_dtype_name(f->dtype));
		e |= nn_pack_str(pk, "shape") | msgpack_pack_array(pk, (size_t)f->ndim);
		for (int d = 0; d < f->ndim; d++)
			e |= msgpack_pack_uint64(pk, f->shape[d]);
		if (f->nclasses) {
			e |= nn_pack_str(pk, "classes") | msgpack_pack_array(pk, f->nclasses);
			for (size_t k = 0; k < f->nclasses; k++)
				e |= nn_pack_str(pk, f->classes[k]);
		}
	}
	e |= nn_pack_str(pk, "provenance") | msgpack_pack_map(pk, 3 + (s->has_seed ? 1 : 0));
	e |= nn_pack_str(pk, "program") | nn_pack_str(pk, s->program ? s->program : "");
	e |= nn_pack_str(pk, "version") | nn_pack_str(pk, s->version ? s->version : "");
	e |= nn_pack_str(pk, "args") | msgpack_pack_array(pk, s->nargs);
	for (size_t i = 0; i < s->nargs; i++)
		e |= nn_pack_str(pk, s->args[i]);
	if (s->has_seed)
		e |= nn_pack_str(pk, "seed") | msgpack_pack_uint64(pk, s->seed);
	if (s->meta_len)   /* last: the caller appends the map's bytes */
		e |= nn_pack_str(pk, "meta");
	return e ? -1 : 0;
}

/* A zstd compression error: out of memory is said as such. */
static int zstd_error(size_t r, nn_error *err)
{
	if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
		return nn_error_set(err, NN_ENOMEM, "out of memory (zstd)");
	return nn_error_set(err, NN_EIO, "zstd: %s", ZSTD_getErrorName(r));
}

/* Compress pieces[0..n) as one zstd frame (content size and checksum in
 * its header) and write it out whole, so a reader downstream sees each
 * batch as soon as it is complete. */
static int write_frame(nn_writer *w, const void *const *pieces, const size_t *lens,
                       size_t n, nn_error *err)
{
	size_t total = 0;
	ZSTD_outBuffer out = { w->out, w->out_cap, 0 };
	size_t r;

	for (size_t i = 0; i < n; i++)
		total += lens[i];
	r = ZSTD_CCtx_setPledgedSrcSize(w->cctx, total);
	if (ZSTD_isError(r))
		return zstd_error(r, err);
	for (size_t i = 0; i <= n; i++) {
		ZSTD_inBuffer in = { i < n ? pieces[i] : NULL, i < n ? lens[i] : 0, 0 };
		ZSTD_EndDirective mode = i < n ? ZSTD_e_continue : ZSTD_e_end;
		do {
			r = ZSTD_compressStream2(w->cctx, &out, &in, mode);
			if (ZSTD_isError(r))
				return zstd_error(r, err);
			if (out.pos == out.size || (mode == ZSTD_e_end && r == 0)) {
				if (nn_write_all(w->fd, w->out, out.pos, err))
					return -1;
				w->crc = crc32_z(w->crc, w->out, out.pos);
				out.pos = 0;
			}
		} while (in.pos < in.size || (mode == ZSTD_e_end && r != 0));
	}
	return 0;
}

static int write_object(nn_writer *w, nn_error *err)
{
	const void *piece = w->pre.data;
	size_t len = w->pre.size;
	return write_frame(w, &piece, &len, 1, err);
}

static int fail(nn_writer *w)
{
	w->failed = 1;
	return -1;
}

/* A batch's frame as pieces: its map (and each column's bin prefix),
 * packed into pre, between the columns' own bytes. */
static int batch_pieces(const nn_writer *w, msgpack_sbuffer *pre, unsigned char *const *col,
                        size_t rows, uint64_t index, const void **pieces, size_t *lens,
                        size_t *npieces, nn_error *err)
{
	const nn_schema *s = w->schema;
	msgpack_packer pk;
	size_t hdr_at[NN_MAX_FIELDS], n = 0;
	int e = 0;

	msgpack_sbuffer_clear(pre);
	msgpack_packer_init(&pk, pre, msgpack_sbuffer_write);
	e |= msgpack_pack_map(&pk, 4);
	e |= nn_pack_str(&pk, "type") | nn_pack_str(&pk, "batch");
	e |= nn_pack_str(&pk, "index") | msgpack_pack_uint64(&pk, index);
	e |= nn_pack_str(&pk, "rows") | msgpack_pack_uint64(&pk, rows);
	e |= nn_pack_str(&pk, "columns") | msgpack_pack_array(&pk, s->nfields);
	for (size_t i = 0; i < s->nfields; i++) {
		hdr_at[i] = pre->size;
		e |= msgpack_pack_bin(&pk, rows * s->fields[i].row_bytes);
	}
	if (e)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nfields; i++) {
		size_t end = i + 1 < s->nfields ? hdr_at[i + 1] : pre->size;
		size_t start = i ? hdr_at[i] : 0;
		pieces[n] = pre->data + start;
		lens[n++] = end - start;
		pieces[n] = col[i];
		lens[n++] = rows * s->fields[i].row_bytes;
	}
	*npieces = n;
	return 0;
}

/* In the caller's thread: compress and write as the output buffer fills. */
static int emit_batch(nn_writer *w, nn_error *err)
{
	const void *pieces[2 * NN_MAX_FIELDS];
	size_t lens[2 * NN_MAX_FIELDS], n;

	if (batch_pieces(w, &w->pre, w->col, w->buffered, w->batches, pieces, lens, &n, err) ||
	    write_frame(w, pieces, lens, n, err))
		return -1;
	w->batches++;
	w->rows += w->buffered;
	w->buffered = 0;
	return 0;
}

/* Take the queued job of the lowest index, or NULL when told to quit. */
static struct job *next_job(nn_writer *w)
{
	for (;;) {
		struct job *j = NULL;
		for (int i = 0; i < w->started; i++)
			if (w->jobs[i].state == JOB_QUEUED && (!j || w->jobs[i].index < j->index))
				j = &w->jobs[i];
		if (j) {
			j->state = JOB_TAKEN;
			return j;
		}
		if (w->quit)
			return NULL;
		pthread_cond_wait(&w->cv, &w->mu);
	}
}

static void *compress_thread(void *arg)
{
	nn_writer *w = arg;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	unsigned char *frame = malloc(w->frame_cap);
	msgpack_sbuffer pre;
	struct job *j;

	msgpack_sbuffer_init(&pre);
	pthread_mutex_lock(&w->mu);
	while ((j = next_job(w))) {
		const void *pieces[2 * NN_MAX_FIELDS];
		size_t lens[2 * NN_MAX_FIELDS], n, total = 0, r = 0;
		nn_error e = { 0 };
		int bad = 0;

		pthread_mutex_unlock(&w->mu);
		ZSTD_outBuffer out = { frame, w->frame_cap, 0 };
		if (!cctx || !frame) {
			bad = nn_error_set(&e, NN_ENOMEM, "out of memory");
		} else if (batch_pieces(w, &pre, j->col, j->rows, j->index, pieces, lens, &n, &e)) {
			bad = -1;
		} else {
			/* the parameters of the writer's own context, so the same bytes */
			r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, w->level);
			if (!ZSTD_isError(r))
				r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
			for (size_t i = 0; i < n; i++)
				total += lens[i];
			if (!ZSTD_isError(r))
				r = ZSTD_CCtx_setPledgedSrcSize(cctx, total);
			for (size_t i = 0; i <= n && !ZSTD_isError(r); i++) {
				ZSTD_inBuffer in = { i < n ? pieces[i] : NULL, i < n ? lens[i] : 0, 0 };
				ZSTD_EndDirective mode = i < n ? ZSTD_e_continue : ZSTD_e_end;
				do
					r = ZSTD_compressStream2(cctx, &out, &in, mode);
				while (!ZSTD_isError(r) && out.pos < out.size &&
				       (in.pos < in.size || (mode == ZSTD_e_end && r != 0)));
			}
			if (ZSTD_isError(r))
				bad = zstd_error(r, &e);
			else if (r != 0)   /* frame_cap is ZSTD_compressBound: never */
				bad = nn_error_set(&e, NN_EIO, "zstd: a frame over its bound");
		}
		pthread_mutex_lock(&w->mu);
		while (w->next_write != j->index)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		if (!bad && !w->job_failed) {   /* job_failed changes only in turn */
			bad = nn_write_all(w->fd, frame, out.pos, &e);
			w->crc = crc32_z(w->crc, frame, out.pos);
		}
		pthread_mutex_lock(&w->mu);
		if (bad && !w->job_failed) {
			w->job_failed = 1;
			w->job_err = e;
		}
		w->next_write++;
		j->state = JOB_FREE;
		w->busy--;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	ZSTD_freeCCtx(cctx);
	free(frame);
	msgpack_sbuffer_destroy(&pre);
	return NULL;
}

/* Wait until the threads have written every batch handed to them; fail
 * with the first error met. */
static int wait_idle(nn_writer *w, nn_error *err)
{
	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	int bad = w->job_failed;
	pthread_mutex_unlock(&w->mu);
	if (bad) {
		if (err)
			*err = w->job_err;
		return fail(w);
	}
	return 0;
}

static void free_cols(unsigned char **col, size_t n)
{
	if (col)
		for (size_t i = 0; i < n; i++)
			free(col[i]);
	free(col);
}

static unsigned char **alloc_cols(const nn_writer *w)
{
	const nn_schema *s = w->schema;
	unsigned char **col = calloc(s->nfields, sizeof *col);

	for (size_t i = 0; col && i < s->nfields; i++)
		if (!(col[i] = malloc(w->batch_rows * s->fields[i].row_bytes))) {
			free_cols(col, s->nfields);
			return NULL;
		}
	return col;
}

void nn_writer_free(nn_writer *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		for (int i = 0; i < w->started; i++)
			pthread_join(w->threads[i], NULL);
	}
	if (w->background) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
	}
	free_cols(w->col, w->schema_fields);
	for (int i = 0; w->jobs && i < w->nthreads; i++)
		free_cols(w->jobs[i].col, w->schema_fields);
	free(w->jobs);
	free(w->threads);
	nn_schema_free(w->schema);
	ZSTD_freeCCtx(w->cctx);
	free(w->out);
	msgpack_sbuffer_destroy(&w->pre);
	free(w);
}

/* NN_WRITER_THREAD=0 compresses in the caller's thread (for measuring;
 * the bytes are the same). */
static int background_allowed(void)
{
	const char *e = getenv("NN_WRITER_THREAD");
	return !(e && !strcmp(e, "0"));
}

nn_writer *nn_writer_open_fd(int fd, const nn_schema *s,
                             const nn_writer_options *opts, nn_error *err)
{
	nn_writer_options o = { 0, 0, 0 };
	nn_writer *w;
	size_t rb, r;
	msgpack_packer pk;

	if (opts)
		o = *opts;
	if (!o.level)
		o.level = NN_DEFAULT_LEVEL;
	if (o.level < 1 || o.level > 19) {
		nn_error_set(err, NN_EARG, "zstd level %d is not in 1..19", o.level);
		return NULL;
	}
	if (o.threads < 0 || o.threads > NN_MAX_WRITER_THREADS) {
		nn_error_set(err, NN_EARG, "%d compression threads is not in 0..%d", o.threads,
		             NN_MAX_WRITER_THREADS);
		return NULL;
	}
	if (s->nfields == 0) {
		nn_error_set(err, NN_EARG, "a stream needs at least one field");
		return NULL;
	}
	if (row_bytes(s, &rb, err))
		return NULL;
	if (!(w = calloc(1, sizeof *w))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	msgpack_sbuffer_init(&w->pre);
	w->fd = fd;
	w->level = o.level;
	w->nthreads = o.threads > 1 ? o.threads : 1;
	w->batch_rows = o.batch_rows ? o.batch_rows : NN_DEFAULT_BATCH_BYTES / rb;
	if (w->batch_rows < 1)
		w->batch_rows = 1;
	if (w->batch_rows > (NN_MAX_OBJECT_BYTES - 4096 - 8 * s->nfields) / rb)
		w->batch_rows = (NN_MAX_OBJECT_BYTES - 4096 - 8 * s->nfields) / rb;
	/* the batch's bytes, its map (under 64 bytes) and a bin prefix per field */
	w->frame_cap = ZSTD_compressBound(w->batch_rows * rb + 64 + 5 * s->nfields);
	w->out_cap = ZSTD_CStreamOutSize();
	if (!(w->schema = nn_schema_clone(s, err)))
		goto fail;
	w->schema_fields = s->nfields;
	if (!(w->cctx = ZSTD_createCCtx()) || !(w->out = malloc(w->out_cap)) ||
	    !(w->col = alloc_cols(w))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	if (background_allowed()) {
		if (pthread_mutex_init(&w->mu, NULL)) {
			nn_error_set(err, NN_ENOMEM, "cannot make a mutex");
			goto fail;
		}
		if (pthread_cond_init(&w->cv, NULL)) {
			pthread_mutex_destroy(&w->mu);
			nn_error_set(err, NN_ENOMEM, "cannot make a condition variable");
			goto fail;
		}
		w->background = 1;
	}
	r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, o.level);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	/* Readers refuse windows over 2^NN_MAX_WINDOW_LOG.  Levels 1..19 use
	 * at most 2^23 (zstd's lib/compress/clevels.h); 20..22 are refused. */
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
			zstd_error(r, err);
		else
			nn_error_set(err, NN_EARG, "zstd: %s", ZSTD_getErrorName(r));
		goto fail;
	}
	msgpack_packer_init(&pk, &w->pre, msgpack_sbuffer_write);
	if (pack_header(&pk, s) ||
	    (s->meta_len && msgpack_sbuffer_write(&w->pre, (const char *)s->meta, s->meta_len))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	if (w->pre.size > NN_MAX_HEADER_BYTES) {
		nn_error_set(err, NN_ELIMIT, "the header would be %zu bytes, over the %u byte limit",
		             w->pre.size, NN_MAX_HEADER_BYTES);
		goto fail;
	}
	if (write_object(w, err))
		goto fail;
	return w;
fail:
	nn_writer_free(w);
	return NULL;
}

/* Start the threads and their jobs (with the first full batch: a stream
 * of one batch never starts them).  0 when none could start. */
static int start_threads(nn_writer *w)
{
	if (!w->jobs && (!(w->jobs = calloc((size_t)w->nthreads, sizeof *w->jobs)) ||
	                 !(w->threads = calloc((size_t)w->nthreads, sizeof *w->threads))))
		return 0;
	w->next_write = w->batches;
	for (int i = 0; i < w->nthreads; i++) {
		if (!w->jobs[i].col && !(w->jobs[i].col = alloc_cols(w)))
			break;
		/* started before the thread runs: it looks at jobs[0..started) */
		pthread_mutex_lock(&w->mu);
		w->started++;
		pthread_mutex_unlock(&w->mu);
		/* signals go to the caller's thread (see start_read_ahead) */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int bad = pthread_create(&w->threads[i], NULL, compress_thread, w);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (bad) {
			w->started--;
			break;
		}
	}
	return w->started;   /* jobs past it stay free, never used */
}

/* Hand the buffered rows to a thread: swap buffers with a free job. */
static int hand_over(nn_writer *w, nn_error *err)
{
	struct job *j = NULL;

	if (!w->started && !start_threads(w)) {
		w->background = 0;   /* no thread: compress here, as without one */
		return emit_batch(w, err);
	}
	pthread_mutex_lock(&w->mu);
	for (;;) {
		for (int i = 0; i < w->started && !j; i++)
			if (w->jobs[i].state == JOB_FREE)
				j = &w->jobs[i];
		if (j || w->job_failed)
			break;
		pthread_cond_wait(&w->cv, &w->mu);
	}
	if (w->job_failed) {
		pthread_mutex_unlock(&w->mu);
		return wait_idle(w, err);
	}
	unsigned char **t = w->col;
	w->col = j->col;
	j->col = t;
	j->rows = w->buffered;
	j->index = w->batches;
	j->state = JOB_QUEUED;
	w->busy++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	w->batches++;
	w->rows += w->buffered;
	w->buffered = 0;
	return 0;
}

/* Write the buffered rows as a batch; wait: the batch is on fd (and every
 * earlier one) when this returns. */
static int flush_now(nn_writer *w, nn_error *err)
{
	if (w->failed)
		return nn_error_set(err, NN_EARG, "writer failed before");
	if (w->started && w->buffered && hand_over(w, err))
		return -1;
	if (wait_idle(w, err))
		return -1;
	if (w->buffered && emit_batch(w, err))
		return fail(w);
	return 0;
}

int nn_writer_flush(nn_writer *w, nn_error *err)
{
	return flush_now(w, err);
}

int nn_writer_write(nn_writer *w, const void *const *cols, size_t rows, nn_error *err)
{
	const nn_schema *s = w->schema;
	size_t done = 0;

	if (w->failed)
		return nn_error_set(err, NN_EARG, "writer failed before");
	while (done < rows) {
		size_t take = w->batch_rows - w->buffered;
		if (take > rows - done)
			take = rows - done;
		for (size_t i = 0; i < s->nfields; i++) {
			size_t rb = s->fields[i].row_bytes;
			memcpy(w->col[i] + w->buffered * rb, (const unsigned char *)cols[i] + done * rb,
			       take * rb);
		}
		w->buffered += take;
		done += take;
		if (w->buffered == w->batch_rows &&
		    (w->background ? hand_over(w, err) : flush_now(w, err)))
			return -1;
	}
	return 0;
}

int nn_writer_write_batch(nn_writer *w, const nn_batch *b, nn_error *err)
{
	if (b->ncols != w->schema->nfields)
		return nn_error_set(err, NN_EARG, "batch has %zu columns, stream %zu fields",
		                    b->ncols, w->schema->nfields);
	return nn_writer_write(w, (const void *const *)b->col, b->rows, err);
}

int nn_writer_finish(nn_writer *w, nn_error *err)
{
	msgpack_packer pk;
	int e = 0;

	if (flush_now(w, err))
		return -1;
	msgpack_sbuffer_clear(&w->pre);
	msgpack_packer_init(&pk, &w->pre, msgpack_sbuffer_write);
	e |= msgpack_pack_map(&pk, 4);
	e |= nn_pack_str(&pk, "type") | nn_pack_str(&pk, "end");
	e |= nn_pack_str(&pk, "batches") | msgpack_pack_uint64(&pk, w->batches);
	e |= nn_pack_str(&pk, "rows") | msgpack_pack_uint64(&pk, w->rows);
	e |= nn_pack_str(&pk, "crc32") | msgpack_pack_uint32(&pk, (uint32_t)w->crc);
	if (e) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return fail(w);
	}
	if (write_object(w, err))
		return fail(w);
	w->failed = 1;   /* nothing may follow the trailer */
	return 0;
}

uint64_t nn_writer_rows(const nn_writer *w)
{
	return w->rows + w->buffered;
}

/* --- reader ---------------------------------------------------------- */

enum expect { EXPECT_BATCH, EXPECT_NEXT_MEMBER };

/* Where a frame's compressed bytes come from: the reader's input (an fd,
 * buffered), or one whole frame already in memory (fd -1, eof set). */
struct input {
	int fd;
	unsigned char *buf;       /* bytes read, not yet used: buf[pos..len) */
	size_t cap, pos, len;
	int eof;
	int wake;                 /* >= 0: wait for fd in poll with it; readable means quit */
};

/* One decompressed frame (one object), with the CRC-32 and the length of
 * the compressed bytes it came from; in read-ahead, a slot of the ring. */
struct frame {
	unsigned char *obj;
	size_t cap, len;
	uLong crc;
	size_t bytes;
	int status;               /* 0: an object; 1: clean end of input; -1: err */
	nn_error err;
	int state;                /* SLOT_FREE, SLOT_FILLING, SLOT_FILLED */
	unsigned char *cin;       /* the frame's compressed bytes when a worker */
	size_t cin_cap, cin_len;  /* decoded it on its own (cin_len 0: it did not) */
	size_t limit;             /* the object limit it was decoded under */
	int is_end;               /* an "end" object: a header may come next */
};

enum { SLOT_FREE, SLOT_FILLING, SLOT_FILLED };

struct worker {
	nn_reader *r;
	ZSTD_DCtx *dctx;
};

struct nn_reader {
	int fd, own_fd;
	ZSTD_DCtx *dctx;          /* decodes from src */
	struct input src;
	struct frame *fr;         /* decompressed frames: nfr of them */
	int nfr;
	const unsigned char *obj; /* the object being parsed */
	size_t obj_len;
	nn_schema *schema;        /* of the first member */
	enum expect expect;
	uint64_t member_batches, member_rows; /* in the current member */
	uLong crc;                /* CRC-32 of the member's compressed bytes so far */
	uLong crc_before;         /* ... up to the start of the latest frame */
	uLong frame_crc;          /* CRC-32 of the latest frame's bytes */
	uint64_t rows, members;
	nn_batch batch;
	void **col;               /* batch.col: aligned copies of the columns */
	size_t *col_cap;
	int failed;
	/* Read-ahead: nthreads workers decompress the next frames into a ring
	 * of nfr = 2 * nthreads slots while the caller works on this batch;
	 * frame number k goes to fr[k % nfr].  One worker at a time reads the
	 * input ("scanning"): it finds where the next frame ends by its block
	 * headers (ZSTD_findFrameCompressedSize), copies the frame's bytes and
	 * lets the next worker read while it decodes its copy.  A frame whose
	 * end cannot be found so (a cut or damaged stream, the end of the
	 * input) is decoded from the input in place, as without read-ahead,
	 * and is the last one read.  The caller takes the frames in order and
	 * meets an end or an error where it would have without the threads.
	 * Only the workers touch src and dctx then. */
	int nthreads, ahead, ahead_tried, started;
	struct worker *workers;
	pthread_t *threads;
	int wake[2];              /* a pipe: closing the reader writes to it */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t next_seq;        /* the next frame a worker takes */
	uint64_t cur;             /* the next frame the caller takes */
	int scanning, stopped, quit;
	int held;                 /* the caller is parsing fr[cur % nfr] */
	int last_end;             /* the frame the caller took last was an "end" */
	ZSTD_DCtx *redo;          /* the caller's, for a frame decoded under another limit */
};

/* Read more input after what is buffered; returns bytes added (0 at EOF). */
static ssize_t fill(struct input *in, nn_error *err)
{
	if (in->eof)
		return 0;
	if (in->pos) {             /* keep the unread tail at the front */
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	for (;;) {
		/* A read-ahead worker may wait here for input that never comes
		 * (an upstream program that stops without closing): it waits in
		 * poll, which nn_reader_close wakes through the wake pipe. */
		if (in->wake >= 0) {
			struct pollfd pf[2] = { { in->fd, POLLIN, 0 }, { in->wake, POLLIN, 0 } };
			if (poll(pf, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				return nn_error_set(err, NN_EIO, "poll failed: %s", strerror(errno));
			}
			if (pf[1].revents)
				return nn_error_set(err, NN_EIO, "reader closed");
		}
		ssize_t n = read(in->fd, in->buf + in->len, in->cap - in->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nn_error_set(err, NN_EIO, "read failed: %s", strerror(errno));
		if (n == 0)
			in->eof = 1;
		in->len += (size_t)n;
		return n;
	}
}

/* Decompress the next frame of `in` into f with dctx.  *eof is set (and
 * 0 returned) when the input ends cleanly before a frame begins.  `limit`
 * caps the decompressed size before any of it is allocated. */
static int read_frame(struct input *in, ZSTD_DCtx *dctx, struct frame *f, size_t limit, int *eof,
                      nn_error *err)
{
	size_t avail, ret;
	unsigned long long csize;

	*eof = 0;
	/* A frame header is at most ZSTD_FRAMEHEADERSIZE_MAX (18) bytes. */
	while (in->len - in->pos < 18 && !in->eof)
		if (fill(in, err) < 0)
			return -1;
	avail = in->len - in->pos;
	if (avail == 0) {
		*eof = 1;
		return 0;
	}
	const unsigned char *h = in->buf + in->pos;
	if (avail < 4 && !memcmp(h, zstd_magic, avail))
		return nn_error_set(err, NN_EDATA, "truncated inside a zstd frame header");
	if (avail < 4 || memcmp(h, zstd_magic, 4)) {
		if (avail >= 4 && (h[0] & 0xf0) == 0x50 && h[1] == 0x2a && h[2] == 0x4d && h[3] == 0x18)
			return nn_error_set(err, NN_EDATA, "skippable zstd frame (not allowed in a stream)");
		return nn_error_set(err, NN_EDATA, "not zstd data");
	}
	/* Frame_Header_Descriptor bit 2: Content_Checksum_flag (RFC 8878
	 * 3.1.1.1.1.5).  Without it a corrupted frame would go unnoticed. */
	if (avail < 5)
		return nn_error_set(err, NN_EDATA, "truncated inside a zstd frame header");
	if (!(h[4] & 0x04))
		return nn_error_set(err, NN_EDATA, "zstd frame without a content checksum");
	if (h[4] & 0x10)   /* the unused bit: never set by a writer */
		return nn_error_set(err, NN_EDATA, "corrupt zstd frame header (unused bit set)");
	csize = ZSTD_getFrameContentSize(h, avail);
	if (csize == ZSTD_CONTENTSIZE_ERROR)
		return nn_error_set(err, NN_EDATA, avail < 18 ? "truncated inside a zstd frame header"
		                                              : "corrupt zstd frame header");
	if (csize == ZSTD_CONTENTSIZE_UNKNOWN)
		return nn_error_set(err, NN_EDATA, "zstd frame without its content size");
	if (csize > limit)
		return nn_error_set(err, NN_ELIMIT, "an object of %llu bytes is over the %zu byte limit",
		                    csize, limit);
	/* The size is a claim: give zstd room only up to what a real frame of
	 * this many input bytes could plausibly hold, then double it as data
	 * actually arrives.  The room depends on this frame alone, not on
	 * what f->obj held before, so that zstd meets a corrupt frame in the
	 * same way (and says the same) whichever buffer it fills. */
	size_t room = csize < (4u << 20) ? (size_t)csize : 4u << 20;
	ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
	f->len = 0;
	f->crc = crc32_z(0, Z_NULL, 0);
	f->bytes = 0;
	for (;;) {
		if (f->len == room) {
			if (room >= limit + 1)
				return nn_error_set(err, NN_ELIMIT, "an object is over the %zu byte limit", limit);
			room = room ? 2 * room : 65536;
			if (room > limit + 1)
				room = limit + 1;
		}
		if (room > f->cap) {
			unsigned char *o = realloc(f->obj, room);
			if (!o)
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			f->obj = o;
			f->cap = room;
		}
		if (in->pos == in->len) {
			ssize_t n = fill(in, err);
			if (n < 0)
				return -1;
			if (n == 0)
				return nn_error_set(err, NN_EDATA, "truncated inside a zstd frame");
		}
		ZSTD_inBuffer zin = { in->buf, in->len, in->pos };
		ZSTD_outBuffer out = { f->obj, room, f->len };
		ret = ZSTD_decompressStream(dctx, &out, &zin);
		f->crc = crc32_z(f->crc, in->buf + in->pos, zin.pos - in->pos);
		f->bytes += zin.pos - in->pos;
		in->pos = zin.pos;
		f->len = out.pos;
		if (ZSTD_isError(ret) && ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge)
			return nn_error_set(err, NN_ELIMIT, "zstd frame needs a window over the %u byte limit",
			                    1u << NN_MAX_WINDOW_LOG);
		if (ZSTD_isError(ret))
			return nn_error_set(err, NN_EDATA, "corrupt zstd frame: %s", ZSTD_getErrorName(ret));
		if (f->len > limit)
			return nn_error_set(err, NN_ELIMIT, "an object is over the %zu byte limit", limit);
		if (ret == 0)
			return 0;
	}
}

static int read_str_copy(nn_mp *c, char **out, size_t max, const char *what, nn_error *err)
{
	const char *s;
	size_t n;
	if (nn_mp_str(c, &s, &n, what, err))
		return -1;
	if (n > max)
		return nn_error_set(err, NN_ELIMIT, "%s: longer than %zu bytes", what, max);
	if (memchr(s, 0, n))
		return nn_error_set(err, NN_EDATA, "%s: contains a NUL byte", what);
	if (!(*out = malloc(n + 1)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	memcpy(*out, s, n);
	(*out)[n] = 0;
	return 0;
}

static int parse_field(nn_mp *c, nn_schema *s, nn_error *err)
{
	size_t nkeys, ndim = 0, ncls = 0;
	char *name = NULL, *dt = NULL;
	uint64_t shape[NN_MAX_DIMS];
	nn_mp classes = { NULL, NULL };
	nn_dtype dtype;
	int have_shape = 0, rc = -1;

	if (nn_mp_map(c, &nkeys, "field", err))
		return -1;
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(c, "name")) {
			nn_mp_skip(c, err);
			free(name);
			name = NULL;
			if (read_str_copy(c, &name, NN_MAX_NAME, "field name", err))
				goto out;
		} else if (nn_mp_str_is(c, "dtype")) {
			nn_mp_skip(c, err);
			free(dt);
			dt = NULL;
			if (read_str_copy(c, &dt, 16, "field dtype", err))
				goto out;
		} else if (nn_mp_str_is(c, "shape")) {
			nn_mp_skip(c, err);
			if (nn_mp_array(c, &ndim, "field shape", err))
				goto out;
			if (ndim > NN_MAX_DIMS) {
				nn_error_set(err, NN_ELIMIT, "field shape: more than %d dimensions", NN_MAX_DIMS);
				goto out;
			}
			for (size_t d = 0; d < ndim; d++)
				if (nn_mp_uint(c, &shape[d], "field shape", err))
					goto out;
			have_shape = 1;
		} else if (nn_mp_str_is(c, "classes")) {
			nn_mp_skip(c, err);
			classes = *c;
			if (nn_mp_array(c, &ncls, "field classes", err))
				goto out;
			if (ncls > NN_MAX_CLASSES) {
				nn_error_set(err, NN_ELIMIT, "more than %d classes", NN_MAX_CLASSES);
				goto out;
			}
			for (size_t i = 0; i < ncls; i++) {
				const char *cs;
				size_t cn;
				if (nn_mp_str(c, &cs, &cn, "class name", err))
					goto out;
			}
		} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {  /* unknown key */
			goto out;
		}
	}
	if (!name || !dt || !have_shape) {
		nn_error_set(err, NN_EDATA, "a field lacks its %s", !name ? "name" : !dt ? "dtype" : "shape");
		goto out;
	}
	if (nn_dtype_parse(dt, &dtype)) {
		nn_error_set(err, NN_EDATA, "field '%s': unknown dtype '%s'", name, dt);
		goto out;
	}
	if (nn_schema_add_field(s, name, dtype, (int)ndim, shape, err))
		goto out;
	if (ncls) {
		char **names = calloc(ncls, sizeof *names);
		if (!names) {
			nn_error_set(err, NN_ENOMEM, "out of memory");
			goto out;
		}
		nn_mp_array(&classes, &ncls, "", NULL);
		int bad = 0;
		for (size_t i = 0; i < ncls && !bad; i++)
			bad = read_str_copy(&classes, &names[i], NN_MAX_NAME, "class name", err);
		if (!bad)
			bad = nn_schema_set_classes(s, s->nfields - 1, ncls, (const char *const *)names, err);
		for (size_t i = 0; i < ncls; i++)
			free(names[i]);
		free(names);
		if (bad)
			goto out;
	}
	rc = 0;
out:
	free(name);
	free(dt);
	return rc;
}

static int parse_provenance(nn_mp *c, nn_schema *s, nn_error *err)
{
	size_t nkeys;

	if (nn_mp_map(c, &nkeys, "provenance", err))
		return -1;
	for (size_t k = 0; k < nkeys; k++) {
		char **dest = NULL;
		if (nn_mp_str_is(c, "program"))
			dest = &s->program;
		else if (nn_mp_str_is(c, "version"))
			dest = &s->version;
		if (dest) {
			nn_mp_skip(c, err);
			free(*dest);
			*dest = NULL;
			if (read_str_copy(c, dest, 4096, "provenance", err))
				return -1;
		} else if (nn_mp_str_is(c, "args")) {
			size_t n;
			nn_mp_skip(c, err);
			if (nn_mp_array(c, &n, "provenance args", err))
				return -1;
			for (size_t i = 0; i < s->nargs; i++)
				free(s->args[i]);
			free(s->args);
			s->nargs = 0;
			if (!(s->args = calloc(n ? n : 1, sizeof *s->args)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			for (; s->nargs < n; s->nargs++)
				if (read_str_copy(c, &s->args[s->nargs], NN_MAX_ARG_BYTES, "provenance args", err))
					return -1;
		} else if (nn_mp_str_is(c, "seed")) {
			nn_mp_skip(c, err);
			if (nn_mp_uint(c, &s->seed, "provenance seed", err))
				return -1;
			s->has_seed = 1;
		} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {
			return -1;
		}
	}
	return 0;
}

/* Parse the header object in r->obj into a new schema. */
static nn_schema *parse_header(const nn_reader *r, nn_error *err)
{
	nn_mp c = { r->obj, r->obj + r->obj_len };
	size_t nkeys, nf;
	nn_schema *s = nn_schema_new("data", err);
	int have_format = 0, have_fields = 0;
	uint64_t version = 0;

	if (!s)
		return NULL;
	if (nn_mp_map(&c, &nkeys, "header", NULL) || !nn_mp_str_is(&c, "type")) {
		nn_error_set(err, NN_EDATA, "not an nn stream (zstd data, but no nnpipe header)");
		goto fail;
	}
	/* The version first: a later version may hold what this one cannot
	 * parse, and "version 2" is the message that helps. */
	nn_mp scan = c;
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(&scan, "version")) {
			nn_mp_skip(&scan, NULL);
			if (nn_mp_uint(&scan, &version, "version", NULL) || version != NN_FORMAT_VERSION) {
				nn_error_set(err, NN_EDATA, "stream format version %llu; this nnpipe reads version %d",
				             (unsigned long long)version, NN_FORMAT_VERSION);
				goto fail;
			}
			break;
		}
		if (nn_mp_skip(&scan, NULL) || nn_mp_skip(&scan, NULL))
			break;
	}
	for (size_t k = 0; k < nkeys; k++) {
		const char *v;
		size_t n;
		if (nn_mp_str_is(&c, "type")) {
			nn_mp_skip(&c, err);
			if (!nn_mp_str_is(&c, "header")) {
				nn_error_set(err, NN_EDATA, "not an nn stream (expected a header object first)");
				goto fail;
			}
			nn_mp_skip(&c, err);
		} else if (nn_mp_str_is(&c, "format")) {
			nn_mp_skip(&c, err);
			if (nn_mp_str(&c, &v, &n, "format", err))
				goto fail;
			if (n != strlen(NN_FORMAT_NAME) || memcmp(v, NN_FORMAT_NAME, n)) {
				nn_error_set(err, NN_EDATA, "not an nn stream (format is not '%s')", NN_FORMAT_NAME);
				goto fail;
			}
			have_format = 1;
		} else if (nn_mp_str_is(&c, "version")) {
			nn_mp_skip(&c, err);
			if (nn_mp_uint(&c, &version, "version", err))
				goto fail;
		} else if (nn_mp_str_is(&c, "kind")) {
			nn_mp_skip(&c, err);
			free(s->kind);
			s->kind = NULL;
			if (read_str_copy(&c, &s->kind, NN_MAX_NAME, "kind", err))
				goto fail;
		} else if (nn_mp_str_is(&c, "fields")) {
			nn_mp_skip(&c, err);
			if (have_fields) {
				nn_error_set(err, NN_EDATA, "header lists its fields twice");
				goto fail;
			}
			if (nn_mp_array(&c, &nf, "fields", err))
				goto fail;
			if (nf > NN_MAX_FIELDS) {
				nn_error_set(err, NN_ELIMIT, "more than %d fields", NN_MAX_FIELDS);
				goto fail;
			}
			for (size_t i = 0; i < nf; i++)
				if (parse_field(&c, s, err))
					goto fail;
			have_fields = 1;
		} else if (nn_mp_str_is(&c, "provenance")) {
			nn_mp_skip(&c, err);
			if (parse_provenance(&c, s, err))
				goto fail;
		} else if (nn_mp_str_is(&c, "meta")) {
			nn_mp_skip(&c, err);
			const unsigned char *start = c.p;
			if (nn_mp_map(&c, &n, "meta", err))
				goto fail;
			c.p = start;
			if (nn_mp_skip(&c, err) ||
			    nn_schema_set_meta(s, start, (size_t)(c.p - start), err))
				goto fail;
		} else if (nn_mp_skip(&c, err) || nn_mp_skip(&c, err)) {
			goto fail;
		}
	}
	if (!have_format) {
		nn_error_set(err, NN_EDATA, "not an nn stream (no format name in the header)");
		goto fail;
	}
	if (version != NN_FORMAT_VERSION) {
		nn_error_set(err, NN_EDATA, "stream format version %llu; this nnpipe reads version %d",
		             (unsigned long long)version, NN_FORMAT_VERSION);
		goto fail;
	}
	if (!have_fields || s->nfields == 0) {
		nn_error_set(err, NN_EDATA, "header has no fields");
		goto fail;
	}
	if (c.p != c.end) {
		nn_error_set(err, NN_EDATA, "bytes after the header object in its frame");
		goto fail;
	}
	size_t rb;
	if (row_bytes(s, &rb, err))
		goto fail;
	return s;
fail:
	nn_schema_free(s);
	return NULL;
}

/* Is f's object an "end" (so that a header may come next)?  The parser's
 * own test comes later, in order; this one only chooses the next frame's
 * limit, as the parser would. */
static int object_is_end(const struct frame *f)
{
	nn_mp c = { f->obj, f->obj + f->len };
	size_t n;
	return !nn_mp_map(&c, &n, "", NULL) && n && nn_mp_str_is(&c, "type") &&
	       !nn_mp_skip(&c, NULL) && nn_mp_str_is(&c, "end");
}

/* Decode f from its copy of the frame's bytes under `limit`: the same
 * decoding, and the same result, as from the input in place. */
static void decode_copy(struct frame *f, ZSTD_DCtx *dctx, size_t limit)
{
	struct input m = { -1, f->cin, f->cin_len, 0, f->cin_len, 1, -1 };
	int eof;

	f->limit = limit;
	f->status = read_frame(&m, dctx, f, limit, &eof, &f->err) ? -1 : 0;
	/* zstd decodes a frame by the same block headers that gave its end */
	if (!f->status && m.pos != m.len)
		f->status = -1, nn_error_set(&f->err, NN_EDATA, "corrupt zstd frame");
	if (!f->status)
		f->is_end = object_is_end(f);
}

/* Frames of up to this many bytes decoded are copied for a worker to
 * decode alone; bigger ones (a stream made elsewhere, with batches of
 * many MiB) are decoded in place, so that a reader does not also hold
 * copies of their compressed bytes. */
#define COPY_MAX_BYTES (4u << 20)

/* Copy the next frame of the input, whole, into f->cin: return 1, or 0
 * (f->cin_len 0) when its end is not found from its block headers within
 * what a frame of its declared size can take (a cut or damaged frame),
 * or anything else stands in the way; the frame is then decoded in place
 * (read_frame), which says what is wrong as it would without the copy. */
static int copy_frame(nn_reader *r, struct frame *f)
{
	struct input *in = &r->src;
	unsigned long long csize;
	size_t n, bound;

	f->cin_len = 0;
	while (in->len - in->pos < 18 && !in->eof)
		if (fill(in, NULL) < 0)
			return 0;
	const unsigned char *h = in->buf + in->pos;
	n = in->len - in->pos;
	if (n < 18 || memcmp(h, zstd_magic, 4) || !(h[4] & 0x04) || (h[4] & 0x10))
		return 0;
	csize = ZSTD_getFrameContentSize(h, n);
	if (csize == ZSTD_CONTENTSIZE_ERROR || csize == ZSTD_CONTENTSIZE_UNKNOWN ||
	    csize > COPY_MAX_BYTES)
		return 0;
	bound = ZSTD_compressBound((size_t)csize) + 64;
	for (;;) {
		size_t size = ZSTD_findFrameCompressedSize(in->buf + in->pos, in->len - in->pos);
		if (!ZSTD_isError(size)) {
			n = size;
			break;
		}
		if (ZSTD_getErrorCode(size) != ZSTD_error_srcSize_wrong || in->eof ||
		    in->len - in->pos >= bound)
			return 0;
		if (in->len == in->cap && in->pos == 0) {   /* fill would have no room */
			size_t cap = 2 * in->cap;
			unsigned char *b = realloc(in->buf, cap);
			if (!b)
				return 0;
			in->buf = b;
			in->cap = cap;
		}
		if (fill(in, NULL) <= 0)
			return 0;
	}
	if (n > f->cin_cap) {
		unsigned char *c = realloc(f->cin, n);
		if (!c)
			return 0;
		f->cin = c;
		f->cin_cap = n;
	}
	memcpy(f->cin, in->buf + in->pos, n);
	f->cin_len = n;
	in->pos += n;
	return 1;
}

/* The limit frame seq is decoded under, as the parser will apply it: a
 * header's after an "end", a batch's otherwise (frame 0 follows the
 * header).  Waits for frame seq - 1 to be decoded; while the calling
 * worker holds the input nobody can take that slot again. */
static size_t limit_after(nn_reader *r, uint64_t seq)
{
	struct frame *prev;
	int end;

	if (seq == 0)
		return NN_MAX_OBJECT_BYTES;
	prev = &r->fr[(seq - 1) % (uint64_t)r->nfr];
	pthread_mutex_lock(&r->mu);
	while (prev->state == SLOT_FILLING)
		pthread_cond_wait(&r->cv, &r->mu);
	end = !prev->status && prev->is_end;
	pthread_mutex_unlock(&r->mu);
	return end ? NN_MAX_HEADER_BYTES : NN_MAX_OBJECT_BYTES;
}

/* A read-ahead worker: takes the next frame number, copies the frame from
 * the input (or decodes it there, see copy_frame), lets the next worker
 * at the input, decodes its copy.  Until the end of the input, an error,
 * or the reader's close. */
static void *decompress_thread(void *arg)
{
	struct worker *w = arg;
	nn_reader *r = w->r;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct frame *f = &r->fr[r->next_seq % (uint64_t)r->nfr];
		if (r->quit || r->stopped)
			break;
		if (r->scanning || f->state != SLOT_FREE) {
			pthread_cond_wait(&r->cv, &r->mu);
			continue;
		}
		uint64_t seq = r->next_seq++;
		f->state = SLOT_FILLING;
		r->scanning = 1;
		pthread_mutex_unlock(&r->mu);
		int copied = copy_frame(r, f);
		if (!copied) {
			int eof;
			f->limit = limit_after(r, seq);
			f->status = read_frame(&r->src, r->dctx, f, f->limit, &eof, &f->err) ? -1 : eof;
			if (!f->status)
				f->is_end = object_is_end(f);
		}
		pthread_mutex_lock(&r->mu);
		r->scanning = 0;
		if (f->status)
			r->stopped = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (copied)
			decode_copy(f, w->dctx, NN_MAX_OBJECT_BYTES);
		pthread_mutex_lock(&r->mu);
		if (f->status)
			r->stopped = 1;
		f->state = SLOT_FILLED;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void stop_read_ahead(nn_reader *r);

/* NN_READER_THREAD=0 decompresses in the caller's thread (for measuring
 * and for tests; the results are the same).  Anything that cannot be set
 * up leaves the reader without read-ahead, or with fewer workers. */
static void start_read_ahead(nn_reader *r)
{
	const char *e = getenv("NN_READER_THREAD");
	int n = r->nthreads;
	sigset_t all, old;
	struct frame *fr;

	r->ahead_tried = 1;
	if (!n || (e && !strcmp(e, "0")))
		return;
	/* fr[0] may hold the header the caller parsed: the ring starts after it */
	if (!(fr = realloc(r->fr, (size_t)(2 * n) * sizeof *fr)))
		return;
	memset(fr + r->nfr, 0, (size_t)(2 * n - r->nfr) * sizeof *fr);
	r->fr = fr;
	r->nfr = 2 * n;
	if (!(r->workers = calloc((size_t)n, sizeof *r->workers)) ||
	    !(r->threads = calloc((size_t)n, sizeof *r->threads)))
		return;
	if (pipe2(r->wake, O_CLOEXEC))
		return;
	if (pthread_mutex_init(&r->mu, NULL))
		goto no_mutex;
	if (pthread_cond_init(&r->cv, NULL))
		goto no_cond;
	r->src.wake = r->wake[0];
	r->ahead = 1;   /* before a worker looks at it */
	r->cur = r->next_seq = 0;
	/* Signals go to the caller's thread, whose handlers expect them there
	 * (a tool blocks them in its own thread around critical steps). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < n; i++) {
		struct worker *w = &r->workers[i];
		w->r = r;
		if (!(w->dctx = ZSTD_createDCtx()))
			break;
		ZSTD_DCtx_setParameter(w->dctx, ZSTD_d_windowLogMax, NN_MAX_WINDOW_LOG);
		if (pthread_create(&r->threads[i], NULL, decompress_thread, w)) {
			ZSTD_freeDCtx(w->dctx);
			w->dctx = NULL;
			break;
		}
		r->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r->started)
		return;
	r->ahead = 0;
	r->src.wake = -1;
	pthread_cond_destroy(&r->cv);
no_cond:
	pthread_mutex_destroy(&r->mu);
no_mutex:
	close(r->wake[0]);
	close(r->wake[1]);
}

static void stop_read_ahead(nn_reader *r)
{
	if (!r->ahead)
		return;
	pthread_mutex_lock(&r->mu);
	r->quit = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (write(r->wake[1], "", 1) < 0) {
		/* cannot fail: the pipe is empty and open at both ends */
	}
	for (int i = 0; i < r->started; i++) {
		pthread_join(r->threads[i], NULL);
		ZSTD_freeDCtx(r->workers[i].dctx);
	}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	close(r->wake[0]);
	close(r->wake[1]);
	r->ahead = 0;
}

/* Done with r->obj: a worker may refill its slot. */
static void release_frame(nn_reader *r)
{
	if (!r->held)
		return;
	pthread_mutex_lock(&r->mu);
	r->fr[r->cur % (uint64_t)r->nfr].state = SLOT_FREE;
	r->cur++;
	r->held = 0;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* The next frame as r->obj: 0, or 1 at the clean end of the input, or -1.
 * An end or an error stays: asking again gives it again. */
static int next_frame(nn_reader *r, nn_error *err)
{
	struct frame *f = &r->fr[0];
	int eof;

	if (!r->ahead) {
		size_t limit = r->expect == EXPECT_BATCH ? NN_MAX_OBJECT_BYTES : NN_MAX_HEADER_BYTES;
		if (read_frame(&r->src, r->dctx, f, limit, &eof, err))
			return -1;
		if (eof)
			return 1;
	} else {
		release_frame(r);
		f = &r->fr[r->cur % (uint64_t)r->nfr];
		pthread_mutex_lock(&r->mu);
		while (f->state != SLOT_FILLED)
			pthread_cond_wait(&r->cv, &r->mu);
		pthread_mutex_unlock(&r->mu);
		/* A worker decoded its copy under a batch's limit; after an "end"
		 * the parser wants a header's.  Under the lock: a worker's
		 * limit_after may look at this frame meanwhile (rare: only the
		 * frame after an "end" is decoded again). */
		size_t limit = r->last_end ? NN_MAX_HEADER_BYTES : NN_MAX_OBJECT_BYTES;
		if (f->limit != limit && f->cin_len) {
			pthread_mutex_lock(&r->mu);
			if (!r->redo && (r->redo = ZSTD_createDCtx()))
				ZSTD_DCtx_setParameter(r->redo, ZSTD_d_windowLogMax, NN_MAX_WINDOW_LOG);
			if (r->redo)
				decode_copy(f, r->redo, limit);
			else
				f->status = -1, nn_error_set(&f->err, NN_ENOMEM, "out of memory");
			pthread_mutex_unlock(&r->mu);
		}
		if (f->status < 0) {
			if (err)
				*err = f->err;
			return -1;
		}
		if (f->status > 0)
			return 1;
		r->held = 1;
		r->last_end = f->is_end;
	}
	r->obj = f->obj;
	r->obj_len = f->len;
	r->frame_crc = f->crc;
	r->crc_before = r->crc;
	r->crc = crc32_combine(r->crc, f->crc, (z_off_t)f->bytes);
	return 0;
}

static int reader_fail(nn_reader *r)
{
	r->failed = 1;
	return -1;
}

void nn_reader_close(nn_reader *r)
{
	if (!r)
		return;
	stop_read_ahead(r);
	if (r->own_fd)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	ZSTD_freeDCtx(r->redo);
	free(r->src.buf);
	for (int i = 0; r->fr && i < r->nfr; i++) {
		free(r->fr[i].obj);
		free(r->fr[i].cin);
	}
	free(r->fr);
	free(r->workers);
	free(r->threads);
	nn_schema_free(r->schema);
	if (r->col)
		for (size_t i = 0; i < r->batch.ncols; i++)
			free(r->col[i]);
	free(r->col);
	free(r->col_cap);
	free(r);
}

nn_reader *nn_reader_open_fd(int fd, nn_error *err)
{
	nn_reader *r = calloc(1, sizeof *r);
	int eof;

	if (!r) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	r->fd = fd;
	r->src.fd = fd;
	r->src.wake = -1;
	r->src.cap = ZSTD_DStreamInSize();
	r->nfr = 1;
	r->nthreads = 1;
	if (!(r->dctx = ZSTD_createDCtx()) || !(r->src.buf = malloc(r->src.cap)) ||
	    !(r->fr = calloc(1, sizeof *r->fr))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	/* Refuse windows a writer of ours never makes: a crafted frame must
	 * not make us allocate its claimed window. */
	ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, NN_MAX_WINDOW_LOG);
	r->expect = EXPECT_NEXT_MEMBER;   /* the header's limit */
	if ((eof = next_frame(r, err)) < 0) {
		if (err && err->code == NN_EDATA && !strcmp(err->msg, "not zstd data"))
			nn_error_set(err, NN_EDATA, "not an nn stream (not zstd data)");
		goto fail;
	}
	if (eof) {
		nn_error_set(err, NN_EDATA, "empty input, not an nn stream");
		goto fail;
	}
	if (!(r->schema = parse_header(r, err)))
		goto fail;
	r->batch.ncols = r->schema->nfields;
	if (!(r->col = calloc(r->batch.ncols, sizeof *r->col)) ||
	    !(r->col_cap = calloc(r->batch.ncols, sizeof *r->col_cap))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	r->batch.col = r->col;
	r->members = 1;
	r->expect = EXPECT_BATCH;
	return r;
fail:
	nn_reader_close(r);
	return NULL;
}

nn_reader *nn_reader_open(const char *path, nn_error *err)
{
	int fd;
	nn_reader *r;

	if (!strcmp(path, "-"))
		return nn_reader_open_fd(0, err);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		nn_error_set(err, NN_EIO, "%s", strerror(errno));
		return NULL;
	}
	if (!(r = nn_reader_open_fd(fd, err))) {
		close(fd);
		return NULL;
	}
	r->own_fd = 1;
	return r;
}

int nn_reader_set_threads(nn_reader *r, int n, nn_error *err)
{
	if (n < 0 || n > NN_MAX_READER_THREADS)
		return nn_error_set(err, NN_EARG, "%d reader threads is not in 0..%d", n,
		                    NN_MAX_READER_THREADS);
	if (r->ahead_tried)
		return nn_error_set(err, NN_EARG, "reader threads set after the first batch");
	r->nthreads = n;
	return 0;
}

const nn_schema *nn_reader_schema(const nn_reader *r) { return r->schema; }
uint64_t nn_reader_rows(const nn_reader *r) { return r->rows; }
uint64_t nn_reader_members(const nn_reader *r) { return r->members; }

/* Which object is in r->obj: "batch", "end", "header", or NULL. */
static const char *object_type(const nn_reader *r)
{
	nn_mp c = { r->obj, r->obj + r->obj_len };
	size_t n;
	if (nn_mp_map(&c, &n, "", NULL) || n == 0 || !nn_mp_str_is(&c, "type"))
		return NULL;
	nn_mp_skip(&c, NULL);
	return nn_mp_str_is(&c, "batch") ? "batch" : nn_mp_str_is(&c, "end") ? "end"
	     : nn_mp_str_is(&c, "header") ? "header" : NULL;
}

/* Parse the batch in r->obj into r->batch. */
static int parse_batch(nn_reader *r, nn_error *err)
{
	nn_mp c = { r->obj, r->obj + r->obj_len };
	const nn_schema *s = r->schema;
	size_t nkeys, ncols = 0;
	uint64_t index = UINT64_MAX, rows = UINT64_MAX;
	const void *data[NN_MAX_FIELDS];
	size_t len[NN_MAX_FIELDS];
	int have_cols = 0;

	if (nn_mp_map(&c, &nkeys, "batch", err))
		return -1;
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(&c, "index")) {
			nn_mp_skip(&c, err);
			if (nn_mp_uint(&c, &index, "batch index", err))
				return -1;
		} else if (nn_mp_str_is(&c, "rows")) {
			nn_mp_skip(&c, err);
			if (nn_mp_uint(&c, &rows, "batch rows", err))
				return -1;
		} else if (nn_mp_str_is(&c, "columns")) {
			nn_mp_skip(&c, err);
			if (nn_mp_array(&c, &ncols, "batch columns", err))
				return -1;
			if (ncols != s->nfields)
				return nn_error_set(err, NN_EDATA, "batch has %zu columns for %zu fields",
				                    ncols, s->nfields);
			for (size_t i = 0; i < ncols; i++)
				if (nn_mp_bin(&c, &data[i], &len[i], "batch column", err))
					return -1;
			have_cols = 1;
		} else if (nn_mp_skip(&c, err) || nn_mp_skip(&c, err)) {
			return -1;
		}
	}
	if (index == UINT64_MAX || rows == UINT64_MAX || !have_cols)
		return nn_error_set(err, NN_EDATA, "batch lacks its %s",
		                    index == UINT64_MAX ? "index" : rows == UINT64_MAX ? "row count" : "columns");
	if (c.p != c.end)
		return nn_error_set(err, NN_EDATA, "bytes after the batch object in its frame");
	if (index != r->member_batches)
		return nn_error_set(err, NN_EDATA, "batch %llu found where batch %llu was due (lost or reordered data)",
		                    (unsigned long long)index, (unsigned long long)r->member_batches);
	for (size_t i = 0; i < ncols; i++) {
		size_t want;
		/* rows is bounded by the bin length, so a huge claim fails here */
		if (rows > len[i] / s->fields[i].row_bytes + 1 ||
		    nn_size_mul((size_t)rows, s->fields[i].row_bytes, &want) || want != len[i])
			return nn_error_set(err, NN_EDATA, "field '%s': batch of %llu rows has %zu bytes",
			                    s->fields[i].name, (unsigned long long)rows, len[i]);
		if (len[i] > r->col_cap[i]) {
			void *p = NULL;
			if (posix_memalign(&p, 64, len[i]))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			free(r->col[i]);
			r->col[i] = p;
			r->col_cap[i] = len[i];
		}
		if (len[i])
			memcpy(r->col[i], data[i], len[i]);
	}
	r->batch.rows = (size_t)rows;
	r->member_batches++;
	r->member_rows += rows;
	return 0;
}

static int parse_end(nn_reader *r, nn_error *err)
{
	nn_mp c = { r->obj, r->obj + r->obj_len };
	size_t nkeys;
	uint64_t batches = UINT64_MAX, rows = UINT64_MAX, crc = UINT64_MAX;

	if (nn_mp_map(&c, &nkeys, "trailer", err))
		return -1;
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(&c, "batches")) {
			nn_mp_skip(&c, err);
			if (nn_mp_uint(&c, &batches, "trailer batches", err))
				return -1;
		} else if (nn_mp_str_is(&c, "rows")) {
			nn_mp_skip(&c, err);
			if (nn_mp_uint(&c, &rows, "trailer rows", err))
				return -1;
		} else if (nn_mp_str_is(&c, "crc32")) {
			nn_mp_skip(&c, err);
			if (nn_mp_uint(&c, &crc, "trailer crc32", err))
				return -1;
		} else if (nn_mp_skip(&c, err) || nn_mp_skip(&c, err)) {
			return -1;
		}
	}
	if (rows == UINT64_MAX || batches == UINT64_MAX || crc == UINT64_MAX)
		return nn_error_set(err, NN_EDATA, "trailer lacks its %s", rows == UINT64_MAX ? "row count"
		                    : batches == UINT64_MAX ? "batch count" : "crc32");
	if (crc != r->crc_before)
		return nn_error_set(err, NN_EDATA, "corrupt: the CRC-32 of the stream's bytes does not match its trailer");
	if (c.p != c.end)
		return nn_error_set(err, NN_EDATA, "bytes after the trailer object in its frame");
	if (rows != r->member_rows || batches != r->member_batches)
		return nn_error_set(err, NN_EDATA, "trailer says %llu rows in %llu batches, but %llu rows in %llu batches were read",
		                    (unsigned long long)rows, (unsigned long long)batches,
		                    (unsigned long long)r->member_rows, (unsigned long long)r->member_batches);
	return 0;
}

int nn_reader_next(nn_reader *r, const nn_batch **batch, nn_error *err)
{
	int eof;

	if (r->failed)
		return nn_error_set(err, NN_EARG, "reader failed before");
	if (!r->ahead_tried && r->expect == EXPECT_BATCH)
		start_read_ahead(r);
	for (;;) {
		if ((eof = next_frame(r, err)) < 0) {
			if (r->expect == EXPECT_NEXT_MEMBER && err && err->code == NN_EDATA &&
			    !strcmp(err->msg, "not zstd data"))
				nn_error_set(err, NN_EDATA, "trailing garbage after the end of the stream");
			return reader_fail(r);
		}
		if (eof) {
			if (r->expect == EXPECT_NEXT_MEMBER)
				return 0;
			nn_error_set(err, NN_EDATA, "truncated: the stream ends without its trailer after %llu rows",
			             (unsigned long long)r->rows);
			return reader_fail(r);
		}
		const char *type = object_type(r);
		if (r->expect == EXPECT_BATCH && type && !strcmp(type, "batch")) {
			if (parse_batch(r, err))
				return reader_fail(r);
			release_frame(r);   /* parse_batch copied the columns */
			r->rows += r->batch.rows;
			if (r->batch.rows == 0)
				continue;
			*batch = &r->batch;
			return 1;
		}
		if (r->expect == EXPECT_BATCH && type && !strcmp(type, "end")) {
			if (parse_end(r, err))
				return reader_fail(r);
			r->expect = EXPECT_NEXT_MEMBER;
			continue;
		}
		if (r->expect == EXPECT_NEXT_MEMBER && type && !strcmp(type, "header")) {
			nn_schema *s = parse_header(r, err);
			if (!s)
				return reader_fail(r);
			int differ = nn_schema_compare(r->schema, s, err);
			nn_schema_free(s);
			if (differ) {
				nn_error_prefix(err, "concatenated stream %llu has another schema",
				                (unsigned long long)r->members + 1);
				return reader_fail(r);
			}
			r->members++;
			r->member_batches = r->member_rows = 0;
			/* the new member's bytes began with this header's frame */
			r->crc = r->frame_crc;
			r->expect = EXPECT_BATCH;
			continue;
		}
		if (r->expect == EXPECT_NEXT_MEMBER)
			nn_error_set(err, NN_EDATA, "trailing data after the end of the stream");
		else
			nn_error_set(err, NN_EDATA, "%s object where a batch or the trailer was due",
			             type ? type : "unknown");
		return reader_fail(r);
	}
}
