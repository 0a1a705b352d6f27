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
 *   hold delimiters and line breaks) in both; CRLF or LF line ends; a
 *   UTF-8 byte-order mark is skipped; spaces around an unquoted field are
 *   trimmed; blank lines are skipped.  Missing values (empty, ?, NA, N/A,
 *   n/a, NaN, nan, -nan, NULL, null, None, #N/A, <NA>) become NaN; inf,
 *   +inf, -inf and infinity are infinite; anything else that is not a
 *   decimal number is an error naming the line and column.  Numbers are
 *   parsed by our own syntax check and strtod: nnpipe programs never call
 *   setlocale, so strtod runs in the C locale ('.' is the decimal point).
 *   Values beyond the range of f32 become infinite.
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
 *   largest index, or --features; "#" starts a comment; qid is an error.
 * - idx: the magic's type byte picks the dtype (u8 i8 i16 i32 f32 f64); the
 *   first dimension counts rows; labels (--labels) are a 1-D idx file of the
 *   same count.  The data must end exactly where the header says: short or
 *   long data is an error (zlib ignores bytes after the last gzip member).
 * - npy: versions 1 to 3, little-endian or single-byte dtypes (b1 u1 i1 i2
 *   u2 i4 u4 i8 u8 f4 f8), C order; labels (--labels) are (N,) or (N, 1).
 *   Integer labels become i32 class ids, float labels f32.
 * - --classes fashion-mnist names the ten Fashion-MNIST classes.
 * - The stream's metadata holds feature_names and label_name when a csv or
 *   tsv header gave them.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <msgpack.h>
#include <zlib.h>
#include "tool.h"

#define ROW_MAX     (NN_MAX_OBJECT_BYTES / 2)  /* bytes in one row (schema limit) */
#define RECORD_MAX  (64u << 20)                /* bytes in one text record */
#define NPY_HDR_MAX (1u << 20)                 /* bytes in an npy header */

enum format { F_CSV, F_TSV, F_LIBSVM, F_IDX, F_NPY };
enum task { T_AUTO, T_CLASSIFY, T_REGRESS };

static const char *opt_out, *opt_format, *opt_label, *opt_task, *opt_labels,
	*opt_classes, *opt_shape, *opt_x = "x", *opt_y = "y";
static int opt_noheader;
static long long opt_skip, opt_features, opt_level = NN_DEFAULT_LEVEL, opt_threads = 1;
static nn_strlist opt_drop;

static const nn_option options[] = {
	{ 'f', "format", NN_OPT_STR, &opt_format, "FMT",
	  "csv, tsv, libsvm, idx or npy (default: from the file name, else csv)", 0, 0 },
	{ 0, "label", NN_OPT_STR, &opt_label, "COL",
	  "csv, tsv: the label column, by name or 0-based index", 0, 0 },
	{ 0, "no-header", NN_OPT_FLAG, &opt_noheader, NULL,
	  "csv, tsv: the first line is data, not column names", 0, 0 },
	{ 0, "drop-col", NN_OPT_LIST, &opt_drop, "COL",
	  "csv, tsv: leave out column COL, by name or index", 0, 0 },
	{ 0, "skip", NN_OPT_INT, &opt_skip, "N",
	  "csv, tsv, libsvm: skip N lines at the start", 0, 1e15 },
	{ 0, "task", NN_OPT_STR, &opt_task, "TASK",
	  "csv, tsv, libsvm: labels are auto, classify or regress (default auto)", 0, 0 },
	{ 0, "features", NN_OPT_INT, &opt_features, "N",
	  "libsvm: N features (default: the largest index)", 1, ROW_MAX / 4 },
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

static const char *const fashion_mnist[] = {
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
};

static const char *in_path;          /* INPUT operand, NULL for stdin */
static enum task task_mode = T_AUTO;
static const char *const *classes;   /* --classes, or NULL */
static size_t nclasses;

/* --- small helpers ----------------------------------------------------- */

/* A value shown in a message: at most 40 bytes, quoted by the caller. */
static const char *shorten(const char *s)
{
	static char buf[48];
	if (strlen(s) <= 40)
		return s;
	snprintf(buf, sizeof buf, "%.37s...", s);
	return buf;
}

enum { VAL_OK, VAL_MISSING, VAL_BAD };

static const char *const missing_tokens[] = {
	"", "?", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "NULL", "null",
	"None", "#N/A", "<NA>"
};

/* Parse a decimal number ([+-] digits [. digits] [e [+-] digits]), an
 * infinity or a missing-value token.  The syntax is checked here so that
 * strtod's extras (hex, nan(...), leading spaces) are not accepted;
 * strtod then runs in the C locale because nnpipe never calls setlocale. */
static int parse_value(const char *s, double *out)
{
	const char *p = s;
	int digits = 0;
	char *end;

	for (size_t i = 0; i < sizeof missing_tokens / sizeof *missing_tokens; i++)
		if (!strcmp(s, missing_tokens[i])) {
			*out = NAN;
			return VAL_MISSING;
		}
	if (*p == '+' || *p == '-')
		p++;
	if (!strcasecmp(p, "inf") || !strcasecmp(p, "infinity")) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return VAL_OK;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (!digits)
		return VAL_BAD;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return VAL_BAD;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return VAL_BAD;
	*out = strtod(s, &end);  /* out of range: ±HUGE_VAL or a denormal, both fine */
	return *end ? VAL_BAD : VAL_OK;
}

static int host_is_le(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

/* Reverse the bytes of n elements of size esize (big-endian <-> host). */
static void swap_bytes(void *buf, size_t n, size_t esize)
{
	unsigned char *p = buf;
	if (esize < 2)
		return;
	for (size_t i = 0; i < n; i++, p += esize)
		for (size_t a = 0, b = esize - 1; a < b; a++, b--) {
			unsigned char t = p[a];
			p[a] = p[b];
			p[b] = t;
		}
}

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
	int n = 0;
	const char *p = opt_shape;
	for (int i = 0; i < ndim; i++)
		have *= shape[i];
	while (*p) {
		long long v;
		char part[32];
		size_t len = strcspn(p, ",");
		if (n == NN_MAX_DIMS || len == 0 || len >= sizeof part)
			tool_usage("--shape '%s': expected up to %d sizes separated by commas", opt_shape, NN_MAX_DIMS);
		memcpy(part, p, len);
		part[len] = 0;
		if (nn_parse_ll(part, 1, 1ll << 40, &v))
			tool_usage("--shape '%s': '%s' is not a size", opt_shape, part);
		out[n++] = (uint64_t)v;
		want *= (uint64_t)v;
		p += len + (p[len] == ',');
	}
	if (n == 0)
		tool_usage("--shape: no sizes given");
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

/* --- gzip-or-plain input ----------------------------------------------- */

typedef struct src {
	gzFile gz;
	const char *path;
	int fd;
	off_t start;     /* offset of fd when opened (-1: not seekable) */
	unsigned char buf[1 << 16];
	size_t pos, len;
	int eof;
	uint64_t line;   /* line breaks consumed so far */
} src;

static void src_open(src *s, const char *path)
{
	memset(s, 0, sizeof *s);
	s->path = path;
	s->fd = tool_open_in(path);
	s->start = lseek(s->fd, 0, SEEK_CUR);
	if (!(s->gz = gzdopen(s->fd, "rb")))
		tool_die(TOOL_EXIT_DATA, tool_name(path), "out of memory");
	gzbuffer(s->gz, 1 << 17);
}

static void src_close(src *s)
{
	int rc = gzclose_r(s->gz);
	if (rc != Z_OK)
		tool_die(TOOL_EXIT_DATA, tool_name(s->path), "close: %s",
		         rc == Z_ERRNO ? strerror(errno) : "gzip error");
}

/* After a short read: fail on a cut gzip member or a read error. */
static void src_check(src *s)
{
	int code;
	const char *m = gzerror(s->gz, &code);
	if (code == Z_BUF_ERROR)
		tool_die(TOOL_EXIT_DATA, tool_name(s->path), "truncated gzip data");
	if (code == Z_ERRNO)
		tool_die(TOOL_EXIT_DATA, tool_name(s->path), "read: %s", strerror(errno));
	if (code != Z_OK)
		tool_die(TOOL_EXIT_DATA, tool_name(s->path), "gzip: %s", m);
}

/* Read up to n bytes from the buffer and the file; less only at the end. */
static size_t src_read(src *s, void *dst, size_t n)
{
	unsigned char *d = dst;
	size_t got = s->len - s->pos < n ? s->len - s->pos : n;

	memcpy(d, s->buf + s->pos, got);
	s->pos += got;
	while (got < n && !s->eof) {
		size_t want = n - got < (1u << 30) ? n - got : (1u << 30);
		int r = gzread(s->gz, d + got, (unsigned)want);
		if (r <= 0) {
			src_check(s);
			s->eof = 1;
			break;
		}
		got += (size_t)r;
	}
	return got;
}

static int src_fill(src *s)
{
	int r;
	if (s->eof)
		return 0;
	r = gzread(s->gz, s->buf, sizeof s->buf);
	if (r <= 0) {
		src_check(s);
		s->eof = 1;
		return 0;
	}
	s->pos = 0;
	s->len = (size_t)r;
	return 1;
}

static inline int src_getc(src *s)
{
	if (s->pos == s->len && !src_fill(s))
		return EOF;
	return s->buf[s->pos++];
}

static inline int src_peek(src *s)
{
	if (s->pos == s->len && !src_fill(s))
		return EOF;
	return s->buf[s->pos];
}

/* The whole input must have been read: nothing may follow. */
static void src_expect_end(src *s, uint64_t rows)
{
	unsigned char c;
	if (src_read(s, &c, 1))
		tool_die(TOOL_EXIT_DATA, tool_name(s->path),
		         "trailing data after the %llu rows the header announces",
		         (unsigned long long)rows);
}

static void skip_lines(src *s, long long n)
{
	for (int c; n > 0 && (c = src_getc(s)) != EOF; )
		if (c == '\n') {
			s->line++;
			n--;
		}
}

/* --- text records ------------------------------------------------------ */

typedef struct record {
	char *buf;          /* fields, each NUL-terminated */
	size_t len, cap;
	size_t *off;        /* start of each field in buf */
	size_t nf, fcap;
	uint64_t line;      /* line the record starts on */
} record;

static void rec_putc(record *r, const src *s, int c)
{
	if (c == 0)
		tool_die(TOOL_EXIT_DATA, tool_name(s->path), "line %llu: NUL byte (a binary file?)",
		         (unsigned long long)r->line);
	if (r->len == r->cap) {
		if (r->cap >= RECORD_MAX)
			tool_die(TOOL_EXIT_DATA, tool_name(s->path), "line %llu: longer than %u MiB",
			         (unsigned long long)r->line, RECORD_MAX >> 20);
		r->cap = r->cap ? 2 * r->cap : 4096;
		r->buf = tool_realloc(r->buf, r->cap);
	}
	r->buf[r->len++] = (char)c;
}

static void rec_field(record *r)
{
	if (r->nf == r->fcap) {
		r->fcap = r->fcap ? 2 * r->fcap : 64;
		r->off = tool_realloc(r->off, r->fcap * sizeof *r->off);
	}
	r->off[r->nf++] = r->len;
}

#define FIELD(r, i) ((r)->buf + (r)->off[i])

/* Read one CSV/TSV record; 0 at the end of the input.  Blank lines are
 * skipped.  Quoted fields may span lines. */
static int read_record(src *s, record *r, int delim)
{
	for (;;) {
		int c, quoted = 0;
		r->len = r->nf = 0;
		r->line = s->line + 1;
		if (src_peek(s) == EOF)
			return 0;
		for (;;) {  /* one field per turn */
			rec_field(r);
			c = src_getc(s);
			while (c == ' ' || (c == '\t' && delim != '\t'))
				c = src_getc(s);
			if (c == '"') {
				quoted = 1;
				for (;;) {
					c = src_getc(s);
					if (c == EOF)
						tool_die(TOOL_EXIT_DATA, tool_name(s->path),
						         "line %llu: unterminated quoted field",
						         (unsigned long long)r->line);
					if (c == '"' && (c = src_getc(s)) != '"')
						break;
					if (c == '\n')
						s->line++;
					rec_putc(r, s, c);
				}
				while (c == ' ' || (c == '\t' && delim != '\t'))
					c = src_getc(s);
				if (c == '\r' && src_peek(s) == '\n')
					c = src_getc(s);
				if (c != delim && c != '\n' && c != EOF)
					tool_die(TOOL_EXIT_DATA, tool_name(s->path),
					         "line %llu: text after a closing quote",
					         (unsigned long long)s->line + 1);
			} else {
				size_t start = r->len;
				for (; c != delim && c != '\n' && c != EOF; c = src_getc(s))
					rec_putc(r, s, c);
				while (r->len > start && (r->buf[r->len - 1] == ' ' ||
				       r->buf[r->len - 1] == '\r' ||
				       (r->buf[r->len - 1] == '\t' && delim != '\t')))
					r->len--;
			}
			rec_putc(r, s, 1);  /* placeholder, replaced by the NUL */
			r->buf[r->len - 1] = 0;
			if (c != delim)
				break;
		}
		if (c == '\n')
			s->line++;
		if (r->nf > 1 || quoted || r->buf[0])
			return 1;
	}
}

/* A text line (libsvm); 0 at the end.  The line break is removed. */
static int read_line(src *s, record *r)
{
	int c;
	r->len = r->nf = 0;
	r->line = s->line + 1;
	if (src_peek(s) == EOF)
		return 0;
	while ((c = src_getc(s)) != EOF && c != '\n')
		rec_putc(r, s, c);
	if (c == '\n')
		s->line++;
	if (r->len && r->buf[r->len - 1] == '\r')
		r->len--;
	rec_putc(r, s, 1);
	r->buf[r->len - 1] = 0;
	return 1;
}

/* --- labels: collected in the first pass, decided at the end ------------ */

/* A set of strings in order of first appearance, with the line each first
 * appeared on; it stops growing at NN_MAX_CLASSES entries. */
typedef struct strset {
	char **s;
	uint64_t *line;
	size_t n, scap;
	uint32_t *slot;     /* open addressing: entry index + 1, 0 = empty */
	size_t cap;         /* slots, a power of two */
	int full;
} strset;

#define NO_ID UINT32_MAX

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The id of s, or NO_ID; *at is the slot where s is or would go. */
static uint32_t strset_find(const strset *t, const char *s, size_t *at)
{
	size_t i = 0;
	if (t->cap)
		for (i = hash_str(s) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
			if (!strcmp(t->s[t->slot[i] - 1], s))
				return t->slot[i] - 1;
	*at = i;
	return NO_ID;
}

static uint32_t strset_add(strset *t, const char *s, uint64_t line)
{
	size_t i;
	uint32_t id;
	if (2 * (t->n + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 64;
		uint32_t *ns = tool_alloc(ncap * sizeof *ns);
		memset(ns, 0, ncap * sizeof *ns);
		for (size_t k = 0; k < t->n; k++) {
			for (i = hash_str(t->s[k]) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = (uint32_t)k + 1;
		}
		free(t->slot);
		t->slot = ns;
		t->cap = ncap;
	}
	if ((id = strset_find(t, s, &i)) != NO_ID)
		return id;
	if (t->n >= NN_MAX_CLASSES) {
		t->full = 1;
		return NO_ID;
	}
	if (t->n == t->scap) {
		t->scap = t->scap ? 2 * t->scap : 16;
		t->s = tool_realloc(t->s, t->scap * sizeof *t->s);
		t->line = tool_realloc(t->line, t->scap * sizeof *t->line);
	}
	t->s[t->n] = strdup(s);
	if (!t->s[t->n])
		tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
	t->line[t->n] = line;
	t->slot[i] = (uint32_t)t->n + 1;
	return (uint32_t)t->n++;
}

static void strset_free(strset *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->line);
	free(t->slot);
}

static strset class_set;             /* --classes, for lookups */

typedef struct labels {
	const char *column;       /* for messages: "column 'species'" or "" */
	strset names;             /* distinct non-missing label texts */
	strset ints;              /* distinct whole-number labels, as "%d" */
	uint64_t missing_line, nonnum_line, nonint_line, min_line, max_line;
	char nonnum_text[48];
	int32_t min, max;
} labels;

/* Record one label: its value (NaN unless a number) and the id of its text. */
static void label_add(labels *L, const char *text, uint64_t line, double *v, uint32_t *id)
{
	int r = parse_value(text, v);
	*id = NO_ID;
	if (r == VAL_MISSING) {
		if (!L->missing_line)
			L->missing_line = line;
		return;
	}
	*id = strset_add(&L->names, text, line);
	if (r == VAL_BAD) {
		*v = NAN;
		if (!L->nonnum_line) {
			L->nonnum_line = line;
			snprintf(L->nonnum_text, sizeof L->nonnum_text, "%s", shorten(text));
		}
	} else if (*v == floor(*v) && *v >= INT32_MIN && *v <= INT32_MAX) {
		char buf[16];
		int32_t k = (int32_t)*v;
		snprintf(buf, sizeof buf, "%d", (int)k);
		strset_add(&L->ints, buf, line);
		if (!L->min_line || k < L->min) {
			L->min = k;
			L->min_line = line;
		}
		if (!L->max_line || k > L->max) {
			L->max = k;
			L->max_line = line;
		}
	} else if (!L->nonint_line) {
		L->nonint_line = line;
	}
}

enum { Y_VALUE, Y_ID, Y_REMAP, Y_NAMES };

/* How spooled labels become y, decided once the whole input was seen. */
typedef struct yplan {
	int how;
	int32_t *ints;            /* Y_REMAP: the distinct values, sorted */
	size_t nints;
	uint32_t *map;            /* Y_NAMES: class id of each name id */
	size_t ncls;
	const char *const *cls;   /* class names for the schema, or none */
	const char **own;         /* cls when made here (the array is freed) */
} yplan;

static const char *const *sort_base;

static int cmp_name_idx(const void *a, const void *b)
{
	return strcmp(sort_base[*(const uint32_t *)a], sort_base[*(const uint32_t *)b]);
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static yplan label_plan(labels *L, const char *path)
{
	const char *name = tool_name(path);
	yplan p = { 0 };
	enum task t = task_mode;

	if (t == T_AUTO)
		t = L->nonnum_line || !L->nonint_line || classes ? T_CLASSIFY : T_REGRESS;
	if (t == T_REGRESS) {
		if (L->nonnum_line)
			tool_die(TOOL_EXIT_DATA, name, "line %llu%s: label is not a number: '%s'",
			         (unsigned long long)L->nonnum_line, L->column, L->nonnum_text);
		p.how = Y_VALUE;
		return p;
	}
	if (L->missing_line)
		tool_die(TOOL_EXIT_DATA, name, "line %llu%s: missing label",
		         (unsigned long long)L->missing_line, L->column);
	if (L->nonnum_line || L->nonint_line) {  /* class names */
		if (L->names.full)
			tool_die(TOOL_EXIT_DATA, name, "more than %d distinct labels", NN_MAX_CLASSES);
		p.how = Y_NAMES;
		p.map = tool_alloc((L->names.n ? L->names.n : 1) * sizeof *p.map);
		if (classes) {
			for (size_t i = 0; i < L->names.n; i++) {
				size_t at;
				uint32_t j = strset_find(&class_set, L->names.s[i], &at);
				if (j == NO_ID)
					tool_die(TOOL_EXIT_DATA, name, "line %llu%s: label '%s' is not in --classes",
					         (unsigned long long)L->names.line[i], L->column,
					         shorten(L->names.s[i]));
				p.map[i] = j;
			}
			p.ncls = nclasses;
			p.cls = classes;
			return p;
		}
		uint32_t *order = tool_alloc((L->names.n ? L->names.n : 1) * sizeof *order);
		for (size_t i = 0; i < L->names.n; i++) {
			const char *c = L->names.s[i];
			while (*c && (unsigned char)*c >= 0x20 && *c != 0x7f)
				c++;
			if (*c || c - L->names.s[i] > NN_MAX_NAME)
				tool_die(TOOL_EXIT_DATA, name, "line %llu%s: a class name must have 1 to %d "
				         "bytes and no control characters", (unsigned long long)L->names.line[i],
				         L->column, NN_MAX_NAME);
			order[i] = (uint32_t)i;
		}
		sort_base = (const char *const *)L->names.s;
		qsort(order, L->names.n, sizeof *order, cmp_name_idx);
		p.own = tool_alloc((L->names.n ? L->names.n : 1) * sizeof *p.own);
		for (size_t r = 0; r < L->names.n; r++) {
			p.map[order[r]] = (uint32_t)r;
			p.own[r] = L->names.s[order[r]];
		}
		p.cls = p.own;
		p.ncls = L->names.n;
		free(order);
		return p;
	}
	if (classes) {  /* whole numbers named by --classes */
		if (L->min_line && L->min < 0)
			tool_die(TOOL_EXIT_DATA, name, "line %llu%s: class id %d is negative",
			         (unsigned long long)L->min_line, L->column, (int)L->min);
		if (L->max_line && (size_t)L->max >= nclasses)
			tool_die(TOOL_EXIT_DATA, name, "line %llu%s: class id %d needs more than the %zu --classes",
			         (unsigned long long)L->max_line, L->column, (int)L->max, nclasses);
		p.how = Y_ID;
		p.ncls = nclasses;
		p.cls = classes;
		return p;
	}
	if (!L->min_line || L->min >= 0) {
		p.how = Y_ID;
		return p;
	}
	if (L->ints.full)
		tool_die(TOOL_EXIT_DATA, name, "more than %d distinct labels", NN_MAX_CLASSES);
	p.how = Y_REMAP;
	p.nints = L->ints.n;
	p.ints = tool_alloc(p.nints * sizeof *p.ints);
	for (size_t i = 0; i < p.nints; i++)
		p.ints[i] = (int32_t)strtol(L->ints.s[i], NULL, 10);
	qsort(p.ints, p.nints, sizeof *p.ints, cmp_i32);
	p.own = tool_alloc(p.nints * sizeof *p.own);
	for (size_t i = 0; i < p.nints; i++) {
		char buf[16];
		size_t at;
		snprintf(buf, sizeof buf, "%d", (int)p.ints[i]);
		p.own[i] = L->ints.s[strset_find(&L->ints, buf, &at)];
	}
	p.cls = p.own;
	p.ncls = p.nints;
	return p;
}

static void plan_free(yplan *p)
{
	free(p->own);
	free(p->ints);
	free(p->map);
}

static nn_dtype plan_dtype(const yplan *p)
{
	return p->how == Y_VALUE ? NN_F32 : NN_I32;
}

/* Store the y value of one row (4 bytes: f32 or i32). */
static void plan_apply(const yplan *p, double v, uint32_t id, void *dst)
{
	float f;
	int32_t k;
	const int32_t *hit;

	switch (p->how) {
	case Y_VALUE:
		f = (float)v;
		memcpy(dst, &f, 4);
		return;
	case Y_ID:
		k = (int32_t)v;
		break;
	case Y_REMAP:
		k = (int32_t)v;
		hit = bsearch(&k, p->ints, p->nints, sizeof k, cmp_i32);
		k = (int32_t)(hit - p->ints);
		break;
	default:
		k = (int32_t)p->map[id];
		break;
	}
	memcpy(dst, &k, 4);
}

/* --- csv, tsv ---------------------------------------------------------- */

enum { ROLE_FEATURE, ROLE_LABEL, ROLE_DROP };

/* Index of the column spec names: a header name, else a 0-based index
 * (negative from the end).  A column the file lacks is a data error: the
 * same command line may suit another file. */
static size_t find_column(const char *spec, char **names, size_t ncols, const char *path)
{
	long long k;
	if (names)
		for (size_t i = 0; i < ncols; i++)
			if (!strcmp(names[i], spec))
				return i;
	if (!nn_parse_ll(spec, -(long long)ncols, (long long)ncols - 1, &k))
		return k < 0 ? (size_t)(k + (long long)ncols) : (size_t)k;
	tool_die(TOOL_EXIT_DATA, tool_name(path), "no column '%s' among the %zu columns",
	         shorten(spec), ncols);
}

static void col_desc(char *buf, size_t n, char **names, size_t i)
{
	if (names)
		snprintf(buf, n, ", column '%s'", shorten(names[i]));
	else
		snprintf(buf, n, ", column %zu", i);
}

/* Metadata {feature_names: [...], label_name: "..."} from the header. */
static void csv_meta(nn_schema *s, char **names, size_t ncols, const unsigned char *role,
                     size_t nfeat, const char *label)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	nn_error err;
	int bad;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	bad = msgpack_pack_map(&pk, label ? 2 : 1);
	bad |= msgpack_pack_str_with_body(&pk, "feature_names", 13);
	bad |= msgpack_pack_array(&pk, nfeat);
	for (size_t i = 0; i < ncols; i++)
		if (role[i] == ROLE_FEATURE)
			bad |= msgpack_pack_str_with_body(&pk, names[i], strlen(names[i]));
	if (label) {
		bad |= msgpack_pack_str_with_body(&pk, "label_name", 10);
		bad |= msgpack_pack_str_with_body(&pk, label, strlen(label));
	}
	if (bad)
		tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
	/* A header too large for readers is worse than no names. */
	if (sb.size <= NN_MAX_HEADER_BYTES / 4 && nn_schema_set_meta(s, sb.data, sb.size, &err))
		tool_die_err(NULL, &err);
	msgpack_sbuffer_destroy(&sb);
}

static void import_csv(int delim, int argc, char **argv)
{
	const char *name = tool_name(in_path);
	src *s = tool_alloc(sizeof *s);
	record r = { 0 };
	char **names = NULL, desc[300];
	unsigned char *role;
	size_t ncols, nfeat = 0, label_col = SIZE_MAX, chunk, n = 0, rec_bytes;
	uint64_t rows = 0;
	labels L = { 0 };
	nn_schema *sch;
	nn_writer *w = NULL;
	FILE *spool = NULL;
	float *x;
	unsigned char *y, *rec;

	src_open(s, in_path);
	if (src_peek(s) == 0xEF && s->len >= 3 && !memcmp(s->buf, "\xEF\xBB\xBF", 3))
		s->pos = 3;  /* a UTF-8 byte-order mark */
	skip_lines(s, opt_skip);
	if (!read_record(s, &r, delim))
		tool_die(TOOL_EXIT_DATA, name, "no %s: the input is empty",
		         opt_noheader ? "rows" : "header line");
	ncols = r.nf;
	if (!opt_noheader) {
		names = tool_alloc(ncols * sizeof *names);
		for (size_t i = 0; i < ncols; i++)
			if (!(names[i] = strdup(FIELD(&r, i))))
				tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
	}
	role = tool_alloc(ncols);
	memset(role, ROLE_FEATURE, ncols);
	for (size_t i = 0; i < opt_drop.n; i++)
		role[find_column(opt_drop.v[i], names, ncols, in_path)] = ROLE_DROP;
	if (opt_label) {
		label_col = find_column(opt_label, names, ncols, in_path);
		if (role[label_col] == ROLE_DROP)
			tool_die(TOOL_EXIT_DATA, name, "column '%s' is both --label and --drop-col",
			         shorten(opt_label));
		role[label_col] = ROLE_LABEL;
		col_desc(desc, sizeof desc, names, label_col);
		L.column = desc;
	}
	for (size_t i = 0; i < ncols; i++)
		nfeat += role[i] == ROLE_FEATURE;
	if (!nfeat)
		tool_die(TOOL_EXIT_DATA, name, "no feature columns are left");

	sch = schema_new(argc, argv);
	add_field(sch, in_path, opt_x, NN_F32, 1, (uint64_t[]){ nfeat });
	if (names)
		csv_meta(sch, names, ncols, role, nfeat,
		         opt_label ? names[label_col] : NULL);
	rec_bytes = nfeat * 4 + 12;  /* features, label value (f64), label id (u32) */
	chunk = batch_rows(nfeat * 4 + 4);
	x = tool_alloc(chunk * nfeat * 4);
	y = tool_alloc(chunk * 4);
	rec = tool_alloc(rec_bytes);
	if (opt_label)
		spool = tool_spool();
	else
		w = tool_writer(sch, opt_level, opt_threads);

	/* Pass 1: parse every row; without a label write it, else spool it. */
	for (int more = opt_noheader || read_record(s, &r, delim); more;
	     more = read_record(s, &r, delim)) {
		float *row = x + n * nfeat;
		size_t k = 0;
		double v = NAN;
		uint32_t id = NO_ID;

		if (r.nf != ncols)
			tool_die(TOOL_EXIT_DATA, name, "line %llu: expected %zu columns, found %zu",
			         (unsigned long long)r.line, ncols, r.nf);
		for (size_t i = 0; i < ncols; i++) {
			if (role[i] == ROLE_LABEL) {
				label_add(&L, FIELD(&r, i), r.line, &v, &id);
			} else if (role[i] == ROLE_FEATURE) {
				double d;
				if (parse_value(FIELD(&r, i), &d) == VAL_BAD) {
					char c[300];
					col_desc(c, sizeof c, names, i);
					tool_die(TOOL_EXIT_DATA, name, "line %llu%s: not a number: '%s'",
					         (unsigned long long)r.line, c, shorten(FIELD(&r, i)));
				}
				row[k++] = (float)d;
			}
		}
		rows++;
		if (spool) {
			memcpy(rec, row, nfeat * 4);
			memcpy(rec + nfeat * 4, &v, 8);
			memcpy(rec + nfeat * 4 + 8, &id, 4);
			spool_put(spool, rec, rec_bytes);
		} else if (++n == chunk) {
			tool_write(w, (const void *const[]){ x }, n);
			n = 0;
		}
	}
	src_close(s);

	if (spool) {  /* Pass 2: the labels are known; write the spooled rows. */
		yplan p = label_plan(&L, in_path);
		add_field(sch, in_path, opt_y, plan_dtype(&p), 0, NULL);
		set_classes(sch, in_path, p.ncls, p.cls);
		w = tool_writer(sch, opt_level, opt_threads);
		spool_rewind(spool);
		for (uint64_t done = 0; done < rows; ) {
			for (n = 0; n < chunk && done < rows; n++, done++) {
				double v;
				uint32_t id;
				spool_get(spool, rec, rec_bytes);
				memcpy(x + n * nfeat, rec, nfeat * 4);
				memcpy(&v, rec + nfeat * 4, 8);
				memcpy(&id, rec + nfeat * 4 + 8, 4);
				plan_apply(&p, v, id, y + n * 4);
			}
			tool_write(w, (const void *const[]){ x, y }, n);
		}
		fclose(spool);
		plan_free(&p);
	} else if (n) {
		tool_write(w, (const void *const[]){ x }, n);
	}
	tool_writer_finish(w);
	for (size_t i = 0; names && i < ncols; i++)
		free(names[i]);
	free(names);
	free(role);
	free(x);
	free(y);
	free(rec);
	free(r.buf);
	free(r.off);
	free(s);
	strset_free(&L.names);
	strset_free(&L.ints);
	nn_schema_free(sch);
}

/* The next blank-separated token of a LIBSVM line, NUL-terminated in
 * place, with *p moved past it; NULL at the end of the line. */
static char *next_token(char **p)
{
	char *tok;

	*p += strspn(*p, " \t");
	if (!**p)
		return NULL;
	tok = *p;
	*p += strcspn(*p, " \t");
	if (**p)
		*(*p)++ = 0;
	return tok;
}

/* --- libsvm ------------------------------------------------------------ */

static void import_libsvm(int argc, char **argv)
{
	const char *name = tool_name(in_path);
	src *s = tool_alloc(sizeof *s);
	record r = { 0 };
	labels L = { 0 };
	uint64_t rows = 0, width = (uint64_t)opt_features;
	uint64_t limit = opt_features ? (uint64_t)opt_features : ROW_MAX / 4;
	FILE *spool = tool_spool();
	unsigned char *pairs = NULL;
	size_t pcap = 0;

	L.column = "";
	src_open(s, in_path);
	skip_lines(s, opt_skip);
	/* Pass 1: spool each row as nnz (u32), label value (f64), label id
	 * (u32), then nnz pairs of 0-based index (u32) and value (f32). */
	while (read_line(s, &r)) {
		char *p = r.buf, *tok, *hash = strchr(r.buf, '#');
		uint32_t nnz = 0, id;
		uint64_t last = 0;
		double v;

		if (hash)
			*hash = 0;
		if (!(tok = next_token(&p)))
			continue;
		if (parse_value(tok, &v) == VAL_BAD)
			tool_die(TOOL_EXIT_DATA, name, "line %llu: label is not a number: '%s'",
			         (unsigned long long)r.line, shorten(tok));
		label_add(&L, tok, r.line, &v, &id);
		for (;;) {
			char *colon;
			long long idx;
			double val;
			float f;
			uint32_t i32;

			if (!(tok = next_token(&p)))
				break;
			if (!(colon = strchr(tok, ':')))
				tool_die(TOOL_EXIT_DATA, name, "line %llu: '%s' is not index:value",
				         (unsigned long long)r.line, shorten(tok));
			*colon = 0;
			if (nn_parse_ll(tok, 1, LLONG_MAX, &idx))
				tool_die(TOOL_EXIT_DATA, name, "line %llu: bad index '%s'%s",
				         (unsigned long long)r.line, shorten(tok),
				         strcmp(tok, "0") ? "" : " (indices start at 1)");
			if ((uint64_t)idx > limit)
				tool_die(TOOL_EXIT_DATA, name, "line %llu: index %lld is beyond %s %llu",
				         (unsigned long long)r.line, idx,
				         opt_features ? "--features" : "the limit of",
				         (unsigned long long)limit);
			if ((uint64_t)idx <= last)
				tool_die(TOOL_EXIT_DATA, name, "line %llu: index %lld does not ascend",
				         (unsigned long long)r.line, idx);
			last = (uint64_t)idx;
			if (parse_value(colon + 1, &val) == VAL_BAD)
				tool_die(TOOL_EXIT_DATA, name, "line %llu, index %lld: not a number: '%s'",
				         (unsigned long long)r.line, idx, shorten(colon + 1));
			if ((size_t)nnz * 8 + 8 > pcap) {
				pcap = pcap ? 2 * pcap : 4096;
				pairs = tool_realloc(pairs, pcap);
			}
			i32 = (uint32_t)(idx - 1);
			f = (float)val;
			memcpy(pairs + (size_t)nnz * 8, &i32, 4);
			memcpy(pairs + (size_t)nnz * 8 + 4, &f, 4);
			nnz++;
		}
		if (last > width)
			width = last;
		spool_put(spool, &nnz, 4);
		spool_put(spool, &v, 8);
		spool_put(spool, &id, 4);
		spool_put(spool, pairs, (size_t)nnz * 8);
		rows++;
	}
	src_close(s);
	if (!width)
		tool_die(TOOL_EXIT_DATA, name, "no features: give --features N");

	/* Pass 2: dense rows. */
	yplan p = label_plan(&L, in_path);
	nn_schema *sch = schema_new(argc, argv);
	size_t w8 = (size_t)width, chunk = batch_rows(w8 * 4 + 4);
	float *x = tool_alloc(chunk * w8 * 4);
	unsigned char *y = tool_alloc(chunk * 4);
	nn_writer *w;

	add_field(sch, in_path, opt_x, NN_F32, 1, &width);
	add_field(sch, in_path, opt_y, plan_dtype(&p), 0, NULL);
	set_classes(sch, in_path, p.ncls, p.cls);
	w = tool_writer(sch, opt_level, opt_threads);
	spool_rewind(spool);
	for (uint64_t done = 0; done < rows; ) {
		size_t n;
		memset(x, 0, chunk * w8 * 4);
		for (n = 0; n < chunk && done < rows; n++, done++) {
			uint32_t nnz, id;
			double v;
			spool_get(spool, &nnz, 4);
			spool_get(spool, &v, 8);
			spool_get(spool, &id, 4);
			for (uint32_t k = 0; k < nnz; k++) {
				uint32_t i32;
				float f;
				spool_get(spool, &i32, 4);
				spool_get(spool, &f, 4);
				x[n * w8 + i32] = f;
			}
			plan_apply(&p, v, id, y + n * 4);
		}
		tool_write(w, (const void *const[]){ x, y }, n);
	}
	fclose(spool);
	tool_writer_finish(w);
	plan_free(&p);
	strset_free(&L.names);
	strset_free(&L.ints);
	free(pairs);
	free(r.buf);
	free(r.off);
	free(s);
	free(x);
	free(y);
	nn_schema_free(sch);
}

/* --- binary arrays: idx and npy ---------------------------------------- */

/* An open array file: rows of row_bytes each after a header. */
typedef struct array {
	src s;
	nn_dtype dtype;
	int big_endian;     /* data needs swapping to host order */
	int ndim;           /* per-row dimensions */
	uint64_t shape[NN_MAX_DIMS];
	uint64_t rows;
	size_t row_elems, row_bytes;
} array;

static void read_exact(array *a, void *buf, size_t n, const char *what)
{
	if (src_read(&a->s, buf, n) != n)
		tool_die(TOOL_EXIT_DATA, tool_name(a->s.path), "truncated %s", what);
}

/* Shape [rows, ...] from a header: check it and its size before any
 * allocation.  For a plain regular file the data must fill it exactly. */
static void array_shape(array *a, int ndim, const uint64_t *dims, size_t header_bytes)
{
	const char *name = tool_name(a->s.path);
	size_t esize = nn_dtype_size(a->dtype), total;
	struct stat st;

	if (ndim < 1)
		tool_die(TOOL_EXIT_DATA, name, "a 0-d array has no rows");
	if (ndim > NN_MAX_DIMS + 1)
		tool_die(TOOL_EXIT_DATA, name, "%d dimensions (at most %d)", ndim, NN_MAX_DIMS + 1);
	a->rows = dims[0];
	a->ndim = ndim - 1;
	a->row_elems = 1;
	for (int d = 1; d < ndim; d++) {
		if (!dims[d])
			tool_die(TOOL_EXIT_DATA, name, "dimension %d is zero", d);
		if (dims[d] > ROW_MAX || nn_size_mul(a->row_elems, (size_t)dims[d], &a->row_elems) ||
		    a->row_elems > ROW_MAX)
			tool_die(TOOL_EXIT_DATA, name, "one row is over %u bytes", ROW_MAX);
		a->shape[d - 1] = dims[d];
	}
	a->row_bytes = a->row_elems * esize;
	if (a->row_bytes > ROW_MAX)
		tool_die(TOOL_EXIT_DATA, name, "one row is over %u bytes", ROW_MAX);
	if ((uint64_t)(size_t)a->rows != a->rows || nn_size_mul((size_t)a->rows, a->row_bytes, &total) ||
	    nn_size_add(total, header_bytes, &total))
		tool_die(TOOL_EXIT_DATA, name, "the header claims more data than can exist");
	if (gzdirect(a->s.gz) && a->s.start >= 0 && !fstat(a->s.fd, &st) &&
	    S_ISREG(st.st_mode) && (uintmax_t)(st.st_size - a->s.start) != (uintmax_t)total)
		tool_die(TOOL_EXIT_DATA, name,
		         "the header claims %llu rows of %zu bytes (%zu bytes in all), the file has %jd",
		         (unsigned long long)a->rows, a->row_bytes, total,
		         (intmax_t)(st.st_size - a->s.start));
}

static void idx_open(array *a, const char *path)
{
	const char *name = tool_name(path);
	unsigned char m[4], d[4 * (NN_MAX_DIMS + 1)];
	uint64_t dims[NN_MAX_DIMS + 1];
	size_t n;
	int ndim;

	memset(a, 0, sizeof *a);
	src_open(&a->s, path);
	n = src_read(&a->s, m, 4);
	if (n == 0)
		tool_die(TOOL_EXIT_DATA, name, "empty file");
	if (n < 4 || m[0] || m[1])
		tool_die(TOOL_EXIT_DATA, name, "not an IDX file (bad magic)");
	switch (m[2]) {
	case 0x08: a->dtype = NN_U8; break;
	case 0x09: a->dtype = NN_I8; break;
	case 0x0B: a->dtype = NN_I16; break;
	case 0x0C: a->dtype = NN_I32; break;
	case 0x0D: a->dtype = NN_F32; break;
	case 0x0E: a->dtype = NN_F64; break;
	default:
		tool_die(TOOL_EXIT_DATA, name, "not an IDX file (type byte 0x%02x)", m[2]);
	}
	ndim = m[3];
	if (ndim < 1 || ndim > NN_MAX_DIMS + 1)
		tool_die(TOOL_EXIT_DATA, name, "IDX with %d dimensions (1 to %d allowed)",
		         ndim, NN_MAX_DIMS + 1);
	read_exact(a, d, 4 * (size_t)ndim, "IDX header");
	for (int i = 0; i < ndim; i++)
		dims[i] = (uint64_t)d[4 * i] << 24 | (uint64_t)d[4 * i + 1] << 16 |
		          (uint64_t)d[4 * i + 2] << 8 | d[4 * i + 3];
	a->big_endian = 1;
	array_shape(a, ndim, dims, 4 + 4 * (size_t)ndim);
}

/* --- npy --- */

typedef struct cursor {
	const char *p;
	const char *path;
} cursor;

_Noreturn static void npy_bad(const cursor *c, const char *what)
{
	tool_die(TOOL_EXIT_DATA, tool_name(c->path), "bad NPY header: %s", what);
}

static void npy_ws(cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
		c->p++;
}

/* A quoted Python string: copy its text (no escapes) into buf. */
static void npy_str(cursor *c, char *buf, size_t n)
{
	char q = *c->p;
	size_t len = 0;
	if (q != '\'' && q != '"')
		npy_bad(c, "expected a string");
	for (c->p++; *c->p != q; c->p++) {
		if (!*c->p || *c->p == '\\' || len + 1 >= n)
			npy_bad(c, "unsupported string");
		buf[len++] = *c->p;
	}
	c->p++;
	buf[len] = 0;
}

static const struct { const char *descr; nn_dtype t; } npy_types[] = {
	{ "b1", NN_U8 }, { "u1", NN_U8 }, { "i1", NN_I8 },
	{ "u2", NN_U16 }, { "i2", NN_I16 }, { "u4", NN_U32 }, { "i4", NN_I32 },
	{ "u8", NN_U64 }, { "i8", NN_I64 }, { "f4", NN_F32 }, { "f8", NN_F64 }
};

static void npy_open(array *a, const char *path)
{
	const char *name = tool_name(path);
	unsigned char pre[12];
	size_t hlen, pre_len;
	char *h, descr[32] = "", key[32];
	uint64_t dims[NN_MAX_DIMS + 2];
	int ndim = -1, fortran = -1;
	cursor c;

	memset(a, 0, sizeof *a);
	src_open(&a->s, path);
	if (src_read(&a->s, pre, 10) != 10 || memcmp(pre, "\x93NUMPY", 6))
		tool_die(TOOL_EXIT_DATA, name, "not an NPY file (bad magic)");
	if (pre[6] == 1) {
		hlen = pre[8] | (size_t)pre[9] << 8;
		pre_len = 10;
	} else if (pre[6] == 2 || pre[6] == 3) {
		read_exact(a, pre + 10, 2, "NPY header");
		hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
		pre_len = 12;
	} else {
		tool_die(TOOL_EXIT_DATA, name, "NPY version %d is not supported", pre[6]);
	}
	if (hlen > NPY_HDR_MAX)
		tool_die(TOOL_EXIT_DATA, name, "NPY header of %zu bytes (at most %u)", hlen, NPY_HDR_MAX);
	h = tool_alloc(hlen + 1);
	read_exact(a, h, hlen, "NPY header");
	h[hlen] = 0;
	if (strlen(h) != hlen)
		tool_die(TOOL_EXIT_DATA, name, "bad NPY header: NUL byte");

	/* {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */
	c.p = h;
	c.path = path;
	npy_ws(&c);
	if (*c.p++ != '{')
		npy_bad(&c, "expected '{'");
	for (;;) {
		npy_ws(&c);
		if (*c.p == '}')
			break;
		npy_str(&c, key, sizeof key);
		npy_ws(&c);
		if (*c.p++ != ':')
			npy_bad(&c, "expected ':'");
		npy_ws(&c);
		if (!strcmp(key, "descr")) {
			if (*c.p == '[')
				tool_die(TOOL_EXIT_DATA, name, "structured NPY dtypes are not supported");
			npy_str(&c, descr, sizeof descr);
		} else if (!strcmp(key, "fortran_order")) {
			if (!strncmp(c.p, "True", 4))
				fortran = 1;
			else if (!strncmp(c.p, "False", 5))
				fortran = 0;
			else
				npy_bad(&c, "fortran_order is not True or False");
			c.p += fortran ? 4 : 5;
		} else if (!strcmp(key, "shape")) {
			if (*c.p++ != '(')
				npy_bad(&c, "expected a tuple for shape");
			for (ndim = 0;;) {
				npy_ws(&c);
				if (*c.p == ')')
					break;
				if (ndim == NN_MAX_DIMS + 2)
					tool_die(TOOL_EXIT_DATA, name, "more than %d dimensions",
					         NN_MAX_DIMS + 1);
				if (*c.p < '0' || *c.p > '9')
					npy_bad(&c, "bad shape");
				errno = 0;
				char *end;
				unsigned long long v = strtoull(c.p, &end, 10);
				if (errno || v > INT64_MAX)
					npy_bad(&c, "dimension out of range");
				dims[ndim++] = v;
				c.p = end;
				npy_ws(&c);
				if (*c.p == ',')
					c.p++;
				else if (*c.p != ')')
					npy_bad(&c, "bad shape");
			}
			c.p++;
		} else {
			npy_bad(&c, "unknown key");
		}
		npy_ws(&c);
		if (*c.p == ',')
			c.p++;
		else if (*c.p != '}')
			npy_bad(&c, "expected ',' or '}'");
	}
	if (!descr[0] || fortran < 0 || ndim < 0)
		npy_bad(&c, "descr, fortran_order or shape is missing");
	if (fortran)
		tool_die(TOOL_EXIT_DATA, name, "fortran_order arrays are not supported (save in C order)");
	size_t t = 0, nt = sizeof npy_types / sizeof *npy_types;
	while (t < nt && strcmp(descr + 1, npy_types[t].descr))
		t++;
	if (t == nt || !strchr("<|", descr[0]) ||
	    (descr[0] == '|' && nn_dtype_size(npy_types[t].t) != 1))
		tool_die(TOOL_EXIT_DATA, name, "NPY dtype '%s' is not supported", shorten(descr));
	a->dtype = npy_types[t].t;
	a->big_endian = 0;
	free(h);
	if (ndim > NN_MAX_DIMS + 1)
		tool_die(TOOL_EXIT_DATA, name, "%d dimensions (at most %d)", ndim, NN_MAX_DIMS + 1);
	array_shape(a, ndim, dims, pre_len + hlen);
}

static void array_open(array *a, const char *path, enum format f)
{
	if (f == F_IDX)
		idx_open(a, path);
	else
		npy_open(a, path);
}

/* Read n rows into buf, in host byte order. */
static void array_rows(array *a, void *buf, size_t n, uint64_t done)
{
	size_t bytes = n * a->row_bytes, got = src_read(&a->s, buf, bytes);
	if (got != bytes)
		tool_die(TOOL_EXIT_DATA, tool_name(a->s.path),
		         "truncated: the header claims %llu rows, the data ends after %llu",
		         (unsigned long long)a->rows, (unsigned long long)(done + got / a->row_bytes));
	if (a->big_endian == host_is_le())
		swap_bytes(buf, n * a->row_elems, nn_dtype_size(a->dtype));
}

static void import_array(enum format fmt, int argc, char **argv)
{
	array *a = tool_alloc(sizeof *a), *l = NULL;
	nn_schema *sch = schema_new(argc, argv);
	nn_dtype ldt = NN_I32;
	size_t chunk;
	unsigned char *x, *lraw = NULL, *y = NULL;
	nn_writer *w;

	array_open(a, in_path, fmt);
	add_field(sch, in_path, opt_x, a->dtype, a->ndim, a->shape);
	if (opt_labels) {
		l = tool_alloc(sizeof *l);
		array_open(l, opt_labels, fmt);
		if (l->ndim > 1 || l->row_elems != 1)
			tool_die(TOOL_EXIT_DATA, tool_name(opt_labels),
			         "labels must have one value per row");
		if (l->rows != a->rows)
			tool_die(TOOL_EXIT_DATA, tool_name(opt_labels),
			         "%llu labels for %llu rows of '%s'", (unsigned long long)l->rows,
			         (unsigned long long)a->rows, tool_name(in_path));
		ldt = nn_dtype_is_float(l->dtype) ? NN_F32 : NN_I32;
		if (classes && ldt != NN_I32)
			tool_die(TOOL_EXIT_DATA, tool_name(opt_labels),
			         "--classes needs integer labels, not %s", nn_dtype_name(l->dtype));
		add_field(sch, opt_labels, opt_y, ldt, 0, NULL);
		set_classes(sch, opt_labels, nclasses, classes);
	}
	w = tool_writer(sch, opt_level, opt_threads);
	chunk = batch_rows(a->row_bytes);
	x = tool_alloc(chunk * a->row_bytes);
	if (l) {
		lraw = tool_alloc(chunk * 8);
		y = tool_alloc(chunk * 4);
	}
	for (uint64_t done = 0; done < a->rows; ) {
		size_t n = a->rows - done < chunk ? (size_t)(a->rows - done) : chunk;
		array_rows(a, x, n, done);
		if (l) {
			nn_error err;
			array_rows(l, lraw, n, done);
			if (nn_convert(y, ldt, lraw, l->dtype, n, &err)) {
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
		tool_write(w, l ? (const void *const[]){ x, y } : (const void *const[]){ x }, n);
		done += n;
	}
	src_expect_end(&a->s, a->rows);
	src_close(&a->s);
	if (l) {
		src_expect_end(&l->s, l->rows);
		src_close(&l->s);
	}
	tool_writer_finish(w);
	nn_schema_free(sch);
	free(a);
	free(l);
	free(x);
	free(lraw);
	free(y);
}

/* --- main -------------------------------------------------------------- */

static enum format guess_format(const char *path)
{
	static const struct { const char *ext; enum format f; } exts[] = {
		{ ".csv", F_CSV }, { ".tsv", F_TSV }, { ".tab", F_TSV },
		{ ".svm", F_LIBSVM }, { ".libsvm", F_LIBSVM }, { ".svmlight", F_LIBSVM },
		{ ".npy", F_NPY }, { ".idx", F_IDX }, { "ubyte", F_IDX }
	};
	size_t n;

	if (!path || !strcmp(path, "-"))
		return F_CSV;
	n = strlen(path);
	if (n > 3 && !strcmp(path + n - 3, ".gz"))
		n -= 3;
	for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
		size_t e = strlen(exts[i].ext);
		if (n >= e && !strncasecmp(path + n - e, exts[i].ext, e))
			return exts[i].f;
	}
	tool_usage("cannot tell the format of '%s': give --format", path);
}

/* --classes: the names in class_set, in order (its ids are the class ids). */
static void parse_classes(void)
{
	char *list, *p;

	if (!opt_classes)
		return;
	if (!strcmp(opt_classes, "fashion-mnist")) {
		classes = fashion_mnist;
		nclasses = sizeof fashion_mnist / sizeof *fashion_mnist;
	} else {
		if (!(list = strdup(opt_classes)))
			tool_die(TOOL_EXIT_DATA, NULL, "out of memory");
		for (p = list; p; ) {
			char *comma = strchr(p, ',');
			if (comma)
				*comma++ = 0;
			if (!*p)
				tool_usage("--classes: empty class name");
			if (strset_add(&class_set, p, 0) == NO_ID)
				tool_usage("--classes: more than %d names", NN_MAX_CLASSES);
			if (class_set.n == nclasses)
				tool_usage("--classes: '%s' appears twice", shorten(p));
			nclasses = class_set.n;
			p = comma;
		}
		free(list);
		classes = (const char *const *)class_set.s;
		return;
	}
	for (size_t i = 0; i < nclasses; i++)
		strset_add(&class_set, classes[i], 0);
}

/* Bad --x, --y or --classes names are usage errors, found before any input
 * is read: try them on a schema of our own. */
static void check_names(void)
{
	nn_error err;
	nn_schema *s = nn_schema_new("data", &err);

	if (!s)
		tool_die_err(NULL, &err);
	if (nn_schema_add_field(s, opt_x, NN_F32, 0, NULL, &err) ||
	    nn_schema_add_field(s, opt_y, NN_I32, 0, NULL, &err))
		tool_usage("--x, --y: %s", err.msg);
	if (nn_schema_set_classes(s, 1, nclasses, classes, &err))
		tool_usage("--classes: %s", err.msg);
	nn_schema_free(s);
}

int main(int argc, char **argv)
{
	static const char *const fmt_names[] = { "csv", "tsv", "libsvm", "idx", "npy" };
	nn_strlist ops = { 0 };
	enum format fmt = F_CSV;
	int text, csv;

	tool_parse(&cli, argc, argv, &ops);
	in_path = ops.n ? ops.v[0] : NULL;
	if (opt_format) {
		size_t i = 0;
		while (i < 5 && strcmp(opt_format, fmt_names[i]))
			i++;
		if (i == 5)
			tool_usage("unknown format '%s' (csv, tsv, libsvm, idx or npy)", opt_format);
		fmt = (enum format)i;
	} else {
		fmt = guess_format(in_path);
	}
	if (opt_task) {
		if (!strcmp(opt_task, "auto"))
			task_mode = T_AUTO;
		else if (!strcmp(opt_task, "classify"))
			task_mode = T_CLASSIFY;
		else if (!strcmp(opt_task, "regress"))
			task_mode = T_REGRESS;
		else
			tool_usage("unknown --task '%s' (auto, classify or regress)", opt_task);
	}
	csv = fmt == F_CSV || fmt == F_TSV;
	text = csv || fmt == F_LIBSVM;
	if (!csv && (opt_label || opt_noheader || opt_drop.n))
		tool_usage("--label, --no-header and --drop-col are for csv and tsv");
	if (!text && (opt_skip || opt_task))
		tool_usage("--skip and --task are for csv, tsv and libsvm");
	if (fmt != F_LIBSVM && opt_features)
		tool_usage("--features is for libsvm");
	if (text && opt_labels)
		tool_usage("--labels is for idx and npy");
	if (csv && !opt_label && (opt_classes || opt_task))
		tool_usage("--classes and --task need --label");
	if (opt_classes && task_mode == T_REGRESS)
		tool_usage("--classes names classes: it cannot go with --task regress");
	if (!text && opt_classes && !opt_labels)
		tool_usage("--classes needs --labels for idx and npy");
	if (opt_labels && !strcmp(opt_labels, "-") && (!in_path || !strcmp(in_path, "-")))
		tool_usage("the input and --labels cannot both be standard input");
	parse_classes();
	check_names();

	tool_output_open(opt_out, 1);
	if (csv)
		import_csv(fmt == F_TSV ? '\t' : ',', argc, argv);
	else if (fmt == F_LIBSVM)
		import_libsvm(argc, argv);
	else
		import_array(fmt, argc, argv);
	nn_strlist_free(&ops);
	nn_strlist_free(&opt_drop);
	return 0;
}
