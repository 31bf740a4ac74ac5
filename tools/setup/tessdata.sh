#!/bin/sh
# Installs lib/tessdata/chi_sim.traineddata, the Chinese model that reads
# the names on identity cards, from the npm package
# @tesseract.js-data/chi_sim, pinned by version and checked by SHA-256
# (tarball and model). It is the tessdata repository's chi_sim of
# Tesseract 4.0.0 (Apache-2.0), whose LSTM network is larger than that of
# Debian's tesseract-ocr-chi-sim (tessdata_fast): on rendered cards it reads
# 94.5% of the names right against Debian's 79.5% (`zhipai idcard eval`).
# Beside it goes the config that makes Tesseract load only that network,
# not the legacy engine the file carries too (some 50 MB more per
# instance). The package is fetched with `npm pack`, never installed.
# Idempotent.
set -eu

version=1.0.0
tgz_sha256=850d4a217c87808ef765385cbe5825f4ae99047a49b17e024069ceb663f01c33
model_sha256=fc05d89ab31d8b4e226910f16a8bcbf78e43bae3e2580bb5feefd052efdab363
member=package/4.0.0/chi_sim.traineddata.gz

dir=${1:-lib/tessdata}
model="$dir/chi_sim.traineddata"
config="$dir/lstm.config"

. "$(dirname "$0")/npm.sh"

mkdir -p "$dir"
printf '# Zhipai: the LSTM network only (tessedit_ocr_engine_mode 1).\ntessedit_ocr_engine_mode 1\n' >"$config.tmp"
mv "$config.tmp" "$config"
if [ -f "$model" ] && check "$model" "$model_sha256"; then
	exit 0
fi
tgz=$(npm_fetch @tesseract.js-data/chi_sim "$version" "$tgz_sha256")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp" "$member"
gunzip -c "$tmp/$member" >"$tmp/chi_sim.traineddata"
if ! check "$tmp/chi_sim.traineddata" "$model_sha256"; then
	echo "chi_sim.traineddata: checksum mismatch, refusing it" >&2
	exit 1
fi
install -m 0644 "$tmp/chi_sim.traineddata" "$model"
echo "installed $model (tessdata chi_sim 4.0.0, @tesseract.js-data/chi_sim@$version)" >&2
