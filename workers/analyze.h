/*
 * workers/analyze.h: one file, end to end, inside a sandboxed child.
 *
 *   ocr_file (limits from cfg) -> pipe_split / pipe_analyze (review.threshold)
 *   -> result JSON (CONTRACT.md) -> searchable PDF (when asked for)
 *
 * The parent (a worker, or `ancong process`) calls analyze_file(); the OCR and
 * everything that touches the file's contents run in a child made by
 * workers/sandbox.h, which inherits the parent's initialised OCR engine.
 * Whatever happens to the file or the child, the parent gets an outcome with
 * a result JSON: a file that cannot be processed gets "status":"failed" and
 * an "error" a clerk can act on.
 */
#ifndef ANCONG_ANALYZE_H
#define ANCONG_ANALYZE_H

#include <stdbool.h>
#include "common/cfg.h"
#include "common/err.h"
#include "common/str.h"
#include "workers/sandbox.h"

struct ocr_engine;

struct an_request {
    const char *path;        /* the file to read */
    const char *name;        /* name as dropped, no folder (any bytes: NFC'd, U+FFFD) */
    const char *station;     /* scanning station, or NULL */
    const char *pdf_path;    /* write the searchable PDF here, or NULL for none */
    const char *ocr_path;    /* write the OCR (ocr/page.h text form) here, or NULL: kept
                                so that a re-analysis never OCRs the file again */
};

struct an_outcome {
    char status[16];         /* "indexed" | "needs_review" | "failed" */
    char *json;              /* result JSON (CONTRACT.md); malloc'd, never NULL after analyze_file */
    char sha256[65];         /* "" when the file could not be read */
    int pages;
    long ms;                 /* wall time of the child */
    bool pdf_written;        /* pdf_path now holds the searchable PDF */
    bool pdf_is_original;    /* no PDF written: the original is a PDF with a real
                                text layer on every page, searchable as it is */
    bool retryable;          /* failed, and another attempt might succeed */
    enum err_kind kind;      /* ERR_NONE unless failed */
    char reason[24];         /* failure class for metrics: "input", "limit", "crash", ... */
    char error[1200];        /* clerk-readable when failed, else "" */
};

/* Sandbox limits from the configuration (ocr.child_*). */
void analyze_limits(const struct cfg *cfg, struct sbx_limits *lim);

/* Analyse one file.  eng may be NULL only when the caller accepts that every
 * page needing OCR fails.  hooks (may be NULL) run in the parent while the
 * child works: heartbeats, cancellation.  Always fills out (release with
 * an_outcome_release); returns 0 when the file was processed (indexed or
 * needs_review), 1 when it failed (out->json is a failed result). */
int  analyze_file(struct ocr_engine *eng, const struct cfg *cfg, const struct an_request *rq,
                  const struct sbx_hooks *hooks, struct an_outcome *out);
void an_outcome_release(struct an_outcome *o);

/* The result JSON of a file that failed before or outside the analysis.
 * sha256 may be NULL or "" (unknown); station may be NULL. */
void analyze_failed_json(struct sbuf *out, const char *name, const char *sha256,
                         const char *station, const char *error);

/* The name a result gets: NFC, invalid UTF-8 as U+FFFD, no '/' and never
 * "", "." or ".."; long names are cut at a character boundary.  Caller frees. */
char *analyze_result_name(const char *name);

#endif
