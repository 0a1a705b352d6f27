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
