#!/usr/bin/env bash
# The main job. Until the sync server lands (issue 3) the only service is crypto-native's gRPC
# server; it listens on a unix socket under ./data, as the sync server will expect it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
mkdir -p data
exec crypto-native/build/native/anochat-crypto-server --listen "${CRYPTO_LISTEN:-unix:$PWD/data/crypto.sock}"
