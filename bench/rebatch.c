/* rebatch.c — for bench/run.sh only: copy a stream, putting BYTES raw
 * bytes in each batch (the writer's NN_DEFAULT_BATCH_BYTES, chosen by this
 * measurement), at zstd level LEVEL with THREADS compression threads (0:
 * none, the caller's thread compresses).
 *
 *   rebatch BYTES LEVEL THREADS < IN > OUT
 */
#include <stdio.h>
#include <stdlib.h>
#include "nn/stream.h"

int main(int argc, char **argv)
{
	nn_error err = { 0 };
	nn_reader *r;
	nn_writer *w;
	const nn_batch *b;
	size_t rb = 0;
	int n;

	if (argc != 4) {
		fprintf(stderr, "usage: rebatch BYTES LEVEL THREADS < IN > OUT\n");
		return 2;
	}
	if (!(r = nn_reader_open_fd(0, &err)))
		goto fail;
	const nn_schema *s = nn_reader_schema(r);
	for (size_t i = 0; i < s->nfields; i++)
		rb += s->fields[i].row_bytes;
	size_t rows = (size_t)atol(argv[1]) / rb;
	nn_writer_options o = { atoi(argv[2]), atoi(argv[3]), rows ? rows : 1 };
	if (!(w = nn_writer_open_fd(1, s, &o, &err)) ||
	    (!o.threads && nn_writer_set_threads(w, 0, &err)))
		goto fail;
	while ((n = nn_reader_next(r, &b, &err)) == 1)
		if (nn_writer_write_batch(w, b, &err))
			goto fail;
	if (n < 0 || nn_writer_finish(w, &err))
		goto fail;
	nn_writer_free(w);
	nn_reader_close(r);
	return 0;
fail:
	fprintf(stderr, "rebatch: %s\n", err.msg);
	return 1;
}
