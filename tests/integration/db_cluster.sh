#!/usr/bin/env bash
# The embedded PostgreSQL: start/stop/status, concurrent starts, migrations
# applied once, a changed applied migration refused.
. "$(dirname "$0")/../lib.sh"
need psql
t_home
nmig=$(ls "$ANCONG_TOP"/schema/*.sql | wc -l)

"$ANCONG_BIN" db status >/dev/null 2>&1
is "$?" "1" "status says stopped before the first start"

# Several processes at once on a fresh home: one initialises, all succeed.
for i in 1 2 3 4; do "$ANCONG_BIN" migrate >"$ANCONG_HOME/m$i.log" 2>&1 & done
rcs=0
for j in $(jobs -p); do wait "$j" || rcs=$((rcs + 1)); done
at_exit "'$ANCONG_BIN' db stop"
is "$rcs" "0" "four concurrent migrate runs on a fresh home all succeed"
is "$(grep -l "applied $nmig migrations" "$ANCONG_HOME"/m*.log | wc -l)" "1" "exactly one of them applied the migrations"

check "status says running" "$ANCONG_BIN" db status
is "$(sql 'SELECT count(*) FROM schema_migrations')" "$nmig" "every migration recorded"
is "$("$ANCONG_BIN" migrate 2>&1)" "database schema is up to date" "migrate again is a no-op"
is "$(sql "SELECT count(*) FROM units WHERE level = 'provincial'")" "6" "six pilot provinces seeded"
is "$(sql "SELECT code FROM units WHERE level = 'supreme'")" "vkstc" "the Supreme procuracy seeded"
is "$(sql "SHOW listen_addresses")" "" "the cluster listens on no TCP address"
is "$(sql "SELECT ancong_fold('Quyết Định  khởi kiện ĐẮK LẮK')")" "quyet dinh khoi kien dak lak" "ancong_fold removes diacritics, đ->d, folds space"

# The audit log is append-only.
sql "INSERT INTO audit_log (actor, action) VALUES ('test', 'test.event')" >/dev/null
if sql "UPDATE audit_log SET action = 'x'" >/dev/null 2>&1; then not_ok "audit_log refuses UPDATE"; else ok "audit_log refuses UPDATE"; fi
if sql "DELETE FROM audit_log" >/dev/null 2>&1; then not_ok "audit_log refuses DELETE"; else ok "audit_log refuses DELETE"; fi

# A migration whose applied checksum no longer matches is refused.
sql "UPDATE schema_migrations SET sha256 = repeat('0', 64) WHERE name LIKE '0002%'" >/dev/null
out=$("$ANCONG_BIN" migrate 2>&1); rc=$?
is "$rc" "1" "migrate refuses when an applied migration changed"
case "$out" in *"0002_documents.sql"*"changed after it was applied"*) ok "the refusal names the file";;
     *) not_ok "the refusal names the file" "$out";; esac
sql "UPDATE schema_migrations SET sha256 = 'x' WHERE false" >/dev/null

check "stop" "$ANCONG_BIN" db stop
"$ANCONG_BIN" db status >/dev/null 2>&1
is "$?" "1" "status says stopped after stop"
check "stop when stopped is fine" "$ANCONG_BIN" db stop
# psql starts the cluster on demand.
is "$(sql 'SELECT 1')" "1" "db psql starts the cluster on demand"
check "start when running is a no-op" "$ANCONG_BIN" db start

# As root the cluster runs as "postgres", which must be able to reach the
# home: a folder on the way that it cannot enter is a clear error.
if [ "$(id -u)" = 0 ]; then
    is "$(stat -c %U "$ANCONG_HOME/pg")" "postgres" "as root, the cluster belongs to the postgres user"
    locked=$(mktemp -d /tmp/ancong-locked.XXXXXX); chmod 0700 "$locked"
    at_exit "rm -rf '$locked'"
    out=$(ANCONG_HOME=$locked/home "$ANCONG_BIN" db start 2>&1); rc=$?
    is "$rc" "1" "start fails when the postgres user cannot reach ANCONG_HOME"
    case "$out" in *"cannot enter \"$locked\""*"chmod o+x $locked"*) ok "the error names the folder and the fix";;
         *) not_ok "the error names the folder and the fix" "$out";; esac
else
    is "$(stat -c %u "$ANCONG_HOME/pg")" "$(id -u)" "not root: the cluster belongs to the user running ancong"
fi
t_finish
