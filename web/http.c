/*
 * web/http.c: the libmicrohttpd server, request bodies, responses and routing.
 *
 * Threads: MHD runs a small pool of threads; each keeps its own database
 * connection (libpq connections are not shared between threads), opened on
 * the thread's first request and checked before each one, so a PostgreSQL
 * restart costs one failed request at most.
 *
 * Every response carries no-store caching (except static files), nosniff, a
 * frame ban and a Content-Security-Policy that allows only our own scripts
 * and styles: even if some untrusted text escaped escaping, no inline script
 * would run.
 */
#include "web/web.h"
#include "web/web_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"

#define WEB_THREADS 4

/* The settings requests read: a copy, so SIGHUP can update the reloadable
 * web.* values (plain int stores, read by request threads without a lock:
 * a request sees the old or the new value, either is fine). */
static struct cfg g_cfg_copy;
static const struct cfg *g_cfg = &g_cfg_copy;
static _Thread_local struct store *tl_store;
/* Every thread's connection, so that the server closes them when it stops
 * (the pool's threads end inside MHD_stop_daemon without a destructor). */
static pthread_mutex_t g_stores_mu = PTHREAD_MUTEX_INITIALIZER;
static struct store **g_stores;
static size_t g_nstores;

static void stores_add(struct store *st)
{
    pthread_mutex_lock(&g_stores_mu);
    struct store **n = realloc(g_stores, (g_nstores + 1) * sizeof *n);
    if (n) {
        g_stores = n;
        g_stores[g_nstores++] = st;
    }
    pthread_mutex_unlock(&g_stores_mu);
}

static void stores_close_all(void)
{
    pthread_mutex_lock(&g_stores_mu);
    for (size_t i = 0; i < g_nstores; i++)
        store_close(&g_stores[i]);
    free(g_stores);
    g_stores = NULL;
    g_nstores = 0;
    pthread_mutex_unlock(&g_stores_mu);
}

/* ---- small helpers -------------------------------------------------------- */

const char *web_query(struct web_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *web_cookie(struct web_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *web_header(struct web_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *web_form(struct web_req *r, const char *key)
{
    for (int i = 0; i < r->nform; i++)
        if (strcmp(r->form[i].k, key) == 0)
            return r->form[i].v;
    return NULL;
}

long long web_parse_id(const char *s)
{
    if (!s || !*s || strlen(s) > 18)
        return -1;
    long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v > 0 ? v : -1;
}

void web_redirect(struct web_resp *p, const char *to)
{
    p->status = 303;
    snprintf(p->location, sizeof p->location, "%s", to);
    p->ctype = "text/plain; charset=utf-8";
    sbuf_reset(&p->body);
    sbuf_puts(&p->body, "Chuyển hướng\n");
}

void web_text(struct web_resp *p, int status, const char *msg)
{
    p->status = status;
    p->ctype = "text/plain; charset=utf-8";
    sbuf_reset(&p->body);
    sbuf_puts(&p->body, msg);
    sbuf_putc(&p->body, '\n');
}

void web_json_error(struct web_resp *p, int status, const char *code, const char *msg_vi)
{
    p->status = status;
    p->ctype = "application/json; charset=utf-8";
    sbuf_reset(&p->body);
    sbuf_puts(&p->body, "{\"error\":");
    json_escape(&p->body, code, strlen(code));
    sbuf_puts(&p->body, ",\"message\":");
    json_escape(&p->body, msg_vi, strlen(msg_vi));
    sbuf_puts(&p->body, "}");
}

/* Decode application/x-www-form-urlencoded text in place. */
static void url_decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '+') {
            *o++ = ' ';
        } else if (*p == '%' && p[1] && p[2]) {
            char h[3] = {p[1], p[2], 0};
            char *end;
            long v = strtol(h, &end, 16);
            if (*end == 0) {
                *o++ = (char)v;
                p += 2;
            } else {
                *o++ = *p;
            }
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
}

static void parse_form(struct web_req *r)
{
    const char *s = sbuf_cstr(&r->body);
    int cap = 0;
    while (*s) {
        size_t n = strcspn(s, "&");
        if (n) {
            char *pair = xstrndup(s, n);
            char *eq = strchr(pair, '=');
            char *v = eq ? eq + 1 : pair + n;
            if (eq) *eq = 0;
            url_decode(pair);
            if (r->nform == cap) {
                cap = cap ? cap * 2 : 8;
                r->form = xrealloc(r->form, (size_t)cap * sizeof *r->form);
            }
            char *dv = xstrdup(v);
            url_decode(dv);
            /* values are untrusted: keep them valid UTF-8 */
            char *clean = utf8_sanitize(dv, strlen(dv));
            free(dv);
            r->form[r->nform].k = pair;
            r->form[r->nform].v = clean;
            r->nform++;
        }
        s += n;
        if (*s == '&') s++;
    }
}

/* ---- static files ----------------------------------------------------------- */

static void serve_static(struct web_req *r, struct web_resp *p)
{
    const char *name = r->path + strlen("/static/");
    for (int i = 0; i < web_static_count; i++) {
        if (strcmp(web_static_files[i].name, name) == 0) {
            p->status = 200;
            p->ctype = web_static_files[i].ctype;
            sbuf_reset(&p->body);
            sbuf_add(&p->body, web_static_files[i].data, web_static_files[i].len);
            snprintf(p->cache, sizeof p->cache, "public, max-age=300");
            return;
        }
    }
    web_text(p, 404, "Không tìm thấy tệp");
}

/* ---- health ------------------------------------------------------------------ */

/* The watcher's state file ($ANCONG_HOME/run/watch.status, key=value lines
 * written by watchfolders/), copied into the health answer so that a paused
 * intake (database down, disk full) shows here with its reason.  Returns the
 * number of lines kept (0: no watcher has run in this ANCONG_HOME); *state
 * is its state, or "stale" when a watcher left "ok" behind and stopped
 * rewriting the file (it died). */
#define INTAKE_MAX 24
static int intake_read(const struct cfg *c, struct kv *kv, char *state, size_t n)
{
    char path[1024], line[1024];
    cfg_path(c, path, sizeof path, "run/watch.status");
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    struct stat sb;
    bool stale = fstat(fileno(f), &sb) == 0 && time(NULL) - sb.st_mtime > 120;
    int k = 0;
    snprintf(state, n, "unknown");
    while (k < INTAKE_MAX && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *eq = strchr(line, '=');
        if (!eq || eq == line)
            continue;
        *eq = 0;
        if (strcmp(line, "state") == 0)
            snprintf(state, n, "%s", eq + 1);
        kv[k].k = xstrdup(line);
        kv[k].v = utf8_sanitize(eq + 1, strlen(eq + 1));
        k++;
    }
    fclose(f);
    if (stale && strcmp(state, "ok") == 0)
        snprintf(state, n, "stale");
    return k;
}

/* GET /healthz: 200 when the database answers and intake (if a watcher runs
 * in this ANCONG_HOME) is taking files; 503 saying why otherwise.  No
 * session needed, nothing secret in it. */
static void healthz(struct web_req *r, struct web_resp *p)
{
    long long nr = 0, ready = 0, running = 0;
    bool db_ok = false;
    if (r->db) {
        PGresult *res = PQexec(r->db,
            "SELECT (SELECT count(*) FROM documents d WHERE status = 'needs_review' AND NOT " WEB_IS_BUNDLE_SQL("d.id") "), "
            "       (SELECT count(*) FROM jobs WHERE state = 'ready'), "
            "       (SELECT count(*) FROM jobs WHERE state = 'running')");
        db_ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
        if (db_ok) {
            nr = atoll(PQgetvalue(res, 0, 0));
            ready = atoll(PQgetvalue(res, 0, 1));
            running = atoll(PQgetvalue(res, 0, 2));
        }
        PQclear(res);
    }
    struct kv kv[INTAKE_MAX];
    char state[64];
    int nkv = intake_read(r->cfg, kv, state, sizeof state);
    bool intake_ok = nkv == 0 || strcmp(state, "ok") == 0;

    sbuf_reset(&p->body);
    struct json j;
    json_init(&j, &p->body, false);
    json_obj_begin(&j);
    json_key(&j, "status");
    json_str(&j, !db_ok ? "database_unreachable" : !intake_ok ? "intake_paused" : "ok");
    json_key(&j, "database");
    json_str(&j, db_ok ? "ok" : "unreachable");
    if (db_ok) {
        json_key(&j, "needs_review"); json_int(&j, nr);
        json_key(&j, "jobs_ready"); json_int(&j, ready);
        json_key(&j, "jobs_running"); json_int(&j, running);
    }
    if (nkv) {
        json_key(&j, "intake");
        json_obj_begin(&j);
        json_key(&j, "health");
        json_str(&j, state);
        for (int i = 0; i < nkv; i++) {
            json_key(&j, kv[i].k);
            json_str(&j, kv[i].v);
            free(kv[i].k);
            free(kv[i].v);
        }
        json_obj_end(&j);
    }
    json_obj_end(&j);
    p->status = db_ok && intake_ok ? 200 : 503;
    p->ctype = "application/json; charset=utf-8";
}

/* ---- routing ------------------------------------------------------------------ */

static bool is_api(const char *path) { return str_starts(path, "/api/"); }

/* The Origin of a state-changing request, when the browser sends one, must be
 * this server (defence in depth beside the CSRF token and SameSite=Strict). */
static bool origin_ok(struct web_req *r)
{
    const char *origin = web_header(r, "Origin");
    const char *host = web_header(r, "Host");
    if (!origin || strcmp(origin, "null") == 0)
        return origin == NULL;
    if (!host)
        return false;
    const char *o = strstr(origin, "://");
    return o && strcmp(o + 3, host) == 0;
}

static void route(struct web_req *r, struct web_resp *p)
{
    const char *m = r->method, *path = r->path;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    bool post = strcmp(m, "POST") == 0;

    if (strcmp(path, "/healthz") == 0) { healthz(r, p); return; }
    if (str_starts(path, "/static/") && get) { serve_static(r, p); return; }
    if (!get && !post) {
        web_text(p, 405, "Phương thức không được hỗ trợ");
        return;
    }
    if (!r->db) {
        if (is_api(path))
            web_json_error(p, 503, "database", "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau.");
        else
            html_error_page(p, r, 503, "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít phút.");
        return;
    }
    if (post && !origin_ok(r)) {
        if (is_api(path)) web_json_error(p, 403, "origin", "Yêu cầu không hợp lệ (nguồn gốc khác).");
        else html_error_page(p, r, 403, "Yêu cầu không hợp lệ (nguồn gốc khác).");
        return;
    }
    if (strcmp(path, "/login") == 0) {
        if (post) sess_login_post(r, p);
        else sess_login_page(r, p, NULL, 200);
        return;
    }
    if (sess_load(r) < 0) {
        html_error_page(p, r, 503, "Lỗi cơ sở dữ liệu khi đọc phiên đăng nhập.");
        return;
    }
    if (!r->authed) {
        if (is_api(path)) web_json_error(p, 401, "login", "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.");
        else web_redirect(p, "/login");
        return;
    }
    if (post && !sess_csrf_ok(r)) {
        if (is_api(path)) web_json_error(p, 403, "csrf", "Mã bảo vệ (CSRF) không hợp lệ. Tải lại trang rồi thử lại.");
        else html_error_page(p, r, 403, "Mã bảo vệ (CSRF) không hợp lệ. Tải lại trang rồi thử lại.");
        return;
    }
    if (strcmp(path, "/logout") == 0 && post) { sess_logout(r, p); return; }
    if (strcmp(path, "/") == 0 && get) { web_redirect(p, "/queue"); return; }
    if (strcmp(path, "/queue") == 0 && get) { queue_page(r, p); return; }
    if (strcmp(path, "/search") == 0 && get) { search_page(r, p); return; }
    if (strcmp(path, "/stats") == 0 && get) { stats_page(r, p); return; }
    if (strcmp(path, "/stats.csv") == 0 && get) { stats_csv(r, p); return; }
    if (strcmp(path, "/cases") == 0 && get) { cases_page(r, p); return; }
    if (str_starts(path, "/cases/") && post) {      /* /cases/ID/merge, /cases/ID/split */
        char cbuf[32], act[16];
        int n = 0;
        if (sscanf(path, "/cases/%20[0-9]/%15[a-z]%n", cbuf, act, &n) == 2 && path[n] == 0) {
            long long id = web_parse_id(cbuf);
            if (id > 0) { case_group_post(r, p, id, act); return; }
        }
        html_error_page(p, r, 404, "Không tìm thấy trang này.");
        return;
    }
    if (str_starts(path, "/cases/") && get) {
        long long id = web_parse_id(path + 7);
        if (id < 0) { html_error_page(p, r, 404, "Không tìm thấy vụ việc."); return; }
        case_page(r, p, id);
        return;
    }
    if (strcmp(path, "/review/next") == 0 && get) { review_next(r, p); return; }

    char idbuf[32], rest[64];
    if (str_starts(path, "/review/") && get) {
        long long id = web_parse_id(path + 8);
        if (id < 0) { html_error_page(p, r, 404, "Không tìm thấy tài liệu."); return; }
        review_page(r, p, id);
        return;
    }
    /* /documents/ID/pages/N.jpg */
    if (str_starts(path, "/documents/") && get) {
        int page = 0, n = 0;
        if (sscanf(path, "/documents/%20[0-9]/pages/%d.jpg%n", idbuf, &page, &n) == 2 &&
            path[n] == 0 && page > 0) {
            long long id = web_parse_id(idbuf);
            const char *w = web_query(r, "w");
            int width = w ? atoi(w) : 1200;
            if (id > 0) { image_serve(r, p, id, page, width); return; }
        }
        web_text(p, 404, "Không tìm thấy trang");
        return;
    }
    /* /api/documents/ID[/action] */
    if (str_starts(path, "/api/documents/")) {
        rest[0] = 0;
        int n = 0;
        if (sscanf(path, "/api/documents/%20[0-9]%n", idbuf, &n) == 1) {
            long long id = web_parse_id(idbuf);
            const char *tail = path + n;
            if (*tail == '/') snprintf(rest, sizeof rest, "%s", tail + 1);
            else if (*tail) id = -1;
            if (id > 0 && ((get && !rest[0]) || (post && rest[0]))) {
                review_api(r, p, id, rest);
                return;
            }
            if (id > 0) { web_json_error(p, 405, "method", "Phương thức không được hỗ trợ."); return; }
        }
        web_json_error(p, 404, "not_found", "Không tìm thấy tài liệu.");
        return;
    }
    if (is_api(path)) web_json_error(p, 404, "not_found", "Không tìm thấy.");
    else html_error_page(p, r, 404, "Không tìm thấy trang này.");
}

/* ---- MHD glue ----------------------------------------------------------------- */

static PGconn *thread_db(struct web_req *r)
{
    struct err e;
    err_init(&e);
    if (!tl_store) {
        if (store_open(g_cfg, &tl_store, &e) < 0) {
            log_error("stage=web msg=%s", "could not connect to the database");
            err_print(&e);
            tl_store = NULL;
            return NULL;
        }
        stores_add(tl_store);
    } else if (store_check(tl_store, &e) < 0) {
        log_error("stage=web msg=%s", "database connection lost");
        return NULL;
    }
    r->st = tl_store;
    return store_conn(tl_store);
}

static void client_ip(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static enum MHD_Result queue_resp(struct MHD_Connection *c, struct web_req *r, struct web_resp *p)
{
    struct MHD_Response *resp = NULL;
    if (p->file) {
        int fd = open(p->file, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (fd >= 0 && fstat(fd, &sb) == 0)
            resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
        else if (fd >= 0)
            close(fd);
        if (!resp) {
            p->status = 500;
            p->ctype = "text/plain; charset=utf-8";
            sbuf_reset(&p->body);
            sbuf_puts(&p->body, "Không đọc được ảnh trang\n");
        }
    }
    if (!resp) {
        size_t len = p->body.len;
        char *data = sbuf_detach(&p->body);
        if (!data) data = xstrdup("");
        if (strcmp(r->method, "HEAD") == 0) len = 0;
        resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    }
    MHD_add_response_header(resp, "Content-Type", p->ctype ? p->ctype : "text/html; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", p->cache[0] ? p->cache : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    if (p->location[0])
        MHD_add_response_header(resp, "Location", p->location);
    if (p->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", p->disposition);
    for (int i = 0; i < 2; i++)
        if (p->cookies[i][0])
            MHD_add_response_header(resp, "Set-Cookie", p->cookies[i]);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)p->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls; (void)version;
    struct web_req *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        sbuf_init(&r->body);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body.len + *upload_size > WEB_MAX_BODY)
            r->body_too_big = true;
        else
            sbuf_add(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct web_resp p = {0};
    sbuf_init(&p.body);
    p.status = 200;
    p.ctype = "text/html; charset=utf-8";
    r->conn = c;
    r->method = method;
    r->cfg = g_cfg;
    char path[1024];
    snprintf(path, sizeof path, "%s", url);
    char *q = strchr(path, '?');
    if (q) *q = 0;
    r->path = path;
    client_ip(c, r->ip, sizeof r->ip);

    if (r->body_too_big) {
        web_text(&p, 413, "Dữ liệu gửi lên quá lớn");
    } else {
        if (!utf8_valid(sbuf_cstr(&r->body), r->body.len))
            sbuf_reset(&r->body);
        parse_form(r);
        r->db = strcmp(path, "/healthz") == 0 || !str_starts(path, "/static/") ? thread_db(r) : NULL;
        route(r, &p);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    char qp[300];
    log_info("stage=web method=%s path=%s status=%d user=%s ms=%.2f", method,
             log_q(path, qp, sizeof qp), p.status, r->authed ? r->user.username : "-", ms);
    enum MHD_Result ret = queue_resp(c, r, &p);
    sbuf_release(&p.body);
    free(p.file);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls; (void)c; (void)toe;
    struct web_req *r = *con_cls;
    if (!r)
        return;
    for (int i = 0; i < r->nform; i++) {
        free(r->form[i].k);
        free(r->form[i].v);
    }
    free(r->form);
    sbuf_release(&r->body);
    free(r);
    *con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                        struct err *e)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen) {
        err_set(e, ERR_USAGE, "listen address \"%s\" is not HOST:PORT", listen);
        err_hint(e, "Use for example 127.0.0.1:8080.");
        return -1;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535) {
        err_set(e, ERR_USAGE, "listen address \"%s\" has no valid port", listen);
        err_hint(e, "Use for example 127.0.0.1:8080.");
        return -1;
    }
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host) hl = sizeof host - 1;
    memcpy(host, listen, hl);
    host[hl] = 0;
    memset(ss, 0, sizeof *ss);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1) goto bad;
        *len = sizeof *s6;
        return 0;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) goto bad;
    *len = sizeof *s4;
    return 0;
bad:
    err_set(e, ERR_USAGE, "listen address \"%s\" has no valid IP address", listen);
    err_hint(e, "Give a numeric address such as 127.0.0.1:8080 or [::1]:8080.");
    return -1;
}

/* SIGHUP: re-read the configuration; apply the reloadable web settings
 * (web.listen needs a restart).  A bad file keeps the old values. */
static void reload(const struct cfg *orig)
{
    struct cfg n;
    struct err e;
    err_init(&e);
    if (cfg_load(&n, orig->config_file[0] ? orig->config_file : NULL, &e) < 0) {
        char q[900];
        log_warn("stage=web msg=\"reload refused, keeping the old settings\" error=%s",
                 log_q(e.msg, q, sizeof q));
        return;
    }
    g_cfg_copy.web_session_idle_min = n.web_session_idle_min;
    g_cfg_copy.web_login_max_failures = n.web_login_max_failures;
    g_cfg_copy.web_login_window_min = n.web_login_window_min;
    g_cfg_copy.review_threshold = n.review_threshold;
    log_info("stage=web msg=reloaded session_idle_min=%d login_max_failures=%d login_window_min=%d",
             n.web_session_idle_min, n.web_login_max_failures, n.web_login_window_min);
}

int web_run(const struct cfg *c, const char *listen, struct err *e)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!listen || !*listen)
        listen = c->web_listen;
    if (parse_listen(listen, &ss, &sl, e) < 0)
        return -1;
    g_cfg_copy = *c;
    if (image_init() < 0) {
        err_set(e, ERR_INTERNAL, "could not initialise libvips");
        return -1;
    }

    /* Block the stop signals in every thread; this one waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)WEB_THREADS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
        MHD_OPTION_END);
    if (!d) {
        err_set(e, ERR_IO, "could not listen on \"%s\": %s", listen, strerror(errno));
        err_hint(e, "Is another program using the port? Choose another with --listen or web.listen.");
        return -1;
    }
    log_info("stage=web msg=listening addr=%s", listen);
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        reload(c);
    log_info("stage=web msg=stopping signal=%d", sig);
    MHD_stop_daemon(d);
    stores_close_all();
    return 0;
}
