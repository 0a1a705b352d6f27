/* writer.c — nn_writer: buffers rows into batches and writes one zstd
 * frame per batch, the header first and the trailer last.
 *
 *   {"type":"batch", "index":I, "rows":R, "columns":[bin, bin, ...]}  ...
 *   {"type":"end", "batches":B, "rows":T, "crc32":C}
 *
 * C is the CRC-32 of every compressed byte of the stream before the
 * trailer's frame.  zstd's own checksum covers what a frame decodes to;
 * some bits of a frame's encoding (an unused header bit, redundant entropy
 * table bits) can flip without changing that, and the CRC catches those.
 *
 * Choices:
 * - A batch's frame is compressed from pieces (its map, each column's bin
 *   prefix, the column's own bytes), so no batch is copied to be packed.
 * - Rows reach the batch being filled by one copy (nn_writer_write) or
 *   none (nn_writer_room and _commit: the caller makes them in place).
 *   Without threads, a whole batch handed to nn_writer_write is
 *   compressed from the caller's columns: no copy at all.
 * - Full batches go to compression threads of the writer's own
 *   (writer_threads.c); the bytes are the same for any number of threads
 *   and without any (nn_writer_set_threads 0), when the caller's thread
 *   compresses each batch as it fills, writing as zstd's output buffer
 *   fills, so a reader downstream sees each batch as soon as it is whole.
 * - After any error every call fails, and nothing may follow the trailer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd_errors.h>
#include "nn/crypt.h"
#include "nn/pack.h"
#include "nn/sign.h"
#include "stream_int.h"

/* frame_compress's sink in the caller's thread: each piece of a frame is
 * written as soon as the output buffer fills, so a reader downstream sees
 * each batch as soon as it is complete. */
static int write_out(void *arg, const void *buf, size_t len, nn_error *err)
{
	return writer_sink(arg, buf, len, err);
}

static int fd_sink(void *arg, const void *buf, size_t len, nn_error *err)
{
	const nn_writer *w = arg;
	return nn_write_all(w->fd, buf, len, err);
}

int writer_sink(nn_writer *w, const void *buf, size_t len, nn_error *err)
{
	if (w->crypt ? nn_crypt_out_write(w->crypt, buf, len, err) : nn_write_all(w->fd, buf, len, err))
		return -1;
	w->crc = crc32_z(w->crc, buf, len);
	if (w->sha)
		crypto_hash_sha512_update(w->sha, buf, len);
	return 0;
}

static int write_frame(nn_writer *w, const void *const *pieces, const size_t *lens,
                       size_t n, nn_error *err)
{
	return frame_compress(w->cctx, pieces, lens, n, w->out, w->out_cap, write_out, w, NULL, err);
}

static int write_object(nn_writer *w, nn_error *err)
{
	const void *piece = w->pre.data;
	size_t len = w->pre.size;
	return write_frame(w, &piece, &len, 1, err);
}

int writer_fail(nn_writer *w)
{
	w->failed = 1;
	return -1;
}

/* A batch's frame as pieces: its map (and each column's bin prefix),
 * packed into pre, between the columns' own bytes. */
int writer_batch_pieces(const nn_writer *w, msgpack_sbuffer *pre, unsigned char *const *col,
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
int writer_emit_batch(nn_writer *w, nn_error *err)
{
	const void *pieces[2 * NN_MAX_FIELDS];
	size_t lens[2 * NN_MAX_FIELDS], n;

	if (writer_batch_pieces(w, &w->pre, w->col, w->buffered, w->batches, pieces, lens, &n, err) ||
	    write_frame(w, pieces, lens, n, err))
		return -1;
	w->batches++;
	w->rows += w->buffered;
	w->buffered = 0;
	return 0;
}




void writer_free_cols(unsigned char **col, size_t n)
{
	if (col)
		for (size_t i = 0; i < n; i++)
			free(col[i]);
	free(col);
}

unsigned char **writer_alloc_cols(const nn_writer *w)
{
	const nn_schema *s = w->schema;
	unsigned char **col = calloc(s->nfields, sizeof *col);

	for (size_t i = 0; col && i < s->nfields; i++)
		if (!(col[i] = malloc(w->batch_rows * s->fields[i].row_bytes))) {
			writer_free_cols(col, s->nfields);
			return NULL;
		}
	return col;
}

void nn_writer_free(nn_writer *w)
{
	if (!w)
		return;
	writer_stop_threads(w);
	writer_free_cols(w->col, w->schema_fields);
	nn_schema_free(w->schema);
	ZSTD_freeCCtx(w->cctx);
	nn_crypt_out_free(w->crypt);
	free(w->sha);
	free(w->out);
	msgpack_sbuffer_destroy(&w->pre);
	free(w);
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
	if (stream_row_bytes(s, &rb, err))
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
	if (w->batch_rows > stream_max_rows(s, rb))
		w->batch_rows = stream_max_rows(s, rb);
	/* the batch's bytes, its map (under 64 bytes) and a bin prefix per field */
	w->frame_cap = ZSTD_compressBound(w->batch_rows * rb + 64 + 5 * s->nfields);
	w->out_cap = ZSTD_CStreamOutSize();
	if (!(w->schema = nn_schema_clone(s, err)))
		goto fail;
	w->schema_fields = s->nfields;
	if (nn_sign_in_use() && nn_sign_kind(s->kind)) {
		if (!(w->sha = malloc(sizeof *w->sha))) {
			nn_error_set(err, NN_ENOMEM, "out of memory");
			goto fail;
		}
		crypto_hash_sha512_init(w->sha);
	}
	if (!(w->cctx = ZSTD_createCCtx()) || !(w->out = malloc(w->out_cap)) ||
	    !(w->col = writer_alloc_cols(w))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	if (pthread_mutex_init(&w->mu, NULL)) {
		nn_error_set(err, NN_ENOMEM, "cannot make a mutex");
		goto fail;
	}
	if (pthread_cond_init(&w->cv, NULL)) {
		pthread_mutex_destroy(&w->mu);
		nn_error_set(err, NN_ENOMEM, "cannot make a condition variable");
		goto fail;
	}
	w->sync = w->background = 1;
	r = frame_cctx_params(w->cctx, o.level);
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
			frame_zstd_error(r, err);
		else
			nn_error_set(err, NN_EARG, "zstd: %s", ZSTD_getErrorName(r));
		goto fail;
	}
	/* with the process's key (nn/crypt.h), the prologue now */
	if (nn_key_in_use() && !(w->crypt = nn_crypt_out_new(nn_key_in_use(), fd_sink, w, err)))
		goto fail;
	msgpack_packer_init(&pk, &w->pre, msgpack_sbuffer_write);
	if (header_pack(&pk, s) ||
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



/* Write the buffered rows as a batch; wait: the batch is on fd (and every
 * earlier one) when this returns. */
static int flush_now(nn_writer *w, nn_error *err)
{
	if (w->failed)
		return nn_error_set(err, NN_EARG, "writer failed before");
	if (w->started && w->buffered && writer_hand_over(w, err))
		return -1;
	if (writer_wait_idle(w, err))
		return -1;
	if (w->buffered && writer_emit_batch(w, err))
		return writer_fail(w);
	return 0;
}

int nn_writer_flush(nn_writer *w, nn_error *err)
{
	return flush_now(w, err);
}

/* Count `take` more rows as buffered; a full batch goes to a thread, or,
 * without threads, is compressed here. */
static int add_rows(nn_writer *w, size_t take, nn_error *err)
{
	w->buffered += take;
	if (w->buffered == w->batch_rows &&
	    (w->background ? writer_hand_over(w, err) : flush_now(w, err)))
		return -1;
	return 0;
}

/* Without threads, whole batches of the caller's are compressed from its
 * columns where they lie: nothing to keep after the call returns, so
 * nothing to copy. */
static int write_direct(nn_writer *w, const void *const *cols, size_t rows, nn_error *err)
{
	const nn_schema *s = w->schema;
	const void *pieces[2 * NN_MAX_FIELDS];
	unsigned char *col[NN_MAX_FIELDS];
	size_t lens[2 * NN_MAX_FIELDS], n;

	for (size_t i = 0; i < s->nfields; i++)
		col[i] = (unsigned char *)cols[i];   /* only read */
	if (writer_batch_pieces(w, &w->pre, col, rows, w->batches, pieces, lens, &n, err) ||
	    write_frame(w, pieces, lens, n, err))
		return writer_fail(w);
	w->batches++;
	w->rows += rows;
	return 0;
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
		if (!w->background && !w->buffered && take == w->batch_rows) {
			const void *at[NN_MAX_FIELDS];
			for (size_t i = 0; i < s->nfields; i++)
				at[i] = (const unsigned char *)cols[i] + done * s->fields[i].row_bytes;
			if (write_direct(w, at, take, err))
				return -1;
			done += take;
			continue;
		}
		for (size_t i = 0; i < s->nfields; i++) {
			size_t rb = s->fields[i].row_bytes;
			memcpy(w->col[i] + w->buffered * rb, (const unsigned char *)cols[i] + done * rb,
			       take * rb);
		}
		done += take;
		if (add_rows(w, take, err))
			return -1;
	}
	return 0;
}

size_t nn_writer_room(nn_writer *w, void **cols)
{
	const nn_schema *s = w->schema;

	if (w->failed)
		return 0;
	for (size_t i = 0; i < s->nfields; i++)
		cols[i] = w->col[i] + w->buffered * s->fields[i].row_bytes;
	return w->batch_rows - w->buffered;
}

int nn_writer_commit(nn_writer *w, size_t rows, nn_error *err)
{
	if (w->failed)
		return nn_error_set(err, NN_EARG, "writer failed before");
	if (rows > w->batch_rows - w->buffered)
		return nn_error_set(err, NN_EARG, "%zu rows committed, room for %zu", rows,
		                    w->batch_rows - w->buffered);
	return add_rows(w, rows, err);
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
	e |= msgpack_pack_map(&pk, w->sha ? 6 : 4);
	e |= nn_pack_str(&pk, "type") | nn_pack_str(&pk, "end");
	e |= nn_pack_str(&pk, "batches") | msgpack_pack_uint64(&pk, w->batches);
	e |= nn_pack_str(&pk, "rows") | msgpack_pack_uint64(&pk, w->rows);
	e |= nn_pack_str(&pk, "crc32") | msgpack_pack_uint32(&pk, (uint32_t)w->crc);
	if (w->sha) {
		/* the signature covers what the crc32 does (nn/sign.h) */
		unsigned char digest[64], pub[NN_SIGN_PUBBYTES], sig[NN_SIGN_BYTES];
		crypto_hash_sha512_final(w->sha, digest);
		nn_sign_digest(nn_sign_in_use(), digest, sig);
		nn_sign_key_public(nn_sign_in_use(), pub);
		e |= nn_pack_str(&pk, "signer") | nn_pack_bin(&pk, pub, sizeof pub);
		e |= nn_pack_str(&pk, "signature") | nn_pack_bin(&pk, sig, sizeof sig);
	}
	if (e) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return writer_fail(w);
	}
	if (write_object(w, err) || (w->crypt && nn_crypt_out_finish(w->crypt, err)))
		return writer_fail(w);
	w->failed = 1;   /* nothing may follow the trailer */
	return 0;
}

int nn_writer_set_threads(nn_writer *w, int n, nn_error *err)
{
	if (n < 0 || n > NN_MAX_WRITER_THREADS)
		return nn_error_set(err, NN_EARG, "%d compression threads is not in 0..%d", n,
		                    NN_MAX_WRITER_THREADS);
	if (w->batches || w->jobs)
		return nn_error_set(err, NN_EARG, "compression threads set after the first batch");
	w->background = n > 0;
	w->nthreads = n > 1 ? n : 1;
	return 0;
}


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
