/* crypto_secretbox (XSalsa20-Poly1305) with a shared secret key. */
#include <sodium.h>

#include "checks.h"

_Static_assert(ANOCHAT_SECRETBOX_KEYBYTES == crypto_secretbox_KEYBYTES, "secretbox key size");
_Static_assert(ANOCHAT_SECRETBOX_NONCEBYTES == crypto_secretbox_NONCEBYTES, "secretbox nonce size");
_Static_assert(ANOCHAT_SECRETBOX_MACBYTES == crypto_secretbox_MACBYTES, "secretbox MAC size");
_Static_assert(ANOCHAT_MAX_MESSAGE_BYTES <= crypto_secretbox_MESSAGEBYTES_MAX, "message limit");

static int secretbox(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *nonce,
                     size_t nonce_len, const uint8_t *key, size_t key_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_MESSAGE(m, m_len, "message"));
  TRY(CHECK_OUTPUT(c, c_len, m_len + ANOCHAT_SECRETBOX_MACBYTES, "ciphertext",
                   "ciphertext must be 16 bytes longer than the message"));
  TRY(CHECK_FIXED(nonce, nonce_len, ANOCHAT_SECRETBOX_NONCEBYTES, "nonce"));
  TRY(CHECK_FIXED(key, key_len, ANOCHAT_SECRETBOX_KEYBYTES, "key"));
  if (crypto_secretbox_easy(c, m, m_len, nonce, key) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "XSalsa20-Poly1305 encryption failed");
  return anochat_internal_succeed();
}

int anochat_secretbox(uint8_t *c, size_t c_len, const uint8_t *m, size_t m_len, const uint8_t *nonce,
                      size_t nonce_len, const uint8_t *key, size_t key_len) {
  const int status = secretbox(c, c_len, m, m_len, nonce, nonce_len, key, key_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(c, c_len);
  return status;
}

static int secretbox_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                          const uint8_t *nonce, size_t nonce_len, const uint8_t *key,
                          size_t key_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_SEALED(c, c_len, ANOCHAT_SECRETBOX_MACBYTES, "ciphertext"));
  TRY(CHECK_OUTPUT(m, m_len, c_len - ANOCHAT_SECRETBOX_MACBYTES, "message",
                   "message must be 16 bytes shorter than the ciphertext"));
  TRY(CHECK_FIXED(nonce, nonce_len, ANOCHAT_SECRETBOX_NONCEBYTES, "nonce"));
  TRY(CHECK_FIXED(key, key_len, ANOCHAT_SECRETBOX_KEYBYTES, "key"));
  if (crypto_secretbox_open_easy(m, c, c_len, nonce, key) != 0)
    return anochat_internal_fail(ANOCHAT_E_FAILED, "ciphertext failed authentication");
  return anochat_internal_succeed();
}

int anochat_secretbox_open(uint8_t *m, size_t m_len, const uint8_t *c, size_t c_len,
                           const uint8_t *nonce, size_t nonce_len, const uint8_t *key,
                           size_t key_len) {
  const int status = secretbox_open(m, m_len, c, c_len, nonce, nonce_len, key, key_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(m, m_len);
  return status;
}
