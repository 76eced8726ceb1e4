/*
 * signing/p11.h: the signing key on a PKCS#11 token, used directly through
 * the module's function list (dlopen + C_GetFunctionList).
 *
 * The key never leaves the token: p11_sign() calls C_Sign.  The key is named
 * by an RFC 7512 "pkcs11:" URI (token=, manufacturer=, serial=, model=,
 * object=, id=, type=); a URI holding pin-value or pin-source is refused, the
 * PIN comes from sig_pin_read() only.  p11_login() calls C_Login exactly once:
 * a wrong PIN is reported and never retried, so the token's retry counter
 * cannot be burnt by ancong.
 */
#ifndef ANCONG_SIGNING_P11_H
#define ANCONG_SIGNING_P11_H

#include <stddef.h>
#include "common/err.h"

struct p11;   /* opaque */

enum p11_keytype { P11_RSA = 1, P11_EC = 2 };

/* Load the module, find the token and the certificate the URI names (no
 * login yet).  Returns NULL with e set.  Free with p11_close(). */
struct p11 *p11_open(const char *module, const char *uri, struct err *e);
/* The signer certificate (DER) found on the token; owned by p. */
const unsigned char *p11_cert(const struct p11 *p, size_t *len);
/* Token label, for messages. */
const char *p11_token_label(const struct p11 *p);
/* Log in once with the PIN (len bytes).  0 ok, -1 error (wrong PIN: ERR_TOKEN,
 * message says so; never retry).  Then find the private key. */
int  p11_login(struct p11 *p, const char *pin, size_t len, struct err *e);
enum p11_keytype p11_key_type(const struct p11 *p);
/* Sign a SHA-256 digest: RSA PKCS#1 v1.5 (DigestInfo built here) or ECDSA
 * (raw r||s from the token, returned DER-encoded).  *sig is malloc'd, caller
 * frees.  0 ok, -1 error. */
int  p11_sign_digest(struct p11 *p, const unsigned char dgst[32], unsigned char **sig,
                     size_t *siglen, struct err *e);
void p11_close(struct p11 **p);   /* NULL-safe; logs out, finalizes, unloads */

/* Parse an RFC 7512 URI; exposed for unit tests.  Values are percent-decoded
 * into the caller's buffers (id is binary, *idlen its length).  0 ok, -1 error. */
struct p11_uri {
    char token[64], manufacturer[64], serial[32], model[32], object[256], type[16];
    unsigned char id[128];
    size_t idlen;
    int has_id;
};
int  p11_uri_parse(const char *uri, struct p11_uri *u, struct err *e);

/* PIN input.  Exactly one source: a file (must not be readable by group or
 * others: mode 0600 or 0400), a file descriptor (fd >= 0), or, when neither is
 * given and stdin is a terminal, a prompt with echo off.  The trailing newline
 * is removed.  *pin is malloc'd: wipe it with sig_pin_free().  0 ok, -1 error. */
int  sig_pin_read(const char *file, int fd, char **pin, size_t *len, struct err *e);
void sig_pin_free(char **pin, size_t len);

#endif
