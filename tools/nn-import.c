/* nn-import — turn CSV, TSV, LIBSVM, IDX or NPY data into a stream.
 *
 * Choices the formats leave open (nn-import(1) has them all):
 * - Format: --format, else what the file name says (.csv, .tsv, .svm,
 *   .npy, .idx, ... with any .gz removed: nn_import_format_of), else csv.
 *   Every format may be gzip-compressed: input is read through zlib, which
 *   passes plain files through as they are.
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
 *   the end (--task, else the rule of nn_labels_plan in nn/import.h; a
 *   note says which when that was a guess).  Class names are sorted
 *   bytewise and numbered from 0, as scikit-learn's LabelEncoder does.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/colspool.h"
#include "nn/crypt.h"
#include "nn/import.h"
#include "nn/importopts.h"
#include "tool.h"
#include "tool-import.h"

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

/* x and y; the schema's errors end the program, naming path. */
static void x_field(nn_schema *s, const char *path, nn_dtype t, int ndim, const uint64_t *shape)
{
	nn_error err;
	if (nn_import_add_x(s, opt_x, t, ndim, shape, opt_shape, &err))
		tool_die_err(tool_name(path), &err);
}

static void y_field(nn_schema *s, const char *path, nn_dtype t, size_t n, const char *const *names)
{
	nn_error err;
	if (nn_import_add_y(s, opt_y, t, n, names, &err))
		tool_die_err(tool_name(path), &err);
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

/* csv's fields after x: y (with p), the ids; an id field named as x or
 * y is a usage error. */
static void csv_fields(nn_schema *s, const nn_csv_info *in, const nn_yplan *p)
{
	nn_error err;
	if (!nn_import_csv_fields(s, in, opt_x, opt_y, p, (const char *const *)opt_ids.v, &err))
		return;
	if (err.code == NN_EARG)
		tool_usage("%s", err.msg);
	tool_die_err(tool_name(in_path), &err);
}

/* --hash-id: the last nhashed of the n rows' id columns, hashed in place. */
static void hash_ids(void *const *ids, size_t nids, size_t n, size_t width)
{
	for (size_t k = nids - nhashed; k < nids; k++)
		nn_hashid_column(nn_key_in_use(), ids[k], n, width);
}

/* Pass 1 over csv rows: parsed straight into the writer's batch when w
 * is given (with p, y made from the labels, the plan known at the start),
 * else into the buffer col (x, the labels' values and ids, each id
 * column: chunk rows) and put in the spool sp.  col[1] and col[2] take
 * the labels either way (NULL without a label). */
static void csv_pass1(nn_csv *c, const nn_csv_info *in, nn_writer *w, const nn_yplan *p,
                      nn_colspool *sp, void **col, size_t chunk)
{
	size_t k0 = w ? (p ? 2 : 1) : 3;   /* where the id columns start */
	nn_error err;
	ptrdiff_t n;

	for (;;) {
		void *at[NN_MAX_FIELDS], **to = w ? at : col;
		size_t max = w ? tool_import_room(w, at, chunk) : chunk;
		if ((n = nn_csv_read_cols(c, to[0], col[1], col[2], to + k0, max, &err)) <= 0)
			break;
		hash_ids(to + k0, in->nids, (size_t)n, in->id_width);
		if (!w && nn_colspool_put(sp, (const void *const *)col, (size_t)n, &err))
			tool_die_err(NULL, &err);
		if (w && p)
			nn_yplan_apply_rows(p, col[1], col[2], (size_t)n, at[1]);
		if (w)
			tool_import_commit(w, (size_t)n);
	}
	if (n < 0)
		tool_die_err(tool_name(in_path), &err);
}

/* Pass 2: the spooled rows read back straight into the writer's batch,
 * y made from the labels by the plan p. */
static void csv_pass2(nn_colspool *sp, nn_writer *w, const nn_yplan *p, void **col, size_t chunk,
                      size_t nids)
{
	nn_error err;

	for (uint64_t left; (left = nn_colspool_left(sp)); ) {
		void *at[NN_MAX_FIELDS], *to[3 + NN_MAX_FIELDS] = { NULL, col[1], col[2] };
		size_t n = tool_import_room(w, at, left < chunk ? left : chunk);
		to[0] = at[0];
		memcpy(to + 3, at + 2, nids * sizeof *at);
		if (nn_colspool_get(sp, to, n, &err))
			tool_die_err(NULL, &err);
		nn_yplan_apply_rows(p, col[1], col[2], n, at[1]);
		tool_import_commit(w, n);
	}
}

/* csv and tsv.  The schema is known at the start without a label, and
 * with --task regression (y is the label's value whatever the labels
 * are): the rows stream, and the labels are planned again at the end for
 * the errors only the whole input shows.  Else the rows are spooled
 * (nn/colspool.h) until the labels are planned. */
static void import_csv(int delim, int argc, char **argv)
{
	nn_error err;
	nn_csv_opts o = { delim, opt_noheader, opt_skip, opt_label,
	                  (const char *const *)opt_drop.v, opt_drop.n,
	                  (const char *const *)opt_ids.v, opt_ids.n, (size_t)opt_idw };
	tool_src s;
	nn_csv *c = nn_csv_open(tool_src_open(&s, in_path), &o, &err);
	nn_schema *sch = tool_import_schema(argc, argv);
	nn_colspool *sp = NULL;
	nn_writer *w = NULL;
	nn_yplan p = { 0 };

	if (!c)
		tool_die_err(tool_name(in_path), &err);
	const nn_csv_info *in = nn_csv_info_of(c);
	size_t nc = 3 + in->nids, chunk = tool_import_batch_rows(in->nfeat * 4 + 4 + in->nids * in->id_width);
	size_t *width = tool_alloc(nc * sizeof *width);
	void **col = tool_alloc(nc * sizeof *col);
	int spooled = opt_label && task_mode != NN_TASK_REGRESS;

	x_field(sch, in_path, NN_F32, 1, (uint64_t[]){ in->nfeat });
	if (in->names && nn_import_names_meta(sch, in->names, in->ncols, in->role, in->nfeat,
	                                      opt_label ? in->names[in->label_col] : NULL, &err))
		tool_die_err(NULL, &err);
	for (size_t k = 0; k < nc; k++) {   /* x, the labels' values and ids, the ids */
		width[k] = k == 0 ? in->nfeat * 4 : k == 1 ? 8 : k == 2 ? 4 : in->id_width;
		col[k] = spooled || (opt_label && (k == 1 || k == 2)) ? tool_alloc(chunk * width[k]) : NULL;
	}
	if (spooled && !(sp = nn_colspool_new(NULL, "nn-import", nc, width, &err)))
		tool_die_err(NULL, &err);
	if (!spooled) {
		if (opt_label)
			p = plan_labels(nn_csv_labels(c), in_path);
		csv_fields(sch, in, opt_label ? &p : NULL);
		w = tool_writer(sch, opt_level, opt_threads);
	}
	csv_pass1(c, in, w, opt_label ? &p : NULL, sp, col, opt_label ? chunk : SIZE_MAX);
	tool_src_close(&s);
	if (opt_label) {   /* all the labels seen: the plan of pass 2, or its errors */
		nn_yplan all = plan_labels(nn_csv_labels(c), in_path);
		if (spooled)
			p = all;
		else
			nn_yplan_free(&all);
	}
	if (spooled) {
		csv_fields(sch, in, &p);
		w = tool_writer(sch, opt_level, opt_threads);
		csv_pass2(sp, w, &p, col, chunk, in->nids);
	}
	tool_writer_finish(w);
	if (opt_label)
		nn_yplan_free(&p);
	for (size_t k = 0; k < nc; k++)
		free(col[k]);
	free(col);
	free(width);
	nn_colspool_free(sp);
	nn_csv_close(c);
	nn_schema_free(sch);
}

/* --- libsvm ------------------------------------------------------------ */

static void import_libsvm(int argc, char **argv)
{
	const char *name = tool_name(in_path);
	tool_src s;
	nn_error err;
	nn_libsvm *l;
	uint64_t rows = 0, width;
	FILE *spool = tool_spool();
	const nn_svm_pair *pairs;
	uint32_t nnz, id;
	double v;
	int r;

	if (!(l = nn_libsvm_open(tool_src_open(&s, in_path), opt_skip, (uint64_t)opt_features, &err)))
		tool_die_err(name, &err);
	/* Pass 1: spool the rows as they are (sparse). */
	while ((r = nn_libsvm_next(l, &v, &id, &pairs, &nnz, &err)) > 0) {
		if (nn_libsvm_spool_put(spool, v, id, pairs, nnz, &err))
			tool_die_err(NULL, &err);
		rows++;
	}
	if (r < 0)
		tool_die_err(name, &err);
	tool_src_close(&s);
	uint64_t qid_line, qids = nn_libsvm_qid_rows(l, &qid_line);
	if (qids)
		tool_note("'%s': skipped the query ids (qid:) of %llu rows, the first on line %llu: "
		          "nnpipe trains no ranking", name, (unsigned long long)qids,
		          (unsigned long long)qid_line);
	if (!(width = nn_libsvm_width(l)))
		tool_die(TOOL_EXIT_DATA, name, "no features: give --features N");

	/* Pass 2: dense rows. */
	nn_yplan p = plan_labels(nn_libsvm_labels(l), in_path);
	nn_schema *sch = tool_import_schema(argc, argv);
	nn_writer *w;

	x_field(sch, in_path, NN_F32, 1, &width);
	y_field(sch, in_path, p.dtype, p.ncls, p.cls);
	w = tool_writer(sch, opt_level, opt_threads);
	if (nn_libsvm_spool_rewind(spool, &err))
		tool_die_err(NULL, &err);
	for (uint64_t done = 0; done < rows; ) {
		void *at[2];
		size_t n = tool_import_room(w, at, rows - done);
		if (nn_libsvm_spool_rows(spool, at[0], width, n, &p, at[1], &err))
			tool_die_err(NULL, &err);
		tool_import_commit(w, n);
		done += n;
	}
	fclose(spool);
	tool_writer_finish(w);
	nn_yplan_free(&p);
	nn_libsvm_close(l);
	nn_schema_free(sch);
}

/* --- binary arrays: idx and npy ---------------------------------------- */

static void import_array(int fmt, int argc, char **argv)
{
	nn_array a, l;
	tool_src as, ls;
	nn_schema *sch = tool_import_schema(argc, argv);
	nn_dtype ldt = NN_I32;
	nn_error err;
	size_t chunk;
	unsigned char *lraw = NULL;
	nn_writer *w;

	tool_array_open(&a, &as, in_path, fmt);
	x_field(sch, in_path, a.dtype, a.ndim, a.shape);
	if (opt_labels) {
		tool_array_open(&l, &ls, opt_labels, fmt);
		if (nn_array_labels_check(&l, a.rows, class_set.n, &ldt, &err))
			tool_die(TOOL_EXIT_DATA, tool_name(opt_labels), l.rows != a.rows ? "%s of '%s'" : "%s",
			         err.msg, tool_name(in_path));
		y_field(sch, opt_labels, ldt, class_set.n, (const char *const *)class_set.s);
	}
	w = tool_writer(sch, opt_level, opt_threads);
	chunk = tool_import_batch_rows(a.row_bytes);
	if (opt_labels)
		lraw = tool_alloc(chunk * 8);
	for (uint64_t done = 0; done < a.rows; ) {
		void *at[2];
		size_t n = tool_import_room(w, at, a.rows - done < chunk ? a.rows - done : chunk);
		if (nn_array_rows(&a, at[0], n, done, &err))
			tool_die_err(tool_name(in_path), &err);
		if (opt_labels && nn_array_labels_rows(&l, at[1], ldt, lraw, n, done, class_set.n, &err))
			tool_die_err(tool_name(opt_labels), &err);
		tool_import_commit(w, n);
		done += n;
	}
	tool_array_end(&a, &as, in_path);
	if (opt_labels)
		tool_array_end(&l, &ls, opt_labels);
	tool_writer_finish(w);
	nn_schema_free(sch);
	free(lraw);
}

/* --- main -------------------------------------------------------------- */

/* A check before reading failed: a usage error, unless out of memory
 * (not the user's mistake: status 1). */
static _Noreturn void refuse(const nn_error *err)
{
	if (err->code == NN_ENOMEM)
		tool_die_err(NULL, err);
	tool_usage("%s", err->msg);
}

/* Bad --x, --y or --classes names, and options that do not go with the
 * format or each other, are usage errors found before any input is read. */
static int check_usage(int fmt)
{
	nn_import_args a = { fmt, in_path, opt_delim, opt_label, opt_labels, opt_classes,
	                     opt_noheader, opt_task != NULL, task_mode, opt_drop.n, opt_ids.n,
	                     opt_skip, opt_features };
	nn_error err;
	int delim;

	if (nn_import_check(&a, opt_x, opt_y, opt_shape, &class_set, &delim, &err))
		refuse(&err);
	return delim;
}

int main(int argc, char **argv)
{
	nn_strlist ops = { 0 };
	nn_error err;
	int fmt;

	tool_parse(&cli, argc, argv, &ops);
	in_path = ops.n ? ops.v[0] : NULL;
	nhashed = opt_hash.n;   /* --hash-id columns: the last --id columns, hashed */
	if (nn_import_hash_ids(&opt_ids, &opt_hash, nn_key_in_use() != NULL, opt_idw, &err))
		refuse(&err);
	if ((fmt = nn_import_format_pick(opt_format, opt_delim != NULL, in_path)) < 0)
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
