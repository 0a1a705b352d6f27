/* fuzz-crypt.c — the encrypted reader (nn/crypt.h) on arbitrary bytes,
 * with a fixed key (FUZZ_KEY, bytes 1..32; its key file is
 * tests/fuzz/corpus/crypt/KEY.txt's line, for nn-import --key).
 *
 * Input that starts like an encrypted stream is read twice: by the layer
 * alone, in pieces of a size taken from the input's length, and through
 * nn_reader with the key in use.  Anything else is plaintext: encrypted in
 * chunks, decrypted, and compared (abort on any difference), then cut
 * one byte short, which must fail.
 * Seeds: streams written by nn-import --key with that key, whole, cut,
 * flipped and concatenated (tests/fuzz/make-seeds.sh), and plaintexts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn/crypt.h"
#include "nn/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t len, pos, step;   /* hand out at most step bytes per read */
	uint8_t *out;
	size_t olen, ocap;
};

static ssize_t mem_read(void *arg, void *buf, size_t len, nn_error *err)
{
	struct mem *m = arg;
	size_t n = m->len - m->pos;
	(void)err;
	if (n > len)
		n = len;
	if (n > m->step)
		n = m->step;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static int mem_write(void *arg, const void *buf, size_t len, nn_error *err)
{
	struct mem *m = arg;
	(void)err;
	if (m->olen + len > m->ocap) {
		size_t cap = 2 * (m->olen + len);
		uint8_t *o = realloc(m->out, cap);
		if (!o)
			return -1;
		m->out = o;
		m->ocap = cap;
	}
	memcpy(m->out + m->olen, buf, len);
	m->olen += len;
	return 0;
}

/* Decrypt data whole; the plaintext's length, or -1. */
static long long decrypt_all(const nn_key *k, const uint8_t *data, size_t size, size_t step,
                             size_t cap, uint8_t *check)
{
	struct mem m = { data, size, 0, step, NULL, 0, 0 };
	nn_error err = { 0 };
	static uint8_t buf[2 * NN_CRYPT_CHUNK];
	long long total = 0;
	ssize_t n;
	nn_crypt_in *c = nn_crypt_in_new(k, mem_read, &m, NULL, 0, &err);

	if (!c)
		return -1;
	while ((n = nn_crypt_in_read(c, buf, cap, &err)) > 0) {
		if (check && memcmp(buf, check + total, (size_t)n))
			abort();
		total += n;
	}
	if (n == 0 && nn_crypt_in_read(c, buf, cap, &err) != 0)   /* the end stays */
		abort();
	nn_crypt_in_free(c);
	return n < 0 ? -1 : total;
}

static void through_reader(const nn_key *k, const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	nn_error err = { 0 };
	const nn_batch *b;
	nn_reader *r;

	if (fd < 0)
		return;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	lseek(fd, 0, SEEK_SET);
	nn_key_use(k);
	if ((r = nn_reader_open_fd(fd, &err))) {
		while (nn_reader_next(r, &b, &err) == 1)
			;
		nn_reader_close(r);
	}
	nn_key_use(NULL);
	close(fd);
}

static void round_trip(const nn_key *k, const uint8_t *data, size_t size)
{
	struct mem m = { NULL, 0, 0, 0, NULL, 0, 0 };
	nn_error err = { 0 };
	nn_crypt_out *c = nn_crypt_out_new(k, mem_write, &m, &err);
	size_t piece = size ? data[0] * 517 % (2 * NN_CRYPT_CHUNK) + 1 : 1;

	if (!c)
		abort();
	for (size_t at = 0; at < size; at += piece)
		if (nn_crypt_out_write(c, data + at, size - at < piece ? size - at : piece, &err))
			abort();
	if (nn_crypt_out_finish(c, &err))
		abort();
	nn_crypt_out_free(c);
	if (decrypt_all(k, m.out, m.olen, m.olen, NN_CRYPT_CHUNK, (uint8_t *)data) != (long long)size ||
	    decrypt_all(k, m.out, m.olen, 7, 100, (uint8_t *)data) != (long long)size)
		abort();
	if (decrypt_all(k, m.out, m.olen - 1, m.olen, NN_CRYPT_CHUNK, NULL) >= 0)   /* cut */
		abort();
	m.out[m.olen / 2] ^= 1;
	if (decrypt_all(k, m.out, m.olen, m.olen, NN_CRYPT_CHUNK, NULL) >= 0)   /* flipped */
		abort();
	free(m.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static nn_key *k;
	unsigned char bytes[32];

	if (!k) {
		for (int i = 0; i < 32; i++)
			bytes[i] = (unsigned char)(i + 1);
		if (!(k = nn_key_from_bytes(bytes, NULL)))
			abort();
	}
	if (nn_crypt_is_encrypted(data, size)) {
		decrypt_all(k, data, size, size % 4093 + 1, NN_CRYPT_CHUNK, NULL);
		decrypt_all(k, data, size, size, 1000, NULL);
		through_reader(k, data, size);
	} else {
		round_trip(k, data, size);
	}
	return 0;
}
