/*
 * store/docfail.c: mark a document failed from outside a job (the watcher's
 * empty files).  Written by the watcher side; see store.h.
 */
#include "store/store.h"

#include <stdio.h>

#include "store/store_int.h"

int store_fail_document(struct store *s, long long document_id, const char *why, struct err *e)
{
    char id[32];
    const char *p[2] = {id, why};

    snprintf(id, sizeof id, "%lld", document_id);
    if (sq_begin(s, e) < 0)
        return -1;
    /* Only a document nobody finished yet: a later drop of the same bytes
     * must not undo what a worker or a reviewer did. */
    if (sq_cmd(s, "mark the document failed",
               "UPDATE documents SET status = 'failed', error = $2, processed_at = now(), "
               "updated_at = now() WHERE id = $1::bigint AND status IN ('received', 'processing')",
               2, p, e) < 0 ||
        sq_cmd(s, "settle the document's jobs",
               "UPDATE jobs SET state = 'failed', last_error = $2, finished_at = now(), "
               "lease_until = NULL, updated_at = now() "
               "WHERE document_id = $1::bigint AND state IN ('ready', 'running')",
               2, p, e) < 0 ||
        sq_commit(s, e) < 0) {
        sq_rollback(s);
        return -1;
    }
    return 0;
}
