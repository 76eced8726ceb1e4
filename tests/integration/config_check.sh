#!/usr/bin/env bash
# `ancong config check` and `config show`: a good file is ok; a file with
# several mistakes has every one named with its line (not only the first),
# and the command fails; a missing file is named; the environment is read
# as the other commands read it.  No database.
. "$(dirname "$0")/../lib.sh"
t_home
W=$ANCONG_HOME/work; mkdir -p "$W"

printf '%s\n' '# thresholds for the pilot' 'review.threshold = 0.85' 'log.level = "debug"' '' >"$W/good.conf"
"$ANCONG_BIN" config check "$W/good.conf" >"$W/good.out" 2>&1
is "$?" 0 "a good file passes"
check "and says which file was checked" grep -q "^configuration ok: $W/good.conf$" "$W/good.out"
ANCONG_CONFIG=$W/good.conf "$ANCONG_BIN" config show >"$W/show.out" 2>&1
check "config show prints the value the file sets" grep -qE '^review\.threshold += 0\.85( |$)' "$W/show.out"
check "and the defaults of the rest" grep -qE '^job\.max_attempts += [0-9]+( |$)' "$W/show.out"

printf '%s\n' 'workers = lots' 'review.threshold = 0.85' 'reveiw.threshold = 0.9' 'just some words' \
    'review.threshold = 7' >"$W/bad.conf"
"$ANCONG_BIN" config check "$W/bad.conf" >"$W/bad.out" 2>&1
rc=$?
check "a file with mistakes fails" test "$rc" -ne 0
check "line 1: not a number" grep -q "bad.conf:1: value \"lots\" for \"workers\" is not a whole number" "$W/bad.out"
check "line 3: a misspelt setting" grep -q "bad.conf:3: unknown setting \"reveiw.threshold\"" "$W/bad.out"
check "line 4: not name = value" grep -q 'bad.conf:4: expected "name = value"' "$W/bad.out"
check "line 5: out of range" grep -q 'bad.conf:5: value 7 for "review.threshold" is outside' "$W/bad.out"
check "and how many lines are wrong" grep -q 'bad.conf: 4 lines in error' "$W/bad.out"
check "the good line is not named" bash -c "! grep -q 'bad.conf:2:' '$W/bad.out'"

"$ANCONG_BIN" config check "$W/none.conf" >"$W/none.out" 2>&1
check "a missing file fails" test "$?" -ne 0
check "and is named" grep -q "none.conf" "$W/none.out"

ANCONG_WORKERS=many "$ANCONG_BIN" config check "$W/good.conf" >"$W/env.out" 2>&1
check "a bad ANCONG_WORKERS fails the check too" test "$?" -ne 0
check "and names the variable" grep -q "ANCONG_WORKERS" "$W/env.out"
"$ANCONG_BIN" config >/dev/null 2>&1
is "$?" 2 "config without a subcommand is a usage error"

# values the loader used to take although nothing can use them
for v in 'web.listen = 127.0.0.1:99999' 'web.listen = 0.0.0.0' 'web.listen = localhost:8080x' \
         'web.listen = 127.0.0.1:0' 'serve.metrics_listen = 127.0.0.1:' 'serve.metrics_listen = 10.0.0.300:9100' \
         'log.level = verbose'; do
    printf '%s\n' "$v" >"$W/v.conf"
    "$ANCONG_BIN" config check "$W/v.conf" >"$W/v.out" 2>&1
    rc=$?
    [ "$rc" -ne 0 ] && grep -q "v.conf:1: value" "$W/v.out" && ! grep -q 'configuration ok' "$W/v.out" \
        && ok "config check refuses \"$v\"" || not_ok "config check refuses \"$v\"" "rc=$rc $(cat "$W/v.out")"
done
for v in 'web.listen = 0.0.0.0:8080' 'web.listen = localhost:8080' 'web.listen = [::1]:8080' \
         'serve.metrics_listen = 127.0.0.1:9100' 'serve.metrics_listen = ""' 'log.level = warn'; do
    printf '%s\n' "$v" >"$W/v.conf"
    "$ANCONG_BIN" config check "$W/v.conf" >"$W/v.out" 2>&1 && ok "config check accepts \"$v\"" \
        || not_ok "config check accepts \"$v\"" "$(cat "$W/v.out")"
done
# a file setting naming nothing: a warning while signing is off, an error when on
printf '%s\n' 'sign.module = /nonexistent.so' >"$W/f.conf"
"$ANCONG_BIN" config check "$W/f.conf" >"$W/f.out" 2>&1
is "$?" 0 "a missing sign.module with signing off is only a warning"
check "which names the file" grep -q 'warning: sign.module: no such file "/nonexistent.so"' "$W/f.out"
printf '%s\n' 'sign.module = /nonexistent.so' 'sign.key = pkcs11:object=k' "sign.chain = $W/nochain.pem" >"$W/f2.conf"
"$ANCONG_BIN" config check "$W/f2.conf" >"$W/f2.out" 2>&1
check "with signing on it fails" test "$?" -ne 0
check "naming the module" grep -q 'error: sign.module: no such file "/nonexistent.so"' "$W/f2.out"
check "and the chain" grep -q "error: sign.chain: no such file \"$W/nochain.pem\"" "$W/f2.out"
check "and not ok" bash -c "! grep -q 'configuration ok' '$W/f2.out'"

# --config after the subcommand is the file used, not ignored
"$ANCONG_BIN" config show --config "$W/good.conf" >"$W/show2.out" 2>&1
check "config show --config FILE shows that file's values" grep -qE '^review\.threshold += 0\.85( |$)' "$W/show2.out"
check "and names it" grep -q "configuration file: $W/good.conf" "$W/show2.out"
"$ANCONG_BIN" config check --config "$W/bad.conf" >/dev/null 2>&1
check "config check --config FILE checks that file" test "$?" -ne 0
"$ANCONG_BIN" config show --bogus >/dev/null 2>&1
is "$?" 2 "config show with an unknown argument is a usage error"

# `make run`'s closing banner names the configured web.listen, not always 8080
printf '%s\n' 'web.listen = 192.168.1.5:8443' >"$ANCONG_HOME/ancong.conf"
is "$(ANCONG_CONFIG= "$ANCONG_TOP/scripts/web_url.sh")" "http://192.168.1.5:8443/" "the run banner's address is web.listen"
printf '%s\n' 'web.listen = 0.0.0.0:9090' >"$ANCONG_HOME/ancong.conf"
check "a wildcard web.listen shows its port" bash -c "ANCONG_CONFIG= '$ANCONG_TOP/scripts/web_url.sh' | grep -q '^http://127.0.0.1:9090/'"
rm -f "$ANCONG_HOME/ancong.conf"
check "scripts/run.sh prints that address" grep -q 'Review web app: \$WEB_URL' "$ANCONG_TOP/scripts/run.sh"
check "and no fixed one" bash -c "! grep -q '127.0.0.1:8080' '$ANCONG_TOP/scripts/run.sh'"
t_finish
