/* prep.c — the preparation chain (nn/prep.h): its steps as values, as
 * msgpack, compared, and applied to rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/clean.h"
#include "nn/pack.h"
#include "nn/prep.h"

static const char *const method_names[] = { "zscore", "minmax", "robust", "maxabs", "l2" };
static const char *const program_names[] = { "nn-clean", "nn-normalize" };

const char *nn_prep_method_name(enum nn_prep_method m)
{
	return (unsigned)m < 5 ? method_names[m] : "?";
}

int nn_prep_method_parse(const char *s, enum nn_prep_method *m)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, method_names[i])) {
			*m = (enum nn_prep_method)i;
			return 0;
		}
	return -1;
}

const char *nn_prep_program_name(enum nn_prep_program p)
{
	return (unsigned)p < 2 ? program_names[p] : "?";
}

static char *dupstr(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

void nn_prep_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static char **names_copy(char *const *names, size_t n)
{
	char **d = calloc(n ? n : 1, sizeof *d);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(d[i] = dupstr(names[i], strlen(names[i])))) {
			nn_prep_names_free(d, n);
			return NULL;
		}
	return d;
}

int nn_prep_step_init(nn_prep_step *st, enum nn_prep_program program, const char *field,
                      size_t columns, char *const *names, nn_dtype dtype, nn_error *err)
{
	memset(st, 0, sizeof *st);
	st->program = program;
	st->columns = st->out_columns = columns;
	st->dtype = st->out_dtype = dtype;
	snprintf(st->nonfinite, sizeof st->nonfinite, "keep");
	snprintf(st->bad_label, sizeof st->bad_label, "drop");
	if (!(st->field = dupstr(field, strlen(field))) || (names && !(st->names = names_copy(names, columns)))) {
		nn_prep_step_release(st);
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	}
	return 0;
}

int nn_prep_step_vec(nn_prep_step *st, double **v, double x, nn_error *err)
{
	free(*v);
	if (!(*v = malloc((st->columns ? st->columns : 1) * sizeof **v)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t j = 0; j < st->columns; j++)
		(*v)[j] = x;
	return 0;
}

int nn_prep_step_keep(nn_prep_step *st, const unsigned char *keep, nn_error *err)
{
	size_t kept = 0;
	for (size_t j = 0; j < st->columns; j++)
		kept += keep[j] != 0;
	free(st->keep);
	st->keep = NULL;
	st->out_columns = kept;
	if (kept == st->columns)
		return 0;
	if (!(st->keep = malloc(st->columns)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t j = 0; j < st->columns; j++)
		st->keep[j] = keep[j] != 0;
	return 0;
}

void nn_prep_step_release(nn_prep_step *st)
{
	free(st->field);
	nn_prep_names_free(st->names, st->columns);
	free(st->fill);
	free(st->clip_lo);
	free(st->clip_hi);
	free(st->keep);
	free(st->offset);
	free(st->scale);
	memset(st, 0, sizeof *st);
}

void nn_prep_release(nn_prep *p)
{
	for (size_t i = 0; i < p->n; i++)
		nn_prep_step_release(&p->step[i]);
	p->n = 0;
}

int nn_prep_append(nn_prep *p, nn_prep_step *st, nn_error *err)
{
	if (p->n >= NN_PREP_MAX_STEPS)
		return nn_error_set(err, NN_ELIMIT, "the preparation chain has %d steps already (the limit)",
		                    NN_PREP_MAX_STEPS);
	p->step[p->n++] = *st;
	memset(st, 0, sizeof *st);
	return 0;
}

void nn_prep_pop(nn_prep *p)
{
	if (p->n)
		nn_prep_step_release(&p->step[--p->n]);
}

static int vec_copy(double **dst, const double *src, size_t n)
{
	if (!src)
		return 0;
	if (!(*dst = malloc((n ? n : 1) * sizeof **dst)))
		return -1;
	memcpy(*dst, src, n * sizeof **dst);
	return 0;
}

int nn_prep_copy(nn_prep *dst, const nn_prep *src, nn_error *err)
{
	memset(dst, 0, sizeof *dst);
	for (size_t i = 0; i < src->n; i++) {
		const nn_prep_step *s = &src->step[i];
		nn_prep_step *d = &dst->step[i];
		if (nn_prep_step_init(d, s->program, s->field, s->columns, s->names, s->dtype, err))
			goto fail;
		dst->n = i + 1;
		memcpy(d->nonfinite, s->nonfinite, sizeof d->nonfinite);
		memcpy(d->bad_label, s->bad_label, sizeof d->bad_label);
		d->dedup = s->dedup;
		d->out_dtype = s->out_dtype;
		d->method = s->method;
		d->low = s->low;
		if (vec_copy(&d->fill, s->fill, s->columns) || vec_copy(&d->clip_lo, s->clip_lo, s->columns) ||
		    vec_copy(&d->clip_hi, s->clip_hi, s->columns) || vec_copy(&d->offset, s->offset, s->columns) ||
		    vec_copy(&d->scale, s->scale, s->columns) || (s->keep && nn_prep_step_keep(d, s->keep, err))) {
			nn_error_set(err, NN_ENOMEM, "out of memory");
			goto fail;
		}
	}
	return 0;
fail:
	nn_prep_release(dst);
	return -1;
}

/* --- as bytes ------------------------------------------------------------- */

static int pack_vec(msgpack_packer *pk, const char *key, const double *v, size_t n)
{
	int e = nn_pack_str(pk, key);
	if (!v)
		return e | msgpack_pack_nil(pk);
	e |= msgpack_pack_array(pk, n);
	for (size_t j = 0; j < n; j++)
		e |= msgpack_pack_double(pk, v[j]);
	return e;
}

static int pack_step(msgpack_packer *pk, const nn_prep_step *st)
{
	int clean = st->program == NN_PREP_CLEAN, e;
	e = msgpack_pack_map(pk, 6 + (clean ? 5 : 4));
	e |= nn_pack_str(pk, "program") | nn_pack_str(pk, nn_prep_program_name(st->program));
	e |= nn_pack_str(pk, "field") | nn_pack_str(pk, st->field);
	e |= nn_pack_str(pk, "columns") | msgpack_pack_uint64(pk, st->columns);
	e |= nn_pack_str(pk, "names");
	if (st->names) {
		e |= msgpack_pack_array(pk, st->columns);
		for (size_t j = 0; j < st->columns; j++)
			e |= nn_pack_str(pk, st->names[j]);
	} else {
		e |= msgpack_pack_nil(pk);
	}
	e |= nn_pack_str(pk, "dtype") | nn_pack_str(pk, nn_dtype_name(st->dtype));
	e |= nn_pack_str(pk, "out_dtype") | nn_pack_str(pk, nn_dtype_name(st->out_dtype));
	if (clean) {
		e |= nn_pack_str(pk, "rows") | msgpack_pack_map(pk, 3);
		e |= nn_pack_str(pk, "nonfinite") | nn_pack_str(pk, st->nonfinite);
		e |= nn_pack_str(pk, "dedup") | (st->dedup ? msgpack_pack_true(pk) : msgpack_pack_false(pk));
		e |= nn_pack_str(pk, "bad_label") | nn_pack_str(pk, st->bad_label);
		e |= pack_vec(pk, "fill", st->fill, st->columns);
		e |= pack_vec(pk, "clip_lo", st->clip_lo, st->columns);
		e |= pack_vec(pk, "clip_hi", st->clip_hi, st->columns);
		e |= nn_pack_str(pk, "dropped") | msgpack_pack_array(pk, st->columns - st->out_columns);
		for (size_t j = 0; st->keep && j < st->columns; j++)
			if (!st->keep[j])
				e |= msgpack_pack_uint64(pk, j);
	} else {
		e |= nn_pack_str(pk, "method") | nn_pack_str(pk, nn_prep_method_name(st->method));
		e |= pack_vec(pk, "offset", st->offset, st->columns);
		e |= pack_vec(pk, "scale", st->scale, st->columns);
		e |= nn_pack_str(pk, "low") | msgpack_pack_double(pk, st->low);
	}
	return e;
}

int nn_prep_pack(msgpack_packer *pk, const nn_prep *p)
{
	int e = msgpack_pack_array(pk, p->n);
	for (size_t i = 0; i < p->n; i++)
		e |= pack_step(pk, &p->step[i]);
	return e;
}

/* A string value into buf[0..n), or fail naming what. */
static int get_word(nn_mp *c, char *buf, size_t n, const char *what, nn_error *err)
{
	const char *s;
	size_t len;
	if (nn_mp_str(c, &s, &len, what, err))
		return -1;
	if (len >= n || memchr(s, 0, len))
		return nn_error_set(err, NN_EDATA, "%s: unknown value", what);
	memcpy(buf, s, len);
	buf[len] = 0;
	return 0;
}

/* An array of exactly `columns` numbers, or nil (*v stays NULL). */
static int get_vec(nn_mp *c, nn_prep_step *st, double **v, size_t columns, const char *what, nn_error *err)
{
	size_t n;
	if (nn_mp_peek(c) == NN_MP_NIL)
		return nn_mp_nil(c, what, err);
	if (*v)
		return nn_error_set(err, NN_EDATA, "%s given twice", what);
	if (nn_mp_array(c, &n, what, err))
		return -1;
	if (n != columns)
		return nn_error_set(err, NN_EDATA, "%s has %zu values for %zu columns", what, n, columns);
	if (nn_prep_step_vec(st, v, 0, err))
		return -1;
	for (size_t j = 0; j < n; j++)
		if (nn_mp_number(c, &(*v)[j], what, err))
			return -1;
	return 0;
}

/* The parts of a step that need `columns` first are read in a second
 * pass over its map (the keys may come in any order). */
static int parse_step(nn_mp *c, nn_prep_step *st, nn_error *err)
{
	nn_mp start = *c;
	size_t nkeys;
	uint64_t columns = 0;
	char word[NN_MAX_NAME + 1], dtype[16] = "", out_dtype[16] = "";
	int have_program = 0, have_columns = 0, have_method = 0;

	memset(st, 0, sizeof *st);
	snprintf(st->nonfinite, sizeof st->nonfinite, "keep");
	snprintf(st->bad_label, sizeof st->bad_label, "drop");
	if (nn_mp_map(c, &nkeys, "step", err))
		return -1;
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(c, "program")) {
			nn_mp_skip(c, err);
			if (get_word(c, word, sizeof word, "program", err))
				return -1;
			if (!strcmp(word, "nn-clean"))
				st->program = NN_PREP_CLEAN;
			else if (!strcmp(word, "nn-normalize"))
				st->program = NN_PREP_NORMALIZE;
			else
				return nn_error_set(err, NN_EDATA, "program '%s': not a preparation step", word);
			have_program = 1;
		} else if (nn_mp_str_is(c, "field")) {
			const char *s;
			size_t len;
			nn_mp_skip(c, err);
			if (nn_mp_str(c, &s, &len, "field", err))
				return -1;
			if (!len || len > NN_MAX_NAME || memchr(s, 0, len) || st->field)
				return nn_error_set(err, NN_EDATA, "field: bad name");
			if (!(st->field = dupstr(s, len)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
		} else if (nn_mp_str_is(c, "columns")) {
			nn_mp_skip(c, err);
			if (nn_mp_uint(c, &columns, "columns", err))
				return -1;
			if (columns == 0 || columns > (1u << 24))
				return nn_error_set(err, NN_EDATA, "columns: %llu out of range", (unsigned long long)columns);
			have_columns = 1;
		} else if (nn_mp_str_is(c, "dtype")) {
			nn_mp_skip(c, err);
			if (get_word(c, dtype, sizeof dtype, "dtype", err))
				return -1;
		} else if (nn_mp_str_is(c, "out_dtype")) {
			nn_mp_skip(c, err);
			if (get_word(c, out_dtype, sizeof out_dtype, "out_dtype", err))
				return -1;
		} else if (nn_mp_str_is(c, "method")) {
			nn_mp_skip(c, err);
			if (get_word(c, word, sizeof word, "method", err))
				return -1;
			if (nn_prep_method_parse(word, &st->method))
				return nn_error_set(err, NN_EDATA, "method '%s': unknown", word);
			have_method = 1;
		} else if (nn_mp_str_is(c, "low")) {
			nn_mp_skip(c, err);
			if (nn_mp_number(c, &st->low, "low", err))
				return -1;
		} else if (nn_mp_str_is(c, "rows")) {
			size_t n;
			nn_mp_skip(c, err);
			if (nn_mp_map(c, &n, "rows", err))
				return -1;
			for (size_t i = 0; i < n; i++) {
				if (nn_mp_str_is(c, "nonfinite")) {
					nn_mp_skip(c, err);
					if (get_word(c, st->nonfinite, sizeof st->nonfinite, "rows: nonfinite", err))
						return -1;
				} else if (nn_mp_str_is(c, "bad_label")) {
					nn_mp_skip(c, err);
					if (get_word(c, st->bad_label, sizeof st->bad_label, "rows: bad_label", err))
						return -1;
				} else if (nn_mp_str_is(c, "dedup")) {
					nn_mp_skip(c, err);
					if (nn_mp_bool(c, &st->dedup, "rows: dedup", err))
						return -1;
				} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {
					return -1;
				}
			}
		} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {
			return -1;
		}
	}
	if (!have_program || !have_columns || !st->field)
		return nn_error_set(err, NN_EDATA, "a step lacks program, field or columns");
	if (nn_dtype_parse(dtype, &st->dtype) || nn_dtype_parse(out_dtype, &st->out_dtype))
		return nn_error_set(err, NN_EDATA, "dtype or out_dtype: unknown");
	if (st->program == NN_PREP_NORMALIZE && !have_method)
		return nn_error_set(err, NN_EDATA, "an nn-normalize step without a method");
	st->columns = st->out_columns = (size_t)columns;

	/* second pass: what is sized by columns */
	nn_mp d = start;
	nn_mp_map(&d, &nkeys, "step", NULL);
	for (size_t k = 0; k < nkeys; k++) {
		if (nn_mp_str_is(&d, "names")) {
			size_t n;
			nn_mp_skip(&d, err);
			if (nn_mp_peek(&d) == NN_MP_NIL) {
				nn_mp_nil(&d, "names", err);
				continue;
			}
			if (st->names)
				return nn_error_set(err, NN_EDATA, "names given twice");
			if (nn_mp_array(&d, &n, "names", err))
				return -1;
			if (n != st->columns)
				return nn_error_set(err, NN_EDATA, "%zu names for %zu columns", n, st->columns);
			if (!(st->names = calloc(n, sizeof *st->names)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			for (size_t j = 0; j < n; j++) {
				const char *s;
				size_t len;
				if (nn_mp_str(&d, &s, &len, "name", err))
					return -1;
				if (memchr(s, 0, len))
					return nn_error_set(err, NN_EDATA, "a name holds a NUL byte");
				if (!(st->names[j] = dupstr(s, len)))
					return nn_error_set(err, NN_ENOMEM, "out of memory");
			}
		} else if (nn_mp_str_is(&d, "fill")) {
			nn_mp_skip(&d, err);
			if (get_vec(&d, st, &st->fill, st->columns, "fill", err))
				return -1;
		} else if (nn_mp_str_is(&d, "clip_lo")) {
			nn_mp_skip(&d, err);
			if (get_vec(&d, st, &st->clip_lo, st->columns, "clip_lo", err))
				return -1;
		} else if (nn_mp_str_is(&d, "clip_hi")) {
			nn_mp_skip(&d, err);
			if (get_vec(&d, st, &st->clip_hi, st->columns, "clip_hi", err))
				return -1;
		} else if (nn_mp_str_is(&d, "offset")) {
			nn_mp_skip(&d, err);
			if (get_vec(&d, st, &st->offset, st->columns, "offset", err))
				return -1;
		} else if (nn_mp_str_is(&d, "scale")) {
			nn_mp_skip(&d, err);
			if (get_vec(&d, st, &st->scale, st->columns, "scale", err))
				return -1;
		} else if (nn_mp_str_is(&d, "dropped")) {
			size_t n;
			uint64_t prev = 0;
			nn_mp_skip(&d, err);
			if (nn_mp_array(&d, &n, "dropped", err))
				return -1;
			if (n >= st->columns || st->keep)
				return nn_error_set(err, NN_EDATA, "dropped: %zu of %zu columns", n, st->columns);
			if (!n)
				continue;
			if (!(st->keep = malloc(st->columns)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			memset(st->keep, 1, st->columns);
			for (size_t i = 0; i < n; i++) {
				uint64_t j;
				if (nn_mp_uint(&d, &j, "dropped", err))
					return -1;
				if (j >= st->columns || (i && j <= prev))
					return nn_error_set(err, NN_EDATA, "dropped: column %llu out of order or range",
					                    (unsigned long long)j);
				st->keep[j] = 0;
				prev = j;
			}
			st->out_columns = st->columns - n;
		} else if (nn_mp_skip(&d, NULL) || nn_mp_skip(&d, NULL)) {
			return nn_error_set(err, NN_EDATA, "bad step");
		}
	}
	if (!st->clip_lo != !st->clip_hi)
		return nn_error_set(err, NN_EDATA, "clip_lo without clip_hi or the other way");
	if (st->program == NN_PREP_NORMALIZE &&
	    (st->method == NN_PREP_L2 ? st->offset || st->scale : !st->offset || !st->scale))
		return nn_error_set(err, NN_EDATA, "offset and scale do not fit the method");
	if (st->program == NN_PREP_NORMALIZE && (st->fill || st->clip_lo || st->keep))
		return nn_error_set(err, NN_EDATA, "an nn-normalize step with nn-clean's values");
	if (st->program == NN_PREP_CLEAN && (st->offset || st->scale))
		return nn_error_set(err, NN_EDATA, "an nn-clean step with nn-normalize's values");
	if (st->program == NN_PREP_CLEAN && st->out_dtype != st->dtype)
		return nn_error_set(err, NN_EDATA, "an nn-clean step that changes the dtype");
	return 0;
}

int nn_prep_parse(nn_mp *c, nn_prep *p, nn_error *err)
{
	size_t n;
	memset(p, 0, sizeof *p);
	if (nn_mp_array(c, &n, NN_PREP_KEY, err))
		return -1;
	if (n > NN_PREP_MAX_STEPS)
		return nn_error_set(err, NN_EDATA, "%s: %zu steps (at most %d)", NN_PREP_KEY, n, NN_PREP_MAX_STEPS);
	for (size_t i = 0; i < n; i++) {
		int rc = parse_step(c, &p->step[i], err);
		p->n = i + 1;
		if (!rc && i && p->step[i].columns != p->step[i - 1].out_columns)
			rc = nn_error_set(err, NN_EDATA, "reads %zu columns, the step before wrote %zu",
			                  p->step[i].columns, p->step[i - 1].out_columns);
		if (rc) {
			nn_error_prefix(err, "%s: step %zu", NN_PREP_KEY, i + 1);
			nn_prep_release(p);
			return -1;
		}
	}
	return 0;
}

/* The value of key in the metadata map of s: c at it, 1; 0 when absent. */
static int meta_find(const nn_schema *s, const char *key, nn_mp *c, nn_error *err)
{
	size_t n;
	if (!s->meta)
		return 0;
	*c = (nn_mp){ s->meta, s->meta + s->meta_len };
	if (nn_mp_map(c, &n, "metadata", err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hit = nn_mp_str_is(c, key);
		if (nn_mp_skip(c, err))
			return -1;
		if (hit)
			return 1;
		if (nn_mp_skip(c, err))
			return -1;
	}
	return 0;
}

int nn_prep_read(const nn_schema *s, nn_prep *p, int *present, nn_error *err)
{
	nn_mp c;
	int rc = meta_find(s, NN_PREP_KEY, &c, err);
	memset(p, 0, sizeof *p);
	if (present)
		*present = rc > 0;
	if (rc <= 0)
		return rc;
	return nn_prep_parse(&c, p, err);
}

int nn_prep_feature_names(const nn_schema *s, const nn_field *f, char ***names, nn_error *err)
{
	nn_mp c;
	size_t n;
	int rc = meta_find(s, "feature_names", &c, NULL);
	*names = NULL;
	if (rc <= 0 || nn_mp_array(&c, &n, "feature_names", NULL) || n != f->row_elems)
		return 0;    /* names that do not fit are no names, as nn-export reads them */
	char **v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	for (size_t j = 0; j < n; j++) {
		const char *str;
		size_t len;
		if (nn_mp_str(&c, &str, &len, "feature name", NULL) || memchr(str, 0, len)) {
			nn_prep_names_free(v, n);
			return 0;
		}
		if (!(v[j] = dupstr(str, len))) {
			nn_prep_names_free(v, n);
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		}
	}
	*names = v;
	return 0;
}

static int pack_names(msgpack_packer *pk, char *const *names, size_t n)
{
	int e = msgpack_pack_array(pk, n);
	for (size_t j = 0; j < n; j++)
		e |= nn_pack_str(pk, names[j]);
	return e;
}

int nn_prep_meta_update(nn_schema *os, const nn_schema *in, const nn_prep *p, char *const *names,
                        size_t n, nn_error *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	nn_mp c = { NULL, NULL };
	size_t nkeys = 0, extra = 0;
	int e = 0, rc, have_prep = 0, have_names = 0;

	if (in->meta) {
		c = (nn_mp){ in->meta, in->meta + in->meta_len };
		if (nn_mp_map(&c, &nkeys, "metadata", err))
			return -1;
	}
	nn_mp scan = c;
	for (size_t i = 0; i < nkeys; i++) {
		have_prep |= nn_mp_str_is(&scan, NN_PREP_KEY);
		have_names |= nn_mp_str_is(&scan, "feature_names");
		if (nn_mp_skip(&scan, err) || nn_mp_skip(&scan, err))
			return -1;
	}
	extra = !have_prep + (names && !have_names);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	e |= msgpack_pack_map(&pk, nkeys + extra);
	/* The keys stay where they were, so that a stream's metadata reads
	 * the same whichever way its chain was made. */
	for (size_t i = 0; i < nkeys; i++) {
		const unsigned char *start = c.p;
		int is_prep = nn_mp_str_is(&c, NN_PREP_KEY), is_names = names && nn_mp_str_is(&c, "feature_names");
		nn_mp_skip(&c, NULL);
		if (is_prep || is_names) {
			e |= msgpack_sbuffer_write(&sb, (const char *)start, (size_t)(c.p - start));
			e |= is_prep ? nn_prep_pack(&pk, p) : pack_names(&pk, names, n);
			nn_mp_skip(&c, NULL);
			continue;
		}
		nn_mp_skip(&c, NULL);
		e |= msgpack_sbuffer_write(&sb, (const char *)start, (size_t)(c.p - start));
	}
	if (names && !have_names)
		e |= nn_pack_str(&pk, "feature_names") | pack_names(&pk, names, n);
	if (!have_prep)
		e |= nn_pack_str(&pk, NN_PREP_KEY) | nn_prep_pack(&pk, p);
	if (e)
		rc = nn_error_set(err, NN_ENOMEM, "out of memory");
	else if (sb.size > NN_MAX_HEADER_BYTES / 8 * 7)   /* room left for the fields and provenance */
		rc = nn_error_set(err, NN_ELIMIT, "the metadata with the preparation chain would take %zu bytes "
		                  "(at most %u)", sb.size, NN_MAX_HEADER_BYTES / 8 * 7);
	else
		rc = nn_schema_set_meta(os, sb.data, sb.size, err);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* --- comparing ------------------------------------------------------------ */

static int vec_same(const double *a, const double *b, size_t n)
{
	if (!a || !b)
		return !a && !b;
	return !memcmp(a, b, n * sizeof *a);
}

/* The first column where a and b differ, for the message. */
static size_t vec_first(const double *a, const double *b, size_t n)
{
	size_t j = 0;
	while (a && b && j < n && !memcmp(&a[j], &b[j], sizeof *a))
		j++;
	return j;
}

int nn_prep_step_same(const nn_prep_step *a, const nn_prep_step *b, char *why, size_t n)
{
	size_t j;
	const char *what = NULL;

	if (a->program != b->program) {
		snprintf(why, n, "%s in place of %s", nn_prep_program_name(a->program),
		         nn_prep_program_name(b->program));
		return 0;
	}
	if (a->columns != b->columns) {
		snprintf(why, n, "%zu columns in place of %zu", a->columns, b->columns);
		return 0;
	}
	if (a->names && b->names)
		for (j = 0; j < a->columns; j++)
			if (strcmp(a->names[j], b->names[j])) {
				snprintf(why, n, "column %zu is '%.60s' in place of '%.60s'", j + 1, a->names[j], b->names[j]);
				return 0;
			}
	if (a->program == NN_PREP_NORMALIZE) {
		if (a->method != b->method) {
			snprintf(why, n, "method %s in place of %s", nn_prep_method_name(a->method),
			         nn_prep_method_name(b->method));
			return 0;
		}
		if (!vec_same(a->offset, b->offset, a->columns) || !vec_same(a->scale, b->scale, a->columns) ||
		    memcmp(&a->low, &b->low, sizeof a->low)) {
			j = vec_first(a->offset, b->offset, a->columns);
			if (j == a->columns)
				j = vec_first(a->scale, b->scale, a->columns);
			snprintf(why, n, "other offsets or scales (first at column %zu): fitted on other rows",
			         j < a->columns ? j + 1 : 1);
			return 0;
		}
		return 1;
	}
	if (!vec_same(a->fill, b->fill, a->columns))
		what = !a->fill ? "no fill in place of a fill" : !b->fill ? "a fill in place of none" : "other fill values";
	else if (!vec_same(a->clip_lo, b->clip_lo, a->columns) || !vec_same(a->clip_hi, b->clip_hi, a->columns))
		what = !a->clip_lo ? "no clipping in place of clipping" : !b->clip_lo ? "clipping in place of none"
		                                                                       : "other clip bounds";
	else if (a->out_columns != b->out_columns || (a->keep && b->keep && memcmp(a->keep, b->keep, a->columns)))
		what = "other dropped columns";
	if (what) {
		snprintf(why, n, "%s", what);
		return 0;
	}
	return 1;
}

size_t nn_prep_common(const nn_prep *a, const nn_prep *b, char *why, size_t n)
{
	size_t k = 0;
	if (n)
		*why = 0;
	while (k < a->n && k < b->n && nn_prep_step_same(&a->step[k], &b->step[k], why, n))
		k++;
	return k;
}

void nn_prep_step_describe(const nn_prep_step *st, char *buf, size_t n)
{
	if (st->program == NN_PREP_NORMALIZE) {
		snprintf(buf, n, "nn-normalize --method %s", nn_prep_method_name(st->method));
		return;
	}
	snprintf(buf, n, "nn-clean --nonfinite %s%s%s%s", st->nonfinite, st->clip_lo ? " --clip-sigma" : "",
	         st->keep ? " --drop-constant" : "", st->dedup ? " --dedup" : "");
}

/* --- columns by name ------------------------------------------------------ */

void nn_prep_permute(const size_t *perm, size_t d, const double *in, double *out, size_t rows)
{
	for (size_t r = 0; r < rows; r++)
		for (size_t j = 0; j < d; j++)
			out[r * d + j] = in[r * d + perm[j]];
}

int nn_prep_perm_identity(const size_t *perm, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (perm[j] != j)
			return 0;
	return 1;
}

/* Append "'name'" to a list in buf (cut with "..." when full). */
static void list_add(char *buf, size_t n, size_t *count, const char *name)
{
	size_t len = strlen(buf);
	if (*count == 6) {
		snprintf(buf + len, n - len, ", ...");
	} else if (*count < 6) {
		snprintf(buf + len, n - len, "%s'%.40s'", *count ? ", " : "", name);
	}
	++*count;
}

int nn_prep_map_names(char *const *have, size_t nh, char *const *want, size_t nw, size_t *perm,
                      nn_error *err)
{
	char missing[200] = "", extra[200] = "";
	size_t nmiss = 0, nextra = 0;
	unsigned char *used = calloc(nh ? nh : 1, 1);

	if (!used)
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	if (nh == nw) {
		size_t j = 0;
		while (j < nw && !strcmp(have[j], want[j]))
			j++;
		if (j == nw) {
			for (j = 0; j < nw; j++)
				perm[j] = j;
			free(used);
			return 0;
		}
	}
	/* Quadratic, once per run, over at most the columns a header holds;
	 * the same order has returned above. */
	for (size_t j = 0; j < nw; j++) {
		size_t i = j < nh && !strcmp(have[j], want[j]) ? j : nh;
		for (size_t k = 0; i == nh && k < nh; k++)
			if (!strcmp(have[k], want[j]))
				i = k;
		for (size_t k = 0; k < j; k++)
			if (!strcmp(want[k], want[j])) {
				free(used);
				return nn_error_set(err, NN_EDATA, "column '%.60s' is named twice", want[j]);
			}
		if (i == nh) {
			list_add(missing, sizeof missing, &nmiss, want[j]);
			continue;
		}
		if (used[i]) {
			free(used);
			return nn_error_set(err, NN_EDATA, "column '%.60s' is named twice", have[i]);
		}
		used[i] = 1;
		perm[j] = i;
	}
	for (size_t i = 0; i < nh; i++) {
		if (used[i])
			continue;
		for (size_t j = 0; j < nw; j++)
			if (!strcmp(have[i], want[j])) {
				free(used);
				return nn_error_set(err, NN_EDATA, "column '%.60s' is named twice", have[i]);
			}
		list_add(extra, sizeof extra, &nextra, have[i]);
	}
	free(used);
	if (nmiss && nextra)
		return nn_error_set(err, NN_EDATA, "%zu column(s) missing: %s; %zu not expected: %s", nmiss, missing,
		                    nextra, extra);
	if (nmiss)
		return nn_error_set(err, NN_EDATA, "%zu column(s) missing: %s", nmiss, missing);
	if (nextra)
		return nn_error_set(err, NN_EDATA, "%zu column(s) not expected: %s", nextra, extra);
	return 0;
}

/* --- applying ------------------------------------------------------------- */

void nn_prep_apply(const nn_prep_step *st, double *v, size_t rows, nn_prep_counts *cnt)
{
	size_t D = st->columns, D2 = st->out_columns;
	uint64_t bad = 0;

	if (st->program == NN_PREP_CLEAN) {
		for (size_t r = 0; r < rows; r++) {
			double *row = v + r * D, *out = v + r * D2;
			nn_clean_row(row, D, st->fill, st->clip_lo, st->clip_hi, &cnt->replaced, &cnt->clipped);
			if (D2 != D)     /* out <= row and k <= j: a forward copy */
				for (size_t j = 0, k = 0; j < D; j++)
					if (st->keep[j])
						out[k++] = row[j];
		}
		return;
	}
	if (st->method == NN_PREP_L2) {
		for (size_t r = 0; r < rows; r++) {
			double *row = v + r * D, ss = 0;
			for (size_t j = 0; j < D; j++) {
				double x = row[j];
				if (x - x == 0)
					ss += x * x;
				else
					bad++;
			}
			double norm = ss == 0 ? 1 : sqrt(ss);
			for (size_t j = 0; j < D; j++)
				row[j] = row[j] - row[j] == 0 ? row[j] / norm : row[j];
		}
	} else {
		const double *off = st->offset, *sc = st->scale, lo = st->low;
		for (size_t r = 0; r < rows; r++) {
			double *row = v + r * D;
			for (size_t j = 0; j < D; j++) {
				bad += row[j] - row[j] != 0;
				row[j] = (row[j] - off[j]) / sc[j] + lo;
			}
		}
	}
	cnt->passed += bad;
}

void nn_prep_unapply(const nn_prep_step *st, double *v, size_t rows, nn_prep_counts *cnt)
{
	size_t D = st->columns;
	uint64_t bad = 0;
	if (st->program != NN_PREP_NORMALIZE || st->method == NN_PREP_L2)
		return;
	for (size_t r = 0; r < rows; r++) {
		double *row = v + r * D;
		for (size_t j = 0; j < D; j++) {
			bad += row[j] - row[j] != 0;
			row[j] = (row[j] - st->low) * st->scale[j] + st->offset[j];
		}
	}
	cnt->passed += bad;
}
