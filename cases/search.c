#include "cases/search.h"

#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/str.h"

/*
 * How a search runs.  Candidates (at most SEARCH_CANDIDATES pages matching
 * the words and the filters) are found without ordering, so the scan stops
 * early; only those few are ranked (ts_rank), and the snippet is cut in C
 * from the few returned.
 *
 * Where candidates come from depends on how common the words are, judged
 * by the planner's own statistics of pages.search_tsv (pg_stats: the share
 * of pages holding each word; a phrase is at most as common as its rarest
 * word):
 *   - rare words: the GIN index of the folded text.  GIN only builds whole
 *     bitmaps, and a word on most pages (tai, phuong, so...) costs its whole
 *     posting list while narrowing nothing, so the index is asked only for
 *     the rarest few words (SEARCH_INDEX_WORDS, those on at most
 *     SEARCH_INDEX_SHARE of the pages, at least the rarest one), ANDed; the
 *     whole phrase is then checked on each page found (ts_match_vq, the
 *     function of @@, which the planner does not take to the index).  Same
 *     pages, less than half the index work for "xả nước thải tại phường
 *     Hồng Gai" over 1,000,000 pages.
 *   - common words (every word on >= SEARCH_DENSE of the pages), unless a
 *     field value is given (rare, so the index path starts from it): a GIN
 *     bitmap would list hundreds of thousands of pages before LIMIT could
 *     stop anything (~0.2 s over 1,000,000 pages), while a plain scan finds
 *     enough candidates within the first few thousand pages.  So pages are
 *     read in table order and filtered: first SEARCH_PILOT of them; when they
 *     hold enough candidates, that is the answer; when, scaled up, they
 *     promise enough within SEARCH_PROBE pages, 1.5 times what they say
 *     is needed is read (at most SEARCH_PROBE); else (a
 *     phrase of common words that is itself rare, or a small unit) the index
 *     query runs, without reading SEARCH_PROBE pages in vain first.
 * The unit, type and field filters are built only when used, on the page's
 * file (a bundle's parts count for it).  On the index path they are joins
 * and semi-joins, so the planner sees them and may start from the rarer side
 * (the trigram index of fields.search_value, the file-and-type index...); on
 * the probe they are index probes per page.  The outer query then checks
 * type and field on the part that holds the page.  Every value is a
 * parameter.
 */
#define SEARCH_CANDIDATES 500
#define SEARCH_DENSE      0.02
#define SEARCH_PROBE      30000
#define SEARCH_PILOT      3000
#define SEARCH_INDEX_WORDS 3
#define SEARCH_INDEX_SHARE 0.3
#define STR_(x) #x
#define STR(x) STR_(x)
#define SEARCH_CANDIDATES_S STR(SEARCH_CANDIDATES)
#define SEARCH_INDEX_WORDS_S STR(SEARCH_INDEX_WORDS)
#define SEARCH_INDEX_SHARE_S STR(SEARCH_INDEX_SHARE)

/* $1 folded words, $2 visible units (int[]), $3 limit, $4 type, $5 field,
 * $6 LIKE pattern, $7 the rarest words ANDed (tsquery text); unused ones
 * are NULL and not referenced.  probe: 0 for the index query, else how
 * many pages to read in table order. */
static char *search_sql(const struct search_opts *o, int probe, bool pattern, bool rare)
{
    struct sbuf b = SBUF_INIT;
    const char *like = pattern ? " AND f.search_value LIKE $6::text" : "";
    char src[128];
    snprintf(src, sizeof src, "(SELECT document_id, number, text, search_tsv FROM pages LIMIT %d)", probe);
    sbuf_printf(&b,
        "WITH hit AS MATERIALIZED ("
        "  SELECT p.document_id, p.number, p.text, p.search_tsv"
        "    FROM %s p%s"
        "   WHERE %s",
        probe ? src : "pages",
        o->unit_id && !probe ? " JOIN documents du ON du.id = p.document_id AND du.unit_id = ANY ($2::int[])" : "",
        !probe && rare ? "p.search_tsv @@ $7::tsquery AND ts_match_vq(p.search_tsv, phraseto_tsquery('simple', $1))"
                       : "p.search_tsv @@ phraseto_tsquery('simple', $1)");
    if (probe) {
        /* At most `probe` pages: check each with index probes (a
         * scalar subquery is never turned into a join), never by hashing
         * every document of a common unit, type or field value first. */
        if (o->unit_id)
            sbuf_puts(&b, " AND (SELECT du.unit_id FROM documents du WHERE du.id = p.document_id) = ANY ($2::int[])");
        if (o->doc_type)
            sbuf_puts(&b, " AND (SELECT true FROM documents x WHERE coalesce(x.parent_id, x.id) = p.document_id"
                          "        AND x.doc_type = $4::text LIMIT 1)");
        if (o->field)
            sbuf_printf(&b, " AND (SELECT true FROM documents x JOIN fields f ON f.document_id = x.id"
                            "       WHERE coalesce(x.parent_id, x.id) = p.document_id AND f.name = $5::text%s LIMIT 1)",
                        like);
    } else {
        if (o->doc_type)
            sbuf_puts(&b, " AND p.document_id IN (SELECT coalesce(x.parent_id, x.id) FROM documents x"
                          "                        WHERE x.doc_type = $4::text)");
        if (o->field)
            sbuf_printf(&b, " AND p.document_id IN (SELECT coalesce(x.parent_id, x.id)"
                            "   FROM fields f JOIN documents x ON x.id = f.document_id"
                            "  WHERE f.name = $5::text%s)", like);
    }
    sbuf_puts(&b, " LIMIT " SEARCH_CANDIDATES_S ") "
        "SELECT coalesce(part.id, d.id), d.sha256, d.name, coalesce(part.doc_type, d.doc_type, ''),"
        "       coalesce(c.code, ''), hit.number, hit.text, (SELECT count(*) FROM hit)"
        "  FROM hit"
        "  JOIN documents d ON d.id = hit.document_id"
        "  LEFT JOIN documents part ON part.parent_id = d.id"
        "       AND hit.number BETWEEN part.first_page AND part.last_page"
        "  LEFT JOIN cases c ON c.id = coalesce(part.case_id, d.case_id)"
        " WHERE true");
    if (o->doc_type)
        sbuf_puts(&b, " AND coalesce(part.doc_type, d.doc_type) = $4::text");
    if (o->field)
        sbuf_printf(&b, " AND EXISTS (SELECT 1 FROM fields f WHERE f.document_id = coalesce(part.id, d.id)"
                        "              AND f.name = $5::text%s)", like);
    sbuf_puts(&b, " ORDER BY ts_rank(hit.search_tsv, phraseto_tsquery('simple', $1)) DESC, d.id DESC, hit.number"
                  " LIMIT $3");
    return sbuf_detach(&b);
}

/* How common the rarest of the words is (share of pages, from pg_stats;
 * 0 when unknown), and the units visible from unit_id as an int[] literal
 * (malloc'd into *units; "{}" for unit 0).  -1 on error. */
/* The planner's estimate of the share of documents having field `name`
 * LIKE `pattern` (its statistics of fields.search_value); 0 when unknown. */
static double field_share(PGconn *db, const char *name, const char *pattern)
{
    const char *pv[2] = {name, pattern};
    PGresult *r = PQexecParams(db,
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM fields f WHERE f.name = $1 AND f.search_value LIKE $2",
        2, NULL, pv, NULL, NULL, 0);
    PGresult *n = PQexec(db, "SELECT reltuples FROM pg_class WHERE oid = 'documents'::regclass");
    double share = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQresultStatus(n) == PGRES_TUPLES_OK &&
        PQntuples(n) == 1) {
        const char *rows = strstr(PQgetvalue(r, 0, 0), "\"Plan Rows\": ");
        double docs = atof(PQgetvalue(n, 0, 0));
        if (rows && docs > 0)
            share = atof(rows + strlen("\"Plan Rows\": ")) / docs;
    }
    PQclear(r);
    PQclear(n);
    return share;
}

static int search_prepare(PGconn *db, const char *folded, int unit_id, double *density, char **units,
                          char **rare, struct err *e)
{
    char us[16];
    snprintf(us, sizeof us, "%d", unit_id);
    const char *pv[2] = {folded, us};
    /* Also the rarest words as a tsquery (each lexeme quoted as tsquery
     * input wants it, so nothing is parsed again): at most
     * SEARCH_INDEX_WORDS of those on at most SEARCH_INDEX_SHARE of the
     * pages, at least the rarest; NULL when the words hold no lexeme. */
    PGresult *r = PQexecParams(db,
        "WITH l AS (SELECT l.lex, coalesce(s.f, 0) AS f,"
        "                  row_number() OVER (ORDER BY coalesce(s.f, 0), l.lex) AS rn"
        "  FROM unnest(tsvector_to_array(to_tsvector('simple', $1))) AS l (lex)"
        "  LEFT JOIN (SELECT m.e, m.f FROM pg_stats st,"
        "                    unnest(st.most_common_elems::text::text[], st.most_common_elem_freqs) AS m (e, f)"
        "              WHERE st.schemaname = current_schema() AND st.tablename = 'pages'"
        "                AND st.attname = 'search_tsv') s ON s.e = l.lex)"
        "SELECT (SELECT coalesce(min(f), 0) FROM l),"
        "       CASE WHEN $2::int = 0 THEN '{}' ELSE"
        "            (SELECT coalesce(array_agg(v), '{}') FROM ancong_visible_units($2::int) v)::text END,"
        "       (SELECT string_agg('''' || replace(replace(lex, '\\', '\\\\'), '''', '''''') || '''', ' & ' ORDER BY rn)"
        "          FROM l WHERE rn = 1 OR (rn <= " SEARCH_INDEX_WORDS_S " AND f <= " SEARCH_INDEX_SHARE_S "))",
        2, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        err_set(e, ERR_DB, "could not search: %s", PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    *density = atof(PQgetvalue(r, 0, 0));
    *units = xstrdup(PQgetvalue(r, 0, 1));
    *rare = PQgetisnull(r, 0, 2) ? NULL : xstrdup(PQgetvalue(r, 0, 2));
    PQclear(r);
    return 0;
}

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

int search_run(struct store *st, const char *query, const struct search_opts *o_in,
               struct search_hit **hits, int *n, struct err *e)
{
    struct search_opts o = *o_in;
    char *folded = utf8_fold(query);
    char *pattern = NULL, *units = NULL, *rare = NULL, *sql = NULL;
    char limit_s[16];
    PGresult *r = NULL;
    double density = 0;
    bool began = false;
    int rc = -1;

    *hits = NULL;
    *n = 0;
    if (o.doc_type && !*o.doc_type)
        o.doc_type = NULL;
    if (o.field && !*o.field)
        o.field = NULL;
    if (o.field && o.value && *o.value)
        pattern = like_pattern(o.value);
    if (!*folded || nwords(folded) > 32) {
        err_set(e, ERR_USAGE, "the search needs between 1 and 32 words");
        goto out;
    }
    /* One read-only transaction, without JIT: the planner's cost of a probe
     * (every page of it checked) passes jit_above_cost, and compiling takes
     * longer than the whole search.  Without synchronized scans: a probe
     * reads the table's first pages (the same ones each time, so they stay
     * in shared buffers and the same query finds the same pages), not
     * wherever the last scan of pages stopped. */
    PGresult *b = PQexec(store_conn(st), "BEGIN READ ONLY; SET LOCAL jit = off;"
                                         " SET LOCAL synchronize_seqscans = off");
    began = PQresultStatus(b) == PGRES_COMMAND_OK;
    if (!began)
        err_set(e, ERR_DB, "could not search: %s", PQresultErrorMessage(b));
    PQclear(b);
    if (!began)
        goto out;
    if (search_prepare(store_conn(st), folded, o.unit_id, &density, &units, &rare, e) < 0)
        goto out;
    snprintf(limit_s, sizeof limit_s, "%d", o.limit > 0 ? o.limit : 20);
    const char *pv[7] = {folded, units, limit_s, o.doc_type, o.field, pattern, rare};
    /* declared, since a statement may leave some unused: text, int4[], int4, text... */
    static const Oid ptypes[7] = {25, 1007, 23, 25, 25, 25, 25};
    /* A rare field value (a document number, a name): the index path starts
     * from the trigram index of fields, a probe would mostly read pages in
     * vain.  A common one (an area, a province) does not slow a probe. */
    if (pattern && density >= SEARCH_DENSE && field_share(store_conn(st), o.field, pattern) < SEARCH_DENSE)
        density = 0;
    /* The pilot, then (when it promises enough) the probe, then the index. */
    int probe = density >= SEARCH_DENSE ? SEARCH_PILOT : 0;
    for (;;) {
        free(sql);
        PQclear(r);
        sql = search_sql(&o, probe, pattern != NULL, rare != NULL);
        r = PQexecParams(store_conn(st), sql, 7, ptypes, pv, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            err_set(e, ERR_DB, "could not search: %s", PQresultErrorMessage(r));
            goto out;
        }
        /* A probe answers only when it holds as many candidates as the
         * index query would have ranked: those are then the same pages
         * (the first matches in table order).  Fewer: the words are rarer
         * together than alone, or the filters rare.  After the pilot, when its
         * share of matches promises enough within SEARCH_PROBE pages, the
         * probe reads 1.5 times the pages that share says hold enough (at
         * most SEARCH_PROBE); else, or after the probe, the index answers. */
        int found = PQntuples(r) > 0 ? atoi(PQgetvalue(r, 0, 7)) : 0;
        if (!probe || found >= SEARCH_CANDIDATES)
            break;
        double need = found > 0 ? 1.5 * SEARCH_PILOT * SEARCH_CANDIDATES / found : 0;
        if (probe == SEARCH_PILOT && (double)found * SEARCH_PROBE / SEARCH_PILOT >= SEARCH_CANDIDATES)
            probe = need < SEARCH_PROBE ? (int)need : SEARCH_PROBE;
        else
            probe = 0;
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
    if (began)
        PQclear(PQexec(store_conn(st), rc == 0 ? "COMMIT" : "ROLLBACK"));
    free(sql);
    free(units);
    free(rare);
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
