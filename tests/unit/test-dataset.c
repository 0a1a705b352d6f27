/* test-dataset.c — streams built in memory, read as training rows: the
 * task each label field implies, the rows and targets as f32, the CRC of
 * the bytes read, and the errors (missing fields, wrong label kinds,
 * NaN, classes out of range, a second stream that does not match). */
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include "nn/dataset.h"
#include "check.h"

#define ROWS 7

/* A reader over a stream of fields x (dtype xt, [3]) and y (dtype yt,
 * shape yshape or scalar), written in batches of 2 rows. */
static nn_reader *stream(nn_dtype xt, const void *x, nn_dtype yt, int yndim, const uint64_t *yshape,
                         const void *y, size_t nclasses, int *fd)
{
	static const char *const names[3] = { "cat", "dog", "eel" };
	nn_error err = { 0 };
	uint64_t three = 3;
	nn_schema *s = nn_schema_new("data", &err);
	nn_writer_options o = { .batch_rows = 2 };
	const void *cols[2] = { x, y };
	*fd = memfd_create("test-dataset", 0);
	if (!s || nn_schema_add_field(s, "x", xt, 1, &three, &err) || nn_schema_add_field(s, "y", yt, yndim, yshape, &err) ||
	    (nclasses && nn_schema_set_classes(s, 1, nclasses, names, &err)))
		return NULL;
	nn_writer *w = nn_writer_open_fd(*fd, s, &o, &err);
	if (!w || nn_writer_write(w, cols, ROWS, &err) || nn_writer_finish(w, &err))
		return NULL;
	nn_writer_free(w);
	nn_schema_free(s);
	lseek(*fd, 0, SEEK_SET);
	return nn_reader_open_fd(*fd, &err);
}

static float xs[ROWS * 3];

static void fill(void)
{
	for (int i = 0; i < ROWS * 3; i++)
		xs[i] = (float)i * 0.5f - 3;
}

static void test_classes(void)
{
	static const int32_t y[ROWS] = { 0, 1, 2, 1, 0, 2, 2 };
	nn_error err = { 0 };
	nn_task t, kept;
	nn_dataset ds = { 0 };
	int fd;
	nn_reader *r = stream(NN_F32, xs, NN_I32, 0, NULL, y, 3, &fd);
	CHECK(r && !nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_AUTO, &t, &err), "integer labels: %s", err.msg);
	CHECK(t.classification && !t.soft && t.nclasses == 3 && t.ntargets == 0 && t.x_ndim == 1 &&
	      t.x_shape[0] == 3 && t.x_dtype == NN_F32, "classification of 3 named classes");
	CHECK(!nn_task_keep(&kept, &t, &err) && kept.classes != t.classes && !strcmp(kept.classes[2], "eel"),
	      "the names are copied");
	CHECK(!nn_dataset_load(r, "x", "y", &t, &ds, &err), "load: %s", err.msg);
	CHECK(ds.n == ROWS && ds.d == 3 && ds.k == 0 && !ds.t && !memcmp(ds.x, xs, sizeof xs) &&
	      !memcmp(ds.cls, y, sizeof y), "7 rows of 3 features and their classes");
	uint32_t crc = (uint32_t)crc32_z(0, NULL, 0);
	for (int b = 0; b < ROWS; b += 2) {        /* batch by batch: x, then y */
		int n = ROWS - b < 2 ? ROWS - b : 2;
		crc = (uint32_t)crc32_z(crc, (const unsigned char *)(xs + b * 3), (size_t)n * 12);
		crc = (uint32_t)crc32_z(crc, (const unsigned char *)(y + b), (size_t)n * 4);
	}
	CHECK(ds.crc == crc, "the CRC of the bytes read, batch by batch");
	float tg[4 * 3];
	uint64_t idx[2] = { 5, 1 };
	nn_dataset_targets(&ds, idx, 2, 3, 1, tg);
	CHECK(tg[0] == 0 && tg[1] == 0 && tg[2] == 1 && tg[3] == 0 && tg[4] == 1 && tg[5] == 0, "one-hot targets of rows 5 and 1");
	nn_dataset_targets(&ds, NULL, 2, 1, 1, tg);
	CHECK(tg[0] == 0 && tg[1] == 1, "one output: the class itself");
	nn_dataset_free(&ds);
	nn_reader_close(r);
	close(fd);

	/* The same rows as a second stream with other names, or more features. */
	nn_task other = kept;
	static char *names[3] = { "cat", "dog", "fox" };
	other.classes = names;
	CHECK(nn_task_check_same(&kept, &other, "x", "y", &err) &&
	      strstr(err.msg, "field 'y': classes [cat, dog, fox] differ from the training stream's [") &&
	      strstr(err.msg, "nn-import --classes"), "other class names, both lists and the fix: %s", err.msg);
	other = kept;
	other.x_shape[0] = 4;
	CHECK(nn_task_check_same(&kept, &other, "x", "y", &err) &&
	      !strcmp(err.msg, "fields 'x'/'y' differ from the training stream's"), "more features: %s", err.msg);
	other = kept;
	other.x_ndim = 2;
	other.x_shape[0] = 1;
	other.x_shape[1] = 3;
	other.classes = NULL;
	CHECK(!nn_task_check_same(&kept, &other, "x", "y", &err), "[1, 3] features and no names: the same");
	nn_task_release(&kept);

	/* Classes beyond the model's. */
	r = stream(NN_F32, xs, NN_I32, 0, NULL, y, 0, &fd);
	CHECK(r && !nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_AUTO, &t, &err) && t.nclasses == 0, "no names");
	t.nclasses = 2;
	CHECK(nn_dataset_load(r, "x", "y", &t, &ds, &err) && err.code == NN_EDATA &&
	      !strcmp(err.msg, "row 3: label 2 is not a class of the model"), "%s", err.msg);
	nn_dataset_free(&ds);
	nn_reader_close(r);
	close(fd);
}

static void test_regression_and_soft(void)
{
	float y[ROWS], soft[ROWS * 3];
	nn_error err = { 0 };
	nn_task t;
	nn_dataset ds = { 0 };
	int fd;
	for (int i = 0; i < ROWS; i++) {
		y[i] = (float)i / 4;
		for (int j = 0; j < 3; j++)
			soft[i * 3 + j] = j == i % 3 ? 0.75f : 0.125f;
	}
	nn_reader *r = stream(NN_F32, xs, NN_F32, 0, NULL, y, 0, &fd);
	CHECK(r && !nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_AUTO, &t, &err) && !t.classification &&
	      t.ntargets == 1, "float labels: regression");
	CHECK(!nn_dataset_load(r, "x", "y", &t, &ds, &err) && ds.n == ROWS && ds.k == 1 && !ds.cls &&
	      !memcmp(ds.t, y, sizeof y), "targets as read");
	nn_dataset_free(&ds);
	nn_reader_close(r);
	close(fd);

	r = stream(NN_F32, xs, NN_F32, 0, NULL, y, 0, &fd);
	CHECK(r && nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_CLASSIFICATION, &t, &err) &&
	      strstr(err.msg, "float labels cannot be classes"), "float labels as classes: %s", err.msg);
	nn_reader_close(r);
	close(fd);

	uint64_t three = 3;
	r = stream(NN_F32, xs, NN_F32, 1, &three, soft, 3, &fd);
	CHECK(r && !nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_AUTO, &t, &err) && t.classification && t.soft,
	      "float [3] with class names: soft labels %s", err.msg);
	CHECK(!nn_dataset_load(r, "x", "y", &t, &ds, &err) && ds.k == 3 && ds.cls[4] == 1 && ds.cls[5] == 2,
	      "each row's class is its heaviest");
	nn_dataset_free(&ds);
	nn_reader_close(r);
	close(fd);
}

static void test_errors(void)
{
	static const int32_t y[ROWS] = { 0, 1, 0, 1, 0, 1, 0 };
	static const int64_t x64[ROWS * 3];
	nn_error err = { 0 };
	nn_task t;
	nn_dataset ds = { 0 };
	int fd;
	nn_reader *r = stream(NN_F32, xs, NN_I32, 0, NULL, y, 0, &fd);
	CHECK(r && nn_task_read(nn_reader_schema(r), "z", "y", NN_TASK_AUTO, &t, &err) &&
	      !strcmp(err.msg, "no field 'z' (use --x/--y to name the fields)"), "%s", err.msg);
	nn_reader_close(r);
	close(fd);

	r = stream(NN_I64, x64, NN_I32, 0, NULL, y, 0, &fd);
	CHECK(r && nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_AUTO, &t, &err) &&
	      strstr(err.msg, "i64 features are not supported"), "%s", err.msg);
	nn_reader_close(r);
	close(fd);

	xs[4] = NAN;
	r = stream(NN_F32, xs, NN_I32, 0, NULL, y, 0, &fd);
	CHECK(r && !nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_AUTO, &t, &err), "NaN features: the task");
	CHECK(nn_dataset_load(r, "x", "y", &t, &ds, &err) && err.code == NN_EDATA &&
	      !strcmp(err.msg, "row 2: field 'x' holds NaN (nn-clean --nonfinite drops or fills such rows)"),
	      "%s", err.msg);
	nn_dataset_free(&ds);
	nn_reader_close(r);
	close(fd);
	fill();

	float yf[ROWS] = { 0, 1, 2, 3, INFINITY, 5, 6 };
	r = stream(NN_F32, xs, NN_F32, 0, NULL, yf, 0, &fd);
	CHECK(r && !nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_AUTO, &t, &err), "infinite label: the task");
	CHECK(nn_dataset_load(r, "x", "y", &t, &ds, &err) && strstr(err.msg, "row 5: label 'y' is infinite"),
	      "%s", err.msg);
	nn_dataset_free(&ds);
	nn_reader_close(r);
	close(fd);

	int32_t neg[ROWS] = { 0, 1, -1, 1, 0, 1, 0 };
	r = stream(NN_F32, xs, NN_I32, 0, NULL, neg, 0, &fd);
	CHECK(r && !nn_task_read(nn_reader_schema(r), "x", "y", NN_TASK_AUTO, &t, &err) &&
	      nn_dataset_load(r, "x", "y", &t, &ds, &err) && !strcmp(err.msg, "row 3: label -1 is not a class (0 to 65535)"),
	      "%s", err.msg);
	nn_dataset_free(&ds);
	nn_reader_close(r);
	close(fd);
}

/* The classes' range and counts, as nn-train warns of rare classes. */
static void test_class_counts(void)
{
	int32_t cls[] = { 2, 0, 2, 5, 2 }, lo, hi;
	uint64_t counts[4];
	nn_dataset ds = { .n = 5, .d = 1, .cls = cls };
	nn_dataset_class_range(&ds, &lo, &hi);
	CHECK(lo == 0 && hi == 5, "class range 0 to 5");
	nn_dataset_class_counts(&ds, 4, counts);
	CHECK(counts[0] == 1 && counts[1] == 0 && counts[2] == 3 && counts[3] == 0, "rows per class; past the end not counted");

	char buf[64];
	static char *names[] = { "setosa", "versicolor", "virginica", "a-much-longer-name-than-fits" };
	nn_classes_format(buf, sizeof buf, 3, names);
	CHECK(!strcmp(buf, "[setosa, versicolor, virginica]"), "class names listed: %s", buf);
	nn_classes_format(buf, sizeof buf, 4, names);
	CHECK(!strcmp(buf, "[setosa, versicolor, virginica, ...]"), "cut to fit: %s", buf);
	nn_classes_format(buf, sizeof buf, 3, NULL);
	CHECK(!strcmp(buf, "[0, 1, 2]"), "no names: the ids: %s", buf);
}

/* A set mapped through rows gives the targets and the loss of the same
 * rows copied out, chunk by chunk. */
static void test_mapped(void)
{
	size_t width[2] = { 2, 3 };
	nn_mlp *net = nn_mlp_new(1, width, NULL, NN_OUT_SOFTMAX, NN_LOSS_CE, NULL);
	for (size_t i = 0; i < net->nparams; i++)
		net->params[i] = (float)((int)(i * 7 % 5) - 2) * 0.3f;
	float x[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	int32_t cls[6] = { 0, 1, 2, 0, 1, 2 };
	uint64_t rows[3] = { 0, 2, 5 };
	float cx[6] = { 1, 2, 5, 6, 11, 12 };
	int32_t ccls[3] = { 0, 2, 2 };
	nn_dataset view = { .n = 3, .d = 2, .x = x, .cls = cls, .rows = rows };
	nn_dataset copy = { .n = 3, .d = 2, .x = cx, .cls = ccls };
	nn_mlp_work *w = nn_mlp_work_new(net, 2, NULL);
	float ta[9], tb[9];
	double la, aa, lb, ab;
	nn_error err = { 0 };
	nn_dataset_targets(&view, NULL, 3, 3, 1, ta);
	nn_dataset_targets(&copy, NULL, 3, 3, 1, tb);
	CHECK(!memcmp(ta, tb, sizeof ta), "a mapped set's targets are its rows'");
	CHECK(!nn_dataset_evaluate(net, w, 2, &view, 1, ta, &la, &aa, &err) &&
	      !nn_dataset_evaluate(net, w, 2, &copy, 1, tb, &lb, &ab, &err) && la == lb && aa == ab,
	      "a mapped set evaluates as its rows copied out (%g %g, %g %g)", la, lb, aa, ab);
	int32_t lo, hi;
	uint64_t counts[3];
	nn_dataset_class_range(&view, &lo, &hi);
	nn_dataset_class_counts(&view, 3, counts);
	CHECK(lo == 0 && hi == 2 && counts[0] == 1 && counts[1] == 0 && counts[2] == 2, "classes through the map");
	nn_mlp_work_free(w);
	nn_mlp_free(net);
}

int main(void)
{
	test_mapped();
	test_class_counts();
	fill();
	test_classes();
	test_regression_and_soft();
	test_errors();
	return check_done();
}
