/* fuzz-checkpoint.c — nn_checkpoint_read on arbitrary bytes.  A file whose
 * first row reads as a model gets a training state of its network's shape
 * (the optimizer its moment fields suggest, and a best copy) and is read
 * as a checkpoint
 * twice: with a signature of its own (taken from the file, so that
 * mutations reach the fields after it) and with a fixed one.  A
 * checkpoint that restores is written back (in chunks when it came in
 * chunks) and read again: the same state must come back.
 *
 * Input that starts with the zstd magic is a stream as it is; anything
 * else is taken as msgpack objects, each compressed into its own frame
 * (as fuzz-model does), so that mutations reach the parsers instead of
 * failing zstd's checksum.  Seeds: tests/fuzz/corpus/checkpoint. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>
#include "nn/checkpoint.h"
#include "nn/mp.h"
#include "fuzz-framed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SIG 64

/* The signature items of a training map ("resume" → "signature"), as
 * NUL-terminated copies in buf; returns how many (0 if none). */
static size_t file_signature(const nn_model *m, char buf[MAX_SIG][256], const char *v[MAX_SIG])
{
	nn_mp c = { m->training, m->training + m->training_len };
	size_t n, k, ns;
	if (!m->training || nn_mp_map(&c, &n, "training", NULL))
		return 0;
	for (size_t i = 0; i < n; i++) {
		int resume = nn_mp_str_is(&c, "resume");
		if (nn_mp_skip(&c, NULL))
			return 0;
		if (!resume) {
			if (nn_mp_skip(&c, NULL))
				return 0;
			continue;
		}
		if (nn_mp_map(&c, &k, "resume", NULL) || !k || !nn_mp_str_is(&c, "signature") ||
		    nn_mp_skip(&c, NULL) || nn_mp_array(&c, &ns, "signature", NULL) || ns > MAX_SIG)
			return 0;
		for (size_t q = 0; q < ns; q++) {
			const char *s;
			size_t len;
			if (nn_mp_str(&c, &s, &len, "signature", NULL) || len > 255)
				return 0;
			memcpy(buf[q], s, len);
			buf[q][len] = 0;
			v[q] = buf[q];
		}
		return ns;
	}
	return 0;
}

static int new_state(nn_train_state *st, const nn_mlp *shape, enum nn_optim_kind kind)
{
	nn_optim_config oc;
	memset(st, 0, sizeof *st);
	nn_optim_defaults(&oc, kind);
	st->net = nn_mlp_new(shape->nlayers, shape->width, shape->act, shape->output, shape->loss, NULL);
	st->opt = st->net ? nn_optim_new(&oc, st->net->nparams, NULL) : NULL;
	st->best = st->net ? calloc(st->net->nparams, sizeof(float)) : NULL;
	return st->net && st->opt && st->best ? 0 : -1;
}

static void free_state(nn_train_state *st)
{
	nn_mlp_free(st->net);
	nn_optim_free(st->opt);
	free(st->best);
}

static int restore(int fd, const nn_train_info *info, nn_train_state *st)
{
	nn_error err = { 0 };
	nn_sig_mismatch why;
	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, &err);
	int rc = r ? nn_checkpoint_read(r, info, "x", st, &why, &err) : -1;
	if (rc && err.code == NN_OK)
		abort();                          /* a failure always says why */
	nn_reader_close(r);
	return rc;
}

/* Write st as a checkpoint and read it into a fresh state: the same. */
static int chunked;   /* the input's tensors are in chunks: so are the ones written back */

static void round_trip(const nn_model *m, const nn_train_info *info, const nn_train_state *st)
{
	nn_error err = { 0 };
	msgpack_sbuffer sb;
	const void *cols[8 * NN_MLP_MAX_LAYERS];
	int fd = memfd_create("fuzz-out", 0);
	msgpack_sbuffer_init(&sb);
	if (fd < 0 || nn_train_pack(&sb, info, st, 1, 0, 0, 0, &err))
		abort();
	nn_model out = *m;
	out.mlp = st->net;
	out.training = (unsigned char *)sb.data;
	out.training_len = sb.size;
	nn_schema *s = nn_checkpoint_schema_chunked(&out, st, cols, chunked ? 64 : 0, &err);
	nn_writer *w = s ? nn_writer_open_fd(fd, s, NULL, &err) : NULL;
	if (!w || nn_tensors_write(w, s, cols, &err) || nn_writer_finish(w, &err)) {
		fprintf(stderr, "fuzz-checkpoint: cannot write a checkpoint back: %s\n", err.msg);
		abort();
	}
	nn_writer_free(w);
	nn_schema_free(s);
	nn_train_state back;
	if (new_state(&back, st->net, st->opt->cfg.kind) || restore(fd, info, &back)) {
		fprintf(stderr, "fuzz-checkpoint: a checkpoint written does not read back\n");
		abort();
	}
	size_t np = st->net->nparams * sizeof(float);
	if (back.epoch != st->epoch || back.batch != st->batch || back.opt->step != st->opt->step ||
	    memcmp(&back.shuffle, &st->shuffle, sizeof back.shuffle) || back.has_best != st->has_best ||
	    memcmp(back.net->params, st->net->params, np) ||
	    (st->opt->m && memcmp(back.opt->m, st->opt->m, np)) || (st->opt->v && memcmp(back.opt->v, st->opt->v, np)) || (st->has_best && memcmp(back.best, st->best, np)))
		abort();
	free_state(&back);
	msgpack_sbuffer_destroy(&sb);
	close(fd);
}

/* The model a chunked header describes, with a network of its shape (at
 * most 2^22 parameters: the widths are a claim), and the optimizer its
 * table's moments suggest. */
static nn_model *shape_of_chunks(const nn_schema *s, enum nn_optim_kind *kind)
{
	nn_model_desc d;
	nn_tensor_table tt;
	nn_model *m = nn_model_describe(s, &d, NULL);
	uint64_t n = 0;
	for (int l = 0; m && l < d.nlayers; l++)
		n += (uint64_t)d.width[l] * d.width[l + 1] + d.width[l + 1];
	if (!m || n > (1u << 22) || !(m->mlp = nn_mlp_new(d.nlayers, d.width, d.act, d.output, d.loss, NULL))) {
		nn_model_free(m);
		return NULL;
	}
	if (nn_tensors_table(s, &tt, NULL) == 0) {
		if (nn_tensors_find(&tt, "layer0.weight.v") >= 0)
			*kind = NN_OPTIM_ADAM;
		else if (nn_tensors_find(&tt, "layer0.weight.m") >= 0)
			*kind = NN_OPTIM_MOMENTUM;
		nn_tensors_table_free(&tt);
	}
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[MAX_SIG][256];
	static const char *fixed[2] = { "ranks=1", "layers=3" };
	const char *v[MAX_SIG];
	nn_error err = { 0 };
	int fd = fuzz_stream_fd(data, size);
	if (fd < 0)
		return 0;
	/* The network's shape from the first row (not nn_model_read, which
	 * also wants the verified end that re-framed input does not have),
	 * or from the header of a file of chunks. */
	nn_reader *r = nn_reader_open_fd(fd, &err);
	const nn_batch *b;
	enum nn_optim_kind kind = NN_OPTIM_SGD;
	nn_model *m = NULL;
	chunked = r && nn_tensors_chunked(nn_reader_schema(r));
	if (chunked)
		m = shape_of_chunks(nn_reader_schema(r), &kind);
	else if (r && nn_reader_next(r, &b, &err) == 1)
		m = nn_model_from(nn_reader_schema(r), b, &err);
	if (m && !chunked && nn_schema_find(nn_reader_schema(r), "layer0.weight.v") >= 0)
		kind = NN_OPTIM_ADAM;
	else if (m && !chunked && nn_schema_find(nn_reader_schema(r), "layer0.weight.m") >= 0)
		kind = NN_OPTIM_MOMENTUM;
	nn_reader_close(r);
	if (m) {
		nn_train_info info = { .threads = 1, .batch_size = 8, .sig = fixed, .nsig = 2 };
		nn_train_state st;
		if (!new_state(&st, m->mlp, kind)) {
			restore(fd, &info, &st);
			free_state(&st);
		}
		info.nsig = file_signature(m, buf, v);
		info.sig = v;
		if (!new_state(&st, m->mlp, kind)) {
			if (!restore(fd, &info, &st))
				round_trip(m, &info, &st);
			free_state(&st);
		}
		nn_model_free(m);
	}
	close(fd);
	return 0;
}
