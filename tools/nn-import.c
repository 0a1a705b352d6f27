/* nn-import — turn CSV, TSV, LIBSVM, IDX or NPY data into a stream.
 *
 * Choices the formats leave open:
 * - Format: --format, else the file name with any .gz removed: .csv;
 *   .tsv or .tab; .svm, .libsvm or .svmlight; .npy; .idx or a name ending
 *   in "ubyte" (MNIST's train-images-idx3-ubyte).  Standard input is csv
 *   unless --format says otherwise.  Every format may be gzip-compressed:
 *   input is read through zlib, which passes plain files through as they are.
 * - Fields: the features are one f32 vector field (--x, default x) and the
 *   label a scalar field (--y, default y); idx and npy keep their dtype
 *   and per-row shape for x.  Labels are i32 class ids or f32 values.
 * - csv/tsv: RFC 4180 double quotes ("" is a quote; a quoted field may
 *   hold delimiters and line breaks) in both; --delimiter C for another
 *   delimiter (and then csv is the format); CRLF, LF or CR-only line ends
 *   (CR-only decided by the first line break); a UTF-8 byte-order mark is
 *   skipped; blank lines are skipped.  Spaces and tabs around a number are
 *   not part of it, quoted or not (" 12 " is 12, as numpy and pandas read
 *   it), and a label that is a number is trimmed the same way, so " 1"
 *   and "1" are one class (a name keeps its blanks: " pad " is not "pad").  Missing values (empty, ?, NA, N/A, n/a, NULL, null, None,
 *   #N/A, <NA>, and NaN in any case with a sign) become NaN; inf,
 *   +inf, -inf and infinity are infinite; anything else that is not a
 *   decimal number is an error naming the line and column.  A --label or
 *   --drop-col naming no column is a usage error (exit 2) with the
 *   closest name, or, when the header is one column holding ';', a tab,
 *   '|' or ',', the --delimiter to give.  Features are
 *   the nearest f32 (what strtof gives; labels go through strtod): nnpipe
 *   programs never call setlocale, so '.' is the decimal point.  Values
 *   beyond the range of f32 become infinite.  The parsing is libcommon's
 *   (nn/import.h), and so are the rules for the arguments: format from
 *   the name, --classes, --shape, gzip input (nn/importopts.h), where
 *   they can be tested and fuzzed.
 * - Columns (--label, --drop-col) are named by header name first, else by
 *   0-based index; a negative index counts from the end (-1 is the last).
 * - Labels (csv, tsv, libsvm): --task auto makes labels that are all whole
 *   numbers i32 class ids, labels that are all numbers but not all whole f32
 *   regression targets, and labels with any non-number class names.  Class
 *   names are sorted bytewise and numbered from 0 (what scikit-learn's
 *   LabelEncoder does), so the ids do not depend on row order.  Whole-number
 *   labels keep their values as ids, unless one is negative (LIBSVM's -1/+1):
 *   then the distinct values, in numeric order, become classes 0..K-1 named
 *   by their values.  --classes fixes the names and their order: class
 *   names must appear in it, ids must be below its length.  A missing label
 *   is NaN in regression and an error in classification.
 * - csv/tsv and libsvm learn the label kind, class names and (libsvm) width
 *   only at the end of the input, so rows are spooled to an unlinked file
 *   in $TMPDIR and written in a second pass; memory holds one batch and the
 *   distinct labels (at most 65536 of them count as classes).  csv without
 *   --label knows its schema after the first line and streams directly.
 * - libsvm: 1-based indices in strictly ascending order; width is the
 *   largest index, or --features; "#" starts a comment; read as svm-train
 *   reads it: "+1" is index 1, a value must be a number ("1:", "1:?",
 *   "1:NA" are errors: an index left out is 0), "qid:N" right after the
 *   label is skipped with a note (nnpipe trains no ranking), a UTF-8
 *   byte-order mark is skipped.
 * - idx: the magic's type byte picks the dtype (u8 i8 i16 i32 f32 f64); the
 *   first dimension counts rows; labels (--labels) are a 1-D idx file of the
 *   same count.  The data must end exactly where the header says: short or
 *   long data is an error (zlib ignores bytes after the last gzip member).
 * - npy: versions 1 to 3, the byte orders numpy writes ('<', '>' swapped
 *   to this machine's, '=' this machine's, '|' for single bytes) of b1 u1
 *   i1 i2 u2 i4 u4 i8 u8 f4 f8, C order; Python 2's shapes (6L, 3L); labels (--labels) are (N,) or (N, 1).
 *   Integer labels become i32 class ids, float labels f32.
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
#include "nn/import.h"
#include "nn/importopts.h"
#include "tool.h"

static const char *opt_out, *opt_format, *opt_delim, *opt_label, *opt_task, *opt_labels,
	*opt_classes, *opt_shape, *opt_x = "x", *opt_y = "y";
static int opt_noheader;
static long long opt_skip, opt_features, opt_level = NN_DEFAULT_LEVEL, opt_threads,   /* 0: tool_compress_threads decides */
	opt_idw = 64;
static nn_strlist opt_drop, opt_ids;

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
	"i32 class ids when they are whole numbers or names (sorted, numbered\n"
	"from 0), f32 otherwise.  Missing values (empty, NA, NaN, ?) become NaN.\n"
	"Any input may be gzip-compressed.  See nn-import(1).",
	options, 1
};

static const char *in_path;          /* INPUT operand, NULL for stdin */
static int task_mode = NN_TASK_AUTO;
static const char *const *classes;   /* --classes, or NULL */
static size_t nclasses;

/* --- small helpers ----------------------------------------------------- */

/* The spool of pass 1 (tool_spool): its errors end the program. */
static void spool_put(FILE *f, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, f) != n)
		tool_die(TOOL_EXIT_DATA, NULL, "temporary file: %s", strerror(errno));
}

static void spool_get(FILE *f, void *p, size_t n)
{
	if (fread(p, 1, n, f) != n)
		tool_die(TOOL_EXIT_DATA, NULL, "temporary file: %s",
		         ferror(f) ? strerror(errno) : "shorter than written");
}

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

/* --shape: the features' shape, checked against the element count. */
static int reshape(const char *path, int ndim, const uint64_t *shape, uint64_t *out)
{
	uint64_t have = 1, want = 1;
	nn_error err;
	int n = nn_parse_dims(opt_shape, out, &err);

	if (n < 0 && !*opt_shape)
		tool_usage("--shape: %s", err.msg);
	if (n < 0)
		tool_usage("--shape '%s': %s", opt_shape, err.msg);
	for (int i = 0; i < ndim; i++)
		have *= shape[i];
	for (int i = 0; i < n; i++)
		want *= out[i];
	if (want != have)
		tool_die(TOOL_EXIT_DATA, tool_name(path), "--shape %s holds %llu values; the rows have %llu",
		         opt_shape, (unsigned long long)want, (unsigned long long)have);
	return n;
}

static void add_field(nn_schema *s, const char *path, const char *name,
                      nn_dtype t, int ndim, const uint64_t *shape)
{
	nn_error err;
	uint64_t shaped[NN_MAX_DIMS];
	if (opt_shape && !strcmp(name, opt_x)) {
		ndim = reshape(path, ndim, shape, shaped);
		shape = shaped;
	}
	if (nn_schema_add_field(s, name, t, ndim, shape, &err))
		tool_die_err(tool_name(path), &err);
}

static void set_classes(nn_schema *s, const char *path, size_t n, const char *const *names)
{
	nn_error err;
	if (n && nn_schema_set_classes(s, s->nfields - 1, n, names, &err))
		tool_die_err(tool_name(path), &err);
}

/* --- gzip-or-plain input: the parsers' source -------------------------- */

typedef struct src {
	nn_gzin *gz;
	const char *path;
} src;

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
	if (nn_labels_plan(L, task_mode, classes ? &class_set : NULL, &p, &err))
		tool_die_err(tool_name(path), &err);
	return p;
}

/* --task auto's decision about whole-number labels, said on stderr. */
static void note_plan(const nn_yplan *p)
{
	if (p->note == NN_YNOTE_CLASSES)
		tool_note("'%s': the labels are %zu distinct whole numbers: taken as classes "
		          "(give --task regress for regression)", tool_name(in_path), p->distinct);
	else if (p->note == NN_YNOTE_VALUES)
		tool_note("'%s': the labels are %zu distinct whole numbers, more than %d: taken as "
		          "regression targets (give --task classify for classes)",
		          tool_name(in_path), p->distinct, NN_AUTO_MAX_CLASSES);
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

static void import_csv(int delim, int argc, char **argv)
{
	const char *name = tool_name(in_path);
	src s;
	nn_error err;
	nn_csv_opts o = { delim, opt_noheader, opt_skip, opt_label,
	                  (const char *const *)opt_drop.v, opt_drop.n,
	                  (const char *const *)opt_ids.v, opt_ids.n, (size_t)opt_idw };
	nn_csv *c;
	const nn_csv_info *in;
	size_t nfeat, chunk, idb;
	uint64_t rows = 0;
	nn_schema *sch;
	nn_writer *w = NULL;
	FILE *spool = NULL;
	float *x;
	double *yv;
	uint32_t *yid;
	unsigned char *y, *ids;
	ptrdiff_t n;

	if (!(c = nn_csv_open(src_open(&s, in_path), &o, &err)))
		tool_die_err(name, &err);
	in = nn_csv_info_of(c);
	nfeat = in->nfeat;
	idb = in->nids * in->id_width;    /* one row's ids */
	sch = schema_new(argc, argv);
	add_field(sch, in_path, opt_x, NN_F32, 1, (uint64_t[]){ nfeat });
	if (in->names && nn_import_names_meta(sch, in->names, in->ncols, in->role, nfeat,
	                                      opt_label ? in->names[in->label_col] : NULL, &err))
		tool_die_err(NULL, &err);
	chunk = batch_rows(nfeat * 4 + 4 + idb);
	x = tool_alloc(chunk * nfeat * 4);
	y = tool_alloc(chunk * 4);
	yv = tool_alloc(chunk * sizeof *yv);
	yid = tool_alloc(chunk * sizeof *yid);
	ids = tool_alloc(chunk * idb + 1);
	if (opt_label) {
		spool = tool_spool();
	} else {
		add_id_fields(sch, in);
		w = tool_writer(sch, opt_level, opt_threads);
	}

	/* Pass 1: parse every row; without a label write it, else spool it,
	 * a batch at a time: the features, the labels' values (f64), their
	 * ids (u32), the id texts.  Every batch but the last has chunk rows. */
	while ((n = nn_csv_read_ids(c, x, yv, yid, ids, chunk, &err)) > 0) {
		rows += (uint64_t)n;
		if (!spool) {
			const void *cols[1 + NN_MAX_FIELDS] = { x };
			for (size_t k = 0; k < in->nids; k++)
				cols[1 + k] = ids + k * chunk * in->id_width;
			tool_write(w, cols, (size_t)n);
			continue;
		}
		spool_put(spool, x, (size_t)n * nfeat * 4);
		spool_put(spool, yv, (size_t)n * sizeof *yv);
		spool_put(spool, yid, (size_t)n * sizeof *yid);
		for (size_t k = 0; k < in->nids; k++)
			spool_put(spool, ids + k * chunk * in->id_width, (size_t)n * in->id_width);
	}
	if (n < 0)
		tool_die_err(name, &err);
	src_close(&s);

	if (spool) {  /* Pass 2: the labels are known; write the spooled rows. */
		nn_yplan p = plan_labels(nn_csv_labels(c), in_path);
		note_plan(&p);
		add_field(sch, in_path, opt_y, p.dtype, 0, NULL);
		set_classes(sch, in_path, p.ncls, p.cls);
		add_id_fields(sch, in);
		w = tool_writer(sch, opt_level, opt_threads);
		spool_rewind(spool);
		for (uint64_t done = 0; done < rows; ) {
			size_t k = rows - done < chunk ? (size_t)(rows - done) : chunk;
			const void *cols[2 + NN_MAX_FIELDS] = { x, y };
			spool_get(spool, x, k * nfeat * 4);
			spool_get(spool, yv, k * sizeof *yv);
			spool_get(spool, yid, k * sizeof *yid);
			for (size_t j = 0; j < in->nids; j++) {
				cols[2 + j] = ids + j * chunk * in->id_width;
				spool_get(spool, ids + j * chunk * in->id_width, k * in->id_width);
			}
			for (size_t i = 0; i < k; i++)
				nn_yplan_apply(&p, yv[i], yid[i], y + i * 4);
			tool_write(w, cols, k);
			done += k;
		}
		fclose(spool);
		nn_yplan_free(&p);
	}
	tool_writer_finish(w);
	nn_csv_close(c);
	free(x);
	free(y);
	free(yv);
	free(yid);
	free(ids);
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
	/* Pass 1: spool each row as nnz (u32), label value (f64), label id
	 * (u32), then nnz pairs of 0-based index (u32) and value (f32). */
	while ((r = nn_libsvm_next(l, &v, &id, &pairs, &nnz, &err)) > 0) {
		spool_put(spool, &nnz, 4);
		spool_put(spool, &v, 8);
		spool_put(spool, &id, 4);
		spool_put(spool, pairs, (size_t)nnz * 8);
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
	size_t w8 = (size_t)width, chunk = batch_rows(w8 * 4 + 4);
	float *x = tool_alloc(chunk * w8 * 4);
	unsigned char *y = tool_alloc(chunk * 4);
	nn_writer *w;

	add_field(sch, in_path, opt_x, NN_F32, 1, &width);
	add_field(sch, in_path, opt_y, p.dtype, 0, NULL);
	set_classes(sch, in_path, p.ncls, p.cls);
	w = tool_writer(sch, opt_level, opt_threads);
	spool_rewind(spool);
	for (uint64_t done = 0; done < rows; ) {
		size_t n;
		memset(x, 0, chunk * w8 * 4);
		for (n = 0; n < chunk && done < rows; n++, done++) {
			spool_get(spool, &nnz, 4);
			spool_get(spool, &v, 8);
			spool_get(spool, &id, 4);
			for (uint32_t k = 0; k < nnz; k++) {
				nn_svm_pair q;
				spool_get(spool, &q, 8);
				x[n * w8 + q.index] = q.value;
			}
			nn_yplan_apply(&p, v, id, y + n * 4);
		}
		tool_write(w, (const void *const[]){ x, y }, n);
	}
	fclose(spool);
	tool_writer_finish(w);
	nn_yplan_free(&p);
	nn_libsvm_close(l);
	free(x);
	free(y);
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
	size_t chunk;
	unsigned char *x, *lraw = NULL, *y = NULL;
	nn_writer *w;

	array_open(&a, &as, in_path, fmt);
	add_field(sch, in_path, opt_x, a.dtype, a.ndim, a.shape);
	if (opt_labels) {
		array_open(&l, &ls, opt_labels, fmt);
		if (l.ndim > 1 || l.row_elems != 1)
			tool_die(TOOL_EXIT_DATA, tool_name(opt_labels),
			         "labels must have one value per row");
		if (l.rows != a.rows)
			tool_die(TOOL_EXIT_DATA, tool_name(opt_labels),
			         "%llu labels for %llu rows of '%s'", (unsigned long long)l.rows,
			         (unsigned long long)a.rows, tool_name(in_path));
		ldt = nn_dtype_is_float(l.dtype) ? NN_F32 : NN_I32;
		if (classes && ldt != NN_I32)
			tool_die(TOOL_EXIT_DATA, tool_name(opt_labels),
			         "--classes needs integer labels, not %s", nn_dtype_name(l.dtype));
		add_field(sch, opt_labels, opt_y, ldt, 0, NULL);
		set_classes(sch, opt_labels, nclasses, classes);
	}
	w = tool_writer(sch, opt_level, opt_threads);
	chunk = batch_rows(a.row_bytes);
	x = tool_alloc(chunk * a.row_bytes);
	if (opt_labels) {
		lraw = tool_alloc(chunk * 8);
		y = tool_alloc(chunk * 4);
	}
	for (uint64_t done = 0; done < a.rows; ) {
		size_t n = a.rows - done < chunk ? (size_t)(a.rows - done) : chunk;
		array_rows(&a, in_path, x, n, done);
		if (opt_labels) {
			nn_error err;
			array_rows(&l, opt_labels, lraw, n, done);
			if (nn_convert(y, ldt, lraw, l.dtype, n, &err)) {
				nn_error_prefix(&err, "rows %llu to %llu", (unsigned long long)done + 1,
				                (unsigned long long)(done + n));
				tool_die_err(tool_name(opt_labels), &err);
			}
			for (size_t i = 0; classes && i < n; i++) {
				int32_t k;
				memcpy(&k, y + 4 * i, 4);
				if (k < 0 || (size_t)k >= nclasses)
					tool_die(TOOL_EXIT_DATA, tool_name(opt_labels),
					         "row %llu: class id %d needs more than the %zu --classes",
					         (unsigned long long)(done + i + 1), (int)k, nclasses);
			}
		}
		tool_write(w, opt_labels ? (const void *const[]){ x, y } : (const void *const[]){ x }, n);
		done += n;
	}
	array_end(&a, &as, in_path);
	if (opt_labels)
		array_end(&l, &ls, opt_labels);
	tool_writer_finish(w);
	nn_schema_free(sch);
	free(x);
	free(lraw);
	free(y);
}

/* --- main -------------------------------------------------------------- */

/* --classes: the names in class_set, in order (its ids are the class ids). */
static void parse_classes(void)
{
	nn_error err;

	if (!opt_classes)
		return;
	if (nn_class_list(&class_set, opt_classes, &err)) {
		if (err.code == NN_ENOMEM)
			tool_die_err(NULL, &err);
		tool_usage("--classes: %s", err.msg);
	}
	classes = (const char *const *)class_set.s;
	nclasses = class_set.n;
}

/* Bad --x, --y or --classes names are usage errors, found before any input
 * is read: try them on a schema of our own. */
static void check_names(void)
{
	nn_error err;
	nn_schema *s = nn_schema_new("data", &err);

	if (!s)
		tool_die_err(NULL, &err);
	/* Out of memory is not the user's mistake: status 1, not 2. */
	if (nn_schema_add_field(s, opt_x, NN_F32, 0, NULL, &err) ||
	    nn_schema_add_field(s, opt_y, NN_I32, 0, NULL, &err)) {
		if (err.code == NN_ENOMEM)
			tool_die_err(NULL, &err);
		tool_usage("--x, --y: %s", err.msg);
	}
	if (nn_schema_set_classes(s, 1, nclasses, classes, &err)) {
		if (err.code == NN_ENOMEM)
			tool_die_err(NULL, &err);
		tool_usage("--classes: %s", err.msg);
	}
	nn_schema_free(s);
}

/* --delimiter: one ASCII character that cannot be part of a number. */
static int parse_delimiter(int fmt)
{
	if (!opt_delim)
		return fmt == NN_IMPORT_TSV ? '\t' : ',';
	if (!strcmp(opt_delim, "\\t") || !strcmp(opt_delim, "tab"))
		return '\t';
	if (strlen(opt_delim) == 1 && (unsigned char)opt_delim[0] >= 0x20 &&
	    (unsigned char)opt_delim[0] < 0x7f && !strchr("\"0123456789.+-eE", opt_delim[0]))
		return opt_delim[0];
	tool_usage("--delimiter: '%s' is not one ASCII character (or \\t), "
	           "nor a quote, a digit, a sign, a point or e", opt_delim);
}

/* The options that belong to other formats are usage errors. */
static void check_options(int fmt)
{
	int csv = fmt == NN_IMPORT_CSV || fmt == NN_IMPORT_TSV, text = csv || fmt == NN_IMPORT_LIBSVM;

	if (!csv && (opt_label || opt_noheader || opt_drop.n || opt_delim || opt_ids.n))
		tool_usage("--label, --no-header, --drop-col, --id and --delimiter are for csv and tsv");
	parse_delimiter(fmt);
	if (!text && (opt_skip || opt_task))
		tool_usage("--skip and --task are for csv, tsv and libsvm");
	if (fmt != NN_IMPORT_LIBSVM && opt_features)
		tool_usage("--features is for libsvm");
	if (text && opt_labels)
		tool_usage("--labels is for idx and npy");
	if (csv && !opt_label && (opt_classes || opt_task))
		tool_usage("--classes and --task need --label");
	if (opt_classes && task_mode == NN_TASK_REGRESS)
		tool_usage("--classes names classes: it cannot go with --task regress");
	if (!text && opt_classes && !opt_labels)
		tool_usage("--classes needs --labels for idx and npy");
	if (opt_labels && !strcmp(opt_labels, "-") && (!in_path || !strcmp(in_path, "-")))
		tool_usage("the input and --labels cannot both be standard input");
}

int main(int argc, char **argv)
{
	nn_strlist ops = { 0 };
	int fmt;

	tool_parse(&cli, argc, argv, &ops);
	in_path = ops.n ? ops.v[0] : NULL;
	if (opt_format)
		fmt = nn_cli_choice(NN_IMPORT_FORMATS, opt_format);
	else if (opt_delim)
		fmt = NN_IMPORT_CSV;          /* a delimiter says what the file is */
	else if ((fmt = nn_import_format_of(in_path)) < 0)
		tool_usage("cannot tell the format of '%s': give --format", in_path);
	if (opt_task)
		task_mode = nn_cli_choice(NN_IMPORT_TASKS, opt_task);
	check_options(fmt);
	parse_classes();
	check_names();

	tool_output_open(opt_out, 1);
	if (fmt == NN_IMPORT_CSV || fmt == NN_IMPORT_TSV)
		import_csv(parse_delimiter(fmt), argc, argv);
	else if (fmt == NN_IMPORT_LIBSVM)
		import_libsvm(argc, argv);
	else
		import_array(fmt, argc, argv);
	nn_strlist_free(&ops);
	nn_strlist_free(&opt_drop);
	nn_strlist_free(&opt_ids);
	return 0;
}
