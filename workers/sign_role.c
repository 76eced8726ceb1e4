#include "workers/sign_role.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/str.h"
#include "signing/pades.h"
#include "store/store.h"
#include "workers/master.h"

static PGresult *exec(PGconn *db, const char *sql, int n, const char *const *p, struct err *e)
{
    PGresult *r = PQexecParams(db, sql, n, NULL, p, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        err_set(e, ERR_DB, "signer: %s", PQerrorMessage(db));
        PQclear(r);
        return NULL;
    }
    return r;
}

static bool is_pdf(const char *path)
{
    char b[5] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && read(fd, b, 5) == 5 && memcmp(b, "%PDF-", 5) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* A wrong or locked PIN must stop the role: never try the token again. */
static bool pin_problem(const struct err *e)
{
    return e->kind == ERR_TOKEN && (strstr(e->msg, "wrong PIN") || strstr(e->msg, "is locked") ||
                                    strstr(e->msg, "has expired"));
}

/* Sign one claimed job.  0 done, 1 failed (job_fail called), -1 fatal. */
static int sign_one(struct store *s, const struct cfg *c, const struct job *j, struct err *fatal)
{
    PGconn *db = store_conn(s);
    char id[32], src[PATH_MAX], tmp[PATH_MAX], why[1200];
    struct err e;
    struct sig_opts o;
    struct sig_result r;
    PGresult *q = NULL;
    int rc = 1;

    err_init(&e);
    snprintf(id, sizeof id, "%lld", j->document_id);
    const char *p1[1] = {id};
    if (!(q = exec(db, "SELECT coalesce(searchable_pdf_sha256, ''), coalesce(signed_pdf_sha256, ''),"
                       " status::text, sha256, unit_id FROM documents WHERE id = $1::bigint", 1, p1, &e)))
        goto retry;
    if (PQntuples(q) != 1) {
        err_set(&e, ERR_INPUT, "document %lld no longer exists", j->document_id);
        goto fail_hard;
    }
    const char *spdf = PQgetvalue(q, 0, 0), *done = PQgetvalue(q, 0, 1), *status = PQgetvalue(q, 0, 2);
    char unit[16];
    snprintf(unit, sizeof unit, "%s", PQgetvalue(q, 0, 4));
    if (done[0] && !strcmp(status, "signed")) {
        /* signed and recorded before a crash lost the job's completion */
        PQclear(q);
        q = NULL;
        return job_complete(s, j, "{}", NULL, &e) < 0 ? 1 : 0;
    }
    if (spdf[0] && blob_exists(c, "pdf", spdf)) {
        blob_path(c, "pdf", spdf, src, sizeof src);
    } else {
        blob_path(c, "originals", PQgetvalue(q, 0, 3), src, sizeof src);
        if (!is_pdf(src)) {
            err_set(&e, ERR_INPUT, "document %lld has no searchable PDF to sign", j->document_id);
            err_hint(&e, "Enable ocr.searchable_pdf and process the document again, then approve it.");
            goto fail_hard;
        }
    }
    PQclear(q);
    q = NULL;

    snprintf(tmp, sizeof tmp, "%s/tmp", c->home);
    if (fs_mkdirs(tmp, 0700, &e) < 0)
        goto retry;
    snprintf(tmp, sizeof tmp, "%s/tmp/sign-%lld-%d.pdf", c->home, j->id, (int)getpid());
    sig_opts_from_cfg(&o, c);
    if (sig_sign_file(src, tmp, &o, &r, &e) < 0) {
        if (pin_problem(&e)) {
            *fatal = e;
            job_release(s, j, &e);
            return -1;
        }
        if (e.kind == ERR_INPUT || e.kind == ERR_LIMIT)
            goto fail_hard;
        if (e.kind == ERR_USAGE) {            /* configuration: nothing will work until fixed */
            *fatal = e;
            job_release(s, j, &e);
            return -1;
        }
        goto retry;                           /* token absent, TSA down, disk */
    }
    if (blob_put_file(c, "signed", tmp, r.out_sha256, &e) < 0) {
        unlink(tmp);
        goto retry;
    }
    unlink(tmp);

    char details[1024], signer_q[600];
    struct sbuf js = SBUF_INIT;
    sbuf_printf(&js, "{\"cert_sha256\":\"%s\",\"tsa_failed\":%s,\"job\":%lld}", r.cert_sha256,
                r.tsa_failed ? "true" : "false", j->id);
    snprintf(details, sizeof details, "%s", js.s);
    sbuf_release(&js);
    snprintf(signer_q, sizeof signer_q, "%s", r.signer_cn);
    const char *p2[7] = {id, signer_q, r.signing_time, r.level, r.out_sha256, details, unit};
    if (!(q = exec(db, "BEGIN", 0, NULL, &e)))
        goto retry;
    PQclear(q);
    q = exec(db,
             "WITH s AS (INSERT INTO signatures (document_id, origin, signer, signed_at, level, subfilter,"
             "                                   pdf_sha256, valid, details)"
             "           VALUES ($1::bigint, 'ancong', $2, $3::timestamptz, $4, 'ETSI.CAdES.detached', $5, true,"
             "                   $6::jsonb) RETURNING id),"
             " d AS (UPDATE documents SET status = 'signed', signed_pdf_sha256 = $5, error = NULL,"
             "       updated_at = now() WHERE id = $1::bigint RETURNING id)"
             " INSERT INTO audit_log (actor, unit_id, action, document_id, details)"
             " SELECT 'system:signer', $7::int, 'document.signed', $1::bigint,"
             "        $6::jsonb || jsonb_build_object('level', $4::text, 'signer', $2::text, 'pdf_sha256', $5::text,"
             "                                       'signature_id', (SELECT id FROM s), 'updated', (SELECT count(*) FROM d))",
             7, p2, &e);
    if (!q) {
        PQclear(PQexec(db, "ROLLBACK"));
        goto retry;
    }
    PQclear(q);
    if (!(q = exec(db, "COMMIT", 0, NULL, &e)))
        goto retry;
    PQclear(q);
    q = NULL;
    log_info("job=%lld sha256=%.12s stage=sign level=%s signed_sha256=%.12s", j->id, j->sha256, r.level,
             r.out_sha256);
    if (job_complete(s, j, "{}", NULL, &e) < 0)
        log_warn("job=%lld sha256=%.12s stage=sign msg=\"signed, but the job could not be closed\" error=\"%s\"",
                 j->id, j->sha256, e.msg);
    return 0;
retry:
    PQclear(q);
    err_text(&e, why, sizeof why);
    log_warn("job=%lld sha256=%.12s stage=sign retry=1 error=\"%s\"", j->id, j->sha256, e.msg);
    job_fail(s, j, why, true, &e);
    return rc;
fail_hard:
    PQclear(q);
    err_text(&e, why, sizeof why);
    log_error("job=%lld sha256=%.12s stage=sign error=\"%s\"", j->id, j->sha256, e.msg);
    job_fail(s, j, why, false, &e);
    return rc;
}

int sign_role_run(struct cfg *c, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload, bool once,
                  int *signed_n, struct err *e)
{
    struct store *s = NULL;
    struct job j;
    char me[128], host[64] = "?";
    int rc = -1;

    *signed_n = 0;
    if (!c->sign_module[0] || !c->sign_key[0] || !c->sign_pin_file[0]) {
        err_set(e, ERR_USAGE, "the signer needs sign.module, sign.key and sign.pin_file");
        err_hint(e, "Set them in ancong.conf (the PIN file must have mode 0600), then start the signer again.");
        return -1;
    }
    gethostname(host, sizeof host - 1);
    snprintf(me, sizeof me, "signer:%s:%d", host, (int)getpid());
    if (store_open(c, &s, e) < 0)
        return -1;
    while (!*stop) {
        if (reload && *reload) {
            /* SIGHUP: take the reloadable sign.* settings (TSA, chain,
             * stamp, CRL...) for the next job, as the other roles do. */
            struct err re;
            char q[400];
            *reload = 0;
            err_init(&re);
            if (master_reload_cfg(c, &re) < 0)
                log_error("stage=reload result=kept_old error=%s", log_q(re.msg, q, sizeof q));
            else
                log_info("stage=reload result=ok");
        }
        int got = job_claim(s, "sign", me, &j, e);
        if (got < 0) {
            if (store_check(s, e) < 0)
                goto out;
            continue;
        }
        if (got == 0) {
            if (once)
                break;
            if (job_wait(s, 5000) < 0 && store_check(s, e) < 0)
                goto out;
            continue;
        }
        int r = sign_one(s, c, &j, e);
        if (r < 0)
            goto out;
        if (r == 0)
            (*signed_n)++;
    }
    rc = 0;
out:
    store_close(&s);
    return rc;
}
