#include "common/fs.h"

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
#include <ftw.h>

#include "common/str.h"

int fs_mkdirs(const char *path, int mode, struct err *e)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof buf) {
        err_set(e, ERR_USAGE, "bad folder path \"%s\"", path);
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST) {
            err_errno(e, "create folder", buf);
            return -1;
        }
        *p = '/';
    }
    if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST) {
        err_errno(e, "create folder", buf);
        return -1;
    }
    if (!fs_is_dir(buf)) {
        err_set(e, ERR_IO, "\"%s\" exists and is not a folder", buf);
        return -1;
    }
    return 0;
}

int fs_read(const char *path, size_t max, char **out, size_t *len, struct err *e)
{
    struct sbuf b = SBUF_INIT;
    char tmp[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t k;

    if (fd < 0) {
        err_errno(e, "open", path);
        return -1;
    }
    while ((k = read(fd, tmp, sizeof tmp)) != 0) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            err_errno(e, "read", path);
            close(fd);
            sbuf_release(&b);
            return -1;
        }
        if (max && b.len + (size_t)k > max) {
            err_set(e, ERR_LIMIT, "\"%s\" is larger than %zu bytes", path, max);
            close(fd);
            sbuf_release(&b);
            return -1;
        }
        sbuf_add(&b, tmp, (size_t)k);
    }
    close(fd);
    if (len)
        *len = b.len;
    *out = sbuf_detach(&b);
    return 0;
}

int fs_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void dir_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, n, ".");
    else if (slash == path)
        snprintf(dir, n, "/");
    else
        snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t k = write(fd, p, len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, int mode, struct err *e)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    int fd;

    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp) {
        err_set(e, ERR_USAGE, "path too long \"%s\"", path);
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        err_errno(e, "create", tmp);
        return -1;
    }
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        err_errno(e, "write", tmp);
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) < 0) {
        err_errno(e, "close", tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        err_errno(e, "rename into place", path);
        unlink(tmp);
        return -1;
    }
    dir_of(path, dir, sizeof dir);
    fs_sync_dir(dir);
    return 0;
}

int fs_copy_atomic(const char *src, const char *dst, int mode, struct err *e)
{
    char tmp[PATH_MAX], dir[PATH_MAX], buf[1 << 16];
    int in, out;
    ssize_t k;

    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        err_errno(e, "open", src);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", dst, (int)getpid());
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (out < 0) {
        err_errno(e, "create", tmp);
        close(in);
        return -1;
    }
    while ((k = read(in, buf, sizeof buf)) != 0) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            err_errno(e, "read", src);
            goto fail;
        }
        if (write_all(out, buf, (size_t)k) < 0) {
            err_errno(e, "write", tmp);
            goto fail;
        }
    }
    if (fsync(out) < 0) {
        err_errno(e, "write", tmp);
        goto fail;
    }
    close(in);
    if (close(out) < 0) {
        err_errno(e, "close", tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, dst) < 0) {
        err_errno(e, "rename into place", dst);
        unlink(tmp);
        return -1;
    }
    dir_of(dst, dir, sizeof dir);
    fs_sync_dir(dir);
    return 0;
fail:
    close(in);
    close(out);
    unlink(tmp);
    return -1;
}

int fs_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(p);
}

int fs_rmtree(const char *path)
{
    if (!fs_exists(path))
        return 0;
    return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

const char *fs_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int64_t fs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
