#!/usr/bin/env bash
# The main job: the sync server (HTTP + socket.io) on one port, PORT (default 8080). With no
# DATABASE_URL it runs on an embedded PostgreSQL (PGlite in ./data/pglite), starts crypto-native on
# ./data/crypto.sock unless CRYPTO_GRPC_ADDRESS is set, and keeps a generated JWT secret in
# ./data/jwt-secret unless JWT_SECRET is set. See sync-server/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
mkdir -p data
exec node --import tsx sync-server/src/start-default.ts
