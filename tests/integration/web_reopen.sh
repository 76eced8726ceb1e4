#!/usr/bin/env bash
# A document the pipeline indexed on its own (every field sure) turns out to
# hold a wrong value: a reviewer reopens it in the web app, it goes back to
# the review queue, the reopening is audited, and the value can be corrected
# and the document approved.  An operator (scanners, backfill) may not
# reopen; an approved document is not reopened; a stale version is a conflict.
. "$(dirname "$0")/../lib.sh"
. "$ANCONG_TOP/tests/browser/seed.sh"
need curl python3
BUILD=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}
T=$BUILD/tools/storectl
AN=$BUILD/tools/analyze
for x in "$T" "$AN"; do [ -x "$x" ] || { not_ok "$(basename "$x") is built" "run make tests-build"; exit 1; }; done
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work; mkdir -p "$W"
seed_units
check "accounts are made" seed_users >/dev/null

printf 'scan stand-in\n' >"$W/bc.pdf"
DOC=$("$T" ingest "$W/bc.pdf" bao_cao_12.pdf hn01 2>/dev/null | sed -n 's/.*document=\([0-9]*\).*/\1/p')
"$AN" --name bao_cao_12.pdf "$ANCONG_TOP/tests/data/ocr/bao_cao_long_5p.ocr" "$W/r.json" || { not_ok "the pipeline analyses the fixture"; exit 1; }
"$T" complete ocr w0 "$W/r.json" >/dev/null 2>&1
is "$(sql "SELECT status FROM documents WHERE id = $DOC")" indexed "the pipeline indexed the document on its own"

t_web_start
csrf() { curl -s -b "$1" "$BASE/review/$DOC" | grep -o 'name="csrf-token" content="[0-9a-f]*"' | cut -d'"' -f4; }
ver() { sql "SELECT version FROM documents WHERE id = $DOC"; }
# post JAR ACTION [k=v...]
post() {
    local jar=$1 act=$2; shift 2
    local tok; tok=$(csrf "$jar")
    local args=(--data-urlencode "version=${V:-$(ver)}") kv
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    curl -s -b "$jar" -H "X-CSRF-Token: $tok" -o "$W/out.json" -w '%{http_code}' "${args[@]}" "$BASE/api/documents/$DOC/$act"
}
api() { curl -s -b "$1" "$BASE/api/documents/$DOC" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
REV=$ANCONG_HOME/rev.jar; RD=$ANCONG_HOME/op.jar
is "$(t_web_login hn_rev "$REV")" 303 "the reviewer logs in"
is "$(t_web_login hn_op "$RD")" 303 "an operator logs in"

is "$(api "$REV" 'd["can_reopen"], d["editable"]')" "True False" "an indexed document can be reopened, not edited"
is "$(api "$RD" 'd["can_reopen"]')" "False" "not by an operator"
case "$(curl -s -b "$REV" "$BASE/review/$DOC")" in
    *'id="reopen"'*) ok "the review screen has the reopen button" ;;
    *) not_ok "the review screen has the reopen button" ;;
esac
is "$(post "$RD" reopen)" 403 "an operator's reopen is refused"
is "$(V=0 post "$REV" reopen)" 409 "a reopen with a stale version is a conflict"
is "$(sql "SELECT status FROM documents WHERE id = $DOC")" indexed "nothing changed"
is "$(post "$REV" reopen)" 200 "the reviewer reopens the document"
is "$(sql "SELECT status FROM documents WHERE id = $DOC")" needs_review "it is back in review"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'document.reopen' AND document_id = $DOC AND actor = 'hn_rev'")" 1 \
   "the reopening is audited with who did it"
is "$(api "$REV" 'd["editable"], d["can_reopen"]')" "True False" "now it can be edited"
case "$(curl -s -b "$REV" "$BASE/queue")" in
    *"data-id=\"$DOC\""*) ok "the queue lists it" ;;
    *) not_ok "the queue lists it" ;;
esac
is "$(post "$REV" fields name=so_van_ban value=99/BC-VKS-DS)" 200 "the reviewer corrects the number"
is "$(post "$REV" approve)" 200 "and approves the document"
is "$(post "$REV" reopen)" 409 "an approved document is not reopened"
is "$(sql "SELECT value FROM fields WHERE document_id = $DOC AND name = 'so_van_ban'")" "99/BC-VKS-DS" "the correction is stored"

kill -TERM "$WEB_PID"; wait "$WEB_PID"
if grep -q 'Sanitizer\|runtime error:' "$ANCONG_HOME/web.log"; then
    not_ok "web ran without sanitizer reports or leaks" "$(grep -m1 'Sanitizer\|runtime error:' "$ANCONG_HOME/web.log")"
else ok "web ran without sanitizer reports or leaks"; fi
t_finish
