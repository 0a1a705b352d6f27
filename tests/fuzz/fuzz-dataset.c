/* fuzz-dataset.c — training rows from arbitrary bytes: nn_task_read with
 * the label's own task and with each forced, then nn_dataset_load.  What
 * loads must hold what was promised: finite features and targets, every
 * class in range, as many rows as the reader returned.
 *
 * Input that starts with the zstd magic is a stream as it is; anything
 * else is taken as msgpack objects, each compressed into its own frame
 * (as fuzz-model does).  Seeds: tests/fuzz/corpus/dataset. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>
#include "nn/dataset.h"
#include "nn/mp.h"
#include "fuzz-framed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(int fd, enum nn_task_kind kind)
{
	nn_error err = { 0 };
	nn_dataset ds = { 0 };
	nn_task t;
	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, &err);
	if (r && !nn_task_read(nn_reader_schema(r), "x", "y", kind, &t, &err)) {
		if (nn_dataset_load(r, "x", "y", &t, &ds, &err) == 0) {
			if (ds.n != nn_reader_rows(r))
				abort();
			for (size_t i = 0; i < ds.n * ds.d; i++)
				if (!isfinite(ds.x[i]))
					abort();
			for (size_t i = 0; i < ds.n * ds.k; i++)
				if (!isfinite(ds.t[i]))
					abort();
			for (size_t i = 0; t.classification && i < ds.n; i++)
				if (ds.cls[i] < 0 || ds.cls[i] >= 65536 || (t.nclasses && (size_t)ds.cls[i] >= t.nclasses))
					abort();
		} else if (err.code == NN_OK) {
			abort();                  /* a failure always says why */
		}
		nn_dataset_free(&ds);
	}
	nn_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = fuzz_stream_fd(data, size);
	if (fd < 0)
		return 0;
	load(fd, NN_TASK_AUTO);
	load(fd, NN_TASK_CLASSIFICATION);
	load(fd, NN_TASK_REGRESSION);
	close(fd);
	return 0;
}
