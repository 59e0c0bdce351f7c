#!/usr/bin/env bash
# Builds AnoChat's images with podman (or Docker: CONTAINER_TOOL=docker) from docker/Dockerfile
# and docker/services/Dockerfile, tagged IMAGE_PREFIX/<name>:IMAGE_TAG:
#   sync-server, crypto-native, web             (docker/Dockerfile)
#   postgres, redis, haproxy                    (docker/services/Dockerfile, from Debian's packages)
#
#   docker/build-images.sh                 bases: the official node and debian images
#   docker/build-images.sh --local-bases   bases made here from Debian's mirror (no registry needed)
#
# Quick when nothing changed: an image built from the same inputs (the hash of everything its build
# reads, recorded under ~/.cache/anochat/images) is not rebuilt at all, and a rebuild reuses every cached layer whose inputs did
# not change (the first build takes 10 to 25 minutes on 2 cores; emscripten and npm ci dominate).
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/docker/containers.conf}"

TOOL="${CONTAINER_TOOL:-podman}"
PREFIX="${IMAGE_PREFIX:-localhost/anochat}"
TAG="${IMAGE_TAG:-dev}"
base_args=()
if [ "${1:-}" = "--local-bases" ]; then
  bash docker/base/make-local-bases.sh
  base_args=(--build-arg NODE_IMAGE=localhost/anochat-base/node:20-bookworm-slim
    --build-arg DEBIAN_IMAGE=localhost/anochat-base/debian:bookworm-slim)
fi
format_args=()
# OCI images drop HEALTHCHECK; podman keeps it in the Docker format.
[ "$TOOL" = podman ] && format_args=(--format docker)

# The hash of the files a build context lets in (the .dockerignore allow lists), the Dockerfile,
# and the base images' ids.
inputs_hash() {
  local context=$1 dockerfile=$2
  shift 2
  {
    (cd "$context" && git ls-files -co --exclude-standard -- "$@" | sort | xargs -r sha256sum)
    sha256sum "$dockerfile"
    printf '%s\n' "${base_args[@]}"
    for arg in "${base_args[@]}"; do
      case "$arg" in *=*) $TOOL image inspect --format '{{.Id}}' "${arg#*=}" 2>/dev/null || true ;; esac
    done
  } | sha256sum | cut -c1-32
}

# Which inputs each image was built from: a record per image of the hash and the image id. (Not an
# image label: podman reuses a cached image whole, with the label of the build that made it.)
RECORDS="${XDG_CACHE_HOME:-$HOME/.cache}/anochat/images"
mkdir -p "$RECORDS"

build() {
  local context=$1 dockerfile=$2 target=$3 hash=$4
  local image="$PREFIX/$target:$TAG"
  local record="$RECORDS/$(printf '%s' "$image" | tr '/:' '__')"
  local id
  id=$($TOOL image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  if [ -n "$id" ] && [ -f "$record" ] && [ "$(cat "$record")" = "$hash $id" ]; then
    echo "build-images: $image is up to date"
    return 0
  fi
  echo "build-images: building $image"
  $TOOL build "${format_args[@]}" "${base_args[@]}" --layers -f "$dockerfile" --target "$target" \
    -t "$image" "$context"
  printf '%s %s\n' "$hash" "$($TOOL image inspect --format '{{.Id}}' "$image")" >"$record"
}

# The paths .dockerignore lets in (keep the two lists alike).
app_hash=$(inputs_hash . docker/Dockerfile package.json package-lock.json vite.config.ts tsconfig.json tsconfig.base.json \
  schemas app sync-server/package.json sync-server/src sync-server/migrations \
  crypto-native/package.json crypto-native/CMakeLists.txt crypto-native/include crypto-native/core \
  crypto-native/server crypto-native/tests/native crypto-native/bench/native crypto-native/wasm \
  crypto-native/js crypto-native/protocol crypto-native/scripts/build-wasm.sh platforms/electron/package.json \
  platforms/capacitor/package.json tests/support/package.json docker/sync-server docker/web .dockerignore)
for target in crypto-native sync-server web; do
  build . docker/Dockerfile "$target" "$app_hash"
done
services_hash=$(inputs_hash docker/services docker/services/Dockerfile .)
for target in postgres redis haproxy; do
  build docker/services docker/services/Dockerfile "$target" "$services_hash"
done
