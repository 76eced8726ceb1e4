/*
 * web/session.c: login, login throttling, sessions and CSRF tokens.
 *
 * A session is a random 256-bit token in an HttpOnly, SameSite=Strict
 * cookie; the database keeps only its SHA-256 (a leaked table opens no
 * session).  Each session has its own random CSRF token, sent back by every
 * form (hidden "csrf") and by the page's scripts (X-CSRF-Token header), and
 * compared in constant time.  The login form, which has no session yet, uses
 * a double-submit token (cookie + hidden field).
 *
 * Throttling: after web.login_max_failures failed logins for one user name,
 * or 4 times that many from one address, within web.login_window_min
 * minutes, logins are refused with a Vietnamese message saying when to try
 * again; every attempt is recorded in web_login_attempts.  An unknown user
 * name costs the same Argon2id verification as a known one.
 */
#include "web/web_int.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"

void web_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    if (nbytes > sizeof buf) nbytes = sizeof buf;
    randombytes_buf(buf, nbytes);
    sodium_bin2hex(out, nbytes * 2 + 1, buf, nbytes);
}

static bool ct_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb || la == 0)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}

static bool hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int sess_load(struct web_req *r)
{
    const char *tok = web_cookie(r, WEB_COOKIE);
    r->authed = false;
    if (!hex64(tok))
        return 0;
    hash_buf(tok, strlen(tok), r->session_hash);
    char idle[32];
    snprintf(idle, sizeof idle, "%d", r->cfg->web_session_idle_min);
    const char *params[2] = {r->session_hash, idle};
    /* A read; last_seen is written at most once a minute (a write per
     * request would cost a WAL flush on every page). */
    PGresult *res = PQexecParams(r->db,
        "SELECT u.id, u.unit_id, u.login, u.full_name, u.role, un.name, s.csrf, "
        "       s.last_seen < now() - interval '1 minute' "
        "  FROM web_sessions s JOIN users u ON u.id = s.user_id JOIN units un ON un.id = u.unit_id "
        " WHERE s.token_hash = $1 AND u.active "
        "   AND s.last_seen > now() - make_interval(mins => $2::int) "
        "   AND s.created_at > now() - interval '7 days'",
        2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("stage=web msg=\"session lookup failed\" pg=\"%s\"", PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    if (PQntuples(res) == 1) {
        r->authed = true;
        r->user.id = atoll(PQgetvalue(res, 0, 0));
        r->user.unit_id = atoll(PQgetvalue(res, 0, 1));
        snprintf(r->user.username, sizeof r->user.username, "%s", PQgetvalue(res, 0, 2));
        snprintf(r->user.full_name, sizeof r->user.full_name, "%s", PQgetvalue(res, 0, 3));
        snprintf(r->user.role, sizeof r->user.role, "%s", PQgetvalue(res, 0, 4));
        snprintf(r->user.unit_name, sizeof r->user.unit_name, "%s", PQgetvalue(res, 0, 5));
        snprintf(r->csrf, sizeof r->csrf, "%s", PQgetvalue(res, 0, 6));
        if (strcmp(PQgetvalue(res, 0, 7), "t") == 0) {
            const char *pa[1] = {r->session_hash};
            PQclear(PQexecParams(r->db, "UPDATE web_sessions SET last_seen = now() WHERE token_hash = $1",
                                 1, NULL, pa, NULL, NULL, 0));
        }
    }
    PQclear(res);
    return 0;
}

bool sess_csrf_ok(struct web_req *r)
{
    const char *t = web_header(r, "X-CSRF-Token");
    if (!t) t = web_form(r, "csrf");
    return t && r->csrf[0] && ct_equal(t, r->csrf);
}

void sess_login_page(struct web_req *r, struct web_resp *p, const char *msg_vi, int status)
{
    char lt[65];
    const char *have = web_cookie(r, WEB_LOGIN_COOKIE);
    if (hex64(have)) {
        snprintf(lt, sizeof lt, "%s", have);
    } else {
        web_random_hex(lt, 32);
        snprintf(p->cookies[0], sizeof p->cookies[0],
                 "%s=%s; Path=/login; HttpOnly; SameSite=Strict", WEB_LOGIN_COOKIE, lt);
    }
    const char *user = web_form(r, "username");
    p->status = status;
    sbuf_reset(&p->body);
    html_begin(&p->body, NULL, "Đăng nhập", "login");
    sbuf_puts(&p->body, "<section class=\"login\"><h1>Đăng nhập</h1>"
                        "<p class=\"sub\">Hệ thống số hóa hồ sơ Viện kiểm sát nhân dân</p>");
    if (msg_vi) {
        sbuf_puts(&p->body, "<p class=\"flash error\" id=\"login-error\" role=\"alert\">");
        html_esc(&p->body, msg_vi);
        sbuf_puts(&p->body, "</p>");
    }
    sbuf_printf(&p->body, "<form method=\"post\" action=\"/login\" autocomplete=\"on\">"
                          "<input type=\"hidden\" name=\"lcsrf\" value=\"%s\">"
                          "<label>Tên đăng nhập<input name=\"username\" id=\"username\" "
                          "autocomplete=\"username\" required autofocus value=\"", lt);
    html_esc(&p->body, user ? user : "");
    sbuf_puts(&p->body, "\"></label><label>Mật khẩu<input type=\"password\" name=\"password\" "
                        "id=\"password\" autocomplete=\"current-password\" required></label>"
                        "<button type=\"submit\" id=\"login-submit\">Đăng nhập</button></form></section>");
    html_end(&p->body, NULL);
}

static const char *dummy_hash;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    static char h[crypto_pwhash_STRBYTES];
    char pw[33];
    web_random_hex(pw, 16);
    if (crypto_pwhash_str(h, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
        dummy_hash = h;
}

static void record_attempt(struct web_req *r, const char *user, bool ok)
{
    const char *pa[3] = {user, r->ip, ok ? "t" : "f"};
    PGresult *res = PQexecParams(r->db,
        "INSERT INTO web_login_attempts (username, ip, ok) VALUES ($1, $2, $3::boolean)",
        3, NULL, pa, NULL, NULL, 0);
    PQclear(res);
}

/* Minutes until a throttled login may be tried again; 0 if not throttled,
 * -1 on database error. */
static int throttled(struct web_req *r, const char *user)
{
    char win[16], maxu[16], maxip[16];
    snprintf(win, sizeof win, "%d", r->cfg->web_login_window_min);
    snprintf(maxu, sizeof maxu, "%d", r->cfg->web_login_max_failures);
    snprintf(maxip, sizeof maxip, "%d", r->cfg->web_login_max_failures * 4);
    const char *pa[5] = {user, r->ip, win, maxu, maxip};
    /* Failures since the last success, per user name and per address. */
    PGresult *res = PQexecParams(r->db,
        "WITH w AS (SELECT * FROM web_login_attempts "
        "            WHERE at > now() - make_interval(mins => $3::int)), "
        "u AS (SELECT count(*) n, max(at) last FROM w WHERE username = $1 AND NOT ok "
        "        AND at > coalesce((SELECT max(at) FROM w WHERE username = $1 AND ok), '-infinity')), "
        "i AS (SELECT count(*) n, max(at) last FROM w WHERE ip = $2 AND NOT ok) "
        "SELECT CASE WHEN u.n >= $4::int THEN greatest(1, ceil(extract(epoch FROM u.last + make_interval(mins => $3::int) - now()) / 60)) "
        "            WHEN i.n >= $5::int THEN greatest(1, ceil(extract(epoch FROM i.last + make_interval(mins => $3::int) - now()) / 60)) "
        "            ELSE 0 END FROM u, i",
        5, NULL, pa, NULL, NULL, 0);
    int mins = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        mins = atoi(PQgetvalue(res, 0, 0));
    else
        log_error("stage=web msg=\"throttle query failed\" pg=\"%s\"", PQresultErrorMessage(res));
    PQclear(res);
    return mins;
}

void sess_login_post(struct web_req *r, struct web_resp *p)
{
    const char *lc = web_cookie(r, WEB_LOGIN_COOKIE), *lf = web_form(r, "lcsrf");
    const char *user = web_form(r, "username"), *pw = web_form(r, "password");
    if (!hex64(lc) || !lf || !ct_equal(lc, lf)) {
        sess_login_page(r, p, "Phiên đăng nhập đã hết hạn. Vui lòng nhập lại.", 403);
        return;
    }
    if (!user || !*user || !pw || !*pw || strlen(user) > 100 || strlen(pw) > 1000) {
        sess_login_page(r, p, "Vui lòng nhập tên đăng nhập và mật khẩu.", 400);
        return;
    }
    /* user names are not case-sensitive ("Hoa" is "hoa"): counted and
     * looked up in lower case */
    char lowuser[101];
    size_t ul = 0;
    for (; user[ul]; ul++)
        lowuser[ul] = (user[ul] >= 'A' && user[ul] <= 'Z') ? (char)(user[ul] - 'A' + 'a') : user[ul];
    lowuser[ul] = '\0';
    user = lowuser;
    int wait = throttled(r, user);
    if (wait < 0) {
        sess_login_page(r, p, "Lỗi cơ sở dữ liệu. Vui lòng thử lại sau.", 503);
        return;
    }
    if (wait > 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "Đăng nhập sai quá nhiều lần. Tài khoản này tạm thời bị khóa; "
                 "vui lòng thử lại sau %d phút hoặc liên hệ quản trị viên.", wait);
        record_attempt(r, user, false);
        log_warn("stage=web msg=\"login throttled\" ip=%s", r->ip);
        sess_login_page(r, p, msg, 429);
        return;
    }

    const char *pa[1] = {user};
    PGresult *res = PQexecParams(r->db,
        "SELECT id, password_hash, NOT active FROM users WHERE id = "
        "(SELECT id FROM users WHERE lower(login) = lower($1) ORDER BY login = lower($1) DESC, id LIMIT 1)",
        1, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        sess_login_page(r, p, "Lỗi cơ sở dữ liệu. Vui lòng thử lại sau.", 503);
        return;
    }
    bool found = PQntuples(res) == 1 && !PQgetisnull(res, 0, 1);
    bool ok = false;
    if (found) {
        ok = crypto_pwhash_str_verify(PQgetvalue(res, 0, 1), pw, strlen(pw)) == 0;
        if (ok && strcmp(PQgetvalue(res, 0, 2), "t") == 0)
            ok = false;
    } else {
        pthread_once(&dummy_once, make_dummy);
        if (dummy_hash) {
            /* same cost as a real verification; the result is meaningless */
            volatile int sink = crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw));
            (void)sink;
        }
    }
    char uid[32] = "";
    if (ok)
        snprintf(uid, sizeof uid, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    record_attempt(r, user, ok);
    if (!ok) {
        char qu[160];
        log_info("stage=web msg=\"login failed\" user=%s ip=%s", log_q(user, qu, sizeof qu), r->ip);
        sess_login_page(r, p, "Tên đăng nhập hoặc mật khẩu không đúng (hoặc tài khoản đã bị khóa).", 401);
        return;
    }

    char tok[65], th[65], csrf[65];
    web_random_hex(tok, 32);
    web_random_hex(csrf, 32);
    hash_buf(tok, strlen(tok), th);
    const char *ps[4] = {th, uid, csrf, r->ip};
    res = PQexecParams(r->db,
        "INSERT INTO web_sessions (token_hash, user_id, csrf, ip) VALUES ($1, $2::bigint, $3, $4)",
        4, NULL, ps, NULL, NULL, 0);
    bool ins = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ins) {
        sess_login_page(r, p, "Lỗi cơ sở dữ liệu. Vui lòng thử lại sau.", 503);
        return;
    }
    /* An old session cookie of this browser, if any, is ended. */
    const char *old = web_cookie(r, WEB_COOKIE);
    if (hex64(old)) {
        char oh[65];
        hash_buf(old, strlen(old), oh);
        const char *po[1] = {oh};
        PQclear(PQexecParams(r->db, "DELETE FROM web_sessions WHERE token_hash = $1", 1, NULL, po,
                             NULL, NULL, 0));
    }
    r->user.id = atoll(uid);
    snprintf(r->user.username, sizeof r->user.username, "%s", user);
    r->authed = true;
    const char *pl[1] = {uid};
    PQclear(PQexecParams(r->db, "UPDATE users SET last_login_at = now() WHERE id = $1::int", 1, NULL,
                         pl, NULL, NULL, 0));
    web_audit(r, "user.login", 0, NULL);
    snprintf(p->cookies[0], sizeof p->cookies[0],
             "%s=%s; Path=/; HttpOnly; SameSite=Strict", WEB_COOKIE, tok);
    snprintf(p->cookies[1], sizeof p->cookies[1],
             "%s=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0", WEB_LOGIN_COOKIE);
    web_redirect(p, "/queue");
}

void sess_logout(struct web_req *r, struct web_resp *p)
{
    const char *pa[1] = {r->session_hash};
    PQclear(PQexecParams(r->db, "DELETE FROM web_sessions WHERE token_hash = $1", 1, NULL, pa,
                         NULL, NULL, 0));
    web_audit(r, "user.logout", 0, NULL);
    snprintf(p->cookies[0], sizeof p->cookies[0],
             "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", WEB_COOKIE);
    web_redirect(p, "/login");
}

int web_audit(struct web_req *r, const char *action, long long document_id, const char *detail_json)
{
    char uid[32], did[32];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(did, sizeof did, "%lld", document_id);
    const char *pa[6] = {uid, action, document_id > 0 ? did : NULL,
                         detail_json ? detail_json : "{}", r->ip, r->user.username};
    PGresult *res = PQexecParams(r->db,
        "INSERT INTO audit_log (actor, user_id, unit_id, action, document_id, details) "
        "VALUES ($6, $1::int, (SELECT unit_id FROM users WHERE id = $1::int), $2, $3::bigint, "
        "        $4::jsonb || jsonb_build_object('ip', $5::text, 'via', 'web'))",
        6, NULL, pa, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc < 0)
        log_error("stage=web msg=\"audit insert failed\" pg=\"%s\"", PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}
