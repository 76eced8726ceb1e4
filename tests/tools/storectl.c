/*
 * tests/tools/storectl.c: drive the store API from shell tests
 * (tests/integration/db_*.sh) against the real embedded PostgreSQL of
 * $ANCONG_HOME.
 *
 *   storectl ingest PATH NAME [STATION] [--backfill]
 *   storectl claim KIND WORKER                 claim one job and exit (a "dead" worker)
 *   storectl drain KIND WORKER                 claim and complete until none is left
 *   storectl fail KIND WORKER WHY [--fatal]    claim one job and fail it
 *   storectl complete KIND WORKER JSONFILE [N] claim one job and complete it N times
 *   storectl heartbeat KIND WORKER             claim one job and extend its lease
 *   storectl wait MS                           wait for a NOTIFY (prints woken/timeout)
 *   storectl export DIR
 *   storectl enqueue DOCUMENT KIND PRIORITY
 *   storectl restart-check                     stop the server under an open store, then
 *                                              store_check reconnects (starting it again)
 * Prints key=value lines; exit 0 ok, 1 error (the error on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/fs.h"
#include "store/store.h"

static int fail(struct err *e)
{
    err_print(e);
    return 1;
}

static void print_job(const struct job *j)
{
    printf("job=%lld document=%lld attempts=%d kind=%s sha256=%s station=%s name=%s\n", j->id,
           j->document_id, j->attempts, j->kind, j->sha256, j->station, j->name);
}

int main(int argc, char **argv)
{
    struct cfg cfg;
    struct err e;
    struct store *s = NULL;
    struct job j;
    int rc = 1;

    err_init(&e);
    if (argc < 2) {
        fprintf(stderr, "usage: storectl ingest|claim|drain|fail|complete|heartbeat|wait|export ...\n");
        return 2;
    }
    if (cfg_load(&cfg, NULL, &e) < 0 || store_open(&cfg, &s, &e) < 0)
        return fail(&e);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "ingest") && argc >= 4) {
        struct ingest_req r = {0};
        struct ingest_res res;
        r.path = argv[2];
        r.name = argv[3];
        r.station = argc > 4 && strcmp(argv[4], "--backfill") ? argv[4] : NULL;
        r.source = (argc > 4 && !strcmp(argv[argc - 1], "--backfill")) ? INGEST_BACKFILL : INGEST_LIVE;
        r.priority = r.source == INGEST_BACKFILL ? 100 : 0;
        if (store_ingest(s, &r, &res, &e) < 0)
            goto err;
        printf("document=%lld duplicate=%d sha256=%s\n", res.document_id, res.duplicate ? 1 : 0,
               res.sha256);
        rc = 0;
    } else if (!strcmp(cmd, "claim") && argc == 4) {
        int k = job_claim(s, argv[2], argv[3], &j, &e);
        if (k < 0)
            goto err;
        if (k == 0)
            printf("none\n");
        else
            print_job(&j);
        rc = 0;
    } else if (!strcmp(cmd, "heartbeat") && argc == 4) {
        int k = job_claim(s, argv[2], argv[3], &j, &e);
        if (k <= 0)
            goto err;
        if (job_heartbeat(s, &j, &e) < 0)
            goto err;
        print_job(&j);
        rc = 0;
    } else if (!strcmp(cmd, "drain") && argc == 4) {
        int k;
        while ((k = job_claim(s, argv[2], argv[3], &j, &e)) == 1) {
            printf("job=%lld\n", j.id);
            fflush(stdout);
            if (job_complete(s, &j, "{\"status\":\"indexed\",\"pages\":[]}", NULL, &e) < 0)
                goto err;
        }
        if (k < 0)
            goto err;
        rc = 0;
    } else if (!strcmp(cmd, "fail") && argc >= 5) {
        int k = job_claim(s, argv[2], argv[3], &j, &e);
        if (k < 0)
            goto err;
        if (k == 0) {
            printf("none\n");
            rc = 0;
            goto out;
        }
        bool fatal = argc > 5 && !strcmp(argv[5], "--fatal");
        if (job_fail(s, &j, argv[4], !fatal, &e) < 0)
            goto err;
        print_job(&j);
        rc = 0;
    } else if (!strcmp(cmd, "complete") && argc >= 5) {
        char *json = NULL;
        size_t len;
        int times = argc > 5 ? atoi(argv[5]) : 1;
        if (fs_read(argv[4], 0, &json, &len, &e) < 0)
            goto err;
        int k = job_claim(s, argv[2], argv[3], &j, &e);
        if (k <= 0) {
            free(json);
            if (k == 0)
                fprintf(stderr, "storectl: no job to claim\n");
            goto err;
        }
        for (int i = 0; i < times; i++)
            if (job_complete(s, &j, json, NULL, &e) < 0) {
                free(json);
                goto err;
            }
        free(json);
        print_job(&j);
        rc = 0;
    } else if (!strcmp(cmd, "wait") && argc == 3) {
        int k = job_wait(s, atoi(argv[2]));
        if (k < 0) {
            fprintf(stderr, "storectl: wait failed\n");
            goto out;
        }
        printf("%s\n", k ? "woken" : "timeout");
        rc = 0;
    } else if (!strcmp(cmd, "enqueue") && argc == 5) {
        if (job_enqueue(s, atoll(argv[2]), argv[3], atoi(argv[4]), &e) < 0)
            goto err;
        rc = 0;
    } else if (!strcmp(cmd, "restart-check") && argc == 2) {
        if (pgc_stop(&cfg, &e) < 0)
            goto err;
        printf("running_after_stop=%d\n", pgc_running(&cfg));
        if (store_check(s, &e) < 0)
            goto err;
        int k = job_claim(s, "nothing-of-this-kind", "rc", &j, &e);
        if (k < 0)
            goto err;
        printf("reconnected=1 running=%d\n", pgc_running(&cfg));
        rc = 0;
    } else if (!strcmp(cmd, "export") && argc == 3) {
        int n = 0;
        if (store_export_json(s, argv[2], &n, &e) < 0)
            goto err;
        printf("exported=%d\n", n);
        rc = 0;
    } else {
        fprintf(stderr, "storectl: bad arguments\n");
        rc = 2;
    }
    goto out;
err:
    if (err_is_set(&e))
        err_print(&e);
    rc = 1;
out:
    store_close(&s);
    return rc;
}
