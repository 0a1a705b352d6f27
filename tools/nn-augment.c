/* nn-augment — add transformed copies of rows, and balance classes.
 *
 * Choices (nn-augment(1) says the same at more length):
 * - Two steps.  First the balanced set: every input row, plus, with
 *   --balance, repeats of minority-class rows, or with --smote, synthetic
 *   minority rows, until every class present has the majority's count.
 *   Then every row of that set is written as it is (unless
 *   --no-keep-original) followed by --copies transformed copies.
 * - Order: a row, its copies, then its balance repeats each with their
 *   copies; SMOTE's synthetic rows come after all input rows, by class,
 *   then base row.  Fields other than x and y are copied with the row.
 * - Oversampling quotas: a class of n rows that lacks d rows gives every
 *   row floor(d/n) extras and d mod n rows, chosen at random without
 *   replacement (selection sampling), one more: exact counts, each row
 *   used as evenly as possible, one streaming pass.  SMOTE picks its base
 *   rows the same way.
 * - Transforms of a copy, in this order, each from its own RNG stream of
 *   --seed: flip-h and flip-v (each with probability 1/2), shift (dx, dy
 *   uniform integers in [-PX, PX], zero fill), rotate (angle uniform in
 *   [-DEG, DEG], bilinear, zero fill), mixup (partner a random row of the
 *   same input batch, untransformed; lambda ~ Beta(a, a) per copy), noise.
 * - dtypes: noise, rotate, mixup and smote make x f32 (in every row, the
 *   originals converted); flips and shifts alone keep x's dtype, exactly.
 * - Mixup on class ids writes y as f32 [C] probabilities with the class
 *   names (or "0".."C-1"); C from the names, else --classes, else a first
 *   pass (max label + 1).  On float y it mixes the targets.
 * - Two passes (--balance, --smote, --mixup needing C): a regular input
 *   file is read twice; anything else is first copied to $TMPDIR.
 * - SMOTE holds the minority classes' rows (x as f32 plus the other
 *   fields) in memory, at most SMOTE_MAX_BYTES; neighbours by brute force
 *   in squared Euclidean distance, ties to the earlier row.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tool.h"
#include "nn/augment.h"
#include "nn/image.h"
#include "nn/randn.h"
#include "nn/rng.h"
#include "nn/rowpack.h"

#define SMOTE_MAX_BYTES (32u << 20)

static const char *opt_out, *opt_x = "x", *opt_y = "y";
static double opt_noise = -1, opt_mixup = -1, opt_rotate = -1;
static long long opt_classes, opt_smote, opt_shift = -1, opt_copies = -1, opt_seed;
static long long opt_level = NN_DEFAULT_LEVEL, opt_threads;   /* 0: tool_compress_threads decides */
static int opt_balance, opt_fliph, opt_flipv, opt_keep, opt_nokeep;

static const nn_option options[] = {
	NN_OPT_OUTPUT(&opt_out),
	{ 0, "noise", NN_OPT_DOUBLE, &opt_noise, "SIGMA", "add Gaussian noise of std SIGMA to x", 0, 1e30 },
	{ 0, "mixup", NN_OPT_DOUBLE, &opt_mixup, "ALPHA",
	  "mix each copy with a row of its batch, lambda ~ Beta(ALPHA, ALPHA)", 0, 1e6 },
	{ 0, "classes", NN_OPT_INT, &opt_classes, "N",
	  "--mixup: class ids run from 0 to N-1 (default: names, else a first pass)", 1, NN_MAX_CLASSES },
	{ 0, "balance", NN_OPT_FLAG, &opt_balance, NULL,
	  "repeat minority-class rows up to the majority count", 0, 0 },
	{ 0, "smote", NN_OPT_INT, &opt_smote, "K",
	  "add SMOTE rows from K nearest neighbours up to the majority count", 1, 1000 },
	{ 0, "flip-h", NN_OPT_FLAG, &opt_fliph, NULL, "mirror images left-right, probability 1/2", 0, 0 },
	{ 0, "flip-v", NN_OPT_FLAG, &opt_flipv, NULL, "mirror images top-bottom, probability 1/2", 0, 0 },
	{ 0, "shift", NN_OPT_INT, &opt_shift, "PX", "translate images by up to PX pixels, zero fill", 0, 65535 },
	{ 0, "rotate", NN_OPT_DOUBLE, &opt_rotate, "DEG", "rotate images by up to DEG degrees, bilinear", 0, 180 },
	{ 0, "copies", NN_OPT_INT, &opt_copies, "N", "transformed copies per row (default 1)", 1, 1000000 },
	{ 0, "keep-original", NN_OPT_FLAG, &opt_keep, NULL, "write each row itself too (the default)", 0, 0 },
	{ 0, "no-keep-original", NN_OPT_FLAG, &opt_nokeep, NULL, "write only the transformed copies", 0, 0 },
	{ 0, "x", NN_OPT_STR, &opt_x, "NAME", "the features field (default x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &opt_y, "NAME", "the label field (default y)", 0, 0 },
	NN_OPT_SEED(&opt_seed),
	NN_OPT_LEVEL(&opt_level),
	NN_OPT_THREADS(&opt_threads),
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-augment", "[OPTIONS] [INPUT]",
	"Add transformed copies of rows (noise, mixup, flips, shifts, rotations) and balance classes.",
	"Each row is written, then --copies copies, each transformed by every transform\n"
	"given.  --balance and --smote first add minority-class rows up to the majority\n"
	"count.  Image transforms need x of shape [H,W] or [H,W,C].  Noise, rotation,\n"
	"mixup and SMOTE make x f32.  Same input, options and seed: same bytes.",
	options, 1
};

/* A set of rows to write: an input batch, or a chunk of SMOTE rows (whose
 * x is already f32). */
struct rows {
	size_t n;
	void *const *col;
	nn_dtype xdt;
	uint64_t first;   /* row number of row 0, for messages (0: synthetic) */
};

static const char *in_path, *in_name;
static const nn_schema *in_s;
static nn_schema *out_s;
static int fx, fy = -1;                 /* field indices of x and y */
static size_t xelems;                    /* x per row */
static nn_geometric geom;                /* the images' transforms */
static int value_tf, image_tf, any_tf, mix_class, keep;
static size_t ncls, copies;
static uint64_t *counts, majority;       /* class counts (balance, smote) */
static nn_rng rng_bal, rng_smote, rng_flip, rng_shift, rng_rot, rng_mix, rng_noise;
static float *buf_a, *buf_b, *buf_p, *buf_z;   /* one row of x each */

/* --- output: each row is made in place in the writer's batch (row_at) -- */

static nn_writer *wr;
static void *row_at[NN_MAX_FIELDS];   /* where the next row's fields go */

static void row_done(void)
{
	nn_error err = { 0 };

	if (nn_writer_commit(wr, 1, &err))
		tool_die_err(tool_output_name(), &err);
	nn_writer_room(wr, row_at);
}

/* --- labels -------------------------------------------------------------- */

/* Row i's class id, checked against the classes there can be. */
static size_t label_of(const struct rows *s, size_t i)
{
	const nn_field *y = &in_s->fields[fy];
	double v = nn_load_f64(s->col[fy], y->dtype, i);
	size_t limit = ncls ? ncls : NN_MAX_CLASSES;

	if (!(v >= 0 && v < (double)limit))
		tool_die(TOOL_EXIT_DATA, in_name, "row %llu: label %.0f is not a class id from 0 to %zu",
		         (unsigned long long)(s->first + i), v, limit - 1);
	return (size_t)v;
}

/* --- one row of the balanced set: itself and its copies ----------------- */

static const void *xrow(const struct rows *s, size_t i)
{
	return (const char *)s->col[fx] + i * xelems * nn_dtype_size(s->xdt);
}

static void copy_fields(const struct rows *s, size_t i, int with_y)
{
	for (size_t f = 0; f < in_s->nfields; f++) {
		size_t rb = in_s->fields[f].row_bytes;
		if ((int)f != fx && ((int)f != fy || with_y))
			memcpy(row_at[f], (const char *)s->col[f] + i * rb, rb);
	}
}

static void emit_original(const struct rows *s, size_t i)
{
	nn_error err = { 0 };

	copy_fields(s, i, !mix_class);
	if (nn_convert(row_at[fx], out_s->fields[fx].dtype, xrow(s, i), s->xdt, xelems, &err))
		tool_die_err(in_name, &err);
	if (mix_class) {
		size_t c = label_of(s, i);
		nn_soft_label(row_at[fy], ncls, c, c, 1.0f);
	}
	row_done();
}

static void emit_copy(const struct rows *s, size_t i)
{
	nn_error err = { 0 };
	const void *cur = xrow(s, i);
	float *out = row_at[fx];

	copy_fields(s, i, opt_mixup < 0);
	if (!value_tf) {   /* flips and shifts only: any dtype, moved exactly */
		cur = nn_geometric_apply(&geom, cur, buf_a, buf_b, nn_dtype_size(s->xdt));
		memcpy(out, cur, xelems * nn_dtype_size(s->xdt));
		row_done();
		return;
	}
	if (s->xdt != NN_F32) {
		if (nn_convert(buf_a, NN_F32, cur, s->xdt, xelems, &err))
			tool_die_err(in_name, &err);
		cur = buf_a;
	}
	if (image_tf)
		cur = nn_geometric_apply(&geom, cur, buf_a, buf_b, sizeof(float));
	if (opt_mixup > 0) {
		size_t j = (size_t)nn_rng_below(&rng_mix, s->n);
		float lam = (float)nn_rng_beta(&rng_mix, opt_mixup, opt_mixup);
		const float *a = cur, *b = xrow(s, j);
		if (s->xdt != NN_F32) {
			if (nn_convert(buf_p, NN_F32, b, s->xdt, xelems, &err))
				tool_die_err(in_name, &err);
			b = buf_p;
		}
		nn_mix_f32(out, a, b, lam, xelems);
		cur = out;
		size_t bad;
		if (mix_class)
			nn_soft_label(row_at[fy], ncls, label_of(s, i), label_of(s, j), lam);
		else if (nn_mix_targets(row_at[fy], in_s->fields[fy].dtype, s->col[fy],
		                        in_s->fields[fy].row_elems, i, j, lam, &bad))
			tool_die(TOOL_EXIT_DATA, in_name, "row %llu: label is NaN, which --mixup would "
			         "spread (nn-clean removes such rows)", (unsigned long long)(s->first + bad));
	}
	if (opt_noise >= 0) {
		nn_randn_f32(&rng_noise, buf_z, xelems);
		nn_noise_f32(out, cur, (float)opt_noise, buf_z, xelems);
	} else if (cur != out) {
		memcpy(out, cur, xelems * sizeof *out);
	}
	row_done();
}

static void emit(const struct rows *s, size_t i)
{
	if (keep)
		emit_original(s, i);
	for (size_t k = 0; k < copies; k++)
		emit_copy(s, i);
}

/* --- balancing ------------------------------------------------------------ */

static nn_quota *quota;   /* --balance's; quota_init also notes empty classes for --smote */

static void quota_init(void)
{
	quota = tool_alloc(ncls * sizeof *quota);
	for (size_t c = 0; c < ncls; c++) {
		if (counts[c])
			nn_quota_init(&quota[c], counts[c], majority);
		else if (c < in_s->fields[fy].nclasses)
			tool_note("class %zu (%s) has no rows to oversample", c, in_s->fields[fy].classes[c]);
	}
}

/* --- SMOTE ---------------------------------------------------------------- */

static nn_smote *smote;       /* rows held: x as f32, the other fields packed (nn/rowpack.h) */

static void smote_init(void)
{
	nn_error err = { 0 };

	if (!(smote = nn_smote_new(ncls, counts, majority, xelems, nn_row_bytes(in_s, fx),
	                           (size_t)opt_smote, SMOTE_MAX_BYTES, &err))) {
		nn_error_prefix(&err, "--smote holds the minority classes' rows in memory");
		tool_die_err(in_name, &err);
	}
}

static void smote_hold(const struct rows *s, size_t i, size_t c)
{
	nn_error err = { 0 };
	unsigned char *rest;
	float *x = nn_smote_slot(smote, c, &rest);

	if (nn_convert(x, NN_F32, xrow(s, i), s->xdt, xelems, &err))
		tool_die_err(in_name, &err);
	for (size_t k = 0; k < xelems; k++)
		if (!isfinite(x[k]))
			tool_die(TOOL_EXIT_DATA, in_name, "row %llu: x is not finite, which --smote cannot "
			         "measure distances with (nn-clean removes such rows)",
			         (unsigned long long)(s->first + i));
	nn_row_pack(in_s, fx, (const void *const *)s->col, i, rest);
}

/* Write the synthetic rows through a chunk of rows. */
static void smote_emit(void)
{
	size_t cap = 256, c, noted = SIZE_MAX;
	void **col = tool_alloc(in_s->nfields * sizeof *col);
	struct rows chunk = { 0, col, NN_F32, 0 };
	const unsigned char *rest;

	for (size_t f = 0; f < in_s->nfields; f++)
		col[f] = tool_alloc(cap * ((int)f == fx ? xelems * sizeof(float) : in_s->fields[f].row_bytes));
	while (nn_smote_next(smote, &rng_smote, (float *)col[fx] + chunk.n * xelems, &rest, &c)) {
		if (counts[c] == 1 && noted != c) {
			tool_note("class %zu has one row: its SMOTE rows repeat it", c);
			noted = c;
		}
		nn_row_unpack(in_s, fx, rest, col, chunk.n);
		if (++chunk.n == cap) {
			for (size_t e = 0; e < chunk.n; e++)
				emit(&chunk, e);
			chunk.n = 0;
		}
	}
	for (size_t e = 0; e < chunk.n; e++)
		emit(&chunk, e);
	for (size_t f = 0; f < in_s->nfields; f++)
		free(col[f]);
	free(col);
	nn_smote_free(smote);
}

/* --- the input: read once, or twice --------------------------------------- */

static tool_input twice;       /* read twice for class counts */
static int two_reads;

static nn_reader *input_open(void)
{
	nn_reader *r = two_reads ? tool_input_reader(&twice) : tool_reader(in_path);
	in_s = nn_reader_schema(r);
	return r;
}

/* --- what the schema allows ------------------------------------------------ */

static void setup(void)
{
	nn_error err = { 0 };
	const nn_field *x;
	int need_y = opt_balance || opt_smote || opt_mixup > 0;

	if (strcmp(in_s->kind, "data"))
		tool_die(TOOL_EXIT_DATA, in_name, "a %s stream, not data", in_s->kind);
	if ((fx = nn_schema_find(in_s, opt_x)) < 0)
		tool_die(TOOL_EXIT_DATA, in_name, "no field '%s' (choose one with --x)", opt_x);
	x = &in_s->fields[fx];
	xelems = x->row_elems;
	if (image_tf && x->ndim != 2 && x->ndim != 3)
		tool_die(TOOL_EXIT_DATA, in_name, "field '%s' has %d dimensions; --flip-h, --flip-v, --shift "
		         "and --rotate need an image of shape [H,W] or [H,W,C]", x->name, x->ndim);
	geom = (nn_geometric){ image_tf ? x->shape[0] : 1, image_tf ? x->shape[1] : 1,
	                       image_tf && x->ndim == 3 ? x->shape[2] : 1, opt_fliph, opt_flipv,
	                       opt_shift > 0 ? (uint64_t)opt_shift : 0, opt_rotate, &rng_flip, &rng_shift, &rng_rot };
	fy = nn_schema_find(in_s, opt_y);
	if (!need_y)
		return;
	if (fy < 0)
		tool_die(TOOL_EXIT_DATA, in_name, "no field '%s' (choose one with --y)", opt_y);
	int ids = nn_augment_classes(&in_s->fields[fy], opt_balance ? "--balance" : opt_smote ? "--smote" : NULL,
	                             (size_t)opt_classes, &ncls, &err);
	if (ids < 0)
		tool_die_err(in_name, &err);
	mix_class = ids && opt_mixup > 0;
}

/* First pass: class counts, and the number of classes when not named. */
static void count_classes(nn_reader *r)
{
	const nn_batch *b;
	size_t top = 0;

	counts = tool_alloc(NN_MAX_CLASSES * sizeof *counts);
	while (tool_next(r, in_name, &b)) {
		struct rows s = { b->rows, b->col, in_s->fields[fx].dtype, nn_reader_rows(r) - b->rows + 1 };
		for (size_t i = 0; i < b->rows; i++) {
			size_t c = label_of(&s, i);
			counts[c]++;
			top = c + 1 > top ? c + 1 : top;
		}
	}
	if (!ncls)
		ncls = top;
	for (size_t c = 0; c < ncls; c++)
		majority = counts[c] > majority ? counts[c] : majority;
	if (mix_class && !ncls)
		tool_die(TOOL_EXIT_DATA, in_name, "no rows to count the classes of: give --classes N");
}

static void out_schema(int argc, char **argv)
{
	nn_error err = { 0 };

	if (!(out_s = nn_augment_schema(in_s, fx, fy, value_tf, mix_class ? ncls : 0, &err)))
		tool_die_err(in_name, &err);
	tool_provenance(out_s, argc, argv);
	nn_schema_set_seed(out_s, (uint64_t)opt_seed);
}

/* Which options go together; what they imply. */
static void check_options(void)
{
	image_tf = opt_fliph || opt_flipv || opt_shift >= 0 || opt_rotate >= 0;
	value_tf = opt_noise >= 0 || opt_rotate >= 0 || opt_mixup >= 0 || opt_smote;
	any_tf = image_tf || opt_noise >= 0 || opt_mixup >= 0;
	if (opt_keep && opt_nokeep)
		tool_usage("--keep-original and --no-keep-original exclude each other");
	if (!any_tf && !opt_balance && !opt_smote)
		tool_usage("nothing to do: give a transform (--noise, --mixup, --flip-h, --flip-v, --shift, "
		           "--rotate) or --balance or --smote");
	if (!any_tf && (opt_copies >= 0 || opt_nokeep))
		tool_usage("%s needs a transform to make copies with",
		           opt_nokeep ? "--no-keep-original" : "--copies");
	if (opt_balance && opt_smote)
		tool_usage("--balance and --smote exclude each other");
	if (opt_mixup == 0)
		tool_usage("--mixup: ALPHA must be above 0");
	if (opt_classes && opt_mixup < 0)
		tool_usage("--classes goes with --mixup");
	if (!strcmp(opt_x, opt_y))
		tool_usage("--x and --y name the same field '%s'", opt_x);
	keep = !opt_nokeep;
	copies = any_tf ? (size_t)(opt_copies < 0 ? 1 : opt_copies) : 0;
	nn_rng *rng[] = { &rng_bal, &rng_smote, &rng_flip, &rng_shift, &rng_rot, &rng_mix, &rng_noise };
	for (uint64_t k = 0; k < sizeof rng / sizeof *rng; k++)   /* streams 1 to 7 of the seed */
		nn_rng_seed(rng[k], (uint64_t)opt_seed, k + 1);
}

/* The balanced set, row by row: each row, its balance repeats, and SMOTE's
 * hold of minority rows. */
static void augment(nn_reader *r)
{
	const nn_batch *b;

	while (tool_next(r, in_name, &b)) {
		struct rows s = { b->rows, b->col, in_s->fields[fx].dtype, nn_reader_rows(r) - b->rows + 1 };
		for (size_t i = 0; i < b->rows; i++) {
			size_t c = opt_balance || opt_smote ? label_of(&s, i) : 0;
			uint64_t extra = opt_balance && counts[c] < majority ? nn_quota_take(&quota[c], &rng_bal) : 0;
			for (uint64_t k = 0; k <= extra; k++)
				emit(&s, i);
			if (opt_smote && counts[c] < majority)
				smote_hold(&s, i, c);
		}
	}
	if (opt_smote)
		smote_emit();
}

int main(int argc, char **argv)
{
	nn_strlist in = { 0 };
	nn_reader *r;

	tool_parse(&cli, argc, argv, &in);
	check_options();
	in_path = in.n ? in.v[0] : NULL;
	in_name = tool_name(in_path);
	two_reads = opt_balance || opt_smote || (opt_mixup > 0 && !opt_classes);
	if (two_reads)
		tool_input_rewindable(&twice, in_path);
	r = input_open();
	setup();
	if (opt_balance || opt_smote || (mix_class && !ncls)) {
		tool_scan_threads(r);   /* the counts come before any output */
		count_classes(r);
		nn_reader_close(r);
		r = input_open();
	}
	if (opt_balance || opt_smote)
		quota_init();
	if (opt_smote)
		smote_init();
	out_schema(argc, argv);
	buf_a = tool_alloc(xelems * 8);
	buf_b = tool_alloc(xelems * 8);
	buf_p = tool_alloc(xelems * sizeof *buf_p);
	buf_z = tool_alloc(xelems * sizeof *buf_z);
	tool_output_open(opt_out, 1);
	wr = tool_writer(out_s, opt_level, opt_threads);
	nn_writer_room(wr, row_at);
	augment(r);
	tool_writer_finish(wr);
	nn_reader_close(r);
	nn_schema_free(out_s);
	nn_strlist_free(&in);
	return 0;
}
