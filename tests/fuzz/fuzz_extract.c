/* Fuzz target: classification, field extraction (number, date, names...),
 * bundle splitting and the result JSON writer, on arbitrary page text.
 * Input: pages separated by form feeds, lines by newlines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "pipeline/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ocr_doc doc;
    char *text = utf8_sanitize((const char *)data, size > 65536 ? 65536 : size);
    memset(&doc, 0, sizeof doc);
    snprintf(doc.kind, sizeof doc.kind, "pdf");
    int np = 1;
    for (char *p = text; *p; p++)
        np += *p == '\f';
    if (np > 12)
        np = 12;
    doc.pages = xcalloc((size_t)np, sizeof *doc.pages);
    char *save = NULL, *pg = strtok_r(text, "\f", &save);
    for (int i = 0; i < np; i++) {
        struct ocr_page *p = &doc.pages[doc.npages++];
        p->number = i + 1;
        p->width_px = 2480;
        p->height_px = 3508;
        p->dpi = 300;
        p->dpi_source = "assumed";
        int cap = 0;
        char *ls = NULL;
        for (char *ln = pg ? strtok_r(pg, "\n", &ls) : NULL; ln; ln = strtok_r(NULL, "\n", &ls)) {
            if (p->nlines == cap) {
                cap = cap ? cap * 2 : 16;
                p->lines = xrealloc(p->lines, (size_t)cap * sizeof *p->lines);
            }
            struct ocr_line *l = &p->lines[p->nlines];
            memset(l, 0, sizeof *l);
            l->text = xstrdup(ln);
            l->box = (struct ocr_box){100, 100 + 40 * p->nlines, 2000, 130 + 40 * p->nlines};
            l->conf = 0.9f;
            l->block = p->nlines / 4;
            p->nlines++;
        }
        p->blank = p->nlines == 0;
        struct sbuf t = SBUF_INIT;
        for (int k = 0; k < p->nlines; k++) {
            if (k) sbuf_putc(&t, '\n');
            sbuf_puts(&t, p->lines[k].text);
        }
        p->text = sbuf_detach(&t);
        pg = strtok_r(NULL, "\f", &save);
    }
    struct doc_result *parts = NULL;
    int n = pipe_split(&doc, 0.8, &parts);
    struct sbuf out = SBUF_INIT;
    struct result_meta m = {"fuzz.pdf", "00", NULL, "indexed", NULL};
    pipe_result_json(&out, &m, &doc, parts, n);
    sbuf_release(&out);
    for (int i = 0; i < n; i++)
        doc_result_release(&parts[i]);
    free(parts);
    ocr_doc_release(&doc);
    free(text);
    return 0;
}
