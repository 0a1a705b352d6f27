/* input.c — the reader's buffered input: reading more of it, having the
 * next whole frame in it, and cutting that frame out for a read-ahead
 * worker to decode alone.
 *
 * Choices:
 * - A read-ahead worker may wait for input that never comes (an upstream
 *   program that stops without closing its end): it waits in poll, with a
 *   pipe that nn_reader_close writes to, instead of blocking in read.
 * - A frame is whole in the buffer, or cut out, only when its end is found
 *   from its block headers (ZSTD_findFrameCompressedSize) within what a
 *   frame of its declared size can take, and only when it decodes to at
 *   most COPY_MAX_BYTES; otherwise it is decoded from the input as it
 *   comes (frame_read), which says what is wrong with a cut or damaged
 *   frame as it would with it whole, and holds no more than a buffer of
 *   a big frame's compressed bytes.
 * - An encrypted input (nn/crypt.h) is decrypted as it is read, chunk by
 *   chunk, into the same buffer: everything above sees clear zstd frames.
 * - A whole frame is what lets zstd decode straight into the object's
 *   buffer, in one pass; a frame that arrives in pieces is decoded into
 *   zstd's own window buffer first and copied out from there.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd_errors.h>
#include "nn/crypt.h"
#include "stream_int.h"

/* Frames of up to this many bytes decoded are copied for a worker to
 * decode alone; bigger ones (a stream made elsewhere, with batches of
 * many MiB) are decoded in place. */
#define COPY_MAX_BYTES (4u << 20)

/* read(2) on the input's fd, waiting in poll beside the wake pipe when
 * there is one; the encryption layer's source. */
static ssize_t raw_read(void *arg, void *buf, size_t len, nn_error *err)
{
	struct input *in = arg;

	for (;;) {
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
		ssize_t n = read(in->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nn_error_set(err, NN_EIO, "read failed: %s", strerror(errno));
		return n;
	}
}

/* The start of the input: an encrypted stream's prologue, read with the
 * process's key (nn/crypt.h), or clear bytes, read as they are.  Without
 * a key an encrypted stream is refused naming its key id; with one, a
 * clear stream is refused (a key means every input is encrypted) unless
 * nn_key_accept_clear said otherwise.  A
 * failure stays: the next call fails the same way. */
static int input_start(struct input *in, nn_error *err)
{
	const nn_key *key = nn_key_in_use();
	char id[NN_KEY_ID_HEX];
	size_t magic = sizeof NN_CRYPT_MAGIC - 1;

	while (in->len < magic && !in->eof) {
		ssize_t n = raw_read(in, in->buf + in->len, in->cap - in->len, err);
		if (n < 0)
			return -1;
		in->eof = n == 0;
		in->len += (size_t)n;
	}
	if (!nn_crypt_is_encrypted(in->buf, in->len)) {
		if (key && in->len && !nn_key_accepts_clear())
			return nn_error_set(err, NN_EDATA, "not encrypted, but a key is given (with a key "
			                    "every input must be encrypted; --accept-clear reads it)");
		in->checked = 1;
		return 0;
	}
	if (!key) {
		while (in->len < NN_CRYPT_PROLOGUE && !in->eof) {
			ssize_t n = raw_read(in, in->buf + in->len, in->cap - in->len, err);
			if (n < 0)
				return -1;
			in->eof = n == 0;
			in->len += (size_t)n;
		}
		if (nn_crypt_prologue_id(in->buf, in->len, id, err))
			return -1;
		return nn_error_set(err, NN_EDATA, "encrypted with key id %s, give --key", id);
	}
	if (!(in->crypt = nn_crypt_in_new(key, raw_read, in, in->buf, in->len, err)))
		return -1;
	in->len = 0;
	in->eof = 0;
	in->checked = 1;
	return 0;
}

ssize_t input_fill(struct input *in, nn_error *err)
{
	ssize_t n;

	if (in->eof)
		return 0;
	if (in->pos) {             /* keep the unread tail at the front */
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	if (!in->checked) {
		size_t before = in->len;
		if (input_start(in, err))
			return -1;
		if (!in->crypt) {
			n = (ssize_t)(in->len - before);
			if (!n)
				in->eof = 1;
			return n;
		}
	}
	if (in->crypt)
		n = nn_crypt_in_read(in->crypt, in->buf + in->len, in->cap - in->len, err);
	else
		n = raw_read(in, in->buf + in->len, in->cap - in->len, err);
	if (n < 0)
		return -1;
	if (n == 0)
		in->eof = 1;
	in->len += (size_t)n;
	return n;
}

int input_whole_frame(struct input *in, size_t *len)
{
	unsigned long long csize;
	size_t n, bound;

	while (in->len - in->pos < FRAME_HEADER_MAX && !in->eof)
		if (input_fill(in, NULL) < 0)
			return 0;
	n = in->len - in->pos;
	if (n < FRAME_HEADER_MAX || frame_check_header(in->buf + in->pos, n, &csize, NULL) ||
	    csize > COPY_MAX_BYTES)
		return 0;
	bound = ZSTD_compressBound((size_t)csize) + 64;
	for (;;) {
		size_t size = ZSTD_findFrameCompressedSize(in->buf + in->pos, in->len - in->pos);
		if (!ZSTD_isError(size)) {
			*len = size;
			return 1;
		}
		if (ZSTD_getErrorCode(size) != ZSTD_error_srcSize_wrong || in->eof ||
		    in->len - in->pos >= bound)
			return 0;
		if (in->len == in->cap && in->pos == 0) {   /* input_fill would have no room */
			size_t cap = 2 * in->cap;
			unsigned char *b = realloc(in->buf, cap);
			if (!b)
				return 0;
			in->buf = b;
			in->cap = cap;
		}
		if (input_fill(in, NULL) <= 0)
			return 0;
	}
}

int input_copy_frame(struct input *in, struct frame *f)
{
	size_t n;

	f->cin_len = 0;
	if (!input_whole_frame(in, &n))
		return 0;
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
