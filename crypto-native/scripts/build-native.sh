#!/usr/bin/env bash
# Builds the native core, gRPC server, tests and benchmark.
#   scripts/build-native.sh          Release build in build/native
#   scripts/build-native.sh asan     AddressSanitizer + UBSan build in build/asan
# Configures only on the first run; later runs are incremental (CMake re-configures by itself
# when a CMakeLists.txt or schemas/crypto-limits.json changes).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
variant="${1:-release}"
case "$variant" in
  release)
    build_dir="$root/build/native"
    settings=(-DCMAKE_BUILD_TYPE=Release -DANOCHAT_SANITIZE=OFF)
    ;;
  asan)
    build_dir="$root/build/asan"
    settings=(-DCMAKE_BUILD_TYPE=Debug -DANOCHAT_SANITIZE=ON)
    ;;
  *)
    echo "usage: $0 [release|asan]" >&2
    exit 2
    ;;
esac

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S "$root" -B "$build_dir" "${generator[@]}" "${settings[@]}"
fi
cmake --build "$build_dir" --parallel "$(nproc)"
