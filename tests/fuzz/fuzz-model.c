/* fuzz-model.c — the model and parameters loaders on arbitrary bytes:
 * nn_model_read (the header's model description checked against the one
 * row of tensors, or against the table of tensors in chunks) and
 * nn_params_read (a fitted-parameters file).  A model that loads is
 * written back, in one row and in chunks, and read again: it must come
 * back the same.
 *
 * The input is a stream, or msgpack objects (a model file after
 * `zstd -dc`) that fuzz-framed.h frames.
 * Seeds: small models, checkpoints and params files, whole, cut and
 * bit-flipped, compressed and not, and models and checkpoints in chunks
 * (tests/fuzz/make-seeds.sh, test-tensors --seeds). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn/model.h"
#include "nn/mp.h"
#include "nn/params.h"
#include "fuzz-framed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Widths may ask for this much: a claim the fuzzer can make for free. */
#define FUZZ_MAX_MODEL_BYTES (64u << 20)

/* Write m as a model file (its tensors in one row, or in chunks of chunk
 * bytes) and read it back: same tensors, same layout. */
static void model_round_trip(const nn_model *m, size_t chunk)
{
	nn_error err = { 0 };
	nn_model_layout lay = { .chunk = chunk };
	nn_schema *s = nn_model_schema_with(m, "model", &lay, &err);
	int fd = memfd_create("fuzz-out", 0);
	const void *cols[2 * NN_MLP_MAX_LAYERS];
	nn_writer *w;

	if (!s || fd < 0)
		abort();
	nn_model_columns(m, cols);
	if (!(w = nn_writer_open_fd(fd, s, NULL, &err)) || nn_tensors_write(w, s, cols, &err) ||
	    nn_writer_finish(w, &err))
		abort();
	nn_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, &err);
	nn_model *back = r ? nn_model_read(r, &err) : NULL;
	if (!back) {
		fprintf(stderr, "fuzz-model: a model written does not read back: %s\n", err.msg);
		abort();
	}
	const void *again[2 * NN_MLP_MAX_LAYERS];
	nn_tensor t[2 * NN_MLP_MAX_LAYERS];
	int n = nn_model_tensors(m, t, &err);
	if (back->mlp->nlayers != m->mlp->nlayers || n < 0)
		abort();
	nn_model_columns(back, again);
	for (int i = 0; i < n; i++)
		if (memcmp(cols[i], again[i], (size_t)t[i].bytes))
			abort();
	if (strcmp(back->x_name, m->x_name) || strcmp(back->y_name, m->y_name) ||
	    back->nclasses != m->nclasses || back->classification != m->classification)
		abort();
	nn_model_free(back);
	nn_reader_close(r);
	nn_schema_free(s);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_error err = { 0 };
	int fd = fuzz_stream_fd(data, size);
	if (fd < 0)
		return 0;
	nn_reader *r = nn_reader_open_fd(fd, &err);
	if (r) {
		nn_model *m = nn_model_read_max(r, FUZZ_MAX_MODEL_BYTES, &err);
		if (m) {
			char buf[32];
			for (size_t i = 0; i < nn_model_outputs(m) && i < 4; i++)
				(void)nn_model_class_name(m, i, buf, sizeof buf);
			model_round_trip(m, 0);
			model_round_trip(m, 40);
			nn_model_free(m);
		}
		nn_reader_close(r);
	}
	/* The same bytes as a parameters file, for either program. */
	char path[64];
	nn_params p;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	static const char *const programs[] = { "nn-normalize", "nn-clean" };
	for (int i = 0; i < 2; i++) {
		lseek(fd, 0, SEEK_SET);
		if (nn_params_read(path, programs[i], &p, &err) == 0) {
			for (size_t v = 0; v < p.nvec; v++)
				if (nn_params_vec(&p, p.name[v]) != p.vec[v] && strcmp(p.name[v], p.name[0]))
					abort();
			nn_params_release(&p);
		}
	}
	close(fd);
	return 0;
}
