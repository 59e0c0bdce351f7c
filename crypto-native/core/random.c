/* Random bytes from libsodium's CSPRNG. */
#include <sodium.h>

#include "checks.h"

static int random_bytes(uint8_t *out, size_t out_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_BOUNDED(out, out_len, ANOCHAT_MAX_RANDOM_BYTES, "output"));
  /* randombytes_buf declares its buffer nonnull, and NULL is allowed here for length 0. */
  if (out_len != 0) randombytes_buf(out, out_len);
  return anochat_internal_succeed();
}

int anochat_random_bytes(uint8_t *out, size_t out_len) {
  const int status = random_bytes(out, out_len);
  if (status != ANOCHAT_OK) anochat_internal_wipe(out, out_len);
  return status;
}
