/* Fuzz target: the watcher's name rules (watch_name_skip, then the NFC
 * cleaning every taken name goes through) and its table of tracked files,
 * driven by a byte program (add / delete / observe / judge), checked against
 * a plain count.  Aborts on a broken invariant. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/str.h"
#include "watchfolders/track.h"

static void names(const uint8_t *data, size_t size)
{
    char *s = xstrndup((const char *)data, size);     /* stops at a NUL byte */
    const char *why = watch_name_skip(s);
    if (strchr(s, '/') && !why)
        abort();                        /* a path is never a file name */
    if (s[0] == '.' && !why)
        abort();                        /* hidden names are never taken */
    char *n = utf8_nfc(s);
    if (!utf8_valid(n, strlen(n)))
        abort();                        /* what goes to the database is valid UTF-8 */
    free(n);
    free(s);
}

static void table(const uint8_t *data, size_t size)
{
    struct watch_tab *t = watch_tab_new();
    char path[32];
    size_t live = 0;
    static unsigned char present[256];

    memset(present, 0, sizeof present);
    for (size_t i = 0; i + 1 < size; i += 2) {
        unsigned op = data[i] & 3, k = data[i + 1];
        int64_t now = (int64_t)i * 100;
        snprintf(path, sizeof path, "/in/s/%u.pdf", k);
        if (op == 0) {
            watch_tab_get(t, path, "s", true, now);
            live += !present[k];
            present[k] = 1;
        } else if (op == 1) {
            watch_tab_del(t, path);
            live -= present[k];
            present[k] = 0;
        } else {
            struct watch_file *f = watch_tab_get(t, path, NULL, false, now);
            if ((f != NULL) != (present[k] != 0))
                abort();
            if (!f)
                continue;
            struct stat st;
            memset(&st, 0, sizeof st);
            st.st_size = data[i] >> 2;
            st.st_mtim.tv_sec = data[i] >> 4;
            st.st_ino = k;
            if (op == 2) {
                watch_file_observe(f, &st, now);
                f->renamed = (data[i] & 0x80) != 0;
            } else {
                int64_t due;
                enum watch_verdict v = watch_file_judge2(f, now, 2000, 30000, data[i] & 0x40, &due);
                if (v != WATCH_WAIT && (f->writing || !f->statted))
                    abort();
                if (v == WATCH_READY_EMPTY && f->size != 0)
                    abort();
                if (v == WATCH_WAIT && due && due <= now)
                    abort();
            }
        }
        if (watch_tab_count(t) != live)
            abort();
    }
    watch_tab_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        names(data + 1, size - 1);
    else
        table(data + 1, size - 1);
    return 0;
}
