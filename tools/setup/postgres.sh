#!/bin/sh
# Makes sure PostgreSQL >= 15 answers on 127.0.0.1:5432 for the store's
# tests: installs Debian's PostgreSQL (the newest the archive serves, held
# to a minimum major version rather than an exact pin, which the security
# archive withdraws) when there is none, starts the local cluster when it
# is down, and prints the server version it reached. The local user is let
# in by trust, as on the development machines. Idempotent.
set -eu
min_major=15

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
report() {
	v=$(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atc 'show server_version_num' 2>/dev/null ||
		psql -h 127.0.0.1 -p 5432 -d test -Atc 'show server_version_num' 2>/dev/null || echo 0)
	major=$((v / 10000))
	if [ "$major" -lt "$min_major" ]; then
		echo "setup: PostgreSQL on 127.0.0.1:5432 is version ${v}, need >= $min_major" >&2
		exit 1
	fi
	echo "setup: PostgreSQL server $v on 127.0.0.1:5432 (>= $min_major)" >&2
	exit 0
}
command -v pg_isready >/dev/null 2>&1 && ready && report

sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
	echo "installing: postgresql (newest in the archive, need >= $min_major)" >&2
	$sudo apt-get update -qq >/dev/null || true
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -n | tail -1)
if [ "$version" -lt "$min_major" ]; then
	echo "setup: PostgreSQL $version installed, need >= $min_major" >&2
	exit 1
fi
conf=/etc/postgresql/$version/main
# Trust for loopback, as the development machines have it (tests only).
if [ -f "$conf/pg_hba.conf" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
	$sudo sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$conf/pg_hba.conf"
fi
echo "starting PostgreSQL $version" >&2
$sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
	if ready; then
		# The tests connect to database "test".
		psql -h 127.0.0.1 -U postgres -d postgres -Atc "select 1 from pg_database where datname='test'" 2>/dev/null | grep -q 1 ||
			psql -h 127.0.0.1 -U postgres -d postgres -c 'create database test' >/dev/null 2>&1 || true
		report
	fi
	sleep 1
done
echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
