#!/bin/sh
# Makes sure PostgreSQL answers on 127.0.0.1:5432 for the store's tests:
# starts the local cluster when it is down, installs Debian's PostgreSQL
# 15 (pinned) when there is none, and lets the local user in by trust as
# on the development machines. Idempotent.
set -eu

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
command -v pg_isready >/dev/null 2>&1 && ready && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
	echo "installing: postgresql=15+248+deb12u2" >&2
	$sudo apt-get update -qq >/dev/null || true
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql=15+248+deb12u2 >/dev/null
fi
version=$(ls /etc/postgresql | sort -n | tail -1)
echo "starting PostgreSQL $version" >&2
$sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
	ready && exit 0
	sleep 1
done
echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
