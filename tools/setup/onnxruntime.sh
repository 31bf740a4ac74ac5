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
cache=${NPM_CACHE_DIR:-.cache/npm}

check() { echo "$2  $1" | sha256sum --check --status; }

if [ -f "$dest" ] && check "$dest" "$lib_sha256"; then
	exit 0
fi
mkdir -p "$cache" "$(dirname "$dest")"
tgz="$cache/onnxruntime-node-$version.tgz"
if [ ! -f "$tgz" ] || ! check "$tgz" "$tgz_sha256"; then
	rm -f "$tgz"
	echo "fetching onnxruntime-node@$version (npm pack)" >&2
	npm pack "onnxruntime-node@$version" --pack-destination "$cache" --silent >/dev/null
fi
if ! check "$tgz" "$tgz_sha256"; then
	echo "onnxruntime-node-$version.tgz: checksum mismatch, refusing it" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp" "$member"
if ! check "$tmp/$member" "$lib_sha256"; then
	echo "libonnxruntime.so.1: checksum mismatch, refusing it" >&2
	exit 1
fi
install -m 0644 "$tmp/$member" "$dest"
echo "installed $dest (onnxruntime $version)" >&2
