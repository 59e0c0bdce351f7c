#!/usr/bin/env bash
# Builds crypto-native/build/wasm/anochat-nacl.wasm: the C core (core/*.c, core/*.cpp) and the
# WebAssembly entry points (wasm/*.c) linked against libsodium compiled with emscripten.
#
# The result is a standalone module with no emscripten JS glue: js/wasm-loader/instantiate.ts
# instantiates it with WebAssembly.instantiate() in Node and in browsers alike.
#
# Steps:
#   1. libsodium: Debian bookworm's source package, fetched with `apt-get source` through a private
#      apt configuration in a temporary directory (the system's apt lists are never touched), built
#      with emscripten into ${XDG_CACHE_HOME:-$HOME/.cache}/anochat/libsodium-wasm-<debian version>-<fp>,
#      where <fp> fingerprints everything that shapes the build (flags, patch; see "libsodium build
#      settings" below), so that changing them rebuilds instead of reusing a stale cache.
#      Skipped entirely when that prefix already has lib/libsodium.a.
#   2. The .wasm, skipped when it is newer than every input (sources, headers, limits, this script).
#
# Environment:
#   ANOCHAT_LIBSODIUM_DEB_VERSION  Debian version of the libsodium source package (default below).
#   ANOCHAT_WASM_FORCE=1           rebuild the .wasm even when it is up to date.
#   ANOCHAT_KEEP_WORK=1            keep libsodium's temporary source/build directory (debugging).
#
# Needs: emscripten autoconf automake libtool dpkg-dev (apt), node.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
PKG_DIR=$(cd -- "$SCRIPT_DIR/.." && pwd)
REPO_DIR=$(cd -- "$PKG_DIR/.." && pwd)
SCRIPT_PATH="$SCRIPT_DIR/$(basename -- "${BASH_SOURCE[0]}")"

LIMITS_JSON="$REPO_DIR/schemas/crypto-limits.json"
NACL_H="$PKG_DIR/include/anochat/nacl.h"
CORE_DIR="$PKG_DIR/core"
WASM_SRC_DIR="$PKG_DIR/wasm"
LOADER_TS="$PKG_DIR/js/wasm-loader/instantiate.ts"
OUT_DIR="$PKG_DIR/build/wasm"
OUT_WASM="$OUT_DIR/anochat-nacl.wasm"
# Records which libsodium the .wasm was linked with (the version can change without any mtime).
STAMP="$OUT_DIR/.anochat-nacl.libsodium"

# bookworm's libsodium (1.0.18 with Debian's security patches).
LIBSODIUM_DEB_VERSION="${ANOCHAT_LIBSODIUM_DEB_VERSION:-1.0.18-1+deb12u1}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/anochat"

# --- libsodium build settings -------------------------------------------------------------------
# Speed. libsodium's portable C is scalar; native x86_64 builds pick its SSE2/SSSE3/SSE4.1/AVX2
# code at run time, which is why plain -O3 wasm ran at ~0.4x native (secretbox 1 KiB). So:
# - -msimd128 plus -msse..-msse4.1: emscripten's <emmintrin.h>/<tmmintrin.h>/<smmintrin.h> map the
#   SSE intrinsics onto WebAssembly SIMD, and the HAVE_*INTRIN_H defines (which configure never
#   probes under emscripten) compile libsodium's SSE implementations: salsa20 xmm6int-sse2
#   (secretbox, box), chacha20 dolbeau-ssse3 (secretstream), blake2b sse41 (generichash) and
#   argon2 ssse3 (pwhash). The module then needs WebAssembly SIMD (Node >= 16.4, Chrome/Edge
#   >= 91, Firefox >= 89, Safari >= 16.4).
# - libsodium still picks those at run time from CPUID, which wasm has not (all features read as
#   absent): SODIUM_RUNTIME_PATCH makes sodium/runtime.c report them for a SIMD build, where they
#   are present by construction (an engine without SIMD refuses the whole module).
# - -fno-slp-vectorize: LLVM's SLP vectorizer turns scalar round functions (hsalsa20, poly1305
#   donna32) into lane shuffles slower than the scalar code (secretbox -15%); it helps the curve
#   field arithmetic and SHA-512 (sign/verify +25%), so SODIUM_SLP_OBJECTS keep it.
# - Deliberately absent: 128-bit arithmetic (HAVE_TI_MODE; configure refuses it under emscripten
#   and forcing it makes wasm32 call __multi3: sign -45%, verify -55%), -flto and -mbulk-memory
#   (no measurable gain).
SODIUM_CFLAGS="-O3 -msimd128 -msse -msse2 -mssse3 -msse4.1 -DHAVE_EMMINTRIN_H=1 -DHAVE_TMMINTRIN_H=1 -DHAVE_SMMINTRIN_H=1 -fno-slp-vectorize"
# Objects (relative to src/libsodium) compiled with the SLP vectorizer back on.
SODIUM_SLP_OBJECTS=(
  crypto_core/ed25519/ref10/libsodium_la-ed25519_ref10.lo
  crypto_scalarmult/curve25519/ref10/libsodium_la-x25519_ref10.lo
  crypto_hash/sha512/cp/libsodium_la-hash_sha512_cp.lo
)
# Inserted into _sodium_runtime_get_cpu_features() (src/libsodium/sodium/runtime.c) after the line
# SODIUM_RUNTIME_ANCHOR.
SODIUM_RUNTIME_ANCHOR='    ret &= _sodium_runtime_intel_cpu_features(&_cpu_features);'
SODIUM_RUNTIME_PATCH='#ifdef __wasm_simd128__
    /* AnoChat (crypto-native/scripts/build-wasm.sh): no CPUID in WebAssembly; a SIMD build has
     * the SSE2/SSSE3/SSE4.1 intrinsics through emscripten'"'"'s WebAssembly SIMD headers. */
    _cpu_features.has_sse2  = 1;
    _cpu_features.has_ssse3 = 1;
    _cpu_features.has_sse41 = 1;
    ret = 0;
#endif'
# ChaCha20 counter patch (crypto_stream/chacha20/dolbeau/u4.h, the 4-block SSSE3 loop that
# secretstream uses for every chunk of 256 bytes or more).
# LLVM 14's WebAssembly backend (Debian's emscripten 3.1.6) at -O1 and above folds a scalar load
# that feeds a splat into v128.load64_splat without ordering it before a later store to the same
# address: the store can be scheduled first. Twelve lines show it:
#     uint64_t in = x[6]; v128_t s = wasm_i64x2_splat(in); x[6] = in + 4; out[i] = s;
# reads in + 4 from the second iteration on (the first too, once unrolled). u4.h reads the block
# counter x[12..13], splats it and stores counter + 4 back in the same loop body, so each 4-block
# batch started 4 blocks late: secretstream chunks from counter 6 instead of 2, and the tail of a
# chunk reused the keystream of its start. The patch keeps the counter in a local variable across
# iterations (read once before the loop, stored after each batch as before): the same arithmetic,
# no load left to fold, full speed (measured equal to the -O3 build; -O0 for the object ran at
# 1/25 of it, the portable ref implementation at 1/3). The other SIMD objects (salsa20 xmm6int,
# blake2b sse41, argon2 ssse3) never splat a value they store back; the tests compare every
# exported primitive with independent implementations at every length to 4 KiB and beyond.
SODIUM_CHACHA20_U4=crypto_stream/chacha20/dolbeau/u4.h
SODIUM_CHACHA20_U4_REPLACEMENTS=(
  # [0] -> [1]: declare the counter before the loop, initialised from the state.
  $'    uint32_t in12, in13;\n    int      i;\n'
  $'    uint64_t in1213 = ((uint64_t) x[12]) | (((uint64_t) x[13]) << 32);\n    int      i;\n'
  # [2] -> [3]: no per-iteration declaration...
  $'        __m128i       t12, t13;\n        uint64_t      in1213;\n'
  $'        __m128i       t12, t13;\n'
  # [4] -> [5]: ...and no per-iteration reload from x[12..13].
  $'        in12   = x[12];\n        in13   = x[13];\n        in1213 = ((uint64_t) in12) | (((uint64_t) in13) << 32);\n'
  ''
)
SODIUM_FINGERPRINT=$(printf '%s\n' "$SODIUM_CFLAGS" "${SODIUM_SLP_OBJECTS[@]}" "$SODIUM_RUNTIME_ANCHOR" \
  "$SODIUM_RUNTIME_PATCH" "$SODIUM_CHACHA20_U4" "${SODIUM_CHACHA20_U4_REPLACEMENTS[@]}" |
  sha256sum | cut -c1-12)
SODIUM_PREFIX="$CACHE_ROOT/libsodium-wasm-$LIBSODIUM_DEB_VERSION-$SODIUM_FINGERPRINT"
SODIUM_LIB="$SODIUM_PREFIX/lib/libsodium.a"

log() { printf '[build-wasm] %s\n' "$*" >&2; }
die() { printf '[build-wasm] error: %s\n' "$*" >&2; exit 1; }

# Debian's emscripten 3.1.6 needs its node modules on NODE_PATH (acorn...), and under Node 20 its
# generated JS (run by configure checks) must not see fetch(). Its cache is frozen and prebuilt:
# never set EM_CACHE and never use ports (-sUSE_*).
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
export NODE_OPTIONS="--no-experimental-fetch${NODE_OPTIONS:+ $NODE_OPTIONS}"
unset EM_CACHE

for tool in emcc emconfigure emmake emar emnm node; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install emscripten nodejs)"
done

JOBS=$(nproc 2>/dev/null || echo 2)

# ---------------------------------------------------------------------------------------------
# 1. libsodium for wasm32-emscripten
# ---------------------------------------------------------------------------------------------
build_libsodium() {
  for tool in apt-get dpkg-source autoreconf libtoolize; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "$tool not found (apt-get install autoconf automake libtool dpkg-dev)"
  done

  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/anochat-libsodium.XXXXXX")
  if [[ "${ANOCHAT_KEEP_WORK:-0}" == 1 ]]; then
    log "keeping the work directory $work (ANOCHAT_KEEP_WORK=1)"
  else
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT
  fi
  # apt drops privileges to _apt for downloads when run as root: let it reach the directory.
  chmod 755 "$work"

  log "fetching Debian source package libsodium=$LIBSODIUM_DEB_VERSION (private apt config in $work)"
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/deb"
  chmod -R a+rX "$work"
  # As root, apt downloads as the unprivileged _apt user: let it write the source package.
  if ((EUID == 0)) && id _apt >/dev/null 2>&1; then chown _apt "$work/deb"; fi
  cat >"$work/apt/sources.list" <<'EOF'
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
  local -a apt_opts=(
    -o "Dir::Etc::SourceList=$work/apt/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/apt/lists"
    -o "Dir::Cache=$work/apt/cache"
    -o "APT::Get::List-Cleanup=0"
  )
  apt-get "${apt_opts[@]}" -qq update >&2 ||
    die "apt-get update with the private source list failed"
  if ! (cd "$work/deb" && apt-get "${apt_opts[@]}" -qq source --download-only \
    "libsodium=$LIBSODIUM_DEB_VERSION" >&2); then
    local available
    available=$(apt-cache "${apt_opts[@]}" showsrc libsodium 2>/dev/null |
      sed -n 's/^Version: //p' | sort -u | tr '\n' ' ')
    die "libsodium=$LIBSODIUM_DEB_VERSION is not available from bookworm (available: ${available:-none}); set ANOCHAT_LIBSODIUM_DEB_VERSION or update the default in $SCRIPT_PATH"
  fi
  local dsc
  dsc=$(find "$work/deb" -maxdepth 1 -name 'libsodium_*.dsc' | head -n 1)
  [[ -n "$dsc" ]] || die "apt-get source produced no .dsc"
  # Unpacks the upstream tarball and applies Debian's patches, checking the tarballs against the
  # .dsc checksums. The .dsc itself was authenticated by apt (its hash is in the signed Sources
  # index); the maintainer's own signature on it cannot be checked without debian-keyring, which
  # only makes dpkg-source warn (kept in the log).
  dpkg-source -x "$dsc" "$work/src" >"$work/dpkg-source.log" 2>&1 ||
    { cat "$work/dpkg-source.log" >&2; die "dpkg-source could not unpack $dsc"; }

  local src="$work/src"
  local runtime_c="$src/src/libsodium/sodium/runtime.c"
  [[ "$(grep -cxF -- "$SODIUM_RUNTIME_ANCHOR" "$runtime_c")" == 1 ]] ||
    die "sodium/runtime.c does not have the line the SIMD feature patch follows (libsodium changed?)"
  awk -v anchor="$SODIUM_RUNTIME_ANCHOR" -v patch="$SODIUM_RUNTIME_PATCH" \
    '{ print } $0 == anchor { print patch }' "$runtime_c" >"$runtime_c.patched" &&
    mv -f "$runtime_c.patched" "$runtime_c"
  grep -qF 'AnoChat (crypto-native/scripts/build-wasm.sh)' "$runtime_c" ||
    die "patching sodium/runtime.c failed"
  # Each replaced text must occur exactly once, or libsodium changed and the patch needs a look.
  node -e '
    const fs = require("fs");
    const [file, ...pairs] = process.argv.slice(1);
    let text = fs.readFileSync(file, "utf8");
    for (let i = 0; i < pairs.length; i += 2) {
      const count = text.split(pairs[i]).length - 1;
      if (count !== 1) throw new Error(`${file}: replacement ${i / 2} matches ${count} times`);
      text = text.replace(pairs[i], () => pairs[i + 1]);
    }
    fs.writeFileSync(file, text);
  ' "$src/src/libsodium/$SODIUM_CHACHA20_U4" "${SODIUM_CHACHA20_U4_REPLACEMENTS[@]}" ||
    die "patching $SODIUM_CHACHA20_U4 failed (libsodium changed?)"

  log "configuring libsodium with emscripten (CFLAGS=$SODIUM_CFLAGS)"
  (
    cd "$src"
    # The tarball has no configure; autogen.sh would try to download config.guess/config.sub.
    autoreconf -fi >/dev/null 2>&1 || autoreconf -fi >&2
    emconfigure ./configure --disable-shared --without-pthreads --disable-ssp --disable-asm \
      --disable-pie --prefix="$SODIUM_PREFIX" CFLAGS="$SODIUM_CFLAGS" >"$work/configure.log" 2>&1 ||
      { tail -n 40 "$work/configure.log" >&2; die "libsodium configure failed (log above)"; }
  )

  # Randomness: under __EMSCRIPTEN__, libsodium 1.0.18's randombytes.c ignores
  # randombytes_set_implementation() and gets every byte from JS glue through EM_ASM. Compile that
  # one file as for any other platform instead, with AnoChat's implementation (wasm/anochat_wasm.c,
  # one import filled by crypto.getRandomValues) as the default, so no EM_ASM reaches the module.
  cat >"$work/randombytes-default.h" <<'EOF'
/* Force-included into libsodium's randombytes.c by crypto-native/scripts/build-wasm.sh. */
struct randombytes_implementation;
extern struct randombytes_implementation anochat_wasm_randombytes_implementation;
#define RANDOMBYTES_DEFAULT_IMPLEMENTATION (&anochat_wasm_randombytes_implementation)
/* Upstream's switch for "no built-in implementation": skips the sysrandom/internal headers. */
#define RANDOMBYTES_CUSTOM_IMPLEMENTATION 1
EOF
  log "building libsodium (emmake make -j$JOBS)"
  (
    cd "$src/src/libsodium"
    emmake make -j"$JOBS" \
      CPPFLAGS="-U__EMSCRIPTEN__ -include $work/randombytes-default.h" \
      randombytes/libsodium_la-randombytes.lo >"$work/make-randombytes.log" 2>&1 ||
      { tail -n 40 "$work/make-randombytes.log" >&2; die "compiling randombytes.c failed"; }
    # The objects that keep the SLP vectorizer: configure's CFLAGS, where the later flag wins.
    local configured_cflags
    configured_cflags=$(sed -n 's/^CFLAGS = //p' Makefile)
    [[ "$configured_cflags" == *"$SODIUM_CFLAGS"* ]] ||
      die "libsodium's Makefile does not carry CFLAGS=$SODIUM_CFLAGS (got: $configured_cflags)"
    emmake make -j"$JOBS" CFLAGS="$configured_cflags -fslp-vectorize" \
      "${SODIUM_SLP_OBJECTS[@]}" >"$work/make-slp.log" 2>&1 ||
      { tail -n 40 "$work/make-slp.log" >&2; die "compiling ${SODIUM_SLP_OBJECTS[*]} failed"; }
  )
  (
    cd "$src"
    emmake make -j"$JOBS" >"$work/make.log" 2>&1 ||
      { tail -n 60 "$work/make.log" >&2; die "libsodium make failed (log above)"; }
    emmake make install DESTDIR="$work/stage" >"$work/install.log" 2>&1 ||
      { tail -n 40 "$work/install.log" >&2; die "libsodium make install failed"; }
  )

  local staged="$work/stage$SODIUM_PREFIX"
  [[ -f "$staged/lib/libsodium.a" ]] || die "libsodium.a was not installed"
  # The EM_ASM randomness must be gone, and the AnoChat default must be referenced.
  local symbols
  symbols=$(emnm "$staged/lib/libsodium.a" 2>/dev/null)
  if grep -q 'emscripten_asm_const' <<<"$symbols"; then
    die "libsodium.a still contains EM_ASM code (randombytes.c was not rebuilt as intended)"
  fi
  grep -Eq '^ +U anochat_wasm_randombytes_implementation$' <<<"$symbols" ||
    die "libsodium.a does not use anochat_wasm_randombytes_implementation"
  # The SIMD implementations must be compiled in (they are empty without the HAVE_*INTRIN_H).
  local impl
  for impl in crypto_stream_salsa20_xmm6int_sse2_implementation \
    crypto_stream_chacha20_dolbeau_ssse3_implementation blake2b_compress_sse41 fill_segment_ssse3; do
    grep -Eq "^[0-9a-f]+ [DT] $impl\$" <<<"$symbols" || die "libsodium.a lacks $impl (SIMD build failed?)"
  done
  # The patched loop must splat the counter from a local, not fold a load of it (see the patch).
  local chacha20_object="$src/src/libsodium/crypto_stream/chacha20/dolbeau/libssse3_la-chacha20_dolbeau-ssse3.o"
  # llvm-14 comes with emscripten; the unversioned name only with the llvm package.
  local objdump
  objdump=$(command -v llvm-objdump-14 || command -v llvm-objdump) ||
    die "llvm-objdump not found (apt-get install llvm-14)"
  if "$objdump" -d "$chacha20_object" | grep -q 'v128.load64_splat'; then
    die "$chacha20_object still loads the block counter with v128.load64_splat (the u4.h patch did not take)"
  fi
  cp "$dsc" "$staged/"
  printf '%s\n' "$LIBSODIUM_DEB_VERSION" >"$staged/DEBIAN_VERSION"

  mkdir -p "$CACHE_ROOT"
  if ! mv -T "$staged" "$SODIUM_PREFIX" 2>/dev/null; then
    [[ -f "$SODIUM_LIB" ]] || die "could not move libsodium into $SODIUM_PREFIX"
    log "another build installed $SODIUM_PREFIX meanwhile; keeping it"
  fi
  if [[ "${ANOCHAT_KEEP_WORK:-0}" != 1 ]]; then
    rm -rf "$work"
    trap - EXIT
  fi
}

if [[ -f "$SODIUM_LIB" ]]; then
  log "libsodium: using cached $SODIUM_PREFIX"
else
  mkdir -p "$CACHE_ROOT"
  # One libsodium build at a time per cache (the lock is released when this shell exits it).
  exec 9>"$CACHE_ROOT/.libsodium-wasm.lock"
  flock 9
  if [[ -f "$SODIUM_LIB" ]]; then
    log "libsodium: built meanwhile by another process, using $SODIUM_PREFIX"
  else
    start=$SECONDS
    build_libsodium
    log "libsodium: built into $SODIUM_PREFIX in $((SECONDS - start)) s"
  fi
  flock -u 9
  exec 9>&-
fi

# ---------------------------------------------------------------------------------------------
# 2. anochat-nacl.wasm
# ---------------------------------------------------------------------------------------------
shopt -s nullglob
core_sources=("$CORE_DIR"/*.c "$CORE_DIR"/*.cpp)
wasm_sources=("$WASM_SRC_DIR"/*.c)
shopt -u nullglob

((${#core_sources[@]} > 0)) || die "no C core sources in $CORE_DIR (core/*.c or core/*.cpp)"
((${#wasm_sources[@]} > 0)) || die "no wasm entry sources in $WASM_SRC_DIR"

# Everything the .wasm depends on; a rebuild happens when any of them is newer than the .wasm.
inputs=(
  "$SCRIPT_PATH" "$LIMITS_JSON" "$NACL_H" "$SODIUM_LIB" "$LOADER_TS"
  "$CORE_DIR" "$WASM_SRC_DIR" "$PKG_DIR/include"
)
if [[ "${ANOCHAT_WASM_FORCE:-0}" != 1 && -f "$OUT_WASM" ]]; then
  newer=$(find "${inputs[@]}" -newer "$OUT_WASM" -print -quit 2>/dev/null || true)
  if [[ -z "$newer" && "$(cat "$STAMP" 2>/dev/null)" != "$SODIUM_LIB" ]]; then
    newer="the libsodium build ($SODIUM_PREFIX)"
  fi
  if [[ -z "$newer" ]]; then
    log "up to date: ${OUT_WASM#"$REPO_DIR"/}"
    exit 0
  fi
  log "rebuilding: ${newer#"$REPO_DIR"/} changed"
fi

# Limits from schemas/crypto-limits.json as -DANOCHAT_<SCREAMING_SNAKE_CASE key>=<value>
# (maxMessageBytes -> -DANOCHAT_MAX_MESSAGE_BYTES=67108864): the flags core/limits.h lists, named
# as the core's CMake names them. Plain decimal literals (the core pastes them into messages).
mapfile -t limit_defines < <(node -e '
  const limits = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`limit ${key} is not a non-negative integer`);
    const name = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
    console.log(`-DANOCHAT_${name}=${value}`);
  }' "$LIMITS_JSON")
((${#limit_defines[@]} > 0)) || die "no limits read from $LIMITS_JSON"

# Exports: every anochat_* function declared in nacl.h, the wasm entry points, and the allocator.
mapfile -t api_functions < <(node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const names = new Set();
  for (const m of text.matchAll(/\b(anochat_[a-z0-9_]+)\s*\(/g)) names.add(m[1]);
  if (names.size === 0) throw new Error("no anochat_* functions found in nacl.h");
  console.log([...names].join("\n"));' "$NACL_H")
wasm_functions=(anochat_wasm_init)

# The TypeScript loader types every export by hand: refuse to build a module it does not describe.
missing_in_loader=()
for fn in "${api_functions[@]}" "${wasm_functions[@]}"; do
  grep -q "^[[:space:]]*$fn(" "$LOADER_TS" 2>/dev/null || missing_in_loader+=("$fn")
done
((${#missing_in_loader[@]} == 0)) ||
  die "js/wasm-loader/instantiate.ts has no type for: ${missing_in_loader[*]}"

exported="_malloc,_free"
for fn in "${api_functions[@]}" "${wasm_functions[@]}"; do exported+=",_$fn"; done

compile_flags=(
  -O3
  # WebAssembly SIMD, as libsodium is built (see "libsodium build settings").
  -msimd128
  -I"$PKG_DIR/include" -isystem "$SODIUM_PREFIX/include"
  "${limit_defines[@]}"
  -Wall -Wextra -Wpedantic -Wshadow
)
c_flags=(-std=c11)
cxx_flags=(-std=c++17 -fno-exceptions -fno-rtti)

link_flags=(
  -O3 -msimd128
  # No JS glue: a module instantiated with WebAssembly.instantiate() and our own imports.
  -sSTANDALONE_WASM=1 --no-entry
  -sEXPORTED_FUNCTIONS="$exported"
  # Argon2id needs up to pwhashMaxMemLimit (1 GiB) besides the buffers: grow on demand, up to
  # 2 GiB so that every pointer stays a non-negative int32 in JavaScript.
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB -sMAXIMUM_MEMORY=2GB
  -sTOTAL_STACK=256KB
  # Stack below the static data: an overflow traps instead of silently overwriting globals.
  -Wl,--stack-first
  -sERROR_ON_UNDEFINED_SYMBOLS=1
  -sFILESYSTEM=0 -sSUPPORT_LONGJMP=0
)

# Private to this run, so that concurrent builds do not share objects.
mkdir -p "$OUT_DIR"
obj_dir=$(mktemp -d "$OUT_DIR/.obj.XXXXXX")
# emcc picks the output kind from the extension: keep .wasm.
tmp_wasm="$obj_dir/anochat-nacl.wasm"
trap 'rm -rf "$obj_dir"' EXIT

# Emscripten refuses undefined symbols that no JS library provides, even in standalone mode where
# no JS is emitted. This library only declares the host imports (see wasm/anochat_wasm.c); the
# loader (js/wasm-loader/instantiate.ts) implements them.
cat >"$obj_dir/host-imports.js" <<'EOF'
// Generated by crypto-native/scripts/build-wasm.sh: declares the module's host imports for emcc.
mergeInto(LibraryManager.library, {
  anochat_fill_random: function (ptr, len) {
    throw new Error('anochat_fill_random is provided by js/wasm-loader/instantiate.ts');
  },
});
EOF
link_flags+=(--js-library "$obj_dir/host-imports.js")

start=$SECONDS
log "compiling ${#core_sources[@]} core + ${#wasm_sources[@]} wasm sources"
objects=()
pids=()
n=0
for src in "${core_sources[@]}" "${wasm_sources[@]}"; do
  rel=${src#"$PKG_DIR"/}
  obj="$obj_dir/${rel//\//_}.o"
  objects+=("$obj")
  if [[ "$src" == *.cpp ]]; then
    em++ "${compile_flags[@]}" "${cxx_flags[@]}" -c "$src" -o "$obj" &
  else
    emcc "${compile_flags[@]}" "${c_flags[@]}" -c "$src" -o "$obj" &
  fi
  pids+=($!)
  n=$((n + 1))
  if ((n % JOBS == 0)); then
    for pid in "${pids[@]}"; do wait "$pid" || die "compilation failed"; done
    pids=()
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || die "compilation failed"; done

linker=emcc
for src in "${core_sources[@]}"; do [[ "$src" == *.cpp ]] && linker=em++; done

log "linking ${OUT_WASM#"$REPO_DIR"/}"
"$linker" "${objects[@]}" "$SODIUM_LIB" "${link_flags[@]}" -o "$tmp_wasm"

# The module must need nothing beyond what instantiate.ts supplies, and export the whole API.
node -e '
  const fs = require("fs");
  const mod = new WebAssembly.Module(fs.readFileSync(process.argv[1]));
  const allowed = new Set(["env.anochat_fill_random"]);
  const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`);
  const extra = imports.filter((n) => !allowed.has(n));
  if (extra.length) { console.error(`unexpected imports: ${extra.join(", ")}`); process.exit(1); }
  const exports = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
  const missing = process.argv.slice(2).filter((n) => !exports.has(n));
  if (missing.length) { console.error(`missing exports: ${missing.join(", ")}`); process.exit(1); }
' "$tmp_wasm" memory malloc free "${api_functions[@]}" "${wasm_functions[@]}" ||
  die "the module does not match what js/wasm-loader/instantiate.ts expects"
chmod 644 "$tmp_wasm"
mv -f "$tmp_wasm" "$OUT_WASM"
printf '%s\n' "$SODIUM_LIB" >"$STAMP"
rm -rf "$obj_dir"
trap - EXIT

size=$(stat -c %s "$OUT_WASM")
gz=$(gzip -9 -c "$OUT_WASM" | wc -c)
log "built ${OUT_WASM#"$REPO_DIR"/}: $size bytes, $gz gzipped, in $((SECONDS - start)) s"
