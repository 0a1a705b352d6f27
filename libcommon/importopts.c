/* importopts.c — nn-import's argument rules (nn/importopts.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <msgpack.h>
#include <zlib.h>
#include "nn/cli.h"
#include "nn/crypt.h"
#include "nn/mp.h"
#include "nn/importopts.h"
#include "nn/pack.h"

int nn_import_format_of(const char *path)
{
	static const struct { const char *ext; int f; } exts[] = {
		{ ".csv", NN_IMPORT_CSV }, { ".tsv", NN_IMPORT_TSV }, { ".tab", NN_IMPORT_TSV },
		{ ".svm", NN_IMPORT_LIBSVM }, { ".libsvm", NN_IMPORT_LIBSVM },
		{ ".svmlight", NN_IMPORT_LIBSVM },
		{ ".npy", NN_IMPORT_NPY }, { ".idx", NN_IMPORT_IDX }, { "ubyte", NN_IMPORT_IDX }
	};
	size_t n;

	if (!path || !strcmp(path, "-"))
		return NN_IMPORT_CSV;
	n = strlen(path);
	if (n > 3 && !strcmp(path + n - 3, ".gz"))
		n -= 3;
	for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
		size_t e = strlen(exts[i].ext);
		if (n >= e && !strncasecmp(path + n - e, exts[i].ext, e))
			return exts[i].f;
	}
	return -1;
}

/* --- class names ------------------------------------------------------- */

static const char *const fashion_mnist[] = {
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
};

int nn_class_list(nn_strset *set, const char *list, nn_error *err)
{
	char *copy, *p;
	uint32_t id;

	if (!strcmp(list, "fashion-mnist")) {
		for (size_t i = 0; i < sizeof fashion_mnist / sizeof *fashion_mnist; i++)
			if (nn_strset_add(set, fashion_mnist[i], 0, &id, err))
				return -1;
		return 0;
	}
	if (!(copy = strdup(list)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (p = copy; p; ) {
		char *comma = strchr(p, ',');
		size_t had = set->n;
		if (comma)
			*comma++ = 0;
		if (!*p) {
			free(copy);
			return nn_error_set(err, NN_EARG, "empty class name");
		}
		if (nn_strset_add(set, p, 0, &id, err)) {
			free(copy);
			return -1;
		}
		if (id == NN_NO_ID) {
			free(copy);
			return nn_error_set(err, NN_EARG, "more than %d names", NN_MAX_CLASSES);
		}
		if (set->n == had) {   /* a value in a message: at most 40 bytes */
			if (strlen(p) > 40)
				nn_error_set(err, NN_EARG, "'%.37s...' appears twice", p);
			else
				nn_error_set(err, NN_EARG, "'%s' appears twice", p);
			free(copy);
			return -1;
		}
		p = comma;
	}
	free(copy);
	return 0;
}

int nn_parse_dims(const char *s, uint64_t out[NN_MAX_DIMS], nn_error *err)
{
	int n = 0;

	while (*s) {
		long long v;
		char part[32];
		size_t len = strcspn(s, ",");
		if (n == NN_MAX_DIMS || len == 0 || len >= sizeof part)
			return nn_error_set(err, NN_EARG, "expected up to %d sizes separated by commas",
			                    NN_MAX_DIMS);
		memcpy(part, s, len);
		part[len] = 0;
		if (nn_parse_ll(part, 1, 1ll << 40, &v))
			return nn_error_set(err, NN_EARG, "'%s' is not a size", part);
		out[n++] = (uint64_t)v;
		s += len + (s[len] == ',');
	}
	if (n == 0)
		return nn_error_set(err, NN_EARG, "no sizes given");
	return n;
}

/* --- gzip-or-plain input ------------------------------------------------ */

struct nn_gzin {
	gzFile gz;
	int fd;
	off_t start;     /* offset of fd when opened (-1: not seekable) */
};

nn_gzin *nn_gzin_open(int fd, nn_error *err)
{
	nn_gzin *g = calloc(1, sizeof *g);

	if (!g || !(g->gz = gzdopen(fd, "rb"))) {
		free(g);
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	g->fd = fd;
	g->start = lseek(fd, 0, SEEK_CUR);
	gzbuffer(g->gz, 1 << 17);
	return g;
}

/* nn_read_fn: up to n bytes, fewer only at the end. */
static ptrdiff_t gzin_read(void *ctx, void *dst, size_t n, nn_error *err)
{
	nn_gzin *g = ctx;
	unsigned char *d = dst;
	size_t got = 0;

	while (got < n) {
		size_t want = n - got < (1u << 30) ? n - got : (1u << 30);
		int r = gzread(g->gz, d + got, (unsigned)want), code;
		if (r <= 0) {
			const char *m = gzerror(g->gz, &code);
			if (code == Z_BUF_ERROR)
				return nn_error_set(err, NN_EDATA, "truncated gzip data");
			if (code == Z_ERRNO)
				return nn_error_set(err, NN_EIO, "read: %s", strerror(errno));
			if (code != Z_OK)
				return nn_error_set(err, NN_EDATA, "gzip: %s", m);
			break;
		}
		got += (size_t)r;
	}
	return (ptrdiff_t)got;
}

nn_source nn_gzin_source(nn_gzin *g)
{
	return (nn_source){ gzin_read, g };
}

long long nn_gzin_size(nn_gzin *g)
{
	struct stat st;
	if (gzdirect(g->gz) && g->start >= 0 && !fstat(g->fd, &st) && S_ISREG(st.st_mode))
		return (long long)(st.st_size - g->start);
	return -1;
}

int nn_gzin_close(nn_gzin *g, nn_error *err)
{
	int rc;

	if (!g)
		return 0;
	rc = gzclose_r(g->gz);
	free(g);
	if (rc == Z_ERRNO)
		return nn_error_set(err, NN_EIO, "close: %s", strerror(errno));
	if (rc != Z_OK)
		return nn_error_set(err, NN_EDATA, "close: gzip error");
	return 0;
}

/* --- header names as metadata ------------------------------------------- */

int nn_import_names_meta(nn_schema *s, char *const *names, size_t ncols,
                         const unsigned char *role, size_t nfeat, const char *label,
                         nn_error *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int bad, rc = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	bad = msgpack_pack_map(&pk, label ? 2 : 1);
	bad |= nn_pack_str(&pk, "feature_names");
	bad |= msgpack_pack_array(&pk, nfeat);
	for (size_t i = 0; i < ncols; i++)
		if (role[i] == NN_COL_FEATURE)
			bad |= nn_pack_str(&pk, names[i]);
	if (label) {
		bad |= nn_pack_str(&pk, "label_name");
		bad |= nn_pack_str(&pk, label);
	}
	if (bad)
		rc = nn_error_set(err, NN_ENOMEM, "out of memory");
	else if (sb.size <= NN_MAX_HEADER_BYTES / 4)
		rc = nn_schema_set_meta(s, sb.data, sb.size, err);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static char *mp_strdup(nn_mp *c)
{
	const char *str;
	size_t len;
	char *d;

	if (nn_mp_str(c, &str, &len, "name", NULL) || !(d = malloc(len + 1)))
		return NULL;
	memcpy(d, str, len);
	d[len] = 0;
	return d;
}

/* Is the next object a string?  (The cursor stays.) */
static int next_is_str(const nn_mp *c)
{
	nn_mp at = *c;
	const char *str;
	size_t len;
	return !nn_mp_str(&at, &str, &len, "", NULL);
}

void nn_import_names_free(char **names, size_t nnames, char *label)
{
	for (size_t i = 0; names && i < nnames; i++)
		free(names[i]);
	free(names);
	free(label);
}

int nn_import_names_read(const nn_schema *s, char ***names, size_t *nnames, char **label,
                         nn_error *err)
{
	nn_mp c = { s->meta, s->meta + s->meta_len };
	size_t n, k, j;

	*names = NULL;
	*nnames = 0;
	*label = NULL;
	if (!s->meta || nn_mp_map(&c, &n, "metadata", NULL))
		return 0;
	for (size_t i = 0; i < n; i++) {
		int is_label = nn_mp_str_is(&c, "label_name");
		int is_feat = nn_mp_str_is(&c, "feature_names");
		if (nn_mp_skip(&c, NULL))
			return 0;
		if (is_label && !*label && next_is_str(&c)) {
			if (!(*label = mp_strdup(&c)))
				goto oom;
			continue;
		}
		if (is_feat && !*names && !nn_mp_array(&c, &k, "names", NULL)) {
			char **v = calloc(k ? k : 1, sizeof *v);
			if (!v)
				goto oom;
			for (j = 0; j < k; j++) {
				if (!next_is_str(&c))
					break;     /* not all strings: no names */
				if (!(v[j] = mp_strdup(&c))) {
					nn_import_names_free(v, j, NULL);
					goto oom;
				}
			}
			if (j < k) {
				nn_import_names_free(v, j, NULL);
				return 0;
			}
			*names = v;
			*nnames = k;
			continue;
		}
		if (nn_mp_skip(&c, NULL))
			return 0;
	}
	return 0;
oom:
	nn_import_names_free(*names, *nnames, *label);
	*names = NULL;
	*nnames = 0;
	*label = NULL;
	return nn_error_set(err, NN_ENOMEM, "out of memory");
}

size_t nn_npy_header(char *h, const nn_field *f, uint64_t rows)
{
	static const char *descr[NN_DTYPE_COUNT] = {
		"|u1", "|i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8", "<f4", "<f8", "|S"
	};
	const size_t size = 1024;
	size_t len, total;
	int str = f->dtype == NN_STR;   /* numpy's bytes_ of the field's width: 'S64' */
	char width[24] = "";

	if (str)
		snprintf(width, sizeof width, "%zu", f->row_bytes);
	len = (size_t)snprintf(h + 10, size - 10, "{'descr': '%s%s', 'fortran_order': False, 'shape': (%llu",
	                       descr[f->dtype], width, (unsigned long long)rows);
	for (int d = 0; d < f->ndim && !str; d++)
		len += (size_t)snprintf(h + 10 + len, size - 10 - len, ", %llu",
		                        (unsigned long long)f->shape[d]);
	len += (size_t)snprintf(h + 10 + len, size - 10 - len, f->ndim && !str ? "), }" : ",), }");
	/* room for the longest count: 20 digits against the 1 of "0" */
	total = (10 + len + 19 + 1 + 63) / 64 * 64;
	memcpy(h, "\x93NUMPY\x01\x00", 8);
	h[8] = (char)((total - 10) & 0xff);
	h[9] = (char)((total - 10) >> 8);
	memset(h + 10 + len, ' ', total - 10 - len - 1);
	h[total - 1] = '\n';
	return total;
}

int nn_import_check_args(const nn_import_args *a, int *delim, nn_error *err)
{
	int csv = a->format == NN_IMPORT_CSV || a->format == NN_IMPORT_TSV;
	int text = csv || a->format == NN_IMPORT_LIBSVM;
	const char *d = a->delim;

	if (!csv && (a->label || a->no_header || a->ndrop || a->delim || a->nids))
		return nn_error_set(err, NN_EARG, "--label, --no-header, --drop-col, --id and --delimiter "
		                    "are for csv and tsv");
	if (!d)
		*delim = a->format == NN_IMPORT_TSV ? '\t' : ',';
	else if (!strcmp(d, "\\t") || !strcmp(d, "tab"))
		*delim = '\t';
	else if (strlen(d) == 1 && (unsigned char)d[0] >= 0x20 && (unsigned char)d[0] < 0x7f &&
	         !strchr("\"0123456789.+-eE", d[0]))
		*delim = d[0];
	else
		return nn_error_set(err, NN_EARG, "--delimiter: '%s' is not one ASCII character (or \\t), "
		                    "nor a quote, a digit, a sign, a point or e", d);
	if (!text && (a->skip || a->task_given))
		return nn_error_set(err, NN_EARG, "--skip and --task are for csv, tsv and libsvm");
	if (a->format != NN_IMPORT_LIBSVM && a->features)
		return nn_error_set(err, NN_EARG, "--features is for libsvm");
	if (text && a->labels)
		return nn_error_set(err, NN_EARG, "--labels is for idx and npy");
	if (csv && !a->label && (a->classes || a->task_given))
		return nn_error_set(err, NN_EARG, "--classes and --task need --label");
	if (a->classes && a->task == NN_TASK_REGRESS)
		return nn_error_set(err, NN_EARG, "--classes names classes: it cannot go with --task regression");
	if (!text && a->classes && !a->labels)
		return nn_error_set(err, NN_EARG, "--classes needs --labels for idx and npy");
	if (a->labels && !strcmp(a->labels, "-") && (!a->in_path || !strcmp(a->in_path, "-")))
		return nn_error_set(err, NN_EARG, "the input and --labels cannot both be standard input");
	return 0;
}

int nn_import_check_names(const char *x, const char *y, size_t n, const char *const *classes,
                          nn_error *err)
{
	nn_schema *s = nn_schema_new("data", err);
	int rc = 0;

	if (!s)
		return -1;
	if (nn_schema_add_field(s, x, NN_F32, 0, NULL, err) ||
	    nn_schema_add_field(s, y, NN_I32, 0, NULL, err)) {
		if (err && err->code != NN_ENOMEM)
			nn_error_prefix(err, "--x, --y");
		rc = -1;
	} else if (nn_schema_set_classes(s, 1, n, classes, err)) {
		if (err && err->code != NN_ENOMEM)
			nn_error_prefix(err, "--classes");
		rc = -1;
	}
	nn_schema_free(s);
	if (rc && err && err->code != NN_ENOMEM)
		err->code = NN_EARG;
	return rc;
}

int nn_import_reshape(const char *spec, int ndim, const uint64_t *shape,
                      uint64_t out[NN_MAX_DIMS], nn_error *err)
{
	uint64_t have = 1, want = 1;
	int n = nn_parse_dims(spec, out, err);

	if (n < 0)
		return *spec ? nn_error_prefix(err, "--shape '%s'", spec) : nn_error_prefix(err, "--shape");
	for (int i = 0; i < ndim; i++)
		have *= shape[i];
	for (int i = 0; i < n; i++)
		want *= out[i];
	if (want != have)
		return nn_error_set(err, NN_EDATA, "--shape %s holds %llu values; the rows have %llu",
		                    spec, (unsigned long long)want, (unsigned long long)have);
	return n;
}

int nn_import_check(const nn_import_args *a, const char *x, const char *y, const char *shape,
                    nn_strset *classes, int *delim, nn_error *err)
{
	uint64_t dims[NN_MAX_DIMS];

	if (a->classes && nn_class_list(classes, a->classes, err))
		return nn_error_prefix(err, "--classes");
	if (nn_import_check_args(a, delim, err) ||
	    nn_import_check_names(x, y, classes->n, (const char *const *)classes->s, err))
		return -1;
	if (shape && nn_parse_dims(shape, dims, err) < 0)
		return nn_error_prefix(err, *shape ? "--shape '%s'" : "--shape", shape);
	return 0;
}

int nn_import_format_pick(const char *word, int delim_given, const char *path)
{
	if (word)
		return nn_cli_choice(NN_IMPORT_FORMATS, word);
	return delim_given ? NN_IMPORT_CSV : nn_import_format_of(path);
}

int nn_import_add_x(nn_schema *s, const char *name, nn_dtype t, int ndim, const uint64_t *shape,
                    const char *reshape, nn_error *err)
{
	uint64_t shaped[NN_MAX_DIMS];

	if (reshape) {
		if ((ndim = nn_import_reshape(reshape, ndim, shape, shaped, err)) < 0)
			return -1;
		shape = shaped;
	}
	return nn_schema_add_field(s, name, t, ndim, shape, err);
}

int nn_import_add_y(nn_schema *s, const char *name, nn_dtype t, size_t n,
                    const char *const *classes, nn_error *err)
{
	if (nn_schema_add_field(s, name, t, 0, NULL, err))
		return -1;
	return n ? nn_schema_set_classes(s, s->nfields - 1, n, classes, err) : 0;
}

int nn_import_csv_fields(nn_schema *s, const nn_csv_info *in, const char *x, const char *y,
                         const nn_yplan *p, const char *const *ids, nn_error *err)
{
	uint64_t w = in->id_width;

	if (p && nn_import_add_y(s, y, p->dtype, p->ncls, p->cls, err))
		return -1;
	for (size_t k = 0; k < in->nids; k++) {
		const char *n = in->id_names[k];
		int is_x = !strcmp(n, x);
		if (is_x || (p && !strcmp(n, y)))
			return nn_error_set(err, NN_EARG, "--id %s: its field '%s' would have the name of the "
			                    "%s field (rename that with %s)", ids[k], n,
			                    is_x ? "features" : "label", is_x ? "--x" : "--y");
		if (nn_schema_add_field(s, n, NN_STR, 1, &w, err))
			return -1;
	}
	return 0;
}

int nn_import_hash_ids(nn_strlist *ids, nn_strlist *hash, int have_key, long long id_width,
                       nn_error *err)
{
	const char **v;

	if (!hash->n)
		return 0;
	if (!have_key)
		return nn_error_set(err, NN_EARG, "--hash-id needs a key (--key FILE or NN_KEY_FILE)");
	if (id_width < NN_HASHID_HEX)
		return nn_error_set(err, NN_EARG, "--hash-id needs --id-width %d at least", NN_HASHID_HEX);
	if (!(v = realloc(ids->v, (ids->n + hash->n) * sizeof *v)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	ids->v = v;
	for (size_t k = 0; k < hash->n; k++)
		ids->v[ids->n++] = hash->v[k];
	nn_strlist_free(hash);
	return 0;
}
