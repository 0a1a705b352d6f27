/* nn-split — split a stream into train and test (and validation) sets, one
 * fold of k, or shards.
 *
 * Choices (nn-split(1) explains each):
 * - Sizes follow scikit-learn's train_test_split: a fraction F gives
 *   ceil(F * n) rows, a whole number that many rows; train takes the rest
 *   and must not be empty.  Default --test-size 0.25.
 * - Shuffled (the default): the rows go through one seeded random
 *   permutation of the whole input; test takes its first rows, then val,
 *   then train (as ShuffleSplit), so every output is in random order.
 *   --no-shuffle uses no randomness: train takes the first rows, then
 *   val, then test, each in input order (shuffle=False).
 * - The permutation needs every row, in bounded memory: rows are packed
 *   row-major into memory up to --memory bytes; past that into BUCKETS
 *   unlinked temporary files in $TMPDIR chosen by a seeded draw per row,
 *   then each bucket (split again if too big) is shuffled in memory.  A
 *   uniform bucket draw followed by a uniform shuffle of each bucket is a
 *   uniform permutation.  --no-shuffle reads a regular file twice, a pipe
 *   after copying it (still compressed) to a temporary file.
 * - --stratify: per class, its rows in permutation order fill the
 *   outputs in the same order; how many go where is each class's exact
 *   share rounded down or up, the totals exact (alloc_split).  k folds:
 *   StratifiedKFold's allocation (rows sorted by class dealt round-robin).
 *   A class needs at least one row per output.
 * - --kfold K --fold I: fold sizes as KFold (the first n mod K folds one
 *   row longer); the permutation does not depend on I, so the K test
 *   folds partition the rows.
 * - --streaming and --shards assign each row in one pass, in input order:
 *   by nn_hash64(seed, row index), or round-robin.
 * - Outputs: a temporary file beside each, all renamed into place only
 *   when every one was written whole (out_* below: tool_output_open holds
 *   one output only).  "-" is standard output, for one of them.
 * - Provenance: the input's schema with this program's arguments, less
 *   the output names.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tool.h"
#include "nn/rng.h"
#include "nn/version.h"

#define BUCKETS     256   /* fixed: the permutation must not depend on ulimit */
#define MAX_DEPTH   3
#define MAX_CLASS   65536
enum { TRAIN, TEST, VAL };
enum { RNG_BUCKET = 1, RNG_SHUFFLE = 2 };   /* nn_rng streams */

static const char *opt_train, *opt_test, *opt_val, *opt_tsize, *opt_vsize;
static const char *opt_y = "y", *opt_pattern;
static long long opt_memory = 32 << 20, opt_seed, opt_kfold, opt_fold = -1, opt_shards;
static long long opt_level = NN_DEFAULT_LEVEL, opt_threads;   /* 0: tool_compress_threads decides */
static int opt_stratify, opt_noshuffle, opt_streaming, opt_rr;

static const nn_option options[] = {
	{ 0, "train", NN_OPT_STR, &opt_train, "FILE", "write the training rows to FILE", 0, 0 },
	{ 0, "test", NN_OPT_STR, &opt_test, "FILE", "write the test rows to FILE", 0, 0 },
	{ 0, "val", NN_OPT_STR, &opt_val, "FILE", "write the validation rows to FILE", 0, 0 },
	{ 0, "test-size", NN_OPT_STR, &opt_tsize, "F",
	  "test rows: a fraction (rounded up) or a count (default 0.25)", 0, 0 },
	{ 0, "val-size", NN_OPT_STR, &opt_vsize, "F",
	  "validation rows: a fraction (rounded up) or a count", 0, 0 },
	{ 0, "stratify", NN_OPT_FLAG, &opt_stratify, NULL,
	  "keep the class proportions of the label in every output", 0, 0 },
	{ 0, "y", NN_OPT_STR, &opt_y, "NAME", "the label field (default y)", 0, 0 },
	{ 0, "no-shuffle", NN_OPT_FLAG, &opt_noshuffle, NULL,
	  "no randomness: consecutive rows, each output in input order", 0, 0 },
	{ 0, "kfold", NN_OPT_INT, &opt_kfold, "K",
	  "cut the rows into K folds: fold I is test, the rest train", 2, 1e6 },
	{ 0, "fold", NN_OPT_INT, &opt_fold, "I", "the fold to test on, 0 to K-1", 0, 1e6 },
	{ 0, "streaming", NN_OPT_FLAG, &opt_streaming, NULL,
	  "one pass, constant memory, by a hash of the row: sizes approximate", 0, 0 },
	{ 0, "shards", NN_OPT_INT, &opt_shards, "N",
	  "write N shards by a hash of the row index and seed", 1, 4096 },
	{ 0, "shard-pattern", NN_OPT_STR, &opt_pattern, "PAT",
	  "shard file names, with one %d-like conversion: 'part-%03d.nns'", 0, 0 },
	{ 0, "round-robin", NN_OPT_FLAG, &opt_rr, NULL,
	  "with --shards: row i goes to shard i mod N", 0, 0 },
	{ 0, "memory", NN_OPT_SIZE, &opt_memory, "SIZE",
	  "bytes of rows shuffled in memory at once, K, M or G after the number for KiB, MiB, GiB "
	  "(default 32M)", 1, 1 << 30 },
	NN_OPT_SEED(&opt_seed),
	NN_OPT_LEVEL(&opt_level),
	NN_OPT_THREADS(&opt_threads),
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-split", "[OPTIONS] [INPUT]",
	"Split a stream into train, test and validation sets, k folds, or shards.",
	"Split:  nn-split --test-size 0.2 [--val-size 0.1 --val FILE] --train FILE --test FILE\n"
	"Folds:  nn-split --kfold 5 --fold 0 --train FILE --test FILE\n"
	"Shards: nn-split --shards 8 --shard-pattern 'part-%03d.nns'\n"
	"Sizes and class counts of every output are noted on stderr.",
	options, 1
};

static const char *in_path, *in_name;

/* --- outputs: several files, committed together --------------------------- */

struct out {
	const char *path;              /* as given; "-" is standard output */
	char *final, *tmp;             /* tmp is renamed to final; NULL: in place */
	volatile sig_atomic_t have_tmp;
	int fd;
	nn_writer *w;
	uint64_t rows, *cls;           /* rows written; per class (ncls) */
	size_t ncls;
};
static struct out *outs;
static size_t nouts;
static int count_classes = 1;

static const char *out_name(const struct out *o)
{
	return strcmp(o->path, "-") ? o->path : "(stdout)";
}

static void out_remove_tmps(void)
{
	for (size_t i = 0; i < nouts; i++)
		if (outs[i].have_tmp) {
			unlink(outs[i].tmp);
			outs[i].have_tmp = 0;
		}
}

static void on_signal(int sig)
{
	for (size_t i = 0; i < nouts; i++)   /* unlink and raise are async-signal-safe */
		if (outs[i].have_tmp)
			unlink(outs[i].tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void out_init(size_t n)
{
	struct sigaction sa, old;

	outs = tool_alloc(n * sizeof *outs);
	nouts = n;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, NULL, &old);   /* an ignored SIGPIPE stays ignored */
	if (old.sa_handler != SIG_IGN)
		sigaction(SIGPIPE, &sa, NULL);
	atexit(out_remove_tmps);
}

static void out_open(struct out *o, const nn_schema *s, size_t batch_rows)
{
	nn_error err = { 0 };
	nn_writer_options wo = { (int)opt_level, 0, batch_rows };
	struct stat st;
	sigset_t all, old;

	if (!strcmp(o->path, "-")) {
		o->fd = 1;
		if (isatty(1))
			tool_usage("refusing to write binary data to a terminal");
	} else if (!strncmp(o->path, "/dev/", 5) || (!stat(o->path, &st) && !S_ISREG(st.st_mode))) {
		if ((o->fd = open(o->path, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
			tool_die(TOOL_EXIT_DATA, o->path, "%s", strerror(errno));
	} else {   /* a link to a regular file: replace the file, keep the link */
		char *real = realpath(o->path, NULL);
		const char *slash;
		mode_t mask = umask(0);

		umask(mask);
		if (!(o->final = real ? real : strdup(o->path)))
			tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
		slash = strrchr(o->final, '/');
		o->tmp = tool_alloc(strlen(o->final) + 16);
		sprintf(o->tmp, "%.*s.nn-%s.XXXXXX", slash ? (int)(slash - o->final + 1) : 0,
		        o->final, slash ? slash + 1 : o->final);
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);   /* no signal between create and mark */
		if ((o->fd = mkostemp(o->tmp, O_CLOEXEC)) >= 0)
			o->have_tmp = 1;
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (o->fd < 0)
			tool_die(TOOL_EXIT_DATA, o->path, "cannot create a temporary file beside it: %s",
			         strerror(errno));
		fchmod(o->fd, 0666 & ~mask);
	}
	/* More than three outputs (--shards) are many writers, compressing side
	 * by side already: one thread each unless told (each costs a zstd
	 * context and buffers). */
	wo.threads = tool_compress_threads(opt_threads ? opt_threads : nouts > 3 ? 1 : 0, o->fd);
	if (!(o->w = nn_writer_open_fd(o->fd, s, &wo, &err)))
		tool_die_err(out_name(o), &err);
}

/* One row (cols[f] points at its bytes of field f) of class cls (-1: none). */
static void out_row(struct out *o, const void *const *cols, int64_t cls)
{
	nn_error err = { 0 };

	if (nn_writer_write(o->w, cols, 1, &err))
		tool_die_err(out_name(o), &err);
	o->rows++;
	if (cls < 0 || !count_classes)
		return;
	if ((size_t)cls >= o->ncls) {   /* single-pass modes learn classes as they go */
		size_t n = (size_t)cls + 1 > 2 * o->ncls ? (size_t)cls + 1 : 2 * o->ncls;
		o->cls = tool_realloc(o->cls, n * sizeof *o->cls);
		memset(o->cls + o->ncls, 0, (n - o->ncls) * sizeof *o->cls);
		o->ncls = n;
	}
	o->cls[cls]++;
}

static void note_sizes(const nn_field *y)
{
	for (size_t i = 0; i < nouts; i++) {
		char buf[1024];
		size_t len = 0, shown = 0;
		const struct out *o = &outs[i];

		buf[0] = 0;
		for (size_t c = 0; y && count_classes && c < o->ncls && len < sizeof buf - 64; c++) {
			uint64_t any = 0;
			for (size_t j = 0; j < nouts; j++)
				any |= c < outs[j].ncls ? outs[j].cls[c] : 0;
			if (!any)
				continue;
			if (!shown++)
				len += (size_t)snprintf(buf + len, sizeof buf - len, "; %.40s:", y->name);
			if (c < y->nclasses)
				len += (size_t)snprintf(buf + len, sizeof buf - len, " %.40s=%llu",
				                        y->classes[c], (unsigned long long)o->cls[c]);
			else
				len += (size_t)snprintf(buf + len, sizeof buf - len, " %zu=%llu", c,
				                        (unsigned long long)o->cls[c]);
		}
		tool_note("'%s': %llu rows%s%s", out_name(o), (unsigned long long)o->rows, buf,
		          len >= sizeof buf - 64 ? " ..." : "");
	}
	if (opt_streaming)
		tool_note("--streaming: sizes are approximate (each row goes where a hash sends it)");
}

/* End one stream; it is renamed into place by out_commit_all. */
static void out_finish(struct out *o)
{
	nn_error err = { 0 };

	if (nn_writer_finish(o->w, &err))
		tool_die_err(out_name(o), &err);
	nn_writer_free(o->w);
	o->w = NULL;
	if (close(o->fd))
		tool_die(TOOL_EXIT_DATA, out_name(o), "write failed: %s", strerror(errno));
}

/* Only when every stream is whole are they all renamed into place. */
static void out_commit_all(const nn_field *y)
{
	for (size_t i = 0; i < nouts; i++)
		if (outs[i].w)
			out_finish(&outs[i]);
	for (size_t i = 0; i < nouts; i++)
		if (outs[i].have_tmp) {
			if (rename(outs[i].tmp, outs[i].final))
				tool_die(TOOL_EXIT_DATA, outs[i].path, "cannot rename into place: %s",
				         strerror(errno));
			outs[i].have_tmp = 0;
		}
	note_sizes(y);
}

/* --- shard names: the pattern is checked, never handed to printf --------- */

static struct { char *pre, *post; int width, zero, left; } pat;

static void parse_pattern(const char *p)
{
	size_t n = strlen(p), k = 0, convs = 0;
	char *buf = tool_alloc(n + 2);

	for (size_t i = 0; i < n; i++) {
		if (p[i] != '%') {
			buf[k++] = p[i];
			continue;
		}
		if (p[++i] == '%') {
			buf[k++] = '%';
			continue;
		}
		for (; p[i] == '0' || p[i] == '-'; i++)
			*(p[i] == '0' ? &pat.zero : &pat.left) = 1;
		for (; p[i] >= '0' && p[i] <= '9' && pat.width < 100; i++)
			pat.width = pat.width * 10 + p[i] - '0';
		if (!strchr("diu", p[i]) || !p[i] || convs++)
			tool_usage("--shard-pattern: '%s' needs exactly one conversion like %%d or %%03d "
			           "(write %%%% for a percent sign)", p);
		buf[k++] = 0;
		pat.pre = buf;
		pat.post = buf + k;
	}
	if (!convs)
		tool_usage("--shard-pattern: '%s' has no %%d for the shard number", p);
	buf[k] = 0;
}

static char *shard_name(int i)
{
	int n = pat.left ? snprintf(NULL, 0, "%s%-*d%s", pat.pre, pat.width, i, pat.post)
	      : pat.zero ? snprintf(NULL, 0, "%s%0*d%s", pat.pre, pat.width, i, pat.post)
	      : snprintf(NULL, 0, "%s%*d%s", pat.pre, pat.width, i, pat.post);
	char *s = tool_alloc((size_t)n + 1);

	if (pat.left)
		snprintf(s, (size_t)n + 1, "%s%-*d%s", pat.pre, pat.width, i, pat.post);
	else if (pat.zero)
		snprintf(s, (size_t)n + 1, "%s%0*d%s", pat.pre, pat.width, i, pat.post);
	else
		snprintf(s, (size_t)n + 1, "%s%*d%s", pat.pre, pat.width, i, pat.post);
	return s;
}

/* --- sizes, classes, and where each row goes ------------------------------ */

struct size { int frac; double f; long long count; };

static struct size parse_size(const char *s, const char *opt)
{
	struct size z = { 0, 0, 0 };

	if (!nn_parse_ll(s, 1, LLONG_MAX, &z.count))
		return z;
	if (nn_parse_double(s, &z.f) || !(z.f > 0 && z.f < 1))
		tool_usage("%s: '%s' is neither a fraction between 0 and 1 nor a whole number of rows",
		           opt, s);
	z.frac = 1;
	return z;
}

static uint64_t size_rows(struct size z, uint64_t n)
{
	return z.frac ? (uint64_t)ceil(z.f * (double)n) : (uint64_t)z.count;
}

static nn_schema *schema;      /* the input's */
static int ylab = -1;               /* the label field, or -1 */
static size_t ncls = 1;             /* groups: classes when stratified, else 1 */
static uint64_t nrows, *ngrp;       /* rows in all, per group */
static size_t rowb, off[NN_MAX_FIELDS];   /* packed row: bytes, field offsets */

/* The class of a row from its label's bytes; -1 when not a class id. */
static int64_t class_of(const void *lab, size_t i)
{
	const nn_field *f = &schema->fields[ylab];
	double v = nn_load_f64(lab, f->dtype, i);
	size_t lim = f->nclasses ? f->nclasses : MAX_CLASS;

	if (v >= 0 && v < (double)lim)
		return (int64_t)v;
	if (opt_stratify)
		tool_die(TOOL_EXIT_DATA, in_name, "row %llu: label %.0f is not a class id (0 to %zu)",
		         (unsigned long long)nrows + 1, v, lim - 1);
	count_classes = 0;
	return -1;
}

/* Blocks: the outputs in the order they take rows from a group's
 * sequence; block sizes per group come from block_size. */
static int blk_out[3], nblk;
static uint64_t (*alloc)[3];        /* stratified split: ncls x nblk */
static size_t *cur_blk;
static uint64_t *left_blk, *first_row;   /* per group; first_row: sorted position */

static uint64_t block_size(size_t g, int b)
{
	uint64_t k = (uint64_t)opt_kfold, lo, hi;

	if (!opt_kfold)
		return alloc[g][b];
	if (!opt_stratify)
		return nrows / k + ((uint64_t)b < nrows % k);
	lo = first_row[g];
	hi = lo + ngrp[g];
	return (hi + k - 1 - (uint64_t)b) / k - (lo + k - 1 - (uint64_t)b) / k;
}

static int nblocks(void)
{
	return opt_kfold ? (int)opt_kfold : nblk;
}

/* The output of the next row of group g in sequence order. */
static struct out *next_out(size_t g)
{
	while (!left_blk[g]) {
		if ((int)++cur_blk[g] >= nblocks())
			tool_die(TOOL_EXIT_DATA, in_name, "changed while being read");
		left_blk[g] = block_size(g, (int)cur_blk[g]);
	}
	left_blk[g]--;
	if (opt_kfold)
		return &outs[(long long)cur_blk[g] == opt_fold ? TEST : TRAIN];
	return &outs[blk_out[cur_blk[g]]];
}

/* Move up to want leftover rows of groups from block j to block k,
 * those losing least first (remainders rem, ties to the lower class). */
static uint64_t (*rem)[3];
static unsigned char *extra;        /* per group: bit b set = one more in block b */
static size_t *cand;
static int cmp_j, cmp_k;

static int by_loss(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	long double lx = (long double)rem[x][cmp_j] - rem[x][cmp_k];
	long double ly = (long double)rem[y][cmp_j] - rem[y][cmp_k];
	if (lx != ly)
		return lx < ly ? -1 : 1;
	/* ties: lower classes end up with the extra row in the earlier block */
	return cmp_k < cmp_j ? (x > y) - (x < y) : (x < y) - (x > y);
}

static size_t movable(int j, int k)
{
	size_t n = 0;
	for (size_t g = 0; g < ncls; g++)
		if ((extra[g] >> j & 1) && !(extra[g] >> k & 1) && rem[g][k])
			cand[n++] = g;
	cmp_j = j;
	cmp_k = k;
	qsort(cand, n, sizeof *cand, by_loss);
	return n;
}

static void move(int j, int k, size_t n, int64_t *load)
{
	for (size_t i = 0; i < n; i++)
		extra[cand[i]] ^= (unsigned char)(1u << j | 1u << k);
	load[j] -= (int64_t)n;
	load[k] += (int64_t)n;
}

/* Per class and block: the class's exact share rounded down, plus one for
 * some classes so that every block total is exact.  Each class first gives
 * its leftovers to the blocks where its fractional parts are largest; a
 * block with too many then hands leftovers on (directly, or through the
 * third block) to one with too few.  Every count stays within one row of
 * the exact share, as such a rounding always exists. */
static void alloc_split(const uint64_t *sz)
{
	int64_t load[3] = { 0, 0, 0 }, want[3];

	alloc = tool_alloc(ncls * sizeof *alloc);
	rem = tool_alloc(ncls * sizeof *rem);
	extra = tool_alloc(ncls);
	cand = tool_alloc(ncls * sizeof *cand);
	for (int b = 0; b < nblk; b++)
		want[b] = (int64_t)sz[b];
	for (size_t g = 0; g < ncls; g++) {
		uint64_t r = ngrp[g];
		for (int b = 0; b < nblk; b++) {
			unsigned __int128 q = (unsigned __int128)ngrp[g] * sz[b];
			alloc[g][b] = (uint64_t)(q / nrows);
			rem[g][b] = (uint64_t)(q % nrows);
			r -= alloc[g][b];
			want[b] -= (int64_t)alloc[g][b];
		}
		for (; r; r--) {   /* the largest fractional parts, ties to the earlier block */
			int best = -1;
			for (int b = 0; b < nblk; b++)
				if (!(extra[g] >> b & 1) && rem[g][b] && (best < 0 || rem[g][b] > rem[g][best]))
					best = b;
			extra[g] |= (unsigned char)(1u << best);
			load[best]++;
		}
	}
	for (;;) {
		int j = 0, moved = 0;
		while (j < nblk && load[j] <= want[j])
			j++;
		if (j == nblk)
			break;
		for (int k = 0; k < nblk && !moved; k++) {
			size_t n, need = (size_t)(load[j] - want[j]);
			if (load[k] >= want[k])
				continue;
			if ((size_t)(want[k] - load[k]) < need)
				need = (size_t)(want[k] - load[k]);
			if ((n = movable(j, k))) {
				move(j, k, n < need ? n : need, load);
				moved = 1;
			} else if (nblk == 3) {   /* through the third block m */
				int m = 3 - j - k;
				size_t a = movable(j, m), b;
				size_t *first = tool_alloc((a ? a : 1) * sizeof *first);
				memcpy(first, cand, a * sizeof *first);
				b = movable(m, k);
				n = a < b ? a : b;
				n = n < need ? n : need;
				move(m, k, n, load);
				memcpy(cand, first, a * sizeof *first);
				move(j, m, n, load);
				free(first);
				moved = n > 0;
			}
		}
		if (!moved)
			tool_die(TOOL_EXIT_DATA, NULL, "internal error: no stratified allocation found");
	}
	for (size_t g = 0; g < ncls; g++)
		for (int b = 0; b < nblk; b++)
			alloc[g][b] += extra[g] >> b & 1;
	free(rem);
	free(extra);
	free(cand);
}

static const char *class_name(size_t g)
{
	static char buf[300];
	const nn_field *f = &schema->fields[ylab];

	if (g < f->nclasses)
		snprintf(buf, sizeof buf, "'%s' (%zu)", f->classes[g], g);
	else
		snprintf(buf, sizeof buf, "%zu", g);
	return buf;
}

/* Once the row count (and class counts) are known: every block's size. */
static void plan(void)
{
	uint64_t sz[3] = { 0, 0, 0 }, nt, nv = 0;
	size_t used = 0, need = opt_kfold ? (size_t)opt_kfold : opt_val ? 3 : 2;

	if (!nrows)
		tool_die(TOOL_EXIT_DATA, in_name, "no rows to split");
	if (opt_kfold && (uint64_t)opt_kfold > nrows)
		tool_die(TOOL_EXIT_DATA, in_name, "%llu rows cannot make %lld folds",
		         (unsigned long long)nrows, opt_kfold);
	for (size_t g = 0; opt_stratify && g < ncls; g++) {
		if (ngrp[g] && ngrp[g] < need)
			tool_die(TOOL_EXIT_DATA, in_name, "class %s has %llu row%s; --stratify needs at "
			         "least %zu, one for each %s", class_name(g), (unsigned long long)ngrp[g],
			         ngrp[g] == 1 ? "" : "s", need, opt_kfold ? "fold" : "output");
		used += ngrp[g] > 0;
	}
	if (!opt_kfold) {
		nt = size_rows(parse_size(opt_tsize ? opt_tsize : "0.25", "--test-size"), nrows);
		if (opt_val)
			nv = size_rows(parse_size(opt_vsize, "--val-size"), nrows);
		if (nt >= nrows || nv >= nrows - nt)
			tool_die(TOOL_EXIT_DATA, in_name, "%llu rows less %llu test%s%llu%s leave no "
			         "training rows", (unsigned long long)nrows, (unsigned long long)nt,
			         opt_val ? " and " : "", (unsigned long long)(opt_val ? nv : 0),
			         opt_val ? " validation" : "");
		uint64_t by_out[3] = { nrows - nt - nv, nt, nv };
		/* rounded in the shuffled order test, val, train whatever the block order */
		for (int b = 0; b < nblk; b++) {
			sz[b] = by_out[blk_out[opt_noshuffle ? nblk - 1 - b : b]];
			if (opt_stratify && sz[b] < used)
				tool_die(TOOL_EXIT_DATA, in_name, "--stratify: %s would get %llu rows, fewer "
				         "than the %zu classes", blk_out[b] == TEST ? "test" : blk_out[b] == VAL
				         ? "validation" : "train", (unsigned long long)sz[b], used);
		}
		if (opt_stratify) {
			alloc_split(sz);
			for (size_t g = 0; opt_noshuffle && g < ncls; g++) {
				uint64_t t = alloc[g][0];
				alloc[g][0] = alloc[g][nblk - 1];
				alloc[g][nblk - 1] = t;
			}
		} else {
			alloc = tool_alloc(sizeof *alloc);
			for (int b = 0; b < nblk; b++)
				alloc[0][b] = by_out[blk_out[b]];
		}
	} else if (opt_stratify) {
		first_row = tool_alloc(ncls * sizeof *first_row);
		for (size_t g = 1; g < ncls; g++)
			first_row[g] = first_row[g - 1] + ngrp[g - 1];
	}
	cur_blk = tool_alloc(ncls * sizeof *cur_blk);
	left_blk = tool_alloc(ncls * sizeof *left_blk);
	for (size_t g = 0; g < ncls; g++)
		left_blk[g] = block_size(g, 0);
}

/* --- reading ------------------------------------------------------------- */

/* Pack row i of a batch into dst. */
static void pack(unsigned char *dst, const nn_batch *b, size_t i)
{
	for (size_t f = 0; f < b->ncols; f++) {
		size_t rb = schema->fields[f].row_bytes;
		memcpy(dst + off[f], (const unsigned char *)b->col[f] + i * rb, rb);
	}
}

/* Write one packed row to the output its group's sequence says. */
static void emit_packed(const unsigned char *row)
{
	const void *cols[NN_MAX_FIELDS];
	int64_t c = ylab >= 0 ? class_of(row + off[ylab], 0) : -1;

	if (opt_stratify && (size_t)c >= ncls)
		tool_die(TOOL_EXIT_DATA, in_name, "changed while being read");
	for (size_t f = 0; f < schema->nfields; f++)
		cols[f] = row + off[f];
	out_row(next_out(opt_stratify ? (size_t)c : 0), cols, c);
}

static void spool_write(FILE *f, const void *p, size_t n)
{
	if (n && fwrite(p, n, 1, f) != 1)
		tool_die(TOOL_EXIT_DATA, "(temporary file)", "write failed: %s", strerror(errno));
}

static void spool_read(FILE *f, void *p, size_t n)
{
	if (n && fread(p, n, 1, f) != 1)
		tool_die(TOOL_EXIT_DATA, "(temporary file)", "read failed: %s",
		         ferror(f) ? strerror(errno) : "shorter than written");
}

static FILE *new_spool(void)
{
	FILE *f = tool_spool();
	setvbuf(f, NULL, _IOFBF, 16 << 10);
	return f;
}

static nn_rng bucket_rng, shuffle_rng;

/* One buffer for the rows held in memory, first while reading, then for
 * each bucket: reused, never freed, so that the allocator's growing
 * thresholds never keep a second copy resident. */
static unsigned char *held;
static size_t held_cap;

static unsigned char *hold(uint64_t bytes)
{
	if (bytes > held_cap) {
		if (bytes > SIZE_MAX / 2)
			tool_die(TOOL_EXIT_DATA, NULL, "out of memory (%llu bytes)", (unsigned long long)bytes);
		held = tool_realloc(held, (size_t)bytes);
		held_cap = (size_t)bytes;
	}
	return held;
}

/* Shuffle rows rows of a bucket in memory, or split it further. */
static void shuffle_out(unsigned char *buf, uint64_t rows)
{
	/* Rows of 64 bytes or more: the same swaps on 4-byte row numbers (at
	 * most a sixteenth more memory), then each row copied once, straight
	 * to its writer, instead of three copies a swap. */
	if (rowb >= 64 && rows <= UINT32_MAX) {
		uint32_t *at = tool_alloc((size_t)rows * sizeof *at);
		for (uint64_t i = 0; i < rows; i++)
			at[i] = (uint32_t)i;
		for (uint64_t i = rows; i > 1; i--) {   /* Fisher–Yates */
			uint64_t j = nn_rng_below(&shuffle_rng, i);
			uint32_t t = at[j];
			at[j] = at[i - 1];
			at[i - 1] = t;
		}
		for (uint64_t i = 0; i < rows; i++)
			emit_packed(buf + (size_t)at[i] * rowb);
		free(at);
		return;
	}
	unsigned char *tmp = tool_alloc(rowb);
	for (uint64_t i = rows; i > 1; i--) {   /* Fisher–Yates, rows in place */
		uint64_t j = nn_rng_below(&shuffle_rng, i);
		if (j == i - 1)
			continue;
		memcpy(tmp, buf + j * rowb, rowb);
		memcpy(buf + j * rowb, buf + (i - 1) * rowb, rowb);
		memcpy(buf + (i - 1) * rowb, tmp, rowb);
	}
	free(tmp);
	for (uint64_t i = 0; i < rows; i++)
		emit_packed(buf + i * rowb);
}

/* Buckets at depth d take d * BUCKETS open files: raise the soft limit. */
static void open_files(int depth)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)depth * BUCKETS + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		tool_die(TOOL_EXIT_DATA, NULL, "shuffling this input takes %llu open files; "
		         "the limit is %llu (ulimit -n), or raise --memory", (unsigned long long)need,
		         (unsigned long long)rl.rlim_max);
	rl.rlim_cur = need;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void do_bucket(FILE *f, uint64_t rows, int depth)
{
	FILE *sub[BUCKETS];
	uint64_t n[BUCKETS] = { 0 };
	unsigned char *buf;

	if (fflush(f) || fseek(f, 0, SEEK_SET))
		tool_die(TOOL_EXIT_DATA, "(temporary file)", "%s", strerror(errno));
	if (rows * rowb <= (uint64_t)opt_memory + (uint64_t)opt_memory / 4 || rows < 2 || depth >= MAX_DEPTH) {
		buf = hold(rows * rowb);
		spool_read(f, buf, rows * rowb);
		fclose(f);
		shuffle_out(buf, rows);
		return;
	}
	buf = tool_alloc(rowb);
	open_files(depth + 1);
	for (int b = 0; b < BUCKETS; b++)
		sub[b] = new_spool();
	for (uint64_t i = 0; i < rows; i++) {
		uint64_t b = nn_rng_below(&bucket_rng, BUCKETS);
		spool_read(f, buf, rowb);
		spool_write(sub[b], buf, rowb);
		n[b]++;
	}
	fclose(f);
	free(buf);
	for (int b = 0; b < BUCKETS; b++)
		do_bucket(sub[b], n[b], depth + 1);
}

/* Count the rows and classes of a batch. */
static void count_batch(const nn_batch *b)
{
	for (size_t i = 0; i < b->rows; i++, nrows++) {
		if (opt_stratify) {
			int64_t c = class_of(b->col[ylab], i);
			if ((size_t)c >= ncls) {
				ngrp = tool_realloc(ngrp, ((size_t)c + 1) * sizeof *ngrp);
				memset(ngrp + ncls, 0, ((size_t)c + 1 - ncls) * sizeof *ngrp);
				ncls = (size_t)c + 1;
			}
			ngrp[c]++;
		}
	}
	if (!opt_stratify)
		ngrp[0] = nrows;
}

/* Exact split, shuffled: one pass to count and spread the rows over
 * buckets, then the buckets in order, each shuffled. */
static void split_shuffled(nn_reader *r, const nn_schema *s, size_t batch_rows)
{
	const nn_batch *b;
	size_t cap = (size_t)opt_memory / rowb ? (size_t)opt_memory / rowb : 1;
	unsigned char *mem = hold(cap * rowb);
	uint64_t inmem = 0, n[BUCKETS] = { 0 };
	FILE *spool[BUCKETS] = { 0 };

	/* One read-ahead thread, not two (tool_scan_threads): the rows go
	 * out to the buckets meanwhile, and two were slower (1.14 s against
	 * 1.06 s for the Fashion-MNIST f32 split of README, Performance). */
	while (tool_next(r, in_path, &b)) {
		count_batch(b);
		for (size_t i = 0; i < b->rows; i++) {
			if (inmem == cap && !spool[0]) {   /* spill what is held, keep on spilling */
				open_files(1);
				for (int k = 0; k < BUCKETS; k++)
					spool[k] = new_spool();
				for (uint64_t j = 0; j < inmem; j++) {
					uint64_t k = nn_rng_below(&bucket_rng, BUCKETS);
					spool_write(spool[k], mem + j * rowb, rowb);
					n[k]++;
				}
			}
			if (spool[0]) {
				uint64_t k = nn_rng_below(&bucket_rng, BUCKETS);
				pack(mem, b, i);
				spool_write(spool[k], mem, rowb);
				n[k]++;
			} else {
				pack(mem + inmem++ * rowb, b, i);
			}
		}
	}
	plan();
	for (size_t o = 0; o < nouts; o++)
		out_open(&outs[o], s, batch_rows);
	if (!spool[0]) {
		shuffle_out(mem, inmem);
		return;
	}
	for (int k = 0; k < BUCKETS; k++)
		do_bucket(spool[k], n[k], 1);
}

/* Inputs read more than once: a regular file is opened again; anything
 * else is first copied, still compressed, to an unlinked temporary file. */
static int in_copy = -1;

static int is_regular(const char *path)
{
	struct stat st;
	return path && strcmp(path, "-") && !stat(path, &st) && S_ISREG(st.st_mode);
}

static void copy_input(void)
{
	int fd = tool_open_in(in_path);
	FILE *f = tool_spool();
	char buf[1 << 16];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			tool_die(TOOL_EXIT_DATA, in_name, "%s", strerror(errno));
		spool_write(f, buf, (size_t)n);
	}
	if (fflush(f))
		tool_die(TOOL_EXIT_DATA, "(temporary file)", "write failed: %s", strerror(errno));
	in_copy = fileno(f);
}

static nn_reader *open_input(void)
{
	nn_error err = { 0 };
	nn_reader *r;

	if (in_copy < 0)
		return tool_reader(in_path);
	if (lseek(in_copy, 0, SEEK_SET) < 0)
		tool_die(TOOL_EXIT_DATA, "(temporary file)", "%s", strerror(errno));
	if (!(r = nn_reader_open_fd(in_copy, &err)))
		tool_die_err(in_name, &err);
	return r;
}

static nn_reader *reopen_input(nn_reader *r)
{
	nn_reader_close(r);
	r = open_input();
	if (nn_schema_compare(schema, nn_reader_schema(r), NULL))
		tool_die(TOOL_EXIT_DATA, in_name, "changed while being read");
	return r;
}

/* Exact split in input order: count, then read again. */
static void split_ordered(nn_reader *r, const nn_schema *s, size_t batch_rows)
{
	const nn_batch *b;
	unsigned char *row = tool_alloc(rowb);
	uint64_t total;

	tool_scan_threads(r);   /* the count comes before any output */
	while (tool_next(r, in_path, &b))
		count_batch(b);
	plan();
	total = nrows;
	for (size_t o = 0; o < nouts; o++)
		out_open(&outs[o], s, batch_rows);
	r = reopen_input(r);
	while (tool_next(r, in_path, &b))
		for (size_t i = 0; i < b->rows; i++) {
			pack(row, b, i);
			emit_packed(row);
		}
	if (nn_reader_rows(r) != total)
		tool_die(TOOL_EXIT_DATA, in_name, "changed while being read");
	nn_reader_close(r);
	free(row);
}

/* One pass per group of outputs (writers cost memory; shards can be
 * many): every row goes where a hash of its index (or i mod N) says. */
#define GROUP 32

static void single_pass(nn_reader *r, const nn_schema *s, size_t batch_rows)
{
	const nn_batch *b;
	const void *cols[NN_MAX_FIELDS];
	double ft = 0, fv = 0;

	if (opt_streaming && !opt_kfold) {
		struct size t = parse_size(opt_tsize ? opt_tsize : "0.25", "--test-size"), v = { 1, 0, 0 };
		if (opt_val)
			v = parse_size(opt_vsize, "--val-size");
		if (!t.frac || !v.frac)
			tool_usage("--streaming takes sizes as fractions: the row count is not known");
		ft = t.f;
		fv = v.f;
	}
	for (size_t lo = 0; lo < nouts; lo += GROUP) {
		size_t hi = lo + GROUP < nouts ? lo + GROUP : nouts;
		uint64_t row = 0;

		if (lo)
			r = reopen_input(r);
		for (size_t o = lo; o < hi; o++)
			out_open(&outs[o], s, batch_rows);
		while (tool_next(r, in_path, &b)) {
			for (size_t i = 0; i < b->rows; i++, row++) {
				uint64_t h = nn_hash64((uint64_t)opt_seed, row);
				double u = (double)(h >> 11) * 0x1p-53;
				size_t o;
				if (opt_shards)
					o = opt_rr ? (size_t)(row % (uint64_t)opt_shards)
					           : (size_t)(((unsigned __int128)h * (uint64_t)opt_shards) >> 64);
				else if (opt_kfold)
					o = (long long)(((unsigned __int128)h * (uint64_t)opt_kfold) >> 64) == opt_fold
					    ? TEST : TRAIN;
				else
					o = u < ft ? TEST : u < ft + fv ? VAL : TRAIN;
				if (o < lo || o >= hi)
					continue;
				for (size_t f = 0; f < b->ncols; f++)
					cols[f] = (const unsigned char *)b->col[f] + i * s->fields[f].row_bytes;
				out_row(&outs[o], cols, ylab >= 0 ? class_of(b->col[ylab], i) : -1);
			}
		}
		if (lo && row != nrows)
			tool_die(TOOL_EXIT_DATA, in_name, "changed while being read");
		nrows = row;
		if (!nrows)
			tool_die(TOOL_EXIT_DATA, in_name, "no rows to split");
		for (size_t o = lo; o < hi; o++)
			out_finish(&outs[o]);
	}
	nn_reader_close(r);
}

/* --- main ------------------------------------------------------------------ */

/* The arguments less the output names: where a result goes does not change it. */
static void provenance(nn_schema *s, int argc, char **argv)
{
	static const char *const drop[] = { "--train", "--test", "--val", "--shard-pattern" };
	const char **args = tool_alloc((size_t)argc * sizeof *args);
	nn_error err = { 0 };
	int n = 0, i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		int skip = 0;
		for (size_t d = 0; d < sizeof drop / sizeof *drop; d++) {
			size_t len = strlen(drop[d]);
			if (!strcmp(argv[i], drop[d]))
				skip = 2;
			else if (!strncmp(argv[i], drop[d], len) && argv[i][len] == '=')
				skip = 1;
		}
		if (skip)
			i += skip - 1;
		else
			args[n++] = argv[i];
	}
	while (i < argc)
		args[n++] = argv[i++];
	if (nn_schema_set_provenance(s, tool_prog, NN_VERSION, n, args, &err))
		tool_die_err(NULL, &err);
	if (!opt_noshuffle && !opt_rr)
		nn_schema_set_seed(s, (uint64_t)opt_seed);
	free(args);
}

static void check_usage(void)
{
	int split = opt_train || opt_test || opt_val || opt_tsize || opt_vsize || opt_kfold;

	if (opt_shards && split)
		tool_usage("--shards goes with none of --train, --test, --val, --test-size, --val-size, --kfold");
	if (!opt_shards && (opt_pattern || opt_rr))
		tool_usage("--shard-pattern and --round-robin go with --shards");
	if (opt_shards && !opt_pattern)
		tool_usage("--shards needs --shard-pattern, e.g. 'part-%%03d.nns'");
	if (opt_shards && (opt_stratify || opt_noshuffle))
		tool_usage("--shards goes with neither --stratify nor --no-shuffle");
	if (!opt_shards && (!opt_train || !opt_test))
		tool_usage("say where to write: --train FILE --test FILE (or --shards N)");
	if (!!opt_val != !!opt_vsize)
		tool_usage("--val FILE and --val-size F go together");
	if (!opt_kfold != (opt_fold < 0))
		tool_usage("--kfold K and --fold I go together");
	if (opt_kfold && (opt_val || opt_tsize))
		tool_usage("--kfold goes with neither --test-size nor --val");
	if (opt_kfold && opt_fold >= opt_kfold)
		tool_usage("--fold: %lld is not a fold of 0 to %lld", opt_fold, opt_kfold - 1);
	if (opt_streaming && (opt_stratify || opt_noshuffle))
		tool_usage("--streaming goes with neither --stratify nor --no-shuffle");
	if (opt_tsize)
		parse_size(opt_tsize, "--test-size");
	if (opt_vsize)
		parse_size(opt_vsize, "--val-size");
	if (opt_tsize && opt_vsize && parse_size(opt_tsize, "").frac && parse_size(opt_vsize, "").frac
	    && parse_size(opt_tsize, "").f + parse_size(opt_vsize, "").f >= 1)
		tool_usage("--test-size and --val-size add up to 1 or more: no training rows");
	if (opt_pattern)
		parse_pattern(opt_pattern);
}

int main(int argc, char **argv)
{
	nn_strlist ops = { 0 };
	nn_error err = { 0 };
	nn_schema *s;
	nn_reader *r;
	size_t batch_rows, nstd = 0;

	tool_parse(&cli, argc, argv, &ops);
	check_usage();
	in_path = ops.n ? ops.v[0] : NULL;
	in_name = tool_name(in_path);
	if (opt_shards) {
		out_init((size_t)opt_shards);
		for (int i = 0; i < opt_shards; i++)
			outs[i].path = shard_name(i);
	} else {
		out_init(opt_val ? 3 : 2);
		outs[TRAIN].path = opt_train;
		outs[TEST].path = opt_test;
		if (opt_val)
			outs[VAL].path = opt_val;
	}
	for (size_t i = 0; i < nouts; i++) {
		nstd += !strcmp(outs[i].path, "-");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(outs[i].path, outs[j].path))
				tool_usage("'%s' is named for two outputs", outs[i].path);
	}
	if (nstd > 1)
		tool_usage("only one output can be standard output");

	if (!is_regular(in_path) && (opt_noshuffle || nouts > GROUP))
		copy_input();
	r = open_input();
	if (!(schema = nn_schema_clone(nn_reader_schema(r), &err)))
		tool_die_err(NULL, &err);
	if ((ylab = nn_schema_find(schema, opt_y)) < 0 && opt_stratify)
		tool_die(TOOL_EXIT_DATA, in_name, "no field '%s' (choose one with --y)", opt_y);
	if (ylab >= 0) {
		const nn_field *y = &schema->fields[ylab];
		int bad = nn_dtype_is_float(y->dtype) || y->row_elems != 1;
		if (bad && opt_stratify && y->row_elems != 1)
			tool_die(TOOL_EXIT_DATA, in_name, "--stratify: label field '%s' holds %zu values "
			         "per row, not one class id", opt_y, y->row_elems);
		if (bad && opt_stratify)
			tool_die(TOOL_EXIT_DATA, in_name, "--stratify: label field '%s' holds %s numbers, "
			         "not class ids", opt_y, nn_dtype_name(y->dtype));
		if (bad)
			ylab = -1;   /* not classes: nothing to count */
	}
	for (size_t f = 0; f < schema->nfields; f++) {
		off[f] = rowb;
		rowb += schema->fields[f].row_bytes;
	}
	if (!(s = nn_schema_clone(schema, &err)))
		tool_die_err(NULL, &err);
	provenance(s, argc, argv);
	/* many shards: smaller batches keep the writers' memory bounded */
	batch_rows = (nouts > 4 ? (4u << 20) / (nouts < GROUP ? nouts : GROUP)
	                        : NN_DEFAULT_BATCH_BYTES) / rowb;
	batch_rows = batch_rows ? batch_rows : 1;
	ngrp = tool_alloc(sizeof *ngrp);
	if (!opt_kfold) {   /* the order in which outputs take rows */
		int order[3] = { TEST, VAL, TRAIN }, in_order[3] = { TRAIN, VAL, TEST };
		for (int b = 0; b < 3; b++) {
			int o = opt_noshuffle ? in_order[b] : order[b];
			if (o != VAL || opt_val)
				blk_out[nblk++] = o;
		}
	}
	nn_rng_seed(&bucket_rng, (uint64_t)opt_seed, RNG_BUCKET);
	nn_rng_seed(&shuffle_rng, (uint64_t)opt_seed, RNG_SHUFFLE);
	if (opt_shards || opt_streaming)
		single_pass(r, s, batch_rows);
	else if (opt_noshuffle)
		split_ordered(r, s, batch_rows);
	else
		split_shuffled(r, s, batch_rows);
	out_commit_all(ylab >= 0 ? &schema->fields[ylab] : NULL);
	nn_schema_free(s);
	nn_strlist_free(&ops);
	return 0;
}
