/* schema.c — building, copying and comparing stream schemas. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/mp.h"
#include "nn/stream.h"

static char *dup_str(const char *s, nn_error *err)
{
	char *d = strdup(s ? s : "");
	if (!d)
		nn_error_set(err, NN_ENOMEM, "out of memory");
	return d;
}

nn_schema *nn_schema_new(const char *kind, nn_error *err)
{
	nn_schema *s = calloc(1, sizeof *s);
	if (!s || !(s->kind = dup_str(kind, err))) {
		free(s);
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	return s;
}

static void free_strs(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void nn_schema_free(nn_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfields; i++) {
		free(s->fields[i].name);
		free_strs(s->fields[i].classes, s->fields[i].nclasses);
	}
	free(s->fields);
	free(s->kind);
	free(s->program);
	free(s->version);
	free_strs(s->args, s->nargs);
	free(s->meta);
	free(s);
}

/* Names are short, non-empty and free of control characters, so that they
 * print safely and fit every limit. */
static int check_name(const char *what, const char *name, nn_error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > NN_MAX_NAME)
		return nn_error_set(err, NN_EDATA, "%s name must have 1 to %d bytes", what, NN_MAX_NAME);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return nn_error_set(err, NN_EDATA, "%s name has a control character", what);
	return 0;
}

int nn_schema_add_field(nn_schema *s, const char *name, nn_dtype dtype,
                        int ndim, const uint64_t *shape, nn_error *err)
{
	size_t elems = 1, bytes;
	nn_field *f;

	if (check_name("field", name, err))
		return -1;
	if (nn_schema_find(s, name) >= 0)
		return nn_error_set(err, NN_EDATA, "field '%s' appears twice", name);
	if (s->nfields >= NN_MAX_FIELDS)
		return nn_error_set(err, NN_ELIMIT, "more than %d fields", NN_MAX_FIELDS);
	if (dtype >= NN_DTYPE_COUNT)
		return nn_error_set(err, NN_EDATA, "field '%s': bad dtype", name);
	if (ndim < 0 || ndim > NN_MAX_DIMS)
		return nn_error_set(err, NN_ELIMIT, "field '%s': more than %d dimensions", name, NN_MAX_DIMS);
	for (int d = 0; d < ndim; d++) {
		if (shape[d] == 0)
			return nn_error_set(err, NN_EDATA, "field '%s': dimension %d is zero", name, d);
		if (shape[d] > NN_MAX_OBJECT_BYTES || nn_size_mul(elems, (size_t)shape[d], &elems))
			return nn_error_set(err, NN_ELIMIT, "field '%s': shape too large", name);
	}
	/* text: one row of W bytes, W within the documented limit */
	if (dtype == NN_STR && (ndim != 1 || shape[0] > NN_MAX_STR_BYTES))
		return nn_error_set(err, NN_ELIMIT, "field '%s': a str field has the shape [W], "
		                    "W from 1 to %d bytes", name, NN_MAX_STR_BYTES);
	if (nn_size_mul(elems, nn_dtype_size(dtype), &bytes) || bytes > NN_MAX_OBJECT_BYTES / 2)
		return nn_error_set(err, NN_ELIMIT, "field '%s': one row is over %u bytes",
		                    name, NN_MAX_OBJECT_BYTES / 2);
	f = realloc(s->fields, (s->nfields + 1) * sizeof *f);
	if (!f)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	s->fields = f;
	f = &s->fields[s->nfields];
	memset(f, 0, sizeof *f);
	if (!(f->name = dup_str(name, err)))
		return -1;
	f->dtype = dtype;
	f->ndim = ndim;
	for (int d = 0; d < ndim; d++)
		f->shape[d] = shape[d];
	f->row_elems = elems;
	f->row_bytes = bytes;
	s->nfields++;
	return 0;
}

int nn_schema_set_classes(nn_schema *s, size_t field, size_t n,
                          const char *const *names, nn_error *err)
{
	nn_field *f;
	char **v;

	if (field >= s->nfields)
		return nn_error_set(err, NN_EARG, "no field %zu", field);
	f = &s->fields[field];
	/* Integer labels: one class index per row.  Float fields of shape [C]:
	 * one probability per class (soft labels, predicted probabilities). */
	if (f->dtype == NN_STR || (nn_dtype_is_float(f->dtype) ? f->ndim != 1 || f->shape[0] != n : f->row_elems != 1))
		return nn_error_set(err, NN_EDATA, "field '%s': class names need a scalar integer field "
		                    "or a float field of shape [%zu]", f->name, n);
	if (n > NN_MAX_CLASSES)
		return nn_error_set(err, NN_ELIMIT, "field '%s': more than %d classes", f->name, NN_MAX_CLASSES);
	for (size_t i = 0; i < n; i++)
		if (check_name("class", names[i], err))
			return nn_error_prefix(err, "field '%s': class %zu", f->name, i);
	v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = dup_str(names[i], err))) {
			free_strs(v, i);
			return -1;
		}
	free_strs(f->classes, f->nclasses);
	f->classes = v;
	f->nclasses = n;
	return 0;
}

int nn_schema_set_provenance(nn_schema *s, const char *program,
                             const char *version, int argc,
                             const char *const *argv, nn_error *err)
{
	char *p, *v, **a;

	/* the limits a reader applies (stream.c): never write what fails there */
	if (strlen(program ? program : "") > 4096 || strlen(version ? version : "") > 4096)
		return nn_error_set(err, NN_ELIMIT, "provenance: a name over 4096 bytes");
	for (int i = 0; i < argc; i++)
		if (strlen(argv[i]) > NN_MAX_ARG_BYTES)
			return nn_error_set(err, NN_EARG, "argument %d is over %d bytes, too long to record",
			                    i + 1, NN_MAX_ARG_BYTES);
	p = dup_str(program, err);
	v = dup_str(version, err);
	a = calloc(argc > 0 ? (size_t)argc : 1, sizeof *a);
	if (!p || !v || !a)
		goto oom;
	for (int i = 0; i < argc; i++)
		if (!(a[i] = strdup(argv[i])))
			goto oom;
	free(s->program);
	free(s->version);
	free_strs(s->args, s->nargs);
	s->program = p;
	s->version = v;
	s->args = a;
	s->nargs = argc > 0 ? (size_t)argc : 0;
	return 0;
oom:
	free(p);
	free(v);
	free_strs(a, argc > 0 ? (size_t)argc : 0);
	return nn_error_set(err, NN_ENOMEM, "out of memory");
}

void nn_schema_set_seed(nn_schema *s, uint64_t seed)
{
	s->has_seed = 1;
	s->seed = seed;
}

int nn_schema_set_meta(nn_schema *s, const void *msgpack_map, size_t len, nn_error *err)
{
	unsigned char *m = NULL;

	if (len) {
		nn_mp c = { msgpack_map, (const unsigned char *)msgpack_map + len };
		size_t n;
		if (nn_mp_map(&c, &n, "metadata", err))
			return -1;
		c.p = msgpack_map;
		if (nn_mp_skip(&c, err))
			return nn_error_prefix(err, "metadata");
		if (c.p != c.end)
			return nn_error_set(err, NN_EDATA, "metadata: bytes after the map");
		if (!(m = malloc(len)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		memcpy(m, msgpack_map, len);
	}
	free(s->meta);
	s->meta = m;
	s->meta_len = len;
	return 0;
}

int nn_schema_find(const nn_schema *s, const char *name)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (!strcmp(s->fields[i].name, name))
			return (int)i;
	return -1;
}

int nn_classes_same(size_t na, char *const *a, size_t nb, char *const *b)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

nn_schema *nn_schema_clone(const nn_schema *s, nn_error *err)
{
	nn_schema *c = nn_schema_new(s->kind, err);

	if (!c)
		return NULL;
	for (size_t i = 0; i < s->nfields; i++) {
		const nn_field *f = &s->fields[i];
		if (nn_schema_add_field(c, f->name, f->dtype, f->ndim, f->shape, err) ||
		    (f->nclasses && nn_schema_set_classes(c, i, f->nclasses,
		                                          (const char *const *)f->classes, err)))
			goto fail;
	}
	if (s->program && nn_schema_set_provenance(c, s->program, s->version, (int)s->nargs,
	                                           (const char *const *)s->args, err))
		goto fail;
	c->has_seed = s->has_seed;
	c->seed = s->seed;
	if (nn_schema_set_meta(c, s->meta, s->meta_len, err))
		goto fail;
	return c;
fail:
	nn_schema_free(c);
	return NULL;
}

void nn_shape_str(char *buf, size_t n, int ndim, const uint64_t *shape)
{
	size_t at = 0;
	at += (size_t)snprintf(buf, n, "[");
	for (int d = 0; d < ndim && at < n; d++)
		at += (size_t)snprintf(buf + at, n - at, "%s%llu", d ? "," : "", (unsigned long long)shape[d]);
	if (at < n)
		snprintf(buf + at, n - at, "]");
}

int nn_schema_compare(const nn_schema *a, const nn_schema *b, nn_error *err)
{
	if (strcmp(a->kind, b->kind))
		return nn_error_set(err, NN_EDATA, "kind differs: '%s' then '%s'", a->kind, b->kind);
	for (size_t i = 0; i < a->nfields; i++) {
		const nn_field *fa = &a->fields[i];
		int j = nn_schema_find(b, fa->name);
		if (j < 0)
			return nn_error_set(err, NN_EDATA, "field '%s' is missing from the second", fa->name);
		const nn_field *fb = &b->fields[j];
		if ((size_t)j != i)
			return nn_error_set(err, NN_EDATA, "field '%s' is field %zu, then field %d", fa->name, i, j);
		if (fa->dtype != fb->dtype)
			return nn_error_set(err, NN_EDATA, "field '%s' has dtype %s, then %s", fa->name,
			                    nn_dtype_name(fa->dtype), nn_dtype_name(fb->dtype));
		if (fa->ndim != fb->ndim || memcmp(fa->shape, fb->shape, sizeof fa->shape)) {
			char sa[NN_SHAPE_CHARS], sb[NN_SHAPE_CHARS];
			nn_shape_str(sa, sizeof sa, fa->ndim, fa->shape);
			nn_shape_str(sb, sizeof sb, fb->ndim, fb->shape);
			return nn_error_set(err, NN_EDATA, "field '%s' has shape %s, then %s", fa->name, sa, sb);
		}
		if (fa->nclasses != fb->nclasses)
			return nn_error_set(err, NN_EDATA, "field '%s' has %zu class names, then %zu",
			                    fa->name, fa->nclasses, fb->nclasses);
		for (size_t k = 0; k < fa->nclasses; k++)
			if (strcmp(fa->classes[k], fb->classes[k]))
				return nn_error_set(err, NN_EDATA, "field '%s' names class %zu '%s', then '%s'",
				                    fa->name, k, fa->classes[k], fb->classes[k]);
	}
	for (size_t j = 0; j < b->nfields; j++)
		if (nn_schema_find(a, b->fields[j].name) < 0)
			return nn_error_set(err, NN_EDATA, "field '%s' is new in the second", b->fields[j].name);
	return 0;
}
