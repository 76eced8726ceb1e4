#include "watchfolders/track.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"

struct watch_tab {
    struct watch_file **b;    /* buckets */
    size_t nb, n;
};

static uint64_t hash_path(const char *s)
{
    uint64_t h = 1469598103934665603ull;      /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

struct watch_tab *watch_tab_new(void)
{
    struct watch_tab *t = xcalloc(1, sizeof *t);
    t->nb = 64;
    t->b = xcalloc(t->nb, sizeof *t->b);
    return t;
}

static void file_free(struct watch_file *f)
{
    free(f->path);
    free(f->station);
    free(f);
}

void watch_tab_free(struct watch_tab **tp)
{
    struct watch_tab *t = tp ? *tp : NULL;
    if (!t)
        return;
    for (size_t i = 0; i < t->nb; i++)
        for (struct watch_file *f = t->b[i], *nx; f; f = nx) {
            nx = f->next;
            file_free(f);
        }
    free(t->b);
    free(t);
    *tp = NULL;
}

static void grow(struct watch_tab *t)
{
    size_t nb = t->nb * 2;
    struct watch_file **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < t->nb; i++)
        for (struct watch_file *f = t->b[i], *nx; f; f = nx) {
            nx = f->next;
            size_t k = hash_path(f->path) & (nb - 1);
            f->next = b[k];
            b[k] = f;
        }
    free(t->b);
    t->b = b;
    t->nb = nb;
}

struct watch_file *watch_tab_get(struct watch_tab *t, const char *path, const char *station,
                                 bool create, int64_t now_ms)
{
    size_t k = hash_path(path) & (t->nb - 1);
    for (struct watch_file *f = t->b[k]; f; f = f->next)
        if (strcmp(f->path, path) == 0)
            return f;
    if (!create)
        return NULL;
    if (t->n >= t->nb) {
        grow(t);
        k = hash_path(path) & (t->nb - 1);
    }
    struct watch_file *f = xcalloc(1, sizeof *f);
    f->path = xstrdup(path);
    f->station = xstrdup(station ? station : "default");
    f->changed_ms = now_ms;
    f->next = t->b[k];
    t->b[k] = f;
    t->n++;
    return f;
}

void watch_tab_del(struct watch_tab *t, const char *path)
{
    size_t k = hash_path(path) & (t->nb - 1);
    for (struct watch_file **pp = &t->b[k]; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->path, path) == 0) {
            struct watch_file *f = *pp;
            *pp = f->next;
            file_free(f);
            t->n--;
            return;
        }
}

size_t watch_tab_count(const struct watch_tab *t)
{
    return t->n;
}

void watch_tab_each(struct watch_tab *t, bool (*fn)(struct watch_file *f, void *arg), void *arg)
{
    for (size_t i = 0; i < t->nb; i++)
        for (struct watch_file **pp = &t->b[i]; *pp;) {
            struct watch_file *f = *pp;
            if (fn(f, arg)) {
                *pp = f->next;
                file_free(f);
                t->n--;
            } else {
                pp = &f->next;
            }
        }
}

bool watch_file_observe(struct watch_file *f, const struct stat *st, int64_t now_ms)
{
    int64_t mt = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;

    if (!f->statted || f->dev != st->st_dev || f->ino != st->st_ino ||
        f->size != (int64_t)st->st_size || f->mtime_ns != mt) {
        f->dev = st->st_dev;
        f->ino = st->st_ino;
        f->size = (int64_t)st->st_size;
        f->mtime_ns = mt;
        f->statted = true;
        f->changed_ms = now_ms;
        f->taken = false;             /* new content under the same name */
        f->fails = 0;
        f->retry_ms = 0;
        f->noted = false;
        f->busy_ms = 0;
        f->renamed = false;
        return true;
    }
    return false;
}

enum watch_verdict watch_file_judge(const struct watch_file *f, int64_t now_ms,
                                    int64_t stable_ms, int64_t empty_ms, int64_t *due_ms)
{
    return watch_file_judge2(f, now_ms, stable_ms, empty_ms, false, due_ms);
}

enum watch_verdict watch_file_judge2(const struct watch_file *f, int64_t now_ms,
                                     int64_t stable_ms, int64_t empty_ms, bool trust_rename,
                                     int64_t *due_ms)
{
    int64_t due;

    *due_ms = 0;
    if (f->refused || f->taken || f->writing || !f->statted)
        return WATCH_WAIT;            /* the close event (or a stat) will bring it back */
    due = f->changed_ms + (f->size == 0 ? empty_ms : (trust_rename && f->renamed) ? 0 : stable_ms);
    if (f->retry_ms > due)
        due = f->retry_ms;
    if (now_ms < due) {
        *due_ms = due;
        return WATCH_WAIT;
    }
    return f->size == 0 ? WATCH_READY_EMPTY : WATCH_READY;
}

void watch_file_failed(struct watch_file *f, int64_t now_ms, int64_t cap_ms)
{
    int64_t d = 2000;
    for (int i = 0; i < f->fails && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    f->fails++;
    f->retry_ms = now_ms + d;
}

static bool has_bytes(const unsigned char *s, size_t n, const char *what, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, what, k) == 0)
            return true;
    return false;
}

const char *watch_content_incomplete(const unsigned char *head, size_t nhead,
                                     const unsigned char *tail, size_t ntail)
{
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    if (nhead > WATCH_HEAD_BYTES)
        nhead = WATCH_HEAD_BYTES;
    if (ntail > WATCH_TAIL_BYTES) {
        tail += ntail - WATCH_TAIL_BYTES;
        ntail = WATCH_TAIL_BYTES;
    }
    /* The end marker anywhere in the tail: what may follow it (a trailer,
     * padding, bytes some tool appended) is not judged. */
    if (has_bytes(head, nhead, "%PDF-", 5))
        return has_bytes(tail, ntail, "%%EOF", 5) ? NULL : "a PDF without \"%%EOF\" at its end";
    if (nhead >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
        return has_bytes(tail, ntail, "\xff\xd9", 2) ? NULL : "a JPEG without its end marker (FF D9)";
    if (nhead >= sizeof png_sig && memcmp(head, png_sig, sizeof png_sig) == 0)
        return has_bytes(tail, ntail, "IEND\xae\x42\x60\x82", 8) ? NULL : "a PNG without its IEND chunk";
    return NULL;
}
