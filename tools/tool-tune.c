/* tools/tool-tune.c — nn-tune's children (the folds, the trials, the
 * refit), private folder, signals, nn-train's options and the picture
 * (tool-tune.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "nn/cliargs.h"
#include "nn/proc.h"
#include "nn/tensor.h"
#include "tool-tune.h"

char tune_dir[2048], tune_tmp[2048];
static pid_t owner;                  /* the process that made tune_tmp */
static struct sigaction old;         /* tool.c's handler, for the end */
static sigset_t held, unheld;        /* the signals held until they are caught */
static volatile sig_atomic_t got_signal;
unsigned tune_end_delay_us;

static void on_signal(int sig) { got_signal = sig; }

static void remove_tmp(void)
{
	if (getpid() == owner && tune_tmp[0])   /* launchers' session folders too */
		nn_proc_rmdir(tune_tmp, NULL), tune_tmp[0] = 0;
}

/* A child that removes tune_tmp once this program has ended, however it
 * ended: a SIGKILL too (mpirun kills ranks so, the OOM killer too), after
 * the trials' programs, which end with this program (nn-tune.c), have let
 * go of it.  Without one (fork failed), only that case leaves the folder. */
static void start_janitor(void)
{
	pid_t parent = getpid();
	sigset_t all;
	int sig, fd = open("/dev/null", O_RDWR);
	if (fd < 0 || fork()) {
		if (fd >= 0)
			close(fd);
		return;
	}
	setpgid(0, 0);   /* apart from a terminal's ^C, like the trials */
	dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	if (getppid() == parent) {
		sigemptyset(&all);
		sigaddset(&all, SIGUSR1);
		sigwait(&all, &sig);
	}
	/* A group of ranks' launcher may take a few seconds to end its ranks,
	 * which write into the folder until then. */
	for (int i = 0; i < 60 && !access(tune_tmp, F_OK); i++)
		usleep(200000), nn_proc_rmdir(tune_tmp, NULL);
	_exit(0);
}

void tune_setup(void)
{
	const char *tmpdir = getenv("TMPDIR");
	ssize_t n;

	owner = getpid();
	/* Held until tune_catch_signals: a signal before it (under mpirun,
	 * MPI_Init is slow) would end the program with tune_tmp in place. */
	sigemptyset(&held);
	sigaddset(&held, SIGINT), sigaddset(&held, SIGTERM), sigaddset(&held, SIGHUP);
	sigprocmask(SIG_BLOCK, &held, &unheld);
	if ((n = readlink("/proc/self/exe", tune_dir, sizeof tune_dir - 1)) <= 0)
		tool_die(TOOL_EXIT_DATA, "/proc/self/exe", "%s", strerror(errno));
	tune_dir[n] = 0;
	*strrchr(tune_dir, '/') = 0;
	snprintf(tune_tmp, sizeof tune_tmp, "%s/nn-tune-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tune_tmp))
		tool_die(TOOL_EXIT_DATA, tune_tmp, "%s", strerror(errno));
	atexit(remove_tmp);
	start_janitor();
}

void tune_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;   /* no SA_RESTART: waitpid returns to see it */
	sigaction(SIGINT, &sa, &old);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigprocmask(SIG_SETMASK, &unheld, NULL);
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

int tune_signalled(void)
{
	return got_signal != 0;
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
			if (tune_end_delay_us)
				usleep(tune_end_delay_us);
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

/* nn-train's options that nn-tune sets itself or that make no sense per
 * trial; the seed first, since a grid may search it. */
static const char *const managed[] = { "seed", "output", "threads", "quiet", "checkpoint",
	"checkpoint-every", "resume", "log", "log-format", "mpi", "shard-pattern", "dry-run",
	"progress", "verbose", "x", "y", NULL };

static const nn_option *train_opt(const tune_train *t, const char *name, size_t n)
{
	return nn_cli_find(t->opts, name, n);
}

/* nn-train's option table, from nn-train --completion-helper. */
void tune_load_train_options(tune_train *t)
{
	char path[PATH_MAX + 16], *argv[] = { "nn-train", "--completion-helper", NULL }, *text;
	struct stat st;
	nn_error err = { 0 };
	snprintf(path, sizeof path, "%s/opts", tune_tmp);
	FILE *f = tune_run(argv, path, "") ? NULL : fopen(path, "r");
	if (!f || fstat(fileno(f), &st))
		tool_die(TOOL_EXIT_DATA, NULL, "'%s/nn-train --completion-helper' failed", tune_dir);
	text = tool_alloc((size_t)st.st_size + 1);
	size_t n = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	if (!(t->opts = nn_cli_table_read(text, n, &err)))
		tool_die_err("nn-train --completion-helper", &err);
	t->cli = (nn_cli){ "nn-train", "", "", NULL, t->opts, 1 };
}

/* A grid key or a pass-through option: one of nn-train's, and not one
 * nn-tune sets itself (a grid may search the seed). */
static void check_train_key(const tune_train *t, const char *name, size_t n, int grid)
{
	nn_error err = { 0 };
	if (nn_cli_check_passed(t->own, &t->cli, grid ? managed + 1 : managed, name, n, grid, &err))
		tool_usage("%s%s", err.msg, n == 3 && !strncmp(name, "mpi", 3) ?
		           " (--trial-ranks G trains each trial over G MPI processes)" : "");
}

/* Split argv into nn-tune's arguments (returned, argc in *own) and the
 * pass-through (t->pass). */
char **tune_split_args(tune_train *t, int argc, char **argv, int *own)
{
	char **mine = tool_alloc((size_t)(argc + 1) * sizeof *mine);
	nn_error err = { 0 };
	t->pass = tool_alloc((size_t)argc * sizeof *t->pass);
	if (nn_cli_split(t->own, &t->cli, argc, argv, mine, own, t->pass, &t->npass, &err))
		tool_usage("%s", err.msg);
	if (t->npass > 500)   /* with the grid's and nn-tune's, within the argument arrays */
		tool_usage("more than 500 arguments for nn-train");
	for (size_t i = 0; i < t->npass; i++) {
		if (strpbrk(t->pass[i], "\t\n"))
			tool_usage("'%s': a tab or newline cannot go into the table", t->pass[i]);
		if (!strncmp(t->pass[i], "--", 2))
			check_train_key(t, t->pass[i] + 2, strcspn(t->pass[i] + 2, "="), 0);
	}
	return mine;
}

/* nn-train's arguments for values v (NULL: the pass-through alone) into
 * argv (not counting --threads, -o and the input); their text in text. */
size_t tune_train_args(const tune_train *t, const char **argv, char (*v)[NN_GRID_VALUE], char *text,
                       size_t cap)
{
	static char seed[32];
	size_t n = 0, len = 0;
	int grid_seed = 0;
	for (size_t i = 0; i < t->npass; i++)
		argv[n++] = t->pass[i];
	for (size_t k = 0; v && k < t->grid.nkeys; k++) {
		static char names[NN_GRID_KEYS][NN_GRID_VALUE + 2];
		if (!v[k][0])   /* left out (preflight checks one key at a time) */
			continue;
		snprintf(names[k], sizeof names[k], "--%s", t->grid.keys[k].name);
		grid_seed |= !strcmp(t->grid.keys[k].name, "seed");
		if (train_opt(t, t->grid.keys[k].name, strlen(t->grid.keys[k].name))->type != NN_OPT_FLAG)
			argv[n++] = names[k], argv[n++] = v[k];
		else if (!strcmp(v[k], "on"))
			argv[n++] = names[k];
	}
	snprintf(seed, sizeof seed, "%lld", t->seed);
	if (!grid_seed)
		argv[n++] = "--seed", argv[n++] = seed;
	if (t->x)
		argv[n++] = "--x", argv[n++] = t->x;
	if (t->y)
		argv[n++] = "--y", argv[n++] = t->y;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + (len < cap ? len : cap), len < cap ? cap - len : 0, "%s%s",
		                        i ? " " : "", argv[i]);
	if (len >= cap)
		tool_usage("nn-train's arguments are longer than %zu bytes", cap);
	return n;
}

/* Each value of each key, alone, through nn-train's own checks (an empty
 * input: a usage error is status 2 before anything is read). */
void tune_preflight(const tune_train *t)
{
	char err[PATH_MAX + 8], msg[400], (*v)[NN_GRID_VALUE] = tool_alloc(NN_GRID_KEYS * NN_GRID_VALUE);
	const char *argv[600];
	snprintf(err, sizeof err, "%s/check", tune_tmp);
	for (size_t k = 0; k <= t->grid.nkeys; k++) {
		const nn_grid_key *key = &t->grid.keys[k];
		size_t nv = k == t->grid.nkeys ? (k == 0) : key->nvalues ? key->nvalues : 2;
		for (size_t i = 0; i < nv; i++) {
			char text[2048];
			if (k < t->grid.nkeys) {
				nn_error e = { 0 };
				if (nn_grid_check_value(key, i, train_opt(t, key->name, strlen(key->name)), &e))
					tool_usage("%s", e.msg);
				for (size_t j = 0; j < t->grid.nkeys; j++)   /* only key k set */
					snprintf(v[j], NN_GRID_VALUE, "%s", j == k && key->nvalues ? key->values[i] : "");
				if (!key->nvalues)
					nn_format_f64(v[k], i ? key->hi : key->lo);
			}
			size_t n = tune_train_args(t, argv + 1, k < t->grid.nkeys ? v : NULL, text, sizeof text);
			argv[0] = "nn-train", argv[n + 1] = "-q", argv[n + 2] = "/dev/null", argv[n + 3] = NULL;
			unlink(err);
			if (tune_run((char **)argv, NULL, err) == 2)
				tool_usage("%s%s%s: %s", k < t->grid.nkeys ? "grid value '" : "nn-train's options",
				           k < t->grid.nkeys ? key->name : "", k < t->grid.nkeys ? "'" : "",
				           nn_proc_first_line(err, msg, sizeof msg));
		}
	}
	free(v);
}

/* The --grid specs into t->grid, each key one of nn-train's options that
 * the pass-through does not give. */
void tune_grid(tune_train *t, const nn_strlist *specs)
{
	nn_error err = { 0 };
	for (size_t i = 0; i < specs->n; i++)
		if (nn_grid_add(&t->grid, specs->v[i], &err))
			tool_usage("--grid: %s", err.msg);
	for (size_t k = 0; k < t->grid.nkeys; k++) {
		const char *key = t->grid.keys[k].name;
		check_train_key(t, key, strlen(key), 1);
		const char *given = nn_cli_given(t->pass, t->npass, key);
		if (given)
			tool_usage("'%s' is both searched (--grid) and given (%s)", key, given);
	}
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

void tune_cut_folds(const tune_train *t, const char *input, long long folds, int stratify)
{
	char k[24], i[24], seed[24], tr[PATH_MAX + 32], te[PATH_MAX + 32], err[PATH_MAX + 8], msg[400];
	snprintf(k, sizeof k, "%lld", folds);
	snprintf(seed, sizeof seed, "%lld", t->seed);
	snprintf(err, sizeof err, "%s/split", tune_tmp);
	for (long long f = 0; f < folds; f++) {
		char *argv[] = { "nn-split", "-q", "--kfold", k, "--fold", i, "--seed", seed, "--train", tr,
		                 "--test", te, (char *)input, stratify ? "--stratify" : NULL, "--y", (char *)t->y,
		                 NULL };
		if (!t->y)
			argv[14] = NULL;
		snprintf(i, sizeof i, "%lld", f);
		snprintf(tr, sizeof tr, "%s/train%lld.nns", tune_tmp, f);
		snprintf(te, sizeof te, "%s/test%lld.nns", tune_tmp, f);
		if (tune_run(argv, NULL, err))
			tool_die(TOOL_EXIT_DATA, NULL, "fold %lld: %s", f, nn_proc_first_line(err, msg, sizeof msg));
	}
}

/* nn-train's whole command for values v: --threads, -q, -o out and the
 * data after the arguments of tune_train_args, into argv (680 entries),
 * behind the launcher and --mpi for a group of ranks; its arguments'
 * text into text[2048]. */
static void train_command(const tune_train *t, char (*v)[NN_GRID_VALUE], long long threads, const char *out,
                          const char *data, const char **argv, char *th, char *text)
{
	static char train[PATH_MAX];
	size_t n = 0;
	if (t->ranks > 1) {
		memcpy(argv, t->launcher, t->nlauncher * sizeof *argv);
		n = t->nlauncher;
		snprintf(train, sizeof train, "%s/nn-train", tune_dir);
		argv[n++] = train, argv[n++] = "--mpi";
	} else {
		argv[n++] = "nn-train";
	}
	n += tune_train_args(t, argv + n, v, text, 2048);
	snprintf(th, 24, "%lld", threads);
	const char *tail[] = { "--threads", th, "-q", "-o", out, data, NULL };
	memcpy(argv + n, tail, sizeof tail);
}

static void end_trial(int sig)
{
	signal(sig, SIG_DFL);   /* then the trial's group, this child included */
	kill(0, sig);
}

/* A group of ranks' launcher, on SIGTERM, ends its ranks (in process
 * groups of their own) and may end before them: the trial's child is
 * their subreaper and waits for them all, so that nothing of the trial
 * outlives this program; after 10 s, it kills the launcher's group. */
static void end_group(int sig)
{
	signal(sig, SIG_IGN);
	kill(0, sig);
	alarm(10);
}

static void kill_group(int sig)
{
	(void)sig;
	kill(0, SIGKILL);
}

/* A child in a group of its own for a trial's programs (a group of ranks'
 * launcher without this job's variables), 0 in it; SIGTERM,
 * and the end of this program however it ends (mpirun SIGKILLs ranks),
 * end the trial's programs too. */
static pid_t fork_trial(int group)
{
	pid_t parent = getpid(), pid = fork();
	if (pid)
		return pid;
	setpgid(0, 0);
	signal(SIGINT, SIG_DFL), signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, group ? end_group : end_trial);
	signal(SIGALRM, kill_group);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	if (group)
		tune_group_env(), prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

/* The end of a trial's child: a group's ranks left by their launcher
 * waited for first. */
static _Noreturn void end_child(int status)
{
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	_exit(status);
}

int tune_run_group(char **argv, const char *out, const char *err)
{
	int st;
	pid_t pid = fork_trial(1);
	if (!pid)
		end_child(tune_run(argv, out, err));
	if (pid < 0)
		tool_die(TOOL_EXIT_DATA, NULL, "fork: %s", strerror(errno));
	tune_reap(pid, &st, &pid, 1);
	return nn_proc_status(st);
}

pid_t tune_start_trial(const tune_train *t, char (*v)[NN_GRID_VALUE], size_t c, long long f, long long threads)
{
	char model[PATH_MAX + 32], tr[PATH_MAX + 32], te[PATH_MAX + 32], js[PATH_MAX + 32];
	char err[PATH_MAX + 32], th[24], text[2048];
	const char *argv[680];
	pid_t pid = fork_trial(t->ranks > 1);
	if (pid)
		return pid;
	snprintf(model, sizeof model, "%s/c%zu_f%lld.nnm", tune_tmp, c, f);
	snprintf(js, sizeof js, "%s/c%zu_f%lld.json", tune_tmp, c, f);
	snprintf(err, sizeof err, "%s/c%zu_f%lld.err", tune_tmp, c, f);
	snprintf(tr, sizeof tr, "%s/train%lld.nns", tune_tmp, f);
	snprintf(te, sizeof te, "%s/test%lld.nns", tune_tmp, f);
	train_command(t, v, threads, model, tr, argv, th, text);
	if (tune_run((char **)argv, NULL, err))
		end_child(1);
	char *eval[] = { "nn-eval", "-q", "--json", "-m", model, te, NULL };
	int st = tune_run(eval, js, err);
	unlink(model);   /* a trial's model is temporary */
	end_child(st ? 3 : 0);
}

void tune_refit(const tune_train *t, char (*v)[NN_GRID_VALUE], const char *input, const char *out,
                long long threads)
{
	const char *argv[680];
	char th[24], text[2048];
	int st;
	train_command(t, v, threads, out, input, argv, th, text);
	tool_note("refit: nn-train %s%s", text, t->ranks > 1 ? " (over MPI)" : "");
	st = t->ranks > 1 ? tune_run_group((char **)argv, NULL, "") : tune_run((char **)argv, NULL, "");
	if (st)
		tool_die(TOOL_EXIT_DATA, out, "refit failed (nn-train's message above)");
}
