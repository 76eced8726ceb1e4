/*
 * store/blob.c: the content-addressed blob store.
 *
 *   $ANCONG_HOME/blobs/<kind>/<aa>/<bb>/<sha256>    read-only (0444), never changed
 *   $ANCONG_HOME/blobs/tmp/                         files being written
 *
 * A blob is written to tmp/, fsynced, checked against its hash, renamed into
 * place and its folder fsynced: once a put returns 0 the bytes survive a
 * crash, and a reader never sees a half-written blob.  Putting bytes that are
 * already there is a no-op, so every put is idempotent.
 */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/hash.h"

static bool kind_ok(const char *kind)
{
    return kind && (!strcmp(kind, "originals") || !strcmp(kind, "pdf") || !strcmp(kind, "signed") ||
                    !strcmp(kind, "ocr"));
}

static bool sha_ok(const char *sha)
{
    if (!sha || strlen(sha) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!((sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f')))
            return false;
    return true;
}

static int check_args(const char *kind, const char *sha, struct err *e)
{
    if (!kind_ok(kind)) {
        err_set(e, ERR_INTERNAL, "unknown blob kind \"%s\"", kind ? kind : "(null)");
        return -1;
    }
    if (sha && !sha_ok(sha)) {
        err_set(e, ERR_INTERNAL, "\"%s\" is not a sha256 in lower-case hex", sha);
        return -1;
    }
    return 0;
}

void blob_path(const struct cfg *c, const char *kind, const char *sha256, char *buf, size_t n)
{
    snprintf(buf, n, "%s/blobs/%s/%.2s/%.2s/%s", c->home, kind, sha256, sha256 + 2, sha256);
}

bool blob_exists(const struct cfg *c, const char *kind, const char *sha256)
{
    char p[PATH_MAX];
    struct stat st;
    if (!kind_ok(kind) || !sha_ok(sha256))
        return false;
    blob_path(c, kind, sha256, p, sizeof p);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* A new temporary file in blobs/tmp (same file system as the blobs). */
static int tmp_open(const struct cfg *c, char *path, size_t n, struct err *e)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/blobs/tmp", c->home);
    if (fs_mkdirs(dir, 0700, e) < 0)
        return -1;
    snprintf(path, n, "%s/put.XXXXXX", dir);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        err_errno(e, "create a temporary file in", dir);
    return fd;
}

/* Move the finished temporary file to its place (or drop it when the blob
 * is already there) and make the new names durable. */
static int tmp_commit(const struct cfg *c, const char *kind, const char *tmp, const char *sha,
                      struct err *e)
{
    char dst[PATH_MAX], d1[PATH_MAX], d2[PATH_MAX], dk[PATH_MAX];

    blob_path(c, kind, sha, dst, sizeof dst);
    snprintf(dk, sizeof dk, "%s/blobs/%s", c->home, kind);
    snprintf(d1, sizeof d1, "%s/%.2s", dk, sha);
    snprintf(d2, sizeof d2, "%s/%.2s", d1, sha + 2);
    if (fs_exists(dst)) {
        unlink(tmp);
        return 0;
    }
    if (fs_mkdirs(d2, 0755, e) < 0) {
        unlink(tmp);
        return -1;
    }
    chmod(tmp, 0444);
    if (rename(tmp, dst) < 0) {
        err_errno(e, "store the file as", dst);
        unlink(tmp);
        return -1;
    }
    if (fs_sync_dir(d2) < 0 || fs_sync_dir(d1) < 0 || fs_sync_dir(dk) < 0) {
        err_errno(e, "flush the folder of", dst);
        return -1;
    }
    return 0;
}

int blob_take_file(const struct cfg *c, const char *kind, const char *src, const char *expect,
                   char sha256_out[65], long long *size, struct err *e)
{
    char tmp[PATH_MAX], buf[1 << 16], hex[HASH_HEX_LEN + 1];
    int in = -1, out = -1, rc = -1;
    long long total = 0, hashed = 0;
    ssize_t k;
    struct stat st;

    if (check_args(kind, expect, e) < 0)
        return -1;
    in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) {
        err_errno(e, "open", src);
        return -1;
    }
    if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
        err_set(e, ERR_INPUT, "\"%s\" is not a regular file", src);
        goto out;
    }
    if ((out = tmp_open(c, tmp, sizeof tmp, e)) < 0)
        goto out;
    while ((k = read(in, buf, sizeof buf)) != 0) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            err_errno(e, "read", src);
            goto out;
        }
        if (write_all(out, buf, (size_t)k) < 0) {
            err_errno(e, "write the blob store copy of", src);
            goto out;
        }
        total += k;
    }
    if (fsync(out) < 0) {
        err_errno(e, "flush the blob store copy of", src);
        goto out;
    }
    /* Hash what was stored, not what we meant to store. */
    if (hash_file(tmp, hex, &hashed, e) < 0)
        goto out;
    if (hashed != total) {
        err_set(e, ERR_IO, "the blob store copy of \"%s\" has %lld bytes, not %lld", src, hashed, total);
        goto out;
    }
    if (expect && strcmp(expect, hex) != 0) {
        err_set(e, ERR_IO, "\"%s\" changed while it was being stored (sha256 %.12s, expected %.12s)",
                src, hex, expect);
        err_hint(e, "The file is taken again once it stops changing.");
        goto out;
    }
    close(out);
    out = -1;
    if (tmp_commit(c, kind, tmp, hex, e) < 0) {
        tmp[0] = '\0';
        goto out;
    }
    tmp[0] = '\0';
    memcpy(sha256_out, hex, sizeof hex);
    if (size)
        *size = total;
    rc = 0;
out:
    if (out >= 0) {
        close(out);
        unlink(tmp);
    }
    close(in);
    return rc;
}

int blob_put_file(const struct cfg *c, const char *kind, const char *src, const char *sha256,
                  struct err *e)
{
    char got[65];
    if (check_args(kind, sha256, e) < 0)
        return -1;
    if (sha256 && blob_exists(c, kind, sha256))
        return 0;
    return blob_take_file(c, kind, src, sha256, got, NULL, e);
}

int blob_put_buf(const struct cfg *c, const char *kind, const void *p, size_t n,
                 char sha256_out[65], struct err *e)
{
    char tmp[PATH_MAX];
    int fd;

    if (check_args(kind, NULL, e) < 0)
        return -1;
    hash_buf(p, n, sha256_out);
    if (blob_exists(c, kind, sha256_out))
        return 0;
    if ((fd = tmp_open(c, tmp, sizeof tmp, e)) < 0)
        return -1;
    if (write_all(fd, p, n) < 0 || fsync(fd) < 0) {
        err_errno(e, "write", tmp);
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) < 0) {
        err_errno(e, "write", tmp);
        unlink(tmp);
        return -1;
    }
    return tmp_commit(c, kind, tmp, sha256_out, e);
}

int blob_clean_tmp(const struct cfg *c, int max_age_s)
{
    char dir[PATH_MAX], p[PATH_MAX];
    struct dirent *de;
    struct stat st;
    int n = 0;
    time_t now = time(NULL);

    snprintf(dir, sizeof dir, "%s/blobs/tmp", c->home);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "put.", 4) != 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > max_age_s &&
            unlink(p) == 0)
            n++;
    }
    closedir(d);
    return n;
}

int blob_link(const struct cfg *c, const char *from, const char *to, const char *sha256,
              struct err *e)
{
    char src[PATH_MAX], dst[PATH_MAX], d1[PATH_MAX], d2[PATH_MAX], dk[PATH_MAX];

    if (check_args(from, sha256, e) < 0 || check_args(to, sha256, e) < 0)
        return -1;
    if (blob_exists(c, to, sha256))
        return 0;
    blob_path(c, from, sha256, src, sizeof src);
    blob_path(c, to, sha256, dst, sizeof dst);
    snprintf(dk, sizeof dk, "%s/blobs/%s", c->home, to);
    snprintf(d1, sizeof d1, "%s/%.2s", dk, sha256);
    snprintf(d2, sizeof d2, "%s/%.2s", d1, sha256 + 2);
    if (fs_mkdirs(d2, 0755, e) < 0)
        return -1;
    if (link(src, dst) < 0) {
        if (errno == EEXIST)
            return 0;
        if (errno == ENOENT) {
            err_errno(e, "find the stored file", src);
            return -1;
        }
        /* A file system without hard links (or blobs split across two):
         * copy, checking the bytes against their name. */
        return blob_put_file(c, to, src, sha256, e);
    }
    /* The bytes were made durable when the source blob was stored; only
     * the new name needs flushing. */
    if (fs_sync_dir(d2) < 0 || fs_sync_dir(d1) < 0 || fs_sync_dir(dk) < 0) {
        err_errno(e, "flush the folder of", dst);
        return -1;
    }
    return 0;
}
