/* X25519 key pairs and raw scalar multiplication. */
#include <sodium.h>

#include "checks.h"

_Static_assert(ANOCHAT_BOX_PUBLICKEYBYTES == crypto_box_PUBLICKEYBYTES, "box public key size");
_Static_assert(ANOCHAT_BOX_SECRETKEYBYTES == crypto_box_SECRETKEYBYTES, "box secret key size");
_Static_assert(ANOCHAT_SCALARMULTBYTES == crypto_scalarmult_BYTES, "scalarmult size");
_Static_assert(ANOCHAT_SCALARMULTBYTES == crypto_scalarmult_SCALARBYTES, "scalar size");
/* nacl.h names no box seed size ("seed: 32 bytes"): it is the signing seed's. */
#define BOX_SEEDBYTES ANOCHAT_SIGN_SEEDBYTES
_Static_assert(BOX_SEEDBYTES == crypto_box_SEEDBYTES, "box seed size");

static int check_key_pair(const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len) {
  TRY(CHECK_FIXED(pk, pk_len, ANOCHAT_BOX_PUBLICKEYBYTES, "public key"));
  return CHECK_FIXED(sk, sk_len, ANOCHAT_BOX_SECRETKEYBYTES, "secret key");
}

static int box_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len) {
  TRY(anochat_internal_ready());
  TRY(check_key_pair(pk, pk_len, sk, sk_len));
  if (crypto_box_keypair(pk, sk) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "X25519 key generation failed");
  return anochat_internal_succeed();
}

int anochat_box_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len) {
  const int status = box_keypair(pk, pk_len, sk, sk_len);
  if (status != ANOCHAT_OK) {
    anochat_internal_wipe(pk, pk_len);
    anochat_internal_wipe(sk, sk_len);
  }
  return status;
}

static int box_seed_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len,
                            const uint8_t *seed, size_t seed_len) {
  TRY(anochat_internal_ready());
  TRY(check_key_pair(pk, pk_len, sk, sk_len));
  TRY(CHECK_FIXED(seed, seed_len, BOX_SEEDBYTES, "seed"));
  if (crypto_box_seed_keypair(pk, sk, seed) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "X25519 key derivation failed");
  return anochat_internal_succeed();
}

int anochat_box_seed_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len,
                             const uint8_t *seed, size_t seed_len) {
  const int status = box_seed_keypair(pk, pk_len, sk, sk_len, seed, seed_len);
  if (status != ANOCHAT_OK) {
    anochat_internal_wipe(pk, pk_len);
    anochat_internal_wipe(sk, sk_len);
  }
  return status;
}

static int scalarmult_base(uint8_t *q, size_t q_len, const uint8_t *n, size_t n_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_FIXED(q, q_len, ANOCHAT_SCALARMULTBYTES, "result"));
  TRY(CHECK_FIXED(n, n_len, ANOCHAT_SCALARMULTBYTES, "scalar"));
  if (crypto_scalarmult_base(q, n) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "X25519 base point multiplication failed");
  return anochat_internal_succeed();
}

int anochat_scalarmult_base(uint8_t *q, size_t q_len, const uint8_t *n, size_t n_len) {
  const int status = scalarmult_base(q, q_len, n, n_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(q, q_len);
  return status;
}

static int scalarmult(uint8_t *q, size_t q_len, const uint8_t *n, size_t n_len, const uint8_t *p,
                      size_t p_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_FIXED(q, q_len, ANOCHAT_SCALARMULTBYTES, "result"));
  TRY(CHECK_FIXED(n, n_len, ANOCHAT_SCALARMULTBYTES, "scalar"));
  TRY(CHECK_FIXED(p, p_len, ANOCHAT_SCALARMULTBYTES, "point"));
  /* libsodium refuses exactly one thing here: a result of all zeros. */
  if (crypto_scalarmult(q, n, p) != 0)
    return anochat_internal_fail(ANOCHAT_E_WEAK_KEY,
                                 "point has small order: the shared secret would be all zero");
  return anochat_internal_succeed();
}

int anochat_scalarmult(uint8_t *q, size_t q_len, const uint8_t *n, size_t n_len, const uint8_t *p,
                       size_t p_len) {
  const int status = scalarmult(q, q_len, n, n_len, p, p_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(q, q_len);
  return status;
}
