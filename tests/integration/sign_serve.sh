#!/usr/bin/env bash
# The signer role under `ancong serve` with SoftHSM2: SIGHUP reloads its
# sign.* settings (a new sign.tsa_url is used for the next job), and a signer
# that stopped for good (PIN file others can read) is shown by `ancong status`
# and the master's /healthz.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/sign/lib.sh"
STORECTL=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/storectl
[ -x "$STORECTL" ] || { not_ok "storectl is built" "run make tests-build"; exit 1; }
sign_setup
t_home
t_db_start || exit 1
W=$SIGN_DIR/work; mkdir -p "$W"
port=$((22000 + $$ % 20000))
S=$ANCONG_HOME/run/status.json

conf() {  # PINFILE TSA_URL
    cat >"$ANCONG_HOME/ancong.conf" <<CONF
job.backoff_s = 0
serve.stop_timeout_s = 20
sign.module = $TOKEN_MODULE
sign.key = $KEY_RSA
sign.pin_file = $1
sign.tsa_url = $2
sign.allow_bb = false
sign.chain = $CA_CHAIN
CONF
}
queue_doc() {  # NAME -> document id
    python3 "$SIGN_TOOLS/mkpdf.py" "$W/$1" 1
    "$STORECTL" ingest "$W/$1" "$1" >"$W/$1.log" 2>&1
    local d; d=$(sed -n 's/.*document=\([0-9]*\).*/\1/p' "$W/$1.log" | head -1)
    sql "UPDATE documents SET status = 'approved' WHERE id = $d" >/dev/null
    sql "SELECT web_queue_sign($d)" >/dev/null
    echo "$d"
}
signer_pid() { python3 -c "
import json
s=json.load(open('$S'))
print([r for r in s['roles'] if r['role']=='signer'][0]['pid'])" 2>/dev/null; }
signer_up() { [ "$(signer_pid)" -gt 0 ] 2>/dev/null; }
start_serve() {
    # no OCR workers: an OCR job of the test PDF must not re-index it meanwhile
    "$ANCONG_BIN" serve --workers 0 --no-watch --no-web --metrics-listen "127.0.0.1:$port" \
        >>"$ANCONG_HOME/serve.log" 2>&1 &
    m=$!
    at_exit "kill -9 $m 2>/dev/null"
}
stop_serve() { kill -TERM "$m"; wait_for 30 bash -c "! kill -0 $m 2>/dev/null"; wait "$m" 2>/dev/null; }

# --- SIGHUP: the signer takes the new sign.tsa_url ----------------------------
conf "$TOKEN_PIN_FILE" "$TSA_URL"
start_serve
check "serve starts the signer role" wait_for 30 signer_up
conf "$TOKEN_PIN_FILE" "http://127.0.0.1:1/"
kill -HUP "$m"
check "the signer logs its reload" wait_for 15 grep -q 'role=signer .*stage=reload result=ok' "$ANCONG_HOME/serve.log"
doc=$(queue_doc a.pdf)
tried() { [ -n "$(sql "SELECT coalesce(last_error, '') FROM jobs WHERE document_id = $doc AND kind = 'sign'")" ] \
          || [ "$(sql "SELECT status FROM documents WHERE id = $doc")" = signed ]; }
wait_for 60 tried
is "$(sql "SELECT status FROM documents WHERE id = $doc")" "approved" "after SIGHUP with an unreachable TSA (allow_bb false) the document is not signed"
sql "SELECT last_error FROM jobs WHERE document_id = $doc AND kind = 'sign'" | grep -qi 'TSA' \
    && ok "the sign job waits with the TSA error" \
    || not_ok "the sign job waits with the TSA error" "$(sql "SELECT state, last_error FROM jobs WHERE document_id = $doc")"
is "$(sql "SELECT count(*) FROM signatures WHERE document_id = $doc")" "0" "no B-B signature made"
stop_serve

# --- a parked signer is visible: `ancong status` and /healthz -----------------
cp "$TOKEN_PIN_FILE" "$W/pin-0644"; chmod 0644 "$W/pin-0644"
conf "$W/pin-0644" "$TSA_URL"
start_serve
check "serve starts again" wait_for 30 signer_up
queue_doc b.pdf >/dev/null
parked() { grep -q '"role":"signer"[^}]*"parked":true' "$S"; }
check "the signer stops for good on a PIN file others can read" wait_for 60 parked
"$ANCONG_BIN" status >"$W/status.out" 2>&1
grep -q "^signer: stopped (.*PIN file.*) — correct it, then reload: kill -HUP $m\$" "$W/status.out" \
    && ok "ancong status names the stopped signer, why, and how to restart it" \
    || not_ok "ancong status names the stopped signer" "$(cat "$W/status.out")"
h=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$port/healthz")
is "$(tail -1 <<<"$h")" 503 "/healthz is 503 while the signer is stopped"
is "$(head -n -1 <<<"$h" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], [r["role"] for r in d["stopped_roles"]], "PIN file" in d["stopped_roles"][0]["reason"])')" \
   "degraded ['signer'] True" "/healthz says degraded and names the signer and why"
# corrected, then SIGHUP: it is started again and no longer listed
chmod 0600 "$W/pin-0644"
kill -HUP "$m"
check "after the fix and SIGHUP the signer runs again" wait_for 30 signer_up
"$ANCONG_BIN" status >"$W/status2.out" 2>&1
! grep -q '^signer: stopped' "$W/status2.out" && ok "and ancong status no longer lists it" || not_ok "status after fix" "$(cat "$W/status2.out")"
stop_serve
t_finish
