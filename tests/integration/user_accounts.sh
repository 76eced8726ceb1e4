#!/usr/bin/env bash
# Web accounts from the command line: a disabled user can be enabled again
# ("ancong user enable"; "user passwd" says the account stays disabled), and
# user names are not case-sensitive (stored in lower case; "HOA" is refused
# next to "hoa"; logging in as "Hoa" works), checked through the real web app.
. "$(dirname "$0")/../lib.sh"
need curl python3
t_home
t_db_start || exit 1
PW='mat-khau-thu-nghiem-2026'
pf=$ANCONG_HOME/pw; printf '%s\n' "$PW" >"$pf"
W=$ANCONG_HOME/work; mkdir -p "$W"

t_web_start
login() {  # USER -> HTTP status of the login POST (303 = logged in)
    local jar="$W/jar.$RANDOM" lt
    lt=$(curl -s -c "$jar" -b "$jar" "$BASE/login" | grep -o 'name="lcsrf" value="[0-9a-f]*"' | cut -d'"' -f4)
    curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' --data-urlencode "lcsrf=$lt" \
        --data-urlencode "username=$1" --data-urlencode "password=$PW" "$BASE/login"
}

# --- case-insensitive names
"$ANCONG_BIN" user add Hoa --unit vkstc --role reviewer --password-file "$pf" >"$W/add.out" 2>&1
is "$(sql "SELECT login FROM users")" "hoa" "a user name is stored in lower case"
"$ANCONG_BIN" user add HOA --unit vkstc --role reviewer --password-file "$pf" >"$W/add2.out" 2>&1
is "$?" 2 "adding HOA next to hoa is refused"
grep -q 'already exists' "$W/add2.out" && ok "it says the user exists" || not_ok "it says the user exists" "$(cat "$W/add2.out")"
is "$(sql "SELECT count(*) FROM users")" 1 "still one user"
is "$(login Hoa)" 303 "logging in as Hoa works"
is "$(login hoa)" 303 "logging in as hoa works"
# a row stored before this change in upper case is found too
sql "INSERT INTO users (login, full_name, role, password_hash, unit_id)
     SELECT 'LAN', 'Lan', role, password_hash, unit_id FROM users WHERE login = 'hoa'" >/dev/null
is "$(login lan)" 303 "an older upper-case login is found case-insensitively"
"$ANCONG_BIN" user disable lan >/dev/null 2>&1 && is "$(sql "SELECT active FROM users WHERE login = 'LAN'")" f "user disable finds it too"

# --- disable, passwd, enable
"$ANCONG_BIN" user disable hoa >/dev/null 2>&1
is "$(login hoa)" 401 "a disabled user cannot log in"
"$ANCONG_BIN" user passwd HOA --password-file "$pf" >"$W/pw.out" 2>&1
grep -q 'stays disabled.*ancong user enable hoa\|stays disabled.*ancong user enable HOA' "$W/pw.out" \
    && ok "user passwd on a disabled user says it stays disabled and how to enable it" \
    || not_ok "user passwd says the user stays disabled" "$(cat "$W/pw.out")"
is "$(login hoa)" 401 "still disabled after passwd"
"$ANCONG_BIN" user enable Hoa >"$W/en.out" 2>&1
is "$?" 0 "user enable succeeds"
grep -q 'enabled' "$W/en.out" && ok "it says so" || not_ok "user enable says so" "$(cat "$W/en.out")"
is "$(login hoa)" 303 "an enabled user logs in again"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'user.enable'")" 1 "user enable is audited"
"$ANCONG_BIN" user passwd hoa --password-file "$pf" >"$W/pw2.out" 2>&1
! grep -q 'stays disabled' "$W/pw2.out" && ok "passwd on an enabled user says nothing about disabled" || not_ok "passwd enabled" "$(cat "$W/pw2.out")"
"$ANCONG_BIN" user enable nobody >"$W/en2.out" 2>&1
is "$?" 2 "user enable of an unknown user fails"
t_finish
