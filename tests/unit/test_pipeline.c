/*
 * tests/unit/test_pipeline.c: classification, extraction, splitting and the
 * result JSON of pipeline/, on small OCR documents (no Tesseract needed).
 *
 * Fixtures: text documents built here line by line, and real OCR output
 * (Tesseract "vie" words with boxes) in tests/data/ocr/ (NAME.ocr files).
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "ocr/page.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipe_int.h"
#include "t.h"

/* Build a document from pages of text ("\f" separates pages; "" = blank). */
static void doc_from_text(const char *text, struct ocr_doc *d)
{
    struct sbuf b = SBUF_INIT;
    int np = 1;
    for (const char *p = text; *p; p++)
        if (*p == '\f') np++;
    sbuf_printf(&b, "#ancong-ocr 1\ndoc\ttest\t%d\n", np);
    const char *p = text;
    for (int i = 1; i <= np; i++) {
        const char *e = strchr(p, '\f');
        if (!e) e = p + strlen(p);
        bool blank = true;
        for (const char *q = p; q < e; q++)
            if (*q != '\n' && *q != ' ') blank = false;
        sbuf_printf(&b, "page\t%d\t0\t0\t300\tassumed\t0\t0\t1\tocr\t%d\n", i, blank ? 1 : 0);
        while (p < e) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            if (!nl) nl = e;
            if (nl > p)
                sbuf_printf(&b, "line\t0\t0\t0\t0\t1\t0\t%.*s\n", (int)(nl - p), p);
            p = nl < e ? nl + 1 : e;
        }
        p = *e ? e + 1 : e;
    }
    FILE *f = fmemopen(b.s, b.len, "r");
    int rc = ocr_doc_load(f, d);
    fclose(f);
    sbuf_release(&b);
    if (rc < 0) {
        printf("not ok - fixture text parses\n");
        exit(1);
    }
}

/* The split invariant: every page of the file is in exactly one part,
 * except separator sheets (blank or barcode/QR, reported as such in the
 * result), which are in none; parts come in page order, do not overlap and
 * hold at least one page. */
static void check_cover(const char *what, const struct ocr_doc *d,
                        const struct doc_result *parts, int n)
{
    bool ok = n >= 1;
    int lost = 0, twice = 0, sep_in = 0;
    for (int i = 0; i < n; i++) {
        if (parts[i].first_page < 1 || parts[i].last_page > d->npages ||
            parts[i].first_page > parts[i].last_page)
            ok = false;
        if (i > 0 && parts[i].first_page <= parts[i - 1].last_page)
            ok = false;
    }
    for (int p = 1; p <= d->npages; p++) {
        const struct ocr_page *pg = &d->pages[p - 1];
        int in = 0;
        for (int i = 0; i < n; i++)
            in += parts[i].first_page <= p && p <= parts[i].last_page;
        if (pg->blank || pg->separator) {
            /* a file of nothing but blank sheets is one blank document */
            if (in > 0 && !(n == 1 && parts[0].first_page == 1 && parts[0].last_page == d->npages))
                sep_in++;
        } else if (in == 0) {
            lost++;
            printf("#   %s: page %d (\"%.30s\") is in no part\n", what, p, pg->text ? pg->text : "");
        } else if (in > 1) {
            twice++;
        }
    }
    T_CHECK(ok && lost == 0 && twice == 0 && sep_in == 0,
            "%s: parts in page order cover every page but separator sheets "
            "(%d parts, %d pages lost, %d in two parts, %d separators in a part)",
            what, n, lost, twice, sep_in);
}

static const char *fv(const struct doc_result *r, enum field_id f)
{
    return r->fields[f].present ? r->fields[f].value : NULL;
}

static const char KIEN_NGHI[] =
    "VIỆN KSND TỈNH ĐẮK LẮK\n"
    "VIỆN KIỂM SÁT NHÂN DÂN\n"
    "KHU VỰC 3\n"
    "Sô: 29/KN-VKSKV3\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\n"
    "Đắk Lắk, ngày 09 tháng 3 năm 2026\n"
    "KIẾN NGHỊ\n"
    "Về việc thực hiện quyền khởi kiện vụ án dân sự để bảo vệ lợi ích\n"
    "công\n"
    "Kính gửi: Ủy ban nhân dân phường Tân Hòa\n"
    "Qua tiếp nhận thông tin và kiểm tra, xác minh vụ việc dân sự công ích số\n"
    "15/2026/DSCI, Viện kiểm sát nhân dân khu vực 3 - Đắk Lắk xác định như sau:\n"
    "Công ty TNHH Chế biến thủy sản Thành Phát xả nước thải chưa qua xử lý ra sông,\n"
    "gây ô nhiễm môi trường, xâm phạm lợi ích công trong lĩnh vực môi trường.\n"
    "Căn cứ Nghị quyết số 205/2025/QH15 ngày 24/6/2025 của Quốc hội;\n"
    "\f2\n"
    "Hết thời hạn trên mà chủ thể có quyền khởi kiện không khởi kiện./.\n"
    "Nơi nhận:\n"
    "- Như trên;\n"
    "- Lưu: VT, HSVV.\n"
    "KT. VIỆN TRƯỞNG\n"
    "PHÓ VIỆN TRƯỞNG\n"
    "Quách Thanh Vân\n";

static void test_kien_nghi(void)
{
    struct ocr_doc d;
    struct doc_result r;
    doc_from_text(KIEN_NGHI, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(r.doc_type, "kien_nghi", "kiến nghị classified");
    T_CHECK(r.doc_type_conf > 0.9, "kiến nghị type confidence high (%.2f)", r.doc_type_conf);
    T_STREQ(fv(&r, F_SO_VAN_BAN), "29/KN-VKSKV3", "number after an OCR-noisy \"Sô:\"");
    T_STREQ(fv(&r, F_NGAY_BAN_HANH), "2026-03-09", "place-and-date line to ISO");
    T_STREQ(fv(&r, F_CO_QUAN_BAN_HANH), "VIỆN KIỂM SÁT NHÂN DÂN KHU VỰC 3",
            "issuing body without the parent line");
    T_STREQ(fv(&r, F_TINH), "dak_lak", "province id from the header");
    T_STREQ(fv(&r, F_NGUOI_KY), "Quách Thanh Vân", "signer");
    T_STREQ(fv(&r, F_CHUC_VU_NGUOI_KY), "PHÓ VIỆN TRƯỞNG", "signer title");
    T_STREQ(fv(&r, F_QUYEN_HAN_KY), "KT. VIỆN TRƯỞNG", "authority line");
    T_STREQ(fv(&r, F_TRICH_YEU),
            "Về việc thực hiện quyền khởi kiện vụ án dân sự để bảo vệ lợi ích công",
            "subject joined over two lines");
    T_STREQ(fv(&r, F_MA_VU_VIEC), "15/2026/DSCI", "case number, not the resolution's");
    T_STREQ(fv(&r, F_DOI_TUONG_KIEN_NGHI), "Ủy ban nhân dân phường Tân Hòa", "addressee");
    T_STREQ(fv(&r, F_LINH_VUC), "moi_truong", "area inferred from the facts");
    T_CHECK(!r.fields[F_NGUYEN_DON].present, "no plaintiff on a kiến nghị");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

static void test_dates(void)
{
    static const struct { const char *line, *want; } cases[] = {
        {"Hà Nội, ngày 05 tháng 3 năm 2026", "2026-03-05"},
        {"Thành phố Hồ Chí Minh, ngảy 5 thảng 03 nãm 2026", "2026-03-05"},
        {"Cần Thơ, 05/3/2026", "2026-03-05"},
        {"Đà Nẵng, ngày O5 tháng 1l năm 2026", "2026-11-05"},
        {"Cần Thơ, ngày 15:'tháng 1 năm 2026", "2026-01-15"},
        {"Hà Nội, ngày 15 tháng 1 năm ,2026", "2026-01-15"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "ỦY BAN NHÂN DÂN\nPHƯỜNG PHÚ MỸ\nSố: 04/UBND-VP\nV/v trả lời Kiến nghị số\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n%s\nKính gửi: Viện kiểm sát\n", cases[i].line);
        struct ocr_doc d;
        struct doc_result r;
        doc_from_text(text, &d);
        pipe_analyze(&d, 1, 1, 0.8, &r);
        T_STREQ(fv(&r, F_NGAY_BAN_HANH), cases[i].want, "date \"%s\"", cases[i].line);
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
}

static void test_stamp_not_number(void)
{
    struct ocr_doc d;
    struct doc_result r;
    doc_from_text("CV ĐẾN Số: 2352 Ngày 21/3/18\nỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 07/CT-UBND\n"
                  "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nQuảng Ngãi, ngày 20 tháng 3 năm 2018\n"
                  "Ký bởi: Trung tâm Công báo Thời gian ký: 21/03/2018\nCHỈ THỊ\n", &d);
    pipe_analyze(&d, 1, 1, 0.8, &r);
    T_STREQ(fv(&r, F_SO_VAN_BAN), "07/CT-UBND", "incoming-mail stamp number ignored");
    T_STREQ(fv(&r, F_NGAY_BAN_HANH), "2018-03-20", "date from the place line, not the stamp");
    T_STREQ(r.doc_type, "khac", "a directive is \"khac\"");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

static void test_split_and_json(void)
{
    struct sbuf text = SBUF_INIT;
    sbuf_puts(&text, KIEN_NGHI);
    sbuf_puts(&text, "\f\f");          /* a blank separator sheet */
    sbuf_puts(&text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                     "ĐƠN ĐỀ NGHỊ\nV/v đề nghị Viện kiểm sát xem xét\n"
                     "Kính gửi: Viện kiểm sát nhân dân tỉnh Đắk Lắk\n"
                     "Đắk Lắk, ngày 08 tháng 3 năm 2026\nNGƯỜI LÀM ĐƠN\nTrịnh Đức Nghĩa\n");
    struct ocr_doc d;
    doc_from_text(text.s, &d);
    struct doc_result *parts = NULL;
    int n = pipe_split(&d, 0.8, &parts);
    T_CHECK(n == 2, "bundle split into 2 documents (got %d)", n);
    check_cover("bundle with a blank sheet", &d, parts, n);
    if (n == 2) {
        T_CHECK(parts[0].first_page == 1 && parts[0].last_page == 2, "first document pages 1-2");
        T_CHECK(parts[1].first_page == 4 && parts[1].last_page == 4,
                "separator page 3 belongs to no document");
        T_STREQ(parts[1].doc_type, "don_de_nghi", "second document type");
        T_CHECK(!parts[1].fields[F_SO_VAN_BAN].present, "đơn đề nghị carries no number");
    }
    struct sbuf js = SBUF_INIT;
    struct result_meta m = {"bundle.pdf", "abc", NULL, NULL, NULL};
    pipe_result_json(&js, &m, &d, parts, n);
    T_CHECK(strstr(js.s, "\"documents\":[{\"first_page\":1,\"last_page\":2") != NULL,
            "JSON lists the documents with page ranges");
    T_CHECK(strstr(js.s, "\"so_van_ban\":{\"value\":\"29/KN-VKSKV3\",\"confidence\":") != NULL,
            "JSON field has value and confidence");
    T_CHECK(strstr(js.s, "\"blank\":true") != NULL, "blank page marked in pages");
    for (int i = 0; i < n; i++)
        doc_result_release(&parts[i]);
    free(parts);
    sbuf_release(&js);
    sbuf_release(&text);
    ocr_doc_release(&d);
}

static void test_printed_separator(void)
{
    /* a printed separator sheet (barcode / QR found by ocr/) has some text
     * but belongs to no document, and ends the one before it */
    struct sbuf text = SBUF_INIT;
    sbuf_puts(&text, KIEN_NGHI);
    sbuf_puts(&text, "\fTỜ PHÂN CÁCH HỒ SƠ\nPATCH T\f");
    sbuf_puts(&text, KIEN_NGHI);
    struct ocr_doc d;
    doc_from_text(text.s, &d);
    d.pages[2].separator = true;
    d.pages[2].separator_code = xstrdup("PATCH T");
    struct doc_result *parts = NULL;
    int n = pipe_split(&d, 0.8, &parts);
    T_CHECK(n == 2, "QR separator: two documents (got %d)", n);
    check_cover("QR separator", &d, parts, n);
    if (n == 2)
        T_CHECK(parts[0].last_page == 2 && parts[1].first_page == 4,
                "QR separator page 3 is in no document");
    struct sbuf js = SBUF_INIT;
    struct result_meta m = {"b.tif", "x", NULL, NULL, NULL};
    pipe_result_json(&js, &m, &d, parts, n);
    T_CHECK(strstr(js.s, "\"separator_code\":\"PATCH T\"") != NULL, "separator code in the JSON");
    for (int i = 0; i < n; i++) doc_result_release(&parts[i]);
    free(parts);
    sbuf_release(&js);
    sbuf_release(&text);
    ocr_doc_release(&d);
}

static void test_many_pieces(void)
{
    /* one OCR line cut into many pieces on one side of the page (a table
     * row, specks): more pieces than lines must not overflow anything */
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "#ancong-ocr 1\ndoc\ttest\t1\npage\t1\t2480\t3508\t300\tassumed\t0\t0\t0.9\tocr\t0\n"
                  "line\t10\t100\t1200\t140\t0.9\t0\n");
    for (int i = 0; i < 12; i++)
        sbuf_printf(&b, "word\t%d\t100\t%d\t140\t0.9\tô%d\n", 10 + i * 100, 40 + i * 100, i);
    sbuf_puts(&b, "line\t1300\t200\t2400\t240\t0.9\t0\n");
    for (int i = 0; i < 30; i++)     /* close words: a small typical gap */
        sbuf_printf(&b, "word\t%d\t200\t%d\t240\t0.9\tx%d\n", 1300 + i * 35, 1330 + i * 35, i);
    FILE *f = fmemopen(b.s, b.len, "r");
    struct ocr_doc d;
    int rc = ocr_doc_load(f, &d);
    fclose(f);
    T_CHECK(rc == 0, "many-pieces fixture parses");
    if (rc == 0) {
        struct doc_result *parts = NULL;
        int n = pipe_split(&d, 0.8, &parts);
        T_CHECK(n == 1 && strcmp(parts[0].doc_type, "khac") == 0, "a page of specks is one khac part");
        for (int i = 0; i < n; i++) doc_result_release(&parts[i]);
        free(parts);
        ocr_doc_release(&d);
    }
    sbuf_release(&b);
}

static void test_tables(void)
{
    T_STREQ(field_name(F_LINH_VUC), "linh_vuc", "field names");
    T_CHECK(field_by_name("ma_vu_viec") == F_MA_VU_VIEC, "field by name");
    T_CHECK(doc_type_valid("khac") && !doc_type_valid("chi_thi"), "type ids");
    T_CHECK(!doc_type_has_field("don_de_nghi", F_SO_VAN_BAN), "đơn đề nghị has no number");
    T_CHECK(doc_type_has_field("thong_bao_thu_ly", F_BI_DON), "thụ lý names the defendant");
    int n = 0;
    while (doc_types[n]) n++;
    T_CHECK(n == 15, "15 document types");
}

/* ---- real OCR fixtures (tests/data/ocr/) ------------------------------- */

static bool load_fixture(const char *name, struct ocr_doc *d)
{
    const char *top = getenv("ANCONG_TOP");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/ocr/%s", top ? top : ".", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("not ok - fixture %s opens (%s)\n", name, path);
        return false;
    }
    int rc = ocr_doc_load(f, d);
    fclose(f);
    T_CHECK(rc == 0, "fixture %s parses", name);
    return rc == 0;
}

static void test_real_letter(void)
{
    struct ocr_doc d;
    if (!load_fixture("tra_loi_phone_photo.ocr", &d))
        return;
    struct doc_result *parts = NULL;
    int n = pipe_split(&d, 0.8, &parts);
    T_CHECK(n == 1, "one-page letter is one document");
    if (n >= 1) {
        struct doc_result *r = &parts[0];
        T_STREQ(r->doc_type, "tra_loi_kien_nghi", "phone photo: reply to a kiến nghị");
        T_STREQ(fv(r, F_SO_VAN_BAN), "16/SYT-NVY", "phone photo: number");
        T_STREQ(fv(r, F_NGAY_BAN_HANH), "2026-08-10", "phone photo: date");
        T_STREQ(fv(r, F_CO_QUAN_BAN_HANH), "SỞ Y TẾ", "phone photo: department without its parent lines");
        T_STREQ(fv(r, F_TRICH_YEU),
                "V/v trả lời Kiến nghị số 19/KN-VKS-P9 của Viện kiểm sát nhân dân tỉnh Quảng Ninh",
                "phone photo: subject with \"kiếm sát\" corrected");
        T_STREQ(fv(r, F_QUYEN_HAN_KY), "KT. GIÁM ĐỐC", "phone photo: authority line");
        T_STREQ(fv(r, F_NGUOI_KY), "Lê Thành Tùng", "phone photo: signer");
        T_STREQ(fv(r, F_TINH), "quang_ninh", "phone photo: province");
        T_CHECK(r->fields[F_SO_VAN_BAN].page == 1 && r->fields[F_SO_VAN_BAN].box.x1 > r->fields[F_SO_VAN_BAN].box.x0,
                "number has a page and a box");
        T_CHECK(!r->needs_review, "confident letter is not sent to review");
    }
    for (int i = 0; i < n; i++) doc_result_release(&parts[i]);
    free(parts);
    /* pipe_correct changes the words themselves, for the page text too */
    int changed = pipe_correct(&d);
    T_CHECK(changed > 0 && strstr(d.pages[0].text, "Viện kiểm sát") != NULL,
            "pipe_correct fixes tone marks in the page text (%d words)", changed);
    ocr_doc_release(&d);
}

static void test_real_text_layer(void)
{
    struct ocr_doc d;
    if (!load_fixture("bien_ban_text_layer.ocr", &d))
        return;
    struct doc_result r;
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(r.doc_type, "bien_ban_tiep_nhan", "text layer: biên bản tiếp nhận");
    T_STREQ(fv(&r, F_SO_VAN_BAN), "19/BB-VKSKV12", "text layer: number run into the place name");
    T_STREQ(fv(&r, F_NGAY_BAN_HANH), "2026-04-27", "text layer: date");
    T_STREQ(fv(&r, F_CO_QUAN_BAN_HANH), "VIỆN KIỂM SÁT NHÂN DÂN KHU VỰC 12",
            "text layer: header run into the motto");
    T_STREQ(fv(&r, F_NGUOI_KY), "Đỗ Thị Huyền", "text layer: the officer, not the informant");
    T_STREQ(fv(&r, F_CHUC_VU_NGUOI_KY), "NGƯỜI LẬP BIÊN BẢN", "text layer: officer's title");
    T_CHECK(!r.fields[F_QUYEN_HAN_KY].present, "text layer: no authority line");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

static void test_real_khac(void)
{
    struct ocr_doc d;
    if (!load_fixture("khac_phieu_thu.ocr", &d))
        return;
    struct doc_result r;
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(r.doc_type, "khac", "receipt is khac");
    T_STREQ(fv(&r, F_SO_VAN_BAN), "2322", "receipt: its own number, not the book number");
    T_STREQ(fv(&r, F_NGAY_BAN_HANH), "2025-09-10", "receipt: date under the title");
    T_CHECK(!r.fields[F_NGUOI_KY].present, "receipt: several signatures, no signer");
    T_CHECK(!r.fields[F_TINH].present, "receipt: a private paper has no province");
    T_CHECK(!r.fields[F_CO_QUAN_BAN_HANH].present, "receipt: no issuing body");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

/* A real directive (Quảng Ngãi, 2020): a stamp fragment ("Ả") lies between
 * the signer's title and the name, below the title.  The block search took
 * the name; the column search stopped at the fragment and the extractor read
 * segment -1 (a crash in the field: every such file failed). */
static void test_real_stamp_fragment(void)
{
    struct ocr_doc d;
    if (!load_fixture("khac_chithi_stamp_fragment.ocr", &d))
        return;
    struct doc_result r;
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(r.doc_type, "khac", "directive is khac");
    T_STREQ(fv(&r, F_CHUC_VU_NGUOI_KY), "CHỦ TỊCH", "directive: signer's title");
    T_STREQ(fv(&r, F_NGUOI_KY), "Trần Ngọc Căng", "directive: the name past the stamp fragment");
    T_CHECK(!r.fields[F_SO_VAN_BAN].present || r.fields[F_SO_VAN_BAN].conf < 0.8,
            "directive: the handwritten number is not taken as sure");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

/* An estate ("di sản thừa kế") is not cultural heritage, and a long paper
 * that names an area in passing has none (FIELDS.md linh_vuc). */
static void test_area_in_passing(void)
{
    struct ocr_doc d;
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "ÁN LỆ SỐ 99/2024/AL\nVề việc chia di sản thừa kế\n");
    for (int i = 0; i < 40; i++)
        sbuf_puts(&b, "Cụ T chết để lại di sản là nhà đất, các con thỏa thuận phân chia di sản "
                      "thừa kế theo di chúc lập tại văn phòng công chứng của thành phố.\n");
    doc_from_text(sbuf_cstr(&b), &d);
    struct doc_result r;
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(r.doc_type, "khac", "precedent on an estate is khac");
    T_CHECK(!r.fields[F_LINH_VUC].present, "estate (di sản thừa kế) is not an area (got %s)",
            r.fields[F_LINH_VUC].present ? r.fields[F_LINH_VUC].value : "none");
    doc_result_release(&r);
    ocr_doc_release(&d);
    sbuf_release(&b);

    /* the same words in a short evidence paper about a heritage site do count */
    doc_from_text("BIÊN BẢN GHI NHẬN HIỆN TRẠNG\nDi tích đình làng bị lấn chiếm, khu vực bảo vệ di tích\n"
                  "bị xây dựng trái phép, ảnh hưởng di sản văn hóa của địa phương.\n", &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(r.doc_type, "khac", "short paper on a heritage site is khac");
    T_STREQ(fv(&r, F_LINH_VUC), "di_san_van_hoa", "short paper on a heritage site: di_san_van_hoa");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

static void check_ranges(const char *fixture, const int (*want)[2], const char *const *types,
                         int nwant)
{
    struct ocr_doc d;
    if (!load_fixture(fixture, &d))
        return;
    struct doc_result *parts = NULL;
    int n = pipe_split(&d, 0.8, &parts);
    T_CHECK(n == nwant, "%s: %d documents (got %d)", fixture, nwant, n);
    check_cover(fixture, &d, parts, n);
    for (int i = 0; i < n && i < nwant; i++) {
        T_CHECK(parts[i].first_page == want[i][0] && parts[i].last_page == want[i][1],
                "%s: document %d is pages %d-%d (got %d-%d)", fixture, i + 1, want[i][0],
                want[i][1], parts[i].first_page, parts[i].last_page);
        T_STREQ(parts[i].doc_type, types[i], "%s: document %d type", fixture, i + 1);
    }
    for (int i = 0; i < n; i++) doc_result_release(&parts[i]);
    free(parts);
    ocr_doc_release(&d);
}

static void test_real_split(void)
{
    static const int longdoc[][2] = {{1, 5}};
    static const char *const longtypes[] = {"bao_cao_de_xuat"};
    check_ranges("bao_cao_long_5p.ocr", longdoc, longtypes, 1);

    static const int nosep[][2] = {{1, 3}, {4, 5}, {6, 6}, {7, 7}};
    static const char *const nosept[] = {"bao_cao_de_xuat", "kien_nghi", "tra_loi_kien_nghi",
                                         "quyet_dinh_ket_thuc"};
    check_ranges("bundle_no_separator_7p.ocr", nosep, nosept, 4);

    static const int sep[][2] = {{1, 2}, {4, 5}, {7, 7}};
    static const char *const sept[] = {"don_de_nghi", "bien_ban_tiep_nhan", "thong_bao_tiep_nhan"};
    check_ranges("bundle_blank_separators_7p.ocr", sep, sept, 3);
}

/* Pages with a single short line ("Potato 7": fewer than 8 letters and
 * digits) are pages of the document, not blank sheets.  They were taken
 * for blank, ended the document and were left out of every part: a
 * 30-page file came out as pages 2, 4 and 11-30. */
static void test_split_short_pages(void)
{
    struct sbuf text = SBUF_INIT;
    for (int i = 0; i < 30; i++)
        sbuf_printf(&text, "%sPotato %d\n", i ? "\f" : "", i);
    struct ocr_doc d;
    doc_from_text(text.s, &d);
    struct doc_result *parts = NULL;
    int n = pipe_split(&d, 0.8, &parts);
    check_cover("30 \"Potato N\" pages", &d, parts, n);
    T_CHECK(n == 1 && parts[0].first_page == 1 && parts[0].last_page == 30,
            "30 \"Potato N\" pages are one document of pages 1-30 (%d parts, first %d-%d)", n,
            n > 0 ? parts[0].first_page : 0, n > 0 ? parts[0].last_page : 0);
    for (int i = 0; i < n; i++) doc_result_release(&parts[i]);
    free(parts);
    ocr_doc_release(&d);
    sbuf_release(&text);

    /* the same file through real OCR (words "Potato", "0"; "i1", "53") */
    static const int all[][2] = {{1, 30}};
    static const char *const khac[] = {"khac"};
    check_ranges("potato_30p.ocr", all, khac, 1);
}

/* A page with next to nothing legible that ocr/ did not call blank (specks
 * read as "ii", "-", "1") still ends the document before it, as a
 * separator sheet would; but it is not reported as a separator, so it is
 * never dropped: it joins the part before it, else the one after it, else
 * it is a part of its own that a reviewer must look at. */
static void test_split_sparse_pages(void)
{
    static const char DON[] =
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "ĐƠN ĐỀ NGHỊ\nV/v đề nghị Viện kiểm sát xem xét\n"
        "Kính gửi: Viện kiểm sát nhân dân tỉnh Đắk Lắk\n"
        "Đắk Lắk, ngày 08 tháng 3 năm 2026\nNGƯỜI LÀM ĐƠN\nTrịnh Đức Nghĩa\n";
    struct sbuf text = SBUF_INIT;
    sbuf_puts(&text, "ii\f");           /* 1: specks before the first document */
    sbuf_puts(&text, KIEN_NGHI);         /* 2-3 */
    sbuf_puts(&text, "\f- .\f");        /* 4: specks after it */
    sbuf_puts(&text, DON);               /* 5 */
    sbuf_puts(&text, "\f\f1\f\f");      /* 6 blank, 7 specks, 8 blank */
    sbuf_puts(&text, KIEN_NGHI);         /* 9-10 */
    sbuf_puts(&text, "\fii");            /* 11: specks at the end */
    struct ocr_doc d;
    doc_from_text(text.s, &d);
    T_CHECK(d.npages == 11 && d.pages[5].blank && d.pages[7].blank && !d.pages[6].blank,
            "sparse-page fixture: 11 pages, 6 and 8 blank");
    struct doc_result *parts = NULL;
    int n = pipe_split(&d, 0.8, &parts);
    check_cover("sparse pages", &d, parts, n);
    static const int want[][2] = {{1, 4}, {5, 5}, {7, 7}, {9, 11}};
    T_CHECK(n == 4, "sparse pages: 4 parts (got %d)", n);
    for (int i = 0; i < n && i < 4; i++)
        T_CHECK(parts[i].first_page == want[i][0] && parts[i].last_page == want[i][1],
                "sparse pages: part %d is pages %d-%d (got %d-%d)", i + 1, want[i][0], want[i][1],
                parts[i].first_page, parts[i].last_page);
    if (n == 4) {
        T_STREQ(parts[0].doc_type, "kien_nghi", "sparse pages: the kiến nghị keeps its type");
        T_STREQ(parts[1].doc_type, "don_de_nghi", "sparse pages: the đơn keeps its type");
        T_CHECK(parts[2].needs_review && parts[2].boundary_conf < 0.8,
                "sparse pages: a page alone between blank sheets goes to review");
        T_STREQ(parts[3].doc_type, "kien_nghi", "sparse pages: the last kiến nghị keeps its type");
        T_STREQ(fv(&parts[0], F_SO_VAN_BAN), "29/KN-VKSKV3", "sparse pages: its number is read");
    }
    for (int i = 0; i < n; i++) doc_result_release(&parts[i]);
    free(parts);
    ocr_doc_release(&d);
    sbuf_release(&text);
}

/* Held-out-like printing: a number and a date cut at the line end, a
 * misread "V/v", parties named in one sentence each. */
static const char THU_LY[] =
    "TÒA ÁN NHÂN DÂN\n"
    "KHU VỰC 4 - QUẢNG NINH\n"
    "Số: 115/2026/TB-TLVA\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\n"
    "Quảng Ninh, ngày 02 tháng 5\n"
    "năm 2026\n"
    "THÔNG BÁO\n"
    "VIv thụ lý vụ án dân sự\n"
    "Kính gửi: Viện kiểm sát nhân dân khu vực 3 - Quảng Ninh\n"
    "Ngày 02/05/2026, Tòa án đã thụ lý vụ án dân sự sơ thẩm số 28/2026/TLST-\n"
    "DS về tranh chấp bồi thường thiệt hại do xả nước thải gây ô nhiễm môi trường.\n"
    "Người khởi kiện: Viện kiểm sát nhân dân khu vực 3 - TP. Hồ Chí Minh. Người bị kiện:\n"
    "Công ty Cổ phần Dệt nhuộm Bình Minh. Trong thời hạn 15 ngày kể từ ngày nhận được\n"
    "thông báo, người bị kiện phải nộp văn bản ghi ý kiến./.\n"
    "Nơi nhận:\n"
    "- Như trên;\n"
    "- Lưu: HS.\n"
    "THẨM PHÁN\n"
    "Tăng Quốc Thịnh\n";

static void test_heldout_like(void)
{
    struct ocr_doc d;
    struct doc_result r;
    doc_from_text(THU_LY, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(r.doc_type, "thong_bao_thu_ly", "court notice classified");
    T_STREQ(fv(&r, F_NGAY_BAN_HANH), "2026-05-02", "date line cut before \"năm\"");
    T_STREQ(fv(&r, F_TRICH_YEU), "V/v thụ lý vụ án dân sự", "\"VIv\" read as V/v");
    T_STREQ(fv(&r, F_MA_VU_VIEC), "28/2026/TLST-DS", "case number cut at its hyphen");
    T_STREQ(fv(&r, F_NGUYEN_DON), "Viện kiểm sát nhân dân khu vực 3 - TP. Hồ Chí Minh",
            "plaintiff up to the end of its sentence, not at \"TP.\"");
    T_STREQ(fv(&r, F_BI_DON), "Công ty Cổ phần Dệt nhuộm Bình Minh",
            "defendant up to the end of its sentence");
    T_STREQ(fv(&r, F_NGUOI_KY), "Tăng Quốc Thịnh", "judge signs");
    doc_result_release(&r);
    ocr_doc_release(&d);

    /* a signature that ends page 1, the "Nơi nhận" list alone on page 2 */
    static const char SIG_B[] =
        "VIỆN KIỂM SÁT NHÂN DÂN\n"
        "TỈNH QUẢNG NINH\n"
        "Số: 12/QĐ-VKS-DS\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\n"
        "Hạ Long, ngày 09 tháng 4 năm 2026\n"
        "QUYẾT ĐỊNH\n"
        "Về việc phân công Kiểm sát viên giải quyết vụ việc dân sự công ích\n"
        "Điều 1. Phân công ông Lưu Xuân Nhân, Kiểm sát viên, giải quyết vụ việc số 06/2026/TL-DSCI.\n"
        "Điều 2. Quyết định có hiệu lực kể từ ngày ký./.\n"
        "KT. VIỆN TRƯỞNG\n"
        "PHÓ VIỆN TRƯỞNG\n"
        "Châu Thúy Oanh\n"
        "\f2\n"
        "Nơi nhận:\n"
        "- Như Điều 1;\n"
        "- Lưu: VT, HSVV.\n";
    doc_from_text(SIG_B, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(fv(&r, F_NGUOI_KY), "Châu Thúy Oanh", "signer on the page before the Nơi nhận list");
    T_STREQ(fv(&r, F_QUYEN_HAN_KY), "KT. VIỆN TRƯỞNG", "authority line there too");
    T_STREQ(fv(&r, F_MA_VU_VIEC), "06/2026/TL-DSCI", "held-out case number form");
    doc_result_release(&r);
    ocr_doc_release(&d);

    /* the same with the page number of page 2 unread: the recipients' list
     * still ends the document, it does not start one */
    char nopn[sizeof SIG_B];
    snprintf(nopn, sizeof nopn, "%s", SIG_B);
    char *pn = strstr(nopn, "\f2\n");
    memmove(pn + 1, pn + 3, strlen(pn + 3) + 1);
    doc_from_text(nopn, &d);
    struct doc_result *parts = NULL;
    int n = pipe_split(&d, 0.8, &parts);
    T_CHECK(n == 1 && parts[0].last_page == 2 && parts[0].boundary_conf >= 0.8,
            "a page opening with \"Nơi nhận:\" continues the document (%d parts, conf %.2f)", n,
            n > 0 ? parts[0].boundary_conf : 0);
    for (int i = 0; i < n; i++)
        doc_result_release(&parts[i]);
    free(parts);
    ocr_doc_release(&d);
}

/* A reply to a kiến nghị whose "V/v" the engine misread (italics). */
static void test_reply_misread_vv(void)
{
    static const char TEXT[] =
        "ỦY BAN NHÂN DÂN\n"
        "THÀNH PHỐ ĐÀ NẴNG\n"
        "SỞ CÔNG THƯƠNG\n"
        "Số: 1626/SCT-QLTM\n"
        "W\u2044% trả lời Kiến nghị số 46/KN-\n"
        "VKS-P9\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\n"
        "Đà Nẵng, ngày 21 tháng 3 năm 2026\n"
        "Kính gửi: Viện kiểm sát nhân dân thành phố Đà Nẵng\n"
        "Ngày 12/03/2026, chúng tôi nhận được Kiến nghị số 46/KN-VKS-P9 của Viện kiểm\n"
        "sát nhân dân thành phố Đà Nẵng về việc thực hiện quyền khởi kiện./.\n"
        "KT. GIÁM ĐỐC\n"
        "PHÓ GIÁM ĐỐC\n"
        "Thái Công Lợi\n";
    struct ocr_doc d;
    struct doc_result r;
    doc_from_text(TEXT, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(r.doc_type, "tra_loi_kien_nghi", "reply classified despite the misread V/v");
    T_STREQ(fv(&r, F_TRICH_YEU), "V/v trả lời Kiến nghị số 46/KN-VKS-P9",
            "subject: V/v restored, number joined over the line end");
    T_STREQ(fv(&r, F_SO_VAN_BAN), "1626/SCT-QLTM", "Sở Công Thương's code kept");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

/* More readings of "V/v" in a letter's header (fraction slash, "%" or "w"
 * for the italic v, the slash lost): the subject is found and says the type. */
static void test_letter_vv_variants(void)
{
    static const char *const vv[] = {"V\u2044%", "V\u2044w", "V%", "V/w", "-W\u2044", "VI", "Vk", "Ww", "V\u00cc", "VJ/v"};
    for (size_t i = 0; i < sizeof vv / sizeof vv[0]; i++) {
        char text[1400];
        snprintf(text, sizeof text,
                 "VKSND THÀNH PHỐ CẦN THƠ\nVIỆN KIỂM SÁT NHÂN DÂN\nKHU VỰC 4\nSố: 20/VKSKV4\n"
                 "%s yêu cầu cung cấp tài liệu\n"
                 "Kính gửi: Hợp tác xã Mỹ phẩm Tân Tiến\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                 "Cần Thơ, ngày 05 tháng 10 năm 2026\n"
                 "Để phục vụ việc kiểm tra, xác minh vụ việc dân sự công ích, Viện kiểm sát\n"
                 "đề nghị Quý đơn vị cung cấp các tài liệu sau./.\n"
                 "VIỆN TRƯỞNG\nLê Khánh Chi\n", vv[i]);
        struct ocr_doc d;
        struct doc_result r;
        doc_from_text(text, &d);
        pipe_analyze(&d, 1, d.npages, 0.8, &r);
        T_STREQ(r.doc_type, "yeu_cau_cung_cap", "\"%s\": a request for documents", vv[i]);
        T_STREQ(fv(&r, F_TRICH_YEU), "V/v yêu cầu cung cấp tài liệu", "\"%s\": the subject, V/v restored", vv[i]);
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
}

/* Specks read as punctuation inside names and subjects are dropped
 * ("án.dân", "Công ty.TNHH", "NHÂN DÂN.", "kết, quả", a final period),
 * a misread "khu vực" in a unit's name is repaired, a name run on into the
 * next label is cut; abbreviations ("TP.") and real commas stay. */
static void test_specks_in_fields(void)
{
    static const char TEXT[] =
        "TÒA ÁN NHÂN DÂN.\n"
        "KHU VỰC 4 - ĐÀ NẴNG\n"
        "Số: 87/2026/TB-TLVA\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\n"
        "Đà Nẵng, ngày 02 tháng 5 năm 2026\n"
        "THÔNG BÁO\n"
        "V/v thụ lý vụ án.dân sự.\n"
        "Kính gửi: Viện kiểm sát.nhân dân khu vực 4 - Đà Nẵng\n"
        "Ngày 02/05/2026, Tòa án đã thụ lý vụ án dân sự sơ thẩm số 21/2026/TLST-DS về việc\n"
        "bồi thường thiệt hại do gây ô nhiễm môi trường.\n"
        "Người khởi kiện: Viện kiểm sát.nhân dân khu đc 4- Đà Nẵng Người bị kiện: Công ty.TNHH Chăm-sóc Minh Long.'\n"
        "Trong thời hạn 15 ngày kể từ ngày nhận được thông báo, người bị kiện phải nộp văn bản./.\n"
        "THẨM PHÁN\n"
        "Tăng Quốc Thịnh\n";
    struct ocr_doc d;
    struct doc_result r;
    doc_from_text(TEXT, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(fv(&r, F_CO_QUAN_BAN_HANH), "TÒA ÁN NHÂN DÂN KHU VỰC 4 - ĐÀ NẴNG", "speck after NHÂN DÂN dropped");
    T_STREQ(fv(&r, F_TRICH_YEU), "V/v thụ lý vụ án dân sự", "speck inside and after the subject dropped");
    T_STREQ(fv(&r, F_NGUYEN_DON), "Viện kiểm sát nhân dân khu vực 4 - Đà Nẵng",
            "plaintiff: speck dropped, \"khu vực\" repaired, dash spaced, cut at the next label");
    T_STREQ(fv(&r, F_BI_DON), "Công ty TNHH Chăm sóc Minh Long", "defendant: specks dropped");
    doc_result_release(&r);
    ocr_doc_release(&d);

    /* the dash between the court's area and its province lost */
    doc_from_text("TÒA ÁN NHÂN DÂN\nKHU VỰC 7\nCẦN THƠ:\nSố: 143/2026/TB-TLVA\n"
                  "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                  "Cần Thơ, ngày 02 tháng 5 năm 2026\nTHÔNG BÁO\nV/v thụ lý vụ án dân sự\n"
                  "Kính gửi: Viện kiểm sát nhân dân khu vực 10 Cần Thơ\n"
                  "Người khởi kiện: Viện kiểm sát nhân dân khu vực 10 Cần Thơ.\n"
                  "THẨM PHÁN\nTăng Quốc Thịnh\n", &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(fv(&r, F_CO_QUAN_BAN_HANH), "TÒA ÁN NHÂN DÂN KHU VỰC 7 - CẦN THƠ", "court: dash put back");
    T_STREQ(fv(&r, F_NGUYEN_DON), "Viện kiểm sát nhân dân khu vực 10 - Cần Thơ", "plaintiff: dash put back");
    doc_result_release(&r);
    ocr_doc_release(&d);

    /* a subject line ending on "về" goes on at a capital; an authority
     * line run together; a quote mark after a name */
    doc_from_text("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI\nSỞ CÔNG THƯƠNG”\nSố: 1626/SCT-QLTM\n"
                  "V/v phối hợp cung cấp thông tin về\n"
                  "Công ty TNHH MTV Đầu tư Phát triển Nhà Tân Tiến\n"
                  "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                  "Hà Nội, ngày 06 tháng 8 năm 2026\n"
                  "Kính gửi: Viện kiểm sát nhân dân thành phố Hà Nội\n"
                  "Sở cung cấp thông tin về việc kinh doanh của doanh nghiệp./.\n"
                  "KT. GIÁMĐỐC\nPHÓ GIÁM ĐỐC\nLa Viết Hưng\n", &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(fv(&r, F_TRICH_YEU), "V/v phối hợp cung cấp thông tin về Công ty TNHH MTV Đầu tư Phát triển Nhà Tân Tiến",
            "subject goes on after \"về\"");
    T_STREQ(fv(&r, F_QUYEN_HAN_KY), "KT. GIÁM ĐỐC", "authority line spaced");
    T_STREQ(fv(&r, F_CO_QUAN_BAN_HANH), "SỞ CÔNG THƯƠNG", "quote mark dropped from the body's name");
    doc_result_release(&r);
    ocr_doc_release(&d);

    static const char *const subj[][2] = {
        {"Về việc xác minh vụ việc số 48/2026ITL-DSCI", "Về việc xác minh vụ việc số 48/2026/TL-DSCI"},
        {"Về việc trả lời Kiến nghị số 50/KN- VKSKV12 -Kính gửi: Viện kiểm sát",
         "Về việc trả lời Kiến nghị số 50/KN-VKSKV12"},
        {"Về việc cung cấp tài liệu, chứng cứ-", "Về việc cung cấp tài liệu, chứng cứ"},
        {"Về việc trả lời Kiến nghị số 11/KN-VKS-p9", "Về việc trả lời Kiến nghị số 11/KN-VKS-P9"},
        {"Về việc giải quyết vụ việc dân Sự công ích", "Về việc giải quyết vụ việc dân sự công ích"},
        {"VỀ việc cung cấp thông tin về Công ty TNHH Dịch vụ Việc làm Sao Mai",
         "Về việc cung cấp thông tin về Công ty TNHH Dịch vụ Việc làm Sao Mai"},
        {"Về việc xác minh vụ việc số 112026/TL-DSCI", "Về việc xác minh vụ việc số 11/2026/TL-DSCI"},
        {"Về kết, quả kiểm tra, xác minh vụ việc dân sự công ích",
         "Về kết quả kiểm tra, xác minh vụ việc dân sự công ích"},
        {"Về kết quả kiểm tra, xác minh và đề xuất, kiến nghị", "Về kết quả kiểm tra, xác minh và đề xuất, kiến nghị"},
    };
    for (size_t i = 0; i < sizeof subj / sizeof subj[0]; i++) {
        char text[1400];
        snprintf(text, sizeof text,
                 "VKSND THÀNH PHỐ CẦN THƠ\nVIỆN KIỂM SÁT NHÂN DÂN\nKHU VỰC 4\nSố: 20/BC-VKSKV4\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                 "Cần Thơ, ngày 05 tháng 10 năm 2026\n"
                 "BÁO CÁO\n"
                 "%s\n"
                 "Thực hiện Quyết định phân công, Kiểm sát viên báo cáo kết quả như sau.\n"
                 "KIỂM SÁT VIÊN\nLê Khánh Chi\n", subj[i][0]);
        doc_from_text(text, &d);
        pipe_analyze(&d, 1, d.npages, 0.8, &r);
        T_STREQ(fv(&r, F_TRICH_YEU), subj[i][1], "subject \"%s\"", subj[i][0]);
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
}

/* A name whose tone mark no common name of its letters has ("Chỉ" for
 * "Chi", "Ảnh" for "Ánh") is kept as read but sent to review; common names
 * ("Chi", "Toản", "Viết") are not, nor is a two-word name with a family
 * name, unlike one without ("Gia Khôi"); a procuracy named without "NHÂN DÂN"
 * is doubtful. */
static void test_name_tones(void)
{
    static const struct { const char *name; bool doubt; } cases[] = {
        {"Lê Khánh Chỉ", true}, {"Nguyễn Ảnh Xuyến", true}, {"Lê Khánh Chi", false},
        {"Vũ Văn Toản", false}, {"Đoàn Viết Luân", false}, {"Nguyễn Ánh Xuyến", false},
        {"Gia Khôi", true}, {"Trần Hưng", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1400];
        snprintf(text, sizeof text,
                 "VIỆN KIỂM SÁT NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI\nSố: 12/QĐ-VKS-DS\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                 "Hà Nội, ngày 05 tháng 3 năm 2026\nQUYẾT ĐỊNH\n"
                 "Về việc phân công Kiểm sát viên giải quyết vụ việc\n"
                 "Điều 1. Phân công Kiểm sát viên giải quyết vụ việc dân sự công ích.\n"
                 "Điều 2. Việc phân công có hiệu lực từ ngày ký.\n"
                 "VIỆN TRƯỞNG\n%s\n", cases[i].name);
        struct ocr_doc d;
        struct doc_result r;
        doc_from_text(text, &d);
        pipe_analyze(&d, 1, d.npages, 0.8, &r);
        T_STREQ(fv(&r, F_NGUOI_KY), cases[i].name, "signer \"%s\" kept as read", cases[i].name);
        double c = r.fields[F_NGUOI_KY].present ? r.fields[F_NGUOI_KY].conf : -1;
        T_CHECK(cases[i].doubt ? c < 0.8 : c >= 0.8, "\"%s\": confidence %.2f %s the threshold",
                cases[i].name, c, cases[i].doubt ? "below" : "at or above");
        T_CHECK(r.fields[F_CO_QUAN_BAN_HANH].present && r.fields[F_CO_QUAN_BAN_HANH].conf >= 0.8,
                "issuing body named in full is sure");
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
    struct ocr_doc d;
    struct doc_result r;
    doc_from_text("VIỆN KIỂM SÁT\nTHÀNH PHỐ HÀ NỘI\nSố: 12/QĐ-VKS-DS\n"
                  "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                  "Hà Nội, ngày 05 tháng 3 năm 2026\nQUYẾT ĐỊNH\n"
                  "Về việc phân công Kiểm sát viên giải quyết vụ việc\n"
                  "Điều 1. Phân công Kiểm sát viên giải quyết vụ việc dân sự công ích.\n"
                  "VIỆN TRƯỞNG\nLê Khánh Chi\n", &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_CHECK(r.fields[F_CO_QUAN_BAN_HANH].present && r.fields[F_CO_QUAN_BAN_HANH].conf < 0.8,
            "\"VIỆN KIỂM SÁT THÀNH PHỐ HÀ NỘI\" (no NHÂN DÂN) goes to review (got %s, %.2f)",
            fv(&r, F_CO_QUAN_BAN_HANH) ? fv(&r, F_CO_QUAN_BAN_HANH) : "none",
            r.fields[F_CO_QUAN_BAN_HANH].conf);
    doc_result_release(&r);
    ocr_doc_release(&d);
}

/* One page of words (boxes laid out line by line, every word at CONF), as
 * the engine gives them: pipe_correct works on words. */
static void doc_from_words(const char *text, double conf, struct ocr_doc *d)
{
    struct sbuf b = SBUF_INIT;
    sbuf_printf(&b, "#ancong-ocr 1\ndoc\ttest\t1\npage\t1\t2480\t3508\t300\tassumed\t0\t0\t1\tocr\t0\n");
    int y = 100;
    for (const char *p = text; *p; y += 60) {
        const char *nl = strchr(p, '\n');
        if (!nl) nl = p + strlen(p);
        char *line = xstrndup(p, (size_t)(nl - p));
        int nw = 0;
        for (char *q = line; *q; q++)
            if (*q != ' ' && (q == line || q[-1] == ' ')) nw++;
        if (nw) {
            sbuf_printf(&b, "line\t100\t%d\t%d\t%d\t%.2f\t%d\n", y, 100 + 80 * nw, y + 40, conf, nw);
            int x = 100;
            for (char *w = strtok(line, " "); w; w = strtok(NULL, " "), x += 80)
                sbuf_printf(&b, "word\t%d\t%d\t%d\t%d\t%.2f\t%s\n", x, y, x + 70, y + 40, conf, w);
        }
        free(line);
        p = *nl ? nl + 1 : nl;
    }
    FILE *f = fmemopen(b.s, b.len, "r");
    int rc = ocr_doc_load(f, d);
    fclose(f);
    sbuf_release(&b);
    T_CHECK(rc == 0, "word fixture loads");
}

/* Signers' names: a family name that is also half of a common phrase
 * ("Phan" / "phân công") stays a name; a given name the engine glued to
 * the middle name ("KimThảo") is not lost. */
static void test_signer_names(void)
{
    static const char *const cases[][2] = {
        {"Phan Công Luân", "Phan Công Luân"},
        {"Vũ KimThảo", "Vũ Kim Thảo"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1400];
        snprintf(text, sizeof text,
                 "VIỆN KIỂM SÁT NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI\nSố: 12/QĐ-VKS-DS\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                 "Hà Nội, ngày 05 tháng 3 năm 2026\nQUYẾT ĐỊNH\n"
                 "Về việc phân công Kiểm sát viên giải quyết vụ việc\n"
                 "Điều 1. Phân công Kiểm sát viên giải quyết vụ việc dân sự công ích.\n"
                 "Điều 2. Việc phân công có hiệu lực từ ngày ký.\n"
                 "VIỆN TRƯỞNG\n%s\n", cases[i][0]);
        struct ocr_doc d;
        doc_from_words(text, 0.80, &d);
        pipe_correct(&d);
        T_CHECK(strstr(d.pages[0].text, cases[i][0]) != NULL, "page text keeps \"%s\"", cases[i][0]);
        struct doc_result r;
        pipe_analyze(&d, 1, d.npages, 0.8, &r);
        T_STREQ(fv(&r, F_NGUOI_KY), cases[i][1], "signer \"%s\"", cases[i][0]);
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
}

/* An official letter of another body (khac) whose number was stamped or
 * handwritten into the blank after "Số:": not filed without its number.
 * The same letter with its number read is filed. */
static void test_khac_blank_number(void)
{
    static const char *const nums[] = {"Số:     /UBND-KGVX", "Số: 507/UBND-KGVX"};
    for (int i = 0; i < 2; i++) {
        char text[1400];
        snprintf(text, sizeof text,
                 "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\n%s\n"
                 "V/v góp ý dự thảo quyết định về dịch vụ viễn thông\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                 "Quảng Ngãi, ngày 24 tháng 01 năm 2025\n"
                 "Kính gửi: Sở Thông tin và Truyền thông\n"
                 "Ủy ban nhân dân tỉnh có ý kiến góp ý như sau./.\n"
                 "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG\nPhùng Tô Long\n", nums[i]);
        struct ocr_doc d;
        struct doc_result r;
        doc_from_text(text, &d);
        pipe_analyze(&d, 1, d.npages, 0.8, &r);
        T_STREQ(r.doc_type, "khac", "a letter of the province is \"other\" (%s)", nums[i]);
        if (i == 0)
            T_CHECK(!r.fields[F_SO_VAN_BAN].present && r.needs_review,
                    "its number left blank in print: sent to review, not filed without it");
        else
            T_STREQ(fv(&r, F_SO_VAN_BAN), "507/UBND-KGVX", "its number read");
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
}

/* A decision to sue: the plaintiff's name runs on to the next line, the
 * article ends before a numbered one; the case code read with a space after
 * its hyphen ("TLST- DS"). */
static void test_party_runs_on(void)
{
    static const char TEXT[] =
        "VIỆN KIỂM SÁT NHÂN DÂN\nKHU VỰC 5 - TP. HỒ CHÍ MINH\nSố: 12/QĐ-VKSKV5\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "TP. Hồ Chí Minh, ngày 05 tháng 3 năm 2026\nQUYẾT ĐỊNH\nVề việc khởi kiện vụ án dân sự công ích\n"
        "Căn cứ hồ sơ vụ việc dân sự công ích số 143/2026/TLST- DS về tranh chấp bồi thường thiệt hại\n"
        "do xâm phạm lợi ích công trong lĩnh vực bảo vệ quyền lợi người tiêu dùng,\n"
        "QUYẾT ĐỊNH:\n"
        "Điều 1. Khởi kiện vụ án dân sự đối với Công ty Cổ phần Dịch vụ Chăm sóc Sao Mai tại Tòa án.\n"
        "Điều 2. Người khởi kiện: Viện kiểm sát nhân dân khu vực 5 - TP. Hồ Chí\n"
        "Minh. Người bị kiện: Công ty Cổ phần Dịch vụ Chăm sóc Sao Mai.\n"
        "VIỆN TRƯỞNG\nLê Văn Tám\n";
    struct ocr_doc d;
    struct doc_result r;
    doc_from_text(TEXT, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(fv(&r, F_NGUYEN_DON), "Viện kiểm sát nhân dân khu vực 5 - TP. Hồ Chí Minh",
            "the plaintiff's name runs on to the next line");
    T_STREQ(fv(&r, F_MA_VU_VIEC), "143/2026/TLST-DS", "case code read with a space after its hyphen");
    doc_result_release(&r);
    ocr_doc_release(&d);
    static const char TEXT2[] =
        "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH ĐẮK LẮK\nSố: 14/QĐ-VKS-P9\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Đắk Lắk, ngày 05 tháng 3 năm 2026\nQUYẾT ĐỊNH\nVề việc khởi kiện vụ án dân sự công ích\n"
        "QUYẾT ĐỊNH:\n"
        "Điều 1. Khởi kiện vụ án dân sự đối với Công ty TNHH Minh Phát tại Tòa án nhân dân tỉnh.\n"
        "Điều 2. Người khởi kiện: Viện kiểm sát nhân dân tỉnh Đắk Lắk.\n"
        "2. Người bị kiện: Công ty TNHH Minh Phát.\n"
        "VIỆN TRƯỞNG\nLê Văn Tám\n";
    doc_from_text(TEXT2, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(fv(&r, F_NGUYEN_DON), "Viện kiểm sát nhân dân tỉnh Đắk Lắk",
            "the plaintiff ends with its sentence, before a numbered line");
    doc_result_release(&r);
    ocr_doc_release(&d);
    /* a lawsuit petition: the defendant's line ends without a period and the
     * next heading follows; the case number's slashes read as "I" */
    static const char TEXT3[] =
        "VIỆN KIỂM SÁT NHÂN DÂN\nKHU VỰC 8 - CẦN THƠ\nSố: 57/ĐKK-VKSKV8\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Cần Thơ, ngày 05 tháng 3 năm 2026\nĐƠN KHỞI KIỆN\n"
        "Kính gửi: Tòa án nhân dân khu vực 8 - Cần Thơ\n"
        "Người khởi kiện: Viện kiểm sát nhân dân khu vực 8 - Cần Thơ.\n"
        "Người bị kiện: Hợp tác xã Phân phối Thực phẩm chức năng Hoàng Long\n"
        "Nội dung vụ việc dân sự công ích số 52I2026ITL-DSCI: hợp tác xã bán thực phẩm chức năng\n"
        "không rõ nguồn gốc cho người cao tuổi.\n"
        "VIỆN TRƯỞNG\nLê Văn Tám\n";
    doc_from_text(TEXT3, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(fv(&r, F_BI_DON), "Hợp tác xã Phân phối Thực phẩm chức năng Hoàng Long",
            "the defendant ends before the next heading");
    T_STREQ(fv(&r, F_MA_VU_VIEC), "52/2026/TL-DSCI", "a case number whose slashes were read as I");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

/* An assignment names the case's area once, after the case number ("… số
 * 46/2026/TL-DSCI về môi trường tại …"): that is its area. */
static void test_area_of_case(void)
{
    static const char *const areas[][2] = {
        {"môi trường", "moi_truong"}, {"đất đai", "dat_dai"}, {"tài sản công", "tai_san_cong"},
    };
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++) {
        char text[1600];
        snprintf(text, sizeof text,
                 "VIỆN KIỂM SÁT NHÂN DÂN\nKHU VỰC 12 - HÀ NỘI\nSố: 21/QĐ-VKSKV12-DS\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                 "Hà Nội, ngày 01 tháng 2 năm 2026\nQUYẾT ĐỊNH\n"
                 "V/v phân công Kiểm sát viên, Kiểm tra viên giải quyết vụ việc\n"
                 "Căn cứ Nghị quyết số 205/2025/QH15 của Quốc hội về thí điểm Viện kiểm sát nhân dân khởi kiện\n"
                 "vụ án dân sự để bảo vệ quyền dân sự của nhóm dễ bị tổn thương, bảo vệ lợi ích công;\n"
                 "QUYẾT ĐỊNH:\n"
                 "Điều 1. Phân công bà Tăng Kim Thư, Kiểm sát viên, giải quyết vụ việc dân sự công ích\n"
                 "số 46/2026/TL-DSCI về %s tại phường Hồng Gai, thành phố Hà Nội.\n"
                 "Điều 2. Quyết định có hiệu lực kể từ ngày ký./.\n"
                 "VIỆN TRƯỞNG\nLê Văn Tám\n", areas[i][0]);
        struct ocr_doc d;
        struct doc_result r;
        doc_from_text(text, &d);
        pipe_analyze(&d, 1, d.npages, 0.8, &r);
        T_STREQ(fv(&r, F_LINH_VUC), areas[i][1], "the case's area named after its number: %s", areas[i][0]);
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
}

/* A number whose hyphen between the type code and the issuer was lost. */
static void test_number_lost_hyphen(void)
{
    static const char TEXT[] =
        "VIỆN KIỂM SÁT NHÂN DÂN\nKHU VỰC 2 - HÀ NỘI\nSố: 56/ĐKKVKSKV2\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Hà Nội, ngày 05 tháng 3 năm 2026\nĐƠN KHỞI KIỆN\n"
        "Kính gửi: Tòa án nhân dân khu vực 2 - Hà Nội\n"
        "Người khởi kiện: Viện kiểm sát nhân dân khu vực 2 - Hà Nội.\n"
        "Người bị kiện: Công ty TNHH Minh Phát.\n"
        "VIỆN TRƯỞNG\nLê Văn Tám\n";
    struct ocr_doc d;
    struct doc_result r;
    doc_from_text(TEXT, &d);
    pipe_analyze(&d, 1, d.npages, 0.8, &r);
    T_STREQ(fv(&r, F_SO_VAN_BAN), "56/ĐKK-VKSKV2", "the hyphen after the type code is put back");
    doc_result_release(&r);
    ocr_doc_release(&d);
}

/* Document-number codes that only look like OCR errors stay as printed. */
static void test_codes_kept(void)
{
    static const char *const nums[] = {"2761/SNNMT-QLĐĐ", "1626/SCT-QLTM", "1193/STC-QLGCS", "15/2026/TLST-DS"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI\nSỞ CÔNG THƯƠNG\nSố: %s\n"
                 "V/v phối hợp cung cấp thông tin\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                 "Hà Nội, ngày 06 tháng 8 năm 2026\n"
                 "Kính gửi: Viện kiểm sát nhân dân thành phố Hà Nội\n"
                 "Sở cung cấp thông tin về việc kinh doanh của doanh nghiệp./.\n"
                 "GIÁM ĐỐC\nLa Viết Hưng\n", nums[i]);
        struct ocr_doc d;
        struct doc_result r;
        doc_from_text(text, &d);
        pipe_analyze(&d, 1, d.npages, 0.8, &r);
        T_STREQ(fv(&r, F_SO_VAN_BAN), nums[i], "number %s kept as printed", nums[i]);
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
}

/* A subject with words that are no Vietnamese syllable is not trusted;
 * words run together into a fixed phrase ("sựcôngích") are cut apart. */
static void test_odd_subject(void)
{
    static const struct { const char *subject, *want; bool trusted; } cases[] = {
        {"Về việc khởi kiện vụ án dân sự công ích", NULL, true},
        {"Về việc khởi kiện vụ án dân sựcôngích", "Về việc khởi kiện vụ án dân sự công ích", true},
        {"Về việc khởi kiện để bảo: vệ lợi ích công", NULL, false},
        {"V/v trả lời Kiến nghị số 41/KN-VKSKV11 của Viện kiểm sát nhân dân khu vực 11 - Đắk Lắk", NULL, true},
        {"Về việc xác minh vụviệc dân sự công ích", "Về việc xác minh vụ việc dân sự công ích", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH ĐẮK LẮK\nSố: 37/QĐ-VKS-DS\n"
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                 "Đắk Lắk, ngày 13 tháng 5 năm 2026\nQUYẾT ĐỊNH\n%s\n"
                 "Căn cứ Bộ luật Tố tụng dân sự năm 2015;\n"
                 "VIỆN TRƯỞNG\nLa Viết Hưng\n", cases[i].subject);
        struct ocr_doc d;
        struct doc_result r;
        doc_from_text(text, &d);
        pipe_analyze(&d, 1, d.npages, 0.8, &r);
        T_STREQ(fv(&r, F_TRICH_YEU), cases[i].want ? cases[i].want : cases[i].subject, "subject %zu read", i);
        double c = r.fields[F_TRICH_YEU].present ? r.fields[F_TRICH_YEU].conf : -1;
        T_CHECK((c >= 0.8) == cases[i].trusted, "subject %zu confidence %.2f %s the threshold", i,
                c, cases[i].trusted ? "at or above" : "below");
        doc_result_release(&r);
        ocr_doc_release(&d);
    }
}

/* Patterns run on folded (ASCII) keys through a C-locale compile; a subject
 * with other bytes goes through the UTF-8 one and is matched by characters.
 * Runs last: it switches to the UTF-8 locale, as cmd/main.c does. */
static void test_regex_locales(void)
{
    regmatch_t m[2];
    setlocale(LC_ALL, "C.UTF-8");
    T_CHECK(rx_search("^ *so *[:;] *[0-9]", "  SO: 12/KN", NULL, 0), "rx: ASCII subject, case folded");
    T_CHECK(rx_search("kiem *(sat)", "vien kiem sat", m, 2) && m[0].rm_so == 5 && m[1].rm_so == 10,
            "rx: ASCII subject, match offsets");
    T_CHECK(rx_search("^.{5}$", "đường", NULL, 0), "rx: non-ASCII subject matched by characters");
    T_CHECK(!rx_search("^.{5}$", "duongx", NULL, 0), "rx: no false match");
    T_CHECK(rx_search("(^|[^a-z])xa\\b", "thị xã xa lộ", NULL, 0), "rx: non-ASCII subject, word boundary");
    /* Warmed tables and patterns (as a worker does before forking) give the
     * same analysis. */
    pipe_warm();
    pipe_warm();
    test_kien_nghi();
}

int main(void)
{
    test_tables();
    test_kien_nghi();
    test_dates();
    test_stamp_not_number();
    test_split_and_json();
    test_printed_separator();
    test_many_pieces();
    test_real_letter();
    test_real_text_layer();
    test_real_khac();
    test_real_stamp_fragment();
    test_area_in_passing();
    test_real_split();
    test_split_short_pages();
    test_split_sparse_pages();
    test_heldout_like();
    test_codes_kept();
    test_reply_misread_vv();
    test_letter_vv_variants();
    test_specks_in_fields();
    test_name_tones();
    test_signer_names();
    test_khac_blank_number();
    test_party_runs_on();
    test_area_of_case();
    test_number_lost_hyphen();
    test_odd_subject();
    test_regex_locales();
    return t_done();
}
