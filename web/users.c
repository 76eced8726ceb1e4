/*
 * web/users.c: accounts for the web app (ancong user add|passwd|disable).
 *
 * Passwords are stored only as Argon2id hashes (libsodium crypto_pwhash_str,
 * "interactive" limits: 2 passes, 64 MiB), which carry their own salt and
 * parameters.  Changing a password or disabling a user ends their sessions.
 */
#include "web/web.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"

const char *const web_roles[] = {
    "leader", "procurator", "inspector", "specialist", "reviewer", "operator", "admin", NULL,
};

bool web_role_valid(const char *role)
{
    for (int i = 0; web_roles[i]; i++)
        if (role && strcmp(role, web_roles[i]) == 0)
            return true;
    return false;
}

int web_password_ok(const char *pw, struct err *e)
{
    size_t n = strlen(pw);
    if (n < 10) {
        err_set(e, ERR_USAGE, "the password has %zu characters, fewer than 10", n);
        err_hint(e, "Choose a longer password, for example a few unrelated words.");
        return -1;
    }
    if (n > 1000) {
        err_set(e, ERR_USAGE, "the password is longer than 1000 characters");
        return -1;
    }
    return 0;
}

static int hash_pw(const char *pw, char out[crypto_pwhash_STRBYTES], struct err *e)
{
    if (sodium_init() < 0) {
        err_set(e, ERR_INTERNAL, "could not initialise libsodium");
        return -1;
    }
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        err_set(e, ERR_INTERNAL, "could not hash the password: out of memory");
        return -1;
    }
    return 0;
}

static int exec1(struct store *s, const char *sql, int n, const char *const *pa, int *rows,
                 struct err *e)
{
    PGresult *res = PQexecParams(store_conn(s), sql, n, NULL, pa, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (code && strcmp(code, "23505") == 0) {
            err_set(e, ERR_USAGE, "a user with this name already exists");
            err_hint(e, "Pick another name, or use \"ancong user passwd\" to change the password.");
        } else {
            err_set(e, ERR_DB, "could not update users: %s", PQresultErrorMessage(res));
        }
        PQclear(res);
        return -1;
    }
    if (rows) *rows = atoi(PQcmdTuples(res));
    PQclear(res);
    return 0;
}

/* The row a login names, case-insensitively ("Hoa" is "hoa"): logins are
 * stored in lower case, but an older row may not be; if two rows differ only
 * in case, the one stored in lower case wins.  $1 is the login. */
#define USER_BY_LOGIN \
    "(SELECT id FROM users WHERE lower(login) = lower($1) ORDER BY login = lower($1) DESC, id LIMIT 1)"

/* An audit row for an account change made from the command line. */
static int audit_cli(struct store *s, const char *username, const char *action, struct err *e)
{
    const char *pa[2] = {username, action};
    return exec1(s, "INSERT INTO audit_log (actor, user_id, unit_id, action, details) "
                    "SELECT 'system:cli', id, unit_id, $2, jsonb_build_object('login', login, 'role', role) "
                    "  FROM users WHERE id = " USER_BY_LOGIN, 2, pa, NULL, e);
}

static int user_add_tx(struct store *s, const char *username, const char *full_name,
                       const char *unit_code, const char *role, const char *password, struct err *e)
{
    if (!web_role_valid(role)) {
        err_set(e, ERR_USAGE, "unknown role \"%s\"", role ? role : "");
        err_hint(e, "Use one of: leader, procurator, inspector, specialist, reviewer, operator, admin.");
        return -1;
    }
    if (!username || !*username || strlen(username) > 100 || strspn(username,
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(username)) {
        err_set(e, ERR_USAGE, "user name \"%s\" is not allowed", username ? username : "");
        err_hint(e, "Use up to 100 letters a-z, digits, '.', '_' or '-'.");
        return -1;
    }
    /* stored in lower case: "HOA" is the user "hoa" */
    char low[101];
    size_t k = 0;
    for (; username[k]; k++)
        low[k] = (username[k] >= 'A' && username[k] <= 'Z') ? (char)(username[k] - 'A' + 'a') : username[k];
    low[k] = '\0';
    username = low;
    {
        const char *pe[1] = {username};
        PGresult *res = PQexecParams(store_conn(s), "SELECT login FROM users WHERE id = " USER_BY_LOGIN,
                                     1, NULL, pe, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
            err_set(e, ERR_USAGE, "a user with this name already exists (\"%s\"; names are not case-sensitive)",
                    PQgetvalue(res, 0, 0));
            err_hint(e, "Pick another name, or use \"ancong user passwd\" / \"ancong user enable\" for that user.");
            PQclear(res);
            return -1;
        }
        PQclear(res);
    }
    if (web_password_ok(password, e) < 0)
        return -1;
    char h[crypto_pwhash_STRBYTES];
    if (hash_pw(password, h, e) < 0)
        return -1;
    const char *pa[5] = {username, full_name && *full_name ? full_name : username, role, h, unit_code};
    int rows = 0;
    if (exec1(s, "INSERT INTO users (login, full_name, role, password_hash, unit_id) "
                 "SELECT $1, $2, $3::user_role, $4, id FROM units WHERE code = $5",
              5, pa, &rows, e) < 0)
        return -1;
    if (rows != 1) {
        err_set(e, ERR_USAGE, "no unit with code \"%s\"", unit_code ? unit_code : "");
        err_hint(e, "List the units with: ancong db psql -c 'SELECT code, name FROM units'.");
        return -1;
    }
    return audit_cli(s, username, "user.add", e);
}

static int end_sessions(struct store *s, const char *username, struct err *e)
{
    const char *pa[1] = {username};
    return exec1(s, "DELETE FROM web_sessions WHERE user_id = " USER_BY_LOGIN,
                 1, pa, NULL, e);
}

static int user_passwd_tx(struct store *s, const char *username, const char *password, struct err *e)
{
    if (web_password_ok(password, e) < 0)
        return -1;
    char h[crypto_pwhash_STRBYTES];
    if (hash_pw(password, h, e) < 0)
        return -1;
    const char *pa[2] = {username, h};
    int rows = 0;
    if (exec1(s, "UPDATE users SET password_hash = $2 WHERE id = " USER_BY_LOGIN, 2, pa, &rows, e) < 0)
        return -1;
    if (rows != 1) {
        err_set(e, ERR_USAGE, "no user \"%s\"", username);
        return -1;
    }
    if (audit_cli(s, username, "user.passwd", e) < 0)
        return -1;
    return end_sessions(s, username, e);
}

static int user_disable_tx(struct store *s, const char *username, bool active, struct err *e)
{
    const char *pa[1] = {username};
    int rows = 0;
    if (exec1(s, active ? "UPDATE users SET active = true WHERE id = " USER_BY_LOGIN
                        : "UPDATE users SET active = false WHERE id = " USER_BY_LOGIN, 1, pa, &rows, e) < 0)
        return -1;
    if (rows == 1 && audit_cli(s, username, active ? "user.enable" : "user.disable", e) < 0)
        return -1;
    if (rows != 1) {
        err_set(e, ERR_USAGE, "no user \"%s\"", username);
        return -1;
    }
    return end_sessions(s, username, e);
}

/* Each account change, its audit row and the end of the user's sessions
 * commit together or not at all. */
static int in_tx(struct store *s, int rc, struct err *e)
{
    PGresult *res = PQexec(store_conn(s), rc == 0 ? "COMMIT" : "ROLLBACK");
    if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
        err_set(e, ERR_DB, "could not commit the account change: %s", PQresultErrorMessage(res));
        rc = -1;
    }
    PQclear(res);
    return rc;
}

static void begin(struct store *s) { PQclear(PQexec(store_conn(s), "BEGIN")); }

int web_user_add(struct store *s, const char *username, const char *full_name,
                 const char *unit_code, const char *role, const char *password, struct err *e)
{
    begin(s);
    return in_tx(s, user_add_tx(s, username, full_name, unit_code, role, password, e), e);
}

int web_user_passwd(struct store *s, const char *username, const char *password, struct err *e)
{
    begin(s);
    return in_tx(s, user_passwd_tx(s, username, password, e), e);
}

int web_user_disable(struct store *s, const char *username, struct err *e)
{
    begin(s);
    return in_tx(s, user_disable_tx(s, username, false, e), e);
}

int web_user_enable(struct store *s, const char *username, struct err *e)
{
    begin(s);
    return in_tx(s, user_disable_tx(s, username, true, e), e);
}

int web_user_active(struct store *s, const char *username, struct err *e)
{
    const char *pa[1] = {username};
    PGresult *res = PQexecParams(store_conn(s), "SELECT active FROM users WHERE id = " USER_BY_LOGIN,
                                 1, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err_set(e, ERR_DB, "could not read users: %s", PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    int rc = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return rc;
}
