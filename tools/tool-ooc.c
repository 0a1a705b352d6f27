/* tool-ooc.c — nn-train's out-of-core training (see tool-ooc.h).
 *
 * Choices:
 * - The switch is made while loading: rows are read into memory as
 *   without --memory until their in-memory form (features in their
 *   dtype, targets, class ids) passes SIZE; so a set that fits trains
 *   exactly as before.
 * - A file is read once more to its end at the switch (counting rows and
 *   classes, checking every value, taking the hold-out), then once per
 *   epoch, through a shuffle buffer of SIZE bytes of rows (nn/ooc.h), and
 *   once at the end for the model's training loss.
 * - --val-size F holds out rows by a seeded hash of their number
 *   (nn_ooc_held_out), as a fraction only: a count needs the number of
 *   rows before reading them.
 * - A pipe cannot be read again: one pass (one epoch) over it, the rows
 *   already read first; classes from the names or the rows read so far.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "nn/ooc.h"
#include "tool-ooc.h"

struct tool_ooc {
	const char *path;        /* the training file; NULL: a pipe */
	const char *name;        /* for messages */
	nn_task t;               /* the stream's task (nclasses: the model's) */
	size_t fx, fy;
	double frac;             /* --val-size's fraction, or 0 */
	uint64_t seed;
	uint64_t rows, all;      /* training rows; every row of the input */
	uint32_t crc;
	uint64_t *counts;        /* [NN_MAX_CLASSES] training rows per class */
	nn_ooc *buf;
	nn_reader *r;            /* the epoch's (a pipe's: the only one) */
	nn_dataset stage;        /* rows read and not yet put */
	size_t at;               /* stage's next row */
	uint64_t g;              /* its number in the input */
	int ended;               /* the input is read out this epoch */
	int passed;              /* a pipe's pass is done */
	size_t val_cap;          /* rows val has room for */
};

int tool_ooc_pipe(const tool_ooc *O) { return !O->path; }
uint64_t tool_ooc_rows(const tool_ooc *O) { return O->rows; }
uint32_t tool_ooc_crc(const tool_ooc *O) { return O->crc; }
const uint64_t *tool_ooc_class_counts(const tool_ooc *O) { return O->counts; }
void tool_ooc_set_classes(tool_ooc *O, size_t nclasses) { O->t.nclasses = nclasses; }

/* The next batch of the input appended to ds (the stage, emptied
 * first, or tr), the CRC updated when crc; 0 at the input's end. */
static int read_batch(tool_ooc *O, nn_dataset *ds, int crc)
{
	const nn_schema *s = nn_reader_schema(O->r);
	const nn_batch *b;
	nn_error err = { 0 };
	int got = nn_reader_next(O->r, &b, &err);
	if (got < 0)
		tool_die_err(O->name, &err);
	if (ds == &O->stage) {
		O->g += O->stage.n;
		O->stage.n = 0;
		O->at = 0;
	}
	if (!got)
		return 0;
	if (crc) {
		O->crc = (uint32_t)crc32_z(O->crc, b->col[O->fx], b->rows * s->fields[O->fx].row_bytes);
		O->crc = (uint32_t)crc32_z(O->crc, b->col[O->fy], b->rows * s->fields[O->fy].row_bytes);
	}
	if (nn_dataset_append(ds, s, O->fx, O->fy, &O->t, b, ds == &O->stage ? O->g : ds->n, &err))
		tool_die_err(O->name, &err);
	return 1;
}

/* Rows of ds, numbered from `first`: held out into val (when given), or
 * counted. */
static void account(tool_ooc *O, const nn_dataset *ds, uint64_t first, nn_dataset *val)
{
	nn_error err = { 0 };
	for (size_t i = 0; i < ds->n; i++) {
		if (nn_ooc_held_out(O->seed, first + i, O->frac)) {
			if (!val)
				continue;
			if (!O->val_cap && nn_dataset_reserve(val, ds, 1024, &err))
				tool_die_err(NULL, &err);
			O->val_cap = O->val_cap ? O->val_cap : 1024;
			if (nn_dataset_grow(val, val->n + 1, &O->val_cap, &err))
				tool_die_err(NULL, &err);
			nn_dataset_push(val, ds, i);
			continue;
		}
		O->rows++;
		if (O->counts)
			O->counts[ds->cls[i]]++;
	}
}

/* A file can be read again; a pipe, a terminal, stdin cannot. */
static int rereadable(const char *path)
{
	struct stat st;
	return path && strcmp(path, "-") && !stat(path, &st) && S_ISREG(st.st_mode);
}

static size_t row_bytes(const tool_ooc *O, const nn_schema *s)
{
	return nn_dataset_row_bytes(s, O->fx, O->fy, &O->t);
}

tool_ooc *tool_ooc_load(tool_train *T, nn_reader *r, const char *path, const nn_task *t, nn_dataset *tr,
                        nn_dataset *val)
{
	const nn_schema *s = nn_reader_schema(r);
	nn_error err = { 0 };
	tool_ooc *O = tool_alloc(sizeof *O);
	memset(O, 0, sizeof *O);
	O->name = tool_name(path);
	O->t = *t;
	O->r = r;
	O->seed = (uint64_t)T->o.seed;
	O->crc = (uint32_t)crc32_z(0, NULL, 0);
	if (nn_dataset_fields(s, T->o.x, T->o.y, &O->fx, &O->fy, &err))
		tool_die_err(O->name, &err);
	size_t per_row = row_bytes(O, s);
	/* in memory while it fits: as nn_dataset_load */
	while ((double)tr->n * (double)per_row <= (double)T->memory && read_batch(O, tr, 1))
		;
	if ((double)tr->n * (double)per_row <= (double)T->memory) {      /* it fits */
		tr->crc = O->crc;
		nn_dataset_free(&O->stage);
		free(O);
		return NULL;
	}
	if (T->o.val_size >= 1)
		tool_usage("--val-size %g: out of core (more than --memory), give a fraction below 1 or --val FILE",
		           T->o.val_size);
	O->frac = T->o.val_size > 0 ? T->o.val_size : 0;
	O->path = rereadable(path) ? path : NULL;
	if (t->classification)
		O->counts = tool_alloc(NN_MAX_CLASSES * sizeof *O->counts);
	if (O->counts)
		memset(O->counts, 0, NN_MAX_CLASSES * sizeof *O->counts);
	size_t cap = (size_t)((double)T->memory / (double)per_row);
	if (!(O->buf = nn_ooc_new(tr, cap ? cap : 1, (size_t)T->o.batch, &err)))
		tool_die_err(NULL, &err);
	val->crc = 0;
	if (!O->path) {           /* a pipe: tr's rows are the pass's first */
		if (strcmp(T->o.schedule, "constant") || T->o.warmup > 0)
			tool_usage("--schedule %s, --warmup: out of core from a pipe, the number of steps is not known; "
			           "give a file, or a larger --memory", T->o.schedule);
		tool_note("%s: more than --memory %lld bytes, and not a file: one pass over it (one epoch), shuffled "
		          "through a buffer of %zu rows", O->name, T->memory, cap ? cap : 1);
		T->o.epochs = 1;
		T->o.patience = 0;
		T->stop.patience = 0;
		account(O, tr, 0, val);
		nn_dataset_free(&O->stage);
		O->stage = *tr;
		O->g = 0;
		O->at = 0;
		memset(tr, 0, sizeof *tr);
		tr->d = O->stage.d;
		tr->k = O->stage.k;
		tr->xi_dtype = O->stage.xi_dtype;
		return O;
	}
	account(O, tr, 0, val);          /* a file: read it to its end now */
	uint64_t in_tr = tr->n;
	nn_dataset_free(tr);
	O->g = in_tr;
	O->stage.n = 0;
	while (read_batch(O, &O->stage, 1))
		account(O, &O->stage, O->g, val);
	nn_reader_close(r);
	O->r = NULL;
	O->all = O->g;
	tr->d = O->stage.d;
	tr->k = O->stage.k;
	tr->xi_dtype = O->stage.xi_dtype;
	val->crc = O->crc;
	tool_note("%s: %llu rows, more than --memory %lld bytes: read from the file each epoch, shuffled through a "
	          "buffer of %zu rows", O->name, (unsigned long long)O->all, T->memory, cap ? cap : 1);
	return O;
}

void tool_ooc_begin(tool_ooc *O, nn_rng *rng, size_t skip)
{
	nn_error err = { 0 };
	if (O->path) {
		nn_reader_close(O->r);
		if (!(O->r = nn_reader_open(O->path, &err)))
			tool_die_err(O->name, &err);
		O->stage.n = 0;
		O->g = 0;
		O->at = 0;
	}
	O->ended = 0;
	nn_ooc_begin(O->buf, rng);
	const uint64_t *idx;
	for (size_t s = 0; s < skip && tool_ooc_next(O, &idx, NULL); s++)
		;
}

const nn_dataset *tool_ooc_next(tool_ooc *O, const uint64_t **idx, nn_dataset *val)
{
	for (;;) {
		while (O->at < O->stage.n) {
			size_t i = O->at++;
			if (nn_ooc_held_out(O->seed, O->g + i, O->frac))
				continue;
			if (nn_ooc_put(O->buf, &O->stage, i))
				return nn_ooc_batch(O->buf, idx);
		}
		if (O->ended)
			return nn_ooc_drain(O->buf) ? nn_ooc_batch(O->buf, idx) : NULL;
		if (O->path ? !read_batch(O, &O->stage, 0) : O->passed || !read_batch(O, &O->stage, 1)) {
			O->ended = 1;
			O->passed = !O->path;
		} else if (!O->path) {           /* a pipe's new rows: hold-out, counts */
			account(O, &O->stage, O->g, val);
		}
	}
}

int tool_ooc_evaluate(tool_ooc *O, const nn_mlp *net, nn_mlp_work *w, size_t chunk, int classification,
                      float *tb, double *loss, double *acc)
{
	nn_error err = { 0 };
	double sl = 0, sa = 0, n = 0;
	if (!O->path)
		return -1;
	tool_ooc_begin(O, NULL, 0);
	const uint64_t *idx;
	const nn_dataset *b;
	while ((b = tool_ooc_next(O, &idx, NULL))) {
		double l, a;
		if (nn_dataset_evaluate(net, w, chunk, b, classification, tb, &l, &a, &err))
			tool_die_err(NULL, &err);
		sl += l * (double)b->n;
		sa += a * (double)b->n;
		n += (double)b->n;
	}
	*loss = sl / n;
	*acc = sa / n;
	return 0;
}
