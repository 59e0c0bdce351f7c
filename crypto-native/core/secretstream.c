/*
 * Secretstream (XChaCha20-Poly1305): a sequence of authenticated chunks under one key.
 *
 * The caller owns the state as 52 opaque bytes. It is copied into a properly typed local around
 * each call (no type punning of the caller's buffer) and the local copy is wiped afterwards.
 * push and pull leave the state untouched when they fail, so a rejected chunk does not break the
 * stream; init_push and init_pull zero it, as they zero every output.
 */
#include <string.h>

#include <sodium.h>

#include "checks.h"

typedef crypto_secretstream_xchacha20poly1305_state stream_state;

_Static_assert(ANOCHAT_SECRETSTREAM_STATEBYTES == sizeof(stream_state), "secretstream state size");
_Static_assert(ANOCHAT_SECRETSTREAM_KEYBYTES == crypto_secretstream_xchacha20poly1305_KEYBYTES,
               "secretstream key size");
_Static_assert(ANOCHAT_SECRETSTREAM_HEADERBYTES == crypto_secretstream_xchacha20poly1305_HEADERBYTES,
               "secretstream header size");
_Static_assert(ANOCHAT_SECRETSTREAM_ABYTES == crypto_secretstream_xchacha20poly1305_ABYTES,
               "secretstream overhead");
_Static_assert(ANOCHAT_SECRETSTREAM_TAG_MESSAGE == crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
                   ANOCHAT_SECRETSTREAM_TAG_PUSH == crypto_secretstream_xchacha20poly1305_TAG_PUSH &&
                   ANOCHAT_SECRETSTREAM_TAG_REKEY == crypto_secretstream_xchacha20poly1305_TAG_REKEY &&
                   ANOCHAT_SECRETSTREAM_TAG_FINAL == crypto_secretstream_xchacha20poly1305_TAG_FINAL,
               "secretstream tags");

#define CHECK_STATE(state, state_len) \
  CHECK_FIXED(state, state_len, ANOCHAT_SECRETSTREAM_STATEBYTES, "state")

static int init_push(uint8_t *state, size_t state_len, uint8_t *header, size_t header_len,
                     const uint8_t *key, size_t key_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_STATE(state, state_len));
  TRY(CHECK_FIXED(header, header_len, ANOCHAT_SECRETSTREAM_HEADERBYTES, "header"));
  TRY(CHECK_FIXED(key, key_len, ANOCHAT_SECRETSTREAM_KEYBYTES, "key"));
  stream_state local;
  const int failed = crypto_secretstream_xchacha20poly1305_init_push(&local, header, key);
  memcpy(state, &local, sizeof local);
  sodium_memzero(&local, sizeof local);
  if (failed) return anochat_internal_fail(ANOCHAT_E_INTERNAL, "secretstream initialisation failed");
  return anochat_internal_succeed();
}

int anochat_secretstream_init_push(uint8_t *state, size_t state_len, uint8_t *header,
                                   size_t header_len, const uint8_t *key, size_t key_len) {
  const int status = init_push(state, state_len, header, header_len, key, key_len);
  if (status != ANOCHAT_OK) {
    anochat_internal_wipe(state, state_len);
    anochat_internal_wipe(header, header_len);
  }
  return status;
}

static int push(uint8_t *state, size_t state_len, uint8_t *c, size_t c_len, const uint8_t *m,
                size_t m_len, const uint8_t *ad, size_t ad_len, uint8_t tag) {
  TRY(anochat_internal_ready());
  TRY(CHECK_STATE(state, state_len));
  TRY(CHECK_MESSAGE(m, m_len, "message"));
  TRY(CHECK_OUTPUT(c, c_len, m_len + ANOCHAT_SECRETSTREAM_ABYTES, "ciphertext",
                   "ciphertext must be 17 bytes longer than the message"));
  TRY(CHECK_MESSAGE(ad, ad_len, "additional data"));
  if (tag > ANOCHAT_SECRETSTREAM_TAG_FINAL)
    return anochat_internal_fail(ANOCHAT_E_INVALID_ARGUMENT,
                                 "tag must be MESSAGE (0), PUSH (1), REKEY (2) or FINAL (3)");
  stream_state local;
  memcpy(&local, state, sizeof local);
  const int failed =
      crypto_secretstream_xchacha20poly1305_push(&local, c, NULL, m, m_len, ad, ad_len, tag);
  if (!failed) memcpy(state, &local, sizeof local);
  sodium_memzero(&local, sizeof local);
  if (failed) return anochat_internal_fail(ANOCHAT_E_INTERNAL, "secretstream encryption failed");
  return anochat_internal_succeed();
}

int anochat_secretstream_push(uint8_t *state, size_t state_len, uint8_t *c, size_t c_len,
                              const uint8_t *m, size_t m_len, const uint8_t *ad, size_t ad_len,
                              uint8_t tag) {
  const int status = push(state, state_len, c, c_len, m, m_len, ad, ad_len, tag);
  if (status != ANOCHAT_OK) anochat_internal_wipe(c, c_len);
  return status;
}

static int init_pull(uint8_t *state, size_t state_len, const uint8_t *header, size_t header_len,
                     const uint8_t *key, size_t key_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_STATE(state, state_len));
  TRY(CHECK_FIXED(header, header_len, ANOCHAT_SECRETSTREAM_HEADERBYTES, "header"));
  TRY(CHECK_FIXED(key, key_len, ANOCHAT_SECRETSTREAM_KEYBYTES, "key"));
  stream_state local;
  const int failed = crypto_secretstream_xchacha20poly1305_init_pull(&local, header, key);
  memcpy(state, &local, sizeof local);
  sodium_memzero(&local, sizeof local);
  if (failed) return anochat_internal_fail(ANOCHAT_E_INTERNAL, "secretstream initialisation failed");
  return anochat_internal_succeed();
}

int anochat_secretstream_init_pull(uint8_t *state, size_t state_len, const uint8_t *header,
                                   size_t header_len, const uint8_t *key, size_t key_len) {
  const int status = init_pull(state, state_len, header, header_len, key, key_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(state, state_len);
  return status;
}

static int pull(uint8_t *state, size_t state_len, uint8_t *m, size_t m_len, uint8_t *tag,
                const uint8_t *c, size_t c_len, const uint8_t *ad, size_t ad_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_STATE(state, state_len));
  TRY(CHECK_SEALED(c, c_len, ANOCHAT_SECRETSTREAM_ABYTES, "ciphertext"));
  TRY(CHECK_OUTPUT(m, m_len, c_len - ANOCHAT_SECRETSTREAM_ABYTES, "message",
                   "message must be 17 bytes shorter than the ciphertext"));
  if (tag == NULL) return anochat_internal_fail(ANOCHAT_E_INVALID_LENGTH, "tag output is NULL");
  TRY(CHECK_MESSAGE(ad, ad_len, "additional data"));
  stream_state local;
  memcpy(&local, state, sizeof local);
  const int failed =
      crypto_secretstream_xchacha20poly1305_pull(&local, m, NULL, tag, c, c_len, ad, ad_len);
  if (!failed) memcpy(state, &local, sizeof local);
  sodium_memzero(&local, sizeof local);
  if (failed)
    return anochat_internal_fail(ANOCHAT_E_FAILED,
                                 "chunk failed authentication (tampered, reordered, truncated or wrong key)");
  return anochat_internal_succeed();
}

int anochat_secretstream_pull(uint8_t *state, size_t state_len, uint8_t *m, size_t m_len,
                              uint8_t *tag, const uint8_t *c, size_t c_len, const uint8_t *ad,
                              size_t ad_len) {
  const int status = pull(state, state_len, m, m_len, tag, c, c_len, ad, ad_len);
  if (status != ANOCHAT_OK) {
    anochat_internal_wipe(m, m_len);
    anochat_internal_wipe(tag, 1);
  }
  return status;
}
