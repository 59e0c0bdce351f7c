/* Ed25519 key pairs, detached signatures and their verification. */
#include <sodium.h>

#include "checks.h"

_Static_assert(ANOCHAT_SIGN_PUBLICKEYBYTES == crypto_sign_PUBLICKEYBYTES, "sign public key size");
_Static_assert(ANOCHAT_SIGN_SECRETKEYBYTES == crypto_sign_SECRETKEYBYTES, "sign secret key size");
_Static_assert(ANOCHAT_SIGN_SEEDBYTES == crypto_sign_SEEDBYTES, "sign seed size");
_Static_assert(ANOCHAT_SIGN_BYTES == crypto_sign_BYTES, "signature size");

static int check_key_pair(const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len) {
  TRY(CHECK_FIXED(pk, pk_len, ANOCHAT_SIGN_PUBLICKEYBYTES, "public key"));
  return CHECK_FIXED(sk, sk_len, ANOCHAT_SIGN_SECRETKEYBYTES, "secret key");
}

static int sign_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len) {
  TRY(anochat_internal_ready());
  TRY(check_key_pair(pk, pk_len, sk, sk_len));
  if (crypto_sign_keypair(pk, sk) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "Ed25519 key generation failed");
  return anochat_internal_succeed();
}

int anochat_sign_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len) {
  const int status = sign_keypair(pk, pk_len, sk, sk_len);
  if (status != ANOCHAT_OK) {
    anochat_internal_wipe(pk, pk_len);
    anochat_internal_wipe(sk, sk_len);
  }
  return status;
}

static int sign_seed_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len,
                             const uint8_t *seed, size_t seed_len) {
  TRY(anochat_internal_ready());
  TRY(check_key_pair(pk, pk_len, sk, sk_len));
  TRY(CHECK_FIXED(seed, seed_len, ANOCHAT_SIGN_SEEDBYTES, "seed"));
  if (crypto_sign_seed_keypair(pk, sk, seed) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "Ed25519 key derivation failed");
  return anochat_internal_succeed();
}

int anochat_sign_seed_keypair(uint8_t *pk, size_t pk_len, uint8_t *sk, size_t sk_len,
                              const uint8_t *seed, size_t seed_len) {
  const int status = sign_seed_keypair(pk, pk_len, sk, sk_len, seed, seed_len);
  if (status != ANOCHAT_OK) {
    anochat_internal_wipe(pk, pk_len);
    anochat_internal_wipe(sk, sk_len);
  }
  return status;
}

static int sign_detached(uint8_t *sig, size_t sig_len, const uint8_t *m, size_t m_len,
                         const uint8_t *sk, size_t sk_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_FIXED(sig, sig_len, ANOCHAT_SIGN_BYTES, "signature"));
  TRY(CHECK_MESSAGE(m, m_len, "message"));
  TRY(CHECK_FIXED(sk, sk_len, ANOCHAT_SIGN_SECRETKEYBYTES, "secret key"));
  if (crypto_sign_detached(sig, NULL, m, m_len, sk) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "Ed25519 signing failed");
  return anochat_internal_succeed();
}

int anochat_sign_detached(uint8_t *sig, size_t sig_len, const uint8_t *m, size_t m_len,
                          const uint8_t *sk, size_t sk_len) {
  const int status = sign_detached(sig, sig_len, m, m_len, sk, sk_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(sig, sig_len);
  return status;
}

/*
 * A signature or key of the wrong size is untrusted data that does not verify, hence FAILED;
 * only a pointer that contradicts its length is the caller's bug.
 * libsodium also rejects S >= L, small-order R and non-canonical or small-order keys.
 */
int anochat_sign_verify_detached(const uint8_t *sig, size_t sig_len, const uint8_t *m, size_t m_len,
                                 const uint8_t *pk, size_t pk_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_POINTER(sig, sig_len, "signature"));
  TRY(CHECK_MESSAGE(m, m_len, "message"));
  TRY(CHECK_POINTER(pk, pk_len, "public key"));
  if (sig_len != ANOCHAT_SIGN_BYTES)
    return anochat_internal_fail(ANOCHAT_E_FAILED, "signature is not 64 bytes: it cannot verify");
  if (pk_len != ANOCHAT_SIGN_PUBLICKEYBYTES)
    return anochat_internal_fail(ANOCHAT_E_FAILED, "public key is not 32 bytes: it cannot verify");
  if (crypto_sign_verify_detached(sig, m, m_len, pk) != 0)
    return anochat_internal_fail(ANOCHAT_E_FAILED, "signature does not verify");
  return anochat_internal_succeed();
}
