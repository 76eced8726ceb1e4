#include "backfill/backfill.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backfill/manifest.h"
#include "common/fs.h"
#include "common/log.h"
#include "pipeline/pipeline.h"
#include "common/str.h"
#include "ocr/ocr.h"

#define MAX_ARCHIVE_DEPTH 2

volatile sig_atomic_t bf_interrupted;

/* A file whose bytes are in the blob store, waiting for its batch. */
struct bf_pend {
    char *source, *name;
    struct mf_row *row;
    char sha256[65];
    long long size;
};

/* Rows go to PostgreSQL in batches: the first small, so the workers start
 * at once, then doubling up to BF_BATCH_MAX; a batch waits at most
 * BF_BATCH_MS for more files. */
#define BF_BATCH_FIRST 16
#define BF_BATCH_MAX 256
#define BF_BATCH_MS 1000

struct bf_ctx {
    struct store *st;
    const struct cfg *cfg;
    const struct bf_opts *o;
    struct bf_run *run;
    struct manifest mf;
    bool have_mf;
    char staging[4096];
    long long total_bytes, done_bytes;
    int64_t t0, last_draw;
    long staged;
    struct bf_pend *pend;
    int npend, batch_max;
    int64_t pend_t0;
};

const char *bf_status_name(enum bf_status s)
{
    switch (s) {
    case BF_LOADED:  return "loaded";
    case BF_ALREADY: return "already_loaded";
    case BF_REFUSED: return "refused";
    case BF_FAILED:  return "failed";
    default:         return "?";
    }
}

static struct bf_item *add_item(struct bf_run *run, const char *source, enum bf_status st,
                                const char *reason)
{
    if (run->nitems == run->cap) {
        run->cap = run->cap ? run->cap * 2 : 256;
        run->items = xrealloc(run->items, (size_t)run->cap * sizeof *run->items);
    }
    struct bf_item *it = &run->items[run->nitems++];
    memset(it, 0, sizeof *it);
    it->source = utf8_sanitize(source, strlen(source));
    it->status = st;
    it->reason = reason ? xstrdup(reason) : NULL;
    run->counts[st]++;
    return it;
}

/* A file loaded before, now with a manifest row naming its case: the code
 * is given to the document as its hint and, if it is processed and filed
 * under no case yet, it is filed now (the same rule as job_complete: a
 * code the document prints itself wins).  The report says what happened. */
static void apply_case_to_loaded(struct store *st, struct bf_item *it)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", it->document_id);
    const char *pv[2] = {id, it->case_code};
    PGconn *db = store_conn(st);
    /* two statements: one statement may not change the same row twice */
    PGresult *r = PQexecParams(db,
        "UPDATE documents SET case_code_hint = $2, updated_at = now()"
        " WHERE id = $1::bigint AND coalesce(btrim(case_code_hint), '') = ''",
        2, NULL, pv, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    r = !ok ? NULL : PQexecParams(db,
        "WITH d AS (SELECT x.id, x.unit_id,"
        "              coalesce(nullif(btrim(f.value), ''), $2) AS code,"
        "              (SELECT a.value FROM fields a WHERE a.document_id = x.id AND a.name = 'linh_vuc') AS area"
        "         FROM documents x LEFT JOIN fields f ON f.document_id = x.id AND f.name = 'ma_vu_viec'"
        "        WHERE x.id = $1::bigint AND x.case_id IS NULL"
        "          AND x.status IN ('indexed', 'needs_review', 'approved', 'signed')),"
        " c AS (INSERT INTO cases (unit_id, code, area) SELECT unit_id, code, area FROM d"
        "       ON CONFLICT (unit_id, code) DO UPDATE SET updated_at = now(),"
        "          area = coalesce(cases.area, excluded.area) RETURNING id)"
        " UPDATE documents x SET case_id = (SELECT id FROM c) WHERE x.id IN (SELECT id FROM d)",
        2, NULL, pv, NULL, NULL, 0);
    ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    char why[600];
    if (!ok) {
        snprintf(why, sizeof why, "already loaded; the manifest's case code could not be applied (%s): "
                 "run backfill again", PQerrorMessage(db));
    } else {
        r = PQexecParams(db, "SELECT coalesce(c.code, ''), d.status::text FROM documents d"
                             " LEFT JOIN cases c ON c.id = d.case_id WHERE d.id = $1::bigint",
                         1, NULL, pv, NULL, NULL, 0);
        const char *now = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
        const char *stt = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 1) : "";
        if (!now[0])
            snprintf(why, sizeof why, "already loaded (%s); filed under the manifest's case when it is processed", stt);
        else if (strcmp(now, it->case_code) == 0)
            snprintf(why, sizeof why, "already loaded; filed under the manifest's case");
        else
            snprintf(why, sizeof why, "already loaded and filed under case %s, not the manifest's %s "
                     "(the document prints its own code, or was filed before): check which is right "
                     "and correct it in the review app", now, it->case_code);
        PQclear(r);
    }
    free(it->reason);
    it->reason = xstrdup(why);
}

const char *bf_entry_path_problem(const char *path)
{
    if (!path || !*path)
        return "the entry has no name";
    if (path[0] == '/' || path[0] == '\\')
        return "the entry has an absolute path (it would be written outside the target)";
    if (((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) && path[1] == ':')
        return "the entry has a drive-letter path (it would be written outside the target)";
    for (const char *p = path; *p;) {
        const char *q = p;
        while (*q && *q != '/' && *q != '\\')
            q++;
        if (q - p == 2 && p[0] == '.' && p[1] == '.')
            return "the entry's path climbs out of the archive with \"..\"";
        p = *q ? q + 1 : q;
    }
    return NULL;
}

/* Hidden files, desktop junk and partial downloads are not documents. */
static bool is_junk_name(const char *base)
{
    static const char *junk[] = {"Thumbs.db", "desktop.ini", ".DS_Store", NULL};
    if (base[0] == '.' || base[0] == '~' || str_starts(base, "__MACOSX"))
        return true;
    for (int i = 0; junk[i]; i++)
        if (strcasecmp(base, junk[i]) == 0)
            return true;
    return str_ends(base, ".part") || str_ends(base, ".tmp") || str_ends(base, ".crdownload");
}

static void draw_progress(struct bf_ctx *c, bool final)
{
    int64_t now = fs_now_ms();
    if (!final && now - c->last_draw < (c->o->progress_tty ? 200 : 5000))
        return;
    c->last_draw = now;
    double secs = (double)(now - c->t0) / 1000.0;
    int files = c->run->nitems;
    double rate = secs > 0 ? files / secs : 0;
    double frac = c->total_bytes > 0 ? (double)c->done_bytes / (double)c->total_bytes : 0;
    if (frac > 1)
        frac = 1;
    double eta = frac > 0.01 ? secs * (1 - frac) / frac : -1;
    char etas[32];
    if (eta < 0)
        snprintf(etas, sizeof etas, "--:--");
    else
        snprintf(etas, sizeof etas, "%02d:%02d", (int)eta / 60, (int)eta % 60);
    if (c->o->progress_tty) {
        int w = 30, fill = (int)(frac * w);
        char bar[64];
        for (int i = 0; i < w; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[w] = '\0';
        fprintf(stderr, "\r[%s] %3.0f%%  files %d (new %d, already %d, refused %d, failed %d)  %.1f files/s  ETA %s ",
                bar, frac * 100, files, c->run->counts[BF_LOADED], c->run->counts[BF_ALREADY],
                c->run->counts[BF_REFUSED], c->run->counts[BF_FAILED], rate, etas);
        if (final)
            fputc('\n', stderr);
    } else {
        log_info("stage=backfill files=%d loaded=%d already=%d refused=%d failed=%d mb=%.1f rate_files_s=%.1f eta=%s",
                 files, c->run->counts[BF_LOADED], c->run->counts[BF_ALREADY], c->run->counts[BF_REFUSED],
                 c->run->counts[BF_FAILED], (double)c->done_bytes / 1048576.0, rate, etas);
    }
}

/* Record the pending files' rows in one transaction (store_ingest_batch),
 * retrying while the database restarts, and add them to the report. */
static void flush_batch(struct bf_ctx *c)
{
    int n = c->npend;
    struct ingest_req *rq;
    struct ingest_res *res;
    struct err *errs, e;
    int nf = -1;

    if (n == 0)
        return;
    rq = xcalloc((size_t)n, sizeof *rq);
    res = xcalloc((size_t)n, sizeof *res);
    errs = xcalloc((size_t)n, sizeof *errs);
    for (int i = 0; i < n; i++) {
        const struct bf_pend *p = &c->pend[i];
        rq[i] = (struct ingest_req){
            .path = p->source,
            .name = p->name,
            .station = c->o->station ? c->o->station : "backfill",
            .unit_code = p->row && p->row->unit ? p->row->unit : c->o->unit,
            .case_code = p->row ? p->row->case_code : NULL,
            .doc_type_hint = p->row && p->row->doc_type && doc_type_valid(p->row->doc_type) ? p->row->doc_type : NULL,
            .archive_meta = p->row ? p->row->meta : NULL,
            .source = INGEST_BACKFILL,
            .priority = c->o->priority,
            .taken_sha256 = p->sha256,
            .taken_size = p->size,
        };
    }
    err_init(&e);
    for (int attempt = 0;; attempt++) {
        nf = store_ingest_batch(c->st, rq, n, res, errs, &e);
        /* The database may be restarting: reconnect and retry a few times
         * (the blobs are stored; the batch is all or nothing). */
        if (nf >= 0 || attempt >= 5 || bf_interrupted)
            break;
        struct err e2;
        err_init(&e2);
        sleep(1u << attempt);
        store_check(c->st, &e2);
        err_init(&e);
    }
    for (int i = 0; i < n; i++) {
        struct bf_pend *p = &c->pend[i];
        char why[1200];
        if (nf < 0 || err_is_set(&errs[i]) || !res[i].document_id) {
            const struct err *w = nf < 0 ? &e : &errs[i];
            add_item(c->run, p->source, BF_FAILED,
                     err_is_set(w) ? err_text(w, why, sizeof why)
                                   : "could not record the file (no reason given): run backfill again");
        } else {
            struct bf_item *it = add_item(c->run, p->source, res[i].duplicate ? BF_ALREADY : BF_LOADED, NULL);
            memcpy(it->sha256, res[i].sha256, sizeof it->sha256);
            it->document_id = res[i].document_id;
            if (p->row && p->row->case_code)
                it->case_code = xstrdup(p->row->case_code);
            if (res[i].duplicate && p->row && p->row->case_code && p->row->case_code[0])
                apply_case_to_loaded(c->st, it);
            if (c->have_mf && !p->row)
                it->reason = xstrdup("no row in the manifest: loaded without a case code or archival "
                                     "metadata (add a row and run backfill again to give them)");
            if (p->row && p->row->doc_type && p->row->doc_type[0] && !doc_type_valid(p->row->doc_type)) {
                char why[1400];
                struct sbuf l = SBUF_INIT;
                for (int k = 0; doc_types[k]; k++)
                    sbuf_printf(&l, "%s%s", k ? ", " : "", doc_types[k]);
                snprintf(why, sizeof why, "%s%sthe manifest's doc_type \"%s\" (line %d) is not a type and was "
                         "ignored; the types: %s", it->reason ? it->reason : "", it->reason ? "; " : "",
                         p->row->doc_type, p->row->line, sbuf_cstr(&l));
                sbuf_release(&l);
                free(it->reason);
                it->reason = xstrdup(why);
            }
            if (p->row && p->row->meta) {
                it->archive_meta = xstrdup(p->row->meta);
                c->run->nmeta_rows++;
            }
        }
        free(p->source);
        free(p->name);
    }
    c->npend = 0;
    if (c->batch_max < BF_BATCH_MAX)
        c->batch_max *= 2;
    free(rq);
    free(res);
    free(errs);
}

/* Load one file that is complete on disk (a real file or a staged entry). */
static void load_file(struct bf_ctx *c, const char *path, const char *source, const char *relpath)
{
    unsigned char head[64];
    ssize_t n = 0;
    struct err e;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        n = read(fd, head, sizeof head);
        close(fd);
    }
    if (fd < 0 || n < 0) {
        char why[512];
        snprintf(why, sizeof why, "could not read the file: %s. Check permissions and run backfill again", strerror(errno));
        add_item(c->run, source, BF_FAILED, why);
        return;
    }
    if (n == 0) {
        add_item(c->run, source, BF_REFUSED, "the file is empty (0 bytes): scan the paper again");
        return;
    }
    if (!ocr_sniff(head, (size_t)n)) {
        add_item(c->run, source, BF_REFUSED,
                 "not a scan or PDF (ancong takes PDF, TIFF, JPEG, PNG, GIF, BMP, WebP): convert it or leave it out");
        return;
    }

    struct mf_row *row = c->have_mf ? mf_find(&c->mf, relpath) : NULL;
    if (c->have_mf && !row)
        c->run->files_without_row++;
    if (row)
        row->used = true;

    /* The bytes first, durable (a staged archive entry is removed when we
     * return); the rows follow in the next batch. */
    struct bf_pend *p;
    err_init(&e);
    if (c->npend == 0)
        c->pend = xrealloc(c->pend, (size_t)BF_BATCH_MAX * sizeof *c->pend);
    p = &c->pend[c->npend];
    if (store_take_original(c->st, path, p->sha256, &p->size, &e) < 0) {
        char why[1200];
        add_item(c->run, source, BF_FAILED, err_text(&e, why, sizeof why));
        return;
    }
    p->source = xstrdup(source);
    p->name = xstrdup(fs_base(relpath));
    p->row = row;
    if (c->npend++ == 0)
        c->pend_t0 = fs_now_ms();
    if (c->npend >= c->batch_max || fs_now_ms() - c->pend_t0 >= BF_BATCH_MS)
        flush_batch(c);
}

static void walk_path(struct bf_ctx *c, const char *path, const char *rel, int depth);

/* Extract one archive entry to a staging file with ratio/total limits.
 * Returns 0 ok, 1 refused (reason in why), -1 archive unreadable from here on. */
static int stage_entry(struct bf_ctx *c, struct archive *a, const char *dst, long long *total,
                       char *why, size_t whyn)
{
    char buf[65536];
    long long out = 0;
    la_int64_t start = archive_filter_bytes(a, -1);
    long long max_total = (long long)c->cfg->backfill_max_total_mb << 20;
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0) {
        snprintf(why, whyn, "could not create a staging file: %s", strerror(errno));
        return 1;
    }
    for (;;) {
        la_ssize_t k = archive_read_data(a, buf, sizeof buf);
        if (k == 0)
            break;
        if (k < 0) {
            snprintf(why, whyn, "the archive is damaged at this entry (%s); the entries after it cannot be read",
                     archive_error_string(a) ? archive_error_string(a) : "read error");
            close(fd);
            unlink(dst);
            return -1;
        }
        out += k;
        *total += k;
        la_int64_t consumed = archive_filter_bytes(a, -1) - start;
        if (consumed < 1)
            consumed = 1;
        /* libarchive reads ahead in blocks, so "consumed" can lag; allow 1 MiB. */
        if (out > (1 << 20) && out > (long long)c->cfg->backfill_max_ratio * (consumed + 65536)) {
            snprintf(why, whyn, "refused as an expansion bomb: it expands more than %d times its compressed size",
                     c->cfg->backfill_max_ratio);
            close(fd);
            unlink(dst);
            return 1;
        }
        if (*total > max_total) {
            snprintf(why, whyn, "refused: the archive expands beyond %ld MiB (backfill.max_total_mb)",
                     c->cfg->backfill_max_total_mb);
            close(fd);
            unlink(dst);
            return -1;
        }
        if (write(fd, buf, (size_t)k) != k) {
            snprintf(why, whyn, "could not write the staging file: %s (disk full?)", strerror(errno));
            close(fd);
            unlink(dst);
            return 1;
        }
    }
    close(fd);
    return 0;
}

static void walk_archive(struct bf_ctx *c, const char *path, const char *rel, int depth)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ent;
    long long total = 0;
    struct stat st;
    int r;

    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        char why[1024];
        snprintf(why, sizeof why, "could not open the archive: %s", archive_error_string(a));
        add_item(c->run, rel, BF_FAILED, why);
        archive_read_free(a);
        return;
    }
    if (stat(path, &st) == 0)
        c->done_bytes -= 0;
    while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname(ent);
        char src[8192], why[1024], staged[4096];
        char *clean = utf8_sanitize(name ? name : "", name ? strlen(name) : 0);
        char *nfc = utf8_nfc(clean);
        const char *problem;

        snprintf(src, sizeof src, "%s!%s", rel, nfc);
        if (bf_interrupted) {
            free(clean);
            free(nfc);
            break;
        }
        if (archive_entry_filetype(ent) == AE_IFDIR) {
            free(clean);
            free(nfc);
            continue;
        }
        if ((problem = bf_entry_path_problem(name))) {
            add_item(c->run, src, BF_REFUSED, problem);
        } else if (archive_entry_filetype(ent) == AE_IFLNK || archive_entry_hardlink(ent)) {
            add_item(c->run, src, BF_REFUSED, "the entry is a link (it could point outside the archive)");
        } else if (archive_entry_filetype(ent) != AE_IFREG) {
            add_item(c->run, src, BF_REFUSED, "the entry is not a regular file (device, FIFO or socket)");
        } else if (archive_entry_is_encrypted(ent) > 0) {
            add_item(c->run, src, BF_REFUSED, "the entry is encrypted: unpack it with its password, then load the files");
        } else if (is_junk_name(fs_base(nfc))) {
            add_item(c->run, src, BF_REFUSED, "hidden or temporary file, not a document");
        } else {
            if (name && !utf8_valid(name, strlen(name)))
                log_warn("stage=backfill archive=%s entry_name_not_utf8=1 stored_as=%s", rel, nfc);
            snprintf(staged, sizeof staged, "%s/%ld", c->staging, c->staged++);
            int sr = stage_entry(c, a, staged, &total, why, sizeof why);
            if (sr == 0) {
                unsigned char head[8] = {0};
                int fd = open(staged, O_RDONLY);
                ssize_t k = fd >= 0 ? read(fd, head, sizeof head) : 0;
                if (fd >= 0)
                    close(fd);
                bool nested = k >= 4 && (!memcmp(head, "PK\003\004", 4) || !memcmp(head, "\037\213", 2) ||
                                         !memcmp(head, "BZh", 3) || !memcmp(head, "\3757zXZ", 6));
                if (nested && depth < MAX_ARCHIVE_DEPTH)
                    walk_archive(c, staged, src, depth + 1);
                else if (nested)
                    add_item(c->run, src, BF_REFUSED, "archives nested deeper than 2 levels are not opened: unpack it first");
                else
                    load_file(c, staged, src, nfc);
                unlink(staged);
            } else {
                add_item(c->run, src, sr < 0 && strstr(why, "damaged") ? BF_FAILED : BF_REFUSED, why);
                if (sr < 0) {
                    free(clean);
                    free(nfc);
                    break;
                }
            }
        }
        free(clean);
        free(nfc);
        draw_progress(c, false);
    }
    if (r == ARCHIVE_FATAL) {
        char why[1024];
        snprintf(why, sizeof why, "the archive is damaged: %s; the entries before this point were loaded",
                 archive_error_string(a) ? archive_error_string(a) : "read error");
        add_item(c->run, rel, BF_FAILED, why);
    }
    archive_read_free(a);
    if (stat(path, &st) == 0 && depth == 0)
        c->done_bytes += st.st_size;
}

static bool looks_like_archive(const char *path)
{
    unsigned char h[264] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, h, sizeof h) : 0;
    if (fd >= 0)
        close(fd);
    if (n < 4)
        return false;
    if (!memcmp(h, "PK\003\004", 4) || !memcmp(h, "PK\005\006", 4) || !memcmp(h, "\037\213", 2) ||
        !memcmp(h, "BZh", 3) || !memcmp(h, "\3757zXZ", 6) || !memcmp(h, "7z\274\257\047\034", 6))
        return true;
    return n >= 262 && !memcmp(h + 257, "ustar", 5);
}

static void walk_dir(struct bf_ctx *c, const char *path, const char *rel, int depth)
{
    struct dirent **list = NULL;
    int n = scandir(path, &list, NULL, alphasort);
    if (n < 0) {
        char why[512];
        snprintf(why, sizeof why, "could not read the folder: %s", strerror(errno));
        add_item(c->run, rel, BF_FAILED, why);
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *nm = list[i]->d_name;
        if (!bf_interrupted && strcmp(nm, ".") && strcmp(nm, "..")) {
            char child[8192], crel[8192];
            snprintf(child, sizeof child, "%s/%s", path, nm);
            if (rel[0])
                snprintf(crel, sizeof crel, "%s/%s", rel, nm);
            else
                snprintf(crel, sizeof crel, "%s", nm);
            walk_path(c, child, crel, depth);
        }
        free(list[i]);
    }
    free(list);
}

static void walk_path(struct bf_ctx *c, const char *path, const char *rel, int depth)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        char why[512];
        snprintf(why, sizeof why, "could not read: %s", strerror(errno));
        add_item(c->run, rel[0] ? rel : path, BF_FAILED, why);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        add_item(c->run, rel, BF_REFUSED, "symbolic link not followed: point backfill at the real file");
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        walk_dir(c, path, rel, depth);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        add_item(c->run, rel, BF_REFUSED, "not a regular file (device, FIFO or socket)");
        return;
    }
    if (c->o->manifest && strcmp(path, c->o->manifest) == 0)
        return;                                   /* the manifest itself */
    if (is_junk_name(fs_base(path))) {
        add_item(c->run, rel, BF_REFUSED, "hidden or temporary file, not a document");
        return;
    }
    if (str_ends(path, ".csv") || str_ends(path, ".CSV")) {
        add_item(c->run, rel, BF_REFUSED, "a spreadsheet, not a document (give it with --manifest)");
        return;
    }
    if (looks_like_archive(path)) {
        walk_archive(c, path, rel, 0);
        draw_progress(c, false);
        return;
    }
    char *nrel = utf8_nfc(rel);
    load_file(c, path, nrel, nrel);
    free(nrel);
    c->done_bytes += st.st_size;
    draw_progress(c, false);
}

static long long tree_bytes(const char *path, int depth)
{
    struct stat st;
    if (depth > 64 || lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
        return 0;
    if (!S_ISDIR(st.st_mode))
        return S_ISREG(st.st_mode) ? st.st_size : 0;
    long long sum = 0;
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char child[8192];
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(child, sizeof child, "%s/%s", path, de->d_name);
        sum += tree_bytes(child, depth + 1);
    }
    if (d)
        closedir(d);
    return sum;
}

int bf_load(struct store *st, char **paths, int npaths, const struct bf_opts *o,
            struct bf_run *run, struct err *e)
{
    struct bf_ctx c;
    int rc = -1;

    memset(run, 0, sizeof *run);
    memset(&c, 0, sizeof c);
    c.st = st;
    c.cfg = store_cfg(st);
    c.o = o;
    c.run = run;
    if (o->manifest) {
        if (mf_load(o->manifest, &c.mf, e) < 0)
            return -1;
        c.have_mf = true;
        run->manifest_rows = c.mf.nrows;
        run->nmeta_keys = c.mf.nmeta;
        run->meta_keys = xcalloc((size_t)c.mf.nmeta + 1, sizeof *run->meta_keys);
        for (int i = 0; i < c.mf.nmeta; i++)
            run->meta_keys[i] = xstrdup(c.mf.meta_keys[i]);
    }
    /* what a loader killed earlier left behind (its extracted entries) */
    {
        char base[4096];
        snprintf(base, sizeof base, "%s/backfill", c.cfg->home);
        DIR *dh = opendir(base);
        struct dirent *de;
        while (dh && (de = readdir(dh))) {
            int pid;
            char extra;
            if (sscanf(de->d_name, "staging-%d%c", &pid, &extra) != 1 || pid <= 0 || pid == (int)getpid())
                continue;
            if (kill(pid, 0) == 0 || errno != ESRCH)
                continue;           /* that loader still runs */
            char old[4400];
            snprintf(old, sizeof old, "%s/%s", base, de->d_name);
            if (fs_rmtree(old) == 0)
                log_info("stage=backfill msg=\"removed the staging folder of a stopped loader\" path=%s", old);
        }
        if (dh)
            closedir(dh);
    }
    snprintf(c.staging, sizeof c.staging, "%s/backfill/staging-%d", c.cfg->home, (int)getpid());
    if (fs_mkdirs(c.staging, 0700, e) < 0)
        goto out;
    for (int i = 0; i < npaths; i++)
        c.total_bytes += tree_bytes(paths[i], 0);
    c.t0 = fs_now_ms();
    c.batch_max = BF_BATCH_FIRST;
    for (int i = 0; i < npaths && !bf_interrupted; i++) {
        struct stat sb;
        const char *rel = fs_base(paths[i]);
        /* For a folder, names in the report and manifest are relative to it. */
        if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            rel = "";
        walk_path(&c, paths[i], rel, 0);
    }
    flush_batch(&c);            /* interrupted too: their bytes are stored */
    draw_progress(&c, true);
    if (c.have_mf) {
        for (int i = 0; i < c.mf.nrows; i++)
            if (!c.mf.rows[i].used) {
                char line[1200];
                int same = -1;
                for (int k = 0; k < i && same < 0; k++)
                    if (strcmp(c.mf.rows[k].file, c.mf.rows[i].file) == 0)
                        same = k;
                if (same >= 0)
                    snprintf(line, sizeof line, "line %d: %s: the same file as line %d, whose row was used; "
                             "remove one of the two", c.mf.rows[i].line, c.mf.rows[i].file, c.mf.rows[same].line);
                else
                    snprintf(line, sizeof line, "line %d: %s", c.mf.rows[i].line, c.mf.rows[i].file);
                run->unmatched_rows = xrealloc(run->unmatched_rows, (size_t)(run->nunmatched + 1) * sizeof(char *));
                run->unmatched_rows[run->nunmatched++] = xstrdup(line);
            }
        run->manifest_unmatched_rows = run->nunmatched;
    }
    run->bytes = c.done_bytes;
    run->seconds = (double)(fs_now_ms() - c.t0) / 1000.0;
    rc = 0;
out:
    free(c.pend);
    fs_rmtree(c.staging);
    if (c.have_mf)
        mf_release(&c.mf);
    return rc;
}

void bf_run_release(struct bf_run *run)
{
    for (int i = 0; i < run->nitems; i++) {
        free(run->items[i].source);
        free(run->items[i].reason);
        free(run->items[i].case_code);
        free(run->items[i].archive_meta);
    }
    for (int i = 0; i < run->nmeta_keys; i++)
        free(run->meta_keys[i]);
    free(run->meta_keys);
    free(run->items);
    for (int i = 0; i < run->nunmatched; i++)
        free(run->unmatched_rows[i]);
    free(run->unmatched_rows);
    memset(run, 0, sizeof *run);
}

void bf_report_text(const struct bf_run *run, FILE *f)
{
    fprintf(f, "backfill: %d files in %.1f s: %d loaded, %d already loaded, %d refused, %d failed\n",
            run->nitems, run->seconds, run->counts[BF_LOADED], run->counts[BF_ALREADY],
            run->counts[BF_REFUSED], run->counts[BF_FAILED]);
    if (run->manifest_rows)
        fprintf(f, "manifest: %d rows; %d name files that were not found; %d files have no row\n",
                run->manifest_rows, run->manifest_unmatched_rows, run->files_without_row);
    if (run->nmeta_keys) {
        fprintf(f, "manifest: archival metadata of %d files kept (documents.archive_meta, \"archive\" in "
                "ancong export) from the columns:", run->nmeta_rows);
        for (int i = 0; i < run->nmeta_keys; i++)
            fprintf(f, "%s %s", i ? "," : "", run->meta_keys[i]);
        fputc('\n', f);
    }
    for (int i = 0; i < run->nunmatched; i++)
        fprintf(f, "  manifest row without a file: %s\n", run->unmatched_rows[i]);
    for (int i = 0; i < run->nitems; i++) {
        const struct bf_item *it = &run->items[i];
        if (it->status == BF_REFUSED || it->status == BF_FAILED)
            fprintf(f, "  %s: %s: %s\n", bf_status_name(it->status), it->source, it->reason ? it->reason : "");
    }
    /* loaded, with something to say: no manifest row, a case that differs */
    int notes = 0;
    for (int i = 0; i < run->nitems; i++) {
        const struct bf_item *it = &run->items[i];
        if ((it->status != BF_LOADED && it->status != BF_ALREADY) || !it->reason)
            continue;
        if (!strncmp(it->reason, "already loaded; filed under the manifest", 40))
            continue;
        if (++notes <= 50)
            fprintf(f, "  note: %s: %s\n", it->source, it->reason);
    }
    if (notes > 50)
        fprintf(f, "  ... and %d more notes in the CSV report (column reason)\n", notes - 50);
}

static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void bf_report_csv(const struct bf_run *run, FILE *csv)
{
    fprintf(csv, "source,status,reason,sha256,document_id,case_code,archive_meta\n");
    for (int i = 0; i < run->nitems; i++) {
        const struct bf_item *it = &run->items[i];
        csv_field(csv, it->source);
        fputc(',', csv);
        csv_field(csv, bf_status_name(it->status));
        fputc(',', csv);
        csv_field(csv, it->reason);
        fprintf(csv, ",%s,", it->sha256);
        if (it->document_id)
            fprintf(csv, "%lld", it->document_id);
        fputc(',', csv);
        csv_field(csv, it->case_code);
        fputc(',', csv);
        csv_field(csv, it->archive_meta);
        fputc('\n', csv);
    }
    for (int i = 0; i < run->nunmatched; i++) {
        csv_field(csv, run->unmatched_rows[i]);
        fprintf(csv, ",\"missing\",\"the manifest names a file that was not found\",,,,\n");
    }
}
