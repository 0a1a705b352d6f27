/* header.c — the schema as a stream's header object, both ways.
 *
 *   {"type":"header", "format":"nnpipe", "version":1, "kind":K,
 *    "fields":[{"name":N, "dtype":D, "shape":[...], "classes":[...]}...],
 *    "provenance":{"program":P, "version":V, "args":[...], "seed":S},
 *    "meta":{...}}
 *
 * Choices:
 * - The writer packs the keys in this order, meta last, so that the
 *   caller appends the metadata map's bytes as they are.
 * - The reader takes the keys in any order and skips keys it does not
 *   know; it looks for the version first, since a later version may hold
 *   what this one cannot parse and "version 2" is the message that helps.
 * - Every string is length-checked before it is copied, and refused if it
 *   holds a NUL byte.
 */
#include <stdlib.h>
#include <string.h>
#include "nn/mp.h"
#include "nn/pack.h"
#include "stream_int.h"

int header_pack(msgpack_packer *pk, const nn_schema *s)
{
	int e = 0;
	size_t nkeys = 6 + (s->meta_len ? 1 : 0);

	e |= msgpack_pack_map(pk, nkeys);
	e |= nn_pack_str(pk, "type") | nn_pack_str(pk, "header");
	e |= nn_pack_str(pk, "format") | nn_pack_str(pk, NN_FORMAT_NAME);
	e |= nn_pack_str(pk, "version") | msgpack_pack_uint32(pk, NN_FORMAT_VERSION);
	e |= nn_pack_str(pk, "kind") | nn_pack_str(pk, s->kind);
	e |= nn_pack_str(pk, "fields") | msgpack_pack_array(pk, s->nfields);
	for (size_t i = 0; i < s->nfields; i++) {
		const nn_field *f = &s->fields[i];
		e |= msgpack_pack_map(pk, f->nclasses ? 4 : 3);
		e |= nn_pack_str(pk, "name") | nn_pack_str(pk, f->name);
		e |= nn_pack_str(pk, "dtype") | nn_pack_str(pk, nn_dtype_name(f->dtype));
		e |= nn_pack_str(pk, "shape") | msgpack_pack_array(pk, (size_t)f->ndim);
		for (int d = 0; d < f->ndim; d++)
			e |= msgpack_pack_uint64(pk, f->shape[d]);
		if (f->nclasses) {
			e |= nn_pack_str(pk, "classes") | msgpack_pack_array(pk, f->nclasses);
			for (size_t k = 0; k < f->nclasses; k++)
				e |= nn_pack_str(pk, f->classes[k]);
		}
	}
	e |= nn_pack_str(pk, "provenance") | msgpack_pack_map(pk, 3 + (s->has_seed ? 1 : 0));
	e |= nn_pack_str(pk, "program") | nn_pack_str(pk, s->program ? s->program : "");
	e |= nn_pack_str(pk, "version") | nn_pack_str(pk, s->version ? s->version : "");
	e |= nn_pack_str(pk, "args") | msgpack_pack_array(pk, s->nargs);
	for (size_t i = 0; i < s->nargs; i++)
		e |= nn_pack_str(pk, s->args[i]);
	if (s->has_seed)
		e |= nn_pack_str(pk, "seed") | msgpack_pack_uint64(pk, s->seed);
	if (s->meta_len)   /* last: the caller appends the map's bytes */
		e |= nn_pack_str(pk, "meta");
	return e ? -1 : 0;
}

static int read_str_copy(nn_mp *c, char **out, size_t max, const char *what, nn_error *err)
{
	const char *s;
	size_t n;
	if (nn_mp_str(c, &s, &n, what, err))
		return -1;
	if (n > max)
		return nn_error_set(err, NN_ELIMIT, "%s: longer than %zu bytes", what, max);
	if (memchr(s, 0, n))
		return nn_error_set(err, NN_EDATA, "%s: contains a NUL byte", what);
	if (!(*out = malloc(n + 1)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	memcpy(*out, s, n);
	(*out)[n] = 0;
	return 0;
}

static int parse_field(nn_mp *c, nn_schema *s, nn_error *err)
{
	size_t nkeys, ndim = 0, ncls = 0;
	char *name = NULL, *dt = NULL;
	uint64_t shape[NN_MAX_DIMS];
	nn_mp classes = { NULL, NULL };
	nn_dtype dtype;
	int have_shape = 0, rc = -1;

	if (nn_mp_map(c, &nkeys, "field", err))
		return -1;
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(c, "name")) {
			nn_mp_skip(c, err);
			free(name);
			name = NULL;
			if (read_str_copy(c, &name, NN_MAX_NAME, "field name", err))
				goto out;
		} else if (nn_mp_str_is(c, "dtype")) {
			nn_mp_skip(c, err);
			free(dt);
			dt = NULL;
			if (read_str_copy(c, &dt, 16, "field dtype", err))
				goto out;
		} else if (nn_mp_str_is(c, "shape")) {
			nn_mp_skip(c, err);
			if (nn_mp_array(c, &ndim, "field shape", err))
				goto out;
			if (ndim > NN_MAX_DIMS) {
				nn_error_set(err, NN_ELIMIT, "field shape: more than %d dimensions", NN_MAX_DIMS);
				goto out;
			}
			for (size_t d = 0; d < ndim; d++)
				if (nn_mp_uint(c, &shape[d], "field shape", err))
					goto out;
			have_shape = 1;
		} else if (nn_mp_str_is(c, "classes")) {
			nn_mp_skip(c, err);
			classes = *c;
			if (nn_mp_array(c, &ncls, "field classes", err))
				goto out;
			if (ncls > NN_MAX_CLASSES) {
				nn_error_set(err, NN_ELIMIT, "more than %d classes", NN_MAX_CLASSES);
				goto out;
			}
			for (size_t i = 0; i < ncls; i++) {
				const char *cs;
				size_t cn;
				if (nn_mp_str(c, &cs, &cn, "class name", err))
					goto out;
			}
		} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {  /* unknown key */
			goto out;
		}
	}
	if (!name || !dt || !have_shape) {
		nn_error_set(err, NN_EDATA, "a field lacks its %s", !name ? "name" : !dt ? "dtype" : "shape");
		goto out;
	}
	if (nn_dtype_parse(dt, &dtype)) {
		nn_error_set(err, NN_EDATA, "field '%s': unknown dtype '%s'", name, dt);
		goto out;
	}
	if (nn_schema_add_field(s, name, dtype, (int)ndim, shape, err))
		goto out;
	if (ncls) {
		char **names = calloc(ncls, sizeof *names);
		if (!names) {
			nn_error_set(err, NN_ENOMEM, "out of memory");
			goto out;
		}
		nn_mp_array(&classes, &ncls, "", NULL);
		int bad = 0;
		for (size_t i = 0; i < ncls && !bad; i++)
			bad = read_str_copy(&classes, &names[i], NN_MAX_NAME, "class name", err);
		if (!bad)
			bad = nn_schema_set_classes(s, s->nfields - 1, ncls, (const char *const *)names, err);
		for (size_t i = 0; i < ncls; i++)
			free(names[i]);
		free(names);
		if (bad)
			goto out;
	}
	rc = 0;
out:
	free(name);
	free(dt);
	return rc;
}

static int parse_provenance(nn_mp *c, nn_schema *s, nn_error *err)
{
	size_t nkeys;

	if (nn_mp_map(c, &nkeys, "provenance", err))
		return -1;
	for (size_t k = 0; k < nkeys; k++) {
		char **dest = NULL;
		if (nn_mp_str_is(c, "program"))
			dest = &s->program;
		else if (nn_mp_str_is(c, "version"))
			dest = &s->version;
		if (dest) {
			nn_mp_skip(c, err);
			free(*dest);
			*dest = NULL;
			if (read_str_copy(c, dest, 4096, "provenance", err))
				return -1;
		} else if (nn_mp_str_is(c, "args")) {
			size_t n;
			nn_mp_skip(c, err);
			if (nn_mp_array(c, &n, "provenance args", err))
				return -1;
			for (size_t i = 0; i < s->nargs; i++)
				free(s->args[i]);
			free(s->args);
			s->nargs = 0;
			if (!(s->args = calloc(n ? n : 1, sizeof *s->args)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			for (; s->nargs < n; s->nargs++)
				if (read_str_copy(c, &s->args[s->nargs], NN_MAX_ARG_BYTES, "provenance args", err))
					return -1;
		} else if (nn_mp_str_is(c, "seed")) {
			nn_mp_skip(c, err);
			if (nn_mp_uint(c, &s->seed, "provenance seed", err))
				return -1;
			s->has_seed = 1;
		} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {
			return -1;
		}
	}
	return 0;
}

nn_schema *header_parse(const unsigned char *obj, size_t len, nn_error *err)
{
	nn_mp c = { obj, obj + len };
	size_t nkeys, nf;
	nn_schema *s = nn_schema_new("data", err);
	int have_format = 0, have_fields = 0;
	uint64_t version = 0;

	if (!s)
		return NULL;
	if (nn_mp_map(&c, &nkeys, "header", NULL) || !nn_mp_str_is(&c, "type")) {
		nn_error_set(err, NN_EDATA, "not an nn stream (zstd data, but no nnpipe header)");
		goto fail;
	}
	/* the version first (see the top of this file) */
	nn_mp scan = c;
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(&scan, "version")) {
			nn_mp_skip(&scan, NULL);
			if (nn_mp_uint(&scan, &version, "version", NULL)) {
				nn_error_set(err, NN_EDATA, "stream format version is not an unsigned integer; "
				             "this nnpipe reads version %d", NN_FORMAT_VERSION);
				goto fail;
			}
			if (version != NN_FORMAT_VERSION) {
				nn_error_set(err, NN_EDATA, "stream format version %llu; this nnpipe reads version %d",
				             (unsigned long long)version, NN_FORMAT_VERSION);
				goto fail;
			}
			break;
		}
		if (nn_mp_skip(&scan, NULL) || nn_mp_skip(&scan, NULL))
			break;
	}
	for (size_t k = 0; k < nkeys; k++) {
		const char *v;
		size_t n;
		if (nn_mp_str_is(&c, "type")) {
			nn_mp_skip(&c, err);
			if (!nn_mp_str_is(&c, "header")) {
				nn_error_set(err, NN_EDATA, "not an nn stream (expected a header object first)");
				goto fail;
			}
			nn_mp_skip(&c, err);
		} else if (nn_mp_str_is(&c, "format")) {
			nn_mp_skip(&c, err);
			if (nn_mp_str(&c, &v, &n, "format", err))
				goto fail;
			if (n != strlen(NN_FORMAT_NAME) || memcmp(v, NN_FORMAT_NAME, n)) {
				nn_error_set(err, NN_EDATA, "not an nn stream (format is not '%s')", NN_FORMAT_NAME);
				goto fail;
			}
			have_format = 1;
		} else if (nn_mp_str_is(&c, "version")) {
			nn_mp_skip(&c, err);
			if (nn_mp_uint(&c, &version, "version", err))
				goto fail;
		} else if (nn_mp_str_is(&c, "kind")) {
			nn_mp_skip(&c, err);
			free(s->kind);
			s->kind = NULL;
			if (read_str_copy(&c, &s->kind, NN_MAX_NAME, "kind", err))
				goto fail;
		} else if (nn_mp_str_is(&c, "fields")) {
			nn_mp_skip(&c, err);
			if (have_fields) {
				nn_error_set(err, NN_EDATA, "header lists its fields twice");
				goto fail;
			}
			if (nn_mp_array(&c, &nf, "fields", err))
				goto fail;
			if (nf > NN_MAX_FIELDS) {
				nn_error_set(err, NN_ELIMIT, "more than %d fields", NN_MAX_FIELDS);
				goto fail;
			}
			for (size_t i = 0; i < nf; i++)
				if (parse_field(&c, s, err))
					goto fail;
			have_fields = 1;
		} else if (nn_mp_str_is(&c, "provenance")) {
			nn_mp_skip(&c, err);
			if (parse_provenance(&c, s, err))
				goto fail;
		} else if (nn_mp_str_is(&c, "meta")) {
			nn_mp_skip(&c, err);
			const unsigned char *start = c.p;
			if (nn_mp_map(&c, &n, "meta", err))
				goto fail;
			c.p = start;
			if (nn_mp_skip(&c, err) ||
			    nn_schema_set_meta(s, start, (size_t)(c.p - start), err))
				goto fail;
		} else if (nn_mp_skip(&c, err) || nn_mp_skip(&c, err)) {
			goto fail;
		}
	}
	if (!have_format) {
		nn_error_set(err, NN_EDATA, "not an nn stream (no format name in the header)");
		goto fail;
	}
	if (version != NN_FORMAT_VERSION) {
		nn_error_set(err, NN_EDATA, "stream format version %llu; this nnpipe reads version %d",
		             (unsigned long long)version, NN_FORMAT_VERSION);
		goto fail;
	}
	if (!have_fields || s->nfields == 0) {
		nn_error_set(err, NN_EDATA, "header has no fields");
		goto fail;
	}
	if (c.p != c.end) {
		nn_error_set(err, NN_EDATA, "bytes after the header object in its frame");
		goto fail;
	}
	size_t rb;
	if (stream_row_bytes(s, &rb, err))
		goto fail;
	return s;
fail:
	nn_schema_free(s);
	return NULL;
}
