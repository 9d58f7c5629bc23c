#!/usr/bin/env bash
# Builds (once; cached) a local Node 24 base image for the container test, and prints its name:
#   test/container/make-base.sh            -> localhost/dw-chatops-test-base:node-<version>
# Needs root, debootstrap and buildah. The bookworm root filesystem and Node are cached under the CI cache dir;
# the image stays in buildah's local storage, so later runs only check that it is there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(cat "$here/../../.ci/node-version")"
# The recipe's hash in the tag: a changed Containerfile.base builds a new base.
image="localhost/dw-chatops-test-base:node-$version-$(sha256sum "$here/Containerfile.base" | cut -c1-12)"
if buildah inspect --type image "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi

cache="${DW_CHATOPS_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dw-chatops-ci}"
mkdir -p "$cache"
rootfs_tar="$cache/bookworm-minbase-rootfs.tar"
if [ ! -s "$rootfs_tar" ]; then
  work="$(mktemp -d "$cache/debootstrap.XXXXXX")"
  debootstrap --variant=minbase bookworm "$work/rootfs" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$work"
fi

node_dir="$("$here/../../.ci/install-node" "$version")"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
ln "$rootfs_tar" "$ctx/rootfs.tar" 2>/dev/null || cp "$rootfs_tar" "$ctx/rootfs.tar"
cp "$node_dir/bin/node" "$ctx/node"
ca="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
if [ -s "$ca" ]; then cp "$ca" "$ctx/ca-certificates.crt"; else : >"$ctx/ca-certificates.crt"; fi
(cd "$ctx" && npm pack --silent npm@11 >/dev/null && mkdir npm && tar xzf npm-*.tgz -C npm --strip-components=1 && rm npm-*.tgz)
buildah bud --isolation chroot --quiet -f "$here/Containerfile.base" -t "$image" "$ctx" >&2
echo "$image"
