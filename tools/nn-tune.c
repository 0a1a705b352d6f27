/* nn-tune — k-fold cross-validation of nn-train configurations: a grid
 * or seeded random draws, a table of scores, the best one refitted.
 *
 * Choices (nn-tune(1) explains each):
 * - Each fold is made by the real nn-split --kfold K --fold I (stratified
 *   for integer labels), each trial by the real nn-train and scored by the
 *   real nn-eval --json, run next to this program (the folder of
 *   /proc/self/exe): the scores are by construction those a user gets by
 *   hand, and nn-tune never drifts from the programs it tunes.  The folds
 *   are cut once; trials' models live in a private folder in $TMPDIR,
 *   removed at exit and on SIGINT, SIGTERM, SIGHUP.
 * - Options: nn-tune's own first; a long option nn-tune does not know but
 *   nn-train does passes through to every trial, with its value, and so
 *   does everything after "--".  Grid keys are nn-train's long options,
 *   each value checked by nn-train itself on an empty input beforehand.
 * - Trials (one configuration on one fold) run -j at a time, each nn-train
 *   with --threads (threads / j, at least 1): nn-train's weights do not
 *   depend on its thread count.
 * - The table: one row per configuration in the order of the grid (or the
 *   draws), the searched values, mean and population std (numpy's default)
 *   of the metric over the folds, every fold's score, the folds' summed
 *   time, the rank (1 best; ties share the lower rank, failed rows none),
 *   the status, and what identifies the trial: the input's size and CRC-32,
 *   the folds and seed, and nn-train's arguments.  -o writes it atomically
 *   after every configuration; a rerun reuses the rows whose
 *   identification matches and whose status is ok.
 * - Under mpirun (tools/tool-tune-mpi.c) every rank cuts the folds and
 *   makes the configurations itself (the same: checked), and runs the
 *   k-th configuration not reused when k % ranks is its rank, -j trials at
 *   a time on its share of the machine's processors; rank 0 reads the old
 *   table, gathers the finished rows as MPI messages and alone writes, so
 *   the table is the one a single process makes.
 * - --trial-ranks G trains each trial over G processes: its nn-train
 *   --mpi under a child mpirun (tools/tool-tune-mpi.c), which keeps a
 *   failing group a failed row (MPI_Comm_spawn would end the whole job
 *   with it); -j groups at a time, threads / (j x G) each.
 * - The children, their private folder and signals, nn-train's options
 *   and the picture are program-side glue in tools/tool-tune.c; the
 *   table's arithmetic and forms are libcommon's (nn/tune.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "tool.h"
#include "nn/grid.h"
#include "nn/jsonget.h"
#include "nn/proc.h"
#include "nn/tsv.h"
#include "nn/tune.h"
#include "tool-tune.h"
#include "tool-tune-mpi.h"

#define METRICS "accuracy|balanced_accuracy|f1_macro|f1_weighted|precision_macro|recall_macro|" \
                "log_loss|top_k_accuracy|roc_auc|r2|mse|rmse|mae"

/* A configuration's state while trials run; its row of the table is
 * G.row[i] (nn/tune.h). */
typedef struct {
	char args[2048];           /* nn-train's arguments for it, space-joined */
	char why[400];             /* the failure of the first fold that failed */
	long long why_fold;
	size_t started, done;      /* folds started, finished */
	int reused;
	int rank;                  /* the MPI rank that runs it */
} config;

static struct {
	const char *out, *metric, *refit, *plot, *mpirun;
	nn_strlist grids;
	long long folds, trials, jobs, threads;
	int json, no_stratify;

	tune_train t;              /* nn-train's options, the pass-through, the grid */
	char input[PATH_MAX], setup[256];
	config *cfg;
	nn_cv_row *row;
	size_t ncfg;
	nn_cv_table tab;
	const char *keys[NN_GRID_KEYS];   /* the table's searched options */
	size_t remote;             /* rank 0: rows still to come from other ranks */
} G = { .folds = 5, .jobs = 1, .t.ranks = 1 };

static const nn_option options[] = {
	{ 0, "folds", NN_OPT_INT, &G.folds, "K", "K-fold cross-validation (default 5)", 2, 1000 },
	{ 'g', "grid", NN_OPT_LIST, &G.grids, "SPEC", "KEY=V1,V2 ... or KEY=LO:HI (with --trials)", 0, 0 },
	{ 0, "trials", NN_OPT_INT, &G.trials, "N", "N seeded random draws instead of the whole grid", 1, 100000 },
	{ 0, "metric", NN_OPT_CHOICE, &G.metric, METRICS, "score (default accuracy, r2 for regression)", 0, 0 },
	{ 'j', "jobs", NN_OPT_INT, &G.jobs, "N", "trials at once (default 1)", 1, 256 },
	{ 0, "trial-ranks", NN_OPT_INT, &G.t.ranks, "G", "each trial's nn-train --mpi over G processes (mpirun)", 1, 4096 },
	{ 0, "mpirun", NN_OPT_STR, &G.mpirun, "CMD", "the launcher for --trial-ranks (default 'mpirun --oversubscribe --bind-to none')", 0, 0 },
	{ 0, "json", NN_OPT_FLAG, &G.json, NULL, "print the table as JSON", 0, 0 },
	{ 'o', "output", NN_OPT_STR, &G.out, "FILE", "the table as TSV, written after each configuration; a rerun reuses it", 0, 0 },
	{ 0, "refit", NN_OPT_STR, &G.refit, "FILE", "train the best configuration on all of INPUT into FILE", 0, 0 },
	{ 0, "plot", NN_OPT_STR, &G.plot, "FILE", "score against each searched option, .png or .svg (gnuplot)", 0, 0 },
	{ 0, "no-stratify", NN_OPT_FLAG, &G.no_stratify, NULL, "plain folds even for class labels", 0, 0 },
	{ 0, "x", NN_OPT_STR, &G.t.x, "NAME", "feature field (default x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &G.t.y, "NAME", "label field (default y)", 0, 0 },
	NN_OPT_SEED(&G.t.seed),
	{ 0, "threads", NN_OPT_INT, &G.threads, "N", "threads in all (default: every processor)", 1, 4096 },
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-tune", "[OPTIONS] [INPUT] [-- NN-TRAIN-OPTIONS]",
	"Cross-validate nn-train configurations over a grid or random draws.",
	"Unknown long options that nn-train knows, and everything after --, go to\n"
	"every nn-train run.  Example:\n"
	"  nn-tune --folds 5 --grid 'lr=1e-3,1e-2 layers=32,64' -o cv.tsv train.nns --epochs 50",
	options, 1
};

/* --- the data and its folds ------------------------------------------------ */

/* INPUT's bytes, copied into the private folder when it is not a regular
 * file (it is read once per fold), with its size and CRC-32; the label's
 * dtype decides stratification and the default metric. */
static int open_input(const char *path)
{
	struct stat st;
	int in = path && strcmp(path, "-") ? open(path, O_RDONLY) : 0, out = -1;
	uint32_t crc;
	unsigned long long size = 0;
	nn_error err = { 0 };

	if (in < 0)
		tool_die(TOOL_EXIT_DATA, path, "%s", strerror(errno));
	if (in == 0 && isatty(0))
		tool_usage("no INPUT and standard input is a terminal");
	if (fstat(in, &st) || !S_ISREG(st.st_mode) || in == 0) {
		snprintf(G.input, sizeof G.input, "%s/input.nns", tune_tmp);
		out = open(G.input, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	} else {
		snprintf(G.input, sizeof G.input, "%s", path);
	}
	if (nn_proc_copy(in, out, &size, &crc, &err))
		tool_die(TOOL_EXIT_DATA, tool_name(path), "%s", err.msg);
	if (out >= 0 && close(out))
		tool_die(TOOL_EXIT_DATA, G.input, "%s", strerror(errno));
	nn_reader *r = tool_reader(G.input);
	const nn_schema *s = nn_reader_schema(r);
	int y = nn_schema_find(s, G.t.y ? G.t.y : "y");
	if (y < 0)
		tool_die(TOOL_EXIT_DATA, tool_name(path), "no label field '%s'", G.t.y ? G.t.y : "y");
	int classes = !nn_dtype_is_float(s->fields[y].dtype);
	nn_reader_close(r);
	snprintf(G.setup, sizeof G.setup, "input=%llu:%08lx folds=%lld%s seed=%lld", size,
	         (unsigned long)crc, G.folds, classes && !G.no_stratify ? " stratified" : "", G.t.seed);
	if (G.t.ranks > 1)   /* other weights than one process's: not reused across */
		snprintf(G.setup + strlen(G.setup), sizeof G.setup - strlen(G.setup), " trial-ranks=%lld", G.t.ranks);
	return classes;
}

/* --- configurations, the old table, the trials ----------------------------- */

static void add_config(char (*v)[NN_GRID_VALUE])
{
	const char *argv[600];
	config *c = &G.cfg[G.ncfg];
	nn_cv_row *r = &G.row[G.ncfg];
	memset(c, 0, sizeof *c);
	memset(r, 0, sizeof *r);
	tune_train_args(&G.t, argv, v, c->args, sizeof c->args);
	for (size_t i = 0; i < G.ncfg; i++)
		if (!strcmp(G.cfg[i].args, c->args))
			return;   /* a draw met twice is one configuration */
	r->values = tool_alloc(NN_GRID_KEYS * NN_GRID_VALUE);
	memcpy(r->values, v, NN_GRID_KEYS * NN_GRID_VALUE);
	r->score = tool_alloc((size_t)G.folds * sizeof *r->score);
	r->args = c->args;
	r->why = c->why;
	G.ncfg++;
}

static void make_configs(void)
{
	char v[NN_GRID_KEYS][NN_GRID_VALUE];
	nn_error err = { 0 };
	size_t n = 0;
	if (!G.trials && nn_grid_count(&G.t.grid, &n, &err))
		tool_usage("--grid: %s", err.msg);
	G.cfg = tool_alloc((G.trials ? (size_t)G.trials : n) * sizeof *G.cfg);
	G.row = tool_alloc((G.trials ? (size_t)G.trials : n) * sizeof *G.row);
	if (!G.trials)
		for (size_t i = 0; i < n; i++)
			nn_grid_point(&G.t.grid, i, v), add_config(v);
	nn_rng r;
	nn_rng_seed(&r, (uint64_t)G.t.seed, 0x74756e65);   /* "tune": apart from nn-split's and nn-train's */
	for (long long t = 0; t < G.trials * 100 && G.ncfg < (size_t)G.trials; t++)
		nn_grid_draw(&G.t.grid, &r, v), add_config(v);
	if (G.trials && G.ncfg < (size_t)G.trials)
		tool_note("only %zu different configurations in %lld draws", G.ncfg, G.trials * 100);
	for (size_t k = 0; k < G.t.grid.nkeys; k++)
		G.keys[k] = G.t.grid.keys[k].name;
	G.tab = (nn_cv_table){ G.t.grid.nkeys, G.keys, (size_t)G.folds, G.metric, G.setup, G.tab.lower, G.ncfg,
	                       G.row };
}

/* Rows of the old table (-o) that match a configuration and finished. */
static void reuse(void)
{
	FILE *f = G.out ? fopen(G.out, "r") : NULL;
	struct stat st;
	size_t len = 0, reused = 0;
	char *text;
	nn_tsv t;
	nn_error err = { 0 };
	if (!f)
		return;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
		return (void)fclose(f);
	text = tool_alloc((size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	if (nn_tsv_parse(&t, text, len, &err)) {
		tool_note("'%s': not reused: %s", G.out, err.msg);
		free(text);
		return;
	}
	for (size_t c = 0; c < G.ncfg; c++)
		if (nn_cv_find(&t, G.setup, G.cfg[c].args, (size_t)G.folds, G.row[c].score, &G.row[c].time))
			G.cfg[c].reused = 1, G.cfg[c].done = G.cfg[c].started = (size_t)G.folds, reused++;
	if (reused)
		tool_note("%zu of %zu configurations reused from '%s'", reused, G.ncfg, G.out);
	nn_tsv_release(&t);
	free(text);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A finished trial: its score from nn-eval's report, or its failure. */
static void trial_done(size_t c, long long f, int status, double secs)
{
	config *g = &G.cfg[c];
	nn_cv_row *r = &G.row[c];
	char path[PATH_MAX + 32], msg[400], *doc;
	const char *key;
	int lower;
	nn_error err = { 0 };
	g->done++;
	r->time += secs;
	snprintf(path, sizeof path, "%s/c%zu_f%lld.%s", tune_tmp, c, f, status ? "err" : "json");
	if (!status) {
		FILE *j = fopen(path, "r");
		size_t n = 0;
		doc = tool_alloc(1 << 20);
		n = j ? fread(doc, 1, 1 << 20, j) : 0;
		if (j)
			fclose(j);
		nn_cv_metric(G.metric, &key, &lower);
		int bad = nn_json_number(doc, n, key, &r->score[f], &err);
		free(doc);
		if (!bad)
			return;
		snprintf(msg, sizeof msg, "nn-eval's report: %.300s", err.msg);
	} else if (!*(G.t.ranks > 1 ? tune_group_message : nn_proc_first_line)(path, msg, sizeof msg)) {
		snprintf(msg, sizeof msg, "%s failed", status == 3 ? "nn-eval" : "nn-train");
	}
	if (!r->failed || f < g->why_fold)   /* the first fold's, whatever -j ran first */
		snprintf(g->why, sizeof g->why, "fold %lld: %.360s", f, msg), g->why_fold = f;
	r->failed = 1;
	nn_tsv_clean(g->why);
}

/* A configuration with every fold it will have: the whole table to -o,
 * atomically. */
static void finish(size_t c)
{
	nn_error err = { 0 };
	G.row[c].finished = 1;
	if (tool_mpi_rank)
		return tune_mpi_send_row(&G.tab, c, sizeof G.cfg->why);
	if (nn_cv_finish(&G.tab, &err))
		tool_die_err(NULL, &err);
	if (G.row[c].failed)
		fprintf(stderr, "nn-tune: configuration %zu (%s) failed: %s\n", c + 1, G.cfg[c].args, G.cfg[c].why);
	if (!G.out)
		return;
	tool_out *o = tool_out_open(G.out, 0);
	nn_cv_write_tsv(tool_out_file(o), &G.tab);
	tool_out_commit(o);
}

/* --- under mpirun: the rows of other ranks --------------------------------- */

/* Rank 0: a row another rank finished, into the table; 1 when one came. */
static int take_row(int wait)
{
	long c = tune_mpi_recv_row(&G.tab, sizeof G.cfg->why, wait);
	if (c < 0)
		return 0;
	if (G.cfg[c].rank == 0 || G.row[c].finished)
		tool_die(TOOL_EXIT_DATA, NULL, "MPI: configuration %ld came twice", c + 1);
	G.remote--;
	finish((size_t)c);
	return 1;
}

/* Rank 0's old table decides what is reused; the rest are dealt round
 * the ranks. */
static void share_configs(void)
{
	int *reused = tool_alloc((G.ncfg + 1) * sizeof *reused), *rank = tool_alloc((G.ncfg + 1) * sizeof *rank);
	for (size_t c = 0; c < G.ncfg; c++)
		reused[c] = G.cfg[c].reused;
	G.remote = tune_mpi_deal(&G.tab, reused, rank);
	for (size_t c = 0; c < G.ncfg; c++)
		if ((G.cfg[c].rank = rank[c]) != tool_mpi_rank)
			G.cfg[c].done = G.cfg[c].started = (size_t)G.folds;   /* not this rank's */
	free(reused), free(rank);
}

/* Rank 0 after its own trials: the other ranks' rows still to come. */
static void gather_rows(void)
{
	int st;
	while (!tool_mpi_rank && G.remote) {
		if (tune_signalled())   /* before MPI, which may find a rank ended by it */
			tune_reap(-1, &st, NULL, 0);
		if (!take_row(0))
			usleep(10000);
	}
	tune_mpi_end();
}

/* Run every trial not reused, -j at a time; a failed configuration's
 * folds not started yet are not. */
static void run_trials(long long threads)
{
	pid_t *pid = tool_alloc((size_t)G.jobs * sizeof *pid);
	size_t *jc = tool_alloc((size_t)G.jobs * sizeof *jc), running = 0, c = 0;
	long long *jf = tool_alloc((size_t)G.jobs * sizeof *jf);
	double *t0 = tool_alloc((size_t)G.jobs * sizeof *t0);
	int st;
	memset(pid, 0, (size_t)G.jobs * sizeof *pid);
	for (;;) {
		while (running < (size_t)G.jobs && c < G.ncfg) {
			config *g = &G.cfg[c];
			if (G.row[c].failed || g->started == (size_t)G.folds) {
				if (g->done == g->started && !G.row[c].finished && g->rank == tool_mpi_rank)
					finish(c);
				c++;
				continue;
			}
			size_t j = 0;
			while (pid[j])
				j++;
			jc[j] = c, jf[j] = (long long)g->started++, t0[j] = now();
			if ((pid[j] = tune_start_trial(&G.t, G.row[c].values, c, jf[j], threads)) < 0)
				tool_die(TOOL_EXIT_DATA, NULL, "fork: %s", strerror(errno));
			running++;
		}
		if (!running)
			break;
		pid_t p = tune_reap(-1, &st, pid, (size_t)G.jobs);
		for (size_t j = 0; j < (size_t)G.jobs; j++) {
			if (pid[j] != p)
				continue;
			config *g = &G.cfg[jc[j]];
			trial_done(jc[j], jf[j], nn_proc_status(st), now() - t0[j]);
			pid[j] = 0, running--;
			if (g->done == g->started && (G.row[jc[j]].failed || g->started == (size_t)G.folds))
				finish(jc[j]);
		}
		while (!tool_mpi_rank && take_row(0))
			;
	}
	free(pid), free(jc), free(jf), free(t0);
}

/* --refit: the best configuration on all of INPUT. */
static void refit(long long threads)
{
	size_t best = 0;
	while (best < G.ncfg && G.row[best].rank != 1)
		best++;
	if (best == G.ncfg)
		tool_die(TOOL_EXIT_DATA, G.refit, "no configuration finished: nothing to refit");
	tune_refit(&G.t, G.row[best].values, G.input, G.refit, threads);
}

/* The checks the option table cannot make, and nn-train's own on every
 * searched value; the threads in all. */
static void check_options(const nn_strlist *in)
{
	if (in->n > 1)
		tool_usage("one INPUT at most (nn-train's options go before or after it, or after --)");
	if (tool_mpi_size > 1 && (!in->n || !strcmp(in->v[0], "-"))) {
		if (tool_mpi_rank)
			tool_mpi_wait_for_abort();   /* rank 0's message and abort end the job */
		tool_usage("under mpirun every rank reads INPUT, so it must be a file (stdin reaches rank 0 only)");
	}
	tool_quiet |= tool_mpi_rank > 0;   /* rank 0 talks for the job */
	tune_grid(&G.t, &G.grids);
	tune_group_setup(&G.t, G.mpirun);
	const char *ext = G.plot ? strrchr(G.plot, '.') : ".png";
	if (!ext || (strcmp(ext, ".png") && strcmp(ext, ".svg")))
		tool_usage("--plot: the picture's name ends with .png or .svg");
	if (G.trials && !G.t.grid.nkeys)
		tool_usage("--trials draws from --grid: give it KEY=LO:HI or KEY=V1,V2 items");
	if (!G.threads)   /* the ranks on one machine share it */
		G.threads = sysconf(_SC_NPROCESSORS_ONLN) / tool_mpi_local_size() > 0 ?
		            sysconf(_SC_NPROCESSORS_ONLN) / tool_mpi_local_size() : 1;
	tune_preflight(&G.t);
	tune_group_check(&G.t);
}

/* The metric (by default from the label's dtype), in the setup too. */
static void set_metric(int classes)
{
	const char *key;
	if (!G.metric)
		G.metric = classes ? "accuracy" : "r2";
	nn_cv_metric(G.metric, &key, &G.tab.lower);
	snprintf(G.setup + strlen(G.setup), sizeof G.setup - strlen(G.setup), " metric=%s", G.metric);
}

/* The table to stdout, the picture, the refit; the exit status. */
static int report(void)
{
	int failed = 0;
	for (size_t c = 0; c < G.ncfg; c++)
		failed |= G.row[c].failed;
	tool_output_open(NULL, 0);
	(G.json ? nn_cv_write_json : nn_cv_write_text)(tool_output_file(), &G.tab);
	tool_output_commit();
	if (G.plot)
		tune_plot(&G.tab, G.plot);
	if (G.refit)
		refit(G.threads / G.t.ranks > 0 ? G.threads / G.t.ranks : 1);
	nn_grid_release(&G.t.grid);
	return failed ? TOOL_EXIT_DATA : 0;
}

int main(int argc, char **argv)
{
	nn_strlist in = { 0 };
	int own;
	char **mine;

	tool_prog = "nn-tune";
	tool_mpi_prepare();
	tune_mpi_start(&argc, &argv);   /* before the private folder: MPI_Init is slow */
	tune_setup();
	G.t.own = &cli;
	tune_load_train_options(&G.t);
	mine = tune_split_args(&G.t, argc, argv, &own);
	tool_parse(&cli, own, mine, &in);
	tune_catch_signals();
	check_options(&in);
	int classes = open_input(in.n ? in.v[0] : NULL);
	set_metric(classes);
	tune_cut_folds(&G.t, G.input, G.folds, classes && !G.no_stratify);
	make_configs();
	if (!tool_mpi_rank)
		reuse();
	share_configs();
	run_trials(G.threads / (G.jobs * G.t.ranks) > 0 ? G.threads / (G.jobs * G.t.ranks) : 1);
	gather_rows();
	if (tool_mpi_rank)
		return 0;   /* its rows are rank 0's to write */
	return report();
}
