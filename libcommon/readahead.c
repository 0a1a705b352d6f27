/* readahead.c — the reader's decompression workers: while the caller
 * works on one batch, n workers decode the next frames into a ring of 2n
 * slots; frame number k goes to slot k % 2n.
 *
 * Choices:
 * - One worker at a time reads the input ("scanning"): it cuts the next
 *   whole frame out of it (input_copy_frame) and lets the next worker read
 *   while it decodes its copy; a lone worker decodes in place, as there is
 *   no other worker to let at the input.  A frame that cannot be cut out so (a cut
 *   or damaged stream, the end of the input, a frame over 4 MiB decoded)
 *   is decoded from the input in place, as without read-ahead, and is the
 *   last one read or holds no copy.  Only the workers touch the input and
 *   the reader's own decoding context while they run.
 * - The caller takes the frames in order and meets an end or an error
 *   where it would have without the workers: same batches, same errors,
 *   same messages, for any number of workers.
 * - A copy is decoded under a batch's limit; the frame after an "end"
 *   wants a header's, and the caller decodes that one again (rare).
 * - Signals go to the caller's thread, whose handlers expect them there
 *   (a tool blocks them in its own thread around critical steps): the
 *   workers start with every signal blocked.
 * - Anything that cannot be set up leaves the reader without read-ahead,
 *   or with fewer workers: the results are the same.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stream_int.h"

/* Decode f from its copy of the frame's bytes under `limit`: the same
 * decoding, and the same result, as from the input in place. */
static void decode_copy(struct frame *f, ZSTD_DCtx *dctx, size_t limit)
{
	struct input m = { -1, f->cin, f->cin_len, 0, f->cin_len, 1, -1, 1, NULL };
	int eof;

	f->limit = limit;
	f->status = frame_read(&m, dctx, f, limit, &eof, &f->err) ? -1 : 0;
	/* zstd decodes a frame by the same block headers that gave its end */
	if (!f->status && m.pos != m.len)
		f->status = -1, nn_error_set(&f->err, NN_EDATA, "corrupt zstd frame");
	if (!f->status)
		f->is_end = frame_is_end(f);
}

/* The limit frame seq is decoded under, as the parser will apply it: a
 * header's after an "end", a batch's otherwise (frame 0 follows the
 * header).  Waits for frame seq - 1 to be decoded; while the calling
 * worker holds the input nobody can take that slot again. */
static size_t limit_after(nn_reader *r, uint64_t seq)
{
	struct frame *prev;
	int end;

	if (seq == 0)
		return NN_MAX_OBJECT_BYTES;
	prev = &r->fr[(seq - 1) % (uint64_t)r->nfr];
	pthread_mutex_lock(&r->mu);
	while (prev->state == SLOT_FILLING)
		pthread_cond_wait(&r->cv, &r->mu);
	end = !prev->status && prev->is_end;
	pthread_mutex_unlock(&r->mu);
	return end ? NN_MAX_HEADER_BYTES : NN_MAX_OBJECT_BYTES;
}

/* A read-ahead worker: takes the next frame number, copies the frame from
 * the input (or decodes it there, see input.c), lets the next worker at
 * the input, decodes its copy.  A lone worker decodes every frame in
 * place.  Until the end of the input, an error, or the reader's close. */
static void *decompress_thread(void *arg)
{
	struct worker *w = arg;
	nn_reader *r = w->r;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct frame *f = &r->fr[r->next_seq % (uint64_t)r->nfr];
		if (r->quit || r->stopped)
			break;
		if (r->scanning || f->state != SLOT_FREE) {
			pthread_cond_wait(&r->cv, &r->mu);
			continue;
		}
		uint64_t seq = r->next_seq++;
		f->state = SLOT_FILLING;
		f->pad = r->pad;
		f->cin_len = 0;
		r->scanning = 1;
		pthread_mutex_unlock(&r->mu);
		/* one worker has no other to let at the input: no copy */
		int copied = r->nthreads > 1 && input_copy_frame(&r->src, f);
		if (!copied) {
			int eof;
			f->limit = limit_after(r, seq);
			f->status = frame_read(&r->src, r->dctx, f, f->limit, &eof, &f->err) ? -1 : eof;
			if (!f->status)
				f->is_end = frame_is_end(f);
		}
		pthread_mutex_lock(&r->mu);
		r->scanning = 0;
		if (f->status)
			r->stopped = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (copied)
			decode_copy(f, w->dctx, NN_MAX_OBJECT_BYTES);
		pthread_mutex_lock(&r->mu);
		if (f->status)
			r->stopped = 1;
		f->state = SLOT_FILLED;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

void ahead_start(nn_reader *r)
{
	int n = r->nthreads;
	sigset_t all, old;
	struct frame *fr;

	r->ahead_tried = 1;
	if (!n)
		return;
	/* fr[0] may hold the header the caller parsed: the ring starts after it */
	if (!(fr = realloc(r->fr, (size_t)(2 * n) * sizeof *fr)))
		return;
	memset(fr + r->nfr, 0, (size_t)(2 * n - r->nfr) * sizeof *fr);
	r->fr = fr;
	r->nfr = 2 * n;
	if (!(r->workers = calloc((size_t)n, sizeof *r->workers)) ||
	    !(r->threads = calloc((size_t)n, sizeof *r->threads)))
		return;
	if (pipe2(r->wake, O_CLOEXEC))
		return;
	if (pthread_mutex_init(&r->mu, NULL))
		goto no_mutex;
	if (pthread_cond_init(&r->cv, NULL))
		goto no_cond;
	r->src.wake = r->wake[0];
	r->ahead = 1;   /* before a worker looks at it */
	r->cur = r->next_seq = 0;
	/* signals go to the caller's thread (see the top of this file) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < n; i++) {
		struct worker *w = &r->workers[i];
		w->r = r;
		if (!(w->dctx = ZSTD_createDCtx()))
			break;
		ZSTD_DCtx_setParameter(w->dctx, ZSTD_d_windowLogMax, NN_MAX_WINDOW_LOG);
		if (pthread_create(&r->threads[i], NULL, decompress_thread, w)) {
			ZSTD_freeDCtx(w->dctx);
			w->dctx = NULL;
			break;
		}
		r->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r->started)
		return;
	r->ahead = 0;
	r->src.wake = -1;
	pthread_cond_destroy(&r->cv);
no_cond:
	pthread_mutex_destroy(&r->mu);
no_mutex:
	close(r->wake[0]);
	close(r->wake[1]);
}

void ahead_stop(nn_reader *r)
{
	if (!r->ahead)
		return;
	pthread_mutex_lock(&r->mu);
	r->quit = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (write(r->wake[1], "", 1) < 0) {
		/* cannot fail: the pipe is empty and open at both ends */
	}
	for (int i = 0; i < r->started; i++) {
		pthread_join(r->threads[i], NULL);
		ZSTD_freeDCtx(r->workers[i].dctx);
	}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	close(r->wake[0]);
	close(r->wake[1]);
	r->ahead = 0;
}

void ahead_release(nn_reader *r)
{
	if (!r->held)
		return;
	pthread_mutex_lock(&r->mu);
	r->fr[r->cur % (uint64_t)r->nfr].state = SLOT_FREE;
	r->cur++;
	r->held = 0;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

int ahead_take(nn_reader *r, struct frame **out, nn_error *err)
{
	struct frame *f;

	ahead_release(r);
	f = &r->fr[r->cur % (uint64_t)r->nfr];
	pthread_mutex_lock(&r->mu);
	while (f->state != SLOT_FILLED)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
	/* Under the lock: a worker's limit_after may look at this frame
	 * meanwhile. */
	size_t limit = r->last_end ? NN_MAX_HEADER_BYTES : NN_MAX_OBJECT_BYTES;
	if (f->limit != limit && f->cin_len) {
		pthread_mutex_lock(&r->mu);
		if (!r->redo && (r->redo = ZSTD_createDCtx()))
			ZSTD_DCtx_setParameter(r->redo, ZSTD_d_windowLogMax, NN_MAX_WINDOW_LOG);
		if (r->redo)
			decode_copy(f, r->redo, limit);
		else
			f->status = -1, nn_error_set(&f->err, NN_ENOMEM, "out of memory");
		pthread_mutex_unlock(&r->mu);
	}
	if (f->status < 0) {
		if (err)
			*err = f->err;
		return -1;
	}
	if (f->status > 0)
		return 1;
	r->held = 1;
	r->last_end = f->is_end;
	*out = f;
	return 0;
}
