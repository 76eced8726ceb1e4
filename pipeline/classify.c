/*
 * pipeline/classify.c: which of the DOC_TYPES.md types a document is.
 *
 * Evidence, strongest first: the printed title (QUYẾT ĐỊNH, KIẾN NGHỊ,
 * BIÊN BẢN, THÔNG BÁO, BÁO CÁO, ĐƠN ...), the subject line under it or the
 * "V/v" line of a letter, the code in the number ("QĐ", "KN", "BB", "TB",
 * "BC", "ĐKK", "TLVA"), and the issuing body (procuracy, court, people's
 * committee or department).  Each type collects points; the confidence
 * comes from the winner's points and its margin over the runner-up.  A
 * document with no procedural evidence is "khac"; one whose evidence is
 * thin is "khac" or its best type with a low confidence, so it goes to
 * review (DOC_TYPES.md: never force an attachment into a procedural type).
 */
#include "pipeline/pipe_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"

enum {
    T_DON_DE_NGHI, T_BB_TIEP_NHAN, T_TB_TIEP_NHAN, T_QD_PHAN_CONG, T_QD_XAC_MINH,
    T_BB_XAC_MINH, T_YEU_CAU, T_BAO_CAO, T_KIEN_NGHI, T_TRA_LOI, T_QD_KHOI_KIEN,
    T_DON_KHOI_KIEN, T_TB_THU_LY, T_QD_KET_THUC, T_KHAC, T_N
};

static const char *const type_ids[T_N] = {
    "don_de_nghi", "bien_ban_tiep_nhan", "thong_bao_tiep_nhan", "quyet_dinh_phan_cong",
    "quyet_dinh_xac_minh", "bien_ban_xac_minh", "yeu_cau_cung_cap", "bao_cao_de_xuat",
    "kien_nghi", "tra_loi_kien_nghi", "quyet_dinh_khoi_kien", "don_khoi_kien",
    "thong_bao_thu_ly", "quyet_dinh_ket_thuc", "khac",
};

enum title {
    TI_NONE, TI_QD, TI_KN, TI_BB, TI_BB_XM, TI_BB_LV, TI_PHIEU_TN, TI_TB, TI_BC,
    TI_DON_DN, TI_DON_KK, TI_OTHER
};

/* Recognise a title line from its folded key; OCR may lose spaces or
 * diacritics, so the patterns work on the folded form; a speck after the
 * title ("BÁO CÁO.", "QUYẾT ĐỊNH:") is no other word. */
static enum title title_of(const char *f)
{
    if (rx_search("^[^a-z0-9]*quyet *dinh * *[.,:;'_-]* *$", f, NULL, 0)) return TI_QD;
    if (rx_search("^[^a-z0-9]*kien *nghi *[.,:;'_-]* *$", f, NULL, 0)) return TI_KN;
    if (rx_search("^[^a-z0-9]*bien *ban *xac *minh", f, NULL, 0)) return TI_BB_XM;
    if (rx_search("^[^a-z0-9]*bien *ban *lam *viec", f, NULL, 0)) return TI_BB_LV;
    if (rx_search("^[^a-z0-9]*bien *ban *[.,:;'_-]* *$", f, NULL, 0)) return TI_BB;
    if (rx_search("^[^a-z0-9]*bien *ban *tiep *nhan", f, NULL, 0)) return TI_BB;
    if (rx_search("^[^a-z0-9]*phieu *tiep *nhan", f, NULL, 0)) return TI_PHIEU_TN;
    if (rx_search("^[^a-z0-9]*thong *bao *[.,:;'_-]* *$", f, NULL, 0)) return TI_TB;
    if (rx_search("^[^a-z0-9]*bao *cao *[.,:;'_-]* *$", f, NULL, 0)) return TI_BC;
    if (rx_search("^[^a-z0-9]*don *khoi *kien", f, NULL, 0)) return TI_DON_KK;
    if (rx_search("^[^a-z0-9]*don *(de *nghi|phan *anh|kien *nghi|to *cao|khieu *nai|trinh *bay|yeu *cau)",
                  f, NULL, 0))
        return TI_DON_DN;
    return TI_NONE;
}

static bool is_motto(const char *f)
{
    return rx_search("cong *hoa *xa *hoi|doc *lap *- *tu *do|tu *do *- *hanh *phuc", f, NULL, 0);
}

void cls_classify(const struct ptext *t, struct cls_result *out)
{
    double sc[T_N] = {0};
    enum title ti = TI_NONE;
    int title_seg = -1;
    memset(out, 0, sizeof *out);
    out->title_seg = -1;

    /* The title: an upper-case line near the top of the first page(s). */
    int a, b;
    text_page_range(t, t->first, &a, &b);
    int limit = b;
    if (limit - a > 40) limit = a + 40;
    for (int i = a; i < limit; i++) {
        const struct pseg *s = &t->segs[i];
        enum title x = title_of(s->fold);
        if (x != TI_NONE && (s->upper || x == TI_QD)) {
            ti = x;
            title_seg = i;
            break;
        }
    }

    /* Context: the subject (two segments after the title, or the V/v
     * block), the whole first page, and the number line. */
    struct sbuf subj = SBUF_INIT, page = SBUF_INIT, num = SBUF_INIT;
    if (title_seg >= 0)
        for (int i = title_seg + 1; i < title_seg + 4 && i < t->nsegs; i++) {
            sbuf_puts(&subj, t->segs[i].fold);
            sbuf_putc(&subj, ' ');
        }
    for (int i = a; i < b; i++) {
        const char *f = t->segs[i].fold;
        sbuf_puts(&page, f);
        sbuf_putc(&page, ' ');
        /* "V/v", also misread "VIv", "Vív", "W/%" (italics) */
        if (i < a + 30 && vv_line(&t->segs[i])) {
            /* a "V/v" read as a word of its own ("Ww", "VI") written the
             * usual way */
            const char *sp = strchr(f, ' ');
            if (!rx_search(VV_FOLD_RX, f, NULL, 0) && sp) {
                sbuf_puts(&subj, "v/v");
                sbuf_puts(&subj, sp);
            } else {
                sbuf_puts(&subj, f);
            }
            sbuf_putc(&subj, ' ');
            for (int k = i + 1; k < i + 3 && k < b; k++) {
                sbuf_puts(&subj, t->segs[k].fold);
                sbuf_putc(&subj, ' ');
            }
        }
        if (num.len == 0 && i < a + 30 && rx_search("^ *s[o0-9] *[:;.]", f, NULL, 0))
            sbuf_puts(&num, f);
    }
    /* specks read as punctuation inside the subject ("khởi. kiện") */
    for (size_t k = 0; k < subj.len; k++)
        if (strchr(".,;:", subj.s[k]) && k > 0 && isalpha((unsigned char)subj.s[k - 1]))
            subj.s[k] = ' ';
    const char *S = sbuf_cstr(&subj), *P = sbuf_cstr(&page), *N = sbuf_cstr(&num);

    bool vks = rx_search("vien *kiem *sat|vksnd|vien *ksnd", P, NULL, 0);
    bool court = rx_search("^ *toa *an *nhan *dan", t->nsegs > a ? t->segs[a].fold : "", NULL, 0) ||
                 rx_search("tlva|thu *ly *vu *an", N[0] ? N : S, NULL, 0);
    bool motto = false;
    for (int i = a; i < a + 12 && i < b; i++)
        if (is_motto(t->segs[i].fold))
            motto = true;

    switch (ti) {
    case TI_QD:
        if (rx_search("phan *cong", S, NULL, 0)) sc[T_QD_PHAN_CONG] += 6;
        else if (rx_search("ket *thuc|khong *khoi *kien", S, NULL, 0)) sc[T_QD_KET_THUC] += 6;
        else if (rx_search("khoi *kien", S, NULL, 0)) sc[T_QD_KHOI_KIEN] += 6;
        else if (rx_search("xac *minh|kiem *tra", S, NULL, 0)) sc[T_QD_XAC_MINH] += 6;
        else {
            sc[T_QD_PHAN_CONG] += 1; sc[T_QD_XAC_MINH] += 1;
            sc[T_QD_KHOI_KIEN] += 1; sc[T_QD_KET_THUC] += 1;
        }
        break;
    case TI_KN:
        sc[T_KIEN_NGHI] += 6;
        break;
    case TI_BB_XM: case TI_BB_LV:
        sc[T_BB_XAC_MINH] += 7;
        break;
    case TI_PHIEU_TN:
        sc[T_BB_TIEP_NHAN] += 7;
        break;
    case TI_BB:
        if (rx_search("tiep *nhan", S, NULL, 0)) sc[T_BB_TIEP_NHAN] += 7;
        else if (rx_search("xac *minh|lam *viec", S, NULL, 0)) sc[T_BB_XAC_MINH] += 6;
        else { sc[T_BB_TIEP_NHAN] += 2; sc[T_BB_XAC_MINH] += 2; }
        break;
    case TI_TB:
        if (rx_search("thu *ly", S, NULL, 0)) sc[T_TB_THU_LY] += 7;
        else if (rx_search("tiep *nhan", S, NULL, 0)) sc[T_TB_TIEP_NHAN] += 7;
        else { sc[T_TB_THU_LY] += 1.5; sc[T_TB_TIEP_NHAN] += 1.5; }
        break;
    case TI_BC:
        if (rx_search("kiem *tra|xac *minh|de *xuat", S, NULL, 0)) sc[T_BAO_CAO] += 7;
        else sc[T_BAO_CAO] += 3;
        break;
    case TI_DON_KK:
        sc[T_DON_KHOI_KIEN] += 7;
        break;
    case TI_DON_DN:
        sc[T_DON_DE_NGHI] += 7;
        break;
    default:
        break;
    }
    /* Letters (công văn) have no title: the V/v line says what they are
     * ("V/v", and as read: "V/", "V/%", "V/w", "VIv", "V%", "VI", "Vk"). */
#define VV_RX "[vwy] *(/ *[vw%]?|[il1|]v|%|[il1|k] ) *"
    if (ti == TI_NONE) {
        if (rx_search(VV_RX "(yeu *cau|de *nghi) *cung *cap", S, NULL, 0) && vks)
            sc[T_YEU_CAU] += 6;
        if (rx_search(VV_RX "tra *loi *kien *nghi", S, NULL, 0))
            sc[T_TRA_LOI] += 6;
        else if (rx_search("tra *loi *kien *nghi", S, NULL, 0))
            sc[T_TRA_LOI] += 4;
        /* the body says which kiến nghị it answers */
        if (rx_search("(nhan *duoc|tra *loi) *kien *nghi *so *[0-9ol]+ */ *kn", P, NULL, 0))
            sc[T_TRA_LOI] += 3;
    }
    /* The number's type code. */
    if (N[0]) {
        if (rx_search("/ *q[dđ] *-", N, NULL, 0)) {
            sc[T_QD_PHAN_CONG] += 1; sc[T_QD_XAC_MINH] += 1;
            sc[T_QD_KHOI_KIEN] += 1; sc[T_QD_KET_THUC] += 1;
        }
        if (rx_search("/ *kn *-", N, NULL, 0)) sc[T_KIEN_NGHI] += 2;
        if (rx_search("/ *bb *-", N, NULL, 0)) { sc[T_BB_TIEP_NHAN] += 1; sc[T_BB_XAC_MINH] += 1; }
        if (rx_search("/ *tb *-", N, NULL, 0)) {
            if (rx_search("tlva", N, NULL, 0)) sc[T_TB_THU_LY] += 2;
            else sc[T_TB_TIEP_NHAN] += 1;
        }
        if (rx_search("/ *bc *-", N, NULL, 0)) sc[T_BAO_CAO] += 2;
        if (rx_search("/ *dkk *-", N, NULL, 0)) sc[T_DON_KHOI_KIEN] += 2;
    }
    if (court) sc[T_TB_THU_LY] += 1;
    if (ti == TI_DON_DN && !N[0]) sc[T_DON_DE_NGHI] += 1;
    /* Procuracy documents need a procuracy somewhere. */
    if (!vks)
        for (int k = 0; k < T_N; k++)
            if (k != T_TRA_LOI && k != T_TB_THU_LY && k != T_DON_DE_NGHI && k != T_KHAC)
                sc[k] *= 0.5;

    int best = T_KHAC, second = T_KHAC;
    double bs = 0, ss = 0;
    for (int k = 0; k < T_N; k++) {
        if (k == T_KHAC) continue;
        if (sc[k] > bs) {
            ss = bs; second = best;
            bs = sc[k]; best = k;
        } else if (sc[k] > ss) {
            ss = sc[k]; second = k;
        }
    }
    (void)second;
    (void)motto;
    double conf;
    if (bs < 3) {
        /* no procedural title or subject: an attachment or other paper */
        best = T_KHAC;
        conf = bs < 1 ? 0.95 : 0.75 - bs * 0.05;
    } else {
        double margin = bs - ss;
        conf = 1.0 - exp(-(bs + margin) / 3.0);
        if (conf > 0.99) conf = 0.99;
    }
    out->type = type_ids[best];
    out->conf = conf;
    out->title_seg = title_seg;
    sbuf_release(&subj);
    sbuf_release(&page);
    sbuf_release(&num);
}
