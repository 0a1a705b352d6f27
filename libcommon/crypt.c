/* crypt.c — key files and the encrypted stream layer (nn/crypt.h).
 *
 * Choices:
 * - Every primitive is libsodium's: secretstream for the data, generichash
 *   (keyed BLAKE2b) for the key id, randombytes for keys.
 * - A chunk's length is its additional data, so that a length changed
 *   along with the bytes it frames fails authentication as well as the
 *   bytes do; the prologue is not authenticated, but every reader checks
 *   that its key id is the key's own, and that its version is 1.
 * - A writer hands each chunk to its sink whole (length and ciphertext in
 *   one call): one write per chunk, and a reader downstream gets each
 *   chunk as soon as it is written.
 * - A reader decrypts a chunk straight into the caller's buffer when it
 *   fits, else into its own and hands it out in pieces.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "nn/crypt.h"

#define KEY_PREFIX "nnpipe-key-1 "
#define KEY_LINE (sizeof KEY_PREFIX - 1 + 64)   /* without its newline */
#define MAX_CT (NN_CRYPT_CHUNK + NN_CRYPT_ABYTES)

struct nn_key {
	unsigned char k[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	char id[NN_KEY_ID_HEX];
};

static const nn_key *key_in_use;
static int accept_clear;

_Static_assert(NN_CRYPT_ABYTES == crypto_secretstream_xchacha20poly1305_ABYTES, "ABYTES");
_Static_assert(NN_CRYPT_HEADER == crypto_secretstream_xchacha20poly1305_HEADERBYTES, "HEADER");
_Static_assert(sizeof NN_CRYPT_MAGIC - 1 + 6 + 16 + 1 == NN_CRYPT_PROLOGUE, "prologue");

static int init(nn_error *err)
{
	if (sodium_init() < 0)
		return nn_error_set(err, NN_EIO, "libsodium cannot start");
	return 0;
}

void nn_key_use(const nn_key *k)
{
	key_in_use = k;
}

const nn_key *nn_key_in_use(void)
{
	return key_in_use;
}

void nn_key_accept_clear(int yes)
{
	accept_clear = yes;
}

int nn_key_accepts_clear(void)
{
	return accept_clear;
}

const char *nn_key_id(const nn_key *k)
{
	return k->id;
}

void nn_key_free(nn_key *k)
{
	if (k)
		sodium_free(k);   /* wipes it */
}

nn_key *nn_key_from_bytes(const unsigned char b[32], nn_error *err)
{
	unsigned char id[8];
	nn_key *k;

	if (init(err))
		return NULL;
	if (!(k = sodium_malloc(sizeof *k))) {
		nn_error_set(err, NN_ENOMEM, "out of memory for a key");
		return NULL;
	}
	memcpy(k->k, b, sizeof k->k);
	crypto_generichash(id, sizeof id, (const unsigned char *)NN_KEY_ID_CONTEXT,
	                   sizeof NN_KEY_ID_CONTEXT - 1, k->k, sizeof k->k);
	sodium_bin2hex(k->id, sizeof k->id, id, sizeof id);
	return k;
}

int nn_key_file_private(int fd, nn_error *err)
{
	struct stat st;

	if (fstat(fd, &st))
		return nn_error_set(err, NN_EIO, "%s", strerror(errno));
	if (st.st_uid != geteuid())
		return nn_error_set(err, NN_EARG, "key file owned by another user (uid %lu): make a "
		                    "key of your own (nn-keygen), chmod 600", (unsigned long)st.st_uid);
	if (st.st_mode & 077)
		return nn_error_set(err, NN_EARG, "key file readable by others (mode %03o): "
		                    "chmod 600 it", (unsigned)(st.st_mode & 0777));
	return 0;
}

nn_key *nn_key_load(const char *path, nn_error *err)
{
	char line[KEY_LINE + 2];   /* a byte more than a key file has: a longer one is refused */
	unsigned char *b = NULL;
	nn_key *k = NULL;
	size_t blen, got = 0;
	ssize_t n;
	int fd;

	if (init(err))
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		nn_error_set(err, NN_EIO, "key file: %s", strerror(errno));
		return NULL;
	}
	if (nn_key_file_private(fd, err))
		goto out;
	sodium_mlock(line, sizeof line);
	while (got < sizeof line && (n = read(fd, line + got, sizeof line - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			nn_error_set(err, NN_EIO, "key file: %s", strerror(errno));
			goto out;
		}
		got += (size_t)n;
	}
	if (got && line[got - 1] == '\n')
		got--;
	if (got != KEY_LINE || memcmp(line, KEY_PREFIX, sizeof KEY_PREFIX - 1)) {
		nn_error_set(err, NN_EDATA, "not an nnpipe key file (nn-keygen makes them)");
		goto out;
	}
	if (!(b = sodium_malloc(32))) {
		nn_error_set(err, NN_ENOMEM, "out of memory for a key");
		goto out;
	}
	if (sodium_hex2bin(b, 32, line + sizeof KEY_PREFIX - 1, 64, NULL, &blen, NULL) || blen != 32) {
		nn_error_set(err, NN_EDATA, "not an nnpipe key file (bad hex digits)");
		goto out;
	}
	k = nn_key_from_bytes(b, err);
out:
	sodium_munlock(line, sizeof line);   /* wipes it */
	if (b)
		sodium_free(b);
	close(fd);
	return k;
}

int nn_key_generate(const char *path, nn_error *err)
{
	unsigned char b[32];
	char line[sizeof KEY_PREFIX + 2 * 32 + 1];
	int fd, bad = 0;
	size_t len;

	if (init(err))
		return -1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return nn_error_set(err, NN_EIO, "%s", strerror(errno));
	if (fchmod(fd, 0600))   /* whatever the umask, and on a file system that ignores it */
		bad = nn_error_set(err, NN_EIO, "%s", strerror(errno));
	sodium_mlock(b, sizeof b);
	sodium_mlock(line, sizeof line);
	randombytes_buf(b, sizeof b);
	memcpy(line, KEY_PREFIX, sizeof KEY_PREFIX - 1);
	sodium_bin2hex(line + sizeof KEY_PREFIX - 1, 65, b, sizeof b);
	len = strlen(line);
	line[len++] = '\n';
	for (size_t done = 0; !bad && done < len;) {
		ssize_t n = write(fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bad = nn_error_set(err, NN_EIO, "write failed: %s", strerror(errno));
		else
			done += (size_t)n;
	}
	sodium_munlock(b, sizeof b);
	sodium_munlock(line, sizeof line);
	if ((fsync(fd) || close(fd)) && !bad)
		bad = nn_error_set(err, NN_EIO, "write failed: %s", strerror(errno));
	if (bad)
		unlink(path);
	return bad ? -1 : 0;
}

/* --- the prologue ----------------------------------------------------- */

int nn_crypt_is_encrypted(const void *buf, size_t n)
{
	return n >= sizeof NN_CRYPT_MAGIC - 1 && !memcmp(buf, NN_CRYPT_MAGIC, sizeof NN_CRYPT_MAGIC - 1);
}

static void prologue(const nn_key *k, char *out)
{
	snprintf(out, NN_CRYPT_PROLOGUE + 1, NN_CRYPT_MAGIC "1 key %s\n", k->id);
}

int nn_crypt_prologue_id(const void *buf, size_t n, char *id, nn_error *err)
{
	const char *p = buf;
	size_t m = sizeof NN_CRYPT_MAGIC - 1;

	if (!nn_crypt_is_encrypted(buf, n))
		return nn_error_set(err, NN_EDATA, "not an encrypted stream");
	if (n < NN_CRYPT_PROLOGUE)
		return nn_error_set(err, NN_EDATA, "truncated inside the prologue of an encrypted stream");
	if (p[m] != '1' || p[m + 1] != ' ')
		return nn_error_set(err, NN_EDATA, "encrypted stream of version %c, not 1", p[m]);
	if (memcmp(p + m + 2, "key ", 4) || p[NN_CRYPT_PROLOGUE - 1] != '\n')
		return nn_error_set(err, NN_EDATA, "corrupt prologue of an encrypted stream");
	for (int i = 0; i < 16; i++) {
		char c = p[m + 6 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return nn_error_set(err, NN_EDATA, "corrupt key id in the prologue of an encrypted stream");
		id[i] = c;
	}
	id[16] = 0;
	return 0;
}

/* --- writing --------------------------------------------------------- */

struct nn_crypt_out {
	crypto_secretstream_xchacha20poly1305_state st;
	nn_crypt_sink *sink;
	void *arg;
	unsigned char buf[4 + MAX_CT];
};

static int push(nn_crypt_out *c, const unsigned char *m, size_t len, unsigned char tag,
                nn_error *err)
{
	uint32_t L = (uint32_t)(len + NN_CRYPT_ABYTES);

	for (int i = 0; i < 4; i++)
		c->buf[i] = (unsigned char)(L >> 8 * i);
	crypto_secretstream_xchacha20poly1305_push(&c->st, c->buf + 4, NULL, m, len, c->buf, 4, tag);
	return c->sink(c->arg, c->buf, 4 + L, err);
}

nn_crypt_out *nn_crypt_out_new(const nn_key *k, nn_crypt_sink *sink, void *arg, nn_error *err)
{
	nn_crypt_out *c;
	unsigned char head[NN_CRYPT_PROLOGUE + 1 + NN_CRYPT_HEADER];

	if (init(err))
		return NULL;
	if (!(c = sodium_malloc(sizeof *c))) {   /* the state holds a key */
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	c->sink = sink;
	c->arg = arg;
	prologue(k, (char *)head);
	crypto_secretstream_xchacha20poly1305_init_push(&c->st, head + NN_CRYPT_PROLOGUE, k->k);
	if (sink(arg, head, NN_CRYPT_PROLOGUE, err) ||
	    sink(arg, head + NN_CRYPT_PROLOGUE, NN_CRYPT_HEADER, err)) {
		nn_crypt_out_free(c);
		return NULL;
	}
	return c;
}

int nn_crypt_out_write(nn_crypt_out *c, const void *buf, size_t len, nn_error *err)
{
	const unsigned char *p = buf;

	while (len) {
		size_t n = len < NN_CRYPT_CHUNK ? len : NN_CRYPT_CHUNK;
		if (push(c, p, n, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, err))
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int nn_crypt_out_finish(nn_crypt_out *c, nn_error *err)
{
	return push(c, NULL, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL, err);
}

void nn_crypt_out_free(nn_crypt_out *c)
{
	if (c)
		sodium_free(c);
}

/* --- reading --------------------------------------------------------- */

enum { IN_PROLOGUE, IN_CHUNKS, IN_DONE, IN_FAILED };

struct nn_crypt_in {
	crypto_secretstream_xchacha20poly1305_state st;
	const nn_key *key;
	nn_crypt_source *src;
	void *arg;
	int state;
	int eof;
	unsigned long members;
	unsigned long long chunk;  /* chunks of this member decrypted so far */
	unsigned long long at;     /* input bytes consumed before raw[0] */
	size_t rpos, rlen;         /* ciphertext waiting: raw[rpos..rlen) */
	unsigned char raw[2 * (4 + MAX_CT)];
	size_t ppos, plen;         /* plaintext not yet handed out: plain[ppos..plen) */
	unsigned char plain[NN_CRYPT_CHUNK];
	nn_error err;              /* the failure, given again on every call */
};

/* Have n bytes waiting in raw (n <= sizeof raw): 1, or 0 when the input
 * ends first, or -1. */
static int want(nn_crypt_in *c, size_t n, nn_error *err)
{
	if (c->rlen - c->rpos >= n)
		return 1;
	if (c->rpos) {
		memmove(c->raw, c->raw + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->at += c->rpos;
		c->rpos = 0;
	}
	while (c->rlen < n && !c->eof) {
		ssize_t got = c->src(c->arg, c->raw + c->rlen, sizeof c->raw - c->rlen, err);
		if (got < 0)
			return -1;
		if (got == 0)
			c->eof = 1;
		c->rlen += (size_t)got;
	}
	return c->rlen >= n;
}

/* Fail now and on every later call, with the message in c->err. */
static ssize_t in_failed(nn_crypt_in *c, nn_error *err)
{
	c->state = IN_FAILED;
	if (err)
		*err = c->err;
	return -1;
}

/* A member's prologue and header. */
static int start_member(nn_crypt_in *c, nn_error *err)
{
	char id[NN_KEY_ID_HEX];
	int r = want(c, NN_CRYPT_PROLOGUE + NN_CRYPT_HEADER, err);
	unsigned long long off = c->at + c->rpos;

	if (r < 0)
		return -1;
	if (nn_crypt_prologue_id(c->raw + c->rpos, c->rlen - c->rpos, id, &c->err)) {
		if (c->members)
			nn_error_prefix(&c->err, "after the end of encrypted stream %lu (byte %llu)",
			                c->members, off);
		return (int)in_failed(c, err);
	}
	if (strcmp(id, c->key->id)) {
		nn_error_set(&c->err, NN_EDATA, "encrypted with key id %s, not with the key given "
		             "(key id %s)", id, c->key->id);
		return (int)in_failed(c, err);
	}
	if (!r) {
		nn_error_set(&c->err, NN_EDATA, "truncated inside the header of an encrypted stream");
		return (int)in_failed(c, err);
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&c->st, c->raw + c->rpos + NN_CRYPT_PROLOGUE,
	                                                    c->key->k)) {
		nn_error_set(&c->err, NN_EDATA, "corrupt header of an encrypted stream");
		return (int)in_failed(c, err);
	}
	c->rpos += NN_CRYPT_PROLOGUE + NN_CRYPT_HEADER;
	c->members++;
	c->chunk = 0;
	c->state = IN_CHUNKS;
	return 0;
}

nn_crypt_in *nn_crypt_in_new(const nn_key *k, nn_crypt_source *src, void *arg,
                             const void *already, size_t n, nn_error *err)
{
	nn_crypt_in *c;

	if (init(err))
		return NULL;
	if (n > sizeof c->raw) {
		nn_error_set(err, NN_EARG, "%zu bytes read ahead of an encrypted stream", n);
		return NULL;
	}
	if (!(c = sodium_malloc(sizeof *c))) {
		nn_error_set(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	memset(c, 0, sizeof *c);
	c->key = k;
	c->src = src;
	c->arg = arg;
	if (n)
		memcpy(c->raw, already, n);
	c->rlen = n;
	if (start_member(c, err)) {
		nn_crypt_in_free(c);
		return NULL;
	}
	return c;
}

/* The next chunk, decrypted into dst (cap >= NN_CRYPT_CHUNK) or, if dst
 * is NULL, into plain: its length, 0 at the clean end, -1. */
static ssize_t next_chunk(nn_crypt_in *c, unsigned char *dst, nn_error *err)
{
	unsigned char tag;
	unsigned long long mlen, off;
	uint32_t L;
	int r;

	for (;;) {
		if (c->state == IN_FAILED) {
			if (err)
				*err = c->err;
			return -1;
		}
		if (c->state == IN_DONE) {
			if ((r = want(c, 1, err)) <= 0)
				return r;     /* the clean end: nothing after a FINAL chunk */
			if (start_member(c, err))
				return -1;
		}
		off = c->at + c->rpos;
		if ((r = want(c, 4, err)) < 0)
			return -1;
		if (!r) {
			nn_error_set(&c->err, NN_EDATA, "truncated encrypted stream: it ends at byte %llu, "
			             "before its final chunk", off + (c->rlen - c->rpos));
			return in_failed(c, err);
		}
		L = 0;
		for (int i = 0; i < 4; i++)
			L |= (uint32_t)c->raw[c->rpos + i] << 8 * i;
		if (L < NN_CRYPT_ABYTES || L > MAX_CT) {
			nn_error_set(&c->err, NN_EDATA, "corrupt encrypted stream: chunk length %lu out of "
			             "range at byte %llu", (unsigned long)L, off);
			return in_failed(c, err);
		}
		if ((r = want(c, 4 + (size_t)L, err)) < 0)
			return -1;
		if (!r) {
			nn_error_set(&c->err, NN_EDATA, "truncated encrypted stream: it ends inside the chunk "
			             "at byte %llu (at byte %llu)", off, c->at + c->rlen);
			return in_failed(c, err);
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&c->st, dst ? dst : c->plain, &mlen, &tag,
		                                               c->raw + c->rpos + 4, L,
		                                               c->raw + c->rpos, 4))
		{
			nn_error_set(&c->err, NN_EDATA, "encrypted stream fails authentication at the chunk at "
			             "byte %llu: changed, reordered, replayed or damaged", off);
			return in_failed(c, err);
		}
		c->rpos += 4 + (size_t)L;
		c->chunk++;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			c->state = IN_DONE;
			if (mlen)
				return (ssize_t)mlen;
			continue;
		}
		if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
			nn_error_set(&c->err, NN_EDATA, "corrupt encrypted stream: a chunk with tag %u at "
			             "byte %llu", (unsigned)tag, off);
			return in_failed(c, err);
		}
		if (mlen)
			return (ssize_t)mlen;
	}
}

ssize_t nn_crypt_in_read(nn_crypt_in *c, void *buf, size_t cap, nn_error *err)
{
	ssize_t n;

	if (!cap)
		return 0;
	if (c->ppos == c->plen) {
		if (cap >= NN_CRYPT_CHUNK)
			return next_chunk(c, buf, err);
		if ((n = next_chunk(c, NULL, err)) <= 0)
			return n;
		c->ppos = 0;
		c->plen = (size_t)n;
	}
	n = (ssize_t)(c->plen - c->ppos < cap ? c->plen - c->ppos : cap);
	memcpy(buf, c->plain + c->ppos, (size_t)n);
	c->ppos += (size_t)n;
	return n;
}

unsigned long nn_crypt_in_members(const nn_crypt_in *c)
{
	return c->members;
}

void nn_crypt_in_free(nn_crypt_in *c)
{
	if (c)
		sodium_free(c);
}

/* --- pseudonymised ids ------------------------------------------------ */

_Static_assert(sizeof NN_HASHID_CONTEXT - 1 == crypto_kdf_CONTEXTBYTES, "kdf context");

void nn_hashid_column(const nn_key *k, unsigned char *ids, size_t rows, size_t width)
{
	unsigned char hk[crypto_generichash_KEYBYTES], h[NN_HASHID_HEX / 2];
	char hex[NN_HASHID_HEX + 1];

	sodium_mlock(hk, sizeof hk);
	crypto_kdf_derive_from_key(hk, sizeof hk, 1, NN_HASHID_CONTEXT, k->k);
	for (size_t i = 0; i < rows; i++) {
		unsigned char *id = ids + i * width;
		crypto_generichash(h, sizeof h, id, strnlen((const char *)id, width), hk, sizeof hk);
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		memset(id, 0, width);
		memcpy(id, hex, NN_HASHID_HEX);
	}
	sodium_munlock(hk, sizeof hk);   /* wipes it */
}
