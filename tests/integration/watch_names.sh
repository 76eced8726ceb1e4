#!/usr/bin/env bash
# Hostile and odd file names in the inbox: each file is taken once, under its
# name exactly as dropped (NFC), and nothing in a name is ever interpreted.
# Hard links and folders with document-like names are handled too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_watch.sh"
need sha256sum od
t_home
t_db_start || exit 1
w_conf watch.stable_s=1 watch.rescan_s=3
IN=$ANCONG_HOME/inbox
mkdir -p "$IN/hn01"
cd "$ANCONG_HOME" || exit 1
w_start || exit 1

hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
name_hex() { sql "SELECT encode(convert_to(name, 'UTF8'), 'hex') FROM documents WHERE sha256 = '$1' AND parent_id IS NULL"; }

LONG=$(printf 'a%.0s' $(seq 1 251)).pdf                   # 255 bytes, the longest a name can be
names=(
    $'two\nlines.pdf'
    'quote"and=equals.pdf'
    'back\slash.pdf'
    '-leading-dash.pdf'
    $'spaces  and\ttab.pdf'
    "$LONG"
    '📄 Biên bản tiếp nhận.pdf'
    ';rm -rf ~;.pdf'
    '$(touch pwned).pdf'
    '`touch pwned2`.pdf'
    '%s%n%x.pdf'
    'trailing space .pdf'
)
sha=()
for i in "${!names[@]}"; do
    uniq_file "$IN/hn01/${names[$i]}"
    sha[$i]=$(sha_of "$IN/hn01/${names[$i]}")
done
for i in "${!names[@]}"; do
    n=${names[$i]}
    label=$(printf '%q' "$n" | cut -c1-40)
    if wait_for 30 taken "$IN/hn01/$n" "${sha[$i]}"; then ok "taken: $label"; else not_ok "taken: $label"; fi
    is "$(name_hex "${sha[$i]}")" "$(hex "$n")" "name kept byte for byte: $label"
done
check "nothing in a name was run" test ! -e "$ANCONG_HOME/pwned" -a ! -e "$ANCONG_HOME/pwned2" -a ! -e "$IN/hn01/pwned"
check "watcher still running" kill -0 "$W_PID"

# Two names for one file (a hard link): one document, two drops.
uniq_file "$ANCONG_HOME/hl.pdf"; S_HL=$(sha_of "$ANCONG_HOME/hl.pdf")
ln "$ANCONG_HOME/hl.pdf" "$IN/hn01/link_a.pdf"
ln "$ANCONG_HOME/hl.pdf" "$IN/hn01/link_b.pdf"
both_gone() { gone "$IN/hn01/link_a.pdf" && gone "$IN/hn01/link_b.pdf"; }
check "both hard-linked names are taken" wait_for 30 both_gone
is "$(docs_with "$S_HL")/$(drops_of "$S_HL")" 1/2 "hard links: one document, two drops"
check "the file outside the inbox is untouched" test -f "$ANCONG_HOME/hl.pdf"

# A folder whose name looks like a document, inside a station.
mkdir -p "$IN/hn01/folder.pdf"
uniq_file "$IN/hn01/folder.pdf/inside.pdf"; S_IN=$(sha_of "$IN/hn01/folder.pdf/inside.pdf")
check "file in a folder named like a document is taken" wait_for 30 taken "$IN/hn01/folder.pdf/inside.pdf" "$S_IN"
check "the folder itself is left alone" test -d "$IN/hn01/folder.pdf"
is "$(sql "SELECT count(*) FROM documents WHERE name = 'folder.pdf'")" 0 "no document for a folder"
is "$(w_status errors)" 0 "no per-file errors"
check "watcher stops on SIGTERM with status 0" w_stop
t_finish
