/*
 * AnoChat crypto core: the C ABI over libsodium.
 *
 * This is the one API of crypto-native. The gRPC server calls it through the C++ wrapper
 * (nacl.hpp); the WebAssembly build exports exactly these functions to JavaScript.
 *
 * Conventions, identical for every function:
 * - Every buffer is passed as (pointer, length). Outputs are caller-provided, and their length
 *   must be exactly what the operation produces; a wrong length is ANOCHAT_E_INVALID_LENGTH.
 * - A NULL pointer is accepted only together with length 0. Lengths must describe the buffers
 *   actually passed: C cannot check a pointer's extent, so lengths are trusted for bounds.
 *   (In WebAssembly a lying length traps instead of corrupting memory; discard that instance.)
 * - The return value is ANOCHAT_OK (0) or a negative anochat_status. On failure, outputs are
 *   zeroed and anochat_last_error() describes the reason in English (thread-local, static text).
 * - "Could not open / verify" is ANOCHAT_E_FAILED: authentication failure is an answer, not a bug.
 * - Nothing here allocates on the heap except the secretstream and pwhash internals of libsodium.
 */
#ifndef ANOCHAT_NACL_H
#define ANOCHAT_NACL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum anochat_status {
  ANOCHAT_OK = 0,
  ANOCHAT_E_INVALID_LENGTH = -1,   /* a key, nonce, signature, header or output has the wrong size */
  ANOCHAT_E_TOO_LARGE = -2,        /* input above the limits in schemas/crypto-limits.json */
  ANOCHAT_E_EMPTY = -3,            /* input that must not be empty is empty */
  ANOCHAT_E_FAILED = -4,           /* authentication or verification failed */
  ANOCHAT_E_WEAK_KEY = -5,         /* a public key of small order: the shared secret would be all zero */
  ANOCHAT_E_INVALID_ARGUMENT = -6, /* out-of-range parameter (pwhash limits, hash output size, tag...) */
  ANOCHAT_E_INTERNAL = -7          /* libsodium failed to initialise or to allocate */
} anochat_status;

/* Sizes (bytes). */
#define ANOCHAT_BOX_PUBLICKEYBYTES 32
#define ANOCHAT_BOX_SECRETKEYBYTES 32
#define ANOCHAT_BOX_BEFORENMBYTES 32
#define ANOCHAT_BOX_NONCEBYTES 24
#define ANOCHAT_BOX_MACBYTES 16
#define ANOCHAT_SEALBYTES 48 /* ephemeral public key + MAC */
#define ANOCHAT_SECRETBOX_KEYBYTES 32
#define ANOCHAT_SECRETBOX_NONCEBYTES 24
#define ANOCHAT_SECRETBOX_MACBYTES 16
#define ANOCHAT_SCALARMULTBYTES 32
#define ANOCHAT_SIGN_PUBLICKEYBYTES 32
#define ANOCHAT_SIGN_SECRETKEYBYTES 64 /* seed followed by public key, as libsodium and tweetnacl */
#define ANOCHAT_SIGN_SEEDBYTES 32
#define ANOCHAT_SIGN_BYTES 64
#define ANOCHAT_SECRETSTREAM_KEYBYTES 32
#define ANOCHAT_SECRETSTREAM_HEADERBYTES 24
#define ANOCHAT_SECRETSTREAM_ABYTES 17
#define ANOCHAT_SECRETSTREAM_STATEBYTES 52
#define ANOCHAT_PWHASH_STRBYTES 128 /* output buffer for pwhash_str, NUL-terminated inside */
#define ANOCHAT_PWHASH_SALTBYTES 16
#define ANOCHAT_GENERICHASH_BYTES_MIN 16
#define ANOCHAT_GENERICHASH_BYTES_MAX 64
#define ANOCHAT_GENERICHASH_KEYBYTES_MIN 16
#define ANOCHAT_GENERICHASH_KEYBYTES_MAX 64

/* Secretstream tags, as libsodium's. */
#define ANOCHAT_SECRETSTREAM_TAG_MESSAGE 0
#define ANOCHAT_SECRETSTREAM_TAG_PUSH 1
#define ANOCHAT_SECRETSTREAM_TAG_REKEY 2
#define ANOCHAT_SECRETSTREAM_TAG_FINAL 3

/* Initialises libsodium; safe to call many times. Every other function calls it too. */
int anochat_init(void);
/* Static English text for the last failure on this thread ("" after success). */
const char *anochat_last_error(void);
const char *anochat_libsodium_version(void);

int anochat_random_bytes(uint8_t *out, size_t out_len); /* out_len <= maxRandomBytes */

/* X25519 */
int anochat_box_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len);
int anochat_box_seed_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len,
                             const uint8_t *seed, size_t seed_len); /* seed: 32 bytes */
int anochat_scalarmult_base(uint8_t *q, size_t q_len, const uint8_t *n, size_t n_len);
/* ANOCHAT_E_WEAK_KEY when the result would be all zero. */
int anochat_scalarmult(uint8_t *q, size_t q_len, const uint8_t *n, size_t n_len,
                       const uint8_t *p, size_t p_len);

/* crypto_box_easy: c_len == m_len + 16. ANOCHAT_E_WEAK_KEY for a small-order pk. */
int anochat_box(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *nonce,
                size_t nonce_len, const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len);
/* m_len == c_len - 16; c_len < 16 is ANOCHAT_E_FAILED (it cannot open), not a length error. */
int anochat_box_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len, const uint8_t *nonce,
                     size_t nonce_len, const uint8_t *pk, size_t pk_len, const uint8_t *sk,
                     size_t sk_len);
int anochat_box_beforenm(uint8_t *k, size_t k_len, const uint8_t *pk, size_t pk_len,
                         const uint8_t *sk, size_t sk_len);
int anochat_box_easy_afternm(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len,
                             const uint8_t *nonce, size_t nonce_len, const uint8_t *k, size_t k_len);
int anochat_box_open_easy_afternm(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                                  const uint8_t *nonce, size_t nonce_len, const uint8_t *k,
                                  size_t k_len);

/* crypto_box_seal: c_len == m_len + 48. */
int anochat_box_seal(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *pk,
                     size_t pk_len);
/* m_len == c_len - 48; c_len < 48 is ANOCHAT_E_FAILED. */
int anochat_box_seal_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                          const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len);

/* crypto_secretbox_easy (XSalsa20-Poly1305). */
int anochat_secretbox(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *nonce,
                      size_t nonce_len, const uint8_t *key, size_t key_len);
int anochat_secretbox_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                           const uint8_t *nonce, size_t nonce_len, const uint8_t *key,
                           size_t key_len);

/* Ed25519 */
int anochat_sign_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len);
int anochat_sign_seed_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len,
                              const uint8_t *seed, size_t seed_len);
int anochat_sign_detached(uint8_t *sig, size_t sig_len, const uint8_t *m, size_t m_len,
                          const uint8_t *sk, size_t sk_len);
/* ANOCHAT_OK if valid, ANOCHAT_E_FAILED otherwise, including for a signature or key of the wrong
 * length; ANOCHAT_E_TOO_LARGE only for an oversized message. */
int anochat_sign_verify_detached(const uint8_t *sig, size_t sig_len, const uint8_t *m, size_t m_len,
                                 const uint8_t *pk, size_t pk_len);
/*
 * Many verifications in one call. The n items are packed:
 *   pks:  n * 32 bytes, sigs: n * 64 bytes,
 *   msgs: the n messages concatenated, msg_lens: n uint32 lengths (sum == msgs_len).
 * results: n bytes, 1 valid / 0 invalid. Returns ANOCHAT_OK when the packing is consistent,
 * whatever the individual results. n <= maxVerifyBatchItems.
 */
int anochat_sign_verify_batch(uint8_t *results, size_t n, const uint8_t *pks, size_t pks_len,
                              const uint8_t *sigs, size_t sigs_len, const uint8_t *msgs,
                              size_t msgs_len, const uint32_t *msg_lens, size_t msg_lens_count);

/* Secretstream (XChaCha20-Poly1305). The state is an opaque 52-byte buffer owned by the caller. */
int anochat_secretstream_init_push(uint8_t *state, size_t state_len, uint8_t *header,
                                   size_t header_len, const uint8_t *key, size_t key_len);
/* c_len == m_len + 17. tag is one of ANOCHAT_SECRETSTREAM_TAG_*. */
int anochat_secretstream_push(uint8_t *state, size_t state_len, uint8_t *c, size_t c_len,
                              const uint8_t *m, size_t m_len, const uint8_t *ad, size_t ad_len,
                              uint8_t tag);
int anochat_secretstream_init_pull(uint8_t *state, size_t state_len, const uint8_t *header,
                                   size_t header_len, const uint8_t *key, size_t key_len);
/* m_len == c_len - 17; c_len < 17 is ANOCHAT_E_FAILED. *tag receives the chunk's tag. */
int anochat_secretstream_pull(uint8_t *state, size_t state_len, uint8_t *m, size_t m_len,
                              uint8_t *tag, const uint8_t *c, size_t c_len, const uint8_t *ad,
                              size_t ad_len);

/* Argon2id (limits are uint32 so the WebAssembly exports need no 64-bit legalisation). out_len == ANOCHAT_PWHASH_STRBYTES; the string is NUL-terminated inside it.
 * ops/mem limits within schemas/crypto-limits.json (pwhashMin/Max*), mem_limit a multiple of 1024
 * (ANOCHAT_E_INVALID_ARGUMENT otherwise; libsodium would round it down); password may be empty,
 * at most maxPasswordBytes. */
int anochat_pwhash_str(uint8_t *out, size_t out_len, const uint8_t *password, size_t password_len,
                       uint32_t ops_limit, uint32_t mem_limit);
/* hash: the string without its NUL (length <= 127). ANOCHAT_OK if it matches, ANOCHAT_E_FAILED if
 * not or if the hash string is malformed. */
int anochat_pwhash_str_verify(const uint8_t *hash, size_t hash_len, const uint8_t *password,
                              size_t password_len);
/* Argon2id key derivation (crypto_pwhash, ALG_ARGON2ID13): out_len 16..64, salt 16 bytes. */
int anochat_pwhash_derive(uint8_t *out, size_t out_len, const uint8_t *password, size_t password_len,
                          const uint8_t *salt, size_t salt_len, uint32_t ops_limit,
                          uint32_t mem_limit);

/* BLAKE2b: out_len 16..64; key empty or 16..64 bytes. */
int anochat_generichash(uint8_t *out, size_t out_len, const uint8_t *m, size_t m_len,
                        const uint8_t *key, size_t key_len);

#ifdef __cplusplus
}
#endif

#endif
