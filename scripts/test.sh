#!/usr/bin/env bash
# Every test of the repository: set-up, lint and format, types, C++ (plain and sanitized), and the
# TypeScript suites against the real native server, the real WebAssembly module, Chromium and
# the real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage's header says when it started, so that a slow stage shows in CI's log.
stage() { printf '== %s [%dm%02ds]\n' "$1" $((SECONDS / 60)) $((SECONDS % 60)); }

bash scripts/setup.sh

stage "lint and format (biome)"
npx biome ci .

stage "process boundaries (imports by file suffix; each program's globals only its own)"
node --import tsx scripts/check-boundaries.ts

stage "types (tsc, strict): the Node program (no DOM), the browser files outside app/ (no Node), Playwright's specs (both)"
npx tsc -p tsconfig.json
npx tsc -p tsconfig.dom.json
npx tsc -p tsconfig.playwright.json

stage "app: types (vue-tsc, strict): the app (no Node), its vitest tests (Node and happy-dom)"
node_modules/.bin/vue-tsc -p app/tsconfig.json --noEmit
node_modules/.bin/vue-tsc -p app/tsconfig.test.json --noEmit

stage "crypto-native: C++ unit tests, plain and under AddressSanitizer + UBSan"
bash crypto-native/scripts/test-native.sh

stage "TypeScript suites"
bash scripts/services.sh

# Node 20's test runner does not expand globs itself.
mapfile -t suites < <(find crypto-native/test sync-server/test tests/replication tests/chaos tests/boundaries -name '*.test.ts' | sort)
node --import tsx --test --test-reporter=spec --test-concurrency=1 "${suites[@]}"

# The same replication, chat, group and attachment suites on `npm start`'s embedded default (PGlite behind the
# session broker) instead of PostgreSQL, with a pool idle timeout of 250 ms so that every pause is
# longer than every timeout in the stack (tests/support/suite.ts).
stage "TypeScript suites on the embedded default (PGlite)"
ANOCHAT_TEST_BACKEND=embedded node --import tsx --test --test-reporter=spec --test-concurrency=1 \
  sync-server/test/sync-replication.test.ts sync-server/test/sync-live-stream.test.ts \
  sync-server/test/end-to-end-messages.test.ts sync-server/test/attachments.test.ts \
  tests/replication/rxdb-replication.test.ts \
  tests/replication/push-answer-lost.test.ts tests/replication/epoch-rotation.test.ts

stage "deploy: Kubernetes overlays rendered (kustomize) and checked against the schemas; compose.yaml"
node --import tsx --test --test-reporter=spec tests/deploy/manifests.test.ts

# The images are rebuilt only when their inputs changed (docker/build-images.sh; the first build
# takes 10 to 25 minutes), then run: each image alone, the Compose stack with two instances behind
# HAProxy (SIGKILL, graceful stop, rolling restart under load), and the k8s dev overlay under
# `podman kube play`.
stage "containers: images, Compose stack, podman kube play (podman)"
bash docker/ensure-podman.sh
node --import tsx --test --test-reporter=spec --test-concurrency=1 \
  tests/containers/images.test.ts tests/containers/compose.test.ts tests/containers/kube-play.test.ts

stage "app: build (vite, skipped when nothing changed)"
bash scripts/build-app.sh

stage "desktop: Electron main process and preload under Node (electron is a test double: its binary cannot be downloaded here)"
node --import tsx --import ./platforms/electron/test/support/use-electron-double.ts --test \
  --test-reporter=spec platforms/electron/test/*.test.ts

stage "mobile: cap sync into the Android and iOS projects, then check what a build would take in"
bash platforms/capacitor/scripts/sync.sh
node --import tsx --test --test-reporter=spec platforms/capacitor/test/*.test.ts

stage "app: component and store tests (vitest, happy-dom, fake-indexeddb)"
node_modules/.bin/vitest run --config vite.config.ts

stage "app: end-to-end in Chromium (Playwright; real sync server, PostgreSQL, crypto-native)"
node_modules/.bin/playwright test -c tests/e2e/playwright.config.ts

stage "app: chat, offline, groups and session end in Chromium on the embedded default (npm start)"
ANOCHAT_TEST_BACKEND=embedded node_modules/.bin/playwright test -c tests/e2e/playwright.config.ts \
  --project=desktop chat.spec.ts offline.spec.ts group.spec.ts session-end.spec.ts
stage "all passed"
