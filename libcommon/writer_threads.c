/* writer_threads.c — the stream writer's compression threads.
 *
 * Choices:
 * - A full batch is handed over whole: its column buffers are swapped
 *   with a free job's, so the caller fills the next batch at once and no
 *   row is copied to be handed over.
 * - Each thread compresses a whole batch (one frame) with a zstd context
 *   of its own, set with the writer's parameters, so its bytes are the
 *   caller's thread's; it then waits for its turn (next_write) and writes
 *   the frame, so frames go out in order and the CRC-32 is the same.
 * - The threads start with the first full batch, with every signal
 *   blocked (signals go to the caller's thread, see readahead.c); when
 *   none can start, the caller's thread compresses.
 * - The first error a thread meets is kept and returned by the caller's
 *   next call; after it, no thread writes.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include "stream_int.h"

/* Take the queued job of the lowest index, or NULL when told to quit. */
static struct job *next_job(nn_writer *w)
{
	for (;;) {
		struct job *j = NULL;
		for (int i = 0; i < w->started; i++)
			if (w->jobs[i].state == JOB_QUEUED && (!j || w->jobs[i].index < j->index))
				j = &w->jobs[i];
		if (j) {
			j->state = JOB_TAKEN;
			return j;
		}
		if (w->quit)
			return NULL;
		pthread_cond_wait(&w->cv, &w->mu);
	}
}

static void *compress_thread(void *arg)
{
	nn_writer *w = arg;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	unsigned char *frame = malloc(w->frame_cap);
	msgpack_sbuffer pre;
	struct job *j;

	msgpack_sbuffer_init(&pre);
	pthread_mutex_lock(&w->mu);
	while ((j = next_job(w))) {
		const void *pieces[2 * NN_MAX_FIELDS];
		size_t lens[2 * NN_MAX_FIELDS], n, len = 0, r;
		nn_error e = { 0 };
		int bad = 0;

		pthread_mutex_unlock(&w->mu);
		if (!cctx || !frame)
			bad = nn_error_set(&e, NN_ENOMEM, "out of memory");
		else if (writer_batch_pieces(w, &pre, j->col, j->rows, j->index, pieces, lens, &n, &e))
			bad = -1;
		/* the parameters of the writer's own context, so the same bytes */
		else if (ZSTD_isError(r = frame_cctx_params(cctx, w->level)))
			bad = frame_zstd_error(r, &e);
		else
			bad = frame_compress(cctx, pieces, lens, n, frame, w->frame_cap, NULL, NULL, &len, &e);
		pthread_mutex_lock(&w->mu);
		while (w->next_write != j->index)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		if (!bad && !w->job_failed) {   /* job_failed changes only in turn */
			bad = writer_sink(w, frame, len, &e);
		}
		pthread_mutex_lock(&w->mu);
		if (bad && !w->job_failed) {
			w->job_failed = 1;
			w->job_err = e;
		}
		w->next_write++;
		j->state = JOB_FREE;
		w->busy--;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	ZSTD_freeCCtx(cctx);
	free(frame);
	msgpack_sbuffer_destroy(&pre);
	return NULL;
}

/* Wait until the threads have written every batch handed to them; fail
 * with the first error met. */
int writer_wait_idle(nn_writer *w, nn_error *err)
{
	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	int bad = w->job_failed;
	pthread_mutex_unlock(&w->mu);
	if (bad) {
		if (err)
			*err = w->job_err;
		return writer_fail(w);
	}
	return 0;
}

/* Start the threads and their jobs (with the first full batch: a stream
 * of one batch never starts them).  0 when none could start. */
static int start_threads(nn_writer *w)
{
	if (!w->jobs && (!(w->jobs = calloc((size_t)w->nthreads, sizeof *w->jobs)) ||
	                 !(w->threads = calloc((size_t)w->nthreads, sizeof *w->threads))))
		return 0;
	w->next_write = w->batches;
	for (int i = 0; i < w->nthreads; i++) {
		if (!w->jobs[i].col && !(w->jobs[i].col = writer_alloc_cols(w)))
			break;
		/* started before the thread runs: it looks at jobs[0..started) */
		pthread_mutex_lock(&w->mu);
		w->started++;
		pthread_mutex_unlock(&w->mu);
		/* signals go to the caller's thread (see readahead.c) */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int bad = pthread_create(&w->threads[i], NULL, compress_thread, w);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (bad) {
			w->started--;
			break;
		}
	}
	return w->started;   /* jobs past it stay free, never used */
}

/* Hand the buffered rows to a thread: swap buffers with a free job. */
int writer_hand_over(nn_writer *w, nn_error *err)
{
	struct job *j = NULL;

	if (!w->started && !start_threads(w)) {
		w->background = 0;   /* no thread: compress here, as without one */
		return writer_emit_batch(w, err);
	}
	pthread_mutex_lock(&w->mu);
	for (;;) {
		for (int i = 0; i < w->started && !j; i++)
			if (w->jobs[i].state == JOB_FREE)
				j = &w->jobs[i];
		if (j || w->job_failed)
			break;
		pthread_cond_wait(&w->cv, &w->mu);
	}
	if (w->job_failed) {
		pthread_mutex_unlock(&w->mu);
		return writer_wait_idle(w, err);
	}
	unsigned char **t = w->col;
	w->col = j->col;
	j->col = t;
	j->rows = w->buffered;
	j->index = w->batches;
	j->state = JOB_QUEUED;
	w->busy++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	w->batches++;
	w->rows += w->buffered;
	w->buffered = 0;
	return 0;
}

void writer_stop_threads(nn_writer *w)
{
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		for (int i = 0; i < w->started; i++)
			pthread_join(w->threads[i], NULL);
	}
	if (w->sync) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
	}
	for (int i = 0; w->jobs && i < w->nthreads; i++)
		writer_free_cols(w->jobs[i].col, w->schema_fields);
	free(w->jobs);
	free(w->threads);
}
