/* Argon2id: password hash strings (crypto_pwhash_str format) and key derivation. */
#include <string.h>

#include <sodium.h>

#include "checks.h"

_Static_assert(ANOCHAT_PWHASH_STRBYTES == crypto_pwhash_argon2id_STRBYTES, "pwhash string size");
_Static_assert(ANOCHAT_PWHASH_SALTBYTES == crypto_pwhash_argon2id_SALTBYTES, "pwhash salt size");
_Static_assert(ANOCHAT_PWHASH_MIN_OPS_LIMIT >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
                   ANOCHAT_PWHASH_MAX_OPS_LIMIT <= crypto_pwhash_argon2id_OPSLIMIT_MAX,
               "ops limits within libsodium's");
_Static_assert(ANOCHAT_PWHASH_MIN_MEM_LIMIT >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
                   ANOCHAT_PWHASH_MAX_MEM_LIMIT <= crypto_pwhash_argon2id_MEMLIMIT_MAX &&
                   ANOCHAT_PWHASH_MAX_MEM_LIMIT <= UINT32_MAX,
               "memory limits within libsodium's and uint32");

/* nacl.h: "out_len 16..64". */
#define DERIVED_KEY_BYTES_MIN 16
#define DERIVED_KEY_BYTES_MAX 64
_Static_assert(DERIVED_KEY_BYTES_MIN >= crypto_pwhash_argon2id_BYTES_MIN, "derived key size");

#define PWHASH_STR_MAX_LEN (ANOCHAT_PWHASH_STRBYTES - 1)
#define PWHASH_MEM_LIMIT_UNIT 1024u
#define MALFORMED_HASH "hash string is malformed"

static int check_limits(uint32_t ops_limit, uint32_t mem_limit) {
  if (ops_limit < ANOCHAT_PWHASH_MIN_OPS_LIMIT || ops_limit > ANOCHAT_PWHASH_MAX_OPS_LIMIT)
    return anochat_internal_fail(ANOCHAT_E_INVALID_ARGUMENT,
                                 "ops limit must be between " ANOCHAT_STRINGIFY(ANOCHAT_PWHASH_MIN_OPS_LIMIT)
                                 " and " ANOCHAT_STRINGIFY(ANOCHAT_PWHASH_MAX_OPS_LIMIT));
  if (mem_limit < ANOCHAT_PWHASH_MIN_MEM_LIMIT || mem_limit > ANOCHAT_PWHASH_MAX_MEM_LIMIT)
    return anochat_internal_fail(ANOCHAT_E_INVALID_ARGUMENT,
                                 "memory limit must be between "
                                 ANOCHAT_STRINGIFY(ANOCHAT_PWHASH_MIN_MEM_LIMIT) " and "
                                 ANOCHAT_STRINGIFY(ANOCHAT_PWHASH_MAX_MEM_LIMIT) " bytes");
  /* Argon2id counts memory in 1 KiB blocks and libsodium drops a remainder silently; a caller
   * asking for 9,215 bytes would get the cost of 8,192. Refused, as in every provider. */
  if (mem_limit % PWHASH_MEM_LIMIT_UNIT != 0)
    return anochat_internal_fail(ANOCHAT_E_INVALID_ARGUMENT,
                                 "memory limit must be a multiple of 1024 bytes");
  return ANOCHAT_OK;
}

#define CHECK_PASSWORD(p, len) CHECK_BOUNDED(p, len, ANOCHAT_MAX_PASSWORD_BYTES, "password")

/* libsodium declares the password nonnull even when empty; NULL is allowed here for length 0. */
static const char *password_text(const uint8_t *password) {
  return password != NULL ? (const char *)password : "";
}

static int pwhash_str(uint8_t *out, size_t out_len, const uint8_t *password, size_t password_len,
                      uint32_t ops_limit, uint32_t mem_limit) {
  TRY(anochat_internal_ready());
  TRY(CHECK_FIXED(out, out_len, ANOCHAT_PWHASH_STRBYTES, "hash output"));
  TRY(CHECK_PASSWORD(password, password_len));
  TRY(check_limits(ops_limit, mem_limit));
  if (crypto_pwhash_argon2id_str((char *)out, password_text(password), password_len, ops_limit,
                                 mem_limit) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "Argon2id could not allocate its memory");
  return anochat_internal_succeed();
}

int anochat_pwhash_str(uint8_t *out, size_t out_len, const uint8_t *password, size_t password_len,
                       uint32_t ops_limit, uint32_t mem_limit) {
  const int status = pwhash_str(out, out_len, password, password_len, ops_limit, mem_limit);
  if (status != ANOCHAT_OK) anochat_internal_wipe(out, out_len);
  return status;
}

/* Consumes `literal` at *cursor; false when the text does not continue with it. */
static int skip_literal(const char **cursor, const char *end, const char *literal) {
  const size_t len = strlen(literal);
  if ((size_t)(end - *cursor) < len || memcmp(*cursor, literal, len) != 0) return 0;
  *cursor += len;
  return 1;
}

/* Consumes a decimal number at *cursor; false when there is none or it exceeds UINT32_MAX. */
static int read_uint32(const char **cursor, const char *end, uint32_t *value) {
  unsigned long long parsed = 0;
  const char *start = *cursor;
  while (*cursor < end && **cursor >= '0' && **cursor <= '9') {
    parsed = parsed * 10 + (unsigned long long)(**cursor - '0');
    if (parsed > UINT32_MAX) return 0;
    (*cursor)++;
  }
  *value = (uint32_t)parsed;
  return *cursor != start;
}

/*
 * The hash string states its own costs ("$argon2id$v=19$m=<KiB>,t=<passes>,p=..."). Bounding them
 * keeps a forged string from making verification allocate gigabytes or run for hours.
 */
static int check_stated_costs(const char *hash, size_t hash_len) {
  const char *cursor = hash;
  const char *end = hash + hash_len;
  uint32_t mem_kib = 0;
  uint32_t passes = 0;
  if (!skip_literal(&cursor, end, "$argon2id$v=19$m=") || !read_uint32(&cursor, end, &mem_kib) ||
      !skip_literal(&cursor, end, ",t=") || !read_uint32(&cursor, end, &passes) ||
      !skip_literal(&cursor, end, ",p="))
    return anochat_internal_fail(ANOCHAT_E_FAILED,
                                 MALFORMED_HASH " (expected $argon2id$v=19$m=...,t=...,p=...)");
  const unsigned long long mem_bytes = (unsigned long long)mem_kib * 1024u;
  if (passes < ANOCHAT_PWHASH_MIN_OPS_LIMIT || passes > ANOCHAT_PWHASH_MAX_OPS_LIMIT ||
      mem_bytes < ANOCHAT_PWHASH_MIN_MEM_LIMIT || mem_bytes > ANOCHAT_PWHASH_MAX_MEM_LIMIT)
    return anochat_internal_fail(ANOCHAT_E_FAILED, "hash string states costs outside the pwhash limits");
  return ANOCHAT_OK;
}

int anochat_pwhash_str_verify(const uint8_t *hash, size_t hash_len, const uint8_t *password,
                              size_t password_len) {
  TRY(anochat_internal_ready());
  TRY(CHECK_POINTER(hash, hash_len, "hash"));
  TRY(CHECK_PASSWORD(password, password_len));
  if (hash_len == 0 || hash_len > PWHASH_STR_MAX_LEN)
    return anochat_internal_fail(ANOCHAT_E_FAILED, MALFORMED_HASH " (its length must be 1 to 127)");
  if (memchr(hash, '\0', hash_len) != NULL)
    return anochat_internal_fail(ANOCHAT_E_FAILED, MALFORMED_HASH " (it contains a NUL byte)");
  char terminated[ANOCHAT_PWHASH_STRBYTES] = {0};
  memcpy(terminated, hash, hash_len);
  TRY(check_stated_costs(terminated, hash_len));
  if (crypto_pwhash_argon2id_str_verify(terminated, password_text(password), password_len) != 0)
    return anochat_internal_fail(ANOCHAT_E_FAILED, "password does not match the hash");
  return anochat_internal_succeed();
}

static int pwhash_derive(uint8_t *out, size_t out_len, const uint8_t *password, size_t password_len,
                         const uint8_t *salt, size_t salt_len, uint32_t ops_limit,
                         uint32_t mem_limit) {
  TRY(anochat_internal_ready());
  TRY(CHECK_POINTER(out, out_len, "output"));
  if (out_len < DERIVED_KEY_BYTES_MIN || out_len > DERIVED_KEY_BYTES_MAX)
    return anochat_internal_fail(ANOCHAT_E_INVALID_ARGUMENT, "derived key must be 16 to 64 bytes");
  TRY(CHECK_PASSWORD(password, password_len));
  TRY(CHECK_FIXED(salt, salt_len, ANOCHAT_PWHASH_SALTBYTES, "salt"));
  TRY(check_limits(ops_limit, mem_limit));
  if (crypto_pwhash(out, out_len, password_text(password), password_len, salt, ops_limit, mem_limit,
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    return anochat_internal_fail(ANOCHAT_E_INTERNAL, "Argon2id could not allocate its memory");
  return anochat_internal_succeed();
}

int anochat_pwhash_derive(uint8_t *out, size_t out_len, const uint8_t *password, size_t password_len,
                          const uint8_t *salt, size_t salt_len, uint32_t ops_limit,
                          uint32_t mem_limit) {
  const int status =
      pwhash_derive(out, out_len, password, password_len, salt, salt_len, ops_limit, mem_limit);
  if (status != ANOCHAT_OK) anochat_internal_wipe(out, out_len);
  return status;
}
