#include "ocr/page.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"

void ocr_page_release(struct ocr_page *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nwords; i++)
        free(p->words[i].text);
    for (int i = 0; i < p->nlines; i++)
        free(p->lines[i].text);
    free(p->words);
    free(p->lines);
    free(p->text);
    free(p->separator_code);
    free(p->warning);
    memset(p, 0, sizeof *p);
}

void ocr_doc_release(struct ocr_doc *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->npages; i++)
        ocr_page_release(&d->pages[i]);
    free(d->pages);
    for (int i = 0; i < d->nsigs; i++) {
        free(d->sigs[i].signer);
        free(d->sigs[i].time);
        free(d->sigs[i].subfilter);
    }
    free(d->sigs);
    for (int i = 0; i < d->nwarnings; i++)
        free(d->warnings[i]);
    free(d->warnings);
    memset(d, 0, sizeof *d);
}

void ocr_doc_warn(struct ocr_doc *d, const char *fmt, ...)
{
    char buf[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (d->nwarnings >= 16)
        return;
    for (int i = 0; i < d->nwarnings; i++)
        if (strcmp(d->warnings[i], buf) == 0)
            return;
    d->warnings = xrealloc(d->warnings, (size_t)(d->nwarnings + 1) * sizeof *d->warnings);
    d->warnings[d->nwarnings++] = utf8_sanitize(buf, strlen(buf));
}

void ocr_page_rebuild_text(struct ocr_page *p)
{
    struct sbuf page = SBUF_INIT;

    for (int l = 0; l < p->nlines; l++) {
        struct ocr_line *ln = &p->lines[l];
        struct sbuf b = SBUF_INIT;
        for (int w = ln->first_word; w < ln->first_word + ln->nwords && w < p->nwords; w++) {
            if (b.len)
                sbuf_putc(&b, ' ');
            sbuf_puts(&b, p->words[w].text);
        }
        free(ln->text);
        ln->text = sbuf_detach(&b);
        if (l)
            sbuf_putc(&page, '\n');
        sbuf_puts(&page, ln->text);
    }
    free(p->text);
    p->text = sbuf_detach(&page);
}

static void put_clean(FILE *f, const char *s)
{
    for (; s && *s; s++)
        fputc((*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s, f);
}

int ocr_doc_save(const struct ocr_doc *d, FILE *f)
{
    fprintf(f, "#ancong-ocr 1\ndoc\t%s\t%d\n", d->kind[0] ? d->kind : "unknown", d->npages);
    for (int i = 0; i < d->npages; i++) {
        const struct ocr_page *p = &d->pages[i];
        fprintf(f, "page\t%d\t%d\t%d\t%d\t%s\t%d\t%.3f\t%.4f\t%s\t%d\n", p->number, p->width_px,
                p->height_px, p->dpi, p->dpi_source ? p->dpi_source : "assumed", p->rotation,
                p->skew_deg, p->ocr_conf, p->source == OCR_SRC_TEXT_LAYER ? "text_layer" : "ocr",
                p->blank ? 1 : 0);
        for (int l = 0; l < p->nlines; l++) {
            const struct ocr_line *ln = &p->lines[l];
            fprintf(f, "line\t%d\t%d\t%d\t%d\t%.4f\t%d", ln->box.x0, ln->box.y0, ln->box.x1,
                    ln->box.y1, ln->conf, ln->block);
            if (ln->nwords == 0) {
                fputc('\t', f);
                put_clean(f, ln->text);
            }
            fputc('\n', f);
            for (int w = ln->first_word; w < ln->first_word + ln->nwords && w < p->nwords; w++) {
                const struct ocr_word *wd = &p->words[w];
                fprintf(f, "word\t%d\t%d\t%d\t%d\t%.4f\t", wd->box.x0, wd->box.y0, wd->box.x1,
                        wd->box.y1, wd->conf);
                put_clean(f, wd->text);
                fputc('\n', f);
            }
        }
    }
    return ferror(f) ? -1 : 0;
}

/* Split s in place at tabs into at most max fields; returns the count. */
static int split_tabs(char *s, char **fld, int max)
{
    int n = 0;
    fld[n++] = s;
    for (char *p = s; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            fld[n++] = p + 1;
        }
    return n;
}

static const char *dpi_source_static(const char *s)
{
    if (strcmp(s, "metadata") == 0) return "metadata";
    if (strcmp(s, "estimated") == 0) return "estimated";
    return "assumed";
}

int ocr_doc_load(FILE *f, struct ocr_doc *d)
{
    char *line = NULL, *fld[12];
    size_t cap = 0;
    ssize_t len;
    struct ocr_page *p = NULL;
    int pagecap = 0, wcap = 0, lcap = 0, rc = -1;

    memset(d, 0, sizeof *d);
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        int n = split_tabs(line, fld, 12);
        if (strcmp(fld[0], "doc") == 0 && n >= 2) {
            snprintf(d->kind, sizeof d->kind, "%s", fld[1]);
        } else if (strcmp(fld[0], "page") == 0 && n >= 11) {
            if (d->npages == pagecap) {
                pagecap = pagecap ? pagecap * 2 : 4;
                d->pages = xrealloc(d->pages, (size_t)pagecap * sizeof *d->pages);
            }
            p = &d->pages[d->npages++];
            memset(p, 0, sizeof *p);
            wcap = lcap = 0;
            p->number = atoi(fld[1]);
            p->width_px = atoi(fld[2]);
            p->height_px = atoi(fld[3]);
            p->dpi = atoi(fld[4]);
            p->dpi_source = dpi_source_static(fld[5]);
            p->rotation = atoi(fld[6]);
            p->skew_deg = atof(fld[7]);
            p->ocr_conf = atof(fld[8]);
            p->source = strcmp(fld[9], "text_layer") == 0 ? OCR_SRC_TEXT_LAYER : OCR_SRC_OCR;
            p->blank = atoi(fld[10]) != 0;
        } else if (strcmp(fld[0], "line") == 0 && n >= 7 && p) {
            if (p->nlines == lcap) {
                lcap = lcap ? lcap * 2 : 32;
                p->lines = xrealloc(p->lines, (size_t)lcap * sizeof *p->lines);
            }
            struct ocr_line *ln = &p->lines[p->nlines++];
            memset(ln, 0, sizeof *ln);
            ln->box = (struct ocr_box){atoi(fld[1]), atoi(fld[2]), atoi(fld[3]), atoi(fld[4])};
            ln->conf = (float)atof(fld[5]);
            ln->block = atoi(fld[6]);
            ln->first_word = p->nwords;
            ln->text = xstrdup(n >= 8 ? fld[7] : "");
        } else if (strcmp(fld[0], "word") == 0 && n >= 7 && p && p->nlines > 0) {
            if (p->nwords == wcap) {
                wcap = wcap ? wcap * 2 : 128;
                p->words = xrealloc(p->words, (size_t)wcap * sizeof *p->words);
            }
            struct ocr_word *w = &p->words[p->nwords++];
            w->box = (struct ocr_box){atoi(fld[1]), atoi(fld[2]), atoi(fld[3]), atoi(fld[4])};
            w->conf = (float)atof(fld[5]);
            w->text = xstrdup(fld[6]);
            w->line = p->nlines - 1;
            p->lines[p->nlines - 1].nwords++;
        } else {
            goto out;
        }
    }
    /* Lines that had words get their text from them; build page texts. */
    for (int i = 0; i < d->npages; i++) {
        struct ocr_page *pg = &d->pages[i];
        struct sbuf page = SBUF_INIT;
        for (int l = 0; l < pg->nlines; l++) {
            struct ocr_line *ln = &pg->lines[l];
            if (ln->nwords > 0) {
                struct sbuf b = SBUF_INIT;
                for (int w = ln->first_word; w < ln->first_word + ln->nwords; w++) {
                    if (b.len) sbuf_putc(&b, ' ');
                    sbuf_puts(&b, pg->words[w].text);
                }
                free(ln->text);
                ln->text = sbuf_detach(&b);
            }
            if (l) sbuf_putc(&page, '\n');
            sbuf_puts(&page, ln->text);
        }
        pg->text = sbuf_detach(&page);
    }
    rc = 0;
out:
    free(line);
    if (rc < 0)
        ocr_doc_release(d);
    return rc;
}
