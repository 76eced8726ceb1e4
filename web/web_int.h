/*
 * web/web_int.h: what the files of web/ share.  Not for use outside web/.
 *
 *   http.c     server, request bodies, responses, security headers, routing
 *   html.c     escaping, page layout
 *   session.c  login, throttling, sessions, CSRF
 *   users.c    accounts (ancong user ...)
 *   queue.c    the review queue page
 *   review.c   the review screen and its JSON API
 *   image.c    page images rendered with libvips (cached on disk)
 *   search.c   the search box (cases/search.h)
 *   stats.c    the statistics page and its CSV (ancong_report)
 *   cases.c    the cases list, a case's timeline, merging and splitting cases
 *   fieldcheck.c  a reviewer's field value checked and normalised (dates, lists)
 *   static     files of web/static/ embedded at build time (build/gen/web_static.c)
 */
#ifndef ANCONG_WEB_INT_H
#define ANCONG_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "common/cfg.h"
#include "common/str.h"
#include "store/store.h"

#define WEB_COOKIE      "ancong_s"      /* session token */
#define WEB_LOGIN_COOKIE "ancong_l"     /* login-form CSRF (before a session exists) */
#define WEB_MAX_BODY    (1 << 20)

struct web_user {
    long long id;
    long long unit_id;
    char username[128];
    char full_name[256];
    char role[32];
    char unit_name[256];
};

struct kv { char *k, *v; };

struct web_req {
    void *conn;                 /* struct MHD_Connection * */
    const char *method;         /* "GET", "POST", ... */
    const char *path;           /* without the query */
    struct sbuf body;
    bool body_too_big;
    struct kv *form;            /* parsed urlencoded body */
    int nform;
    char ip[64];
    struct store *st;
    PGconn *db;
    const struct cfg *cfg;
    /* filled by the session check */
    bool authed;
    struct web_user user;
    char csrf[65];
    char session_hash[65];
};

struct web_resp {
    int status;
    const char *ctype;          /* static string */
    struct sbuf body;
    char *file;                 /* send this file instead of body (malloc'd) */
    char location[512];         /* redirect target */
    char cookies[2][512];       /* Set-Cookie values */
    char cache[64];             /* Cache-Control; "" = no-store */
    char disposition[160];      /* Content-Disposition; "" = none */
};

/* http.c */
const char *web_query(struct web_req *r, const char *key);       /* NULL if absent */
const char *web_form(struct web_req *r, const char *key);        /* NULL if absent */
const char *web_cookie(struct web_req *r, const char *name);
const char *web_header(struct web_req *r, const char *name);
void web_redirect(struct web_resp *p, const char *to);
void web_json_error(struct web_resp *p, int status, const char *code, const char *msg_vi);
void web_text(struct web_resp *p, int status, const char *msg);
/* Parse a positive id from s; -1 if not one. */
long long web_parse_id(const char *s);

/* html.c */
void html_esc(struct sbuf *b, const char *s);                    /* text and attributes */
void html_escn(struct sbuf *b, const char *s, size_t n);
void html_begin(struct sbuf *b, struct web_req *r, const char *title, const char *bodyclass);
void html_end(struct sbuf *b, const char *script);               /* script: /static/x.js or NULL */
void html_error_page(struct web_resp *p, struct web_req *r, int status, const char *msg_vi);
const char *field_label_vi(const char *name);
const char *status_vi(const char *status);
const char *role_vi(const char *role);

/* session.c */
/* Load the session from the cookie; sets r->authed.  -1 on database error. */
int  sess_load(struct web_req *r);
/* true when the request's CSRF token (form "csrf" or header X-CSRF-Token) matches. */
bool sess_csrf_ok(struct web_req *r);
void sess_login_page(struct web_req *r, struct web_resp *p, const char *msg_vi, int status);
void sess_login_post(struct web_req *r, struct web_resp *p);
void sess_logout(struct web_req *r, struct web_resp *p);
void web_random_hex(char *out, size_t nbytes);                   /* out: 2*nbytes+1 */

/* queue.c */
void queue_page(struct web_req *r, struct web_resp *p);
/* Next visible needs_review document after `after` in queue order, or 0. */
long long queue_next(struct web_req *r, long long after);
/* SQL fragment: true when document alias d is visible to the user in $1. */
#define VISIBLE_SQL(uparam) \
    "d.unit_id IN (SELECT unit_id FROM web_visible_units(" uparam "))"
bool web_can_edit(const struct web_user *u);
/* SQL expression: true when document `id` is a file split into parts (a
 * bundle).  Its parts are reviewed and approved, never the file as a whole. */
#define WEB_IS_BUNDLE_SQL(id) \
    "EXISTS (SELECT 1 FROM documents ch WHERE ch.parent_id = " id ")"
/* What a reviewer is told when acting on a bundle as a whole. */
#define WEB_BUNDLE_MSG "Tệp gồm nhiều văn bản: duyệt từng phần (mở từng phần trong danh sách các phần của tệp)."
/* SQL expression: the "warnings" of document `id`'s result (what the readers
 * worked around: a damaged PDF rebuilt, no text found...), jsonb or NULL.  A
 * part of a split file has the whole file's. */
#define WEB_WARNINGS_SQL(id) \
    "(SELECT coalesce(x.result->'warnings', xp.result->'warnings') FROM documents x " \
    "   LEFT JOIN documents xp ON xp.id = x.parent_id WHERE x.id = " id ")"

/* fieldcheck.c: a reviewer's value for field `name`, checked and put in its
 * stored form (NFC, spaces squashed; a date as ISO YYYY-MM-DD from the
 * Vietnamese forms 28/04/2026, 5/3/2026, 28-04-2026, "ngày 05 tháng 3 năm
 * 2026"; a province or area as its id, from the id or the Vietnamese name).
 * An empty value clears the field.  Returns the malloc'd value (caller
 * frees), or NULL with a Vietnamese message for the reviewer in msg. */
char *web_field_check(const char *name, const char *value, char *msg, size_t msgsz);
/* The fixed list of values of a field (id and Vietnamese name), or NULL when
 * the field takes free text.  Terminated by {NULL, NULL}. */
struct web_choice { const char *id, *vi; };
const struct web_choice *web_field_choices(const char *name);

/* review.c */
void review_page(struct web_req *r, struct web_resp *p, long long id);
void review_api(struct web_req *r, struct web_resp *p, long long id, const char *action);
void review_next(struct web_req *r, struct web_resp *p);

/* The case index as people see it (case_overview, schema/0040_cases.sql)
 * with the case's unit id, alias c, for filtering by web_visible_units(). */
#define WEB_CASE_FROM \
    "(SELECT o.*, k.unit_id FROM case_overview o JOIN cases k ON k.id = o.id) c"

/* stats.c */
void stats_page(struct web_req *r, struct web_resp *p);
void stats_csv(struct web_req *r, struct web_resp *p);
const char *stage_vi(const char *stage);          /* case_stage in Vietnamese */

/* cases.c */
void cases_page(struct web_req *r, struct web_resp *p);
void case_page(struct web_req *r, struct web_resp *p, long long id);
/* POST /cases/ID/merge and /cases/ID/split (action "merge" | "split"). */
void case_group_post(struct web_req *r, struct web_resp *p, long long id, const char *action);

/* search.c */
void search_page(struct web_req *r, struct web_resp *p);

/* image.c */
void image_serve(struct web_req *r, struct web_resp *p, long long id, int page, int width);
int  image_init(void);

/* static (generated) */
struct web_static { const char *name, *ctype; const unsigned char *data; size_t len; };
extern const struct web_static web_static_files[];
extern const int web_static_count;

/* audit: one append-only row.  detail_json may be NULL.  0 ok, -1 error. */
int web_audit(struct web_req *r, const char *action, long long document_id,
              const char *detail_json);

#endif
