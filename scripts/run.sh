#!/usr/bin/env bash
# scripts/run.sh — the main job, after `make run` has installed packages and built:
# start the embedded PostgreSQL (unless ANCONG_DATABASE_URL is set), apply
# migrations, start `ancong serve` (watcher + workers + web), drop the bundled
# sample scans into the inbox, print a per-file summary, then keep watching
# $ANCONG_HOME/inbox/<station>/ until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$(pwd)
BIN=$TOP/bin/ancong
export ANCONG_HOME=${ANCONG_HOME:-$TOP/var}
mkdir -p "$ANCONG_HOME"
chmod 0711 "$ANCONG_HOME"
export OMP_THREAD_LIMIT=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# One ancong per ANCONG_HOME (serve holds $ANCONG_HOME/serve.lock): a second
# `make run` stops here, before it touches the first one's database.
if ! flock -n "$ANCONG_HOME/serve.lock" true 2>/dev/null; then
  echo "ancong: error: ancong is already running for $ANCONG_HOME (pid $(cat "$ANCONG_HOME/serve.lock" 2>/dev/null || echo '?'))" >&2
  echo "hint: use that one (bin/ancong status), stop it first (Ctrl-C in its terminal), or set ANCONG_HOME to another folder." >&2
  exit 1
fi
OWN_DB=0
if [ -z "${ANCONG_DATABASE_URL:-}" ]; then
  # stop the database at the end only if this run started it
  "$BIN" db status >/dev/null 2>&1 || OWN_DB=1
  say "starting the embedded PostgreSQL in $ANCONG_HOME/pg"
  "$BIN" db start
fi
say "applying schema migrations"
"$BIN" migrate

LOG=$ANCONG_HOME/log
mkdir -p "$LOG"
say "starting ancong serve (log: $LOG/serve.log)"
# In its own session: the terminal's Ctrl-C reaches only this script, whose
# stop() sends serve one SIGTERM (two signals make serve SIGKILL busy workers).
setsid "$BIN" serve >>"$LOG/serve.log" 2>&1 &
SERVE=$!
stop() {
  # A second Ctrl-C is passed on: serve then stops at once (busy jobs re-run).
  trap 'kill -TERM "$SERVE" 2>/dev/null || true' INT TERM
  # Ctrl-C may have killed a `| tee` reading our output: still stop everything.
  trap '' PIPE
  echo || true
  say "stopping ancong serve (Ctrl-C again to stop at once)" || true
  kill -TERM "$SERVE" 2>/dev/null || true
  while kill -0 "$SERVE" 2>/dev/null; do wait "$SERVE" 2>/dev/null || true; done
  # the follower reconnects (and would start the database again): stop it first
  if [ -n "${FOLLOW:-}" ]; then kill "$FOLLOW" 2>/dev/null || true; wait "$FOLLOW" 2>/dev/null || true; fi
  if [ "$OWN_DB" = 1 ]; then "$BIN" db stop || true; fi
  exit 0
}
trap stop INT TERM

INBOX=$ANCONG_HOME/inbox/samples
mkdir -p "$INBOX"
n=0
started=$(date +%s)
for f in "$TOP"/samples/*; do
  case "$f" in *.txt|*.md) continue;; esac
  [ -f "$f" ] || continue
  # Copy under a temporary name, then rename: the watcher only takes whole files.
  cp "$f" "$INBOX/.$(basename "$f").part"
  mv "$INBOX/.$(basename "$f").part" "$INBOX/$(basename "$f")"
  n=$((n + 1))
done
say "dropped $n sample scans into $INBOX; waiting for them to be processed"
"$BIN" status --station samples --wait "$n" --timeout 900 || true

WEB_URL=$("$TOP/scripts/web_url.sh")
cat <<MSG

ancong is running.  Drop scans (PDF, TIFF, JPEG, PNG) into
  $ANCONG_HOME/inbox/<station>/
and they are OCR'd, classified and indexed.  See them with
  bin/ancong status        (per-file summary)
  bin/ancong export --json-dir DIR
Review web app: $WEB_URL  (create a user: bin/ancong user add --help)
Press Ctrl-C to stop.
MSG
# Print each newly finished document as it arrives, until Ctrl-C (the
# samples were listed above: from now on only what is dropped next).
FOLLOW=
"$BIN" status --follow --since "$(date +%s)" &
FOLLOW=$!
wait "$SERVE" || true
kill "$FOLLOW" 2>/dev/null || true
