/*
 * workers/sign_role.h: the signer role.  Claims "sign" jobs (queued when a
 * reviewer approves a document, see web_queue_sign), signs the document's
 * searchable PDF (or the original when it is a PDF and no searchable PDF was
 * made) with signing/pades.h, stores the signed PDF in the blob store
 * (kind "signed"; the unsigned searchable PDF stays), and records in one
 * transaction: a signatures row (signer, certificate fingerprint, time,
 * level, sha256 of the signed file), documents.status = 'signed' with
 * signed_pdf_sha256, and an audit_log entry.
 *
 * Only this process reads the token PIN (sign.pin_file, for each document,
 * wiped after C_Login).  A wrong or locked PIN stops the role at once: every
 * further attempt would move the token's retry counter.  A missing token or
 * an unreachable TSA fails the job retryably; a document that cannot be
 * signed (encrypted, certified, damaged) fails it for good with the reason.
 */
#ifndef ANCONG_WORKERS_SIGN_ROLE_H
#define ANCONG_WORKERS_SIGN_ROLE_H

#include <signal.h>
#include <stdbool.h>
#include "common/cfg.h"
#include "common/err.h"

/* Run until *stop (or, with once, until no sign job is ready).  *signed_n
 * counts the documents signed.  0 ok, -1 a fatal error (e set: database
 * gone for good, wrong/locked PIN, configuration incomplete). */
int sign_role_run(struct cfg *c, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload, bool once,
                  int *signed_n,
                  struct err *e);

#endif
