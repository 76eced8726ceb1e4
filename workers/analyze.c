#include "workers/analyze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/log.h"
#include "ocr/ocr.h"
#include "pipeline/pipeline.h"
#if __has_include("pipeline/pdfout.h")
#include "pipeline/pdfout.h"
#define HAVE_PDFOUT 1
#endif

/*
 * The child sends back, on its pipe:
 *   line 1  "ancong-result 1 STATUS PAGES PDF KIND"
 *   line 2  the error text (empty unless STATUS is failed)
 *   rest    the result JSON
 * Anything else (nothing, a cut-off header) means the child died mid-way,
 * and the sandbox outcome says how.
 */
#define RESULT_MAGIC "ancong-result 1 "

struct child_arg {
    struct ocr_engine *eng;
    const struct cfg *cfg;
    const struct an_request *rq;
    const char *file;        /* NFC name for the JSON */
    const char *sha256;
};

void analyze_limits(const struct cfg *cfg, struct sbx_limits *lim)
{
    memset(lim, 0, sizeof *lim);
    lim->mem_mb = cfg->ocr_child_mem_mb;
    lim->cpu_s = cfg->ocr_child_cpu_s;
    lim->wall_s = cfg->ocr_child_wall_s;
}

void analyze_failed_json(struct sbuf *out, const char *name, const char *sha256,
                         const char *station, const char *error)
{
    struct json j;
    char *file = utf8_nfc(name ? name : "");

    json_init(&j, out, true);
    json_obj_begin(&j);
    json_key(&j, "file");
    json_str(&j, file);
    json_key(&j, "sha256");
    if (sha256 && *sha256)
        json_str(&j, sha256);
    else
        json_null(&j);
    if (station && *station) {
        json_key(&j, "station");
        json_str(&j, station);
    }
    json_key(&j, "status");
    json_str(&j, "failed");
    json_key(&j, "error");
    json_str(&j, error && *error ? error : "the file could not be processed");
    json_key(&j, "fields");
    json_obj_begin(&j);
    json_obj_end(&j);
    json_key(&j, "pages");
    json_arr_begin(&j);
    json_arr_end(&j);
    json_obj_end(&j);
    sbuf_putc(out, '\n');
    free(file);
}

char *analyze_result_name(const char *name)
{
    char *n = utf8_nfc(name ? name : "");
    size_t len = strlen(n);

    for (char *p = n; *p; p++)
        if (*p == '/' || *p == '\0')
            *p = '_';
    /* Leave room for ".json", a "~12345678" suffix and a temp suffix
     * within NAME_MAX (255 bytes); cut at a UTF-8 character boundary. */
    if (len > 200) {
        len = 200;
        while (len > 0 && ((unsigned char)n[len] & 0xC0) == 0x80)
            len--;
        n[len] = '\0';
    }
    if (!n[0] || strcmp(n, ".") == 0 || strcmp(n, "..") == 0) {
        char *u = xmalloc(len + 2);
        snprintf(u, len + 2, "_%s", n);
        free(n);
        return u;
    }
    return n;
}

/* ---- in the child -------------------------------------------------------- */

/* Letters (not digits, punctuation or spaces) in the document's text. */
static int letters_in(const struct ocr_doc *d)
{
    int n = 0;
    for (int i = 0; i < d->npages && n < 1000; i++)
        for (const unsigned char *c = (const unsigned char *)(d->pages[i].text ? d->pages[i].text : "");
             *c; c++)
            if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= 0xC0 && *c < 0xF8))
                n++;
    return n;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The reader names the file it was given: in a worker that is the blob
 * store's sha256 path.  A clerk knows the file by its dropped name. */
static void name_the_file(char *text, size_t n, const char *path, const char *file)
{
    const char *base = fs_base(path);
    struct sbuf b = SBUF_INIT;
    const char *p = text, *hit;

    if (!*base || strcmp(base, file) == 0 || !strstr(text, base))
        return;
    while ((hit = strstr(p, base))) {
        sbuf_add(&b, p, (size_t)(hit - p));
        sbuf_puts(&b, file);
        p = hit + strlen(base);
    }
    sbuf_puts(&b, p);
    snprintf(text, n, "%s", b.s);
    sbuf_release(&b);
}

static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

#ifdef HAVE_PDFOUT
/* 1 written; 2 nothing written because the original is a PDF whose every
 * page has a real text layer (it is searchable already: keep it byte for
 * byte); 0 nothing to write (some page has no image); -1 error (e set). */
static int write_pdf(const struct child_arg *a, const struct ocr_doc *doc,
                     const struct ocr_images *imgs, const struct doc_result *parts, struct err *e)
{
    struct sbuf pdf = SBUF_INIT;
    struct pdfout_meta meta;
    char title[256] = "";
    int rc = -1;

    bool all_text = doc->npages > 0 && strcmp(doc->kind, "pdf") == 0;
    for (int i = 0; i < doc->npages; i++)
        all_text &= doc->pages[i].source == OCR_SRC_TEXT_LAYER;
    /* pipeline/pdfout.h: born-digital inputs are kept as they are. */
    if (all_text)
        return 2;
    if (imgs->n < doc->npages || doc->npages == 0)
        return 0;
    for (int i = 0; i < imgs->n; i++)
        if (imgs->img[i].fmt == OCR_IMG_NONE)
            return 0;
    memset(&meta, 0, sizeof meta);
    if (parts && parts[0].doc_type[0]) {
        const char *vi = doc_type_vi(parts[0].doc_type);
        const struct field *so = &parts[0].fields[F_SO_VAN_BAN];
        snprintf(title, sizeof title, "%s%s%s", vi ? vi : parts[0].doc_type,
                 so->present && so->value ? " số " : "", so->present && so->value ? so->value : "");
        meta.title = title;
    }
    meta.source_file = a->file;
    meta.source_sha256 = a->sha256;
    meta.station = a->rq->station;
    meta.converted_by = a->cfg->sign_name[0] ? a->cfg->sign_name : NULL;
    if (pdf_write_searchable(doc, imgs, &meta, &pdf, e) < 0)
        goto out;
    if (fs_write_atomic(a->rq->pdf_path, pdf.s, pdf.len, 0644, e) < 0)
        goto out;
    rc = 1;
out:
    sbuf_release(&pdf);
    return rc;
}
#endif

/* The OCR as read (before any correction), for re-analysis later.  A
 * failure only costs that later re-analysis its word boxes (it falls back
 * to the page texts), so it is logged, not fatal. */
static void save_ocr(const struct child_arg *a, const struct ocr_doc *doc)
{
    char *buf = NULL, q[400];
    size_t len = 0;
    struct err e;
    FILE *f = open_memstream(&buf, &len);

    err_init(&e);
    sbx_stage("keeping the OCR");
    if (!f)
        return;
    int bad = ocr_doc_save(doc, f) < 0;
    if (fclose(f) != 0 || bad || !buf) {
        free(buf);
        return;
    }
    if (fs_write_atomic(a->rq->ocr_path, buf, len, 0644, &e) < 0)
        log_warn("sha256=%.12s stage=keep_ocr error=%s", a->sha256, log_q(e.msg, q, sizeof q));
    free(buf);
}

static int child_run(int fd, void *arg)
{
    const struct child_arg *a = arg;
    const struct cfg *cfg = a->cfg;
    struct ocr_limits lim = {
        .max_pages = cfg->ocr_max_pages,
        .max_pixels = cfg->ocr_max_pixels,
        .max_bytes = cfg->ocr_max_mb << 20,
        .render_dpi = cfg->ocr_render_dpi,
        .default_dpi = cfg->ocr_default_dpi,
    };
    struct ocr_doc doc;
    struct ocr_images imgs;
    struct doc_result *parts = NULL;
    struct sbuf json = SBUF_INIT, head = SBUF_INIT;
    struct err e;
    char errtext[1200] = "";
    const char *status = "failed";
    int nparts = 0, pdf = 0, rc;
    bool want_pdf = a->rq->pdf_path && cfg->ocr_searchable_pdf;

    memset(&doc, 0, sizeof doc);
    memset(&imgs, 0, sizeof imgs);
    err_init(&e);
#ifndef HAVE_PDFOUT
    want_pdf = false;
#endif
    sbx_stage("reading the file");
    if (ocr_file(a->eng, a->rq->path, &lim, &doc, want_pdf ? &imgs : NULL, &e) < 0) {
        if (!err_is_set(&e))
            err_set(&e, ERR_INTERNAL, "the file could not be read, for no reason given");
        err_text(&e, errtext, sizeof errtext);
    } else if (doc.npages <= 0) {
        err_set(&e, ERR_INPUT, "the file has no pages");
        err_hint(&e, "Rescan the document and drop the new file in.");
        err_text(&e, errtext, sizeof errtext);
    } else {
        bool review = false;
        struct result_meta meta = {
            .file = a->file, .sha256 = a->sha256, .station = a->rq->station,
        };
        /* Damage the readers worked around: in the result's "warnings",
         * and in the log for whoever watches the station's files. */
        for (int i = 0; i < doc.nwarnings; i++) {
            char q[700];
            log_warn("sha256=%.12s stage=ocr warning=%s", a->sha256,
                     log_q(doc.warnings[i], q, sizeof q));
        }
        for (int i = 0; i < doc.npages; i++) {
            char q[700];
            if (doc.pages[i].warning)
                log_warn("sha256=%.12s stage=ocr page=%d warning=%s", a->sha256, i + 1,
                         log_q(doc.pages[i].warning, q, sizeof q));
        }
        if (a->rq->ocr_path)
            save_ocr(a, &doc);
        /* Vietnamese post-correction of the words (only other diacritic
         * forms of the same letters, supported by the document itself):
         * the page text of the result and of the searchable PDF is the
         * corrected one (CER 0.0092 -> 0.0085 on dev).  The kept OCR above
         * stays the engine's own reading. */
        sbx_stage("correcting the text");
        pipe_correct(&doc);
        /* A file with no readable letter on any page is indexed as nothing:
         * a clerk must look (blank sheets, the backs of the pages, a scan
         * too faint or too small to read). */
        if (doc.npages > 0 && letters_in(&doc) < 10)
            ocr_doc_warn(&doc, "no text was found on any of the %d page%s: blank sheets, the backs "
                         "of the pages, or a scan too faint to read? Check it against the paper",
                         doc.npages, doc.npages == 1 ? "" : "s");
        sbx_stage("classifying and extracting fields");
        nparts = pipe_split(&doc, cfg->review_threshold, &parts);
        if (nparts <= 0) {
            free(parts);
            parts = xcalloc(1, sizeof *parts);
            pipe_analyze(&doc, 1, doc.npages, cfg->review_threshold, &parts[0]);
            nparts = 1;
        }
        for (int i = 0; i < nparts; i++)
            review |= parts[i].needs_review;
        status = review ? "needs_review" : "indexed";
#ifdef HAVE_PDFOUT
        if (want_pdf) {
            struct err pe;
            err_init(&pe);
            sbx_stage("writing the searchable PDF");
            pdf = write_pdf(a, &doc, &imgs, parts, &pe);
            if (pdf < 0) {
                char q[400];
                log_warn("sha256=%.12s stage=pdf error=%s", a->sha256,
                         log_q(pe.msg, q, sizeof q));
                pdf = 0;
            }
        }
#endif
        meta.status = status;
        sbx_stage("writing the result");
        pipe_result_json(&json, &meta, &doc, parts, nparts);
    }
    if (strcmp(status, "failed") == 0) {
        name_the_file(errtext, sizeof errtext, a->rq->path, a->file);
        sbuf_reset(&json);
        analyze_failed_json(&json, a->file, a->sha256, a->rq->station, errtext);
    }
    one_line(errtext);
    sbuf_printf(&head, RESULT_MAGIC "%s %d %d %d\n%s\n", status, doc.npages, pdf,
                (int)e.kind, strcmp(status, "failed") == 0 ? errtext : "");
    rc = write_all(fd, head.s, head.len) < 0 || write_all(fd, json.s, json.len) < 0 ? 1 : 0;

    for (int i = 0; i < nparts; i++)
        doc_result_release(&parts[i]);
    free(parts);
    ocr_images_release(&imgs);
    ocr_doc_release(&doc);
    sbuf_release(&json);
    sbuf_release(&head);
    return rc;
}

/* ---- in the parent ------------------------------------------------------- */

static const char *reason_of(enum err_kind k)
{
    switch (k) {
    case ERR_INPUT:    return "input";
    case ERR_LIMIT:    return "limit";
    case ERR_IO:       return "io";
    case ERR_USAGE:    return "config";
    default:           return "internal";
    }
}

static int fail(struct an_outcome *o, const struct an_request *rq, const struct err *e,
                const char *reason, bool retryable)
{
    struct sbuf j = SBUF_INIT;

    snprintf(o->status, sizeof o->status, "failed");
    err_text(e, o->error, sizeof o->error);
    one_line(o->error);
    o->kind = e->kind ? e->kind : ERR_INTERNAL;
    snprintf(o->reason, sizeof o->reason, "%s", reason ? reason : reason_of(o->kind));
    o->retryable = retryable;
    free(o->json);
    analyze_failed_json(&j, rq->name, o->sha256, rq->station, o->error);
    o->json = sbuf_detach(&j);
    return 1;
}

static const char *sbx_reason(enum sbx_outcome oc)
{
    switch (oc) {
    case SBX_OOM:       return "memory";
    case SBX_CPU:       return "cpu_time";
    case SBX_WALL:      return "timeout";
    case SBX_OUTPUT:    return "limit";
    case SBX_CANCELLED: return "cancelled";
    case SBX_SIGNAL:    return "crash";
    default:            return "crash";
    }
}

/* Parse the child's header; 0 ok (o filled, json points into out), -1 bad. */
static int parse_result(const char *out, struct an_outcome *o, const char **json)
{
    char status[16];
    int pages, pdf, kind;
    const char *nl, *nl2;

    if (!out || strncmp(out, RESULT_MAGIC, strlen(RESULT_MAGIC)) != 0)
        return -1;
    if (sscanf(out + strlen(RESULT_MAGIC), "%15s %d %d %d", status, &pages, &pdf, &kind) != 4)
        return -1;
    if (!(nl = strchr(out, '\n')) || !(nl2 = strchr(nl + 1, '\n')))
        return -1;
    if (strcmp(status, "indexed") && strcmp(status, "needs_review") && strcmp(status, "failed"))
        return -1;
    snprintf(o->status, sizeof o->status, "%s", status);
    o->pages = pages;
    o->pdf_written = pdf == 1;
    o->pdf_is_original = pdf == 2;
    o->kind = (enum err_kind)kind;
    size_t elen = (size_t)(nl2 - nl - 1);
    if (elen >= sizeof o->error)
        elen = sizeof o->error - 1;
    memcpy(o->error, nl + 1, elen);
    o->error[elen] = '\0';
    *json = nl2 + 1;
    return **json == '{' ? 0 : -1;
}

int analyze_file(struct ocr_engine *eng, const struct cfg *cfg, const struct an_request *rq,
                 const struct sbx_hooks *hooks, struct an_outcome *o)
{
    struct sbx_limits lim;
    struct sbx_result r;
    struct child_arg a;
    struct stat st;
    struct err e;
    const char *json = NULL;
    char *file = NULL;
    int rc;

    memset(o, 0, sizeof *o);
    err_init(&e);
    if (stat(rq->path, &st) < 0) {
        err_errno(&e, "open", rq->path);
        err_hint(&e, "Check that the file exists and that ancong may read it.");
        return fail(o, rq, &e, "io", errno != ENOENT);
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(&e, ERR_INPUT, "\"%s\" is not a regular file", rq->name);
        err_hint(&e, "Give the scanned files themselves, not a folder or a device.");
        return fail(o, rq, &e, NULL, false);
    }
    /* Hash first: even an empty file is recorded by its sha256 (that of
     * zero bytes), so that every drop can be found again by it. */
    if (hash_file(rq->path, o->sha256, NULL, &e) < 0) {
        o->sha256[0] = '\0';
        return fail(o, rq, &e, "io", true);
    }
    if (st.st_size == 0) {
        err_set(&e, ERR_INPUT, "the file is empty (0 bytes)");
        err_hint(&e, "The scanner or the copy did not finish: scan the document again and "
                     "drop the new file in.");
        return fail(o, rq, &e, NULL, false);
    }
    if (st.st_size > (off_t)cfg->ocr_max_mb << 20) {
        err_set(&e, ERR_LIMIT, "the file is %lld MiB, over the limit of %ld MiB",
                (long long)(st.st_size >> 20), cfg->ocr_max_mb);
        err_hint(&e, "Split the file into smaller parts, or raise ocr.max_mb in ancong.conf.");
        return fail(o, rq, &e, NULL, false);
    }

    file = utf8_nfc(rq->name);
    a = (struct child_arg){.eng = eng, .cfg = cfg, .rq = rq, .file = file, .sha256 = o->sha256};
    analyze_limits(cfg, &lim);
    if (sbx_run(&lim, child_run, &a, hooks, &r, &e) < 0) {
        rc = fail(o, rq, &e, "internal", true);
        goto out;
    }
    o->ms = r.wall_ms;
    if (r.outcome != SBX_OK) {
        err_init(&e);
        sbx_err(&r, &lim, &e);
        rc = fail(o, rq, &e, sbx_reason(r.outcome), sbx_retryable(&r));
        goto out_r;
    }
    if (parse_result(r.out, o, &json) < 0) {
        err_set(&e, ERR_INTERNAL, "processing ended without a result%s%s",
                r.stage[0] ? " while " : "", r.stage);
        err_hint(&e, "Drop the file in again; if it fails again, report it to the administrator.");
        rc = fail(o, rq, &e, "internal", true);
        goto out_r;
    }
    log_debug("sha256=%.12s stage=child status=%s ms=%ld cpu_ms=%ld vm_peak_kb=%ld rss_kb=%ld",
              o->sha256, o->status, r.wall_ms, r.cpu_ms, r.vm_peak_kb, r.maxrss_kb);
    if (strcmp(o->status, "failed") == 0 && lim.mem_mb > 0 && sbx_mem_limit_works() &&
        r.vm_peak_kb >= (long)lim.mem_mb * 1024 / 4 * 3) {
        /* A decoder that checks its allocations reports "cannot decode";
         * near the limit the truth is that memory ran out. */
        err_set(&e, ERR_LIMIT, "processing ran out of memory (limit %d MiB)%s%s",
                lim.mem_mb, r.stage[0] ? " while " : "", r.stage);
        err_hint(&e, "Rescan at 300 dpi or split the file, or raise ocr.child_mem_mb in ancong.conf.");
        rc = fail(o, rq, &e, "memory", false);
        goto out_r;
    }
    o->json = xstrdup(json);
    if (strcmp(o->status, "failed") == 0) {
        snprintf(o->reason, sizeof o->reason, "%s", reason_of(o->kind));
        /* Disk or internal trouble may pass; a bad file stays bad. */
        o->retryable = o->kind == ERR_IO || o->kind == ERR_INTERNAL;
        rc = 1;
    } else {
        o->kind = ERR_NONE;
        o->error[0] = '\0';
        rc = 0;
    }
out_r:
    sbx_result_release(&r);
out:
    free(file);
    return rc;
}

void an_outcome_release(struct an_outcome *o)
{
    free(o->json);
    o->json = NULL;
}
