#!/usr/bin/env bash
# scripts/deps.sh [--test] — install the Debian 12 packages ancong needs.
#
# Without --test: what building and running ancong needs.  With --test: also
# what the test suite and benchmarks use (Chromium, SoftHSM2 tools, clang for
# fuzzing, the PAdES checker's Python modules).  Only missing packages are
# installed; as root this runs apt-get, otherwise it prints the command.
set -euo pipefail

RUNTIME=(
  build-essential pkg-config ca-certificates
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd libtesseract-dev libleptonica-dev
  libpoppler-glib-dev poppler-utils libcairo2-dev libvips-dev
  postgresql libpq-dev libssl-dev openssl
  libmicrohttpd-dev libsodium-dev libarchive-dev libutf8proc-dev
  libzbar-dev libqrencode-dev
  softhsm2 opensc
  fonts-liberation fonts-dejavu-core
  fonts-liberation2
  python3 procps
)
TESTING=(
  qpdf libnss3-tools python3-asn1crypto python3-cryptography
  libengine-pkcs11-openssl libpango1.0-dev
  chromium nodejs npm
  clang libclang-rt-14-dev
  zip unzip xz-utils bzip2 file
  libtiff-tools pango1.0-tools
)

want=("${RUNTIME[@]}")
[ "${1:-}" = "--test" ] && want+=("${TESTING[@]}")

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# node may come from another source than Debian's package: accept it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#want[@]} Debian packages are installed"
  exit 0
fi
echo "deps: installing ${#missing[@]} missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: not root; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/ancong-apt.log 2>&1 || {
  echo "deps: apt-get install failed; the last lines of /tmp/ancong-apt.log:" >&2
  tail -20 /tmp/ancong-apt.log >&2
  exit 1
}
echo "deps: done"
