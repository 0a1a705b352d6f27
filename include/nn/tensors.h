/* nn/tensors.h — named tensors of any size in the stream container
 * (nn-stream(5), "Tensors in chunks").
 *
 * A file of tensors (a model, a checkpoint) has one of two layouts:
 *
 *   one row   one field per tensor and a single row: each tensor at most
 *             32 MiB, all together a little under 64 MiB (the format's
 *             row limits, which guard every reader);
 *   chunks    the header's meta map has a key "tensors", a table
 *               [{"name": "layer0.weight", "dtype": "f32", "shape": [W1, W0]}, …]
 *             and the stream has exactly four fields
 *               tensor  u32 []    index into the table
 *               offset  u64 []    byte offset of the chunk in the tensor
 *               bytes   u32 []    bytes of the chunk that belong to it
 *               data    u8  [C]   those bytes (the tensor's little-endian
 *                                 elements, C order), then zeros up to C
 *             with one row per chunk: the tensors in table order, each
 *             one's chunks in order of offset with neither gap nor
 *             overlap, every chunk C bytes but a tensor's last.
 *
 * Writers use the one-row layout whenever it holds the tensors (a file
 * under the limits keeps the bytes it always had) and chunks of
 * NN_CHUNK_BYTES otherwise.  A reader of chunks copies each into its
 * final place as it comes, so a file of any size costs one batch beyond
 * the tensors themselves.
 */
#ifndef NN_TENSORS_H
#define NN_TENSORS_H

#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "nn/error.h"
#include "nn/stream.h"

#define NN_CHUNK_BYTES   (1u << 20)        /* bytes per chunk that nnpipe writes */
#define NN_MAX_CHUNK_BYTES (NN_MAX_OBJECT_BYTES / 2)   /* a field's row limit */
#define NN_TENSORS_KEY   "tensors"         /* the meta key of the table */

typedef struct nn_tensor {
	char name[NN_MAX_NAME + 1];
	nn_dtype dtype;
	int ndim;                      /* 1 to NN_MAX_DIMS */
	uint64_t shape[NN_MAX_DIMS];
	uint64_t bytes;                /* product of the shape × dtype size */
} nn_tensor;

/* Fill t (name, dtype, shape; bytes computed).  -1 (NN_ELIMIT) when the
 * shape overflows 2^62 bytes, NN_EDATA on a bad name or dimension. */
int nn_tensor_set(nn_tensor *t, const char *name, nn_dtype dtype, int ndim, const uint64_t *shape,
                  nn_error *err);

/* --- writing ---------------------------------------------------------- */

/* Does one row hold t[0..n), each tensor a field (the format's limits)? */
int nn_tensors_fit_row(const nn_tensor *t, size_t n);

/* Add the fields of the layout to s: one per tensor (chunk 0 and one row
 * holds them), or the four chunk fields with rows of chunk bytes (1 to
 * NN_MAX_CHUNK_BYTES; 0 means NN_CHUNK_BYTES).  Returns 0 for one row,
 * 1 for chunks (then the caller puts the table in the meta map with
 * nn_tensors_pack_table), -1 on error. */
int nn_tensors_add_fields(nn_schema *s, const nn_tensor *t, size_t n, size_t chunk, nn_error *err);

/* Pack the key NN_TENSORS_KEY and the table of t[0..n) (one map pair). */
int nn_tensors_pack_table(msgpack_packer *pk, const nn_tensor *t, size_t n);

/* Write the tensors to w, opened with schema s of either layout: cols[i]
 * holds tensor i (field i, or entry i of the table).  Chunks are written
 * from the tensors where they lie; only a tensor's last, short chunk is
 * copied.  The caller finishes w. */
int nn_tensors_write(nn_writer *w, const nn_schema *s, const void *const *cols, nn_error *err);

/* --- reading ---------------------------------------------------------- */

typedef struct nn_tensor_table {
	size_t n;
	nn_tensor *t;
	size_t chunk;                  /* C: the data field's bytes per row */
} nn_tensor_table;

/* Is s of the chunk layout (its meta has NN_TENSORS_KEY)? */
int nn_tensors_chunked(const nn_schema *s);

/* The table of a chunked header, checked: at most NN_MAX_FIELDS entries,
 * names as field names and unique, known numeric dtypes, shapes of 1 to 8
 * dimensions each >= 1 and under 2^62 bytes in all, and the four fields
 * exactly.  Free with nn_tensors_table_free. */
int nn_tensors_table(const nn_schema *s, nn_tensor_table *tt, nn_error *err);
void nn_tensors_table_free(nn_tensor_table *tt);
/* Index of the entry called name, or -1. */
int nn_tensors_find(const nn_tensor_table *tt, const char *name);

/* Read every chunk from r (whose schema gave tt) to the verified end of
 * the stream, copying entry i's bytes to dst[i] (tt->t[i].bytes of room;
 * NULL: read and checked, not kept).  Chunks out of order, overlapping,
 * with a gap, longer than their tensor, short before a tensor's end, with
 * bytes after their end that are not zero, or missing at the end are
 * errors naming the tensor and the byte. */
int nn_tensors_read(nn_reader *r, const nn_tensor_table *tt, void *const *dst, nn_error *err);

/* The same reading and checks, handing each chunk's bytes of its tensor
 * to fn in the file's order (entry idx, bytes off..off+len; every tensor
 * whole, from byte 0 on, before the next) instead of copying them: a
 * reader that needs no tensor whole, such as nn-info's statistics, holds
 * one batch.  A non-zero return of fn stops the scan and is returned
 * (-1 with err set). */
typedef int nn_tensor_chunk_fn(void *ctx, size_t idx, uint64_t off, const void *data, size_t len,
                               nn_error *err);
int nn_tensors_scan(nn_reader *r, const nn_tensor_table *tt, nn_tensor_chunk_fn *fn, void *ctx, nn_error *err);

/* The fields the one-row layout would have for tt's tensors (name, dtype,
 * shape, bytes; the names are tt's), so that a file is described the
 * same in either layout.  Free the array alone; NULL on NN_ENOMEM. */
nn_field *nn_tensors_fields(const nn_tensor_table *tt, nn_error *err);

#endif
