/*
 * backfill/manifest.h: the operator's spreadsheet (CSV) mapping files to cases.
 *
 * UTF-8 with or without a BOM, comma or semicolon separated (taken from the
 * header line), RFC 4180 quoting, a header row.  Recognised columns (names
 * compared without case or diacritics): file / path / tep (required),
 * case_code / ma_vu_viec / case, unit / don_vi, doc_type / loai.  Other
 * columns are kept as archival metadata.
 */
#ifndef ANCONG_BF_MANIFEST_H
#define ANCONG_BF_MANIFEST_H

#include <stdbool.h>
#include "common/err.h"

struct mf_row {
    char *file;            /* path as written, '/' separators, NFC */
    char *case_code, *unit, *doc_type;   /* or NULL */
    int line;              /* line number in the CSV */
    bool used;             /* matched by a file of the run */
};

struct manifest {
    struct mf_row *rows;
    int nrows;
};

/* Parse path.  0 ok, -1 error (e names the line). */
int  mf_load(const char *path, struct manifest *m, struct err *e);
/* Parse text already in memory (for tests and fuzzing). */
int  mf_parse(const char *text, size_t len, struct manifest *m, struct err *e);
void mf_release(struct manifest *m);
/* The row for a file: exact relative path, else a unique base name match. */
struct mf_row *mf_find(struct manifest *m, const char *relpath);

#endif
