/*
 * cases/group.h: a reviewer's grouping of cases (issue 8), beyond attaching one
 * document to a case code: merge a case into another (its code becomes an
 * alias of the other), split chosen documents off to another case.
 *
 * The work is done in the database (schema/0042_case_merge.sql:
 * ancong_case_merge, ancong_case_split), in one statement, so each call is
 * one transaction when the connection is in autocommit: documents move, the
 * stage, procurator and deadlines of every case touched are recomputed, and
 * one audit_log row says who did what.  Every value goes in as a parameter.
 */
#ifndef ANCONG_CASES_GROUP_H
#define ANCONG_CASES_GROUP_H

#include <libpq-fe.h>

#include "common/err.h"

/* Why an operation was refused, for a message in the user's language. */
enum case_fail {
    CASE_FAIL_NONE = 0,
    CASE_FAIL_NOT_FOUND,      /* no such case, or not one the user may see */
    CASE_FAIL_SAME,           /* into the same case */
    CASE_FAIL_MERGED,         /* a case already merged into another */
    CASE_FAIL_NOT_IN_CASE,    /* a chosen document is not in the case */
    CASE_FAIL_NONE_CHOSEN,    /* no document chosen */
    CASE_FAIL_NO_CODE,        /* a new case needs a code */
    CASE_FAIL_DB,             /* database trouble: a retry may work */
};

/* Who acts, for the unit check and the audit row. */
struct case_actor {
    const char *name;          /* the login, or "cli:<user>" */
    long long user_id;         /* users.id; 0 = none (the CLI) */
    long long visible_to;      /* users.id whose units bound the operation
                                  (web_visible_units); 0 = no bound (the CLI) */
    const char *details_json;  /* merged into the audit row's details; NULL = {} */
};

/* Merge case `from` into case `into`.  *moved: documents moved.  0 ok; -1
 * with *why and e set. */
int case_merge(PGconn *db, long long from, long long into, const struct case_actor *who,
               int *moved, enum case_fail *why, struct err *e);

/* Move documents docs[0..n) of case `from` to case `into` (an id), or, when
 * into is 0, to the case of `code` in from's unit (made when new).
 * *target: the case they moved to.  0 ok; -1 with *why and e set. */
int case_split(PGconn *db, long long from, const long long *docs, int n, long long into,
               const char *code, const struct case_actor *who, long long *target,
               enum case_fail *why, struct err *e);

#endif
