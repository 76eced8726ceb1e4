/*
 * watchfolders/track.h: the watcher's pure logic, apart from the event loop so
 * that it can be unit-tested without inotify, PostgreSQL or a clock:
 *
 *   - which file names mark a file as temporary (never taken), and
 *   - when a file is completely written (the stability rule).
 *
 * Times are monotonic milliseconds passed in by the caller.
 */
#ifndef ANCONG_WATCH_TRACK_H
#define ANCONG_WATCH_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* ---- names (watchfolders/names.c) ---------------------------------------
 * NULL when name (a base name, no '/') may be taken; otherwise a short
 * static text saying which rule marks it temporary or not a document, for
 * the log ("hidden name", "\".part\" suffix", ...).  The list is in
 * watchfolders/README.md; suffixes are compared without regard to ASCII case. */
const char *watch_name_skip(const char *name);

/* ---- tracked files (watchfolders/track.c) -------------------------------
 * One entry per regular file seen in the inbox that is not yet taken.  The
 * table owns the entries and their strings. */
struct watch_file {
    char *path;               /* absolute path: the key */
    char *station;            /* station it belongs to (NFC, valid UTF-8) */
    dev_t dev;
    ino_t ino;
    int64_t size;
    int64_t mtime_ns;
    bool statted;             /* dev..mtime_ns hold a real observation */
    int64_t changed_ms;       /* when dev/ino/size/mtime last changed (or first seen) */
    bool writing;             /* an event says a writer has it open; cleared on close */
    unsigned gen;             /* rescan generation that last saw it */
    int64_t retry_ms;         /* after a per-file error: not before this */
    int fails;                /* per-file errors in a row */
    bool noted;               /* a warning about it was logged already */
    bool refused;             /* not a regular file (symlink, FIFO, device...): never taken */
    bool taken;               /* stored, but could not be removed from the inbox */
    int64_t busy_ms;          /* since when a writer holds it open, unchanged (0 = not) */
    bool renamed;             /* renamed into place (IN_MOVED_TO) and unchanged since */
    bool incomplete_noted;    /* "looks incomplete" was logged (kept across changes: once per file) */
    struct watch_file *next;  /* hash chain */
};

struct watch_tab;

struct watch_tab *watch_tab_new(void);                  /* caller frees with watch_tab_free */
void watch_tab_free(struct watch_tab **t);              /* NULL-safe; sets *t = NULL */
/* The entry for path, or NULL.  With create, a new entry (changed_ms = now,
 * station copied) is added when there is none. */
struct watch_file *watch_tab_get(struct watch_tab *t, const char *path, const char *station,
                                 bool create, int64_t now_ms);
void watch_tab_del(struct watch_tab *t, const char *path);
size_t watch_tab_count(const struct watch_tab *t);
/* Call fn for every entry; fn may not add entries but may return true to
 * have the entry deleted after the call. */
void watch_tab_each(struct watch_tab *t, bool (*fn)(struct watch_file *f, void *arg), void *arg);

/* Record what stat() says now.  Any change of device, inode, size or mtime
 * restarts the stability clock (changed_ms = now) and forgets earlier
 * per-file errors, a "taken" mark and a "renamed" mark: it is new content.
 * true if it changed. */
bool watch_file_observe(struct watch_file *f, const struct stat *st, int64_t now_ms);

enum watch_verdict {
    WATCH_WAIT = 0,           /* not yet: look again at *due_ms (0 = on the next event) */
    WATCH_READY,              /* complete: take it */
    WATCH_READY_EMPTY,        /* empty, and stayed empty past empty_ms: take it as failed */
};
/* The stability rule.  A file is complete when no writer is known to hold it
 * open (no IN_MODIFY/IN_CREATE without a later IN_CLOSE_WRITE) and its size
 * and mtime have not changed for stable_ms.  An empty file waits empty_ms
 * instead (scanners often create the file first and fill it later).  A file
 * in per-file error backoff waits until retry_ms.  Refused and taken files,
 * and files never statted, wait with *due_ms = 0. */
enum watch_verdict watch_file_judge(const struct watch_file *f, int64_t now_ms,
                                    int64_t stable_ms, int64_t empty_ms, int64_t *due_ms);
/* The same, where a non-empty file renamed into place (renamed set, the
 * usual "write under a temporary name, then rename" protocol) needs no
 * stability window when trust_rename is true. */
enum watch_verdict watch_file_judge2(const struct watch_file *f, int64_t now_ms,
                                     int64_t stable_ms, int64_t empty_ms, bool trust_rename,
                                     int64_t *due_ms);

/* Does a file look cut short, judging by its bytes?  head: its first bytes
 * (up to WATCH_HEAD_BYTES), tail: its last bytes (up to WATCH_TAIL_BYTES; the
 * same bytes as head when the file is that small).  NULL when it looks
 * complete or is of a kind that is not checked (TIFF, anything else);
 * otherwise a short static text for the log saying what is missing:
 *   PDF  ("%PDF-" in the first 1 KiB): "%%EOF" in the last 2 KiB (an
 *        incremental update ends with one too);
 *   JPEG (FF D8 FF): the EOI marker FF D9 in the last 2 KiB (image data
 *        never holds FF D9, so a file cut in its image data is caught);
 *   PNG  (its 8-byte signature): the IEND chunk (with its CRC) in the last
 *        2 KiB.
 * What follows the end marker (padding, a trailer some tool appends) is not
 * judged. */
#define WATCH_HEAD_BYTES 1024
#define WATCH_TAIL_BYTES 2048
const char *watch_content_incomplete(const unsigned char *head, size_t nhead,
                                     const unsigned char *tail, size_t ntail);

/* Backoff after a per-file error: 2 s, 4 s, ... capped at cap_ms. */
void watch_file_failed(struct watch_file *f, int64_t now_ms, int64_t cap_ms);

#endif
