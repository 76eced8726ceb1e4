/*
 * watchfolders/watch.h: the inbox watcher (the "watcher" role of serve, or
 * `ancong watch` alone).
 *
 * It watches $ANCONG_HOME/inbox/ (files directly in it belong to station
 * "default") and every station folder inbox/<station>/ below it, including
 * station folders created while it runs, with inotify plus a full rescan
 * every watch.rescan_s seconds (network shares send no events;
 * watch.inotify = false uses rescans only).  A file is taken once it is
 * completely written (see watchfolders/README.md): stored with
 * store_ingest(), and only then removed from the inbox.  While the database
 * is unreachable or the disk is full, nothing is taken; files stay in the
 * inbox untouched and intake resumes by itself.  The current state is in
 * $ANCONG_HOME/run/watch.status (key=value lines) for the health endpoint;
 * refused entries (links, FIFOs...) are listed in run/watch.refused.
 */
#ifndef ANCONG_WATCH_H
#define ANCONG_WATCH_H

#include <signal.h>
#include <stddef.h>

#include "common/cfg.h"
#include "common/err.h"

/*
 * Run the watcher until *stop becomes non-zero (set it from a SIGTERM/SIGINT
 * handler; install the handler without SA_RESTART, though the loop also
 * looks at *stop at least once a second).  Only one watcher runs per
 * ANCONG_HOME (run/watch.lock).  The database being down at start-up is not
 * an error: the watcher waits for it.  SIGIO is ignored in this process (the
 * open-for-writing check uses file leases).  SIGHUP is handled: it reloads
 * the configuration file and applies watch.rescan_s, watch.stable_s,
 * watch.empty_s, watch.incomplete_wait_s, watch.trust_rename, watch.min_free_mb and log.level
 * (watch.inotify needs a restart); a bad file keeps the old values.  c is copied; the caller's
 * struct is not changed.
 *
 * Returns 0 after a stop request, -1 with e set when it cannot start at all
 * (inbox cannot be created, another watcher holds the lock).
 */
int watch_run(const struct cfg *c, volatile sig_atomic_t *stop, struct err *e);

/* The status file's path: "<home>/run/watch.status". */
const char *watch_status_path(const struct cfg *c, char *buf, size_t n);

/*
 * The inbox entries the watcher refuses (symbolic links, FIFOs, devices...:
 * never followed or taken, left in place), as it last wrote them to
 * "<home>/run/watch.refused".  fn is called for each one still there and
 * still not a regular file: kind ("symbolic link", ...), station, path below
 * the inbox (as on disk) and full path.  Only station's entries unless it is
 * NULL or empty.  Returns how many; 0 also when the file does not exist (no
 * watcher ran yet).
 */
int watch_refused_list(const struct cfg *c, const char *station,
                       void (*fn)(const char *kind, const char *station, const char *path,
                                  const char *full, void *arg),
                       void *arg);

#endif
