#!/usr/bin/env bash
# Builds and runs the native tests twice: the Release build (build/native) and the
# AddressSanitizer + UBSan build (build/asan).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc)"

echo "== Release build (build/native)"
"$root/scripts/build-native.sh" release
ctest --test-dir "$root/build/native" --output-on-failure --parallel "$jobs"

echo "== Sanitizer build (build/asan)"
"$root/scripts/build-native.sh" asan
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  ctest --test-dir "$root/build/asan" --output-on-failure --parallel "$jobs"
