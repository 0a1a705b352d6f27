/* test-sign.c — nn/sign.h: key files (modes, never overwritten, refused
 * when others may read the secret or write the trusted keys), the key
 * id, signing a digest, and signed streams through nn_writer/nn_reader:
 * trusted, untrusted, unsigned, every bit flip and every cut refused,
 * a signature moved to another stream refused, with and without a
 * --key, and kinds that are not signed left alone. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "nn/crypt.h"
#include "nn/sign.h"
#include "nn/stream.h"
#include "check.h"

static nn_sign_key *key_n(int n)
{
	unsigned char b[32];
	for (int i = 0; i < 32; i++)
		b[i] = (unsigned char)(i * n + 1);
	return nn_sign_key_from_seed(b, NULL);
}

static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (int)(st.st_mode & 0777);
}

static void test_keys(const char *dir)
{
	nn_error err = { 0 };
	char name[256], path[300], id[NN_SIGN_ID_HEX];
	unsigned char pub[32];

	snprintf(name, sizeof name, "%s/a", dir);
	umask(0);
	CHECK(!nn_sign_generate(name, id, &err) && strlen(id) == 16, "a pair made (%s)", err.msg);
	umask(022);
	snprintf(path, sizeof path, "%s.key", name);
	CHECK(mode_of(path) == 0600, "the secret is 0600 whatever the umask");
	nn_sign_key *k = nn_sign_key_load(path, &err);
	CHECK(k && !strcmp(nn_sign_key_id(k), id), "loaded, the same id (%s)", err.msg);
	snprintf(path, sizeof path, "%s.pub", name);
	CHECK(mode_of(path) == 0644, "the public key is 0644");
	CHECK(nn_sign_generate(name, id, &err) && strstr(err.msg, "exists"), "never over a pair: %s",
	      err.msg);
	nn_trust *t = nn_trust_load(path, &err);
	nn_sign_key_public(k, pub);
	CHECK(t && nn_trust_count(t) == 1 && nn_trust_has(t, pub), "a .pub file trusted (%s)", err.msg);
	nn_trust_free(t);
	t = nn_trust_load(dir, &err);
	CHECK(t && nn_trust_count(t) == 1 && nn_trust_has(t, pub), "a folder of them (%s)", err.msg);
	nn_trust_free(t);
	chmod(dir, 0777);
	CHECK(!nn_trust_load(dir, &err) && strstr(err.msg, "chmod go-w"), "a folder others may write: %s",
	      err.msg);
	chmod(dir, 0755);
	chmod(path, 0666);
	CHECK(!nn_trust_load(path, &err) && strstr(err.msg, "chmod go-w"), "a .pub others may write: %s",
	      err.msg);
	chmod(path, 0644);
	snprintf(path, sizeof path, "%s.key", name);
	chmod(path, 0640);
	CHECK(!nn_sign_key_load(path, &err) && strstr(err.msg, "chmod 600"), "a secret others may read: %s",
	      err.msg);
	CHECK(!nn_trust_load(path, &err) && strstr(err.msg, "not an nnpipe public key file"),
	      "a secret is no public key: %s", err.msg);
	nn_sign_key_free(k);
}

static void test_digest(void)
{
	nn_sign_key *a = key_n(1), *b = key_n(2);
	unsigned char d[64], sig[64], pa[32], pb[32];

	for (int i = 0; i < 64; i++)
		d[i] = (unsigned char)i;
	nn_sign_key_public(a, pa);
	nn_sign_key_public(b, pb);
	nn_sign_digest(a, d, sig);
	CHECK(!nn_sign_verify(pa, d, sig), "a signature verifies");
	CHECK(nn_sign_verify(pb, d, sig), "not with another key");
	d[5] ^= 1;
	CHECK(nn_sign_verify(pa, d, sig), "not for another digest");
	d[5] ^= 1;
	sig[63] ^= 0x10;
	CHECK(nn_sign_verify(pa, d, sig), "not once changed");
	/* the message is the context and the digest, signed with plain Ed25519 */
	unsigned char m[sizeof NN_SIGN_CONTEXT - 1 + 64], s2[64], seed[32], pk[32], sk[64];
	for (int i = 0; i < 32; i++)
		seed[i] = (unsigned char)(i + 1);
	crypto_sign_seed_keypair(pk, sk, seed);
	memcpy(m, NN_SIGN_CONTEXT, sizeof NN_SIGN_CONTEXT - 1);
	memcpy(m + sizeof NN_SIGN_CONTEXT - 1, d, 64);
	crypto_sign_detached(s2, NULL, m, sizeof m, sk);
	nn_sign_digest(a, d, sig);
	CHECK(!memcmp(pk, pa, 32) && !memcmp(s2, sig, 64), "the message as nn/sign.h says");
	char id[NN_SIGN_ID_HEX];
	unsigned char h[8];
	nn_sign_id(pa, id);
	crypto_generichash(h, 8, pa, 32, NULL, 0);
	char hex[17];
	sodium_bin2hex(hex, sizeof hex, h, 8);
	CHECK(!strcmp(id, hex) && !strcmp(id, nn_sign_key_id(a)), "the key id: BLAKE2b-8 of the key");
	nn_sign_key_free(a);
	nn_sign_key_free(b);
}

/* A stream of kind `kind`, 1000 rows in batches of 100, into a memfd. */
static int write_stream(const char *kind, const nn_sign_key *k, int threads, float start)
{
	nn_error err = { 0 };
	nn_schema *s = nn_schema_new(kind, &err);
	uint64_t shape[1] = { 3 };
	static float x[3000];
	const void *cols[1] = { x };
	int fd = memfd_create("t", 0);

	nn_schema_add_field(s, "x", NN_F32, 1, shape, &err);
	for (int i = 0; i < 3000; i++)
		x[i] = start + (float)i;
	nn_writer_options o = { 0, threads, 100 };
	nn_sign_use(k);
	nn_writer *w = nn_writer_open_fd(fd, s, &o, &err);
	if (!w || nn_writer_write(w, cols, 1000, &err) || nn_writer_finish(w, &err))
		fd = -1;
	nn_sign_use(NULL);
	nn_writer_free(w);
	nn_schema_free(s);
	return fd;
}

/* Read fd whole from its start: 0, or -1 with err filled; *sig gets
 * nn_reader_signature. */
static int read_all(int fd, int *sig, nn_error *err)
{
	const nn_batch *b;
	char id[NN_SIGN_ID_HEX];
	int n;

	lseek(fd, 0, SEEK_SET);
	nn_reader *r = nn_reader_open_fd(fd, err);
	if (!r)
		return -1;
	while ((n = nn_reader_next(r, &b, err)) == 1)
		;
	if (sig)
		*sig = nn_reader_signature(r, id);
	nn_reader_close(r);
	return n;
}

static unsigned char *slurp(int fd, size_t *len)
{
	struct stat st;
	fstat(fd, &st);
	unsigned char *p = malloc((size_t)st.st_size);
	*len = (size_t)pread(fd, p, (size_t)st.st_size, 0);
	return p;
}

static int from_bytes(const unsigned char *p, size_t len)
{
	int fd = memfd_create("c", 0);
	if (write(fd, p, len) != (ssize_t)len)
		return -1;
	return fd;
}

static void test_stream(const char *dir, const nn_key *ek)
{
	nn_error err = { 0 };
	nn_sign_key *a = key_n(1), *b = key_n(2);
	unsigned char pa[32];
	char path[300];
	int sig = -1;
	const char *how = ek ? "encrypted" : "clear";

	nn_key_use(ek);
	nn_sign_key_public(a, pa);
	snprintf(path, sizeof path, "%s/a.pub", dir);
	nn_trust *t = nn_trust_load(path, &err);   /* a.pub: another key than a */
	int fd = write_stream("model", a, 2, 0), fd1 = write_stream("model", a, 0, 0);
	size_t len, len1;
	unsigned char *p = slurp(fd, &len), *p1 = slurp(fd1, &len1);
	if (!ek)   /* (encrypted, each has its own random secretstream header) */
		CHECK(len == len1 && !memcmp(p, p1, len), "the same bytes with threads and without");
	free(p1);
	close(fd1);

	nn_sign_report(1);
	CHECK(!read_all(fd, &sig, &err) && sig == NN_SIG_VALID, "%s: reported, verified, not trusted (%s)",
	      how, err.msg);
	nn_sign_report(0);
	CHECK(!read_all(fd, &sig, &err) && sig == NN_SIG_NOT_CHECKED, "%s: nothing checks without --trust",
	      how);
	nn_trust_use(t);
	CHECK(read_all(fd, NULL, &err) && strstr(err.msg, "does not hold"), "%s: untrusted key: %s", how,
	      err.msg);
	nn_trust_use(NULL);

	/* trust a's own key: a folder with its .pub */
	char sub[200];
	snprintf(sub, sizeof sub, "%s/trust-%s", dir, how);
	mkdir(sub, 0755);
	snprintf(path, sizeof path, "%s/a.pub", sub);
	FILE *f = fopen(path, "w");
	char hex[65];
	sodium_bin2hex(hex, sizeof hex, pa, 32);
	fprintf(f, "nnpipe-sign-pub-1 %s\n", hex);
	fclose(f);
	nn_trust *ta = nn_trust_load(sub, &err);
	nn_trust_use(ta);
	CHECK(ta && !read_all(fd, &sig, &err) && sig == NN_SIG_TRUSTED, "%s: trusted (%s)", how, err.msg);

	int bad = 0, flips = 0;
	for (size_t i = 0; i < len; i += ek ? 7 : 1) {
		p[i] ^= (unsigned char)(1u << (i % 8));
		int g = from_bytes(p, len);
		if (!read_all(g, NULL, &err) && !bad)
			bad = (int)i + 1;
		close(g);
		p[i] ^= (unsigned char)(1u << (i % 8));
		flips++;
	}
	CHECK(!bad, "%s: %d bit flips refused (first accepted: byte %d)", how, flips, bad - 1);
	bad = 0;
	for (size_t cut = 0; cut < len; cut += ek ? 5 : 1) {
		int g = from_bytes(p, cut);
		if (!read_all(g, NULL, &err) && !bad)
			bad = (int)cut + 1;
		close(g);
	}
	CHECK(!bad, "%s: every cut refused (first accepted: %d)", how, bad - 1);

	int u = write_stream("model", NULL, 0, 0);
	CHECK(read_all(u, NULL, &err) && strstr(err.msg, "not signed"), "%s: unsigned: %s", how, err.msg);
	close(u);
	u = write_stream("data", a, 0, 0);
	CHECK(!read_all(u, &sig, &err) && sig == NN_SIG_NOT_CHECKED, "%s: data is neither signed nor checked",
	      how);
	close(u);
	u = write_stream("params", b, 0, 0);
	CHECK(read_all(u, NULL, &err) && strstr(err.msg, "params signed by key"), "%s: params by b: %s",
	      how, err.msg);
	close(u);
	nn_trust_use(NULL);
	free(p);
	close(fd);
	nn_trust_free(t);
	nn_trust_free(ta);
	nn_sign_key_free(a);
	nn_sign_key_free(b);
	nn_key_use(NULL);
}

/* The trailer of one signed clear model moved onto another: the
 * signature no longer matches its bytes. */
static void test_moved(const char *dir)
{
	nn_error err = { 0 };
	nn_sign_key *a = key_n(1);
	unsigned char pa[32];
	char path[300], hex[65];
	int f1 = write_stream("model", a, 0, 0), f2 = write_stream("model", a, 0, 1);
	size_t l1, l2;
	unsigned char *p1 = slurp(f1, &l1), *p2 = slurp(f2, &l2);

	nn_sign_key_public(a, pa);
	snprintf(path, sizeof path, "%s/m.pub", dir);
	FILE *f = fopen(path, "w");
	sodium_bin2hex(hex, sizeof hex, pa, 32);
	fprintf(f, "nnpipe-sign-pub-1 %s\n", hex);
	fclose(f);
	nn_trust *t = nn_trust_load(path, &err);
	nn_trust_use(t);
	/* the trailer is the last zstd frame: find its magic from the end */
	size_t e1 = l1 - 4, e2 = l2 - 4;
	while (memcmp(p1 + e1, "\x28\xb5\x2f\xfd", 4))
		e1--;
	while (memcmp(p2 + e2, "\x28\xb5\x2f\xfd", 4))
		e2--;
	unsigned char *m = malloc(e2 + l1 - e1);
	memcpy(m, p2, e2);
	memcpy(m + e2, p1 + e1, l1 - e1);
	int g = from_bytes(m, e2 + l1 - e1);
	CHECK(read_all(g, NULL, &err), "a trailer moved to another model: %s", err.msg);
	close(g);
	nn_trust_use(NULL);
	nn_trust_free(t);
	free(m);
	free(p1);
	free(p2);
	close(f1);
	close(f2);
	nn_sign_key_free(a);
}

int main(void)
{
	char dir[] = "/tmp/test-sign.XXXXXX", cmd[128];
	unsigned char kb[32] = { 7 };

	if (!mkdtemp(dir))
		return 1;
	chmod(dir, 0755);
	test_keys(dir);
	test_digest();
	test_stream(dir, NULL);
	nn_key *ek = nn_key_from_bytes(kb, NULL);
	test_stream(dir, ek);
	nn_key_free(ek);
	test_moved(dir);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return check_done();
}
