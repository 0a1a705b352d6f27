/* fuzz-framed.h — fuzz input as a stream in a memfd, shared by the targets
 * whose interest is past the framing (fuzz-model.c, fuzz-partial.c).
 *
 * Input that starts with the zstd magic is a stream as it is.  Anything
 * else is taken as msgpack objects one after another (a file after
 * `zstd -dc`): each is cut with nn_mp_skip and compressed into a frame
 * with a checksum, so that mutations reach the parsers of the objects
 * instead of failing zstd's checksum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>
#include "nn/mp.h"

static int fuzz_memfd_with(const void *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Compress each msgpack object of data into its own frame, into a memfd. */
static int fuzz_memfd_framed(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	nn_mp mp = { data, data + size };
	void *frame = NULL;
	size_t cap = 0;

	if (fd < 0 || !c)
		goto fail;
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	while (mp.p < mp.end) {
		const unsigned char *start = mp.p;
		if (nn_mp_skip(&mp, NULL))
			mp.p = mp.end;           /* the rest as one (bad) object */
		size_t n = (size_t)(mp.p - start), bound = ZSTD_compressBound(n);
		if (bound > cap && !(frame = realloc(frame, cap = bound)))
			goto fail;
		size_t z = ZSTD_compress2(c, frame, cap, start, n);
		if (ZSTD_isError(z) || write(fd, frame, z) != (ssize_t)z)
			goto fail;
	}
	ZSTD_freeCCtx(c);
	free(frame);
	lseek(fd, 0, SEEK_SET);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	ZSTD_freeCCtx(c);
	free(frame);
	return -1;
}

/* The input as a stream at the start of a memfd, or -1. */
static int fuzz_stream_fd(const uint8_t *data, size_t size)
{
	static const uint8_t magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	return size >= 4 && !memcmp(data, magic, 4) ? fuzz_memfd_with(data, size)
	                                            : fuzz_memfd_framed(data, size);
}
