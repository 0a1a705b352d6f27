/* fuzz-objects.c — the msgpack side of the reader, past zstd's checksums.
 * Fuzzing compressed bytes mostly tests zstd: almost every mutation fails
 * its checksum.  Here the input is a list of objects, each a 2-byte
 * big-endian length and that many bytes; the harness compresses each into
 * a proper frame, so every mutation reaches the header, batch and trailer
 * parsers.  Seeds: python3 tests/data/bad/make-bad.py --seeds. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>
#include "nn/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	unsigned char *frame = malloc(ZSTD_compressBound(65535));
	nn_error err = { 0 };
	const nn_batch *b;

	if (fd < 0 || !c || !frame)
		goto out;
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	while (size >= 2) {
		size_t n = (size_t)data[0] << 8 | data[1];
		if (n > size - 2)
			n = size - 2;
		size_t z = ZSTD_compress2(c, frame, ZSTD_compressBound(65535), data + 2, n);
		if (ZSTD_isError(z) || write(fd, frame, z) != (ssize_t)z)
			goto out;
		data += 2 + n;
		size -= 2 + n;
	}
	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, &err);
	if (r) {
		while (nn_reader_next(r, &b, &err) == 1)
			;
		nn_reader_close(r);
	}
out:
	if (fd >= 0)
		close(fd);
	ZSTD_freeCCtx(c);
	free(frame);
	return 0;
}
