#!/bin/sh
# Installs the Debian packages Zhipai builds and tests with, idempotently.
#
# Debian's security archive replaces a package's version as soon as a newer
# fix ships, so an exact pin rots within weeks. Each package is therefore
# held to a minimum version instead: when it is missing or older, the
# newest version the archive serves is installed; then the version that is
# really installed is read back from dpkg (and, for Chromium, from the
# browser itself), compared with the minimum and printed. Anything short of
# it stops the setup with the reason.
#
#   libjpeg62-turbo-dev >= 1:2.1.5   libjpeg-turbo, linked statically into bin/zhipai
#   libtesseract-dev >= 5.3.0        Tesseract OCR (and Leptonica), which reads the ID card, through gosseract
#   tesseract-ocr-eng >= 1:4.1.0     its Latin and digits model (the card number, the validity dates)
#   tesseract-ocr-chi-sim >= 1:4.1.0 its simplified Chinese model (the name on the card)
#   fonts-droid-fallback >= 1:6.0.1r16  the Chinese text of the specimen cards (one TrueType file Go can parse)
#   fonts-dejavu-core >= 2.37        the digits of the specimen cards
#   fonts-wqy-microhei >= 0.2.0      Chinese glyphs, so screenshots are readable (--browser)
#   chromium >= 150                  the browser the end-to-end tests drive (--browser)
#   p7zip-full >= 16.02              7-Zip, which opens the AES-encrypted exports in a test (--browser)
#
# What cannot move is pinned elsewhere: Go modules by go.sum, ONNX Runtime
# by sha256 (onnxruntime.sh), the models by sha256 (models/MODELS.md).
set -eu

want="libjpeg62-turbo-dev:1:2.1.5 libtesseract-dev:5.3.0 tesseract-ocr-eng:1:4.1.0 tesseract-ocr-chi-sim:1:4.1.0 fonts-droid-fallback:1:6.0.1r16 fonts-dejavu-core:2.37"
if [ "${1:-}" = "--browser" ]; then
	want="$want chromium:150 fonts-wqy-microhei:0.2.0 p7zip-full:16.02"
fi

installed() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | awk '/install ok installed/ {print $4}'; }
atleast() { [ -n "$1" ] && dpkg --compare-versions "$1" ge "$2"; }

missing=""
for spec in $want; do
	pkg=${spec%%:*} min=${spec#*:}
	atleast "$(installed "$pkg")" "$min" || missing="$missing $pkg"
done

if [ -n "$missing" ]; then
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	echo "installing:$missing (newest in the archive)" >&2
	$sudo apt-get update -qq >/dev/null || echo "apt-get update failed; trying the package lists at hand" >&2
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

status=0
for spec in $want; do
	pkg=${spec%%:*} min=${spec#*:}
	have=$(installed "$pkg")
	if atleast "$have" "$min"; then
		echo "setup: $pkg $have (>= $min)" >&2
	else
		echo "setup: $pkg ${have:-not installed}, need >= $min" >&2
		status=1
	fi
done

# The package says what dpkg unpacked; the browser says what runs.
case " $want " in *" chromium:"*)
	major=$(chromium --version 2>/dev/null | sed -n 's/^Chromium \([0-9]*\)\..*/\1/p')
	if [ -z "$major" ] || [ "$major" -lt 150 ]; then
		echo "setup: chromium --version says '$(chromium --version 2>&1 | head -1)', need major >= 150" >&2
		status=1
	fi
esac
exit $status
