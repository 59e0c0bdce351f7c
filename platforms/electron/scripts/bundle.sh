#!/usr/bin/env bash
# Makes build/: the main process and the preload bundled by esbuild (a sandboxed preload may
# require nothing but `electron`, so it is one file), and a copy of the web app's Vite build,
# which the main process serves from app://anochat. electron-builder packages build/ as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=../..

if [ "${SKIP_WEB_BUILD:-0}" != 1 ]; then bash "$ROOT/scripts/build-app.sh"; fi
rm -rf build
mkdir -p build
ESBUILD=("$ROOT/node_modules/.bin/esbuild" --bundle --platform=node --format=cjs --target=node22
  --external:electron --log-level=warning)
"${ESBUILD[@]}" src/index.main.ts --outfile=build/main.cjs
"${ESBUILD[@]}" src/bridge.preload.ts --outfile=build/preload.cjs
cp -R "$ROOT/app/dist" build/web
rm -f build/web/.build-stamp
