/* reader.c — nn_reader: the header, then batches and a trailer, then
 * either the end of the input or another whole stream of the same schema
 * (a `cat` of shards).
 *
 * Choices:
 * - The reader's state is which of those it expects next; anything else
 *   is an error that names what was seen.  A stream cut at any byte, or
 *   with any bit flipped, is an error, never a shorter valid stream: the
 *   trailer's row and batch counts and its CRC-32 of the compressed bytes
 *   (writer.c) are checked, and batch indexes must follow each other.
 * - A header is decoded under NN_MAX_HEADER_BYTES, a batch or a trailer
 *   under NN_MAX_OBJECT_BYTES: the limit depends on what is expected.
 * - One batch at a time: a batch is valid until the next call, and its
 *   columns lie in the decoded frame, which the reader holds until then,
 *   wherever they are aligned for their dtype (a msgpack bin's bytes may
 *   be anywhere); a column that is not is copied to an aligned buffer.
 * - After any error every call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/crypt.h"
#include "nn/mp.h"
#include "nn/sign.h"
#include "stream_int.h"

/* The next frame as r->obj: 0, or 1 at the clean end of the input, or -1.
 * An end or an error stays: asking again gives it again. */
static int next_frame(nn_reader *r, nn_error *err)
{
	struct frame *f = &r->fr[0];
	int eof;

	if (!r->ahead) {
		size_t limit = r->expect == EXPECT_BATCH ? NN_MAX_OBJECT_BYTES : NN_MAX_HEADER_BYTES;
		f->pad = r->pad;
		if ((f->sha = r->sha))
			*r->sha_before = *r->sha;
		if (frame_read(&r->src, r->dctx, f, limit, &eof, err))
			return -1;
		if (eof)
			return 1;
	} else if ((eof = ahead_take(r, &f, err))) {
		return eof;
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
	ahead_stop(r);
	if (r->own_fd)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	ZSTD_freeDCtx(r->redo);
	free(r->src.buf);
	nn_crypt_in_free(r->src.crypt);
	free(r->sha);
	free(r->sha_before);
	for (int i = 0; r->fr && i < r->nfr; i++) {
		free(r->fr[i].mem);
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
	free(r->view);
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
	if (nn_trust_in_use() || nn_sign_reporting()) {
		/* hashed from the first byte, kept for the kinds that are signed */
		if (!(r->sha = malloc(sizeof *r->sha)) ||
		    !(r->sha_before = malloc(sizeof *r->sha_before))) {
			nn_error_set(err, NN_ENOMEM, "out of memory");
			goto fail;
		}
		crypto_hash_sha512_init(r->sha);
	}
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
	if (!(r->schema = header_parse(r->obj, r->obj_len, err)))
		goto fail;
	if (r->sha && !nn_sign_kind(r->schema->kind)) {
		free(r->sha);
		r->sha = r->fr[0].sha = NULL;
	}
	r->batch.ncols = r->schema->nfields;
	if (!(r->col = calloc(r->batch.ncols, sizeof *r->col)) ||
	    !(r->col_cap = calloc(r->batch.ncols, sizeof *r->col_cap)) ||
	    !(r->view = calloc(r->batch.ncols, sizeof *r->view))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	r->batch.col = r->view;
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

/* Choose where the next frames' objects start in their buffers (malloc's,
 * aligned for every dtype), so that this batch's biggest column of a dtype
 * wider than a byte would lie aligned: a stream's batches share their
 * layout but for the width of a growing index, so the next ones then hand
 * that column out where it lies, with no copy. */
static void aim_next(nn_reader *r, const void *const *data, const size_t *len)
{
	const nn_schema *s = r->schema;
	size_t big = SIZE_MAX;

	for (size_t i = 0; i < s->nfields; i++)
		if (nn_dtype_size(s->fields[i].dtype) > 1 && (big == SIZE_MAX || len[i] > len[big]))
			big = i;
	if (big == SIZE_MAX)
		return;
	size_t off = (size_t)((const unsigned char *)data[big] - r->obj);
	size_t pad = (8 - off % 8) % 8;
	if (r->ahead)
		pthread_mutex_lock(&r->mu);
	r->pad = pad;
	if (r->ahead)
		pthread_mutex_unlock(&r->mu);
}

/* Parse the batch in r->obj into r->batch: each column where it lies in
 * the frame when that is aligned for its dtype, else an aligned copy. */
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
	}
	for (size_t i = 0; i < ncols; i++) {
		size_t bad;
		if (s->fields[i].dtype == NN_STR &&
		    (bad = nn_str_check(data[i], s->fields[i].row_bytes, (size_t)rows)) != SIZE_MAX)
			return nn_error_set(err, NN_EDATA, "corrupt: row %llu of str field '%s' is not "
			                    "UTF-8 text padded with NUL bytes",
			                    (unsigned long long)(r->rows + bad + 1),
			                    s->fields[i].name);
	}
	for (size_t i = 0; i < ncols; i++) {
		size_t align = nn_dtype_size(s->fields[i].dtype);
		if (!((uintptr_t)data[i] & (align - 1))) {   /* as it lies in the frame */
			r->view[i] = (void *)(uintptr_t)data[i];
			continue;
		}
		if (len[i] > r->col_cap[i]) {
			void *p = NULL;
			if (posix_memalign(&p, 64, len[i]))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			free(r->col[i]);
			r->col[i] = p;
			r->col_cap[i] = len[i];
		}
		memcpy(r->col[i], data[i], len[i]);
		r->view[i] = r->col[i];
	}
	aim_next(r, data, len);
	r->batch.rows = (size_t)rows;
	r->member_batches++;
	r->member_rows += rows;
	return 0;
}

/* The latest member's signature, against the hash of its bytes before
 * the trailer's frame (nn/sign.h); the hash starts again for the next. */
static int check_signature(nn_reader *r, const unsigned char *signer, const unsigned char *sig,
                           nn_error *err)
{
	const nn_trust *t = nn_trust_in_use();
	const char *kind = r->schema->kind;
	unsigned char digest[64];
	char id[NN_SIGN_ID_HEX];

	crypto_hash_sha512_final(r->sha_before, digest);
	crypto_hash_sha512_init(r->sha);
	r->sig = NN_SIG_NONE;
	if (!sig) {
		if (t)
			return nn_error_set(err, NN_EDATA, "%s not signed, and --trust (or NN_TRUST) asks "
			                    "for a signature: sign it (--sign-key) or drop --trust", kind);
		return 0;
	}
	nn_sign_id(signer, id);
	if (nn_sign_verify(signer, digest, sig))
		return nn_error_set(err, NN_EDATA, "the signature by key %s does not verify: the %s "
		                    "changed after it was signed", id, kind);
	memcpy(r->signer, signer, sizeof r->signer);
	r->sig = nn_trust_has(t, signer) ? NN_SIG_TRUSTED : NN_SIG_VALID;
	if (t && r->sig != NN_SIG_TRUSTED)
		return nn_error_set(err, NN_EDATA, "%s signed by key %s, which --trust (or NN_TRUST) "
		                    "does not hold: add its .pub file if you trust it", kind, id);
	return 0;
}

int nn_reader_signature(const nn_reader *r, char id[NN_SIGN_ID_HEX])
{
	if (r->sig == NN_SIG_VALID || r->sig == NN_SIG_TRUSTED)
		nn_sign_id(r->signer, id);
	return r->sig;
}

static int parse_end(nn_reader *r, nn_error *err)
{
	nn_mp c = { r->obj, r->obj + r->obj_len };
	size_t nkeys;
	uint64_t batches = UINT64_MAX, rows = UINT64_MAX, crc = UINT64_MAX;
	const void *signer = NULL, *sig = NULL;
	size_t signer_len = 0, sig_len = 0;

	if (nn_mp_map(&c, &nkeys, "trailer", err))
		return -1;
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(&c, "signer")) {
			nn_mp_skip(&c, err);
			if (nn_mp_bin(&c, &signer, &signer_len, "trailer signer", err))
				return -1;
			continue;
		}
		if (nn_mp_str_is(&c, "signature")) {
			nn_mp_skip(&c, err);
			if (nn_mp_bin(&c, &sig, &sig_len, "trailer signature", err))
				return -1;
			continue;
		}
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
	if ((signer && signer_len != NN_SIGN_PUBBYTES) || (sig && sig_len != NN_SIGN_BYTES) ||
	    !signer != !sig)
		return nn_error_set(err, NN_EDATA, "trailer: a signer of %zu bytes and a signature of "
		                    "%zu bytes, not %d and %d", signer_len, sig_len, NN_SIGN_PUBBYTES,
		                    NN_SIGN_BYTES);
	return r->sha ? check_signature(r, signer, sig, err) : 0;
}

int nn_reader_next(nn_reader *r, const nn_batch **batch, nn_error *err)
{
	int eof;

	if (r->failed)
		return nn_error_set(err, NN_EARG, "reader failed before");
	/* a hash takes the frames in order, in this thread: no read-ahead */
	if (!r->ahead_tried && r->expect == EXPECT_BATCH && !r->sha)
		ahead_start(r);
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
			nn_schema *s = header_parse(r->obj, r->obj_len, err);
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
