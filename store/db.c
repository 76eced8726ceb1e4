/*
 * store/db.c: the connection (starting the embedded cluster on demand) and
 * the small query helpers the other store files share.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "store/store_int.h"

void sq_err(struct err *e, PGconn *c, const PGresult *r, const char *what)
{
    char msg[600];
    const char *m = r ? PQresultErrorMessage(r) : NULL;
    if (!m || !*m)
        m = c ? PQerrorMessage(c) : "no connection";
    snprintf(msg, sizeof msg, "%s", m);
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = '\0';
    if (str_starts(msg, "ERROR:  "))
        memmove(msg, msg + 8, strlen(msg + 8) + 1);
    err_set(e, ERR_DB, "could not %s: %s", what, msg);
    const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) : NULL;
    if (hint)
        err_hint(e, "%s", hint);
    else if (c && PQstatus(c) != CONNECTION_OK)
        err_hint(e, "The database connection was lost; it is retried automatically. "
                    "Check \"ancong db status\".");
}

PGresult *sq_exec(struct store *s, const char *what, const char *sql, int n,
                  const char *const *params, struct err *e)
{
    PGresult *r = PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    sq_err(e, s->conn, r, what);
    PQclear(r);
    return NULL;
}

int sq_cmd(struct store *s, const char *what, const char *sql, int n,
           const char *const *params, struct err *e)
{
    PGresult *r = sq_exec(s, what, sql, n, params, e);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

PGresult *sq_raw_prep(struct store *s, const char *sql, int n, const char *const *params)
{
    char name[24];
    int i;
    for (i = 0; i < s->nprep; i++)
        if (s->prep[i] == sql)
            break;
    if (i == s->nprep) {
        if (s->nprep == (int)(sizeof s->prep / sizeof s->prep[0]))
            return PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);
        snprintf(name, sizeof name, "ancong_q%d", i);
        PGresult *r = PQprepare(s->conn, name, sql, n, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return r;
        PQclear(r);
        s->prep[s->nprep++] = sql;
    }
    snprintf(name, sizeof name, "ancong_q%d", i);
    return PQexecPrepared(s->conn, name, n, params, NULL, NULL, 0);
}

PGresult *sq_exec_prep(struct store *s, const char *what, const char *sql, int n,
                       const char *const *params, struct err *e)
{
    PGresult *r = sq_raw_prep(s, sql, n, params);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    sq_err(e, s->conn, r, what);
    PQclear(r);
    return NULL;
}

int sq_cmd_prep(struct store *s, const char *what, const char *sql, int n,
                const char *const *params, struct err *e)
{
    PGresult *r = sq_exec_prep(s, what, sql, n, params, e);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int sq_begin(struct store *s, struct err *e)
{
    return sq_cmd(s, "begin a transaction", "BEGIN", 0, NULL, e);
}

int sq_commit(struct store *s, struct err *e)
{
    return sq_cmd(s, "commit", "COMMIT", 0, NULL, e);
}

void sq_rollback(struct store *s)
{
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->conn, "ROLLBACK"));
}

static void notice_quiet(void *arg, const PGresult *r)
{
    (void)arg;
    log_debug("db_notice=%s", PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
}

static int connect_now(struct store *s, struct err *e)
{
    PQfinish(s->conn);
    s->listening = false;
    s->nprep = 0;              /* prepared statements die with the connection */
    s->conn = PQconnectdb(s->conninfo);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(s->conn));
        char *nl = strchr(msg, '\n');
        if (nl)
            *nl = '\0';
        err_set(e, ERR_DB, "could not connect to the database: %s", msg);
        if (s->cfg->database_url[0])
            err_hint(e, "Check database_url (ANCONG_DATABASE_URL) and that the server is up.");
        else
            err_hint(e, "Run \"ancong db status\"; the server log is %s/log/postgresql.log.",
                     s->cfg->home);
        PQfinish(s->conn);
        s->conn = NULL;
        return -1;
    }
    PQsetNoticeReceiver(s->conn, notice_quiet, NULL);
    PQclear(PQexec(s->conn, "SET application_name = 'ancong'; SET client_encoding = 'UTF8'"));
    return 0;
}

int store_open(const struct cfg *c, struct store **out, struct err *e)
{
    struct store *s = xcalloc(1, sizeof *s);
    s->cfg = c;
    *out = NULL;
    if (pgc_start(c, e) < 0) {
        free(s);
        return -1;
    }
    pgc_conninfo(c, s->conninfo, sizeof s->conninfo);
    if (connect_now(s, e) < 0) {
        free(s);
        return -1;
    }
    int stale = blob_clean_tmp(c, 3600);
    if (stale > 0)
        log_info("event=blob_tmp_cleaned files=%d", stale);
    *out = s;
    return 0;
}

void store_close(struct store **s)
{
    if (!s || !*s)
        return;
    PQfinish((*s)->conn);
    free(*s);
    *s = NULL;
}

PGconn *store_conn(struct store *s)
{
    return s->conn;
}

const struct cfg *store_cfg(struct store *s)
{
    return s->cfg;
}

int store_check(struct store *s, struct err *e)
{
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK) {
        sq_rollback(s);
        PGresult *r = PQexec(s->conn, "SELECT 1");
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        if (st == PGRES_TUPLES_OK)
            return 0;
    }
    log_warn("event=db_reconnect");
    /* The embedded server may have been stopped: start it again. */
    if (pgc_start(s->cfg, e) < 0)
        return -1;
    return connect_now(s, e);
}
