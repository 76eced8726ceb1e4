/*
 * web/web.h: the review web app (libmicrohttpd) and its accounts.
 *
 * Reviewers log in, see the documents in needs_review that their unit may see
 * (their own unit and the units under it; the Supreme procuracy sees all),
 * correct fields on the review screen and approve documents for signing.
 * Every page and every API call checks the session, the CSRF token (on every
 * change) and the unit; every change is a field revision plus an audit-log
 * row, guarded by documents.version (optimistic locking).
 *
 * Everything reads and writes through store/ (PostgreSQL); web/ never calls OCR.
 */
#ifndef ANCONG_WEB_H
#define ANCONG_WEB_H

#include <stdbool.h>
#include "common/cfg.h"
#include "common/err.h"
#include "store/store.h"

/* Serve on listen ("HOST:PORT"; NULL = cfg->web_listen) until SIGTERM/SIGINT.
 * Opens one database connection per server thread.  0 clean stop, -1 error. */
int web_run(const struct cfg *c, const char *listen, struct err *e);

/* ---- accounts (web/users.c) -------------------------------------------- */
/* Roles a user may have (users.role).  NULL-terminated. */
extern const char *const web_roles[];
bool web_role_valid(const char *role);

/* Create a user of unit unit_code with the given role; the password is
 * hashed with Argon2id (libsodium crypto_pwhash_str).  full_name may be NULL. */
int web_user_add(struct store *s, const char *username, const char *full_name,
                 const char *unit_code, const char *role, const char *password,
                 struct err *e);
/* Set a new password (also re-enables nothing: a disabled user stays disabled);
 * ends the user's open sessions. */
int web_user_passwd(struct store *s, const char *username, const char *password,
                    struct err *e);
/* Disable a user and end their sessions. */
int web_user_disable(struct store *s, const char *username, struct err *e);
/* Enable a disabled user again (their password is unchanged). */
int web_user_enable(struct store *s, const char *username, struct err *e);
/* 1 if the user exists and is enabled, 0 if not, -1 on a database error. */
int web_user_active(struct store *s, const char *username, struct err *e);
/* User names are stored in lower case and found case-insensitively. */
/* Password policy: 0 ok, -1 with a message saying why. */
int web_password_ok(const char *password, struct err *e);

#endif
