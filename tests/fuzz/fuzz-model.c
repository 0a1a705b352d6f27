/* fuzz-model.c — the model and parameters loaders on arbitrary bytes:
 * nn_model_read (the header's model description checked against the one
 * row of tensors) and nn_params_read (a fitted-parameters file).  A model
 * that loads is written back and read again: it must come back the same.
 *
 * Input that starts with the zstd magic is a stream as it is.  Anything
 * else is taken as msgpack objects one after another (a model file after
 * `zstd -dc`): the harness cuts them with nn_mp_skip and compresses each
 * into a frame with a checksum, so that mutations reach the model
 * description parsers instead of failing zstd's checksum.
 * Seeds: small models, checkpoints and params files, whole, cut and
 * bit-flipped, compressed and not (tests/fuzz/make-seeds.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>
#include "nn/model.h"
#include "nn/mp.h"
#include "nn/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd_with(const void *data, size_t size)
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

/* Write m as a model file and read it back: same tensors, same layout. */
static void model_round_trip(const nn_model *m)
{
	nn_error err = { 0 };
	nn_schema *s = nn_model_schema(m, "model", &err);
	int fd = memfd_create("fuzz-out", 0);
	const void *cols[2 * NN_MLP_MAX_LAYERS];
	nn_writer *w;

	if (!s || fd < 0)
		abort();
	nn_model_columns(m, cols);
	if (!(w = nn_writer_open_fd(fd, s, NULL, &err)) || nn_writer_write(w, cols, 1, &err) ||
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
	if (back->mlp->nlayers != m->mlp->nlayers)
		abort();
	nn_model_columns(back, again);
	for (size_t i = 0; i < s->nfields; i++)
		if (memcmp(cols[i], again[i], s->fields[i].row_bytes))
			abort();
	if (strcmp(back->x_name, m->x_name) || strcmp(back->y_name, m->y_name) ||
	    back->nclasses != m->nclasses || back->classification != m->classification)
		abort();
	nn_model_free(back);
	nn_reader_close(r);
	nn_schema_free(s);
	close(fd);
}

/* Compress each msgpack object of data into its own frame, into a memfd. */
static int memfd_framed(const uint8_t *data, size_t size)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	nn_error err = { 0 };
	int fd = size >= 4 && !memcmp(data, magic, 4) ? memfd_with(data, size)
	                                               : memfd_framed(data, size);
	if (fd < 0)
		return 0;
	nn_reader *r = nn_reader_open_fd(fd, &err);
	if (r) {
		nn_model *m = nn_model_read(r, &err);
		if (m) {
			char buf[32];
			for (size_t i = 0; i < nn_model_outputs(m) && i < 4; i++)
				(void)nn_model_class_name(m, i, buf, sizeof buf);
			model_round_trip(m);
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
