#include "signing/pades.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/cfg.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/str.h"
#include "signing/cms.h"
#include "signing/p11.h"
#include "signing/pdfparse.h"
#include "signing/stamp.h"

#define MAX_PDF_BYTES ((size_t)2 << 30)

void sig_opts_from_cfg(struct sig_opts *o, const struct cfg *c)
{
    memset(o, 0, sizeof *o);
    o->pin_fd = -1;
    o->module = c->sign_module[0] ? c->sign_module : NULL;
    o->key_uri = c->sign_key[0] ? c->sign_key : NULL;
    o->pin_file = c->sign_pin_file[0] ? c->sign_pin_file : NULL;
    o->tsa_url = c->sign_tsa_url[0] ? c->sign_tsa_url : NULL;
    o->chain_pem = c->sign_chain[0] ? c->sign_chain : NULL;
    o->allow_bb = c->sign_allow_bb;
    o->stamp_agency = c->sign_name[0] ? c->sign_name : NULL;
    o->stamp_unit = c->sign_unit[0] ? c->sign_unit : NULL;
    o->stamp_copy_type = c->sign_copy_type[0] ? c->sign_copy_type : NULL;
    o->stamp = c->sign_stamp;
    o->tsa_timeout_s = c->sign_tsa_timeout_s;
    /* sign.crl: comma-separated; o->crl_files points into a static copy */
    static char crlbuf[sizeof c->sign_crl];
    static const char *crls[16];
    snprintf(crlbuf, sizeof crlbuf, "%s", c->sign_crl);
    o->ncrl = 0;
    for (char *save = NULL, *t = strtok_r(crlbuf, ",", &save); t && o->ncrl < 16; t = strtok_r(NULL, ",", &save)) {
        t = str_trim(t);
        if (*t)
            crls[o->ncrl++] = t;
    }
    o->crl_files = o->ncrl ? crls : NULL;
}

/* ------------------------------------------------------------------ helpers */

/* A PDF text string: ASCII as is, anything else UTF-16BE with a BOM. */
static struct sig_obj *text_obj(const char *utf8)
{
    bool ascii = true;
    for (const unsigned char *p = (const unsigned char *)utf8; *p; p++)
        if (*p >= 0x80 || *p < 0x20)
            ascii = false;
    if (ascii)
        return sig_obj_str(utf8, strlen(utf8));
    struct sbuf b = SBUF_INIT;
    sbuf_add(&b, "\xFE\xFF", 2);
    const char *p = utf8;
    while (*p) {
        int cp = utf8_next(&p);
        if (cp < 0) cp = 0xFFFD;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            int hi = 0xD800 + (cp >> 10), lo = 0xDC00 + (cp & 0x3FF);
            char u[4] = {(char)(hi >> 8), (char)hi, (char)(lo >> 8), (char)lo};
            sbuf_add(&b, u, 4);
        } else {
            char u[2] = {(char)(cp >> 8), (char)cp};
            sbuf_add(&b, u, 2);
        }
    }
    struct sig_obj *o = sig_obj_str(b.s, b.len);
    sbuf_release(&b);
    return o;
}

static void cert_cn(X509 *x, char *out, size_t n)
{
    X509_NAME *nm = X509_get_subject_name(x);
    int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
    out[0] = 0;
    if (i >= 0) {
        unsigned char *u = NULL;
        int l = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i)));
        if (l > 0)
            snprintf(out, n, "%.*s", l, (char *)u);
        OPENSSL_free(u);
    }
    if (!out[0])
        X509_NAME_oneline(nm, out, (int)n);
}

static void asn1_time_iso(const ASN1_TIME *t, char *out, size_t n)
{
    struct tm tm;
    if (ASN1_TIME_to_tm(t, &tm))
        strftime(out, n, "%Y-%m-%d", &tm);
    else
        snprintf(out, n, "?");
}

/* Validity and key usage of the signer certificate. */
static int check_cert(X509 *x, const char *token, struct err *e)
{
    char when[32], cn[256];
    cert_cn(x, cn, sizeof cn);
    if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
        asn1_time_iso(X509_get0_notBefore(x), when, sizeof when);
        err_set(e, ERR_TOKEN, "the certificate \"%s\" on token \"%s\" is not valid before %s", cn, token, when);
        err_hint(e, "Check the computer's clock; otherwise wait until the certificate is valid.");
        return -1;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
        asn1_time_iso(X509_get0_notAfter(x), when, sizeof when);
        err_set(e, ERR_TOKEN, "the certificate \"%s\" on token \"%s\" expired on %s", cn, token, when);
        err_hint(e, "Ask the certification authority to renew the officer's certificate, then sign again.");
        return -1;
    }
    if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(x) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
        err_set(e, ERR_TOKEN, "the certificate \"%s\" on token \"%s\" does not allow signatures "
                "(key usage lacks digitalSignature and nonRepudiation)", cn, token);
        err_hint(e, "Use the token's signing certificate (not an encryption or authentication one).");
        return -1;
    }
    return 0;
}

static int load_pem_certs(const char *path, struct sig_der **certs, int *n, struct err *e)
{
    BIO *b = BIO_new_file(path, "r");
    X509 *x;
    if (!b) {
        err_set(e, ERR_USAGE, "could not read the certificate chain \"%s\"", path);
        err_hint(e, "Give a PEM file with the CA certificates (--chain or sign.chain).");
        return -1;
    }
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        unsigned char *d = NULL;
        int l = i2d_X509(x, &d);
        X509_free(x);
        if (l <= 0)
            continue;
        *certs = xrealloc(*certs, (size_t)(*n + 1) * sizeof **certs);
        (*certs)[*n].p = xmalloc((size_t)l);
        memcpy((*certs)[*n].p, d, (size_t)l);
        (*certs)[*n].n = (size_t)l;
        (*n)++;
        OPENSSL_free(d);
    }
    ERR_clear_error();
    BIO_free(b);
    return 0;
}

/* ------------------------------------------------------------------ update writer */

struct upd {
    const unsigned char *orig;
    size_t base;                /* length of the original */
    struct sbuf out;            /* appended bytes */
    int next;                   /* next new object number */
    struct { int num, gen; size_t off; } *ent;
    int nent;
};

static int upd_new(struct upd *u) { return u->next++; }

static void upd_obj_begin(struct upd *u, int num, int gen)
{
    u->ent = xrealloc(u->ent, (size_t)(u->nent + 1) * sizeof *u->ent);
    u->ent[u->nent].num = num;
    u->ent[u->nent].gen = gen;
    u->ent[u->nent].off = u->base + u->out.len;
    u->nent++;
    sbuf_printf(&u->out, "%d %d obj\n", num, gen);
}

static void upd_obj(struct upd *u, int num, int gen, const struct sig_obj *o)
{
    upd_obj_begin(u, num, gen);
    sig_obj_write(&u->out, o);
    sbuf_puts(&u->out, "\nendobj\n");
}

static void upd_stream(struct upd *u, int num, struct sig_obj *dict, const void *data, size_t len)
{
    sig_obj_set(dict, "Length", sig_obj_int((long long)len));
    upd_obj_begin(u, num, 0);
    sig_obj_write(&u->out, dict);
    sbuf_puts(&u->out, "\nstream\n");
    sbuf_add(&u->out, data, len);
    sbuf_puts(&u->out, "\nendstream\nendobj\n");
}

static int cmp_ent(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* The new cross-reference section and trailer. */
static void upd_finish(struct upd *u, const struct sig_pdf *d)
{
    const struct sig_obj *info = sig_obj_get(d->trailer, "Info"), *id = sig_obj_get(d->trailer, "ID");
    struct sig_obj *tr = sig_obj_new(SO_DICT);
    size_t xref_off;

    if (d->xref_stream) {
        int xnum = upd_new(u);
        u->ent = xrealloc(u->ent, (size_t)(u->nent + 1) * sizeof *u->ent);
        u->ent[u->nent].num = xnum;
        u->ent[u->nent].gen = 0;
        u->ent[u->nent].off = u->base + u->out.len;
        u->nent++;
    }
    qsort(u->ent, (size_t)u->nent, sizeof *u->ent, cmp_ent);
    if (d->xref_stream) {
        struct sig_obj *idx = sig_obj_new(SO_ARRAY), *w = sig_obj_new(SO_ARRAY);
        struct sbuf rows = SBUF_INIT;
        int ow = (u->base + u->out.len) > 0xFFFFFFFFu ? 8 : 4;
        for (int k = 0; k < u->nent;) {
            int j = k;
            while (j + 1 < u->nent && u->ent[j + 1].num == u->ent[j].num + 1) j++;
            sig_obj_push(idx, sig_obj_int(u->ent[k].num));
            sig_obj_push(idx, sig_obj_int(j - k + 1));
            for (int m = k; m <= j; m++) {
                unsigned char row[11];
                row[0] = 1;
                for (int b = 0; b < ow; b++)
                    row[1 + b] = (unsigned char)(u->ent[m].off >> (8 * (ow - 1 - b)));
                row[1 + ow] = (unsigned char)(u->ent[m].gen >> 8);
                row[2 + ow] = (unsigned char)u->ent[m].gen;
                sbuf_add(&rows, row, (size_t)(3 + ow));
            }
            k = j + 1;
        }
        sig_obj_push(w, sig_obj_int(1));
        sig_obj_push(w, sig_obj_int(ow));
        sig_obj_push(w, sig_obj_int(2));
        sig_obj_set(tr, "Type", sig_obj_name("XRef"));
        sig_obj_set(tr, "Size", sig_obj_int(u->next));
        sig_obj_set(tr, "Index", idx);
        sig_obj_set(tr, "W", w);
        sig_obj_set(tr, "Root", sig_obj_ref(d->root_num, d->root_gen));
        if (info) sig_obj_set(tr, "Info", sig_obj_clone(info));
        if (id) sig_obj_set(tr, "ID", sig_obj_clone(id));
        sig_obj_set(tr, "Prev", sig_obj_int(d->startxref));
        sig_obj_set(tr, "Length", sig_obj_int((long long)rows.len));
        int xnum = u->next - 1;
        xref_off = u->base + u->out.len;
        sbuf_printf(&u->out, "%d 0 obj\n", xnum);
        sig_obj_write(&u->out, tr);
        sbuf_puts(&u->out, "\nstream\n");
        sbuf_add(&u->out, rows.s, rows.len);
        sbuf_puts(&u->out, "\nendstream\nendobj\n");
        sbuf_release(&rows);
    } else {
        xref_off = u->base + u->out.len;
        sbuf_puts(&u->out, "xref\n0 1\n0000000000 65535 f\r\n");
        for (int k = 0; k < u->nent;) {
            int j = k;
            while (j + 1 < u->nent && u->ent[j + 1].num == u->ent[j].num + 1) j++;
            sbuf_printf(&u->out, "%d %d\n", u->ent[k].num, j - k + 1);
            for (int m = k; m <= j; m++)
                sbuf_printf(&u->out, "%010zu %05d n\r\n", u->ent[m].off, u->ent[m].gen);
            k = j + 1;
        }
        sig_obj_set(tr, "Size", sig_obj_int(u->next));
        sig_obj_set(tr, "Root", sig_obj_ref(d->root_num, d->root_gen));
        if (info) sig_obj_set(tr, "Info", sig_obj_clone(info));
        if (id) sig_obj_set(tr, "ID", sig_obj_clone(id));
        sig_obj_set(tr, "Prev", sig_obj_int(d->startxref));
        sbuf_puts(&u->out, "trailer\n");
        sig_obj_write(&u->out, tr);
        sbuf_puts(&u->out, "\n");
    }
    sbuf_printf(&u->out, "startxref\n%zu\n%%%%EOF\n", xref_off);
    sig_obj_free(tr);
}

static void upd_init(struct upd *u, const unsigned char *buf, size_t len, int next)
{
    memset(u, 0, sizeof *u);
    u->orig = buf;
    u->base = len;
    u->next = next;
    if (len && buf[len - 1] != '\n' && buf[len - 1] != '\r')
        sbuf_putc(&u->out, '\n');
}

static void upd_release(struct upd *u)
{
    sbuf_release(&u->out);
    free(u->ent);
}

static int gen_of(const struct sig_pdf *d, int num)
{
    return (num > 0 && num < d->nx && d->x[num].type == 1) ? d->x[num].gen : 0;
}

/* DocMDP certification of the document: P (1, 2 or 3), or 0 if none. */
static int docmdp_level(struct sig_pdf *d, const struct sig_obj *cat, struct err *e)
{
    struct sig_obj *t1 = NULL, *t2 = NULL;
    const struct sig_obj *perms = sig_pdf_resolve(d, sig_obj_get(cat, "Perms"), &t1, e);
    const struct sig_obj *sig = perms ? sig_pdf_resolve(d, sig_obj_get(perms, "DocMDP"), &t2, e) : NULL;
    int p = 0;
    if (sig && (sig->t == SO_DICT)) {
        p = 2;   /* the default */
        const struct sig_obj *refs = sig_obj_get(sig, "Reference");
        for (int k = 0; refs && refs->t == SO_ARRAY && k < refs->n; k++) {
            struct sig_obj *t3 = NULL;
            const struct sig_obj *r = sig_pdf_resolve(d, refs->items[k], &t3, e);
            const struct sig_obj *tp = sig_obj_get(r, "TransformParams");
            struct sig_obj *t4 = NULL;
            tp = tp ? sig_pdf_resolve(d, tp, &t4, e) : NULL;
            const struct sig_obj *pv = sig_obj_get(tp, "P");
            if (sig_obj_is_name(sig_obj_get(r, "TransformMethod"), "DocMDP") && pv && pv->t == SO_INT)
                p = (int)pv->i;
            sig_obj_free(t3);
            sig_obj_free(t4);
        }
    }
    sig_obj_free(t1);
    sig_obj_free(t2);
    return p;
}

/* Collect field names (top level /T) so that ours is unique. */
static bool field_name_used(struct sig_pdf *d, const struct sig_obj *fields, const char *name)
{
    struct err e2;
    err_init(&e2);
    for (int k = 0; fields && fields->t == SO_ARRAY && k < fields->n && k < 10000; k++) {
        struct sig_obj *t = NULL;
        const struct sig_obj *f = sig_pdf_resolve(d, fields->items[k], &t, &e2);
        const struct sig_obj *nm = sig_obj_get(f, "T");
        bool same = nm && nm->t == SO_STR && nm->slen == strlen(name) && memcmp(nm->s, name, nm->slen) == 0;
        sig_obj_free(t);
        if (same)
            return true;
    }
    return false;
}

struct build {
    /* inputs */
    const unsigned char *buf;
    size_t len;
    struct sig_pdf *d;
    const struct sig_opts *o;
    const char *signer_cn;
    time_t now;
    size_t reserve;             /* bytes of CMS room */
    /* outputs */
    struct upd u;
    size_t contents_at;         /* offset of '<' in the final file */
    size_t byterange_at;        /* offset of "[" of the ByteRange placeholder */
};

/* The page's CropBox (or MediaBox), inherited from the page tree if need be. */
/* The page's /Rotate (inherited), normalised to 0, 90, 180 or 270. */
static int page_rotate(struct sig_pdf *d, const struct sig_obj *page)
{
    struct sig_obj *cur = sig_obj_clone(page);
    struct err e;
    int rot = 0;
    err_init(&e);
    for (int depth = 0; cur && cur->t == SO_DICT && depth < 32; depth++) {
        struct sig_obj *t = NULL;
        const struct sig_obj *r = sig_pdf_resolve(d, sig_obj_get(cur, "Rotate"), &t, &e);
        if (r && r->t == SO_INT) {
            rot = (int)(((r->i % 360) + 360) % 360);
            sig_obj_free(t);
            break;
        }
        sig_obj_free(t);
        const struct sig_obj *par = sig_obj_get(cur, "Parent");
        struct sig_obj *next = par && par->t == SO_REF ? sig_pdf_get(d, (int)par->i, &e) : NULL;
        sig_obj_free(cur);
        cur = next;
    }
    sig_obj_free(cur);
    return rot % 90 ? 0 : rot;
}

static void page_box(struct sig_pdf *d, const struct sig_obj *page, double box[4])
{
    struct sig_obj *cur = sig_obj_clone(page);
    struct err e;
    err_init(&e);
    for (int depth = 0; cur && cur->t == SO_DICT && depth < 32; depth++) {
        const char *keys[2] = {"CropBox", "MediaBox"};
        for (int i = 0; i < 2; i++) {
            struct sig_obj *t = NULL;
            const struct sig_obj *mb = sig_pdf_resolve(d, sig_obj_get(cur, keys[i]), &t, &e);
            bool ok = mb && mb->t == SO_ARRAY && mb->n == 4;
            for (int k = 0; ok && k < 4; k++)
                ok = mb->items[k]->t == SO_INT || mb->items[k]->t == SO_REAL;
            if (ok) {
                double v[4];
                for (int k = 0; k < 4; k++)
                    v[k] = mb->items[k]->t == SO_INT ? (double)mb->items[k]->i : mb->items[k]->r;
                box[0] = v[0] < v[2] ? v[0] : v[2];
                box[2] = v[0] < v[2] ? v[2] : v[0];
                box[1] = v[1] < v[3] ? v[1] : v[3];
                box[3] = v[1] < v[3] ? v[3] : v[1];
                sig_obj_free(t);
                sig_obj_free(cur);
                return;
            }
            sig_obj_free(t);
        }
        const struct sig_obj *par = sig_obj_get(cur, "Parent");
        struct sig_obj *next = par && par->t == SO_REF ? sig_pdf_get(d, (int)par->i, &e) : NULL;
        sig_obj_free(cur);
        cur = next;
    }
    sig_obj_free(cur);
}

#define BR_PLACEHOLDER "[0 0000000000 0000000000 0000000000]"

static int add_stamp(struct build *b, const double box[4], int rot, double rect[4], int *ap_num, struct err *e);

/* Everything but the CMS: new objects, xref, trailer.  0 ok. */
static int build_update(struct build *b, struct err *e)
{
    struct sig_pdf *d = b->d;
    struct sig_obj *cat = NULL, *page = NULL, *acro_obj = NULL, *sigd = NULL, *wid = NULL, *fields_new = NULL;
    struct sig_obj *t1 = NULL;
    int rc = -1, page_num, npages, acro_num = 0;
    bool cat_changed = false;
    char when[64], field[32];
    struct tm tm;
    double rect[4] = {0, 0, 0, 0};

    upd_init(&b->u, b->buf, b->len, d->size);
    if (!(cat = sig_pdf_get(d, d->root_num, e)))
        goto out;
    if (cat->t != SO_DICT) {
        err_set(e, ERR_INPUT, "damaged PDF: the catalog is not a dictionary");
        goto out;
    }
    int pidx = b->o->stamp ? (b->o->stamp_page > 0 ? b->o->stamp_page - 1 : 0) : 0;
    if (sig_pdf_page(d, pidx, &page_num, &npages, e) < 0)
        goto out;
    if (!(page = sig_pdf_get(d, page_num, e)))
        goto out;
    if (page->t != SO_DICT) {
        err_set(e, ERR_INPUT, "damaged PDF: page %d is not a dictionary", pidx + 1);
        goto out;
    }

    /* AcroForm: existing (indirect or direct) or new */
    const struct sig_obj *acro_ref = sig_obj_get(cat, "AcroForm");
    if (acro_ref && acro_ref->t == SO_REF) {
        acro_num = (int)acro_ref->i;
        if (!(acro_obj = sig_pdf_get(d, acro_num, e)))
            goto out;
        if (acro_obj->t != SO_DICT) {
            sig_obj_free(acro_obj);
            acro_obj = sig_obj_new(SO_DICT);
        }
    } else if (acro_ref && acro_ref->t == SO_DICT) {
        acro_obj = sig_obj_clone(acro_ref);
        cat_changed = true;
    } else {
        acro_obj = sig_obj_new(SO_DICT);
        acro_num = upd_new(&b->u);
        sig_obj_set(cat, "AcroForm", sig_obj_ref(acro_num, 0));
        cat_changed = true;
    }
    const struct sig_obj *oldf = sig_pdf_resolve(d, sig_obj_get(acro_obj, "Fields"), &t1, e);
    fields_new = sig_obj_new(SO_ARRAY);
    for (int k = 0; oldf && oldf->t == SO_ARRAY && k < oldf->n; k++)
        sig_obj_push(fields_new, sig_obj_clone(oldf->items[k]));
    for (int k = 1;; k++) {
        snprintf(field, sizeof field, "Signature%d", k);
        if (!field_name_used(d, fields_new, field) || k > 9999)
            break;
    }

    int sig_num = upd_new(&b->u), wid_num = upd_new(&b->u);

    /* the signature dictionary */
    gmtime_r(&b->now, &tm);
    strftime(when, sizeof when, "D:%Y%m%d%H%M%S+00'00'", &tm);
    sigd = sig_obj_new(SO_DICT);
    sig_obj_set(sigd, "Type", sig_obj_name("Sig"));
    sig_obj_set(sigd, "Filter", sig_obj_name("Adobe.PPKLite"));
    sig_obj_set(sigd, "SubFilter", sig_obj_name("ETSI.CAdES.detached"));
    sig_obj_set(sigd, "M", sig_obj_str(when, strlen(when)));
    if (b->signer_cn && b->signer_cn[0])
        sig_obj_set(sigd, "Name", text_obj(b->signer_cn));
    if (b->o->reason && b->o->reason[0])
        sig_obj_set(sigd, "Reason", text_obj(b->o->reason));
    if (b->o->location && b->o->location[0])
        sig_obj_set(sigd, "Location", text_obj(b->o->location));
    upd_obj_begin(&b->u, sig_num, 0);
    sbuf_puts(&b->u.out, "<<");
    {
        /* the dictionary without its closing >>, then ByteRange and Contents */
        struct sbuf tmp = SBUF_INIT;
        sig_obj_write(&tmp, sigd);
        sbuf_add(&b->u.out, tmp.s + 2, tmp.len - 4);
        sbuf_release(&tmp);
    }
    sbuf_puts(&b->u.out, "/ByteRange ");
    b->byterange_at = b->u.base + b->u.out.len;
    sbuf_puts(&b->u.out, BR_PLACEHOLDER);
    sbuf_puts(&b->u.out, "/Contents ");
    b->contents_at = b->u.base + b->u.out.len;
    sbuf_putc(&b->u.out, '<');
    sbuf_grow(&b->u.out, 2 * b->reserve + 64);
    memset(b->u.out.s + b->u.out.len, '0', 2 * b->reserve);
    b->u.out.len += 2 * b->reserve;
    b->u.out.s[b->u.out.len] = 0;
    sbuf_puts(&b->u.out, ">>>\nendobj\n");

    /* the field + widget (one merged dictionary) */
    int ap_num = 0;
    if (b->o->stamp) {
        double box[4] = {0, 0, 595.28, 841.89};   /* A4 if nothing says otherwise */
        page_box(d, page, box);
        if (add_stamp(b, box, page_rotate(d, page), rect, &ap_num, e) < 0)
            goto out;
    }
    wid = sig_obj_new(SO_DICT);
    sig_obj_set(wid, "Type", sig_obj_name("Annot"));
    sig_obj_set(wid, "Subtype", sig_obj_name("Widget"));
    sig_obj_set(wid, "FT", sig_obj_name("Sig"));
    sig_obj_set(wid, "T", sig_obj_str(field, strlen(field)));
    sig_obj_set(wid, "V", sig_obj_ref(sig_num, 0));
    sig_obj_set(wid, "F", sig_obj_int(132));          /* Print | Locked */
    sig_obj_set(wid, "P", sig_obj_ref(page_num, gen_of(d, page_num)));
    struct sig_obj *r = sig_obj_new(SO_ARRAY);
    for (int k = 0; k < 4; k++) {
        struct sig_obj *v = sig_obj_new(SO_REAL);
        v->r = rect[k];
        sig_obj_push(r, v);
    }
    sig_obj_set(wid, "Rect", r);
    if (ap_num) {
        struct sig_obj *ap = sig_obj_new(SO_DICT);
        sig_obj_set(ap, "N", sig_obj_ref(ap_num, 0));
        sig_obj_set(wid, "AP", ap);
    }
    upd_obj(&b->u, wid_num, 0, wid);

    /* the page gets the widget in /Annots (a new direct array) */
    {
        struct sig_obj *t2 = NULL;
        const struct sig_obj *old = sig_pdf_resolve(d, sig_obj_get(page, "Annots"), &t2, e);
        struct sig_obj *annots = sig_obj_new(SO_ARRAY);
        for (int k = 0; old && old->t == SO_ARRAY && k < old->n; k++)
            sig_obj_push(annots, sig_obj_clone(old->items[k]));
        sig_obj_free(t2);
        sig_obj_push(annots, sig_obj_ref(wid_num, 0));
        sig_obj_set(page, "Annots", annots);
        upd_obj(&b->u, page_num, gen_of(d, page_num), page);
    }

    /* the AcroForm */
    sig_obj_push(fields_new, sig_obj_ref(wid_num, 0));
    sig_obj_set(acro_obj, "Fields", fields_new);
    fields_new = NULL;
    sig_obj_set(acro_obj, "SigFlags", sig_obj_int(3));
    if (acro_num)
        upd_obj(&b->u, acro_num, gen_of(d, acro_num), acro_obj);
    else
        sig_obj_set(cat, "AcroForm", sig_obj_clone(acro_obj));
    if (cat_changed)
        upd_obj(&b->u, d->root_num, gen_of(d, d->root_num), cat);
    upd_finish(&b->u, d);
    rc = 0;
out:
    sig_obj_free(cat);
    sig_obj_free(page);
    sig_obj_free(acro_obj);
    sig_obj_free(sigd);
    sig_obj_free(wid);
    sig_obj_free(fields_new);
    sig_obj_free(t1);
    return rc;
}

/* ------------------------------------------------------------------ stamp */

/*
 * The stamp is laid out in the page's displayed orientation (a page with
 * /Rotate 90 shows its user space turned clockwise): rect is computed there
 * (top right as the reader sees it, or --stamp-rect in displayed points from
 * the displayed bottom-left corner), then mapped to user space for /Rect, and
 * the appearance gets a /Matrix that turns its text upright for the reader.
 */
static void display_to_user(const double box[4], int rot, double dx, double dy, double *ux, double *uy)
{
    switch (rot) {
    case 90:  *ux = box[2] - dy; *uy = box[1] + dx; break;
    case 180: *ux = box[2] - dx; *uy = box[3] - dy; break;
    case 270: *ux = box[0] + dy; *uy = box[3] - dx; break;
    default:  *ux = box[0] + dx; *uy = box[1] + dy; break;
    }
}

static int add_stamp(struct build *b, const double box[4], int rot, double rect[4], int *ap_num, struct err *e)
{
    struct sig_stamp st;
    char tline[80], agency[300];
    struct tm tm;
    const char *lines[4];
    int n = 0, rc = -1;
    double w, h;

    localtime_r(&b->now, &tm);
    strftime(tline, sizeof tline, "%Y-%m-%dT%H:%M:%S%z", &tm);
    /* ISO 8601 extended offset: +0700 -> +07:00 */
    size_t tl = strlen(tline);
    if (tl >= 5 && (tline[tl - 5] == '+' || tline[tl - 5] == '-')) {
        memmove(tline + tl - 1, tline + tl - 2, 3);
        tline[tl - 2] = ':';
    }
    snprintf(agency, sizeof agency, "%s", b->o->stamp_agency && b->o->stamp_agency[0] ? b->o->stamp_agency
                                          : (b->signer_cn ? b->signer_cn : ""));
    lines[n++] = b->o->stamp_copy_type && b->o->stamp_copy_type[0] ? b->o->stamp_copy_type : "Bản sao điện tử";
    if (agency[0])
        lines[n++] = agency;
    if (b->o->stamp_unit && b->o->stamp_unit[0])
        lines[n++] = b->o->stamp_unit;
    lines[n++] = tline;
    double dw = box[2] - box[0], dh = box[3] - box[1], dr[4];
    if (rot == 90 || rot == 270) {
        double t = dw;
        dw = dh;
        dh = t;
    }
    if (b->o->stamp_rect_set) {
        memcpy(dr, b->o->stamp_rect, sizeof dr);
    } else {
        /* top right of the displayed page, 14 pt from the edges, as large as the text at 10 pt */
        if (sig_stamp_build(b->o->font_file, lines, n, 10.0, 1e4, 1e4, &st, e) < 0)
            return -1;
        dr[2] = dw - 14;
        dr[3] = dh - 14;
        dr[0] = dr[2] - st.need_w;
        dr[1] = dr[3] - st.need_h;
        sig_stamp_release(&st);
    }
    w = dr[2] - dr[0];
    h = dr[3] - dr[1];
    if (w < 20 || h < 12) {
        err_set(e, ERR_USAGE, "the stamp rectangle %.0f,%.0f,%.0f,%.0f is too small", dr[0], dr[1], dr[2], dr[3]);
        return -1;
    }
    if (b->o->stamp_rect_set && rot == 0) {
        memcpy(rect, dr, sizeof dr);
    } else {
        double ax, ay, bx, by;
        display_to_user(box, rot, dr[0], dr[1], &ax, &ay);
        display_to_user(box, rot, dr[2], dr[3], &bx, &by);
        rect[0] = ax < bx ? ax : bx;
        rect[2] = ax < bx ? bx : ax;
        rect[1] = ay < by ? ay : by;
        rect[3] = ay < by ? by : ay;
    }
    if (sig_stamp_build(b->o->font_file, lines, n, 10.0, w, h, &st, e) < 0)
        return -1;
    int ff = upd_new(&b->u), fd = upd_new(&b->u), cid = upd_new(&b->u), tu = upd_new(&b->u),
        f0 = upd_new(&b->u), ap = upd_new(&b->u);
    struct sig_obj *o = sig_obj_new(SO_DICT);
    sig_obj_set(o, "Length1", sig_obj_int((long long)st.font.len));
    upd_stream(&b->u, ff, o, st.font.s, st.font.len);
    sig_obj_free(o);

    struct sbuf t = SBUF_INIT;
    sbuf_printf(&t, "<</Type/FontDescriptor/FontName/%s/Flags 34/FontBBox[%.0f %.0f %.0f %.0f]/ItalicAngle 0"
                    "/Ascent %.0f/Descent %.0f/CapHeight %.0f/StemV 80/FontFile2 %d 0 R>>",
                st.basefont, st.bbox[0], st.bbox[1], st.bbox[2], st.bbox[3], st.ascent, st.descent,
                st.capheight, ff);
    if (!(o = sig_obj_parse((unsigned char *)t.s, t.len, e)))
        goto out;
    upd_obj(&b->u, fd, 0, o);
    sig_obj_free(o);
    sbuf_reset(&t);
    sbuf_printf(&t, "<</Type/Font/Subtype/CIDFontType2/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)"
                    "/Supplement 0>>/FontDescriptor %d 0 R/DW 500/W %s/CIDToGIDMap/Identity>>",
                st.basefont, fd, st.widths.s);
    if (!(o = sig_obj_parse((unsigned char *)t.s, t.len, e)))
        goto out;
    upd_obj(&b->u, cid, 0, o);
    sig_obj_free(o);
    o = sig_obj_new(SO_DICT);
    upd_stream(&b->u, tu, o, st.tounicode.s, st.tounicode.len);
    sig_obj_free(o);
    sbuf_reset(&t);
    sbuf_printf(&t, "<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H/DescendantFonts[%d 0 R]"
                    "/ToUnicode %d 0 R>>", st.basefont, cid, tu);
    if (!(o = sig_obj_parse((unsigned char *)t.s, t.len, e)))
        goto out;
    upd_obj(&b->u, f0, 0, o);
    sig_obj_free(o);
    sbuf_reset(&t);
    static const char *const mtx[4] = {"1 0 0 1", "0 1 -1 0", "-1 0 0 -1", "0 -1 1 0"};
    sbuf_printf(&t, "<</Type/XObject/Subtype/Form/BBox[0 0 %.2f %.2f]/Matrix[%s 0 0]/Resources<</Font<</F1 %d 0 R>>>>>>",
                w, h, mtx[rot / 90], f0);
    if (!(o = sig_obj_parse((unsigned char *)t.s, t.len, e)))
        goto out;
    upd_stream(&b->u, ap, o, st.content.s, st.content.len);
    sig_obj_free(o);
    *ap_num = ap;
    rc = 0;
out:
    sbuf_release(&t);
    sig_stamp_release(&st);
    return rc;
}

/* ------------------------------------------------------------------ DSS (B-LT) */

static int read_crl_der(const char *path, struct sig_der *out, struct err *e)
{
    char *data = NULL;
    size_t len = 0;
    if (fs_read(path, 64u << 20, &data, &len, e) < 0)
        return -1;
    const unsigned char *p = (const unsigned char *)data;
    X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
    if (!c) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
        BIO_free(b);
    }
    free(data);
    if (!c) {
        err_set(e, ERR_USAGE, "\"%s\" is not a CRL (DER or PEM)", path);
        return -1;
    }
    unsigned char *d = NULL;
    int l = i2d_X509_CRL(c, &d);
    X509_CRL_free(c);
    if (l <= 0) {
        err_set(e, ERR_USAGE, "\"%s\" is not a usable CRL", path);
        return -1;
    }
    out->p = xmalloc((size_t)l);
    memcpy(out->p, d, (size_t)l);
    out->n = (size_t)l;
    OPENSSL_free(d);
    return 0;
}

/* Append a /DSS revision with certs and CRLs; buf and len grow.  0 ok. */
static int add_dss(unsigned char **buf, size_t *len, const struct sig_der *certs, int ncerts,
                   const struct sig_der *crls, int ncrls, struct err *e)
{
    struct sig_pdf d;
    struct upd u;
    struct sig_obj *cat = NULL;
    int rc = -1;

    if (sig_pdf_open(&d, *buf, *len, e) < 0)
        return -1;
    upd_init(&u, *buf, *len, d.size);
    if (!(cat = sig_pdf_get(&d, d.root_num, e)) || cat->t != SO_DICT)
        goto out;
    struct sig_obj *ca = sig_obj_new(SO_ARRAY), *cr = sig_obj_new(SO_ARRAY), *dss = sig_obj_new(SO_DICT);
    for (int k = 0; k < ncerts; k++) {
        int num = upd_new(&u);
        struct sig_obj *s = sig_obj_new(SO_DICT);
        upd_stream(&u, num, s, certs[k].p, certs[k].n);
        sig_obj_free(s);
        sig_obj_push(ca, sig_obj_ref(num, 0));
    }
    for (int k = 0; k < ncrls; k++) {
        int num = upd_new(&u);
        struct sig_obj *s = sig_obj_new(SO_DICT);
        upd_stream(&u, num, s, crls[k].p, crls[k].n);
        sig_obj_free(s);
        sig_obj_push(cr, sig_obj_ref(num, 0));
    }
    int dnum = upd_new(&u);
    sig_obj_set(dss, "Type", sig_obj_name("DSS"));
    sig_obj_set(dss, "Certs", ca);
    sig_obj_set(dss, "CRLs", cr);
    upd_obj(&u, dnum, 0, dss);
    sig_obj_free(dss);
    sig_obj_set(cat, "DSS", sig_obj_ref(dnum, 0));
    upd_obj(&u, d.root_num, gen_of(&d, d.root_num), cat);
    upd_finish(&u, &d);
    *buf = xrealloc(*buf, *len + u.out.len);
    memcpy(*buf + *len, u.out.s, u.out.len);
    *len += u.out.len;
    rc = 0;
out:
    if (rc < 0 && !err_is_set(e))
        err_set(e, ERR_INPUT, "damaged PDF: no catalog after signing");
    sig_obj_free(cat);
    upd_release(&u);
    sig_pdf_close(&d);
    return rc;
}

/* Certificates inside an RFC 3161 token (for the DSS). */
static void tst_certs(const unsigned char *tok, size_t n, struct sig_der **certs, int *ncerts)
{
    const unsigned char *p = tok;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)n);
    if (!p7 || !PKCS7_type_is_signed(p7)) {
        PKCS7_free(p7);
        return;
    }
    STACK_OF(X509) *sk = p7->d.sign->cert;
    for (int k = 0; sk && k < sk_X509_num(sk); k++) {
        unsigned char *d = NULL;
        int l = i2d_X509(sk_X509_value(sk, k), &d);
        bool dup = false;
        for (int j = 0; j < *ncerts && l > 0; j++)
            if ((*certs)[j].n == (size_t)l && memcmp((*certs)[j].p, d, (size_t)l) == 0)
                dup = true;
        if (l > 0 && !dup) {
            *certs = xrealloc(*certs, (size_t)(*ncerts + 1) * sizeof **certs);
            (*certs)[*ncerts].p = xmalloc((size_t)l);
            memcpy((*certs)[*ncerts].p, d, (size_t)l);
            (*certs)[*ncerts].n = (size_t)l;
            (*ncerts)++;
        }
        OPENSSL_free(d);
    }
    PKCS7_free(p7);
}

/* ------------------------------------------------------------------ sign */

static int self_check(X509 *x, const struct sbuf *attrs, const unsigned char *sig, size_t siglen, struct err *e)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = pk && c && EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, pk) == 1 &&
             EVP_DigestVerify(c, sig, siglen, (const unsigned char *)attrs->s, attrs->len) == 1;
    EVP_MD_CTX_free(c);
    if (!ok) {
        err_set(e, ERR_TOKEN, "the token's signature does not match its certificate");
        err_hint(e, "The key URI selects a key whose certificate is another one; check id= in the URI.");
        return -1;
    }
    return 0;
}

int sig_sign_file(const char *in_path, const char *out_path, const struct sig_opts *o,
                  struct sig_result *r, struct err *e)
{
    char *data = NULL, *pin = NULL;
    size_t len = 0, pinlen = 0;
    struct sig_pdf d;
    bool d_open = false;
    struct p11 *tok = NULL;
    X509 *x = NULL;
    struct sig_der *certs = NULL, *crls = NULL;
    int ncerts = 0, ncrls = 0, rc = -1;
    struct build b;
    struct sbuf attrs = SBUF_INIT, cms = SBUF_INIT;
    unsigned char *sig = NULL, *tst = NULL, *final = NULL;
    size_t siglen = 0, tstlen = 0, flen = 0;
    char cn[256];

    memset(r, 0, sizeof *r);
    memset(&b, 0, sizeof b);
    if (!o->module || !o->module[0]) {
        err_set(e, ERR_USAGE, "no PKCS#11 module given");
        err_hint(e, "Give --pkcs11-module /path/to/module.so or set sign.module in ancong.conf.");
        return -1;
    }
    if (!o->key_uri || !o->key_uri[0]) {
        err_set(e, ERR_USAGE, "no signing key given");
        err_hint(e, "Give --key 'pkcs11:token=...;object=...' or set sign.key in ancong.conf.");
        return -1;
    }
    if (fs_read(in_path, MAX_PDF_BYTES, &data, &len, e) < 0)
        return -1;
    if (sig_pdf_open(&d, (unsigned char *)data, len, e) < 0) {
        err_prefix(e, "\"%s\"", in_path);
        goto out;
    }
    d_open = true;
    if (d.encrypted) {
        err_set(e, ERR_INPUT, "\"%s\" is encrypted; ancong does not sign encrypted PDFs", in_path);
        err_hint(e, "Ask for an unencrypted copy of the document and sign that.");
        goto out;
    }
    {
        struct sig_obj *cat = sig_pdf_get(&d, d.root_num, e);
        if (!cat)
            goto out;
        int p = docmdp_level(&d, cat, e);
        sig_obj_free(cat);
        if (p == 1) {
            err_set(e, ERR_INPUT, "\"%s\" is certified with no changes allowed (DocMDP P=1); "
                    "another signature would break its certification", in_path);
            err_hint(e, "Sign the document before it is certified, or ask its author for an uncertified copy.");
            goto out;
        }
    }
    /* a damaged file must fail here, before the token is touched */
    {
        int pn, np;
        int pidx = o->stamp ? (o->stamp_page > 0 ? o->stamp_page - 1 : 0) : 0;
        if (sig_pdf_page(&d, pidx, &pn, &np, e) < 0) {
            err_prefix(e, "\"%s\"", in_path);
            goto out;
        }
    }

    /* token, certificate checks (before the PIN is used) */
    if (!(tok = p11_open(o->module, o->key_uri, e)))
        goto out;
    size_t certlen;
    const unsigned char *certder = p11_cert(tok, &certlen), *cp = certder;
    if (!(x = d2i_X509(NULL, &cp, (long)certlen))) {
        err_set(e, ERR_TOKEN, "the certificate on token \"%s\" cannot be parsed", p11_token_label(tok));
        goto out;
    }
    if (check_cert(x, p11_token_label(tok), e) < 0)
        goto out;
    cert_cn(x, cn, sizeof cn);
    certs = xcalloc(1, sizeof *certs);
    certs[0].p = xmalloc(certlen);
    memcpy(certs[0].p, certder, certlen);
    certs[0].n = certlen;
    ncerts = 1;
    if (o->chain_pem && o->chain_pem[0] && load_pem_certs(o->chain_pem, &certs, &ncerts, e) < 0)
        goto out;
    for (int k = 1; k < ncerts; k++)   /* do not embed the signer twice */
        if (certs[k].n == certlen && memcmp(certs[k].p, certder, certlen) == 0) {
            free(certs[k].p);
            certs[k] = certs[--ncerts];
            k--;
        }
    for (int k = 0; k < o->ncrl; k++) {
        crls = xrealloc(crls, (size_t)(ncrls + 1) * sizeof *crls);
        if (read_crl_der(o->crl_files[k], &crls[ncrls], e) < 0)
            goto out;
        ncrls++;
    }

    /* a CRL we were given that lists the signer: refuse before the PIN is used */
    for (int k = 0; k < ncrls; k++) {
        const unsigned char *q = crls[k].p;
        X509_CRL *crl = d2i_X509_CRL(NULL, &q, (long)crls[k].n);
        X509_REVOKED *rev = NULL;
        bool revoked = crl && X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(x)) == 0 &&
                       X509_CRL_get0_by_cert(crl, &rev, x) == 1;
        X509_CRL_free(crl);
        if (revoked) {
            err_set(e, ERR_TOKEN, "the certificate \"%s\" on token \"%s\" is revoked (listed in \"%s\")", cn,
                    p11_token_label(tok), o->crl_files[k]);
            err_hint(e, "Ask the certification authority for a new certificate for the officer's token.");
            goto out;
        }
    }
    if (sig_pin_read(o->pin_file, o->pin_fd, &pin, &pinlen, e) < 0)
        goto out;
    int lr = p11_login(tok, pin, pinlen, e);
    sig_pin_free(&pin, pinlen);
    if (lr < 0)
        goto out;

    /* build, sign; a second round only if the CMS outgrew the reserved room */
    size_t reserve = 8192 + (o->tsa_url && o->tsa_url[0] ? 12288 : 0);
    for (int k = 0; k < ncerts; k++)
        reserve += certs[k].n;
    b.buf = (unsigned char *)data;
    b.len = len;
    b.d = &d;
    b.o = o;
    b.signer_cn = cn;
    b.now = time(NULL);
    for (int round = 0; round < 2; round++) {
        unsigned char md[32], amd[32];
        b.reserve = reserve;
        upd_release(&b.u);
        if (build_update(&b, e) < 0)
            goto out;
        flen = len + b.u.out.len;
        free(final);
        final = xmalloc(flen);
        memcpy(final, data, len);
        memcpy(final + len, b.u.out.s, b.u.out.len);
        size_t br1 = b.contents_at, br2 = b.contents_at + 2 * reserve + 2, br3 = flen - br2;
        char brs[sizeof BR_PLACEHOLDER];
        int bl = snprintf(brs, sizeof brs, "[0 %zu %zu %zu", br1, br2, br3);
        memset(brs + bl, ' ', sizeof BR_PLACEHOLDER - 2 - (size_t)bl);
        brs[sizeof BR_PLACEHOLDER - 2] = ']';
        memcpy(final + b.byterange_at, brs, sizeof BR_PLACEHOLDER - 1);
        EVP_MD_CTX *mc = EVP_MD_CTX_new();
        EVP_DigestInit_ex(mc, EVP_sha256(), NULL);
        EVP_DigestUpdate(mc, final, br1);
        EVP_DigestUpdate(mc, final + br2, br3);
        EVP_DigestFinal_ex(mc, md, NULL);
        EVP_MD_CTX_free(mc);
        if (sig_cms_signed_attrs(md, certs[0].p, certs[0].n, &attrs, e) < 0)
            goto out;
        EVP_Digest(attrs.s, attrs.len, amd, NULL, EVP_sha256(), NULL);
        free(sig);
        sig = NULL;
        if (p11_sign_digest(tok, amd, &sig, &siglen, e) < 0)
            goto out;
        if (self_check(x, &attrs, sig, siglen, e) < 0)
            goto out;
        free(tst);
        tst = NULL;
        tstlen = 0;
        if (o->tsa_url && o->tsa_url[0]) {
            struct err te;
            err_init(&te);
            if (sig_tsa_stamp(o->tsa_url, sig, siglen, o->tsa_timeout_s > 0 ? o->tsa_timeout_s : 15,
                              &tst, &tstlen, &te) < 0) {
                if (!o->allow_bb) {
                    *e = te;
                    if (!e->hint[0])
                        err_hint(e, "Fix the TSA (sign.tsa_url), or allow B-B signatures with --allow-bb / sign.allow_bb.");
                    goto out;
                }
                r->tsa_failed = true;
                err_text(&te, r->tsa_error, sizeof r->tsa_error);
                log_warn("stage=sign msg=\"time-stamp failed, signing at B-B as allowed\" error=\"%s\"", te.msg);
            }
        }
        if (sig_cms_assemble(certs, ncerts, &attrs, p11_key_type(tok) == P11_EC, sig, siglen, tst, tstlen,
                             &cms, e) < 0)
            goto out;
        if (cms.len <= reserve) {
            static const char hx[] = "0123456789ABCDEF";
            for (size_t k = 0; k < cms.len; k++) {
                final[br1 + 1 + 2 * k] = (unsigned char)hx[(unsigned char)cms.s[k] >> 4];
                final[br1 + 2 + 2 * k] = (unsigned char)hx[(unsigned char)cms.s[k] & 15];
            }
            break;
        }
        if (round == 1) {
            err_set(e, ERR_INTERNAL, "the signature (%zu bytes) does not fit the room reserved for it", cms.len);
            goto out;
        }
        reserve = cms.len + 4096;
    }
    snprintf(r->level, sizeof r->level, "%s", tst ? "B-T" : "B-B");
    if (tst && ncrls > 0) {
        tst_certs(tst, tstlen, &certs, &ncerts);
        if (add_dss(&final, &flen, certs, ncerts, crls, ncrls, e) < 0)
            goto out;
        snprintf(r->level, sizeof r->level, "B-LT");
    }
    if (fs_write_atomic(out_path, final, flen, 0644, e) < 0)
        goto out;
    snprintf(r->signer_cn, sizeof r->signer_cn, "%s", cn);
    hash_buf(certs[0].p, certs[0].n, r->cert_sha256);
    hash_buf(final, flen, r->out_sha256);
    {
        struct tm tm;
        gmtime_r(&b.now, &tm);
        strftime(r->signing_time, sizeof r->signing_time, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    log_info("stage=sign out=%s level=%s signer=\"%s\" sha256=%.12s", fs_base(out_path), r->level, cn, r->out_sha256);
    rc = 0;
out:
    sig_pin_free(&pin, pinlen);
    p11_close(&tok);
    X509_free(x);
    for (int k = 0; k < ncerts; k++)
        free(certs[k].p);
    free(certs);
    for (int k = 0; k < ncrls; k++)
        free(crls[k].p);
    free(crls);
    sbuf_release(&attrs);
    sbuf_release(&cms);
    upd_release(&b.u);
    free(sig);
    free(tst);
    free(final);
    if (d_open)
        sig_pdf_close(&d);
    free(data);
    return rc;
}
