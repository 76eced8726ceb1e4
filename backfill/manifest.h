/*
 * backfill/manifest.h: the operator's spreadsheet (CSV) mapping files to cases.
 *
 * UTF-8 with or without a BOM, comma or semicolon separated (taken from the
 * header line), RFC 4180 quoting, a header row.  Recognised columns (names
 * compared without case or diacritics): file / path / tep (required),
 * case_code / ma_vu_viec / case, unit / don_vi, doc_type / loai.  Every
 * other column is archival metadata (Archives Law 2024, Circular
 * 05/2025/TT-BNV: record code, title, retention, access level, language,
 * dates, keywords, sheets and pages, condition, code of the paper
 * original...): a row's non-empty values become a JSON object kept in
 * documents.archive_meta, keyed by the column name folded to lower-case
 * ASCII with "_" ("Mã hồ sơ" -> "ma_ho_so"); common English names map to
 * the same Vietnamese keys ("record_code" -> "ma_ho_so", "title" ->
 * "tieu_de").
 */
#ifndef ANCONG_BF_MANIFEST_H
#define ANCONG_BF_MANIFEST_H

#include <stdbool.h>
#include "common/err.h"

struct mf_row {
    char *file;            /* path as written, '/' separators, NFC */
    char *case_code, *unit, *doc_type;   /* or NULL */
    char *meta;            /* archival metadata as a JSON object, or NULL (none) */
    int line;              /* line number in the CSV */
    bool used;             /* matched by a file of the run */
};

struct manifest {
    struct mf_row *rows;
    int nrows;
    char **meta_keys;      /* the metadata columns' keys, in column order */
    int nmeta;
};

/* Parse path.  0 ok, -1 error (e names the line). */
int  mf_load(const char *path, struct manifest *m, struct err *e);
/* Parse text already in memory (for tests and fuzzing). */
int  mf_parse(const char *text, size_t len, struct manifest *m, struct err *e);
void mf_release(struct manifest *m);
/* The row for a file: exact relative path, else a unique base name match. */
struct mf_row *mf_find(struct manifest *m, const char *relpath);
/* The metadata key for a column name (see above).  Caller frees. */
char *mf_meta_key(const char *column);

#endif
