/* import_libsvm.c — LIBSVM lines ("label index:value ...") as sparse rows,
 * read as svm-train reads them (LIBSVM's svm-train.c, read_problem) and
 * scikit-learn's load_svmlight_file: indices 1-based and strictly
 * ascending, "+1" as good as "1"; "#" starts a comment; a value must be a
 * number (an index left out is 0, so a file has no missing values: "1:",
 * "1:?" and "1:NA" are errors, while "nan" and "inf" are numbers as strtod
 * reads them); a "qid:N" right after the label (SVMlight's ranking
 * queries) is skipped and counted, since nnpipe trains no ranking; a UTF-8
 * byte-order mark at the start is skipped. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "nn/cli.h"
#include "import_int.h"

struct nn_libsvm {
	textsrc t;
	uint64_t features, limit, width;
	char *line;            /* the current line, NUL-terminated */
	size_t linecap;
	nn_svm_pair *pairs;
	size_t pcap;
	nn_labels L;
	uint64_t qid_rows, qid_line;   /* rows with a qid, and the first one's line */
};

nn_libsvm *nn_libsvm_open(nn_source src, long long skip, uint64_t features, nn_error *err)
{
	nn_libsvm *l = calloc(1, sizeof *l);
	if (!l) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	l->features = l->width = features;
	l->limit = features ? features : NN_IMPORT_ROW_MAX / 4;
	int r;
	if (text_init(&l->t, src, err) || (r = text_more(&l->t, err)) < 0) {
		nn_libsvm_close(l);
		return NULL;
	}
	if (r && l->t.len >= 3 && !memcmp(l->t.buf, "\xEF\xBB\xBF", 3))
		l->t.pos = 3;  /* a UTF-8 byte-order mark */
	if (text_skip_lines(&l->t, skip, err)) {
		nn_libsvm_close(l);
		return NULL;
	}
	return l;
}

int nn_libsvm_spool_rewind(FILE *f, nn_error *err)
{
	if (fflush(f) || fseeko(f, 0, SEEK_SET))
		return nn_error_set(err, NN_EIO, "temporary file: %s", strerror(errno));
	return 0;
}

int nn_libsvm_spool_rows(FILE *f, float *x, uint64_t width, size_t n, const nn_yplan *p, void *y,
                         nn_error *err)
{
	double v;
	uint32_t id;

	memset(x, 0, n * (size_t)width * sizeof *x);
	for (size_t i = 0; i < n; i++) {
		if (nn_libsvm_spool_get(f, x + i * width, width, &v, &id, err))
			return -1;
		nn_yplan_apply(p, v, id, (unsigned char *)y + i * 4);
	}
	return 0;
}

void nn_libsvm_close(nn_libsvm *l)
{
	if (!l)
		return;
	text_free(&l->t);
	free(l->line);
	free(l->pairs);
	nn_labels_free(&l->L);
	free(l);
}

uint64_t nn_libsvm_width(const nn_libsvm *l)
{
	return l->width;
}

uint64_t nn_libsvm_qid_rows(const nn_libsvm *l, uint64_t *first_line)
{
	if (first_line)
		*first_line = l->qid_line;
	return l->qid_rows;
}

/* NaN written as a number: nan in any case, signed. */
static int is_nan_word(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	return !strcasecmp(s, "nan");
}

nn_labels *nn_libsvm_labels(nn_libsvm *l)
{
	return &l->L;
}

/* The next blank-separated token, NUL-terminated in place, with *p moved
 * past it; NULL at the end of the line. */
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

int nn_libsvm_next(nn_libsvm *l, double *v, uint32_t *id, const nn_svm_pair **pairs,
                   uint32_t *nnz, nn_error *err)
{
	char sb[48];

	for (;;) {
		const char *s, *e;
		char *p, *tok, *hash;
		uint64_t line, last = 0;
		size_t len;
		int r = text_line(&l->t, &s, &e, err);

		if (r <= 0)
			return r;
		line = l->t.line;
		len = (size_t)(e - s);
		if (memchr(s, 0, len))
			return nn_error_set(err, NN_EDATA, "line %llu: NUL byte (a binary file?)",
			                    (unsigned long long)line);
		if (len && s[len - 1] == '\r')
			len--;
		if (len + 1 > l->linecap) {
			char *nb = realloc(l->line, len + 1);
			if (!nb)
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			l->line = nb;
			l->linecap = len + 1;
		}
		memcpy(l->line, s, len);
		l->line[len] = 0;
		p = l->line;
		if ((hash = strchr(p, '#')))
			*hash = 0;
		if (!(tok = next_token(&p)))
			continue;
		if (nn_import_f64(tok, v) == NN_VALUE_BAD)
			return nn_error_set(err, NN_EDATA, "line %llu: label is not a number: '%s'",
			                    (unsigned long long)line, import_shorten(tok, sb));
		if (nn_labels_add(&l->L, tok, line, v, id, err))
			return -1;
		*nnz = 0;
		for (int first = 1; (tok = next_token(&p)); first = 0) {
			char *colon = strchr(tok, ':');
			long long idx;
			float val;

			if (!first && !strncmp(tok, "qid:", 4))
				return nn_error_set(err, NN_EDATA, "line %llu: '%s' after the features "
				                    "(a query id goes right after the label)",
				                    (unsigned long long)line, import_shorten(tok, sb));
			if (first && !strncmp(tok, "qid:", 4)) {
				long long q;
				if (nn_parse_ll(tok + 4, 0, LLONG_MAX, &q))
					return nn_error_set(err, NN_EDATA, "line %llu: bad query id '%s'",
					                    (unsigned long long)line, import_shorten(tok, sb));
				if (!l->qid_rows++)
					l->qid_line = line;
				continue;
			}
			if (!colon)
				return nn_error_set(err, NN_EDATA, "line %llu: '%s' is not index:value",
				                    (unsigned long long)line, import_shorten(tok, sb));
			*colon = 0;
			if (nn_parse_ll(tok + (tok[0] == '+' && tok[1] != '-'), 1, LLONG_MAX, &idx))
				return nn_error_set(err, NN_EDATA, "line %llu: bad index '%s'%s",
				                    (unsigned long long)line, import_shorten(tok, sb),
				                    strcmp(tok, "0") ? "" : " (indices start at 1)");
			if ((uint64_t)idx > l->limit)
				return nn_error_set(err, NN_EDATA, "line %llu: index %lld is beyond %s %llu",
				                    (unsigned long long)line, idx,
				                    l->features ? "--features" : "the limit of",
				                    (unsigned long long)l->limit);
			if ((uint64_t)idx <= last)
				return nn_error_set(err, NN_EDATA, "line %llu: index %lld does not ascend",
				                    (unsigned long long)line, idx);
			last = (uint64_t)idx;
			int vr = nn_import_f32(colon + 1, strlen(colon + 1), &val);
			if (vr == NN_VALUE_MISSING && !is_nan_word(colon + 1))
				return nn_error_set(err, NN_EDATA, "line %llu, index %lld: %s value%s%s%s (LIBSVM "
				                    "has no missing values: leave the index out for 0)",
				                    (unsigned long long)line, idx, colon[1] ? "missing" : "empty",
				                    colon[1] ? " '" : "", colon[1] ? import_shorten(colon + 1, sb) : "",
				                    colon[1] ? "'" : "");
			if (vr == NN_VALUE_BAD)
				return nn_error_set(err, NN_EDATA, "line %llu, index %lld: not a number: '%s'",
				                    (unsigned long long)line, idx, import_shorten(colon + 1, sb));
			if (*nnz == l->pcap) {
				size_t n = l->pcap ? 2 * l->pcap : 512;
				nn_svm_pair *np = realloc(l->pairs, n * sizeof *np);
				if (!np)
					return nn_error_set(err, NN_ENOMEM, "out of memory");
				l->pairs = np;
				l->pcap = n;
			}
			l->pairs[*nnz].index = (uint32_t)(idx - 1);
			l->pairs[*nnz].value = val;
			++*nnz;
		}
		if (last > l->width)
			l->width = last;
		*pairs = l->pairs;
		return 1;
	}
}

static int spool_io(size_t want, size_t got, FILE *f, nn_error *err)
{
	if (got == want)
		return 0;
	return nn_error_set(err, NN_EIO, "temporary file: %s",
	                    ferror(f) ? strerror(errno) : "shorter than written");
}

int nn_libsvm_spool_put(FILE *f, double v, uint32_t id, const nn_svm_pair *pairs, uint32_t nnz,
                        nn_error *err)
{
	unsigned char head[16];
	memcpy(head, &nnz, 4);
	memcpy(head + 4, &v, 8);
	memcpy(head + 12, &id, 4);
	if (spool_io(1, fwrite(head, sizeof head, 1, f), f, err))
		return -1;
	return nnz ? spool_io(nnz, fwrite(pairs, sizeof *pairs, nnz, f), f, err) : 0;
}

int nn_libsvm_spool_get(FILE *f, float *x, uint64_t width, double *v, uint32_t *id, nn_error *err)
{
	unsigned char head[16];
	uint32_t nnz;
	if (spool_io(1, fread(head, sizeof head, 1, f), f, err))
		return -1;
	memcpy(&nnz, head, 4);
	memcpy(v, head + 4, 8);
	memcpy(id, head + 12, 4);
	for (uint32_t k = 0; k < nnz; k++) {
		nn_svm_pair q;
		if (spool_io(1, fread(&q, sizeof q, 1, f), f, err))
			return -1;
		if (q.index >= width)
			return nn_error_set(err, NN_EIO, "temporary file: index %u past the width %llu",
			                    q.index, (unsigned long long)width);
		x[q.index] = q.value;
	}
	return 0;
}
