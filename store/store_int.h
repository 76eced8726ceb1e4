/*
 * store/store_int.h: shared by the files of store/ only (not a public API).
 */
#ifndef ANCONG_STORE_INT_H
#define ANCONG_STORE_INT_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/cfg.h"
#include "common/err.h"

struct store {
    PGconn *conn;
    const struct cfg *cfg;
    char conninfo[1400];
    bool listening;            /* LISTEN ancong_jobs issued on this connection */
    const char *prep[48];      /* statements prepared on this connection (sq_exec_prep) */
    int nprep;
};

/* Run sql with text parameters (NULL = SQL NULL).  Returns the result when
 * its status is PGRES_TUPLES_OK or PGRES_COMMAND_OK (caller PQclear()s), or
 * NULL with e set ("what" names the step in the message). */
PGresult *sq_exec(struct store *s, const char *what, const char *sql, int n,
                  const char *const *params, struct err *e);
/* The same for statements whose result is not needed.  0 ok, -1 error. */
int sq_cmd(struct store *s, const char *what, const char *sql, int n,
           const char *const *params, struct err *e);
/* The same for a statement run again and again on one connection (the job
 * queue's): prepared on first use, then executed by name, so PostgreSQL
 * neither parses nor, once it keeps a generic plan, plans it again.  sql is
 * the key: a string literal, alive and unchanged for the whole process. */
PGresult *sq_exec_prep(struct store *s, const char *what, const char *sql, int n,
                       const char *const *params, struct err *e);
int sq_cmd_prep(struct store *s, const char *what, const char *sql, int n,
                const char *const *params, struct err *e);
/* What sq_exec_prep runs: the result in any status, for callers that look at
 * the error themselves (a plain PQexecParams when 48 statements are
 * prepared already). */
PGresult *sq_raw_prep(struct store *s, const char *sql, int n, const char *const *params);
/* BEGIN / COMMIT / ROLLBACK (rollback never fails loudly). */
int  sq_begin(struct store *s, struct err *e);
int  sq_commit(struct store *s, struct err *e);
void sq_rollback(struct store *s);
/* Fill e from a libpq error, first line only, with what as context. */
void sq_err(struct err *e, PGconn *c, const PGresult *r, const char *what);

/* Embedded schema files (build/gen/schema_sql.c, made by scripts/embed-sql.sh from schema/). */
struct mig_file {
    const char *name;          /* "0001_units_users.sql" */
    const unsigned char *sql;  /* NUL-terminated */
    unsigned long len;         /* without the NUL */
};
extern const struct mig_file mig_files[];
extern const int mig_nfiles;

#endif
