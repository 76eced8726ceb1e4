#!/usr/bin/env bash
# The signer role against a real PostgreSQL and a real SoftHSM2 token: an approved
# document's PDF is signed, the signed PDF stored beside the unsigned one, and the
# signature recorded (signatures row, status 'signed', audit entry).  A wrong PIN
# stops the role after one attempt and leaves the job for later.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/sign/lib.sh"
STORECTL=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/storectl
[ -x "$STORECTL" ] || { not_ok "storectl is built" "run make tests-build"; exit 1; }
sign_setup
t_home
t_db_start || exit 1
W=$SIGN_DIR/work; mkdir -p "$W"

conf() {  # PINFILE
    cat >"$ANCONG_HOME/ancong.conf" <<CONF
sign.module = $TOKEN_MODULE
sign.key = $KEY_RSA
sign.pin_file = $1
sign.tsa_url = $TSA_URL
sign.chain = $CA_CHAIN
sign.name = Viện kiểm sát nhân dân tỉnh Quảng Ngãi
sign.stamp = true
CONF
}
python3 "$SIGN_TOOLS/mkpdf.py" "$W/doc.pdf" 2
"$STORECTL" ingest "$W/doc.pdf" "to_trinh_01.pdf" >"$W/ingest.log" 2>&1 || { not_ok "document ingested" "$(cat "$W/ingest.log")"; exit 1; }
doc=$(sed -n 's/.*document=\([0-9]*\).*/\1/p' "$W/ingest.log" | head -1)
sha=$(sha256sum "$W/doc.pdf" | cut -d' ' -f1)
[ -n "$doc" ] && ok "document $doc ingested" || { not_ok "document id" "$(cat "$W/ingest.log")"; exit 1; }
sql "UPDATE documents SET status = 'approved' WHERE id = $doc" >/dev/null
sql "SELECT web_queue_sign($doc)" >/dev/null

# --- wrong PIN: the role stops, the job stays for later, nothing recorded
conf "$TOKEN_WRONG_PIN_FILE"
"$ANCONG_BIN" signer --once >"$W/wrong.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'wrong PIN' "$W/wrong.log" && ok "wrong PIN stops the signer" || not_ok "wrong PIN stops the signer" "rc=$rc $(cat "$W/wrong.log")"
is "$(sql "SELECT state FROM jobs WHERE document_id = $doc AND kind = 'sign'")" "ready" "the sign job is given back, ready"
is "$(sql "SELECT count(*) FROM signatures WHERE document_id = $doc")" "0" "no signature recorded"

# --- right PIN: signed and recorded
conf "$TOKEN_PIN_FILE"
"$ANCONG_BIN" signer --once >"$W/ok.log" 2>&1 && grep -q '1 document signed' "$W/ok.log" \
    && ok "signer signs the approved document" || not_ok "signer signs the approved document" "$(cat "$W/ok.log")"
is "$(sql "SELECT status FROM documents WHERE id = $doc")" "signed" "document status is signed"
row=$(sql "SELECT level || '|' || signer || '|' || pdf_sha256 || '|' || valid || '|' || (details->>'cert_sha256') FROM signatures WHERE document_id = $doc")
IFS='|' read -r level signer psha valid certsha <<<"$row"
is "$level" "B-T" "signature row: level"
is "$signer" "TEST Kiểm sát viên RSA" "signature row: signer"
is "$valid" "true" "signature row: valid"
[ "${#certsha}" -eq 64 ] && ok "signature row: certificate fingerprint" || not_ok "signature row: certificate fingerprint" "$row"
is "$(sql "SELECT signed_pdf_sha256 FROM documents WHERE id = $doc")" "$psha" "documents.signed_pdf_sha256"
blob=$ANCONG_HOME/blobs/signed/${psha:0:2}/${psha:2:2}/$psha
[ -f "$blob" ] && [ "$(sha256sum "$blob" | cut -d' ' -f1)" = "$psha" ] && ok "signed PDF in the blob store" || not_ok "signed PDF in the blob store" "$blob"
[ -f "$ANCONG_HOME/blobs/originals/${sha:0:2}/${sha:2:2}/$sha" ] && ok "unsigned PDF kept" || not_ok "unsigned PDF kept"
"$ANCONG_BIN" verify "$blob" --ca "$CA_CHAIN" >"$W/v.log" 2>&1 && ok "stored signed PDF verifies" || not_ok "stored signed PDF verifies" "$(cat "$W/v.log")"
indep_check "$blob" && ok "independent checker accepts the stored PDF" || not_ok "independent checker accepts the stored PDF" "$(tail -4 "$blob.pades.log")"
pdftotext -f 1 -l 1 "$blob" - 2>/dev/null | grep -q 'Viện kiểm sát nhân dân tỉnh Quảng Ngãi' && ok "stamp from sign.name" || not_ok "stamp from sign.name"
is "$(sql "SELECT count(*) FROM audit_log WHERE document_id = $doc AND action = 'document.signed'")" "1" "audit entry"
is "$(sql "SELECT state FROM jobs WHERE document_id = $doc AND kind = 'sign'")" "done" "sign job done"
! sql "SELECT details::text FROM audit_log" | grep -q "$(cat "$TOKEN_PIN_FILE")" && ok "no PIN in the audit log" || not_ok "no PIN in the audit log"

# --- nothing left: --once returns at once
"$ANCONG_BIN" signer --once >"$W/none.log" 2>&1 && grep -q '0 documents signed' "$W/none.log" && ok "no job, nothing signed" \
    || not_ok "no job, nothing signed" "$(cat "$W/none.log")"

# --- an encrypted document fails for good with a reason a clerk can read
qpdf --encrypt u o 256 -- "$W/doc.pdf" "$W/enc.pdf"
"$STORECTL" ingest "$W/enc.pdf" "enc.pdf" >"$W/ingest2.log" 2>&1
doc2=$(sed -n 's/.*document=\([0-9]*\).*/\1/p' "$W/ingest2.log" | head -1)
sql "UPDATE documents SET status = 'approved' WHERE id = $doc2" >/dev/null
sql "SELECT web_queue_sign($doc2)" >/dev/null
"$ANCONG_BIN" signer --once >"$W/enc.log" 2>&1
is "$(sql "SELECT state FROM jobs WHERE document_id = $doc2 AND kind = 'sign'")" "failed" "encrypted document: sign job failed for good"
sql "SELECT coalesce(error, '') FROM documents WHERE id = $doc2" | grep -q 'encrypted' && ok "the reason is on the document" \
    || not_ok "the reason is on the document" "$(sql "SELECT error, status FROM documents WHERE id = $doc2")"
t_finish
