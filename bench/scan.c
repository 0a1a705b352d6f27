/* scan.c — for bench/run.sh only: read a stream through libcommon's
 * reader on THREADS read-ahead threads (0: none, the caller's thread
 * decompresses), touching every byte of every batch, as a pass that only
 * scans its input does.
 *
 *   scan THREADS < IN
 */
#include <stdio.h>
#include <stdlib.h>
#include "nn/stream.h"

int main(int argc, char **argv)
{
	nn_error err = { 0 };
	nn_reader *r;
	const nn_batch *b;
	unsigned sum = 0;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: scan THREADS < IN\n");
		return 2;
	}
	if (!(r = nn_reader_open_fd(0, &err)) || nn_reader_set_threads(r, atoi(argv[1]), &err))
		goto fail;
	const nn_schema *s = nn_reader_schema(r);
	while ((n = nn_reader_next(r, &b, &err)) == 1)
		for (size_t i = 0; i < s->nfields; i++)
			for (size_t k = 0; k < b->rows * s->fields[i].row_bytes; k++)
				sum += ((const unsigned char *)b->col[i])[k];
	if (n < 0)
		goto fail;
	printf("%llu rows, byte sum %u\n", (unsigned long long)nn_reader_rows(r), sum);
	nn_reader_close(r);
	return 0;
fail:
	fprintf(stderr, "scan: %s\n", err.msg);
	nn_reader_close(r);
	return 1;
}
