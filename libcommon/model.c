/* model.c — a model in the stream container: one row of parameter
 * tensors and a metadata map that says how to rebuild the network (the
 * layout is in nn/model.h and nn-train(1)). */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nn/model.h"
#include "nn/mp.h"
#include "nn/pack.h"
#include "nn/quant.h"
#include "nn/tensors.h"

void nn_model_free(nn_model *m)
{
	if (!m)
		return;
	nn_mlp_free(m->mlp);
	nn_model_clear_input(m);
	free(m->x_name);
	free(m->y_name);
	if (m->classes)
		for (size_t i = 0; i < m->nclasses; i++)
			free(m->classes[i]);
	free(m->classes);
	free(m->training);
	for (int l = 0; l < NN_MLP_MAX_LAYERS; l++) {
		free(m->qweight[l]);
		free(m->qscale[l]);
	}
	free(m);
}

size_t nn_model_outputs(const nn_model *m)
{
	return m->mlp->width[m->mlp->nlayers];
}

const char *nn_model_class_name(const nn_model *m, size_t i, char *buf, size_t n)
{
	if (m->classes && i < m->nclasses)
		return m->classes[i];
	snprintf(buf, n, "%zu", i);
	return buf;
}


int nn_model_tensors(const nn_model *m, nn_tensor *t, nn_error *err)
{
	const nn_mlp *net = m->mlp;
	char name[64];
	for (int l = 0; l < net->nlayers; l++) {
		uint64_t wshape[2] = { net->width[l + 1], net->width[l] };
		snprintf(name, sizeof name, "layer%d.weight", l);
		if (nn_tensor_set(&t[2 * l], name, NN_F32, 2, wshape, err))
			return -1;
		snprintf(name, sizeof name, "layer%d.bias", l);
		if (nn_tensor_set(&t[2 * l + 1], name, NN_F32, 1, wshape, err))
			return -1;
	}
	return 2 * net->nlayers;
}

nn_schema *nn_model_schema(const nn_model *m, const char *kind, nn_error *err)
{
	return nn_model_schema_with(m, kind, NULL, err);
}

nn_schema *nn_model_schema_with(const nn_model *m, const char *kind, const nn_model_layout *lay, nn_error *err)
{
	const nn_mlp *net = m->mlp;
	nn_tensor own[2 * NN_MLP_MAX_LAYERS];
	const nn_tensor *t = lay && lay->t ? lay->t : own;
	size_t nt = lay && lay->t ? lay->n : 0;
	if (!(lay && lay->t)) {
		int k = nn_model_tensors(m, own, err);
		if (k < 0)
			return NULL;
		nt = (size_t)k;
	}
	nn_schema *s = nn_schema_new(kind, err);
	if (!s)
		return NULL;
	int chunked = nn_tensors_add_fields(s, t, nt, lay ? lay->chunk : 0, err);
	if (chunked < 0)
		goto fail;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	int bad = msgpack_pack_map(&pk, (m->training ? 8 : 7) + (lay ? lay->meta_pairs : 0) + (size_t)chunked);
	bad |= nn_pack_str(&pk, "task") | nn_pack_str(&pk, m->classification ? "classification" : "regression");
	bad |= nn_pack_str(&pk, "input") | msgpack_pack_map(&pk, m->prep ? 5 : 3);
	bad |= nn_pack_str(&pk, "field") | nn_pack_str(&pk, m->x_name);
	bad |= nn_pack_str(&pk, "dtype") | nn_pack_str(&pk, nn_dtype_name(m->x_dtype));
	bad |= nn_pack_str(&pk, "shape") | msgpack_pack_array(&pk, (size_t)m->x_ndim);
	for (int i = 0; i < m->x_ndim; i++)
		bad |= msgpack_pack_uint64(&pk, m->x_shape[i]);
	if (m->prep) {
		bad |= nn_pack_str(&pk, "feature_names");
		if (m->feature_names) {
			bad |= msgpack_pack_array(&pk, m->nfeature_names);
			for (size_t j = 0; j < m->nfeature_names; j++)
				bad |= nn_pack_str(&pk, m->feature_names[j]);
		} else {
			bad |= msgpack_pack_nil(&pk);
		}
		bad |= nn_pack_str(&pk, NN_PREP_KEY) | nn_prep_pack(&pk, m->prep);
	}
	bad |= nn_pack_str(&pk, "label") | msgpack_pack_map(&pk, m->classification && m->classes ? 3 : 2);
	bad |= nn_pack_str(&pk, "field") | nn_pack_str(&pk, m->y_name);
	if (m->classification) {
		bad |= nn_pack_str(&pk, "nclasses") | msgpack_pack_uint64(&pk, m->nclasses);
		if (m->classes) {
			bad |= nn_pack_str(&pk, "classes") | msgpack_pack_array(&pk, m->nclasses);
			for (size_t i = 0; i < m->nclasses; i++)
				bad |= nn_pack_str(&pk, m->classes[i]);
		}
	} else {
		bad |= nn_pack_str(&pk, "targets") | msgpack_pack_uint64(&pk, nn_model_outputs(m));
	}
	bad |= nn_pack_str(&pk, "layers") | msgpack_pack_array(&pk, (size_t)net->nlayers + 1);
	for (int l = 0; l <= net->nlayers; l++)
		bad |= msgpack_pack_uint64(&pk, net->width[l]);
	bad |= nn_pack_str(&pk, "activations") | msgpack_pack_array(&pk, (size_t)net->nlayers - 1);
	for (int l = 0; l < net->nlayers - 1; l++)
		bad |= nn_pack_str(&pk, nn_act_name(net->act[l]));
	bad |= nn_pack_str(&pk, "output") | nn_pack_str(&pk, nn_output_name(net->output));
	bad |= nn_pack_str(&pk, "loss") | nn_pack_str(&pk, nn_loss_name(net->loss));
	if (m->training) {
		bad |= nn_pack_str(&pk, "training");
		bad |= msgpack_sbuffer_write(&sb, (const char *)m->training, m->training_len);
	}
	if (lay && lay->meta_pairs)
		bad |= msgpack_sbuffer_write(&sb, lay->meta, lay->meta_len);
	if (chunked)   /* last, after everything a one-row file has */
		bad |= nn_tensors_pack_table(&pk, t, nt);
	if (bad)
		nn_error_set(err, NN_ENOMEM, "out of memory");
	else
		bad = nn_schema_set_meta(s, sb.data, sb.size, err);
	msgpack_sbuffer_destroy(&sb);
	if (!bad)
		return s;
fail:
	nn_schema_free(s);
	return NULL;
}

void nn_model_columns(const nn_model *m, const void **cols)
{
	for (int l = 0; l < m->mlp->nlayers; l++) {
		cols[2 * l] = m->mlp->params + m->mlp->woff[l];
		cols[2 * l + 1] = m->mlp->params + m->mlp->boff[l];
	}
}

/* --- reading ------------------------------------------------------------ */

static char *mp_strdup(nn_mp *c, const char *what, nn_error *err)
{
	const char *s;
	size_t n;
	if (nn_mp_str(c, &s, &n, what, err))
		return NULL;
	if (n == 0 || n > NN_MAX_NAME || memchr(s, 0, n)) {
		nn_error_set(err, NN_EDATA, "%s: bad string", what);
		return NULL;
	}
	char *d = malloc(n + 1);
	if (!d) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static int mp_name(nn_mp *c, char *buf, size_t n, const char *what, nn_error *err)
{
	const char *s;
	size_t len;
	if (nn_mp_str(c, &s, &len, what, err))
		return -1;
	if (len >= n)
		return nn_error_set(err, NN_EDATA, "%s: unknown value", what);
	memcpy(buf, s, len);
	buf[len] = 0;
	return 0;
}

struct desc {
	int classification;
	size_t nlayers;               /* widths read: nlayers + 1 entries */
	size_t width[NN_MLP_MAX_LAYERS + 1];
	size_t nact;
	enum nn_act act[NN_MLP_MAX_LAYERS];
	enum nn_output output;
	enum nn_loss loss;
	uint64_t nclasses, targets;
	int seen;                     /* bit per required key */
};

static int read_input(nn_mp *c, nn_model *m, nn_error *err)
{
	size_t n;
	char buf[16];
	if (nn_mp_map(c, &n, "input", err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (nn_mp_str_is(c, "field")) {
			nn_mp_skip(c, err);
			free(m->x_name);
			if (!(m->x_name = mp_strdup(c, "input field", err)))
				return -1;
		} else if (nn_mp_str_is(c, "dtype")) {
			nn_mp_skip(c, err);
			if (mp_name(c, buf, sizeof buf, "input dtype", err) || nn_dtype_parse(buf, &m->x_dtype))
				return nn_error_set(err, NN_EDATA, "input dtype: unknown");
		} else if (nn_mp_str_is(c, "shape")) {
			size_t nd;
			nn_mp_skip(c, err);
			if (nn_mp_array(c, &nd, "input shape", err))
				return -1;
			if (nd > NN_MAX_DIMS)
				return nn_error_set(err, NN_EDATA, "input shape: more than %d dimensions", NN_MAX_DIMS);
			m->x_ndim = (int)nd;
			for (size_t k = 0; k < nd; k++)
				if (nn_mp_uint(c, &m->x_shape[k], "input shape", err))
					return -1;
		} else if (nn_mp_str_is(c, "feature_names")) {
			size_t k;
			nn_mp_skip(c, err);
			if (nn_mp_peek(c) == NN_MP_NIL) {
				nn_mp_nil(c, "feature_names", err);
				continue;
			}
			if (nn_mp_array(c, &k, "input feature_names", err))
				return -1;
			if (m->feature_names || k > (1u << 24))
				return nn_error_set(err, NN_EDATA, "input feature_names: given twice or too many");
			if (!(m->feature_names = calloc(k ? k : 1, sizeof *m->feature_names)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			m->nfeature_names = k;
			for (size_t j = 0; j < k; j++) {
				const char *str;
				size_t len;
				if (nn_mp_str(c, &str, &len, "feature name", err))
					return -1;
				if (memchr(str, 0, len) || !(m->feature_names[j] = malloc(len + 1)))
					return nn_error_set(err, NN_EDATA, "feature name: bad string or out of memory");
				memcpy(m->feature_names[j], str, len);
				m->feature_names[j][len] = 0;
			}
		} else if (nn_mp_str_is(c, NN_PREP_KEY)) {
			nn_mp_skip(c, err);
			if (m->prep)
				return nn_error_set(err, NN_EDATA, "input: two preparation chains");
			if (!(m->prep = calloc(1, sizeof *m->prep)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			if (nn_prep_parse(c, m->prep, err))
				return -1;
		} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {
			return -1;
		}
	}
	return m->x_name ? 0 : nn_error_set(err, NN_EDATA, "input: no field name");
}

static int read_label(nn_mp *c, nn_model *m, struct desc *d, nn_error *err)
{
	size_t n;
	if (nn_mp_map(c, &n, "label", err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (nn_mp_str_is(c, "field")) {
			nn_mp_skip(c, err);
			free(m->y_name);
			if (!(m->y_name = mp_strdup(c, "label field", err)))
				return -1;
		} else if (nn_mp_str_is(c, "nclasses")) {
			nn_mp_skip(c, err);
			if (nn_mp_uint(c, &d->nclasses, "nclasses", err))
				return -1;
		} else if (nn_mp_str_is(c, "targets")) {
			nn_mp_skip(c, err);
			if (nn_mp_uint(c, &d->targets, "targets", err))
				return -1;
		} else if (nn_mp_str_is(c, "classes")) {
			size_t k;
			nn_mp_skip(c, err);
			if (nn_mp_array(c, &k, "classes", err))
				return -1;
			if (k > NN_MAX_CLASSES || m->classes)
				return nn_error_set(err, NN_EDATA, "classes: too many");
			if (!(m->classes = calloc(k ? k : 1, sizeof *m->classes)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			m->nclasses = k;
			for (size_t j = 0; j < k; j++)
				if (!(m->classes[j] = mp_strdup(c, "class name", err)))
					return -1;
		} else if (nn_mp_skip(c, err) || nn_mp_skip(c, err)) {
			return -1;
		}
	}
	return m->y_name ? 0 : nn_error_set(err, NN_EDATA, "label: no field name");
}

static int read_meta(const nn_schema *s, nn_model *m, struct desc *d, nn_error *err)
{
	nn_mp c = { s->meta, s->meta + s->meta_len };
	size_t n;
	char buf[32];
	if (!s->meta)
		return nn_error_set(err, NN_EDATA, "no model description in the header");
	if (nn_mp_map(&c, &n, "metadata", err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (nn_mp_str_is(&c, "task")) {
			nn_mp_skip(&c, err);
			if (mp_name(&c, buf, sizeof buf, "task", err))
				return -1;
			if (strcmp(buf, "classification") && strcmp(buf, "regression"))
				return nn_error_set(err, NN_EDATA, "task '%s': unknown", buf);
			d->classification = !strcmp(buf, "classification");
			d->seen |= 1;
		} else if (nn_mp_str_is(&c, "input")) {
			nn_mp_skip(&c, err);
			if (read_input(&c, m, err))
				return -1;
			d->seen |= 2;
		} else if (nn_mp_str_is(&c, "label")) {
			nn_mp_skip(&c, err);
			if (read_label(&c, m, d, err))
				return -1;
			d->seen |= 4;
		} else if (nn_mp_str_is(&c, "layers")) {
			size_t k;
			nn_mp_skip(&c, err);
			if (nn_mp_array(&c, &k, "layers", err))
				return -1;
			if (k < 2 || k > NN_MLP_MAX_LAYERS + 1)
				return nn_error_set(err, NN_EDATA, "layers: %zu widths (2 to %d allowed)", k, NN_MLP_MAX_LAYERS + 1);
			d->nlayers = k - 1;
			for (size_t j = 0; j < k; j++) {
				uint64_t w;
				if (nn_mp_uint(&c, &w, "layer width", err))
					return -1;
				if (w == 0 || w > (1u << 24))
					return nn_error_set(err, NN_EDATA, "layer width %llu: out of range", (unsigned long long)w);
				d->width[j] = (size_t)w;
			}
			d->seen |= 8;
		} else if (nn_mp_str_is(&c, "activations")) {
			size_t k;
			nn_mp_skip(&c, err);
			if (nn_mp_array(&c, &k, "activations", err))
				return -1;
			if (k > NN_MLP_MAX_LAYERS)
				return nn_error_set(err, NN_EDATA, "activations: too many");
			d->nact = k;
			for (size_t j = 0; j < k; j++)
				if (mp_name(&c, buf, sizeof buf, "activation", err) || nn_act_parse(buf, &d->act[j]))
					return nn_error_set(err, NN_EDATA, "activation %zu: unknown", j);
			d->seen |= 16;
		} else if (nn_mp_str_is(&c, "output")) {
			nn_mp_skip(&c, err);
			if (mp_name(&c, buf, sizeof buf, "output", err) || nn_output_parse(buf, &d->output))
				return nn_error_set(err, NN_EDATA, "output: unknown function");
			d->seen |= 32;
		} else if (nn_mp_str_is(&c, "loss")) {
			nn_mp_skip(&c, err);
			if (mp_name(&c, buf, sizeof buf, "loss", err) || nn_loss_parse(buf, &d->loss))
				return nn_error_set(err, NN_EDATA, "loss: unknown");
			d->seen |= 64;
		} else if (nn_mp_str_is(&c, "training")) {
			nn_mp_skip(&c, err);
			const unsigned char *start = c.p;
			if (nn_mp_skip(&c, err))
				return -1;
			m->training_len = (size_t)(c.p - start);
			if (!(m->training = malloc(m->training_len)))
				return nn_error_set(err, NN_ENOMEM, "out of memory");
			memcpy(m->training, start, m->training_len);
		} else if (nn_mp_skip(&c, err) || nn_mp_skip(&c, err)) {
			return -1;
		}
	}
	static const char *const keys[] = { "task", "input", "label", "layers", "activations", "output", "loss" };
	for (int k = 0; k < 7; k++)
		if (!(d->seen & (1 << k)))
			return nn_error_set(err, NN_EDATA, "model description has no '%s'", keys[k]);
	return 0;
}

/* The model a header describes, every claim of its metadata checked,
 * without its network (m->mlp NULL). */
static nn_model *describe(const nn_schema *s, struct desc *d, nn_error *err)
{
	if (strcmp(s->kind, "model") && strcmp(s->kind, "checkpoint")) {
		nn_error_set(err, NN_EDATA, "not a model (kind '%s')", s->kind);
		return NULL;
	}
	nn_model *m = calloc(1, sizeof *m);
	if (!m) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	if (read_meta(s, m, d, err))
		goto fail;
	if (d->nact != d->nlayers - 1) {
		nn_error_set(err, NN_EDATA, "%zu activations for %zu hidden layers", d->nact, d->nlayers - 1);
		goto fail;
	}
	size_t out = d->width[d->nlayers];
	if (d->output == NN_OUT_SOFTMAX && out == 1) {
		nn_error_set(err, NN_EDATA, "a softmax over one output gives probability 1 to every row: "
		             "the model cannot tell anything apart (train it again: two classes take one "
		             "sigmoid output or two softmax outputs)");
		goto fail;
	}
	m->classification = d->classification;
	if (d->classification) {
		if (d->nclasses < 2 || d->nclasses > NN_MAX_CLASSES || (m->classes && m->nclasses != d->nclasses) ||
		    !(out == d->nclasses || (d->nclasses == 2 && out == 1))) {
			nn_error_set(err, NN_EDATA, "%llu classes do not fit %zu outputs", (unsigned long long)d->nclasses, out);
			goto fail;
		}
		m->nclasses = (size_t)d->nclasses;
	} else if (d->targets != out) {
		nn_error_set(err, NN_EDATA, "%llu targets do not fit %zu outputs", (unsigned long long)d->targets, out);
		goto fail;
	}
	uint64_t elems = 1;
	for (int i = 0; i < m->x_ndim; i++)
		elems *= m->x_shape[i] && m->x_shape[i] <= (1u << 24) ? m->x_shape[i] : 0;
	if (elems != d->width[0]) {
		nn_error_set(err, NN_EDATA, "input shape does not match %zu inputs", d->width[0]);
		goto fail;
	}
	if (m->feature_names && m->nfeature_names != d->width[0]) {
		nn_error_set(err, NN_EDATA, "%zu feature names for %zu inputs", m->nfeature_names, d->width[0]);
		goto fail;
	}
	if (m->prep && m->prep->n && m->prep->step[m->prep->n - 1].out_columns != d->width[0]) {
		nn_error_set(err, NN_EDATA, "the preparation chain ends with %zu columns; the model takes %zu",
		             m->prep->step[m->prep->n - 1].out_columns, d->width[0]);
		goto fail;
	}
	return m;
fail:
	nn_model_free(m);
	return NULL;
}

nn_model *nn_model_describe(const nn_schema *s, nn_model_desc *out, nn_error *err)
{
	struct desc d = { 0 };
	nn_model *m = describe(s, &d, err);
	if (m) {
		out->nlayers = (int)d.nlayers;
		memcpy(out->width, d.width, sizeof out->width);
		memcpy(out->act, d.act, sizeof out->act);
		out->output = d.output;
		out->loss = d.loss;
	}
	return m;
}

nn_model *nn_model_from(const nn_schema *s, const nn_batch *row, nn_error *err)
{
	struct desc d = { 0 };
	nn_model *m = describe(s, &d, err);
	if (!m)
		return NULL;
	if (nn_tensors_chunked(s)) {
		nn_error_set(err, NN_EDATA, "the model's tensors are in chunks, not in one row");
		goto fail;
	}
	if (!row || row->rows != 1) {
		nn_error_set(err, NN_EDATA, "a model has one row of parameters, not %zu", row ? row->rows : 0);
		goto fail;
	}
	/* Every tensor the layers call for must be in the row before the
	 * network is allocated: the widths are only a claim, and the fields
	 * are what the reader has bounded (nn-stream(5)). */
	int col[2 * NN_MLP_MAX_LAYERS];
	for (size_t l = 0; l < d.nlayers; l++)
		for (int b = 0; b < 2; b++) {
			char name[64];
			snprintf(name, sizeof name, "layer%zu.%s", l, b ? "bias" : "weight");
			int f = nn_schema_find(s, name);
			size_t want = b ? d.width[l + 1] : d.width[l] * d.width[l + 1];
			/* weights may be int8 with a scale per output (nn/quant.h) */
			int dtype_ok = f >= 0 && (s->fields[f].dtype == NN_F32 ||
			                          (!b && s->fields[f].dtype == NN_I8));
			if (!dtype_ok || s->fields[f].row_elems != want ||
			    s->fields[f].ndim != (b ? 1 : 2) || s->fields[f].shape[0] != d.width[l + 1]) {
				nn_error_set(err, NN_EDATA, "field '%s': %s", name,
				             f < 0 ? "missing" : "not f32 (or i8 weights) of the shape the layers say");
				goto fail;
			}
			col[2 * l + (size_t)b] = f;
		}
	if (!(m->mlp = nn_mlp_new((int)d.nlayers, d.width, d.act, d.output, d.loss, err)))
		goto fail;
	for (int l = 0; l < m->mlp->nlayers; l++) {
		float *w = m->mlp->params + m->mlp->woff[l];
		int q = nn_quant_load_weight(s, row, col[2 * l], d.width[l + 1], d.width[l], w, err);
		if (q < 0 || (q && nn_quant_keep(s, row, col[2 * l], d.width[l + 1], d.width[l], &m->qweight[l],
		                                 &m->qscale[l], err)))
			goto fail;
		if (!q)
			memcpy(w, row->col[col[2 * l]], d.width[l] * d.width[l + 1] * sizeof(float));
		memcpy(m->mlp->params + m->mlp->boff[l], row->col[col[2 * l + 1]], d.width[l + 1] * sizeof(float));
	}
	return m;
fail:
	nn_model_free(m);
	return NULL;
}

/* Layer l's tensors in a chunk table: their entries (scale -1 for f32
 * weights), checked against the widths before anything is allocated. */
static int find_layer(const nn_tensor_table *tt, const struct desc *d, size_t l, int *wi, int *si, int *bi,
                      nn_error *err)
{
	char name[64];
	size_t out = d->width[l + 1], in = d->width[l];
	snprintf(name, sizeof name, "layer%zu.weight", l);
	*wi = nn_tensors_find(tt, name);
	const nn_tensor *t = *wi >= 0 ? &tt->t[*wi] : NULL;
	if (!t || (t->dtype != NN_F32 && t->dtype != NN_I8) || t->ndim != 2 || t->shape[0] != out || t->shape[1] != in)
		return nn_error_set(err, NN_EDATA, "tensor '%s': %s", name,
		                    t ? "not f32 (or i8) of the shape the layers say" : "missing");
	*si = -1;
	if (t->dtype == NN_I8) {
		snprintf(name, sizeof name, "layer%zu.weight_scale", l);
		*si = nn_tensors_find(tt, name);
		t = *si >= 0 ? &tt->t[*si] : NULL;
		if (!t || t->dtype != NN_F32 || t->ndim != 1 || t->shape[0] != out)
			return nn_error_set(err, NN_EDATA, "tensor '%s': %s", name,
			                    t ? "not f32 with one scale per output" : "missing beside its int8 weights");
	}
	snprintf(name, sizeof name, "layer%zu.bias", l);
	*bi = nn_tensors_find(tt, name);
	t = *bi >= 0 ? &tt->t[*bi] : NULL;
	if (!t || t->dtype != NN_F32 || t->ndim != 1 || t->shape[0] != out)
		return nn_error_set(err, NN_EDATA, "tensor '%s': %s", name,
		                    t ? "not f32 of the shape the layers say" : "missing");
	return 0;
}

/* A model whose tensors are in chunks: each is read into its place in
 * the network (or, int8 weights, beside it, then dequantized). */
static nn_model *read_chunked(nn_reader *r, uint64_t max_bytes, nn_error *err)
{
	const nn_schema *s = nn_reader_schema(r);
	struct desc d = { 0 };
	nn_tensor_table tt = { 0 };
	void **dst = NULL;
	int wi[NN_MLP_MAX_LAYERS], si[NN_MLP_MAX_LAYERS], bi[NN_MLP_MAX_LAYERS];
	nn_model *m = describe(s, &d, err);
	if (!m || nn_tensors_table(s, &tt, err))
		goto fail;
	/* The widths ask for the memory: a claim, so held against what the
	 * machine has before any of it is taken. */
	uint64_t need = 0;
	for (size_t l = 0; l < d.nlayers; l++) {
		if (find_layer(&tt, &d, l, &wi[l], &si[l], &bi[l], err))
			goto fail;
		need += (uint64_t)d.width[l] * d.width[l + 1] * (si[l] >= 0 ? 5 : 4) + d.width[l + 1] * 8;
	}
	if (need > max_bytes) {
		nn_error_set(err, NN_ELIMIT, "a model of %llu bytes is more than this machine's memory "
		             "(%llu bytes)", (unsigned long long)need, (unsigned long long)max_bytes);
		goto fail;
	}
	if (!(m->mlp = nn_mlp_new((int)d.nlayers, d.width, d.act, d.output, d.loss, err)))
		goto fail;
	if (!(dst = calloc(tt.n, sizeof *dst))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	nn_mlp *net = m->mlp;
	for (size_t l = 0; l < d.nlayers; l++) {
		dst[wi[l]] = net->params + net->woff[l];
		dst[bi[l]] = net->params + net->boff[l];
		if (si[l] < 0)
			continue;
		if (!(m->qweight[l] = malloc(d.width[l] * d.width[l + 1])) ||
		    !(m->qscale[l] = malloc(d.width[l + 1] * sizeof(float)))) {
			nn_error_set(err, NN_ENOMEM, "out of memory for int8 weights");
			goto fail;
		}
		dst[wi[l]] = m->qweight[l];
		dst[si[l]] = m->qscale[l];
	}
	if (nn_tensors_read(r, &tt, dst, err))
		goto fail;
	for (size_t l = 0; l < d.nlayers; l++)
		if (si[l] >= 0) {
			if (nn_quant_check_scales(m->qscale[l], d.width[l + 1], tt.t[si[l]].name, err))
				goto fail;
			nn_dequant_rows(m->qweight[l], m->qscale[l], d.width[l + 1], d.width[l], net->params + net->woff[l]);
		}
	free(dst);
	nn_tensors_table_free(&tt);
	return m;
fail:
	free(dst);
	nn_tensors_table_free(&tt);
	nn_model_free(m);
	return NULL;
}

uint64_t nn_model_memory_limit(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : UINT64_MAX;
}

nn_model *nn_model_read(nn_reader *r, nn_error *err)
{
	return nn_model_read_max(r, nn_model_memory_limit(), err);
}

nn_model *nn_model_read_max(nn_reader *r, uint64_t max_bytes, nn_error *err)
{
	if (nn_tensors_chunked(nn_reader_schema(r)))
		return read_chunked(r, max_bytes, err);
	const nn_batch *b = NULL;
	int got = nn_reader_next(r, &b, err);
	if (got < 0)
		return NULL;
	nn_model *m = nn_model_from(nn_reader_schema(r), got ? b : NULL, err);
	if (!m)
		return NULL;
	const nn_batch *more;
	got = nn_reader_next(r, &more, err);
	if (got != 0) {
		if (got > 0)
			nn_error_set(err, NN_EDATA, "more than one row of parameters");
		nn_model_free(m);
		return NULL;
	}
	return m;
}

int nn_model_check_input(const nn_model *m, const nn_field *f, nn_error *err)
{
	if (f->row_elems == m->mlp->width[0])
		return 0;
	char have[NN_SHAPE_CHARS], want[NN_SHAPE_CHARS];
	nn_shape_str(have, sizeof have, f->ndim, f->shape);
	nn_shape_str(want, sizeof want, m->x_ndim, m->x_shape);
	return nn_error_set(err, NN_EDATA, "field '%s' has shape %s (%zu values per row); the model takes %s (%zu)",
	                    f->name, have, f->row_elems, want, m->mlp->width[0]);
}

void nn_model_clear_input(nn_model *m)
{
	if (m->prep) {
		nn_prep_release(m->prep);
		free(m->prep);
		m->prep = NULL;
	}
	nn_prep_names_free(m->feature_names, m->nfeature_names);
	m->feature_names = NULL;
	m->nfeature_names = 0;
}

int nn_model_set_input(nn_model *m, const nn_schema *s, const char *xname, nn_error *err)
{
	int f = nn_schema_find(s, xname);
	nn_model_clear_input(m);
	if (f < 0)
		return nn_error_set(err, NN_EARG, "no field '%s'", xname);
	if (!(m->prep = calloc(1, sizeof *m->prep)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	if (nn_prep_read(s, m->prep, NULL, err) ||
	    nn_prep_feature_names(s, &s->fields[f], &m->feature_names, err)) {
		nn_model_clear_input(m);
		return -1;
	}
	if (m->feature_names)
		m->nfeature_names = s->fields[f].row_elems;
	if (m->prep->n && m->prep->step[m->prep->n - 1].out_columns != s->fields[f].row_elems) {
		nn_model_clear_input(m);
		return nn_error_set(err, NN_EDATA, "the preparation chain ends with other columns than field '%s' has",
		                    xname);
	}
	return 0;
}
