/*
 * tests/tools/reanactl.c: drive the re-analysis store API from shell tests
 * (tests/integration/split_reanalyze_race.sh) against the real embedded
 * PostgreSQL of $ANCONG_HOME, one step at a time, so that the races between
 * a reviewer and a worker are played out deterministically.
 *
 *   reanactl claim                      claim one "reanalyze" job; prints job= document= attempts=
 *   reanactl load PART                  prints first= last= file= ocr= npages= (or gone)
 *   reanactl store JOB PART ATTEMPTS FIRST LAST JSONFILE
 *                                       job_reanalyzed for that claim; prints result=0|1
 *   reanactl run JOB PART ATTEMPTS      reanalyze_job (the worker's whole step) for that claim
 * Exit 0 ok, 1 error (on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/fs.h"
#include "store/store.h"
#include "workers/reanalyze.h"

static int fail(struct err *e)
{
    err_print(e);
    return 1;
}

static void fill_job(struct job *j, char **argv)
{
    memset(j, 0, sizeof *j);
    j->id = atoll(argv[0]);
    j->document_id = atoll(argv[1]);
    j->attempts = atoi(argv[2]);
    snprintf(j->kind, sizeof j->kind, "reanalyze");
    snprintf(j->name, sizeof j->name, "test.pdf");
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
        fprintf(stderr, "usage: reanactl claim|load|store|run ...\n");
        return 2;
    }
    if (cfg_load(&cfg, NULL, &e) < 0 || store_open(&cfg, &s, &e) < 0)
        return fail(&e);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "claim")) {
        int k = job_claim(s, "reanalyze", "reanactl", &j, &e);
        if (k < 0) {
            rc = fail(&e);
        } else {
            if (k == 1)
                printf("job=%lld document=%lld attempts=%d\n", j.id, j.document_id, j.attempts);
            else
                printf("none\n");
            rc = 0;
        }
    } else if (!strcmp(cmd, "load") && argc >= 3) {
        struct reanalysis ra;
        int k = store_reanalysis_load(s, atoll(argv[2]), &ra, &e);
        if (k < 0) {
            rc = fail(&e);
        } else {
            if (k == 1)
                printf("first=%d last=%d file=%lld ocr=%s npages=%d\n", ra.first_page, ra.last_page,
                       ra.file_id, ra.ocr_sha256[0] ? ra.ocr_sha256 : "-", ra.npages);
            else
                printf("gone\n");
            store_reanalysis_release(&ra);
            rc = 0;
        }
    } else if (!strcmp(cmd, "store") && argc >= 8) {
        char *json = NULL;
        size_t len;
        fill_job(&j, argv + 2);
        if (fs_read(argv[7], 1 << 20, &json, &len, &e) < 0) {
            rc = fail(&e);
        } else {
            int k = job_reanalyzed(s, &j, atoi(argv[5]), atoi(argv[6]), json, &e);
            free(json);
            if (k < 0)
                rc = fail(&e);
            else {
                printf("result=%d\n", k);
                rc = 0;
            }
        }
    } else if (!strcmp(cmd, "run") && argc >= 5) {
        fill_job(&j, argv + 2);
        rc = reanalyze_job(s, &cfg, &j) == 0 ? 0 : 1;
    } else {
        fprintf(stderr, "reanactl: unknown command or missing arguments\n");
        rc = 2;
    }
    store_close(&s);
    return rc;
}
