/* Library state: libsodium initialisation, the thread-local last error, the version. */
#include <sodium.h>

#include "checks.h"

static _Thread_local const char *last_error = "";
static _Thread_local int sodium_ready_on_this_thread = 0;

int anochat_init(void) {
  if (sodium_init() < 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "libsodium failed to initialise");
  sodium_ready_on_this_thread = 1;
  return anochat_internal_succeed();
}

const char *anochat_last_error(void) { return last_error; }

const char *anochat_libsodium_version(void) { return sodium_version_string(); }

int anochat_internal_ready(void) {
  if (sodium_ready_on_this_thread) return ANOCHAT_OK;
  return anochat_init();
}

int anochat_internal_fail(int status, const char *why) {
  last_error = why;
  return status;
}

int anochat_internal_succeed(void) {
  last_error = "";
  return ANOCHAT_OK;
}

void anochat_internal_wipe(void *buffer, size_t len) {
  if (buffer != NULL) sodium_memzero(buffer, len);
}
