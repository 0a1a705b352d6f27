/* nn/stream.h — the nnpipe stream format (specified in nn-stream(5)).
 *
 * A stream is a sequence of zstd frames (content checksum required), each
 * holding exactly one msgpack object: a header map, then batch maps, then a
 * trailer map.  Streams with the same schema concatenate into a stream.
 *
 *   nn_schema  what a stream holds: its kind and its fields (name, dtype,
 *              per-row shape, optional class names), provenance, metadata
 *   nn_reader  reads one batch at a time in bounded memory; every length is
 *              checked before anything is allocated; a cut or corrupted
 *              stream is an error, never a shorter valid one
 *   nn_writer  buffers rows and writes one zstd frame per batch
 *
 * Limits on what a reader accepts (all documented in nn-stream(5)): */
#ifndef NN_STREAM_H
#define NN_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "nn/error.h"
#include "nn/tensor.h"

#define NN_FORMAT_NAME      "nnpipe"
#define NN_FORMAT_VERSION   1
#define NN_MAX_FIELDS       1024
#define NN_MAX_DIMS         8
#define NN_MAX_NAME         255            /* bytes in a field or class name */
#define NN_MAX_CLASSES      65536
#define NN_MAX_HEADER_BYTES (4u << 20)     /* one header object, decompressed */
#define NN_MAX_OBJECT_BYTES (64u << 20)    /* one batch object, decompressed */
#define NN_MAX_DEPTH        32             /* msgpack nesting in metadata */
#define NN_MAX_ARG_BYTES    65536          /* one recorded program argument */
#define NN_MAX_WINDOW_LOG   23             /* zstd window: 8 MiB */
#define NN_DEFAULT_LEVEL    3
#define NN_DEFAULT_BATCH_BYTES (256u << 10) /* target raw bytes per batch (bench/defaults.sh) */
#define NN_MAX_WRITER_THREADS 256

typedef struct nn_field {
	char *name;
	nn_dtype dtype;
	int ndim;                      /* 0 = one scalar per row */
	uint64_t shape[NN_MAX_DIMS];   /* per-row shape, every entry >= 1 */
	size_t row_elems;              /* product of shape (1 for scalars) */
	size_t row_bytes;              /* row_elems * nn_dtype_size(dtype) */
	size_t nclasses;               /* 0 unless integer labels have names */
	char **classes;                /* class i is named classes[i] */
} nn_field;

typedef struct nn_schema {
	char *kind;              /* "data", "model", "params", … */
	size_t nfields;
	nn_field *fields;
	/* provenance: what produced the stream (never a time or a host) */
	char *program;           /* "nn-import" */
	char *version;           /* nnpipe version */
	size_t nargs;
	char **args;             /* the producing program's arguments */
	int has_seed;
	uint64_t seed;
	/* free-form metadata: one msgpack map, kept as raw bytes (may be NULL) */
	unsigned char *meta;
	size_t meta_len;
} nn_schema;

/* --- schema ---------------------------------------------------------- */

nn_schema *nn_schema_new(const char *kind, nn_error *err);
void nn_schema_free(nn_schema *s);                 /* NULL is fine */
nn_schema *nn_schema_clone(const nn_schema *s, nn_error *err);

/* Append a field; shape has ndim entries (ndim 0 for a scalar).  Fails on a
 * duplicate or empty name, a zero dimension, or a row over the limits. */
int nn_schema_add_field(nn_schema *s, const char *name, nn_dtype dtype,
                        int ndim, const uint64_t *shape, nn_error *err);
/* Name the classes of an integer field (copied). */
int nn_schema_set_classes(nn_schema *s, size_t field, size_t n,
                          const char *const *names, nn_error *err);
int nn_schema_set_provenance(nn_schema *s, const char *program,
                             const char *version, int argc,
                             const char *const *argv, nn_error *err);
void nn_schema_set_seed(nn_schema *s, uint64_t seed);
/* Attach metadata: `len` bytes holding exactly one msgpack map (copied). */
int nn_schema_set_meta(nn_schema *s, const void *msgpack_map, size_t len,
                       nn_error *err);
/* A per-row shape as "[28,28]" ("[]" for a scalar), as messages and
 * nn-info show it; NN_SHAPE_CHARS holds any shape (cut to fit n). */
#define NN_SHAPE_CHARS (NN_MAX_DIMS * 21 + 3)
void nn_shape_str(char *buf, size_t n, int ndim, const uint64_t *shape);
/* Do a (na names) and b (nb names) name the same classes: as many, the
 * same names in the same order?  (NULL lists with a count of 0 are the
 * same; whether "no names" goes with any names is the caller's rule.) */
int nn_classes_same(size_t na, char *const *a, size_t nb, char *const *b);
/* Index of the field called name, or -1. */
int nn_schema_find(const nn_schema *s, const char *name);
/* Do a and b have the same fields (names, dtypes, shapes, classes) and
 * kind?  Return 0 if so; otherwise -1 with a message saying what differs. */
int nn_schema_compare(const nn_schema *a, const nn_schema *b, nn_error *err);

/* --- batches --------------------------------------------------------- */

/* A batch: `rows` rows of every field, column by column.  col[i] points to
 * rows * fields[i].row_bytes bytes, aligned for the field's dtype.  A
 * reader's batch lies in the frame it decoded wherever that is aligned
 * (else in an aligned copy); the caller may change it in place. */
typedef struct nn_batch {
	size_t rows;
	size_t ncols;
	void **col;
} nn_batch;

/* --- reading --------------------------------------------------------- */

typedef struct nn_reader nn_reader;

/* Read from a file descriptor (not closed by the reader).  Reads the header
 * at once, so the schema is known when this returns. */
nn_reader *nn_reader_open_fd(int fd, nn_error *err);
/* Open path for reading ("-" means standard input). */
nn_reader *nn_reader_open(const char *path, nn_error *err);
void nn_reader_close(nn_reader *r);                /* NULL is fine */

const nn_schema *nn_reader_schema(const nn_reader *r);

/* Next batch: return 1 and point *batch at it (valid until the next call),
 * 0 at the verified end of the stream (trailer read, nothing after it but
 * further whole streams of the same schema), -1 on error.  Batches with zero
 * rows are skipped. */
int nn_reader_next(nn_reader *r, const nn_batch **batch, nn_error *err);

/* Decompress ahead on n threads (0 to NN_MAX_READER_THREADS; 1 is the
 * default; 0 means none: the caller's nn_reader_next decompresses).  More
 * than one thread decode whole frames, copied from the input one after
 * another, so more than one pays when decompression is most of the
 * caller's work (a pass that only scans the input) and there are cores to
 * spare; a single thread decodes where the frame lies in the input.
 * Batches, errors and their messages are the same for any n.  Each
 * thread holds two frames.  Call it before the first nn_reader_next:
 * -1 (NN_EARG) after, or when n is out of range. */
#define NN_MAX_READER_THREADS 64
int nn_reader_set_threads(nn_reader *r, int n, nn_error *err);

/* Rows returned so far, and members (concatenated streams) read so far. */
uint64_t nn_reader_rows(const nn_reader *r);
uint64_t nn_reader_members(const nn_reader *r);

/* --- writing --------------------------------------------------------- */

typedef struct nn_writer_options {
	int level;            /* zstd level 1..19; 0 means NN_DEFAULT_LEVEL */
	int threads;          /* compression threads; 0 = 1 (see below) */
	size_t batch_rows;    /* rows per batch; 0 = about NN_DEFAULT_BATCH_BYTES */
} nn_writer_options;

/* Full batches are compressed by `threads` threads of the writer's own,
 * each a whole batch (one frame) at a time with a zstd context of its own,
 * and written in order, while the caller fills the next batch; memory
 * grows by about two batches per thread.  The bytes are the same for
 * every number of threads, and the same as compressing in the caller's
 * thread, which is what happens after nn_writer_set_threads(w, 0) and for
 * a stream of one batch (the threads start with the first full batch).  A
 * write error met by a thread is returned by the next call
 * (nn_writer_write, _flush, _finish). */

typedef struct nn_writer nn_writer;

/* Write to fd (not closed by the writer); writes the header at once.  The
 * schema is copied.  opts may be NULL for the defaults. */
nn_writer *nn_writer_open_fd(int fd, const nn_schema *s,
                             const nn_writer_options *opts, nn_error *err);
/* Append `rows` rows: cols[i] holds rows * row_bytes of field i.  Full
 * batches are compressed and written as they fill. */
int nn_writer_write(nn_writer *w, const void *const *cols, size_t rows,
                    nn_error *err);
int nn_writer_write_batch(nn_writer *w, const nn_batch *b, nn_error *err);
/* Rows made in place, with no copy: cols[i] is set to where field i of
 * the next row goes in the batch being filled; returns how many rows fit
 * there (at least 1; 0 after an error).  The pointers hold until the next
 * call on w.  Then nn_writer_commit(w, rows) appends the first `rows` of
 * them (rows no more than the room), as nn_writer_write would. */
size_t nn_writer_room(nn_writer *w, void **cols);
int nn_writer_commit(nn_writer *w, size_t rows, nn_error *err);
/* Write buffered rows as a batch now (one zstd frame). */
int nn_writer_flush(nn_writer *w, nn_error *err);
/* Flush, write the trailer.  The stream is complete only after this. */
int nn_writer_finish(nn_writer *w, nn_error *err);
/* Free; a writer freed before nn_writer_finish leaves a stream that every
 * reader rejects as truncated, which is the point. */
void nn_writer_free(nn_writer *w);                 /* NULL is fine */

/* Set the compression threads to n (0 to NN_MAX_WRITER_THREADS), in place
 * of the options' `threads`; 0 means none: the caller's nn_writer_write
 * compresses (the same bytes; for measuring and for tests).  Call it
 * before the first batch is written: -1 (NN_EARG) after, or when n is out
 * of range. */
int nn_writer_set_threads(nn_writer *w, int n, nn_error *err);

/* Low-level: write all of buf to fd, retrying short writes and EINTR.
 * EPIPE is reported as NN_EPIPE. */
int nn_write_all(int fd, const void *buf, size_t len, nn_error *err);

#endif
