/* tools/tool-tune-mpi.c — nn-tune's ranks (tool-tune-mpi.h).  Built with
 * -DNN_MPI and OpenMPI's flags when the Makefile finds it; otherwise a job
 * of one rank. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "tool.h"
#include "tool-mpi.h"
#include "tool-tune.h"
#include "tool-tune-mpi.h"
#ifdef NN_MPI
#include <mpi.h>
#endif

/* The job's size as mpirun's environment gives it, 0 when not launched by
 * mpirun. */
static int launched_ranks(void)
{
	const char *s = getenv("OMPI_COMM_WORLD_SIZE");
	if (!s)
		s = getenv("PMI_SIZE");
	return s ? atoi(s) > 0 ? atoi(s) : 1 : 0;
}

void tune_mpi_start(int *argc, char ***argv)
{
	int n = launched_ranks();
	if (!n)
		return;
	if (!tool_mpi_built()) {
		if (n > 1)
			tool_usage("started by mpirun on %d ranks, but this nn-tune was built without MPI: every "
			           "rank would run the whole search (install libopenmpi-dev, or make deps, and "
			           "rebuild)", n);
		return;
	}
	tool_mpi_start(argc, argv);
	/* mpirun sends a signal to every rank within milliseconds, and ends
	 * the job with SIGKILL as soon as one rank has ended: each rank
	 * waits this long after its cleanup, so that the others finish
	 * theirs (their trials ended, their private folders removed). */
	if (tool_mpi_size > 1)
		tune_end_delay_us = 500000;
}

#ifdef NN_MPI

#define TAG_ROW 19

static MPI_Request *req;
static void **sent;
static size_t nsent;

/* Wait for r, and for a signal: a rank blocked in MPI while the others
 * end on a signal would be killed by mpirun before its cleanup. */
static void wait_for(MPI_Request *r)
{
	int done = 0, st;
	for (;;) {
		if (tune_signalled())
			tune_reap(-1, &st, NULL, 0);
		MPI_Test(r, &done, MPI_STATUS_IGNORE);
		if (done)
			return;
		usleep(10000);
	}
}

int tune_mpi_same(uint64_t h)
{
	uint64_t v[2] = { h, ~h };   /* the smallest h and the largest, at once */
	MPI_Request r;
	if (tool_mpi_size == 1)
		return 1;
	MPI_Iallreduce(MPI_IN_PLACE, v, 2, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD, &r);
	wait_for(&r);
	return v[0] == ~v[1];
}

void tune_mpi_bcast_int(int *v, size_t n)
{
	MPI_Request r;
	if (tool_mpi_size == 1 || !n)
		return;
	MPI_Ibcast(v, (int)n, MPI_INT, 0, MPI_COMM_WORLD, &r);
	wait_for(&r);
}

/* Sent without waiting for rank 0, which gathers rows only between its own
 * trials: the copy lives until tune_mpi_end. */
static void send_bytes(const void *row, size_t n)
{
	req = tool_realloc(req, (nsent + 1) * sizeof *req);
	sent = tool_realloc(sent, (nsent + 1) * sizeof *sent);
	sent[nsent] = tool_alloc(n);
	memcpy(sent[nsent], row, n);
	MPI_Isend(sent[nsent], (int)n, MPI_BYTE, 0, TAG_ROW, MPI_COMM_WORLD, &req[nsent]);
	nsent++;
}

static int recv_bytes(void *row, size_t cap, size_t *n, int wait)
{
	MPI_Status st;
	int flag = 1, count = 0;
	if (tool_mpi_size == 1)
		return 0;
	if (!wait)
		MPI_Iprobe(MPI_ANY_SOURCE, TAG_ROW, MPI_COMM_WORLD, &flag, &st);
	if (!flag)
		return 0;
	MPI_Recv(row, (int)cap, MPI_BYTE, wait ? MPI_ANY_SOURCE : st.MPI_SOURCE, TAG_ROW, MPI_COMM_WORLD, &st);
	MPI_Get_count(&st, MPI_BYTE, &count);
	*n = (size_t)count;
	return 1;
}

void tune_mpi_end(void)
{
	MPI_Request all;
	if (!tool_mpi_running())
		return;
	for (size_t i = 0; i < nsent; i++)
		wait_for(&req[i]);
	MPI_Ibarrier(MPI_COMM_WORLD, &all);
	wait_for(&all);
	for (size_t i = 0; i < nsent; i++)
		free(sent[i]);
	free(sent), free(req);
	tool_mpi_end();
}

#else  /* no MPI: one rank */

int tune_mpi_same(uint64_t h)
{
	(void)h;
	return 1;
}

void tune_mpi_bcast_int(int *v, size_t n)
{
	(void)v;
	(void)n;
}

static void send_bytes(const void *row, size_t n)
{
	(void)row;
	(void)n;
}

static int recv_bytes(void *row, size_t cap, size_t *n, int wait)
{
	(void)row;
	(void)cap;
	(void)n;
	(void)wait;
	return 0;
}

void tune_mpi_end(void)
{
}

#endif

/* A row as bytes: its index, failed and time and the folds' scores as
 * doubles (the ranks are alike: nn-train's weights already assume it),
 * then why. */
static size_t row_bytes(const nn_cv_table *t, size_t why_cap)
{
	return (3 + t->folds) * sizeof(double) + why_cap;
}

void tune_mpi_send_row(const nn_cv_table *t, size_t c, size_t why_cap)
{
	const nn_cv_row *r = &t->rows[c];
	double *b = tool_alloc(row_bytes(t, why_cap));
	b[0] = (double)c, b[1] = r->failed, b[2] = r->time;
	memcpy(b + 3, r->score, t->folds * sizeof *b);
	memset(b + 3 + t->folds, 0, why_cap);
	if (r->failed)
		memcpy(b + 3 + t->folds, r->why, strnlen(r->why, why_cap - 1));
	send_bytes(b, row_bytes(t, why_cap));
	free(b);
}

long tune_mpi_recv_row(nn_cv_table *t, size_t why_cap, int wait)
{
	double *b = tool_alloc(row_bytes(t, why_cap));
	size_t n = 0;
	long c = -1;
	if (recv_bytes(b, row_bytes(t, why_cap), &n, wait)) {
		if (n != row_bytes(t, why_cap) || !(b[0] >= 0 && b[0] < (double)t->nrows))
			tool_die(TOOL_EXIT_DATA, NULL, "MPI: a row of another shape came");
		nn_cv_row *r = &t->rows[c = (long)b[0]];
		r->failed = b[1] != 0, r->time = b[2];
		memcpy(r->score, b + 3, t->folds * sizeof *b);
		memcpy((char *)r->why, b + 3 + t->folds, why_cap);
		((char *)r->why)[why_cap - 1] = 0;
	}
	free(b);
	return c;
}

size_t tune_mpi_deal(const nn_cv_table *t, int *reused, int *rank)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a of the rows' arguments and the setup */
	size_t remote = 0;
	for (size_t c = 0; c <= t->nrows; c++)
		for (const char *p = c < t->nrows ? t->rows[c].args : t->setup; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
	if (!tune_mpi_same(h ^ t->nrows)) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();   /* rank 0's message and abort end the job */
		tool_die(TOOL_EXIT_DATA, NULL, "MPI: the ranks read different data or options (INPUT must be the "
		         "same file on every machine)");
	}
	tune_mpi_bcast_int(reused, t->nrows);
	for (size_t c = 0, k = 0; c < t->nrows; c++) {
		rank[c] = reused[c] ? 0 : (int)(k++ % (size_t)tool_mpi_size);
		remote += rank[c] != 0;
	}
	return remote;
}

/* --- a group of ranks per trial ------------------------------------------ */

void tune_group_setup(tune_train *t, const char *cmd)
{
	static char words[1024], np[24];
	if (t->ranks <= 1) {
		if (cmd)
			tool_usage("--mpirun: only with --trial-ranks 2 or more");
		return;
	}
	if (!tool_mpi_built())
		tool_usage("--trial-ranks %lld: this nn-tune and the nn-train of its build have no MPI "
		           "(install libopenmpi-dev, or make deps, and rebuild)", t->ranks);
	if (snprintf(words, sizeof words, "%s", cmd ? cmd : "mpirun --oversubscribe --bind-to none") >=
	    (int)sizeof words)
		tool_usage("--mpirun: longer than %zu bytes", sizeof words - 1);
	for (char *w = strtok(words, " \t"); w; w = strtok(NULL, " \t")) {
		if (t->nlauncher == sizeof t->launcher / sizeof *t->launcher - 2)
			tool_usage("--mpirun: more than %zu words", t->nlauncher);
		t->launcher[t->nlauncher++] = w;
	}
	if (!t->nlauncher)
		tool_usage("--mpirun: no command");
	snprintf(np, sizeof np, "%lld", t->ranks);
	t->launcher[t->nlauncher++] = "-np";
	t->launcher[t->nlauncher++] = np;
}

void tune_group_check(const tune_train *t)
{
	const char *argv[680];
	char train[PATH_MAX], err[PATH_MAX + 16], out[PATH_MAX + 16], msg[400], text[2048];
	size_t n = t->nlauncher - 1;
	if (t->ranks <= 1)
		return;
	memcpy(argv, t->launcher, n * sizeof *argv);
	snprintf(train, sizeof train, "%s/nn-train", tune_dir);
	argv[n++] = "1", argv[n++] = train, argv[n++] = "--mpi";
	n += tune_train_args(t, argv + n, NULL, text, sizeof text);
	snprintf(err, sizeof err, "%s/group", tune_tmp);
	snprintf(out, sizeof out, "%s/group.nnm", tune_tmp);
	const char *tail[] = { "--threads", "1", "-q", "-o", out, "/dev/null", NULL };
	memcpy(argv + n, tail, sizeof tail);
	/* nn-train over MPI reads the empty input and says so (status 1); a
	 * launcher missing or refusing, or an nn-train without MPI, does not. */
	int st = tune_run_group((char **)argv, NULL, err);
	if (st == 127)
		tool_usage("--trial-ranks: '%s' not found (--mpirun names the launcher)", t->launcher[0]);
	tune_group_message(err, msg, sizeof msg);
	if (st == 2 || strncmp(msg, "nn-train: ", 10))
		tool_usage("--trial-ranks: '%s ... -np 1 nn-train --mpi' failed: %s", t->launcher[0],
		           *msg ? msg : "no message");
}

void tune_group_env(void)
{
	extern char **environ;
	static const char *const job[] = { "OMPI_", "PMIX_", "PMI_", "OPAL_", "ORTE_", "HYDRA_", NULL };
	char name[256];
	int again = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE");   /* a rank of a job */
	while (again) {   /* unsetenv changes environ: look again from the start */
		again = 0;
		for (char **e = environ; *e && !again; e++) {
			size_t len = strcspn(*e, "=");
			if (len >= sizeof name || !strncmp(*e, "OMPI_ALLOW_RUN_AS_ROOT", 22))
				continue;
			for (size_t k = 0; job[k] && !again; k++)
				if (!strncmp(*e, job[k], strlen(job[k]))) {
					memcpy(name, *e, len), name[len] = 0;
					again = !unsetenv(name);
				}
		}
	}
	/* OpenMPI's session folders in the private folder, removed with it
	 * also when a launcher ended early has left them; one folder per
	 * launcher, since launchers started at once on one machine race to
	 * make the same session folder and one fails ("A call to mkdir was
	 * unable to create the desired directory", open-mpi/ompi#8510). */
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/mpi.%ld", tune_tmp, (long)getpid());
	mkdir(dir, 0700);
	setenv("OMPI_MCA_orte_tmpdir_base", dir, 1);
}

char *tune_group_message(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[1024], other[1024] = "", first[1024] = "";
	*buf = 0;
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		const char *colon = strncmp(line, "nn-", 3) ? NULL : strstr(line, ": ");
		if (!*first && *line && *line != '-')   /* not a launcher's rule of dashes */
			snprintf(first, sizeof first, "%s", line);
		if (!colon)
			continue;
		if (strncmp(colon + 2, "rank ", 5)) {   /* rank 0's */
			snprintf(buf, n, "%s", line);
			break;
		}
		if (!*other)
			snprintf(other, sizeof other, "%s", line);
	}
	if (f)
		fclose(f);
	if (!*buf)
		snprintf(buf, n, "%s", *other ? other : first);
	return buf;
}
