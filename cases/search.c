#include "cases/search.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"

/* Candidates come from the GIN index of the folded text without ordering
 * (so LIMIT stops the scan early), then the few found are ranked; the
 * snippet is cut in C from those few only.  The unit, type and field filters
 * are semi-joins on the page's document (the file; a bundle's parts count
 * for it), so the planner may start from whichever side is rarer (the
 * trigram index of fields.search_value, the document type...); the outer
 * query then checks type and field on the part that holds the page.
 * Unused filters are NULL parameters, folded away by the planner. */
static const char search_sql[] =
    "WITH q AS (SELECT phraseto_tsquery('simple', $1) AS tsq), "
    "hit AS ("
    "  SELECT p.document_id, p.number, p.text, p.search_tsv"
    "    FROM pages p, q"
    "   WHERE p.search_tsv @@ q.tsq"
    "     AND ($2::int = 0 OR p.document_id IN (SELECT d.id FROM documents d"
    "             WHERE d.unit_id IN (SELECT ancong_visible_units($2::int))))"
    "     AND ($4::text IS NULL OR p.document_id IN (SELECT coalesce(x.parent_id, x.id) FROM documents x"
    "             WHERE x.doc_type = $4::text))"
    "     AND ($5::text IS NULL OR p.document_id IN (SELECT coalesce(x.parent_id, x.id)"
    "             FROM fields f JOIN documents x ON x.id = f.document_id"
    "             WHERE f.name = $5::text AND ($6::text IS NULL OR f.search_value LIKE $6::text)))"
    "   LIMIT 500) "
    "SELECT coalesce(part.id, d.id), d.sha256, d.name, coalesce(part.doc_type, d.doc_type, ''),"
    "       coalesce(c.code, ''), hit.number, hit.text"
    "  FROM hit CROSS JOIN q"
    "  JOIN documents d ON d.id = hit.document_id"
    "  LEFT JOIN documents part ON part.parent_id = d.id"
    "       AND hit.number BETWEEN part.first_page AND part.last_page"
    "  LEFT JOIN cases c ON c.id = coalesce(part.case_id, d.case_id)"
    " WHERE ($4::text IS NULL OR coalesce(part.doc_type, d.doc_type) = $4::text)"
    "   AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM fields f WHERE f.document_id = coalesce(part.id, d.id)"
    "             AND f.name = $5::text AND ($6::text IS NULL OR f.search_value LIKE $6::text)))"
    " ORDER BY ts_rank(hit.search_tsv, q.tsq) DESC, d.id DESC, hit.number"
    " LIMIT $3";

/* "%folded value%" for LIKE, with LIKE's own characters escaped (malloc'd). */
static char *like_pattern(const char *value)
{
    char *folded = utf8_fold(value);
    struct sbuf b = SBUF_INIT;
    sbuf_putc(&b, '%');
    for (const char *c = folded; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            sbuf_putc(&b, '\\');
        sbuf_putc(&b, *c);
    }
    sbuf_putc(&b, '%');
    free(folded);
    return sbuf_detach(&b);
}

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

int search_run(struct store *st, const char *query, const struct search_opts *o,
               struct search_hit **hits, int *n, struct err *e)
{
    char *folded = utf8_fold(query);
    char *pattern = o->field && o->value && *o->value ? like_pattern(o->value) : NULL;
    char unit_s[16], limit_s[16];
    const char *pv[6] = {folded, unit_s, limit_s, o->doc_type && *o->doc_type ? o->doc_type : NULL,
                         o->field && *o->field ? o->field : NULL, pattern};
    PGresult *r = NULL;
    int rc = -1;

    *hits = NULL;
    *n = 0;
    if (!*folded || nwords(folded) > 32) {
        err_set(e, ERR_USAGE, "the search needs between 1 and 32 words");
        goto out;
    }
    snprintf(unit_s, sizeof unit_s, "%d", o->unit_id);
    snprintf(limit_s, sizeof limit_s, "%d", o->limit > 0 ? o->limit : 20);
    r = PQexecParams(store_conn(st), search_sql, 6, NULL, pv, NULL, NULL, 0);
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
    free(pattern);
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
