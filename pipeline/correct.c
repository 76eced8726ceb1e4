/*
 * pipeline/correct.c: Vietnamese-aware post-correction of OCR words.
 *
 * Tesseract's "vie" model often gets the letters of a syllable right and
 * its tone mark or vowel hat wrong ("kiếm sát" for "kiểm sát", "dần sự"
 * for "dân sự", "Ð" for "Đ").  Such a misreading keeps the folded key (the
 * letters without diacritics) and is rare, while the same word in the same
 * context is read correctly elsewhere in the document.  So, for each word,
 * the diacritic forms seen with the same folded neighbours are counted
 * across the document, with a small prior from fixed phrases of procuracy
 * documents, and a word is changed to the form that clearly dominates.
 *
 * Nothing is invented: a word only changes to a form with the same letters
 * that the document itself (or the phrase list) supports, and only when the
 * OCR engine was not sure of it or the evidence is overwhelming.
 */
#include "pipeline/pipeline.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "pipeline/pipe_int.h"

/*
 * Common phrases of these documents, as folded bigram -> correct form.
 * Strong ones admit no other reading in any context; weak ones usually
 * mean this but not always ("bảo vệ việc" is not "về việc").
 */
static const char *const lexicon_strong[][2] = {
    {"kiem sat", "kiểm sát"}, {"nhan dan", "nhân dân"}, {"dan su", "dân sự"},
    {"cong ich", "công ích"}, {"vu viec", "vụ việc"}, {"xac minh", "xác minh"},
    {"kiem tra", "kiểm tra"}, {"thong tin", "thông tin"}, {"tiep nhan", "tiếp nhận"},
    {"khoi kien", "khởi kiện"}, {"di san", "di sản"}, {"van hoa", "văn hóa"},
    {"co phan", "cổ phần"}, {"thuc pham", "thực phẩm"}, {"tieu dung", "tiêu dùng"},
    {"dia chi", "địa chỉ"}, {"cu tru", "cư trú"}, {"quyet dinh", "quyết định"},
    {"kien nghi", "kiến nghị"}, {"bien ban", "biên bản"}, {"thong bao", "thông báo"},
    {"de xuat", "đề xuất"}, {"tai lieu", "tài liệu"}, {"cung cap", "cung cấp"},
    {"uy ban", "ủy ban"}, {"toa an", "tòa án"}, {"khu vuc", "khu vực"},
    {"thanh pho", "thành phố"}, {"loi ich", "lợi ích"}, {"moi truong", "môi trường"},
    {"dat dai", "đất đai"}, {"cao tuoi", "cao tuổi"}, {"phap luat", "pháp luật"},
    {"kinh gui", "kính gửi"}, {"noi nhan", "nơi nhận"}, {"vien truong", "viện trưởng"},
    {"giam doc", "giám đốc"}, {"chu tich", "chủ tịch"}, {"tham phan", "thẩm phán"},
    {"doc lap", "độc lập"}, {"hanh phuc", "hạnh phúc"}, {"cong hoa", "cộng hòa"},
    {"chu nghia", "chủ nghĩa"}, {"viet nam", "việt nam"}, {"thu ly", "thụ lý"},
    {"so tham", "sơ thẩm"}, {"tranh chap", "tranh chấp"}, {"phan cong", "phân công"},
    {"ket thuc", "kết thúc"}, {"xem xet", "xem xét"}, {"giai quyet", "giải quyết"},
    {"ket qua", "kết quả"}, {"the thao", "thể thao"},
};
static const char *const lexicon_weak[][2] = {
    {"sat nhan", "sát nhân"}, {"su cong", "sự công"}, {"ve viec", "về việc"},
    {"an toan", "an toàn"}, {"tai san", "tài sản"}, {"nguoi tieu", "người tiêu"},
    {"pho vien", "phó viện"}, {"xa hoi", "xã hội"}, {"dan toc", "dân tộc"},
    {"to chuc", "tổ chức"}, {"quyen loi", "quyền lợi"}, {"bao cao", "báo cáo"},
    {"huong giai", "hướng giải"},
};
bool pipe_lex_pair(const char *a, const char *b)
{
    char key[96];
    if (snprintf(key, sizeof key, "%s %s", a, b) >= (int)sizeof key)
        return false;
    for (size_t i = 0; i < sizeof lexicon_strong / sizeof lexicon_strong[0]; i++)
        if (strcmp(key, lexicon_strong[i][0]) == 0)
            return true;
    for (size_t i = 0; i < sizeof lexicon_weak / sizeof lexicon_weak[0]; i++)
        if (strcmp(key, lexicon_weak[i][0]) == 0)
            return true;
    return false;
}

/* Strong phrases outweigh a misreading the engine repeats all over a page. */
#define LEX_STRONG 20
#define LEX_WEAK 3

struct wref {
    int page, word;
    char *core_low;        /* lower-case core (no surrounding punctuation), NFC */
    char *key;             /* folded core */
    int pre, post;         /* byte lengths of leading / trailing punctuation */
};

struct form {
    char *low;             /* lower-case form of the word in that bigram */
    int n;
};

struct slot {
    char *ctx;             /* "L<left> <word>" or "R<word> <right>" (folded), or NULL */
    struct form *f;
    int nf;
};

/* Open-addressing hash table: context -> forms seen with their counts. */
struct table {
    struct slot *s;
    size_t cap, used;
};

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static struct slot *tab_find(struct table *t, const char *ctx, bool create)
{
    if (create && (t->used + 1) * 2 > t->cap) {
        struct table n = {xcalloc(t->cap ? t->cap * 2 : 1024, sizeof(struct slot)),
                          t->cap ? t->cap * 2 : 1024, 0};
        for (size_t i = 0; i < t->cap; i++)
            if (t->s[i].ctx) {
                size_t h = hash_str(t->s[i].ctx) & (n.cap - 1);
                while (n.s[h].ctx) h = (h + 1) & (n.cap - 1);
                n.s[h] = t->s[i];
                n.used++;
            }
        free(t->s);
        *t = n;
    }
    if (!t->cap)
        return NULL;
    size_t h = hash_str(ctx) & (t->cap - 1);
    while (t->s[h].ctx) {
        if (strcmp(t->s[h].ctx, ctx) == 0)
            return &t->s[h];
        h = (h + 1) & (t->cap - 1);
    }
    if (!create)
        return NULL;
    t->s[h].ctx = xstrdup(ctx);
    t->used++;
    return &t->s[h];
}

static void tab_add(struct table *t, const char *ctx, const char *low, int w)
{
    struct slot *s = tab_find(t, ctx, true);
    for (int i = 0; i < s->nf; i++)
        if (strcmp(s->f[i].low, low) == 0) {
            s->f[i].n += w;
            return;
        }
    s->f = xrealloc(s->f, (size_t)(s->nf + 1) * sizeof *s->f);
    s->f[s->nf].low = xstrdup(low);
    s->f[s->nf].n = w;
    s->nf++;
}

static int slot_count(const struct slot *s, const char *low)
{
    for (int i = 0; s && i < s->nf; i++)
        if (strcmp(s->f[i].low, low) == 0)
            return s->f[i].n;
    return 0;
}

static char *lower_dup(const char *s)
{
    char *n = utf8_nfc(s);
    char *l = text_lower(n);
    free(n);
    return l;
}

/* Split a word into leading punctuation, core, trailing punctuation. */
static void core_of(const char *w, int *pre, int *post)
{
    char *f = fold_str(w);
    int n = (int)strlen(f), a = 0, e = n;
    while (a < e && !isalnum((unsigned char)f[a]) && f[a] != '#') a++;
    while (e > a && !isalnum((unsigned char)f[e - 1]) && f[e - 1] != '#') e--;
    /* to bytes */
    const char *p = w;
    for (int i = 0; i < a; i++) utf8_next(&p);
    *pre = (int)(p - w);
    const char *q = p;
    for (int i = a; i < e; i++) utf8_next(&q);
    *post = (int)strlen(w) - (int)(q - w);
    free(f);
}

static bool has_diacritic_letters(const char *key)
{
    for (const char *p = key; *p; p++)
        if (!isalpha((unsigned char)*p))
            return false;
    return *key != '\0';
}

/* Apply the case pattern of `orig` to the lower-case `low`. */
static char *recase(const char *orig, const char *low)
{
    if (text_is_upper(orig))
        return utf8_upper(low);
    const char *p = orig;
    int cp = utf8_next(&p);
    struct sbuf one = SBUF_INIT;
    utf8_put(&one, cp);
    char *u = utf8_upper(sbuf_cstr(&one));
    char *f = fold_str(sbuf_cstr(&one));
    bool cap = strcmp(u, sbuf_cstr(&one)) == 0 && isalpha((unsigned char)f[0]);
    free(u);
    free(f);
    sbuf_release(&one);
    if (!cap)
        return xstrdup(low);
    const char *q = low;
    int c0 = utf8_next(&q);
    struct sbuf a = SBUF_INIT, b = SBUF_INIT;
    utf8_put(&a, c0);
    char *U = utf8_upper(sbuf_cstr(&a));
    sbuf_puts(&b, U);
    sbuf_puts(&b, q);
    free(U);
    sbuf_release(&a);
    return sbuf_detach(&b);
}

static char *fix_eth_word(const char *s, bool *changed)
{
    struct sbuf b = SBUF_INIT;
    for (const char *p = s; *p;) {
        int cp = utf8_next(&p);
        if (cp < 0) continue;
        if (cp == 0x00D0) { cp = 0x0110; *changed = true; }
        else if (cp == 0x00F0) { cp = 0x0111; *changed = true; }
        utf8_put(&b, cp);
    }
    return sbuf_detach(&b);
}

/*
 * The engine sometimes prints one vowel twice with two tone marks
 * ("KIẾỂM"): a Vietnamese syllable carries one tone mark, so two adjacent
 * accented letters with the same base vowel are one letter.  Collapse them
 * in the folded key, so the word meets its context and the phrase list.
 */
static void collapse_doubled(const char *word, char *key)
{
    int n = (int)strlen(key);
    bool *acc = xcalloc((size_t)n + 1, sizeof(bool));
    int i = 0;
    for (const char *p = word; *p && i < n; i++) {
        int cp = utf8_next(&p);
        acc[i] = cp >= 0x80;
    }
    int o = 0;
    for (int k = 0; k < n; k++) {
        if (k > 0 && key[k] == key[k - 1] && acc[k] && acc[k - 1] && strchr("aeiouy", key[k]))
            continue;
        key[o++] = key[k];
    }
    key[o] = '\0';
    free(acc);
}

/* "Phan", not "PHAN" or "phan": capitalised, not all upper case. */
static bool title_case(const char *low, const char *text)
{
    return *low && !text_is_upper(text) && strncmp(low, text, strlen(low)) != 0;
}

static bool surname(const char *key)
{
    static const char *const fam[] = {
        "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui",
        "do", "ho", "ngo", "duong", "ly", "cao", "to", "la", "mai", "ha", "thai", "luu",
        "chau", "quach", "trinh", "dinh", "lam", "kieu", "doan", "ta", "tong", "luong",
        "lai", "khuc", "giang", "au", "van", "ton", "thach", "tieu", "diep", "dam", NULL};
    for (int i = 0; fam[i]; i++)
        if (strcmp(key, fam[i]) == 0)
            return true;
    return false;
}

int pipe_correct(struct ocr_doc *doc)
{
    int nw = 0, changed = 0;
    for (int p = 0; p < doc->npages; p++)
        nw += doc->pages[p].nwords;
    if (nw == 0)
        return 0;
    struct wref *w = xcalloc((size_t)nw, sizeof *w);
    int k = 0;
    for (int p = 0; p < doc->npages; p++) {
        struct ocr_page *pg = &doc->pages[p];
        bool page_changed = false;
        for (int i = 0; i < pg->nwords; i++) {
            bool ch = false;
            char *fx = fix_eth_word(pg->words[i].text ? pg->words[i].text : "", &ch);
            if (ch) {
                free(pg->words[i].text);
                pg->words[i].text = fx;
                page_changed = true;
                changed++;
            } else {
                free(fx);
            }
            struct wref *r = &w[k++];
            r->page = p;
            r->word = i;
            const char *t = pg->words[i].text ? pg->words[i].text : "";
            core_of(t, &r->pre, &r->post);
            char *core = xstrndup(t + r->pre, strlen(t) - (size_t)r->pre - (size_t)r->post);
            r->core_low = lower_dup(core);
            r->key = fold_str(core);
            collapse_doubled(core, r->key);
            free(core);
        }
        /* lines without words (text-only input) */
        bool lines_changed = false;
        for (int l = 0; l < pg->nlines; l++) {
            if (pg->lines[l].nwords > 0 || !pg->lines[l].text)
                continue;
            bool ch = false;
            char *fx = fix_eth_word(pg->lines[l].text, &ch);
            if (ch) {
                free(pg->lines[l].text);
                pg->lines[l].text = fx;
                lines_changed = true;
                changed++;
            } else {
                free(fx);
            }
        }
        if (lines_changed && pg->nwords == 0) {
            struct sbuf t = SBUF_INIT;
            for (int l = 0; l < pg->nlines; l++) {
                if (l) sbuf_putc(&t, '\n');
                sbuf_puts(&t, pg->lines[l].text ? pg->lines[l].text : "");
            }
            free(pg->text);
            pg->text = sbuf_detach(&t);
        } else if (page_changed) {
            ocr_page_rebuild_text(pg);
        }
    }
    /* neighbours: within the same line only */
    struct table tab = {NULL, 0, 0};
    char ctx[256];
    for (int i = 0; i < nw; i++) {
        if (!has_diacritic_letters(w[i].key))
            continue;
        const struct ocr_page *pg = &doc->pages[w[i].page];
        int line = pg->words[w[i].word].line;
        if (i > 0 && w[i - 1].page == w[i].page && pg->words[w[i - 1].word].line == line &&
            has_diacritic_letters(w[i - 1].key)) {
            snprintf(ctx, sizeof ctx, "L%s %s", w[i - 1].key, w[i].key);
            tab_add(&tab, ctx, w[i].core_low, 1);
        }
        if (i + 1 < nw && w[i + 1].page == w[i].page && pg->words[w[i + 1].word].line == line &&
            has_diacritic_letters(w[i + 1].key)) {
            snprintf(ctx, sizeof ctx, "R%s %s", w[i].key, w[i + 1].key);
            tab_add(&tab, ctx, w[i].core_low, 1);
        }
    }
    /* the phrase lists as prior counts */
    for (int strong = 0; strong < 2; strong++) {
        size_t nl = strong ? sizeof lexicon_strong / sizeof lexicon_strong[0]
                           : sizeof lexicon_weak / sizeof lexicon_weak[0];
        for (size_t l = 0; l < nl; l++) {
            const char *key = strong ? lexicon_strong[l][0] : lexicon_weak[l][0];
            const char *val = strong ? lexicon_strong[l][1] : lexicon_weak[l][1];
            const char *sp = strchr(val, ' ');
            char *first = xstrndup(val, (size_t)(sp - val));
            snprintf(ctx, sizeof ctx, "R%s", key);
            tab_add(&tab, ctx, first, strong ? LEX_STRONG : LEX_WEAK);
            snprintf(ctx, sizeof ctx, "L%s", key);
            tab_add(&tab, ctx, sp + 1, strong ? LEX_STRONG : LEX_WEAK);
            free(first);
        }
    }
    /* decide */
    for (int i = 0; i < nw; i++) {
        if (!has_diacritic_letters(w[i].key))
            continue;
        struct ocr_page *pg = &doc->pages[w[i].page];
        struct ocr_word *wd = &pg->words[w[i].word];
        int line = wd->line;
        char lctx[256] = "", rctx[256] = "";
        if (i > 0 && w[i - 1].page == w[i].page && pg->words[w[i - 1].word].line == line)
            snprintf(lctx, sizeof lctx, "L%s %s", w[i - 1].key, w[i].key);
        if (i + 1 < nw && w[i + 1].page == w[i].page && pg->words[w[i + 1].word].line == line)
            snprintf(rctx, sizeof rctx, "R%s %s", w[i].key, w[i + 1].key);
        /* sum the counts of each form over both contexts */
        struct slot *sl = lctx[0] ? tab_find(&tab, lctx, false) : NULL;
        struct slot *sr = rctx[0] ? tab_find(&tab, rctx, false) : NULL;
        const char *best = NULL;
        int bestn = 0, mine = slot_count(sl, w[i].core_low) + slot_count(sr, w[i].core_low);
        for (int side = 0; side < 2; side++) {
            struct slot *s = side ? sr : sl;
            for (int f = 0; s && f < s->nf; f++) {
                const char *low = s->f[f].low;
                if (strcmp(low, w[i].core_low) == 0)
                    continue;
                int tot = slot_count(sl, low) + slot_count(sr, low);
                if (tot > bestn) {
                    bestn = tot;
                    best = low;
                }
            }
        }
        if (!best)
            continue;
        /* A capitalised family name before a capitalised word is a name
         * ("Phan Công Luân", "Tô Văn Chính"): the phrase list ("phân công",
         * "tổ chức") says nothing about names. */
        if (sr && surname(w[i].key) && title_case(w[i].core_low, wd->text + w[i].pre) &&
            title_case(w[i + 1].core_low, pg->words[w[i + 1].word].text + w[i + 1].pre))
            continue;
        /* the word itself counted once in each context it has */
        mine -= (sl != NULL) + (sr != NULL);
        if (mine < 0) mine = 0;
        /* a clear majority; an engine that was sure needs a larger one */
        bool sure = wd->conf >= 0.93f;
        if (sure ? (bestn < 4 || bestn <= 3 * mine) : (bestn < 3 || bestn <= 2 * mine))
            continue;
        const char *t = wd->text;
        char *core = xstrndup(t + w[i].pre, strlen(t) - (size_t)w[i].pre - (size_t)w[i].post);
        char *nc = recase(core, best);
        struct sbuf b = SBUF_INIT;
        sbuf_add(&b, t, (size_t)w[i].pre);
        sbuf_puts(&b, nc);
        sbuf_puts(&b, t + strlen(t) - w[i].post);
        free(core);
        free(nc);
        free(wd->text);
        wd->text = sbuf_detach(&b);
        changed++;
        /* keep the table as it was: decisions do not feed each other */
        ocr_page_rebuild_text(pg);
    }
    for (size_t i = 0; i < tab.cap; i++) {
        if (!tab.s[i].ctx) continue;
        for (int f = 0; f < tab.s[i].nf; f++)
            free(tab.s[i].f[f].low);
        free(tab.s[i].f);
        free(tab.s[i].ctx);
    }
    free(tab.s);
    for (int i = 0; i < nw; i++) {
        free(w[i].core_low);
        free(w[i].key);
    }
    free(w);
    return changed;
}
