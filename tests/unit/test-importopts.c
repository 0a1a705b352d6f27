/* test-importopts.c — nn-import's argument rules: the format from a file
 * name, --classes and --shape lists, gzip-or-plain input and the header
 * names kept as metadata. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "nn/importopts.h"
#include "check.h"

static void test_format(void)
{
	static const struct { const char *path; int want; } cases[] = {
		{ NULL, NN_IMPORT_CSV }, { "-", NN_IMPORT_CSV },
		{ "a.csv", NN_IMPORT_CSV }, { "A.CSV", NN_IMPORT_CSV }, { "a.csv.gz", NN_IMPORT_CSV },
		{ "a.tsv", NN_IMPORT_TSV }, { "dir/a.Tab", NN_IMPORT_TSV },
		{ "a.svm", NN_IMPORT_LIBSVM }, { "a.libsvm.gz", NN_IMPORT_LIBSVM },
		{ "a.svmlight", NN_IMPORT_LIBSVM },
		{ "a.npy", NN_IMPORT_NPY }, { "a.npy.gz", NN_IMPORT_NPY },
		{ "a.idx", NN_IMPORT_IDX }, { "train-images-idx3-ubyte", NN_IMPORT_IDX },
		{ "t10k-labels-idx1-ubyte.gz", NN_IMPORT_IDX },
		{ "a.weird", -1 }, { "csv", -1 }, { "a.gz", -1 }, { "a.csv.bak", -1 },
	};
	int ok = 1;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int got = nn_import_format_of(cases[i].path);
		if (got != cases[i].want) {
			printf("# %s: %d, want %d\n", cases[i].path ? cases[i].path : "(null)", got, cases[i].want);
			ok = 0;
		}
	}
	CHECK(ok, "the format from %zu file names", sizeof cases / sizeof *cases);
}

static void test_classes(void)
{
	nn_strset s = { 0 };
	nn_error err;

	CHECK(nn_class_list(&s, "b,a,c", &err) == 0 && s.n == 3 && !strcmp(s.s[0], "b") &&
	      !strcmp(s.s[2], "c") && nn_strset_find(&s, "a") == 1, "b,a,c: class 0 is b, a is 1");
	nn_strset_free(&s);
	memset(&s, 0, sizeof s);
	CHECK(nn_class_list(&s, "fashion-mnist", &err) == 0 && s.n == 10 &&
	      !strcmp(s.s[0], "T-shirt/top") && !strcmp(s.s[9], "Ankle boot"),
	      "fashion-mnist names ten classes, T-shirt/top to Ankle boot");
	nn_strset_free(&s);
	memset(&s, 0, sizeof s);
	CHECK(nn_class_list(&s, "a,,b", &err) < 0 && err.code == NN_EARG &&
	      !strcmp(err.msg, "empty class name"), "a,,b: an empty name");
	nn_strset_free(&s);
	memset(&s, 0, sizeof s);
	CHECK(nn_class_list(&s, "a,", &err) < 0 && err.code == NN_EARG, "a trailing comma is an empty name");
	nn_strset_free(&s);
	memset(&s, 0, sizeof s);
	CHECK(nn_class_list(&s, "a,b,a", &err) < 0 && err.code == NN_EARG &&
	      !strcmp(err.msg, "'a' appears twice"), "a,b,a: %s", err.msg);
	nn_strset_free(&s);
	memset(&s, 0, sizeof s);
	char longname[2 * 50 + 2];
	memset(longname, 'x', 50);
	longname[50] = ',';
	memset(longname + 51, 'x', 50);
	longname[101] = 0;
	CHECK(nn_class_list(&s, longname, &err) < 0 &&
	      !strcmp(err.msg, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' appears twice"),
	      "a long name in the message is cut to 40 bytes");
	nn_strset_free(&s);
}

static void test_dims(void)
{
	uint64_t d[NN_MAX_DIMS];
	nn_error err;

	CHECK(nn_parse_dims("8,8", d, &err) == 2 && d[0] == 8 && d[1] == 8, "8,8");
	CHECK(nn_parse_dims("28,28,1", d, &err) == 3 && d[2] == 1, "28,28,1");
	CHECK(nn_parse_dims("1099511627776", d, &err) == 1 && d[0] == 1ull << 40, "2^40 is the largest size");
	CHECK(nn_parse_dims("1099511627777", d, &err) < 0 && !strcmp(err.msg, "'1099511627777' is not a size"),
	      "2^40 + 1 is not a size");
	CHECK(nn_parse_dims("", d, &err) < 0 && !strcmp(err.msg, "no sizes given"), "nothing given");
	CHECK(nn_parse_dims("8,,8", d, &err) < 0 && err.code == NN_EARG &&
	      !strcmp(err.msg, "expected up to 8 sizes separated by commas"), "an empty part");
	CHECK(nn_parse_dims("8,x", d, &err) < 0 && !strcmp(err.msg, "'x' is not a size"), "8,x");
	CHECK(nn_parse_dims("0", d, &err) < 0, "0 is not a size");
	CHECK(nn_parse_dims("1,1,1,1,1,1,1,1", d, &err) == 8, "eight sizes");
	CHECK(nn_parse_dims("1,1,1,1,1,1,1,1,1", d, &err) < 0, "nine sizes are too many");
	CHECK(nn_parse_dims("8,", d, &err) == 1 && d[0] == 8, "a trailing comma ends the list");
}

/* Read all of g's source; returns the count or -1. */
static ptrdiff_t read_all(nn_gzin *g, char *buf, size_t cap, nn_error *err)
{
	nn_source s = nn_gzin_source(g);
	return s.read(s.ctx, buf, cap, err);
}

static void test_gzin(void)
{
	char path[] = "/tmp/test-importopts.XXXXXX", buf[4096];
	const char text[] = "a,b\n1,2\n3,4\n";
	nn_error err;
	int fd = mkstemp(path);
	nn_gzin *g;
	ptrdiff_t n;

	/* plain: passed through, its size known */
	CHECK(write(fd, text, sizeof text - 1) == (ssize_t)sizeof text - 1, "write a plain file");
	lseek(fd, 4, SEEK_SET);
	g = nn_gzin_open(fd, &err);
	CHECK(g && nn_gzin_size(g) == (long long)sizeof text - 1 - 4, "a plain file's size from where it was opened");
	n = read_all(g, buf, sizeof buf, &err);
	CHECK(n == (ptrdiff_t)sizeof text - 1 - 4 && !memcmp(buf, text + 4, (size_t)n), "a plain file read as it is");
	CHECK(nn_gzin_close(g, &err) == 0, "closed");

	/* gzip: decompressed, size unknown */
	gzFile z = gzopen(path, "wb");
	gzwrite(z, text, sizeof text - 1);
	gzclose(z);
	g = nn_gzin_open(open(path, O_RDONLY), &err);
	CHECK(g && nn_gzin_size(g) == -1, "a gzip file's size is not known");
	n = read_all(g, buf, sizeof buf, &err);
	CHECK(n == (ptrdiff_t)sizeof text - 1 && !memcmp(buf, text, (size_t)n), "a gzip file decompressed");
	nn_gzin_close(g, &err);

	/* a cut gzip member is an error, not a short input */
	FILE *f = fopen(path, "rb");
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	f = fopen(path, "wb");
	fwrite(buf, 1, len - 6, f);
	fclose(f);
	g = nn_gzin_open(open(path, O_RDONLY), &err);
	n = read_all(g, buf, sizeof buf, &err);
	CHECK(n < 0 && err.code == NN_EDATA && !strcmp(err.msg, "truncated gzip data"),
	      "a cut gzip file: %s", n < 0 ? err.msg : "(read)");
	nn_gzin_close(g, &err);
	unlink(path);
}

static void test_meta(void)
{
	char *names[3] = { "a", "b", "c" };
	const unsigned char role[3] = { NN_COL_FEATURE, NN_COL_LABEL, NN_COL_FEATURE };
	/* {"feature_names": ["a", "c"], "label_name": "b"} */
	const unsigned char want[] = { 0x82, 0xad, 'f', 'e', 'a', 't', 'u', 'r', 'e', '_', 'n', 'a', 'm',
	                               'e', 's', 0x92, 0xa1, 'a', 0xa1, 'c', 0xaa, 'l', 'a', 'b', 'e',
	                               'l', '_', 'n', 'a', 'm', 'e', 0xa1, 'b' };
	nn_error err;
	nn_schema *s = nn_schema_new("data", &err);

	CHECK(nn_import_names_meta(s, names, 3, role, 2, "b", &err) == 0 &&
	      s->meta_len == sizeof want && !memcmp(s->meta, want, sizeof want),
	      "feature names and label name as a msgpack map");
	nn_schema_free(s);
	s = nn_schema_new("data", &err);
	CHECK(nn_import_names_meta(s, names, 3, role, 2, NULL, &err) == 0 && s->meta_len == 20 &&
	      s->meta[0] == 0x81, "without a label: feature names only");
	nn_schema_free(s);
}

/* The names read back from the metadata, and what is not names. */
static void test_names_read(void)
{
	char *names[3] = { "a", "b", "c" }, **got, *label;
	const unsigned char role[3] = { NN_COL_FEATURE, NN_COL_LABEL, NN_COL_FEATURE };
	size_t n;
	nn_error err;
	nn_schema *s = nn_schema_new("data", &err);

	nn_import_names_meta(s, names, 3, role, 2, "b", &err);
	CHECK(nn_import_names_read(s, &got, &n, &label, &err) == 0 && n == 2 && !strcmp(got[0], "a") &&
	      !strcmp(got[1], "c") && label && !strcmp(label, "b"), "feature and label names read back");
	nn_import_names_free(got, n, label);
	/* {"feature_names": ["a", 1], "label_name": 2} */
	static const unsigned char odd[] = { 0x82, 0xad, 'f', 'e', 'a', 't', 'u', 'r', 'e', '_', 'n', 'a',
	                                     'm', 'e', 's', 0x92, 0xa1, 'a', 0x01, 0xaa, 'l', 'a', 'b',
	                                     'e', 'l', '_', 'n', 'a', 'm', 'e', 0x02 };
	nn_schema_set_meta(s, odd, sizeof odd, &err);
	CHECK(nn_import_names_read(s, &got, &n, &label, &err) == 0 && !got && !n && !label,
	      "names that are not all strings are no names");
	nn_schema_free(s);
}

/* Which options go with which format; the delimiter. */
static void test_args(void)
{
	static const struct { nn_import_args a; int delim; const char *msg; } cases[] = {
		{ { .format = NN_IMPORT_CSV }, ',', NULL },
		{ { .format = NN_IMPORT_TSV }, '\t', NULL },
		{ { .format = NN_IMPORT_CSV, .delim = ";" }, ';', NULL },
		{ { .format = NN_IMPORT_CSV, .delim = "tab" }, '\t', NULL },
		{ { .format = NN_IMPORT_CSV, .delim = "." }, 0, "--delimiter: '.' is not one ASCII" },
		{ { .format = NN_IMPORT_LIBSVM, .nids = 1 }, 0, "--id and --delimiter are for csv and tsv" },
		{ { .format = NN_IMPORT_NPY, .task_given = 1 }, 0, "--skip and --task are for csv" },
		{ { .format = NN_IMPORT_CSV, .features = 3 }, 0, "--features is for libsvm" },
		{ { .format = NN_IMPORT_CSV, .classes = "a,b" }, 0, "--classes and --task need --label" },
		{ { .format = NN_IMPORT_CSV, .label = "y", .classes = "a", .task = NN_TASK_REGRESS }, 0,
		  "cannot go with --task regression" },
		{ { .format = NN_IMPORT_IDX, .classes = "a" }, 0, "--classes needs --labels" },
		{ { .format = NN_IMPORT_IDX, .labels = "-" }, 0, "cannot both be standard input" },
	};
	int ok = 1;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		nn_error err = { 0 };
		int d = 0, rc = nn_import_check_args(&cases[i].a, &d, &err);
		if (cases[i].msg ? rc != -1 || err.code != NN_EARG || !strstr(err.msg, cases[i].msg)
		                 : rc != 0 || d != cases[i].delim) {
			ok = 0;
			fprintf(stderr, "case %zu: rc %d delim %d '%s'\n", i, rc, d, err.msg);
		}
	}
	CHECK(ok, "options checked against the format and each other");
	nn_error err = { 0 };
	CHECK(nn_import_check_names("x", "x", 0, NULL, &err) == -1 && err.code == NN_EARG &&
	      strstr(err.msg, "--x, --y: "), "--x and --y the same: %s", err.msg);
	CHECK(nn_import_check_names("x", "y", 2, (const char *const[]){ "a", "" }, &err) == -1 &&
	      err.code == NN_EARG && strstr(err.msg, "--classes: "), "an empty class name: %s", err.msg);
	uint64_t dims[NN_MAX_DIMS], shape[1] = { 64 };
	CHECK(nn_import_reshape("8,8", 1, shape, dims, &err) == 2 && dims[0] == 8 &&
	      nn_import_reshape("8,9", 1, shape, dims, &err) == -1 && err.code == NN_EDATA &&
	      strstr(err.msg, "holds 72 values; the rows have 64") &&
	      nn_import_reshape("8,x", 1, shape, dims, &err) == -1 && err.code == NN_EARG,
	      "--shape against the rows: %s", err.msg);

	/* nn_import_check: all of the above in one call, the option named */
	nn_import_args a = { .format = NN_IMPORT_CSV, .label = "y", .classes = "no,yes" };
	nn_strset cls = { 0 };
	int d = 0;
	CHECK(nn_import_check(&a, "x", "y", "2,2", &cls, &d, &err) == 0 && d == ',' && cls.n == 2 &&
	      !strcmp(cls.s[1], "yes"), "a good run: classes read, delimiter found (%s)", err.msg);
	nn_strset_free(&cls);
	a.classes = "a,a";
	CHECK(nn_import_check(&a, "x", "y", NULL, &cls, &d, &err) == -1 &&
	      err.code == NN_EARG && !strncmp(err.msg, "--classes: ", 11), "%s", err.msg);
	nn_strset_free(&cls);
	a.classes = NULL;
	CHECK(nn_import_check(&a, "x", "y", "0", &cls, &d, &err) == -1 && err.code == NN_EARG &&
	      !strncmp(err.msg, "--shape '0': ", 13) && cls.n == 0, "%s", err.msg);
	CHECK(nn_import_check(&a, "x", "y", "", &cls, &d, &err) == -1 &&
	      !strncmp(err.msg, "--shape: ", 9), "%s", err.msg);
	CHECK(nn_import_check(&a, "y", "y", NULL, &cls, &d, &err) == -1 && strstr(err.msg, "--x, --y: "),
	      "%s", err.msg);
	a.format = NN_IMPORT_IDX;
	CHECK(nn_import_check(&a, "x", "y", NULL, &cls, &d, &err) == -1 && strstr(err.msg, "are for csv"),
	      "%s", err.msg);

	/* the fields: x reshaped, y with its classes, the ids after them */
	nn_schema *sc = nn_schema_new("data", &err);
	uint64_t four = 4;
	nn_csv_info ci = { .nfeat = 4, .nids = 2, .id_width = 8, .id_names = (char *[]){ "k", "j" } };
	nn_yplan yp = { .dtype = NN_I32, .ncls = 2, .cls = (const char *const[]){ "a", "b" } };
	CHECK(sc && nn_import_add_x(sc, "x", NN_F32, 1, &four, "2,2", &err) == 0 &&
	      nn_import_csv_fields(sc, &ci, "x", "y", &yp, (const char *const[]){ "0", "1" }, &err) == 0 &&
	      sc->nfields == 4 && sc->fields[0].ndim == 2 && sc->fields[1].nclasses == 2 &&
	      !strcmp(sc->fields[3].name, "j") && sc->fields[3].dtype == NN_STR &&
	      sc->fields[3].row_bytes == 8, "x [2,2], y with 2 classes, ids k and j: %s", err.msg);
	CHECK(nn_import_add_x(sc, "x2", NN_F32, 1, &four, "3", &err) == -1 && err.code == NN_EDATA,
	      "a reshape that does not fit: %s", err.msg);
	nn_schema_free(sc);
	sc = nn_schema_new("data", &err);
	ci.id_names = (char *[]){ "k", "y" };
	CHECK(sc && nn_import_csv_fields(sc, &ci, "x", "y", &yp, (const char *const[]){ "0", "lab" }, &err) == -1 &&
	      err.code == NN_EARG && !strcmp(err.msg, "--id lab: its field 'y' would have the name of the label "
	      "field (rename that with --y)"), "%s", err.msg);
	nn_schema_free(sc);
	sc = nn_schema_new("data", &err);
	CHECK(sc && nn_import_csv_fields(sc, &ci, "x", "y", NULL, (const char *const[]){ "0", "lab" }, &err) == 0 &&
	      sc->nfields == 2, "without a label an id may be called y: %s", err.msg);
	nn_schema_free(sc);

	/* --hash-id columns appended to the --id columns, with a key and room */
	const char *iv[1] = { "a" }, *hv[2] = { "b", "c" };
	nn_strlist ids = { 1, malloc(sizeof iv) }, hash = { 2, malloc(sizeof hv) };
	memcpy(ids.v, iv, sizeof iv);
	memcpy(hash.v, hv, sizeof hv);
	CHECK(nn_import_hash_ids(&ids, &hash, 0, 64, &err) == -1 && err.code == NN_EARG &&
	      strstr(err.msg, "needs a key") && nn_import_hash_ids(&ids, &hash, 1, 31, &err) == -1 &&
	      strstr(err.msg, "--id-width 32") && ids.n == 1 && hash.n == 2, "no key, too narrow: %s", err.msg);
	CHECK(nn_import_hash_ids(&ids, &hash, 1, 32, &err) == 0 && ids.n == 3 && !strcmp(ids.v[2], "c") &&
	      hash.n == 0 && !hash.v && nn_import_hash_ids(&ids, &hash, 0, 0, &err) == 0,
	      "appended in order, the list emptied; nothing to do then");
	nn_strlist_free(&ids);

	/* nn_import_format_pick: --format, else a delimiter means csv, else the name */
	CHECK(nn_import_format_pick("npy", 1, "a.csv") == NN_IMPORT_NPY &&
	      nn_import_format_pick(NULL, 1, "a.npy") == NN_IMPORT_CSV &&
	      nn_import_format_pick(NULL, 0, "a.npy.gz") == NN_IMPORT_NPY &&
	      nn_import_format_pick(NULL, 0, NULL) == NN_IMPORT_CSV &&
	      nn_import_format_pick(NULL, 0, "a.dat") == -1, "the format of a run");
}

/* The NPY header nn-export writes reads back as the array it describes. */
static void test_npy_header(void)
{
	nn_schema *s = nn_schema_new("data", NULL);
	uint64_t img[2] = { 3, 2 }, w[1] = { 16 };
	char h[1024];
	nn_schema_add_field(s, "x", NN_U8, 2, img, NULL);
	nn_schema_add_field(s, "id", NN_STR, 1, w, NULL);
	size_t len = nn_npy_header(h, &s->fields[0], 12345);
	nn_memsrc m = { (const unsigned char *)h, len, 0 };
	nn_array a;
	nn_error err = { 0 };
	CHECK(len % 64 == 0 && len == nn_npy_header(h, &s->fields[0], UINT64_MAX) &&
	      (nn_npy_header(h, &s->fields[0], 12345), 1) &&
	      nn_array_open(&a, (nn_source){ nn_memsrc_read, &m }, NN_ARRAY_NPY, -1, &err) == 0 &&
	      a.dtype == NN_U8 && a.rows == 12345 && a.ndim == 2 && a.shape[1] == 2,
	      "npy header: aligned, one length for every count, read back: %s", err.msg);
	len = nn_npy_header(h, &s->fields[1], 3);
	h[len] = 0;
	CHECK(strstr(h + 10, "'descr': '|S16', 'fortran_order': False, 'shape': (3,), }") != NULL,
	      "a str field is numpy's |S16 of shape (rows,)");
	nn_schema_free(s);
}

int main(void)
{
	test_names_read();
	test_args();
	test_npy_header();
	test_format();
	test_classes();
	test_dims();
	test_gzin();
	test_meta();
	return check_done();
}
