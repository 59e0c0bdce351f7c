#!/usr/bin/env bash
# The main job: the sync server (HTTP + socket.io) and the web app on one port, PORT (default
# 8080); the app is built first when it is missing or stale. With no
# DATABASE_URL it runs on an embedded PostgreSQL (PGlite in ./data/pglite), starts crypto-native on
# ./data/crypto.sock unless CRYPTO_GRPC_ADDRESS is set, and keeps a generated JWT secret in
# ./data/jwt-secret unless JWT_SECRET is set. See sync-server/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build-app.sh
mkdir -p data
# The web app is served on the same port as the API (sync-server/src/http/web-app-routes.ts).
export WEB_APP_DIR="${WEB_APP_DIR:-$PWD/app/dist}"
exec node --import tsx sync-server/src/start-default.ts
