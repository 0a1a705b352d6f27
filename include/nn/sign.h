/* nn/sign.h — Ed25519 signatures on models, checkpoints and fitted
 * parameters (libsodium's crypto_sign), carried in the stream's trailer.
 *
 * A signed stream (nn-stream(5), SIGNATURES): its trailer map has two
 * more keys, "signer" (bin 32: the Ed25519 public key) and "signature"
 * (bin 64), the Ed25519 signature (crypto_sign_detached) of the message
 *
 *   NN_SIGN_CONTEXT || SHA-512(the stream's compressed bytes before the
 *                              trailer's frame)
 *
 * the same bytes the trailer's crc32 covers (after decryption, if the
 * file is encrypted).  A key id is the 8-byte BLAKE2b (crypto_generichash,
 * unkeyed) of the public key, in hex.
 *
 * Key files: NAME.key "nnpipe-sign-key-1 " and the 64 hex digits of the
 * 32-byte seed (mode 0600, refused like a --key file otherwise); NAME.pub
 * "nnpipe-sign-pub-1 " and the 64 hex digits of the public key.
 *
 * Only streams of the kinds NN_SIGN_KINDS are signed and checked: the
 * files that decide what a program computes.
 */
#ifndef NN_SIGN_H
#define NN_SIGN_H

#include <stddef.h>
#include "nn/error.h"
#include "nn/stream.h"

#define NN_SIGN_CONTEXT  "nnpipe signature 1\n"
#define NN_SIGN_ID_HEX   17      /* 16 hex digits and a NUL */
#define NN_SIGN_PUBBYTES 32
#define NN_SIGN_BYTES    64

typedef struct nn_sign_key nn_sign_key;
typedef struct nn_trust nn_trust;

/* Is a stream of this kind signed and checked ("model", "checkpoint",
 * "params")? */
int nn_sign_kind(const char *kind);

/* A new pair: NAME.key (0600) and NAME.pub (0644), never over an
 * existing file; id gets the key id. */
int nn_sign_generate(const char *name, char id[NN_SIGN_ID_HEX], nn_error *err);
/* Read a secret key file; refused when group or others may read it or
 * another user owns it (NN_EARG, saying chmod 600). */
nn_sign_key *nn_sign_key_load(const char *path, nn_error *err);
void nn_sign_key_free(nn_sign_key *k);             /* NULL is fine */
const char *nn_sign_key_id(const nn_sign_key *k);
/* A key from its 32-byte seed (tests, fuzz targets). */
nn_sign_key *nn_sign_key_from_seed(const unsigned char seed[32], nn_error *err);
void nn_sign_key_public(const nn_sign_key *k, unsigned char pub[NN_SIGN_PUBBYTES]);

/* The key id of a public key. */
void nn_sign_id(const unsigned char pub[NN_SIGN_PUBBYTES], char id[NN_SIGN_ID_HEX]);

/* The signature of a 64-byte SHA-512 digest (the message above). */
void nn_sign_digest(const nn_sign_key *k, const unsigned char digest[64],
                    unsigned char sig[NN_SIGN_BYTES]);
/* 0 when sig is pub's signature of digest, -1 if not. */
int nn_sign_verify(const unsigned char pub[NN_SIGN_PUBBYTES], const unsigned char digest[64],
                   const unsigned char sig[NN_SIGN_BYTES]);

/* Trusted public keys: one .pub file, or every *.pub file of a folder.
 * A file or folder that others may write is refused (chmod go-w). */
nn_trust *nn_trust_load(const char *path, nn_error *err);
void nn_trust_free(nn_trust *t);                   /* NULL is fine */
int nn_trust_has(const nn_trust *t, const unsigned char pub[NN_SIGN_PUBBYTES]);
size_t nn_trust_count(const nn_trust *t);

/* The process's signing key: every writer opened after this, of a kind
 * nn_sign_kind names, signs what it writes (NULL: none).  Not copied. */
void nn_sign_use(const nn_sign_key *k);
const nn_sign_key *nn_sign_in_use(void);
/* The process's trusted keys: every reader opened after this, of a kind
 * nn_sign_kind names, refuses a stream not signed by one of them (NULL:
 * none, nothing is required).  Not copied. */
void nn_trust_use(const nn_trust *t);
const nn_trust *nn_trust_in_use(void);
/* Check signatures even without trusted keys (1), to report them
 * (nn_reader_signature): nn-info does. */
void nn_sign_report(int yes);
int nn_sign_reporting(void);

/* What a reader found at the end of its latest member, when it checked
 * (a trust in use, or nn_sign_report): */
enum {
	NN_SIG_NOT_CHECKED,   /* not a kind that is signed, or nothing checks */
	NN_SIG_NONE,          /* no signature */
	NN_SIG_VALID,         /* a signature that verifies, by a key not trusted */
	NN_SIG_TRUSTED        /* ... by a trusted key */
};
/* A signature that does not verify is an error of nn_reader_next. */
int nn_reader_signature(const nn_reader *r, char id[NN_SIGN_ID_HEX]);

#endif
