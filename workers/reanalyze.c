#include "workers/reanalyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/str.h"
#include "ocr/page.h"
#include "pipeline/pipeline.h"

/* An OCR blob is our own output; anything this large is not. */
#define OCR_BLOB_MAX (256u << 20)

static const char *dpi_source_static(const char *s)
{
    if (strcmp(s, "metadata") == 0) return "metadata";
    if (strcmp(s, "estimated") == 0) return "estimated";
    return "assumed";
}

/* A page from its stored text alone: one line per text line, no boxes. */
static void page_from_text(const struct stored_page *sp, struct ocr_page *p)
{
    memset(p, 0, sizeof *p);
    p->number = sp->number;
    p->width_px = sp->width_px;
    p->height_px = sp->height_px;
    p->dpi = sp->dpi;
    p->dpi_source = dpi_source_static(sp->dpi_source);
    p->rotation = sp->rotation;
    p->skew_deg = sp->skew_deg;
    p->ocr_conf = sp->ocr_conf;
    p->source = sp->text_layer ? OCR_SRC_TEXT_LAYER : OCR_SRC_OCR;
    p->blank = sp->blank;
    p->text = xstrdup(sp->text ? sp->text : "");
    int cap = 1;
    for (const char *c = p->text; *c; c++)
        cap += *c == '\n';
    p->lines = xcalloc((size_t)cap, sizeof *p->lines);
    p->words = xcalloc(1, sizeof *p->words);
    const char *s = p->text;
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n > 0) {
            struct ocr_line *ln = &p->lines[p->nlines++];
            ln->text = xstrndup(s, n);
            ln->conf = (float)sp->ocr_conf;
        }
        if (!nl)
            break;
        s = nl + 1;
    }
}

int reanalyze_load_ocr(const struct cfg *cfg, const struct reanalysis *ra, struct ocr_doc *doc,
                       struct err *e)
{
    memset(doc, 0, sizeof *doc);
    if (ra->ocr_sha256[0]) {
        char path[4096], *buf = NULL;
        size_t len = 0;
        blob_path(cfg, "ocr", ra->ocr_sha256, path, sizeof path);
        if (fs_read(path, OCR_BLOB_MAX, &buf, &len, e) < 0) {
            err_hint(e, "The kept OCR of the file is missing from the blob store: restore it from "
                        "the backup, or queue the file for processing again (ancong requeue).");
            return -1;
        }
        FILE *f = fmemopen(buf, len, "r");
        int rc = f ? ocr_doc_load(f, doc) : -1;
        if (f)
            fclose(f);
        free(buf);
        if (rc < 0 || doc->npages != ra->npages) {
            if (rc == 0)
                ocr_doc_release(doc);
            err_set(e, ERR_INTERNAL, "the kept OCR \"%s\" of the file does not match its %d pages",
                    ra->ocr_sha256, ra->npages);
            err_hint(e, "Queue the file for processing again (ancong requeue).");
            return -1;
        }
    } else {
        snprintf(doc->kind, sizeof doc->kind, "stored");
        doc->npages = ra->npages;
        doc->pages = xcalloc((size_t)ra->npages + 1, sizeof *doc->pages);
        for (int i = 0; i < ra->npages; i++)
            page_from_text(&ra->pages[i], &doc->pages[i]);
    }
    /* The separator sheets the first pass found (barcode/QR sheets are not
     * in the OCR text form). */
    for (int i = 0; i < doc->npages && i < ra->npages; i++)
        doc->pages[i].separator = ra->pages[i].separator;
    return 0;
}

/* Analyse the part's current range and store it; 0 stored, 1 range moved
 * meanwhile, -1 error (e set, *retry whether another attempt may help). */
static int one_round(struct store *s, const struct cfg *cfg, const struct job *j, bool *retry,
                     struct err *e)
{
    struct reanalysis ra;
    struct ocr_doc doc;
    struct doc_result res;
    struct sbuf json = SBUF_INIT;
    int rc;

    memset(&doc, 0, sizeof doc);
    memset(&res, 0, sizeof res);
    *retry = true;
    rc = store_reanalysis_load(s, j->document_id, &ra, e);
    if (rc <= 0)
        return rc;      /* 0: the part is gone (merged away): so is its job */
    rc = -1;
    if (ra.npages <= 0 || ra.first_page < 1 || ra.last_page > ra.npages ||
        ra.first_page > ra.last_page) {
        err_set(e, ERR_INPUT, "the part's pages %d-%d are not within the file's %d stored pages",
                ra.first_page, ra.last_page, ra.npages);
        err_hint(e, "Move the part's boundaries back within the file in the review screen.");
        *retry = false;
        goto out;
    }
    if (reanalyze_load_ocr(cfg, &ra, &doc, e) < 0) {
        *retry = false;
        goto out;
    }
    pipe_analyze(&doc, ra.first_page, ra.last_page, cfg->review_threshold, &res);
    struct result_meta meta = {
        .file = j->name, .sha256 = j->sha256, .station = NULL,
        .status = res.needs_review ? "needs_review" : "indexed",
    };
    pipe_result_json(&json, &meta, NULL, &res, 1);
    rc = job_reanalyzed(s, j, ra.first_page, ra.last_page, json.s, e);
    if (rc == 0)
        log_info("job=%lld sha256=%.12s stage=reanalyzed part=%lld pages=%d-%d doc_type=%s status=%s "
                 "ocr=%s", j->id, j->sha256, j->document_id, ra.first_page, ra.last_page,
                 res.doc_type, meta.status, ra.ocr_sha256[0] ? "kept" : "page_texts");
out:
    sbuf_release(&json);
    doc_result_release(&res);
    ocr_doc_release(&doc);
    store_reanalysis_release(&ra);
    return rc;
}

int reanalyze_job(struct store *s, const struct cfg *cfg, const struct job *j)
{
    struct err e;
    char q[900];
    bool retry = true;
    int rc = -1;

    log_info("job=%lld sha256=%.12s stage=start kind=reanalyze part=%lld attempt=%d", j->id,
             j->sha256, j->document_id, j->attempts);
    /* A reviewer may move the range again while we work: analyse again,
     * a few times at most (each round is milliseconds). */
    for (int round = 0; round < 5; round++) {
        err_init(&e);
        rc = one_round(s, cfg, j, &retry, &e);
        if (rc != 1)
            break;
    }
    if (rc == 0)
        return 0;
    if (rc == 1) {
        err_init(&e);
        err_set(&e, ERR_INTERNAL, "the part's pages kept changing while it was analysed");
        err_hint(&e, "It is analysed again shortly.");
    }
    char why[1200];
    err_text(&e, why, sizeof why);
    log_warn("job=%lld sha256=%.12s stage=reanalyze error=%s", j->id, j->sha256,
             log_q(why, q, sizeof q));
    err_init(&e);
    if (job_fail(s, j, why, retry, &e) < 0) {
        log_warn("job=%lld sha256=%.12s stage=finish error=%s", j->id, j->sha256,
                 log_q(e.msg, q, sizeof q));
        return -1;
    }
    return 0;
}
