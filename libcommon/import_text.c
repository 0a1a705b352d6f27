/* import_text.c — what the text importers share: the buffered source,
 * number syntax, string sets and the labels' kind. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "import_int.h"

ptrdiff_t nn_memsrc_read(void *ctx, void *buf, size_t n, nn_error *err)
{
	nn_memsrc *m = ctx;
	size_t k = m->n - m->pos < n ? m->n - m->pos : n;
	(void)err;
	if (k)
		memcpy(buf, m->p + m->pos, k);
	m->pos += k;
	return (ptrdiff_t)k;
}

/* --- the buffered text source ----------------------------------------- */

int text_init(textsrc *t, nn_source src, nn_error *err)
{
	memset(t, 0, sizeof *t);
	t->src = src;
	t->cap = TEXT_FIRST;
	if (!(t->buf = malloc(t->cap)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	return 0;
}

void text_free(textsrc *t)
{
	free(t->buf);
	t->buf = NULL;
}

/* Look at the n bytes just read at buf[at]: until the first line break
 * decides the endings, a CR followed by anything but LF (or by the end of
 * the input) means CR-only lines; then every CR read becomes LF. */
static void decide_endings(textsrc *t, size_t at, size_t n)
{
	unsigned char *b = t->buf;
	if (t->endings == TEXT_ENDINGS_UNKNOWN) {
		size_t end = at + n;
		for (size_t i = t->pos; i < end; i++) {
			if (b[i] == '\n') {
				t->endings = TEXT_ENDINGS_LF;
				return;
			}
			if (b[i] == '\r') {
				if (i + 1 == end && !t->eof)
					return;        /* the next read decides */
				t->endings = i + 1 < end && b[i + 1] == '\n' ? TEXT_ENDINGS_LF : TEXT_ENDINGS_CR;
				if (t->endings == TEXT_ENDINGS_LF)
					return;
				at = i, n = end - i;
				break;
			}
		}
		if (t->endings == TEXT_ENDINGS_UNKNOWN)
			return;
	}
	if (t->endings == TEXT_ENDINGS_CR)
		for (unsigned char *p = b + at, *e = b + at + n; (p = memchr(p, '\r', (size_t)(e - p))); p++)
			*p = '\n';
}

/* Append what the source gives after buf[len]; 0 at the end. */
static int text_fill(textsrc *t, nn_error *err)
{
	ptrdiff_t r;
	size_t want = t->cap - t->len;
	if (t->eof)
		return 0;
	if (t->cap < TEXT_BLOCK && t->total >= t->cap) {  /* a big input: big reads */
		unsigned char *nb = realloc(t->buf, TEXT_BLOCK);
		if (!nb)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		t->buf = nb;
		t->cap = TEXT_BLOCK;
		want = t->cap - t->len;
	}
	if (want > TEXT_BLOCK)
		want = TEXT_BLOCK;
	r = t->src.read(t->src.ctx, t->buf + t->len, want, err);
	if (r < 0)
		return -1;
	if ((size_t)r < want)
		t->eof = 1;
	decide_endings(t, t->len, (size_t)r);
	t->len += (size_t)r;
	t->total += (uint64_t)r;
	return r > 0;
}

int text_more(textsrc *t, nn_error *err)
{
	if (t->pos < t->len)
		return 1;
	t->pos = t->len = 0;
	return text_fill(t, err);
}

int text_line(textsrc *t, const char **p, const char **e, nn_error *err)
{
	size_t from = t->pos;
	unsigned char *nl;

	for (;;) {
		nl = memchr(t->buf + from, '\n', t->len - from);
		if (nl)
			break;
		if (t->eof) {
			if (t->pos == t->len)
				return 0;
			*p = (const char *)t->buf + t->pos;
			*e = (const char *)t->buf + t->len;
			t->pos = t->len;
			t->line++;   /* the unterminated last line counts as one */
			return 1;
		}
		if (t->pos) {  /* move the partial line to the front */
			memmove(t->buf, t->buf + t->pos, t->len - t->pos);
			t->len -= t->pos;
			t->pos = 0;
		}
		from = t->len;
		if (t->len == t->cap) {
			unsigned char *nb;
			if (t->cap >= NN_IMPORT_RECORD_MAX)
				return nn_error_set(err, NN_EDATA, "line %llu: longer than %u MiB",
				                    (unsigned long long)t->line + 1, NN_IMPORT_RECORD_MAX >> 20);
			if (!(nb = realloc(t->buf, 2 * t->cap)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			t->buf = nb;
			t->cap *= 2;
		}
		if (text_fill(t, err) < 0)
			return -1;
	}
	*p = (const char *)t->buf + t->pos;
	*e = (const char *)nl;
	t->pos = (size_t)(nl - t->buf) + 1;
	t->line++;
	return 1;
}

int text_skip_lines(textsrc *t, long long n, nn_error *err)
{
	while (n > 0) {
		int r = text_more(t, err);
		unsigned char *nl;
		if (r <= 0)
			return r;
		nl = memchr(t->buf + t->pos, '\n', t->len - t->pos);
		if (!nl) {
			t->pos = t->len;
			continue;
		}
		t->pos = (size_t)(nl - t->buf) + 1;
		t->line++;
		n--;
	}
	return 0;
}

const char *import_shorten(const char *s, char buf[48])
{
	if (strlen(s) <= 40)
		return s;
	snprintf(buf, 48, "%.37s...", s);
	return buf;
}

const char *import_shorten_n(const char *s, size_t n, char buf[48])
{
	if (n <= 40) {
		memcpy(buf, s, n);
		buf[n] = 0;
	} else {
		snprintf(buf, 48, "%.37s...", s);
	}
	return buf;
}

/* --- numbers ----------------------------------------------------------- */

static const char *const missing_tokens[] = {
	"", "?", "NA", "N/A", "n/a", "NULL", "null", "None", "#N/A", "<NA>"
};

/* The syntax check of a NUL-terminated value without surrounding blanks:
 * NN_VALUE_*; *inf is set to ±1 for an infinity.  NaN in any case and
 * with a sign (nan, NAN, -NaN, +nan: what numpy, pandas and R write) is a
 * missing value.  strtod's extras (hex, nan(...), leading spaces) are not
 * accepted. */
static int value_syntax(const char *s, int *inf)
{
	const char *p = s;
	int digits = 0;

	*inf = 0;
	for (size_t i = 0; i < sizeof missing_tokens / sizeof *missing_tokens; i++)
		if (!strcmp(s, missing_tokens[i]))
			return NN_VALUE_MISSING;
	if (*p == '+' || *p == '-')
		p++;
	if (!strcasecmp(p, "nan"))
		return NN_VALUE_MISSING;
	if (!strcasecmp(p, "inf") || !strcasecmp(p, "infinity")) {
		*inf = *s == '-' ? -1 : 1;
		return NN_VALUE_OK;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (!digits)
		return NN_VALUE_BAD;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NN_VALUE_BAD;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p ? NN_VALUE_BAD : NN_VALUE_OK;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

size_t nn_import_trim(const char **s, size_t n)
{
	while (n && is_blank(**s))
		(*s)++, n--;
	while (n && is_blank((*s)[n - 1]))
		n--;
	return n;
}

/* The value at s[0..n) without its surrounding blanks, parsed by
 * value_syntax, then by strtod (f64) or strtof (!f64) into *out. */
static int parse_value(const char *s, size_t n, int f64, double *out)
{
	char small[64], *buf = small;
	int inf, r;

	n = nn_import_trim(&s, n);
	if (memchr(s, 0, n))
		return NN_VALUE_BAD;
	if (n >= sizeof small && !(buf = malloc(n + 1)))
		return NN_VALUE_BAD;
	memcpy(buf, s, n);
	buf[n] = 0;
	r = value_syntax(buf, &inf);
	if (r == NN_VALUE_MISSING)
		*out = NAN;
	else if (r == NN_VALUE_OK && inf)
		*out = inf < 0 ? -INFINITY : INFINITY;
	else if (r == NN_VALUE_OK)   /* out of range: ±HUGE_VAL or a denormal, both fine */
		*out = f64 ? strtod(buf, NULL) : (double)strtof(buf, NULL);
	if (buf != small)
		free(buf);
	return r;
}

int nn_import_f64(const char *s, double *out)
{
	return parse_value(s, strlen(s), 1, out);
}

int nn_import_f32(const char *s, size_t n, float *out)
{
	const char *end = import_scan_f32(s, s + n, out);
	double v;
	int r;

	if (end == s + n)
		return NN_VALUE_OK;
	r = parse_value(s, n, 0, &v);
	if (r != NN_VALUE_BAD)
		*out = (float)v;     /* exact: v came from strtof */
	return r;
}

/* --- string sets --------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The id of s, or NN_NO_ID; *at is the slot where s is or would go. */
static uint32_t strset_lookup(const nn_strset *t, const char *s, size_t *at)
{
	size_t i = 0;
	if (t->cap)
		for (i = hash_str(s) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
			if (!strcmp(t->s[t->slot[i] - 1], s))
				return t->slot[i] - 1;
	*at = i;
	return NN_NO_ID;
}

uint32_t nn_strset_find(const nn_strset *t, const char *s)
{
	size_t at;
	return strset_lookup(t, s, &at);
}

int nn_strset_add(nn_strset *t, const char *s, uint64_t line, uint32_t *id, nn_error *err)
{
	size_t i;
	if (2 * (t->n + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 64;
		uint32_t *ns = calloc(ncap, sizeof *ns);
		if (!ns)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		for (size_t k = 0; k < t->n; k++) {
			for (i = hash_str(t->s[k]) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = (uint32_t)k + 1;
		}
		free(t->slot);
		t->slot = ns;
		t->cap = ncap;
	}
	if ((*id = strset_lookup(t, s, &i)) != NN_NO_ID)
		return 0;
	if (t->n >= NN_MAX_CLASSES) {
		t->full = 1;
		return 0;
	}
	if (t->n == t->scap) {
		size_t ncap = t->scap ? 2 * t->scap : 16;
		char **ns = realloc(t->s, ncap * sizeof *ns);
		if (ns)
			t->s = ns;
		uint64_t *nl = ns ? realloc(t->line, ncap * sizeof *nl) : NULL;
		if (!nl)
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		t->line = nl;
		t->scap = ncap;
	}
	if (!(t->s[t->n] = strdup(s)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	t->line[t->n] = line;
	t->slot[i] = (uint32_t)t->n + 1;
	*id = (uint32_t)t->n++;
	return 0;
}

void nn_strset_free(nn_strset *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->line);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* --- labels ------------------------------------------------------------ */

static int labels_add(nn_labels *L, const char *text, uint64_t line, double *v, uint32_t *id,
                      char sb[48], nn_error *err);

int nn_labels_add(nn_labels *L, const char *text, uint64_t line, double *v, uint32_t *id,
                  nn_error *err)
{
	char sb[48], *trimmed = NULL;
	const char *start = text;
	size_t len = strlen(text), n = nn_import_trim(&start, len);
	double unused;
	/* " 1" and "1" are one class, as they are one number; a name keeps its
	 * blanks (" pad " is not "pad"), so that exported names read back */
	if (n != len && nn_import_f64(text, &unused) != NN_VALUE_BAD) {
		if (!(trimmed = strndup(start, n)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		text = trimmed;
	}
	int rc = labels_add(L, text, line, v, id, sb, err);
	free(trimmed);
	return rc;
}

static int labels_add(nn_labels *L, const char *text, uint64_t line, double *v, uint32_t *id,
                      char sb[48], nn_error *err)
{
	int r = nn_import_f64(text, v);
	*id = NN_NO_ID;
	if (r == NN_VALUE_MISSING) {
		if (!L->missing_line)
			L->missing_line = line;
		return 0;
	}
	if (nn_strset_add(&L->names, text, line, id, err))
		return -1;
	if (r == NN_VALUE_BAD) {
		*v = NAN;
		if (!L->nonnum_line) {
			L->nonnum_line = line;
			snprintf(L->nonnum_text, sizeof L->nonnum_text, "%s", import_shorten(text, sb));
		}
	} else if (*v == floor(*v) && *v >= INT32_MIN && *v <= INT32_MAX) {
		char buf[16];
		uint32_t unused;
		int32_t k = (int32_t)*v;
		snprintf(buf, sizeof buf, "%d", (int)k);
		if (nn_strset_add(&L->ints, buf, line, &unused, err))
			return -1;
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
	return 0;
}

void nn_labels_free(nn_labels *L)
{
	nn_strset_free(&L->names);
	nn_strset_free(&L->ints);
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* Sort name ids by their names (a small merge sort: qsort has no context). */
static void sort_names(uint32_t *v, uint32_t *tmp, size_t n, char *const *names)
{
	size_t h = n / 2, i = 0, j = h, k = 0;
	if (n < 2)
		return;
	sort_names(v, tmp, h, names);
	sort_names(v + h, tmp, n - h, names);
	while (i < h && j < n)
		tmp[k++] = strcmp(names[v[j]], names[v[i]]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

static void *alloc_n(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

int nn_labels_plan(const nn_labels *L, int task, const nn_strset *classes, nn_yplan *p,
                   nn_error *err)
{
	char sb[48];
	memset(p, 0, sizeof *p);
	p->dtype = NN_I32;
	if (task == NN_TASK_AUTO && !L->nonnum_line && !L->nonint_line && !classes && L->ints.n > 2) {
		/* whole numbers only: a few are classes, many a measurement
		 * (scikit-learn's type_of_target calls any of them multiclass) */
		p->distinct = L->ints.n;
		p->note = L->ints.n > NN_AUTO_MAX_CLASSES || L->ints.full ? NN_YNOTE_VALUES : NN_YNOTE_CLASSES;
		task = p->note == NN_YNOTE_VALUES ? NN_TASK_REGRESS : NN_TASK_CLASSIFY;
	}
	if (task == NN_TASK_AUTO)
		task = L->nonnum_line || !L->nonint_line || classes ? NN_TASK_CLASSIFY : NN_TASK_REGRESS;
	if (task == NN_TASK_REGRESS) {
		if (L->nonnum_line)
			return nn_error_set(err, NN_EDATA, "line %llu%s: label is not a number: '%s'",
			                    (unsigned long long)L->nonnum_line, L->column, L->nonnum_text);
		p->how = NN_Y_VALUE;
		p->dtype = NN_F32;
		return 0;
	}
	if (L->missing_line)
		return nn_error_set(err, NN_EDATA, "line %llu%s: missing label",
		                    (unsigned long long)L->missing_line, L->column);
	if (L->nonnum_line || L->nonint_line) {  /* class names */
		size_t n = L->names.n;
		if (L->names.full)
			return nn_error_set(err, NN_EDATA, "more than %d distinct labels", NN_MAX_CLASSES);
		p->how = NN_Y_NAMES;
		if (!(p->map = alloc_n(n, sizeof *p->map)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		if (classes) {
			for (size_t i = 0; i < n; i++) {
				uint32_t j = nn_strset_find(classes, L->names.s[i]);
				if (j == NN_NO_ID) {
					nn_error_set(err, NN_EDATA, "line %llu%s: label '%s' is not in --classes",
					             (unsigned long long)L->names.line[i], L->column,
					             import_shorten(L->names.s[i], sb));
					nn_yplan_free(p);
					return -1;
				}
				p->map[i] = j;
			}
			p->ncls = classes->n;
			p->cls = (const char *const *)classes->s;
			return 0;
		}
		for (size_t i = 0; i < n; i++) {
			const char *c = L->names.s[i];
			while (*c && (unsigned char)*c >= 0x20 && *c != 0x7f)
				c++;
			if (*c || c - L->names.s[i] > NN_MAX_NAME) {
				nn_error_set(err, NN_EDATA, "line %llu%s: a class name must have 1 to %d "
				             "bytes and no control characters",
				             (unsigned long long)L->names.line[i], L->column, NN_MAX_NAME);
				nn_yplan_free(p);
				return -1;
			}
		}
		uint32_t *order = alloc_n(n, sizeof *order), *tmp = alloc_n(n, sizeof *tmp);
		p->own = alloc_n(n, sizeof *p->own);
		if (!order || !tmp || !p->own) {
			free(order);
			free(tmp);
			nn_yplan_free(p);
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		sort_names(order, tmp, n, L->names.s);
		for (size_t r = 0; r < n; r++) {
			p->map[order[r]] = (uint32_t)r;
			p->own[r] = L->names.s[order[r]];
		}
		p->cls = p->own;
		p->ncls = n;
		free(order);
		free(tmp);
		return 0;
	}
	if (classes) {  /* whole numbers named by --classes */
		if (L->min_line && L->min < 0)
			return nn_error_set(err, NN_EDATA, "line %llu%s: class id %d is negative",
			                    (unsigned long long)L->min_line, L->column, (int)L->min);
		if (L->max_line && (size_t)L->max >= classes->n)
			return nn_error_set(err, NN_EDATA,
			                    "line %llu%s: class id %d needs more than the %zu --classes",
			                    (unsigned long long)L->max_line, L->column, (int)L->max,
			                    classes->n);
		p->how = NN_Y_ID;
		p->ncls = classes->n;
		p->cls = (const char *const *)classes->s;
		return 0;
	}
	if (!L->min_line || L->min >= 0) {
		p->how = NN_Y_ID;
		return 0;
	}
	if (L->ints.full)
		return nn_error_set(err, NN_EDATA, "more than %d distinct labels", NN_MAX_CLASSES);
	p->how = NN_Y_REMAP;
	p->nints = L->ints.n;
	p->ints = alloc_n(p->nints, sizeof *p->ints);
	p->own = alloc_n(p->nints, sizeof *p->own);
	if (!p->ints || !p->own) {
		nn_yplan_free(p);
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < p->nints; i++)
		p->ints[i] = (int32_t)strtol(L->ints.s[i], NULL, 10);
	qsort(p->ints, p->nints, sizeof *p->ints, cmp_i32);
	for (size_t i = 0; i < p->nints; i++) {
		char buf[16];
		snprintf(buf, sizeof buf, "%d", (int)p->ints[i]);
		p->own[i] = L->ints.s[nn_strset_find(&L->ints, buf)];
	}
	p->cls = p->own;
	p->ncls = p->nints;
	return 0;
}

int nn_yplan_note(const nn_yplan *p, char *buf, size_t n)
{
	if (p->note == NN_YNOTE_CLASSES)
		snprintf(buf, n, "the labels are %zu distinct whole numbers: taken as classes "
		         "(give --task regression for regression)", p->distinct);
	else if (p->note == NN_YNOTE_VALUES)
		snprintf(buf, n, "the labels are %zu distinct whole numbers, more than %d: taken as "
		         "regression targets (give --task classification for classes)", p->distinct,
		         NN_AUTO_MAX_CLASSES);
	return p->note != NN_YNOTE_NONE;
}

void nn_yplan_apply_rows(const nn_yplan *p, const double *v, const uint32_t *id, size_t n, void *y)
{
	for (size_t i = 0; i < n; i++)
		nn_yplan_apply(p, v[i], id[i], (unsigned char *)y + i * 4);
}

void nn_yplan_free(nn_yplan *p)
{
	free(p->own);
	free(p->ints);
	free(p->map);
	p->own = NULL;
	p->ints = NULL;
	p->map = NULL;
}

void nn_yplan_apply(const nn_yplan *p, double v, uint32_t id, void *dst)
{
	float f;
	int32_t k;
	const int32_t *hit;

	switch (p->how) {
	case NN_Y_VALUE:
		f = (float)v;
		memcpy(dst, &f, 4);
		return;
	case NN_Y_ID:
		k = (int32_t)v;
		break;
	case NN_Y_REMAP:
		k = (int32_t)v;
		hit = bsearch(&k, p->ints, p->nints, sizeof k, cmp_i32);
		k = hit ? (int32_t)(hit - p->ints) : 0;
		break;
	default:
		k = (int32_t)p->map[id];
		break;
	}
	memcpy(dst, &k, 4);
}
