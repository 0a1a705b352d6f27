/* checkpoint.c — a training run's state as a file, and back (see
 * nn/checkpoint.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/mp.h"
#include "nn/pack.h"

/* Extra fields of a checkpoint, per parameter tensor: "layer0.weight.m",
 * "layer0.weight.v", "layer0.weight.best". */
static const char *const extra_names[3] = { "m", "v", "best" };

static float *extra_block(const nn_train_state *st, int e)
{
	return e == 0 ? st->opt->m : e == 1 ? st->opt->v : st->best;
}

int nn_train_pack(msgpack_sbuffer *sb, const nn_train_info *info, const nn_train_state *st, int resume,
                  double tl, double vl, double va, nn_error *err)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	int cost = !resume && info->cost;
	int bad = msgpack_pack_map(&pk, (resume ? 14 : 13) + (info->ranks ? 1 : 0) + cost);
	bad |= nn_pack_str(&pk, "threads") | msgpack_pack_int64(&pk, info->threads);
	if (info->ranks)      /* batch_size is per rank: ranks x batch_size rows per step */
		bad |= nn_pack_str(&pk, "ranks") | msgpack_pack_int64(&pk, info->ranks);
	bad |= nn_pack_str(&pk, "optimizer") | nn_pack_str(&pk, nn_optim_name(st->opt->cfg.kind));
	bad |= nn_pack_str(&pk, "lr") | msgpack_pack_double(&pk, st->opt->cfg.lr);
	bad |= nn_pack_str(&pk, "batch_size") | msgpack_pack_int64(&pk, info->batch_size);
	bad |= nn_pack_str(&pk, "seed") | msgpack_pack_int64(&pk, info->seed);
	bad |= nn_pack_str(&pk, "epochs") | msgpack_pack_uint64(&pk, st->epoch);
	bad |= nn_pack_str(&pk, "steps") | msgpack_pack_uint64(&pk, st->opt->step);
	bad |= nn_pack_str(&pk, "best_epoch") | msgpack_pack_uint64(&pk, st->has_best ? st->best_epoch : st->epoch);
	bad |= nn_pack_str(&pk, "train_rows") | msgpack_pack_uint64(&pk, info->train_rows);
	char crc[16];
	snprintf(crc, sizeof crc, "%08x", info->train_crc);
	bad |= nn_pack_str(&pk, "train_crc32") | nn_pack_str(&pk, crc);
	bad |= nn_pack_str(&pk, "val_rows") | msgpack_pack_uint64(&pk, info->val_rows);
	bad |= nn_pack_str(&pk, "flops_per_row") | msgpack_pack_double(&pk, nn_mlp_flops_train(st->net));
	bad |= nn_pack_str(&pk, "final") | msgpack_pack_map(&pk, 3);
	bad |= nn_pack_str(&pk, "train_loss") | msgpack_pack_double(&pk, tl);
	bad |= nn_pack_str(&pk, "val_loss") | (isnan(vl) ? msgpack_pack_nil(&pk) : msgpack_pack_double(&pk, vl));
	bad |= nn_pack_str(&pk, "val_accuracy") | (isnan(va) ? msgpack_pack_nil(&pk) : msgpack_pack_double(&pk, va));
	if (cost) {           /* asked for: it makes the bytes differ from run to run */
		const nn_cost *c = info->cost;
		int energy = c->source != NN_ENERGY_NONE;
		bad |= nn_pack_str(&pk, "cost") | msgpack_pack_map(&pk, 2 + 2 * energy);
		bad |= nn_pack_str(&pk, "wall_s") | msgpack_pack_double(&pk, c->wall_s);
		bad |= nn_pack_str(&pk, "cpu_s") | msgpack_pack_double(&pk, c->cpu_s);
		if (energy) {
			bad |= nn_pack_str(&pk, "energy_j") | msgpack_pack_double(&pk, c->joules);
			bad |= nn_pack_str(&pk, "energy_source") | nn_pack_str(&pk, nn_energy_source_name(c->source));
		}
	}
	if (resume) {
		bad |= nn_pack_str(&pk, "resume") | msgpack_pack_map(&pk, 10);
		bad |= nn_pack_str(&pk, "signature") | msgpack_pack_array(&pk, info->nsig);
		for (size_t i = 0; i < info->nsig; i++)
			bad |= nn_pack_str(&pk, info->sig[i]);
		bad |= nn_pack_str(&pk, "epoch") | msgpack_pack_uint64(&pk, st->epoch);
		bad |= nn_pack_str(&pk, "batch") | msgpack_pack_uint64(&pk, st->batch);
		bad |= nn_pack_str(&pk, "step") | msgpack_pack_uint64(&pk, st->opt->step);
		bad |= nn_pack_str(&pk, "rng") | msgpack_pack_array(&pk, 4);
		for (int i = 0; i < 4; i++)
			bad |= msgpack_pack_uint64(&pk, st->shuffle.s[i]);
		bad |= nn_pack_str(&pk, "epoch_loss") | msgpack_pack_double(&pk, st->epoch_loss);
		bad |= nn_pack_str(&pk, "epoch_rows") | msgpack_pack_uint64(&pk, st->epoch_rows);
		bad |= nn_pack_str(&pk, "best_metric") | msgpack_pack_double(&pk, st->best_metric);
		bad |= nn_pack_str(&pk, "best_epoch") | msgpack_pack_uint64(&pk, st->best_epoch);
		bad |= nn_pack_str(&pk, "bad_epochs") | msgpack_pack_uint64(&pk, st->bad_epochs);
	}
	return bad ? nn_error_set(err, NN_ENOMEM, "out of memory") : 0;
}

nn_schema *nn_checkpoint_schema(const nn_model *m, const nn_train_state *st, const void **cols,
                                nn_error *err)
{
	return nn_checkpoint_schema_chunked(m, st, cols, 0, err);
}

nn_schema *nn_checkpoint_schema_chunked(const nn_model *m, const nn_train_state *st, const void **cols,
                                        size_t chunk, nn_error *err)
{
	const nn_mlp *net = st->net;
	nn_tensor *t = calloc(8 * (size_t)net->nlayers, sizeof *t);
	nn_schema *s = NULL;
	if (!t) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	int k = nn_model_tensors(m, t, err);
	if (k < 0)
		goto done;
	nn_model_columns(m, cols);
	size_t nc = (size_t)k;
	for (int e = 0; e < 3; e++) {
		float *block = e < 2 || st->has_best ? extra_block(st, e) : NULL;
		for (int l = 0; block && l < net->nlayers; l++)
			for (int b = 0; b < 2; b++) {
				char name[80];
				uint64_t shape[2] = { net->width[l + 1], net->width[l] };
				snprintf(name, sizeof name, "layer%d.%s.%s", l, b ? "bias" : "weight", extra_names[e]);
				if (nn_tensor_set(&t[nc], name, NN_F32, b ? 1 : 2, shape, err))
					goto done;
				cols[nc++] = block + (b ? net->boff[l] : net->woff[l]);
			}
	}
	nn_model_layout lay = { .t = t, .n = nc, .chunk = chunk };
	s = nn_model_schema_with(m, "checkpoint", &lay, err);
done:
	free(t);
	return s;
}

/* Compare the checkpoint's signature (at c) with info's, item by item. */
static int check_signature(nn_mp *c, const nn_train_info *info, nn_sig_mismatch *why, nn_error *err)
{
	size_t ns, want = info->nsig;
	if (nn_mp_array(c, &ns, "signature", err))
		return -2;
	for (size_t q = 0; q < ns; q++) {
		const char *v;
		size_t vl;
		if (nn_mp_str(c, &v, &vl, "signature", err))
			return -2;
		if (q >= want || vl != strlen(info->sig[q]) || memcmp(v, info->sig[q], vl)) {
			if (why) {
				why->found = 1;
				why->index = q;
				snprintf(why->have, sizeof why->have, "%.*s", (int)(vl < 127 ? vl : 127), v);
			}
			return nn_error_set(err, NN_EDATA, "made with other options or data: checkpoint has %.*s, this run %s",
			                    (int)vl, v, q < want ? info->sig[q] : "nothing");
		}
	}
	if (ns != want) {
		if (why) {
			why->found = 1;
			why->index = ns;
			why->have[0] = 0;
		}
		return nn_error_set(err, NN_EDATA, "made with other options: this run has %s",
		                    want ? info->sig[ns < want ? ns : 0] : "nothing");
	}
	return 0;
}

/* The "resume" map: the position and the signature. */
static int read_resume(nn_mp *c, const nn_train_info *info, nn_train_state *st, nn_sig_mismatch *why,
                       nn_error *err)
{
	nn_error in = { 0 };
	size_t k, ns;
	if (nn_mp_map(c, &k, "resume", err))
		return -1;
	for (size_t j = 0; j < k; j++) {
		const char *key;
		size_t len;
		if (nn_mp_str(c, &key, &len, "resume key", err))
			return -1;
#define IS(s) (len == strlen(s) && !memcmp(key, s, len))
		int bad = 0;
		if (IS("signature")) {
			int r = check_signature(c, info, why, &in);
			if (r == -1) {
				*err = in;
				return -1;
			}
			bad = r != 0;
		} else if (IS("epoch")) {
			bad = nn_mp_uint(c, &st->epoch, "epoch", &in);
		} else if (IS("batch")) {
			bad = nn_mp_uint(c, &st->batch, "batch", &in);
		} else if (IS("step")) {
			bad = nn_mp_uint(c, &st->opt->step, "step", &in);
		} else if (IS("rng")) {
			bad = nn_mp_array(c, &ns, "rng", &in) || ns != 4;
			for (int q = 0; !bad && q < 4; q++)
				bad = nn_mp_uint(c, &st->shuffle.s[q], "rng", &in);
		} else if (IS("epoch_loss")) {
			bad = nn_mp_number(c, &st->epoch_loss, "epoch_loss", &in);
		} else if (IS("epoch_rows")) {
			bad = nn_mp_uint(c, &st->epoch_rows, "epoch_rows", &in);
		} else if (IS("best_metric")) {
			bad = nn_mp_number(c, &st->best_metric, "best_metric", &in);
		} else if (IS("best_epoch")) {
			bad = nn_mp_uint(c, &st->best_epoch, "best_epoch", &in);
		} else if (IS("bad_epochs")) {
			bad = nn_mp_uint(c, &st->bad_epochs, "bad_epochs", &in);
		} else {
			bad = nn_mp_skip(c, &in);
		}
#undef IS
		if (bad)
			return nn_error_set(err, NN_EDATA, "bad training state%s%s", in.msg[0] ? ": " : "", in.msg);
	}
	return 0;
}

/* Find "resume" in a checkpoint's training map and restore the position. */
static int read_training(const nn_model *m, const nn_train_info *info, nn_train_state *st,
                         nn_sig_mismatch *why, nn_error *err)
{
	nn_mp c = { m->training, m->training + m->training_len };
	size_t n;
	if (!m->training || nn_mp_map(&c, &n, "training", NULL))
		return nn_error_set(err, NN_EDATA, "not a checkpoint: no training state");
	for (size_t i = 0; i < n; i++) {
		if (nn_mp_str_is(&c, "resume")) {
			nn_mp_skip(&c, err);
			return read_resume(&c, info, st, why, err);
		}
		if (nn_mp_skip(&c, err) || nn_mp_skip(&c, err))
			return -1;
	}
	return nn_error_set(err, NN_EDATA, "a model, not a checkpoint: nothing to resume");
}

/* The moments and the best copy from the row's extra fields. */
static int read_blocks(const nn_schema *s, const nn_batch *b, const nn_mlp *a, nn_train_state *st,
                       nn_error *err)
{
	for (int e = 0; e < 3; e++) {
		float *block = extra_block(st, e);
		int found = 0;
		for (int l = 0; block && l < a->nlayers; l++)
			for (int bi = 0; bi < 2; bi++) {
				char name[80];
				snprintf(name, sizeof name, "layer%d.%s.%s", l, bi ? "bias" : "weight", extra_names[e]);
				int f = nn_schema_find(s, name);
				size_t count = bi ? a->width[l + 1] : a->width[l] * a->width[l + 1];
				if (f < 0 || s->fields[f].dtype != NN_F32 || s->fields[f].row_elems != count) {
					if (e == 2 && f < 0)
						continue;          /* no best epoch yet */
					return nn_error_set(err, NN_EDATA, "field '%s' missing or of the wrong shape", name);
				}
				memcpy(block + (bi ? a->boff[l] : a->woff[l]), b->col[f], count * sizeof(float));
				found = 1;
			}
		if (e == 2)
			st->has_best = found;
	}
	return 0;
}

/* Is the checkpoint's model m, of network d, the one this run makes? */
static int check_same(const nn_model *m, const nn_model_desc *d, const nn_train_info *info, const char *x,
                      const nn_train_state *st, nn_error *err)
{
	const nn_mlp *want = st->net;
	if (info->classes && m->classes &&
	    !nn_classes_same(info->nclasses, info->classes, m->nclasses, m->classes)) {
		char have[512], data[512];
		nn_classes_format(have, sizeof have, m->nclasses, m->classes);
		nn_classes_format(data, sizeof data, info->nclasses, info->classes);
		return nn_error_set(err, NN_EDATA, "the checkpoint's classes %s differ from the training data's %s "
		                    "(import the data with nn-import --classes LIST in the checkpoint's order)", have, data);
	}
	if (d->width[0] != want->width[0])
		return nn_error_set(err, NN_EDATA, "the model takes %zu features; '%s' in the training data has %zu",
		                    d->width[0], x, want->width[0]);
	if (d->nlayers != want->nlayers ||
	    memcmp(d->width, want->width, (size_t)(d->nlayers + 1) * sizeof d->width[0]) ||
	    d->output != want->output || d->loss != want->loss)
		return nn_error_set(err, NN_EDATA, "the checkpoint's network differs from the one the options make");
	return 0;
}

/* A checkpoint whose tensors are in chunks: each goes straight into its
 * place in st (parameters, moments, best copy), after the network and
 * the signature have been checked, so a run's state is never held twice. */
static int read_chunked(nn_reader *r, const nn_train_info *info, const char *x, nn_train_state *st,
                        nn_sig_mismatch *why, nn_error *err)
{
	const nn_schema *s = nn_reader_schema(r);
	const nn_mlp *net = st->net;
	nn_model_desc d;
	nn_tensor_table tt = { 0 };
	void **dst = NULL;
	int rc = -1;
	nn_model *m = nn_model_describe(s, &d, err);
	if (!m || check_same(m, &d, info, x, st, err) || read_training(m, info, st, why, err) ||
	    nn_tensors_table(s, &tt, err))
		goto done;
	if (!(dst = calloc(tt.n, sizeof *dst))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto done;
	}
	int has_best = 0;
	for (int e = -1; e < 3; e++) {
		float *block = e < 0 ? net->params : extra_block(st, e);
		for (int l = 0; block && l < net->nlayers; l++)
			for (int b = 0; b < 2; b++) {
				char name[80];
				snprintf(name, sizeof name, "layer%d.%s%s%s", l, b ? "bias" : "weight", e < 0 ? "" : ".",
				         e < 0 ? "" : extra_names[e]);
				int i = nn_tensors_find(&tt, name);
				const nn_tensor *t = i >= 0 ? &tt.t[i] : NULL;
				size_t count = b ? net->width[l + 1] : net->width[l] * net->width[l + 1];
				if (!t && e == 2)
					continue;          /* no best epoch yet */
				if (!t || t->dtype != NN_F32 || t->ndim != (b ? 1 : 2) || t->bytes != count * sizeof(float) ||
				    t->shape[0] != net->width[l + 1]) {
					nn_error_set(err, NN_EDATA, "tensor '%s' missing or of the wrong shape", name);
					goto done;
				}
				dst[i] = block + (b ? net->boff[l] : net->woff[l]);
				has_best |= e == 2;
			}
	}
	if (nn_tensors_read(r, &tt, dst, err))
		goto done;
	st->has_best = has_best;
	rc = 0;
done:
	free(dst);
	nn_tensors_table_free(&tt);
	nn_model_free(m);
	return rc;
}

int nn_checkpoint_read(nn_reader *r, const nn_train_info *info, const char *x, nn_train_state *st,
                       nn_sig_mismatch *why, nn_error *err)
{
	const nn_schema *s = nn_reader_schema(r);
	const nn_batch *b = NULL, *more;
	nn_model *m;
	int got, rc = -1;

	if (why)
		why->found = 0;
	if (strcmp(s->kind, "checkpoint"))
		return nn_error_set(err, NN_EDATA, "not a checkpoint (kind '%s')", s->kind);
	if (nn_tensors_chunked(s))
		return read_chunked(r, info, x, st, why, err);
	if ((got = nn_reader_next(r, &b, err)) != 1)
		return got < 0 ? -1 : nn_error_set(err, NN_EDATA, "no parameters");
	if (!(m = nn_model_from(s, b, err)))
		return -1;
	const nn_mlp *a = m->mlp;
	nn_model_desc d = { .nlayers = a->nlayers, .output = a->output, .loss = a->loss };
	memcpy(d.width, a->width, sizeof d.width);
	if (check_same(m, &d, info, x, st, err))
		goto done;
	memcpy(st->net->params, a->params, a->nparams * sizeof(float));
	if (read_training(m, info, st, why, err) || read_blocks(s, b, a, st, err))
		goto done;
	if ((got = nn_reader_next(r, &more, err)) != 0) {
		if (got > 0)
			nn_error_set(err, NN_EDATA, "more than one row of parameters");
		goto done;
	}
	rc = 0;
done:
	nn_model_free(m);
	return rc;
}
