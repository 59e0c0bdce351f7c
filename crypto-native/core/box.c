/* crypto_box (X25519 + XSalsa20-Poly1305), directly and with a precomputed shared key. */
#include <sodium.h>

#include "checks.h"

_Static_assert(ANOCHAT_BOX_BEFORENMBYTES == crypto_box_BEFORENMBYTES, "shared key size");
_Static_assert(ANOCHAT_BOX_NONCEBYTES == crypto_box_NONCEBYTES, "box nonce size");
_Static_assert(ANOCHAT_BOX_MACBYTES == crypto_box_MACBYTES, "box MAC size");
_Static_assert(ANOCHAT_MAX_MESSAGE_BYTES <= crypto_box_MESSAGEBYTES_MAX, "message limit");

#define CIPHERTEXT_SIZE_RULE "ciphertext must be 16 bytes longer than the message"
#define MESSAGE_SIZE_RULE "message must be 16 bytes shorter than the ciphertext"
#define SMALL_ORDER_KEY "public key has small order: the shared secret would be all zero"

static int check_peer_keys(const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len) {
  TRY(CHECK_FIXED(pk, pk_len, ANOCHAT_BOX_PUBLICKEYBYTES, "public key"));
  return CHECK_FIXED(sk, sk_len, ANOCHAT_BOX_SECRETKEYBYTES, "secret key");
}

/* Deriving the shared key separately tells a weak key apart from a failed authentication. */
static int derive_shared_key(uint8_t k[ANOCHAT_BOX_BEFORENMBYTES], const uint8_t *pk,
                             const uint8_t *sk) {
  if (crypto_box_beforenm(k, pk, sk) != 0)
    return anochat_internal_fail(ANOCHAT_E_WEAK_KEY, SMALL_ORDER_KEY);
  return ANOCHAT_OK;
}

static int seal_with_shared_key(uint8_t *c, const uint8_t *m, size_t m_len, const uint8_t *nonce,
                                const uint8_t *k) {
  if (crypto_box_easy_afternm(c, m, m_len, nonce, k) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "XSalsa20-Poly1305 encryption failed");
  return anochat_internal_succeed();
}

static int open_with_shared_key(uint8_t *m, const uint8_t *c, size_t c_len, const uint8_t *nonce,
                                const uint8_t *k) {
  if (crypto_box_open_easy_afternm(m, c, c_len, nonce, k) != 0)
    return anochat_internal_fail(ANOCHAT_E_FAILED, "ciphertext failed authentication");
  return anochat_internal_succeed();
}

static int box(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *nonce,
               size_t nonce_len, const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_MESSAGE(m, m_len, "message"));
  TRY(CHECK_OUTPUT(c, c_len, m_len + ANOCHAT_BOX_MACBYTES, "ciphertext", CIPHERTEXT_SIZE_RULE));
  TRY(CHECK_FIXED(nonce, nonce_len, ANOCHAT_BOX_NONCEBYTES, "nonce"));
  TRY(check_peer_keys(pk, pk_len, sk, sk_len));
  uint8_t k[ANOCHAT_BOX_BEFORENMBYTES];
  int status = derive_shared_key(k, pk, sk);
  if (status == ANOCHAT_OK) status = seal_with_shared_key(c, m, m_len, nonce, k);
  sodium_memzero(k, sizeof k);
  return status;
}

int anochat_box(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *nonce,
                size_t nonce_len, const uint8_t *pk, size_t pk_len, const uint8_t *sk, size_t sk_len) {
  const int status = box(c, c_len, m, m_len, nonce, nonce_len, pk, pk_len, sk, sk_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(c, c_len);
  return status;
}

static int box_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len, const uint8_t *nonce,
                    size_t nonce_len, const uint8_t *pk, size_t pk_len, const uint8_t *sk,
                    size_t sk_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_SEALED(c, c_len, ANOCHAT_BOX_MACBYTES, "ciphertext"));
  TRY(CHECK_OUTPUT(m, m_len, c_len - ANOCHAT_BOX_MACBYTES, "message", MESSAGE_SIZE_RULE));
  TRY(CHECK_FIXED(nonce, nonce_len, ANOCHAT_BOX_NONCEBYTES, "nonce"));
  TRY(check_peer_keys(pk, pk_len, sk, sk_len));
  uint8_t k[ANOCHAT_BOX_BEFORENMBYTES];
  int status = derive_shared_key(k, pk, sk);
  if (status == ANOCHAT_OK) status = open_with_shared_key(m, c, c_len, nonce, k);
  sodium_memzero(k, sizeof k);
  return status;
}

int anochat_box_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len, const uint8_t *nonce,
                     size_t nonce_len, const uint8_t *pk, size_t pk_len, const uint8_t *sk,
                     size_t sk_len) {
  const int status = box_open(m, m_len, c, c_len, nonce, nonce_len, pk, pk_len, sk, sk_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(m, m_len);
  return status;
}

static int box_beforenm(uint8_t *k, size_t k_len, const uint8_t *pk, size_t pk_len,
                        const uint8_t *sk, size_t sk_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_FIXED(k, k_len, ANOCHAT_BOX_BEFORENMBYTES, "shared key"));
  TRY(check_peer_keys(pk, pk_len, sk, sk_len));
  TRY(derive_shared_key(k, pk, sk));
  return anochat_internal_succeed();
}

int anochat_box_beforenm(uint8_t *k, size_t k_len, const uint8_t *pk, size_t pk_len,
                         const uint8_t *sk, size_t sk_len) {
  const int status = box_beforenm(k, k_len, pk, pk_len, sk, sk_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(k, k_len);
  return status;
}

static int box_easy_afternm(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len,
                            const uint8_t *nonce, size_t nonce_len, const uint8_t *k, size_t k_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_MESSAGE(m, m_len, "message"));
  TRY(CHECK_OUTPUT(c, c_len, m_len + ANOCHAT_BOX_MACBYTES, "ciphertext", CIPHERTEXT_SIZE_RULE));
  TRY(CHECK_FIXED(nonce, nonce_len, ANOCHAT_BOX_NONCEBYTES, "nonce"));
  TRY(CHECK_FIXED(k, k_len, ANOCHAT_BOX_BEFORENMBYTES, "shared key"));
  return seal_with_shared_key(c, m, m_len, nonce, k);
}

int anochat_box_easy_afternm(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len,
                             const uint8_t *nonce, size_t nonce_len, const uint8_t *k, size_t k_len) {
  const int status = box_easy_afternm(c, c_len, m, m_len, nonce, nonce_len, k, k_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(c, c_len);
  return status;
}

static int box_open_easy_afternm(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                                 const uint8_t *nonce, size_t nonce_len, const uint8_t *k,
                                 size_t k_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_SEALED(c, c_len, ANOCHAT_BOX_MACBYTES, "ciphertext"));
  TRY(CHECK_OUTPUT(m, m_len, c_len - ANOCHAT_BOX_MACBYTES, "message", MESSAGE_SIZE_RULE));
  TRY(CHECK_FIXED(nonce, nonce_len, ANOCHAT_BOX_NONCEBYTES, "nonce"));
  TRY(CHECK_FIXED(k, k_len, ANOCHAT_BOX_BEFORENMBYTES, "shared key"));
  return open_with_shared_key(m, c, c_len, nonce, k);
}

int anochat_box_open_easy_afternm(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                                  const uint8_t *nonce, size_t nonce_len, const uint8_t *k,
                                  size_t k_len) {
  const int status = box_open_easy_afternm(m, m_len, c, c_len, nonce, nonce_len, k, k_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(m, m_len);
  return status;
}
