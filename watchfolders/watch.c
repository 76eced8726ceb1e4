#include "watchfolders/watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/str.h"
#include "store/store.h"
#include "watchfolders/track.h"

/* Folders below a station folder are followed this deep (inbox = 0,
 * station = 1); deeper ones are left alone and logged once. */
#define WATCH_MAX_DEPTH 8
/* Longest wait in poll(): *stop is looked at least this often. */
#define WATCH_TICK_MS 1000
/* Backoff cap for one file that keeps failing, and for reconnects. */
#define WATCH_FILE_RETRY_CAP_MS (10 * 60 * 1000)
#define WATCH_PROBE_CAP_MS 10000
/* Embedded cluster down: let store_check() try to start it this often. */
#define WATCH_RESTART_MS 30000
/* A file held open, unchanged, this long gets one warning in the log. */
#define WATCH_BUSY_WARN_MS (10 * 60 * 1000)

enum pause { PAUSE_NONE = 0, PAUSE_DB, PAUSE_DISK };
static const char *const pause_names[] = {"ok", "db_down", "disk_full"};

struct wdir {                 /* one inotify watch */
    int wd;
    int depth;                /* inbox 0, station 1, deeper 2.. */
    char *path;
    char *station;            /* NULL for the inbox itself ("default") */
};

struct watcher {
    const struct cfg *c;
    volatile sig_atomic_t *stop;
    char inbox[PATH_MAX];
    char blobs[PATH_MAX];     /* where free space is measured */
    char status[PATH_MAX];
    char refused[PATH_MAX];   /* run/watch.refused: the refused entries, listed */
    char *refused_text;       /* what it holds now (NULL: not written yet) */
    int ifd;                  /* inotify, or -1 (rescans only) */
    struct wdir *dirs;
    size_t ndirs, capdirs;
    struct watch_tab *tab;
    struct store *db;         /* NULL while not connected */
    unsigned gen;

    enum pause pause;
    char reason[640];
    time_t since;             /* wall clock of the last state change */
    int64_t probe_ms, probe_delay_ms;
    int64_t need_bytes;       /* disk: free space wanted before resuming */
    int64_t restart_ms;       /* last reconnect attempt while the server did not answer */

    int64_t next_rescan_ms;
    int64_t status_ms;        /* last status write */
    bool status_dirty;
    bool rescan_now;

    long long n_taken, n_dup, n_empty, n_errors;
    size_t n_waiting;         /* ready but held by a pause */
    size_t n_refused;         /* symlinks, FIFOs... sitting in the inbox */
    bool deep_noted;
    bool inbox_noted;         /* "inbox missing" was logged */
    int watch_errno;          /* last inotify_add_watch error logged (0 = none) */
    size_t n_unwatched;       /* folders the last rescan could not watch */
    size_t unwatched;         /* ... as shown in the status file */
};

/* ---- small helpers ------------------------------------------------------ */

static void iso_now(char *buf, size_t n, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Station and file names go to the database as valid UTF-8 in NFC. */
static char *clean_name(const char *raw)
{
    return utf8_nfc(raw);      /* sanitizes invalid bytes to U+FFFD first */
}

static const char *kind_of(mode_t m)
{
    if (S_ISLNK(m)) return "symbolic link";
    if (S_ISFIFO(m)) return "named pipe (FIFO)";
    if (S_ISCHR(m)) return "character device";
    if (S_ISBLK(m)) return "block device";
    if (S_ISSOCK(m)) return "socket";
    return "special file";
}

static bool path_join(char *out, size_t n, const char *dir, const char *name)
{
    return snprintf(out, n, "%s/%s", dir, name) < (int)n;
}

/*
 * Is fd's file open for writing by some process on this machine?  A read
 * lease cannot be taken while anyone has the file open for writing (fcntl(2),
 * F_SETLEASE), so trying one and dropping it at once answers without
 * disturbing the writer.  1 yes, 0 no, -1 cannot tell (not the owner and no
 * CAP_LEASE, or a file system without leases).  Network file systems are not
 * asked: their writers are on other machines, and an NFSv4 client refuses
 * leases with EAGAIN whenever it holds no delegation, which would look like
 * a writer forever.
 */
static int open_for_writing(int fd)
{
    static const unsigned long remote[] = {
        0x6969,        /* NFS */
        0x517B,        /* SMB */
        0xFF534D42,    /* CIFS */
        0xFE534D42,    /* SMB2 */
        0x65735546,    /* FUSE (sshfs, ...) */
        0x00C36400,    /* Ceph */
        0x01021997,    /* 9p */
        0x47504653,    /* GPFS */
    };
    struct statfs sf;

    if (fstatfs(fd, &sf) == 0)
        for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
            if ((unsigned long)sf.f_type == remote[i])
                return -1;
    if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
        fcntl(fd, F_SETLEASE, F_UNLCK);
        return 0;
    }
    return errno == EAGAIN ? 1 : -1;
}

/* The same by path (opened O_NOFOLLOW|O_NONBLOCK, never blocks on a FIFO). */
static int path_open_for_writing(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    int r = open_for_writing(fd);
    close(fd);
    return r;
}

/* ---- status file -------------------------------------------------------- */

/* One field of run/watch.refused: a backslash, tab, newline and other
 * control bytes are written as \\, \t, \n, \xNN, so a line is one entry
 * whatever the name holds. */
static void put_field(struct sbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\')
            sbuf_puts(b, "\\\\");
        else if (*p == '\t')
            sbuf_puts(b, "\\t");
        else if (*p == '\n')
            sbuf_puts(b, "\\n");
        else if (*p < 0x20 || *p == 0x7f)
            sbuf_printf(b, "\\x%02x", *p);
        else
            sbuf_putc(b, (char)*p);
    }
}

/* Undo put_field in place. */
static void unput_field(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p != '\\' || !p[1]) {
            *o++ = *p;
            continue;
        }
        p++;
        if (*p == 't')
            *o++ = '\t';
        else if (*p == 'n')
            *o++ = '\n';
        else if (*p == 'x' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            p += 2;
        } else
            *o++ = *p;
    }
    *o = '\0';
}

struct refused_walk {
    struct watcher *w;
    struct sbuf *b;
};

static bool list_refused(struct watch_file *f, void *arg)
{
    struct refused_walk *r = arg;
    struct stat st;
    const char *rel = f->path;
    size_t n = strlen(r->w->inbox);

    if (!f->refused || lstat(f->path, &st) < 0 || S_ISREG(st.st_mode))
        return false;
    if (strncmp(rel, r->w->inbox, n) == 0 && rel[n] == '/')
        rel += n + 1;
    put_field(r->b, kind_of(st.st_mode));
    sbuf_putc(r->b, '\t');
    put_field(r->b, f->station);
    sbuf_putc(r->b, '\t');
    put_field(r->b, rel);
    sbuf_putc(r->b, '\n');
    return false;
}

/* run/watch.refused: "kind<TAB>station<TAB>path below the inbox" per
 * refused entry, for `ancong status`; rewritten only when it changes. */
static void write_refused(struct watcher *w)
{
    struct sbuf b = SBUF_INIT;
    struct refused_walk r = {w, &b};
    struct err e;

    sbuf_puts(&b, "# written by the watcher: entries of the inbox it refuses (kind, station, path)\n");
    watch_tab_each(w->tab, list_refused, &r);
    if (!w->refused_text || strcmp(w->refused_text, sbuf_cstr(&b)) != 0) {
        err_init(&e);
        if (fs_write_atomic(w->refused, b.s, b.len, 0644, &e) == 0) {
            free(w->refused_text);
            w->refused_text = sbuf_detach(&b);
        }
    }
    sbuf_release(&b);
}

int watch_refused_list(const struct cfg *c, const char *station,
                       void (*fn)(const char *kind, const char *station, const char *path,
                                  const char *full, void *arg),
                       void *arg)
{
    char path[PATH_MAX], inbox[PATH_MAX], full[PATH_MAX];
    char *text = NULL, *save = NULL;
    size_t len = 0;
    struct err e;
    int n = 0;

    err_init(&e);
    cfg_path(c, path, sizeof path, "run/watch.refused");
    cfg_path(c, inbox, sizeof inbox, "inbox");
    if (fs_read(path, 4 << 20, &text, &len, &e) < 0)
        return 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *kind = line, *st, *rel;
        struct stat sb;
        if (*line == '#' || !(st = strchr(kind, '\t')) || !(rel = strchr(st + 1, '\t')))
            continue;
        *st++ = '\0';
        *rel++ = '\0';
        unput_field(kind);
        unput_field(st);
        unput_field(rel);
        if (station && *station && strcmp(station, st) != 0)
            continue;
        /* Written by a watcher that may have stopped since: only what is
         * still there, and still not a regular file. */
        if (!path_join(full, sizeof full, inbox, rel) || lstat(full, &sb) < 0 || S_ISREG(sb.st_mode))
            continue;
        fn(kind, st, rel, full, arg);
        n++;
    }
    free(text);
    return n;
}

static void write_status(struct watcher *w, int64_t now)
{
    char since[32], upd[32], reason[sizeof w->reason];
    struct sbuf b = SBUF_INIT;
    struct err e;

    iso_now(since, sizeof since, w->since);
    iso_now(upd, sizeof upd, time(NULL));
    /* One line per key, the value to the end of the line (no quoting). */
    snprintf(reason, sizeof reason, "%s", w->reason);
    for (char *r = reason; *r; r++)
        if (*r == '\n' || *r == '\r')
            *r = ' ';
    sbuf_printf(&b, "state=%s\nreason=%s\nsince=%s\nupdated=%s\npid=%d\ninotify=%s\n"
                "pending=%zu\nwaiting=%zu\nrefused=%zu\ntaken=%lld\nduplicates=%lld\n"
                "failed_empty=%lld\nerrors=%lld\nunwatched=%zu\n",
                pause_names[w->pause], reason, since, upd, (int)getpid(),
                w->ifd >= 0 ? "on" : "off", watch_tab_count(w->tab) - w->n_refused, w->n_waiting,
                w->n_refused,
                w->n_taken, w->n_dup, w->n_empty, w->n_errors, w->unwatched);
    write_refused(w);          /* first: once the count is seen, the list is there too */
    err_init(&e);
    if (fs_write_atomic(w->status, b.s, b.len, 0644, &e) < 0) {
        /* Disk full: a new file cannot be made, but rewriting the blocks the
         * old one already has usually works, and the health endpoint must
         * see this state above all. */
        int fd = open(w->status, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (pwrite(fd, b.s, b.len, 0) == (ssize_t)b.len)
                (void)!ftruncate(fd, (off_t)b.len);
            close(fd);
        }
    }
    sbuf_release(&b);
    w->status_ms = now;
    w->status_dirty = false;
}

static void set_pause(struct watcher *w, enum pause p, const char *why, int64_t now)
{
    char q[700];
    if (p == w->pause && (p == PAUSE_NONE || strcmp(why, w->reason) == 0))
        return;
    if (p == PAUSE_NONE) {
        log_info("stage=intake state=ok was=%s msg=\"intake resumed\"", pause_names[w->pause]);
        w->rescan_now = true;
    } else if (w->pause == p) {
        /* Same state, other words (e.g. "starting up" then "refused"): the
         * status file gets the latest; the log said it once already. */
        log_debug("stage=intake state=%s reason=%s", pause_names[p], log_q(why, q, sizeof q));
    } else {
        log_warn("stage=intake state=%s reason=%s msg=\"intake paused, files stay in the inbox\"",
                 pause_names[p], log_q(why, q, sizeof q));
        w->restart_ms = now;
        w->probe_delay_ms = 1000;
        w->probe_ms = now + w->probe_delay_ms;
    }
    if (w->pause != p)
        w->since = time(NULL);
    w->pause = p;
    snprintf(w->reason, sizeof w->reason, "%s", p == PAUSE_NONE ? "" : why);
    write_status(w, now);
}

/* ---- free space --------------------------------------------------------- */

/* Free bytes where the blob store lives (its parent while it does not exist). */
static int64_t free_bytes(const struct watcher *w)
{
    struct statvfs sv;
    if (statvfs(w->blobs, &sv) < 0 && statvfs(w->c->home, &sv) < 0)
        return INT64_MAX;      /* cannot tell: let the write itself fail */
    return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}

/* Enough room for a file of `size` bytes?  Pauses intake if not. */
static bool room_for(struct watcher *w, int64_t size, int64_t now)
{
    int64_t want = (int64_t)w->c->watch_min_free_mb * 1024 * 1024 + size;
    int64_t have = free_bytes(w);
    if (have >= want)
        return true;
    char why[256];
    snprintf(why, sizeof why, "disk full: %lld MiB free under \"%s\", need %lld MiB "
             "(watch.min_free_mb plus the next file)",
             (long long)(have >> 20), w->c->home, (long long)((want + (1 << 20) - 1) >> 20));
    w->need_bytes = want;
    set_pause(w, PAUSE_DISK, why, now);
    return false;
}

/* ---- database ------------------------------------------------------------ */

static bool db_ready(struct watcher *w, int64_t now)
{
    struct err e;
    char why[900];

    /* Stopping: do not reconnect, and above all do not let store_check()
     * start an embedded cluster that someone is shutting down with us. */
    if (*w->stop)
        return false;
    err_init(&e);
    if (w->db && store_check(w->db, &e) == 0)
        return true;
    if (!w->db && store_open(w->c, &w->db, &e) == 0)
        return true;
    set_pause(w, PAUSE_DB, err_text(&e, why, sizeof why), now);
    return false;
}

/* While paused: is the cause gone?  Probed with a growing delay. */
static void probe(struct watcher *w, int64_t now)
{
    if (w->pause == PAUSE_NONE || now < w->probe_ms)
        return;
    w->probe_delay_ms = w->probe_delay_ms * 2 > WATCH_PROBE_CAP_MS ? WATCH_PROBE_CAP_MS
                                                                    : w->probe_delay_ms * 2;
    w->probe_ms = now + w->probe_delay_ms;
    if (w->pause == PAUSE_DISK) {
        if (free_bytes(w) >= w->need_bytes)
            set_pause(w, PAUSE_NONE, "", now);
        return;
    }
    /* A ping first: it logs nothing and costs little.  Only when the server
     * answers (or, for the embedded cluster, every WATCH_RESTART_MS, so that
     * store_check() can start it again as the store does) is a reconnect
     * tried; store_check() logs each attempt. */
    if (!pgc_running(w->c) && (w->c->database_url[0] || now - w->restart_ms < WATCH_RESTART_MS))
        return;
    w->restart_ms = now;
    if (db_ready(w, now))
        set_pause(w, PAUSE_NONE, "", now);
}

/* ---- inotify folders ---------------------------------------------------- */

static struct wdir *dir_by_wd(struct watcher *w, int wd)
{
    for (size_t i = 0; i < w->ndirs; i++)
        if (w->dirs[i].wd == wd)
            return &w->dirs[i];
    return NULL;
}

static void dir_drop_at(struct watcher *w, size_t i)
{
    free(w->dirs[i].path);
    free(w->dirs[i].station);
    w->dirs[i] = w->dirs[--w->ndirs];
}

/* Watch one folder (no-op without inotify or when already watched). */
static void dir_watch(struct watcher *w, const char *path, int depth, const char *station)
{
    /* The inbox itself may be a symlink the administrator made (to a share);
     * below it, links are never followed (see see_entry). */
    const uint32_t mask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                          IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                          IN_EXCL_UNLINK | (depth > 0 ? IN_DONT_FOLLOW : 0);
    char q[PATH_MAX + 8];
    int wd;

    if (w->ifd < 0)
        return;
    wd = inotify_add_watch(w->ifd, path, mask);
    if (wd < 0) {
        /* ENOSPC: fs.inotify.max_user_watches reached.  Rescans still see
         * the folder.  Said once per cause, not at every rescan. */
        w->n_unwatched++;
        if (errno != w->watch_errno)
            log_warn("stage=intake folder=%s msg=\"could not watch folder, relying on rescans every "
                     "%d s\" error=\"%s\"%s", log_q(path, q, sizeof q), w->c->watch_rescan_s,
                     strerror(errno), errno == ENOSPC ? " hint=\"Raise fs.inotify.max_user_watches "
                     "(sysctl).\"" : "");
        w->watch_errno = errno;
        return;
    }
    struct wdir *d = dir_by_wd(w, wd);
    if (d) {                  /* the same folder again (or a reused wd) */
        if (strcmp(d->path, path) != 0) {
            free(d->path);
            free(d->station);
            d->path = xstrdup(path);
            d->station = station ? xstrdup(station) : NULL;
            d->depth = depth;
        }
        return;
    }
    if (w->ndirs == w->capdirs) {
        w->capdirs = w->capdirs ? 2 * w->capdirs : 16;
        w->dirs = xrealloc(w->dirs, w->capdirs * sizeof *w->dirs);
    }
    w->dirs[w->ndirs++] = (struct wdir){wd, depth, xstrdup(path), station ? xstrdup(station) : NULL};
}

/* A folder moved away or deleted: forget it and everything below it. */
static void dir_forget(struct watcher *w, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < w->ndirs;) {
        const char *p = w->dirs[i].path;
        if (strncmp(p, path, n) == 0 && (p[n] == '\0' || p[n] == '/')) {
            inotify_rm_watch(w->ifd, w->dirs[i].wd);
            dir_drop_at(w, i);
        } else {
            i++;
        }
    }
}

/* ---- tracking files ----------------------------------------------------- */

/* Look at one directory entry (by path); st from lstat. */
static void see_entry(struct watcher *w, const char *path, const char *name, const struct stat *st,
                      const char *station, int depth, int64_t now);

static void scan_dir(struct watcher *w, const char *path, int depth, const char *station,
                     int64_t now)
{
    char q[PATH_MAX + 8], child[PATH_MAX];
    DIR *d;
    struct dirent *de;

    dir_watch(w, path, depth, station);      /* before reading: no gap for new files */
    if (!(d = opendir(path))) {
        if (errno != ENOENT)
            log_warn("stage=intake folder=%s msg=\"could not read folder\" error=\"%s\"",
                     log_q(path, q, sizeof q), strerror(errno));
        return;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (!path_join(child, sizeof child, path, de->d_name))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        see_entry(w, child, de->d_name, &st, station, depth + 1, now);
    }
    closedir(d);
}

static void see_entry(struct watcher *w, const char *path, const char *name, const struct stat *st,
                      const char *station, int depth, int64_t now)
{
    char q[PATH_MAX + 8], qn[1100];
    const char *skip = watch_name_skip(name);

    if (skip) {
        log_debug("stage=intake file=%s msg=\"ignored\" why=\"%s\"", log_q(path, q, sizeof q), skip);
        return;
    }
    if (S_ISDIR(st->st_mode)) {
        if (depth > WATCH_MAX_DEPTH) {
            if (!w->deep_noted)
                log_warn("stage=intake folder=%s msg=\"folder nested too deep, not watched\" "
                         "hint=\"Put scans in inbox/<station>/ or at most %d folders below it.\"",
                         log_q(path, q, sizeof q), WATCH_MAX_DEPTH - 1);
            w->deep_noted = true;
            return;
        }
        char *st_name = NULL;
        if (depth == 1)
            st_name = clean_name(name);       /* a station folder */
        scan_dir(w, path, depth, st_name ? st_name : station, now);
        free(st_name);
        return;
    }
    struct watch_file *f = watch_tab_get(w->tab, path, station, true, now);
    f->gen = w->gen;
    if (!S_ISREG(st->st_mode)) {
        if (!f->refused || !f->noted)
            log_warn("stage=intake station=%s file=%s msg=\"refused: not a regular file\" kind=\"%s\" "
                     "hint=\"Copy the scan itself into the inbox; links, pipes and devices are "
                     "never followed.\"", log_q(f->station, qn, sizeof qn),
                     log_q(path, q, sizeof q), kind_of(st->st_mode));
        f->refused = true;
        f->noted = true;
        w->status_dirty = true;
        return;
    }
    if (f->refused) {         /* replaced by a regular file */
        f->refused = false;
        f->noted = false;
        f->statted = false;
    }
    /* Marked open by an event whose close never came (a hard link made with
     * link(2) opens nothing; events may have been lost): ask the kernel. */
    if (f->writing && path_open_for_writing(path) == 0)
        f->writing = false;
    watch_file_observe(f, st, now);
}

/* Station of a file in folder d (NULL means "default"). */
static const char *station_of(const struct wdir *d)
{
    return d->station;
}

/* A full walk of the inbox; entries whose file is gone are dropped. */
static bool sweep_gone(struct watch_file *f, void *arg)
{
    struct watcher *w = arg;
    struct stat st;
    if (f->gen == w->gen)
        return false;
    return lstat(f->path, &st) < 0 && errno == ENOENT;
}

static void rescan(struct watcher *w, int64_t now)
{
    struct err e;
    char q[PATH_MAX + 8];

    err_init(&e);
    if (!fs_is_dir(w->inbox) && fs_mkdirs(w->inbox, 0775, &e) < 0) {
        /* E.g. the inbox is a symlink to a share that is not mounted: said
         * once, until it is back. */
        char t[900], t2[1000];
        if (!w->inbox_noted)
            log_error("stage=intake folder=%s msg=%s", log_q(w->inbox, q, sizeof q),
                      log_q(err_text(&e, t, sizeof t), t2, sizeof t2));
        w->inbox_noted = true;
    } else if (w->inbox_noted) {
        log_info("stage=intake folder=%s msg=\"inbox is back\"", log_q(w->inbox, q, sizeof q));
        w->inbox_noted = false;
    }
    w->gen++;
    w->n_unwatched = 0;
    scan_dir(w, w->inbox, 0, NULL, now);
    w->unwatched = w->n_unwatched;
    watch_tab_each(w->tab, sweep_gone, w);
    w->next_rescan_ms = now + (int64_t)w->c->watch_rescan_s * 1000;
    w->rescan_now = false;
    w->status_dirty = true;
}

static bool clear_writing(struct watch_file *f, void *arg)
{
    (void)arg;
    f->writing = false;       /* events were lost; the lease check decides now */
    return false;
}

static void handle_event(struct watcher *w, const struct inotify_event *ev, int64_t now)
{
    char path[PATH_MAX];
    struct wdir *d;
    struct stat st;

    if (ev->mask & IN_Q_OVERFLOW) {
        log_warn("stage=intake msg=\"inotify queue overflowed, rescanning\"");
        watch_tab_each(w->tab, clear_writing, NULL);
        w->rescan_now = true;
        return;
    }
    if (!(d = dir_by_wd(w, ev->wd)))
        return;
    if (ev->mask & IN_IGNORED) {
        if (d->depth == 0)
            w->rescan_now = true;          /* the inbox itself: make it again */
        dir_drop_at(w, (size_t)(d - w->dirs));
        return;
    }
    if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (d->depth == 0)
            w->rescan_now = true;          /* the inbox itself went away: make it again */
        return;
    }
    if (ev->len == 0 || !path_join(path, sizeof path, d->path, ev->name))
        return;

    if (ev->mask & IN_ISDIR) {
        if (ev->mask & (IN_MOVED_FROM | IN_DELETE)) {
            dir_forget(w, path);
            w->rescan_now = true;          /* drops the files that were in it */
        } else if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && lstat(path, &st) == 0) {
            char *station = d->depth == 0 ? NULL : xstrdup(station_of(d));
            see_entry(w, path, ev->name, &st, station, d->depth + 1, now);
            free(station);
        }
        return;
    }
    if (watch_name_skip(ev->name))
        return;
    if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
        watch_tab_del(w->tab, path);
        w->status_dirty = true;
        return;
    }
    if (lstat(path, &st) < 0)
        return;                            /* gone again already */
    if (!S_ISREG(st.st_mode) || (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))) {
        see_entry(w, path, ev->name, &st, station_of(d), d->depth + 1, now);
        struct watch_file *f = watch_tab_get(w->tab, path, NULL, false, now);
        if (f) {
            f->writing = false;            /* closed, or renamed in whole */
            if (ev->mask & IN_MOVED_TO)
                f->renamed = true;
        }
        return;
    }
    /* IN_CREATE or IN_MODIFY of a regular file: someone is writing it,
     * unless nobody has it open (a hard link: no close event will come). */
    struct watch_file *f = watch_tab_get(w->tab, path, station_of(d), true, now);
    f->writing = !((ev->mask & IN_CREATE) && path_open_for_writing(path) == 0);
    if (!f->writing)
        watch_file_observe(f, &st, now);
    f->renamed = false;
    f->changed_ms = now;
    w->status_dirty = true;
}

static void read_events(struct watcher *w, int64_t now)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->ifd, buf, sizeof buf);
        if (n <= 0)
            return;            /* EAGAIN: drained */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            handle_event(w, ev, now);
            p += sizeof *ev + ev->len;
        }
    }
}

/* ---- taking a file ------------------------------------------------------ */

enum take_rc { TAKE_DONE, TAKE_LATER, TAKE_PAUSED };

static void file_error(struct watcher *w, struct watch_file *f, const char *msg, int64_t now)
{
    char q[PATH_MAX + 8], m[1100];
    char qs[300];
    if (!f->noted)
        log_warn("stage=intake station=%s file=%s msg=%s retry=backoff",
                 log_q(f->station, qs, sizeof qs), log_q(f->path, q, sizeof q), log_q(msg, m, sizeof m));
    f->noted = true;
    w->n_errors++;
    watch_file_failed(f, now, WATCH_FILE_RETRY_CAP_MS);
}

/* Same file, unchanged since we took it?  Only then may it be removed. */
static bool unchanged(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Does fd's file look cut short (watch_content_incomplete)?  NULL: it looks
 * complete, is not a kind that is checked, or could not be read (the store
 * will say why). */
static const char *content_incomplete(int fd, const struct stat *st)
{
    unsigned char head[WATCH_HEAD_BYTES], tail[WATCH_TAIL_BYTES];
    size_t nt = st->st_size < (off_t)sizeof tail ? (size_t)st->st_size : sizeof tail;
    ssize_t h = pread(fd, head, sizeof head, 0);
    ssize_t t = pread(fd, tail, nt, st->st_size - (off_t)nt);
    if (h <= 0 || t != (ssize_t)nt)
        return NULL;
    return watch_content_incomplete(head, (size_t)h, tail, nt);
}

static enum take_rc take(struct watcher *w, struct watch_file *f, bool empty, int64_t now)
{
    char q[PATH_MAX + 8], qs[300], qn[1100], why[900];
    struct ingest_req req = {0};
    struct ingest_res res = {0};
    struct stat st, st2;
    struct err e;
    char *name = NULL;
    enum take_rc rc = TAKE_LATER;
    int fd;

    err_init(&e);
    /* O_NOFOLLOW + fstat: a symlink or FIFO swapped in after the last look
     * is refused here, not followed or blocked on. */
    fd = open(f->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) {
            watch_tab_del(w->tab, f->path);
            return TAKE_DONE;
        }
        if (errno == ELOOP) {
            f->refused = true;
            return TAKE_LATER;
        }
        snprintf(why, sizeof why, "could not open \"%s\": %s", f->path, strerror(errno));
        file_error(w, f, why, now);
        return TAKE_LATER;
    }
    if (fstat(fd, &st) < 0) {
        snprintf(why, sizeof why, "could not examine \"%s\": %s", f->path, strerror(errno));
        file_error(w, f, why, now);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        f->refused = true;     /* the next rescan logs it */
        f->noted = false;
        goto out;
    }
    if (watch_file_observe(f, &st, now))
        goto out;              /* it changed since the last look: not stable yet */
    if (open_for_writing(fd) == 1) {
        /* A local writer still has it open: look again after another window. */
        f->changed_ms = now;
        if (!f->busy_ms)
            f->busy_ms = now;
        if (now - f->busy_ms > WATCH_BUSY_WARN_MS && !f->noted) {
            log_warn("stage=intake station=%s file=%s msg=\"held open for writing for %lld min with "
                     "no change; not taken while a program keeps it open\" hint=\"Close the scanning "
                     "program, or find the holder with: fuser -v FILE\"", log_q(f->station, qs, sizeof qs),
                     log_q(f->path, q, sizeof q), (long long)((now - f->busy_ms) / 60000));
            f->noted = true;
        }
        log_debug("stage=intake file=%s msg=\"still open for writing\"", log_q(f->path, q, sizeof q));
        goto out;
    }
    f->busy_ms = 0;
    if (st.st_size > 0 && w->c->watch_incomplete_wait_s > 0) {
        /* Its size held still, but a copy that opens the file for every
         * chunk (and pauses between them) looks just like that: the bytes
         * say whether it is finished.  One that stays cut short is taken
         * after watch.incomplete_wait_s unchanged, and fails with its reason. */
        const char *inc = content_incomplete(fd, &st);
        int64_t wait_ms = (int64_t)w->c->watch_incomplete_wait_s * 1000;
        if (inc && now - f->changed_ms < wait_ms) {
            f->retry_ms = f->changed_ms + wait_ms;   /* any change brings it back sooner */
            if (!f->incomplete_noted)
                log_info("stage=intake station=%s file=%s msg=\"looks incomplete, left in the inbox until "
                         "it is finished\" why=\"%s\" bytes=%lld wait_s=%d", log_q(f->station, qs, sizeof qs),
                         log_q(f->path, q, sizeof q), inc, (long long)st.st_size,
                         w->c->watch_incomplete_wait_s);
            else
                log_debug("stage=intake file=%s msg=\"still looks incomplete\" bytes=%lld",
                          log_q(f->path, q, sizeof q), (long long)st.st_size);
            f->incomplete_noted = true;
            goto out;
        }
        if (inc)
            log_warn("stage=intake station=%s file=%s msg=\"still looks incomplete after %d s without "
                     "change; taken anyway\" why=\"%s\" bytes=%lld", log_q(f->station, qs, sizeof qs),
                     log_q(f->path, q, sizeof q), w->c->watch_incomplete_wait_s, inc, (long long)st.st_size);
    }
    if (!room_for(w, (int64_t)st.st_size, now)) {
        rc = TAKE_PAUSED;
        goto out;
    }
    if (!db_ready(w, now)) {
        rc = TAKE_PAUSED;
        goto out;
    }

    name = clean_name(fs_base(f->path));
    /* The store opens the path again (O_NOFOLLOW, regular files only).  If
     * the name was replaced in between, the inode check below keeps the new
     * file in the inbox for another look. */
    req.path = f->path;
    req.name = name;
    req.station = f->station;
    req.source = INGEST_LIVE;
    req.priority = 0;
    if (store_ingest(w->db, &req, &res, &e) < 0) {
        err_text(&e, why, sizeof why);
        struct err e2;
        err_init(&e2);
        if (e.kind == ERR_DB || store_check(w->db, &e2) < 0) {
            set_pause(w, PAUSE_DB, why, now);
            rc = TAKE_PAUSED;
        } else if (e.kind == ERR_IO && !room_for(w, (int64_t)st.st_size, now)) {
            rc = TAKE_PAUSED;
        } else if (e.kind == ERR_IO && (strstr(e.msg, strerror(ENOSPC)) || strstr(e.msg, strerror(EDQUOT)))) {
            /* Out of space although statvfs shows room (quota, inodes): wait
             * until 64 MiB more than now are free. */
            w->need_bytes = free_bytes(w) + ((int64_t)64 << 20);
            set_pause(w, PAUSE_DISK, why, now);
            rc = TAKE_PAUSED;
        } else {
            file_error(w, f, why, now);
        }
        goto out;
    }
    if (empty)
        w->n_empty++;          /* store_ingest recorded it failed: "the file is empty" */
    w->n_taken++;
    if (res.duplicate)
        w->n_dup++;
    log_info("stage=intake doc=%lld sha256=%.12s station=%s file=%s bytes=%lld duplicate=%s%s",
             res.document_id, res.sha256, log_q(f->station, qs, sizeof qs), log_q(name, qn, sizeof qn),
             (long long)st.st_size, res.duplicate ? "yes" : "no", empty ? " status=failed reason=empty" : "");
    /* Stored and committed: now, and only now, the inbox copy may go.  Not
     * if it was replaced or rewritten meanwhile: that is a new drop. */
    if (lstat(f->path, &st2) == 0 && unchanged(&st, &st2)) {
        if (unlink(f->path) < 0 && errno != ENOENT) {
            log_warn("stage=intake file=%s msg=\"stored, but could not remove it from the inbox\" "
                     "error=\"%s\" hint=\"Give the ancong user write access to the station folder.\"",
                     log_q(f->path, q, sizeof q), strerror(errno));
            f->taken = true;
            rc = TAKE_DONE;
            goto out;
        }
        watch_tab_del(w->tab, f->path);
        f = NULL;
    } else {
        log_warn("stage=intake doc=%lld file=%s msg=\"changed or replaced while it was being stored; "
                 "the stored copy is document %lld, the file stays for another look\"",
                 res.document_id, log_q(f->path, q, sizeof q), res.document_id);
    }
    w->status_dirty = true;
    rc = TAKE_DONE;
out:
    free(name);
    close(fd);
    return rc;
}

/* ---- the loop ------------------------------------------------------------ */

struct ready {
    char *path;
    bool empty;
    int64_t since;            /* last change: files finished first go first */
};

struct ready_scan {
    int64_t now, stable_ms, empty_ms, next_due;
    bool trust_rename;
    size_t refused;
    struct ready *v;
    size_t n, cap;
};

static int by_since(const void *a, const void *b)
{
    const struct ready *x = a, *y = b;
    if (x->since != y->since)
        return x->since < y->since ? -1 : 1;
    return strcmp(x->path, y->path);
}

static bool collect_ready(struct watch_file *f, void *arg)
{
    struct ready_scan *r = arg;
    int64_t due;
    enum watch_verdict v = watch_file_judge2(f, r->now, r->stable_ms, r->empty_ms, r->trust_rename, &due);

    r->refused += f->refused;
    if (v == WATCH_WAIT) {
        if (due && due < r->next_due)
            r->next_due = due;
        return false;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->v = xrealloc(r->v, r->cap * sizeof *r->v);
    }
    r->v[r->n++] = (struct ready){xstrdup(f->path), v == WATCH_READY_EMPTY, f->changed_ms};
    return false;
}

/* Take every ready file, in the order they were finished (so that jobs are
 * queued first come, first served); returns when the next file is due (ms). */
static int64_t take_ready(struct watcher *w, int64_t now)
{
    struct ready_scan r = {now, (int64_t)w->c->watch_stable_s * 1000,
                           (int64_t)w->c->watch_empty_s * 1000, INT64_MAX, w->c->watch_trust_rename,
                           0, NULL, 0, 0};

    watch_tab_each(w->tab, collect_ready, &r);
    if (r.n > 1)
        qsort(r.v, r.n, sizeof *r.v, by_since);
    if (r.refused != w->n_refused)
        w->status_dirty = true;
    w->n_refused = r.refused;
    w->n_waiting = 0;
    for (size_t i = 0; i < r.n; i++) {
        struct watch_file *f = watch_tab_get(w->tab, r.v[i].path, NULL, false, now);
        if (f && w->pause == PAUSE_NONE && !*w->stop) {
            if (take(w, f, r.v[i].empty, fs_now_ms()) == TAKE_PAUSED)
                w->n_waiting++;
        } else if (f) {
            w->n_waiting++;
        }
        free(r.v[i].path);
    }
    if (r.n)
        w->status_dirty = true;
    free(r.v);
    return r.next_due;
}

static int take_lock(struct watcher *w, int *fdout, struct err *e)
{
    char path[PATH_MAX], run[PATH_MAX], pid[32];
    int fd;

    cfg_path(w->c, run, sizeof run, "run");
    if (fs_mkdirs(run, 0755, e) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/watch.lock", run);
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        err_errno(e, "open lock file", path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        ssize_t k = pread(fd, pid, sizeof pid - 1, 0);
        pid[k > 0 ? k : 0] = '\0';
        str_trim(pid);
        err_set(e, ERR_USAGE, "another watcher (pid %s) is already running for \"%s\"",
                pid[0] ? pid : "?", w->c->home);
        err_hint(e, "Stop it first, or give this one its own ANCONG_HOME.");
        close(fd);
        return -1;
    }
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
        log_warn("stage=intake msg=\"could not write pid into %s\"", path);
    *fdout = fd;
    return 0;
}

const char *watch_status_path(const struct cfg *c, char *buf, size_t n)
{
    return cfg_path(c, buf, n, "run/watch.status");
}

static volatile sig_atomic_t watch_hup;

static void on_hup(int sig)
{
    (void)sig;
    watch_hup = 1;
}

/* SIGHUP: read the configuration again and apply the settings the watcher
 * can change while running; a bad file keeps the old values. */
static void reload(struct watcher *w, struct cfg *cur, int64_t now)
{
    struct cfg n;
    struct err e;
    char t[900], q[1000];
    enum log_level l;

    err_init(&e);
    if (cfg_load(&n, cur->config_file[0] ? cur->config_file : NULL, &e) < 0) {
        log_error("stage=reload result=kept_old error=%s", log_q(err_text(&e, t, sizeof t), q, sizeof q));
        return;
    }
    cur->watch_rescan_s = n.watch_rescan_s;
    cur->watch_stable_s = n.watch_stable_s;
    cur->watch_empty_s = n.watch_empty_s;
    cur->watch_incomplete_wait_s = n.watch_incomplete_wait_s;
    cur->watch_min_free_mb = n.watch_min_free_mb;
    cur->watch_trust_rename = n.watch_trust_rename;
    memcpy(cur->log_level, n.log_level, sizeof cur->log_level);
    if (log_level_parse(cur->log_level, &l) == 0)
        log_set_level(l);
    log_info("stage=reload result=ok rescan_s=%d stable_s=%d empty_s=%d incomplete_wait_s=%d "
             "min_free_mb=%ld", cur->watch_rescan_s, cur->watch_stable_s, cur->watch_empty_s,
             cur->watch_incomplete_wait_s, cur->watch_min_free_mb);
    if (w->pause == PAUSE_DISK)
        w->need_bytes = (int64_t)cur->watch_min_free_mb << 20;
    w->probe_ms = now;
    w->probe_delay_ms = 500;
    w->rescan_now = true;
}

int watch_run(const struct cfg *c, volatile sig_atomic_t *stop, struct err *e)
{
    struct watcher w = {0};
    struct cfg cur = *c;       /* SIGHUP changes this copy */
    struct sigaction sa;
    int lockfd = -1, rc = -1;
    char q[PATH_MAX + 8];

    c = &cur;
    w.c = c;
    w.stop = stop;
    w.ifd = -1;
    w.since = time(NULL);
    cfg_path(c, w.inbox, sizeof w.inbox, "inbox");
    cfg_path(c, w.blobs, sizeof w.blobs, "blobs");
    watch_status_path(c, w.status, sizeof w.status);
    cfg_path(c, w.refused, sizeof w.refused, "run/watch.refused");
    if (fs_mkdirs(w.inbox, 0775, e) < 0) {
        err_hint(e, "Create \"%s\" and give the ancong user write access to it.", w.inbox);
        return -1;
    }
    if (take_lock(&w, &lockfd, e) < 0)
        return -1;
    signal(SIGIO, SIG_IGN);   /* lease-break notices: our leases last microseconds */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hup;   /* no SA_RESTART: poll() returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    watch_hup = 0;
    w.tab = watch_tab_new();
    if (c->watch_inotify) {
        w.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w.ifd < 0)
            log_warn("stage=intake msg=\"inotify unavailable, relying on rescans every %d s\" "
                     "error=\"%s\"", c->watch_rescan_s, strerror(errno));
    }
    log_info("stage=intake msg=\"watching\" inbox=%s inotify=%s rescan_s=%d stable_s=%d empty_s=%d "
             "incomplete_wait_s=%d", log_q(w.inbox, q, sizeof q), w.ifd >= 0 ? "on" : "off",
             c->watch_rescan_s, c->watch_stable_s, c->watch_empty_s, c->watch_incomplete_wait_s);

    int64_t now = fs_now_ms();
    if (db_ready(&w, now))
        write_status(&w, now);
    rescan(&w, now);           /* files present at start-up are taken too */

    while (!*stop) {
        now = fs_now_ms();
        if (watch_hup) {
            watch_hup = 0;
            reload(&w, &cur, now);
        }
        probe(&w, now);
        if (w.rescan_now || now >= w.next_rescan_ms)
            rescan(&w, now);
        int64_t due = take_ready(&w, now);
        now = fs_now_ms();
        if (w.status_dirty && now - w.status_ms >= 1000)
            write_status(&w, now);

        int64_t wake = w.next_rescan_ms;
        if (due < wake) wake = due;
        if (w.pause != PAUSE_NONE && w.probe_ms < wake) wake = w.probe_ms;
        if (w.status_dirty && w.status_ms + 1000 < wake) wake = w.status_ms + 1000;
        int64_t t = wake - now;
        if (t < 0) t = 0;
        if (t > WATCH_TICK_MS) t = WATCH_TICK_MS;
        if (w.rescan_now) t = 0;

        struct pollfd p = {w.ifd, POLLIN, 0};
        int n = poll(&p, w.ifd >= 0 ? 1 : 0, (int)t);
        if (n > 0 && (p.revents & POLLIN))
            read_events(&w, fs_now_ms());
    }
    log_info("stage=intake msg=\"stopping\" taken=%lld", w.n_taken);
    rc = 0;
    {
        /* Say "stopped" so that health checks do not trust a stale "ok". */
        char upd[32], since[32];
        iso_now(upd, sizeof upd, time(NULL));
        iso_now(since, sizeof since, time(NULL));
        char buf[256];
        int len = snprintf(buf, sizeof buf, "state=stopped\nreason=\nsince=%s\nupdated=%s\npid=%d\n",
                           since, upd, (int)getpid());
        struct err e2;
        err_init(&e2);
        fs_write_atomic(w.status, buf, (size_t)len, 0644, &e2);
    }
    store_close(&w.db);
    if (w.ifd >= 0)
        close(w.ifd);
    for (size_t i = 0; i < w.ndirs; i++) {
        free(w.dirs[i].path);
        free(w.dirs[i].station);
    }
    free(w.dirs);
    free(w.refused_text);
    watch_tab_free(&w.tab);
    if (lockfd >= 0)
        close(lockfd);
    return rc;
}
