/* nn-export — write a stream as CSV, TSV, LIBSVM or NPY.
 *
 * Choices the formats leave open:
 * - Columns (csv, tsv): every field in schema order.  A field with one
 *   value per row is one column named after the field; a field of shape
 *   [4] is x_0 … x_3, of shape [28,28] x_0_0 … x_27_27 (row-major).  The
 *   "_" before each index keeps a name that ends in a digit unambiguous.
 * - Numbers: integers as integers; floats with the fewest significant
 *   digits that read back (strtof for f32, strtod for f64) as the same
 *   value, so 0.2f prints as 0.2 and 1/3.f as 0.33333334.  Plain
 *   notation (100, 0.0001, 100000000) unless that takes more than four
 *   leading zeros (1e-05) or trailing zeros that are not exact (1e+15 for
 *   the f32 999999986991104; 1e+20 for anything from 10^16 up).  NaN is
 *   nan, infinities inf and -inf (nn-import reads all three back).
 * - Speed (csv, tsv): shortest digits cost more than decompressing, so
 *   each batch is formatted in --threads parts at once (rows split
 *   evenly), each into a buffer of its own, written in order: the same
 *   bytes for any number of threads.
 * - csv follows RFC 4180 with LF line ends: a name holding the delimiter,
 *   a double quote or a line break, or empty, or with a space at either
 *   end (nn-import trims those) is quoted, its quotes doubled.  tsv quotes
 *   the same way with tab as the delimiter, as nn-import reads it, rather
 *   than fail on a tab in a name.  Numbers never need quotes.
 * - --class-names replaces the ids of integer fields that have class names
 *   (probabilities, float fields with class names, stay numbers); an id
 *   with no name is an error (the data contradicts its own header).
 * - libsvm: one scalar label, then 1-based index:value of every non-zero
 *   element of the feature field, flattened row-major.  LIBSVM has no NaN,
 *   so a NaN feature or label is an error.
 * - npy: format 1.0, one field, shape (rows, *field shape), the field's
 *   own dtype.  The row count is known only at the end: the header is
 *   written with room for a 20-digit count and rewritten with pwrite when
 *   the output is a regular file (always so with -o, which writes a
 *   temporary file); otherwise (a pipe) the data is spooled to an
 *   unlinked file in $TMPDIR and copied out after the header.
 * - The format comes from --format, else from the -o extension (.csv,
 *   .tsv, .tab, .svm, .libsvm, .npy), else csv.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tool.h"
#include "nn/pool.h"
#include "nn/importopts.h"

enum format { CSV, TSV, LIBSVM, NPY };
/* The names of --format and of -o extensions; the last two name TSV and
 * LIBSVM again. */
#define FORMATS "csv|tsv|libsvm|npy|tab|svm"
static const enum format format_of[] = { CSV, TSV, LIBSVM, NPY, TSV, LIBSVM };

static const char *opt_out, *opt_format, *opt_x = "x", *opt_y = "y", *opt_field = "x";
static int opt_names, opt_noheader;
static long long opt_threads = 2;

static const nn_option options[] = {
	NN_OPT_OUTPUT(&opt_out),
	{ 'f', "format", NN_OPT_CHOICE, &opt_format, FORMATS,
	  "output format (default: from the -o extension, else csv)", 0, 0 },
	{ 0, "class-names", NN_OPT_FLAG, &opt_names, NULL,
	  "csv, tsv: write class names instead of class ids", 0, 0 },
	{ 0, "no-header", NN_OPT_FLAG, &opt_noheader, NULL,
	  "csv, tsv: leave out the line of column names", 0, 0 },
	{ 0, "x", NN_OPT_STR, &opt_x, "NAME", "libsvm: the feature field (default x)", 0, 0 },
	{ 0, "y", NN_OPT_STR, &opt_y, "NAME", "libsvm: the label field (default y)", 0, 0 },
	{ 0, "field", NN_OPT_STR, &opt_field, "NAME", "npy: the field to write (default x)", 0, 0 },
	{ 0, "threads", NN_OPT_INT, &opt_threads, "N", "threads this program may use (default 2)", 1, 64 },
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-export", "[OPTIONS] [INPUT]",
	"Write a stream as CSV, TSV, LIBSVM or NPY.",
	"CSV and TSV get one column per element of every field, named after the field\n"
	"(x_0, x_1, ... for a field of shape [N]; x_R_C for [R,C]).  Floats are written\n"
	"with the fewest digits that read back as the same value; NaN as nan.\n"
	"LIBSVM writes the label field, then index:value (from 1) of every non-zero\n"
	"feature.  NPY writes one field as an array of shape (rows, ...).",
	options, 1
};

static const char *in_name;   /* the input, for messages */

/* --- CSV and TSV --------------------------------------------------------- */

static size_t put_name(char *p, const char *s, size_t n, char sep);

/* A name, quoted when a reader (nn-import among them) would otherwise
 * split it, trim it or take it for a missing value. */
static void put_text(FILE *o, const char *s, char sep)
{
	size_t n = strlen(s);
	char *buf = tool_alloc(2 * n + 3);
	fwrite(buf, 1, put_name(buf, s, n, sep), o);
	free(buf);
}

/* Column names from the metadata nn-import keeps from a csv header
 * (nn_import_names_read): feature_names names the elements of the first
 * numeric field of that many values per row, whatever its shape (an image
 * imported with --shape keeps its column names), label_name the first
 * scalar field.
 * Anything else there, or nothing, leaves the generated names. */
static char **feat_names, *label_name;
static size_t nfeat_names;

/* Column k of field f: a name from the metadata, else "x" for one value
 * per row, else "x_I_J…". */
static void put_column_name(FILE *o, const nn_schema *s, size_t f, size_t k, char sep)
{
	const nn_field *fl = &s->fields[f];
	char name[NN_MAX_NAME + 1 + NN_MAX_DIMS * 21];
	size_t len = strlen(fl->name), div = fl->row_elems, fx = 0, fy = 0;

	while (fx < s->nfields && !(s->fields[fx].ndim >= 1 && s->fields[fx].row_elems == nfeat_names &&
	                            s->fields[fx].dtype != NN_STR))
		fx++;
	while (fy < s->nfields && s->fields[fy].ndim != 0)
		fy++;
	if (feat_names && f == fx) {
		put_text(o, feat_names[k], sep);
		return;
	}
	if (label_name && f == fy) {
		put_text(o, label_name, sep);
		return;
	}
	memcpy(name, fl->name, len + 1);
	if (fl->ndim > 0 && fl->row_elems > 1 && fl->dtype != NN_STR)
		for (int d = 0; d < fl->ndim; d++) {
			div /= fl->shape[d];
			len += (size_t)snprintf(name + len, sizeof name - len, "_%zu", k / div % fl->shape[d]);
		}
	put_text(o, name, sep);
}

/* The n bytes of text at s as CSV text at p (room: 2 * n + 2); returns
 * the length.  Quoted (RFC 4180: quotes doubled) when it holds the
 * delimiter, a quote or a line break, is empty, or has a space at either
 * end (nn-import trims those).  Class names, column names and the text of
 * str fields (ids) go through here. */
static size_t put_name(char *p, const char *s, size_t n, char sep)
{
	size_t len = 0;
	int plain = n && s[0] != ' ' && s[n - 1] != ' ';

	for (size_t i = 0; plain && i < n; i++)
		plain = s[i] != sep && s[i] != '"' && s[i] != '\r' && s[i] != '\n';
	if (plain) {
		memcpy(p, s, n);
		return n;
	}
	p[len++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			p[len++] = '"';
		p[len++] = s[i];
	}
	p[len++] = '"';
	return len;
}

/* The text of rows [lo, hi) of a batch, made by one of the formatting
 * threads into its own buffer.  The parts are written in order, so the
 * output is the same for any number of threads. */
struct text_part {
	const nn_schema *s;
	const nn_batch *b;
	size_t lo, hi;
	char sep;
	char *buf;
	size_t len, cap;
	size_t bad_row, bad_field, bad_elem;   /* a class id with no name */
	int bad;
};

static int named(const nn_field *fl)
{
	return opt_names && fl->nclasses && !nn_dtype_is_float(fl->dtype);
}

/* The most bytes one row's text can take. */
static size_t row_text_max(const nn_schema *s)
{
	size_t n = 1;
	for (size_t f = 0; f < s->nfields; f++)
		n += s->fields[f].dtype == NN_STR ? 2 * s->fields[f].row_bytes + 3
		   : s->fields[f].row_elems * ((named(&s->fields[f]) ? 2 * NN_MAX_NAME + 3 : NN_FLOAT_CHARS) + 1);
	return n;
}

static void format_rows(struct text_part *t)
{
	const nn_schema *s = t->s;
	char *p = t->buf;

	for (size_t i = t->lo; i < t->hi; i++) {
		for (size_t f = 0; f < s->nfields; f++) {
			const nn_field *fl = &s->fields[f];
			const void *col = t->b->col[f];
			if (fl->dtype == NN_STR) {   /* text: one column */
				const char *txt = (const char *)col + i * fl->row_bytes;
				if (f)
					*p++ = t->sep;
				p += put_name(p, txt, nn_str_len(txt, fl->row_bytes), t->sep);
				continue;
			}
			for (size_t k = 0, e = i * fl->row_elems; k < fl->row_elems; k++, e++) {
				if (f || k)
					*p++ = t->sep;
				if (!named(fl)) {
					p += nn_format_elem(p, col, fl->dtype, e);
					continue;
				}
				double id = nn_load_f64(col, fl->dtype, e);
				if (!(id >= 0 && id < (double)fl->nclasses)) {
					t->bad = 1;
					t->bad_row = i;
					t->bad_field = f;
					t->bad_elem = e;
					t->len = (size_t)(p - t->buf);
					return;
				}
				p += put_name(p, fl->classes[(size_t)id], strlen(fl->classes[(size_t)id]), t->sep);
			}
		}
		*p++ = '\n';
	}
	t->len = (size_t)(p - t->buf);
}

/* The parts of a batch, one per member of the pool of threads that
 * formats them. */
static struct text_part *parts;
static int nparts;
static nn_pool *pool;

static void format_part(void *ctx, int k)
{
	format_rows((struct text_part *)ctx + k);
}

static void start_format_threads(const nn_schema *s, char sep)
{
	nn_error err = { 0 };
	if (!(pool = nn_pool_new((int)opt_threads, 0, &err)))
		tool_die_err(NULL, &err);
	nparts = nn_pool_size(pool);   /* fewer if some cannot start */
	parts = tool_alloc((size_t)nparts * sizeof *parts);
	memset(parts, 0, (size_t)nparts * sizeof *parts);
	for (int i = 0; i < nparts; i++) {
		parts[i].s = s;
		parts[i].sep = sep;
	}
}

/* Format batch b in nparts parts at once and write them in order. */
static void write_batch_text(nn_reader *r, const nn_batch *b, FILE *o)
{
	size_t per = (b->rows + (size_t)nparts - 1) / (size_t)nparts, most = row_text_max(parts[0].s);

	for (int i = 0; i < nparts; i++) {
		struct text_part *t = &parts[i];
		size_t need;
		t->b = b;
		t->lo = (size_t)i * per < b->rows ? (size_t)i * per : b->rows;
		t->hi = t->lo + per < b->rows ? t->lo + per : b->rows;
		if (nn_size_mul(t->hi - t->lo, most, &need) || need > SIZE_MAX - NN_FLOAT_CHARS)
			tool_die(TOOL_EXIT_DATA, in_name, "out of memory");
		need += NN_FLOAT_CHARS;
		if (need > t->cap) {
			free(t->buf);
			t->buf = tool_alloc(need);
			t->cap = need;
		}
	}
	nn_pool_run(pool, format_part, parts);
	for (int i = 0; i < nparts; i++) {
		struct text_part *t = &parts[i];
		if (t->len)
			fwrite(t->buf, 1, t->len, o);
		if (t->bad) {
			const nn_field *fl = &t->s->fields[t->bad_field];
			tool_die(TOOL_EXIT_DATA, in_name,
			         "row %llu: field '%s' holds class %.0f, which has no name",
			         (unsigned long long)(nn_reader_rows(r) - b->rows + t->bad_row + 1),
			         fl->name, nn_load_f64(b->col[t->bad_field], fl->dtype, t->bad_elem));
		}
	}
}

static void write_text(nn_reader *r, char sep)
{
	const nn_schema *s = nn_reader_schema(r);
	const nn_batch *b;
	FILE *o;

	tool_output_open(opt_out, 0);
	o = tool_output_file();
	if (!opt_noheader) {
		nn_error err = { 0 };
		if (nn_import_names_read(s, &feat_names, &nfeat_names, &label_name, &err))
			tool_die_err(NULL, &err);
		for (size_t f = 0; f < s->nfields; f++)
			for (size_t k = 0; k < (s->fields[f].dtype == NN_STR ? 1 : s->fields[f].row_elems); k++) {
				if (f || k)
					putc(sep, o);
				put_column_name(o, s, f, k, sep);
			}
		putc('\n', o);
	}
	start_format_threads(s, sep);
	while (tool_next(r, in_name, &b)) {
		write_batch_text(r, b, o);
		if (ferror(o))   /* stop early: commit reports the error */
			break;
	}
	tool_output_commit();
}

/* --- LIBSVM -------------------------------------------------------------- */

static size_t need_field(const nn_schema *s, const char *name, const char *opt)
{
	int f = nn_schema_find(s, name);

	if (f < 0)
		tool_die(TOOL_EXIT_DATA, in_name, "no field '%s' (choose one with %s)", name, opt);
	return (size_t)f;
}

static void write_libsvm(nn_reader *r)
{
	const nn_schema *s = nn_reader_schema(r);
	size_t fx = need_field(s, opt_x, "--x"), fy = need_field(s, opt_y, "--y");
	const nn_field *x = &s->fields[fx], *y = &s->fields[fy];
	const nn_batch *b;
	char buf[64];
	FILE *o;

	if (y->row_elems != 1)
		tool_die(TOOL_EXIT_DATA, in_name, "label field '%s' holds %zu values per row; LIBSVM needs one",
		         y->name, y->row_elems);
	tool_output_open(opt_out, 0);
	o = tool_output_file();
	while (tool_next(r, in_name, &b)) {
		for (size_t i = 0; i < b->rows; i++) {
			unsigned long long row = nn_reader_rows(r) - b->rows + i + 1;
			if (isnan(nn_load_f64(b->col[fy], y->dtype, i)))
				tool_die(TOOL_EXIT_DATA, in_name, "row %llu: label is NaN, which LIBSVM cannot hold", row);
			nn_format_elem(buf, b->col[fy], y->dtype, i);
			fputs(buf, o);
			for (size_t k = 0; k < x->row_elems; k++) {
				size_t e = i * x->row_elems + k;
				double v = nn_load_f64(b->col[fx], x->dtype, e);
				if (v == 0)
					continue;
				if (isnan(v))
					tool_die(TOOL_EXIT_DATA, in_name,
					         "row %llu: feature %zu is NaN, which LIBSVM cannot hold", row, k + 1);
				nn_format_elem(buf, b->col[fx], x->dtype, e);
				fprintf(o, " %zu:%s", k + 1, buf);
			}
			putc('\n', o);
		}
		if (ferror(o))
			break;
	}
	tool_output_commit();
}

/* --- NPY ----------------------------------------------------------------- */

static void write_npy(nn_reader *r)
{
	const nn_schema *s = nn_reader_schema(r);
	size_t fi = need_field(s, opt_field, "--field");
	const nn_field *f = &s->fields[fi];
	const nn_batch *b;
	const char *oname;
	char h[1024], copy[1 << 16];
	size_t hlen;
	ssize_t n;
	nn_error err = { 0 };
	struct stat st;
	off_t start;
	FILE *spool = NULL;
	int fd = tool_output_open(opt_out, 1), out = fd;

	/* pwrite the header in place only where it lands where we think:
	 * a regular file not opened for appending */
	oname = tool_output_name();
	start = lseek(fd, 0, SEEK_CUR);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || start < 0 || (fcntl(fd, F_GETFL) & O_APPEND)) {
		spool = tool_spool();
		out = fileno(spool);
	}
	hlen = nn_npy_header(h, f, 0);
	if (!spool && nn_write_all(fd, h, hlen, &err))
		tool_die_err(oname, &err);
	while (tool_next(r, in_name, &b))
		if (nn_write_all(out, b->col[fi], b->rows * f->row_bytes, &err))
			tool_die_err(spool ? "(temporary file)" : oname, &err);
	nn_npy_header(h, f, nn_reader_rows(r));
	if (!spool) {
		if (pwrite(fd, h, hlen, start) != (ssize_t)hlen)
			tool_die(TOOL_EXIT_DATA, oname, "write failed: %s", strerror(errno));
		tool_output_commit();
		return;
	}
	if (nn_write_all(fd, h, hlen, &err))
		tool_die_err(oname, &err);
	if (lseek(out, 0, SEEK_SET) != 0)
		tool_die(TOOL_EXIT_DATA, "(temporary file)", "cannot rewind: %s", strerror(errno));
	while ((n = read(out, copy, sizeof copy)) > 0)
		if (nn_write_all(fd, copy, (size_t)n, &err))
			tool_die_err(oname, &err);
	if (n < 0)
		tool_die(TOOL_EXIT_DATA, "(temporary file)", "read failed: %s", strerror(errno));
	fclose(spool);
	tool_output_commit();
}

/* --- main ---------------------------------------------------------------- */

static enum format pick_format(void)
{
	const char *dot;
	int i;

	if (opt_format)
		return format_of[nn_cli_choice(FORMATS, opt_format)];
	if (opt_out && (dot = strrchr(opt_out, '.')) && !strchr(dot, '/') &&
	    (i = nn_cli_choice(FORMATS, dot + 1)) >= 0)
		return format_of[i];
	return CSV;
}

int main(int argc, char **argv)
{
	nn_strlist operands = { 0 };
	enum format fmt;
	nn_reader *r;

	tool_parse(&cli, argc, argv, &operands);
	fmt = pick_format();
	if (opt_names && (fmt == LIBSVM || fmt == NPY))
		tool_usage("--class-names works with csv and tsv only");
	in_name = tool_name(operands.n ? operands.v[0] : NULL);
	r = tool_reader(operands.n ? operands.v[0] : NULL);
	if (fmt == LIBSVM)
		write_libsvm(r);
	else if (fmt == NPY)
		write_npy(r);
	else
		write_text(r, fmt == TSV ? '\t' : ',');
	nn_reader_close(r);
	nn_import_names_free(feat_names, nfeat_names, label_name);
	nn_strlist_free(&operands);
	return 0;
}
