#include "signing/cms.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#define OID_DATA        "1.2.840.113549.1.7.1"
#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_SHA256      "2.16.840.1.101.3.4.2.1"
#define OID_RSA_SHA256  "1.2.840.113549.1.1.11"
#define OID_ECDSA_SHA256 "1.2.840.10045.4.3.2"
#define OID_CTYPE       "1.2.840.113549.1.9.3"
#define OID_MDIGEST     "1.2.840.113549.1.9.4"
#define OID_SIGCERT_V2  "1.2.840.113549.1.9.16.2.47"
#define OID_SIG_TST     "1.2.840.113549.1.9.16.2.14"

/* ------------------------------------------------------------------ DER */

static void der_len(struct sbuf *b, size_t n)
{
    if (n < 128) {
        sbuf_putc(b, (char)n);
        return;
    }
    unsigned char tmp[8];
    int k = 0;
    while (n) {
        tmp[k++] = (unsigned char)(n & 255);
        n >>= 8;
    }
    sbuf_putc(b, (char)(0x80 | k));
    while (k--)
        sbuf_putc(b, (char)tmp[k]);
}

static void der_tlv(struct sbuf *b, int tag, const void *p, size_t n)
{
    sbuf_putc(b, (char)tag);
    der_len(b, n);
    sbuf_add(b, p, n);
}

/* Wrap b's contents in a TLV (in place). */
static void der_wrap(struct sbuf *b, int tag)
{
    struct sbuf t = SBUF_INIT;
    der_tlv(&t, tag, b->s ? b->s : "", b->len);
    sbuf_release(b);
    *b = t;
}

static void der_oid(struct sbuf *b, const char *dotted)
{
    ASN1_OBJECT *o = OBJ_txt2obj(dotted, 1);
    unsigned char *der = NULL;
    int n = o ? i2d_ASN1_OBJECT(o, &der) : -1;
    if (n <= 0) {
        fprintf(stderr, "ancong: internal error: bad OID %s\n", dotted);
        abort();
    }
    sbuf_add(b, der, (size_t)n);
    OPENSSL_free(der);
    ASN1_OBJECT_free(o);
}

static void der_alg(struct sbuf *b, const char *oid, bool null_param)
{
    struct sbuf t = SBUF_INIT;
    der_oid(&t, oid);
    if (null_param)
        sbuf_add(&t, "\x05\x00", 2);
    der_wrap(&t, 0x30);
    sbuf_add(b, t.s, t.len);
    sbuf_release(&t);
}

static int cmp_der(const void *a, const void *b)
{
    const struct sbuf *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Attribute ::= SEQUENCE { type OID, values SET { value } } */
static void der_attr(struct sbuf *b, const char *oid, const void *val, size_t n)
{
    struct sbuf t = SBUF_INIT, v = SBUF_INIT;
    der_oid(&t, oid);
    sbuf_add(&v, val, n);
    der_wrap(&v, 0x31);
    sbuf_add(&t, v.s, v.len);
    der_wrap(&t, 0x30);
    sbuf_add(b, t.s, t.len);
    sbuf_release(&t);
    sbuf_release(&v);
}

static int issuer_serial(const unsigned char *cert, size_t certlen, struct sbuf *issuer,
                         struct sbuf *serial, struct err *e)
{
    const unsigned char *p = cert;
    X509 *x = d2i_X509(NULL, &p, (long)certlen);
    unsigned char *d1 = NULL, *d2 = NULL;
    int n1, n2;
    if (!x) {
        err_set(e, ERR_INPUT, "the signer certificate cannot be parsed");
        return -1;
    }
    n1 = i2d_X509_NAME(X509_get_issuer_name(x), &d1);
    n2 = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &d2);
    X509_free(x);
    if (n1 <= 0 || n2 <= 0) {
        OPENSSL_free(d1);
        OPENSSL_free(d2);
        err_set(e, ERR_INPUT, "the signer certificate has no usable issuer or serial number");
        return -1;
    }
    sbuf_add(issuer, d1, (size_t)n1);
    sbuf_add(serial, d2, (size_t)n2);
    OPENSSL_free(d1);
    OPENSSL_free(d2);
    return 0;
}

int sig_cms_signed_attrs(const unsigned char digest[32], const unsigned char *cert, size_t certlen,
                         struct sbuf *out, struct err *e)
{
    struct sbuf a[3] = {SBUF_INIT, SBUF_INIT, SBUF_INIT};
    struct sbuf t = SBUF_INIT, issuer = SBUF_INIT, serial = SBUF_INIT, ess = SBUF_INIT;
    unsigned char ch[32];
    int rc = -1;

    if (issuer_serial(cert, certlen, &issuer, &serial, e) < 0)
        goto out;
    /* content-type: id-data */
    der_oid(&t, OID_DATA);
    der_attr(&a[0], OID_CTYPE, t.s, t.len);
    sbuf_reset(&t);
    /* message-digest */
    der_tlv(&t, 0x04, digest, 32);
    der_attr(&a[1], OID_MDIGEST, t.s, t.len);
    sbuf_reset(&t);
    /* signing-certificate-v2: SigningCertificateV2 { certs SEQ { ESSCertIDv2 {
     * (hashAlgorithm sha256 is the DEFAULT, so absent), certHash, issuerSerial } } } */
    EVP_Digest(cert, certlen, ch, NULL, EVP_sha256(), NULL);
    der_tlv(&ess, 0x04, ch, 32);
    {
        struct sbuf is = SBUF_INIT;
        sbuf_add(&is, issuer.s, issuer.len);
        der_wrap(&is, 0xA4);          /* GeneralName directoryName [4] */
        der_wrap(&is, 0x30);          /* GeneralNames */
        sbuf_add(&is, serial.s, serial.len);
        der_wrap(&is, 0x30);          /* IssuerSerial */
        sbuf_add(&ess, is.s, is.len);
        sbuf_release(&is);
    }
    der_wrap(&ess, 0x30);             /* ESSCertIDv2 */
    der_wrap(&ess, 0x30);             /* SEQUENCE OF ESSCertIDv2 */
    der_wrap(&ess, 0x30);             /* SigningCertificateV2 */
    der_attr(&a[2], OID_SIGCERT_V2, ess.s, ess.len);
    /* DER: a SET OF is sorted by the encodings */
    qsort(a, 3, sizeof a[0], cmp_der);
    sbuf_reset(out);
    for (int k = 0; k < 3; k++)
        sbuf_add(out, a[k].s, a[k].len);
    der_wrap(out, 0x31);
    rc = 0;
out:
    for (int k = 0; k < 3; k++)
        sbuf_release(&a[k]);
    sbuf_release(&t);
    sbuf_release(&issuer);
    sbuf_release(&serial);
    sbuf_release(&ess);
    return rc;
}

int sig_cms_assemble(const struct sig_der *certs, int ncerts, const struct sbuf *signed_attrs,
                     bool ec, const unsigned char *sig, size_t siglen,
                     const unsigned char *tst, size_t tstlen, struct sbuf *out, struct err *e)
{
    struct sbuf si = SBUF_INIT, sd = SBUF_INIT, t = SBUF_INIT, issuer = SBUF_INIT, serial = SBUF_INIT;
    int rc = -1;

    if (ncerts < 1 || issuer_serial(certs[0].p, certs[0].n, &issuer, &serial, e) < 0)
        goto out;
    /* SignerInfo */
    sbuf_add(&si, "\x02\x01\x01", 3);                     /* version 1 */
    sbuf_add(&t, issuer.s, issuer.len);
    sbuf_add(&t, serial.s, serial.len);
    der_wrap(&t, 0x30);                                  /* IssuerAndSerialNumber */
    sbuf_add(&si, t.s, t.len);
    sbuf_reset(&t);
    der_alg(&si, OID_SHA256, false);
    /* signedAttrs [0] IMPLICIT: same bytes as the signed SET, other tag */
    sbuf_putc(&si, (char)0xA0);
    sbuf_add(&si, signed_attrs->s + 1, signed_attrs->len - 1);
    der_alg(&si, ec ? OID_ECDSA_SHA256 : OID_RSA_SHA256, !ec);
    der_tlv(&si, 0x04, sig, siglen);
    if (tst && tstlen) {
        der_attr(&t, OID_SIG_TST, tst, tstlen);
        der_wrap(&t, 0xA1);                              /* unsignedAttrs [1] IMPLICIT */
        sbuf_add(&si, t.s, t.len);
        sbuf_reset(&t);
    }
    der_wrap(&si, 0x30);
    /* SignedData */
    sbuf_add(&sd, "\x02\x01\x01", 3);
    der_alg(&t, OID_SHA256, false);
    der_wrap(&t, 0x31);
    sbuf_add(&sd, t.s, t.len);
    sbuf_reset(&t);
    der_oid(&t, OID_DATA);
    der_wrap(&t, 0x30);                                  /* encapContentInfo, detached */
    sbuf_add(&sd, t.s, t.len);
    sbuf_reset(&t);
    for (int k = 0; k < ncerts; k++)
        sbuf_add(&t, certs[k].p, certs[k].n);
    der_wrap(&t, 0xA0);                                  /* certificates [0] IMPLICIT */
    sbuf_add(&sd, t.s, t.len);
    sbuf_reset(&t);
    sbuf_add(&t, si.s, si.len);
    der_wrap(&t, 0x31);                                  /* signerInfos */
    sbuf_add(&sd, t.s, t.len);
    sbuf_reset(&t);
    der_wrap(&sd, 0x30);
    der_wrap(&sd, 0xA0);                                 /* content [0] EXPLICIT */
    sbuf_reset(out);
    der_oid(out, OID_SIGNED_DATA);
    sbuf_add(out, sd.s, sd.len);
    der_wrap(out, 0x30);
    rc = 0;
out:
    sbuf_release(&si);
    sbuf_release(&sd);
    sbuf_release(&t);
    sbuf_release(&issuer);
    sbuf_release(&serial);
    return rc;
}

/* ------------------------------------------------------------------ HTTP */

static int wait_fd(int fd, short ev, int64_t deadline_ms)
{
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (now >= deadline_ms)
            return 0;
        struct pollfd p = {fd, ev, 0};
        int r = poll(&p, 1, (int)(deadline_ms - now));
        if (r < 0 && errno == EINTR)
            continue;
        return r;
    }
}

int sig_http_post(const char *url, const char *ctype, const unsigned char *req, size_t reqlen,
                  int timeout_s, unsigned char **body, size_t *bodylen, char *rtype, size_t rtypecap,
                  struct err *e)
{
    char host[256], port[8] = "80", path[1024] = "/";
    struct addrinfo hints, *ai = NULL;
    struct sbuf resp = SBUF_INIT, hdr = SBUF_INIT;
    int fd = -1, rc = -1, gai;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (int64_t)timeout_s * 1000;

    if (strncmp(url, "http://", 7) != 0) {
        err_set(e, ERR_USAGE, "TSA URL \"%s\" is not http://", url);
        err_hint(e, "RFC 3161 replies are signed, so plain http:// is the usual transport; give an http:// URL.");
        return -1;
    }
    const char *h = url + 7, *slash = strchr(h, '/'), *colon;
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    if (slash)
        snprintf(path, sizeof path, "%s", slash);
    colon = memchr(h, ':', hl);
    if (colon) {
        size_t pl = hl - (size_t)(colon - h) - 1;
        if (pl == 0 || pl >= sizeof port) {
            err_set(e, ERR_USAGE, "bad port in TSA URL \"%s\"", url);
            return -1;
        }
        memcpy(port, colon + 1, pl);
        port[pl] = 0;
        hl = (size_t)(colon - h);
    }
    if (hl == 0 || hl >= sizeof host) {
        err_set(e, ERR_USAGE, "bad host in TSA URL \"%s\"", url);
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if ((gai = getaddrinfo(host, port, &hints, &ai)) != 0) {
        err_set(e, ERR_NET, "could not resolve the TSA host \"%s\": %s", host, gai_strerror(gai));
        err_hint(e, "Check sign.tsa_url and the network, or allow B-B signatures with --allow-bb.");
        return -1;
    }
    int cerr = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) > 0) {
            socklen_t sl = sizeof cerr;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &cerr, &sl);
            if (cerr == 0)
                break;
        } else {
            cerr = errno == EINPROGRESS ? ETIMEDOUT : errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        err_set(e, ERR_NET, "could not reach the TSA at %s:%s: %s", host, port, strerror(cerr ? cerr : ECONNREFUSED));
        err_hint(e, "Check that the time-stamping service is up (sign.tsa_url), or allow B-B signatures with --allow-bb.");
        return -1;
    }
    sbuf_printf(&hdr, "POST %s HTTP/1.0\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "Accept: */*\r\nConnection: close\r\nUser-Agent: ancong\r\n\r\n", path, host, ctype, reqlen);
    sbuf_add(&hdr, req, reqlen);
    for (size_t off = 0; off < hdr.len;) {
        ssize_t k = send(fd, hdr.s + off, hdr.len - off, MSG_NOSIGNAL);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline) <= 0) {
                err_set(e, ERR_NET, "the TSA at %s:%s timed out", host, port);
                goto out;
            }
            continue;
        }
        if (k <= 0) {
            err_set(e, ERR_NET, "could not send to the TSA at %s:%s: %s", host, port, strerror(errno));
            goto out;
        }
        off += (size_t)k;
    }
    for (;;) {
        char buf[16384];
        ssize_t k = recv(fd, buf, sizeof buf, 0);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLIN, deadline) <= 0) {
                err_set(e, ERR_NET, "the TSA at %s:%s did not answer within %d s", host, port, timeout_s);
                goto out;
            }
            continue;
        }
        if (k < 0) {
            err_set(e, ERR_NET, "could not read from the TSA at %s:%s: %s", host, port, strerror(errno));
            goto out;
        }
        if (k == 0)
            break;
        sbuf_add(&resp, buf, (size_t)k);
        if (resp.len > (1u << 20)) {
            err_set(e, ERR_NET, "the TSA's answer is larger than 1 MiB");
            goto out;
        }
    }
    const char *end = resp.s ? memmem(resp.s, resp.len, "\r\n\r\n", 4) : NULL;
    int status = 0;
    if (!end || sscanf(resp.s, "HTTP/%*d.%*d %d", &status) != 1) {
        err_set(e, ERR_NET, "the TSA at %s:%s did not answer with HTTP", host, port);
        goto out;
    }
    if (status != 200) {
        char line[128];
        size_t ll = strcspn(resp.s, "\r\n");
        snprintf(line, sizeof line, "%.*s", (int)(ll < 120 ? ll : 120), resp.s);
        err_set(e, ERR_NET, "the TSA at %s:%s answered \"%s\"", host, port, line);
        err_hint(e, "Check the TSA URL (sign.tsa_url) with its operator.");
        goto out;
    }
    rtype[0] = 0;
    for (const char *l = resp.s; l < end; ) {
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);
        if (n > 13 && strncasecmp(l, "Content-Type:", 13) == 0) {
            const char *v = l + 13;
            while (*v == ' ') v++;
            size_t vl = n - (size_t)(v - l);
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ')) vl--;
            snprintf(rtype, rtypecap, "%.*s", (int)vl, v);
        }
        if (!nl) break;
        l = nl + 1;
    }
    end += 4;
    *bodylen = resp.len - (size_t)(end - resp.s);
    *body = xmalloc(*bodylen + 1);
    memcpy(*body, end, *bodylen);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    sbuf_release(&resp);
    sbuf_release(&hdr);
    return rc;
}

/* ------------------------------------------------------------------ RFC 3161 */

int sig_tsa_stamp(const char *url, const unsigned char *data, size_t len, int timeout_s,
                  unsigned char **tok, size_t *toklen, struct err *e)
{
    unsigned char md[32], nonce_bytes[8], *reqder = NULL, *body = NULL, *tder = NULL;
    size_t bodylen = 0;
    char rtype[128];
    int rc = -1, reqlen;
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *nonce = NULL;
    TS_RESP *resp = NULL;

    EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL);
    RAND_bytes(nonce_bytes, sizeof nonce_bytes);
    nonce_bytes[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(nonce_bytes, sizeof nonce_bytes, NULL);
    nonce = BN_to_ASN1_INTEGER(bn, NULL);
    BN_free(bn);
    if (!req || !mi || !alg || !nonce ||
        !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
        !TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, md, 32) ||
        !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
        !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1) ||
        (reqlen = i2d_TS_REQ(req, &reqder)) <= 0) {
        err_set(e, ERR_INTERNAL, "could not build the time-stamp request");
        goto out;
    }
    if (sig_http_post(url, "application/timestamp-query", reqder, (size_t)reqlen, timeout_s,
                      &body, &bodylen, rtype, sizeof rtype, e) < 0)
        goto out;
    const unsigned char *p = body;
    resp = d2i_TS_RESP(NULL, &p, (long)bodylen);
    if (!resp) {
        err_set(e, ERR_NET, "the TSA at \"%s\" did not send a time-stamp reply (content type \"%s\")", url, rtype);
        err_hint(e, "Check that sign.tsa_url is an RFC 3161 service.");
        goto out;
    }
    TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
    long st = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
    if (st != 0 && st != 1) {
        err_set(e, ERR_NET, "the TSA at \"%s\" refused the time-stamp request (PKIStatus %ld)", url, st);
        err_hint(e, "Ask the TSA's operator; the request used SHA-256.");
        goto out;
    }
    PKCS7 *token = TS_RESP_get_token(resp);
    TS_TST_INFO *ti = TS_RESP_get_tst_info(resp);
    if (!token || !ti) {
        err_set(e, ERR_NET, "the TSA at \"%s\" granted but sent no token", url);
        goto out;
    }
    ASN1_OCTET_STRING *got = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(ti));
    const ASN1_INTEGER *gn = TS_TST_INFO_get_nonce(ti);
    if (ASN1_STRING_length(got) != 32 || memcmp(ASN1_STRING_get0_data(got), md, 32) != 0 ||
        !gn || ASN1_INTEGER_cmp(gn, nonce) != 0) {
        err_set(e, ERR_NET, "the TSA at \"%s\" answered for another request (imprint or nonce differ)", url);
        goto out;
    }
    int tl = i2d_PKCS7(token, &tder);
    if (tl <= 0) {
        err_set(e, ERR_INTERNAL, "could not encode the time-stamp token");
        goto out;
    }
    *tok = xmalloc((size_t)tl);
    memcpy(*tok, tder, (size_t)tl);
    *toklen = (size_t)tl;
    rc = 0;
out:
    OPENSSL_free(reqder);
    OPENSSL_free(tder);
    free(body);
    TS_RESP_free(resp);
    TS_REQ_free(req);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    ASN1_INTEGER_free(nonce);
    return rc;
}
