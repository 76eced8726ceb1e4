#!/usr/bin/env bash
# Signing refuses clearly and leaves nothing half-written: wrong PIN (one C_Login,
# counted through OpenSC's pkcs11-spy around the real SoftHSM2 module), PIN file
# readable by others, PIN in the key URI, token or module absent, expired
# certificate, key usage without signatures, TSA down / refusing / junk (and the
# --allow-bb fallback), encrypted input, DocMDP P=1, damaged input.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/sign/lib.sh"
sign_setup
W=$SIGN_DIR/work; mkdir -p "$W"
python3 "$SIGN_TOOLS/mkpdf.py" "$W/in.pdf" 1

expect_fail() {  # NAME PATTERN OUT CMD...   exit 1, stderr matches PATTERN, OUT not created
    local name=$1 pat=$2 out=$3; shift 3
    rm -f "$out"
    "$@" >"$W/err.log" 2>&1
    local rc=$?
    if [ $rc -eq 1 ] && grep -Eqi "$pat" "$W/err.log" && [ ! -e "$out" ]; then
        ok "$name"
    else
        not_ok "$name" "rc=$rc out-exists=$([ -e "$out" ] && echo yes || echo no): $(head -3 "$W/err.log")"
    fi
    if ls "$(dirname "$out")"/.*.tmp* "$(dirname "$out")"/*.tmp* >/dev/null 2>&1; then
        not_ok "$name: no temporary file left" "$(ls -a "$(dirname "$out")")"
    fi
}

# --- wrong PIN: one attempt only, through the PKCS#11 spy which logs every call
SPY=""
for s in /usr/lib/x86_64-linux-gnu/pkcs11-spy.so /usr/lib/aarch64-linux-gnu/pkcs11-spy.so \
         /usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so; do [ -f "$s" ] && { SPY=$s; break; }; done
if [ -z "$SPY" ]; then not_ok "OpenSC pkcs11-spy is installed" "apt-get install opensc"; exit 1; fi
export PKCS11SPY=$TOKEN_MODULE PKCS11SPY_OUTPUT=$W/spy.log
# OpenSC's spy module does not free its own state at C_Finalize: under the
# sanitizer build (tests/run.sh asan) that is its leak, not ours
export LSAN_OPTIONS=detect_leaks=0
expect_fail "wrong PIN: clear error, no output" "wrong PIN.*stopped after one attempt" "$W/o.pdf" \
    "$ANCONG_BIN" sign "$W/in.pdf" "$W/o.pdf" --pkcs11-module "$SPY" --key "$KEY_RSA" --pin-file "$TOKEN_WRONG_PIN_FILE" --tsa "$TSA_URL"
n=$(grep -c 'C_Login' "$W/spy.log" 2>/dev/null)
[ "$n" = 1 ] && ok "wrong PIN: exactly one C_Login reached the token" || not_ok "wrong PIN: exactly one C_Login" "C_Login calls: $n"
grep -q 'CKR_PIN_INCORRECT' "$W/spy.log" && ok "the token answered CKR_PIN_INCORRECT" || not_ok "the token answered CKR_PIN_INCORRECT"
! grep -q 'C_Sign' "$W/spy.log" && ok "wrong PIN: nothing signed" || not_ok "wrong PIN: nothing signed"
! grep -rq "000000\|$(cat "$TOKEN_PIN_FILE")" "$W/err.log" && ok "the PIN is not in the error output" || not_ok "the PIN is not in the error output"
rm -f "$W/spy.log"
asign "$W/in.pdf" "$W/ok.pdf" --pkcs11-module "$SPY" --key "$KEY_RSA" --tsa "$TSA_URL" >/dev/null 2>&1 \
    && ok "right PIN works afterwards (token not locked)" || not_ok "right PIN works afterwards"
[ "$(grep -c 'C_Login' "$W/spy.log")" = 1 ] && ok "a signature logs in once" || not_ok "a signature logs in once"
unset PKCS11SPY PKCS11SPY_OUTPUT LSAN_OPTIONS

# --- PIN sources
cp "$TOKEN_PIN_FILE" "$W/pin-open"; chmod 644 "$W/pin-open"
expect_fail "PIN file readable by others is refused" "can be read by other users" "$W/o.pdf" \
    "$ANCONG_BIN" sign "$W/in.pdf" "$W/o.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_RSA" --pin-file "$W/pin-open"
cp "$TOKEN_PIN_FILE" "$W/pin-ro"; chmod 400 "$W/pin-ro"
"$ANCONG_BIN" sign "$W/in.pdf" "$W/ro.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_RSA" --pin-file "$W/pin-ro" --no-tsa >/dev/null 2>&1 \
    && ok "PIN file with mode 0400 is accepted" || not_ok "PIN file with mode 0400 is accepted"
"$ANCONG_BIN" sign "$W/in.pdf" "$W/fd.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_EC" --pin-fd 3 --no-tsa 3<"$TOKEN_PIN_FILE" >/dev/null 2>&1 \
    && "$ANCONG_BIN" verify "$W/fd.pdf" >/dev/null 2>&1 && ok "PIN from a file descriptor" || not_ok "PIN from a file descriptor"
# a terminal prompt with echo off (script(1) gives the command a pseudo-terminal)
if command -v script >/dev/null; then
    (sleep 1; cat "$TOKEN_PIN_FILE") | timeout 30 script -qec "'$ANCONG_BIN' sign '$W/in.pdf' '$W/tty.pdf' \
        --pkcs11-module '$TOKEN_MODULE' --key '$KEY_RSA' --no-tsa" /dev/null >"$W/tty.log" 2>&1
    grep -q 'Token PIN:' "$W/tty.log" && [ -s "$W/tty.pdf" ] && ok "PIN prompt on a terminal" || not_ok "PIN prompt on a terminal" "$(cat -v "$W/tty.log")"
    ! grep -q "$(cat "$TOKEN_PIN_FILE")" "$W/tty.log" && ok "the prompt does not echo the PIN" || not_ok "the prompt does not echo the PIN"
else
    not_ok "script(1) is installed" "apt-get install bsdutils"
fi
expect_fail "no PIN source and no terminal is refused" "no PIN source" "$W/o.pdf" \
    "$ANCONG_BIN" sign "$W/in.pdf" "$W/o.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_RSA"
expect_fail "PIN inside the key URI is refused" "carries a PIN" "$W/o.pdf" \
    "$ANCONG_BIN" sign "$W/in.pdf" "$W/o.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_RSA?pin-value=1234" --pin-file "$TOKEN_PIN_FILE"

# --- token and module
expect_fail "token absent: clear error" "token \"no-such-token\" not found.*|Plug in" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "pkcs11:token=no-such-token;object=signer-rsa"
expect_fail "module absent: clear error" "could not load the PKCS#11 module" "$W/o.pdf" \
    "$ANCONG_BIN" sign "$W/in.pdf" "$W/o.pdf" --pkcs11-module /nonexistent/module.so --key "$KEY_RSA" --pin-file "$TOKEN_PIN_FILE"
expect_fail "key not on the token: clear error" "no certificate for key" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "pkcs11:token=$TOKEN_LABEL;object=nothing-here"

# --- certificate checks happen before the PIN is used
export PKCS11SPY=$TOKEN_MODULE PKCS11SPY_OUTPUT=$W/spy2.log LSAN_OPTIONS=detect_leaks=0
expect_fail "expired certificate is refused" "expired on" "$W/o.pdf" \
    "$ANCONG_BIN" sign "$W/in.pdf" "$W/o.pdf" --pkcs11-module "$SPY" --key "$KEY_EXPIRED" --pin-file "$TOKEN_PIN_FILE"
! grep -q 'C_Login' "$W/spy2.log" && ok "expired certificate: no login attempted" || not_ok "expired certificate: no login attempted"
unset PKCS11SPY PKCS11SPY_OUTPUT LSAN_OPTIONS
expect_fail "certificate revoked by a given CRL is refused" "is revoked" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "$KEY_RSA" --crl "$CRL_REVOKED_DER" --tsa "$TSA_URL"
expect_fail "certificate without signing key usage is refused" "does not allow signatures" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "$KEY_ENCONLY"

# --- TSA trouble
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
expect_fail "TSA down: error, no output" "could not reach the TSA.*|allow-bb" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "$KEY_RSA" --tsa "http://127.0.0.1:$dead_port/"
asign "$W/in.pdf" "$W/bb.pdf" --key "$KEY_RSA" --tsa "http://127.0.0.1:$dead_port/" --allow-bb >"$W/bb.log" 2>&1 \
    && grep -q 'level=B-B' "$W/bb.log" && grep -q 'signed at B-B as allowed' "$W/bb.log" \
    && ok "TSA down with --allow-bb: B-B and a warning" || not_ok "TSA down with --allow-bb" "$(cat "$W/bb.log")"
"$ANCONG_BIN" verify "$W/bb.pdf" --ca "$CA_CHAIN" 2>&1 | grep -q 'level:   B-B' && ok "fallback file verifies at B-B" || not_ok "fallback file verifies at B-B"
tsa_start reject URL_REJECT && expect_fail "TSA refusing: error names the PKIStatus" "refused the time-stamp request" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "$KEY_RSA" --tsa "$URL_REJECT"
tsa_start garbage URL_GARBAGE && expect_fail "TSA answering junk: error" "did not send a time-stamp reply" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "$KEY_RSA" --tsa "$URL_GARBAGE"
tsa_start http500 URL_500 && expect_fail "TSA HTTP error: error shows the status" "answered \"HTTP/1.0 500" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "$KEY_RSA" --tsa "$URL_500"
expect_fail "https TSA URL is refused clearly" "is not http://" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "$KEY_RSA" --tsa "https://127.0.0.1:1/"

# --- inputs that must not be signed
qpdf --encrypt user owner 256 -- "$W/in.pdf" "$W/enc.pdf"
expect_fail "encrypted input is refused" "is encrypted" "$W/o.pdf" asign "$W/enc.pdf" "$W/o.pdf" --key "$KEY_RSA"
python3 "$SIGN_TOOLS/mkpdf.py" "$W/cert1.pdf" 1 --docmdp 1
expect_fail "document certified with DocMDP P=1 is refused" "no changes allowed" "$W/o.pdf" asign "$W/cert1.pdf" "$W/o.pdf" --key "$KEY_RSA"
python3 "$SIGN_TOOLS/mkpdf.py" "$W/cert2.pdf" 1 --docmdp 2
asign "$W/cert2.pdf" "$W/c2.pdf" --key "$KEY_RSA" --no-tsa >/dev/null 2>&1 && ok "DocMDP P=2 (signatures allowed) can be signed" \
    || not_ok "DocMDP P=2 (signatures allowed) can be signed"
head -c 600 "$W/in.pdf" >"$W/trunc.pdf"
expect_fail "truncated input: damaged PDF error" "damaged PDF|truncated" "$W/o.pdf" asign "$W/trunc.pdf" "$W/o.pdf" --key "$KEY_RSA"
printf 'not a pdf at all\n' >"$W/junk.pdf"
expect_fail "non-PDF input is refused" "not a PDF" "$W/o.pdf" asign "$W/junk.pdf" "$W/o.pdf" --key "$KEY_RSA"
expect_fail "stamp on a page that does not exist" "page 5 does not exist" "$W/o.pdf" \
    asign "$W/in.pdf" "$W/o.pdf" --key "$KEY_RSA" --stamp-page 5
# an existing output is left alone on failure
echo keep >"$W/keep.pdf"
asign "$W/enc.pdf" "$W/keep.pdf" --key "$KEY_RSA" >/dev/null 2>&1
[ "$(cat "$W/keep.pdf")" = keep ] && ok "failed signing leaves an existing OUT untouched" || not_ok "failed signing leaves OUT untouched"

# --- verify on unsigned and tampered files
"$ANCONG_BIN" verify "$W/in.pdf" >"$W/v.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'has no signatures' "$W/v.log" && ok "verify: unsigned file exits 1" || not_ok "verify: unsigned file exits 1" "rc=$rc"
asign "$W/in.pdf" "$W/s.pdf" --key "$KEY_RSA" --tsa "$TSA_URL" --chain "$CA_CHAIN" >/dev/null 2>&1
# an incremental update that changes the page content after signing
python3 - "$W/s.pdf" "$W/mod.pdf" <<'PY'
import re, sys
d = open(sys.argv[1], 'rb').read()
prev = int(re.findall(rb'startxref\s+(\d+)', d)[-1])
size = int(re.findall(rb'/Size (\d+)', d)[-1])
body = b'BT /F1 30 Tf 100 500 Td (FORGED) Tj ET'
off = len(d) + 1
obj = b'\n4 0 obj\n<</Length %d>>stream\n%s\nendstream\nendobj\n' % (len(body), body)
x = len(d) + len(obj)
tail = b'xref\n4 1\n%010d 00000 n\r\ntrailer\n<</Size %d/Root 1 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n' % (off, size, prev, x)
open(sys.argv[2], 'wb').write(d + obj + tail)
PY
"$ANCONG_BIN" verify "$W/mod.pdf" --ca "$CA_CHAIN" >"$W/mod.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'changed after signing: yes' "$W/mod.log" && ok "verify: content changed in a later revision is reported" \
    || not_ok "verify: content changed in a later revision is reported" "rc=$rc $(cat "$W/mod.log")"
"$ANCONG_BIN" verify "$W/s.pdf" --ca "$CA_ROOT" >/dev/null 2>&1 && ok "verify with the root alone builds the chain from the CMS" \
    || not_ok "verify with the root alone builds the chain from the CMS"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/other.key" -out "$W/other.pem" -subj /CN=other -days 2 2>/dev/null
"$ANCONG_BIN" verify "$W/s.pdf" --ca "$W/other.pem" >"$W/v2.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'NOT trusted' "$W/v2.log" && ok "verify: a chain to another CA is not trusted" || not_ok "verify: untrusted chain" "rc=$rc"
t_finish
