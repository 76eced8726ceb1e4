#!/usr/bin/env bash
# Wrong arguments get a usage error (exit 2) that says what is wanted, never
# a silent default: numbers that are not numbers, an option without its
# value, options that contradict each other, a name that is not on its list.
# Against a real embedded PostgreSQL where the check needs one.
. "$(dirname "$0")/../lib.sh"
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work; mkdir -p "$W"

# usage CMD... : runs it, prints "rc|first error line"
usage() { "$ANCONG_BIN" "$@" >"$W/out" 2>"$W/err"; echo "$?|$(grep -m1 'error:' "$W/err")"; }
want() {   # want NAME PATTERN CMD...
    local name=$1 pat=$2; shift 2
    local r; r=$(usage "$@")
    case "$r" in
        "2|"*$pat*) ok "$name" ;;
        *) not_ok "$name" "got: $r" ;;
    esac
}
want "status --since a word" '--since wants a Unix time' status --since yesterday
want "status --limit 0" '--limit wants a number of rows from 1' status --limit 0
want "status --timeout not a number" '--timeout wants seconds' status --wait 1 --timeout x
want "backfill --timeout not a number" '--timeout wants seconds' backfill "$W" --timeout abc
want "report --year with --from/--to" 'either --year or --from/--to' report --year 2026 --from 2026-01-01 --to 2026-02-01
want "search --field not a field" 'unknown field "nosuchfield" (the fields: so_van_ban' search x --field nosuchfield=abc
want "export --json-dir without a folder" '--json-dir wants the folder' export --json-dir
want "--config without a file" '--config wants the configuration file' --config
mkdir -p "$W/in"; printf '%%PDF-1.4\n%%%%EOF\n' >"$W/in/a.pdf"
want "sign without a PKCS#11 module" 'no PKCS#11 module' sign "$W/in/a.pdf" "$W/out.pdf"
check "and nothing is written" test ! -e "$W/out.pdf"
r=$(usage backfill "$W/in" --unit nowhere)
case "$r" in
    "2|"*'unknown unit "nowhere"'*) ok "backfill --unit of no unit is refused before any file" ;;
    *) not_ok "backfill --unit of no unit is refused before any file" "got: $r" ;;
esac
is "$(sql "SELECT count(*) FROM documents")" 0 "no document was made of the folder"

# search --limit: the count says when there may be more
for i in 1 2 3; do
    sql "INSERT INTO documents (sha256, name, unit_id, status, npages)
         SELECT repeat('$i', 64), 'ln$i.pdf', id, 'indexed', 1 FROM units WHERE code = 'vkstc';
         INSERT INTO pages (document_id, number, text)
         SELECT id, 1, 'biên bản xác minh ô nhiễm' FROM documents WHERE name = 'ln$i.pdf'" >/dev/null
done
"$ANCONG_BIN" search "ô nhiễm" --limit 2 >"$W/s2" 2>&1
check "search --limit 2 over 3 hits says there may be more" grep -q '^2 hits shown, there may be more: --limit N' "$W/s2"
"$ANCONG_BIN" search "ô nhiễm" --limit 5 >"$W/s5" 2>&1
check "and counts them all under the limit" grep -q '^3 hits$' "$W/s5"
t_finish
