# tests/sign/lib.sh — sourced by the signing tests and bench/sign.sh (after tests/lib.sh).
#   sign_setup           own SoftHSM2 token + PKI in $SIGN_DIR, own TSA on 127.0.0.1 ($TSA_URL)
#   tsa_start MODE VAR   another TSA (ok|reject|garbage|http500); its URL into VAR
#   indep_check FILE     the independent checker: ../shared/tools/pades-verify when present,
#                        else tests/sign/cmscheck.py (openssl cms -verify) + pdfsig
#   pdfsig_valid FILE N  pdfsig says "Signature is Valid." exactly N times
#   asign ...            bin/ancong sign with the test token's module and PIN file
SIGN_TOOLS=$ANCONG_TOP/tests/sign
TSA_BIN=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/tsa_server

sign_setup() {
    need softhsm2-util pkcs11-tool openssl python3 pdfsig qpdf pdftotext
    python3 -c 'import cryptography' 2>/dev/null || { not_ok "python3-cryptography is installed" "make deps --test"; exit 1; }
    [ -x "$TSA_BIN" ] || { not_ok "test TSA built" "$TSA_BIN missing: run make tests-build"; exit 1; }
    SIGN_DIR=$(mktemp -d /tmp/ancong-sign.XXXXXX)
    at_exit "rm -rf '$SIGN_DIR'"
    if ! bash "$SIGN_TOOLS/make-token.sh" "$SIGN_DIR/token" >"$SIGN_DIR/make-token.log" 2>&1; then
        not_ok "test token is made" "$(tail -5 "$SIGN_DIR/make-token.log")"; exit 1
    fi
    # shellcheck disable=SC1091
    . "$SIGN_DIR/token/token.env"
    tsa_start ok TSA_URL || exit 1
}

tsa_start() {  # MODE VARNAME
    local pf="$SIGN_DIR/tsa-$1.port"
    "$TSA_BIN" --cert "$TSA_CERT" --key "$TSA_KEY" --chain "$TSA_CHAIN" --mode "$1" \
        --port-file "$pf" >"$SIGN_DIR/tsa-$1.log" 2>&1 &
    local pid=$!
    at_exit "kill $pid"
    if ! wait_for 10 test -s "$pf"; then not_ok "test TSA ($1) starts" "$(cat "$SIGN_DIR/tsa-$1.log")"; return 1; fi
    printf -v "$2" 'http://127.0.0.1:%s/' "$(cat "$pf")"
    eval "TSA_PID_$1=$pid"
}

asign() {
    "$ANCONG_BIN" sign --pkcs11-module "$TOKEN_MODULE" --pin-file "$TOKEN_PIN_FILE" "$@"
}

indep_check() {  # FILE -> 0 if the independent checker accepts every signature
    if [ -x "$SHARED/tools/pades-verify" ]; then
        "$SHARED/tools/pades-verify" "$1" --ca "$CA_CHAIN" >"$1.pades.log" 2>&1
    else
        python3 "$SIGN_TOOLS/cmscheck.py" "$1" "$CA_CHAIN" >"$1.pades.log" 2>&1
    fi
}

pdfsig_valid() {  # FILE N
    local got
    got=$(pdfsig "$1" 2>/dev/null | grep -c 'Signature Validation: Signature is Valid.')
    [ "$got" -eq "$2" ] && [ "$(pdfsig "$1" 2>/dev/null | grep -c '^Signature #')" -eq "$2" ]
}

flip_byte() {  # IN OUT OFFSET
    python3 - "$1" "$2" "$3" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); k = int(sys.argv[3])
d[k] ^= 0x01 if d[k] not in (0x0a, 0x0d) else 0x20
open(sys.argv[2], 'wb').write(d)
PY
}
