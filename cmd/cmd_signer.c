/*
 * cmd/cmd_signer.c: "ancong signer [--once]" — the signer role alone: signs
 * the documents reviewers approved and records the signatures.
 */
#include "cmd/cmd.h"
#include "cmd/cmds.h"

#include <signal.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "workers/sign_role.h"

static volatile sig_atomic_t signer_stop;

static void on_stop(int sig)
{
    (void)sig;
    signer_stop = 1;
}

int cmd_signer(int argc, char **argv, struct cfg *cfg)
{
    bool once = false;
    int n = 0;
    struct err e;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: ancong signer [--once]\n\n"
               "The signer role: takes the \"sign\" jobs queued when a reviewer approves a document,\n"
               "signs its searchable PDF with the token (PAdES, see \"ancong sign --help\"), keeps the\n"
               "signed PDF in the blob store beside the unsigned one, and records the signature\n"
               "(signer, certificate fingerprint, time, level, sha256) in PostgreSQL.  Runs until\n"
               "SIGTERM; --once stops when no sign job is ready.  A wrong or locked PIN stops it\n"
               "at once (the token's retry counter is never burnt in a loop).\n\nSettings:\n");
        cmd_print_settings(stdout, "sign.");
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--once")) once = true;
        else return cmd_usage_error("ancong signer [--once]", "unknown option \"%s\"", argv[i]);
    }
    log_set_role("signer");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    err_init(&e);
    if (sign_role_run(cfg, &signer_stop, NULL, once, &n, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    printf("signer: %d document%s signed\n", n, n == 1 ? "" : "s");
    return EXIT_OK;
}
