/* test-pool.c — the thread pool: every member runs every job once, in
 * its own thread, with the signals blocked; a pool of one and no pool run
 * the job in the caller; the pool ends cleanly. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include "nn/pool.h"
#include "check.h"

#define MEMBERS 4
#define JOBS 2000

struct work {
	atomic_int runs[MEMBERS];
	pthread_t self[MEMBERS];
	int blocked[MEMBERS];          /* SIGINT blocked in member k */
	long sum[MEMBERS];
	int bad_k;
};

static void job(void *ctx, int k)
{
	struct work *w = ctx;
	sigset_t now;
	if (k < 0 || k >= MEMBERS) {
		w->bad_k = 1;
		return;
	}
	atomic_fetch_add(&w->runs[k], 1);
	w->self[k] = pthread_self();
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	w->blocked[k] = sigismember(&now, SIGINT);
	for (long i = k; i < 1000; i += MEMBERS)   /* member k's share of 0..999 */
		w->sum[k] += i;
}

static void test_members(int spin)
{
	nn_error err = { 0 };
	struct work w;
	memset(&w, 0, sizeof w);
	nn_pool *p = nn_pool_new(MEMBERS, spin, &err);
	CHECK(p && nn_pool_size(p) == MEMBERS, "spin %d: a pool of %d members", spin, MEMBERS);
	if (!p)
		return;
	for (int j = 0; j < JOBS; j++)
		nn_pool_run(p, job, &w);
	int every = 1, own = 1;
	long total = 0;
	for (int k = 0; k < MEMBERS; k++) {
		every &= atomic_load(&w.runs[k]) == JOBS;
		total += w.sum[k];
		for (int m = 0; m < k; m++)
			own &= !pthread_equal(w.self[k], w.self[m]);
	}
	CHECK(every && !w.bad_k, "spin %d: each member ran each of %d jobs once", spin, JOBS);
	CHECK(own && pthread_equal(w.self[0], pthread_self()), "spin %d: member 0 is the caller, the others threads of their own", spin);
	CHECK(total == 499500L * JOBS, "spin %d: the shares add up to the whole", spin);
	int blocked = 1;
	for (int k = 1; k < MEMBERS; k++)
		blocked &= w.blocked[k];
	CHECK(blocked && !w.blocked[0], "spin %d: signals blocked in the members, not in the caller", spin);
	nn_pool_free(p);
}

static void test_alone(void)
{
	nn_error err = { 0 };
	struct work w;
	memset(&w, 0, sizeof w);
	nn_pool *p = nn_pool_new(1, 1, &err);
	CHECK(p && nn_pool_size(p) == 1, "a pool of one");
	nn_pool_run(p, job, &w);
	nn_pool_run(NULL, job, &w);
	CHECK(atomic_load(&w.runs[0]) == 2 && atomic_load(&w.runs[1]) == 0 && pthread_equal(w.self[0], pthread_self()),
	      "a pool of one and no pool run the job in the caller");
	CHECK(nn_pool_size(NULL) == 1, "no pool has one member");
	nn_pool_free(p);
	nn_pool_free(NULL);
	CHECK(!nn_pool_new(0, 0, &err) && err.code == NN_EARG, "no members: %s", err.msg);
}

/* Pools come and go (a program may make one per pass). */
static void test_again(void)
{
	nn_error err = { 0 };
	int ok = 1;
	for (int i = 0; i < 50; i++) {
		struct work w;
		memset(&w, 0, sizeof w);
		nn_pool *p = nn_pool_new(3, i & 1, &err);
		if (!p)
			ok = 0;
		nn_pool_run(p, job, &w);
		ok &= atomic_load(&w.runs[0]) == 1 && atomic_load(&w.runs[2]) == (nn_pool_size(p) > 2);
		nn_pool_free(p);
	}
	CHECK(ok, "50 pools started, used and freed");
}

int main(void)
{
	test_members(1);
	test_members(0);
	test_alone();
	test_again();
	return check_done();
}
