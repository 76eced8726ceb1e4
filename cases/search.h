/*
 * cases/search.h: full-text search over the case index.
 *
 * Diacritic-insensitive ("quyet dinh khoi kien" finds "Quyết định khởi
 * kiện"): the query is folded like the stored search text (common/str.h
 * utf8_fold, SQL ancong_fold).  Results are limited to what a unit may see
 * (the unit and the units under it).  Every value goes in as a parameter.
 */
#ifndef ANCONG_SEARCH_H
#define ANCONG_SEARCH_H

#include "common/err.h"
#include "store/store.h"

struct search_hit {
    long long document_id;     /* the part of a bundle when the page is in one */
    char sha256[65];
    char *file;
    char *doc_type;            /* "" when unknown */
    char *case_code;           /* "" when none */
    int page;
    char *snippet;             /* original text around the first match, one line */
};

/* unit_id 0 = every unit (administrators, the CLI without --unit).
 * *hits is malloc'd; release with search_hits_free.  0 ok, -1 error. */
int  search_run(struct store *st, const char *query, int unit_id, int limit,
                struct search_hit **hits, int *n, struct err *e);
void search_hits_free(struct search_hit *hits, int n);
/* Snippet of text around the first word sequence matching the folded terms
 * (malloc'd).  Exposed for tests. */
char *search_snippet(const char *text, const char *folded_query, int context_words);

#endif
