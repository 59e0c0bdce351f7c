/*
 * WebAssembly entry points of the AnoChat crypto core (build/wasm/anochat-nacl.wasm).
 *
 * The module is standalone: no emscripten JS glue. js/wasm-loader/instantiate.ts supplies its one
 * import and calls anochat_wasm_init() before anything else.
 *
 * Randomness: the host fills buffers through env.anochat_fill_random(ptr, len), implemented with
 * crypto.getRandomValues() in browsers and in Node. scripts/build-wasm.sh compiles libsodium's
 * randombytes.c with anochat_wasm_randombytes_implementation as its default implementation (under
 * emscripten it would otherwise fetch each byte through EM_ASM glue), and anochat_wasm_init()
 * also registers it explicitly before libsodium is initialised.
 */
#include <stddef.h>
#include <stdint.h>

#include <sodium/randombytes.h>

#include "anochat/nacl.h"

/* Host import: fill [buf, buf + len) with cryptographically secure random bytes. It cannot fail:
 * the host throws (and the WebAssembly call unwinds) when it has no secure source. */
__attribute__((import_module("env"), import_name("anochat_fill_random"))) extern void
anochat_wasm_import_fill_random(uint8_t *buf, size_t len);

static const char *anochat_wasm_random_name(void) {
  return "anochat-wasm-getrandomvalues";
}

static uint32_t anochat_wasm_random_u32(void) {
  uint32_t value = 0;
  anochat_wasm_import_fill_random((uint8_t *)&value, sizeof value);
  return value;
}

static void anochat_wasm_random_buf(void *const buf, const size_t size) {
  if (size > 0) {
    anochat_wasm_import_fill_random((uint8_t *)buf, size);
  }
}

/* Not const: randombytes_set_implementation() takes a non-const pointer. Its name is referenced by
 * the libsodium build (see scripts/build-wasm.sh). uniform = NULL selects libsodium's unbiased
 * rejection sampling over random(); stir and close have nothing to do. */
randombytes_implementation anochat_wasm_randombytes_implementation = {
  anochat_wasm_random_name, /* implementation_name */
  anochat_wasm_random_u32,  /* random */
  NULL,                     /* stir */
  NULL,                     /* uniform */
  anochat_wasm_random_buf,  /* buf */
  NULL,                     /* close */
};

/* Called once by the loader after instantiation. Returns ANOCHAT_OK or a negative status. */
int anochat_wasm_init(void) {
  if (randombytes_set_implementation(&anochat_wasm_randombytes_implementation) != 0) {
    return ANOCHAT_E_INTERNAL;
  }
  return anochat_init();
}
