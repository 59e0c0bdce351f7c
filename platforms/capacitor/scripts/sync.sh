#!/usr/bin/env bash
# Copies the web app's build into the Android and iOS projects and updates their plugin lists
# (`cap sync`). Capacitor 8's CLI needs Node 22 or later: when the system's Node is older, npm's
# `node@22` package supplies one (fetched once from the npm registry, then cached by npx).
set -euo pipefail
cd "$(dirname "$0")/.."

bash ../../scripts/build-app.sh
CLI=../../node_modules/@capacitor/cli/bin/capacitor
if [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 22 ]; then
  node "$CLI" sync "$@"
else
  npx -y -p node@22 -- node "$CLI" sync "$@"
fi
