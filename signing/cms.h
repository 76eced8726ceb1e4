/*
 * signing/cms.h: the CAdES SignedData of a PAdES signature, written as DER
 * by hand so that the signed attributes are exactly the three PAdES
 * baseline needs (content-type, message-digest, signing-certificate-v2) and
 * never a signing-time (which OpenSSL 3.0's CMS_final would add).
 *
 * Flow: sig_cms_signed_attrs() -> SHA-256 of that DER SET -> the token signs
 * it -> (optional) sig_tsa_stamp() over the signature value ->
 * sig_cms_assemble().
 */
#ifndef ANCONG_SIGNING_CMS_H
#define ANCONG_SIGNING_CMS_H

#include <stdbool.h>
#include <stddef.h>
#include "common/err.h"
#include "common/str.h"

struct sig_der { unsigned char *p; size_t n; };

/* DER of SET { contentType(id-data), messageDigest(digest),
 * signingCertificateV2(sha256 of cert, issuer+serial) }, tag 0x31, the form
 * that is hashed and signed.  0 ok, -1 error. */
int sig_cms_signed_attrs(const unsigned char digest[32], const unsigned char *cert, size_t certlen,
                         struct sbuf *out, struct err *e);

/* ContentInfo(SignedData), detached, SHA-256.  certs[0] is the signer's;
 * the rest is the chain.  ec selects ecdsa-with-SHA256 (else
 * sha256WithRSAEncryption).  tst (may be NULL) is an RFC 3161 TimeStampToken
 * added as the id-aa-signatureTimeStampToken unsigned attribute.  0 ok. */
int sig_cms_assemble(const struct sig_der *certs, int ncerts, const struct sbuf *signed_attrs,
                     bool ec, const unsigned char *sig, size_t siglen,
                     const unsigned char *tst, size_t tstlen, struct sbuf *out, struct err *e);

/* RFC 3161: ask the TSA at url (http:// only) to stamp SHA-256(data).  The
 * reply is checked (status granted, imprint and nonce match).  *tok is the
 * TimeStampToken DER (malloc'd, caller frees).  0 ok, -1 error (ERR_NET for
 * an unreachable or misbehaving TSA). */
int sig_tsa_stamp(const char *url, const unsigned char *data, size_t len, int timeout_s,
                  unsigned char **tok, size_t *toklen, struct err *e);

/* Minimal HTTP/1.0 POST (exposed for tests).  *body malloc'd.  0 ok. */
int sig_http_post(const char *url, const char *ctype, const unsigned char *req, size_t reqlen,
                  int timeout_s, unsigned char **body, size_t *bodylen, char *rtype, size_t rtypecap,
                  struct err *e);

#endif
