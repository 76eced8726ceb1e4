/*
 * pipeline/pipeline.h: from OCR'd pages to a classified document with fields.
 *
 * Works on struct ocr_doc alone (ocr/page.h): no Tesseract, no libpq, no
 * files.  That keeps it fast to test and to fuzz.
 *
 * Document types and field names follow ../shared/corpus/DOC_TYPES.md and
 * FIELDS.md (ids are stable and never renamed).
 */
#ifndef ANCONG_PIPELINE_H
#define ANCONG_PIPELINE_H

#include <stdbool.h>
#include "ocr/page.h"
#include "common/str.h"

enum field_id {
    F_SO_VAN_BAN = 0,
    F_NGAY_BAN_HANH,
    F_CO_QUAN_BAN_HANH,
    F_TINH,
    F_NGUOI_KY,
    F_CHUC_VU_NGUOI_KY,
    F_QUYEN_HAN_KY,
    F_TRICH_YEU,
    F_MA_VU_VIEC,
    F_NGUYEN_DON,
    F_BI_DON,
    F_DOI_TUONG_KIEN_NGHI,
    F_LINH_VUC,
    F_COUNT
};

struct field {
    bool present;
    char *value;           /* normalised: NFC, ISO date, province id ... */
    double conf;           /* 0..1, calibrated: see pipeline/README.md */
    int page;              /* 1-based page in the file, 0 if not from a page */
    struct ocr_box box;
};

#define DOC_TYPE_MAX 32

struct doc_result {
    char doc_type[DOC_TYPE_MAX];   /* id from DOC_TYPES.md; "khac" when unsure */
    double doc_type_conf;
    struct field fields[F_COUNT];
    int first_page, last_page;     /* 1-based, inclusive, in the file */
    double boundary_conf;          /* confidence of the split before first_page */
    bool needs_review;             /* some field or the type is below threshold */
};

/* Field name as in FIELDS.md ("so_van_ban"...); id from a name or -1. */
const char *field_name(enum field_id f);
int         field_by_name(const char *name);

/* All known document type ids, NULL-terminated; Vietnamese name of one. */
extern const char *const doc_types[];
const char *doc_type_vi(const char *id);
bool        doc_type_valid(const char *id);
/* Which fields a type carries (FIELDS.md "present in"). */
bool        doc_type_has_field(const char *id, enum field_id f);

/* Vietnamese-aware post-correction of OCR words, in place, before
 * analysis: "Ð" -> "Đ", and a word whose tone marks disagree with the form
 * its folded neighbours clearly take elsewhere in the document (or in a
 * fixed list of procuracy phrases) gets that form.  Never invents letters.
 * Rebuilds the page and line texts of changed pages.  Returns the number of
 * words changed.  Call it on the OCR result before pipe_split(). */
int pipe_correct(struct ocr_doc *doc);

/* Classify and extract pages [first, last] (1-based, inclusive) of doc.
 * threshold: fields with conf below it set needs_review.
 * out is initialised here; release with doc_result_release(). */
void pipe_analyze(const struct ocr_doc *doc, int first, int last, double threshold,
                  struct doc_result *out);
void doc_result_release(struct doc_result *r);
/* Set one field (value copied).  Replaces an earlier value. */
void doc_field_set(struct doc_result *r, enum field_id f, const char *value,
                   double conf, int page, const struct ocr_box *box);

/* Split a multi-page file into documents (issue 9).  Returns the number of
 * parts; *parts is malloc'd (caller releases each and frees the array).
 * Parts come in page order and do not overlap; every page is in exactly
 * one part except separator sheets (page->blank / page->separator), which
 * are in none.  A one-document file gives one part. */
int  pipe_split(const struct ocr_doc *doc, double threshold, struct doc_result **parts);

/* Result JSON (CONTRACT.md).  status: "indexed" | "needs_review" | "failed".
 * When nparts > 1 the "documents" array is written too. */
struct result_meta {
    const char *file;      /* name as dropped, no folder */
    const char *sha256;
    const char *station;   /* or NULL */
    const char *status;
    const char *error;     /* only when failed, else NULL */
};
void pipe_result_json(struct sbuf *out, const struct result_meta *m,
                      const struct ocr_doc *doc, const struct doc_result *parts,
                      int nparts);

/* Build now what the pipeline otherwise makes on first use (folding and case
 * tables, compiled patterns), by analysing a small built-in document.  A
 * worker calls it once before forking one child per file: the children
 * inherit all of it instead of each building its own. */
void pipe_warm(void);

#endif
