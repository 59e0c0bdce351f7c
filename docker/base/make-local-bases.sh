#!/usr/bin/env bash
# Makes the base images the Dockerfiles build FROM, without any image registry (none is reachable
# on the machine the tests run on):
#   localhost/anochat-base/debian:bookworm-slim   Debian's minbase from Debian's own mirror
#                                                 (stands for docker.io/library/debian:bookworm-slim)
#   localhost/anochat-base/node:20-bookworm-slim  that plus this machine's Node 20 and npm
#                                                 (stands for docker.io/library/node:20-bookworm-slim)
#                                                 and the extra certificate authorities this machine
#                                                 trusts (/usr/local/share/ca-certificates: a proxy
#                                                 in front of the npm registry), for npm ci
# Each is made only when missing, or when its inputs changed (a label records them). Users with
# a registry never need this: the build arguments default to the official images.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/docker/containers.conf}"

DEBIAN_IMAGE=localhost/anochat-base/debian:bookworm-slim
NODE_IMAGE=localhost/anochat-base/node:20-bookworm-slim

label_of() { podman image inspect --format "{{ index .Labels \"$2\" }}" "$1" 2>/dev/null || true; }

work=$(mktemp -d "${TMPDIR:-/tmp}/anochat-bases.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The Debian base: Debian's minbase with CA certificates, without documentation. Its key is the
# recipe itself, so that editing the rest of this script rebuilds nothing.
debian_recipe=(--variant=minbase --include=ca-certificates
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' bookworm)
debian_key=$(printf '%s\n' "${debian_recipe[@]}" | sha256sum | cut -c1-16)
if [ "$(label_of "$DEBIAN_IMAGE" anochat.base.key)" != "$debian_key" ]; then
  echo "make-local-bases: $DEBIAN_IMAGE (mmdebstrap minbase, about 30 s)"
  mmdebstrap --quiet "${debian_recipe[@]}" "$work/rootfs.tar" http://deb.debian.org/debian
  podman import --quiet \
    --change "LABEL anochat.base.key=$debian_key" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    "$work/rootfs.tar" "$DEBIAN_IMAGE" >/dev/null
fi

# The Node base is the Debian base plus the Node 20 of this machine, where the official image has it.
node_bin=$(command -v node)
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
node_version=$(node --version)
case "$node_version" in v20.*) ;; *)
  echo "make-local-bases: Node 20 expected, found $node_version" >&2
  exit 1
  ;;
esac
extra_cas=$(find /usr/local/share/ca-certificates -name '*.crt' 2>/dev/null | sort)
cas_key=$(if [ -n "$extra_cas" ]; then cat $extra_cas | sha256sum | cut -c1-8; else echo none; fi)
node_key="$debian_key-$node_version-$(node -p 'require(process.argv[1]).version' "$npm_dir/package.json")-$cas_key"
if [ "$(label_of "$NODE_IMAGE" anochat.base.key)" != "$node_key" ]; then
  echo "make-local-bases: $NODE_IMAGE (Node $node_version from this machine)"
  mkdir -p "$work/node/usr/local/bin" "$work/node/usr/local/lib/node_modules"
  cp "$(readlink -f "$node_bin")" "$work/node/usr/local/bin/node"
  strip --strip-debug "$work/node/usr/local/bin/node" 2>/dev/null || true
  cp -r "$npm_dir" "$work/node/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node/usr/local/bin/npx"
  mkdir -p "$work/node/usr/local/share/ca-certificates"
  [ -z "$extra_cas" ] || cp $extra_cas "$work/node/usr/local/share/ca-certificates/"
  cat >"$work/node/Containerfile" <<CONTAINERFILE
FROM $DEBIAN_IMAGE
COPY usr /usr
RUN update-ca-certificates >/dev/null
# Node reads its own CA list; these add the system's (with this machine's extra authorities).
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL anochat.base.key=$node_key
CMD ["node"]
CONTAINERFILE
  podman build --quiet --layers=false -t "$NODE_IMAGE" "$work/node" >/dev/null
fi
echo "make-local-bases: $DEBIAN_IMAGE and $NODE_IMAGE ready"
