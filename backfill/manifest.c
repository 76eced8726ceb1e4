#include "backfill/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"

/* One CSV record starting at *p; fields are malloc'd.  Returns the number of
 * fields, 0 at end of input, -1 on an unterminated quote. */
static int csv_record(const char **p, const char *end, char sep, char ***out, int *lines)
{
    char **f = NULL;
    int n = 0, cap = 0;
    struct sbuf b = SBUF_INIT;
    const char *s = *p;

    if (s >= end)
        return 0;
    for (;;) {
        sbuf_reset(&b);
        if (s < end && *s == '"') {
            s++;
            for (;;) {
                if (s >= end) {
                    sbuf_release(&b);
                    for (int i = 0; i < n; i++) free(f[i]);
                    free(f);
                    return -1;
                }
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"') {
                        sbuf_putc(&b, '"');
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                if (*s == '\n')
                    (*lines)++;
                sbuf_putc(&b, *s++);
            }
            while (s < end && *s != sep && *s != '\n' && *s != '\r')
                s++;                    /* junk after a closing quote is dropped */
        } else {
            while (s < end && *s != sep && *s != '\n' && *s != '\r')
                sbuf_putc(&b, *s++);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            f = xrealloc(f, (size_t)cap * sizeof *f);
        }
        f[n++] = xstrdup(sbuf_cstr(&b));
        if (s < end && *s == sep) {
            s++;
            continue;
        }
        if (s < end && *s == '\r')
            s++;
        if (s < end && *s == '\n')
            s++;
        (*lines)++;
        break;
    }
    sbuf_release(&b);
    *p = s;
    *out = f;
    return n;
}

static void free_fields(char **f, int n)
{
    for (int i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

enum { COL_FILE, COL_CASE, COL_UNIT, COL_TYPE, COL_OTHER };

static int column_kind(const char *name)
{
    char *k = utf8_fold(name);
    int kind = COL_OTHER;
    for (char *q = k; *q; q++)
        if (*q == ' ' || *q == '-')
            *q = '_';
    if (!strcmp(k, "file") || !strcmp(k, "path") || !strcmp(k, "tep") || !strcmp(k, "filename") ||
        !strcmp(k, "file_name") || !strcmp(k, "ten_tep"))
        kind = COL_FILE;
    else if (!strcmp(k, "case_code") || !strcmp(k, "ma_vu_viec") || !strcmp(k, "case") ||
             !strcmp(k, "vu_viec"))
        kind = COL_CASE;
    else if (!strcmp(k, "unit") || !strcmp(k, "don_vi") || !strcmp(k, "unit_code"))
        kind = COL_UNIT;
    else if (!strcmp(k, "doc_type") || !strcmp(k, "loai") || !strcmp(k, "loai_van_ban") ||
             !strcmp(k, "type"))
        kind = COL_TYPE;
    free(k);
    return kind;
}

/* English column names operators use, and the key they share with the
 * Vietnamese name of the same archival field. */
static const char *const meta_alias[][2] = {
    {"record_code", "ma_ho_so"},       {"file_code", "ma_ho_so"},
    {"title", "tieu_de"},              {"record_title", "tieu_de"},
    {"retention", "thoi_han_bao_quan"}, {"retention_period", "thoi_han_bao_quan"},
    {"access", "che_do_su_dung"},      {"access_level", "che_do_su_dung"},
    {"language", "ngon_ngu"},
    {"start_date", "ngay_bat_dau"},    {"end_date", "ngay_ket_thuc"},
    {"keywords", "tu_khoa"},
    {"sheets", "so_to"},               {"number_of_sheets", "so_to"},
    {"pages", "so_trang"},             {"number_of_pages", "so_trang"},
    {"condition", "tinh_trang_vat_ly"}, {"physical_condition", "tinh_trang_vat_ly"},
    {"original_code", "ma_ban_goc"},   {"paper_original", "ma_ban_goc"},
    {"notes", "ghi_chu"},              {"note", "ghi_chu"},
};

char *mf_meta_key(const char *column)
{
    char *k = utf8_fold(column ? column : "");
    size_t o = 0;
    for (size_t i = 0; k[i]; i++) {
        unsigned char ch = (unsigned char)k[i];
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (keep)
            k[o++] = (char)ch;
        else if (o > 0 && k[o - 1] != '_')
            k[o++] = '_';
    }
    while (o > 0 && k[o - 1] == '_')
        o--;
    k[o] = '\0';
    for (size_t i = 0; i < sizeof meta_alias / sizeof meta_alias[0]; i++)
        if (strcmp(k, meta_alias[i][0]) == 0) {
            free(k);
            return xstrdup(meta_alias[i][1]);
        }
    return k;
}

static char *norm_path(const char *s)
{
    char *n = utf8_nfc(s);
    str_trim(n);
    for (char *q = n; *q; q++)
        if (*q == '\\')
            *q = '/';
    while (n[0] == '.' && n[1] == '/')
        memmove(n, n + 2, strlen(n + 2) + 1);
    return n;
}

static char *opt_value(const char *s)
{
    char *v = utf8_nfc(s);
    str_trim(v);
    if (!*v) {
        free(v);
        return NULL;
    }
    return v;
}

/* The row's non-empty metadata values as a JSON object, or NULL. */
static char *row_meta(const struct manifest *m, char **f, int n, const int *metaidx)
{
    struct sbuf b = SBUF_INIT;
    struct json j;
    int kept = 0;

    json_init(&j, &b, false);
    json_obj_begin(&j);
    for (int i = 0; i < n && i < 64; i++) {
        char *v;
        if (metaidx[i] < 0 || !(v = opt_value(f[i])))
            continue;
        json_key(&j, m->meta_keys[metaidx[i]]);
        json_str(&j, v);
        free(v);
        kept++;
    }
    json_obj_end(&j);
    if (!kept) {
        sbuf_release(&b);
        return NULL;
    }
    return sbuf_detach(&b);
}

int mf_parse(const char *text, size_t len, struct manifest *m, struct err *e)
{
    const char *p = text, *end = text + len;
    char **hdr = NULL, **f = NULL;
    int nh, n, lines = 0, cap = 0, kinds[64], metaidx[64];
    char sep = ',';

    memset(m, 0, sizeof *m);
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3;
    if (!utf8_valid(p, (size_t)(end - p))) {
        err_set(e, ERR_INPUT, "the manifest is not UTF-8 text");
        err_hint(e, "Save the spreadsheet as \"CSV UTF-8\" and try again.");
        return -1;
    }
    {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        int commas = 0, semis = 0;
        for (const char *q = p; q < le; q++) {
            commas += *q == ',';
            semis += *q == ';';
        }
        if (semis > commas)
            sep = ';';
    }
    nh = csv_record(&p, end, sep, &hdr, &lines);
    if (nh <= 0) {
        err_set(e, ERR_INPUT, "the manifest is empty or its header line is broken");
        err_hint(e, "The first line must name the columns, e.g. file,case_code,unit,doc_type.");
        return -1;
    }
    int filecol = -1;
    for (int i = 0; i < nh && i < 64; i++) {
        kinds[i] = column_kind(hdr[i]);
        metaidx[i] = -1;
        if (kinds[i] == COL_FILE && filecol < 0)
            filecol = i;
        if (kinds[i] != COL_OTHER)
            continue;
        /* A metadata column; a name used twice (or with no letters) gets
         * its column number, so no value is lost. */
        char *key = mf_meta_key(hdr[i]);
        for (int k = 0; k < m->nmeta && key[0]; k++)
            if (strcmp(m->meta_keys[k], key) == 0)
                key[0] = '\0';
        if (!key[0]) {
            free(key);
            key = xmalloc(24);
            snprintf(key, 24, "column_%d", i + 1);
        }
        m->meta_keys = xrealloc(m->meta_keys, (size_t)(m->nmeta + 1) * sizeof *m->meta_keys);
        metaidx[i] = m->nmeta;
        m->meta_keys[m->nmeta++] = key;
    }
    free_fields(hdr, nh);
    if (filecol < 0) {
        mf_release(m);
        err_set(e, ERR_INPUT, "the manifest has no file column");
        err_hint(e, "Name the column holding the file paths \"file\" (or \"path\", \"tệp\").");
        return -1;
    }
    while ((n = csv_record(&p, end, sep, &f, &lines)) != 0) {
        if (n < 0) {
            err_set(e, ERR_INPUT, "manifest line %d: a quoted value is not closed", lines + 1);
            mf_release(m);
            return -1;
        }
        if (n == 1 && f[0][0] == '\0') {   /* blank line */
            free_fields(f, n);
            continue;
        }
        if (filecol >= n || !*str_trim(f[filecol])) {
            err_set(e, ERR_INPUT, "manifest line %d: the file column is empty", lines);
            free_fields(f, n);
            mf_release(m);
            return -1;
        }
        if (m->nrows == cap) {
            cap = cap ? cap * 2 : 64;
            m->rows = xrealloc(m->rows, (size_t)cap * sizeof *m->rows);
        }
        struct mf_row *r = &m->rows[m->nrows++];
        memset(r, 0, sizeof *r);
        r->line = lines;
        r->file = norm_path(f[filecol]);
        for (int i = 0; i < n && i < 64 && i < nh; i++) {
            char **dst = kinds[i] == COL_CASE ? &r->case_code : kinds[i] == COL_UNIT ? &r->unit
                       : kinds[i] == COL_TYPE ? &r->doc_type : NULL;
            if (dst && !*dst)
                *dst = opt_value(f[i]);
        }
        r->meta = row_meta(m, f, n < nh ? n : nh, metaidx);
        free_fields(f, n);
    }
    return 0;
}

int mf_load(const char *path, struct manifest *m, struct err *e)
{
    char *text = NULL;
    size_t len = 0;
    if (fs_read(path, 256u << 20, &text, &len, e) < 0) {
        err_prefix(e, "manifest");
        return -1;
    }
    int rc = mf_parse(text, len, m, e);
    if (rc < 0)
        err_prefix(e, "\"%s\"", path);
    free(text);
    return rc;
}

void mf_release(struct manifest *m)
{
    for (int i = 0; i < m->nrows; i++) {
        free(m->rows[i].file);
        free(m->rows[i].case_code);
        free(m->rows[i].unit);
        free(m->rows[i].doc_type);
        free(m->rows[i].meta);
    }
    free(m->rows);
    for (int i = 0; i < m->nmeta; i++)
        free(m->meta_keys[i]);
    free(m->meta_keys);
    memset(m, 0, sizeof *m);
}

struct mf_row *mf_find(struct manifest *m, const char *relpath)
{
    struct mf_row *hit = NULL;
    int nbase = 0;
    const char *base = fs_base(relpath);

    for (int i = 0; i < m->nrows; i++)
        if (strcmp(m->rows[i].file, relpath) == 0)
            return &m->rows[i];
    /* A row may name the file by its path inside an archive or folder with a
     * different top folder: accept a row whose path is a suffix at a '/' or
     * whose base name is unique. */
    for (int i = 0; i < m->nrows; i++) {
        const char *rf = m->rows[i].file;
        size_t a = strlen(relpath), b = strlen(rf);
        if (b < a && relpath[a - b - 1] == '/' && strcmp(relpath + a - b, rf) == 0)
            return &m->rows[i];
        if (a < b && rf[b - a - 1] == '/' && strcmp(rf + b - a, relpath) == 0)
            return &m->rows[i];
    }
    for (int i = 0; i < m->nrows; i++)
        if (strcmp(fs_base(m->rows[i].file), base) == 0) {
            hit = &m->rows[i];
            nbase++;
        }
    return nbase == 1 ? hit : NULL;
}
