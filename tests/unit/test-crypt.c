/* test-crypt.c — nn/crypt.h: key files (mode, owner, format, never
 * overwritten), the key id, the encrypted layer on its own (round trips
 * across chunk sizes, every cut, every bit flip, a wrong key,
 * concatenation) and through nn_reader/nn_writer with nn_key_use. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nn/crypt.h"
#include "nn/stream.h"
#include "check.h"

struct mem {
	unsigned char *p;
	size_t len, pos, cap, step;
};

static int mem_write(void *arg, const void *buf, size_t len, nn_error *err)
{
	struct mem *m = arg;
	(void)err;
	if (m->len + len > m->cap) {
		m->cap = 2 * (m->len + len);
		m->p = realloc(m->p, m->cap);
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	return 0;
}

static ssize_t mem_read(void *arg, void *buf, size_t len, nn_error *err)
{
	struct mem *m = arg;
	size_t n = m->len - m->pos;
	(void)err;
	if (n > len)
		n = len;
	if (m->step && n > m->step)
		n = m->step;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static nn_key *key_n(int n)
{
	unsigned char b[32];
	for (int i = 0; i < 32; i++)
		b[i] = (unsigned char)(i * n + 1);
	return nn_key_from_bytes(b, NULL);
}

/* Encrypt data[0..len) written in pieces of `piece` bytes into out. */
static void encrypt(const nn_key *k, const unsigned char *data, size_t len, size_t piece,
                    struct mem *out)
{
	nn_crypt_out *c = nn_crypt_out_new(k, mem_write, out, NULL);
	for (size_t at = 0; at < len; at += piece)
		nn_crypt_out_write(c, data + at, len - at < piece ? len - at : piece, NULL);
	nn_crypt_out_finish(c, NULL);
	nn_crypt_out_free(c);
}

/* Decrypt in[0..len) into *plain (malloc'd): its length, or -1 (err). */
static long long decrypt(const nn_key *k, const unsigned char *in, size_t len, size_t step,
                         size_t cap, unsigned char **plain, unsigned long *members, nn_error *err)
{
	struct mem m = { (unsigned char *)in, len, 0, len, step };
	nn_crypt_in *c = nn_crypt_in_new(k, mem_read, &m, NULL, 0, err);
	unsigned char *buf = malloc(cap);
	size_t total = 0, room = 1024;
	ssize_t n = -1;

	*plain = malloc(room);
	if (c)
		while ((n = nn_crypt_in_read(c, buf, cap, err)) > 0) {
			if (total + (size_t)n > room)
				*plain = realloc(*plain, room = 2 * (total + (size_t)n));
			memcpy(*plain + total, buf, (size_t)n);
			total += (size_t)n;
		}
	if (members)
		*members = c ? nn_crypt_in_members(c) : 0;
	nn_crypt_in_free(c);
	free(buf);
	return n < 0 ? -1 : (long long)total;
}

static void test_keys(const char *dir)
{
	char path[4096], again[4096];
	nn_error err = { 0 };
	nn_key *a, *b;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof path, "%s/k", dir);
	mode_t old = umask(0);
	CHECK(nn_key_generate(path, &err) == 0, "nn_key_generate: %s", err.msg);
	umask(old);
	CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0600, "a new key file is 0600 under umask 0");
	CHECK(nn_key_generate(path, &err) == -1 && err.code == NN_EIO, "never over an existing file: %s",
	      err.msg);
	a = nn_key_load(path, &err);
	b = nn_key_load(path, &err);
	CHECK(a && b && strlen(nn_key_id(a)) == 16 && !strcmp(nn_key_id(a), nn_key_id(b)),
	      "a key file loads, its id is 16 hex digits and the same each time");
	nn_key_free(b);
	snprintf(again, sizeof again, "%s/k2", dir);
	nn_key_generate(again, &err);
	b = nn_key_load(again, &err);
	CHECK(b && strcmp(nn_key_id(a), nn_key_id(b)), "two new keys, two ids");
	nn_key_free(a);
	nn_key_free(b);
	chmod(path, 0640);
	CHECK(!nn_key_load(path, &err) && err.code == NN_EARG && strstr(err.msg, "chmod 600"),
	      "a key file the group may read is refused: %s", err.msg);
	chmod(path, 0604);
	CHECK(!nn_key_load(path, &err) && strstr(err.msg, "chmod 600"), "and one others may read");
	chmod(path, 0400);
	CHECK((a = nn_key_load(path, &err)) != NULL, "0400 is fine");
	nn_key_free(a);
	snprintf(path, sizeof path, "%s/bad", dir);
	f = fopen(path, "w");
	fputs("nnpipe-key-1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fzz\n", f);
	fclose(f);
	chmod(path, 0600);
	CHECK(!nn_key_load(path, &err) && err.code == NN_EDATA, "bad hex digits: %s", err.msg);
	f = fopen(path, "w");
	fputs("nnpipe-key-1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2000\n", f);
	fclose(f);
	CHECK(!nn_key_load(path, &err) && err.code == NN_EDATA, "a longer line: %s", err.msg);
	f = fopen(path, "w");
	fputs("nnpipe-key-1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", f);
	fclose(f);
	a = nn_key_load(path, &err);
	b = key_n(1);
	CHECK(a && b && !strcmp(nn_key_id(a), nn_key_id(b)), "without its newline, the same key as "
	      "its bytes");
	nn_key_free(a);
	nn_key_free(b);
}

static void test_layer(void)
{
	static unsigned char data[3 * NN_CRYPT_CHUNK + 5];
	const size_t sizes[] = { 0, 1, NN_CRYPT_CHUNK - 1, NN_CRYPT_CHUNK, NN_CRYPT_CHUNK + 1,
	                         sizeof data };
	nn_key *k = key_n(1), *other = key_n(2);
	nn_error err = { 0 };
	unsigned char *plain;
	unsigned long members;
	int ok = 1;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
		for (size_t piece = 1000; piece <= 2 * NN_CRYPT_CHUNK; piece *= 4) {
			struct mem out = { 0 };
			encrypt(k, data, sizes[s], piece, &out);
			for (size_t cap = 100; cap <= NN_CRYPT_CHUNK; cap += NN_CRYPT_CHUNK - 100) {
				long long n = decrypt(k, out.p, out.len, 333, cap, &plain, NULL, &err);
				ok &= n == (long long)sizes[s] && !memcmp(plain, data, sizes[s]);
				free(plain);
			}
			free(out.p);
		}
	CHECK(ok, "round trips: 0 to 3 chunks and more, written in pieces of 1000 to 128000 bytes, "
	      "read in reads of 333 bytes into buffers of 100 and 65536 bytes");

	struct mem out = { 0 };
	encrypt(k, data, 1000, 300, &out);
	CHECK(out.len == NN_CRYPT_PROLOGUE + NN_CRYPT_HEADER + 4 * (4 + 17) + 1000 + 4 + 17,
	      "1000 bytes in pieces of 300: four chunks and the final one (%zu bytes)", out.len);
	CHECK(!memcmp(out.p, "nnpipe encrypted 1 key ", 23) && !memcmp(out.p + 23, nn_key_id(k), 16) &&
	      out.p[39] == '\n', "the prologue names the key id");
	char id[NN_KEY_ID_HEX];
	CHECK(!nn_crypt_prologue_id(out.p, out.len, id, &err) && !strcmp(id, nn_key_id(k)),
	      "nn_crypt_prologue_id reads it back");

	int cuts_ok = 1;
	for (size_t cut = 0; cut < out.len; cut++) {
		long long n = decrypt(k, out.p, cut, 0, NN_CRYPT_CHUNK, &plain, NULL, &err);
		cuts_ok &= n == -1 && err.code == NN_EDATA;
		free(plain);
	}
	CHECK(cuts_ok, "a cut at each of the %zu bytes fails", out.len);
	int flips_ok = 1;
	for (size_t i = 0; i < out.len; i++) {
		out.p[i] ^= (unsigned char)(1 << i % 8);
		long long n = decrypt(k, out.p, out.len, 0, NN_CRYPT_CHUNK, &plain, NULL, &err);
		flips_ok &= n == -1 && err.code == NN_EDATA;
		out.p[i] ^= (unsigned char)(1 << i % 8);
		free(plain);
	}
	CHECK(flips_ok, "a bit flipped in each of its %zu bytes fails", out.len);
	CHECK(decrypt(other, out.p, out.len, 0, NN_CRYPT_CHUNK, &plain, NULL, &err) == -1 &&
	      strstr(err.msg, "not with the key given"), "another key: %s", err.msg);
	free(plain);

	/* chunks dropped, swapped, replayed: chunk i starts at 64 + 325 * i */
	size_t at = NN_CRYPT_PROLOGUE + NN_CRYPT_HEADER, cl = 4 + 17 + 300;
	unsigned char *bad = malloc(out.len + cl);
	memcpy(bad, out.p, at);
	memcpy(bad + at, out.p + at + cl, out.len - at - cl);   /* chunk 0 dropped */
	CHECK(decrypt(k, bad, out.len - cl, 0, NN_CRYPT_CHUNK, &plain, NULL, &err) == -1 &&
	      strstr(err.msg, "fails authentication at the chunk at byte 64"), "a dropped chunk: %s",
	      err.msg);
	free(plain);
	memcpy(bad, out.p, out.len);
	memcpy(bad + at, out.p + at + cl, cl);
	memcpy(bad + at + cl, out.p + at, cl);                  /* chunks 0 and 1 swapped */
	CHECK(decrypt(k, bad, out.len, 0, NN_CRYPT_CHUNK, &plain, NULL, &err) == -1 &&
	      strstr(err.msg, "fails authentication"), "two chunks swapped: %s", err.msg);
	free(plain);
	memcpy(bad, out.p, at + cl);
	memcpy(bad + at + cl, out.p + at, out.len - at);        /* chunk 0 twice */
	CHECK(decrypt(k, bad, out.len + cl, 0, NN_CRYPT_CHUNK, &plain, NULL, &err) == -1 &&
	      strstr(err.msg, "fails authentication at the chunk at byte 385"), "a replayed chunk: %s",
	      err.msg);
	free(plain);
	free(bad);

	unsigned char *two = malloc(2 * out.len);
	memcpy(two, out.p, out.len);
	memcpy(two + out.len, out.p, out.len);
	CHECK(decrypt(k, two, 2 * out.len, 0, 500, &plain, &members, &err) == 2000 && members == 2 &&
	      !memcmp(plain, data, 1000) && !memcmp(plain + 1000, data, 1000),
	      "two encrypted streams one after the other: both, in order");
	free(plain);
	{
		/* a member whose first chunk's length shares no bits with the
		 * final chunk's 17 before it: each length is read afresh */
		struct mem m3 = { 0 };
		encrypt(k, data, 3, 3, &m3);
		encrypt(k, data, 3, 3, &m3);
		CHECK(decrypt(k, m3.p, m3.len, 0, 500, &plain, &members, &err) == 6 && members == 2,
		      "two members of 3 bytes each (chunk length 20 after 17): %s", err.msg);
		free(plain);
		free(m3.p);
	}
	two[out.len + 3] ^= 1;
	CHECK(decrypt(k, two, 2 * out.len, 0, 500, &plain, NULL, &err) == -1 &&
	      strstr(err.msg, "after the end of encrypted stream 1"), "then something else: %s",
	      err.msg);
	free(plain);
	free(two);
	free(out.p);
	nn_key_free(k);
	nn_key_free(other);
}

/* nn_writer and nn_reader with nn_key_use: the same batches, a clear
 * stream refused with a key, an encrypted one without. */
static void test_stream(void)
{
	nn_error err = { 0 };
	nn_schema *s = nn_schema_new("data", &err);
	uint64_t shape[1] = { 3 };
	float x[3000];
	const void *cols[1] = { x };
	const nn_batch *b;
	nn_key *k = key_n(1);
	char head[24];

	nn_schema_add_field(s, "x", NN_F32, 1, shape, &err);
	for (int i = 0; i < 3000; i++)
		x[i] = (float)i;
	for (int threads = 0; threads <= 2; threads += 2) {
		int fd = memfd_create("t", 0);
		nn_writer_options o = { 0, threads, 100 };
		nn_key_use(k);
		nn_writer *w = nn_writer_open_fd(fd, s, &o, &err);
		int ok = w && !nn_writer_write(w, cols, 1000, &err) && !nn_writer_finish(w, &err);
		nn_writer_free(w);
		lseek(fd, 0, SEEK_SET);
		ok &= read(fd, head, sizeof head) == sizeof head && !memcmp(head, "nnpipe encrypted 1 key ", 23);
		lseek(fd, 0, SEEK_SET);
		nn_reader *r = nn_reader_open_fd(fd, &err);
		uint64_t rows = 0;
		int n;
		while (r && (n = nn_reader_next(r, &b, &err)) == 1) {
			ok &= !memcmp(b->col[0], x + 3 * rows, b->rows * 12);
			rows += b->rows;
		}
		CHECK(ok && r && n == 0 && rows == 1000, "%d writer threads: encrypted, read back whole (%s)",
		      threads, err.msg);
		nn_reader_close(r);
		nn_key_use(NULL);
		lseek(fd, 0, SEEK_SET);
		CHECK(!nn_reader_open_fd(fd, &err) && strstr(err.msg, "encrypted with key id ") &&
		      strstr(err.msg, nn_key_id(k)), "without the key: %s", err.msg);
		close(fd);
	}
	int fd = memfd_create("t", 0);
	nn_writer *w = nn_writer_open_fd(fd, s, NULL, &err);
	nn_writer_write(w, cols, 10, &err);
	nn_writer_finish(w, &err);
	nn_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	nn_key_use(k);
	CHECK(!nn_reader_open_fd(fd, &err) && strstr(err.msg, "not encrypted, but a key is given"),
	      "a clear stream with a key: %s", err.msg);
	nn_key_use(NULL);
	close(fd);
	nn_schema_free(s);
	nn_key_free(k);
}

/* nn_hashid_column against values computed apart (Python's hashlib, from
 * the derivation nn/crypt.h documents), with the key 1..32. */
static void test_hashid(void)
{
	nn_key *k = key_n(1);
	unsigned char ids[3][40] = { "alice", "", "alice" };

	nn_hashid_column(k, ids[0], 3, 40);
	CHECK(!strcmp((char *)ids[0], "1b8dc91f71c5e752c67caa1d6684b56d") &&
	      !strcmp((char *)ids[1], "7585ade2aa4842b4bbc377c78a198f5c") &&
	      !memcmp(ids[0], ids[2], 40) && ids[0][39] == 0, "hashed ids: %s %s", ids[0], ids[1]);
	nn_key_free(k);
}

int main(void)
{
	char dir[] = "/tmp/test-crypt.XXXXXX";

	if (!mkdtemp(dir))
		return 1;
	test_keys(dir);
	test_layer();
	test_stream();
	test_hashid();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return check_done();
}
