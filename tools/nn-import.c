/* nn-import — turn CSV, TSV, LIBSVM, IDX or NPY data into a stream.
 *
 * Choices the formats leave open (nn-import(1) has them all):
 * - Format: --format, else the file name with any .gz removed: .csv;
 *   .tsv or .tab; .svm, .libsvm or .svmlight; .npy; .idx or a name ending
 *   in "ubyte" (MNIST's train-images-idx3-ubyte).  Standard input is csv
 *   unless --format says otherwise.  Every format may be gzip-compressed:
 *   input is read through zlib, which passes plain files through as they are.
 * - How each format is parsed (number syntax, missing values, quoting,
 *   line ends, LIBSVM's indices, the IDX and NPY headers) is the parsers'
 *   rule, listed at the top of nn/import.h; the rules for the arguments
 *   (format from the name, --classes, --shape, --delimiter, which options
 *   go together) are nn/importopts.h's.  Both are tested and fuzzed there.
 * - Fields: the features are one f32 vector field (--x, default x) and the
 *   label a scalar field (--y, default y); idx and npy keep their dtype
 *   and per-row shape for x.  Labels are i32 class ids or f32 values.
 * - --id COL (csv, tsv) keeps a column as text: a str field [--id-width]
 *   named after the column (col_N without a header), after x and y.  An id
 *   is never cut: a longer one, or one that is not UTF-8, is an error
 *   naming its line; a field name taken by x or y is a usage error.
 * - Columns (--label, --drop-col, --id) are named by header name first,
 *   else by 0-based index; a negative index counts from the end.
 * - Labels (csv, tsv, libsvm) are read as text and their kind decided at
 *   the end (--task, else the rule of nn_labels_plan in nn/import.h: names
 *   are classes, numbers that are not all whole regression targets, whole
 *   numbers classes up to 100 distinct values; a note says which when
 *   that was a guess).  Class names are sorted bytewise and numbered from
 *   0, as scikit-learn's LabelEncoder does.
 * - csv/tsv and libsvm learn the label kind, class names and (libsvm) width
 *   only at the end of the input, so rows are spooled to an unlinked file
 *   in $TMPDIR and written in a second pass; memory holds one batch and the
 *   distinct labels (at most 65536 of them count as classes).  csv without
 *   --label, or with --task regression (y is the label's value), knows its
 *   schema after the first line and streams directly.
 * - Rows are made where the writer sends them from (nn_writer_room): csv
 *   parsed, or read back from the spool, straight into the writer's batch;
 *   so are libsvm's dense rows and idx/npy's rows.
 * - --classes fashion-mnist names the ten Fashion-MNIST classes.
 * - The stream's metadata holds feature_names and label_name when a csv or
 *   tsv header gave them.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/colspool.h"
#include "nn/crypt.h"
#include "nn/import.h"
#include "nn/importopts.h"
#include "tool.h"

static const char *opt_out, *opt_format, *opt_delim, *opt_label, *opt_task, *opt_labels,
	*opt_classes, *opt_shape, *opt_x = "x", *opt_y = "y";
static int opt_noheader;
static long long opt_skip, opt_features, opt_level = NN_DEFAULT_LEVEL, opt_threads,   /* 0: tool_compress_threads decides */
	opt_idw = 64;
static nn_strlist opt_drop, opt_ids, opt_hash;
static size_t nhashed;   /* the last nhashed of opt_ids are --hash-id's */

static const nn_option options[] = {
	{ 'f', "format", NN_OPT_CHOICE, &opt_format, NN_IMPORT_FORMATS,
	  "the input's format (default: from the file name, else csv)", 0, 0 },
	{ 'd', "delimiter", NN_OPT_STR, &opt_delim, "C",
	  "csv, tsv: the field delimiter, one character or \\t (default , for csv, tab for tsv)", 0, 0 },
	{ 0, "label", NN_OPT_STR, &opt_label, "COL",
	  "csv, tsv: the label column, by name or 0-based index", 0, 0 },
	{ 0, "no-header", NN_OPT_FLAG, &opt_noheader, NULL,
	  "csv, tsv: the first line is data, not column names", 0, 0 },
	{ 0, "drop-col", NN_OPT_LIST, &opt_drop, "COL",
	  "csv, tsv: leave out column COL, by name or index", 0, 0 },
	{ 0, "id", NN_OPT_LIST, &opt_ids, "COL",
	  "csv, tsv: keep column COL as text (a str field named after it), e.g. an id", 0, 0 },
	{ 0, "hash-id", NN_OPT_LIST, &opt_hash, "COL",
	  "csv, tsv: as --id, the text replaced by its keyed hash (needs --key or NN_KEY_FILE)", 0, 0 },
	{ 0, "id-width", NN_OPT_INT, &opt_idw, "W",
	  "csv, tsv: the bytes an --id value may take (default 64)", 1, NN_MAX_STR_BYTES },
	{ 0, "skip", NN_OPT_INT, &opt_skip, "N",
	  "csv, tsv, libsvm: skip N lines at the start", 0, 1e15 },
	{ 0, "task", NN_OPT_CHOICE, &opt_task, NN_IMPORT_TASKS,
	  "csv, tsv, libsvm: what the labels are (default auto)", 0, 0 },
	{ 0, "features", NN_OPT_INT, &opt_features, "N",
	  "libsvm: N features (default: the largest index)", 1, NN_IMPORT_ROW_MAX / 4 },
	{ 0, "labels", NN_OPT_STR, &opt_labels, "FILE",
	  "idx, npy: read the labels from FILE", 0, 0 },
	{ 0, "classes", NN_OPT_STR, &opt_classes, "LIST",
	  "comma-separated class names, or fashion-mnist", 0, 0 },
	{ 0, "shape", NN_OPT_STR, &opt_shape, "D,D,...",
	  "give each row's features this shape, e.g. 8,8 for images", 0, 0 },
	{ 0, "x", NN_OPT_STR, &opt_x, "NAME", "name of the features field (default x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &opt_y, "NAME", "name of the label field (default y)", 0, 0 },
	NN_OPT_OUTPUT(&opt_out),
	NN_OPT_LEVEL(&opt_level),
	NN_OPT_THREADS(&opt_threads),
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-import", "[OPTIONS] [INPUT]",
	"Read CSV, TSV, LIBSVM, IDX or NPY data and write it as a stream.",
	"Features become the field x (f32 for text formats), labels the field y:\n"
	"i32 class ids for names (sorted, numbered from 0) and for up to 100\n"
	"distinct whole numbers, f32 otherwise.  --id columns become text fields.\n"
	"Missing values (empty, NA, NaN, ?) become NaN.  Any input may be\n"
	"gzip-compressed.  See nn-import(1).",
	options, 1
};

static const char *in_path;          /* INPUT operand, NULL for stdin */
static int task_mode = NN_TASK_AUTO;

/* --- small helpers ----------------------------------------------------- */

static void spool_rewind(FILE *f)
{
	if (fflush(f) || fseeko(f, 0, SEEK_SET))
		tool_die(TOOL_EXIT_DATA, NULL, "temporary file: %s", strerror(errno));
}

static size_t batch_rows(size_t row_bytes)
{
	size_t n = NN_DEFAULT_BATCH_BYTES / (row_bytes ? row_bytes : 1);
	return n ? n : 1;
}

static nn_schema *schema_new(int argc, char **argv)
{
	nn_error err;
	nn_schema *s = nn_schema_new("data", &err);
	if (!s)
		tool_die_err(NULL, &err);
	tool_provenance(s, argc, argv);
	return s;
}

static void add_field(nn_schema *s, const char *path, const char *name,
                      nn_dtype t, int ndim, const uint64_t *shape)
{
	nn_error err;
	uint64_t shaped[NN_MAX_DIMS];
	if (opt_shape && !strcmp(name, opt_x)) {   /* --shape: checked by the usage checks */
		if ((ndim = nn_import_reshape(opt_shape, ndim, shape, shaped, &err)) < 0)
			tool_die_err(tool_name(path), &err);
		shape = shaped;
	}
	if (nn_schema_add_field(s, name, t, ndim, shape, &err))
		tool_die_err(tool_name(path), &err);
}

/* A label field, y, with its class names (n of them, or none). */
static void add_label(nn_schema *s, const char *path, nn_dtype t, size_t n, const char *const *names)
{
	nn_error err;
	add_field(s, path, opt_y, t, 0, NULL);
	if (n && nn_schema_set_classes(s, s->nfields - 1, n, names, &err))
		tool_die_err(tool_name(path), &err);
}

/* --- gzip-or-plain input: the parsers' source -------------------------- */

typedef struct src { nn_gzin *gz; const char *path; } src;

static nn_source src_open(src *s, const char *path)
{
	nn_error err;
	s->path = path;
	if (!(s->gz = nn_gzin_open(tool_open_in(path), &err)))
		tool_die_err(tool_name(path), &err);
	return nn_gzin_source(s->gz);
}

static void src_close(src *s)
{
	nn_error err;
	if (nn_gzin_close(s->gz, &err))
		tool_die_err(tool_name(s->path), &err);
}

static nn_strset class_set;          /* --classes, for lookups */

/* --- csv, tsv ---------------------------------------------------------- */

static nn_yplan plan_labels(const nn_labels *L, const char *path)
{
	nn_yplan p;
	nn_error err;
	char note[200];
	if (nn_labels_plan(L, task_mode, class_set.n ? &class_set : NULL, &p, &err))
		tool_die_err(tool_name(path), &err);
	if (nn_yplan_note(&p, note, sizeof note))   /* --task auto's guess, said */
		tool_note("'%s': %s", tool_name(path), note);
	return p;
}

/* The ids' str fields, after x and y; a name taken by x or y is refused. */
static void add_id_fields(nn_schema *sch, const nn_csv_info *in)
{
	uint64_t w = in->id_width;
	for (size_t k = 0; k < in->nids; k++) {
		const char *n = in->id_names[k];
		if (!strcmp(n, opt_x) || (opt_label && !strcmp(n, opt_y)))
			tool_usage("--id %s: its field '%s' would have the name of the %s field "
			           "(rename that with %s)", opt_ids.v[k], n, strcmp(n, opt_x) ? "label" : "features",
			           strcmp(n, opt_x) ? "--y" : "--x");
		add_field(sch, in_path, n, NN_STR, 1, &w);
	}
}

/* Rows made in the writer's batch: room for the next n of them (at most
 * max), each field's place in at; then commit(w, n) appends them. */
static size_t room(nn_writer *w, void **at, uint64_t max)
{
	size_t n = nn_writer_room(w, at);   /* never 0: a failed write ended the program */
	return max < n ? (size_t)max : n;
}

static void commit(nn_writer *w, size_t n)
{
	nn_error err = { 0 };
	if (nn_writer_commit(w, n, &err))
		tool_die_err(tool_output_name(), &err);
}

/* --hash-id: the last nhashed of the n rows' id columns, hashed in place. */
static void hash_ids(void *const *ids, size_t nids, size_t n, size_t width)
{
	for (size_t k = nids - nhashed; k < nids; k++)
		nn_hashid_column(nn_key_in_use(), ids[k], n, width);
}

/* y of n rows from their labels' values and ids. */
static void apply_labels(const nn_yplan *p, void *y, const double *yv, const uint32_t *yid, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nn_yplan_apply(p, yv[i], yid[i], (unsigned char *)y + i * 4);
}

/* The rows of a csv input whose schema is known at its start (no label,
 * or --task regression, whose y is the label's value), parsed straight
 * into the writer's batch.  The labels are planned again at the end, on
 * every label seen, for the errors only the whole input shows. */
static void csv_stream(nn_csv *c, src *s, nn_writer *w, const nn_yplan *p, const nn_csv_info *in)
{
	size_t chunk = batch_rows(in->nfeat * 4 + 4 + in->nids * in->id_width), k0 = p ? 2 : 1;
	double *yv = p ? tool_alloc(chunk * sizeof *yv) : NULL;
	uint32_t *yid = p ? tool_alloc(chunk * sizeof *yid) : NULL;
	nn_error err;
	ptrdiff_t n;

	for (;;) {
		void *at[NN_MAX_FIELDS];
		size_t max = room(w, at, p ? chunk : SIZE_MAX);
		if ((n = nn_csv_read_cols(c, at[0], yv, yid, at + k0, max, &err)) <= 0)
			break;
		hash_ids(at + k0, in->nids, (size_t)n, in->id_width);
		if (p)
			apply_labels(p, at[1], yv, yid, (size_t)n);
		commit(w, (size_t)n);
	}
	if (n < 0)
		tool_die_err(tool_name(in_path), &err);
	src_close(s);
	if (p) {
		nn_yplan all = plan_labels(nn_csv_labels(c), in_path);
		nn_yplan_free(&all);
	}
	free(yv);
	free(yid);
}

/* A csv input with a label whose kind only the whole input tells: pass 1
 * parses the rows into a buffer and spools them (nn/colspool.h: x, the
 * labels' values and ids, each id column); pass 2, the labels planned,
 * reads them back straight into the writer's batch. */
static void csv_spooled(nn_csv *c, src *s, nn_schema *sch, const nn_csv_info *in)
{
	size_t nc = 3 + in->nids, chunk = batch_rows(in->nfeat * 4 + 4 + in->nids * in->id_width);
	size_t *width = tool_alloc(nc * sizeof *width);
	void **col = tool_alloc(nc * sizeof *col);
	nn_colspool *sp;
	nn_writer *w;
	nn_error err;
	ptrdiff_t n;

	width[0] = in->nfeat * 4;
	width[1] = sizeof(double);
	width[2] = sizeof(uint32_t);
	for (size_t k = 0; k < nc; k++) {
		width[k] = k < 3 ? width[k] : in->id_width;
		col[k] = tool_alloc(chunk * width[k]);
	}
	if (!(sp = nn_colspool_new(NULL, "nn-import", nc, width, &err)))
		tool_die_err(NULL, &err);
	while ((n = nn_csv_read_cols(c, col[0], col[1], col[2], col + 3, chunk, &err)) > 0) {
		hash_ids(col + 3, in->nids, (size_t)n, in->id_width);
		if (nn_colspool_put(sp, (const void *const *)col, (size_t)n, &err))
			tool_die_err(NULL, &err);
	}
	if (n < 0)
		tool_die_err(tool_name(in_path), &err);
	src_close(s);

	nn_yplan p = plan_labels(nn_csv_labels(c), in_path);
	add_label(sch, in_path, p.dtype, p.ncls, p.cls);
	add_id_fields(sch, in);
	w = tool_writer(sch, opt_level, opt_threads);
	while ((n = (ptrdiff_t)nn_colspool_left(sp)) > 0) {
		void *at[NN_MAX_FIELDS], *to[3 + NN_MAX_FIELDS];
		size_t k = room(w, at, (uint64_t)n < chunk ? (uint64_t)n : chunk);
		to[0] = at[0];
		to[1] = col[1];
		to[2] = col[2];
		for (size_t j = 0; j < in->nids; j++)
			to[3 + j] = at[2 + j];
		if (nn_colspool_get(sp, to, k, &err))
			tool_die_err(NULL, &err);
		apply_labels(&p, at[1], col[1], col[2], k);
		commit(w, k);
	}
	tool_writer_finish(w);
	nn_colspool_free(sp);
	nn_yplan_free(&p);
	for (size_t k = 0; k < nc; k++)
		free(col[k]);
	free(col);
	free(width);
}

static void import_csv(int delim, int argc, char **argv)
{
	nn_error err;
	nn_csv_opts o = { delim, opt_noheader, opt_skip, opt_label,
	                  (const char *const *)opt_drop.v, opt_drop.n,
	                  (const char *const *)opt_ids.v, opt_ids.n, (size_t)opt_idw };
	src s;
	nn_csv *c = nn_csv_open(src_open(&s, in_path), &o, &err);
	nn_schema *sch = schema_new(argc, argv);

	if (!c)
		tool_die_err(tool_name(in_path), &err);
	const nn_csv_info *in = nn_csv_info_of(c);
	add_field(sch, in_path, opt_x, NN_F32, 1, (uint64_t[]){ in->nfeat });
	if (in->names && nn_import_names_meta(sch, in->names, in->ncols, in->role, in->nfeat,
	                                      opt_label ? in->names[in->label_col] : NULL, &err))
		tool_die_err(NULL, &err);
	if (opt_label && task_mode != NN_TASK_REGRESS) {
		csv_spooled(c, &s, sch, in);
	} else {
		nn_yplan p;   /* regression: y is the label's value, whatever the labels */
		if (opt_label) {
			p = plan_labels(nn_csv_labels(c), in_path);
			add_label(sch, in_path, p.dtype, p.ncls, p.cls);
		}
		add_id_fields(sch, in);
		nn_writer *w = tool_writer(sch, opt_level, opt_threads);
		csv_stream(c, &s, w, opt_label ? &p : NULL, in);
		tool_writer_finish(w);
		if (opt_label)
			nn_yplan_free(&p);
	}
	nn_csv_close(c);
	nn_schema_free(sch);
}

/* --- libsvm ------------------------------------------------------------ */

static void import_libsvm(int argc, char **argv)
{
	const char *name = tool_name(in_path);
	src s;
	nn_error err;
	nn_libsvm *l;
	uint64_t rows = 0, width;
	FILE *spool = tool_spool();
	const nn_svm_pair *pairs;
	uint32_t nnz, id;
	double v;
	int r;

	if (!(l = nn_libsvm_open(src_open(&s, in_path), opt_skip, (uint64_t)opt_features, &err)))
		tool_die_err(name, &err);
	/* Pass 1: spool the rows as they are (sparse). */
	while ((r = nn_libsvm_next(l, &v, &id, &pairs, &nnz, &err)) > 0) {
		if (nn_libsvm_spool_put(spool, v, id, pairs, nnz, &err))
			tool_die_err(NULL, &err);
		rows++;
	}
	if (r < 0)
		tool_die_err(name, &err);
	src_close(&s);
	uint64_t qid_line, qids = nn_libsvm_qid_rows(l, &qid_line);
	if (qids)
		tool_note("'%s': skipped the query ids (qid:) of %llu rows, the first on line %llu: "
		          "nnpipe trains no ranking", name, (unsigned long long)qids,
		          (unsigned long long)qid_line);
	if (!(width = nn_libsvm_width(l)))
		tool_die(TOOL_EXIT_DATA, name, "no features: give --features N");

	/* Pass 2: dense rows. */
	nn_yplan p = plan_labels(nn_libsvm_labels(l), in_path);
	nn_schema *sch = schema_new(argc, argv);
	size_t w8 = (size_t)width;
	nn_writer *w;

	add_field(sch, in_path, opt_x, NN_F32, 1, &width);
	add_label(sch, in_path, p.dtype, p.ncls, p.cls);
	w = tool_writer(sch, opt_level, opt_threads);
	spool_rewind(spool);
	for (uint64_t done = 0; done < rows; ) {
		void *at[2];
		size_t n = room(w, at, rows - done);
		memset(at[0], 0, n * w8 * 4);
		for (size_t i = 0; i < n; i++) {
			if (nn_libsvm_spool_get(spool, (float *)at[0] + i * w8, width, &v, &id, &err))
				tool_die_err(NULL, &err);
			nn_yplan_apply(&p, v, id, (unsigned char *)at[1] + i * 4);
		}
		commit(w, n);
		done += n;
	}
	fclose(spool);
	tool_writer_finish(w);
	nn_yplan_free(&p);
	nn_libsvm_close(l);
	nn_schema_free(sch);
}

/* --- binary arrays: idx and npy ---------------------------------------- */

static void array_open(nn_array *a, src *s, const char *path, int f)
{
	nn_error err;
	nn_source in = src_open(s, path);
	if (nn_array_open(a, in, f == NN_IMPORT_IDX ? NN_ARRAY_IDX : NN_ARRAY_NPY,
	                  nn_gzin_size(s->gz), &err))
		tool_die_err(tool_name(path), &err);
}

static void array_rows(nn_array *a, const char *path, void *buf, size_t n, uint64_t done)
{
	nn_error err;
	if (nn_array_rows(a, buf, n, done, &err))
		tool_die_err(tool_name(path), &err);
}

static void array_end(nn_array *a, src *s, const char *path)
{
	nn_error err;
	if (nn_array_end(a, &err))
		tool_die_err(tool_name(path), &err);
	src_close(s);
}

static void import_array(int fmt, int argc, char **argv)
{
	nn_array a, l;
	src as, ls;
	nn_schema *sch = schema_new(argc, argv);
	nn_dtype ldt = NN_I32;
	nn_error err;
	size_t chunk;
	unsigned char *lraw = NULL;
	nn_writer *w;

	array_open(&a, &as, in_path, fmt);
	add_field(sch, in_path, opt_x, a.dtype, a.ndim, a.shape);
	if (opt_labels) {
		array_open(&l, &ls, opt_labels, fmt);
		if (nn_array_labels_check(&l, a.rows, class_set.n, &ldt, &err))
			tool_die(TOOL_EXIT_DATA, tool_name(opt_labels), l.rows != a.rows ? "%s of '%s'" : "%s",
			         err.msg, tool_name(in_path));
		add_label(sch, opt_labels, ldt, class_set.n, (const char *const *)class_set.s);
	}
	w = tool_writer(sch, opt_level, opt_threads);
	chunk = batch_rows(a.row_bytes);
	if (opt_labels)
		lraw = tool_alloc(chunk * 8);
	for (uint64_t done = 0; done < a.rows; ) {
		void *at[2];
		size_t n = room(w, at, a.rows - done < chunk ? a.rows - done : chunk);
		array_rows(&a, in_path, at[0], n, done);
		if (opt_labels) {
			array_rows(&l, opt_labels, lraw, n, done);
			if (nn_array_labels_convert(&l, at[1], ldt, lraw, n, done, class_set.n, &err))
				tool_die_err(tool_name(opt_labels), &err);
		}
		commit(w, n);
		done += n;
	}
	array_end(&a, &as, in_path);
	if (opt_labels)
		array_end(&l, &ls, opt_labels);
	tool_writer_finish(w);
	nn_schema_free(sch);
	free(lraw);
}

/* --- main -------------------------------------------------------------- */

/* Bad --x, --y or --classes names, and options that do not go with the
 * format or each other, are usage errors found before any input is read. */
static int check_usage(int fmt)
{
	nn_import_args a = { fmt, in_path, opt_delim, opt_label, opt_labels, opt_classes,
	                     opt_noheader, opt_task != NULL, task_mode, opt_drop.n, opt_ids.n,
	                     opt_skip, opt_features };
	nn_error err;
	int delim;
	uint64_t dims[NN_MAX_DIMS];

	if ((opt_classes && nn_class_list(&class_set, opt_classes, &err) &&
	     nn_error_prefix(&err, "--classes")) ||
	    nn_import_check_args(&a, &delim, &err) ||
	    nn_import_check_names(opt_x, opt_y, class_set.n, (const char *const *)class_set.s, &err) ||
	    (opt_shape && nn_parse_dims(opt_shape, dims, &err) < 0 &&
	     nn_error_prefix(&err, *opt_shape ? "--shape '%s'" : "--shape", opt_shape))) {
		if (err.code == NN_ENOMEM)   /* not the user's mistake: status 1 */
			tool_die_err(NULL, &err);
		tool_usage("%s", err.msg);
	}
	return delim;
}

int main(int argc, char **argv)
{
	nn_strlist ops = { 0 };
	int fmt;

	tool_parse(&cli, argc, argv, &ops);
	in_path = ops.n ? ops.v[0] : NULL;
	if (opt_hash.n) {   /* --hash-id columns are the last --id columns */
		if (!nn_key_in_use())
			tool_usage("--hash-id needs a key (--key FILE or NN_KEY_FILE)");
		if (opt_idw < NN_HASHID_HEX)
			tool_usage("--hash-id needs --id-width %d at least", NN_HASHID_HEX);
		opt_ids.v = tool_realloc(opt_ids.v, (opt_ids.n + opt_hash.n) * sizeof *opt_ids.v);
		for (size_t k = 0; k < opt_hash.n; k++)
			opt_ids.v[opt_ids.n++] = opt_hash.v[k];
		nhashed = opt_hash.n;
		nn_strlist_free(&opt_hash);
	}
	if (opt_format)
		fmt = nn_cli_choice(NN_IMPORT_FORMATS, opt_format);
	else if (opt_delim)
		fmt = NN_IMPORT_CSV;          /* a delimiter says what the file is */
	else if ((fmt = nn_import_format_of(in_path)) < 0)
		tool_usage("cannot tell the format of '%s': give --format", in_path);
	if (opt_task)
		task_mode = nn_cli_choice(NN_IMPORT_TASKS, opt_task);
	int delim = check_usage(fmt);

	tool_output_open(opt_out, 1);
	if (fmt == NN_IMPORT_CSV || fmt == NN_IMPORT_TSV)
		import_csv(delim, argc, argv);
	else if (fmt == NN_IMPORT_LIBSVM)
		import_libsvm(argc, argv);
	else
		import_array(fmt, argc, argv);
	nn_strlist_free(&ops);
	nn_strlist_free(&opt_drop);
	nn_strlist_free(&opt_ids);
	return 0;
}
