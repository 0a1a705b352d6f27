/* fuzz-sign.c — the signature check of the reader (nn/sign.h) on
 * arbitrary bytes: a stream read whole twice, once reporting signatures
 * (nn-info) and once trusting FUZZ_SIGN_SEED's key (--trust), which must
 * agree: a stream the trusting reader accepts is one the reporting reader
 * found signed by that key.
 * Seeds: models and parameters signed with that key (its key file is
 * tests/fuzz/corpus/sign/KEY.txt's line), by another key, unsigned, cut
 * and flipped (tests/fuzz/corpus/sign/). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn/sign.h"
#include "nn/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read fd whole from its start: 1 when it reads to its verified end. */
static int read_all(int fd, int *sig)
{
	nn_error err = { 0 };
	const nn_batch *b;
	char id[NN_SIGN_ID_HEX];
	int n;

	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, &err);
	if (!r)
		return 0;
	while ((n = nn_reader_next(r, &b, &err)) == 1)
		;
	*sig = nn_reader_signature(r, id);
	nn_reader_close(r);
	return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static nn_trust *t;
	static unsigned char pub[NN_SIGN_PUBBYTES];
	int fd = memfd_create("fuzz-in", 0), s1 = -1, s2 = -1;

	if (!t) {
		unsigned char seed[32];
		char hex[2 * NN_SIGN_PUBBYTES + 1], path[] = "/tmp/fuzz-sign-XXXXXX";
		for (int i = 0; i < 32; i++)
			seed[i] = (unsigned char)(i + 1);
		nn_sign_key *k = nn_sign_key_from_seed(seed, NULL);
		int pf = mkstemp(path);
		if (!k || pf < 0)
			abort();
		nn_sign_key_public(k, pub);
		for (int i = 0; i < NN_SIGN_PUBBYTES; i++)
			hex[2 * i] = "0123456789abcdef"[pub[i] >> 4], hex[2 * i + 1] = "0123456789abcdef"[pub[i] & 15];
		hex[2 * NN_SIGN_PUBBYTES] = 0;
		if (write(pf, "nnpipe-sign-pub-1 ", 18) != 18 || write(pf, hex, 64) != 64)
			abort();
		close(pf);
		t = nn_trust_load(path, NULL);
		unlink(path);
		nn_sign_key_free(k);
		if (!t)
			abort();
	}
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	nn_sign_report(1);
	int ok1 = read_all(fd, &s1);
	nn_sign_report(0);
	nn_trust_use(t);
	int ok2 = read_all(fd, &s2);
	nn_trust_use(NULL);
	/* trusted reading accepts exactly the signed-by-that-key streams of
	 * the kinds that are signed, or streams of other kinds */
	if (ok2 && !(ok1 && (s2 == NN_SIG_NOT_CHECKED || (s1 == NN_SIG_VALID && s2 == NN_SIG_TRUSTED))))
		abort();
	close(fd);
	return 0;
}
