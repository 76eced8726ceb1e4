#!/usr/bin/env bash
# tests/run.sh SUITE — run a test suite and print "N passed, N failed".
#
# Suites: unit, integration, browser, chaos, all (= every suite), asan (unit +
# integration against the sanitizer build in $ANCONG_BUILD).
# Every test prints lines "ok - NAME" or "not ok - NAME"; a test program that
# exits non-zero without saying "not ok" counts as one failure, so a crash is
# never silent.  Output of each test goes to $ANCONG_TEST_OUT/<test>.log
# (default build/test-output/), and the lines that matter to the terminal.
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
SUITE=${1:-all}
BUILD=${ANCONG_BUILD:-build}
export ANCONG_TOP=$TOP
if [ "$BUILD" = build ]; then export ANCONG_BIN=${ANCONG_BIN:-$TOP/bin/ancong}
else export ANCONG_BIN=${ANCONG_BIN:-$TOP/$BUILD/bin/ancong}; fi
export ANCONG_TEST_OUT=${ANCONG_TEST_OUT:-$TOP/$BUILD/test-output}
export ANCONG_BUILD_DIR=$TOP/$BUILD
mkdir -p "$ANCONG_TEST_OUT"

passed=0; failed=0; failures=()

run_one() {   # run_one NAME CMD...
    local name=$1; shift
    local log="$ANCONG_TEST_OUT/$(echo "$name" | tr '/ ' '__').log"
    local t0=$SECONDS rc
    "$@" >"$log" 2>&1 </dev/null
    rc=$?
    local p f
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $name exited with status $rc (see $log)" >>"$log"
        f=1
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $name ran no check (see $log)" >>"$log"
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    printf '%-48s %3d passed %3d failed  %4ds\n' "$name" "$p" "$f" $((SECONDS - t0))
    if [ "$f" -gt 0 ]; then
        grep -E '^not ok |^#' "$log" | head -30 | sed 's/^/    /'
        failures+=("$name")
    fi
}

suite_unit() {
    local b
    for b in "$TOP/$BUILD"/tests/test_*; do
        [ -x "$b" ] || continue
        run_one "unit/$(basename "$b")" "$b"
    done
}

suite_fuzz_replay() {   # fuzz targets over their seeds and past crashes
    local b t files
    for b in "$TOP/$BUILD"/fuzz/fuzz_*; do
        [ -x "$b" ] || continue
        t=$(basename "$b")
        files=()
        for d in "$TOP/tests/fuzz/seeds/$t" "$TOP/tests/fuzz/regress/$t"; do
            [ -d "$d" ] && [ -n "$(ls -A "$d")" ] && files+=("$d")
        done
        [ ${#files[@]} -gt 0 ] && run_one "fuzz-replay/$t" "$b" "${files[@]}"
    done
}

suite_scripts() {   # suite_scripts DIR
    local s
    for s in "$TOP"/tests/"$1"/*.sh; do
        [ -f "$s" ] || continue
        case "$(basename "$s")" in lib*.sh) continue;; esac
        run_one "$1/$(basename "$s" .sh)" bash "$s"
    done
}

suite_browser() {
    [ -f "$TOP/tests/browser/run.sh" ] && run_one "browser" bash "$TOP/tests/browser/run.sh"
    [ -f "$TOP/tests/browser/cases.sh" ] && run_one "browser/cases" bash "$TOP/tests/browser/cases.sh"
    [ -f "$TOP/tests/browser/case_merge.sh" ] && run_one "browser/case_merge" bash "$TOP/tests/browser/case_merge.sh"
    [ -f "$TOP/tests/browser/split_parts.sh" ] && run_one "browser/split_parts" bash "$TOP/tests/browser/split_parts.sh"
    [ -f "$TOP/tests/browser/review_checks.sh" ] && run_one "browser/review_checks" bash "$TOP/tests/browser/review_checks.sh"
}

case "$SUITE" in
    unit) suite_unit; suite_fuzz_replay ;;
    integration) suite_scripts integration ;;
    browser) suite_browser ;;
    chaos) suite_scripts chaos ;;
    asan) export ANCONG_ASAN=1
          export LSAN_OPTIONS="suppressions=$TOP/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
          export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"; suite_unit; suite_fuzz_replay; suite_scripts integration ;;
    all) suite_unit; suite_fuzz_replay; suite_scripts integration; suite_browser; suite_scripts chaos ;;
    *) echo "usage: tests/run.sh unit|integration|browser|chaos|asan|all" >&2; exit 2 ;;
esac

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
    echo "logs: $ANCONG_TEST_OUT"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
