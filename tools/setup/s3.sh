#!/bin/sh
# Installs the S3 server the blob tests run against: versitygw (Apache-2.0),
# a real S3 gateway over a local directory, built from the Go module proxy
# at a pinned version (go.sum-style checksums come from the module
# database as for any module). The tests start and stop it themselves on a
# free loopback port. Idempotent: a binary stamped with the pinned version
# is kept.
set -eu
version=v1.8.0
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/bin/versitygw"
stamp="$bin.version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
	echo "setup: versitygw $version ($bin)" >&2
	exit 0
fi
echo "installing: versitygw $version (go install from the module proxy)" >&2
mkdir -p "$root/bin"
GOBIN="$root/bin" go install "github.com/versity/versitygw/cmd/versitygw@$version"
echo "$version" >"$stamp"
echo "setup: versitygw $version ($bin)" >&2
