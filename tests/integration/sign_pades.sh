#!/usr/bin/env bash
# PAdES signing with a real SoftHSM2 token and a local RFC 3161 TSA (both made here):
# RSA and ECDSA at B-T, two signers in sequence, B-LT, the visible stamp, a flipped
# byte anywhere in the signed range, configuration-driven signing.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/sign/lib.sh"
sign_setup
W=$SIGN_DIR/work; mkdir -p "$W"

python3 "$SIGN_TOOLS/mkpdf.py" "$W/plain.pdf" 2
qpdf --object-streams=generate "$W/plain.pdf" "$W/xrefstm.pdf"
grep -aq '/Type */XRef' "$W/xrefstm.pdf" && ok "fixture with an xref stream" || not_ok "fixture with an xref stream"

# --- RSA, classic xref table
if asign "$W/plain.pdf" "$W/rsa.pdf" --key "$KEY_RSA" --tsa "$TSA_URL" --chain "$CA_CHAIN" >"$W/rsa.log" 2>&1; then
    ok "RSA B-T signature made"
else
    not_ok "RSA B-T signature made" "$(cat "$W/rsa.log")"
fi
grep -q 'level=B-T' "$W/rsa.log" && ok "sign reports B-T" || not_ok "sign reports B-T" "$(cat "$W/rsa.log")"
cmp -n "$(stat -c %s "$W/plain.pdf")" "$W/plain.pdf" "$W/rsa.pdf" && ok "RSA output is an incremental update (original bytes kept)" \
    || not_ok "RSA output is an incremental update"
"$ANCONG_BIN" verify "$W/rsa.pdf" --ca "$CA_CHAIN" >"$W/rsa.verify" 2>&1 && ok "ancong verify accepts RSA B-T" \
    || not_ok "ancong verify accepts RSA B-T" "$(cat "$W/rsa.verify")"
grep -q 'level:   B-T' "$W/rsa.verify" && grep -q 'digest sha256' "$W/rsa.verify" && grep -q 'verified against --ca' "$W/rsa.verify" \
    && ok "verify reports level, digest and chain" || not_ok "verify reports level, digest and chain" "$(cat "$W/rsa.verify")"
indep_check "$W/rsa.pdf" && ok "independent checker accepts RSA B-T" || not_ok "independent checker accepts RSA B-T" "$(tail -5 "$W/rsa.pdf.pades.log")"
if [ -x "$SHARED/tools/pades-verify" ]; then
    grep -q 'level=B-T' "$W/rsa.pdf.pades.log" && ok "pades-verify: level B-T" || not_ok "pades-verify: level B-T" "$(tail -3 "$W/rsa.pdf.pades.log")"
fi
pdfsig_valid "$W/rsa.pdf" 1 && ok "pdfsig: RSA signature valid" || not_ok "pdfsig: RSA signature valid" "$(pdfsig "$W/rsa.pdf" 2>&1 | tail -5)"

# --- ECDSA, xref stream input
asign "$W/xrefstm.pdf" "$W/ec.pdf" --key "$KEY_EC" --tsa "$TSA_URL" --chain "$CA_CHAIN" >"$W/ec.log" 2>&1 \
    && ok "EC B-T signature on an xref-stream PDF" || not_ok "EC B-T signature on an xref-stream PDF" "$(cat "$W/ec.log")"
tail -c 3000 "$W/ec.pdf" | grep -aq '/Type */XRef' && ok "update of an xref-stream file uses an xref stream" \
    || not_ok "update of an xref-stream file uses an xref stream"
"$ANCONG_BIN" verify "$W/ec.pdf" --ca "$CA_CHAIN" >"$W/ec.verify" 2>&1 && grep -q 'level:   B-T' "$W/ec.verify" \
    && ok "ancong verify accepts EC B-T" || not_ok "ancong verify accepts EC B-T" "$(cat "$W/ec.verify")"
indep_check "$W/ec.pdf" && ok "independent checker accepts EC B-T" || not_ok "independent checker accepts EC B-T" "$(tail -5 "$W/ec.pdf.pades.log")"
pdfsig_valid "$W/ec.pdf" 1 && ok "pdfsig: EC signature valid" || not_ok "pdfsig: EC signature valid"
qpdf --check "$W/ec.pdf" >/dev/null 2>&1 && ok "qpdf --check: EC output clean" || not_ok "qpdf --check: EC output clean" "$(qpdf --check "$W/ec.pdf" 2>&1 | tail -3)"

# --- a second signer after the first
asign "$W/rsa.pdf" "$W/two.pdf" --key "$KEY_EC" --tsa "$TSA_URL" --chain "$CA_CHAIN" >"$W/two.log" 2>&1 \
    && ok "second signature on a signed file" || not_ok "second signature on a signed file" "$(cat "$W/two.log")"
"$ANCONG_BIN" verify "$W/two.pdf" --ca "$CA_CHAIN" >"$W/two.verify" 2>&1 && grep -q 'signatures=2 valid=2' "$W/two.verify" \
    && ok "both signatures valid (ancong verify)" || not_ok "both signatures valid (ancong verify)" "$(cat "$W/two.verify")"
grep -q 'changed after signing: no (later revisions add' "$W/two.verify" && ok "first signature: later revision only adds a signature" \
    || not_ok "first signature: later revision only adds a signature" "$(cat "$W/two.verify")"
indep_check "$W/two.pdf" && ok "independent checker accepts both signatures" || not_ok "independent checker accepts both signatures" "$(tail -6 "$W/two.pdf.pades.log")"
if [ -x "$SHARED/tools/pades-verify" ]; then
    ! grep -q 'modified after signing' "$W/two.pdf.pades.log" && ok "pades-verify: no modification after the first signature" \
        || not_ok "pades-verify: no modification after the first signature" "$(grep modified "$W/two.pdf.pades.log")"
fi
pdfsig_valid "$W/two.pdf" 2 && ok "pdfsig: both signatures valid" || not_ok "pdfsig: both signatures valid" "$(pdfsig "$W/two.pdf" 2>&1 | grep -E 'Valid|#')"
# pdfsig with an NSS database trusting our test root: both certificates trusted
need certutil
mkdir -p "$W/nss" && certutil -N -d "sql:$W/nss" --empty-password >/dev/null 2>&1 \
    && certutil -A -d "sql:$W/nss" -n root -t CT,C,C -i "$CA_ROOT" >/dev/null 2>&1
[ "$(pdfsig -nssdir "sql:$W/nss" "$W/two.pdf" 2>/dev/null | grep -c 'Certificate Validation: Certificate is Trusted')" -eq 2 ] \
    && ok "pdfsig: both certificates trusted through the embedded chain" \
    || not_ok "pdfsig: both certificates trusted" "$(pdfsig -nssdir "sql:$W/nss" "$W/two.pdf" 2>&1 | grep Validation)"
grep -aq '/T *<5369676E617475726532>\|/T *(Signature2)' "$W/two.pdf" && ok "second field gets a new name" || not_ok "second field gets a new name"

# --- a byte changed anywhere in the signed range makes verification fail
size=$(stat -c %s "$W/two.pdf")
read -r b c <<<"$(grep -ao '/ByteRange \[0 [0-9]* [0-9]*' "$W/two.pdf" | tail -1 | awk '{print $3, $4}')"
for off in 20 400 $((b - 30)) $((c + 5)) $((size - 60)) $((size - 3)); do
    flip_byte "$W/two.pdf" "$W/flip.pdf" "$off"
    if "$ANCONG_BIN" verify "$W/flip.pdf" --ca "$CA_CHAIN" >"$W/flip.log" 2>&1; then
        not_ok "byte $off changed: ancong verify fails" "$(cat "$W/flip.log")"
    else
        ok "byte $off changed: ancong verify fails"
    fi
    if indep_check "$W/flip.pdf"; then not_ok "byte $off changed: independent checker fails"; else ok "byte $off changed: independent checker fails"; fi
done

# --- B-LT: chain + CRL in a DSS
asign "$W/plain.pdf" "$W/lt.pdf" --key "$KEY_RSA" --tsa "$TSA_URL" --chain "$CA_CHAIN" --crl "$CRL_DER" >"$W/lt.log" 2>&1 \
    && grep -q 'level=B-LT' "$W/lt.log" && ok "B-LT signature with a DSS" || not_ok "B-LT signature with a DSS" "$(cat "$W/lt.log")"
"$ANCONG_BIN" verify "$W/lt.pdf" --ca "$CA_CHAIN" 2>&1 | grep -q 'level:   B-LT' && ok "ancong verify: B-LT" || not_ok "ancong verify: B-LT"
"$ANCONG_BIN" verify "$W/lt.pdf" --ca "$CA_CHAIN" 2>&1 | grep -q 'revocation: checked against the CRL in the DSS (not revoked)' \
    && ok "verify checks the signer against the DSS CRL" || not_ok "verify checks the signer against the DSS CRL"
asign "$W/plain.pdf" "$W/lt-ec.pdf" --key "$KEY_EC" --tsa "$TSA_URL" --chain "$CA_CHAIN" --crl "$CRL_REVOKED_DER" >/dev/null 2>&1 \
    && "$ANCONG_BIN" verify "$W/lt-ec.pdf" --ca "$CA_CHAIN" 2>&1 | grep -q 'not revoked' \
    && ok "a CRL revoking someone else does not stop another signer" || not_ok "a CRL revoking someone else"
if indep_check "$W/lt.pdf"; then ok "independent checker accepts B-LT"; else not_ok "independent checker accepts B-LT" "$(tail -4 "$W/lt.pdf.pades.log")"; fi
if [ -x "$SHARED/tools/pades-verify" ]; then
    grep -q 'level=B-LT' "$W/lt.pdf.pades.log" && ok "pades-verify: level B-LT" || not_ok "pades-verify: level B-LT" "$(tail -4 "$W/lt.pdf.pades.log")"
fi

# --- the visible stamp (Decree 30/2020: text only, top right of page 1)
asign "$W/plain.pdf" "$W/stamp.pdf" --key "$KEY_RSA" --tsa "$TSA_URL" --chain "$CA_CHAIN" --stamp \
    --stamp-name "Viện kiểm sát nhân dân tỉnh Quảng Ngãi" --stamp-unit "Phòng 2" >"$W/stamp.log" 2>&1 \
    && ok "signature with a visible stamp" || not_ok "signature with a visible stamp" "$(cat "$W/stamp.log")"
pdftotext -f 1 -l 1 "$W/stamp.pdf" - 2>/dev/null >"$W/stamp.txt"
grep -q 'Bản sao điện tử' "$W/stamp.txt" && grep -q 'Viện kiểm sát nhân dân tỉnh Quảng Ngãi' "$W/stamp.txt" \
    && ok "stamp text is Vietnamese and extractable" || not_ok "stamp text is Vietnamese and extractable" "$(cat "$W/stamp.txt")"
grep -Eq '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}' "$W/stamp.txt" \
    && ok "stamp time is ISO 8601" || not_ok "stamp time is ISO 8601" "$(cat "$W/stamp.txt")"
pdffonts "$W/stamp.pdf" 2>/dev/null | grep -q 'LiberationSerif.*CID TrueType.*yes yes yes' \
    && ok "stamp font is an embedded Times-compatible subset with ToUnicode" || not_ok "stamp font embedded subset" "$(pdffonts "$W/stamp.pdf" 2>&1)"
tail -c +"$(($(stat -c %s "$W/plain.pdf") + 1))" "$W/stamp.pdf" | grep -aq '/Subtype */Image' \
    && not_ok "stamp has no image" || ok "stamp has no image"
"$ANCONG_BIN" verify "$W/stamp.pdf" --ca "$CA_CHAIN" >/dev/null 2>&1 && ok "stamped signature verifies" || not_ok "stamped signature verifies"
indep_check "$W/stamp.pdf" && ok "independent checker accepts the stamped file" || not_ok "independent checker accepts the stamped file" "$(tail -4 "$W/stamp.pdf.pades.log")"
rect=$(grep -ao '/Rect *\[[^]]*\]' "$W/stamp.pdf" | tail -1)
if python3 - "$rect" <<'PY'
import re, sys
x0, y0, x1, y1 = (float(v) for v in re.findall(r'-?[\d.]+', sys.argv[1]))
sys.exit(0 if x0 > 595 / 2 and y0 > 842 * 0.75 and x1 <= 595 and y1 <= 842 else 1)
PY
then ok "stamp at the top right of page 1"; else not_ok "stamp at the top right of page 1" "$rect"; fi
# a page shown rotated (/Rotate 90): the stamp is upright at the top right as the reader sees it
qpdf --rotate=+90:1 "$W/plain.pdf" "$W/rot90.pdf"
asign "$W/rot90.pdf" "$W/rot90.signed.pdf" --key "$KEY_RSA" --no-tsa --stamp >/dev/null 2>&1
pdftotext -f 1 -l 1 -bbox "$W/rot90.signed.pdf" - 2>/dev/null | grep '>Bản<' | head -1 >"$W/rot90.bbox"
python3 - "$W/rot90.bbox" <<'PY' && ok "rotated page: stamp at the displayed top right, text upright" || not_ok "rotated page stamp" "$(cat "$W/rot90.bbox")"
import re, sys
m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', open(sys.argv[1]).read())
x0, y0, x1, y1 = map(float, m.groups())
# displayed page is 842 wide, 595 high; upright text is wider than tall
sys.exit(0 if x0 > 842 / 2 and y1 < 595 / 4 and (x1 - x0) > (y1 - y0) else 1)
PY
"$ANCONG_BIN" verify "$W/rot90.signed.pdf" >/dev/null 2>&1 && ok "rotated page: signature verifies" || not_ok "rotated page: signature verifies"
asign "$W/plain.pdf" "$W/stamp2.pdf" --key "$KEY_EC" --stamp-page 2 --stamp-rect 50,50,300,110 --no-tsa >"$W/stamp2.log" 2>&1 \
    && grep -aq '/Rect *\[50 50 300 110\]' "$W/stamp2.pdf" && ok "stamp on a chosen page and rectangle (B-B)" \
    || not_ok "stamp on a chosen page and rectangle (B-B)" "$(cat "$W/stamp2.log")"
"$ANCONG_BIN" verify "$W/stamp2.pdf" 2>&1 | grep -q 'level:   B-B' && ok "B-B without a TSA" || not_ok "B-B without a TSA"

# --- a searchable PDF as the pipeline writes it (pipeline/pdfout: image + text layer + XMP)
MKS=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/mksearchable
if "$MKS" "$W/searchable.pdf" 3 2>"$W/mks.log"; then
    asign "$W/searchable.pdf" "$W/searchable.signed.pdf" --key "$KEY_EC" --tsa "$TSA_URL" --chain "$CA_CHAIN" --stamp \
        >"$W/srch.log" 2>&1 && ok "searchable PDF signed with a stamp" || not_ok "searchable PDF signed" "$(cat "$W/srch.log")"
    "$ANCONG_BIN" verify "$W/searchable.signed.pdf" --ca "$CA_CHAIN" >/dev/null 2>&1 && ok "signed searchable PDF verifies" \
        || not_ok "signed searchable PDF verifies"
    indep_check "$W/searchable.signed.pdf" && ok "independent checker accepts the signed searchable PDF" \
        || not_ok "independent checker accepts the signed searchable PDF" "$(tail -4 "$W/searchable.signed.pdf.pades.log")"
    pdftotext "$W/searchable.signed.pdf" - 2>/dev/null | grep -q 'Quyết định khởi tố' && ok "text layer still searchable after signing" \
        || not_ok "text layer still searchable after signing"
else
    not_ok "searchable PDF fixture" "$(cat "$W/mks.log")"
fi

# --- settings from the configuration file
cat >"$W/ancong.conf" <<CONF
sign.module = $TOKEN_MODULE
sign.key = $KEY_RSA
sign.pin_file = $TOKEN_PIN_FILE
sign.tsa_url = $TSA_URL
sign.chain = $CA_CHAIN
CONF
"$ANCONG_BIN" --config "$W/ancong.conf" sign "$W/plain.pdf" "$W/cfg.pdf" >"$W/cfg.log" 2>&1 && grep -q 'level=B-T' "$W/cfg.log" \
    && ok "sign takes token, PIN file and TSA from the configuration" || not_ok "sign from configuration" "$(cat "$W/cfg.log")"
"$ANCONG_BIN" sign "$W/plain.pdf" "$W/json.pdf" --pkcs11-module "$TOKEN_MODULE" --key "$KEY_EC" --pin-file "$TOKEN_PIN_FILE" \
    --tsa "$TSA_URL" --json >"$W/json.log" 2>/dev/null
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["level"]=="B-T" and len(j["sha256"])==64 and len(j["cert_sha256"])==64 and j["signing_time"]' "$W/json.log" \
    && ok "sign --json gives level, fingerprint, time, sha256" || not_ok "sign --json" "$(cat "$W/json.log")"
[ "$(sha256sum "$W/json.pdf" | cut -d' ' -f1)" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$W/json.log")" ] \
    && ok "reported sha256 is the output's" || not_ok "reported sha256 is the output's"
t_finish
