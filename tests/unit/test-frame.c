/* test-frame.c — the stream's inner parts, each on its own: one zstd frame
 * (frame.c: header check, compression loop, decoding loop with its limit,
 * CRC-32 and placement), the buffered input (input.c: a whole frame in
 * the buffer, cut out for a worker) and the header object (header.c).
 * test-stream checks them together through nn_reader and nn_writer. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../libcommon/stream_int.h"
#include "check.h"

/* Compress pieces into one frame with frame_compress; a sink with an
 * output buffer of `cap` bytes when cap is not 0. */
static int append(void *arg, const void *buf, size_t len, nn_error *err)
{
	msgpack_sbuffer *sb = arg;
	(void)err;
	return msgpack_sbuffer_write(sb, buf, len) ? -1 : 0;
}

static void compress_frame(const void *const *pieces, const size_t *lens, size_t n, size_t cap,
                     msgpack_sbuffer *out)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t total = 0, len = 0;
	nn_error err = { 0 };

	for (size_t i = 0; i < n; i++)
		total += lens[i];
	if (ZSTD_isError(frame_cctx_params(c, 3)))
		abort();
	if (cap) {
		unsigned char *buf = malloc(cap);
		if (frame_compress(c, pieces, lens, n, buf, cap, append, out, NULL, &err))
			abort();
		free(buf);
	} else {
		size_t bound = ZSTD_compressBound(total);
		unsigned char *buf = malloc(bound);
		if (frame_compress(c, pieces, lens, n, buf, bound, NULL, NULL, &len, &err))
			abort();
		msgpack_sbuffer_write(out, (const char *)buf, len);
		free(buf);
	}
	ZSTD_freeCCtx(c);
}

/* An input over bytes in memory (a whole buffer, at its end). */
static struct input memory(const void *data, size_t len)
{
	struct input in = { -1, malloc(len + 1), len, 0, len, 1, -1, 1, NULL };
	memcpy(in.buf, data, len);
	return in;
}

static void test_compress_and_read(void)
{
	static unsigned char a[100000], b[3000];
	const void *pieces[2] = { a, b };
	size_t lens[2] = { sizeof a, sizeof b };
	msgpack_sbuffer one, two;

	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (unsigned char)(i * 7 / 13);
	memset(b, 'b', sizeof b);
	msgpack_sbuffer_init(&one);
	msgpack_sbuffer_init(&two);
	compress_frame(pieces, lens, 2, 0, &one);
	compress_frame(pieces, lens, 2, 64, &two);
	CHECK(one.size == two.size && !memcmp(one.data, two.data, one.size),
	      "a frame compressed whole and through a 64-byte sink is the same bytes (%zu)", one.size);

	unsigned long long content;
	nn_error err = { 0 };
	CHECK(!frame_check_header((unsigned char *)one.data, one.size, &content, &err) &&
	      content == sizeof a + sizeof b, "its header has the content size and a checksum");

	/* two frames back to back, read with the object placed 3 bytes in */
	msgpack_sbuffer_write(&one, two.data, two.size);
	struct input in = memory(one.data, one.size);
	struct frame f = { 0 };
	ZSTD_DCtx *d = ZSTD_createDCtx();
	int eof, ok = 1;
	f.pad = 3;
	for (int k = 0; k < 2; k++) {
		ok &= !frame_read(&in, d, &f, NN_MAX_OBJECT_BYTES, &eof, &err) && !eof &&
		      f.len == sizeof a + sizeof b && f.obj == f.mem + 3 &&
		      !memcmp(f.obj, a, sizeof a) && !memcmp(f.obj + sizeof a, b, sizeof b) &&
		      f.bytes == two.size && f.crc == crc32_z(0, (unsigned char *)two.data, two.size);
	}
	CHECK(ok, "two frames decode where they were placed, each with its length and CRC-32 (%s)",
	      err.msg);
	CHECK(!frame_read(&in, d, &f, NN_MAX_OBJECT_BYTES, &eof, &err) && eof,
	      "then the input ends cleanly");
	free(in.buf);

	in = memory(two.data, two.size);
	CHECK(frame_read(&in, d, &f, 1000, &eof, &err) == -1 && err.code == NN_ELIMIT &&
	      strstr(err.msg, "over the 1000 byte limit"),
	      "an object over the limit is refused before it is decoded: %s", err.msg);
	free(in.buf);

	in = memory(two.data, two.size - 1);
	in.eof = 1;
	CHECK(frame_read(&in, d, &f, NN_MAX_OBJECT_BYTES, &eof, &err) == -1 && err.code == NN_EDATA,
	      "a frame cut short is an error: %s", err.msg);
	free(in.buf);

	ZSTD_freeDCtx(d);
	free(f.mem);
	msgpack_sbuffer_destroy(&one);
	msgpack_sbuffer_destroy(&two);
}

static void test_header_check(void)
{
	unsigned char h[32] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned long long content;
	nn_error err = { 0 };
	struct { size_t avail; unsigned char fhd; const char *want; } cases[] = {
		{ 2, 0, "truncated inside a zstd frame header" },
		{ 4, 0, "truncated inside a zstd frame header" },
		{ 18, 0x00, "without a content checksum" },
		{ 18, 0x14, "unused bit set" },
		{ 18, 0x04, "without its content size" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		h[4] = cases[i].fhd;
		CHECK(frame_check_header(h, cases[i].avail, &content, &err) == -1 &&
		      strstr(err.msg, cases[i].want), "frame header %zu: %s", i, err.msg);
	}
	CHECK(frame_check_header((const unsigned char *)"a,b\n", 4, &content, &err) == -1 &&
	      !strcmp(err.msg, "not zstd data"), "text: %s", err.msg);
	const unsigned char skip[8] = { 0x50, 0x2a, 0x4d, 0x18 };
	CHECK(frame_check_header(skip, 8, &content, &err) == -1 && strstr(err.msg, "skippable"),
	      "a skippable frame: %s", err.msg);
}

/* A frame whole in the input buffer, with a buffer smaller than the frame
 * (it grows), and the same frame cut out for a worker. */
static void test_whole_frame(void)
{
	static unsigned char a[200000];
	const void *pieces[1] = { a };
	size_t lens[1] = { sizeof a }, n = 0;
	msgpack_sbuffer sb;

	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (unsigned char)(i * i >> 7);
	msgpack_sbuffer_init(&sb);
	compress_frame(pieces, lens, 1, 0, &sb);
	int fd = memfd_create("test-frame", 0);
	if (fd < 0 || write(fd, sb.data, sb.size) != (ssize_t)sb.size || write(fd, "x", 1) != 1)
		abort();
	lseek(fd, 0, SEEK_SET);
	struct input in = { fd, malloc(64), 64, 0, 0, 0, -1, 0, NULL };
	CHECK(input_whole_frame(&in, &n) == 1 && n == sb.size && in.pos == 0 && in.len >= n &&
	      !memcmp(in.buf, sb.data, n), "a %zu-byte frame is read whole into a 64-byte buffer",
	      sb.size);
	struct frame f = { 0 };
	CHECK(input_copy_frame(&in, &f) == 1 && f.cin_len == sb.size && in.pos == sb.size &&
	      !memcmp(f.cin, sb.data, sb.size), "and cut out of it, the input after it");
	CHECK(input_whole_frame(&in, &n) == 0 && input_copy_frame(&in, &f) == 0 && f.cin_len == 0,
	      "what is not a frame is neither whole nor cut out");
	free(in.buf);
	free(f.cin);
	close(fd);
	msgpack_sbuffer_destroy(&sb);
}

static void test_header_object(void)
{
	nn_schema *s = nn_schema_new("params", NULL);
	uint64_t shape[2] = { 4, 3 };
	const char *cls[] = { "a", "b" };
	const char *args[] = { "--method", "zscore" };
	const unsigned char meta[] = { 0x81, 0xa1, 'k', 0x07 };   /* {"k": 7} */
	msgpack_sbuffer sb;
	msgpack_packer pk;
	nn_error err = { 0 };

	nn_schema_add_field(s, "x", NN_F32, 2, shape, NULL);
	nn_schema_add_field(s, "y", NN_I64, 0, NULL, NULL);
	nn_schema_set_classes(s, 1, 2, cls, NULL);
	nn_schema_set_provenance(s, "nn-test", "1.0", 2, args, NULL);
	nn_schema_set_seed(s, 9);
	nn_schema_set_meta(s, meta, sizeof meta, NULL);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	CHECK(!header_pack(&pk, s) && !msgpack_sbuffer_write(&sb, (const char *)meta, sizeof meta),
	      "a header packs");
	nn_schema *t = header_parse((unsigned char *)sb.data, sb.size, &err);
	CHECK(t && !nn_schema_compare(s, t, &err) && !strcmp(t->kind, "params") && t->seed == 9 &&
	      t->nargs == 2 && !strcmp(t->args[1], "zscore") && t->meta_len == sizeof meta,
	      "and parses back to the same schema, provenance and metadata (%s)", err.msg);
	nn_schema_free(t);
	CHECK(!header_parse((unsigned char *)sb.data, sb.size - 1, &err),
	      "cut by a byte, it does not: %s", err.msg);

	/* "version" is the fourth key: its value 1 (0x01) becomes 2 */
	unsigned char *v = memmem(sb.data, sb.size, "\xa7version\x01", 9);
	if (!v)
		abort();
	v[8] = 2;
	CHECK(!header_parse((unsigned char *)sb.data, sb.size, &err) && strstr(err.msg, "version 2"),
	      "a later version is named: %s", err.msg);
	msgpack_sbuffer_destroy(&sb);

	size_t rb;
	uint64_t half[1] = { NN_MAX_OBJECT_BYTES / 16 };   /* two fields of half a batch each */
	CHECK(!nn_schema_add_field(s, "z", NN_F64, 1, half, &err) &&
	      !nn_schema_add_field(s, "w", NN_F64, 1, half, &err) &&
	      stream_row_bytes(s, &rb, &err) == -1 && err.code == NN_ELIMIT,
	      "a row no batch can hold is refused: %s", err.msg);
	nn_schema_free(s);
}

int main(void)
{
	test_compress_and_read();
	test_header_check();
	test_whole_frame();
	test_header_object();
	return check_done();
}
