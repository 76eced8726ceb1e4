/*
 * cmd/cmd_worker.c: `ancong worker`, one worker process alone (serve starts
 * N of them).  Workers keep no state, so any number may run, on any host
 * that reaches the same PostgreSQL and blob store.
 */
#include "cmd/cmds.h"

#include <stdio.h>

#include "cmd/cmd.h"
#include "common/log.h"
#include "workers/ocrenv.h"
#include "workers/worker.h"

int cmd_worker(int argc, char **argv, struct cfg *cfg)
{
    if (cmd_wants_help(argc, argv)) {
        printf("usage: ancong worker\n\n"
               "Take OCR jobs from the database queue one at a time and process each file in\n"
               "a sandboxed child: OCR, classification, field extraction, searchable PDF.\n"
               "SIGTERM/SIGINT stop it after the current job; SIGHUP reloads ancong.conf.\n"
               "It reconnects by itself when PostgreSQL restarts.\n\nSettings:\n");
        cmd_print_settings(stdout, "ocr.");
        cmd_print_settings(stdout, "review.");
        cmd_print_settings(stdout, "job.");
        return EXIT_OK;
    }
    if (argc > 1)
        return cmd_usage_error("ancong worker", "unexpected argument \"%s\"", argv[1]);
    ocrenv_single_thread();
    log_set_role("worker");
    return worker_run(cfg) == 0 ? EXIT_OK : EXIT_WORK;
}
