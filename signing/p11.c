#include "signing/p11.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/bn.h>

#include "common/log.h"
#include "common/str.h"

/*
 * The few PKCS#11 (v2.40) types and constants we use, declared here so that
 * the build needs no token SDK.  The function list is a fixed ABI: only the
 * members up to C_Sign are named, which is all we call.
 */
typedef unsigned long ck_ulong;
typedef ck_ulong ck_rv;
struct ck_version { unsigned char major, minor; };
struct ck_attribute { ck_ulong type; void *value; ck_ulong len; };
struct ck_mechanism { ck_ulong mechanism; void *param; ck_ulong param_len; };
struct ck_token_info {
    unsigned char label[32], manufacturer[32], model[16], serial[16];
    ck_ulong flags, max_sessions, sessions, max_rw, rw, max_pin, min_pin,
             total_pub, free_pub, total_priv, free_priv;
    struct ck_version hw, fw;
    unsigned char utc[16];
};
typedef void *ck_unused;
struct ck_function_list {
    struct ck_version version;
    ck_rv (*C_Initialize)(void *);
    ck_rv (*C_Finalize)(void *);
    ck_unused C_GetInfo, C_GetFunctionList;
    ck_rv (*C_GetSlotList)(unsigned char, ck_ulong *, ck_ulong *);
    ck_unused C_GetSlotInfo;
    ck_rv (*C_GetTokenInfo)(ck_ulong, struct ck_token_info *);
    ck_unused C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN;
    ck_rv (*C_OpenSession)(ck_ulong, ck_ulong, void *, void *, ck_ulong *);
    ck_rv (*C_CloseSession)(ck_ulong);
    ck_unused C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState, C_SetOperationState;
    ck_rv (*C_Login)(ck_ulong, ck_ulong, unsigned char *, ck_ulong);
    ck_rv (*C_Logout)(ck_ulong);
    ck_unused C_CreateObject, C_CopyObject, C_DestroyObject, C_GetObjectSize;
    ck_rv (*C_GetAttributeValue)(ck_ulong, ck_ulong, struct ck_attribute *, ck_ulong);
    ck_unused C_SetAttributeValue;
    ck_rv (*C_FindObjectsInit)(ck_ulong, struct ck_attribute *, ck_ulong);
    ck_rv (*C_FindObjects)(ck_ulong, ck_ulong *, ck_ulong, ck_ulong *);
    ck_rv (*C_FindObjectsFinal)(ck_ulong);
    ck_unused C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal;
    ck_unused C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal;
    ck_unused C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal;
    ck_rv (*C_SignInit)(ck_ulong, struct ck_mechanism *, ck_ulong);
    ck_rv (*C_Sign)(ck_ulong, unsigned char *, ck_ulong, unsigned char *, ck_ulong *);
};

#define CKR_OK                           0x000UL
#define CKR_DEVICE_REMOVED               0x032UL
#define CKR_PIN_INCORRECT                0x0A0UL
#define CKR_PIN_INVALID                  0x0A1UL
#define CKR_PIN_LEN_RANGE                0x0A2UL
#define CKR_PIN_EXPIRED                  0x0A3UL
#define CKR_PIN_LOCKED                   0x0A4UL
#define CKR_TOKEN_NOT_PRESENT            0x0E0UL
#define CKR_USER_ALREADY_LOGGED_IN       0x100UL
#define CKR_USER_PIN_NOT_INITIALIZED     0x102UL
#define CKR_CRYPTOKI_ALREADY_INITIALIZED 0x191UL
#define CKF_RW_SESSION                   0x2UL
#define CKF_SERIAL_SESSION               0x4UL
#define CKF_USER_PIN_COUNT_LOW           0x10000UL
#define CKF_USER_PIN_FINAL_TRY           0x20000UL
#define CKF_USER_PIN_LOCKED              0x40000UL
#define CKU_USER                         1UL
#define CKA_CLASS                        0x000UL
#define CKA_LABEL                        0x003UL
#define CKA_VALUE                        0x011UL
#define CKA_KEY_TYPE                     0x100UL
#define CKA_ID                           0x102UL
#define CKO_CERTIFICATE                  1UL
#define CKO_PRIVATE_KEY                  3UL
#define CKK_RSA                          0UL
#define CKK_EC                           3UL
#define CKM_RSA_PKCS                     0x0001UL
#define CKM_ECDSA                        0x1041UL

struct p11 {
    void *dl;
    struct ck_function_list *f;
    bool initialized;
    ck_ulong slot, session, key;
    bool have_session, logged_in, have_key;
    struct p11_uri uri;
    char label[33];
    unsigned char *cert;
    size_t certlen;
    unsigned char certid[128];
    size_t certidlen;
    enum p11_keytype kt;
};

/* ------------------------------------------------------------------ URI */

static int pct_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *outlen,
                      const char *attr, struct err *e)
{
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        int c = (unsigned char)s[k];
        if (c == '%') {
            unsigned v;
            if (k + 2 >= n) {
                err_set(e, ERR_USAGE, "bad %% escape in the \"%s\" attribute of the key URI", attr);
                return -1;
            }
            char hx[3] = {s[k + 1], s[k + 2], 0};
            if (sscanf(hx, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", hx[0]) ||
                !strchr("0123456789abcdefABCDEF", hx[1])) {
                err_set(e, ERR_USAGE, "bad %% escape in the \"%s\" attribute of the key URI", attr);
                return -1;
            }
            c = (int)v;
            k += 2;
        }
        if (o + 1 >= cap) {
            err_set(e, ERR_USAGE, "the \"%s\" attribute of the key URI is too long", attr);
            return -1;
        }
        out[o++] = (unsigned char)c;
    }
    out[o] = 0;
    *outlen = o;
    return 0;
}

int p11_uri_parse(const char *uri, struct p11_uri *u, struct err *e)
{
    memset(u, 0, sizeof *u);
    if (strncmp(uri, "pkcs11:", 7) != 0) {
        err_set(e, ERR_USAGE, "the key \"%s\" is not a pkcs11: URI", uri);
        err_hint(e, "Name the key as in RFC 7512, e.g. \"pkcs11:token=MyToken;object=signer\".");
        return -1;
    }
    const char *p = uri + 7;
    const char *q = strchr(p, '?');
    if (q && (strstr(q, "pin-value") || strstr(q, "pin-source"))) {
        err_set(e, ERR_USAGE, "the key URI carries a PIN (pin-value or pin-source)");
        err_hint(e, "Remove the PIN from the URI; give it with --pin-file (mode 0600), --pin-fd, or at the prompt.");
        return -1;
    }
    size_t pathlen = q ? (size_t)(q - p) : strlen(p);
    while (pathlen > 0) {
        const char *semi = memchr(p, ';', pathlen);
        size_t n = semi ? (size_t)(semi - p) : pathlen;
        const char *eq = memchr(p, '=', n);
        if (n && !eq) {
            err_set(e, ERR_USAGE, "bad key URI attribute \"%.*s\"", (int)n, p);
            return -1;
        }
        if (n) {
            size_t kl = (size_t)(eq - p), vl = n - kl - 1, got;
            const char *v = eq + 1;
            unsigned char tmp[256];
            char key[32];
            snprintf(key, sizeof key, "%.*s", (int)(kl < 31 ? kl : 31), p);
            if (pct_decode(v, vl, tmp, sizeof tmp, &got, key, e) < 0)
                return -1;
#define COPY(field) do { if (got >= sizeof u->field) { \
                err_set(e, ERR_USAGE, "the \"%s\" attribute of the key URI is too long", key); return -1; } \
                memcpy(u->field, tmp, got + 1); } while (0)
            if (!strcmp(key, "token")) COPY(token);
            else if (!strcmp(key, "manufacturer")) COPY(manufacturer);
            else if (!strcmp(key, "serial")) COPY(serial);
            else if (!strcmp(key, "model")) COPY(model);
            else if (!strcmp(key, "object")) COPY(object);
            else if (!strcmp(key, "type")) COPY(type);
            else if (!strcmp(key, "id")) {
                if (got > sizeof u->id) {
                    err_set(e, ERR_USAGE, "the \"id\" attribute of the key URI is too long");
                    return -1;
                }
                memcpy(u->id, tmp, got);
                u->idlen = got;
                u->has_id = 1;
            } else if (!strcmp(key, "pin-value") || !strcmp(key, "pin-source")) {
                err_set(e, ERR_USAGE, "the key URI carries a PIN (%s)", key);
                err_hint(e, "Remove the PIN from the URI; give it with --pin-file (mode 0600), --pin-fd, or at the prompt.");
                return -1;
            }
            /* other attributes (library-*, slot-*) do not narrow our search */
#undef COPY
        }
        if (!semi)
            break;
        pathlen -= n + 1;
        p = semi + 1;
    }
    if (u->type[0] && strcmp(u->type, "private") && strcmp(u->type, "cert")) {
        err_set(e, ERR_USAGE, "the key URI has type=%s; it must name a private key or certificate", u->type);
        return -1;
    }
    if (!u->object[0] && !u->has_id) {
        err_set(e, ERR_USAGE, "the key URI names no object (object= or id=)");
        err_hint(e, "List the token's objects with \"pkcs11-tool --module SO -O\" and add object=LABEL or id=%%XX.");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ token */

static const char *rv_name(ck_rv rv)
{
    switch (rv) {
    case CKR_OK: return "CKR_OK";
    case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_PIN_INVALID: return "CKR_PIN_INVALID";
    case CKR_PIN_LEN_RANGE: return "CKR_PIN_LEN_RANGE";
    case CKR_PIN_EXPIRED: return "CKR_PIN_EXPIRED";
    case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_USER_PIN_NOT_INITIALIZED: return "CKR_USER_PIN_NOT_INITIALIZED";
    default: {
        static __thread char b[32];
        snprintf(b, sizeof b, "CKR 0x%lx", rv);
        return b;
    }
    }
}

static void padded(char *dst, const unsigned char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = 0;
    for (size_t k = n; k > 0 && (dst[k - 1] == ' ' || dst[k - 1] == 0); k--)
        dst[k - 1] = 0;
}

/* Find objects of a class matching label and/or id; returns count (<= max). */
static int find(struct p11 *p, ck_ulong cls, const char *label, const unsigned char *id, size_t idlen,
                ck_ulong *out, int max, struct err *e)
{
    struct ck_attribute t[3];
    int n = 0;
    ck_ulong got = 0;
    t[n++] = (struct ck_attribute){CKA_CLASS, &cls, sizeof cls};
    if (label && label[0])
        t[n++] = (struct ck_attribute){CKA_LABEL, (void *)label, strlen(label)};
    if (id && idlen)
        t[n++] = (struct ck_attribute){CKA_ID, (void *)id, idlen};
    ck_rv rv = p->f->C_FindObjectsInit(p->session, t, (ck_ulong)n);
    if (rv != CKR_OK) {
        err_set(e, ERR_TOKEN, "could not search the token \"%s\" (%s)", p->label, rv_name(rv));
        return -1;
    }
    rv = p->f->C_FindObjects(p->session, out, (ck_ulong)max, &got);
    p->f->C_FindObjectsFinal(p->session);
    if (rv != CKR_OK) {
        err_set(e, ERR_TOKEN, "could not search the token \"%s\" (%s)", p->label, rv_name(rv));
        return -1;
    }
    return (int)got;
}

/* Read one attribute into a malloc'd buffer (caller frees). */
static int get_attr(struct p11 *p, ck_ulong obj, ck_ulong type, unsigned char **val, size_t *len)
{
    struct ck_attribute a = {type, NULL, 0};
    if (p->f->C_GetAttributeValue(p->session, obj, &a, 1) != CKR_OK || a.len == (ck_ulong)-1 || a.len > 1 << 20)
        return -1;
    a.value = xmalloc(a.len + 1);
    if (p->f->C_GetAttributeValue(p->session, obj, &a, 1) != CKR_OK) {
        free(a.value);
        return -1;
    }
    *val = a.value;
    *len = a.len;
    return 0;
}

struct p11 *p11_open(const char *module, const char *uri, struct err *e)
{
    struct p11 *p = xcalloc(1, sizeof *p);
    ck_rv (*getlist)(struct ck_function_list **);
    ck_ulong slots[64], nslots = 64, h[4];
    int found = 0, n;

    if (p11_uri_parse(uri, &p->uri, e) < 0)
        goto fail;
    if (!module || !module[0]) {
        err_set(e, ERR_USAGE, "no PKCS#11 module given");
        err_hint(e, "Give --pkcs11-module /path/to/module.so or set sign.module in ancong.conf.");
        goto fail;
    }
    p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        err_set(e, ERR_TOKEN, "could not load the PKCS#11 module \"%s\": %s", module, dlerror());
        err_hint(e, "Install the token's driver, or fix --pkcs11-module / sign.module.");
        goto fail;
    }
    *(void **)&getlist = dlsym(p->dl, "C_GetFunctionList");
    if (!getlist || getlist(&p->f) != CKR_OK || !p->f) {
        err_set(e, ERR_TOKEN, "\"%s\" is not a PKCS#11 module (no C_GetFunctionList)", module);
        goto fail;
    }
    ck_rv rv = p->f->C_Initialize(NULL);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        err_set(e, ERR_TOKEN, "the PKCS#11 module \"%s\" failed to start (%s)", module, rv_name(rv));
        err_hint(e, "Check the module's configuration (for SoftHSM2: SOFTHSM2_CONF and its token folder).");
        goto fail;
    }
    p->initialized = rv == CKR_OK;
    rv = p->f->C_GetSlotList(1, slots, &nslots);
    if (rv != CKR_OK)
        nslots = 0;
    for (ck_ulong k = 0; k < nslots && !found; k++) {
        struct ck_token_info ti;
        char lab[33], man[33], ser[17], mod[17];
        if (p->f->C_GetTokenInfo(slots[k], &ti) != CKR_OK)
            continue;
        padded(lab, ti.label, 32);
        padded(man, ti.manufacturer, 32);
        padded(ser, ti.serial, 16);
        padded(mod, ti.model, 16);
        if ((p->uri.token[0] && strcmp(lab, p->uri.token)) ||
            (p->uri.manufacturer[0] && strcmp(man, p->uri.manufacturer)) ||
            (p->uri.serial[0] && strcmp(ser, p->uri.serial)) ||
            (p->uri.model[0] && strcmp(mod, p->uri.model)))
            continue;
        found = 1;
        p->slot = slots[k];
        memcpy(p->label, lab, sizeof lab);
        if (ti.flags & CKF_USER_PIN_LOCKED) {
            err_set(e, ERR_TOKEN, "the PIN of token \"%s\" is locked", lab);
            err_hint(e, "Too many wrong PINs were tried; the token's owner must unlock it with the SO PIN.");
            goto fail;
        }
        if (ti.flags & CKF_USER_PIN_FINAL_TRY)
            log_warn("stage=sign token=%s msg=\"one PIN attempt left before the token locks\"", lab);
        else if (ti.flags & CKF_USER_PIN_COUNT_LOW)
            log_warn("stage=sign token=%s msg=\"a wrong PIN was entered recently\"", lab);
    }
    if (!found) {
        if (p->uri.token[0])
            err_set(e, ERR_TOKEN, "token \"%s\" not found by module \"%s\"", p->uri.token, module);
        else
            err_set(e, ERR_TOKEN, "no token found by module \"%s\"", module);
        err_hint(e, "Plug in the officer's USB token (or check the key URI's token= label), then try again.");
        goto fail;
    }
    rv = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION, NULL, NULL, &p->session);
    if (rv != CKR_OK) {
        err_set(e, ERR_TOKEN, "could not open a session on token \"%s\" (%s)", p->label, rv_name(rv));
        goto fail;
    }
    p->have_session = true;
    /* the certificate: same label/id as the key; fall back to id or label alone */
    const unsigned char *id = p->uri.has_id ? p->uri.id : NULL;
    n = find(p, CKO_CERTIFICATE, p->uri.object, id, p->uri.idlen, h, 4, e);
    if (n == 0 && id && p->uri.object[0])
        n = find(p, CKO_CERTIFICATE, NULL, id, p->uri.idlen, h, 4, e);
    if (n < 0)
        goto fail;
    if (n == 0) {
        err_set(e, ERR_TOKEN, "no certificate for key \"%s\" on token \"%s\"",
                p->uri.object[0] ? p->uri.object : "(by id)", p->label);
        err_hint(e, "The signer's certificate must be stored on the token with the key's id; "
                    "check the URI's object= and id= (pkcs11-tool -O lists them).");
        goto fail;
    }
    if (n > 1) {
        err_set(e, ERR_TOKEN, "the key URI matches %d certificates on token \"%s\"", n, p->label);
        err_hint(e, "Add id=%%XX to the URI to pick one.");
        goto fail;
    }
    if (get_attr(p, h[0], CKA_VALUE, &p->cert, &p->certlen) < 0) {
        err_set(e, ERR_TOKEN, "could not read the certificate from token \"%s\"", p->label);
        goto fail;
    }
    unsigned char *cid = NULL;
    size_t cidlen = 0;
    if (get_attr(p, h[0], CKA_ID, &cid, &cidlen) == 0 && cidlen <= sizeof p->certid) {
        memcpy(p->certid, cid, cidlen);
        p->certidlen = cidlen;
    }
    free(cid);
    return p;
fail:
    p11_close(&p);
    return NULL;
}

const unsigned char *p11_cert(const struct p11 *p, size_t *len)
{
    *len = p->certlen;
    return p->cert;
}

const char *p11_token_label(const struct p11 *p) { return p->label; }
enum p11_keytype p11_key_type(const struct p11 *p) { return p->kt; }

int p11_login(struct p11 *p, const char *pin, size_t len, struct err *e)
{
    ck_ulong h[4];
    /* Exactly one C_Login.  Whatever it answers, we never call it again. */
    ck_rv rv = p->f->C_Login(p->session, CKU_USER, (unsigned char *)pin, (ck_ulong)len);
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
        err_set(e, ERR_TOKEN, "wrong PIN for token \"%s\" (%s); stopped after one attempt", p->label, rv_name(rv));
        err_hint(e, "The token locks after a few wrong PINs. Check the PIN file before trying again; "
                    "ancong never retries a PIN by itself.");
        return -1;
    }
    if (rv == CKR_PIN_LOCKED) {
        err_set(e, ERR_TOKEN, "the PIN of token \"%s\" is locked", p->label);
        err_hint(e, "Too many wrong PINs were tried; the token's owner must unlock it with the SO PIN.");
        return -1;
    }
    if (rv == CKR_PIN_EXPIRED) {
        err_set(e, ERR_TOKEN, "the PIN of token \"%s\" has expired", p->label);
        err_hint(e, "Change the PIN with the token's tool, then sign again.");
        return -1;
    }
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        err_set(e, ERR_TOKEN, "could not log in to token \"%s\" (%s)", p->label, rv_name(rv));
        return -1;
    }
    p->logged_in = rv == CKR_OK;
    const unsigned char *id = p->certidlen ? p->certid : (p->uri.has_id ? p->uri.id : NULL);
    size_t idlen = p->certidlen ? p->certidlen : p->uri.idlen;
    int n = find(p, CKO_PRIVATE_KEY, id ? NULL : p->uri.object, id, idlen, h, 4, e);
    if (n == 0 && id && p->uri.object[0])
        n = find(p, CKO_PRIVATE_KEY, p->uri.object, NULL, 0, h, 4, e);
    if (n < 0)
        return -1;
    if (n != 1) {
        if (n)
            err_set(e, ERR_TOKEN, "the key URI matches %d private keys on token \"%s\"", n, p->label);
        else
            err_set(e, ERR_TOKEN, "no private key for the certificate on token \"%s\"", p->label);
        err_hint(e, "The private key must have the same CKA_ID as the certificate (pkcs11-tool -O lists them).");
        return -1;
    }
    p->key = h[0];
    unsigned char *kt = NULL;
    size_t ktlen = 0;
    if (get_attr(p, p->key, CKA_KEY_TYPE, &kt, &ktlen) < 0 || ktlen != sizeof(ck_ulong)) {
        free(kt);
        err_set(e, ERR_TOKEN, "could not read the key type on token \"%s\"", p->label);
        return -1;
    }
    ck_ulong t;
    memcpy(&t, kt, sizeof t);
    free(kt);
    if (t == CKK_RSA) {
        p->kt = P11_RSA;
    } else if (t == CKK_EC) {
        p->kt = P11_EC;
    } else {
        err_set(e, ERR_TOKEN, "the key on token \"%s\" is neither RSA nor EC (type 0x%lx)", p->label, t);
        return -1;
    }
    p->have_key = true;
    return 0;
}

int p11_sign_digest(struct p11 *p, const unsigned char dgst[32], unsigned char **sig,
                    size_t *siglen, struct err *e)
{
    static const unsigned char di[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    unsigned char in[19 + 32], out[1024];
    ck_ulong outlen = sizeof out, inlen;
    struct ck_mechanism m = {p->kt == P11_RSA ? CKM_RSA_PKCS : CKM_ECDSA, NULL, 0};

    if (!p->have_key) {
        err_set(e, ERR_INTERNAL, "signing before logging in to the token");
        return -1;
    }
    if (p->kt == P11_RSA) {
        memcpy(in, di, sizeof di);
        memcpy(in + sizeof di, dgst, 32);
        inlen = sizeof in;
    } else {
        memcpy(in, dgst, 32);
        inlen = 32;
    }
    ck_rv rv = p->f->C_SignInit(p->session, &m, p->key);
    if (rv == CKR_OK)
        rv = p->f->C_Sign(p->session, in, inlen, out, &outlen);
    if (rv != CKR_OK) {
        err_set(e, ERR_TOKEN, "the token \"%s\" refused to sign (%s)", p->label, rv_name(rv));
        if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT)
            err_hint(e, "The token was removed; plug it in and sign again.");
        return -1;
    }
    if (p->kt == P11_RSA) {
        *sig = xmalloc(outlen);
        memcpy(*sig, out, outlen);
        *siglen = outlen;
        return 0;
    }
    /* ECDSA: the token returns r||s, CMS wants DER SEQUENCE { r, s } */
    if (outlen == 0 || outlen % 2 || outlen > 264) {
        err_set(e, ERR_TOKEN, "the token returned a malformed ECDSA signature (%lu bytes)", outlen);
        return -1;
    }
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(out, (int)(outlen / 2), NULL), *s = BN_bin2bn(out + outlen / 2, (int)(outlen / 2), NULL);
    if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
        ECDSA_SIG_free(es);
        BN_free(r);
        BN_free(s);
        err_set(e, ERR_INTERNAL, "could not encode the ECDSA signature");
        return -1;
    }
    unsigned char *der = NULL;
    int dl = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (dl <= 0) {
        err_set(e, ERR_INTERNAL, "could not encode the ECDSA signature");
        return -1;
    }
    *sig = xmalloc((size_t)dl);
    memcpy(*sig, der, (size_t)dl);
    *siglen = (size_t)dl;
    OPENSSL_free(der);
    return 0;
}

void p11_close(struct p11 **pp)
{
    struct p11 *p = pp ? *pp : NULL;
    if (!p)
        return;
    if (p->f) {
        if (p->logged_in)
            p->f->C_Logout(p->session);
        if (p->have_session)
            p->f->C_CloseSession(p->session);
        if (p->initialized)
            p->f->C_Finalize(NULL);
    }
    if (p->dl)
        dlclose(p->dl);
    free(p->cert);
    OPENSSL_cleanse(p, sizeof *p);
    free(p);
    *pp = NULL;
}

/* ------------------------------------------------------------------ PIN */

#define PIN_MAX 256

static int read_line(int fd, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t k = read(fd, &c, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0 || c == '\n')
            break;
        if (n + 1 >= cap)
            return -2;
        buf[n++] = c;
    }
    if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = 0;
    *len = n;
    return 0;
}

int sig_pin_read(const char *file, int fd, char **pin, size_t *len, struct err *e)
{
    char *buf = xmalloc(PIN_MAX);
    int rc = -1, r;
    (void)mlock(buf, PIN_MAX);   /* best effort: keep the PIN out of swap */

    *pin = NULL;
    if (file && file[0]) {
        struct stat st;
        int pfd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (pfd < 0) {
            err_errno(e, "open the PIN file", file);
            goto out;
        }
        if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(pfd);
            err_set(e, ERR_USAGE, "the PIN file \"%s\" is not a regular file", file);
            goto out;
        }
        if (st.st_mode & 077) {
            close(pfd);
            err_set(e, ERR_USAGE, "the PIN file \"%s\" can be read by other users (mode %04o)", file,
                    (unsigned)(st.st_mode & 07777));
            err_hint(e, "Run \"chmod 600 %s\" (only its owner may read it), then sign again.", file);
            goto out;
        }
        r = read_line(pfd, buf, PIN_MAX, len);
        close(pfd);
        if (r < 0) {
            err_set(e, ERR_USAGE, r == -2 ? "the PIN in \"%s\" is too long" : "could not read the PIN file \"%s\"", file);
            goto out;
        }
    } else if (fd >= 0) {
        r = read_line(fd, buf, PIN_MAX, len);
        if (r < 0) {
            err_set(e, ERR_USAGE, r == -2 ? "the PIN on descriptor %d is too long" : "could not read the PIN from descriptor %d", fd);
            goto out;
        }
    } else if (isatty(STDIN_FILENO)) {
        struct termios old, noecho;
        if (tcgetattr(STDIN_FILENO, &old) < 0) {
            err_set(e, ERR_USAGE, "could not switch the terminal's echo off for the PIN prompt");
            goto out;
        }
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        fprintf(stderr, "Token PIN: ");
        fflush(stderr);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
        r = read_line(STDIN_FILENO, buf, PIN_MAX, len);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
        if (r < 0) {
            err_set(e, ERR_USAGE, "could not read the PIN");
            goto out;
        }
    } else {
        err_set(e, ERR_USAGE, "no PIN source: not on a terminal and neither --pin-file nor --pin-fd given");
        err_hint(e, "Give --pin-file FILE (mode 0600) or --pin-fd N, or set sign.pin_file in ancong.conf.");
        goto out;
    }
    if (*len == 0) {
        err_set(e, ERR_USAGE, "the PIN is empty");
        err_hint(e, "Put the token PIN in the PIN file (one line), then sign again.");
        goto out;
    }
    *pin = buf;
    buf = NULL;
    rc = 0;
out:
    if (buf) {
        OPENSSL_cleanse(buf, PIN_MAX);
        munlock(buf, PIN_MAX);
        free(buf);
    }
    return rc;
}

void sig_pin_free(char **pin, size_t len)
{
    (void)len;
    if (!pin || !*pin)
        return;
    OPENSSL_cleanse(*pin, PIN_MAX);
    munlock(*pin, PIN_MAX);
    free(*pin);
    *pin = NULL;
}
