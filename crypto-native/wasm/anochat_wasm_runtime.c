/*
 * Host-free replacements for the few C runtime functions that would otherwise make the module
 * import WASI or emscripten functions (the loader provides only env.anochat_fill_random).
 *
 * They are linked as objects, before emscripten's libraries, so the linker takes these and never
 * pulls the library members that define them:
 * - libsodium's assert() calls __assert_fail, whose library version prints with fprintf to stderr
 *   (imports wasi fd_write, fd_seek, fd_close) before aborting;
 * - abort() (libsodium's sodium_misuse, emscripten's standalone runtime) and exit() end in _Exit,
 *   whose library version imports wasi proc_exit;
 * - growing the memory calls emscripten_notify_memory_growth, an import meant to let the host
 *   refresh its views. The loader needs no notification: it re-reads memory.buffer on every use.
 *
 * A failed assertion or an abort traps (WebAssembly `unreachable`): the call throws a
 * WebAssembly.RuntimeError in JavaScript and nothing runs past the failure.
 */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>

_Noreturn void __assert_fail(const char *expr, const char *file, int line, const char *func) {
  (void)expr;
  (void)file;
  (void)line;
  (void)func;
  __builtin_trap();
}

_Noreturn void _Exit(int status) {
  (void)status;
  __builtin_trap();
}

void emscripten_notify_memory_growth(size_t memory_index);

void emscripten_notify_memory_growth(size_t memory_index) {
  (void)memory_index;
}
