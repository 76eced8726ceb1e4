/*
 * pipeline/pipeline.c: pipe_analyze, pipe_split and the result JSON.
 */
#include "pipeline/pipeline.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/str.h"
#include "pipeline/pipe_int.h"

/*
 * A field every document of its type prints, not found: a reviewer must
 * fill it in.  (quyen_han_ky is printed only when a deputy signs; the case
 * number is not printed on every đơn khởi kiện; "khac" prints what it
 * prints.)
 */
/* Whether the first page's header prints a "Số:" line and an official
 * place-and-date line ("…, ngày … tháng … năm …", with or without its day
 * filled in): an administrative document's own number and date. */
static void header_prints(const struct ptext *t, bool *no, bool *date)
{
    int a, b;
    text_page_range(t, t->first, &a, &b);
    for (int i = a; i < b && i < a + 30; i++) {
        const char *f = t->segs[i].fold;
        if (rx_search("^ *s[o0] *[:;.]", f, NULL, 0))
            *no = true;
        if (rx_search("ngay *[0-9o.]* *thang *[0-9o.]* *nam *(20|19)", f, NULL, 0))
            *date = true;
    }
}

static bool missing_expected(const struct doc_result *r)
{
    static const enum field_id core[] = {
        F_SO_VAN_BAN, F_NGAY_BAN_HANH, F_CO_QUAN_BAN_HANH, F_TINH, F_NGUOI_KY,
        F_CHUC_VU_NGUOI_KY, F_TRICH_YEU, F_LINH_VUC, F_MA_VU_VIEC, F_NGUYEN_DON, F_BI_DON,
        F_DOI_TUONG_KIEN_NGHI,
    };
    if (strcmp(r->doc_type, "khac") == 0)
        return false;
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++) {
        enum field_id f = core[i];
        if (!doc_type_has_field(r->doc_type, f) || r->fields[f].present)
            continue;
        if (f == F_MA_VU_VIEC && strcmp(r->doc_type, "don_khoi_kien") == 0)
            continue;
        return true;
    }
    return false;
}

/* A deep copy of the words and lines of a document (for pipe_correct on a
 * const input).  Release with ocr_doc_release(). */
static void doc_copy(const struct ocr_doc *src, struct ocr_doc *dst)
{
    memset(dst, 0, sizeof *dst);
    memcpy(dst->kind, src->kind, sizeof dst->kind);
    dst->npages = src->npages;
    dst->pages = xcalloc((size_t)(src->npages > 0 ? src->npages : 1), sizeof *dst->pages);
    for (int i = 0; i < src->npages; i++) {
        const struct ocr_page *a = &src->pages[i];
        struct ocr_page *b = &dst->pages[i];
        *b = *a;
        b->separator_code = a->separator_code ? xstrdup(a->separator_code) : NULL;
        b->warning = a->warning ? xstrdup(a->warning) : NULL;
        b->text = xstrdup(a->text ? a->text : "");
        b->words = xcalloc((size_t)(a->nwords + 1), sizeof *b->words);
        for (int w = 0; w < a->nwords; w++) {
            b->words[w] = a->words[w];
            b->words[w].text = xstrdup(a->words[w].text ? a->words[w].text : "");
        }
        b->lines = xcalloc((size_t)(a->nlines + 1), sizeof *b->lines);
        for (int l = 0; l < a->nlines; l++) {
            b->lines[l] = a->lines[l];
            b->lines[l].text = xstrdup(a->lines[l].text ? a->lines[l].text : "");
        }
    }
}

static void analyze_impl(const struct ocr_doc *doc, int first, int last, double threshold,
                         struct doc_result *out);

/* pipe_analyze works on a corrected copy: callers that did not run
 * pipe_correct still get its benefit (and a second pass changes little). */
void pipe_analyze(const struct ocr_doc *doc, int first, int last, double threshold,
                  struct doc_result *out)
{
    if (!doc || doc->npages <= 0) {
        analyze_impl(doc, first, last, threshold, out);
        return;
    }
    struct ocr_doc c;
    doc_copy(doc, &c);
    pipe_correct(&c);
    analyze_impl(&c, first, last, threshold, out);
    ocr_doc_release(&c);
}

static void analyze_impl(const struct ocr_doc *doc, int first, int last, double threshold,
                         struct doc_result *out)
{
    struct ptext t;
    struct cls_result c;

    memset(out, 0, sizeof *out);
    if (!doc || doc->npages <= 0) {
        snprintf(out->doc_type, sizeof out->doc_type, "khac");
        out->doc_type_conf = 0;
        out->needs_review = true;
        return;
    }
    if (first < 1) first = 1;
    if (last > doc->npages || last < first) last = doc->npages;
    out->first_page = first;
    out->last_page = last;
    out->boundary_conf = 1.0;

    text_build(&t, doc, first, last);
    if (t.nsegs == 0) {
        /* blank or unreadable pages: an "other" document with no fields */
        snprintf(out->doc_type, sizeof out->doc_type, "khac");
        out->doc_type_conf = 0.9;
        text_release(&t);
        /* a document is never filed with nothing in it unseen */
        out->needs_review = true;
        return;
    }
    cls_classify(&t, &c);
    snprintf(out->doc_type, sizeof out->doc_type, "%s", c.type);
    out->doc_type_conf = c.conf;
    ext_fields(&t, &c, out);
    bool printed_no = false, printed_date = false;
    header_prints(&t, &printed_no, &printed_date);
    text_release(&t);

    out->needs_review = out->doc_type_conf < threshold;
    for (int f = 0; f < F_COUNT; f++)
        if (out->fields[f].present && out->fields[f].conf < threshold)
            out->needs_review = true;
    if (missing_expected(out))
        out->needs_review = true;
    /* Any other paper with an official header: a number or date it prints
     * but that was not read (handwritten into the blank, under a stamp) is
     * for a person to fill in, not filed empty. */
    if (strcmp(out->doc_type, "khac") == 0 &&
        ((printed_no && !out->fields[F_SO_VAN_BAN].present) ||
         (printed_date && !out->fields[F_NGAY_BAN_HANH].present)))
        out->needs_review = true;
}

/* ---- splitting bundles -------------------------------------------------- */

struct page_feat {
    bool sep;              /* a separator sheet: blank, or a barcode / QR separator (ocr/) */
    bool sparse;           /* next to nothing legible: a few stray characters, no word */
    bool pagenum;          /* a continuation page number ("2", "- 3 -") at the top */
    bool motto;            /* national motto near the top */
    bool so_header;        /* "Số: ..." near the top */
    bool title;            /* a known document title near the top */
    bool top_caps;         /* an upper-case heading as the first line */
    bool ends;             /* signature block or "Nơi nhận:" */
    bool tail;             /* starts with the "Nơi nhận:" list: the end of a document */
};

/* A letter or digit: ASCII ones, and the Latin letters with diacritics
 * (Vietnamese) and combining marks below the general punctuation block;
 * dashes, bullets, quotes and other symbols are not. */
static bool cp_alnum(int cp)
{
    if (cp < 0x80)
        return isalnum(cp) != 0;
    return cp >= 0xc0 && cp < 0x2000 && cp != 0xd7 && cp != 0xf7;
}

/* Next to nothing legible: fewer than 8 letters and digits in all, and no
 * word of 3 or more of them ("Potato 1" and "2026" hold one; a stray "ii",
 * "1" or "-" does not).  Such a page is probably the noise of a
 * separator sheet that ocr/ did not call blank: it ends the document before
 * it, but it is not reported as blank, so it still goes into a part. */
static bool page_sparse(const struct ocr_page *pg)
{
    int total = 0, run = 0;
    const char *p = pg->text ? pg->text : "";
    while (*p) {
        int cp = utf8_next(&p);
        if (cp_alnum(cp)) {
            total++;
            if (++run >= 3)
                return false;
        } else {
            run = 0;
        }
    }
    return total < 8;
}

static void page_features(const struct ocr_doc *doc, int p, struct page_feat *pf)
{
    memset(pf, 0, sizeof *pf);
    const struct ocr_page *pg = &doc->pages[p - 1];
    if (pg->blank || pg->separator) {
        pf->sep = true;
        return;
    }
    if (page_sparse(pg)) {
        pf->sparse = true;
        return;
    }
    struct ptext t;
    text_build(&t, doc, p, p);
    int n = t.nsegs;
    /* page number: a short numeric segment among the first ones, near the top */
    for (int i = 0; i < n && i < 3; i++) {
        const struct pseg *s = &t.segs[i];
        bool top = pg->height_px <= 0 || s->box.y1 <= 0 || s->box.y0 < pg->height_px / 8;
        if (top && rx_search("^ *[-(]? *[0-9]{1,2} *[-)]? *$", s->fold, NULL, 0)) {
            int v = atoi(s->fold + strspn(s->fold, " -("));
            if (v >= 2)
                pf->pagenum = true;
        }
        if (i == 0 && rx_search("^ *trang *[0-9]", s->fold, NULL, 0))
            pf->pagenum = true;
        /* the recipients' list spilled over from the page before (its
         * page number may be too small for the engine to read) */
        if (rx_search("^ *noi *nhan *:", s->fold, NULL, 0))
            pf->tail = true;
    }
    for (int i = 0; i < n && i < 12; i++) {
        const char *f = t.segs[i].fold;
        if (rx_search("cong *hoa *xa *hoi|doc *lap *- *tu *do", f, NULL, 0))
            pf->motto = true;
        if (rx_search("^ *s *[o0-9] *[:;] *[0-9]", f, NULL, 0) &&
            !rx_search("(den|cv|quyen)", f, NULL, 0))
            pf->so_header = true;
    }
    struct cls_result c;
    cls_classify(&t, &c);
    if (c.title_seg >= 0 && c.title_seg < 14)
        pf->title = true;
    if (n > 0 && t.segs[0].upper && t.segs[0].ncp >= 6 &&
        !rx_search("^ *[0-9]", t.segs[0].fold, NULL, 0))
        pf->top_caps = true;
    for (int i = n - 1; i >= 0 && i >= n - 25; i--) {
        const char *f = t.segs[i].fold;
        if (rx_search("^ *noi *nhan *:", f, NULL, 0) ||
            rx_search("^ *(kt|tm|tl)\\. *[a-z]", f, NULL, 0) ||
            rx_search("^ *(vien truong|kiem sat vien|nguoi lap bien ban|tham phan|pho chu tich|"
                      "chu tich|pho giam doc|giam doc|nguoi lam don|nguoi tiep nhan) *$", f, NULL, 0))
            pf->ends = true;
    }
    text_release(&t);
}

/*
 * The last word on the ranges: every page of the file is in exactly one
 * part, except separator sheets (pf->sep: reported as "blank" / "separator"
 * in the result), which are in none.  Parts come in page order and do not
 * overlap.  A page the rules above left out (a sparse page, or a slip in
 * them) joins the part that ends on the page before it, else the part that
 * starts on the page after the run of such pages, else the run becomes a
 * part of its own, with a weak boundary so that a reviewer looks at it.
 * fa/fb/bc hold nr ranges on entry (room for np); returns the new count.
 */
static int cover_pages(const struct page_feat *pf, int np, int *fa, int *fb, double *bc, int nr)
{
    int *owner = xmalloc(((size_t)np + 2) * sizeof *owner);
    double *oconf = xmalloc(((size_t)np + 2) * sizeof *oconf);
    int next = nr, out = 0;

    for (int p = 0; p <= np + 1; p++)
        owner[p] = -1;
    for (int i = 0; i < nr; i++)
        for (int p = fa[i] < 1 ? 1 : fa[i]; p <= fb[i] && p <= np; p++)
            if (owner[p] < 0 && !pf[p].sep)
                owner[p] = i;
    for (int i = 0; i < nr; i++)
        oconf[i] = bc[i];
    for (int p = 2; p <= np; p++)           /* joins the part before it */
        if (owner[p] < 0 && !pf[p].sep && owner[p - 1] >= 0)
            owner[p] = owner[p - 1];
    for (int p = np - 1; p >= 1; p--)       /* else the part after it */
        if (owner[p] < 0 && !pf[p].sep && owner[p + 1] >= 0)
            owner[p] = owner[p + 1];
    for (int p = 1; p <= np; p++)           /* else a part of its own */
        if (owner[p] < 0 && !pf[p].sep) {
            oconf[next] = 0.5;
            for (int q = p; q <= np && owner[q] < 0 && !pf[q].sep; q++)
                owner[q] = next;
            next++;
        }
    for (int p = 1; p <= np; p++) {
        if (owner[p] < 0)
            continue;
        if (p > 1 && owner[p - 1] == owner[p]) {
            fb[out - 1] = p;
            continue;
        }
        fa[out] = fb[out] = p;
        bc[out] = oconf[owner[p]];
        out++;
    }
    free(owner);
    free(oconf);
    return out;
}

int pipe_split(const struct ocr_doc *doc, double threshold, struct doc_result **parts)
{
    int np = doc ? doc->npages : 0;
    *parts = NULL;
    if (np <= 0)
        return 0;
    struct ocr_doc corrected;
    doc_copy(doc, &corrected);
    pipe_correct(&corrected);
    doc = &corrected;
    struct page_feat *pf = xcalloc((size_t)np + 1, sizeof *pf);
    for (int p = 1; p <= np; p++)
        page_features(doc, p, &pf[p]);

    /* ranges */
    int *fa = xmalloc((size_t)np * sizeof(int)), *fb = xmalloc((size_t)np * sizeof(int));
    double *bc = xmalloc((size_t)np * sizeof(double));
    int nr = 0, cur = -1;
    bool after_blank = false;
    for (int p = 1; p <= np; p++) {
        if (pf[p].sep || pf[p].sparse) {
            cur = -1;
            after_blank = true;
            continue;
        }
        double conf = 0;
        bool start;
        if (cur < 0) {
            start = true;
            conf = after_blank ? 0.98 : 1.0;
        } else if (pf[p].pagenum || (pf[p].tail && !pf[p].motto && !pf[p].so_header)) {
            start = false;
            conf = 0.95;
        } else if (pf[p].motto || pf[p].so_header) {
            start = true;
            conf = 0.95;
        } else if (pf[p].title && pf[p - 1].ends) {
            start = true;
            conf = 0.9;
        } else if (pf[p - 1].ends && pf[p].top_caps) {
            start = true;
            conf = 0.7;
        } else {
            start = false;
            conf = pf[p - 1].ends ? 0.6 : 0.9;
        }
        after_blank = false;
        if (start) {
            cur = nr++;
            fa[cur] = fb[cur] = p;
            bc[cur] = conf;
        } else {
            fb[cur] = p;
            if (conf < bc[cur]) bc[cur] = conf;
        }
    }
    nr = cover_pages(pf, np, fa, fb, bc, nr);
    if (nr == 0) {
        /* nothing but separator sheets: one (blank) document all the same */
        fa[0] = 1;
        fb[0] = np;
        bc[0] = 1.0;
        nr = 1;
    }
    struct doc_result *out = xcalloc((size_t)nr, sizeof *out);
    for (int i = 0; i < nr; i++) {
        /* read the part from its first to its last page with content: a
         * sparse page joined to it is in it, but its specks are not where
         * the title or the signature is looked for */
        int a = fa[i], b = fb[i];
        while (a < b && (pf[a].sparse || pf[a].sep))
            a++;
        while (b > a && (pf[b].sparse || pf[b].sep))
            b--;
        analyze_impl(doc, a, b, threshold, &out[i]);
        out[i].first_page = fa[i];
        out[i].last_page = fb[i];
        out[i].boundary_conf = bc[i];
        if (bc[i] < threshold)
            out[i].needs_review = true;
    }
    free(fa);
    free(fb);
    free(bc);
    free(pf);
    ocr_doc_release(&corrected);
    *parts = out;
    return nr;
}

/* ---- result JSON ---------------------------------------------------------- */

static void put_fields(struct json *j, const struct doc_result *r)
{
    json_key(j, "fields");
    json_obj_begin(j);
    for (int f = 0; f < F_COUNT; f++) {
        const struct field *fd = &r->fields[f];
        if (!fd->present)
            continue;
        json_key(j, field_name((enum field_id)f));
        json_obj_begin(j);
        json_key(j, "value");
        json_str(j, fd->value);
        json_key(j, "confidence");
        json_num(j, fd->conf, 3);
        json_key(j, "page");
        json_int(j, fd->page);
        json_key(j, "bbox");
        json_arr_begin(j);
        json_int(j, fd->box.x0);
        json_int(j, fd->box.y0);
        json_int(j, fd->box.x1);
        json_int(j, fd->box.y1);
        json_arr_end(j);
        json_obj_end(j);
    }
    json_obj_end(j);
}

static const char *part_status(const struct doc_result *r)
{
    return r->needs_review ? "needs_review" : "indexed";
}

void pipe_result_json(struct sbuf *out, const struct result_meta *m,
                      const struct ocr_doc *doc, const struct doc_result *parts,
                      int nparts)
{
    struct json j;
    json_init(&j, out, false);
    json_obj_begin(&j);
    json_key(&j, "file");
    json_str(&j, m && m->file ? m->file : "");
    json_key(&j, "sha256");
    json_str(&j, m && m->sha256 ? m->sha256 : "");
    if (m && m->station) {
        json_key(&j, "station");
        json_str(&j, m->station);
    }
    const char *status = m ? m->status : NULL;
    if (!status) {
        status = "indexed";
        for (int i = 0; i < nparts; i++)
            if (parts[i].needs_review)
                status = "needs_review";
    }
    json_key(&j, "status");
    json_str(&j, status);
    if (m && m->error && strcmp(status, "failed") == 0) {
        json_key(&j, "error");
        json_str(&j, m->error);
    }
    /* What the readers had to work around (damaged streams, rebuilt
     * cross-references, cut-off image data): the document was processed,
     * but a clerk should compare it with the paper.  The pages' own
     * "warning"s are repeated here, so one key tells it all.  Absent when
     * there is nothing to say (an addition to CONTRACT.md's keys). */
    {
        int nw = doc ? doc->nwarnings : 0;
        for (int i = 0; doc && i < doc->npages; i++)
            nw += doc->pages[i].warning != NULL;
        if (nw > 0) {
            json_key(&j, "warnings");
            json_arr_begin(&j);
            for (int i = 0; i < doc->nwarnings; i++)
                json_str(&j, doc->warnings[i]);
            for (int i = 0; i < doc->npages; i++) {
                const struct ocr_page *pg = &doc->pages[i];
                if (!pg->warning) continue;
                char buf[700];
                snprintf(buf, sizeof buf, "page %d: %s", pg->number ? pg->number : i + 1,
                         pg->warning);
                json_str(&j, buf);
            }
            json_arr_end(&j);
        }
    }
    /* Digital signatures the file already carries (a born-digital PDF signed
     * by its issuer): who and when, as the file says; the original keeps
     * them byte for byte.  Absent when there are none (an addition to
     * CONTRACT.md's keys; `ancong verify` checks them). */
    if (doc && doc->nsigs > 0) {
        json_key(&j, "signatures");
        json_arr_begin(&j);
        for (int i = 0; i < doc->nsigs; i++) {
            const struct ocr_sig_info *si = &doc->sigs[i];
            json_obj_begin(&j);
            json_key(&j, "signer");
            if (si->signer) json_str(&j, si->signer); else json_null(&j);
            json_key(&j, "time");
            if (si->time) json_str(&j, si->time); else json_null(&j);
            json_key(&j, "subfilter");
            if (si->subfilter) json_str(&j, si->subfilter); else json_null(&j);
            json_obj_end(&j);
        }
        json_arr_end(&j);
    }
    if (nparts > 0 && strcmp(status, "failed") != 0) {
        /* the whole file: the first document's type and fields; a bundle
         * also lists every document it holds */
        json_key(&j, "doc_type");
        json_str(&j, parts[0].doc_type);
        json_key(&j, "doc_type_confidence");
        json_num(&j, parts[0].doc_type_conf, 3);
        put_fields(&j, &parts[0]);
        if (nparts > 1) {
            json_key(&j, "documents");
            json_arr_begin(&j);
            for (int i = 0; i < nparts; i++) {
                const struct doc_result *r = &parts[i];
                json_obj_begin(&j);
                json_key(&j, "first_page");
                json_int(&j, r->first_page);
                json_key(&j, "last_page");
                json_int(&j, r->last_page);
                json_key(&j, "doc_type");
                json_str(&j, r->doc_type);
                json_key(&j, "doc_type_confidence");
                json_num(&j, r->doc_type_conf, 3);
                json_key(&j, "boundary_confidence");
                json_num(&j, r->boundary_conf, 3);
                put_fields(&j, r);
                json_key(&j, "status");
                json_str(&j, part_status(r));
                json_obj_end(&j);
            }
            json_arr_end(&j);
        }
    }
    json_key(&j, "pages");
    json_arr_begin(&j);
    for (int i = 0; doc && i < doc->npages; i++) {
        const struct ocr_page *pg = &doc->pages[i];
        json_obj_begin(&j);
        json_key(&j, "number");
        json_int(&j, pg->number ? pg->number : i + 1);
        json_key(&j, "text");
        json_str(&j, pg->blank ? "" : (pg->text ? pg->text : ""));
        json_key(&j, "rotation");
        json_int(&j, pg->rotation);
        json_key(&j, "skew_deg");
        json_num(&j, pg->skew_deg, 2);
        json_key(&j, "ocr_confidence");
        json_num(&j, pg->ocr_conf, 3);
        json_key(&j, "source");
        json_str(&j, pg->source == OCR_SRC_TEXT_LAYER ? "text_layer" : "ocr");
        json_key(&j, "width_px");
        json_int(&j, pg->width_px);
        json_key(&j, "height_px");
        json_int(&j, pg->height_px);
        json_key(&j, "dpi");
        json_int(&j, pg->dpi);
        json_key(&j, "dpi_source");
        json_str(&j, pg->dpi_source ? pg->dpi_source : "assumed");
        if (pg->blank) {
            json_key(&j, "blank");
            json_bool(&j, true);
        }
        if (pg->separator) {
            json_key(&j, "separator");
            json_bool(&j, true);
            if (pg->separator_code) {
                json_key(&j, "separator_code");
                json_str(&j, pg->separator_code);
            }
        }
        if (pg->warning) {
            json_key(&j, "warning");
            json_str(&j, pg->warning);
        }
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_obj_end(&j);
    sbuf_putc(out, '\n');
}

/* A small made-up document in the shape of the real ones (motto, number,
 * date line, title, body, signer), in the OCR cache format of ocr/page.h. */
static const char warm_doc[] =
    "#ancong-ocr 1\ndoc\tpdf\t1\n"
    "page\t1\t2480\t3508\t300\tassumed\t0\t0\t1\ttext_layer\t0\n"
    "line\t0\t0\t0\t0\t1\t0\tVIỆN KIỂM SÁT NHÂN DÂN\n"
    "line\t0\t0\t0\t0\t1\t0\tKHU VỰC 2 - HÀ NỘI\n"
    "line\t0\t0\t0\t0\t1\t0\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "line\t0\t0\t0\t0\t1\t0\tĐộc lập - Tự do - Hạnh phúc\n"
    "line\t0\t0\t0\t0\t1\t0\tSố: 12/KN-VKSKV2\n"
    "line\t0\t0\t0\t0\t1\t0\tHà Nội, ngày 03 tháng 02 năm 2026\n"
    "line\t0\t0\t0\t0\t1\t0\tKIẾN NGHỊ\n"
    "line\t0\t0\t0\t0\t1\t0\tV/v khắc phục vi phạm trong vụ việc dân sự số 45/2025/TLST-DS\n"
    "line\t0\t0\t0\t0\t1\t0\tKính gửi: Ủy ban nhân dân phường Đống Đa\n"
    "line\t0\t0\t0\t0\t1\t0\tCăn cứ Điều 58 Bộ luật Tố tụng dân sự; nguyên đơn ông Nguyễn Văn An,\n"
    "line\t0\t0\t0\t0\t1\t0\tbị đơn bà Trần Thị Bình, địa chỉ: số 5 phố Huế.\n"
    "line\t0\t0\t0\t0\t1\t0\tNơi nhận:\n"
    "line\t0\t0\t0\t0\t1\t0\tKT. VIỆN TRƯỞNG\n"
    "line\t0\t0\t0\t0\t1\t0\tPHÓ VIỆN TRƯỞNG\n"
    "line\t0\t0\t0\t0\t1\t0\tLê Văn Cường\n";

void pipe_warm(void)
{
    struct ocr_doc doc;
    struct doc_result *parts = NULL;
    struct sbuf json = SBUF_INIT;
    struct result_meta meta = {.file = "warm.pdf", .sha256 = "", .status = "indexed"};
    FILE *f = fmemopen((void *)warm_doc, sizeof warm_doc - 1, "r");
    int n;

    memset(&doc, 0, sizeof doc);
    if (!f)
        return;
    n = ocr_doc_load(f, &doc);
    fclose(f);
    if (n < 0)
        return;
    pipe_correct(&doc);
    n = pipe_split(&doc, 0.8, &parts);
    pipe_result_json(&json, &meta, &doc, parts, n > 0 ? n : 0);
    for (int i = 0; i < n; i++)
        doc_result_release(&parts[i]);
    free(parts);
    sbuf_release(&json);
    ocr_doc_release(&doc);
}
