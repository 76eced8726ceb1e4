#!/usr/bin/env bash
# Intake, queue and results against the real embedded PostgreSQL, driven
# through the store API by build/tools/storectl.
. "$(dirname "$0")/../lib.sh"
need psql python3
T=${ANCONG_BUILD_DIR:-$ANCONG_TOP/build}/tools/storectl
[ -x "$T" ] || { not_ok "storectl is built" "run make tests-build"; exit 1; }
t_home
t_db_start || exit 1
W=$ANCONG_HOME/work; mkdir -p "$W"
conf() { printf '%s\n' "$@" > "$ANCONG_HOME/ancong.conf"; }
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | head -1; }
conf "job.backoff_s = 0" "job.max_attempts = 3"

# --- intake: the same bytes twice are one document with two drops ---------
printf 'scan one\n' > "$W/one.pdf"
a=$("$T" ingest "$W/one.pdf" one.pdf st01 2>/dev/null)
b=$("$T" ingest "$W/one.pdf" "one copy.pdf" st01 2>/dev/null)
doc=$(echo "$a" | kv document); sha=$(echo "$a" | kv sha256)
is "$(echo "$a" | kv duplicate)/$(echo "$b" | kv duplicate)" "0/1" "second drop of the same bytes is a duplicate"
is "$(echo "$b" | kv document)" "$doc" "the duplicate points at the first document"
is "$(sql "SELECT count(*) FROM documents WHERE sha256 = '$sha'")" "1" "one document row"
is "$(sql "SELECT count(*) FROM drops WHERE document_id = $doc")" "2" "two drops recorded"
is "$(sql "SELECT string_agg(duplicate::text, ',' ORDER BY id) FROM drops WHERE document_id = $doc")" "false,true" "the second drop is marked duplicate"
is "$(sql "SELECT count(*) FROM jobs WHERE document_id = $doc")" "1" "one job, none for the duplicate"
blob="$ANCONG_HOME/blobs/originals/${sha:0:2}/${sha:2:2}/$sha"
check "the original is in the blob store" cmp -s "$W/one.pdf" "$blob"
is "$(stat -c %a "$blob")" "444" "the blob is read-only"
is "$(sql "SELECT s.code || '/' || u.code FROM documents d JOIN stations s ON s.id = d.station_id JOIN units u ON u.id = d.unit_id WHERE d.id = $doc")" "st01/vkstc" "station created on first drop, in the default unit"
is "$(sql "SELECT name FROM documents WHERE id = $doc")" "one.pdf" "the document keeps the first name"

# The same new file dropped five times at once: still one document.
printf 'five at once\n' > "$W/five.pdf"
for i in 1 2 3 4 5; do "$T" ingest "$W/five.pdf" "five$i.pdf" st01 >"$W/five$i.out" 2>/dev/null & done
wait
sha5=$(sha256sum "$W/five.pdf" | cut -c1-64)
is "$(cat "$W"/five*.out | grep -c 'duplicate=0')/$(cat "$W"/five*.out | grep -c 'duplicate=1')" "1/4" "five concurrent drops: one new document, four duplicates"
is "$(sql "SELECT count(*) || '/' || (SELECT count(*) FROM drops r JOIN documents d ON d.id = r.document_id WHERE d.sha256 = '$sha5') || '/' || (SELECT count(*) FROM jobs j JOIN documents d ON d.id = j.document_id WHERE d.sha256 = '$sha5') FROM documents WHERE sha256 = '$sha5'")" "1/5/1" "one document, five drops, one job"

# An NFD name is stored NFC.
printf 'nfd\n' > "$W/nfd.pdf"
nfd=$(printf 'Quye\xcc\x82\xcc\x81t.pdf')
d=$("$T" ingest "$W/nfd.pdf" "$nfd" st01 2>/dev/null | kv document)
is "$(sql "SELECT name = normalize(name, NFC) AND name = 'Quyết.pdf' FROM documents WHERE id = $d")" "t" "an NFD name is stored NFC"

# An empty file fails at once with a reason and no job.
: > "$W/empty.pdf"
d=$("$T" ingest "$W/empty.pdf" empty.pdf st01 2>/dev/null | kv document)
is "$(sql "SELECT status FROM documents WHERE id = $d")" "failed" "an empty file is failed"
is "$(sql "SELECT error LIKE '%empty%' FROM documents WHERE id = $d")" "t" "and says it is empty"
is "$(sql "SELECT count(*) FROM jobs WHERE document_id = $d")" "0" "an empty file gets no job"

# --- SQL injection through a name and a station is stored as text ---------
printf 'inj\n' > "$W/inj.pdf"
evil_name="x'); DROP TABLE documents; --.pdf"
evil_station="st'; DELETE FROM units; --"
d=$("$T" ingest "$W/inj.pdf" "$evil_name" "$evil_station" 2>/dev/null | kv document)
is "$(sql "SELECT name FROM documents WHERE id = $d")" "$evil_name" "an injection attempt in the name is stored as text"
is "$(sql "SELECT code FROM stations s JOIN documents d ON d.station_id = s.id WHERE d.id = $d")" "$evil_station" "an injection attempt in the station is stored as text"
is "$(sql "SELECT count(*) FROM units")" "7" "the units are all still there"

# --- claims: concurrent workers never get the same job --------------------
sql "UPDATE jobs SET state = 'done'" >/dev/null          # start from an empty queue
for i in $(seq 1 40); do printf 'page %d\n' "$i" > "$W/c$i.pdf"; "$T" ingest "$W/c$i.pdf" "c$i.pdf" st02 >/dev/null 2>&1; done
is "$(sql "SELECT count(*) FROM jobs WHERE state = 'ready'")" "40" "40 jobs queued"
for w in 1 2 3 4; do "$T" drain ocr "w$w" >"$W/drain$w.out" 2>"$W/drain$w.err" & done
wait
cat "$W"/drain*.out | sed -n 's/^job=//p' | sort > "$W/claimed"
is "$(wc -l < "$W/claimed")" "40" "four concurrent workers claimed 40 jobs in all"
is "$(sort -u "$W/claimed" | wc -l)" "40" "no job was claimed twice"
is "$(sql "SELECT count(*) FROM jobs j JOIN documents d ON d.id = j.document_id JOIN stations s ON s.id = d.station_id WHERE s.code = 'st02' AND j.state = 'done' AND j.attempts = 1")" "40" "each of them done in one attempt"
is "$(sql "SELECT count(*) FROM jobs WHERE state <> 'done'")" "0" "every job is done"
is "$(sql "SELECT count(*) FROM jobs j WHERE worker NOT IN ('w1','w2','w3','w4')")" "0" "every job records its worker"

# Priority: live (0) before backfill (100), whatever the order they came in.
printf 'bf\n' > "$W/bf.pdf"; printf 'live\n' > "$W/live.pdf"
"$T" ingest "$W/bf.pdf" bf.pdf --backfill >/dev/null 2>&1
"$T" ingest "$W/live.pdf" live.pdf st01 >/dev/null 2>&1
is "$("$T" claim ocr w1 2>/dev/null | kv name)" "live.pdf" "a live scan is claimed before older backfill"
sql "UPDATE jobs SET state = 'done' WHERE state <> 'done'" >/dev/null

# --- a dead worker's job (expired lease) is claimed again ------------------
printf 'lease\n' > "$W/lease.pdf"
d=$("$T" ingest "$W/lease.pdf" lease.pdf st01 2>/dev/null | kv document)
j1=$("$T" claim ocr dying 2>/dev/null)
is "$(echo "$j1" | kv attempts)" "1" "first claim is attempt 1"
is "$("$T" claim ocr other 2>/dev/null)" "none" "a leased job is not claimed by another worker"
is "$(sql "SELECT status FROM documents WHERE id = $d")" "processing" "the document is processing while claimed"
sql "UPDATE jobs SET lease_until = now() - interval '1 second' WHERE document_id = $d" >/dev/null
j2=$("$T" claim ocr rescuer 2>/dev/null)
is "$(echo "$j2" | kv job)" "$(echo "$j1" | kv job)" "the job of a worker whose lease ran out is claimed again"
is "$(echo "$j2" | kv attempts)" "2" "and counts as attempt 2"
is "$(sql "SELECT worker FROM jobs WHERE document_id = $d")" "rescuer" "the new worker holds it"
sql "UPDATE jobs SET state = 'done' WHERE state <> 'done'" >/dev/null
# A heartbeat extends the lease to job.lease_s from now.
conf "job.backoff_s = 0" "job.max_attempts = 3" "job.lease_s = 3000"
printf 'hb\n' > "$W/hb.pdf"
d=$("$T" ingest "$W/hb.pdf" hb.pdf st01 2>/dev/null | kv document)
sql "UPDATE jobs SET lease_until = NULL WHERE document_id = $d" >/dev/null
if "$T" heartbeat ocr hb >/dev/null 2>&1; then ok "a heartbeat of the current claim succeeds"; else not_ok "a heartbeat of the current claim succeeds"; fi
is "$(sql "SELECT lease_until - now() > interval '2900 s' FROM jobs WHERE document_id = $d")" "t" "the heartbeat set the lease to lease_s"
sql "UPDATE jobs SET state = 'done' WHERE state <> 'done'" >/dev/null
conf "job.backoff_s = 0" "job.max_attempts = 3"

# A job whose worker dies every time is parked after max_attempts.
printf 'killer\n' > "$W/killer.pdf"
d=$("$T" ingest "$W/killer.pdf" killer.pdf st01 2>/dev/null | kv document)
for i in 1 2 3; do
    "$T" claim ocr "victim$i" >/dev/null 2>&1
    sql "UPDATE jobs SET lease_until = now() - interval '1 second' WHERE document_id = $d" >/dev/null
done
is "$("$T" claim ocr next 2>/dev/null)" "none" "after 3 dead attempts the job is not handed out again"
is "$(sql "SELECT state FROM jobs WHERE document_id = $d")" "parked" "it is parked"
is "$(sql "SELECT status || ':' || (error LIKE 'processing stopped 3 times%') FROM documents WHERE id = $d")" "failed:true" "the document is failed with the reason"

# --- retries with backoff, then parked --------------------------------------
printf 'retry\n' > "$W/retry.pdf"
d=$("$T" ingest "$W/retry.pdf" retry.pdf st01 2>/dev/null | kv document)
"$T" fail ocr w1 "boom 1" >/dev/null 2>&1
is "$(sql "SELECT state || ':' || attempts || ':' || last_error FROM jobs WHERE document_id = $d")" "ready:1:boom 1" "a failed attempt is retried"
"$T" fail ocr w1 "boom 2" >/dev/null 2>&1
is "$(sql "SELECT state || ':' || attempts FROM jobs WHERE document_id = $d")" "ready:2" "and again"
is "$(sql "SELECT status FROM documents WHERE id = $d")" "processing" "the document is not failed while retries remain"
"$T" fail ocr w1 "boom 3: the file is damaged" >/dev/null 2>&1
is "$(sql "SELECT state || ':' || attempts FROM jobs WHERE document_id = $d")" "parked:3" "after max_attempts the job is parked"
is "$(sql "SELECT status || '|' || error FROM documents WHERE id = $d")" "failed|boom 3: the file is damaged" "the document is failed with the last reason"

# Backoff: job.backoff_s * 2^(attempts-1).
conf "job.backoff_s = 100" "job.max_attempts = 5"
printf 'backoff\n' > "$W/backoff.pdf"
d=$("$T" ingest "$W/backoff.pdf" backoff.pdf st01 2>/dev/null | kv document)
"$T" fail ocr w1 "slow 1" >/dev/null 2>&1
is "$(sql "SELECT next_run_at - now() BETWEEN interval '90 s' AND interval '100 s' FROM jobs WHERE document_id = $d")" "t" "first retry waits backoff_s"
is "$("$T" claim ocr w2 2>/dev/null)" "none" "a job waiting for its retry time is not claimed"
sql "UPDATE jobs SET next_run_at = now() WHERE document_id = $d" >/dev/null
"$T" fail ocr w1 "slow 2" >/dev/null 2>&1
is "$(sql "SELECT next_run_at - now() BETWEEN interval '190 s' AND interval '200 s' FROM jobs WHERE document_id = $d")" "t" "second retry waits twice as long"
sql "UPDATE jobs SET next_run_at = now() WHERE document_id = $d" >/dev/null
"$T" fail ocr w1 "not a document" --fatal >/dev/null 2>&1
is "$(sql "SELECT j.state || ':' || d.status || ':' || d.error FROM jobs j JOIN documents d ON d.id = j.document_id WHERE d.id = $d")" "failed:failed:not a document" "a non-retryable failure fails the document at once"
conf "job.backoff_s = 0" "job.max_attempts = 3"

# --- requeue: failed documents go back to the queue (not the empty ones) ---
nfailed=$(sql "SELECT count(*) FROM documents WHERE status = 'failed' AND size_bytes > 0")
out=$("$ANCONG_BIN" requeue --failed 2>&1)
is "$out" "queued $nfailed documents again" "requeue --failed queues every failed non-empty document"
is "$(sql "SELECT status || ':' || coalesce(error, '-') FROM documents WHERE id = $d")" "received:-" "a requeued document starts over"
is "$(sql "SELECT state || ':' || attempts FROM jobs WHERE document_id = $d")" "ready:0" "its job is ready with no attempts"
is "$(sql "SELECT status FROM documents WHERE name = 'empty.pdf'")" "failed" "an empty file is not requeued"
is "$("$ANCONG_BIN" requeue "${sha:0:12}" 2>&1)" "queued 1 document again" "requeue by sha256 prefix"
"$ANCONG_BIN" requeue "nothex" >/dev/null 2>&1
is "$?" "2" "a bad prefix is a usage error"
# A document a reviewer worked on is not thrown back without --force.
sql "UPDATE jobs SET state = 'done' WHERE state <> 'done'" >/dev/null
uid=$(sql "INSERT INTO users (login, full_name, unit_id, role) SELECT 'rv1', 'Trần Thị Lan', id, 'reviewer' FROM units LIMIT 1 RETURNING id")
sql "INSERT INTO audit_log (actor, user_id, action, document_id, details) VALUES ('rv1', $uid, 'field.corrected', $doc, '{}')" >/dev/null
"$ANCONG_BIN" requeue "${sha:0:12}" >"$W/rq.out" 2>"$W/rq.err"
is "$?" "1" "requeue of a reviewed document exits 1"
check "and says what would be lost and how to force it" grep -q 'not queued: "one.pdf" has 1 change by reviewers (the last: field.corrected by rv1 on .*--force' "$W/rq.err"
is "$(cat "$W/rq.out")" "queued 0 documents again" "nothing was queued"
is "$(sql "SELECT count(*) FROM jobs WHERE document_id = $doc AND state = 'ready'")" "0" "the reviewed document has no new job"
is "$("$ANCONG_BIN" requeue --force "${sha:0:12}" 2>&1)" "queued 1 document again" "--force queues it anyway"
sql "UPDATE jobs SET state = 'done' WHERE state <> 'done'" >/dev/null

# --- status: approved documents waiting for a signer that is not set up ---
sql "INSERT INTO jobs (kind, document_id) VALUES ('sign', $doc)" >/dev/null
"$ANCONG_BIN" status >"$W/status.out" 2>&1
check "status says approved documents wait for signing that is not set up" \
    grep -q '^signing: 1 approved document waits to be signed, but signing is not set up (sign.module and sign.key' "$W/status.out"
printf '%s\n' "job.backoff_s = 0" "job.max_attempts = 3" "sign.module = /usr/lib/softhsm/libsofthsm2.so" "sign.key = ancong" \
    >"$ANCONG_HOME/ancong.conf"
"$ANCONG_BIN" status >"$W/status2.out" 2>&1
check "and says nothing of it once signing is set up" bash -c "! grep -q '^signing:' '$W/status2.out'"
conf "job.backoff_s = 0" "job.max_attempts = 3"
sql "UPDATE jobs SET state = 'done' WHERE kind = 'sign'" >/dev/null

# --- status: a long file name loses its middle, never its end ---------------
printf 'long 1\n' >"$W/l1.pdf"; printf 'long 2\n' >"$W/l2.pdf"
"$T" ingest "$W/l1.pdf" bien_ban_xac_minh_hien_truong_ho_so_22_2026_phan1.pdf lng >/dev/null 2>&1
"$T" ingest "$W/l2.pdf" "Biên bản xác minh hiện trường hồ sơ 22 phần 2.pdf" lng >/dev/null 2>&1
"$ANCONG_BIN" status --station lng >"$W/status3.out" 2>&1
check "status shortens a long name in the middle" grep -qE '^bien_ban_xac_minh_hie…26_phan1.pdf {56}received' "$W/status3.out"
check "by characters, not bytes (a Vietnamese name keeps its columns)" \
    grep -qE '^Biên bản xác minh hiệ…2 phần 2.pdf {56}received' "$W/status3.out"
sql "UPDATE jobs SET state = 'done' WHERE state <> 'done'" >/dev/null

# --- NOTIFY wakes a waiting worker ----------------------------------------
"$T" wait 60000 >"$W/wait.out" 2>/dev/null &
wpid=$!
wait_for 20 bash -c "[ \"\$('$ANCONG_BIN' db psql -qAt -c \"SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN ancong_jobs'\")\" = 1 ]"
printf 'wake\n' > "$W/wake.pdf"; "$T" ingest "$W/wake.pdf" wake.pdf st01 >/dev/null 2>&1
wait "$wpid"
is "$(cat "$W/wait.out")" "woken" "a new job wakes a waiting worker"
sql "UPDATE jobs SET state = 'done' WHERE state <> 'done'" >/dev/null

# --- PostgreSQL stopped under an open connection: store_check recovers ----
out=$("$T" restart-check 2>"$W/rc.err")
is "$(echo "$out" | tr '\n' ' ')" "running_after_stop=0 reconnected=1 running=1 " "store_check restarts the embedded server and reconnects"
t_finish
