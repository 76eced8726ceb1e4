#!/usr/bin/env bash
# tests/fuzz/run.sh [TARGET...] — `make fuzz`: build every tests/fuzz/fuzz_*.c with
# clang's libFuzzer + ASan + UBSan against a clang build of the library, and run
# each for FUZZ_SECONDS (default 600).  Corpora live in build-fuzz/corpus/TARGET
# (seeded from tests/fuzz/seeds/TARGET when present); crashes are copied to
# tests/fuzz/regress/TARGET/ so that `make test` replays them from then on.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOP=$(pwd)
SECS=${FUZZ_SECONDS:-600}
command -v clang >/dev/null || { echo "fuzz: clang is missing (make deps)" >&2; exit 2; }
make --no-print-directory -j"$(nproc)" O=build-fuzz CC=clang DEVELOPER=0 \
     CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
     build-fuzz/libancong.a >/dev/null
LIBS=$(make --no-print-directory -s print-ldlibs)
CFL=$(make --no-print-directory -s print-cflags)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
for t in "${targets[@]}"; do
  mkdir -p build-fuzz/bin build-fuzz/corpus/"$t" build-fuzz/crash/"$t" tests/fuzz/regress/"$t"
  [ -d tests/fuzz/seeds/"$t" ] && cp -n tests/fuzz/seeds/"$t"/* build-fuzz/corpus/"$t"/ 2>/dev/null || true
  # shellcheck disable=SC2086
  clang $CFL -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
        -o build-fuzz/bin/"$t" tests/fuzz/"$t".c build-fuzz/libancong.a $LIBS
  echo "fuzz: $t for ${SECS}s"
  start=$(date +%s)
  if ! build-fuzz/bin/"$t" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=4096 \
        -artifact_prefix=build-fuzz/crash/"$t"/ build-fuzz/corpus/"$t" \
        >build-fuzz/"$t".log 2>&1; then
    echo "fuzz: $t FOUND A CRASH (log: build-fuzz/$t.log)"
  fi
  for c in build-fuzz/crash/"$t"/*; do if [ -f "$c" ]; then cp "$c" tests/fuzz/regress/"$t"/; fi; done
  runs=$(grep -o 'Done [0-9]* runs' build-fuzz/"$t".log | tail -1 | awk '{print $2}' || true)
  echo "fuzz: $t ran $(( $(date +%s) - start ))s, ${runs:-?} executions, $(ls build-fuzz/crash/"$t" | wc -l) crashes"
done
