/* fuzz-stream.c — the whole decode path (zstd frames → msgpack → schema
 * and batches) on arbitrary bytes.  Built with libFuzzer by `make fuzz`,
 * and with replay.c's main() by `make`, so `make check` replays the corpus
 * and every crash ever found without needing clang. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	nn_error err = { 0 };
	const nn_batch *b;
	volatile unsigned sum = 0;

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, &err);
	if (r) {
		const nn_schema *s = nn_reader_schema(r);
		while (nn_reader_next(r, &b, &err) == 1)
			for (size_t i = 0; i < s->nfields; i++)   /* touch every byte */
				for (size_t k = 0; k < b->rows * s->fields[i].row_bytes; k++)
					sum += ((const unsigned char *)b->col[i])[k];
		nn_reader_close(r);
	}
	close(fd);
	(void)sum;
	return 0;
}
