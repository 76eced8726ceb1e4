#!/usr/bin/env bash
# bench/run.sh — `make bench`: what ancong costs and how right it is, measured
# on the same scanned pages.  Prints labelled lines, section by section:
#
#   [pipeline]  pages/min of `ancong process --jobs N` over the scanned files,
#               pages/min of bare `OMP_THREAD_LIMIT=1 tesseract IMG - -l vie`
#               run N at a time (xargs -P) over the same pages rendered the way
#               ancong sees them, their ratio (target >= 0.90), peak RSS of the
#               largest ancong process (target < 300 MB), searchable PDF checks
#   [accuracy]  score-corpus on the corpus, the same per variant, CER of bare
#               tesseract beside ours (by variant and on hard pages), precision
#               of above-threshold fields and the review rate
#   [sign] [web] [search] [backfill]  hooks: bench/NAME.sh when it exists
#               (run with ANCONG_BIN, BENCH_WORK, BENCH_CORPUS, BENCH_RESULTS,
#               BENCH_PDF_DIR, BENCH_JOBS in the environment)
#   [summary]   the headline numbers again
#
# Knobs (environment):
#   BENCH_CORPUS=DIR   labelled corpus (default ../shared/corpus/dev; when it is
#                      missing, pages are generated with bench/genpages.sh)
#   BENCH_JOBS=N       workers / parallel tesseracts (default 2 = the cores here)
#   BENCH_LIMIT=N      only the first N files of the manifest (quick runs)
#   BENCH_SECTIONS="pipeline accuracy sign web search backfill"
#   BENCH_WORK=DIR     work folder (default build/bench; emptied at start; logs,
#                      results, renders and tesseract texts stay there)
# No timing is asserted anywhere in the tests: this is where speed is measured.
# Exit status: 0 when every section ran, 1 when one could not.
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
BIN=${ANCONG_BIN:-$TOP/bin/ancong}
SHARED=${ANCONG_SHARED:-$TOP/../shared}
SCORE=$SHARED/tools/score-corpus
JOBS=${BENCH_JOBS:-2}
LIMIT=${BENCH_LIMIT:-0}
W=${BENCH_WORK:-$TOP/build/bench}
SECTIONS=${BENCH_SECTIONS:-pipeline accuracy sign web search backfill}
PY=${PYTHON:-python3}
ACC="$PY $TOP/bench/accuracy.py"
CORES=$(getconf _NPROCESSORS_ONLN)
export OMP_THREAD_LIMIT=1     # ancong's workers too: parallelism comes from processes
STATUS=0
declare -A SUM=()

say()  { printf '%s\n' "$*"; }
sec()  { printf '\n[%s] %s\n' "$1" "$2"; }
fail() { say "  ERROR: $*"; STATUS=1; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
kv()   { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }   # kv KEY "a=1 b=2"
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
load() { cut -d" " -f1 /proc/loadavg; }                  # 1-minute load average

for c in tesseract pdftoppm pdfinfo tiffsplit qpdf pdftotext xargs awk "$PY"; do
    command -v "$c" >/dev/null 2>&1 || {
        say "bench: error: required program \"$c\" is missing"
        say "hint: run scripts/deps.sh --test (as root), then make bench again"
        exit 1; }
done
[ -x "$BIN" ] || { say "bench: error: $BIN is not built"; say "hint: run make first"; exit 1; }

rm -rf "$W"
mkdir -p "$W"/{res,pdf,img,tess,truth,split,one}

# ---------------------------------------------------------------- corpus
CORPUS=${BENCH_CORPUS:-$SHARED/corpus/dev}
if [ ! -f "$CORPUS/MANIFEST.tsv" ]; then
    say "bench: no labelled corpus at $CORPUS; generating pages with bench/genpages.sh"
    CORPUS=$W/generated
    bash "$TOP/bench/genpages.sh" "$CORPUS" 6 || { say "bench: error: could not generate pages"; exit 1; }
fi
ALL=(); SCANNED=(); BORN=(); declare -A VARIANT=()
while IFS=$'\t' read -r f _ _ v; do
    [ "$f" = file ] && continue
    [ -n "$f" ] && [ -f "$CORPUS/$f" ] || continue
    [ "$LIMIT" -gt 0 ] && [ ${#ALL[@]} -ge "$LIMIT" ] && break
    ALL+=("$f"); VARIANT[$f]=$v
    if [ "$v" = born_digital_text ]; then BORN+=("$f"); else SCANNED+=("$f"); fi
    [ -f "$CORPUS/$f.truth.json" ] && ln -s "$CORPUS/$f.truth.json" "$W/truth/"
done <"$CORPUS/MANIFEST.tsv"
[ ${#ALL[@]} -gt 0 ] || { say "bench: error: no files listed in $CORPUS/MANIFEST.tsv"; exit 1; }
abs() { local f; for f in "$@"; do printf '%s\n' "$CORPUS/$f"; done; }

say "ancong bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)  host=$(hostname) cores=$CORES load=\"$(cut -d" " -f1-3 /proc/loadavg)\" mem=$(awk '/MemTotal/{printf "%.0fGiB", $2/1048576}' /proc/meminfo)"
say "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "tesseract: $(tesseract --version 2>&1 | head -1)  commit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)"
say "corpus: $CORPUS  files=${#ALL[@]} (scanned ${#SCANNED[@]}, born-digital ${#BORN[@]})  jobs=$JOBS  work=$W"

HAVE_PROCESS=0
if "$BIN" process --help >/dev/null 2>&1; then HAVE_PROCESS=1; fi
PDFOPT=()
if [ $HAVE_PROCESS = 1 ] && "$BIN" process --help 2>&1 | grep -q -- '--pdf-dir'; then
    PDFOPT=(--pdf-dir "$W/pdf")
fi

# ---------------------------------------------------------------- pipeline
bench_pipeline() {
    sec pipeline "throughput on ${#SCANNED[@]} scanned files (born-digital files keep their text layer and are left out here)"
    [ ${#SCANNED[@]} -gt 0 ] || { fail "no scanned files in the corpus"; return; }

    # ancong, the whole pipeline (OCR, classification, extraction, searchable PDF)
    local st pages wall rss rc
    if [ $HAVE_PROCESS = 1 ]; then
        mapfile -t files < <(abs "${SCANNED[@]}")
        local l0; l0=$(load)
        st=$($PY "$TOP/bench/runstat.py" "$W/ancong" "$BIN" process "${files[@]}" \
                 --json-dir "$W/res" --jobs "$JOBS" "${PDFOPT[@]}")
        wall=$(kv wall_s "$st"); rss=$(kv maxrss_mb "$st"); rc=$(kv rc "$st")
        pages=$($ACC pages "$W/res" "${SCANNED[@]}")
        local np nf; np=$(kv pages "$pages"); nf=$(kv failed "$pages")
        SUM[ancong_ppm]=$(calc "$np / $wall * 60")
        SUM[ancong_rss]=$rss
        SUM[ancong_cpp]=$(calc "$(kv cpu_s "$st") / $np" 3)
        say "  ancong process --jobs $JOBS: $np pages in ${wall} s = ${SUM[ancong_ppm]} pages/min (exit $rc, failed files $nf, load $l0 -> $(load), log $W/ancong.log)"
        say "  peak RSS of the largest ancong process (worker or parse child) over the run: ${rss} MB (budget 300 MB)"
        [ "$nf" = 0 ] || say "  note: $nf files failed; see the \"error\" of their JSON in $W/res"
    else
        fail "bin/ancong has no working 'process' command yet (ancong process --help failed): pipeline throughput not measured"
    fi

    # bare tesseract on the same pages, rendered the way ancong sees them
    local dpi
    dpi=$("$BIN" config show 2>/dev/null | sed -n 's/^ocr.render_dpi *= *\([0-9]*\).*/\1/p')
    dpi=${dpi:-300}
    # rendering is not timed; it runs $JOBS at a time to keep the bench short
    export W CORPUS dpi
    printf '%s\n' "${SCANNED[@]}" | xargs -d '\n' -P "$JOBS" -I{} bash -c '
        f=$1; ext=${f##*.}; ext=${ext,,}
        case "$ext" in
        pdf)
            n=$(pdfinfo "$CORPUS/$f" 2>/dev/null | awk "/^Pages:/{print \$2}")
            for ((i = 1; i <= ${n:-0}; i++)); do
                pdftoppm -r "$dpi" -gray -png -f $i -l $i -singlefile "$CORPUS/$f" \
                    "$W/img/$(printf "%s.p%03d" "$f" $i)"
            done ;;
        tif|tiff)
            d=$W/split/$f; mkdir -p "$d"
            tiffsplit "$CORPUS/$f" "$d/x."
            i=0
            for p in $(ls "$d" | sort); do
                i=$((i + 1)); mv "$d/$p" "$W/img/$(printf "%s.p%03d.tif" "$f" $i)"
            done ;;
        *)
            ln -s "$CORPUS/$f" "$W/img/$(printf "%s.p001.%s" "$f" "$ext")" ;;
        esac' _ {} 2>>"$W/render.log"
    local nimg l1; nimg=$(ls "$W/img" | wc -l); l1=$(load)
    st=$(ls "$W/img" | sed "s|^|$W/img/|" | $PY "$TOP/bench/runstat.py" "$W/tesseract" \
         xargs -d '\n' -P "$JOBS" -I{} sh -c \
         'OMP_THREAD_LIMIT=1 tesseract "$1" - -l vie >"$2/$(basename "${1%.*}").txt" 2>/dev/null' _ {} "$W/tess")
    wall=$(kv wall_s "$st"); rss=$(kv maxrss_mb "$st")
    SUM[tess_ppm]=$(calc "$nimg / $wall * 60")
    SUM[tess_rss]=$rss
    SUM[tess_cpp]=$(calc "$(kv cpu_s "$st") / $nimg" 3)
    say "  bare tesseract (OMP_THREAD_LIMIT=1, $JOBS processes via xargs -P$JOBS, pages rendered at $dpi dpi, rendering not timed): $nimg pages in ${wall} s = ${SUM[tess_ppm]} pages/min, peak RSS ${rss} MB (load $l1 -> $(load))"
    if [ -n "${SUM[ancong_ppm]:-}" ]; then
        SUM[ratio]=$(calc "${SUM[ancong_ppm]} / ${SUM[tess_ppm]}" 3)
        local verdict=ok; awk "BEGIN{exit !(${SUM[ratio]} < 0.9)}" && verdict="BELOW TARGET"
        say "  ratio ancong / bare tesseract: ${SUM[ratio]} (target >= 0.90: $verdict)"
        SUM[cpu_ratio]=$(calc "${SUM[tess_cpp]} / ${SUM[ancong_cpp]}" 3)
        say "  CPU time per page: ancong ${SUM[ancong_cpp]} s, bare tesseract ${SUM[tess_cpp]} s: ratio ${SUM[cpu_ratio]} (what the wall-clock ratio would be on an idle machine with one process per core)"
        say "throughput: ancong_ppm=${SUM[ancong_ppm]} tesseract_ppm=${SUM[tess_ppm]} ratio=${SUM[ratio]} cpu_ratio=${SUM[cpu_ratio]} peak_rss_mb=${SUM[ancong_rss]}"
    fi

    # one 300 dpi file alone, one worker: the per-worker memory budget
    if [ $HAVE_PROCESS = 1 ]; then
        local one=""
        for f in "${SCANNED[@]}"; do
            case "${VARIANT[$f]}" in *grey_300|*_300) one=$f; break ;; esac
        done
        one=${one:-${SCANNED[0]}}
        st=$($PY "$TOP/bench/runstat.py" "$W/one" "$BIN" process "$CORPUS/$one" --json-dir "$W/one" --jobs 1)
        SUM[one_rss]=$(kv maxrss_mb "$st")
        say "  one worker on one file ($one, ${VARIANT[$one]}): peak RSS ${SUM[one_rss]} MB, $(kv wall_s "$st") s, exit $(kv rc "$st")"
    fi

    # the searchable PDFs the run wrote
    if [ ${#PDFOPT[@]} -gt 0 ]; then
        $ACC pdfcheck "$W/pdf" "$W/res" | sed 's/^pdf:/searchable_pdf:/'
    else
        say "  searchable PDFs: 'ancong process' has no --pdf-dir option; not checked"
    fi
}

# ---------------------------------------------------------------- accuracy
bench_accuracy() {
    sec accuracy "score-corpus on $CORPUS (${#ALL[@]} files)"
    [ -x "$SCORE" ] || [ -f "$SCORE" ] || { fail "$SCORE is missing"; return; }
    if [ $HAVE_PROCESS = 0 ]; then
        fail "bin/ancong has no working 'process' command yet: accuracy not measured"; return
    fi
    # results for the files the pipeline section did not process
    local todo=() f
    for f in "${ALL[@]}"; do [ -f "$W/res/$f.json" ] || todo+=("$CORPUS/$f"); done
    if [ ${#todo[@]} -gt 0 ]; then
        "$BIN" process "${todo[@]}" --json-dir "$W/res" --jobs "$JOBS" >"$W/process-rest.log" 2>&1
    fi
    $PY "$SCORE" "$W/truth" "$W/res" >"$W/score.txt" 2>&1
    grep -E '^(batch|files):' "$W/score.txt" | sed 's/^/  /'
    SUM[score]=$(grep '^score:' "$W/score.txt" | tail -1)
    say "  full report: $W/score.txt"
    say "accuracy: ${SUM[score]}"

    say "  by variant (score-corpus on each variant's files alone):"
    local v
    for v in $(printf '%s\n' "${VARIANT[@]}" | sort -u); do
        rm -rf "$W/var"; mkdir -p "$W/var/t" "$W/var/r"
        for f in "${ALL[@]}"; do
            [ "${VARIANT[$f]}" = "$v" ] || continue
            [ -e "$W/truth/$f.truth.json" ] && ln -s "$CORPUS/$f.truth.json" "$W/var/t/"
            [ -f "$W/res/$f.json" ] && ln -s "$W/res/$f.json" "$W/var/r/"
        done
        printf '  %-22s %s\n' "$v" "$($PY "$SCORE" "$W/var/t" "$W/var/r" | grep '^score:' | sed 's/^score: //')"
    done
    rm -rf "$W/var"

    local self sc
    self=$($ACC selfcer "$W/truth" "$W/res")
    sc=$(sed -n 's/.*cer=\([0-9.]*\).*/\1/p' <<<"${SUM[score]}")
    [ "$self" = "$sc" ] || say "  WARNING: bench/accuracy.py computes cer=$self where score-corpus says $sc: normalisations differ"

    if [ "$(ls "$W/tess" | wc -l)" -gt 0 ]; then
        say "  CER of page text, ancong beside bare tesseract on the same scanned pages:"
        $ACC cer "$W/truth" "$W/res" "$W/tess" "${SCANNED[@]}" | sed 's/^cer:/cer_vs_tesseract:/'
    else
        say "  (bare tesseract texts missing: run the pipeline section too for the CER comparison)"
    fi

    local thr
    thr=$("$BIN" config show 2>/dev/null | sed -n 's/^review.threshold *= *\([0-9.]*\).*/\1/p')
    say "  fields above the review threshold:"
    $ACC fields "$W/truth" "$W/res" "${thr:-0.8}"
}

# ---------------------------------------------------------------- hooks
bench_hook() {   # bench_hook NAME
    sec "$1" "bench/$1.sh"
    if [ -f "$TOP/bench/$1.sh" ]; then
        ANCONG_BIN=$BIN BENCH_WORK=$W BENCH_CORPUS=$CORPUS BENCH_RESULTS=$W/res \
            BENCH_PDF_DIR=$W/pdf BENCH_JOBS=$JOBS bash "$TOP/bench/$1.sh" 2>&1 | sed 's/^/  /'
        [ "${PIPESTATUS[0]}" -eq 0 ] || fail "bench/$1.sh exited with status ${PIPESTATUS[0]}"
    else
        say "  not measured: bench/$1.sh does not exist yet"
    fi
}

want pipeline && bench_pipeline
want accuracy && bench_accuracy
for h in sign web search backfill; do want $h && bench_hook $h; done

sec summary "headline numbers"
[ -n "${SUM[ancong_ppm]:-}" ] && say "  pipeline:   ${SUM[ancong_ppm]} pages/min (ancong --jobs $JOBS) vs ${SUM[tess_ppm]} (bare tesseract x$JOBS): ratio ${SUM[ratio]} (target >= 0.90); by CPU time ${SUM[cpu_ratio]:-?}"
[ -z "${SUM[ancong_ppm]:-}" ] && [ -n "${SUM[tess_ppm]:-}" ] && say "  pipeline:   not measured; bare tesseract x$JOBS gives ${SUM[tess_ppm]} pages/min"
[ -n "${SUM[ancong_rss]:-}" ] && say "  memory:     peak RSS per worker ${SUM[ancong_rss]} MB over the run, ${SUM[one_rss]:-?} MB on one 300 dpi file (budget 300 MB)"
[ -n "${SUM[score]:-}" ] && say "  accuracy:   ${SUM[score]}"
[ $STATUS = 0 ] || say "  some sections could not run: see the ERROR lines above"
exit $STATUS
