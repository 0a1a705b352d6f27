/* tensors.c — named tensors in one row or in chunks (nn/tensors.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/mp.h"
#include "nn/pack.h"
#include "nn/tensors.h"

/* The chunk layout's fields, in this order. */
enum { F_TENSOR, F_OFFSET, F_BYTES, F_DATA, NFIELDS };
static const char *const field_name[NFIELDS] = { "tensor", "offset", "bytes", "data" };
static const nn_dtype field_dtype[NFIELDS] = { NN_U32, NN_U64, NN_U32, NN_U8 };

#define MAX_TENSOR_BYTES (1ull << 62)

static int check_name(const char *name, size_t n, nn_error *err)
{
	if (n == 0 || n > NN_MAX_NAME)
		return nn_error_set(err, NN_EDATA, "tensor name: empty or longer than %d bytes", NN_MAX_NAME);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return nn_error_set(err, NN_EDATA, "tensor name has a control character");
	return 0;
}

int nn_tensor_set(nn_tensor *t, const char *name, nn_dtype dtype, int ndim, const uint64_t *shape,
                  nn_error *err)
{
	size_t n = strlen(name);
	if (check_name(name, n, err))
		return -1;
	memcpy(t->name, name, n + 1);
	if (dtype >= NN_DTYPE_COUNT || dtype == NN_STR)
		return nn_error_set(err, NN_EDATA, "tensor '%s': not a numeric dtype", name);
	if (ndim < 1 || ndim > NN_MAX_DIMS)
		return nn_error_set(err, NN_EDATA, "tensor '%s': %d dimensions (1 to %d allowed)", name, ndim,
		                    NN_MAX_DIMS);
	t->dtype = dtype;
	t->ndim = ndim;
	uint64_t bytes = nn_dtype_size(dtype);
	for (int d = 0; d < ndim; d++) {
		if (shape[d] == 0)
			return nn_error_set(err, NN_EDATA, "tensor '%s': dimension %d is zero", name, d);
		if (shape[d] > MAX_TENSOR_BYTES || bytes > MAX_TENSOR_BYTES / shape[d])
			return nn_error_set(err, NN_ELIMIT, "tensor '%s': shape too large (over 2^62 bytes)", name);
		bytes *= shape[d];
		t->shape[d] = shape[d];
	}
	t->bytes = bytes;
	return 0;
}

/* --- writing ------------------------------------------------------------- */

int nn_tensors_fit_row(const nn_tensor *t, size_t n)
{
	/* the format's rules for one row (nn-stream(5) LIMITS): each field
	 * at most half an object, all of them within an object less the
	 * room of a batch's map */
	uint64_t total = 0, most = NN_MAX_OBJECT_BYTES - 4096 - 8 * (uint64_t)n;
	if (n > NN_MAX_FIELDS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i].bytes > NN_MAX_OBJECT_BYTES / 2)
			return 0;
		total += t[i].bytes;
	}
	return total <= most;
}

int nn_tensors_add_fields(nn_schema *s, const nn_tensor *t, size_t n, size_t chunk, nn_error *err)
{
	if (!chunk && nn_tensors_fit_row(t, n)) {
		for (size_t i = 0; i < n; i++)
			if (nn_schema_add_field(s, t[i].name, t[i].dtype, t[i].ndim, t[i].shape, err))
				return -1;
		return 0;
	}
	if (!chunk)
		chunk = NN_CHUNK_BYTES;
	if (chunk > NN_MAX_CHUNK_BYTES)
		return nn_error_set(err, NN_EARG, "chunks of %zu bytes: at most %u", chunk, NN_MAX_CHUNK_BYTES);
	if (n == 0 || n > NN_MAX_FIELDS)
		return nn_error_set(err, NN_EARG, "%zu tensors: 1 to %d allowed", n, NN_MAX_FIELDS);
	for (int f = 0; f < NFIELDS; f++) {
		uint64_t shape[1] = { chunk };
		if (nn_schema_add_field(s, field_name[f], field_dtype[f], f == F_DATA, shape, err))
			return -1;
	}
	return 1;
}

int nn_tensors_pack_table(msgpack_packer *pk, const nn_tensor *t, size_t n)
{
	int bad = nn_pack_str(pk, NN_TENSORS_KEY) | msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		bad |= msgpack_pack_map(pk, 3);
		bad |= nn_pack_str(pk, "name") | nn_pack_str(pk, t[i].name);
		bad |= nn_pack_str(pk, "dtype") | nn_pack_str(pk, nn_dtype_name(t[i].dtype));
		bad |= nn_pack_str(pk, "shape") | msgpack_pack_array(pk, (size_t)t[i].ndim);
		for (int d = 0; d < t[i].ndim; d++)
			bad |= msgpack_pack_uint64(pk, t[i].shape[d]);
	}
	return bad ? -1 : 0;
}

int nn_tensors_write(nn_writer *w, const nn_schema *s, const void *const *cols, nn_error *err)
{
	if (!nn_tensors_chunked(s))
		return nn_writer_write(w, cols, 1, err);
	nn_tensor_table tt;
	if (nn_tensors_table(s, &tt, err))
		return -1;
	int rc = 0;
	unsigned char *last = NULL;    /* a short chunk, padded with zeros */
	for (size_t i = 0; i < tt.n && !rc; i++) {
		const unsigned char *src = cols[i];
		uint64_t size = tt.t[i].bytes;
		for (uint64_t off = 0; off < size && !rc; off += tt.chunk) {
			uint32_t idx = (uint32_t)i, len = (uint32_t)(size - off < tt.chunk ? size - off : tt.chunk);
			const void *row[NFIELDS] = { &idx, &off, &len, src + off };
			if (len < tt.chunk) {
				if (!last && !(last = calloc(1, tt.chunk))) {
					rc = nn_error_set(err, NN_ENOMEM, "out of memory");
					break;
				}
				memcpy(last, src + off, len);
				memset(last + len, 0, tt.chunk - len);
				row[F_DATA] = last;
			}
			rc = nn_writer_write(w, row, 1, err);
		}
	}
	free(last);
	nn_tensors_table_free(&tt);
	return rc;
}

/* --- reading ------------------------------------------------------------- */

/* The cursor at the value of the meta map's key NN_TENSORS_KEY: 1 found,
 * 0 not there, -1 a meta map that does not parse. */
static int find_table(const nn_schema *s, nn_mp *c, nn_error *err)
{
	size_t n;
	if (!s->meta)
		return 0;
	c->p = s->meta;
	c->end = s->meta + s->meta_len;
	if (nn_mp_map(c, &n, "metadata", err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (nn_mp_str_is(c, NN_TENSORS_KEY)) {
			nn_mp_skip(c, err);
			return 1;
		}
		if (nn_mp_skip(c, err) || nn_mp_skip(c, err))
			return -1;
	}
	return 0;
}

int nn_tensors_chunked(const nn_schema *s)
{
	nn_mp c;
	return find_table(s, &c, NULL) == 1;
}

static int read_entry(nn_mp *c, nn_tensor *t, size_t i, nn_error *err)
{
	size_t n, len;
	const char *str;
	char name[NN_MAX_NAME + 1] = "", dtype[17] = "";
	int ndim = -1;
	uint64_t shape[NN_MAX_DIMS];
	if (nn_mp_map(c, &n, "tensor table entry", err))
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (nn_mp_str_is(c, "name") || nn_mp_str_is(c, "dtype")) {
			int is_name = nn_mp_str_is(c, "name");
			nn_mp_skip(c, err);
			if (nn_mp_str(c, &str, &len, is_name ? "tensor name" : "tensor dtype", err))
				return -1;
			if (is_name && (check_name(str, len, err)))
				return -1;
			if (!is_name && len >= sizeof dtype)
				return nn_error_set(err, NN_EDATA, "tensor %zu: unknown dtype", i);
			memcpy(is_name ? name : dtype, str, len);
			(is_name ? name : dtype)[len] = 0;
		} else if (nn_mp_str_is(c, "shape")) {
			size_t nd;
			nn_mp_skip(c, err);
			if (nn_mp_array(c, &nd, "tensor shape", err))
				return -1;
			if (nd < 1 || nd > NN_MAX_DIMS)
				return nn_error_set(err, NN_EDATA, "tensor %zu: %zu dimensions (1 to %d allowed)", i, nd,
				                    NN_MAX_DIMS);
			for (size_t d = 0; d < nd; d++)
				if (nn_mp_uint(c, &shape[d], "tensor shape", err))
					return -1;
			ndim = (int)nd;
		} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {
			return -1;
		}
	}
	nn_dtype dt;
	if (!name[0] || !dtype[0] || ndim < 0)
		return nn_error_set(err, NN_EDATA, "tensor %zu: the table entry lacks its %s", i,
		                    !name[0] ? "name" : !dtype[0] ? "dtype" : "shape");
	if (nn_dtype_parse(dtype, &dt))
		return nn_error_set(err, NN_EDATA, "tensor '%s': unknown dtype '%s'", name, dtype);
	return nn_tensor_set(t, name, dt, ndim, shape, err);
}

int nn_tensors_table(const nn_schema *s, nn_tensor_table *tt, nn_error *err)
{
	nn_mp c;
	size_t n;
	memset(tt, 0, sizeof *tt);
	int got = find_table(s, &c, err);
	if (got <= 0)
		return got < 0 ? -1 : nn_error_set(err, NN_EDATA, "no table of tensors in the header");
	if (s->nfields != NFIELDS)
		return nn_error_set(err, NN_EDATA, "a file of tensors in chunks has %d fields, not %zu", NFIELDS,
		                    s->nfields);
	for (int f = 0; f < NFIELDS; f++) {
		const nn_field *fl = &s->fields[f];
		if (strcmp(fl->name, field_name[f]) || fl->dtype != field_dtype[f] || fl->ndim != (f == F_DATA))
			return nn_error_set(err, NN_EDATA, "field %d of a file of tensors in chunks is not '%s' %s%s", f,
			                    field_name[f], nn_dtype_name(field_dtype[f]), f == F_DATA ? " [C]" : " []");
	}
	tt->chunk = s->fields[F_DATA].row_bytes;
	if (nn_mp_array(&c, &n, "tensor table", err))
		return -1;
	if (n == 0 || n > NN_MAX_FIELDS)
		return nn_error_set(err, NN_EDATA, "tensor table of %zu entries (1 to %d allowed)", n, NN_MAX_FIELDS);
	if (!(tt->t = calloc(n, sizeof *tt->t)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	tt->n = n;
	for (size_t i = 0; i < n; i++) {
		if (read_entry(&c, &tt->t[i], i, err))
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(tt->t[j].name, tt->t[i].name)) {
				nn_error_set(err, NN_EDATA, "tensor '%s' appears twice in the table", tt->t[i].name);
				goto fail;
			}
	}
	return 0;
fail:
	nn_tensors_table_free(tt);
	return -1;
}

void nn_tensors_table_free(nn_tensor_table *tt)
{
	free(tt->t);
	tt->t = NULL;
	tt->n = 0;
}

int nn_tensors_find(const nn_tensor_table *tt, const char *name)
{
	for (size_t i = 0; i < tt->n; i++)
		if (!strcmp(tt->t[i].name, name))
			return (int)i;
	return -1;
}

/* Where the reader is: tensor k, its bytes before off present. */
struct pos {
	size_t k;
	uint64_t off;
};

/* Step past tensors that are complete. */
static void settle(const nn_tensor_table *tt, struct pos *p)
{
	while (p->k < tt->n && p->off == tt->t[p->k].bytes) {
		p->k++;
		p->off = 0;
	}
}

static int take_chunk(const nn_tensor_table *tt, struct pos *p, uint32_t idx, uint64_t off, uint32_t len,
                      const unsigned char *data, nn_tensor_chunk_fn *fn, void *ctx, nn_error *err)
{
	settle(tt, p);
	if (idx >= tt->n)
		return nn_error_set(err, NN_EDATA, "chunk of tensor %lu: the table has %zu", (unsigned long)idx, tt->n);
	const nn_tensor *t = &tt->t[idx];
	if (p->k >= tt->n || idx < p->k)
		return nn_error_set(err, NN_EDATA, "tensor '%s': chunk at byte %llu after the tensor's end "
		                    "(overlapping or out of order)", t->name, (unsigned long long)off);
	if (idx > p->k)
		return nn_error_set(err, NN_EDATA, "tensor '%s': chunk missing at byte %llu of %llu",
		                    tt->t[p->k].name, (unsigned long long)p->off,
		                    (unsigned long long)tt->t[p->k].bytes);
	if (off < p->off)
		return nn_error_set(err, NN_EDATA, "tensor '%s': chunk at byte %llu overlaps bytes already read "
		                    "(up to %llu)", t->name, (unsigned long long)off, (unsigned long long)p->off);
	if (off > p->off)
		return nn_error_set(err, NN_EDATA, "tensor '%s': chunk at byte %llu leaves a gap after byte %llu",
		                    t->name, (unsigned long long)off, (unsigned long long)p->off);
	if (len == 0 || len > tt->chunk || len > t->bytes - off)
		return nn_error_set(err, NN_EDATA, "tensor '%s': chunk of %lu bytes at byte %llu: more than "
		                    "its shape holds, or none", t->name, (unsigned long)len, (unsigned long long)off);
	if (len < tt->chunk && off + len != t->bytes)
		return nn_error_set(err, NN_EDATA, "tensor '%s': short chunk (%lu bytes) at byte %llu before "
		                    "the tensor's end", t->name, (unsigned long)len, (unsigned long long)off);
	for (size_t i = len; i < tt->chunk; i++)
		if (data[i])
			return nn_error_set(err, NN_EDATA, "tensor '%s': chunk at byte %llu has bytes after its end "
			                    "that are not zero", t->name, (unsigned long long)off);
	p->off = off + len;
	return fn(ctx, idx, off, data, len, err);
}

int nn_tensors_scan(nn_reader *r, const nn_tensor_table *tt, nn_tensor_chunk_fn *fn, void *ctx, nn_error *err)
{
	struct pos p = { 0, 0 };
	const nn_batch *b;
	int got;
	while ((got = nn_reader_next(r, &b, err)) > 0) {
		const uint32_t *idx = b->col[F_TENSOR], *len = b->col[F_BYTES];
		const uint64_t *off = b->col[F_OFFSET];
		const unsigned char *data = b->col[F_DATA];
		for (size_t i = 0; i < b->rows; i++)
			if (take_chunk(tt, &p, idx[i], off[i], len[i], data + i * tt->chunk, fn, ctx, err))
				return -1;
	}
	if (got < 0)
		return -1;
	settle(tt, &p);
	if (p.k < tt->n)
		return nn_error_set(err, NN_EDATA, "tensor '%s': chunk missing at byte %llu of %llu (the file ends)",
		                    tt->t[p.k].name, (unsigned long long)p.off, (unsigned long long)tt->t[p.k].bytes);
	return 0;
}

/* nn_tensors_read's callback: each chunk to its place in dst[idx]. */
static int copy_chunk(void *ctx, size_t idx, uint64_t off, const void *data, size_t len, nn_error *err)
{
	void *const *dst = ctx;
	(void)err;
	if (dst[idx])
		memcpy((unsigned char *)dst[idx] + off, data, len);
	return 0;
}

int nn_tensors_read(nn_reader *r, const nn_tensor_table *tt, void *const *dst, nn_error *err)
{
	return nn_tensors_scan(r, tt, copy_chunk, (void *)dst, err);
}

nn_field *nn_tensors_fields(const nn_tensor_table *tt, nn_error *err)
{
	nn_field *f = calloc(tt->n ? tt->n : 1, sizeof *f);
	if (!f) {
		nn_error_set(err, NN_ENOMEM, "out of memory for %zu tensors", tt->n);
		return NULL;
	}
	for (size_t i = 0; i < tt->n; i++) {
		const nn_tensor *t = &tt->t[i];
		f[i].name = (char *)t->name;
		f[i].dtype = t->dtype;
		f[i].ndim = t->ndim;
		memcpy(f[i].shape, t->shape, sizeof f[i].shape);
		f[i].row_bytes = (size_t)t->bytes;
		f[i].row_elems = f[i].row_bytes / nn_dtype_size(t->dtype);
	}
	return f;
}
