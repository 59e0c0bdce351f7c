#!/usr/bin/env bash
# Builds the web app (app/dist) when it is missing or older than anything it is made from; otherwise
# returns at once. Used by start.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

STAMP=app/dist/.build-stamp
SOURCES=(app/src app/public app/index.html vite.config.ts schemas crypto-native/js
  crypto-native/build/wasm/anochat-nacl.wasm package-lock.json)

if [ -f "$STAMP" ] && [ -z "$(find "${SOURCES[@]}" -newer "$STAMP" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
echo "build-app: building the web app (vite)"
node_modules/.bin/vite build --logLevel warn
touch "$STAMP"
