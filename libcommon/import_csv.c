/* import_csv.c — CSV and TSV rows into f32 features and label texts.
 *
 * Two paths give the same result.  A line without a double quote (nearly
 * every line) is found with memchr and converted where it lies in the
 * buffer: each feature is scanned by the fast decimal parser, which stops
 * at the delimiter.  A line with a quote, and the header, go through the
 * general RFC 4180 record reader (quoted fields may hold delimiters and
 * line breaks), byte by byte.  Anything unusual in a field (missing-value
 * tokens, infinities, long mantissas, text) takes nn_import_f32's slow
 * path, so errors name the same line and column either way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/cli.h"
#include "import_int.h"

typedef struct record {
	char *buf;          /* fields, each NUL-terminated */
	size_t len, cap;
	size_t *off;        /* start of each field in buf */
	size_t nf, fcap;
	uint64_t line;      /* line the record starts on */
} record;

struct nn_csv {
	textsrc t;
	nn_csv_info info;
	unsigned char *role;
	int delim;
	int pending;        /* the first record (no header) is data, not yet returned */
	int failed;         /* a read failed inside the record reader */
	nn_error *rerr;     /* where that read's error went */
	record rec;
	nn_labels L;
	char *lab;          /* the label field, NUL-terminated */
	size_t labcap;
	size_t *id_col;     /* the column of each id */
	size_t *id_slot;    /* the id index of each column */
	void *const *idcols; /* where each id column's rows go, or NULL */
	size_t idrow;       /* the row of them being read */
};

static int rd_getc(nn_csv *c)
{
	textsrc *t = &c->t;
	if (t->pos == t->len) {
		int r = text_more(t, c->rerr);
		if (r <= 0) {
			if (r < 0)
				c->failed = 1;
			return EOF;
		}
	}
	return t->buf[t->pos++];
}

static int rd_peek(nn_csv *c)
{
	int ch = rd_getc(c);
	if (ch != EOF)
		c->t.pos--;
	return ch;
}

static int rec_putc(record *r, int ch, nn_error *err)
{
	if (ch == 0)
		return nn_error_set(err, NN_EDATA, "line %llu: NUL byte (a binary file?)",
		                    (unsigned long long)r->line);
	if (r->len == r->cap) {
		char *nb;
		if (r->cap >= NN_IMPORT_RECORD_MAX)
			return nn_error_set(err, NN_EDATA, "line %llu: longer than %u MiB",
			                    (unsigned long long)r->line, NN_IMPORT_RECORD_MAX >> 20);
		if (!(nb = realloc(r->buf, r->cap ? 2 * r->cap : 4096)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		r->buf = nb;
		r->cap = r->cap ? 2 * r->cap : 4096;
	}
	r->buf[r->len++] = (char)ch;
	return 0;
}

static int rec_field(record *r, nn_error *err)
{
	if (r->nf == r->fcap) {
		size_t n = r->fcap ? 2 * r->fcap : 64;
		size_t *no;
		if (r->fcap >= NN_IMPORT_RECORD_MAX || !(no = realloc(r->off, n * sizeof *no)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		r->off = no;
		r->fcap = n;
	}
	r->off[r->nf++] = r->len;
	return 0;
}

#define FIELD(r, i) ((r)->buf + (r)->off[i])
#define BLANK(ch, delim) ((ch) == ' ' || ((ch) == '\t' && (delim) != '\t'))

/* Read one record, byte by byte; 1, 0 at the end, -1.  Blank lines are
 * skipped.  Quoted fields may span lines. */
static int read_record(nn_csv *c, nn_error *err)
{
	record *r = &c->rec;
	textsrc *t = &c->t;
	int delim = c->delim;

	c->rerr = err;
	for (;;) {
		int ch, quoted = 0;
		r->len = r->nf = 0;
		r->line = t->line + 1;
		if (rd_peek(c) == EOF)
			return c->failed ? -1 : 0;
		for (;;) {  /* one field per turn */
			if (rec_field(r, err))
				return -1;
			ch = rd_getc(c);
			while (BLANK(ch, delim))
				ch = rd_getc(c);
			if (ch == '"') {
				quoted = 1;
				for (;;) {
					ch = rd_getc(c);
					if (ch == EOF) {
						if (c->failed)
							return -1;
						return nn_error_set(err, NN_EDATA,
						                    "line %llu: unterminated quoted field",
						                    (unsigned long long)r->line);
					}
					if (ch == '"' && (ch = rd_getc(c)) != '"')
						break;
					if (ch == '\n')
						t->line++;
					if (rec_putc(r, ch, err))
						return -1;
				}
				while (BLANK(ch, delim))
					ch = rd_getc(c);
				if (ch == '\r' && rd_peek(c) == '\n')
					ch = rd_getc(c);
				if (c->failed)
					return -1;
				if (ch != delim && ch != '\n' && ch != EOF)
					return nn_error_set(err, NN_EDATA, "line %llu: text after a closing quote",
					                    (unsigned long long)t->line + 1);
			} else {
				size_t start = r->len;
				for (; ch != delim && ch != '\n' && ch != EOF; ch = rd_getc(c))
					if (rec_putc(r, ch, err))
						return -1;
				if (c->failed)
					return -1;
				while (r->len > start && (r->buf[r->len - 1] == ' ' ||
				       r->buf[r->len - 1] == '\r' ||
				       (r->buf[r->len - 1] == '\t' && delim != '\t')))
					r->len--;
			}
			if (rec_putc(r, 1, err))  /* placeholder, replaced by the NUL */
				return -1;
			r->buf[r->len - 1] = 0;
			if (ch != delim)
				break;
		}
		if (ch == '\n')
			t->line++;
		if (r->nf > 1 || quoted || r->buf[0])
			return 1;
	}
}

/* ", column 'name'" or ", column 3" for messages. */
static void col_desc(char *buf, size_t n, char **names, size_t i)
{
	char sb[48];
	if (names)
		snprintf(buf, n, ", column '%s'", import_shorten(names[i], sb));
	else
		snprintf(buf, n, ", column %zu", i);
}

/* Index of the column spec names: a header name, else a 0-based index
 * (negative from the end). */
static int find_column(const char *spec, char **names, size_t ncols, int delim, size_t *out,
                       nn_error *err)
{
	char sb[48];
	long long k;
	if (names)
		for (size_t i = 0; i < ncols; i++)
			if (!strcmp(names[i], spec)) {
				*out = i;
				return 0;
			}
	if (!nn_parse_ll(spec, -(long long)ncols, (long long)ncols - 1, &k)) {
		*out = k < 0 ? (size_t)(k + (long long)ncols) : (size_t)k;
		return 0;
	}
	/* a user's typo (exit 2 in the programs), with the closest name, or
	 * the delimiter the one column seems to hold */
	const char *near = NULL, *delims = ";\t|,";
	size_t best = 3;
	for (size_t i = 0; names && i < ncols; i++) {
		size_t d = nn_edit_distance(spec, strlen(spec), names[i], 2);
		if (d < best)
			best = d, near = names[i];
	}
	char hint[96] = "", sb2[48];
	if (near)
		snprintf(hint, sizeof hint, " (did you mean '%s'?)", import_shorten(near, sb2));
	else if (ncols == 1 && names)
		for (const char *d = delims; *d; d++)
			if (*d != delim && strchr(names[0], *d)) {
				char shown[3] = { *d, 0, 0 };
				if (*d == '\t')
					shown[0] = '\\', shown[1] = 't';
				snprintf(hint, sizeof hint, " (the header has '%s' in it: give --delimiter '%s')",
				         shown, shown);
				break;
			}
	return nn_error_set(err, NN_EARG, "no column '%s' among the %zu columns%s",
	                    import_shorten(spec, sb), ncols, hint);
}

/* --id: each column kept as text, its field named after it. */
static int resolve_ids(nn_csv *c, const nn_csv_opts *o, nn_error *err)
{
	nn_csv_info *in = &c->info;
	char sb[48];

	in->id_width = o->id_width ? o->id_width : 64;
	if (in->id_width > NN_MAX_STR_BYTES)
		return nn_error_set(err, NN_EARG, "--id-width: at most %d bytes", NN_MAX_STR_BYTES);
	if (!o->nids)
		return 0;
	if (!(c->id_col = calloc(o->nids, sizeof *c->id_col)) ||
	    !(c->id_slot = calloc(in->ncols, sizeof *c->id_slot)) ||
	    !(in->id_names = calloc(o->nids, sizeof *in->id_names)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	in->id_col = c->id_col;
	for (size_t k = 0; k < o->nids; k++) {
		size_t col;
		char num[32];
		if (find_column(o->ids[k], in->names, in->ncols, o->delim, &col, err))
			return -1;
		if (c->role[col] != NN_COL_FEATURE)
			return nn_error_set(err, NN_EDATA, "column '%s' is both --id and --%s",
			                    import_shorten(o->ids[k], sb),
			                    c->role[col] == NN_COL_DROP ? "drop-col" : "id");
		c->role[col] = NN_COL_ID;
		c->id_col[k] = col;
		c->id_slot[col] = k;
		snprintf(num, sizeof num, "col_%zu", col);
		if (!(in->id_names[k] = strdup(in->names ? in->names[col] : num)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		in->nids++;
	}
	return 0;
}

nn_csv *nn_csv_open(nn_source src, const nn_csv_opts *o, nn_error *err)
{
	nn_csv *c = calloc(1, sizeof *c);
	nn_csv_info *in;
	int r;

	if (!c) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	in = &c->info;
	in->label_col = SIZE_MAX;
	c->delim = o->delim;
	if (text_init(&c->t, src, err))
		goto fail;
	if ((r = text_more(&c->t, err)) < 0)
		goto fail;
	if (r && c->t.len >= 3 && !memcmp(c->t.buf, "\xEF\xBB\xBF", 3))
		c->t.pos = 3;  /* a UTF-8 byte-order mark */
	if (text_skip_lines(&c->t, o->skip, err))
		goto fail;
	if ((r = read_record(c, err)) < 0)
		goto fail;
	if (!r) {
		nn_error_set(err, NN_EDATA, "no %s: the input is empty",
		             o->no_header ? "rows" : "header line");
		goto fail;
	}
	in->ncols = c->rec.nf;
	if (!o->no_header) {
		if (!(in->names = calloc(in->ncols, sizeof *in->names)))
			goto oom;
		for (size_t i = 0; i < in->ncols; i++)
			if (!(in->names[i] = strdup(FIELD(&c->rec, i))))
				goto oom;
	} else {
		c->pending = 1;
	}
	if (!(c->role = calloc(in->ncols, 1)))
		goto oom;
	in->role = c->role;
	for (size_t i = 0; i < o->ndrop; i++) {
		size_t k;
		if (find_column(o->drop[i], in->names, in->ncols, o->delim, &k, err))
			goto fail;
		c->role[k] = NN_COL_DROP;
	}
	if (resolve_ids(c, o, err))
		goto fail;
	if (o->label) {
		char sb[48];
		if (find_column(o->label, in->names, in->ncols, o->delim, &in->label_col, err))
			goto fail;
		if (c->role[in->label_col] != NN_COL_FEATURE) {
			nn_error_set(err, NN_EDATA, "column '%s' is both --label and --%s",
			             import_shorten(o->label, sb),
			             c->role[in->label_col] == NN_COL_DROP ? "drop-col" : "id");
			goto fail;
		}
		c->role[in->label_col] = NN_COL_LABEL;
		col_desc(c->L.column, sizeof c->L.column, in->names, in->label_col);
	}
	for (size_t i = 0; i < in->ncols; i++)
		in->nfeat += c->role[i] == NN_COL_FEATURE;
	if (!in->nfeat) {
		nn_error_set(err, NN_EDATA, "no feature columns are left");
		goto fail;
	}
	return c;
oom:
	nn_error_set(err, NN_ENOMEM, "out of memory");
fail:
	nn_csv_close(c);
	return NULL;
}

const nn_csv_info *nn_csv_info_of(const nn_csv *c)
{
	return &c->info;
}

nn_labels *nn_csv_labels(nn_csv *c)
{
	return &c->L;
}

void nn_csv_close(nn_csv *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->info.names && i < c->info.ncols; i++)
		free(c->info.names[i]);
	free(c->info.names);
	for (size_t i = 0; c->info.id_names && i < c->info.nids; i++)
		free(c->info.id_names[i]);
	free(c->info.id_names);
	free(c->id_col);
	free(c->id_slot);
	free(c->role);
	free(c->rec.buf);
	free(c->rec.off);
	free(c->lab);
	text_free(&c->t);
	nn_labels_free(&c->L);
	free(c);
}

static int bad_value(const nn_csv *c, uint64_t line, size_t col, const char *s, size_t n,
                     nn_error *err)
{
	char desc[300], sb[48];
	col_desc(desc, sizeof desc, c->info.names, col);
	return nn_error_set(err, NN_EDATA, "line %llu%s: not a number: '%s'",
	                    (unsigned long long)line, desc, import_shorten_n(s, n, sb));
}

static int bad_count(const nn_csv *c, uint64_t line, size_t found, nn_error *err)
{
	return nn_error_set(err, NN_EDATA, "line %llu: expected %zu columns, found %zu",
	                    (unsigned long long)line, c->info.ncols, found);
}

static int label_field(nn_csv *c, const char *s, size_t n, uint64_t line, double *v,
                       uint32_t *id, nn_error *err)
{
	if (n + 1 > c->labcap) {
		char *nb = realloc(c->lab, n + 64);
		if (!nb)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		c->lab = nb;
		c->labcap = n + 64;
	}
	memcpy(c->lab, s, n);
	c->lab[n] = 0;
	return nn_labels_add(&c->L, c->lab, line, v, id, err);
}

/* An id: its text padded with NUL bytes into its place in the row. */
static int id_field(nn_csv *c, size_t col, const char *s, size_t n, uint64_t line, nn_error *err)
{
	char desc[300];
	size_t w = c->info.id_width;

	if (n > w || !nn_utf8_valid(s, n)) {
		col_desc(desc, sizeof desc, c->info.names, col);
		if (n > w)
			return nn_error_set(err, NN_EDATA, "line %llu%s: an id of %zu bytes is longer than "
			                    "the %zu bytes of a str field (give --id-width %zu or more)",
			                    (unsigned long long)line, desc, n, w, n);
		return nn_error_set(err, NN_EDATA, "line %llu%s: the id is not UTF-8 text "
		                    "(convert the file first, e.g. with iconv -f latin1 -t utf-8)",
		                    (unsigned long long)line, desc);
	}
	if (c->idcols) {
		unsigned char *d = (unsigned char *)c->idcols[c->id_slot[col]] + c->idrow * w;
		memcpy(d, s, n);
		memset(d + n, 0, w - n);
	}
	return 0;
}

/* The general record in c->rec as one row. */
static int record_row(nn_csv *c, float *row, double *v, uint32_t *id, nn_error *err)
{
	record *r = &c->rec;
	size_t k = 0;

	if (r->nf != c->info.ncols)
		return bad_count(c, r->line, r->nf, err);
	for (size_t i = 0; i < r->nf; i++) {
		const char *f = FIELD(r, i);
		if (c->role[i] == NN_COL_FEATURE) {
			size_t n = strlen(f);
			if (nn_import_f32(f, n, &row[k++]) == NN_VALUE_BAD)
				return bad_value(c, r->line, i, f, n, err);
		} else if (c->role[i] == NN_COL_LABEL) {
			if (nn_labels_add(&c->L, f, r->line, v, id, err))
				return -1;
		} else if (c->role[i] == NN_COL_ID) {
			if (id_field(c, i, f, strlen(f), r->line, err))
				return -1;
		}
	}
	return 0;
}

/* Fields in a line without quotes: delimiters + 1. */
static size_t count_fields(const char *p, const char *e, int delim)
{
	size_t n = 1;
	for (; (p = memchr(p, delim, (size_t)(e - p))); p++)
		n++;
	return n;
}

/* A line without quotes as one row, converted in place. */
static int line_row(nn_csv *c, const char *p, const char *e, uint64_t line, float *row,
                    double *v, uint32_t *id, nn_error *err)
{
	const unsigned char *role = c->role;
	const char *line_start = p;
	size_t ncols = c->info.ncols, i = 0, k = 0;
	int delim = c->delim;

	if (memchr(p, 0, (size_t)(e - p)))
		return nn_error_set(err, NN_EDATA, "line %llu: NUL byte (a binary file?)",
		                    (unsigned long long)line);
	for (;; i++) {  /* one field per turn */
		const char *fe, *q;
		while (p < e && BLANK(*p, delim))
			p++;
		if (i == ncols)
			return bad_count(c, line, count_fields(line_start, e, delim), err);
		if (role[i] == NN_COL_FEATURE && p < e && *p == '0' && (p + 1 == e || p[1] == delim)) {
			row[k++] = 0;  /* the commonest value of all, in sparse data */
			if (p + 1 == e)
				break;
			p += 2;
			continue;
		}
		if (role[i] == NN_COL_FEATURE && (q = import_scan_f32(p, e, &row[k]))) {
			while (q < e && (BLANK(*q, delim) || *q == '\r'))
				q++;
			if (q == e || *q == delim) {
				k++;
				if (q == e)
					break;
				p = q + 1;
				continue;
			}
		}
		fe = memchr(p, delim, e > p ? (size_t)(e - p) : 0);
		if (!fe)
			fe = e;
		q = fe;
		while (q > p && (q[-1] == ' ' || q[-1] == '\r' || (q[-1] == '\t' && delim != '\t')))
			q--;
		if (role[i] == NN_COL_FEATURE) {
			if (nn_import_f32(p, (size_t)(q - p), &row[k++]) == NN_VALUE_BAD) {
				size_t nf = count_fields(line_start, e, delim);
				if (nf != ncols)
					return bad_count(c, line, nf, err);
				return bad_value(c, line, i, p, (size_t)(q - p), err);
			}
		} else if (role[i] == NN_COL_LABEL) {
			if (label_field(c, p, (size_t)(q - p), line, v, id, err))
				return -1;
		} else if (role[i] == NN_COL_ID) {
			if (id_field(c, i, p, (size_t)(q - p), line, err))
				return -1;
		}
		if (fe == e)
			break;
		p = fe + 1;
	}
	if (i + 1 != ncols)
		return bad_count(c, line, i + 1, err);
	return 0;
}

static int blank_line(const char *p, const char *e, int delim)
{
	for (; p < e; p++)
		if (!(BLANK(*p, delim) || *p == '\r'))
			return 0;
	return 1;
}

ptrdiff_t nn_csv_read(nn_csv *c, float *x, double *yv, uint32_t *yid, size_t max, nn_error *err)
{
	return nn_csv_read_cols(c, x, yv, yid, NULL, max, err);
}

ptrdiff_t nn_csv_read_cols(nn_csv *c, float *x, double *yv, uint32_t *yid, void *const *ids,
                           size_t max, nn_error *err)
{
	size_t n = 0, nfeat = c->info.nfeat;
	double vdummy;
	uint32_t idummy;

	c->idcols = ids;
	while (n < max) {
		double *v = yv ? &yv[n] : &vdummy;
		uint32_t *id = yid ? &yid[n] : &idummy;
		const char *p, *e;
		uint64_t line;
		int r;

		*v = 0;
		*id = NN_NO_ID;
		c->idrow = n;
		if (c->pending) {
			c->pending = 0;
			if (record_row(c, x + n * nfeat, v, id, err))
				return -1;
			n++;
			continue;
		}
		line = c->t.line;
		if ((r = text_line(&c->t, &p, &e, err)) < 0)
			return -1;
		if (!r)
			break;
		if (memchr(p, '"', (size_t)(e - p))) {  /* back to its start, byte by byte */
			c->t.pos = (size_t)((const unsigned char *)p - c->t.buf);
			c->t.line = line;
			if ((r = read_record(c, err)) < 0)
				return -1;
			if (!r)
				break;
			if (record_row(c, x + n * nfeat, v, id, err))
				return -1;
		} else {
			if (blank_line(p, e, c->delim))
				continue;
			if (line_row(c, p, e, line + 1, x + n * nfeat, v, id, err))
				return -1;
		}
		n++;
	}
	return (ptrdiff_t)n;
}
