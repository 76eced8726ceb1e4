/* Unit tests for store/blob.c: the content-addressed blob store (no database). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/hash.h"
#include "store/store.h"
#include "tests/unit/t.h"

static int count_files(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "find '%s' -type f | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

int main(void)
{
    struct cfg c;
    struct err e;
    char home[] = "/tmp/ancong-blob.XXXXXX", path[600], sha[65], sha2[65], want[65], src[600];
    struct stat st;

    memset(&c, 0, sizeof c);
    err_init(&e);
    if (!mkdtemp(home))
        return 1;
    snprintf(c.home, sizeof c.home, "%s", home);

    /* put_buf: named by its sha256, in <kind>/<aa>/<bb>/, read-only. */
    const char *text = "Quyết định khởi kiện\n";
    hash_buf(text, strlen(text), want);
    T_CHECK(blob_put_buf(&c, "pdf", text, strlen(text), sha, &e) == 0, "put_buf stores a buffer");
    T_STREQ(sha, want, "put_buf returns the sha256 of the bytes");
    blob_path(&c, "pdf", sha, path, sizeof path);
    char expect_path[700];
    snprintf(expect_path, sizeof expect_path, "%s/blobs/pdf/%.2s/%.2s/%s", home, sha, sha + 2, sha);
    T_STREQ(path, expect_path, "blob path is blobs/<kind>/<aa>/<bb>/<sha256>");
    T_CHECK(blob_exists(&c, "pdf", sha), "the blob exists");
    T_CHECK(!blob_exists(&c, "originals", sha), "kinds are separate");
    T_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0444, "a blob is read-only");
    T_CHECK(blob_put_buf(&c, "pdf", text, strlen(text), sha2, &e) == 0 && !strcmp(sha, sha2),
            "putting the same bytes again is a no-op");

    /* take_file: copies, hashes what was stored, checks an expected hash. */
    snprintf(src, sizeof src, "%s/scan.pdf", home);
    T_CHECK(fs_write_atomic(src, "%PDF-1.4 test\n", 14, 0644, &e) == 0, "write a source file");
    long long size = 0;
    T_CHECK(blob_take_file(&c, "originals", src, NULL, sha, &size, &e) == 0, "take_file stores a file");
    T_CHECK(size == 14, "take_file reports the size");
    char fh[65];
    long long fsz;
    hash_file(src, fh, &fsz, &e);
    T_STREQ(sha, fh, "take_file names the blob by the file's sha256");
    blob_path(&c, "originals", sha, path, sizeof path);
    char *got = NULL;
    size_t glen = 0;
    T_CHECK(fs_read(path, 0, &got, &glen, &e) == 0 && glen == 14 && !memcmp(got, "%PDF-1.4 test\n", 14),
            "the stored bytes are the file's");
    free(got);
    T_CHECK(blob_take_file(&c, "originals", src, fh, sha2, NULL, &e) == 0, "take_file with the right expected hash");
    err_init(&e);
    T_CHECK(blob_take_file(&c, "originals", src, want, sha2, NULL, &e) < 0 && strstr(e.msg, "changed"),
            "take_file refuses a file whose bytes do not match the expected hash");
    T_CHECK(blob_put_file(&c, "originals", src, fh, &e) == 0, "put_file of an existing blob is a no-op");

    /* An empty file is a valid blob (intake fails it with a reason). */
    snprintf(src, sizeof src, "%s/empty.pdf", home);
    fs_write_atomic(src, "", 0, 0644, &e);
    T_CHECK(blob_take_file(&c, "originals", src, NULL, sha, &size, &e) == 0 && size == 0 &&
            !strcmp(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            "an empty file is stored under the empty sha256");

    /* Bad input is refused cleanly. */
    err_init(&e);
    T_CHECK(blob_take_file(&c, "originals", home, NULL, sha, NULL, &e) < 0, "a folder is not taken");
    err_init(&e);
    T_CHECK(blob_take_file(&c, "originals", "/nonexistent/x.pdf", NULL, sha, NULL, &e) < 0 &&
            e.kind == ERR_IO, "a missing file is an I/O error");
    err_init(&e);
    T_CHECK(blob_put_buf(&c, "../etc", "x", 1, sha, &e) < 0, "an unknown kind is refused");
    T_CHECK(!blob_exists(&c, "originals", "../../etc/passwd"), "a non-hash name never exists");

    /* Nothing is left in the temporary folder. */
    snprintf(path, sizeof path, "%s/blobs/tmp", home);
    T_CHECK(count_files(path) == 0, "no temporary files are left behind");

    /* Leftovers of a put that died are cleaned once old, never while fresh. */
    char stale[700], fresh[700];
    snprintf(stale, sizeof stale, "%s/put.dead01", path);
    snprintf(fresh, sizeof fresh, "%s/put.live01", path);
    fs_write_atomic(stale, "x", 1, 0600, &e);
    fs_write_atomic(fresh, "y", 1, 0600, &e);
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    utimensat(AT_FDCWD, stale, old, 0);
    int cleaned = blob_clean_tmp(&c, 3600);
    T_CHECK(cleaned == 1, "clean_tmp removes one stale temporary file");
    T_CHECK(!fs_exists(stale) && fs_exists(fresh), "the stale one goes, the fresh one stays");

    fs_rmtree(home);
    return t_done();
}
