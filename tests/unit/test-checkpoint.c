/* test-checkpoint.c — a training state written as a checkpoint, read
 * back into a fresh state and written again: the same bytes; a signature
 * that differs anywhere is refused, naming the item; a model, another
 * network, a checkpoint without the best copy; all of it again with the
 * tensors in chunks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn/checkpoint.h"
#include "check.h"

static const char *const sig[4] = { "ranks=1", "layers=5", "seed=7", "training data=10 rows, crc32 0000abcd" };

static void make_state(nn_train_state *st, size_t hidden, int with_best)
{
	size_t width[3] = { 4, hidden, 3 };
	enum nn_act act[1] = { NN_ACT_RELU };
	nn_optim_config oc;
	nn_error err = { 0 };
	memset(st, 0, sizeof *st);
	nn_optim_defaults(&oc, NN_OPTIM_ADAM);
	st->net = nn_mlp_new(2, width, act, NN_OUT_SOFTMAX, NN_LOSS_CE, &err);
	st->opt = nn_optim_new(&oc, st->net->nparams, &err);
	st->best = with_best ? calloc(st->net->nparams, sizeof(float)) : NULL;
}

static void free_state(nn_train_state *st)
{
	nn_mlp_free(st->net);
	nn_optim_free(st->opt);
	free(st->best);
}

/* Is parameter i part of a tensor (not the padding that aligns them)? */
static int in_tensor(const nn_mlp *net, size_t i)
{
	for (int l = 0; l < net->nlayers; l++)
		if ((i >= net->woff[l] && i < net->woff[l] + net->width[l] * net->width[l + 1]) ||
		    (i >= net->boff[l] && i < net->boff[l] + net->width[l + 1]))
			return 1;
	return 0;
}

/* A state somewhere in a run, every value distinct (the padding 0). */
static void fill_state(nn_train_state *st)
{
	for (size_t i = 0; i < st->net->nparams; i++) {
		if (!in_tensor(st->net, i))
			continue;
		st->net->params[i] = (float)i * 0.25f - 1;
		st->opt->m[i] = (float)i * 0.5f;
		st->opt->v[i] = (float)i * 0.125f + 3;
		if (st->best)
			st->best[i] = -(float)i;
	}
	st->has_best = st->best != NULL;
	st->opt->step = 42;
	st->epoch = 3;
	st->batch = 2;
	nn_rng_seed(&st->shuffle, 99, 2);
	st->epoch_loss = 1.0 / 3;
	st->epoch_rows = 17;
	st->best_metric = 0.4375;
	st->best_epoch = 2;
	st->bad_epochs = 1;
}

static nn_train_info info_of(const char *const *s, size_t n)
{
	nn_train_info info = { .threads = 2, .batch_size = 8, .seed = 7, .train_rows = 10,
	                       .train_crc = 0xabcd, .val_rows = 0, .sig = s, .nsig = n };
	return info;
}

static char *file_classes[3] = { "cat", "dog", "eel" };
static int with_names;                    /* write_file names the classes */
static size_t chunk;                      /* write_file's tensors in chunks of this size (0: one row) */

/* st as a checkpoint (resume 1) or a model (resume 0) in a new memfd. */
static int write_file(const nn_train_state *st, const nn_train_info *info, int resume)
{
	nn_error err = { 0 };
	msgpack_sbuffer sb;
	const void *cols[16];
	int fd = memfd_create("test-checkpoint", 0);
	msgpack_sbuffer_init(&sb);
	if (nn_train_pack(&sb, info, st, resume, 0.5, NAN, NAN, &err))
		return -1;
	nn_model m = { .mlp = st->net, .x_name = "x", .x_dtype = NN_F32, .x_ndim = 1, .x_shape = { 4 },
	               .y_name = "y", .classification = 1, .nclasses = 3, .classes = with_names ? file_classes : NULL,
	               .training = (unsigned char *)sb.data, .training_len = sb.size };
	nn_model_layout lay = { .chunk = chunk };
	nn_schema *s = resume ? nn_checkpoint_schema_chunked(&m, st, cols, chunk, &err)
	                      : nn_model_schema_with(&m, "model", &lay, &err);
	if (!s || nn_tensors_chunked(s) != (chunk != 0))
		return -1;
	if (!resume)
		nn_model_columns(&m, cols);
	nn_writer *w = nn_writer_open_fd(fd, s, NULL, &err);
	if (!w || nn_tensors_write(w, s, cols, &err) || nn_writer_finish(w, &err))
		return -1;
	nn_writer_free(w);
	nn_schema_free(s);
	msgpack_sbuffer_destroy(&sb);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static unsigned char *slurp(int fd, size_t *n)
{
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char *b = malloc((size_t)end);
	*n = pread(fd, b, (size_t)end, 0) == end ? (size_t)end : 0;
	lseek(fd, 0, SEEK_SET);
	return b;
}

/* Read fd into st (fresh), with the signature s[0..n). */
static int read_file(int fd, nn_train_state *st, const char *const *s, size_t n, nn_sig_mismatch *why,
                     nn_error *err)
{
	nn_train_info info = info_of(s, n);
	nn_reader *r = nn_reader_open_fd(fd, err);
	int rc = r ? nn_checkpoint_read(r, &info, "x", st, why, err) : -1;
	nn_reader_close(r);
	lseek(fd, 0, SEEK_SET);
	return rc;
}

static void test_round_trip(int with_best)
{
	nn_train_state a, b;
	nn_train_info info = info_of(sig, 4);
	nn_error err = { 0 };
	size_t na, nb;
	make_state(&a, 5, with_best);
	fill_state(&a);
	make_state(&b, 5, 1);
	int fa = write_file(&a, &info, 1);
	CHECK(fa >= 0 && !read_file(fa, &b, sig, 4, NULL, &err), "best %d: read back: %s", with_best, err.msg);
	CHECK(!memcmp(a.net->params, b.net->params, a.net->nparams * sizeof(float)) &&
	      !memcmp(a.opt->m, b.opt->m, a.net->nparams * sizeof(float)) &&
	      !memcmp(a.opt->v, b.opt->v, a.net->nparams * sizeof(float)), "best %d: parameters and moments", with_best);
	CHECK(b.has_best == with_best && (!with_best || !memcmp(a.best, b.best, a.net->nparams * sizeof(float))),
	      "best %d: the best copy when there is one", with_best);
	CHECK(b.opt->step == 42 && b.epoch == 3 && b.batch == 2 && !memcmp(&b.shuffle, &a.shuffle, sizeof a.shuffle) &&
	      b.epoch_loss == 1.0 / 3 && b.epoch_rows == 17 && b.best_metric == 0.4375 && b.best_epoch == 2 &&
	      b.bad_epochs == 1, "best %d: the position in the run", with_best);
	if (!with_best) {
		free(b.best);
		b.best = NULL;
	}
	int fb = write_file(&b, &info, 1);
	unsigned char *ba = slurp(fa, &na), *bb = slurp(fb, &nb);
	CHECK(na > 0 && na == nb && !memcmp(ba, bb, na), "best %d: written again, the same %zu bytes", with_best, na);
	free(ba);
	free(bb);
	close(fa);
	close(fb);
	free_state(&a);
	free_state(&b);
}

static void test_refused(void)
{
	nn_train_state a, b;
	nn_train_info info = info_of(sig, 4);
	nn_sig_mismatch why;
	nn_error err = { 0 };
	make_state(&a, 5, 1);
	fill_state(&a);
	make_state(&b, 5, 1);
	int fd = write_file(&a, &info, 1);

	const char *other[4] = { "ranks=1", "layers=6", "seed=7", sig[3] };
	CHECK(read_file(fd, &b, other, 4, &why, &err) && err.code == NN_EDATA &&
	      !strcmp(err.msg, "made with other options or data: checkpoint has layers=5, this run layers=6") &&
	      why.found && why.index == 1 && !strcmp(why.have, "layers=5"), "another option: %s", err.msg);
	const char *ranks[4] = { "ranks=2", "layers=5", "seed=7", sig[3] };
	CHECK(read_file(fd, &b, ranks, 4, &why, &err) && why.found && why.index == 0 && !strcmp(why.have, "ranks=1"),
	      "another rank count: item 0, %s", why.have);
	CHECK(read_file(fd, &b, sig, 3, &why, &err) && strstr(err.msg, "this run nothing"), "fewer items: %s", err.msg);
	const char *more[5] = { sig[0], sig[1], sig[2], sig[3], "monitor=loss" };
	CHECK(read_file(fd, &b, more, 5, &why, &err) && !strcmp(err.msg, "made with other options: this run has monitor=loss"),
	      "more items: %s", err.msg);
	close(fd);

	fd = write_file(&a, &info, 0);
	CHECK(read_file(fd, &b, sig, 4, NULL, &err) && !strcmp(err.msg, "not a checkpoint (kind 'model')"), "%s", err.msg);
	close(fd);

	/* class names other than the data's: both lists shown, and the fix */
	with_names = 1;
	fd = write_file(&a, &info, 1);
	with_names = 0;
	static char *data_classes[3] = { "cat", "dog", "fox" };
	nn_train_info named = info_of(sig, 4);
	named.nclasses = 3;
	named.classes = data_classes;
	nn_reader *r = nn_reader_open_fd(fd, &err);
	CHECK(r && nn_checkpoint_read(r, &named, "x", &b, NULL, &err) &&
	      !strcmp(err.msg, "the checkpoint's classes [cat, dog, eel] differ from the training data's [cat, dog, fox] "
	              "(import the data with nn-import --classes LIST in the checkpoint's order)"), "%s", err.msg);
	nn_reader_close(r);
	close(fd);

	nn_train_state c;
	make_state(&c, 6, 1);
	fd = write_file(&a, &info, 1);
	CHECK(read_file(fd, &c, sig, 4, NULL, &err) &&
	      !strcmp(err.msg, "the checkpoint's network differs from the one the options make"), "%s", err.msg);
	close(fd);
	free_state(&a);
	free_state(&b);
	free_state(&c);
}

int main(void)
{
	test_round_trip(1);
	test_round_trip(0);
	test_refused();
	/* the same with the tensors in chunks (nn/tensors.h): of 64 bytes,
	 * and of 24 (a short last chunk in most tensors) */
	static const size_t chunks[2] = { 64, 24 };
	for (int i = 0; i < 2; i++) {
		chunk = chunks[i];
		printf("# tensors in chunks of %zu bytes\n", chunk);
		test_round_trip(1);
		test_round_trip(0);
		test_refused();
	}
	return check_done();
}
