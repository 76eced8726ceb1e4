/*
 * signing/pades.h: PAdES signatures made by a PKCS#11 token, and their check.
 *
 * sig_sign_file() appends an incremental update to IN (earlier revisions and
 * signatures stay byte-for-byte intact) holding a signature field on a page,
 * the /AcroForm (merged with any existing one), and a signature dictionary
 * (/Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached) whose /Contents is
 * a CAdES SignedData: SHA-256, signed attributes content-type,
 * message-digest and signing-certificate-v2 (no signing-time: the claimed
 * time is /M), the signer's chain embedded.  With a TSA the signature value
 * is time-stamped (RFC 3161, id-aa-signatureTimeStampToken): level B-T.
 * With revocation data (CRL files) a second update adds a /DSS: B-LT.
 *
 * OUT is written to a temporary file in OUT's folder and renamed only when
 * everything worked: on any error nothing is left at OUT.
 *
 * Refused inputs (ERR_INPUT): encrypted PDFs, documents certified with
 * DocMDP P=1 (no changes allowed), damaged cross-reference data.
 * Refused certificates (ERR_TOKEN): expired, not yet valid, key usage
 * without digitalSignature or nonRepudiation.
 */
#ifndef ANCONG_SIGNING_PADES_H
#define ANCONG_SIGNING_PADES_H

#include <stdbool.h>
#include "common/err.h"
#include "common/hash.h"

struct cfg;

struct sig_opts {
    const char *module;        /* PKCS#11 module .so */
    const char *key_uri;       /* RFC 7512 pkcs11: URI */
    const char *pin_file;      /* PIN file (mode 0600/0400), or NULL */
    int pin_fd;                /* PIN descriptor, or -1 */
    const char *tsa_url;       /* http:// RFC 3161 service; NULL/"" = B-B */
    int tsa_timeout_s;         /* 0 = 15 */
    bool allow_bb;             /* TSA failure: sign at B-B instead of failing */
    const char *chain_pem;     /* CA certificates to embed (PEM), or NULL */
    const char **crl_files;    /* CRLs (DER or PEM) for the DSS (B-LT) */
    int ncrl;
    const char *reason;        /* /Reason, optional (UTF-8) */
    const char *location;      /* /Location, optional (UTF-8) */
    /* visible stamp */
    bool stamp;
    int stamp_page;            /* 1-based; 0 = 1 */
    bool stamp_rect_set;
    double stamp_rect[4];      /* x0 y0 x1 y1 in points; default: top right of the page */
    const char *stamp_copy_type; /* default "Bản sao điện tử" */
    const char *stamp_agency;  /* agency/officer name (sign.name); default: signer CN */
    const char *stamp_unit;    /* unit line, optional */
    const char *font_file;     /* TrueType font; default Liberation Serif */
};

/* Fill opts from the configuration (sign.* settings); strings point into c
 * (sign.crl's list into a static copy: not thread-safe, call once per use). */
void sig_opts_from_cfg(struct sig_opts *o, const struct cfg *c);

struct sig_result {
    char level[8];                      /* "B-B", "B-T", "B-LT" */
    char signer_cn[256];
    char cert_sha256[HASH_HEX_LEN + 1]; /* of the signer certificate DER */
    char signing_time[32];              /* ISO 8601 UTC, the /M time */
    char out_sha256[HASH_HEX_LEN + 1];  /* of the output file */
    bool tsa_failed;                    /* the TSA failed and allow_bb gave B-B */
    char tsa_error[256];
};

/* Sign in_path into out_path.  0 ok (r filled), -1 error (e set; nothing at
 * out_path). */
int sig_sign_file(const char *in_path, const char *out_path, const struct sig_opts *o,
                  struct sig_result *r, struct err *e);

/* ------------------------------------------------------------------ verify */

struct sig_check {
    int field_obj;              /* object number of the signature dictionary */
    char field_name[128];
    char signer[256];           /* subject CN (or whole subject) */
    char subfilter[48];
    char digest[16];            /* "sha256", ... */
    char time[40];              /* time-stamp time if B-T, else /M, ISO 8601 */
    char level[8];              /* "B-B", "B-T", "B-LT", "-" (document time-stamp) */
    bool doc_timestamp;
    bool covers_whole;          /* the signed revision is the whole file */
    bool changed_after;         /* later revisions change more than signatures/DSS */
    char changes[256];          /* what changed, when changed_after */
    bool chain_checked, chain_ok;
    bool revocation_checked;    /* the signer was checked against a CRL in the DSS */
    bool valid;                 /* everything below holds */
    bool weak_digest;           /* the digest is weaker than SHA-256 (sha1, md5) */
    int nproblems;              /* how many checks failed */
    char problem[512];          /* the reasons it is not valid, "; " between */
};

/* Check every signature in path.  ca_pem may be NULL (chains then not
 * checked, said so).  *out is malloc'd (caller frees), *n its length.
 * Returns 0 when the file could be examined (even with invalid signatures),
 * -1 if not (e set). */
/* The signature verifies over unchanged bytes and its only fault is a digest
 * weaker than SHA-256: intact, but not acceptable for a new signature. */
static inline bool sig_intact_weak(const struct sig_check *c)
{
    return !c->valid && c->weak_digest && c->nproblems == 1;
}

int sig_verify_file(const char *path, const char *ca_pem, struct sig_check **out, int *n,
                    struct err *e);

#endif
