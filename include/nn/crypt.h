/* nn/crypt.h — authenticated streaming encryption of nnpipe files
 * (libsodium's crypto_secretstream_xchacha20poly1305), below the zstd
 * frames, and the key files that hold the keys.
 *
 * An encrypted file (nn-stream(5), ENCRYPTED STREAMS):
 *
 *   prologue  "nnpipe encrypted 1 key 0123456789abcdef\n"   40 bytes, clear
 *   header    the secretstream header                        24 bytes
 *   chunks    u32 little-endian L, then L bytes of ciphertext, the 4 bytes
 *             of L its additional data; L - 17 bytes of plaintext, at most
 *             NN_CRYPT_CHUNK; tag MESSAGE, the last one (empty) tag FINAL
 *
 * Encrypted files concatenate as clear ones do: after a FINAL chunk,
 * either the end of the input or another prologue (same key id) follows.
 *
 * The key id is crypto_generichash (BLAKE2b) with an 8-byte output of
 * NN_KEY_ID_CONTEXT keyed with the key, in hex: it names a key without
 * telling anything about it.
 *
 * Key files are one line of text: "nnpipe-key-1 " and 64 hex digits.  A key
 * file readable by group or others, or owned by another user, is refused.
 * Keys live in sodium_malloc'd memory (locked, wiped when freed).
 */
#ifndef NN_CRYPT_H
#define NN_CRYPT_H

#include <stddef.h>
#include <sys/types.h>
#include "nn/error.h"

#define NN_CRYPT_CHUNK      65536   /* plaintext bytes per chunk, at most */
#define NN_CRYPT_ABYTES     17      /* crypto_secretstream_xchacha20poly1305_ABYTES */
#define NN_CRYPT_PROLOGUE   40      /* bytes of the clear prologue */
#define NN_CRYPT_HEADER     24      /* bytes of the secretstream header */
#define NN_CRYPT_MAGIC      "nnpipe encrypted "
#define NN_KEY_ID_CONTEXT   "nnpipe key id 1"
#define NN_KEY_ID_HEX       17      /* 16 hex digits and a NUL */

typedef struct nn_key nn_key;

/* A new random key written to path: created 0600, never over an existing
 * file (NN_EIO naming the errno). */
int nn_key_generate(const char *path, nn_error *err);
/* Read a key file; refuses one that group or others may read, or that
 * another user owns (NN_EARG, the message says chmod 600). */
nn_key *nn_key_load(const char *path, nn_error *err);
/* A key from its 32 bytes (tests, fuzz targets). */
nn_key *nn_key_from_bytes(const unsigned char k[32], nn_error *err);
void nn_key_free(nn_key *k);                       /* NULL is fine */
/* The key's id as 16 hex digits. */
const char *nn_key_id(const nn_key *k);

/* Is the file at path (or fd's file) safe to hold a secret: owned by us,
 * no access for group or others?  0, or -1 (NN_EARG) saying why. */
int nn_key_file_private(int fd, nn_error *err);

/* The process's key: every nn_reader and nn_writer opened after this
 * decrypts and encrypts with it (NULL: none, files are clear).  With a key,
 * a reader refuses a clear stream; without, an encrypted one, naming its
 * key id.  The key is not copied: it must outlive the readers and writers. */
void nn_key_use(const nn_key *k);
const nn_key *nn_key_in_use(void);
/* With a key in use, also read clear streams (1), as they are: to
 * encrypt files that exist.  0 (the default) refuses them. */
void nn_key_accept_clear(int yes);
int nn_key_accepts_clear(void);

/* Where an encrypting writer puts its bytes, and where a decrypting
 * reader gets them: like write(2) and read(2) (0 at the end), -1 with
 * err filled. */
typedef int nn_crypt_sink(void *arg, const void *buf, size_t len, nn_error *err);
typedef ssize_t nn_crypt_source(void *arg, void *buf, size_t len, nn_error *err);

/* --- writing --------------------------------------------------------- */

typedef struct nn_crypt_out nn_crypt_out;

/* Writes the prologue and the header to sink at once. */
nn_crypt_out *nn_crypt_out_new(const nn_key *k, nn_crypt_sink *sink, void *arg, nn_error *err);
/* Encrypt buf[0..len) as chunks of at most NN_CRYPT_CHUNK bytes, each
 * handed to the sink whole, so that a reader downstream sees it at once. */
int nn_crypt_out_write(nn_crypt_out *c, const void *buf, size_t len, nn_error *err);
/* The FINAL chunk: the stream is complete only after this. */
int nn_crypt_out_finish(nn_crypt_out *c, nn_error *err);
void nn_crypt_out_free(nn_crypt_out *c);           /* NULL is fine */

/* --- reading --------------------------------------------------------- */

typedef struct nn_crypt_in nn_crypt_in;

/* Does buf[0..n) start like an encrypted stream (n >= strlen(NN_CRYPT_MAGIC))? */
int nn_crypt_is_encrypted(const void *buf, size_t n);
/* Read an encrypted stream from src with key k.  already[0..n) are bytes
 * of it read before (at least the prologue's magic): they come first. */
nn_crypt_in *nn_crypt_in_new(const nn_key *k, nn_crypt_source *src, void *arg,
                             const void *already, size_t n, nn_error *err);
/* Up to cap bytes of plaintext into buf: > 0, or 0 at the end of the
 * input right after a FINAL chunk, or -1: NN_EDATA for a wrong key, a cut
 * or any change to the bytes (authentication failed), naming where. */
ssize_t nn_crypt_in_read(nn_crypt_in *c, void *buf, size_t cap, nn_error *err);
/* Encrypted streams read so far (members of a concatenation). */
unsigned long nn_crypt_in_members(const nn_crypt_in *c);
void nn_crypt_in_free(nn_crypt_in *c);             /* NULL is fine */

/* --- pseudonymised ids (nn-import --hash-id) ------------------------ */

/* An id becomes the hex of its keyed BLAKE2b hash, 16 bytes:
 *
 *   hk  = crypto_kdf_derive_from_key(32 bytes, id 1, NN_HASHID_CONTEXT, key)
 *   out = hex(crypto_generichash(16 bytes, the id's bytes, key hk))
 *
 * so the encryption key itself never keys a hash. */
#define NN_HASHID_CONTEXT "nnhashid"
#define NN_HASHID_HEX     32
/* Replace each of rows texts at ids (width bytes each, NUL-padded, width
 * at least NN_HASHID_HEX) by the hex of its hash, NUL-padded. */
void nn_hashid_column(const nn_key *k, unsigned char *ids, size_t rows, size_t width);

/* Parse a prologue: 0 and its key id (hex, NN_KEY_ID_HEX bytes), or -1
 * saying what is wrong. */
int nn_crypt_prologue_id(const void *buf, size_t n, char *id, nn_error *err);

#endif
