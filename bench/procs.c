/* bench/procs.c — what a process and a page cost on this machine, the
 * floor under make check's time: the suite starts about 17,000 processes
 * (bats itself forks about nine per test) and takes about 3 million page
 * faults, so a machine where these are slow is slow at make check however
 * the tests are written.
 *
 *   procs [N]   N (default 300) of each:
 *     - a first touch of a fresh anonymous page (one minor fault),
 *     - fork, child _exit(0), waitpid,
 *     - fork + exec /bin/true + waitpid,
 *     - posix_spawn /bin/true + waitpid.
 *
 * Prints one markdown row per measure: the mean in microseconds.  Built by
 * make bench-programs (make bench); not part of make all.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void row(const char *what, double seconds, long n)
{
	printf("| %s | %.1f |\n", what, seconds / (double)n * 1e6);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 300;
	if (n < 1)
		n = 1;
	long page = sysconf(_SC_PAGESIZE), pages = n * 64;
	char *mem = mmap(NULL, (size_t)(pages * page), PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("procs: mmap");
		return 1;
	}
	/* Each write is the first to its page: one minor fault each. */
	double t = now();
	for (long i = 0; i < pages; i++)
		mem[i * page] = 1;
	row("first touch of a page (minor fault)", now() - t, pages);
	munmap(mem, (size_t)(pages * page));

	t = now();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p < 0 || waitpid(p, NULL, 0) != p) {
			perror("procs: fork");
			return 1;
		}
	}
	row("fork, _exit, wait", now() - t, n);

	char *true_argv[] = { "true", NULL };
	t = now();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			execv("/bin/true", true_argv);
			_exit(127);
		}
		if (p < 0 || waitpid(p, NULL, 0) != p) {
			perror("procs: fork");
			return 1;
		}
	}
	row("fork, exec /bin/true, wait", now() - t, n);

	t = now();
	for (long i = 0; i < n; i++) {
		pid_t p;
		if (posix_spawn(&p, "/bin/true", NULL, NULL, true_argv, environ) ||
		    waitpid(p, NULL, 0) != p) {
			perror("procs: posix_spawn");
			return 1;
		}
	}
	row("posix_spawn /bin/true, wait", now() - t, n);
	return 0;
}
