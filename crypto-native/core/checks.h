/*
 * Shared plumbing of the core: error reporting and the argument checks every function runs.
 *
 * Checks run in argument order, except that an output whose size derives from an input is
 * checked after that input. The first failing check decides the status and the message.
 * Each public function is a static one that runs its checks with TRY, wrapped by the exported
 * one, which zeroes the outputs when the result is not ANOCHAT_OK.
 */
#ifndef ANOCHAT_CORE_CHECKS_H
#define ANOCHAT_CORE_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "anochat/nacl.h"
#include "limits.h"

/* Makes sure libsodium is initialised (once per thread, to keep sodium_init's lock off hot paths). */
int anochat_internal_ready(void);
/* Records `why` (static text) as this thread's last error and returns `status`. */
int anochat_internal_fail(int status, const char *why);
/* Clears this thread's last error and returns ANOCHAT_OK. */
int anochat_internal_succeed(void);
/* Zeroes a caller buffer after a failure; a NULL buffer is left alone. */
void anochat_internal_wipe(void *buffer, size_t len);

#define ANOCHAT_STRINGIFY_(x) #x
#define ANOCHAT_STRINGIFY(x) ANOCHAT_STRINGIFY_(x)

/* Returns from the calling function when `check` is not ANOCHAT_OK. */
#define TRY(check)                                     \
  do {                                                 \
    const int try_status_ = (check);                   \
    if (try_status_ != ANOCHAT_OK) return try_status_; \
  } while (0)

static inline int anochat_internal_check_pointer(const void *p, size_t len, const char *null_why) {
  if (p == NULL && len != 0) return anochat_internal_fail(ANOCHAT_E_INVALID_LENGTH, null_why);
  return ANOCHAT_OK;
}

static inline int anochat_internal_check_fixed(const void *p, size_t len, size_t size,
                                               const char *null_why, const char *size_why) {
  if (p == NULL) return anochat_internal_fail(ANOCHAT_E_INVALID_LENGTH, null_why);
  if (len != size) return anochat_internal_fail(ANOCHAT_E_INVALID_LENGTH, size_why);
  return ANOCHAT_OK;
}

static inline int anochat_internal_check_bounded(const void *p, size_t len, size_t max,
                                                 const char *null_why, const char *too_large_why) {
  TRY(anochat_internal_check_pointer(p, len, null_why));
  if (len > max) return anochat_internal_fail(ANOCHAT_E_TOO_LARGE, too_large_why);
  return ANOCHAT_OK;
}

static inline int anochat_internal_check_output(const void *p, size_t len, size_t expected,
                                                const char *null_why, const char *size_why) {
  if (len != expected) return anochat_internal_fail(ANOCHAT_E_INVALID_LENGTH, size_why);
  return anochat_internal_check_pointer(p, len, null_why);
}

/* A ciphertext carries `overhead` bytes (MAC, ephemeral key); a shorter one cannot open. */
static inline int anochat_internal_check_sealed(const void *p, size_t len, size_t overhead,
                                                const char *null_why, const char *short_why,
                                                const char *too_large_why) {
  TRY(anochat_internal_check_pointer(p, len, null_why));
  if (len < overhead) return anochat_internal_fail(ANOCHAT_E_FAILED, short_why);
  if (len - overhead > ANOCHAT_MAX_MESSAGE_BYTES)
    return anochat_internal_fail(ANOCHAT_E_TOO_LARGE, too_large_why);
  return ANOCHAT_OK;
}

/*
 * The macros below build each message from the parameter name at compile time, so that
 * anochat_last_error() stays static text. Sizes passed to them must be ANOCHAT_* macros
 * (plain decimal literals), because they are quoted into the message.
 */

/* Only that the pointer agrees with the length (NULL only for length 0). */
#define CHECK_POINTER(p, len, name) \
  anochat_internal_check_pointer((p), (len), name " is NULL but its length is not 0")

/* A key, nonce, header or fixed-size output. */
#define CHECK_FIXED(p, len, size, name)                             \
  anochat_internal_check_fixed((p), (len), (size), name " is NULL", \
                               name " must be " ANOCHAT_STRINGIFY(size) " bytes")

/* A variable-length buffer of at most `max` bytes. */
#define CHECK_BOUNDED(p, len, max, name)                                                     \
  anochat_internal_check_bounded((p), (len), (max), name " is NULL but its length is not 0", \
                                 name " is longer than " ANOCHAT_STRINGIFY(max) " bytes")

#define CHECK_MESSAGE(p, len, name) CHECK_BOUNDED(p, len, ANOCHAT_MAX_MESSAGE_BYTES, name)

/* An output whose exact size follows from the inputs; `size_why` states the rule. */
#define CHECK_OUTPUT(p, len, expected, name, size_why)                                       \
  anochat_internal_check_output((p), (len), (expected), name " is NULL but its length is not 0", \
                                size_why)

/* A ciphertext to open, with `overhead` bytes of MAC (and ephemeral key). */
#define CHECK_SEALED(p, len, overhead, name)                                                     \
  anochat_internal_check_sealed((p), (len), (overhead), name " is NULL but its length is not 0", \
                                name " is shorter than its " ANOCHAT_STRINGIFY(overhead)        \
                                     "-byte overhead: it cannot open",                          \
                                name " is longer than " ANOCHAT_STRINGIFY(ANOCHAT_MAX_MESSAGE_BYTES) \
                                     " + " ANOCHAT_STRINGIFY(overhead) " bytes")

#endif
