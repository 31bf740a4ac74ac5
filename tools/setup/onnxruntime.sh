#!/bin/sh
# Installs lib/libonnxruntime.so.1 from the npm package onnxruntime-node,
# pinned by version and checked by SHA-256 (tarball and library). The
# package is fetched with `npm pack` and never `npm install`ed: its
# postinstall script would try to download CUDA files. Idempotent.
set -eu

version=1.30.0
tgz_sha256=6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75
lib_sha256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
member=package/bin/napi-v6/linux/x64/libonnxruntime.so.1

dest=${1:-lib/libonnxruntime.so.1}
. "$(dirname "$0")/npm.sh"

if [ -f "$dest" ] && check "$dest" "$lib_sha256"; then
	exit 0
fi
mkdir -p "$(dirname "$dest")"
tgz=$(npm_fetch onnxruntime-node "$version" "$tgz_sha256")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp" "$member"
if ! check "$tmp/$member" "$lib_sha256"; then
	echo "libonnxruntime.so.1: checksum mismatch, refusing it" >&2
	exit 1
fi
install -m 0644 "$tmp/$member" "$dest"
echo "installed $dest (onnxruntime $version)" >&2
