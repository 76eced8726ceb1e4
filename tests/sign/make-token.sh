#!/usr/bin/env bash
# tests/sign/make-token.sh DIR [PIN] — a throw-away SoftHSM2 token for the signing
# tests and benchmarks, with keys generated ON the token and a test PKI.
#
#   DIR/softhsm2.conf   (export SOFTHSM2_CONF=DIR/softhsm2.conf; token.env does)
#   key id 01 RSA 2048, id 02 EC P-256   valid signer certificates
#   key id 03 RSA 2048                   certificate expired (2021-ish)
#   key id 04 RSA 2048                   certificate without digitalSignature
#   DIR/pki/...                          see tests/sign/pki.py
#   DIR/token.env                        variables for the tests (source it)
# TEST MATERIAL ONLY: the PIN is public.  Needs softhsm2, opensc, python3-cryptography.
set -euo pipefail
DIR=${1:?usage: make-token.sh DIR [PIN]}
PIN=${2:-246810}
SOPIN=13579135
LABEL=ancong-test
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

MODULE=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
         /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
  [ -f "$m" ] && { MODULE=$m; break; }
done
[ -n "$MODULE" ] || { echo "make-token: SoftHSM2 module not found (apt-get install softhsm2)" >&2; exit 2; }
command -v pkcs11-tool >/dev/null || { echo "make-token: pkcs11-tool missing (apt-get install opensc)" >&2; exit 2; }

mkdir -p "$DIR/tokens"
DIR=$(cd "$DIR" && pwd)
cat > "$DIR/softhsm2.conf" <<CONF
directories.tokendir = $DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF=$DIR/softhsm2.conf
softhsm2-util --init-token --free --label "$LABEL" --pin "$PIN" --so-pin "$SOPIN" >/dev/null

P11=(pkcs11-tool --module "$MODULE" --token-label "$LABEL" --login --pin "$PIN")
gen() { # id label keytype
  "${P11[@]}" --keypairgen --key-type "$3" --id "$1" --label "$2" --usage-sign >/dev/null 2>&1
  pkcs11-tool --module "$MODULE" --token-label "$LABEL" --read-object --type pubkey --id "$1" \
    -o "$DIR/pub-$1.der" >/dev/null 2>&1
}
gen 01 signer-rsa rsa:2048
gen 02 signer-ec EC:prime256v1
gen 03 expired-rsa rsa:2048
gen 04 enconly-rsa rsa:2048

python3 "$HERE/pki.py" "$DIR"

for id in 01 02 03 04; do
  label=$(case $id in 01) echo signer-rsa;; 02) echo signer-ec;; 03) echo expired-rsa;; 04) echo enconly-rsa;; esac)
  "${P11[@]}" --write-object "$DIR/pki/signer-$id.der" --type cert --id "$id" --label "$label" >/dev/null 2>&1
done

printf '%s\n' "$PIN" > "$DIR/pin"
chmod 600 "$DIR/pin"
printf '%s\n' "000000" > "$DIR/wrong-pin"
chmod 600 "$DIR/wrong-pin"
cat > "$DIR/token.env" <<ENV
# TEST MATERIAL ONLY
export SOFTHSM2_CONF='$DIR/softhsm2.conf'
TOKEN_MODULE='$MODULE'
TOKEN_LABEL='$LABEL'
TOKEN_PIN_FILE='$DIR/pin'
TOKEN_WRONG_PIN_FILE='$DIR/wrong-pin'
KEY_RSA='pkcs11:token=$LABEL;object=signer-rsa;id=%01'
KEY_EC='pkcs11:token=$LABEL;object=signer-ec;id=%02'
KEY_EXPIRED='pkcs11:token=$LABEL;object=expired-rsa;id=%03'
KEY_ENCONLY='pkcs11:token=$LABEL;object=enconly-rsa;id=%04'
CA_CHAIN='$DIR/pki/chain.pem'
CA_ROOT='$DIR/pki/root.pem'
TSA_CERT='$DIR/pki/tsa.pem'
TSA_KEY='$DIR/pki/tsa.key'
TSA_CHAIN='$DIR/pki/intermediate.pem'
CRL_DER='$DIR/pki/crl.der'
CRL_REVOKED_DER='$DIR/pki/crl-revoked.der'
ENV
