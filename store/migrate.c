/*
 * store/migrate.c: schema/NNNN_what.sql, embedded in the binary, applied in
 * order.  Each file runs in its own transaction together with its row in
 * schema_migrations (name, sha256), so a file is either wholly applied and
 * recorded or not at all.  A session advisory lock serialises concurrent
 * runners (several processes starting at once).  A file already applied
 * whose checksum differs was edited after it landed: we refuse, because the
 * database no longer matches what the file says.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "store/store_int.h"

/* pg_advisory_lock key: "ancong" + "mig" as a number nobody else uses. */
#define MIG_LOCK_KEY "7306920231"

static int check_applied(struct store *s, struct err *e)
{
    PGresult *r = sq_exec(s, "read the applied migrations",
                          "SELECT name, sha256 FROM schema_migrations ORDER BY name", 0, NULL, e);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0), *sum = PQgetvalue(r, i, 1);
        int k;
        for (k = 0; k < mig_nfiles; k++)
            if (strcmp(mig_files[k].name, name) == 0)
                break;
        if (k == mig_nfiles) {
            err_set(e, ERR_USAGE, "the database has migration \"%s\", which this ancong does not know",
                    name);
            err_hint(e, "The database was migrated by a newer ancong: install that version.");
            PQclear(r);
            return -1;
        }
        char hex[HASH_HEX_LEN + 1];
        hash_buf(mig_files[k].sql, mig_files[k].len, hex);
        if (strcmp(hex, sum) != 0) {
            err_set(e, ERR_USAGE, "migration \"%s\" was changed after it was applied "
                    "(checksum %.12s, applied %.12s)", name, hex, sum);
            err_hint(e, "Applied migrations are never edited: restore the file as it was and "
                        "put the change in a new schema/NNNN_*.sql file.");
            PQclear(r);
            return -1;
        }
    }
    PQclear(r);
    return 0;
}

static int apply_one(struct store *s, const struct mig_file *m, struct err *e)
{
    char hex[HASH_HEX_LEN + 1], what[160];
    PGresult *r;

    hash_buf(m->sql, m->len, hex);
    if (sq_begin(s, e) < 0)
        return -1;
    const char *p1[1] = {m->name};
    r = sq_exec(s, "check a migration", "SELECT 1 FROM schema_migrations WHERE name = $1", 1, p1, e);
    if (!r)
        goto fail;
    int done = PQntuples(r) > 0;
    PQclear(r);
    if (done) {
        sq_rollback(s);
        return 0;
    }
    /* Several statements: the simple query protocol, no parameters (the
     * text is ours, compiled in). */
    r = PQexec(s->conn, (const char *)m->sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(what, sizeof what, "apply migration \"%s\"", m->name);
        sq_err(e, s->conn, r, what);
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    const char *p2[2] = {m->name, hex};
    if (sq_cmd(s, "record a migration",
               "INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)", 2, p2, e) < 0)
        goto fail;
    if (sq_commit(s, e) < 0)
        goto fail;
    log_info("event=migrated file=%s sha256=%.12s", m->name, hex);
    return 1;
fail:
    sq_rollback(s);
    return -1;
}

int mig_apply(struct store *s, int *applied, struct err *e)
{
    int n = 0, rc = -1;

    if (applied)
        *applied = 0;
    sq_rollback(s);
    if (sq_cmd(s, "take the migration lock", "SELECT pg_advisory_lock(" MIG_LOCK_KEY ")", 0,
               NULL, e) < 0)
        return -1;
    if (sq_cmd(s, "create the migrations table",
               "CREATE TABLE IF NOT EXISTS schema_migrations ("
               " name text PRIMARY KEY,"
               " sha256 text NOT NULL,"
               " applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, e) < 0)
        goto out;
    if (check_applied(s, e) < 0)
        goto out;
    for (int i = 0; i < mig_nfiles; i++) {
        int k = apply_one(s, &mig_files[i], e);
        if (k < 0)
            goto out;
        n += k;
    }
    rc = 0;
out:
    PQclear(PQexec(s->conn, "SELECT pg_advisory_unlock(" MIG_LOCK_KEY ")"));
    if (applied)
        *applied = n;
    return rc;
}
