/* tools/tool-tune.c — nn-tune's children, private folder, signals and
 * picture (tool-tune.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "nn/proc.h"
#include "tool-tune.h"

char tune_dir[2048], tune_tmp[2048];
static pid_t owner;                  /* the process that made tune_tmp */
static struct sigaction old;         /* tool.c's handler, for the end */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

static void remove_tmp(void)
{
	if (getpid() == owner && tune_tmp[0])
		nn_proc_rmdir(tune_tmp, NULL), tune_tmp[0] = 0;
}

void tune_setup(void)
{
	const char *tmpdir = getenv("TMPDIR");
	ssize_t n;

	owner = getpid();
	if ((n = readlink("/proc/self/exe", tune_dir, sizeof tune_dir - 1)) <= 0)
		tool_die(TOOL_EXIT_DATA, "/proc/self/exe", "%s", strerror(errno));
	tune_dir[n] = 0;
	*strrchr(tune_dir, '/') = 0;
	snprintf(tune_tmp, sizeof tune_tmp, "%s/nn-tune-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tune_tmp))
		tool_die(TOOL_EXIT_DATA, tune_tmp, "%s", strerror(errno));
	atexit(remove_tmp);
}

void tune_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;   /* no SA_RESTART: waitpid returns to see it */
	sigaction(SIGINT, &sa, &old);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

pid_t tune_spawn(char **argv, const char *out, const char *err)
{
	char path[PATH_MAX];
	nn_error e = { 0 };
	snprintf(path, sizeof path, "%s/%s", tune_dir, argv[0]);
	pid_t pid = nn_proc_spawn(strncmp(argv[0], "nn-", 3) ? NULL : path, argv, out, err,
	                          getpid() == owner, &e);
	if (pid < 0 && getpid() != owner)
		_exit(127);
	if (pid < 0 && strstr(e.msg, strerror(ENOENT)))
		return -2;
	if (pid < 0)
		tool_die_err(NULL, &e);
	return pid;
}

pid_t tune_reap(pid_t pid, int *status, const pid_t *running, size_t n)
{
	for (;;) {
		pid_t r = got_signal ? -1 : waitpid(pid, status, 0);
		if (r > 0)
			return r;
		if (!got_signal && errno != EINTR)
			tool_die(TOOL_EXIT_DATA, NULL, "waitpid: %s", strerror(errno));
		if (got_signal) {
			for (size_t i = 0; i < n; i++)
				if (running[i] > 0)
					kill(-running[i], SIGTERM), waitpid(running[i], NULL, 0);
			remove_tmp();
			sigaction(got_signal, &old, NULL);   /* tool.c's: it removes -o's temporary */
			raise(got_signal);
			_exit(128 + got_signal);
		}
	}
}

int tune_run(char **argv, const char *out, const char *err)
{
	int st;
	pid_t pid = tune_spawn(argv, out, err);
	if (pid == -2)
		return 127;
	tune_reap(pid, &st, &pid, 1);
	return nn_proc_status(st);
}

void tune_plot(const nn_cv_table *tab, const char *path)
{
	char script[PATH_MAX + 16], pic[PATH_MAX + 16], err[PATH_MAX + 16], buf[1 << 16];
	char *argv[] = { "gnuplot", script, NULL };
	snprintf(script, sizeof script, "%s/plot.gp", tune_tmp);
	snprintf(pic, sizeof pic, "%s/plot.out", tune_tmp);
	snprintf(err, sizeof err, "%s/gnuplot.err", tune_tmp);
	FILE *s = fopen(script, "w");
	if (!s)
		tool_die(TOOL_EXIT_DATA, script, "%s", strerror(errno));
	nn_cv_write_gnuplot(s, tab, pic, !strcmp(strrchr(path, '.'), ".svg"));
	if (fclose(s))
		tool_die(TOOL_EXIT_DATA, script, "%s", strerror(errno));
	int st = tune_run(argv, NULL, err), in = st ? -1 : open(pic, O_RDONLY);
	if (st == 127)
		return tool_note("gnuplot is not installed: no picture for --plot");
	if (in < 0)
		tool_die(TOOL_EXIT_DATA, path, "gnuplot failed: %s", nn_proc_first_line(err, buf, sizeof buf));
	tool_out *o = tool_out_open(path, 1);
	for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;)
		fwrite(buf, 1, (size_t)n, tool_out_file(o));
	close(in);
	tool_out_commit(o);
}
