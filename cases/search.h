/*
 * cases/search.h: full-text search over the case index.
 *
 * Diacritic-insensitive ("quyet dinh khoi kien" finds "Quyết định khởi
 * kiện"): the query is folded like the stored search text (common/str.h
 * utf8_fold, SQL ancong_fold).  Results are limited to what a unit may see
 * (the unit and the units under it), optionally to one document type and to
 * documents whose field (so_van_ban, bi_don, linh_vuc...) contains given
 * words.  Every value goes in as a parameter.
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

/* What to search in, besides the words. */
struct search_opts {
    int unit_id;               /* 0 = every unit (administrators, the CLI without --unit) */
    int limit;                 /* hits at most; <= 0 = 20 */
    const char *doc_type;      /* only documents of this type (DOC_TYPES.md id); NULL = any */
    const char *field;         /* only documents with this field (FIELDS.md id) ... */
    const char *value;         /* ... whose value contains these words, diacritics ignored
                                  (NULL = the field is present) */
};

/* *hits is malloc'd; release with search_hits_free.  0 ok, -1 error. */
int  search_run(struct store *st, const char *query, const struct search_opts *o,
                struct search_hit **hits, int *n, struct err *e);
void search_hits_free(struct search_hit *hits, int n);
/* Snippet of text around the first word sequence matching the folded terms
 * (malloc'd).  Exposed for tests. */
char *search_snippet(const char *text, const char *folded_query, int context_words);

#endif
