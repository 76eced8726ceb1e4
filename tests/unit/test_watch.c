/* Unit tests for watchfolders/: temporary-name rules and the stability rule. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "watchfolders/track.h"
#include "tests/unit/t.h"

static void test_names(void)
{
    static const char *const take[] = {
        "scan_0001.pdf", "Quyết định 12.PDF", "a.tif", "kien_nghi.tmp.pdf", "report.partial.jpg",
        "x~y.png", "~scan.pdf", "tmp", "part", "a.tmp.pdf.png", "#1 ban an.pdf", "don.lock.pdf",
        "scan.pdf.tmp.", "\xff\xfe.pdf",
    };
    static const char *const skip[] = {
        ".scan.pdf", ".~lock.don.odt#", ".scan.pdf.XyZ123", "scan.pdf~", "~$bao_cao.docx",
        "scan.tmp", "scan.TMP", "scan.pdf.part", "scan.pdf.Part", "scan.pdf.partial",
        "scan.pdf.crdownload", "scan.pdf.download", "scan.pdf.filepart", "scan.pdf.!sync",
        "scan.pdf.swp", "scan.pdf.temp", "scan.pdf.tmp.12345", "scan.pdf.tmp.a8Xz9Q",
        "#scan.pdf#", "Thumbs.db", "desktop.ini", "DESKTOP.INI", "scan.pdf.lck", "scan.$$$",
        "", ".", "..", "a/b.pdf",
    };
    for (size_t i = 0; i < sizeof take / sizeof take[0]; i++) {
        const char *why = watch_name_skip(take[i]);
        T_CHECK(why == NULL, "name \"%s\" is taken%s%s", take[i], why ? ": " : "", why ? why : "");
    }
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        T_CHECK(watch_name_skip(skip[i]) != NULL, "name \"%s\" is skipped", skip[i]);
    T_CHECK(strstr(watch_name_skip("x.pdf.part"), ".part") != NULL, "the reason names the rule");
}

static struct stat mkst(long long size, long mtime_s, unsigned long ino)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_size = size;
    st.st_mtim.tv_sec = mtime_s;
    st.st_ino = ino;
    st.st_dev = 1;
    st.st_mode = S_IFREG | 0644;
    return st;
}

static void test_stability(void)
{
    struct watch_tab *t = watch_tab_new();
    const int64_t S = 2000, E = 30000;     /* stable_s = 2, empty_s = 30 */
    int64_t due;
    struct stat st;

    /* A file seen once is not ready until it has stayed the same for S. */
    struct watch_file *f = watch_tab_get(t, "/in/a/x.pdf", "a", true, 1000);
    T_CHECK(f && strcmp(f->station, "a") == 0, "entry created with its station");
    T_CHECK(watch_file_judge(f, 1000, S, E, &due) == WATCH_WAIT && due == 0,
            "never statted: wait for an event or stat");
    st = mkst(100, 10, 5);
    T_CHECK(watch_file_observe(f, &st, 1000), "first observation is a change");
    T_CHECK(watch_file_judge(f, 2000, S, E, &due) == WATCH_WAIT && due == 3000,
            "not stable yet: due at first-seen + stable window");
    T_CHECK(!watch_file_observe(f, &st, 2500), "same size and mtime is no change");
    T_CHECK(watch_file_judge(f, 3000, S, E, &due) == WATCH_READY, "stable for the window: ready");

    /* Growth restarts the clock: a slow writer is never taken mid-way. */
    st = mkst(200, 11, 5);
    T_CHECK(watch_file_observe(f, &st, 3100), "growth is a change");
    T_CHECK(watch_file_judge(f, 4000, S, E, &due) == WATCH_WAIT && due == 5100,
            "grown file waits a new window");
    /* Same size but a new mtime (rewrite in place) is also a change. */
    st = mkst(200, 12, 5);
    T_CHECK(watch_file_observe(f, &st, 5000), "new mtime is a change");
    /* A new inode under the same name (replaced by rename) too. */
    st = mkst(200, 12, 6);
    T_CHECK(watch_file_observe(f, &st, 5500), "new inode is a change");
    T_CHECK(watch_file_judge(f, 7499, S, E, &due) == WATCH_WAIT, "still inside the window");
    T_CHECK(watch_file_judge(f, 7500, S, E, &due) == WATCH_READY, "ready after the window");

    /* An open writer (IN_CREATE/IN_MODIFY without IN_CLOSE_WRITE) blocks it,
     * however long it has been quiet. */
    f->writing = true;
    T_CHECK(watch_file_judge(f, 999999, S, E, &due) == WATCH_WAIT && due == 0,
            "open for writing: wait for the close event");
    f->writing = false;
    T_CHECK(watch_file_judge(f, 999999, S, E, &due) == WATCH_READY, "closed and stable: ready");

    /* Renamed into place: no stability window when trusted (the usual
     * "temp name, then rename" protocol), but never while open or empty. */
    struct watch_file *r = watch_tab_get(t, "/in/a/renamed.pdf", "a", true, 0);
    st = mkst(500, 20, 30);
    watch_file_observe(r, &st, 50000);
    r->renamed = true;
    T_CHECK(watch_file_judge2(r, 50000, S, E, true, &due) == WATCH_READY,
            "renamed into place: ready at once");
    T_CHECK(watch_file_judge2(r, 50000, S, E, false, &due) == WATCH_WAIT && due == 52000,
            "renamed, rename not trusted: waits the stable window");
    r->writing = true;
    T_CHECK(watch_file_judge2(r, 50000, S, E, true, &due) == WATCH_WAIT, "renamed but open: wait");
    r->writing = false;
    st = mkst(600, 21, 30);
    T_CHECK(watch_file_observe(r, &st, 50100) && !r->renamed, "a change after the rename forgets it");
    T_CHECK(watch_file_judge2(r, 50100, S, E, true, &due) == WATCH_WAIT && due == 52100,
            "changed after the rename: stable window again");
    st = mkst(0, 22, 31);
    watch_file_observe(r, &st, 60000);
    r->renamed = true;
    T_CHECK(watch_file_judge2(r, 60000, S, E, true, &due) == WATCH_WAIT && due == 60000 + E,
            "empty file renamed in still waits the empty window");

    /* Empty files wait the longer empty window, then are taken as empty. */
    struct watch_file *g = watch_tab_get(t, "/in/b.pdf", NULL, true, 0);
    T_CHECK(strcmp(g->station, "default") == 0, "file in the inbox itself: station default");
    st = mkst(0, 10, 9);
    watch_file_observe(g, &st, 0);
    T_CHECK(watch_file_judge(g, 5000, S, E, &due) == WATCH_WAIT && due == E,
            "empty file waits the empty window, not the stable one");
    st = mkst(4096, 13, 9);                /* filled seconds later */
    T_CHECK(watch_file_observe(g, &st, 6000), "filling an empty file is a change");
    T_CHECK(watch_file_judge(g, 8000, S, E, &due) == WATCH_READY, "filled file is taken with its content");
    st = mkst(0, 14, 10);
    watch_file_observe(g, &st, 9000);
    T_CHECK(watch_file_judge(g, 9000 + E, S, E, &due) == WATCH_READY_EMPTY,
            "empty past the window: taken as empty (fails)");

    /* Per-file errors back off, doubling, capped. */
    watch_file_failed(g, 100000, 10000);
    T_CHECK(g->retry_ms == 102000, "first retry after 2 s");
    watch_file_failed(g, 100000, 10000);
    T_CHECK(g->retry_ms == 104000, "second after 4 s");
    for (int i = 0; i < 10; i++)
        watch_file_failed(g, 100000, 10000);
    T_CHECK(g->retry_ms == 110000, "backoff is capped");
    T_CHECK(watch_file_judge(g, 109999, S, E, &due) == WATCH_WAIT && due == 110000,
            "in backoff: wait until the retry time");
    st = mkst(10, 15, 10);
    watch_file_observe(g, &st, 120000);
    T_CHECK(g->fails == 0 && g->retry_ms == 0, "new content forgets earlier errors");

    /* Refused and taken entries never become ready. */
    g->refused = true;
    T_CHECK(watch_file_judge(g, 1 << 30, S, E, &due) == WATCH_WAIT, "refused: never taken");
    g->refused = false;
    g->taken = true;
    T_CHECK(watch_file_judge(g, 1 << 30, S, E, &due) == WATCH_WAIT, "taken (not removable): not again");
    st = mkst(11, 16, 10);
    watch_file_observe(g, &st, 1 << 30);
    T_CHECK(!g->taken, "new content after a take is a new drop");

    /* The table: lookups, deletion, growth. */
    char p[64];
    for (int i = 0; i < 500; i++) {
        snprintf(p, sizeof p, "/in/s/f%d.pdf", i);
        watch_tab_get(t, p, "s", true, 0);
    }
    T_CHECK(watch_tab_count(t) == 503, "500 more entries, %zu in all", watch_tab_count(t));
    T_CHECK(watch_tab_get(t, "/in/s/f377.pdf", NULL, false, 0) != NULL, "lookup after growth");
    watch_tab_del(t, "/in/s/f377.pdf");
    T_CHECK(watch_tab_get(t, "/in/s/f377.pdf", NULL, false, 0) == NULL, "deleted entry is gone");
    T_CHECK(watch_tab_get(t, "/in/a/x.pdf", NULL, false, 0) == f, "other entries stay");
    watch_tab_free(&t);
    T_CHECK(t == NULL, "free clears the pointer");
}

/* Does buf (the whole file) look cut short? */
static const char *incomplete(const void *buf, size_t n)
{
    const unsigned char *b = buf;
    size_t t = n < WATCH_TAIL_BYTES ? n : WATCH_TAIL_BYTES;
    return watch_content_incomplete(b, n < WATCH_HEAD_BYTES ? n : WATCH_HEAD_BYTES, b + n - t, t);
}

#define INCOMPLETE(lit) incomplete(lit, sizeof lit - 1)

static void test_complete(void)
{
    static unsigned char big[200000];
    const char *why;

    /* PDF: %%EOF near the end (after an incremental update too), or not. */
    T_CHECK(!INCOMPLETE("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"), "PDF ending in %%%%EOF");
    T_CHECK(!INCOMPLETE("%PDF-1.4\n%%EOF\r\n"), "PDF ending in %%%%EOF CR LF");
    why = INCOMPLETE("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n");
    T_CHECK(why && strstr(why, "%%EOF"), "PDF without %%%%EOF: incomplete (%s)", why ? why : "NULL");
    T_CHECK(INCOMPLETE("junk before\n%PDF-1.7\n1 0 obj") != NULL, "header after a little junk: still a PDF");
    memset(big, 'x', sizeof big);
    memcpy(big, "%PDF-1.5\n", 9);
    memcpy(big + 1000, "%%EOF\n", 6);          /* first part of a linearized file / an update follows */
    T_CHECK(incomplete(big, sizeof big) != NULL, "PDF cut after an update: its earlier %%%%EOF is too far back");
    memcpy(big + sizeof big - 1500, "%%EOF\n", 6);
    T_CHECK(!incomplete(big, sizeof big), "%%%%EOF within the last 2 KiB (trailing junk after it)");
    memcpy(big + sizeof big - 1500, "xxxxxx", 6);
    memcpy(big + sizeof big - 3000, "%%EOF\n", 6);
    T_CHECK(incomplete(big, sizeof big) != NULL, "%%%%EOF 3000 bytes from the end is not the end");

    /* JPEG: ends with FF D9, perhaps padded. */
    static const unsigned char jpg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 2, 3, 0xff, 0xd9};
    static const unsigned char jpg_pad[] = {0xff, 0xd8, 0xff, 0xdb, 1, 2, 3, 0xff, 0xd9, 0, 0, 0, '\n'};
    static const unsigned char jpg_cut[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 2, 3, 0xff, 0x00};
    T_CHECK(!incomplete(jpg, sizeof jpg), "JPEG ending in FF D9");
    T_CHECK(!incomplete(jpg_pad, sizeof jpg_pad), "JPEG with NUL padding after FF D9");
    memset(big, 'x', sizeof big);
    memcpy(big, jpg, sizeof jpg);
    memcpy(big + sizeof big - 1000, "\xff\xd9", 2);
    T_CHECK(!incomplete(big, sizeof big), "JPEG with a 1000-byte trailer after FF D9");
    memcpy(big + sizeof big - 1000, "\xff\x00", 2);
    memcpy(big + sizeof big - 2100, "\xff\xd9", 2);
    T_CHECK(incomplete(big, sizeof big) != NULL, "FF D9 more than 2 KiB from the end is not the end");
    why = incomplete(jpg_cut, sizeof jpg_cut);
    T_CHECK(why && strstr(why, "JPEG"), "JPEG without FF D9: incomplete (%s)", why ? why : "NULL");
    memset(big, 0, sizeof big);
    memcpy(big, jpg, 10);
    T_CHECK(incomplete(big, sizeof big) != NULL, "JPEG ending in a run of zeros (a sparse hole): incomplete");

    /* PNG: ends with IEND. */
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0,
                                        'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    T_CHECK(!incomplete(png, sizeof png), "PNG ending in IEND");
    T_CHECK(incomplete(png, sizeof png - 1) != NULL, "PNG cut inside IEND: incomplete");
    unsigned char png_tr[sizeof png + 10];
    memcpy(png_tr, png, sizeof png);
    memcpy(png_tr + sizeof png, "chaos-1234", 10);
    T_CHECK(!incomplete(png_tr, sizeof png_tr), "PNG with bytes appended after IEND");
    T_CHECK(incomplete(png, 12) != NULL, "PNG without IEND: incomplete");

    /* Not checked: TIFF, text, anything else. */
    T_CHECK(!INCOMPLETE("II*\0\x08\0\0\0"), "TIFF is not checked");
    T_CHECK(!INCOMPLETE("page 1 of a slow scanner\n"), "unknown content is not checked");
    T_CHECK(!incomplete("", 0), "an empty buffer is not judged");
}

int main(void)
{
    test_names();
    test_stability();
    test_complete();
    return t_done();
}
