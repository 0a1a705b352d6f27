/* sign.c — signing keys, trusted keys and the signature of a stream
 * (nn/sign.h); reader.c and writer.c hash the bytes and call these.
 *
 * Choices:
 * - Pure Ed25519 (crypto_sign_detached) over a short message: a context
 *   string and the SHA-512 of the signed bytes.  The bytes are hashed as
 *   they stream, and the message is one any Ed25519 library verifies
 *   (Ed25519ph, libsodium's multi-part API, is rare in other libraries).
 * - The secret key file holds the 32-byte seed; the pair is derived from
 *   it on load, so that the file is as short as a --key file.
 * - A key id is a hash of the public key, as ssh's fingerprints are, and
 *   the trailer carries the whole public key: a reader compares keys, not
 *   ids, with its trusted ones.
 * - Trusted keys are public, but whoever may change the trust file or
 *   folder chooses what a program runs: one that group or others may
 *   write is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "nn/crypt.h"
#include "nn/sign.h"

#define KEY_PREFIX "nnpipe-sign-key-1 "
#define PUB_PREFIX "nnpipe-sign-pub-1 "
#define LINE_MAX_ (sizeof KEY_PREFIX - 1 + 64)   /* both prefixes are as long */

_Static_assert(sizeof KEY_PREFIX == sizeof PUB_PREFIX, "prefixes");
_Static_assert(NN_SIGN_PUBBYTES == crypto_sign_PUBLICKEYBYTES, "pub");
_Static_assert(NN_SIGN_BYTES == crypto_sign_BYTES, "sig");

struct nn_sign_key {
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char id[NN_SIGN_ID_HEX];
};

struct nn_trust {
	size_t n;
	unsigned char (*pk)[NN_SIGN_PUBBYTES];
};

static const nn_sign_key *sign_in_use;
static const nn_trust *trust_in_use;
static int reporting;

static int init(nn_error *err)
{
	if (sodium_init() < 0)
		return nn_error_set(err, NN_EIO, "libsodium cannot start");
	return 0;
}

int nn_sign_kind(const char *kind)
{
	return kind && (!strcmp(kind, "model") || !strcmp(kind, "checkpoint") ||
	                !strcmp(kind, "params"));
}

void nn_sign_use(const nn_sign_key *k) { sign_in_use = k; }
const nn_sign_key *nn_sign_in_use(void) { return sign_in_use; }
void nn_trust_use(const nn_trust *t) { trust_in_use = t; }
const nn_trust *nn_trust_in_use(void) { return trust_in_use; }
void nn_sign_report(int yes) { reporting = yes; }
int nn_sign_reporting(void) { return reporting; }

void nn_sign_id(const unsigned char pub[NN_SIGN_PUBBYTES], char id[NN_SIGN_ID_HEX])
{
	unsigned char h[8];
	crypto_generichash(h, sizeof h, pub, NN_SIGN_PUBBYTES, NULL, 0);
	sodium_bin2hex(id, NN_SIGN_ID_HEX, h, sizeof h);
}

nn_sign_key *nn_sign_key_from_seed(const unsigned char seed[32], nn_error *err)
{
	nn_sign_key *k;

	if (init(err))
		return NULL;
	if (!(k = sodium_malloc(sizeof *k))) {
		nn_error_set(err, NN_ENOMEM, "out of memory for a key");
		return NULL;
	}
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	nn_sign_id(k->pk, k->id);
	return k;
}

void nn_sign_key_free(nn_sign_key *k)
{
	if (k)
		sodium_free(k);   /* wipes it */
}

const char *nn_sign_key_id(const nn_sign_key *k)
{
	return k->id;
}

void nn_sign_key_public(const nn_sign_key *k, unsigned char pub[NN_SIGN_PUBBYTES])
{
	memcpy(pub, k->pk, NN_SIGN_PUBBYTES);
}

static void message(const unsigned char digest[64], unsigned char *m)
{
	memcpy(m, NN_SIGN_CONTEXT, sizeof NN_SIGN_CONTEXT - 1);
	memcpy(m + sizeof NN_SIGN_CONTEXT - 1, digest, 64);
}

void nn_sign_digest(const nn_sign_key *k, const unsigned char digest[64],
                    unsigned char sig[NN_SIGN_BYTES])
{
	unsigned char m[sizeof NN_SIGN_CONTEXT - 1 + 64];
	message(digest, m);
	crypto_sign_detached(sig, NULL, m, sizeof m, k->sk);
}

int nn_sign_verify(const unsigned char pub[NN_SIGN_PUBBYTES], const unsigned char digest[64],
                   const unsigned char sig[NN_SIGN_BYTES])
{
	unsigned char m[sizeof NN_SIGN_CONTEXT - 1 + 64];
	if (sodium_init() < 0)
		return -1;
	message(digest, m);
	return crypto_sign_verify_detached(sig, m, sizeof m, pub) ? -1 : 0;
}

/* One line of a key file: prefix and 64 hex digits into out[32]. */
static int read_line(int fd, const char *prefix, unsigned char out[32], const char *what,
                     nn_error *err)
{
	char line[LINE_MAX_ + 2];   /* a byte more than a key file has: a longer one is refused */
	size_t got = 0, blen;
	ssize_t n;
	int rc = -1;

	sodium_mlock(line, sizeof line);
	while (got < sizeof line && (n = read(fd, line + got, sizeof line - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			nn_error_set(err, NN_EIO, "%s: %s", what, strerror(errno));
			goto out;
		}
		got += (size_t)n;
	}
	if (got && line[got - 1] == '\n')
		got--;
	if (got != LINE_MAX_ || memcmp(line, prefix, strlen(prefix)) ||
	    sodium_hex2bin(out, 32, line + strlen(prefix), 64, NULL, &blen, NULL) || blen != 32) {
		nn_error_set(err, NN_EDATA, "not an nnpipe %s (nn-keygen --sign makes them)", what);
		goto out;
	}
	rc = 0;
out:
	sodium_munlock(line, sizeof line);   /* wipes it */
	return rc;
}

nn_sign_key *nn_sign_key_load(const char *path, nn_error *err)
{
	unsigned char *seed;
	nn_sign_key *k = NULL;
	int fd;

	if (init(err))
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		nn_error_set(err, NN_EIO, "signing key file: %s", strerror(errno));
		return NULL;
	}
	if (!(seed = sodium_malloc(32)))
		nn_error_set(err, NN_ENOMEM, "out of memory for a key");
	else if (!nn_key_file_private(fd, err) &&
	         !read_line(fd, KEY_PREFIX, seed, "signing key file", err))
		k = nn_sign_key_from_seed(seed, err);
	if (seed)
		sodium_free(seed);
	close(fd);
	return k;
}

static int write_file(const char *path, int mode, const char *text, nn_error *err)
{
	size_t len = strlen(text);
	int fd, bad = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
		return nn_error_set(err, NN_EIO, "%s: %s", path, strerror(errno));
	if (fchmod(fd, (mode_t)mode))   /* whatever the umask */
		bad = nn_error_set(err, NN_EIO, "%s: %s", path, strerror(errno));
	for (size_t done = 0; !bad && done < len;) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bad = nn_error_set(err, NN_EIO, "%s: write failed: %s", path, strerror(errno));
		else
			done += (size_t)n;
	}
	if ((fsync(fd) || close(fd)) && !bad)
		bad = nn_error_set(err, NN_EIO, "%s: write failed: %s", path, strerror(errno));
	if (bad)
		unlink(path);
	return bad ? -1 : 0;
}

int nn_sign_generate(const char *name, char id[NN_SIGN_ID_HEX], nn_error *err)
{
	unsigned char seed[32], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char line[LINE_MAX_ + 2];
	size_t n = strlen(name) + 5;
	char *kpath = malloc(n), *ppath = malloc(n);
	struct stat st;
	int rc = -1;

	if (!kpath || !ppath) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(kpath, n, "%s.key", name);
	snprintf(ppath, n, "%s.pub", name);
	if (init(err))
		goto out;
	if (!lstat(ppath, &st)) {   /* before the secret is made: none is left alone */
		nn_error_set(err, NN_EIO, "%s: %s", ppath, strerror(EEXIST));
		goto out;
	}
	sodium_mlock(seed, sizeof seed);
	sodium_mlock(sk, sizeof sk);
	sodium_mlock(line, sizeof line);
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	memcpy(line, KEY_PREFIX, sizeof KEY_PREFIX - 1);
	sodium_bin2hex(line + sizeof KEY_PREFIX - 1, 65, seed, sizeof seed);
	strcat(line, "\n");
	rc = write_file(kpath, 0600, line, err);
	memcpy(line, PUB_PREFIX, sizeof PUB_PREFIX - 1);
	sodium_bin2hex(line + sizeof PUB_PREFIX - 1, 65, pk, sizeof pk);
	strcat(line, "\n");
	if (!rc && (rc = write_file(ppath, 0644, line, err)))
		unlink(kpath);
	sodium_munlock(seed, sizeof seed);
	sodium_munlock(sk, sizeof sk);
	sodium_munlock(line, sizeof line);
	if (!rc)
		nn_sign_id(pk, id);
out:
	free(kpath);
	free(ppath);
	return rc;
}

static int not_writable_by_others(int fd, const char *what, nn_error *err)
{
	struct stat st;
	if (fstat(fd, &st))
		return nn_error_set(err, NN_EIO, "%s", strerror(errno));
	if (st.st_mode & 022)
		return nn_error_set(err, NN_EARG, "%s writable by others (mode %03o): chmod go-w it",
		                    what, (unsigned)(st.st_mode & 0777));
	return 0;
}

static int trust_add(nn_trust *t, int fd, nn_error *err)
{
	unsigned char pk[32];
	void *p;

	if (not_writable_by_others(fd, "trusted key file", err) ||
	    read_line(fd, PUB_PREFIX, pk, "public key file", err))
		return -1;
	if (!(p = realloc(t->pk, (t->n + 1) * sizeof *t->pk)))
		return nn_error_set(err, NN_ENOMEM, "out of memory");
	t->pk = p;
	memcpy(t->pk[t->n++], pk, 32);
	return 0;
}

void nn_trust_free(nn_trust *t)
{
	if (t) {
		free(t->pk);
		free(t);
	}
}

nn_trust *nn_trust_load(const char *path, nn_error *err)
{
	nn_trust *t = calloc(1, sizeof *t);
	struct stat st;
	DIR *d = NULL;
	int fd = -1;

	if (!t) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	if (init(err))
		goto fail;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st)) {
		nn_error_set(err, NN_EIO, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (trust_add(t, fd, err))
			goto fail;
		close(fd);
		return t;
	}
	if (not_writable_by_others(fd, "trusted key folder", err))
		goto fail;
	if (!(d = fdopendir(fd))) {
		nn_error_set(err, NN_EIO, "%s", strerror(errno));
		goto fail;
	}
	fd = -1;   /* d owns it */
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".pub"))
			continue;
		int f = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
		if (f < 0) {
			nn_error_set(err, NN_EIO, "%s: %s", e->d_name, strerror(errno));
			goto fail;
		}
		int bad = trust_add(t, f, err);
		close(f);
		if (bad) {
			nn_error_prefix(err, "%s", e->d_name);
			goto fail;
		}
	}
	closedir(d);
	if (!t->n) {
		nn_error_set(err, NN_EDATA, "no .pub files in the folder (nn-keygen --sign makes them)");
		nn_trust_free(t);
		return NULL;
	}
	return t;
fail:
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	nn_trust_free(t);
	return NULL;
}

int nn_trust_has(const nn_trust *t, const unsigned char pub[NN_SIGN_PUBBYTES])
{
	for (size_t i = 0; t && i < t->n; i++)
		if (!sodium_memcmp(t->pk[i], pub, NN_SIGN_PUBBYTES))
			return 1;
	return 0;
}

size_t nn_trust_count(const nn_trust *t)
{
	return t ? t->n : 0;
}
