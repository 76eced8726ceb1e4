#!/usr/bin/env bash
# A damaged file that can still be read goes through the database path
# (intake, `ancong worker`, `ancong export`) with its warnings: a PDF whose
# cross-reference table is wrong.
. "$(dirname "$0")/../lib.sh"
need python3
B=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}
T=$B/tools/storectl
[ -x "$T" ] || { not_ok "storectl is built" "run make tests-build"; exit 1; }
t_home
t_db_start || exit 1
printf '%s\n' "job.backoff_s = 0" "job.max_attempts = 2" >"$ANCONG_HOME/ancong.conf"
W=$ANCONG_HOME/work
mkdir -p "$W"
python3 "$ANCONG_TOP/tests/tools/mkrobust.py" "$W" || not_ok "mkrobust.py makes the fixtures"
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | head -1; }
doc=$("$T" ingest "$W/bad_xref.pdf" bad_xref.pdf st01 | kv document)
check "the damaged PDF is queued" test -n "$doc"
"$ANCONG_BIN" worker >"$ANCONG_HOME/worker.log" 2>&1 &
w=$!
at_exit "kill -9 $w"
done_() { [ "$(sql "SELECT state FROM jobs WHERE document_id = $doc")" = done ]; }
check "the worker finishes it" wait_for 120 done_
st=$(sql "SELECT status FROM documents WHERE id = $doc")
check "it is indexed or needs review ($st)" test "$st" = indexed -o "$st" = needs_review
check "the worker logs the warning" grep -q "stage=ocr warning=.*cross-reference" "$ANCONG_HOME/worker.log"
kill -TERM "$w"
"$ANCONG_BIN" export --json-dir "$ANCONG_HOME/export" >/dev/null 2>&1 || not_ok "export runs"
python3 - "$ANCONG_HOME/export/bad_xref.pdf.json" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    print("not ok - the export has the document\n#   %s" % e); sys.exit(0)
w = j.get("warnings") or []
print(("ok - " if any("cross-reference" in x for x in w) else "not ok - ") +
      "the exported document carries its warnings (%s)" % w)
PY
t_finish
