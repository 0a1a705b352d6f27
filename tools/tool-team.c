/* tool-team.c — see tool-team.h.
 *
 * A job is published by bumping `gen`; each member runs it once and
 * counts `left` down.  Waiting members of a spinning team pause up to
 * SPINS times (tens of µs) before they block on the condition variable,
 * so members handed a job every step never sleep, and members left idle
 * (between epochs, or on a busy machine) cost nothing. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "tool-team.h"

#define SPINS 20000

static struct {
	int n, spins;                    /* members; pauses before sleeping */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_ulong gen;                /* jobs published */
	atomic_int left;                 /* members still running the job */
	void (*job)(void *, int);
	void *ctx;
} team = { 1, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, NULL, NULL };

static void pause_cpu(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *member(void *arg)
{
	int k = (int)(long)arg;
	unsigned long seen = 0;

	for (;;) {
		int spins = 0;
		while (atomic_load_explicit(&team.gen, memory_order_acquire) == seen) {
			if (++spins < team.spins) {
				pause_cpu();
				continue;
			}
			pthread_mutex_lock(&team.mu);
			while (atomic_load_explicit(&team.gen, memory_order_acquire) == seen)
				pthread_cond_wait(&team.cv, &team.mu);
			pthread_mutex_unlock(&team.mu);
		}
		seen = atomic_load_explicit(&team.gen, memory_order_acquire);
		team.job(team.ctx, k);
		atomic_fetch_sub_explicit(&team.left, 1, memory_order_acq_rel);
	}
	return NULL;   /* not reached: members end with the process */
}

int team_start(int n, int spin)
{
	sigset_t all, old;
	pthread_t t;

	team.spins = spin ? SPINS : 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (team.n < n && !pthread_create(&t, NULL, member, (void *)(long)team.n))
		team.n++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return team.n;
}

void team_run(void (*job)(void *ctx, int k), void *ctx)
{
	if (team.n == 1) {
		job(ctx, 0);
		return;
	}
	team.job = job;
	team.ctx = ctx;
	atomic_store_explicit(&team.left, team.n - 1, memory_order_relaxed);
	pthread_mutex_lock(&team.mu);   /* a member about to sleep sees it */
	atomic_fetch_add_explicit(&team.gen, 1, memory_order_release);
	pthread_cond_broadcast(&team.cv);
	pthread_mutex_unlock(&team.mu);
	job(ctx, 0);
	for (int spins = 0; atomic_load_explicit(&team.left, memory_order_acquire); spins++)
		if (spins < SPINS)
			pause_cpu();
		else
			sched_yield();
}
