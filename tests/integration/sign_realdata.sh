#!/usr/bin/env bash
# Signing real and hostile files.  Always: a file signed under another PKI (made
# here) keeps its signature valid after ours, and generated hostile PDFs (xref
# loops, page-tree loops, broken offsets) give clean errors, never a crash.
# With ../shared: qpdf_digitally-signed.pdf, the signed Quảng Ngãi scans and the
# dev corpus PDFs get a valid signature from us without their earlier signatures
# being reported as changed, and every qpdf_* hostile file ends with exit 0 or 1.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/sign/lib.sh"
sign_setup
W=$SIGN_DIR/work; mkdir -p "$W"

# --- a document already signed by someone else (another token, another PKI)
bash "$SIGN_TOOLS/make-token.sh" "$SIGN_DIR/other" 112233 >"$W/other.log" 2>&1 || { not_ok "second token is made" "$(tail -3 "$W/other.log")"; exit 1; }
python3 "$SIGN_TOOLS/mkpdf.py" "$W/in.pdf" 3
( . "$SIGN_DIR/other/token.env"
  "$ANCONG_BIN" sign "$W/in.pdf" "$W/theirs.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_EC" \
      --pin-file "$TOKEN_PIN_FILE" --chain "$CA_CHAIN" --stamp --stamp-name "Cơ quan khác" >/dev/null 2>&1 )
[ -s "$W/theirs.pdf" ] && ok "someone else's signed file" || not_ok "someone else's signed file"
export SOFTHSM2_CONF=$SIGN_DIR/token/softhsm2.conf
asign "$W/theirs.pdf" "$W/ours.pdf" --key "$KEY_RSA" --tsa "$TSA_URL" --chain "$CA_CHAIN" >/dev/null 2>&1 \
    && ok "we sign after them" || not_ok "we sign after them"
"$ANCONG_BIN" verify "$W/ours.pdf" >"$W/ours.log" 2>&1 && grep -q 'signatures=2 valid=2' "$W/ours.log" \
    && ok "their signature stays valid after ours" || not_ok "their signature stays valid after ours" "$(cat "$W/ours.log")"
cat "$CA_CHAIN" "$SIGN_DIR/other/pki/chain.pem" >"$W/both-cas.pem"
"$ANCONG_BIN" verify "$W/ours.pdf" --ca "$W/both-cas.pem" >/dev/null 2>&1 && ok "both chains verify against their CAs" || not_ok "both chains verify"
pdfsig_valid "$W/ours.pdf" 2 && ok "pdfsig: both valid" || not_ok "pdfsig: both valid"

# --- generated hostile files: clean errors, no crash, nothing written
python3 - "$W" <<'PY'
import sys
w = sys.argv[1]
def pdf(name, body, xref_at=None):
    open(f'{w}/{name}', 'wb').write(body)
# /Prev pointing to itself
b = b'%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n2 0 obj\n<</Type/Pages/Kids[2 0 R]/Count 1>>\nendobj\n'
x = len(b)
b += b'xref\n0 3\n0000000000 65535 f\r\n%010d 00000 n\r\n%010d 00000 n\r\n' % (9, b.index(b'2 0 obj'))
b += b'trailer\n<</Size 3/Root 1 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n' % (x, x)
pdf('pages-self-loop.pdf', b)
# startxref beyond the file
pdf('bad-startxref.pdf', b'%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n999999\n%%EOF\n')
# deeply nested arrays
pdf('deep-nesting.pdf', b'%PDF-1.4\n1 0 obj\n' + b'[' * 100000 + b'\nendobj\nxref\n0 2\n0000000000 65535 f\r\n0000000009 00000 n\r\ntrailer\n<</Size 2/Root 1 0 R>>\nstartxref\n100019\n%%EOF\n')
# xref stream with absurd /W and a huge /Size
pdf('bad-xrefstm.pdf', b'%PDF-1.5\n1 0 obj\n<</Type/XRef/Size 99999999/W[9 9 9]/Length 3>>stream\nabc\nendstream\nendobj\nstartxref\n9\n%%EOF\n')
PY
for f in pages-self-loop bad-startxref deep-nesting bad-xrefstm; do
    timeout 30 "$ANCONG_BIN" sign "$W/$f.pdf" "$W/$f.out.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_RSA" \
        --pin-file "$TOKEN_PIN_FILE" >"$W/$f.log" 2>&1
    rc=$?
    [ $rc -eq 1 ] && [ ! -e "$W/$f.out.pdf" ] && grep -q 'ancong: error:' "$W/$f.log" \
        && ok "hostile $f: clean error" || not_ok "hostile $f: clean error" "rc=$rc $(head -2 "$W/$f.log")"
done

if [ ! -d "$SHARED/realdata" ]; then
    ok "../shared is absent: real-data checks limited to the generated files above"
    t_finish; exit
fi

PV=$SHARED/tools/pades-verify
# --- the issuers' own SHA-1 signatures (Quảng Ngãi e-gazette, 2018): intact, weak, never "INVALID"
for f in "$SHARED"/realdata/vn/*_signed.pdf; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .pdf)
    "$ANCONG_BIN" verify "$f" >"$W/$n.own" 2>&1
    "$ANCONG_BIN" verify "$f" --json >"$W/$n.own.json" 2>&1
    if grep -q 'digest sha1' "$W/$n.own"; then
        ! grep -q ': INVALID$' "$W/$n.own" && grep -q ': INTACT, WEAK DIGEST$' "$W/$n.own" &&
            grep -q 'meaning: the signature verifies and the signed bytes are unchanged, but a sha1' "$W/$n.own" &&
            grep -q '"weak_digest": *true' "$W/$n.own.json" \
            && ok "$n: its SHA-1 signatures read intact with a weak digest, not invalid" \
            || not_ok "$n: its SHA-1 signatures read intact with a weak digest, not invalid" "$(grep -E '^signature|problem' "$W/$n.own")"
    fi
done
# --- qpdf's signed sample and the signed Quảng Ngãi scans
for f in "$SHARED/realdata/hostile/qpdf_digitally-signed.pdf" "$SHARED"/realdata/vn/*_signed.pdf; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .pdf)
    if ! asign "$f" "$W/$n.signed.pdf" --key "$KEY_RSA" --tsa "$TSA_URL" --chain "$CA_CHAIN" >"$W/$n.log" 2>&1; then
        not_ok "$n: signed" "$(cat "$W/$n.log")"; continue
    fi
    before=$(pdfsig "$f" 2>/dev/null | grep -c '^Signature #')
    "$ANCONG_BIN" verify "$W/$n.signed.pdf" --ca "$CA_CHAIN" >"$W/$n.verify" 2>&1
    last=$(awk '/^signature [0-9]+ /{s=$0} END{print s}' "$W/$n.verify")
    echo "$last" | grep -q VALID && ! echo "$last" | grep -q INVALID && ok "$n: our signature valid (ancong verify)" \
        || not_ok "$n: our signature valid (ancong verify)" "$(tail -12 "$W/$n.verify")"
    grep -q 'changed after signing: yes' "$W/$n.verify" && not_ok "$n: earlier signatures not changed by ours" "$(grep -B6 'changed after signing: yes' "$W/$n.verify")" \
        || ok "$n: earlier signatures not changed by ours"
    "$PV" "$W/$n.signed.pdf" --ca "$CA_CHAIN" >"$W/$n.pades" 2>&1
    grep -E '^sig#' "$W/$n.pades" | tail -1 | grep -q 'TEST Kiểm sát viên RSA.*level=B-T.*-> VALID' \
        && ok "$n: pades-verify accepts our B-T signature" || not_ok "$n: pades-verify accepts our signature" "$(grep -A3 '^sig#' "$W/$n.pades" | tail -5)"
    after=$(pdfsig "$W/$n.signed.pdf" 2>/dev/null | grep -c '^Signature #')
    [ "$after" -eq $((before + 1)) ] && pdfsig "$W/$n.signed.pdf" 2>/dev/null | grep 'Signature Validation' | tail -1 | grep -q 'is Valid' \
        && ok "$n: pdfsig sees $after signatures, ours valid" || not_ok "$n: pdfsig" "before=$before after=$after"
    # earlier signatures: pdfsig's verdict on each is the same as before
    diff <(pdfsig "$f" 2>/dev/null | grep 'Signature Validation') \
         <(pdfsig "$W/$n.signed.pdf" 2>/dev/null | grep 'Signature Validation' | head -n "$before") >/dev/null \
        && ok "$n: earlier signatures keep their pdfsig verdict" || not_ok "$n: earlier signatures keep their pdfsig verdict"
done

# --- dev corpus PDFs (the kind of file the pipeline signs)
k=0
for f in "$SHARED"/corpus/dev/*.pdf; do
    [ -f "$f" ] || continue
    k=$((k + 1)); [ $k -le 4 ] || break
    n=$(basename "$f" .pdf)
    asign "$f" "$W/$n.signed.pdf" --key "$KEY_EC" --tsa "$TSA_URL" --chain "$CA_CHAIN" --stamp >"$W/$n.log" 2>&1 \
        && "$PV" "$W/$n.signed.pdf" --ca "$CA_CHAIN" >"$W/$n.pades" 2>&1 && grep -q 'level=B-T' "$W/$n.pades" \
        && ok "dev corpus $n: B-T accepted by pades-verify" || not_ok "dev corpus $n" "$(cat "$W/$n.log"; tail -4 "$W/$n.pades" 2>/dev/null)"
done

# --- every hostile qpdf_* file: exit 0 or 1, never a crash or a hang; a signed one verifies
for f in "$SHARED"/realdata/hostile/qpdf_*.pdf; do
    n=$(basename "$f" .pdf)
    timeout 60 "$ANCONG_BIN" sign "$f" "$W/h-$n.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_RSA" \
        --pin-file "$TOKEN_PIN_FILE" --tsa "$TSA_URL" --chain "$CA_CHAIN" >"$W/h-$n.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        "$ANCONG_BIN" verify "$W/h-$n.pdf" --ca "$CA_CHAIN" >"$W/h-$n.verify" 2>&1
        awk '/^signature [0-9]+ /{s=$0} END{print s}' "$W/h-$n.verify" | grep -q ': VALID' \
            && ok "hostile $n: signed, our signature verifies" || not_ok "hostile $n: signed but ours does not verify" "$(tail -8 "$W/h-$n.verify")"
    elif [ $rc -eq 1 ] && grep -q 'ancong: error:' "$W/h-$n.log" && [ ! -e "$W/h-$n.pdf" ]; then
        ok "hostile $n: refused ($(head -1 "$W/h-$n.log" | cut -c16-90))"
    else
        not_ok "hostile $n: exit 0 or a clean error" "rc=$rc $(head -3 "$W/h-$n.log")"
    fi
done
t_finish
