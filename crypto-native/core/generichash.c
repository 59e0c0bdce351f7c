/* BLAKE2b (crypto_generichash), optionally keyed. */
#include <sodium.h>

#include "checks.h"

_Static_assert(ANOCHAT_GENERICHASH_BYTES_MIN == crypto_generichash_BYTES_MIN &&
                   ANOCHAT_GENERICHASH_BYTES_MAX == crypto_generichash_BYTES_MAX,
               "generichash output sizes");
_Static_assert(ANOCHAT_GENERICHASH_KEYBYTES_MIN == crypto_generichash_KEYBYTES_MIN &&
                   ANOCHAT_GENERICHASH_KEYBYTES_MAX == crypto_generichash_KEYBYTES_MAX,
               "generichash key sizes");

static int generichash(uint8_t *out, size_t out_len, const uint8_t *m, size_t m_len,
                       const uint8_t *key, size_t key_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_POINTER(out, out_len, "output"));
  if (out_len < ANOCHAT_GENERICHASH_BYTES_MIN || out_len > ANOCHAT_GENERICHASH_BYTES_MAX)
    return anochat_internal_fail(ANOCHAT_E_INVALID_ARGUMENT, "hash output must be 16 to 64 bytes");
  TRY(CHECK_MESSAGE(m, m_len, "message"));
  TRY(CHECK_POINTER(key, key_len, "key"));
  if (key_len != 0 &&
      (key_len < ANOCHAT_GENERICHASH_KEYBYTES_MIN || key_len > ANOCHAT_GENERICHASH_KEYBYTES_MAX))
    return anochat_internal_fail(ANOCHAT_E_INVALID_LENGTH, "key must be empty or 16 to 64 bytes");
  if (crypto_generichash(out, out_len, m, m_len, key, key_len) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "BLAKE2b failed");
  return anochat_internal_succeed();
}

int anochat_generichash(uint8_t *out, size_t out_len, const uint8_t *m, size_t m_len,
                        const uint8_t *key, size_t key_len) {
  const int status = generichash(out, out_len, m, m_len, key, key_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(out, out_len);
  return status;
}
