/* partial.c — an evaluation's state and its partial result (see
 * nn/partial.h): the state to bytes, bytes back to a state merged into
 * another. */
#include <stdlib.h>
#include <string.h>
#include <msgpack.h>
#include "nn/mp.h"
#include "nn/pack.h"
#include "nn/partial.h"

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int nn_eval_start(nn_eval *e, int classify, size_t nclasses, size_t top_k,
                  size_t ntargets, const char *const *names, const char *note,
                  nn_error *err)
{
	e->classify = classify;
	e->nclasses = nclasses;
	e->ntargets = ntargets;
	if (classify && !(e->cls = nn_cls_acc_new(nclasses, top_k, err)))
		return -1;
	if (!classify && !(e->reg = nn_reg_acc_new(ntargets, err)))
		return -1;
	if (names && nclasses) {
		if (!(e->names = calloc(nclasses, sizeof *e->names)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		for (size_t i = 0; i < nclasses; i++)
			if (!(e->names[i] = strdup(names[i])))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
	}
	if (note && !(e->note = strdup(note)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	return 0;
}

void nn_eval_release(nn_eval *e)
{
	nn_cls_acc_free(e->cls);
	nn_reg_acc_free(e->reg);
	free_names(e->names, e->nclasses);
	free(e->note);
	memset(e, 0, sizeof *e);
}

/* --- writing ---------------------------------------------------------------- */

static int pack_xsums(msgpack_packer *pk, const nn_xsum *x, size_t n)
{
	int64_t *limbs = malloc((n ? n : 1) * NN_XSUM_LIMBS * sizeof *limbs);
	if (!limbs)
		return -1;
	for (size_t j = 0; j < n; j++)
		memcpy(limbs + j * NN_XSUM_LIMBS, x[j].limb, sizeof x[j].limb);
	int bad = nn_pack_bin(pk, limbs, n * NN_XSUM_LIMBS * sizeof *limbs);
	free(limbs);
	return bad;
}

static int pack_cls(msgpack_packer *pk, const nn_eval *e)
{
	nn_cls_partial cp;
	int bad;

	nn_cls_acc_partial(e->cls, &cp);
	bad = msgpack_pack_map(pk, 11);
	bad |= nn_pack_str(pk, "task") | nn_pack_str(pk, "classification");
	bad |= nn_pack_str(pk, "rows") | msgpack_pack_uint64(pk, cp.rows);
	bad |= nn_pack_str(pk, "nclasses") | msgpack_pack_uint64(pk, cp.nclasses);
	bad |= nn_pack_str(pk, "fixed") | (e->nclasses ? msgpack_pack_true(pk) : msgpack_pack_false(pk));
	bad |= nn_pack_str(pk, "classes");
	if (e->names) {
		bad |= msgpack_pack_array(pk, cp.nclasses);
		for (size_t i = 0; i < cp.nclasses; i++)
			bad |= nn_pack_str(pk, e->names[i]);
	} else {
		bad |= msgpack_pack_nil(pk);
	}
	bad |= nn_pack_str(pk, "top_k") | msgpack_pack_uint64(pk, cp.top_k);
	bad |= nn_pack_str(pk, "proba") | msgpack_pack_int(pk, e->note ? -1 : cp.proba);
	bad |= nn_pack_str(pk, "topk_hits") | msgpack_pack_uint64(pk, cp.topk_hits);
	bad |= nn_pack_str(pk, "note") | (e->note ? nn_pack_str(pk, e->note) : msgpack_pack_nil(pk));
	bad |= nn_pack_str(pk, "confusion") |
	       nn_pack_bin(pk, cp.confusion, cp.nclasses * cp.nclasses * sizeof *cp.confusion);
	bad |= nn_pack_str(pk, "logloss") | pack_xsums(pk, &cp.logloss, 1);
	return bad;
}

static int pack_reg(msgpack_packer *pk, const nn_eval *e)
{
	nn_reg_partial rp;
	int bad;

	nn_reg_acc_partial(e->reg, &rp);
	size_t k = rp.ntargets;
	bad = msgpack_pack_map(pk, 9);
	bad |= nn_pack_str(pk, "task") | nn_pack_str(pk, "regression");
	bad |= nn_pack_str(pk, "rows") | msgpack_pack_uint64(pk, rp.rows);
	bad |= nn_pack_str(pk, "ntargets") | msgpack_pack_uint64(pk, k);
	bad |= nn_pack_str(pk, "sse") | pack_xsums(pk, rp.sse, k);
	bad |= nn_pack_str(pk, "sae") | pack_xsums(pk, rp.sae, k);
	bad |= nn_pack_str(pk, "sy") | pack_xsums(pk, rp.sy, k);
	bad |= nn_pack_str(pk, "syy") | pack_xsums(pk, rp.syy, k);
	bad |= nn_pack_str(pk, "lo") | nn_pack_bin(pk, rp.lo, k * sizeof(double));
	bad |= nn_pack_str(pk, "hi") | nn_pack_bin(pk, rp.hi, k * sizeof(double));
	return bad;
}

nn_schema *nn_eval_partial_schema(const nn_eval *e, nn_error *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	nn_schema *s = NULL;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (e->classify ? pack_cls(&pk, e) : pack_reg(&pk, e))
		nn_error_set(err, NN_ENOMEM, "out of memory");
	else if ((s = nn_schema_new(NN_PARTIAL_KIND, err)) &&
	         (nn_schema_add_field(s, "auc_key", NN_U64, 0, NULL, err) ||
	          nn_schema_set_meta(s, sb.data, sb.size, err))) {
		nn_schema_free(s);
		s = NULL;
	}
	msgpack_sbuffer_destroy(&sb);
	return s;
}

void nn_eval_partial_keys(const nn_eval *e, const uint64_t **keys, size_t *n)
{
	nn_cls_partial cp = { 0 };
	if (e->cls)
		nn_cls_acc_partial(e->cls, &cp);
	*keys = cp.keys;
	*n = cp.nkeys;
}

/* --- reading ---------------------------------------------------------------- */

/* The header of a partial result as read; counts as the keys gave them. */
typedef struct partial {
	int classify;                  /* -1 until "task" */
	uint64_t rows, nclasses, top_k, hits, ntargets;
	int64_t proba;
	int fixed;
	char **names, *note;
	size_t nnames;
	uint64_t *confusion;
	size_t confusion_n;            /* the nclasses its size came from */
	nn_xsum logloss;
	int have_logloss;
	nn_xsum *xs[4];                /* sse sae sy syy */
	double *lo, *hi;
	size_t vec_n[6];               /* the ntargets each of xs, lo, hi came from */
	unsigned seen;                 /* keys read, one bit each */
} partial;

static const char *const keys[] = {
	"task", "rows", "nclasses", "fixed", "classes", "top_k", "proba", "topk_hits",
	"note", "confusion", "logloss", "ntargets", "sse", "sae", "sy", "syy", "lo", "hi"
};
enum { K_TASK, K_ROWS, K_NCLASSES, K_FIXED, K_CLASSES, K_TOPK, K_PROBA, K_HITS,
       K_NOTE, K_CONFUSION, K_LOGLOSS, K_NTARGETS, K_SSE, K_SAE, K_SY, K_SYY, K_LO, K_HI, K_COUNT };

#define WRAP (-2)

static void partial_release(partial *p)
{
	free_names(p->names, p->nnames);
	free(p->note);
	free(p->confusion);
	for (int j = 0; j < 4; j++)
		free(p->xs[j]);
	free(p->lo);
	free(p->hi);
}

/* A bin of exactly `bytes` bytes, checked before anything is allocated
 * for it (the header it lies in is bounded), copied into *dst (malloc'd). */
static int read_bin(nn_mp *c, void **dst, size_t bytes, const char *key, nn_error *err)
{
	const void *data;
	size_t len;
	if (nn_mp_bin(c, &data, &len, key, err))
		return -1;
	if (len != bytes)
		return nn_error_set(err, NN_EDATA, "partial result: '%s' holds %zu bytes, not %zu", key, len, bytes);
	if (!(*dst = malloc(bytes ? bytes : 1)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	memcpy(*dst, data, bytes);
	return 0;
}

/* n exact sums (*x malloc'd), in the normalized form they are written in:
 * any other limbs could overflow when merged. */
static int read_xsums(nn_mp *c, nn_xsum **x, size_t n, const char *key, nn_error *err)
{
	int64_t *limbs = NULL;
	int bad = 0;

	if (n > (1u << 20))
		return nn_error_set(err, NN_EDATA, "partial result: %zu sums in '%s'", n, key);
	if (read_bin(c, (void **)&limbs, n * NN_XSUM_LIMBS * sizeof *limbs, key, err))
		return -1;
	if (!(*x = malloc((n ? n : 1) * sizeof **x))) {
		free(limbs);
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	}
	for (size_t j = 0; j < n; j++) {
		memcpy((*x)[j].limb, limbs + j * NN_XSUM_LIMBS, sizeof (*x)[j].limb);
		(*x)[j].pending = 1;
		for (int i = 0; i < NN_XSUM_LIMBS; i++) {
			int64_t v = (*x)[j].limb[i], lo = i + 1 < NN_XSUM_LIMBS ? 0 : -((int64_t)1 << 32);
			bad |= v < lo || v >= (int64_t)1 << 32;
		}
	}
	free(limbs);
	if (bad) {
		free(*x);
		*x = NULL;
		return nn_error_set(err, NN_EDATA, "partial result: '%s' is not a normalized exact sum", key);
	}
	return 0;
}

static int read_str(nn_mp *c, char **out, const char *what, nn_error *err)
{
	const char *v;
	size_t len;
	if (nn_mp_str(c, &v, &len, what, err))
		return WRAP;
	if (!(*out = strndup(v, len)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	return 0;
}

static int read_names(nn_mp *c, partial *p, nn_error *err)
{
	size_t n;
	if (nn_mp_array(c, &n, "classes", err))
		return WRAP;
	if (n != p->nclasses)
		return nn_error_set(err, NN_EDATA, "partial result: %zu class names for %llu classes",
		                    n, (unsigned long long)p->nclasses);
	if (!(p->names = calloc(n ? n : 1, sizeof *p->names)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	p->nnames = n;
	for (size_t j = 0; j < n; j++) {
		int bad = read_str(c, &p->names[j], "class name", err);
		if (bad)
			return bad;
	}
	return 0;
}

/* One value of the map, for key k: 0, -1 failed with a message to keep,
 * WRAP failed with one to put after "bad partial result: ". */
static int read_value(nn_mp *c, partial *p, int k, nn_error *err)
{
	const char *v;
	size_t vl;

	switch (k) {
	case K_TASK:
		if (nn_mp_str(c, &v, &vl, "task", err))
			return WRAP;
		p->classify = vl == 14 && !memcmp(v, "classification", 14);
		return 0;
	case K_ROWS:
		return nn_mp_uint(c, &p->rows, "rows", err) ? WRAP : 0;
	case K_NCLASSES:
		if (nn_mp_uint(c, &p->nclasses, "nclasses", err))
			return WRAP;
		if (p->nclasses > NN_METRICS_MAX_CLASSES)
			return nn_error_set(err, NN_EDATA, "partial result: %llu classes", (unsigned long long)p->nclasses);
		return 0;
	case K_FIXED:
		return nn_mp_bool(c, &p->fixed, "fixed", err) ? WRAP : 0;
	case K_CLASSES:
		if (nn_mp_peek(c) == NN_MP_NIL)
			return nn_mp_nil(c, "classes", err) ? WRAP : 0;
		return read_names(c, p, err);
	case K_TOPK:
		return nn_mp_uint(c, &p->top_k, "top_k", err) ? WRAP : 0;
	case K_PROBA:
		return nn_mp_int(c, &p->proba, "proba", err) ? WRAP : 0;
	case K_HITS:
		return nn_mp_uint(c, &p->hits, "topk_hits", err) ? WRAP : 0;
	case K_NOTE:
		if (nn_mp_peek(c) == NN_MP_NIL)
			return nn_mp_nil(c, "note", err) ? WRAP : 0;
		return read_str(c, &p->note, "note", err);
	case K_CONFUSION:
		p->confusion_n = (size_t)p->nclasses;
		return read_bin(c, (void **)&p->confusion, p->confusion_n * p->confusion_n * sizeof *p->confusion,
		                "confusion", err);
	case K_LOGLOSS: {
		nn_xsum *x = NULL;
		if (read_xsums(c, &x, 1, "logloss", err))
			return -1;
		p->logloss = *x;
		p->have_logloss = 1;
		free(x);
		return 0;
	}
	case K_NTARGETS:
		if (nn_mp_uint(c, &p->ntargets, "ntargets", err))
			return WRAP;
		if (p->ntargets < 1 || p->ntargets > 1u << 20)
			return nn_error_set(err, NN_EDATA, "partial result: %llu targets", (unsigned long long)p->ntargets);
		return 0;
	case K_LO:
	case K_HI:
		p->vec_n[k - K_SSE] = (size_t)p->ntargets;
		return read_bin(c, (void **)(k == K_LO ? &p->lo : &p->hi), (size_t)p->ntargets * sizeof(double),
		                keys[k], err);
	default:            /* K_SSE .. K_SYY */
		p->vec_n[k - K_SSE] = (size_t)p->ntargets;
		return read_xsums(c, &p->xs[k - K_SSE], (size_t)p->ntargets, keys[k], err);
	}
}

/* The header map into p.  Unknown keys are skipped; a key twice, or a
 * vector read before the count that sizes it, is malformed. */
static int parse(const nn_schema *s, partial *p, nn_error *err)
{
	nn_mp c = { s->meta, s->meta + s->meta_len };
	size_t n;

	p->classify = -1;
	if (!s->meta || nn_mp_map(&c, &n, "partial result", NULL))
		return nn_error_set(err, NN_EDATA, "partial result without its header map");
	for (size_t i = 0; i < n; i++) {
		const char *key;
		size_t len;
		int k = 0, bad;
		if (nn_mp_str(&c, &key, &len, "key", err))
			return -1;
		while (k < K_COUNT && !(len == strlen(keys[k]) && !memcmp(key, keys[k], len)))
			k++;
		if (k < K_COUNT && (p->seen & 1u << k))
			return nn_error_set(err, NN_EDATA, "partial result: '%s' twice", keys[k]);
		p->seen |= k < K_COUNT ? 1u << k : 0;
		bad = k < K_COUNT ? read_value(&c, p, k, err) : nn_mp_skip(&c, err) ? WRAP : 0;
		if (bad == WRAP)
			return nn_error_prefix(err, "bad partial result");
		if (bad)
			return -1;
	}
	if (p->classify < 0 || (p->classify && (!p->confusion || !p->top_k)) ||
	    (!p->classify && (!p->xs[0] || !p->xs[1] || !p->xs[2] || !p->xs[3] || !p->lo || !p->hi)))
		return nn_error_set(err, NN_EDATA, "partial result: fields missing");
	if (p->classify && (p->confusion_n != p->nclasses || !p->have_logloss))
		return nn_error_set(err, NN_EDATA, "partial result: 'confusion' and 'logloss' go after 'nclasses'");
	for (int j = 0; !p->classify && j < 6; j++)
		if (p->vec_n[j] != p->ntargets)
			return nn_error_set(err, NN_EDATA, "partial result: '%s' before 'ntargets'", keys[K_SSE + j]);
	if (p->names && !p->fixed)
		return nn_error_set(err, NN_EDATA, "partial result: class names for a number of classes not fixed");
	return 0;
}

/* Does p go with e?  The first partial result with rows starts e. */
static int join(nn_eval *e, const partial *p, nn_error *err)
{
	int started = e->cls || e->reg;
	if (!p->rows)
		return 0;      /* nothing to add, and nothing to check it against */
	if (!started) {
		const char *note = p->proba >= 0 ? NULL : p->note ? p->note : "the partial results have no probabilities";
		return nn_eval_start(e, p->classify, p->fixed ? (size_t)p->nclasses : 0, (size_t)p->top_k,
		                     (size_t)p->ntargets, (const char *const *)p->names, note, err);
	}
	if (p->classify != e->classify)
		return nn_error_set(err, NN_EDATA, "a %s partial result among %s ones",
		                    p->classify ? "classification" : "regression",
		                    e->classify ? "classification" : "regression");
	if (!p->classify)
		return 0;
	if (!e->names != !p->names || (e->names && !nn_classes_same(e->nclasses, e->names, p->nnames, p->names)))
		return nn_error_set(err, NN_EDATA, "class names differ from the first partial result's");
	if ((p->proba < 0) != (e->note != NULL))
		return nn_error_set(err, NN_EDATA, "probabilities in some partial results and not in others");
	return 0;
}

/* The rows of the partial result: its ROC AUC keys. */
static int read_keys(nn_reader *r, uint64_t **keys_out, size_t *nkeys, nn_error *err)
{
	const nn_batch *b;
	int got;

	while ((got = nn_reader_next(r, &b, err)) > 0) {
		uint64_t *k;
		if (b->rows > SIZE_MAX / sizeof *k / 2 - *nkeys ||
		    !(k = realloc(*keys_out, (*nkeys + b->rows) * sizeof *k)))
			return nn_error_set(err, NN_ENOMEM, "out of memory");
		memcpy(k + *nkeys, b->col[0], b->rows * sizeof *k);
		*keys_out = k;
		*nkeys += b->rows;
	}
	return got;
}

int nn_eval_merge_partial(nn_eval *e, nn_reader *r, nn_error *err)
{
	const nn_schema *s = nn_reader_schema(r);
	partial p = { 0 };
	uint64_t *k = NULL;
	size_t nkeys = 0;
	int bad;

	if (strcmp(s->kind, NN_PARTIAL_KIND))
		return nn_error_set(err, NN_EDATA, "not a partial result of nn-eval --partial (kind '%s')", s->kind);
	if (s->nfields != 1 || s->fields[0].dtype != NN_U64 || s->fields[0].row_elems != 1)
		return nn_error_set(err, NN_EDATA, "partial result: not one field of u64 keys");
	bad = parse(s, &p, err) || join(e, &p, err) || read_keys(r, &k, &nkeys, err);
	if (!bad && nkeys && (!p.classify || p.nclasses != 2 || nkeys != p.rows))
		bad = nn_error_set(err, NN_EDATA, "partial result: %zu ROC AUC keys for %llu rows", nkeys,
		                   (unsigned long long)p.rows);
	if (!bad && p.rows && p.classify) {
		nn_cls_partial cp = { (size_t)p.nclasses, (size_t)p.top_k, p.rows, p.hits,
		                      (int)(p.proba < 0 ? -1 : p.proba), p.confusion, p.logloss, k, nkeys };
		bad = nn_cls_acc_merge(e->cls, &cp, err);
	} else if (!bad && p.rows) {
		nn_reg_partial rp = { (size_t)p.ntargets, p.rows, p.xs[0], p.xs[1], p.xs[2], p.xs[3], p.lo, p.hi };
		bad = nn_reg_acc_merge(e->reg, &rp, err);
	}
	free(k);
	partial_release(&p);
	return bad ? -1 : 0;
}
