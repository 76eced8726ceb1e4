/* Unit tests for signing/: the PDF reader (objects, xref tables and streams, /Prev
 * loops, page trees), the pkcs11: URI parser, the CAdES signed attributes and
 * the stamp's font subset. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/err.h"
#include "common/str.h"
#include "signing/cms.h"
#include "signing/p11.h"
#include "signing/pdfparse.h"
#include "signing/stamp.h"
#include "tests/unit/t.h"

static void test_objects(void)
{
    struct err e;
    err_init(&e);
    const char *src = "<</A 1/B -2.50/C (a\\(b\\)\\101\\n)/D <48 49>/N#20x /x#41/R 12 0 R/Arr[1 [2] null true]/Z null>>";
    struct sig_obj *o = sig_obj_parse((const unsigned char *)src, strlen(src), &e);
    T_CHECK(o && o->t == SO_DICT, "dictionary parses");
    if (!o) return;
    T_CHECK(sig_obj_get(o, "A")->i == 1, "integer");
    T_CHECK(sig_obj_get(o, "B")->t == SO_REAL && sig_obj_get(o, "B")->r == -2.5, "real");
    T_STREQ(sig_obj_get(o, "C")->s, "a(b)A\n", "literal string escapes");
    T_STREQ(sig_obj_get(o, "D")->s, "HI", "hex string");
    T_CHECK(sig_obj_get(o, "N x") != NULL, "name with #20 key");
    T_CHECK(sig_obj_is_name(sig_obj_get(o, "N x"), "xA"), "name #41 decodes");
    const struct sig_obj *r = sig_obj_get(o, "R");
    T_CHECK(r && r->t == SO_REF && r->i == 12 && r->gen == 0, "reference");
    T_CHECK(sig_obj_get(o, "Arr")->n == 4, "array with nested array and null");
    T_CHECK(sig_obj_get(o, "Z") == NULL, "null value means absent");
    struct sbuf b = SBUF_INIT;
    sig_obj_write(&b, o);
    struct sig_obj *o2 = sig_obj_parse((const unsigned char *)b.s, b.len, &e);
    struct sbuf b2 = SBUF_INIT;
    sig_obj_write(&b2, o2);
    T_STREQ(b2.s, b.s, "serialise/parse round trip");
    sig_obj_free(o);
    sig_obj_free(o2);
    sbuf_release(&b);
    sbuf_release(&b2);

    /* hostile: deep nesting and unterminated input fail cleanly */
    char *deep = malloc(10001);
    memset(deep, '[', 10000);
    deep[10000] = 0;
    err_init(&e);
    { int c_ = (sig_obj_parse((unsigned char *)deep, 10000, &e) == NULL && strstr(e.msg, "nested")); T_CHECK(c_, "deep nesting refused"); };
    free(deep);
    err_init(&e);
    { int c_ = (sig_obj_parse((const unsigned char *)"<</A (abc", 9, &e) == NULL); T_CHECK(c_, "unterminated string refused"); };
}

/* A 3-page PDF with a classic xref table; pages under an intermediate node. */
static char *classic_pdf(size_t *len, bool loop)
{
    struct sbuf b = SBUF_INIT;
    size_t off[8];
    sbuf_puts(&b, "%PDF-1.4\n");
    const char *objs[] = {
        NULL,
        "<</Type/Catalog/Pages 2 0 R>>",
        loop ? "<</Type/Pages/Kids[3 0 R]/Count 3>>" : "<</Type/Pages/Kids[3 0 R 6 0 R]/Count 3>>",
        loop ? "<</Type/Pages/Kids[2 0 R]/Count 3/Parent 2 0 R>>" : "<</Type/Pages/Kids[4 0 R 5 0 R]/Count 2/Parent 2 0 R>>",
        "<</Type/Page/Parent 3 0 R>>",
        "<</Type/Page/Parent 3 0 R>>",
        "<</Type/Page/Parent 2 0 R>>",
    };
    for (int k = 1; k <= 6; k++) {
        off[k] = b.len;
        sbuf_printf(&b, "%d 0 obj\n%s\nendobj\n", k, objs[k]);
    }
    size_t x = b.len;
    sbuf_puts(&b, "xref\n0 7\n0000000000 65535 f\r\n");
    for (int k = 1; k <= 6; k++)
        sbuf_printf(&b, "%010zu 00000 n\r\n", off[k]);
    sbuf_printf(&b, "trailer\n<</Size 7/Root 1 0 R>>\nstartxref\n%zu\n%%%%EOF\n", x);
    *len = b.len;
    return sbuf_detach(&b);
}

static void test_classic(void)
{
    struct sig_pdf d;
    struct err e;
    size_t len;
    int num = 0, n = 0;
    char *p = classic_pdf(&len, false);
    err_init(&e);
    { int c_ = (sig_pdf_open(&d, (unsigned char *)p, len, &e) == 0); T_CHECK(c_, "classic xref opens"); };
    T_CHECK(!d.xref_stream && d.root_num == 1 && d.size == 7, "trailer read");
    { int c_ = (sig_pdf_page(&d, 0, &num, &n, &e) == 0 && num == 4 && n == 3); T_CHECK(c_, "page 1 found through an intermediate node"); };
    { int c_ = (sig_pdf_page(&d, 2, &num, &n, &e) == 0 && num == 6); T_CHECK(c_, "page 3 found by skipping a subtree"); };
    err_init(&e);
    { int c_ = (sig_pdf_page(&d, 3, &num, &n, &e) < 0 && strstr(e.msg, "does not exist")); T_CHECK(c_, "page 4 does not exist"); };
    sig_pdf_close(&d);
    free(p);

    p = classic_pdf(&len, true);
    err_init(&e);
    { int c_ = (sig_pdf_open(&d, (unsigned char *)p, len, &e) == 0); T_CHECK(c_, "looping page tree opens"); };
    { int c_ = (sig_pdf_page(&d, 0, &num, &n, &e) < 0); T_CHECK(c_, "page tree loop gives an error, not a hang"); };
    sig_pdf_close(&d);
    free(p);

    /* an incremental update whose /Prev points to itself */
    p = classic_pdf(&len, false);
    struct sbuf b = SBUF_INIT;
    sbuf_add(&b, p, len);
    size_t x = b.len;
    sbuf_printf(&b, "xref\n4 1\n%010d 00000 n\r\ntrailer\n<</Size 7/Root 1 0 R/Prev %zu>>\nstartxref\n%zu\n%%%%EOF\n",
                (int)(strstr(p, "4 0 obj") - p), x, x);
    err_init(&e);
    { int c_ = (sig_pdf_open(&d, (unsigned char *)b.s, b.len, &e) == 0); T_CHECK(c_, "self-referencing /Prev does not loop"); };
    sig_pdf_close(&d);
    sbuf_release(&b);
    free(p);

    err_init(&e);
    { int c_ = (sig_pdf_open(&d, (const unsigned char *)"%PDF-1.4\nnothing", 16, &e) < 0 && strstr(e.msg, "startxref")); T_CHECK(c_,
            "missing startxref is a clear error"); };
    err_init(&e);
    { int c_ = (sig_pdf_open(&d, (const unsigned char *)"%PDF-1.4\nstartxref\n99999\n%%EOF\n", 29, &e) < 0); T_CHECK(c_,
            "startxref outside the file is an error"); };
}

/* PDF 1.5: objects 1-3 in an object stream, xref stream with PNG predictor 12. */
static void test_xref_stream(void)
{
    struct sbuf b = SBUF_INIT;
    struct err e;
    struct sig_pdf d;
    const char *hdr = "1 0 2 30 3 70 ";
    const char *o1 = "<</Type/Catalog/Pages 2 0 R>> ";
    const char *o2 = "<</Type/Pages/Kids[3 0 R]/Count 1>>    ";
    const char *o3 = "<</Type/Page/Parent 2 0 R/Annots[]>>";
    char body[512];
    snprintf(body, sizeof body, "%s%s%s%s", hdr, o1, o2, o3);
    int first = (int)strlen(hdr);
    /* fix offsets: o2 at len(o1), o3 at len(o1)+len(o2) */
    snprintf(body, sizeof body, "1 0 2 %zu 3 %zu %s%s%s", strlen(o1), strlen(o1) + strlen(o2), o1, o2, o3);
    first = (int)(strchr(body, '<') - body);
    unsigned char z[1024];
    uLongf zl = sizeof z;
    compress(z, &zl, (unsigned char *)body, strlen(body));
    sbuf_puts(&b, "%PDF-1.5\n");
    size_t ostm = b.len;
    sbuf_printf(&b, "4 0 obj\n<</Type/ObjStm/N 3/First %d/Filter/FlateDecode/Length %lu>>stream\n", first, (unsigned long)zl);
    sbuf_add(&b, z, zl);
    sbuf_puts(&b, "\nendstream\nendobj\n");
    size_t xs = b.len;
    /* rows: type(1) off(2) gen(1), for objects 0..5, PNG "up" predictor */
    unsigned char rows[6][4] = {
        {0, 0, 0, 0}, {2, 0, 4, 0}, {2, 0, 4, 1}, {2, 0, 4, 2},
        {1, (unsigned char)(ostm >> 8), (unsigned char)ostm, 0}, {1, (unsigned char)(xs >> 8), (unsigned char)xs, 0}};
    unsigned char raw[6 * 5], prev[4] = {0};
    for (int r = 0; r < 6; r++) {
        raw[r * 5] = 2;
        for (int c = 0; c < 4; c++)
            raw[r * 5 + 1 + c] = (unsigned char)(rows[r][c] - prev[c]);
        memcpy(prev, rows[r], 4);
    }
    zl = sizeof z;
    compress(z, &zl, raw, sizeof raw);
    sbuf_printf(&b, "5 0 obj\n<</Type/XRef/Size 6/W[1 2 1]/Root 1 0 R/Filter/FlateDecode"
                    "/DecodeParms<</Predictor 12/Columns 4>>/Length %lu>>stream\n", (unsigned long)zl);
    sbuf_add(&b, z, zl);
    sbuf_printf(&b, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", xs);
    err_init(&e);
    { int c_ = (sig_pdf_open(&d, (unsigned char *)b.s, b.len, &e) == 0); T_CHECK(c_, "xref stream with predictor opens"); };
    if (!err_is_set(&e)) {
        int num = 0, n = 0;
        T_CHECK(d.xref_stream && d.x[3].type == 2 && d.x[3].gen == 2, "entries in an object stream");
        { int c_ = (sig_pdf_page(&d, 0, &num, &n, &e) == 0 && num == 3 && n == 1); T_CHECK(c_, "page found inside the object stream"); };
        struct sig_obj *p = sig_pdf_get(&d, 3, &e);
        T_CHECK(p && sig_obj_is_name(sig_obj_get(p, "Type"), "Page"), "object 3 read from the object stream");
        sig_obj_free(p);
        sig_pdf_close(&d);
    } else {
        printf("#   %s\n", e.msg);
    }
    sbuf_release(&b);
}

static void test_uri(void)
{
    struct p11_uri u;
    struct err e;
    err_init(&e);
    { int c_ = (p11_uri_parse("pkcs11:token=My%20Token;object=signer;id=%01%a2;type=private", &u, &e) == 0); T_CHECK(c_, "URI parses"); };
    T_STREQ(u.token, "My Token", "token percent-decoded");
    T_STREQ(u.object, "signer", "object");
    T_CHECK(u.has_id && u.idlen == 2 && u.id[0] == 1 && u.id[1] == 0xa2, "binary id");
    err_init(&e);
    { int c_ = (p11_uri_parse("pkcs11:object=x?pin-value=1234", &u, &e) < 0 && strstr(e.msg, "PIN")); T_CHECK(c_, "pin-value refused"); };
    err_init(&e);
    { int c_ = (p11_uri_parse("pkcs11:object=x;pin-source=file:/p", &u, &e) < 0); T_CHECK(c_, "pin-source refused"); };
    err_init(&e);
    { int c_ = (p11_uri_parse("file:/x", &u, &e) < 0); T_CHECK(c_, "not a pkcs11 URI"); };
    err_init(&e);
    { int c_ = (p11_uri_parse("pkcs11:token=t", &u, &e) < 0 && strstr(e.msg, "names no object")); T_CHECK(c_, "URI without object or id"); };
    err_init(&e);
    { int c_ = (p11_uri_parse("pkcs11:object=%zz", &u, &e) < 0); T_CHECK(c_, "bad escape"); };
}

static void test_pin_file(void)
{
    struct err e;
    char *pin = NULL;
    size_t len = 0;
    char path[] = "/tmp/ancong-pin-XXXXXX";
    int fd = mkstemp(path);
    if (write(fd, "4321\n", 5) != 5) return;
    close(fd);
    chmod(path, 0600);
    err_init(&e);
    { int c_ = (sig_pin_read(path, -1, &pin, &len, &e) == 0 && len == 4 && !memcmp(pin, "4321", 4)); T_CHECK(c_, "PIN file 0600 read, newline dropped"); };
    sig_pin_free(&pin, len);
    T_CHECK(pin == NULL, "PIN wiped and freed");
    chmod(path, 0640);
    err_init(&e);
    { int c_ = (sig_pin_read(path, -1, &pin, &len, &e) < 0 && strstr(e.msg, "other users")); T_CHECK(c_, "group-readable PIN file refused"); };
    unlink(path);
}

static void test_signed_attrs(void)
{
    /* a throw-away self-signed certificate made with OpenSSL */
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (unsigned char *)"t", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    unsigned char *der = NULL;
    int dl = i2d_X509(x, &der);
    unsigned char md[32];
    memset(md, 0xAB, 32);
    struct sbuf a = SBUF_INIT;
    struct err e;
    err_init(&e);
    { int c_ = (sig_cms_signed_attrs(md, der, (size_t)dl, &a, &e) == 0 && (unsigned char)a.s[0] == 0x31); T_CHECK(c_, "signed attributes are a DER SET"); };
    static const unsigned char sigcert_v2[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x02, 0x2F};
    static const unsigned char signing_time[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05};
    T_CHECK(memmem(a.s, a.len, sigcert_v2, sizeof sigcert_v2) != NULL, "signing-certificate-v2 present");
    T_CHECK(memmem(a.s, a.len, signing_time, sizeof signing_time) == NULL, "no signing-time");
    T_CHECK(memmem(a.s, a.len, md, 32) != NULL, "message digest inside");
    /* walk the SET: three attributes OpenSSL can read, in ascending DER order */
    const unsigned char *p = (unsigned char *)a.s + 2, *end = (unsigned char *)a.s + a.len, *prev = NULL;
    long prevlen = 0;
    int nattr = 0, sorted = 1;
    if ((unsigned char)a.s[1] & 0x80)
        p += (unsigned char)a.s[1] & 0x7f;
    while (p < end) {
        const unsigned char *start = p;
        X509_ATTRIBUTE *at = d2i_X509_ATTRIBUTE(NULL, &p, end - p);
        if (!at)
            break;
        X509_ATTRIBUTE_free(at);
        long l = p - start;
        if (prev) {
            int c = memcmp(prev, start, (size_t)(l < prevlen ? l : prevlen));
            if (c > 0 || (c == 0 && prevlen > l))
                sorted = 0;
        }
        prev = start;
        prevlen = l;
        nattr++;
    }
    T_CHECK(nattr == 3 && p == end, "OpenSSL reads exactly three attributes");
    T_CHECK(sorted, "attributes in DER (ascending) order");
    sbuf_release(&a);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_stamp(void)
{
    struct sig_stamp s;
    struct err e;
    const char *lines[] = {"Bản sao điện tử", "Viện kiểm sát nhân dân tỉnh Quảng Ngãi", "2026-03-05T08:00:00+07:00"};
    err_init(&e);
    int rc = sig_stamp_build(NULL, lines, 3, 10, 400, 60, &s, &e);
    T_CHECK(rc == 0, "stamp builds with the default font (%s)", e.msg);
    if (rc < 0) return;
    T_CHECK(s.font.len > 1000 && (unsigned char)s.font.s[0] == 0 && s.font.s[1] == 1, "subset is a TrueType file");
    T_CHECK(s.font.len < 200000, "subset is small (%zu bytes)", s.font.len);
    T_CHECK(strstr(s.tounicode.s, "<1EA3>") && strstr(s.tounicode.s, "<1EC9>"), "ToUnicode maps ả and ỉ");
    T_CHECK(strstr(s.content.s, "/F1 10.00 Tf") != NULL, "10 pt text");
    T_CHECK(strstr(s.basefont, "+Liberation") != NULL, "subset tag and font name");
    sig_stamp_release(&s);
    err_init(&e);
    const char *cjk[] = {"漢字"};
    { int c_ = (sig_stamp_build(NULL, cjk, 1, 10, 400, 60, &s, &e) < 0 && strstr(e.msg, "no glyph")); T_CHECK(c_,
            "missing glyphs are an error, not blank boxes"); };
}

int main(void)
{
    test_objects();
    test_classic();
    test_xref_stream();
    test_uri();
    test_pin_file();
    test_signed_attrs();
    test_stamp();
    return t_done();
}
