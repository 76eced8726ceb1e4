#include "cases/group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"

/* The unit bound: both cases (and, for a split, every chosen document) in
 * the units the user may see.  Evaluated before the function runs (a
 * one-time filter of the SELECT), so a refused call changes nothing. */
#define VIS(x) "(SELECT unit_id FROM web_visible_units(" x "))"

static const char merge_sql[] =
    "SELECT ancong_case_merge($1::bigint, $2::bigint, $3, nullif($4::int, 0), $5::jsonb) "
    " WHERE $6::bigint = 0 OR (SELECT count(*) FROM cases c WHERE c.id IN ($1::bigint, $2::bigint) "
    "                           AND c.unit_id IN " VIS("$6::bigint") ") = 2";

static const char split_sql[] =
    "SELECT ancong_case_split($1::bigint, $2::bigint[], nullif($3::bigint, 0), nullif($4, ''), "
    "                         $5, nullif($6::int, 0), $7::jsonb) "
    " WHERE $8::bigint = 0 OR ("
    "   EXISTS (SELECT 1 FROM cases c WHERE c.id = $1::bigint AND c.unit_id IN " VIS("$8::bigint") ")"
    "   AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM cases c WHERE c.id = ancong_case_resolve($3::bigint)"
    "                                    AND c.unit_id IN " VIS("$8::bigint") "))"
    "   AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = ANY ($2::bigint[])"
    "                     AND d.unit_id NOT IN " VIS("$8::bigint") "))";

/* Map a failed result to why/e.  Always returns -1. */
static int fail_from(PGresult *r, enum case_fail *why, struct err *e)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    static const struct { const char *state; enum case_fail why; } map[] = {
        {"AC001", CASE_FAIL_NOT_FOUND}, {"AC002", CASE_FAIL_SAME}, {"AC003", CASE_FAIL_MERGED},
        {"AC004", CASE_FAIL_NOT_IN_CASE}, {"AC005", CASE_FAIL_NONE_CHOSEN}, {"AC006", CASE_FAIL_NO_CODE},
    };
    *why = CASE_FAIL_DB;
    for (size_t i = 0; state && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(state, map[i].state) == 0)
            *why = map[i].why;
    if (*why == CASE_FAIL_DB) {
        err_set(e, ERR_DB, "could not change the cases: %s", PQresultErrorMessage(r));
        err_hint(e, "Check that the database is up and migrated (ancong migrate), then try again.");
    } else {
        err_set(e, ERR_USAGE, "%s", msg ? msg : "refused");
    }
    return -1;
}

static int not_found(enum case_fail *why, struct err *e)
{
    *why = CASE_FAIL_NOT_FOUND;
    err_set(e, ERR_USAGE, "no such case, or a case of a unit you may not see");
    return -1;
}

int case_merge(PGconn *db, long long from, long long into, const struct case_actor *who,
               int *moved, enum case_fail *why, struct err *e)
{
    char f[32], t[32], uid[32], vis[32];
    *moved = 0;
    *why = CASE_FAIL_NONE;
    if (from == into) {
        *why = CASE_FAIL_SAME;
        err_set(e, ERR_USAGE, "a case cannot be merged into itself");
        return -1;
    }
    snprintf(f, sizeof f, "%lld", from);
    snprintf(t, sizeof t, "%lld", into);
    snprintf(uid, sizeof uid, "%lld", who->user_id);
    snprintf(vis, sizeof vis, "%lld", who->visible_to);
    const char *pv[6] = {f, t, who->name, uid, who->details_json ? who->details_json : "{}", vis};
    PGresult *r = PQexecParams(db, merge_sql, 6, NULL, pv, NULL, NULL, 0);
    int rc;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = fail_from(r, why, e);
    else if (PQntuples(r) != 1)
        rc = not_found(why, e);
    else {
        *moved = atoi(PQgetvalue(r, 0, 0));
        rc = 0;
    }
    PQclear(r);
    return rc;
}

int case_split(PGconn *db, long long from, const long long *docs, int n, long long into,
               const char *code, const struct case_actor *who, long long *target,
               enum case_fail *why, struct err *e)
{
    char f[32], t[32], uid[32], vis[32];
    struct sbuf arr = SBUF_INIT;
    *target = 0;
    *why = CASE_FAIL_NONE;
    sbuf_putc(&arr, '{');
    for (int i = 0; i < n; i++)
        sbuf_printf(&arr, "%s%lld", i ? "," : "", docs[i]);
    sbuf_putc(&arr, '}');
    snprintf(f, sizeof f, "%lld", from);
    snprintf(t, sizeof t, "%lld", into);
    snprintf(uid, sizeof uid, "%lld", who->user_id);
    snprintf(vis, sizeof vis, "%lld", who->visible_to);
    const char *pv[8] = {f, sbuf_cstr(&arr), t, code ? code : "", who->name, uid,
                         who->details_json ? who->details_json : "{}", vis};
    PGresult *r = PQexecParams(db, split_sql, 8, NULL, pv, NULL, NULL, 0);
    int rc;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = fail_from(r, why, e);
    else if (PQntuples(r) != 1)
        rc = not_found(why, e);
    else {
        *target = atoll(PQgetvalue(r, 0, 0));
        rc = 0;
    }
    PQclear(r);
    sbuf_release(&arr);
    return rc;
}
