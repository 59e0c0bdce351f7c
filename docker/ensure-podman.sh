#!/usr/bin/env bash
# Installs what the container tests need when it is missing: Debian's podman (with runc),
# podman-compose and mmdebstrap (the local base images). With sudo when not root. Quick when all
# are there. kubectl (with kustomize) is not a Debian package: the tests that render the
# Kubernetes manifests say they are skipped when it is missing.
set -euo pipefail
packages=(podman runc podman-compose mmdebstrap)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "ensure-podman: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${missing[@]}"
