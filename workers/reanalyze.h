/*
 * workers/reanalyze.h: the "reanalyze" job of a part of a split bundle.
 *
 * A reviewer moved a boundary, merged two parts or split one; the parts
 * affected are classified and their fields extracted again, on their new page
 * ranges, from the OCR kept at the first pass (blobs/ocr/<sha256>, or the
 * pages table's texts for files processed before the OCR was kept).  The file
 * is never OCR'd again, so this runs in the worker itself: the pipeline only
 * reads our own stored words, not the untrusted file.
 */
#ifndef ANCONG_REANALYZE_H
#define ANCONG_REANALYZE_H

#include "common/cfg.h"
#include "common/err.h"
#include "store/store.h"

struct ocr_doc;

/* The file's OCR for a re-analysis: the kept blob when there is one, else
 * the stored page texts (lines without boxes).  Separator pages are marked
 * as the first pass found them.  0 ok (release with ocr_doc_release), -1
 * with e set. */
int reanalyze_load_ocr(const struct cfg *cfg, const struct reanalysis *ra, struct ocr_doc *doc,
                       struct err *e);

/* Do claimed job j: analyse, store (job_reanalyzed), or fail the job with a
 * reason.  Returns 0 when the job was finished either way, -1 when its end
 * could not be recorded (the lease runs out and it is done again). */
int reanalyze_job(struct store *s, const struct cfg *cfg, const struct job *j);

#endif
