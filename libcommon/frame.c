/* frame.c — one zstd frame of a stream: the limits a frame and its object
 * are held to, the check of its header, the compression loop (writer.c's
 * caller and its threads share it) and the decoding loop with the CRC-32
 * of the compressed bytes (reader.c and readahead.c share it).
 *
 * Choices:
 * - Every frame carries its content size and a content checksum; a frame
 *   without either, a skippable frame, or one with the header's unused
 *   bit set is refused before anything is decoded.
 * - The claimed content size is checked against the limit before any of
 *   it is allocated, and then treated as a claim: the output buffer grows
 *   by doubling as data actually arrives.  The growth depends on the frame
 *   alone, so the same damaged frame meets the same error (and message)
 *   whichever buffer decodes it.
 */
#include <stdlib.h>
#include <string.h>
#include <zstd_errors.h>
#include "nn/mp.h"
#include "stream_int.h"

static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

/* Room for a batch's map around its columns' bytes. */
static size_t map_room(const nn_schema *s)
{
	return 4096 + 8 * s->nfields;
}

int stream_row_bytes(const nn_schema *s, size_t *out, nn_error *err)
{
	size_t total = 0;
	for (size_t i = 0; i < s->nfields; i++)
		if (nn_size_add(total, s->fields[i].row_bytes, &total))
			return nn_error_set(err, NN_ELIMIT, "rows too large");
	size_t most = NN_MAX_OBJECT_BYTES - map_room(s);
	if (total > most)
		return nn_error_set(err, NN_ELIMIT, "one row is %zu bytes, over the %zu bytes a batch can hold",
		                    total, most);
	*out = total;
	return 0;
}

size_t stream_max_rows(const nn_schema *s, size_t rb)
{
	return (NN_MAX_OBJECT_BYTES - map_room(s)) / rb;
}

int frame_zstd_error(size_t r, nn_error *err)
{
	if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
		return nn_error_set(err, NN_ENOMEM, "out of memory (zstd)");
	return nn_error_set(err, NN_EIO, "zstd: %s", ZSTD_getErrorName(r));
}

/* Readers refuse windows over 2^NN_MAX_WINDOW_LOG.  Levels 1..19 use at
 * most 2^23 (zstd's lib/compress/clevels.h); 20..22 are refused by the
 * writer. */
size_t frame_cctx_params(ZSTD_CCtx *c, int level)
{
	size_t r = ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	return r;
}

int frame_compress(ZSTD_CCtx *c, const void *const *pieces, const size_t *lens, size_t n,
                   unsigned char *out, size_t cap, frame_sink *sink, void *arg, size_t *len,
                   nn_error *err)
{
	ZSTD_outBuffer o = { out, cap, 0 };
	size_t total = 0, r;

	for (size_t i = 0; i < n; i++)
		total += lens[i];
	r = ZSTD_CCtx_setPledgedSrcSize(c, total);
	if (ZSTD_isError(r))
		return frame_zstd_error(r, err);
	for (size_t i = 0; i <= n; i++) {
		ZSTD_inBuffer in = { i < n ? pieces[i] : NULL, i < n ? lens[i] : 0, 0 };
		ZSTD_EndDirective mode = i < n ? ZSTD_e_continue : ZSTD_e_end;
		do {
			r = ZSTD_compressStream2(c, &o, &in, mode);
			if (ZSTD_isError(r))
				return frame_zstd_error(r, err);
			int done = mode == ZSTD_e_end && r == 0;
			if (sink && (o.pos == o.size || done)) {
				if (sink(arg, out, o.pos, err))
					return -1;
				o.pos = 0;
			} else if (!sink && o.pos == o.size && !done) {
				/* cap is ZSTD_compressBound: never */
				return nn_error_set(err, NN_EIO, "zstd: a frame over its bound");
			}
		} while (in.pos < in.size || (mode == ZSTD_e_end && r != 0));
	}
	if (len)
		*len = o.pos;
	return 0;
}

int frame_check_header(const unsigned char *h, size_t avail, unsigned long long *content,
                       nn_error *err)
{
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
	*content = ZSTD_getFrameContentSize(h, avail);
	if (*content == ZSTD_CONTENTSIZE_ERROR)
		return nn_error_set(err, NN_EDATA, avail < FRAME_HEADER_MAX
		                    ? "truncated inside a zstd frame header" : "corrupt zstd frame header");
	if (*content == ZSTD_CONTENTSIZE_UNKNOWN)
		return nn_error_set(err, NN_EDATA, "zstd frame without its content size");
	return 0;
}

int frame_read(struct input *in, ZSTD_DCtx *dctx, struct frame *f, size_t limit, int *eof,
               nn_error *err)
{
	size_t avail, ret;
	unsigned long long csize;

	*eof = 0;
	while (in->len - in->pos < FRAME_HEADER_MAX && !in->eof)
		if (input_fill(in, err) < 0)
			return -1;
	avail = in->len - in->pos;
	if (avail == 0) {
		*eof = 1;
		return 0;
	}
	if (frame_check_header(in->buf + in->pos, avail, &csize, err))
		return -1;
	if (csize > limit)
		return nn_error_set(err, NN_ELIMIT, "an object of %llu bytes is over the %zu byte limit",
		                    csize, limit);
	/* the whole frame in the buffer, if it can be: zstd then decodes it
	 * straight into f->obj (input.c) */
	size_t whole;
	input_whole_frame(in, &whole);
	/* Room for what a real frame of this many input bytes could plausibly
	 * hold, doubled as data arrives (see the top of this file). */
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
		if (f->pad + room > f->cap) {
			unsigned char *o = realloc(f->mem, f->pad + room);
			if (!o)
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			f->mem = o;
			f->cap = f->pad + room;
		}
		f->obj = f->mem + f->pad;
		if (in->pos == in->len) {
			ssize_t n = input_fill(in, err);
			if (n < 0)
				return -1;
			if (n == 0)
				return nn_error_set(err, NN_EDATA, "truncated inside a zstd frame");
		}
		ZSTD_inBuffer zin = { in->buf, in->len, in->pos };
		ZSTD_outBuffer out = { f->obj, room, f->len };
		ret = ZSTD_decompressStream(dctx, &out, &zin);
		f->crc = crc32_z(f->crc, in->buf + in->pos, zin.pos - in->pos);
		if (f->sha)
			crypto_hash_sha512_update(f->sha, in->buf + in->pos, zin.pos - in->pos);
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

/* The parser's own test of an object's type comes later, in order; this
 * one only chooses the next frame's limit, as the parser would. */
int frame_is_end(const struct frame *f)
{
	nn_mp c = { f->obj, f->obj + f->len };
	size_t n;
	return !nn_mp_map(&c, &n, "", NULL) && n && nn_mp_str_is(&c, "type") &&
	       !nn_mp_skip(&c, NULL) && nn_mp_str_is(&c, "end");
}
