/* test-tensors.c — tensors in chunks (nn/tensors.h): the one-row rule,
 * files of chunks written and read back, and every way a file of chunks
 * can lie (overlapping, gaps, a missing chunk, a shape that overflows,
 * more bytes than the shape, bytes after a chunk's end) refused with a
 * message naming the tensor; then models of chunks (nn_model_read): f32,
 * int8, a table that does not fit the layers, widths over the memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>
#include <math.h>
#include "nn/checkpoint.h"
#include "nn/fieldstats.h"
#include "nn/model.h"
#include "nn/pack.h"
#include "nn/quant.h"
#include "nn/tensors.h"
#include "check.h"

/* The tensors of the hand-made files: 60, 7 and 8 bytes, chunks of 16. */
static nn_tensor tab[3];
enum { C = 16 };

static unsigned char val(uint32_t t, uint64_t byte)
{
	return (unsigned char)(t * 31 + byte * 7 + 1);
}

struct row {
	uint32_t idx;
	uint64_t off;
	uint32_t len;
	int junk;          /* a non-zero byte after the chunk's end */
};

/* A stream of kind "model-test" whose meta holds table t[0..n) (or the
 * raw meta given) and whose rows are rows[0..nrows). */
static int write_rows(const nn_tensor *t, size_t n, const void *meta, size_t meta_len, size_t chunk,
                      const struct row *rows, size_t nrows)
{
	nn_error err = { 0 };
	nn_schema *s = nn_schema_new("model-test", &err);
	int fd = memfd_create("test-tensors", 0);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (!meta) {
		msgpack_pack_map(&pk, 1);
		nn_tensors_pack_table(&pk, t, n);
		meta = sb.data;
		meta_len = sb.size;
	}
	if (!s || nn_tensors_add_fields(s, t, n, chunk, &err) != 1 || nn_schema_set_meta(s, meta, meta_len, &err))
		return -1;
	nn_writer *w = nn_writer_open_fd(fd, s, NULL, &err);
	unsigned char *data = calloc(1, chunk);
	for (size_t k = 0; w && k < nrows; k++) {
		memset(data, 0, chunk);
		for (uint32_t i = 0; i < rows[k].len && i < chunk; i++)
			data[i] = val(rows[k].idx, rows[k].off + i);
		if (rows[k].junk)
			data[chunk - 1] = 0x55;
		const void *cols[4] = { &rows[k].idx, &rows[k].off, &rows[k].len, data };
		if (nn_writer_write(w, cols, 1, &err))
			return -1;
	}
	if (!w || nn_writer_finish(w, &err))
		return -1;
	nn_writer_free(w);
	nn_schema_free(s);
	free(data);
	msgpack_sbuffer_destroy(&sb);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Read fd's chunks into buffers of the table's sizes: 0, or -1 with err;
 * *same tells whether every byte is the one written. */
static int read_rows(int fd, int *same, nn_error *err)
{
	nn_reader *r = nn_reader_open_fd(fd, err);
	nn_tensor_table tt;
	int rc = -1;
	*same = 0;
	if (!r)
		return -1;
	if (nn_tensors_table(nn_reader_schema(r), &tt, err) == 0) {
		void *dst[NN_MAX_FIELDS] = { 0 };
		for (size_t i = 0; i < tt.n; i++)
			dst[i] = calloc(1, (size_t)tt.t[i].bytes);
		rc = nn_tensors_read(r, &tt, dst, err);
		*same = 1;
		for (size_t i = 0; i < tt.n; i++) {
			for (uint64_t b = 0; b < tt.t[i].bytes; b++)
				*same &= ((unsigned char *)dst[i])[b] == val((uint32_t)i, b);
			free(dst[i]);
		}
		nn_tensors_table_free(&tt);
	}
	nn_reader_close(r);
	close(fd);
	return rc;
}

/* The rows of the good file, with row k replaced by repl (k < 0: none),
 * or dropped (drop). */
static int refused(const struct row *repl, int k, int drop, const char *want, const char *what)
{
	static const struct row good[6] = {
		{ 0, 0, 16, 0 }, { 0, 16, 16, 0 }, { 0, 32, 16, 0 }, { 0, 48, 12, 0 }, { 1, 0, 7, 0 }, { 2, 0, 8, 0 }
	};
	struct row rows[6];
	size_t n = 0;
	for (int i = 0; i < 6; i++) {
		if (i == k && drop)
			continue;
		rows[n++] = i == k ? *repl : good[i];
	}
	nn_error err = { 0 };
	int same, fd = write_rows(tab, 3, NULL, 0, C, rows, n);
	int rc = fd >= 0 ? read_rows(fd, &same, &err) : 0;
	if (!want) {
		CHECK(fd >= 0 && rc == 0 && same, "%s: read, every byte in its place (%s)", what, err.msg);
		return 0;
	}
	CHECK(rc == -1 && err.code == NN_EDATA && strstr(err.msg, want), "%s: %s", what, err.msg);
	return 0;
}

static void test_chunks(void)
{
	nn_error err = { 0 };
	uint64_t a[2] = { 3, 5 }, b[1] = { 7 }, c[2] = { 2, 2 };
	CHECK(!nn_tensor_set(&tab[0], "A", NN_F32, 2, a, &err) && !nn_tensor_set(&tab[1], "B", NN_U8, 1, b, &err) &&
	      !nn_tensor_set(&tab[2], "C", NN_I16, 2, c, &err) && tab[0].bytes == 60 && tab[1].bytes == 7 &&
	      tab[2].bytes == 8, "tensors of 60, 7 and 8 bytes");

	refused(NULL, -1, 0, NULL, "in order");
	struct row r;
	r = (struct row){ 0, 8, 16, 0 };
	refused(&r, 1, 0, "tensor 'A': chunk at byte 8 overlaps bytes already read (up to 16)", "overlap");
	r = (struct row){ 0, 32, 16, 0 };
	refused(&r, 1, 0, "tensor 'A': chunk at byte 32 leaves a gap after byte 16", "gap");
	refused(NULL, 5, 1, "tensor 'C': chunk missing at byte 0 of 8 (the file ends)", "the last chunk missing");
	refused(NULL, 3, 1, "tensor 'A': chunk missing at byte 48 of 60", "a tensor's last chunk missing");
	refused(NULL, 4, 1, "tensor 'B': chunk missing at byte 0 of 7", "a whole tensor missing");
	r = (struct row){ 3, 0, 8, 0 };
	refused(&r, 5, 0, "chunk of tensor 3: the table has 3", "a tensor beyond the table");
	r = (struct row){ 1, 0, 8, 0 };
	refused(&r, 4, 0, "tensor 'B': chunk of 8 bytes at byte 0: more than its shape holds", "more bytes than the shape");
	r = (struct row){ 0, 48, 16, 0 };
	refused(&r, 3, 0, "tensor 'A': chunk of 16 bytes at byte 48: more than its shape holds", "past the end");
	r = (struct row){ 0, 16, 10, 0 };
	refused(&r, 1, 0, "tensor 'A': short chunk (10 bytes) at byte 16 before the tensor's end", "short chunk");
	r = (struct row){ 1, 0, 7, 1 };
	refused(&r, 4, 0, "tensor 'B': chunk at byte 0 has bytes after its end that are not zero", "junk after the end");
	r = (struct row){ 0, 0, 16, 0 };
	refused(&r, 4, 0, "tensor 'A': chunk at byte 0 after the tensor's end", "a tensor again");
	r = (struct row){ 1, 0, 0, 0 };
	refused(&r, 4, 0, "tensor 'B': chunk of 0 bytes", "an empty chunk");

	/* the table's claims */
	uint64_t big[3] = { 1ull << 40, 1ull << 40, 4 };
	nn_tensor t;
	CHECK(nn_tensor_set(&t, "W", NN_F32, 3, big, &err) == -1 && err.code == NN_ELIMIT &&
	      strstr(err.msg, "tensor 'W': shape too large"), "a shape over 2^62 bytes: %s", err.msg);
#define M(lit) lit, sizeof(lit) - 1
	struct {
		const char *meta;   /* the table's value, as msgpack (after the map and key) */
		size_t len;
		const char *want;
	} bad[] = {
		/* [{"name":"W","dtype":"f32","shape":[2^40,2^40,4]}] */
		{ M("\x91\x83\xa4name\xa1W\xa5" "dtype\xa3" "f32\xa5shape\x93\xcf\x00\x00\x01\x00\x00\x00\x00\x00"
		  "\xcf\x00\x00\x01\x00\x00\x00\x00\x00\x04"), "tensor 'W': shape too large" },
		{ M("\x92\x83\xa4name\xa1W\xa5" "dtype\xa3" "f32\xa5shape\x91\x02"
		  "\x83\xa4name\xa1W\xa5" "dtype\xa3" "f32\xa5shape\x91\x02"), "tensor 'W' appears twice" },
		{ M("\x91\x83\xa4name\xa1W\xa5" "dtype\xa3" "f32\xa5shape\x91\x00"), "tensor 'W': dimension 0 is zero" },
		{ M("\x91\x83\xa4name\xa1W\xa5" "dtype\xa3" "f99\xa5shape\x91\x02"), "tensor 'W': unknown dtype 'f99'" },
		{ M("\x91\x83\xa4name\xa1W\xa5" "dtype\xa3str\xa5shape\x91\x02"), "tensor 'W': not a numeric dtype" },
		{ M("\x91\x82\xa4name\xa1W\xa5shape\x91\x02"), "tensor 0: the table entry lacks its dtype" },
		{ M("\x90"), "tensor table of 0 entries" },
		{ M("\x91\x83\xa4name\xa1W\xa5" "dtype\xa3" "f32\xa5shape\x90"), "tensor 0: 0 dimensions" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char meta[128];
		meta[0] = (char)0x81;
		memcpy(meta + 1, "\xa7tensors", 8);
		memcpy(meta + 9, bad[i].meta, bad[i].len);
		int same, fd = write_rows(tab, 3, meta, 9 + bad[i].len, C, NULL, 0);
		memset(&err, 0, sizeof err);
		CHECK(fd >= 0 && read_rows(fd, &same, &err) == -1 && strstr(err.msg, bad[i].want), "table %zu: %s", i,
		      err.msg);
	}
	/* the four fields, and only them */
	nn_schema *s = nn_schema_new("model-test", &err);
	uint64_t one = 4;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	nn_tensors_pack_table(&pk, tab, 3);
	nn_schema_add_field(s, "x", NN_F32, 1, &one, &err);
	nn_schema_set_meta(s, sb.data, sb.size, &err);
	nn_tensor_table tt;
	CHECK(nn_tensors_chunked(s) && nn_tensors_table(s, &tt, &err) == -1 &&
	      strstr(err.msg, "a file of tensors in chunks has 4 fields, not 1"), "other fields: %s", err.msg);
	nn_schema_free(s);
	msgpack_sbuffer_destroy(&sb);
}

/* nn_fieldstats_scan_tensors: chunks of 6 bytes cut A's f32 elements
 * and C's i16 ones; each tensor still gets the statistics of its bytes
 * taken whole (nn-info's report of a file in chunks). */
static void test_scan(void)
{
	nn_error err = { 0 };
	struct row rows[32];
	size_t n = 0;
	for (uint32_t t = 0; t < 3; t++)
		for (uint64_t off = 0; off < tab[t].bytes; off += 6)
			rows[n++] = (struct row){ t, off, (uint32_t)(tab[t].bytes - off < 6 ? tab[t].bytes - off : 6), 0 };
	int fd = write_rows(tab, 3, NULL, 0, 6, rows, n);
	nn_reader *r = fd >= 0 ? nn_reader_open_fd(fd, &err) : NULL;
	nn_tensor_table tt = { 0 };
	nn_field *f = NULL;
	CHECK(r && !nn_tensors_table(nn_reader_schema(r), &tt, &err) && (f = nn_tensors_fields(&tt, &err)),
	      "a file of 6-byte chunks: %s", err.msg);
	if (!f)
		return;
	CHECK(!strcmp(f[0].name, "A") && f[0].dtype == NN_F32 && f[0].ndim == 2 && f[0].shape[0] == 3 &&
	      f[0].shape[1] == 5 && f[0].row_elems == 15 && f[0].row_bytes == 60 && f[1].row_elems == 7 &&
	      f[2].dtype == NN_I16 && f[2].row_elems == 4, "the tensors as the fields of one row");
	nn_fieldstats got[3], want[3];
	for (size_t i = 0; i < 3; i++)
		CHECK(!nn_fieldstats_init(&got[i], &f[i], &err) && !nn_fieldstats_init(&want[i], &f[i], &err), "init");
	CHECK(!nn_fieldstats_scan_tensors(r, &tt, f, got, &err), "scanned to the end: %s", err.msg);
	for (uint32_t i = 0; i < 3; i++) {
		unsigned char whole[64];
		for (uint64_t b = 0; b < tab[i].bytes; b++)
			whole[b] = val(i, b);
		nn_fieldstats_add(&want[i], &f[i], whole, 1);
		int same = got[i].n == want[i].n && got[i].nan == want[i].nan && got[i].inf == want[i].inf &&
		           got[i].min == want[i].min && got[i].max == want[i].max &&
		           fabs(got[i].mean - want[i].mean) <= 1e-12 * fmax(1, fabs(want[i].mean)) &&
		           fabs(got[i].m2 - want[i].m2) <= 1e-9 * fmax(1, want[i].m2);
		CHECK(same && got[i].n + got[i].nan + got[i].inf == f[i].row_elems,
		      "tensor %s: n %llu/%llu, mean %.17g/%.17g, min %g/%g", f[i].name, (unsigned long long)got[i].n,
		      (unsigned long long)want[i].n, got[i].mean, want[i].mean, got[i].min, want[i].min);
		nn_fieldstats_free(&got[i]);
		nn_fieldstats_free(&want[i]);
	}
	free(f);
	nn_tensors_table_free(&tt);
	nn_reader_close(r);
	close(fd);
}

static void test_fit_row(void)
{
	nn_tensor t[3];
	nn_error err = { 0 };
	uint64_t half = 1u << 23, over = (1u << 23) + 1, small = 1000;
	nn_tensor_set(&t[0], "a", NN_F32, 1, &half, &err);
	nn_tensor_set(&t[1], "b", NN_F32, 1, &small, &err);
	CHECK(nn_tensors_fit_row(t, 2), "32 MiB and a little more fit one row");
	nn_tensor_set(&t[1], "b", NN_F32, 1, &half, &err);
	CHECK(!nn_tensors_fit_row(t, 2), "two of 32 MiB do not (the room of the batch's map)");
	nn_tensor_set(&t[0], "a", NN_F32, 1, &over, &err);
	CHECK(!nn_tensors_fit_row(t, 1), "a tensor over 32 MiB does not");
	nn_schema *s = nn_schema_new("x", &err);
	CHECK(nn_tensors_add_fields(s, t, 1, 0, &err) == 1 && s->nfields == 4 &&
	      s->fields[3].row_bytes == NN_CHUNK_BYTES, "so it goes in chunks of 1 MiB");
	nn_schema_free(s);
}

/* --- models in chunks ----------------------------------------------------- */

static nn_model *small_model(void)
{
	size_t width[4] = { 6, 9, 5, 3 };
	enum nn_act act[2] = { NN_ACT_RELU, NN_ACT_TANH };
	nn_model *m = calloc(1, sizeof *m);
	m->mlp = nn_mlp_new(3, width, act, NN_OUT_SOFTMAX, NN_LOSS_CE, NULL);
	for (int l = 0; l < 3; l++) {   /* the tensors, not the padding between them */
		for (size_t i = 0; i < width[l] * width[l + 1]; i++)
			m->mlp->params[m->mlp->woff[l] + i] = (float)((i * 37 + (size_t)l) % 101) / 50.0f - 1;
		for (size_t i = 0; i < width[l + 1]; i++)
			m->mlp->params[m->mlp->boff[l] + i] = (float)i / 8.0f;
	}
	m->x_name = strdup("x");
	m->y_name = strdup("y");
	m->x_dtype = NN_F32;
	m->x_ndim = 1;
	m->x_shape[0] = 6;
	m->classification = 1;
	m->nclasses = 3;
	return m;
}

static int write_model(const nn_model *m, const nn_model_layout *lay, const void *const *cols)
{
	nn_error err = { 0 };
	nn_schema *s = nn_model_schema_with(m, "model", lay, &err);
	int fd = memfd_create("test-tensors-model", 0);
	nn_writer *w = s ? nn_writer_open_fd(fd, s, NULL, &err) : NULL;
	if (!w || nn_tensors_write(w, s, cols, &err) || nn_writer_finish(w, &err))
		return -1;
	nn_writer_free(w);
	nn_schema_free(s);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static nn_model *read_model(int fd, uint64_t max, nn_error *err)
{
	nn_reader *r = nn_reader_open_fd(fd, err);
	nn_model *m = r ? nn_model_read_max(r, max, err) : NULL;
	nn_reader_close(r);
	close(fd);
	return m;
}

static void test_models(void)
{
	nn_error err = { 0 };
	nn_model *m = small_model();
	const nn_mlp *net = m->mlp;
	const void *cols[3 * NN_MLP_MAX_LAYERS];
	nn_model_columns(m, cols);

	nn_model_layout lay = { .chunk = 40 };
	nn_model *back = read_model(write_model(m, &lay, cols), UINT64_MAX, &err);
	CHECK(back && back->mlp->nparams == net->nparams &&
	      !memcmp(back->mlp->params, net->params, net->nparams * sizeof(float)) && !strcmp(back->x_name, "x"),
	      "a model in chunks of 40 bytes reads back: %s", err.msg);
	nn_model_free(back);
	back = read_model(write_model(m, &lay, cols), 100, &err);
	CHECK(!back && err.code == NN_ELIMIT && strstr(err.msg, "is more than this machine's memory (100 bytes)"),
	      "widths over the memory allowed: %s", err.msg);

	/* tables that do not fit the layers */
	nn_tensor t[6];
	nn_model_tensors(m, t, &err);
	lay.t = t;
	lay.n = 5;
	back = read_model(write_model(m, &lay, cols), UINT64_MAX, &err);
	CHECK(!back && !strcmp(err.msg, "tensor 'layer2.bias': missing"), "a tensor missing: %s", err.msg);
	uint64_t wrong[2] = { 9, 5 };
	nn_tensor_set(&t[2], "layer1.weight", NN_F32, 2, wrong, &err);
	lay.n = 6;
	back = read_model(write_model(m, &lay, cols), UINT64_MAX, &err);
	CHECK(!back && !strcmp(err.msg, "tensor 'layer1.weight': not f32 (or i8) of the shape the layers say"),
	      "a tensor of another shape: %s", err.msg);

	/* int8 weights in chunks: loaded beside the network, dequantized into it */
	nn_quant_model *qm = nn_quant_model_new(m, &err);
	nn_tensor qt[9];
	for (size_t i = 0; qm && i < 9; i++) {
		const nn_field *f = &qm->schema->fields[i];
		nn_tensor_set(&qt[i], f->name, f->dtype, f->ndim, f->shape, &err);
	}
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	nn_pack_str(&pk, "quantization");
	msgpack_pack_nil(&pk);
	nn_model_layout ql = { .t = qt, .n = 9, .meta = sb.data, .meta_len = sb.size, .meta_pairs = 1, .chunk = 24 };
	back = qm ? read_model(write_model(m, &ql, qm->cols), UINT64_MAX, &err) : NULL;
	int ok = back != NULL;
	for (int l = 0; ok && l < 3; l++) {
		size_t out = net->width[l + 1], in = net->width[l];
		float *w = malloc(out * in * sizeof *w);
		nn_dequant_rows(qm->q[l], qm->scale[l], out, in, w);
		ok = back->qweight[l] && !memcmp(back->qweight[l], qm->q[l], out * in) &&
		     !memcmp(back->mlp->params + back->mlp->woff[l], w, out * in * sizeof *w) &&
		     !memcmp(back->mlp->params + back->mlp->boff[l], net->params + net->boff[l], out * sizeof(float));
		free(w);
	}
	CHECK(ok, "int8 weights in chunks of 24 bytes: kept, and dequantized into the network: %s", err.msg);
	nn_model_free(back);
	/* a scale that is not finite */
	qm->scale[1][2] = -1;
	back = read_model(write_model(m, &ql, qm->cols), UINT64_MAX, &err);
	CHECK(!back && strstr(err.msg, "'layer1.weight_scale': scale 2 is not a finite number >= 0"), "%s", err.msg);
	msgpack_sbuffer_destroy(&sb);
	nn_quant_model_free(qm);

	/* a model under the limits keeps its one row: no table, a field per tensor */
	nn_schema *s = nn_model_schema(m, "model", &err);
	CHECK(s && !nn_tensors_chunked(s) && s->nfields == 6 && !strcmp(s->fields[2].name, "layer1.weight"),
	      "a small model: one row, as always");
	nn_schema_free(s);
	nn_model_free(m);
}

/* Copy fd (from its start) to path. */
static int save(int fd, const char *dir, const char *name)
{
	char path[4096], buf[65536];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	ssize_t n;
	if (fd < 0 || !f)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)n, f);
	close(fd);
	return fclose(f);
}

/* The fuzz seeds of files in chunks (tests/fuzz/make-seeds.sh): a model
 * in chunks of 40 bytes, one with int8 weights in chunks of 24, and a
 * checkpoint (Adam, a best copy) in chunks of 64. */
static int write_seeds(const char *dir)
{
	nn_error err = { 0 };
	nn_model *m = small_model();
	const void *cols[3 * NN_MLP_MAX_LAYERS];
	nn_model_columns(m, cols);
	nn_model_layout lay = { .chunk = 40 };
	nn_quant_model *qm = nn_quant_model_new(m, &err);
	nn_tensor qt[9];
	for (size_t i = 0; qm && i < 9; i++) {
		const nn_field *f = &qm->schema->fields[i];
		nn_tensor_set(&qt[i], f->name, f->dtype, f->ndim, f->shape, &err);
	}
	nn_model_layout ql = { .t = qt, .n = 9, .chunk = 24 };
	int rc = !qm || save(write_model(m, &lay, cols), dir, "model-chunks") ||
	         save(write_model(m, &ql, qm->cols), dir, "model-chunks-int8");
	/* a checkpoint of it, Adam's moments and a best copy, chunks of 64 */
	nn_optim_config oc;
	nn_optim_defaults(&oc, NN_OPTIM_ADAM);
	nn_train_state st = { .net = m->mlp, .opt = nn_optim_new(&oc, m->mlp->nparams, &err), .has_best = 1,
	                      .epoch = 1, .best_epoch = 1 };
	st.best = calloc(m->mlp->nparams, sizeof(float));
	static const char *const sig[2] = { "ranks=1", "layers=9,5" };
	nn_train_info info = { .threads = 1, .batch_size = 8, .seed = 1, .sig = sig, .nsig = 2 };
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	const void *ccols[8 * 3];
	nn_schema *s = NULL;
	if (st.opt && st.best && !nn_train_pack(&sb, &info, &st, 1, 0.5, 0.5, 0.5, &err)) {
		for (size_t i = 0; i < m->mlp->nparams; i++) {
			st.opt->m[i] = (float)i / 64.0f;
			st.opt->v[i] = (float)i / 128.0f;
		}
		m->training = (unsigned char *)sb.data;
		m->training_len = sb.size;
		s = nn_checkpoint_schema_chunked(m, &st, ccols, 64, &err);
		m->training = NULL;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/checkpoint-chunks", dir);
	int fd = s ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
	nn_writer *w = fd >= 0 ? nn_writer_open_fd(fd, s, NULL, &err) : NULL;
	rc |= !w || nn_tensors_write(w, s, ccols, &err) || nn_writer_finish(w, &err) || close(fd);
	nn_writer_free(w);
	nn_schema_free(s);
	msgpack_sbuffer_destroy(&sb);
	nn_optim_free(st.opt);
	free(st.best);
	nn_quant_model_free(qm);
	nn_model_free(m);
	return rc;
}

/* --- a 1 G-parameter model (tests/long/bigmodel.bats) ------------------- */

/* One linear layer of 32768 x 32768: 2^30 weights, 4 GiB of f32. */
static nn_model *big_model(void)
{
	size_t width[2] = { 32768, 32768 };
	nn_error err = { 0 };
	nn_model *m = calloc(1, sizeof *m);
	if (!m || !(m->mlp = nn_mlp_new(1, width, NULL, NN_OUT_LINEAR, NN_LOSS_MSE, &err))) {
		fprintf(stderr, "test-tensors: %s\n", err.msg);
		exit(1);
	}
	m->x_name = strdup("x");
	m->y_name = strdup("y");
	m->x_dtype = NN_F32;
	m->x_ndim = 1;
	m->x_shape[0] = width[0];
	return m;
}

/* Value i of the big model: a float in [1, 2) of 23 scrambled mantissa
 * bits, so that the file is about as large as the tensor. */
static float big_value(uint64_t i)
{
	uint64_t z = i * 0x9E3779B97F4A7C15ull;
	z ^= z >> 29;
	uint32_t bits = 0x3f800000u | (uint32_t)(z & 0x7fffff);
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}

static int big(const char *mode, const char *path)
{
	nn_error err = { 0 };
	if (!strcmp(mode, "--big-write")) {
		nn_model *m = big_model();
		nn_mlp *net = m->mlp;
		size_t n = net->width[0] * net->width[1];
		for (size_t i = 0; i < n; i++)
			net->params[net->woff[0] + i] = big_value(i);
		for (size_t i = 0; i < net->width[1]; i++)
			net->params[net->boff[0] + i] = big_value(n + i);
		nn_schema *s = nn_model_schema(m, "model", &err);
		FILE *f = fopen(path, "wb");
		const void *cols[2];
		nn_model_columns(m, cols);
		nn_writer_options wo = { 1, 0, 0 };
		nn_writer *w = s && f ? nn_writer_open_fd(fileno(f), s, &wo, &err) : NULL;
		if (!w || !nn_tensors_chunked(s) || nn_tensors_write(w, s, cols, &err) || nn_writer_finish(w, &err) ||
		    fclose(f)) {
			fprintf(stderr, "test-tensors: %s: %s\n", path, err.msg[0] ? err.msg : "not written in chunks");
			return 1;
		}
		nn_writer_free(w);
		nn_schema_free(s);
		nn_model_free(m);
		return 0;
	}
	nn_reader *r = nn_reader_open(path, &err);
	nn_model *m = r ? nn_model_read(r, &err) : NULL;
	if (!m) {
		fprintf(stderr, "test-tensors: %s: %s\n", path, err.msg);
		return 1;
	}
	nn_mlp *net = m->mlp;
	size_t n = net->width[0] * net->width[1], bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += net->params[net->woff[0] + i] != big_value(i);
	for (size_t i = 0; i < net->width[1]; i++)
		bad += net->params[net->boff[0] + i] != big_value(n + i);
	printf("%zu parameters read, %zu differ\n", n + net->width[1], bad);
	nn_reader_close(r);
	nn_model_free(m);
	return bad != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--seeds"))
		return write_seeds(argv[2]);
	if (argc == 3 && (!strcmp(argv[1], "--big-write") || !strcmp(argv[1], "--big-read")))
		return big(argv[1], argv[2]);
	test_fit_row();
	test_chunks();
	test_scan();
	test_models();
	return check_done();
}
