/*
 * Limits of schemas/crypto-limits.json, as compile definitions. CMake reads the JSON; any other
 * build (the WebAssembly one) must compile every .c file of core/ with the same flags:
 *
 *   -DANOCHAT_MAX_MESSAGE_BYTES=67108864      maxMessageBytes
 *   -DANOCHAT_MAX_VERIFY_BATCH_ITEMS=4096     maxVerifyBatchItems
 *   -DANOCHAT_MAX_PASSWORD_BYTES=4096         maxPasswordBytes
 *   -DANOCHAT_MAX_RANDOM_BYTES=1048576        maxRandomBytes
 *   -DANOCHAT_PWHASH_MIN_OPS_LIMIT=1          pwhashMinOpsLimit
 *   -DANOCHAT_PWHASH_MAX_OPS_LIMIT=16         pwhashMaxOpsLimit
 *   -DANOCHAT_PWHASH_MIN_MEM_LIMIT=8192       pwhashMinMemLimit
 *   -DANOCHAT_PWHASH_MAX_MEM_LIMIT=1073741824 pwhashMaxMemLimit
 *
 * Values must be plain decimal literals: they are also pasted into error messages.
 * There are no defaults on purpose: a build that forgets a flag must fail, not drift from the JSON.
 */
#ifndef ANOCHAT_CORE_LIMITS_H
#define ANOCHAT_CORE_LIMITS_H

#if !defined(ANOCHAT_MAX_MESSAGE_BYTES) || !defined(ANOCHAT_MAX_VERIFY_BATCH_ITEMS) || \
    !defined(ANOCHAT_MAX_PASSWORD_BYTES) || !defined(ANOCHAT_MAX_RANDOM_BYTES) ||      \
    !defined(ANOCHAT_PWHASH_MIN_OPS_LIMIT) || !defined(ANOCHAT_PWHASH_MAX_OPS_LIMIT) || \
    !defined(ANOCHAT_PWHASH_MIN_MEM_LIMIT) || !defined(ANOCHAT_PWHASH_MAX_MEM_LIMIT)
#error "core limits missing: pass the -D flags listed at the top of core/limits.h"
#endif

#endif
