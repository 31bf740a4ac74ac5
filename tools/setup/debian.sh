#!/bin/sh
# Installs the Debian packages Zhipai builds and tests with, pinned to the
# versions of Debian 12, only when they are missing. Idempotent.
#   libjpeg62-turbo-dev: libjpeg-turbo, linked statically into bin/zhipai
#   chromium: the browser the end-to-end tests drive (with --browser)
#   fonts-wqy-microhei: Chinese glyphs, so its screenshots are readable
set -eu

want="libjpeg62-turbo-dev=1:2.1.5-2"
if [ "${1:-}" = "--browser" ]; then
	want="$want chromium=156.0.8078.108-1~deb12u1 fonts-wqy-microhei=0.2.0-beta-3.1"
fi

missing=""
for spec in $want; do
	pkg=${spec%%=*}
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $spec"
	fi
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing:$missing" >&2
$sudo apt-get update -qq >/dev/null || true
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
