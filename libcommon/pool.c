/* pool.c — see nn/pool.h.
 *
 * A job is published by bumping `gen`; each member runs it once and
 * counts `left` down.  Waiting members of a spinning pool pause up to
 * SPINS times (tens of µs) before they block on the condition variable,
 * so members handed a job every step never sleep, and members left idle
 * (between epochs, or on a busy machine) cost nothing.  The caller waits
 * for the members the same way: pauses, then a sleep on `done` that the
 * last member to finish wakes, so a member the machine has descheduled
 * costs no CPU (a sched_yield loop would burn the core another process
 * needs).  nn_pool_free publishes a job of NULL, which ends the members. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "nn/pool.h"

#define SPINS 20000

struct nn_pool {
	int n, spins;                    /* members; pauses before sleeping */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_cond_t done;             /* left reached 0 */
	atomic_ulong gen;                /* jobs published */
	atomic_int left;                 /* members still running the job */
	void (*job)(void *, int);        /* NULL: end */
	void *ctx;
	pthread_t *threads;              /* [n - 1] */
};

struct member_arg {
	nn_pool *p;
	int k;
};

static void pause_cpu(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *member(void *arg)
{
	nn_pool *p = ((struct member_arg *)arg)->p;
	int k = ((struct member_arg *)arg)->k;
	unsigned long seen = 0;

	free(arg);
	for (;;) {
		int spins = 0;
		while (atomic_load_explicit(&p->gen, memory_order_acquire) == seen) {
			if (++spins < p->spins) {
				pause_cpu();
				continue;
			}
			pthread_mutex_lock(&p->mu);
			while (atomic_load_explicit(&p->gen, memory_order_acquire) == seen)
				pthread_cond_wait(&p->cv, &p->mu);
			pthread_mutex_unlock(&p->mu);
		}
		seen = atomic_load_explicit(&p->gen, memory_order_acquire);
		if (!p->job)
			return NULL;
		p->job(p->ctx, k);
		if (atomic_fetch_sub_explicit(&p->left, 1, memory_order_acq_rel) == 1) {
			pthread_mutex_lock(&p->mu);   /* a caller about to sleep sees it */
			pthread_cond_broadcast(&p->done);
			pthread_mutex_unlock(&p->mu);
		}
	}
}

nn_pool *nn_pool_new(int n, int spin, nn_error *err)
{
	sigset_t all, old;
	nn_pool *p;

	if (n < 1) {
		nn_error_set(err, NN_EARG, "a pool needs one member at least, not %d", n);
		return NULL;
	}
	if (!(p = calloc(1, sizeof *p)) || !(p->threads = calloc((size_t)n, sizeof *p->threads))) {
		free(p);
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	p->n = 1;
	p->spins = spin ? SPINS : 0;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_cond_init(&p->done, NULL);
	atomic_init(&p->gen, 0);
	atomic_init(&p->left, 0);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (p->n < n) {
		struct member_arg *a = malloc(sizeof *a);
		if (!a)
			break;
		a->p = p;
		a->k = p->n;
		if (pthread_create(&p->threads[p->n - 1], NULL, member, a)) {
			free(a);
			break;
		}
		p->n++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

int nn_pool_size(const nn_pool *p)
{
	return p ? p->n : 1;
}

/* Hand job to the members (NULL ends them). */
static void publish(nn_pool *p, void (*job)(void *, int), void *ctx)
{
	p->job = job;
	p->ctx = ctx;
	atomic_store_explicit(&p->left, p->n - 1, memory_order_relaxed);
	pthread_mutex_lock(&p->mu);   /* a member about to sleep sees it */
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void nn_pool_run(nn_pool *p, void (*job)(void *ctx, int k), void *ctx)
{
	if (!p || p->n == 1) {
		job(ctx, 0);
		return;
	}
	publish(p, job, ctx);
	job(ctx, 0);
	for (int spins = 0; spins < SPINS; spins++) {
		if (!atomic_load_explicit(&p->left, memory_order_acquire))
			return;
		pause_cpu();
	}
	pthread_mutex_lock(&p->mu);
	while (atomic_load_explicit(&p->left, memory_order_acquire))
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void nn_pool_free(nn_pool *p)
{
	if (!p)
		return;
	if (p->n > 1)
		publish(p, NULL, NULL);
	for (int i = 0; i < p->n - 1; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_cond_destroy(&p->done);
	free(p->threads);
	free(p);
}
