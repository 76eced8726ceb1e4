/*
 * cmd/cmd_watch.c: "ancong watch", the inbox watcher alone (serve runs the
 * same watch_run() as its watcher role).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/cmds.h"
#include "common/err.h"
#include "common/log.h"
#include "watchfolders/watch.h"

static const char watch_usage[] = "ancong watch [--no-inotify]";

static volatile sig_atomic_t watch_stop;

static void on_stop(int sig)
{
    (void)sig;
    watch_stop = 1;
}

int cmd_watch(int argc, char **argv, struct cfg *cfg)
{
    struct sigaction sa;
    struct err e;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Watch $ANCONG_HOME/inbox/<station>/ and take every completely written scan into\n"
               "the database and blob store (files directly in inbox/ belong to station\n"
               "\"default\"), until SIGTERM or Ctrl-C.  Temporary names (.part, .tmp, ~$...)\n"
               "are never taken; see watchfolders/README.md.  While the database is down or\n"
               "the disk is full, files stay in the inbox and intake resumes by itself; the\n"
               "state is in $ANCONG_HOME/run/watch.status.\n\n"
               "  --no-inotify   rescans only, no inotify events (as on a network share)\n\n"
               "Settings:\n", watch_usage);
        cmd_print_settings(stdout, "watch.");
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-inotify") == 0)
            cfg->watch_inotify = false;
        else
            return cmd_usage_error(watch_usage, "unknown option \"%s\"", argv[i]);
    }
    log_set_role("watcher");
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;       /* no SA_RESTART: poll() returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    err_init(&e);
    if (watch_run(cfg, &watch_stop, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    return EXIT_OK;
}
