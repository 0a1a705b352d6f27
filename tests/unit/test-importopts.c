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

int main(void)
{
	test_format();
	test_classes();
	test_dims();
	test_gzin();
	test_meta();
	return check_done();
}
