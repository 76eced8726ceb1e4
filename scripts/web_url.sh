#!/usr/bin/env bash
# scripts/web_url.sh — the address of the review web app as configured
# (web.listen, from `bin/ancong config show`), as a URL to open in a browser.
# Used by scripts/run.sh for its closing banner.  A wildcard listen address
# (0.0.0.0, [::]) is shown as this machine's loopback, saying it listens on all.
set -uo pipefail
BIN=${ANCONG_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin/ancong}
listen=$("$BIN" config show 2>/dev/null | sed -n 's/^web\.listen *= *"\([^"]*\)".*/\1/p')
[ -n "$listen" ] || listen=127.0.0.1:8080
host=${listen%:*} port=${listen##*:}
case "$host" in
  0.0.0.0) echo "http://127.0.0.1:$port/ (listening on all IPv4 addresses, port $port)" ;;
  "[::]")  echo "http://[::1]:$port/ (listening on all addresses, port $port)" ;;
  *)       echo "http://$host:$port/" ;;
esac
