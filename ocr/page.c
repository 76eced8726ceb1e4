#include "ocr/page.h"

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
    memset(d, 0, sizeof *d);
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
