/*
 * web/fieldcheck.c: a reviewer's field value, checked and normalised before
 * it is stored (POST /api/documents/ID/fields).
 *
 * The pipeline stores dates as ISO YYYY-MM-DD and the province and area as
 * ids from fixed lists (../shared/corpus/FIELDS.md; pipeline/extract.c
 * writes the same ids); export, the case index (ancong_doc_date) and search
 * rely on that.  A reviewer types dates the Vietnamese way, so 28/04/2026,
 * 5/3/2026, 28-04-2026, 28.04.2026 and "ngày 05 tháng 3 năm 2026" (a place
 * before it, as on the document's date line, is allowed) are read and stored
 * as ISO; an impossible date (30/02/2026) or anything unreadable is refused
 * with a message saying which form to type.  A province or area is taken by
 * its id or its Vietnamese name (with or without diacritics) and stored as
 * the id; anything else is refused with the list.  Other fields are free
 * text.  An empty value clears the field.
 */
#include "web/web_int.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"

static const struct web_choice provinces[] = {
    {"ha_noi", "Hà Nội"},
    {"ho_chi_minh", "Thành phố Hồ Chí Minh"},
    {"da_nang", "Đà Nẵng"},
    {"can_tho", "Cần Thơ"},
    {"quang_ninh", "Quảng Ninh"},
    {"dak_lak", "Đắk Lắk"},
    {NULL, NULL},
};

static const struct web_choice areas[] = {
    {"moi_truong", "Môi trường"},
    {"an_toan_thuc_pham", "An toàn thực phẩm"},
    {"nguoi_tieu_dung", "Quyền lợi người tiêu dùng"},
    {"dat_dai", "Đất đai"},
    {"tai_san_cong", "Tài sản công"},
    {"nhom_de_bi_ton_thuong", "Nhóm dễ bị tổn thương"},
    {"di_san_van_hoa", "Di sản văn hóa"},
    {NULL, NULL},
};

const struct web_choice *web_field_choices(const char *name)
{
    if (name && strcmp(name, "tinh") == 0) return provinces;
    if (name && strcmp(name, "linh_vuc") == 0) return areas;
    return NULL;
}

#define DATE_FORMS "Nhập theo dạng 28/04/2026 (ngày/tháng/năm), 2026-04-28 hoặc \"ngày 28 tháng 4 năm 2026\""

/* The value as the reviewer typed it, cut to a readable length at a code
 * point boundary, for a message. */
static void quote(char *out, size_t n, const char *v)
{
    size_t len = strlen(v), max = n > 4 ? n - 4 : 0;
    if (len <= max) {
        snprintf(out, n, "%s", v);
        return;
    }
    size_t k = max;
    while (k > 0 && ((unsigned char)v[k] & 0xC0) == 0x80) k--;
    snprintf(out, n, "%.*s…", (int)k, v);
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Up to `max` digits at *p as a number (advances *p); -1 when none. */
static int digits(const char **p, int max, int *ndig)
{
    int v = 0, n = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *ndig = n;
    return n ? v : -1;
}

/* Three numbers split by one separator ('/', '-' or '.', the same twice,
 * spaces around it allowed): year first when it has four digits, else last.
 * 1 read, 0 not this form. */
static int numeric_date(const char *s, int *y, int *m, int *d)
{
    const char *p = s;
    int n[3], nd[3];
    char sep = 0;
    for (int i = 0; i < 3; i++) {
        n[i] = digits(&p, 4, &nd[i]);
        if (n[i] < 0 || isdigit((unsigned char)*p)) return 0;
        if (i == 2) break;
        while (*p == ' ') p++;
        if (*p != '/' && *p != '-' && *p != '.') return 0;
        if (sep && *p != sep) return 0;
        sep = *p++;
        while (*p == ' ') p++;
    }
    if (*p == '.') p++;
    if (*p) return 0;
    if (nd[0] == 4 && nd[1] <= 2 && nd[2] <= 2) { *y = n[0]; *m = n[1]; *d = n[2]; return 1; }
    if (nd[2] == 4 && nd[0] <= 2 && nd[1] <= 2) { *d = n[0]; *m = n[1]; *y = n[2]; return 1; }
    return 0;
}

/* "ngày 05 tháng 3 năm 2026" on the folded text, a place before it allowed
 * ("Hà Nội, ngày ..."), "ngày" optional.  1 read, 0 not this form. */
static int words_date(const char *f, int *y, int *m, int *d)
{
    regex_t rx;
    regmatch_t g[6];
    if (regcomp(&rx, "^(.*[ ,])?(ngay )?([0-9]{1,2}) thang ([0-9]{1,2}),? nam ([0-9]{4})\\.?$",
                REG_EXTENDED) != 0)
        return 0;
    int rc = regexec(&rx, f, 6, g, 0) == 0;
    regfree(&rx);
    if (!rc) return 0;
    *d = atoi(f + g[3].rm_so);
    *m = atoi(f + g[4].rm_so);
    *y = atoi(f + g[5].rm_so);
    return 1;
}

static char *check_date(const char *v, char *msg, size_t msgsz)
{
    char *f = utf8_fold(v);
    const char *s = f;
    if (str_starts(s, "ngay ")) s += 5;
    int y = 0, m = 0, d = 0;
    int got = numeric_date(s, &y, &m, &d) || words_date(f, &y, &m, &d);
    free(f);
    char q[160];
    quote(q, sizeof q, v);
    if (!got) {
        snprintf(msg, msgsz, "Ngày không hợp lệ: «%s». " DATE_FORMS ". Giá trị này chưa được lưu.", q);
        return NULL;
    }
    if (m < 1 || m > 12) {
        snprintf(msg, msgsz, "Ngày không hợp lệ: «%s» (không có tháng %d). " DATE_FORMS ". Giá trị này chưa được lưu.", q, m);
        return NULL;
    }
    if (y < 1900 || y > 2100) {
        snprintf(msg, msgsz, "Ngày không hợp lệ: «%s» (năm %d nằm ngoài 1900–2100). " DATE_FORMS
                 ". Giá trị này chưa được lưu.", q, y);
        return NULL;
    }
    if (d < 1 || d > days_in(y, m)) {
        snprintf(msg, msgsz, "Ngày không hợp lệ: «%s» (tháng %d năm %d có %d ngày). " DATE_FORMS
                 ". Giá trị này chưa được lưu.", q, m, y, days_in(y, m));
        return NULL;
    }
    char out[16];
    snprintf(out, sizeof out, "%04d-%02d-%02d", y, m, d);
    return xstrdup(out);
}

/* Folded, '_' as a space, without the words in `drop` at the start, and
 * without spaces: "TP. Hồ Chí Minh", "ho_chi_minh" -> "hochiminh". */
static char *choice_key(const char *s)
{
    char *f = utf8_fold(s);
    for (char *p = f; *p; p++)
        if (*p == '_') *p = ' ';
    static const char *const drop[] = {"thanh pho ", "tp. ", "tp.", "tp ", "tinh ", "linh vuc ", NULL};
    char *p = f;
    for (int i = 0; drop[i]; i++)
        if (str_starts(p, drop[i])) { p += strlen(drop[i]); break; }
    char *o = f;
    for (; *p; p++)
        if (*p != ' ') *o++ = *p;
    *o = 0;
    return f;
}

static char *check_choice(const char *name, const struct web_choice *list, const char *v,
                          char *msg, size_t msgsz)
{
    char *k = choice_key(v);
    const char *hit = NULL;
    for (int i = 0; list[i].id && !hit; i++) {
        char *a = choice_key(list[i].id), *b = choice_key(list[i].vi);
        if (*k && (strcmp(k, a) == 0 || strcmp(k, b) == 0))
            hit = list[i].id;
        free(a);
        free(b);
    }
    free(k);
    if (hit)
        return xstrdup(hit);
    char q[160];
    quote(q, sizeof q, v);
    struct sbuf b = SBUF_INIT;
    sbuf_printf(&b, "%s không hợp lệ: «%s». Chọn một trong: ", field_label_vi(name), q);
    for (int i = 0; list[i].id; i++)
        sbuf_printf(&b, "%s%s (%s)", i ? ", " : "", list[i].id, list[i].vi);
    sbuf_puts(&b, ". Giá trị này chưa được lưu.");
    snprintf(msg, msgsz, "%s", sbuf_cstr(&b));
    sbuf_release(&b);
    return NULL;
}

char *web_field_check(const char *name, const char *value, char *msg, size_t msgsz)
{
    char *v = utf8_nfc(value ? value : "");
    str_squash(v);
    if (!*v || !name)
        return v;
    char *out = v;
    const struct web_choice *list = web_field_choices(name);
    if (strcmp(name, "ngay_ban_hanh") == 0)
        out = check_date(v, msg, msgsz);
    else if (list)
        out = check_choice(name, list, v, msg, msgsz);
    if (out != v)
        free(v);
    return out;
}
