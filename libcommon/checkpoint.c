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
	const nn_mlp *net = st->net;
	nn_schema *s = nn_model_schema(m, "checkpoint", err);
	if (!s)
		return NULL;
	nn_model_columns(m, cols);
	size_t nc = (size_t)net->nlayers * 2;
	for (int e = 0; e < 3; e++) {
		float *block = e < 2 || st->has_best ? extra_block(st, e) : NULL;
		for (int l = 0; block && l < net->nlayers; l++)
			for (int b = 0; b < 2; b++) {
				char name[80];
				uint64_t shape[2] = { net->width[l + 1], net->width[l] };
				snprintf(name, sizeof name, "layer%d.%s.%s", l, b ? "bias" : "weight", extra_names[e]);
				if (nn_schema_add_field(s, name, NN_F32, b ? 1 : 2, shape, err)) {
					nn_schema_free(s);
					return NULL;
				}
				cols[nc++] = block + (b ? net->boff[l] : net->woff[l]);
			}
	}
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
	if ((got = nn_reader_next(r, &b, err)) != 1)
		return got < 0 ? -1 : nn_error_set(err, NN_EDATA, "no parameters");
	if (!(m = nn_model_from(s, b, err)))
		return -1;
	const nn_mlp *a = m->mlp, *want = st->net;
	if (info->classes && m->classes &&
	    !nn_classes_same(info->nclasses, info->classes, m->nclasses, m->classes)) {
		char have[512], data[512];
		nn_classes_format(have, sizeof have, m->nclasses, m->classes);
		nn_classes_format(data, sizeof data, info->nclasses, info->classes);
		nn_error_set(err, NN_EDATA, "the checkpoint's classes %s differ from the training data's %s "
		             "(import the data with nn-import --classes LIST in the checkpoint's order)", have, data);
		goto done;
	}
	if (a->width[0] != want->width[0]) {
		nn_error_set(err, NN_EDATA, "the model takes %zu features; '%s' in the training data has %zu",
		             a->width[0], x, want->width[0]);
		goto done;
	}
	if (a->nparams != want->nparams || a->nlayers != want->nlayers ||
	    memcmp(a->width, want->width, sizeof a->width) || a->output != want->output || a->loss != want->loss) {
		nn_error_set(err, NN_EDATA, "the checkpoint's network differs from the one the options make");
		goto done;
	}
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
