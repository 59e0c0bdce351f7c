/* Many Ed25519 verifications in one call, over packed buffers (one crossing of the WASM boundary). */
#include <sodium.h>

#include "checks.h"

_Static_assert((unsigned long long)ANOCHAT_MAX_VERIFY_BATCH_ITEMS * ANOCHAT_SIGN_BYTES <= SIZE_MAX,
               "packed sizes of a full batch must not overflow size_t");

static int check_packing(size_t n, const uint8_t *pks, size_t pks_len, const uint8_t *sigs,
                         size_t sigs_len, const uint8_t *msgs, size_t msgs_len,
                         const uint32_t *msg_lens, size_t msg_lens_count) {
  if (n > ANOCHAT_MAX_VERIFY_BATCH_ITEMS)
    return anochat_internal_fail(
        ANOCHAT_E_TOO_LARGE,
        "batch has more than " ANOCHAT_STRINGIFY(ANOCHAT_MAX_VERIFY_BATCH_ITEMS) " items");
  TRY(CHECK_OUTPUT(pks, pks_len, n * ANOCHAT_SIGN_PUBLICKEYBYTES, "public keys",
                   "public keys must be n * 32 bytes"));
  TRY(CHECK_OUTPUT(sigs, sigs_len, n * ANOCHAT_SIGN_BYTES, "signatures",
                   "signatures must be n * 64 bytes"));
  TRY(CHECK_POINTER(msgs, msgs_len, "messages"));
  TRY(CHECK_OUTPUT(msg_lens, msg_lens_count, n, "message lengths",
                   "message lengths must hold n entries"));
  /* 64 bits cannot overflow: at most 4096 lengths below 2^32 each. */
  unsigned long long total = 0;
  for (size_t i = 0; i < n; i++) {
    if (msg_lens[i] > ANOCHAT_MAX_MESSAGE_BYTES)
      return anochat_internal_fail(
          ANOCHAT_E_TOO_LARGE,
          "a message of the batch is longer than " ANOCHAT_STRINGIFY(ANOCHAT_MAX_MESSAGE_BYTES) " bytes");
    total += msg_lens[i];
  }
  if (total != msgs_len)
    return anochat_internal_fail(ANOCHAT_E_INVALID_LENGTH,
                                 "message lengths do not add up to the messages' length");
  return ANOCHAT_OK;
}

static int verify_batch(uint8_t *results, size_t n, const uint8_t *pks, size_t pks_len,
                        const uint8_t *sigs, size_t sigs_len, const uint8_t *msgs, size_t msgs_len,
                        const uint32_t *msg_lens, size_t msg_lens_count) {
  TRY(anochat_internal_ready());
  TRY(CHECK_OUTPUT(results, n, n, "results", "results must be n bytes"));
  TRY(check_packing(n, pks, pks_len, sigs, sigs_len, msgs, msgs_len, msg_lens, msg_lens_count));
  size_t offset = 0;
  for (size_t i = 0; i < n; i++) {
    /* Offsetting a NULL pointer, even by 0, is undefined: empty messages get no pointer. */
    const uint8_t *message = msg_lens[i] == 0 ? NULL : msgs + offset;
    results[i] = crypto_sign_verify_detached(sigs + i * ANOCHAT_SIGN_BYTES, message, msg_lens[i],
                                             pks + i * ANOCHAT_SIGN_PUBLICKEYBYTES) == 0;
    offset += msg_lens[i];
  }
  return anochat_internal_succeed();
}

int anochat_sign_verify_batch(uint8_t *results, size_t n, const uint8_t *pks, size_t pks_len,
                              const uint8_t *sigs, size_t sigs_len, const uint8_t *msgs,
                              size_t msgs_len, const uint32_t *msg_lens, size_t msg_lens_count) {
  const int status = verify_batch(results, n, pks, pks_len, sigs, sigs_len, msgs, msgs_len,
                                  msg_lens, msg_lens_count);
  if (status != ANOCHAT_OK) anochat_internal_wipe(results, n);
  return status;
}
