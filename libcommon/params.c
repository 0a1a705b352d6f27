/* params.c — files of fitted parameters (see nn/params.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <msgpack.h>
#include "nn/mp.h"
#include "nn/params.h"
#include "nn/pack.h"
#include "nn/prep.h"

void nn_params_init(nn_params *p, const char *program, const char *method, const nn_field *f)
{
	memset(p, 0, sizeof *p);
	snprintf(p->program, sizeof p->program, "%s", program);
	snprintf(p->method, sizeof p->method, "%s", method);
	snprintf(p->field, sizeof p->field, "%s", f->name);
	p->dtype = f->dtype;
	p->ndim = f->ndim;
	memcpy(p->shape, f->shape, sizeof p->shape);
	p->elems = f->row_elems;
}

double *nn_params_add(nn_params *p, const char *name, nn_error *err)
{
	double *v;

	if (p->nvec >= NN_PARAMS_MAXVEC || strlen(name) >= sizeof p->name[0]) {
		nn_error_set(err, NN_EARG, "params: too many vectors");
		return NULL;
	}
	if (!(v = calloc(p->elems ? p->elems : 1, sizeof *v))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(p->name[p->nvec], sizeof p->name[0], "%s", name);
	p->vec[p->nvec++] = v;
	return v;
}

int nn_params_set_option(nn_params *p, const char *name, const char *value, nn_error *err)
{
	if (p->nopt >= NN_PARAMS_MAXOPT || strlen(name) >= sizeof p->opt_name[0] ||
	    strlen(value) >= sizeof p->opt_value[0])
		return nn_error_set(err, NN_EARG, "params: too many or too long settings");
	snprintf(p->opt_name[p->nopt], sizeof p->opt_name[0], "%s", name);
	snprintf(p->opt_value[p->nopt], sizeof p->opt_value[0], "%s", value);
	p->nopt++;
	return 0;
}

const char *nn_params_option(const nn_params *p, const char *name)
{
	for (size_t i = 0; i < p->nopt; i++)
		if (!strcmp(p->opt_name[i], name))
			return p->opt_value[i];
	return NULL;
}

int nn_params_fits(const nn_params *p, const nn_field *f)
{
	return f->ndim == p->ndim && !memcmp(f->shape, p->shape, (size_t)p->ndim * sizeof *p->shape);
}

double *nn_params_vec(const nn_params *p, const char *name)
{
	for (size_t i = 0; i < p->nvec; i++)
		if (!strcmp(p->name[i], name))
			return p->vec[i];
	return NULL;
}

void nn_params_release(nn_params *p)
{
	for (size_t i = 0; i < p->nvec; i++)
		free(p->vec[i]);
	p->nvec = 0;
	nn_prep_names_free(p->names, p->elems);
	p->names = NULL;
}

int nn_params_set_names(nn_params *p, char *const *names, nn_error *err)
{
	nn_prep_names_free(p->names, p->elems);
	p->names = NULL;
	if (!names)
		return 0;
	if (!(p->names = calloc(p->elems ? p->elems : 1, sizeof *p->names)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t j = 0; j < p->elems; j++)
		if (!(p->names[j] = strdup(names[j])))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
	return 0;
}


nn_schema *nn_params_schema(const nn_params *p, nn_error *err)
{
	nn_schema *s = nn_schema_new(NN_PARAMS_KIND, err);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int e = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < p->nvec; i++)
		if (nn_schema_add_field(s, p->name[i], NN_F64, p->ndim, p->shape, err))
			goto fail;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	e |= msgpack_pack_map(&pk, 6 + (p->has_range ? 1 : 0) + (p->names ? 1 : 0) + (p->nopt ? 1 : 0));
	e |= nn_pack_str(&pk, "program") | nn_pack_str(&pk, p->program);
	e |= nn_pack_str(&pk, "method") | nn_pack_str(&pk, p->method);
	e |= nn_pack_str(&pk, "field") | nn_pack_str(&pk, p->field);
	e |= nn_pack_str(&pk, "dtype") | nn_pack_str(&pk, nn_dtype_name(p->dtype));
	e |= nn_pack_str(&pk, "shape") | msgpack_pack_array(&pk, (size_t)p->ndim);
	for (int d = 0; d < p->ndim; d++)
		e |= msgpack_pack_uint64(&pk, p->shape[d]);
	e |= nn_pack_str(&pk, "rows") | msgpack_pack_uint64(&pk, p->rows);
	if (p->has_range)
		e |= nn_pack_str(&pk, "range") | msgpack_pack_array(&pk, 2) |
		     msgpack_pack_double(&pk, p->range[0]) | msgpack_pack_double(&pk, p->range[1]);
	if (p->names) {
		e |= nn_pack_str(&pk, "names") | msgpack_pack_array(&pk, p->elems);
		for (size_t j = 0; j < p->elems; j++)
			e |= nn_pack_str(&pk, p->names[j]);
	}
	if (p->nopt) {
		e |= nn_pack_str(&pk, "options") | msgpack_pack_map(&pk, p->nopt);
		for (size_t i = 0; i < p->nopt; i++)
			e |= nn_pack_str(&pk, p->opt_name[i]) | nn_pack_str(&pk, p->opt_value[i]);
	}
	if (e)
		nn_error_set(err, NN_ENOMEM, "out of memory");
	else
		e = nn_schema_set_meta(s, sb.data, sb.size, err);
	msgpack_sbuffer_destroy(&sb);
	if (!e)
		return s;
fail:
	nn_schema_free(s);
	return NULL;
}

void nn_params_columns(const nn_params *p, const void **cols)
{
	for (size_t i = 0; i < p->nvec; i++)
		cols[i] = p->vec[i];
}

/* Copy a msgpack string into buf (size n), or fail. */
static int mp_strcpy(nn_mp *c, char *buf, size_t n, const char *what, nn_error *err)
{
	const char *s;
	size_t len;

	if (nn_mp_str(c, &s, &len, what, err))
		return -1;
	if (len >= n || memchr(s, 0, len))
		return nn_error_set(err, NN_EDATA, "metadata: %s is too long", what);
	memcpy(buf, s, len);
	buf[len] = 0;
	return 0;
}

/* The names array at c: kept as where it starts (read once the shape is
 * known). */
static int parse_meta(const nn_schema *s, nn_params *p, nn_mp *names, nn_error *err)
{
	nn_mp c = { s->meta, s->meta + s->meta_len };
	char dtype[16] = "";
	int have_shape = 0;
	size_t n, k;

	if (!s->meta || nn_mp_map(&c, &n, "metadata", NULL))
		return nn_error_set(err, NN_EDATA, "no parameters metadata");
	for (size_t i = 0; i < n; i++) {
		const char *key;
		size_t klen;
		if (nn_mp_str(&c, &key, &klen, "metadata key", err))
			return -1;
#define KEY(name) (klen == strlen(name) && !memcmp(key, name, klen))
		if (KEY("program")) {
			if (mp_strcpy(&c, p->program, sizeof p->program, "program", err))
				return -1;
		} else if (KEY("method")) {
			if (mp_strcpy(&c, p->method, sizeof p->method, "method", err))
				return -1;
		} else if (KEY("field")) {
			if (mp_strcpy(&c, p->field, sizeof p->field, "field", err))
				return -1;
		} else if (KEY("dtype")) {
			if (mp_strcpy(&c, dtype, sizeof dtype, "dtype", err))
				return -1;
		} else if (KEY("rows")) {
			if (nn_mp_uint(&c, &p->rows, "rows", err))
				return -1;
		} else if (KEY("shape")) {
			if (nn_mp_array(&c, &k, "shape", err))
				return -1;
			if (k > NN_MAX_DIMS)
				return nn_error_set(err, NN_EDATA, "metadata: shape has %zu dimensions", k);
			p->ndim = (int)k;
			for (size_t d = 0; d < k; d++)
				if (nn_mp_uint(&c, &p->shape[d], "shape", err))
					return -1;
			have_shape = 1;
		} else if (KEY("range")) {
			if (nn_mp_array(&c, &k, "range", err))
				return -1;
			if (k != 2)
				return nn_error_set(err, NN_EDATA, "metadata: range needs 2 numbers");
			if (nn_mp_number(&c, &p->range[0], "range", err) ||
			    nn_mp_number(&c, &p->range[1], "range", err))
				return -1;
			p->has_range = 1;
		} else if (KEY("options")) {
			if (nn_mp_map(&c, &k, "options", err))
				return -1;
			if (k > NN_PARAMS_MAXOPT)
				return nn_error_set(err, NN_EDATA, "metadata: %zu options (at most %d)", k,
				                    NN_PARAMS_MAXOPT);
			p->nopt = 0;   /* a repeated key replaces, never overflows */
			for (size_t j = 0; j < k; j++)
				if (mp_strcpy(&c, p->opt_name[j], sizeof p->opt_name[0], "option name", err) ||
				    mp_strcpy(&c, p->opt_value[j], sizeof p->opt_value[0], "option value", err))
					return -1;
			p->nopt = k;
		} else if (KEY("names")) {
			*names = c;
			if (nn_mp_skip(&c, err))
				return -1;
		} else if (nn_mp_skip(&c, err)) {
			return -1;
		}
#undef KEY
	}
	if (!*p->program || !*p->method || !*p->field || !have_shape)
		return nn_error_set(err, NN_EDATA, "parameters metadata lacks program, method, field or shape");
	if (nn_dtype_parse(dtype, &p->dtype))
		return nn_error_set(err, NN_EDATA, "parameters metadata: bad dtype '%s'", dtype);
	return 0;
}

static int read_names(nn_mp *c, nn_params *p, nn_error *err)
{
	size_t n;
	if (nn_mp_array(c, &n, "names", err))
		return -1;
	if (n != p->elems)
		return nn_error_set(err, NN_EDATA, "%zu names for %zu columns", n, p->elems);
	if (!(p->names = calloc(n ? n : 1, sizeof *p->names)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t j = 0; j < n; j++) {
		const char *str;
		size_t len;
		if (nn_mp_str(c, &str, &len, "name", err))
			return -1;
		if (memchr(str, 0, len) || !(p->names[j] = strndup(str, len)))
			return nn_error_set(err, NN_EDATA, "names: a bad name");
	}
	return 0;
}

int nn_params_read(const char *path, const char *program, nn_params *p, nn_error *err)
{
	nn_reader *r = nn_reader_open(path, err);
	const nn_schema *s;
	const nn_batch *b;
	int rc = -1, got;

	memset(p, 0, sizeof *p);
	if (!r)
		return -1;
	s = nn_reader_schema(r);
	if (strcmp(s->kind, NN_PARAMS_KIND)) {
		nn_error_set(err, NN_EDATA, "a stream of kind '%s', not fitted parameters", s->kind);
		goto out;
	}
	nn_mp names = { NULL, NULL };
	if (parse_meta(s, p, &names, err))
		goto out;
	if (strcmp(p->program, program)) {
		nn_error_set(err, NN_EDATA, "parameters of %s, not of %s", p->program, program);
		goto out;
	}
	if (s->nfields > NN_PARAMS_MAXVEC) {
		nn_error_set(err, NN_EDATA, "%zu parameter vectors (at most %d)", s->nfields, NN_PARAMS_MAXVEC);
		goto out;
	}
	p->elems = 1;
	for (int d = 0; d < p->ndim; d++)
		p->elems *= p->shape[d];
	if (names.p && read_names(&names, p, err))
		goto out;
	for (size_t i = 0; i < s->nfields; i++) {
		const nn_field *f = &s->fields[i];
		if (f->dtype != NN_F64 || !nn_params_fits(p, f)) {
			nn_error_set(err, NN_EDATA, "parameter '%s' is not f64 of the recorded shape", f->name);
			goto out;
		}
		if (!nn_params_add(p, f->name, err))
			goto out;
	}
	got = 0;
	while ((rc = nn_reader_next(r, &b, err)) > 0) {
		if (got + b->rows > 1)
			break;
		for (size_t i = 0; i < s->nfields; i++)
			memcpy(p->vec[i], b->col[i], s->fields[i].row_bytes);
		got += (int)b->rows;
	}
	if (rc < 0)
		goto out;
	if (rc > 0 || got != 1) {
		rc = nn_error_set(err, NN_EDATA, "parameters need exactly one row");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		nn_params_release(p);
	nn_reader_close(r);
	return rc;
}
