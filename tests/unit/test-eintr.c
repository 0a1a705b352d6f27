/* test-eintr.c — short reads, short writes and EINTR.  A child process
 * feeds a stream through a pipe a few bytes at a time (or drains one a
 * few bytes at a time) while an interval timer interrupts this process
 * every 50 µs with a handler installed without SA_RESTART, so that read()
 * and write() keep returning EINTR or short counts.  The reader must
 * still read every row, and the writer must still write a stream that
 * reads back whole and equal to one written without interruptions.
 * NN_TEST_TICK_US sets another interval: make check-valgrind uses 1 ms,
 * as under valgrind a signal costs more than 50 µs to deliver, and a read
 * retried after EINTR would meet the next tick every time and never
 * finish. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "nn/stream.h"
#include "check.h"

#define ROWS 5000

static volatile sig_atomic_t ticks;
static long tick_us = 50;

static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

static void timer(int on)
{
	struct itimerval it = { { 0, on ? tick_us : 0 }, { 0, on ? tick_us : 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Write the test stream to fd; 0 on success. */
static int write_stream(int fd, nn_error *err)
{
	static double x[ROWS * 3];
	static int64_t y[ROWS];
	uint64_t shape[1] = { 3 };
	nn_writer_options opts = { 1, 0, 100 };
	for (int i = 0; i < ROWS; i++) {
		y[i] = i;
		for (int k = 0; k < 3; k++)
			x[i * 3 + k] = i * 0.5 + k;
	}
	nn_schema *s = nn_schema_new("data", err);
	nn_writer *w = NULL;
	int rc = -1;
	if (!s || nn_schema_add_field(s, "x", NN_F64, 1, shape, err) ||
	    nn_schema_add_field(s, "y", NN_I64, 0, NULL, err))
		goto out;
	const void *cols[2] = { x, y };
	if ((w = nn_writer_open_fd(fd, s, &opts, err)) && !nn_writer_write(w, cols, ROWS, err))
		rc = nn_writer_finish(w, err);
out:
	nn_writer_free(w);
	nn_schema_free(s);
	return rc;
}

static unsigned char *slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char *buf = malloc((size_t)end + 1);
	if (!buf || pread(fd, buf, (size_t)end, 0) != end)
		abort();
	*len = (size_t)end;
	return buf;
}

/* Copy from one fd to another 7 bytes at a time, pausing now and then. */
static void trickle(int from, int to)
{
	unsigned char buf[7];
	ssize_t n;
	long total = 0;
	while ((n = read(from, buf, sizeof buf)) > 0) {
		if (write(to, buf, (size_t)n) != n)
			_exit(1);
		if ((total += n) % 4096 < 7)
			usleep(200);
	}
	_exit(n < 0);
}

int main(void)
{
	nn_error err = { 0 };
	struct sigaction sa;
	int mem = memfd_create("eintr", 0);
	size_t len;

	const char *e = getenv("NN_TEST_TICK_US");
	long us = e ? atol(e) : 0;
	if (us > 0 && us < 1000000)   /* setitimer's tv_usec range */
		tick_us = us;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tick;      /* no SA_RESTART: read/write see EINTR */
	sigaction(SIGALRM, &sa, NULL);
	if (write_stream(mem, &err)) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	unsigned char *ref = slurp(mem, &len);

	/* Reading from a pipe fed a few bytes at a time, under interruptions. */
	int p[2];
	if (pipe(p))
		abort();
	pid_t child = fork();
	if (child == 0) {
		close(p[0]);
		lseek(mem, 0, SEEK_SET);
		trickle(mem, p[1]);
	}
	close(p[1]);
	ticks = 0;
	timer(1);
	nn_reader *r = nn_reader_open_fd(p[0], &err);
	const nn_batch *b;
	int got = -1;
	uint64_t sum = 0, want = (uint64_t)ROWS * (ROWS - 1) / 2;
	if (r)
		while ((got = nn_reader_next(r, &b, &err)) == 1)
			for (size_t i = 0; i < b->rows; i++)
				sum += (uint64_t)((const int64_t *)b->col[1])[i];
	timer(0);
	CHECK(r && got == 0 && nn_reader_rows(r) == ROWS && sum == want,
	      "reader through a trickling pipe, %d interruptions: %llu rows, sum %llu (%s)", (int)ticks,
	      r ? (unsigned long long)nn_reader_rows(r) : 0ULL, (unsigned long long)sum, err.msg);
	CHECK(ticks > 10, "the timer interrupted the reads (%d times)", (int)ticks);
	nn_reader_close(r);
	close(p[0]);
	waitpid(child, NULL, 0);

	/* Writing into a pipe drained a few bytes at a time, interrupted. */
	int out = memfd_create("eintr-out", 0);
	if (pipe(p))
		abort();
	fcntl(p[1], F_SETPIPE_SZ, 4096);   /* so that the writer blocks */
	child = fork();
	if (child == 0) {
		close(p[1]);
		trickle(p[0], out);
	}
	close(p[0]);
	ticks = 0;
	timer(1);
	int rc = write_stream(p[1], &err);
	timer(0);
	close(p[1]);
	int status = 0;
	waitpid(child, &status, 0);
	size_t olen;
	unsigned char *written = slurp(out, &olen);
	CHECK(rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && olen == len &&
	      !memcmp(written, ref, len),
	      "writer into a slowly drained pipe, %d interruptions: %zu bytes, same as unhurried (%s)",
	      (int)ticks, olen, err.msg);
	free(written);
	free(ref);
	close(out);
	close(mem);
	return check_done();
}
