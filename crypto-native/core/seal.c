/* Sealed boxes: anonymous sender, ephemeral X25519 key + XSalsa20-Poly1305. */
#include <sodium.h>

#include "checks.h"

_Static_assert(ANOCHAT_SEALBYTES == crypto_box_SEALBYTES, "seal overhead");

static int box_seal(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *pk,
                    size_t pk_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_MESSAGE(m, m_len, "message"));
  TRY(CHECK_OUTPUT(c, c_len, m_len + ANOCHAT_SEALBYTES, "ciphertext",
                   "ciphertext must be 48 bytes longer than the message"));
  TRY(CHECK_FIXED(pk, pk_len, ANOCHAT_BOX_PUBLICKEYBYTES, "public key"));
  /* With the sizes checked, the only refusal left is the all-zero shared secret. */
  if (crypto_box_seal(c, m, m_len, pk) != 0)
    return anochat_internal_fail(ANOCHAT_E_WEAK_KEY,
                                 "public key has small order: the shared secret would be all zero");
  return anochat_internal_succeed();
}

int anochat_box_seal(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *pk,
                     size_t pk_len) {
  const int status = box_seal(c, c_len, m, m_len, pk, pk_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(c, c_len);
  return status;
}

static int box_seal_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                         const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_SEALED(c, c_len, ANOCHAT_SEALBYTES, "ciphertext"));
  TRY(CHECK_OUTPUT(m, m_len, c_len - ANOCHAT_SEALBYTES, "message",
                   "message must be 48 bytes shorter than the ciphertext"));
  TRY(CHECK_FIXED(pk, pk_len, ANOCHAT_BOX_PUBLICKEYBYTES, "public key"));
  TRY(CHECK_FIXED(sk, sk_len, ANOCHAT_BOX_SECRETKEYBYTES, "secret key"));
  /* A small-order ephemeral key is the sender's doing, so it is a failed open like any forgery. */
  if (crypto_box_seal_open(m, c, c_len, pk, sk) != 0)
    return anochat_internal_fail(ANOCHAT_E_FAILED, "sealed box failed to open");
  return anochat_internal_succeed();
}

int anochat_box_seal_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                          const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len) {
  const int status = box_seal_open(m, m_len, c, c_len, pk, pk_len, sk, sk_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(m, m_len);
  return status;
}
