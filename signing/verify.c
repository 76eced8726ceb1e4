/*
 * signing/verify.c: check every signature of a PDF (sig_verify_file in
 * pades.h).
 *
 * For each signature field's value: the /ByteRange covers the whole file but
 * exactly the /Contents hex string and ends at a revision end; the CMS
 * verifies over those bytes (message digest and signature value); the
 * digest is SHA-256 or stronger; PAdES baseline rules (SubFilter
 * ETSI.CAdES.detached, signing-certificate-v2 matching the signer, no
 * signing-time) decide whether a level B-x is given; a signature time-stamp
 * must cover the signature value and verify; with --ca the signer's (and the
 * TSA's) chain must verify at the time-stamp's time.  Revisions after the
 * signed one may only add signatures, fields, widgets and DSS data; anything
 * else is "changed after signing" and makes the signature not valid.
 */
#include "signing/pades.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/fs.h"
#include "common/str.h"
#include "signing/pdfparse.h"

#define MAX_PDF_BYTES ((size_t)2 << 30)

static void problem(struct sig_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct sig_check *c, const char *fmt, ...)
{
    c->valid = false;
    c->nproblems++;
    /* every reason, "; " between them, as far as they fit */
    size_t used = strlen(c->problem);
    if (used && used + 3 < sizeof c->problem) {
        memcpy(c->problem + used, "; ", 3);
        used += 2;
    }
    if (used + 1 >= sizeof c->problem)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->problem + used, sizeof c->problem - used, fmt, ap);
    va_end(ap);
}

static const char *ossl_reason(void)
{
    static __thread char b[200];
    unsigned long e = ERR_peek_last_error();
    if (!e)
        return "no detail";
    ERR_error_string_n(e, b, sizeof b);
    ERR_clear_error();
    return b;
}

/* ------------------------------------------------------------------ fields */

static void collect_sigs(struct sig_pdf *d, const struct sig_obj *fields, int depth, bool parent_sig,
                         int *nums, char (*names)[128], int *n, int max)
{
    struct err e;
    err_init(&e);
    for (int k = 0; fields && fields->t == SO_ARRAY && k < fields->n && *n < max; k++) {
        struct sig_obj *t = NULL;
        const struct sig_obj *f = sig_pdf_resolve(d, fields->items[k], &t, &e);
        if (f && f->t == SO_DICT) {
            const struct sig_obj *ft = sig_obj_get(f, "FT"), *v = sig_obj_get(f, "V"), *kids = sig_obj_get(f, "Kids");
            bool is_sig = ft ? sig_obj_is_name(ft, "Sig") : parent_sig;
            if (is_sig && v && v->t == SO_REF) {
                bool dup = false;
                for (int j = 0; j < *n; j++)
                    if (nums[j] == (int)v->i) dup = true;
                if (!dup) {
                    const struct sig_obj *nm = sig_obj_get(f, "T");
                    names[*n][0] = 0;
                    if (nm && nm->t == SO_STR)
                        snprintf(names[*n], 128, "%.*s", (int)(nm->slen < 120 ? nm->slen : 120), nm->s);
                    nums[(*n)++] = (int)v->i;
                }
            }
            if (kids && depth < 16) {
                struct sig_obj *t2 = NULL;
                const struct sig_obj *ka = sig_pdf_resolve(d, kids, &t2, &e);
                collect_sigs(d, ka, depth + 1, is_sig, nums, names, n, max);
                sig_obj_free(t2);
            }
        }
        sig_obj_free(t);
    }
}

/* ------------------------------------------------------------------ changes */

static bool same_obj(struct sig_pdf *a, const struct sig_obj *x, struct sig_pdf *b, const struct sig_obj *y)
{
    struct sbuf s1 = SBUF_INIT, s2 = SBUF_INIT;
    sig_obj_write(&s1, x);
    sig_obj_write(&s2, y);
    bool same = s1.len == s2.len && memcmp(s1.s, s2.s, s1.len) == 0;
    if (same && x->t == SO_STREAM)
        same = y->t == SO_STREAM && x->data_len == y->data_len &&
               memcmp(a->buf + x->data_off, b->buf + y->data_off, x->data_len) == 0;
    sbuf_release(&s1);
    sbuf_release(&s2);
    return same;
}

static bool key_allowed(const char *key, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (!strcmp(key, *allowed))
            return true;
    return false;
}

/* Is every item of old in new (arrays that only grew)? */
static bool grew(const struct sig_obj *o, const struct sig_obj *n)
{
    if (!o || !n || o->t != SO_ARRAY || n->t != SO_ARRAY || n->n < o->n)
        return false;
    for (int k = 0; k < o->n; k++) {
        struct sbuf a = SBUF_INIT, b = SBUF_INIT;
        sig_obj_write(&a, o->items[k]);
        sig_obj_write(&b, n->items[k]);
        bool eq = a.len == b.len && !memcmp(a.s, b.s, a.len);
        sbuf_release(&a);
        sbuf_release(&b);
        if (!eq)
            return false;
    }
    return true;
}

/* Annotations added to a page must be signature widgets. */
static bool only_sig_widgets_added(struct sig_pdf *d, const struct sig_obj *oldv, const struct sig_obj *newv)
{
    struct err e;
    struct sig_obj *t1 = NULL, *t2 = NULL;
    err_init(&e);
    const struct sig_obj *o = sig_pdf_resolve(d, oldv, &t1, &e), *n = sig_pdf_resolve(d, newv, &t2, &e);
    bool ok = n && n->t == SO_ARRAY;
    for (int k = 0; ok && k < n->n; k++) {
        bool was = false;
        for (int j = 0; o && o->t == SO_ARRAY && j < o->n; j++)
            if (n->items[k]->t == SO_REF && o->items[j]->t == SO_REF && n->items[k]->i == o->items[j]->i)
                was = true;
        if (was)
            continue;
        struct sig_obj *t3 = NULL;
        const struct sig_obj *a = sig_pdf_resolve(d, n->items[k], &t3, &e);
        const struct sig_obj *ft = sig_obj_get(a, "FT");
        if (!ft && sig_obj_get(a, "Parent")) {
            struct sig_obj *t4 = NULL;
            const struct sig_obj *p = sig_pdf_resolve(d, sig_obj_get(a, "Parent"), &t4, &e);
            ok = sig_obj_is_name(sig_obj_get(p, "FT"), "Sig");
            sig_obj_free(t4);
        } else {
            ok = sig_obj_is_name(ft, "Sig");
        }
        ok = ok && sig_obj_is_name(sig_obj_get(a, "Subtype"), "Widget");
        sig_obj_free(t3);
    }
    sig_obj_free(t1);
    sig_obj_free(t2);
    return ok;
}

/* Compare revision [0,end) with the whole file; describe disallowed changes. */
static int changes_after(struct sig_pdf *fin, size_t end, char *out, size_t outn)
{
    static const char *const cat_keys[] = {"AcroForm", "DSS", "Extensions", "Perms", NULL};
    static const char *const page_keys[] = {"Annots", NULL};
    static const char *const acro_keys[] = {"Fields", "SigFlags", "DR", "DA", "NeedAppearances", NULL};
    static const char *const sig_keys[] = {"V", "AP", "AS", "F", "Lock", "SV", "Kids", "MK", "DA", NULL};
    struct sig_pdf old;
    struct err e;
    int bad = 0;
    struct sbuf msg = SBUF_INIT;

    err_init(&e);
    out[0] = 0;
    if (sig_pdf_open(&old, fin->buf, end, &e) < 0) {
        snprintf(out, outn, "the signed revision cannot be read (%s)", e.msg);
        return 1;
    }
    /* the document information dictionary (/Info: producer, dates) is metadata that
     * signing tools update; it is not shown on any page */
    const struct sig_obj *info = sig_obj_get(old.trailer, "Info");
    int info_num = info && info->t == SO_REF ? (int)info->i : -1;
    for (int num = 1; num < old.nx; num++) {
        if (old.x[num].type == 0 || num == info_num)
            continue;
        if (num < fin->nx && fin->x[num].type == old.x[num].type && fin->x[num].off == old.x[num].off &&
            fin->x[num].gen == old.x[num].gen)
            continue;
        struct err e1, e2;
        err_init(&e1);
        err_init(&e2);
        struct sig_obj *o = sig_pdf_get(&old, num, &e1), *n = sig_pdf_get(fin, num, &e2);
        const char *what = NULL;
        char whatbuf[160];
        if (!o) {
            /* unreadable in the signed revision: nothing a viewer showed changed */
        } else if (!n || n->t == SO_NULL) {
            if (o->t != SO_NULL)
                what = "deleted";
        } else if (!same_obj(&old, o, fin, n)) {
            const char *const *allowed = NULL;
            const char *kind = "object";
            if (o->t == SO_DICT && n->t == SO_DICT) {
                if (sig_obj_is_name(sig_obj_get(o, "Type"), "Catalog")) { allowed = cat_keys; kind = "catalog"; }
                else if (sig_obj_is_name(sig_obj_get(o, "Type"), "Page")) { allowed = page_keys; kind = "page"; }
                else if (sig_obj_is_name(sig_obj_get(o, "FT"), "Sig")) { allowed = sig_keys; kind = "signature field"; }
                else if (sig_obj_is_name(sig_obj_get(o, "Type"), "DSS")) { allowed = NULL; kind = "DSS"; }
                else if (sig_obj_get(o, "Fields") && !sig_obj_get(o, "FT")) { allowed = acro_keys; kind = "form"; }
            }
            if (!strcmp(kind, "DSS")) {
                /* revocation data may be replaced */
            } else if (o->t == SO_ARRAY && grew(o, n)) {
                /* an /Annots or /Fields array that only grew */
            } else if ((o->t == SO_STREAM && (sig_obj_is_name(sig_obj_get(o, "Type"), "XRef") ||
                                              sig_obj_is_name(sig_obj_get(o, "Type"), "ObjStm")))) {
                /* cross-reference machinery */
            } else if (o->t == SO_STREAM && n->t == SO_STREAM && sig_obj_is_name(sig_obj_get(o, "Type"), "Metadata") &&
                       sig_obj_is_name(sig_obj_get(n, "Type"), "Metadata")) {
                /* XMP metadata (producer, dates), like /Info: not shown on any page */
            } else if (!allowed) {
                what = o->t == SO_STREAM ? "stream changed" : "changed";
            } else {
                /* which keys differ? */
                for (int pass = 0; pass < 2 && !what; pass++) {
                    const struct sig_obj *a = pass ? n : o, *b = pass ? o : n;
                    for (int k = 0; k < a->n && !what; k++) {
                        const struct sig_obj *bv = sig_obj_get(b, a->keys[k]);
                        struct sbuf s1 = SBUF_INIT, s2 = SBUF_INIT;
                        sig_obj_write(&s1, a->items[k]);
                        if (bv) sig_obj_write(&s2, bv);
                        bool eq = bv && s1.len == s2.len && !memcmp(s1.s, s2.s, s1.len);
                        sbuf_release(&s1);
                        sbuf_release(&s2);
                        if (eq)
                            continue;
                        if (!key_allowed(a->keys[k], allowed)) {
                            snprintf(whatbuf, sizeof whatbuf, "%s /%s changed", kind, a->keys[k]);
                            what = whatbuf;
                        } else if (allowed == page_keys &&
                                   !only_sig_widgets_added(fin, sig_obj_get(o, "Annots"), sig_obj_get(n, "Annots"))) {
                            snprintf(whatbuf, sizeof whatbuf, "page: annotations other than signatures added");
                            what = whatbuf;
                        }
                    }
                }
            }
        }
        if (what) {
            if (bad < 4)
                sbuf_printf(&msg, "%sobject %d %s", bad ? "; " : "", num, what);
            bad++;
        }
        sig_obj_free(o);
        sig_obj_free(n);
    }
    if (bad > 4)
        sbuf_printf(&msg, "; %d more", bad - 4);
    snprintf(out, outn, "%s", sbuf_cstr(&msg));
    sbuf_release(&msg);
    sig_pdf_close(&old);
    return bad;
}

/* ------------------------------------------------------------------ CMS */

static void gtime_iso(const ASN1_GENERALIZEDTIME *t, char *out, size_t n)
{
    struct tm tm;
    if (t && ASN1_TIME_to_tm(t, &tm))
        strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(out, n, "?");
}

static bool gtime_tm(const ASN1_GENERALIZEDTIME *t, time_t *out)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return false;
    *out = timegm(&tm);
    return true;
}

static void pdf_date_iso(const struct sig_obj *m, char *out, size_t n)
{
    out[0] = 0;
    if (!m || m->t != SO_STR)
        return;
    const char *s = m->s;
    if (!strncmp(s, "D:", 2)) s += 2;
    int Y = 0, M = 1, D = 1, h = 0, mi = 0, se = 0;
    if (sscanf(s, "%4d%2d%2d%2d%2d%2d", &Y, &M, &D, &h, &mi, &se) < 1) {
        snprintf(out, n, "%.30s", m->s);
        return;
    }
    const char *tz = s + 14 <= m->s + m->slen ? s + 14 : "";
    char z[8] = "";
    if (*tz == 'Z' || !*tz) snprintf(z, sizeof z, "Z");
    else if ((*tz == '+' || *tz == '-') && strlen(tz) >= 3) {
        int th = 0, tm = 0;
        sscanf(tz + 1, "%2d'%2d", &th, &tm);
        snprintf(z, sizeof z, "%c%02d:%02d", *tz, th, tm);
    }
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%s", Y, M, D, h, mi, se, z);
}

/* A CRL in crls issued by leaf's issuer (so the leaf's revocation can be checked)? */
static bool have_crl_for(X509 *leaf, STACK_OF(X509_CRL) *crls)
{
    for (int k = 0; crls && k < sk_X509_CRL_num(crls); k++)
        if (X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(crls, k)), X509_get_issuer_name(leaf)) == 0)
            return true;
    return false;
}

/* Chain of leaf to a root in store (purpose any) at `when`; with a CRL from the
 * DSS for the leaf's issuer, the leaf's revocation is checked too (*rev_checked). */
static bool chain_ok(X509 *leaf, STACK_OF(X509) *untrusted, X509_STORE *store, bool at_time, time_t when,
                     STACK_OF(X509_CRL) *crls, bool *rev_checked, char *why, size_t whyn)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    bool ok = false;
    if (ctx && X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
        if (at_time)
            X509_STORE_CTX_set_time(ctx, 0, when);
        if (have_crl_for(leaf, crls)) {
            X509_STORE_CTX_set0_crls(ctx, crls);
            X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_CRL_CHECK);
            if (rev_checked)
                *rev_checked = true;
        }
        ok = X509_verify_cert(ctx) == 1;
        if (!ok)
            snprintf(why, whyn, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

static void check_cms(struct sig_check *c, const unsigned char *der, size_t derlen, const unsigned char *signed1,
                      size_t n1, const unsigned char *signed2, size_t n2, X509_STORE *store,
                      STACK_OF(X509_CRL) *crls, bool *has_tst)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)derlen);
    X509_STORE *empty = X509_STORE_new();
    BIO *content = NULL;
    unsigned char *joined = NULL;
    CMS_ContentInfo *tcms = NULL;
    PKCS7 *tp7 = NULL;
    TS_TST_INFO *ti = NULL;
    time_t ts_time = 0;
    bool have_ts_time = false, tsa_chain_bad = false;

    *has_tst = false;
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        problem(c, "/Contents is not a CMS SignedData");
        goto out;
    }
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    if (!sis || sk_CMS_SignerInfo_num(sis) != 1) {
        problem(c, "the CMS has %d signers (one expected)", sis ? sk_CMS_SignerInfo_num(sis) : 0);
        goto out;
    }
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
    joined = xmalloc(n1 + n2 + 1);
    memcpy(joined, signed1, n1);
    memcpy(joined + n1, signed2, n2);
    content = BIO_new_mem_buf(joined, (int)(n1 + n2));
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    if (CMS_verify(cms, NULL, empty, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        const char *why = ossl_reason();
        if (strstr(why, "digest failure"))
            problem(c, "the signed bytes were changed (message digest does not match)");
        else
            problem(c, "the signature does not verify (%s)", why);
        sk_X509_pop_free(certs, X509_free);
        goto out;
    }
    X509 *signer = NULL;
    X509_ALGOR *dig = NULL, *sigalg = NULL;
    EVP_PKEY *pk = NULL;
    CMS_SignerInfo_get0_algs(si, &pk, &signer, &dig, &sigalg);
    if (signer) {
        X509_NAME *nm = X509_get_subject_name(signer);
        int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
        unsigned char *u = NULL;
        int l = i >= 0 ? ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i))) : -1;
        if (l > 0) snprintf(c->signer, sizeof c->signer, "%.*s", l, u);
        else X509_NAME_oneline(nm, c->signer, sizeof c->signer);
        OPENSSL_free(u);
    }
    int dn = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
    snprintf(c->digest, sizeof c->digest, "%s", dn == NID_undef ? "?" : OBJ_nid2sn(dn));
    for (char *q = c->digest; *q; q++) *q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
    if (dn != NID_sha256 && dn != NID_sha384 && dn != NID_sha512 && dn != NID_sha3_256 &&
        dn != NID_sha3_384 && dn != NID_sha3_512)
    {
        c->weak_digest = true;
        problem(c, "the digest %s is weaker than SHA-256", c->digest);
    }
    /* PAdES baseline attributes */
    bool baseline = !strcmp(c->subfilter, "ETSI.CAdES.detached");
    if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0)
        baseline = false;
    int ai = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
    if (ai < 0) {
        baseline = false;
    } else if (signer) {
        X509_ATTRIBUTE *at = CMS_signed_get_attr(si, ai);
        ASN1_TYPE *ty = X509_ATTRIBUTE_get0_type(at, 0);
        unsigned char *sd = NULL;
        int sl = i2d_X509(signer, &sd);
        /* The cert hash is an OCTET STRING of the ESSCertIDv2: SHA-256 by
         * default, else the hashAlgorithm it names (older signers: SHA-1). */
        const EVP_MD *mds[4] = {EVP_sha256(), EVP_sha1(), EVP_sha384(), EVP_sha512()};
        bool match = false;
        for (int m = 0; m < 4 && !match && sl > 0; m++) {
            unsigned char cd[EVP_MAX_MD_SIZE];
            unsigned int cdl = 0;
            if (EVP_Digest(sd, (size_t)sl, cd, &cdl, mds[m], NULL) != 1 || cdl > 127)
                continue;
            if (ty && ty->type == V_ASN1_SEQUENCE) {
                const unsigned char *q = ty->value.sequence->data;
                int ql = ty->value.sequence->length;
                for (int k = 0; k + 2 + (int)cdl <= ql; k++)
                    if (q[k] == 0x04 && q[k + 1] == cdl && !memcmp(q + k + 2, cd, cdl)) {
                        match = true;
                        break;
                    }
            }
        }
        OPENSSL_free(sd);
        if (!match)
            problem(c, "signing-certificate-v2 does not name the signer certificate");
    }
    /* signature time-stamp */
    int ti_idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
    if (ti_idx >= 0) {
        *has_tst = true;
        X509_ATTRIBUTE *at = CMS_unsigned_get_attr(si, ti_idx);
        ASN1_TYPE *ty = X509_ATTRIBUTE_get0_type(at, 0);
        if (!ty || ty->type != V_ASN1_SEQUENCE) {
            problem(c, "the signature time-stamp is malformed");
            goto done_ts;
        }
        const unsigned char *q = ty->value.sequence->data;
        long ql = ty->value.sequence->length;
        const unsigned char *q2 = q;
        tp7 = d2i_PKCS7(NULL, &q, ql);
        tcms = d2i_CMS_ContentInfo(NULL, &q2, ql);
        ti = tp7 ? PKCS7_to_TS_TST_INFO(tp7) : NULL;
        if (!ti || !tcms) {
            problem(c, "the signature time-stamp cannot be read");
            goto done_ts;
        }
        TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(ti);
        X509_ALGOR *ha = TS_MSG_IMPRINT_get_algo(mi);
        const EVP_MD *md = EVP_get_digestbyobj(ha->algorithm);
        ASN1_OCTET_STRING *sv = CMS_SignerInfo_get0_signature(si);
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned hl = 0;
        ASN1_OCTET_STRING *im = TS_MSG_IMPRINT_get_msg(mi);
        if (!md || !EVP_Digest(ASN1_STRING_get0_data(sv), (size_t)ASN1_STRING_length(sv), h, &hl, md, NULL) ||
            (int)hl != ASN1_STRING_length(im) || memcmp(h, ASN1_STRING_get0_data(im), hl) != 0) {
            problem(c, "the signature time-stamp does not cover this signature");
            goto done_ts;
        }
        if (CMS_verify(tcms, NULL, empty, NULL, NULL, CMS_NO_SIGNER_CERT_VERIFY) != 1) {
            problem(c, "the signature time-stamp's own signature does not verify (%s)", ossl_reason());
            goto done_ts;
        }
        gtime_iso(TS_TST_INFO_get_time(ti), c->time, sizeof c->time);
        have_ts_time = gtime_tm(TS_TST_INFO_get_time(ti), &ts_time);
        if (store) {
            STACK_OF(CMS_SignerInfo) *tsis = CMS_get0_SignerInfos(tcms);
            STACK_OF(X509) *tcerts = CMS_get1_certs(tcms);
            X509 *tsa = NULL;
            for (int k = 0; tcerts && k < sk_X509_num(tcerts) && !tsa; k++)
                if (tsis && sk_CMS_SignerInfo_num(tsis) > 0 &&
                    CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(tsis, 0), sk_X509_value(tcerts, k)) == 0)
                    tsa = sk_X509_value(tcerts, k);
            char why[160] = "TSA certificate not in the token";
            if (!tsa || !chain_ok(tsa, tcerts, store, have_ts_time, ts_time, crls, NULL, why, sizeof why)) {
                tsa_chain_bad = true;
                problem(c, "the time-stamp authority's certificate does not verify against --ca (%s)", why);
            }
            sk_X509_pop_free(tcerts, X509_free);
        }
    }
done_ts:
    if (store) {
        char why[160] = "no signer certificate in the CMS";
        bool signer_ok = signer && chain_ok(signer, certs, store, have_ts_time, ts_time, crls,
                                            &c->revocation_checked, why, sizeof why);
        c->chain_checked = true;
        c->chain_ok = signer_ok && !tsa_chain_bad;
        if (!signer_ok)
            problem(c, "the signer's certificate does not verify against --ca (%s)", why);
    }
    sk_X509_pop_free(certs, X509_free);
    snprintf(c->level, sizeof c->level, "%s", baseline ? (*has_tst && c->time[0] ? "B-T" : "B-B") : "CMS");
out:
    CMS_ContentInfo_free(cms);
    CMS_ContentInfo_free(tcms);
    PKCS7_free(tp7);
    TS_TST_INFO_free(ti);
    X509_STORE_free(empty);
    BIO_free(content);
    free(joined);
    ERR_clear_error();
}

/* Document time-stamp (SubFilter ETSI.RFC3161): the token's imprint covers the bytes. */
static void check_doc_ts(struct sig_check *c, const unsigned char *der, size_t derlen, const unsigned char *s1,
                         size_t n1, const unsigned char *s2, size_t n2, X509_STORE *store)
{
    const unsigned char *p = der, *p2 = der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)derlen);
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p2, (long)derlen);
    TS_TST_INFO *ti = p7 ? PKCS7_to_TS_TST_INFO(p7) : NULL;
    X509_STORE *empty = X509_STORE_new();
    snprintf(c->level, sizeof c->level, "-");
    snprintf(c->signer, sizeof c->signer, "time-stamping authority");
    if (!ti || !cms) {
        problem(c, "the document time-stamp cannot be read");
        goto out;
    }
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(ti);
    const EVP_MD *md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(mi)->algorithm);
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    if (md && EVP_DigestInit_ex(mc, md, NULL)) {
        EVP_DigestUpdate(mc, s1, n1);
        EVP_DigestUpdate(mc, s2, n2);
        EVP_DigestFinal_ex(mc, h, &hl);
        snprintf(c->digest, sizeof c->digest, "%s", EVP_MD_get0_name(md));
    }
    EVP_MD_CTX_free(mc);
    ASN1_OCTET_STRING *im = TS_MSG_IMPRINT_get_msg(mi);
    if (!md || (int)hl != ASN1_STRING_length(im) || memcmp(h, ASN1_STRING_get0_data(im), hl) != 0) {
        problem(c, "the signed bytes were changed (time-stamp imprint does not match)");
        goto out;
    }
    if (CMS_verify(cms, NULL, empty, NULL, NULL, CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        problem(c, "the document time-stamp's signature does not verify (%s)", ossl_reason());
        goto out;
    }
    gtime_iso(TS_TST_INFO_get_time(ti), c->time, sizeof c->time);
    if (store) {
        STACK_OF(X509) *certs = CMS_get1_certs(cms);
        STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
        X509 *tsa = NULL;
        for (int k = 0; certs && k < sk_X509_num(certs) && !tsa; k++)
            if (sis && sk_CMS_SignerInfo_num(sis) > 0 &&
                CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0), sk_X509_value(certs, k)) == 0)
                tsa = sk_X509_value(certs, k);
        char why[160] = "TSA certificate not in the token";
        c->chain_checked = true;
        c->chain_ok = tsa && chain_ok(tsa, certs, store, false, 0, NULL, NULL, why, sizeof why);
        if (!c->chain_ok)
            problem(c, "the time-stamp authority's certificate does not verify against --ca (%s)", why);
        sk_X509_pop_free(certs, X509_free);
    }
out:
    PKCS7_free(p7);
    CMS_ContentInfo_free(cms);
    TS_TST_INFO_free(ti);
    X509_STORE_free(empty);
    ERR_clear_error();
}

static bool at_revision_end(const unsigned char *buf, size_t end)
{
    size_t k = end;
    while (k > 0 && (buf[k - 1] == '\n' || buf[k - 1] == '\r' || buf[k - 1] == ' ')) k--;
    return k >= 5 && !memcmp(buf + k - 5, "%%EOF", 5) && end - k <= 2;
}

/* ------------------------------------------------------------------ main */

int sig_verify_file(const char *path, const char *ca_pem, struct sig_check **out, int *nout, struct err *e)
{
    char *data = NULL;
    size_t len = 0;
    struct sig_pdf d;
    X509_STORE *store = NULL;
    struct sig_obj *cat = NULL;
    int nums[256], n = 0, rc = -1;
    char names[256][128];
    struct sig_check *res = NULL;
    STACK_OF(X509_CRL) *dss_crls = NULL;

    *out = NULL;
    *nout = 0;
    if (ca_pem && ca_pem[0]) {
        store = X509_STORE_new();
        if (!X509_STORE_load_file(store, ca_pem)) {
            X509_STORE_free(store);
            ERR_clear_error();
            err_set(e, ERR_USAGE, "could not read CA certificates from \"%s\"", ca_pem);
            err_hint(e, "Give a PEM file with the trusted root (and intermediate) certificates.");
            return -1;
        }
    }
    if (fs_read(path, MAX_PDF_BYTES, &data, &len, e) < 0)
        goto out0;
    if (sig_pdf_open(&d, (unsigned char *)data, len, e) < 0) {
        err_prefix(e, "\"%s\"", path);
        goto out0;
    }
    const unsigned char *buf = (unsigned char *)data;
    if (!(cat = sig_pdf_get(&d, d.root_num, e)))
        goto out;
    {
        struct sig_obj *t1 = NULL, *t2 = NULL;
        const struct sig_obj *acro = sig_pdf_resolve(&d, sig_obj_get(cat, "AcroForm"), &t1, e);
        const struct sig_obj *fields = acro ? sig_pdf_resolve(&d, sig_obj_get(acro, "Fields"), &t2, e) : NULL;
        collect_sigs(&d, fields, 0, false, nums, names, &n, 256);
        sig_obj_free(t1);
        sig_obj_free(t2);
    }
    /* DSS: where is it, and does it hold revocation data? */
    size_t dss_off = 0;
    bool dss_rev = false;
    dss_crls = sk_X509_CRL_new_null();
    {
        const struct sig_obj *dr = sig_obj_get(cat, "DSS");
        struct sig_obj *t = NULL;
        const struct sig_obj *dss = sig_pdf_resolve(&d, dr, &t, e);
        if (dss && dss->t == SO_DICT) {
            const struct sig_obj *cs = sig_obj_get(dss, "Certs"), *cr = sig_obj_get(dss, "CRLs"), *oc = sig_obj_get(dss, "OCSPs");
            dss_rev = cs && cs->t == SO_ARRAY && cs->n > 0 &&
                      ((cr && cr->t == SO_ARRAY && cr->n > 0) || (oc && oc->t == SO_ARRAY && oc->n > 0));
            if (dr->t == SO_REF && dr->i < d.nx && d.x[dr->i].type == 1)
                dss_off = (size_t)d.x[dr->i].off;
            for (int k = 0; cr && cr->t == SO_ARRAY && k < cr->n && k < 64; k++) {
                struct sig_obj *st = NULL;
                const struct sig_obj *so = sig_pdf_resolve(&d, cr->items[k], &st, e);
                unsigned char *crl = NULL;
                size_t cl = 0;
                if (so && so->t == SO_STREAM && sig_pdf_stream(&d, so, 64u << 20, &crl, &cl, e) == 0) {
                    const unsigned char *q = crl;
                    X509_CRL *x = d2i_X509_CRL(NULL, &q, (long)cl);
                    if (x)
                        sk_X509_CRL_push(dss_crls, x);
                }
                free(crl);
                sig_obj_free(st);
            }
            err_init(e);
            ERR_clear_error();
        }
        sig_obj_free(t);
    }
    res = xcalloc((size_t)(n ? n : 1), sizeof *res);
    for (int k = 0; k < n; k++) {
        struct sig_check *c = &res[k];
        struct err e2;
        err_init(&e2);
        c->valid = true;
        c->field_obj = nums[k];
        snprintf(c->field_name, sizeof c->field_name, "%s", names[k]);
        snprintf(c->level, sizeof c->level, "-");
        struct sig_obj *sd = sig_pdf_get(&d, nums[k], &e2);
        if (!sd || sd->t != SO_DICT) {
            problem(c, "the signature dictionary (object %d) cannot be read", nums[k]);
            sig_obj_free(sd);
            continue;
        }
        const struct sig_obj *sf = sig_obj_get(sd, "SubFilter"), *br = sig_obj_get(sd, "ByteRange"),
                             *ct = sig_obj_get(sd, "Contents");
        snprintf(c->subfilter, sizeof c->subfilter, "%s", sf && sf->t == SO_NAME ? sf->s : "?");
        c->doc_timestamp = !strcmp(c->subfilter, "ETSI.RFC3161") ||
                           sig_obj_is_name(sig_obj_get(sd, "Type"), "DocTimeStamp");
        pdf_date_iso(sig_obj_get(sd, "M"), c->time, sizeof c->time);
        long long v[4] = {-1, -1, -1, -1};
        for (int i = 0; br && br->t == SO_ARRAY && br->n == 4 && i < 4; i++)
            if (br->items[i]->t == SO_INT) v[i] = br->items[i]->i;
        if (!ct || ct->t != SO_STR) {
            problem(c, "the signature has no /Contents");
        } else if (v[0] != 0 || v[1] <= 0 || v[2] <= v[1] || v[3] < 0 || (size_t)(v[2] + v[3]) > len) {
            problem(c, "the /ByteRange is malformed or outside the file");
        } else if (buf[v[1]] != '<' || buf[v[2] - 1] != '>' ||
                   (size_t)(v[2] - v[1] - 2) != 2 * ct->slen) {
            problem(c, "the /ByteRange gap is not exactly the signature's /Contents");
        } else {
            /* the gap's hex must be this dictionary's /Contents */
            static const char hx[] = "0123456789abcdef";
            bool same = true;
            for (size_t i = 0; i < ct->slen && same; i++) {
                int hi = buf[v[1] + 1 + 2 * i] | 32, lo = buf[v[1] + 2 + 2 * i] | 32;
                same = hi == hx[(unsigned char)ct->s[i] >> 4] && lo == hx[(unsigned char)ct->s[i] & 15];
            }
            size_t end = (size_t)(v[2] + v[3]);
            if (!same) {
                problem(c, "the /ByteRange gap is not this signature's /Contents");
            } else if (!at_revision_end(buf, end)) {
                problem(c, "the signed bytes do not end at a revision end");
            } else {
                bool tst = false;
                c->covers_whole = end == len;
                if (c->doc_timestamp)
                    check_doc_ts(c, (unsigned char *)ct->s, ct->slen, buf, (size_t)v[1], buf + v[2], (size_t)v[3], store);
                else
                    check_cms(c, (unsigned char *)ct->s, ct->slen, buf, (size_t)v[1], buf + v[2], (size_t)v[3], store,
                              dss_crls, &tst);
                if (!c->doc_timestamp && !strcmp(c->level, "B-T") && dss_rev && dss_off > end)
                    snprintf(c->level, sizeof c->level, "B-LT");
                if (!c->covers_whole && changes_after(&d, end, c->changes, sizeof c->changes) > 0) {
                    c->changed_after = true;
                    problem(c, "the document was changed after this signature: %s", c->changes);
                }
            }
        }
        sig_obj_free(sd);
    }
    *out = res;
    res = NULL;
    *nout = n;
    rc = 0;
out:
    free(res);
    sig_obj_free(cat);
    sig_pdf_close(&d);
    sk_X509_CRL_pop_free(dss_crls, X509_CRL_free);
out0:
    free(data);
    X509_STORE_free(store);
    return rc;
}
