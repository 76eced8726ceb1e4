#!/usr/bin/env bash
# bench/sign.sh — signatures per second with a SoftHSM2 token (made here, as in the
# tests) and the local test TSA, for a 1-page and a 50-page PDF, RSA 2048 and
# ECDSA P-256, with and without the RFC 3161 time-stamp.  Each signature is one
# `ancong sign` process (module load, C_Login, C_Sign, TSA round trip, fsync'd
# write), which is what the signer role pays per document.
# Knobs: BENCH_SIGN_N (signatures per case, default 20).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export ANCONG_TOP=$TOP
ANCONG_BIN=${ANCONG_BIN:-$TOP/bin/ancong}
ANCONG_BUILD_DIR=${ANCONG_BUILD_DIR:-$TOP/build}
N=${BENCH_SIGN_N:-20}
. "$TOP/tests/lib.sh" >/dev/null
. "$TOP/tests/sign/lib.sh"
sign_setup >/dev/null || { echo "ERROR: could not set up the test token / TSA"; exit 1; }
W=$SIGN_DIR/bench; mkdir -p "$W"
python3 "$SIGN_TOOLS/mkpdf.py" "$W/p1.pdf" 1
python3 "$SIGN_TOOLS/mkpdf.py" "$W/p50.pdf" 50
status=0
run_case() {  # LABEL PDF KEY TSA-ARGS...
    local label=$1 pdf=$2 key=$3; shift 3
    local t0 t1 i
    t0=$(date +%s.%N)
    for ((i = 0; i < N; i++)); do
        asign "$pdf" "$W/out.pdf" --key "$key" "$@" >/dev/null 2>"$W/err.log" || {
            echo "ERROR: $label: $(head -2 "$W/err.log")"; status=1; return; }
    done
    t1=$(date +%s.%N)
    python3 -c "import sys; n=int(sys.argv[1]); d=float(sys.argv[3])-float(sys.argv[2]); \
print('%-34s %6.1f signatures/s  (%d in %.2f s, %.0f ms each, output %d KiB)' % (sys.argv[4], n/d, n, d, 1000*d/n, int(sys.argv[5])//1024))" \
        "$N" "$t0" "$t1" "$label" "$(stat -c %s "$W/out.pdf")"
}
echo "SoftHSM2 token, $N signatures per case, one process each"
for k in RSA EC; do
    key=$([ $k = RSA ] && echo "$KEY_RSA" || echo "$KEY_EC")
    run_case "$k 1 page B-B (no TSA)" "$W/p1.pdf" "$key" --no-tsa
    run_case "$k 1 page B-T (TSA)" "$W/p1.pdf" "$key" --tsa "$TSA_URL" --chain "$CA_CHAIN"
    run_case "$k 50 pages B-B (no TSA)" "$W/p50.pdf" "$key" --no-tsa
    run_case "$k 50 pages B-T (TSA)" "$W/p50.pdf" "$key" --tsa "$TSA_URL" --chain "$CA_CHAIN"
done
run_case "RSA 1 page B-T + visible stamp" "$W/p1.pdf" "$KEY_RSA" --tsa "$TSA_URL" --chain "$CA_CHAIN" --stamp
exit $status
