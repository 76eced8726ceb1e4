#include "cases/search.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"

/* Candidates come from the GIN index without ordering (so LIMIT stops the
 * scan early), then the few found are ranked. */
static const char search_sql[] =
    "WITH q AS (SELECT phraseto_tsquery('simple', $1) AS tsq), "
    "hit AS ("
    "  SELECT p.document_id, p.number, p.text, p.search_tsv"
    "    FROM pages p, q"
    "   WHERE p.search_tsv @@ q.tsq"
    "     AND ($2::int = 0 OR p.document_id IN (SELECT d.id FROM documents d"
    "             WHERE d.unit_id IN (SELECT ancong_visible_units($2::int))))"
    "   LIMIT 500) "
    "SELECT coalesce(part.id, d.id), d.sha256, d.name, coalesce(part.doc_type, d.doc_type, ''),"
    "       coalesce(c.code, ''), hit.number, hit.text"
    "  FROM hit CROSS JOIN q"
    "  JOIN documents d ON d.id = hit.document_id"
    "  LEFT JOIN documents part ON part.parent_id = d.id"
    "       AND hit.number BETWEEN part.first_page AND part.last_page"
    "  LEFT JOIN cases c ON c.id = coalesce(part.case_id, d.case_id)"
    " ORDER BY ts_rank(hit.search_tsv, q.tsq) DESC, d.id DESC, hit.number"
    " LIMIT $3";

static int nwords(const char *s)
{
    int n = 0, in = 0;
    for (; *s; s++) {
        if (*s == ' ')
            in = 0;
        else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

char *search_snippet(const char *text, const char *folded_query, int context_words)
{
    /* Split the original text into words; fold each; find the first run of
     * words whose folded forms start with the query's words in order. */
    char *copy = xstrdup(text);
    char **w = NULL, **fw = NULL;
    int n = 0, cap = 0, qn = 0, at = -1;
    char *qcopy = xstrdup(folded_query), *save = NULL, **qw = NULL;
    struct sbuf b = SBUF_INIT;

    for (char *t = strtok_r(qcopy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        qw = xrealloc(qw, (size_t)(qn + 1) * sizeof *qw);
        qw[qn++] = t;
    }
    save = NULL;
    for (char *t = strtok_r(copy, " \t\n\r", &save); t; t = strtok_r(NULL, " \t\n\r", &save)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            w = xrealloc(w, (size_t)cap * sizeof *w);
            fw = xrealloc(fw, (size_t)cap * sizeof *fw);
        }
        w[n] = t;
        fw[n] = utf8_fold(t);
        n++;
    }
    for (int i = 0; qn > 0 && i + qn <= n && at < 0; i++) {
        int k = 0;
        while (k < qn && strstr(fw[i + k], qw[k]) != NULL)
            k++;
        if (k == qn)
            at = i;
    }
    if (at < 0)
        at = 0;
    int from = at - context_words < 0 ? 0 : at - context_words;
    int to = at + (qn ? qn : 1) + context_words;
    if (to > n)
        to = n;
    if (from > 0)
        sbuf_puts(&b, "… ");
    for (int i = from; i < to; i++) {
        if (i > from)
            sbuf_putc(&b, ' ');
        sbuf_puts(&b, w[i]);
    }
    if (to < n)
        sbuf_puts(&b, " …");
    for (int i = 0; i < n; i++)
        free(fw[i]);
    free(w);
    free(fw);
    free(qw);
    free(qcopy);
    free(copy);
    return sbuf_detach(&b);
}

int search_run(struct store *st, const char *query, int unit_id, int limit,
               struct search_hit **hits, int *n, struct err *e)
{
    char *folded = utf8_fold(query);
    char unit_s[16], limit_s[16];
    const char *pv[3] = {folded, unit_s, limit_s};
    int rc = -1;

    *hits = NULL;
    *n = 0;
    if (!*folded || nwords(folded) > 32) {
        err_set(e, ERR_USAGE, "the search needs between 1 and 32 words");
        free(folded);
        return -1;
    }
    snprintf(unit_s, sizeof unit_s, "%d", unit_id);
    snprintf(limit_s, sizeof limit_s, "%d", limit > 0 ? limit : 20);
    PGresult *r = PQexecParams(store_conn(st), search_sql, 3, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        err_set(e, ERR_DB, "could not search: %s", PQresultErrorMessage(r));
        goto out;
    }
    *n = PQntuples(r);
    *hits = xcalloc((size_t)(*n ? *n : 1), sizeof **hits);
    for (int i = 0; i < *n; i++) {
        struct search_hit *h = &(*hits)[i];
        h->document_id = atoll(PQgetvalue(r, i, 0));
        snprintf(h->sha256, sizeof h->sha256, "%s", PQgetvalue(r, i, 1));
        h->file = xstrdup(PQgetvalue(r, i, 2));
        h->doc_type = xstrdup(PQgetvalue(r, i, 3));
        h->case_code = xstrdup(PQgetvalue(r, i, 4));
        h->page = atoi(PQgetvalue(r, i, 5));
        h->snippet = search_snippet(PQgetvalue(r, i, 6), folded, 8);
    }
    rc = 0;
out:
    PQclear(r);
    free(folded);
    return rc;
}

void search_hits_free(struct search_hit *hits, int n)
{
    for (int i = 0; i < n; i++) {
        free(hits[i].file);
        free(hits[i].doc_type);
        free(hits[i].case_code);
        free(hits[i].snippet);
    }
    free(hits);
}
