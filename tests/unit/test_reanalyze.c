/*
 * tests/unit/test_reanalyze.c: the OCR a re-analysis reads (workers/reanalyze.h)
 * from the kept blob and, without one, from the stored page texts; on a real
 * 7-page case file (tests/data/ocr/bundle_no_separator_7p.ocr).
 */
#include "workers/reanalyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/hash.h"
#include "common/str.h"
#include "ocr/page.h"
#include "pipeline/pipeline.h"
#include "t.h"

static const int ranges[][2] = {{1, 3}, {4, 5}, {6, 6}, {7, 7}};
static const char *const types[] = {"bao_cao_de_xuat", "kien_nghi", "tra_loi_kien_nghi",
                                    "quyet_dinh_ket_thuc"};

/* The pages table's rows for d, as store_reanalysis_load gives them. */
static void stored_from(const struct ocr_doc *d, struct reanalysis *ra)
{
    memset(ra, 0, sizeof *ra);
    ra->npages = d->npages;
    ra->pages = xcalloc((size_t)d->npages, sizeof *ra->pages);
    for (int i = 0; i < d->npages; i++) {
        const struct ocr_page *p = &d->pages[i];
        struct stored_page *s = &ra->pages[i];
        s->number = p->number;
        s->width_px = p->width_px;
        s->height_px = p->height_px;
        s->dpi = p->dpi;
        s->rotation = p->rotation;
        s->ocr_conf = p->ocr_conf;
        s->blank = p->blank;
        snprintf(s->dpi_source, sizeof s->dpi_source, "%s", p->dpi_source);
        s->text = xstrdup(p->text);
    }
}

int main(void)
{
    const char *top = getenv("ANCONG_TOP");
    char path[1024], home[] = "/tmp/ancong-rean.XXXXXX";
    struct ocr_doc orig, doc;
    struct reanalysis ra;
    struct cfg c;
    struct err e;

    snprintf(path, sizeof path, "%s/tests/data/ocr/bundle_no_separator_7p.ocr", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f || ocr_doc_load(f, &orig) < 0) {
        printf("not ok - fixture %s loads\n", path);
        return 1;
    }
    fclose(f);
    memset(&c, 0, sizeof c);
    err_init(&e);
    if (!mkdtemp(home))
        return 1;
    snprintf(c.home, sizeof c.home, "%s", home);
    stored_from(&orig, &ra);

    /* Without a kept OCR: the page texts, one line per text line, no boxes. */
    T_CHECK(reanalyze_load_ocr(&c, &ra, &doc, &e) == 0, "the page texts load without a kept OCR");
    T_CHECK(doc.npages == 7, "seven pages (got %d)", doc.npages);
    T_STREQ(doc.pages[5].text, orig.pages[5].text, "a page's text is kept as stored");
    int lines = 0;
    for (const char *p = orig.pages[5].text; *p; p++)
        lines += *p == '\n';
    T_CHECK(doc.pages[5].nlines >= lines && doc.pages[5].nwords == 0, "lines from the text, no words");
    for (int i = 0; i < 4; i++) {
        struct doc_result r;
        pipe_analyze(&doc, ranges[i][0], ranges[i][1], 0.85, &r);
        T_STREQ(r.doc_type, types[i], "page texts: pages %d-%d are classified", ranges[i][0], ranges[i][1]);
        doc_result_release(&r);
    }
    ocr_doc_release(&doc);

    /* With the kept OCR: words and boxes; a separator mark is carried over. */
    char *buf = NULL, sha[65];
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    ocr_doc_save(&orig, m);
    fclose(m);
    T_CHECK(blob_put_buf(&c, "ocr", buf, len, sha, &e) == 0, "the OCR goes into blobs/ocr");
    free(buf);
    snprintf(ra.ocr_sha256, sizeof ra.ocr_sha256, "%s", sha);
    ra.pages[2].separator = true;
    T_CHECK(reanalyze_load_ocr(&c, &ra, &doc, &e) == 0, "the kept OCR loads");
    T_CHECK(doc.npages == 7 && doc.pages[0].nwords == orig.pages[0].nwords && doc.pages[0].nwords > 0,
            "with its words (%d)", doc.npages ? doc.pages[0].nwords : -1);
    T_CHECK(doc.pages[2].separator && !doc.pages[1].separator, "the separator sheet the first pass found is marked");
    ra.pages[2].separator = false;
    ocr_doc_release(&doc);
    T_CHECK(reanalyze_load_ocr(&c, &ra, &doc, &e) == 0, "loads again");
    for (int i = 0; i < 4; i++) {
        struct doc_result r;
        pipe_analyze(&doc, ranges[i][0], ranges[i][1], 0.85, &r);
        T_STREQ(r.doc_type, types[i], "kept OCR: pages %d-%d are classified", ranges[i][0], ranges[i][1]);
        if (i == 1)
            T_STREQ(r.fields[F_SO_VAN_BAN].value, "47/KN-VKSKV5", "kept OCR: the kiến nghị's number");
        doc_result_release(&r);
    }
    ocr_doc_release(&doc);

    /* A kept OCR with another page count is refused, with what to do. */
    ra.npages = 6;
    err_init(&e);
    T_CHECK(reanalyze_load_ocr(&c, &ra, &doc, &e) < 0 && strstr(e.msg, "does not match its 6 pages"),
            "a kept OCR of another page count is refused (%s)", e.msg);
    ra.npages = 7;
    /* A lost blob is an error that says what to do. */
    snprintf(ra.ocr_sha256, sizeof ra.ocr_sha256, "%064d", 0);
    err_init(&e);
    char txt[1200];
    T_CHECK(reanalyze_load_ocr(&c, &ra, &doc, &e) < 0 && strstr(err_text(&e, txt, sizeof txt), "requeue"),
            "a lost OCR blob is an error with a hint");

    store_reanalysis_release(&ra);
    ocr_doc_release(&orig);
    fs_rmtree(home);
    return t_done();
}
