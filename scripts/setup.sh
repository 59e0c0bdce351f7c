#!/usr/bin/env bash
# Installs and builds whatever is missing, and does nothing slow when everything is in place:
# Debian packages, npm dependencies, the native crypto build and the WebAssembly build.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  g++ cmake make pkg-config
  libsodium-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libgtest-dev
  emscripten autoconf automake libtool dpkg-dev
  chromium
)

missing_packages() {
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || echo "$package"
  done
}

install_apt_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  echo "setup: installing Debian packages: $missing"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq $missing
}

install_npm_packages() {
  # npm ci rewrites node_modules/.package-lock.json; a newer package-lock.json means it is stale.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: npm ci"
    # Electron's binary comes from GitHub, which is not reachable here: the npm package is kept
    # for its types and for packaging, and the binary is never fetched during install.
    ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
  fi
}

install_apt_packages
install_npm_packages
bash crypto-native/scripts/build-native.sh
bash crypto-native/scripts/build-wasm.sh
