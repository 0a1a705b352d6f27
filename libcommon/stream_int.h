/* stream_int.h — private to libcommon: what the stream's parts share.
 *
 *   frame.c      one zstd frame: the limits, the header check, the
 *                compression loop, the decoding loop with its CRC-32
 *   input.c      the reader's buffered input; cutting a whole frame out of it
 *   header.c     schema <-> header object
 *   writer.c     nn_writer: batches, header, trailer
 *   writer_threads.c  its compression threads
 *   readahead.c  the reader's decompression workers
 *   reader.c     nn_reader: the header/batch/trailer state machine
 *
 * The stream on disk is described in stream.h and nn-stream(5).
 */
#ifndef NN_STREAM_INT_H
#define NN_STREAM_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <msgpack.h>
#include <zlib.h>
#include <zstd.h>
#include <sodium.h>
#include "nn/stream.h"

/* --- frame.c --------------------------------------------------------- */

/* A zstd frame header is at most ZSTD_FRAMEHEADERSIZE_MAX bytes. */
#define FRAME_HEADER_MAX 18

/* Total bytes of one row over all fields; fails if a single row could not
 * fit one batch object. */
int stream_row_bytes(const nn_schema *s, size_t *out, nn_error *err);
/* The most rows of rb bytes (stream_row_bytes) one batch object holds. */
size_t stream_max_rows(const nn_schema *s, size_t rb);

/* A zstd error as an nn_error: out of memory is said as such. */
int frame_zstd_error(size_t r, nn_error *err);
/* Level and content checksum on a compression context: zstd's result. */
size_t frame_cctx_params(ZSTD_CCtx *c, int level);

/* Where frame_compress puts output as its buffer fills: 0 or -1. */
typedef int frame_sink(void *arg, const void *buf, size_t len, nn_error *err);
/* Compress pieces[0..n) as one zstd frame, its content size pledged.
 * With a sink, out[0..cap) is handed to it each time it fills and at the
 * end; without, out must hold the whole frame (ZSTD_compressBound) and
 * *len is set to its length. */
int frame_compress(ZSTD_CCtx *c, const void *const *pieces, const size_t *lens, size_t n,
                   unsigned char *out, size_t cap, frame_sink *sink, void *arg, size_t *len,
                   nn_error *err);

/* Check the first avail bytes (avail >= 1) of a frame: the zstd magic, a
 * content checksum, the unused bit clear, a content size.  0 and
 * *content, or -1 saying what is wrong (err may be NULL). */
int frame_check_header(const unsigned char *h, size_t avail, unsigned long long *content,
                       nn_error *err);

/* Where a frame's compressed bytes come from: the reader's input (an fd,
 * buffered), or one whole frame already in memory (fd -1, eof set). */
struct input {
	int fd;
	unsigned char *buf;       /* bytes read, not yet used: buf[pos..len) */
	size_t cap, pos, len;
	int eof;
	int wake;                 /* >= 0: wait for fd in poll with it; readable means quit */
	int checked;              /* the start was looked at: clear or encrypted */
	struct nn_crypt_in *crypt; /* encrypted: buf holds what it decrypted */
};

/* One decompressed frame (one object), with the CRC-32 and the length of
 * the compressed bytes it came from; in read-ahead, a slot of the ring. */
struct frame {
	unsigned char *mem;       /* cap bytes; the object starts pad bytes in */
	size_t cap, pad;
	unsigned char *obj;       /* mem + pad: len bytes */
	size_t len;
	uLong crc;
	size_t bytes;
	int status;               /* 0: an object; 1: clean end of input; -1: err */
	nn_error err;
	int state;                /* SLOT_FREE, SLOT_FILLING, SLOT_FILLED */
	unsigned char *cin;       /* the frame's compressed bytes when a worker */
	size_t cin_cap, cin_len;  /* decoded it on its own (cin_len 0: it did not) */
	size_t limit;             /* the object limit it was decoded under */
	int is_end;               /* an "end" object: a header may come next */
	crypto_hash_sha512_state *sha; /* not NULL: frame_read hashes the compressed bytes into it */
};

enum { SLOT_FREE, SLOT_FILLING, SLOT_FILLED };

/* Decompress the next frame of in into f with dctx.  *eof is set (and 0
 * returned) when the input ends cleanly before a frame begins.  limit
 * caps the decompressed size before any of it is allocated. */
int frame_read(struct input *in, ZSTD_DCtx *dctx, struct frame *f, size_t limit, int *eof,
               nn_error *err);
/* Is f's object an "end" (so that a header may come next)? */
int frame_is_end(const struct frame *f);

/* --- input.c --------------------------------------------------------- */

/* Read more input after what is buffered; returns bytes added (0 at EOF). */
ssize_t input_fill(struct input *in, nn_error *err);
/* Read until the next frame is whole in in->buf[pos..pos + *len): 1, or 0
 * when it is not to be (see input.c). */
int input_whole_frame(struct input *in, size_t *len);
/* Move the next frame of in, whole, into f->cin: 1, or 0 (f->cin_len 0)
 * when it is not to be copied (see input.c). */
int input_copy_frame(struct input *in, struct frame *f);

/* --- header.c -------------------------------------------------------- */

/* Pack s's header object, without its metadata map, which the caller
 * appends (meta is the last key).  0, or -1 when out of memory. */
int header_pack(msgpack_packer *pk, const nn_schema *s);
/* Parse a header object into a new schema. */
nn_schema *header_parse(const unsigned char *obj, size_t len, nn_error *err);

/* --- writer.c and writer_threads.c ---------------------------------- */

struct nn_writer {
	int fd;
	struct nn_crypt_out *crypt; /* with a key: every byte goes through it */
	crypto_hash_sha512_state *sha; /* signed: the compressed bytes so far */
	int failed;               /* after any error every call fails */
	nn_schema *schema;
	ZSTD_CCtx *cctx;
	size_t batch_rows;        /* rows per full batch */
	size_t buffered;          /* rows waiting in col[] */
	unsigned char **col;      /* per field: batch_rows * row_bytes */
	uint64_t batches, rows;   /* written so far */
	uLong crc;                /* CRC-32 of the compressed bytes written */
	unsigned char *out;       /* compressed bytes waiting for write() */
	size_t out_cap;
	msgpack_sbuffer pre;      /* a frame's msgpack bytes other than column data */
	/* compression threads (writer_threads.c) */
	int level;
	int sync;                 /* mu and cv made */
	int background;           /* threads allowed (nn_writer_set_threads) */
	int nthreads, started;    /* threads wanted; started so far */
	pthread_t *threads;
	struct job *jobs;         /* nthreads of them */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int busy, quit;           /* jobs queued or running; threads should end */
	uint64_t next_write;      /* the batch index whose frame is written next */
	int job_failed;           /* a job failed: job_err says why */
	nn_error job_err;
	size_t frame_cap;         /* room for a compressed batch frame */
	size_t schema_fields;     /* columns allocated in col and the jobs' */
};

struct job {
	int state;                /* JOB_FREE, JOB_QUEUED, JOB_TAKEN */
	unsigned char **col;
	size_t rows;
	uint64_t index;
};
enum { JOB_FREE, JOB_QUEUED, JOB_TAKEN };

int writer_fail(nn_writer *w);
/* Where every compressed byte goes, in order: to fd, through the
 * encryption layer with a key; the CRC-32 follows them. */
int writer_sink(nn_writer *w, const void *buf, size_t len, nn_error *err);
/* A batch's frame as pieces: its map (and each column's bin prefix),
 * packed into pre, between the columns' own bytes. */
int writer_batch_pieces(const nn_writer *w, msgpack_sbuffer *pre, unsigned char *const *col,
                        size_t rows, uint64_t index, const void **pieces, size_t *lens,
                        size_t *npieces, nn_error *err);
/* Compress and write the buffered rows in the caller's thread. */
int writer_emit_batch(nn_writer *w, nn_error *err);
unsigned char **writer_alloc_cols(const nn_writer *w);
void writer_free_cols(unsigned char **col, size_t n);

/* Hand the buffered rows to a thread (starting them first). */
int writer_hand_over(nn_writer *w, nn_error *err);
/* Wait until the threads have written every batch handed to them; fail
 * with the first error met. */
int writer_wait_idle(nn_writer *w, nn_error *err);
/* End the threads, free what they used. */
void writer_stop_threads(nn_writer *w);

/* --- reader.c and readahead.c ---------------------------------------- */

enum expect { EXPECT_BATCH, EXPECT_NEXT_MEMBER };

struct worker {
	nn_reader *r;
	ZSTD_DCtx *dctx;
};

struct nn_reader {
	int fd, own_fd;
	ZSTD_DCtx *dctx;          /* decodes from src */
	struct input src;
	struct frame *fr;         /* decompressed frames: nfr of them */
	int nfr;
	const unsigned char *obj; /* the object being parsed */
	size_t obj_len;
	nn_schema *schema;        /* of the first member */
	enum expect expect;
	uint64_t member_batches, member_rows; /* in the current member */
	uLong crc;                /* CRC-32 of the member's compressed bytes so far */
	uLong crc_before;         /* ... up to the start of the latest frame */
	uLong frame_crc;          /* CRC-32 of the latest frame's bytes */
	/* the signature (sign.c): the hash of the member's bytes so far, and before the latest frame */
	crypto_hash_sha512_state *sha, *sha_before;
	int sig;                  /* NN_SIG_*, of the latest member */
	unsigned char signer[32];
	uint64_t rows, members;
	nn_batch batch;
	void **view;              /* batch.col: in the frame, or in col */
	void **col;               /* aligned copies of unaligned columns */
	size_t *col_cap;
	size_t pad;               /* where the next frames' objects start (reader.c) */
	int failed;
	/* read-ahead (readahead.c) */
	int nthreads, ahead, ahead_tried, started;
	struct worker *workers;
	pthread_t *threads;
	int wake[2];              /* a pipe: closing the reader writes to it */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t next_seq;        /* the next frame a worker takes */
	uint64_t cur;             /* the next frame the caller takes */
	int scanning, stopped, quit;
	int held;                 /* the caller holds fr[cur % nfr] */
	int last_end;             /* the frame the caller took last was an "end" */
	ZSTD_DCtx *redo;          /* the caller's, for a frame decoded under another limit */
};

/* Start the workers (once, before the first batch); without them the
 * caller's nn_reader_next decodes.  Anything that cannot be set up leaves
 * the reader without read-ahead, or with fewer workers. */
void ahead_start(nn_reader *r);
void ahead_stop(nn_reader *r);
/* The next frame from the workers, in order, into *f: 0, or 1 at the clean
 * end of the input, or -1; the caller holds it until ahead_release. */
int ahead_take(nn_reader *r, struct frame **f, nn_error *err);
/* Done with the frame taken: a worker may refill its slot. */
void ahead_release(nn_reader *r);

#endif
